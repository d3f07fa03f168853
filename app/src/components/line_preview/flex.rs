//! Flex Messages, drawn by the rules of `flex-rendering.md`: bubble sizes and block padding
//! (§1), the keyword tables (§2, in `style`), the flex model, spacing and margin along the
//! parent's main axis (§3), text wrapping and spans (§4).
//!
//! Structural rules (flex defaults by parent layout, block padding by bubble size, button
//! styles) are CSS classes in `style/main.css`; values from the message are inline styles built
//! by `style`.

use leptos::prelude::*;
use line::flex::{
    AlignItems, AspectMode, BubbleSize, ButtonHeight, ButtonStyle, Decoration, Direction,
    FlexBlock, FlexBlockStyle, FlexBox, FlexBoxBackground, FlexBubble, FlexButton, FlexComponent,
    FlexContainer, FlexIcon, FlexImage, FlexText, FontStyle, Gravity, JustifyContent, Layout,
    Position, Weight,
};
use line::message::Action;

use super::style::{Scale, Style, angle, color, dimension, length, num, offset, percent, ratio};
use super::{action_button, hit_area};

pub(super) fn container(c: &FlexContainer, on: Callback<Action>) -> AnyView {
    match c {
        FlexContainer::Bubble(b) => bubble(b, "", on),
        FlexContainer::Carousel(c) => carousel(Signal::stored(c.contents.clone()), on),
    }
}

/// A carousel whose bubbles follow `bubbles`, each drawn again only when it changes: typing
/// into one bubble of twelve redraws that one (the editor's keystroke budget), not the message.
pub(super) fn carousel(bubbles: Signal<Vec<FlexContainer>>, on: Callback<Action>) -> AnyView {
    let count = Memo::new(move |_| bubbles.with(Vec::len));
    // Focusable, so that a keyboard scrolls it even when no bubble holds a button.
    view! {
        <div
            class="lp-scroll lp-fcarousel"
            role="group"
            aria-label="カルーセル"
            tabindex="0"
            data-flex-node=""
        >
            <For
                each=move || 0..count.get()
                key=|i| *i
                children=move |i| {
                    let this = Memo::new(move |_| bubbles.with(|bs| bs.get(i).cloned()));
                    move || {
                        this.with(|b| match b {
                            Some(FlexContainer::Bubble(b)) => {
                                bubble(b, &format!("/contents/{i}"), on)
                            }
                            Some(FlexContainer::Carousel(_)) => unsupported("カルーセル"),
                            None => ().into_any(),
                        })
                    }
                }
            />
        </div>
    }
    .into_any()
}

fn unsupported(what: &str) -> AnyView {
    view! { <div class="lp-funsupported">{format!("［{what}］")}</div> }.into_any()
}

fn size_class(size: Option<BubbleSize>) -> &'static str {
    match size.unwrap_or(BubbleSize::Mega) {
        BubbleSize::Nano => "lp-fbubble lp-s-nano",
        BubbleSize::Micro => "lp-fbubble lp-s-micro",
        BubbleSize::Deca => "lp-fbubble lp-s-deca",
        BubbleSize::Hecto => "lp-fbubble lp-s-hecto",
        BubbleSize::Kilo => "lp-fbubble lp-s-kilo",
        BubbleSize::Mega => "lp-fbubble lp-s-mega",
        BubbleSize::Giga => "lp-fbubble lp-s-giga",
    }
}

/// A block's background and the hairline above it (never above the first block).
fn block_style(style: Option<&FlexBlockStyle>, first: bool, st: &mut Style) {
    let Some(s) = style else { return };
    st.set("background-color", color(s.background_color.as_deref()));
    if s.separator == Some(true) && !first {
        let line = color(s.separator_color.as_deref()).unwrap_or_else(|| "#d4d6da".into());
        st.set("border-top", Some(format!("1px solid {line}")));
    }
}

fn bubble(b: &FlexBubble, at: &str, on: Callback<Action>) -> AnyView {
    let styles = b.styles.clone().unwrap_or_default();
    let mut first = true;
    let mut next_first = || std::mem::replace(&mut first, false);
    let header = b.header.as_ref().map(|h| {
        block(
            h,
            &format!("{at}/header"),
            "lp-fblock lp-fheader",
            styles.header.as_ref(),
            next_first(),
            on,
        )
    });
    let hero = b.hero.as_ref().map(|h| {
        let mut st = Style::new();
        block_style(styles.hero.as_ref(), next_first(), &mut st);
        let inner = component(h, &format!("{at}/hero"), Layout::Vertical, None, on);
        view! {
            <div class="lp-fhero" style=st.build()>
                {inner}
            </div>
        }
    });
    let body_class = if b.footer.is_some() {
        "lp-fblock lp-fbody lp-before-footer"
    } else {
        "lp-fblock lp-fbody"
    };
    let body = b.body.as_ref().map(|x| {
        block(
            x,
            &format!("{at}/body"),
            body_class,
            styles.body.as_ref(),
            next_first(),
            on,
        )
    });
    let footer = b.footer.as_ref().map(|x| {
        block(
            x,
            &format!("{at}/footer"),
            "lp-fblock lp-ffooter",
            styles.footer.as_ref(),
            next_first(),
            on,
        )
    });
    let class = size_class(b.size);
    let class = if b.action.is_some() {
        format!("{class} lp-tappable")
    } else {
        class.to_owned()
    };
    let hit = b.action.as_ref().map(|a| hit_area(a, on));
    let dir = (b.direction == Some(Direction::Rtl)).then_some("rtl");
    view! {
        <div class=class dir=dir data-flex-node=at.to_owned()>
            {hit}
            {header}
            {hero}
            {body}
            {footer}
        </div>
    }
    .into_any()
}

/// Header, body or footer: the block (default padding by bubble size, unless its box sets its
/// own) around its box.
fn block(
    b: &FlexBlock,
    at: &str,
    class: &'static str,
    style: Option<&FlexBlockStyle>,
    first: bool,
    on: Callback<Action>,
) -> AnyView {
    let FlexBlock::Box(x) = b;
    let mut st = Style::new();
    block_style(style, first, &mut st);
    padding(x, &mut st);
    let inner = flex_box(x, at, Layout::Vertical, None, true, on);
    view! {
        <div class=class style=st.build()>
            {inner}
        </div>
    }
    .into_any()
}

/// `padding*` of a box: `paddingAll`, then each side over it.
fn padding(x: &FlexBox, st: &mut Style) {
    let all = length(x.padding_all.as_deref(), Scale::Space, true);
    let side = |v: &Option<String>| length(v.as_deref(), Scale::Space, true).or(all.clone());
    st.set("padding-top", side(&x.padding_top));
    st.set("padding-bottom", side(&x.padding_bottom));
    st.set("padding-inline-start", side(&x.padding_start));
    st.set("padding-inline-end", side(&x.padding_end));
}

/// Placement shared by components: flex by the parent's layout (§3.2), the space before it
/// (spacing or margin, along the parent's main axis, §3.3), and position with offsets (§3.6).
fn place(
    st: &mut Style,
    parent: Layout,
    lead: Option<String>,
    flex: Option<i32>,
    position: Option<Position>,
    offsets: [&Option<String>; 4],
) {
    let vertical = parent == Layout::Vertical;
    let flex = match (vertical, flex) {
        (true, Some(n)) if n > 0 => Some(format!("{n} 0 auto")),
        (false, Some(0)) => Some("0 0 auto".into()),
        (false, Some(n)) if n > 0 => Some(format!("{n} 0 0")),
        _ => None,
    };
    st.set("flex", flex);
    st.set(
        if vertical {
            "margin-top"
        } else {
            "margin-inline-start"
        },
        lead,
    );
    if position == Some(Position::Absolute) {
        st.put("position", "absolute");
        st.put("margin", "0");
    }
    let [top, bottom, start, end] = offsets;
    st.set("top", offset(top.as_deref()));
    st.set("bottom", offset(bottom.as_deref()));
    st.set("inset-inline-start", offset(start.as_deref()));
    st.set("inset-inline-end", offset(end.as_deref()));
}

fn gravity(g: Option<Gravity>) -> Option<String> {
    match g {
        Some(Gravity::Center) => Some("center".into()),
        Some(Gravity::Bottom) => Some("flex-end".into()),
        _ => None,
    }
}

/// A component inside a box whose layout is `parent`; `lead` is the space before it.
fn component(
    c: &FlexComponent,
    at: &str,
    parent: Layout,
    lead: Option<String>,
    on: Callback<Action>,
) -> AnyView {
    match c {
        FlexComponent::Box(x) => flex_box(x, at, parent, lead, false, on),
        FlexComponent::Text(t) => text(t, at, parent, lead, on),
        FlexComponent::Image(i) => image(i, at, parent, lead, on),
        FlexComponent::Button(b) => button(b, at, parent, lead, on),
        FlexComponent::Icon(i) => icon(i, at, parent, lead),
        FlexComponent::Separator(s) => {
            let mut st = Style::new();
            place(
                &mut st,
                parent,
                lead,
                None,
                None,
                [&None, &None, &None, &None],
            );
            st.set("border-color", color(s.color.as_deref()));
            view! { <div class="lp-fsep" role="separator" style=st.build() data-flex-node=at.to_owned()></div> }
            .into_any()
        }
        FlexComponent::Filler(f) => {
            let mut st = Style::new();
            st.set(
                "flex",
                f.flex.filter(|n| *n >= 0).map(|n| format!("{n} 0 0")),
            );
            view! { <div class="lp-ffill" style=st.build() data-flex-node=at.to_owned()></div> }
                .into_any()
        }
        FlexComponent::Video(v) => {
            let alt = component(
                &v.alt_content,
                &format!("{at}/altContent"),
                parent,
                lead,
                on,
            );
            view! {
                <div class="lp-fvideo" data-flex-node=at.to_owned()>
                    {alt}
                    <span class="lp-play" aria-hidden="true">
                        "▶"
                    </span>
                    <span class="lp-fvideo-badge">"動画"</span>
                </div>
            }
            .into_any()
        }
        // A span belongs in a text's contents; anywhere else LINE refuses it.
        FlexComponent::Span(_) => ().into_any(),
    }
}

fn margin_of(c: &FlexComponent) -> Option<&str> {
    match c {
        FlexComponent::Box(x) => x.margin.as_deref(),
        FlexComponent::Button(x) => x.margin.as_deref(),
        FlexComponent::Image(x) => x.margin.as_deref(),
        FlexComponent::Icon(x) => x.margin.as_deref(),
        FlexComponent::Text(x) => x.margin.as_deref(),
        FlexComponent::Separator(x) => x.margin.as_deref(),
        FlexComponent::Video(_) | FlexComponent::Span(_) | FlexComponent::Filler(_) => None,
    }
}

fn flex_box(
    x: &FlexBox,
    at: &str,
    parent: Layout,
    lead: Option<String>,
    root: bool,
    on: Callback<Action>,
) -> AnyView {
    let layout_class = match (x.layout, x.action.is_some()) {
        (Layout::Vertical, false) => "lp-fbox lp-l-vertical",
        (Layout::Horizontal, false) => "lp-fbox lp-l-horizontal",
        (Layout::Baseline, false) => "lp-fbox lp-l-baseline",
        (Layout::Vertical, true) => "lp-fbox lp-l-vertical lp-tappable",
        (Layout::Horizontal, true) => "lp-fbox lp-l-horizontal lp-tappable",
        (Layout::Baseline, true) => "lp-fbox lp-l-baseline lp-tappable",
    };
    let mut st = Style::new();
    let sized = x.width.is_some() || x.height.is_some();
    // A width or height in a horizontal box sets flex to 0 (LAY).
    let flex = if sized && parent != Layout::Vertical {
        Some(0)
    } else {
        x.flex
    };
    place(
        &mut st,
        parent,
        lead,
        flex,
        x.position,
        [
            &x.offset_top,
            &x.offset_bottom,
            &x.offset_start,
            &x.offset_end,
        ],
    );
    if root {
        // The block carries the root box's padding; the root fills the block.
        st.put("flex", "1 0 auto");
    } else {
        padding(x, &mut st);
    }
    st.set("background-color", color(x.background_color.as_deref()));
    if let Some(FlexBoxBackground::LinearGradient {
        angle: a,
        start_color,
        end_color,
        center_color,
        center_position,
    }) = &x.background
        && let (Some(a), Some(start), Some(end)) = (
            angle(a.as_deref()),
            color(start_color.as_deref()),
            color(end_color.as_deref()),
        )
    {
        let center = color(center_color.as_deref())
            .map(|c| {
                let at = percent(center_position.as_deref()).unwrap_or_else(|| "50%".into());
                format!(", {c} {at}")
            })
            .unwrap_or_default();
        st.set(
            "background-image",
            Some(format!(
                "linear-gradient({a}, {start} 0%{center}, {end} 100%)"
            )),
        );
    }
    if let Some(w) = length(x.border_width.as_deref(), Scale::Border, false) {
        st.set("border-width", Some(w));
        st.put("border-style", "solid");
        st.set(
            "border-color",
            Some(color(x.border_color.as_deref()).unwrap_or_else(|| "transparent".into())),
        );
    }
    st.set(
        "border-radius",
        length(x.corner_radius.as_deref(), Scale::Space, false),
    );
    st.set("width", dimension(x.width.as_deref()));
    st.set("height", dimension(x.height.as_deref()));
    st.set("max-width", dimension(x.max_width.as_deref()));
    st.set("max-height", dimension(x.max_height.as_deref()));
    st.set(
        "justify-content",
        x.justify_content.map(|j| {
            match j {
                JustifyContent::Center => "center",
                JustifyContent::FlexStart => "flex-start",
                JustifyContent::FlexEnd => "flex-end",
                JustifyContent::SpaceBetween => "space-between",
                JustifyContent::SpaceAround => "space-around",
                JustifyContent::SpaceEvenly => "space-evenly",
            }
            .to_owned()
        }),
    );
    st.set(
        "align-items",
        x.align_items.map(|a| {
            match a {
                AlignItems::Center => "center",
                AlignItems::FlexStart => "flex-start",
                AlignItems::FlexEnd => "flex-end",
            }
            .to_owned()
        }),
    );
    let spacing = length(x.spacing.as_deref(), Scale::Space, false);
    let children = x
        .contents
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let lead = match margin_of(c) {
                Some(m) => length(Some(m), Scale::Space, false),
                None if i > 0 && !matches!(c, FlexComponent::Filler(_)) => spacing.clone(),
                None => None,
            };
            component(c, &format!("{at}/contents/{i}"), x.layout, lead, on)
        })
        .collect_view();
    let hit = x.action.as_ref().map(|a| hit_area(a, on));
    view! {
        <div class=layout_class style=st.build() data-flex-node=at.to_owned()>
            {hit}
            {children}
        </div>
    }
    .into_any()
}

/// A font size; with `scaling` it follows the phone's font-size setting (the preview's
/// 「文字サイズ」 sets `--lp-font-scale`), from `md` when no size is given.
fn font_size(size: Option<&str>, scaling: bool) -> Option<String> {
    if !scaling {
        return length(size, Scale::Font, false);
    }
    let px = length(size.or(Some("md")), Scale::Font, false)?;
    Some(format!("calc({px} * var(--lp-font-scale, 1))"))
}

/// Font size, colour, weight, style and decoration of a text or span.
fn font(
    st: &mut Style,
    scaling: bool,
    size: Option<&str>,
    color_: Option<&str>,
    weight: Option<Weight>,
    style: Option<FontStyle>,
    decoration: Option<Decoration>,
) {
    st.set("font-size", font_size(size, scaling));
    st.set("color", color(color_));
    if weight == Some(Weight::Bold) {
        st.put("font-weight", "bold");
    }
    if style == Some(FontStyle::Italic) {
        st.put("font-style", "italic");
    }
    match decoration {
        Some(Decoration::Underline) => {
            st.put("text-decoration", "underline");
        }
        Some(Decoration::LineThrough) => {
            st.put("text-decoration", "line-through");
        }
        _ => {}
    }
}

fn text(
    t: &FlexText,
    at: &str,
    parent: Layout,
    lead: Option<String>,
    on: Callback<Action>,
) -> AnyView {
    let mut outer = Style::new();
    place(
        &mut outer,
        parent,
        lead,
        t.flex,
        t.position,
        [
            &t.offset_top,
            &t.offset_bottom,
            &t.offset_start,
            &t.offset_end,
        ],
    );
    if parent != Layout::Baseline {
        outer.set("justify-content", gravity(t.gravity));
    }
    let mut inner = Style::new();
    font(
        &mut inner,
        t.scaling == Some(true),
        t.size.as_deref(),
        t.color.as_deref(),
        t.weight,
        t.style,
        t.decoration,
    );
    inner.set(
        "text-align",
        t.align.map(|a| {
            match a {
                line::flex::Align::Start => "start",
                line::flex::Align::Center => "center",
                line::flex::Align::End => "end",
            }
            .to_owned()
        }),
    );
    let wrap = t.wrap == Some(true);
    let lines = t.max_lines.filter(|n| *n > 0 && wrap);
    inner.set("-webkit-line-clamp", lines.map(|n| n.to_string()));
    if let Some(extra) = length(t.line_spacing.as_deref(), Scale::Space, false)
        .filter(|_| wrap)
        .and_then(|l| l.strip_suffix("px").and_then(|n| n.parse::<f64>().ok()))
    {
        // Space between lines only, not above the first or below the last (ELE).
        inner.set(
            "line-height",
            Some(format!("calc(1.4em + {}px)", num(extra))),
        );
        inner.set("margin", Some(format!("-{}px 0", num(extra / 2.0))));
    }
    let class = match (wrap, lines.is_some()) {
        (false, _) => "lp-ftx lp-nowrap",
        (true, false) => "lp-ftx lp-wrap",
        (true, true) => "lp-ftx lp-wrap lp-clamp",
    };
    let spans = t.contents.as_deref().unwrap_or_default();
    let content = if spans.is_empty() {
        t.text.clone().unwrap_or_default().into_any()
    } else {
        spans
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c {
                FlexComponent::Span(s) => {
                    let mut st = Style::new();
                    let span_at = format!("{at}/contents/{i}");
                    font(
                        &mut st,
                        t.scaling == Some(true),
                        s.size.as_deref(),
                        s.color.as_deref(),
                        s.weight,
                        s.style,
                        // A span cannot override the text's decoration (REF).
                        t.decoration.is_none().then_some(s.decoration).flatten(),
                    );
                    Some(view! {
                        <span style=st.build() data-flex-node=span_at>
                            {s.text.clone().unwrap_or_default()}
                        </span>
                    })
                }
                _ => None,
            })
            .collect_view()
            .into_any()
    };
    let outer_class = if t.action.is_some() {
        "lp-fcomp lp-ftext lp-tappable"
    } else {
        "lp-fcomp lp-ftext"
    };
    let hit = t.action.as_ref().map(|a| hit_area(a, on));
    view! {
        <div class=outer_class style=outer.build() data-flex-node=at.to_owned()>
            {hit}
            <p class=class style=inner.build()>
                {content}
            </p>
        </div>
    }
    .into_any()
}

fn image(
    i: &FlexImage,
    at: &str,
    parent: Layout,
    lead: Option<String>,
    on: Callback<Action>,
) -> AnyView {
    let mut outer = Style::new();
    place(
        &mut outer,
        parent,
        lead,
        i.flex,
        i.position,
        [
            &i.offset_top,
            &i.offset_bottom,
            &i.offset_start,
            &i.offset_end,
        ],
    );
    outer.set(
        "align-items",
        match i.align {
            Some(line::flex::Align::Start) => Some("flex-start".into()),
            Some(line::flex::Align::End) => Some("flex-end".into()),
            _ => None,
        },
    );
    if parent != Layout::Baseline {
        outer.set("justify-content", gravity(i.gravity));
    }
    let width = match i.size.as_deref() {
        Some("full") => Some("100%".into()),
        other => length(other, Scale::Image, true),
    }
    .unwrap_or_else(|| "100px".into());
    let mut frame = Style::new();
    frame.set("width", Some(width));
    let (w, h) = ratio(i.aspect_ratio.as_deref()).unwrap_or((1.0, 1.0));
    let mut area = Style::new();
    area.set("padding-bottom", Some(format!("{}%", num(h / w * 100.0))));
    area.set("background-color", color(i.background_color.as_deref()));
    let fit = if i.aspect_mode == Some(AspectMode::Cover) {
        "lp-cover"
    } else {
        "lp-fit"
    };
    let outer_class = if i.action.is_some() {
        "lp-fcomp lp-fimg lp-tappable"
    } else {
        "lp-fcomp lp-fimg"
    };
    let hit = i.action.as_ref().map(|a| hit_area(a, on));
    view! {
        <div class=outer_class style=outer.build() data-flex-node=at.to_owned()>
            {hit}
            <div class="lp-fimg-frame" style=frame.build()>
                <div class="lp-fimg-area" style=area.build()>
                    <img class=fit src=i.url.clone() alt="" loading="lazy" />
                </div>
            </div>
        </div>
    }
    .into_any()
}

fn button(
    b: &FlexButton,
    at: &str,
    parent: Layout,
    lead: Option<String>,
    on: Callback<Action>,
) -> AnyView {
    let mut outer = Style::new();
    place(
        &mut outer,
        parent,
        lead,
        b.flex,
        b.position,
        [
            &b.offset_top,
            &b.offset_bottom,
            &b.offset_start,
            &b.offset_end,
        ],
    );
    outer.set("justify-content", gravity(b.gravity));
    let small = b.height == Some(ButtonHeight::Sm);
    let style = b.style.unwrap_or(ButtonStyle::Link);
    let class = match (style, small) {
        (ButtonStyle::Primary, false) => "lp-fbtn lp-act lp-primary",
        (ButtonStyle::Primary, true) => "lp-fbtn lp-act lp-primary lp-sm",
        (ButtonStyle::Secondary, false) => "lp-fbtn lp-act lp-secondary",
        (ButtonStyle::Secondary, true) => "lp-fbtn lp-act lp-secondary lp-sm",
        (ButtonStyle::Link, false) => "lp-fbtn lp-act lp-link",
        (ButtonStyle::Link, true) => "lp-fbtn lp-act lp-link lp-sm",
    };
    let mut st = Style::new();
    if b.scaling == Some(true) {
        st.put("font-size", "calc(16px * var(--lp-font-scale, 1))");
    }
    st.set(
        if style == ButtonStyle::Link {
            "color"
        } else {
            "background-color"
        },
        color(b.color.as_deref()),
    );
    let inner = action_button(&b.action, class, st.build(), on);
    view! {
        <div class="lp-fcomp lp-fbutton" style=outer.build() data-flex-node=at.to_owned()>
            {inner}
        </div>
    }
    .into_any()
}

fn icon(i: &FlexIcon, at: &str, parent: Layout, lead: Option<String>) -> AnyView {
    let mut st = Style::new();
    place(
        &mut st,
        parent,
        lead,
        None,
        i.position,
        [
            &i.offset_top,
            &i.offset_bottom,
            &i.offset_start,
            &i.offset_end,
        ],
    );
    st.set(
        "font-size",
        font_size(i.size.as_deref(), i.scaling == Some(true)),
    );
    let (w, h) = ratio(i.aspect_ratio.as_deref()).unwrap_or((1.0, 1.0));
    st.set("width", Some(format!("{}em", num(w / h))));
    view! {
        <img
            class="lp-ficon"
            src=i.url.clone()
            alt=""
            loading="lazy"
            style=st.build()
            data-flex-node=at.to_owned()
        />
    }
    .into_any()
}

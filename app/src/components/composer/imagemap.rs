//! The form of a rich message (imagemap): its alternative text, its image, and its tap areas,
//! chosen from LINE Official Account Manager's layouts or drawn, moved and resized on the image
//! (or nudged with the arrow keys, or typed as numbers), each with what a tap does.
//!
//! The drag arithmetic is pure ([`dragged`], [`spanned`], [`image_point`]) and unit-tested; the
//! component only turns pointer and key events into calls of it.

use std::cell::RefCell;

use leptos::ev::{KeyboardEvent, PointerEvent};
use leptos::html::Div;
use leptos::prelude::*;
use line::layout::{IMAGEMAP_LAYOUTS, Layout};
use line::message::{ImagemapMessage, Message};
use line::template::{ImagemapAction, ImagemapArea, ImagemapBaseSize};
use line::validate::{
    IMAGEMAP_BASE_WIDTH, MAX_ALT_TEXT, MAX_CLIPBOARD_TEXT, MAX_CONTENT_URL, MAX_IMAGEMAP_ACTIONS,
    MAX_URI,
};
use wasm_bindgen::JsCast;

use super::fields::{
    Draft, FieldErrors, NumberField, OptionalTextField, SelectField, TextField, field_id,
};
use super::media_picker::{ImagePicker, PickedImage};
use super::template::focus_later;

/// LINE's limit of a message action's text in an imagemap.
const MAX_MESSAGE_TEXT: usize = 400;
/// OA Manager's limit of an area's label.
const MAX_LABEL: usize = 100;
/// A rectangle drawn smaller than this (in image pixels) is taken for a click.
const MIN_DRAWN: i32 = 8;

// ---------------------------------------------------------------------------------------------
// Geometry (pure)

/// What a pointer drag holds: the whole area, or one of its corners.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Handle {
    Move,
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

impl Handle {
    /// The corners, with their CSS class.
    const CORNERS: [(Handle, &'static str); 4] = [
        (Handle::TopLeft, "nw"),
        (Handle::TopRight, "ne"),
        (Handle::BottomLeft, "sw"),
        (Handle::BottomRight, "se"),
    ];
}

fn rect(x: i64, y: i64, width: i64, height: i64) -> ImagemapArea {
    let px = |v: i64| i32::try_from(v).unwrap_or(if v < 0 { 0 } else { i32::MAX });
    ImagemapArea {
        x: px(x),
        y: px(y),
        width: px(width),
        height: px(height),
    }
}

/// `start` after dragging `handle` by (`dx`, `dy`) image pixels on an image of `image` (width,
/// height): moved, or resized by a corner with the opposite corner fixed. The result stays
/// inside the image and is at least 1 × 1; an area that was outside (from JSON) is brought in.
pub(super) fn dragged(
    start: ImagemapArea,
    dx: i32,
    dy: i32,
    handle: Handle,
    image: (i32, i32),
) -> ImagemapArea {
    let (w, h) = (i64::from(image.0.max(1)), i64::from(image.1.max(1)));
    let (dx, dy) = (i64::from(dx), i64::from(dy));
    let width = i64::from(start.width).clamp(1, w);
    let height = i64::from(start.height).clamp(1, h);
    let left = i64::from(start.x).clamp(0, w - width);
    let top = i64::from(start.y).clamp(0, h - height);
    let (right, bottom) = (left + width, top + height);
    let (l, t, r, b) = match handle {
        Handle::Move => {
            let l = (left + dx).clamp(0, w - width);
            let t = (top + dy).clamp(0, h - height);
            (l, t, l + width, t + height)
        }
        Handle::TopLeft => (
            (left + dx).clamp(0, right - 1),
            (top + dy).clamp(0, bottom - 1),
            right,
            bottom,
        ),
        Handle::TopRight => (
            left,
            (top + dy).clamp(0, bottom - 1),
            (right + dx).clamp(left + 1, w),
            bottom,
        ),
        Handle::BottomLeft => (
            (left + dx).clamp(0, right - 1),
            top,
            right,
            (bottom + dy).clamp(top + 1, h),
        ),
        Handle::BottomRight => (
            left,
            top,
            (right + dx).clamp(left + 1, w),
            (bottom + dy).clamp(top + 1, h),
        ),
    };
    rect(l, t, r - l, b - t)
}

/// The area spanned by two points (a drawing drag), inside the image and at least 1 × 1.
pub(super) fn spanned(a: (i32, i32), b: (i32, i32), image: (i32, i32)) -> ImagemapArea {
    let (w, h) = (i64::from(image.0.max(1)), i64::from(image.1.max(1)));
    let axis = |p: i32, q: i32, size: i64| {
        let (p, q) = (i64::from(p), i64::from(q));
        let start = p.min(q).clamp(0, size - 1);
        let end = p.max(q).clamp(start + 1, size);
        (start, end - start)
    };
    let (x, width) = axis(a.0, b.0, w);
    let (y, height) = axis(a.1, b.1, h);
    rect(x, y, width, height)
}

/// A point `offset` (CSS pixels from the image's top left corner, the image being shown at
/// `shown` CSS pixels) in image pixels, clamped to the image.
pub(super) fn image_point(offset: (f64, f64), shown: (f64, f64), image: (i32, i32)) -> (i32, i32) {
    let scale = |o: f64, s: f64, size: i32| -> i32 {
        if !(s > 0.0 && o.is_finite()) {
            return 0;
        }
        // `as` saturates; the value is already within 0..=size.
        (o / s * f64::from(size))
            .round()
            .clamp(0.0, f64::from(size.max(0))) as i32
    };
    (
        scale(offset.0, shown.0, image.0),
        scale(offset.1, shown.1, image.1),
    )
}

/// `baseSize.height` for an image of `width` × `height`: its height at LINE's width of 1040.
pub(super) fn base_height(width: i32, height: i32) -> i32 {
    if width <= 0 || height <= 0 {
        return IMAGEMAP_BASE_WIDTH;
    }
    let (w, h, base) = (
        i64::from(width),
        i64::from(height),
        i64::from(IMAGEMAP_BASE_WIDTH),
    );
    i32::try_from((2 * base * h + w) / (2 * w))
        .unwrap_or(i32::MAX)
        .max(1)
}

/// `area` on an image whose height changed from `old_height` to `new_height`: scaled
/// vertically (edges shared by neighbours stay shared), kept inside the image.
pub(super) fn rescaled(
    area: ImagemapArea,
    width: i32,
    old_height: i32,
    new_height: i32,
) -> ImagemapArea {
    if old_height <= 0 || new_height <= 0 || old_height == new_height {
        return area;
    }
    let (old, new) = (i64::from(old_height), i64::from(new_height));
    let scale = |v: i32| (i64::from(v) * new * 2 + old) / (2 * old);
    let top = scale(area.y);
    let bottom = scale(area.y.saturating_add(area.height));
    let scaled = rect(
        i64::from(area.x),
        top,
        i64::from(area.width),
        (bottom - top).max(1),
    );
    dragged(scaled, 0, 0, Handle::Move, (width, new_height))
}

/// The actions for a layout's `areas`: the current actions keep their targets in order, then
/// those set aside by an earlier, smaller layout (`parked`); the rest are new. Actions beyond
/// the layout's areas are set aside in `parked`, so going back to a larger layout restores them.
pub(super) fn with_layout(
    actions: &[ImagemapAction],
    areas: &[ImagemapArea],
    parked: &mut Vec<ImagemapAction>,
) -> Vec<ImagemapAction> {
    let mut pool: Vec<ImagemapAction> = actions.iter().cloned().chain(parked.drain(..)).collect();
    *parked = pool.split_off(areas.len().min(pool.len()));
    let mut next: Vec<ImagemapAction> = pool
        .into_iter()
        .zip(areas)
        .map(|(mut action, area)| {
            *area_mut(&mut action) = *area;
            action
        })
        .collect();
    let kept = next.len();
    next.extend(areas[kept..].iter().map(|&area| new_action(area)));
    next
}

/// An area's name as staff see it: A, B, ... Z, AA, AB...
pub(super) fn area_name(i: usize) -> String {
    let letter = |n: usize| char::from(b'A' + u8::try_from(n % 26).unwrap_or(0));
    if i < 26 {
        letter(i).to_string()
    } else {
        format!("{}{}", letter(i / 26 - 1), letter(i))
    }
}

/// Position of `area` over an image of `image` (width, height), in percent.
fn box_style(area: ImagemapArea, image: (i32, i32)) -> String {
    let pct = |v: i32, of: i32| f64::from(v) * 100.0 / f64::from(of.max(1));
    format!(
        "left:{:.4}%;top:{:.4}%;width:{:.4}%;height:{:.4}%",
        pct(area.x, image.0),
        pct(area.y, image.1),
        pct(area.width, image.0),
        pct(area.height, image.1),
    )
}

// ---------------------------------------------------------------------------------------------
// Actions

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AreaKind {
    Uri,
    Message,
    Clipboard,
}

impl AreaKind {
    const ALL: [AreaKind; 3] = [AreaKind::Uri, AreaKind::Message, AreaKind::Clipboard];

    fn of(action: &ImagemapAction) -> AreaKind {
        match action {
            ImagemapAction::Uri { .. } => AreaKind::Uri,
            ImagemapAction::Message { .. } => AreaKind::Message,
            ImagemapAction::Clipboard { .. } => AreaKind::Clipboard,
        }
    }

    fn id(self) -> &'static str {
        match self {
            AreaKind::Uri => "uri",
            AreaKind::Message => "message",
            AreaKind::Clipboard => "clipboard",
        }
    }

    fn name(self) -> &'static str {
        match self {
            AreaKind::Uri => "URL を開く",
            AreaKind::Message => "テキストを送信",
            AreaKind::Clipboard => "テキストをコピー",
        }
    }

    fn from_id(id: &str) -> Option<AreaKind> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }

    /// `action` as this kind, keeping its area and label (and its text between the two kinds
    /// that have text).
    fn convert(self, action: &ImagemapAction) -> ImagemapAction {
        if AreaKind::of(action) == self {
            return action.clone();
        }
        let (label, area) = (label_of(action), *action.area());
        let text = match action {
            ImagemapAction::Uri { .. } => String::new(),
            ImagemapAction::Message { text, .. } => text.clone(),
            ImagemapAction::Clipboard { clipboard_text, .. } => clipboard_text.clone(),
        };
        match self {
            AreaKind::Uri => ImagemapAction::Uri {
                label,
                link_uri: String::new(),
                area,
            },
            AreaKind::Message => ImagemapAction::Message { label, text, area },
            AreaKind::Clipboard => ImagemapAction::Clipboard {
                label,
                clipboard_text: text,
                area,
            },
        }
    }
}

fn new_action(area: ImagemapArea) -> ImagemapAction {
    ImagemapAction::Uri {
        label: None,
        link_uri: String::new(),
        area,
    }
}

fn area_mut(action: &mut ImagemapAction) -> &mut ImagemapArea {
    match action {
        ImagemapAction::Uri { area, .. }
        | ImagemapAction::Message { area, .. }
        | ImagemapAction::Clipboard { area, .. } => area,
    }
}

fn label_of(action: &ImagemapAction) -> Option<String> {
    match action {
        ImagemapAction::Uri { label, .. }
        | ImagemapAction::Message { label, .. }
        | ImagemapAction::Clipboard { label, .. } => label.clone(),
    }
}

fn set_label(action: &mut ImagemapAction, value: Option<String>) {
    match action {
        ImagemapAction::Uri { label, .. }
        | ImagemapAction::Message { label, .. }
        | ImagemapAction::Clipboard { label, .. } => *label = value,
    }
}

/// The link or text of an action.
fn target_of(action: &ImagemapAction) -> String {
    match action {
        ImagemapAction::Uri { link_uri, .. } => link_uri.clone(),
        ImagemapAction::Message { text, .. } => text.clone(),
        ImagemapAction::Clipboard { clipboard_text, .. } => clipboard_text.clone(),
    }
}

fn set_target(action: &mut ImagemapAction, value: String) {
    match action {
        ImagemapAction::Uri { link_uri, .. } => *link_uri = value,
        ImagemapAction::Message { text, .. } => *text = value,
        ImagemapAction::Clipboard { clipboard_text, .. } => *clipboard_text = value,
    }
}

fn areas_of(m: &ImagemapMessage) -> Vec<ImagemapArea> {
    m.actions.iter().map(|a| *a.area()).collect()
}

/// A number typed in a field, as whole pixels.
fn to_px(value: f64) -> i32 {
    // `as` saturates at i32's bounds.
    value.round() as i32
}

// ---------------------------------------------------------------------------------------------
// Carrying the actions set aside by a layout across the form's rebuild

/// Choosing a layout with fewer areas sets actions aside; the change of the number of areas
/// rebuilds the form, so they are handed to the form that replaces this one.
struct Carry {
    index: usize,
    count: usize,
    parked: Vec<ImagemapAction>,
}

thread_local! {
    static CARRY: RefCell<Option<Carry>> = const { RefCell::new(None) };
}

fn hand_over(index: usize, count: usize, parked: Vec<ImagemapAction>) {
    CARRY.with(|c| {
        *c.borrow_mut() = (!parked.is_empty()).then_some(Carry {
            index,
            count,
            parked,
        });
    });
}

fn take_over(index: usize, count: usize) -> Vec<ImagemapAction> {
    CARRY.with(|c| {
        let mut slot = c.borrow_mut();
        match slot.take() {
            Some(carry) if carry.index == index => {
                if carry.count == count {
                    carry.parked
                } else {
                    Vec::new()
                }
            }
            other => {
                *slot = other;
                Vec::new()
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The form

/// The imagemap message `index`.
#[derive(Clone, Copy)]
struct Map {
    draft: Draft,
    index: usize,
}

impl Map {
    fn read<R: Default>(self, f: impl FnOnce(&ImagemapMessage) -> R) -> R {
        self.draft
            .read(self.index, |m| match m {
                Message::Imagemap(m) => f(m),
                _ => R::default(),
            })
            .unwrap_or_default()
    }

    fn read_untracked<R: Default>(self, f: impl FnOnce(&ImagemapMessage) -> R) -> R {
        self.draft
            .messages
            .with_untracked(|all| match all.get(self.index) {
                Some(Message::Imagemap(m)) => f(m),
                _ => R::default(),
            })
    }

    fn edit(self, f: impl FnOnce(&mut ImagemapMessage)) {
        self.draft.edit(self.index, |m| {
            if let Message::Imagemap(m) = m {
                f(m);
            }
        });
    }

    /// The image size (`baseSize`), at least 1 × 1 (tracked).
    fn size(self) -> (i32, i32) {
        self.read(|m| (m.base_size.width.max(1), m.base_size.height.max(1)))
    }

    fn area(self, i: usize) -> Option<ImagemapArea> {
        self.read(|m| m.actions.get(i).map(|a| *a.area()))
    }

    fn area_untracked(self, i: usize) -> Option<ImagemapArea> {
        self.read_untracked(|m| m.actions.get(i).map(|a| *a.area()))
    }

    fn set_area(self, i: usize, area: ImagemapArea) {
        if self.area_untracked(i) != Some(area) {
            self.edit(|m| {
                if let Some(action) = m.actions.get_mut(i) {
                    *area_mut(action) = area;
                }
            });
        }
    }

    /// A change of the number of areas (which rebuilds the form), keeping the actions set aside.
    fn restructure(
        self,
        parked: StoredValue<Vec<ImagemapAction>>,
        f: impl FnOnce(&mut ImagemapMessage, &mut Vec<ImagemapAction>),
    ) {
        let mut aside = parked.try_update_value(std::mem::take).unwrap_or_default();
        self.edit(|m| f(m, &mut aside));
        let count = self.read_untracked(|m| m.actions.len());
        hand_over(self.index, count, aside.clone());
        parked.set_value(aside);
    }
}

fn area_button_id(index: usize, i: usize) -> String {
    format!("composer-{index}-area-{i}")
}

fn layout_radio_id(index: usize, layout: &str) -> String {
    format!("composer-{index}-layout-{layout}")
}

/// The form of imagemap message `index`.
#[component]
pub fn ImagemapForm(index: usize) -> impl IntoView {
    let draft = Draft::use_context();
    let map = Map { draft, index };
    let count = map.read_untracked(|m| m.actions.len());
    let parked = StoredValue::new(take_over(index, count));
    let selected = RwSignal::new(None::<usize>);
    let path = format!("messages[{index}]");

    let pick = Callback::new(move |image: PickedImage| {
        map.edit(|m| {
            let (width, old_height) = (m.base_size.width, m.base_size.height);
            let layout = Layout::matching(&areas_of(m), width, old_height);
            let height = base_height(image.width, image.height);
            m.base_url = image.imagemap_base_url;
            m.base_size = ImagemapBaseSize {
                width: IMAGEMAP_BASE_WIDTH,
                height,
            };
            match layout {
                // A layout stays that layout on the new image.
                Some(layout) => {
                    for (action, area) in m
                        .actions
                        .iter_mut()
                        .zip(layout.areas_on(IMAGEMAP_BASE_WIDTH, height))
                    {
                        *area_mut(action) = area;
                    }
                }
                None => {
                    for action in &mut m.actions {
                        let area =
                            rescaled(*action.area(), IMAGEMAP_BASE_WIDTH, old_height, height);
                        *area_mut(action) = area;
                    }
                }
            }
            if m.alt_text.trim().is_empty() {
                m.alt_text = image.alt_text;
            }
        });
    });
    let add = Callback::new(move |area: ImagemapArea| {
        let n = map.read_untracked(|m| m.actions.len());
        if n >= MAX_IMAGEMAP_ACTIONS {
            return;
        }
        map.restructure(parked, |m, _| m.actions.push(new_action(area)));
        // Focusing the new area selects it.
        focus_later(area_button_id(index, n));
    });
    let add_middle = move |_: leptos::ev::MouseEvent| {
        let (w, h) = map.size();
        add.run(ImagemapArea {
            x: w / 4,
            y: h / 4,
            width: (w / 2).max(1),
            height: (h / 2).max(1),
        });
    };
    let fields = (0..count)
        .map(|i| view! { <AreaFields map i count selected parked /> })
        .collect_view();
    let has_video = map.read_untracked(|m| m.video.is_some());
    let full = count >= MAX_IMAGEMAP_ACTIONS;
    let wrong_width = move || map.read(|m| m.base_size.width != IMAGEMAP_BASE_WIDTH);
    view! {
        <div class="composer-imagemap">
            <TextField
                label="代替テキスト（必須）"
                path=format!("{path}.altText")
                value=Signal::derive(move || map.read(|m| m.alt_text.clone()))
                on_input=Callback::new(move |v: String| map.edit(|m| m.alt_text = v))
                max=MAX_ALT_TEXT
                hint="LINE が読み上げ、通知にも表示されます"
                placeholder="例：夏祭りのお知らせ"
            />
            <fieldset class="composer-group">
                <legend>"画像（幅 1040 px）"</legend>
                <ImagePicker label="画像ライブラリから選ぶ" on_pick=pick />
                <TextField
                    label="画像のベース URL（https）"
                    path=format!("{path}.baseUrl")
                    value=Signal::derive(move || map.read(|m| m.base_url.clone()))
                    on_input=Callback::new(move |v: String| map.edit(|m| m.base_url = v))
                    max=MAX_CONTENT_URL
                    inputmode="url"
                    placeholder="https://"
                    hint="LINE が末尾に /1040 などの幅を付けて読み込みます。画像ライブラリから選ぶと自動で入ります。"
                />
                <NumberField
                    label="画像の高さ（幅 1040 px のときの px）"
                    path=format!("{path}.baseSize.height")
                    value=Signal::derive(move || map.read(|m| f64::from(m.base_size.height)))
                    on_input=Callback::new(move |v: f64| {
                        map.edit(|m| m.base_size.height = to_px(v))
                    })
                    min=1.0
                />
                <FieldErrors path=format!("{path}.baseSize.width") />
                {move || {
                    (wrong_width() && !draft.readonly)
                        .then(|| {
                            view! {
                                <button
                                    type="button"
                                    class="button small"
                                    on:click=move |_| {
                                        map.edit(|m| m.base_size.width = IMAGEMAP_BASE_WIDTH)
                                    }
                                >
                                    "幅を 1040 にする"
                                </button>
                            }
                        })
                }}
            </fieldset>
            <LayoutChooser map parked />
            <AreaCanvas map count selected add />
            {has_video
                .then(|| {
                    view! {
                        <p class="hint">
                            "このメッセージの動画は「JSON」で編集できます。"
                        </p>
                    }
                })}
            <div class="composer-areas">{fields}</div>
            <FieldErrors path=format!("{path}.actions") />
            {(!draft.readonly)
                .then(|| {
                    view! {
                        <button type="button" class="button" disabled=full on:click=add_middle>
                            {format!("領域を追加（{count} / {MAX_IMAGEMAP_ACTIONS}）")}
                        </button>
                    }
                })}
        </div>
    }
}

/// OA Manager's eight layouts and カスタム, as small pictures in a radio group.
#[component]
fn LayoutChooser(map: Map, parked: StoredValue<Vec<ImagemapAction>>) -> impl IntoView {
    let draft = map.draft;
    let index = map.index;
    // カスタム chosen while the areas still happen to match a layout.
    let custom = RwSignal::new(false);
    let matching = Memo::new(move |_| {
        map.read(|m| {
            Layout::matching(&areas_of(m), m.base_size.width, m.base_size.height).map(|l| l.id)
        })
    });
    let chosen = move || if custom.get() { None } else { matching.get() };
    let apply = move |layout: &'static Layout| {
        custom.set(false);
        if matching.get_untracked() == Some(layout.id) {
            return;
        }
        map.restructure(parked, |m, parked| {
            let areas = layout.areas_on(m.base_size.width.max(1), m.base_size.height.max(1));
            m.actions = with_layout(&m.actions, &areas, parked);
        });
        // The form is rebuilt when the number of areas changes: keep the keyboard where it was.
        focus_later(layout_radio_id(index, layout.id));
    };
    let name = format!("composer-{index}-layout");
    let options = IMAGEMAP_LAYOUTS
        .iter()
        .map(|layout| {
            let cells = layout
                .areas
                .iter()
                .map(|&[x0, y0, x1, y1]| {
                    let place = format!("grid-area:{}/{}/{}/{}", y0 + 1, x0 + 1, y1 + 1, x1 + 1);
                    view! { <span style=place></span> }
                })
                .collect_view();
            view! {
                <label
                    class="composer-layout"
                    class:selected=move || chosen() == Some(layout.id)
                    data-layout=layout.id
                >
                    <input
                        type="radio"
                        name=name.clone()
                        id=layout_radio_id(index, layout.id)
                        value=layout.id
                        disabled=draft.readonly
                        prop:checked=move || chosen() == Some(layout.id)
                        on:change=move |_| apply(layout)
                    />
                    <span class="composer-layout-thumb" aria-hidden="true">
                        {cells}
                    </span>
                    <span class="composer-layout-name">{layout.name}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="composer-group composer-layouts">
            <legend>"領域の分け方"</legend>
            <p class="hint">
                "選ぶと領域が置き換わります。設定済みの動作は順に引き継がれます。"
            </p>
            <div class="composer-layout-options">
                {options}
                <label
                    class="composer-layout"
                    class:selected=move || chosen().is_none()
                    data-layout="custom"
                >
                    <input
                        type="radio"
                        name=name.clone()
                        id=layout_radio_id(index, "custom")
                        value="custom"
                        disabled=draft.readonly
                        prop:checked=move || chosen().is_none()
                        on:change=move |_| custom.set(true)
                    />
                    <span class="composer-layout-thumb custom" aria-hidden="true">
                        <span></span>
                    </span>
                    <span class="composer-layout-name">"カスタム"</span>
                </label>
            </div>
        </fieldset>
    }
}

/// What a pointer drag on the image is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Area(usize, Handle),
    /// Drawing a new area on empty space.
    Draw,
}

#[derive(Clone, Copy, Debug)]
struct Drag {
    target: Target,
    /// Where the pointer went down, in image pixels.
    from: (i32, i32),
    /// The area when the drag began.
    area: ImagemapArea,
    pointer: i32,
}

fn focus_element(target: Option<web_sys::EventTarget>) {
    if let Some(element) = target.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = element.focus();
    }
}

/// The image with its areas: drawn, moved and resized with the pointer, nudged with the keys.
#[component]
fn AreaCanvas(
    map: Map,
    count: usize,
    selected: RwSignal<Option<usize>>,
    add: Callback<ImagemapArea>,
) -> impl IntoView {
    let draft = map.draft;
    let index = map.index;
    let surface = NodeRef::<Div>::new();
    let drag = StoredValue::new(None::<Drag>);
    let ghost = RwSignal::new(None::<ImagemapArea>);
    let size = Memo::new(move |_| map.size());
    let src = Memo::new(move |_| {
        map.read(|m| {
            let base = m.base_url.trim().trim_end_matches('/');
            (!base.is_empty()).then(|| format!("{base}/700"))
        })
    });

    // The pointer's position in image pixels.
    let point = move |ev: &PointerEvent| -> Option<(i32, i32)> {
        let rect = surface.get_untracked()?.get_bounding_client_rect();
        Some(image_point(
            (
                f64::from(ev.client_x()) - rect.left(),
                f64::from(ev.client_y()) - rect.top(),
            ),
            (rect.width(), rect.height()),
            size.get_untracked(),
        ))
    };
    let begin = move |ev: &PointerEvent, target: Target| {
        if draft.readonly || ev.button() != 0 {
            return;
        }
        let Some(from) = point(ev) else { return };
        let area = match target {
            Target::Area(i, _) => match map.area_untracked(i) {
                Some(area) => area,
                None => return,
            },
            Target::Draw => spanned(from, from, size.get_untracked()),
        };
        if let Some(element) = surface.get_untracked() {
            let _ = element.set_pointer_capture(ev.pointer_id());
        }
        // No text selection or native image drag while dragging.
        ev.prevent_default();
        drag.set_value(Some(Drag {
            target,
            from,
            area,
            pointer: ev.pointer_id(),
        }));
    };
    let on_move = move |ev: PointerEvent| {
        let Some(d) = drag.get_value() else { return };
        if ev.pointer_id() != d.pointer {
            return;
        }
        let Some(to) = point(&ev) else { return };
        let image = size.get_untracked();
        match d.target {
            Target::Area(i, handle) => {
                map.set_area(
                    i,
                    dragged(d.area, to.0 - d.from.0, to.1 - d.from.1, handle, image),
                );
            }
            Target::Draw => ghost.set(Some(spanned(d.from, to, image))),
        }
    };
    let finish = move |ev: PointerEvent, cancelled: bool| {
        let Some(d) = drag.get_value() else { return };
        if ev.pointer_id() != d.pointer {
            return;
        }
        drag.set_value(None);
        if d.target == Target::Draw {
            let drawn = ghost.get_untracked();
            ghost.set(None);
            match drawn {
                Some(area) if !cancelled && area.width >= MIN_DRAWN && area.height >= MIN_DRAWN => {
                    add.run(area)
                }
                _ => selected.set(None),
            }
        }
    };

    let areas = (0..count)
        .map(|i| {
            let name = area_name(i);
            let label_name = name.clone();
            let handles = (!draft.readonly).then(|| {
                Handle::CORNERS
                    .into_iter()
                    .map(|(handle, corner)| {
                        view! {
                            <span
                                class=format!("composer-area-handle {corner}")
                                aria-hidden="true"
                                on:pointerdown=move |ev: PointerEvent| {
                                    ev.stop_propagation();
                                    selected.set(Some(i));
                                    if let Some(button) = document()
                                        .get_element_by_id(&area_button_id(index, i))
                                    {
                                        focus_element(Some(button.into()));
                                    }
                                    begin(&ev, Target::Area(i, handle));
                                }
                            ></span>
                        }
                    })
                    .collect_view()
            });
            view! {
                <button
                    type="button"
                    id=area_button_id(index, i)
                    class="composer-area"
                    class:selected=move || selected.get() == Some(i)
                    style=move || map.area(i).map(|a| box_style(a, size.get())).unwrap_or_default()
                    aria-label=move || {
                        let a = map
                            .area(i)
                            .unwrap_or(ImagemapArea {
                                x: 0,
                                y: 0,
                                width: 0,
                                height: 0,
                            });
                        format!(
                            "領域{label_name}（x {}, y {}, 幅 {}, 高さ {}）",
                            a.x,
                            a.y,
                            a.width,
                            a.height,
                        )
                    }
                    on:focus=move |_| selected.set(Some(i))
                    on:pointerdown=move |ev: PointerEvent| {
                        ev.stop_propagation();
                        selected.set(Some(i));
                        focus_element(ev.current_target());
                        begin(&ev, Target::Area(i, Handle::Move));
                    }
                    on:keydown=move |ev: KeyboardEvent| {
                        if draft.readonly {
                            return;
                        }
                        let step = if ev.shift_key() { 10 } else { 1 };
                        let (dx, dy) = match ev.key().as_str() {
                            "ArrowLeft" => (-step, 0),
                            "ArrowRight" => (step, 0),
                            "ArrowUp" => (0, -step),
                            "ArrowDown" => (0, step),
                            _ => return,
                        };
                        ev.prevent_default();
                        if let Some(a) = map.area_untracked(i) {
                            map.set_area(i, dragged(a, dx, dy, Handle::Move, size.get_untracked()));
                        }
                    }
                >
                    <span class="composer-area-name" aria-hidden="true">
                        {name}
                    </span>
                    {handles}
                </button>
            }
        })
        .collect_view();

    view! {
        <div class="composer-imagemap-canvas">
            <div
                node_ref=surface
                class="composer-imagemap-surface"
                class:readonly=draft.readonly
                style=move || {
                    let (w, h) = size.get();
                    format!("aspect-ratio:{w} / {h}")
                }
                on:pointerdown=move |ev: PointerEvent| begin(&ev, Target::Draw)
                on:pointermove=on_move
                on:pointerup=move |ev: PointerEvent| finish(ev, false)
                on:pointercancel=move |ev: PointerEvent| finish(ev, true)
            >
                {move || match src.get() {
                    Some(src) => {
                        view! {
                            <img src=src alt="" draggable="false" class="composer-imagemap-image" />
                        }
                            .into_any()
                    }
                    None => {
                        view! {
                            <span class="composer-imagemap-empty">
                                "画像を選ぶとここに表示されます"
                            </span>
                        }
                            .into_any()
                    }
                }}
                {areas}
                {move || {
                    ghost
                        .get()
                        .map(|g| {
                            view! {
                                <div
                                    class="composer-area-ghost"
                                    style=box_style(g, size.get_untracked())
                                ></div>
                            }
                        })
                }}
            </div>
            {(!draft.readonly)
                .then(|| {
                    view! {
                        <p class="hint">
                            "空いている所をドラッグすると領域を追加できます。領域はドラッグで移動、角をドラッグで大きさを変更。選んだ領域は矢印キーで 1 px（Shift を押しながらで 10 px）動きます。"
                        </p>
                    }
                })}
        </div>
    }
}

/// One area's position and size as numbers, and what a tap on it does.
#[component]
fn AreaFields(
    map: Map,
    i: usize,
    count: usize,
    selected: RwSignal<Option<usize>>,
    parked: StoredValue<Vec<ImagemapAction>>,
) -> impl IntoView {
    let draft = map.draft;
    let index = map.index;
    let path = format!("messages[{index}].actions[{i}]");
    let name = area_name(i);
    let kind = Memo::new(move |_| map.read(|m| m.actions.get(i).map(AreaKind::of)));
    let number = move |get: fn(&ImagemapArea) -> i32| {
        Signal::derive(move || map.area(i).map_or(0.0, |a| f64::from(get(&a))))
    };
    let set_number = move |set: fn(&mut ImagemapArea, i32)| {
        Callback::new(move |v: f64| {
            if let Some(mut area) = map.area_untracked(i) {
                set(&mut area, to_px(v));
                map.set_area(i, area);
            }
        })
    };
    let target = Signal::derive(move || {
        map.read(|m| m.actions.get(i).map(target_of))
            .unwrap_or_default()
    });
    let set_target_to = Callback::new(move |v: String| {
        map.edit(|m| {
            if let Some(action) = m.actions.get_mut(i) {
                set_target(action, v);
            }
        })
    });
    let target_path = path.clone();
    let target_field = move || {
        let path = target_path.clone();
        match kind.get() {
            Some(AreaKind::Uri) => view! {
                <TextField
                    label="開く URL（https://）"
                    path=format!("{path}.linkUri")
                    value=target
                    on_input=set_target_to
                    max=MAX_URI
                    inputmode="url"
                    placeholder="https://www.city.example.lg.jp/"
                />
            }
            .into_any(),
            Some(AreaKind::Message) => view! {
                <TextField
                    label="送信されるテキスト（利用者が送ったことになります）"
                    path=format!("{path}.text")
                    value=target
                    on_input=set_target_to
                    max=MAX_MESSAGE_TEXT
                    multiline=true
                />
            }
            .into_any(),
            Some(AreaKind::Clipboard) => view! {
                <TextField
                    label="コピーされるテキスト"
                    path=format!("{path}.clipboardText")
                    value=target
                    on_input=set_target_to
                    max=MAX_CLIPBOARD_TEXT
                    multiline=true
                />
            }
            .into_any(),
            None => ().into_any(),
        }
    };
    let remove = move |_: leptos::ev::MouseEvent| {
        map.restructure(parked, |m, _| {
            if m.actions.len() > 1 && i < m.actions.len() {
                m.actions.remove(i);
            }
        });
        selected.set(None);
        focus_later(area_button_id(index, i.saturating_sub(1)));
    };
    view! {
        <fieldset
            class="composer-area-fields"
            class:selected=move || selected.get() == Some(i)
            id=field_id(&path)
            on:focusin=move |_| selected.set(Some(i))
        >
            <legend>{format!("領域{name}")}</legend>
            <div class="composer-row composer-area-numbers">
                <NumberField
                    label="x（左端）"
                    path=format!("{path}.area.x")
                    value=number(|a| a.x)
                    on_input=set_number(|a, v| a.x = v)
                    min=0.0
                />
                <NumberField
                    label="y（上端）"
                    path=format!("{path}.area.y")
                    value=number(|a| a.y)
                    on_input=set_number(|a, v| a.y = v)
                    min=0.0
                />
                <NumberField
                    label="幅"
                    path=format!("{path}.area.width")
                    value=number(|a| a.width)
                    on_input=set_number(|a, v| a.width = v)
                    min=1.0
                />
                <NumberField
                    label="高さ"
                    path=format!("{path}.area.height")
                    value=number(|a| a.height)
                    on_input=set_number(|a, v| a.height = v)
                    min=1.0
                />
            </div>
            <FieldErrors path=format!("{path}.area") />
            <SelectField
                label="タップしたときの動作"
                path=format!("{path}.type")
                options=AreaKind::ALL
                    .into_iter()
                    .map(|k| (k.id().to_owned(), k.name().to_owned()))
                    .collect()
                value=Signal::derive(move || kind.get().unwrap_or(AreaKind::Uri).id().to_owned())
                on_change=Callback::new(move |id: String| {
                    if let Some(k) = AreaKind::from_id(&id) {
                        map.edit(|m| {
                            if let Some(action) = m.actions.get_mut(i) {
                                *action = k.convert(action);
                            }
                        });
                    }
                })
            />
            {target_field}
            <OptionalTextField
                label="ラベル（任意。読み上げに使われます）"
                path=format!("{path}.label")
                value=Signal::derive(move || map.read(|m| m.actions.get(i).and_then(label_of)))
                on_input=Callback::new(move |v: Option<String>| {
                    map.edit(|m| {
                        if let Some(action) = m.actions.get_mut(i) {
                            set_label(action, v);
                        }
                    })
                })
                max=MAX_LABEL
            />
            {(!draft.readonly)
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="button ghost small danger"
                            disabled=count <= 1
                            on:click=remove
                        >
                            {format!("領域{name}を削除")}
                        </button>
                    }
                })}
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use line::layout::imagemap_layout;

    use super::*;

    fn area(x: i32, y: i32, width: i32, height: i32) -> ImagemapArea {
        ImagemapArea {
            x,
            y,
            width,
            height,
        }
    }

    const SQUARE: (i32, i32) = (1040, 1040);

    #[test]
    fn moving_keeps_the_size_and_stops_at_the_edges() {
        let a = area(100, 200, 300, 400);
        assert_eq!(
            dragged(a, 10, -20, Handle::Move, SQUARE),
            area(110, 180, 300, 400)
        );
        assert_eq!(
            dragged(a, -500, -500, Handle::Move, SQUARE),
            area(0, 0, 300, 400)
        );
        assert_eq!(
            dragged(a, 5000, 5000, Handle::Move, SQUARE),
            area(740, 640, 300, 400)
        );
        assert_eq!(dragged(a, 0, 0, Handle::Move, SQUARE), a);
    }

    #[test]
    fn corners_resize_with_the_opposite_corner_fixed_and_never_below_one_pixel() {
        let a = area(100, 200, 300, 400);
        assert_eq!(
            dragged(a, 50, 60, Handle::BottomRight, SQUARE),
            area(100, 200, 350, 460)
        );
        assert_eq!(
            dragged(a, 50, 60, Handle::TopLeft, SQUARE),
            area(150, 260, 250, 340)
        );
        assert_eq!(
            dragged(a, -50, 60, Handle::TopRight, SQUARE),
            area(100, 260, 250, 340)
        );
        assert_eq!(
            dragged(a, -50, 60, Handle::BottomLeft, SQUARE),
            area(50, 200, 350, 460)
        );
        // Past the opposite corner: one pixel, not flipped.
        assert_eq!(
            dragged(a, 999, 999, Handle::TopLeft, SQUARE),
            area(399, 599, 1, 1)
        );
        assert_eq!(
            dragged(a, -999, -999, Handle::BottomRight, SQUARE),
            area(100, 200, 1, 1)
        );
        // Past the image's edges: clamped to them.
        assert_eq!(
            dragged(a, -999, -999, Handle::TopLeft, SQUARE),
            area(0, 0, 400, 600)
        );
        assert_eq!(
            dragged(a, 9999, 9999, Handle::BottomRight, SQUARE),
            area(100, 200, 940, 840)
        );
        assert_eq!(
            dragged(a, 9999, -9999, Handle::TopRight, (1040, 700)),
            area(100, 0, 940, 600)
        );
    }

    #[test]
    fn an_area_outside_the_image_is_brought_inside() {
        let outside = area(1000, -50, 2000, 0);
        let inside = dragged(outside, 0, 0, Handle::Move, SQUARE);
        assert_eq!(inside, area(0, 0, 1040, 1));
        let far = area(i32::MAX, i32::MAX, 10, 10);
        assert_eq!(
            dragged(far, 1, 1, Handle::BottomRight, SQUARE),
            area(1030, 1030, 10, 10)
        );
        assert_eq!(
            dragged(far, i32::MIN, 0, Handle::Move, SQUARE),
            area(0, 1030, 10, 10)
        );
        let huge = area(i32::MAX, i32::MAX, i32::MAX, i32::MAX);
        assert_eq!(
            dragged(huge, 1, 1, Handle::BottomRight, SQUARE),
            area(0, 0, 1040, 1040)
        );
    }

    #[test]
    fn drawing_spans_the_two_points_inside_the_image() {
        assert_eq!(
            spanned((10, 20), (110, 220), SQUARE),
            area(10, 20, 100, 200)
        );
        assert_eq!(
            spanned((110, 220), (10, 20), SQUARE),
            area(10, 20, 100, 200)
        );
        assert_eq!(
            spanned((-5, 500), (2000, 400), SQUARE),
            area(0, 400, 1040, 100)
        );
        assert_eq!(spanned((30, 30), (30, 30), SQUARE), area(30, 30, 1, 1));
        assert_eq!(
            spanned((1040, 1040), (1040, 1040), SQUARE),
            area(1039, 1039, 1, 1)
        );
    }

    #[test]
    fn pointer_offsets_become_image_pixels() {
        // Shown at 350 × 350 CSS px.
        assert_eq!(
            image_point((175.0, 35.0), (350.0, 350.0), SQUARE),
            (520, 104)
        );
        assert_eq!(
            image_point((-10.0, 400.0), (350.0, 350.0), SQUARE),
            (0, 1040)
        );
        assert_eq!(image_point((10.0, 10.0), (0.0, 0.0), SQUARE), (0, 0));
        assert_eq!(
            image_point((f64::NAN, 10.0), (350.0, 350.0), SQUARE),
            (0, 30)
        );
        // A 4:5 image shown 280 wide.
        assert_eq!(
            image_point((140.0, 350.0), (280.0, 350.0), (1040, 1300)),
            (520, 1300)
        );
    }

    #[test]
    fn the_base_height_is_the_height_at_1040_wide() {
        assert_eq!(base_height(2080, 2080), 1040);
        assert_eq!(base_height(800, 1000), 1300);
        assert_eq!(base_height(1200, 701), 608);
        assert_eq!(base_height(0, 100), 1040);
        assert_eq!(base_height(100_000, 1), 1);
    }

    #[test]
    fn areas_follow_a_new_image_height() {
        let top = area(0, 0, 1040, 520);
        let bottom = area(0, 520, 1040, 520);
        let (t, b) = (
            rescaled(top, 1040, 1040, 1300),
            rescaled(bottom, 1040, 1040, 1300),
        );
        assert_eq!(t, area(0, 0, 1040, 650));
        assert_eq!(b, area(0, 650, 1040, 650));
        assert_eq!(rescaled(top, 1040, 1040, 1040), top);
        assert_eq!(rescaled(bottom, 1040, 0, 500), bottom);
    }

    #[test]
    fn choosing_a_layout_keeps_targets_in_order_and_gives_back_those_set_aside() {
        let link = |n: u8| ImagemapAction::Uri {
            label: Some(format!("リンク{n}")),
            link_uri: format!("https://example.jp/{n}"),
            area: area(0, 0, 10, 10),
        };
        let six = imagemap_layout("r8").expect("r8").areas_on(1040, 1040);
        let one = imagemap_layout("r1").expect("r1").areas_on(1040, 1040);
        let four = imagemap_layout("r5").expect("r5").areas_on(1040, 1040);
        let mut parked = Vec::new();
        let actions = with_layout(&[link(1), link(2)], &six, &mut parked);
        assert_eq!(actions.len(), 6);
        assert_eq!(target_of(&actions[1]), "https://example.jp/2");
        assert_eq!(target_of(&actions[5]), "");
        assert_eq!(areas_of_actions(&actions), six);
        assert!(parked.is_empty());

        let actions = with_layout(&actions, &one, &mut parked);
        assert_eq!(actions.len(), 1);
        assert_eq!(target_of(&actions[0]), "https://example.jp/1");
        assert_eq!(*actions[0].area(), one[0]);
        assert_eq!(parked.len(), 5);

        let actions = with_layout(&actions, &four, &mut parked);
        assert_eq!(actions.len(), 4);
        assert_eq!(target_of(&actions[1]), "https://example.jp/2");
        assert_eq!(label_of(&actions[1]).as_deref(), Some("リンク2"));
        assert_eq!(areas_of_actions(&actions), four);
        assert_eq!(parked.len(), 2);
    }

    fn areas_of_actions(actions: &[ImagemapAction]) -> Vec<ImagemapArea> {
        actions.iter().map(|a| *a.area()).collect()
    }

    #[test]
    fn changing_the_kind_keeps_area_label_and_text() {
        let message = ImagemapAction::Message {
            label: Some("申込".into()),
            text: "申し込みます".into(),
            area: area(1, 2, 3, 4),
        };
        let copied = AreaKind::Clipboard.convert(&message);
        assert_eq!(AreaKind::of(&copied), AreaKind::Clipboard);
        assert_eq!(target_of(&copied), "申し込みます");
        assert_eq!(label_of(&copied).as_deref(), Some("申込"));
        assert_eq!(*copied.area(), area(1, 2, 3, 4));
        let link = AreaKind::Uri.convert(&copied);
        assert_eq!(target_of(&link), "");
        assert_eq!(*link.area(), area(1, 2, 3, 4));
        for kind in AreaKind::ALL {
            assert_eq!(AreaKind::from_id(kind.id()), Some(kind));
        }
    }

    #[test]
    fn areas_are_named_by_letters() {
        assert_eq!(area_name(0), "A");
        assert_eq!(area_name(25), "Z");
        assert_eq!(area_name(26), "AA");
        assert_eq!(area_name(49), "AX");
    }

    #[test]
    fn boxes_are_placed_in_percent_of_the_image() {
        assert_eq!(
            box_style(area(520, 0, 520, 1300), (1040, 1300)),
            "left:50.0000%;top:0.0000%;width:50.0000%;height:100.0000%"
        );
    }

    #[test]
    fn set_aside_actions_reach_the_rebuilt_form_of_the_same_message_only() {
        hand_over(2, 1, vec![new_action(area(0, 0, 1, 1))]);
        assert!(take_over(1, 1).is_empty(), "another message");
        assert_eq!(take_over(2, 1).len(), 1);
        assert!(take_over(2, 1).is_empty(), "taken once");
        hand_over(2, 3, vec![new_action(area(0, 0, 1, 1))]);
        assert!(
            take_over(2, 1).is_empty(),
            "not the change it was set aside for"
        );
        assert!(take_over(2, 3).is_empty());
    }
}

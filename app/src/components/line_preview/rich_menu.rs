//! The bottom of LINE's chat screen with a rich menu: the chat bar (its text with ▼ or ▲, a
//! button that opens and closes the menu, as LINE's does) and, when open, the menu image at
//! the full width with its tappable areas. The 「LINEシミュレーター」 sends the taps as the
//! simulated friend; the rich menu editor outlines and numbers the areas; the statistics page
//! writes each area's tap rate on it (`overlay`).

use leptos::prelude::*;
use line::rich_menu::RichMenuBounds;

use super::style::{Style, num};

/// `left/top/width/height` of an area in percent of the image, so that the areas stay on their
/// part of the image at any width.
fn area_style(bounds: &RichMenuBounds, width: f64, height: f64) -> Option<String> {
    let pct = |v: i32, of: f64| Some(format!("{}%", num(f64::from(v) * 100.0 / of)));
    Style::new()
        .set("left", pct(bounds.x, width))
        .set("top", pct(bounds.y, height))
        .set("width", pct(bounds.width, width))
        .set("height", pct(bounds.height, height))
        .build()
}

/// What an area is called, aloud and in its box: its label, or its number when it has none
/// (LINE reads the label aloud; an area without one would be a nameless button).
fn area_name(index: usize, label: &str) -> String {
    let label = label.trim();
    if label.is_empty() {
        format!("エリア{}", index + 1)
    } else {
        label.to_owned()
    }
}

/// LINE's keyboard key left of the chat bar (it switches to typing in LINE; drawn only).
fn keyboard_icon() -> impl IntoView {
    view! {
        <svg
            class="lp-rm-keyboard"
            viewBox="0 0 24 24"
            width="24"
            height="24"
            aria-hidden="true"
            focusable="false"
        >
            <rect
                x="2.5"
                y="5.5"
                width="19"
                height="13"
                rx="2"
                fill="none"
                stroke="currentColor"
                stroke-width="1.5"
            />
            <path
                d="M6 9h1.5M9.5 9H11M13 9h1.5M16.5 9H18M6 12h1.5M9.5 12H11M13 12h1.5M16.5 12H18M8 15.2h8"
                stroke="currentColor"
                stroke-width="1.5"
                stroke-linecap="round"
            />
        </svg>
    }
}

/// A rich menu as the friend sees it at the bottom of the chat.
#[component]
pub fn RichMenuPreview(
    /// The menu image; None draws each area as a labelled box instead.
    #[prop(into)]
    image_src: Signal<Option<String>>,
    /// The image's size in pixels (the preview keeps its aspect ratio, full width).
    #[prop(into)]
    size: Signal<(i32, i32)>,
    /// Each area's bounds (image pixels) and label.
    #[prop(into)]
    areas: Signal<Vec<(RichMenuBounds, String)>>,
    #[prop(into)] chat_bar_text: Signal<String>,
    /// Whether the menu is open (the chat bar toggles it, ▼/▲ as LINE).
    open: RwSignal<bool>,
    /// An area was tapped (its index).
    on_tap: Callback<usize>,
    /// Outline and number the areas (the editor turns this on).
    #[prop(optional, into)]
    show_areas: Signal<bool>,
    /// A short text on each area, by index (the statistics page's tap rates). It is part of
    /// the area's accessible name, after its label. Empty: none.
    #[prop(optional, into)]
    overlay: Signal<Vec<String>>,
) -> impl IntoView {
    let ratio = move || {
        let (width, height) = size.get();
        Style::new()
            .set(
                "aspect-ratio",
                Some(format!(
                    "{} / {}",
                    num(f64::from(width.max(1))),
                    num(f64::from(height.max(1)))
                )),
            )
            .build()
    };
    // An empty chat bar text (an editor being typed into) still leaves the button a name.
    let bar_name = move || {
        chat_bar_text
            .with(|t| t.trim().is_empty())
            .then_some("メニューバー")
    };
    let drawn_areas = move || {
        let (width, height) = size.get();
        let (width, height) = (f64::from(width.max(1)), f64::from(height.max(1)));
        let boxes = image_src.with(Option::is_none);
        let numbered = show_areas.get();
        let notes = overlay.get();
        areas
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, (bounds, label))| {
                let note = notes.get(i).filter(|n| !n.trim().is_empty()).cloned();
                // With an image, the area is named by its label, then its note (which is
                // shown), so the visible text is part of the name.
                let name = match &note {
                    Some(note) if !boxes => format!("{} {note}", area_name(i, &label)),
                    _ => area_name(i, &label),
                };
                // Without an image, the box shows its name, which is then its accessible name
                // as is; the number is a visual aid for the editor's list of areas.
                let shown =
                    boxes.then(|| view! { <span class="lp-rm-label">{name.clone()}</span> });
                let note = note
                    .map(|note| view! { <span class="lp-rm-overlay">{format!(" {note}")}</span> });
                let number = numbered.then(|| {
                    view! {
                        <span class="lp-rm-number" aria-hidden="true">
                            {(i + 1).to_string()}
                        </span>
                    }
                });
                view! {
                    <button
                        type="button"
                        class="lp-rm-area"
                        style=area_style(&bounds, width, height)
                        // Drawn as a box, its visible name is its accessible name (an
                        // aria-label beside the shown number would differ from what is seen).
                        aria-label=(!boxes).then_some(name)
                        data-area=i
                        on:click=move |_| on_tap.run(i)
                    >
                        {number}
                        {shown}
                        {note}
                    </button>
                }
            })
            .collect_view()
    };
    view! {
        <div
            class="lp-richmenu"
            class:lp-rm-boxes=move || image_src.with(Option::is_none)
            class:lp-rm-outlined=move || show_areas.get()
        >
            <div class="lp-rm-bar">
                {keyboard_icon()}
                <button
                    type="button"
                    class="lp-rm-toggle"
                    aria-expanded=move || open.get().to_string()
                    aria-label=bar_name
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    <span class="lp-rm-bar-text">{move || chat_bar_text.get()}</span>
                    <span class="lp-rm-chevron" aria-hidden="true">
                        {move || if open.get() { "▼" } else { "▲" }}
                    </span>
                </button>
            </div>
            <div
                class="lp-rm-menu"
                role="group"
                aria-label="リッチメニュー"
                style=ratio
                hidden=move || !open.get()
            >
                {move || image_src.get().map(|src| view! { <img src=src alt="" /> })}
                {drawn_areas}
            </div>
        </div>
    }
}

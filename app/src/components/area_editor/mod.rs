//! The one editor of tap areas on an image, for rich menus (リッチメニュー) and rich messages
//! (imagemaps): areas are drawn on empty space, moved and resized by a corner with the pointer,
//! or nudged with the arrow keys (Shift: 10 px). While the pointer drags, edges snap to the
//! image's twelfths (halves, thirds, quarters, sixths) and to other areas' edges; Alt drags
//! freely. Under the image, the city's warnings (overlaps, parts no area covers, areas too
//! small to tap) as a polite status.
//!
//! The component owns no areas: it reports each change through `on_change` and `on_add`, and the
//! caller's draft (a menu design, an imagemap message) stays the one source of truth. The
//! arithmetic is in [`geometry`], unit-tested.

pub(crate) mod geometry;

use leptos::ev::{KeyboardEvent, PointerEvent};
use leptos::html::Div;
use leptos::prelude::*;
use line::rich_menu::RichMenuBounds;
use wasm_bindgen::JsCast;

use geometry::{Gesture, Handle, box_style, dragged, image_point, snapped, spanned};

/// A rectangle drawn smaller than this (in image pixels) is taken for a click.
const MIN_DRAWN: i32 = 8;
/// How far (in CSS pixels) the pointer must travel before a press on an area becomes a drag:
/// a click only selects, and must not snap an area that was placed by hand.
const DRAG_SLOP: f64 = 3.0;
/// The arrow keys move an area by 1 px, with Shift by this.
const SHIFT_STEP: i32 = 10;

/// What a pointer drag on the image is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Area(usize, Handle),
    /// Drawing a new area on empty space.
    Draw,
}

impl Target {
    fn gesture(self) -> Gesture {
        match self {
            Target::Area(_, handle) => Gesture::Drag(handle),
            Target::Draw => Gesture::Draw,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Drag {
    target: Target,
    /// Where the pointer went down, in image pixels and in CSS pixels of the viewport.
    from: (i32, i32),
    from_client: (f64, f64),
    /// The area when the drag began.
    area: RichMenuBounds,
    pointer: i32,
    /// Whether the pointer has gone past [`DRAG_SLOP`] yet.
    started: bool,
}

/// The id of area `i`'s button (callers focus it, e.g. after adding an area).
fn area_button_id(prefix: &str, i: usize) -> String {
    format!("{prefix}-{i}")
}

fn focus_element(target: Option<web_sys::EventTarget>) {
    if let Some(element) = target.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = element.focus();
    }
}

fn focus_id(id: &str) {
    if let Some(element) = document().get_element_by_id(id) {
        focus_element(Some(element.into()));
    }
}

/// The image with its areas, each a focusable button named by `names` (and its place), that
/// staff draw, move, resize and nudge. Area `i`'s button has the id `{id_prefix}-{i}`.
#[component]
pub fn AreaCanvas(
    /// The image's size in pixels.
    #[prop(into)]
    size: Signal<(i32, i32)>,
    /// The areas, in image pixels.
    #[prop(into)]
    areas: Signal<Vec<RichMenuBounds>>,
    /// Each area's accessible name (e.g. "エリア1 ごみ・リサイクル"), same order as `areas`.
    #[prop(into)]
    names: Signal<Vec<String>>,
    /// Background image URL; None shows a neutral grid.
    #[prop(into)]
    image_src: Signal<Option<String>>,
    selected: RwSignal<Option<usize>>,
    /// An area was moved, resized or nudged: (index, new bounds).
    on_change: Callback<(usize, RichMenuBounds)>,
    /// A new area was drawn on empty space (the caller adds it, or refuses past its maximum).
    on_add: Callback<RichMenuBounds>,
    /// Prefix for element ids, unique on the page (e.g. "menu-areas").
    #[prop(into)]
    id_prefix: String,
    #[prop(optional)] readonly: bool,
) -> impl IntoView {
    let id_prefix = StoredValue::new(id_prefix);
    let button_id = move |i: usize| id_prefix.with_value(|prefix| area_button_id(prefix, i));
    let surface = NodeRef::<Div>::new();
    let drag = StoredValue::new(None::<Drag>);
    let ghost = RwSignal::new(None::<RichMenuBounds>);
    // Memos, so that a caller's draft changing elsewhere (a label typed) redraws nothing here.
    let size = Memo::new(move |_| {
        let (width, height) = size.get();
        (width.max(1), height.max(1))
    });
    let areas = Memo::new(move |_| areas.get());
    let area_at = move |i: usize| areas.with_untracked(|all| all.get(i).copied());
    // Every area but `skip`: the edges a dragged or drawn area snaps to.
    let others = move |skip: Option<usize>| {
        areas.with_untracked(|all| {
            all.iter()
                .enumerate()
                .filter(|&(j, _)| Some(j) != skip)
                .map(|(_, area)| *area)
                .collect::<Vec<_>>()
        })
    };
    let warnings =
        Memo::new(move |_| areas.with(|all| model::menu::geometry::warnings(all, size.get())));

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
        if readonly || ev.button() != 0 {
            return;
        }
        let Some(from) = point(ev) else { return };
        let area = match target {
            Target::Area(i, _) => match area_at(i) {
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
            from_client: (f64::from(ev.client_x()), f64::from(ev.client_y())),
            area,
            pointer: ev.pointer_id(),
            started: false,
        }));
    };
    let on_move = move |ev: PointerEvent| {
        let Some(mut d) = drag.get_value() else {
            return;
        };
        if ev.pointer_id() != d.pointer {
            return;
        }
        if !d.started {
            let (dx, dy) = (
                f64::from(ev.client_x()) - d.from_client.0,
                f64::from(ev.client_y()) - d.from_client.1,
            );
            if dx.abs().max(dy.abs()) < DRAG_SLOP {
                return;
            }
            d.started = true;
            drag.set_value(Some(d));
        }
        let Some(to) = point(&ev) else { return };
        let image = size.get_untracked();
        // Alt (option on a Mac) places edges freely, to the pixel.
        let snap = |area: RichMenuBounds, skip: Option<usize>| {
            if ev.alt_key() {
                area
            } else {
                snapped(area, d.target.gesture(), &others(skip), image)
            }
        };
        match d.target {
            Target::Area(i, handle) => {
                let moved = dragged(d.area, to.0 - d.from.0, to.1 - d.from.1, handle, image);
                let placed = snap(moved, Some(i));
                if area_at(i) != Some(placed) {
                    on_change.run((i, placed));
                }
            }
            Target::Draw => ghost.set(Some(snap(spanned(d.from, to, image), None))),
        }
    };
    let finish = move |ev: PointerEvent, cancelled: bool| {
        let Some(d) = drag.get_value() else { return };
        if ev.pointer_id() != d.pointer {
            return;
        }
        drag.set_value(None);
        match d.target {
            Target::Draw => {
                let drawn = ghost.get_untracked();
                ghost.set(None);
                match drawn {
                    Some(area)
                        if !cancelled && area.width >= MIN_DRAWN && area.height >= MIN_DRAWN =>
                    {
                        let next = areas.with_untracked(Vec::len);
                        on_add.run(area);
                        // Focusing the new area (if the caller added it) selects it; the caller
                        // may rebuild its form first, so wait for the next frame.
                        let id = button_id(next);
                        request_animation_frame(move || focus_id(&id));
                    }
                    _ => selected.set(None),
                }
            }
            // A drag the browser took over (a scroll, a system gesture) leaves the area as it was.
            Target::Area(i, _) if cancelled && area_at(i) != Some(d.area) => {
                on_change.run((i, d.area));
            }
            Target::Area(..) => {}
        }
    };

    let area_button = move |i: usize| {
        let bounds = move || areas.with(|all| all.get(i).copied());
        let name = move || {
            names
                .with(|all| all.get(i).cloned())
                .unwrap_or_else(|| format!("エリア{}", i + 1))
        };
        let handles = (!readonly).then(|| {
            Handle::CORNERS
                .into_iter()
                .map(|(handle, corner)| {
                    view! {
                        <span
                            class=format!("area-editor-handle {corner}")
                            aria-hidden="true"
                            on:pointerdown=move |ev: PointerEvent| {
                                ev.stop_propagation();
                                selected.set(Some(i));
                                focus_id(&button_id(i));
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
                id=button_id(i)
                class="area-editor-area"
                class:selected=move || selected.get() == Some(i)
                style=move || bounds().map(|a| box_style(a, size.get())).unwrap_or_default()
                aria-label=move || {
                    let a = bounds()
                        .unwrap_or(RichMenuBounds {
                            x: 0,
                            y: 0,
                            width: 0,
                            height: 0,
                        });
                    format!(
                        "{}（x {}, y {}, 幅 {}, 高さ {}）",
                        name(),
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
                    if readonly {
                        return;
                    }
                    let step = if ev.shift_key() { SHIFT_STEP } else { 1 };
                    let (dx, dy) = match ev.key().as_str() {
                        "ArrowLeft" => (-step, 0),
                        "ArrowRight" => (step, 0),
                        "ArrowUp" => (0, -step),
                        "ArrowDown" => (0, step),
                        _ => return,
                    };
                    ev.prevent_default();
                    if let Some(a) = area_at(i) {
                        let nudged = dragged(a, dx, dy, Handle::Move, size.get_untracked());
                        if nudged != a {
                            on_change.run((i, nudged));
                        }
                    }
                }
            >
                <span class="area-editor-name" aria-hidden="true">
                    {name}
                </span>
                {handles}
            </button>
        }
    };

    view! {
        <div class="area-editor">
            <div
                node_ref=surface
                class="area-editor-surface"
                class:readonly=readonly
                style=move || {
                    let (w, h) = size.get();
                    format!("aspect-ratio:{w} / {h}")
                }
                on:pointerdown=move |ev: PointerEvent| begin(&ev, Target::Draw)
                on:pointermove=on_move
                on:pointerup=move |ev: PointerEvent| finish(ev, false)
                on:pointercancel=move |ev: PointerEvent| finish(ev, true)
            >
                {move || match image_src.get() {
                    Some(src) => {
                        view! { <img src=src alt="" draggable="false" class="area-editor-image" /> }
                            .into_any()
                    }
                    None => {
                        view! {
                            <span class="area-editor-empty">
                                "画像を選ぶとここに表示されます"
                            </span>
                        }
                            .into_any()
                    }
                }}
                <For each=move || 0..areas.with(Vec::len) key=|i| *i children=area_button />
                {move || {
                    ghost
                        .get()
                        .map(|g| {
                            view! {
                                <div
                                    class="area-editor-ghost"
                                    style=box_style(g, size.get_untracked())
                                ></div>
                            }
                        })
                }}
            </div>
            // Always in the page, so that the first warning is announced too (a live region
            // added together with its text is often not read).
            <div
                role="status"
                class="area-editor-warnings"
                id=id_prefix.with_value(|prefix| format!("{prefix}-warnings"))
            >
                {move || {
                    warnings
                        .with(|all| {
                            (!all.is_empty())
                                .then(|| {
                                    let items = all
                                        .iter()
                                        .map(|warning| view! { <li>{warning.clone()}</li> })
                                        .collect_view();
                                    view! { <ul>{items}</ul> }
                                })
                        })
                }}
            </div>
            {(!readonly)
                .then(|| {
                    view! {
                        <p class="hint">
                            "空いている所をドラッグするとエリアを追加できます。エリアはドラッグで移動、角をドラッグで大きさを変更。端は画像の 1/2・1/3・1/4 の位置やほかのエリアの端にそろいます（Alt キー、Mac では option キーを押しながらで、そろえずに動かせます）。選んだエリアは矢印キーで 1 px（Shift を押しながらで 10 px）動きます。"
                        </p>
                    }
                })}
        </div>
    }
}

//! The form of a rich message (imagemap): its alternative text, its image, and its tap areas,
//! chosen from LINE Official Account Manager's layouts or drawn, moved and resized on the image
//! with the shared [`AreaCanvas`] (or typed as numbers), each with what a tap does.
//!
//! The canvas speaks `RichMenuBounds`, which has the same fields as `ImagemapArea`: the
//! adapters [`to_bounds`] and [`to_area`] convert between the two.

use std::cell::RefCell;

use leptos::prelude::*;
use line::layout::{IMAGEMAP_LAYOUTS, Layout};
use line::message::{ImagemapMessage, Message};
use line::rich_menu::RichMenuBounds;
use line::template::{ImagemapAction, ImagemapArea, ImagemapBaseSize};
use line::validate::{
    IMAGEMAP_BASE_WIDTH, MAX_ALT_TEXT, MAX_CLIPBOARD_TEXT, MAX_CONTENT_URL, MAX_IMAGEMAP_ACTIONS,
    MAX_URI,
};

use super::fields::{
    Draft, FieldErrors, NumberField, OptionalTextField, SelectField, TextField, field_id,
};
use super::media_picker::{ImagePicker, PickedImage};
use super::template::focus_later;
use crate::components::AreaCanvas;
use crate::components::area_editor::geometry::rescaled;

/// LINE's limit of a message action's text in an imagemap.
const MAX_MESSAGE_TEXT: usize = 400;
/// OA Manager's limit of an area's label.
const MAX_LABEL: usize = 100;

// ---------------------------------------------------------------------------------------------
// Geometry (pure)

/// An imagemap area as the canvas's bounds (the same four numbers).
fn to_bounds(area: ImagemapArea) -> RichMenuBounds {
    RichMenuBounds {
        x: area.x,
        y: area.y,
        width: area.width,
        height: area.height,
    }
}

/// The canvas's bounds as an imagemap area.
fn to_area(bounds: RichMenuBounds) -> ImagemapArea {
    ImagemapArea {
        x: bounds.x,
        y: bounds.y,
        width: bounds.width,
        height: bounds.height,
    }
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

/// The prefix of the canvas's ids: area `i`'s button is `composer-{index}-area-{i}`.
fn area_id_prefix(index: usize) -> String {
    format!("composer-{index}-area")
}

fn area_button_id(index: usize, i: usize) -> String {
    format!("{}-{i}", area_id_prefix(index))
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
                        let bounds = to_bounds(*action.area());
                        *area_mut(action) =
                            to_area(rescaled(bounds, IMAGEMAP_BASE_WIDTH, old_height, height));
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
            <ImagemapCanvas map selected add />
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

/// The shared [`AreaCanvas`] on the imagemap's image and areas.
#[component]
fn ImagemapCanvas(
    map: Map,
    selected: RwSignal<Option<usize>>,
    add: Callback<ImagemapArea>,
) -> impl IntoView {
    let areas = Memo::new(move |_| map.read(|m| areas_of(m).into_iter().map(to_bounds).collect()));
    let names = Signal::derive(move || {
        (0..areas.with(Vec::len))
            .map(|i| format!("領域{}", area_name(i)))
            .collect::<Vec<_>>()
    });
    let image_src = Memo::new(move |_| {
        map.read(|m| {
            let base = m.base_url.trim().trim_end_matches('/');
            // LINE serves the image at the width appended to the base URL.
            (!base.is_empty()).then(|| format!("{base}/700"))
        })
    });
    view! {
        <AreaCanvas
            size=Memo::new(move |_| map.size())
            areas=areas
            names=names
            image_src=image_src
            selected=selected
            on_change=Callback::new(move |(i, bounds)| map.set_area(i, to_area(bounds)))
            on_add=Callback::new(move |bounds| add.run(to_area(bounds)))
            id_prefix=area_id_prefix(map.index)
            readonly=map.draft.readonly
        />
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

    #[test]
    fn the_base_height_is_the_height_at_1040_wide() {
        assert_eq!(base_height(2080, 2080), 1040);
        assert_eq!(base_height(800, 1000), 1300);
        assert_eq!(base_height(1200, 701), 608);
        assert_eq!(base_height(0, 100), 1040);
        assert_eq!(base_height(100_000, 1), 1);
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

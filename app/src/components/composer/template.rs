//! Forms of the template messages: buttons, confirm (two choices), carousel and image carousel.
//!
//! LINE refuses a whole carousel when its columns differ in having an image or a title, or in
//! their number of buttons. Those are therefore set once for the carousel and applied to every
//! column, so the form cannot build a carousel LINE would refuse. The text limit (60 characters
//! with an image or a title, more without) is shown live as the toggles change.

use leptos::prelude::*;
use line::compose::{ActionKind, ActionPlace, new_carousel_column, new_image_carousel_column};
use line::message::{Action, Message};
use line::template::{
    ButtonsTemplate, CarouselColumn, CarouselTemplate, ImageCarouselColumn, Template,
};
use line::validate::{MAX_ALT_TEXT, MAX_CONTENT_URL, MAX_TEMPLATE_COLUMNS};
use wasm_bindgen::JsCast;

use super::action::ActionEditor;
use super::fields::{Draft, FieldErrors, SelectField, TextField, Toggle, field_id};
use super::media_picker::{ImagePicker, PickedImage};

const MAX_TITLE: usize = 40;
/// Text limit of a buttons template or a carousel column that has an image or a title.
const MAX_TEXT_WITH_HEADER: usize = 60;
const MAX_BUTTONS_TEXT: usize = 160;
const MAX_BUTTONS_ACTIONS: usize = 4;
const MAX_CONFIRM_TEXT: usize = 240;
const MAX_COLUMN_TEXT: usize = 120;
const MAX_COLUMN_ACTIONS: usize = 3;
const MAX_IMAGE_CAROUSEL_LABEL: usize = 12;

/// Moves keyboard focus to the element `id` once the DOM has settled: after a change of a
/// message's structure its form is rebuilt, and focus would otherwise fall back to the page.
pub(super) fn focus_later(id: String) {
    request_animation_frame(move || {
        if let Some(element) = document().get_element_by_id(&id)
            && let Ok(element) = element.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = element.focus();
        }
    });
}

/// The text limit of a card: `plain` without image and title, 60 with either.
fn text_max(header: bool, plain: usize) -> usize {
    if header { MAX_TEXT_WITH_HEADER } else { plain }
}

/// The template of message `index`.
#[derive(Clone, Copy)]
struct Tpl {
    draft: Draft,
    index: usize,
}

impl Tpl {
    fn path(self) -> String {
        format!("messages[{}].template", self.index)
    }

    /// Reads the template (tracked); `R::default()` once the message is something else.
    fn read<R: Default>(self, f: impl FnOnce(&Template) -> R) -> R {
        self.draft
            .read(self.index, |m| match m {
                Message::Template(t) => f(&t.template),
                _ => R::default(),
            })
            .unwrap_or_default()
    }

    fn read_untracked<R: Default>(self, f: impl FnOnce(&Template) -> R) -> R {
        self.draft
            .messages
            .with_untracked(|all| match all.get(self.index) {
                Some(Message::Template(t)) => f(&t.template),
                _ => R::default(),
            })
    }

    fn edit(self, f: impl FnOnce(&mut Template)) {
        self.draft.edit(self.index, |m| {
            if let Message::Template(t) = m {
                f(&mut t.template);
            }
        });
    }
}

/// What a buttons template and a carousel column share.
struct CardRef<'a> {
    thumbnail: &'a Option<String>,
    title: &'a Option<String>,
    text: &'a str,
    default_action: &'a Option<Action>,
    actions: &'a [Action],
}

struct CardMut<'a> {
    thumbnail: &'a mut Option<String>,
    title: &'a mut Option<String>,
    text: &'a mut String,
    default_action: &'a mut Option<Action>,
    actions: &'a mut Vec<Action>,
}

fn buttons_card(b: &ButtonsTemplate) -> CardRef<'_> {
    CardRef {
        thumbnail: &b.thumbnail_image_url,
        title: &b.title,
        text: &b.text,
        default_action: &b.default_action,
        actions: &b.actions,
    }
}

fn buttons_card_mut(b: &mut ButtonsTemplate) -> CardMut<'_> {
    CardMut {
        thumbnail: &mut b.thumbnail_image_url,
        title: &mut b.title,
        text: &mut b.text,
        default_action: &mut b.default_action,
        actions: &mut b.actions,
    }
}

fn column_card(c: &CarouselColumn) -> CardRef<'_> {
    CardRef {
        thumbnail: &c.thumbnail_image_url,
        title: &c.title,
        text: &c.text,
        default_action: &c.default_action,
        actions: &c.actions,
    }
}

fn column_card_mut(c: &mut CarouselColumn) -> CardMut<'_> {
    CardMut {
        thumbnail: &mut c.thumbnail_image_url,
        title: &mut c.title,
        text: &mut c.text,
        default_action: &mut c.default_action,
        actions: &mut c.actions,
    }
}

/// A buttons template (`column: None`) or a carousel's column.
#[derive(Clone, Copy)]
struct CardAt {
    tpl: Tpl,
    column: Option<usize>,
}

impl CardAt {
    fn path(self) -> String {
        match self.column {
            None => self.tpl.path(),
            Some(i) => format!("{}.columns[{i}]", self.tpl.path()),
        }
    }

    fn pick<R: Default>(
        t: &Template,
        column: Option<usize>,
        f: impl FnOnce(CardRef<'_>) -> R,
    ) -> R {
        match (t, column) {
            (Template::Buttons(b), None) => f(buttons_card(b)),
            (Template::Carousel(c), Some(i)) => {
                c.columns.get(i).map(column_card).map(f).unwrap_or_default()
            }
            _ => R::default(),
        }
    }

    fn read<R: Default>(self, f: impl FnOnce(CardRef<'_>) -> R) -> R {
        self.tpl.read(|t| Self::pick(t, self.column, f))
    }

    fn read_untracked<R: Default>(self, f: impl FnOnce(CardRef<'_>) -> R) -> R {
        self.tpl.read_untracked(|t| Self::pick(t, self.column, f))
    }

    fn edit(self, f: impl FnOnce(CardMut<'_>)) {
        self.tpl.edit(|t| match (t, self.column) {
            (Template::Buttons(b), None) => f(buttons_card_mut(b)),
            (Template::Carousel(c), Some(i)) => {
                if let Some(column) = c.columns.get_mut(i) {
                    f(column_card_mut(column));
                }
            }
            _ => {}
        });
    }
}

fn as_buttons_mut(t: &mut Template) -> Option<&mut ButtonsTemplate> {
    match t {
        Template::Buttons(b) => Some(b),
        _ => None,
    }
}

fn as_carousel(t: &Template) -> Option<&CarouselTemplate> {
    match t {
        Template::Carousel(c) => Some(c),
        _ => None,
    }
}

fn as_carousel_mut(t: &mut Template) -> Option<&mut CarouselTemplate> {
    match t {
        Template::Carousel(c) => Some(c),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Kind {
    #[default]
    None,
    Buttons,
    Confirm,
    Carousel,
    ImageCarousel,
}

/// The form of template message `index`.
#[component]
pub fn TemplateForm(index: usize) -> impl IntoView {
    let draft = Draft::use_context();
    let tpl = Tpl { draft, index };
    let kind = tpl.read_untracked(|t| match t {
        Template::Buttons(_) => Kind::Buttons,
        Template::Confirm(_) => Kind::Confirm,
        Template::Carousel(_) => Kind::Carousel,
        Template::ImageCarousel(_) => Kind::ImageCarousel,
    });
    let body = match kind {
        Kind::Buttons => view! { <ButtonsForm tpl /> }.into_any(),
        Kind::Confirm => view! { <ConfirmForm tpl /> }.into_any(),
        Kind::Carousel => view! { <CarouselForm tpl /> }.into_any(),
        Kind::ImageCarousel => view! { <ImageCarouselForm tpl /> }.into_any(),
        Kind::None => ().into_any(),
    };
    let alt_text = Signal::derive(move || {
        draft
            .read(index, |m| match m {
                Message::Template(t) => t.alt_text.clone(),
                _ => String::new(),
            })
            .unwrap_or_default()
    });
    let set_alt_text = Callback::new(move |v: String| {
        draft.edit(index, |m| {
            if let Message::Template(t) = m {
                t.alt_text = v;
            }
        })
    });
    view! {
        <div class="composer-template">
            <TextField
                label="通知やトーク一覧に表示される代替テキスト"
                path=format!("messages[{index}].altText")
                value=alt_text
                on_input=set_alt_text
                max=MAX_ALT_TEXT
                hint="例：「桜まつりのご案内」"
            />
            {body}
            <FieldErrors path=tpl.path() />
        </div>
    }
}

/// The options of the image's aspect and size, shared by buttons and carousels.
fn aspect_options() -> Vec<(String, String)> {
    vec![
        ("rectangle".into(), "横長（1.51:1）".into()),
        ("square".into(), "正方形（1:1）".into()),
    ]
}

fn size_options() -> Vec<(String, String)> {
    vec![
        (
            "cover".into(),
            "枠いっぱいに表示（はみ出た部分は切り取り）".into(),
        ),
        ("contain".into(), "画像全体を表示（余白ができます）".into()),
    ]
}

/// The aspect and size selects at `path` (a buttons or carousel template).
#[component]
fn ImageOptions(tpl: Tpl) -> impl IntoView {
    let path = tpl.path();
    let read = move |f: fn(&Template) -> Option<String>, default: &'static str| {
        Signal::derive(move || tpl.read(f).unwrap_or_else(|| default.to_owned()))
    };
    let aspect = read(
        |t| match t {
            Template::Buttons(b) => b.image_aspect_ratio.clone(),
            Template::Carousel(c) => c.image_aspect_ratio.clone(),
            _ => None,
        },
        "rectangle",
    );
    let size = read(
        |t| match t {
            Template::Buttons(b) => b.image_size.clone(),
            Template::Carousel(c) => c.image_size.clone(),
            _ => None,
        },
        "cover",
    );
    view! {
        <div class="composer-row">
            <SelectField
                label="画像の縦横比"
                path=format!("{path}.imageAspectRatio")
                options=aspect_options()
                value=aspect
                on_change=Callback::new(move |v: String| {
                    tpl.edit(|t| match t {
                        Template::Buttons(b) => b.image_aspect_ratio = Some(v),
                        Template::Carousel(c) => c.image_aspect_ratio = Some(v),
                        _ => {}
                    })
                })
            />
            <SelectField
                label="画像の表示方法"
                path=format!("{path}.imageSize")
                options=size_options()
                value=size
                on_change=Callback::new(move |v: String| {
                    tpl.edit(|t| match t {
                        Template::Buttons(b) => b.image_size = Some(v),
                        Template::Carousel(c) => c.image_size = Some(v),
                        _ => {}
                    })
                })
            />
        </div>
    }
}

/// A card's image: picked from the media library, or its URL typed.
#[component]
fn CardImage(card: CardAt) -> impl IntoView {
    let pick = Callback::new(move |image: PickedImage| {
        card.edit(|c| *c.thumbnail = Some(image.card_url));
    });
    view! {
        <div class="composer-image">
            <ImagePicker label="画像ライブラリから選ぶ" on_pick=pick />
            <TextField
                label="画像の URL（https、JPEG または PNG）"
                path=format!("{}.thumbnailImageUrl", card.path())
                value=Signal::derive(move || card.read(|c| c.thumbnail.clone()).unwrap_or_default())
                on_input=Callback::new(move |v: String| card.edit(|c| *c.thumbnail = Some(v)))
                max=MAX_CONTENT_URL
                inputmode="url"
                placeholder="https://"
            />
        </div>
    }
}

#[component]
fn CardTitle(card: CardAt) -> impl IntoView {
    view! {
        <TextField
            label="タイトル"
            path=format!("{}.title", card.path())
            value=Signal::derive(move || card.read(|c| c.title.clone()).unwrap_or_default())
            on_input=Callback::new(move |v: String| card.edit(|c| *c.title = Some(v)))
            max=MAX_TITLE
        />
    }
}

/// The card's text, its counter showing 60 while it has an image or a title and `plain`
/// otherwise.
#[component]
fn CardText(card: CardAt, #[prop(into)] header: Signal<bool>, plain: usize) -> impl IntoView {
    let max = Memo::new(move |_| text_max(header.get(), plain));
    let path = format!("{}.text", card.path());
    move || {
        let max = max.get();
        view! {
            <TextField
                label="本文"
                path=path.clone()
                value=Signal::derive(move || card.read(|c| c.text.to_owned()))
                on_input=Callback::new(move |v: String| card.edit(|c| *c.text = v))
                max
                multiline=true
                hint=format!(
                    "画像かタイトルがあると{MAX_TEXT_WITH_HEADER}文字、どちらもないと{plain}文字まで",
                )
            />
        }
    }
}

/// The action of a tap on the card outside its buttons (optional).
#[component]
fn DefaultAction(card: CardAt) -> impl IntoView {
    let draft = card.tpl.draft;
    let path = format!("{}.defaultAction", card.path());
    let toggle_id = format!("{}-toggle", field_id(&path));
    let on = RwSignal::new(card.read_untracked(|c| c.default_action.is_some()));
    let change = {
        let toggle_id = toggle_id.clone();
        Callback::new(move |value: bool| {
            on.set(value);
            card.edit(|c| {
                *c.default_action = value.then(|| Action::Uri {
                    label: None,
                    uri: String::new(),
                    alt_uri: None,
                });
            });
            // Adding or removing it rebuilds the form.
            focus_later(toggle_id.clone());
        })
    };
    view! {
        <Toggle
            label="画像や本文をタップしたときの動作も設定する"
            id=toggle_id
            checked=on
            on_change=change
        />
        {move || {
            on.get()
                .then(|| {
                    view! {
                        <ActionEditor
                            path=path.clone()
                            place=ActionPlace::Template
                            legend="画像や本文をタップしたとき"
                            label_optional=true
                            value=Signal::derive(move || {
                                card.read(|c| c.default_action.clone())
                                    .unwrap_or_else(|| ActionKind::Uri.new_action())
                            })
                            on_change=Callback::new(move |a| {
                                if !draft.readonly {
                                    card.edit(|c| *c.default_action = Some(a));
                                }
                            })
                        />
                    }
                })
        }}
    }
}

/// A card's buttons. With `editable`, each card adds, removes and reorders its own (buttons
/// template); otherwise their number is set for the whole carousel.
#[component]
fn CardButtons(card: CardAt, max: usize, editable: bool) -> impl IntoView {
    let draft = card.tpl.draft;
    let path = card.path();
    let count = card.read_untracked(|c| c.actions.len());
    let tools = editable && !draft.readonly;
    let full = count >= max;
    let select_id = move |i: usize| field_id(&format!("{}.actions[{i}].type", card.path()));
    let swap = move |a: usize, b: usize| {
        card.edit(|c| {
            if a < c.actions.len() && b < c.actions.len() {
                c.actions.swap(a, b);
            }
        });
        focus_later(select_id(b));
    };
    let editors = (0..count)
        .map(|i| {
            let number = i + 1;
            // Bound first: `>` inside a `view!` attribute would end the tag.
            let last = i + 1 >= count;
            view! {
                <div class="composer-card-button">
                    <ActionEditor
                        path=format!("{path}.actions[{i}]")
                        place=ActionPlace::Template
                        legend=format!("ボタン{number}")
                        value=Signal::derive(move || {
                            card.read(|c| c.actions.get(i).cloned())
                                .unwrap_or_else(|| ActionKind::Uri.new_action())
                        })
                        on_change=Callback::new(move |a| {
                            card.edit(|c| {
                                if let Some(slot) = c.actions.get_mut(i) {
                                    *slot = a;
                                }
                            })
                        })
                    />
                    {tools
                        .then(|| {
                            view! {
                                <div class="toolbar small composer-tools">
                                    <button
                                        type="button"
                                        class="button ghost small"
                                        aria-label=format!("ボタン{number}を上へ")
                                        disabled=i == 0
                                        on:click=move |_| swap(i, i.saturating_sub(1))
                                    >
                                        "↑"
                                    </button>
                                    <button
                                        type="button"
                                        class="button ghost small"
                                        aria-label=format!("ボタン{number}を下へ")
                                        disabled=last
                                        on:click=move |_| swap(i, i + 1)
                                    >
                                        "↓"
                                    </button>
                                    <button
                                        type="button"
                                        class="button ghost small danger"
                                        disabled=count <= 1
                                        on:click=move |_| {
                                            card.edit(|c| {
                                                if c.actions.len() > 1 && i < c.actions.len() {
                                                    c.actions.remove(i);
                                                }
                                            });
                                            focus_later(select_id(i.saturating_sub(1)));
                                        }
                                    >
                                        {format!("ボタン{number}を削除")}
                                    </button>
                                </div>
                            }
                        })}
                </div>
            }
        })
        .collect_view();
    let add = tools.then(|| {
        view! {
            <button
                type="button"
                class="button"
                disabled=full
                on:click=move |_| {
                    card.edit(|c| {
                        if c.actions.len() < max {
                            c.actions.push(ActionKind::Uri.new_action());
                        }
                    });
                    focus_later(select_id(count));
                }
            >
                {format!("ボタンを追加（{count} / {max}）")}
            </button>
        }
    });
    view! {
        <div class="composer-card-buttons">
            {editors} <FieldErrors path=format!("{path}.actions") /> {add}
        </div>
    }
}

/// A buttons template: optional image and title, text, optional default action, 1–4 buttons.
#[component]
fn ButtonsForm(tpl: Tpl) -> impl IntoView {
    let card = CardAt { tpl, column: None };
    let (image, title) = card.read_untracked(|c| (c.thumbnail.is_some(), c.title.is_some()));
    let has_image = RwSignal::new(image);
    let has_title = RwSignal::new(title);
    // What staff typed before switching a part off, given back when they switch it on again.
    let stashed_image = StoredValue::new(None::<ButtonsImage>);
    let stashed_title = StoredValue::new(None::<String>);
    let image_id = format!("{}-image-toggle", field_id(&tpl.path()));
    let title_id = format!("{}-title-toggle", field_id(&tpl.path()));
    let set_image = Callback::new(move |on: bool| {
        has_image.set(on);
        tpl.edit(|t| {
            let Some(b) = as_buttons_mut(t) else { return };
            if on {
                if b.thumbnail_image_url.is_none() {
                    let kept = stashed_image.try_update_value(Option::take).flatten();
                    ButtonsImage::restore(b, kept);
                }
            } else {
                stashed_image.set_value(Some(ButtonsImage::take(b)));
            }
        });
    });
    let set_title = Callback::new(move |on: bool| {
        has_title.set(on);
        card.edit(|c| {
            if on {
                if c.title.is_none() {
                    let kept = stashed_title.try_update_value(Option::take).flatten();
                    *c.title = Some(kept.unwrap_or_default());
                }
            } else {
                stashed_title.set_value(c.title.take());
            }
        });
    });
    view! {
        <fieldset class="composer-group">
            <legend>"画像"</legend>
            <Toggle label="画像を付ける" id=image_id checked=has_image on_change=set_image />
            {move || {
                has_image
                    .get()
                    .then(|| {
                        view! {
                            <CardImage card />
                            <ImageOptions tpl />
                        }
                    })
            }}
        </fieldset>
        <Toggle
            label="タイトルを付ける"
            id=title_id
            checked=has_title
            on_change=set_title
        />
        {move || has_title.get().then(|| view! { <CardTitle card /> })}
        <CardText
            card
            header=Signal::derive(move || has_image.get() || has_title.get())
            plain=MAX_BUTTONS_TEXT
        />
        <DefaultAction card />
        <CardButtons card max=MAX_BUTTONS_ACTIONS editable=true />
    }
}

/// The image of a buttons template with its options, kept while the image is switched off.
struct ButtonsImage {
    url: Option<String>,
    aspect: Option<String>,
    size: Option<String>,
    background: Option<String>,
}

impl ButtonsImage {
    fn take(b: &mut ButtonsTemplate) -> Self {
        ButtonsImage {
            url: b.thumbnail_image_url.take(),
            aspect: b.image_aspect_ratio.take(),
            size: b.image_size.take(),
            background: b.image_background_color.take(),
        }
    }

    fn restore(b: &mut ButtonsTemplate, kept: Option<Self>) {
        let kept = kept.unwrap_or(ButtonsImage {
            url: None,
            aspect: None,
            size: None,
            background: None,
        });
        b.thumbnail_image_url = Some(kept.url.unwrap_or_default());
        b.image_aspect_ratio = kept.aspect;
        b.image_size = kept.size;
        b.image_background_color = kept.background;
    }
}

/// A confirm template: a question and exactly two buttons.
#[component]
fn ConfirmForm(tpl: Tpl) -> impl IntoView {
    let path = tpl.path();
    let action = move |i: usize| {
        Signal::derive(move || {
            tpl.read(|t| match t {
                Template::Confirm(c) => c.actions.get(i).cloned(),
                _ => None,
            })
            .unwrap_or_else(|| ActionKind::Message.new_action())
        })
    };
    let set_action = move |i: usize| {
        Callback::new(move |a: Action| {
            tpl.edit(|t| {
                if let Template::Confirm(c) = t {
                    // LINE wants exactly two; a list that came shorter from JSON is filled.
                    while c.actions.len() <= i {
                        c.actions.push(ActionKind::Message.new_action());
                    }
                    c.actions[i] = a;
                }
            })
        })
    };
    view! {
        <TextField
            label="質問の文"
            path=format!("{path}.text")
            value=Signal::derive(move || {
                tpl.read(|t| match t {
                    Template::Confirm(c) => c.text.clone(),
                    _ => String::new(),
                })
            })
            on_input=Callback::new(move |v: String| {
                tpl.edit(|t| {
                    if let Template::Confirm(c) = t {
                        c.text = v;
                    }
                })
            })
            max=MAX_CONFIRM_TEXT
            multiline=true
            placeholder="例：説明会に参加しますか？"
        />
        <div class="composer-row composer-confirm">
            <ActionEditor
                path=format!("{path}.actions[0]")
                place=ActionPlace::Template
                legend="左のボタン"
                value=action(0)
                on_change=set_action(0)
            />
            <ActionEditor
                path=format!("{path}.actions[1]")
                place=ActionPlace::Template
                legend="右のボタン"
                value=action(1)
                on_change=set_action(1)
            />
        </div>
        <FieldErrors path=format!("{path}.actions") />
    }
}

/// A change to a carousel's list of columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ColumnOp {
    Left(usize),
    Right(usize),
    Duplicate(usize),
    Remove(usize),
    Add,
}

/// Applies `op` within LINE's 1–10 columns; `new` makes an added column from the first one.
/// Returns where the column acted on now is (`None` if nothing changed; after a removal, the
/// column that took its place or the one before it).
fn apply_column_op<C: Clone>(
    columns: &mut Vec<C>,
    op: ColumnOp,
    new: impl FnOnce(Option<&C>) -> C,
) -> Option<usize> {
    let len = columns.len();
    match op {
        ColumnOp::Left(i) if i > 0 && i < len => {
            columns.swap(i, i - 1);
            Some(i - 1)
        }
        ColumnOp::Right(i) if i + 1 < len => {
            columns.swap(i, i + 1);
            Some(i + 1)
        }
        ColumnOp::Duplicate(i) if i < len && len < MAX_TEMPLATE_COLUMNS => {
            let copy = columns[i].clone();
            columns.insert(i + 1, copy);
            Some(i + 1)
        }
        ColumnOp::Remove(i) if i < len && len > 1 => {
            columns.remove(i);
            Some(i.min(len - 2))
        }
        ColumnOp::Add if len < MAX_TEMPLATE_COLUMNS => {
            let column = new(columns.first());
            columns.push(column);
            Some(len)
        }
        _ => None,
    }
}

/// Gives every column `count` buttons (new ones open a URL), as LINE wants them all equal.
fn set_button_count(columns: &mut [CarouselColumn], count: usize) {
    let count = count.clamp(1, MAX_COLUMN_ACTIONS);
    for column in columns {
        column.actions.truncate(count);
        while column.actions.len() < count {
            column.actions.push(ActionKind::Uri.new_action());
        }
    }
}

/// Switches a part (image or title, through `part`) on or off in every column. Switching off
/// returns what each column had; switching on gives it back (`kept`) or starts empty.
fn set_part_everywhere(
    columns: &mut [CarouselColumn],
    on: bool,
    kept: Vec<Option<String>>,
    part: fn(&mut CarouselColumn) -> &mut Option<String>,
) -> Vec<Option<String>> {
    if on {
        for (i, column) in columns.iter_mut().enumerate() {
            let slot = part(column);
            if slot.is_none() {
                *slot = Some(kept.get(i).cloned().flatten().unwrap_or_default());
            }
        }
        Vec::new()
    } else {
        columns.iter_mut().map(|c| part(c).take()).collect()
    }
}

fn image_part(c: &mut CarouselColumn) -> &mut Option<String> {
    &mut c.thumbnail_image_url
}

fn title_part(c: &mut CarouselColumn) -> &mut Option<String> {
    &mut c.title
}

/// Ids of a column's legend and order buttons, for moving focus after a change.
fn column_ids(tpl: Tpl, i: usize) -> (String, String, String) {
    let base = field_id(&format!("{}.columns[{i}]", tpl.path()));
    (
        format!("{base}-legend"),
        format!("{base}-left"),
        format!("{base}-right"),
    )
}

/// Applies `op` to the carousel's or image carousel's columns and moves focus to where staff
/// will want it next.
fn column_op(tpl: Tpl, op: ColumnOp) {
    let mut landed = None;
    let mut len = 0;
    tpl.edit(|t| match t {
        Template::Carousel(c) => {
            landed = apply_column_op(&mut c.columns, op, |first| match first {
                Some(f) => new_carousel_column(
                    f.actions.len(),
                    f.thumbnail_image_url.is_some(),
                    f.title.is_some(),
                ),
                None => new_carousel_column(1, false, false),
            });
            len = c.columns.len();
        }
        Template::ImageCarousel(c) => {
            landed = apply_column_op(&mut c.columns, op, |_| new_image_carousel_column());
            len = c.columns.len();
        }
        _ => {}
    });
    let Some(at) = landed else { return };
    let (legend, left, right) = column_ids(tpl, at);
    let target = match op {
        ColumnOp::Left(_) if at > 0 => left,
        ColumnOp::Left(_) => right,
        ColumnOp::Right(_) if at + 1 < len => right,
        ColumnOp::Right(_) => left,
        ColumnOp::Duplicate(_) | ColumnOp::Remove(_) | ColumnOp::Add => legend,
    };
    focus_later(target);
}

/// A column's header: its name and the buttons that reorder, copy and remove it.
#[component]
fn ColumnHead(tpl: Tpl, i: usize, count: usize) -> impl IntoView {
    let (legend_id, left_id, right_id) = column_ids(tpl, i);
    let number = i + 1;
    let last = i + 1 >= count;
    let full = count >= MAX_TEMPLATE_COLUMNS;
    let tools = (!tpl.draft.readonly).then(|| {
        view! {
            <div class="toolbar small composer-tools">
                <button
                    type="button"
                    id=left_id
                    class="button ghost small"
                    aria-label=format!("カード{number}を左へ")
                    disabled=i == 0
                    on:click=move |_| column_op(tpl, ColumnOp::Left(i))
                >
                    "←"
                </button>
                <button
                    type="button"
                    id=right_id
                    class="button ghost small"
                    aria-label=format!("カード{number}を右へ")
                    disabled=last
                    on:click=move |_| column_op(tpl, ColumnOp::Right(i))
                >
                    "→"
                </button>
                <button
                    type="button"
                    class="button ghost small"
                    aria-label=format!("カード{number}を複製")
                    disabled=full
                    on:click=move |_| column_op(tpl, ColumnOp::Duplicate(i))
                >
                    "複製"
                </button>
                <button
                    type="button"
                    class="button ghost small danger"
                    aria-label=format!("カード{number}を削除")
                    disabled=count <= 1
                    on:click=move |_| column_op(tpl, ColumnOp::Remove(i))
                >
                    "削除"
                </button>
            </div>
        }
    });
    view! {
        <legend id=legend_id tabindex="-1">
            {format!("カード{number}")}
        </legend>
        {tools}
    }
}

/// The "add a card" button under the columns.
#[component]
fn AddColumn(tpl: Tpl, count: usize) -> impl IntoView {
    let full = count >= MAX_TEMPLATE_COLUMNS;
    (!tpl.draft.readonly).then(|| {
        view! {
            <button
                type="button"
                class="button"
                disabled=full
                on:click=move |_| column_op(tpl, ColumnOp::Add)
            >
                {format!("カードを追加（{count} / {MAX_TEMPLATE_COLUMNS}）")}
            </button>
        }
    })
}

/// A carousel: up to ten cards sharing their image and title switches and number of buttons.
#[component]
fn CarouselForm(tpl: Tpl) -> impl IntoView {
    let draft = tpl.draft;
    let path = tpl.path();
    let (count, image, title) = tpl.read_untracked(|t| {
        as_carousel(t)
            .map(|c| {
                (
                    c.columns.len(),
                    c.columns.iter().any(|c| c.thumbnail_image_url.is_some()),
                    c.columns.iter().any(|c| c.title.is_some()),
                )
            })
            .unwrap_or_default()
    });
    let has_image = RwSignal::new(image);
    let has_title = RwSignal::new(title);
    let kept_images = StoredValue::new(Vec::<Option<String>>::new());
    let kept_titles = StoredValue::new(Vec::<Option<String>>::new());
    let switch = move |on: bool,
                       kept: StoredValue<Vec<Option<String>>>,
                       part: fn(&mut CarouselColumn) -> &mut Option<String>| {
        tpl.edit(|t| {
            if let Some(c) = as_carousel_mut(t) {
                let given = kept.try_update_value(std::mem::take).unwrap_or_default();
                kept.set_value(set_part_everywhere(&mut c.columns, on, given, part));
            }
        });
    };
    let set_image = Callback::new(move |on: bool| {
        has_image.set(on);
        switch(on, kept_images, image_part);
    });
    let set_title = Callback::new(move |on: bool| {
        has_title.set(on);
        switch(on, kept_titles, title_part);
    });
    let buttons = Signal::derive(move || {
        tpl.read(|t| {
            as_carousel(t)
                .and_then(|c| c.columns.first())
                .map_or(1, |c| c.actions.len())
                .to_string()
        })
    });
    let buttons_path = format!("{path}.buttonCount");
    let buttons_id = field_id(&buttons_path);
    let set_buttons = Callback::new(move |v: String| {
        if let Ok(n) = v.parse::<usize>() {
            tpl.edit(|t| {
                if let Some(c) = as_carousel_mut(t) {
                    set_button_count(&mut c.columns, n);
                }
            });
            focus_later(buttons_id.clone());
        }
    });
    let columns = (0..count)
        .map(|i| {
            let card = CardAt {
                tpl,
                column: Some(i),
            };
            view! {
                <fieldset class="composer-column" data-testid="composer-column">
                    <ColumnHead tpl i count />
                    {move || has_image.get().then(|| view! { <CardImage card /> })}
                    {move || has_title.get().then(|| view! { <CardTitle card /> })}
                    <CardText
                        card
                        header=Signal::derive(move || has_image.get() || has_title.get())
                        plain=MAX_COLUMN_TEXT
                    />
                    <DefaultAction card />
                    <CardButtons card max=MAX_COLUMN_ACTIONS editable=false />
                </fieldset>
            }
        })
        .collect_view();
    let image_toggle = format!("{}-image-toggle", field_id(&path));
    let title_toggle = format!("{}-title-toggle", field_id(&path));
    view! {
        <fieldset class="composer-group">
            <legend>"全カード共通"</legend>
            <p class="hint">
                "LINE では、画像・タイトルの有無とボタンの数を全カードでそろえる必要があります。ここで変えると全カードに反映されます。"
            </p>
            <Toggle
                label="画像を付ける"
                id=image_toggle
                checked=has_image
                on_change=set_image
            />
            {move || has_image.get().then(|| view! { <ImageOptions tpl /> })}
            <Toggle
                label="タイトルを付ける"
                id=title_toggle
                checked=has_title
                on_change=set_title
            />
            <SelectField
                label="ボタンの数（1〜3）"
                path=buttons_path
                options=(1..=MAX_COLUMN_ACTIONS)
                    .map(|n| (n.to_string(), format!("{n}個")))
                    .collect()
                value=buttons
                on_change=set_buttons
            />
            {(!draft.readonly)
                .then(|| {
                    view! {
                        <p class="hint">
                            "減らすと、各カードの後ろのボタンから消えます。"
                        </p>
                    }
                })}
        </fieldset>
        <div class="composer-columns">{columns}</div>
        <FieldErrors path=format!("{path}.columns") />
        <AddColumn tpl count />
    }
}

/// An image carousel: up to ten square images, each with one action.
#[component]
fn ImageCarouselForm(tpl: Tpl) -> impl IntoView {
    let path = tpl.path();
    let count = tpl.read_untracked(|t| match t {
        Template::ImageCarousel(c) => c.columns.len(),
        _ => 0,
    });
    let columns = (0..count)
        .map(|i| {
            let column_path = format!("{path}.columns[{i}]");
            let read = move |f: fn(&ImageCarouselColumn) -> String| {
                tpl.read(|t| match t {
                    Template::ImageCarousel(c) => c.columns.get(i).map(f).unwrap_or_default(),
                    _ => String::new(),
                })
            };
            let edit = move |f: Box<dyn FnOnce(&mut ImageCarouselColumn)>| {
                tpl.edit(|t| {
                    if let Template::ImageCarousel(c) = t
                        && let Some(column) = c.columns.get_mut(i)
                    {
                        f(column);
                    }
                })
            };
            view! {
                <fieldset class="composer-column" data-testid="composer-column">
                    <ColumnHead tpl i count />
                    <div class="composer-image">
                        <ImagePicker
                            label="画像ライブラリから選ぶ"
                            on_pick=Callback::new(move |image: PickedImage| {
                                edit(
                                    Box::new(move |c: &mut ImageCarouselColumn| {
                                        c.image_url = image.card_url;
                                    }),
                                )
                            })
                        />
                        <TextField
                            label="画像の URL（https、正方形の JPEG または PNG）"
                            path=format!("{column_path}.imageUrl")
                            value=Signal::derive(move || read(|c| c.image_url.clone()))
                            on_input=Callback::new(move |v: String| {
                                edit(Box::new(move |c: &mut ImageCarouselColumn| c.image_url = v))
                            })
                            max=MAX_CONTENT_URL
                            inputmode="url"
                            placeholder="https://"
                        />
                    </div>
                    <ActionEditor
                        path=format!("{column_path}.action")
                        place=ActionPlace::Template
                        legend="画像をタップしたとき"
                        label_optional=true
                        label_max=12
                        value=Signal::derive(move || {
                            tpl.read(|t| match t {
                                    Template::ImageCarousel(c) => {
                                        c.columns.get(i).map(|c| c.action.clone())
                                    }
                                    _ => None,
                                })
                                .unwrap_or_else(|| ActionKind::Uri.new_action())
                        })
                        on_change=Callback::new(move |a: Action| {
                            edit(Box::new(move |c: &mut ImageCarouselColumn| c.action = a))
                        })
                    />
                    <p class="hint">
                        {format!(
                            "画像カルーセルでは、ボタンの表示名は画像の下に出ます（{MAX_IMAGE_CAROUSEL_LABEL}文字まで）。",
                        )}
                    </p>
                </fieldset>
            }
        })
        .collect_view();
    view! {
        <div class="composer-columns">{columns}</div>
        <FieldErrors path=format!("{path}.columns") />
        <AddColumn tpl count />
    }
}

#[cfg(test)]
mod tests {
    use line::compose::MessageKind;

    use super::*;

    fn carousel(message: &mut Message) -> &mut CarouselTemplate {
        match message {
            Message::Template(t) => match &mut t.template {
                Template::Carousel(c) => c,
                _ => panic!("not a carousel"),
            },
            _ => panic!("not a template"),
        }
    }

    fn consistency_errors(message: &Message) -> Vec<String> {
        line::validate::messages(std::slice::from_ref(message))
            .into_iter()
            .filter(|v| matches!(v.rule, line::validate::Rule::Misplaced(_)))
            .map(|v| v.path)
            .collect()
    }

    #[test]
    fn text_limit_is_60_with_an_image_or_a_title() {
        assert_eq!(text_max(false, MAX_BUTTONS_TEXT), 160);
        assert_eq!(text_max(true, MAX_BUTTONS_TEXT), 60);
        assert_eq!(text_max(false, MAX_COLUMN_TEXT), 120);
        assert_eq!(text_max(true, MAX_COLUMN_TEXT), 60);
    }

    #[test]
    fn column_ops_stay_within_one_to_ten_columns() {
        let mut columns = vec![1, 2, 3];
        assert_eq!(
            apply_column_op(&mut columns, ColumnOp::Left(0), |_| 0),
            None
        );
        assert_eq!(
            apply_column_op(&mut columns, ColumnOp::Left(2), |_| 0),
            Some(1)
        );
        assert_eq!(columns, [1, 3, 2]);
        assert_eq!(
            apply_column_op(&mut columns, ColumnOp::Right(2), |_| 0),
            None
        );
        assert_eq!(
            apply_column_op(&mut columns, ColumnOp::Right(0), |_| 0),
            Some(1)
        );
        assert_eq!(columns, [3, 1, 2]);
        assert_eq!(
            apply_column_op(&mut columns, ColumnOp::Duplicate(1), |_| 0),
            Some(2)
        );
        assert_eq!(columns, [3, 1, 1, 2]);
        assert_eq!(
            apply_column_op(&mut columns, ColumnOp::Remove(3), |_| 0),
            Some(2)
        );
        assert_eq!(columns, [3, 1, 1]);
        assert_eq!(
            apply_column_op(&mut columns, ColumnOp::Add, |first| first
                .copied()
                .unwrap_or(0)
                * 10),
            Some(3)
        );
        assert_eq!(columns, [3, 1, 1, 30]);
        while apply_column_op(&mut columns, ColumnOp::Add, |_| 0).is_some() {}
        assert_eq!(columns.len(), MAX_TEMPLATE_COLUMNS);
        assert_eq!(
            apply_column_op(&mut columns, ColumnOp::Duplicate(0), |_| 0),
            None
        );
        assert_eq!(columns.len(), MAX_TEMPLATE_COLUMNS);
        let mut one = vec![1];
        assert_eq!(apply_column_op(&mut one, ColumnOp::Remove(0), |_| 0), None);
        assert_eq!(one, [1]);
    }

    #[test]
    fn carousel_wide_switches_keep_line_consistency_rules() {
        let mut message = MessageKind::Carousel.new_message();
        let c = carousel(&mut message);
        c.columns.push(new_carousel_column(1, false, false));
        c.columns[1].text = "二枚目".into();
        // Three buttons everywhere, then back to two: every column follows.
        set_button_count(&mut c.columns, 3);
        assert!(c.columns.iter().all(|c| c.actions.len() == 3));
        set_button_count(&mut c.columns, 2);
        assert!(c.columns.iter().all(|c| c.actions.len() == 2));
        set_button_count(&mut c.columns, 9);
        assert!(
            c.columns
                .iter()
                .all(|c| c.actions.len() == MAX_COLUMN_ACTIONS)
        );
        // An image in every column, typed URLs kept when switched off and on again.
        let kept = set_part_everywhere(&mut c.columns, true, Vec::new(), image_part);
        assert!(kept.is_empty());
        assert!(c.columns.iter().all(|c| c.thumbnail_image_url.is_some()));
        c.columns[1].thumbnail_image_url = Some("https://example.jp/b.png".into());
        let kept = set_part_everywhere(&mut c.columns, false, Vec::new(), image_part);
        assert!(c.columns.iter().all(|c| c.thumbnail_image_url.is_none()));
        set_part_everywhere(&mut c.columns, true, kept, image_part);
        assert_eq!(
            c.columns[1].thumbnail_image_url.as_deref(),
            Some("https://example.jp/b.png")
        );
        set_part_everywhere(&mut c.columns, true, Vec::new(), title_part);
        assert!(c.columns.iter().all(|c| c.title.is_some()));
        assert_eq!(consistency_errors(&message), Vec::<String>::new());

        // A column added from the form is shaped like the first one.
        let c = carousel(&mut message);
        apply_column_op(&mut c.columns, ColumnOp::Add, |first| {
            let f = first.expect("a first column");
            new_carousel_column(
                f.actions.len(),
                f.thumbnail_image_url.is_some(),
                f.title.is_some(),
            )
        });
        assert_eq!(consistency_errors(&message), Vec::<String>::new());
        let c = carousel(&mut message);
        assert_eq!(c.columns.len(), 4);
        assert_eq!(c.columns[3].actions.len(), MAX_COLUMN_ACTIONS);
        assert!(c.columns[3].title.is_some() && c.columns[3].thumbnail_image_url.is_some());
    }

    #[test]
    fn a_mixed_carousel_from_json_is_reported_at_the_columns_the_form_shows() {
        let mut message = MessageKind::Carousel.new_message();
        let c = carousel(&mut message);
        c.columns[0].thumbnail_image_url = Some("https://example.jp/a.png".into());
        c.columns[1].actions.push(ActionKind::Uri.new_action());
        let errors = consistency_errors(&message);
        assert!(
            errors.contains(&"messages[0].template.columns[1].thumbnailImageUrl".to_owned()),
            "{errors:?}"
        );
        assert!(
            errors.contains(&"messages[0].template.columns[1].actions".to_owned()),
            "{errors:?}"
        );
        // The form's switches repair it.
        let c = carousel(&mut message);
        set_part_everywhere(&mut c.columns, true, Vec::new(), image_part);
        set_button_count(&mut c.columns, 1);
        assert_eq!(consistency_errors(&message), Vec::<String>::new());
    }
}

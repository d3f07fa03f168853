//! The one message composer: staff build up to five LINE messages in forms, see LINE's rules
//! checked as they type (the same `line::validate` the server applies on saving), switch any
//! message to its JSON and back, and see it in the LINE preview beside the forms. 定型文, the
//! greeting and later deliveries, keyword replies and the chatbot all edit messages with it.
//!
//! The message list is one signal of `line::message::Message`s: the forms read and write it
//! directly, so form, JSON and preview can never disagree. A message's form is rebuilt only when
//! its *shape* changes (a column or a button added, a part switched on or off), never while staff
//! type, so the cursor stays where it is.

mod action;
mod autosave;
mod basic;
mod cards;
mod fields;
mod flex;
mod imagemap;
mod media_picker;
mod template;

use leptos::prelude::*;
use line::compose::{ActionKind, ActionPlace, MessageKind};
use line::message::{Message, QuickReply, QuickReplyItem, QuickReplyItemType};
use line::validate::{MAX_MESSAGES_PER_REQUEST, MAX_QUICK_REPLY_ITEMS};
use serde_json::Value;

pub use action::{ActionEditor, SwitchTargets};
pub use fields::{Draft, TextField};
use fields::{FieldErrors, field_id};

use crate::components::{FlexFocus, LinePreview};

/// Edits `messages` (at most five) with a live LINE preview. `readonly` shows the forms without
/// The messages an editor starts with, given `?text=` (「このリンクで定型文を作る」 on a survey):
/// that text as one more text message (empty text messages dropped), when there is room.
pub fn messages_from_query(mut messages: Vec<Message>) -> Vec<Message> {
    let text = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("text"))
        .filter(|t| !t.trim().is_empty());
    let Some(text) = text else {
        return messages;
    };
    messages.retain(|m| !matches!(m, Message::Text(t) if t.text.trim().is_empty()));
    if messages.len() < MAX_MESSAGES_PER_REQUEST {
        let mut message = MessageKind::Text.new_message();
        if let Message::Text(t) = &mut message {
            t.text = text;
        }
        messages.push(message);
    }
    messages
}

/// letting them change (staff who may view but not edit).
#[component]
pub fn Composer(
    messages: RwSignal<Vec<Message>>,
    #[prop(optional)] readonly: bool,
    /// The account's name, shown in the preview's header.
    #[prop(into)]
    account_name: Signal<String>,
    /// Where drafts of this page are kept on the server as staff work (`template:12`): see
    /// `autosave`. None: no drafts.
    #[prop(optional, into)]
    autosave: Option<Signal<String>>,
) -> impl IntoView {
    let draft = Draft::new(messages, readonly);
    provide_context(draft);
    // The Flex component selected in an editor, outlined in the preview (and chosen there).
    provide_context(FlexFocus {
        selected: RwSignal::new(None),
    });
    let count = Memo::new(move |_| messages.with(Vec::len));
    let problems = move || draft.violations.with(Vec::len);
    view! {
        <div class="composer" data-testid="composer">
            <div class="composer-forms">
                {autosave.filter(|_| !readonly).map(|key| view! { <autosave::Autosave key /> })}
                <p class="composer-status" role="status" data-testid="composer-status">
                    {move || match problems() {
                        0 => "LINE の制限を満たしています。".to_owned(),
                        n => {
                            format!(
                                "直すところが{n}件あります（各項目の下に表示）。",
                            )
                        }
                    }}
                </p>
                {move || {
                    (0..count.get()).map(|index| view! { <MessageEditor index /> }).collect_view()
                }} <FieldErrors path="messages" /> {(!readonly).then(|| view! { <AddMessage /> })}
                {move || {
                    (count.get() > 0).then(|| view! { <QuickReplyEditor index=count.get() - 1 /> })
                }}
            </div>
            <div class="composer-preview">
                <LinePreview messages account_name />
            </div>
        </div>
    }
}

/// The "add a message" bar: a kind and a button.
#[component]
fn AddMessage() -> impl IntoView {
    let draft = Draft::use_context();
    let kind = RwSignal::new(MessageKind::Text.id().to_owned());
    let full = move || draft.messages.with(Vec::len) >= MAX_MESSAGES_PER_REQUEST;
    view! {
        <div class="composer-add toolbar">
            <label for="composer-add-kind">"メッセージを追加"</label>
            <select
                id="composer-add-kind"
                prop:value=move || kind.get()
                on:change=move |ev| kind.set(event_target_value(&ev))
            >
                {MessageKind::OFFERED
                    .iter()
                    .map(|k| view! { <option value=k.id()>{k.name()}</option> })
                    .collect_view()}
            </select>
            <button
                type="button"
                class="button"
                data-testid="add-message"
                disabled=full
                on:click=move |_| {
                    if let Some(k) = MessageKind::from_id(&kind.get_untracked()) {
                        draft
                            .messages
                            .update(|m| {
                                if m.len() < MAX_MESSAGES_PER_REQUEST {
                                    let quick = m
                                        .last_mut()
                                        .and_then(|last| last.quick_reply_mut().take());
                                    let mut next = k.new_message();
                                    *next.quick_reply_mut() = quick;
                                    m.push(next);
                                }
                            });
                    }
                }
            >
                "追加"
            </button>
            {move || {
                full()
                    .then(|| {
                        view! {
                            <span class="hint">
                                {format!(
                                    "一度に送れるのは{MAX_MESSAGES_PER_REQUEST}件までです。",
                                )}
                            </span>
                        }
                    })
            }}
        </div>
    }
}

/// LINE shows the quick reply of the last message only: after the list changes (a message moved,
/// duplicated, removed or added), the quick reply stays with whichever message is last.
fn keep_quick_reply_last(messages: &mut [Message]) {
    let Some(last) = messages.len().checked_sub(1) else {
        return;
    };
    let mut quick = messages[last].quick_reply_mut().take();
    for m in messages[..last].iter_mut().rev() {
        if let Some(q) = m.quick_reply_mut().take() {
            quick.get_or_insert(q);
        }
    }
    *messages[last].quick_reply_mut() = quick;
}

/// A message's structure without its texts and numbers: what decides which inputs its form has.
fn shape(message: &Message) -> Value {
    fn strip(v: &Value, keep_type: bool) -> Value {
        match v {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter_map(|(k, v)| match v {
                        Value::String(_) if keep_type && k == "type" => {
                            Some((k.clone(), v.clone()))
                        }
                        Value::String(_) | Value::Number(_) | Value::Null => None,
                        _ => Some((k.clone(), strip(v, keep_type && k == "template"))),
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(|i| strip(i, false)).collect()),
            other => other.clone(),
        }
    }
    // Cards are edited as cards: their Flex changes shape as texts are filled in.
    if let Message::Flex(f) = message
        && let Some(set) = line::cards::CardSet::from_flex(&f.contents)
    {
        let cards: Vec<Vec<&str>> = set
            .cards
            .iter()
            .map(|c| c.actions.iter().map(|a| ActionKind::of(a).id()).collect())
            .collect();
        return serde_json::json!({"cards": set.kind.id(), "actions": cards, "more": set.more.is_some()});
    }
    // Plain Flex is one JSON box: nothing in it decides the form.
    if let Message::Flex(_) = message {
        return serde_json::json!({"type": "flex"});
    }
    let mut value = serde_json::to_value(message).unwrap_or(Value::Null);
    // The quick reply has its own editor.
    if let Value::Object(map) = &mut value {
        map.remove("quickReply");
    }
    strip(&value, true)
}

/// One message: its header (kind, order, duplicate, remove, JSON) and its form or JSON.
#[component]
fn MessageEditor(index: usize) -> impl IntoView {
    let draft = Draft::use_context();
    let json_mode = RwSignal::new(false);
    let kind = Memo::new(move |_| draft.read(index, MessageKind::of));
    let form_shape = Memo::new(move |_| draft.read(index, shape));
    let count = move || draft.messages.with(Vec::len);
    let swap = move |other: usize| {
        draft.messages.update(|m| {
            m.swap(index, other);
            keep_quick_reply_last(m);
        })
    };
    let heading_id = format!("composer-message-{index}");
    let labelled_by = heading_id.clone();
    view! {
        <section
            class="composer-message panel"
            aria-labelledby=labelled_by
            data-testid="composer-message"
            data-kind=move || kind.get().map(|k| k.id())
        >
            <header class="composer-message-head">
                <h3 id=heading_id>
                    {move || {
                        format!(
                            "{}件目：{}",
                            index + 1,
                            kind.get().map(|k| k.name()).unwrap_or_default(),
                        )
                    }}
                </h3>
                {(!draft.readonly)
                    .then(|| {
                        view! {
                            <div class="toolbar small">
                                <button
                                    type="button"
                                    class="button ghost small"
                                    aria-label=format!("{}件目を上へ", index + 1)
                                    disabled=move || index == 0
                                    on:click=move |_| swap(index - 1)
                                >
                                    "↑"
                                </button>
                                <button
                                    type="button"
                                    class="button ghost small"
                                    aria-label=format!("{}件目を下へ", index + 1)
                                    disabled=move || { index + 1 >= count() }
                                    on:click=move |_| swap(index + 1)
                                >
                                    "↓"
                                </button>
                                <button
                                    type="button"
                                    class="button ghost small"
                                    disabled=move || { count() >= MAX_MESSAGES_PER_REQUEST }
                                    on:click=move |_| {
                                        draft
                                            .messages
                                            .update(|m| {
                                                if m.len() < MAX_MESSAGES_PER_REQUEST {
                                                    let copy = m[index].clone();
                                                    m.insert(index + 1, copy);
                                                    keep_quick_reply_last(m);
                                                }
                                            });
                                    }
                                >
                                    "複製"
                                </button>
                                <button
                                    type="button"
                                    class="button ghost small danger"
                                    aria-label=format!("{}件目を削除", index + 1)
                                    on:click=move |_| {
                                        draft
                                            .messages
                                            .update(|m| {
                                                if index < m.len() {
                                                    let removed = m.remove(index);
                                                    if let (true, Some(last), Some(q)) = (
                                                        index == m.len(),
                                                        m.last_mut(),
                                                        removed.quick_reply().cloned(),
                                                    ) {
                                                        *last.quick_reply_mut() = Some(q);
                                                    }
                                                }
                                            });
                                    }
                                >
                                    "削除"
                                </button>
                            </div>
                        }
                    })}
                <div class="segmented" role="group" aria-label="編集方法">
                    <button
                        type="button"
                        class="button small"
                        aria-pressed=move || (!json_mode.get()).to_string()
                        on:click=move |_| json_mode.set(false)
                    >
                        "フォーム"
                    </button>
                    <button
                        type="button"
                        class="button small"
                        data-testid="json-mode"
                        aria-pressed=move || json_mode.get().to_string()
                        on:click=move |_| json_mode.set(true)
                    >
                        "JSON"
                    </button>
                </div>
            </header>
            {move || {
                if json_mode.get() {
                    view! { <JsonEditor index /> }.into_any()
                } else {
                    form_shape.with(|_| ());
                    message_form(index, kind.get_untracked())
                }
            }}
        </section>
    }
}

fn message_form(index: usize, kind: Option<MessageKind>) -> AnyView {
    match kind {
        Some(MessageKind::Text) => view! { <basic::TextForm index /> }.into_any(),
        Some(MessageKind::Image) => view! { <basic::ImageForm index /> }.into_any(),
        Some(MessageKind::Sticker) => view! { <basic::StickerForm index /> }.into_any(),
        Some(MessageKind::Location) => view! { <basic::LocationForm index /> }.into_any(),
        Some(MessageKind::Flex) => view! { <flex::FlexEditor index /> }.into_any(),
        Some(MessageKind::Cards) => view! { <cards::CardsForm index /> }.into_any(),
        Some(MessageKind::Imagemap) => view! { <imagemap::ImagemapForm index /> }.into_any(),
        Some(
            MessageKind::Buttons
            | MessageKind::Confirm
            | MessageKind::Carousel
            | MessageKind::ImageCarousel,
        ) => view! { <template::TemplateForm index /> }.into_any(),
        Some(MessageKind::Other) => view! {
            <p class="hint">
                "この種類のメッセージにはフォームがありません。「JSON」で編集してください。"
            </p>
        }
        .into_any(),
        None => ().into_any(),
    }
}

/// The message as LINE's JSON, editable. What does not parse is shown as an error and changes
/// nothing, so switching back to the form loses nothing.
#[component]
fn JsonEditor(index: usize) -> impl IntoView {
    let draft = Draft::use_context();
    let pretty = |m: &Message| serde_json::to_string_pretty(m).unwrap_or_default();
    let text = RwSignal::new(
        draft
            .messages
            .with_untracked(|m| m.get(index).map(pretty))
            .unwrap_or_default(),
    );
    // What this box last wrote: when the message at this place changes otherwise (moved,
    // quick replies edited), the box shows the new message instead of overwriting it.
    let written = StoredValue::new(draft.messages.with_untracked(|m| m.get(index).cloned()));
    Effect::new(move || {
        let current = draft.read(index, Clone::clone);
        if current != written.get_value() {
            text.set(current.as_ref().map(pretty).unwrap_or_default());
            written.set_value(current);
        }
    });
    let error = RwSignal::new(None::<String>);
    let id = field_id(&format!("messages[{index}].json"));
    // One per message: several messages may be in JSON at once.
    let error_id = format!("{id}-syntax");
    view! {
        <div class="field composer-field">
            <label for=id.clone()>"LINE メッセージオブジェクト（JSON）"</label>
            <textarea
                id=id
                class="code"
                rows="14"
                readonly=draft.readonly
                aria-describedby=error_id.clone()
                prop:value=move || text.get()
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    let parsed = serde_json::from_str::<Message>(&value);
                    text.set(value.clone());
                    match parsed {
                        Ok(parsed) => {
                            error.set(None);
                            written.set_value(Some(parsed.clone()));
                            draft
                                .edit(
                                    index,
                                    |m| {
                                        if *m != parsed {
                                            *m = parsed;
                                        }
                                    },
                                );
                        }
                        Err(e) => {
                            let flex = serde_json::from_str::<Value>(&value)
                                .ok()
                                .filter(|v| v.get("type").and_then(Value::as_str) == Some("flex"))
                                .and_then(|v| v.get("contents").map(flex::json_problems))
                                .filter(|found| !found.is_empty());
                            let why = flex.map_or_else(|| e.to_string(), |found| found.join(" / "));
                            error
                                .set(
                                    Some(
                                        format!(
                                            "JSON として読めません（{why}）。直すまでフォームとプレビューは直前の内容のままです。",
                                        ),
                                    ),
                                )
                        }
                    }
                }
            ></textarea>
            <p class="field-error" id=error_id aria-live="polite">
                {move || error.get()}
            </p>
            <FieldErrors path=format!("messages[{index}]") nested=true />
        </div>
    }
}

type EditItems = Box<dyn FnOnce(&mut Vec<QuickReplyItem>)>;

/// The quick reply buttons shown under the last message (up to 13).
#[component]
fn QuickReplyEditor(index: usize) -> impl IntoView {
    let draft = Draft::use_context();
    let items = Memo::new(move |_| {
        draft
            .read(index, |m| m.quick_reply().map_or(0, |q| q.items.len()))
            .unwrap_or(0)
    });
    let path = format!("messages[{index}].quickReply");
    let edit_items = move |f: EditItems| {
        draft.edit(index, |m| {
            let quick = m.quick_reply_mut();
            let mut list = quick.take().map(|q| q.items).unwrap_or_default();
            f(&mut list);
            *quick = (!list.is_empty()).then_some(QuickReply { items: list });
        });
    };
    view! {
        <section class="composer-quick panel" aria-labelledby="composer-quick-title">
            <h3 id="composer-quick-title">
                "クイックリプライ（最後のメッセージの下に出るボタン）"
            </h3>
            <p class="hint">
                {format!(
                    "利用者がタップで答えられるボタンです（{MAX_QUICK_REPLY_ITEMS}個まで）。次のメッセージが届くと消えます。",
                )}
            </p>
            {move || {
                (0..items.get())
                    .map(|i| {
                        let item_path = format!("{path}.items[{i}]");
                        view! {
                            <div class="composer-quick-item">
                                <ActionEditor
                                    path=format!("{item_path}.action")
                                    place=ActionPlace::QuickReply
                                    legend=format!("ボタン{}", i + 1)
                                    value=Signal::derive(move || {
                                        draft
                                            .read(
                                                index,
                                                |m| {
                                                    m.quick_reply()
                                                        .and_then(|q| q.items.get(i))
                                                        .map(|item| item.action.clone())
                                                },
                                            )
                                            .flatten()
                                            .unwrap_or_else(|| ActionKind::Message.new_action())
                                    })
                                    on_change=Callback::new(move |action| {
                                        edit_items(
                                            Box::new(move |list| {
                                                if let Some(item) = list.get_mut(i) {
                                                    item.action = action;
                                                }
                                            }),
                                        )
                                    })
                                />
                                {(!draft.readonly)
                                    .then(|| {
                                        view! {
                                            <button
                                                type="button"
                                                class="button ghost small danger"
                                                on:click=move |_| {
                                                    edit_items(
                                                        Box::new(move |list| {
                                                            if i < list.len() {
                                                                list.remove(i);
                                                            }
                                                        }),
                                                    )
                                                }
                                            >
                                                {format!("ボタン{}を削除", i + 1)}
                                            </button>
                                        }
                                    })}
                            </div>
                        }
                    })
                    .collect_view()
            }}
            <FieldErrors path=format!("messages[{index}].quickReply.items") />
            {(!draft.readonly)
                .then(|| {
                    view! {
                        <button
                            type="button"
                            class="button"
                            data-testid="add-quick-reply"
                            disabled=move || { items.get() >= MAX_QUICK_REPLY_ITEMS }
                            on:click=move |_| {
                                edit_items(
                                    Box::new(|list| {
                                        if list.len() < MAX_QUICK_REPLY_ITEMS {
                                            list.push(QuickReplyItem {
                                                item_type: QuickReplyItemType::Action,
                                                image_url: None,
                                                action: ActionKind::Message.new_action(),
                                            });
                                        }
                                    }),
                                )
                            }
                        >
                            "クイックリプライのボタンを追加"
                        </button>
                    }
                })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_reply_stays_on_the_last_message() {
        let quick = |label: &str| QuickReply {
            items: vec![QuickReplyItem {
                item_type: QuickReplyItemType::Action,
                image_url: None,
                action: line::message::Action::Message {
                    label: Some(label.into()),
                    text: label.into(),
                },
            }],
        };
        let mut list = vec![
            MessageKind::Text.new_message(),
            MessageKind::Sticker.new_message(),
        ];
        *list[1].quick_reply_mut() = Some(quick("はい"));
        list.swap(0, 1);
        keep_quick_reply_last(&mut list);
        assert_eq!(list[0].quick_reply(), None);
        assert_eq!(list[1].quick_reply(), Some(&quick("はい")));
        let copy = list[1].clone();
        list.push(copy);
        keep_quick_reply_last(&mut list);
        assert_eq!(
            list.iter().filter(|m| m.quick_reply().is_some()).count(),
            1,
            "a duplicate of the last message does not leave a second one behind"
        );
        assert!(list[2].quick_reply().is_some());
    }

    #[test]
    fn typing_never_changes_a_messages_shape_but_adding_a_column_does() {
        fn edit(message: &mut Message, f: impl FnOnce(&mut line::template::CarouselTemplate)) {
            if let Message::Template(t) = message
                && let line::template::Template::Carousel(c) = &mut t.template
            {
                f(c);
            }
        }
        let mut carousel = MessageKind::Carousel.new_message();
        let before = shape(&carousel);
        edit(&mut carousel, |c| {
            c.columns[0].text = "桜まつり".into();
            c.columns[0].actions[0].set_label(Some("詳しく".into()));
        });
        assert_eq!(shape(&carousel), before);
        edit(&mut carousel, |c| {
            c.columns
                .push(line::compose::new_carousel_column(1, false, false))
        });
        assert_ne!(shape(&carousel), before);
        let text = MessageKind::Text.new_message();
        assert_ne!(shape(&text), before, "another kind is another shape");
    }
}

//! Card-type messages (カードタイプ) as in LINE Official Account Manager: up to nine cards of one
//! kind (product, place, person, image), each with an image, texts and up to two buttons, and an
//! optional 「もっと見る」 card. Written to the message as a Flex carousel (`line::cards`).

use leptos::prelude::*;
use line::cards::{Card, CardKind, CardSet, MAX_CARD_ACTIONS, MAX_CARDS, MoreCard};
use line::compose::{ActionKind, ActionPlace};
use line::message::{Action, Message};
use line::validate::MAX_CONTENT_URL;

use super::action::ActionEditor;
use super::basic::AltTextField;
use super::fields::{Draft, FieldErrors, SelectField, TextField, Toggle};
use super::media_picker::{ImagePicker, PickedImage};

/// Longest title and text the form takes (Flex has no per-text limit; a card shows a few lines).
const TITLE_MAX: usize = 40;
const TEXT_MAX: usize = 200;

#[component]
pub fn CardsForm(index: usize) -> impl IntoView {
    let draft = Draft::use_context();
    let initial = draft
        .messages
        .with_untracked(|m| match m.get(index) {
            Some(Message::Flex(f)) => CardSet::from_flex(&f.contents),
            _ => None,
        })
        .unwrap_or_else(|| CardSet::new(CardKind::Product));
    let set = RwSignal::new(initial);
    // Every change goes to the local set and, as Flex, to the message.
    let write = move |f: Box<dyn FnOnce(&mut CardSet)>| {
        set.update(f);
        let flex = set.with_untracked(CardSet::to_flex);
        draft.edit(index, |m| {
            if let Message::Flex(x) = m {
                x.contents = flex;
            }
        });
    };
    let kind = Memo::new(move |_| set.with(|s| s.kind));
    let count = set.with_untracked(|s| s.cards.len());
    let path = format!("messages[{index}].contents");
    view! {
        <AltTextField index />
        <SelectField
            label="カードの種類"
            path=format!("messages[{index}].cards.kind")
            options=CardKind::ALL.iter().map(|k| (k.id().to_owned(), k.name().to_owned())).collect()
            value=Signal::derive(move || kind.get().id().to_owned())
            on_change=Callback::new(move |id: String| {
                if let Some(k) = CardKind::from_id(&id) {
                    write(Box::new(move |s| s.kind = k));
                }
            })
        />
        <p class="hint">
            {format!(
                "LINE公式アカウントマネージャーのカードタイプメッセージと同じ形です（{MAX_CARDS}枚まで、最後に「もっと見る」カードを付けられます）。",
            )}
        </p>
        {(0..count)
            .map(|c| {
                view! { <CardFields index card=c set write=Callback::new(move |f| write(f)) /> }
            })
            .collect_view()}
        <FieldErrors path=path.clone() />
        {(!draft.readonly)
            .then(|| {
                view! {
                    <button
                        type="button"
                        class="button"
                        disabled=move || { set.with(|s| s.cards.len()) >= MAX_CARDS }
                        on:click=move |_| {
                            write(
                                Box::new(|s| {
                                    if s.cards.len() < MAX_CARDS {
                                        s.cards.push(Card::new(s.kind));
                                    }
                                }),
                            )
                        }
                    >
                        {move || {
                            format!(
                                "カードを追加（{} / {MAX_CARDS}）",
                                set.with(|s| s.cards.len()),
                            )
                        }}
                    </button>
                }
            })}
        <Toggle
            label="最後に「もっと見る」カードを付ける"
            id=format!("composer-{index}-more")
            checked=Signal::derive(move || set.with(|s| s.more.is_some()))
            on_change=Callback::new(move |on: bool| {
                write(
                    Box::new(move |s| {
                        s.more = on
                            .then(|| MoreCard {
                                action: Action::Uri {
                                    label: Some("もっと見る".into()),
                                    uri: String::new(),
                                    alt_uri: None,
                                },
                            });
                    }),
                )
            })
        />
        {set
            .with_untracked(|s| s.more.is_some())
            .then(|| {
                let more = set.with_untracked(|s| s.cards.len());
                view! {
                    <ActionEditor
                        path=format!("{path}.contents[{more}].body.contents[0].action")
                        place=ActionPlace::Template
                        legend="「もっと見る」カードのボタン"
                        value=Signal::derive(move || {
                            set.with(|s| s.more.as_ref().map(|m| m.action.clone()))
                                .unwrap_or_else(|| ActionKind::Uri.new_action())
                        })
                        on_change=Callback::new(move |action: Action| {
                            write(
                                Box::new(move |s| {
                                    if let Some(m) = &mut s.more {
                                        m.action = action;
                                    }
                                }),
                            )
                        })
                    />
                }
            })}
    }
}

type Write = Callback<Box<dyn FnOnce(&mut CardSet)>>;

#[component]
fn CardFields(index: usize, card: usize, set: RwSignal<CardSet>, write: Write) -> impl IntoView {
    let draft = Draft::use_context();
    let field = move |f: fn(&Card) -> String| {
        Signal::derive(move || set.with(|s| s.cards.get(card).map(f).unwrap_or_default()))
    };
    let edit = move |f: Box<dyn FnOnce(&mut Card)>| {
        write.run(Box::new(move |s| {
            if let Some(c) = s.cards.get_mut(card) {
                f(c);
            }
        }))
    };
    let base = format!("messages[{index}].cards[{card}]");
    let flex_path = format!("messages[{index}].contents.contents[{card}]");
    let kind = set.with_untracked(|s| s.kind);
    let actions = set.with_untracked(|s| s.cards.get(card).map_or(0, |c| c.actions.len()));
    let full = actions >= MAX_CARD_ACTIONS;
    let pick = Callback::new(move |image: PickedImage| {
        edit(Box::new(move |c| c.image_url = image.card_url))
    });
    view! {
        <fieldset class="composer-column" data-testid="composer-card">
            <legend>{format!("カード{}", card + 1)}</legend>
            {(!draft.readonly)
                .then(|| {
                    view! {
                        <div class="toolbar small">
                            <button
                                type="button"
                                class="button ghost small"
                                aria-label=format!("カード{}を前へ", card + 1)
                                disabled=card == 0
                                on:click=move |_| {
                                    write.run(Box::new(move |s| s.cards.swap(card, card - 1)))
                                }
                            >
                                "←"
                            </button>
                            <button
                                type="button"
                                class="button ghost small"
                                aria-label=format!("カード{}を後ろへ", card + 1)
                                disabled=move || { card + 1 >= set.with(|s| s.cards.len()) }
                                on:click=move |_| {
                                    write.run(Box::new(move |s| s.cards.swap(card, card + 1)))
                                }
                            >
                                "→"
                            </button>
                            <button
                                type="button"
                                class="button ghost small danger"
                                aria-label=format!("カード{}を削除", card + 1)
                                disabled=move || { set.with(|s| s.cards.len()) <= 1 }
                                on:click=move |_| {
                                    write
                                        .run(
                                            Box::new(move |s| {
                                                if s.cards.len() > 1 {
                                                    s.cards.remove(card);
                                                }
                                            }),
                                        )
                                }
                            >
                                "削除"
                            </button>
                        </div>
                    }
                })}
            <ImagePicker label="画像ライブラリから選ぶ" on_pick=pick />
            <TextField
                label="画像の URL（https）"
                path=format!("{base}.image")
                value=field(|c| c.image_url.clone())
                on_input=Callback::new(move |v: String| edit(Box::new(move |c| c.image_url = v)))
                max=MAX_CONTENT_URL
                inputmode="url"
            />
            <TextField
                label=if kind == CardKind::Person { "名前" } else { "タイトル" }
                path=format!("{base}.title")
                value=field(|c| c.title.clone())
                on_input=Callback::new(move |v: String| edit(Box::new(move |c| c.title = v)))
                max=TITLE_MAX
            />
            {kind
                .extra_name()
                .map(|name| {
                    view! {
                        <TextField
                            label=format!("{name}（任意）")
                            path=format!("{base}.extra")
                            value=field(|c| c.extra.clone())
                            on_input=Callback::new(move |v: String| edit(
                                Box::new(move |c| c.extra = v),
                            ))
                            max=TITLE_MAX
                        />
                    }
                })}
            <TextField
                label=if kind == CardKind::Location {
                    "住所・説明（任意）"
                } else {
                    "説明（任意）"
                }
                path=format!("{base}.text")
                value=field(|c| c.text.clone())
                on_input=Callback::new(move |v: String| edit(Box::new(move |c| c.text = v)))
                max=TEXT_MAX
                multiline=true
            />
            {(0..actions)
                .map(|a| {
                    view! {
                        <ActionEditor
                            path=format!("{flex_path}.footer.contents[{a}].action")
                            place=ActionPlace::Template
                            legend=format!("ボタン{}", a + 1)
                            value=Signal::derive(move || {
                                set.with(|s| {
                                        s.cards.get(card).and_then(|c| c.actions.get(a).cloned())
                                    })
                                    .unwrap_or_else(|| ActionKind::Uri.new_action())
                            })
                            on_change=Callback::new(move |action: Action| {
                                edit(
                                    Box::new(move |c| {
                                        if let Some(slot) = c.actions.get_mut(a) {
                                            *slot = action;
                                        }
                                    }),
                                )
                            })
                        />
                    }
                })
                .collect_view()}
            {(!draft.readonly)
                .then(|| {
                    view! {
                        <div class="toolbar small">
                            <button
                                type="button"
                                class="button small"
                                disabled=full
                                on:click=move |_| {
                                    edit(
                                        Box::new(|c| {
                                            if c.actions.len() < MAX_CARD_ACTIONS {
                                                c.actions.push(ActionKind::Uri.new_action());
                                            }
                                        }),
                                    )
                                }
                            >
                                "ボタンを追加"
                            </button>
                            <button
                                type="button"
                                class="button ghost small"
                                disabled=actions == 0
                                on:click=move |_| edit(
                                    Box::new(|c| {
                                        c.actions.pop();
                                    }),
                                )
                            >
                                "最後のボタンを削除"
                            </button>
                        </div>
                    }
                })}
            <FieldErrors path=flex_path nested=true />
        </fieldset>
    }
}

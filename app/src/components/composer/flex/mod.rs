//! The Flex Message editor, opened by a Flex message in the composer. Staff who have never
//! seen JSON start from the municipal gallery and fill in its parts in a plain form
//! (「フォーム」); the whole tree, every property and the JSON are one switch away
//! (「レイアウト」). All of it edits the composer's one message list, so the preview, LINE's
//! validation and the JSON always show the same message.
//!
//! - `ops`: the edits as pure functions on the container's JSON (tested natively).
//! - `tree`: the component tree with its toolbar and keyboard.
//! - `panel`: a typed control for every property LINE defines (`line::flex_spec`).
//! - `form`: the parts a member of staff fills in, found in any message.
//! - `gallery`: templates (`line::flex_gallery`) to start from.
//! - `json`: the container's JSON, editable, with import and export.
//! - `checks`: the problems list (LINE's rules, clickable to the node) and accessibility hints.

mod checks;
mod form;
mod gallery;
mod json;
pub(crate) mod ops;
mod panel;
mod tree;

use leptos::prelude::*;
use line::flex::FlexContainer;
use line::message::Message;
use serde_json::Value;

use super::fields::Draft;
use crate::components::line_preview::FlexFocus;

/// Changes closer together than this are one step of undo (typing a word, not each letter).
const UNDO_MERGE_MS: f64 = 800.0;
/// Steps of undo kept per message.
const UNDO_DEPTH: usize = 200;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Form,
    Layout,
}

/// One Flex message being edited: its container as JSON (read from the composer's list) and
/// the edits that write it back.
#[derive(Clone, Copy)]
pub(crate) struct FlexDoc {
    pub draft: Draft,
    pub index: usize,
    /// The container as JSON; `Null` once the message is no longer Flex.
    pub value: Memo<Value>,
    pub focus: FlexFocus,
    /// Why the last edit was refused (it would not be a Flex container).
    pub refused: RwSignal<Option<String>>,
    history: StoredValue<History>,
    /// Bumped when the history changes, so 元に戻す/やり直す enable themselves.
    history_version: RwSignal<u32>,
}

#[derive(Default)]
struct History {
    undo: Vec<Message>,
    redo: Vec<Message>,
    /// The message as last seen, and when it last changed.
    seen: Option<Message>,
    changed_at: f64,
    /// Set while undo/redo writes, so that write is not recorded as an edit.
    restoring: bool,
}

fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

impl FlexDoc {
    fn new(draft: Draft, index: usize, focus: FlexFocus) -> Self {
        let value = Memo::new(move |_| {
            draft
                .read(index, |m| match m {
                    Message::Flex(f) => serde_json::to_value(&f.contents).ok(),
                    _ => None,
                })
                .flatten()
                .unwrap_or(Value::Null)
        });
        let doc = Self {
            draft,
            index,
            value,
            focus,
            refused: RwSignal::new(None),
            history: StoredValue::new(History::default()),
            history_version: RwSignal::new(0),
        };
        doc.record_changes();
        doc
    }

    pub fn use_context() -> Self {
        expect_context::<FlexDoc>()
    }

    /// Every change of the message, from any control (tree, form, properties, JSON, alt text,
    /// actions), becomes a step of undo.
    fn record_changes(self) {
        Effect::new(move || {
            let current = self.draft.read(self.index, Clone::clone);
            let mut bumped = false;
            self.history.update_value(|h| {
                if h.restoring {
                    h.restoring = false;
                } else if let (Some(seen), Some(now)) = (&h.seen, &current)
                    && seen != now
                {
                    let at = now_ms();
                    if h.undo.is_empty() || at - h.changed_at > UNDO_MERGE_MS {
                        h.undo.push(seen.clone());
                        if h.undo.len() > UNDO_DEPTH {
                            h.undo.remove(0);
                        }
                    }
                    h.redo.clear();
                    h.changed_at = at;
                    bumped = true;
                }
                h.seen = current;
            });
            if bumped {
                self.history_version.update(|v| *v += 1);
            }
        });
    }

    fn restore(self, undo: bool) {
        let mut target = None;
        self.history.update_value(|h| {
            let (from, to) = if undo {
                (&mut h.undo, &mut h.redo)
            } else {
                (&mut h.redo, &mut h.undo)
            };
            if let (Some(previous), Some(seen)) = (from.pop(), h.seen.clone()) {
                to.push(seen);
                h.restoring = true;
                h.changed_at = 0.0;
                target = Some(previous);
            }
        });
        if let Some(message) = target {
            self.draft.edit(self.index, |m| *m = message);
            self.history_version.update(|v| *v += 1);
        }
    }

    /// Makes the next change a step of undo of its own, however soon it follows (a structural
    /// edit, unlike typing, is never merged with the one before).
    pub fn new_step(self) {
        self.history
            .update_value(|h| h.changed_at = f64::NEG_INFINITY);
    }

    pub fn undo(self) {
        self.restore(true);
    }

    pub fn redo(self) {
        self.restore(false);
    }

    fn can(self, undo: bool) -> bool {
        self.history_version.track();
        self.history.with_value(|h| {
            if undo {
                !h.undo.is_empty()
            } else {
                !h.redo.is_empty()
            }
        })
    }

    /// Applies `f` to the container's JSON; the result is written only if it is still a Flex
    /// container LINE's types accept. Returns what `f` returned.
    pub fn edit<R>(self, f: impl FnOnce(&mut Value) -> Option<R>) -> Option<R> {
        if self.draft.readonly {
            return None;
        }
        let mut value = self.value.get_untracked();
        let result = f(&mut value)?;
        match serde_json::from_value::<FlexContainer>(value) {
            Ok(contents) => {
                self.refused.set(None);
                self.draft.edit(self.index, |m| {
                    if let Message::Flex(x) = m {
                        x.contents = contents;
                    }
                });
                Some(result)
            }
            Err(e) => {
                self.refused.set(Some(format!(
                    "この変更は LINE の形式にならないため反映していません（{e}）。"
                )));
                None
            }
        }
    }

    /// The pointer selected in this message (the root when nothing is).
    pub fn selected(self) -> String {
        self.focus
            .selected
            .with(|s| match s {
                Some((i, p)) if *i == self.index => Some(p.clone()),
                _ => None,
            })
            .unwrap_or_default()
    }

    pub fn select(self, pointer: String) {
        self.focus.selected.set(Some((self.index, pointer)));
    }

    /// The validator's path of `pointer` (for control ids and errors).
    pub fn path(self, pointer: &str) -> String {
        ops::validate_path(self.index, pointer)
    }
}

/// The Flex editor of message `index`.
#[component]
pub fn FlexEditor(index: usize) -> impl IntoView {
    let draft = Draft::use_context();
    let focus = use_context::<FlexFocus>().unwrap_or(FlexFocus {
        selected: RwSignal::new(None),
    });
    let doc = FlexDoc::new(draft, index, focus);
    provide_context(doc);
    let mode = RwSignal::new(Mode::Form);
    let gallery_open = RwSignal::new(false);
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let key = ev.key().to_lowercase();
        if !(ev.ctrl_key() || ev.meta_key()) || draft.readonly {
            return;
        }
        if key == "z" && !ev.shift_key() {
            ev.prevent_default();
            doc.undo();
        } else if (key == "z" && ev.shift_key()) || key == "y" {
            ev.prevent_default();
            doc.redo();
        }
    };
    let mode_button = move |m: Mode, label: &'static str, testid: &'static str| {
        view! {
            <button
                type="button"
                class="button small"
                data-testid=testid
                aria-pressed=move || (mode.get() == m).to_string()
                on:click=move |_| mode.set(m)
            >
                {label}
            </button>
        }
    };
    view! {
        <div class="flex-editor" data-testid="flex-editor" on:keydown=on_keydown>
            <checks::AltText />
            <div class="toolbar flex-toolbar">
                <div class="segmented" role="group" aria-label="Flex の編集方法">
                    {mode_button(Mode::Form, "かんたん入力", "flex-mode-form")}
                    {mode_button(Mode::Layout, "レイアウト", "flex-mode-layout")}
                </div>
                {(!draft.readonly)
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="button small"
                                data-testid="flex-gallery-open"
                                aria-expanded=move || gallery_open.get().to_string()
                                on:click=move |_| gallery_open.update(|o| *o = !*o)
                            >
                                "テンプレートから選ぶ"
                            </button>
                            <button
                                type="button"
                                class="button ghost small"
                                data-testid="flex-undo"
                                disabled=move || !doc.can(true)
                                on:click=move |_| doc.undo()
                                title="Ctrl+Z"
                            >
                                "元に戻す"
                            </button>
                            <button
                                type="button"
                                class="button ghost small"
                                data-testid="flex-redo"
                                disabled=move || !doc.can(false)
                                on:click=move |_| doc.redo()
                                title="Ctrl+Shift+Z"
                            >
                                "やり直す"
                            </button>
                        }
                    })}
            </div>
            {move || {
                gallery_open
                    .get()
                    .then(|| {
                        view! {
                            <gallery::Gallery on_done=Callback::new(move |()| {
                                gallery_open.set(false);
                                mode.set(Mode::Form);
                            }) />
                        }
                    })
            }}
            <p class="field-error" role="status">
                {move || doc.refused.get()}
            </p>
            {move || match mode.get() {
                Mode::Form => view! { <form::FormMode /> }.into_any(),
                Mode::Layout => {
                    view! {
                        <div class="flex-layout">
                            <tree::Tree />
                            <panel::Panel />
                        </div>
                        <json::JsonPanel />
                    }
                        .into_any()
                }
            }}
            <checks::Problems />
        </div>
    }
}

/// Re-exported for the composer's JSON view (its errors name the node's pointer).
pub use checks::json_problems;

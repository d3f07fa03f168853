//! One LINE-faithful preview of messages, used by the editors (as staff type), by the
//! server-rendered pages that show a template's content, and by the simulator.
//!
//! - [`LinePreview`]: a list of messages in a phone frame, with the quick replies of the last
//!   one and, when something is tapped, what it would do.
//! - [`ChatFrame`]: the phone (account name and icon, LINE's chat background, width and
//!   light/dark controls) around any content.
//! - [`AccountMessage`]: one message as the account's friend sees it; taps go to `on_action`
//!   (the simulator sends them as the friend) or are explained in Japanese.
//! - [`QuickReplyBar`]: a message's quick reply chips.
//! - [`describe_action`]: what tapping an action does, in Japanese.
//! - [`RichMenuPreview`]: the bottom of the chat with a rich menu (chat bar, image, areas).
//!
//! Flex bubbles follow `flex-rendering.md` (LINE's Flex Message Simulator numbers); values from
//! the message are parsed and rebuilt before they reach a `style` attribute (see `style`).

mod flex;
mod frame;
mod imagemap;
mod message;
mod rich_menu;
mod style;
mod template;

use leptos::prelude::*;
use line::message::{Action, Message};

pub use frame::{ChatFrame, PreviewAccount};
pub use message::{AccountMessage, QuickReplyBar, UnsupportedMessage};
pub use rich_menu::RichMenuPreview;

/// What tapping `action` does, as one line of Japanese for staff.
pub fn describe_action(action: &Action) -> String {
    match action {
        Action::Uri { uri, .. } => format!("URL を開く：{uri}"),
        Action::Message { text, .. } => format!("送信されるテキスト：{text}"),
        Action::Postback {
            data, display_text, ..
        } => match display_text {
            Some(shown) => format!("ポストバック：data={data}（表示テキスト：{shown}）"),
            None => format!("ポストバック：data={data}"),
        },
        Action::DatetimePicker { mode, data, .. } => format!("日時選択（{mode}）：data={data}"),
        Action::Camera { .. } => "カメラを起動".into(),
        Action::CameraRoll { .. } => "カメラロールを開く".into(),
        Action::Location { .. } => "位置情報を送る".into(),
        Action::Clipboard { clipboard_text, .. } => {
            format!("クリップボードにコピー：{clipboard_text}")
        }
        Action::RichMenuSwitch {
            rich_menu_alias_id, ..
        } => {
            // In the editor of a menu with tabs, the tab by its name.
            let tab = use_context::<crate::components::SwitchTargets>().and_then(|t| {
                t.0.into_iter()
                    .find(|(alias, _)| alias == rich_menu_alias_id)
                    .map(|(_, name)| name)
            });
            match tab {
                Some(name) => format!("タブ「{name}」に切り替え"),
                None => format!("リッチメニュー切替：{rich_menu_alias_id}"),
            }
        }
    }
}

/// The label LINE shows for an action (empty when it has none).
pub(crate) fn action_label(action: &Action) -> String {
    match action {
        Action::Postback { label, .. }
        | Action::Message { label, .. }
        | Action::Uri { label, .. }
        | Action::DatetimePicker { label, .. }
        | Action::RichMenuSwitch { label, .. }
        | Action::Clipboard { label, .. } => label.clone().unwrap_or_default(),
        Action::Camera { label } | Action::CameraRoll { label } | Action::Location { label } => {
            label.clone()
        }
    }
}

/// A real button for an action (template buttons, Flex buttons, chips): its label, the
/// description as a tooltip (so the server-rendered page explains it without script too).
fn action_button(
    action: &Action,
    class: &'static str,
    style: Option<String>,
    on: Callback<Action>,
) -> AnyView {
    let label = action_label(action);
    let title = describe_action(action);
    let shown = if label.is_empty() {
        "（ラベルなし）".to_owned()
    } else {
        label
    };
    let action = action.clone();
    view! {
        <button
            type="button"
            class=class
            style=style
            title=title
            on:click=move |_| on.run(action.clone())
        >
            {shown}
        </button>
    }
    .into_any()
}

/// A transparent button covering a tappable area (a bubble, a box, an image, a template's
/// default action); its parent gets the `lp-tappable` class. Its name is the action's label
/// (or a plain 「タップできる領域」, so that no name echoes a message's text); what it does is
/// its description (`title`).
fn hit_area(action: &Action, on: Callback<Action>) -> AnyView {
    let label = action_label(action);
    let title = describe_action(action);
    let aria = if label.is_empty() {
        "タップできる領域".to_owned()
    } else {
        label
    };
    let action = action.clone();
    view! {
        <button
            type="button"
            class="lp-hit"
            aria-label=aria
            title=title
            on:click=move |_| on.run(action.clone())
        ></button>
    }
    .into_any()
}

/// The whole message list as the friend sees it: every message, the quick replies of the last
/// one, and what a tap would do (announced politely to screen readers). Works server-rendered
/// and re-renders only the messages that changed as `messages` changes.
#[component]
pub fn LinePreview(
    #[prop(into)] messages: Signal<Vec<Message>>,
    #[prop(into)] account_name: Signal<String>,
    /// The account's icon; its initial is shown without one.
    #[prop(optional, into)]
    icon_url: MaybeProp<String>,
    /// The time beside the bubbles (`HH:MM`); 10:00 when not given.
    #[prop(optional, into)]
    time: MaybeProp<String>,
) -> impl IntoView {
    let note = RwSignal::new(None::<String>);
    let explain = Callback::new(move |a: Action| note.set(Some(describe_action(&a))));
    let quick =
        Memo::new(move |_| messages.with(|ms| ms.last().and_then(Message::quick_reply).cloned()));
    // One row per message; a row follows its message and redraws only what changed in it (a
    // Flex carousel bubble by bubble, see `AccountMessage`).
    let keyed = move || {
        messages.with(|ms| {
            ms.iter()
                .enumerate()
                .map(|(i, m)| (i, m.clone()))
                .collect::<Vec<_>>()
        })
    };
    let focus = use_context::<FlexFocus>();
    let root = NodeRef::<leptos::html::Div>::new();
    if let Some(f) = focus {
        f.mark_selected(root, messages);
    }
    view! {
        <div
            class="lp-preview"
            node_ref=root
            on:click=move |ev| {
                if let Some(f) = focus {
                    f.select_from_click(&ev);
                }
            }
        >
            <ChatFrame account_name=account_name icon_url=icon_url>
                <For
                    each=keyed
                    key=|(i, _)| *i
                    children=move |(i, first)| {
                        let continued = i > 0;
                        let message = Memo::new(move |previous: Option<&Message>| {
                            messages
                                .with(|ms| ms.get(i).cloned())
                                .or_else(|| previous.cloned())
                                .unwrap_or_else(|| first.clone())
                        });
                        // Its message while the row lives (the last one seen while it goes).
                        view! {
                            <div class="lp-message" data-message-index=i>
                                <AccountMessage
                                    message=message
                                    on_action=explain
                                    continued=continued
                                    time=time.get().unwrap_or_else(|| "10:00".into())
                                />
                            </div>
                        }
                    }
                />
                {move || {
                    messages
                        .with(Vec::is_empty)
                        .then(|| {
                            view! { <p class="lp-empty">"メッセージがありません"</p> }
                        })
                }}
                <div class="lp-bottom">
                    <p class="lp-note" aria-live="polite" data-testid="preview-note">
                        {move || note.get()}
                    </p>
                    {move || {
                        quick
                            .get()
                            .map(|q| view! { <QuickReplyBar items=q.items on_action=explain /> })
                    }}
                </div>
            </ChatFrame>
            <p class="hint lp-caveat">
                "近似プレビューです（端末により表示が異なります）。"
            </p>
        </div>
    }
}

/// The Flex component selected in an editor, shared with the preview (provided by the
/// composer): the preview outlines it, and a click on a Flex component in the preview selects
/// it. `pointer` is the component's JSON pointer inside the message's container
/// (`/body/contents/2`), as every drawn Flex component carries it in `data-flex-node`.
#[derive(Clone, Copy)]
pub struct FlexFocus {
    pub selected: RwSignal<Option<(usize, String)>>,
}

impl FlexFocus {
    fn select_from_click(&self, ev: &leptos::ev::MouseEvent) {
        use wasm_bindgen::JsCast;
        let Some(target) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let node = target.closest("[data-flex-node]").ok().flatten();
        let message = target.closest("[data-message-index]").ok().flatten();
        if let (Some(node), Some(message)) = (node, message)
            && let (Some(pointer), Some(index)) = (
                node.get_attribute("data-flex-node"),
                message
                    .get_attribute("data-message-index")
                    .and_then(|i| i.parse().ok()),
            )
        {
            self.selected.set(Some((index, pointer)));
        }
    }

    /// Marks the selected component (`data-flex-selected`, outlined by the stylesheet) after
    /// each drawing of the preview, without redrawing it. (An inline `<style>` would be simpler,
    /// but the page's content security policy allows no inline style elements.)
    fn mark_selected(self, root: NodeRef<leptos::html::Div>, messages: Signal<Vec<Message>>) {
        Effect::new(move || {
            messages.track();
            let selected = self.selected.get();
            request_animation_frame(move || {
                let Some(root) = root.get_untracked() else {
                    return;
                };
                if let Ok(Some(old)) = root.query_selector("[data-flex-selected]") {
                    let _ = old.remove_attribute("data-flex-selected");
                }
                let Some((index, pointer)) = selected else {
                    return;
                };
                // Pointers are ours (keys and numbers); a quote could only break the selector.
                let pointer = pointer.replace(['"', '\\'], "");
                let selector = format!(
                    ".lp-message[data-message-index=\"{index}\"] [data-flex-node=\"{pointer}\"]"
                );
                if let Ok(Some(node)) = root.query_selector(&selector) {
                    let _ = node.set_attribute("data-flex-selected", "");
                }
            });
        });
    }
}

#[cfg(test)]
mod tests;

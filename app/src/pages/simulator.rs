use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use line::validate::MAX_TEXT_LENGTH;
use serde_json::Value;

use crate::api::{ChatBubble, SimAct, SimCreateFriend, sim_chat, sim_friends};
use crate::components::ChannelBar;
use crate::layout::use_channel;

/// 「LINEシミュレーター」: staff play a LINE user of a sandbox channel. Every action is sent
/// through the built-in sandbox as a signed webhook, exactly as LINE would.
#[component]
pub fn SimulatorPage() -> impl IntoView {
    let channel = use_channel();
    let query = use_query_map();
    let user = Signal::derive(move || query.read().get("user").unwrap_or_default());
    let create = ServerAction::<SimCreateFriend>::new();
    let act = ServerAction::<SimAct>::new();
    let friends = Resource::new(
        move || {
            (
                channel.key.get(),
                create.version().get(),
                act.version().get(),
            )
        },
        |(ch, _, _)| sim_friends(ch),
    );
    let chat = Resource::new(
        move || (channel.key.get(), user.get(), act.version().get()),
        |(ch, user, _)| async move {
            if user.is_empty() {
                Ok(Vec::new())
            } else {
                sim_chat(ch, user).await
            }
        },
    );
    // The account answers through the workers, a moment after the action: keep the chat fresh.
    Effect::new(move || {
        if let Ok(handle) =
            set_interval_with_handle(move || chat.refetch(), Duration::from_millis(800))
        {
            on_cleanup(move || handle.clear());
        }
    });
    let error = move || {
        act.value()
            .get()
            .and_then(Result::err)
            .or_else(|| create.value().get().and_then(Result::err))
            .map(|e| e.to_string())
    };
    let delivery = move || act.value().get().and_then(Result::ok).flatten();

    view! {
        <Title text="LINEシミュレーター" />
        <h1>"LINEシミュレーター"</h1>
        <ChannelBar />
        <p class="simulation-banner" role="note">
            "これはシミュレーションです。実際の LINE には送信されません。組み込みの LINE サンドボックスが、LINE と同じ署名付き Webhook をこのシステムに送ります。"
        </p>
        {move || {
            error()
                .map(|e| {
                    view! {
                        <p class="form-error" role="alert">
                            {e}
                        </p>
                    }
                })
        }}
        {move || {
            delivery()
                .map(|d| {
                    view! {
                        <p
                            class=if d.ok { "notice" } else { "form-error" }
                            role="status"
                            data-testid="delivery"
                        >
                            {d.detail}
                        </p>
                    }
                })
        }}
        <div class="simulator">
            <section class="sim-friends" aria-labelledby="sim-friends-title">
                <h2 id="sim-friends-title">"シミュレーションの利用者"</h2>
                <ActionForm action=create attr:class="stack">
                    <input type="hidden" name="channel" value=move || channel.key.get() />
                    <div class="field">
                        <label for="sim-name">"表示名"</label>
                        <input id="sim-name" name="display_name" required maxlength="20" />
                    </div>
                    <button type="submit" class="button">
                        "利用者を作成"
                    </button>
                </ActionForm>
                <Transition fallback=|| ()>
                    <ul class="sim-friend-list">
                        {move || {
                            let ch = channel.key.get();
                            friends
                                .get()
                                .and_then(Result::ok)
                                .unwrap_or_default()
                                .into_iter()
                                .map(|f| {
                                    let selected = f.user_id == user.get();
                                    view! {
                                        <li>
                                            <A
                                                href=format!("/admin/simulator?ch={ch}&user={}", f.user_id)
                                                attr:aria-current=selected.then_some("page")
                                            >
                                                {f.display_name}
                                            </A>
                                            <span class="hint">
                                                {if f.following {
                                                    "友だち"
                                                } else {
                                                    "未追加・ブロック"
                                                }}
                                            </span>
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                </Transition>
            </section>
            {move || {
                (!user.get().is_empty())
                    .then(|| {
                        view! {
                            <section
                                class="phone"
                                aria-label="トーク画面（シミュレーション）"
                            >
                                <header class="phone-top">
                                    <span>
                                        {move || {
                                            channel.current().map(|c| c.name).unwrap_or_default()
                                        }}
                                    </span>
                                    <span class="sim-tag">"シミュレーション"</span>
                                </header>
                                <div class="phone-actions">
                                    <ActForm
                                        act=act
                                        label="友だち追加"
                                        kind="follow"
                                        user=user
                                    />
                                    <ActForm
                                        act=act
                                        label="ブロック"
                                        kind="unfollow"
                                        user=user
                                    />
                                </div>
                                <ol class="chat" data-testid="chat">
                                    <Transition fallback=|| ()>
                                        {move || {
                                            let bubbles = chat
                                                .get()
                                                .and_then(Result::ok)
                                                .unwrap_or_default();
                                            let last = bubbles.last().cloned();
                                            let quick = last
                                                .filter(|b| !b.from_friend)
                                                .map(|b| quick_replies(&b.message))
                                                .unwrap_or_default();
                                            view! {
                                                {bubbles
                                                    .into_iter()
                                                    .map(|b| view! { <Bubble bubble=b act=act user=user /> })
                                                    .collect_view()}
                                                {(!quick.is_empty())
                                                    .then(|| {
                                                        view! {
                                                            <li class="quick-replies">
                                                                {quick
                                                                    .into_iter()
                                                                    .map(|(label, action)| {
                                                                        view! {
                                                                            <ActionButton act=act user=user label=label action=action />
                                                                        }
                                                                    })
                                                                    .collect_view()}
                                                            </li>
                                                        }
                                                    })}
                                            }
                                        }}
                                    </Transition>
                                </ol>
                                <ActionForm action=act attr:class="phone-input">
                                    <input
                                        type="hidden"
                                        name="channel"
                                        value=move || channel.key.get()
                                    />
                                    <input type="hidden" name="user_id" value=move || user.get() />
                                    <input type="hidden" name="act" value="text" />
                                    <label class="visually-hidden" for="sim-text">
                                        "メッセージ"
                                    </label>
                                    <input
                                        id="sim-text"
                                        name="text"
                                        required
                                        maxlength=MAX_TEXT_LENGTH
                                        placeholder="メッセージを入力"
                                    />
                                    <button type="submit" class="button primary">
                                        "送信"
                                    </button>
                                </ActionForm>
                            </section>
                        }
                    })
            }}
        </div>
    }
}

#[component]
fn ActForm(
    act: ServerAction<SimAct>,
    label: &'static str,
    kind: &'static str,
    user: Signal<String>,
) -> impl IntoView {
    let channel = use_channel();
    view! {
        <ActionForm action=act>
            <input type="hidden" name="channel" value=move || channel.key.get() />
            <input type="hidden" name="user_id" value=move || user.get() />
            <input type="hidden" name="act" value=kind />
            <button type="submit" class="button ghost">
                {label}
            </button>
        </ActionForm>
    }
}

/// A button of a template or quick reply: tapping it sends the action as the friend.
#[component]
fn ActionButton(
    act: ServerAction<SimAct>,
    user: Signal<String>,
    label: String,
    action: String,
) -> impl IntoView {
    let channel = use_channel();
    view! {
        <ActionForm action=act attr:class="inline">
            <input type="hidden" name="channel" value=move || channel.key.get() />
            <input type="hidden" name="user_id" value=move || user.get() />
            <input type="hidden" name="act" value="action" />
            <input type="hidden" name="action" value=action />
            <button type="submit" class="button small">
                {label}
            </button>
        </ActionForm>
    }
}

#[component]
fn Bubble(bubble: ChatBubble, act: ServerAction<SimAct>, user: Signal<String>) -> impl IntoView {
    let m = &bubble.message;
    let text = |p: &str| {
        m.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let kind = text("/type");
    let body = match kind.as_str() {
        "text" | "textV2" => view! { <p class="text">{text("/text")}</p> }.into_any(),
        "image" => {
            view! { <img src=text("/previewImageUrl") alt="画像" loading="lazy" width="200" /> }
                .into_any()
        }
        "sticker" => view! { <p class="placeholder">"［スタンプ］"</p> }.into_any(),
        "postback" => view! { <p class="text">{text("/displayText")}</p> }.into_any(),
        "template" => {
            let buttons = template_actions(m);
            view! {
                <p class="text">{text("/template/text")}</p>
                <div class="template-buttons">
                    {buttons
                        .into_iter()
                        .map(|(label, action)| {
                            view! { <ActionButton act=act user=user label=label action=action /> }
                        })
                        .collect_view()}
                </div>
            }
            .into_any()
        }
        "flex" => view! { <p class="placeholder">{format!("［Flex］{}", text("/altText"))}</p> }
            .into_any(),
        other => view! { <p class="placeholder">{format!("［{other}］")}</p> }.into_any(),
    };
    let class = if bubble.from_friend {
        "bubble from-friend"
    } else {
        "bubble from-account"
    };
    view! {
        <li class=class data-kind=kind>
            {body}
            <time>{bubble.time}</time>
        </li>
    }
}

/// Label and JSON of each action of a template message (buttons, confirm, or carousel columns).
fn template_actions(m: &Value) -> Vec<(String, String)> {
    let mut actions: Vec<&Value> = Vec::new();
    if let Some(list) = m.pointer("/template/actions").and_then(Value::as_array) {
        actions.extend(list);
    }
    if let Some(columns) = m.pointer("/template/columns").and_then(Value::as_array) {
        for c in columns {
            if let Some(list) = c.get("actions").and_then(Value::as_array) {
                actions.extend(list);
            }
            if let Some(a) = c.get("action") {
                actions.push(a);
            }
        }
    }
    actions.into_iter().map(labelled).collect()
}

fn quick_replies(m: &Value) -> Vec<(String, String)> {
    m.pointer("/quickReply/items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.get("action"))
                .map(labelled)
                .collect()
        })
        .unwrap_or_default()
}

fn labelled(action: &Value) -> (String, String) {
    let label = action
        .get("label")
        .and_then(Value::as_str)
        .unwrap_or("（ラベルなし）")
        .to_owned();
    (label, action.to_string())
}

use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use line::message::{Action, Message};
use line::validate::MAX_TEXT_LENGTH;
use serde_json::Value;

use crate::api::{
    ChatBubble, SimAct, SimActKind, SimCreateFriend, SimRichMenuView, SimTapEffect, SimTapRichMenu,
    sim_chat, sim_friends, sim_open_rich_menu, sim_rich_menu,
};
use crate::components::{
    AccountMessage, ChannelBar, PreviewAccount, QuickReplyBar, RichMenuPreview, UnsupportedMessage,
};
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
    let tap = ServerAction::<SimTapRichMenu>::new();
    // Anything the friend did: their list, chat and menu may have changed.
    let acted = move || (act.version().get(), tap.version().get());
    let friends = Resource::new(
        move || (channel.key.get(), create.version().get(), acted()),
        |(ch, _, _)| sim_friends(ch),
    );
    let chat = Resource::new(
        move || (channel.key.get(), user.get(), acted()),
        |(ch, user, _)| async move {
            if user.is_empty() {
                Ok(Vec::new())
            } else {
                sim_chat(ch, user).await
            }
        },
    );
    let menu = Resource::new(
        move || (channel.key.get(), user.get(), acted()),
        |(ch, user, _)| async move {
            if user.is_empty() {
                Ok(None)
            } else {
                sim_rich_menu(ch, user).await
            }
        },
    );
    // The account answers through the workers, a moment after the action, and may link another
    // menu to the friend: keep the chat and the menu fresh.
    Effect::new(move || {
        let refresh = move || {
            chat.refetch();
            menu.refetch();
        };
        if let Ok(handle) = set_interval_with_handle(refresh, Duration::from_millis(800)) {
            on_cleanup(move || handle.clear());
        }
    });
    // The menu as last fetched; a refetch that brings the same menu changes nothing on screen.
    let shown = Memo::new(move |_| menu.get().and_then(Result::ok).flatten());
    // What the friend did last: a tap on the menu, or a form or button of the chat.
    let tapped_last = RwSignal::new(false);
    Effect::new(move || {
        if act.input().with(Option::is_some) {
            tapped_last.set(false);
        }
    });
    let outcome = move || {
        if tapped_last.get() {
            tap.value().get()
        } else {
            act.value().get()
        }
    };
    let error = move || {
        outcome()
            .and_then(Result::err)
            .or_else(|| create.value().get().and_then(Result::err))
            .map(|e| e.to_string())
    };
    let delivery = move || outcome().and_then(Result::ok).flatten();
    // Taps in the received messages are sent as the simulated friend, with the message they
    // are in (LINE counts a link's click per message). A link also opens, as in LINE's
    // browser: through the delivery's tracked address, which counts it on our side.
    let send_from = Callback::new(move |(action, message_id): (Action, Option<String>)| {
        if let Action::Uri { uri, .. } = &action {
            open_link(uri, &channel.key.get_untracked(), &user.get_untracked());
        }
        act.dispatch(SimAct {
            channel: channel.key.get_untracked(),
            user_id: user.get_untracked(),
            act: SimActKind::Action,
            text: None,
            action: serde_json::to_string(&action).ok(),
            message_id,
        });
    });
    let send = Callback::new(move |action: Action| send_from.run((action, None)));
    let menu_open = RwSignal::new(false);
    // Set by a tab's tap: the next menu is that tab, which LINE shows open.
    let switching_tab = StoredValue::new(false);
    // A menu that comes on screen (another friend, a new link or default) opens as its
    // `selected` says, as LINE shows it when the chat is opened.
    Effect::new(move |previous: Option<(String, Option<String>)>| {
        let now = shown.with(|m| m.as_ref().map(|m| (m.rich_menu_id.clone(), m.selected)));
        let key = (user.get(), now.as_ref().map(|(id, _)| id.clone()));
        if previous.as_ref() != Some(&key) {
            if let Some((_, selected)) = now {
                menu_open.set(switching_tab.get_value() || selected);
            }
            switching_tab.set_value(false);
        }
        key
    });
    // Each time the friend sees the menu open is an impression in the menu's statistics.
    Effect::new(move |previous: Option<Option<(String, String)>>| {
        let seen = menu_open
            .get()
            .then(|| shown.with(|m| m.as_ref().map(|m| m.rich_menu_id.clone())))
            .flatten()
            .map(|id| (user.get(), id));
        if let Some((user_id, rich_menu_id)) = seen.clone()
            && previous.flatten() != seen
        {
            let channel = channel.key.get_untracked();
            leptos::task::spawn_local(async move {
                // Only a count: the panel shows the menu whether or not it was counted.
                let _ = sim_open_rich_menu(channel, user_id, rich_menu_id).await;
            });
        }
        seen
    });
    let tap_area = Callback::new(move |index: usize| {
        let Some(menu) = shown.get_untracked() else {
            return;
        };
        let Some(area) = menu.areas.get(index) else {
            return;
        };
        let (ch, user_id) = (channel.key.get_untracked(), user.get_untracked());
        match &area.effect {
            SimTapEffect::OpenLink(uri) => open_link(uri, &ch, &user_id),
            SimTapEffect::SwitchTab => switching_tab.set_value(true),
            SimTapEffect::CloseMenu => menu_open.set(false),
            SimTapEffect::OpenKeyboard => {
                menu_open.set(false);
                focus_text_input();
            }
            SimTapEffect::None => {}
        }
        tapped_last.set(true);
        tap.dispatch(SimTapRichMenu {
            channel: ch,
            user_id,
            rich_menu_id: menu.rich_menu_id,
            area: index,
        });
    });
    // The quick replies of the last message, when the account sent it.
    let quick = Memo::new(move |_| {
        chat.with(|c| {
            c.as_ref()
                .and_then(|r| r.as_ref().ok())
                .and_then(|bubbles| bubbles.last())
                .filter(|b| !b.from_friend)
                .and_then(|b| serde_json::from_value::<Message>(b.message.clone()).ok())
                .and_then(|m| m.quick_reply().cloned())
        })
    });
    PreviewAccount::provide(
        Signal::derive(move || channel.current().map(|c| c.name).unwrap_or_default()),
        Signal::derive(|| None),
    );

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
                            <div class="sim-phone-column">
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
                                    <ol class="chat lp-chat" data-testid="chat">
                                        <Transition fallback=|| ()>
                                            <For
                                                each=move || {
                                                    let bubbles = chat
                                                        .get()
                                                        .and_then(Result::ok)
                                                        .unwrap_or_default();
                                                    let mut previous: Option<Option<Value>> = None;
                                                    bubbles
                                                        .into_iter()
                                                        .map(|b| {
                                                            let sender = (!b.from_friend)
                                                                .then(|| b.message.get("sender").cloned());
                                                            let continued = sender.is_some() && previous == sender;
                                                            previous = sender;
                                                            (b, continued)
                                                        })
                                                        .collect::<Vec<_>>()
                                                }
                                                key=|(b, continued)| (b.id.clone(), *continued)
                                                children=move |(b, continued)| {
                                                    view! {
                                                        <ChatItem bubble=b continued=continued send=send_from />
                                                    }
                                                }
                                            />
                                            {move || {
                                                quick
                                                    .get()
                                                    .map(|q| {
                                                        view! {
                                                            <li class="lp-item">
                                                                <QuickReplyBar items=q.items on_action=send />
                                                            </li>
                                                        }
                                                    })
                                            }}
                                        </Transition>
                                    </ol>
                                    <ActionForm action=act attr:class="phone-input">
                                        <input
                                            type="hidden"
                                            name="channel"
                                            value=move || channel.key.get()
                                        />
                                        <input
                                            type="hidden"
                                            name="user_id"
                                            value=move || user.get()
                                        />
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
                                    <Transition fallback=|| ()>
                                        <Show
                                            when=move || {
                                                menu.get().and_then(Result::ok).flatten().is_some()
                                            }
                                            fallback=|| {
                                                view! {
                                                    <p class="hint sim-no-menu" data-testid="no-rich-menu">
                                                        "リッチメニューは設定されていません"
                                                    </p>
                                                }
                                            }
                                        >
                                            <FriendRichMenu
                                                shown=shown
                                                open=menu_open
                                                on_tap=tap_area
                                            />
                                        </Show>
                                    </Transition>
                                </section>
                                <Transition fallback=|| ()>
                                    <Show when=move || {
                                        menu.get().and_then(Result::ok).flatten().is_some()
                                    }>
                                        <RichMenuNotes shown=shown />
                                    </Show>
                                </Transition>
                            </div>
                        }
                    })
            }}
        </div>
    }
}

/// Opens a tapped link in a new tab, as LINE opens it in its browser (web links only).
/// Opens a link as LINE would for the simulated friend: a LIFF link (a survey) opens our LIFF
/// page signed in as them (`/admin/simulator/liff` mints their ID token in the sandbox), any
/// other web link in a new tab.
fn open_link(uri: &str, channel: &str, user: &str) {
    #[cfg(feature = "hydrate")]
    {
        let lower = uri.to_ascii_lowercase();
        if line::links::is_liff_url(uri) {
            let target = format!(
                "/admin/simulator/liff{}",
                crate::components::query_string(&[
                    ("ch", channel.to_owned()),
                    ("user", user.to_owned()),
                    ("url", uri.to_owned()),
                ])
            );
            let _ = window().open_with_url_and_target(&target, "_blank");
        } else if lower.starts_with("https://") || lower.starts_with("http://") {
            let _ = window().open_with_url_and_target(uri, "_blank");
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (uri, channel, user);
}

/// Puts the cursor in the message field, as LINE opens the keyboard for `openKeyboard`.
fn focus_text_input() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(input) = document()
            .get_element_by_id("sim-text")
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = input.focus();
        }
    }
}

/// The friend's rich menu at the bottom of the phone, as LINE draws it.
#[component]
fn FriendRichMenu(
    shown: Memo<Option<SimRichMenuView>>,
    open: RwSignal<bool>,
    on_tap: Callback<usize>,
) -> impl IntoView {
    let image_src =
        Signal::derive(move || shown.with(|m| m.as_ref().and_then(|m| m.image_url.clone())));
    let size = Signal::derive(move || {
        shown.with(|m| m.as_ref().map_or((2500, 1686), |m| (m.width, m.height)))
    });
    let areas = Signal::derive(move || {
        shown.with(|m| {
            m.as_ref()
                .map(|m| {
                    m.areas
                        .iter()
                        .map(|a| (a.bounds, a.label.clone()))
                        .collect()
                })
                .unwrap_or_default()
        })
    });
    let chat_bar_text = Signal::derive(move || {
        shown.with(|m| {
            m.as_ref()
                .map(|m| m.chat_bar_text.clone())
                .unwrap_or_default()
        })
    });
    view! {
        <div class="sim-rich-menu" data-testid="rich-menu">
            <RichMenuPreview
                image_src=image_src
                size=size
                areas=areas
                chat_bar_text=chat_bar_text
                open=open
                on_tap=on_tap
            />
        </div>
    }
}

/// For staff, beside the phone: why the friend sees this menu and what each area does.
#[component]
fn RichMenuNotes(shown: Memo<Option<SimRichMenuView>>) -> impl IntoView {
    move || {
        shown.get().map(|m| {
            let areas = m
                .areas
                .into_iter()
                .enumerate()
                .map(|(i, a)| {
                    let label = if a.label.trim().is_empty() {
                        format!("エリア{}", i + 1)
                    } else {
                        a.label
                    };
                    view! {
                        <li>
                            <span class="sim-menu-label">{label}</span>
                            "："
                            {a.description}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="sim-menu-notes" aria-labelledby="sim-menu-title">
                    <h2 id="sim-menu-title">"リッチメニュー"</h2>
                    <p data-testid="rich-menu-source">
                        {format!("{}のメニュー（{}）", m.source.label_ja(), m.rich_menu_id)}
                    </p>
                    <ol class="sim-menu-areas">{areas}</ol>
                </section>
            }
        })
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

/// One entry of the chat: what the friend wrote (right, as before) or what the account sent,
/// drawn by the LINE preview with its buttons sending taps as the friend.
#[component]
fn ChatItem(
    bubble: ChatBubble,
    continued: bool,
    send: Callback<(Action, Option<String>)>,
) -> impl IntoView {
    let message_id = bubble.sent_message_id.clone();
    let send = Callback::new(move |action: Action| send.run((action, message_id.clone())));
    let m = &bubble.message;
    let text = |p: &str| {
        m.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let kind = text("/type");
    if !bubble.from_friend {
        let body = match serde_json::from_value::<Message>(bubble.message.clone()) {
            Ok(message) => view! {
                <AccountMessage
                    message=message
                    on_action=send
                    time=bubble.time.clone()
                    continued=continued
                />
            }
            .into_any(),
            Err(_) => view! { <UnsupportedMessage kind=kind.clone() time=bubble.time.clone() /> }
                .into_any(),
        };
        return view! {
            <li class="lp-item from-account" data-kind=kind>
                {body}
            </li>
        }
        .into_any();
    }
    let body = match kind.as_str() {
        "text" | "textV2" => view! { <p class="text">{text("/text")}</p> }.into_any(),
        "image" => {
            view! { <img src=text("/previewImageUrl") alt="画像" loading="lazy" width="200" /> }
                .into_any()
        }
        "sticker" => view! { <p class="placeholder">"［スタンプ］"</p> }.into_any(),
        "postback" => view! { <p class="text">{text("/displayText")}</p> }.into_any(),
        other => view! { <p class="placeholder">{format!("［{other}］")}</p> }.into_any(),
    };
    view! {
        <li class="bubble from-friend" data-kind=kind>
            {body}
            <time>{bubble.time}</time>
        </li>
    }
    .into_any()
}

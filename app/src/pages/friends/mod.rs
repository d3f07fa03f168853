use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::{use_params_map, use_query_map};
use model::status::FriendStatus;

use crate::api::{FriendRow, friend_detail, list_friends};
use crate::components::{AsyncView, ChannelBar, DataTable};
use crate::layout::use_channel;

/// 友だち: everyone who added the account, searchable by name, status and follow date.
#[component]
pub fn FriendsPage() -> impl IntoView {
    let channel = use_channel();
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let list = Resource::new(
        move || {
            (
                channel.key.get(),
                param("name"),
                param("status"),
                param("from"),
                param("to"),
                param("page").and_then(|p| p.parse::<u64>().ok()),
            )
        },
        |(ch, name, status, from, to, page)| list_friends(ch, name, status, from, to, page),
    );
    let status = move || param("status").unwrap_or_default();

    view! {
        <Title text="友だち" />
        <h1>"友だち"</h1>
        <ChannelBar />
        <Form method="GET" action="" attr:class="filters" attr:role="search">
            <input type="hidden" name="ch" value=move || channel.key.get() />
            <div class="field">
                <label for="f-name">"名前"</label>
                <input
                    id="f-name"
                    name="name"
                    type="search"
                    maxlength="100"
                    value=move || param("name").unwrap_or_default()
                />
            </div>
            <div class="field">
                <label for="f-status">"状態"</label>
                <select id="f-status" name="status">
                    <option value="" selected=move || status().is_empty()>
                        "すべて"
                    </option>
                    {FriendStatus::ALL
                        .iter()
                        .map(|&s| {
                            view! {
                                <option value=s.key() selected=move || status() == s.key()>
                                    {s.label_ja()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-from">"友だち追加日（から）"</label>
                <input
                    id="f-from"
                    name="from"
                    type="date"
                    value=move || param("from").unwrap_or_default()
                />
            </div>
            <div class="field">
                <label for="f-to">"（まで）"</label>
                <input
                    id="f-to"
                    name="to"
                    type="date"
                    value=move || param("to").unwrap_or_default()
                />
            </div>
            <button type="submit" class="button">
                "検索"
            </button>
        </Form>
        <AsyncView resource=list let:page>
            {{
                let ch = channel.key.get();
                view! {
                    <p class="summary" data-testid="friend-summary">
                        {format!(
                            "該当 {} 人（友だち {} 人・ブロック {} 人）",
                            page.total,
                            page.following,
                            page.blocked,
                        )}
                    </p>
                    <DataTable
                        test_id="friends"
                        headings=&["名前", "状態", "友だち追加", "ブロック"]
                    >
                        {page
                            .friends
                            .into_iter()
                            .map(|f| view! { <FriendLine friend=f ch=ch.clone() /> })
                            .collect_view()}
                    </DataTable>
                    {(page.total == 0)
                        .then(|| {
                            view! { <p class="hint">"該当する友だちはいません。"</p> }
                        })}
                    <p class="hint">{format!("{} / {} ページ", page.page + 1, page.pages)}</p>
                }
                    .into_any()
            }}
        </AsyncView>
    }
}

#[component]
fn FriendLine(friend: FriendRow, ch: String) -> impl IntoView {
    let status = if friend.following {
        "友だち"
    } else {
        "ブロック"
    };
    view! {
        <tr data-user=friend.line_user_id.clone()>
            <td>
                <A href=format!("/admin/friends/{}?ch={ch}", friend.id)>{friend.display_name}</A>
            </td>
            <td>
                <span class=if friend.following {
                    "status ok"
                } else {
                    "status blocked"
                }>{status}</span>
            </td>
            <td>{friend.followed_at}</td>
            <td>{friend.blocked_at.unwrap_or_default()}</td>
        </tr>
    }
}

/// A friend's profile and the events LINE delivered from them.
#[component]
pub fn FriendDetailPage() -> impl IntoView {
    let channel = use_channel();
    let params = use_params_map();
    let detail = Resource::new(
        move || {
            (
                channel.key.get(),
                params.read().get("id").and_then(|i| i.parse::<i64>().ok()),
            )
        },
        |(ch, id)| async move {
            match id {
                Some(id) => friend_detail(ch, id).await,
                None => Err(crate::api::AppError::NotFound(
                    "この友だちは見つかりません。".into(),
                )),
            }
        },
    );
    view! {
        <Title text="友だちの詳細" />
        <p>
            <A href=move || {
                format!("/admin/friends?ch={}", channel.key.get())
            }>"← 友だち一覧"</A>
        </p>
        <AsyncView resource=detail let:d>
            {{
                let f = d.friend;
                view! {
                    <h1>{f.display_name.clone()}</h1>
                    <dl class="profile" data-testid="friend-profile">
                        <dt>"状態"</dt>
                        <dd>{if f.following { "友だち" } else { "ブロック" }}</dd>
                        <dt>"LINE ユーザー ID"</dt>
                        <dd>
                            <code>{f.line_user_id}</code>
                        </dd>
                        <dt>"ステータスメッセージ"</dt>
                        <dd>{f.status_message.unwrap_or_default()}</dd>
                        <dt>"言語"</dt>
                        <dd>{f.language.unwrap_or_default()}</dd>
                        <dt>"初回の友だち追加"</dt>
                        <dd>{f.first_followed_at}</dd>
                        <dt>"最新の友だち追加"</dt>
                        <dd>{f.followed_at}</dd>
                        <dt>"ブロック"</dt>
                        <dd>{f.blocked_at.unwrap_or_else(|| "—".into())}</dd>
                    </dl>
                    <h2>"受信したイベント"</h2>
                    <DataTable
                        test_id="friend-events"
                        headings=&["日時", "種類", "内容", "処理"]
                    >
                        {d
                            .events
                            .into_iter()
                            .map(|e| {
                                view! {
                                    <tr>
                                        <td>{e.occurred_at}</td>
                                        <td>{event_label(&e.event_type)}</td>
                                        <td>{e.summary}</td>
                                        <td>{e.status.label_ja()}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </DataTable>
                }
                    .into_any()
            }}
        </AsyncView>
    }
}

fn event_label(t: &str) -> String {
    match t {
        "follow" => "友だち追加".into(),
        "unfollow" => "ブロック".into(),
        "message" => "メッセージ".into(),
        "postback" => "ボタン操作".into(),
        other => other.to_owned(),
    }
}

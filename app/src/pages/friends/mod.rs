//! 友だち: the list (filtered by name, status, follow date and attributes, and exported as
//! CSV), each friend's detail with their 属性, and the attribute settings and CSV import.

mod attributes;
mod import;
mod values;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::{use_params_map, use_query_map};
use model::status::FriendStatus;

use crate::api::{
    AppError, FilterGroup, FriendRow, SaveFriendAttributes, attribute_filters,
    friend_attribute_values, friend_detail, list_friends,
};
use crate::components::{AsyncView, ChannelBar, DataTable, query_string};
use crate::layout::use_channel;

pub use attributes::{FriendAttributePage, FriendAttributesPage};
pub use import::{FriendImportPage, FriendImportReportPage};
use values::FriendAttributesSection;

/// How many attribute conditions the list's filter offers.
const ATTRIBUTE_FILTERS: usize = 2;

/// Counts the successes of an action (from its `value()`), so that what it changed is read
/// again after each success but not after a failure, which would also reset the form whose
/// error is shown.
pub(super) fn successes<T>(value: impl Into<Signal<Option<Result<T, AppError>>>>) -> Memo<usize>
where
    T: Send + Sync + 'static,
{
    let value = value.into();
    Memo::new(move |before: Option<&usize>| {
        let count = before.copied().unwrap_or(0);
        if value.with(|v| matches!(v, Some(Ok(_)))) {
            count + 1
        } else {
            count
        }
    })
}

/// Empties `form` after each new success counted by `count` (see [`successes`]): what was typed
/// is then saved, and the fields show what the page reads again (a form's fields keep what was
/// typed when the page only updates their `value` attributes).
pub(super) fn reset_after(form: NodeRef<leptos::html::Form>, count: Memo<usize>) {
    Effect::new(move |before: Option<usize>| {
        let now = count.get();
        if before.is_some_and(|b| b != now)
            && let Some(form) = form.get_untracked()
        {
            form.reset();
        }
        now
    });
}

/// 友だち: everyone who added the account, searchable by name, status and follow date.
#[component]
pub fn FriendsPage() -> impl IntoView {
    let channel = use_channel();
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    // Every `attributes` value in order, empty ones included: the n-th select shows the n-th.
    let chosen = move || query.read().get_all("attributes").unwrap_or_default();
    let attributes = move || {
        chosen()
            .into_iter()
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
    };
    let list = Resource::new(
        move || {
            (
                channel.key.get(),
                param("name"),
                param("status"),
                param("from"),
                param("to"),
                param("page").and_then(|p| p.parse::<u64>().ok()),
                attributes(),
            )
        },
        |(ch, name, status, from, to, page, attributes)| {
            list_friends(ch, name, status, from, to, page, attributes)
        },
    );
    let filter_groups = Resource::new(|| (), |_| attribute_filters());
    let status = move || param("status").unwrap_or_default();
    // The CSV export of the list as filtered now.
    let export = move |encoding: &str| {
        let mut pairs: Vec<(&str, String)> = vec![
            ("channel", channel.key.get()),
            ("encoding", encoding.to_owned()),
            ("name", param("name").unwrap_or_default()),
            ("status", param("status").unwrap_or_default()),
            ("followed_from", param("from").unwrap_or_default()),
            ("followed_to", param("to").unwrap_or_default()),
        ];
        pairs.extend(attributes().into_iter().map(|t| ("attributes", t)));
        format!("/admin/friends/export.csv{}", query_string(&pairs))
    };

    view! {
        <Title text="友だち" />
        <h1>"友だち"</h1>
        <ChannelBar />
        <p class="toolbar">
            <A
                href=move || format!("/admin/friends/attributes?ch={}", channel.key.get())
                attr:class="button ghost"
            >
                "属性の設定"
            </A>
            <A
                href=move || format!("/admin/friends/import?ch={}", channel.key.get())
                attr:class="button ghost"
            >
                "CSV 取込"
            </A>
            <a
                class="button ghost"
                rel="external"
                download=""
                data-testid="export-utf8"
                href=move || export("utf8")
            >
                "CSV 出力（UTF-8）"
            </a>
            <a
                class="button ghost"
                rel="external"
                download=""
                data-testid="export-sjis"
                href=move || export("sjis")
            >
                "CSV 出力（Shift_JIS）"
            </a>
        </p>
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
            <Transition fallback=|| ()>
                {move || {
                    filter_groups
                        .get()
                        .and_then(Result::ok)
                        .filter(|groups| !groups.is_empty())
                        .map(|groups| {
                            (0..ATTRIBUTE_FILTERS)
                                .map(|n| {
                                    let selected = Signal::derive(move || {
                                        chosen().get(n).cloned().unwrap_or_default()
                                    });
                                    view! { <AttributeFilter n groups=groups.clone() selected /> }
                                })
                                .collect_view()
                        })
                }}
            </Transition>
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
                            "該当 {} 人（このチャネル全体では 友だち {} 人・ブロック {} 人）",
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

/// The `n`-th 「属性で絞り込み」 select: its options grouped by attribute.
#[component]
fn AttributeFilter(n: usize, groups: Vec<FilterGroup>, selected: Signal<String>) -> impl IntoView {
    let id = format!("f-attribute-{}", n + 1);
    view! {
        <div class="field">
            <label for=id.clone()>{format!("属性で絞り込み（{}）", n + 1)}</label>
            <select id=id name="attributes">
                <option value="" selected=move || selected.get().is_empty()>
                    "指定しない"
                </option>
                {groups
                    .into_iter()
                    .map(|(group, choices)| {
                        view! {
                            <optgroup label=group>
                                {choices
                                    .into_iter()
                                    .map(|(token, label)| {
                                        let value = token.clone();
                                        view! {
                                            <option
                                                value=token
                                                selected=move || selected.get() == value
                                            >
                                                {label}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </optgroup>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
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
                None => Err(AppError::NotFound("この友だちは見つかりません。".into())),
            }
        },
    );
    let save = ServerAction::<SaveFriendAttributes>::new();
    let saved = successes(save.value());
    let form = NodeRef::new();
    reset_after(form, saved);
    let values = Resource::new(
        move || {
            (
                channel.key.get(),
                params.read().get("id").and_then(|i| i.parse::<i64>().ok()),
                saved.get(),
            )
        },
        |(ch, id, _)| async move {
            match id {
                Some(id) => friend_attribute_values(ch, id).await,
                None => Err(AppError::NotFound("この友だちは見つかりません。".into())),
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
                        <dt>"リッチメニュー"</dt>
                        <dd data-testid="friend-rich-menu">
                            {d.rich_menu.unwrap_or_else(|| "表示していません".into())}
                        </dd>
                    </dl>
                    <FriendAttributesSection
                        values
                        save
                        form
                        ch=channel.key.get_untracked()
                        friend_id=f.id
                    />
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

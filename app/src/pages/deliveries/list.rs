//! `/admin/deliveries`: the list with its filters (in the URL: `status`, `department`,
//! `channel`, `q`, `page`), or its calendar (`?view=calendar&month=YYYY-MM`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;
use model::status::DeliveryStatus;

use super::calendar::DeliveryCalendarView;
use super::{EnvBadge, StatusBadge};
use crate::api::{DeliveryRowView, delivery_filters, list_deliveries};
use crate::components::{AsyncView, DataTable, Pager, RedirectNotice};

/// The list's filters, in the order the form sends them.
const FILTERS: [&str; 4] = ["status", "department", "channel", "q"];

#[component]
pub fn DeliveriesPage() -> AnyView {
    let query = use_query_map();
    let calendar = move || query.read().get("view").as_deref() == Some("calendar");
    let choices = Resource::new(|| (), |_| delivery_filters());
    let can_edit = move || {
        choices
            .get()
            .and_then(Result::ok)
            .is_some_and(|c| c.can_edit)
    };
    view! {
        <Title text="配信" />
        <h1>"配信"</h1>
        <p class="hint lead">
            "友だちにメッセージを配信します。配信対象・配信日時を決め、テスト配信で確かめてから予約または送信します。表示されるのは担当部署の配信だけです。"
        </p>
        <Transition fallback=|| ()>
            {move || {
                can_edit()
                    .then(|| {
                        view! {
                            <p class="toolbar">
                                <A
                                    href="/admin/deliveries/new"
                                    attr:class="button primary"
                                    attr:data-testid="new-delivery"
                                >
                                    "新規作成"
                                </A>
                            </p>
                        }
                    })
            }}
        </Transition>
        <RedirectNotice param="deleted" text="配信を削除しました。" />
        <nav class="tabs" aria-label="配信の表示方法">
            <A
                href="/admin/deliveries"
                attr:class=move || if calendar() { "tab" } else { "tab current" }
                attr:aria-current=move || (!calendar()).then_some("page")
            >
                "一覧"
            </A>
            " "
            <A
                href="/admin/deliveries?view=calendar"
                attr:class=move || if calendar() { "tab current" } else { "tab" }
                attr:aria-current=move || calendar().then_some("page")
                attr:data-testid="calendar-tab"
            >
                "カレンダー"
            </A>
            " "
            <A href="/admin/deliveries/history" attr:class="tab" attr:data-testid="history-tab">
                "配信履歴"
            </A>
        </nav>
        {move || {
            if calendar() {
                view! { <DeliveryCalendarView /> }.into_any()
            } else {
                view! { <DeliveryTable choices /> }.into_any()
            }
        }}
    }
    .into_any()
}

#[component]
fn DeliveryTable(
    choices: Resource<Result<crate::api::DeliveryFilterChoices, crate::api::AppError>>,
) -> AnyView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let list = Resource::new(
        move || {
            (
                param("status"),
                param("department").and_then(|d| d.parse::<i64>().ok()),
                param("channel"),
                param("q"),
                param("page").and_then(|p| p.parse::<u64>().ok()),
            )
        },
        |(status, department, channel, q, page)| {
            list_deliveries(status, department, channel, q, page)
        },
    );
    let filters = move || -> Vec<(&'static str, String)> {
        FILTERS
            .iter()
            .map(|k| (*k, param(k).unwrap_or_default()))
            .collect()
    };
    let filtered = move || FILTERS.iter().any(|k| param(k).is_some());
    let status = move || param("status").unwrap_or_default();
    let department = move || param("department").unwrap_or_default();
    let channel = move || param("channel").unwrap_or_default();
    view! {
        <Form method="GET" action="" attr:class="filters" attr:role="search">
            <div class="field">
                <label for="f-status">"状態"</label>
                <select id="f-status" name="status">
                    <option value="" selected=move || status().is_empty()>
                        "すべて"
                    </option>
                    {DeliveryStatus::ALL
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
            <Transition fallback=|| ()>
                {move || {
                    choices
                        .get()
                        .and_then(Result::ok)
                        .map(|c| {
                            view! {
                                <div class="field">
                                    <label for="f-department">"部署"</label>
                                    <select id="f-department" name="department">
                                        <option value="" selected=move || department().is_empty()>
                                            "すべて"
                                        </option>
                                        {c
                                            .departments
                                            .into_iter()
                                            .map(|d| {
                                                let value = d.id.to_string();
                                                let v = value.clone();
                                                view! {
                                                    <option value=value selected=move || department() == v>
                                                        {d.name}
                                                    </option>
                                                }
                                            })
                                            .collect_view()}
                                    </select>
                                </div>
                                <div class="field">
                                    <label for="f-channel">"チャネル"</label>
                                    <select id="f-channel" name="channel">
                                        <option value="" selected=move || channel().is_empty()>
                                            "すべて"
                                        </option>
                                        {c
                                            .channels
                                            .into_iter()
                                            .map(|ch| {
                                                let label = format!("{}（{}）", ch.name, ch.env_label());
                                                let v = ch.key.clone();
                                                view! {
                                                    <option value=ch.key selected=move || channel() == v>
                                                        {label}
                                                    </option>
                                                }
                                            })
                                            .collect_view()}
                                    </select>
                                </div>
                            }
                        })
                }}
            </Transition>
            <div class="field">
                <label for="f-q">"件名で検索"</label>
                <input
                    id="f-q"
                    name="q"
                    type="search"
                    maxlength="100"
                    value=move || param("q").unwrap_or_default()
                />
            </div>
            <button type="submit" class="button">
                "絞り込む"
            </button>
            {move || {
                filtered()
                    .then(|| {
                        view! {
                            <A href="/admin/deliveries" attr:class="button ghost">
                                "条件をクリア"
                            </A>
                        }
                    })
            }}
        </Form>
        <AsyncView resource=list let:page>
            {if page.total == 0 {
                if filtered() {
                    view! {
                        <p class="hint" data-testid="deliveries-empty">
                            "条件に当てはまる配信はありません。条件を変えるか、「条件をクリア」で全件を表示してください。"
                        </p>
                    }
                        .into_any()
                } else {
                    view! {
                        <p class="hint" data-testid="deliveries-empty">
                            "配信はまだありません。「新規作成」から、メッセージ・配信対象・配信日時を決めて作成できます（作成には 配信 編集 の権限が必要です）。"
                        </p>
                    }
                        .into_any()
                }
            } else {
                view! {
                    <p class="summary" data-testid="delivery-summary">
                        {format!("{} 件", page.total)}
                    </p>
                    <DataTable
                        test_id="deliveries"
                        headings=&[
                            "状態",
                            "件名",
                            "部署",
                            "チャネル",
                            "配信日時",
                            "配信対象",
                            "送信数",
                        ]
                    >
                        {page
                            .rows
                            .into_iter()
                            .map(|row| view! { <DeliveryLine row /> })
                            .collect_view()}
                    </DataTable>
                    <Pager
                        base="/admin/deliveries"
                        filters=filters()
                        page=page.page
                        pages=page.pages
                    />
                }
                    .into_any()
            }}
        </AsyncView>
    }
    .into_any()
}

#[component]
fn DeliveryLine(row: DeliveryRowView) -> AnyView {
    // The next or last time, unless the timing already says it (a delivery at one time).
    let when = match (&row.next_at, &row.last_sent_at) {
        (Some(next), _) => Some(("次回", next)),
        (None, Some(sent)) => Some(("送信", sent)),
        (None, None) => None,
    }
    .filter(|(_, at)| !row.timing.contains(at.as_str()))
    .map(|(what, at)| format!("{what} {at}"));
    view! {
        <tr data-delivery=row.id>
            <td>
                <StatusBadge status=row.status />
            </td>
            <td>
                <A href=format!("/admin/deliveries/{}", row.id)>{row.title}</A>
            </td>
            <td>{row.department}</td>
            <td class="delivery-channel-cell">
                <EnvBadge environment=row.environment sandbox=row.sandbox />
                " "
                {row.channel}
            </td>
            <td>
                {row.timing} {when.map(|w| view! { <span class="hint delivery-when">{w}</span> })}
            </td>
            <td class="delivery-number">
                {row.audience.map_or_else(|| "—".to_owned(), |a| format!("{a} 人"))}
            </td>
            <td class="delivery-number">{row.sent.to_string()}</td>
        </tr>
    }
    .into_any()
}

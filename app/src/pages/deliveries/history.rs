//! `/admin/deliveries/history`: 配信履歴. Every sent run of the caller's departments with its
//! date, title, department, channel, 配信数, 開封数, 開封率, クリック数, target and status;
//! sorted by any column (the headings are links), filtered by title, department, channel,
//! status and period (all in the URL, so a filtered view can be bookmarked and the CSV gets the
//! same rows); the test sends apart, marked テスト; and each channel's aggregation unit names
//! this month.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;
use model::status::DeliveryStatus;

use super::{EnvBadge, StatusBadge};
use crate::api::{HistoryPage, HistoryQuery, delivery_history};
use crate::components::{AsyncView, Pager, query_string};

/// The filters, in the order the form sends them.
const FILTERS: [&str; 6] = ["q", "department", "channel", "status", "from", "until"];

/// The columns, every one sortable: (sort key, heading).
const COLUMNS: [(&str, &str); 10] = [
    ("sent_at", "配信日時"),
    ("title", "タイトル"),
    ("department", "部署"),
    ("channel", "チャネル"),
    ("delivered", "配信数"),
    ("opens", "開封数"),
    ("open_rate", "開封率"),
    ("clicks", "クリック数"),
    ("target", "配信対象"),
    ("status", "状態"),
];

#[component]
pub fn DeliveryHistoryPage() -> AnyView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let history = Resource::new(
        move || HistoryQuery {
            q: param("q"),
            department: param("department"),
            channel: param("channel"),
            status: param("status"),
            from: param("from"),
            until: param("until"),
            sort: param("sort"),
            order: param("order"),
            page: param("page").parse().unwrap_or(0),
        },
        delivery_history,
    );
    view! {
        <Title text="配信履歴" />
        <h1>"配信履歴"</h1>
        <p class="hint lead">
            "送信した配信と、その開封数・クリック数です。開封数は LINE の集計（20人未満は「20未満」）、クリック数はこのシステムが数えた計測リンクのタップ数です。表示されるのは担当部署の配信だけです。"
        </p>
        <nav class="tabs" aria-label="配信の表示方法">
            <A href="/admin/deliveries" attr:class="tab">
                "一覧"
            </A>
            " "
            <A href="/admin/deliveries?view=calendar" attr:class="tab">
                "カレンダー"
            </A>
            " "
            <A href="/admin/deliveries/history" attr:class="tab current" attr:aria-current="page">
                "配信履歴"
            </A>
        </nav>
        <AsyncView resource=history let:data>
            {view! { <HistoryView data /> }.into_any()}
        </AsyncView>
    }
    .into_any()
}

#[component]
fn HistoryView(data: HistoryPage) -> AnyView {
    let HistoryPage {
        rows,
        total,
        page,
        pages,
        departments,
        channels,
        tests,
        units,
    } = data;
    let query = use_query_map();
    let param = move |name: &str| query.read_untracked().get(name).unwrap_or_default();
    let filters: Vec<(&'static str, String)> = FILTERS.iter().map(|k| (*k, param(k))).collect();
    let sort = {
        let s = param("sort");
        if s.is_empty() {
            "sent_at".to_owned()
        } else {
            s
        }
    };
    let descending = param("order") != "asc";
    let with_sort = |pairs: &[(&'static str, String)], key: &str, order: &str| {
        let mut pairs = pairs.to_vec();
        pairs.push(("sort", key.to_owned()));
        pairs.push(("order", order.to_owned()));
        pairs
    };
    let mut csv_pairs = filters.clone();
    csv_pairs.push(("sort", sort.clone()));
    csv_pairs.push(("order", if descending { "desc" } else { "asc" }.to_owned()));
    let csv_href = |encoding: &str| {
        let mut pairs = csv_pairs.clone();
        pairs.push(("encoding", encoding.to_owned()));
        format!("/admin/deliveries/history.csv{}", query_string(&pairs))
    };
    let pager_filters = with_sort(&filters, &sort, if descending { "desc" } else { "asc" });
    let (status, department, channel) = (param("status"), param("department"), param("channel"));
    let filtered = FILTERS.iter().any(|k| !param(k).is_empty());
    let sort_for_form = sort.clone();
    let simulated = rows.iter().any(|r| r.simulated);
    view! {
        {units
            .iter()
            .filter(|u| u.nearly_used)
            .map(|u| {
                view! {
                    <p class="notice warning" role="note" data-testid="unit-warning">
                        {u.warning()}
                    </p>
                }
            })
            .collect_view()}
        <Form method="GET" action="" attr:class="filters" attr:role="search">
            <div class="field">
                <label for="h-q">"タイトル"</label>
                <input id="h-q" name="q" maxlength="100" value=param("q") />
            </div>
            <div class="field">
                <label for="h-department">"部署"</label>
                <select id="h-department" name="department">
                    <option value="">"すべて"</option>
                    {departments
                        .iter()
                        .map(|d| {
                            let id = d.id.to_string();
                            view! {
                                <option value=id.clone() selected=department == id>
                                    {d.name.clone()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="h-channel">"チャネル"</label>
                <select id="h-channel" name="channel">
                    <option value="">"すべて"</option>
                    {channels
                        .iter()
                        .map(|c| {
                            let id = c.id.to_string();
                            view! {
                                <option value=id.clone() selected=channel == id>
                                    {format!("{}（{}）", c.name, c.env_label())}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="h-status">"状態"</label>
                <select id="h-status" name="status">
                    <option value="">"すべて"</option>
                    {[
                        DeliveryStatus::Sending,
                        DeliveryStatus::Sent,
                        DeliveryStatus::PartlyFailed,
                        DeliveryStatus::Failed,
                        DeliveryStatus::Stopped,
                    ]
                        .into_iter()
                        .map(|s| {
                            view! {
                                <option value=s.key() selected=status == s.key()>
                                    {s.label_ja()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="h-from">"期間（から）"</label>
                <input id="h-from" name="from" type="date" value=param("from") />
            </div>
            <div class="field">
                <label for="h-until">"期間（まで）"</label>
                <input id="h-until" name="until" type="date" value=param("until") />
            </div>
            <input type="hidden" name="sort" value=sort_for_form />
            <input type="hidden" name="order" value=if descending { "desc" } else { "asc" } />
            <button type="submit" class="button">
                "絞り込む"
            </button>
            {filtered
                .then(|| {
                    view! {
                        <A href="/admin/deliveries/history" attr:class="button ghost">
                            "条件を消す"
                        </A>
                    }
                })}
        </Form>
        <p class="toolbar">
            <span class="hint" data-testid="history-total">
                {format!("{total} 件")}
            </span>
            <a
                href=csv_href("utf8")
                class="button ghost"
                rel="external"
                data-testid="history-csv"
                download
            >
                "CSV をダウンロード（UTF-8）"
            </a>
            <a
                href=csv_href("sjis")
                class="button ghost"
                rel="external"
                data-testid="history-csv-sjis"
                download
            >
                "CSV をダウンロード（Shift_JIS）"
            </a>
        </p>
        {if rows.is_empty() {
            view! {
                <p class="empty" data-testid="history-empty">
                    {if filtered {
                        "条件に合う配信はありません。条件を変えるか「条件を消す」を押してください。"
                    } else {
                        "まだ送信した配信はありません。「一覧」の「新規作成」から配信を作成して送信すると、ここに開封数・クリック数が表示されます。"
                    }}
                </p>
            }
                .into_any()
        } else {
            view! {
                <SimulatedNote shown=simulated />
                <div class="table-scroll">
                    <table class="data-table history-table" data-testid="history-table">
                        <caption class="visually-hidden">
                            "配信履歴（列の見出しを押すと並べ替えます）"
                        </caption>
                        <thead>
                            <tr>
                                {COLUMNS
                                    .iter()
                                    .map(|(key, heading)| {
                                        let current = sort == *key;
                                        let next_order = if current && descending {
                                            "asc"
                                        } else {
                                            "desc"
                                        };
                                        let href = format!(
                                            "/admin/deliveries/history{}",
                                            query_string(&with_sort(&filters, key, next_order)),
                                        );
                                        let aria_sort = current
                                            .then_some(
                                                if descending { "descending" } else { "ascending" },
                                            );
                                        let arrow = if !current {
                                            ""
                                        } else if descending {
                                            " ▼"
                                        } else {
                                            " ▲"
                                        };
                                        view! {
                                            <th scope="col" aria-sort=aria_sort>
                                                <A href=href attr:data-sort=*key>
                                                    {*heading}
                                                    {arrow}
                                                </A>
                                            </th>
                                        }
                                    })
                                    .collect_view()}
                            </tr>
                        </thead>
                        <tbody>
                            {rows
                                .into_iter()
                                .map(|r| {
                                    view! {
                                        <tr data-testid="history-row">
                                            <td>{r.sent_at.clone()}</td>
                                            <td>
                                                <A href=format!(
                                                    "/admin/deliveries/{}",
                                                    r.delivery_id,
                                                )>{r.title.clone()}</A>
                                                <SimulatedBadge simulated=r.simulated />
                                            </td>
                                            <td>{r.department.clone()}</td>
                                            <td>
                                                <EnvBadge environment=r.environment sandbox=r.sandbox />
                                                " "
                                                {r.channel.clone()}
                                            </td>
                                            <td class="number" data-col="delivered">
                                                {r.delivered}
                                            </td>
                                            <td class="number" data-col="opens">
                                                {r.opens.clone()}
                                            </td>
                                            <td class="number" data-col="open_rate">
                                                {r.open_rate.clone()}
                                            </td>
                                            <td class="number" data-col="clicks">
                                                {r.clicks.clone()}
                                            </td>
                                            <td>{r.target.clone()}</td>
                                            <td>
                                                <StatusBadge status=r.status />
                                                {r.is_final.then_some(" 確定")}
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
                <Pager
                    base="/admin/deliveries/history"
                    filters=pager_filters
                    page=page
                    pages=pages
                />
            }
                .into_any()
        }}
        <section class="panel stack" aria-labelledby="history-tests-title">
            <h2 id="history-tests-title">"テスト配信"</h2>
            <p class="hint">
                "テスト配信先だけに送ったテストです。配信数・開封数には含まれません。"
            </p>
            {if tests.is_empty() {
                view! { <p class="empty">"テスト配信はまだありません。"</p> }
                    .into_any()
            } else {
                view! {
                    <table class="data-table" data-testid="history-tests">
                        <thead>
                            <tr>
                                <th scope="col">"日時"</th>
                                <th scope="col">"タイトル"</th>
                                <th scope="col">"部署"</th>
                                <th scope="col">"送信者"</th>
                                <th scope="col">"人数"</th>
                                <th scope="col">"結果"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {tests
                                .into_iter()
                                .map(|t| {
                                    view! {
                                        <tr>
                                            <td>
                                                <span class="status test">"テスト"</span>
                                                " "
                                                {t.sent_at.clone()}
                                            </td>
                                            <td>
                                                <A href=format!(
                                                    "/admin/deliveries/{}",
                                                    t.delivery_id,
                                                )>{t.title.clone()}</A>
                                            </td>
                                            <td>{t.department.clone()}</td>
                                            <td>{t.created_by.clone()}</td>
                                            <td class="number">{t.recipients}</td>
                                            <td>{t.status.label_ja()}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
        </section>
    }
    .into_any()
}

/// What the 「シミュレーション」 of [`SimulatedBadge`] means, above a list that has one.
#[component]
pub fn SimulatedNote(shown: bool) -> impl IntoView {
    shown.then(|| {
        view! {
            <p class="simulation-banner" role="note" data-testid="simulated-note">
                "シミュレーション：サンドボックスの設定（SANDBOX_SIMULATED_AUDIENCE）により、「シミュレーション」と付いた配信の開封数・開封率には模擬の利用者の数が含まれています。"
            </p>
        }
    })
}

/// 「シミュレーション」 after a delivery whose figures include the sandbox's simulated audience
/// (配信履歴 and the dashboard).
#[component]
pub fn SimulatedBadge(simulated: bool) -> impl IntoView {
    simulated.then(|| {
        view! {
            " "
            <span class="status simulated" data-testid="simulated-row">
                "シミュレーション"
            </span>
        }
    })
}

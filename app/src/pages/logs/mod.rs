//! ログ: the login history (with the lockouts in force) and the audit log (操作ログ), each
//! filtered by period, user and result/action, paged newest first, and exported as CSV.

use leptos::prelude::*;
use model::status::LoginOutcome;

use leptos_meta::Title;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;

use crate::api::{AuditRow, LoginAttemptRow, UnlockLogin, audit_log, login_history};
use crate::components::{AsyncView, DataTable, ErrorNote, Pager, PeriodFields, query_string};

/// The query parameters both log pages filter by, in the order their forms send them.
const LOGIN_FILTERS: [&str; 4] = ["from", "until", "username", "outcome"];
const AUDIT_FILTERS: [&str; 4] = ["from", "until", "username", "action"];

#[component]
fn LogTabs(current: &'static str) -> impl IntoView {
    let tab = move |href: &'static str, label: &'static str| {
        view! {
            <A href=href attr:class=if current == href { "tab current" } else { "tab" }>
                {label}
            </A>
        }
    };
    view! {
        <nav class="tabs" aria-label="ログの種類">
            {tab("/admin/logs", "ログイン履歴")}
            " "
            {tab("/admin/logs/audit", "操作ログ")}
        </nav>
    }
}

/// ログイン履歴: every sign-in attempt, and the lockouts in force (which 管理者 may lift).
#[component]
pub fn LoginHistoryPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let unlock = ServerAction::<UnlockLogin>::new();
    let list = Resource::new(
        move || {
            (
                param("from"),
                param("until"),
                param("username"),
                param("outcome"),
                param("page").and_then(|p| p.parse::<u64>().ok()),
                unlock.version().get(),
            )
        },
        |(from, until, username, outcome, page, _)| {
            login_history(from, until, username, outcome, page)
        },
    );
    let filters = move || -> Vec<(&'static str, String)> {
        LOGIN_FILTERS
            .iter()
            .map(|k| (*k, param(k).unwrap_or_default()))
            .collect()
    };
    let outcome = move || param("outcome").unwrap_or_default();
    view! {
        <Title text="ログイン履歴" />
        <h1>"ログ"</h1>
        <LogTabs current="/admin/logs" />
        <Form method="GET" action="" attr:class="filters" attr:role="search">
            <PeriodFields />
            <div class="field">
                <label for="f-outcome">"結果"</label>
                <select id="f-outcome" name="outcome">
                    {LoginOutcome::filter_options()
                        .into_iter()
                        .map(|(value, label)| {
                            view! {
                                <option value=value selected=move || outcome() == value>
                                    {label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <button type="submit" class="button">
                "検索"
            </button>
            <a
                class="button"
                rel="external"
                download=""
                href=move || format!("/admin/logs/login.csv{}", query_string(&filters()))
            >
                "CSV 出力"
            </a>
        </Form>
        <AsyncView resource=list let:page>
            <h2>"ロック中"</h2>
            {if page.lockouts.is_empty() {
                view! {
                    <p class="hint">
                        "現在ロックされているアカウント・接続元はありません。"
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <DataTable
                        test_id="lockouts"
                        headings=&[
                            "種類",
                            "ユーザー名・接続元",
                            "ロック期限",
                            "操作",
                        ]
                    >
                        {page
                            .lockouts
                            .into_iter()
                            .map(|l| view! { <LockoutLine lock=l unlock=unlock /> })
                            .collect_view()}
                    </DataTable>
                }
                    .into_any()
            }}
            {move || {
                unlock
                    .value()
                    .get()
                    .and_then(|r| r.err())
                    .map(|error| view! { <ErrorNote error /> })
            }}
            <h2>"ログイン履歴"</h2>
            <p class="summary">{format!("該当 {} 件（新しい順）", page.total)}</p>
            <DataTable
                test_id="login-history"
                headings=&[
                    "日時",
                    "ユーザー名（入力値）",
                    "結果",
                    "接続元",
                    "ユーザーエージェント",
                ]
            >
                {page.rows.into_iter().map(|r| view! { <AttemptLine row=r /> }).collect_view()}
            </DataTable>
            {(page.total == 0)
                .then(|| view! { <p class="hint">"該当する記録はありません。"</p> })}
            <Pager base="/admin/logs" filters=filters() page=page.page pages=page.pages />
        </AsyncView>
    }
}

#[component]
fn AttemptLine(row: LoginAttemptRow) -> impl IntoView {
    let class = match row.outcome {
        LoginOutcome::Success => "status ok",
        LoginOutcome::Unlocked => "status",
        _ => "status blocked",
    };
    let outcome = match &row.locked_until {
        Some(until) => format!("{}（{} まで）", row.outcome.label_ja(), until),
        None => row.outcome.label_ja().to_owned(),
    };
    view! {
        <tr>
            <td>{row.at}</td>
            <td>{row.username}</td>
            <td>
                <span class=class>{outcome}</span>
            </td>
            <td>{row.client_addr}</td>
            <td class="user-agent">{row.user_agent}</td>
        </tr>
    }
}

#[component]
fn LockoutLine(lock: LoginAttemptRow, unlock: ServerAction<UnlockLogin>) -> impl IntoView {
    let (kind, target) = if lock.outcome == LoginOutcome::LockoutAddress {
        ("接続元", lock.client_addr.clone())
    } else {
        ("アカウント", lock.username.clone())
    };
    view! {
        <tr>
            <td>{kind}</td>
            <td>{target}</td>
            <td>{lock.locked_until.unwrap_or_default()}</td>
            <td>
                <ActionForm action=unlock>
                    <input type="hidden" name="lockout_id" value=lock.id />
                    <button type="submit" class="button">
                        "ロック解除"
                    </button>
                </ActionForm>
            </td>
        </tr>
    }
}

/// 操作ログ: the tamper-evident audit log.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).filter(|v| !v.is_empty());
    let list = Resource::new(
        move || {
            (
                param("from"),
                param("until"),
                param("username"),
                param("action"),
                param("page").and_then(|p| p.parse::<u64>().ok()),
            )
        },
        |(from, until, username, action, page)| audit_log(from, until, username, action, page),
    );
    let filters = move || -> Vec<(&'static str, String)> {
        AUDIT_FILTERS
            .iter()
            .map(|k| (*k, param(k).unwrap_or_default()))
            .collect()
    };
    view! {
        <Title text="操作ログ" />
        <h1>"ログ"</h1>
        <LogTabs current="/admin/logs/audit" />
        <p class="hint">
            "記録は前の記録のハッシュを含み、改ざんや削除はサーバーで "
            <code>"machidayori audit verify"</code>" により検出できます。"
        </p>
        <Form method="GET" action="" attr:class="filters" attr:role="search">
            <PeriodFields />
            <div class="field">
                <label for="f-action">
                    "操作（例: auth.login、channel. で始まるもの）"
                </label>
                <input
                    id="f-action"
                    name="action"
                    type="search"
                    maxlength="64"
                    value=move || param("action").unwrap_or_default()
                />
            </div>
            <button type="submit" class="button">
                "検索"
            </button>
            <a
                class="button"
                rel="external"
                download=""
                href=move || format!("/admin/logs/audit.csv{}", query_string(&filters()))
            >
                "CSV 出力"
            </a>
        </Form>
        <AsyncView resource=list let:page>
            <p class="summary">{format!("該当 {} 件（新しい順）", page.total)}</p>
            <DataTable
                test_id="audit-log"
                headings=&[
                    "番号",
                    "日時",
                    "ユーザー",
                    "接続元",
                    "操作",
                    "対象",
                    "内容",
                ]
            >
                {page.rows.into_iter().map(|r| view! { <AuditLine row=r /> }).collect_view()}
            </DataTable>
            {(page.total == 0)
                .then(|| view! { <p class="hint">"該当する記録はありません。"</p> })}
            <Pager base="/admin/logs/audit" filters=filters() page=page.page pages=page.pages />
        </AsyncView>
    }
}

#[component]
fn AuditLine(row: AuditRow) -> impl IntoView {
    let target = if row.entity_id.is_empty() {
        row.entity_type
    } else {
        format!("{} {}", row.entity_type, row.entity_id)
    };
    view! {
        <tr>
            <td>{row.seq}</td>
            <td>{row.at}</td>
            <td>{row.username}</td>
            <td>{row.client_addr}</td>
            <td>
                <code>{row.action}</code>
            </td>
            <td>{target}</td>
            <td>
                <code class="summary-json">{row.summary}</code>
            </td>
        </tr>
    }
}

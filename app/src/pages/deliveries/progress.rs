//! 送信状況 and 送信結果: while a delivery sends, its progress polled every second (sent / total,
//! a progress bar, the time left, 停止); then each run's status, counts and LINE's errors. And
//! the history of test sends, each marked テスト.

use leptos::prelude::*;
use model::status::{DeliveryStatus, SendStatus};

use super::StatusBadge;
use super::editor::Page;
use crate::api::{DeliveryRun, poll_delivery, stop_delivery};
use crate::components::DataTable;

/// Polls the delivery while it sends (every second) or waits for its time (every 5 seconds, to
/// show it start), and shows the running run's progress and every run's results.
#[component]
pub fn ProgressSection() -> AnyView {
    let page = expect_context::<Page>();
    let status = Memo::new(move |_| page.status.get());
    Effect::new(move || {
        let every = match status.get() {
            DeliveryStatus::Sending => 1,
            DeliveryStatus::Scheduled => 5,
            _ => return,
        };
        let Some(id) = page.id.get_untracked() else {
            return;
        };
        let in_flight = StoredValue::new(false);
        let poll = move || {
            if in_flight.get_value() {
                return;
            }
            in_flight.set_value(true);
            leptos::task::spawn_local(async move {
                // The version is not taken: a save must still be checked against the one
                // staff loaded.
                // The page may be gone by the time the answer arrives (only `try_` reads
                // then; writes to a disposed signal do nothing).
                if let Ok(p) = poll_delivery(id).await {
                    if page
                        .status
                        .try_get_untracked()
                        .is_some_and(|s| s != p.status)
                    {
                        page.status.set(p.status);
                    }
                    page.next_at.set(p.next_at);
                    page.runs.set(p.runs);
                }
                in_flight.set_value(false);
            });
        };
        if let Ok(handle) = set_interval_with_handle(poll, std::time::Duration::from_secs(every)) {
            on_cleanup(move || handle.clear());
        }
    });
    let running = Memo::new(move |_| {
        page.runs.with(|runs| {
            runs.iter()
                .find(|r| r.status == DeliveryStatus::Sending)
                .cloned()
        })
    });
    view! {
        {move || running.get().map(|run| view! { <RunProgress run /> })}
        {move || {
            let runs = page.runs.get();
            (!runs.is_empty())
                .then(|| {
                    view! {
                        <section
                            class="panel stack"
                            aria-labelledby="delivery-results-title"
                            data-testid="delivery-results"
                        >
                            <h2 id="delivery-results-title">"送信結果"</h2>
                            <DataTable
                                test_id="delivery-runs"
                                headings=&[
                                    "配信日時",
                                    "状態",
                                    "配信対象",
                                    "送信",
                                    "失敗",
                                    "未送信",
                                    "開始・終了",
                                    "LINE の応答・備考",
                                ]
                            >
                                {runs
                                    .into_iter()
                                    .map(|run| view! { <RunLine run /> })
                                    .collect_view()}
                            </DataTable>
                            <p class="hint">
                                "「送信」は LINE が受け付けた人数です。「未送信」は送信待ち、または停止により送らなかった人数です。"
                            </p>
                        </section>
                    }
                })
        }}
    }
    .into_any()
}

#[component]
fn RunProgress(run: DeliveryRun) -> AnyView {
    let page = expect_context::<Page>();
    let done = run.sent + run.failed;
    let total = run.total.max(done);
    let percent = if total > 0 { done * 100 / total } else { 0 };
    let left = run.seconds_left.map(|s| {
        if s < 60 {
            format!("残り約 {s} 秒")
        } else {
            format!("残り約 {} 分", s.div_ceil(60))
        }
    });
    let asking = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let stop = move |_| {
        let Some(id) = page.id.get_untracked() else {
            return;
        };
        page.busy.set(true);
        leptos::task::spawn_local(async move {
            match stop_delivery(id).await {
                Ok(state) => {
                    asking.set(false);
                    page.status.set(state.status);
                    page.outcome.set(Some(Ok(
                        "停止を受け付けました。送信中の分が終わると止まります。".into(),
                    )));
                }
                Err(e) => error.set(Some(e.to_string())),
            }
            page.busy.set(false);
        });
    };
    view! {
        <section
            class="panel stack delivery-progress"
            aria-labelledby="delivery-progress-title"
            data-testid="delivery-progress"
        >
            <h2 id="delivery-progress-title">"送信状況"</h2>
            <p class="summary" data-testid="progress-count">
                {format!("{done} / {total} 人（{percent}%）")}
                {(run.failed > 0).then(|| format!("　うち失敗 {} 人", run.failed))}
            </p>
            <progress
                max=total.max(1).to_string()
                value=done.to_string()
                aria-label="送信の進み具合"
            >
                {format!("{percent}%")}
            </progress>
            <p class="hint">
                {left.unwrap_or_else(|| "残り時間を計算しています…".into())}
                "　（1 秒ごとに更新）"
            </p>
            {run
                .stop_requested
                .then(|| {
                    view! {
                        <p class="notice warning" role="status">
                            "停止を受け付けました。まだ送っていない分は送信しません。"
                        </p>
                    }
                })}
            {(page.can_send && !run.stop_requested)
                .then(|| {
                    view! {
                        <div class="toolbar">
                            {move || {
                                if asking.get() {
                                    view! {
                                        <p class="notice warning" role="alert">
                                            "停止すると、まだ送っていない友だちには送信されません（再開はできません）。停止しますか？"
                                        </p>
                                        <button
                                            type="button"
                                            class="button danger"
                                            data-testid="stop-confirm"
                                            disabled=move || page.busy.get()
                                            on:click=stop
                                        >
                                            "停止する"
                                        </button>
                                        <button
                                            type="button"
                                            class="button ghost"
                                            on:click=move |_| asking.set(false)
                                        >
                                            "送信を続ける"
                                        </button>
                                    }
                                        .into_any()
                                } else {
                                    view! {
                                        <button
                                            type="button"
                                            class="button danger"
                                            data-testid="stop-delivery"
                                            on:click=move |_| asking.set(true)
                                        >
                                            "停止…"
                                        </button>
                                    }
                                        .into_any()
                                }
                            }}
                        </div>
                    }
                })}
            {move || {
                error
                    .get()
                    .map(|e| {
                        view! {
                            <p class="form-error" role="alert">
                                {e}
                            </p>
                        }
                    })
            }}
        </section>
    }
    .into_any()
}

#[component]
fn RunLine(run: DeliveryRun) -> AnyView {
    let unsent = run.pending + run.cancelled;
    let times = match (&run.started_at, &run.finished_at) {
        (Some(s), Some(f)) => format!("{s} 〜 {f}"),
        (Some(s), None) => format!("{s} 〜"),
        _ => "—".to_owned(),
    };
    view! {
        <tr data-run=run.id>
            <td>{run.occurrence_at}</td>
            <td>
                <StatusBadge status=run.status />
            </td>
            <td class="delivery-number">
                {run.audience.map_or_else(|| "—".to_owned(), |a| format!("{a} 人"))}
            </td>
            <td class="delivery-number">{run.sent.to_string()}</td>
            <td class="delivery-number">{run.failed.to_string()}</td>
            <td class="delivery-number">{unsent.to_string()}</td>
            <td class="delivery-times">{times}</td>
            <td class="delivery-errors">
                {run.note.map(|n| view! { <p>{n}</p> })}
                {(!run.errors.is_empty())
                    .then(|| {
                        view! {
                            <ul>
                                {run
                                    .errors
                                    .into_iter()
                                    .map(|e| view! { <li>{e}</li> })
                                    .collect_view()}
                            </ul>
                        }
                    })}
            </td>
        </tr>
    }
    .into_any()
}

/// テスト配信の履歴: every test send of the delivery, newest first, marked テスト.
#[component]
pub fn TestHistory() -> AnyView {
    let page = expect_context::<Page>();
    (move || {
        let tests = page.tests.get();
        (!tests.is_empty()).then(|| {
            view! {
                <section
                    class="panel stack"
                    aria-labelledby="delivery-tests-title"
                    data-testid="delivery-tests"
                >
                    <h2 id="delivery-tests-title">"テスト配信の履歴"</h2>
                    <p class="hint">
                        "テスト配信は配信の状態や送信数には含まれません。"
                    </p>
                    <DataTable
                        test_id="delivery-test-list"
                        headings=&["種別", "日時", "実行した職員", "送り先", "結果"]
                    >
                        {tests
                            .into_iter()
                            .map(|t| {
                                let to = if t.by_target {
                                    format!(
                                        "配信対象に当てはまるテスト配信先：{}",
                                        t.names.join("、"),
                                    )
                                } else {
                                    t.names.join("、")
                                };
                                view! {
                                    <tr data-test=t.id>
                                        <td>
                                            <span class="status test-badge">"テスト"</span>
                                        </td>
                                        <td>{t.created_at}</td>
                                        <td>{t.created_by}</td>
                                        <td>{to}</td>
                                        <td>
                                            <TestResult status=t.status error=t.error />
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </DataTable>
                </section>
            }
        })
    })
    .into_any()
}

/// A test send's outcome, with LINE's answer when it was refused.
#[component]
pub fn TestResult(status: SendStatus, error: Option<String>) -> AnyView {
    let class = match status {
        SendStatus::Sent => "status ok",
        SendStatus::Failed | SendStatus::Expired => "status blocked",
        _ => "status",
    };
    view! {
        <span class=class>{status.label_ja()}</span>
        {error.map(|e| view! { <span class="delivery-test-error">{format!("　{e}")}</span> })}
    }
    .into_any()
}

//! 「開封・クリック」 on the delivery page: for each sent run, LINE's figures (配信数, 開封数,
//! 開封率; 「20未満」 when LINE answers null, never 0), our click counts per link, opens per
//! message, a chart drawn on the server with a table of the same figures, when they were last
//! updated and whether they are final, and 「最新の数値に更新」; and the run's recipients, with
//! who tapped which link when the delivery recorded who clicked.

use leptos::prelude::*;
use model::status::DeliveryStatus;

use super::editor::Page;
use crate::api::{RunResults, delivery_recipients, delivery_results, refresh_statistics};
use crate::components::ChartFigure;

#[component]
pub fn ResultsSection() -> AnyView {
    let page = expect_context::<Page>();
    let refreshed = RwSignal::new(0u32);
    // The answer to the last 「最新の数値に更新」 (run id, message), kept here rather than in
    // the run's figures: those are drawn anew when the refreshed figures arrive.
    let outcome = RwSignal::new(None::<(i64, Result<String, String>)>);
    // Reloaded when a run starts or ends, and after 「最新の数値に更新」.
    let ended = Memo::new(move |_| {
        page.runs.with(|runs| {
            runs.iter()
                .map(|r| (r.id, r.status != DeliveryStatus::Sending))
                .collect::<Vec<_>>()
        })
    });
    let results = Resource::new(
        move || (page.id.get(), ended.get(), refreshed.get()),
        |(id, runs, _)| async move {
            match id {
                Some(id) if !runs.is_empty() => delivery_results(id).await,
                _ => Ok(Vec::new()),
            }
        },
    );
    view! {
        <Transition fallback=|| ()>
            {move || {
                results
                    .get()
                    .map(|r| match r {
                        Ok(runs) if runs.is_empty() => ().into_any(),
                        Ok(runs) => {
                            view! {
                                <section
                                    class="panel stack"
                                    aria-labelledby="delivery-figures-title"
                                    data-testid="delivery-figures"
                                >
                                    <h2 id="delivery-figures-title">"開封・クリック"</h2>
                                    <p class="hint">
                                        "開封数は LINE の集計です（iPhone・Android の LINE で表示された人数。20人未満は「20未満」と表示され、開封率は計算しません）。数値は配信後14日間変わり、その後「確定」になります。クリック数はこのシステムが数えた、計測リンクがタップされた回数です。"
                                    </p>
                                    {runs
                                        .into_iter()
                                        .enumerate()
                                        .map(|(i, run)| {
                                            view! { <RunFigures run first=i == 0 refreshed outcome /> }
                                        })
                                        .collect_view()}
                                </section>
                            }
                                .into_any()
                        }
                        Err(e) => {
                            view! {
                                <p class="form-error" role="alert">
                                    {e.to_string()}
                                </p>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
    .into_any()
}

#[component]
fn RunFigures(
    run: RunResults,
    first: bool,
    refreshed: RwSignal<u32>,
    outcome: RwSignal<Option<(i64, Result<String, String>)>>,
) -> AnyView {
    let page = expect_context::<Page>();
    let busy = RwSignal::new(false);
    let run_id = run.run_id;
    let refresh = move |_| {
        let Some(id) = page.id.get_untracked() else {
            return;
        };
        busy.set(true);
        outcome.set(None);
        leptos::task::spawn_local(async move {
            let result = refresh_statistics(id, run_id).await;
            busy.set(false);
            match result {
                Ok(message) => {
                    outcome.set(Some((run_id, Ok(message))));
                    refreshed.update(|n| *n += 1);
                }
                Err(e) => outcome.set(Some((run_id, Err(e.to_string())))),
            }
        });
    };
    let heading_id = format!("run-figures-{run_id}");
    let updated = match (&run.updated, run.is_final) {
        (_, _) if run.without_unit => {
            "この回は LINE の集計単位なしで送信したため、開封数はありません（今月の集計単位を使い切っていました）。".to_owned()
        }
        (Some(at), true) => format!("{at} 更新・確定"),
        (Some(at), false) => format!(
            "{at} 更新（次回 {}）",
            run.next_update.clone().unwrap_or_default()
        ),
        (None, _) => format!(
            "LINE の集計待ちです（{} ごろ取得します）。",
            run.next_update.clone().unwrap_or_default()
        ),
    };
    let can_refresh = !run.without_unit && !run.is_final;
    let per_person = run.per_person;
    let body = view! {
        {run
            .simulated
            .then(|| {
                view! {
                    <p class="simulation-banner" role="note" data-testid="simulated-figures">
                        "シミュレーション：サンドボックスの設定（SANDBOX_SIMULATED_AUDIENCE）により、開封数・LINE のクリック人数には模擬の利用者の数が含まれています。"
                    </p>
                }
            })}
        <dl class="stats figures" data-testid="figures">
            <div class="stat">
                <dt>"配信数"</dt>
                <dd data-testid="figure-delivered">{run.delivered}</dd>
            </div>
            <div class="stat">
                <dt>"開封数"</dt>
                <dd data-testid="figure-opens">{run.opens.clone()}</dd>
            </div>
            <div class="stat">
                <dt>"開封率"</dt>
                <dd data-testid="figure-open-rate">{run.open_rate.clone()}</dd>
            </div>
            <div class="stat">
                <dt>"クリック数"</dt>
                <dd data-testid="figure-clicks">{run.clicks.clone()}</dd>
            </div>
            <div class="stat">
                <dt>"クリックした人数（LINE）"</dt>
                <dd data-testid="figure-unique-clicks">{run.unique_clicks.clone()}</dd>
            </div>
            {run
                .clickers
                .map(|n| {
                    view! {
                        <div class="stat">
                            <dt>"クリックした人"</dt>
                            <dd data-testid="figure-clickers">{n}</dd>
                        </div>
                    }
                })}
        </dl>
        <p class="hint" data-testid="figures-updated">
            {updated}
            {run.is_final.then(|| view! { <span class="status final">"確定"</span> })}
        </p>
        {run
            .last_error
            .clone()
            .map(|e| {
                view! {
                    <p class="notice warning" role="note">
                        {format!("前回の取得に失敗しました：{e}")}
                    </p>
                }
            })}
        {can_refresh
            .then(|| {
                view! {
                    <div class="toolbar">
                        <button
                            type="button"
                            class="button ghost"
                            data-testid="refresh-figures"
                            disabled=move || busy.get()
                            on:click=refresh
                        >
                            "最新の数値に更新"
                        </button>
                        <span class="hint">
                            "LINE への問い合わせは1時間に60回までです（チャネルごと、自動取得と共通）。"
                        </span>
                    </div>
                }
            })}
        {move || {
            outcome
                .get()
                .filter(|(run, _)| *run == run_id)
                .map(|(_, o)| match o {
                    Ok(text) => {
                        view! {
                            <p class="notice" role="status">
                                {text}
                            </p>
                        }
                            .into_any()
                    }
                    Err(text) => {
                        view! {
                            <p class="form-error" role="alert">
                                {text}
                            </p>
                        }
                            .into_any()
                    }
                })
        }}
        {(!run.links.is_empty())
            .then(|| {
                view! {
                    <table class="data-table" data-testid="link-figures">
                        <caption>"リンクごとのクリック"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"リンク"</th>
                                <th scope="col">"メッセージ"</th>
                                <th scope="col">"クリック数"</th>
                                <th scope="col">"クリックした人数（LINE）"</th>
                                {per_person
                                    .then(|| {
                                        view! { <th scope="col">"クリックした人"</th> }
                                    })}
                            </tr>
                        </thead>
                        <tbody>
                            {run
                                .links
                                .iter()
                                .map(|l| {
                                    view! {
                                        <tr>
                                            <td class="url">
                                                {l.url.clone()}
                                                {(!l.tracked)
                                                    .then(|| {
                                                        view! { <span class="hint">" （計測なし）"</span> }
                                                    })}
                                            </td>
                                            <td>{l.message_seq}</td>
                                            <td data-testid="link-clicks">{l.clicks.clone()}</td>
                                            <td data-testid="link-unique-clicks">
                                                {l.unique_clicks.clone()}
                                            </td>
                                            {per_person
                                                .then(|| {
                                                    view! {
                                                        <td data-testid="link-people">
                                                            {l
                                                                .people
                                                                .map_or_else(|| "—".to_owned(), |n| n.to_string())}
                                                        </td>
                                                    }
                                                })}
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
            })}
        {(!run.message_opens.is_empty())
            .then(|| {
                view! {
                    <table class="data-table" data-testid="message-figures">
                        <caption>"メッセージごとの開封数（LINE）"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"メッセージ"</th>
                                <th scope="col">"開封数"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {run
                                .message_opens
                                .iter()
                                .map(|(seq, opens)| {
                                    view! {
                                        <tr>
                                            <td>{format!("メッセージ{seq}")}</td>
                                            <td>{opens.clone()}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
            })}
        <ChartFigure
            svg=run.chart_svg.clone()
            caption="配信からの経過（最長14日）。開封数は LINE から取得した時点の値です。"
            headings=&["経過", "日時", "開封数", "クリック数"]
            rows=run
                .chart_rows
                .iter()
                .map(|r| {
                    vec![r.elapsed.clone(), r.at.clone(), r.opens.clone(), r.clicks.to_string()]
                })
                .collect()
            test_id="figures-chart"
        />
        <RecipientList run_id per_person />
    };
    let title = format!("{} の配信", run.sent_at);
    if first {
        let labelled_by = heading_id.clone();
        view! {
            <article class="run-figures stack" aria-labelledby=labelled_by>
                <h3 id=heading_id>{title}</h3>
                {body}
            </article>
        }
        .into_any()
    } else {
        view! {
            <details class="run-figures">
                <summary>{title}</summary>
                {body}
            </details>
        }
        .into_any()
    }
}

/// 「送信先」: the run's recipients a page at a time, with the links each tapped when the
/// delivery recorded who clicked (and a filter to those who did).
#[component]
fn RecipientList(run_id: i64, per_person: bool) -> AnyView {
    let page = expect_context::<Page>();
    let clicked_only = RwSignal::new(false);
    let number = RwSignal::new(1usize);
    // Loaded in the browser once the list is first opened (and again on each change): nothing
    // of it is rendered on the server, so hydration never meets a half-loaded list.
    let opened = RwSignal::new(false);
    let list = RwSignal::new(None::<Result<crate::api::RecipientsPage, crate::error::AppError>>);
    Effect::new(move |_| {
        let (open, id, clicked, n) = (
            opened.get(),
            page.id.get(),
            clicked_only.get(),
            number.get(),
        );
        let (true, Some(id)) = (open, id) else {
            return;
        };
        leptos::task::spawn_local(async move {
            list.set(Some(delivery_recipients(id, run_id, clicked, n).await));
        });
    });
    let filter_id = format!("recipients-clicked-{run_id}");
    view! {
        <details
            class="recipients"
            data-testid="recipients"
            on:toggle=move |_| {
                if !opened.get_untracked() {
                    opened.set(true);
                }
            }
        >
            <summary>"送信先の一覧"</summary>
            {per_person
                .then(|| {
                    let filter_id = filter_id.clone();
                    view! {
                        <div class="check">
                            <input
                                type="checkbox"
                                id=filter_id.clone()
                                data-testid="recipients-clicked-only"
                                prop:checked=move || clicked_only.get()
                                on:change=move |ev| {
                                    clicked_only.set(event_target_checked(&ev));
                                    number.set(1);
                                }
                            />
                            <label for=filter_id>"クリックした人だけ表示"</label>
                        </div>
                    }
                })}
            {move || {
                match list.get() {
                    None => view! { <p class="hint">"読み込んでいます…"</p> }.into_any(),
                    Some(r) => {
                        match r {
                            Ok(found) if found.rows.is_empty() => {
                                view! {
                                    <p class="hint">
                                        {if clicked_only.get_untracked() {
                                            "まだ誰もリンクをタップしていません。"
                                        } else {
                                            "この回の送信先はありません。"
                                        }}
                                    </p>
                                }
                                    .into_any()
                            }
                            Ok(found) => {
                                let (current, pages, total) = (
                                    found.page,
                                    found.pages,
                                    found.total,
                                );
                                view! {
                                    <table class="data-table" data-testid="recipient-table">
                                        <caption>
                                            {format!("{total}人（{current}/{pages}ページ）")}
                                        </caption>
                                        <thead>
                                            <tr>
                                                <th scope="col">"名前（LINE）"</th>
                                                <th scope="col">"状態"</th>
                                                {found
                                                    .per_person
                                                    .then(|| {
                                                        view! { <th scope="col">"タップしたリンク"</th> }
                                                    })}
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {found
                                                .rows
                                                .into_iter()
                                                .map(|r| {
                                                    view! {
                                                        <tr>
                                                            <td>{r.name}</td>
                                                            <td>
                                                                {if r.following { "友だち" } else { "ブロック中" }}
                                                            </td>
                                                            {found
                                                                .per_person
                                                                .then(|| {
                                                                    view! {
                                                                        <td data-testid="recipient-clicked">
                                                                            {if r.clicked.is_empty() {
                                                                                "—".to_owned()
                                                                            } else {
                                                                                r.clicked
                                                                            }}
                                                                        </td>
                                                                    }
                                                                })}
                                                        </tr>
                                                    }
                                                })
                                                .collect_view()}
                                        </tbody>
                                    </table>
                                    {(pages > 1)
                                        .then(|| {
                                            view! {
                                                <nav class="toolbar" aria-label="送信先のページ">
                                                    <button
                                                        type="button"
                                                        class="button ghost small"
                                                        disabled=current <= 1
                                                        on:click=move |_| number.set(current - 1)
                                                    >
                                                        "前へ"
                                                    </button>
                                                    <button
                                                        type="button"
                                                        class="button ghost small"
                                                        disabled=current
                                                    >
                                                        = pages
                                                        on:click=move |_| number.set(current + 1)
                                                        >
                                                        "次へ"
                                                    </button>
                                                </nav>
                                            }
                                        })}
                                }
                                    .into_any()
                            }
                            Err(e) => {
                                view! {
                                    <p class="form-error" role="alert">
                                        {e.to_string()}
                                    </p>
                                }
                                    .into_any()
                            }
                        }
                    }
                }
            }}
        </details>
    }
    .into_any()
}

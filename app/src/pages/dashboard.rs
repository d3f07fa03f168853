use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::deliveries::{SimulatedBadge, SimulatedNote};
use crate::api::{ActivityView, dashboard_activity, dashboard_summary};
use crate::components::{ChannelBar, ChartFigure, ErrorNote};
use crate::layout::use_channel;
use crate::nav::AREAS;

#[component]
pub fn Dashboard() -> impl IntoView {
    let summary = Resource::new(|| (), |_| dashboard_summary());
    let channel = use_channel();
    let activity = Resource::new(
        move || channel.key.get(),
        |key| async move {
            if key.is_empty() {
                Ok(None)
            } else {
                dashboard_activity(key).await.map(Some)
            }
        },
    );

    view! {
        <Title text="ダッシュボード" />
        <h1>"ダッシュボード"</h1>
        <ChannelBar />
        <Transition fallback=|| {
            view! { <p class="hint">"読み込み中…"</p> }
        }>
            {move || {
                activity
                    .get()
                    .map(|result| match result {
                        Ok(Some(a)) => view! { <Activity a /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(error) => view! { <ErrorNote error /> }.into_any(),
                    })
            }}
        </Transition>
        <section class="panel notice-panel" role="note" aria-labelledby="line-status">
            <h2 id="line-status">"LINE との接続"</h2>
            <p>
                "上部の表示が、操作している LINE チャネルと環境（本番・テスト・サンドボックス）です。"
                "サンドボックスのチャネルは LINE に送信せず、"
                <A href="/admin/simulator">"LINEシミュレーター"</A>
                "で友だち追加やメッセージを試せます。チャネルの状態とあいさつメッセージは"
                <A href="/admin/settings">"設定"</A> "で確認できます。"
            </p>
        </section>
        <Suspense fallback=|| {
            view! { <p class="hint">"読み込み中…"</p> }
        }>
            {move || {
                summary
                    .get()
                    .map(|result| match result {
                        Ok(s) => {
                            view! {
                                <dl class="stats">
                                    <div class="stat">
                                        <dt>"管理者アカウント"</dt>
                                        <dd data-testid="staff-count">{s.staff_accounts}</dd>
                                    </div>
                                    <div class="stat">
                                        <dt>"データベース"</dt>
                                        <dd>{s.database}</dd>
                                    </div>
                                    <div class="stat">
                                        <dt>"バージョン"</dt>
                                        <dd>{s.version}</dd>
                                    </div>
                                </dl>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <ErrorNote error /> }.into_any(),
                    })
            }}
        </Suspense>
        <section aria-labelledby="areas-title">
            <h2 id="areas-title">"機能"</h2>
            <ul class="area-grid">
                {AREAS
                    .iter()
                    .map(|area| {
                        view! {
                            <li class="area-card">
                                <A href=format!("/admin/{}", area.slug)>{area.label}</A>
                                <p>{area.summary}</p>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

/// Friends and their trend, the latest deliveries with their figures, what is scheduled.
#[component]
fn Activity(a: ActivityView) -> AnyView {
    view! {
        <section
            class="panel stack"
            aria-labelledby="friends-title"
            data-testid="dashboard-friends"
        >
            <h2 id="friends-title">"友だち"</h2>
            <dl class="stats">
                <div class="stat">
                    <dt>"友だち（ブロックを除く）"</dt>
                    <dd data-testid="friends-following">{a.following}</dd>
                </div>
                <div class="stat">
                    <dt>"ブロック中"</dt>
                    <dd>{a.blocked}</dd>
                </div>
                <div class="stat">
                    <dt>"過去30日の友だち追加"</dt>
                    <dd>{a.follows_30d}</dd>
                </div>
                <div class="stat">
                    <dt>"過去30日のブロック"</dt>
                    <dd>{a.blocks_30d}</dd>
                </div>
            </dl>
            <ChartFigure
                svg=a.chart_svg
                caption="このシステムが受け取った友だち追加・ブロックの日別の数です（再追加した人は最後の追加日に数えます）。"
                headings=&["日付", "友だち追加", "ブロック"]
                rows=a
                    .days
                    .into_iter()
                    .map(|(day, follows, blocks)| {
                        vec![day, follows.to_string(), blocks.to_string()]
                    })
                    .collect()
                test_id="friends-chart"
            />
            {match a.line {
                Some(line) => {
                    view! {
                        <h3>"LINE の統計"</h3>
                        <dl class="stats" data-testid="line-followers">
                            <div class="stat">
                                <dt>"友だち数（累計）"</dt>
                                <dd data-testid="line-followers-count">{line.followers}</dd>
                            </div>
                            <div class="stat">
                                <dt>"ターゲットリーチ"</dt>
                                <dd>{line.targeted_reaches}</dd>
                            </div>
                            <div class="stat">
                                <dt>"ブロック数"</dt>
                                <dd>{line.blocks}</dd>
                            </div>
                        </dl>
                        <ChartFigure
                            svg=line.chart_svg
                            caption=format!(
                                "LINE が集計した {} 時点までの日別の数です（友だち数は初めて追加した人の累計で、ブロックしても減りません。ターゲットリーチは属性で絞り込んで配信できる人数です）。",
                                line.day,
                            )
                            headings=&[
                                "日付",
                                "友だち数",
                                "ターゲットリーチ",
                                "ブロック数",
                            ]
                            rows=line
                                .days
                                .into_iter()
                                .map(|(day, f, t, b)| {
                                    vec![day, f.to_string(), t.to_string(), b.to_string()]
                                })
                                .collect()
                            test_id="line-followers-chart"
                        />
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <p class="hint" data-testid="line-followers-pending">
                            "LINE の統計（友だち数・ターゲットリーチ・ブロック数）は、LINE が前日分を集計したあとに自動で取得して、ここに表示します。"
                        </p>
                    }
                        .into_any()
                }
            }}
        </section>
        {a
            .latest
            .map(|rows| {
                view! {
                    <section
                        class="panel stack"
                        aria-labelledby="latest-title"
                        data-testid="dashboard-latest"
                    >
                        <h2 id="latest-title">"最近の配信"</h2>
                        {if rows.is_empty() {
                            view! {
                                <p class="empty">
                                    "まだ送信した配信はありません。"
                                    <A href="/admin/deliveries/new">"配信を作成"</A>
                                    "すると、ここに開封数とクリック数が表示されます。"
                                </p>
                            }
                                .into_any()
                        } else {
                            let simulated = rows.iter().any(|r| r.simulated);
                            view! {
                                <SimulatedNote shown=simulated />
                                <table class="data-table">
                                    <thead>
                                        <tr>
                                            <th scope="col">"配信日時"</th>
                                            <th scope="col">"タイトル"</th>
                                            <th scope="col">"配信数"</th>
                                            <th scope="col">"開封数"</th>
                                            <th scope="col">"開封率"</th>
                                            <th scope="col">"クリック数"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {rows
                                            .into_iter()
                                            .map(|r| {
                                                view! {
                                                    <tr>
                                                        <td>{r.sent_at}</td>
                                                        <td>
                                                            <A href=format!(
                                                                "/admin/deliveries/{}",
                                                                r.delivery_id,
                                                            )>{r.title}</A>
                                                            <SimulatedBadge simulated=r.simulated />
                                                        </td>
                                                        <td class="number">{r.delivered}</td>
                                                        <td class="number">{r.opens}</td>
                                                        <td class="number">{r.open_rate}</td>
                                                        <td class="number">{r.clicks}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                                <p>
                                    <A href="/admin/deliveries/history">
                                        "配信履歴をすべて見る"
                                    </A>
                                </p>
                            }
                                .into_any()
                        }}
                    </section>
                }
            })}
        {a
            .upcoming
            .map(|rows| {
                view! {
                    <section
                        class="panel stack"
                        aria-labelledby="upcoming-title"
                        data-testid="dashboard-upcoming"
                    >
                        <h2 id="upcoming-title">"予約済みの配信"</h2>
                        {if rows.is_empty() {
                            view! {
                                <p class="empty">"予約済みの配信はありません。"</p>
                            }
                                .into_any()
                        } else {
                            view! {
                                <ul class="upcoming">
                                    {rows
                                        .into_iter()
                                        .map(|d| {
                                            view! {
                                                <li>
                                                    <strong>{d.next_at}</strong>
                                                    " "
                                                    <A href=format!("/admin/deliveries/{}", d.id)>{d.title}</A>
                                                    <span class="hint">
                                                        {format!("（{}・{}）", d.department, d.timing)}
                                                    </span>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }}
                    </section>
                }
            })}
    }
    .into_any()
}

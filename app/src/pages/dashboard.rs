use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::dashboard_summary;
use crate::components::ErrorNote;
use crate::nav::AREAS;

#[component]
pub fn Dashboard() -> impl IntoView {
    let summary = Resource::new(|| (), |_| dashboard_summary());

    view! {
        <Title text="ダッシュボード" />
        <h1>"ダッシュボード"</h1>
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

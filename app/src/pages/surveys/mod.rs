//! アンケート: surveys citizens answer in LIFF. The list, the builder (`editor`) with the
//! citizens' page as its live preview, and the answers (`answers`).

mod answers;
mod editor;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

pub use answers::SurveyAnswersPage;
pub use editor::SurveyPage;

use crate::api::list_surveys;
use crate::components::{AsyncView, DataTable, RedirectNotice};

#[component]
pub fn SurveysPage() -> impl IntoView {
    let surveys = Resource::new(|| (), |_| list_surveys());
    view! {
        <Title text="アンケート" />
        <h1>"アンケート"</h1>
        <p class="hint">
            "LINE の中（LIFF）で市民が回答するアンケートです。回答は市のサーバーにだけ保存され、LINE 社には送られません。質問を友だち属性に結び付けると、回答がそのまま配信の絞り込みに使えます。"
        </p>
        <p class="toolbar">
            <A href="/admin/surveys/new" attr:class="button primary">
                "アンケートを作成"
            </A>
        </p>
        <RedirectNotice param="deleted" text="アンケートを削除しました。" />
        <AsyncView resource=surveys let:value>
            {match value {
                list if list.is_empty() => {
                    view! {
                        <p class="hint" data-testid="surveys-empty">
                            "アンケートはまだありません。部署を作ると、属性アンケート（地区・年代・受け取りたい情報）のひな形がここに用意されます。「アンケートを作成」から新しく作ることもできます。"
                        </p>
                    }
                        .into_any()
                }
                list => {
                    view! {
                        <DataTable
                            test_id="surveys"
                            headings=&[
                                "タイトル",
                                "部署",
                                "状態",
                                "回答者",
                                "版",
                                "更新",
                            ]
                        >
                            {list
                                .into_iter()
                                .map(|s| {
                                    let href = format!("/admin/surveys/{}", s.id);
                                    let answers = format!("/admin/surveys/{}/answers", s.id);
                                    let state_class = if s.accepting {
                                        "status ok"
                                    } else {
                                        "status"
                                    };
                                    let key = s.title.clone();
                                    view! {
                                        <tr data-survey=key>
                                            <td>
                                                <A href=href>{s.title}</A>
                                            </td>
                                            <td>{s.department}</td>
                                            <td>
                                                <span class=state_class>{s.state_label}</span>
                                            </td>
                                            <td>
                                                <A href=answers>{format!("{}人", s.respondents)}</A>
                                            </td>
                                            <td>{format!("第{}版", s.latest_version)}</td>
                                            <td>{s.updated}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </DataTable>
                    }
                        .into_any()
                }
            }}
        </AsyncView>
    }
}

//! セグメント: saved segments, each owned by one of the user's departments, with their audience
//! on the chosen channel now, and the editor (conditions with the rule builder, a live count and
//! a sample of matching friends).

mod editor;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::{list_segments, segment_editor_data};
use crate::components::{AsyncView, ChannelBar, DataTable, RedirectNotice};
use crate::layout::use_channel;
use editor::SegmentEditorForm;

#[component]
pub fn SegmentsPage() -> impl IntoView {
    let channel = use_channel();
    let list = Resource::new(move || channel.key.get(), list_segments);
    view! {
        <Title text="セグメント" />
        <h1>"セグメント"</h1>
        <p class="hint lead">
            "友だちの属性（地区・年代・受け取りたい情報など）や LINE の言語、友だち追加日の条件に名前を付けて保存し、配信の対象や除外に使います。表示されるのは担当部署のセグメントだけです。"
        </p>
        <ChannelBar />
        <RedirectNotice param="deleted" text="セグメントを削除しました。" />
        <AsyncView resource=list let:value>
            {
                let new_button = value
                    .can_edit
                    .then(|| {
                        view! {
                            <p class="toolbar">
                                <A
                                    href="/admin/segments/new"
                                    attr:class="button primary"
                                    attr:data-testid="new-segment"
                                >
                                    "新規作成"
                                </A>
                            </p>
                        }
                    });
                let body = if value.segments.is_empty() {
                    let what = if value.can_edit {
                        "セグメントはまだありません。「新規作成」から、属性の条件を組み合わせて作成してください（例：お住まいの地区が那加 かつ 受け取りたい情報に子育て・教育を含む）。作成中も、当てはまる人数がその場で表示されます。"
                    } else {
                        "セグメントはまだありません。作成には「セグメント 編集」の権限が必要です。権限のある職員か管理者に依頼してください。"
                    };
                    view! {
                        <p class="hint" data-testid="segments-empty">
                            {what}
                        </p>
                    }
                        .into_any()
                } else {
                    let note = format!(
                        "人数は「{}」でいま友だち追加している人のうち、条件に当てはまる人の数です（ブロック中の友だちは数えません）。",
                        value.channel,
                    );
                    view! {
                        <p class="hint">{note}</p>
                        <DataTable
                            test_id="segments"
                            headings=&["セグメント名", "部署", "条件", "人数", "更新"]
                        >
                            {value
                                .segments
                                .into_iter()
                                .map(|s| {
                                    let href = format!("/admin/segments/{}", s.id);
                                    let row_name = s.name.clone();
                                    let count = match (s.count, s.problem) {
                                        (Some(n), _) => {
                                            view! { <td class="segment-count">{format!("{n}人")}</td> }
                                                .into_any()
                                        }
                                        (None, problem) => {
                                            view! {
                                                <td>
                                                    <span class="status blocked">"数えられません"</span>
                                                    <p class="hint">{problem.unwrap_or_default()}</p>
                                                </td>
                                            }
                                                .into_any()
                                        }
                                    };
                                    view! {
                                        <tr data-segment=row_name>
                                            <td>
                                                <A href=href>{s.name}</A>
                                                {(!s.description.is_empty())
                                                    .then(|| {
                                                        view! { <p class="hint">{s.description}</p> }
                                                    })}
                                            </td>
                                            <td>{s.department}</td>
                                            <td class="preview-cell">{s.summary}</td>
                                            {count}
                                            <td>{format!("{}（{}）", s.updated_at, s.updated_by)}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </DataTable>
                    }
                        .into_any()
                };
                view! {
                    {new_button}
                    {body}
                }
                    .into_any()
            }
        </AsyncView>
    }
}

/// `/admin/segments/new` and `/admin/segments/:id`.
#[component]
pub fn SegmentPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|i| i.parse::<i64>().ok());
    let editor = Resource::new(id, segment_editor_data);
    view! {
        <p>
            <A href="/admin/segments">"← セグメント一覧"</A>
        </p>
        <AsyncView resource=editor let:form>
            {view! { <SegmentEditorForm form /> }.into_any()}
        </AsyncView>
    }
}

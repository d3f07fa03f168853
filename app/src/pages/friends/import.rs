//! 友だち属性の CSV 取込: uploading a file (a plain form post: the server checks the file and
//! answers with the page of its report), then applying it once it has no problem.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{ApplyImport, ImportView, ProblemRow, import_report};
use crate::components::{AsyncView, ChannelBar, DataTable, Outcome};
use crate::layout::use_channel;

use super::successes;

/// `/admin/friends/import`: how to write the file, its template, and the upload form.
#[component]
pub fn FriendImportPage() -> impl IntoView {
    let selection = use_channel();
    let query = use_query_map();
    // `?channel=` when given, else the channel the rest of the panel is on (`?ch=`).
    let channel = move || {
        query
            .read()
            .get("channel")
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| selection.key.get())
    };
    view! {
        <Title text="友だち属性の CSV 取込" />
        <p>
            <A href=move || format!("/admin/friends?ch={}", channel())>"← 友だち一覧"</A>
        </p>
        <h1>"友だち属性の CSV 取込"</h1>
        <ChannelBar />
        <section class="panel" aria-labelledby="format-heading">
            <h2 id="format-heading">"ファイルの書き方"</h2>
            <ul class="plain-steps">
                <li>
                    "1行目は見出しです。"<code>"line_user_id"</code>
                    " の列と、取り込む属性のキー（または表示名）の列を並べます。"
                </li>
                <li>"2行目からは、友だち1人につき1行です。"</li>
                <li>
                    "空欄のセルは、その属性の値を消去します。列がない属性は変更しません。"
                </li>
                <li>
                    "複数選択の属性は、選択肢を「|」で区切ります（例: 防災・防犯|ごみ・環境）。"
                </li>
                <li>
                    "日付は 2026-11-27 か 2026/11/27、生年月は 1980-04 か 1980/4 の形で書きます。"
                </li>
                <li>
                    "文字コードは UTF-8 と Shift_JIS（Excel の「CSV（コンマ区切り）」で保存したもの）のどちらでも読めます。"
                </li>
                <li>
                    "友だち一覧で出力した CSV は、そのまま取り込めます。"
                </li>
                <li>
                    "取込は「確認」と「取り込む」の2段階です。問題が1つでもあれば、何も変更しません。"
                </li>
            </ul>
            <p class="toolbar">
                <a
                    class="button ghost"
                    rel="external"
                    download=""
                    href="/admin/friends/template.csv?encoding=utf8"
                >
                    "ひな形をダウンロード（UTF-8）"
                </a>
                <a
                    class="button ghost"
                    rel="external"
                    download=""
                    href="/admin/friends/template.csv?encoding=sjis"
                >
                    "ひな形をダウンロード（Shift_JIS・Excel 向け）"
                </a>
            </p>
        </section>
        <h2>"ファイルのアップロード"</h2>
        // A native form post (the router only takes over <Form> and <ActionForm>): the server
        // stores the file and answers with a redirect to its report.
        <form
            method="post"
            action="/admin/friends/imports"
            enctype="multipart/form-data"
            class="stack panel"
            data-testid="import-form"
        >
            <input type="hidden" name="channel" value=channel />
            <div class="field">
                <label for="import-file">"CSV ファイル"</label>
                <input
                    id="import-file"
                    name="file"
                    type="file"
                    accept=".csv,text/csv"
                    required
                    aria-describedby="import-file-hint"
                />
                <p id="import-file-hint" class="hint">
                    "まだ何も変更しません。次の画面で内容を確かめてから取り込みます。"
                </p>
            </div>
            <div class="toolbar">
                <button type="submit" class="button primary">
                    "確認する"
                </button>
            </div>
        </form>
    }
    .into_any()
}

/// `/admin/friends/imports/:id`: what an upload would change, or why it cannot be applied.
#[component]
pub fn FriendImportReportPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|i| i.parse::<i64>().ok());
    let apply = ServerAction::<ApplyImport>::new();
    let applied = successes(apply.value());
    let report = Resource::new(
        move || (id(), applied.get()),
        |(id, _)| async move {
            match id {
                Some(id) => import_report(id).await,
                None => Err(crate::api::AppError::NotFound(
                    "この取込は見つかりません。".into(),
                )),
            }
        },
    );
    view! {
        <Title text="取込内容の確認" />
        <p>
            <A href="/admin/friends">"← 友だち一覧"</A>
        </p>
        <h1>"取込内容の確認"</h1>
        <Outcome value=apply.value() done="取り込みました。" />
        <AsyncView resource=report let:upload>
            {view! { <ImportReport upload apply /> }.into_any()}
        </AsyncView>
    }
    .into_any()
}

#[component]
fn ImportReport(upload: ImportView, apply: ServerAction<ApplyImport>) -> impl IntoView {
    let friends_list = format!("/admin/friends?ch={}", upload.channel);
    let upload_again = format!("/admin/friends/import?ch={}", upload.channel);
    let attributes = if upload.attributes.is_empty() {
        "なし".to_owned()
    } else {
        upload.attributes.join("、")
    };
    let summary_heading = if upload.applied_at.is_some() {
        "取り込んだ内容"
    } else if upload.problem_count > 0 {
        "問題を直して取り込んだときに変わる内容"
    } else {
        "取り込むと変わる内容"
    };
    let next = if upload.problem_count > 0 {
        view! {
            <ImportProblems
                problems=upload.problems
                count=upload.problem_count
                upload_again=upload_again
            />
        }
        .into_any()
    } else if let Some(at) = upload.applied_at {
        view! {
            <p class="notice" data-testid="import-applied">
                {format!("{at} に取り込み済みです。")}
            </p>
            <p>
                <A href=friends_list>"友だち一覧へ戻る"</A>
            </p>
        }
        .into_any()
    } else {
        view! {
            <ActionForm action=apply attr:class="stack panel" attr:data-testid="apply-import">
                <input type="hidden" name="id" value=upload.id />
                <p>
                    "問題はありませんでした。まだ何も変更していません。内容を確かめて「取り込む」を押してください。"
                </p>
                <div class="toolbar">
                    <button
                        type="submit"
                        class="button primary"
                        disabled=move || apply.pending().get()
                    >
                        "取り込む"
                    </button>
                    <A href=upload_again attr:class="button ghost">
                        "やめて、別のファイルを選ぶ"
                    </A>
                </div>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <dl class="profile">
            <dt>"ファイル"</dt>
            <dd>{upload.file_name}</dd>
            <dt>"アップロード"</dt>
            <dd>{upload.uploaded_at}</dd>
            <dt>"文字コード"</dt>
            <dd>{upload.encoding}</dd>
        </dl>
        <section data-testid="import-summary" aria-labelledby="summary-heading">
            <h2 id="summary-heading">{summary_heading}</h2>
            <dl class="stats">
                <div class="stat">
                    <dt>"友だち"</dt>
                    <dd>{format!("{}人", upload.friends)}</dd>
                </div>
                <div class="stat">
                    <dt>"追加"</dt>
                    <dd>{format!("{}件", upload.added)}</dd>
                </div>
                <div class="stat">
                    <dt>"変更"</dt>
                    <dd>{format!("{}件", upload.changed)}</dd>
                </div>
                <div class="stat">
                    <dt>"消去"</dt>
                    <dd>{format!("{}件", upload.cleared)}</dd>
                </div>
                <div class="stat">
                    <dt>"変更なし"</dt>
                    <dd>{format!("{}件", upload.unchanged)}</dd>
                </div>
            </dl>
            <p>"対象の属性：" {attributes}</p>
        </section>
        {next}
    }
    .into_any()
}

#[component]
fn ImportProblems(problems: Vec<ProblemRow>, count: u64, upload_again: String) -> impl IntoView {
    let more = count.saturating_sub(problems.len() as u64);
    view! {
        <section data-testid="import-problems" aria-labelledby="problems-heading">
            <h2 id="problems-heading" class="form-error">
                {format!(
                    "取り込めない行が {count}件あります。何も変更していません。",
                )}
            </h2>
            <DataTable test_id="import-problem-rows" headings=&["行", "列", "内容"]>
                {problems
                    .into_iter()
                    .map(|p| {
                        view! {
                            <tr>
                                <td>
                                    {if p.line == 0 {
                                        "—".to_owned()
                                    } else {
                                        p.line.to_string()
                                    }}
                                </td>
                                <td>{p.column.unwrap_or_else(|| "—".to_owned())}</td>
                                <td>{p.message}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </DataTable>
            {(more > 0).then(|| view! { <p class="hint">{format!("ほか {more}件")}</p> })}
            <p>
                <A href=upload_again>
                    "ファイルを直して、もう一度アップロードする"
                </A>
            </p>
        </section>
    }
    .into_any()
}

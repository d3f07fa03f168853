//! 回答 (`/admin/surveys/:id/answers`): how many answered, the aggregate per question (counts per
//! option as bars with their numbers, text answers listed), the respondents with their current
//! answers and each one's history of changes, the files they sent, and the CSV download.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{AnswerRow, QuestionResult, SurveyResults, survey_answer_history, survey_answers};
use crate::components::{AsyncView, Pager};

#[component]
pub fn SurveyAnswersPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|i| i.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let filter = move || query.read().get("f").unwrap_or_default();
    let results = Resource::new(
        move || (id(), page(), filter()),
        |(id, page, filter)| survey_answers(id, page, filter),
    );
    view! {
        <p>
            <A href=move || format!("/admin/surveys/{}", id())>"← アンケートの編集"</A>
        </p>
        <AsyncView resource=results let:results>
            {view! { <Answers results /> }.into_any()}
        </AsyncView>
    }
}

#[component]
fn Answers(results: SurveyResults) -> impl IntoView {
    let id = results.survey.id;
    let title = format!("回答：{}", results.survey.title);
    let pages = results.total_rows.div_ceil(results.page_size).max(1);
    let base = format!("/admin/surveys/{id}/answers");
    let headings: Vec<String> = results
        .questions
        .iter()
        .map(|q| {
            if q.removed {
                format!("{}（削除済み）", q.label)
            } else {
                q.label.clone()
            }
        })
        .collect();
    let tally = results
        .questions
        .iter()
        .cloned()
        .map(|q| question_tally(q, results.respondents))
        .collect_view();
    let export = results.can_export.then(|| {
        view! {
            <p class="toolbar">
                <a
                    class="button ghost"
                    href=format!("/admin/surveys/{id}/answers.csv")
                    download
                    data-testid="answers-csv"
                >
                    "CSV をダウンロード（UTF-8）"
                </a>
                <a
                    class="button ghost"
                    href=format!("/admin/surveys/{id}/answers.csv?encoding=sjis")
                    download
                >
                    "CSV をダウンロード（Shift_JIS・Excel 向け）"
                </a>
            </p>
        }
    });
    let rows = results.rows.clone();
    // Nothing to show: no answer yet (with a filter, the table shows its matches, maybe none).
    let empty = results.respondents == 0;
    let filter_form = filter_form(base.clone(), &results);
    view! {
        <Title text=title.clone() />
        <h1>{title}</h1>
        <p>
            "状態："
            <span class=if results.survey.accepting {
                "status ok"
            } else {
                "status"
            }>{results.survey.state_label.clone()}</span>
            {format!(
                "　回答者 {}人（それぞれの最新の回答を集計しています）",
                results.respondents,
            )}
        </p>
        {export}
        {if empty {
            view! {
                <p class="hint" data-testid="answers-empty">
                    "まだ回答はありません。アンケートの受付を始め、リンクをメッセージやリッチメニューで友だちに届けてください。"
                </p>
            }
                .into_any()
        } else {
            view! {
                <section class="stack" aria-labelledby="tally-title">
                    <h2 id="tally-title">"集計"</h2>
                    <div class="survey-tally" data-testid="survey-tally">
                        {tally}
                    </div>
                </section>
                <section class="stack" aria-labelledby="respondents-title">
                    <h2 id="respondents-title">
                        {format!("回答者（{}人）", results.total_rows)}
                    </h2>
                    {filter_form}
                    <div class="table-scroll">
                        <table class="data-table" data-testid="respondents">
                            <thead>
                                <tr>
                                    <th scope="col">"友だち"</th>
                                    <th scope="col">"回答日時"</th>
                                    <th scope="col">"版"</th>
                                    {headings
                                        .iter()
                                        .map(|h| view! { <th scope="col">{h.clone()}</th> })
                                        .collect_view()}
                                    <th scope="col">"変更履歴"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows
                                    .into_iter()
                                    .map(|row| view! { <RespondentRow survey_id=id row /> })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <Pager
                        base
                        filters=vec![("f", results.filter.clone())]
                        page=results.page
                        pages
                    />
                </section>
            }
                .into_any()
        }}
    }
}

/// 「絞り込み」: only those whose current answer includes one choice (a GET form: it works before
/// the page hydrates, and the filter stays in the address).
fn filter_form(base: String, results: &SurveyResults) -> impl IntoView + use<> {
    let clear = base.clone();
    let choices: Vec<(String, String)> = results
        .questions
        .iter()
        .filter(|q| !q.option_ids.is_empty())
        .flat_map(|q| {
            q.option_ids
                .iter()
                .zip(&q.options)
                .map(|(id, (label, _))| (format!("{}:{id}", q.id), format!("{}：{label}", q.label)))
                .collect::<Vec<_>>()
        })
        .collect();
    let current = results.filter.clone();
    let filtered = !current.is_empty();
    (!choices.is_empty()).then(|| {
        view! {
            <form method="get" action=base class="toolbar" data-testid="respondents-filter">
                <label for="respondents-filter">"絞り込み"</label>
                <select id="respondents-filter" name="f">
                    <option value="" selected=!filtered>
                        "すべての回答者"
                    </option>
                    {choices
                        .into_iter()
                        .map(|(value, label)| {
                            let selected = value == current;
                            view! {
                                <option value=value selected=selected>
                                    {label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <button type="submit" class="button ghost small">
                    "絞り込む"
                </button>
                {filtered.then(|| view! { <A href=clear>"解除"</A> })}
            </form>
        }
    })
}

fn question_tally(q: QuestionResult, respondents: u64) -> impl IntoView {
    let heading = if q.removed {
        format!("{}（削除済みの質問）", q.label)
    } else {
        q.label.clone()
    };
    let summary = format!("{}・回答 {}人", q.kind, q.answered);
    let body = if !q.options.is_empty() {
        let max = q.options.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
        view! {
            <table class="tally-table">
                <caption class="visually-hidden">
                    {format!("{}の選択肢ごとの人数", q.label)}
                </caption>
                <thead>
                    <tr>
                        <th scope="col">"選択肢"</th>
                        <th scope="col">"人数"</th>
                        <th scope="col">"割合"</th>
                    </tr>
                </thead>
                <tbody>
                    {q
                        .options
                        .into_iter()
                        .map(|(label, n)| {
                            let width = format!("width: {}%", n * 100 / max);
                            let share = if respondents == 0 {
                                "—".to_owned()
                            } else {
                                format!("{:.1}%", n as f64 * 100.0 / respondents as f64)
                            };
                            view! {
                                <tr>
                                    <th scope="row">{label}</th>
                                    <td>
                                        <span class="tally-count">
                                            <span
                                                class="tally-bar"
                                                style=width
                                                aria-hidden="true"
                                            ></span>
                                            <span>{n}</span>
                                        </span>
                                    </td>
                                    <td>{share}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    } else if q.is_upload {
        view! {
            <p class="hint">
                "送られたファイルは、下の回答者の一覧から開けます。"
            </p>
        }
        .into_any()
    } else if q.texts.is_empty() {
        view! { <p class="hint">"回答はありません。"</p> }.into_any()
    } else {
        view! {
            <ul class="tally-texts">
                {q.texts.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <article class="panel stack tally-question" data-question=q.id.clone()>
            <h3>{heading}</h3>
            <p class="hint">{summary}</p>
            {body}
        </article>
    }
}

fn answer_cells(survey_id: i64, cells: Vec<crate::api::AnswerCell>) -> impl IntoView {
    cells
        .into_iter()
        .map(|cell| {
            if cell.files.is_empty() {
                view! { <td class="answer-cell">{cell.text}</td> }.into_any()
            } else {
                view! {
                    <td class="answer-cell">
                        {cell
                            .files
                            .into_iter()
                            .map(|(file, name, image)| {
                                let href = format!("/admin/surveys/{survey_id}/files/{file}");
                                if image {
                                    let src = href.clone();
                                    view! {
                                        <a href=href target="_blank" rel="noopener">
                                            <img
                                                class="answer-thumb"
                                                src=src
                                                alt=format!("送られた画像：{name}")
                                                loading="lazy"
                                            />
                                        </a>
                                    }
                                        .into_any()
                                } else {
                                    view! {
                                        <a href=href target="_blank" rel="noopener">
                                            {name}
                                        </a>
                                    }
                                        .into_any()
                                }
                            })
                            .collect_view()}
                    </td>
                }
                .into_any()
            }
        })
        .collect_view()
}

#[component]
fn RespondentRow(survey_id: i64, row: AnswerRow) -> impl IntoView {
    let friend_id = row.friend_id;
    // Read when first opened, in the browser (most rows are never opened).
    let history = RwSignal::new(None::<Result<Vec<AnswerRow>, crate::api::AppError>>);
    let load = move || {
        if history.with_untracked(Option::is_some) {
            return;
        }
        leptos::task::spawn_local(async move {
            history.set(Some(survey_answer_history(survey_id, friend_id).await));
        });
    };
    let name = row.name.clone();
    let shown_name = row.name.clone();
    let friend_href = format!("/admin/friends/{friend_id}");
    let changes = row.revision;
    let blocked = !row.following;
    let submitted = row.submitted.clone();
    let version = format!("第{}版", row.version);
    let cells = answer_cells(survey_id, row.cells);
    view! {
        <tr data-respondent=name>
            <th scope="row">
                <A href=friend_href>{shown_name}</A>
                {blocked.then(|| view! { <span class="status blocked">"ブロック中"</span> })}
            </th>
            <td>{submitted}</td>
            <td>{version}</td>
            {cells}
            <td>
                {if changes > 1 {
                    view! {
                        <details on:toggle=move |_| load()>
                            <summary>{format!("{changes}回回答")}</summary>
                            {move || {
                                history
                                    .get()
                                    .map(|r| match r {
                                        Ok(list) => {
                                            view! {
                                                <ol class="answer-history" data-testid="answer-history">
                                                    {list
                                                        .into_iter()
                                                        .map(|h| {
                                                            view! {
                                                                <li>
                                                                    {format!(
                                                                        "{}（第{}版）：{}",
                                                                        h.submitted,
                                                                        h.version,
                                                                        h
                                                                            .cells
                                                                            .iter()
                                                                            .filter(|c| !c.text.is_empty())
                                                                            .map(|c| c.text.clone())
                                                                            .collect::<Vec<_>>()
                                                                            .join(" / "),
                                                                    )}
                                                                </li>
                                                            }
                                                        })
                                                        .collect_view()}
                                                </ol>
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
                        </details>
                    }
                        .into_any()
                } else {
                    view! { <span class="hint">"1回"</span> }.into_any()
                }}
            </td>
        </tr>
    }
}

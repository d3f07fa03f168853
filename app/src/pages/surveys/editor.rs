//! The survey builder (`/admin/surveys/new`, `/admin/surveys/:id`): questions, consent, design
//! and the completion text on the left; on the right the citizens' page itself, rendered by
//! the same function the server uses for LIFF (`model::survey::page`), at a phone's width.
//! Above, for a saved survey: opening and closing, its LIFF link with a QR code, its versions,
//! copy and delete.
//!
//! Every control works from the keyboard: questions and options move with 「上へ」「下へ」
//! buttons, not only by dragging.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use model::status::SurveyState;
use model::survey::{
    self, Choice, Consent, ConsentLink, FontSize, Layout, Question, QuestionKind, Survey, TextInput,
};

use crate::api::{
    AttributeChoice, CopySurvey, DeleteSurvey, SurveyEditor, SurveyRow, save_survey,
    set_survey_state, survey_editor_data,
};
use crate::components::{AsyncView, ConfirmDelete, RedirectNotice};
use crate::layout::use_channel;

/// `/admin/surveys/new` and `/admin/surveys/:id`.
#[component]
pub fn SurveyPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|i| i.parse::<i64>().ok());
    let channel = use_channel();
    let editor = Resource::new(
        move || (id(), channel.key.get()),
        |(id, channel)| survey_editor_data(id, channel),
    );
    view! {
        <p>
            <A href="/admin/surveys">"← アンケート一覧"</A>
        </p>
        <AsyncView resource=editor let:form>
            {view! { <Builder form /> }.into_any()}
        </AsyncView>
    }
}

/// Changes question `id` of the survey being edited.
fn edit_question(survey: RwSignal<Survey>, id: &str, change: impl FnOnce(&mut Question)) {
    survey.update(|s| {
        if let Some(q) = s.questions.iter_mut().find(|q| q.id == id) {
            change(q);
        }
    });
}

/// Question `id` of the survey being edited, as it is now (tracked).
fn question_of(survey: RwSignal<Survey>, id: &str) -> Option<Question> {
    survey.with(|s| s.questions.iter().find(|q| q.id == id).cloned())
}

/// Moves the item `is` picks `by` places (-1 up, 1 down), if there is room: 「上へ」「下へ」.
fn move_by<T>(items: &mut [T], is: impl Fn(&T) -> bool, by: isize) {
    let Some(i) = items.iter().position(is) else {
        return;
    };
    if let Some(j) = i.checked_add_signed(by).filter(|j| *j < items.len()) {
        items.swap(i, j);
    }
}

fn input_value(ev: &leptos::ev::Event) -> String {
    event_target_value(ev)
}

fn checked(ev: &leptos::ev::Event) -> bool {
    event_target_checked(ev)
}

#[component]
fn Builder(form: SurveyEditor) -> impl IntoView {
    let survey = RwSignal::new(form.definition.clone());
    let readonly = !form.can_edit;
    let survey_id = form.survey.as_ref().map(|s| s.id);
    let based_on = RwSignal::new(form.survey.as_ref().map_or(0, |s| s.latest_version));
    let single = (form.departments.len() == 1).then(|| form.departments[0].id);
    let department = RwSignal::new(form.survey.as_ref().map(|s| s.department_id).or(single));
    let row = RwSignal::new(form.survey.clone());
    let attributes = StoredValue::new(form.attributes.clone());
    let heading = form.survey.as_ref().map_or_else(
        || "アンケートの作成".to_owned(),
        |s| format!("アンケート：{}", s.title),
    );
    let saving = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let navigate = use_navigate();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if readonly || saving.get_untracked() {
            return;
        }
        saving.set(true);
        outcome.set(None);
        let definition = survey.with_untracked(|s| serde_json::to_string(s).unwrap_or_default());
        let department_id = department.get_untracked();
        let version = based_on.get_untracked();
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let result = save_survey(survey_id, department_id, version, definition).await;
            saving.set(false);
            match result {
                Ok((id, _, _)) if survey_id.is_none() => {
                    navigate(&format!("/admin/surveys/{id}?saved=1"), Default::default());
                }
                Ok((_, version_saved, saved)) => {
                    // The version as stored (ids renumbered where an old one was reused).
                    survey.set(saved);
                    based_on.set(version_saved);
                    row.update(|r| {
                        if let Some(r) = r {
                            r.latest_version = version_saved;
                        }
                    });
                    outcome.set(Some(Ok(format!(
                        "第{version_saved}版として保存しました。市民には次に開いたときから表示されます。"
                    ))));
                }
                Err(e) => outcome.set(Some(Err(e.to_string()))),
            }
        });
    };
    let problems = Memo::new(move |_| survey.with(survey::problems));
    let contrast = Memo::new(move |_| survey.with(|s| survey::contrast_warnings(&s.design)));
    let departments = form.departments.clone();
    let this_year = form.this_year;
    let publish = survey_id
        .map(|id| publish_panel(id, row, form.clone(), readonly))
        .unwrap_or_else(|| ().into_any());
    let basics = basics_section(survey, department, departments, readonly);
    let questions = questions_section(survey, attributes, readonly);
    let consent = consent_section(survey, readonly);
    let design = design_section(survey, contrast, readonly);
    let completion = completion_section(survey, readonly);
    view! {
        <Title text=heading.clone() />
        <h1>{heading}</h1>
        <RedirectNotice param="saved" text="保存しました。" />
        <RedirectNotice param="copied" text="コピーを作成しました（下書き）。" />
        {readonly
            .then(|| {
                view! {
                    <p class="notice" role="note">
                        "閲覧のみの権限のため、変更はできません。"
                    </p>
                }
            })}
        {publish}
        <div class="survey-editor">
            <form class="stack survey-forms" on:submit=save data-testid="survey-form" novalidate>
                {basics}
                {questions}
                {consent}
                {design}
                {completion}
                <div class="sticky-actions stack">
                    {move || {
                        let list = problems.get();
                        (!list.is_empty())
                            .then(|| {
                                view! {
                                    <div
                                        class="notice warning"
                                        role="note"
                                        data-testid="survey-problems"
                                    >
                                        <p>"保存する前に直してください："</p>
                                        <ul>
                                            {list
                                                .into_iter()
                                                .map(|p| view! { <li>{p}</li> })
                                                .collect_view()}
                                        </ul>
                                    </div>
                                }
                            })
                    }}
                    {move || {
                        outcome
                            .get()
                            .map(|o| match o {
                                Ok(text) => {
                                    view! {
                                        <p class="notice" role="status" data-testid="survey-saved">
                                            {text}
                                        </p>
                                    }
                                        .into_any()
                                }
                                Err(text) => {
                                    view! {
                                        <p
                                            class="form-error"
                                            role="alert"
                                            data-testid="survey-error"
                                        >
                                            {text}
                                        </p>
                                    }
                                        .into_any()
                                }
                            })
                    }} <p class="toolbar">
                        <button
                            type="submit"
                            class="button primary"
                            data-testid="save-survey"
                            disabled=move || readonly || saving.get()
                        >
                            {move || {
                                if saving.get() {
                                    "保存しています…".to_owned()
                                } else if survey_id.is_none() {
                                    "下書きとして保存".to_owned()
                                } else {
                                    format!(
                                        "保存（第{}版になります）",
                                        based_on.get() + 1,
                                    )
                                }
                            }}
                        </button>
                        <span class="hint">
                            "保存するたびに版が残ります。回答は、回答したときの版とともに保存されます。"
                        </span>
                    </p>
                </div>
            </form>
            <aside class="survey-side" aria-labelledby="survey-preview-title">
                <h2 id="survey-preview-title">"プレビュー"</h2>
                <p class="hint">
                    "市民のスマートフォンに表示される画面です（幅 375px）。"
                </p>
                <SurveyPreview survey this_year />
            </aside>
        </div>
    }
}

/// The citizens' page, written into a frame of our own (its styles stay apart from the admin
/// panel's and the panel's security policy stays strict).
#[component]
fn SurveyPreview(survey: RwSignal<Survey>, this_year: i32) -> impl IntoView {
    let frame = NodeRef::<leptos::html::Iframe>::new();
    let html = Memo::new(move |_| {
        survey.with(|s| {
            let state = survey::page::FormState {
                this_year,
                ..Default::default()
            };
            let main = survey::page::form(s, &state);
            survey::page::inner(&s.design, &s.title, "", &main, "")
        })
    });
    let write = move || {
        let Some(frame) = frame.get_untracked() else {
            return;
        };
        if let Some(root) = frame.content_document().and_then(|d| d.document_element()) {
            root.set_inner_html(&html.get_untracked());
        }
    };
    Effect::new(move |_| {
        html.track();
        write();
    });
    view! {
        <iframe
            node_ref=frame
            class="survey-preview"
            src="/admin/surveys/preview-frame"
            title="市民に表示されるアンケート画面のプレビュー"
            data-testid="survey-preview"
            on:load=move |_| write()
        ></iframe>
    }
}

fn basics_section(
    survey: RwSignal<Survey>,
    department: RwSignal<Option<i64>>,
    departments: Vec<crate::api::DepartmentOption>,
    readonly: bool,
) -> AnyView {
    let no_departments = departments.is_empty();
    view! {
        <section class="panel stack" aria-labelledby="survey-basics-title">
            <h2 id="survey-basics-title">"基本"</h2>
            <div class="field">
                <label for="survey-title">"タイトル"</label>
                <input
                    id="survey-title"
                    type="text"
                    maxlength=survey::TITLE_MAX_CHARS
                    required
                    readonly=readonly
                    prop:value=move || survey.with(|s| s.title.clone())
                    on:input=move |ev| survey.update(|s| s.title = input_value(&ev))
                />
            </div>
            <div class="field">
                <label for="survey-description">"説明（タイトルの下に表示）"</label>
                <textarea
                    id="survey-description"
                    rows="3"
                    maxlength=survey::DESCRIPTION_MAX_CHARS
                    readonly=readonly
                    prop:value=move || survey.with(|s| s.description.clone())
                    on:input=move |ev| survey.update(|s| s.description = input_value(&ev))
                ></textarea>
            </div>
            <div class="field">
                <label for="survey-department">"所属部署"</label>
                <select
                    id="survey-department"
                    disabled=readonly || no_departments
                    on:change=move |ev| department.set(input_value(&ev).parse().ok())
                >
                    <option value="" selected=move || department.get().is_none()>
                        "選んでください"
                    </option>
                    {departments
                        .into_iter()
                        .map(|d| {
                            let id = d.id;
                            view! {
                                <option value=id selected=move || department.get() == Some(id)>
                                    {d.name}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                {no_departments
                    .then(|| {
                        view! {
                            <p class="hint">
                                "担当部署がありません。管理者に部署への所属を依頼してください。"
                            </p>
                        }
                    })}
            </div>
        </section>
    }
    .into_any()
}

fn questions_section(
    survey: RwSignal<Survey>,
    attributes: StoredValue<Vec<AttributeChoice>>,
    readonly: bool,
) -> AnyView {
    let new_kind = RwSignal::new("single_choice".to_owned());
    let add = move |_| {
        let Some(kind) = QuestionKind::new_of(&new_kind.get_untracked()) else {
            return;
        };
        survey.update(|s| {
            let id = survey::next_question_id(s);
            let (label, kind) = match kind {
                QuestionKind::SingleChoice { dropdown, .. } => (
                    "新しい質問",
                    QuestionKind::SingleChoice {
                        options: default_options(),
                        dropdown,
                    },
                ),
                QuestionKind::MultiChoice { min, max, .. } => (
                    "新しい質問",
                    QuestionKind::MultiChoice {
                        options: default_options(),
                        min,
                        max,
                    },
                ),
                QuestionKind::Heading => ("見出し", QuestionKind::Heading),
                QuestionKind::Explanation => ("説明文", QuestionKind::Explanation),
                QuestionKind::Image { url } => ("", QuestionKind::Image { url }),
                other => ("新しい質問", other),
            };
            s.questions.push(Question {
                id,
                label: label.into(),
                help: String::new(),
                required: false,
                attribute_id: None,
                kind,
            });
        });
    };
    view! {
        <section class="panel stack" aria-labelledby="survey-questions-title">
            <h2 id="survey-questions-title">"質問"</h2>
            <p class="hint">
                "質問を「友だち属性に保存」に結び付けると、回答がその属性になり、セグメント配信に使えます。質問を削除しても、それまでの回答は履歴と CSV に残ります。"
            </p>
            <ol class="survey-questions stack" data-testid="survey-questions">
                <For
                    each=move || {
                        survey
                            .with(|s| s.questions.iter().map(|q| q.id.clone()).collect::<Vec<_>>())
                    }
                    key=|id| id.clone()
                    let:id
                >
                    <QuestionCard id survey attributes readonly />
                </For>
            </ol>
            {move || {
                survey
                    .with(|s| s.questions.is_empty())
                    .then(|| {
                        view! {
                            <p class="hint">
                                "質問はまだありません。下の「質問を追加」から追加してください。"
                            </p>
                        }
                    })
            }}
            <div class="toolbar">
                <label for="survey-new-kind">"種類"</label>
                <select
                    id="survey-new-kind"
                    disabled=readonly
                    on:change=move |ev| new_kind.set(input_value(&ev))
                >
                    {QuestionKind::KEYS
                        .iter()
                        .map(|key| {
                            let label = QuestionKind::new_of(key)
                                .map(|k| k.label_ja())
                                .unwrap_or_default();
                            view! {
                                <option value=*key selected=move || new_kind.get() == *key>
                                    {label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <button
                    type="button"
                    class="button"
                    data-testid="add-question"
                    disabled=readonly
                    on:click=add
                >
                    "質問を追加"
                </button>
            </div>
        </section>
    }
    .into_any()
}

fn default_options() -> Vec<Choice> {
    (1..=2)
        .map(|i| Choice {
            id: format!("o{i}"),
            label: format!("選択肢{i}"),
            attribute_option_id: None,
        })
        .collect()
}

/// One question's editor.
#[component]
fn QuestionCard(
    id: String,
    survey: RwSignal<Survey>,
    attributes: StoredValue<Vec<AttributeChoice>>,
    readonly: bool,
) -> impl IntoView {
    let qid = StoredValue::new(id.clone());
    let initial = survey.with_untracked(|s| s.questions.iter().find(|q| q.id == id).cloned());
    let Some(initial) = initial else {
        return ().into_any();
    };
    let kind_label = initial.kind.label_ja();
    let answered = initial.kind.is_answered();
    let question = move || question_of(survey, &qid.get_value());
    let position = move || {
        survey.with(|s| {
            (
                s.questions
                    .iter()
                    .position(|q| q.id == qid.get_value())
                    .unwrap_or(0),
                s.questions.len(),
            )
        })
    };
    let label_text = move || question().map(|q| q.label).unwrap_or_default();
    let name = move || {
        let label = label_text();
        if label.trim().is_empty() {
            format!("{}番目の{kind_label}", position().0 + 1)
        } else {
            format!("「{}」", label.chars().take(20).collect::<String>())
        }
    };
    let edit = move |change: Box<dyn FnOnce(&mut Question)>| {
        edit_question(survey, &qid.get_value(), change);
    };
    let shift = move |by: isize| {
        survey.update(|s| move_by(&mut s.questions, |q| q.id == qid.get_value(), by));
    };
    let duplicate = move |_| {
        survey.update(|s| {
            let Some(i) = s.questions.iter().position(|q| q.id == qid.get_value()) else {
                return;
            };
            let mut copy = s.questions[i].clone();
            copy.id = survey::next_question_id(s);
            // Two questions may not write one attribute.
            copy.attribute_id = None;
            if let QuestionKind::SingleChoice { options, .. }
            | QuestionKind::MultiChoice { options, .. } = &mut copy.kind
            {
                for o in options {
                    o.attribute_option_id = None;
                }
            }
            s.questions.insert(i + 1, copy);
        });
    };
    let remove = move |_| {
        survey.update(|s| s.questions.retain(|q| q.id != qid.get_value()));
    };
    let base = format!("q-{id}");
    let label_id = format!("{base}-label");
    let help_id = format!("{base}-help");
    let required_id = format!("{base}-required");
    let attribute_id = format!("{base}-attribute");
    let label_field = match initial.kind {
        QuestionKind::Explanation => view! {
            <div class="field">
                <label for=label_id.clone()>"文章"</label>
                <textarea
                    id=label_id.clone()
                    rows="3"
                    maxlength=survey::EXPLANATION_MAX_CHARS
                    readonly=readonly
                    prop:value=label_text
                    on:input=move |ev| {
                        let v = input_value(&ev);
                        edit(Box::new(move |q| q.label = v));
                    }
                ></textarea>
            </div>
        }
        .into_any(),
        _ => {
            let caption = match initial.kind {
                QuestionKind::Heading => "見出し",
                QuestionKind::Image { .. } => "画像の説明（読み上げ用の代替テキスト）",
                _ => "質問文",
            };
            view! {
                <div class="field">
                    <label for=label_id.clone()>{caption}</label>
                    <input
                        id=label_id.clone()
                        type="text"
                        maxlength=survey::LABEL_MAX_CHARS
                        readonly=readonly
                        prop:value=label_text
                        on:input=move |ev| {
                            let v = input_value(&ev);
                            edit(Box::new(move |q| q.label = v));
                        }
                    />
                </div>
            }
            .into_any()
        }
    };
    let answered_fields = answered.then(|| {
        let fitting: Vec<AttributeChoice> = attributes.with_value(|list| {
            list.iter()
                .filter(|a| initial.kind.fits_attribute(a.kind))
                .cloned()
                .collect()
        });
        let bind = move |ev: leptos::ev::Event| {
            let chosen: Option<i64> = input_value(&ev).parse().ok();
            let attribute = chosen
                .and_then(|id| attributes.with_value(|l| l.iter().find(|a| a.id == id).cloned()));
            edit(Box::new(move |q| {
                q.attribute_id = chosen;
                if let QuestionKind::SingleChoice { options, .. }
                | QuestionKind::MultiChoice { options, .. } = &mut q.kind
                {
                    match &attribute {
                        Some(a) => *options = survey::bound_choices(options, &a.options),
                        None => {
                            for o in options.iter_mut() {
                                o.attribute_option_id = None;
                            }
                        }
                    }
                }
            }));
        };
        let current_attribute = move || question().and_then(|q| q.attribute_id);
        view! {
            <div class="field">
                <label for=help_id.clone()>"補足（質問の下に小さく表示）"</label>
                <input
                    id=help_id.clone()
                    type="text"
                    maxlength=survey::HELP_MAX_CHARS
                    readonly=readonly
                    prop:value=move || question().map(|q| q.help).unwrap_or_default()
                    on:input=move |ev| {
                        let v = input_value(&ev);
                        edit(Box::new(move |q| q.help = v));
                    }
                />
            </div>
            <label class="checkbox">
                <input
                    id=required_id
                    type="checkbox"
                    disabled=readonly
                    prop:checked=move || question().is_some_and(|q| q.required)
                    on:change=move |ev| {
                        let v = checked(&ev);
                        edit(Box::new(move |q| q.required = v));
                    }
                />
                "必須にする"
            </label>
            <div class="field">
                <label for=attribute_id.clone()>"友だち属性に保存"</label>
                <select id=attribute_id.clone() disabled=readonly on:change=bind>
                    <option value="" selected=move || current_attribute().is_none()>
                        "保存しない"
                    </option>
                    {fitting
                        .into_iter()
                        .map(|a| {
                            let id = a.id;
                            view! {
                                <option value=id selected=move || current_attribute() == Some(id)>
                                    {format!("{}（{}）", a.label, a.kind.label_ja())}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
        }
    });
    let controls = kind_controls(&initial, &base, survey, qid, readonly);
    view! {
        <li class="panel stack survey-question" data-question=id.clone()>
            <div class="question-head">
                <strong>{move || format!("{}. {kind_label}", position().0 + 1)}</strong>
                <span class="toolbar">
                    <button
                        type="button"
                        class="button ghost small"
                        disabled=move || readonly || position().0 == 0
                        aria-label=move || format!("{}を上へ", name())
                        on:click=move |_| shift(-1)
                    >
                        "上へ"
                    </button>
                    <button
                        type="button"
                        class="button ghost small"
                        disabled=move || {
                            let (i, n) = position();
                            readonly || i + 1 >= n
                        }
                        aria-label=move || format!("{}を下へ", name())
                        on:click=move |_| shift(1)
                    >
                        "下へ"
                    </button>
                    <button
                        type="button"
                        class="button ghost small"
                        disabled=readonly
                        aria-label=move || format!("{}を複製", name())
                        on:click=duplicate
                    >
                        "複製"
                    </button>
                    <button
                        type="button"
                        class="button ghost small danger-text"
                        disabled=readonly
                        aria-label=move || format!("{}を削除", name())
                        on:click=remove
                    >
                        "削除"
                    </button>
                </span>
            </div>
            {label_field}
            {answered_fields}
            {controls}
        </li>
    }
    .into_any()
}

/// The controls of a question's own kind.
fn kind_controls(
    initial: &Question,
    base: &str,
    survey: RwSignal<Survey>,
    qid: StoredValue<String>,
    readonly: bool,
) -> AnyView {
    let question = move || question_of(survey, &qid.get_value());
    let edit = move |change: Box<dyn FnOnce(&mut Question)>| {
        edit_question(survey, &qid.get_value(), change);
    };
    let kind = move || question().map(|q| q.kind);
    match &initial.kind {
        QuestionKind::SingleChoice { .. } | QuestionKind::MultiChoice { .. } => {
            let multi = matches!(initial.kind, QuestionKind::MultiChoice { .. });
            let dropdown_id = format!("{base}-dropdown");
            let min_id = format!("{base}-min");
            let max_id = format!("{base}-max");
            let style = if multi {
                let number = move |which: &'static str| {
                    move || match kind() {
                        Some(QuestionKind::MultiChoice { min, max, .. }) => {
                            if which == "min" { min } else { max }.to_string()
                        }
                        _ => String::new(),
                    }
                };
                let set = move |which: &'static str, ev: leptos::ev::Event| {
                    let v: u32 = input_value(&ev).parse().unwrap_or(0);
                    edit(Box::new(move |q| {
                        if let QuestionKind::MultiChoice { min, max, .. } = &mut q.kind {
                            if which == "min" {
                                *min = v;
                            } else {
                                *max = v;
                            }
                        }
                    }));
                };
                view! {
                    <div class="inline-fields">
                        <div class="field">
                            <label for=min_id
                                .clone()>"最小選択数（0は指定なし）"</label>
                            <input
                                id=min_id.clone()
                                type="number"
                                min="0"
                                max="100"
                                readonly=readonly
                                prop:value=number("min")
                                on:change=move |ev| set("min", ev)
                            />
                        </div>
                        <div class="field">
                            <label for=max_id
                                .clone()>"最大選択数（0は指定なし）"</label>
                            <input
                                id=max_id.clone()
                                type="number"
                                min="0"
                                max="100"
                                readonly=readonly
                                prop:value=number("max")
                                on:change=move |ev| set("max", ev)
                            />
                        </div>
                    </div>
                }
                .into_any()
            } else {
                view! {
                    <label class="checkbox">
                        <input
                            id=dropdown_id
                            type="checkbox"
                            disabled=readonly
                            prop:checked=move || {
                                matches!(
                                    kind(),
                                    Some(QuestionKind::SingleChoice { dropdown: true, .. })
                                )
                            }
                            on:change=move |ev| {
                                let v = checked(&ev);
                                edit(
                                    Box::new(move |q| {
                                        if let QuestionKind::SingleChoice { dropdown, .. } = &mut q
                                            .kind
                                        {
                                            *dropdown = v;
                                        }
                                    }),
                                );
                            }
                        />
                        "プルダウンで表示する（選択肢が多いとき）"
                    </label>
                }
                .into_any()
            };
            view! {
                {style}
                <OptionsEditor base=base.to_owned() survey qid readonly />
            }
            .into_any()
        }
        QuestionKind::Text { .. } => {
            let multiline_id = format!("{base}-multiline");
            let max_id = format!("{base}-max-chars");
            let input_id = format!("{base}-input");
            let text = move || match kind() {
                Some(QuestionKind::Text {
                    multiline,
                    max_chars,
                    input,
                }) => (multiline, max_chars, input),
                _ => (false, 200, TextInput::Free),
            };
            view! {
                <div class="inline-fields">
                    <label class="checkbox">
                        <input
                            id=multiline_id
                            type="checkbox"
                            disabled=readonly
                            prop:checked=move || text().0
                            on:change=move |ev| {
                                let v = checked(&ev);
                                edit(
                                    Box::new(move |q| {
                                        if let QuestionKind::Text { multiline, .. } = &mut q.kind {
                                            *multiline = v;
                                        }
                                    }),
                                );
                            }
                        />
                        "複数行（段落）"
                    </label>
                    <div class="field">
                        <label for=max_id.clone()>"最大文字数"</label>
                        <input
                            id=max_id.clone()
                            type="number"
                            min="1"
                            max=survey::TEXT_ANSWER_MAX_CHARS
                            readonly=readonly
                            prop:value=move || text().1.to_string()
                            on:change=move |ev| {
                                let v: u32 = input_value(&ev).parse().unwrap_or(0);
                                edit(
                                    Box::new(move |q| {
                                        if let QuestionKind::Text { max_chars, .. } = &mut q.kind {
                                            *max_chars = v;
                                        }
                                    }),
                                );
                            }
                        />
                    </div>
                    <div class="field">
                        <label for=input_id.clone()>"入力の種類"</label>
                        <select
                            id=input_id.clone()
                            disabled=readonly
                            on:change=move |ev| {
                                let v = TextInput::from_key(&input_value(&ev)).unwrap_or_default();
                                edit(
                                    Box::new(move |q| {
                                        if let QuestionKind::Text { input, .. } = &mut q.kind {
                                            *input = v;
                                        }
                                    }),
                                );
                            }
                        >
                            {TextInput::ALL
                                .into_iter()
                                .map(|k| {
                                    view! {
                                        <option value=k.key() selected=move || text().2 == k>
                                            {k.label_ja()}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </div>
                </div>
            }
            .into_any()
        }
        QuestionKind::Upload { .. } => {
            let types_id = format!("{base}-types");
            let size_id = format!("{base}-size");
            let files_id = format!("{base}-files");
            let upload = move || match kind() {
                Some(QuestionKind::Upload {
                    images_only,
                    max_bytes,
                    max_files,
                }) => (images_only, max_bytes, max_files),
                _ => (true, 5 * 1024 * 1024, 1),
            };
            view! {
                <div class="inline-fields">
                    <div class="field">
                        <label for=types_id.clone()>"受け付けるファイル"</label>
                        <select
                            id=types_id.clone()
                            disabled=readonly
                            on:change=move |ev| {
                                let v = input_value(&ev) == "images";
                                edit(
                                    Box::new(move |q| {
                                        if let QuestionKind::Upload { images_only, .. } = &mut q
                                            .kind
                                        {
                                            *images_only = v;
                                        }
                                    }),
                                );
                            }
                        >
                            <option value="images" selected=move || upload().0>
                                "画像（JPEG・PNG）"
                            </option>
                            <option value="images_pdf" selected=move || !upload().0>
                                "画像と PDF"
                            </option>
                        </select>
                    </div>
                    <div class="field">
                        <label for=size_id.clone()>"1ファイルの上限"</label>
                        <select
                            id=size_id.clone()
                            disabled=readonly
                            on:change=move |ev| {
                                let v: u32 = input_value(&ev).parse().unwrap_or(5 * 1024 * 1024);
                                edit(
                                    Box::new(move |q| {
                                        if let QuestionKind::Upload { max_bytes, .. } = &mut q.kind
                                        {
                                            *max_bytes = v;
                                        }
                                    }),
                                );
                            }
                        >
                            {[1u32, 2, 5, 10]
                                .into_iter()
                                .map(|mb| {
                                    let bytes = mb * 1024 * 1024;
                                    view! {
                                        <option value=bytes selected=move || upload().1 == bytes>
                                            {format!("{mb}MB")}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for=files_id.clone()>"ファイル数の上限"</label>
                        <input
                            id=files_id.clone()
                            type="number"
                            min="1"
                            max=survey::UPLOAD_MAX_FILES
                            readonly=readonly
                            prop:value=move || upload().2.to_string()
                            on:change=move |ev| {
                                let v: u32 = input_value(&ev).parse().unwrap_or(1);
                                edit(
                                    Box::new(move |q| {
                                        if let QuestionKind::Upload { max_files, .. } = &mut q.kind
                                        {
                                            *max_files = v;
                                        }
                                    }),
                                );
                            }
                        />
                    </div>
                </div>
                <p class="hint">
                    "写真は市のサーバーで読み直して保存します（撮影場所などの情報は消えます）。ファイル名ではなく中身で種類を確かめます。"
                </p>
            }
            .into_any()
        }
        QuestionKind::Image { .. } => {
            let url_id = format!("{base}-url");
            view! {
                <div class="field">
                    <label for=url_id.clone()>"画像のアドレス"</label>
                    <input
                        id=url_id.clone()
                        type="url"
                        readonly=readonly
                        placeholder="/media/… または https://…"
                        prop:value=move || match kind() {
                            Some(QuestionKind::Image { url }) => url,
                            _ => String::new(),
                        }
                        on:input=move |ev| {
                            let v = input_value(&ev);
                            edit(
                                Box::new(move |q| {
                                    if let QuestionKind::Image { url } = &mut q.kind {
                                        *url = v;
                                    }
                                }),
                            );
                        }
                    />
                    <p class="hint">
                        "「画像」ページで画像を選び、そのアドレス（/media/ で始まる）を貼り付けます。"
                    </p>
                </div>
            }
            .into_any()
        }
        QuestionKind::Date
        | QuestionKind::BirthMonth
        | QuestionKind::Heading
        | QuestionKind::Explanation => ().into_any(),
    }
}

/// A change to a question's choices.
type OptionsChange = Box<dyn FnOnce(&mut Vec<Choice>)>;

/// A choice question's options: typed by staff, or those of the bound attribute.
#[component]
fn OptionsEditor(
    base: String,
    survey: RwSignal<Survey>,
    qid: StoredValue<String>,
    readonly: bool,
) -> impl IntoView {
    let question = move || question_of(survey, &qid.get_value());
    let bound = move || question().is_some_and(|q| q.attribute_id.is_some());
    let options = move || {
        question()
            .map(|q| q.kind.options().to_vec())
            .unwrap_or_default()
    };
    let edit_options = move |change: OptionsChange| {
        edit_question(survey, &qid.get_value(), move |q| {
            if let QuestionKind::SingleChoice { options, .. }
            | QuestionKind::MultiChoice { options, .. } = &mut q.kind
            {
                change(options);
            }
        });
    };
    let add = move |_| {
        edit_options(Box::new(|options| {
            let id = survey::next_option_id(options);
            options.push(Choice {
                label: format!("選択肢{}", options.len() + 1),
                id,
                attribute_option_id: None,
            });
        }));
    };
    view! {
        <fieldset class="stack survey-options">
            <legend>"選択肢"</legend>
            {move || {
                bound()
                    .then(|| {
                        view! {
                            <p class="hint">
                                "選択肢は、結び付けた友だち属性の選択肢です。変えるときは「友だち」→「属性」で属性の選択肢を編集してください（このページを開き直すと反映されます）。"
                            </p>
                        }
                    })
            }}
            <ol class="stack">
                {move || {
                    let list = options();
                    let n = list.len();
                    let is_bound = bound();
                    list.into_iter()
                        .enumerate()
                        .map(|(i, o)| {
                            let input_id = format!("{base}-option-{}", o.id);
                            let oid = o.id.clone();
                            let oid_up = o.id.clone();
                            let oid_down = o.id.clone();
                            let oid_remove = o.id.clone();
                            let label = o.label.clone();
                            let cannot_go_down = readonly || i + 1 >= n;
                            view! {
                                <li class="option-row">
                                    <label class="visually-hidden" for=input_id.clone()>
                                        {format!("選択肢{}", i + 1)}
                                    </label>
                                    <input
                                        id=input_id
                                        type="text"
                                        maxlength=survey::OPTION_MAX_CHARS
                                        readonly=readonly || is_bound
                                        prop:value=o.label.clone()
                                        on:change=move |ev| {
                                            let v = input_value(&ev);
                                            let oid = oid.clone();
                                            edit_options(
                                                Box::new(move |options| {
                                                    if let Some(o) = options.iter_mut().find(|o| o.id == oid) {
                                                        o.label = v;
                                                    }
                                                }),
                                            );
                                        }
                                    />
                                    {(!is_bound)
                                        .then(|| {
                                            view! {
                                                <button
                                                    type="button"
                                                    class="button ghost small"
                                                    disabled=readonly || i == 0
                                                    aria-label=format!("選択肢「{label}」を上へ")
                                                    on:click=move |_| {
                                                        let oid = oid_up.clone();
                                                        edit_options(
                                                            Box::new(move |options| move_by(
                                                                options,
                                                                |o| o.id == oid,
                                                                -1,
                                                            )),
                                                        );
                                                    }
                                                >
                                                    "上へ"
                                                </button>
                                                <button
                                                    type="button"
                                                    class="button ghost small"
                                                    disabled=cannot_go_down
                                                    aria-label=format!("選択肢「{label}」を下へ")
                                                    on:click=move |_| {
                                                        let oid = oid_down.clone();
                                                        edit_options(
                                                            Box::new(move |options| move_by(
                                                                options,
                                                                |o| o.id == oid,
                                                                1,
                                                            )),
                                                        );
                                                    }
                                                >
                                                    "下へ"
                                                </button>
                                                <button
                                                    type="button"
                                                    class="button ghost small danger-text"
                                                    disabled=readonly
                                                    aria-label=format!("選択肢「{label}」を削除")
                                                    on:click=move |_| {
                                                        let oid = oid_remove.clone();
                                                        edit_options(
                                                            Box::new(move |options| {
                                                                options.retain(|o| o.id != oid);
                                                            }),
                                                        );
                                                    }
                                                >
                                                    "削除"
                                                </button>
                                            }
                                        })}
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
            {move || {
                (!bound())
                    .then(|| {
                        view! {
                            <p>
                                <button
                                    type="button"
                                    class="button small"
                                    disabled=readonly
                                    on:click=add
                                >
                                    "選択肢を追加"
                                </button>
                            </p>
                        }
                    })
            }}
        </fieldset>
    }
}

fn consent_section(survey: RwSignal<Survey>, readonly: bool) -> AnyView {
    let consent = move || survey.with(|s| s.consent.clone());
    let edit = move |change: Box<dyn FnOnce(&mut Consent)>| {
        survey.update(|s| {
            if let Some(c) = s.consent.as_mut() {
                change(c);
            }
        });
    };
    view! {
        <section class="panel stack" aria-labelledby="survey-consent-title">
            <h2 id="survey-consent-title">"同意事項"</h2>
            <label class="checkbox">
                <input
                    id="survey-consent-on"
                    type="checkbox"
                    disabled=readonly
                    prop:checked=move || consent().is_some()
                    on:change=move |ev| {
                        let on = checked(&ev);
                        survey.update(|s| s.consent = on.then(Consent::default));
                    }
                />
                "同意欄を表示する（チェックしないと送信できません）"
            </label>
            {move || {
                consent()
                    .map(|c| {
                        let links = c.links.clone();
                        view! {
                            <div class="field">
                                <label for="survey-consent-text">"同意文"</label>
                                <textarea
                                    id="survey-consent-text"
                                    rows="4"
                                    maxlength=survey::CONSENT_MAX_CHARS
                                    readonly=readonly
                                    prop:value=c.text.clone()
                                    on:change=move |ev| {
                                        let v = input_value(&ev);
                                        edit(Box::new(move |c| c.text = v));
                                    }
                                ></textarea>
                                <p class="hint">
                                    "同意文やリンクを変えると、前に回答した人も次に開いたときにもう一度同意を求められます。"
                                </p>
                            </div>
                            <div class="field">
                                <label for="survey-consent-label">
                                    "チェックボックスの文言"
                                </label>
                                <input
                                    id="survey-consent-label"
                                    type="text"
                                    maxlength=survey::LABEL_MAX_CHARS
                                    readonly=readonly
                                    prop:value=c.checkbox_label.clone()
                                    on:change=move |ev| {
                                        let v = input_value(&ev);
                                        edit(Box::new(move |c| c.checkbox_label = v));
                                    }
                                />
                            </div>
                            <fieldset class="stack">
                                <legend>
                                    "リンク（利用規約・プライバシーポリシーなど）"
                                </legend>
                                {links
                                    .into_iter()
                                    .enumerate()
                                    .map(|(i, link)| {
                                        let label_id = format!("survey-consent-link-{i}-label");
                                        let url_id = format!("survey-consent-link-{i}-url");
                                        view! {
                                            <div class="inline-fields">
                                                <div class="field">
                                                    <label for=label_id
                                                        .clone()>{format!("リンク{}の文言", i + 1)}</label>
                                                    <input
                                                        id=label_id.clone()
                                                        type="text"
                                                        readonly=readonly
                                                        prop:value=link.label.clone()
                                                        on:change=move |ev| {
                                                            let v = input_value(&ev);
                                                            edit(
                                                                Box::new(move |c| {
                                                                    if let Some(l) = c.links.get_mut(i) {
                                                                        l.label = v;
                                                                    }
                                                                }),
                                                            );
                                                        }
                                                    />
                                                </div>
                                                <div class="field">
                                                    <label for=url_id
                                                        .clone()>{format!("リンク{}のURL", i + 1)}</label>
                                                    <input
                                                        id=url_id.clone()
                                                        type="url"
                                                        readonly=readonly
                                                        prop:value=link.url.clone()
                                                        on:change=move |ev| {
                                                            let v = input_value(&ev);
                                                            edit(
                                                                Box::new(move |c| {
                                                                    if let Some(l) = c.links.get_mut(i) {
                                                                        l.url = v;
                                                                    }
                                                                }),
                                                            );
                                                        }
                                                    />
                                                </div>
                                                <button
                                                    type="button"
                                                    class="button ghost small danger-text"
                                                    disabled=readonly
                                                    aria-label=format!("リンク{}を削除", i + 1)
                                                    on:click=move |_| {
                                                        edit(
                                                            Box::new(move |c| {
                                                                if i < c.links.len() {
                                                                    c.links.remove(i);
                                                                }
                                                            }),
                                                        );
                                                    }
                                                >
                                                    "削除"
                                                </button>
                                            </div>
                                        }
                                    })
                                    .collect_view()}
                                <p>
                                    <button
                                        type="button"
                                        class="button small"
                                        disabled=readonly
                                        on:click=move |_| {
                                            edit(
                                                Box::new(|c| {
                                                    let label = if c.links.is_empty() {
                                                        "利用規約"
                                                    } else {
                                                        "プライバシーポリシー"
                                                    };
                                                    c.links
                                                        .push(ConsentLink {
                                                            label: label.into(),
                                                            url: "https://".into(),
                                                        });
                                                }),
                                            );
                                        }
                                    >
                                        "リンクを追加"
                                    </button>
                                </p>
                            </fieldset>
                        }
                    })
            }}
        </section>
    }
    .into_any()
}

fn colour_field(
    id: &'static str,
    label: &'static str,
    survey: RwSignal<Survey>,
    get: fn(&survey::Design) -> String,
    set: fn(&mut survey::Design, String),
    readonly: bool,
) -> impl IntoView {
    let value = move || survey.with(|s| get(&s.design));
    let picker_id = format!("{id}-picker");
    view! {
        <div class="field colour-field">
            <label for=id>{label}</label>
            <span class="colour-inputs">
                <input
                    id=picker_id.clone()
                    type="color"
                    aria-label=format!("{label}（色を選ぶ）")
                    disabled=readonly
                    prop:value=value
                    on:input=move |ev| {
                        let v = input_value(&ev).to_ascii_uppercase();
                        survey.update(|s| set(&mut s.design, v));
                    }
                />
                <input
                    id=id
                    type="text"
                    maxlength="7"
                    size="8"
                    readonly=readonly
                    prop:value=value
                    on:change=move |ev| {
                        let v = input_value(&ev).trim().to_ascii_uppercase();
                        survey.update(|s| set(&mut s.design, v));
                    }
                />
            </span>
        </div>
    }
}

fn design_section(
    survey: RwSignal<Survey>,
    contrast: Memo<Vec<String>>,
    readonly: bool,
) -> AnyView {
    view! {
        <section class="panel stack" aria-labelledby="survey-design-title">
            <h2 id="survey-design-title">"デザイン"</h2>
            <div class="inline-fields">
                {colour_field(
                    "survey-text-colour",
                    "文字色",
                    survey,
                    |d| d.text_color.clone(),
                    |d, v| d.text_color = v,
                    readonly,
                )}
                {colour_field(
                    "survey-background-colour",
                    "背景色",
                    survey,
                    |d| d.background_color.clone(),
                    |d, v| d.background_color = v,
                    readonly,
                )}
                {colour_field(
                    "survey-button-colour",
                    "ボタンの色",
                    survey,
                    |d| d.button_color.clone(),
                    |d, v| d.button_color = v,
                    readonly,
                )}
                {colour_field(
                    "survey-button-text-colour",
                    "ボタンの文字色",
                    survey,
                    |d| d.button_text_color.clone(),
                    |d, v| d.button_text_color = v,
                    readonly,
                )}
            </div>
            {move || {
                let warnings = contrast.get();
                (!warnings.is_empty())
                    .then(|| {
                        view! {
                            <div class="notice warning" role="note" data-testid="contrast-warning">
                                {warnings.into_iter().map(|w| view! { <p>{w}</p> }).collect_view()}
                            </div>
                        }
                    })
            }}
            <div class="inline-fields">
                <div class="field">
                    <label for="survey-font-size">"文字の大きさ"</label>
                    <select
                        id="survey-font-size"
                        disabled=readonly
                        on:change=move |ev| {
                            let key = input_value(&ev);
                            let size = FontSize::ALL
                                .into_iter()
                                .find(|f| f.key() == key)
                                .unwrap_or_default();
                            survey.update(|s| s.design.font_size = size);
                        }
                    >
                        {FontSize::ALL
                            .into_iter()
                            .map(|f| {
                                view! {
                                    <option
                                        value=f.key()
                                        selected=move || survey.with(|s| s.design.font_size == f)
                                    >
                                        {f.label_ja()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="survey-layout">"レイアウト"</label>
                    <select
                        id="survey-layout"
                        disabled=readonly
                        on:change=move |ev| {
                            let key = input_value(&ev);
                            let layout = Layout::ALL
                                .into_iter()
                                .find(|l| l.key() == key)
                                .unwrap_or_default();
                            survey.update(|s| s.design.layout = layout);
                        }
                    >
                        {Layout::ALL
                            .into_iter()
                            .map(|l| {
                                view! {
                                    <option
                                        value=l.key()
                                        selected=move || survey.with(|s| s.design.layout == l)
                                    >
                                        {l.label_ja()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
            </div>
            <div class="field">
                <label for="survey-header-image">
                    "ヘッダー画像のアドレス（任意）"
                </label>
                <input
                    id="survey-header-image"
                    type="url"
                    readonly=readonly
                    placeholder="/media/… または https://…"
                    prop:value=move || survey.with(|s| s.design.header_image.clone())
                    on:change=move |ev| {
                        let v = input_value(&ev).trim().to_owned();
                        survey.update(|s| s.design.header_image = v);
                    }
                />
                <p class="hint">
                    "「画像」ページの画像のアドレス（/media/ で始まる）を貼り付けます。"
                </p>
            </div>
        </section>
    }
    .into_any()
}

fn completion_section(survey: RwSignal<Survey>, readonly: bool) -> AnyView {
    view! {
        <section class="panel stack" aria-labelledby="survey-completion-title">
            <h2 id="survey-completion-title">"送信後の画面"</h2>
            <div class="field">
                <label for="survey-completion">"送信後に表示する文章"</label>
                <textarea
                    id="survey-completion"
                    rows="3"
                    maxlength=survey::COMPLETION_MAX_CHARS
                    readonly=readonly
                    prop:value=move || survey.with(|s| s.completion.clone())
                    on:input=move |ev| survey.update(|s| s.completion = input_value(&ev))
                ></textarea>
            </div>
        </section>
    }
    .into_any()
}

/// Opening and closing, the link and its QR code, versions, copy and delete.
fn publish_panel(
    id: i64,
    row: RwSignal<Option<SurveyRow>>,
    form: SurveyEditor,
    readonly: bool,
) -> AnyView {
    let opens = RwSignal::new(
        form.survey
            .as_ref()
            .map(|s| s.opens_at.clone())
            .unwrap_or_default(),
    );
    let closes = RwSignal::new(
        form.survey
            .as_ref()
            .map(|s| s.closes_at.clone())
            .unwrap_or_default(),
    );
    let busy = RwSignal::new(false);
    let state_error = RwSignal::new(None::<String>);
    let change = move |state: SurveyState| {
        busy.set(true);
        state_error.set(None);
        let (from, until) = (opens.get_untracked(), closes.get_untracked());
        leptos::task::spawn_local(async move {
            let result = set_survey_state(id, state.key().to_owned(), from, until).await;
            busy.set(false);
            match result {
                Ok(updated) => row.set(Some(updated)),
                Err(e) => state_error.set(Some(e.to_string())),
            }
        });
    };
    let copy = ServerAction::<CopySurvey>::new();
    let delete = ServerAction::<DeleteSurvey>::new();
    let state_label = move || {
        row.with(|r| {
            r.as_ref()
                .map(|r| r.state_label.clone())
                .unwrap_or_default()
        })
    };
    let accepting = move || row.with(|r| r.as_ref().is_some_and(|r| r.accepting));
    let state = move || row.with(|r| r.as_ref().map(|r| r.state));
    let link = form.link.clone();
    let versions = form.versions.clone();
    let answers_href = format!("/admin/surveys/{id}/answers");
    let respondents = form.survey.as_ref().map_or(0, |s| s.respondents);
    view! {
        <section
            class="panel stack"
            aria-labelledby="survey-publish-title"
            data-testid="survey-publish"
        >
            <h2 id="survey-publish-title">"公開"</h2>
            <p>
                "状態："
                <span
                    class=move || if accepting() { "status ok" } else { "status" }
                    data-testid="survey-state"
                >
                    {state_label}
                </span> " "
                <A href=answers_href>{format!("回答を見る（{respondents}人）")}</A>
            </p>
            <div class="inline-fields">
                <div class="field">
                    <label for="survey-opens-at">"受付開始（任意）"</label>
                    <input
                        id="survey-opens-at"
                        type="datetime-local"
                        readonly=readonly
                        prop:value=move || opens.get()
                        on:change=move |ev| opens.set(input_value(&ev))
                    />
                </div>
                <div class="field">
                    <label for="survey-closes-at">"受付終了（任意）"</label>
                    <input
                        id="survey-closes-at"
                        type="datetime-local"
                        readonly=readonly
                        prop:value=move || closes.get()
                        on:change=move |ev| closes.set(input_value(&ev))
                    />
                </div>
            </div>
            <p class="toolbar">
                <button
                    type="button"
                    class="button primary"
                    data-testid="open-survey"
                    disabled=move || readonly || busy.get()
                    on:click=move |_| change(SurveyState::Open)
                >
                    {move || {
                        if state() == Some(SurveyState::Open) {
                            "期間を保存"
                        } else {
                            "受付を始める"
                        }
                    }}
                </button>
                <button
                    type="button"
                    class="button"
                    data-testid="close-survey"
                    disabled=move || readonly || busy.get() || state() != Some(SurveyState::Open)
                    on:click=move |_| change(SurveyState::Closed)
                >
                    "受付を終了する"
                </button>
            </p>
            {move || {
                state_error
                    .get()
                    .map(|e| {
                        view! {
                            <p class="form-error" role="alert" data-testid="survey-state-error">
                                {e}
                            </p>
                        }
                    })
            }}
            {match link {
                Some(link) => {
                    let message = format!(
                        "アンケートにご協力ください。\n{}",
                        link.url,
                    );
                    let text = crate::components::query_string(&[("text", message.clone())]);
                    let template_href = format!("/admin/templates/new{text}");
                    let delivery_href = format!("/admin/deliveries/new{text}");
                    let greeting_href = format!(
                        "/admin/settings{}",
                        crate::components::query_string(
                            &[("ch", use_channel().key.get_untracked()), ("text", message.clone())],
                        ),
                    );
                    // The greeting of the channel whose LIFF link this is.
                    view! {
                        <div class="survey-link stack">
                            <div class="field">
                                <label for="survey-link">
                                    "LIFF のリンク（メッセージやリッチメニューに入れます）"
                                </label>
                                <input
                                    id="survey-link"
                                    type="text"
                                    readonly
                                    prop:value=link.url.clone()
                                    data-testid="survey-link"
                                />
                            </div>
                            <div
                                class="survey-qr"
                                role="img"
                                aria-label="このリンクの QR コード（ポスターなどに）"
                                inner_html=link.qr_svg.clone()
                            ></div>
                            <p class="toolbar">
                                <A href=template_href attr:class="button small">
                                    "このリンクで定型文を作る"
                                </A>
                                <A href=delivery_href attr:class="button small">
                                    "このリンクで配信を作る"
                                </A>
                                <A href=greeting_href attr:class="button small">
                                    "あいさつメッセージに入れる"
                                </A>
                            </p>
                            {link
                                .sandbox
                                .then(|| {
                                    view! {
                                        <p class="hint">
                                            "サンドボックスのチャネルです。このリンクを含むメッセージを「LINEシミュレーター」の友だちに送ると、シミュレーターの中で回答できます。"
                                        </p>
                                    }
                                })}
                        </div>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <p class="notice warning" role="note">
                            {form.link_missing.clone().unwrap_or_default()}
                        </p>
                    }
                        .into_any()
                }
            }}
            <details>
                <summary>{format!("版の履歴（{}版）", versions.len())}</summary>
                <table class="data-table" data-testid="survey-versions">
                    <thead>
                        <tr>
                            <th scope="col">"版"</th>
                            <th scope="col">"保存"</th>
                            <th scope="col">"質問数"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {versions
                            .into_iter()
                            .map(|v| {
                                view! {
                                    <tr>
                                        <td>{format!("第{}版", v.number)}</td>
                                        <td>{v.created}</td>
                                        <td>{v.questions}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </details>
            {(!readonly)
                .then(|| {
                    view! {
                        <div class="toolbar">
                            <ActionForm action=copy>
                                <input type="hidden" name="id" value=id />
                                <button type="submit" class="button">
                                    "コピーを作成"
                                </button>
                            </ActionForm>
                        </div>
                        <details>
                            <summary>"このアンケートを削除"</summary>
                            <ActionForm action=delete attr:class="stack">
                                <input type="hidden" name="id" value=id />
                                <ConfirmDelete
                                    statement="回答とアップロードされたファイルもすべて削除されます（回答で保存された友だち属性は残ります）。"
                                    button="削除する"
                                />
                            </ActionForm>
                            {move || {
                                delete
                                    .value()
                                    .get()
                                    .and_then(Result::err)
                                    .map(|e| {
                                        view! {
                                            <p class="form-error" role="alert">
                                                {e.to_string()}
                                            </p>
                                        }
                                    })
                            }}
                        </details>
                    }
                })}
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::move_by;

    #[test]
    fn moving_stops_at_either_end() {
        let mut items = vec![1, 2, 3];
        move_by(&mut items, |i| *i == 3, 1);
        assert_eq!(items, [1, 2, 3]);
        move_by(&mut items, |i| *i == 3, -1);
        assert_eq!(items, [1, 3, 2]);
        move_by(&mut items, |i| *i == 1, -1);
        assert_eq!(items, [1, 3, 2]);
        move_by(&mut items, |i| *i == 9, 1);
        assert_eq!(items, [1, 3, 2]);
    }
}

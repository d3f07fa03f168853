//! 定型文: message templates, each owned by one of the user's departments.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use line::validate::MAX_TEXT_LENGTH;

use crate::api::{
    DeleteTemplate, PreviewTemplate, SaveTemplate, TemplateForm, list_templates, template_editor,
};
use crate::components::{
    AsyncView, ConfirmDelete, DataTable, ErrorNote, Outcome, RedirectNotice, textarea_content,
};

#[component]
pub fn TemplatesPage() -> impl IntoView {
    let templates = Resource::new(|| (), |_| list_templates());
    view! {
        <Title text="定型文" />
        <h1>"定型文"</h1>
        <p class="hint">
            "よく使うメッセージを部署ごとに保存しておき、配信などで使います。表示されるのは担当部署の定型文だけです。"
        </p>
        <p class="toolbar">
            <A href="/admin/templates/new" attr:class="button primary">
                "定型文を作成"
            </A>
        </p>
        <RedirectNotice param="deleted" text="定型文を削除しました。" />
        <AsyncView resource=templates let:value>
            {match value {
                list if list.is_empty() => {
                    view! { <p class="hint">"定型文はまだありません。"</p> }.into_any()
                }
                list => {
                    view! {
                        <DataTable
                            test_id="templates"
                            headings=&["件名", "部署", "内容", "更新"]
                        >
                            {list
                                .into_iter()
                                .map(|t| {
                                    let href = format!("/admin/templates/{}", t.id);
                                    let title = t.title.clone();
                                    view! {
                                        <tr data-template=title>
                                            <td>
                                                <A href=href>{t.title}</A>
                                            </td>
                                            <td>{t.department}</td>
                                            <td class="preview-cell">{t.preview.join(" / ")}</td>
                                            <td>{format!("{}（{}）", t.updated_at, t.updated_by)}</td>
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

/// `/admin/templates/new` and `/admin/templates/:id`.
#[component]
pub fn TemplatePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|i| i.parse::<i64>().ok());
    let editor = Resource::new(id, template_editor);
    view! {
        <p>
            <A href="/admin/templates">"← 定型文一覧"</A>
        </p>
        <AsyncView resource=editor let:form>
            {view! { <TemplateEditorForm form /> }.into_any()}
        </AsyncView>
    }
}

#[component]
fn TemplateEditorForm(form: TemplateForm) -> impl IntoView {
    let save = ServerAction::<SaveTemplate>::new();
    let delete = ServerAction::<DeleteTemplate>::new();
    let preview = ServerAction::<PreviewTemplate>::new();
    let template = form.template.clone();
    let heading = template.as_ref().map_or_else(
        || "定型文の作成".to_owned(),
        |t| format!("定型文：{}", t.title),
    );
    let current_department = template.as_ref().map(|t| t.department_id);
    let template_id = template.as_ref().map(|t| t.id);
    let title = template
        .as_ref()
        .map(|t| t.title.clone())
        .unwrap_or_default();
    let owner = template.as_ref().map(|t| {
        format!(
            "所属部署：{}　最終更新：{}（{}）",
            t.department, t.updated_at, t.updated_by
        )
    });
    // One department: it is the owner. Several: the user picks (no silent default).
    let single = (form.departments.len() == 1).then(|| form.departments[0].id);
    let selected = move |id: i64| current_department.or(single) == Some(id);
    let (text, json) = (
        RwSignal::new(form.text.clone()),
        RwSignal::new(form.json.clone()),
    );
    let readonly = !form.can_edit;
    view! {
        <Title text=heading.clone() />
        <h1>{heading}</h1>
        <RedirectNotice param="saved" text="保存しました。" />
        {owner
            .map(|o| {
                view! {
                    <p class="hint" data-testid="template-owner">
                        {o}
                    </p>
                }
            })}
        <ActionForm action=save attr:class="stack panel" attr:data-testid="template-form">
            {template_id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
            <div class="field">
                <label for="department">"所属部署"</label>
                <select id="department" name="department_id" required disabled=readonly>
                    {(current_department.or(single).is_none())
                        .then(|| {
                            view! {
                                <option value="" disabled selected>
                                    "選んでください"
                                </option>
                            }
                        })}
                    {form
                        .departments
                        .iter()
                        .map(|d| {
                            view! {
                                <option value=d.id.to_string() selected=selected(d.id)>
                                    {d.name.clone()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                {form
                    .departments
                    .is_empty()
                    .then(|| {
                        view! {
                            <p class="form-error">
                                "選べる部署がないため保存できません。部署がまだなければ作成を、担当部署が未設定なら設定を管理者に依頼してください。"
                            </p>
                        }
                    })}
            </div>
            <div class="field">
                <label for="title">"件名"</label>
                <input
                    id="title"
                    name="title"
                    required
                    maxlength="100"
                    readonly=readonly
                    value=title
                />
            </div>
            <div class="field">
                <label for="text">
                    {format!(
                        "本文（テキストメッセージ、{MAX_TEXT_LENGTH}文字まで）",
                    )}
                </label>
                <textarea
                    id="text"
                    name="text"
                    rows="6"
                    maxlength=MAX_TEXT_LENGTH
                    readonly=readonly
                    inner_html=textarea_content(&form.text)
                    on:input=move |ev| text.set(event_target_value(&ev))
                ></textarea>
            </div>
            <details open=!form.json.is_empty()>
                <summary>"LINE メッセージ（JSON、上級者向け・任意）"</summary>
                <div class="field">
                    <label for="json">
                        "本文のあとに送るメッセージオブジェクトの配列（画像・スタンプ・Flex など）"
                    </label>
                    <textarea
                        id="json"
                        name="json"
                        rows="8"
                        class="code"
                        readonly=readonly
                        inner_html=textarea_content(&form.json)
                        on:input=move |ev| json.set(event_target_value(&ev))
                    ></textarea>
                </div>
            </details>
            {form
                .can_edit
                .then(|| {
                    view! {
                        <div class="toolbar">
                            <button
                                type="submit"
                                class="button primary"
                                disabled=move || save.pending().get()
                            >
                                "保存"
                            </button>
                            <button
                                type="button"
                                class="button ghost"
                                data-testid="preview-button"
                                on:click=move |_| {
                                    preview
                                        .dispatch(PreviewTemplate {
                                            text: text.get_untracked(),
                                            json: json.get_untracked(),
                                        });
                                }
                            >
                                "テキストでプレビュー"
                            </button>
                        </div>
                    }
                })}
            <Outcome value=save.value() done="保存しました。" />
        </ActionForm>
        {move || {
            preview
                .value()
                .get()
                .map(|r| match r {
                    Ok(lines) => {
                        view! {
                            <section
                                class="panel"
                                data-testid="template-preview"
                                aria-live="polite"
                            >
                                <h2>"プレビュー（トーク画面に届く順）"</h2>
                                <ol class="preview-list">
                                    {lines
                                        .into_iter()
                                        .map(|l| view! { <li>{l}</li> })
                                        .collect_view()}
                                </ol>
                            </section>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorNote error /> }.into_any(),
                })
        }}
        {template
            .filter(|_| form.can_edit)
            .map(|t| {
                view! {
                    <ActionForm
                        action=delete
                        attr:class="panel inline-form"
                        attr:data-testid="delete-template"
                    >
                        <input type="hidden" name="id" value=t.id />
                        <ConfirmDelete
                            statement="削除すると元に戻せないことを確認しました"
                            button="この定型文を削除"
                        />
                    </ActionForm>
                    <Outcome value=delete.value() done="削除しました。" />
                }
            })}
    }
}

//! 定型文: message templates, each owned by one of the user's departments.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::api::{
    DeleteTemplate, SaveTemplate, SendTemplateToSimulator, TemplateForm, list_templates,
    sim_friends, template_editor,
};
use crate::components::{AsyncView, Composer, ConfirmDelete, DataTable, Outcome, RedirectNotice};
use crate::layout::use_channel;

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
                    view! {
                        <p class="hint">
                            "定型文はまだありません。「定型文を作成」から、テキスト・画像・リッチメッセージ・カルーセルなどを組み合わせて作れます。"
                        </p>
                    }
                        .into_any()
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
    let channel = use_channel();
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
    let messages = RwSignal::new(if template.is_none() {
        crate::components::messages_from_query(form.messages.clone())
    } else {
        form.messages.clone()
    });
    // What the form posts: the composer's messages as LINE's JSON.
    let messages_json = move || messages.with(|m| serde_json::to_string(m).unwrap_or_default());
    let readonly = !form.can_edit;
    let account_name = Signal::derive(move || {
        channel
            .current()
            .map(|c| c.name)
            .unwrap_or_else(|| "公式アカウント".into())
    });
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
        <ActionForm action=save attr:class="stack" attr:data-testid="template-form">
            {template_id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
            <input
                type="hidden"
                name="messages"
                value=messages.with_untracked(|m| serde_json::to_string(m).unwrap_or_default())
                prop:value=messages_json
            />
            <div class="panel stack">
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
            </div>
            <Composer
                messages
                readonly
                account_name
                autosave=Signal::stored(crate::api::editor_draft_key("template", template_id))
            />
            {form
                .can_edit
                .then(|| {
                    view! {
                        <div class="toolbar sticky-actions">
                            <button
                                type="submit"
                                class="button primary"
                                data-testid="save-template"
                                disabled=move || save.pending().get()
                            >
                                "保存"
                            </button>
                        </div>
                    }
                })}
            <Outcome value=save.value() done="保存しました。" />
        </ActionForm>
        {template_id.map(|id| view! { <SimulatorSend template_id=id /> })}
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

/// Sends the saved template to a simulated friend, to see it as a citizen would (sandbox
/// channels only).
#[component]
fn SimulatorSend(template_id: i64) -> impl IntoView {
    let channel = use_channel();
    let send = ServerAction::<SendTemplateToSimulator>::new();
    let sandbox = move || channel.current().is_some_and(|c| c.sandbox);
    let friends = Resource::new(
        move || (channel.key.get(), sandbox()),
        |(key, sandbox)| async move {
            if sandbox {
                sim_friends(key).await.unwrap_or_default()
            } else {
                Vec::new()
            }
        },
    );
    let chosen = RwSignal::new(String::new());
    view! {
        <Transition fallback=|| ()>
            {move || {
                sandbox()
                    .then(|| {
                        let list: Vec<_> = friends
                            .get()
                            .unwrap_or_default()
                            .into_iter()
                            .filter(|f| f.following)
                            .collect();
                        let key = channel.key.get();
                        view! {
                            <section
                                class="panel stack"
                                aria-labelledby="sim-send-title"
                                data-testid="simulator-send"
                            >
                                <h2 id="sim-send-title">"シミュレーターで確認"</h2>
                                {if list.is_empty() {
                                    view! {
                                        <p class="hint">
                                            "保存した定型文を、LINEシミュレーターの利用者に送って見え方を確かめられます。まず「LINEシミュレーター」で利用者を作成し、友だち追加してください。"
                                        </p>
                                    }
                                        .into_any()
                                } else {
                                    view! {
                                        <ActionForm action=send attr:class="inline-form">
                                            <input type="hidden" name="id" value=template_id />
                                            <input type="hidden" name="channel" value=key.clone() />
                                            <div class="field">
                                                <label for="sim-send-user">"送り先の利用者"</label>
                                                <select
                                                    id="sim-send-user"
                                                    name="user_id"
                                                    required
                                                    on:change=move |ev| chosen.set(event_target_value(&ev))
                                                >
                                                    <option value="">"選んでください"</option>
                                                    {list
                                                        .iter()
                                                        .map(|f| {
                                                            view! {
                                                                <option value=f
                                                                    .user_id
                                                                    .clone()>{f.display_name.clone()}</option>
                                                            }
                                                        })
                                                        .collect_view()}
                                                </select>
                                            </div>
                                            <button
                                                type="submit"
                                                class="button"
                                                data-testid="send-to-simulator"
                                                disabled=move || send.pending().get()
                                            >
                                                "保存済みの内容を送信"
                                            </button>
                                        </ActionForm>
                                        <Outcome value=send.value() done="送信しました。" />
                                        {move || {
                                            let (key, user) = (channel.key.get(), chosen.get());
                                            (send.value().get().is_some_and(|r| r.is_ok())
                                                && !user.is_empty())
                                                .then(|| {
                                                    view! {
                                                        <p>
                                                            <A href=format!(
                                                                "/admin/simulator?ch={key}&user={user}",
                                                            )>"LINEシミュレーターで見る"</A>
                                                        </p>
                                                    }
                                                })
                                        }}
                                    }
                                        .into_any()
                                }}
                            </section>
                        }
                    })
            }}
        </Transition>
    }
}

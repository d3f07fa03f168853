//! 友だち属性の設定: the attributes staff record about friends (地区、関心のある分野、生年月…),
//! their options and their order; one page lists and adds them, another edits or deletes one.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use model::status::AttributeKind;

use crate::api::{
    AppError, AttributeRow, CreateAttribute, DeleteAttribute, MoveAttribute, OptionRow,
    SaveAttribute, list_attributes,
};
use crate::components::{AsyncView, ConfirmDelete, DataTable, ErrorNote, Outcome, RedirectNotice};
use crate::layout::use_channel;

use super::{reset_after, successes};

// The limits the server checks, given to the inputs too.
use model::attribute::{KEY_MAX_CHARS, LABEL_MAX_CHARS, OPTION_MAX_CHARS};

/// `/admin/friends/attributes`: every attribute, in the order forms and CSV files use.
#[component]
pub fn FriendAttributesPage() -> impl IntoView {
    let channel = use_channel();
    let create = ServerAction::<CreateAttribute>::new();
    let move_attribute = ServerAction::<MoveAttribute>::new();
    let (created, moved) = (successes(create.value()), successes(move_attribute.value()));
    // Read again after each success only: a failed add keeps what was typed in the form.
    let list = Resource::new(move || (created.get(), moved.get()), |_| list_attributes());
    let form = NodeRef::new();
    reset_after(form, created);
    view! {
        <Title text="友だち属性の設定" />
        <p>
            <A href=move || {
                format!("/admin/friends?ch={}", channel.key.get())
            }>"← 友だち一覧"</A>
        </p>
        <h1>"友だち属性の設定"</h1>
        <p class="hint lead">
            "友だちごとに記録する項目（地区、関心のある分野、生年月など）です。友だちの詳細画面や CSV 取込で値を入れ、友だち一覧の絞り込みに使います。並び順は、入力画面と CSV の列の順になります。"
        </p>
        <RedirectNotice param="deleted" text="属性を削除しました。" />
        {move || {
            move_attribute
                .value()
                .get()
                .and_then(Result::err)
                .map(|error| view! { <ErrorNote error /> })
        }}
        <AsyncView resource=list let:list>
            {{
                let can_edit = list.can_edit;
                let count = list.attributes.len();
                view! {
                    {if count == 0 {
                        let todo = if can_edit {
                            "属性はまだありません。下の「属性を追加」から作成してください。"
                        } else {
                            "属性はまだありません。作成は友だち属性の編集権限を持つ職員に依頼してください。"
                        };
                        view! { <p class="hint">{todo}</p> }.into_any()
                    } else {
                        let headings: &'static [&'static str] = if can_edit {
                            &[
                                "表示名",
                                "キー",
                                "種類",
                                "選択肢",
                                "値のある友だち",
                                "並び順",
                            ]
                        } else {
                            &["表示名", "キー", "種類", "選択肢", "値のある友だち"]
                        };
                        view! {
                            <DataTable test_id="attributes-table" headings=headings>
                                {list
                                    .attributes
                                    .into_iter()
                                    .enumerate()
                                    .map(|(i, attribute)| {
                                        let order = can_edit
                                            .then_some((i > 0, i + 1 < count, move_attribute));
                                        view! { <AttributeLine attribute order /> }
                                    })
                                    .collect_view()}
                            </DataTable>
                        }
                            .into_any()
                    }}
                    {can_edit.then(|| view! { <NewAttributeForm create form /> })}
                }
                    .into_any()
            }}
        </AsyncView>
    }
    .into_any()
}

/// A row of the list; `order` (can go up, can go down, the action) when staff may reorder.
#[component]
fn AttributeLine(
    attribute: AttributeRow,
    order: Option<(bool, bool, ServerAction<MoveAttribute>)>,
) -> impl IntoView {
    let id = attribute.id;
    let label = attribute.label.clone();
    let href = format!("/admin/friends/attributes/{id}");
    let key = attribute.key.clone();
    let move_button = move |direction: &'static str, action: ServerAction<MoveAttribute>| {
        let (arrow, name) = if direction == "up" {
            ("↑", format!("「{label}」を上へ"))
        } else {
            ("↓", format!("「{label}」を下へ"))
        };
        let title = name.clone();
        view! {
            <ActionForm action attr:class="inline">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="direction" value=direction />
                <button type="submit" class="button small ghost" title=title>
                    {arrow}
                    <span class="visually-hidden">{name}</span>
                </button>
            </ActionForm>
        }
    };
    view! {
        <tr data-attribute=key>
            <td>
                <A href=href>{attribute.label.clone()}</A>
            </td>
            <td>
                <code>{attribute.key}</code>
            </td>
            <td>{attribute.kind.label_ja()}</td>
            <td>
                <OptionList options=attribute.options />
            </td>
            <td>{format!("{}人", attribute.friends)}</td>
            {order
                .map(|(up, down, action)| {
                    view! {
                        <td class="order-buttons">
                            {up.then(|| move_button("up", action))}
                            {down.then(|| move_button("down", action))}
                        </td>
                    }
                })}
        </tr>
    }
    .into_any()
}

/// Options with the friends who chose each; retired ones marked.
#[component]
fn OptionList(options: Vec<OptionRow>) -> impl IntoView {
    if options.is_empty() {
        return view! { "—" }.into_any();
    }
    view! {
        <ul class="option-list">
            {options
                .into_iter()
                .map(|o| {
                    view! {
                        <li class:retired=o
                            .retired>
                            {o.label} {o.retired.then_some("（使わない）")}
                            <span class="count">{format!("{}人", o.friends)}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// The options `<select>` of an attribute's type.
#[component]
fn KindSelect(
    id: &'static str,
    selected: Option<AttributeKind>,
    #[prop(optional)] describedby: Option<&'static str>,
) -> impl IntoView {
    view! {
        <select id=id name="kind" required aria-describedby=describedby>
            {selected
                .is_none()
                .then(|| {
                    view! {
                        <option value="" disabled selected>
                            "選んでください"
                        </option>
                    }
                })}
            {AttributeKind::ALL
                .iter()
                .map(|&k| {
                    view! {
                        <option value=k.key() selected=selected == Some(k)>
                            {k.label_ja()}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
    .into_any()
}

#[component]
fn NewAttributeForm(
    create: ServerAction<CreateAttribute>,
    form: NodeRef<leptos::html::Form>,
) -> impl IntoView {
    view! {
        <h2 class="section-heading">"属性を追加"</h2>
        <ActionForm
            action=create
            node_ref=form
            attr:class="stack panel"
            attr:data-testid="new-attribute"
        >
            <div class="field">
                <label for="attr-key">"キー"</label>
                <input
                    id="attr-key"
                    name="key"
                    required
                    maxlength=KEY_MAX_CHARS
                    pattern="[a-z][a-z0-9_]*"
                    autocomplete="off"
                    autocapitalize="off"
                    spellcheck="false"
                    aria-describedby="attr-key-hint"
                />
                <p id="attr-key-hint" class="hint">
                    "半角英小文字・数字・_ で、英小文字から始めます（例: district）。CSV の見出しに使います。後から変更できません。"
                </p>
            </div>
            <div class="field">
                <label for="attr-label">"表示名"</label>
                <input id="attr-label" name="label" required maxlength=LABEL_MAX_CHARS />
            </div>
            <div class="field">
                <label for="attr-kind">"種類"</label>
                <KindSelect id="attr-kind" selected=None />
            </div>
            <div class="field">
                <label for="attr-options">"選択肢（1行に1つ）"</label>
                <textarea
                    id="attr-options"
                    name="options"
                    rows="5"
                    aria-describedby="attr-options-hint"
                ></textarea>
                <p id="attr-options-hint" class="hint">
                    "種類が「単一選択」「複数選択」のときだけ使います。1行に1つずつ書いてください（「|」は使えません）。"
                </p>
            </div>
            <div class="toolbar">
                <button
                    type="submit"
                    class="button primary"
                    disabled=move || create.pending().get()
                >
                    "追加"
                </button>
            </div>
            <Outcome value=create.value() done="属性を追加しました。" />
        </ActionForm>
    }
    .into_any()
}

/// `/admin/friends/attributes/:id`: one attribute's name, type and options, and deleting it.
#[component]
pub fn FriendAttributePage() -> impl IntoView {
    let channel = use_channel();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|i| i.parse::<i64>().ok());
    let save = ServerAction::<SaveAttribute>::new();
    let delete = ServerAction::<DeleteAttribute>::new();
    let saved = successes(save.value());
    let form = NodeRef::new();
    reset_after(form, saved);
    let attribute = Resource::new(
        move || (id(), saved.get()),
        |(id, _)| async move {
            let list = list_attributes().await?;
            id.and_then(|id| list.attributes.into_iter().find(|a| a.id == id))
                .map(|a| (a, list.can_edit))
                .ok_or_else(|| {
                    AppError::NotFound(
                        "この属性は見つかりません。削除された可能性があります。".into(),
                    )
                })
        },
    );
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(())) = delete.value().get() {
            navigate(
                &format!(
                    "/admin/friends/attributes?deleted=1&ch={}",
                    channel.key.get_untracked()
                ),
                Default::default(),
            );
        }
    });
    view! {
        <p>
            <A href=move || {
                format!("/admin/friends/attributes?ch={}", channel.key.get())
            }>"← 友だち属性の設定"</A>
        </p>
        <AsyncView resource=attribute let:found>
            {{
                let (attribute, can_edit) = found;
                if can_edit {
                    view! { <AttributeEditor attribute save form delete /> }.into_any()
                } else {
                    view! { <AttributeReadOnly attribute /> }.into_any()
                }
            }}
        </AsyncView>
    }
    .into_any()
}

#[component]
fn AttributeReadOnly(attribute: AttributeRow) -> impl IntoView {
    let heading = format!("属性：{}", attribute.label);
    view! {
        <Title text=heading.clone() />
        <h1>{heading}</h1>
        <p class="hint">"この属性を変更する権限がありません。"</p>
        <dl class="profile" data-testid="attribute-form">
            <dt>"表示名"</dt>
            <dd>{attribute.label}</dd>
            <dt>"キー"</dt>
            <dd>
                <code>{attribute.key}</code>
            </dd>
            <dt>"種類"</dt>
            <dd>{attribute.kind.label_ja()}</dd>
            <dt>"選択肢"</dt>
            <dd>
                <OptionList options=attribute.options />
            </dd>
            <dt>"値のある友だち"</dt>
            <dd>{format!("{}人", attribute.friends)}</dd>
        </dl>
    }
    .into_any()
}

#[component]
fn AttributeEditor(
    attribute: AttributeRow,
    save: ServerAction<SaveAttribute>,
    form: NodeRef<leptos::html::Form>,
    delete: ServerAction<DeleteAttribute>,
) -> impl IntoView {
    let id = attribute.id;
    let friends = attribute.friends;
    let heading = format!("属性の編集：{}", attribute.label);
    let kind_hint = if friends > 0 {
        format!(
            "種類は、値を持つ友だちがいない間だけ変更できます（いまは {friends}人が値を持っています）。"
        )
    } else {
        "種類は、値を持つ友だちがいない間だけ変更できます。".to_owned()
    };
    view! {
        <Title text=heading.clone() />
        <h1>{heading}</h1>
        <dl class="profile">
            <dt>"キー"</dt>
            <dd>
                <code>{attribute.key.clone()}</code>
            </dd>
            <dt>"値のある友だち"</dt>
            <dd>{format!("{friends}人")}</dd>
        </dl>
        <ActionForm
            action=save
            node_ref=form
            attr:class="stack panel"
            attr:data-testid="attribute-form"
        >
            <input type="hidden" name="id" value=id />
            <div class="field">
                <label for="attr-label">"表示名"</label>
                <input
                    id="attr-label"
                    name="label"
                    required
                    maxlength=LABEL_MAX_CHARS
                    value=attribute.label.clone()
                />
            </div>
            <div class="field">
                <label for="attr-kind">"種類"</label>
                <KindSelect
                    id="attr-kind"
                    selected=Some(attribute.kind)
                    describedby="attr-kind-hint"
                />
                <p id="attr-kind-hint" class="hint">
                    {kind_hint}
                </p>
            </div>
            <OptionFields options=attribute.options />
            <div class="toolbar">
                <button type="submit" class="button primary" disabled=move || save.pending().get()>
                    "保存"
                </button>
            </div>
            <Outcome value=save.value() done="保存しました。" />
        </ActionForm>
        <h2>"属性の削除"</h2>
        <ActionForm
            action=delete
            attr:class="stack panel delete-form"
            attr:data-testid="delete-attribute"
        >
            <input type="hidden" name="id" value=id />
            {if friends > 0 {
                view! {
                    <p class="notice warning">
                        {format!("{friends}人の友だちの値も削除されます。")}
                    </p>
                    <label class="checkbox">
                        <input type="checkbox" name="confirmed" value="true" required />
                        "値も削除することを確認しました"
                    </label>
                }
                    .into_any()
            } else {
                view! { <p class="hint">"値を持つ友だちはいません。"</p> }.into_any()
            }}
            <ConfirmDelete
                statement="削除すると元に戻せないことを確認しました"
                button="この属性を削除"
            />
            <Outcome value=delete.value() done="削除しました。" />
        </ActionForm>
    }
    .into_any()
}

/// The existing options (name and state, as parallel lists) and the ones to add.
#[component]
fn OptionFields(options: Vec<OptionRow>) -> impl IntoView {
    view! {
        <fieldset class="choices">
            <legend>"選択肢（単一選択・複数選択のとき）"</legend>
            {(!options.is_empty())
                .then(|| {
                    view! {
                        <p id="option-states-hint" class="hint">
                            "値を持つ友だちがいる選択肢は削除できません。「使わない」にしてください（友だちの値は残り、新しくは選べなくなります）。"
                        </p>
                        <table class="data-table option-table" data-testid="attribute-options">
                            <thead>
                                <tr>
                                    <th scope="col">"選択肢"</th>
                                    <th scope="col">"扱い"</th>
                                    <th scope="col">"選んでいる友だち"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {options
                                    .into_iter()
                                    .map(|o| view! { <OptionRowFields option=o /> })
                                    .collect_view()}
                            </tbody>
                        </table>
                    }
                })}
            <div class="field">
                <label for="new-options">"追加する選択肢（1行に1つ）"</label>
                <textarea
                    id="new-options"
                    name="new_options"
                    rows="4"
                    aria-describedby="new-options-hint"
                ></textarea>
                <p id="new-options-hint" class="hint">
                    "1行に1つずつ書いてください（「|」は使えません）。既存の選択肢の後ろに追加されます。"
                </p>
            </div>
        </fieldset>
    }
    .into_any()
}

#[component]
fn OptionRowFields(option: OptionRow) -> impl IntoView {
    let label_id = format!("option-label-{}", option.id);
    let state_id = format!("option-state-{}", option.id);
    let in_use = option.friends > 0;
    view! {
        <tr>
            <td>
                <input type="hidden" name="option_ids[]" value=option.id />
                <label class="visually-hidden" for=label_id.clone()>
                    {format!("選択肢「{}」の名前", option.label)}
                </label>
                <input
                    id=label_id
                    name="option_labels[]"
                    required
                    maxlength=OPTION_MAX_CHARS
                    value=option.label.clone()
                />
            </td>
            <td>
                <label class="visually-hidden" for=state_id.clone()>
                    {format!("選択肢「{}」の扱い", option.label)}
                </label>
                <select id=state_id name="option_states[]" aria-describedby="option-states-hint">
                    <option value="active" selected=!option.retired>
                        "使う"
                    </option>
                    <option value="retired" selected=option.retired>
                        "使わない（値は残し、選べなくする）"
                    </option>
                    <option value="removed" disabled=in_use>
                        {if in_use {
                            "削除（値を持つ友だちがいるためできません）"
                        } else {
                            "削除"
                        }}
                    </option>
                </select>
            </td>
            <td>{format!("{}人", option.friends)}</td>
        </tr>
    }
    .into_any()
}

//! The account editor: adding an account, and changing, resetting, disabling or deleting one.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use model::access::{CATALOGUE, Permission, Role};
use model::account::{DISPLAY_NAME_MAX_CHARS, USERNAME_MAX_CHARS};

use crate::api::{
    AccountForm, AccountRow, CreateStaffAccount, DeleteStaffAccount, ResetAccountPassword,
    SetAccountActive, UpdateStaffAccount, account_editor,
};
use crate::components::{AsyncView, ConfirmDelete, NewPasswordFields, Outcome, RedirectNotice};

/// `/admin/staff/new` and `/admin/staff/:id`: one editor for adding and changing an account.
#[component]
pub fn AccountPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|i| i.parse::<i64>().ok());
    // Owned here so that the account is read again after each of them: the page then shows
    // the new state (有効/無効, パスワード変更待ち) without a reload.
    let activate = ServerAction::<SetAccountActive>::new();
    let reset = ServerAction::<ResetAccountPassword>::new();
    let editor = Resource::new(
        move || (id(), activate.version().get(), reset.version().get()),
        |(id, _, _)| account_editor(id),
    );
    view! {
        <p>
            <A href="/admin/staff">"← 職員アカウント一覧"</A>
        </p>
        <AsyncView resource=editor let:form>
            {match form.account.clone() {
                Some(account) => view! { <EditAccount form account activate reset /> }.into_any(),
                None => view! { <NewAccount form /> }.into_any(),
            }}
        </AsyncView>
    }
}

#[component]
fn NewAccount(form: AccountForm) -> impl IntoView {
    let create = ServerAction::<CreateStaffAccount>::new();
    view! {
        <Title text="アカウントの追加" />
        <h1>"アカウントの追加"</h1>
        <ActionForm action=create attr:class="stack panel" attr:data-testid="new-account">
            <div class="field">
                <label for="username">"ユーザー名（ログインに使います）"</label>
                <input
                    id="username"
                    name="username"
                    required
                    maxlength=USERNAME_MAX_CHARS
                    autocomplete="off"
                    autocapitalize="off"
                    spellcheck="false"
                />
                <p class="hint">
                    "3〜64文字の半角英数字と記号 . _ - @。あとから変更できません。"
                </p>
            </div>
            <div class="field">
                <label for="display_name">"表示名"</label>
                <input id="display_name" name="display_name" maxlength=DISPLAY_NAME_MAX_CHARS />
            </div>
            <NewPasswordFields
                name="initial_password"
                label="初期パスワード"
                hint="12文字以上。ユーザー名を含むものや、よく使われるものは使えません。本人は最初のログインで変更します。"
            />
            <GrantsFields form=form account=None />
            <button type="submit" class="button primary" disabled=move || create.pending().get()>
                "追加"
            </button>
            <Outcome value=create.value() done="追加しました。" />
        </ActionForm>
    }
}

#[component]
fn EditAccount(
    form: AccountForm,
    account: AccountRow,
    activate: ServerAction<SetAccountActive>,
    reset: ServerAction<ResetAccountPassword>,
) -> impl IntoView {
    let update = ServerAction::<UpdateStaffAccount>::new();
    let id = account.id;
    let heading = format!("アカウント：{}", account.username);
    let status = format!(
        "{}{}",
        if account.active { "有効" } else { "無効" },
        if account.must_change_password {
            "（パスワード変更待ち）"
        } else {
            ""
        }
    );
    let last_login = account.last_login_at.clone().unwrap_or_else(|| "—".into());
    let created_at = account.created_at.clone();
    let display_name = account.display_name.clone();
    let danger_zone =
        (!form.is_self).then(|| view! { <AccountDangerZone account=account.clone() activate /> });
    view! {
        <Title text="アカウントの編集" />
        <h1>{heading}</h1>
        <RedirectNotice
            param="saved"
            text="アカウントを追加しました。初期パスワードを本人に伝えてください。"
        />
        <dl class="profile">
            <dt>"状態"</dt>
            <dd data-testid="account-status">{status}</dd>
            <dt>"作成日時"</dt>
            <dd>{created_at}</dd>
            <dt>"最終ログイン"</dt>
            <dd>{last_login}</dd>
        </dl>
        <h2>"表示名・権限・部署"</h2>
        <ActionForm action=update attr:class="stack panel" attr:data-testid="edit-account">
            <input type="hidden" name="id" value=id />
            <div class="field">
                <label for="display_name">"表示名"</label>
                <input
                    id="display_name"
                    name="display_name"
                    maxlength=DISPLAY_NAME_MAX_CHARS
                    value=display_name
                />
            </div>
            <GrantsFields form=form account=Some(account) />
            <button type="submit" class="button primary" disabled=move || update.pending().get()>
                "保存"
            </button>
            <Outcome value=update.value() done="保存しました。" />
        </ActionForm>

        <h2>"パスワードの再設定"</h2>
        <ActionForm action=reset attr:class="stack panel" attr:data-testid="reset-password">
            <input type="hidden" name="id" value=id />
            <p class="hint">
                "本人がパスワードを忘れたときに使います。本人は次のログインで変更します。ログイン中の画面はすべてログアウトされます。"
            </p>
            <NewPasswordFields name="new_password" label="新しいパスワード" />
            <button type="submit" class="button" disabled=move || reset.pending().get()>
                "パスワードを再設定"
            </button>
            <Outcome value=reset.value() done="パスワードを再設定しました。" />
        </ActionForm>
        {danger_zone}
    }
}

/// Disable or enable, and delete: not offered on one's own account (the server refuses too).
#[component]
fn AccountDangerZone(
    account: AccountRow,
    activate: ServerAction<SetAccountActive>,
) -> impl IntoView {
    let delete = ServerAction::<DeleteStaffAccount>::new();
    let id = account.id;
    let toggle_label = if account.active {
        "このアカウントを無効にする"
    } else {
        "このアカウントを有効にする"
    };
    let confirm_delete = format!(
        "アカウント「{}」を削除すると元に戻せないことを確認しました",
        account.username
    );
    let next_active = if account.active { "false" } else { "true" };
    view! {
        <h2>"有効・無効と削除"</h2>
        <div class="panel stack">
            <ActionForm action=activate>
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="active" value=next_active />
                <button type="submit" class="button">
                    {toggle_label}
                </button>
            </ActionForm>
            <Outcome value=activate.value() done="変更しました。" />
            <p class="hint">
                "無効にしたアカウントはログインできず、記録は残ります。削除は誤って作ったアカウントにだけ使ってください。"
            </p>
            <ActionForm action=delete attr:class="inline-form" attr:data-testid="delete-account">
                <input type="hidden" name="id" value=id />
                <ConfirmDelete statement=confirm_delete button="削除" />
            </ActionForm>
            <Outcome value=delete.value() done="削除しました。" />
        </div>
    }
}

/// Role, departments and the permission grid, shared by the add and edit forms.
#[component]
fn GrantsFields(form: AccountForm, account: Option<AccountRow>) -> impl IntoView {
    let role = account.as_ref().map_or(Role::Staff, |a| a.role);
    let has = {
        let granted = account
            .as_ref()
            .map(|a| a.permissions.clone())
            .unwrap_or_default();
        move |permission: Permission| granted.contains(&permission)
    };
    let in_department = {
        let ids = account
            .as_ref()
            .map(|a| a.department_ids.clone())
            .unwrap_or_default();
        move |id: i64| ids.contains(&id)
    };
    view! {
        <fieldset class="choices">
            <legend>"権限の種類"</legend>
            <label class="checkbox">
                <input
                    type="radio"
                    name="role"
                    value=Role::Staff.key()
                    checked=role == Role::Staff
                />
                "一般（下で選んだ機能だけを使えます）"
            </label>
            <label class="checkbox">
                <input
                    type="radio"
                    name="role"
                    value=Role::Admin.key()
                    checked=role == Role::Admin
                />
                "管理者（すべての機能と、アカウント・部署・設定の管理）"
            </label>
        </fieldset>
        <fieldset class="choices">
            <legend>"所属部署"</legend>
            {if form.departments.is_empty() {
                view! {
                    <p class="hint">
                        "部署がまだありません。"
                        <A href="/admin/staff/departments">"部署の管理"</A>
                        "で追加してください。"
                    </p>
                }
                    .into_any()
            } else {
                form.departments
                    .iter()
                    .map(|d| {
                        view! {
                            <label class="checkbox">
                                <input
                                    type="checkbox"
                                    name="departments[]"
                                    value=d.id.to_string()
                                    checked=in_department(d.id)
                                />
                                {d.name.clone()}
                            </label>
                        }
                    })
                    .collect_view()
                    .into_any()
            }}
        </fieldset>
        <fieldset class="choices">
            <legend>"機能ごとの権限（一般）"</legend>
            <p class="hint">
                "何も選ばなければ、ダッシュボード以外は使えません。編集などの操作には閲覧も含まれます。"
            </p>
            <table class="perm-grid" data-testid="permissions">
                <tbody>
                    {CATALOGUE
                        .iter()
                        .map(|(feature, actions)| {
                            view! {
                                <tr>
                                    <th scope="row">{feature.label_ja()}</th>
                                    <td>
                                        {actions
                                            .iter()
                                            .map(|action| {
                                                let permission = Permission::Do(*feature, *action);
                                                view! {
                                                    <label class="checkbox inline">
                                                        <input
                                                            type="checkbox"
                                                            name="permissions[]"
                                                            value=permission.key()
                                                            checked=has(permission)
                                                        />
                                                        {action.label_ja(*feature)}
                                                    </label>
                                                }
                                            })
                                            .collect_view()}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <label class="checkbox">
                <input
                    type="checkbox"
                    name="permissions[]"
                    value=Permission::AllDepartments.key()
                    checked=has(Permission::AllDepartments)
                />
                "所属部署以外の項目も扱える（全部署）"
            </label>
        </fieldset>
    }
}

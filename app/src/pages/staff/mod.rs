//! 管理者 area: the account list, the account editor and the departments page (administrators
//! only; the server refuses everyone else).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{
    AccountForm, AccountRow, CreateDepartment, CreateStaffAccount, DeleteDepartment,
    DeleteStaffAccount, DepartmentRow, RenameDepartment, ResetAccountPassword, SetAccountActive,
    UpdateStaffAccount, account_editor, list_accounts, list_departments,
};

/// Shows the outcome of a server action: a notice when it succeeded, the error when not.
#[component]
pub(crate) fn Outcome<T: Clone + Send + Sync + 'static>(
    #[prop(into)] value: Signal<Option<Result<T, crate::api::AppError>>>,
    done: &'static str,
) -> impl IntoView {
    move || {
        value.get().map(|r| match r {
            Ok(_) => view! { <p class="notice" role="status">{done}</p> }.into_any(),
            Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    }
}

#[component]
pub fn StaffPage() -> impl IntoView {
    let accounts = Resource::new(|| (), |_| list_accounts());
    let query = use_query_map();
    view! {
        <Title text="管理者" />
        <h1>"職員アカウント"</h1>
        <p class="toolbar">
            <A href="/admin/staff/new" attr:class="button primary">"アカウントを追加"</A>
            <A href="/admin/staff/departments" attr:class="button ghost">"部署の管理"</A>
        </p>
        {move || query.read().get("deleted").map(|_| view! { <p class="notice" role="status">"アカウントを削除しました。"</p> })}
        <Transition fallback=|| view! { <p class="hint">"読み込み中…"</p> }>
            {move || accounts.get().map(|r| match r {
                Ok(list) => view! {
                    <table class="data-table" data-testid="accounts">
                        <thead>
                            <tr>
                                <th scope="col">"ユーザー名"</th>
                                <th scope="col">"表示名"</th>
                                <th scope="col">"権限"</th>
                                <th scope="col">"部署"</th>
                                <th scope="col">"状態"</th>
                                <th scope="col">"最終ログイン"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {list.into_iter().map(|a| view! { <AccountLine account=a /> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn AccountLine(account: AccountRow) -> impl IntoView {
    let (status, class) = if !account.active {
        ("無効", "status blocked")
    } else if account.must_change_password {
        ("パスワード変更待ち", "status")
    } else {
        ("有効", "status ok")
    };
    let href = format!("/admin/staff/{}", account.id);
    let username = account.username.clone();
    view! {
        <tr data-username=username>
            <td><A href=href>{account.username}</A></td>
            <td>{account.display_name}</td>
            <td>{account.role_label}</td>
            <td>{account.departments.join("、")}</td>
            <td><span class=class>{status}</span></td>
            <td>{account.last_login_at.unwrap_or_else(|| "—".into())}</td>
        </tr>
    }
}

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
        <p><A href="/admin/staff">"← 職員アカウント一覧"</A></p>
        <Transition fallback=|| view! { <p class="hint">"読み込み中…"</p> }>
            {move || editor.get().map(|r| match r {
                Ok(form) => match form.account.clone() {
                    Some(account) => view! { <EditAccount form account activate reset /> }.into_any(),
                    None => view! { <NewAccount form /> }.into_any(),
                },
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </Transition>
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
                <input id="username" name="username" required maxlength="64" autocomplete="off" autocapitalize="off" spellcheck="false" />
                <p class="hint">"3〜64文字の半角英数字と記号 . _ - @。あとから変更できません。"</p>
            </div>
            <div class="field">
                <label for="display_name">"表示名"</label>
                <input id="display_name" name="display_name" maxlength="100" />
            </div>
            <div class="field">
                <label for="initial_password">"初期パスワード"</label>
                <input id="initial_password" name="initial_password" type="password" required minlength="12" maxlength="128" autocomplete="new-password" />
                <p class="hint">"12文字以上。ユーザー名を含むものや、よく使われるものは使えません。本人は最初のログインで変更します。"</p>
            </div>
            <div class="field">
                <label for="initial_password_confirm">"初期パスワード（確認）"</label>
                <input id="initial_password_confirm" name="initial_password_confirm" type="password" required maxlength="128" autocomplete="new-password" />
            </div>
            <GrantsFields form=form account=None />
            <button type="submit" class="button primary" disabled=move || create.pending().get()>"追加"</button>
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
    let query = use_query_map();
    let created = move || query.read().get("saved").is_some();
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
        {move || created().then(|| view! { <p class="notice" role="status">"アカウントを追加しました。初期パスワードを本人に伝えてください。"</p> })}
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
                <input id="display_name" name="display_name" maxlength="100" value=display_name />
            </div>
            <GrantsFields form=form account=Some(account) />
            <button type="submit" class="button primary" disabled=move || update.pending().get()>"保存"</button>
            <Outcome value=update.value() done="保存しました。" />
        </ActionForm>

        <h2>"パスワードの再設定"</h2>
        <ActionForm action=reset attr:class="stack panel" attr:data-testid="reset-password">
            <input type="hidden" name="id" value=id />
            <p class="hint">"本人がパスワードを忘れたときに使います。本人は次のログインで変更します。ログイン中の画面はすべてログアウトされます。"</p>
            <div class="field">
                <label for="new_password">"新しいパスワード"</label>
                <input id="new_password" name="new_password" type="password" required minlength="12" maxlength="128" autocomplete="new-password" />
            </div>
            <div class="field">
                <label for="new_password_confirm">"新しいパスワード（確認）"</label>
                <input id="new_password_confirm" name="new_password_confirm" type="password" required maxlength="128" autocomplete="new-password" />
            </div>
            <button type="submit" class="button" disabled=move || reset.pending().get()>"パスワードを再設定"</button>
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
                <button type="submit" class="button">{toggle_label}</button>
            </ActionForm>
            <Outcome value=activate.value() done="変更しました。" />
            <p class="hint">"無効にしたアカウントはログインできず、記録は残ります。削除は誤って作ったアカウントにだけ使ってください。"</p>
            // A required tick instead of a script dialog: works before hydration and under the
            // strict Content-Security-Policy (no inline handlers).
            <ActionForm action=delete attr:class="inline-form" attr:data-testid="delete-account">
                <input type="hidden" name="id" value=id />
                <label class="checkbox">
                    <input type="checkbox" name="confirm" value="yes" required />
                    {confirm_delete}
                </label>
                <button type="submit" class="button danger">"削除"</button>
            </ActionForm>
            <Outcome value=delete.value() done="削除しました。" />
        </div>
    }
}

/// Role, departments and the permission grid, shared by the add and edit forms.
#[component]
fn GrantsFields(form: AccountForm, account: Option<AccountRow>) -> impl IntoView {
    let role = account
        .as_ref()
        .map_or("staff".to_owned(), |a| a.role.clone());
    let has = {
        let granted = account
            .as_ref()
            .map(|a| a.permissions.clone())
            .unwrap_or_default();
        move |key: &str| granted.iter().any(|p| p == key)
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
                <input type="radio" name="role" value="staff" checked=role == "staff" />
                "一般（下で選んだ機能だけを使えます）"
            </label>
            <label class="checkbox">
                <input type="radio" name="role" value="admin" checked=role == "admin" />
                "管理者（すべての機能と、アカウント・部署・設定の管理）"
            </label>
        </fieldset>
        <fieldset class="choices">
            <legend>"所属部署"</legend>
            {if form.departments.is_empty() {
                view! { <p class="hint">"部署がまだありません。"<A href="/admin/staff/departments">"部署の管理"</A>"で追加してください。"</p> }.into_any()
            } else {
                form.departments.iter().map(|d| view! {
                    <label class="checkbox">
                        <input type="checkbox" name="departments[]" value=d.id.to_string() checked=in_department(d.id) />
                        {d.name.clone()}
                    </label>
                }).collect_view().into_any()
            }}
        </fieldset>
        <fieldset class="choices">
            <legend>"機能ごとの権限（一般）"</legend>
            <p class="hint">"何も選ばなければ、ダッシュボード以外は使えません。編集などの操作には閲覧も含まれます。"</p>
            <table class="perm-grid" data-testid="permissions">
                <tbody>
                    {form.permission_groups.iter().map(|g| view! {
                        <tr>
                            <th scope="row">{g.label.clone()}</th>
                            <td>
                                {g.actions.iter().map(|(key, label)| view! {
                                    <label class="checkbox inline">
                                        <input type="checkbox" name="permissions[]" value=key.clone() checked=has(key) />
                                        {label.clone()}
                                    </label>
                                }).collect_view()}
                            </td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <label class="checkbox">
                <input type="checkbox" name="permissions[]" value=form.all_departments_key.clone() checked=has(&form.all_departments_key) />
                "所属部署以外の項目も扱える（全部署）"
            </label>
        </fieldset>
    }
}

#[component]
pub fn DepartmentsPage() -> impl IntoView {
    let create = ServerAction::<CreateDepartment>::new();
    let rename = ServerAction::<RenameDepartment>::new();
    let delete = ServerAction::<DeleteDepartment>::new();
    let departments = Resource::new(
        move || {
            (
                create.version().get(),
                rename.version().get(),
                delete.version().get(),
            )
        },
        |_| list_departments(),
    );
    view! {
        <Title text="部署の管理" />
        <p><A href="/admin/staff">"← 職員アカウント一覧"</A></p>
        <h1>"部署の管理"</h1>
        <p class="hint">"職員は1つ以上の部署に所属し、定型文などは部署ごとに管理されます。職員や項目が残っている部署は削除できません。"</p>
        <ActionForm action=create attr:class="filters panel" attr:data-testid="new-department">
            <div class="field">
                <label for="department-name">"新しい部署名"</label>
                <input id="department-name" name="name" required maxlength="100" />
            </div>
            <button type="submit" class="button primary">"追加"</button>
        </ActionForm>
        <Outcome value=create.value() done="部署を追加しました。" />
        <Outcome value=rename.value() done="部署名を変更しました。" />
        <Outcome value=delete.value() done="部署を削除しました。" />
        <Transition fallback=|| view! { <p class="hint">"読み込み中…"</p> }>
            {move || departments.get().map(|r| match r {
                Ok(list) => view! {
                    <table class="data-table" data-testid="departments">
                        <thead>
                            <tr>
                                <th scope="col">"部署名"</th>
                                <th scope="col">"職員数"</th>
                                <th scope="col">"操作"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {list.into_iter().map(|d| view! { <DepartmentLine department=d rename delete /> }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn DepartmentLine(
    department: DepartmentRow,
    rename: ServerAction<RenameDepartment>,
    delete: ServerAction<DeleteDepartment>,
) -> impl IntoView {
    let id = department.id;
    let label = format!("{}の新しい名前", department.name);
    let name = department.name.clone();
    view! {
        <tr data-department=department.name>
            <td>
                <ActionForm action=rename attr:class="inline-form">
                    <input type="hidden" name="id" value=id />
                    <input name="name" required maxlength="100" value=name aria-label=label />
                    <button type="submit" class="button small ghost">"名前を変更"</button>
                </ActionForm>
            </td>
            <td>{department.members}</td>
            <td>
                <ActionForm action=delete>
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="button small danger">"削除"</button>
                </ActionForm>
            </td>
        </tr>
    }
}

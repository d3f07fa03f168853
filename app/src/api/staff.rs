//! 管理者 area: staff accounts and departments (administrators only), and every user's own
//! password. The rules for who may call each function are in `rules.rs`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// `admin` or `staff`.
    pub role: String,
    pub role_label: String,
    pub active: bool,
    pub must_change_password: bool,
    /// Permission keys (`deliveries.send`, `all_departments`...).
    pub permissions: Vec<String>,
    pub department_ids: Vec<i64>,
    /// Department names, for the list.
    pub departments: Vec<String>,
    pub created_at: String,
    pub last_login_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentRow {
    pub id: i64,
    pub name: String,
    pub members: u64,
}

/// One feature's row in the permission grid: its label and its actions' keys and labels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionGroup {
    pub label: String,
    pub actions: Vec<(String, String)>,
}

/// What the account editor needs: the account (none when adding one), the departments and the
/// permission catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountForm {
    pub account: Option<AccountRow>,
    pub departments: Vec<DepartmentRow>,
    pub permission_groups: Vec<PermissionGroup>,
    /// The key of the permission that widens a 一般 user's scope to every department.
    pub all_departments_key: String,
    pub is_self: bool,
}

#[server(endpoint = "staff/accounts")]
pub async fn list_accounts() -> Result<Vec<AccountRow>, AppError> {
    use super::server::*;
    let ctx = context()?;
    let departments = domain::staff::departments::list(ctx.db())
        .await
        .map_err(domain_error)?;
    let accounts = domain::staff::accounts::list(ctx.db())
        .await
        .map_err(domain_error)?;
    Ok(accounts
        .into_iter()
        .map(|a| account_row(a, &departments))
        .collect())
}

#[server(endpoint = "staff/account_editor")]
pub async fn account_editor(id: Option<i64>) -> Result<AccountForm, AppError> {
    use super::server::*;
    use domain::staff::access::{CATALOGUE, Permission};
    let me = require_staff()?;
    let ctx = context()?;
    let db = ctx.db();
    let departments = domain::staff::departments::list(db).await.map_err(domain_error)?;
    let account = match id {
        Some(id) => Some(account_row(
            domain::staff::accounts::get(db, id).await.map_err(domain_error)?,
            &departments,
        )),
        None => None,
    };
    let members = domain::staff::departments::list_with_members(db)
        .await
        .map_err(domain_error)?;
    Ok(AccountForm {
        account,
        departments: members.into_iter().map(department_row).collect(),
        permission_groups: CATALOGUE
            .iter()
            .map(|(feature, actions)| PermissionGroup {
                label: feature.label_ja().to_owned(),
                actions: actions
                    .iter()
                    .map(|a| {
                        (
                            Permission::Do(*feature, *a).key(),
                            a.label_ja(*feature).to_owned(),
                        )
                    })
                    .collect(),
            })
            .collect(),
        all_departments_key: Permission::AllDepartments.key(),
        is_self: id == Some(me.id),
    })
}

/// Adds an account. It starts with exactly the permissions and departments ticked (none: the
/// least privilege) and must change its initial password at first sign-in.
#[server(endpoint = "staff/create_account")]
#[allow(clippy::too_many_arguments)]
pub async fn create_staff_account(
    username: String,
    display_name: String,
    initial_password: String,
    initial_password_confirm: String,
    role: String,
    #[server(default)] permissions: Vec<String>,
    #[server(default)] departments: Vec<i64>,
) -> Result<i64, AppError> {
    use super::server::*;
    let me = require_staff()?;
    let ctx = context()?;
    if initial_password != initial_password_confirm {
        return Err(fail(AppError::Invalid(
            "確認用パスワードが一致しません。".into(),
        )));
    }
    let (role, permissions) = grants_from_form(&role, &permissions)?;
    let departments = departments.into_iter().collect();
    let new = domain::staff::accounts::NewStaffAccount {
        username: &username,
        display_name: &display_name,
        initial_password: &initial_password,
        role,
        permissions: &permissions,
        departments: &departments,
    };
    let account = domain::staff::accounts::create_account(ctx.db(), &ctx.actor(&me), new)
        .await
        .map_err(domain_error)?;
    tracing::info!(
        staff_id = me.id,
        account = account.id,
        "staff account created"
    );
    leptos_axum::redirect(&format!("/admin/staff/{}?saved=created", account.id));
    Ok(account.id)
}

#[server(endpoint = "staff/update_account")]
pub async fn update_staff_account(
    id: i64,
    display_name: String,
    role: String,
    #[server(default)] permissions: Vec<String>,
    #[server(default)] departments: Vec<i64>,
) -> Result<(), AppError> {
    use super::server::*;
    let me = require_staff()?;
    let ctx = context()?;
    let (role, permissions) = grants_from_form(&role, &permissions)?;
    let departments = departments.into_iter().collect();
    let changes = domain::staff::accounts::AccountChanges {
        display_name: &display_name,
        role,
        permissions: &permissions,
        departments: &departments,
    };
    domain::staff::accounts::update(ctx.db(), &ctx.actor(&me), id, changes)
        .await
        .map_err(domain_error)?;
    tracing::info!(staff_id = me.id, account = id, "staff account updated");
    Ok(())
}

/// Disables (`active` false) or re-enables an account.
#[server(endpoint = "staff/set_active")]
pub async fn set_account_active(id: i64, active: bool) -> Result<(), AppError> {
    use super::server::*;
    let me = require_staff()?;
    let ctx = context()?;
    domain::staff::accounts::set_active(ctx.db(), &ctx.actor(&me), id, active)
        .await
        .map_err(domain_error)?;
    tracing::info!(
        staff_id = me.id,
        account = id,
        active,
        "staff account enabled or disabled"
    );
    Ok(())
}

#[server(endpoint = "staff/reset_password")]
pub async fn reset_account_password(
    id: i64,
    new_password: String,
    new_password_confirm: String,
) -> Result<(), AppError> {
    use super::server::*;
    let me = require_staff()?;
    let ctx = context()?;
    if new_password != new_password_confirm {
        return Err(fail(AppError::Invalid(
            "確認用パスワードが一致しません。".into(),
        )));
    }
    domain::staff::accounts::reset_password(ctx.db(), &ctx.actor(&me), id, &new_password)
        .await
        .map_err(domain_error)?;
    tracing::info!(staff_id = me.id, account = id, "staff password reset");
    Ok(())
}

#[server(endpoint = "staff/delete_account")]
pub async fn delete_staff_account(id: i64) -> Result<(), AppError> {
    use super::server::*;
    let me = require_staff()?;
    let ctx = context()?;
    domain::staff::accounts::delete(ctx.db(), &ctx.actor(&me), id)
        .await
        .map_err(domain_error)?;
    tracing::info!(staff_id = me.id, account = id, "staff account deleted");
    leptos_axum::redirect("/admin/staff?deleted=1");
    Ok(())
}

#[server(endpoint = "staff/departments")]
pub async fn list_departments() -> Result<Vec<DepartmentRow>, AppError> {
    use super::server::*;
    let ctx = context()?;
    let list = domain::staff::departments::list_with_members(ctx.db())
        .await
        .map_err(domain_error)?;
    Ok(list.into_iter().map(department_row).collect())
}

#[server(endpoint = "staff/create_department")]
pub async fn create_department(name: String) -> Result<(), AppError> {
    use super::server::*;
    let me = require_staff()?;
    let ctx = context()?;
    domain::staff::departments::create(ctx.db(), &ctx.actor(&me), &name)
        .await
        .map_err(domain_error)?;
    Ok(())
}

#[server(endpoint = "staff/rename_department")]
pub async fn rename_department(id: i64, name: String) -> Result<(), AppError> {
    use super::server::*;
    let me = require_staff()?;
    let ctx = context()?;
    domain::staff::departments::rename(ctx.db(), &ctx.actor(&me), id, &name)
        .await
        .map_err(domain_error)?;
    Ok(())
}

#[server(endpoint = "staff/delete_department")]
pub async fn delete_department(id: i64) -> Result<(), AppError> {
    use super::server::*;
    let me = require_staff()?;
    let ctx = context()?;
    domain::staff::departments::delete(ctx.db(), &ctx.actor(&me), id)
        .await
        .map_err(domain_error)?;
    Ok(())
}

/// Changes the caller's own password (the current one is required). Also what a user whose
/// password was set by an administrator must do before anything else.
#[server(endpoint = "me/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_confirm: String,
) -> Result<(), AppError> {
    use super::server::*;
    let me = require_staff()?;
    let ctx = context()?;
    if new_password != new_password_confirm {
        return Err(fail(AppError::Invalid(
            "確認用パスワードが一致しません。".into(),
        )));
    }
    let keep = ctx.server().cookie.session_token(&ctx.parts.headers);
    domain::staff::accounts::change_own_password(
        ctx.db(),
        &ctx.actor(&me),
        me.id,
        &current_password,
        &new_password,
        keep.as_deref(),
    )
    .await
    .map_err(domain_error)?;
    tracing::info!(staff_id = me.id, "staff changed their own password");
    leptos_axum::redirect("/admin?password_changed=1");
    Ok(())
}

#[cfg(feature = "ssr")]
fn grants_from_form(
    role: &str,
    permissions: &[String],
) -> Result<
    (
        domain::staff::access::Role,
        std::collections::BTreeSet<domain::staff::access::Permission>,
    ),
    AppError,
> {
    use super::server::domain_error;
    let role = domain::staff::access::Role::from_key(role).map_err(domain_error)?;
    let permissions = permissions
        .iter()
        .map(|p| domain::staff::access::Permission::from_key(p))
        .collect::<Result<_, _>>()
        .map_err(domain_error)?;
    Ok((role, permissions))
}

#[cfg(feature = "ssr")]
fn account_row(
    a: domain::staff::accounts::Account,
    departments: &[domain::staff::departments::Department],
) -> AccountRow {
    use super::friends::jst;
    AccountRow {
        id: a.id,
        role: a.role.key().to_owned(),
        role_label: a.role.label_ja().to_owned(),
        username: a.username,
        display_name: a.display_name,
        active: a.is_active,
        must_change_password: a.must_change_password,
        permissions: a.permissions.iter().map(|p| p.key()).collect(),
        departments: departments
            .iter()
            .filter(|d| a.departments.contains(&d.id))
            .map(|d| d.name.clone())
            .collect(),
        department_ids: a.departments.into_iter().collect(),
        created_at: jst(a.created_at),
        last_login_at: a.last_login_at.map(jst),
    }
}

#[cfg(feature = "ssr")]
fn department_row((d, members): (domain::staff::departments::Department, u64)) -> DepartmentRow {
    DepartmentRow {
        id: d.id,
        name: d.name,
        members,
    }
}

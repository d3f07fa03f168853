//! 管理者 area: staff accounts and departments, for administrators only.

use leptos::prelude::*;
use model::access::{Permission, Role};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub must_change_password: bool,
    pub permissions: Vec<Permission>,
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

/// What the account editor needs: the account (none when adding one) and the departments. (The
/// permission grid comes from `model::access::CATALOGUE`, which the browser has too.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountForm {
    pub account: Option<AccountRow>,
    pub departments: Vec<DepartmentRow>,
    pub is_self: bool,
}

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::Need;
    &[
        rule::<ListAccounts>(Need::Admin),
        rule::<AccountEditor>(Need::Admin),
        rule::<CreateStaffAccount>(Need::Admin),
        rule::<UpdateStaffAccount>(Need::Admin),
        rule::<SetAccountActive>(Need::Admin),
        rule::<ResetAccountPassword>(Need::Admin),
        rule::<DeleteStaffAccount>(Need::Admin),
        rule::<ListDepartments>(Need::Admin),
        rule::<CreateDepartment>(Need::Admin),
        rule::<RenameDepartment>(Need::Admin),
        rule::<DeleteDepartment>(Need::Admin),
    ]
};

#[server(endpoint = "staff/accounts")]
pub async fn list_accounts() -> Result<Vec<AccountRow>, AppError> {
    let (_, ctx) = crate::ssr::context::call::<ListAccounts>()?;
    let departments = domain::staff::departments::list(ctx.db()).await?;
    let accounts = domain::staff::accounts::list(ctx.db()).await?;
    Ok(accounts
        .into_iter()
        .map(|a| account_row(a, &departments))
        .collect())
}

#[server(endpoint = "staff/account_editor")]
pub async fn account_editor(id: Option<i64>) -> Result<AccountForm, AppError> {
    let (me, ctx) = crate::ssr::context::call::<AccountEditor>()?;
    let db = ctx.db();
    let departments = domain::staff::departments::list(db).await?;
    let account = match id {
        Some(id) => Some(account_row(
            domain::staff::accounts::get(db, id).await?,
            &departments,
        )),
        None => None,
    };
    let members = domain::staff::departments::list_with_members(db).await?;
    Ok(AccountForm {
        account,
        departments: members.into_iter().map(department_row).collect(),
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
    role: Role,
    #[server(default)] permissions: Vec<Permission>,
    #[server(default)] departments: Vec<i64>,
) -> Result<i64, AppError> {
    use domain::staff::{accounts, password};
    let (me, ctx) = crate::ssr::context::call::<CreateStaffAccount>()?;
    password::check_confirmation(&initial_password, &initial_password_confirm)?;
    let permissions = permissions.into_iter().collect();
    let departments = departments.into_iter().collect();
    let new = accounts::NewAccount {
        username: &username,
        display_name: &display_name,
        password: &initial_password,
        role,
        permissions: &permissions,
        departments: &departments,
        must_change_password: true,
    };
    let account = accounts::create(ctx.db(), &ctx.actor(&me), new).await?;
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
    role: Role,
    #[server(default)] permissions: Vec<Permission>,
    #[server(default)] departments: Vec<i64>,
) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<UpdateStaffAccount>()?;
    let permissions = permissions.into_iter().collect();
    let departments = departments.into_iter().collect();
    let changes = domain::staff::accounts::AccountChanges {
        display_name: &display_name,
        role,
        permissions: &permissions,
        departments: &departments,
    };
    domain::staff::accounts::update(ctx.db(), &ctx.actor(&me), id, changes).await?;
    tracing::info!(staff_id = me.id, account = id, "staff account updated");
    Ok(())
}

/// Disables (`active` false) or re-enables an account.
#[server(endpoint = "staff/set_active")]
pub async fn set_account_active(id: i64, active: bool) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<SetAccountActive>()?;
    domain::staff::accounts::set_active(ctx.db(), &ctx.actor(&me), id, active).await?;
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
    use domain::staff::{accounts, password};
    let (me, ctx) = crate::ssr::context::call::<ResetAccountPassword>()?;
    password::check_confirmation(&new_password, &new_password_confirm)?;
    accounts::reset_password(ctx.db(), &ctx.actor(&me), id, &new_password).await?;
    tracing::info!(staff_id = me.id, account = id, "staff password reset");
    Ok(())
}

#[server(endpoint = "staff/delete_account")]
pub async fn delete_staff_account(id: i64) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<DeleteStaffAccount>()?;
    domain::staff::accounts::delete(ctx.db(), &ctx.actor(&me), id).await?;
    tracing::info!(staff_id = me.id, account = id, "staff account deleted");
    leptos_axum::redirect("/admin/staff?deleted=1");
    Ok(())
}

#[server(endpoint = "staff/departments")]
pub async fn list_departments() -> Result<Vec<DepartmentRow>, AppError> {
    let (_, ctx) = crate::ssr::context::call::<ListDepartments>()?;
    let list = domain::staff::departments::list_with_members(ctx.db()).await?;
    Ok(list.into_iter().map(department_row).collect())
}

#[server(endpoint = "staff/create_department")]
pub async fn create_department(name: String) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<CreateDepartment>()?;
    domain::staff::departments::create(ctx.db(), &ctx.actor(&me), &name).await?;
    Ok(())
}

#[server(endpoint = "staff/rename_department")]
pub async fn rename_department(id: i64, name: String) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<RenameDepartment>()?;
    domain::staff::departments::rename(ctx.db(), &ctx.actor(&me), id, &name).await?;
    Ok(())
}

#[server(endpoint = "staff/delete_department")]
pub async fn delete_department(id: i64) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<DeleteDepartment>()?;
    domain::staff::departments::delete(ctx.db(), &ctx.actor(&me), id).await?;
    Ok(())
}

#[cfg(feature = "ssr")]
fn account_row(
    a: domain::staff::accounts::Account,
    departments: &[domain::staff::departments::Department],
) -> AccountRow {
    AccountRow {
        id: a.id,
        role: a.role,
        username: a.username,
        display_name: a.display_name,
        active: a.is_active,
        must_change_password: a.must_change_password,
        permissions: a.permissions.into_iter().collect(),
        departments: departments
            .iter()
            .filter(|d| a.departments.contains(&d.id))
            .map(|d| d.name.clone())
            .collect(),
        department_ids: a.departments.into_iter().collect(),
        created_at: domain::time::minutes(a.created_at),
        last_login_at: a.last_login_at.map(domain::time::minutes),
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

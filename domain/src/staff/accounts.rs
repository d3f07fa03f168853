//! Staff accounts: creation with validated usernames and argon2id password hashes, and
//! authentication that answers the same way, in the same time, for every kind of failure.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, LazyLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr,
    TransactionTrait,
};
use tokio::sync::Semaphore;

use crate::staff::access::{Grants, Permission, Role};
use crate::security::audit::{self, Actor};
use crate::entities::{department, staff_account, staff_department, staff_permission};
use crate::staff::sessions;
use crate::{DomainError, DomainResult};

pub const USERNAME_MIN_CHARS: usize = 3;
pub const USERNAME_MAX_CHARS: usize = 64;
pub const PASSWORD_MIN_CHARS: usize = 12;
/// An upper bound keeps one request from making the server hash megabytes.
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const DISPLAY_NAME_MAX_CHARS: usize = 100;

/// What a caller outside the domain may know about a signed-in member of staff: who they are
/// and what they are allowed ([`Grants`], checked by [`crate::staff::access::authorize`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staff {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub grants: Grants,
}

/// The account with its permissions and departments.
async fn staff_of(db: &impl ConnectionTrait, m: staff_account::Model) -> DomainResult<Staff> {
    let permissions = staff_permission::Entity::find()
        .filter(staff_permission::Column::StaffId.eq(m.id))
        .all(db)
        .await?
        .into_iter()
        // A permission this version does not know (written by a newer one) grants nothing.
        .filter_map(|p| Permission::from_key(&p.permission).ok())
        .collect();
    let departments = staff_department::Entity::find()
        .filter(staff_department::Column::StaffId.eq(m.id))
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.department_id)
        .collect();
    Ok(Staff {
        id: m.id,
        username: m.username,
        display_name: m.display_name,
        grants: Grants {
            // An unknown role (a newer version's) is the least privileged one.
            role: Role::from_key(&m.role).unwrap_or(Role::Staff),
            permissions,
            departments,
            must_change_password: m.must_change_password,
        },
    })
}

pub struct NewAccount<'a> {
    pub username: &'a str,
    /// Empty means "same as the username".
    pub display_name: &'a str,
    pub password: &'a str,
}

/// Creates an active administrator (管理者) account: `machidayori admin create` (and tests).
/// Fails with a Japanese message when a field breaks a rule or the username is taken (compared
/// without regard to case). Audited as `account.create` by `actor`.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewAccount<'_>,
) -> DomainResult<Staff> {
    insert_admin(db, new, "account.create", |_| actor.clone()).await
}

/// Creates the first account from the setup page, but only while there is none: two browsers
/// racing through setup get one administrator and one "already set up" error. Audited as
/// `account.create_first` by the new administrator, from `client_addr`.
pub async fn create_first(
    db: &DatabaseConnection,
    client_addr: Option<std::net::IpAddr>,
    new: NewAccount<'_>,
) -> DomainResult<Staff> {
    static SETUP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one_at_a_time = SETUP.lock().await;
    if count(db).await? > 0 {
        return Err(DomainError::Conflict(
            "初期設定は完了しています。ログイン画面からログインしてください。".into(),
        ));
    }
    insert_admin(db, new, "account.create_first", |staff| {
        Actor::staff(staff, client_addr)
    })
    .await
}

/// Inserts an administrator and its audit entry in one transaction.
async fn insert_admin(
    db: &DatabaseConnection,
    new: NewAccount<'_>,
    action: &str,
    actor_of: impl FnOnce(&Staff) -> Actor,
) -> DomainResult<Staff> {
    let username = validate_username(new.username)?;
    let display_name = validate_display_name(new.display_name, &username)?;
    validate_password(&username, new.password)?;
    let key = username_key(&username);
    if find_by_key(db, &key).await?.is_some() {
        return Err(taken(&username));
    }
    let password_hash = hash_password(new.password.to_owned()).await?;
    let now = Utc::now();
    let row = staff_account::ActiveModel {
        username: Set(username.clone()),
        username_key: Set(key),
        display_name: Set(display_name),
        password_hash: Set(password_hash),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
        role: Set(Role::Admin.key().into()),
        must_change_password: Set(false),
        ..Default::default()
    };
    let txn = db.begin().await?;
    let model = match row.insert(&txn).await {
        Ok(model) => model,
        // Two administrators creating the same name at once: the unique index decides.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(taken(&username));
        }
        Err(e) => return Err(e.into()),
    };
    let staff = staff_of(&txn, model).await?;
    let mut summary = grants_summary(&staff.grants);
    summary["display_name"] = staff.display_name.clone().into();
    record(&txn, &actor_of(&staff), action, &staff.username, summary).await?;
    txn.commit().await?;
    Ok(staff)
}

/// Number of accounts, active or not; zero means the first-run setup is still open.
pub async fn count(db: &DatabaseConnection) -> DomainResult<u64> {
    Ok(staff_account::Entity::find().count(db).await?)
}

/// Checks a username and password. Unknown user, disabled account and wrong password all give
/// [`DomainError::BadCredentials`] after one argon2 verification, so neither the answer nor its
/// timing tells which usernames exist.
pub async fn authenticate(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
) -> DomainResult<Staff> {
    check_credentials(db, username, password)
        .await?
        .map_err(|_| DomainError::BadCredentials)
}

/// Why a sign-in failed: recorded in the login history (`crate::security::login_history`), never shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInFailure {
    UnknownUser,
    WrongPassword { staff_id: i64 },
    Disabled { staff_id: i64 },
}

/// [`authenticate`] with the reason of a failure, for the login history. Same work, same time
/// for every outcome; callers must not show the reason.
pub async fn check_credentials(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
) -> DomainResult<Result<Staff, SignInFailure>> {
    let over_long = password.chars().count() > PASSWORD_MAX_CHARS;
    let account = if username.chars().count() > USERNAME_MAX_CHARS {
        None
    } else {
        find_by_key(db, &username_key(username.trim())).await?
    };
    // An unknown user is verified against the dummy hash: same work, same time.
    let stored_hash = account.as_ref().map(|a| a.password_hash.clone());
    // An over-long password is never valid; it is still "verified" (as an empty one) for timing.
    let candidate = if over_long {
        String::new()
    } else {
        password.to_owned()
    };
    let matches = verify_password(candidate, stored_hash).await?;
    match account {
        Some(a) if matches && !over_long && a.is_active => {
            let mut active: staff_account::ActiveModel = a.into();
            active.last_login_at = Set(Some(Utc::now()));
            Ok(Ok(staff_of(db, active.update(db).await?).await?))
        }
        Some(a) if !a.is_active => Ok(Err(SignInFailure::Disabled { staff_id: a.id })),
        Some(a) => Ok(Err(SignInFailure::WrongPassword { staff_id: a.id })),
        None => Ok(Err(SignInFailure::UnknownUser)),
    }
}

/// Sets an account's role, permissions and departments, all at once or not at all. The last
/// active administrator stays an administrator: someone must be able to manage accounts.
pub async fn set_grants(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    role: Role,
    permissions: &BTreeSet<Permission>,
    departments: &BTreeSet<i64>,
) -> DomainResult<Staff> {
    let (txn, account) = begin_account_change(db, id).await?;
    let account = replace_grants(&txn, account, role, permissions, departments).await?;
    let staff = staff_of(&txn, account).await?;
    record(
        &txn,
        actor,
        "account.grants",
        &staff.username,
        grants_summary(&staff.grants),
    )
    .await?;
    txn.commit().await?;
    Ok(staff)
}

/// Writes role, permissions and departments inside the caller's transaction.
async fn replace_grants(
    txn: &DatabaseTransaction,
    account: staff_account::Model,
    role: Role,
    permissions: &BTreeSet<Permission>,
    departments: &BTreeSet<i64>,
) -> DomainResult<staff_account::Model> {
    let id = account.id;
    if role != Role::Admin && is_active_admin(&account) {
        ensure_another_admin(
            txn,
            id,
            "最後の管理者は一般に変更できません。先に別の管理者を作成してください。",
        )
        .await?;
    }
    let known = department::Entity::find()
        .filter(department::Column::Id.is_in(departments.iter().copied()))
        .count(txn)
        .await?;
    if known != departments.len() as u64 {
        return Err(DomainError::Invalid(
            "存在しない部署が指定されました。画面を再読み込みしてください。".into(),
        ));
    }
    let mut active: staff_account::ActiveModel = account.into();
    active.role = Set(role.key().into());
    active.updated_at = Set(Utc::now());
    let account = active.update(txn).await?;
    staff_permission::Entity::delete_many()
        .filter(staff_permission::Column::StaffId.eq(id))
        .exec(txn)
        .await?;
    if !permissions.is_empty() {
        staff_permission::Entity::insert_many(permissions.iter().map(|p| {
            staff_permission::ActiveModel {
                staff_id: Set(id),
                permission: Set(p.key()),
            }
        }))
        .exec(txn)
        .await?;
    }
    staff_department::Entity::delete_many()
        .filter(staff_department::Column::StaffId.eq(id))
        .exec(txn)
        .await?;
    if !departments.is_empty() {
        staff_department::Entity::insert_many(departments.iter().map(|d| {
            staff_department::ActiveModel {
                staff_id: Set(id),
                department_id: Set(*d),
            }
        }))
        .exec(txn)
        .await?;
    }
    Ok(account)
}

fn is_active_admin(account: &staff_account::Model) -> bool {
    account.is_active && account.role == Role::Admin.key()
}

/// Starts a transaction that changes account `id`, and returns it with the account as it is now.
///
/// Its first statement writes the account's row, which takes SQLite's write lock (so the reads
/// that follow cannot go stale) and the row's lock on PostgreSQL; on PostgreSQL the active
/// administrators' rows are then locked too. Two administrators demoting or disabling each other
/// at the same moment therefore run one after the other, and the last-administrator check of the
/// second sees the first's change.
async fn begin_account_change(
    db: &DatabaseConnection,
    id: i64,
) -> DomainResult<(DatabaseTransaction, staff_account::Model)> {
    let txn = db.begin().await?;
    let touched = staff_account::Entity::update_many()
        .col_expr(staff_account::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(staff_account::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    if touched.rows_affected == 0 {
        return Err(no_such_account());
    }
    staff_account::Entity::find()
        .filter(staff_account::Column::Role.eq(Role::Admin.key()))
        .filter(staff_account::Column::IsActive.eq(true))
        .lock_exclusive()
        .all(&txn)
        .await?;
    let account = find_by_id(&txn, id).await?;
    Ok((txn, account))
}

/// Refuses (with `why`) unless an active administrator other than `id` exists.
async fn ensure_another_admin(txn: &DatabaseTransaction, id: i64, why: &str) -> DomainResult<()> {
    let others = staff_account::Entity::find()
        .filter(staff_account::Column::Role.eq(Role::Admin.key()))
        .filter(staff_account::Column::IsActive.eq(true))
        .filter(staff_account::Column::Id.ne(id))
        .count(txn)
        .await?;
    if others == 0 {
        return Err(DomainError::Conflict(why.into()));
    }
    Ok(())
}

/// Appends the audit entry of an account change; accounts are named by username in the log.
async fn record(
    txn: &DatabaseTransaction,
    actor: &Actor,
    action: &str,
    username: &str,
    summary: serde_json::Value,
) -> DomainResult<()> {
    audit::record(txn, actor, action, "staff_account", Some(username), summary).await
}

/// Role, permissions and departments as the audit log shows them.
fn grants_summary(grants: &Grants) -> serde_json::Value {
    serde_json::json!({
        "role": grants.role.key(),
        "permissions": grants.permissions.iter().map(|p| p.key()).collect::<Vec<_>>(),
        "departments": grants.departments,
    })
}

fn no_such_account() -> DomainError {
    DomainError::NotFound("指定されたアカウントはありません。".into())
}

async fn find_by_id(db: &impl ConnectionTrait, id: i64) -> DomainResult<staff_account::Model> {
    staff_account::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(no_such_account)
}

/// An account as the administrators' account pages show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub is_active: bool,
    pub must_change_password: bool,
    pub permissions: BTreeSet<Permission>,
    pub departments: BTreeSet<i64>,
    pub created_at: crate::DateTime,
    pub last_login_at: Option<crate::DateTime>,
}

/// Every account, by username, with its permissions and departments (three queries in all).
pub async fn list(db: &DatabaseConnection) -> DomainResult<Vec<Account>> {
    let accounts = staff_account::Entity::find()
        .order_by_asc(staff_account::Column::UsernameKey)
        .all(db)
        .await?;
    let mut permissions: HashMap<i64, BTreeSet<Permission>> = HashMap::new();
    for p in staff_permission::Entity::find().all(db).await? {
        if let Ok(permission) = Permission::from_key(&p.permission) {
            permissions
                .entry(p.staff_id)
                .or_default()
                .insert(permission);
        }
    }
    let mut departments: HashMap<i64, BTreeSet<i64>> = HashMap::new();
    for d in staff_department::Entity::find().all(db).await? {
        departments
            .entry(d.staff_id)
            .or_default()
            .insert(d.department_id);
    }
    Ok(accounts
        .into_iter()
        .map(|m| {
            let permissions = permissions.remove(&m.id).unwrap_or_default();
            let departments = departments.remove(&m.id).unwrap_or_default();
            account_of(m, permissions, departments)
        })
        .collect())
}

/// One account, or [`DomainError::NotFound`].
pub async fn get(db: &DatabaseConnection, id: i64) -> DomainResult<Account> {
    let m = find_by_id(db, id).await?;
    let staff = staff_of(db, m.clone()).await?;
    Ok(account_of(
        m,
        staff.grants.permissions,
        staff.grants.departments,
    ))
}

fn account_of(
    m: staff_account::Model,
    permissions: BTreeSet<Permission>,
    departments: BTreeSet<i64>,
) -> Account {
    Account {
        id: m.id,
        // An unknown role (a newer version's) is shown and treated as the least privileged.
        role: Role::from_key(&m.role).unwrap_or(Role::Staff),
        username: m.username,
        display_name: m.display_name,
        is_active: m.is_active,
        must_change_password: m.must_change_password,
        permissions,
        departments,
        created_at: m.created_at,
        last_login_at: m.last_login_at,
    }
}

/// What an administrator fills in to add an account.
pub struct NewStaffAccount<'a> {
    pub username: &'a str,
    /// Empty means "same as the username".
    pub display_name: &'a str,
    /// Handed to the user, who must change it at first sign-in.
    pub initial_password: &'a str,
    pub role: Role,
    pub permissions: &'a BTreeSet<Permission>,
    pub departments: &'a BTreeSet<i64>,
}

/// Adds an account from the admin panel. The initial password follows the policy and must be
/// changed at first sign-in; permissions and departments are exactly those given (none means
/// the least privilege). Nothing is stored when any part is refused.
pub async fn create_account(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewStaffAccount<'_>,
) -> DomainResult<Account> {
    let username = validate_username(new.username)?;
    let display_name = validate_display_name(new.display_name, &username)?;
    validate_password(&username, new.initial_password)?;
    let key = username_key(&username);
    if find_by_key(db, &key).await?.is_some() {
        return Err(taken(&username));
    }
    let password_hash = hash_password(new.initial_password.to_owned()).await?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let row = staff_account::ActiveModel {
        username: Set(username.clone()),
        username_key: Set(key),
        display_name: Set(display_name),
        password_hash: Set(password_hash),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
        role: Set(new.role.key().into()),
        must_change_password: Set(true),
        ..Default::default()
    };
    let account = match row.insert(&txn).await {
        Ok(model) => model,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(taken(&username));
        }
        Err(e) => return Err(e.into()),
    };
    let account = replace_grants(&txn, account, new.role, new.permissions, new.departments).await?;
    let staff = staff_of(&txn, account.clone()).await?;
    let mut summary = grants_summary(&staff.grants);
    summary["display_name"] = account.display_name.clone().into();
    record(&txn, actor, "account.create", &staff.username, summary).await?;
    txn.commit().await?;
    Ok(account_of(
        account,
        staff.grants.permissions,
        staff.grants.departments,
    ))
}

/// What an administrator may change on an existing account (the username stays: it is what
/// people sign in with and what the logs name).
pub struct AccountChanges<'a> {
    pub display_name: &'a str,
    pub role: Role,
    pub permissions: &'a BTreeSet<Permission>,
    pub departments: &'a BTreeSet<i64>,
}

/// Changes display name, role, permissions and departments at once, or nothing.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    changes: AccountChanges<'_>,
) -> DomainResult<Account> {
    let (txn, account) = begin_account_change(db, id).await?;
    let display_name = validate_display_name(changes.display_name, &account.username)?;
    let mut account = replace_grants(
        &txn,
        account,
        changes.role,
        changes.permissions,
        changes.departments,
    )
    .await?;
    if account.display_name != display_name {
        let mut active: staff_account::ActiveModel = account.into();
        active.display_name = Set(display_name);
        account = active.update(&txn).await?;
    }
    let staff = staff_of(&txn, account.clone()).await?;
    let mut summary = grants_summary(&staff.grants);
    summary["display_name"] = account.display_name.clone().into();
    record(&txn, actor, "account.update", &staff.username, summary).await?;
    txn.commit().await?;
    Ok(account_of(
        account,
        staff.grants.permissions,
        staff.grants.departments,
    ))
}

/// Disables or re-enables an account. A disabled account cannot sign in and its sessions end at
/// once. Administrators cannot disable themselves, nor the last active administrator.
pub async fn set_active(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    active: bool,
) -> DomainResult<Account> {
    if !active && actor.staff_id == Some(id) {
        return Err(DomainError::Conflict(
            "自分自身のアカウントは無効にできません。".into(),
        ));
    }
    let (txn, account) = begin_account_change(db, id).await?;
    if !active && is_active_admin(&account) {
        ensure_another_admin(
            &txn,
            id,
            "最後の管理者は無効にできません。先に別の管理者を作成してください。",
        )
        .await?;
    }
    let mut row: staff_account::ActiveModel = account.into();
    row.is_active = Set(active);
    let account = row.update(&txn).await?;
    if !active {
        sessions::end_all_of(&txn, id, None).await?;
    }
    let action = if active {
        "account.enable"
    } else {
        "account.disable"
    };
    record(
        &txn,
        actor,
        action,
        &account.username,
        serde_json::json!({}),
    )
    .await?;
    txn.commit().await?;
    get(db, account.id).await
}

/// Sets a new password chosen by an administrator (the user forgot theirs). It follows the
/// policy, must be changed at the next sign-in, and ends the user's sessions.
pub async fn reset_password(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    new_password: &str,
) -> DomainResult<()> {
    let account = find_by_id(db, id).await?;
    validate_password(&account.username, new_password)?;
    let password_hash = hash_password(new_password.to_owned()).await?;
    let (txn, account) = begin_account_change(db, id).await?;
    let mut row: staff_account::ActiveModel = account.into();
    row.password_hash = Set(password_hash);
    row.must_change_password = Set(true);
    let account = row.update(&txn).await?;
    sessions::end_all_of(&txn, id, None).await?;
    let summary = serde_json::json!({"must_change_password": true});
    record(
        &txn,
        actor,
        "account.reset_password",
        &account.username,
        summary,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Deletes an account with its permissions, departments and sessions. Administrators cannot
/// delete themselves, nor the last active administrator. (Disabling keeps the account for the
/// record; deleting is for accounts created by mistake.)
pub async fn delete(db: &DatabaseConnection, actor: &Actor, id: i64) -> DomainResult<Account> {
    if actor.staff_id == Some(id) {
        return Err(DomainError::Conflict(
            "自分自身のアカウントは削除できません。".into(),
        ));
    }
    let (txn, account) = begin_account_change(db, id).await?;
    if is_active_admin(&account) {
        ensure_another_admin(
            &txn,
            id,
            "最後の管理者は削除できません。先に別の管理者を作成してください。",
        )
        .await?;
    }
    let staff = staff_of(&txn, account.clone()).await?;
    sessions::end_all_of(&txn, id, None).await?;
    staff_permission::Entity::delete_many()
        .filter(staff_permission::Column::StaffId.eq(id))
        .exec(&txn)
        .await?;
    staff_department::Entity::delete_many()
        .filter(staff_department::Column::StaffId.eq(id))
        .exec(&txn)
        .await?;
    staff_account::Entity::delete_by_id(id).exec(&txn).await?;
    record(
        &txn,
        actor,
        "account.delete",
        &account.username,
        grants_summary(&staff.grants),
    )
    .await?;
    txn.commit().await?;
    Ok(account_of(
        account,
        staff.grants.permissions,
        staff.grants.departments,
    ))
}

/// A user changes their own password: the current one is required, the new one follows the
/// policy and differs from the current one. Clears "must change at next sign-in" and ends the
/// user's other sessions (`keep_session` is the caller's own token).
pub async fn change_own_password(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    current: &str,
    new_password: &str,
    keep_session: Option<&str>,
) -> DomainResult<()> {
    let account = find_by_id(db, id).await?;
    let current_ok = current.chars().count() <= PASSWORD_MAX_CHARS
        && verify_password(current.to_owned(), Some(account.password_hash.clone())).await?;
    if !current_ok {
        return Err(DomainError::Invalid(
            "現在のパスワードが正しくありません。".into(),
        ));
    }
    if current == new_password {
        return Err(DomainError::Invalid(
            "新しいパスワードは現在のパスワードと違うものにしてください。".into(),
        ));
    }
    validate_password(&account.username, new_password)?;
    let password_hash = hash_password(new_password.to_owned()).await?;
    let (txn, account) = begin_account_change(db, id).await?;
    let mut row: staff_account::ActiveModel = account.into();
    row.password_hash = Set(password_hash);
    row.must_change_password = Set(false);
    let account = row.update(&txn).await?;
    let ended = sessions::end_all_of(&txn, id, keep_session).await?;
    let summary = serde_json::json!({"other_sessions_ended": ended});
    record(
        &txn,
        actor,
        "account.change_password",
        &account.username,
        summary,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn find_active(db: &DatabaseConnection, id: i64) -> DomainResult<Option<Staff>> {
    match staff_account::Entity::find_by_id(id)
        .filter(staff_account::Column::IsActive.eq(true))
        .one(db)
        .await?
    {
        Some(m) => Ok(Some(staff_of(db, m).await?)),
        None => Ok(None),
    }
}

/// Trims and checks a username: 3–64 characters of ASCII letters, digits and `. _ - @`.
pub fn validate_username(raw: &str) -> DomainResult<String> {
    let name = raw.trim();
    let len = name.chars().count();
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    if !(USERNAME_MIN_CHARS..=USERNAME_MAX_CHARS).contains(&len) || !name.chars().all(allowed) {
        return Err(DomainError::Invalid(format!(
            "ユーザー名は{USERNAME_MIN_CHARS}〜{USERNAME_MAX_CHARS}文字の半角英数字と記号 . _ - @ で入力してください。"
        )));
    }
    Ok(name.to_owned())
}

/// The password policy: 12–128 characters, not only spaces, not containing the username, and
/// not a common password (nor one with only digits or symbols added around it, such as
/// `Password1234!`). The messages say which rule, never the password.
pub fn validate_password(username: &str, password: &str) -> DomainResult<()> {
    let len = password.chars().count();
    if !(PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&len) {
        return Err(DomainError::Invalid(format!(
            "パスワードは{PASSWORD_MIN_CHARS}文字以上{PASSWORD_MAX_CHARS}文字以下で入力してください。"
        )));
    }
    if password.trim().is_empty() {
        return Err(DomainError::Invalid(
            "パスワードに空白以外の文字を含めてください。".into(),
        ));
    }
    let lower = password.to_lowercase();
    let username = username.trim().to_lowercase();
    if username.chars().count() >= USERNAME_MIN_CHARS && lower.contains(&username) {
        return Err(DomainError::Invalid(
            "パスワードにユーザー名を含めないでください。".into(),
        ));
    }
    if is_common_password(&lower) {
        return Err(DomainError::Invalid(
            "よく使われていて推測されやすいパスワードです。別のパスワードにしてください。".into(),
        ));
    }
    Ok(())
}

/// The shipped list (`domain/data/common-passwords.txt`, lower case).
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// True for a listed password, or a listed one of 4 or more characters padded with digits and
/// symbols (`sunshine2026!!`): padding is the first thing a guesser tries.
fn is_common_password(lower: &str) -> bool {
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    COMMON_PASSWORDS.contains(lower)
        || (core.chars().count() >= 4 && COMMON_PASSWORDS.contains(core))
}

fn validate_display_name(raw: &str, username: &str) -> DomainResult<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Ok(username.to_owned());
    }
    if name.chars().count() > DISPLAY_NAME_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(DomainError::Invalid(format!(
            "表示名は{DISPLAY_NAME_MAX_CHARS}文字以内で、改行などの制御文字を含めずに入力してください。"
        )));
    }
    Ok(name.to_owned())
}

pub(crate) fn username_key(username: &str) -> String {
    username.to_ascii_lowercase()
}

fn taken(username: &str) -> DomainError {
    DomainError::Conflict(format!("ユーザー名「{username}」は既に使われています。"))
}

async fn find_by_key(
    db: &DatabaseConnection,
    key: &str,
) -> DomainResult<Option<staff_account::Model>> {
    Ok(staff_account::Entity::find()
        .filter(staff_account::Column::UsernameKey.eq(key))
        .one(db)
        .await?)
}

/// Computes the dummy hash now, on the blocking pool, so that the first unknown-user sign-in
/// does not take twice as long. Called at start-up.
pub async fn warm_up() -> DomainResult<()> {
    run_hashing(|| Ok(LazyLock::force(&DUMMY_HASH).len()))
        .await
        .map(|_| ())
}

/// Argon2 takes ~19 MiB and tens of milliseconds per hash; at most this many run at once, so a
/// burst of sign-in attempts cannot exhaust memory or starve the async executor.
static HASHING_SLOTS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Arc::new(Semaphore::new(cores))
});

/// A hash of a random password with the same parameters, verified against when the username is
/// unknown so that the failure takes as long as a wrong password does.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let random: [u8; 16] = rand::random();
    hash_blocking(&hex::encode(random)).unwrap_or_default()
});

fn argon2() -> Argon2<'static> {
    // argon2id, v0x13, m=19 MiB, t=2, p=1: the crate's defaults, which are OWASP's recommendation.
    Argon2::default()
}

fn hash_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Ok(argon2()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

async fn hash_password(password: String) -> DomainResult<String> {
    run_hashing(move || {
        hash_blocking(&password).map_err(|e| DomainError::Internal(format!("argon2: {e}")))
    })
    .await
}

/// Verifies against `stored`, or against [`DUMMY_HASH`] when there is none (unknown user).
async fn verify_password(password: String, stored: Option<String>) -> DomainResult<bool> {
    run_hashing(move || {
        let stored = stored.as_deref().unwrap_or(DUMMY_HASH.as_str());
        let parsed = PasswordHash::new(stored).map_err(|e| {
            DomainError::Internal(format!("stored password hash is malformed: {e}"))
        })?;
        Ok(argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
}

/// Runs a hashing job on the blocking pool, never on the async executor.
async fn run_hashing<T: Send + 'static>(
    job: impl FnOnce() -> DomainResult<T> + Send + 'static,
) -> DomainResult<T> {
    let _slot = HASHING_SLOTS
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| DomainError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|e| DomainError::Internal(format!("hashing task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_restricted() {
        assert_eq!(validate_username("  Tanaka.Taro ").unwrap(), "Tanaka.Taro");
        assert_eq!(validate_username("abc").unwrap(), "abc");
        assert!(validate_username("ab").is_err());
        assert!(validate_username(&"a".repeat(64)).is_ok());
        assert!(validate_username(&"a".repeat(65)).is_err());
        assert!(validate_username("田中").is_err());
        assert!(validate_username("a b c").is_err());
        assert!(validate_username("<script>").is_err());
    }

    #[test]
    fn passwords_have_length_bounds() {
        let check = |p: &str| validate_password("tanaka", p);
        assert!(check(&"x".repeat(11)).is_err());
        assert!(check("xkcd-staple-9").is_ok());
        assert!(check(&"あ".repeat(128)).is_ok());
        assert!(check(&"x".repeat(129)).is_err());
        assert!(check(&" ".repeat(20)).is_err());
        let msg = check("short").unwrap_err().to_string();
        assert!(msg.contains("12文字以上"), "{msg}");
    }

    #[test]
    fn passwords_may_not_contain_the_username_or_be_common() {
        let msg = validate_password("Tanaka", "my-TANAKA-pass-2026")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("ユーザー名"), "{msg}");
        for common in [
            "password1234",
            "Qwerty123456",
            "1q2w3e4r5t6y",
            // A listed password padded with digits and symbols.
            "Sunshine2026!!",
            "!!princess!!2024",
        ] {
            let msg = validate_password("tanaka", common).unwrap_err().to_string();
            assert!(msg.contains("よく使われて"), "{common}: {msg}");
        }
        assert!(COMMON_PASSWORDS.len() > 19_000);
        assert!(validate_password("tanaka", "machi-dayori-kouhou").is_ok());
        assert!(validate_password("tanaka", "correct horse battery").is_ok());
    }

    #[test]
    fn display_name_defaults_to_username_and_rejects_control_characters() {
        assert_eq!(validate_display_name("  ", "tanaka").unwrap(), "tanaka");
        assert_eq!(
            validate_display_name(" 田中 太郎 ", "tanaka").unwrap(),
            "田中 太郎"
        );
        assert!(validate_display_name("a\nb", "tanaka").is_err());
        assert!(validate_display_name(&"あ".repeat(101), "tanaka").is_err());
    }

    /// On a single-threaded runtime, a ticker keeps ticking while passwords are hashed: the
    /// hashing runs on the blocking pool, not on the executor that serves requests.
    #[tokio::test(flavor = "current_thread")]
    async fn hashing_does_not_block_the_async_executor() {
        let ticks = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counter = ticks.clone();
        let ticker = tokio::spawn(async move {
            let mut interval = tokio::time::interval(std::time::Duration::from_millis(2));
            loop {
                interval.tick().await;
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
        let started = std::time::Instant::now();
        for _ in 0..3 {
            hash_password("correct horse battery".into()).await.unwrap();
        }
        let elapsed = started.elapsed();
        ticker.abort();
        let ticks = ticks.load(std::sync::atomic::Ordering::Relaxed);
        // Hashing on the executor would starve the ticker: about one tick in all.
        assert!(ticks >= 5, "{ticks} ticks in {elapsed:?}");
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        let correct = "correct horse battery".to_owned();
        assert!(verify_password(correct, Some(hash.clone())).await.unwrap());
        assert!(!verify_password("wrong".into(), Some(hash)).await.unwrap());
        assert!(!verify_password("anything".into(), None).await.unwrap());
        assert!(DUMMY_HASH.starts_with("$argon2id$"));
    }
}

//! Staff accounts: creation with validated usernames and argon2id password hashes, and
//! authentication that answers the same way, in the same time, for every kind of failure.

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use model::access::{Grants, Permission, Role};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr,
    TransactionTrait,
};

use crate::entities::{department, staff_account, staff_department, staff_permission};
use crate::security::audit::{self, Actor};
use crate::staff::password::{
    PASSWORD_MAX_CHARS, hash_password, validate_password, verify_password,
};
use crate::staff::sessions;
use crate::{DomainError, DomainResult};

pub use model::account::{DISPLAY_NAME_MAX_CHARS, USERNAME_MAX_CHARS, USERNAME_MIN_CHARS};

/// What a caller outside the domain may know about a signed-in member of staff: who they are
/// and what they are allowed ([`Grants`], checked by [`model::access::authorize`]).
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
            role: m.role,
            permissions,
            departments,
            must_change_password: m.must_change_password,
        },
    })
}

/// Everything an account starts with. Every account is created through [`create`] (or
/// [`create_first`] for the setup page), whoever creates it.
#[derive(Clone, Copy)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    /// Empty means "same as the username".
    pub display_name: &'a str,
    pub password: &'a str,
    pub role: Role,
    /// Exactly the permissions and departments given: none is the least privilege.
    pub permissions: &'a BTreeSet<Permission>,
    pub departments: &'a BTreeSet<i64>,
    /// A password someone else chose (an administrator adding a colleague) must be changed at
    /// first sign-in.
    pub must_change_password: bool,
}

static NOTHING: BTreeSet<Permission> = BTreeSet::new();
static NO_DEPARTMENTS: BTreeSet<i64> = BTreeSet::new();

impl<'a> NewAccount<'a> {
    /// An administrator (管理者) with the password they chose themselves: `machidayori admin
    /// create`, the setup page.
    pub fn administrator(username: &'a str, display_name: &'a str, password: &'a str) -> Self {
        Self {
            username,
            display_name,
            password,
            role: Role::Admin,
            permissions: &NOTHING,
            departments: &NO_DEPARTMENTS,
            must_change_password: false,
        }
    }
}

/// Creates an active account and its audit entry (`account.create` by `actor`) in one
/// transaction. Fails with a Japanese message when a field breaks a rule, a department does not
/// exist or the username is taken (compared without regard to case); then nothing is stored.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewAccount<'_>,
) -> DomainResult<Account> {
    insert(db, new, "account.create", |_| actor.clone()).await
}

/// Creates the first account from the setup page, but only while there is none: two browsers
/// racing through setup get one administrator and one "already set up" error. Audited as
/// `account.create_first` by the new administrator, from `client_addr`.
pub async fn create_first(
    db: &DatabaseConnection,
    client_addr: Option<std::net::IpAddr>,
    new: NewAccount<'_>,
) -> DomainResult<Account> {
    static SETUP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one_at_a_time = SETUP.lock().await;
    if count(db).await? > 0 {
        return Err(DomainError::Conflict(
            "初期設定は完了しています。ログイン画面からログインしてください。".into(),
        ));
    }
    insert(db, new, "account.create_first", |staff| {
        Actor::staff(staff, client_addr)
    })
    .await
}

/// The one insert of an account: validation, hashing, the row, its grants and its audit entry.
async fn insert(
    db: &DatabaseConnection,
    new: NewAccount<'_>,
    action: &str,
    actor_of: impl FnOnce(&Staff) -> Actor,
) -> DomainResult<Account> {
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
        role: Set(new.role),
        must_change_password: Set(new.must_change_password),
        ..Default::default()
    };
    let txn = db.begin().await?;
    let account = match row.insert(&txn).await {
        Ok(model) => model,
        // Two administrators creating the same name at once: the unique index decides.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(taken(&username));
        }
        Err(e) => return Err(e.into()),
    };
    let account = replace_grants(&txn, account, new.role, new.permissions, new.departments).await?;
    let staff = staff_of(&txn, account.clone()).await?;
    let mut summary = grants_summary(&staff.grants);
    summary["display_name"] = staff.display_name.clone().into();
    record(&txn, &actor_of(&staff), action, &staff.username, summary).await?;
    txn.commit().await?;
    Ok(account_of(
        account,
        staff.grants.permissions,
        staff.grants.departments,
    ))
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
    active.role = Set(role);
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
    account.is_active && account.role == Role::Admin
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
        .filter(staff_account::Column::Role.eq(Role::Admin))
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
        .filter(staff_account::Column::Role.eq(Role::Admin))
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

/// The account as its holder, signed in, is known to the rest of the system.
impl From<Account> for Staff {
    fn from(a: Account) -> Self {
        Staff {
            id: a.id,
            username: a.username,
            display_name: a.display_name,
            grants: Grants {
                role: a.role,
                permissions: a.permissions,
                departments: a.departments,
                must_change_password: a.must_change_password,
            },
        }
    }
}

fn account_of(
    m: staff_account::Model,
    permissions: BTreeSet<Permission>,
    departments: BTreeSet<i64>,
) -> Account {
    Account {
        id: m.id,
        role: m.role,
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
    fn display_name_defaults_to_username_and_rejects_control_characters() {
        assert_eq!(validate_display_name("  ", "tanaka").unwrap(), "tanaka");
        assert_eq!(
            validate_display_name(" 田中 太郎 ", "tanaka").unwrap(),
            "田中 太郎"
        );
        assert!(validate_display_name("a\nb", "tanaka").is_err());
        assert!(validate_display_name(&"あ".repeat(101), "tanaka").is_err());
    }
}

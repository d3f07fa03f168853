//! Sign-in with a memory: every attempt is recorded (time, username as typed, outcome, client
//! address, user agent), and throttling is derived from those records, so it holds across every
//! instance sharing the database.
//!
//! The policy ([`Policy::default`]): 5 failures for one username within 15 minutes lock that
//! username for 15 minutes; 20 failures from one client address within 15 minutes lock that
//! address for 15 minutes. A lockout is a row of its own (`lockout_account` / `lockout_address`,
//! with `locked_until`). While locked, attempts are refused without checking the password and
//! recorded as `locked`. Lockouts apply to any typed username, existing or not, so they tell
//! nobody which accounts exist. A success clears the username's failure count; an
//! administrator may lift a lockout ([`unlock`]).

use std::net::IpAddr;
use std::time::Duration;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, TransactionTrait,
};
use serde_json::json;

use crate::db::{Page, paginate};
use crate::entities::login_attempt;
use crate::security::audit::{self, Actor};
use crate::staff::accounts::{self, SignInFailure, Staff};
use crate::time::Period;
use crate::{DateTime, DomainError, DomainResult};
use model::status::LoginOutcome;

use model::account::USERNAME_MAX_CHARS;
pub const USER_AGENT_MAX_CHARS: usize = 256;

/// Throttling thresholds; see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub account_failures: u64,
    pub address_failures: u64,
    /// Failures older than this are not counted.
    pub window: Duration,
    /// How long a lockout lasts.
    pub lockout: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            account_failures: 5,
            address_failures: 20,
            window: Duration::from_secs(15 * 60),
            lockout: Duration::from_secs(15 * 60),
        }
    }
}

/// What the sign-in form sent, and where from.
#[derive(Clone, Copy, Debug)]
pub struct Attempt<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub client_addr: Option<IpAddr>,
    pub user_agent: Option<&'a str>,
}

/// The answer while a lockout is in force: says to wait, not whether the username exists.
pub fn locked_message() -> DomainError {
    DomainError::TooManyAttempts(
        "ログインの失敗が続いたため、一時的にログインできません。15分ほど待ってからもう一度お試しください。".into(),
    )
}

/// Signs in: refuses while a lockout is in force, checks the credentials otherwise, records the
/// attempt (and a lockout it triggers), and on success appends `auth.login` to the audit log.
/// Every failure but a lockout is [`DomainError::BadCredentials`].
pub async fn sign_in(
    db: &DatabaseConnection,
    attempt: Attempt<'_>,
    policy: Policy,
) -> DomainResult<Staff> {
    sign_in_at(db, attempt, policy, Utc::now()).await
}

/// [`sign_in`] at a given time (tests of lockout expiry need no sleeping).
pub async fn sign_in_at(
    db: &DatabaseConnection,
    attempt: Attempt<'_>,
    policy: Policy,
    now: DateTime,
) -> DomainResult<Staff> {
    let username = clean(attempt.username, USERNAME_MAX_CHARS);
    let key = accounts::username_key(username.trim());
    let addr = attempt.client_addr.map(|a| a.to_string());
    let row = |outcome: LoginOutcome, staff_id: Option<i64>| login_attempt::ActiveModel {
        at: Set(now),
        username: Set(username.clone()),
        username_key: Set(key.clone()),
        staff_id: Set(staff_id),
        outcome: Set(outcome),
        client_addr: Set(addr.clone()),
        user_agent: Set(attempt.user_agent.map(|ua| clean(ua, USER_AGENT_MAX_CHARS))),
        locked_until: Set(None),
        ..Default::default()
    };
    if is_locked(db, Some(&key), addr.as_deref(), now).await? {
        row(LoginOutcome::Locked, None).insert(db).await?;
        return Err(locked_message());
    }
    match accounts::check_credentials(db, attempt.username, attempt.password).await? {
        Ok(staff) => {
            let txn = db.begin().await?;
            row(LoginOutcome::Success, Some(staff.id))
                .insert(&txn)
                .await?;
            let actor = Actor::staff(&staff, attempt.client_addr);
            audit::record(
                &txn,
                &actor,
                "auth.login",
                "staff_account",
                Some(&staff.id.to_string()),
                json!({}),
            )
            .await?;
            txn.commit().await?;
            Ok(staff)
        }
        Err(failure) => {
            let (outcome, staff_id) = match failure {
                SignInFailure::UnknownUser => (LoginOutcome::UnknownUser, None),
                SignInFailure::WrongPassword { staff_id } => {
                    (LoginOutcome::WrongPassword, Some(staff_id))
                }
                SignInFailure::Disabled { staff_id } => (LoginOutcome::Disabled, Some(staff_id)),
            };
            row(outcome, staff_id).insert(db).await?;
            let until = now + chrono::TimeDelta::from_std(policy.lockout).unwrap_or_default();
            if account_failures(db, &key, policy, now).await? >= policy.account_failures {
                let mut lockout = row(LoginOutcome::LockoutAccount, staff_id);
                lockout.locked_until = Set(Some(until));
                lockout.insert(db).await?;
            }
            if let Some(addr) = &addr
                && address_failures(db, addr, policy, now).await? >= policy.address_failures
            {
                let mut lockout = row(LoginOutcome::LockoutAddress, None);
                lockout.locked_until = Set(Some(until));
                lockout.insert(db).await?;
            }
            Err(DomainError::BadCredentials)
        }
    }
}

async fn lockout_in_force(
    db: &DatabaseConnection,
    kind: LoginOutcome,
    column: login_attempt::Column,
    value: &str,
    now: DateTime,
) -> DomainResult<bool> {
    let latest = login_attempt::Entity::find()
        .filter(column.eq(value))
        .filter(login_attempt::Column::Outcome.is_in([kind, LoginOutcome::Unlocked]))
        .order_by_desc(login_attempt::Column::At)
        .order_by_desc(login_attempt::Column::Id)
        .one(db)
        .await?;
    Ok(latest.is_some_and(|l| l.outcome == kind && l.locked_until.is_some_and(|u| u > now)))
}

/// Failures for the username within the window, since its last success, lockout or unlock.
async fn account_failures(
    db: &DatabaseConnection,
    key: &str,
    policy: Policy,
    now: DateTime,
) -> DomainResult<u64> {
    let resets = [
        LoginOutcome::Success,
        LoginOutcome::LockoutAccount,
        LoginOutcome::Unlocked,
    ];
    failures_since_reset(
        db,
        login_attempt::Column::UsernameKey,
        key,
        &resets,
        policy,
        now,
    )
    .await
}

/// Failures from the address within the window, since its last lockout or unlock. A success
/// does not reset it: one valid account must not let an address guess others' passwords.
async fn address_failures(
    db: &DatabaseConnection,
    addr: &str,
    policy: Policy,
    now: DateTime,
) -> DomainResult<u64> {
    let resets = [LoginOutcome::LockoutAddress, LoginOutcome::Unlocked];
    failures_since_reset(
        db,
        login_attempt::Column::ClientAddr,
        addr,
        &resets,
        policy,
        now,
    )
    .await
}

async fn failures_since_reset(
    db: &DatabaseConnection,
    column: login_attempt::Column,
    value: &str,
    resets: &[LoginOutcome],
    policy: Policy,
    now: DateTime,
) -> DomainResult<u64> {
    let window_start = now - chrono::TimeDelta::from_std(policy.window).unwrap_or_default();
    let last_reset: Option<i64> = login_attempt::Entity::find()
        .select_only()
        .column_as(login_attempt::Column::Id.max(), "id")
        .filter(column.eq(value))
        .filter(login_attempt::Column::At.gte(window_start))
        .filter(login_attempt::Column::Outcome.is_in(resets.iter().copied()))
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten();
    Ok(login_attempt::Entity::find()
        .filter(column.eq(value))
        .filter(login_attempt::Column::At.gte(window_start))
        .filter(login_attempt::Column::Id.gt(last_reset.unwrap_or(0)))
        .filter(login_attempt::Column::Outcome.is_in(LoginOutcome::FAILURES))
        .count(db)
        .await?)
}

/// Lifts the lockouts of a username (`username`) or of a client address (`addr`), recorded in
/// the login history and the audit log. Returns whether a lockout was in force.
pub async fn unlock(
    db: &DatabaseConnection,
    actor: &Actor,
    username: Option<&str>,
    addr: Option<IpAddr>,
) -> DomainResult<bool> {
    unlock_at(db, actor, username, addr, Utc::now()).await
}

pub async fn unlock_at(
    db: &DatabaseConnection,
    actor: &Actor,
    username: Option<&str>,
    addr: Option<IpAddr>,
    now: DateTime,
) -> DomainResult<bool> {
    let key = username.map(|u| accounts::username_key(&clean(u, USERNAME_MAX_CHARS)));
    let addr = addr.map(|a| a.to_string());
    if key.is_none() && addr.is_none() {
        return Err(DomainError::Invalid(
            "ロックを解除するユーザー名か接続元を指定してください。".into(),
        ));
    }
    let was_locked = is_locked(db, key.as_deref(), addr.as_deref(), now).await?;
    let txn = db.begin().await?;
    login_attempt::ActiveModel {
        at: Set(now),
        username: Set(username
            .map(|u| clean(u, USERNAME_MAX_CHARS))
            .unwrap_or_default()),
        username_key: Set(key.clone().unwrap_or_default()),
        staff_id: Set(None),
        outcome: Set(LoginOutcome::Unlocked),
        client_addr: Set(addr.clone()),
        user_agent: Set(None),
        locked_until: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let target = key.clone().or(addr.clone());
    audit::record(
        &txn,
        actor,
        "login.unlock",
        "login_lockout",
        target.as_deref(),
        json!({"username": key, "client_addr": addr}),
    )
    .await?;
    txn.commit().await?;
    Ok(was_locked)
}

/// Whether the username or the address is locked now (a lockout not yet over, nor lifted).
async fn is_locked(
    db: &DatabaseConnection,
    key: Option<&str>,
    addr: Option<&str>,
    now: DateTime,
) -> DomainResult<bool> {
    if let Some(key) = key
        && lockout_in_force(
            db,
            LoginOutcome::LockoutAccount,
            login_attempt::Column::UsernameKey,
            key,
            now,
        )
        .await?
    {
        return Ok(true);
    }
    match addr {
        Some(addr) => {
            lockout_in_force(
                db,
                LoginOutcome::LockoutAddress,
                login_attempt::Column::ClientAddr,
                addr,
                now,
            )
            .await
        }
        None => Ok(false),
    }
}

/// Removes control characters and cuts to `max_chars` (what the column holds).
fn clean(text: &str, max_chars: usize) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(max_chars)
        .collect()
}

/// Filters of the login history page and its CSV export.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub period: Period,
    /// The username as typed, without regard to case.
    pub username: Option<String>,
    pub outcome: Option<LoginOutcome>,
    /// Failures of any kind (including refusals while locked).
    pub failures_only: bool,
}

impl Filter {
    /// The filter as the page's form and the CSV link send it: days in Japan time (empty =
    /// open), a username, and an [`LoginOutcome::key`], `failures` for every failure, or empty.
    pub fn parse(from: &str, until: &str, username: &str, outcome: &str) -> DomainResult<Self> {
        let period = Period::parse(from, until)?;
        let username = username.trim();
        if username.chars().count() > USERNAME_MAX_CHARS || username.chars().any(char::is_control) {
            return Err(DomainError::Invalid(format!(
                "ユーザー名は{USERNAME_MAX_CHARS}文字以内で入力してください。"
            )));
        }
        let (outcome, failures_only) = match outcome.trim() {
            "" => (None, false),
            "failures" => (None, true),
            key => (
                Some(LoginOutcome::from_key(key).ok_or_else(|| {
                    DomainError::Invalid("結果の指定が正しくありません。".into())
                })?),
                false,
            ),
        };
        Ok(Self {
            period,
            username: (!username.is_empty()).then(|| accounts::username_key(username)),
            outcome,
            failures_only,
        })
    }

    fn apply(&self, mut q: Select<login_attempt::Entity>) -> Select<login_attempt::Entity> {
        if let Some(from) = self.period.from {
            q = q.filter(login_attempt::Column::At.gte(from));
        }
        if let Some(until) = self.period.until {
            q = q.filter(login_attempt::Column::At.lt(until));
        }
        if let Some(key) = &self.username {
            q = q.filter(login_attempt::Column::UsernameKey.eq(key.as_str()));
        }
        if let Some(outcome) = self.outcome {
            q = q.filter(login_attempt::Column::Outcome.eq(outcome.key()));
        }
        if self.failures_only {
            let failing = LoginOutcome::FAILURES
                .iter()
                .chain([&LoginOutcome::Locked])
                .map(|o| o.key());
            q = q.filter(login_attempt::Column::Outcome.is_in(failing));
        }
        q
    }
}

/// One page of matching rows, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    page: u64,
    per_page: u64,
) -> DomainResult<Page<login_attempt::Model>> {
    let select = filter
        .apply(login_attempt::Entity::find())
        .order_by_desc(login_attempt::Column::Id);
    paginate(db, select, page, per_page).await
}

/// Lifts the lockout recorded as row `lockout_id` (as listed by [`active_lockouts`]).
pub async fn unlock_lockout(
    db: &DatabaseConnection,
    actor: &Actor,
    lockout_id: i64,
) -> DomainResult<()> {
    let missing = || DomainError::NotFound("指定されたロックは見つかりません。".into());
    let lock = login_attempt::Entity::find_by_id(lockout_id)
        .one(db)
        .await?
        .ok_or_else(missing)?;
    match lock.outcome {
        LoginOutcome::LockoutAccount => unlock(db, actor, Some(&lock.username), None).await?,
        LoginOutcome::LockoutAddress => {
            let addr = lock.client_addr.as_deref().and_then(|a| a.parse().ok());
            unlock(db, actor, None, Some(addr.ok_or_else(missing)?)).await?
        }
        _ => return Err(missing()),
    };
    Ok(())
}

/// Lockouts in force now (neither over nor lifted), newest first.
pub async fn active_lockouts(db: &DatabaseConnection) -> DomainResult<Vec<login_attempt::Model>> {
    active_lockouts_at(db, Utc::now()).await
}

pub async fn active_lockouts_at(
    db: &DatabaseConnection,
    now: DateTime,
) -> DomainResult<Vec<login_attempt::Model>> {
    let candidates = login_attempt::Entity::find()
        .filter(login_attempt::Column::LockedUntil.gt(now))
        .order_by_desc(login_attempt::Column::Id)
        .limit(200)
        .all(db)
        .await?;
    let mut active = Vec::new();
    for lock in candidates {
        let (column, value) = match lock.outcome {
            LoginOutcome::LockoutAccount => (
                login_attempt::Column::UsernameKey,
                lock.username_key.clone(),
            ),
            LoginOutcome::LockoutAddress => (
                login_attempt::Column::ClientAddr,
                lock.client_addr.clone().unwrap_or_default(),
            ),
            _ => continue,
        };
        let kind = lock.outcome;
        let already = active.iter().any(|a: &login_attempt::Model| {
            a.outcome == lock.outcome
                && match kind {
                    LoginOutcome::LockoutAccount => a.username_key == lock.username_key,
                    _ => a.client_addr == lock.client_addr,
                }
        });
        if !already && lockout_in_force(db, kind, column, &value, now).await? {
            active.push(lock);
        }
    }
    Ok(active)
}

/// Every matching row, oldest first, handed over a page at a time (for the CSV export).
pub async fn for_each(
    db: &impl ConnectionTrait,
    filter: &Filter,
    each: impl FnMut(&login_attempt::Model),
) -> DomainResult<()> {
    let select = filter.apply(login_attempt::Entity::find());
    let key = login_attempt::Column::Id;
    crate::db::bulk::for_each_in_pages(db, select, key, |r| r.id, 500, each).await
}

/// The matching rows as CSV (oldest first).
pub async fn export_csv(db: &impl ConnectionTrait, filter: &Filter) -> DomainResult<String> {
    let total = filter
        .apply(login_attempt::Entity::find())
        .count(db)
        .await?;
    if total > crate::csv::EXPORT_MAX_ROWS {
        return Err(audit::too_many_rows(total));
    }
    let mut csv = crate::csv::Csv::new(&[
        "日時",
        "ユーザー名（入力値）",
        "結果",
        "接続元",
        "ユーザーエージェント",
        "ロック期限",
    ]);
    for_each(db, filter, |r| {
        let at = crate::time::seconds(r.at);
        let until = r.locked_until.map(crate::time::seconds).unwrap_or_default();
        csv.row([
            at.as_str(),
            r.username.as_str(),
            r.outcome.label_ja(),
            r.client_addr.as_deref().unwrap_or(""),
            r.user_agent.as_deref().unwrap_or(""),
            until.as_str(),
        ]);
    })
    .await?;
    Ok(csv.finish())
}

/// Deletes attempts (and ended lockouts) recorded before `cutoff`: the daily purge keeps the
/// history as long as the access log (`ACCESS_LOG_RETENTION_DAYS`, at least 180 days).
pub async fn purge_older_than(
    db: &DatabaseConnection,
    cutoff: DateTime,
    chunk: u64,
) -> DomainResult<u64> {
    crate::db::bulk::delete_older_than(
        db,
        login_attempt::Column::Id,
        login_attempt::Column::At,
        cutoff,
        chunk,
    )
    .await
}

//! Staff accounts: creation with validated usernames and argon2id password hashes, and
//! authentication that answers the same way, in the same time, for every kind of failure.

use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, SqlErr, TransactionTrait,
};
use tokio::sync::Semaphore;

use crate::access::{Grants, Permission, Role};
use crate::entities::{department, staff_account, staff_department, staff_permission};
use crate::{DomainError, DomainResult};

pub const USERNAME_MIN_CHARS: usize = 3;
pub const USERNAME_MAX_CHARS: usize = 64;
pub const PASSWORD_MIN_CHARS: usize = 12;
/// An upper bound keeps one request from making the server hash megabytes.
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const DISPLAY_NAME_MAX_CHARS: usize = 100;

/// What a caller outside the domain may know about a signed-in member of staff: who they are
/// and what they are allowed ([`Grants`], checked by [`crate::access::authorize`]).
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

/// Creates an active administrator (管理者) account: the first-run setup and `machidayori admin
/// create`. Fails with a Japanese message when a field breaks a rule or the
/// username is taken (compared without regard to case).
pub async fn create(db: &DatabaseConnection, new: NewAccount<'_>) -> DomainResult<Staff> {
    let username = validate_username(new.username)?;
    let display_name = validate_display_name(new.display_name, &username)?;
    validate_password(new.password)?;
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
    match row.insert(db).await {
        Ok(model) => staff_of(db, model).await,
        // Two administrators creating the same name at once: the unique index decides.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(taken(&username))
        }
        Err(e) => Err(e.into()),
    }
}

/// Creates the first account from the setup page, but only while there is none: two browsers
/// racing through setup get one administrator and one "already set up" error.
pub async fn create_first(db: &DatabaseConnection, new: NewAccount<'_>) -> DomainResult<Staff> {
    static SETUP: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one_at_a_time = SETUP.lock().await;
    if count(db).await? > 0 {
        return Err(DomainError::Conflict(
            "初期設定は完了しています。ログイン画面からログインしてください。".into(),
        ));
    }
    create(db, new).await
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

/// Why a sign-in failed: recorded in the login history (`crate::login_history`), never shown.
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
    id: i64,
    role: Role,
    permissions: &BTreeSet<Permission>,
    departments: &BTreeSet<i64>,
) -> DomainResult<Staff> {
    let txn = db.begin().await?;
    let account = staff_account::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("指定されたアカウントはありません。".into()))?;
    if role != Role::Admin && account.role == Role::Admin.key() && account.is_active {
        let other_admins = staff_account::Entity::find()
            .filter(staff_account::Column::Role.eq(Role::Admin.key()))
            .filter(staff_account::Column::IsActive.eq(true))
            .filter(staff_account::Column::Id.ne(id))
            .count(&txn)
            .await?;
        if other_admins == 0 {
            return Err(DomainError::Conflict(
                "最後の管理者は一般に変更できません。先に別の管理者を作成してください。".into(),
            ));
        }
    }
    let known = department::Entity::find()
        .filter(department::Column::Id.is_in(departments.iter().copied()))
        .count(&txn)
        .await?;
    if known != departments.len() as u64 {
        return Err(DomainError::Invalid(
            "存在しない部署が指定されました。画面を再読み込みしてください。".into(),
        ));
    }
    let mut active: staff_account::ActiveModel = account.into();
    active.role = Set(role.key().into());
    active.updated_at = Set(Utc::now());
    let account = active.update(&txn).await?;
    staff_permission::Entity::delete_many()
        .filter(staff_permission::Column::StaffId.eq(id))
        .exec(&txn)
        .await?;
    if !permissions.is_empty() {
        staff_permission::Entity::insert_many(permissions.iter().map(|p| {
            staff_permission::ActiveModel {
                staff_id: Set(id),
                permission: Set(p.key()),
            }
        }))
        .exec(&txn)
        .await?;
    }
    staff_department::Entity::delete_many()
        .filter(staff_department::Column::StaffId.eq(id))
        .exec(&txn)
        .await?;
    if !departments.is_empty() {
        staff_department::Entity::insert_many(departments.iter().map(|d| {
            staff_department::ActiveModel {
                staff_id: Set(id),
                department_id: Set(*d),
            }
        }))
        .exec(&txn)
        .await?;
    }
    let staff = staff_of(&txn, account).await?;
    txn.commit().await?;
    Ok(staff)
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

pub fn validate_password(password: &str) -> DomainResult<()> {
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
    Ok(())
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
        assert!(validate_password(&"x".repeat(11)).is_err());
        assert!(validate_password(&"x".repeat(12)).is_ok());
        assert!(validate_password(&"あ".repeat(128)).is_ok());
        assert!(validate_password(&"x".repeat(129)).is_err());
        assert!(validate_password(&" ".repeat(20)).is_err());
        let msg = validate_password("short").unwrap_err().to_string();
        assert!(msg.contains("12文字以上"), "{msg}");
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

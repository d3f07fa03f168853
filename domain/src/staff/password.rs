//! Staff passwords: the policy every new password follows, and argon2id hashing on the blocking
//! pool with a bounded number of hashes at once.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use tokio::sync::Semaphore;

use crate::staff::accounts::USERNAME_MIN_CHARS;
use crate::{DomainError, DomainResult};

pub use model::account::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};

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

/// Refuses a new password whose confirmation, typed a second time in the form, differs.
pub fn check_confirmation(password: &str, confirmation: &str) -> DomainResult<()> {
    if password != confirmation {
        return Err(DomainError::Invalid(
            "確認用パスワードが一致しません。".into(),
        ));
    }
    Ok(())
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

pub(crate) async fn hash_password(password: String) -> DomainResult<String> {
    run_hashing(move || {
        hash_blocking(&password).map_err(|e| DomainError::Internal(format!("argon2: {e}")))
    })
    .await
}

/// Verifies against `stored`, or against [`DUMMY_HASH`] when there is none (unknown user).
pub(crate) async fn verify_password(
    password: String,
    stored: Option<String>,
) -> DomainResult<bool> {
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

    #[test]
    fn a_confirmation_must_match() {
        assert!(check_confirmation("machi-dayori-kouhou", "machi-dayori-kouhou").is_ok());
        let msg = check_confirmation("machi-dayori-kouhou", "machi-dayori-kouho")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("確認用"), "{msg}");
    }
}

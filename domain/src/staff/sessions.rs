//! Server-side staff sessions.
//!
//! The browser holds a 256-bit random token in an HttpOnly cookie; the database holds only its
//! SHA-256. A session ends after `idle_timeout` without requests, or at `absolute_lifetime` after
//! sign-in however active it is, or at sign-out. Signing in always issues a new token (and drops
//! the one the browser presented), so a token planted before sign-in is worthless after it.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};
use sha2::{Digest, Sha256};

use crate::entities::staff_session;
use crate::security::audit::{self, Actor};
use crate::staff::accounts::{self, Staff};
use crate::{DomainError, DomainResult};

/// `last_seen_at` is written at most this often, so that browsing is not one write per request.
/// The idle timeout is therefore exact to within this interval.
const TOUCH_INTERVAL: TimeDelta = TimeDelta::seconds(60);
const TOKEN_BYTES: usize = 32;
/// Length of a token in unpadded base64url.
const TOKEN_CHARS: usize = 43;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    pub idle_timeout: Duration,
    pub absolute_lifetime: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_lifetime: Duration::from_secs(12 * 60 * 60),
        }
    }
}

/// Starts a session for `staff_id` and returns the token for the cookie. `replacing` is the
/// token the browser presented before signing in, if any; its session is ended.
pub async fn start(
    db: &DatabaseConnection,
    staff_id: i64,
    policy: SessionPolicy,
    replacing: Option<&str>,
) -> DomainResult<String> {
    start_at(db, staff_id, policy, replacing, Utc::now()).await
}

pub async fn start_at(
    db: &DatabaseConnection,
    staff_id: i64,
    policy: SessionPolicy,
    replacing: Option<&str>,
    now: DateTime<Utc>,
) -> DomainResult<String> {
    if let Some(old) = replacing {
        end(db, old).await?;
    }
    let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; TOKEN_BYTES]>());
    staff_session::ActiveModel {
        token_hash: Set(token_hash(&token)),
        staff_id: Set(staff_id),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + delta(policy.absolute_lifetime)?),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The staff member a token belongs to, if the session is still valid and the account active.
/// An expired session is deleted on sight.
pub async fn resolve(
    db: &DatabaseConnection,
    token: &str,
    policy: SessionPolicy,
) -> DomainResult<Option<Staff>> {
    resolve_at(db, token, policy, Utc::now()).await
}

pub async fn resolve_at(
    db: &DatabaseConnection,
    token: &str,
    policy: SessionPolicy,
    now: DateTime<Utc>,
) -> DomainResult<Option<Staff>> {
    if !looks_like_token(token) {
        return Ok(None);
    }
    let hash = token_hash(token);
    let Some(session) = staff_session::Entity::find_by_id(hash.clone())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let idle_deadline = session.last_seen_at + delta(policy.idle_timeout)?;
    if now >= session.expires_at || now >= idle_deadline {
        staff_session::Entity::delete_by_id(hash).exec(db).await?;
        return Ok(None);
    }
    let Some(staff) = accounts::find_active(db, session.staff_id).await? else {
        staff_session::Entity::delete_by_id(hash).exec(db).await?;
        return Ok(None);
    };
    if now - session.last_seen_at >= TOUCH_INTERVAL {
        let mut active: staff_session::ActiveModel = session.into();
        active.last_seen_at = Set(now);
        active.update(db).await?;
    }
    Ok(Some(staff))
}

/// Ends the session of `token` (sign-out). Unknown tokens are ignored.
pub async fn end(db: &DatabaseConnection, token: &str) -> DomainResult<()> {
    sign_out(db, token, None).await
}

/// Signs out: ends the session of `token` and, for a signed-in `actor`, records `auth.logout`
/// in the same transaction. Unknown tokens are ignored.
pub async fn sign_out(
    db: &DatabaseConnection,
    token: &str,
    actor: Option<&Actor>,
) -> DomainResult<()> {
    if !looks_like_token(token) {
        return Ok(());
    }
    let txn = db.begin().await?;
    staff_session::Entity::delete_by_id(token_hash(token))
        .exec(&txn)
        .await?;
    if let Some(actor) = actor {
        let id = actor.staff_id.map(|id| id.to_string());
        audit::record(
            &txn,
            actor,
            "auth.logout",
            "staff_account",
            id.as_deref(),
            serde_json::json!({}),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// Ends every session of `staff_id` except the one of `keep` (the caller's own, when a user
/// changes their password): after a password change or reset, or when an account is disabled,
/// no browser stays signed in with the old credentials.
pub async fn end_all_of(
    db: &impl ConnectionTrait,
    staff_id: i64,
    keep: Option<&str>,
) -> DomainResult<u64> {
    let mut delete =
        staff_session::Entity::delete_many().filter(staff_session::Column::StaffId.eq(staff_id));
    if let Some(token) = keep.filter(|t| looks_like_token(t)) {
        delete = delete.filter(staff_session::Column::TokenHash.ne(token_hash(token)));
    }
    Ok(delete.exec(db).await?.rows_affected)
}

/// Deletes every session past its idle or absolute deadline; returns how many.
pub async fn purge_expired(db: &DatabaseConnection, policy: SessionPolicy) -> DomainResult<u64> {
    purge_expired_at(db, policy, Utc::now()).await
}

pub async fn purge_expired_at(
    db: &DatabaseConnection,
    policy: SessionPolicy,
    now: DateTime<Utc>,
) -> DomainResult<u64> {
    let idle_cutoff = now - delta(policy.idle_timeout)?;
    let result = staff_session::Entity::delete_many()
        .filter(
            Condition::any()
                .add(staff_session::Column::ExpiresAt.lte(now))
                .add(staff_session::Column::LastSeenAt.lte(idle_cutoff)),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

fn looks_like_token(token: &str) -> bool {
    token.len() == TOKEN_CHARS
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn delta(d: Duration) -> DomainResult<TimeDelta> {
    TimeDelta::from_std(d).map_err(|_| DomainError::Invalid(format!("duration too long: {d:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_for_shape_before_any_lookup() {
        assert!(looks_like_token(&"a".repeat(43)));
        assert!(!looks_like_token(&"a".repeat(42)));
        assert!(!looks_like_token(&format!("{}=", "a".repeat(42))));
        assert!(!looks_like_token("' OR 1=1 --"));
    }

    #[test]
    fn only_the_token_hash_is_stored() {
        let h = token_hash("abc");
        assert_eq!(h.len(), 64);
        assert_ne!(h, "abc");
    }
}

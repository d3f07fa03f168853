//! Citizens' sessions on the LIFF pages (`/liff/...`). A session starts from a LINE ID token the
//! server verified (LINE Login's verify endpoint: only its `sub` is trusted) and names the
//! friend it belongs to; the cookie holds a random token, the database only its SHA-256. They
//! are short (an hour) and apart from staff sessions.

use chrono::TimeDelta;
use model::status::FriendStatus;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use crate::entities::{friend, liff_session};
use crate::{DateTime, DomainError, DomainResult};

/// How long a citizen's session lasts (LINE's ID tokens last as long).
pub const SESSION_TTL: TimeDelta = TimeDelta::hours(1);

/// Whose a session is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Citizen {
    pub channel_id: i64,
    pub friend_id: i64,
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Starts a session for the LINE user `line_user_id` (a verified `sub`) of channel `channel_id`.
/// Someone who is not (or no longer) a friend gets `NotFound`, whose message says how to add
/// the account. Returns the cookie's token.
pub async fn start(
    db: &DatabaseConnection,
    channel_id: i64,
    line_user_id: &str,
    now: DateTime,
) -> DomainResult<String> {
    let friend = friend::Entity::find()
        .filter(friend::Column::ChannelId.eq(channel_id))
        .filter(friend::Column::LineUserId.eq(line_user_id))
        .one(db)
        .await?
        .filter(|f| f.status == FriendStatus::Following)
        .ok_or_else(|| {
            DomainError::NotFound(
                "このアンケートは、市の LINE 公式アカウントの友だちが回答できます。LINE で公式アカウントを友だち追加（ブロック中の場合は解除）してから、もう一度開いてください。".into(),
            )
        })?;
    // Old sessions go as new ones come (no separate sweeper).
    liff_session::Entity::delete_many()
        .filter(liff_session::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    let token = hex::encode(rand::random::<[u8; 32]>());
    liff_session::ActiveModel {
        token_hash: Set(hash(&token)),
        channel_id: Set(channel_id),
        friend_id: Set(friend.id),
        created_at: Set(now),
        expires_at: Set(now + SESSION_TTL),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The citizen a cookie's token belongs to, while the session lasts and they are a friend.
pub async fn resolve(
    db: &DatabaseConnection,
    token: &str,
    now: DateTime,
) -> DomainResult<Option<Citizen>> {
    if token.len() != 64 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(session) = liff_session::Entity::find_by_id(hash(token))
        .one(db)
        .await?
        .filter(|s| s.expires_at > now)
    else {
        return Ok(None);
    };
    let following = friend::Entity::find_by_id(session.friend_id)
        .one(db)
        .await?
        .is_some_and(|f| f.status == FriendStatus::Following);
    Ok(following.then_some(Citizen {
        channel_id: session.channel_id,
        friend_id: session.friend_id,
    }))
}

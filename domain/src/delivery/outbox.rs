//! Push and multicast requests that are never delivered twice: each is stored with its
//! `X-Line-Retry-Key` before the first attempt ([`enqueue`]), and every attempt, including one
//! after a crash ([`resume`]), sends that same key, so LINE answers 409 ("already accepted")
//! instead of delivering again. LINE keeps keys for 24 hours; an older unsent request is marked
//! `expired` for staff to decide, never resent automatically.
//!
//! The delivery engine of later issues (segments, schedules) sends through here.

use chrono::{TimeDelta, Utc};
use line::api::{MulticastRequest, PushRequest};
use line::client::{Client, ClientError, RetryKey, SendOutcome};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};

use crate::entities::{friend, line_send};
use crate::{DomainError, DomainResult};

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";
pub const EXPIRED: &str = "expired";

/// How long LINE remembers a retry key.
const RETRY_KEY_LIFETIME: TimeDelta = TimeDelta::hours(24);

/// What to send.
#[derive(Clone, Debug)]
pub enum Outgoing {
    Push(PushRequest),
    Multicast(MulticastRequest),
}

impl Outgoing {
    fn recipients(&self) -> Vec<&str> {
        match self {
            Outgoing::Push(p) => vec![p.to.as_str()],
            Outgoing::Multicast(m) => m.to.iter().map(String::as_str).collect(),
        }
    }
}

/// Stores a request with a fresh retry key. Every recipient must be a friend of this channel:
/// nothing sent on one channel can reach another channel's friends.
pub async fn enqueue(
    db: &DatabaseConnection,
    channel_id: i64,
    outgoing: &Outgoing,
) -> DomainResult<line_send::Model> {
    let recipients = outgoing.recipients();
    let known = friend::Entity::find()
        .filter(friend::Column::ChannelId.eq(channel_id))
        .filter(friend::Column::LineUserId.is_in(recipients.iter().copied()))
        .all(db)
        .await?;
    if let Some(stranger) = recipients
        .iter()
        .find(|r| !known.iter().any(|f| f.line_user_id == **r))
    {
        return Err(DomainError::Invalid(format!(
            "送信先 {stranger} はこのチャネルの友だちではありません。"
        )));
    }
    let (kind, body) = match outgoing {
        Outgoing::Push(p) => ("push", serde_json::to_string(p)),
        Outgoing::Multicast(m) => ("multicast", serde_json::to_string(m)),
    };
    let body = body.map_err(|e| DomainError::Internal(format!("request body: {e}")))?;
    let row = line_send::ActiveModel {
        channel_id: Set(channel_id),
        kind: Set(kind.into()),
        retry_key: Set(RetryKey::random().to_string()),
        body: Set(body),
        recipients: Set(i32::try_from(recipients.len()).unwrap_or(i32::MAX)),
        status: Set(PENDING.into()),
        attempts: Set(0),
        created_at: Set(Utc::now()),
        first_attempt_at: Set(None),
        finished_at: Set(None),
        line_request_id: Set(None),
        error: Set(None),
        ..Default::default()
    };
    Ok(row.insert(db).await?)
}

/// Sends a stored request (again) with its own retry key, and records the outcome.
/// `Ok(None)` means it was not pending (already sent, failed or expired).
pub async fn deliver(
    db: &DatabaseConnection,
    client: &Client,
    id: i64,
) -> DomainResult<Option<SendOutcome>> {
    let Some(row) = line_send::Entity::find_by_id(id).one(db).await? else {
        return Err(DomainError::NotFound("送信記録が見つかりません。".into()));
    };
    if row.status != PENDING {
        return Ok(None);
    }
    let now = Utc::now();
    if row
        .first_attempt_at
        .is_some_and(|first| now - first > RETRY_KEY_LIFETIME)
    {
        finish(
            db,
            id,
            EXPIRED,
            None,
            Some("24時間以内に送信を確認できなかったため、自動では再送しません。".into()),
        )
        .await?;
        return Ok(None);
    }
    let key: RetryKey = row.retry_key.parse().map_err(|_| {
        DomainError::Internal(format!("stored retry key of send {id} is not a UUID"))
    })?;
    // Recorded before the attempt: if the process dies during it, the 24-hour clock has started.
    line_send::Entity::update_many()
        .col_expr(line_send::Column::Attempts, Expr::value(row.attempts + 1))
        .col_expr(
            line_send::Column::FirstAttemptAt,
            Expr::value(row.first_attempt_at.unwrap_or(now)),
        )
        .filter(line_send::Column::Id.eq(id))
        .exec(db)
        .await?;
    let bad_body =
        |e: serde_json::Error| DomainError::Internal(format!("stored body of send {id}: {e}"));
    let result = match row.kind.as_str() {
        "push" => {
            let req: PushRequest = serde_json::from_str(&row.body).map_err(bad_body)?;
            client.push(&req, &key).await
        }
        _ => {
            let req: MulticastRequest = serde_json::from_str(&row.body).map_err(bad_body)?;
            client.multicast(&req, &key).await
        }
    };
    match result {
        Ok(outcome) => {
            finish(db, id, SENT, outcome.request_id().map(str::to_owned), None).await?;
            Ok(Some(outcome))
        }
        Err(e @ (ClientError::Rejected { .. } | ClientError::Invalid(_))) => {
            finish(db, id, FAILED, None, Some(e.message_ja())).await?;
            Err(DomainError::Invalid(e.message_ja()))
        }
        // Still pending: the next `resume` sends it again with the same key.
        Err(e) => {
            line_send::Entity::update_many()
                .col_expr(line_send::Column::Error, Expr::value(e.message_ja()))
                .filter(line_send::Column::Id.eq(id))
                .exec(db)
                .await?;
            Err(DomainError::Internal(e.to_string()))
        }
    }
}

async fn finish(
    db: &DatabaseConnection,
    id: i64,
    status: &str,
    request_id: Option<String>,
    error: Option<String>,
) -> DomainResult<()> {
    line_send::Entity::update_many()
        .col_expr(line_send::Column::Status, Expr::value(status))
        .col_expr(line_send::Column::FinishedAt, Expr::value(Utc::now()))
        .col_expr(line_send::Column::LineRequestId, Expr::value(request_id))
        .col_expr(line_send::Column::Error, Expr::value(error))
        .filter(line_send::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Sends every request of the channel still pending (after a crash or an outage), oldest
/// first. Returns how many were sent now.
pub async fn resume(
    db: &DatabaseConnection,
    channel_id: i64,
    client: &Client,
) -> DomainResult<u64> {
    let pending = line_send::Entity::find()
        .filter(line_send::Column::ChannelId.eq(channel_id))
        .filter(line_send::Column::Status.eq(PENDING))
        .order_by_asc(line_send::Column::Id)
        .all(db)
        .await?;
    let mut sent = 0;
    for row in pending {
        match deliver(db, client, row.id).await {
            Ok(Some(_)) => sent += 1,
            Ok(None) | Err(DomainError::Invalid(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(sent)
}

pub async fn get(db: &DatabaseConnection, id: i64) -> DomainResult<line_send::Model> {
    line_send::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound("送信記録が見つかりません。".into()))
}

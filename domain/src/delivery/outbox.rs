//! Push and multicast requests that are never delivered twice: each is stored with its
//! `X-Line-Retry-Key` before the first attempt ([`enqueue`]), and every attempt, including one
//! after a crash ([`resume`]), sends that same key, so LINE answers 409 ("already accepted")
//! instead of delivering again. LINE keeps keys for 24 hours; an older unsent request is marked
//! `expired` for staff to decide, never resent automatically.
//!
//! The delivery engine (`super::engine`) stores all the batches of a run at once
//! ([`enqueue_batches`], in the transaction that prepares the run) and sends them through
//! [`deliver`]; batches a stopped run never sent end [`SendStatus::Cancelled`] ([`cancel_unsent`]).

use chrono::TimeDelta;
use line::api::{MulticastRequest, PushRequest};
use line::client::{ClientError, RetryKey, SendOutcome};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};

use crate::delivery::messenger::Messenger;
use crate::entities::{friend, line_send};
use crate::{DateTime, DomainError, DomainResult};

pub use model::status::{SendKind, SendStatus};

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
    enqueue_for_run(db, channel_id, None, outgoing).await
}

/// [`enqueue`] within a caller's transaction, as a batch of delivery run `run_id` (none: a test
/// send, a simulator send).
pub async fn enqueue_for_run(
    db: &impl ConnectionTrait,
    channel_id: i64,
    run_id: Option<i64>,
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
        Outgoing::Push(p) => (SendKind::Push, serde_json::to_string(p)),
        Outgoing::Multicast(m) => (SendKind::Multicast, serde_json::to_string(m)),
    };
    let body = body.map_err(|e| DomainError::Internal(format!("request body: {e}")))?;
    let row = line_send::ActiveModel {
        channel_id: Set(channel_id),
        kind: Set(kind),
        retry_key: Set(RetryKey::random().to_string()),
        body: Set(body),
        recipients: Set(i32::try_from(recipients.len()).unwrap_or(i32::MAX)),
        status: Set(SendStatus::Pending),
        attempts: Set(0),
        created_at: Set(chrono::Utc::now()),
        first_attempt_at: Set(None),
        finished_at: Set(None),
        line_request_id: Set(None),
        error: Set(None),
        run_id: Set(run_id),
        ..Default::default()
    };
    Ok(row.insert(db).await?)
}

/// Rows of stored batches per insert statement: batches carry up to 500 user ids (about 17 KB),
/// and each statement costs PostgreSQL's delayed ACK once (see `crate::db::bulk`), so a few
/// large statements beat many small ones (100: 20 statements for a million recipients).
pub(crate) const BATCHES_PER_STATEMENT: usize = 100;

/// Stores the requests of delivery run `run_id` (multicast batches, or one push per friend for
/// a run with per-person links), each with a fresh retry key, in the caller's transaction
/// (before the first attempt). The recipients must be following friends of `channel_id` read
/// from its friend rows (the engine resolves them so; this does not look them up again, for a
/// million of them).
pub async fn enqueue_batches(
    db: &impl ConnectionTrait,
    channel_id: i64,
    run_id: i64,
    batches: &[Outgoing],
    now: DateTime,
) -> DomainResult<u64> {
    let mut stored = 0;
    for chunk in batches.chunks(BATCHES_PER_STATEMENT) {
        let mut rows = Vec::with_capacity(chunk.len());
        for batch in chunk {
            let (kind, body) = match batch {
                Outgoing::Push(p) => (SendKind::Push, serde_json::to_string(p)),
                Outgoing::Multicast(m) => (SendKind::Multicast, serde_json::to_string(m)),
            };
            let body = body.map_err(|e| DomainError::Internal(format!("request body: {e}")))?;
            rows.push(line_send::ActiveModel {
                channel_id: Set(channel_id),
                kind: Set(kind),
                retry_key: Set(RetryKey::random().to_string()),
                body: Set(body),
                recipients: Set(i32::try_from(batch.recipients().len()).unwrap_or(i32::MAX)),
                status: Set(SendStatus::Pending),
                attempts: Set(0),
                created_at: Set(now),
                first_attempt_at: Set(None),
                finished_at: Set(None),
                line_request_id: Set(None),
                error: Set(None),
                run_id: Set(Some(run_id)),
                ..Default::default()
            });
        }
        stored += line_send::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(stored)
}

/// Marks the batches of run `run_id` that were never attempted as [`SendStatus::Cancelled`] (the
/// run was stopped). Batches attempted before are left pending: LINE may have them, and only
/// another attempt with their key can tell. Returns how many were cancelled.
pub async fn cancel_unsent(
    db: &impl ConnectionTrait,
    run_id: i64,
    now: DateTime,
) -> DomainResult<u64> {
    let done = line_send::Entity::update_many()
        .col_expr(
            line_send::Column::Status,
            Expr::value(SendStatus::Cancelled),
        )
        .col_expr(line_send::Column::FinishedAt, Expr::value(now))
        .filter(line_send::Column::RunId.eq(run_id))
        .filter(line_send::Column::Status.eq(SendStatus::Pending))
        .filter(line_send::Column::Attempts.eq(0))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

/// Marks the batches of run `run_id` still pending as failed with `reason` (LINE could not be
/// reached through every attempt). Returns how many.
pub async fn fail_pending(
    db: &impl ConnectionTrait,
    run_id: i64,
    reason: &str,
    now: DateTime,
) -> DomainResult<u64> {
    let done = line_send::Entity::update_many()
        .col_expr(line_send::Column::Status, Expr::value(SendStatus::Failed))
        .col_expr(line_send::Column::FinishedAt, Expr::value(now))
        .col_expr(line_send::Column::Error, Expr::value(reason))
        .filter(line_send::Column::RunId.eq(run_id))
        .filter(line_send::Column::Status.eq(SendStatus::Pending))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

/// The ids of run `run_id`'s batches still pending, in order.
pub async fn pending_of_run(db: &impl ConnectionTrait, run_id: i64) -> DomainResult<Vec<i64>> {
    use sea_orm::QuerySelect;
    Ok(line_send::Entity::find()
        .select_only()
        .column(line_send::Column::Id)
        .filter(line_send::Column::RunId.eq(run_id))
        .filter(line_send::Column::Status.eq(SendStatus::Pending))
        .order_by_asc(line_send::Column::Id)
        .into_tuple()
        .all(db)
        .await?)
}

/// Sends a stored request (again) through `messenger` with its own retry key, and records the
/// outcome. `Ok(None)` means it was not pending (already sent, failed or expired).
pub async fn deliver(
    db: &DatabaseConnection,
    messenger: &impl Messenger,
    id: i64,
    now: DateTime,
) -> DomainResult<Option<SendOutcome>> {
    let Some(row) = line_send::Entity::find_by_id(id).one(db).await? else {
        return Err(DomainError::NotFound("送信記録が見つかりません。".into()));
    };
    if row.status != SendStatus::Pending {
        return Ok(None);
    }
    if row
        .first_attempt_at
        .is_some_and(|first| now - first > RETRY_KEY_LIFETIME)
    {
        finish(
            db,
            id,
            SendStatus::Expired,
            None,
            Some("24時間以内に送信を確認できなかったため、自動では再送しません。".into()),
            now,
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
    let result = match row.kind {
        SendKind::Push => {
            let req: PushRequest = serde_json::from_str(&row.body).map_err(bad_body)?;
            messenger.push(&req, &key).await
        }
        SendKind::Multicast => {
            let req: MulticastRequest = serde_json::from_str(&row.body).map_err(bad_body)?;
            messenger.multicast(&req, &key).await
        }
    };
    match result {
        Ok(outcome) => {
            let request_id = outcome.request_id().map(str::to_owned);
            finish(db, id, SendStatus::Sent, request_id, None, now).await?;
            Ok(Some(outcome))
        }
        Err(e @ (ClientError::Rejected { .. } | ClientError::Invalid(_))) => {
            finish(db, id, SendStatus::Failed, None, Some(e.message_ja()), now).await?;
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
    status: SendStatus,
    request_id: Option<String>,
    error: Option<String>,
    now: DateTime,
) -> DomainResult<()> {
    line_send::Entity::update_many()
        .col_expr(line_send::Column::Status, Expr::value(status))
        .col_expr(line_send::Column::FinishedAt, Expr::value(now))
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
    messenger: &impl Messenger,
    now: DateTime,
) -> DomainResult<u64> {
    let pending = line_send::Entity::find()
        .filter(line_send::Column::ChannelId.eq(channel_id))
        .filter(line_send::Column::Status.eq(SendStatus::Pending))
        .order_by_asc(line_send::Column::Id)
        .all(db)
        .await?;
    let mut sent = 0;
    for row in pending {
        match deliver(db, messenger, row.id, now).await {
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

//! The durable webhook inbox. The webhook handler stores every event here (and commits) before
//! answering LINE with 200; workers then take due events, act on them and mark them done.
//!
//! - Duplicates and redeliveries: the unique `(channel_id, webhook_event_id)` index drops them
//!   at insert, so an event is stored, and therefore acted on, once.
//! - Crashes: a worker takes an event with a lease (`locked_until`); if the process dies, the
//!   lease runs out and another worker takes the event again. Handlers record finished steps in
//!   `progress` so that a retry does not repeat them.
//! - Several instances on PostgreSQL: taking an event is a conditional update, so only one
//!   worker wins it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, TransactionTrait,
};

use crate::DomainResult;
use crate::entities::webhook_event;

pub const PENDING: &str = "pending";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

/// How often an event is tried before it is left as `failed` for staff to see.
pub const MAX_ATTEMPTS: i32 = 8;

/// An event to store, taken from a verified webhook body.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub channel_id: i64,
    pub webhook_event_id: String,
    pub event_type: String,
    pub line_user_id: Option<String>,
    pub occurred_at: DateTime<Utc>,
    pub is_redelivery: bool,
    pub payload: String,
}

impl NewEvent {
    pub fn from_event(channel_id: i64, event: &line::webhook::Event) -> Self {
        Self {
            channel_id,
            webhook_event_id: event.webhook_event_id.clone(),
            // The column holds 64 characters; LINE's types are far shorter.
            event_type: event.event_type.chars().take(64).collect(),
            line_user_id: event
                .source
                .as_ref()
                .and_then(|s| s.user_id())
                .map(str::to_owned),
            occurred_at: DateTime::from_timestamp_millis(event.timestamp).unwrap_or_else(Utc::now),
            is_redelivery: event.is_redelivery,
            payload: event.raw.to_string(),
        }
    }
}

/// Stores events durably and returns the ones that were new, as stored. Events already stored
/// (duplicates, redeliveries) are skipped.
///
/// With `taken_for`, the new events are stored already taken by the caller for that lease
/// (attempt 1), as [`take_due`] would have returned them: the webhook intake hands them straight
/// to this process's workers instead of making the workers read them back. If the process dies
/// first, the lease runs out and any worker takes them from the database.
///
/// One multi-row statement per 500 events (SQLite allows 32,766 bound values per statement);
/// one statement is atomic by itself, so a transaction only when a batch needs several (it costs
/// two more round trips to the database on the hot path).
pub async fn store(
    db: &DatabaseConnection,
    events: Vec<NewEvent>,
    taken_for: Option<Duration>,
) -> DomainResult<Vec<webhook_event::Model>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let now = Utc::now();
    let lease = taken_for.map(|lease| now + chrono::Duration::from_std(lease).unwrap_or_default());
    const ROWS_PER_STATEMENT: usize = 500;
    let ids = if events.len() <= ROWS_PER_STATEMENT {
        insert_new(db, &events, now, lease).await?
    } else {
        let txn = db.begin().await?;
        let mut ids = Vec::with_capacity(events.len());
        for chunk in events.chunks(ROWS_PER_STATEMENT) {
            ids.extend(insert_new(&txn, chunk, now, lease).await?);
        }
        txn.commit().await?;
        ids
    };
    Ok(stored_models(events, ids, now, lease))
}

/// The columns [`insert_new`] writes; the others start empty.
const INSERTED: [webhook_event::Column; 12] = [
    webhook_event::Column::ChannelId,
    webhook_event::Column::WebhookEventId,
    webhook_event::Column::EventType,
    webhook_event::Column::LineUserId,
    webhook_event::Column::OccurredAt,
    webhook_event::Column::ReceivedAt,
    webhook_event::Column::IsRedelivery,
    webhook_event::Column::Payload,
    webhook_event::Column::Status,
    webhook_event::Column::Attempts,
    webhook_event::Column::NextAttemptAt,
    webhook_event::Column::LockedUntil,
];

/// One multi-row insert that skips events already stored; returns `(channel_id,
/// webhook_event_id) -> id` of the rows it inserted. Built with sea-query directly: the intake's
/// hot path, where building active models cost more than SQLite's insert.
async fn insert_new(
    conn: &impl sea_orm::ConnectionTrait,
    events: &[NewEvent],
    now: DateTime<Utc>,
    lease: Option<DateTime<Utc>>,
) -> DomainResult<Vec<((i64, String), i64)>> {
    let mut insert = Query::insert();
    insert
        .into_table(webhook_event::Entity)
        .columns(INSERTED)
        .on_conflict(
            OnConflict::columns([
                webhook_event::Column::ChannelId,
                webhook_event::Column::WebhookEventId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .returning(Query::returning().columns([
            webhook_event::Column::Id,
            webhook_event::Column::ChannelId,
            webhook_event::Column::WebhookEventId,
        ]));
    let attempts = i32::from(lease.is_some());
    for e in events {
        insert.values_panic([
            e.channel_id.into(),
            e.webhook_event_id.as_str().into(),
            e.event_type.as_str().into(),
            e.line_user_id.as_deref().into(),
            e.occurred_at.into(),
            now.into(),
            e.is_redelivery.into(),
            e.payload.as_str().into(),
            PENDING.into(),
            attempts.into(),
            now.into(),
            lease.into(),
        ]);
    }
    let rows = conn.query_all(&insert).await?;
    rows.iter()
        .map(|row| {
            Ok((
                (
                    row.try_get("", "channel_id")?,
                    row.try_get("", "webhook_event_id")?,
                ),
                row.try_get("", "id")?,
            ))
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(Into::into)
}

/// The stored rows of the events that were new, without reading them back.
fn stored_models(
    events: Vec<NewEvent>,
    ids: Vec<((i64, String), i64)>,
    now: DateTime<Utc>,
    lease: Option<DateTime<Utc>>,
) -> Vec<webhook_event::Model> {
    let mut ids: std::collections::HashMap<(i64, String), i64> = ids.into_iter().collect();
    let mut stored: Vec<webhook_event::Model> = events
        .into_iter()
        .filter_map(|e| {
            // `remove`: the same event twice in one batch was inserted once.
            let id = ids.remove(&(e.channel_id, e.webhook_event_id.clone()))?;
            Some(webhook_event::Model {
                id,
                channel_id: e.channel_id,
                webhook_event_id: e.webhook_event_id,
                event_type: e.event_type,
                line_user_id: e.line_user_id,
                occurred_at: e.occurred_at,
                received_at: now,
                is_redelivery: e.is_redelivery,
                payload: e.payload,
                status: PENDING.into(),
                attempts: i32::from(lease.is_some()),
                next_attempt_at: now,
                locked_until: lease,
                progress: None,
                last_error: None,
                processed_at: None,
            })
        })
        .collect();
    stored.sort_by_key(|e| e.id);
    stored
}

/// Takes up to `limit` due events for `lease`; each is returned to exactly one caller. One
/// statement (`UPDATE ... WHERE id IN (due ids) AND still free RETURNING *`): on PostgreSQL a
/// concurrent taker re-checks "still free" after the row lock and skips rows another took; on
/// SQLite writers are serialised anyway.
pub async fn take_due(
    db: &DatabaseConnection,
    limit: u64,
    lease: Duration,
) -> DomainResult<Vec<webhook_event::Model>> {
    let now = Utc::now();
    let free = Condition::any()
        .add(webhook_event::Column::LockedUntil.is_null())
        .add(webhook_event::Column::LockedUntil.lt(now));
    let due = webhook_event::Entity::find()
        .select_only()
        .column(webhook_event::Column::Id)
        .filter(webhook_event::Column::Status.eq(PENDING))
        .filter(webhook_event::Column::NextAttemptAt.lte(now))
        .filter(free.clone())
        // The order of the (status, next_attempt_at) index, so the database reads only the
        // first rows of it instead of sorting every pending event.
        .order_by_asc(webhook_event::Column::NextAttemptAt)
        .order_by_asc(webhook_event::Column::Id)
        .limit(limit)
        .into_query();
    let until = now + chrono::Duration::from_std(lease).unwrap_or_default();
    let mut taken = webhook_event::Entity::update_many()
        .col_expr(webhook_event::Column::LockedUntil, Expr::value(until))
        .col_expr(
            webhook_event::Column::Attempts,
            Expr::col(webhook_event::Column::Attempts).add(1),
        )
        .filter(webhook_event::Column::Id.in_subquery(due))
        .filter(webhook_event::Column::Status.eq(PENDING))
        .filter(free)
        .exec_with_returning(db)
        .await?;
    taken.sort_by_key(|e| e.id);
    Ok(taken)
}

/// How much of the lease on a taken event is left (zero if none).
pub fn lease_left(event: &webhook_event::Model) -> Duration {
    event
        .locked_until
        .and_then(|until| (until - Utc::now()).to_std().ok())
        .unwrap_or_default()
}

/// Records a finished step of an event, so that a retry skips it.
pub async fn set_progress(db: &DatabaseConnection, id: i64, step: &str) -> DomainResult<()> {
    webhook_event::Entity::update_many()
        .col_expr(webhook_event::Column::Progress, Expr::value(step))
        .filter(webhook_event::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks events done in one statement (the common case: nothing to report).
pub async fn complete_all(db: &DatabaseConnection, ids: &[i64]) -> DomainResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    webhook_event::Entity::update_many()
        .col_expr(webhook_event::Column::Status, Expr::value(DONE))
        .col_expr(webhook_event::Column::ProcessedAt, Expr::value(Utc::now()))
        .col_expr(
            webhook_event::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(webhook_event::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks an event done; `note` is kept for staff (something retrying could not fix).
pub async fn complete(db: &DatabaseConnection, id: i64, note: Option<&str>) -> DomainResult<()> {
    webhook_event::Entity::update_many()
        .col_expr(webhook_event::Column::Status, Expr::value(DONE))
        .col_expr(
            webhook_event::Column::LastError,
            Expr::value(note.map(|n| n.chars().take(2000).collect::<String>())),
        )
        .col_expr(webhook_event::Column::ProcessedAt, Expr::value(Utc::now()))
        .col_expr(
            webhook_event::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(webhook_event::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Schedules another attempt with exponential backoff (2 s, 4 s, ... up to 10 minutes), or
/// gives up after [`MAX_ATTEMPTS`].
pub async fn retry_later(
    db: &DatabaseConnection,
    id: i64,
    attempts: i32,
    error: &str,
) -> DomainResult<()> {
    let give_up = attempts >= MAX_ATTEMPTS;
    let delay = std::cmp::min(2i64.saturating_pow(attempts.clamp(1, 20) as u32), 600);
    webhook_event::Entity::update_many()
        .col_expr(
            webhook_event::Column::Status,
            Expr::value(if give_up { FAILED } else { PENDING }),
        )
        .col_expr(
            webhook_event::Column::NextAttemptAt,
            Expr::value(Utc::now() + chrono::Duration::seconds(delay)),
        )
        .col_expr(
            webhook_event::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            webhook_event::Column::LastError,
            Expr::value(error.chars().take(2000).collect::<String>()),
        )
        .filter(webhook_event::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Counts by status, for health pages and tests.
pub async fn count(db: &DatabaseConnection, status: &str) -> DomainResult<u64> {
    Ok(webhook_event::Entity::find()
        .filter(webhook_event::Column::Status.eq(status))
        .count(db)
        .await?)
}

/// When the next pending event is due, so an idle worker sleeps exactly until then.
pub async fn next_due(db: &DatabaseConnection) -> DomainResult<Option<DateTime<Utc>>> {
    Ok(webhook_event::Entity::find()
        .filter(webhook_event::Column::Status.eq(PENDING))
        .order_by_asc(webhook_event::Column::NextAttemptAt)
        .one(db)
        .await?
        .map(|e| {
            e.locked_until
                .map_or(e.next_attempt_at, |l| std::cmp::max(l, e.next_attempt_at))
        }))
}

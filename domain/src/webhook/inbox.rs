//! The durable webhook inbox. The webhook handler stores every event here (and commits) before
//! answering LINE with 200; workers then take due events, act on them and mark them done.
//!
//! - Duplicates and redeliveries: the unique `(channel_id, webhook_event_id)` index drops them
//!   at insert, so an event is stored, and therefore acted on, once.
//! - Crashes: a worker takes an event with a lease (`locked_until`); if the process dies, the
//!   lease runs out and another worker takes the event again. Handlers record finished steps in
//!   `progress` so that a retry does not repeat them.
//! - Several instances on PostgreSQL: taking an event is a conditional update over rows read
//!   `FOR UPDATE SKIP LOCKED`, so only one worker wins it.
//!
//! Taking, finishing and retrying follow the job queue's lease rules (`crate::jobs::lease`); the
//! inbox keeps its own table for the speed of the webhook's hot path.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};

use crate::DomainResult;
use crate::entities::webhook_event;
use crate::jobs::lease::{self, Leased};
use model::status::WorkStatus;

const COLUMNS: Leased<webhook_event::Entity> = Leased {
    id: webhook_event::Column::Id,
    status: webhook_event::Column::Status,
    due_at: webhook_event::Column::NextAttemptAt,
    locked_until: webhook_event::Column::LockedUntil,
    attempts: webhook_event::Column::Attempts,
    last_error: webhook_event::Column::LastError,
    finished_at: webhook_event::Column::ProcessedAt,
    id_of: |e| e.id,
};

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
    now: DateTime<Utc>,
) -> DomainResult<Vec<webhook_event::Model>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
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
            WorkStatus::Pending.into(),
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
                status: WorkStatus::Pending,
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

/// Takes up to `limit` events due at `now` for `lease`; each is returned to exactly one caller
/// (see `crate::jobs::lease::claim`).
pub async fn take_due(
    db: &DatabaseConnection,
    limit: u64,
    lease: Duration,
    now: DateTime<Utc>,
) -> DomainResult<Vec<webhook_event::Model>> {
    lease::claim(db, &COLUMNS, Condition::all(), limit, lease, now).await
}

/// How much of the lease on a taken event is left at `now` (zero if none).
pub fn lease_left(event: &webhook_event::Model, now: DateTime<Utc>) -> Duration {
    lease::lease_left(event.locked_until, now)
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
    lease::finish(db, &COLUMNS, ids, None, Utc::now()).await
}

/// Marks an event done; `note` is kept for staff (something retrying could not fix).
pub async fn complete(db: &DatabaseConnection, id: i64, note: Option<&str>) -> DomainResult<()> {
    lease::finish(db, &COLUMNS, &[id], note, Utc::now()).await
}

/// Schedules another attempt with backoff (2 s, 4 s, ... up to 10 minutes), or gives up after
/// `crate::jobs::lease::MAX_ATTEMPTS`.
pub async fn retry_later(
    db: &DatabaseConnection,
    id: i64,
    attempts: i32,
    error: &str,
) -> DomainResult<()> {
    lease::retry_later(db, &COLUMNS, id, attempts, error, Utc::now()).await
}

/// Counts by status, for health pages and tests.
pub async fn count(db: &DatabaseConnection, status: WorkStatus) -> DomainResult<u64> {
    Ok(webhook_event::Entity::find()
        .filter(webhook_event::Column::Status.eq(status))
        .count(db)
        .await?)
}

/// When the next pending event is due, so an idle worker sleeps exactly until then.
pub async fn next_due(db: &DatabaseConnection) -> DomainResult<Option<DateTime<Utc>>> {
    Ok(webhook_event::Entity::find()
        .filter(webhook_event::Column::Status.eq(WorkStatus::Pending))
        .order_by_asc(webhook_event::Column::NextAttemptAt)
        .one(db)
        .await?
        .map(|e| {
            e.locked_until
                .map_or(e.next_attempt_at, |l| std::cmp::max(l, e.next_attempt_at))
        }))
}

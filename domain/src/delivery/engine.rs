//! The delivery engine: one job ([`Work::Deliver`]) per occurrence
//! of a delivery, in the one job table, taken by one instance at a time under a short lease
//! that its runner keeps renewing (a killed process's job is taken again within the lease).
//!
//! A job, each step safe to repeat after a crash at any point:
//!
//! 1. Does nothing for a delivery changed since (the job's version is stale: edited, cancelled)
//!    unless its run already started, which then goes on.
//! 2. Later than [`DeliverySettings::missed_after`] (`DELIVERY_MISSED_AFTER`) after the planned
//!    time and not started: recorded as 見送り, never sent late.
//! 3. Prepares the run in ONE transaction: the run row (unique per delivery and planned time),
//!    ALL its multicast batches of 500 in the outbox with their retry keys (before the first
//!    attempt), the delivery 送信中, and for a repeat the job of its next occurrence.
//! 4. Takes the channel's send lease ([`super::sender_lock`]): one instance sends for a channel
//!    at a time, so the client's rate limiter (per process) is the channel's limit for all of
//!    them together.
//! 5. Sends the pending batches, a few in flight ([`DeliverySettings::in_flight`]), paced by the
//!    Messaging API client's `RateLimiter`; checks between batches whether staff asked to stop
//!    (the batches not sent become `cancelled`); LINE's refusal of a batch is kept with it
//!    (`ClientError::message_ja`) and the others go on; a transport failure (LINE unreachable,
//!    429 and 5xx after the client's own retries) ends the attempt, and the job is retried with
//!    backoff, re-sending pending batches with their stored keys (LINE answers 409 for what it
//!    already has).
//! 6. Derives the run's status (送信済み, 一部失敗, 失敗, 停止) and the delivery's (a repeat
//!    goes back to 予約済み while an occurrence is ahead).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use model::delivery::Timing;
use model::status::{DeliveryStatus, SendStatus};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, TransactionTrait,
};
use serde_json::json;

use super::deliveries::{self, Tally};
use super::messenger::Messenger;
use super::{links, outbox, sender_lock, staging, statistics, timing};
use crate::audience::segments;
use crate::entities::{
    delivery, delivery_run, delivery_run_audience, delivery_run_content, friend, line_send,
};
use crate::jobs::{JobContext, Retry, Running, Work, queue};
use crate::security::audit::{self, Actor};
use crate::{DateTime, DomainError, DomainResult};

/// Recipients of one multicast (LINE's limit).
pub const BATCH: usize = 500;
/// How often a sending run looks whether staff asked to stop it.
const STOP_CHECK: Duration = Duration::from_millis(250);
/// Where the engine finds each channel's [`Messenger`]: in the server, the channels' Messaging
/// API clients (LINE's or the sandbox's); in tests, a scripted LINE.
pub trait MessengerSource: Send + Sync + 'static {
    type Messenger: Messenger + 'static;

    /// The messenger of channel `channel_id` (its database id), if the process has it.
    fn messenger(&self, channel_id: i64) -> Option<Arc<Self::Messenger>>;
}

/// One messenger for every channel (a test's scripted LINE, a client of an external sandbox).
pub struct OneMessenger<M>(pub Arc<M>);

impl<M: Messenger + 'static> MessengerSource for OneMessenger<M> {
    type Messenger = M;

    fn messenger(&self, _channel_id: i64) -> Option<Arc<M>> {
        Some(self.0.clone())
    }
}

/// No messenger at all: for running jobs that do not send (purges).
pub struct NoMessenger;

impl MessengerSource for NoMessenger {
    type Messenger = line::client::Client;

    fn messenger(&self, _channel_id: i64) -> Option<Arc<line::client::Client>> {
        None
    }
}

/// How the engine behaves; from configuration in the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliverySettings {
    /// This instance's id in the channels' send leases (`INSTANCE_ID`; random by default).
    pub instance_id: String,
    /// How late after its planned time an occurrence may still start (`DELIVERY_MISSED_AFTER`).
    pub missed_after: Duration,
    /// Batches sent at once by one run (each waits for its slot of the rate limiter).
    pub in_flight: usize,
    /// How long a job's and a channel's lease lasts without renewal.
    pub lease: Duration,
    /// How often leases are renewed (well within [`Self::lease`]).
    pub renew_every: Duration,
    /// How often a run waiting for its channel's lease asks again.
    pub wait_poll: Duration,
    /// Batches stored at a time while a run sends (`staging::GROUP`).
    pub stage_batches: usize,
    /// Where citizens reach this system (`PUBLIC_URL`, without a trailing slash): the base of
    /// tracked links (`/r/{code}`).
    pub public_base: String,
    /// Aggregation unit names a channel may use a month (`LINE_AGGREGATION_UNITS_PER_MONTH`).
    pub aggregation_units_per_month: u32,
    /// LINE insight calls a channel may make an hour (`LINE_INSIGHT_CALLS_PER_HOUR`).
    pub insight_calls_per_hour: u32,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            instance_id: random_instance_id(),
            missed_after: Duration::from_secs(60 * 60),
            in_flight: 8,
            lease: Duration::from_secs(30),
            renew_every: Duration::from_secs(10),
            wait_poll: Duration::from_secs(1),
            stage_batches: staging::GROUP,
            public_base: "http://127.0.0.1:3000".into(),
            aggregation_units_per_month: statistics::DEFAULT_UNITS_PER_MONTH,
            insight_calls_per_hour: statistics::DEFAULT_INSIGHT_CALLS_PER_HOUR,
        }
    }
}

/// `instance-` and 12 random hex digits.
pub fn random_instance_id() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("instance-{}", &id[..12])
}

/// The job key of an occurrence: `delivery:{id}:v{version}:{planned time}`.
pub fn job_key(delivery_id: i64, version: i32, occurrence_at: DateTime) -> String {
    format!(
        "delivery:{delivery_id}:v{version}:{}",
        occurrence_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
}

/// Enqueues the job of the occurrence at `occurrence_at` of version `version`, due then (in the
/// caller's transaction). Enqueueing it again stores nothing.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    delivery_id: i64,
    version: i32,
    occurrence_at: DateTime,
    now: DateTime,
) -> DomainResult<bool> {
    let work = Work::Deliver {
        delivery_id,
        version,
        occurrence_at,
    };
    queue::enqueue(
        db,
        &job_key(delivery_id, version, occurrence_at),
        &work,
        occurrence_at,
        now,
    )
    .await
}

/// Seconds left for `pending_batches` (pushes, for a run that records who clicked), at the
/// pace so far (never faster than LINE's limit).
pub fn seconds_left(
    pending_batches: i64,
    sent_batches: i64,
    elapsed: Option<TimeDelta>,
    per_person: bool,
) -> u64 {
    let class = if per_person {
        line::rate::RateClass::Push
    } else {
        line::rate::RateClass::Multicast
    };
    let fastest = 1.0 / class.per_second();
    let per_batch = match elapsed {
        Some(e) if sent_batches > 0 => {
            (e.num_milliseconds() as f64 / 1000.0 / sent_batches as f64).max(fastest)
        }
        _ => fastest,
    };
    (pending_batches.max(0) as f64 * per_batch).ceil() as u64
}

fn retry(e: DomainError) -> Retry {
    Retry(e.to_string())
}

/// The job of one occurrence. `Ok` with a summary when it is done with (sent, stopped, missed,
/// stale); [`Retry`] when it should be tried again (LINE unreachable, the lease lost, the
/// process stopping).
pub async fn deliver<S: MessengerSource>(
    ctx: &JobContext<S>,
    running: &Running,
    delivery_id: i64,
    version: i32,
    occurrence_at: DateTime,
) -> Result<String, Retry> {
    let db = &ctx.db;
    let now = Utc::now();
    let Some(d) = delivery::Entity::find_by_id(delivery_id).one(db).await? else {
        return Ok(format!("delivery {delivery_id} no longer exists"));
    };
    let run = delivery_run::Entity::find()
        .filter(delivery_run::Column::DeliveryId.eq(delivery_id))
        .filter(delivery_run::Column::OccurrenceAt.eq(occurrence_at))
        .one(db)
        .await?;
    let run = match run {
        Some(run) if run.status != DeliveryStatus::Sending => {
            return Ok(format!(
                "run {} of delivery {delivery_id} already ended ({})",
                run.id,
                run.status.key()
            ));
        }
        Some(run) => run,
        None => {
            let live = d.version == version
                && matches!(
                    d.status,
                    DeliveryStatus::Scheduled | DeliveryStatus::Sending
                );
            if !live {
                return Ok(format!(
                    "delivery {delivery_id} changed since (version {} {}, job for version {version})",
                    d.version,
                    d.status.key()
                ));
            }
            let late = (now - occurrence_at).to_std().unwrap_or_default();
            if late > ctx.delivery.missed_after {
                let minutes = ctx.delivery.missed_after.as_secs() / 60;
                let note = format!(
                    "予定時刻（{}）にサーバーが動いていなかったため、{minutes}分以上遅れました。遅れて届かないよう、この回は送信せず見送りました。",
                    crate::time::minutes(occurrence_at)
                );
                close_unsent(
                    db,
                    &d,
                    version,
                    occurrence_at,
                    DeliveryStatus::Missed,
                    &note,
                    now,
                )
                .await?;
                return Ok(format!("delivery {delivery_id} missed ({late:?} late)"));
            }
            match prepare(db, ctx, &d, version, occurrence_at, now).await {
                Ok(Some(run)) => run,
                Ok(None) => return Ok(format!("delivery {delivery_id} changed while preparing")),
                Err(DomainError::Invalid(reason) | DomainError::NotFound(reason)) => {
                    let note =
                        format!("配信対象を決められなかったため、送信しませんでした。{reason}");
                    close_unsent(
                        db,
                        &d,
                        version,
                        occurrence_at,
                        DeliveryStatus::Failed,
                        &note,
                        now,
                    )
                    .await?;
                    return Ok(format!("delivery {delivery_id} failed: {reason}"));
                }
                Err(e) => return Err(retry(e)),
            }
        }
    };
    send_run(ctx, running, &d, run).await
}

/// Records an occurrence that was not sent (見送り, or 失敗 before sending) and moves the
/// delivery on: to its next occurrence, or to that status.
async fn close_unsent(
    db: &DatabaseConnection,
    d: &delivery::Model,
    version: i32,
    occurrence_at: DateTime,
    status: DeliveryStatus,
    note: &str,
    now: DateTime,
) -> DomainResult<()> {
    let timing: Timing = serde_json::from_str(&d.timing).unwrap_or_default();
    let next = repeat_next(&timing, occurrence_at);
    let txn = db.begin().await?;
    let (delivery_status, next_at) = match next {
        Some(at) => (DeliveryStatus::Scheduled, Some(at)),
        None => (status, None),
    };
    let moved = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(delivery_status))
        .col_expr(delivery::Column::NextAt, Expr::value(next_at))
        .filter(delivery::Column::Id.eq(d.id))
        .filter(delivery::Column::Version.eq(version))
        .filter(
            delivery::Column::Status.is_in([DeliveryStatus::Scheduled, DeliveryStatus::Sending]),
        )
        .exec(&txn)
        .await?
        .rows_affected;
    if moved == 0 {
        // Changed meanwhile: nothing to record.
        return Ok(());
    }
    let run = delivery_run::ActiveModel {
        delivery_id: Set(d.id),
        occurrence_at: Set(occurrence_at),
        status: Set(status),
        audience: Set(None),
        prepared: Set(false),
        stop_requested: Set(false),
        sent: Set(0),
        failed: Set(0),
        started_at: Set(None),
        finished_at: Set(Some(now)),
        note: Set(Some(note.to_owned())),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if let Some(at) = next {
        enqueue(&txn, d.id, version, at, now).await?;
    }
    let action = if status == DeliveryStatus::Missed {
        "delivery.missed"
    } else {
        "delivery.failed"
    };
    audit::record(
        &txn,
        &Actor::system(),
        action,
        "delivery",
        Some(&d.id.to_string()),
        json!({
            "title": d.title,
            "run_id": run.id,
            "occurrence_at": occurrence_at,
            "note": note,
            "next_at": next,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The next occurrence of a repeat after `occurrence_at` (none for other timings).
fn repeat_next(timing: &Timing, occurrence_at: DateTime) -> Option<DateTime> {
    match timing {
        Timing::Repeat(_) => timing::next_after(timing, occurrence_at),
        _ => None,
    }
}

/// Resolves the recipients and stores the run with all its batches, in one transaction.
/// `None` when the delivery changed meanwhile (nothing stored).
async fn prepare<S: MessengerSource>(
    db: &DatabaseConnection,
    ctx: &JobContext<S>,
    d: &delivery::Model,
    version: i32,
    occurrence_at: DateTime,
    now: DateTime,
) -> DomainResult<Option<delivery_run::Model>> {
    let (messages, target, timing) = deliveries::contents_of(d)?;
    let started = std::time::Instant::now();
    let selection = segments::selection(db, &target).await?;
    let ids = ctx
        .audience
        .friend_ids(db, d.channel_id, &selection, now)
        .await?;
    let resolved = started.elapsed();
    let next = repeat_next(&timing, occurrence_at);
    let batches = ids.len().div_ceil(BATCH);

    let txn = db.begin().await?;
    // Only the version the job was planned for, still planned or sending (not cancelled,
    // stopped or edited meanwhile).
    let claimed = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            Expr::value(DeliveryStatus::Sending),
        )
        .col_expr(delivery::Column::NextAt, Expr::value(next))
        .filter(delivery::Column::Id.eq(d.id))
        .filter(delivery::Column::Version.eq(version))
        .filter(
            delivery::Column::Status.is_in([DeliveryStatus::Scheduled, DeliveryStatus::Sending]),
        )
        .exec(&txn)
        .await?
        .rows_affected;
    if claimed == 0 {
        return Ok(None);
    }
    let audience = i64::try_from(ids.len()).unwrap_or(i64::MAX);
    let run = delivery_run::ActiveModel {
        delivery_id: Set(d.id),
        occurrence_at: Set(occurrence_at),
        status: Set(DeliveryStatus::Sending),
        audience: Set(Some(audience)),
        // Its batches are stored while it sends (`staging`); none to store for nobody.
        prepared: Set(ids.is_empty()),
        stop_requested: Set(false),
        sent: Set(0),
        failed: Set(0),
        started_at: Set(Some(now)),
        finished_at: Set(None),
        note: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // What it sends: its own aggregation unit (LINE's statistics) and its links tracked.
    let settings = &ctx.delivery;
    let unit = statistics::choose_unit(
        &txn,
        d.channel_id,
        run.id,
        settings.aggregation_units_per_month,
        now,
    )
    .await?;
    let sent_messages = links::track(
        &txn,
        links::RunOfLinks {
            delivery_id: d.id,
            run_id: run.id,
            channel_id: d.channel_id,
        },
        &messages,
        &deliveries::untracked_links_of(d),
        &settings.public_base,
        d.per_person_clicks.then(links::new_person_key).as_deref(),
        now,
    )
    .await?;
    delivery_run_content::ActiveModel {
        run_id: Set(run.id),
        aggregation_unit: Set(unit.clone()),
        messages: Set(serde_json::to_string(&sent_messages)
            .map_err(|e| DomainError::Internal(format!("messages: {e}")))?),
    }
    .insert(&txn)
    .await?;
    if let Some(unit) = &unit {
        statistics::start(&txn, run.id, d.channel_id, unit, now).await?;
    }
    // The recipients are fixed here, in one row; their batches are stored as it sends.
    if !ids.is_empty() {
        delivery_run_audience::ActiveModel {
            run_id: Set(run.id),
            friend_ids: Set(staging::encode_ids(&ids)),
            batches: Set(i32::try_from(batches).unwrap_or(i32::MAX)),
            batches_stored: Set(0),
        }
        .insert(&txn)
        .await?;
    }
    if let Some(at) = next {
        enqueue(&txn, d.id, version, at, now).await?;
    }
    audit::record(
        &txn,
        &Actor::system(),
        "delivery.run",
        "delivery",
        Some(&d.id.to_string()),
        json!({
            "title": d.title,
            "run_id": run.id,
            "occurrence_at": occurrence_at,
            "audience": audience,
            "batches": batches,
            "next_at": next,
        }),
    )
    .await?;
    txn.commit().await?;
    // Where the time before the first batch went (docs/benchmarks.md).
    tracing::info!(
        delivery = d.id,
        run = run.id,
        recipients = ids.len(),
        resolve_ms = resolved.as_millis(),
        store_ms = (started.elapsed() - resolved).as_millis(),
        "delivery run prepared"
    );
    Ok(Some(run))
}

/// What became of one batch.
enum Sent {
    Accepted,
    /// Not pending any more (sent, refused or cancelled before).
    Skipped,
    Refused,
    /// LINE unreachable (after the client's retries), or the database failing: try later.
    Unreached(String),
}

async fn send_one<M: Messenger>(db: DatabaseConnection, messenger: Arc<M>, id: i64) -> Sent {
    match outbox::deliver(&db, &*messenger, id, Utc::now()).await {
        Ok(Some(_)) => Sent::Accepted,
        Ok(None) => Sent::Skipped,
        Err(DomainError::Invalid(_)) => Sent::Refused,
        Err(e) => Sent::Unreached(e.to_string()),
    }
}

async fn stop_requested(db: &DatabaseConnection, run_id: i64) -> DomainResult<bool> {
    Ok(delivery_run::Entity::find_by_id(run_id)
        .one(db)
        .await?
        .is_none_or(|r| r.stop_requested))
}

/// Why a sending attempt ended early.
enum Cut {
    /// The job's lease was lost or the process is stopping.
    Interrupted,
    /// The channel's send lease went to another instance.
    LeaseLost,
    /// LINE could not be reached for a batch.
    Unreached(String),
}

/// Sends the run's pending batches under the channel's lease, then finishes it.
async fn send_run<S: MessengerSource>(
    ctx: &JobContext<S>,
    running: &Running,
    d: &delivery::Model,
    run: delivery_run::Model,
) -> Result<String, Retry> {
    let db = &ctx.db;
    let settings = &ctx.delivery;
    let pending = outbox::pending_of_run(db, run.id).await?;
    // Batches still to store (none once staff stopped it).
    let stager = if run.prepared || run.stop_requested {
        None
    } else {
        stager_of(db, d, &run, settings).await?
    };
    if !pending.is_empty() || stager.is_some() {
        let Some(messenger) = ctx.line.messenger(d.channel_id) else {
            return Err(Retry(format!(
                "no LINE client for channel {} in this process",
                d.channel_id
            )));
        };
        // This instance's turn for the channel, then the channel's lease across instances.
        let _turn = tokio::select! {
            turn = ctx.senders.turn(d.channel_id) => turn,
            () = running.stopped() => return Err(Retry("interrupted while waiting".into())),
        };
        loop {
            let holder = &settings.instance_id;
            if sender_lock::acquire(db, d.channel_id, holder, settings.lease, Utc::now()).await? {
                break;
            }
            tokio::select! {
                () = tokio::time::sleep(settings.wait_poll) => {}
                () = running.stopped() => return Err(Retry("interrupted while waiting".into())),
            }
        }
        let cut = send_batches(ctx, running, d.channel_id, run.id, messenger, stager).await;
        if let Err(e) = sender_lock::release(db, d.channel_id, &settings.instance_id).await {
            tracing::warn!(error = %e, channel = d.channel_id, "cannot release the send lease");
        }
        match cut? {
            None => {}
            Some(Cut::Interrupted) => return Err(Retry("interrupted".into())),
            Some(Cut::LeaseLost) => {
                return Err(Retry("the channel's send lease was lost".into()));
            }
            Some(Cut::Unreached(reason)) => {
                if !running.is_last_attempt() {
                    return Err(Retry(reason));
                }
                let note = "LINE に接続できない状態が続いたため、送信を確認できませんでした（届いている可能性があります）。";
                outbox::fail_pending(db, run.id, note, Utc::now()).await?;
            }
        }
    }
    finish_run(db, d, run.id).await.map_err(retry)
}

/// What stores run `run`'s batches still to store (`None` when its recipients are not kept:
/// nobody to send to).
async fn stager_of(
    db: &DatabaseConnection,
    d: &delivery::Model,
    run: &delivery_run::Model,
    settings: &DeliverySettings,
) -> DomainResult<Option<staging::Stager>> {
    let Some(audience) = delivery_run_audience::Entity::find_by_id(run.id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    // The messages as the run sends them (tracked links in place) and its unit.
    let content = delivery_run_content::Entity::find_by_id(run.id)
        .one(db)
        .await?
        .ok_or_else(|| DomainError::Internal(format!("run {} has no content", run.id)))?;
    let messages = serde_json::from_str(&content.messages)
        .map_err(|e| DomainError::Internal(format!("run {} messages: {e}", run.id)))?;
    let personal = links::Personal::of(&links::of_run(db, run.id).await?, &settings.public_base);
    Ok(Some(staging::Stager {
        run_id: run.id,
        channel_id: d.channel_id,
        friend_ids: staging::decode_ids(&audience.friend_ids)?,
        messages,
        unit: content.aggregation_unit,
        group: settings.stage_batches,
        personal,
    }))
}

/// Sends the pending batches of run `run_id`, and with `stager` the batches it stores
/// meanwhile (a task a group ahead); `Some` when it had to stop early.
async fn send_batches<S: MessengerSource>(
    ctx: &JobContext<S>,
    running: &Running,
    channel_id: i64,
    run_id: i64,
    messenger: Arc<S::Messenger>,
    stager: Option<staging::Stager>,
) -> DomainResult<Option<Cut>> {
    let db = &ctx.db;
    let settings = &ctx.delivery;
    let mut queue = outbox::pending_of_run(db, run_id).await?.into_iter();
    let mut staged = Staging::start(db, stager);
    let mut in_flight = tokio::task::JoinSet::new();
    let mut renew = tokio::time::interval(settings.renew_every);
    renew.tick().await;
    let mut checked = tokio::time::Instant::now();
    let mut stopping = stop_requested(db, run_id).await?;
    if stopping {
        staged.halt().await;
        outbox::cancel_unsent(db, run_id, Utc::now()).await?;
        queue = outbox::pending_of_run(db, run_id).await?.into_iter();
    }
    let mut cut = None;
    loop {
        while cut.is_none() && in_flight.len() < settings.in_flight.max(1) {
            if running.stopping() {
                cut = Some(Cut::Interrupted);
                break;
            }
            if !stopping && checked.elapsed() >= STOP_CHECK {
                checked = tokio::time::Instant::now();
                if stop_requested(db, run_id).await? {
                    stopping = true;
                    // No more batches stored (what is stored by then is cancelled below).
                    staged.halt().await;
                    // What was never attempted is not sent; what was attempted is confirmed
                    // with its key (LINE may have it).
                    outbox::cancel_unsent(db, run_id, Utc::now()).await?;
                    let left: HashSet<i64> = outbox::pending_of_run(db, run_id)
                        .await?
                        .into_iter()
                        .collect();
                    queue = queue
                        .filter(|id| left.contains(id))
                        .collect::<Vec<_>>()
                        .into_iter();
                }
            }
            let Some(id) = queue.next() else { break };
            in_flight.spawn(send_one(db.clone(), messenger.clone(), id));
        }
        // More batches to wait for: room to send them, and none left to start.
        let want_staged = cut.is_none()
            && staged.open()
            && in_flight.len() < settings.in_flight.max(1)
            && queue.len() == 0;
        if in_flight.is_empty() && !want_staged {
            break;
        }
        tokio::select! {
            next = staged.next(), if want_staged => match next {
                Some(Ok(ids)) => queue = ids.into_iter(),
                Some(Err(e)) => cut = Some(Cut::Unreached(format!("storing the batches: {e}"))),
                None => {}
            },
            done = in_flight.join_next(), if !in_flight.is_empty() => match done {
                Some(Ok(Sent::Unreached(reason))) => {
                    if cut.is_none() {
                        cut = Some(Cut::Unreached(reason));
                    }
                }
                Some(Ok(Sent::Accepted | Sent::Skipped | Sent::Refused)) | None => {}
                Some(Err(e)) => {
                    if cut.is_none() {
                        cut = Some(Cut::Unreached(format!("a send task failed: {e}")));
                    }
                }
            },
            _ = renew.tick() => {
                let renewed = sender_lock::renew(
                    db,
                    channel_id,
                    &settings.instance_id,
                    settings.lease,
                    Utc::now(),
                )
                .await;
                match renewed {
                    Ok(true) => {}
                    Ok(false) => cut = Some(Cut::LeaseLost),
                    Err(e) => tracing::warn!(error = %e, "cannot renew the channel's send lease"),
                }
            }
        }
    }
    staged.halt().await;
    Ok(cut)
}

/// The task storing a run's batches a group ahead of sending, and what it stored.
struct Staging {
    task: Option<tokio::task::JoinHandle<()>>,
    stored: tokio::sync::mpsc::Receiver<DomainResult<Vec<i64>>>,
    open: bool,
}

impl Staging {
    fn start(db: &DatabaseConnection, stager: Option<staging::Stager>) -> Staging {
        // One group waiting beside the one being sent: enough to never wait, little held.
        let (tx, stored) = tokio::sync::mpsc::channel(1);
        let task = stager.map(|stager| {
            let db = db.clone();
            tokio::spawn(async move {
                loop {
                    let step = stager.next_group(&db, Utc::now()).await;
                    let last = !matches!(step, Ok(Some(_)));
                    let Some(step) = step.transpose() else { break };
                    if tx.send(step).await.is_err() || last {
                        break;
                    }
                }
            })
        });
        Staging {
            open: task.is_some(),
            task,
            stored,
        }
    }

    fn open(&self) -> bool {
        self.open
    }

    /// The next group's batch ids; `None` once every batch is stored.
    async fn next(&mut self) -> Option<DomainResult<Vec<i64>>> {
        let next = self.stored.recv().await;
        if !matches!(next, Some(Ok(_))) {
            self.open = false;
        }
        next
    }

    /// Stops storing, and waits for a group being stored to be committed (or not): after
    /// this, the run's batches in the database are all there will be.
    async fn halt(&mut self) {
        self.open = false;
        self.stored.close();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// The run's status from its batches.
fn run_status(t: &Tally, stopped: bool) -> DeliveryStatus {
    if stopped {
        DeliveryStatus::Stopped
    } else if t.failed == 0 {
        DeliveryStatus::Sent
    } else if t.sent > 0 {
        DeliveryStatus::PartlyFailed
    } else {
        DeliveryStatus::Failed
    }
}

/// The friends of channel `channel_id` that LINE accepted run `run_id`'s messages for (its
/// batches sent), ascending.
async fn friends_reached(
    db: &impl ConnectionTrait,
    channel_id: i64,
    run_id: i64,
) -> DomainResult<Vec<i64>> {
    let bodies: Vec<String> = line_send::Entity::find()
        .select_only()
        .column(line_send::Column::Body)
        .filter(line_send::Column::RunId.eq(run_id))
        .filter(line_send::Column::Status.eq(SendStatus::Sent))
        .into_tuple()
        .all(db)
        .await?;
    let mut users: Vec<String> = Vec::new();
    for body in bodies {
        // A multicast names its users in an array, a push its one user.
        match serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("to").cloned())
        {
            Some(serde_json::Value::Array(to)) => {
                users.extend(to.into_iter().filter_map(|u| u.as_str().map(str::to_owned)))
            }
            Some(serde_json::Value::String(to)) => users.push(to),
            _ => {}
        }
    }
    let mut ids = Vec::with_capacity(users.len());
    for chunk in users.chunks(500) {
        let found: Vec<i64> = friend::Entity::find()
            .select_only()
            .column(friend::Column::Id)
            .filter(friend::Column::ChannelId.eq(channel_id))
            .filter(friend::Column::LineUserId.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        ids.extend(found);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Ends run `run_id` with its counts and status, and moves the delivery on.
async fn finish_run(
    db: &DatabaseConnection,
    d: &delivery::Model,
    run_id: i64,
) -> DomainResult<String> {
    let now = Utc::now();
    let t = deliveries::tally(db, run_id).await?;
    let Some(run) = delivery_run::Entity::find_by_id(run_id).one(db).await? else {
        return Ok(format!("run {run_id} is gone"));
    };
    if t.pending > 0 {
        return Err(DomainError::Internal(format!(
            "run {run_id} still has {} recipients pending",
            t.pending
        )));
    }
    let status = run_status(&t, run.stop_requested);
    // Batches cancelled, never stored (stopped before), or friends who blocked meanwhile.
    let not_sent = (run.audience.unwrap_or(0) - t.sent - t.failed).max(0);
    let note = match status {
        DeliveryStatus::Stopped => Some(format!(
            "職員が停止しました。{}人に送信済み、{not_sent}人には送信していません。",
            t.sent
        )),
        DeliveryStatus::PartlyFailed | DeliveryStatus::Failed => Some(format!(
            "{}人への送信を LINE が受け付けませんでした。下のエラーを確認してください。",
            t.failed
        )),
        _ if run.audience == Some(0) => Some(
            "配信の時点で対象の友だちがいなかったため、送信したメッセージはありません。".into(),
        ),
        _ => None,
    };
    let txn = db.begin().await?;
    let ended = delivery_run::Entity::update_many()
        .col_expr(delivery_run::Column::Status, Expr::value(status))
        .col_expr(delivery_run::Column::Sent, Expr::value(t.sent))
        .col_expr(delivery_run::Column::Failed, Expr::value(t.failed))
        .col_expr(delivery_run::Column::FinishedAt, Expr::value(now))
        .col_expr(delivery_run::Column::Note, Expr::value(note))
        .filter(delivery_run::Column::Id.eq(run_id))
        .filter(delivery_run::Column::Status.eq(DeliveryStatus::Sending))
        .exec(&txn)
        .await?
        .rows_affected;
    if ended == 0 {
        return Ok(format!("run {run_id} was already finished"));
    }
    // The delivery's rich menu for the friends it reached (spec 4(2) ア), in the same
    // transaction as the run's end: given exactly once, even if this job runs again.
    if let Some(menu_id) = d.rich_menu_id
        && t.sent > 0
        && d.rich_menu_until.is_none_or(|until| until > now)
    {
        let reached = friends_reached(&txn, d.channel_id, run_id).await?;
        crate::menus::links::give_delivery_menu(
            &txn,
            d.channel_id,
            &reached,
            menu_id,
            d.rich_menu_until,
            &format!("配信「{}」", d.title),
            now,
        )
        .await?;
    }
    let current = delivery::Entity::find_by_id(d.id).one(&txn).await?;
    let others = delivery_run::Entity::find()
        .filter(delivery_run::Column::DeliveryId.eq(d.id))
        .filter(delivery_run::Column::Status.eq(DeliveryStatus::Sending))
        .count(&txn)
        .await?;
    let next_planned = current.as_ref().and_then(|c| c.next_at).is_some()
        && current
            .as_ref()
            .is_some_and(|c| c.timing.contains("\"repeat\""));
    let delivery_status = if others > 0 {
        DeliveryStatus::Sending
    } else if next_planned {
        DeliveryStatus::Scheduled
    } else {
        status
    };
    delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(delivery_status))
        .filter(delivery::Column::Id.eq(d.id))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Sending))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        &Actor::system(),
        "delivery.finish",
        "delivery",
        Some(&d.id.to_string()),
        json!({
            "title": d.title,
            "run_id": run_id,
            "status": status.key(),
            "audience": run.audience,
            "sent": t.sent,
            "failed": t.failed,
            "not_sent": not_sent,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(format!(
        "run {run_id} of delivery {}: {} ({} sent, {} failed, {} not sent)",
        d.id,
        status.key(),
        t.sent,
        t.failed,
        t.cancelled
    ))
}

//! Background work that must happen once, even with several instances on one database and
//! processes that die mid-way: the one job queue.
//!
//! - A job is a [`Work`] stored in the `job` table under a unique key ([`queue::enqueue`]):
//!   enqueueing the same key twice stores it once. A periodic job (a purge) is enqueued by every
//!   instance under the key of its period ([`queue::enqueue_for_period`]), so it runs once per
//!   period across all of them.
//! - Workers take due jobs with a lease ([`queue::take_due`], `FOR UPDATE SKIP LOCKED` on
//!   PostgreSQL); a job whose worker died is taken again when its lease ends, so every job must
//!   be idempotent.
//! - [`run`] holds the one `match` on the kind of work, naming the capability that does it; a
//!   [`Retry`] schedules another attempt with backoff ([`lease::retry_delay`]), and after
//!   [`lease::MAX_ATTEMPTS`] the job is left as failed for staff to see.
//!
//! - A running job's lease is short and renewed while it runs ([`execute`]): a job whose
//!   process was killed is taken again within [`DeliverySettings::lease`], by another instance
//!   or after a restart; a job whose lease was lost is told to stop ([`Running::stopped`]).
//! - Jobs get a [`JobContext`]: the database, each channel's messenger, the audience index and
//!   the engine's settings.
//!
//! The webhook inbox (`crate::webhook::inbox`) keeps its events in a table of its own, for the
//! speed of its hot path, but takes, finishes and retries them by the same [`lease`] rules. The
//! delivery engine ([`Work::Deliver`]) and statistics fetching ([`Work::FetchStatistics`]) are
//! here; rich menu publishing adds its [`Work`] here.

pub mod lease;
pub mod queue;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::audience::index::AudienceIndex;
use crate::delivery::engine::{self, DeliverySettings, MessengerSource, NoMessenger};
use crate::delivery::sender_lock::LocalSenders;
use crate::entities::job;
use crate::{DatabaseConnection, DateTime, DomainError};

/// A job due now was enqueued in this process (its transaction committed).
static DUE_NOW: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Tells this process's job runner to look for due jobs now rather than at its next poll (a
/// delivery sent now: the first message should not wait for the poll). Call it after the
/// commit; other instances find the job at their next poll.
pub fn wake() {
    DUE_NOW.notify_one();
}

/// Resolves at the next [`wake`] (or at once if one came while nobody waited).
pub async fn woken() {
    DUE_NOW.notified().await;
}

/// Work that could not be finished now but is worth another attempt later (LINE unreachable or
/// busy, the database unavailable). Anything else a job or event handler meets is recorded and
/// the work finishes.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Retry(pub String);

impl From<DomainError> for Retry {
    fn from(e: DomainError) -> Self {
        Retry(e.to_string())
    }
}

impl From<sea_orm::DbErr> for Retry {
    fn from(e: sea_orm::DbErr) -> Self {
        Retry(DomainError::from(e).to_string())
    }
}

/// A kind of job with its input: what the `job` table's `payload` holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Work {
    /// Deletes the access log and the login history older than `retention_days`, jobs that
    /// finished more than [`queue::KEEP_FINISHED_DAYS`] ago, and CSV uploads older than
    /// [`crate::audience::attribute_csv::UPLOAD_KEPT_DAYS`] (the audit log is never purged: its
    /// hash chain is the proof that nothing was removed).
    PurgeLogs { retention_days: u32 },
    /// Deletes staff sessions past their idle or absolute deadline.
    PurgeSessions {
        idle_timeout_secs: u64,
        absolute_lifetime_secs: u64,
    },
    /// Sends one occurrence of a delivery (`crate::delivery::engine`), planned for
    /// `occurrence_at`, if the delivery is still at `version`.
    Deliver {
        delivery_id: i64,
        version: i32,
        occurrence_at: DateTime,
    },
    /// Fetches LINE's statistics of the runs due (`crate::delivery::statistics`), within each
    /// channel's hourly insight budget.
    FetchStatistics,
    /// Takes a rich menu publish (`line_rich_menu` row) through its steps at LINE.
    PublishMenu { line_menu_id: i64 },
    /// Deletes at LINE the rich menus no one sees any more (periodic).
    CleanUpMenus,
    /// Brings LINE's per-user rich menu links in step with the rules, deliveries and the
    /// emergency switch: of one channel, or of every channel (periodic).
    ReconcileMenus { channel_id: Option<i64> },
    /// Fetches LINE's statistics of the published rich menus due
    /// (`crate::menus::statistics`), within the insight budget shared with deliveries
    /// (periodic).
    FetchMenuStatistics,
}

impl Work {
    /// The name stored in the `kind` column (the payload's `kind` tag).
    pub fn kind(&self) -> &'static str {
        match self {
            Work::PurgeLogs { .. } => "purge_logs",
            Work::PurgeSessions { .. } => "purge_sessions",
            Work::Deliver { .. } => "deliver",
            Work::FetchStatistics => "fetch_statistics",
            Work::PublishMenu { .. } => "publish_menu",
            Work::CleanUpMenus => "clean_up_menus",
            Work::ReconcileMenus { .. } => "reconcile_menus",
            Work::FetchMenuStatistics => "fetch_menu_statistics",
        }
    }

    /// Every kind this version runs; jobs of other kinds (a newer version's) are left alone.
    pub const KINDS: [&'static str; 8] = [
        "purge_logs",
        "purge_sessions",
        "deliver",
        "fetch_statistics",
        "publish_menu",
        "clean_up_menus",
        "reconcile_menus",
        "fetch_menu_statistics",
    ];
}

/// What jobs work with: shared by every job of a process (cheap to clone).
pub struct JobContext<S> {
    pub db: DatabaseConnection,
    /// Each channel's messenger.
    pub line: Arc<S>,
    /// The audience index the admin panel counts with (one per process).
    pub audience: Arc<AudienceIndex>,
    pub delivery: DeliverySettings,
    /// One delivery per channel at a time in this process.
    pub senders: Arc<LocalSenders>,
}

impl<S> Clone for JobContext<S> {
    fn clone(&self) -> Self {
        Self {
            db: self.db.clone(),
            line: self.line.clone(),
            audience: self.audience.clone(),
            delivery: self.delivery.clone(),
            senders: self.senders.clone(),
        }
    }
}

impl<S: MessengerSource> JobContext<S> {
    pub fn new(
        db: DatabaseConnection,
        line: Arc<S>,
        audience: Arc<AudienceIndex>,
        delivery: DeliverySettings,
    ) -> Self {
        Self {
            db,
            line,
            audience,
            delivery,
            senders: Arc::new(LocalSenders::new()),
        }
    }
}

impl JobContext<NoMessenger> {
    /// For jobs that only need the database (tests of the purges).
    pub fn database_only(db: DatabaseConnection) -> Self {
        Self::new(
            db,
            Arc::new(NoMessenger),
            Arc::new(AudienceIndex::new()),
            DeliverySettings::default(),
        )
    }
}

/// A job being run: which one, its attempt, and whether it must stop (its lease was lost, or
/// the process is stopping). Long jobs look at it between steps.
#[derive(Clone, Debug)]
pub struct Running {
    pub job_id: i64,
    /// This attempt's number (from 1).
    pub attempts: i32,
    stop: watch::Receiver<bool>,
}

impl Running {
    /// A job run by the caller, which stops it by sending `true`.
    pub fn new(job_id: i64, attempts: i32) -> (Self, watch::Sender<bool>) {
        let (tx, stop) = watch::channel(false);
        (
            Self {
                job_id,
                attempts,
                stop,
            },
            tx,
        )
    }

    /// Told to stop.
    pub fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// Waits until told to stop (forever if nobody can tell it any more).
    pub async fn stopped(&self) {
        let mut stop = self.stop.clone();
        if stop.wait_for(|s| *s).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// After this attempt the job is given up if it asks for another.
    pub fn is_last_attempt(&self) -> bool {
        self.attempts >= lease::MAX_ATTEMPTS
    }
}

/// Does one job. The one dispatch of background work: each arm names the capability that owns
/// it. Returns a short summary for the log.
pub async fn run<S: MessengerSource>(
    ctx: &JobContext<S>,
    running: &Running,
    work: &Work,
) -> Result<String, Retry> {
    let db = &ctx.db;
    match work {
        Work::PurgeLogs { retention_days } => {
            let now = chrono::Utc::now();
            let cutoff = now - chrono::TimeDelta::days(i64::from(*retention_days));
            let chunk = crate::security::access_log::PURGE_CHUNK;
            // Each purge runs whatever the others did: one failing must not keep the rest.
            let requests = crate::security::access_log::purge_older_than(db, cutoff, chunk).await;
            let attempts =
                crate::security::login_history::purge_older_than(db, cutoff, chunk).await;
            let jobs = queue::purge_finished(db, now).await;
            let uploads = crate::audience::attribute_csv::purge_uploads(db, now).await;
            let (requests, attempts, jobs, uploads) = (requests?, attempts?, jobs?, uploads?);
            Ok(format!(
                "purged {requests} access log rows and {attempts} login history rows older than {retention_days} days, {jobs} finished jobs and {uploads} CSV uploads"
            ))
        }
        Work::PurgeSessions {
            idle_timeout_secs,
            absolute_lifetime_secs,
        } => {
            let policy = crate::staff::sessions::SessionPolicy {
                idle_timeout: Duration::from_secs(*idle_timeout_secs),
                absolute_lifetime: Duration::from_secs(*absolute_lifetime_secs),
            };
            let ended = crate::staff::sessions::purge_expired(db, policy).await?;
            Ok(format!("removed {ended} expired sessions"))
        }
        Work::Deliver {
            delivery_id,
            version,
            occurrence_at,
        } => engine::deliver(ctx, running, *delivery_id, *version, *occurrence_at).await,
        Work::FetchStatistics => {
            let now = chrono::Utc::now();
            let per_hour = ctx.delivery.insight_calls_per_hour;
            let s = crate::delivery::statistics::fetch_due(db, &*ctx.line, per_hour, now).await?;
            // Delivery statistics first: follower days take what budget is left.
            let days =
                crate::audience::follower_statistics::fetch_due(db, &*ctx.line, per_hour, now)
                    .await?;
            crate::delivery::statistics::purge_calls(db, now).await?;
            Ok(format!(
                "statistics: {} updated, {} failed, {} left for later; {days} follower days",
                s.updated, s.failed, s.deferred
            ))
        }
        Work::PublishMenu { line_menu_id } => {
            let source = &*ctx.line;
            crate::menus::publish::run_job(
                db,
                |channel| source.messenger(channel),
                *line_menu_id,
                crate::menus::publish::CALLS_PER_HOUR,
                Some(ctx.delivery.public_base.as_str()),
                chrono::Utc::now(),
            )
            .await
        }
        Work::CleanUpMenus => {
            let source = &*ctx.line;
            let deleted = crate::menus::publish::clean_up(
                db,
                |channel| source.messenger(channel),
                crate::menus::publish::CALLS_PER_HOUR,
                chrono::Utc::now(),
            )
            .await?;
            Ok(format!("deleted {deleted} rich menus no one sees at LINE"))
        }
        Work::ReconcileMenus { channel_id } => {
            let source = &*ctx.line;
            let now = chrono::Utc::now();
            let done = match channel_id {
                Some(channel_id) => {
                    let line = source.messenger(*channel_id).ok_or_else(|| {
                        Retry(format!("channel {channel_id} has no LINE client here"))
                    })?;
                    crate::menus::links::reconcile(db, &ctx.audience, &*line, *channel_id, now)
                        .await?
                }
                None => {
                    crate::menus::links::reconcile_all(
                        db,
                        &ctx.audience,
                        |channel| source.messenger(channel),
                        now,
                    )
                    .await?
                }
            };
            Ok(format!(
                "rich menus: {} friends linked, {} unlinked",
                done.linked, done.unlinked
            ))
        }
        Work::FetchMenuStatistics => {
            let now = chrono::Utc::now();
            let per_hour = ctx.delivery.insight_calls_per_hour;
            let s = crate::menus::statistics::fetch_due(db, &*ctx.line, per_hour, now).await?;
            Ok(format!(
                "rich menu statistics: {} updated, {} failed, {} left for later",
                s.updated, s.failed, s.deferred
            ))
        }
    }
}

/// How a job taken by [`execute`] ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ended {
    Done(String),
    /// Another attempt is planned (or, after the last, it was left failed).
    Retrying(String),
    /// Its lease was lost to another taker: nothing recorded.
    LeaseLost,
    /// The process is stopping: given back for the next taker.
    GivenBack,
    /// Its outcome could not be recorded (the lease runs out and it is taken again).
    Unrecorded(String),
}

/// Runs a job taken from the queue, renewing its lease every
/// [`DeliverySettings::renew_every`] while it runs, and records how it went. When the lease is
/// lost the job is told to stop and nothing is recorded (its new taker does that); when
/// `shutdown` turns `true` the job is told to stop and, unless it finished anyway, given back
/// at once.
pub async fn execute<S: MessengerSource>(
    ctx: &JobContext<S>,
    job: job::Model,
    mut shutdown: watch::Receiver<bool>,
) -> Ended {
    let db = &ctx.db;
    let work = match queue::work_of(&job) {
        Ok(work) => work,
        // A payload this version cannot read: trying again will not help; the note stays for
        // staff.
        Err(problem) => {
            tracing::error!(%problem, "job cannot be read");
            return match queue::finish(db, job.id, Some(&problem), chrono::Utc::now()).await {
                Ok(()) => Ended::Done(problem),
                Err(e) => Ended::Unrecorded(e.to_string()),
            };
        }
    };
    let (running, stop) = Running::new(job.id, job.attempts);
    let lease = ctx.delivery.lease;
    let every = ctx.delivery.renew_every;
    let mut renew = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut lost = false;
    let mut stopping = *shutdown.borrow();
    let mut watching = true;
    if stopping {
        let _ = stop.send(true);
    }
    let work_done = run(ctx, &running, &work);
    tokio::pin!(work_done);
    let result = loop {
        tokio::select! {
            result = &mut work_done => break result,
            _ = renew.tick(), if !lost => {
                match queue::renew(db, job.id, job.attempts, lease, chrono::Utc::now()).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(job = job.id, "job lease lost; stopping it");
                        lost = true;
                        let _ = stop.send(true);
                    }
                    Err(e) => tracing::warn!(job = job.id, error = %e, "cannot renew a job's lease"),
                }
            }
            changed = shutdown.changed(), if watching => {
                if changed.is_err() {
                    watching = false;
                } else if *shutdown.borrow() {
                    stopping = true;
                    let _ = stop.send(true);
                }
            }
        }
    };
    let now = chrono::Utc::now();
    if lost {
        return Ended::LeaseLost;
    }
    let recorded = match result {
        Ok(summary) => queue::finish(db, job.id, None, now)
            .await
            .map(|()| Ended::Done(summary)),
        Err(_) if stopping => queue::give_back(db, job.id, job.attempts)
            .await
            .map(|()| Ended::GivenBack),
        Err(Retry(reason)) => queue::retry_later(db, &job, &reason, now)
            .await
            .map(|()| Ended::Retrying(reason)),
    };
    recorded.unwrap_or_else(|e| Ended::Unrecorded(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_and_round_trips_through_its_payload() {
        let all = [
            Work::PurgeLogs {
                retention_days: 180,
            },
            Work::PurgeSessions {
                idle_timeout_secs: 1800,
                absolute_lifetime_secs: 43200,
            },
            Work::Deliver {
                delivery_id: 7,
                version: 3,
                occurrence_at: chrono::DateTime::default(),
            },
        ];
        for work in all {
            assert!(Work::KINDS.contains(&work.kind()));
            let json = serde_json::to_value(&work).unwrap_or_default();
            assert_eq!(json["kind"], work.kind());
            assert_eq!(serde_json::from_value::<Work>(json).ok(), Some(work));
        }
    }
}

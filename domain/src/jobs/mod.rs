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
//! The webhook inbox (`crate::webhook::inbox`) keeps its events in a table of its own, for the
//! speed of its hot path, but takes, finishes and retries them by the same [`lease`] rules. The
//! delivery engine, statistics fetching and rich menu publishing add their [`Work`] here.

pub mod lease;
pub mod queue;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{DatabaseConnection, DomainError};

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
}

impl Work {
    /// The name stored in the `kind` column (the payload's `kind` tag).
    pub fn kind(&self) -> &'static str {
        match self {
            Work::PurgeLogs { .. } => "purge_logs",
            Work::PurgeSessions { .. } => "purge_sessions",
        }
    }

    /// Every kind this version runs; jobs of other kinds (a newer version's) are left alone.
    pub const KINDS: [&'static str; 2] = ["purge_logs", "purge_sessions"];
}

/// Does one job. The one dispatch of background work: each arm names the capability that owns
/// it. Returns a short summary for the log.
pub async fn run(db: &DatabaseConnection, work: &Work) -> Result<String, Retry> {
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
    }
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
        ];
        for work in all {
            assert!(Work::KINDS.contains(&work.kind()));
            let json = serde_json::to_value(&work).unwrap_or_default();
            assert_eq!(json["kind"], work.kind());
            assert_eq!(serde_json::from_value::<Work>(json).ok(), Some(work));
        }
    }
}

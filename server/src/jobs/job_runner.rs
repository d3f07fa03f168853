//! Takes due jobs from the `job` table (`domain::jobs::queue`) and runs them through
//! `domain::jobs::run`, the one dispatch of background work. Every instance runs one; a job is
//! taken by one of them at a time.

use std::time::Duration;

use chrono::Utc;
use domain::entities::job;
use domain::jobs::{self, Retry, queue};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// How long a runner holds a job: longer than the slowest job (a purge of millions of rows in
/// chunks); a runner that dies gives its jobs back when this ends.
pub const LEASE: Duration = Duration::from_secs(15 * 60);
/// Jobs taken per round.
const TAKE: u64 = 4;
/// How often an idle runner looks for due jobs.
const POLL: Duration = Duration::from_secs(5);

/// Runs due jobs until `stop`; a job under way is finished first.
pub async fn run(db: domain::DatabaseConnection, stop: CancellationToken) {
    while !stop.is_cancelled() {
        let due = match queue::take_due(&db, TAKE, LEASE, Utc::now()).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the job queue");
                Vec::new()
            }
        };
        let idle = due.is_empty();
        for job in due {
            let span =
                tracing::info_span!("job", id = job.id, kind = %job.kind, attempt = job.attempts);
            execute(&db, job).instrument(span).await;
        }
        if idle {
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                () = stop.cancelled() => {}
            }
        }
    }
}

/// Runs one job and records how it went.
pub async fn execute(db: &domain::DatabaseConnection, job: job::Model) {
    let recorded = match queue::work_of(&job) {
        // A payload this version cannot read: trying again will not help; the note stays for
        // staff.
        Err(problem) => {
            tracing::error!(%problem, "job cannot be read");
            queue::finish(db, job.id, Some(&problem), Utc::now()).await
        }
        Ok(work) => match jobs::run(db, &work).await {
            Ok(summary) => {
                tracing::info!(%summary, "job done");
                queue::finish(db, job.id, None, Utc::now()).await
            }
            Err(Retry(reason)) => {
                tracing::warn!(%reason, "job will be retried");
                queue::retry_later(db, &job, &reason, Utc::now()).await
            }
        },
    };
    if let Err(e) = recorded {
        // The lease runs out and the job is taken again; jobs are idempotent.
        tracing::error!(error = %e, "cannot record the job's outcome");
    }
}

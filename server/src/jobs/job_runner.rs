//! Takes due jobs from the `job` table (`domain::jobs::queue`) and runs each in a task of its
//! own through `domain::jobs::execute` (the one dispatch of background work, with the job's
//! lease renewed while it runs). Every instance runs one; a job is taken by one of them at a
//! time, and a job of an instance that died is taken again when its short lease ends.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use domain::delivery::engine::MessengerSource;
use domain::entities::job;
use domain::jobs::{self, Ended, JobContext, queue};
use tokio::sync::{Semaphore, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

/// The default lease of a running job (`JOB_LEASE`): renewed every third of it while the job
/// runs, so it only matters when the process dies.
pub const LEASE: Duration = Duration::from_secs(30);
/// Jobs this instance runs at once (deliveries of one channel wait for each other inside).
const MAX_RUNNING: usize = 16;
/// How often an idle runner looks for due jobs (at once when this process enqueued one due
/// now: `jobs::wake`).
const POLL: Duration = Duration::from_secs(2);
/// How long jobs get to stop at shutdown (they are given back, or their lease runs out).
const STOP_WAIT: Duration = Duration::from_secs(5);

/// Runs due jobs until `stop`; jobs under way are then told to stop and given back.
pub async fn run<S: MessengerSource>(ctx: JobContext<S>, stop: CancellationToken) {
    let slots = Arc::new(Semaphore::new(MAX_RUNNING));
    let tasks = TaskTracker::new();
    let (shutdown, stopping) = watch::channel(false);
    while !stop.is_cancelled() {
        let free = slots.available_permits();
        let due = if free == 0 {
            Vec::new()
        } else {
            let limit = u64::try_from(free).unwrap_or(1);
            match queue::take_due(&ctx.db, limit, ctx.delivery.lease, Utc::now()).await {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the job queue");
                    Vec::new()
                }
            }
        };
        let idle = due.is_empty();
        for job in due {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                break;
            };
            let span =
                tracing::info_span!("job", id = job.id, kind = %job.kind, attempt = job.attempts);
            let (ctx, stopping) = (ctx.clone(), stopping.clone());
            tasks.spawn(
                async move {
                    report(jobs::execute(&ctx, job, stopping).await);
                    drop(permit);
                }
                .instrument(span),
            );
        }
        if idle {
            tokio::select! {
                () = tokio::time::sleep(POLL) => {}
                () = jobs::woken() => {}
                () = stop.cancelled() => {}
            }
        }
    }
    let _ = shutdown.send(true);
    tasks.close();
    if tokio::time::timeout(STOP_WAIT, tasks.wait()).await.is_err() {
        tracing::warn!(
            jobs = tasks.len(),
            "jobs still running at shutdown are left to their leases"
        );
    }
}

fn report(ended: Ended) {
    match ended {
        Ended::Done(summary) => tracing::info!(%summary, "job done"),
        Ended::Retrying(reason) => tracing::warn!(%reason, "job will be retried"),
        Ended::LeaseLost => tracing::warn!("job lease lost to another taker"),
        Ended::GivenBack => tracing::info!("job given back at shutdown"),
        // The lease runs out and the job is taken again; jobs are idempotent.
        Ended::Unrecorded(error) => tracing::error!(%error, "cannot record the job's outcome"),
    }
}

/// Runs one taken job to its end and records how it went (for tests: nothing stops it).
pub async fn execute<S: MessengerSource>(ctx: &JobContext<S>, job: job::Model) -> Ended {
    let (_keep, never) = watch::channel(false);
    let ended = jobs::execute(ctx, job, never).await;
    report(ended.clone());
    ended
}

//! Background work of the server process, started by [`spawn_all`] and stopped by
//! [`Background::shutdown`]: one tracker and one cancellation for every task.
//!
//! | task | what | where its work is kept |
//! |---|---|---|
//! | [`webhook_workers`] | act on stored webhook events | the webhook inbox (leases) |
//! | [`job_runner`] | run due jobs (purges, deliveries, statistics), each in a task | the `job` table (short leases, renewed) |
//! | [`schedule`] | enqueue periodic jobs once per period, across instances | the `job` table (unique keys) |
//! | allowlist refresh | re-read the admin IP allowlist other instances changed | this process's memory |
//! | access log writer (`crate::middleware::access_log`) | store request records in batches | this process's queue, flushed at shutdown |
//! | webhook intake writers (`crate::handlers::webhook`) | group-commit webhook events | requests waiting for their commit |
//!
//! A task cut off at shutdown loses nothing: leased work is taken again when its lease ends,
//! and the tasks that hold something in memory (the access log writer, the workers' record of
//! finished events) finish it before they end.

pub mod job_runner;
pub mod schedule;
pub mod webhook_workers;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;

/// Every background task of this process.
#[derive(Clone, Default)]
pub struct Background {
    tracker: TaskTracker,
    stop: CancellationToken,
}

impl Background {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `task` until it ends or the process stops, whichever is first: for work that may be
    /// cut off anywhere (it is leased or idempotent).
    pub fn spawn_until_stopped(&self, task: impl Future<Output = ()> + Send + 'static) {
        let stop = self.stop.clone();
        self.tracker.spawn(async move {
            tokio::select! {
                () = task => {}
                () = stop.cancelled() => {}
            }
        });
    }

    /// Runs `task`, which watches `stopping` and ends by itself once it has finished what it
    /// holds (a queue to flush, a record to write).
    pub fn spawn_graceful<F: Future<Output = ()> + Send + 'static>(
        &self,
        task: impl FnOnce(CancellationToken) -> F,
    ) {
        self.tracker.spawn(task(self.stop.clone()));
    }

    /// Stops every task and waits for them, at most `wait`.
    pub async fn shutdown(&self, wait: Duration) {
        self.stop.cancel();
        self.tracker.close();
        if tokio::time::timeout(wait, self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                tasks = self.tracker.len(),
                "background tasks still running at shutdown were cut off"
            );
        }
    }
}

/// How often the allowlist is read again, for changes made by other instances or the CLI.
const ALLOWLIST_REFRESH: Duration = Duration::from_secs(5);

/// Starts the tasks that are not part of a request path: the job runner (with the delivery
/// engine's context: each channel's client from `platform`, its audience index, the settings),
/// the periodic schedule and the allowlist refresh. (The webhook workers, the intake and the
/// access log writer start with the pieces they serve, on the same [`Background`].)
pub fn spawn_all(
    background: &Background,
    config: &Config,
    db: domain::DatabaseConnection,
    allowlist: domain::security::allowlist::LiveAllowList,
    platform: Arc<crate::line_platform::LinePlatform>,
    public_base: String,
) {
    let periodic = Arc::new(schedule::periodic(config));
    background.spawn_until_stopped(schedule::run(db.clone(), periodic));
    let ctx = domain::jobs::JobContext::new(
        db.clone(),
        platform.clone(),
        platform.audience_index.clone(),
        domain::delivery::engine::DeliverySettings {
            public_base,
            ..config.delivery_settings()
        },
    );
    background.spawn_graceful(|stop| job_runner::run(ctx, stop));
    background.spawn_until_stopped(follow_allowlist(db, allowlist));
}

async fn follow_allowlist(
    db: domain::DatabaseConnection,
    allowlist: domain::security::allowlist::LiveAllowList,
) {
    let mut tick = tokio::time::interval(ALLOWLIST_REFRESH);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // On failure the last list stays in force.
        if let Err(e) = allowlist.reload(&db).await {
            tracing::warn!(error = %e, "could not reload the admin IP allowlist");
        }
    }
}

//! The access log's HTTP side: a layer that hands one record per request to a bounded queue
//! (never waiting for the database), a background writer that stores the queue in batches, and
//! the daily purge of rows past `ACCESS_LOG_RETENTION_DAYS`.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use chrono::Utc;
use domain::security::access_log::Record;
use tokio::sync::{Mutex, Notify, mpsc, oneshot};

use crate::AppState;

/// Records waiting for the writer; beyond it, records are dropped (and counted) rather than
/// slowing requests down.
const QUEUE_CAPACITY: usize = 20_000;
/// The writer stores what has queued at least this often...
const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// ...or as soon as this many records wait.
const BATCH: usize = domain::security::access_log::INSERT_ROWS;
/// When the purge runs: daily at 18:30 UTC, 03:30 in Japan, when the admin panel is quiet.
pub const PURGE_SCHEDULE: &str = "0 30 18 * * *";

/// The staff member the access middleware signed in for this request, carried out on the
/// response for the log.
#[derive(Clone, Copy, Debug)]
pub struct SignedInStaff(pub i64);

/// The sending side, shared by every request.
#[derive(Clone)]
pub struct AccessLog {
    sender: mpsc::Sender<Record>,
    /// Records sent and not yet taken by the writer; crossing [`BATCH`] wakes the writer. The
    /// writer never waits on the queue itself, so a request never wakes a task (that wake-up per
    /// request cost a third of `/healthz`'s throughput).
    queued: Arc<AtomicUsize>,
    batch_ready: Arc<Notify>,
    dropped: Arc<AtomicU64>,
    writer: Arc<Mutex<Option<Writer>>>,
}

struct Writer {
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl AccessLog {
    /// Starts the background writer on `db`.
    pub fn start(db: domain::DatabaseConnection) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let queued = Arc::new(AtomicUsize::new(0));
        let batch_ready = Arc::new(Notify::new());
        let dropped = Arc::new(AtomicU64::new(0));
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(write_batches(
            db,
            Queue {
                receiver,
                queued: queued.clone(),
                batch_ready: batch_ready.clone(),
                dropped: dropped.clone(),
            },
            stopped,
        ));
        Self {
            sender,
            queued,
            batch_ready,
            dropped,
            writer: Arc::new(Mutex::new(Some(Writer { stop, task }))),
        }
    }

    fn send(&self, record: Record) {
        if self.sender.try_send(record).is_ok() {
            if self.queued.fetch_add(1, Ordering::Relaxed) + 1 == BATCH {
                self.batch_ready.notify_one();
            }
        } else {
            // The writer reports the count; nothing is logged on the request path.
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Stores what is queued and stops the writer (at shutdown, after the last request).
    pub async fn flush_and_stop(&self) {
        let Some(writer) = self.writer.lock().await.take() else {
            return;
        };
        let _ = writer.stop.send(());
        if tokio::time::timeout(Duration::from_secs(10), writer.task)
            .await
            .is_err()
        {
            tracing::warn!("the access log writer did not finish within 10 s");
        }
    }
}

/// The layer: times the request and queues its record once the response head is ready (the
/// latency excludes streaming the body).
pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(log) = state.access_log.as_ref() else {
        return next.run(req).await;
    };
    let started = Instant::now();
    let at = Utc::now();
    let method = req.method().as_str().to_owned();
    // The path only: query strings may carry tokens or personal data.
    let path = req.uri().path().to_owned();
    let client_addr = app::ssr::http::ClientAddr::of(req.extensions());
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let response = next.run(req).await;
    log.send(Record {
        at,
        method,
        path,
        status: response.status().as_u16(),
        latency_us: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        client_addr,
        staff_id: response.extensions().get::<SignedInStaff>().map(|s| s.0),
        request_id,
    });
    response
}

/// The writer's side of the queue.
struct Queue {
    receiver: mpsc::Receiver<Record>,
    queued: Arc<AtomicUsize>,
    batch_ready: Arc<Notify>,
    dropped: Arc<AtomicU64>,
}

/// Every [`FLUSH_EVERY`], or when [`BATCH`] records wait, stores everything queued in
/// statements of [`BATCH`] rows; at `stop` (or when every sender is gone) stores the rest and
/// ends.
async fn write_batches(
    db: domain::DatabaseConnection,
    mut queue: Queue,
    mut stop: oneshot::Receiver<()>,
) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut batch = Vec::with_capacity(BATCH);
    let mut last = false;
    while !last {
        tokio::select! {
            _ = tick.tick() => {}
            () = queue.batch_ready.notified() => {}
            _ = &mut stop => last = true,
        }
        loop {
            while batch.len() < BATCH {
                match queue.receiver.try_recv() {
                    Ok(record) => batch.push(record),
                    Err(mpsc::error::TryRecvError::Empty) => break,
                    Err(mpsc::error::TryRecvError::Disconnected) => {
                        last = true;
                        break;
                    }
                }
            }
            queue.queued.fetch_sub(batch.len(), Ordering::Relaxed);
            let full = batch.len() == BATCH;
            if !batch.is_empty() {
                if let Err(e) = domain::security::access_log::insert(&db, &batch).await {
                    tracing::warn!(error = %e, records = batch.len(), "could not store access log records");
                }
                batch.clear();
            }
            if !full {
                break;
            }
        }
        let lost = queue.dropped.swap(0, Ordering::Relaxed);
        if lost > 0 {
            tracing::warn!(records = lost, "access log queue full: records dropped");
        }
    }
}

/// Deletes access log rows older than `retention_days`, daily at [`PURGE_SCHEDULE`]. Every
/// instance runs it; the chunked deletes make that harmless.
pub async fn purge_daily(db: domain::DatabaseConnection, retention_days: u32) {
    let schedule = match cron::Schedule::from_str(PURGE_SCHEDULE) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "invalid access log purge schedule");
            return;
        }
    };
    while let Some(next) = schedule.upcoming(Utc).next() {
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::time::sleep(wait).await;
        let cutoff = Utc::now() - chrono::TimeDelta::days(i64::from(retention_days));
        match domain::security::access_log::purge_older_than(&db, cutoff, domain::security::access_log::PURGE_CHUNK)
            .await
        {
            Ok(n) => tracing::info!(rows = n, retention_days, "access log purged"),
            Err(e) => tracing::warn!(error = %e, "could not purge the access log"),
        }
        // The login history is kept as long. (The audit log is never purged: its hash chain
        // is the proof that nothing was removed.)
        match domain::security::login_history::purge_older_than(&db, cutoff, domain::security::access_log::PURGE_CHUNK)
            .await
        {
            Ok(n) => tracing::info!(rows = n, retention_days, "login history purged"),
            Err(e) => tracing::warn!(error = %e, "could not purge the login history"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_schedule_is_daily() {
        let schedule = cron::Schedule::from_str(PURGE_SCHEDULE).expect("valid schedule");
        let times: Vec<_> = schedule.upcoming(Utc).take(2).collect();
        assert_eq!(times[1] - times[0], chrono::TimeDelta::days(1));
        assert_eq!(times[0].format("%H:%M:%S").to_string(), "18:30:00");
    }
}

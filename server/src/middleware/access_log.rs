//! The access log's HTTP side: a layer that hands one record per request to a bounded queue
//! (never waiting for the database), and a background writer that stores the queue in batches
//! and flushes it at shutdown. (The daily purge of rows past `ACCESS_LOG_RETENTION_DAYS` is a
//! job: `domain::jobs::Work::PurgeLogs`.)

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use chrono::Utc;
use domain::security::access_log::Record;
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::jobs::Background;

/// Records waiting for the writer; beyond it, records are dropped (and counted) rather than
/// slowing requests down.
const QUEUE_CAPACITY: usize = 20_000;
/// The writer stores what has queued at least this often...
const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// ...or as soon as this many records wait.
const BATCH: usize = domain::security::access_log::INSERT_ROWS;

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
}

impl AccessLog {
    /// Starts the background writer on `db`; at shutdown it stores what is queued, then ends.
    pub fn start(db: domain::DatabaseConnection, background: &Background) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let queued = Arc::new(AtomicUsize::new(0));
        let batch_ready = Arc::new(Notify::new());
        let dropped = Arc::new(AtomicU64::new(0));
        let queue = Queue {
            receiver,
            queued: queued.clone(),
            batch_ready: batch_ready.clone(),
            dropped: dropped.clone(),
        };
        background.spawn_graceful(|stop| write_batches(db, queue, stop));
        Self {
            sender,
            queued,
            batch_ready,
            dropped,
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
/// statements of [`BATCH`] rows; at `stop` (after the last request: the HTTP server stops
/// first) or when every sender is gone, stores the rest and ends.
async fn write_batches(db: domain::DatabaseConnection, mut queue: Queue, stop: CancellationToken) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut batch = Vec::with_capacity(BATCH);
    let mut last = false;
    while !last {
        tokio::select! {
            _ = tick.tick() => {}
            () = queue.batch_ready.notified() => {}
            () = stop.cancelled() => last = true,
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

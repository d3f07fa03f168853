//! Background workers that act on stored webhook events (`domain::webhook::dispatch`), with retries and
//! backoff. They never hold up the webhook's answer, and several processes can run them on one
//! PostgreSQL database (each event is taken by one worker at a time, see `domain::webhook::inbox`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::entities::webhook_event;
use domain::jobs::Retry;
use domain::webhook::dispatch::EventContext;
use tokio::sync::mpsc::{self, PermitIterator};
use tokio::sync::{Mutex, Notify};
use tracing::Instrument;

use crate::jobs::Background;
use crate::line_platform::LinePlatform;

/// How long a worker holds an event (a crashed worker's events are taken again after it): longer
/// than the slowest processing, two LINE calls each retried up to five times with the timeout.
pub fn lease_for(api_timeout: Duration) -> Duration {
    api_timeout * 10 + Duration::from_secs(5)
}
/// Events taken per round.
const TAKE: usize = 64;
/// Longest time between looks at the database (retries that became due, events of a crashed
/// process or stored while the hand-off queue was full), even while the hand-off keeps workers
/// busy; also the longest sleep when idle.
const DATABASE_POLL: Duration = Duration::from_secs(2);
/// Events stored and waiting in memory for a worker; beyond it, the intake stores events free
/// and the workers read them from the database.
const HANDOFF_CAPACITY: usize = 1024;
/// Most worker rounds whose events are marked done in one statement.
const FINISHED_BATCH: usize = 256;
/// How long finished events wait to be marked done together.
const FINISH_EVERY: Duration = Duration::from_millis(20);

/// The in-memory queue from the webhook intake to the workers of this process. Events in it are
/// already stored as taken by this process (see `domain::webhook::inbox::store`); the database stays the
/// record, so nothing is lost if the process dies with events in the queue.
#[derive(Clone)]
pub struct Handoff {
    sender: mpsc::Sender<webhook_event::Model>,
    receiver: Arc<Mutex<mpsc::Receiver<webhook_event::Model>>>,
    /// The lease events are stored with.
    pub lease: Duration,
}

/// Room reserved in the hand-off queue before storing, so every event stored as taken reaches a
/// worker.
pub struct Room<'a>(PermitIterator<'a, webhook_event::Model>);

impl Room<'_> {
    /// Hands the events that were new over to the workers (fewer than reserved: duplicates).
    pub fn hand_over(self, events: Vec<webhook_event::Model>) {
        for (permit, event) in self.0.zip(events) {
            permit.send(event);
        }
    }
}

impl Handoff {
    pub fn new(lease: Duration) -> Self {
        let (sender, receiver) = mpsc::channel(HANDOFF_CAPACITY);
        Self {
            sender,
            receiver: Arc::new(Mutex::new(receiver)),
            lease,
        }
    }

    /// Room for `events`, or `None` if the queue is too full.
    pub fn reserve(&self, events: usize) -> Option<Room<'_>> {
        self.sender.try_reserve_many(events).ok().map(Room)
    }

    /// What is waiting now, without waiting.
    fn try_take(&self, limit: usize) -> Vec<webhook_event::Model> {
        let mut events = Vec::new();
        if let Ok(mut receiver) = self.receiver.try_lock() {
            while events.len() < limit {
                match receiver.try_recv() {
                    Ok(event) => events.push(event),
                    Err(_) => break,
                }
            }
        }
        events
    }

    /// Waits for at least one event.
    async fn take(&self, limit: usize) -> Vec<webhook_event::Model> {
        let mut events = Vec::with_capacity(limit);
        self.receiver
            .lock()
            .await
            .recv_many(&mut events, limit)
            .await;
        events
    }
}

pub struct Workers {
    pub count: usize,
    /// Reads and finishes inbox rows: `domain::db::hot_writer`, shared with the intake.
    pub inbox_db: domain::DatabaseConnection,
    /// Everything the handlers do.
    pub db: domain::DatabaseConnection,
    pub platform: Arc<LinePlatform>,
    pub handoff: Handoff,
    /// Woken when events were stored without being handed over.
    pub stored: Arc<Notify>,
}

/// Starts the workers and the task that records what they finished. At shutdown the workers
/// stop where they are (an event cut off mid-way is taken again when its lease ends); the
/// recorder then writes down what they had finished, so it is not done twice, and ends.
pub fn start(config: Workers, background: &Background) {
    let (finished, finished_rx) = mpsc::channel(config.count * 2);
    let inbox_db = config.inbox_db.clone();
    // Ends by itself once the last worker is gone and its queue is written.
    background.spawn_graceful(|_| record_finished(inbox_db, finished_rx));
    let workers = Arc::new(Running { config, finished });
    for _ in 0..workers.config.count {
        background.spawn_until_stopped(run(workers.clone()));
    }
}

struct Running {
    config: Workers,
    /// Ids of events that finished cleanly, for [`record_finished`].
    finished: mpsc::Sender<Vec<i64>>,
}

impl std::ops::Deref for Running {
    type Target = Workers;
    fn deref(&self) -> &Workers {
        &self.config
    }
}

async fn run(w: Arc<Running>) {
    let mut last_poll: Option<Instant> = None;
    loop {
        // Registered before looking, so a commit between the look and the wait still wakes us.
        let stored = w.stored.notified();
        let mut events = w.handoff.try_take(TAKE);
        if events.is_empty() || last_poll.is_none_or(|at| at.elapsed() >= DATABASE_POLL) {
            last_poll = Some(Instant::now());
            match domain::webhook::inbox::take_due(
                &w.inbox_db,
                TAKE as u64,
                w.handoff.lease,
                chrono::Utc::now(),
            )
            .await
            {
                Ok(due) => events.extend(due),
                Err(e) => tracing::warn!(error = %e, "cannot read the webhook inbox"),
            }
        }
        if events.is_empty() {
            tokio::select! {
                handed = w.handoff.take(TAKE) => events = handed,
                _ = tokio::time::timeout(DATABASE_POLL, stored) => continue,
            }
        }
        // An event that waited in memory for most of its lease is left to run out: another
        // worker (or instance) takes it from the database then, with a full lease.
        let now = chrono::Utc::now();
        events.retain(|e| domain::webhook::inbox::lease_left(e, now) > w.handoff.lease / 2);

        let mut done = Vec::with_capacity(events.len());
        for event in events {
            let span = tracing::info_span!(
                "webhook_event",
                id = event.id,
                event_type = %event.event_type,
                attempt = event.attempts
            );
            if let Some(id) = handle(&w, event).instrument(span).await {
                done.push(id);
            }
        }
        if !done.is_empty() && w.finished.send(done).await.is_err() {
            return; // shutting down
        }
    }
}

/// Marks finished events done, for all workers together: whatever finished while the previous
/// statement ran goes into the next one, so a busy inbox costs one statement per round instead
/// of one per worker round.
async fn record_finished(
    inbox_db: domain::DatabaseConnection,
    mut finished: mpsc::Receiver<Vec<i64>>,
) {
    let mut batches = Vec::new();
    while finished.recv_many(&mut batches, FINISHED_BATCH).await > 0 {
        // A short wait gathers more: under load, one statement per FINISH_EVERY instead of one
        // per worker round (each is a commit the intake's commits wait behind).
        tokio::time::sleep(FINISH_EVERY).await;
        while batches.len() < FINISHED_BATCH
            && let Ok(more) = finished.try_recv()
        {
            batches.push(more);
        }
        let ids: Vec<i64> = batches.drain(..).flatten().collect();
        if let Err(e) = domain::webhook::inbox::complete_all(&inbox_db, &ids).await {
            // Their leases run out and they are taken again; their steps are idempotent.
            tracing::error!(error = %e, "cannot record finished webhook events");
        }
    }
}

/// Acts on one event. Returns its id when it finished cleanly, for the caller to mark done with
/// the others; anything else (a retry, a note for staff) is recorded here.
async fn handle(w: &Workers, event: webhook_event::Model) -> Option<i64> {
    let inbox_db = &w.inbox_db;
    let Some(handle) = w.platform.by_id(event.channel_id) else {
        let _ = domain::webhook::inbox::retry_later(
            inbox_db,
            event.id,
            event.attempts,
            "channel not loaded",
        )
        .await;
        return None;
    };
    let ctx = EventContext {
        db: &w.db,
        channel: &handle.channel,
        line: &handle.client,
    };
    let stored = match domain::webhook::dispatch::process(&ctx, &event).await {
        Ok(outcome) => match &outcome.note {
            None => return Some(event.id),
            Some(note) => {
                tracing::warn!(note = %note, "webhook event finished with a problem");
                domain::webhook::inbox::complete(inbox_db, event.id, Some(note)).await
            }
        },
        Err(Retry(reason)) => {
            tracing::warn!(reason = %reason, "webhook event will be retried");
            domain::webhook::inbox::retry_later(inbox_db, event.id, event.attempts, &reason).await
        }
    };
    if let Err(e) = stored {
        // The lease runs out and the event is taken again; its steps are idempotent.
        tracing::error!(error = %e, "cannot record the webhook event's outcome");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(id: i64) -> webhook_event::Model {
        let now = chrono_now();
        webhook_event::Model {
            id,
            channel_id: 1,
            webhook_event_id: format!("01J{id:023}"),
            event_type: "message".into(),
            line_user_id: None,
            occurred_at: now,
            received_at: now,
            is_redelivery: false,
            payload: "{}".into(),
            status: model::status::WorkStatus::Pending,
            attempts: 1,
            next_attempt_at: now,
            locked_until: Some(now),
            progress: None,
            last_error: None,
            processed_at: None,
        }
    }

    fn chrono_now() -> domain::DateTime {
        domain::DateTime::from(std::time::SystemTime::now())
    }

    #[tokio::test]
    async fn the_handoff_refuses_what_it_cannot_hold_and_returns_unused_room() {
        let handoff = Handoff::new(Duration::from_secs(60));
        assert!(handoff.reserve(HANDOFF_CAPACITY + 1).is_none());
        // Room for 3, two of them new: the third permit goes back to the queue.
        let room = handoff.reserve(3).expect("room");
        room.hand_over(vec![stored(1), stored(2)]);
        assert!(handoff.reserve(HANDOFF_CAPACITY - 2).is_some());
        assert!(handoff.reserve(HANDOFF_CAPACITY - 1).is_none());
        let taken: Vec<i64> = handoff.take(10).await.iter().map(|e| e.id).collect();
        assert_eq!(taken, [1, 2]);
        assert!(handoff.try_take(10).is_empty());
        assert!(handoff.reserve(HANDOFF_CAPACITY).is_some());
    }
}

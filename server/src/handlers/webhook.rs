//! `POST /webhook/line/{channel_key}`: LINE's webhook deliveries.
//!
//! Order of work: find the channel, check `x-line-signature` over the raw bytes (nothing is
//! parsed or stored before), parse, store every event durably, answer 200. Acting on the events
//! happens afterwards in the workers (`crate::jobs::webhook_workers`), so LINE's 2-second budget is never at
//! the mercy of LINE's own API or our handlers.
//!
//! Storing goes through [`Intake`]: one task gathers the events of concurrent requests and
//! writes them in one statement, so a burst costs one commit instead of one per request, and
//! each request is answered only after the commit that holds its events. The new events are
//! stored already taken by this process and handed to its workers in memory
//! ([`crate::jobs::webhook_workers::Handoff`]), so the workers need not read them back.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::webhook::inbox::NewEvent;
use tokio::sync::{Notify, mpsc, oneshot};

use crate::AppState;
use crate::jobs::Background;
use crate::jobs::webhook_workers::Handoff;

/// Requests waiting for the writer; beyond this, callers wait for room (backpressure).
const QUEUE: usize = 4096;
/// Most requests written in one transaction.
const BATCH: usize = 512;

type Ack = oneshot::Sender<Result<(), String>>;
/// The writers' shared end of the queue: whichever writer is free takes the next batch.
type SharedQueue = Arc<tokio::sync::Mutex<mpsc::Receiver<(Vec<NewEvent>, Ack)>>>;

/// The group-commit writer of the webhook inbox.
#[derive(Clone)]
pub struct Intake {
    queue: mpsc::Sender<(Vec<NewEvent>, Ack)>,
    /// Woken after each commit, so idle workers start at once.
    pub stored: Arc<Notify>,
}

impl Intake {
    /// `writers` batches may be in flight at once: 1 for SQLite (one writer at a time anyway),
    /// a few for PostgreSQL so that one commit's flush does not hold up the next batch. `db`
    /// should be [`domain::db::hot_writer`].
    pub fn start(
        db: &domain::DatabaseConnection,
        writers: usize,
        handoff: &Handoff,
        background: &Background,
    ) -> Self {
        let (queue, rx) = mpsc::channel::<(Vec<NewEvent>, Ack)>(QUEUE);
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        let stored = Arc::new(Notify::new());
        for _ in 0..writers.max(1) {
            // At shutdown the HTTP server has stopped first: nobody waits for a commit any more.
            background.spawn_until_stopped(write_batches(
                db.clone(),
                rx.clone(),
                stored.clone(),
                handoff.clone(),
            ));
        }
        Self { queue, stored }
    }

    /// Returns once the events are committed.
    pub async fn store(&self, events: Vec<NewEvent>) -> Result<(), String> {
        let (ack, done) = oneshot::channel();
        self.queue
            .send((events, ack))
            .await
            .map_err(|_| "the inbox writer has stopped".to_owned())?;
        done.await
            .map_err(|_| "the inbox writer has stopped".to_owned())?
    }
}

/// Takes whatever requests are waiting (up to [`BATCH`]), stores their events in one
/// statement, answers each request, then hands the new events to the workers.
async fn write_batches(
    db: domain::DatabaseConnection,
    rx: SharedQueue,
    stored: Arc<Notify>,
    handoff: Handoff,
) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let received = rx.lock().await.recv_many(&mut batch, BATCH).await;
        if received == 0 {
            return;
        }
        let (events, acks): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
        let events: Vec<NewEvent> = events.into_iter().flatten().collect();
        // Room in the workers' queue is reserved before storing, so every event stored as taken
        // reaches a worker; without room, the events are stored free and the workers find them.
        let room = handoff.reserve(events.len());
        let lease = room.as_ref().map(|_| handoff.lease);
        let result = domain::webhook::inbox::store(&db, events, lease, chrono::Utc::now()).await;
        let answer = result.as_ref().map(|_| ()).map_err(|e| e.to_string());
        for ack in acks {
            let _ = ack.send(answer.clone());
        }
        match (result, room) {
            (Ok(new), Some(room)) => room.hand_over(new),
            (Ok(new), None) if !new.is_empty() => stored.notify_waiters(),
            _ => {}
        }
    }
}

/// LINE-style JSON error body; LINE's console shows it when "Verify" fails.
fn refuse(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::json!({ "message": message }).to_string(),
    )
        .into_response()
}

pub async fn receive(
    State(state): State<AppState>,
    Path(channel_key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(handle) = state.platform.channel(&channel_key) else {
        return refuse(StatusCode::NOT_FOUND, "unknown channel");
    };
    let Some(signature) = headers
        .get(line::signature::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
    else {
        return refuse(StatusCode::UNAUTHORIZED, "missing x-line-signature");
    };
    if !line::signature::verify(&handle.channel.channel_secret, &body, signature) {
        tracing::warn!(channel = %channel_key, "webhook with a wrong signature refused");
        return refuse(StatusCode::UNAUTHORIZED, "invalid signature");
    }
    let parsed = match line::webhook::parse(&body) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(channel = %channel_key, error = %e, "signed webhook body is malformed");
            return refuse(StatusCode::BAD_REQUEST, &format!("malformed body: {e}"));
        }
    };
    if parsed.events.is_empty() {
        // LINE's "Verify" button.
        return StatusCode::OK.into_response();
    }
    let events = parsed
        .events
        .iter()
        .map(|e| NewEvent::from_event(handle.channel.id, e))
        .collect();
    match state.intake.store(events).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => {
            // Not stored: say so, and LINE (with redelivery on) sends it again.
            tracing::error!(channel = %channel_key, error = %e, "webhook events could not be stored");
            refuse(StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable")
        }
    }
}

//! Background workers that act on stored webhook events (`domain::events`), with retries and
//! backoff. They never hold up the webhook's answer, and several processes can run them on one
//! PostgreSQL database (each event is taken by one worker at a time, see `domain::inbox`).

use std::sync::Arc;
use std::time::Duration;

use domain::events::{EventContext, EventError};
use tokio::sync::Notify;
use tracing::Instrument;

use crate::platform::LinePlatform;

/// How long a worker holds an event (a crashed worker's events are taken again after it): longer
/// than the slowest processing, two LINE calls each retried up to five times with the timeout.
pub fn lease_for(api_timeout: Duration) -> Duration {
    api_timeout * 10 + Duration::from_secs(5)
}
/// Events taken per round.
const TAKE: u64 = 64;
/// Longest sleep when idle (events of another instance, or retries, become due meanwhile).
const IDLE_POLL: Duration = Duration::from_secs(2);

pub fn start(
    count: usize,
    lease: Duration,
    db: domain::DatabaseConnection,
    platform: Arc<LinePlatform>,
    wake: Arc<Notify>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..count)
        .map(|_| tokio::spawn(run(db.clone(), platform.clone(), wake.clone(), lease)))
        .collect()
}

async fn run(
    db: domain::DatabaseConnection,
    platform: Arc<LinePlatform>,
    wake: Arc<Notify>,
    lease: Duration,
) {
    loop {
        // Registered before looking, so a commit between the look and the wait still wakes us.
        let woken = wake.notified();
        let worked = match domain::inbox::take_due(&db, TAKE, lease).await {
            Ok(events) => {
                let any = !events.is_empty();
                let mut done = Vec::with_capacity(events.len());
                for event in events {
                    let span = tracing::info_span!(
                        "webhook_event",
                        id = event.id,
                        event_type = %event.event_type,
                        attempt = event.attempts
                    );
                    if let Some(id) = handle(&db, &platform, event).instrument(span).await {
                        done.push(id);
                    }
                }
                // One statement for every event that finished without a note.
                if let Err(e) = domain::inbox::complete_all(&db, &done).await {
                    // Their leases run out and they are taken again; their steps are idempotent.
                    tracing::error!(error = %e, "cannot record finished webhook events");
                }
                any
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the webhook inbox");
                false
            }
        };
        if !worked {
            let _ = tokio::time::timeout(IDLE_POLL, woken).await;
        }
    }
}

/// Acts on one event. Returns its id when it finished cleanly, for the caller to mark done with
/// the others; anything else (a retry, a note for staff) is recorded here.
async fn handle(
    db: &domain::DatabaseConnection,
    platform: &LinePlatform,
    event: domain::entities::webhook_event::Model,
) -> Option<i64> {
    let Some(handle) = platform.by_id(event.channel_id) else {
        let _ =
            domain::inbox::retry_later(db, event.id, event.attempts, "channel not loaded").await;
        return None;
    };
    let ctx = EventContext {
        db,
        channel: &handle.channel,
        client: &handle.client,
    };
    let stored = match domain::events::process(&ctx, &event).await {
        Ok(outcome) => match &outcome.note {
            None => return Some(event.id),
            Some(note) => {
                tracing::warn!(note = %note, "webhook event finished with a problem");
                domain::inbox::complete(db, event.id, Some(note)).await
            }
        },
        Err(EventError::Retry(reason)) => {
            tracing::warn!(reason = %reason, "webhook event will be retried");
            domain::inbox::retry_later(db, event.id, event.attempts, &reason).await
        }
    };
    if let Err(e) = stored {
        // The lease runs out and the event is taken again; its steps are idempotent.
        tracing::error!(error = %e, "cannot record the webhook event's outcome");
    }
    None
}

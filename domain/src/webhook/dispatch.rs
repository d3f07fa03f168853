//! Acting on one stored webhook event: follow and unfollow keep the friend registry, and every
//! other event goes to [`dispatch`], where later features (chatbot, surveys, keyword replies)
//! plug in.
//!
//! Exactly once: an event is in the inbox once (unique id); every step here is either
//! idempotent (registering a follow at its time, storing a profile) or recorded in the event's
//! `progress` before the next step and guarded by LINE itself (a reply token works once), so a
//! retry after a crash at any point neither loses nor repeats an effect.

use chrono::{DateTime, Utc};
use line::client::ClientError;
use line::webhook::{Event, EventKind};
use sea_orm::DatabaseConnection;

use crate::audience::friends;
use crate::delivery::messenger::Messenger;
use crate::entities::webhook_event;
use crate::jobs::Retry;
use crate::platform::channels::{self, Channel};
use crate::webhook::inbox;

/// Steps of a follow event, in order.
const REGISTERED: &str = "registered";
const GREETED: &str = "greeted";

/// What the worker should record when an event is finished.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// A problem staff should know of that retrying cannot fix (e.g. an expired reply token).
    pub note: Option<String>,
}

/// What acting on an event needs: the database, the event's channel, and LINE (through the
/// [`Messenger`] port: the channel's client, or a scripted LINE in tests).
pub struct EventContext<'a, M: Messenger> {
    pub db: &'a DatabaseConnection,
    pub channel: &'a Channel,
    pub line: &'a M,
}

/// Acts on a stored event: the one `match` on an event's kind, naming the capability that owns
/// it. `Err(Retry)` leaves it for another attempt; everything else completes it.
pub async fn process<M: Messenger>(
    ctx: &EventContext<'_, M>,
    stored: &webhook_event::Model,
) -> Result<Outcome, Retry> {
    let raw: serde_json::Value = match serde_json::from_str(&stored.payload) {
        Ok(v) => v,
        Err(e) => return Ok(note(format!("stored event is not JSON: {e}"))),
    };
    let event = match Event::try_from(raw) {
        Ok(e) => e,
        Err(problem) => return Ok(note(format!("stored event is malformed: {problem}"))),
    };
    let user_id = event
        .source
        .as_ref()
        .and_then(|s| s.user_id())
        .map(str::to_owned);
    let at = DateTime::from_timestamp_millis(event.timestamp).unwrap_or_else(Utc::now);
    match (&event.kind, user_id) {
        (EventKind::Follow { .. }, Some(user)) => follow(ctx, stored, &event, &user, at).await,
        (EventKind::Unfollow, Some(user)) => {
            friends::unfollow(ctx.db, ctx.channel.id, &user, at).await?;
            Ok(Outcome::default())
        }
        _ => dispatch(ctx, &event).await,
    }
}

async fn follow<M: Messenger>(
    ctx: &EventContext<'_, M>,
    stored: &webhook_event::Model,
    event: &Event,
    user: &str,
    at: DateTime<Utc>,
) -> Result<Outcome, Retry> {
    let progress = stored.progress.as_deref();
    if progress.is_none() {
        friends::follow(ctx.db, ctx.channel.id, user, at).await?;
        // A new friend gets the menu the rules give them.
        crate::menus::links::request_reconcile(ctx.db, Some(ctx.channel.id), at).await?;
        match ctx.line.profile(user).await {
            Ok(profile) => {
                friends::set_profile(ctx.db, ctx.channel.id, user, profile.into()).await?;
            }
            // The user may have blocked already, or hidden the profile: keep the friend anyway.
            Err(ClientError::Rejected { status, .. }) => {
                tracing::info!(status, "profile not available");
            }
            Err(e) => return Err(Retry(e.to_string())),
        }
        inbox::set_progress(ctx.db, stored.id, REGISTERED).await?;
    }
    if progress == Some(GREETED) {
        return Ok(Outcome::default());
    }
    let greeting = channels::greeting(ctx.db, ctx.channel.id).await?;
    let Some(reply_token) = event.reply_token.as_deref().filter(|_| greeting.enabled) else {
        return Ok(Outcome::default());
    };
    if greeting.messages.is_empty() {
        return Ok(Outcome::default());
    }
    // Saved only when LINE's rules allow it (at most five messages); checked again in case the
    // rules grew stricter since.
    if let Err(e) = greeting.check() {
        return Ok(note(format!("greeting not sent: {e}")));
    }
    let request = line::api::ReplyRequest {
        reply_token: reply_token.to_owned(),
        messages: greeting.messages,
        notification_disabled: None,
    };
    let result = ctx.line.reply(&request).await;
    // Recorded whatever LINE said: a reply token works once, so trying again cannot help.
    inbox::set_progress(ctx.db, stored.id, GREETED).await?;
    match result {
        Ok(_) => Ok(Outcome::default()),
        Err(ClientError::Rejected { error, .. }) => {
            Ok(note(format!("greeting refused by LINE: {}", error.message)))
        }
        Err(e) => Ok(note(format!("greeting not sent: {e}"))),
    }
}

/// The dispatch point for messages, postbacks and every other event. The event is already
/// stored in the inbox (and shown on the friend's page); the chatbot, surveys and keyword
/// replies of later issues add their handlers here, by `event.kind`.
async fn dispatch<M: Messenger>(
    _ctx: &EventContext<'_, M>,
    _event: &Event,
) -> Result<Outcome, Retry> {
    Ok(Outcome::default())
}

fn note(text: String) -> Outcome {
    Outcome { note: Some(text) }
}

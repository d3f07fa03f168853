//! 「LINEシミュレーター」: staff act as a simulated friend of a sandbox channel. Every action goes
//! through the built-in sandbox, which delivers a signed webhook to our own endpoint exactly as
//! LINE would; each is recorded in the audit log, since it makes the server store friends and
//! events and send replies as a real friend's action would.
//!
//! The sandbox keeps its friends outside the database, so an action and its audit entry cannot
//! share a transaction: the action is done first (its webhook needs the database's write lock,
//! which an open transaction would hold), then recorded, with the sandbox's refusal when it
//! refused.

use sandbox::{Delivery, NewSimFriend, Sandbox, SandboxError, SimAction, SimFriend};
use serde_json::json;

use crate::security::audit::{self, Actor};
use crate::{DatabaseConnection, DomainError, DomainResult};

/// Creates a simulated LINE user on `channel` (not yet a friend: follow next).
pub async fn create_friend(
    db: &DatabaseConnection,
    actor: &Actor,
    sandbox: &Sandbox,
    channel: &str,
    display_name: &str,
) -> DomainResult<SimFriend> {
    let new = NewSimFriend {
        display_name: display_name.to_owned(),
        picture_url: None,
        status_message: None,
        language: Some("ja".into()),
    };
    let friend = sandbox.create_friend(channel, new).map_err(refused)?;
    let summary = json!({"channel": channel, "display_name": friend.display_name});
    record(db, actor, "create_friend", &friend.user_id, summary).await?;
    Ok(friend)
}

/// Follows, blocks, writes or taps as the simulated friend `user_id`; returns how the webhook the
/// sandbox delivered was answered (none for a tap the sandbox answers itself). A link tapped in
/// a received message (`in_message`: its sent message id) counts as a click in LINE's
/// statistics of that message, as LINE counts it.
pub async fn act(
    db: &DatabaseConnection,
    actor: &Actor,
    sandbox: &Sandbox,
    channel: &str,
    user_id: &str,
    action: SimAction,
    in_message: Option<&str>,
) -> DomainResult<Option<Delivery>> {
    if let (SimAction::Tap(line::message::Action::Uri { uri, .. }), Some(message)) =
        (&action, in_message)
    {
        sandbox.open_url(channel, user_id, Some(message), uri);
    }
    let name = action.name();
    let mut summary = match &action {
        SimAction::Text(text) => json!({"channel": channel, "text": text}),
        SimAction::Tap(tapped) => json!({"channel": channel, "action": tapped}),
        SimAction::Follow | SimAction::Unfollow => json!({"channel": channel}),
    };
    let result = sandbox.act(channel, user_id, action).await;
    if let Err(e) = &result {
        summary["refused"] = e.to_string().into();
    }
    record(db, actor, name, user_id, summary).await?;
    result.map_err(refused)
}

/// Taps area `area` of the rich menu `rich_menu_id` as the simulated friend `user_id`: the
/// sandbox counts the tap for the menu's statistics and performs the area's action (see
/// `Sandbox::tap_rich_menu_area`); returns how the webhook was answered, as [`act`] does.
pub async fn tap_rich_menu(
    db: &DatabaseConnection,
    actor: &Actor,
    sandbox: &Sandbox,
    channel: &str,
    user_id: &str,
    rich_menu_id: &str,
    area: usize,
) -> DomainResult<Option<Delivery>> {
    // The action as the friend saw it, for the audit entry (the menu may change right after).
    let tapped = sandbox
        .effective_rich_menu(channel, user_id)
        .filter(|m| m.rich_menu_id == rich_menu_id)
        .and_then(|m| m.menu.areas.get(area).map(|a| a.action.clone()));
    let mut summary = json!({
        "channel": channel,
        "rich_menu_id": rich_menu_id,
        "area": area,
        "action": tapped,
    });
    let result = sandbox
        .tap_rich_menu_area(channel, user_id, rich_menu_id, area)
        .await;
    if let Err(e) = &result {
        summary["refused"] = e.to_string().into();
    }
    record(db, actor, "rich_menu_tap", user_id, summary).await?;
    result.map_err(refused)
}

async fn record(
    db: &DatabaseConnection,
    actor: &Actor,
    action: &str,
    user_id: &str,
    summary: serde_json::Value,
) -> DomainResult<()> {
    let action = format!("simulator.{action}");
    audit::record(db, actor, &action, "sim_friend", Some(user_id), summary).await
}

/// The sandbox's refusals are in Japanese, for staff.
fn refused(e: SandboxError) -> DomainError {
    DomainError::Invalid(e.to_string())
}

//! 「LINEシミュレーター」: staff act as a simulated friend of a sandbox channel. Every action goes
//! through the built-in sandbox, which delivers a signed webhook to our own endpoint exactly as
//! LINE would; what the account sends back shows up in the friend's chat.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimFriendView {
    pub user_id: String,
    pub display_name: String,
    pub following: bool,
}

/// One bubble of the simulated chat.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatBubble {
    pub id: String,
    /// Japan time, `HH:MM`.
    pub time: String,
    pub from_friend: bool,
    /// push, multicast, reply, or friend.
    pub via: String,
    /// The LINE message object as sent.
    pub message: serde_json::Value,
    /// LINE's id of the sent message (for its statistics), when the account sent it.
    pub sent_message_id: Option<String>,
}

/// What happened to the webhook the sandbox delivered for an action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub ok: bool,
    pub detail: String,
}

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::{Action, Feature, Need};
    &[
        rule::<SimFriends>(Need::Can(Feature::Simulator, Action::View)),
        rule::<SimChat>(Need::Can(Feature::Simulator, Action::View)),
        rule::<SimCreateFriend>(Need::Can(Feature::Simulator, Action::Edit)),
        rule::<SimAct>(Need::Can(Feature::Simulator, Action::Edit)),
    ]
};

#[cfg(feature = "ssr")]
fn delivered(d: sandbox::Delivery) -> DeliveryView {
    match (d.status, d.error) {
        (Some(status), _) if (200..300).contains(&status) => DeliveryView {
            ok: true,
            detail: format!("Webhook を送信しました（{status}）"),
        },
        (Some(status), _) => DeliveryView {
            ok: false,
            detail: format!("Webhook がエラーを返しました（{status}）"),
        },
        (None, error) => DeliveryView {
            ok: false,
            detail: format!(
                "Webhook を送信できませんでした：{}",
                error.unwrap_or_default()
            ),
        },
    }
}

#[server(endpoint = "simulator/friends")]
pub async fn sim_friends(channel: String) -> Result<Vec<SimFriendView>, AppError> {
    let (_, ctx) = crate::ssr::context::call::<SimFriends>()?;
    Ok(ctx
        .sandbox()?
        .friends(&channel)
        .into_iter()
        .map(|f| SimFriendView {
            user_id: f.user_id,
            display_name: f.display_name,
            following: f.following,
        })
        .collect())
}

/// Creates a simulated LINE user (not yet a friend: follow next).
#[server(endpoint = "simulator/create_friend")]
pub async fn sim_create_friend(
    channel: String,
    display_name: String,
) -> Result<SimFriendView, AppError> {
    let (me, ctx) = crate::ssr::context::call::<SimCreateFriend>()?;
    let sandbox = ctx.sandbox()?;
    let friend = domain::platform::simulator::create_friend(
        ctx.db(),
        &ctx.actor(&me),
        &sandbox,
        &channel,
        &display_name,
    )
    .await?;
    Ok(SimFriendView {
        user_id: friend.user_id,
        display_name: friend.display_name,
        following: friend.following,
    })
}

/// What a simulated friend does, as the simulator's forms send it (`act=follow`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimActKind {
    Follow,
    Unfollow,
    /// Writes the form's `text`.
    Text,
    /// Taps the form's `action`: a LINE action object in JSON, as found in a quick reply or
    /// template the account sent.
    Action,
}

/// Follows, blocks, writes or taps as the simulated friend `user_id`.
#[server(endpoint = "simulator/act")]
pub async fn sim_act(
    channel: String,
    user_id: String,
    act: SimActKind,
    text: Option<String>,
    action: Option<String>,
    message_id: Option<String>,
) -> Result<Option<DeliveryView>, AppError> {
    use sandbox::SimAction;
    let (me, ctx) = crate::ssr::context::call::<SimAct>()?;
    let sandbox = ctx.sandbox()?;
    let action = match act {
        SimActKind::Follow => SimAction::Follow,
        SimActKind::Unfollow => SimAction::Unfollow,
        SimActKind::Text => SimAction::Text(text.unwrap_or_default()),
        SimActKind::Action => SimAction::Tap(
            serde_json::from_str(action.as_deref().unwrap_or_default())
                .map_err(|_| AppError::Invalid("ボタンの内容を読み取れません。".into()))?,
        ),
    };
    let delivery = domain::platform::simulator::act(
        ctx.db(),
        &ctx.actor(&me),
        &sandbox,
        &channel,
        &user_id,
        action,
        message_id.as_deref(),
    )
    .await?;
    Ok(delivery.map(delivered))
}

/// The simulated friend's chat. Showing it is the friend reading it: messages sent with an
/// aggregation unit count as opened in the sandbox's statistics (once per friend).
#[server(endpoint = "simulator/chat")]
pub async fn sim_chat(channel: String, user_id: String) -> Result<Vec<ChatBubble>, AppError> {
    let (_, ctx) = crate::ssr::context::call::<SimChat>()?;
    let sandbox = ctx.sandbox()?;
    sandbox.read_chat(&channel, &user_id);
    Ok(sandbox
        .chat(&channel, &user_id)
        .into_iter()
        .map(|e| ChatBubble {
            id: e.id,
            time: domain::time::clock(e.at),
            from_friend: e.from_friend,
            via: e.via,
            message: e.message,
            sent_message_id: e.sent_message_id,
        })
        .collect())
}

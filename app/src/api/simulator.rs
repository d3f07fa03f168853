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
fn sandbox_error(e: &sandbox::SandboxError) -> AppError {
    AppError::Invalid(e.to_string())
}

/// Simulator actions go in the audit log too: they make the server store friends and events
/// and send replies, as a real friend's actions would.
#[cfg(feature = "ssr")]
async fn audit_sim(
    ctx: &crate::ssr::context::CallContext,
    staff: &domain::staff::accounts::Staff,
    action: &str,
    channel: &str,
    user_id: &str,
    summary: serde_json::Value,
) -> Result<(), AppError> {
    let mut summary = summary;
    summary["channel"] = channel.into();
    Ok(domain::security::audit::record(
        ctx.db(),
        &ctx.actor(staff),
        action,
        "sim_friend",
        Some(user_id),
        summary,
    )
    .await?)
}

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
    let (staff, ctx) = crate::ssr::context::call::<SimCreateFriend>()?;
    let name = display_name.trim();
    if name.is_empty() || name.chars().count() > 20 {
        return Err(AppError::Invalid(
            "表示名は1〜20文字で入力してください。".into(),
        ));
    }
    let friend = ctx
        .sandbox()?
        .create_friend(
            &channel,
            sandbox::NewSimFriend {
                display_name: name.to_owned(),
                picture_url: None,
                status_message: None,
                language: Some("ja".into()),
            },
        )
        .map_err(|e| sandbox_error(&e))?;
    let summary = serde_json::json!({"display_name": friend.display_name});
    audit_sim(
        &ctx,
        &staff,
        "simulator.create_friend",
        &channel,
        &friend.user_id,
        summary,
    )
    .await?;
    Ok(SimFriendView {
        user_id: friend.user_id,
        display_name: friend.display_name,
        following: friend.following,
    })
}

/// follow, unfollow, text (with `text`), or action (with `action`: a LINE action object in JSON,
/// as found in a quick reply or template the account sent).
#[server(endpoint = "simulator/act")]
pub async fn sim_act(
    channel: String,
    user_id: String,
    act: String,
    text: Option<String>,
    action: Option<String>,
) -> Result<Option<DeliveryView>, AppError> {
    let (staff, ctx) = crate::ssr::context::call::<SimAct>()?;
    let sandbox = ctx.sandbox()?;
    let summary = match act.as_str() {
        "text" => serde_json::json!({"text": text}),
        "action" => serde_json::json!({"action": action}),
        _ => serde_json::json!({}),
    };
    let delivery = match act.as_str() {
        "follow" => Some(sandbox.follow(&channel, &user_id).await),
        "unfollow" => Some(sandbox.unfollow(&channel, &user_id).await),
        "text" => {
            let text = text.unwrap_or_default();
            if text.trim().is_empty() || text.chars().count() > 5000 {
                return Err(AppError::Invalid(
                    "メッセージは1〜5000文字で入力してください。".into(),
                ));
            }
            Some(sandbox.send_text(&channel, &user_id, &text).await)
        }
        "action" => {
            let action: line::message::Action =
                serde_json::from_str(action.as_deref().unwrap_or_default())
                    .map_err(|_| AppError::Invalid("ボタンの内容を読み取れません。".into()))?;
            sandbox
                .tap_action(&channel, &user_id, &action)
                .await
                .transpose()
        }
        _ => return Err(AppError::Invalid("不明な操作です。".into())),
    };
    audit_sim(
        &ctx,
        &staff,
        &format!("simulator.{act}"),
        &channel,
        &user_id,
        summary,
    )
    .await?;
    delivery
        .transpose()
        .map(|d| d.map(delivered))
        .map_err(|e| sandbox_error(&e))
}

#[server(endpoint = "simulator/chat")]
pub async fn sim_chat(channel: String, user_id: String) -> Result<Vec<ChatBubble>, AppError> {
    let (_, ctx) = crate::ssr::context::call::<SimChat>()?;
    Ok(ctx
        .sandbox()?
        .chat(&channel, &user_id)
        .into_iter()
        .map(|e| ChatBubble {
            id: e.id,
            time: domain::time::clock(e.at),
            from_friend: e.from_friend,
            via: e.via,
            message: e.message,
        })
        .collect())
}

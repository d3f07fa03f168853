//! LINE channels: which official account the system talks to, with what credentials, through
//! which base URLs, and whether that is LINE itself or the built-in sandbox.
//!
//! Secrets are sealed with [`SecretBox`] before they reach the database and are opened only into
//! a [`Channel`], whose `Debug` hides them. Staff see [`ChannelSummary`], with masked values.

use chrono::Utc;
use line::message::Message;
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::entities::line_channel;
use crate::security::audit::{self, Actor};
use crate::security::secrets::{SecretBox, mask};
use crate::{DomainError, DomainResult};

pub const MAIN: &str = "main";

pub use model::status::Environment;

/// A channel as configured by an operator (environment variables for `main`, or the
/// `machidayori channel set` command for others).
#[derive(Clone, Default)]
pub struct ChannelSettings {
    pub key: String,
    pub name: String,
    pub environment: Option<Environment>,
    pub channel_id: Option<String>,
    /// With the access token: both present means LINE (or a LINE-compatible server); both
    /// absent means the built-in sandbox.
    pub channel_secret: Option<String>,
    pub access_token: Option<String>,
    pub login_channel_id: Option<String>,
    pub liff_id: Option<String>,
    pub api_base: Option<String>,
    pub api_data_base: Option<String>,
}

impl std::fmt::Debug for ChannelSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelSettings")
            .field("key", &self.key)
            .field("sandbox", &self.is_sandbox())
            .finish_non_exhaustive()
    }
}

impl ChannelSettings {
    pub fn is_sandbox(&self) -> bool {
        self.channel_secret.is_none() && self.access_token.is_none()
    }
}

/// A channel with its secrets opened, for the webhook and the API client. Never shown to staff.
#[derive(Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub environment: Environment,
    pub sandbox: bool,
    pub channel_id: Option<String>,
    pub channel_secret: String,
    pub access_token: String,
    pub login_channel_id: Option<String>,
    pub liff_id: Option<String>,
    pub api_base: String,
    pub api_data_base: String,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel")
            .field("id", &self.id)
            .field("key", &self.key)
            .field("environment", &self.environment)
            .field("sandbox", &self.sandbox)
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

/// What staff see of a channel: secrets masked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelSummary {
    pub key: String,
    pub name: String,
    pub environment: Environment,
    pub sandbox: bool,
    pub channel_id: Option<String>,
    pub channel_secret: String,
    pub access_token: String,
    pub login_channel_id: Option<String>,
    pub liff_id: Option<String>,
    pub api_base: String,
    pub greeting: Greeting,
}

/// The greeting sent with the reply token when someone adds the account as a friend: up to five
/// LINE messages, edited with the message composer and sent in this order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Greeting {
    pub enabled: bool,
    pub messages: Vec<Message>,
}

impl Greeting {
    /// What a new channel says on a first follow: one text message, [`DEFAULT_GREETING`].
    pub fn new_channel() -> Self {
        Self {
            enabled: true,
            messages: vec![Message::Text(line::message::TextMessage {
                text: DEFAULT_GREETING.into(),
                emojis: Vec::new(),
                quote_token: None,
                quick_reply: None,
                sender: None,
            })],
        }
    }

    /// Checks the messages by LINE's rules (the composer's, in the browser): every problem in
    /// Japanese with its JSON path (`messages[1].packageId: ...`). A greeting that is sent needs
    /// at least one message; one that is not may be empty.
    pub fn check(&self) -> DomainResult<()> {
        if self.messages.is_empty() {
            return if self.enabled {
                Err(DomainError::Invalid(
                    "あいさつメッセージを送る場合は、メッセージを1件以上入れてください。".into(),
                ))
            } else {
                Ok(())
            };
        }
        let violations = line::validate::messages(&self.messages);
        if violations.is_empty() {
            return Ok(());
        }
        Err(DomainError::Invalid(
            violations
                .iter()
                .map(|v| v.message_ja())
                .collect::<Vec<_>>()
                .join("\n"),
        ))
    }

    fn of(m: &line_channel::Model) -> DomainResult<Self> {
        // Written by `set_greeting` after validation (or by the migration from the old text and
        // Flex fields); unreadable JSON means the row was changed outside the application.
        let messages = match m.greeting_messages.as_deref().map(str::trim) {
            None | Some("") => Vec::new(),
            Some(json) => serde_json::from_str(json).map_err(|e| {
                DomainError::Internal(format!("channel {} has an unreadable greeting: {e}", m.key))
            })?,
        };
        Ok(Self {
            enabled: m.greeting_enabled,
            messages,
        })
    }
}

/// The default greeting of a new channel, so that a first follow already says something.
pub const DEFAULT_GREETING: &str =
    "友だち追加ありがとうございます。市からのお知らせをお届けします。";

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// Creates or updates a channel from the operator's configuration at start-up (the `main`
/// channel from `LINE_*` settings: the configuration is its record, so it is not audited). A
/// sandbox channel keeps the credentials it was given before (friends in the sandbox stay
/// valid); new ones are random.
pub async fn configure(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    settings: &ChannelSettings,
) -> DomainResult<Channel> {
    let txn = crate::db::begin_write(db).await?;
    let channel = write(&txn, secrets, settings).await?;
    txn.commit().await?;
    Ok(channel)
}

/// `machidayori channel set`: [`configure`], with its `channel.set` audit entry (secrets never
/// in it, only whether they were replaced) in the same transaction.
pub async fn set(
    db: &DatabaseConnection,
    secrets: &SecretBox,
    settings: &ChannelSettings,
    actor: &Actor,
) -> DomainResult<Channel> {
    let txn = crate::db::begin_write(db).await?;
    let channel = write(&txn, secrets, settings).await?;
    let summary = serde_json::json!({
        "name": channel.name,
        "environment": channel.environment.key(),
        "sandbox": settings.is_sandbox(),
        "channel_id": settings.channel_id,
        "secrets_replaced": settings.channel_secret.is_some(),
        "login_channel_id": settings.login_channel_id,
        "liff_id": settings.liff_id,
        "api_base": settings.api_base,
        "api_data_base": settings.api_data_base,
    });
    audit::record(
        &txn,
        actor,
        "channel.set",
        "line_channel",
        Some(&channel.key),
        summary,
    )
    .await?;
    txn.commit().await?;
    Ok(channel)
}

async fn write(
    db: &DatabaseTransaction,
    secrets: &SecretBox,
    settings: &ChannelSettings,
) -> DomainResult<Channel> {
    validate_key(&settings.key)?;
    if settings.channel_secret.is_some() != settings.access_token.is_some() {
        return Err(DomainError::Invalid(format!(
            "チャネル {}: チャネルシークレットとチャネルアクセストークンは両方とも設定してください。",
            settings.key
        )));
    }
    let existing = line_channel::Entity::find()
        .filter(line_channel::Column::Key.eq(&settings.key))
        .one(db)
        .await?;
    let sandbox = settings.is_sandbox();
    let keep = |sealed: Option<&String>| -> DomainResult<Option<String>> {
        sealed.map(|s| secrets.open(s)).transpose()
    };
    let (secret, token) = match (&settings.channel_secret, &settings.access_token) {
        (Some(s), Some(t)) => (s.clone(), t.clone()),
        _ => {
            let previous = existing.as_ref().filter(|e| e.sandbox);
            let secret = keep(previous.and_then(|e| e.channel_secret_enc.as_ref()))?;
            let token = keep(previous.and_then(|e| e.access_token_enc.as_ref()))?;
            (
                secret.unwrap_or_else(|| random_token(16)),
                token.unwrap_or_else(|| random_token(32)),
            )
        }
    };
    let now = Utc::now();
    let environment = settings
        .environment
        .or_else(|| existing.as_ref().map(|e| e.environment))
        .unwrap_or(Environment::Production);
    let name = if settings.name.trim().is_empty() {
        existing
            .as_ref()
            .map_or_else(|| settings.key.clone(), |e| e.name.clone())
    } else {
        settings.name.trim().to_owned()
    };
    let api_base = settings
        .api_base
        .clone()
        .unwrap_or_else(|| line::api::LINE_API_BASE.into());
    let api_data_base = settings
        .api_data_base
        .clone()
        .unwrap_or_else(|| line::api::LINE_DATA_BASE.into());
    for (what, url) in [("API", &api_base), ("データAPI", &api_data_base)] {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(DomainError::Invalid(format!(
                "チャネル {}: {what} のベース URL は http(s):// で始めてください。",
                settings.key
            )));
        }
    }
    let mut row = match &existing {
        Some(e) => line_channel::ActiveModel::from(e.clone()),
        None => line_channel::ActiveModel {
            key: Set(settings.key.clone()),
            created_at: Set(now),
            greeting_enabled: Set(true),
            greeting_messages: Set(Some(messages_json(&Greeting::new_channel().messages)?)),
            ..Default::default()
        },
    };
    row.name = Set(name);
    row.environment = Set(environment);
    row.sandbox = Set(sandbox);
    row.channel_id = Set(settings.channel_id.clone());
    row.channel_secret_enc = Set(Some(secrets.seal(&secret)));
    row.access_token_enc = Set(Some(secrets.seal(&token)));
    row.login_channel_id = Set(settings.login_channel_id.clone());
    row.liff_id = Set(settings.liff_id.clone());
    row.api_base = Set(api_base);
    row.api_data_base = Set(api_data_base);
    row.updated_at = Set(now);
    let model = if existing.is_some() {
        row.update(db).await?
    } else {
        row.insert(db).await?
    };
    open(secrets, model)
}

fn validate_key(key: &str) -> DomainResult<()> {
    let ok = (1..=32).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(DomainError::Invalid(format!(
            "チャネルキー「{key}」: 英小文字・数字・-・_ の1〜32文字にしてください。"
        )))
    }
}

fn open(secrets: &SecretBox, m: line_channel::Model) -> DomainResult<Channel> {
    let sealed = |v: &Option<String>| -> DomainResult<String> {
        v.as_deref()
            .map(|s| secrets.open(s))
            .transpose()
            .map(Option::unwrap_or_default)
    };
    Ok(Channel {
        channel_secret: sealed(&m.channel_secret_enc)?,
        access_token: sealed(&m.access_token_enc)?,
        id: m.id,
        key: m.key,
        name: m.name,
        environment: m.environment,
        sandbox: m.sandbox,
        channel_id: m.channel_id,
        login_channel_id: m.login_channel_id,
        liff_id: m.liff_id,
        api_base: m.api_base,
        api_data_base: m.api_data_base,
    })
}

/// Every channel with its secrets opened, for the webhook and the workers.
pub async fn load_all(db: &DatabaseConnection, secrets: &SecretBox) -> DomainResult<Vec<Channel>> {
    line_channel::Entity::find()
        .order_by_asc(line_channel::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|m| open(secrets, m))
        .collect()
}

/// Every channel as staff may see it.
pub async fn summaries(
    db: &DatabaseConnection,
    secrets: &SecretBox,
) -> DomainResult<Vec<ChannelSummary>> {
    let rows = line_channel::Entity::find()
        .order_by_asc(line_channel::Column::Id)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|m| {
            // One unreadable greeting must not hide every channel from the admin panel.
            let greeting = Greeting::of(&m).unwrap_or_else(|e| {
                tracing::error!(channel = %m.key, error = %e, "greeting shown as empty");
                Greeting::default()
            });
            let channel = open(secrets, m)?;
            Ok(ChannelSummary {
                channel_secret: mask(&channel.channel_secret),
                access_token: mask(&channel.access_token),
                key: channel.key,
                name: channel.name,
                environment: channel.environment,
                sandbox: channel.sandbox,
                channel_id: channel.channel_id,
                login_channel_id: channel.login_channel_id,
                liff_id: channel.liff_id,
                api_base: channel.api_base,
                greeting,
            })
        })
        .collect()
}

async fn find(db: &DatabaseConnection, key: &str) -> DomainResult<line_channel::Model> {
    line_channel::Entity::find()
        .filter(line_channel::Column::Key.eq(key))
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("チャネル「{key}」は登録されていません。")))
}

/// The first channel's key (what pages act on when none is chosen), for commands and downloads
/// that name none.
pub async fn default_key(db: &DatabaseConnection) -> DomainResult<String> {
    line_channel::Entity::find()
        .order_by_asc(line_channel::Column::Id)
        .one(db)
        .await?
        .map(|c| c.key)
        .ok_or_else(|| DomainError::NotFound("LINE チャネルが登録されていません。".into()))
}

/// The numeric id of a channel key, for queries scoped to one channel.
/// Each channel's key by its id, for lists that record channel ids.
pub async fn keys_by_id(
    db: &DatabaseConnection,
) -> DomainResult<std::collections::HashMap<i64, String>> {
    Ok(line_channel::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.key))
        .collect())
}

pub async fn id_of(db: &DatabaseConnection, key: &str) -> DomainResult<i64> {
    Ok(find(db, key).await?.id)
}

pub async fn greeting(db: &DatabaseConnection, channel_id: i64) -> DomainResult<Greeting> {
    let m = line_channel::Entity::find_by_id(channel_id)
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound("チャネルが見つかりません。".into()))?;
    Greeting::of(&m)
}

/// Saves the greeting after checking it against LINE's rules; nothing is saved if it breaks one.
pub async fn set_greeting(
    db: &DatabaseConnection,
    actor: &Actor,
    key: &str,
    greeting: &Greeting,
) -> DomainResult<()> {
    greeting.check()?;
    let m = find(db, key).await?;
    let mut row = line_channel::ActiveModel::from(m);
    row.greeting_enabled = Set(greeting.enabled);
    row.greeting_messages = Set(Some(messages_json(&greeting.messages)?));
    row.updated_at = Set(Utc::now());
    let txn = db.begin().await?;
    row.update(&txn).await?;
    let summary = serde_json::json!({
        "enabled": greeting.enabled,
        "messages": greeting.messages,
    });
    audit::record(
        &txn,
        actor,
        "channel.greeting",
        "line_channel",
        Some(key),
        summary,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn messages_json(messages: &[Message]) -> DomainResult<String> {
    serde_json::to_string(messages).map_err(|e| DomainError::Internal(format!("messages: {e}")))
}

//! The body LINE posts to our webhook, and its events.
//!
//! Every event keeps the exact JSON LINE sent (`raw`), which is what gets stored; the typed
//! fields are a view for the handlers. Event types and fields LINE adds later are accepted:
//! an unknown type becomes [`EventKind::Unknown`], unknown fields stay in `raw`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A webhook delivery. An empty `events` list is LINE's "verify" button.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhookBody {
    /// The bot's user id (the channel that received the events).
    pub destination: String,
    pub events: Vec<Event>,
}

/// A body that is not a webhook delivery LINE could have sent.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{path}: {problem}")]
    Shape { path: String, problem: String },
}

/// Parses a verified request body.
pub fn parse(body: &[u8]) -> Result<WebhookBody, WebhookError> {
    let value: Value = serde_json::from_slice(body)?;
    let destination = value
        .get("destination")
        .and_then(Value::as_str)
        .ok_or_else(|| shape("destination", "missing or not a string"))?
        .to_owned();
    let events = value
        .get("events")
        .and_then(Value::as_array)
        .ok_or_else(|| shape("events", "missing or not an array"))?
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            Event::try_from(raw.clone()).map_err(|problem| shape(&format!("events[{i}]"), &problem))
        })
        .collect::<Result<_, _>>()?;
    Ok(WebhookBody {
        destination,
        events,
    })
}

fn shape(path: &str, problem: &str) -> WebhookError {
    WebhookError::Shape {
        path: path.to_owned(),
        problem: problem.to_owned(),
    }
}

/// One webhook event: the fields every event has, what kind it is, and the JSON as sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub struct Event {
    /// The `type` as LINE sent it (also for kinds this crate does not know).
    pub event_type: String,
    /// ULID, unique per event: the key for processing each event once.
    pub webhook_event_id: String,
    /// Milliseconds since the Unix epoch.
    pub timestamp: i64,
    /// `active` or `standby` (another module holds the chat).
    pub mode: String,
    pub is_redelivery: bool,
    pub source: Option<Source>,
    /// Single-use and short-lived; present on events that can be replied to.
    pub reply_token: Option<String>,
    pub kind: EventKind,
    pub raw: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    User {
        user_id: Option<String>,
    },
    Group {
        group_id: String,
        user_id: Option<String>,
    },
    Room {
        room_id: String,
        user_id: Option<String>,
    },
    /// A source type this crate does not know; see `Event::raw`.
    Unknown {
        source_type: String,
    },
}

impl Source {
    /// The user behind the event, when LINE discloses one.
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Source::User { user_id }
            | Source::Group { user_id, .. }
            | Source::Room { user_id, .. } => user_id.as_deref(),
            Source::Unknown { .. } => None,
        }
    }
}

/// What happened. Kinds whose payload the system does not act on yet carry none here; their
/// content is in `Event::raw`.
#[derive(Clone, Debug, PartialEq)]
pub enum EventKind {
    Message(MessageContent),
    Unsend {
        message_id: String,
    },
    /// Friend added; `is_unblocked` when the user had blocked the account before.
    Follow {
        is_unblocked: bool,
    },
    /// Blocked (or friend removed).
    Unfollow,
    Join,
    Leave,
    /// Users who joined a group or room the account is in.
    MemberJoined {
        members: Vec<Source>,
    },
    MemberLeft {
        members: Vec<Source>,
    },
    Postback {
        data: String,
        params: Option<Value>,
    },
    VideoPlayComplete {
        tracking_id: String,
    },
    Beacon {
        hwid: String,
        /// `enter`, `banner` or `stay`.
        beacon_type: String,
        dm: Option<String>,
    },
    AccountLink {
        /// `ok` or `failed`.
        result: String,
        nonce: String,
    },
    Membership {
        /// `joined`, `left` or `renewed`.
        membership_type: String,
        membership_id: Option<i64>,
    },
    /// Module channel events (attached, detached); details in `raw`.
    Module,
    /// Chat control handed to this channel, until `expire_at` (ms) if given.
    Activated {
        expire_at: Option<i64>,
    },
    Deactivated,
    BotSuspended,
    BotResumed,
    /// A PNP (phone-number push) message was delivered.
    Delivery {
        data: String,
    },
    /// A type LINE added after this crate was written.
    Unknown,
}

#[derive(Clone, Debug, PartialEq)]
pub enum MessageContent {
    Text {
        id: String,
        text: String,
        quote_token: Option<String>,
    },
    /// The content is fetched from LINE (`provider` `line`) or from `original_url`
    /// (`external`).
    Image {
        id: String,
        provider: ContentProvider,
    },
    Video {
        id: String,
        duration_ms: Option<i64>,
        provider: ContentProvider,
    },
    Audio {
        id: String,
        duration_ms: Option<i64>,
        provider: ContentProvider,
    },
    File {
        id: String,
        file_name: String,
        file_size: i64,
    },
    Location {
        id: String,
        title: Option<String>,
        address: Option<String>,
        latitude: f64,
        longitude: f64,
    },
    Sticker {
        id: String,
        package_id: String,
        sticker_id: String,
        /// STATIC, ANIMATION, SOUND, POPUP...
        resource_type: Option<String>,
    },
    /// A message type LINE added after this crate was written; see `Event::raw`.
    Other { id: String, message_type: String },
}

/// Where the binary content of an image, video or audio message lives.
#[derive(Clone, Debug, PartialEq)]
pub enum ContentProvider {
    /// On LINE's servers: `GET https://api-data.line.me/v2/bot/message/{id}/content`.
    Line,
    External {
        original_url: Option<String>,
        preview_url: Option<String>,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Common {
    #[serde(rename = "type")]
    event_type: String,
    webhook_event_id: String,
    timestamp: i64,
    mode: String,
    delivery_context: DeliveryContext,
    #[serde(default)]
    source: Option<Value>,
    #[serde(default)]
    reply_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeliveryContext {
    is_redelivery: bool,
}

impl TryFrom<Value> for Event {
    type Error = String;

    fn try_from(raw: Value) -> Result<Self, String> {
        let common = Common::deserialize(&raw).map_err(|e| e.to_string())?;
        let source = common.source.as_ref().map(parse_source).transpose()?;
        let kind = parse_kind(&common.event_type, &raw)?;
        Ok(Event {
            event_type: common.event_type,
            webhook_event_id: common.webhook_event_id,
            timestamp: common.timestamp,
            mode: common.mode,
            is_redelivery: common.delivery_context.is_redelivery,
            source,
            reply_token: common.reply_token,
            kind,
            raw,
        })
    }
}

impl From<Event> for Value {
    fn from(event: Event) -> Value {
        event.raw
    }
}

fn str_field(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn required(value: &Value, key: &str, within: &str) -> Result<String, String> {
    str_field(value, key).ok_or_else(|| format!("{within}.{key}: missing or not a string"))
}

fn parse_source(source: &Value) -> Result<Source, String> {
    let source_type = required(source, "type", "source")?;
    let user_id = str_field(source, "userId");
    Ok(match source_type.as_str() {
        "user" => Source::User { user_id },
        "group" => Source::Group {
            group_id: required(source, "groupId", "source")?,
            user_id,
        },
        "room" => Source::Room {
            room_id: required(source, "roomId", "source")?,
            user_id,
        },
        _ => Source::Unknown { source_type },
    })
}

fn members(container: &Value, within: &str) -> Result<Vec<Source>, String> {
    container
        .get("members")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{within}.members: missing or not an array"))?
        .iter()
        .map(parse_source)
        .collect()
}

/// File, location and sticker contents; `None` when a documented field is missing.
fn typed_content(message_type: &str, id: &str, message: &Value) -> Option<MessageContent> {
    let text = |key: &str| message.get(key).and_then(Value::as_str).map(str::to_owned);
    let number = |key: &str| message.get(key).and_then(Value::as_f64);
    let id = id.to_owned();
    Some(match message_type {
        "file" => MessageContent::File {
            id,
            file_name: text("fileName")?,
            file_size: message.get("fileSize").and_then(Value::as_i64)?,
        },
        "location" => MessageContent::Location {
            id,
            title: text("title"),
            address: text("address"),
            latitude: number("latitude")?,
            longitude: number("longitude")?,
        },
        "sticker" => MessageContent::Sticker {
            id,
            package_id: text("packageId")?,
            sticker_id: text("stickerId")?,
            resource_type: text("stickerResourceType"),
        },
        _ => return None,
    })
}

fn provider(message: &Value) -> ContentProvider {
    let p = message.get("contentProvider");
    let field = |k: &str| {
        p.and_then(|p| p.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    match field("type").as_deref() {
        Some("external") => ContentProvider::External {
            original_url: field("originalContentUrl"),
            preview_url: field("previewImageUrl"),
        },
        _ => ContentProvider::Line,
    }
}

fn parse_kind(event_type: &str, raw: &Value) -> Result<EventKind, String> {
    let object = |key: &str| {
        raw.get(key)
            .filter(|v| v.is_object())
            .ok_or_else(|| format!("{key}: missing or not an object"))
    };
    Ok(match event_type {
        "message" => {
            let message = object("message")?;
            let id = required(message, "id", "message")?;
            let message_type = required(message, "type", "message")?;
            match message_type.as_str() {
                "text" => MessageContent::Text {
                    id,
                    text: required(message, "text", "message")?,
                    quote_token: str_field(message, "quoteToken"),
                },
                "image" => MessageContent::Image {
                    id,
                    provider: provider(message),
                },
                "video" => MessageContent::Video {
                    id,
                    duration_ms: message.get("duration").and_then(Value::as_i64),
                    provider: provider(message),
                },
                "audio" => MessageContent::Audio {
                    id,
                    duration_ms: message.get("duration").and_then(Value::as_i64),
                    provider: provider(message),
                },
                // A content whose fields are not as documented stays readable in `raw`:
                // refusing the delivery would lose the event.
                "file" | "location" | "sticker" => typed_content(&message_type, &id, message)
                    .unwrap_or(MessageContent::Other { id, message_type }),
                _ => MessageContent::Other { id, message_type },
            }
            .into()
        }
        "unsend" => EventKind::Unsend {
            message_id: required(object("unsend")?, "messageId", "unsend")?,
        },
        "follow" => EventKind::Follow {
            // Older deliveries have no `follow` object: a plain new friend.
            is_unblocked: raw
                .get("follow")
                .and_then(|f| f.get("isUnblocked"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
        },
        "unfollow" => EventKind::Unfollow,
        "join" => EventKind::Join,
        "leave" => EventKind::Leave,
        "memberJoined" => EventKind::MemberJoined {
            members: members(object("joined")?, "joined")?,
        },
        "memberLeft" => EventKind::MemberLeft {
            members: members(object("left")?, "left")?,
        },
        "postback" => {
            let postback = object("postback")?;
            EventKind::Postback {
                data: required(postback, "data", "postback")?,
                params: postback.get("params").cloned(),
            }
        }
        "videoPlayComplete" => EventKind::VideoPlayComplete {
            tracking_id: required(
                object("videoPlayComplete")?,
                "trackingId",
                "videoPlayComplete",
            )?,
        },
        "beacon" => {
            let beacon = object("beacon")?;
            EventKind::Beacon {
                hwid: required(beacon, "hwid", "beacon")?,
                beacon_type: required(beacon, "type", "beacon")?,
                dm: str_field(beacon, "dm"),
            }
        }
        "accountLink" => {
            let link = object("link")?;
            EventKind::AccountLink {
                result: required(link, "result", "link")?,
                nonce: required(link, "nonce", "link")?,
            }
        }
        "membership" => {
            let membership = object("membership")?;
            EventKind::Membership {
                membership_type: required(membership, "type", "membership")?,
                membership_id: membership.get("membershipId").and_then(Value::as_i64),
            }
        }
        "module" => EventKind::Module,
        "activated" => EventKind::Activated {
            expire_at: raw
                .get("chatControl")
                .and_then(|c| c.get("expireAt"))
                .and_then(Value::as_i64),
        },
        "deactivated" => EventKind::Deactivated,
        "botSuspended" => EventKind::BotSuspended,
        "botResumed" => EventKind::BotResumed,
        "delivery" => EventKind::Delivery {
            data: required(object("delivery")?, "data", "delivery")?,
        },
        _ => EventKind::Unknown,
    })
}

impl From<MessageContent> for EventKind {
    fn from(content: MessageContent) -> Self {
        EventKind::Message(content)
    }
}

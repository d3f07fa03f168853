//! The public types of the sandbox: channels, simulated friends, chat entries and deliveries.

use chrono::{DateTime, NaiveDate, Utc};
use line::message::Action;
use line::rich_menu::RichMenu;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A LINE Official Account as the sandbox sees it. Added (again) by the server at start;
/// everything else is in the state file, keyed by `key`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxChannel {
    /// The system's name for the channel (stable across restarts).
    pub key: String,
    /// `destination` of webhook deliveries (`U` + 32 hex digits at LINE).
    pub bot_user_id: String,
    /// Signs webhook deliveries.
    pub channel_secret: String,
    /// The `Authorization: Bearer` token that selects this channel.
    pub access_token: String,
    /// The LINE Login channel id: the `aud` of ID tokens (LIFF). Needed to mint them.
    pub login_channel_id: Option<String>,
    /// Where webhook events are POSTed; `None`: events are built but not delivered.
    pub webhook_url: Option<String>,
}

/// A simulated LINE user and their relation to one channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimFriend {
    /// `U` + 32 lowercase hex digits.
    pub user_id: String,
    pub display_name: String,
    pub picture_url: Option<String>,
    pub status_message: Option<String>,
    /// BCP 47, e.g. `ja`.
    pub language: Option<String>,
    /// Added as a friend and not blocked.
    pub following: bool,
    pub created_at: DateTime<Utc>,
    pub followed_at: Option<DateTime<Utc>>,
    /// Set when the friend blocked the account (a later follow is an "unblock").
    pub unfollowed_at: Option<DateTime<Utc>>,
    /// The rich menu linked to this user (per-user link); the default applies otherwise.
    pub rich_menu_id: Option<String>,
}

/// Characters of a simulated friend's display name (after trimming), as LINE allows.
pub const MAX_DISPLAY_NAME_LENGTH: usize = 20;

/// What the simulator asks for to create a friend.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NewSimFriend {
    pub display_name: String,
    pub picture_url: Option<String>,
    pub status_message: Option<String>,
    pub language: Option<String>,
}

/// One message in a friend's chat with the account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatEntry {
    /// Increases with time, unique within the sandbox.
    pub id: String,
    pub at: DateTime<Utc>,
    /// Written by the friend (text, postback), not by the account.
    pub from_friend: bool,
    /// `push`, `multicast`, `reply` or `friend`.
    pub via: String,
    /// The LINE message object exactly as the account sent it; for the friend, the webhook's
    /// text message object, or `{"type": "postback", "data", "displayText"?, "params"?}`.
    pub message: Value,
    /// The custom aggregation unit it was sent with.
    pub aggregation_unit: Option<String>,
    /// The sent message id (for [`Sandbox::open_message`](crate::Sandbox::open_message) and
    /// [`Sandbox::open_url`](crate::Sandbox::open_url)).
    pub sent_message_id: Option<String>,
}

/// How a webhook delivery went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub webhook_event_id: String,
    /// The HTTP status our webhook endpoint answered; `None` when it was not reached.
    pub status: Option<u16>,
    /// Why LINE would count the delivery as failed (no webhook URL, unreachable, non-2xx,
    /// slower than 2 s), in Japanese for staff; `None` when it succeeded.
    pub error: Option<String>,
    /// The reply token of the event, when it has one.
    pub reply_token: Option<String>,
}

impl Delivery {
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }
}

/// The effective rich menu of a friend, for the simulator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimRichMenu {
    pub rich_menu_id: String,
    pub menu: RichMenu,
    /// `image/png` or `image/jpeg`, once uploaded.
    pub image_content_type: Option<String>,
    /// Why the friend sees this menu.
    pub source: SimRichMenuSource,
}

/// Where a friend's rich menu comes from, in LINE's order of precedence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimRichMenuSource {
    /// A `richmenuswitch` tap (a tab) chose it.
    Switched,
    /// Linked to this user (`POST /v2/bot/user/{userId}/richmenu/{richMenuId}` or bulk link).
    PerUser,
    /// The channel's default menu.
    Default,
}

/// A count and how many different friends it comes from (LINE's `count` and `uniqueUsers`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimCount {
    pub count: i64,
    pub unique_users: i64,
}

/// One day (Japan time) of what simulated friends did with a rich menu: the figures LINE's rich
/// menu statistics report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimRichMenuDay {
    pub date: NaiveDate,
    /// The menu shown open ([`Sandbox::open_rich_menu`](crate::Sandbox::open_rich_menu)).
    pub impressions: SimCount,
    /// Taps per area, in the menu's order of areas
    /// ([`Sandbox::tap_rich_menu_area`](crate::Sandbox::tap_rich_menu_area)).
    pub area_taps: Vec<SimCount>,
}

/// What a simulated friend does, as the simulator asks for it; see [`Sandbox::act`](crate::Sandbox::act).
#[derive(Clone, Debug, PartialEq)]
pub enum SimAction {
    /// Adds the account as a friend (or unblocks it).
    Follow,
    /// Blocks the account.
    Unfollow,
    /// Writes a text message: not blank, at most `line::validate::MAX_TEXT_LENGTH` characters.
    Text(String),
    /// Taps a button, quick reply or rich menu area the account sent.
    Tap(Action),
}

impl SimAction {
    /// `follow`, `unfollow`, `text` or `action`: the simulator's names, for logs and the audit.
    pub fn name(&self) -> &'static str {
        match self {
            SimAction::Follow => "follow",
            SimAction::Unfollow => "unfollow",
            SimAction::Text(_) => "text",
            SimAction::Tap(_) => "action",
        }
    }
}

//! What the sandbox remembers, behind one mutex: channels with their friends, chats, rich
//! menus, aliases, accepted retry keys, usage and statistics; plus the short-lived reply tokens.
//!
//! Chat entries are small: the message JSON is shared (`Arc`) between every recipient of one
//! request, so a multicast to 500 friends stores the message once and 500 pointers.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use line::api::SentMessage;
use line::rich_menu::RichMenu;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{ChatEntry, SandboxChannel, SandboxError, SimFriend};

#[derive(Default)]
pub(crate) struct State {
    pub channels: HashMap<String, Channel>,
    /// Access token → channel key.
    pub tokens: HashMap<String, String>,
    pub reply_tokens: HashMap<String, ReplyToken>,
    /// Numbers chat entries (their `id`) across the sandbox.
    pub entry_seq: u64,
}

pub(crate) struct Channel {
    /// `None` while the state file knows the channel but the server has not added it (yet).
    pub config: Option<SandboxChannel>,
    pub data: ChannelData,
}

pub(crate) struct ReplyToken {
    pub channel: String,
    pub user_id: String,
    pub expires: Instant,
}

/// Everything persisted per channel (chats are persisted separately, see `persist`).
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct ChannelData {
    pub friends: HashMap<String, Friend>,
    pub friend_seq: u64,
    pub rich_menus: HashMap<String, StoredRichMenu>,
    pub rich_menu_seq: u64,
    pub default_rich_menu: Option<String>,
    /// Alias id → rich menu id.
    pub aliases: BTreeMap<String, String>,
    /// Retry key (lowercase UUID) → the accepted request.
    pub retry_keys: HashMap<String, AcceptedRetry>,
    /// Month in Japan time (`2026-11`) → messages delivered (one per recipient per request).
    pub usage: BTreeMap<String, i64>,
    /// Sent message id → statistics, for messages sent with a custom aggregation unit.
    pub stats: HashMap<Arc<str>, SentStat>,
    /// Rich menu id → day (Japan time) → what the simulated friends did with the menu, for
    /// LINE's rich menu statistics. Dropped with the menu.
    pub rich_menu_stats: HashMap<String, BTreeMap<NaiveDate, RichMenuDayStat>>,
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Friend {
    /// Shared with snapshots (copied on write).
    pub profile: Arc<SimFriend>,
    pub order: u64,
    /// Shared with snapshots (copied on write).
    #[serde(skip)]
    pub chat: Arc<VecDeque<Entry>>,
    /// The last webhook event of this friend, for `redeliver_last`.
    pub last_event: Option<Arc<Value>>,
    /// The menu shown after a `richmenuswitch` tap; cleared when the per-user link changes.
    #[serde(default)]
    pub switched_rich_menu: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Via {
    Push,
    Multicast,
    Reply,
    Friend,
}

impl Via {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Via::Push => "push",
            Via::Multicast => "multicast",
            Via::Reply => "reply",
            Via::Friend => "friend",
        }
    }
}

#[derive(Clone)]
pub(crate) struct Entry {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub via: Via,
    pub message: Arc<Value>,
    pub unit: Option<Arc<str>>,
    pub sent_message_id: Option<Arc<str>>,
}

impl Entry {
    pub(crate) fn to_public(&self) -> ChatEntry {
        ChatEntry {
            id: self.seq.to_string(),
            at: self.at,
            from_friend: self.via == Via::Friend,
            via: self.via.name().to_owned(),
            message: (*self.message).clone(),
            aggregation_unit: self.unit.as_deref().map(str::to_owned),
            sent_message_id: self.sent_message_id.as_deref().map(str::to_owned),
        }
    }
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct StoredRichMenu {
    pub seq: u64,
    pub menu: RichMenu,
    pub image: Option<StoredImage>,
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct StoredImage {
    pub content_type: String,
    /// Kept in memory; persisted as a file beside the state file.
    #[serde(skip)]
    pub bytes: Bytes,
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct AcceptedRetry {
    pub at: DateTime<Utc>,
    pub request_id: String,
    #[serde(default)]
    pub sent_messages: Vec<SentMessage>,
}

/// One message sent with a custom aggregation unit.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct SentStat {
    pub unit: Arc<str>,
    /// 1-based position in its request.
    pub seq: i32,
    /// The day it was sent, Japan time.
    pub date: NaiveDate,
    pub request_id: Arc<str>,
    pub impressions: i64,
    pub viewers: HashSet<String>,
    /// URL → clicks.
    pub clicks: BTreeMap<String, ClickStat>,
}

#[derive(Clone, Default, Serialize, Deserialize)]
pub(crate) struct ClickStat {
    pub total: i64,
    pub users: HashSet<String>,
}

/// One rich menu on one day: how often it was shown open and each area tapped, with who did it
/// (LINE reports unique users beside each count).
#[derive(Clone, Default, Serialize, Deserialize)]
pub(crate) struct RichMenuDayStat {
    pub impressions: Tally,
    /// Area index → taps.
    pub taps: BTreeMap<usize, Tally>,
}

#[derive(Clone, Default, Serialize, Deserialize)]
pub(crate) struct Tally {
    pub count: i64,
    pub users: HashSet<String>,
}

impl Tally {
    pub(crate) fn add(&mut self, user_id: &str) {
        self.count += 1;
        self.users.insert(user_id.to_owned());
    }

    pub(crate) fn figures(&self) -> crate::SimCount {
        crate::SimCount {
            count: self.count,
            unique_users: i64::try_from(self.users.len()).unwrap_or(i64::MAX),
        }
    }
}

/// LINE's calendar (`line::api::LINE_UTC_OFFSET_SECONDS`): its statistics days and quota months.
pub(crate) fn jst() -> FixedOffset {
    FixedOffset::east_opt(line::api::LINE_UTC_OFFSET_SECONDS)
        .unwrap_or_else(|| unreachable!("+09:00 is a valid offset"))
}

pub(crate) fn jst_month(at: DateTime<Utc>) -> String {
    at.with_timezone(&jst()).format("%Y-%m").to_string()
}

impl State {
    /// A channel the server has added.
    pub(crate) fn channel(
        &self,
        key: &str,
    ) -> Result<(&SandboxChannel, &ChannelData), SandboxError> {
        match self.channels.get(key) {
            Some(Channel {
                config: Some(config),
                data,
            }) => Ok((config, data)),
            _ => Err(SandboxError::UnknownChannel),
        }
    }

    pub(crate) fn channel_mut(
        &mut self,
        key: &str,
    ) -> Result<(&SandboxChannel, &mut ChannelData), SandboxError> {
        match self.channels.get_mut(key) {
            Some(Channel {
                config: Some(config),
                data,
            }) => Ok((config, data)),
            _ => Err(SandboxError::UnknownChannel),
        }
    }
}

/// Appends to a chat, keeping at most `max` entries.
pub(crate) fn push_entry(chat: &mut VecDeque<Entry>, entry: Entry, max: usize) {
    if max == 0 {
        return;
    }
    while chat.len() >= max {
        chat.pop_front();
    }
    chat.push_back(entry);
}

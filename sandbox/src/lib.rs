//! The built-in LINE sandbox: an emulator of the part of LINE's Messaging API and LINE Login
//! that Machidayori uses, with simulated friends who follow, write, tap and open messages.
//!
//! It is the default when a city has no LINE credentials yet (trials), and the target of every
//! test and benchmark (LINE forbids load tests against its platform). So it behaves like LINE
//! where our client can tell: the same paths, status codes, error bodies (`message`, `details`
//! with `property`), limits (`line::validate`), rate limits (`line::rate`, answered with 429
//! and no `Retry-After`), `X-Line-Retry-Key` semantics (409 with `sentMessages` and
//! `x-line-accepted-request-id`), single-use reply tokens, and an `x-line-request-id` on every
//! response. One sandbox serves several channels; the `Authorization: Bearer` token says which,
//! and a channel can only reach its own friends.
//!
//! Emulated ([`Sandbox::router`], mounted by the server at `/sandbox/line`, used as both the API
//! and the API-data base URL): push, multicast, reply, profile, quota and consumption; rich
//! menus (create, list, get, delete, image upload and download with PNG/JPEG size checks,
//! default, per-user link, bulk link/unlink, aliases); statistics per custom aggregation unit
//! (values under 20 are `null`, as LINE answers); LINE Login's `POST /oauth2/v2.1/verify` for
//! ID tokens minted by [`Sandbox::mint_id_token`] (HS256 with a random key of this sandbox).
//!
//! Simulated friends (the admin UI's simulator and the tests drive them): follow, unfollow,
//! text, postback and action taps become webhook deliveries built as LINE builds them (ULID
//! `webhookEventId`, reply token, `x-line-signature`, `LineBotWebhook/2.0`), POSTed to the
//! channel's webhook URL; what the account sends them is kept as a chat per friend (the message
//! JSON exactly as sent, shared between the recipients of one request, so a multicast costs a
//! pointer per recipient). Opens and URL clicks feed the statistics.
//!
//! Not emulated: narrowcast, broadcast, audiences, groups and rooms, message content download,
//! rich menu batch operations, LINE Login's authorization flow (only ID token verification),
//! webhook redelivery by LINE itself (only [`Sandbox::redeliver_last`] on request), the
//! statistics' 14-day settling and per-device counting. Rich menu aliases are kept when their
//! menu is deleted.
//!
//! Single process: the state lives in memory behind one mutex (held briefly, never across an
//! `.await`) and, with [`SandboxConfig::state_file`], is saved as JSON (written to a temporary
//! file and renamed) by a background thread at most about once per second after a change (less
//! often when the state is big: it waits ten times as long as the last save took), plus on
//! [`Sandbox::flush`] and when the last handle is dropped. A save holds the lock only to copy
//! the state (chats and profiles are shared, copied on write): 25-50 ms for 100,000 friends in a
//! release build on a busy 2-core machine. Two processes must not share a state file. Meant for
//! trials and tests, not for real users.

// No `unsafe` in our code: memory safety is the compiler's to prove (IPA: buffer overflow).
#![forbid(unsafe_code)]

mod http;
mod id_token;
mod ids;
mod image;
mod persist;
mod state;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use line::message::Action;
use line::rate::{Gcra, RateClass, RateLimit};
use line::rich_menu::RichMenu;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub use ids::{is_ulid, ulid_time_ms};
use state::{ChannelData, Entry, Friend, ReplyToken, State, Via, push_entry};

/// How the sandbox behaves; `Default` is LINE's behaviour without a state file.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Where to keep friends, chats, rich menus and statistics across restarts (JSON; rich
    /// menu images go to `<state_file>.images/`). `None`: memory only.
    pub state_file: Option<PathBuf>,
    /// Overrides of LINE's published rate limits, per class (e.g. a tiny multicast limit in a
    /// test). The burst equals the count, so a client pacing at the limit is never refused.
    pub rate_limits: HashMap<RateClass, RateLimit>,
    /// How long a reply token stays valid (LINE: about a minute).
    pub reply_token_ttl: Duration,
    /// Lifetime of minted ID tokens (LINE: an hour).
    pub id_token_ttl: Duration,
    /// Older chat entries are forgotten beyond this many per friend.
    pub max_chat_entries_per_friend: usize,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            state_file: None,
            rate_limits: HashMap::new(),
            reply_token_ttl: Duration::from_secs(60),
            id_token_ttl: Duration::from_secs(3600),
            max_chat_entries_per_friend: 200,
        }
    }
}

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
    /// The sent message id (for [`Sandbox::open_message`] and [`Sandbox::open_url`]).
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
}

/// Why a simulator operation failed (shown to staff on the simulator page).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SandboxError {
    #[error("LINE サンドボックスにこのチャネルはありません。")]
    UnknownChannel,
    #[error("この友だちはこのチャネルにいません。")]
    UnknownFriend,
    #[error("この友だちは友だち追加していないか、ブロック中です。")]
    NotFollowing,
    #[error("この友だちはすでに友だち追加しています。")]
    AlreadyFollowing,
    #[error("このチャネルには LINE ログインのチャネル ID が設定されていません。")]
    NoLoginChannel,
    #[error("再送できるイベントがまだありません。")]
    NoEvent,
    #[error("{0}")]
    Invalid(String),
    #[error("LINE サンドボックスの状態ファイルを読み書きできません: {0}")]
    StateFile(String),
    #[error("Webhook 送信用の HTTP クライアントを用意できません: {0}")]
    HttpClient(String),
}

/// The sandbox; cheap to clone (all clones share one state).
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    config: SandboxConfig,
    state: Mutex<State>,
    /// Channel key → class → limiter.
    limiters: Mutex<HashMap<String, HashMap<RateClass, Gcra>>>,
    http: reqwest::Client,
    id_token_key: [u8; 32],
    ulids: ids::UlidGenerator,
    dirty: AtomicBool,
    save_lock: Mutex<()>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Err(e) = persist::save_if_dirty(self) {
            tracing::warn!(error = %e, "LINE sandbox: could not save the state file");
        }
    }
}

/// Where and how to deliver one channel's webhooks.
struct Target {
    url: Option<String>,
    secret: String,
    destination: String,
}

impl Sandbox {
    /// A sandbox; with a state file, loads it when it exists and keeps it up to date.
    pub fn new(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let loaded = match &config.state_file {
            Some(path) => persist::load(path)?,
            None => None,
        };
        let (state, id_token_key) = match loaded {
            Some(l) => (l.state, l.id_token_key),
            None => (State::default(), ids::random_key()),
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent("LineBotWebhook/2.0")
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SandboxError::HttpClient(e.to_string()))?;
        let has_file = config.state_file.is_some();
        let inner = Arc::new(Inner {
            config,
            state: Mutex::new(state),
            limiters: Mutex::new(HashMap::new()),
            http,
            id_token_key,
            ulids: ids::UlidGenerator::default(),
            dirty: AtomicBool::new(false),
            save_lock: Mutex::new(()),
        });
        if has_file {
            persist::spawn_saver(Arc::downgrade(&inner), Duration::from_secs(1));
        }
        Ok(Sandbox { inner })
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    /// Adds a channel, or updates the one with the same key (its friends and menus stay).
    pub fn add_channel(&self, channel: SandboxChannel) {
        let mut st = self.inner.lock();
        st.tokens.retain(|_, key| *key != channel.key);
        st.tokens
            .insert(channel.access_token.clone(), channel.key.clone());
        match st.channels.get_mut(&channel.key) {
            Some(existing) => existing.config = Some(channel),
            None => {
                st.channels.insert(
                    channel.key.clone(),
                    state::Channel {
                        config: Some(channel),
                        data: ChannelData::default(),
                    },
                );
            }
        }
    }

    /// The channels added so far.
    pub fn channels(&self) -> Vec<SandboxChannel> {
        let st = self.inner.lock();
        let mut channels: Vec<_> = st
            .channels
            .values()
            .filter_map(|c| c.config.clone())
            .collect();
        channels.sort_by(|a, b| a.key.cmp(&b.key));
        channels
    }

    /// The HTTP API, without prefix (the server nests it at `/sandbox/line`).
    pub fn router(&self) -> axum::Router {
        http::router(self.clone())
    }

    /// Saves the state file now if anything changed (the server calls it at shutdown).
    pub fn flush(&self) -> Result<(), SandboxError> {
        persist::save_if_dirty(&self.inner)
    }

    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.inner.lock())
    }

    pub(crate) fn mark_dirty(&self) {
        self.inner.dirty.store(true, Ordering::Release);
    }

    /// Takes a slot of the channel's limit for `class`; false: answer 429.
    pub(crate) fn take_rate(&self, channel: &str, class: RateClass) -> bool {
        let mut limiters = self
            .inner
            .limiters
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let per_channel = match limiters.get_mut(channel) {
            Some(map) => map,
            None => limiters.entry(channel.to_owned()).or_default(),
        };
        let gcra = per_channel.entry(class).or_insert_with(|| {
            let limit = self
                .inner
                .config
                .rate_limits
                .get(&class)
                .copied()
                .unwrap_or_else(|| class.default_limit());
            Gcra::new(limit, limit.count)
        });
        gcra.try_take(Instant::now()).is_ok()
    }

    pub(crate) fn channel_for_token(&self, token: &str) -> Option<String> {
        self.inner.lock().tokens.get(token).cloned()
    }

    pub(crate) fn id_token_key(&self) -> &[u8; 32] {
        &self.inner.id_token_key
    }

    // ----- Simulator operations -----

    /// The channel's simulated friends, oldest first (empty for an unknown channel).
    pub fn friends(&self, channel_key: &str) -> Vec<SimFriend> {
        let st = self.inner.lock();
        let Ok((_, data)) = st.channel(channel_key) else {
            return Vec::new();
        };
        let mut friends: Vec<_> = data.friends.values().collect();
        friends.sort_by_key(|f| f.order);
        friends.into_iter().map(|f| (*f.profile).clone()).collect()
    }

    pub fn friend(&self, channel_key: &str, user_id: &str) -> Result<SimFriend, SandboxError> {
        let st = self.inner.lock();
        let (_, data) = st.channel(channel_key)?;
        data.friends
            .get(user_id)
            .map(|f| (*f.profile).clone())
            .ok_or(SandboxError::UnknownFriend)
    }

    /// A new simulated user of the channel, not yet following (see [`Sandbox::follow`]).
    pub fn create_friend(
        &self,
        channel_key: &str,
        new: NewSimFriend,
    ) -> Result<SimFriend, SandboxError> {
        let display_name = new.display_name.trim();
        if display_name.is_empty() {
            return Err(SandboxError::Invalid("表示名を入力してください。".into()));
        }
        let profile = SimFriend {
            user_id: ids::user_id(),
            display_name: display_name.to_owned(),
            picture_url: new.picture_url.filter(|s| !s.is_empty()),
            status_message: new.status_message.filter(|s| !s.is_empty()),
            language: new.language.filter(|s| !s.is_empty()),
            following: false,
            created_at: Utc::now(),
            followed_at: None,
            unfollowed_at: None,
            rich_menu_id: None,
        };
        self.with_state(|st| {
            let (_, data) = st.channel_mut(channel_key)?;
            insert_friend(data, profile.clone());
            Ok::<_, SandboxError>(())
        })?;
        self.mark_dirty();
        Ok(profile)
    }

    /// `count` friends who already follow the account, without webhook deliveries: for load
    /// tests and benchmarks. Named `名前{n}`; returns their user ids.
    pub fn seed_friends(
        &self,
        channel_key: &str,
        count: usize,
    ) -> Result<Vec<String>, SandboxError> {
        let now = Utc::now();
        let ids = self.with_state(|st| {
            let (_, data) = st.channel_mut(channel_key)?;
            data.friends.reserve(count);
            let first = data.friend_seq;
            Ok::<_, SandboxError>(
                (0..count)
                    .map(|i| {
                        let profile = SimFriend {
                            user_id: ids::user_id(),
                            display_name: format!("友だち{}", first + i as u64 + 1),
                            picture_url: None,
                            status_message: None,
                            language: Some("ja".into()),
                            following: true,
                            created_at: now,
                            followed_at: Some(now),
                            unfollowed_at: None,
                            rich_menu_id: None,
                        };
                        let id = profile.user_id.clone();
                        insert_friend(data, profile);
                        id
                    })
                    .collect::<Vec<_>>(),
            )
        })?;
        self.mark_dirty();
        Ok(ids)
    }

    /// The friend adds (or unblocks) the account: a `follow` event with a reply token;
    /// `follow.isUnblocked` when they had blocked it before.
    pub async fn follow(&self, channel_key: &str, user_id: &str) -> Result<Delivery, SandboxError> {
        let user = user_id.to_owned();
        self.dispatch(channel_key, user_id, "follow", true, move |data, _, now| {
            let friend = data
                .friends
                .get_mut(&user)
                .ok_or(SandboxError::UnknownFriend)?;
            if friend.profile.following {
                return Err(SandboxError::AlreadyFollowing);
            }
            let is_unblocked = friend.profile.unfollowed_at.is_some();
            Arc::make_mut(&mut friend.profile).following = true;
            Arc::make_mut(&mut friend.profile).followed_at = Some(now);
            Ok(fields([("follow", json!({ "isUnblocked": is_unblocked }))]))
        })
        .await
    }

    /// The friend blocks the account: an `unfollow` event (no reply token).
    pub async fn unfollow(
        &self,
        channel_key: &str,
        user_id: &str,
    ) -> Result<Delivery, SandboxError> {
        let user = user_id.to_owned();
        self.dispatch(
            channel_key,
            user_id,
            "unfollow",
            false,
            move |data, _, now| {
                let friend = following(data, &user)?;
                Arc::make_mut(&mut friend.profile).following = false;
                Arc::make_mut(&mut friend.profile).unfollowed_at = Some(now);
                Ok(Map::new())
            },
        )
        .await
    }

    /// The friend writes `text`: a text `message` event (with `id` and `quoteToken`) and a reply
    /// token; the text is kept in the chat as from the friend.
    pub async fn send_text(
        &self,
        channel_key: &str,
        user_id: &str,
        text: &str,
    ) -> Result<Delivery, SandboxError> {
        if text.is_empty() {
            return Err(SandboxError::Invalid(
                "メッセージを入力してください。".into(),
            ));
        }
        let message = json!({
            "id": ids::message_id(),
            "type": "text",
            "quoteToken": ids::quote_token(),
            "text": text,
        });
        let user = user_id.to_owned();
        let max = self.inner.config.max_chat_entries_per_friend;
        self.dispatch(
            channel_key,
            user_id,
            "message",
            true,
            move |data, seq, now| {
                let friend = following(data, &user)?;
                push_entry(
                    Arc::make_mut(&mut friend.chat),
                    friend_entry(seq, now, message.clone()),
                    max,
                );
                Ok(fields([("message", message)]))
            },
        )
        .await
    }

    /// The friend taps a postback action: a `postback` event with `data` (and `params` for
    /// date/time pickers and rich menu switches); kept in the chat as from the friend
    /// (`displayText` is what LINE shows there).
    pub async fn postback(
        &self,
        channel_key: &str,
        user_id: &str,
        data: &str,
        display_text: Option<&str>,
        params: Option<Value>,
    ) -> Result<Delivery, SandboxError> {
        self.postback_inner(channel_key, user_id, data, display_text, params, None)
            .await
    }

    async fn postback_inner(
        &self,
        channel_key: &str,
        user_id: &str,
        data: &str,
        display_text: Option<&str>,
        params: Option<Value>,
        switch_alias: Option<String>,
    ) -> Result<Delivery, SandboxError> {
        let user = user_id.to_owned();
        let data_text = data.to_owned();
        let display_text = display_text.map(str::to_owned);
        let max = self.inner.config.max_chat_entries_per_friend;
        self.dispatch(
            channel_key,
            user_id,
            "postback",
            true,
            move |ch, seq, now| {
                let mut params = params;
                if let Some(alias) = switch_alias {
                    let target = ch.aliases.get(&alias).cloned();
                    let status = match &target {
                        None => "RICHMENU_ALIAS_ID_NOTFOUND",
                        Some(id) if !ch.rich_menus.contains_key(id) => "RICHMENU_NOTFOUND",
                        Some(_) => "SUCCESS",
                    };
                    let friend = following(ch, &user)?;
                    if status == "SUCCESS" {
                        friend.switched_rich_menu = target;
                    }
                    params = Some(json!({ "newRichMenuAliasId": alias, "status": status }));
                }
                let friend = following(ch, &user)?;
                let mut postback = Map::new();
                postback.insert("data".into(), Value::String(data_text));
                if let Some(p) = &params {
                    postback.insert("params".into(), p.clone());
                }
                let mut shown = json!({ "type": "postback" });
                if let Value::Object(shown) = &mut shown {
                    shown.extend(postback.clone());
                    if let Some(t) = &display_text {
                        shown.insert("displayText".into(), Value::String(t.clone()));
                    }
                }
                push_entry(
                    Arc::make_mut(&mut friend.chat),
                    friend_entry(seq, now, shown),
                    max,
                );
                Ok(fields([("postback", Value::Object(postback))]))
            },
        )
        .await
    }

    /// The friend taps an action (a button, quick reply, rich menu area): `message` sends its
    /// text, `postback` its data, `datetimepicker` a postback with the initial (or current)
    /// value in `params`, `richmenuswitch` a postback with `newRichMenuAliasId` and shows the
    /// aliased menu; `uri` counts a click (without a sent message: use [`Sandbox::open_url`] to
    /// attribute it) and delivers nothing; the others (camera, location...) do nothing here.
    pub async fn tap_action(
        &self,
        channel_key: &str,
        user_id: &str,
        action: &Action,
    ) -> Result<Option<Delivery>, SandboxError> {
        match action {
            Action::Message { text, .. } => {
                self.send_text(channel_key, user_id, text).await.map(Some)
            }
            Action::Postback {
                data, display_text, ..
            } => self
                .postback(channel_key, user_id, data, display_text.as_deref(), None)
                .await
                .map(Some),
            Action::DatetimePicker {
                data,
                mode,
                initial,
                ..
            } => {
                let params = picker_params(mode, initial.as_deref());
                self.postback(channel_key, user_id, data, None, Some(params))
                    .await
                    .map(Some)
            }
            Action::RichMenuSwitch {
                rich_menu_alias_id,
                data,
                ..
            } => self
                .postback_inner(
                    channel_key,
                    user_id,
                    data,
                    None,
                    None,
                    Some(rich_menu_alias_id.clone()),
                )
                .await
                .map(Some),
            Action::Uri { uri, .. } => {
                self.friend(channel_key, user_id)?;
                self.open_url(channel_key, user_id, None, uri);
                Ok(None)
            }
            Action::Camera { .. }
            | Action::CameraRoll { .. }
            | Action::Location { .. }
            | Action::Clipboard { .. } => {
                self.friend(channel_key, user_id)?;
                Ok(None)
            }
        }
    }

    /// The friend sees a message they received (an impression, for statistics). Ignored unless
    /// the message is in their chat and was sent with a custom aggregation unit.
    pub fn open_message(&self, channel_key: &str, user_id: &str, sent_message_id: &str) {
        let changed = self.with_state(|st| {
            let Ok((_, data)) = st.channel_mut(channel_key) else {
                return false;
            };
            if !received(data, user_id, sent_message_id) {
                return false;
            }
            let Some(stat) = data.stats.get_mut(sent_message_id) else {
                return false;
            };
            stat.impressions += 1;
            stat.viewers.insert(user_id.to_owned());
            true
        });
        if changed {
            self.mark_dirty();
        }
    }

    /// The friend opens `url` from a message (a click, for statistics; counted when the message
    /// is in their chat and was sent with a custom aggregation unit).
    pub fn open_url(
        &self,
        channel_key: &str,
        user_id: &str,
        sent_message_id: Option<&str>,
        url: &str,
    ) {
        let Some(sent_message_id) = sent_message_id else {
            return;
        };
        let changed = self.with_state(|st| {
            let Ok((_, data)) = st.channel_mut(channel_key) else {
                return false;
            };
            if !received(data, user_id, sent_message_id) {
                return false;
            }
            let Some(stat) = data.stats.get_mut(sent_message_id) else {
                return false;
            };
            let click = stat.clicks.entry(url.to_owned()).or_default();
            click.total += 1;
            click.users.insert(user_id.to_owned());
            true
        });
        if changed {
            self.mark_dirty();
        }
    }

    /// The friend's chat with the account, oldest first.
    pub fn chat(&self, channel_key: &str, user_id: &str) -> Vec<ChatEntry> {
        let st = self.inner.lock();
        let Ok((_, data)) = st.channel(channel_key) else {
            return Vec::new();
        };
        data.friends
            .get(user_id)
            .map(|f| f.chat.iter().map(Entry::to_public).collect())
            .unwrap_or_default()
    }

    /// An ID token for the friend, as `liff.getIDToken()` would give (aud = the channel's LINE
    /// Login channel id), which `POST /oauth2/v2.1/verify` accepts until it expires.
    pub fn mint_id_token(
        &self,
        channel_key: &str,
        user_id: &str,
        nonce: Option<&str>,
    ) -> Result<String, SandboxError> {
        let (aud, name, picture) = self.with_state(|st| {
            let (config, data) = st.channel(channel_key)?;
            let aud = config
                .login_channel_id
                .clone()
                .ok_or(SandboxError::NoLoginChannel)?;
            let friend = data
                .friends
                .get(user_id)
                .ok_or(SandboxError::UnknownFriend)?;
            Ok::<_, SandboxError>((
                aud,
                friend.profile.display_name.clone(),
                friend.profile.picture_url.clone(),
            ))
        })?;
        let iat = Utc::now().timestamp();
        let ttl = i64::try_from(self.inner.config.id_token_ttl.as_secs()).unwrap_or(i64::MAX / 2);
        Ok(id_token::mint(
            &self.inner.id_token_key,
            &id_token::Mint {
                sub: user_id,
                aud: &aud,
                iat,
                exp: iat.saturating_add(ttl),
                nonce,
                name: Some(&name),
                picture: picture.as_deref(),
            },
        ))
    }

    /// Sends the friend's last event again, with the same `webhookEventId` and
    /// `deliveryContext.isRedelivery = true` (as LINE's redelivery does).
    pub async fn redeliver_last(
        &self,
        channel_key: &str,
        user_id: &str,
    ) -> Result<Delivery, SandboxError> {
        let (target, mut event) = self.with_state(|st| {
            let (config, data) = st.channel(channel_key)?;
            let friend = data
                .friends
                .get(user_id)
                .ok_or(SandboxError::UnknownFriend)?;
            let event = friend
                .last_event
                .as_deref()
                .cloned()
                .ok_or(SandboxError::NoEvent)?;
            Ok::<_, SandboxError>((target_of(config), event))
        })?;
        event["deliveryContext"] = json!({ "isRedelivery": true });
        let id = event["webhookEventId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let reply_token = event["replyToken"].as_str().map(str::to_owned);
        Ok(self.post(target, event, id, reply_token).await)
    }

    /// The rich menu the friend sees: after a `richmenuswitch`, the switched-to menu; else the
    /// per-user link; else the default.
    pub fn effective_rich_menu(&self, channel_key: &str, user_id: &str) -> Option<SimRichMenu> {
        let st = self.inner.lock();
        let (_, data) = st.channel(channel_key).ok()?;
        let friend = data.friends.get(user_id)?;
        [
            friend.switched_rich_menu.as_ref(),
            friend.profile.rich_menu_id.as_ref(),
            data.default_rich_menu.as_ref(),
        ]
        .into_iter()
        .flatten()
        .find_map(|id| {
            data.rich_menus.get(id).map(|m| SimRichMenu {
                rich_menu_id: id.clone(),
                menu: m.menu.clone(),
                image_content_type: m.image.as_ref().map(|i| i.content_type.clone()),
            })
        })
    }

    /// A rich menu's image: content type and bytes.
    pub fn rich_menu_image(
        &self,
        channel_key: &str,
        rich_menu_id: &str,
    ) -> Option<(String, Vec<u8>)> {
        let st = self.inner.lock();
        let (_, data) = st.channel(channel_key).ok()?;
        let image = data.rich_menus.get(rich_menu_id)?.image.as_ref()?;
        Some((image.content_type.clone(), image.bytes.to_vec()))
    }

    /// Builds an event, lets `prepare` change the state and add the event's own fields (under
    /// the lock, atomically with issuing the reply token), then delivers it (without the lock).
    async fn dispatch<F>(
        &self,
        channel_key: &str,
        user_id: &str,
        event_type: &str,
        replyable: bool,
        prepare: F,
    ) -> Result<Delivery, SandboxError>
    where
        F: FnOnce(
            &mut ChannelData,
            &mut u64,
            DateTime<Utc>,
        ) -> Result<Map<String, Value>, SandboxError>,
    {
        let now = Utc::now();
        let now_ms = now.timestamp_millis();
        let webhook_event_id = self
            .inner
            .ulids
            .next(u64::try_from(now_ms).unwrap_or_default());
        let reply_token = replyable.then(ids::reply_token);
        let ttl = self.inner.config.reply_token_ttl;
        let (target, event) = self.with_state(|st| {
            let State {
                channels,
                reply_tokens,
                entry_seq,
                ..
            } = st;
            let (config, data) = match channels.get_mut(channel_key) {
                Some(state::Channel {
                    config: Some(config),
                    data,
                }) => (config, data),
                _ => return Err(SandboxError::UnknownChannel),
            };
            if !data.friends.contains_key(user_id) {
                return Err(SandboxError::UnknownFriend);
            }
            let mut event = prepare(data, entry_seq, now)?;
            event.insert("type".into(), json!(event_type));
            event.insert("mode".into(), json!("active"));
            event.insert("timestamp".into(), json!(now_ms));
            event.insert(
                "source".into(),
                json!({ "type": "user", "userId": user_id }),
            );
            event.insert("webhookEventId".into(), json!(webhook_event_id));
            event.insert("deliveryContext".into(), json!({ "isRedelivery": false }));
            if let Some(token) = &reply_token {
                event.insert("replyToken".into(), json!(token));
                let expires = Instant::now() + ttl;
                if reply_tokens.len() >= 10_000 {
                    let at = Instant::now();
                    reply_tokens.retain(|_, t| t.expires > at);
                }
                reply_tokens.insert(
                    token.clone(),
                    ReplyToken {
                        channel: channel_key.to_owned(),
                        user_id: user_id.to_owned(),
                        expires,
                    },
                );
            }
            let event = Value::Object(event);
            if let Some(friend) = data.friends.get_mut(user_id) {
                friend.last_event = Some(Arc::new(event.clone()));
            }
            Ok((target_of(config), event))
        })?;
        self.mark_dirty();
        Ok(self
            .post(target, event, webhook_event_id, reply_token)
            .await)
    }

    /// POSTs one event to the channel's webhook, signed as LINE signs it.
    async fn post(
        &self,
        target: Target,
        event: Value,
        webhook_event_id: String,
        reply_token: Option<String>,
    ) -> Delivery {
        let mut delivery = Delivery {
            webhook_event_id,
            status: None,
            error: None,
            reply_token,
        };
        let Some(url) = target.url else {
            delivery.error = Some("Webhook URL が設定されていないため、送信していません。".into());
            return delivery;
        };
        let body = json!({ "destination": target.destination, "events": [event] });
        let body = match serde_json::to_vec(&body) {
            Ok(b) => b,
            Err(e) => {
                delivery.error = Some(format!("イベントを JSON にできません: {e}"));
                return delivery;
            }
        };
        let signature = line::signature::sign(&target.secret, &body);
        let started = Instant::now();
        let result = self
            .inner
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("x-line-signature", signature)
            .body(body)
            .send()
            .await;
        match result {
            Ok(response) => {
                let status = response.status();
                // Read the answer, as LINE does, before timing the delivery.
                let _ = response.bytes().await;
                let elapsed = started.elapsed();
                delivery.status = Some(status.as_u16());
                if !status.is_success() {
                    delivery.error = Some(format!(
                        "Webhook が HTTP {} を返しました（LINE では配信失敗）。",
                        status.as_u16()
                    ));
                } else if elapsed > Duration::from_secs(2) {
                    delivery.error = Some(format!(
                        "Webhook の応答に {:.1} 秒かかりました（LINE では 2 秒を超えると配信失敗）。",
                        elapsed.as_secs_f64()
                    ));
                }
            }
            Err(e) if e.is_timeout() => {
                delivery.error = Some("Webhook が 10 秒以内に応答しませんでした。".into());
            }
            Err(e) => {
                delivery.error = Some(format!("Webhook に接続できません: {e}"));
            }
        }
        if let Some(error) = &delivery.error {
            tracing::debug!(url = %url, %error, "LINE sandbox: webhook delivery failed");
        }
        delivery
    }
}

fn target_of(config: &SandboxChannel) -> Target {
    Target {
        url: config.webhook_url.clone().filter(|u| !u.is_empty()),
        secret: config.channel_secret.clone(),
        destination: config.bot_user_id.clone(),
    }
}

fn insert_friend(data: &mut ChannelData, profile: SimFriend) {
    data.friend_seq += 1;
    data.friends.insert(
        profile.user_id.clone(),
        Friend {
            profile: Arc::new(profile),
            order: data.friend_seq,
            chat: Default::default(),
            last_event: None,
            switched_rich_menu: None,
        },
    );
}

fn following<'a>(data: &'a mut ChannelData, user_id: &str) -> Result<&'a mut Friend, SandboxError> {
    let friend = data
        .friends
        .get_mut(user_id)
        .ok_or(SandboxError::UnknownFriend)?;
    if friend.profile.following {
        Ok(friend)
    } else {
        Err(SandboxError::NotFollowing)
    }
}

fn received(data: &ChannelData, user_id: &str, sent_message_id: &str) -> bool {
    data.friends.get(user_id).is_some_and(|f| {
        f.chat
            .iter()
            .any(|e| e.sent_message_id.as_deref() == Some(sent_message_id))
    })
}

fn friend_entry(seq: &mut u64, at: DateTime<Utc>, message: Value) -> Entry {
    *seq += 1;
    Entry {
        seq: *seq,
        at,
        via: Via::Friend,
        message: Arc::new(message),
        unit: None,
        sent_message_id: None,
    }
}

fn fields<const N: usize>(items: [(&str, Value); N]) -> Map<String, Value> {
    items.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// `params` of a date/time picker postback: the initial value, or now (Japan time).
fn picker_params(mode: &str, initial: Option<&str>) -> Value {
    let now = Utc::now().with_timezone(&state::jst());
    let (key, default) = match mode {
        "date" => ("date", now.format("%Y-%m-%d").to_string()),
        "time" => ("time", now.format("%H:%M").to_string()),
        _ => ("datetime", now.format("%Y-%m-%dT%H:%M").to_string()),
    };
    json!({ key: initial.map(str::to_owned).unwrap_or(default) })
}

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
//! menus (create, validate, list, get, delete, image upload and download with PNG/JPEG size
//! checks, default, per-user link, bulk link/unlink, aliases); statistics per custom
//! aggregation unit (values under 20 are `null`, as LINE answers); LINE Login's
//! `POST /oauth2/v2.1/verify` for ID tokens minted by [`Sandbox::mint_id_token`] (HS256 with a
//! random key of this sandbox).
//!
//! Simulated friends (the admin UI's simulator and the tests drive them): follow, unfollow,
//! text, postback and action taps become webhook deliveries built as LINE builds them (ULID
//! `webhookEventId`, reply token, `x-line-signature`, `LineBotWebhook/2.0`), POSTed to the
//! channel's webhook URL; what the account sends them is kept as a chat per friend (the message
//! JSON exactly as sent, shared between the recipients of one request, so a multicast costs a
//! pointer per recipient). Opens and URL clicks feed the statistics. Each friend sees the rich
//! menu LINE would show them ([`Sandbox::effective_rich_menu`]: a switched tab, else their own
//! link, else the default); opening it ([`Sandbox::open_rich_menu`]) and tapping its areas
//! ([`Sandbox::tap_rich_menu_area`], which then performs the area's action) are counted per
//! menu, area and day with their unique users ([`Sandbox::rich_menu_days`]), the figures of
//! LINE's rich menu statistics.
//!
//! Not emulated: narrowcast, broadcast, audiences, groups and rooms, message content download,
//! rich menu batch operations and their validation, the rich menu statistics endpoints (the
//! counts are kept, see above), LINE Login's authorization flow (only ID token verification),
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
//!
//! Layout: this file holds the [`Sandbox`] handle, its [`SandboxConfig`] and [`SandboxError`];
//! `types` the public types, `friends` the simulated friends' actions, `webhook` how their
//! events are delivered, `rich_menus` the menu each friend sees and what they do with it,
//! `http` the emulated API, `state` and `persist` what is remembered and how it is saved,
//! [`Clock`] the sandbox's time (which tests move forward instead of sleeping).

mod clock;
mod friends;
mod http;
mod id_token;
mod ids;
mod image;
mod persist;
mod rich_menus;
mod state;
mod types;
mod webhook;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use line::rate::{Gcra, RateClass, RateLimit};

pub use clock::Clock;
pub use ids::{is_ulid, ulid_time_ms};
use state::{ChannelData, State};
pub use types::{
    ChatEntry, Delivery, MAX_DISPLAY_NAME_LENGTH, NewSimFriend, SandboxChannel, SimAction,
    SimCount, SimFriend, SimRichMenu, SimRichMenuDay, SimRichMenuSource,
};

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
    /// The sandbox's "now": the system clock, unless a test advances it.
    pub clock: Clock,
    /// Statistics include a simulated audience: of every message's recipients, a share opens it
    /// over the following hours and some tap its first link (for trying 配信履歴 and its charts;
    /// the admin panel labels such figures as simulated).
    pub simulated_audience: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            state_file: None,
            rate_limits: HashMap::new(),
            reply_token_ttl: Duration::from_secs(60),
            id_token_ttl: Duration::from_secs(3600),
            max_chat_entries_per_friend: 200,
            clock: Clock::default(),
            simulated_audience: false,
        }
    }
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

    /// Statistics include a simulated audience ([`SandboxConfig::simulated_audience`]).
    pub fn simulates_audience(&self) -> bool {
        self.inner.config.simulated_audience
    }

    /// The sandbox's "now" ([`SandboxConfig::clock`]).
    pub(crate) fn clock(&self) -> &Clock {
        &self.inner.config.clock
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
        gcra.try_take(self.clock().now()).is_ok()
    }

    pub(crate) fn channel_for_token(&self, token: &str) -> Option<String> {
        self.inner.lock().tokens.get(token).cloned()
    }

    pub(crate) fn id_token_key(&self) -> &[u8; 32] {
        &self.inner.id_token_key
    }
}

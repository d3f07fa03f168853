//! The Messaging API client (feature `client`, native only).
//!
//! Every call is checked against LINE's limits first (nothing is sent that LINE would refuse
//! for a reason we can see), paced by a process-wide [`RateLimiter`] so that LINE never has to
//! answer 429, and retried with backoff when LINE or the network fails on its side. Push and
//! multicast carry the caller's [`RetryKey`] on every attempt, so a retry can never deliver a
//! message twice.
//!
//! Neither the access token nor message bodies are logged; debug lines name the endpoint (as
//! a template, without user ids), the status and the attempt.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::{
    ErrorDetail, ErrorResponse, MulticastRequest, OAuthError, Profile, PushRequest, Quota,
    QuotaConsumption, ReplyRequest, RichMenuAliasList, RichMenuAliasUpdate,
    RichMenuBulkLinkRequest, RichMenuBulkUnlinkRequest, RichMenuIdResponse, SentMessage,
    SentMessagesResponse, StatisticsPerUnit, VerifiedIdToken,
};
use crate::rate::{Gcra, RateClass, RateLimit};
use crate::rich_menu::{RichMenu, RichMenuAlias};
use crate::validate::{self, Rule, Violation};

/// LINE's production hosts.
pub const LINE_API_BASE: &str = "https://api.line.me";
pub const LINE_DATA_BASE: &str = "https://api-data.line.me";

/// User ids in one bulk link or unlink request.
pub const MAX_BULK_USERS: usize = 500;
/// A rich menu image: LINE says "1 MB"; the decimal reading is the stricter one.
pub const MAX_RICH_MENU_IMAGE_BYTES: usize = 1_000_000;
const RICH_MENU_IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png"];

const RETRY_KEY_HEADER: &str = "x-line-retry-key";
const REQUEST_ID_HEADER: &str = "x-line-request-id";
const ACCEPTED_REQUEST_ID_HEADER: &str = "x-line-accepted-request-id";
/// Longest non-JSON error text kept from a response (proxies answer with whole HTML pages).
const MAX_ERROR_TEXT: usize = 500;

/// A channel access token. Prints as `***` so that it cannot end up in a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// When to try again after a 429, a 5xx, a timeout or a connection error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The ceiling of the first wait; it doubles per attempt.
    pub base_delay: Duration,
    /// The ceiling never grows past this.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The longest wait after failed attempt `attempt` (1-based):
    /// `min(max_delay, base_delay × 2^(attempt-1))`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// The wait after failed attempt `attempt`: uniformly random up to the ceiling ("full
    /// jitter"), so that many senders failing together do not come back together.
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = u64::try_from(self.ceiling(attempt).as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::random_range(0..=ceiling))
    }
}

/// Where and how one channel's client talks to LINE.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// E.g. `https://api.line.me`, or the sandbox's `http://127.0.0.1:3000/sandbox/line`.
    pub api_base: String,
    /// `https://api-data.line.me`: rich menu images.
    pub data_base: String,
    pub access_token: AccessToken,
    /// For one attempt, connecting and reading the answer included.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl ClientConfig {
    /// LINE's hosts with the default timeout (10 s) and retry policy.
    pub fn new(access_token: AccessToken) -> Self {
        Self {
            api_base: LINE_API_BASE.to_owned(),
            data_base: LINE_DATA_BASE.to_owned(),
            access_token,
            request_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
        }
    }
}

/// Paces the requests of the whole process: LINE's limits are per channel and endpoint class,
/// whichever task or client sends. Share one `Arc<RateLimiter>` between every [`Client`].
#[derive(Debug, Default)]
pub struct RateLimiter {
    overrides: HashMap<RateClass, RateLimit>,
    schedules: Mutex<HashMap<String, HashMap<RateClass, Gcra>>>,
}

impl RateLimiter {
    /// LINE's published limits, except the classes in `overrides`.
    pub fn new(overrides: HashMap<RateClass, RateLimit>) -> Self {
        Self {
            overrides,
            schedules: Mutex::default(),
        }
    }

    pub fn limit(&self, class: RateClass) -> RateLimit {
        self.overrides
            .get(&class)
            .copied()
            .unwrap_or_else(|| class.default_limit())
    }

    /// How many requests of `class` may go at once after a quiet period. Per-second classes:
    /// none (steady pacing is never refused by a server enforcing any burst, and 10 ms apart
    /// costs nothing). Hourly and per-minute classes: the whole budget, as the sandbox enforces
    /// it; one at a time would make staff wait 36 s between two rich menu changes and a minute
    /// between two statistics reads.
    pub fn burst(&self, class: RateClass) -> u32 {
        let limit = self.limit(class);
        if limit.per <= Duration::from_secs(1) {
            1
        } else {
            limit.count
        }
    }

    /// Takes the next slot of `channel`'s `class` and says when it starts.
    pub fn reserve(&self, channel: &str, class: RateClass) -> Instant {
        let now = Instant::now();
        // A panic elsewhere cannot leave a schedule half-updated: keep using it.
        let mut schedules = self
            .schedules
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !schedules.contains_key(channel) {
            schedules.insert(channel.to_owned(), HashMap::new());
        }
        match schedules.get_mut(channel) {
            Some(classes) => classes
                .entry(class)
                .or_insert_with(|| Gcra::new(self.limit(class), self.burst(class)))
                .reserve(now),
            None => now,
        }
    }

    /// Waits for the next slot (the lock is released before waiting). A slot taken by a call
    /// that is then dropped is lost, which only errs on the slow side.
    pub async fn acquire(&self, channel: &str, class: RateClass) {
        let start = self.reserve(channel, class);
        if start > Instant::now() {
            tokio::time::sleep_until(start.into()).await;
        }
    }
}

/// The `X-Line-Retry-Key` of one push or multicast request. The caller creates it and stores
/// it with the request BEFORE the first attempt, so that a resend after a crash uses the same
/// key and LINE answers 409 instead of delivering twice. Valid at LINE for 24 hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RetryKey(pub uuid::Uuid);

impl RetryKey {
    /// A new random (v4) key.
    pub fn random() -> Self {
        Self(uuid::Uuid::new_v4())
    }
}

impl fmt::Display for RetryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl FromStr for RetryKey {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        uuid::Uuid::parse_str(s).map(Self)
    }
}

/// A push or multicast LINE has taken: both variants mean "sent".
#[derive(Clone, Debug, PartialEq)]
pub enum SendOutcome {
    Accepted {
        request_id: Option<String>,
        sent_messages: Vec<SentMessage>,
    },
    /// 409 for our retry key: an earlier attempt (perhaps before a crash) was accepted.
    AlreadyAccepted {
        accepted_request_id: Option<String>,
        sent_messages: Vec<SentMessage>,
    },
}

impl SendOutcome {
    /// The id of the request LINE accepted, whichever attempt it was.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            SendOutcome::Accepted { request_id, .. } => request_id.as_deref(),
            SendOutcome::AlreadyAccepted {
                accepted_request_id,
                ..
            } => accepted_request_id.as_deref(),
        }
    }

    pub fn sent_messages(&self) -> &[SentMessage] {
        match self {
            SendOutcome::Accepted { sent_messages, .. }
            | SendOutcome::AlreadyAccepted { sent_messages, .. } => sent_messages,
        }
    }
}

/// Why a call did not succeed.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ClientError {
    /// Refused before sending, as LINE would refuse it; no request was made.
    #[error("not sent, LINE's limits are not met: {}", violations_text(.0))]
    Invalid(Vec<Violation>),
    /// LINE answered with a 4xx (other than 429, and 409 for a retry key): trying again
    /// cannot help. `error` is LINE's own explanation.
    #[error("LINE answered {status}: {}", error_text(error))]
    Rejected {
        status: u16,
        error: ErrorResponse,
        request_id: Option<String>,
    },
    /// 429, 5xx, timeouts or connection errors, until the retry policy ran out.
    #[error("LINE did not answer successfully after {attempts} attempt(s); last: {last}")]
    GaveUp { attempts: u32, last: String },
    /// The client could not be built or the request not formed (e.g. an unusable base URL).
    #[error("LINE API client: {0}")]
    Transport(String),
    /// LINE said yes but its answer could not be read.
    #[error("unexpected answer from LINE: {0}")]
    Unexpected(String),
}

impl ClientError {
    /// For staff, in Japanese; a rejection includes LINE's own message and details.
    pub fn message_ja(&self) -> String {
        match self {
            ClientError::Invalid(violations) => {
                let mut text = String::from("LINE の制限に合わないため送信しませんでした。");
                for v in violations {
                    text.push_str("\n・");
                    text.push_str(&v.message_ja());
                }
                text
            }
            ClientError::Rejected {
                status,
                error,
                request_id,
            } => {
                let mut text = format!(
                    "LINE が要求を受け付けませんでした（HTTP {status}{}）。LINE からのメッセージ: {}",
                    status_hint_ja(*status),
                    error.message
                );
                for d in &error.details {
                    text.push_str("\n・");
                    text.push_str(&detail_text(d));
                }
                if let Some(id) = request_id {
                    text.push_str(&format!("\n（LINE のリクエスト ID: {id}）"));
                }
                text
            }
            ClientError::GaveUp { attempts, last } => format!(
                "LINE との通信に失敗しました（{attempts} 回試行、最後の結果: {last}）。時間をおいてもう一度お試しください。"
            ),
            ClientError::Transport(m) => format!("LINE API の接続設定に問題があります: {m}"),
            ClientError::Unexpected(m) => format!("LINE から想定外の応答がありました: {m}"),
        }
    }
}

fn violations_text(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| v.message_ja())
        .collect::<Vec<_>>()
        .join(" ")
}

fn error_text(error: &ErrorResponse) -> String {
    let mut text = error.message.clone();
    if !error.details.is_empty() {
        let details: Vec<_> = error.details.iter().map(detail_text).collect();
        text.push_str(&format!(" ({})", details.join("; ")));
    }
    text
}

fn detail_text(d: &ErrorDetail) -> String {
    match (&d.property, &d.message) {
        (Some(p), Some(m)) => format!("{p}: {m}"),
        (Some(p), None) => p.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) => String::new(),
    }
}

fn status_hint_ja(status: u16) -> &'static str {
    match status {
        400 => "、内容に誤りがあります",
        401 => "、チャネルアクセストークンが無効です",
        403 => "、この操作は許可されていません",
        404 => "、対象が見つかりません",
        409 => "、すでに処理されています",
        413 => "、データが大きすぎます",
        415 => "、ファイル形式が対応していません",
        _ => "",
    }
}

/// The Messaging API for one channel. Cheap to clone (one connection pool inside).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    channel: String,
    api_base: String,
    data_base: String,
    token: AccessToken,
    retry: RetryPolicy,
    http: reqwest::Client,
    limiter: Arc<RateLimiter>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("channel", &self.inner.channel)
            .field("api_base", &self.inner.api_base)
            .field("data_base", &self.inner.data_base)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Copy)]
enum Host {
    Api,
    Data,
}

enum Body {
    Empty,
    Json(Vec<u8>),
    Form(Vec<(&'static str, String)>),
    Raw {
        content_type: String,
        bytes: Vec<u8>,
    },
}

/// One logical call; attempts are made from it.
struct Call<'a> {
    method: Method,
    host: Host,
    /// Percent-encoded, from the base's path on.
    path: String,
    /// The path as a template, for logs (user ids are personal data).
    endpoint: &'static str,
    query: Vec<(&'static str, String)>,
    body: Body,
    retry_key: Option<&'a RetryKey>,
}

impl<'a> Call<'a> {
    fn new(method: Method, path: String, endpoint: &'static str) -> Self {
        Self {
            method,
            host: Host::Api,
            path,
            endpoint,
            query: Vec::new(),
            body: Body::Empty,
            retry_key: None,
        }
    }

    fn json(mut self, body: &impl Serialize) -> Result<Self, ClientError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| ClientError::Transport(format!("{}: {e}", self.endpoint)))?;
        self.body = Body::Json(bytes);
        Ok(self)
    }
}

/// A final answer: 2xx, or 409 to a request with a retry key.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    fn request_id(&self) -> Option<String> {
        self.header(REQUEST_ID_HEADER)
    }

    fn decode<T: DeserializeOwned>(&self, endpoint: &str) -> Result<T, ClientError> {
        serde_json::from_slice(&self.body)
            .map_err(|e| ClientError::Unexpected(format!("{endpoint}: {e}")))
    }

    /// The messages LINE reports as sent. The send happened whatever the body says, so a body
    /// that cannot be read only loses the ids.
    fn sent_messages(&self, endpoint: &str) -> Vec<SentMessage> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Vec::new();
        }
        match serde_json::from_slice::<SentMessagesResponse>(&self.body) {
            Ok(r) => r.sent_messages,
            Err(e) => {
                tracing::warn!(endpoint, error = %e, "sent, but the answer could not be read");
                Vec::new()
            }
        }
    }
}

impl Client {
    /// `channel_key` names the channel in the shared `limiter` (and in logs).
    pub fn new(
        channel_key: impl Into<String>,
        config: ClientConfig,
        limiter: Arc<RateLimiter>,
    ) -> Result<Self, ClientError> {
        let api_base = base_url("api_base", &config.api_base)?;
        let data_base = base_url("data_base", &config.data_base)?;
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout)
            // LINE does not redirect; following one could carry the token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("machidayori/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Transport(error_chain(&e)))?;
        Ok(Self {
            inner: Arc::new(Inner {
                channel: channel_key.into(),
                api_base,
                data_base,
                token: config.access_token,
                retry: config.retry,
                http,
                limiter,
            }),
        })
    }

    pub fn channel_key(&self) -> &str {
        &self.inner.channel
    }

    /// `POST /v2/bot/message/push` with `key` on every attempt.
    pub async fn push(
        &self,
        req: &PushRequest,
        key: &RetryKey,
    ) -> Result<SendOutcome, ClientError> {
        let mut v = required("to", &req.to);
        v.extend(validate::messages(&req.messages));
        v.extend(aggregation_units(req.custom_aggregation_units.as_deref()));
        check(v)?;
        let call = Call::new(
            Method::POST,
            "/v2/bot/message/push".into(),
            "/v2/bot/message/push",
        );
        self.send(call.json(req)?, key).await
    }

    /// `POST /v2/bot/message/multicast` with `key` on every attempt.
    pub async fn multicast(
        &self,
        req: &MulticastRequest,
        key: &RetryKey,
    ) -> Result<SendOutcome, ClientError> {
        let mut v = validate::multicast(&req.to, &req.messages);
        v.extend(aggregation_units(req.custom_aggregation_units.as_deref()));
        check(v)?;
        let call = Call::new(
            Method::POST,
            "/v2/bot/message/multicast".into(),
            "/v2/bot/message/multicast",
        );
        self.send(call.json(req)?, key).await
    }

    /// `POST /v2/bot/message/reply`, without a retry key (LINE refuses one here; a reply token
    /// works once anyway).
    pub async fn reply(&self, req: &ReplyRequest) -> Result<SentMessagesResponse, ClientError> {
        let mut v = required("replyToken", &req.reply_token);
        v.extend(validate::messages(&req.messages));
        check(v)?;
        let endpoint = "/v2/bot/message/reply";
        let answer = self
            .execute(Call::new(Method::POST, endpoint.into(), endpoint).json(req)?)
            .await?;
        Ok(SentMessagesResponse {
            sent_messages: answer.sent_messages(endpoint),
        })
    }

    /// `GET /v2/bot/profile/{userId}`.
    pub async fn profile(&self, user_id: &str) -> Result<Profile, ClientError> {
        check(required("userId", user_id))?;
        let endpoint = "/v2/bot/profile/{userId}";
        let path = format!("/v2/bot/profile/{}", segment(user_id));
        self.execute(Call::new(Method::GET, path, endpoint))
            .await?
            .decode(endpoint)
    }

    /// `POST /v2/bot/richmenu`: the new menu's id. The image is uploaded separately.
    pub async fn create_rich_menu(&self, menu: &RichMenu) -> Result<String, ClientError> {
        check(validate::rich_menu(menu))?;
        let endpoint = "/v2/bot/richmenu";
        let answer = self
            .execute(Call::new(Method::POST, endpoint.into(), endpoint).json(menu)?)
            .await?;
        Ok(answer.decode::<RichMenuIdResponse>(endpoint)?.rich_menu_id)
    }

    /// `POST {data_base}/v2/bot/richmenu/{richMenuId}/content`: JPEG or PNG, at most 1 MB.
    /// LINE keeps the first image of a menu: a new image needs a new menu.
    pub async fn upload_rich_menu_image(
        &self,
        rich_menu_id: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<(), ClientError> {
        let mut v = required("richMenuId", rich_menu_id);
        let content_type = content_type.trim().to_ascii_lowercase();
        if !RICH_MENU_IMAGE_TYPES.contains(&content_type.as_str()) {
            v.push(violation("contentType", Rule::OneOf(RICH_MENU_IMAGE_TYPES)));
        }
        if bytes.is_empty() {
            v.push(violation("image", Rule::Required));
        } else if bytes.len() > MAX_RICH_MENU_IMAGE_BYTES {
            v.push(violation(
                "image",
                Rule::Size {
                    max: MAX_RICH_MENU_IMAGE_BYTES,
                    actual: bytes.len(),
                },
            ));
        }
        check(v)?;
        let path = format!("/v2/bot/richmenu/{}/content", segment(rich_menu_id));
        let mut call = Call::new(Method::POST, path, "/v2/bot/richmenu/{richMenuId}/content");
        call.host = Host::Data;
        call.body = Body::Raw {
            content_type,
            bytes,
        };
        self.execute(call).await.map(drop)
    }

    /// `POST /v2/bot/user/all/richmenu/{richMenuId}`: the menu of everyone without their own.
    pub async fn set_default_rich_menu(&self, rich_menu_id: &str) -> Result<(), ClientError> {
        check(required("richMenuId", rich_menu_id))?;
        let path = format!("/v2/bot/user/all/richmenu/{}", segment(rich_menu_id));
        self.execute(Call::new(
            Method::POST,
            path,
            "/v2/bot/user/all/richmenu/{richMenuId}",
        ))
        .await
        .map(drop)
    }

    /// `DELETE /v2/bot/user/all/richmenu`.
    pub async fn clear_default_rich_menu(&self) -> Result<(), ClientError> {
        let endpoint = "/v2/bot/user/all/richmenu";
        self.execute(Call::new(Method::DELETE, endpoint.into(), endpoint))
            .await
            .map(drop)
    }

    /// `DELETE /v2/bot/richmenu/{richMenuId}`.
    pub async fn delete_rich_menu(&self, rich_menu_id: &str) -> Result<(), ClientError> {
        check(required("richMenuId", rich_menu_id))?;
        let path = format!("/v2/bot/richmenu/{}", segment(rich_menu_id));
        self.execute(Call::new(
            Method::DELETE,
            path,
            "/v2/bot/richmenu/{richMenuId}",
        ))
        .await
        .map(drop)
    }

    /// `POST /v2/bot/user/{userId}/richmenu/{richMenuId}`: takes effect at once.
    pub async fn link_rich_menu(
        &self,
        user_id: &str,
        rich_menu_id: &str,
    ) -> Result<(), ClientError> {
        let mut v = required("userId", user_id);
        v.extend(required("richMenuId", rich_menu_id));
        check(v)?;
        let path = format!(
            "/v2/bot/user/{}/richmenu/{}",
            segment(user_id),
            segment(rich_menu_id)
        );
        self.execute(Call::new(
            Method::POST,
            path,
            "/v2/bot/user/{userId}/richmenu/{richMenuId}",
        ))
        .await
        .map(drop)
    }

    /// `DELETE /v2/bot/user/{userId}/richmenu`: back to the default menu.
    pub async fn unlink_rich_menu(&self, user_id: &str) -> Result<(), ClientError> {
        check(required("userId", user_id))?;
        let path = format!("/v2/bot/user/{}/richmenu", segment(user_id));
        self.execute(Call::new(
            Method::DELETE,
            path,
            "/v2/bot/user/{userId}/richmenu",
        ))
        .await
        .map(drop)
    }

    /// `POST /v2/bot/richmenu/bulk/link`: 1 to 500 users. LINE applies it asynchronously.
    pub async fn bulk_link_rich_menu(
        &self,
        user_ids: &[String],
        rich_menu_id: &str,
    ) -> Result<(), ClientError> {
        let mut v = bulk_users(user_ids);
        v.extend(required("richMenuId", rich_menu_id));
        check(v)?;
        let body = RichMenuBulkLinkRequest {
            rich_menu_id: rich_menu_id.to_owned(),
            user_ids: user_ids.to_vec(),
        };
        let endpoint = "/v2/bot/richmenu/bulk/link";
        self.execute(Call::new(Method::POST, endpoint.into(), endpoint).json(&body)?)
            .await
            .map(drop)
    }

    /// `POST /v2/bot/richmenu/bulk/unlink`: 1 to 500 users.
    pub async fn bulk_unlink_rich_menu(&self, user_ids: &[String]) -> Result<(), ClientError> {
        check(bulk_users(user_ids))?;
        let body = RichMenuBulkUnlinkRequest {
            user_ids: user_ids.to_vec(),
        };
        let endpoint = "/v2/bot/richmenu/bulk/unlink";
        self.execute(Call::new(Method::POST, endpoint.into(), endpoint).json(&body)?)
            .await
            .map(drop)
    }

    /// `POST /v2/bot/richmenu/alias`: a tab name for `richmenuswitch` actions.
    pub async fn create_rich_menu_alias(&self, alias: &RichMenuAlias) -> Result<(), ClientError> {
        let mut v = validate::rich_menu_alias_id("richMenuAliasId", &alias.rich_menu_alias_id);
        v.extend(required("richMenuId", &alias.rich_menu_id));
        check(v)?;
        let endpoint = "/v2/bot/richmenu/alias";
        self.execute(Call::new(Method::POST, endpoint.into(), endpoint).json(alias)?)
            .await
            .map(drop)
    }

    /// `POST /v2/bot/richmenu/alias/{richMenuAliasId}`: points the alias at another menu.
    pub async fn update_rich_menu_alias(
        &self,
        alias_id: &str,
        rich_menu_id: &str,
    ) -> Result<(), ClientError> {
        let mut v = validate::rich_menu_alias_id("richMenuAliasId", alias_id);
        v.extend(required("richMenuId", rich_menu_id));
        check(v)?;
        let body = RichMenuAliasUpdate {
            rich_menu_id: rich_menu_id.to_owned(),
        };
        let path = format!("/v2/bot/richmenu/alias/{}", segment(alias_id));
        let call = Call::new(
            Method::POST,
            path,
            "/v2/bot/richmenu/alias/{richMenuAliasId}",
        );
        self.execute(call.json(&body)?).await.map(drop)
    }

    /// `DELETE /v2/bot/richmenu/alias/{richMenuAliasId}`.
    pub async fn delete_rich_menu_alias(&self, alias_id: &str) -> Result<(), ClientError> {
        check(validate::rich_menu_alias_id("richMenuAliasId", alias_id))?;
        let path = format!("/v2/bot/richmenu/alias/{}", segment(alias_id));
        self.execute(Call::new(
            Method::DELETE,
            path,
            "/v2/bot/richmenu/alias/{richMenuAliasId}",
        ))
        .await
        .map(drop)
    }

    /// `GET /v2/bot/richmenu/alias/{richMenuAliasId}`.
    pub async fn get_rich_menu_alias(&self, alias_id: &str) -> Result<RichMenuAlias, ClientError> {
        check(validate::rich_menu_alias_id("richMenuAliasId", alias_id))?;
        let endpoint = "/v2/bot/richmenu/alias/{richMenuAliasId}";
        let path = format!("/v2/bot/richmenu/alias/{}", segment(alias_id));
        self.execute(Call::new(Method::GET, path, endpoint))
            .await?
            .decode(endpoint)
    }

    /// `GET /v2/bot/richmenu/alias/list`.
    pub async fn list_rich_menu_aliases(&self) -> Result<Vec<RichMenuAlias>, ClientError> {
        let endpoint = "/v2/bot/richmenu/alias/list";
        let answer = self
            .execute(Call::new(Method::GET, endpoint.into(), endpoint))
            .await?;
        Ok(answer.decode::<RichMenuAliasList>(endpoint)?.aliases)
    }

    /// `GET /v2/bot/insight/message/event/aggregation`: opens and clicks of the messages sent
    /// with `customAggregationUnits: [unit]`, `from`..=`to` as `yyyyMMdd` (UTC+9, at most 30
    /// days apart).
    pub async fn statistics_per_unit(
        &self,
        unit: &str,
        from: &str,
        to: &str,
    ) -> Result<StatisticsPerUnit, ClientError> {
        let mut v = validate::aggregation_unit("customAggregationUnit", unit);
        for (name, date) in [("from", from), ("to", to)] {
            if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
                v.push(violation(name, Rule::Pattern("^[0-9]{8}$")));
            }
        }
        check(v)?;
        let endpoint = "/v2/bot/insight/message/event/aggregation";
        let mut call = Call::new(Method::GET, endpoint.into(), endpoint);
        call.query = vec![
            ("customAggregationUnit", unit.to_owned()),
            ("from", from.to_owned()),
            ("to", to.to_owned()),
        ];
        self.execute(call).await?.decode(endpoint)
    }

    /// LINE Login's `POST /oauth2/v2.1/verify`: checks an ID token from LIFF and gives the
    /// user id (`sub`) it was issued to. An expired or foreign token is `Rejected` (400) with
    /// LINE's `error_description` as the message.
    pub async fn verify_id_token(
        &self,
        id_token: &str,
        login_channel_id: &str,
    ) -> Result<VerifiedIdToken, ClientError> {
        let mut v = required("id_token", id_token);
        v.extend(required("client_id", login_channel_id));
        check(v)?;
        let endpoint = "/oauth2/v2.1/verify";
        let mut call = Call::new(Method::POST, endpoint.into(), endpoint);
        call.body = Body::Form(vec![
            ("id_token", id_token.to_owned()),
            ("client_id", login_channel_id.to_owned()),
        ]);
        self.execute(call).await?.decode(endpoint)
    }

    /// `GET /v2/bot/message/quota`.
    pub async fn quota(&self) -> Result<Quota, ClientError> {
        let endpoint = "/v2/bot/message/quota";
        self.execute(Call::new(Method::GET, endpoint.into(), endpoint))
            .await?
            .decode(endpoint)
    }

    /// `GET /v2/bot/message/quota/consumption`.
    pub async fn quota_consumption(&self) -> Result<QuotaConsumption, ClientError> {
        let endpoint = "/v2/bot/message/quota/consumption";
        self.execute(Call::new(Method::GET, endpoint.into(), endpoint))
            .await?
            .decode(endpoint)
    }

    /// Push and multicast: a 409 for our retry key means an earlier attempt went through.
    async fn send(&self, mut call: Call<'_>, key: &RetryKey) -> Result<SendOutcome, ClientError> {
        call.retry_key = Some(key);
        let endpoint = call.endpoint;
        let answer = self.execute(call).await?;
        let sent_messages = answer.sent_messages(endpoint);
        if answer.status == StatusCode::CONFLICT {
            Ok(SendOutcome::AlreadyAccepted {
                accepted_request_id: answer.header(ACCEPTED_REQUEST_ID_HEADER),
                sent_messages,
            })
        } else {
            Ok(SendOutcome::Accepted {
                request_id: answer.request_id(),
                sent_messages,
            })
        }
    }

    /// Makes the attempts of one call: a rate limiter slot before each, retries on 429, 5xx,
    /// timeouts and connection errors, anything else final.
    async fn execute(&self, call: Call<'_>) -> Result<Answer, ClientError> {
        let inner = &self.inner;
        let class = RateClass::of(call.method.as_str(), &call.path);
        let base = match call.host {
            Host::Api => &inner.api_base,
            Host::Data => &inner.data_base,
        };
        let url = format!("{base}{}", call.path);
        let max_attempts = inner.retry.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            inner.limiter.acquire(&inner.channel, class).await;
            let last = match self.attempt(&call, &url).await {
                Ok(answer) => {
                    let status = answer.status;
                    tracing::debug!(
                        channel = %inner.channel,
                        endpoint = call.endpoint,
                        attempt,
                        status = status.as_u16(),
                        "LINE API answered"
                    );
                    let conflict_on_key =
                        status == StatusCode::CONFLICT && call.retry_key.is_some();
                    if status.is_success() || conflict_on_key {
                        return Ok(answer);
                    }
                    if status != StatusCode::TOO_MANY_REQUESTS && !status.is_server_error() {
                        return Err(ClientError::Rejected {
                            status: status.as_u16(),
                            error: error_body(status, &answer.body),
                            request_id: answer.request_id(),
                        });
                    }
                    status.to_string()
                }
                Err(e) if e.is_builder() => {
                    return Err(ClientError::Transport(error_chain(&e)));
                }
                Err(e) => {
                    let last = describe(&e);
                    tracing::debug!(
                        channel = %inner.channel,
                        endpoint = call.endpoint,
                        attempt,
                        error = %last,
                        "LINE API unreachable"
                    );
                    last
                }
            };
            if attempt >= max_attempts {
                return Err(ClientError::GaveUp {
                    attempts: attempt,
                    last,
                });
            }
            let delay = inner.retry.delay(attempt);
            tracing::debug!(
                channel = %inner.channel,
                endpoint = call.endpoint,
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "retrying LINE API call"
            );
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(&self, call: &Call<'_>, url: &str) -> Result<Answer, reqwest::Error> {
        let mut req = self
            .inner
            .http
            .request(call.method.clone(), url)
            .bearer_auth(self.inner.token.expose());
        if let Some(key) = call.retry_key {
            req = req.header(RETRY_KEY_HEADER, key.to_string());
        }
        if !call.query.is_empty() {
            req = req.query(&call.query);
        }
        req = match &call.body {
            // Some front ends answer 411 to a POST without a length.
            Body::Empty if call.method == Method::POST => {
                req.header(CONTENT_LENGTH, "0").body(Vec::new())
            }
            Body::Empty => req,
            Body::Json(bytes) => req
                .header(CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Body::Form(fields) => req.form(fields),
            Body::Raw {
                content_type,
                bytes,
            } => req
                .header(CONTENT_TYPE, content_type.as_str())
                .body(bytes.clone()),
        };
        let response = req.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?.to_vec();
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

/// A base URL without its trailing slash; paths are appended to it.
fn base_url(name: &str, base: &str) -> Result<String, ClientError> {
    let trimmed = base.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed)
        .map_err(|e| ClientError::Transport(format!("{name} {trimmed:?}: {e}")))?;
    let usable = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && url.query().is_none()
        && url.fragment().is_none();
    if usable {
        Ok(trimmed.to_owned())
    } else {
        Err(ClientError::Transport(format!(
            "{name} {trimmed:?}: not an http(s) base URL"
        )))
    }
}

/// LINE's error body, leniently: its JSON, LINE Login's `{error, error_description}`, or the
/// text as it came.
fn error_body(status: StatusCode, body: &[u8]) -> ErrorResponse {
    if let Ok(error) = serde_json::from_slice::<ErrorResponse>(body) {
        return error;
    }
    if let Ok(oauth) = serde_json::from_slice::<OAuthError>(body) {
        return ErrorResponse {
            message: oauth.error_description,
            details: vec![ErrorDetail {
                message: Some(oauth.error),
                property: Some("error".to_owned()),
            }],
            sent_messages: None,
        };
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let message = if text.is_empty() {
        status.to_string()
    } else {
        text.chars().take(MAX_ERROR_TEXT).collect()
    };
    ErrorResponse {
        message,
        ..ErrorResponse::default()
    }
}

/// Short, without the URL (it may hold a user id): "timeout", "connection failed: ...".
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timeout".to_owned();
    }
    let kind = if e.is_connect() {
        "connection failed"
    } else {
        "connection error"
    };
    match root_cause(e) {
        Some(cause) => format!("{kind}: {cause}"),
        None => kind.to_owned(),
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut source = e.source()?;
    while let Some(next) = source.source() {
        source = next;
    }
    Some(source.to_string())
}

fn error_chain(e: &reqwest::Error) -> String {
    match root_cause(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// A path segment, percent-encoded so that an id can never change the path.
fn segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn violation(path: &str, rule: Rule) -> Violation {
    Violation {
        path: path.to_owned(),
        rule,
    }
}

fn required(path: &str, value: &str) -> Vec<Violation> {
    if value.trim().is_empty() {
        vec![violation(path, Rule::Required)]
    } else {
        Vec::new()
    }
}

fn bulk_users(user_ids: &[String]) -> Vec<Violation> {
    if (1..=MAX_BULK_USERS).contains(&user_ids.len()) {
        Vec::new()
    } else {
        vec![violation(
            "userIds",
            Rule::Count {
                min: 1,
                max: MAX_BULK_USERS,
                actual: user_ids.len(),
            },
        )]
    }
}

/// `customAggregationUnits`: exactly one name when present.
fn aggregation_units(units: Option<&[String]>) -> Vec<Violation> {
    let Some(units) = units else {
        return Vec::new();
    };
    let mut v = Vec::new();
    if units.len() != 1 {
        v.push(violation(
            "customAggregationUnits",
            Rule::Count {
                min: 1,
                max: 1,
                actual: units.len(),
            },
        ));
    }
    for (i, unit) in units.iter().enumerate() {
        v.extend(validate::aggregation_unit(
            &format!("customAggregationUnits[{i}]"),
            unit,
        ));
    }
    v
}

fn check(violations: Vec<Violation>) -> Result<(), ClientError> {
    if violations.is_empty() {
        Ok(())
    } else {
        Err(ClientError::Invalid(violations))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_ceiling_doubles_up_to_the_maximum() {
        let p = RetryPolicy::default();
        assert_eq!(p.ceiling(1), Duration::from_millis(200));
        assert_eq!(p.ceiling(2), Duration::from_millis(400));
        assert_eq!(p.ceiling(6), Duration::from_millis(6400));
        assert_eq!(p.ceiling(7), Duration::from_secs(10));
        assert_eq!(p.ceiling(100), Duration::from_secs(10));
        for attempt in 1..10 {
            assert!(p.delay(attempt) <= p.ceiling(attempt));
        }
    }

    #[test]
    fn only_slow_classes_may_burst() {
        let limiter = RateLimiter::default();
        let now = Instant::now();
        let first = limiter.reserve("main", RateClass::Multicast);
        let second = limiter.reserve("main", RateClass::Multicast);
        assert!(first <= now + Duration::from_millis(1));
        assert!(second >= now + Duration::from_millis(5));
        // 100/h: a rich menu change deletes and creates without waiting 36 s.
        for _ in 0..3 {
            assert!(limiter.reserve("main", RateClass::RichMenuCreateDelete) <= Instant::now());
        }
        assert_eq!(limiter.burst(RateClass::Insight), 60);
    }

    #[test]
    fn the_token_never_prints() {
        let token = AccessToken::new("secret-token");
        let config = ClientConfig::new(token.clone());
        assert_eq!(format!("{token} {token:?}"), "*** ***");
        assert!(!format!("{config:?}").contains("secret-token"));
    }

    #[test]
    fn ids_cannot_change_the_path() {
        assert_eq!(segment("U1234abc"), "U1234abc");
        assert_eq!(segment("../x?y"), "..%2Fx%3Fy");
    }

    #[test]
    fn error_bodies_are_read_leniently() {
        let e = error_body(StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>");
        assert_eq!(e.message, "<html>bad gateway</html>");
        let e = error_body(StatusCode::NOT_FOUND, b"");
        assert_eq!(e.message, "404 Not Found");
        let e = error_body(
            StatusCode::BAD_REQUEST,
            br#"{"error":"invalid_request","error_description":"IdToken expired."}"#,
        );
        assert_eq!(e.message, "IdToken expired.");
    }

    #[test]
    fn base_urls_lose_their_trailing_slash() {
        assert_eq!(
            base_url("api_base", "http://127.0.0.1:3000/sandbox/line/").ok(),
            Some("http://127.0.0.1:3000/sandbox/line".to_owned())
        );
        assert!(base_url("api_base", "ftp://example.com").is_err());
        assert!(base_url("api_base", "not a url").is_err());
    }

    #[test]
    fn retry_keys_round_trip_as_text() {
        let key = RetryKey::random();
        assert_eq!(key.to_string().parse::<RetryKey>().ok(), Some(key));
    }
}

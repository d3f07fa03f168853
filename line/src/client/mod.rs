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
//!
//! This file is the core every call goes through ([`Client`], `Call`, `execute` and `attempt`);
//! the endpoints are `impl Client` blocks in one file per resource: `messages` (push,
//! multicast, reply, profile, quota), `rich_menus`, `insight` and `login`. Settings are in
//! `config`, errors in `error`, and the [`RateLimiter`] in [`crate::rate`].

mod config;
mod error;
mod insight;
mod login;
mod messages;
mod rich_menus;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use self::config::{AccessToken, ClientConfig, RetryPolicy};
pub use self::error::ClientError;
use self::error::{describe, error_body, error_chain};
pub use self::messages::SendOutcome;
// LINE's hosts are defined in `api` (no I/O, so the browser side can name them too).
pub use crate::api::{LINE_API_BASE, LINE_DATA_BASE};
use crate::api::{REQUEST_ID_HEADER, RETRY_KEY_HEADER, SentMessage, SentMessagesResponse};
use crate::rate::RateClass;
pub use crate::rate::RateLimiter;
use crate::validate::{Rule, Violation};

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
    /// One attempt, never retried: every answer but 2xx is a [`ClientError::Rejected`] with its
    /// status (LINE's insight calls, where each attempt spends the hourly budget).
    single_attempt: bool,
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
            single_attempt: false,
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
        let max_attempts = if call.single_attempt {
            1
        } else {
            inner.retry.max_attempts.max(1)
        };
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
                    let retried =
                        status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
                    if !retried || call.single_attempt {
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
    fn ids_cannot_change_the_path() {
        assert_eq!(segment("U1234abc"), "U1234abc");
        assert_eq!(segment("../x?y"), "..%2Fx%3Fy");
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

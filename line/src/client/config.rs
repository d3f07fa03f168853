//! How one channel's client reaches LINE: hosts, the access token, the timeout and the retry
//! policy.

use std::fmt;
use std::time::Duration;

use super::{LINE_API_BASE, LINE_DATA_BASE};

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
    fn the_token_never_prints() {
        let token = AccessToken::new("secret-token");
        let config = ClientConfig::new(token.clone());
        assert_eq!(format!("{token} {token:?}"), "*** ***");
        assert!(!format!("{config:?}").contains("secret-token"));
    }
}

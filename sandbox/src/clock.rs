//! The sandbox's time: the system clock, moved forward by whatever a test advanced it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// What the sandbox takes as "now": reply tokens expire, rate limits refill, retry keys and ID
/// tokens age, and chats, statistics and webhook events are dated by it. It is the system clock
/// unless [`Clock::advance`] moved it forward; a test does that to let a minute pass at once.
/// Clones share one clock (a test keeps one and hands a clone to the sandbox's config).
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// Nanoseconds ahead of the system clock.
    ahead: Arc<AtomicU64>,
}

impl Clock {
    /// Moves this clock (and its clones) forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        // fetch_update with a closure that always answers Some cannot fail.
        let _ = self
            .ahead
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |ahead| {
                Some(ahead.saturating_add(by))
            });
    }

    fn ahead(&self) -> Duration {
        Duration::from_nanos(self.ahead.load(Ordering::Acquire))
    }

    /// Now, for durations (reply token lifetimes, rate limits).
    pub fn now(&self) -> Instant {
        let now = Instant::now();
        now.checked_add(self.ahead()).unwrap_or(now)
    }

    /// Now, for dates (chats, statistics days, events, ID tokens).
    pub fn utc(&self) -> DateTime<Utc> {
        let now = Utc::now();
        chrono::TimeDelta::from_std(self.ahead())
            .ok()
            .and_then(|ahead| now.checked_add_signed(ahead))
            .unwrap_or(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_every_clone() {
        let clock = Clock::default();
        let shared = clock.clone();
        let (before, before_utc) = (clock.now(), clock.utc());
        shared.advance(Duration::from_secs(61));
        assert!(clock.now() >= before + Duration::from_secs(61));
        assert!(clock.utc() >= before_utc + chrono::TimeDelta::seconds(61));
    }
}

//! LINE's rate limits: which endpoints share a limit, the published numbers, and the
//! scheduling rule (GCRA) that both the client (waits for its turn) and the sandbox (answers 429)
//! use, so that a client pacing itself at LINE's limit is never refused by a server enforcing it.
//! With the `client` feature, also the client's process-wide [`RateLimiter`] built on that rule.

#[cfg(feature = "client")]
use std::collections::HashMap;
#[cfg(feature = "client")]
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Endpoints that share one limit (per channel).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateClass {
    /// `POST /v2/bot/message/multicast`.
    Multicast,
    /// Push, reply, profile, rich menu link/unlink/bulk link, and the other per-user calls.
    Push,
    /// Narrowcast and broadcast.
    Broadcast,
    /// Insight endpoints, statistics per aggregation unit included.
    Insight,
    /// Creating or deleting a rich menu, deleting an alias.
    RichMenuCreateDelete,
    /// Rich menu batch operations.
    RichMenuBatch,
    /// Audience create and upload.
    Audience,
    /// Everything else (LINE publishes 2,000 requests/s as the general limit).
    Other,
}

impl RateClass {
    pub const ALL: [RateClass; 8] = [
        RateClass::Multicast,
        RateClass::Push,
        RateClass::Broadcast,
        RateClass::Insight,
        RateClass::RichMenuCreateDelete,
        RateClass::RichMenuBatch,
        RateClass::Audience,
        RateClass::Other,
    ];

    /// LINE's published limit for the class.
    pub fn default_limit(self) -> RateLimit {
        let hour = Duration::from_secs(3600);
        match self {
            RateClass::Multicast => RateLimit::per_second(200),
            RateClass::Push | RateClass::Other => RateLimit::per_second(2000),
            RateClass::Broadcast | RateClass::Insight => RateLimit::new(60, hour),
            RateClass::RichMenuCreateDelete => RateLimit::new(100, hour),
            RateClass::RichMenuBatch => RateLimit::new(3, hour),
            RateClass::Audience => RateLimit::new(60, Duration::from_secs(60)),
        }
    }

    /// Requests a second at the class's published limit.
    pub fn per_second(self) -> f64 {
        let limit = self.default_limit();
        f64::from(limit.count) / limit.per.as_secs_f64().max(f64::EPSILON)
    }

    /// The class of a Messaging API request, by method and path (without the base URL).
    pub fn of(method: &str, path: &str) -> RateClass {
        let post = method.eq_ignore_ascii_case("POST");
        let delete = method.eq_ignore_ascii_case("DELETE");
        if path == "/v2/bot/message/multicast" {
            RateClass::Multicast
        } else if path == "/v2/bot/message/narrowcast" || path == "/v2/bot/message/broadcast" {
            RateClass::Broadcast
        } else if path.starts_with("/v2/bot/insight/") {
            RateClass::Insight
        } else if path.starts_with("/v2/bot/audienceGroup/") {
            RateClass::Audience
        } else if path.starts_with("/v2/bot/richmenu/batch") {
            RateClass::RichMenuBatch
        } else if (post && path == "/v2/bot/richmenu")
            || (delete && path.starts_with("/v2/bot/richmenu/"))
        {
            // Deleting a rich menu or an alias; linking and unlinking are under /v2/bot/user/.
            RateClass::RichMenuCreateDelete
        } else if path.starts_with("/v2/bot/message/push")
            || path.starts_with("/v2/bot/message/reply")
            || path.starts_with("/v2/bot/profile/")
            || path.starts_with("/v2/bot/user/")
            || path.starts_with("/v2/bot/richmenu/bulk/")
        {
            RateClass::Push
        } else {
            RateClass::Other
        }
    }

    /// The name used in settings (`LINE_RATE_LIMITS`) and logs.
    pub fn name(self) -> &'static str {
        match self {
            RateClass::Multicast => "multicast",
            RateClass::Push => "push",
            RateClass::Broadcast => "broadcast",
            RateClass::Insight => "insight",
            RateClass::RichMenuCreateDelete => "rich_menu_create_delete",
            RateClass::RichMenuBatch => "rich_menu_batch",
            RateClass::Audience => "audience",
            RateClass::Other => "other",
        }
    }

    pub fn from_name(name: &str) -> Option<RateClass> {
        RateClass::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// The shortest time, in seconds, that sending to `recipients` can take at LINE's published
/// limits: multicasts of 500 (200 a second), or one push per friend (2,000 a second) when each
/// recipient gets messages of their own (a delivery that records who clicked).
pub fn shortest_send_seconds(recipients: u64, one_per_friend: bool) -> u64 {
    let (requests, class) = if one_per_friend {
        (recipients, RateClass::Push)
    } else {
        (
            recipients.div_ceil(crate::validate::MAX_MULTICAST_RECIPIENTS as u64),
            RateClass::Multicast,
        )
    };
    (requests as f64 / class.per_second()).ceil() as u64
}

/// `count` requests per `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub count: u32,
    pub per: Duration,
}

impl RateLimit {
    pub fn new(count: u32, per: Duration) -> Self {
        Self {
            count: count.max(1),
            per,
        }
    }

    pub fn per_second(count: u32) -> Self {
        Self::new(count, Duration::from_secs(1))
    }

    /// Parses `200/s`, `100/h`, `60/min`, `3/h`.
    pub fn parse(text: &str) -> Option<Self> {
        let (count, unit) = text.trim().split_once('/')?;
        let count: u32 = count.trim().parse().ok().filter(|n| *n > 0)?;
        let per = match unit.trim() {
            "s" | "sec" => Duration::from_secs(1),
            "m" | "min" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return None,
        };
        Some(Self::new(count, per))
    }

    /// Time between two requests at the steady rate.
    pub fn interval(self) -> Duration {
        self.per / self.count
    }
}

impl std::fmt::Display for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unit = match self.per.as_secs() {
            1 => "s",
            60 => "min",
            3600 => "h",
            _ => return write!(f, "{}/{:?}", self.count, self.per),
        };
        write!(f, "{}/{unit}", self.count)
    }
}

/// Generic cell rate algorithm: requests are spaced `interval` apart on average, and up to
/// `burst` may arrive at once after a quiet period. Time is passed in, so it is testable and
/// shared by the pacing client and the enforcing sandbox.
#[derive(Clone, Debug)]
pub struct Gcra {
    interval: Duration,
    /// How far ahead of the steady schedule a request may be: (burst - 1) × interval.
    tolerance: Duration,
    /// The theoretical arrival time of the next request.
    next: Option<Instant>,
}

impl Gcra {
    pub fn new(limit: RateLimit, burst: u32) -> Self {
        let interval = limit.interval();
        Self {
            interval,
            tolerance: interval * burst.saturating_sub(1),
            next: None,
        }
    }

    /// Takes a slot at `now`, or says how long to wait for one (nothing is taken then).
    pub fn try_take(&mut self, now: Instant) -> Result<(), Duration> {
        let tat = self.next.map_or(now, |t| t.max(now));
        let earliest = tat.checked_sub(self.tolerance).unwrap_or(now);
        if earliest > now {
            return Err(earliest - now);
        }
        self.next = Some(tat + self.interval);
        Ok(())
    }

    /// Reserves the next slot whatever the time, returning when it starts (`now` or later).
    /// For a client that will wait for its turn: many callers can reserve without racing.
    pub fn reserve(&mut self, now: Instant) -> Instant {
        let tat = self.next.map_or(now, |t| t.max(now));
        let start = tat.checked_sub(self.tolerance).unwrap_or(now).max(now);
        self.next = Some(tat + self.interval);
        start
    }
}

/// Paces the requests of the whole process: LINE's limits are per channel and endpoint class,
/// whichever task or client sends. Share one `Arc<RateLimiter>` between every
/// [`Client`](crate::client::Client).
///
/// It reads tokio's clock, so a test on a paused runtime (`start_paused`) sees the pacing to the
/// millisecond without waiting for it.
#[cfg(feature = "client")]
#[derive(Debug, Default)]
pub struct RateLimiter {
    overrides: HashMap<RateClass, RateLimit>,
    schedules: Mutex<HashMap<String, HashMap<RateClass, Gcra>>>,
}

#[cfg(feature = "client")]
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
    pub fn reserve(&self, channel: &str, class: RateClass) -> tokio::time::Instant {
        let now = tokio::time::Instant::now();
        // A panic elsewhere cannot leave a schedule half-updated: keep using it.
        let mut schedules = self
            .schedules
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !schedules.contains_key(channel) {
            schedules.insert(channel.to_owned(), HashMap::new());
        }
        // The schedule keeps std instants; tokio's wrap one, so the conversion is exact.
        let start = match schedules.get_mut(channel) {
            Some(classes) => classes
                .entry(class)
                .or_insert_with(|| Gcra::new(self.limit(class), self.burst(class)))
                .reserve(now.into_std()),
            None => now.into_std(),
        };
        tokio::time::Instant::from_std(start)
    }

    /// Waits for the next slot (the lock is released before waiting). A slot taken by a call
    /// that is then dropped is lost, which only errs on the slow side.
    pub async fn acquire(&self, channel: &str, class: RateClass) {
        let start = self.reserve(channel, class);
        if start > tokio::time::Instant::now() {
            tokio::time::sleep_until(start).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sending_one_push_per_friend_takes_ten_times_longer() {
        // A million friends: 2,000 multicasts at 200/s, or a million pushes at 2,000/s.
        assert_eq!(shortest_send_seconds(1_000_000, false), 10);
        assert_eq!(shortest_send_seconds(1_000_000, true), 500);
        assert_eq!(shortest_send_seconds(30, true), 1);
        assert_eq!(shortest_send_seconds(0, true), 0);
    }

    #[test]
    fn endpoints_fall_into_line_classes() {
        assert_eq!(
            RateClass::of("POST", "/v2/bot/message/multicast"),
            RateClass::Multicast
        );
        assert_eq!(
            RateClass::of("POST", "/v2/bot/message/push"),
            RateClass::Push
        );
        assert_eq!(RateClass::of("GET", "/v2/bot/profile/U1"), RateClass::Push);
        assert_eq!(
            RateClass::of("POST", "/v2/bot/richmenu"),
            RateClass::RichMenuCreateDelete
        );
        assert_eq!(
            RateClass::of("DELETE", "/v2/bot/richmenu/richmenu-1"),
            RateClass::RichMenuCreateDelete
        );
        assert_eq!(
            RateClass::of("POST", "/v2/bot/user/U1/richmenu/richmenu-1"),
            RateClass::Push
        );
        assert_eq!(
            RateClass::of("GET", "/v2/bot/insight/message/event/aggregation"),
            RateClass::Insight
        );
        assert_eq!(
            RateClass::of("GET", "/v2/bot/message/quota"),
            RateClass::Other
        );
    }

    #[test]
    fn limits_parse_from_settings() {
        assert_eq!(RateLimit::parse("200/s"), Some(RateLimit::per_second(200)));
        assert_eq!(
            RateLimit::parse("100/h"),
            Some(RateLimit::new(100, Duration::from_secs(3600)))
        );
        assert_eq!(RateLimit::parse("0/s"), None);
        assert_eq!(RateLimit::parse("10/day"), None);
        assert_eq!(RateLimit::per_second(200).to_string(), "200/s");
    }

    #[test]
    fn gcra_allows_the_burst_then_the_steady_rate() {
        let start = Instant::now();
        let mut g = Gcra::new(RateLimit::per_second(10), 3);
        for _ in 0..3 {
            assert!(g.try_take(start).is_ok());
        }
        let wait = g.try_take(start).unwrap_err();
        assert_eq!(wait, Duration::from_millis(100));
        assert!(g.try_take(start + Duration::from_millis(100)).is_ok());
        assert!(g.try_take(start + Duration::from_millis(100)).is_err());
    }

    #[test]
    fn reserved_slots_are_spaced_by_the_interval() {
        let start = Instant::now();
        let mut g = Gcra::new(RateLimit::per_second(100), 1);
        let slots: Vec<_> = (0..5).map(|_| g.reserve(start)).collect();
        for (i, s) in slots.iter().enumerate() {
            assert_eq!(*s - start, Duration::from_millis(10) * i as u32);
        }
    }

    #[cfg(feature = "client")]
    #[test]
    fn only_slow_classes_may_burst() {
        let limiter = RateLimiter::default();
        let now = tokio::time::Instant::now();
        let first = limiter.reserve("main", RateClass::Multicast);
        let second = limiter.reserve("main", RateClass::Multicast);
        assert!(first <= now + Duration::from_millis(1));
        assert!(second >= now + Duration::from_millis(5));
        // 100/h: a rich menu change deletes and creates without waiting 36 s.
        for _ in 0..3 {
            assert!(
                limiter.reserve("main", RateClass::RichMenuCreateDelete)
                    <= tokio::time::Instant::now()
            );
        }
        assert_eq!(limiter.burst(RateClass::Insight), 60);
    }
}

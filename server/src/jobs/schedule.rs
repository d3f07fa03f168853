//! Periodic jobs: every instance enqueues each one under the key of its current period
//! (`domain::jobs::queue::enqueue_for_period`), so it runs once per period however many
//! instances share the database, and a period missed while every instance was down runs when
//! one starts.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DurationRound, TimeDelta, Utc};
use domain::DateTime;
use domain::jobs::{Work, queue};

use crate::config::Config;

/// How often each instance makes sure the current periods' jobs are enqueued.
const CHECK_EVERY: Duration = Duration::from_secs(60);

/// When the log purge runs: daily at 18:30 UTC, 03:30 in Japan, when the admin panel is quiet.
pub const LOG_PURGE: &str = "0 30 18 * * *";
/// How often expired sessions are deleted, so the table does not grow without bound.
const SESSION_PURGE_EVERY: TimeDelta = TimeDelta::minutes(10);
/// How often LINE's statistics of the runs due are fetched (each run has its own times, see
/// `domain::delivery::statistics::FETCH_AFTER`; the budget is checked on every call).
const STATISTICS_EVERY: TimeDelta = TimeDelta::minutes(5);

/// When a periodic job's periods start.
pub enum Every {
    /// At the times of a cron expression (seconds first, UTC).
    Cron(Box<cron::Schedule>),
    /// At multiples of a span since the Unix epoch.
    Span(TimeDelta),
}

impl Every {
    /// The start of the period `now` falls in: the latest scheduled time at or before it.
    pub fn period_start(&self, now: DateTime) -> Option<DateTime> {
        match self {
            Every::Cron(schedule) => schedule
                .after(&(now - TimeDelta::days(366)))
                .take_while(|t| *t <= now)
                .last(),
            Every::Span(span) => now.duration_trunc(*span).ok(),
        }
    }
}

/// How often rich menus no one sees any more are deleted at LINE (they wait
/// `domain::menus::publish::RETIRE_GRACE` after being replaced).
const MENU_CLEAN_UP_EVERY: TimeDelta = TimeDelta::minutes(5);

/// A job with its schedule.
pub struct Periodic {
    pub work: Work,
    pub every: Every,
}

/// This installation's periodic jobs, with their inputs from the configuration.
pub fn periodic(config: &Config) -> Vec<Periodic> {
    let mut jobs = vec![Periodic {
        work: Work::PurgeSessions {
            idle_timeout_secs: config.session_idle_timeout.as_secs(),
            absolute_lifetime_secs: config.session_absolute_lifetime.as_secs(),
        },
        every: Every::Span(SESSION_PURGE_EVERY),
    }];
    jobs.push(Periodic {
        work: Work::FetchStatistics,
        every: Every::Span(STATISTICS_EVERY),
    });
    jobs.push(Periodic {
        work: Work::CleanUpMenus,
        every: Every::Span(MENU_CLEAN_UP_EVERY),
    });
    // Rules with a period, and deliveries' menus that expire, change who sees what by the
    // clock alone.
    jobs.push(Periodic {
        work: Work::ReconcileMenus { channel_id: None },
        every: Every::Span(MENU_CLEAN_UP_EVERY),
    });
    // Each menu's figures are due daily (or at once when new or just ended); the budget is
    // checked on every call.
    jobs.push(Periodic {
        work: Work::FetchMenuStatistics,
        every: Every::Span(STATISTICS_EVERY),
    });
    match cron::Schedule::from_str(LOG_PURGE) {
        Ok(schedule) => jobs.push(Periodic {
            work: Work::PurgeLogs {
                retention_days: config.access_log_retention_days,
            },
            every: Every::Cron(Box::new(schedule)),
        }),
        Err(e) => tracing::error!(error = %e, "invalid log purge schedule"),
    }
    jobs
}

/// Enqueues the current period's job of each periodic job, every [`CHECK_EVERY`].
pub async fn run(db: domain::DatabaseConnection, periodic: Arc<Vec<Periodic>>) {
    let mut tick = tokio::time::interval(CHECK_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        enqueue_due(&db, &periodic, Utc::now()).await;
    }
}

/// Enqueues, for each periodic job, the job of the period `now` falls in (nothing if it is
/// already there, from this or another instance).
pub async fn enqueue_due(db: &domain::DatabaseConnection, periodic: &[Periodic], now: DateTime) {
    for p in periodic {
        let Some(start) = p.every.period_start(now) else {
            continue;
        };
        match queue::enqueue_for_period(db, &p.work, start, now).await {
            Ok(true) => tracing::debug!(kind = p.work.kind(), %start, "periodic job enqueued"),
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(kind = p.work.kind(), error = %e, "cannot enqueue a periodic job")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn the_log_purge_period_starts_daily_at_03_30_in_japan() {
        let schedule = cron::Schedule::from_str(LOG_PURGE).unwrap_or_else(|e| panic!("{e}"));
        let every = Every::Cron(Box::new(schedule));
        assert_eq!(
            every.period_start(at("2026-11-27T18:29:59Z")),
            Some(at("2026-11-26T18:30:00Z"))
        );
        assert_eq!(
            every.period_start(at("2026-11-27T18:30:00Z")),
            Some(at("2026-11-27T18:30:00Z"))
        );
        assert_eq!(
            every.period_start(at("2026-11-28T09:00:00Z")),
            Some(at("2026-11-27T18:30:00Z"))
        );
    }

    #[test]
    fn session_purges_start_every_ten_minutes() {
        let every = Every::Span(SESSION_PURGE_EVERY);
        assert_eq!(
            every.period_start(at("2026-11-27T10:09:59Z")),
            Some(at("2026-11-27T10:00:00Z"))
        );
        assert_eq!(
            every.period_start(at("2026-11-27T10:10:00Z")),
            Some(at("2026-11-27T10:10:00Z"))
        );
    }
}

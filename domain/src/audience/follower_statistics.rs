//! LINE's friend counts per day (`GET /v2/bot/insight/followers`): friends added (first
//! follows, never decreasing), targeted reaches and blocks, as of each of the last
//! [`DAYS`] days, for the dashboard beside our own follow and block events.
//!
//! LINE computes a day's figures the next day, so a day is asked for once it is over in Japan
//! and asked again an hour later while LINE answers `unready`. Each request is an insight call:
//! it is recorded before it is made and counts against the channel's hourly budget shared with
//! delivery statistics (`delivery::statistics::reserve_call`), which keep the larger share
//! ([`RESERVED_FOR_DELIVERIES`]); a pass asks for at most [`DAYS_PER_PASS`] days per channel, so
//! a new channel's 30 days come in over a few passes of the statistics job. A 429 backs off
//! all the channel's insight calls (`delivery::statistics::back_off`).

use std::collections::HashMap;

use chrono::TimeDelta;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};

use crate::delivery::engine::MessengerSource;
use crate::delivery::messenger::Messenger;
use crate::delivery::statistics::{Reserved, answered, back_off, reserve_call};
use crate::entities::{line_channel, line_follower_statistics as followers};
use crate::{DateTime, DomainResult};

/// Days the dashboard shows (ending yesterday).
pub const DAYS: i64 = 30;
/// Days asked for per channel in one pass of the statistics job.
pub const DAYS_PER_PASS: usize = 3;
/// Insight calls an hour left to delivery statistics: follower days are asked for only while
/// more than this many are left (half the budget when it is smaller).
pub const RESERVED_FOR_DELIVERIES: u32 = 10;
/// How long before a day LINE had not computed yet (or an error) is asked for again.
pub const ASK_AGAIN_AFTER: TimeDelta = TimeDelta::hours(1);
pub const ENDPOINT: &str = "/v2/bot/insight/followers";
/// LINE's `status` once a day's figures are computed.
pub const READY: &str = "ready";
/// Stored when the request failed (asked again after [`ASK_AGAIN_AFTER`]).
const FAILED: &str = "error";

/// The days to ask for now: of the last [`DAYS`] (newest first), those without figures yet,
/// except the ones asked for within the last hour. `out_of_service` is final too.
fn days_to_ask(stored: &HashMap<String, followers::Model>, now: DateTime) -> Vec<String> {
    let yesterday = crate::time::day_of(now) - TimeDelta::days(1);
    (0..DAYS)
        .map(|back| {
            (yesterday - TimeDelta::days(back))
                .format("%Y-%m-%d")
                .to_string()
        })
        .filter(|day| match stored.get(day) {
            None => true,
            Some(row) if row.status == READY || row.status == "out_of_service" => false,
            Some(row) => row.fetched_at + ASK_AGAIN_AFTER <= now,
        })
        .collect()
}

/// One pass: for each channel this process has a client for, the days due, within the budget.
/// Answers how many days were stored.
pub async fn fetch_due<S: MessengerSource>(
    db: &DatabaseConnection,
    line: &S,
    per_hour: u32,
    now: DateTime,
) -> DomainResult<u32> {
    let reserve = RESERVED_FOR_DELIVERIES.min(per_hour / 2);
    let mut stored = 0;
    for channel in line_channel::Entity::find().all(db).await? {
        let Some(messenger) = line.messenger(channel.id) else {
            continue;
        };
        let rows = of_channel(db, channel.id, now).await?;
        let by_day: HashMap<String, followers::Model> =
            rows.into_iter().map(|r| (r.day.clone(), r)).collect();
        for day in days_to_ask(&by_day, now).into_iter().take(DAYS_PER_PASS) {
            if reserve_call(db, channel.id, ENDPOINT, per_hour - reserve, now).await?
                != Reserved::Yes
            {
                break;
            }
            let answer = messenger.followers(&day.replace('-', "")).await;
            let (status, figures) = match answer {
                Ok(n) => {
                    answered(db, channel.id).await?;
                    (n.status.clone(), Some(n))
                }
                Err(e) if e.is_rate_limited() => {
                    back_off(db, channel.id, now).await?;
                    break;
                }
                Err(e) => {
                    tracing::warn!(channel = channel.id, day, error = %e, "follower statistics");
                    (FAILED.to_owned(), None)
                }
            };
            let figures = figures.unwrap_or_default();
            let row = followers::ActiveModel {
                channel_id: Set(channel.id),
                day: Set(day.clone()),
                status: Set(status.chars().take(20).collect()),
                followers: Set(figures.followers),
                targeted_reaches: Set(figures.targeted_reaches),
                blocks: Set(figures.blocks),
                fetched_at: Set(now),
                ..Default::default()
            };
            match by_day.get(&day) {
                Some(old) => {
                    followers::ActiveModel {
                        id: Set(old.id),
                        ..row
                    }
                    .update(db)
                    .await?;
                }
                None => {
                    row.insert(db).await?;
                }
            }
            stored += 1;
        }
    }
    Ok(stored)
}

/// The stored days of channel `channel_id` among the last [`DAYS`] before `now`, oldest first.
pub async fn of_channel(
    db: &impl ConnectionTrait,
    channel_id: i64,
    now: DateTime,
) -> DomainResult<Vec<followers::Model>> {
    let first = crate::time::day_of(now) - TimeDelta::days(DAYS);
    Ok(followers::Entity::find()
        .filter(followers::Column::ChannelId.eq(channel_id))
        .filter(followers::Column::Day.gte(first.format("%Y-%m-%d").to_string()))
        .order_by_asc(followers::Column::Day)
        .all(db)
        .await?)
}

/// A day LINE had computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Day {
    pub day: chrono::NaiveDate,
    pub followers: i64,
    pub targeted_reaches: i64,
    pub blocks: i64,
}

/// The days of the last [`DAYS`] that LINE had computed for channel `channel_id`, oldest first.
pub async fn ready_days(
    db: &impl ConnectionTrait,
    channel_id: i64,
    now: DateTime,
) -> DomainResult<Vec<Day>> {
    Ok(of_channel(db, channel_id, now)
        .await?
        .into_iter()
        .filter(|r| r.status == READY)
        .filter_map(|r| {
            Some(Day {
                day: chrono::NaiveDate::parse_from_str(&r.day, "%Y-%m-%d").ok()?,
                followers: r.followers.unwrap_or(0),
                targeted_reaches: r.targeted_reaches.unwrap_or(0),
                blocks: r.blocks.unwrap_or(0),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(day: &str, status: &str, fetched_at: DateTime) -> followers::Model {
        followers::Model {
            id: 1,
            channel_id: 1,
            day: day.into(),
            status: status.into(),
            followers: None,
            targeted_reaches: None,
            blocks: None,
            fetched_at,
        }
    }

    #[test]
    fn days_are_asked_for_newest_first_until_line_has_them() {
        // 2026-11-28 12:00 in Japan.
        let now = "2026-11-28T03:00:00Z".parse::<DateTime>().unwrap();
        let mut stored = HashMap::new();
        let all = days_to_ask(&stored, now);
        assert_eq!(all.len(), 30);
        assert_eq!(all[0], "2026-11-27");
        assert_eq!(all[29], "2026-10-29");
        stored.insert("2026-11-27".into(), row("2026-11-27", "unready", now));
        stored.insert("2026-11-26".into(), row("2026-11-26", READY, now));
        stored.insert(
            "2026-11-25".into(),
            row("2026-11-25", "error", now - TimeDelta::hours(2)),
        );
        let asked = days_to_ask(&stored, now);
        assert_eq!(asked[0], "2026-11-25");
        assert_eq!(asked.len(), 28);
        // An hour later LINE is asked again for the day it had not computed.
        assert_eq!(days_to_ask(&stored, now + ASK_AGAIN_AFTER)[0], "2026-11-27");
    }
}

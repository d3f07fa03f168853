//! LINE's insight endpoints: `GET /v2/bot/insight/message/event/aggregation` (statistics per
//! custom aggregation unit, `null` under 20 as LINE answers), `GET /v2/bot/insight/followers`
//! (friends as of a day, `unready` until the day is over in Japan), and a rich menu's
//! `GET /v2/bot/insight/richmenu/{richMenuId}/summary` and `.../daily` (from the opens and taps
//! of simulated friends; only `richMenuId` when fewer than [`RICH_MENU_THRESHOLD`] friends
//! tapped the menu in the period).

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use chrono::NaiveDate;
use line::api::{
    ClickStatistics, ErrorResponse, MessageStatistics, NumberOfFollowers, RichMenuInsightBounds,
    RichMenuInsightClick, RichMenuInsightDaily, RichMenuInsightDailyClick,
    RichMenuInsightDailyImpression, RichMenuInsightDayMetrics, RichMenuInsightImpression,
    RichMenuInsightMetrics, RichMenuInsightSummary, StatisticsOverview, StatisticsPerUnit,
};
use line::validate;

use super::reply::{Answer, described, detail, not_found_error, ok};
use super::{Caller, with_channel};
use crate::Sandbox;
use crate::state::{ChannelData, RichMenuDayStat, SentStat};

/// LINE answers `null` for anything under 20.
fn at_least_20(n: usize) -> Option<i64> {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    (n >= 20).then_some(n)
}

fn at_least_20_i64(n: i64) -> Option<i64> {
    (n >= 20).then_some(n)
}

pub(super) async fn statistics_per_unit(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Answer {
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let mut details = Vec::new();
    let unit = match params.get("customAggregationUnit") {
        None => {
            details.push(detail("customAggregationUnit", "Must be specified"));
            None
        }
        Some(unit) => {
            let v = validate::aggregation_unit("customAggregationUnit", unit);
            details.extend(described(&v));
            v.is_empty().then(|| unit.clone())
        }
    };
    // LINE's checks of the period, shared with the client; a missing date in its place.
    let (from, to) = (params.get("from"), params.get("to"));
    for (name, value, other) in [("from", from, to), ("to", to, from)] {
        match (value, other) {
            (None, _) => details.push(detail(name, "Must be specified")),
            (Some(value), None) => {
                details.extend(described(&validate::statistics_date(name, value)))
            }
            // Both there: checked together below.
            (Some(_), Some(_)) => {}
        }
    }
    if let (Some(from), Some(to)) = (from, to) {
        details.extend(described(&validate::statistics_period(from, to)));
    }
    let day = |value: Option<&String>| NaiveDate::parse_from_str(value?, "%Y%m%d").ok();
    let (from, to) = (day(from), day(to));
    let (Some(unit), Some(from), Some(to), true) = (unit, from, to, details.is_empty()) else {
        let body = ErrorResponse {
            message: format!("The request has {} error(s)", details.len()),
            details,
            sent_messages: None,
        };
        return Err((StatusCode::BAD_REQUEST, Json(body)).into_response());
    };
    let simulate = sb.simulates_audience().then(|| sb.clock().utc());
    with_channel(&sb, &channel, false, |data| {
        Ok(ok(&aggregate(data, &unit, from, to, simulate)))
    })
}

pub(super) async fn followers(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Answer {
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    // LINE's `date` is optional (yesterday then); when given, a real day `yyyyMMdd`.
    let now = sb.clock().utc();
    let today = (now + chrono::TimeDelta::hours(9)).date_naive();
    let day = match params.get("date") {
        None => today - chrono::TimeDelta::days(1),
        Some(value) => {
            let details = described(&validate::statistics_date("date", value));
            match NaiveDate::parse_from_str(value, "%Y%m%d") {
                Ok(day) if details.is_empty() => day,
                _ => {
                    let body = ErrorResponse {
                        message: "The request has 1 error(s)".into(),
                        details,
                        sent_messages: None,
                    };
                    return Err((StatusCode::BAD_REQUEST, Json(body)).into_response());
                }
            }
        }
    };
    with_channel(&sb, &channel, false, |data| {
        Ok(ok(&followers_on(data, day, today)))
    })
}

/// The friends of a channel as of the end of `day` (Japan), as LINE counts them: every first
/// follow up to then, and who was blocking then. The sandbox's targeted reaches are the
/// friends still following (LINE counts only those whose demographics it is sure of).
fn followers_on(data: &ChannelData, day: NaiveDate, today: NaiveDate) -> NumberOfFollowers {
    if day >= today {
        return NumberOfFollowers {
            status: "unready".into(),
            ..Default::default()
        };
    }
    let end = (day + chrono::TimeDelta::days(1))
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc() - chrono::TimeDelta::hours(9));
    let Some(end) = end else {
        return NumberOfFollowers {
            status: "out_of_service".into(),
            ..Default::default()
        };
    };
    let (mut followers, mut blocks) = (0i64, 0i64);
    for friend in data.friends.values() {
        let p = &friend.profile;
        let first = p.followed_at.map_or(p.created_at, |f| f.min(p.created_at));
        if first >= end {
            continue;
        }
        followers += 1;
        // Blocking at the end of the day: blocked by then and not followed again since
        // (a follow after the block that is also before the end means following).
        let blocking = p
            .unfollowed_at
            .is_some_and(|b| b < end && p.followed_at.is_none_or(|f| f < b || f >= end));
        if blocking {
            blocks += 1;
        }
    }
    NumberOfFollowers {
        status: "ready".into(),
        followers: Some(followers),
        targeted_reaches: Some(followers - blocks),
        blocks: Some(blocks),
    }
}

/// Of the recipients of a message, the share a simulated audience opens, and the share that
/// also taps its first link (a few minutes after opening).
const SIMULATED_OPEN_SHARE: f64 = 0.6;
const SIMULATED_CLICK_SHARE: f64 = 0.2;
/// The mean time to open: most open within hours, as people check LINE through the day.
const SIMULATED_MEAN_OPEN_SECONDS: f64 = 2.0 * 3600.0;

/// A recipient's place in the simulated audience (0 to 1, fixed per friend and message).
fn audience_draw(user_id: &str, message_id: &str) -> f64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (user_id, message_id).hash(&mut h);
    (h.finish() % 1_000_000) as f64 / 1_000_000.0
}

/// A simulated recipient who opened a message: their user id and the URL they tapped, if any.
type Opened<'a> = (&'a str, Option<String>);

/// What a simulated audience did with message `message_id` by `now`.
fn simulated<'a>(
    data: &'a ChannelData,
    message_id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<Opened<'a>> {
    let mut out = Vec::new();
    for (user, friend) in &data.friends {
        let Some(entry) = friend
            .chat
            .iter()
            .find(|e| e.sent_message_id.as_deref() == Some(message_id))
        else {
            continue;
        };
        let p = audience_draw(user, message_id);
        if p >= SIMULATED_OPEN_SHARE {
            continue;
        }
        let delay = -(1.0 - p / SIMULATED_OPEN_SHARE).ln() * SIMULATED_MEAN_OPEN_SECONDS;
        let elapsed = (now - entry.at).num_seconds() as f64;
        if elapsed < delay {
            continue;
        }
        let tapped = (p < SIMULATED_CLICK_SHARE && elapsed >= delay + 180.0)
            .then(|| {
                serde_json::from_value::<line::message::Message>((*entry.message).clone())
                    .ok()
                    .and_then(|m| line::links::links_in(&[m]).into_iter().next())
                    .map(|l| l.url)
            })
            .flatten();
        out.push((user.as_str(), tapped));
    }
    out
}

fn aggregate(
    data: &ChannelData,
    unit: &str,
    from: NaiveDate,
    to: NaiveDate,
    simulate: Option<chrono::DateTime<chrono::Utc>>,
) -> StatisticsPerUnit {
    let sent: Vec<(&str, &SentStat)> = data
        .stats
        .iter()
        .filter(|(_, s)| &*s.unit == unit && s.date >= from && s.date <= to)
        .map(|(id, s)| (&**id, s))
        .collect();
    // A simulated audience's opens and taps, beside what simulated friends really did.
    let audience: Vec<(i32, Vec<Opened<'_>>)> = match simulate {
        Some(now) => sent
            .iter()
            .map(|(id, s)| (s.seq, simulated(data, id, now)))
            .collect(),
        None => Vec::new(),
    };
    let sent: Vec<&SentStat> = sent.into_iter().map(|(_, s)| s).collect();
    let mut viewers: HashSet<&str> = HashSet::new();
    let mut clickers: HashSet<&str> = HashSet::new();
    // seq → (impressions, viewers)
    let mut per_message: BTreeMap<i32, (i64, HashSet<&str>)> = BTreeMap::new();
    // (seq, url) → (clicks, users)
    let mut per_click: BTreeMap<(i32, &str), (i64, HashSet<&str>)> = BTreeMap::new();
    // url → users, over every message of the unit
    let mut per_url: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut simulated_urls: Vec<(i32, &str, &str)> = Vec::new();
    for (seq, people) in &audience {
        for (user, tapped) in people {
            viewers.insert(user);
            let m = per_message.entry(*seq).or_default();
            m.0 += 1;
            m.1.insert(user);
            if let Some(url) = tapped {
                simulated_urls.push((*seq, user, url.as_str()));
            }
        }
    }
    for (seq, user, url) in &simulated_urls {
        clickers.insert(user);
        let c = per_click.entry((*seq, url)).or_default();
        c.0 += 1;
        c.1.insert(user);
        per_url.entry(url).or_default().insert(user);
    }
    for s in &sent {
        viewers.extend(s.viewers.iter().map(String::as_str));
        let m = per_message.entry(s.seq).or_default();
        m.0 += s.impressions;
        m.1.extend(s.viewers.iter().map(String::as_str));
        for (url, click) in &s.clicks {
            clickers.extend(click.users.iter().map(String::as_str));
            let c = per_click.entry((s.seq, url.as_str())).or_default();
            c.0 += click.total;
            c.1.extend(click.users.iter().map(String::as_str));
            per_url
                .entry(url.as_str())
                .or_default()
                .extend(click.users.iter().map(String::as_str));
        }
    }
    StatisticsPerUnit {
        overview: StatisticsOverview {
            unique_impression: at_least_20(viewers.len()),
            unique_click: at_least_20(clickers.len()),
            unique_media_played: None,
            unique_media_played100_percent: None,
        },
        messages: per_message
            .into_iter()
            .map(|(seq, (impressions, viewers))| MessageStatistics {
                seq,
                impression: at_least_20_i64(impressions),
                unique_impression: at_least_20(viewers.len()),
                media_played: None,
                unique_media_played: None,
            })
            .collect(),
        clicks: per_click
            .into_iter()
            .map(|((seq, url), (clicks, users))| ClickStatistics {
                seq,
                url: url.to_owned(),
                click: at_least_20_i64(clicks),
                unique_click: at_least_20(users.len()),
                unique_click_of_request: at_least_20(per_url.get(url).map_or(0, HashSet::len)),
            })
            .collect(),
    }
}

/// LINE's privacy threshold of rich menu statistics: fewer unique users tapping the menu in the
/// period, and only `richMenuId` comes back.
pub(crate) const RICH_MENU_THRESHOLD: usize = 20;

pub(super) async fn rich_menu_summary(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(rich_menu_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let (from, to) = rich_menu_period(&sb, query, validate::MAX_RICH_MENU_SUMMARY_DAYS)?;
    let today = (sb.clock().utc() + chrono::TimeDelta::hours(9)).date_naive();
    with_channel(&sb, &channel, false, |data| {
        let days = rich_menu_days(data, &rich_menu_id, from, to)?;
        Ok(ok(&summary(
            data,
            &rich_menu_id,
            &days,
            from,
            to.min(today),
        )))
    })
}

pub(super) async fn rich_menu_daily(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(rich_menu_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Answer {
    let (from, to) = rich_menu_period(&sb, query, validate::MAX_RICH_MENU_DAILY_DAYS)?;
    let today = (sb.clock().utc() + chrono::TimeDelta::hours(9)).date_naive();
    with_channel(&sb, &channel, false, |data| {
        let days = rich_menu_days(data, &rich_menu_id, from, to)?;
        Ok(ok(&daily(data, &rich_menu_id, &days, from, to.min(today))))
    })
}

/// The `from` and `to` of a rich menu insight request, checked as LINE checks them (both there,
/// real days, `to` at most `max_days` after `from`, `from` within the last 3 years): 400 with
/// LINE's details otherwise.
fn rich_menu_period(
    sb: &Sandbox,
    query: Option<String>,
    max_days: u32,
) -> Result<(NaiveDate, NaiveDate), axum::response::Response> {
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let (from, to) = (params.get("from"), params.get("to"));
    let mut details = Vec::new();
    for (name, value, other) in [("from", from, to), ("to", to, from)] {
        match (value, other) {
            (None, _) => details.push(detail(name, "Must be specified")),
            (Some(value), None) => {
                details.extend(described(&validate::statistics_date(name, value)))
            }
            (Some(_), Some(_)) => {}
        }
    }
    if let (Some(from), Some(to)) = (from, to) {
        details.extend(described(&validate::rich_menu_insight_period(
            from, to, max_days,
        )));
    }
    let day = |value: Option<&String>| NaiveDate::parse_from_str(value?, "%Y%m%d").ok();
    let (from, to) = (day(from), day(to));
    let today = (sb.clock().utc() + chrono::TimeDelta::hours(9)).date_naive();
    if let Some(first) = from
        && let Some(earliest) = today.checked_sub_months(chrono::Months::new(
            12 * validate::RICH_MENU_INSIGHT_YEARS.unsigned_abs(),
        ))
        && first < earliest
    {
        details.push(detail("from", "Must be within the last 3 years"));
    }
    match (from, to, details.is_empty()) {
        (Some(from), Some(to), true) => Ok((from, to)),
        _ => {
            let body = ErrorResponse {
                message: format!("The request has {} error(s)", details.len()),
                details,
                sent_messages: None,
            };
            Err((StatusCode::BAD_REQUEST, Json(body)).into_response())
        }
    }
}

/// The days `from`..=`to` of a rich menu's figures; 404 as LINE for a menu that does not exist
/// (never created, or deleted: LINE keeps no statistics of a deleted menu).
fn rich_menu_days<'a>(
    data: &'a ChannelData,
    rich_menu_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, &'a RichMenuDayStat)>, axum::response::Response> {
    if !data.rich_menus.contains_key(rich_menu_id) {
        return Err(not_found_error());
    }
    Ok(data
        .rich_menu_stats
        .get(rich_menu_id)
        .map(|days| {
            days.range(from..=to)
                .map(|(date, day)| (*date, day))
                .collect()
        })
        .unwrap_or_default())
}

/// The bounds of the menu's areas, by area index.
fn area_bounds(data: &ChannelData, rich_menu_id: &str) -> Vec<RichMenuInsightBounds> {
    data.rich_menus
        .get(rich_menu_id)
        .map(|m| {
            m.menu
                .areas
                .iter()
                .map(|a| RichMenuInsightBounds::from(a.bounds))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether enough different friends tapped the menu on `days` for LINE to show figures.
fn above_threshold(days: &[(NaiveDate, &RichMenuDayStat)]) -> bool {
    let tappers: HashSet<&str> = days
        .iter()
        .flat_map(|(_, day)| day.taps.values())
        .flat_map(|t| t.users.iter().map(String::as_str))
        .collect();
    tappers.len() >= RICH_MENU_THRESHOLD
}

fn yyyymmdd(day: NaiveDate) -> String {
    day.format("%Y%m%d").to_string()
}

fn metrics<'a>(tallies: impl Iterator<Item = &'a crate::state::Tally>) -> RichMenuInsightMetrics {
    let mut users: HashSet<&str> = HashSet::new();
    let mut count = 0;
    for t in tallies {
        count += t.count;
        users.extend(t.users.iter().map(String::as_str));
    }
    RichMenuInsightMetrics {
        count,
        unique_users: i64::try_from(users.len()).unwrap_or(i64::MAX),
    }
}

/// LINE's summary: the whole period's impressions and, per area tapped in it, its taps (an
/// area nobody tapped is left out).
fn summary(
    data: &ChannelData,
    rich_menu_id: &str,
    days: &[(NaiveDate, &RichMenuDayStat)],
    from: NaiveDate,
    to: NaiveDate,
) -> RichMenuInsightSummary {
    if !above_threshold(days) {
        return RichMenuInsightSummary {
            rich_menu_id: rich_menu_id.to_owned(),
            ..Default::default()
        };
    }
    let clicks = area_bounds(data, rich_menu_id)
        .into_iter()
        .enumerate()
        .filter_map(|(i, bounds)| {
            let m = metrics(days.iter().filter_map(|(_, day)| day.taps.get(&i)));
            (m.count > 0).then_some(RichMenuInsightClick { bounds, metrics: m })
        })
        .collect();
    RichMenuInsightSummary {
        rich_menu_id: rich_menu_id.to_owned(),
        metrics_from: Some(yyyymmdd(from)),
        metrics_to: Some(yyyymmdd(to)),
        impression: Some(RichMenuInsightImpression {
            metrics: metrics(days.iter().map(|(_, day)| &day.impressions)),
        }),
        clicks: Some(clicks),
    }
}

/// LINE's daily figures: per day with impressions or taps, and per area tapped in the period.
fn daily(
    data: &ChannelData,
    rich_menu_id: &str,
    days: &[(NaiveDate, &RichMenuDayStat)],
    from: NaiveDate,
    to: NaiveDate,
) -> RichMenuInsightDaily {
    if !above_threshold(days) {
        return RichMenuInsightDaily {
            rich_menu_id: rich_menu_id.to_owned(),
            ..Default::default()
        };
    }
    let day_metrics = |date: NaiveDate, t: &crate::state::Tally| RichMenuInsightDayMetrics {
        date: yyyymmdd(date),
        count: t.count,
        unique_users: i64::try_from(t.users.len()).unwrap_or(i64::MAX),
    };
    let clicks = area_bounds(data, rich_menu_id)
        .into_iter()
        .enumerate()
        .filter_map(|(i, bounds)| {
            let metrics: Vec<_> = days
                .iter()
                .filter_map(|(date, day)| day.taps.get(&i).map(|t| day_metrics(*date, t)))
                .filter(|m| m.count > 0)
                .collect();
            (!metrics.is_empty()).then_some(RichMenuInsightDailyClick { bounds, metrics })
        })
        .collect();
    RichMenuInsightDaily {
        rich_menu_id: rich_menu_id.to_owned(),
        metrics_from: Some(yyyymmdd(from)),
        metrics_to: Some(yyyymmdd(to)),
        impression: Some(RichMenuInsightDailyImpression {
            metrics: days
                .iter()
                .filter(|(_, day)| day.impressions.count > 0)
                .map(|(date, day)| day_metrics(*date, &day.impressions))
                .collect(),
        }),
        clicks: Some(clicks),
    }
}

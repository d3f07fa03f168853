//! `GET /v2/bot/insight/message/event/aggregation`: statistics per custom aggregation unit,
//! `null` under 20 as LINE answers.

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use chrono::NaiveDate;
use line::api::{
    ClickStatistics, ErrorResponse, MessageStatistics, StatisticsOverview, StatisticsPerUnit,
};
use line::validate;

use super::reply::{Answer, described, detail, ok};
use super::{Caller, with_channel};
use crate::Sandbox;
use crate::state::{ChannelData, SentStat};

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
    with_channel(&sb, &channel, false, |data| {
        Ok(ok(&aggregate(data, &unit, from, to)))
    })
}

fn aggregate(data: &ChannelData, unit: &str, from: NaiveDate, to: NaiveDate) -> StatisticsPerUnit {
    let sent: Vec<&SentStat> = data
        .stats
        .values()
        .filter(|s| &*s.unit == unit && s.date >= from && s.date <= to)
        .collect();
    let mut viewers: HashSet<&str> = HashSet::new();
    let mut clickers: HashSet<&str> = HashSet::new();
    // seq → (impressions, viewers)
    let mut per_message: BTreeMap<i32, (i64, HashSet<&str>)> = BTreeMap::new();
    // (seq, url) → (clicks, users)
    let mut per_click: BTreeMap<(i32, &str), (i64, HashSet<&str>)> = BTreeMap::new();
    // url → users, over every message of the unit
    let mut per_url: HashMap<&str, HashSet<&str>> = HashMap::new();
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

//! The dashboard's figures.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardStats {
    pub staff_accounts: u64,
    pub database: String,
    pub version: String,
}

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::Need;
    &[
        rule::<DashboardSummary>(Need::SignedIn),
        rule::<DashboardActivity>(Need::SignedIn),
    ]
};

#[server(endpoint = "dashboard/summary")]
pub async fn dashboard_summary() -> Result<DashboardStats, AppError> {
    let (_, ctx) = crate::ssr::context::call::<DashboardSummary>()?;
    Ok(DashboardStats {
        staff_accounts: domain::staff::accounts::count(ctx.db()).await?,
        database: domain::db::backend_of(ctx.db()).name().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// The dashboard's activity for one channel: friends and their trend (a chart drawn on the
/// server, with its table), the latest deliveries with their figures and what is scheduled
/// (the delivery parts only for staff who may view deliveries, in their departments).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityView {
    pub following: u64,
    pub blocked: u64,
    /// New follows and blocks over the last 30 days.
    pub follows_30d: u64,
    pub blocks_30d: u64,
    pub chart_svg: String,
    /// (day `MM/DD`, follows, blocks), oldest first.
    pub days: Vec<(String, u64, u64)>,
    /// None when the caller may not view deliveries.
    pub latest: Option<Vec<super::HistoryRowView>>,
    pub upcoming: Option<Vec<UpcomingDelivery>>,
    /// LINE's own counts per day (none fetched yet: None).
    pub line: Option<LineFollowers>,
}

/// LINE's follower statistics of the last 30 days (`GET /v2/bot/insight/followers`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineFollowers {
    /// The latest day LINE had computed (`YYYY-MM-DD`).
    pub day: String,
    pub followers: i64,
    pub targeted_reaches: i64,
    pub blocks: i64,
    pub chart_svg: String,
    /// (day `MM/DD`, followers, targeted reaches, blocks), oldest first.
    pub days: Vec<(String, i64, i64, i64)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpcomingDelivery {
    pub id: i64,
    pub title: String,
    pub department: String,
    pub next_at: String,
    pub timing: String,
}

#[server(endpoint = "dashboard/activity")]
pub async fn dashboard_activity(channel: String) -> Result<ActivityView, AppError> {
    use domain::delivery::chart::{self, BLUE, GREEN, Series};
    use domain::delivery::history::{self, HistoryFilter};
    use model::access::{Action, Feature};
    let (me, ctx) = crate::ssr::context::call::<DashboardActivity>()?;
    let channel_id = domain::platform::channels::id_of(ctx.db(), &channel).await?;
    let now = domain::time::now();
    let trend = domain::audience::friends::trend(ctx.db(), channel_id, 30, now).await?;
    let at: Vec<domain::DateTime> = trend
        .days
        .iter()
        .map(|(d, _, _)| domain::time::start_of_day(*d))
        .collect();
    let count = |n: u64| Some(i64::try_from(n).unwrap_or(i64::MAX));
    let chart_svg = chart::line_chart(
        "過去30日の友だち追加とブロック",
        &at,
        &[
            Series {
                name: "友だち追加",
                colour: GREEN,
                values: trend.days.iter().map(|d| count(d.1)).collect(),
            },
            Series {
                name: "ブロック",
                colour: BLUE,
                values: trend.days.iter().map(|d| count(d.2)).collect(),
            },
        ],
        &|_, t| domain::time::format(t, "%m/%d"),
    );
    let (latest, upcoming) = if me.grants.can(Feature::Deliveries, Action::View) {
        let scope = me.grants.scope();
        let filter = HistoryFilter {
            channel_id: Some(channel_id),
            ..HistoryFilter::default()
        };
        let simulated = ctx.server().simulates_audience();
        let (rows, _) = history::history(ctx.db(), &scope, &filter, simulated).await?;
        let latest = rows
            .into_iter()
            .take(5)
            .map(super::delivery_statistics::row_view)
            .collect();
        let upcoming = domain::delivery::deliveries::upcoming(ctx.db(), &scope, channel_id, 5)
            .await?
            .into_iter()
            .map(|d| UpcomingDelivery {
                id: d.id,
                title: d.title,
                department: d.department_name,
                next_at: d.next_at.map(domain::time::minutes).unwrap_or_default(),
                timing: d.timing_summary,
            })
            .collect();
        (Some(latest), Some(upcoming))
    } else {
        (None, None)
    };
    let line = line_followers(ctx.db(), channel_id, now).await?;
    Ok(ActivityView {
        line,
        following: trend.following,
        blocked: trend.blocked,
        follows_30d: trend.days.iter().map(|d| d.1).sum(),
        blocks_30d: trend.days.iter().map(|d| d.2).sum(),
        chart_svg,
        days: trend
            .days
            .iter()
            .map(|(d, f, b)| (d.format("%m/%d").to_string(), *f, *b))
            .collect(),
        latest,
        upcoming,
    })
}

/// LINE's follower statistics of channel `channel_id` as stored by the statistics job.
#[cfg(feature = "ssr")]
async fn line_followers(
    db: &domain::DatabaseConnection,
    channel_id: i64,
    now: domain::DateTime,
) -> Result<Option<LineFollowers>, AppError> {
    use domain::delivery::chart::{self, BLUE, GREEN, Series};
    let rows = domain::audience::follower_statistics::ready_days(db, channel_id, now).await?;
    let Some(last) = rows.last().copied() else {
        return Ok(None);
    };
    let at: Vec<domain::DateTime> = rows
        .iter()
        .map(|r| domain::time::start_of_day(r.day))
        .collect();
    let chart_svg = chart::line_chart(
        "LINE の友だち数とブロック数（日別）",
        &at,
        &[
            Series {
                name: "友だち数（LINE）",
                colour: GREEN,
                values: rows.iter().map(|r| Some(r.followers)).collect(),
            },
            Series {
                name: "ブロック数（LINE）",
                colour: BLUE,
                values: rows.iter().map(|r| Some(r.blocks)).collect(),
            },
        ],
        &|_, t| domain::time::format(t, "%m/%d"),
    );
    Ok(Some(LineFollowers {
        day: last.day.format("%Y-%m-%d").to_string(),
        followers: last.followers,
        targeted_reaches: last.targeted_reaches,
        blocks: last.blocks,
        chart_svg,
        days: rows
            .into_iter()
            .map(|r| {
                (
                    r.day.format("%m/%d").to_string(),
                    r.followers,
                    r.targeted_reaches,
                    r.blocks,
                )
            })
            .collect(),
    }))
}

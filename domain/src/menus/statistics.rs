//! Rich menu statistics (リッチメニューの統計): LINE's figures of each published menu, fetched
//! within the channel's insight budget shared with deliveries, and stored for the page to read.
//!
//! - Every LINE menu that went live (`line_rich_menu.live_at`) gets one `rich_menu_statistics`
//!   row per [`Period`]: the last 7 days, the last 30, and the whole time it was shown (at most
//!   LINE's 396 days). Each is one call of LINE's `GET /v2/bot/insight/richmenu/{id}/summary`.
//! - The periodic job ([`fetch_due`], `jobs::Work::FetchMenuStatistics`) fetches the rows due:
//!   at once for a new menu, then daily ([`REFETCH_HOUR_JST`]: LINE adds a day's figures the
//!   next day). A menu that stopped being shown is fetched once more soon (before it is deleted
//!   at LINE, which keeps no figures of a deleted menu: then LINE answers 404 and the stored
//!   figures are final), and is final once a fetch was made the day after it ended.
//! - Each call is reserved in the insight budget of deliveries (`delivery::statistics::
//!   reserve_call`, the same `line_insight_call` rows, the same back-off after a 429), but only
//!   while the channel's calls of the last hour are under [`menu_share`] of the budget: what
//!   is left is for deliveries' statistics, which are fetched first.
//! - Under LINE's privacy threshold LINE answers only the menu's id: stored as
//!   `below_threshold` with null figures and shown 「20未満」, never 0.
//! - Our own counts: when a menu is published, each URL area (http or https, not LIFF) is sent
//!   to LINE as our click redirect `{PUBLIC_URL}/r/{code}` ([`track_areas`]: a `tracked_link`
//!   without a delivery, kept per area in `rich_menu_area_link`), so every tap of it is counted
//!   (`link_click`) whatever LINE's threshold; [`figures`] counts them over the same days.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};
use line::api::{RichMenuInsightBounds, RichMenuInsightClick, RichMenuInsightSummary};
use line::client::ClientError;
use model::access::Scope;
use model::menu::MenuDesign;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::publish::State;
use crate::delivery::engine::MessengerSource;
use crate::delivery::messenger::Messenger;
use crate::delivery::statistics::{FetchSummary, Reserved, answered, back_off, reserve_call};
use crate::entities::{
    line_rich_menu, link_click, rich_menu_area_link, rich_menu_statistics as stats,
    rich_menu_version, tracked_link,
};
use crate::{DateTime, DomainError, DomainResult};

/// What a rich menu insight call is recorded as in `line_insight_call`.
pub const ENDPOINT: &str = "/v2/bot/insight/richmenu/{richMenuId}/summary";
/// The hour (Japan) from which a day's figures are asked for again: LINE adds a day the next
/// day.
pub const REFETCH_HOUR_JST: i64 = 6;
/// After an error other than 429 or 404, the row is asked again this much later.
pub const ERROR_RETRY: TimeDelta = TimeDelta::hours(1);
/// LINE's longest summary period, in days after `from`.
const MAX_DAYS: i64 = line::validate::MAX_RICH_MENU_SUMMARY_DAYS as i64;

/// The calls of the last hour up to which menu statistics may reserve one: two thirds of the
/// channel's budget (40 of LINE's 60). The rest is always left to deliveries' statistics.
pub fn menu_share(per_hour: u32) -> u32 {
    per_hour.saturating_mul(2) / 3
}

/// A period the figures are kept for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Period {
    Week,
    Month,
    /// The whole time the menu was shown.
    Live,
}

impl Period {
    pub const ALL: [Period; 3] = [Period::Week, Period::Month, Period::Live];

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Week => "7d",
            Period::Month => "30d",
            Period::Live => "live",
        }
    }

    pub fn parse(s: &str) -> Option<Period> {
        Period::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Period::Week => "過去7日間",
            Period::Month => "過去30日間",
            Period::Live => "公開期間全体",
        }
    }

    /// The days asked for: up to `last` (the day the menu ended, or today), from `live_from`
    /// at the earliest.
    pub fn days(self, live_from: NaiveDate, last: NaiveDate) -> (NaiveDate, NaiveDate) {
        let to = last.max(live_from);
        let back = match self {
            Period::Week => 6,
            Period::Month => 29,
            Period::Live => MAX_DAYS,
        };
        ((to - TimeDelta::days(back)).max(live_from), to)
    }
}

fn yyyymmdd(day: NaiveDate) -> String {
    day.format("%Y%m%d").to_string()
}

/// When a row fetched at `now` is asked again: [`REFETCH_HOUR_JST`] tomorrow (Japan), or never
/// when its menu ended before today.
pub fn next_fetch(ended_at: Option<DateTime>, now: DateTime) -> Option<DateTime> {
    let today = crate::time::day_of(now);
    if ended_at.is_some_and(|ended| crate::time::day_of(ended) < today) {
        return None;
    }
    Some(crate::time::start_of_day(today + TimeDelta::days(1)) + TimeDelta::hours(REFETCH_HOUR_JST))
}

/// Makes the rows of menus that went live (due now), and makes due now the rows of menus that
/// ended since their last fetch (one more fetch before LINE forgets the menu).
pub async fn plan(db: &impl ConnectionTrait, now: DateTime) -> DomainResult<()> {
    let live = line_rich_menu::Entity::find()
        .filter(line_rich_menu::Column::State.eq(State::Live.as_str()))
        .filter(line_rich_menu::Column::LiveAt.is_not_null())
        .all(db)
        .await?;
    if !live.is_empty() {
        let rows = live.iter().flat_map(|m| {
            Period::ALL.into_iter().map(move |p| stats::ActiveModel {
                line_menu_id: Set(m.id),
                channel_id: Set(m.channel_id),
                period: Set(p.as_str().to_owned()),
                from_day: Set(None),
                to_day: Set(None),
                metrics_from: Set(None),
                metrics_to: Set(None),
                below_threshold: Set(false),
                impressions: Set(None),
                impression_users: Set(None),
                clicks: Set(None),
                fetched_at: Set(None),
                next_fetch_at: Set(Some(now)),
                is_final: Set(false),
                last_error: Set(None),
                ..Default::default()
            })
        });
        let rows: Vec<stats::ActiveModel> = rows.collect();
        for chunk in rows.chunks(300) {
            stats::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::columns([stats::Column::LineMenuId, stats::Column::Period])
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(db)
                .await?;
        }
    }
    // Ended since the last fetch: once more, now.
    let ended: Vec<(i64, DateTime)> = line_rich_menu::Entity::find()
        .filter(line_rich_menu::Column::EndedAt.is_not_null())
        .filter(line_rich_menu::Column::EndedAt.gt(now - TimeDelta::days(2)))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| m.ended_at.map(|e| (m.id, e)))
        .collect();
    for (line_menu_id, ended_at) in ended {
        stats::Entity::update_many()
            .col_expr(stats::Column::NextFetchAt, Expr::value(Some(now)))
            .filter(stats::Column::LineMenuId.eq(line_menu_id))
            .filter(stats::Column::IsFinal.eq(false))
            .filter(stats::Column::FetchedAt.lt(ended_at))
            .filter(stats::Column::NextFetchAt.gt(now))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// How one fetch went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    Updated,
    /// LINE has no such menu any more: the stored figures are final.
    Gone,
    /// LINE answered 429: the channel's insight calls back off.
    RateLimited,
    /// Another error: tried again after [`ERROR_RETRY`].
    Failed(String),
}

/// Fetches row `row` now and stores LINE's answer (the caller reserved the call).
pub async fn fetch_one<M: Messenger>(
    db: &DatabaseConnection,
    messenger: &M,
    row: &stats::Model,
    menu: &line_rich_menu::Model,
    now: DateTime,
) -> DomainResult<Fetched> {
    let (Some(line_id), Some(live_at), Some(period)) = (
        menu.line_id.as_deref(),
        menu.live_at,
        Period::parse(&row.period),
    ) else {
        // Nothing to ask LINE: never live, or a row this version does not know.
        finish(db, row.id).await?;
        return Ok(Fetched::Gone);
    };
    let today = crate::time::day_of(now);
    let last = menu
        .ended_at
        .map_or(today, |e| crate::time::day_of(e).min(today));
    let (from, to) = period.days(crate::time::day_of(live_at), last);
    let (from, to) = (yyyymmdd(from), yyyymmdd(to));
    match messenger
        .rich_menu_insight_summary(line_id, &from, &to)
        .await
    {
        Ok(answer) => {
            answered(db, row.channel_id).await?;
            store(db, row.id, &answer, &from, &to, menu.ended_at, now).await?;
            Ok(Fetched::Updated)
        }
        Err(e) if e.is_rate_limited() => {
            back_off(db, row.channel_id, now).await?;
            Ok(Fetched::RateLimited)
        }
        Err(ClientError::Rejected { status: 404, .. }) => {
            answered(db, row.channel_id).await?;
            finish(db, row.id).await?;
            Ok(Fetched::Gone)
        }
        Err(e) => {
            let message = e.message_ja();
            stats::Entity::update_many()
                .col_expr(stats::Column::LastError, Expr::value(Some(message.clone())))
                .col_expr(
                    stats::Column::NextFetchAt,
                    Expr::value(Some(now + ERROR_RETRY)),
                )
                .filter(stats::Column::Id.eq(row.id))
                .exec(db)
                .await?;
            Ok(Fetched::Failed(message))
        }
    }
}

async fn store(
    db: &DatabaseConnection,
    id: i64,
    answer: &RichMenuInsightSummary,
    from: &str,
    to: &str,
    ended_at: Option<DateTime>,
    now: DateTime,
) -> DomainResult<()> {
    let clicks = match &answer.clicks {
        Some(clicks) => Some(
            serde_json::to_string(clicks)
                .map_err(|e| DomainError::Internal(format!("rich menu statistics: {e}")))?,
        ),
        None => None,
    };
    let impression = answer.impression.as_ref().map(|i| i.metrics);
    let next = next_fetch(ended_at, now);
    stats::Entity::update_many()
        .col_expr(stats::Column::FromDay, Expr::value(Some(from.to_owned())))
        .col_expr(stats::Column::ToDay, Expr::value(Some(to.to_owned())))
        .col_expr(
            stats::Column::MetricsFrom,
            Expr::value(answer.metrics_from.clone()),
        )
        .col_expr(
            stats::Column::MetricsTo,
            Expr::value(answer.metrics_to.clone()),
        )
        .col_expr(
            stats::Column::BelowThreshold,
            Expr::value(answer.is_below_threshold()),
        )
        .col_expr(
            stats::Column::Impressions,
            Expr::value(impression.map(|m| m.count)),
        )
        .col_expr(
            stats::Column::ImpressionUsers,
            Expr::value(impression.map(|m| m.unique_users)),
        )
        .col_expr(stats::Column::Clicks, Expr::value(clicks))
        .col_expr(stats::Column::FetchedAt, Expr::value(Some(now)))
        .col_expr(stats::Column::NextFetchAt, Expr::value(next))
        .col_expr(stats::Column::IsFinal, Expr::value(next.is_none()))
        .col_expr(stats::Column::LastError, Expr::value(None::<String>))
        .filter(stats::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// No more fetches of row `id`: what is stored stays.
async fn finish(db: &impl ConnectionTrait, id: i64) -> DomainResult<()> {
    stats::Entity::update_many()
        .col_expr(stats::Column::NextFetchAt, Expr::value(None::<DateTime>))
        .col_expr(stats::Column::IsFinal, Expr::value(true))
        .filter(stats::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Fetches the rows due at `now` ([`plan`] first), per channel, while its calls of the last
/// hour are under [`menu_share`] of `per_hour`. The periodic job calls it.
pub async fn fetch_due<S: MessengerSource>(
    db: &DatabaseConnection,
    line: &S,
    per_hour: u32,
    now: DateTime,
) -> DomainResult<FetchSummary> {
    plan(db, now).await?;
    let due = stats::Entity::find()
        .filter(stats::Column::NextFetchAt.lte(now))
        .filter(stats::Column::IsFinal.eq(false))
        .order_by_asc(stats::Column::NextFetchAt)
        .order_by_desc(stats::Column::LineMenuId)
        .order_by_asc(stats::Column::Id)
        .all(db)
        .await?;
    let mut by_channel: BTreeMap<i64, Vec<stats::Model>> = BTreeMap::new();
    for row in due {
        by_channel.entry(row.channel_id).or_default().push(row);
    }
    let limit = menu_share(per_hour);
    let mut summary = FetchSummary::default();
    for (channel_id, rows) in by_channel {
        let Some(messenger) = line.messenger(channel_id) else {
            summary.deferred += u32::try_from(rows.len()).unwrap_or(u32::MAX);
            continue;
        };
        let mut rows = rows.into_iter();
        for row in rows.by_ref() {
            let Some(menu) = line_rich_menu::Entity::find_by_id(row.line_menu_id)
                .one(db)
                .await?
            else {
                continue;
            };
            if reserve_call(db, channel_id, ENDPOINT, limit, now).await? != Reserved::Yes {
                summary.deferred += 1;
                break;
            }
            match fetch_one(db, &*messenger, &row, &menu, now).await? {
                Fetched::Updated | Fetched::Gone => summary.updated += 1,
                Fetched::Failed(_) => summary.failed += 1,
                Fetched::RateLimited => {
                    summary.deferred += 1;
                    break;
                }
            }
        }
        summary.deferred += u32::try_from(rows.len()).unwrap_or(u32::MAX);
    }
    Ok(summary)
}

/// The menu `menu` as sent to LINE for publish `line_menu_id`: each URL area (http or https,
/// not a LIFF link) opens our click redirect `{base}/r/{code}` instead, a tracked link of its
/// own that leads to the area's URL. Made once per publish: a publish tried again gets the same
/// codes.
pub async fn track_areas(
    db: &impl ConnectionTrait,
    line_menu_id: i64,
    channel_id: i64,
    mut menu: line::rich_menu::RichMenu,
    base: &str,
    now: DateTime,
) -> DomainResult<line::rich_menu::RichMenu> {
    let existing: Vec<(i32, i64)> = rich_menu_area_link::Entity::find()
        .select_only()
        .column(rich_menu_area_link::Column::AreaIndex)
        .column(rich_menu_area_link::Column::LinkId)
        .filter(rich_menu_area_link::Column::LineMenuId.eq(line_menu_id))
        .into_tuple()
        .all(db)
        .await?;
    let codes: BTreeMap<i64, String> = if existing.is_empty() {
        BTreeMap::new()
    } else {
        tracked_link::Entity::find()
            .filter(tracked_link::Column::Id.is_in(existing.iter().map(|e| e.1)))
            .all(db)
            .await?
            .into_iter()
            .map(|l| (l.id, l.code))
            .collect()
    };
    for (index, area) in menu.areas.iter_mut().enumerate() {
        let line::message::Action::Uri { uri, .. } = &mut area.action else {
            continue;
        };
        let lower = uri.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://"))
            || line::links::is_liff_url(uri)
        {
            continue;
        }
        let area_index = i32::try_from(index).unwrap_or(i32::MAX);
        let code = match existing
            .iter()
            .find(|e| e.0 == area_index)
            .and_then(|e| codes.get(&e.1))
        {
            Some(code) => code.clone(),
            None => {
                let code = crate::delivery::links::new_code();
                let link = tracked_link::ActiveModel {
                    code: Set(code.clone()),
                    // A menu's link belongs to no delivery.
                    delivery_id: Set(0),
                    run_id: Set(0),
                    channel_id: Set(channel_id),
                    position: Set(area_index + 1),
                    message_seq: Set(0),
                    url: Set(uri.clone()),
                    person_key: Set(None),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                rich_menu_area_link::ActiveModel {
                    line_menu_id: Set(line_menu_id),
                    area_index: Set(area_index),
                    link_id: Set(link.id),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                code
            }
        };
        *uri = format!("{}/r/{code}", base.trim_end_matches('/'));
    }
    Ok(menu)
}

/// Taps of menu `line_menu_id`'s URL areas counted by our redirect on the days `from` to `to`
/// (Japan), by area index.
async fn our_clicks(
    db: &impl ConnectionTrait,
    line_menu_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> DomainResult<BTreeMap<usize, i64>> {
    let links: Vec<(i32, i64)> = rich_menu_area_link::Entity::find()
        .select_only()
        .column(rich_menu_area_link::Column::AreaIndex)
        .column(rich_menu_area_link::Column::LinkId)
        .filter(rich_menu_area_link::Column::LineMenuId.eq(line_menu_id))
        .into_tuple()
        .all(db)
        .await?;
    let mut out = BTreeMap::new();
    for (area_index, link_id) in links {
        let clicks: Vec<i64> = link_click::Entity::find()
            .select_only()
            .column(link_click::Column::Id)
            .filter(link_click::Column::LinkId.eq(link_id))
            .filter(link_click::Column::ClickedAt.gte(crate::time::start_of_day(from)))
            .filter(
                link_click::Column::ClickedAt
                    .lt(crate::time::start_of_day(to + TimeDelta::days(1))),
            )
            .into_tuple()
            .all(db)
            .await?;
        out.insert(
            usize::try_from(area_index).unwrap_or(usize::MAX),
            i64::try_from(clicks.len()).unwrap_or(i64::MAX),
        );
    }
    Ok(out)
}

/// A LINE menu of a staff menu that was shown, for the statistics page's choice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShownMenu {
    pub line_menu_id: i64,
    pub channel_id: i64,
    pub version_id: i64,
    pub version_number: i32,
    pub state: State,
    pub live_at: DateTime,
    pub ended_at: Option<DateTime>,
}

/// One area's figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AreaFigures {
    pub bounds: RichMenuInsightBounds,
    pub label: String,
    /// The area's link, for a `uri` area.
    pub url: Option<String>,
    /// LINE's taps and their users; none when LINE gave no figures (under its threshold, or
    /// not fetched yet). An area missing from LINE's answer above the threshold had no taps.
    pub taps: Option<i64>,
    pub tap_users: Option<i64>,
    /// Taps counted by our redirect over the same days; none for an area not sent through it
    /// (not a web link, or published without a public URL).
    pub our_clicks: Option<i64>,
}

/// LINE's figures of one LINE menu for one period, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct MenuFigures {
    pub menu: ShownMenu,
    pub design: MenuDesign,
    pub period: Period,
    /// Fetched at all.
    pub fetched_at: Option<DateTime>,
    pub from_day: Option<String>,
    pub to_day: Option<String>,
    pub metrics_from: Option<String>,
    pub metrics_to: Option<String>,
    pub below_threshold: bool,
    pub impressions: Option<i64>,
    pub impression_users: Option<i64>,
    pub areas: Vec<AreaFigures>,
    pub is_final: bool,
    pub last_error: Option<String>,
}

/// The LINE menus of staff menu `menu_id` (in `scope`) that were shown, newest first.
pub async fn shown(
    db: &DatabaseConnection,
    scope: &Scope,
    menu_id: i64,
) -> DomainResult<Vec<ShownMenu>> {
    super::designs::find_in_scope(db, scope, menu_id).await?;
    let versions: Vec<rich_menu_version::Model> = rich_menu_version::Entity::find()
        .filter(rich_menu_version::Column::RichMenuId.eq(menu_id))
        .all(db)
        .await?;
    let rows = line_rich_menu::Entity::find()
        .filter(line_rich_menu::Column::VersionId.is_in(versions.iter().map(|v| v.id)))
        .filter(line_rich_menu::Column::LiveAt.is_not_null())
        .order_by_desc(line_rich_menu::Column::LiveAt)
        .order_by_desc(line_rich_menu::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(ShownMenu {
                line_menu_id: r.id,
                channel_id: r.channel_id,
                version_id: r.version_id,
                version_number: versions.iter().find(|v| v.id == r.version_id)?.number,
                state: State::parse(&r.state)?,
                live_at: r.live_at?,
                ended_at: r.ended_at,
            })
        })
        .collect())
}

/// The stored figures of `menu` (one of [`shown`]) for `period` as of `now`, area by area of
/// the version that was published (LINE names areas by their bounds), with our own counts of
/// its URL areas over the same days.
pub async fn figures(
    db: &impl ConnectionTrait,
    menu: ShownMenu,
    period: Period,
    now: DateTime,
) -> DomainResult<MenuFigures> {
    let today = crate::time::day_of(now);
    let last = menu
        .ended_at
        .map_or(today, |e| crate::time::day_of(e).min(today));
    let (from, to) = period.days(crate::time::day_of(menu.live_at), last);
    let ours = our_clicks(db, menu.line_menu_id, from, to).await?;
    let version = rich_menu_version::Entity::find_by_id(menu.version_id)
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound("公開した版がありません。".into()))?;
    let design: MenuDesign = serde_json::from_str(&version.design)
        .map_err(|e| DomainError::Internal(format!("version {}: {e}", version.id)))?;
    let row = stats::Entity::find()
        .filter(stats::Column::LineMenuId.eq(menu.line_menu_id))
        .filter(stats::Column::Period.eq(period.as_str()))
        .one(db)
        .await?;
    let clicks: Option<Vec<RichMenuInsightClick>> = row
        .as_ref()
        .and_then(|r| r.clicks.as_deref())
        .and_then(|c| serde_json::from_str(c).ok());
    let areas = design
        .areas
        .iter()
        .enumerate()
        .map(|(index, area)| {
            let bounds = RichMenuInsightBounds::from(area.bounds);
            let metrics = clicks.as_ref().map(|clicks| {
                clicks
                    .iter()
                    .find(|c| c.bounds == bounds)
                    .map(|c| c.metrics)
                    .unwrap_or_default()
            });
            AreaFigures {
                bounds,
                label: area.label().to_owned(),
                url: match &area.action {
                    line::message::Action::Uri { uri, .. } => Some(uri.clone()),
                    _ => None,
                },
                taps: metrics.map(|m| m.count),
                tap_users: metrics.map(|m| m.unique_users),
                our_clicks: ours.get(&index).copied(),
            }
        })
        .collect();
    Ok(MenuFigures {
        menu,
        design,
        period,
        fetched_at: row.as_ref().and_then(|r| r.fetched_at),
        from_day: row.as_ref().and_then(|r| r.from_day.clone()),
        to_day: row.as_ref().and_then(|r| r.to_day.clone()),
        metrics_from: row.as_ref().and_then(|r| r.metrics_from.clone()),
        metrics_to: row.as_ref().and_then(|r| r.metrics_to.clone()),
        below_threshold: row.as_ref().is_some_and(|r| r.below_threshold),
        impressions: row.as_ref().and_then(|r| r.impressions),
        impression_users: row.as_ref().and_then(|r| r.impression_users),
        areas,
        is_final: row.as_ref().is_some_and(|r| r.is_final),
        last_error: row.and_then(|r| r.last_error),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn at(text: &str) -> DateTime {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn periods_end_on_the_last_day_and_start_no_earlier_than_the_menu() {
        let live = day("2026-10-01");
        let last = day("2026-11-28");
        assert_eq!(
            Period::Week.days(live, last),
            (day("2026-11-22"), day("2026-11-28"))
        );
        assert_eq!(
            Period::Month.days(live, last),
            (day("2026-10-30"), day("2026-11-28"))
        );
        assert_eq!(Period::Live.days(live, last), (live, last));
        assert_eq!(
            Period::Week.days(day("2026-11-27"), last),
            (day("2026-11-27"), last)
        );
        // LINE's 396 days at most.
        let long = Period::Live.days(day("2020-01-01"), last);
        assert_eq!((long.1 - long.0).num_days(), 396);
    }

    #[test]
    fn rows_are_asked_again_the_next_morning_until_the_day_after_the_menu_ended() {
        // 2026-11-28 12:00 JST.
        let now = at("2026-11-28T03:00:00Z");
        // 2026-11-29 06:00 JST.
        assert_eq!(next_fetch(None, now), Some(at("2026-11-28T21:00:00Z")));
        assert_eq!(
            next_fetch(Some(at("2026-11-28T01:00:00Z")), now),
            Some(at("2026-11-28T21:00:00Z"))
        );
        assert_eq!(next_fetch(Some(at("2026-11-27T01:00:00Z")), now), None);
    }

    #[test]
    fn menus_leave_a_third_of_the_budget_to_deliveries() {
        assert_eq!(menu_share(60), 40);
        assert_eq!(menu_share(3), 2);
        assert_eq!(menu_share(1), 0);
    }
}

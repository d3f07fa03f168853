//! LINE's statistics of each run (開封数, クリック数), fetched within LINE's insight budget.
//!
//! - Each run is sent with an aggregation unit of its own ([`choose_unit`], `mdr{run id}`),
//!   unless this month's budget of unit names is used up (then LINE has no figures for it; our
//!   own click tracking still counts).
//! - A run's figures are fetched [`FETCH_AFTER`] sending, at widening intervals, then once
//!   more after [`FINAL_AFTER`] and marked final (LINE's numbers settle over 14 days).
//! - Every insight call is reserved ([`reserve_call`]: recorded in `line_insight_call` before it
//!   is made, checked and recorded in one step) and none is made when the channel made
//!   `insight_calls_per_hour` in the last hour: the budget holds across restarts, instances and
//!   concurrent passes and refreshes. Due runs are fetched most recent first; a 429 stops the
//!   channel's insight calls for [`BACKOFF_FIRST`], doubling while LINE keeps answering 429
//!   ([`back_off`], stored: it holds across restarts); other errors try that run again later.
//! - LINE answers null for figures under 20: stored as null and shown as 「20未満」, never as
//!   0, and no rate is computed from it ([`model::delivery::Figure`]).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike as _, NaiveDate, TimeDelta};
use line::api::StatisticsPerUnit;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use crate::delivery::engine::MessengerSource;
use crate::delivery::messenger::Messenger;
use crate::entities::{
    delivery_run_statistics as stats, delivery_statistics_sample as sample, line_insight_call,
    line_insight_channel as insight_channel,
};
use crate::{DateTime, DomainError, DomainResult};

/// When a run's figures are fetched, after it started: soon, then less and less often.
pub const FETCH_AFTER: [TimeDelta; 12] = [
    TimeDelta::minutes(10),
    TimeDelta::hours(1),
    TimeDelta::hours(3),
    TimeDelta::hours(6),
    TimeDelta::hours(12),
    TimeDelta::days(1),
    TimeDelta::days(2),
    TimeDelta::days(3),
    TimeDelta::days(5),
    TimeDelta::days(7),
    TimeDelta::days(10),
    TimeDelta::days(14),
];
/// The last fetch, whose figures are final.
pub const FINAL_AFTER: TimeDelta = TimeDelta::days(15);
/// After an error other than 429, the run is asked again this much later.
pub const ERROR_RETRY: TimeDelta = TimeDelta::minutes(30);
/// After LINE answers 429 the channel's insight calls wait this long, doubling while LINE
/// keeps answering 429, up to [`BACKOFF_MAX`]. LINE sends no `Retry-After` (and the client
/// keeps no headers of an error), so the delay is ours.
pub const BACKOFF_FIRST: TimeDelta = TimeDelta::minutes(5);
pub const BACKOFF_MAX: TimeDelta = TimeDelta::hours(1);
/// LINE's budget of insight calls per channel and hour.
pub const DEFAULT_INSIGHT_CALLS_PER_HOUR: u32 = 60;
/// Aggregation unit names per channel and month (LINE reports 1,000).
pub const DEFAULT_UNITS_PER_MONTH: u32 = 1_000;
/// The share of the month's unit names from which staff are warned.
pub const UNITS_WARN_SHARE: f64 = 0.9;
/// What the statistics call is recorded as.
pub const ENDPOINT: &str = "/v2/bot/insight/message/event/aggregation";

/// The aggregation unit of run `run_id`.
pub fn unit_name(run_id: i64) -> String {
    format!("mdr{run_id}")
}

/// The first instant of the Japanese month `at` falls in.
fn month_start(at: DateTime) -> DateTime {
    let day = crate::time::day_of(at);
    let first = NaiveDate::from_ymd_opt(day.year(), day.month(), 1).unwrap_or(day);
    crate::time::start_of_day(first)
}

/// Unit names channel `channel_id` used this month (Japan).
pub async fn units_this_month(
    db: &impl ConnectionTrait,
    channel_id: i64,
    now: DateTime,
) -> DomainResult<u64> {
    Ok(stats::Entity::find()
        .filter(stats::Column::ChannelId.eq(channel_id))
        .filter(stats::Column::SentAt.gte(month_start(now)))
        .count(db)
        .await?)
}

/// The unit run `run_id` is sent with, or none when the month's `per_month` names are used.
pub async fn choose_unit(
    db: &impl ConnectionTrait,
    channel_id: i64,
    run_id: i64,
    per_month: u32,
    now: DateTime,
) -> DomainResult<Option<String>> {
    let used = units_this_month(db, channel_id, now).await?;
    Ok((used < u64::from(per_month)).then(|| unit_name(run_id)))
}

/// Starts fetching the statistics of a run sent with `unit` (in the run's transaction).
pub async fn start(
    db: &impl ConnectionTrait,
    run_id: i64,
    channel_id: i64,
    unit: &str,
    now: DateTime,
) -> DomainResult<()> {
    stats::ActiveModel {
        run_id: Set(run_id),
        channel_id: Set(channel_id),
        aggregation_unit: Set(unit.to_owned()),
        sent_at: Set(now),
        next_fetch_at: Set(Some(now + FETCH_AFTER[0])),
        fetches: Set(0),
        fetched_at: Set(None),
        is_final: Set(false),
        unique_impression: Set(None),
        unique_click: Set(None),
        detail: Set(None),
        last_error: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// After a fetch at `now`: when to fetch next, or none when this one was final.
pub fn next_fetch(sent_at: DateTime, now: DateTime) -> Option<DateTime> {
    if now >= sent_at + FINAL_AFTER {
        return None;
    }
    FETCH_AFTER
        .iter()
        .map(|after| sent_at + *after)
        .find(|at| *at > now)
        .or(Some(sent_at + FINAL_AFTER))
}

/// Whether an insight call may be made now ([`reserve_call`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reserved {
    /// Recorded: make the call.
    Yes,
    /// The hour's calls are used up: not before this time.
    BudgetSpent(DateTime),
    /// LINE answered 429 lately ([`back_off`]): not before this time.
    Paused(DateTime),
}

/// Reserves one of channel `channel_id`'s insight calls for `endpoint` at `now`, if fewer than
/// `limit` were made in the hour before and the channel is not backing off after a 429. The check and the record are one transaction holding
/// the channel's `line_insight_channel` row (a write lock on SQLite, a row lock on PostgreSQL),
/// so concurrent passes and refreshes, on any instance, never go past the budget. The call is
/// recorded before it is made: a crash after the call still counts it.
pub async fn reserve_call(
    db: &DatabaseConnection,
    channel_id: i64,
    endpoint: &str,
    limit: u32,
    now: DateTime,
) -> DomainResult<Reserved> {
    let (txn, state) = lock_channel(db, channel_id).await?;
    if let Some(until) = state.paused_until.filter(|until| *until > now) {
        txn.commit().await?;
        return Ok(Reserved::Paused(until));
    }
    let recent: Vec<DateTime> = line_insight_call::Entity::find()
        .filter(line_insight_call::Column::ChannelId.eq(channel_id))
        .filter(line_insight_call::Column::CalledAt.gt(now - TimeDelta::hours(1)))
        .order_by_desc(line_insight_call::Column::CalledAt)
        .all(&txn)
        .await?
        .into_iter()
        .map(|c| c.called_at)
        .collect();
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if recent.len() >= limit {
        txn.commit().await?;
        // The call that leaves the window first after the `limit`th most recent frees a slot.
        let at = limit
            .checked_sub(1)
            .and_then(|i| recent.get(i))
            .copied()
            .unwrap_or(now);
        return Ok(Reserved::BudgetSpent(at + TimeDelta::hours(1)));
    }
    line_insight_call::ActiveModel {
        channel_id: Set(channel_id),
        called_at: Set(now),
        endpoint: Set(endpoint.to_owned()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Reserved::Yes)
}

/// Starts a transaction holding channel `channel_id`'s `line_insight_channel` row (made when
/// missing), and answers its state. The first statement writes, so it waits here for any other
/// holder (the write lock on SQLite, the row lock on PostgreSQL).
async fn lock_channel(
    db: &DatabaseConnection,
    channel_id: i64,
) -> DomainResult<(sea_orm::DatabaseTransaction, insight_channel::Model)> {
    let txn = crate::db::begin_write(db).await?;
    insight_channel::Entity::insert(insight_channel::ActiveModel {
        channel_id: Set(channel_id),
        paused_until: Set(None),
        backoff_minutes: Set(0),
    })
    .on_conflict(
        OnConflict::column(insight_channel::Column::ChannelId)
            .update_column(insight_channel::Column::ChannelId)
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let state = insight_channel::Entity::find_by_id(channel_id)
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::Internal("line_insight_channel row missing".into()))?;
    Ok((txn, state))
}

/// LINE answered 429 to channel `channel_id` at `now`: its insight calls wait [`BACKOFF_FIRST`],
/// or twice the last delay when the last answer was a 429 too, at most [`BACKOFF_MAX`].
/// Answers until when.
pub async fn back_off(
    db: &DatabaseConnection,
    channel_id: i64,
    now: DateTime,
) -> DomainResult<DateTime> {
    let (txn, state) = lock_channel(db, channel_id).await?;
    let delay = if state.backoff_minutes > 0 {
        (TimeDelta::minutes(i64::from(state.backoff_minutes)) * 2).min(BACKOFF_MAX)
    } else {
        BACKOFF_FIRST
    };
    let until = now + delay;
    insight_channel::ActiveModel {
        channel_id: Set(channel_id),
        paused_until: Set(Some(until)),
        backoff_minutes: Set(i32::try_from(delay.num_minutes()).unwrap_or(i32::MAX)),
    }
    .update(&txn)
    .await?;
    txn.commit().await?;
    Ok(until)
}

/// LINE answered channel `channel_id`'s insight call: the next 429 backs off from the start.
pub async fn answered(db: &impl ConnectionTrait, channel_id: i64) -> DomainResult<()> {
    insight_channel::Entity::update_many()
        .col_expr(insight_channel::Column::BackoffMinutes, Expr::value(0))
        .filter(insight_channel::Column::ChannelId.eq(channel_id))
        .filter(insight_channel::Column::BackoffMinutes.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes insight call records older than a day (only the last hour counts).
pub async fn purge_calls(db: &impl ConnectionTrait, now: DateTime) -> DomainResult<u64> {
    Ok(line_insight_call::Entity::delete_many()
        .filter(line_insight_call::Column::CalledAt.lt(now - TimeDelta::days(1)))
        .exec(db)
        .await?
        .rows_affected)
}

/// How a fetch went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    Updated {
        is_final: bool,
    },
    /// LINE answered 429: the channel's insight calls back off ([`back_off`]).
    RateLimited,
    /// Another error: tried again after [`ERROR_RETRY`].
    Failed(String),
}

/// The `from` and `to` of a run's statistics request: the days (Japan) from sending to now, at
/// most LINE's 30.
fn period(sent_at: DateTime, now: DateTime) -> (String, String) {
    let from = crate::time::day_of(sent_at);
    let last = from + TimeDelta::days(i64::from(line::validate::MAX_STATISTICS_DAYS) - 1);
    let to = crate::time::day_of(now).clamp(from, last);
    (
        from.format("%Y%m%d").to_string(),
        to.format("%Y%m%d").to_string(),
    )
}

/// Fetches run `row`'s figures now and stores them (the caller reserved the call with
/// [`reserve_call`]).
pub async fn fetch_one<M: Messenger>(
    db: &DatabaseConnection,
    messenger: &M,
    row: &stats::Model,
    now: DateTime,
) -> DomainResult<Fetched> {
    let (from, to) = period(row.sent_at, now);
    let answer = messenger
        .statistics_per_unit(&row.aggregation_unit, &from, &to)
        .await;
    match answer {
        Ok(figures) => {
            answered(db, row.channel_id).await?;
            let next = next_fetch(row.sent_at, now);
            let detail = serde_json::to_string(&figures)
                .map_err(|e| DomainError::Internal(format!("statistics: {e}")))?;
            stats::Entity::update_many()
                .col_expr(
                    stats::Column::UniqueImpression,
                    Expr::value(figures.overview.unique_impression),
                )
                .col_expr(
                    stats::Column::UniqueClick,
                    Expr::value(figures.overview.unique_click),
                )
                .col_expr(stats::Column::Detail, Expr::value(detail))
                .col_expr(stats::Column::FetchedAt, Expr::value(Some(now)))
                .col_expr(stats::Column::Fetches, Expr::value(row.fetches + 1))
                .col_expr(stats::Column::NextFetchAt, Expr::value(next))
                .col_expr(stats::Column::IsFinal, Expr::value(next.is_none()))
                .col_expr(stats::Column::LastError, Expr::value(None::<String>))
                .filter(stats::Column::RunId.eq(row.run_id))
                .exec(db)
                .await?;
            sample::ActiveModel {
                run_id: Set(row.run_id),
                at: Set(now),
                unique_impression: Set(figures.overview.unique_impression),
                unique_click: Set(figures.overview.unique_click),
                ..Default::default()
            }
            .insert(db)
            .await?;
            Ok(Fetched::Updated {
                is_final: next.is_none(),
            })
        }
        Err(e) if e.is_rate_limited() => {
            back_off(db, row.channel_id, now).await?;
            Ok(Fetched::RateLimited)
        }
        Err(e) => {
            let message = e.message_ja();
            stats::Entity::update_many()
                .col_expr(stats::Column::LastError, Expr::value(Some(message.clone())))
                .col_expr(
                    stats::Column::NextFetchAt,
                    Expr::value(Some(now + ERROR_RETRY)),
                )
                .filter(stats::Column::RunId.eq(row.run_id))
                .exec(db)
                .await?;
            Ok(Fetched::Failed(message))
        }
    }
}

/// What one pass of [`fetch_due`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FetchSummary {
    pub updated: u32,
    pub failed: u32,
    /// Due runs left for a later pass (budget spent, 429, or no client for the channel).
    pub deferred: u32,
}

/// Fetches the figures of every run due at `now`, most recent first, within each channel's
/// `per_hour` budget. The periodic job (`jobs::Work::FetchStatistics`) calls it.
pub async fn fetch_due<S: MessengerSource>(
    db: &DatabaseConnection,
    line: &S,
    per_hour: u32,
    now: DateTime,
) -> DomainResult<FetchSummary> {
    let due = stats::Entity::find()
        .filter(stats::Column::NextFetchAt.lte(now))
        .order_by_desc(stats::Column::SentAt)
        .all(db)
        .await?;
    let mut by_channel: BTreeMap<i64, Vec<stats::Model>> = BTreeMap::new();
    for row in due {
        by_channel.entry(row.channel_id).or_default().push(row);
    }
    let mut summary = FetchSummary::default();
    for (channel_id, rows) in by_channel {
        let Some(messenger) = line.messenger(channel_id) else {
            summary.deferred += u32::try_from(rows.len()).unwrap_or(u32::MAX);
            continue;
        };
        let mut rows = rows.into_iter();
        for row in rows.by_ref() {
            if reserve_call(db, channel_id, ENDPOINT, per_hour, now).await? != Reserved::Yes {
                summary.deferred += 1;
                break;
            }
            match fetch_one(db, &*messenger, &row, now).await? {
                Fetched::Updated { .. } => summary.updated += 1,
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

/// Staff's 「最新の数値に更新」 on a run: one fetch now, if the channel's budget allows.
pub async fn refresh<M: Messenger>(
    db: &DatabaseConnection,
    messenger: &M,
    run_id: i64,
    per_hour: u32,
    now: DateTime,
) -> DomainResult<Fetched> {
    let row = stats::Entity::find_by_id(run_id)
        .one(db)
        .await?
        .ok_or_else(|| {
            DomainError::Invalid(
                "この配信には LINE の集計単位がないため、開封数を取得できません。".into(),
            )
        })?;
    if row.is_final {
        return Err(DomainError::Invalid(
            "数値は確定しています（配信から14日を過ぎました）。".into(),
        ));
    }
    match reserve_call(db, row.channel_id, ENDPOINT, per_hour, now).await? {
        Reserved::Yes => fetch_one(db, messenger, &row, now).await,
        Reserved::BudgetSpent(at) => Err(DomainError::Invalid(format!(
            "LINE の統計の取得回数の上限（1時間に{per_hour}回）に達しています。{} 以降にもう一度お試しください。",
            crate::time::minutes(at)
        ))),
        Reserved::Paused(until) => Err(DomainError::Invalid(format!(
            "LINE から取得回数が多すぎるとの応答があったため、統計の取得を控えています。{} 以降にもう一度お試しください。",
            crate::time::minutes(until)
        ))),
    }
}

/// LINE's figures of runs, by run id.
pub async fn of_runs(
    db: &impl ConnectionTrait,
    run_ids: &[i64],
) -> DomainResult<HashMap<i64, stats::Model>> {
    if run_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(stats::Entity::find()
        .filter(stats::Column::RunId.is_in(run_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.run_id, s))
        .collect())
}

/// The samples of a run, oldest first (the chart's points).
pub async fn samples_of(
    db: &impl ConnectionTrait,
    run_id: i64,
) -> DomainResult<Vec<sample::Model>> {
    Ok(sample::Entity::find()
        .filter(sample::Column::RunId.eq(run_id))
        .order_by_asc(sample::Column::At)
        .all(db)
        .await?)
}

/// LINE's stored answer of a run, if it was fetched.
pub fn detail_of(row: &stats::Model) -> Option<StatisticsPerUnit> {
    row.detail
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
}

/// Today's month in Japan, as `2026年11月`, for messages about the unit budget.
pub fn month_label(now: DateTime) -> String {
    crate::time::format(now, "%Y年%-m月")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn fetches_widen_then_end_with_a_final_one() {
        let sent = at("2026-11-01T00:00:00Z");
        assert_eq!(
            next_fetch(sent, sent + TimeDelta::minutes(1)),
            Some(sent + TimeDelta::minutes(10))
        );
        assert_eq!(
            next_fetch(sent, sent + TimeDelta::minutes(10)),
            Some(sent + TimeDelta::hours(1))
        );
        assert_eq!(
            next_fetch(sent, sent + TimeDelta::days(14)),
            Some(sent + FINAL_AFTER)
        );
        assert_eq!(next_fetch(sent, sent + FINAL_AFTER), None);
        assert_eq!(next_fetch(sent, sent + TimeDelta::days(40)), None);
    }

    #[test]
    fn the_period_runs_from_the_day_sent_in_japan_for_at_most_30_days() {
        // 2026-11-01 23:30 JST.
        let sent = at("2026-11-01T14:30:00Z");
        assert_eq!(
            period(sent, sent + TimeDelta::hours(1)),
            ("20261101".into(), "20261102".into())
        );
        assert_eq!(
            period(sent, sent + TimeDelta::days(60)),
            ("20261101".into(), "20261130".into())
        );
    }

    #[test]
    fn months_start_in_japan() {
        assert_eq!(
            month_start(at("2026-11-30T15:30:00Z")),
            at("2026-11-30T15:00:00Z")
        );
        assert_eq!(
            month_start(at("2026-11-15T00:00:00Z")),
            at("2026-10-31T15:00:00Z")
        );
    }
}

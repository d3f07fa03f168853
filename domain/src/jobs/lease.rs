//! Leases: how a row of work (a webhook event, a job) is taken by exactly one worker of one
//! instance, given back when that worker dies, and tried again with backoff when it fails. The
//! webhook inbox and the job queue both keep their work this way, each in its own table; this
//! is the one implementation of the rules.

use std::time::Duration;

use chrono::TimeDelta;
use sea_orm::sea_query::{Expr, ExprTrait as _, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
};

use crate::db::{self, Backend};
use crate::{DateTime, DomainResult};
use model::status::WorkStatus;

/// How often a piece of work is tried before it is left as [`WorkStatus::Failed`] for staff to see.
pub const MAX_ATTEMPTS: i32 = 8;

/// The longest wait between two attempts.
const MAX_RETRY_DELAY: TimeDelta = TimeDelta::minutes(10);

/// The wait before attempt `attempts + 1`: 2 s, 4 s, 8 s... up to 10 minutes.
pub fn retry_delay(attempts: i32) -> TimeDelta {
    let seconds = 2i64.saturating_pow(attempts.clamp(1, 20).unsigned_abs());
    TimeDelta::seconds(seconds).min(MAX_RETRY_DELAY)
}

/// The columns a table of leased work has.
pub(crate) struct Leased<E: EntityTrait> {
    pub id: E::Column,
    pub status: E::Column,
    /// When the work is due.
    pub due_at: E::Column,
    pub locked_until: E::Column,
    pub attempts: E::Column,
    pub last_error: E::Column,
    pub finished_at: E::Column,
    /// The id of a row, to return claimed rows in order.
    pub id_of: fn(&E::Model) -> i64,
}

/// Free to take: never taken, or its lease ran out.
fn free<E: EntityTrait>(cols: &Leased<E>, now: DateTime) -> Condition {
    Condition::any()
        .add(cols.locked_until.is_null())
        .add(cols.locked_until.lt(now))
}

/// Takes up to `limit` pending rows that are due at `now` and match `only`, for `lease`; each is
/// returned to exactly one caller, with its attempt counted. One statement: `UPDATE ... WHERE id
/// IN (due ids) AND still free RETURNING *`. On PostgreSQL the due rows are read `FOR UPDATE SKIP
/// LOCKED`, so concurrent takers on several instances pass over each other's rows instead of
/// queueing behind them; on SQLite writers are serialised anyway.
pub(crate) async fn claim<E>(
    db: &DatabaseConnection,
    cols: &Leased<E>,
    only: Condition,
    limit: u64,
    lease: Duration,
    now: DateTime,
) -> DomainResult<Vec<E::Model>>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
{
    let mut due = E::find()
        .select_only()
        .column(cols.id)
        .filter(cols.status.eq(WorkStatus::Pending))
        .filter(cols.due_at.lte(now))
        .filter(free(cols, now))
        .filter(only)
        // The order of the (status, due) index, so the database reads only the first rows of it
        // instead of sorting all pending work.
        .order_by_asc(cols.due_at)
        .order_by_asc(cols.id)
        .limit(limit)
        .into_query();
    if db::backend_of(db) == Backend::Postgres {
        due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let until = now + TimeDelta::from_std(lease).unwrap_or(TimeDelta::MAX);
    let mut taken = E::update_many()
        .col_expr(cols.locked_until, Expr::value(until))
        .col_expr(cols.attempts, Expr::col(cols.attempts).add(1))
        .filter(cols.id.in_subquery(due))
        .filter(cols.status.eq(WorkStatus::Pending))
        .filter(free(cols, now))
        .exec_with_returning(db)
        .await?;
    taken.sort_by_key(cols.id_of);
    Ok(taken)
}

/// Marks rows done in one statement. `note` is kept for staff (a problem retrying cannot fix);
/// without one, the error of an earlier attempt stays, for the record.
pub(crate) async fn finish<E: EntityTrait>(
    db: &DatabaseConnection,
    cols: &Leased<E>,
    ids: &[i64],
    note: Option<&str>,
    now: DateTime,
) -> DomainResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut update = E::update_many()
        .col_expr(cols.status, Expr::value(WorkStatus::Done))
        .col_expr(cols.finished_at, Expr::value(now))
        .col_expr(cols.locked_until, Expr::value(Option::<DateTime>::None));
    if let Some(note) = note {
        update = update.col_expr(cols.last_error, Expr::value(bounded(note)));
    }
    update
        .filter(cols.id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// Schedules another attempt after [`retry_delay`], or gives up after [`MAX_ATTEMPTS`] (then the
/// work is finished, as failed); either way the lease is given back and the error kept.
pub(crate) async fn retry_later<E: EntityTrait>(
    db: &DatabaseConnection,
    cols: &Leased<E>,
    id: i64,
    attempts: i32,
    error: &str,
    now: DateTime,
) -> DomainResult<()> {
    let give_up = attempts >= MAX_ATTEMPTS;
    let (status, finished_at) = if give_up {
        (WorkStatus::Failed, Some(now))
    } else {
        (WorkStatus::Pending, None)
    };
    E::update_many()
        .col_expr(cols.status, Expr::value(status))
        .col_expr(cols.finished_at, Expr::value(finished_at))
        .col_expr(cols.due_at, Expr::value(now + retry_delay(attempts)))
        .col_expr(cols.locked_until, Expr::value(Option::<DateTime>::None))
        .col_expr(cols.last_error, Expr::value(bounded(error)))
        .filter(cols.id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// How much of the lease on a taken row is left at `now` (zero if none).
pub fn lease_left(locked_until: Option<DateTime>, now: DateTime) -> Duration {
    locked_until
        .and_then(|until| (until - now).to_std().ok())
        .unwrap_or_default()
}

/// Error texts are kept to what a person reads (the column is text, but a proxy's whole HTML page
/// helps nobody).
fn bounded(text: &str) -> String {
    text.chars().take(2000).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_ten_minutes() {
        let delays: Vec<i64> = (1..=12).map(|a| retry_delay(a).num_seconds()).collect();
        assert_eq!(delays, [2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600, 600]);
        assert_eq!(retry_delay(0).num_seconds(), 2);
        assert_eq!(retry_delay(i32::MAX).num_seconds(), 600);
    }

    #[test]
    fn the_lease_left_is_never_negative() {
        let now = DateTime::default();
        assert_eq!(lease_left(None, now), Duration::ZERO);
        assert_eq!(
            lease_left(Some(now - TimeDelta::seconds(5)), now),
            Duration::ZERO
        );
        assert_eq!(
            lease_left(Some(now + TimeDelta::seconds(5)), now),
            Duration::from_secs(5)
        );
    }
}

//! The `job` table: enqueue (idempotent by key), take due jobs with a lease, finish or retry.

use std::time::Duration;

use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter,
};

use crate::entities::job;
use crate::jobs::Work;
use crate::jobs::lease::{self, Leased};
use crate::{DateTime, DomainError, DomainResult};
use model::status::WorkStatus;

const COLUMNS: Leased<job::Entity> = Leased {
    id: job::Column::Id,
    status: job::Column::Status,
    due_at: job::Column::RunAt,
    locked_until: job::Column::LockedUntil,
    attempts: job::Column::Attempts,
    last_error: job::Column::LastError,
    finished_at: job::Column::FinishedAt,
    id_of: |j| j.id,
};

/// Stores `work` under `key`, due at `run_at`. Returns whether it was new: a job already stored
/// under the key (pending, done or failed) is left as it is.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    key: &str,
    work: &Work,
    run_at: DateTime,
    now: DateTime,
) -> DomainResult<bool> {
    let payload = serde_json::to_string(work)
        .map_err(|e| DomainError::Internal(format!("job payload: {e}")))?;
    let row = job::ActiveModel {
        kind: Set(work.kind().to_owned()),
        key: Set(key.to_owned()),
        payload: Set(payload),
        status: Set(WorkStatus::Pending),
        attempts: Set(0),
        run_at: Set(run_at),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    };
    let inserted = job::Entity::insert(row)
        .on_conflict(OnConflict::column(job::Column::Key).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(inserted > 0)
}

/// Enqueues a periodic job for the period that starts at `period_start`, once across every
/// instance that asks: the key is the kind and the period (`purge_logs@2026-11-27T18:30:00Z`).
pub async fn enqueue_for_period(
    db: &DatabaseConnection,
    work: &Work,
    period_start: DateTime,
    now: DateTime,
) -> DomainResult<bool> {
    let key = format!(
        "{}@{}",
        work.kind(),
        period_start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    enqueue(db, &key, work, period_start, now).await
}

/// Takes up to `limit` due jobs of the kinds this version runs, for `lease`.
pub async fn take_due(
    db: &DatabaseConnection,
    limit: u64,
    lease: Duration,
    now: DateTime,
) -> DomainResult<Vec<job::Model>> {
    let known = Condition::all().add(job::Column::Kind.is_in(Work::KINDS));
    lease::claim(db, &COLUMNS, known, limit, lease, now).await
}

/// The job's work, or why it cannot be read (a payload this version does not understand).
pub fn work_of(job: &job::Model) -> Result<Work, String> {
    serde_json::from_str(&job.payload).map_err(|e| format!("unreadable job payload: {e}"))
}

/// Marks a job done; `note` is kept for staff when it finished with a problem retrying cannot
/// fix.
pub async fn finish(
    db: &DatabaseConnection,
    id: i64,
    note: Option<&str>,
    now: DateTime,
) -> DomainResult<()> {
    lease::finish(db, &COLUMNS, &[id], note, now).await
}

/// Pushes the lease of a job being run forward to `now + lease`. The attempt number is the
/// holder's token: `false` when the job was taken again meanwhile (the lease had run out) or
/// finished, and the caller must stop.
pub async fn renew(
    db: &DatabaseConnection,
    id: i64,
    attempts: i32,
    lease: Duration,
    now: DateTime,
) -> DomainResult<bool> {
    let until = now + chrono::TimeDelta::from_std(lease).unwrap_or(chrono::TimeDelta::MAX);
    let renewed = job::Entity::update_many()
        .col_expr(job::Column::LockedUntil, Expr::value(until))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Attempts.eq(attempts))
        .filter(job::Column::Status.eq(WorkStatus::Pending))
        .exec(db)
        .await?
        .rows_affected;
    Ok(renewed > 0)
}

/// Gives a job back at once, its attempt not counted (the process is stopping): the next
/// taker need not wait for the lease to run out.
pub async fn give_back(db: &DatabaseConnection, id: i64, attempts: i32) -> DomainResult<()> {
    job::Entity::update_many()
        .col_expr(
            job::Column::LockedUntil,
            Expr::value(Option::<DateTime>::None),
        )
        .col_expr(
            job::Column::Attempts,
            Expr::col(job::Column::Attempts).sub(1),
        )
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Attempts.eq(attempts))
        .filter(job::Column::Status.eq(WorkStatus::Pending))
        .exec(db)
        .await?;
    Ok(())
}

/// Schedules another attempt with backoff, or leaves the job failed after the last one.
pub async fn retry_later(
    db: &DatabaseConnection,
    job: &job::Model,
    error: &str,
    now: DateTime,
) -> DomainResult<()> {
    lease::retry_later(db, &COLUMNS, job.id, job.attempts, error, now).await
}

/// How long a finished job is kept (for staff and operators to see what ran), before the daily
/// log purge deletes it; a failed one is kept as long, and its error with it.
pub const KEEP_FINISHED_DAYS: i64 = 30;

/// Deletes jobs that finished (done or failed) more than [`KEEP_FINISHED_DAYS`] before `now`.
pub async fn purge_finished(db: &DatabaseConnection, now: DateTime) -> DomainResult<u64> {
    let cutoff = now - chrono::TimeDelta::days(KEEP_FINISHED_DAYS);
    let deleted = job::Entity::delete_many()
        .filter(job::Column::Status.ne(WorkStatus::Pending))
        .filter(job::Column::FinishedAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// Jobs with `status`, for the health page and tests.
pub async fn count(db: &DatabaseConnection, status: WorkStatus) -> DomainResult<u64> {
    Ok(job::Entity::find()
        .filter(job::Column::Status.eq(status))
        .count(db)
        .await?)
}

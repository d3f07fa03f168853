//! The access log (アクセスログ): one row per HTTP request (time, method, path without the query
//! string, status, latency, client address, staff id), written in batches by the server's
//! background writer and kept at least [`MIN_RETENTION_DAYS`] days.

use std::net::IpAddr;

use sea_orm::sea_query::Query;
use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::entities::access_log;
use crate::{DateTime, DomainResult};

/// The shortest retention allowed (the city's specification asks for 180 days).
pub const MIN_RETENTION_DAYS: u32 = 180;
/// Rows per insert statement: 8 values each stays far below SQLite's bound-parameter limit.
pub const INSERT_ROWS: usize = 500;
/// Rows per delete statement of the purge, so that no statement holds the write lock long.
pub const PURGE_CHUNK: u64 = 5_000;

const PATH_MAX_CHARS: usize = 1024;
const METHOD_MAX_CHARS: usize = 16;
const REQUEST_ID_MAX_CHARS: usize = 64;

/// One request, as the logging layer saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub at: DateTime,
    pub method: String,
    /// The path only; the caller leaves the query string out.
    pub path: String,
    pub status: u16,
    pub latency_us: u64,
    pub client_addr: Option<IpAddr>,
    pub staff_id: Option<i64>,
    pub request_id: Option<String>,
}

/// Stores `records` with one multi-row insert per [`INSERT_ROWS`].
pub async fn insert(db: &DatabaseConnection, records: &[Record]) -> DomainResult<()> {
    for chunk in records.chunks(INSERT_ROWS) {
        let mut insert = Query::insert();
        insert.into_table(access_log::Entity).columns([
            access_log::Column::At,
            access_log::Column::Method,
            access_log::Column::Path,
            access_log::Column::Status,
            access_log::Column::LatencyUs,
            access_log::Column::ClientAddr,
            access_log::Column::StaffId,
            access_log::Column::RequestId,
        ]);
        for r in chunk {
            insert.values_panic([
                r.at.into(),
                cut(&r.method, METHOD_MAX_CHARS).into(),
                cut(&r.path, PATH_MAX_CHARS).into(),
                i16::try_from(r.status).unwrap_or(i16::MAX).into(),
                i64::try_from(r.latency_us).unwrap_or(i64::MAX).into(),
                r.client_addr.map(|a| a.to_canonical().to_string()).into(),
                r.staff_id.into(),
                r.request_id
                    .as_deref()
                    .map(|id| cut(id, REQUEST_ID_MAX_CHARS))
                    .into(),
            ]);
        }
        db.execute(&insert).await?;
    }
    Ok(())
}

/// Deletes rows older than `cutoff`, `chunk` rows per statement ([`PURGE_CHUNK`] in the daily
/// job); returns how many went. Safe to run on several instances at once: each statement
/// deletes whatever old rows are still there.
pub async fn purge_older_than(
    db: &DatabaseConnection,
    cutoff: DateTime,
    chunk: u64,
) -> DomainResult<u64> {
    crate::db::bulk::delete_older_than(
        db,
        access_log::Column::Id,
        access_log::Column::At,
        cutoff,
        chunk,
    )
    .await
}

fn cut(s: &str, max_chars: usize) -> &str {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

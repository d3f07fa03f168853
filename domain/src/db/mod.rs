//! Database connection: embedded SQLite by default, PostgreSQL when the URL says so; and the
//! query helpers every capability shares ([`page`], [`bulk`]).

pub mod bulk;
pub mod page;

pub use page::{Page, paginate};

use std::path::Path;
use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr,
};

use crate::{DomainError, DomainResult};

/// How much of a SQLite database file is read through a memory map (the rest as usual).
const SQLITE_MMAP_BYTES: u64 = 1 << 30;
/// Each connection's page cache, in KiB as SQLite takes it (negative: a size, not pages).
const SQLITE_CACHE_KIB: i64 = -16 * 1024;

/// How long a SQLite writer waits for another writer before giving up with "database is locked".
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Which database a URL points at, decided by its scheme alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

pub fn backend_of(db: &DatabaseConnection) -> Backend {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

/// Opens a connection pool. For SQLite the file's directory is created, and every connection
/// gets WAL mode (readers never wait for the writer), foreign keys and a busy timeout.
pub async fn connect(url: &str, max_connections: u32) -> DomainResult<DatabaseConnection> {
    let backend = Backend::from_url(url).ok_or_else(|| {
        DomainError::Invalid(
            "DATABASE_URL must start with sqlite: or postgres:// (or postgresql://)".into(),
        )
    })?;
    if backend == Backend::Sqlite
        && let Some(dir) = sqlite_file_dir(url)
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| DomainError::Internal(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // Statement logging would put bound values (password hashes, tokens) in the log.
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                // Reads through a memory map: with SQLite's default, reading a million friends'
                // attributes was mostly `pread` calls (measured with perf on the friend
                // attributes benchmark). The page cache is per connection, so it stays modest:
                // 16 MiB, at most 160 MiB for the default pool of 10.
                .pragma("mmap_size", SQLITE_MMAP_BYTES.to_string())
                .pragma("cache_size", SQLITE_CACHE_KIB.to_string())
        });
    Ok(Database::connect(options).await?)
}

/// Connects and brings the schema up to date; what `serve` does at start-up.
pub async fn connect_and_migrate(
    url: &str,
    max_connections: u32,
) -> DomainResult<DatabaseConnection> {
    let db = connect(url, max_connections).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
}

/// The connection for a hot write path such as the webhook inbox. SQLite lets one connection
/// write at a time and makes the others sleep in its busy handler (1 ms, 2 ms, 5 ms...), so on
/// SQLite such writes get a pool of their own with a single connection to the same database
/// (same options as `db`): they queue for it instead, and its page cache stays warm. PostgreSQL
/// uses `db` itself.
pub async fn hot_writer(db: &DatabaseConnection) -> DomainResult<DatabaseConnection> {
    if backend_of(db) != Backend::Sqlite {
        return Ok(db.clone());
    }
    let options = (*db.get_sqlite_connection_pool().connect_options()).clone();
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(|e| DomainError::Internal(format!("cannot open the inbox connection: {e}")))?;
    Ok(sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

/// A transaction that reads before it writes: use this one then (a transaction whose first
/// statement writes may use `begin()`). On SQLite it takes the write lock at `BEGIN`
/// (`IMMEDIATE`): a deferred transaction that reads first and writes later fails with "database
/// is locked" when another connection wrote in between, however long it waits. PostgreSQL starts
/// it as usual.
pub async fn begin_write(db: &DatabaseConnection) -> DomainResult<sea_orm::DatabaseTransaction> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    let options = TransactionOptions {
        sqlite_transaction_mode: (backend_of(db) == Backend::Sqlite)
            .then_some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    Ok(db.begin_with_options(options).await?)
}

/// A read-only transaction that sees one moment of the database throughout: for a long read in
/// pages (an export) while others write. PostgreSQL: `REPEATABLE READ READ ONLY`. SQLite (WAL):
/// a deferred transaction keeps the snapshot of its first read and blocks no writer.
pub async fn begin_snapshot(db: &DatabaseConnection) -> DomainResult<sea_orm::DatabaseTransaction> {
    use sea_orm::{AccessMode, IsolationLevel, TransactionOptions, TransactionTrait};
    let postgres = backend_of(db) == Backend::Postgres;
    let options = TransactionOptions {
        isolation_level: postgres.then_some(IsolationLevel::RepeatableRead),
        access_mode: postgres.then_some(AccessMode::ReadOnly),
        ..Default::default()
    };
    Ok(db.begin_with_options(options).await?)
}

/// Answers whether the database responds, for the readiness probe.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// `sqlite://data/x.db?mode=rwc` → `data`; `None` for in-memory databases or bare file names.
fn sqlite_file_dir(url: &str) -> Option<&Path> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_by_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/m.db"),
            Some(Backend::Sqlite)
        );
        assert_eq!(Backend::from_url("sqlite::memory:"), Some(Backend::Sqlite));
        assert_eq!(
            Backend::from_url("postgres://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("mysql://u@h/db"), None);
    }

    #[test]
    fn sqlite_directory_is_derived_from_the_url() {
        assert_eq!(
            sqlite_file_dir("sqlite://data/m.db?mode=rwc"),
            Some(Path::new("data"))
        );
        assert_eq!(
            sqlite_file_dir("sqlite:///var/lib/m/m.db"),
            Some(Path::new("/var/lib/m"))
        );
        assert_eq!(sqlite_file_dir("sqlite::memory:"), None);
        assert_eq!(sqlite_file_dir("sqlite://m.db"), None);
    }

    #[tokio::test]
    async fn an_unknown_scheme_is_a_clear_error() {
        let err = connect("mysql://localhost/x", 1).await.unwrap_err();
        assert!(err.to_string().contains("DATABASE_URL"), "{err}");
    }
}

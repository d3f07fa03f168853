//! Fresh databases for tests: one per test, so tests run in parallel without seeing each
//! other's rows. SQLite is a file in a temporary directory (so WAL and locking are real);
//! PostgreSQL is a new database created on the server named by `TEST_POSTGRES_URL` and dropped
//! when the test ends.

use std::path::PathBuf;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

use crate::db::{self, Backend};

/// The variable `make test` passes through; CI always sets it.
pub const POSTGRES_URL_VAR: &str = "TEST_POSTGRES_URL";

pub struct TestDb {
    pub db: DatabaseConnection,
    pub url: String,
    pub backend: Backend,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A migrated, empty database of the given kind.
    ///
    /// # Panics
    /// For PostgreSQL when `TEST_POSTGRES_URL` is not set: a PostgreSQL test that silently
    /// passed without a server would be a lie. `make test` leaves those tests out instead.
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::sqlite().await,
            Backend::Postgres => Self::postgres().await,
        }
    }

    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path: PathBuf = dir.path().join("test.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let db = db::connect_and_migrate(&url, 4)
            .await
            .expect("migrated SQLite database");
        Self {
            db,
            url,
            backend: Backend::Sqlite,
            cleanup: Cleanup::Sqlite(dir),
        }
    }

    pub async fn postgres() -> Self {
        let admin_url = std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| {
            panic!("{POSTGRES_URL_VAR} is not set; `make test` runs PostgreSQL tests only with it")
        });
        let name = format!("machidayori_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(&admin_url)
            .await
            .expect("connect to TEST_POSTGRES_URL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("create test database");
        admin.close().await.ok();
        let url = replace_database_name(&admin_url, &name);
        let db = db::connect_and_migrate(&url, 4)
            .await
            .expect("migrated PostgreSQL database");
        Self {
            db,
            url,
            backend: Backend::Postgres,
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop cannot await; a short-lived runtime on its own thread does the cleanup.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                        let _ = admin.execute_unprepared(&sql).await;
                        let _ = admin.close().await;
                    }
                });
                Ok::<_, std::io::Error>(())
            })
            .join();
        }
    }
}

/// `postgres://u:p@h:5432/postgres?sslmode=disable` → same URL with the database `name`.
fn replace_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Runs each named database test on SQLite and on PostgreSQL, as two tests named
/// `<name>::sqlite` and `<name>::postgres`. A test is a plain `async fn name(t: TestDb)` (so
/// rustfmt formats it); list the file's tests once at its end:
///
/// ```ignore
/// async fn accounts_are_unique(t: TestDb) { /* ... */ }
///
/// db_tests!(accounts_are_unique);
/// ```
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),+ $(,)?) => {
        $(
            // A module beside the function of the same name: modules and functions live in
            // different namespaces.
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::testing::TestDb::new($crate::db::Backend::Sqlite).await)
                        .await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::testing::TestDb::new($crate::db::Backend::Postgres).await)
                        .await
                }
            }
        )+
    };
}

#[cfg(test)]
mod tests {
    use super::replace_database_name;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            replace_database_name("postgres://u:p@localhost:5432/postgres", "t1"),
            "postgres://u:p@localhost:5432/t1"
        );
        assert_eq!(
            replace_database_name("postgres://u@localhost/postgres?sslmode=disable", "t1"),
            "postgres://u@localhost/t1?sslmode=disable"
        );
        assert_eq!(
            replace_database_name("postgres://localhost", "t1"),
            "postgres://localhost/t1"
        );
    }
}

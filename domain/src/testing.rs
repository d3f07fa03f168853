//! Fresh databases for tests: one per test, so tests run in parallel without seeing each
//! other's rows. SQLite is a file in a temporary directory (so WAL and locking are real);
//! PostgreSQL is a new database created on the server named by `TEST_POSTGRES_URL` and dropped
//! when the test ends. PostgreSQL databases are copies of a template migrated once per schema
//! (`CREATE DATABASE ... TEMPLATE`, crates.io's way): migrating every test's database from
//! scratch cost most of each test's time.

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
        let template = migrated_template(&admin, &admin_url).await;
        copy_database(&admin, &template, &name).await;
        admin.close().await.ok();
        let url = replace_database_name(&admin_url, &name);
        // Already migrated; `connect_and_migrate` would find nothing to do.
        let db = db::connect(&url, 4)
            .await
            .expect("PostgreSQL test database");
        Self {
            db,
            url,
            backend: Backend::Postgres,
            cleanup: Cleanup::Postgres { admin_url, name },
        }
    }
}

/// A LINE channel `key` with made-up credentials (nothing reaches LINE): what tests and
/// benchmarks that need friends start with. Returns its id.
pub async fn line_channel(db: &DatabaseConnection, key: &str) -> i64 {
    let secrets = crate::security::secrets::SecretBox::from_base64(
        &crate::security::secrets::SecretBox::generate_key(),
    )
    .expect("a generated key");
    let settings = crate::platform::channels::ChannelSettings {
        key: key.into(),
        name: "テスト市".into(),
        channel_id: Some("1234567890".into()),
        channel_secret: Some("0123456789abcdef0123456789abcdef".into()),
        access_token: Some("token-abcdefghijklmnopqrstuvwxyz".into()),
        ..Default::default()
    };
    crate::platform::channels::configure(db, &secrets, &settings)
        .await
        .expect("channel")
        .id
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

/// The name of the migrated template for this schema, creating it first if no test process has.
/// Test processes run at once (nextest runs each test in a process of its own), so the first
/// one creates it under an advisory lock, migrating a copy under another name and renaming it
/// when done: a template that exists is complete. Its name follows the migrations' names (a
/// released migration is never edited; an unreleased one edited in place needs
/// `DROP DATABASE` of the old template by hand).
async fn migrated_template(admin: &DatabaseConnection, admin_url: &str) -> String {
    use migrations::MigratorTrait;
    use sha2::Digest;
    let names: Vec<String> = migrations::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    // The migrations' sources too: a migration edited before its release must not find the
    // template built from its earlier text (names alone hid that once).
    let mut hasher = sha2::Sha256::new();
    hasher.update(names.join("\n"));
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations/src");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    for file in files {
        hasher.update(std::fs::read(&file).unwrap_or_default());
    }
    let fingerprint = hex::encode(&hasher.finalize()[..8]);
    let template = format!("machidayori_template_{fingerprint}");
    let exists = |admin: &DatabaseConnection, name: String| {
        let admin = admin.clone();
        async move {
            let sql = format!("SELECT 1 FROM pg_database WHERE datname = '{name}'");
            admin
                .query_one_raw(sea_orm::Statement::from_string(
                    sea_orm::DatabaseBackend::Postgres,
                    sql,
                ))
                .await
                .expect("pg_database")
                .is_some()
        }
    };
    if exists(admin, template.clone()).await {
        return template;
    }
    // One session creates it; the others wait here, then find it.
    const TEMPLATE_LOCK: i64 = 0x6d61_6368_6964_6179;
    admin
        .execute_unprepared(&format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})"))
        .await
        .expect("template lock");
    if !exists(admin, template.clone()).await {
        let building = format!("{template}_building");
        admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"
            ))
            .await
            .expect("drop a half-built template");
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{building}\""))
            .await
            .expect("create the template");
        let db = db::connect_and_migrate(&replace_database_name(admin_url, &building), 1)
            .await
            .expect("migrated template");
        db.close().await.ok();
        admin
            .execute_unprepared(&format!(
                "ALTER DATABASE \"{building}\" RENAME TO \"{template}\""
            ))
            .await
            .expect("template ready");
    }
    admin
        .execute_unprepared(&format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})"))
        .await
        .expect("template unlock");
    template
}

/// `CREATE DATABASE name TEMPLATE template`. PostgreSQL refuses while another session is
/// connected to the template (a test process reading whether it exists): try again shortly.
async fn copy_database(admin: &DatabaseConnection, template: &str, name: &str) {
    let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
    for attempt in 1.. {
        match admin.execute_unprepared(&sql).await {
            Ok(_) => return,
            Err(e) if attempt < 50 && e.to_string().contains("being accessed by other users") => {
                tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
            }
            Err(e) => panic!("create test database from the template: {e}"),
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

//! Machidayori's domain: the rules and the storage behind every feature.
//!
//! The `app` server functions and the `server` binary (HTTP middleware, CLI, workers) call into
//! this crate; neither talks to the database directly. Each module owns one capability:
//!
//! - [`db`]: connecting to SQLite (embedded default) or PostgreSQL, migrations, paging.
//! - [`time`]: Japan time: days typed in forms, periods, how times are shown.
//! - [`staff`]: accounts, sessions, departments, roles and permissions.
//! - [`security`]: the audit log, login history and lockouts, the IP allowlist, the access log,
//!   sealed secrets.
//! - [`platform`]: LINE channels and their greeting.
//! - [`webhook`]: where a webhook event goes (the inbox, then the one dispatch).
//! - [`jobs`]: the one background job queue (leases, retries, once across instances).
//! - [`audience`]: the friend registry.
//! - [`messaging`]: message templates (定型文).
//! - [`delivery`]: how a send becomes LINE API requests (the outbox with retry keys).
//! - [`menus`]: rich menus: staff's designs and their publishing to LINE.

pub mod audience;
pub mod csv;
pub mod db;
pub mod delivery;
pub mod entities;
pub mod error;
pub mod jobs;
pub mod menus;
pub mod messaging;
pub mod platform;
pub mod security;
pub mod staff;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;
pub mod webhook;

pub use error::{DomainError, DomainResult};
pub use sea_orm::DatabaseConnection;
pub type DateTime = chrono::DateTime<chrono::Utc>;
pub use chrono::TimeDelta;

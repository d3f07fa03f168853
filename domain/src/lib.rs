//! Machidayori's domain: the rules and the storage behind every feature.
//!
//! The `app` server functions and the `server` binary (HTTP middleware, CLI, workers) call into
//! this crate; neither talks to the database directly. Each module owns one capability:
//!
//! - [`db`]: connecting to SQLite (embedded default) or PostgreSQL, and running migrations.
//! - [`accounts`]: staff accounts and their argon2id password hashes.
//! - [`sessions`]: server-side staff sessions (idle timeout, absolute lifetime, rotation).

pub mod accounts;
pub mod db;
pub mod entities;
pub mod error;
pub mod sessions;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{DomainError, DomainResult};
pub use sea_orm::DatabaseConnection;

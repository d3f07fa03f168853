//! Machidayori's domain: the rules and the storage behind every feature.
//!
//! The `app` server functions and the `server` binary (HTTP middleware, CLI, workers) call into
//! this crate; neither talks to the database directly. Each module owns one capability:
//!
//! - [`db`]: connecting to SQLite (embedded default) or PostgreSQL, and running migrations.
//! - [`accounts`]: staff accounts and their argon2id password hashes.
//! - [`sessions`]: server-side staff sessions (idle timeout, absolute lifetime, rotation).
//! - [`secrets`]: LINE secrets sealed at rest (AES-256-GCM).
//! - [`channels`]: LINE channels (production, test, sandbox) and their greeting.
//! - [`inbox`]: the durable webhook inbox the workers process.
//! - [`friends`]: the friend registry (follow, block, profile).
//! - [`events`]: acting on stored webhook events (follow, unfollow, the dispatch point).
//! - [`outbox`]: push and multicast with retry keys stored before the first attempt.

pub mod accounts;
pub mod channels;
pub mod db;
pub mod entities;
pub mod error;
pub mod events;
pub mod friends;
pub mod inbox;
pub mod outbox;
pub mod secrets;
pub mod sessions;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{DomainError, DomainResult};
pub use sea_orm::DatabaseConnection;
pub type DateTime = chrono::DateTime<chrono::Utc>;

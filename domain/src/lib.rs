//! Machidayori's domain: the rules and the storage behind every feature.
//!
//! The `app` server functions and the `server` binary (HTTP middleware, CLI, workers) call into
//! this crate; neither talks to the database directly. Each module owns one capability:
//!
//! - [`db`]: connecting to SQLite (embedded default) or PostgreSQL, and running migrations.
//! - [`access`]: roles, per-feature permissions, departments and the one authorization decision.
//! - [`allowlist`]: the admin panel's IP allowlist (configured plus stored ranges, checked in memory).
//! - [`access_log`]: every HTTP request, written in batches and kept at least 180 days.
//! - [`accounts`]: staff accounts and their argon2id password hashes.
//! - [`login_history`]: every sign-in attempt, and the throttling and lockouts derived from it.
//! - [`audit`]: the tamper-evident audit log (操作ログ) every change is appended to.
//! - [`departments`]: the city's departments (部署), which scope what staff see.
//! - [`sessions`]: server-side staff sessions (idle timeout, absolute lifetime, rotation).
//! - [`secrets`]: LINE secrets sealed at rest (AES-256-GCM).
//! - [`channels`]: LINE channels (production, test, sandbox) and their greeting.
//! - [`inbox`]: the durable webhook inbox the workers process.
//! - [`friends`]: the friend registry (follow, block, profile).
//! - [`events`]: acting on stored webhook events (follow, unfollow, the dispatch point).
//! - [`outbox`]: push and multicast with retry keys stored before the first attempt.
//! - [`templates`]: message templates (定型文), the first items owned by a department.

// No `unsafe` in our code: memory safety is the compiler's to prove (IPA: buffer overflow).
#![forbid(unsafe_code)]

pub mod access;
pub mod access_log;
pub mod accounts;
pub mod allowlist;
pub mod audit;
pub mod channels;
pub mod csv;
pub mod db;
pub mod departments;
pub mod entities;
pub mod error;
pub mod events;
pub mod friends;
pub mod inbox;
pub mod login_history;
pub mod outbox;
pub mod secrets;
pub mod sessions;
pub mod templates;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{DomainError, DomainResult};
pub use sea_orm::DatabaseConnection;
pub type DateTime = chrono::DateTime<chrono::Utc>;

//! The records and defences around staff access (IPA's classes, the city's audit needs).
//!
//! - [`audit`]: the tamper-evident audit log (操作ログ) every change is appended to, in the
//!   change's own transaction.
//! - [`login_history`]: every sign-in attempt, and the throttling and lockouts derived from it.
//! - [`allowlist`]: the admin panel's IP allowlist (configured plus stored ranges, checked in
//!   memory).
//! - [`access_log`]: every HTTP request, written in batches and kept at least 180 days.
//! - [`secrets`]: LINE secrets sealed at rest (AES-256-GCM).

pub mod access_log;
pub mod allowlist;
pub mod audit;
pub mod login_history;
pub mod secrets;

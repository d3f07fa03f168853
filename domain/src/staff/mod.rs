//! Staff: who works in the admin panel and what each may do.
//!
//! - [`access`]: roles, per-feature permissions and departments, and the one authorization
//!   decision.
//! - [`accounts`]: staff accounts and their argon2id password hashes.
//! - [`sessions`]: server-side sessions (idle timeout, absolute lifetime, rotation).
//! - [`departments`]: the city's departments (部署), which scope what staff see.

pub mod access;
pub mod accounts;
pub mod departments;
pub mod sessions;

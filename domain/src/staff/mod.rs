//! Staff: who works in the admin panel and what each may do.
//!
//! - [`scope`]: a user's department scope as a query condition (the roles, permissions and the
//!   authorization decision themselves are `model::access`, shared with the browser).
//! - [`accounts`]: staff accounts, created one way, and sign-in checks.
//! - [`password`]: the password policy and argon2id hashing.
//! - [`sessions`]: server-side sessions (idle timeout, absolute lifetime, rotation).
//! - [`departments`]: the city's departments (部署), which scope what staff see.

pub mod accounts;
pub mod departments;
pub mod password;
pub mod scope;
pub mod sessions;

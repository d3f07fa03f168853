//! The middleware the router puts around every request, outermost first in `crate::router`:
//! request ids, the client's address ([`client_addr`]), the access log ([`access_log`]),
//! security headers and limits ([`protect`]), the admin IP allowlist ([`allowlist`]) and who may
//! reach what ([`staff_access`]).

pub mod access_log;
pub mod allowlist;
pub mod client_addr;
pub mod protect;
pub mod staff_access;

//! The middleware the router puts around every request.

pub mod access_log;
pub mod staff_access;

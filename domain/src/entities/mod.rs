//! sea-orm entities, one module per table. The schema itself lives in the `migrations` crate.

pub mod staff_account;
pub mod staff_session;

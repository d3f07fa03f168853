//! Server functions: the admin UI's only way to the server's data, one module per area.
//!
//! Each module holds its wire types (what crosses to the browser), its server functions and,
//! on the server, its `RULES`: what each function needs of its caller. [`rules`] chains every
//! area's table; the server's middleware applies it before anything runs, and each function
//! applies it again as it opens (`call::<ItsName>()`, see `crate::ssr::context`). A function
//! without a rule is refused, and a test in the server crate fails for it.
//!
//! Naming: every endpoint is `<area>/<verb>` under `/api/` (`me/...` for the caller's own
//! account); only `auth/...` is reachable without a session.

mod attributes;
mod auth;
mod dashboard;
mod deliveries;
mod delivery_statistics;
mod drafts;
mod friends;
mod logs;
mod media;
mod menus;
#[cfg(feature = "ssr")]
pub mod rules;
mod segments;
mod settings;
mod simulator;
mod staff;
mod surveys;
mod templates;
mod test_recipients;

pub use attributes::*;
pub use auth::*;
pub use dashboard::*;
pub use deliveries::*;
pub use delivery_statistics::*;
pub use drafts::*;
pub use friends::*;
pub use logs::*;
pub use media::*;
pub use menus::*;
pub use segments::*;
pub use settings::*;
pub use simulator::*;
pub use staff::*;
pub use surveys::*;
pub use templates::*;
pub use test_recipients::*;

pub use crate::error::AppError;

//! The city's policy types, shared by the admin panel in the browser (WASM) and the server, so
//! that they cross the wire as types rather than strings.
//!
//! - [`access`]: roles, per-feature permissions, departments and [`access::authorize`], the one
//!   authorization decision.
//! - [`status`]: statuses the UI shows and filters by.
//! - [`account`]: how long a username, display name and password may be.
//! - [`attribute`]: how long a friend attribute's key, label, options and text values may be.
//!
//! - [`segment`]: a segment's tree of conditions.
//! - [`delivery`]: a delivery's target and timing.
//! - [`menu`]: a rich menu's design (size, areas, actions), its templates and the checks
//!   staff see while editing.
//!
//! - [`survey`]: a survey's questions, consent and design, and the citizens' page rendered
//!   from them.
//!
//! No I/O
//! lives here; storing is the `domain` crate's (with the `db` feature these enums map to
//! columns).

pub mod access;
pub mod account;
pub mod attribute;
pub mod delivery;
pub mod menu;
pub mod segment;
pub mod status;
pub mod survey;

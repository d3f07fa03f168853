//! The HTTP surface through the real router (every middleware included) on real databases:
//! each test runs on SQLite and on PostgreSQL. A module per concern.

mod access;
mod attacks;
mod drafts;
mod friend_attributes;
mod links;
mod logs;
mod media;
mod requests;
mod rich_menus;
mod sign_in;
mod simulator;
mod staff;
mod surveys;
mod templates;

/// A client address outside loopback, as a browser on the city's network has.
pub(super) const REMOTE: &str = "203.0.113.7:50000";

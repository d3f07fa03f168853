//! The domain's integration tests, one binary (one link) with a module per capability; each
//! database test runs on SQLite and on PostgreSQL (`domain::db_tests!`).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod admin_network;
mod audit_and_logins;
mod deliveries;
mod delivery;
mod drafts;
mod friend_attributes;
mod jobs;
mod line_platform;
mod media;
mod menus;
mod segments;
mod staff_access;
mod staff_auth;
mod statistics;
mod support;
mod surveys;
mod templates;
mod test_recipients;
mod webhook;

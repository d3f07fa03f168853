//! The server's integration tests, one binary (one link) with a module per area: the HTTP surface
//! through the real router on real databases (SQLite and PostgreSQL), the command line and the
//! running binary, the LINE platform end to end against the built-in sandbox.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod admin_network;
mod cli;
mod deliveries;
mod http;
mod jobs;
mod liff;
mod line;
mod support;

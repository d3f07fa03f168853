//! The integration tests of `line` in one binary (one link instead of five), a module per area.
//! `client` needs the `client` feature; the rest also runs without it.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

#[cfg(feature = "client")]
mod client;
mod limits;
mod messages;
mod sdk_agreement;
mod webhook;

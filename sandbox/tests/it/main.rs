//! The integration tests of the sandbox in one binary (one link instead of two), a module per
//! area; `support` is the harness they share.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod agreement;
mod api;
mod simulator;
mod support;

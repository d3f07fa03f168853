//! Background work of the server process.

pub mod webhook_workers;

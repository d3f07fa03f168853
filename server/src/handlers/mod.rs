//! HTTP endpoints that are not Leptos pages or server functions.

pub mod delivery_exports;
pub mod friend_csv;
pub mod health;
pub mod liff;
pub mod log_exports;
pub mod media;
pub mod redirect;
pub mod server_fns;
pub mod survey_exports;
pub mod webhook;

//! The LINE platform as Machidayori sees it, without any I/O (but for the optional `client`), so
//! that the same rules run in the server and (for the editors) in the browser.
//!
//! - [`signature`]: the `x-line-signature` of webhook deliveries.
//! - [`webhook`]: the webhook request body and its events; unknown event types and fields are
//!   accepted and kept as raw JSON, as LINE adds new ones without notice.
//! - [`message`]: what the system sends; unknown fields are refused.
//! - [`compose`], [`cards`], [`layout`], [`sticker`]: what editors offer (kinds of message and action, tap
//!   area layouts, sendable stickers), so that every editor builds its menus from one list.
//! - [`flex_spec`]: the one table of Flex Message properties (controls, defaults, where children
//!   go) behind the Flex editor, and a checker of raw Flex JSON against it.
//! - [`flex_gallery`]: twelve ready-made municipal Flex Messages (お知らせ, 防災, ごみ収集日, …)
//!   that staff start from in the Flex editor.
//! - [`links`]: where a message's links are (what LINE makes tappable).
//! - [`validate`]: LINE's limits, with the JSON path and a Japanese message per violation.
//! - [`api`]: request and response bodies of the Messaging API endpoints we call, shared by
//!   the client and the built-in sandbox.
//! - [`rate`]: LINE's rate limit classes and the pacing rule shared by client and sandbox (and,
//!   with `client`, the client's rate limiter).
//! - `client` (feature `client`, native only): the Messaging API client, with validation,
//!   pacing, retries and idempotent sending.

pub mod api;
pub mod cards;
#[cfg(feature = "client")]
pub mod client;
pub mod compose;
pub mod flex;
pub mod flex_gallery;
pub mod flex_spec;
pub mod layout;
pub mod links;
pub mod message;
pub mod rate;
pub mod rich_menu;
pub mod signature;
pub mod sticker;
pub mod template;
pub mod validate;
pub mod webhook;

//! Pieces of UI used by several pages.

mod auth_card;
mod channel_bar;

pub use auth_card::AuthCard;
pub use channel_bar::ChannelBar;

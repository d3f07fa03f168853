//! Rich menus (リッチメニュー): the menus staff design ([`designs`]) and their publishing to
//! LINE ([`publish`]), where a menu, once created, can never be changed: every publish makes a
//! new LINE menu from a frozen version, moves the channel to it, and deletes the old one later;
//! [`links`] decides who sees which menu (rules, deliveries, the emergency switch);
//! [`statistics`] keeps LINE's figures of each published menu (impressions, taps per area).

pub mod designs;
pub mod links;
pub mod publish;
pub mod statistics;

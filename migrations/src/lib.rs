//! The database schema, as an ordered list of migrations that run the same on SQLite and
//! PostgreSQL. Applied at start-up by `machidayori serve` and by hand with `machidayori migrate`.
//! A migration, once released, is never edited: add a new one.

// Released migrations are never edited, and they keep sea-orm's template signature
// (`&SchemaManager`); the lint about its hidden lifetime would ask for exactly such edits.
#![allow(elided_lifetimes_in_paths)]

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_staff_accounts_and_sessions;
mod m20261124_000002_line_platform;
mod m20261124_000003_staff_access;
mod m20261124_000004_message_templates;
mod m20261124_000005_admin_network;
mod m20261124_000006_audit_and_login_history;
mod m20261127_000007_jobs;
mod m20261127_000008_friend_attributes;
mod m20261127_000009_media;
mod m20261127_000010_greeting_messages;
mod m20261127_000011_segments_and_deliveries;
mod m20261127_000012_delivery_run_audience;
mod m20261128_000013_delivery_statistics;
mod m20261128_000014_per_person_clicks;
mod m20261128_000015_surveys;
mod m20261128_000016_editor_drafts;
mod m20261129_000017_insight_channel_state;
mod m20261129_000018_rich_menus;
mod m20261130_000019_delivery_menus_and_tabs;
mod m20261130_000020_rich_menu_statistics;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_staff_accounts_and_sessions::Migration),
            Box::new(m20261124_000002_line_platform::Migration),
            Box::new(m20261124_000003_staff_access::Migration),
            Box::new(m20261124_000004_message_templates::Migration),
            Box::new(m20261124_000005_admin_network::Migration),
            Box::new(m20261124_000006_audit_and_login_history::Migration),
            Box::new(m20261127_000007_jobs::Migration),
            Box::new(m20261127_000008_friend_attributes::Migration),
            Box::new(m20261127_000009_media::Migration),
            Box::new(m20261127_000010_greeting_messages::Migration),
            Box::new(m20261127_000011_segments_and_deliveries::Migration),
            Box::new(m20261127_000012_delivery_run_audience::Migration),
            Box::new(m20261128_000013_delivery_statistics::Migration),
            Box::new(m20261128_000014_per_person_clicks::Migration),
            Box::new(m20261128_000015_surveys::Migration),
            Box::new(m20261128_000016_editor_drafts::Migration),
            Box::new(m20261129_000017_insight_channel_state::Migration),
            Box::new(m20261129_000018_rich_menus::Migration),
            Box::new(m20261130_000019_delivery_menus_and_tabs::Migration),
            Box::new(m20261130_000020_rich_menu_statistics::Migration),
        ]
    }
}

//! sea-orm entities, one module per table. The schema itself lives in the `migrations` crate.

pub mod access_log;
pub mod admin_allowed_ip;
pub mod attribute;
pub mod attribute_import;
pub mod attribute_option;
pub mod audit_chain_head;
pub mod audit_log;
pub mod department;
pub mod friend;
pub mod friend_attribute_history;
pub mod friend_attribute_value;
pub mod job;
pub mod line_channel;
pub mod line_send;
pub mod login_attempt;
pub mod media;
pub mod media_variant;
pub mod message_template;
pub mod staff_account;
pub mod staff_department;
pub mod staff_permission;
pub mod staff_session;
pub mod webhook_event;

//! What the city sends: message content staff compose and keep.
//!
//! - [`templates`]: message templates (定型文), the first items owned by a department.
//! - [`media`]: the media library (画像): uploaded images, the sizes LINE needs, where used.
//! - [`drafts`]: the composer's drafts (下書きの自動保存), each staff member's own.
//!
//! The composer's content, the media library and Flex messages join here as they arrive.

pub mod drafts;
pub mod media;
pub mod templates;

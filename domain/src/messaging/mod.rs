//! What the city sends: message content staff compose and keep.
//!
//! - [`templates`]: message templates (定型文), the first items owned by a department.
//!
//! The composer's content, the media library and Flex messages join here as they arrive.

pub mod templates;

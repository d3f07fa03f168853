//! Who the city reaches: the friends of its LINE channels and what is known about them.
//!
//! - [`friends`]: the friend registry (follow, block, profile).
//!
//! Friend attributes, surveys and segments join here as they arrive.

pub mod friends;

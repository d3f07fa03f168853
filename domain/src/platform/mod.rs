//! The LINE platform as the city configures it.
//!
//! - [`channels`]: LINE channels (production, test, sandbox), their sealed credentials and
//!   greeting.

pub mod channels;

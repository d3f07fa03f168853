//! The LINE platform as the city configures it.
//!
//! - [`channels`]: LINE channels (production, test, sandbox), their sealed credentials and
//!   greeting.
//! - [`simulator`]: staff acting as a simulated friend of a sandbox channel, audited.

pub mod channels;
pub mod liff;
pub mod simulator;

//! The length of a staff password, shared by the form (its `minlength`) and the policy that checks
//! it on the server (`domain::staff::password`).

pub const MIN_CHARS: usize = 12;
/// An upper bound keeps one request from making the server hash megabytes.
pub const MAX_CHARS: usize = 128;

//! The shape of a staff account, shared by the forms (their `maxlength`s) and the rules that
//! check it on the server (`domain::staff`).

/// A username: 3–64 ASCII letters, digits and `. _ - @`.
pub const USERNAME_MIN_CHARS: usize = 3;
pub const USERNAME_MAX_CHARS: usize = 64;
pub const DISPLAY_NAME_MAX_CHARS: usize = 100;
pub const PASSWORD_MIN_CHARS: usize = 12;
/// An upper bound keeps one request from making the server hash megabytes.
pub const PASSWORD_MAX_CHARS: usize = 128;

//! The shape of a friend attribute, shared by the admin panel's forms (their `maxlength`s) and
//! the rules that check it on the server (`domain::audience`).

/// A key: a lower-case ASCII letter, then letters, digits and `_` (`district`, `birth_month`).
pub const KEY_MAX_CHARS: usize = 40;
pub const LABEL_MAX_CHARS: usize = 50;
pub const OPTION_MAX_CHARS: usize = 50;
pub const OPTIONS_MAX: usize = 100;
/// A text value.
pub const TEXT_MAX_CHARS: usize = 200;
/// Separates the options of a multiple-choice value in CSV files (so option labels may not hold
/// it).
pub const MULTI_SEPARATOR: char = '|';

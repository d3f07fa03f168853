//! Server functions of the segments area (filled in by issue 13).

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = &[];

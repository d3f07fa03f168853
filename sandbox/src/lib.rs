//! The built-in LINE sandbox (under construction).

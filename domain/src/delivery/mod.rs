//! How a send becomes LINE API requests.
//!
//! - [`outbox`]: push and multicast requests stored with their `X-Line-Retry-Key` before the
//!   first attempt, so a retry after a crash never delivers twice.
//!
//! The delivery engine (audiences, schedules, batches of 500, pacing) joins here.

pub mod outbox;

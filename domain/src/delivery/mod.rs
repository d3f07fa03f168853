//! How a send becomes LINE API requests.
//!
//! 1. A send is stored in the [`outbox`] as one push or multicast request (up to 500 recipients),
//!    with its own `X-Line-Retry-Key`, before the first attempt.
//! 2. [`outbox::deliver`] sends it through the [`messenger::Messenger`] port with that key, and
//!    records the outcome: sent, refused by LINE (failed, never retried), or still pending after
//!    a transport failure (tried again by [`outbox::resume`] with the same key, so LINE answers
//!    "already accepted" rather than delivering twice; after LINE's 24 hours it is left expired
//!    for staff to decide).
//! 3. The Messaging API client paces every call to LINE's rate limits and retries 429 and 5xx
//!    with backoff (`line::client`).
//!
//! The delivery engine of the segments issue (audiences, schedules, batches of 500 as jobs in
//! `crate::jobs`, statuses) joins here and sends through the same outbox.

pub mod deliveries;
pub mod engine;
pub mod messenger;
pub mod outbox;
pub mod sender_lock;
pub mod test_sends;
pub mod timing;

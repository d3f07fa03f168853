//! Where a webhook event goes.
//!
//! 1. The server's webhook handler checks LINE's signature and stores every event in the
//!    [`inbox`] (committed before LINE gets its 200).
//! 2. Workers take due events from the inbox with a lease and hand each to [`dispatch`].
//! 3. [`dispatch::process`] holds the one `match` on the event's kind, which names the capability
//!    that owns it (follow and unfollow: the friend registry and the greeting; later the chatbot,
//!    surveys and keyword replies).

pub mod dispatch;
pub mod inbox;

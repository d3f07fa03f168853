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
//! Deliveries (配信) are built on it:
//!
//! - [`deliveries`]: what staff edit and the one fixed set of statuses (下書き → 予約済み /
//!   送信中 → 送信済み, 一部失敗, 失敗, 停止; 取消, 見送り), with versions, department scope and
//!   audit; [`timing`]: now, at a time, or repeated, in Japan time.
//! - [`engine`]: one job per occurrence (`crate::jobs::Work::Deliver`): the recipients resolved
//!   and fixed in one transaction, their outbox batches of 500 stored a group at a time while
//!   the first are sent ([`staging`]), under the channel's send lease ([`sender_lock`]) at the
//!   client's rate, stoppable, resumed after a crash with the stored recipients and keys.
//! - [`test_sends`]: テスト配信 to registered test recipients, marked, outside any run.
//!
//! And what became of them:
//!
//! - [`links`]: each run's http(s) links replaced by tracked ones (`/r/{code}`), and their clicks.
//! - [`statistics`]: LINE's figures per run (its own aggregation unit), fetched within LINE's
//!   insight budget (`crate::jobs::Work::FetchStatistics`).
//! - [`history`]: 配信履歴 and its CSV, and one delivery's report; [`chart`]: SVG charts.

pub mod chart;
pub mod deliveries;
pub mod engine;
pub mod history;
pub mod links;
pub mod messenger;
pub mod outbox;
pub mod sender_lock;
pub mod staging;
pub mod statistics;
pub mod test_sends;
pub mod timing;

//! Who the city reaches: the friends of its LINE channels and what is known about them.
//!
//! - [`friends`]: the friend registry (follow, block, profile) and the friends list's filter.
//! - [`attributes`]: the attributes staff define (types, options).
//! - [`values`]: each friend's values, their history, and conditions that select friends.
//! - [`attribute_csv`]: import and export of values as CSV files.
//! - [`index`]: the in-memory audience index that counts matching friends fast.
//! - [`follower_statistics`]: LINE's friend counts per day, for the dashboard.
//!
//! - [`segments`]: saved segments (trees of conditions) and the audience of a delivery.
//! - [`test_recipients`]: the friends who receive test deliveries.
//!
//! - [`surveys`]: surveys in LIFF, their answers (which write attributes) and results.

pub mod attribute_csv;
pub mod attributes;
pub mod follower_statistics;
pub mod friends;
pub mod index;
pub mod segments;
pub mod surveys;
pub mod test_recipients;
pub mod values;

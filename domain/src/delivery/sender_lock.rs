//! One sender per channel: LINE's rate limits are per channel, and the Messaging API client's
//! `RateLimiter` paces one process. So deliveries of a channel are sent by one instance at a
//! time, which holds the channel's send lease (`channel_sender`: holder = the instance's id,
//! until a time it keeps pushing forward while it sends), and within that instance by one
//! delivery at a time ([`LocalSenders`]). An instance that dies lets go when its lease ends.
//!
//! Test sends and replies are single requests and go through the process's limiter without the
//! lease.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::TimeDelta;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::channel_sender;
use crate::{DateTime, DomainResult};

fn until(now: DateTime, lease: Duration) -> DateTime {
    now + TimeDelta::from_std(lease).unwrap_or(TimeDelta::MAX)
}

/// Takes channel `channel_id`'s send lease for `holder` until `now + lease`: free, expired, or
/// already `holder`'s. Returns whether `holder` has it now.
pub async fn acquire(
    db: &impl ConnectionTrait,
    channel_id: i64,
    holder: &str,
    lease: Duration,
    now: DateTime,
) -> DomainResult<bool> {
    let until = until(now, lease);
    let taken = channel_sender::Entity::update_many()
        .col_expr(channel_sender::Column::Holder, Expr::value(holder))
        .col_expr(channel_sender::Column::LockedUntil, Expr::value(until))
        .filter(channel_sender::Column::ChannelId.eq(channel_id))
        .filter(
            sea_orm::Condition::any()
                .add(channel_sender::Column::Holder.eq(holder))
                .add(channel_sender::Column::LockedUntil.lt(now)),
        )
        .exec(db)
        .await?
        .rows_affected;
    if taken > 0 {
        return Ok(true);
    }
    // No row yet (or another holder's, which the insert leaves alone).
    let row = channel_sender::ActiveModel {
        channel_id: Set(channel_id),
        holder: Set(holder.to_owned()),
        locked_until: Set(until),
    };
    let inserted = channel_sender::Entity::insert(row)
        .on_conflict(
            OnConflict::column(channel_sender::Column::ChannelId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted > 0)
}

/// Pushes `holder`'s lease forward; `false` when it is no longer theirs (it ran out and another
/// instance took it: stop sending).
pub async fn renew(
    db: &impl ConnectionTrait,
    channel_id: i64,
    holder: &str,
    lease: Duration,
    now: DateTime,
) -> DomainResult<bool> {
    let renewed = channel_sender::Entity::update_many()
        .col_expr(
            channel_sender::Column::LockedUntil,
            Expr::value(until(now, lease)),
        )
        .filter(channel_sender::Column::ChannelId.eq(channel_id))
        .filter(channel_sender::Column::Holder.eq(holder))
        .exec(db)
        .await?
        .rows_affected;
    Ok(renewed > 0)
}

/// Lets go of `holder`'s lease (nothing if it is not theirs).
pub async fn release(db: &impl ConnectionTrait, channel_id: i64, holder: &str) -> DomainResult<()> {
    channel_sender::Entity::delete_many()
        .filter(channel_sender::Column::ChannelId.eq(channel_id))
        .filter(channel_sender::Column::Holder.eq(holder))
        .exec(db)
        .await?;
    Ok(())
}

/// Who holds channel `channel_id`'s lease at `now`, if anyone.
pub async fn holder(
    db: &impl ConnectionTrait,
    channel_id: i64,
    now: DateTime,
) -> DomainResult<Option<String>> {
    Ok(channel_sender::Entity::find_by_id(channel_id)
        .one(db)
        .await?
        .filter(|row| row.locked_until >= now)
        .map(|row| row.holder))
}

/// Within one instance, one delivery at a time per channel (they share the instance's lease).
#[derive(Debug, Default)]
pub struct LocalSenders {
    channels: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
}

impl LocalSenders {
    pub fn new() -> Self {
        Self::default()
    }

    /// Waits for channel `channel_id`'s turn in this instance; the turn ends when the guard
    /// is dropped.
    pub async fn turn(&self, channel_id: i64) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = self
            .channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(channel_id)
            .or_default()
            .clone();
        lock.lock_owned().await
    }
}

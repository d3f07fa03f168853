//! Staging a run's batches. When a run starts, its recipients are fixed in one row (their
//! friend ids, `delivery_run_audience`); the batches of 500 (`line_send`, each with its retry
//! key, stored before it is sent) are then made a group at a time while the first ones are
//! already on their way. The first batch leaves a moment after 送信 whatever the audience
//! (storing a million recipients' batches first took seconds), and a crash loses nothing: the
//! instance that takes over goes on from `batches_stored`, with the same recipients.
//!
//! A run that records who clicked (`links::Personal`) is stored as one push per friend, each
//! with the friend's own links, instead of multicasts of 500 (LINE: 2,000 pushes a second).

use line::api::{MulticastRequest, PushRequest};
use line::message::Message;
use model::status::FriendStatus;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use super::engine::BATCH;
use super::links::Personal;
use super::outbox::{self, Outgoing};
use crate::entities::{delivery_run, delivery_run_audience, friend, line_send};
use crate::{DateTime, DomainError, DomainResult};

/// Batches stored per group by default (50,000 recipients): a group takes about as long to
/// store as LINE's limit takes to send a few dozen batches, so sending never waits for it.
pub const GROUP: usize = 100;
/// The first group: as many batches as go out at once by default.
const FIRST_GROUP: usize = 8;

/// Ascending ids as the differences between neighbours in LEB128: about one byte a friend when
/// most friends are recipients.
pub fn encode_ids(ids: &[i64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ids.len() + 16);
    let mut previous = 0i64;
    for &id in ids {
        let mut delta = u64::try_from(id - previous).unwrap_or(0);
        previous = id;
        loop {
            let byte = (delta & 0x7f) as u8;
            delta >>= 7;
            if delta == 0 {
                out.push(byte);
                break;
            }
            out.push(byte | 0x80);
        }
    }
    out
}

/// The ids [`encode_ids`] wrote.
pub fn decode_ids(bytes: &[u8]) -> DomainResult<Vec<i64>> {
    let bad = || DomainError::Internal("a run's stored recipients are damaged".into());
    let mut ids = Vec::with_capacity(bytes.len());
    let (mut previous, mut delta, mut shift) = (0i64, 0u64, 0u32);
    for &byte in bytes {
        if shift > 56 {
            return Err(bad());
        }
        delta |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            previous = previous
                .checked_add(i64::try_from(delta).map_err(|_| bad())?)
                .ok_or_else(bad)?;
            ids.push(previous);
            (delta, shift) = (0, 0);
        } else {
            shift += 7;
        }
    }
    if shift != 0 {
        return Err(bad());
    }
    Ok(ids)
}

/// What a run's batches are made of.
pub struct Stager {
    pub run_id: i64,
    pub channel_id: i64,
    /// The run's recipients (friend ids, ascending).
    pub friend_ids: Vec<i64>,
    pub messages: Vec<Message>,
    /// `customAggregationUnits` of every batch (none when the month's names ran out).
    pub unit: Option<String>,
    /// Batches per group.
    pub group: usize,
    /// For a run that records who clicked: each friend's own links, sent by push.
    pub personal: Option<Personal>,
}

impl Stager {
    /// Stores the next group of batches and the progress in one transaction; answers the new
    /// batches' ids (in order), or `None` once every batch is stored. Batch `k` holds the
    /// friends among friend ids `500k..500(k+1)` who still follow (one who blocked meanwhile
    /// is left out: an empty batch is not stored).
    pub async fn next_group(
        &self,
        db: &DatabaseConnection,
        now: DateTime,
    ) -> DomainResult<Option<Vec<i64>>> {
        let progress: Option<(i32, i32)> = delivery_run_audience::Entity::find_by_id(self.run_id)
            .select_only()
            .column(delivery_run_audience::Column::Batches)
            .column(delivery_run_audience::Column::BatchesStored)
            .into_tuple()
            .one(db)
            .await?;
        let Some((batches, stored)) = progress else {
            return Ok(None);
        };
        let (batches, from) = (
            usize::try_from(batches).unwrap_or(0),
            usize::try_from(stored).unwrap_or(0),
        );
        if from >= batches {
            return Ok(None);
        }
        // The first group small, so that the first batch leaves at once.
        let size = if from == 0 {
            self.group.min(FIRST_GROUP)
        } else {
            self.group
        };
        let to = (from + size.max(1)).min(batches);
        let len = self.friend_ids.len();
        let slice = &self.friend_ids[(from * BATCH).min(len)..(to * BATCH).min(len)];
        let mut users = line_user_ids(db, self.channel_id, slice)
            .await?
            .into_iter()
            .peekable();
        let mut requests = Vec::with_capacity(to - from);
        for chunk in slice.chunks(BATCH) {
            let last = chunk.last().copied().unwrap_or(i64::MAX);
            let mut to_users = Vec::with_capacity(chunk.len());
            while let Some(friend) = users.next_if(|(id, _)| *id <= last) {
                to_users.push(friend);
            }
            if to_users.is_empty() {
                continue;
            }
            let units = self.unit.clone().map(|u| vec![u]);
            match &self.personal {
                None => requests.push(Outgoing::Multicast(MulticastRequest {
                    to: to_users.into_iter().map(|(_, user)| user).collect(),
                    messages: self.messages.clone(),
                    notification_disabled: None,
                    custom_aggregation_units: units,
                })),
                Some(personal) => {
                    requests.extend(to_users.into_iter().map(|(friend_id, user)| {
                        Outgoing::Push(PushRequest {
                            to: user,
                            messages: personal.messages_for(&self.messages, friend_id),
                            notification_disabled: None,
                            custom_aggregation_units: units.clone(),
                        })
                    }));
                }
            }
        }

        let txn = db.begin().await?;
        // First, so that a second instance staging the same group waits here, then finds its
        // `from` gone and stores nothing.
        let advanced = delivery_run_audience::Entity::update_many()
            .col_expr(
                delivery_run_audience::Column::BatchesStored,
                Expr::value(i32::try_from(to).unwrap_or(i32::MAX)),
            )
            .filter(delivery_run_audience::Column::RunId.eq(self.run_id))
            .filter(delivery_run_audience::Column::BatchesStored.eq(stored))
            .exec(&txn)
            .await?
            .rows_affected;
        if advanced == 0 {
            return Ok(Some(Vec::new()));
        }
        let before: Option<i64> = line_send::Entity::find()
            .select_only()
            .column_as(line_send::Column::Id.max(), "id")
            .filter(line_send::Column::RunId.eq(self.run_id))
            .into_tuple::<Option<i64>>()
            .one(&txn)
            .await?
            .flatten();
        for group in requests.chunks(outbox::BATCHES_PER_STATEMENT) {
            outbox::enqueue_batches(&txn, self.channel_id, self.run_id, group, now).await?;
        }
        if to == batches {
            delivery_run::Entity::update_many()
                .col_expr(delivery_run::Column::Prepared, Expr::value(true))
                .filter(delivery_run::Column::Id.eq(self.run_id))
                .exec(&txn)
                .await?;
        }
        let ids: Vec<i64> = line_send::Entity::find()
            .select_only()
            .column(line_send::Column::Id)
            .filter(line_send::Column::RunId.eq(self.run_id))
            .filter(line_send::Column::Id.gt(before.unwrap_or(0)))
            .order_by_asc(line_send::Column::Id)
            .into_tuple()
            .all(&txn)
            .await?;
        txn.commit().await?;
        Ok(Some(ids))
    }
}

/// A friend as a lookup reads it: id, LINE user id, channel, status.
type FriendRow = (i64, String, i64, FriendStatus);

/// Friend ids per lookup: a dense run of ids is read as one range of at most this many rows.
const LOOKUP: usize = 10_000;

/// The friend id and LINE user id of the following friends of `channel_id` among `ids`
/// (ascending), read from their rows: the channel and the status are checked here, so nothing
/// can go to another channel's or a blocked friend. A dense run of ids is read as a range, a
/// sparse one as a list. Rows are found by id alone and checked in Rust: with
/// `channel_id = ?` in the query, SQLite (no statistics) walked the channel's index, every
/// friend of the channel for each lookup (25 s for a million recipients).
async fn line_user_ids(
    db: &DatabaseConnection,
    channel_id: i64,
    ids: &[i64],
) -> DomainResult<Vec<(i64, String)>> {
    let mut out = Vec::with_capacity(ids.len());
    let base = friend::Entity::find()
        .select_only()
        .column(friend::Column::Id)
        .column(friend::Column::LineUserId)
        .column(friend::Column::ChannelId)
        .column(friend::Column::Status);
    let mut rest = ids;
    while let Some(&first) = rest.first() {
        // The longest dense run from here: each id at most about twice its position away.
        let dense = rest
            .iter()
            .take(LOOKUP)
            .enumerate()
            .take_while(|(i, id)| usize::try_from(**id - first).unwrap_or(usize::MAX) <= i * 2 + 1)
            .count();
        let (chunk, rows): (&[i64], Vec<FriendRow>) = if dense >= 64 {
            let chunk = &rest[..dense];
            let last = chunk[dense - 1];
            let rows = base
                .clone()
                .filter(friend::Column::Id.between(first, last))
                .order_by_asc(friend::Column::Id)
                .into_tuple()
                .all(db)
                .await?;
            (chunk, rows)
        } else {
            let chunk = &rest[..rest.len().min(crate::db::bulk::rows_per_statement(12))];
            let mut rows: Vec<FriendRow> = base
                .clone()
                .filter(friend::Column::Id.is_in(chunk.iter().copied()))
                .into_tuple()
                .all(db)
                .await?;
            rows.sort_unstable_by_key(|(id, ..)| *id);
            (chunk, rows)
        };
        // Both ascending: keep the rows whose id is wanted.
        let mut wanted = chunk.iter().peekable();
        for (id, user, channel, status) in rows {
            while wanted.next_if(|w| **w < id).is_some() {}
            if wanted.next_if_eq(&&id).is_some()
                && channel == channel_id
                && status == FriendStatus::Following
            {
                out.push((id, user));
            }
        }
        rest = &rest[chunk.len()..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_back_as_they_went() {
        for ids in [
            vec![],
            vec![1],
            vec![1, 2, 3, 4, 5],
            vec![5, 130, 131, 20_000, 2_000_000, 9_000_000_000],
            (1..100_000).step_by(3).collect::<Vec<i64>>(),
        ] {
            assert_eq!(decode_ids(&encode_ids(&ids)).unwrap(), ids);
        }
        // A dense million in about a megabyte.
        let dense: Vec<i64> = (1..=1_000_000).collect();
        assert_eq!(encode_ids(&dense).len(), 1_000_000);
    }

    #[test]
    fn damaged_ids_are_an_error_not_a_panic() {
        assert!(decode_ids(&[0x80]).is_err());
        assert!(decode_ids(&[0xff; 12]).is_err());
    }
}

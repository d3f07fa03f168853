//! The audience index: friends' attribute values and follow status held in memory as bitsets,
//! so that counting the friends who match several conditions (a segment's audience) takes
//! microseconds over a million friends instead of a join per condition.
//!
//! The database stays the record; the index is a cache that follows it. Every count first asks
//! the database what changed and applies it:
//! - friends whose row changed (follow, block, profile) since shortly before the last look
//!   (`friend.updated_at`),
//! - friends whose values changed (`friend_attribute_history.at`; every write keeps history),
//! - and, when an attribute or its options changed (`attribute.updated_at`, counts), the whole
//!   index is rebuilt.
//!
//! The look-back window ([`OVERLAP`]) covers transactions that commit a little after the time
//! they wrote and clocks of several instances that differ a little: a change is re-read rather
//! than missed. Re-reading a friend is idempotent. Each instance keeps its own index.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Months, NaiveDate, TimeDelta};
use model::status::{AttributeKind, FriendStatus};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};

use super::attributes::{self, Attribute};
use super::values::{Condition, parse_date};
use crate::entities::{
    attribute, attribute_option, friend, friend_attribute_history, friend_attribute_value,
};
use crate::{DateTime, DomainResult};

/// How far back each look re-reads changes.
pub const OVERLAP: TimeDelta = TimeDelta::seconds(60);
/// Friends per query of a full load.
const LOAD_PAGE: i64 = 50_000;

/// The index, shared by every request of one server process.
#[derive(Default)]
pub struct AudienceIndex {
    snapshot: tokio::sync::Mutex<Option<Snapshot>>,
}

/// One bit per friend id.
#[derive(Clone, Debug, Default)]
struct Bits(Vec<u64>);

impl Bits {
    fn set(&mut self, id: usize, on: bool) {
        let word = id / 64;
        if word >= self.0.len() {
            if !on {
                return;
            }
            self.0.resize(word + 1, 0);
        }
        if on {
            self.0[word] |= 1 << (id % 64);
        } else {
            self.0[word] &= !(1 << (id % 64));
        }
    }

    fn and(&mut self, other: &Bits) {
        for (i, word) in self.0.iter_mut().enumerate() {
            *word &= other.0.get(i).copied().unwrap_or(0);
        }
    }

    fn and_not(&mut self, other: &Bits) {
        for (word, o) in self.0.iter_mut().zip(&other.0) {
            *word &= !o;
        }
    }

    fn or(&mut self, other: &Bits) {
        if other.0.len() > self.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (word, o) in self.0.iter_mut().zip(&other.0) {
            *word |= o;
        }
    }

    fn count(&self) -> u64 {
        self.0.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// The friends whose entry in `column` satisfies `keep`.
    fn from_column<T: Copy>(column: &[T], keep: impl Fn(T) -> bool) -> Bits {
        let mut bits = Bits(vec![0; column.len().div_ceil(64)]);
        for (id, value) in column.iter().enumerate() {
            if keep(*value) {
                bits.0[id / 64] |= 1 << (id % 64);
            }
        }
        bits
    }
}

/// What says whether the attribute definitions changed.
type AttributesStamp = (u64, Option<DateTime>, u64);

struct Snapshot {
    stamp: AttributesStamp,
    attributes: Vec<Attribute>,
    /// When changes were last read, by this machine's clock (the next look starts [`OVERLAP`]
    /// before it).
    read_at: DateTime,
    /// The newest history entry read: entries after it are read whatever their time says.
    last_history_id: i64,
    /// Per channel: its following friends.
    following: HashMap<i64, Bits>,
    /// Per option id: the friends who chose it.
    options: HashMap<i64, Bits>,
    /// Per attribute id: the friends with a value.
    answered: HashMap<i64, Bits>,
    /// Per date-like attribute (birth date or month, date): days from the common era by friend
    /// id (a month as its first day); `i32::MIN` when unset.
    days: HashMap<i64, Vec<i32>>,
    /// Per number attribute: the number by friend id, NaN when unset.
    numbers: HashMap<i64, Vec<f64>>,
}

type ValueRow = (i64, i64, Option<i64>, Option<String>, Option<f64>);

impl Snapshot {
    fn new(
        stamp: AttributesStamp,
        attributes: Vec<Attribute>,
        read_at: DateTime,
        last_history_id: i64,
    ) -> Self {
        Self {
            stamp,
            attributes,
            read_at,
            last_history_id,
            following: HashMap::new(),
            options: HashMap::new(),
            answered: HashMap::new(),
            days: HashMap::new(),
            numbers: HashMap::new(),
        }
    }

    fn set_friend(&mut self, id: i64, channel_id: i64, following: bool) {
        let Ok(id) = usize::try_from(id) else { return };
        for (channel, bits) in &mut self.following {
            if *channel != channel_id {
                bits.set(id, false);
            }
        }
        self.following
            .entry(channel_id)
            .or_default()
            .set(id, following);
    }

    /// Forgets a friend's values (before reading them again).
    fn clear_values(&mut self, id: usize) {
        for bits in self.options.values_mut().chain(self.answered.values_mut()) {
            bits.set(id, false);
        }
        for column in self.days.values_mut() {
            if let Some(day) = column.get_mut(id) {
                *day = i32::MIN;
            }
        }
        for column in self.numbers.values_mut() {
            if let Some(n) = column.get_mut(id) {
                *n = f64::NAN;
            }
        }
    }

    fn add_value(&mut self, row: &ValueRow) {
        let (friend_id, attribute_id, option_id, value, number) = row;
        let Ok(id) = usize::try_from(*friend_id) else {
            return;
        };
        let Some(kind) = self
            .attributes
            .iter()
            .find(|a| a.id == *attribute_id)
            .map(|a| a.kind)
        else {
            return;
        };
        self.answered
            .entry(*attribute_id)
            .or_default()
            .set(id, true);
        if let Some(option_id) = option_id {
            self.options.entry(*option_id).or_default().set(id, true);
            return;
        }
        let grow = |column: &mut Vec<i32>| {
            if column.len() <= id {
                column.resize(id + 1, i32::MIN);
            }
        };
        match kind {
            AttributeKind::Number => {
                let column = self.numbers.entry(*attribute_id).or_default();
                if column.len() <= id {
                    column.resize(id + 1, f64::NAN);
                }
                column[id] = number.unwrap_or(f64::NAN);
            }
            AttributeKind::Date | AttributeKind::BirthDate | AttributeKind::BirthMonth => {
                let day = value.as_deref().and_then(day_of_value);
                let column = self.days.entry(*attribute_id).or_default();
                grow(column);
                column[id] = day.map_or(i32::MIN, |d| d.num_days_from_ce());
            }
            _ => {}
        }
    }

    fn matching(&self, channel_id: i64, conditions: &[Condition], today: NaiveDate) -> Bits {
        let mut result = self.following.get(&channel_id).cloned().unwrap_or_default();
        let empty = Bits::default();
        for condition in conditions {
            match condition {
                Condition::HasOption { option_ids, .. } => {
                    let mut any = Bits::default();
                    for option in option_ids {
                        any.or(self.options.get(option).unwrap_or(&empty));
                    }
                    result.and(&any);
                }
                Condition::Answered { attribute_id } => {
                    result.and(self.answered.get(attribute_id).unwrap_or(&empty));
                }
                Condition::NotAnswered { attribute_id } => {
                    result.and_not(self.answered.get(attribute_id).unwrap_or(&empty));
                }
                Condition::AgeBetween {
                    attribute_id,
                    min,
                    max,
                } => {
                    // Born on or before today − min years, and after today − (max+1) years.
                    let latest = min
                        .and_then(|m| today.checked_sub_months(Months::new(m * 12)))
                        .map_or(i32::MAX, |d| d.num_days_from_ce());
                    let earliest = max
                        .and_then(|m| today.checked_sub_months(Months::new((m + 1) * 12)))
                        .map_or(i32::MIN, |d| d.num_days_from_ce());
                    let column = self.days.get(attribute_id).map_or(&[][..], Vec::as_slice);
                    result.and(&Bits::from_column(column, |d| {
                        d != i32::MIN && d <= latest && d > earliest
                    }));
                }
                Condition::DateBetween {
                    attribute_id,
                    from,
                    to,
                } => {
                    let from = from.map_or(i32::MIN + 1, |d| d.num_days_from_ce());
                    let to = to.map_or(i32::MAX, |d| d.num_days_from_ce());
                    let column = self.days.get(attribute_id).map_or(&[][..], Vec::as_slice);
                    result.and(&Bits::from_column(column, |d| {
                        d != i32::MIN && d >= from && d <= to
                    }));
                }
                Condition::NumberBetween {
                    attribute_id,
                    min,
                    max,
                } => {
                    let (min, max) = (
                        min.unwrap_or(f64::NEG_INFINITY),
                        max.unwrap_or(f64::INFINITY),
                    );
                    let column = self
                        .numbers
                        .get(attribute_id)
                        .map_or(&[][..], Vec::as_slice);
                    result.and(&Bits::from_column(column, |n| n >= min && n <= max));
                }
            }
        }
        result
    }
}

/// A stored date-like value as a day: `YYYY-MM-DD`, or `YYYY-MM` as its first day.
fn day_of_value(value: &str) -> Option<NaiveDate> {
    if value.len() == 7 {
        let (y, m) = value.split_once('-')?;
        NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)
    } else {
        parse_date(value)
    }
}

async fn attributes_stamp(db: &impl ConnectionTrait) -> DomainResult<AttributesStamp> {
    let (count, latest): (i64, Option<DateTime>) = attribute::Entity::find()
        .select_only()
        .expr(Expr::col(attribute::Column::Id).count())
        .expr(Expr::col(attribute::Column::UpdatedAt).max())
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((0, None));
    let options = attribute_option::Entity::find().count(db).await?;
    Ok((count as u64, latest, options))
}

impl AudienceIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many friends following `channel_id` match every condition, on the day of `now`:
    /// what a segment delivery would reach. The same answer as counting with
    /// [`super::values::matching_all`] in SQL.
    pub async fn count_following(
        &self,
        db: &DatabaseConnection,
        channel_id: i64,
        conditions: &[Condition],
        now: DateTime,
    ) -> DomainResult<u64> {
        let mut guard = self.snapshot.lock().await;
        let stamp = attributes_stamp(db).await?;
        let snapshot = match guard.take() {
            Some(snapshot) if snapshot.stamp == stamp => catch_up(db, snapshot).await?,
            _ => load(db, stamp).await?,
        };
        let count = snapshot
            .matching(channel_id, conditions, crate::time::day_of(now))
            .count();
        *guard = Some(snapshot);
        Ok(count)
    }
}

/// Reads everything: the friends, then their values a page of friend ids at a time.
async fn load(db: &DatabaseConnection, stamp: AttributesStamp) -> DomainResult<Snapshot> {
    // Taken before reading: what changes while reading is read again next time.
    let read_at = chrono::Utc::now();
    let last_history_id = last_history_id(db).await?;
    let attributes = attributes::list(db).await?;
    let mut snapshot = Snapshot::new(stamp, attributes, read_at, last_history_id);
    let friends: Vec<FriendRow> = friend_rows().into_tuple().all(db).await?;
    let last = friends.iter().map(|f| f.0).max().unwrap_or(0);
    for (id, channel_id, status) in friends {
        snapshot.set_friend(id, channel_id, status == FriendStatus::Following);
    }
    let mut from = 0;
    while from <= last {
        let rows = value_rows()
            .filter(friend_attribute_value::Column::FriendId.between(from, from + LOAD_PAGE - 1))
            .into_tuple::<ValueRow>()
            .all(db)
            .await?;
        for row in &rows {
            snapshot.add_value(row);
        }
        from += LOAD_PAGE;
    }
    Ok(snapshot)
}

/// A friend as the index reads it: id, channel, status.
type FriendRow = (i64, i64, FriendStatus);

fn friend_rows() -> sea_orm::Select<friend::Entity> {
    friend::Entity::find().select_only().columns([
        friend::Column::Id,
        friend::Column::ChannelId,
        friend::Column::Status,
    ])
}

fn value_rows() -> sea_orm::Select<friend_attribute_value::Entity> {
    use friend_attribute_value::Column as V;
    friend_attribute_value::Entity::find()
        .select_only()
        .columns([
            V::FriendId,
            V::AttributeId,
            V::OptionId,
            V::Value,
            V::Number,
        ])
}

async fn last_history_id(db: &DatabaseConnection) -> DomainResult<i64> {
    Ok(friend_attribute_history::Entity::find()
        .select_only()
        .expr(Expr::col(friend_attribute_history::Column::Id).max())
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten()
        .unwrap_or(0))
}

/// Applies what changed since the snapshot last looked (and a little before).
async fn catch_up(db: &DatabaseConnection, mut snapshot: Snapshot) -> DomainResult<Snapshot> {
    let since = snapshot.read_at - OVERLAP;
    snapshot.read_at = chrono::Utc::now();
    let friends: Vec<FriendRow> = friend_rows()
        .filter(friend::Column::UpdatedAt.gte(since))
        .into_tuple()
        .all(db)
        .await?;
    for (id, channel_id, status) in friends {
        snapshot.set_friend(id, channel_id, status == FriendStatus::Following);
    }
    // Values: history entries newer than the last one read, and any written recently (an entry
    // with a smaller id may commit after a larger one).
    let history = |filter: sea_orm::Condition| {
        friend_attribute_history::Entity::find()
            .select_only()
            .column(friend_attribute_history::Column::Id)
            .column(friend_attribute_history::Column::FriendId)
            .filter(filter)
            .into_tuple::<(i64, i64)>()
            .all(db)
    };
    let mut entries = history(
        sea_orm::Condition::all()
            .add(friend_attribute_history::Column::Id.gt(snapshot.last_history_id)),
    )
    .await?;
    entries.extend(
        history(sea_orm::Condition::all().add(friend_attribute_history::Column::At.gte(since)))
            .await?,
    );
    if let Some(last) = entries.iter().map(|e| e.0).max() {
        snapshot.last_history_id = Ord::max(snapshot.last_history_id, last);
    }
    let changed: HashSet<i64> = entries.into_iter().map(|e| e.1).collect();
    let changed: Vec<i64> = changed.into_iter().collect();
    for chunk in changed.chunks(crate::db::bulk::rows_per_statement(12)) {
        for id in chunk {
            if let Ok(id) = usize::try_from(*id) {
                snapshot.clear_values(id);
            }
        }
        let rows = value_rows()
            .filter(friend_attribute_value::Column::FriendId.is_in(chunk.iter().copied()))
            .into_tuple::<ValueRow>()
            .all(db)
            .await?;
        for row in &rows {
            snapshot.add_value(row);
        }
    }
    Ok(snapshot)
}

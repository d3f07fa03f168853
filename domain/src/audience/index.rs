//! The audience index: friends' attribute values and follow status held in memory as bitsets,
//! so that counting the friends who match several conditions (a segment's audience) takes
//! microseconds over a million friends instead of a join per condition.
//!
//! It answers two kinds of question: the friends list's AND of [`Condition`]s
//! ([`AudienceIndex::count_following`]), and a delivery's audience, a [`Selection`] of
//! segment rules (trees of AND / OR / NOT groups over every condition kind of
//! [`model::segment::Condition`]): [`AudienceIndex::count`], [`AudienceIndex::sample`],
//! [`AudienceIndex::friend_ids`], [`AudienceIndex::filter_friends`]. Besides the bitsets it keeps,
//! per friend, LINE's language (an interned code), the day of the latest follow in Japan, and per
//! text attribute the friends' texts folded for comparison (case and full/half width ignored,
//! as option labels are matched: `attributes::fold`).
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
use model::segment::{self as rule, ChoiceMatch, DayRange, Join, Rule, TextMatch};
use model::status::{AttributeKind, FriendStatus};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};

use super::attributes::{self, Attribute, fold};
use super::segments::{Selection, day_bounds};
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

    fn get(&self, id: usize) -> bool {
        self.0
            .get(id / 64)
            .is_some_and(|word| word & (1 << (id % 64)) != 0)
    }

    /// The ids that are set, ascending.
    fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(i, word)| {
            let mut word = *word;
            std::iter::from_fn(move || {
                (word != 0).then(|| {
                    let bit = word.trailing_zeros() as usize;
                    word &= word - 1;
                    i * 64 + bit
                })
            })
        })
    }

    /// The ids that are set, descending.
    fn ones_desc(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().rev().flat_map(|(i, word)| {
            let mut word = *word;
            std::iter::from_fn(move || {
                (word != 0).then(|| {
                    let bit = 63 - word.leading_zeros() as usize;
                    word &= !(1 << bit);
                    i * 64 + bit
                })
            })
        })
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
    /// Per text attribute: the friends' texts, folded (`attributes::fold`), by friend id.
    texts: HashMap<i64, HashMap<u32, Box<str>>>,
    /// By friend id: LINE's language as an index into `language_codes` (0: not told).
    language: Vec<u16>,
    /// Language codes seen, lower case; the first is `""` (not told).
    language_codes: Vec<String>,
    /// By friend id: the day in Japan of the latest follow, in days from the common era
    /// (`i32::MIN` for ids that are no friend).
    followed: Vec<i32>,
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
            texts: HashMap::new(),
            language: Vec::new(),
            language_codes: vec![String::new()],
            followed: Vec::new(),
        }
    }

    fn set_friend(&mut self, row: &FriendRow) {
        let (id, channel_id, status, language, followed_at) = row;
        let Ok(id) = usize::try_from(*id) else { return };
        for (channel, bits) in &mut self.following {
            if channel != channel_id {
                bits.set(id, false);
            }
        }
        self.following
            .entry(*channel_id)
            .or_default()
            .set(id, *status == FriendStatus::Following);
        let code = self.language_code(language.as_deref().unwrap_or_default());
        if self.language.len() <= id {
            self.language.resize(id + 1, 0);
            self.followed.resize(id + 1, i32::MIN);
        }
        self.language[id] = code;
        self.followed[id] = crate::time::day_of(*followed_at).num_days_from_ce();
    }

    /// The index of a language code (interned; lower case).
    fn language_code(&mut self, code: &str) -> u16 {
        let code = code.trim().to_ascii_lowercase();
        if let Some(i) = self.language_codes.iter().position(|c| *c == code) {
            return u16::try_from(i).unwrap_or(0);
        }
        // LINE has a few dozen languages; anything beyond u16 is not a language.
        match u16::try_from(self.language_codes.len()) {
            Ok(i) if i < u16::MAX => {
                self.language_codes.push(code);
                i
            }
            _ => 0,
        }
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
        if let Ok(id) = u32::try_from(id) {
            for column in self.texts.values_mut() {
                column.remove(&id);
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
            AttributeKind::Text => {
                if let (Ok(id), Some(text)) = (u32::try_from(id), value) {
                    self.texts
                        .entry(*attribute_id)
                        .or_default()
                        .insert(id, fold(text).into_boxed_str());
                }
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
                    let (latest, earliest) = birth_bounds(*min, *max, today);
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

impl Snapshot {
    /// The friends of a delivery's audience: following `channel_id`, in the selection.
    fn selected(&self, channel_id: i64, selection: &Selection, at: &At) -> Bits {
        let all = self.following.get(&channel_id).cloned().unwrap_or_default();
        let mut result = if selection.all_friends {
            all.clone()
        } else {
            let mut any = Bits::default();
            for rule in &selection.include {
                any.or(&self.rule(rule, &all, at));
            }
            any.and(&all);
            any
        };
        for rule in &selection.exclude {
            result.and_not(&self.rule(rule, &all, at));
        }
        result
    }

    /// The friends matching `rule`, within `all` (the channel's following friends: what NOT
    /// and "none of" take their complement in).
    fn rule(&self, rule: &Rule, all: &Bits, at: &At) -> Bits {
        match rule {
            Rule::Condition(condition) => self.condition(condition, all, at),
            Rule::Group(group) => {
                let mut result = match group.join {
                    Join::All => {
                        let mut result = all.clone();
                        for member in &group.rules {
                            result.and(&self.rule(member, all, at));
                        }
                        result
                    }
                    Join::Any => {
                        let mut result = Bits::default();
                        for member in &group.rules {
                            result.or(&self.rule(member, all, at));
                        }
                        result.and(all);
                        result
                    }
                };
                if group.negate {
                    let mut not = all.clone();
                    not.and_not(&result);
                    result = not;
                }
                result
            }
        }
    }

    fn condition(&self, condition: &rule::Condition, all: &Bits, at: &At) -> Bits {
        use rule::Condition as C;
        let today = at.today;
        let empty = Bits::default();
        // `all` without the friends in `bits`.
        let without = |bits: &Bits| {
            let mut result = all.clone();
            result.and_not(bits);
            result
        };
        let days_in = |column: &[i32], range: &DayRange| {
            let (from, to) = day_bounds(range, today);
            Bits::from_column(column, |d| d != i32::MIN && d >= from && d <= to)
        };
        match condition {
            C::Choice {
                matching,
                option_ids,
                ..
            } => {
                let option = |id: &i64| self.options.get(id).unwrap_or(&empty);
                match matching {
                    ChoiceMatch::AnyOf | ChoiceMatch::NoneOf => {
                        let mut any = Bits::default();
                        for id in option_ids {
                            any.or(option(id));
                        }
                        if *matching == ChoiceMatch::NoneOf {
                            without(&any)
                        } else {
                            any
                        }
                    }
                    ChoiceMatch::AllOf => {
                        let mut every = all.clone();
                        for id in option_ids {
                            every.and(option(id));
                        }
                        every
                    }
                }
            }
            C::Text {
                attribute_id,
                matching,
                value,
            } => {
                let answered = self.answered.get(attribute_id).unwrap_or(&empty);
                if *matching == TextMatch::Empty {
                    return without(answered);
                }
                let wanted = fold(value);
                let mut bits = Bits::default();
                for (id, text) in self.texts.get(attribute_id).into_iter().flatten() {
                    let hit = match matching {
                        TextMatch::Contains => text.contains(wanted.as_str()),
                        _ => **text == *wanted,
                    };
                    if hit {
                        bits.set(*id as usize, true);
                    }
                }
                bits
            }
            C::Number {
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
                Bits::from_column(column, |n| n >= min && n <= max)
            }
            C::Date {
                attribute_id,
                range,
            } => days_in(
                self.days.get(attribute_id).map_or(&[][..], Vec::as_slice),
                range,
            ),
            C::Age {
                attribute_id,
                min,
                max,
            } => {
                let (latest, earliest) = birth_bounds(*min, *max, today);
                let column = self.days.get(attribute_id).map_or(&[][..], Vec::as_slice);
                Bits::from_column(column, |d| d != i32::MIN && d <= latest && d > earliest)
            }
            C::Answered {
                attribute_id,
                answered,
            } => {
                let bits = self.answered.get(attribute_id).unwrap_or(&empty);
                if *answered {
                    bits.clone()
                } else {
                    without(bits)
                }
            }
            C::Language { languages } => {
                let wanted: HashSet<u16> = languages
                    .iter()
                    .filter_map(|l| {
                        let l = l.trim().to_ascii_lowercase();
                        self.language_codes.iter().position(|c| *c == l)
                    })
                    .filter_map(|i| u16::try_from(i).ok())
                    .collect();
                Bits::from_column(&self.language, |code| wanted.contains(&code))
            }
            C::Followed { range } => days_in(&self.followed, range),
            C::Clicked {
                delivery_id,
                link,
                clicked,
            } => match at.clicks.get(&(*delivery_id, *link)) {
                None => empty,
                Some(found) if *clicked => found.clicked.clone(),
                Some(found) => {
                    let mut result = found.received.clone();
                    result.and_not(&found.clicked);
                    result
                }
            },
        }
    }
}

/// Birth days, as days from the common era, of someone between `min` and `max` years old on
/// `today`: born on or before the first, and after the second.
fn birth_bounds(min: Option<u32>, max: Option<u32>, today: NaiveDate) -> (i32, i32) {
    let latest = min
        .and_then(|m| today.checked_sub_months(Months::new(m.saturating_mul(12))))
        .map_or(i32::MAX, |d| d.num_days_from_ce());
    let earliest = max
        .and_then(|m| today.checked_sub_months(Months::new(m.saturating_add(1).saturating_mul(12))))
        .map_or(i32::MIN, |d| d.num_days_from_ce());
    (latest, earliest)
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

/// What a selection is evaluated against besides the snapshot: the day (ages and relative
/// days) and the friends who clicked and received the deliveries its click conditions name
/// (read from the database for each evaluation: clicks are not in the snapshot).
struct At {
    today: NaiveDate,
    clicks: HashMap<(i64, Option<u32>), Clickers>,
}

/// Of one click condition's delivery (and link): who tapped, and who received it.
struct Clickers {
    clicked: Bits,
    received: Bits,
}

impl At {
    async fn of(
        db: &impl ConnectionTrait,
        selections: &[Selection],
        now: DateTime,
    ) -> DomainResult<At> {
        let wanted: HashSet<(i64, Option<u32>)> = selections
            .iter()
            .flat_map(|s| s.include.iter().chain(&s.exclude))
            .flat_map(Rule::click_conditions)
            .collect();
        let bits = |ids: Vec<i64>| {
            let mut bits = Bits::default();
            for id in ids {
                if let Ok(id) = usize::try_from(id) {
                    bits.set(id, true);
                }
            }
            bits
        };
        // Each delivery's recipients once, whatever links its conditions name.
        let mut received: HashMap<i64, Bits> = HashMap::new();
        let mut clicks = HashMap::new();
        for (delivery_id, link) in wanted {
            if let std::collections::hash_map::Entry::Vacant(slot) = received.entry(delivery_id) {
                slot.insert(bits(
                    crate::delivery::links::recipients(db, delivery_id).await?,
                ));
            }
            let clicked = bits(crate::delivery::links::clickers(db, delivery_id, link).await?);
            clicks.insert(
                (delivery_id, link),
                Clickers {
                    clicked,
                    received: received.get(&delivery_id).cloned().unwrap_or_default(),
                },
            );
        }
        Ok(At {
            today: crate::time::day_of(now),
            clicks,
        })
    }
}

impl AudienceIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `f` on the snapshot, caught up with the database first (or read whole, the first
    /// time and after the attribute definitions changed).
    async fn with_snapshot<R>(
        &self,
        db: &impl ConnectionTrait,
        f: impl FnOnce(&Snapshot) -> R,
    ) -> DomainResult<R> {
        let mut guard = self.snapshot.lock().await;
        let stamp = attributes_stamp(db).await?;
        let snapshot = match guard.take() {
            Some(snapshot) if snapshot.stamp == stamp => catch_up(db, snapshot).await?,
            _ => load(db, stamp).await?,
        };
        let result = f(&snapshot);
        *guard = Some(snapshot);
        Ok(result)
    }

    /// How many friends following `channel_id` match every condition, on the day of `now`
    /// (the friends list's filter). The same answer as counting with
    /// [`super::values::matching_all`] in SQL.
    pub async fn count_following(
        &self,
        db: &impl ConnectionTrait,
        channel_id: i64,
        conditions: &[Condition],
        now: DateTime,
    ) -> DomainResult<u64> {
        let today = crate::time::day_of(now);
        self.with_snapshot(db, |s| s.matching(channel_id, conditions, today).count())
            .await
    }

    /// How many friends following `channel_id` are in `selection` on the day of `now` (ages
    /// and relative days count from that day in Japan): a delivery's audience.
    pub async fn count(
        &self,
        db: &impl ConnectionTrait,
        channel_id: i64,
        selection: &Selection,
        now: DateTime,
    ) -> DomainResult<u64> {
        let at = At::of(db, std::slice::from_ref(selection), now).await?;
        self.with_snapshot(db, |s| s.selected(channel_id, selection, &at).count())
            .await
    }

    /// Up to `limit` friend ids of the audience, newest friends first.
    pub async fn sample(
        &self,
        db: &impl ConnectionTrait,
        channel_id: i64,
        selection: &Selection,
        now: DateTime,
        limit: usize,
    ) -> DomainResult<Vec<i64>> {
        let at = At::of(db, std::slice::from_ref(selection), now).await?;
        self.with_snapshot(db, |s| {
            s.selected(channel_id, selection, &at)
                .ones_desc()
                .take(limit)
                .filter_map(|id| i64::try_from(id).ok())
                .collect()
        })
        .await
    }

    /// [`Self::count`] of each selection, in one look at the database (a list of segments).
    pub async fn count_each(
        &self,
        db: &impl ConnectionTrait,
        channel_id: i64,
        selections: &[Selection],
        now: DateTime,
    ) -> DomainResult<Vec<u64>> {
        let at = At::of(db, selections, now).await?;
        self.with_snapshot(db, |s| {
            selections
                .iter()
                .map(|selection| s.selected(channel_id, selection, &at).count())
                .collect()
        })
        .await
    }

    /// [`Self::count`] and [`Self::sample`] in one look at the database (what the segment editor
    /// asks on every change).
    pub async fn count_and_sample(
        &self,
        db: &impl ConnectionTrait,
        channel_id: i64,
        selection: &Selection,
        now: DateTime,
        limit: usize,
    ) -> DomainResult<(u64, Vec<i64>)> {
        let at = At::of(db, std::slice::from_ref(selection), now).await?;
        self.with_snapshot(db, |s| {
            let bits = s.selected(channel_id, selection, &at);
            let sample = bits
                .ones_desc()
                .take(limit)
                .filter_map(|id| i64::try_from(id).ok())
                .collect();
            (bits.count(), sample)
        })
        .await
    }

    /// Every friend id of the audience, ascending (the recipients of a delivery).
    pub async fn friend_ids(
        &self,
        db: &impl ConnectionTrait,
        channel_id: i64,
        selection: &Selection,
        now: DateTime,
    ) -> DomainResult<Vec<i64>> {
        let at = At::of(db, std::slice::from_ref(selection), now).await?;
        self.with_snapshot(db, |s| {
            s.selected(channel_id, selection, &at)
                .ones()
                .filter_map(|id| i64::try_from(id).ok())
                .collect()
        })
        .await
    }

    /// The `candidates` (friend ids) that are in the audience, in their order (the test
    /// recipients who match a delivery's target).
    pub async fn filter_friends(
        &self,
        db: &impl ConnectionTrait,
        channel_id: i64,
        selection: &Selection,
        now: DateTime,
        candidates: &[i64],
    ) -> DomainResult<Vec<i64>> {
        let at = At::of(db, std::slice::from_ref(selection), now).await?;
        self.with_snapshot(db, |s| {
            let bits = s.selected(channel_id, selection, &at);
            candidates
                .iter()
                .copied()
                .filter(|id| usize::try_from(*id).is_ok_and(|i| bits.get(i)))
                .collect()
        })
        .await
    }
}

/// Reads everything: the friends, then their values a page of friend ids at a time.
async fn load(db: &impl ConnectionTrait, stamp: AttributesStamp) -> DomainResult<Snapshot> {
    // Taken before reading: what changes while reading is read again next time.
    let read_at = chrono::Utc::now();
    let last_history_id = last_history_id(db).await?;
    let attributes = attributes::list(db).await?;
    let mut snapshot = Snapshot::new(stamp, attributes, read_at, last_history_id);
    // A page of friends at a time too: a million rows read at once held about 600 MB of row
    // buffers on SQLite for a moment (and the process kept that memory).
    let last: i64 = friend::Entity::find()
        .select_only()
        .column_as(friend::Column::Id.max(), "id")
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .flatten()
        .unwrap_or(0);
    let mut from = 0;
    while from <= last {
        let friends: Vec<FriendRow> = friend_rows()
            .filter(friend::Column::Id.between(from, from + LOAD_PAGE - 1))
            .into_tuple()
            .all(db)
            .await?;
        for row in &friends {
            snapshot.set_friend(row);
        }
        from += LOAD_PAGE;
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

/// A friend as the index reads it: id, channel, status, LINE's language, latest follow.
type FriendRow = (i64, i64, FriendStatus, Option<String>, DateTime);

fn friend_rows() -> sea_orm::Select<friend::Entity> {
    friend::Entity::find().select_only().columns([
        friend::Column::Id,
        friend::Column::ChannelId,
        friend::Column::Status,
        friend::Column::Language,
        friend::Column::FollowedAt,
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

async fn last_history_id(db: &impl ConnectionTrait) -> DomainResult<i64> {
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
async fn catch_up(db: &impl ConnectionTrait, mut snapshot: Snapshot) -> DomainResult<Snapshot> {
    let since = snapshot.read_at - OVERLAP;
    snapshot.read_at = chrono::Utc::now();
    let friends: Vec<FriendRow> = friend_rows()
        .filter(friend::Column::UpdatedAt.gte(since))
        .into_tuple()
        .all(db)
        .await?;
    for row in &friends {
        snapshot.set_friend(row);
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

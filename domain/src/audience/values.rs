//! Friends' attribute values: checked against their attribute's type, stored one row per value
//! (one per chosen option), every change kept as history, and [`Condition`]s that select friends
//! by them (the friends list's filter, later segments).
//!
//! Ages are never stored: a birth date or month is, and an age condition becomes a range of
//! birth dates computed from the day the query runs, so a citizen who answered in 2026 is in the
//! right 年代 in 2029. Dates sort as text (`YYYY-MM-DD`, `YYYY-MM`), so the range is an index
//! range.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, Months, NaiveDate};
use model::status::{AttributeKind, ValueSource};
use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition as Where, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::attributes::{self, Attribute, MULTI_SEPARATOR};
use crate::db::bulk::rows_per_statement;
use crate::entities::{friend, friend_attribute_history, friend_attribute_value};
use crate::security::audit::{self, Actor};
use crate::{DateTime, DomainError, DomainResult};

pub use model::attribute::TEXT_MAX_CHARS;
/// Ids per `IN (...)` list.
const IDS_PER_STATEMENT: usize = rows_per_statement(12);
/// Rows per INSERT: value rows carry about 80 bytes of parameters, history rows about 150.
const VALUES_PER_STATEMENT: usize = rows_per_statement(80);
const HISTORY_PER_STATEMENT: usize = rows_per_statement(150);

/// A value, checked against its attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Chosen option ids, in the attribute's order (one for single choice).
    Options(Vec<i64>),
    Text(String),
    /// The number and how it is written (`12.5`, `-3`).
    Number(f64, String),
    Date(NaiveDate),
    /// A birth year and month.
    Month(i32, u32),
}

impl Value {
    /// How staff read it, and how CSV files write it: option labels joined with `|`,
    /// `YYYY-MM-DD`, `YYYY-MM`.
    pub fn display(&self, attribute: &Attribute) -> String {
        match self {
            Value::Options(ids) => ids
                .iter()
                .filter_map(|id| attribute.option(*id))
                .map(|o| o.label.as_str())
                .collect::<Vec<_>>()
                .join(&MULTI_SEPARATOR.to_string()),
            Value::Text(text) => text.clone(),
            Value::Number(_, written) => written.clone(),
            Value::Date(day) => day.format("%Y-%m-%d").to_string(),
            Value::Month(year, month) => format!("{year:04}-{month:02}"),
        }
    }

    /// The rows that store it: (option id, value, number).
    fn rows(&self) -> Vec<(Option<i64>, Option<String>, Option<f64>)> {
        match self {
            Value::Options(ids) => ids.iter().map(|id| (Some(*id), None, None)).collect(),
            Value::Text(text) => vec![(None, Some(text.clone()), None)],
            Value::Number(n, written) => vec![(None, Some(written.clone()), Some(*n))],
            Value::Date(day) => vec![(None, Some(day.format("%Y-%m-%d").to_string()), None)],
            Value::Month(year, month) => {
                vec![(None, Some(format!("{year:04}-{month:02}")), None)]
            }
        }
    }

    /// The age on `today` of someone born then (a birth month counts from its first day).
    pub fn age_on(&self, today: NaiveDate) -> Option<u32> {
        let born = match self {
            Value::Date(day) => *day,
            Value::Month(year, month) => NaiveDate::from_ymd_opt(*year, *month, 1)?,
            _ => return None,
        };
        today.years_since(born)
    }
}

/// 年代 as staff say it: 20代, 80代以上.
pub fn age_band(age: u32) -> String {
    match age {
        0..=9 => "10歳未満".into(),
        80.. => "80代以上".into(),
        _ => format!("{}代", age / 10 * 10),
    }
}

/// Half-width digits and signs for what Excel or an IME may give full-width.
fn narrow(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' | '－' | '．' | '／' | '＋' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            'ー' | '−' => '-',
            _ => c,
        })
        .collect()
}

/// A day written `2026-11-27` or `2026/11/27` (one-digit months and days too).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = narrow(text).replace('/', "-");
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// A month written `1980-04` or `1980/4`.
fn parse_month(text: &str) -> Option<(i32, u32)> {
    let text = narrow(text).replace('/', "-");
    let (y, m) = text.split_once('-')?;
    let (year, month): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    (y.len() == 4 && (1..=12).contains(&month)).then_some((year, month))
}

/// Checks `text` (a CSV cell, a form field) as a value of `attribute`: `Ok(None)` when empty
/// (the value is cleared), else the value or the Japanese reason it is refused. `held` are the
/// options the friend has now: a retired option may be kept, not newly chosen.
pub fn parse(
    attribute: &Attribute,
    text: &str,
    held: &[i64],
    today: NaiveDate,
) -> Result<Option<Value>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let value = match attribute.kind {
        AttributeKind::SingleChoice | AttributeKind::MultiChoice => {
            let mut ids = Vec::new();
            for label in text.split(MULTI_SEPARATOR).map(str::trim) {
                if label.is_empty() {
                    continue;
                }
                let option = attribute.option_by_label(label).ok_or_else(|| {
                    format!("「{label}」は{}の選択肢にありません", attribute.label)
                })?;
                ids.push(option.id);
            }
            return options(attribute, ids, held);
        }
        AttributeKind::Text => {
            // A line break inside an Excel cell may come as CRLF.
            let text = &text.replace("\r\n", "\n");
            if text.chars().count() > TEXT_MAX_CHARS
                || text.chars().any(|c| c.is_control() && c != '\n')
            {
                return Err(format!("{TEXT_MAX_CHARS}文字以内で入力してください"));
            }
            Value::Text(text.to_owned())
        }
        AttributeKind::Number => {
            let written = narrow(text).replace([',', '，'], "");
            let n: f64 = written
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite() && n.abs() < 1e15)
                .ok_or_else(|| format!("「{text}」は数値ではありません"))?;
            Value::Number(n, canonical_number(n))
        }
        AttributeKind::Date => {
            let day = parse_date(text)
                .filter(|d| (1900..=2100).contains(&d.year()))
                .ok_or_else(|| {
                    format!("「{text}」は日付ではありません（例: 2026-11-27 か 2026/11/27）")
                })?;
            Value::Date(day)
        }
        AttributeKind::BirthDate => {
            let day = parse_date(text).ok_or_else(|| {
                format!("「{text}」は日付ではありません（例: 1980-04-15 か 1980/4/15）")
            })?;
            if day.year() < 1900 || day > today {
                return Err(format!("「{text}」は生年月日としてありえない日付です"));
            }
            Value::Date(day)
        }
        AttributeKind::BirthMonth => {
            let (year, month) = parse_month(text).ok_or_else(|| {
                format!("「{text}」は年月ではありません（例: 1980-04 か 1980/4）")
            })?;
            let first = NaiveDate::from_ymd_opt(year, month, 1);
            if year < 1900 || first.is_none_or(|f| f > today) {
                return Err(format!("「{text}」は生年月としてありえない年月です"));
            }
            Value::Month(year, month)
        }
    };
    Ok(Some(value))
}

/// Chosen option ids checked: theirs, not retired unless held, one for single choice.
pub fn options(
    attribute: &Attribute,
    mut ids: Vec<i64>,
    held: &[i64],
) -> Result<Option<Value>, String> {
    ids.sort_by_key(|id| attribute.options.iter().position(|o| o.id == *id));
    ids.dedup();
    for id in &ids {
        let option = attribute
            .option(*id)
            .ok_or_else(|| format!("{}にない選択肢です", attribute.label))?;
        if option.retired && !held.contains(id) {
            return Err(format!("選択肢「{}」は使われなくなりました", option.label));
        }
    }
    if attribute.kind == AttributeKind::SingleChoice && ids.len() > 1 {
        return Err(format!("{}は1つだけ選んでください", attribute.label));
    }
    Ok((!ids.is_empty()).then_some(Value::Options(ids)))
}

/// `12.5`, `-3`, `1000`: the shortest form that reads back the same.
fn canonical_number(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        n.to_string()
    }
}

/// A friend's stored value of one attribute, with the ids of the rows that hold it (what a
/// change deletes).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Stored {
    pub value: Value,
    pub rows: Vec<i64>,
}

/// Per friend id, per attribute id.
pub(crate) type StoredValues = HashMap<i64, HashMap<i64, Stored>>;

/// One stored row: its id, option and text.
type Row = (i64, Option<i64>, String);

/// The value the rows of one friend and attribute hold.
fn value_of(attribute: &Attribute, rows: &[Row]) -> Option<Value> {
    if attribute.kind.is_choice() {
        let mut ids = rows.iter().filter_map(|r| r.1).collect::<Vec<_>>();
        ids.sort_by_key(|id| attribute.options.iter().position(|o| o.id == *id));
        return (!ids.is_empty()).then_some(Value::Options(ids));
    }
    let text = rows.first()?.2.clone();
    Some(match attribute.kind {
        AttributeKind::Number => Value::Number(text.parse().ok()?, text),
        AttributeKind::Date | AttributeKind::BirthDate => Value::Date(parse_date(&text)?),
        AttributeKind::BirthMonth => {
            let (y, m) = parse_month(&text)?;
            Value::Month(y, m)
        }
        _ => Value::Text(text),
    })
}

/// Separates the rows in [`packed_values`].
const ROW_SEPARATOR: char = '\u{1e}';

/// A column of `friend`: all of the friend's value rows packed by the database into one text,
/// `id:attribute:option:value` per row, rows separated by U+001E (values never hold control
/// characters but line breaks). One row per friend comes back instead of one per value, which
/// is most of the time of reading a million friends.
pub(crate) fn packed_values(backend: sea_orm::DatabaseBackend) -> Expr {
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "(SELECT string_agg(v.id || ':' || v.attribute_id || ':' || coalesce(v.option_id::text, '') \
             || ':' || coalesce(v.value, ''), chr(30)) FROM friend_attribute_value v \
             WHERE v.friend_id = \"friend\".\"id\")"
        }
        _ => {
            "(SELECT group_concat(v.id || ':' || v.attribute_id || ':' || ifnull(v.option_id, '') \
             || ':' || ifnull(v.value, ''), char(30)) FROM friend_attribute_value v \
             WHERE v.friend_id = \"friend\".\"id\")"
        }
    };
    Expr::cust(sql)
}

/// The values in a [`packed_values`] column, per attribute id (unknown attributes skipped).
pub(crate) fn unpack(
    attributes: &HashMap<i64, &Attribute>,
    packed: Option<&str>,
) -> HashMap<i64, Stored> {
    let mut rows: BTreeMap<i64, Vec<Row>> = BTreeMap::new();
    for row in packed.unwrap_or_default().split(ROW_SEPARATOR) {
        let mut parts = row.splitn(4, ':');
        let (Some(id), Some(attribute), Some(option), Some(value)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (Ok(id), Ok(attribute)) = (id.parse(), attribute.parse()) else {
            continue;
        };
        rows.entry(attribute)
            .or_default()
            .push((id, option.parse().ok(), value.to_owned()));
    }
    rows.into_iter()
        .filter_map(|(attribute_id, rows)| {
            let value = value_of(attributes.get(&attribute_id)?, &rows)?;
            let rows = rows.iter().map(|r| r.0).collect();
            Some((attribute_id, Stored { value, rows }))
        })
        .collect()
}

/// Stored values of `friend_ids`: per friend, per attribute id.
pub(crate) async fn load(
    db: &impl ConnectionTrait,
    attributes: &[Attribute],
    friend_ids: &[i64],
) -> DomainResult<StoredValues> {
    let by_id: HashMap<i64, &Attribute> = attributes.iter().map(|a| (a.id, a)).collect();
    let mut out = HashMap::new();
    for chunk in friend_ids.chunks(IDS_PER_STATEMENT) {
        let rows: Vec<(i64, Option<String>)> = friend::Entity::find()
            .select_only()
            .column(friend::Column::Id)
            .expr(packed_values(db.get_database_backend()))
            .filter(friend::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (friend_id, packed) in rows {
            out.insert(friend_id, unpack(&by_id, packed.as_deref()));
        }
    }
    Ok(out)
}

/// One change to write: `new` replaces `old` (stored in `old_rows`).
pub(crate) struct Change<'a> {
    pub friend_id: i64,
    pub attribute: &'a Attribute,
    pub old: Option<Value>,
    pub old_rows: Vec<i64>,
    pub new: Option<Value>,
}

impl<'a> Change<'a> {
    /// A change of `attribute` for a friend who has `stored` now.
    pub fn of(
        friend_id: i64,
        attribute: &'a Attribute,
        stored: Option<Stored>,
        new: Option<Value>,
    ) -> Self {
        let (old, old_rows) = stored.map_or((None, Vec::new()), |s| (Some(s.value), s.rows));
        Self {
            friend_id,
            attribute,
            old,
            old_rows,
            new,
        }
    }

    pub fn old_display(&self) -> String {
        self.old
            .as_ref()
            .map(|v| v.display(self.attribute))
            .unwrap_or_default()
    }

    pub fn new_display(&self) -> String {
        self.new
            .as_ref()
            .map(|v| v.display(self.attribute))
            .unwrap_or_default()
    }
}

/// Writes `changes` (each a real change) and their history, in batches, on the caller's
/// transaction.
pub(crate) async fn write(
    txn: &impl ConnectionTrait,
    changes: &[Change<'_>],
    source: ValueSource,
    username: &str,
    at: DateTime,
) -> DomainResult<()> {
    // A friend's segments may change with their values, and with them their rich menu.
    if !changes.is_empty() {
        crate::menus::links::request_reconcile(txn, None, at).await?;
    }
    // The rows read when the change was planned, by primary key: no index choice to get wrong.
    let old_rows: Vec<i64> = changes
        .iter()
        .flat_map(|c| c.old_rows.iter().copied())
        .collect();
    for chunk in old_rows.chunks(IDS_PER_STATEMENT) {
        friend_attribute_value::Entity::delete_many()
            .filter(friend_attribute_value::Column::Id.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    let rows: Vec<friend_attribute_value::ActiveModel> = changes
        .iter()
        .flat_map(|c| {
            let rows = c.new.as_ref().map(Value::rows).unwrap_or_default();
            rows.into_iter().map(move |(option_id, value, number)| {
                friend_attribute_value::ActiveModel {
                    friend_id: Set(c.friend_id),
                    attribute_id: Set(c.attribute.id),
                    option_id: Set(option_id),
                    value: Set(value),
                    number: Set(number),
                    source: Set(source),
                    updated_at: Set(at),
                    ..Default::default()
                }
            })
        })
        .collect();
    for chunk in rows.chunks(VALUES_PER_STATEMENT) {
        friend_attribute_value::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    let history: Vec<friend_attribute_history::ActiveModel> = changes
        .iter()
        .map(|c| friend_attribute_history::ActiveModel {
            friend_id: Set(c.friend_id),
            attribute_id: Set(c.attribute.id),
            attribute_label: Set(c.attribute.label.clone()),
            old_value: Set(c.old_display()),
            new_value: Set(c.new_display()),
            source: Set(source),
            username: Set(username.to_owned()),
            at: Set(at),
            ..Default::default()
        })
        .collect();
    for chunk in history.chunks(HISTORY_PER_STATEMENT) {
        friend_attribute_history::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// A friend's value of one attribute, as the friend page shows and edits it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FriendValue {
    pub attribute: Attribute,
    /// As staff read it; empty when unset.
    pub display: String,
    /// The chosen options (choice types).
    pub option_ids: Vec<i64>,
    /// The age and 年代 today (birth types).
    pub age: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub attribute_label: String,
    pub old_value: String,
    pub new_value: String,
    pub source: ValueSource,
    pub username: String,
    pub at: DateTime,
}

/// Most history entries the friend page shows.
pub const HISTORY_SHOWN: u64 = 200;

/// Every attribute with the friend's value, and the latest changes.
pub async fn of_friend(
    db: &DatabaseConnection,
    friend_id: i64,
    now: DateTime,
) -> DomainResult<(Vec<FriendValue>, Vec<HistoryEntry>)> {
    let today = crate::time::day_of(now);
    let attributes = attributes::list(db).await?;
    let mut values = load(db, &attributes, &[friend_id])
        .await?
        .remove(&friend_id)
        .unwrap_or_default();
    let shown = attributes
        .into_iter()
        .map(|attribute| {
            let value = values.remove(&attribute.id).map(|s| s.value);
            FriendValue {
                display: value
                    .as_ref()
                    .map(|v| v.display(&attribute))
                    .unwrap_or_default(),
                option_ids: match &value {
                    Some(Value::Options(ids)) => ids.clone(),
                    _ => Vec::new(),
                },
                age: value.as_ref().and_then(|v| v.age_on(today)),
                attribute,
            }
        })
        .collect();
    let history = friend_attribute_history::Entity::find()
        .filter(friend_attribute_history::Column::FriendId.eq(friend_id))
        // Newest first; the changes of one save in the form's order.
        .order_by_desc(friend_attribute_history::Column::At)
        .order_by_asc(friend_attribute_history::Column::Id)
        .limit(HISTORY_SHOWN)
        .all(db)
        .await?
        .into_iter()
        .map(|h| HistoryEntry {
            attribute_label: h.attribute_label,
            old_value: h.old_value,
            new_value: h.new_value,
            source: h.source,
            username: h.username,
            at: h.at,
        })
        .collect();
    Ok((shown, history))
}

/// The options a friend has now (a retired one among them may be kept).
pub(crate) fn held_options(stored: Option<&Stored>) -> Vec<i64> {
    match stored.map(|s| &s.value) {
        Some(Value::Options(ids)) => ids.clone(),
        _ => Vec::new(),
    }
}

/// What the friend page's form sends for one attribute: the chosen options (choice types) or
/// the text typed (every other type).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueInput {
    pub attribute_id: i64,
    pub option_ids: Vec<i64>,
    pub text: String,
}

/// Saves the values staff edited for one friend of `channel_id` (attributes not in `inputs`
/// stay as they are). Every field is checked first; one bad field saves nothing and its message
/// names the attribute. Changes are kept in the history and audited. Returns how many changed.
pub async fn set_for_friend(
    db: &DatabaseConnection,
    actor: &Actor,
    channel_id: i64,
    friend_id: i64,
    inputs: &[ValueInput],
    now: DateTime,
) -> DomainResult<usize> {
    let today = crate::time::day_of(now);
    let txn = crate::db::begin_write(db).await?;
    let friend = friend::Entity::find_by_id(friend_id)
        .filter(friend::Column::ChannelId.eq(channel_id))
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("この友だちは見つかりません。".into()))?;
    let attributes = attributes::list(&txn).await?;
    let mut current = load(&txn, &attributes, &[friend_id])
        .await?
        .remove(&friend_id)
        .unwrap_or_default();
    let mut changes = Vec::new();
    let mut problems = Vec::new();
    for input in inputs {
        let Some(attribute) = attributes.iter().find(|a| a.id == input.attribute_id) else {
            return Err(DomainError::Invalid("この属性は見つかりません。".into()));
        };
        let stored = current.remove(&attribute.id);
        let held = held_options(stored.as_ref());
        let new = if attribute.kind.is_choice() {
            options(attribute, input.option_ids.clone(), &held)
        } else {
            parse(attribute, &input.text, &held, today)
        };
        match new {
            Err(message) => problems.push(format!("{}: {message}。", attribute.label)),
            Ok(new) => {
                let change = Change::of(friend_id, attribute, stored, new);
                if change.old_display() != change.new_display() {
                    changes.push(change);
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(DomainError::Invalid(problems.join("\n")));
    }
    if changes.is_empty() {
        return Ok(0);
    }
    write(&txn, &changes, ValueSource::Staff, &actor.username, now).await?;
    audit::record(
        &txn,
        actor,
        "friend_attributes.update",
        "friend",
        Some(&friend_id.to_string()),
        json!({
            "line_user_id": friend.line_user_id,
            "changes": changes.iter().map(|c| json!({
                "attribute": c.attribute.key,
                "before": c.old_display(),
                "after": c.new_display(),
            })).collect::<Vec<_>>(),
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(changes.len())
}

/// A condition on friends' attributes. Conditions are combined with AND.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Condition {
    /// Has any of these options.
    HasOption {
        attribute_id: i64,
        option_ids: Vec<i64>,
    },
    /// Age today between `min` and `max` (inclusive; either open).
    AgeBetween {
        attribute_id: i64,
        min: Option<u32>,
        max: Option<u32>,
    },
    NumberBetween {
        attribute_id: i64,
        min: Option<f64>,
        max: Option<f64>,
    },
    DateBetween {
        attribute_id: i64,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    },
    Answered {
        attribute_id: i64,
    },
    NotAnswered {
        attribute_id: i64,
    },
}

impl Condition {
    /// A filter form's token: `o:3:12` (attribute 3 has option 12), `age:3:30-39`, `age:3:80-`, `any:3`, `none:3`.
    pub fn from_token(token: &str) -> Option<Self> {
        let mut parts = token.split(':');
        let kind = parts.next()?;
        let first: i64 = parts.next()?.parse().ok()?;
        let condition = match kind {
            "o" => Condition::HasOption {
                attribute_id: first,
                option_ids: vec![parts.next()?.parse().ok()?],
            },
            "any" => Condition::Answered {
                attribute_id: first,
            },
            "none" => Condition::NotAnswered {
                attribute_id: first,
            },
            "age" => {
                let (min, max) = parts.next()?.split_once('-')?;
                let bound = |s: &str| {
                    if s.is_empty() {
                        Ok(None)
                    } else {
                        s.parse().map(Some)
                    }
                };
                Condition::AgeBetween {
                    attribute_id: first,
                    min: bound(min).ok()?,
                    max: bound(max).ok()?,
                }
            }
            _ => return None,
        };
        parts.next().is_none().then_some(condition)
    }

    /// The friends matching it: `friend.id IN (...)` over the value indexes.
    fn matching(&self, today: NaiveDate) -> Expr {
        use friend_attribute_value::Column as V;
        let mut ids = Query::select();
        ids.column(V::FriendId).from(friend_attribute_value::Entity);
        let in_ids = |q: &sea_orm::sea_query::SelectStatement| {
            Expr::col((friend::Entity, friend::Column::Id)).in_subquery(q.clone())
        };
        match self {
            Condition::HasOption {
                attribute_id,
                option_ids,
            } => {
                ids.and_where(Expr::col(V::AttributeId).eq(*attribute_id));
                ids.and_where(Expr::col(V::OptionId).is_in(option_ids.clone()));
                in_ids(&ids)
            }
            Condition::AgeBetween {
                attribute_id,
                min,
                max,
            } => {
                ids.and_where(Expr::col(V::AttributeId).eq(*attribute_id));
                // Born on or before today − min years, and after today − (max+1) years. Bounds are
                // days; a stored month `YYYY-MM` sorts just before the days of that month, which
                // is exactly "born on its first day".
                if let Some(min) = min {
                    let latest = today
                        .checked_sub_months(Months::new(min * 12))
                        .unwrap_or(today);
                    ids.and_where(Expr::col(V::Value).lte(latest.format("%Y-%m-%d").to_string()));
                }
                if let Some(max) = max {
                    let earliest = today
                        .checked_sub_months(Months::new((max + 1) * 12))
                        .unwrap_or(NaiveDate::MIN);
                    ids.and_where(Expr::col(V::Value).gt(earliest.format("%Y-%m-%d").to_string()));
                }
                in_ids(&ids)
            }
            Condition::NumberBetween {
                attribute_id,
                min,
                max,
            } => {
                ids.and_where(Expr::col(V::AttributeId).eq(*attribute_id));
                if let Some(min) = min {
                    ids.and_where(Expr::col(V::Number).gte(*min));
                }
                if let Some(max) = max {
                    ids.and_where(Expr::col(V::Number).lte(*max));
                }
                in_ids(&ids)
            }
            Condition::DateBetween {
                attribute_id,
                from,
                to,
            } => {
                ids.and_where(Expr::col(V::AttributeId).eq(*attribute_id));
                if let Some(from) = from {
                    ids.and_where(Expr::col(V::Value).gte(from.format("%Y-%m-%d").to_string()));
                }
                if let Some(to) = to {
                    ids.and_where(Expr::col(V::Value).lte(to.format("%Y-%m-%d").to_string()));
                }
                in_ids(&ids)
            }
            Condition::Answered { attribute_id } => {
                ids.and_where(Expr::col(V::AttributeId).eq(*attribute_id));
                in_ids(&ids)
            }
            Condition::NotAnswered { attribute_id } => {
                ids.and_where(Expr::col(V::AttributeId).eq(*attribute_id));
                Expr::col((friend::Entity, friend::Column::Id)).not_in_subquery(ids)
            }
        }
    }
}

/// The friends (of any channel) matching every condition, as a filter on `friend`.
pub fn matching_all(conditions: &[Condition], now: DateTime) -> Where {
    let today = crate::time::day_of(now);
    conditions
        .iter()
        .fold(Where::all(), |w, c| w.add(c.matching(today)))
}

/// The choices of the friends list's attribute filter: per attribute, its tokens and labels
/// (options, 年代 bands, answered or not).
pub fn filter_choices(attributes: &[Attribute]) -> Vec<(String, Vec<(String, String)>)> {
    attributes
        .iter()
        .map(|a| {
            let mut choices: Vec<(String, String)> = a
                .options
                .iter()
                .map(|o| {
                    (
                        format!("o:{}:{}", a.id, o.id),
                        format!("{}: {}", a.label, o.label),
                    )
                })
                .collect();
            if a.kind.is_birth() {
                for band in (10..=70).step_by(10) {
                    choices.push((
                        format!("age:{}:{band}-{}", a.id, band + 9),
                        format!("{}: {band}代", a.label),
                    ));
                }
                choices.push((
                    format!("age:{}:80-", a.id),
                    format!("{}: 80代以上", a.label),
                ));
            }
            choices.push((format!("any:{}", a.id), format!("{}: 回答あり", a.label)));
            choices.push((format!("none:{}", a.id), format!("{}: 未回答", a.label)));
            (a.label.clone(), choices)
        })
        .collect()
}

/// A Japanese description of a token, for the filter's summary (unknown tokens: `None`).
pub fn describe_token(attributes: &[Attribute], token: &str) -> Option<String> {
    filter_choices(attributes)
        .into_iter()
        .flat_map(|(_, choices)| choices)
        .find(|(t, _)| t == token)
        .map(|(_, label)| label)
}

/// Parses the friends list's filter tokens, refusing unknown ones in Japanese.
pub fn conditions_of(tokens: &[String]) -> DomainResult<Vec<Condition>> {
    tokens
        .iter()
        .filter(|t| !t.is_empty())
        .map(|t| {
            Condition::from_token(t).ok_or_else(|| {
                DomainError::Invalid("属性の絞り込み条件が正しくありません。".into())
            })
        })
        .collect()
}

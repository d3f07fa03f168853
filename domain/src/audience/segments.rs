//! Saved segments (セグメント) and the audience of a delivery.
//!
//! A segment is a named tree of conditions ([`model::segment::Rule`]) owned by a department:
//! lists show only the caller's departments' segments, and another department's segment is "not
//! found" (as for 定型文, `crate::messaging::templates`). Every save is checked against the
//! attributes as they are ([`check_rule`]: Japanese messages naming the condition), raises the
//! segment's version (a save based on an older version is refused, not lost silently) and is
//! audited. A segment that an editable delivery (下書き, 予約済み, 取消) targets or excludes
//! cannot be deleted.
//!
//! [`selection`] turns a delivery's [`Target`] into a [`Selection`] (saved segments resolved to
//! their rules) that the audience index (`super::index::AudienceIndex`) counts, samples and
//! resolves without further I/O.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use model::access::Scope;
use model::delivery::Target;
use model::segment::{
    ChoiceMatch, Condition, DayRange, Group, Join, MAX_CONDITIONS, MAX_DEPTH, NAME_MAX_CHARS, Rule,
    TEXT_MAX_CHARS, TextMatch,
};
use model::status::{AttributeKind, DeliveryStatus};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder,
};

use super::attributes::{self, Attribute};
use super::friends::FriendView;
use super::index::AudienceIndex;
use crate::entities::{delivery, friend, segment};
use crate::security::audit::{self, Actor};
use crate::staff::scope::{ScopeCondition, check_owner, department_names};
use crate::{DateTime, DomainError, DomainResult};

/// A segment's description, in characters.
pub const DESCRIPTION_MAX_CHARS: usize = 500;
/// The longest a day range may reach back, in days (100 years).
pub const MAX_DAYS: u32 = 36_500;
/// The oldest age a condition may name.
pub const MAX_AGE: u32 = 150;

/// LINE's language settings staff pick from (`friend.language`, as LINE's profile gives it),
/// with their Japanese names; `""` is a friend whose language LINE did not tell. Other codes
/// may still be used (they match nobody until a friend has them).
pub const LINE_LANGUAGES: &[(&str, &str)] = &[
    ("ja", "日本語"),
    ("en", "英語"),
    ("ko", "韓国語"),
    ("zh-Hans", "中国語（簡体字）"),
    ("zh-Hant", "中国語（繁体字）"),
    ("th", "タイ語"),
    ("id", "インドネシア語"),
    ("vi", "ベトナム語"),
    ("es", "スペイン語"),
    ("pt", "ポルトガル語"),
    ("fr", "フランス語"),
    ("de", "ドイツ語"),
    ("", "不明（LINEから取得できない）"),
];

/// The Japanese name of a LINE language code (the code itself when unknown).
pub fn language_name(code: &str) -> String {
    LINE_LANGUAGES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map_or_else(|| code.to_owned(), |(_, name)| (*name).to_owned())
}

/// The audience of a delivery with its saved segments resolved to their rules: every following
/// friend (`all_friends`) or those matching any of `include`, minus those matching any of
/// `exclude`. Counting it needs no further I/O than the index's catch-up.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selection {
    pub all_friends: bool,
    pub include: Vec<Rule>,
    pub exclude: Vec<Rule>,
}

/// Resolves `target`'s saved segments to their rules, each checked against the attributes as
/// they are now (a segment whose attribute was deleted since is refused, not sent to a
/// different audience). Unknown segments are refused in Japanese. No department scope: the
/// delivery that names them was checked when it was saved.
pub async fn selection(db: &impl ConnectionTrait, target: &Target) -> DomainResult<Selection> {
    let ids: Vec<i64> = target
        .segment_ids
        .iter()
        .chain(&target.exclude_segment_ids)
        .copied()
        .collect();
    let rows: HashMap<i64, segment::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        segment::Entity::find()
            .filter(segment::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect()
    };
    let attributes = attributes::list(db).await?;
    let resolve = |id: &i64| -> DomainResult<Rule> {
        let row = rows.get(id).ok_or_else(|| {
            DomainError::Invalid(format!(
                "配信の対象のセグメント（ID {id}）が見つかりません。削除された可能性があります。対象を選び直してください。"
            ))
        })?;
        let rule = rule_of(row)?;
        check_rule(&rule, &attributes).map_err(|e| {
            DomainError::Invalid(format!(
                "セグメント「{}」の条件を直してください。\n{e}",
                row.name
            ))
        })?;
        Ok(rule)
    };
    let mut include = Vec::new();
    if !target.all_friends {
        for id in &target.segment_ids {
            include.push(resolve(id)?);
        }
        if let Some(rule) = &target.rule {
            check_rule(rule, &attributes)?;
            include.push(rule.clone());
        }
    }
    let exclude = target
        .exclude_segment_ids
        .iter()
        .map(resolve)
        .collect::<DomainResult<Vec<_>>>()?;
    Ok(Selection {
        all_friends: target.all_friends,
        include,
        exclude,
    })
}

/// A target's audience on a channel at one moment: how many, and the newest few of them.
#[derive(Clone, Debug, PartialEq)]
pub struct Audience {
    pub count: u64,
    /// Up to the sample size asked for, newest friends first.
    pub sample: Vec<FriendView>,
}

/// Counts `target`'s audience on `channel_id` at `now` with the index, and reads the newest
/// `sample` of its friends (what the segment editor and the delivery page show as staff edit).
/// A target naming nobody, or with a rule that does not check, is refused in Japanese.
pub async fn audience(
    db: &DatabaseConnection,
    index: &AudienceIndex,
    channel_id: i64,
    target: &Target,
    now: DateTime,
    sample: usize,
) -> DomainResult<Audience> {
    if target.is_empty() {
        return Err(DomainError::Invalid(
            "「すべての友だち」を選ぶか、セグメントまたは条件を指定してください。".into(),
        ));
    }
    let selection = selection(db, target).await?;
    let (count, ids) = index
        .count_and_sample(db, channel_id, &selection, now, sample)
        .await?;
    let mut rows: HashMap<i64, friend::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        friend::Entity::find()
            .filter(friend::Column::Id.is_in(ids.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|f| (f.id, f))
            .collect()
    };
    Ok(Audience {
        count,
        sample: ids
            .iter()
            .filter_map(|id| rows.remove(id))
            .map(FriendView::from)
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Checking a rule

/// Checks a tree against the attributes as they are: ids name existing attributes and options,
/// each condition fits its attribute's type, values make sense, groups are not empty, nesting
/// and size stay within [`MAX_DEPTH`] and [`MAX_CONDITIONS`]. Every problem is reported, one
/// Japanese line each, naming the condition by its number (in reading order) and attribute.
pub fn check_rule(rule: &Rule, attributes: &[Attribute]) -> DomainResult<()> {
    let mut problems = Vec::new();
    let count = rule.condition_count();
    if count == 0 {
        problems.push("条件を1つ以上追加してください。".to_owned());
    }
    if count > MAX_CONDITIONS {
        problems.push(format!(
            "条件は{MAX_CONDITIONS}個までです（いま{count}個）。"
        ));
    }
    if rule.depth() > MAX_DEPTH {
        problems.push(format!(
            "グループの入れ子は{MAX_DEPTH}段までです。グループを減らしてください。"
        ));
    }
    let by_id: HashMap<i64, &Attribute> = attributes.iter().map(|a| (a.id, a)).collect();
    let mut checker = Checker {
        attributes: &by_id,
        number: 0,
        problems: &mut problems,
    };
    checker.rule(rule, true);
    if problems.is_empty() {
        Ok(())
    } else {
        problems.dedup();
        Err(DomainError::Invalid(problems.join("\n")))
    }
}

struct Checker<'a> {
    attributes: &'a HashMap<i64, &'a Attribute>,
    /// The number of the condition being checked (1-based, reading order).
    number: usize,
    problems: &'a mut Vec<String>,
}

impl<'a> Checker<'a> {
    fn rule(&mut self, rule: &Rule, root: bool) {
        match rule {
            Rule::Group(group) => {
                // An empty outermost group is "no conditions", said once above.
                if group.rules.is_empty() && !root {
                    self.problems.push(
                        "空のグループがあります。条件を追加するか、グループを削除してください。"
                            .into(),
                    );
                }
                for rule in &group.rules {
                    self.rule(rule, false);
                }
            }
            Rule::Condition(condition) => {
                self.number += 1;
                self.condition(condition);
            }
        }
    }

    fn problem(&mut self, what: Option<&Attribute>, message: impl AsRef<str>) {
        let name = what.map_or_else(String::new, |a| format!("（{}）", a.label));
        self.problems
            .push(format!("条件{}{name}：{}", self.number, message.as_ref()));
    }

    /// The attribute of a condition, if it exists and its type is one of `kinds`.
    fn attribute(&mut self, id: i64, kinds: &[AttributeKind], what: &str) -> Option<&'a Attribute> {
        let attributes = self.attributes;
        let Some(attribute) = attributes.get(&id).copied() else {
            self.problem(
                None,
                format!("属性（ID {id}）が見つかりません。削除された可能性があります。条件を選び直してください。"),
            );
            return None;
        };
        if !kinds.is_empty() && !kinds.contains(&attribute.kind) {
            self.problem(
                Some(attribute),
                format!(
                    "{}の属性には{what}の条件は使えません。",
                    attribute.kind.label_ja()
                ),
            );
            return None;
        }
        Some(attribute)
    }

    fn condition(&mut self, condition: &Condition) {
        use AttributeKind as K;
        match condition {
            Condition::Choice {
                attribute_id,
                matching,
                option_ids,
            } => {
                let Some(attribute) =
                    self.attribute(*attribute_id, &[K::SingleChoice, K::MultiChoice], "選択肢")
                else {
                    return;
                };
                if option_ids.is_empty() {
                    self.problem(Some(attribute), "選択肢を1つ以上選んでください。");
                }
                for id in option_ids {
                    if attribute.option(*id).is_none() {
                        self.problem(
                            Some(attribute),
                            format!(
                                "選択肢（ID {id}）は{}にありません。選び直してください。",
                                attribute.label
                            ),
                        );
                    }
                }
                if attribute.kind == K::SingleChoice
                    && *matching == ChoiceMatch::AllOf
                    && option_ids.len() > 1
                {
                    self.problem(
                        Some(attribute),
                        "単一選択の属性で「すべてを含む」に2つ以上の選択肢を選ぶと、当てはまる人はいません。「いずれかを含む」にしてください。",
                    );
                }
            }
            Condition::Text {
                attribute_id,
                matching,
                value,
            } => {
                let Some(attribute) = self.attribute(*attribute_id, &[K::Text], "テキスト")
                else {
                    return;
                };
                if *matching != TextMatch::Empty {
                    if value.trim().is_empty() {
                        self.problem(Some(attribute), "比べる文字を入力してください。");
                    } else if value.chars().count() > TEXT_MAX_CHARS
                        || value.chars().any(char::is_control)
                    {
                        self.problem(
                            Some(attribute),
                            format!("比べる文字は改行を含めず{TEXT_MAX_CHARS}文字以内で入力してください。"),
                        );
                    }
                }
            }
            Condition::Number {
                attribute_id,
                min,
                max,
            } => {
                let Some(attribute) = self.attribute(*attribute_id, &[K::Number], "数値") else {
                    return;
                };
                if min.is_none() && max.is_none() {
                    self.problem(
                        Some(attribute),
                        "下限か上限の少なくとも一方を入力してください。",
                    );
                } else if min.is_some_and(|n| !n.is_finite()) || max.is_some_and(|n| !n.is_finite())
                {
                    self.problem(Some(attribute), "数値を入力してください。");
                } else if let (Some(min), Some(max)) = (min, max)
                    && min > max
                {
                    self.problem(Some(attribute), "下限は上限以下にしてください。");
                }
            }
            Condition::Date {
                attribute_id,
                range,
            } => {
                let Some(attribute) = self.attribute(
                    *attribute_id,
                    &[K::Date, K::BirthDate, K::BirthMonth],
                    "日付",
                ) else {
                    return;
                };
                if let Err(message) = check_range(range) {
                    self.problem(Some(attribute), message);
                }
            }
            Condition::Age {
                attribute_id,
                min,
                max,
            } => {
                let Some(attribute) =
                    self.attribute(*attribute_id, &[K::BirthDate, K::BirthMonth], "年齢")
                else {
                    return;
                };
                if min.is_none() && max.is_none() {
                    self.problem(
                        Some(attribute),
                        "下限か上限の少なくとも一方の年齢を入力してください。",
                    );
                } else if min.is_some_and(|a| a > MAX_AGE) || max.is_some_and(|a| a > MAX_AGE) {
                    self.problem(
                        Some(attribute),
                        format!("年齢は0〜{MAX_AGE}歳で入力してください。"),
                    );
                } else if let (Some(min), Some(max)) = (min, max)
                    && min > max
                {
                    self.problem(Some(attribute), "下限の年齢は上限以下にしてください。");
                }
            }
            Condition::Answered { attribute_id, .. } => {
                self.attribute(*attribute_id, &[], "");
            }
            Condition::Language { languages } => {
                if languages.is_empty() {
                    self.problem(None, "LINEの言語を1つ以上選んでください。");
                }
                if languages.iter().any(|l| {
                    l.chars().count() > 20
                        || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                }) {
                    self.problem(
                        None,
                        "LINEの言語コードが正しくありません（例: ja, en, zh-Hant）。",
                    );
                }
            }
            Condition::Followed { range } => {
                if let Err(message) = check_range(range) {
                    self.problem(None, format!("友だち追加日：{message}"));
                }
            }
            Condition::Clicked {
                delivery_id, link, ..
            } => {
                if *delivery_id <= 0 {
                    self.problem(None, "リンクのクリック：配信を選んでください。");
                }
                if link.is_some_and(|n| n == 0 || n as usize > crate::delivery::links::MAX_LINKS) {
                    self.problem(None, "リンクのクリック：リンクを選び直してください。");
                }
            }
        }
    }
}

/// A day written `YYYY-MM-DD`.
fn day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

fn check_range(range: &DayRange) -> Result<(), String> {
    match range {
        DayRange::Between { from, to } => {
            let parse = |text: &Option<String>, what: &str| -> Result<Option<NaiveDate>, String> {
                match text.as_deref().map(str::trim) {
                    None | Some("") => Ok(None),
                    Some(text) => day(text).map(Some).ok_or_else(|| {
                        format!("{what}「{text}」は日付ではありません（例: 2026-04-01）。")
                    }),
                }
            };
            let (from, to) = (parse(from, "開始日")?, parse(to, "終了日")?);
            match (from, to) {
                (None, None) => Err("開始日か終了日の少なくとも一方を入力してください。".into()),
                (Some(from), Some(to)) if from > to => {
                    Err("終了日は開始日以降の日付にしてください。".into())
                }
                _ => Ok(()),
            }
        }
        DayRange::WithinLastDays { days } | DayRange::BeforeLastDays { days } => {
            if (1..=MAX_DAYS).contains(days) {
                Ok(())
            } else {
                Err(format!("日数は1〜{MAX_DAYS}日で入力してください。"))
            }
        }
    }
}

/// The days a range covers on `today`, as days from the common era (inclusive; open ends are
/// `i32::MIN + 1` and `i32::MAX`). A malformed absolute day counts as open (checked rules never
/// have one).
pub(crate) fn day_bounds(range: &DayRange, today: NaiveDate) -> (i32, i32) {
    use chrono::Datelike as _;
    let days = |d: NaiveDate| d.num_days_from_ce();
    match range {
        DayRange::Between { from, to } => (
            from.as_deref().and_then(day).map_or(i32::MIN + 1, days),
            to.as_deref().and_then(day).map_or(i32::MAX, days),
        ),
        DayRange::WithinLastDays { days: n } => {
            let today = days(today);
            (
                today - i32::try_from(*n).unwrap_or(i32::MAX / 2).saturating_sub(1),
                today,
            )
        }
        DayRange::BeforeLastDays { days: n } => (
            i32::MIN + 1,
            days(today) - i32::try_from(*n).unwrap_or(i32::MAX / 2),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Describing a rule

/// A rule as staff read it in lists and confirmations: 「お住まいの地区：那加（いずれかを含む）
/// かつ 受け取りたい情報：子育て・教育（いずれかを含む）」.
/// `deliveries`: the titles of the deliveries that click conditions name
/// ([`delivery_titles`]).
pub fn describe(
    rule: &Rule,
    attributes: &[Attribute],
    deliveries: &HashMap<i64, String>,
) -> String {
    let by_id: HashMap<i64, &Attribute> = attributes.iter().map(|a| (a.id, a)).collect();
    let names = Names {
        attributes: by_id,
        deliveries,
    };
    let text = describe_rule(rule, &names, true);
    if text.is_empty() {
        "（条件なし）".into()
    } else {
        text
    }
}

/// What a description names: attributes and deliveries by id.
struct Names<'a> {
    attributes: HashMap<i64, &'a Attribute>,
    deliveries: &'a HashMap<i64, String>,
}

/// The titles of the deliveries that the click conditions of `rules` name (for [`describe`]).
pub async fn delivery_titles<'a>(
    db: &impl ConnectionTrait,
    rules: impl IntoIterator<Item = &'a Rule>,
) -> DomainResult<HashMap<i64, String>> {
    let wanted: Vec<i64> = rules
        .into_iter()
        .flat_map(Rule::click_conditions)
        .map(|(d, _)| d)
        .collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(delivery::Entity::find()
        .filter(delivery::Column::Id.is_in(wanted))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.title))
        .collect())
}

fn describe_rule(rule: &Rule, names: &Names<'_>, root: bool) -> String {
    match rule {
        Rule::Condition(c) => describe_condition(c, names),
        Rule::Group(Group {
            join,
            negate,
            rules,
        }) => {
            let joiner = match join {
                Join::All => " かつ ",
                Join::Any => " または ",
            };
            let inner = rules
                .iter()
                .map(|r| describe_rule(r, names, false))
                .collect::<Vec<_>>()
                .join(joiner);
            if *negate {
                format!("次に当てはまらない人（{inner}）")
            } else if root || rules.len() == 1 {
                inner
            } else {
                format!("（{inner}）")
            }
        }
    }
}

fn describe_condition(c: &Condition, names: &Names<'_>) -> String {
    let attributes = &names.attributes;
    let label = |id: &i64| {
        attributes
            .get(id)
            .map_or_else(|| "（削除された属性）".to_owned(), |a| a.label.clone())
    };
    match c {
        Condition::Choice {
            attribute_id,
            matching,
            option_ids,
        } => {
            let options = option_ids
                .iter()
                .map(|id| {
                    attributes
                        .get(attribute_id)
                        .and_then(|a| a.option(*id))
                        .map_or_else(|| "（削除された選択肢）".to_owned(), |o| o.label.clone())
                })
                .collect::<Vec<_>>()
                .join("・");
            format!(
                "{}：{options}（{}）",
                label(attribute_id),
                matching.label_ja()
            )
        }
        Condition::Text {
            attribute_id,
            matching,
            value,
        } => match matching {
            TextMatch::Empty => format!("{}：未入力", label(attribute_id)),
            m => format!("{}：「{value}」{}", label(attribute_id), m.label_ja()),
        },
        Condition::Number {
            attribute_id,
            min,
            max,
        } => {
            let n = |v: f64| {
                if v.fract() == 0.0 {
                    format!("{v:.0}")
                } else {
                    v.to_string()
                }
            };
            let range = match (min, max) {
                (Some(a), Some(b)) => format!("{}以上{}以下", n(*a), n(*b)),
                (Some(a), None) => format!("{}以上", n(*a)),
                (None, Some(b)) => format!("{}以下", n(*b)),
                (None, None) => "値あり".into(),
            };
            format!("{}：{range}", label(attribute_id))
        }
        Condition::Date {
            attribute_id,
            range,
        } => format!("{}：{}", label(attribute_id), describe_range(range)),
        Condition::Age {
            attribute_id,
            min,
            max,
        } => format!("{}：{}", label(attribute_id), describe_age(*min, *max)),
        Condition::Answered {
            attribute_id,
            answered,
        } => format!(
            "{}：{}",
            label(attribute_id),
            if *answered {
                "回答あり"
            } else {
                "未回答"
            }
        ),
        Condition::Language { languages } => format!(
            "LINEの言語：{}",
            languages
                .iter()
                .map(|l| language_name(l))
                .collect::<Vec<_>>()
                .join("・")
        ),
        Condition::Followed { range } => format!("友だち追加日：{}", describe_range(range)),
        Condition::Clicked {
            delivery_id,
            link,
            clicked,
        } => {
            let title = names
                .deliveries
                .get(delivery_id)
                .map_or_else(|| "（削除された配信）".to_owned(), |t| format!("「{t}」"));
            let link = link.map_or_else(|| "いずれかのリンク".to_owned(), |n| format!("リンク{n}"));
            if *clicked {
                format!("配信{title}の{link}をクリックした")
            } else {
                format!("配信{title}を受け取り、{link}をクリックしていない")
            }
        }
    }
}

/// 「30代」, 「30〜45歳」, 「65歳以上」.
pub fn describe_age(min: Option<u32>, max: Option<u32>) -> String {
    match (min, max) {
        (Some(a), Some(b)) if a % 10 == 0 && b == a + 9 && a >= 10 => format!("{a}代"),
        (Some(a), Some(b)) if a == b => format!("{a}歳"),
        (Some(a), Some(b)) => format!("{a}〜{b}歳"),
        (Some(a), None) => format!("{a}歳以上"),
        (None, Some(b)) => format!("{b}歳以下"),
        (None, None) => "年齢の指定なし".into(),
    }
}

/// 「2026-04-01〜2026-06-30」, 「過去30日以内」, 「30日より前」.
pub fn describe_range(range: &DayRange) -> String {
    match range {
        DayRange::Between { from, to } => {
            let (from, to) = (
                from.as_deref().unwrap_or("").trim(),
                to.as_deref().unwrap_or("").trim(),
            );
            match (from.is_empty(), to.is_empty()) {
                (false, false) => format!("{from}〜{to}"),
                (false, true) => format!("{from}以降"),
                (true, false) => format!("{to}以前"),
                (true, true) => "期間の指定なし".into(),
            }
        }
        DayRange::WithinLastDays { days } => format!("過去{days}日以内（今日を含む）"),
        DayRange::BeforeLastDays { days } => format!("{days}日より前"),
    }
}

// ---------------------------------------------------------------------------------------------
// Saved segments

#[derive(Clone, Debug, PartialEq)]
pub struct SegmentView {
    pub id: i64,
    pub department_id: i64,
    pub department_name: String,
    pub name: String,
    pub description: String,
    pub rule: Rule,
    pub version: i32,
    pub updated_at: DateTime,
    /// Username of whoever saved it last.
    pub updated_by: String,
}

/// What staff fill in.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentInput {
    pub department_id: i64,
    pub name: String,
    pub description: String,
    pub rule: Rule,
}

/// The segments in `scope`, by name.
pub async fn list(db: &DatabaseConnection, scope: &Scope) -> DomainResult<Vec<SegmentView>> {
    let rows = segment::Entity::find()
        .filter(scope.condition(segment::Column::DepartmentId))
        .order_by_asc(segment::Column::Name)
        .order_by_asc(segment::Column::Id)
        .all(db)
        .await?;
    let names = department_names(db).await?;
    rows.into_iter().map(|m| view_of(m, &names)).collect()
}

/// One segment, if it exists and is in `scope`; otherwise "not found".
pub async fn get(db: &DatabaseConnection, scope: &Scope, id: i64) -> DomainResult<SegmentView> {
    let row = find_in_scope(db, scope, id).await?;
    view_of(row, &department_names(db).await?)
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    input: SegmentInput,
) -> DomainResult<SegmentView> {
    let (name, description, rule_json) = checked(db, scope, &input).await?;
    check_owner(db, scope, input.department_id).await?;
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let row = segment::ActiveModel {
        department_id: Set(input.department_id),
        name: Set(name),
        description: Set(description),
        rule: Set(rule_json),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        updated_by: Set(actor.username.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let view = view_of(row, &department_names(&txn).await?)?;
    record(&txn, actor, "segment.create", &view).await?;
    txn.commit().await?;
    Ok(view)
}

/// Replaces a segment in `scope`, if nobody saved it since `expected_version` (otherwise
/// [`DomainError::Conflict`], and nothing changes). Moving it to another department needs that
/// department to be in `scope` too.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    expected_version: i32,
    input: SegmentInput,
) -> DomainResult<SegmentView> {
    let (name, description, rule_json) = checked(db, scope, &input).await?;
    check_owner(db, scope, input.department_id).await?;
    let txn = crate::db::begin_write(db).await?;
    // One statement that checks the version and writes: two saves of the same version cannot
    // both succeed.
    let result = segment::Entity::update_many()
        .col_expr(
            segment::Column::DepartmentId,
            Expr::value(input.department_id),
        )
        .col_expr(segment::Column::Name, Expr::value(name))
        .col_expr(segment::Column::Description, Expr::value(description))
        .col_expr(segment::Column::Rule, Expr::value(rule_json))
        .col_expr(
            segment::Column::Version,
            Expr::col(segment::Column::Version).add(1),
        )
        .col_expr(segment::Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(
            segment::Column::UpdatedBy,
            Expr::value(actor.username.clone()),
        )
        .filter(segment::Column::Id.eq(id))
        .filter(segment::Column::Version.eq(expected_version))
        .filter(scope.condition(segment::Column::DepartmentId))
        .exec(&txn)
        .await?;
    if result.rows_affected == 0 {
        // Either not there (or not ours), or saved by someone else since.
        find_in_scope(&txn, scope, id).await?;
        return Err(stale());
    }
    let row = find_in_scope(&txn, scope, id).await?;
    let view = view_of(row, &department_names(&txn).await?)?;
    record(&txn, actor, "segment.update", &view).await?;
    txn.commit().await?;
    Ok(view)
}

/// Deletes a segment in `scope`, unless a delivery that may still be sent (下書き, 予約済み, 取消)
/// targets or excludes it.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
) -> DomainResult<()> {
    let txn = crate::db::begin_write(db).await?;
    let row = find_in_scope(&txn, scope, id).await?;
    let users = deliveries_using(&txn, id).await?;
    if !users.is_empty() {
        let shown = users
            .iter()
            .take(3)
            .map(|t| format!("「{t}」"))
            .collect::<Vec<_>>()
            .join("、");
        let more = if users.len() > 3 {
            format!("ほか{}件", users.len() - 3)
        } else {
            String::new()
        };
        return Err(DomainError::Invalid(format!(
            "このセグメントは配信{shown}{more}の対象または除外に使われているため、削除できません。先に配信の対象からこのセグメントを外してください。"
        )));
    }
    let view = view_of(row, &department_names(&txn).await?)?;
    segment::Entity::delete_by_id(id).exec(&txn).await?;
    record(&txn, actor, "segment.delete", &view).await?;
    txn.commit().await?;
    Ok(())
}

/// Titles of the deliveries that may still be sent and name segment `id` in their target.
async fn deliveries_using(db: &impl ConnectionTrait, id: i64) -> DomainResult<Vec<String>> {
    let rows = delivery::Entity::find()
        .filter(delivery::Column::Status.is_in([
            DeliveryStatus::Draft,
            DeliveryStatus::Scheduled,
            DeliveryStatus::Cancelled,
        ]))
        .order_by_asc(delivery::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|d| {
            // An unreadable target is the engine's to report; it cannot name this segment.
            serde_json::from_str::<Target>(&d.target)
                .is_ok_and(|t| t.segment_ids.contains(&id) || t.exclude_segment_ids.contains(&id))
        })
        .map(|d| d.title)
        .collect())
}

fn stale() -> DomainError {
    DomainError::Conflict(
        "ほかの職員が先にこのセグメントを保存しました。ページを読み込み直してから、もう一度変更してください。"
            .into(),
    )
}

fn not_found() -> DomainError {
    DomainError::NotFound("指定されたセグメントはありません。".into())
}

async fn find_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> DomainResult<segment::Model> {
    segment::Entity::find_by_id(id)
        .filter(scope.condition(segment::Column::DepartmentId))
        .one(db)
        .await?
        .ok_or_else(not_found)
}

/// A rule's click conditions must name deliveries the caller may see (their departments):
/// who clicked another department's delivery is not theirs to count.
pub async fn check_click_deliveries(
    db: &impl ConnectionTrait,
    scope: &Scope,
    rule: &Rule,
) -> DomainResult<()> {
    let wanted: Vec<i64> = rule
        .click_conditions()
        .into_iter()
        .map(|(d, _)| d)
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let visible: std::collections::HashSet<i64> = delivery::Entity::find()
        .filter(delivery::Column::Id.is_in(wanted.iter().copied()))
        .filter(scope.condition(delivery::Column::DepartmentId))
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect();
    if wanted.iter().any(|id| !visible.contains(id)) {
        return Err(DomainError::Invalid(
            "リンクのクリックの条件の配信が見つかりません。削除されたか、担当外の部署の配信です。配信を選び直してください。".into(),
        ));
    }
    Ok(())
}

/// The input checked: name, description and the rule's JSON.
async fn checked(
    db: &DatabaseConnection,
    scope: &Scope,
    input: &SegmentInput,
) -> DomainResult<(String, String, String)> {
    let mut problems = Vec::new();
    let name = input.name.trim();
    let len = name.chars().count();
    if len == 0 || len > NAME_MAX_CHARS || name.chars().any(char::is_control) {
        problems.push(format!(
            "セグメント名は1〜{NAME_MAX_CHARS}文字で、改行を含めずに入力してください。"
        ));
    }
    let description = input.description.trim().replace("\r\n", "\n");
    if description.chars().count() > DESCRIPTION_MAX_CHARS
        || description.chars().any(|c| c.is_control() && c != '\n')
    {
        problems.push(format!(
            "説明は{DESCRIPTION_MAX_CHARS}文字以内で入力してください。"
        ));
    }
    let attributes = attributes::list(db).await?;
    if let Err(e) = check_rule(&input.rule, &attributes) {
        problems.push(e.to_string());
    }
    if let Err(e) = check_click_deliveries(db, scope, &input.rule).await {
        problems.push(e.to_string());
    }
    if !problems.is_empty() {
        return Err(DomainError::Invalid(problems.join("\n")));
    }
    let json = serde_json::to_string(&input.rule)
        .map_err(|e| DomainError::Internal(format!("segment rule: {e}")))?;
    Ok((name.to_owned(), description, json))
}

async fn record(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    action: &str,
    s: &SegmentView,
) -> DomainResult<()> {
    let id = s.id.to_string();
    let summary = serde_json::json!({
        "name": s.name,
        "department_id": s.department_id,
        "version": s.version,
        "rule": s.rule,
    });
    audit::record(txn, actor, action, "segment", Some(&id), summary).await
}

fn rule_of(m: &segment::Model) -> DomainResult<Rule> {
    // Stored by `create`/`update` after checking; unreadable JSON means the row was changed
    // outside the application.
    serde_json::from_str(&m.rule)
        .map_err(|e| DomainError::Internal(format!("segment {} has an unreadable rule: {e}", m.id)))
}

fn view_of(m: segment::Model, names: &HashMap<i64, String>) -> DomainResult<SegmentView> {
    let rule = rule_of(&m)?;
    Ok(SegmentView {
        department_name: names.get(&m.department_id).cloned().unwrap_or_default(),
        id: m.id,
        department_id: m.department_id,
        name: m.name,
        description: m.description,
        rule,
        version: m.version,
        updated_at: m.updated_at,
        updated_by: m.updated_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_the_days_they_say() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default();
        let d = |y, m, dd| {
            use chrono::Datelike as _;
            NaiveDate::from_ymd_opt(y, m, dd)
                .unwrap_or_default()
                .num_days_from_ce()
        };
        // Today and the 29 days before it.
        assert_eq!(
            day_bounds(&DayRange::WithinLastDays { days: 30 }, today),
            (d(2026, 10, 29), d(2026, 11, 27))
        );
        // Before those 30 days: on or before 2026-10-28.
        assert_eq!(
            day_bounds(&DayRange::BeforeLastDays { days: 30 }, today).1,
            d(2026, 10, 28)
        );
        assert_eq!(describe_age(Some(30), Some(39)), "30代");
        assert_eq!(describe_age(Some(65), None), "65歳以上");
        assert!(
            check_range(&DayRange::Between {
                from: Some("2026-04-01".into()),
                to: Some("2026-03-01".into())
            })
            .is_err()
        );
        assert!(check_range(&DayRange::WithinLastDays { days: 0 }).is_err());
    }
}

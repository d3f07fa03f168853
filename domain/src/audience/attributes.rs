//! Attribute definitions (友だち属性の定義): a stable key, a Japanese label, a type and, for
//! choice types, an ordered list of options with stable ids.
//!
//! - The key never changes once created (CSV headers and segments name it); the type changes
//!   only while no friend has a value.
//! - An option renamed keeps every value (values hold its id). An option with values cannot be
//!   removed, only retired: kept for history and filters, no longer offered.
//! - Deleting an attribute that friends have values for needs confirmation; it is audited with
//!   the number of values that went.

use std::collections::HashMap;

use chrono::Utc;
use model::status::AttributeKind;
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::entities::{attribute, attribute_option, friend_attribute_value};
use crate::security::audit::{self, Actor};
use crate::{DomainError, DomainResult};

pub use model::attribute::{
    KEY_MAX_CHARS, LABEL_MAX_CHARS, MULTI_SEPARATOR, OPTION_MAX_CHARS, OPTIONS_MAX,
};
pub const ATTRIBUTES_MAX: u64 = 100;

/// Keys the built-in columns of CSV files use; an attribute may not take them.
pub const BUILT_IN_KEYS: [&str; 6] = [
    "line_user_id",
    "display_name",
    "language",
    "followed_at",
    "status",
    "blocked_at",
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeOption {
    pub id: i64,
    pub label: String,
    pub retired: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribute {
    pub id: i64,
    pub key: String,
    pub label: String,
    pub kind: AttributeKind,
    /// In display order, retired ones included.
    pub options: Vec<AttributeOption>,
}

impl Attribute {
    pub fn option(&self, id: i64) -> Option<&AttributeOption> {
        self.options.iter().find(|o| o.id == id)
    }

    /// The option called `label` (an exact match, then one ignoring case and width: `ｅｎｇｌｉｓｈ`
    /// finds `English`).
    pub fn option_by_label(&self, label: &str) -> Option<&AttributeOption> {
        self.options.iter().find(|o| o.label == label).or_else(|| {
            let wanted = fold(label);
            self.options.iter().find(|o| fold(&o.label) == wanted)
        })
    }
}

/// Full-width ASCII to half-width, then lower case: how a label typed in Excel is matched.
pub fn fold(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect::<String>()
        .to_lowercase()
}

/// An attribute with how many friends have a value, for the definitions page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeSummary {
    pub attribute: Attribute,
    pub friends_with_value: u64,
    /// Per option id: how many friends chose it.
    pub option_counts: Vec<(i64, u64)>,
}

/// What staff fill in to create an attribute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAttribute {
    pub key: String,
    pub label: String,
    pub kind: AttributeKind,
    /// Labels of the options, in order (choice types only).
    pub options: Vec<String>,
}

/// What becomes of an existing option when an attribute is saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OptionState {
    Active,
    Retired,
    Removed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionEdit {
    /// None for a new option.
    pub id: Option<i64>,
    pub label: String,
    pub state: OptionState,
}

/// What staff change on an existing attribute: label, type (only while unused) and options, in
/// the order given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeEdit {
    pub label: String,
    pub kind: AttributeKind,
    pub options: Vec<OptionEdit>,
}

/// Every attribute in display order.
pub async fn list(db: &impl ConnectionTrait) -> DomainResult<Vec<Attribute>> {
    let rows = attribute::Entity::find()
        .order_by_asc(attribute::Column::Position)
        .order_by_asc(attribute::Column::Id)
        .all(db)
        .await?;
    let mut options: HashMap<i64, Vec<AttributeOption>> = HashMap::new();
    for o in attribute_option::Entity::find()
        .order_by_asc(attribute_option::Column::Position)
        .order_by_asc(attribute_option::Column::Id)
        .all(db)
        .await?
    {
        options
            .entry(o.attribute_id)
            .or_default()
            .push(AttributeOption {
                id: o.id,
                label: o.label,
                retired: o.retired,
            });
    }
    Ok(rows
        .into_iter()
        .map(|a| Attribute {
            options: options.remove(&a.id).unwrap_or_default(),
            id: a.id,
            key: a.key,
            label: a.label,
            kind: a.kind,
        })
        .collect())
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> DomainResult<Attribute> {
    list(db)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(not_found)
}

fn not_found() -> DomainError {
    DomainError::NotFound("この属性は見つかりません。".into())
}

/// Every attribute with the number of friends that have a value, and per option.
pub async fn summaries(db: &DatabaseConnection) -> DomainResult<Vec<AttributeSummary>> {
    let attributes = list(db).await?;
    let per_attribute: Vec<(i64, i64)> = friend_attribute_value::Entity::find()
        .select_only()
        .column(friend_attribute_value::Column::AttributeId)
        .expr(Expr::col(friend_attribute_value::Column::FriendId).count_distinct())
        .group_by(friend_attribute_value::Column::AttributeId)
        .into_tuple()
        .all(db)
        .await?;
    let per_option: Vec<(i64, i64)> = friend_attribute_value::Entity::find()
        .select_only()
        .column(friend_attribute_value::Column::OptionId)
        .expr(Expr::col(friend_attribute_value::Column::FriendId).count())
        .filter(friend_attribute_value::Column::OptionId.is_not_null())
        .group_by(friend_attribute_value::Column::OptionId)
        .into_tuple()
        .all(db)
        .await?;
    let per_attribute: HashMap<i64, i64> = per_attribute.into_iter().collect();
    let per_option: HashMap<i64, i64> = per_option.into_iter().collect();
    Ok(attributes
        .into_iter()
        .map(|a| AttributeSummary {
            friends_with_value: per_attribute.get(&a.id).copied().unwrap_or(0) as u64,
            option_counts: a
                .options
                .iter()
                .map(|o| (o.id, per_option.get(&o.id).copied().unwrap_or(0) as u64))
                .collect(),
            attribute: a,
        })
        .collect())
}

fn check_key(key: &str) -> DomainResult<String> {
    let key = key.trim();
    let valid = !key.is_empty()
        && key.chars().count() <= KEY_MAX_CHARS
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(DomainError::Invalid(format!(
            "キーは半角英小文字で始まる、半角英小文字・数字・_ の{KEY_MAX_CHARS}文字以内にしてください（例: district）。"
        )));
    }
    if BUILT_IN_KEYS.contains(&key) {
        return Err(DomainError::Invalid(format!(
            "キー「{key}」は CSV の組み込みの列名なので使えません。"
        )));
    }
    Ok(key.to_owned())
}

fn check_label(label: &str) -> DomainResult<String> {
    let label = label.trim();
    if label.is_empty() {
        return Err(DomainError::Invalid("表示名を入力してください。".into()));
    }
    if label.chars().count() > LABEL_MAX_CHARS || label.chars().any(char::is_control) {
        return Err(DomainError::Invalid(format!(
            "表示名は改行を含まない{LABEL_MAX_CHARS}文字以内にしてください。"
        )));
    }
    Ok(label.to_owned())
}

fn check_option_label(label: &str) -> DomainResult<String> {
    let label = label.trim();
    if label.is_empty() {
        return Err(DomainError::Invalid("選択肢を入力してください。".into()));
    }
    if label.chars().count() > OPTION_MAX_CHARS
        || label.chars().any(char::is_control)
        || label.contains(MULTI_SEPARATOR)
    {
        return Err(DomainError::Invalid(format!(
            "選択肢「{label}」は、改行と「{MULTI_SEPARATOR}」を含まない{OPTION_MAX_CHARS}文字以内にしてください。"
        )));
    }
    Ok(label.to_owned())
}

/// Option labels must differ (ignoring case and width), or CSV values would be ambiguous.
fn check_options(kind: AttributeKind, labels: &[&str]) -> DomainResult<()> {
    if !kind.is_choice() {
        if !labels.is_empty() {
            return Err(DomainError::Invalid(
                "選択肢は単一選択・複数選択の属性にだけ設定できます。".into(),
            ));
        }
        return Ok(());
    }
    if labels.len() > OPTIONS_MAX {
        return Err(DomainError::Invalid(format!(
            "選択肢は{OPTIONS_MAX}個までです。"
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for label in labels {
        if !seen.insert(fold(label)) {
            return Err(DomainError::Invalid(format!(
                "選択肢「{label}」が重複しています。"
            )));
        }
    }
    Ok(())
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewAttribute,
) -> DomainResult<Attribute> {
    let key = check_key(&input.key)?;
    let label = check_label(&input.label)?;
    let options = input
        .options
        .iter()
        .filter(|o| !o.trim().is_empty())
        .map(|o| check_option_label(o))
        .collect::<DomainResult<Vec<_>>>()?;
    check_options(
        input.kind,
        &options.iter().map(String::as_str).collect::<Vec<_>>(),
    )?;
    let txn = crate::db::begin_write(db).await?;
    if attribute::Entity::find().count(&txn).await? >= ATTRIBUTES_MAX {
        return Err(DomainError::Invalid(format!(
            "属性は{ATTRIBUTES_MAX}個までです。"
        )));
    }
    if attribute::Entity::find()
        .filter(attribute::Column::Key.eq(&key))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(DomainError::Conflict(format!(
            "キー「{key}」の属性は既にあります。"
        )));
    }
    let position = attribute::Entity::find()
        .select_only()
        .expr(Expr::col(attribute::Column::Position).max())
        .into_tuple::<Option<i32>>()
        .one(&txn)
        .await?
        .flatten()
        .map_or(0, |p| p + 1);
    let now = Utc::now();
    let row = attribute::ActiveModel {
        key: Set(key),
        label: Set(label),
        kind: Set(input.kind),
        position: Set(position),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (position, label) in options.iter().enumerate() {
        insert_option(&txn, row.id, label, position).await?;
    }
    let created = get(&txn, row.id).await?;
    audit::record(
        &txn,
        actor,
        "attribute.create",
        "attribute",
        Some(&created.id.to_string()),
        json!({ "key": created.key, "label": created.label, "kind": created.kind.key(),
                "options": created.options.iter().map(|o| &o.label).collect::<Vec<_>>() }),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

async fn insert_option(
    db: &impl ConnectionTrait,
    attribute_id: i64,
    label: &str,
    position: usize,
) -> DomainResult<()> {
    attribute_option::ActiveModel {
        attribute_id: Set(attribute_id),
        label: Set(label.to_owned()),
        position: Set(position as i32),
        retired: Set(false),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn values_of_attribute(db: &impl ConnectionTrait, attribute_id: i64) -> DomainResult<u64> {
    Ok(friend_attribute_value::Entity::find()
        .filter(friend_attribute_value::Column::AttributeId.eq(attribute_id))
        .count(db)
        .await?)
}

/// Saves label, type and options. Refused: a type change while friends have values, removing
/// an option that friends have (retire it instead), duplicate labels.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    edit: AttributeEdit,
) -> DomainResult<Attribute> {
    let label = check_label(&edit.label)?;
    let txn = crate::db::begin_write(db).await?;
    let before = get(&txn, id).await?;
    if edit.kind != before.kind && values_of_attribute(&txn, id).await? > 0 {
        return Err(DomainError::Invalid(
            "値を持つ友だちがいるため、種類は変更できません。".into(),
        ));
    }
    let kept: Vec<&OptionEdit> = edit
        .options
        .iter()
        .filter(|o| o.state != OptionState::Removed)
        .filter(|o| o.id.is_some() || !o.label.trim().is_empty())
        .collect();
    let labels = kept
        .iter()
        .map(|o| check_option_label(&o.label))
        .collect::<DomainResult<Vec<_>>>()?;
    check_options(
        edit.kind,
        &labels.iter().map(String::as_str).collect::<Vec<_>>(),
    )?;
    for option in &edit.options {
        let Some(option_id) = option.id else { continue };
        let existing = before
            .option(option_id)
            .ok_or_else(|| DomainError::Invalid("この属性にない選択肢が指定されました。".into()))?;
        if option.state == OptionState::Removed {
            let used = friend_attribute_value::Entity::find()
                .filter(friend_attribute_value::Column::OptionId.eq(option_id))
                .count(&txn)
                .await?;
            if used > 0 {
                return Err(DomainError::Invalid(format!(
                    "選択肢「{}」は{used}人の友だちが選んでいるため削除できません。「使わない」にすると、値を残したまま選べなくなります。",
                    existing.label
                )));
            }
            attribute_option::Entity::delete_by_id(option_id)
                .exec(&txn)
                .await?;
        }
    }
    for (position, (option, label)) in kept.iter().zip(&labels).enumerate() {
        match option.id {
            Some(option_id) => {
                attribute_option::ActiveModel {
                    id: Set(option_id),
                    label: Set(label.clone()),
                    position: Set(position as i32),
                    retired: Set(option.state == OptionState::Retired),
                    ..Default::default()
                }
                .update(&txn)
                .await?;
            }
            None => insert_option(&txn, id, label, position).await?,
        }
    }
    attribute::ActiveModel {
        id: Set(id),
        label: Set(label),
        kind: Set(edit.kind),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    let after = get(&txn, id).await?;
    audit::record(
        &txn,
        actor,
        "attribute.update",
        "attribute",
        Some(&id.to_string()),
        json!({
            "key": after.key,
            "label": { "before": before.label, "after": after.label },
            "kind": { "before": before.kind.key(), "after": after.kind.key() },
            "options": {
                "before": before.options.iter().map(option_summary).collect::<Vec<_>>(),
                "after": after.options.iter().map(option_summary).collect::<Vec<_>>(),
            },
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

fn option_summary(o: &AttributeOption) -> String {
    if o.retired {
        format!("{}（使わない）", o.label)
    } else {
        o.label.clone()
    }
}

/// Deletes an attribute with its values. While friends have values, `confirmed` must be set
/// (staff were shown how many); the audit entry records that number.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    confirmed: bool,
) -> DomainResult<Attribute> {
    let txn = crate::db::begin_write(db).await?;
    let attribute = get(&txn, id).await?;
    let friends: u64 = friend_attribute_value::Entity::find()
        .select_only()
        .expr(Expr::col(friend_attribute_value::Column::FriendId).count_distinct())
        .filter(friend_attribute_value::Column::AttributeId.eq(id))
        .into_tuple::<i64>()
        .one(&txn)
        .await?
        .unwrap_or(0) as u64;
    if friends > 0 && !confirmed {
        return Err(DomainError::Conflict(format!(
            "属性「{}」には{friends}人の友だちの値があります。削除すると値も消えます。確認のうえ、もう一度削除してください。",
            attribute.label
        )));
    }
    friend_attribute_value::Entity::delete_many()
        .filter(friend_attribute_value::Column::AttributeId.eq(id))
        .exec(&txn)
        .await?;
    attribute::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        actor,
        "attribute.delete",
        "attribute",
        Some(&id.to_string()),
        json!({ "key": attribute.key, "label": attribute.label, "friends_with_value": friends }),
    )
    .await?;
    txn.commit().await?;
    Ok(attribute)
}

/// Moves an attribute one place up (`-1`) or down (`1`) in the display order.
/// The new order is audited (CSV columns and forms follow it).
pub async fn move_by(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    step: i32,
) -> DomainResult<()> {
    let txn = crate::db::begin_write(db).await?;
    let all = list(&txn).await?;
    let mut ids: Vec<i64> = all.iter().map(|a| a.id).collect();
    let at = ids.iter().position(|i| *i == id).ok_or_else(not_found)?;
    let to = (at as i64 + i64::from(step)).clamp(0, ids.len() as i64 - 1) as usize;
    ids.swap(at, to);
    let keys: Vec<&str> = ids
        .iter()
        .filter_map(|i| all.iter().find(|a| a.id == *i).map(|a| a.key.as_str()))
        .collect();
    audit::record(
        &txn,
        actor,
        "attribute.reorder",
        "attribute",
        Some(&id.to_string()),
        json!({ "order": keys }),
    )
    .await?;
    for (position, id) in ids.into_iter().enumerate() {
        attribute::Entity::update_many()
            .col_expr(attribute::Column::Position, Expr::value(position as i32))
            .filter(attribute::Column::Id.eq(id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

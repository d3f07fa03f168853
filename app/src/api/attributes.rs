//! 友だち属性: the attributes staff define, each friend's values and their history, and CSV
//! import (check, then apply) of values. Downloads (export, template) are plain GET routes in
//! the server crate; uploads are a plain POST there too (`/admin/friends/imports`), which stores
//! the file and its check for [`import_report`] and [`apply_import`].

use leptos::prelude::*;
use model::status::{AttributeKind, ValueSource};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionRow {
    pub id: i64,
    pub label: String,
    /// No longer offered; kept for the values that have it.
    pub retired: bool,
    /// Friends who chose it.
    pub friends: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeRow {
    pub id: i64,
    pub key: String,
    pub label: String,
    pub kind: AttributeKind,
    pub options: Vec<OptionRow>,
    /// Friends with a value.
    pub friends: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeList {
    pub attributes: Vec<AttributeRow>,
    pub can_edit: bool,
}

/// One attribute on a friend's page: its value and what the form offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendAttributeField {
    pub id: i64,
    pub key: String,
    pub label: String,
    pub kind: AttributeKind,
    /// The options the form offers: the active ones and any retired one the friend holds.
    pub options: Vec<OptionRow>,
    /// As staff read it; empty when unset.
    pub display: String,
    pub option_ids: Vec<i64>,
    /// Age today and its 年代 (birth types).
    pub age: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub attribute: String,
    pub old_value: String,
    pub new_value: String,
    pub source: ValueSource,
    pub username: String,
    /// Japan time.
    pub at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendAttributes {
    pub fields: Vec<FriendAttributeField>,
    pub history: Vec<HistoryRow>,
    pub can_edit: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemRow {
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
}

/// A checked upload: what it would change, every problem, and whether it was applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportView {
    pub id: i64,
    pub channel: String,
    pub file_name: String,
    pub uploaded_at: String,
    pub encoding: String,
    pub friends: u64,
    pub attributes: Vec<String>,
    pub added: u64,
    pub changed: u64,
    pub cleared: u64,
    pub unchanged: u64,
    pub problems: Vec<ProblemRow>,
    pub problem_count: u64,
    pub applied_at: Option<String>,
}

/// A group of the friends list's attribute filter: the attribute's label, then (token, label).
pub type FilterGroup = (String, Vec<(String, String)>);

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::{Action, Feature, Need};
    const VIEW: Need = Need::Can(Feature::FriendAttributes, Action::View);
    const EDIT: Need = Need::Can(Feature::FriendAttributes, Action::Edit);
    const IMPORT: Need = Need::Can(Feature::FriendAttributes, Action::Import);
    &[
        rule::<ListAttributes>(VIEW),
        rule::<AttributeFilters>(VIEW),
        rule::<CreateAttribute>(EDIT),
        rule::<SaveAttribute>(EDIT),
        rule::<MoveAttribute>(EDIT),
        rule::<DeleteAttribute>(EDIT),
        rule::<FriendAttributeValues>(VIEW),
        rule::<SaveFriendAttributes>(EDIT),
        rule::<ImportReport>(IMPORT),
        rule::<ApplyImport>(IMPORT),
    ]
};

#[cfg(feature = "ssr")]
fn can(me: &domain::staff::accounts::Staff, action: model::access::Action) -> bool {
    use model::access::{Feature, Need};
    me.grants
        .allows(Need::Can(Feature::FriendAttributes, action))
}

#[server(endpoint = "attributes/list")]
pub async fn list_attributes() -> Result<AttributeList, AppError> {
    let (me, ctx) = crate::ssr::context::call::<ListAttributes>()?;
    let summaries = domain::audience::attributes::summaries(ctx.db()).await?;
    Ok(AttributeList {
        attributes: summaries
            .into_iter()
            .map(|s| {
                let counts: std::collections::HashMap<i64, u64> =
                    s.option_counts.into_iter().collect();
                AttributeRow {
                    options: s
                        .attribute
                        .options
                        .into_iter()
                        .map(|o| OptionRow {
                            friends: counts.get(&o.id).copied().unwrap_or(0),
                            id: o.id,
                            label: o.label,
                            retired: o.retired,
                        })
                        .collect(),
                    id: s.attribute.id,
                    key: s.attribute.key,
                    label: s.attribute.label,
                    kind: s.attribute.kind,
                    friends: s.friends_with_value,
                }
            })
            .collect(),
        can_edit: can(&me, model::access::Action::Edit),
    })
}

/// The friends list's attribute filter: its choices, grouped by attribute.
#[server(endpoint = "attributes/filters")]
pub async fn attribute_filters() -> Result<Vec<FilterGroup>, AppError> {
    let (_, ctx) = crate::ssr::context::call::<AttributeFilters>()?;
    let attributes = domain::audience::attributes::list(ctx.db()).await?;
    Ok(domain::audience::values::filter_choices(&attributes))
}

/// Adds an attribute; `options` has one option per line (choice types).
#[server(endpoint = "attributes/create")]
pub async fn create_attribute(
    key: String,
    label: String,
    kind: String,
    #[server(default)] options: String,
) -> Result<i64, AppError> {
    let (me, ctx) = crate::ssr::context::call::<CreateAttribute>()?;
    let kind = kind_of(&kind)?;
    let created = domain::audience::attributes::create(
        ctx.db(),
        &ctx.actor(&me),
        domain::audience::attributes::NewAttribute {
            key,
            label,
            kind,
            options: options.lines().map(str::to_owned).collect(),
        },
    )
    .await?;
    Ok(created.id)
}

#[cfg(feature = "ssr")]
fn kind_of(key: &str) -> Result<AttributeKind, AppError> {
    AttributeKind::from_key(key)
        .ok_or_else(|| AppError::Invalid("属性の種類を選んでください。".into()))
}

/// Saves an attribute: label, type, and each existing option's label and state (`active`,
/// `retired`, `removed`; parallel lists in the form's order), plus new options one per line.
#[server(endpoint = "attributes/save")]
pub async fn save_attribute(
    id: i64,
    label: String,
    kind: String,
    #[server(default)] option_ids: Vec<i64>,
    #[server(default)] option_labels: Vec<String>,
    #[server(default)] option_states: Vec<String>,
    #[server(default)] new_options: String,
) -> Result<(), AppError> {
    use domain::audience::attributes::{AttributeEdit, OptionEdit, OptionState};
    let (me, ctx) = crate::ssr::context::call::<SaveAttribute>()?;
    if option_ids.len() != option_labels.len() || option_ids.len() != option_states.len() {
        return Err(AppError::Invalid(
            "選択肢の入力が正しくありません。ページを読み込み直してください。".into(),
        ));
    }
    let mut options = Vec::new();
    for ((id, label), state) in option_ids.into_iter().zip(option_labels).zip(option_states) {
        let state = match state.as_str() {
            "active" => OptionState::Active,
            "retired" => OptionState::Retired,
            "removed" => OptionState::Removed,
            _ => return Err(AppError::Invalid("選択肢の状態が正しくありません。".into())),
        };
        options.push(OptionEdit {
            id: Some(id),
            label,
            state,
        });
    }
    options.extend(new_options.lines().map(|label| OptionEdit {
        id: None,
        label: label.to_owned(),
        state: OptionState::Active,
    }));
    domain::audience::attributes::update(
        ctx.db(),
        &ctx.actor(&me),
        id,
        AttributeEdit {
            label,
            kind: kind_of(&kind)?,
            options,
        },
    )
    .await?;
    Ok(())
}

/// Moves an attribute up (`up`) or down (`down`) in the display order.
#[server(endpoint = "attributes/move")]
pub async fn move_attribute(id: i64, direction: String) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<MoveAttribute>()?;
    let step = match direction.as_str() {
        "up" => -1,
        "down" => 1,
        _ => {
            return Err(AppError::Invalid(
                "移動する向きは up か down を指定してください。".into(),
            ));
        }
    };
    domain::audience::attributes::move_by(ctx.db(), &ctx.actor(&me), id, step).await?;
    Ok(())
}

/// Deletes an attribute; one that friends have values for needs `confirmed`.
#[server(endpoint = "attributes/delete")]
pub async fn delete_attribute(id: i64, #[server(default)] confirmed: bool) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<DeleteAttribute>()?;
    domain::audience::attributes::delete(ctx.db(), &ctx.actor(&me), id, confirmed).await?;
    Ok(())
}

#[server(endpoint = "attributes/friend")]
pub async fn friend_attribute_values(
    channel: String,
    id: i64,
) -> Result<FriendAttributes, AppError> {
    let (me, ctx) = crate::ssr::context::call::<FriendAttributeValues>()?;
    let channel_id = ctx.channel_id(&channel).await?;
    // Another channel's friend is not found.
    domain::audience::friends::detail(ctx.db(), channel_id, id).await?;
    let (values, history) =
        domain::audience::values::of_friend(ctx.db(), id, domain::time::now()).await?;
    Ok(FriendAttributes {
        fields: values
            .into_iter()
            .map(|v| FriendAttributeField {
                options: v
                    .attribute
                    .options
                    .iter()
                    .filter(|o| !o.retired || v.option_ids.contains(&o.id))
                    .map(|o| OptionRow {
                        id: o.id,
                        label: o.label.clone(),
                        retired: o.retired,
                        friends: 0,
                    })
                    .collect(),
                id: v.attribute.id,
                key: v.attribute.key,
                label: v.attribute.label,
                kind: v.attribute.kind,
                display: v.display,
                option_ids: v.option_ids,
                age: v
                    .age
                    .map(|age| format!("{age}歳（{}）", domain::audience::values::age_band(age))),
            })
            .collect(),
        history: history
            .into_iter()
            .map(|h| HistoryRow {
                attribute: h.attribute_label,
                old_value: h.old_value,
                new_value: h.new_value,
                source: h.source,
                username: h.username,
                at: domain::time::minutes(h.at),
            })
            .collect(),
        can_edit: can(&me, model::access::Action::Edit),
    })
}

/// Saves a friend's attributes from the form: for every choice attribute shown, its id in
/// `choice_ids` and its ticked options in `choices` as `attribute:option` (option 0: none); for every other
/// attribute, its id in `text_ids` and its text at the same place in `texts`.
#[server(endpoint = "attributes/save-friend")]
pub async fn save_friend_attributes(
    channel: String,
    id: i64,
    #[server(default)] choice_ids: Vec<i64>,
    #[server(default)] choices: Vec<String>,
    #[server(default)] text_ids: Vec<i64>,
    #[server(default)] texts: Vec<String>,
) -> Result<usize, AppError> {
    use domain::audience::values::ValueInput;
    let (me, ctx) = crate::ssr::context::call::<SaveFriendAttributes>()?;
    let channel_id = ctx.channel_id(&channel).await?;
    if text_ids.len() != texts.len() {
        return Err(AppError::Invalid(
            "入力が正しくありません。ページを読み込み直してください。".into(),
        ));
    }
    let mut inputs: Vec<ValueInput> = choice_ids
        .into_iter()
        .map(|attribute_id| ValueInput {
            attribute_id,
            ..Default::default()
        })
        .collect();
    for choice in choices {
        let parsed = choice
            .split_once(':')
            .and_then(|(a, o)| Some((a.parse::<i64>().ok()?, o.parse::<i64>().ok()?)));
        let Some((attribute_id, option_id)) = parsed else {
            return Err(AppError::Invalid("選択肢の入力が正しくありません。".into()));
        };
        match inputs.iter_mut().find(|i| i.attribute_id == attribute_id) {
            // A single choice's 「未設定」.
            Some(_) if option_id == 0 => {}
            Some(input) => input.option_ids.push(option_id),
            None => return Err(AppError::Invalid("選択肢の入力が正しくありません。".into())),
        }
    }
    inputs.extend(
        text_ids
            .into_iter()
            .zip(texts)
            .map(|(attribute_id, text)| ValueInput {
                attribute_id,
                option_ids: Vec::new(),
                text,
            }),
    );
    Ok(domain::audience::values::set_for_friend(
        ctx.db(),
        &ctx.actor(&me),
        channel_id,
        id,
        &inputs,
        domain::time::now(),
    )
    .await?)
}

#[server(endpoint = "attributes/import")]
pub async fn import_report(id: i64) -> Result<ImportView, AppError> {
    let (me, ctx) = crate::ssr::context::call::<ImportReport>()?;
    let upload = domain::audience::attribute_csv::upload(ctx.db(), me.id, id).await?;
    Ok(import_view(upload))
}

/// Applies a checked upload: all of it in one transaction, or nothing.
#[server(endpoint = "attributes/apply-import")]
pub async fn apply_import(id: i64) -> Result<ImportView, AppError> {
    let (me, ctx) = crate::ssr::context::call::<ApplyImport>()?;
    let upload = domain::audience::attribute_csv::apply_upload(
        ctx.db(),
        &ctx.actor(&me),
        me.id,
        id,
        domain::time::now(),
    )
    .await?;
    Ok(import_view(upload))
}

#[cfg(feature = "ssr")]
fn import_view(upload: domain::audience::attribute_csv::Upload) -> ImportView {
    let report = upload.report;
    ImportView {
        id: upload.id,
        channel: upload.channel_key,
        file_name: upload.file_name,
        uploaded_at: domain::time::minutes(upload.created_at),
        encoding: report.encoding,
        friends: report.friends,
        attributes: report.attributes,
        added: report.added,
        changed: report.changed,
        cleared: report.cleared,
        unchanged: report.unchanged,
        problems: report
            .problems
            .into_iter()
            .map(|p| ProblemRow {
                line: p.line,
                column: p.column,
                message: p.message,
            })
            .collect(),
        problem_count: report.problem_count,
        applied_at: upload.applied_at.map(domain::time::minutes),
    }
}

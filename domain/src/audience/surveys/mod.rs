//! Surveys (アンケート): staff build them per department; citizens answer them in LIFF.
//!
//! - this module: surveys and their versions (create, save a new version, copy, open/close,
//!   delete) and the starter 属性アンケート.
//! - [`answers`]: a citizen's answers: checked, stored as a new revision with the consent
//!   agreed to and the files sent, and written to the bound friend attributes.
//! - [`results`]: respondents, history, the aggregate per question, the CSV export and the
//!   uploaded files, for staff.
//!
//! Each save keeps a version (`survey_version`, never rewritten); citizens see the latest.
//! Questions and options keep their ids across versions, so older answers still name them.

pub mod answers;
pub mod results;

use std::collections::HashMap;

use chrono::Utc;
use model::access::Scope;
use model::status::{AttributeKind, SurveyState};
use model::survey::{Choice, Consent, Question, QuestionKind, Survey};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::json;

use crate::audience::attributes::{self, Attribute};
use crate::entities::{app_marker, department, survey, survey_response, survey_version};
use crate::security::audit::{self, Actor};
use crate::staff::scope::{ScopeCondition, check_owner, department_names};
use crate::{DateTime, DomainError, DomainResult};

/// A survey as lists show it.
#[derive(Clone, Debug, PartialEq)]
pub struct SurveySummary {
    pub id: i64,
    pub department_id: i64,
    pub department: String,
    pub title: String,
    pub state: SurveyState,
    pub opens_at: Option<DateTime>,
    pub closes_at: Option<DateTime>,
    /// Citizens can answer now (open, and within its period).
    pub accepting: bool,
    pub latest_version: i64,
    pub respondents: u64,
    pub updated_at: DateTime,
    pub updated_by: String,
}

/// A survey with its latest version.
#[derive(Clone, Debug, PartialEq)]
pub struct SurveyDetail {
    pub summary: SurveySummary,
    pub definition: Survey,
}

/// One saved version, for the history list.
#[derive(Clone, Debug, PartialEq)]
pub struct VersionSummary {
    pub number: i64,
    pub created_at: DateTime,
    pub created_by: String,
    pub questions: usize,
}

/// Whether a survey with this state and period takes answers at `now`.
pub fn accepting(row: &survey::Model, now: DateTime) -> bool {
    SurveyState::from_key(&row.state) == Some(SurveyState::Open)
        && row.opens_at.is_none_or(|at| at <= now)
        && row.closes_at.is_none_or(|at| at > now)
}

fn not_found() -> DomainError {
    DomainError::NotFound("指定されたアンケートはありません。".into())
}

pub(crate) async fn find_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> DomainResult<survey::Model> {
    survey::Entity::find_by_id(id)
        .filter(scope.condition(survey::Column::DepartmentId))
        .one(db)
        .await?
        .ok_or_else(not_found)
}

/// A stored version's questions (written by [`save`] after validation).
pub(crate) fn parse_definition(row: &survey_version::Model) -> DomainResult<Survey> {
    serde_json::from_str(&row.definition).map_err(|e| {
        DomainError::Internal(format!(
            "survey {} version {} is unreadable: {e}",
            row.survey_id, row.number
        ))
    })
}

/// Version `number` of survey `survey_id`.
pub(crate) async fn version(
    db: &impl ConnectionTrait,
    survey_id: i64,
    number: i64,
) -> DomainResult<Survey> {
    let row = survey_version::Entity::find()
        .filter(survey_version::Column::SurveyId.eq(survey_id))
        .filter(survey_version::Column::Number.eq(number))
        .one(db)
        .await?
        .ok_or_else(|| {
            DomainError::Internal(format!("survey {survey_id} has no version {number}"))
        })?;
    parse_definition(&row)
}

/// Every version of a survey, by number.
pub(crate) async fn all_versions(
    db: &impl ConnectionTrait,
    survey_id: i64,
) -> DomainResult<Vec<(i64, Survey)>> {
    survey_version::Entity::find()
        .filter(survey_version::Column::SurveyId.eq(survey_id))
        .order_by_asc(survey_version::Column::Number)
        .all(db)
        .await?
        .iter()
        .map(|row| Ok((row.number, parse_definition(row)?)))
        .collect()
}

async fn respondent_counts(
    db: &impl ConnectionTrait,
    survey_ids: &[i64],
) -> DomainResult<HashMap<i64, u64>> {
    use sea_orm::sea_query::ExprTrait as _;
    use sea_orm::{FromQueryResult, QuerySelect};
    #[derive(FromQueryResult)]
    struct Count {
        survey_id: i64,
        n: i64,
    }
    if survey_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = survey_response::Entity::find()
        .select_only()
        .column(survey_response::Column::SurveyId)
        .column_as(
            sea_orm::sea_query::Expr::col(survey_response::Column::FriendId).count_distinct(),
            "n",
        )
        .filter(survey_response::Column::SurveyId.is_in(survey_ids.iter().copied()))
        .group_by(survey_response::Column::SurveyId)
        .into_model::<Count>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|c| (c.survey_id, u64::try_from(c.n).unwrap_or(0)))
        .collect())
}

fn summary_of(
    row: survey::Model,
    names: &HashMap<i64, String>,
    respondents: u64,
    now: DateTime,
) -> SurveySummary {
    SurveySummary {
        accepting: accepting(&row, now),
        id: row.id,
        department_id: row.department_id,
        department: names.get(&row.department_id).cloned().unwrap_or_default(),
        title: row.title,
        state: SurveyState::from_key(&row.state).unwrap_or(SurveyState::Draft),
        opens_at: row.opens_at,
        closes_at: row.closes_at,
        latest_version: row.latest_version,
        respondents,
        updated_at: row.updated_at,
        updated_by: row.updated_by,
    }
}

/// The surveys in `scope`, most recently saved first. Creates the starter survey first if this
/// deployment never had it and has a department to give it.
pub async fn list(db: &DatabaseConnection, scope: &Scope) -> DomainResult<Vec<SurveySummary>> {
    ensure_starter(db, Utc::now()).await?;
    let rows = survey::Entity::find()
        .filter(scope.condition(survey::Column::DepartmentId))
        .order_by_desc(survey::Column::UpdatedAt)
        .order_by_desc(survey::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let counts = respondent_counts(db, &ids).await?;
    let names = department_names(db).await?;
    let now = Utc::now();
    Ok(rows
        .into_iter()
        .map(|r| {
            let n = counts.get(&r.id).copied().unwrap_or(0);
            summary_of(r, &names, n, now)
        })
        .collect())
}

/// One survey in `scope` with its latest version.
pub async fn get(db: &DatabaseConnection, scope: &Scope, id: i64) -> DomainResult<SurveyDetail> {
    let row = find_in_scope(db, scope, id).await?;
    detail_of(db, row).await
}

/// A survey to edit: its latest version with bound choices synced to the attributes (what
/// saving it would store).
pub async fn for_editing(
    db: &DatabaseConnection,
    scope: &Scope,
    id: i64,
) -> DomainResult<SurveyDetail> {
    let mut detail = get(db, scope, id).await?;
    sync_bound_choices(&mut detail.definition, &attributes::list(db).await?);
    Ok(detail)
}

async fn detail_of(db: &impl ConnectionTrait, row: survey::Model) -> DomainResult<SurveyDetail> {
    let definition = version(db, row.id, row.latest_version).await?;
    let counts = respondent_counts(db, &[row.id]).await?;
    let names = department_names(db).await?;
    let n = counts.get(&row.id).copied().unwrap_or(0);
    Ok(SurveyDetail {
        summary: summary_of(row, &names, n, Utc::now()),
        definition,
    })
}

/// The versions of a survey in `scope`, newest first.
pub async fn versions(
    db: &DatabaseConnection,
    scope: &Scope,
    id: i64,
) -> DomainResult<Vec<VersionSummary>> {
    find_in_scope(db, scope, id).await?;
    let rows = survey_version::Entity::find()
        .filter(survey_version::Column::SurveyId.eq(id))
        .order_by_desc(survey_version::Column::Number)
        .all(db)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(VersionSummary {
                number: r.number,
                created_at: r.created_at,
                created_by: r.created_by.clone(),
                questions: parse_definition(r)?
                    .questions
                    .iter()
                    .filter(|q| q.kind.is_answered())
                    .count(),
            })
        })
        .collect()
}

/// The choices of questions bound to a choice attribute are that attribute's options (staff
/// edit them on the attribute's page): options added since become choices, renamed ones take
/// the new label, retired and removed ones go. A choice keeps its id while its option stays.
pub fn sync_bound_choices(survey: &mut Survey, attributes: &[Attribute]) {
    for q in &mut survey.questions {
        let Some(attribute) = q
            .attribute_id
            .and_then(|id| attributes.iter().find(|a| a.id == id))
        else {
            continue;
        };
        let (QuestionKind::SingleChoice { options, .. }
        | QuestionKind::MultiChoice { options, .. }) = &mut q.kind
        else {
            continue;
        };
        if !attribute.kind.is_choice() {
            continue;
        }
        let in_use: Vec<(i64, String)> = attribute
            .options
            .iter()
            .filter(|o| !o.retired)
            .map(|o| (o.id, o.label.clone()))
            .collect();
        *options = model::survey::bound_choices(options, &in_use);
    }
}

/// Checks a version staff want to save: its own rules (`model::survey::problems`) and its
/// attribute bindings against the attributes there are now (bound choices synced first).
/// Returns it trimmed.
pub async fn check(db: &impl ConnectionTrait, survey: &Survey) -> DomainResult<Survey> {
    let mut survey = survey.clone();
    survey.title = survey.title.trim().to_owned();
    let attributes = attributes::list(db).await?;
    sync_bound_choices(&mut survey, &attributes);
    let mut problems = model::survey::problems(&survey);
    let mut bound = HashMap::new();
    for (i, q) in survey.questions.iter().enumerate() {
        let Some(attribute_id) = q.attribute_id else {
            continue;
        };
        let name = format!("{}番目（{}）", i + 1, q.label.trim());
        let Some(attribute) = attributes.iter().find(|a| a.id == attribute_id) else {
            problems.push(format!(
                "{name}の保存先の属性は削除されています。選び直してください。"
            ));
            continue;
        };
        if let Some(other) = bound.insert(attribute_id, name.clone()) {
            problems.push(format!(
                "属性「{}」に保存する質問が2つあります（{other}と{name}）。",
                attribute.label
            ));
        }
        if !q.kind.fits_attribute(attribute.kind) {
            problems.push(format!(
                "{name}の回答は属性「{}」（{}）に保存できません。",
                attribute.label,
                attribute.kind.label_ja()
            ));
            continue;
        }
        for choice in q.kind.options() {
            match choice.attribute_option_id {
                Some(option) if attribute.option(option).is_some() => {}
                Some(_) => problems.push(format!(
                    "{name}の選択肢「{}」に対応する属性の選択肢は削除されています。",
                    choice.label
                )),
                None => problems.push(format!(
                    "{name}の選択肢「{}」を属性「{}」のどの選択肢に保存するか選んでください。",
                    choice.label, attribute.label
                )),
            }
        }
    }
    if problems.is_empty() {
        Ok(survey)
    } else {
        Err(DomainError::Invalid(problems.join("\n")))
    }
}

/// Creates a survey (a draft) in one of the caller's departments.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    department_id: i64,
    definition: &Survey,
) -> DomainResult<SurveyDetail> {
    let definition = check(db, definition).await?;
    check_owner(db, scope, department_id).await?;
    let txn = crate::db::begin_write(db).await?;
    let row = insert(
        &txn,
        department_id,
        &definition,
        &actor.username,
        Utc::now(),
    )
    .await?;
    audit::record(
        &txn,
        actor,
        "survey.create",
        "survey",
        Some(&row.id.to_string()),
        json!({ "title": row.title, "department_id": department_id }),
    )
    .await?;
    let detail = detail_of(&txn, row).await?;
    txn.commit().await?;
    Ok(detail)
}

async fn insert(
    txn: &impl ConnectionTrait,
    department_id: i64,
    definition: &Survey,
    username: &str,
    now: DateTime,
) -> DomainResult<survey::Model> {
    let row = survey::ActiveModel {
        department_id: Set(department_id),
        title: Set(definition.title.clone()),
        state: Set(SurveyState::Draft.key().to_owned()),
        opens_at: Set(None),
        closes_at: Set(None),
        latest_version: Set(1),
        created_at: Set(now),
        created_by: Set(username.to_owned()),
        updated_at: Set(now),
        updated_by: Set(username.to_owned()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    insert_version(txn, row.id, 1, definition, username, now).await?;
    Ok(row)
}

async fn insert_version(
    txn: &impl ConnectionTrait,
    survey_id: i64,
    number: i64,
    definition: &Survey,
    username: &str,
    now: DateTime,
) -> DomainResult<()> {
    survey_version::ActiveModel {
        survey_id: Set(survey_id),
        number: Set(number),
        definition: Set(serde_json::to_string(definition)
            .map_err(|e| DomainError::Internal(format!("survey json: {e}")))?),
        created_at: Set(now),
        created_by: Set(username.to_owned()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Saves a new version of a survey in `scope`. `based_on` is the version the editor started
/// from: if someone saved since, nothing is saved and the message says so (no edit is lost
/// silently). A survey may move to another of the caller's departments.
pub async fn save(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    department_id: i64,
    based_on: i64,
    definition: &Survey,
) -> DomainResult<SurveyDetail> {
    let definition = check(db, definition).await?;
    check_owner(db, scope, department_id).await?;
    let txn = crate::db::begin_write(db).await?;
    let row = find_in_scope(&txn, scope, id).await?;
    if row.latest_version != based_on {
        return Err(DomainError::Conflict(format!(
            "このアンケートは、編集を始めた後に {} さんが保存しました（第{}版）。ページを読み込み直してから、もう一度変更してください。",
            row.updated_by, row.latest_version
        )));
    }
    let previous = version(&txn, id, row.latest_version).await?;
    let mut definition = definition;
    renumber_reused_ids(&mut definition, &all_versions(&txn, id).await?);
    let number = row.latest_version + 1;
    let now = Utc::now();
    // Two saves at once both aim at the next number: the unique index lets one win.
    insert_version(&txn, id, number, &definition, &actor.username, now)
        .await
        .map_err(|e| match e {
            DomainError::Database(db)
                if matches!(db.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) =>
            {
                DomainError::Conflict(
                    "同時に別の人が保存しました。ページを読み込み直してから、もう一度変更してください。".into(),
                )
            }
            other => other,
        })?;
    let consent_changed = previous.consent.as_ref().map(Consent::fingerprint)
        != definition.consent.as_ref().map(Consent::fingerprint);
    let mut active: survey::ActiveModel = row.into();
    active.title = Set(definition.title.clone());
    active.department_id = Set(department_id);
    active.latest_version = Set(number);
    active.updated_at = Set(now);
    active.updated_by = Set(actor.username.clone());
    let row = active.update(&txn).await?;
    let removed: Vec<&str> = previous
        .questions
        .iter()
        .filter(|q| !definition.questions.iter().any(|n| n.id == q.id))
        .map(|q| q.label.as_str())
        .collect();
    audit::record(
        &txn,
        actor,
        "survey.save",
        "survey",
        Some(&id.to_string()),
        json!({
            "title": row.title,
            "version": number,
            "department_id": department_id,
            "questions": definition.questions.len(),
            "removed_questions": removed,
            "consent_changed": consent_changed,
        }),
    )
    .await?;
    let detail = detail_of(&txn, row).await?;
    txn.commit().await?;
    Ok(detail)
}

/// Gives fresh ids to questions and choices that are new in `definition` (not in the latest
/// version) but whose ids an earlier version used: their old answers must not attach to them
/// (the builder numbers new items after those it sees, not after those removed long ago).
fn renumber_reused_ids(definition: &mut Survey, versions: &[(i64, Survey)]) {
    let Some((_, latest)) = versions.last() else {
        return;
    };
    let ever: Vec<&str> = versions
        .iter()
        .flat_map(|(_, v)| v.questions.iter().map(|q| q.id.as_str()))
        .collect();
    let highest = |prefix: char, ids: &mut dyn Iterator<Item = &str>| {
        ids.filter_map(|id| id.strip_prefix(prefix)?.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
    };
    let mut next_question = highest(
        'q',
        &mut ever
            .iter()
            .copied()
            .chain(definition.questions.iter().map(|q| q.id.as_str())),
    );
    for q in &mut definition.questions {
        let in_latest = latest.questions.iter().find(|l| l.id == q.id);
        if in_latest.is_none() && ever.contains(&q.id.as_str()) {
            next_question += 1;
            q.id = format!("q{next_question}");
            continue;
        }
        // Choices of a question that was there: the same rule within the question.
        let ever_options: Vec<String> = versions
            .iter()
            .flat_map(|(_, v)| v.questions.iter().filter(|o| o.id == q.id))
            .flat_map(|o| o.kind.options().iter().map(|c| c.id.clone()))
            .collect();
        let latest_options: Vec<String> = in_latest
            .map(|l| l.kind.options().iter().map(|c| c.id.clone()).collect())
            .unwrap_or_default();
        if let QuestionKind::SingleChoice { options, .. }
        | QuestionKind::MultiChoice { options, .. } = &mut q.kind
        {
            let mut next_option = highest(
                'o',
                &mut ever_options
                    .iter()
                    .map(String::as_str)
                    .chain(options.iter().map(|o| o.id.as_str())),
            );
            for o in options.iter_mut() {
                if !latest_options.contains(&o.id) && ever_options.contains(&o.id) {
                    next_option += 1;
                    o.id = format!("o{next_option}");
                }
            }
        }
    }
}

/// Copies a survey in `scope` (its latest version, as a new draft with no answers).
pub async fn copy(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
) -> DomainResult<SurveyDetail> {
    let row = find_in_scope(db, scope, id).await?;
    let mut definition = version(db, id, row.latest_version).await?;
    let title: String = format!("{}（コピー）", definition.title)
        .chars()
        .take(model::survey::TITLE_MAX_CHARS)
        .collect();
    definition.title = title;
    let txn = crate::db::begin_write(db).await?;
    let copy = insert(
        &txn,
        row.department_id,
        &definition,
        &actor.username,
        Utc::now(),
    )
    .await?;
    audit::record(
        &txn,
        actor,
        "survey.copy",
        "survey",
        Some(&copy.id.to_string()),
        json!({ "title": copy.title, "copied_from": id }),
    )
    .await?;
    let detail = detail_of(&txn, copy).await?;
    txn.commit().await?;
    Ok(detail)
}

/// Opens or closes a survey by hand, with an optional period (open from / until).
pub async fn set_state(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    state: SurveyState,
    opens_at: Option<DateTime>,
    closes_at: Option<DateTime>,
) -> DomainResult<SurveyDetail> {
    if let (Some(from), Some(until)) = (opens_at, closes_at)
        && from >= until
    {
        return Err(DomainError::Invalid(
            "受付終了の日時は、受付開始より後にしてください。".into(),
        ));
    }
    if state == SurveyState::Draft {
        return Err(DomainError::Invalid(
            "受付を始めたアンケートは下書きに戻せません。受付を終了してください。".into(),
        ));
    }
    if state == SurveyState::Open {
        // A version that would not save now (an attribute deleted since, 地区 without
        // options) is not shown to citizens.
        let row = find_in_scope(db, scope, id).await?;
        let latest = version(db, id, row.latest_version).await?;
        let checked = check(db, &latest).await.map_err(|e| match e {
            DomainError::Invalid(m) => {
                DomainError::Invalid(format!("受付を始める前に、次の点を直してください。\n{m}"))
            }
            other => other,
        })?;
        if checked.questions != latest.questions {
            return Err(DomainError::Invalid(
                "属性の選択肢が変わっています。編集画面で内容を確認して保存してから、受付を始めてください。".into(),
            ));
        }
    }
    let txn = crate::db::begin_write(db).await?;
    let row = find_in_scope(&txn, scope, id).await?;
    let mut active: survey::ActiveModel = row.into();
    active.state = Set(state.key().to_owned());
    active.opens_at = Set(opens_at);
    active.closes_at = Set(closes_at);
    active.updated_at = Set(Utc::now());
    active.updated_by = Set(actor.username.clone());
    let row = active.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        "survey.state",
        "survey",
        Some(&id.to_string()),
        json!({
            "title": row.title,
            "state": state.key(),
            "opens_at": opens_at.map(|t| t.to_rfc3339()),
            "closes_at": closes_at.map(|t| t.to_rfc3339()),
        }),
    )
    .await?;
    let detail = detail_of(&txn, row).await?;
    txn.commit().await?;
    Ok(detail)
}

/// Deletes a survey in `scope` with its versions, answers and files. Friend attributes its
/// answers wrote stay (they are the friends' values now, with their history).
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
) -> DomainResult<()> {
    let txn = crate::db::begin_write(db).await?;
    let row = find_in_scope(&txn, scope, id).await?;
    let counts = respondent_counts(&txn, &[id]).await?;
    survey::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        actor,
        "survey.delete",
        "survey",
        Some(&id.to_string()),
        json!({
            "title": row.title,
            "respondents": counts.get(&id).copied().unwrap_or(0),
        }),
    )
    .await?;
    txn.commit().await.map_err(Into::into)
}

/// The key of [`app_marker`] that says the starter survey was created once (deleting it does
/// not bring it back).
const STARTER_MARKER: &str = "starter_survey";

/// Creates the starter 属性アンケート once per deployment, in the first department, as soon as
/// there is one: the starter attributes (受け取りたい情報, 地区, 生年月, 性別) as questions bound
/// to them, and the consent block, ready for staff to check and open.
pub async fn ensure_starter(db: &DatabaseConnection, now: DateTime) -> DomainResult<()> {
    if app_marker::Entity::find_by_id(STARTER_MARKER.to_owned())
        .one(db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let Some(first) = department::Entity::find()
        .order_by_asc(department::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let definition = starter(&attributes::list(db).await?);
    let txn = crate::db::begin_write(db).await?;
    // Another instance may have made it meanwhile.
    if app_marker::Entity::find_by_id(STARTER_MARKER.to_owned())
        .one(&txn)
        .await?
        .is_some()
    {
        return Ok(());
    }
    insert(&txn, first.id, &definition, "system", now).await?;
    let marked = app_marker::ActiveModel {
        key: Set(STARTER_MARKER.to_owned()),
        at: Set(now),
    }
    .insert(&txn)
    .await;
    match marked {
        Ok(_) => txn.commit().await?,
        // Another instance made it at the same moment: theirs stays, ours is rolled back.
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// The starter survey's questions from the attributes there are now.
pub fn starter(attributes: &[Attribute]) -> Survey {
    let mut questions = vec![Question {
        id: "q1".into(),
        label: "市からのお知らせを、あなたに合った内容でお届けするためのアンケートです。回答はいつでも変更できます。".into(),
        help: String::new(),
        required: false,
        attribute_id: None,
        kind: QuestionKind::Explanation,
    }];
    let wanted = [
        ("district", true),
        ("birth_month", false),
        ("gender", false),
        ("interests", false),
    ];
    for (key, required) in wanted {
        let Some(attribute) = attributes.iter().find(|a| a.key == key) else {
            continue;
        };
        let options: Vec<Choice> = attribute
            .options
            .iter()
            .filter(|o| !o.retired)
            .enumerate()
            .map(|(i, o)| Choice {
                id: format!("o{}", i + 1),
                label: o.label.clone(),
                attribute_option_id: Some(o.id),
            })
            .collect();
        let kind = match attribute.kind {
            AttributeKind::SingleChoice => QuestionKind::SingleChoice {
                dropdown: options.len() > 8,
                options,
            },
            AttributeKind::MultiChoice => QuestionKind::MultiChoice {
                options,
                min: 0,
                max: 0,
            },
            AttributeKind::BirthMonth => QuestionKind::BirthMonth,
            AttributeKind::BirthDate | AttributeKind::Date => QuestionKind::Date,
            AttributeKind::Text | AttributeKind::Number => QuestionKind::Text {
                multiline: false,
                max_chars: model::attribute::TEXT_MAX_CHARS as u32,
                input: model::survey::TextInput::Free,
            },
        };
        let question = Question {
            id: format!("q{}", questions.len() + 1),
            label: attribute.label.clone(),
            help: if key == "interests" {
                "選んだ分野のお知らせをお送りします。".into()
            } else {
                String::new()
            },
            required,
            attribute_id: Some(attribute.id),
            kind,
        };
        questions.push(question);
    }
    Survey {
        title: "属性アンケート（受信設定）".into(),
        description: "お住まいの地区や受け取りたい情報を教えてください。".into(),
        questions,
        consent: Some(Consent::default()),
        ..Survey::default()
    }
}

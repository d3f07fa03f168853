//! What staff read of a survey's answers: the respondents with their current answers, one
//! friend's history of revisions, the aggregate per question, the CSV export and the files
//! citizens sent. Every read is in the caller's department scope.
//!
//! Questions are described from every version (`Catalog`): a question removed since still has
//! its label, so its answers stay readable in history and exports.

use std::collections::{BTreeMap, HashMap};

use model::access::Scope;
use model::survey::{Answer, Answers, QuestionKind};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::answers::{file_names, parse_answers};
use super::{all_versions, find_in_scope};
use crate::audience::attribute_csv::ExportSink;
use crate::csv::{Csv, Encoding};
use crate::entities::{friend, survey_response, survey_upload};
use crate::security::audit::{self, Actor};
use crate::{DateTime, DomainError, DomainResult};
use serde_json::json;

/// A question as known across versions.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogQuestion {
    pub id: String,
    pub label: String,
    pub kind: &'static str,
    /// Not in the latest version.
    pub removed: bool,
    /// Option labels by id, from the latest version that had each.
    pub options: Vec<(String, String)>,
    pub is_upload: bool,
}

/// Every answered question of every version: the latest version's in its order, then removed
/// ones in the order they first appeared.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catalog {
    pub questions: Vec<CatalogQuestion>,
}

impl Catalog {
    pub(crate) async fn of(db: &impl ConnectionTrait, survey_id: i64) -> DomainResult<Self> {
        let versions = all_versions(db, survey_id).await?;
        let mut by_id: HashMap<String, CatalogQuestion> = HashMap::new();
        let mut first_seen: Vec<String> = Vec::new();
        for (_, survey) in &versions {
            for q in survey.questions.iter().filter(|q| q.kind.is_answered()) {
                let entry = by_id.entry(q.id.clone()).or_insert_with(|| {
                    first_seen.push(q.id.clone());
                    CatalogQuestion {
                        id: q.id.clone(),
                        label: String::new(),
                        kind: q.kind.label_ja(),
                        removed: true,
                        options: Vec::new(),
                        is_upload: matches!(q.kind, QuestionKind::Upload { .. }),
                    }
                });
                entry.label = q.label.trim().to_owned();
                entry.kind = q.kind.label_ja();
                for o in q.kind.options() {
                    match entry.options.iter_mut().find(|(id, _)| *id == o.id) {
                        Some(existing) => existing.1 = o.label.clone(),
                        None => entry.options.push((o.id.clone(), o.label.clone())),
                    }
                }
            }
        }
        let mut questions = Vec::new();
        if let Some((_, latest)) = versions.last() {
            for q in latest.questions.iter().filter(|q| q.kind.is_answered()) {
                if let Some(mut entry) = by_id.remove(&q.id) {
                    entry.removed = false;
                    // The latest version's order of options.
                    let order: Vec<&str> = q.kind.options().iter().map(|o| o.id.as_str()).collect();
                    entry.options.sort_by_key(|(id, _)| {
                        order.iter().position(|o| o == id).unwrap_or(usize::MAX)
                    });
                    questions.push(entry);
                }
            }
        }
        for id in first_seen {
            if let Some(entry) = by_id.remove(&id) {
                questions.push(entry);
            }
        }
        Ok(Self { questions })
    }

    /// An answer as text (choices joined with 「、」, files by name).
    pub fn display(
        &self,
        question: &CatalogQuestion,
        answer: Option<&Answer>,
        files: &BTreeMap<i64, String>,
    ) -> String {
        match answer {
            None => String::new(),
            Some(Answer::Text(t)) => t.clone(),
            Some(Answer::Choices(ids)) => ids
                .iter()
                .map(|id| {
                    question
                        .options
                        .iter()
                        .find(|(o, _)| o == id)
                        .map_or_else(|| id.clone(), |(_, label)| label.clone())
                })
                .collect::<Vec<_>>()
                .join("、"),
            Some(Answer::Files(ids)) => ids
                .iter()
                .map(|id| {
                    files
                        .get(id)
                        .cloned()
                        .unwrap_or_else(|| format!("ファイル{id}"))
                })
                .collect::<Vec<_>>()
                .join("、"),
        }
    }
}

/// A respondent's current answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Respondent {
    pub friend_id: i64,
    pub display_name: String,
    pub line_user_id: String,
    pub following: bool,
    /// How many times they sent (their latest revision).
    pub revision: i64,
    pub version: i64,
    pub submitted_at: DateTime,
    pub consented: bool,
    pub answers: Answers,
}

/// The respondents of a survey and the questions to show their answers with.
#[derive(Clone, Debug, PartialEq)]
pub struct RespondentPage {
    pub catalog: Catalog,
    pub total: u64,
    pub respondents: Vec<Respondent>,
    /// Names of the files the listed answers name.
    pub files: BTreeMap<i64, String>,
}

/// Only the latest revision of each friend.
fn latest_only() -> Expr {
    Expr::cust(
        "survey_response.revision = (SELECT MAX(r2.revision) FROM survey_response r2 \
         WHERE r2.survey_id = survey_response.survey_id AND r2.friend_id = survey_response.friend_id)",
    )
}

async fn latest_rows(
    db: &impl ConnectionTrait,
    survey_id: i64,
    offset: u64,
    limit: u64,
) -> DomainResult<Vec<survey_response::Model>> {
    Ok(survey_response::Entity::find()
        .filter(survey_response::Column::SurveyId.eq(survey_id))
        .filter(latest_only())
        .order_by_desc(survey_response::Column::SubmittedAt)
        .order_by_desc(survey_response::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?)
}

async fn respondents_of(
    db: &impl ConnectionTrait,
    rows: Vec<survey_response::Model>,
) -> DomainResult<(Vec<Respondent>, BTreeMap<i64, String>)> {
    let friend_ids: Vec<i64> = rows.iter().map(|r| r.friend_id).collect();
    let friends: HashMap<i64, friend::Model> = friend::Entity::find()
        .filter(friend::Column::Id.is_in(friend_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    let mut files = BTreeMap::new();
    for row in rows {
        let answers = parse_answers(&row)?;
        files.extend(file_names(db, &answers).await?);
        let friend = friends.get(&row.friend_id);
        out.push(Respondent {
            friend_id: row.friend_id,
            display_name: friend
                .and_then(|f| f.display_name.clone())
                .unwrap_or_default(),
            line_user_id: friend.map(|f| f.line_user_id.clone()).unwrap_or_default(),
            following: friend.is_some_and(|f| f.status == model::status::FriendStatus::Following),
            revision: row.revision,
            version: row.version_number,
            submitted_at: row.submitted_at,
            consented: row.consent_fingerprint.is_some(),
            answers,
        });
    }
    Ok((out, files))
}

pub const PAGE_SIZE: u64 = 50;

/// Respondents whose current answer to question `question` includes choice `choice`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChoiceFilter {
    pub question: String,
    pub choice: String,
}

impl ChoiceFilter {
    /// `q2:o1` (the answers page's parameter); anything else is no filter.
    pub fn parse(text: &str) -> Option<Self> {
        let (question, choice) = text.split_once(':')?;
        (!question.is_empty() && !choice.is_empty()).then(|| Self {
            question: question.to_owned(),
            choice: choice.to_owned(),
        })
    }

    fn matches(&self, answers: &Answers) -> bool {
        matches!(answers.get(&self.question), Some(Answer::Choices(ids)) if ids.contains(&self.choice))
    }
}

/// One page (from 0) of a survey's respondents, most recent answer first, optionally only those
/// who chose an option.
pub async fn respondents(
    db: &DatabaseConnection,
    scope: &Scope,
    survey_id: i64,
    page: u64,
    filter: Option<&ChoiceFilter>,
) -> DomainResult<RespondentPage> {
    find_in_scope(db, scope, survey_id).await?;
    let (total, rows) = match filter {
        None => {
            let total = survey_response::Entity::find()
                .filter(survey_response::Column::SurveyId.eq(survey_id))
                .filter(latest_only())
                .count(db)
                .await?;
            (
                total,
                latest_rows(
                    db,
                    survey_id,
                    page.saturating_mul(PAGE_SIZE).min(i64::MAX as u64),
                    PAGE_SIZE,
                )
                .await?,
            )
        }
        Some(filter) => {
            // Answers are JSON: read the current ones a thousand at a time and keep the matches.
            let mut matched = Vec::new();
            let mut offset = 0;
            loop {
                let batch = latest_rows(db, survey_id, offset, 1_000).await?;
                if batch.is_empty() {
                    break;
                }
                offset += batch.len() as u64;
                for row in batch {
                    if filter.matches(&parse_answers(&row)?) {
                        matched.push(row);
                    }
                }
            }
            let total = matched.len() as u64;
            let start = usize::try_from(page.saturating_mul(PAGE_SIZE)).unwrap_or(usize::MAX);
            let rows = matched
                .into_iter()
                .skip(start)
                .take(PAGE_SIZE as usize)
                .collect();
            (total, rows)
        }
    };
    let (respondents, files) = respondents_of(db, rows).await?;
    Ok(RespondentPage {
        catalog: Catalog::of(db, survey_id).await?,
        total,
        respondents,
        files,
    })
}

/// Every revision one friend sent, newest first.
pub async fn history(
    db: &DatabaseConnection,
    scope: &Scope,
    survey_id: i64,
    friend_id: i64,
) -> DomainResult<RespondentPage> {
    find_in_scope(db, scope, survey_id).await?;
    let rows = survey_response::Entity::find()
        .filter(survey_response::Column::SurveyId.eq(survey_id))
        .filter(survey_response::Column::FriendId.eq(friend_id))
        .order_by_desc(survey_response::Column::Revision)
        .all(db)
        .await?;
    if rows.is_empty() {
        return Err(DomainError::NotFound(
            "この友だちの回答はありません。".into(),
        ));
    }
    let (respondents, files) = respondents_of(db, rows).await?;
    Ok(RespondentPage {
        catalog: Catalog::of(db, survey_id).await?,
        total: respondents.len() as u64,
        respondents,
        files,
    })
}

/// One question's aggregate over the current answers.
#[derive(Clone, Debug, PartialEq)]
pub struct QuestionTally {
    pub question: CatalogQuestion,
    pub answered: u64,
    /// Per option (choice questions), in the survey's order.
    pub options: Vec<(String, u64)>,
    /// The latest text answers (at most [`TEXTS_SHOWN`]).
    pub texts: Vec<String>,
}

pub const TEXTS_SHOWN: usize = 100;

#[derive(Clone, Debug, PartialEq)]
pub struct Tally {
    pub respondents: u64,
    pub questions: Vec<QuestionTally>,
}

/// The aggregate per question over each respondent's current answer.
pub async fn tally(db: &DatabaseConnection, scope: &Scope, survey_id: i64) -> DomainResult<Tally> {
    find_in_scope(db, scope, survey_id).await?;
    let catalog = Catalog::of(db, survey_id).await?;
    let mut questions: Vec<QuestionTally> = catalog
        .questions
        .iter()
        .map(|q| QuestionTally {
            question: q.clone(),
            answered: 0,
            options: q
                .options
                .iter()
                .map(|(_, label)| (label.clone(), 0))
                .collect(),
            texts: Vec::new(),
        })
        .collect();
    let mut respondents = 0;
    let mut offset = 0;
    // One moment of the answers, however many pages (citizens may be answering meanwhile).
    let snapshot = crate::db::begin_snapshot(db).await?;
    loop {
        // Answers only, a thousand at a time (newest first, so texts are the latest).
        let rows: Vec<String> = survey_response::Entity::find()
            .select_only()
            .column(survey_response::Column::Answers)
            .filter(survey_response::Column::SurveyId.eq(survey_id))
            .filter(latest_only())
            .order_by_desc(survey_response::Column::SubmittedAt)
            .order_by_desc(survey_response::Column::Id)
            .offset(offset)
            .limit(1_000)
            .into_tuple()
            .all(&snapshot)
            .await?;
        if rows.is_empty() {
            break;
        }
        offset += rows.len() as u64;
        for json in rows {
            respondents += 1;
            let answers: Answers = serde_json::from_str(&json)
                .map_err(|e| DomainError::Internal(format!("answers: {e}")))?;
            for t in &mut questions {
                let Some(answer) = answers.get(&t.question.id) else {
                    continue;
                };
                t.answered += 1;
                match answer {
                    Answer::Choices(ids) => {
                        for id in ids {
                            if let Some(i) = t.question.options.iter().position(|(o, _)| o == id) {
                                t.options[i].1 += 1;
                            }
                        }
                    }
                    Answer::Text(text) if t.texts.len() < TEXTS_SHOWN => t.texts.push(text.clone()),
                    Answer::Text(_) | Answer::Files(_) => {}
                }
            }
        }
    }
    Ok(Tally {
        respondents,
        questions,
    })
}

/// The CSV file's name for survey `survey_id` (today in Japan).
pub fn csv_file_name(survey_id: i64) -> String {
    format!(
        "survey-{survey_id}-{}.csv",
        crate::time::day_of(chrono::Utc::now()).format("%Y%m%d")
    )
}

/// Checks that survey `survey_id` is in `scope` (before a download starts).
pub async fn check_export(
    db: &DatabaseConnection,
    scope: &Scope,
    survey_id: i64,
) -> DomainResult<()> {
    find_in_scope(db, scope, survey_id).await.map(|_| ())
}

/// The answers as CSV, streamed to `sink` 500 respondents at a time: one row per respondent
/// (their current answer), a column per question of every version (removed ones marked), with
/// the friends export's CSV rules (BOM or Shift_JIS, formulas neutralised). Audited. Returns
/// how many rows it wrote.
pub async fn export_csv(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    survey_id: i64,
    encoding: Encoding,
    sink: &mut impl ExportSink,
) -> DomainResult<u64> {
    let survey = find_in_scope(db, scope, survey_id).await?;
    // One moment of the answers, however many pages (citizens may be answering meanwhile).
    let snapshot = crate::db::begin_snapshot(db).await?;
    let catalog = Catalog::of(&snapshot, survey_id).await?;
    let mut header: Vec<String> = [
        "回答日時",
        "表示名",
        "LINEユーザーID",
        "友だち",
        "版",
        "回答回数",
        "同意",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for q in &catalog.questions {
        header.push(if q.removed {
            format!("{}（削除済み）", q.label)
        } else {
            q.label.clone()
        });
    }
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut out = Csv::with_encoding(&header_refs, encoding);
    let mut rows = 0;
    let mut offset = 0;
    loop {
        let page = latest_rows(&snapshot, survey_id, offset, 500).await?;
        if page.is_empty() {
            break;
        }
        offset += page.len() as u64;
        let (respondents, files) = respondents_of(&snapshot, page).await?;
        for r in respondents {
            rows += 1;
            let mut cells = vec![
                crate::time::minutes(r.submitted_at),
                r.display_name.clone(),
                r.line_user_id.clone(),
                if r.following {
                    "友だち"
                } else {
                    "ブロック中"
                }
                .to_owned(),
                r.version.to_string(),
                r.revision.to_string(),
                if r.consented { "同意済み" } else { "" }.to_owned(),
            ];
            for q in &catalog.questions {
                cells.push(catalog.display(q, r.answers.get(&q.id), &files));
            }
            out.row(cells.iter().map(String::as_str));
        }
        sink.send(out.take()).await?;
    }
    sink.send(out.take()).await?;
    drop(snapshot);
    audit::record(
        db,
        actor,
        "survey.export",
        "survey",
        Some(&survey_id.to_string()),
        json!({ "title": survey.title, "rows": rows, "encoding": encoding.charset() }),
    )
    .await?;
    Ok(rows)
}

/// A file a citizen sent, for staff of the survey's department.
#[derive(Clone, Debug)]
pub struct UploadedFile {
    pub file_name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

pub async fn file(
    db: &DatabaseConnection,
    scope: &Scope,
    survey_id: i64,
    upload_id: i64,
) -> DomainResult<UploadedFile> {
    find_in_scope(db, scope, survey_id).await?;
    let row = survey_upload::Entity::find_by_id(upload_id)
        .filter(survey_upload::Column::SurveyId.eq(survey_id))
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound("このファイルはありません。".into()))?;
    Ok(UploadedFile {
        file_name: row.file_name,
        content_type: row.content_type,
        data: row.data,
    })
}

/// The friends export's columns of survey answers start with this (the import ignores them:
/// they are read-only there, like the built-in columns).
pub const EXPORT_COLUMN_PREFIX: &str = "アンケート:";

/// Each friend's latest answers as columns of the friends export: the questions of the surveys
/// in a scope that are in their latest version, answered by text or choice, and not bound to an
/// attribute (those are attribute columns already).
#[derive(Clone, Debug, Default)]
pub struct AnswerColumns {
    /// (survey id, its catalog, the catalog's questions shown), in survey id order.
    surveys: Vec<(i64, Catalog, Vec<usize>)>,
    pub headers: Vec<String>,
}

impl AnswerColumns {
    pub async fn of(db: &impl ConnectionTrait, scope: &Scope) -> DomainResult<Self> {
        use crate::staff::scope::ScopeCondition;
        let rows = crate::entities::survey::Entity::find()
            .filter(scope.condition(crate::entities::survey::Column::DepartmentId))
            .order_by_asc(crate::entities::survey::Column::Id)
            .all(db)
            .await?;
        let mut out = Self::default();
        for row in rows {
            let latest = super::version(db, row.id, row.latest_version).await?;
            let catalog = Catalog::of(db, row.id).await?;
            let shown: Vec<usize> = catalog
                .questions
                .iter()
                .enumerate()
                .filter(|(_, q)| !q.removed && !q.is_upload)
                .filter(|(_, q)| {
                    latest
                        .questions
                        .iter()
                        .any(|l| l.id == q.id && l.attribute_id.is_none())
                })
                .map(|(i, _)| i)
                .collect();
            for i in &shown {
                out.headers.push(format!(
                    "{EXPORT_COLUMN_PREFIX}{}:{}",
                    row.title, catalog.questions[*i].label
                ));
            }
            if !shown.is_empty() {
                out.surveys.push((row.id, catalog, shown));
            }
        }
        Ok(out)
    }

    /// The cells of `friend_ids` (one per header, empty where unanswered).
    pub async fn cells(
        &self,
        db: &impl ConnectionTrait,
        friend_ids: &[i64],
    ) -> DomainResult<HashMap<i64, Vec<String>>> {
        let mut out: HashMap<i64, Vec<String>> = HashMap::new();
        if self.headers.is_empty() || friend_ids.is_empty() {
            return Ok(out);
        }
        let survey_ids: Vec<i64> = self.surveys.iter().map(|(id, _, _)| *id).collect();
        let rows = survey_response::Entity::find()
            .filter(survey_response::Column::SurveyId.is_in(survey_ids))
            .filter(survey_response::Column::FriendId.is_in(friend_ids.iter().copied()))
            .filter(latest_only())
            .all(db)
            .await?;
        let mut by_friend: HashMap<(i64, i64), Answers> = HashMap::new();
        for row in &rows {
            by_friend.insert((row.friend_id, row.survey_id), parse_answers(row)?);
        }
        let no_files = BTreeMap::new();
        for friend in friend_ids {
            let mut cells = Vec::with_capacity(self.headers.len());
            for (survey_id, catalog, shown) in &self.surveys {
                let answers = by_friend.get(&(*friend, *survey_id));
                for i in shown {
                    let q = &catalog.questions[*i];
                    let answer = answers.and_then(|a| a.get(&q.id));
                    cells.push(catalog.display(q, answer, &no_files));
                }
            }
            out.insert(*friend, cells);
        }
        Ok(out)
    }
}

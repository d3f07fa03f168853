//! A citizen's answers to a survey: what the LIFF page shows them (their current answers, and
//! whether they agreed to this consent text before), and a submission checked against the
//! latest version, stored whole or not at all.
//!
//! A submission is a new revision (`survey_response`): earlier ones stay as history. Two
//! submissions at once both aim at the next revision; the unique index lets one win and the
//! other is told to reload. Files are checked by content and images are re-encoded (no EXIF
//! GPS survives); they are stored in the same transaction. Questions bound to an attribute
//! write it (source アンケート), in the same transaction too.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use model::status::ValueSource;
use model::survey::{Answer, Answers, Consent, QuestionKind, Survey};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::accepting;
use crate::audience::attributes;
use crate::audience::values::{self, Change};
use crate::entities::{friend, survey, survey_response, survey_upload};
use crate::{DateTime, DomainError, DomainResult};

/// The widest side an uploaded photo is kept at.
const PHOTO_MAX_SIDE: u32 = 2_048;

/// A file sent with a submission.
#[derive(Clone, Debug)]
pub struct IncomingFile {
    pub question_id: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A form as the LIFF page posted it.
#[derive(Clone, Debug, Default)]
pub struct Submission {
    /// The version the page showed.
    pub version: i64,
    /// Field values by name (`q.{id}`, `q.{id}.year`...), repeated names collected.
    pub fields: BTreeMap<String, Vec<String>>,
    pub files: Vec<IncomingFile>,
    pub consent: bool,
}

/// What the LIFF page shows a citizen.
#[derive(Clone, Debug)]
pub struct Sheet {
    pub survey_id: i64,
    pub version: i64,
    pub survey: Survey,
    pub accepting: bool,
    pub answers: Answers,
    pub answered_at: Option<DateTime>,
    /// They agreed to this very consent text with their latest answer.
    pub consented: bool,
    pub files: BTreeMap<i64, String>,
}

/// A submission refused: the page is shown again with these.
#[derive(Clone, Debug, Default)]
pub struct Refusal {
    pub errors: BTreeMap<String, String>,
    pub form_error: Option<String>,
    /// What was typed, kept (files must be chosen again).
    pub answers: Answers,
}

/// The outcome of [`submit`].
#[derive(Debug)]
pub enum Submitted {
    Saved { revision: i64 },
    Refused(Box<Refusal>, Box<Sheet>),
}

fn closed() -> DomainError {
    DomainError::Invalid("このアンケートは現在受け付けていません。".into())
}

async fn survey_row(db: &impl ConnectionTrait, survey_id: i64) -> DomainResult<survey::Model> {
    survey::Entity::find_by_id(survey_id)
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound("このアンケートは見つかりません。".into()))
}

async fn latest(
    db: &impl ConnectionTrait,
    survey_id: i64,
    friend_id: i64,
) -> DomainResult<Option<survey_response::Model>> {
    Ok(survey_response::Entity::find()
        .filter(survey_response::Column::SurveyId.eq(survey_id))
        .filter(survey_response::Column::FriendId.eq(friend_id))
        .order_by_desc(survey_response::Column::Revision)
        .one(db)
        .await?)
}

pub(crate) fn parse_answers(row: &survey_response::Model) -> DomainResult<Answers> {
    serde_json::from_str(&row.answers)
        .map_err(|e| DomainError::Internal(format!("response {} is unreadable: {e}", row.id)))
}

/// Names of uploaded files by id.
pub(crate) async fn file_names(
    db: &impl ConnectionTrait,
    answers: &Answers,
) -> DomainResult<BTreeMap<i64, String>> {
    let ids: Vec<i64> = answers
        .values()
        .filter_map(|a| match a {
            Answer::Files(ids) => Some(ids.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect();
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    use sea_orm::QuerySelect;
    let rows: Vec<(i64, String)> = survey_upload::Entity::find()
        .select_only()
        .column(survey_upload::Column::Id)
        .column(survey_upload::Column::FileName)
        .filter(survey_upload::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The page of survey `survey_id` for friend `friend_id`: the latest version with their current
/// answers. A draft is not shown to citizens (`NotFound`).
pub async fn sheet(
    db: &DatabaseConnection,
    survey_id: i64,
    friend_id: i64,
    now: DateTime,
) -> DomainResult<Sheet> {
    let row = survey_row(db, survey_id).await?;
    if row.state == model::status::SurveyState::Draft.key() {
        return Err(DomainError::NotFound(
            "このアンケートは見つかりません。".into(),
        ));
    }
    let survey = super::version(db, survey_id, row.latest_version).await?;
    let previous = latest(db, survey_id, friend_id).await?;
    let answers = previous
        .as_ref()
        .map(parse_answers)
        .transpose()?
        .unwrap_or_default();
    let consented = match (&survey.consent, &previous) {
        (Some(consent), Some(p)) => {
            p.consent_fingerprint.as_deref() == Some(&consent.fingerprint())
        }
        _ => false,
    };
    Ok(Sheet {
        survey_id,
        version: row.latest_version,
        accepting: accepting(&row, now),
        files: file_names(db, &answers).await?,
        answered_at: previous.map(|p| p.submitted_at),
        answers,
        consented,
        survey,
    })
}

/// One field's values.
fn values<'a>(fields: &'a BTreeMap<String, Vec<String>>, name: &str) -> Vec<&'a str> {
    fields
        .get(name)
        .map(|v| {
            v.iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn first<'a>(fields: &'a BTreeMap<String, Vec<String>>, name: &str) -> &'a str {
    values(fields, name).first().copied().unwrap_or_default()
}

/// A checked file, ready to store.
struct CheckedFile {
    question_id: String,
    file_name: String,
    content_type: &'static str,
    data: Vec<u8>,
}

/// What [`check_answers`] makes of a form.
struct Checked {
    answers: Answers,
    files: Vec<CheckedFile>,
    errors: BTreeMap<String, String>,
    /// What was typed in text and date fields that were refused, to show again.
    typed: Answers,
}

/// Checks the form's answers against `survey`: the answers, the files to store, and errors by
/// question id. `previous` gives the files kept when none are sent again.
fn check_answers(
    survey: &Survey,
    submission: &Submission,
    previous: &Answers,
    today: NaiveDate,
) -> Checked {
    let mut answers = Answers::new();
    let mut typed = Answers::new();
    let mut files = Vec::new();
    let mut errors = BTreeMap::new();
    let fields = &submission.fields;
    for q in survey.questions.iter().filter(|q| q.kind.is_answered()) {
        let name = format!("q.{}", q.id);
        let result: Result<Option<Answer>, String> = match &q.kind {
            QuestionKind::SingleChoice { options, .. } => {
                let chosen = values(fields, &name);
                match chosen.as_slice() {
                    [] => Ok(None),
                    [one] if options.iter().any(|o| o.id == *one) => {
                        Ok(Some(Answer::Choices(vec![(*one).to_owned()])))
                    }
                    [_] => Err("選択肢から選んでください".into()),
                    _ => Err("1つだけ選んでください".into()),
                }
            }
            QuestionKind::MultiChoice { options, min, max } => {
                let chosen = values(fields, &name);
                if chosen.iter().any(|c| !options.iter().any(|o| o.id == *c)) {
                    Err("選択肢から選んでください".into())
                } else {
                    // In the survey's order, once each.
                    let ids: Vec<String> = options
                        .iter()
                        .filter(|o| chosen.contains(&o.id.as_str()))
                        .map(|o| o.id.clone())
                        .collect();
                    let n = ids.len() as u32;
                    if n == 0 {
                        Ok(None)
                    } else if n < *min {
                        Err(format!("{min}つ以上選んでください"))
                    } else if *max > 0 && n > *max {
                        Err(format!("{max}つまで選んでください"))
                    } else {
                        Ok(Some(Answer::Choices(ids)))
                    }
                }
            }
            QuestionKind::Text {
                max_chars, input, ..
            } => {
                let raw = fields
                    .get(&name)
                    .and_then(|v| v.first())
                    .map(|s| s.replace("\r\n", "\n"))
                    .unwrap_or_default();
                let text = input.normalize(&raw);
                if text.is_empty() {
                    Ok(None)
                } else if text.chars().count() > *max_chars as usize {
                    Err(format!("{max_chars}文字以内で入力してください"))
                } else if text.chars().any(|c| c.is_control() && c != '\n') {
                    Err("使えない文字が含まれています".into())
                } else {
                    input
                        .check(&text)
                        .map(|()| Some(Answer::Text(text)))
                        .map_err(str::to_owned)
                }
            }
            QuestionKind::Date => {
                let text = first(fields, &name);
                if text.is_empty() {
                    Ok(None)
                } else {
                    values::parse_date(text)
                        .filter(|d| (1900..=2100).contains(&d.year()))
                        .map(|d| Some(Answer::Text(d.format("%Y-%m-%d").to_string())))
                        .ok_or_else(|| "日付を正しく入力してください".into())
                }
            }
            QuestionKind::BirthMonth => {
                let year = first(fields, &format!("{name}.year"));
                let month = first(fields, &format!("{name}.month"));
                match (year.parse::<i32>(), month.parse::<u32>()) {
                    _ if year.is_empty() && month.is_empty() => Ok(None),
                    (Ok(y), Ok(m))
                        if (1..=12).contains(&m)
                            && y >= today.year() - 120
                            && NaiveDate::from_ymd_opt(y, m, 1).is_some_and(|d| d <= today) =>
                    {
                        Ok(Some(Answer::Text(format!("{y:04}-{m:02}"))))
                    }
                    _ if year.is_empty() || month.is_empty() => {
                        Err("年と月の両方を選んでください".into())
                    }
                    _ => Err("生年月を正しく選んでください".into()),
                }
            }
            QuestionKind::Upload {
                images_only,
                max_bytes,
                max_files,
            } => {
                let sent: Vec<&IncomingFile> = submission
                    .files
                    .iter()
                    .filter(|f| f.question_id == q.id && !f.bytes.is_empty())
                    .collect();
                if sent.is_empty() {
                    // Nothing chosen this time: the files sent before stay.
                    Ok(previous.get(&q.id).cloned())
                } else if sent.len() > *max_files as usize {
                    Err(format!("ファイルは{max_files}つまでです"))
                } else {
                    let mut problem = None;
                    for file in sent {
                        if file.bytes.len() > *max_bytes as usize {
                            problem = Some(format!(
                                "「{}」が大きすぎます（{}まで）",
                                crate::messaging::media::clean_file_name(&file.file_name),
                                model::survey::size_label(*max_bytes)
                            ));
                            break;
                        }
                        match check_file(&file.bytes, *images_only) {
                            Ok((content_type, data)) => files.push(CheckedFile {
                                question_id: q.id.clone(),
                                file_name: crate::messaging::media::clean_file_name(
                                    &file.file_name,
                                ),
                                content_type,
                                data,
                            }),
                            Err(message) => {
                                problem = Some(message);
                                break;
                            }
                        }
                    }
                    match problem {
                        Some(message) => Err(message),
                        // Filled with the stored ids once written.
                        None => Ok(Some(Answer::Files(Vec::new()))),
                    }
                }
            }
            QuestionKind::Heading | QuestionKind::Explanation | QuestionKind::Image { .. } => {
                Ok(None)
            }
        };
        match result {
            Ok(Some(answer)) => {
                answers.insert(q.id.clone(), answer);
            }
            Ok(None) if q.required => {
                let message = match q.kind {
                    QuestionKind::SingleChoice { .. } | QuestionKind::MultiChoice { .. } => {
                        "選んでください"
                    }
                    QuestionKind::Upload { .. } => "ファイルを選んでください",
                    QuestionKind::BirthMonth => "年と月を選んでください",
                    _ => "入力してください",
                };
                errors.insert(q.id.clone(), message.to_owned());
            }
            Ok(None) => {}
            Err(message) => {
                errors.insert(q.id.clone(), message);
                if matches!(q.kind, QuestionKind::Text { .. } | QuestionKind::Date) {
                    let raw = fields.get(&name).and_then(|v| v.first()).cloned();
                    if let Some(raw) = raw {
                        typed.insert(q.id.clone(), Answer::Text(raw));
                    }
                }
            }
        }
    }
    Checked {
        answers,
        files,
        errors,
        typed,
    }
}

/// A file's type from its content (never its name): JPEG and PNG are re-encoded (metadata
/// gone), a PDF is kept as sent when allowed.
fn check_file(bytes: &[u8], images_only: bool) -> Result<(&'static str, Vec<u8>), String> {
    if bytes.starts_with(b"%PDF-") {
        if images_only {
            return Err("画像（JPEG・PNG）を選んでください".into());
        }
        return Ok(("application/pdf", bytes.to_vec()));
    }
    crate::messaging::media::reencode_photo(bytes, PHOTO_MAX_SIDE).map_err(|e| match e {
        DomainError::Invalid(_) if images_only => {
            "画像として読み取れないファイルです。JPEG・PNG の画像を選んでください".into()
        }
        DomainError::Invalid(_) => {
            "読み取れないファイルです。JPEG・PNG の画像か PDF を選んでください".into()
        }
        other => other.to_string(),
    })
}

/// Checks and stores friend `friend_id`'s answers to survey `survey_id` (the friend of
/// `channel_id`, from a verified LIFF session).
pub async fn submit(
    db: &DatabaseConnection,
    survey_id: i64,
    friend_id: i64,
    submission: Submission,
    now: DateTime,
) -> DomainResult<Submitted> {
    let sheet = sheet(db, survey_id, friend_id, now).await?;
    if !sheet.accepting {
        return Err(closed());
    }
    let today = crate::time::day_of(now);
    let decoded = if submission.files.iter().any(|f| !f.bytes.is_empty()) {
        let survey = sheet.survey.clone();
        let previous = sheet.answers.clone();
        let permit = crate::messaging::media::PROCESSING
            .acquire()
            .await
            .map_err(|e| DomainError::Internal(format!("upload processing: {e}")))?;
        // Image decoding is CPU work: off the async threads, two at a time.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let checked = check_answers(&survey, &submission, &previous, today);
            (checked, submission.version, submission.consent)
        })
        .await
        .map_err(|e| DomainError::Internal(format!("upload processing stopped: {e}")))?
    } else {
        // No file: nothing to decode, no wait for the image slots.
        let checked = check_answers(&sheet.survey, &submission, &sheet.answers, today);
        (checked, submission.version, submission.consent)
    };
    let (checked, version, consent) = decoded;
    let Checked {
        mut answers,
        files,
        mut errors,
        typed,
    } = checked;
    let consent_needed = sheet.survey.consent.as_ref();
    if consent_needed.is_some() && !consent {
        errors.insert(
            "consent".into(),
            "同意事項を確認して、チェックを入れてください".into(),
        );
    }
    let form_error = (version != sheet.version).then(|| {
        "アンケートの内容が更新されました。内容を確認して、もう一度送信してください。".to_owned()
    });
    if !errors.is_empty() || form_error.is_some() {
        // Files must be chosen again; what was typed stays, refused text included.
        answers.retain(|_, a| !matches!(a, Answer::Files(ids) if ids.is_empty()));
        answers.extend(typed);
        return Ok(Submitted::Refused(
            Box::new(Refusal {
                errors,
                form_error,
                answers,
            }),
            Box::new(sheet),
        ));
    }
    let txn = crate::db::begin_write(db).await?;
    let revision = latest(&txn, survey_id, friend_id)
        .await?
        .map_or(1, |r| r.revision + 1);
    let inserted = survey_response::ActiveModel {
        survey_id: Set(survey_id),
        friend_id: Set(friend_id),
        revision: Set(revision),
        version_number: Set(sheet.version),
        answers: Set("{}".into()),
        consent_fingerprint: Set(consent_needed.map(Consent::fingerprint)),
        submitted_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let response = match inserted {
        Ok(row) => row,
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            return Err(DomainError::Conflict(
                "別の画面から同時に送信されました。ページを読み込み直して、回答を確認してください。".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    for file in files {
        let bytes = file.data.len() as i64;
        let stored = survey_upload::ActiveModel {
            survey_id: Set(survey_id),
            friend_id: Set(friend_id),
            response_id: Set(response.id),
            question_id: Set(file.question_id.clone()),
            file_name: Set(file.file_name),
            content_type: Set(file.content_type.to_owned()),
            bytes: Set(bytes),
            data: Set(file.data),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if let Some(Answer::Files(ids)) = answers.get_mut(&file.question_id) {
            ids.push(stored.id);
        }
    }
    let mut active: survey_response::ActiveModel = response.into();
    active.answers = Set(serde_json::to_string(&answers)
        .map_err(|e| DomainError::Internal(format!("answers json: {e}")))?);
    active.update(&txn).await?;
    write_attributes(
        &txn,
        &sheet.survey,
        friend_id,
        &answers,
        &sheet.answers,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Submitted::Saved { revision })
}

/// Writes the bound attributes from `answers`. A bound question left unanswered clears its
/// attribute only if the citizen had answered it here before (they took it back); otherwise the
/// value staff, a CSV import or another survey gave stays.
async fn write_attributes(
    txn: &impl ConnectionTrait,
    survey: &Survey,
    friend_id: i64,
    answers: &Answers,
    previous: &Answers,
    now: DateTime,
) -> DomainResult<()> {
    let bound: Vec<_> = survey
        .questions
        .iter()
        .filter_map(|q| Some((q, q.attribute_id?)))
        .collect();
    if bound.is_empty() {
        return Ok(());
    }
    friend::Entity::find_by_id(friend_id)
        .one(txn)
        .await?
        .ok_or_else(|| DomainError::NotFound("この友だちは見つかりません。".into()))?;
    let today = crate::time::day_of(now);
    let attributes = attributes::list(txn).await?;
    let mut current = values::load(txn, &attributes, &[friend_id])
        .await?
        .remove(&friend_id)
        .unwrap_or_default();
    let mut changes = Vec::new();
    for (q, attribute_id) in bound {
        // Deleted since the version was saved: nothing to write.
        let Some(attribute) = attributes.iter().find(|a| a.id == attribute_id) else {
            continue;
        };
        let stored = current.remove(&attribute.id);
        let held = values::held_options(stored.as_ref());
        let new = match answers.get(&q.id) {
            None if previous.contains_key(&q.id) => Ok(None),
            None => continue,
            Some(Answer::Choices(ids)) => {
                let option_ids = q
                    .kind
                    .options()
                    .iter()
                    .filter(|o| ids.contains(&o.id))
                    .filter_map(|o| o.attribute_option_id)
                    .collect();
                values::options(attribute, option_ids, &held)
            }
            Some(Answer::Text(text)) => values::parse(attribute, text, &held, today),
            Some(Answer::Files(_)) => continue,
        };
        // An answer the attribute no longer takes (an option retired since) leaves it as is.
        let Ok(new) = new else {
            continue;
        };
        let change = Change::of(friend_id, attribute, stored, new);
        if change.old_display() != change.new_display() {
            changes.push(change);
        }
    }
    if !changes.is_empty() {
        values::write(txn, &changes, ValueSource::Survey, "アンケート", now).await?;
    }
    Ok(())
}

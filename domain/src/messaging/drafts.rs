//! Drafts of the message composer (下書きの自動保存): what a member of staff is editing (a
//! 定型文, a delivery), saved to the server now and then so a closed tab loses nothing.
//!
//! A draft belongs to one member of staff and a key naming what is edited (`templates/12`,
//! `deliveries/new`): only its owner ever reads, replaces or discards it, so no department
//! scope applies (the caller's own `staff_id` is the whole condition). Drafts are work in
//! progress: they are typed [`Message`]s (so well-formed), but not checked against LINE's
//! limits; that happens when the real thing is saved. Nothing here is audited: a draft changes
//! nothing anyone else sees.

use chrono::{SubsecRound, TimeDelta};
use line::message::Message;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};

use crate::entities::editor_draft;
use crate::{DateTime, DomainError, DomainResult};

/// The longest key, in characters (the column's length).
pub const KEY_MAX_CHARS: usize = 200;
/// The most JSON one draft may hold (a few Flex messages with room to spare).
pub const MAX_DRAFT_BYTES: usize = 256 * 1024;
/// How long a draft is kept without being saved again.
pub const KEPT_DAYS: i64 = 30;

/// A saved draft: the composer's messages and when they were saved.
#[derive(Clone, Debug, PartialEq)]
pub struct EditorDraft {
    pub messages: Vec<Message>,
    pub saved_at: DateTime,
}

/// Upsert of the caller's draft under `key`; returns when it was saved.
pub async fn save(
    db: &DatabaseConnection,
    staff_id: i64,
    key: &str,
    messages: &[Message],
) -> DomainResult<DateTime> {
    save_at(db, staff_id, key, messages, crate::time::now()).await
}

/// [`save`] at `now`.
pub async fn save_at(
    db: &DatabaseConnection,
    staff_id: i64,
    key: &str,
    messages: &[Message],
    now: DateTime,
) -> DomainResult<DateTime> {
    validate_key(key)?;
    let max = line::validate::MAX_MESSAGES_PER_REQUEST;
    if messages.len() > max {
        return Err(DomainError::Invalid(format!(
            "下書きに保存できるメッセージは{max}件までです。"
        )));
    }
    let json = serde_json::to_string(messages)
        .map_err(|e| DomainError::Internal(format!("draft messages: {e}")))?;
    if json.len() > MAX_DRAFT_BYTES {
        return Err(DomainError::Invalid(format!(
            "下書きが大きすぎます（{} KB まで）。画像などは URL で指定してください。",
            MAX_DRAFT_BYTES / 1024
        )));
    }
    // What the databases keep (PostgreSQL: microseconds), so the time answered is the time read.
    let now = now.trunc_subsecs(6);
    let txn = db.begin().await?;
    editor_draft::Entity::insert(editor_draft::ActiveModel {
        staff_id: Set(staff_id),
        draft_key: Set(key.to_owned()),
        messages: Set(json),
        saved_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            editor_draft::Column::StaffId,
            editor_draft::Column::DraftKey,
        ])
        .update_columns([
            editor_draft::Column::Messages,
            editor_draft::Column::SavedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    // Keeps the table small without a job of its own: each save clears the caller's drafts
    // not saved for `KEPT_DAYS` (work abandoned long ago; the one just saved is never among them).
    editor_draft::Entity::delete_many()
        .filter(editor_draft::Column::StaffId.eq(staff_id))
        .filter(editor_draft::Column::SavedAt.lt(now - TimeDelta::days(KEPT_DAYS)))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(now)
}

/// The caller's draft under `key`, if there is one. A draft that no longer reads as messages
/// (saved by an older version in a format since changed) is as good as none.
pub async fn load(
    db: &DatabaseConnection,
    staff_id: i64,
    key: &str,
) -> DomainResult<Option<EditorDraft>> {
    validate_key(key)?;
    let Some(row) = editor_draft::Entity::find()
        .filter(editor_draft::Column::StaffId.eq(staff_id))
        .filter(editor_draft::Column::DraftKey.eq(key))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    match serde_json::from_str(&row.messages) {
        Ok(messages) => Ok(Some(EditorDraft {
            messages,
            saved_at: row.saved_at,
        })),
        Err(e) => {
            tracing::warn!(draft = row.id, error = %e, "unreadable editor draft ignored");
            Ok(None)
        }
    }
}

/// Forgets the caller's draft under `key` (the real thing was saved, or staff threw the work
/// away). No draft is fine.
pub async fn discard(db: &DatabaseConnection, staff_id: i64, key: &str) -> DomainResult<()> {
    validate_key(key)?;
    editor_draft::Entity::delete_many()
        .filter(editor_draft::Column::StaffId.eq(staff_id))
        .filter(editor_draft::Column::DraftKey.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

fn validate_key(key: &str) -> DomainResult<()> {
    let allowed = |c: char| matches!(c, 'a'..='z' | '0'..='9' | ':' | '/' | '_' | '-');
    let len = key.chars().count();
    if len == 0 || len > KEY_MAX_CHARS || !key.chars().all(allowed) {
        return Err(DomainError::Invalid(format!(
            "下書きのキーは英小文字・数字・「:/_-」の1〜{KEY_MAX_CHARS}文字で指定してください。"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_lowercase_paths() {
        for ok in [
            "templates/12",
            "deliveries/new",
            "a",
            "x:y_z-1",
            &"k".repeat(200),
        ] {
            assert!(validate_key(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Templates/1",
            "a b",
            "テンプレ",
            "a.b",
            "a?b",
            &"k".repeat(201),
        ] {
            let err = validate_key(bad).unwrap_err().to_string();
            assert!(err.contains("下書きのキー"), "{bad}: {err}");
        }
    }
}

//! Message templates (定型文): a title and up to five LINE messages, owned by a department.
//!
//! The first feature built on department scope ([`Scope`]): every query takes the caller's
//! scope, lists show only its departments' templates, and a template of another department is
//! "not found" (never "forbidden", which would confirm that the id exists). Later editors and
//! deliveries start from templates.

use chrono::Utc;
use line::message::Message;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, TransactionTrait,
};

use model::access::Scope;

use crate::entities::message_template;
use crate::security::audit::{self, Actor};
use crate::staff::scope::{ScopeCondition, check_owner, department_names};
use crate::{DateTime, DomainError, DomainResult};

pub const TITLE_MAX_CHARS: usize = 100;

#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub id: i64,
    pub department_id: i64,
    pub department_name: String,
    pub title: String,
    pub messages: Vec<Message>,
    pub updated_at: DateTime,
    /// Username of whoever saved it last.
    pub updated_by: String,
}

/// What staff fill in: the owning department, a title, and the messages ([`compose`]).
pub struct TemplateInput {
    pub department_id: i64,
    pub title: String,
    pub messages: Vec<Message>,
}

/// Builds a template's messages from the editor's two fields: `text`, a plain text message
/// (optional), followed by `json`, a JSON array of further LINE message objects (optional). The
/// result is checked against LINE's limits; staff read every violation in Japanese.
pub fn compose(text: &str, json: &str) -> DomainResult<Vec<Message>> {
    let mut messages = Vec::new();
    let text = text.trim();
    if !text.is_empty() {
        messages.push(text_message(text));
    }
    let json = json.trim();
    if !json.is_empty() {
        let extra: Vec<Message> = serde_json::from_str(json).map_err(|e| {
            DomainError::Invalid(format!(
                "LINE メッセージの JSON が正しくありません（{e}）。メッセージオブジェクトの配列で入力してください。"
            ))
        })?;
        messages.extend(extra);
    }
    if messages.is_empty() {
        return Err(DomainError::Invalid(
            "メッセージを1件以上入れてください。".into(),
        ));
    }
    let violations = line::validate::messages(&messages);
    if !violations.is_empty() {
        return Err(DomainError::Invalid(
            violations
                .iter()
                .map(|v| v.message_ja())
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    }
    Ok(messages)
}

fn text_message(text: &str) -> Message {
    Message::Text(line::message::TextMessage {
        text: text.to_owned(),
        emojis: Vec::new(),
        quote_token: None,
        quick_reply: None,
        sender: None,
    })
}

/// The templates in `scope`, most recently saved first.
pub async fn list(db: &DatabaseConnection, scope: &Scope) -> DomainResult<Vec<Template>> {
    let rows = message_template::Entity::find()
        .filter(scope.condition(message_template::Column::DepartmentId))
        .order_by_desc(message_template::Column::UpdatedAt)
        .order_by_desc(message_template::Column::Id)
        .all(db)
        .await?;
    let names = department_names(db).await?;
    rows.into_iter().map(|m| template_of(m, &names)).collect()
}

/// One template, if it exists and is in `scope`; otherwise "not found".
pub async fn get(db: &DatabaseConnection, scope: &Scope, id: i64) -> DomainResult<Template> {
    let row = find_in_scope(db, scope, id).await?;
    template_of(row, &department_names(db).await?)
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    input: TemplateInput,
) -> DomainResult<Template> {
    let title = validate_title(&input.title)?;
    check_owner(db, scope, input.department_id).await?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let row = message_template::ActiveModel {
        department_id: Set(input.department_id),
        title: Set(title),
        messages: Set(messages_json(&input.messages)?),
        created_at: Set(now),
        updated_at: Set(now),
        updated_by: Set(actor.username.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let template = template_of(row, &department_names(&txn).await?)?;
    record(&txn, actor, "template.create", &template).await?;
    txn.commit().await?;
    Ok(template)
}

/// Replaces title, department and messages of a template in `scope`. Moving it to another
/// department needs that department to be in `scope` too.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    input: TemplateInput,
) -> DomainResult<Template> {
    let title = validate_title(&input.title)?;
    let existing = find_in_scope(db, scope, id).await?;
    check_owner(db, scope, input.department_id).await?;
    let mut row: message_template::ActiveModel = existing.into();
    row.department_id = Set(input.department_id);
    row.title = Set(title);
    row.messages = Set(messages_json(&input.messages)?);
    row.updated_at = Set(Utc::now());
    row.updated_by = Set(actor.username.clone());
    let txn = db.begin().await?;
    let row = row.update(&txn).await?;
    let template = template_of(row, &department_names(&txn).await?)?;
    record(&txn, actor, "template.update", &template).await?;
    txn.commit().await?;
    Ok(template)
}

pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
) -> DomainResult<Template> {
    let row = find_in_scope(db, scope, id).await?;
    let template = template_of(row, &department_names(db).await?)?;
    let txn = db.begin().await?;
    message_template::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    record(&txn, actor, "template.delete", &template).await?;
    txn.commit().await?;
    Ok(template)
}

async fn record(
    txn: &DatabaseTransaction,
    actor: &Actor,
    action: &str,
    t: &Template,
) -> DomainResult<()> {
    let id = t.id.to_string();
    let summary = serde_json::json!({
        "title": t.title,
        "department_id": t.department_id,
        "messages": t.messages.iter().map(|m| m.preview_text()).collect::<Vec<_>>(),
    });
    audit::record(txn, actor, action, "message_template", Some(&id), summary).await
}

fn not_found() -> DomainError {
    DomainError::NotFound("指定された定型文はありません。".into())
}

async fn find_in_scope(
    db: &DatabaseConnection,
    scope: &Scope,
    id: i64,
) -> DomainResult<message_template::Model> {
    message_template::Entity::find_by_id(id)
        .filter(scope.condition(message_template::Column::DepartmentId))
        .one(db)
        .await?
        .ok_or_else(not_found)
}

fn validate_title(raw: &str) -> DomainResult<String> {
    let title = raw.trim();
    let len = title.chars().count();
    if len == 0 || len > TITLE_MAX_CHARS || title.chars().any(char::is_control) {
        return Err(DomainError::Invalid(format!(
            "件名は1〜{TITLE_MAX_CHARS}文字で、改行などの制御文字を含めずに入力してください。"
        )));
    }
    Ok(title.to_owned())
}

fn messages_json(messages: &[Message]) -> DomainResult<String> {
    serde_json::to_string(messages).map_err(|e| DomainError::Internal(format!("messages: {e}")))
}

fn template_of(
    m: message_template::Model,
    names: &std::collections::HashMap<i64, String>,
) -> DomainResult<Template> {
    // Stored by `create`/`update` after validation; unreadable JSON means the row was changed
    // outside the application.
    let messages = serde_json::from_str(&m.messages).map_err(|e| {
        DomainError::Internal(format!("template {} has unreadable messages: {e}", m.id))
    })?;
    Ok(Template {
        department_name: names.get(&m.department_id).cloned().unwrap_or_default(),
        id: m.id,
        department_id: m.department_id,
        title: m.title,
        messages,
        updated_at: m.updated_at,
        updated_by: m.updated_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_reads_a_text_then_a_list_of_messages() {
        let sticker = r#"[{"type":"sticker","packageId":"446","stickerId":"1988"}]"#;
        let messages = compose("  お知らせです  ", sticker).unwrap();
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0], text_message("お知らせです"));
        assert_eq!(compose("", sticker).unwrap(), messages[1..]);
    }

    #[test]
    fn compose_refuses_what_line_would() {
        let err = compose("", "").unwrap_err().to_string();
        assert!(err.contains("1件以上"), "{err}");
        let err = compose("x", "{not json").unwrap_err().to_string();
        assert!(err.contains("JSON が正しくありません"), "{err}");
        let err = compose(&"あ".repeat(5001), "").unwrap_err().to_string();
        assert!(err.contains("messages[0].text"), "{err}");
        let six = serde_json::to_string(&vec![serde_json::json!({"type": "text", "text": "x"}); 5])
            .unwrap();
        let err = compose("one more", &six).unwrap_err().to_string();
        assert!(err.contains("messages"), "{err}");
        // An unknown field is a typo, not something to drop silently.
        let err = compose("", r#"[{"type":"text","text":"x","txet":"y"}]"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("txet"), "{err}");
    }
}

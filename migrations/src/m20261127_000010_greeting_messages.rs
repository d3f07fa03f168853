//! The greeting (あいさつメッセージ) moves onto the message composer: one column of LINE message
//! objects (`greeting_messages`, a JSON array) replaces the plain text and the Flex JSON. Each
//! channel's greeting is converted to exactly the messages it was sent as before (the text,
//! then the Flex message with the text's first 400 characters as its alternative text), then the
//! two old columns go (SQLite has had `DROP COLUMN` since 3.35; the bundled one is newer).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use serde_json::{Value, json};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What LINE shows in notifications for a Flex greeting that has no text.
const FLEX_ALT_TEXT: &str = "友だち追加ありがとうございます";

/// The greeting as it was sent before this migration: the text message (if any), then the Flex
/// message (if any). Flex JSON that does not parse could never be saved or sent; it is left out.
fn messages_of(text: Option<&str>, flex: Option<&str>) -> Vec<Value> {
    let mut messages = Vec::new();
    let text = text.unwrap_or_default().trim();
    if !text.is_empty() {
        messages.push(json!({ "type": "text", "text": text }));
    }
    if let Ok(contents) = serde_json::from_str::<Value>(flex.unwrap_or_default()) {
        let alt: String = text.chars().take(400).collect();
        let alt_text = if alt.is_empty() {
            FLEX_ALT_TEXT.to_owned()
        } else {
            alt
        };
        messages.push(json!({ "type": "flex", "altText": alt_text, "contents": contents }));
    }
    messages
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(LineChannel::Table)
                    .add_column(text_null(LineChannel::GreetingMessages))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let rows = db
            .query_all(
                &Query::select()
                    .columns([
                        LineChannel::Id,
                        LineChannel::GreetingText,
                        LineChannel::GreetingFlex,
                    ])
                    .from(LineChannel::Table)
                    .to_owned(),
            )
            .await?;
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            let text: Option<String> = row.try_get("", "greeting_text")?;
            let flex: Option<String> = row.try_get("", "greeting_flex")?;
            let messages = Value::Array(messages_of(text.as_deref(), flex.as_deref()));
            db.execute(
                &Query::update()
                    .table(LineChannel::Table)
                    .value(LineChannel::GreetingMessages, messages.to_string())
                    .and_where(Expr::col(LineChannel::Id).eq(id))
                    .to_owned(),
            )
            .await?;
        }
        // One column per statement: SQLite alters one thing at a time.
        for column in [LineChannel::GreetingText, LineChannel::GreetingFlex] {
            manager
                .alter_table(
                    Table::alter()
                        .table(LineChannel::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    /// Back to the two fields, as far as they can hold the messages: the first text message and
    /// the first Flex message's contents.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [LineChannel::GreetingText, LineChannel::GreetingFlex] {
            manager
                .alter_table(
                    Table::alter()
                        .table(LineChannel::Table)
                        .add_column(text_null(column))
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        let rows = db
            .query_all(
                &Query::select()
                    .columns([LineChannel::Id, LineChannel::GreetingMessages])
                    .from(LineChannel::Table)
                    .to_owned(),
            )
            .await?;
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            let stored: Option<String> = row.try_get("", "greeting_messages")?;
            let messages: Vec<Value> = stored
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default();
            let first = |kind: &str| messages.iter().find(|m| m["type"] == kind);
            let text = first("text").and_then(|m| m["text"].as_str().map(str::to_owned));
            let flex = first("flex").map(|m| m["contents"].to_string());
            db.execute(
                &Query::update()
                    .table(LineChannel::Table)
                    .value(LineChannel::GreetingText, text)
                    .value(LineChannel::GreetingFlex, flex)
                    .and_where(Expr::col(LineChannel::Id).eq(id))
                    .to_owned(),
            )
            .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(LineChannel::Table)
                    .drop_column(LineChannel::GreetingMessages)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum LineChannel {
    Table,
    Id,
    GreetingText,
    GreetingFlex,
    GreetingMessages,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_and_a_flex_become_the_two_messages_sent_before() {
        let bubble = r#"{"type":"bubble","body":{"type":"box","layout":"vertical","contents":[]}}"#;
        let messages = messages_of(Some("  ようこそ  "), Some(bubble));
        assert_eq!(
            messages,
            [
                json!({"type": "text", "text": "ようこそ"}),
                json!({
                    "type": "flex",
                    "altText": "ようこそ",
                    "contents": serde_json::from_str::<Value>(bubble).unwrap(),
                }),
            ]
        );
        let long = "あ".repeat(500);
        let alt = &messages_of(Some(&long), Some(bubble))[1]["altText"];
        assert_eq!(alt.as_str().unwrap().chars().count(), 400);
        assert_eq!(messages_of(None, Some(bubble))[0]["altText"], FLEX_ALT_TEXT);
        assert!(messages_of(Some(" "), Some("")).is_empty());
        assert!(messages_of(None, None).is_empty());
    }
}

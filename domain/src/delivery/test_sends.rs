//! Test sends (テスト配信): a delivery's messages sent now to registered test recipients
//! (`test_recipient`), chosen by staff or those who fall in the delivery's target, marked so that
//! nobody mistakes them for the real thing:
//!
//! - every message carries LINE's `sender` name 「テスト配信」 (`TEST_SENDER_NAME`), shown in the
//!   chat instead of the account's name;
//! - the first text message starts with a line 「【テスト】」 (`TEST_MESSAGE_PREFIX`); without a
//!   text message, one with just that line goes first (when there is room for it).
//!
//! A test send goes through the outbox like everything else (one push, or one multicast to
//! several), but belongs to no run: it never changes the delivery's status, its runs, its
//! statistics (no aggregation unit) or anyone's rich menu. It works from any status, and on test
//! and production channels alike.

use std::collections::HashSet;

use line::api::{MulticastRequest, PushRequest};
use line::message::{Message, Sender, TextMessage};
use model::access::Scope;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection};
use serde_json::json;

use super::deliveries::{self, TestView};
use super::messenger::Messenger;
use super::outbox::{self, Outgoing};
use crate::audience::index::AudienceIndex;
use crate::audience::{segments, test_recipients};
use crate::entities::delivery_test;
use crate::security::audit::{self, Actor};
use crate::{DateTime, DomainError, DomainResult};

/// LINE's limit on a text message, in UTF-16 code units.
const MAX_TEXT: usize = 5000;
/// LINE's limit on a sender name, in characters.
pub const MAX_SENDER_NAME: usize = 20;
/// Recipients of one multicast.
const MAX_RECIPIENTS: usize = 500;

/// Who receives a test send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestChoice {
    /// These test recipients (`test_recipient` ids in the caller's scope).
    Chosen(Vec<i64>),
    /// The caller's test recipients who match the delivery's target (to check the targeting).
    MatchingTarget,
}

/// How test messages are marked (`TEST_SENDER_NAME`, `TEST_MESSAGE_PREFIX`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestSettings {
    pub sender_name: String,
    pub prefix: String,
}

impl Default for TestSettings {
    fn default() -> Self {
        Self {
            sender_name: "テスト配信".into(),
            prefix: "【テスト】".into(),
        }
    }
}

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// `text` cut to at most `max` UTF-16 code units, on a character boundary.
fn cut(text: &str, max: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    for c in text.chars() {
        used += c.len_utf16();
        if used > max {
            break;
        }
        out.push(c);
    }
    out
}

fn set_sender(message: &mut Message, name: &str) {
    let slot = match message {
        Message::Text(m) => &mut m.sender,
        Message::TextV2(m) => &mut m.sender,
        Message::Sticker(m) => &mut m.sender,
        Message::Image(m) => &mut m.sender,
        Message::Video(m) => &mut m.sender,
        Message::Audio(m) => &mut m.sender,
        Message::Location(m) => &mut m.sender,
        Message::Imagemap(m) => &mut m.sender,
        Message::Template(m) => &mut m.sender,
        Message::Flex(m) => &mut m.sender,
    };
    let icon_url = slot.as_ref().and_then(|s| s.icon_url.clone());
    *slot = Some(Sender {
        name: Some(name.to_owned()),
        icon_url,
    });
}

/// The messages as a test sends them: `sender` on each, the prefix as the first line of the
/// first text (LINE emoji positions moved with it, the text kept within LINE's 5,000).
pub fn mark(messages: &[Message], settings: &TestSettings) -> Vec<Message> {
    let mut out = messages.to_vec();
    let prefix = settings.prefix.trim();
    if !prefix.is_empty() {
        let head = format!("{prefix}\n");
        let shift = utf16_len(&head);
        let room = out.len() < deliveries::MAX_MESSAGES;
        let first_text = out
            .iter_mut()
            .find(|m| matches!(m, Message::Text(_) | Message::TextV2(_)));
        match first_text {
            Some(Message::Text(m)) => {
                let text = cut(&format!("{head}{}", m.text), MAX_TEXT);
                let len = utf16_len(&text);
                let offset = i32::try_from(shift).unwrap_or(i32::MAX);
                m.emojis = m
                    .emojis
                    .drain(..)
                    .map(|mut e| {
                        e.index = e.index.saturating_add(offset);
                        e
                    })
                    .filter(|e| usize::try_from(e.index).is_ok_and(|i| i < len))
                    .collect();
                m.text = text;
            }
            Some(Message::TextV2(m)) => {
                // A placeholder cut in half would be refused: cut before the last `{` then.
                let mut text = cut(&format!("{head}{}", m.text), MAX_TEXT);
                if text.rfind('{') > text.rfind('}')
                    && let Some(open) = text.rfind('{')
                {
                    text.truncate(open);
                }
                m.substitution
                    .retain(|key, _| text.contains(&format!("{{{key}}}")));
                m.text = text;
            }
            _ if room => {
                out.insert(
                    0,
                    Message::Text(TextMessage {
                        text: prefix.to_owned(),
                        emojis: Vec::new(),
                        quote_token: None,
                        quick_reply: None,
                        sender: None,
                    }),
                );
            }
            _ => {}
        }
    }
    let name: String = settings
        .sender_name
        .trim()
        .chars()
        .take(MAX_SENDER_NAME)
        .collect();
    if !name.is_empty() {
        for m in &mut out {
            set_sender(m, &name);
        }
    }
    out
}

/// Sends delivery `delivery_id`'s messages, marked ([`mark`]), to test recipients now, through
/// `messenger` (the delivery's channel's), and records it with the delivery (テスト in its
/// history). The outcome is in the returned view: sent, refused by LINE (its error), or still
/// pending after LINE could not be reached. Refused (nothing sent) when no test recipient fits:
/// none chosen, another channel's friends, blocked, or nobody matching the target.
#[allow(clippy::too_many_arguments)]
pub async fn send(
    db: &DatabaseConnection,
    messenger: &impl Messenger,
    index: &AudienceIndex,
    actor: &Actor,
    scope: &Scope,
    delivery_id: i64,
    choice: TestChoice,
    settings: &TestSettings,
    now: DateTime,
) -> DomainResult<TestView> {
    let row = deliveries::find_in_scope(db, scope, delivery_id).await?;
    let (messages, target, _) = deliveries::contents_of(&row)?;
    if messages.is_empty() {
        return Err(DomainError::Invalid(
            "メッセージを1件以上入れてから、テスト配信してください。".into(),
        ));
    }
    let by_target = choice == TestChoice::MatchingTarget;
    let recipients = match choice {
        TestChoice::Chosen(ids) => {
            if ids.is_empty() {
                return Err(DomainError::Invalid(
                    "テスト配信先を1人以上選んでください。".into(),
                ));
            }
            let chosen = test_recipients::of_ids(db, scope, &ids).await?;
            if let Some(other) = chosen.iter().find(|r| r.channel_id != row.channel_id) {
                return Err(DomainError::Invalid(format!(
                    "テスト配信先「{}」は、この配信の LINE チャネルの友だちではありません。",
                    other.name
                )));
            }
            let following: Vec<_> = chosen.into_iter().filter(|r| r.following).collect();
            if following.is_empty() {
                return Err(DomainError::Invalid(
                    "選んだテスト配信先はすべてブロック中のため、送れません。".into(),
                ));
            }
            following
        }
        TestChoice::MatchingTarget => {
            if target.is_empty() {
                return Err(DomainError::Invalid(
                    "配信対象を選んでから、対象に当てはまるテスト配信先へ送ってください。".into(),
                ));
            }
            let candidates: Vec<_> = test_recipients::list(db, scope)
                .await?
                .into_iter()
                .filter(|r| r.channel_id == row.channel_id && r.following)
                .collect();
            let ids: Vec<i64> = candidates.iter().map(|r| r.friend_id).collect();
            let selection = segments::selection(db, &target).await?;
            let matching: HashSet<i64> = if ids.is_empty() {
                HashSet::new()
            } else {
                index
                    .filter_friends(db, row.channel_id, &selection, now, &ids)
                    .await?
                    .into_iter()
                    .collect()
            };
            let chosen: Vec<_> = candidates
                .into_iter()
                .filter(|r| matching.contains(&r.friend_id))
                .collect();
            if chosen.is_empty() {
                return Err(DomainError::Invalid(
                    "この配信の対象に当てはまるテスト配信先がいません。テスト配信先を登録するか、送り先を選んでください。"
                        .into(),
                ));
            }
            chosen
        }
    };
    // One message per friend, however many departments registered them.
    let mut seen = HashSet::new();
    let mut to = Vec::new();
    let mut names = Vec::new();
    for r in &recipients {
        if seen.insert(r.line_user_id.clone()) {
            to.push(r.line_user_id.clone());
            names.push(r.name.clone());
        }
    }
    if to.len() > MAX_RECIPIENTS {
        return Err(DomainError::Invalid(format!(
            "テスト配信は一度に{MAX_RECIPIENTS}人までです。"
        )));
    }
    let messages = mark(&messages, settings);
    let outgoing = match to.as_slice() {
        [one] => Outgoing::Push(PushRequest {
            to: one.clone(),
            messages,
            notification_disabled: None,
            custom_aggregation_units: None,
        }),
        _ => Outgoing::Multicast(MulticastRequest {
            to,
            messages,
            notification_disabled: None,
            custom_aggregation_units: None,
        }),
    };
    let txn = crate::db::begin_write(db).await?;
    let stored = outbox::enqueue_for_run(&txn, row.channel_id, None, &outgoing).await?;
    let test = delivery_test::ActiveModel {
        delivery_id: Set(row.id),
        send_id: Set(stored.id),
        recipients: Set(i32::try_from(names.len()).unwrap_or(i32::MAX)),
        names: Set(serde_json::to_string(&names)
            .map_err(|e| DomainError::Internal(format!("names: {e}")))?),
        by_target: Set(by_target),
        created_at: Set(now),
        created_by: Set(actor.username.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let id = row.id.to_string();
    audit::record(
        &txn,
        actor,
        "delivery.test",
        "delivery",
        Some(&id),
        json!({
            "title": row.title,
            "channel_id": row.channel_id,
            "by_target": by_target,
            "recipients": names,
            "send_id": stored.id,
        }),
    )
    .await?;
    txn.commit().await?;
    match outbox::deliver(db, messenger, stored.id, now).await {
        // Refused by LINE, or not reached: the outcome is kept with the send and shown.
        Ok(_) | Err(DomainError::Invalid(_) | DomainError::Internal(_)) => {}
        Err(e) => return Err(e),
    }
    deliveries::test_view_of(db, test).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(json: serde_json::Value) -> Vec<Message> {
        serde_json::from_value(json).unwrap_or_default()
    }

    #[test]
    fn the_first_text_gets_the_prefix_and_every_message_the_sender() {
        let m = messages(json!([
            {"type": "sticker", "packageId": "446", "stickerId": "1988"},
            {"type": "text", "text": "$ ごみ収集日です", "emojis": [{"index": 0, "productId": "5ac1bfd5040ab15980c9b435", "emojiId": "001"}]},
            {"type": "text", "text": "二つ目"}
        ]));
        let marked = mark(&m, &TestSettings::default());
        let json = serde_json::to_value(&marked).unwrap_or_default();
        assert_eq!(json[1]["text"], "【テスト】\n$ ごみ収集日です");
        assert_eq!(json[1]["emojis"][0]["index"], 6);
        assert_eq!(json[2]["text"], "二つ目");
        for i in 0..3 {
            assert_eq!(json[i]["sender"]["name"], "テスト配信");
        }
        assert!(line::validate::messages(&marked).is_empty());
    }

    #[test]
    fn long_texts_stay_within_line_limits() {
        let long = "あ".repeat(5000);
        let m = messages(json!([{ "type": "text", "text": long }]));
        let marked = mark(&m, &TestSettings::default());
        assert!(line::validate::messages(&marked).is_empty());
        let Message::Text(t) = &marked[0] else {
            panic!("text")
        };
        assert!(t.text.starts_with("【テスト】\nあ"));
        assert_eq!(t.text.encode_utf16().count(), 5000);
    }

    #[test]
    fn without_a_text_a_prefix_message_goes_first() {
        let m = messages(json!([{"type": "sticker", "packageId": "446", "stickerId": "1988"}]));
        let marked = mark(&m, &TestSettings::default());
        assert_eq!(marked.len(), 2);
        assert_eq!(marked[0].preview_text(), "【テスト】");
        assert!(
            marked
                .iter()
                .all(|m| m.sender().and_then(|s| s.name.as_deref()) == Some("テスト配信"))
        );
    }
}

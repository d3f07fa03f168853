//! Acting on a stored follow event through the `Messenger` port with a scripted LINE: the friend
//! is registered with their profile and greeted once, even when the event is processed again
//! after a crash; LINE being unreachable leaves it for a retry; LINE refusing the greeting is
//! noted for staff, never retried (a reply token works once).

use chrono::Utc;
use domain::db_tests;
use domain::platform::channels::{self, Channel, ChannelSettings};
use domain::security::secrets::SecretBox;
use domain::testing::TestDb;
use domain::webhook::dispatch::{self, EventContext};
use domain::webhook::inbox::{self, NewEvent};
use line::api::{ErrorResponse, Profile, SentMessagesResponse};
use line::client::ClientError;

use crate::support::ScriptedLine;

const USER: &str = "U0123456789abcdef0123456789abcdef";

async fn main_channel(t: &TestDb) -> Channel {
    let secrets = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
    let settings = ChannelSettings {
        key: "main".into(),
        channel_secret: Some("0123456789abcdef0123456789abcdef".into()),
        access_token: Some("token-abcdefghijklmnopqrstuvwxyz".into()),
        ..Default::default()
    };
    channels::configure(&t.db, &secrets, &settings)
        .await
        .unwrap()
}

/// A follow event as LINE delivers it, stored in the inbox.
async fn stored_follow(t: &TestDb, channel: &Channel) -> domain::entities::webhook_event::Model {
    let now = Utc::now();
    let payload = serde_json::json!({
        "type": "follow",
        "mode": "active",
        "timestamp": now.timestamp_millis(),
        "source": {"type": "user", "userId": USER},
        "webhookEventId": "01J0000000000000000000FLW1",
        "deliveryContext": {"isRedelivery": false},
        "replyToken": "reply-token-1",
        "follow": {"isUnblocked": false}
    });
    let event = NewEvent {
        channel_id: channel.id,
        webhook_event_id: "01J0000000000000000000FLW1".into(),
        event_type: "follow".into(),
        line_user_id: Some(USER.into()),
        occurred_at: now,
        is_redelivery: false,
        payload: payload.to_string(),
    };
    inbox::store(&t.db, vec![event], None, now)
        .await
        .unwrap()
        .remove(0)
}

fn profile() -> Result<Profile, ClientError> {
    Ok(Profile {
        user_id: USER.into(),
        display_name: "山田 花子".into(),
        picture_url: None,
        status_message: None,
        language: Some("ja".into()),
    })
}

fn unreachable<T>() -> Result<T, ClientError> {
    Err(ClientError::GaveUp {
        attempts: 5,
        last: "connection refused".into(),
    })
}

/// The stored row as it is now (its `progress` is what a retry reads).
async fn reloaded(t: &TestDb, id: i64) -> domain::entities::webhook_event::Model {
    use sea_orm::EntityTrait;
    domain::entities::webhook_event::Entity::find_by_id(id)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap()
}

async fn a_follower_is_registered_and_greeted_once_even_when_processed_again(t: TestDb) {
    let channel = main_channel(&t).await;
    let stored = stored_follow(&t, &channel).await;
    let line = ScriptedLine::default();
    line.profiles.lock().unwrap().push_back(profile());
    line.replies
        .lock()
        .unwrap()
        .push_back(Ok(SentMessagesResponse::default()));
    let ctx = EventContext {
        db: &t.db,
        channel: &channel,
        line: &line,
    };
    let outcome = dispatch::process(&ctx, &stored).await.unwrap();
    assert_eq!(outcome.note, None);
    let friend = domain::audience::friends::list(&t.db, channel.id, &Default::default())
        .await
        .unwrap()
        .friends
        .remove(0);
    assert_eq!(friend.display_name.as_deref(), Some("山田 花子"));
    let replies = line.replied.lock().unwrap().clone();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].reply_token, "reply-token-1");
    // Processed again (the worker died before marking it done): nothing is sent twice.
    let again = reloaded(&t, stored.id).await;
    assert_eq!(again.progress.as_deref(), Some("greeted"));
    dispatch::process(&ctx, &again).await.unwrap();
    assert_eq!(line.replied.lock().unwrap().len(), 1);
}

async fn line_unreachable_leaves_the_event_for_a_retry(t: TestDb) {
    let channel = main_channel(&t).await;
    let stored = stored_follow(&t, &channel).await;
    let line = ScriptedLine::default();
    line.profiles.lock().unwrap().push_back(unreachable());
    let ctx = EventContext {
        db: &t.db,
        channel: &channel,
        line: &line,
    };
    let retry = dispatch::process(&ctx, &stored).await.unwrap_err();
    assert!(retry.0.contains("connection refused"), "{retry}");
    assert!(line.replied.lock().unwrap().is_empty(), "no greeting yet");
}

async fn a_greeting_line_refuses_is_noted_and_not_retried(t: TestDb) {
    let channel = main_channel(&t).await;
    let stored = stored_follow(&t, &channel).await;
    let line = ScriptedLine::default();
    line.profiles.lock().unwrap().push_back(profile());
    line.replies
        .lock()
        .unwrap()
        .push_back(Err(ClientError::Rejected {
            status: 400,
            error: ErrorResponse {
                message: "Invalid reply token".into(),
                details: Vec::new(),
                sent_messages: None,
            },
            request_id: None,
        }));
    let ctx = EventContext {
        db: &t.db,
        channel: &channel,
        line: &line,
    };
    let outcome = dispatch::process(&ctx, &stored).await.unwrap();
    let note = outcome.note.unwrap_or_default();
    assert!(note.contains("Invalid reply token"), "{note}");
    // The reply token is spent: a retry does not try again.
    let again = reloaded(&t, stored.id).await;
    dispatch::process(&ctx, &again).await.unwrap();
    assert_eq!(line.replied.lock().unwrap().len(), 1);
}

db_tests!(
    a_follower_is_registered_and_greeted_once_even_when_processed_again,
    line_unreachable_leaves_the_event_for_a_retry,
    a_greeting_line_refuses_is_noted_and_not_retried,
);

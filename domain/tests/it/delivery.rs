//! How a send becomes LINE requests, tested through the `Messenger` port with a scripted LINE:
//! LINE's refusals are final, a transport failure leaves the send pending and the next attempt
//! carries the same retry key, and a send not confirmed within LINE's 24 hours expires instead
//! of being sent again. (The sandbox tests the same path over HTTP, in the server's tests.)

use chrono::{TimeDelta, Utc};
use domain::db_tests;
use domain::delivery::outbox::{self, Outgoing, SendStatus};
use domain::platform::channels::{self, ChannelSettings};
use domain::security::secrets::SecretBox;
use domain::testing::TestDb;
use domain::{DatabaseConnection, DomainError};
use line::api::{ErrorResponse, PushRequest};
use line::client::{ClientError, SendOutcome};

use crate::support::ScriptedLine;

fn accepted(id: &str) -> Result<SendOutcome, ClientError> {
    Ok(SendOutcome::Accepted {
        request_id: Some(id.into()),
        sent_messages: Vec::new(),
    })
}

fn unreachable_line() -> Result<SendOutcome, ClientError> {
    Err(ClientError::GaveUp {
        attempts: 5,
        last: "connection refused".into(),
    })
}

fn refused() -> Result<SendOutcome, ClientError> {
    Err(ClientError::Rejected {
        status: 400,
        error: ErrorResponse {
            message: "The request body has 1 error(s)".into(),
            details: Vec::new(),
            sent_messages: None,
        },
        request_id: Some("req-refused".into()),
    })
}

const FRIEND: &str = "U0123456789abcdef0123456789abcdef";

/// A channel with one friend, and a push to that friend stored in the outbox.
async fn stored_push(db: &DatabaseConnection) -> (i64, i64) {
    let secrets = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
    let settings = ChannelSettings {
        key: "main".into(),
        channel_secret: Some("0123456789abcdef0123456789abcdef".into()),
        access_token: Some("token-abcdefghijklmnopqrstuvwxyz".into()),
        ..Default::default()
    };
    let channel = channels::configure(db, &secrets, &settings)
        .await
        .unwrap()
        .id;
    domain::audience::friends::follow(db, channel, FRIEND, Utc::now())
        .await
        .unwrap();
    let push = PushRequest {
        to: FRIEND.into(),
        messages: vec![
            serde_json::from_value(serde_json::json!({"type":"text","text":"防災訓練のお知らせ"}))
                .unwrap(),
        ],
        notification_disabled: None,
        custom_aggregation_units: None,
    };
    let row = outbox::enqueue(db, channel, &Outgoing::Push(push))
        .await
        .unwrap();
    (channel, row.id)
}

async fn a_send_line_accepts_is_sent_once(t: TestDb) {
    let (_, id) = stored_push(&t.db).await;
    let line = ScriptedLine::answering([accepted("req-1")]);
    let outcome = outbox::deliver(&t.db, &line, id, Utc::now()).await.unwrap();
    assert!(outcome.is_some());
    let row = outbox::get(&t.db, id).await.unwrap();
    assert_eq!(row.status, SendStatus::Sent);
    assert_eq!(row.line_request_id.as_deref(), Some("req-1"));
    // Sent is final: nothing goes to LINE again.
    assert!(
        outbox::deliver(&t.db, &line, id, Utc::now())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(line.keys(), [row.retry_key]);
}

async fn a_send_line_refuses_fails_and_is_never_retried(t: TestDb) {
    let (channel, id) = stored_push(&t.db).await;
    let line = ScriptedLine::answering([refused()]);
    let err = outbox::deliver(&t.db, &line, id, Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Invalid(_)), "{err:?}");
    let row = outbox::get(&t.db, id).await.unwrap();
    assert_eq!(row.status, SendStatus::Failed);
    assert!(
        row.error
            .as_deref()
            .unwrap_or_default()
            .contains("HTTP 400"),
        "{row:?}"
    );
    // Resuming the channel's pending sends does not touch it.
    assert_eq!(
        outbox::resume(&t.db, channel, &line, Utc::now())
            .await
            .unwrap(),
        0
    );
    assert_eq!(line.keys().len(), 1);
}

async fn after_a_transport_failure_the_same_retry_key_is_sent_again(t: TestDb) {
    let (channel, id) = stored_push(&t.db).await;
    let line = ScriptedLine::answering([unreachable_line(), accepted("req-2")]);
    let first = Utc::now();
    assert!(outbox::deliver(&t.db, &line, id, first).await.is_err());
    let row = outbox::get(&t.db, id).await.unwrap();
    assert_eq!((row.status, row.attempts), (SendStatus::Pending, 1));
    assert!(row.error.is_some(), "the failure is kept for staff");
    // An hour later (an outage, a restart): resumed with the key of the first attempt, so LINE
    // can tell it is the same request.
    let sent = outbox::resume(&t.db, channel, &line, first + TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!(sent, 1);
    let keys = line.keys();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1]);
    assert_eq!(keys[0], row.retry_key);
    assert_eq!(
        outbox::get(&t.db, id).await.unwrap().status,
        SendStatus::Sent
    );
}

async fn a_send_unconfirmed_within_24_hours_expires_instead_of_being_resent(t: TestDb) {
    let (_, id) = stored_push(&t.db).await;
    let line = ScriptedLine::answering([unreachable_line()]);
    let first = Utc::now();
    assert!(outbox::deliver(&t.db, &line, id, first).await.is_err());
    // LINE forgets retry keys after 24 hours: a resend then could deliver twice.
    let later = first + TimeDelta::hours(24) + TimeDelta::seconds(1);
    assert!(
        outbox::deliver(&t.db, &line, id, later)
            .await
            .unwrap()
            .is_none()
    );
    let row = outbox::get(&t.db, id).await.unwrap();
    assert_eq!(row.status, SendStatus::Expired);
    assert_eq!(line.keys().len(), 1, "nothing was sent after the 24 hours");
}

db_tests!(
    a_send_line_accepts_is_sent_once,
    a_send_line_refuses_fails_and_is_never_retried,
    after_a_transport_failure_the_same_retry_key_is_sent_again,
    a_send_unconfirmed_within_24_hours_expires_instead_of_being_resent,
);

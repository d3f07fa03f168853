//! Channels, the webhook inbox and the friend registry against real databases (SQLite and
//! PostgreSQL for every test).

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use domain::audience::friends::{self, FriendQuery};
use domain::db_tests;
use domain::entities::{line_channel, webhook_event};
use domain::jobs::lease::MAX_ATTEMPTS;
use domain::platform::channels::{self, ChannelSettings, Environment, Greeting};
use domain::security::secrets::SecretBox;
use domain::testing::TestDb;
use domain::webhook::inbox::{self, NewEvent};
use domain::{DatabaseConnection, DomainError};
use model::status::WorkStatus;
use sea_orm::EntityTrait;

fn key() -> SecretBox {
    SecretBox::from_base64(&SecretBox::generate_key()).unwrap()
}

fn line_settings(key: &str) -> ChannelSettings {
    ChannelSettings {
        key: key.into(),
        name: "テスト市".into(),
        environment: Some(Environment::Production),
        channel_id: Some("1234567890".into()),
        channel_secret: Some("0123456789abcdef0123456789abcdef".into()),
        access_token: Some("token-abcdefghijklmnopqrstuvwxyz".into()),
        ..Default::default()
    }
}

async fn channel(db: &DatabaseConnection, secrets: &SecretBox, key: &str) -> i64 {
    channels::configure(db, secrets, &line_settings(key))
        .await
        .unwrap()
        .id
}

fn event(channel_id: i64, id: &str, user: &str, kind: &str, at_ms: i64) -> NewEvent {
    NewEvent {
        channel_id,
        webhook_event_id: id.into(),
        event_type: kind.into(),
        line_user_id: Some(user.into()),
        occurred_at: chrono::DateTime::from_timestamp_millis(at_ms).unwrap(),
        is_redelivery: false,
        payload: format!(r#"{{"type":"{kind}","webhookEventId":"{id}"}}"#),
    }
}

async fn channel_secrets_are_stored_sealed_and_shown_masked(t: TestDb) {
    let secrets = key();
    let ch = channels::configure(&t.db, &secrets, &line_settings("main"))
        .await
        .unwrap();
    assert_eq!(ch.channel_secret, "0123456789abcdef0123456789abcdef");
    assert!(
        !format!("{ch:?}").contains("0123456789abcdef"),
        "Debug hides secrets"
    );
    let row = line_channel::Entity::find_by_id(ch.id)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    let stored = format!("{row:?}");
    assert!(
        !stored.contains("0123456789abcdef") && !stored.contains("token-abc"),
        "{stored}"
    );
    let summary = &channels::summaries(&t.db, &secrets).await.unwrap()[0];
    assert_eq!(summary.channel_secret, "••••cdef");
    assert_eq!(summary.access_token, "••••wxyz");
    // Another key cannot open them: a clear error, not garbage.
    let err = channels::load_all(&t.db, &key()).await.unwrap_err();
    assert!(err.to_string().contains("SECRET_KEY"), "{err}");
}

async fn a_sandbox_channel_keeps_its_generated_credentials_across_restarts(t: TestDb) {
    let secrets = key();
    let sandbox = ChannelSettings {
        key: "main".into(),
        ..Default::default()
    };
    let first = channels::configure(&t.db, &secrets, &sandbox)
        .await
        .unwrap();
    assert!(first.sandbox);
    assert_eq!(first.channel_secret.len(), 32);
    let again = channels::configure(&t.db, &secrets, &sandbox)
        .await
        .unwrap();
    assert_eq!(again.channel_secret, first.channel_secret);
    assert_eq!(again.access_token, first.access_token);
    // Configuring real credentials turns it into a LINE channel.
    let real = channels::configure(&t.db, &secrets, &line_settings("main"))
        .await
        .unwrap();
    assert!(!real.sandbox);
    assert_eq!(real.id, first.id);
}

async fn bad_channel_settings_are_refused_in_japanese(t: TestDb) {
    let secrets = key();
    let mut s = line_settings("Main!");
    assert!(matches!(
        channels::configure(&t.db, &secrets, &s).await,
        Err(DomainError::Invalid(_))
    ));
    s.key = "main".into();
    s.access_token = None;
    let err = channels::configure(&t.db, &secrets, &s).await.unwrap_err();
    assert!(err.to_string().contains("両方"), "{err}");
    assert!(
        channels::load_all(&t.db, &secrets)
            .await
            .unwrap()
            .is_empty()
    );
}

fn greeting(enabled: bool, messages: serde_json::Value) -> Greeting {
    Greeting {
        enabled,
        messages: serde_json::from_value(messages).unwrap(),
    }
}

async fn greetings_are_checked_against_line_limits_before_saving(t: TestDb) {
    let secrets = key();
    let id = channel(&t.db, &secrets, "main").await;
    assert_eq!(
        channels::greeting(&t.db, id).await.unwrap(),
        Greeting::new_channel(),
        "a new channel greets with the default text"
    );
    let system = domain::security::audit::Actor::system();
    let good = greeting(
        true,
        serde_json::json!([
            {"type": "text", "text": "ようこそ"},
            {"type": "sticker", "packageId": "446", "stickerId": "1988"},
        ]),
    );
    channels::set_greeting(&t.db, &system, "main", &good)
        .await
        .unwrap();
    assert_eq!(channels::greeting(&t.db, id).await.unwrap(), good);
    for (bad, expected) in [
        (
            greeting(
                true,
                serde_json::json!([{"type": "text", "text": "あ".repeat(5001)}]),
            ),
            "messages[0].text: 1〜5000文字にしてください（現在5001文字）。",
        ),
        (
            greeting(
                true,
                serde_json::json!([
                    {"type": "text", "text": "ようこそ"},
                    {"type": "sticker", "packageId": "1", "stickerId": "1"},
                ]),
            ),
            "messages[1].stickerId: ここには置けません",
        ),
        (
            greeting(true, serde_json::json!([])),
            "あいさつメッセージを送る場合は、メッセージを1件以上入れてください。",
        ),
        (
            greeting(
                true,
                serde_json::json!(vec![serde_json::json!({"type": "text", "text": "x"}); 6]),
            ),
            "messages: 1〜5件にしてください（現在6件）。",
        ),
    ] {
        let err = channels::set_greeting(&t.db, &system, "main", &bad)
            .await
            .unwrap_err();
        match &err {
            DomainError::Invalid(message) => assert!(message.contains(expected), "{message}"),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        channels::greeting(&t.db, id).await.unwrap(),
        good,
        "nothing half-written"
    );
    // Not sent: may be empty.
    let off = greeting(false, serde_json::json!([]));
    channels::set_greeting(&t.db, &system, "main", &off)
        .await
        .unwrap();
    assert_eq!(channels::greeting(&t.db, id).await.unwrap(), off);
    let flex = greeting(
        true,
        serde_json::json!([
            {"type": "text", "text": "ようこそ"},
            {"type": "flex", "altText": "ようこそ", "contents": {"type":"bubble","body":{"type":"box","layout":"vertical","contents":[{"type":"text","text":"市役所"}]}}},
        ]),
    );
    channels::set_greeting(&t.db, &system, "main", &flex)
        .await
        .unwrap();
    assert_eq!(channels::greeting(&t.db, id).await.unwrap(), flex);
    let err = channels::set_greeting(&t.db, &system, "nope", &good)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::NotFound(_)), "{err:?}");
}

/// Migration 10 (`greeting_messages`): a greeting saved as a text and a Flex JSON becomes the
/// messages it was sent as before (the text, then the Flex message with the text as its
/// alternative text). Rolled back to before it, filled the old way, migrated again.
async fn the_greeting_migration_keeps_what_followers_received(t: TestDb) {
    use migrations::MigratorTrait;
    use sea_orm::ConnectionTrait;
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    const MIGRATION: &str = "m20261127_000010_greeting_messages";
    let secrets = key();
    let main = channel(&t.db, &secrets, "main").await;
    let flex_only = channel(&t.db, &secrets, "city").await;
    let empty = channel(&t.db, &secrets, "quiet").await;
    let all = migrations::Migrator::migrations();
    let position = all.iter().position(|m| m.name() == MIGRATION).unwrap();
    migrations::Migrator::down(&t.db, Some((all.len() - position) as u32))
        .await
        .unwrap();
    let bubble = serde_json::json!({"type": "bubble", "body": {"type": "box", "layout": "vertical",
        "contents": [{"type": "text", "text": "市役所"}]}});
    let long = "ようこそ".repeat(120);
    for (id, text, flex) in [
        (main, Some(format!("  {long}  ")), Some(bubble.to_string())),
        (flex_only, None, Some(format!("\n{bubble}\n"))),
        (empty, Some(String::new()), None),
    ] {
        let update = Query::update()
            .table(Alias::new("line_channel"))
            .value(Alias::new("greeting_text"), text)
            .value(Alias::new("greeting_flex"), flex)
            .and_where(Expr::col(Alias::new("id")).eq(id))
            .to_owned();
        t.db.execute(&update).await.unwrap();
    }
    migrations::Migrator::up(&t.db, None).await.unwrap();
    let flex =
        |alt: &str| serde_json::json!({"type": "flex", "altText": alt, "contents": bubble.clone()});
    let expected = [
        (
            main,
            serde_json::json!([{"type": "text", "text": long}, flex(&long.chars().take(400).collect::<String>())]),
        ),
        (
            flex_only,
            serde_json::json!([flex("友だち追加ありがとうございます")]),
        ),
        (empty, serde_json::json!([])),
    ];
    for (id, messages) in expected {
        assert_eq!(
            channels::greeting(&t.db, id).await.unwrap(),
            greeting(true, messages),
            "channel {id}"
        );
    }
    // What the migrated greeting is: LINE accepts it as it is.
    channels::greeting(&t.db, main)
        .await
        .unwrap()
        .check()
        .unwrap();
}

async fn duplicate_and_redelivered_events_are_stored_once(t: TestDb) {
    let secrets = key();
    let a = channel(&t.db, &secrets, "main").await;
    let b = channel(&t.db, &secrets, "test").await;
    let now = Utc::now().timestamp_millis();
    let stored = inbox::store(
        &t.db,
        vec![
            event(a, "01HZZZZZZZZZZZZZZZZZZZZZZ1", "U1", "message", now),
            event(a, "01HZZZZZZZZZZZZZZZZZZZZZZ1", "U1", "message", now),
            event(a, "01HZZZZZZZZZZZZZZZZZZZZZZ2", "U1", "message", now),
        ],
        None,
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(stored.len(), 2);
    let mut redelivered = event(a, "01HZZZZZZZZZZZZZZZZZZZZZZ2", "U1", "message", now);
    redelivered.is_redelivery = true;
    assert!(
        inbox::store(&t.db, vec![redelivered], None, Utc::now())
            .await
            .unwrap()
            .is_empty()
    );
    // The same id on another channel is another event.
    assert_eq!(
        inbox::store(
            &t.db,
            vec![event(b, "01HZZZZZZZZZZZZZZZZZZZZZZ1", "U1", "message", now)],
            None,
            Utc::now(),
        )
        .await
        .unwrap()
        .len(),
        1
    );
    assert_eq!(inbox::count(&t.db, WorkStatus::Pending).await.unwrap(), 3);
}

async fn events_stored_as_taken_are_returned_as_stored_and_due_again_only_after_their_lease(
    t: TestDb,
) {
    let secrets = key();
    let a = channel(&t.db, &secrets, "main").await;
    // The clock the inbox is given: the lease's end is reached by moving it, not by sleeping.
    let at = Utc::now();
    let now = at.timestamp_millis();
    inbox::store(
        &t.db,
        vec![event(a, "01J00000000000000000000000", "U1", "message", now)],
        None,
        at,
    )
    .await
    .unwrap();
    // A batch with an event already stored and one twice: the new ones come back once each,
    // with the ids and fields the database holds, already taken (the intake hands them to
    // the workers without a read).
    let lease = Duration::from_millis(600);
    let handed = inbox::store(
        &t.db,
        vec![
            event(a, "01J00000000000000000000000", "U1", "message", now),
            event(a, "01J00000000000000000000002", "U2", "follow", now),
            event(a, "01J00000000000000000000001", "U1", "message", now),
            event(a, "01J00000000000000000000002", "U2", "follow", now),
        ],
        Some(lease),
        at,
    )
    .await
    .unwrap();
    let ids: Vec<&str> = handed.iter().map(|e| e.webhook_event_id.as_str()).collect();
    assert_eq!(
        ids,
        ["01J00000000000000000000002", "01J00000000000000000000001"]
    );
    for e in &handed {
        let row = webhook_event::Entity::find_by_id(e.id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.attempts, 1);
        assert!(row.locked_until.is_some());
        assert_eq!(
            (row.payload.as_str(), row.event_type.as_str()),
            (e.payload.as_str(), e.event_type.as_str())
        );
        assert_eq!(inbox::lease_left(e, at), lease);
    }
    // Only the event stored free is due; the taken ones come back once their lease ran out
    // (the process that took them died).
    let due = inbox::take_due(&t.db, 10, lease, at).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].webhook_event_id, "01J00000000000000000000000");
    inbox::complete(&t.db, due[0].id, None).await.unwrap();
    let before_the_end = at + lease - Duration::from_millis(1);
    assert!(
        inbox::take_due(&t.db, 10, lease, before_the_end)
            .await
            .unwrap()
            .is_empty()
    );
    let after_the_lease = at + lease + Duration::from_millis(1);
    let again = inbox::take_due(&t.db, 10, lease, after_the_lease)
        .await
        .unwrap();
    assert_eq!(
        again.iter().map(|e| (e.id, e.attempts)).collect::<Vec<_>>(),
        handed.iter().map(|e| (e.id, 2)).collect::<Vec<_>>()
    );
}

async fn each_due_event_goes_to_one_worker_and_comes_back_after_a_crash(t: TestDb) {
    let secrets = key();
    let a = channel(&t.db, &secrets, "main").await;
    let at = Utc::now();
    let now = at.timestamp_millis();
    let events = (0..20)
        .map(|i| event(a, &format!("01J{i:023}"), "U1", "message", now))
        .collect();
    inbox::store(&t.db, events, None, at).await.unwrap();
    // Four workers at once: every event is taken exactly once.
    let lease = Duration::from_millis(300);
    let takers = (0..4).map(|_| {
        let db = t.db.clone();
        tokio::spawn(async move { inbox::take_due(&db, 20, lease, at).await.unwrap() })
    });
    let mut ids: Vec<i64> = Vec::new();
    for taker in takers {
        ids.extend(taker.await.unwrap().into_iter().map(|e| e.id));
    }
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    assert_eq!((before, ids.len()), (20, 20));
    // Nothing is due while leased; after the lease (a crashed worker), all come back.
    assert!(
        inbox::take_due(&t.db, 50, lease, at)
            .await
            .unwrap()
            .is_empty()
    );
    let after_the_lease = at + lease + Duration::from_millis(1);
    let again = inbox::take_due(&t.db, 50, lease, after_the_lease)
        .await
        .unwrap();
    assert_eq!(again.len(), 20);
    assert!(again.iter().all(|e| e.attempts == 2));
    inbox::complete(&t.db, again[0].id, None).await.unwrap();
    inbox::retry_later(&t.db, again[1].id, again[1].attempts, "LINE unreachable")
        .await
        .unwrap();
    inbox::retry_later(&t.db, again[2].id, MAX_ATTEMPTS, "LINE unreachable")
        .await
        .unwrap();
    let row = |id| {
        let db = t.db.clone();
        async move {
            webhook_event::Entity::find_by_id(id)
                .one(&db)
                .await
                .unwrap()
                .unwrap()
        }
    };
    assert_eq!(row(again[0].id).await.status, WorkStatus::Done);
    let retried = row(again[1].id).await;
    assert_eq!(retried.status, WorkStatus::Pending);
    assert!(retried.next_attempt_at > Utc::now() + TimeDelta::seconds(1));
    assert_eq!(retried.last_error.as_deref(), Some("LINE unreachable"));
    assert_eq!(row(again[2].id).await.status, WorkStatus::Failed);
}

async fn follow_and_unfollow_end_right_in_any_order(t: TestDb) {
    let secrets = key();
    let a = channel(&t.db, &secrets, "main").await;
    let b = channel(&t.db, &secrets, "test").await;
    let t0 = Utc::now() - TimeDelta::hours(2);
    let t1 = t0 + TimeDelta::minutes(10);
    let t2 = t0 + TimeDelta::minutes(20);
    friends::follow(&t.db, a, "U1", t0).await.unwrap();
    friends::follow(&t.db, a, "U1", t0).await.unwrap(); // a retry changes nothing
    friends::unfollow(&t.db, a, "U1", t1).await.unwrap();
    // A late retry of the first follow does not undo the block.
    friends::follow(&t.db, a, "U1", t0).await.unwrap();
    let page = friends::list(&t.db, a, &FriendQuery::default())
        .await
        .unwrap();
    assert_eq!((page.total, page.following, page.blocked), (1, 0, 1));
    // Re-follow after the block re-activates, keeping the first follow date.
    friends::follow(&t.db, a, "U1", t2).await.unwrap();
    let f = &friends::list(&t.db, a, &FriendQuery::default())
        .await
        .unwrap()
        .friends[0];
    assert!(f.following);
    assert_eq!(f.first_followed_at.timestamp(), t0.timestamp());
    assert_eq!(f.followed_at.timestamp(), t2.timestamp());
    // The other channel has no friends: scopes never mix.
    assert_eq!(
        friends::list(&t.db, b, &FriendQuery::default())
            .await
            .unwrap()
            .total,
        0
    );
    let err = friends::detail(&t.db, b, f.id).await.unwrap_err();
    assert!(matches!(err, DomainError::NotFound(_)), "{err:?}");
}

async fn friends_are_found_by_name_status_and_follow_date(t: TestDb) {
    let secrets = key();
    let a = channel(&t.db, &secrets, "main").await;
    // 2026-04-01 10:00 JST and 2026-04-03 10:00 JST.
    let april1 = chrono::DateTime::parse_from_rfc3339("2026-04-01T10:00:00+09:00")
        .unwrap()
        .to_utc();
    let april3 = chrono::DateTime::parse_from_rfc3339("2026-04-03T10:00:00+09:00")
        .unwrap()
        .to_utc();
    for (user, name, at) in [
        ("U1", "山田 花子", april1),
        ("U2", "佐藤 一郎", april3),
        ("U3", "山本 太郎", april3),
    ] {
        friends::follow(&t.db, a, user, at).await.unwrap();
        friends::set_profile(
            &t.db,
            a,
            user,
            friends::ProfileData {
                display_name: Some(name.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    friends::unfollow(&t.db, a, "U3", april3 + TimeDelta::hours(1))
        .await
        .unwrap();
    let find = |q: FriendQuery| {
        let db = t.db.clone();
        async move {
            friends::list(&db, a, &q)
                .await
                .unwrap()
                .friends
                .into_iter()
                .map(|f| f.line_user_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        find(FriendQuery {
            name: Some("山".into()),
            ..Default::default()
        })
        .await,
        ["U3", "U1"]
    );
    assert_eq!(
        find(FriendQuery {
            status: Some("blocked".into()),
            ..Default::default()
        })
        .await,
        ["U3"]
    );
    assert_eq!(
        find(FriendQuery {
            followed_from: Some("2026-04-02".into()),
            ..Default::default()
        })
        .await,
        ["U3", "U2"]
    );
    assert_eq!(
        find(FriendQuery {
            followed_to: Some("2026-04-01".into()),
            ..Default::default()
        })
        .await,
        ["U1"]
    );
    // A page past the end (even u64::MAX from a crafted URL) is the last page.
    let last = friends::list(
        &t.db,
        a,
        &FriendQuery {
            page: u64::MAX,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!((last.page, last.friends.len()), (0, 3));
    for bad in [
        FriendQuery {
            status: Some("deleted".into()),
            ..Default::default()
        },
        FriendQuery {
            followed_from: Some("4/1".into()),
            ..Default::default()
        },
    ] {
        let err = friends::list(&t.db, a, &bad).await.unwrap_err();
        assert!(matches!(err, DomainError::Invalid(_)), "{err:?}");
    }
}

// IPA class 1 (SQL injection): search and filter inputs are bound parameters, never SQL text.
async fn sql_injection_through_search_and_filters_finds_nothing_and_changes_nothing(t: TestDb) {
    let secrets = key();
    let a = channel(&t.db, &secrets, "main").await;
    let now = Utc::now();
    for (user, name) in [("U1", "山田 花子"), ("U2", "O'Brien")] {
        friends::follow(&t.db, a, user, now).await.unwrap();
        friends::set_profile(
            &t.db,
            a,
            user,
            friends::ProfileData {
                display_name: Some(name.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    let count = |q: FriendQuery| {
        let db = t.db.clone();
        async move { friends::list(&db, a, &q).await.map(|p| p.total) }
    };
    for attack in [
        "' OR 1=1 --",
        "' OR '1'='1",
        "%' OR '%'='",
        "'; DROP TABLE friend; --",
        "\\' OR 1=1 #",
        "山田' UNION SELECT * FROM staff_account --",
    ] {
        let found = count(FriendQuery {
            name: Some(attack.into()),
            ..Default::default()
        })
        .await
        .unwrap();
        assert_eq!(found, 0, "{attack}");
    }
    // A quote is just a character: the friend named O'Brien is found by it.
    assert_eq!(
        count(FriendQuery {
            name: Some("O'Br".into()),
            ..Default::default()
        })
        .await
        .unwrap(),
        1
    );
    for attack in ["following' OR '1'='1", "1; DELETE FROM friend"] {
        let err = count(FriendQuery {
            status: Some(attack.into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
        assert!(matches!(err, DomainError::Invalid(_)), "{attack}: {err:?}");
        let err = count(FriendQuery {
            followed_from: Some(attack.into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
        assert!(matches!(err, DomainError::Invalid(_)), "{attack}: {err:?}");
    }
    assert_eq!(
        count(FriendQuery::default()).await.unwrap(),
        2,
        "the table is intact"
    );
}

db_tests!(
    channel_secrets_are_stored_sealed_and_shown_masked,
    a_sandbox_channel_keeps_its_generated_credentials_across_restarts,
    bad_channel_settings_are_refused_in_japanese,
    greetings_are_checked_against_line_limits_before_saving,
    the_greeting_migration_keeps_what_followers_received,
    duplicate_and_redelivered_events_are_stored_once,
    events_stored_as_taken_are_returned_as_stored_and_due_again_only_after_their_lease,
    each_due_event_goes_to_one_worker_and_comes_back_after_a_crash,
    follow_and_unfollow_end_right_in_any_order,
    friends_are_found_by_name_status_and_follow_date,
    sql_injection_through_search_and_filters_finds_nothing_and_changes_nothing,
);

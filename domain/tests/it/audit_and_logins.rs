//! The login history (attempts, throttling, lockouts) and the tamper-evident audit log against
//! real databases: every test runs on SQLite and PostgreSQL.

use std::net::IpAddr;

use chrono::{TimeDelta, Utc};
use domain::db_tests;
use domain::entities::{audit_log, login_attempt};
use domain::security::audit::{self, Actor, Filter, Problem};
use domain::security::login_history::{self, Attempt, Policy};
use domain::staff::accounts::{self, NewAccount};
use domain::testing::TestDb;
use domain::{DatabaseConnection, DateTime, DomainError};
use model::status::LoginOutcome as Outcome;
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

fn addr(text: &str) -> Option<IpAddr> {
    Some(text.parse().unwrap())
}

async fn try_sign_in(
    db: &DatabaseConnection,
    username: &str,
    password: &str,
    from: &str,
    now: DateTime,
) -> Result<accounts::Staff, DomainError> {
    let attempt = Attempt {
        username,
        password,
        client_addr: addr(from),
        user_agent: Some("Mozilla/5.0 テスト\r\nX-Injected: 1"),
    };
    login_history::sign_in_at(db, attempt, Policy::default(), now).await
}

async fn outcomes(db: &DatabaseConnection) -> Vec<String> {
    login_attempt::Entity::find()
        .order_by_asc(login_attempt::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.outcome.key().to_owned())
        .collect()
}

async fn create(db: &DatabaseConnection, username: &str) -> accounts::Staff {
    accounts::create(
        db,
        &Actor::command_line(),
        NewAccount::administrator(username, "", PASSWORD),
    )
    .await
    .unwrap()
    .into()
}

async fn every_attempt_is_recorded_with_its_reason(t: TestDb) {
    let staff = create(&t.db, "tanaka").await;
    let now = Utc::now();
    try_sign_in(&t.db, "Tanaka", PASSWORD, "192.0.2.1", now)
        .await
        .unwrap();
    let err = try_sign_in(&t.db, "tanaka", "wrong password!", "192.0.2.1", now)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::BadCredentials), "{err:?}");
    let err = try_sign_in(&t.db, "nobody\u{7}", PASSWORD, "192.0.2.2", now)
        .await
        .unwrap_err();
    assert!(
        matches!(err, DomainError::BadCredentials),
        "same answer for an unknown user: {err:?}"
    );
    assert_eq!(
        outcomes(&t.db).await,
        ["success", "wrong_password", "unknown_user"]
    );

    let rows = login_attempt::Entity::find()
        .order_by_asc(login_attempt::Column::Id)
        .all(&t.db)
        .await
        .unwrap();
    assert_eq!(rows[0].username, "Tanaka", "as typed");
    assert_eq!(rows[0].staff_id, Some(staff.id));
    assert_eq!(rows[0].client_addr.as_deref(), Some("192.0.2.1"));
    assert_eq!(
        rows[0].user_agent.as_deref(),
        Some("Mozilla/5.0 テストX-Injected: 1"),
        "control characters removed"
    );
    assert_eq!(rows[2].username, "nobody");
    assert_eq!(rows[2].staff_id, None);

    // Long input is cut to the column's size.
    let long = "a".repeat(300);
    try_sign_in(&t.db, &long, PASSWORD, "192.0.2.2", now)
        .await
        .unwrap_err();
    let last = login_attempt::Entity::find()
        .order_by_desc(login_attempt::Column::Id)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last.username.chars().count(), 64);

    // A success is in the audit log as well (after the account's creation).
    let mut entries = audit_log::Entity::find().all(&t.db).await.unwrap();
    assert_eq!(entries.remove(0).action, "account.create");
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (entries[0].action.as_str(), entries[0].staff_id),
        ("auth.login", Some(staff.id))
    );
    assert_eq!(entries[0].client_addr.as_deref(), Some("192.0.2.1"));
}

async fn five_failures_lock_the_username_for_fifteen_minutes(t: TestDb) {
    create(&t.db, "sato").await;
    let start = Utc::now();
    for i in 0..5 {
        let at = start + TimeDelta::seconds(i);
        let err = try_sign_in(&t.db, "sato", "wrong password!", "192.0.2.10", at)
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::BadCredentials), "{err:?}");
    }
    let lock = login_attempt::Entity::find()
        .order_by_desc(login_attempt::Column::Id)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lock.outcome.key(), "lockout_account");
    assert!(lock.locked_until.is_some());

    // Even the right password is refused while locked, from any address, with a Japanese
    // message that says to wait.
    let during = start + TimeDelta::minutes(5);
    let err = try_sign_in(&t.db, "SATO", PASSWORD, "198.51.100.1", during)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::TooManyAttempts(_)), "{err:?}");
    assert!(err.to_string().contains("待って"), "{err}");
    assert_eq!(
        outcomes(&t.db).await.last().map(String::as_str),
        Some("locked")
    );
    let active = login_history::active_lockouts_at(&t.db, during)
        .await
        .unwrap();
    assert_eq!(active.len(), 1);

    // An unknown username locks the same way: a lockout says nothing about who exists.
    for _ in 0..5 {
        try_sign_in(&t.db, "ghost", "wrong password!", "198.51.100.2", start)
            .await
            .unwrap_err();
    }
    let err = try_sign_in(&t.db, "ghost", PASSWORD, "198.51.100.2", during)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::TooManyAttempts(_)), "{err:?}");

    // After fifteen minutes the lock is over and the right password works.
    let after = start + TimeDelta::minutes(16);
    assert!(
        login_history::active_lockouts_at(&t.db, after)
            .await
            .unwrap()
            .is_empty()
    );
    try_sign_in(&t.db, "sato", PASSWORD, "192.0.2.10", after)
        .await
        .unwrap();
}

async fn failures_outside_the_window_or_before_a_success_do_not_count(t: TestDb) {
    create(&t.db, "ito").await;
    let start = Utc::now();
    let at = |seconds: i64| start + TimeDelta::seconds(seconds);
    let db = &t.db;
    let fail = |when| async move {
        try_sign_in(db, "ito", "wrong password!", "192.0.2.20", when)
            .await
            .unwrap_err();
    };
    let succeed = |when| async move {
        try_sign_in(db, "ito", PASSWORD, "192.0.2.20", when)
            .await
            .unwrap();
    };
    for i in 0..4 {
        fail(at(i)).await;
    }
    succeed(at(10)).await;
    for i in 0..4 {
        fail(at(20 + i)).await;
    }
    // Four since the success: not locked.
    succeed(at(30)).await;
    // Four failures, then one more after the window: not locked either.
    for i in 0..4 {
        fail(at(40 + i)).await;
    }
    let later = start + TimeDelta::minutes(20);
    fail(later).await;
    succeed(later).await;
    assert!(
        !outcomes(&t.db)
            .await
            .iter()
            .any(|o| o.starts_with("lockout"))
    );
}

async fn twenty_failures_from_one_address_lock_the_address(t: TestDb) {
    create(&t.db, "kato").await;
    let now = Utc::now();
    // Different usernames each time: the per-account limit never triggers.
    for i in 0..20 {
        try_sign_in(
            &t.db,
            &format!("user{i}"),
            "wrong password!",
            "203.0.113.9",
            now,
        )
        .await
        .unwrap_err();
    }
    assert!(
        outcomes(&t.db)
            .await
            .contains(&"lockout_address".to_owned())
    );
    let err = try_sign_in(&t.db, "kato", PASSWORD, "203.0.113.9", now)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::TooManyAttempts(_)), "{err:?}");
    // Another address is not affected.
    try_sign_in(&t.db, "kato", PASSWORD, "203.0.113.10", now)
        .await
        .unwrap();

    // An administrator lifts the lockout; that is in the history and the audit log.
    let admin = Actor {
        staff_id: None,
        username: "admin".into(),
        client_addr: addr("192.0.2.1"),
    };
    assert!(
        login_history::unlock_at(&t.db, &admin, None, addr("203.0.113.9"), now)
            .await
            .unwrap()
    );
    try_sign_in(&t.db, "kato", PASSWORD, "203.0.113.9", now)
        .await
        .unwrap();
    let actions: Vec<String> = audit_log::Entity::find()
        .all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"login.unlock".to_owned()), "{actions:?}");
}

async fn the_history_filters_by_period_username_and_result(t: TestDb) {
    create(&t.db, "mori").await;
    let now = Utc::now();
    try_sign_in(&t.db, "mori", PASSWORD, "192.0.2.1", now)
        .await
        .unwrap();
    try_sign_in(&t.db, "Mori", "wrong password!", "192.0.2.1", now)
        .await
        .unwrap_err();
    try_sign_in(&t.db, "other", "wrong password!", "192.0.2.1", now)
        .await
        .unwrap_err();
    let all = login_history::Filter::default();
    assert_eq!(
        login_history::list(&t.db, &all, 0, 50).await.unwrap().total,
        3
    );
    let mori = login_history::Filter::parse("", "", "MORI", "").unwrap();
    let page = login_history::list(&t.db, &mori, 0, 50).await.unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.rows[0].outcome.key(), "wrong_password", "newest first");
    let failures = login_history::Filter::parse("", "", "", "failures").unwrap();
    assert_eq!(
        login_history::list(&t.db, &failures, 0, 50)
            .await
            .unwrap()
            .total,
        2
    );
    let success = login_history::Filter::parse("", "", "", "success").unwrap();
    assert_eq!(
        login_history::list(&t.db, &success, 0, 50)
            .await
            .unwrap()
            .total,
        1
    );
    let tomorrow = (now + TimeDelta::days(2)).format("%Y-%m-%d").to_string();
    let future = login_history::Filter::parse(&tomorrow, "", "", "").unwrap();
    assert_eq!(
        login_history::list(&t.db, &future, 0, 50)
            .await
            .unwrap()
            .total,
        0
    );
    assert!(login_history::Filter::parse("", "", "", "'; DROP TABLE x").is_err());
    assert_eq!(Outcome::from_key("locked"), Some(Outcome::Locked));
}

async fn append(db: &DatabaseConnection, n: usize) {
    for i in 0..n {
        let actor = Actor {
            staff_id: Some(1),
            username: "tanaka".into(),
            client_addr: addr("192.0.2.1"),
        };
        audit::record(
            db,
            &actor,
            "test.change",
            "thing",
            Some(&i.to_string()),
            json!({"n": i, "password": "never"}),
        )
        .await
        .unwrap();
    }
}

async fn an_intact_chain_verifies_and_secrets_are_masked(t: TestDb) {
    let empty = audit::verify(&t.db).await.unwrap();
    assert_eq!((empty.checked, empty.first_break), (0, None));
    append(&t.db, 5).await;
    let report = audit::verify(&t.db).await.unwrap();
    assert_eq!((report.checked, report.first_break), (5, None));
    let entries = audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Seq)
        .all(&t.db)
        .await
        .unwrap();
    assert_eq!(
        entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(entries[0].prev_hash, audit::GENESIS_HASH);
    assert_eq!(entries[1].prev_hash, entries[0].hash);
    assert!(
        !entries[0].summary.contains("never"),
        "{}",
        entries[0].summary
    );
    assert!(entries[0].summary.contains(audit::MASK));
}

async fn an_altered_entry_breaks_the_chain_at_its_number(t: TestDb) {
    append(&t.db, 5).await;
    t.db.execute_unprepared(r#"UPDATE audit_log SET summary = '{"n":99}' WHERE seq = 3"#)
        .await
        .unwrap();
    let broken = audit::verify(&t.db).await.unwrap().first_break.unwrap();
    assert_eq!((broken.seq, broken.problem), (3, Problem::HashMismatch));
}

async fn a_rewritten_entry_with_a_fresh_hash_breaks_the_next_link(t: TestDb) {
    append(&t.db, 5).await;
    // Whoever recomputes one entry's hash still breaks its successor's link.
    t.db.execute_unprepared(&format!(
        "UPDATE audit_log SET hash = '{}' WHERE seq = 2",
        "ab".repeat(32)
    ))
    .await
    .unwrap();
    let broken = audit::verify(&t.db).await.unwrap().first_break.unwrap();
    assert_eq!(broken.seq, 2);
}

async fn a_deleted_entry_is_reported_missing(t: TestDb) {
    append(&t.db, 5).await;
    t.db.execute_unprepared("DELETE FROM audit_log WHERE seq = 2")
        .await
        .unwrap();
    let broken = audit::verify(&t.db).await.unwrap().first_break.unwrap();
    assert_eq!((broken.seq, broken.problem), (2, Problem::Missing));
}

async fn deleting_the_newest_entries_is_found_through_the_chain_head(t: TestDb) {
    append(&t.db, 5).await;
    t.db.execute_unprepared("DELETE FROM audit_log WHERE seq >= 4")
        .await
        .unwrap();
    let report = audit::verify(&t.db).await.unwrap();
    assert_eq!(report.checked, 3);
    let broken = report.first_break.unwrap();
    assert_eq!((broken.seq, broken.problem), (4, Problem::HeadMismatch));
}

async fn concurrent_writers_keep_one_chain(t: TestDb) {
    // Several connections' worth of writers at once (the pool has 4 connections), as
    // several instances would be.
    let mut writers = Vec::new();
    for _ in 0..8 {
        let db = t.db.clone();
        writers.push(tokio::spawn(async move { append(&db, 10).await }));
    }
    for w in writers {
        w.await.unwrap();
    }
    let report = audit::verify(&t.db).await.unwrap();
    assert_eq!((report.checked, report.first_break), (80, None));
}

async fn an_entry_rolls_back_with_its_change(t: TestDb) {
    use sea_orm::TransactionTrait;
    let txn = t.db.begin().await.unwrap();
    audit::record(
        &txn,
        &Actor::command_line(),
        "test.change",
        "thing",
        None,
        json!({}),
    )
    .await
    .unwrap();
    txn.rollback().await.unwrap();
    append(&t.db, 1).await;
    let report = audit::verify(&t.db).await.unwrap();
    assert_eq!((report.checked, report.first_break), (1, None));
}

async fn the_audit_log_filters_by_user_action_and_period(t: TestDb) {
    append(&t.db, 3).await;
    audit::record(
        &t.db,
        &Actor::command_line(),
        "channel.set",
        "line_channel",
        Some("test"),
        json!({"channel_secret": "s"}),
    )
    .await
    .unwrap();
    let count = |f: Filter| {
        let db = t.db.clone();
        async move { audit::list(&db, &f, 0, 50).await.unwrap().total }
    };
    assert_eq!(count(Filter::default()).await, 4);
    assert_eq!(count(Filter::parse("", "", "TANAKA", "").unwrap()).await, 3);
    assert_eq!(
        count(Filter::parse("", "", "", "channel.").unwrap()).await,
        1
    );
    assert_eq!(
        count(Filter::parse("", "", "", "channel.set").unwrap()).await,
        1
    );
    assert_eq!(
        count(Filter::parse("", "", "", "channel").unwrap()).await,
        0
    );
    let page = audit::list(&t.db, &Filter::default(), 9, 2).await.unwrap();
    assert_eq!(
        (page.page, page.pages),
        (1, 2),
        "a page past the end is the last"
    );
    let rows = audit::list(&t.db, &Filter::default(), 0, 2)
        .await
        .unwrap()
        .rows;
    assert_eq!(
        rows.iter().map(|r| r.seq).collect::<Vec<_>>(),
        [4, 3],
        "newest first, paged"
    );
    let mut seen = 0;
    audit::for_each(&t.db, &Filter::default(), |_| seen += 1)
        .await
        .unwrap();
    assert_eq!(seen, 4);
}

async fn a_greeting_change_is_audited_in_its_transaction(t: TestDb) {
    use domain::platform::channels::{self, ChannelSettings, Greeting};
    use domain::security::secrets::SecretBox;
    let secrets = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
    channels::configure(
        &t.db,
        &secrets,
        &ChannelSettings {
            key: "main".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let actor = Actor {
        staff_id: Some(7),
        username: "tanaka".into(),
        client_addr: addr("192.0.2.5"),
    };
    let greeting = Greeting {
        enabled: true,
        messages: serde_json::from_value(serde_json::json!([{"type": "text", "text": "ようこそ"}]))
            .unwrap(),
    };
    channels::set_greeting(&t.db, &actor, "main", &greeting)
        .await
        .unwrap();
    let bad = Greeting {
        enabled: true,
        messages: Vec::new(),
    };
    channels::set_greeting(&t.db, &actor, "main", &bad)
        .await
        .unwrap_err();
    let entries = audit_log::Entity::find().all(&t.db).await.unwrap();
    assert_eq!(entries.len(), 1, "a refused change leaves no entry");
    let e = &entries[0];
    assert_eq!(
        (
            e.action.as_str(),
            e.entity_type.as_str(),
            e.entity_id.as_deref()
        ),
        ("channel.greeting", "line_channel", Some("main"))
    );
    assert_eq!(
        (e.staff_id, e.username.as_str(), e.client_addr.as_deref()),
        (Some(7), "tanaka", Some("192.0.2.5"))
    );
    assert!(e.summary.contains("ようこそ"), "{}", e.summary);
}

async fn the_daily_purge_removes_sign_in_attempts_past_the_retention_only(t: TestDb) {
    let now = Utc::now();
    let old = now - TimeDelta::days(200);
    let _ = try_sign_in(&t.db, "old-typo", "x", "192.0.2.1", old).await;
    let _ = try_sign_in(
        &t.db,
        "old-typo",
        "x",
        "192.0.2.1",
        old + TimeDelta::minutes(1),
    )
    .await;
    let _ = try_sign_in(&t.db, "recent", "x", "192.0.2.1", now).await;
    let cutoff = now - TimeDelta::days(180);
    // One row per statement: the loop goes on until nothing older is left.
    assert_eq!(
        login_history::purge_older_than(&t.db, cutoff, 1)
            .await
            .unwrap(),
        2
    );
    let left: Vec<String> = login_attempt::Entity::find()
        .all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.username)
        .collect();
    assert_eq!(left, ["recent"]);
}

async fn exports_walk_past_one_page_of_rows_in_order(t: TestDb) {
    // 1,100 entries: the export reads them 500 at a time and keeps every one, oldest first.
    append(&t.db, 1_100).await;
    let csv = audit::export_csv(&t.db, &Filter::default()).await.unwrap();
    let numbers: Vec<i64> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(numbers, (1..=1_100).collect::<Vec<i64>>());
}

db_tests!(
    every_attempt_is_recorded_with_its_reason,
    five_failures_lock_the_username_for_fifteen_minutes,
    failures_outside_the_window_or_before_a_success_do_not_count,
    twenty_failures_from_one_address_lock_the_address,
    the_history_filters_by_period_username_and_result,
    an_intact_chain_verifies_and_secrets_are_masked,
    an_altered_entry_breaks_the_chain_at_its_number,
    a_rewritten_entry_with_a_fresh_hash_breaks_the_next_link,
    a_deleted_entry_is_reported_missing,
    deleting_the_newest_entries_is_found_through_the_chain_head,
    concurrent_writers_keep_one_chain,
    an_entry_rolls_back_with_its_change,
    the_audit_log_filters_by_user_action_and_period,
    a_greeting_change_is_audited_in_its_transaction,
    the_daily_purge_removes_sign_in_attempts_past_the_retention_only,
    exports_walk_past_one_page_of_rows_in_order,
);

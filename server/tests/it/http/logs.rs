//! The login history, lockouts and the audit log: recorded, browsed, exported, audited.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::db_tests;
use domain::testing::TestDb;
use leptos::server_fn::ServerFn;

use crate::support::*;

async fn audit_actions(t: &TestDb) -> Vec<String> {
    let page = domain::security::audit::list(&t.db, &Default::default(), 0, 100)
        .await
        .unwrap();
    page.rows.into_iter().rev().map(|e| e.action).collect()
}

async fn sign_ins_are_in_the_login_history_and_changes_in_the_audit_log(t: TestDb) {
    create_admin(&t, "admin1").await;
    let c = client(&t).await;
    let form = "username=admin1&password=wrong+password%21&next=";
    let req = Request::post(login_path())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, &c.origin)
        .header(header::USER_AGENT, "TestBrowser/1.0")
        .body(Body::from(form))
        .unwrap();
    let refused = c.send(req).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    let admin = c.signed_in("admin1").await;

    let history = domain::security::login_history::list(&t.db, &Default::default(), 0, 10)
        .await
        .unwrap()
        .rows;
    let seen: Vec<(&str, Option<&str>, Option<&str>)> = history
        .iter()
        .map(|r| {
            (
                r.outcome.key(),
                r.client_addr.as_deref(),
                r.user_agent.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("success", Some("127.0.0.1"), None),
            ("wrong_password", Some("127.0.0.1"), Some("TestBrowser/1.0"))
        ]
    );

    let greeting = c
        .post_form(
            <app::api::SaveGreeting as ServerFn>::PATH,
            &greeting_form(r#"[{"type":"text","text":"ようこそ"}]"#),
            Some(&admin),
        )
        .await;
    assert_eq!(greeting.status, StatusCode::OK, "{}", greeting.body);
    let out = c.post_form(logout_path(), "", Some(&admin)).await;
    assert_eq!(out.status, StatusCode::OK, "{}", out.body);
    // The first entry is the administrator's creation from the command line (`create_admin`).
    assert_eq!(
        audit_actions(&t).await,
        [
            "account.create",
            "auth.login",
            "channel.greeting",
            "auth.logout"
        ]
    );
    let entries = domain::security::audit::list(&t.db, &Default::default(), 0, 10)
        .await
        .unwrap()
        .rows;
    let from_the_panel = entries.iter().filter(|e| e.username != "command-line");
    assert!(
        from_the_panel.clone().count() == 3
            && from_the_panel
                .into_iter()
                .all(|e| e.username == "admin1" && e.client_addr.as_deref() == Some("127.0.0.1"))
    );
    assert_eq!(
        domain::security::audit::verify(&t.db)
            .await
            .unwrap()
            .first_break,
        None
    );
}

/// The settings page's greeting form as the composer posts it.
fn greeting_form(messages_json: &str) -> String {
    format!(
        "channel=main&enabled=on&messages={}",
        urlencode(messages_json)
    )
}

/// A greeting LINE would refuse is refused on saving (400), in Japanese with the JSON path of
/// each problem, leaving the greeting and the audit log as they were. One that LINE accepts is
/// saved as typed, markup included, and shown as text.
async fn a_greeting_breaking_line_rules_is_refused_with_its_path_and_markup_is_kept_as_text(
    t: TestDb,
) {
    create_admin(&t, "admin1").await;
    let c = client(&t).await;
    let admin = c.signed_in("admin1").await;
    let too_long = serde_json::json!([{"type": "text", "text": "あ".repeat(5001)}]).to_string();
    let sticker =
        r#"[{"type":"text","text":"ようこそ"},{"type":"sticker","packageId":"1","stickerId":"1"}]"#;
    for (messages, expected) in [
        (
            too_long.as_str(),
            "messages[0].text: 1〜5000文字にしてください（現在5001文字）。",
        ),
        (sticker, "messages[1].stickerId"),
        (
            "[]",
            "あいさつメッセージを送る場合は、メッセージを1件以上入れてください。",
        ),
        (
            "[{\"type\": \"text\"",
            "あいさつメッセージの JSON が正しくありません",
        ),
    ] {
        let reply = c
            .post_form(
                <app::api::SaveGreeting as ServerFn>::PATH,
                &greeting_form(messages),
                Some(&admin),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
        assert!(reply.body.contains(expected), "{expected}: {}", reply.body);
    }
    let id = domain::platform::channels::id_of(&t.db, "main")
        .await
        .unwrap();
    assert_eq!(
        domain::platform::channels::greeting(&t.db, id)
            .await
            .unwrap(),
        domain::platform::channels::Greeting::new_channel(),
        "the default greeting is kept"
    );
    assert_eq!(audit_actions(&t).await, ["account.create", "auth.login"]);

    // Markup typed into a greeting is saved as it is and shown as text on the settings page.
    let attack = "</textarea><script>alert(1)</script><img src=x onerror=alert(2)>";
    let saved = c
        .post_form(
            <app::api::SaveGreeting as ServerFn>::PATH,
            &greeting_form(&serde_json::json!([{"type": "text", "text": attack}]).to_string()),
            Some(&admin),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let page = c.get("/admin/settings", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("<script>alert(1)"),
        "raw markup in the page"
    );
    assert!(!page.body.contains("<img src=x"), "raw markup in the page");
}

async fn repeated_failures_lock_the_account_with_a_japanese_answer(t: TestDb) {
    create_admin(&t, "admin1").await;
    let c = client(&t).await;
    for _ in 0..5 {
        assert_eq!(
            c.login("admin1", "wrong password!").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = c.login("admin1", PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.body
    );
    assert!(locked.body.contains("待って"), "{}", locked.body);
    assert!(locked.cookie_pair().is_empty(), "no session while locked");
}

async fn setup_of_the_first_administrator_is_audited(t: TestDb) {
    let c = client(&t).await;
    let form = "username=first&display_name=&password=correct+horse+battery&password_confirm=correct+horse+battery";
    let reply = c
        .post_form(<app::api::SetupFirstAdmin as ServerFn>::PATH, form, None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(audit_actions(&t).await, ["account.create_first"]);
    let entry = &domain::security::audit::list(&t.db, &Default::default(), 0, 1)
        .await
        .unwrap()
        .rows[0];
    assert!(
        !entry.summary.contains("correct horse"),
        "{}",
        entry.summary
    );
}

async fn logs_are_browsed_and_exported_by_administrators_only(t: TestDb) {
    use model::access::{Action, Feature, Permission};
    create_admin(&t, "admin1").await;
    let view_friends = Permission::Do(Feature::FriendAttributes, Action::View);
    create_staff(&t, "suzuki", &[view_friends], &[]).await;
    let c = client(&t).await;
    // A "username" that a spreadsheet would run as a formula.
    c.login("=HYPERLINK(\"http://x\")", "wrong password!").await;
    let admin = c.signed_in("admin1").await;
    let user = c.signed_in("suzuki").await;

    for page in ["/admin/logs", "/admin/logs/audit"] {
        let reply = c.get(page, Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK, "{page}: {}", reply.body);
        assert_eq!(
            c.get(page, Some(&user)).await.status,
            StatusCode::FORBIDDEN,
            "{page}"
        );
    }
    let page = c.get("/admin/logs", Some(&admin)).await;
    assert!(
        page.body.contains("ログイン履歴") && page.body.contains("失敗（存在しないユーザー）"),
        "{}",
        page.body
    );

    let csv = c.get("/admin/logs/login.csv", Some(&admin)).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(
        csv.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(csv.body.starts_with("\u{feff}日時,"), "{}", csv.body);
    assert!(
        csv.body.contains("\"'=HYPERLINK(\"\"http://x\"\")\""),
        "{}",
        csv.body
    );
    let audit = c
        .get("/admin/logs/audit.csv?action=auth.login", Some(&admin))
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    assert_eq!(
        audit.body.lines().count(),
        3,
        "header and two sign-ins: {}",
        audit.body
    );

    for path in ["/admin/logs/login.csv", "/admin/logs/audit.csv"] {
        assert_eq!(
            c.get(path, Some(&user)).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        assert_eq!(
            c.get(path, None).await.status,
            StatusCode::SEE_OTHER,
            "{path}"
        );
    }
    let bad = c
        .get("/admin/logs/login.csv?from=yesterday", Some(&admin))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("YYYY-MM-DD"), "{}", bad.body);

    // The server functions behind the pages: filters work, bad input is a Japanese 400.
    let history = c
        .post_form(
            <app::api::LoginHistory as ServerFn>::PATH,
            "outcome=failures",
            Some(&admin),
        )
        .await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.body);
    let history: app::api::LoginHistoryPage = serde_json::from_str(&history.body).unwrap();
    assert_eq!(history.total, 1);
    let bad = c
        .post_form(
            <app::api::AuditLog as ServerFn>::PATH,
            "until=2026-13-01",
            Some(&admin),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("終了日"), "{}", bad.body);
    let refused = c
        .post_form(<app::api::AuditLog as ServerFn>::PATH, "", Some(&user))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

async fn an_administrator_lifts_a_lockout_from_the_history_page(t: TestDb) {
    create_admin(&t, "admin1").await;
    let c = client(&t).await;
    let admin = c.signed_in("admin1").await;
    for _ in 0..5 {
        c.login("sato", "wrong password!").await;
    }
    let history = c
        .post_form(<app::api::LoginHistory as ServerFn>::PATH, "", Some(&admin))
        .await;
    let history: app::api::LoginHistoryPage = serde_json::from_str(&history.body).unwrap();
    assert_eq!(history.lockouts.len(), 1);
    let form = format!("lockout_id={}", history.lockouts[0].id);
    let unlocked = c
        .post_form(
            <app::api::UnlockLogin as ServerFn>::PATH,
            &form,
            Some(&admin),
        )
        .await;
    assert_eq!(unlocked.status, StatusCode::OK, "{}", unlocked.body);
    assert!(
        domain::security::login_history::active_lockouts(&t.db)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(audit_actions(&t).await.contains(&"login.unlock".to_owned()));
    let missing = c
        .post_form(
            <app::api::UnlockLogin as ServerFn>::PATH,
            "lockout_id=999999",
            Some(&admin),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);
}

async fn simulator_actions_are_audited(t: TestDb) {
    create_admin(&t, "admin1").await;
    let c = client(&t).await;
    let admin = c.signed_in("admin1").await;
    let created = c
        .post_form(
            <app::api::SimCreateFriend as ServerFn>::PATH,
            "channel=main&display_name=%E5%B8%82%E6%B0%91",
            Some(&admin),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let friend: app::api::SimFriendView = serde_json::from_str(&created.body).unwrap();
    let follow = format!("channel=main&user_id={}&act=follow", friend.user_id);
    let followed = c
        .post_form(<app::api::SimAct as ServerFn>::PATH, &follow, Some(&admin))
        .await;
    assert_eq!(followed.status, StatusCode::OK, "{}", followed.body);
    let form = format!(
        "channel=main&user_id={}&act=text&text=hello",
        friend.user_id
    );
    let sent = c
        .post_form(<app::api::SimAct as ServerFn>::PATH, &form, Some(&admin))
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert_eq!(
        audit_actions(&t).await,
        [
            "account.create",
            "auth.login",
            "simulator.create_friend",
            "simulator.follow",
            "simulator.text"
        ]
    );
    let newest = &domain::security::audit::list(&t.db, &Default::default(), 0, 1)
        .await
        .unwrap()
        .rows[0];
    assert_eq!(newest.entity_id.as_deref(), Some(friend.user_id.as_str()));
    assert!(
        newest.summary.contains("hello") && newest.summary.contains("main"),
        "{}",
        newest.summary
    );
}

db_tests!(
    sign_ins_are_in_the_login_history_and_changes_in_the_audit_log,
    a_greeting_breaking_line_rules_is_refused_with_its_path_and_markup_is_kept_as_text,
    repeated_failures_lock_the_account_with_a_japanese_answer,
    setup_of_the_first_administrator_is_audited,
    logs_are_browsed_and_exported_by_administrators_only,
    an_administrator_lifts_a_lockout_from_the_history_page,
    simulator_actions_are_audited,
);

//! The admin IP allowlist, client addresses behind proxies and the access log, through the real
//! router (every middleware included) on real databases: each test runs on SQLite and on
//! PostgreSQL. Clients other than the loopback peer are simulated with `TRUSTED_PROXIES=127.0.0.1`
//! and `X-Forwarded-For`, as a reverse proxy on the same machine would send them.

use std::time::Duration;

use axum::http::{StatusCode, header};
use domain::db_tests;
use domain::entities::access_log;
use domain::staff::accounts;
use domain::testing::TestDb;
use leptos::server_fn::ServerFn;
use sea_orm::{EntityTrait, QueryOrder};

use crate::support::*;

/// An instance behind a reverse proxy on loopback.
async fn behind_proxy(t: &TestDb, allowed: &str) -> Client {
    client_from(
        t,
        &[
            ("TRUSTED_PROXIES", "127.0.0.1"),
            ("ADMIN_ALLOWED_IPS", allowed),
        ],
        LOOPBACK,
    )
    .await
}

fn forbidden_json(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
    let error: app::api::AppError = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(error, app::api::AppError::Forbidden);
}

async fn a_client_outside_the_allowlist_gets_403_before_any_session_or_database_work(t: TestDb) {
    create_admin(&t, "tanaka").await;
    // The loopback test client is outside 10.0.0.0/8.
    let c = client_from(&t, &[("ADMIN_ALLOWED_IPS", "10.0.0.0/8")], LOOPBACK).await;
    let cookie = format!("machidayori_session={}", "a".repeat(43));
    // With the database gone, any session lookup would answer 503: these never get there.
    t.db.clone().close().await.unwrap();
    for page in [
        "/admin",
        "/admin/login",
        "/admin/setup",
        "/admin/settings/allowed-ips",
    ] {
        let reply = c.get_from(page, None, Some(&cookie)).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{page}: {}",
            reply.body
        );
        assert!(
            reply
                .body
                .contains("この接続元（127.0.0.1）からは管理画面を利用できません"),
            "{}",
            reply.body
        );
    }
    forbidden_json(
        &c.post_form_from(
            <app::api::Login as ServerFn>::PATH,
            "username=tanaka&password=x",
            None,
            None,
        )
        .await,
    );
    forbidden_json(
        &c.post_form_from(
            <app::api::CurrentStaff as ServerFn>::PATH,
            "",
            None,
            Some(&cookie),
        )
        .await,
    );
    forbidden_json(
        &c.post_form_from("/api/no_such_function", "", None, None)
            .await,
    );

    // Not behind the allowlist: health, the LINE webhook (its own signature check), assets.
    assert_eq!(
        c.get_from("/healthz", None, None).await.status,
        StatusCode::OK
    );
    let webhook = c
        .post_form_from("/webhook/line/main", "{}", None, None)
        .await;
    assert_eq!(
        webhook.status,
        StatusCode::UNAUTHORIZED,
        "signature checked, not the address: {}",
        webhook.body
    );
    for asset in ["/favicon.svg", "/pkg/machidayori.css"] {
        assert_ne!(
            c.get_from(asset, None, None).await.status,
            StatusCode::FORBIDDEN,
            "{asset}"
        );
    }
}

async fn x_forwarded_for_is_believed_only_from_a_trusted_proxy(t: TestDb) {
    let proxied = behind_proxy(&t, "203.0.113.0/24").await;
    assert_eq!(
        proxied
            .get_from("/admin/login", Some("203.0.113.7"), None)
            .await
            .status,
        StatusCode::OK
    );
    // The right-most address that is not a trusted proxy is the client.
    assert_eq!(
        proxied
            .get_from("/admin/login", Some("203.0.113.7, 127.0.0.1"), None)
            .await
            .status,
        StatusCode::OK
    );
    let outside = proxied
        .get_from("/admin/login", Some("203.0.113.7, 198.51.100.1"), None)
        .await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN);
    assert!(outside.body.contains("198.51.100.1"), "{}", outside.body);
    // A malformed header is ignored whole: the client is the proxy itself, outside the list.
    let garbage = proxied
        .get_from("/admin/login", Some("203.0.113.7, not-an-address"), None)
        .await;
    assert!(garbage.body.contains("127.0.0.1"), "{}", garbage.body);
    assert_eq!(
        proxied.get_from("/admin/login", None, None).await.status,
        StatusCode::FORBIDDEN
    );

    // From a peer that is no trusted proxy, the header is a spoof and ignored.
    let direct = client_from(
        &t,
        &[
            ("TRUSTED_PROXIES", "127.0.0.1"),
            ("ADMIN_ALLOWED_IPS", "203.0.113.0/24"),
        ],
        "192.0.2.9:40000",
    )
    .await;
    let spoofed = direct
        .get_from("/admin/login", Some("203.0.113.7"), None)
        .await;
    assert_eq!(spoofed.status, StatusCode::FORBIDDEN);
    assert!(spoofed.body.contains("192.0.2.9"), "{}", spoofed.body);
    let untrusting = client_from(&t, &[("ADMIN_ALLOWED_IPS", "203.0.113.0/24")], LOOPBACK).await;
    assert_eq!(
        untrusting
            .get_from("/admin/login", Some("203.0.113.7"), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

async fn administrators_manage_the_allowlist_and_cannot_lock_themselves_out(t: TestDb) {
    create_admin(&t, "tanaka").await;
    let me = Some("192.0.2.10");
    let c = behind_proxy(&t, "").await;
    let cookie = c.signed_in_from("tanaka", me).await;
    let add = <app::api::AddAllowedIp as ServerFn>::PATH;
    let remove = <app::api::RemoveAllowedIp as ServerFn>::PATH;
    let list = <app::api::AllowedIps as ServerFn>::PATH;

    // Empty: everyone is allowed, and the page says so.
    let page = c
        .get_from("/admin/settings/allowed-ips", me, Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("すべての接続元から管理画面に接続できます"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("192.0.2.10"),
        "the caller's own address is shown"
    );

    // A list without the caller's address is refused, and nothing is stored.
    let refused = c
        .post_form_from(add, "network=10.0.0.0%2F8&note=", me, Some(&cookie))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("192.0.2.10") && refused.body.contains("接続できなくなる"),
        "{}",
        refused.body
    );
    assert!(
        domain::security::allowlist::list(&t.db)
            .await
            .unwrap()
            .is_empty()
    );
    let invalid = c
        .post_form_from(add, "network=10.0.0.0%2F40&note=", me, Some(&cookie))
        .await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST, "{}", invalid.body);

    let added = c
        .post_form_from(
            add,
            &format!("network=192.0.2.0%2F24&note={}", urlencode("本庁舎")),
            me,
            Some(&cookie),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    // This instance enforces it at once; one started now loads it from the database.
    assert_eq!(
        c.get_from("/admin", Some("198.51.100.1"), Some(&cookie))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        c.get_from("/admin", me, Some(&cookie)).await.status,
        StatusCode::OK
    );
    let other = behind_proxy(&t, "").await;
    assert_eq!(
        other
            .get_from("/admin/login", Some("198.51.100.1"), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let v6 = c
        .post_form_from(add, "network=2001:db8::%2F32&note=", me, Some(&cookie))
        .await;
    assert_eq!(v6.status, StatusCode::OK, "{}", v6.body);

    let listed = c.post_form_from(list, "", me, Some(&cookie)).await;
    let view: app::api::AllowedIpsView = serde_json::from_str(&listed.body).unwrap();
    assert_eq!(view.your_address.as_deref(), Some("192.0.2.10"));
    let shown: Vec<&str> = view.entries.iter().map(|e| e.network.as_str()).collect();
    assert_eq!(shown, ["192.0.2.0/24", "2001:db8::/32"]);
    let entry = &view.entries[0];
    assert_eq!(
        (
            entry.network.as_str(),
            entry.note.as_str(),
            entry.source.label_ja()
        ),
        ("192.0.2.0/24", "本庁舎", "管理画面")
    );

    // Removing the range the caller is in is refused too.
    let id = entry.id.unwrap();
    let refused = c
        .post_form_from(remove, &format!("id={id}"), me, Some(&cookie))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert_eq!(
        domain::security::allowlist::list(&t.db)
            .await
            .unwrap()
            .len(),
        2
    );

    // Configured ranges are listed with their source and are not removable.
    let configured = behind_proxy(&t, "198.51.100.0/24").await;
    let view: app::api::AllowedIpsView = serde_json::from_str(
        &configured
            .post_form_from(list, "", me, Some(&cookie))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(view.entries[0].network, "198.51.100.0/24");
    assert_eq!(
        (view.entries[0].id, view.entries[0].source.label_ja()),
        (None, "設定（ADMIN_ALLOWED_IPS）")
    );
    // The configured range counts: removing the stored one is refused for 192.0.2.10 (left
    // outside) and allowed for someone inside the configured range.
    let refused = configured
        .post_form_from(remove, &format!("id={id}"), me, Some(&cookie))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let removed = configured
        .post_form_from(
            remove,
            &format!("id={id}"),
            Some("198.51.100.5"),
            Some(&cookie),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert_eq!(
        domain::security::allowlist::list(&t.db)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn every_request_is_in_the_access_log_without_its_query_string(t: TestDb) {
    create_admin(&t, "tanaka").await;
    let staff_id = accounts::authenticate(&t.db, "tanaka", PASSWORD)
        .await
        .unwrap()
        .id;
    let c = behind_proxy(&t, "192.0.2.0/24").await;
    let me = Some("192.0.2.10");
    let cookie = c.signed_in_from("tanaka", me).await;
    let health = c.get_from("/healthz?token=s3cret-token", None, None).await;
    let page = c
        .get_from("/admin/friends?name=s3cret-name", me, Some(&cookie))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let refused = c.get_from("/admin", Some("198.51.100.1"), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // Written in the background within about a second.
    let rows = eventually("4 access log rows", Duration::from_secs(15), async || {
        let rows = access_log::Entity::find()
            .order_by_asc(access_log::Column::Id)
            .all(&t.db)
            .await
            .unwrap();
        (rows.len() >= 4).then_some(rows)
    })
    .await;
    let find = |path: &str| {
        rows.iter()
            .find(|r| r.path == path)
            .unwrap_or_else(|| panic!("{path}: {rows:?}"))
    };
    assert!(rows.iter().all(|r| !r.path.contains("s3cret")), "{rows:?}");

    let login = find(<app::api::Login as ServerFn>::PATH);
    assert_eq!(
        (
            login.method.as_str(),
            login.status,
            login.client_addr.as_deref()
        ),
        ("POST", 200, Some("192.0.2.10"))
    );
    assert_eq!(
        login.staff_id, None,
        "not yet signed in when the request came"
    );

    let h = find("/healthz");
    assert_eq!(
        (
            h.method.as_str(),
            h.status,
            h.client_addr.as_deref(),
            h.staff_id
        ),
        ("GET", 200, Some("127.0.0.1"), None)
    );
    let id = health.headers["x-request-id"].to_str().unwrap();
    assert_eq!(h.request_id.as_deref(), Some(id));

    let f = find("/admin/friends");
    assert_eq!(
        (f.status, f.client_addr.as_deref(), f.staff_id),
        (200, Some("192.0.2.10"), Some(staff_id))
    );
    let r = find("/admin");
    assert_eq!(
        (r.status, r.client_addr.as_deref()),
        (403, Some("198.51.100.1"))
    );
    assert!(rows.iter().all(|r| r.latency_us > 0));
}

db_tests!(
    a_client_outside_the_allowlist_gets_403_before_any_session_or_database_work,
    x_forwarded_for_is_believed_only_from_a_trusted_proxy,
    administrators_manage_the_allowlist_and_cannot_lock_themselves_out,
    every_request_is_in_the_access_log_without_its_query_string,
);

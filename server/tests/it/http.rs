//! The HTTP surface through the real router (every middleware included) on real databases:
//! each test runs on SQLite and on PostgreSQL.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::db_tests;
use domain::security::audit::Actor;
use domain::staff::accounts::{self, NewAccount};
use domain::testing::TestDb;
use leptos::server_fn::ServerFn;

use crate::support::*;

const REMOTE: &str = "203.0.113.7:50000";

async fn health_answers_and_readiness_follows_the_database(t: TestDb) {
    let c = client(&t).await;
    let health = c.get("/healthz", None).await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, "ok")
    );
    let ready = c.get("/readyz", None).await;
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (StatusCode::OK, "ready")
    );
    t.db.clone().close().await.unwrap();
    let ready = c.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(c.get("/healthz", None).await.status, StatusCode::OK);
}

async fn every_response_carries_a_request_id_and_security_headers(t: TestDb) {
    let c = client(&t).await;
    let reply = c.get("/healthz", None).await;
    let id = reply
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert_eq!(id.len(), 36, "uuid request id: {id:?}");
    assert_eq!(id.as_bytes()[14], b'4', "a version 4 (random) uuid: {id:?}");
    assert_eq!(reply.headers["x-content-type-options"], "nosniff");
    assert_eq!(reply.headers["x-frame-options"], "DENY");
    let given = Request::get("/healthz")
        .header("x-request-id", "abc-123")
        .body(Body::empty())
        .unwrap();
    assert_eq!(c.send(given).await.headers["x-request-id"], "abc-123");
}

async fn the_sign_in_page_is_japanese_and_has_the_form(t: TestDb) {
    let c = client(&t).await;
    let page = c.get("/admin/login", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"<html lang="ja">"#));
    assert!(page.body.contains("管理画面にログイン"));
    assert!(page.body.contains(r#"name="username""#) && page.body.contains(r#"type="password""#));
    assert!(
        page.body.contains("/pkg/machidayori.js"),
        "hydration script is linked"
    );
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");

    let gzip = Request::get("/admin/login")
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let compressed = c.send(gzip).await;
    assert_eq!(compressed.status, StatusCode::OK);
    assert_eq!(compressed.headers[header::CONTENT_ENCODING], "gzip");
}

async fn admin_pages_without_a_session_redirect_to_sign_in(t: TestDb) {
    let c = client(&t).await;
    for (path, next) in [
        ("/admin", "%2Fadmin"),
        ("/admin/friends", "%2Fadmin%2Ffriends"),
        ("/admin/nope", "%2Fadmin%2Fnope"),
    ] {
        let reply = c.get(path, None).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(reply.location(), format!("/admin/login?next={next}"));
    }
    // A cookie whose session is gone: the sign-in page says the session expired.
    let reply = c
        .get(
            "/admin",
            Some(&format!("machidayori_session={}", "a".repeat(43))),
        )
        .await;
    assert_eq!(reply.location(), "/admin/login?next=%2Fadmin&expired=1");
}

async fn server_functions_without_a_session_answer_401(t: TestDb) {
    let c = client(&t).await;
    let reply = c.post_form(current_staff_path(), "", None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let error: app::api::AppError = serde_json::from_str(&reply.body).unwrap();
    assert!(error.to_string().contains("ログインが必要です"), "{error}");
    let dashboard = <app::api::DashboardSummary as ServerFn>::PATH;
    assert_eq!(
        c.post_form(dashboard, "", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Even a path that is no server function at all: the rule is by prefix, deny by default.
    assert_eq!(
        c.post_form("/api/anything", "", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let bogus = format!("machidayori_session={}", "b".repeat(43));
    assert_eq!(
        c.post_form(current_staff_path(), "", Some(&bogus))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

async fn wrong_password_and_unknown_user_get_the_same_answer(t: TestDb) {
    create_admin(&t, "tanaka").await;
    let c = client(&t).await;
    let wrong = c.login("tanaka", "not the password").await;
    let unknown = c.login("nobody", PASSWORD).await;
    for reply in [&wrong, &unknown] {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.set_cookie(), "", "no session on failure");
    }
    assert_eq!(wrong.body, unknown.body);
    let shown: app::api::AppError = serde_json::from_str(&wrong.body).unwrap();
    assert_eq!(
        shown.to_string(),
        "ユーザー名またはパスワードが正しくありません。"
    );
}

async fn signing_in_sets_a_strict_http_only_cookie_and_opens_the_admin_pages(t: TestDb) {
    create_admin(&t, "Tanaka").await;
    let c = client(&t).await;
    let form = format!(
        "username=TANAKA&password={}&next=%2Fadmin%2Ffriends",
        urlencode(PASSWORD)
    );
    let reply = c.post_form(login_path(), &form, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.location(), "/admin/friends");
    let set_cookie = reply.set_cookie();
    assert!(
        set_cookie.starts_with("machidayori_session="),
        "{set_cookie}"
    );
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    assert!(!set_cookie.contains("Secure"), "plain http: no Secure flag");
    let cookie = reply.cookie_pair();

    let me = c.post_form(current_staff_path(), "", Some(&cookie)).await;
    assert_eq!(me.status, StatusCode::OK);
    let me: app::api::StaffView = serde_json::from_str(&me.body).unwrap();
    assert_eq!(
        (me.username.as_str(), me.display_name.as_str()),
        ("Tanaka", "田中 太郎")
    );

    let page = c.get("/admin", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("ダッシュボード") && page.body.contains("田中 太郎"));
    let placeholder = c.get("/admin/segments", Some(&cookie)).await;
    assert_eq!(placeholder.status, StatusCode::OK);
    assert!(placeholder.body.contains("この機能は準備中です。"));
    // Signed in, the sign-in page sends you on.
    assert_eq!(
        c.get("/admin/login", Some(&cookie)).await.location(),
        "/admin"
    );
}

async fn open_redirects_after_sign_in_are_refused(t: TestDb) {
    create_admin(&t, "tanaka").await;
    let c = client(&t).await;
    let form = format!(
        "username=tanaka&password={}&next=https%3A%2F%2Fevil.example",
        urlencode(PASSWORD)
    );
    let reply = c.post_form(login_path(), &form, None).await;
    assert_eq!(reply.location(), "/admin");
}

async fn signing_in_rotates_the_session_id(t: TestDb) {
    create_admin(&t, "tanaka").await;
    let c = client(&t).await;
    let first = c.signed_in("tanaka").await;
    let form = format!("username=tanaka&password={}&next=", urlencode(PASSWORD));
    let second = c
        .post_form(login_path(), &form, Some(&first))
        .await
        .cookie_pair();
    assert_ne!(first, second);
    assert_eq!(
        c.post_form(current_staff_path(), "", Some(&first))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        c.post_form(current_staff_path(), "", Some(&second))
            .await
            .status,
        StatusCode::OK
    );
}

async fn signing_out_destroys_the_session(t: TestDb) {
    create_admin(&t, "tanaka").await;
    let c = client(&t).await;
    let cookie = c.signed_in("tanaka").await;
    let reply = c.post_form(logout_path(), "", Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.location(), "/admin/login?signed_out=1");
    assert!(
        reply.set_cookie().contains("Max-Age=0"),
        "{}",
        reply.set_cookie()
    );
    // The old cookie, replayed, opens nothing.
    assert_eq!(
        c.post_form(current_staff_path(), "", Some(&cookie))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        c.get("/admin", Some(&cookie)).await.status,
        StatusCode::SEE_OTHER
    );
}

async fn https_deployments_get_secure_host_only_cookies(t: TestDb) {
    create_admin(&t, "tanaka").await;
    let c = client_from(
        &t,
        &[("PUBLIC_URL", "https://line.city.example.jp")],
        LOOPBACK,
    )
    .await;
    let reply = c.login("tanaka", PASSWORD).await;
    let set_cookie = reply.set_cookie();
    assert!(
        set_cookie.starts_with("__Host-machidayori_session="),
        "{set_cookie}"
    );
    assert!(set_cookie.contains("; Secure"), "{set_cookie}");
    let me = c
        .post_form(current_staff_path(), "", Some(&reply.cookie_pair()))
        .await;
    assert_eq!(me.status, StatusCode::OK);
}

async fn bad_forms_get_400_with_a_japanese_message(t: TestDb) {
    create_admin(&t, "tanaka").await;
    let c = client(&t).await;
    let empty = c
        .post_form(login_path(), "username=&password=&next=", None)
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let shown: app::api::AppError = serde_json::from_str(&empty.body).unwrap();
    assert_eq!(
        shown.to_string(),
        "ユーザー名とパスワードを入力してください。"
    );
    for form in [
        "",
        "usernam=x",
        "username=a&next=",
        "password=x",
        "\u{0}\u{1}",
    ] {
        let reply = c.post_form(login_path(), form, None).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{form:?}: {}",
            reply.body
        );
    }
    let wrong_type = Request::post(login_path())
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"username\":1}"))
        .unwrap();
    assert!(c.send(wrong_type).await.status.is_client_error());
}

async fn oversized_bodies_get_413(t: TestDb) {
    let c = client_from(&t, &[("REQUEST_BODY_LIMIT", "64KiB")], LOOPBACK).await;
    let big = format!("username={}&password=x&next=", "a".repeat(70 * 1024));
    let reply = c.post_form(login_path(), &big, None).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Without a Content-Length (chunked upload) the limit cuts the stream: still a 4xx.
    let chunked = Request::post(login_path())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(big.clone()))
        .unwrap();
    assert!(c.send(chunked).await.status.is_client_error());
    let fits = format!("username={}&password=x&next=", "a".repeat(60 * 1024));
    assert_eq!(
        c.post_form(login_path(), &fits, None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

async fn cross_site_posts_are_refused(t: TestDb) {
    create_admin(&t, "tanaka").await;
    let c = client(&t).await;
    let form = format!("username=tanaka&password={}&next=", urlencode(PASSWORD));
    let req = Request::post(login_path())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(form))
        .unwrap();
    let reply = c.send(req).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.set_cookie(), "");
}

async fn first_run_setup_is_only_for_loopback_on_an_empty_database(t: TestDb) {
    let local = client(&t).await;
    let page = local.get("/admin/setup", None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("最初の管理者を作成"));

    let remote = client_from(&t, &[], REMOTE).await;
    assert_eq!(
        remote.get("/admin/setup", None).await.location(),
        "/admin/login"
    );
    let proxied = Request::get("/admin/setup")
        .header("x-forwarded-for", "203.0.113.7")
        .body(Body::empty())
        .unwrap();
    assert_eq!(local.send(proxied).await.status, StatusCode::SEE_OTHER);

    let form = format!(
        "username=first&display_name=%E5%B8%82%E5%BD%B9%E6%89%80&password={p}&password_confirm={p}",
        p = urlencode(PASSWORD)
    );
    let setup_path = <app::api::SetupFirstAdmin as ServerFn>::PATH;
    assert_eq!(
        remote.post_form(setup_path, &form, None).await.status,
        StatusCode::FORBIDDEN
    );
    let mismatch = form.replace("password_confirm=correct", "password_confirm=wrong");
    assert_eq!(
        local.post_form(setup_path, &mismatch, None).await.status,
        StatusCode::BAD_REQUEST
    );

    let created = local.post_form(setup_path, &form, None).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(created.location(), "/admin");
    let me = local
        .post_form(current_staff_path(), "", Some(&created.cookie_pair()))
        .await;
    assert!(me.body.contains("市役所"), "{}", me.body);

    // Once an account exists the page is gone and the function refuses.
    assert_eq!(
        local.get("/admin/setup", None).await.location(),
        "/admin/login"
    );
    let again = local
        .post_form(setup_path, &form.replace("first", "second"), None)
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(accounts::count(&t.db).await.unwrap(), 1);
}

async fn unknown_pages_are_404_in_japanese(t: TestDb) {
    let reply = client(&t).await.get("/no-such-page", None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("ページが見つかりません"));
}

async fn slow_requests_time_out_with_408(t: TestDb) {
    // The request body never arrives within the timeout.
    let c = client_from(&t, &[("REQUEST_TIMEOUT", "1s")], LOOPBACK).await;
    let (mut tx, body) = futures_channel_body();
    let req = Request::post(login_path())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(10), c.send(req))
        .await
        .expect("answered");
    assert_eq!(reply.status, StatusCode::REQUEST_TIMEOUT);
    tx.close();
}

/// A request body that yields nothing until its sender is dropped or closed.
fn futures_channel_body() -> (BodySender, Body) {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(1);
    let stream = tokio_stream_from(rx);
    (BodySender(Some(tx)), Body::from_stream(stream))
}

struct BodySender(Option<tokio::sync::mpsc::Sender<Result<axum::body::Bytes, std::io::Error>>>);

impl BodySender {
    fn close(&mut self) {
        self.0.take();
    }
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<axum::body::Bytes, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<axum::body::Bytes, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

async fn refusals_of_server_functions_are_json_the_ui_can_read(t: TestDb) {
    let c = client(&t).await;
    let reply = c.post_form(current_staff_path(), "", None).await;
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
    let error: app::api::AppError = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(error, app::api::AppError::Unauthorized);

    create_admin(&t, "tanaka").await;
    let cookie = c.signed_in("tanaka").await;
    let unknown = Request::post("/api/no_such_function")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .unwrap();
    let reply = c.send(unknown).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let error: app::api::AppError = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(error.to_string(), "指定された操作は見つかりません。");
    // A known function with the wrong method.
    let get = Request::get(login_path()).body(Body::empty()).unwrap();
    assert_eq!(c.send(get).await.status, StatusCode::METHOD_NOT_ALLOWED);
}

async fn only_plain_client_request_ids_are_kept(t: TestDb) {
    let c = client(&t).await;
    for forged in ["a b=c", "x".repeat(65).as_str(), "id\"quoted\""] {
        let req = Request::get("/healthz")
            .header("x-request-id", forged)
            .body(Body::empty())
            .unwrap();
        let id = c.send(req).await.headers["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_ne!(id, forged);
        assert_eq!(id.len(), 36, "replaced by a uuid: {id}");
    }
}

async fn under_https_a_plain_named_cookie_is_not_a_session(t: TestDb) {
    create_admin(&t, "tanaka").await;
    let c = client_from(
        &t,
        &[("PUBLIC_URL", "https://line.city.example.jp")],
        LOOPBACK,
    )
    .await;
    let reply = c.login("tanaka", PASSWORD).await;
    let token = reply.cookie_pair().split_once('=').unwrap().1.to_owned();
    let tossed = format!("machidayori_session={token}");
    assert_eq!(
        c.post_form(current_staff_path(), "", Some(&tossed))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

async fn behind_a_proxy_the_origin_is_checked_against_public_url(t: TestDb) {
    let c = client_from(
        &t,
        &[("PUBLIC_URL", "https://line.city.example.jp")],
        LOOPBACK,
    )
    .await;
    let post = |origin: &'static str| {
        Request::post(login_path())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::ORIGIN, origin)
            .body(Body::from("username=x&password=y&next="))
            .unwrap()
    };
    assert_eq!(
        c.send(post("https://line.city.example.jp")).await.status,
        StatusCode::UNAUTHORIZED
    );
    let other = c.send(post("http://127.0.0.1:3000")).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let error: app::api::AppError = serde_json::from_str(&other.body).unwrap();
    assert_eq!(error, app::api::AppError::Forbidden);
}

async fn a_sign_in_posted_before_hydration_redirects_back_with_the_error(t: TestDb) {
    create_admin(&t, "tanaka").await;
    let c = client(&t).await;
    let html_post = |form: String| {
        Request::post(login_path())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::REFERER, "http://127.0.0.1:3000/admin/login")
            .body(Body::from(form))
            .unwrap()
    };
    let failed = c
        .send(html_post("username=tanaka&password=wrong&next=".into()))
        .await;
    assert_eq!(failed.status, StatusCode::FOUND, "{}", failed.body);
    assert!(
        failed
            .location()
            .starts_with("http://127.0.0.1:3000/admin/login?"),
        "{}",
        failed.location()
    );
    assert!(failed.location().contains("__err="));
    assert_eq!(failed.set_cookie(), "");

    // The sign-in page rendered for that URL shows the message.
    let path = failed
        .location()
        .trim_start_matches("http://127.0.0.1:3000");
    let page = c.get(path, None).await;
    assert!(
        page.body
            .contains("ユーザー名またはパスワードが正しくありません。"),
        "{}",
        page.body
    );

    let form = format!("username=tanaka&password={}&next=", urlencode(PASSWORD));
    let signed_in = c.send(html_post(form)).await;
    assert_eq!(signed_in.status, StatusCode::FOUND);
    assert_eq!(signed_in.location(), "/admin");
    assert!(signed_in.set_cookie().starts_with("machidayori_session="));
}

async fn limit_answers_are_in_japanese(t: TestDb) {
    let c = client_from(&t, &[("REQUEST_BODY_LIMIT", "1KiB")], LOOPBACK).await;
    let reply = c.post_form(login_path(), &"a".repeat(4096), None).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.body, "送信されたデータが大きすぎます。");
}

/// The table in `app::api::rules` covers every server function and admin page that exists, and
/// nothing that does not: a new endpoint without a rule fails here (and is refused at run time).
#[test]
fn every_server_function_and_admin_page_has_an_access_rule() {
    use std::collections::BTreeSet;
    let registered: BTreeSet<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    let ruled: BTreeSet<&str> = app::api::rules::all().map(|(path, _)| *path).collect();
    // One rule per function: two areas cannot both claim one.
    assert_eq!(ruled.len(), app::api::rules::all().count());
    let missing: Vec<_> = registered.difference(&ruled).collect();
    let stale: Vec<_> = ruled.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "server functions without an access rule: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "access rules for no server function: {stale:?}"
    );
    assert!(registered.len() >= 16, "{registered:?}");

    let pages: Vec<String> = leptos_axum::generate_route_list(app::App)
        .iter()
        .map(|route| route.path().to_owned())
        .filter(|path| path.starts_with("/admin"))
        .collect();
    assert!(pages.len() >= 12, "{pages:?}");
    for page in &pages {
        let slug = page.trim_start_matches("/admin").trim_start_matches('/');
        let slug = slug.split('/').next().unwrap_or("");
        assert!(
            // `password`: every user's own password page (`Need::OwnAccount`).
            ["", "login", "setup", "password"].contains(&slug) || app::nav::area(slug).is_some(),
            "admin page without an access rule: {page}"
        );
    }
    // Every area in the menu carries its need, and none is open to anyone (the menu shows only
    // what the user may open).
    for area in app::nav::AREAS {
        assert_ne!(area.need, model::access::Need::Anyone, "{}", area.slug);
        assert_eq!(
            app::api::rules::page_need(&format!("/admin/{}", area.slug)),
            area.need
        );
    }
}

async fn a_general_user_reaches_only_what_their_permissions_allow(t: TestDb) {
    use model::access::{Action, Feature, Permission, Role};
    create_admin(&t, "admin1").await;
    let suzuki = accounts::create(
        &t.db,
        &Actor::command_line(),
        NewAccount::administrator("suzuki", "鈴木", PASSWORD),
    )
    .await
    .unwrap();
    let view_friends = Permission::Do(Feature::FriendAttributes, Action::View);
    accounts::set_grants(
        &t.db,
        &Actor::command_line(),
        suzuki.id,
        Role::Staff,
        &[view_friends].into(),
        &Default::default(),
    )
    .await
    .unwrap();
    let c = client(&t).await;
    let user = c.signed_in("suzuki").await;
    let admin = c.signed_in("admin1").await;

    for (page, as_user) in [
        ("/admin", StatusCode::OK),
        ("/admin/friends", StatusCode::OK),
        ("/admin/settings", StatusCode::FORBIDDEN),
        ("/admin/staff", StatusCode::FORBIDDEN),
        ("/admin/simulator", StatusCode::FORBIDDEN),
        ("/admin/deliveries", StatusCode::FORBIDDEN),
    ] {
        let reply = c.get(page, Some(&user)).await;
        assert_eq!(reply.status, as_user, "{page}: {}", reply.body);
        assert_eq!(
            c.get(page, Some(&admin)).await.status,
            StatusCode::OK,
            "{page} as admin"
        );
    }
    let refused = c.get("/admin/settings", Some(&user)).await;
    assert!(
        refused.body.contains("許可されていません"),
        "{}",
        refused.body
    );

    // Server functions: refused before they run (and before their arguments are read).
    for path in [
        <app::api::SaveGreeting as ServerFn>::PATH,
        <app::api::SimFriends as ServerFn>::PATH,
        <app::api::SimAct as ServerFn>::PATH,
    ] {
        let reply = c.post_form(path, "", Some(&user)).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            reply.body
        );
        assert!(reply.body.contains("Forbidden"), "{path}: {}", reply.body);
    }
    let friends = c
        .post_form(
            <app::api::ListFriends as ServerFn>::PATH,
            "channel=main",
            Some(&user),
        )
        .await;
    assert_ne!(friends.status, StatusCode::FORBIDDEN, "{}", friends.body);

    // The menu lists only the areas this user may open.
    let me = c.post_form(current_staff_path(), "", Some(&user)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let me: app::api::StaffView = serde_json::from_str(&me.body).unwrap();
    assert_eq!(
        (me.role.label_ja(), me.areas),
        ("一般", vec!["friends".to_owned()])
    );
    let me: app::api::StaffView = serde_json::from_str(
        &c.post_form(current_staff_path(), "", Some(&admin))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(me.areas.len(), app::nav::AREAS.len());
}

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
            "channel=main&enabled=on&text=%E3%82%88%E3%81%86%E3%81%93%E3%81%9D&flex=",
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
    use model::access::{Action, Feature, Permission, Role};
    create_admin(&t, "admin1").await;
    let suzuki = accounts::create(
        &t.db,
        &Actor::command_line(),
        NewAccount::administrator("suzuki", "鈴木", PASSWORD),
    )
    .await
    .unwrap();
    let view_friends = Permission::Do(Feature::FriendAttributes, Action::View);
    accounts::set_grants(
        &t.db,
        &Actor::command_line(),
        suzuki.id,
        Role::Staff,
        &[view_friends].into(),
        &Default::default(),
    )
    .await
    .unwrap();
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

fn path_of<F: ServerFn>() -> &'static str {
    F::PATH
}

async fn an_administrator_adds_a_user_who_must_change_the_initial_password_first(t: TestDb) {
    create_admin(&t, "admin1").await;
    let soumu = domain::staff::departments::create(&t.db, &Actor::command_line(), "総務課")
        .await
        .unwrap();
    let c = client(&t).await;
    let admin = c.signed_in("admin1").await;
    let create = path_of::<app::api::CreateStaffAccount>();

    // Bad input: a Japanese 4xx, nothing stored.
    for (form, expected) in [
        (
            "username=sato&display_name=&initial_password=password1234&initial_password_confirm=password1234&role=staff",
            "よく使われて",
        ),
        (
            "username=sato&display_name=&initial_password=sato-pass-2026&initial_password_confirm=sato-pass-2026&role=staff",
            "ユーザー名を含め",
        ),
        (
            "username=sato&display_name=&initial_password=initial-pass-0427&initial_password_confirm=other&role=staff",
            "確認用",
        ),
        (
            "username=sato&display_name=&initial_password=initial-pass-0427&initial_password_confirm=initial-pass-0427&role=root",
            "権限の種類",
        ),
        (
            "username=sato&display_name=&initial_password=initial-pass-0427&initial_password_confirm=initial-pass-0427&role=staff&permissions[]=nope",
            "権限「nope」",
        ),
    ] {
        let reply = c.post_form(create, form, Some(&admin)).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{form}: {}",
            reply.body
        );
        assert!(reply.body.contains(expected), "{form}: {}", reply.body);
        assert!(
            !reply.body.contains("initial-pass-0427"),
            "the password is never echoed: {}",
            reply.body
        );
    }
    assert_eq!(accounts::count(&t.db).await.unwrap(), 1);

    // Created with the permissions ticked (serde_qs array syntax, as the form sends it).
    let form = format!(
        "username=sato&display_name=%E4%BD%90%E8%97%A4&initial_password=initial-pass-0427&initial_password_confirm=initial-pass-0427&role=staff&permissions[]=templates.edit&departments[]={}",
        soumu.id
    );
    let reply = c.post_form(create, &form, Some(&admin)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let listed = c
        .post_form(path_of::<app::api::ListAccounts>(), "", Some(&admin))
        .await;
    let listed: Vec<app::api::AccountRow> = serde_json::from_str(&listed.body).unwrap();
    let sato = listed.iter().find(|a| a.username == "sato").unwrap();
    assert_eq!(
        sato.permissions,
        [model::access::Permission::Do(
            model::access::Feature::Templates,
            model::access::Action::Edit
        )],
        "templates.edit"
    );
    assert_eq!(sato.departments, ["総務課"]);
    assert!(sato.must_change_password);

    // The new user may do nothing but change the password: pages lead to the form,
    // calls are refused saying why.
    let reply = c.login("sato", "initial-pass-0427").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let user = reply.cookie_pair();
    let page = c.get("/admin/templates", Some(&user)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/admin/password");
    assert_eq!(
        c.get("/admin/password", Some(&user)).await.status,
        StatusCode::OK
    );
    let call = c
        .post_form(path_of::<app::api::ListTemplates>(), "", Some(&user))
        .await;
    assert_eq!(call.status, StatusCode::FORBIDDEN, "{}", call.body);
    assert!(
        call.body.contains("PasswordChangeRequired"),
        "{}",
        call.body
    );

    let change = path_of::<app::api::ChangePassword>();
    let wrong = c.post_form(change, "current_password=nope-nope-nope&new_password=sato-own-secret&new_password_confirm=sato-own-secret", Some(&user)).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.body);
    assert!(wrong.body.contains("現在のパスワード"), "{}", wrong.body);
    let ok = c.post_form(change, "current_password=initial-pass-0427&new_password=kouhou-own-secret&new_password_confirm=kouhou-own-secret", Some(&user)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    // Now the permissions given apply: templates yes, accounts no.
    assert_eq!(
        c.get("/admin/templates", Some(&user)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        c.get("/admin/staff", Some(&user)).await.status,
        StatusCode::FORBIDDEN
    );
    let call = c
        .post_form(create, &form.replace("sato", "kato"), Some(&user))
        .await;
    assert_eq!(call.status, StatusCode::FORBIDDEN, "{}", call.body);

    // The administrator disables the user: the user's session ends at once.
    let off = c
        .post_form(
            path_of::<app::api::SetAccountActive>(),
            &format!("id={}&active=false", sato.id),
            Some(&admin),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert_eq!(
        c.get("/admin/templates", Some(&user)).await.status,
        StatusCode::SEE_OTHER
    );
    // The last administrator cannot disable themselves.
    let me = accounts::list(&t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.username == "admin1")
        .unwrap();
    let own = c
        .post_form(
            path_of::<app::api::SetAccountActive>(),
            &format!("id={}&active=false", me.id),
            Some(&admin),
        )
        .await;
    assert_eq!(own.status, StatusCode::CONFLICT, "{}", own.body);

    // Every change is in the audit log, by whom and from where, and the chain holds.
    use sea_orm::EntityTrait;
    let entries = domain::entities::audit_log::Entity::find()
        .all(&t.db)
        .await
        .unwrap();
    let changes: Vec<(String, String, Option<String>)> = entries
        .into_iter()
        .filter(|e| e.action.starts_with("account."))
        .map(|e| (e.username, e.action, e.entity_id))
        .collect();
    let sato = Some("sato".to_owned());
    assert_eq!(
        changes,
        [
            (
                "command-line".to_owned(),
                "account.create".to_owned(),
                Some("admin1".to_owned())
            ),
            (
                "admin1".to_owned(),
                "account.create".to_owned(),
                sato.clone()
            ),
            (
                "sato".to_owned(),
                "account.change_password".to_owned(),
                sato.clone()
            ),
            (
                "admin1".to_owned(),
                "account.disable".to_owned(),
                sato.clone()
            ),
        ]
    );
    let report = domain::security::audit::verify(&t.db).await.unwrap();
    assert!(report.first_break.is_none(), "{report:?}");
}

async fn templates_stay_inside_their_department_over_http(t: TestDb) {
    use model::access::{Action, Feature, Permission, Role};
    create_admin(&t, "admin1").await;
    let soumu = domain::staff::departments::create(&t.db, &Actor::command_line(), "総務課")
        .await
        .unwrap();
    let fukushi = domain::staff::departments::create(&t.db, &Actor::command_line(), "福祉課")
        .await
        .unwrap();
    let edit = Permission::Do(Feature::Templates, Action::Edit);
    for (name, department) in [("sato", soumu.id), ("suzuki", fukushi.id)] {
        let user = accounts::create(
            &t.db,
            &Actor::command_line(),
            NewAccount::administrator(name, "", PASSWORD),
        )
        .await
        .unwrap();
        accounts::set_grants(
            &t.db,
            &Actor::command_line(),
            user.id,
            Role::Staff,
            &[edit].into(),
            &[department].into(),
        )
        .await
        .unwrap();
    }
    let c = client(&t).await;
    let sato = c.signed_in("sato").await;
    let suzuki = c.signed_in("suzuki").await;
    let save = path_of::<app::api::SaveTemplate>();
    let saved = c
        .post_form(
            save,
            &format!(
                "department_id={}&title=%E3%81%94%E3%81%BF&text=%E5%8F%8E%E9%9B%86%E6%97%A5&json=",
                soumu.id
            ),
            Some(&sato),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let id: i64 = serde_json::from_str(&saved.body).unwrap();

    // The other department: not in the list, not found by id, not editable or deletable.
    let list = c
        .post_form(path_of::<app::api::ListTemplates>(), "", Some(&suzuki))
        .await;
    assert_eq!(list.body, "[]");
    let editor = c
        .post_form(
            path_of::<app::api::TemplateEditor>(),
            &format!("id={id}"),
            Some(&suzuki),
        )
        .await;
    assert_eq!(editor.status, StatusCode::NOT_FOUND, "{}", editor.body);
    assert!(!editor.body.contains("収集日"), "{}", editor.body);
    let overwrite = c
        .post_form(
            save,
            &format!("id={id}&department_id={}&title=x&text=x&json=", fukushi.id),
            Some(&suzuki),
        )
        .await;
    assert_eq!(
        overwrite.status,
        StatusCode::NOT_FOUND,
        "{}",
        overwrite.body
    );
    let delete = c
        .post_form(
            path_of::<app::api::DeleteTemplate>(),
            &format!("id={id}"),
            Some(&suzuki),
        )
        .await;
    assert_eq!(delete.status, StatusCode::NOT_FOUND, "{}", delete.body);
    // Filing a template under someone else's department is refused.
    let foreign = c
        .post_form(
            save,
            &format!("department_id={}&title=x&text=x&json=", soumu.id),
            Some(&suzuki),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST, "{}", foreign.body);

    // The owner sees it with its department and a text preview; LINE's limits apply.
    let editor = c
        .post_form(
            path_of::<app::api::TemplateEditor>(),
            &format!("id={id}"),
            Some(&sato),
        )
        .await;
    let form: app::api::TemplateForm = serde_json::from_str(&editor.body).unwrap();
    let template = form.template.unwrap();
    assert_eq!(
        (template.department.as_str(), template.preview),
        ("総務課", vec!["収集日".to_owned()])
    );
    let preview = c.post_form(path_of::<app::api::PreviewTemplate>(), "text=&json=%5B%7B%22type%22%3A%22sticker%22%2C%22packageId%22%3A%221%22%2C%22stickerId%22%3A%222%22%7D%5D", Some(&sato)).await;
    assert_eq!(preview.body, "[\"［スタンプ］\"]");
    let too_long = c
        .post_form(
            save,
            &format!(
                "department_id={}&title=x&text={}&json=",
                soumu.id,
                "a".repeat(5001)
            ),
            Some(&sato),
        )
        .await;
    assert_eq!(
        too_long.status,
        StatusCode::BAD_REQUEST,
        "{}",
        too_long.body
    );
    assert!(too_long.body.contains("5000"), "{}", too_long.body);
    let admin = c.signed_in("admin1").await;
    let all = c
        .post_form(path_of::<app::api::ListTemplates>(), "", Some(&admin))
        .await;
    assert!(
        all.body.contains("収集日"),
        "administrators see every department: {}",
        all.body
    );
}

// ---- IPA 「安全なウェブサイトの作り方」: each test tries an attack and checks that it fails. ----
// (docs/security.md maps the 11 classes to their defences and to these tests.)

/// XSS and clickjacking: admin pages carry a strict Content-Security-Policy whose script nonce is
/// new on every response and present on every inline script Leptos writes; other responses load
/// nothing; the panel cannot be framed; HSTS only under https.
#[tokio::test]
async fn pages_send_a_strict_content_security_policy_with_a_fresh_nonce() {
    let t = TestDb::sqlite().await;
    let c = client(&t).await;
    let nonce_of = |reply: &Reply| {
        let csp = reply.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|r| r.split('\'').next())
            .unwrap()
            .to_owned();
        assert!(nonce.len() >= 16, "{csp}");
        nonce
    };
    let first = c.get("/admin/login", None).await;
    let second = c.get("/admin/login", None).await;
    let nonce = nonce_of(&first);
    assert_ne!(nonce, nonce_of(&second), "a nonce is used once");
    let scripts = first.body.matches("<script").count();
    assert!(scripts >= 1, "{}", first.body);
    assert_eq!(
        first.body.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "every script has the nonce"
    );
    assert_eq!(first.headers[header::X_FRAME_OPTIONS], "DENY");
    assert!(
        !first
            .headers
            .contains_key(header::STRICT_TRANSPORT_SECURITY),
        "no HSTS over http"
    );

    let health = c.get("/healthz", None).await;
    assert!(
        health.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    let https = client_from(
        &t,
        &[("PUBLIC_URL", "https://line.city.example.jp")],
        LOOPBACK,
    )
    .await;
    let secure = https.get("/healthz", None).await;
    assert_eq!(
        secure.headers[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000"
    );
}

/// XSS: what staff type is escaped wherever it is shown, and links in LINE messages are limited
/// to LINE's schemes (no `javascript:`).
#[tokio::test]
async fn markup_typed_by_staff_is_shown_as_text() {
    use model::access::Scope;
    let t = TestDb::sqlite().await;
    create_admin(&t, "admin1").await;
    let soumu = domain::staff::departments::create(&t.db, &Actor::command_line(), "<b>総務課</b>")
        .await
        .unwrap();
    // `</textarea>` first: a textarea's content must not be able to end the element.
    let attack = "</textarea><script>alert(1)</script><img src=x onerror=alert(2)>";
    let input = domain::messaging::templates::TemplateInput {
        department_id: soumu.id,
        title: attack.into(),
        messages: domain::messaging::templates::compose(attack, "").unwrap(),
    };
    let saved =
        domain::messaging::templates::create(&t.db, &Actor::command_line(), &Scope::All, input)
            .await
            .unwrap();
    let c = client(&t).await;
    let admin = c.signed_in("admin1").await;
    for page in [
        format!("/admin/templates/{}", saved.id),
        "/admin/templates".into(),
        "/admin/staff/departments".into(),
    ] {
        let reply = c.get(&page, Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK, "{page}");
        assert!(
            !reply.body.contains("<script>alert(1)"),
            "{page}: raw markup in the page"
        );
        assert!(!reply.body.contains("<img src=x"), "{page}");
        assert!(!reply.body.contains("<b>総務課</b>"), "{page}");
    }
    let page = c
        .get(&format!("/admin/templates/{}", saved.id), Some(&admin))
        .await;
    assert!(
        page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "shown as text"
    );

    let link = r#"[{"type":"template","altText":"x","template":{"type":"buttons","text":"x","actions":[{"type":"uri","label":"x","uri":"javascript:alert(1)"}]}}]"#;
    let err = domain::messaging::templates::compose("", link)
        .unwrap_err()
        .to_string();
    assert!(err.contains("https://"), "{err}");
}

/// HTTP header injection: CR/LF in anything that could reach a header is dropped or refused.
#[tokio::test]
async fn line_breaks_never_reach_a_response_header() {
    let t = TestDb::sqlite().await;
    create_admin(&t, "admin1").await;
    let c = client(&t).await;
    let form = format!(
        "username=admin1&password={}&next={}",
        urlencode(PASSWORD),
        urlencode("/admin\r\nSet-Cookie: evil=1")
    );
    let reply = c.post_form(login_path(), &form, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let all: Vec<String> = reply
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("")))
        .collect();
    assert!(all.iter().all(|h| !h.contains("evil")), "{all:?}");
    let injected = Request::get("/healthz")
        .header("x-request-id", "a%0d%0aSet-Cookie:%20evil=1")
        .body(Body::empty())
        .unwrap();
    let reply = c.send(injected).await;
    assert!(reply.headers.get("set-cookie").is_none());
    assert_ne!(
        reply.headers["x-request-id"], "a%0d%0aSet-Cookie:%20evil=1",
        "odd request ids are replaced"
    );
}

/// Path traversal: no request path reaches a file outside the site's directory.
#[tokio::test]
async fn paths_cannot_climb_out_of_the_site_directory() {
    let t = TestDb::sqlite().await;
    let outer = tempfile::tempdir().unwrap();
    std::fs::write(outer.path().join("secret.txt"), "TOP-SECRET").unwrap();
    let site = outer.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg").join("app.js"), "console.log(1)").unwrap();
    let c = client_from(&t, &[("SITE_ROOT", site.to_str().unwrap())], LOOPBACK).await;
    assert_eq!(
        c.get("/pkg/app.js", None).await.body,
        "console.log(1)",
        "assets are served"
    );
    for path in [
        "/pkg/../../secret.txt",
        "/pkg/..%2f..%2fsecret.txt",
        "/%2e%2e/secret.txt",
        "/pkg/%2e%2e/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "/pkg/....//....//secret.txt",
    ] {
        let reply = c.get(path, None).await;
        assert!(
            !reply.body.contains("TOP-SECRET"),
            "{path}: {}",
            reply.status
        );
    }
}

/// OS command injection, mail header injection and buffer overflow, by construction: no crate of
/// ours starts processes or sends mail, and each takes the workspace's lints, which forbid
/// `unsafe` (a `forbid` that no crate or module can lift).
#[test]
fn our_crates_run_no_commands_send_no_mail_and_forbid_unsafe() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    let crates = [
        "app",
        "domain",
        "frontend",
        "line",
        "migrations",
        "model",
        "sandbox",
        "server",
    ];
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(
        workspace.contains("[workspace.lints.rust]\nunsafe_code = \"forbid\""),
        "the workspace forbids unsafe code"
    );
    let mut crates_checked = 0;
    for krate in crates {
        let mut stack = vec![root.join(krate).join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for banned in [
                    "process::Command",
                    "Command::new(",
                    "unsafe {",
                    "unsafe fn",
                    "lettre",
                    "smtp",
                ] {
                    assert!(
                        !text.contains(banned),
                        "{} contains {banned}",
                        path.display()
                    );
                }
            }
        }
        let manifest = std::fs::read_to_string(root.join(krate).join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains("[lints]\nworkspace = true"),
            "{krate} takes the workspace lints"
        );
        crates_checked += 1;
    }
    assert_eq!(crates_checked, crates.len());
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
    for mailer in [
        "name = \"lettre\"",
        "name = \"mail-send\"",
        "name = \"async-smtp\"",
    ] {
        assert!(!lock.contains(mailer), "{mailer}");
    }
}

db_tests!(
    health_answers_and_readiness_follows_the_database,
    every_response_carries_a_request_id_and_security_headers,
    the_sign_in_page_is_japanese_and_has_the_form,
    admin_pages_without_a_session_redirect_to_sign_in,
    server_functions_without_a_session_answer_401,
    wrong_password_and_unknown_user_get_the_same_answer,
    signing_in_sets_a_strict_http_only_cookie_and_opens_the_admin_pages,
    open_redirects_after_sign_in_are_refused,
    signing_in_rotates_the_session_id,
    signing_out_destroys_the_session,
    https_deployments_get_secure_host_only_cookies,
    bad_forms_get_400_with_a_japanese_message,
    oversized_bodies_get_413,
    cross_site_posts_are_refused,
    first_run_setup_is_only_for_loopback_on_an_empty_database,
    unknown_pages_are_404_in_japanese,
    slow_requests_time_out_with_408,
    refusals_of_server_functions_are_json_the_ui_can_read,
    only_plain_client_request_ids_are_kept,
    under_https_a_plain_named_cookie_is_not_a_session,
    behind_a_proxy_the_origin_is_checked_against_public_url,
    a_sign_in_posted_before_hydration_redirects_back_with_the_error,
    limit_answers_are_in_japanese,
    a_general_user_reaches_only_what_their_permissions_allow,
    sign_ins_are_in_the_login_history_and_changes_in_the_audit_log,
    repeated_failures_lock_the_account_with_a_japanese_answer,
    setup_of_the_first_administrator_is_audited,
    logs_are_browsed_and_exported_by_administrators_only,
    an_administrator_lifts_a_lockout_from_the_history_page,
    simulator_actions_are_audited,
    an_administrator_adds_a_user_who_must_change_the_initial_password_first,
    templates_stay_inside_their_department_over_http,
);

//! Signing in and out, sessions and their cookies, the first-run setup.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::db_tests;
use domain::staff::accounts::{self};
use domain::testing::TestDb;
use leptos::server_fn::ServerFn;

use super::REMOTE;
use crate::support::*;

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
    let placeholder = c.get("/admin/chatbot", Some(&cookie)).await;
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

db_tests!(
    the_sign_in_page_is_japanese_and_has_the_form,
    admin_pages_without_a_session_redirect_to_sign_in,
    server_functions_without_a_session_answer_401,
    wrong_password_and_unknown_user_get_the_same_answer,
    signing_in_sets_a_strict_http_only_cookie_and_opens_the_admin_pages,
    open_redirects_after_sign_in_are_refused,
    signing_in_rotates_the_session_id,
    signing_out_destroys_the_session,
    https_deployments_get_secure_host_only_cookies,
    first_run_setup_is_only_for_loopback_on_an_empty_database,
    under_https_a_plain_named_cookie_is_not_a_session,
    a_sign_in_posted_before_hydration_redirects_back_with_the_error,
);

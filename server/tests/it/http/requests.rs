//! What every request meets: health probes, request ids and security headers, limits, bad
//! input, cross-site writes, refusals the UI can read.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::db_tests;
use domain::testing::TestDb;

use crate::support::*;

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

async fn limit_answers_are_in_japanese(t: TestDb) {
    let c = client_from(&t, &[("REQUEST_BODY_LIMIT", "1KiB")], LOOPBACK).await;
    let reply = c.post_form(login_path(), &"a".repeat(4096), None).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.body, "送信されたデータが大きすぎます。");
}

db_tests!(
    health_answers_and_readiness_follows_the_database,
    every_response_carries_a_request_id_and_security_headers,
    bad_forms_get_400_with_a_japanese_message,
    oversized_bodies_get_413,
    cross_site_posts_are_refused,
    unknown_pages_are_404_in_japanese,
    slow_requests_time_out_with_408,
    refusals_of_server_functions_are_json_the_ui_can_read,
    only_plain_client_request_ids_are_kept,
    behind_a_proxy_the_origin_is_checked_against_public_url,
    limit_answers_are_in_japanese,
);

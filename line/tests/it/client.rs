//! The Messaging API client against a scripted stand-in for LINE's platform: a real HTTP server
//! on 127.0.0.1 that answers each request from a fault script and records what it received.
//! No test measures wall time: pacing and timeouts are checked on tokio's paused clock, and
//! budgets are hourly where real requests are involved, so that nothing depends on the
//! machine's speed.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use line::api::{MulticastRequest, PushRequest, ReplyRequest};
use line::client::{
    AccessToken, Client, ClientConfig, ClientError, RateLimiter, RetryKey, RetryPolicy, SendOutcome,
};
use line::message::Message;
use line::rate::{RateClass, RateLimit};
use line::rich_menu::{RichMenu, RichMenuAlias};
use serde_json::json;
use tokio::time::Instant;

/// One request as the server received it.
#[derive(Clone, Debug)]
struct Seen {
    method: Method,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn retry_key(&self) -> Option<&str> {
        self.header("x-line-retry-key")
    }
}

/// One scripted answer.
#[derive(Clone)]
struct Canned {
    status: u16,
    body: String,
    headers: Vec<(&'static str, String)>,
    delay: Duration,
}

fn answer(status: u16, body: serde_json::Value) -> Canned {
    Canned {
        status,
        body: body.to_string(),
        headers: Vec::new(),
        delay: Duration::ZERO,
    }
}

fn ok(body: serde_json::Value) -> Canned {
    answer(200, body)
}

impl Canned {
    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }
}

#[derive(Clone, Default)]
struct Shared {
    /// Answers in order; the last one repeats.
    script: Arc<Mutex<VecDeque<Canned>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

struct Fake {
    base: String,
    shared: Shared,
}

impl Fake {
    async fn start(script: Vec<Canned>) -> Fake {
        let shared = Shared {
            script: Arc::new(Mutex::new(script.into())),
            ..Shared::default()
        };
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Fake {
            base: format!("http://{addr}"),
            shared,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }
}

async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    shared.seen.lock().unwrap().push(Seen {
        method,
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        headers,
        body,
    });
    let canned = {
        let mut script = shared.script.lock().unwrap();
        if script.len() > 1 {
            script.pop_front()
        } else {
            script.front().cloned()
        }
    }
    .unwrap_or_else(|| ok(json!({})));
    if !canned.delay.is_zero() {
        tokio::time::sleep(canned.delay).await;
    }
    let mut response = (
        StatusCode::from_u16(canned.status).unwrap(),
        [("content-type", "application/json")],
        canned.body,
    )
        .into_response();
    for (name, value) in canned.headers {
        response.headers_mut().insert(name, value.parse().unwrap());
    }
    response
}

const TOKEN: &str = "test-channel-token";

fn config(base: &str) -> ClientConfig {
    ClientConfig {
        api_base: base.to_owned(),
        data_base: base.to_owned(),
        access_token: AccessToken::new(TOKEN),
        request_timeout: Duration::from_secs(2),
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        },
    }
}

fn client(fake: &Fake) -> Client {
    Client::new("main", config(&fake.base), Arc::new(RateLimiter::default())).unwrap()
}

fn text(t: &str) -> Message {
    serde_json::from_value(json!({"type": "text", "text": t})).unwrap()
}

fn push_request(messages: Vec<Message>) -> PushRequest {
    PushRequest {
        to: "U0123456789abcdef0123456789abcdef".into(),
        messages,
        notification_disabled: None,
        custom_aggregation_units: None,
    }
}

fn multicast_request(recipients: usize) -> MulticastRequest {
    MulticastRequest {
        to: (0..recipients).map(|i| format!("U{i:032}")).collect(),
        messages: vec![text("お知らせ")],
        notification_disabled: None,
        custom_aggregation_units: None,
    }
}

fn sent(ids: &[&str]) -> serde_json::Value {
    json!({"sentMessages": ids.iter().map(|id| json!({"id": id, "quoteToken": "q"})).collect::<Vec<_>>()})
}

#[tokio::test]
async fn push_carries_token_and_retry_key_reply_and_profile_do_not() {
    let fake = Fake::start(vec![
        ok(sent(&["m1"])).header("x-line-request-id", "req-push"),
        ok(sent(&["m2"])),
        ok(json!({"userId": "U1", "displayName": "山田"})),
    ])
    .await;
    let c = client(&fake);
    let key = RetryKey::random();
    let req = push_request(vec![text("こんにちは")]);

    let outcome = c.push(&req, &key).await.unwrap();
    let SendOutcome::Accepted {
        request_id,
        sent_messages,
    } = &outcome
    else {
        panic!("{outcome:?}");
    };
    assert_eq!(request_id.as_deref(), Some("req-push"));
    assert_eq!(sent_messages.len(), 1);
    assert_eq!(sent_messages[0].id, "m1");
    assert_eq!(sent_messages[0].quote_token.as_deref(), Some("q"));

    let reply = ReplyRequest {
        reply_token: "reply-token".into(),
        messages: vec![text("ようこそ")],
        notification_disabled: None,
    };
    let replied = c.reply(&reply).await.unwrap();
    assert_eq!(replied.sent_messages[0].id, "m2");
    c.profile("U1").await.unwrap();

    let seen = fake.seen();
    assert_eq!(seen.len(), 3);
    let bearer = format!("Bearer {TOKEN}");
    assert!(
        seen.iter()
            .all(|s| s.header("authorization") == Some(bearer.as_str()))
    );
    assert_eq!(seen[0].method, Method::POST);
    assert_eq!(seen[0].path, "/v2/bot/message/push");
    assert_eq!(seen[0].retry_key(), Some(key.to_string().as_str()));
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
    let body: PushRequest = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(body, req);
    assert_eq!(seen[1].path, "/v2/bot/message/reply");
    assert_eq!(seen[1].retry_key(), None);
    assert_eq!(seen[2].method, Method::GET);
    assert_eq!(seen[2].path, "/v2/bot/profile/U1");
    assert_eq!(seen[2].retry_key(), None);
}

#[tokio::test]
async fn server_errors_are_retried_with_the_same_key() {
    let fake = Fake::start(vec![
        answer(500, json!({"message": "Internal error"})),
        answer(500, json!({"message": "Internal error"})),
        ok(sent(&["m1"])),
    ])
    .await;
    let key = RetryKey::random();
    let outcome = client(&fake)
        .push(&push_request(vec![text("a")]), &key)
        .await
        .unwrap();
    assert!(matches!(outcome, SendOutcome::Accepted { .. }));
    assert_eq!(outcome.sent_messages()[0].id, "m1");
    let keys: Vec<_> = fake
        .seen()
        .iter()
        .map(|s| s.retry_key().map(str::to_owned))
        .collect();
    assert_eq!(keys, vec![Some(key.to_string()); 3]);
}

#[tokio::test]
async fn too_many_requests_is_retried_with_the_same_key() {
    let fake = Fake::start(vec![
        answer(429, json!({"message": "Too Many Requests"})),
        answer(429, json!({"message": "Too Many Requests"})),
        ok(json!({})),
    ])
    .await;
    let key = RetryKey::random();
    let outcome = client(&fake)
        .multicast(&multicast_request(3), &key)
        .await
        .unwrap();
    assert!(matches!(outcome, SendOutcome::Accepted { .. }));
    let seen = fake.seen();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter()
            .all(|s| s.retry_key() == Some(key.to_string().as_str()))
    );
    assert!(seen.iter().all(|s| s.path == "/v2/bot/message/multicast"));
}

#[tokio::test]
async fn conflict_on_a_send_means_already_sent() {
    let fake = Fake::start(vec![
        answer(
            409,
            json!({"message": "The retry key is already accepted", "sentMessages": [{"id": "m9"}]}),
        )
        .header("x-line-accepted-request-id", "req-first")
        .header("x-line-request-id", "req-second"),
        answer(409, json!({"message": "Conflict"})),
    ])
    .await;
    let c = client(&fake);
    let outcome = c
        .multicast(&multicast_request(2), &RetryKey::random())
        .await
        .unwrap();
    assert_eq!(
        outcome,
        SendOutcome::AlreadyAccepted {
            accepted_request_id: Some("req-first".into()),
            sent_messages: vec![line::api::SentMessage {
                id: "m9".into(),
                quote_token: None
            }],
        }
    );
    assert_eq!(outcome.request_id(), Some("req-first"));
    assert_eq!(fake.seen().len(), 1);

    // Elsewhere a 409 is a refusal.
    let err = c.profile("U1").await.unwrap_err();
    assert!(
        matches!(err, ClientError::Rejected { status: 409, .. }),
        "{err:?}"
    );
    assert_eq!(fake.seen().len(), 2);
}

#[tokio::test]
async fn bad_request_keeps_lines_explanation_and_is_not_retried() {
    let fake = Fake::start(vec![
        answer(
            400,
            json!({
                "message": "The request body has 1 error(s)",
                "details": [{"message": "May not be empty", "property": "messages[0].text"}]
            }),
        )
        .header("x-line-request-id", "req-bad"),
        ok(sent(&["never"])),
    ])
    .await;
    let err = client(&fake)
        .push(&push_request(vec![text("x")]), &RetryKey::random())
        .await
        .unwrap_err();
    let ClientError::Rejected {
        status,
        error,
        request_id,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(*status, 400);
    assert_eq!(error.message, "The request body has 1 error(s)");
    assert_eq!(error.details.len(), 1);
    assert_eq!(
        error.details[0].message.as_deref(),
        Some("May not be empty")
    );
    assert_eq!(
        error.details[0].property.as_deref(),
        Some("messages[0].text")
    );
    assert_eq!(request_id.as_deref(), Some("req-bad"));
    assert_eq!(fake.seen().len(), 1);
    let ja = err.message_ja();
    assert!(ja.contains("The request body has 1 error(s)"), "{ja}");
    assert!(ja.contains("messages[0].text"), "{ja}");
    assert!(ja.contains("May not be empty"), "{ja}");
    assert!(err.to_string().contains("May not be empty"));
}

#[tokio::test]
async fn unauthorized_is_not_retried() {
    let fake = Fake::start(vec![answer(
        401,
        json!({"message": "Authentication failed due to the following reason: invalid token."}),
    )])
    .await;
    let err = client(&fake).profile("U1").await.unwrap_err();
    assert!(
        matches!(err, ClientError::Rejected { status: 401, .. }),
        "{err:?}"
    );
    assert!(err.message_ja().contains("invalid token"));
    assert_eq!(fake.seen().len(), 1);
}

/// A server that takes connections (the kernel completes them) and never reads or answers.
/// Counting what it took afterwards needs no task of the test's runtime, so it works on a paused
/// clock.
struct Silent(std::net::TcpListener);

impl Silent {
    fn start() -> (Silent, String) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        (Silent(listener), base)
    }

    /// Connections made so far: waits (a little, in real time) for `expected` in case the
    /// kernel is slow to complete a handshake, and counts any extra ones too.
    fn connections(&self, expected: usize) -> usize {
        self.0.set_nonblocking(true).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let mut taken = 0;
        loop {
            match self.0.accept() {
                Ok(_) => taken += 1,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if taken >= expected || std::time::Instant::now() > deadline {
                        return taken;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => panic!("{e}"),
            }
        }
    }
}

/// On tokio's paused clock: the runtime jumps to each timeout instead of waiting for it.
#[tokio::test(start_paused = true)]
async fn a_server_that_never_answers_times_out_and_is_given_up() {
    let (silent, base) = Silent::start();
    let mut cfg = config(&base);
    cfg.request_timeout = Duration::from_millis(200);
    cfg.retry.max_attempts = 2;
    let c = Client::new("main", cfg, Arc::new(RateLimiter::default())).unwrap();
    let started = Instant::now();
    let err = c
        .push(&push_request(vec![text("a")]), &RetryKey::random())
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    match &err {
        ClientError::GaveUp { attempts, last } => {
            assert_eq!(*attempts, 2);
            assert_eq!(last, "timeout");
        }
        other => panic!("{other:?}"),
    }
    // Two timeouts of 200 ms and a backoff of at most 1 ms between them.
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert_eq!(silent.connections(2), 2);
    assert!(err.message_ja().contains("2 回"));
}

#[tokio::test]
async fn always_unavailable_is_given_up_after_max_attempts() {
    let fake = Fake::start(vec![answer(503, json!({"message": "Service Unavailable"}))]).await;
    let err = client(&fake).quota().await.unwrap_err();
    match &err {
        ClientError::GaveUp { attempts, last } => {
            assert_eq!(*attempts, 4);
            assert!(last.contains("503"), "{last}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fake.seen().len(), 4);
}

#[tokio::test]
async fn invalid_requests_are_refused_before_sending() {
    let fake = Fake::start(vec![ok(json!({}))]).await;
    let c = client(&fake);
    let key = RetryKey::random();

    let six = push_request((0..6).map(|i| text(&i.to_string())).collect());
    let err = c.push(&six, &key).await.unwrap_err();
    let ClientError::Invalid(violations) = &err else {
        panic!("{err:?}");
    };
    assert_eq!(violations[0].path, "messages");

    let long = push_request(vec![text(&"あ".repeat(5001))]);
    let ClientError::Invalid(violations) = c.push(&long, &key).await.unwrap_err() else {
        panic!("text of 5001 characters accepted");
    };
    assert_eq!(violations[0].path, "messages[0].text");

    let crowd = c
        .multicast(&multicast_request(501), &key)
        .await
        .unwrap_err();
    assert!(matches!(crowd, ClientError::Invalid(_)), "{crowd:?}");
    let empty_reply = ReplyRequest {
        reply_token: "t".into(),
        messages: vec![],
        notification_disabled: None,
    };
    assert!(matches!(
        c.reply(&empty_reply).await,
        Err(ClientError::Invalid(_))
    ));
    let ids: Vec<String> = (0..501).map(|i| format!("U{i}")).collect();
    assert!(matches!(
        c.bulk_link_rich_menu(&ids, "richmenu-1").await,
        Err(ClientError::Invalid(_))
    ));
    assert!(matches!(
        c.statistics_per_unit("bad unit!", "20250101", "20250131")
            .await,
        Err(ClientError::Invalid(_))
    ));
    assert!(matches!(
        c.statistics_per_unit("unit", "20250101", "20250201").await,
        Err(ClientError::Invalid(_))
    ));
    assert!(matches!(
        c.delete_rich_menu_alias("Bad Alias").await,
        Err(ClientError::Invalid(_))
    ));
    assert!(matches!(
        c.upload_rich_menu_image("richmenu-1", "image/gif", vec![1, 2, 3])
            .await,
        Err(ClientError::Invalid(_))
    ));
    assert!(err.message_ja().contains("messages"));
    assert_eq!(fake.seen().len(), 0);
}

/// The pacing itself, on tokio's paused clock: exact to the millisecond, without waiting.
#[tokio::test(start_paused = true)]
async fn the_rate_limiter_paces_each_channel_across_callers() {
    let twenty_per_second = || {
        Arc::new(RateLimiter::new(HashMap::from([(
            RateClass::Multicast,
            RateLimit::per_second(20),
        )])))
    };
    let limiter = twenty_per_second();
    let started = Instant::now();
    for _ in 0..10 {
        limiter.acquire("city", RateClass::Multicast).await;
    }
    // One slot every 50 ms, the first at once.
    assert_eq!(started.elapsed(), Duration::from_millis(450));

    // Two callers of one channel share its budget; another channel has its own.
    let limiter = twenty_per_second();
    let five = |limiter: Arc<RateLimiter>| async move {
        for _ in 0..5 {
            limiter.acquire("city", RateClass::Multicast).await;
        }
        Instant::now()
    };
    let started = Instant::now();
    let (a_done, b_done, other_took) =
        tokio::join!(five(limiter.clone()), five(limiter.clone()), async {
            let t = Instant::now();
            limiter.acquire("town", RateClass::Multicast).await;
            t.elapsed()
        });
    assert_eq!(a_done.max(b_done) - started, Duration::from_millis(450));
    assert_eq!(other_took, Duration::ZERO);

    // A retry takes the next slot like any request: 10/s puts it 100 ms after the first.
    let limiter = RateLimiter::new(HashMap::from([(
        RateClass::Push,
        RateLimit::per_second(10),
    )]));
    let started = Instant::now();
    limiter.acquire("main", RateClass::Push).await;
    limiter.acquire("main", RateClass::Push).await;
    assert_eq!(started.elapsed(), Duration::from_millis(100));
}

/// An hour's budget: how much is left does not depend on how fast the test runs, and a request
/// beyond it cannot go out within the test's lifetime.
fn hourly(class: RateClass, count: u32) -> Arc<RateLimiter> {
    Arc::new(RateLimiter::new(HashMap::from([(
        class,
        RateLimit::new(count, Duration::from_secs(3600)),
    )])))
}

/// True when `call` is still waiting (for the rate limiter) after a while.
async fn still_waiting<F: Future>(call: F) -> bool {
    tokio::time::timeout(Duration::from_millis(100), call)
        .await
        .is_err()
}

#[tokio::test]
async fn clients_of_one_channel_share_its_budget() {
    let fake = Fake::start(vec![ok(json!({}))]).await;
    let limiter = hourly(RateClass::Multicast, 3);
    let a = Client::new("city", config(&fake.base), limiter.clone()).unwrap();
    let b = Client::new("city", config(&fake.base), limiter.clone()).unwrap();
    let other = Client::new("town", config(&fake.base), limiter.clone()).unwrap();
    let req = multicast_request(2);
    let send = |c: &Client| {
        let (c, req) = (c.clone(), req.clone());
        async move { c.multicast(&req, &RetryKey::random()).await.unwrap() }
    };

    send(&a).await;
    send(&b).await;
    send(&other).await;
    send(&a).await;
    assert_eq!(fake.seen().len(), 4);
    // City's three slots are used, by a and b together; the town still has two.
    assert!(still_waiting(send(&b)).await);
    assert_eq!(fake.seen().len(), 4, "nothing sent beyond the budget");
    send(&other).await;
    assert_eq!(fake.seen().len(), 5);
}

#[tokio::test]
async fn retries_wait_for_the_rate_limiter_too() {
    // One request an hour: after the 500, the retry waits for the limiter, not only for its
    // backoff of at most 1 ms.
    let fake = Fake::start(vec![answer(500, json!({"message": "x"})), ok(sent(&["m"]))]).await;
    let c = Client::new("main", config(&fake.base), hourly(RateClass::Push, 1)).unwrap();
    assert!(still_waiting(c.push(&push_request(vec![text("a")]), &RetryKey::random())).await);
    assert_eq!(fake.seen().len(), 1);

    // With a slot for it, the retry goes out and succeeds.
    let fake = Fake::start(vec![answer(500, json!({"message": "x"})), ok(sent(&["m"]))]).await;
    let c = Client::new("main", config(&fake.base), hourly(RateClass::Push, 2)).unwrap();
    c.push(&push_request(vec![text("a")]), &RetryKey::random())
        .await
        .unwrap();
    assert_eq!(fake.seen().len(), 2);
}

#[tokio::test]
async fn id_tokens_are_verified_with_a_form() {
    let fake = Fake::start(vec![
        ok(json!({
            "iss": "https://access.line.me", "sub": "U1", "aud": "1234567890",
            "exp": 1_700_000_000, "iat": 1_699_996_400, "name": "山田"
        })),
        answer(
            400,
            json!({"error": "invalid_request", "error_description": "IdToken expired."}),
        ),
    ])
    .await;
    let c = client(&fake);
    let verified = c
        .verify_id_token("id.token.value", "1234567890")
        .await
        .unwrap();
    assert_eq!(verified.sub, "U1");
    assert_eq!(verified.name.as_deref(), Some("山田"));

    let err = c
        .verify_id_token("expired", "1234567890")
        .await
        .unwrap_err();
    let ClientError::Rejected { status, error, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*status, 400);
    assert_eq!(error.message, "IdToken expired.");
    assert!(err.message_ja().contains("IdToken expired."));

    let seen = fake.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].method, Method::POST);
    assert_eq!(seen[0].path, "/oauth2/v2.1/verify");
    assert_eq!(
        seen[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let form: HashMap<String, String> = std::str::from_utf8(&seen[0].body)
        .unwrap()
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect();
    assert_eq!(form["id_token"], "id.token.value");
    assert_eq!(form["client_id"], "1234567890");
    assert_eq!(seen[0].retry_key(), None);
}

#[tokio::test]
async fn profiles_parse_and_a_base_with_a_trailing_slash_works() {
    let fake = Fake::start(vec![ok(json!({
        "userId": "U123",
        "displayName": "まちだ太郎",
        "pictureUrl": "https://profile.line-scdn.net/abc",
        "statusMessage": "よろしく",
        "language": "ja",
        "somethingNew": true
    }))])
    .await;
    let base = format!("{}/sandbox/line/", fake.base);
    let c = Client::new("main", config(&base), Arc::new(RateLimiter::default())).unwrap();
    let profile = c.profile("U123").await.unwrap();
    assert_eq!(profile.user_id, "U123");
    assert_eq!(profile.display_name, "まちだ太郎");
    assert_eq!(
        profile.picture_url.as_deref(),
        Some("https://profile.line-scdn.net/abc")
    );
    assert_eq!(profile.status_message.as_deref(), Some("よろしく"));
    assert_eq!(profile.language.as_deref(), Some("ja"));
    assert_eq!(fake.seen()[0].path, "/sandbox/line/v2/bot/profile/U123");
}

#[tokio::test]
async fn rich_menus_statistics_and_quota_use_lines_paths() {
    let menu: RichMenu = serde_json::from_value(json!({
        "size": {"width": 2500, "height": 1686},
        "selected": false,
        "name": "main",
        "chatBarText": "メニュー",
        "areas": [{"bounds": {"x": 0, "y": 0, "width": 2500, "height": 1686},
                   "action": {"type": "postback", "data": "a=1"}}]
    }))
    .unwrap();
    let alias = RichMenuAlias {
        rich_menu_alias_id: "tab-a".into(),
        rich_menu_id: "richmenu-1".into(),
    };
    let fake = Fake::start(vec![
        ok(json!({"richMenuId": "richmenu-1"})),
        ok(json!({})),
        ok(json!({})),
        ok(json!({})),
        answer(202, json!({})),
        ok(json!({})),
        ok(json!({"aliases": [{"richMenuAliasId": "tab-a", "richMenuId": "richmenu-1"}]})),
        ok(
            json!({"overview": {"uniqueImpression": null, "uniqueClick": 25,
                   "uniqueMediaPlayed": null, "uniqueMediaPlayed100Percent": null},
                  "messages": [], "clicks": []}),
        ),
        ok(json!({"type": "none"})),
        ok(json!({"totalUsage": 3})),
        ok(json!({})),
    ])
    .await;
    let mut cfg = config(&fake.base);
    cfg.data_base = format!("{}/data", fake.base);
    let c = Client::new("main", cfg, Arc::new(RateLimiter::default())).unwrap();

    assert_eq!(c.create_rich_menu(&menu).await.unwrap(), "richmenu-1");
    c.upload_rich_menu_image("richmenu-1", "image/png", vec![0x89, b'P', b'N', b'G'])
        .await
        .unwrap();
    c.set_default_rich_menu("richmenu-1").await.unwrap();
    c.link_rich_menu("U1", "richmenu-1").await.unwrap();
    c.bulk_link_rich_menu(&["U1".into(), "U2".into()], "richmenu-1")
        .await
        .unwrap();
    c.create_rich_menu_alias(&alias).await.unwrap();
    assert_eq!(c.list_rich_menu_aliases().await.unwrap(), vec![alias]);
    let stats = c
        .statistics_per_unit("notice_2025", "20250101", "20250131")
        .await
        .unwrap();
    assert_eq!(stats.overview.unique_impression, None);
    assert_eq!(stats.overview.unique_click, Some(25));
    assert_eq!(c.quota().await.unwrap().quota_type, "none");
    assert_eq!(c.quota_consumption().await.unwrap().total_usage, 3);
    c.delete_rich_menu("richmenu-1").await.unwrap();

    let seen = fake.seen();
    let calls: Vec<_> = seen
        .iter()
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    assert_eq!(
        calls,
        [
            "POST /v2/bot/richmenu",
            "POST /data/v2/bot/richmenu/richmenu-1/content",
            "POST /v2/bot/user/all/richmenu/richmenu-1",
            "POST /v2/bot/user/U1/richmenu/richmenu-1",
            "POST /v2/bot/richmenu/bulk/link",
            "POST /v2/bot/richmenu/alias",
            "GET /v2/bot/richmenu/alias/list",
            "GET /v2/bot/insight/message/event/aggregation",
            "GET /v2/bot/message/quota",
            "GET /v2/bot/message/quota/consumption",
            "DELETE /v2/bot/richmenu/richmenu-1",
        ]
    );
    assert_eq!(seen[1].header("content-type"), Some("image/png"));
    assert_eq!(&seen[1].body[..], &[0x89, b'P', b'N', b'G']);
    assert_eq!(seen[2].header("content-length"), Some("0"));
    let bulk: serde_json::Value = serde_json::from_slice(&seen[4].body).unwrap();
    assert_eq!(
        bulk,
        json!({"richMenuId": "richmenu-1", "userIds": ["U1", "U2"]})
    );
    assert_eq!(
        seen[7].query.as_deref(),
        Some("customAggregationUnit=notice_2025&from=20250101&to=20250131")
    );
    assert!(seen.iter().all(|s| s.retry_key().is_none()));
}

#[tokio::test]
async fn validating_a_rich_menu_posts_it_to_lines_validate_path() {
    let menu: RichMenu = serde_json::from_value(json!({
        "size": {"width": 2500, "height": 843},
        "selected": true,
        "name": "くらし",
        "chatBarText": "メニュー",
        "areas": [{"bounds": {"x": 0, "y": 0, "width": 2500, "height": 843},
                   "action": {"type": "message", "label": "ごみ", "text": "ごみ"}}]
    }))
    .unwrap();
    let refusal = json!({"message": "The request body has 1 error(s)",
                         "details": [{"message": "Must be an HTTPS URL", "property": "areas[0].action.uri"}]});
    let fake = Fake::start(vec![
        ok(json!({})),
        answer(400, refusal).header("x-line-request-id", "req-1"),
    ])
    .await;
    let c = Client::new("main", config(&fake.base), Arc::new(RateLimiter::default())).unwrap();

    c.validate_rich_menu(&menu).await.unwrap();
    // LINE's refusal comes back with its details, at once (a 400 is never retried).
    let Err(ClientError::Rejected {
        status,
        error,
        request_id,
    }) = c.validate_rich_menu(&menu).await
    else {
        panic!("LINE's 400 is a rejection");
    };
    assert_eq!((status, request_id.as_deref()), (400, Some("req-1")));
    assert_eq!(
        error.details[0].property.as_deref(),
        Some("areas[0].action.uri")
    );
    // What breaks LINE's published rules is not sent.
    let mut too_narrow = menu.clone();
    too_narrow.size.width = 700;
    assert!(matches!(
        c.validate_rich_menu(&too_narrow).await,
        Err(ClientError::Invalid(_))
    ));

    let seen = fake.seen();
    let calls: Vec<_> = seen
        .iter()
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    assert_eq!(
        calls,
        [
            "POST /v2/bot/richmenu/validate",
            "POST /v2/bot/richmenu/validate"
        ]
    );
    let sent: RichMenu = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(sent, menu);
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
    assert!(seen.iter().all(|s| s.retry_key().is_none()));
}

//! The LINE platform layer end to end, over real HTTP on loopback and real databases: the
//! server with its webhook, inbox workers and API client, talking to the built-in sandbox (or
//! to a sandbox served separately, standing in for "any LINE-compatible server").

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::StatusCode;

use domain::audience::friends::{FriendPage, FriendQuery};
use domain::db_tests;
use domain::testing::TestDb;

use crate::support::eventually;
use line::client::{RetryKey, SendOutcome};
use server::AppState;
use server::config::Config;
use server::router::{Limits, router};

const SECRET: &str = "0123456789abcdef0123456789abcdef";
const TOKEN: &str = "test-access-token-0123456789";

pub(crate) struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    _data: tempfile::TempDir,
}

/// The server on a free loopback port, as `serve` runs it.
pub(crate) async fn start(t: &TestDb, env: &[(&str, &str)]) -> Running {
    let data = tempfile::tempdir().unwrap();
    let mut vars: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    if !vars.iter().any(|(k, _)| k == "BIND_ADDR") {
        vars.push(("BIND_ADDR".into(), "127.0.0.1:0".into()));
    }
    vars.push(("DATA_DIR".into(), data.path().display().to_string()));
    vars.push((
        "SECRET_KEY".into(),
        domain::security::secrets::SecretBox::generate_key(),
    ));
    let config = Config::from_sources(None, |name| {
        vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind(config.bind_addr)
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    // Left running with the test's server: the runtime ends them with the test.
    let background = server::jobs::Background::new();
    let state = server::serve::prepare(&config, t.db.clone(), addr, &background)
        .await
        .unwrap();
    let limits = Limits {
        body_bytes: config.request_body_limit,
        timeout: config.request_timeout,
    };
    let app = router(state.clone(), limits);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    Running {
        addr,
        state,
        _data: data,
    }
}

/// The workers act a moment after the webhook answer.
const WORKERS_ACT: Duration = Duration::from_secs(10);

async fn friends(t: &TestDb, channel: &str) -> FriendPage {
    let id = domain::platform::channels::id_of(&t.db, channel)
        .await
        .unwrap();
    domain::audience::friends::list(&t.db, id, &FriendQuery::default())
        .await
        .unwrap()
}

fn texts(chat: &[sandbox::ChatEntry]) -> Vec<String> {
    chat.iter()
        .filter(|e| !e.from_friend)
        .filter_map(|e| e.message["text"].as_str().map(str::to_owned))
        .collect()
}

async fn a_simulated_friend_follows_is_greeted_listed_and_blocks(t: TestDb) {
    let server = start(&t, &[]).await;
    let sandbox = &server.state.platform.sandbox;
    let friend = sandbox
        .create_friend(
            "main",
            sandbox::NewSimFriend {
                display_name: "山田 花子".into(),
                language: Some("ja".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let delivery = sandbox.follow("main", &friend.user_id).await.unwrap();
    assert_eq!(delivery.status, Some(200), "{delivery:?}");

    // The greeting arrives with the reply token, once.
    let greeted = eventually("the greeting", WORKERS_ACT, async || {
        let t = texts(&sandbox.chat("main", &friend.user_id));
        (!t.is_empty()).then_some(t)
    })
    .await;
    assert_eq!(greeted, [domain::platform::channels::DEFAULT_GREETING]);
    // The friend is registered with the profile LINE (the sandbox) returned.
    let page = eventually("the friend", WORKERS_ACT, async || {
        let p = friends(&t, "main").await;
        p.friends
            .first()
            .is_some_and(|f| f.display_name.is_some())
            .then_some(p)
    })
    .await;
    let f = &page.friends[0];
    assert_eq!(
        (
            f.line_user_id.as_str(),
            f.display_name.as_deref(),
            f.language.as_deref(),
            f.following
        ),
        (friend.user_id.as_str(), Some("山田 花子"), Some("ja"), true)
    );

    // A message is stored and shown on the friend's page.
    sandbox
        .send_text("main", &friend.user_id, "ごみの日を教えて")
        .await
        .unwrap();
    let detail = eventually("the message event", WORKERS_ACT, async || {
        let d = domain::audience::friends::detail(
            &t.db,
            domain::platform::channels::id_of(&t.db, "main")
                .await
                .unwrap(),
            f.id,
        )
        .await
        .unwrap();
        d.events
            .iter()
            .any(|e| e.summary == "ごみの日を教えて" && e.status.key() == "done")
            .then_some(d)
    })
    .await;
    assert_eq!(detail.events.len(), 2);

    // Blocking keeps the friend, marked blocked.
    sandbox.unfollow("main", &friend.user_id).await.unwrap();
    let page = eventually("the block", WORKERS_ACT, async || {
        // The row, not the counts: they are separate queries and may straddle the update.
        let p = friends(&t, "main").await;
        p.friends.first().is_some_and(|f| !f.following).then_some(p)
    })
    .await;
    assert_eq!((page.total, page.friends.len()), (1, 1));
    assert!(page.friends[0].blocked_at.is_some());
    assert_eq!(
        texts(&sandbox.chat("main", &friend.user_id)).len(),
        1,
        "greeted once"
    );
}

/// The greeting staff build in the composer (here a text and a sticker) is what a new friend
/// receives with the reply token: every message, in order, as saved.
async fn a_saved_multi_message_greeting_is_what_a_follower_receives(t: TestDb) {
    use domain::platform::channels::{self, Greeting};
    let server = start(&t, &[]).await;
    let sandbox = &server.state.platform.sandbox;
    let saved = serde_json::json!([
        {"type": "text", "text": "まちだより市へようこそ。"},
        {"type": "sticker", "packageId": "446", "stickerId": "1988"},
    ]);
    let greeting = Greeting {
        enabled: true,
        messages: serde_json::from_value(saved.clone()).unwrap(),
    };
    channels::set_greeting(
        &t.db,
        &domain::security::audit::Actor::system(),
        "main",
        &greeting,
    )
    .await
    .unwrap();
    let friend = sandbox
        .create_friend(
            "main",
            sandbox::NewSimFriend {
                display_name: "鈴木".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let delivery = sandbox.follow("main", &friend.user_id).await.unwrap();
    assert_eq!(delivery.status, Some(200), "{delivery:?}");
    let received = eventually("the greeting", WORKERS_ACT, async || {
        let chat = sandbox.chat("main", &friend.user_id);
        let from_account: Vec<_> = chat.into_iter().filter(|e| !e.from_friend).collect();
        (from_account.len() >= 2).then_some(from_account)
    })
    .await;
    assert!(received.iter().all(|e| e.via == "reply"), "{received:?}");
    let messages: Vec<serde_json::Value> = received.into_iter().map(|e| e.message).collect();
    assert_eq!(serde_json::Value::Array(messages), saved);
}

fn signed(body: &str) -> (String, String) {
    (
        body.to_owned(),
        line::signature::sign(SECRET, body.as_bytes()),
    )
}

fn message_event(id: &str, redelivery: bool) -> String {
    format!(
        r#"{{"destination":"Ubot","events":[{{"type":"message","mode":"active","timestamp":1767225600000,"source":{{"type":"user","userId":"U4af4980629"}},"webhookEventId":"{id}","deliveryContext":{{"isRedelivery":{redelivery}}},"replyToken":"r1","message":{{"id":"1","type":"text","quoteToken":"q","text":"こんにちは😀"}}}}]}}"#
    )
}

async fn post(addr: SocketAddr, path: &str, body: &str, signature: Option<&str>) -> (u16, String) {
    let client = reqwest::Client::new();
    let mut req = client
        .post(format!("http://{addr}{path}"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(s) = signature {
        req = req.header("x-line-signature", s);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn stored_events(t: &TestDb) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    domain::entities::webhook_event::Entity::find()
        .count(&t.db)
        .await
        .unwrap()
}

async fn the_webhook_refuses_what_line_would_not_send_and_stores_each_event_once(t: TestDb) {
    // LINE credentials; the API base is a closed port, which message events never need.
    let server = start(
        &t,
        &[
            ("LINE_CHANNEL_SECRET", SECRET),
            ("LINE_CHANNEL_ACCESS_TOKEN", TOKEN),
            ("LINE_API_BASE", "http://127.0.0.1:9"),
            ("REQUEST_BODY_LIMIT", "64KiB"),
        ],
    )
    .await;
    let path = "/webhook/line/main";
    let (body, signature) = signed(&message_event("01JD0000000000000000000001", false));

    assert_eq!(
        post(server.addr, path, &body, None).await.0,
        401,
        "missing header"
    );
    assert_eq!(
        post(server.addr, path, &body, Some("bm90IHRoZSBzaWduYXR1cmU="))
            .await
            .0,
        401,
        "wrong signature"
    );
    // Re-serialised JSON (emoji and Japanese escaped) no longer matches: bytes are signed.
    let reencoded =
        serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&body).unwrap())
            .unwrap()
            .replace("😀", "\\ud83d\\ude00");
    assert_eq!(
        post(server.addr, path, &reencoded, Some(&signature))
            .await
            .0,
        401,
        "signature over other bytes"
    );
    let (bad, bad_sig) = signed("{\"destination\":\"U\",\"events\":[{]}");
    assert_eq!(
        post(server.addr, path, &bad, Some(&bad_sig)).await.0,
        400,
        "malformed JSON"
    );
    let huge = format!(
        "{{\"destination\":\"U\",\"events\":[],\"pad\":\"{}\"}}",
        "x".repeat(70 * 1024)
    );
    let (huge, huge_sig) = signed(&huge);
    assert_eq!(
        post(server.addr, path, &huge, Some(&huge_sig)).await.0,
        413,
        "huge body"
    );
    assert_eq!(
        post(server.addr, "/webhook/line/nope", &body, Some(&signature))
            .await
            .0,
        404,
        "unknown channel"
    );
    assert_eq!(
        stored_events(&t).await,
        0,
        "nothing stored for refused requests"
    );

    let (verify, verify_sig) = signed(r#"{"destination":"Ubot","events":[]}"#);
    assert_eq!(
        post(server.addr, path, &verify, Some(&verify_sig)).await.0,
        200,
        "LINE's verify button"
    );

    assert_eq!(
        post(server.addr, path, &body, Some(&signature)).await.0,
        200
    );
    assert_eq!(
        post(server.addr, path, &body, Some(&signature)).await.0,
        200,
        "duplicate"
    );
    let (again, again_sig) = signed(&message_event("01JD0000000000000000000001", true));
    assert_eq!(
        post(server.addr, path, &again, Some(&again_sig)).await.0,
        200,
        "redelivery"
    );
    let (unknown, unknown_sig) = signed(
        r#"{"destination":"Ubot","events":[{"type":"somethingNew","mode":"active","timestamp":1767225600000,"webhookEventId":"01JD0000000000000000000002","deliveryContext":{"isRedelivery":false},"futureField":{"a":1}}]}"#,
    );
    assert_eq!(
        post(server.addr, path, &unknown, Some(&unknown_sig))
            .await
            .0,
        200,
        "unknown event type"
    );
    assert_eq!(stored_events(&t).await, 2);
    eventually("both events processed", WORKERS_ACT, async || {
        (domain::webhook::inbox::count(&t.db, model::status::WorkStatus::Done)
            .await
            .unwrap()
            == 2)
            .then_some(())
    })
    .await;
    use sea_orm::EntityTrait;
    let rows = domain::entities::webhook_event::Entity::find()
        .all(&t.db)
        .await
        .unwrap();
    let unknown_row = rows
        .iter()
        .find(|r| r.event_type == "somethingNew")
        .unwrap();
    assert!(
        unknown_row.payload.contains("futureField"),
        "kept as LINE sent it"
    );
    let message_row = rows.iter().find(|r| r.event_type == "message").unwrap();
    assert_eq!(message_row.attempts, 1, "processed once");
}

/// A sandbox served on its own port: "any LINE-compatible server".
async fn external_line(webhook: String) -> (SocketAddr, sandbox::Sandbox) {
    let sandbox = sandbox::Sandbox::new(sandbox::SandboxConfig::default()).unwrap();
    sandbox.add_channel(sandbox::SandboxChannel {
        key: "city".into(),
        bot_user_id: "U0000000000000000000000000000bot1".into(),
        channel_secret: SECRET.into(),
        access_token: TOKEN.into(),
        login_channel_id: Some("2000000001".into()),
        webhook_url: Some(webhook),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = sandbox.router();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, sandbox)
}

async fn with_credentials_the_same_flow_works_against_a_line_compatible_server(t: TestDb) {
    // Our webhook address must be known before the "LINE" server, so reserve it first.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let (line_addr, line) =
        external_line(format!("http://127.0.0.1:{port}/webhook/line/main")).await;
    let base = format!("http://{line_addr}");
    let server = start(
        &t,
        &[
            ("BIND_ADDR", &format!("127.0.0.1:{port}")),
            ("LINE_CHANNEL_SECRET", SECRET),
            ("LINE_CHANNEL_ACCESS_TOKEN", TOKEN),
            ("LINE_CHANNEL_ID", "1650000000"),
            ("LINE_API_BASE", &base),
            ("LINE_API_DATA_BASE", &base),
        ],
    )
    .await;
    let _ = server.addr;
    assert!(
        !server.state.platform.has_sandbox_channels(),
        "no built-in sandbox with credentials"
    );

    let friend = line
        .create_friend(
            "city",
            sandbox::NewSimFriend {
                display_name: "佐藤".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let delivery = line.follow("city", &friend.user_id).await.unwrap();
    assert_eq!(delivery.status, Some(200), "{delivery:?}");
    let greeted = eventually("the greeting", WORKERS_ACT, async || {
        let t = texts(&line.chat("city", &friend.user_id));
        (!t.is_empty()).then_some(t)
    })
    .await;
    assert_eq!(greeted.len(), 1);
    let page = eventually("the friend", WORKERS_ACT, async || {
        let p = friends(&t, "main").await;
        p.friends
            .first()
            .is_some_and(|f| f.display_name.is_some())
            .then_some(p)
    })
    .await;
    assert_eq!(page.friends[0].display_name.as_deref(), Some("佐藤"));

    // Push through the outbox: the retry key is stored before the first attempt. The first
    // attempt "crashes" after LINE accepted it; the resend with the same key gets 409 and
    // the friend still has exactly one copy.
    let handle = server.state.platform.channel("main").unwrap();
    let request = line::api::PushRequest {
        to: friend.user_id.clone(),
        messages: vec![
            serde_json::from_value(serde_json::json!({"type":"text","text":"防災訓練のお知らせ"}))
                .unwrap(),
        ],
        notification_disabled: None,
        custom_aggregation_units: None,
    };
    let row = domain::delivery::outbox::enqueue(
        &t.db,
        handle.channel.id,
        &domain::delivery::outbox::Outgoing::Push(request.clone()),
    )
    .await
    .unwrap();
    let key: RetryKey = row.retry_key.parse().unwrap();
    let first = handle.client.push(&request, &key).await.unwrap();
    assert!(matches!(first, SendOutcome::Accepted { .. }));
    let resent =
        domain::delivery::outbox::deliver(&t.db, &handle.client, row.id, chrono::Utc::now())
            .await
            .unwrap()
            .unwrap();
    assert!(
        matches!(resent, SendOutcome::AlreadyAccepted { .. }),
        "{resent:?}"
    );
    assert_eq!(
        domain::delivery::outbox::get(&t.db, row.id)
            .await
            .unwrap()
            .status,
        domain::delivery::outbox::SendStatus::Sent
    );
    let pushed: Vec<_> = texts(&line.chat("city", &friend.user_id))
        .into_iter()
        .filter(|t| t == "防災訓練のお知らせ")
        .collect();
    assert_eq!(pushed.len(), 1, "delivered once");
    assert!(
        domain::delivery::outbox::deliver(&t.db, &handle.client, row.id, chrono::Utc::now())
            .await
            .unwrap()
            .is_none(),
        "sent requests are not sent again"
    );

    // Recipients must be this channel's friends.
    let stranger = line::api::PushRequest {
        to: "U00000000000000000000000000000000".into(),
        ..request
    };
    let err = domain::delivery::outbox::enqueue(
        &t.db,
        handle.channel.id,
        &domain::delivery::outbox::Outgoing::Push(stranger),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("友だちではありません"), "{err}");
}

/// Staff send a saved 定型文 to a simulated friend from its page: it goes through the outbox,
/// the Messaging API client and the sandbox like any push, and the friend receives exactly the
/// composed messages. Another department's template is not found; a friend of no channel is
/// refused.
async fn a_saved_template_reaches_a_simulated_friend_as_composed(t: TestDb) {
    use axum::Extension;
    use axum::extract::ConnectInfo;
    use domain::security::audit::Actor;
    use model::access::{Action, Feature, Permission};

    let running = start(&t, &[]).await;
    let sandbox = &running.state.platform.sandbox;
    let limits = Limits {
        body_bytes: 1 << 20,
        timeout: Duration::from_secs(30),
    };
    let peer: SocketAddr = crate::support::LOOPBACK.parse().unwrap();
    let c = crate::support::Client {
        app: router(running.state.clone(), limits).layer(Extension(ConnectInfo(peer))),
        origin: "http://127.0.0.1:3000".into(),
    };
    crate::support::create_admin(&t, "admin1").await;
    let soumu = domain::staff::departments::create(&t.db, &Actor::command_line(), "総務課")
        .await
        .unwrap();
    let fukushi = domain::staff::departments::create(&t.db, &Actor::command_line(), "福祉課")
        .await
        .unwrap();
    crate::support::create_staff(
        &t,
        "sato",
        &[
            Permission::Do(Feature::Templates, Action::Edit),
            Permission::Do(Feature::Simulator, Action::Edit),
        ],
        &[fukushi.id],
    )
    .await;
    let composed: Vec<line::message::Message> = serde_json::from_value(serde_json::json!([
        {"type": "text", "text": "催しのご案内です。"},
        {"type": "sticker", "packageId": "446", "stickerId": "1988"},
        {"type": "template", "altText": "催し", "template": {"type": "carousel", "columns": [
            {"title": "桜まつり", "text": "4月1日", "actions": [{"type": "uri", "label": "詳しく", "uri": "https://www.city.example.jp/sakura"}]},
            {"title": "花火大会", "text": "8月1日", "actions": [{"type": "message", "label": "参加", "text": "花火に参加"}]}
        ]}}
    ]))
    .unwrap();
    let template = domain::messaging::templates::create(
        &t.db,
        &Actor::command_line(),
        &model::access::Scope::All,
        domain::messaging::templates::TemplateInput {
            department_id: soumu.id,
            title: "催し".into(),
            messages: composed.clone(),
        },
    )
    .await
    .unwrap();
    let friend = sandbox
        .create_friend(
            "main",
            sandbox::NewSimFriend {
                display_name: "山田 花子".into(),
                ..Default::default()
            },
        )
        .unwrap();
    sandbox.follow("main", &friend.user_id).await.unwrap();
    eventually("the friend", WORKERS_ACT, async || {
        (!friends(&t, "main").await.friends.is_empty()).then_some(())
    })
    .await;

    let send = crate::support::path_of::<app::api::SendTemplateToSimulator>();
    let form = |id: i64, user: &str| format!("id={id}&channel=main&user_id={user}");
    let admin = c.signed_in("admin1").await;
    let sent = c
        .post_form(send, &form(template.id, &friend.user_id), Some(&admin))
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let received: Vec<line::message::Message> = sandbox
        .chat("main", &friend.user_id)
        .into_iter()
        .filter(|e| !e.from_friend && e.via == "push")
        .map(|e| serde_json::from_value(e.message).unwrap())
        .collect();
    assert_eq!(received, composed);

    // Another department's template is "not found"; a stranger is not sent anything.
    let sato = c.signed_in("sato").await;
    let foreign = c
        .post_form(send, &form(template.id, &friend.user_id), Some(&sato))
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);
    let stranger = c
        .post_form(
            send,
            &form(template.id, "U0000000000000000000000000000dead"),
            Some(&admin),
        )
        .await;
    assert_eq!(
        stranger.status,
        StatusCode::BAD_REQUEST,
        "{}",
        stranger.body
    );
    assert!(
        stranger.body.contains("友だちではありません"),
        "{}",
        stranger.body
    );
}

db_tests!(
    a_saved_template_reaches_a_simulated_friend_as_composed,
    a_simulated_friend_follows_is_greeted_listed_and_blocks,
    the_webhook_refuses_what_line_would_not_send_and_stores_each_event_once,
    with_credentials_the_same_flow_works_against_a_line_compatible_server,
    a_saved_multi_message_greeting_is_what_a_follower_receives,
);

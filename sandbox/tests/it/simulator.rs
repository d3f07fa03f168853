//! Simulated friends: webhook deliveries, redelivery, chats, rich menu taps, and the state file.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use line::message::Action;
use line::webhook::EventKind;
use sandbox::{
    MAX_DISPLAY_NAME_LENGTH, NewSimFriend, Sandbox, SandboxConfig, SandboxError, SimAction,
    SimCount, SimRichMenuSource, is_ulid, ulid_time_ms,
};
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn follow_delivers_a_signed_event_like_line() {
    let h = Harness::default().await;
    let before = chrono::Utc::now().timestamp_millis();
    let user = h.friend("a", "花子").await;
    let received = h.webhook.last();
    assert!(received.signature_ok);
    assert_eq!(received.user_agent, "LineBotWebhook/2.0");
    assert_eq!(received.content_type, "application/json");
    assert_eq!(received.body["destination"], "Ubot_a");

    // The system's own parser accepts it.
    let bytes = serde_json::to_vec(&received.body).unwrap();
    let parsed = line::webhook::parse(&bytes).unwrap();
    let event = &parsed.events[0];
    assert_eq!(
        event.kind,
        EventKind::Follow {
            is_unblocked: false
        }
    );
    assert_eq!(event.mode, "active");
    assert!(!event.is_redelivery);
    assert_eq!(
        event.source.as_ref().and_then(|s| s.user_id()),
        Some(user.as_str())
    );
    assert!(event.reply_token.is_some());
    assert!(
        is_ulid(&event.webhook_event_id),
        "{}",
        event.webhook_event_id
    );
    let ulid_ms = ulid_time_ms(&event.webhook_event_id).unwrap() as i64;
    assert!(ulid_ms >= before && (ulid_ms - event.timestamp).abs() < 5);

    assert_eq!(
        h.sandbox.follow("a", &user).await.unwrap_err(),
        SandboxError::AlreadyFollowing
    );

    // Unfollow: no reply token; then a re-follow is an unblock.
    h.sandbox.unfollow("a", &user).await.unwrap();
    let unfollow = h.webhook.last_event();
    assert_eq!(unfollow["type"], "unfollow");
    assert!(unfollow.get("replyToken").is_none());
    assert!(!h.sandbox.friend("a", &user).unwrap().following);
    assert_eq!(
        h.sandbox.send_text("a", &user, "x").await.unwrap_err(),
        SandboxError::NotFollowing
    );
    h.sandbox.follow("a", &user).await.unwrap();
    let refollow = h.webhook.last_event();
    assert_eq!(refollow["follow"]["isUnblocked"], true);
    let ids: Vec<String> = h
        .webhook
        .all()
        .iter()
        .map(|r| {
            r.body["events"][0]["webhookEventId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "ULIDs are time-ordered");
}

#[tokio::test]
async fn messages_postbacks_and_taps() {
    let h = Harness::default().await;
    let user = h.friend("a", "花子").await;

    h.sandbox
        .send_text("a", &user, "ごみの日は？")
        .await
        .unwrap();
    let event = h.webhook.last_event();
    assert_eq!(event["type"], "message");
    assert_eq!(event["message"]["type"], "text");
    assert_eq!(event["message"]["text"], "ごみの日は？");
    assert!(event["message"]["id"].is_string());
    assert!(event["message"]["quoteToken"].is_string());
    assert!(event["replyToken"].is_string());

    h.sandbox
        .postback("a", &user, "menu=garbage", Some("ごみ"), None)
        .await
        .unwrap();
    let event = h.webhook.last_event();
    assert_eq!(event["type"], "postback");
    assert_eq!(event["postback"], json!({ "data": "menu=garbage" }));

    let tapped = h
        .sandbox
        .tap_action(
            "a",
            &user,
            &Action::DatetimePicker {
                label: None,
                data: "pick".into(),
                mode: "date".into(),
                initial: Some("2026-12-24".into()),
                max: None,
                min: None,
            },
        )
        .await
        .unwrap();
    assert!(tapped.is_some());
    assert_eq!(
        h.webhook.last_event()["postback"]["params"],
        json!({ "date": "2026-12-24" })
    );
    h.sandbox
        .tap_action(
            "a",
            &user,
            &Action::Message {
                label: None,
                text: "防災".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(h.webhook.last_event()["message"]["text"], "防災");
    let count = h.webhook.all().len();
    let none = h
        .sandbox
        .tap_action(
            "a",
            &user,
            &Action::Uri {
                label: None,
                uri: "https://example.jp".into(),
                alt_uri: None,
            },
        )
        .await
        .unwrap();
    assert!(none.is_none());
    assert_eq!(h.webhook.all().len(), count, "a URI tap delivers nothing");

    let chat = h.sandbox.chat("a", &user);
    assert!(chat.iter().all(|e| e.from_friend && e.via == "friend"));
    let shown: Vec<&Value> = chat.iter().map(|e| &e.message).collect();
    assert_eq!(shown[0]["text"], "ごみの日は？");
    assert_eq!(shown[1]["type"], "postback");
    assert_eq!(shown[1]["displayText"], "ごみ");
    assert_eq!(shown[3]["text"], "防災");

    // Unknown friend / channel.
    assert_eq!(
        h.sandbox.send_text("a", "Unobody", "x").await.unwrap_err(),
        SandboxError::UnknownFriend
    );
    assert_eq!(
        h.sandbox.send_text("zzz", &user, "x").await.unwrap_err(),
        SandboxError::UnknownChannel
    );
    // A friend of A is not a friend of B.
    assert_eq!(
        h.sandbox.send_text("b", &user, "x").await.unwrap_err(),
        SandboxError::UnknownFriend
    );
}

#[tokio::test]
async fn redelivery_keeps_the_event_id() {
    let h = Harness::default().await;
    let user = h.friend("a", "花子").await;
    h.sandbox.send_text("a", &user, "一度目").await.unwrap();
    let first = h.webhook.last_event();
    let again = h.sandbox.redeliver_last("a", &user).await.unwrap();
    let second = h.webhook.last_event();
    assert!(h.webhook.last().signature_ok);
    assert_eq!(second["webhookEventId"], first["webhookEventId"]);
    assert_eq!(
        again.webhook_event_id,
        first["webhookEventId"].as_str().unwrap()
    );
    assert_eq!(second["deliveryContext"]["isRedelivery"], true);
    assert_eq!(first["deliveryContext"]["isRedelivery"], false);
    assert_eq!(second["message"], first["message"]);
}

#[tokio::test]
async fn failed_deliveries_are_reported() {
    let failing = serve(Router::new().route(
        "/webhook",
        post(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
    ))
    .await;
    let sandbox = Sandbox::new(SandboxConfig::default()).unwrap();
    sandbox.add_channel(channel("a", Some(&failing)));
    sandbox.add_channel(channel("b", None));
    let f = sandbox
        .create_friend(
            "a",
            NewSimFriend {
                display_name: "花子".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let d = sandbox.follow("a", &f.user_id).await.unwrap();
    assert_eq!(d.status, Some(500));
    assert!(d.error.is_some());

    let g = sandbox
        .create_friend(
            "b",
            NewSimFriend {
                display_name: "太郎".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let d = sandbox.follow("b", &g.user_id).await.unwrap();
    assert_eq!(d.status, None);
    assert!(d.error.is_some(), "no webhook URL");
    assert!(sandbox.friend("b", &g.user_id).unwrap().following);

    // Nobody listening.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    sandbox.add_channel(channel("b", Some(&closed)));
    let d = sandbox.send_text("b", &g.user_id, "x").await.unwrap();
    assert_eq!(d.status, None);
    assert!(d.error.unwrap().contains("接続"));
}

#[tokio::test]
async fn chats_keep_the_latest_entries() {
    let h = Harness::start(SandboxConfig {
        max_chat_entries_per_friend: 3,
        ..SandboxConfig::default()
    })
    .await;
    let ids = h.sandbox.seed_friends("a", 1).unwrap();
    for i in 0..5 {
        h.post_json(
            TOKEN_A,
            "/v2/bot/message/push",
            &json!({ "to": ids[0], "messages": [text(&format!("{i}"))] }),
        )
        .await
        .expect(200);
    }
    let chat = h.sandbox.chat("a", &ids[0]);
    let texts: Vec<&str> = chat
        .iter()
        .map(|e| e.message["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["2", "3", "4"]);
}

#[tokio::test]
async fn state_file_survives_a_new_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("line-sandbox.json");
    let config = SandboxConfig {
        state_file: Some(state_file.clone()),
        ..SandboxConfig::default()
    };
    let h = Harness::start(config.clone()).await;
    let user = h.friend("a", "花子").await;
    let others = h.sandbox.seed_friends("a", 2).unwrap();
    h.sandbox.unfollow("a", &others[1]).await.unwrap();
    let key = uuid::Uuid::new_v4().to_string();
    h.post_with(
        h.http
            .post(h.url("/v2/bot/message/multicast"))
            .bearer_auth(TOKEN_A)
            .header("X-Line-Retry-Key", &key)
            .json(&json!({ "to": [user, others[0]], "messages": [text("お知らせ")], "customAggregationUnits": ["u1"] })),
    )
    .await
    .expect(200);
    let created = h
        .post_json(
            TOKEN_A,
            "/v2/bot/richmenu",
            &json!({
                "size": { "width": 800, "height": 540 }, "selected": true, "name": "m",
                "chatBarText": "メニュー",
                "areas": [{ "bounds": { "x": 0, "y": 0, "width": 800, "height": 540 },
                            "action": { "type": "message", "text": "hi" } }]
            }),
        )
        .await;
    let menu_id = created.expect(200)["richMenuId"]
        .as_str()
        .unwrap()
        .to_owned();
    let image = png(800, 540, 1);
    h.post_with(
        h.http
            .post(h.url(&format!("/v2/bot/richmenu/{menu_id}/content")))
            .bearer_auth(TOKEN_A)
            .header("content-type", "image/png")
            .body(image.clone()),
    )
    .await
    .expect(200);
    h.post_json(
        TOKEN_A,
        "/v2/bot/richmenu/alias",
        &json!({ "richMenuAliasId": "tab", "richMenuId": menu_id }),
    )
    .await
    .expect(200);
    h.post_json(
        TOKEN_A,
        &format!("/v2/bot/user/all/richmenu/{menu_id}"),
        &json!({}),
    )
    .await
    .expect(200);
    let id_token = h.sandbox.mint_id_token("a", &user, None).unwrap();
    let chat_before = h.sandbox.chat("a", &user);
    let friends_before = h.sandbox.friends("a");
    h.sandbox.flush().unwrap();
    assert!(state_file.exists());
    drop(h);

    let h = Harness::start(config).await;
    assert_eq!(h.sandbox.friends("a"), friends_before);
    assert_eq!(h.sandbox.chat("a", &user), chat_before);
    assert_eq!(h.sandbox.chat("a", &others[0]).len(), 1);
    assert!(h.sandbox.chat("a", &others[1]).is_empty());
    let download = h
        .get(TOKEN_A, &format!("/v2/bot/richmenu/{menu_id}/content"))
        .await;
    assert_eq!(download.bytes, image);
    let alias = h.get(TOKEN_A, "/v2/bot/richmenu/alias/tab").await;
    assert_eq!(alias.expect(200)["richMenuId"], menu_id.as_str());
    let default = h.get(TOKEN_A, "/v2/bot/user/all/richmenu").await;
    assert_eq!(default.expect(200)["richMenuId"], menu_id.as_str());
    let usage = h.get(TOKEN_A, "/v2/bot/message/quota/consumption").await;
    assert_eq!(usage.expect(200)["totalUsage"], 2);
    // The accepted retry key is remembered.
    let again = h
        .post_with(
            h.http
                .post(h.url("/v2/bot/message/multicast"))
                .bearer_auth(TOKEN_A)
                .header("X-Line-Retry-Key", &key)
                .json(&json!({ "to": [user], "messages": [text("お知らせ")] })),
        )
        .await;
    again.expect(409);
    // ID tokens minted before the restart still verify.
    let verified = h
        .post_with(
            h.http
                .post(h.url("/oauth2/v2.1/verify"))
                .form(&[("id_token", id_token.as_str()), ("client_id", LOGIN_A)]),
        )
        .await;
    assert_eq!(verified.expect(200)["sub"], user.as_str());
    // Statistics attribution survives too.
    let sent_id = h.sandbox.chat("a", &user)[0]
        .sent_message_id
        .clone()
        .unwrap();
    h.sandbox.open_message("a", &user, &sent_id);
    // Redelivery of an event from before the restart.
    let d = h.sandbox.redeliver_last("a", &others[1]).await.unwrap();
    assert_eq!(h.webhook.last_event()["type"], "unfollow");
    assert!(d.succeeded());
}

#[tokio::test]
async fn state_is_saved_in_the_background() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("state.json");
    let sandbox = Sandbox::new(SandboxConfig {
        state_file: Some(state_file.clone()),
        ..SandboxConfig::default()
    })
    .unwrap();
    sandbox.add_channel(channel("a", None));
    sandbox.seed_friends("a", 2).unwrap();
    eventually(
        "the state file is saved within about a second",
        std::time::Duration::from_secs(5),
        || state_file.exists(),
    )
    .await;
    let reopened = Sandbox::new(SandboxConfig {
        state_file: Some(state_file),
        ..SandboxConfig::default()
    })
    .unwrap();
    reopened.add_channel(channel("a", None));
    assert_eq!(reopened.friends("a").len(), 2);
}

#[tokio::test]
async fn typed_actions_are_checked_then_done() {
    let h = Harness::default().await;
    let user = h
        .sandbox
        .create_friend(
            "a",
            NewSimFriend {
                display_name: "花子".into(),
                ..NewSimFriend::default()
            },
        )
        .unwrap()
        .user_id;
    let act = |action: SimAction| h.sandbox.act("a", &user, action);

    let followed = act(SimAction::Follow).await.unwrap().unwrap();
    assert!(followed.succeeded(), "{followed:?}");
    assert_eq!(h.webhook.last_event()["type"], "follow");

    // Text: not blank, at most 5000 characters (not UTF-16 units: an emoji is one).
    let refused = SandboxError::Invalid("メッセージは1〜5000文字で入力してください。".into());
    let count = h.webhook.all().len();
    for text in [String::new(), " \n\u{3000}".into(), "あ".repeat(5001)] {
        assert_eq!(
            act(SimAction::Text(text)).await.unwrap_err(),
            refused.clone()
        );
    }
    assert_eq!(h.webhook.all().len(), count, "nothing delivered");
    let longest = format!("{}😀", "あ".repeat(4999));
    act(SimAction::Text(longest.clone()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(h.webhook.last_event()["message"]["text"], longest.as_str());

    let tap = SimAction::Tap(Action::Postback {
        label: None,
        data: "menu=garbage".into(),
        display_text: None,
        input_option: None,
        fill_in_text: None,
    });
    assert_eq!(tap.name(), "action");
    act(tap).await.unwrap().unwrap();
    assert_eq!(h.webhook.last_event()["postback"]["data"], "menu=garbage");
    let uri = Action::Uri {
        label: None,
        uri: "https://example.jp".into(),
        alt_uri: None,
    };
    assert_eq!(act(SimAction::Tap(uri)).await.unwrap(), None);

    act(SimAction::Unfollow).await.unwrap().unwrap();
    assert_eq!(h.webhook.last_event()["type"], "unfollow");
    assert_eq!(
        act(SimAction::Text("x".into())).await.unwrap_err(),
        SandboxError::NotFollowing
    );
    assert_eq!(
        [
            SimAction::Follow,
            SimAction::Unfollow,
            SimAction::Text("x".into())
        ]
        .map(|a| a.name()),
        ["follow", "unfollow", "text"]
    );
}

#[tokio::test]
async fn display_names_are_checked() {
    let sandbox = Sandbox::new(SandboxConfig::default()).unwrap();
    sandbox.add_channel(channel("a", None));
    let create = |name: &str| {
        sandbox.create_friend(
            "a",
            NewSimFriend {
                display_name: name.into(),
                ..NewSimFriend::default()
            },
        )
    };
    assert_eq!(MAX_DISPLAY_NAME_LENGTH, 20);
    let refused = SandboxError::Invalid("表示名は1〜20文字で入力してください。".into());
    for name in ["", "   ", &"名".repeat(21)] {
        assert_eq!(create(name).unwrap_err(), refused, "{name:?}");
    }
    let twenty = "名".repeat(20);
    let friend = create(&format!("  {twenty} ")).unwrap();
    assert_eq!(friend.display_name, twenty);
    assert_eq!(sandbox.friends("a").len(), 1);
}

/// A rich menu of channel `a` with its image uploaded: `areas` side by side, each with its
/// action.
async fn menu_with_image(h: &Harness, name: &str, actions: &[Value]) -> String {
    let width = 800 / actions.len() as i32;
    let areas: Vec<Value> = actions
        .iter()
        .enumerate()
        .map(|(i, action)| {
            json!({
                "bounds": { "x": width * i as i32, "y": 0, "width": width, "height": 540 },
                "action": action,
            })
        })
        .collect();
    let created = h
        .post_json(
            TOKEN_A,
            "/v2/bot/richmenu",
            &json!({
                "size": { "width": 800, "height": 540 }, "selected": true, "name": name,
                "chatBarText": "メニュー", "areas": areas,
            }),
        )
        .await;
    let id = created.expect(200)["richMenuId"]
        .as_str()
        .unwrap()
        .to_owned();
    h.post_with(
        h.http
            .post(h.url(&format!("/v2/bot/richmenu/{id}/content")))
            .bearer_auth(TOKEN_A)
            .header("content-type", "image/png")
            .body(png(800, 540, 1)),
    )
    .await
    .expect(200);
    id
}

fn count(count: i64, unique_users: i64) -> SimCount {
    SimCount {
        count,
        unique_users,
    }
}

#[tokio::test]
async fn rich_menu_taps_are_counted_then_performed_and_kept_in_the_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = SandboxConfig {
        state_file: Some(dir.path().join("state.json")),
        ..SandboxConfig::default()
    };
    let h = Harness::start(config.clone()).await;
    let hanako = h.friend("a", "花子").await;
    let taro = h.friend("a", "太郎").await;
    let tab = menu_with_image(
        &h,
        "防災",
        &[json!({ "type": "message", "label": "避難所", "text": "避難所" })],
    )
    .await;
    h.post_json(
        TOKEN_A,
        "/v2/bot/richmenu/alias",
        &json!({ "richMenuAliasId": "tab-bousai", "richMenuId": tab }),
    )
    .await
    .expect(200);
    let main = menu_with_image(
        &h,
        "くらし",
        &[
            json!({ "type": "message", "label": "ごみ", "text": "ごみ" }),
            json!({ "type": "postback", "label": "手続き", "data": "menu=procedures", "displayText": "手続き" }),
            json!({ "type": "richmenuswitch", "label": "防災", "richMenuAliasId": "tab-bousai", "data": "tab=bousai" }),
            json!({ "type": "uri", "label": "市のサイト", "uri": "https://city.example.jp/" }),
        ],
    )
    .await;
    h.post_json(
        TOKEN_A,
        &format!("/v2/bot/user/all/richmenu/{main}"),
        &json!({}),
    )
    .await
    .expect(200);
    let shown = h.sandbox.effective_rich_menu("a", &hanako).unwrap();
    assert_eq!(
        (shown.rich_menu_id.as_str(), shown.source),
        (main.as_str(), SimRichMenuSource::Default)
    );
    assert_eq!(shown.image_content_type.as_deref(), Some("image/png"));
    assert_eq!(
        h.sandbox.rich_menu_alias("a", "tab-bousai").as_deref(),
        Some(tab.as_str())
    );
    assert!(h.sandbox.rich_menu_days("a", &main).is_empty());

    // Opened by both, twice by 花子; a message area tapped twice, the postback once.
    h.sandbox.open_rich_menu("a", &hanako, &main);
    h.sandbox.open_rich_menu("a", &hanako, &main);
    h.sandbox.open_rich_menu("a", &taro, &main);
    let sent = h
        .sandbox
        .tap_rich_menu_area("a", &hanako, &main, 0)
        .await
        .unwrap()
        .unwrap();
    assert!(sent.succeeded(), "{sent:?}");
    let event = h.webhook.last_event();
    assert_eq!(
        (&event["type"], &event["message"]["text"]),
        (&json!("message"), &json!("ごみ"))
    );
    let said = h.sandbox.chat("a", &hanako).pop().unwrap();
    assert!(said.from_friend);
    assert_eq!(said.message["text"], "ごみ");
    h.sandbox
        .tap_rich_menu_area("a", &taro, &main, 0)
        .await
        .unwrap();
    h.sandbox
        .tap_rich_menu_area("a", &hanako, &main, 1)
        .await
        .unwrap();
    assert_eq!(
        h.webhook.last_event()["postback"],
        json!({ "data": "menu=procedures" })
    );
    // A link opens in LINE's browser: counted, nothing delivered.
    let deliveries = h.webhook.all().len();
    assert_eq!(
        h.sandbox
            .tap_rich_menu_area("a", &hanako, &main, 3)
            .await
            .unwrap(),
        None
    );
    assert_eq!(h.webhook.all().len(), deliveries);

    // What is not on the friend's screen cannot be tapped, and is not counted.
    let refused = |e: SandboxError| matches!(e, SandboxError::Invalid(_));
    let no_area = h.sandbox.tap_rich_menu_area("a", &hanako, &main, 4).await;
    assert!(refused(no_area.unwrap_err()));
    let other_menu = h.sandbox.tap_rich_menu_area("a", &hanako, &tab, 0).await;
    assert!(refused(other_menu.unwrap_err()));
    h.sandbox.open_rich_menu("a", &hanako, &tab);
    assert!(h.sandbox.rich_menu_days("a", &tab).is_empty());
    h.sandbox.unfollow("a", &taro).await.unwrap();
    assert_eq!(
        h.sandbox
            .tap_rich_menu_area("a", &taro, &main, 0)
            .await
            .unwrap_err(),
        SandboxError::NotFollowing
    );
    h.sandbox.open_rich_menu("a", &taro, &main);

    let days = h.sandbox.rich_menu_days("a", &main);
    assert_eq!(days.len(), 1);
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
        .date_naive();
    assert_eq!(days[0].date, today);
    assert_eq!(days[0].impressions, count(3, 2));
    assert_eq!(
        days[0].area_taps,
        [count(2, 2), count(1, 1), count(0, 0), count(1, 1)]
    );

    // The tab: a postback with LINE's params, and the friend now sees the other menu.
    h.sandbox
        .tap_rich_menu_area("a", &hanako, &main, 2)
        .await
        .unwrap();
    assert_eq!(
        h.webhook.last_event()["postback"],
        json!({ "data": "tab=bousai", "params": { "newRichMenuAliasId": "tab-bousai", "status": "SUCCESS" } })
    );
    let switched = h.sandbox.effective_rich_menu("a", &hanako).unwrap();
    assert_eq!(
        (switched.rich_menu_id.as_str(), switched.source),
        (tab.as_str(), SimRichMenuSource::Switched)
    );
    h.sandbox
        .tap_rich_menu_area("a", &hanako, &tab, 0)
        .await
        .unwrap();
    assert_eq!(h.webhook.last_event()["message"]["text"], "避難所");
    h.post_json(
        TOKEN_A,
        &format!("/v2/bot/user/{taro}/richmenu/{tab}"),
        &json!({}),
    )
    .await
    .expect(200);
    assert_eq!(
        h.sandbox.effective_rich_menu("a", &taro).unwrap().source,
        SimRichMenuSource::PerUser
    );

    // The counts survive a restart with the rest of the state.
    let before = h.sandbox.rich_menu_days("a", &main);
    h.sandbox.flush().unwrap();
    drop(h);
    let h = Harness::start(config).await;
    assert_eq!(h.sandbox.rich_menu_days("a", &main), before);
    assert_eq!(
        h.sandbox.rich_menu_days("a", &tab)[0].area_taps,
        [count(1, 1)]
    );

    // Deleted with their menu.
    h.delete(TOKEN_A, &format!("/v2/bot/richmenu/{main}"))
        .await
        .expect(200);
    assert!(h.sandbox.rich_menu_days("a", &main).is_empty());
}

/// The rich menu insight of channel `a` (`summary` or `daily`) over `from`..=`to`.
async fn rich_menu_insight(h: &Harness, id: &str, which: &str, from: &str, to: &str) -> Reply {
    h.get(
        TOKEN_A,
        &format!("/v2/bot/insight/richmenu/{id}/{which}?from={from}&to={to}"),
    )
    .await
}

#[tokio::test]
async fn rich_menu_insight_answers_from_the_taps_with_lines_threshold_and_errors() {
    let h = Harness::default().await;
    let menu = menu_with_image(
        &h,
        "くらし",
        &[
            json!({ "type": "uri", "label": "ごみ", "uri": "https://city.example.jp/gomi" }),
            json!({ "type": "uri", "label": "子育て", "uri": "https://city.example.jp/kosodate" }),
            json!({ "type": "uri", "label": "防災", "uri": "https://city.example.jp/bousai" }),
        ],
    )
    .await;
    h.post_json(
        TOKEN_A,
        &format!("/v2/bot/user/all/richmenu/{menu}"),
        &json!({}),
    )
    .await
    .expect(200);
    let today = (chrono::Utc::now() + chrono::TimeDelta::hours(9))
        .format("%Y%m%d")
        .to_string();
    let friends = h.sandbox.seed_friends("a", 25).unwrap();
    // 19 friends tap: under LINE's threshold only the id comes back.
    for friend in &friends[..19] {
        h.sandbox.open_rich_menu("a", friend, &menu);
        h.sandbox
            .tap_rich_menu_area("a", friend, &menu, 0)
            .await
            .unwrap();
    }
    for which in ["summary", "daily"] {
        let reply = rich_menu_insight(&h, &menu, which, &today, &today).await;
        assert_eq!(*reply.expect(200), json!({ "richMenuId": menu }), "{which}");
    }
    // The 20th: the figures, every count with its unique users; areas keyed by bounds.
    h.sandbox.open_rich_menu("a", &friends[19], &menu);
    h.sandbox.open_rich_menu("a", &friends[19], &menu);
    h.sandbox
        .tap_rich_menu_area("a", &friends[19], &menu, 2)
        .await
        .unwrap();
    h.sandbox
        .tap_rich_menu_area("a", &friends[0], &menu, 0)
        .await
        .unwrap();
    let summary = rich_menu_insight(&h, &menu, "summary", &today, &today).await;
    let summary: line::api::RichMenuInsightSummary =
        serde_json::from_value(summary.expect(200).clone()).unwrap();
    assert_eq!(summary.rich_menu_id, menu);
    assert_eq!(summary.metrics_from.as_deref(), Some(today.as_str()));
    assert_eq!(
        summary.impression.unwrap().metrics,
        line::api::RichMenuInsightMetrics {
            count: 21,
            unique_users: 20
        }
    );
    let clicks = summary.clicks.unwrap();
    // Area 1 was not tapped: left out.
    assert_eq!(clicks.len(), 2);
    assert_eq!(
        (
            clicks[0].bounds.x,
            clicks[0].bounds.width,
            clicks[0].bounds.height
        ),
        (0, 266, 540)
    );
    assert_eq!(
        (clicks[0].metrics.count, clicks[0].metrics.unique_users),
        (20, 19)
    );
    assert_eq!(clicks[1].bounds.x, 532);
    assert_eq!(
        (clicks[1].metrics.count, clicks[1].metrics.unique_users),
        (1, 1)
    );
    let daily = rich_menu_insight(&h, &menu, "daily", &today, &today).await;
    let daily: line::api::RichMenuInsightDaily =
        serde_json::from_value(daily.expect(200).clone()).unwrap();
    let impressions = daily.impression.unwrap().metrics;
    assert_eq!(impressions.len(), 1);
    assert_eq!(impressions[0].date, today);
    assert_eq!(daily.clicks.unwrap()[0].metrics[0].count, 20);
    // A period before the taps: under the threshold.
    let reply = rich_menu_insight(&h, &menu, "summary", "20260101", "20260102").await;
    assert_eq!(*reply.expect(200), json!({ "richMenuId": menu }));

    // LINE's 400s: missing, not a day, too long a period, `to` before `from`, too far back.
    let properties = |reply: &Reply| -> Vec<String> {
        reply.expect(400)["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["property"].as_str().unwrap().to_owned())
            .collect()
    };
    let missing = h
        .get(
            TOKEN_A,
            &format!("/v2/bot/insight/richmenu/{menu}/summary?from=20260101"),
        )
        .await;
    assert_eq!(properties(&missing), ["to"]);
    assert_eq!(missing.expect(400)["message"], "The request has 1 error(s)");
    for (which, from, to, expected) in [
        ("summary", "2026-01-01", "20260102", vec!["from"]),
        ("summary", "20260101", "20270202", vec!["to"]),
        ("summary", "20260102", "20260101", vec!["to"]),
        ("summary", "20220101", "20220102", vec!["from"]),
        ("daily", "20260101", "20260501", vec!["to"]),
    ] {
        let reply = rich_menu_insight(&h, &menu, which, from, to).await;
        assert_eq!(properties(&reply), expected, "{which} {from}..{to}");
    }
    // 396 days for the summary, 99 for the daily figures, are fine.
    rich_menu_insight(&h, &menu, "summary", "20260101", "20270201")
        .await
        .expect(200);
    rich_menu_insight(&h, &menu, "daily", "20260101", "20260410")
        .await
        .expect(200);
    // An unknown menu is 404, as is a deleted one (LINE keeps no statistics of it).
    let unknown = rich_menu_insight(&h, "richmenu-0000", "summary", &today, &today).await;
    assert_eq!(unknown.expect(404)["message"], "Not found");
}

#[tokio::test]
async fn rich_menu_insight_shares_lines_hourly_insight_limit() {
    let h = Harness::start(SandboxConfig {
        rate_limits: std::collections::HashMap::from([(
            line::rate::RateClass::Insight,
            line::rate::RateLimit::new(2, std::time::Duration::from_secs(3600)),
        )]),
        ..SandboxConfig::default()
    })
    .await;
    let menu = menu_with_image(
        &h,
        "くらし",
        &[json!({ "type": "uri", "label": "ごみ", "uri": "https://city.example.jp/gomi" })],
    )
    .await;
    rich_menu_insight(&h, &menu, "summary", "20260101", "20260102")
        .await
        .expect(200);
    h.get(TOKEN_A, "/v2/bot/insight/followers?date=20260101")
        .await
        .expect(200);
    let limited = rich_menu_insight(&h, &menu, "daily", "20260101", "20260102").await;
    assert_eq!(limited.expect(429)["message"], "Too many requests");
}

//! The Messaging API and LINE Login endpoints, over real HTTP.

use std::collections::HashMap;
use std::time::Duration;

use line::rate::{RateClass, RateLimit};
use sandbox::SandboxConfig;
use serde_json::{Value, json};

use crate::support::*;

const PUSH: &str = "/v2/bot/message/push";
const MULTICAST: &str = "/v2/bot/message/multicast";
const REPLY: &str = "/v2/bot/message/reply";

#[tokio::test]
async fn authentication_is_required_and_selects_the_channel() {
    let h = Harness::default().await;
    let body = json!({ "to": "U0", "messages": [text("x")] });
    let none = h.post_with(h.http.post(h.url(PUSH)).json(&body)).await;
    assert_eq!(
        none.expect(401)["message"],
        "Authentication failed. Confirm that the access token in the authorization header is valid."
    );
    assert!(none.header("x-line-request-id").is_some());
    let wrong = h.post_json("nope", PUSH, &body).await;
    wrong.expect(401);
    let unknown_path = h.get(TOKEN_A, "/v2/bot/nothing").await;
    unknown_path.expect(404);
    assert!(unknown_path.header("x-line-request-id").is_some());
}

#[tokio::test]
async fn push_reaches_own_friends_only() {
    let h = Harness::default().await;
    let mine = h.friend("a", "花子").await;
    let theirs = h.friend("b", "太郎").await;

    let ok = h
        .post_json(
            TOKEN_A,
            PUSH,
            &json!({ "to": mine, "messages": [text("こんにちは 😀")] }),
        )
        .await;
    let body = ok.expect(200);
    let sent = body["sentMessages"].as_array().unwrap();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0]["id"]
            .as_str()
            .unwrap()
            .bytes()
            .all(|b| b.is_ascii_digit())
    );
    assert!(sent[0]["quoteToken"].is_string());
    let request_id = ok.header("x-line-request-id").unwrap();
    assert!(uuid::Uuid::parse_str(request_id).is_ok());

    let chat = h.sandbox.chat("a", &mine);
    assert_eq!(chat.len(), 1);
    assert_eq!(chat[0].message, text("こんにちは 😀"));
    assert_eq!(chat[0].via, "push");
    assert!(!chat[0].from_friend);
    assert_eq!(chat[0].sent_message_id.as_deref(), sent[0]["id"].as_str());

    // Channel A cannot reach channel B's friend, and nothing is recorded.
    let refused = h
        .post_json(
            TOKEN_A,
            PUSH,
            &json!({ "to": theirs, "messages": [text("x")] }),
        )
        .await;
    assert_eq!(refused.expect(400)["message"], "Failed to send messages");
    assert!(h.sandbox.chat("b", &theirs).is_empty());
    assert!(h.sandbox.chat("a", &theirs).is_empty());

    // Profile: own friends only.
    let profile = h.get(TOKEN_A, &format!("/v2/bot/profile/{mine}")).await;
    assert_eq!(profile.expect(200)["displayName"], "花子");
    h.get(TOKEN_A, &format!("/v2/bot/profile/{theirs}"))
        .await
        .expect(404);
}

#[tokio::test]
async fn bodies_are_checked_like_line() {
    let h = Harness::default().await;
    let user = h.friend("a", "花子").await;

    let unknown = h
        .post_json(
            TOKEN_A,
            PUSH,
            &json!({ "to": user, "messages": [text("x")], "notificationDisabledd": true }),
        )
        .await;
    let body = unknown.expect(400);
    assert_eq!(body["message"], "The request body has 1 error(s)");
    assert_eq!(body["details"][0]["property"], "notificationDisabledd");

    let nested = h
        .post_json(
            TOKEN_A,
            PUSH,
            &json!({ "to": user, "messages": [{ "type": "text", "text": "x", "color": "red" }] }),
        )
        .await;
    let body = nested.expect(400);
    assert!(
        body["details"][0]["property"]
            .as_str()
            .unwrap()
            .starts_with("messages[0]"),
        "{body}"
    );

    let not_json = h
        .post_with(
            h.http
                .post(h.url(PUSH))
                .bearer_auth(TOKEN_A)
                .header("content-type", "application/json")
                .body("{\"to\":"),
        )
        .await;
    assert_eq!(
        not_json.expect(400)["message"],
        "The request body has 1 error(s)"
    );

    let six: Vec<Value> = (0..6).map(|i| text(&format!("{i}"))).collect();
    let too_many = h
        .post_json(TOKEN_A, PUSH, &json!({ "to": user, "messages": six }))
        .await;
    let body = too_many.expect(400);
    assert_eq!(body["details"][0]["property"], "messages");
    assert!(body["details"][0]["message"].is_string());

    let two_errors = h
        .post_json(
            TOKEN_A,
            PUSH,
            &json!({ "to": user, "messages": [text(""), text(&"あ".repeat(5001))] }),
        )
        .await;
    let body = two_errors.expect(400);
    assert_eq!(body["message"], "The request body has 2 error(s)");
    assert_eq!(body["details"][0]["property"], "messages[0].text");
    assert_eq!(body["details"][1]["property"], "messages[1].text");

    let bad_unit = h
        .post_json(
            TOKEN_A,
            PUSH,
            &json!({ "to": user, "messages": [text("x")], "customAggregationUnits": ["a-b"] }),
        )
        .await;
    assert_eq!(
        bad_unit.expect(400)["details"][0]["property"],
        "customAggregationUnits[0]"
    );
    assert!(h.sandbox.chat("a", &user).is_empty());
}

#[tokio::test]
async fn multicast_limits_and_blocked_friends() {
    let h = Harness::default().await;
    let ids = h.sandbox.seed_friends("a", 3).unwrap();
    let other = h.sandbox.seed_friends("b", 1).unwrap();

    let too_many: Vec<String> = (0..501).map(|i| format!("U{i:032x}")).collect();
    let body = h
        .post_json(
            TOKEN_A,
            MULTICAST,
            &json!({ "to": too_many, "messages": [text("x")] }),
        )
        .await;
    assert_eq!(body.expect(400)["details"][0]["property"], "to");

    let mixed = h
        .post_json(
            TOKEN_A,
            MULTICAST,
            &json!({ "to": [ids[0], other[0]], "messages": [text("x")] }),
        )
        .await;
    assert_eq!(mixed.expect(400)["message"], "Failed to send messages");
    assert!(h.sandbox.chat("a", &ids[0]).is_empty());

    h.sandbox.unfollow("a", &ids[1]).await.unwrap();
    let sent = h
        .post_json(
            TOKEN_A,
            MULTICAST,
            &json!({ "to": ids, "messages": [text("お知らせ"), { "type": "sticker", "packageId": "446", "stickerId": "1988" }] }),
        )
        .await;
    assert_eq!(*sent.expect(200), json!({}));
    assert_eq!(h.sandbox.chat("a", &ids[0]).len(), 2);
    assert_eq!(h.sandbox.chat("a", &ids[0])[0].via, "multicast");
    assert!(h.sandbox.chat("a", &ids[1]).is_empty(), "blocked: skipped");
    assert_eq!(h.sandbox.chat("a", &ids[2]).len(), 2);

    let quota = h.get(TOKEN_A, "/v2/bot/message/quota").await;
    assert_eq!(*quota.expect(200), json!({ "type": "none" }));
    let usage = h.get(TOKEN_A, "/v2/bot/message/quota/consumption").await;
    assert_eq!(*usage.expect(200), json!({ "totalUsage": 2 }));
}

#[tokio::test]
async fn retry_keys_make_sending_idempotent() {
    let h = Harness::default().await;
    let user = h.friend("a", "花子").await;
    let key = uuid::Uuid::new_v4().to_string();
    let push = |body: Value, key: &str| {
        h.http
            .post(h.url(PUSH))
            .bearer_auth(TOKEN_A)
            .header("X-Line-Retry-Key", key)
            .json(&body)
    };

    // A refused request does not use up the key.
    let refused = h
        .post_with(push(json!({ "to": user, "messages": [] }), &key))
        .await;
    refused.expect(400);

    let first = h
        .post_with(push(
            json!({ "to": user, "messages": [text("一度だけ")] }),
            &key,
        ))
        .await;
    let sent = first.expect(200)["sentMessages"].clone();
    let first_id = first.header("x-line-request-id").unwrap().to_owned();

    let again = h
        .post_with(push(
            json!({ "to": user, "messages": [text("一度だけ")] }),
            &key,
        ))
        .await;
    let body = again.expect(409);
    assert_eq!(body["message"], "The retry key is already accepted");
    assert_eq!(body["sentMessages"], sent);
    assert_eq!(
        again.header("x-line-accepted-request-id"),
        Some(first_id.as_str())
    );
    assert_ne!(again.header("x-line-request-id"), Some(first_id.as_str()));
    assert_eq!(h.sandbox.chat("a", &user).len(), 1, "sent once");

    // Keys are per channel, and must be UUIDs.
    let not_uuid = h
        .post_with(push(json!({ "to": user, "messages": [text("x")] }), "abc"))
        .await;
    not_uuid.expect(400);

    // Multicast: 409 too.
    let key2 = uuid::Uuid::new_v4().to_string();
    let multicast = || {
        h.http
            .post(h.url(MULTICAST))
            .bearer_auth(TOKEN_A)
            .header("X-Line-Retry-Key", &key2)
            .json(&json!({ "to": [user], "messages": [text("m")] }))
    };
    h.post_with(multicast()).await.expect(200);
    h.post_with(multicast()).await.expect(409);

    // Reply does not take a retry key.
    let reply = h
        .post_with(
            h.http
                .post(h.url(REPLY))
                .bearer_auth(TOKEN_A)
                .header("X-Line-Retry-Key", uuid::Uuid::new_v4().to_string())
                .json(&json!({ "replyToken": "x", "messages": [text("x")] })),
        )
        .await;
    assert_eq!(
        reply.expect(400)["message"],
        "The retry key is not supported by this endpoint"
    );
}

#[tokio::test]
async fn rate_limits_answer_429() {
    let h = Harness::start(SandboxConfig {
        rate_limits: HashMap::from([(RateClass::Multicast, RateLimit::per_second(5))]),
        ..SandboxConfig::default()
    })
    .await;
    let ids = h.sandbox.seed_friends("a", 1).unwrap();
    let body = json!({ "to": ids, "messages": [text("x")] });
    for _ in 0..5 {
        h.post_json(TOKEN_A, MULTICAST, &body).await.expect(200);
    }
    let limited = h.post_json(TOKEN_A, MULTICAST, &body).await;
    assert_eq!(limited.expect(429)["message"], "Too many requests");
    assert!(limited.header("retry-after").is_none());
    // Per channel: B is not limited by A's requests (and fails authorisation-wise only on ids).
    let other = h.sandbox.seed_friends("b", 1).unwrap();
    h.post_json(
        TOKEN_B,
        MULTICAST,
        &json!({ "to": other, "messages": [text("x")] }),
    )
    .await
    .expect(200);
    // Push has its own limit.
    h.post_json(
        TOKEN_A,
        PUSH,
        &json!({ "to": ids[0], "messages": [text("x")] }),
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn reply_tokens_are_single_use() {
    let h = Harness::default().await;
    let user = h.friend("a", "花子").await;
    let delivery = h.sandbox.send_text("a", &user, "こんにちは").await.unwrap();
    let token = h.webhook.last_event()["replyToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(delivery.reply_token.as_deref(), Some(token.as_str()));

    // Another channel cannot use it (and does not use it up).
    let other = h
        .post_json(
            TOKEN_B,
            REPLY,
            &json!({ "replyToken": token, "messages": [text("x")] }),
        )
        .await;
    assert_eq!(other.expect(400)["message"], "Invalid reply token");

    let first = h
        .post_json(
            TOKEN_A,
            REPLY,
            &json!({ "replyToken": token, "messages": [text("はい")] }),
        )
        .await;
    assert_eq!(
        first.expect(200)["sentMessages"].as_array().unwrap().len(),
        1
    );
    let second = h
        .post_json(
            TOKEN_A,
            REPLY,
            &json!({ "replyToken": token, "messages": [text("はい")] }),
        )
        .await;
    assert_eq!(second.expect(400)["message"], "Invalid reply token");

    let chat = h.sandbox.chat("a", &user);
    assert_eq!(chat.len(), 2);
    assert!(chat[0].from_friend);
    assert_eq!(chat[0].message["text"], "こんにちは");
    assert_eq!(
        (chat[1].via.as_str(), chat[1].from_friend),
        ("reply", false)
    );
}

#[tokio::test]
async fn reply_tokens_expire() {
    let h = Harness::default().await;
    let user = h.friend("a", "花子").await;
    let token = h.webhook.last_event()["replyToken"]
        .as_str()
        .unwrap()
        .to_owned();
    // A minute passes on the sandbox's clock, at once.
    let ttl = h.sandbox.config().reply_token_ttl;
    h.sandbox
        .config()
        .clock
        .advance(ttl + Duration::from_millis(1));
    let late = h
        .post_json(
            TOKEN_A,
            REPLY,
            &json!({ "replyToken": token, "messages": [text("x")] }),
        )
        .await;
    assert_eq!(late.expect(400)["message"], "Invalid reply token");
    assert!(h.sandbox.chat("a", &user).is_empty());
}

/// What this costs is measured by sandbox/benches/multicast_500.rs (docs/benchmarks.md), not here.
#[tokio::test]
async fn multicast_of_500_reaches_every_chat() {
    let h = Harness::default().await;
    let ids = h.sandbox.seed_friends("a", 500).unwrap();
    let body = serde_json::to_vec(&json!({
        "to": ids,
        "messages": [text("防災情報"), text("詳しくはこちら")],
        "customAggregationUnits": ["bench"],
    }))
    .unwrap();
    for _ in 0..20 {
        h.post_with(
            h.http
                .post(h.url(MULTICAST))
                .bearer_auth(TOKEN_A)
                .header("content-type", "application/json")
                .body(body.clone()),
        )
        .await
        .expect(200);
    }
    let chat = h.sandbox.chat("a", &ids[499]);
    assert_eq!(chat.len(), 40);
    assert_eq!(chat[0].aggregation_unit.as_deref(), Some("bench"));
}

// ----- Rich menus -----

fn menu(width: i32, height: i32, areas: usize) -> Value {
    let areas: Vec<Value> = (0..areas)
        .map(|i| {
            json!({
                "bounds": { "x": 0, "y": 0, "width": 100, "height": 100 },
                "action": { "type": "postback", "data": format!("area={i}") }
            })
        })
        .collect();
    json!({
        "size": { "width": width, "height": height },
        "selected": false,
        "name": "テストメニュー",
        "chatBarText": "メニュー",
        "areas": areas,
    })
}

async fn upload(h: &Harness, id: &str, content_type: &str, bytes: Vec<u8>) -> Reply {
    h.post_with(
        h.http
            .post(h.url(&format!("/v2/bot/richmenu/{id}/content")))
            .bearer_auth(TOKEN_A)
            .header("content-type", content_type)
            .body(bytes),
    )
    .await
}

#[tokio::test]
async fn rich_menus_alias_link_and_delete() {
    let h = Harness::default().await;
    let users = h.sandbox.seed_friends("a", 3).unwrap();

    // Invalid menus.
    let bad_size = h
        .post_json(TOKEN_A, "/v2/bot/richmenu", &menu(700, 540, 1))
        .await;
    assert_eq!(bad_size.expect(400)["details"][0]["property"], "size.width");
    let too_many_areas = h
        .post_json(TOKEN_A, "/v2/bot/richmenu", &menu(800, 540, 21))
        .await;
    assert_eq!(
        too_many_areas.expect(400)["details"][0]["property"],
        "areas"
    );

    let created = h
        .post_json(TOKEN_A, "/v2/bot/richmenu", &menu(800, 540, 2))
        .await;
    let id = created.expect(200)["richMenuId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(id.starts_with("richmenu-"));
    let got = h.get(TOKEN_A, &format!("/v2/bot/richmenu/{id}")).await;
    assert_eq!(got.expect(200)["richMenuId"], id.as_str());
    assert_eq!(got.json["chatBarText"], "メニュー");
    let list = h.get(TOKEN_A, "/v2/bot/richmenu/list").await;
    assert_eq!(list.expect(200)["richmenus"].as_array().unwrap().len(), 1);
    // Not visible to another channel.
    h.get(TOKEN_B, &format!("/v2/bot/richmenu/{id}"))
        .await
        .expect(404);

    // Cannot be applied before its image is uploaded.
    let early = h
        .post_json(
            TOKEN_A,
            &format!("/v2/bot/user/all/richmenu/{id}"),
            &json!({}),
        )
        .await;
    early.expect(400);

    // Image checks.
    upload(&h, &id, "image/gif", png(800, 540, 1))
        .await
        .expect(415);
    let wrong = upload(&h, &id, "image/png", png(800, 600, 1)).await;
    assert!(
        wrong.expect(400)["message"]
            .as_str()
            .unwrap()
            .contains("800x600"),
        "{}",
        wrong.json
    );
    upload(&h, &id, "image/png", b"not a png".to_vec())
        .await
        .expect(400);
    let image = png(800, 540, 1);
    upload(&h, &id, "image/png", image.clone())
        .await
        .expect(200);
    let twice = upload(&h, &id, "image/png", image.clone()).await;
    assert_eq!(
        twice.expect(400)["message"],
        "An image has already been uploaded to the richmenu"
    );
    let download = h
        .get(TOKEN_A, &format!("/v2/bot/richmenu/{id}/content"))
        .await;
    assert_eq!(download.status, 200);
    assert_eq!(download.header("content-type"), Some("image/png"));
    assert_eq!(download.bytes, image);

    // Too large (a real 2500x1686 PNG of 4 MB).
    let big = h
        .post_json(TOKEN_A, "/v2/bot/richmenu", &menu(2500, 1686, 1))
        .await;
    let big_id = big.expect(200)["richMenuId"].as_str().unwrap().to_owned();
    upload(&h, &big_id, "image/png", png(2500, 1686, 8))
        .await
        .expect(400);

    // Default.
    h.get(TOKEN_A, "/v2/bot/user/all/richmenu")
        .await
        .expect(404);
    h.post_json(
        TOKEN_A,
        &format!("/v2/bot/user/all/richmenu/{id}"),
        &json!({}),
    )
    .await
    .expect(200);
    let default = h.get(TOKEN_A, "/v2/bot/user/all/richmenu").await;
    assert_eq!(default.expect(200)["richMenuId"], id.as_str());
    assert_eq!(
        h.sandbox
            .effective_rich_menu("a", &users[0])
            .unwrap()
            .rich_menu_id,
        id
    );

    // Per-user link.
    let second = h
        .post_json(TOKEN_A, "/v2/bot/richmenu", &menu(800, 540, 1))
        .await;
    let second = second.expect(200)["richMenuId"]
        .as_str()
        .unwrap()
        .to_owned();
    upload(&h, &second, "image/png", image.clone())
        .await
        .expect(200);
    let user_path = format!("/v2/bot/user/{}/richmenu", users[0]);
    h.get(TOKEN_A, &user_path).await.expect(404);
    h.post_json(TOKEN_A, &format!("{user_path}/{second}"), &json!({}))
        .await
        .expect(200);
    assert_eq!(
        h.get(TOKEN_A, &user_path).await.expect(200)["richMenuId"],
        second.as_str()
    );
    assert_eq!(
        h.sandbox
            .effective_rich_menu("a", &users[0])
            .unwrap()
            .rich_menu_id,
        second
    );
    h.delete(TOKEN_A, &user_path).await.expect(200);
    h.get(TOKEN_A, &user_path).await.expect(404);

    // Bulk link and unlink.
    let too_many: Vec<String> = (0..501).map(|i| format!("U{i:032x}")).collect();
    let bulk = h
        .post_json(
            TOKEN_A,
            "/v2/bot/richmenu/bulk/link",
            &json!({ "richMenuId": second, "userIds": too_many }),
        )
        .await;
    assert_eq!(bulk.expect(400)["details"][0]["property"], "userIds");
    let linked = h
        .post_json(
            TOKEN_A,
            "/v2/bot/richmenu/bulk/link",
            &json!({ "richMenuId": second, "userIds": users }),
        )
        .await;
    assert_eq!(*linked.expect(202), json!({}));
    assert!(
        h.sandbox
            .friends("a")
            .iter()
            .all(|f| f.rich_menu_id.as_deref() == Some(second.as_str()))
    );
    h.post_json(
        TOKEN_A,
        "/v2/bot/richmenu/bulk/unlink",
        &json!({ "userIds": [users[0]] }),
    )
    .await
    .expect(202);
    assert_eq!(h.sandbox.friend("a", &users[0]).unwrap().rich_menu_id, None);

    // Aliases.
    let bad_alias = h
        .post_json(
            TOKEN_A,
            "/v2/bot/richmenu/alias",
            &json!({ "richMenuAliasId": "Tab A", "richMenuId": id }),
        )
        .await;
    assert_eq!(
        bad_alias.expect(400)["details"][0]["property"],
        "richMenuAliasId"
    );
    let no_image = h
        .post_json(
            TOKEN_A,
            "/v2/bot/richmenu/alias",
            &json!({ "richMenuAliasId": "tab-big", "richMenuId": big_id }),
        )
        .await;
    no_image.expect(400);
    h.post_json(
        TOKEN_A,
        "/v2/bot/richmenu/alias",
        &json!({ "richMenuAliasId": "tab-a", "richMenuId": id }),
    )
    .await
    .expect(200);
    let conflict = h
        .post_json(
            TOKEN_A,
            "/v2/bot/richmenu/alias",
            &json!({ "richMenuAliasId": "tab-a", "richMenuId": id }),
        )
        .await;
    assert_eq!(
        conflict.expect(400)["message"],
        "conflict richmenu alias id"
    );
    h.post_json(
        TOKEN_A,
        "/v2/bot/richmenu/alias/tab-a",
        &json!({ "richMenuId": second }),
    )
    .await
    .expect(200);
    let alias = h.get(TOKEN_A, "/v2/bot/richmenu/alias/tab-a").await;
    assert_eq!(
        *alias.expect(200),
        json!({ "richMenuAliasId": "tab-a", "richMenuId": second })
    );
    let aliases = h.get(TOKEN_A, "/v2/bot/richmenu/alias/list").await;
    assert_eq!(aliases.expect(200)["aliases"].as_array().unwrap().len(), 1);
    h.get(TOKEN_A, "/v2/bot/richmenu/alias/tab-x")
        .await
        .expect(404);

    // A richmenuswitch tap switches the friend's menu and posts back.
    let delivery = h
        .sandbox
        .tap_action(
            "a",
            &users[2],
            &line::message::Action::RichMenuSwitch {
                label: None,
                rich_menu_alias_id: "tab-a".into(),
                data: "tab=a".into(),
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert!(delivery.succeeded());
    let event = h.webhook.last_event();
    assert_eq!(event["postback"]["params"]["newRichMenuAliasId"], "tab-a");
    assert_eq!(event["postback"]["params"]["status"], "SUCCESS");

    h.delete(TOKEN_A, "/v2/bot/richmenu/alias/tab-a")
        .await
        .expect(200);
    h.delete(TOKEN_A, "/v2/bot/richmenu/alias/tab-a")
        .await
        .expect(404);

    // Delete: the default goes with it.
    h.delete(TOKEN_A, &format!("/v2/bot/richmenu/{id}"))
        .await
        .expect(200);
    h.get(TOKEN_A, &format!("/v2/bot/richmenu/{id}"))
        .await
        .expect(404);
    h.get(TOKEN_A, "/v2/bot/user/all/richmenu")
        .await
        .expect(404);
    h.delete(TOKEN_A, &format!("/v2/bot/richmenu/{id}"))
        .await
        .expect(404);
}

#[tokio::test]
async fn rich_menu_validate_checks_like_create_and_creates_nothing() {
    const VALIDATE: &str = "/v2/bot/richmenu/validate";
    let h = Harness::default().await;

    let valid = h.post_json(TOKEN_A, VALIDATE, &menu(800, 540, 2)).await;
    assert_eq!(*valid.expect(200), json!({}));
    assert!(valid.header("x-line-request-id").is_some());
    let list = h.get(TOKEN_A, "/v2/bot/richmenu/list").await;
    assert_eq!(*list.expect(200), json!({ "richmenus": [] }));

    // Every refusal is create's own, body for body.
    let mut unknown_field = menu(800, 540, 1);
    unknown_field["areas"][0]["action"]["colour"] = json!("red");
    for body in [
        menu(700, 540, 1),
        menu(800, 540, 21),
        json!({ "size": { "width": 800, "height": 540 } }),
        unknown_field,
    ] {
        let validated = h.post_json(TOKEN_A, VALIDATE, &body).await;
        let created = h.post_json(TOKEN_A, "/v2/bot/richmenu", &body).await;
        assert_eq!(validated.expect(400), created.expect(400), "{body}");
        assert!(validated.json["details"][0]["property"].is_string());
    }
    let not_json = h
        .post_with(
            h.http
                .post(h.url(VALIDATE))
                .bearer_auth(TOKEN_A)
                .header("content-type", "application/json")
                .body("{"),
        )
        .await;
    assert!(
        not_json.expect(400)["details"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("The request body could not be parsed as JSON")
    );
    h.post_with(h.http.post(h.url(VALIDATE)).json(&menu(800, 540, 1)))
        .await
        .expect(401);

    // Validation does not count against the channel's 1,000 menus or create's hourly limit.
    let limited = Harness::start(SandboxConfig {
        rate_limits: HashMap::from([(
            RateClass::RichMenuCreateDelete,
            RateLimit::new(1, Duration::from_secs(3600)),
        )]),
        ..SandboxConfig::default()
    })
    .await;
    for _ in 0..3 {
        limited
            .post_json(TOKEN_A, VALIDATE, &menu(800, 540, 1))
            .await
            .expect(200);
    }
    limited
        .post_json(TOKEN_A, "/v2/bot/richmenu", &menu(800, 540, 1))
        .await
        .expect(200);
}

// ----- Statistics -----

#[tokio::test]
async fn a_simulated_audience_opens_and_taps_over_hours() {
    let clock = sandbox::Clock::default();
    let h = Harness::start(SandboxConfig {
        simulated_audience: true,
        clock: clock.clone(),
        ..SandboxConfig::default()
    })
    .await;
    let ids = h.sandbox.seed_friends("a", 400).unwrap();
    h.post_json(
        TOKEN_A,
        MULTICAST,
        &json!({ "to": ids, "messages": [text("給付金のご案内 https://example.jp/apply")], "customAggregationUnits": ["sim_1"] }),
    )
    .await
    .expect(200);
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
        .format("%Y%m%d")
        .to_string();
    let tomorrow = (chrono::Utc::now() + chrono::TimeDelta::days(1))
        .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
        .format("%Y%m%d")
        .to_string();
    let path = format!(
        "/v2/bot/insight/message/event/aggregation?customAggregationUnit=sim_1&from={today}&to={tomorrow}"
    );
    let opens = |body: &Value| body["overview"]["uniqueImpression"].as_i64();
    // At once: hardly anyone yet (LINE's null under 20).
    let first = h.get(TOKEN_A, &path).await.expect(200).clone();
    // An hour later some, a day later about 60 % opened and 20 % tapped the link.
    clock.advance(Duration::from_secs(3600));
    let hour = h.get(TOKEN_A, &path).await.expect(200).clone();
    clock.advance(Duration::from_secs(23 * 3600));
    let day = h.get(TOKEN_A, &path).await.expect(200).clone();
    let (at_hour, at_day) = (opens(&hour).unwrap_or(0), opens(&day).unwrap());
    assert!(opens(&first).unwrap_or(0) < at_hour, "{first} / {hour}");
    assert!(at_hour < at_day, "{hour} / {day}");
    assert!((200..=280).contains(&at_day), "{day}");
    let clicks = day["clicks"][0]["uniqueClick"].as_i64().unwrap();
    assert!((50..=110).contains(&clicks), "{day}");
    assert_eq!(day["clicks"][0]["url"], "https://example.jp/apply");
}

#[tokio::test]
async fn follower_counts_are_ready_the_day_after_as_line_computes_them() {
    let clock = sandbox::Clock::default();
    let h = Harness::start(SandboxConfig {
        clock: clock.clone(),
        ..SandboxConfig::default()
    })
    .await;
    let jst = |at: chrono::DateTime<chrono::Utc>| {
        at.with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
            .format("%Y%m%d")
            .to_string()
    };
    let ids = h.sandbox.seed_friends("a", 25).unwrap();
    for user in &ids[..3] {
        h.sandbox.unfollow("a", user).await.unwrap();
    }
    let today = jst(clock.utc());
    let yesterday = jst(clock.utc() - chrono::TimeDelta::days(1));
    // Today is not over: LINE has not computed it. Yesterday nobody had followed yet.
    let body = h
        .get(TOKEN_A, &format!("/v2/bot/insight/followers?date={today}"))
        .await
        .expect(200)
        .clone();
    assert_eq!(body, json!({ "status": "unready" }));
    let body = h
        .get(
            TOKEN_A,
            &format!("/v2/bot/insight/followers?date={yesterday}"),
        )
        .await
        .expect(200)
        .clone();
    assert_eq!(
        body,
        json!({ "status": "ready", "followers": 0, "targetedReaches": 0, "blocks": 0 })
    );
    // The next day, without a date (LINE's default: yesterday): 25 added, 3 blocking.
    clock.advance(Duration::from_secs(24 * 3600));
    let body = h
        .get(TOKEN_A, "/v2/bot/insight/followers")
        .await
        .expect(200)
        .clone();
    assert_eq!(
        body,
        json!({ "status": "ready", "followers": 25, "targetedReaches": 22, "blocks": 3 })
    );
    // Another channel's friends are not this one's.
    let other = h
        .get(TOKEN_B, &format!("/v2/bot/insight/followers?date={today}"))
        .await
        .expect(200)
        .clone();
    assert_eq!(other["followers"], 0);
    // A date that is not `yyyyMMdd`: LINE's 400.
    for bad in ["2026-11-27", "20261332", "abc"] {
        let r = h
            .get(TOKEN_A, &format!("/v2/bot/insight/followers?date={bad}"))
            .await;
        assert_eq!(r.expect(400)["details"][0]["property"], "date", "{bad}");
    }
}

#[tokio::test]
async fn statistics_are_null_under_20() {
    let h = Harness::default().await;
    let ids = h.sandbox.seed_friends("a", 25).unwrap();
    h.post_json(
        TOKEN_A,
        MULTICAST,
        &json!({ "to": ids, "messages": [text("イベントのお知らせ https://example.jp/e")], "customAggregationUnits": ["event_2026"] }),
    )
    .await
    .expect(200);
    let message_id = |user: &str| {
        h.sandbox.chat("a", user)[0]
            .sent_message_id
            .clone()
            .unwrap()
    };
    for user in &ids[..19] {
        h.sandbox.open_message("a", user, &message_id(user));
        // Unique per friend: a second look does not add a viewer.
        h.sandbox.open_message("a", user, &message_id(user));
        h.sandbox
            .open_url("a", user, Some(&message_id(user)), "https://example.jp/e");
    }
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
        .format("%Y%m%d")
        .to_string();
    let path = format!(
        "/v2/bot/insight/message/event/aggregation?customAggregationUnit=event_2026&from={today}&to={today}"
    );
    let stats = h.get(TOKEN_A, &path).await;
    let body = stats.expect(200);
    assert_eq!(body["overview"]["uniqueImpression"], Value::Null);
    assert_eq!(body["overview"]["uniqueClick"], Value::Null);
    assert_eq!(body["messages"][0]["seq"], 1);
    assert_eq!(body["messages"][0]["impression"], 38);
    assert_eq!(body["messages"][0]["uniqueImpression"], Value::Null);

    h.sandbox.open_message("a", &ids[19], &message_id(&ids[19]));
    h.sandbox.open_url(
        "a",
        &ids[19],
        Some(&message_id(&ids[19])),
        "https://example.jp/e",
    );
    // Another channel's friend, or a message not received, counts nothing.
    h.sandbox.open_message("b", &ids[20], &message_id(&ids[20]));
    let body = h.get(TOKEN_A, &path).await.expect(200).clone();
    assert_eq!(body["overview"]["uniqueImpression"], 20);
    assert_eq!(body["overview"]["uniqueClick"], 20);
    assert_eq!(body["messages"][0]["uniqueImpression"], 20);
    assert_eq!(body["clicks"][0]["url"], "https://example.jp/e");
    assert_eq!(body["clicks"][0]["uniqueClick"], 20);

    // Other units, other channels: nothing.
    let other = h.get(TOKEN_B, &path).await.expect(200).clone();
    assert_eq!(other["overview"]["uniqueImpression"], Value::Null);
    assert_eq!(other["messages"], json!([]));

    // Parameters.
    let missing = h
        .get(
            TOKEN_A,
            &format!("/v2/bot/insight/message/event/aggregation?from={today}&to={today}"),
        )
        .await;
    assert_eq!(
        missing.expect(400)["details"][0]["property"],
        "customAggregationUnit"
    );
    let long = h
        .get(
            TOKEN_A,
            "/v2/bot/insight/message/event/aggregation?customAggregationUnit=x&from=20260101&to=20260201",
        )
        .await;
    assert_eq!(long.expect(400)["details"][0]["property"], "to");
    h.get(
        TOKEN_A,
        "/v2/bot/insight/message/event/aggregation?customAggregationUnit=x&from=20260101&to=20260131",
    )
    .await
    .expect(200);
    h.get(
        TOKEN_A,
        "/v2/bot/insight/message/event/aggregation?customAggregationUnit=x&from=2026-01-01&to=20260131",
    )
    .await
    .expect(400);
}

// ----- LINE Login -----

async fn verify(h: &Harness, form: &[(&str, &str)]) -> Reply {
    h.post_with(h.http.post(h.url("/oauth2/v2.1/verify")).form(form))
        .await
}

#[tokio::test]
async fn id_tokens_verify_like_line_login() {
    let h = Harness::start(SandboxConfig {
        id_token_ttl: Duration::ZERO,
        ..SandboxConfig::default()
    })
    .await;
    let user = h.friend("a", "花子").await;
    let expired = h.sandbox.mint_id_token("a", &user, None).unwrap();
    let r = verify(&h, &[("id_token", &expired), ("client_id", LOGIN_A)]).await;
    assert_eq!(
        *r.expect(400),
        json!({ "error": "invalid_request", "error_description": "IdToken expired." })
    );
    // No LINE Login channel id on B.
    let b_user = h.friend("b", "太郎").await;
    assert!(h.sandbox.mint_id_token("b", &b_user, None).is_err());

    let h = Harness::default().await;
    let user = h.friend("a", "花子").await;
    let token = h.sandbox.mint_id_token("a", &user, Some("n-123")).unwrap();
    assert_eq!(token.split('.').count(), 3);
    let ok = verify(
        &h,
        &[
            ("id_token", &token),
            ("client_id", LOGIN_A),
            ("nonce", "n-123"),
        ],
    )
    .await;
    let body = ok.expect(200);
    assert_eq!(body["iss"], "https://access.line.me");
    assert_eq!(body["sub"], user.as_str());
    assert_eq!(body["aud"], LOGIN_A);
    assert_eq!(body["name"], "花子");
    assert_eq!(body["nonce"], "n-123");
    assert!(body["exp"].as_i64().unwrap() > body["iat"].as_i64().unwrap());

    let audience = verify(&h, &[("id_token", &token), ("client_id", "999")]).await;
    assert_eq!(
        audience.expect(400)["error_description"],
        "Invalid IdToken Audience."
    );
    let nonce = verify(
        &h,
        &[("id_token", &token), ("client_id", LOGIN_A), ("nonce", "x")],
    )
    .await;
    assert_eq!(
        nonce.expect(400)["error_description"],
        "Invalid IdToken Nonce."
    );

    // Tampered: another user in the payload, same signature.
    let parts: Vec<&str> = token.split('.').collect();
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: Value = serde_json::from_slice(&engine.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = json!("Uffffffffffffffffffffffffffffffff");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        engine.encode(serde_json::to_vec(&claims).unwrap()),
        parts[2]
    );
    let tampered = verify(&h, &[("id_token", &forged), ("client_id", LOGIN_A)]).await;
    assert_eq!(
        tampered.expect(400)["error_description"],
        "Invalid IdToken."
    );
    let garbage = verify(&h, &[("id_token", "dummy"), ("client_id", LOGIN_A)]).await;
    assert_eq!(garbage.expect(400)["error_description"], "Invalid IdToken.");
    // Another sandbox's token is not valid here.
    let elsewhere = Harness::default().await;
    let stranger = elsewhere.friend("a", "次郎").await;
    let foreign = elsewhere
        .sandbox
        .mint_id_token("a", &stranger, None)
        .unwrap();
    let r = verify(&h, &[("id_token", &foreign), ("client_id", LOGIN_A)]).await;
    assert_eq!(r.expect(400)["error_description"], "Invalid IdToken.");
}

//! The client and the sandbox read LINE's limits alike, as both call `line::validate`: what the
//! client sends, the sandbox takes; what the client refuses before sending, the sandbox refuses
//! too, with LINE's 400 body naming the same properties. A limit changed on one side only
//! fails here.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use line::api::{MulticastRequest, PushRequest};
use line::client::{
    AccessToken, Client, ClientConfig, ClientError, RateLimiter, RetryKey, RetryPolicy,
};
use line::message::Message;
use line::rich_menu::RichMenu;
use serde_json::json;

use crate::support::*;

/// Channel A's client, pointed at the sandbox (API and data hosts), without retries.
fn client(h: &Harness) -> Client {
    let config = ClientConfig {
        api_base: h.base.clone(),
        data_base: h.base.clone(),
        access_token: AccessToken::new(TOKEN_A),
        request_timeout: Duration::from_secs(10),
        retry: RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
    };
    Client::new("a", config, Arc::new(RateLimiter::default())).unwrap()
}

/// The paths the client refused (it sent nothing then).
#[track_caller]
fn refused<T: Debug>(result: Result<T, ClientError>) -> Vec<String> {
    match result {
        Err(ClientError::Invalid(violations)) => violations.into_iter().map(|v| v.path).collect(),
        other => panic!("the client did not refuse it: {other:?}"),
    }
}

/// The properties of the sandbox's 400 details.
#[track_caller]
fn properties(reply: &Reply) -> Vec<String> {
    reply.expect(400)["details"]
        .as_array()
        .expect("LINE's details")
        .iter()
        .map(|d| d["property"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn messages() -> Vec<Message> {
    vec![serde_json::from_value(text("お知らせ")).unwrap()]
}

fn units(names: &[&str]) -> Option<Vec<String>> {
    Some(names.iter().map(|n| n.to_string()).collect())
}

#[tokio::test]
async fn aggregation_units_and_recipients_are_read_alike() {
    let h = Harness::default().await;
    let c = client(&h);
    let friends = h.sandbox.seed_friends("a", 500).unwrap();
    let push = |custom_aggregation_units| PushRequest {
        to: friends[0].clone(),
        messages: messages(),
        notification_disabled: None,
        custom_aggregation_units,
    };
    let multicast = |to: Vec<String>, custom_aggregation_units| MulticastRequest {
        to,
        messages: messages(),
        notification_disabled: None,
        custom_aggregation_units,
    };

    // Optional, and at most one name: none, an empty list and one valid name all go through.
    let thirty = "a".repeat(30);
    for accepted in [None, units(&[]), units(&["notice_2026"]), units(&[&thirty])] {
        c.push(&push(accepted.clone()), &RetryKey::random())
            .await
            .unwrap();
        c.multicast(&multicast(friends.clone(), accepted), &RetryKey::random())
            .await
            .unwrap();
    }

    let thirty_one = "a".repeat(31);
    let refused_units = [
        units(&["a", "b"]),
        units(&["bad-unit"]),
        units(&[""]),
        units(&[&thirty_one]),
    ];
    for units in refused_units {
        let req = push(units.clone());
        let paths = refused(c.push(&req, &RetryKey::random()).await);
        let reply = h
            .post_json(TOKEN_A, "/v2/bot/message/push", &json!(req))
            .await;
        assert_eq!(properties(&reply), paths, "{units:?}");

        let req = multicast(friends.clone(), units.clone());
        let paths = refused(c.multicast(&req, &RetryKey::random()).await);
        let reply = h
            .post_json(TOKEN_A, "/v2/bot/message/multicast", &json!(req))
            .await;
        assert_eq!(properties(&reply), paths, "{units:?}");
    }

    // 500 recipients at most.
    let mut crowd = friends.clone();
    crowd.push(h.sandbox.seed_friends("a", 1).unwrap().remove(0));
    let req = multicast(crowd, None);
    let paths = refused(c.multicast(&req, &RetryKey::random()).await);
    assert_eq!(paths, ["to"]);
    let reply = h
        .post_json(TOKEN_A, "/v2/bot/message/multicast", &json!(req))
        .await;
    assert_eq!(properties(&reply), paths);
}

fn menu() -> RichMenu {
    serde_json::from_value(json!({
        "size": { "width": 800, "height": 540 }, "selected": false, "name": "m",
        "chatBarText": "メニュー",
        "areas": [{ "bounds": { "x": 0, "y": 0, "width": 800, "height": 540 },
                    "action": { "type": "postback", "data": "a=1" } }]
    }))
    .unwrap()
}

#[tokio::test]
async fn rich_menus_are_validated_alike() {
    let h = Harness::default().await;
    let c = client(&h);
    c.validate_rich_menu(&menu()).await.unwrap();
    // 21 areas: the client refuses before sending, the sandbox's validate names the same path.
    let mut crowded = menu();
    crowded.areas = vec![crowded.areas[0].clone(); 21];
    let paths = refused(c.validate_rich_menu(&crowded).await);
    let reply = h
        .post_json(
            TOKEN_A,
            "/v2/bot/richmenu/validate",
            &serde_json::to_value(&crowded).unwrap(),
        )
        .await;
    assert_eq!(properties(&reply), paths);
    assert_eq!(paths, ["areas"]);
}

#[tokio::test]
async fn rich_menu_images_and_bulk_links_are_read_alike() {
    let h = Harness::default().await;
    let c = client(&h);

    // 1,000,000 bytes: the client sends it and the sandbox takes it.
    let id = c.create_rich_menu(&menu()).await.unwrap();
    let at_limit = png_of_size(800, 540, 1_000_000);
    c.upload_rich_menu_image(&id, "image/png", at_limit)
        .await
        .unwrap();

    // One byte more: both refuse (with the old sandbox limit of 1,048,576 it went through).
    let id = c.create_rich_menu(&menu()).await.unwrap();
    let over = png_of_size(800, 540, 1_000_001);
    let paths = refused(
        c.upload_rich_menu_image(&id, "image/png", over.clone())
            .await,
    );
    assert_eq!(paths, ["image"]);
    let reply = h
        .post_with(
            h.http
                .post(h.url(&format!("/v2/bot/richmenu/{id}/content")))
                .bearer_auth(TOKEN_A)
                .header("content-type", "image/png")
                .body(over),
        )
        .await;
    assert_eq!(properties(&reply), paths);

    // The media type: read without case or parameters on both sides; a GIF by neither (LINE
    // answers 415 to that).
    c.upload_rich_menu_image(&id, "Image/PNG; charset=binary", png(800, 540, 1))
        .await
        .unwrap();
    let id = c.create_rich_menu(&menu()).await.unwrap();
    let paths = refused(
        c.upload_rich_menu_image(&id, "image/gif", png(800, 540, 1))
            .await,
    );
    assert_eq!(paths, ["contentType"]);
    let gif = h
        .post_with(
            h.http
                .post(h.url(&format!("/v2/bot/richmenu/{id}/content")))
                .bearer_auth(TOKEN_A)
                .header("content-type", "image/gif")
                .body(png(800, 540, 1)),
        )
        .await;
    gif.expect(415);

    // Bulk links: 1 to 500 user ids.
    let ids = |n: usize| (0..n).map(|i| format!("U{i:032x}")).collect::<Vec<_>>();
    let with_image = c.create_rich_menu(&menu()).await.unwrap();
    c.upload_rich_menu_image(&with_image, "image/png", png(800, 540, 1))
        .await
        .unwrap();
    c.bulk_link_rich_menu(&ids(500), &with_image).await.unwrap();
    for n in [0, 501] {
        let paths = refused(c.bulk_link_rich_menu(&ids(n), &with_image).await);
        assert_eq!(paths, ["userIds"]);
        let reply = h
            .post_json(
                TOKEN_A,
                "/v2/bot/richmenu/bulk/link",
                &json!({ "richMenuId": with_image, "userIds": ids(n) }),
            )
            .await;
        assert_eq!(properties(&reply), paths, "{n} ids");
    }
}

#[tokio::test]
async fn statistics_periods_are_read_alike() {
    let h = Harness::default().await;
    let c = client(&h);
    let path = |from: &str, to: &str| {
        format!(
            "/v2/bot/insight/message/event/aggregation?customAggregationUnit=unit&from={from}&to={to}"
        )
    };
    // 30 days apart at most, real days, `to` not before `from`.
    c.statistics_per_unit("unit", "20260101", "20260131")
        .await
        .unwrap();
    for (from, to) in [
        ("20260101", "20260201"),
        ("20260102", "20260101"),
        ("20260230", "20260301"),
        ("2026-01-01", "20260102"),
    ] {
        let paths = refused(c.statistics_per_unit("unit", from, to).await);
        let reply = h.get(TOKEN_A, &path(from, to)).await;
        assert_eq!(properties(&reply), paths, "{from}..{to}");
    }
    let unit = refused(c.statistics_per_unit("a-b", "20260101", "20260102").await);
    let reply = h
        .get(
            TOKEN_A,
            "/v2/bot/insight/message/event/aggregation?customAggregationUnit=a-b&from=20260101&to=20260102",
        )
        .await;
    assert_eq!(properties(&reply), unit);
}

#[tokio::test]
async fn follower_days_are_read_alike() {
    let h = Harness::default().await;
    let c = client(&h);
    // The client reads the sandbox's answer; a day that is not `yyyyMMdd` is refused by both.
    let answer = c.followers("20260101").await.unwrap();
    assert_eq!(
        (answer.status.as_str(), answer.followers, answer.blocks),
        ("ready", Some(0), Some(0))
    );
    for day in ["2026-01-01", "20260230", "2026011"] {
        let paths = refused(c.followers(day).await);
        let reply = h
            .get(TOKEN_A, &format!("/v2/bot/insight/followers?date={day}"))
            .await;
        assert_eq!(properties(&reply), paths, "{day}");
    }
}

#[tokio::test]
async fn rich_menu_insight_periods_are_read_alike() {
    let h = Harness::default().await;
    let c = client(&h);
    // The client reads the sandbox's answer (an unknown menu: LINE's 404).
    let unknown = c
        .rich_menu_insight_summary("richmenu-0000", "20260101", "20270201")
        .await;
    assert!(
        matches!(unknown, Err(ClientError::Rejected { status: 404, .. })),
        "{unknown:?}"
    );
    let path = |which: &str, from: &str, to: &str| {
        format!("/v2/bot/insight/richmenu/richmenu-0000/{which}?from={from}&to={to}")
    };
    for (from, to) in [
        ("20260101", "20270202"),
        ("20260102", "20260101"),
        ("20260230", "20260301"),
    ] {
        let paths = refused(c.rich_menu_insight_summary("richmenu-0000", from, to).await);
        let reply = h.get(TOKEN_A, &path("summary", from, to)).await;
        assert_eq!(properties(&reply), paths, "summary {from}..{to}");
    }
    let paths = refused(
        c.rich_menu_insight_daily("richmenu-0000", "20260101", "20260501")
            .await,
    );
    let reply = h.get(TOKEN_A, &path("daily", "20260101", "20260501")).await;
    assert_eq!(properties(&reply), paths);
    assert_eq!(paths, ["to"]);
}

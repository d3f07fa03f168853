//! Webhook bodies shaped like LINE's documented examples: every event type parses, the JSON
//! LINE sent is kept exactly (unknown fields included), and malformed bodies are refused with
//! the path of the problem.

use line::webhook::{self, ContentProvider, EventKind, MessageContent, Source, WebhookError};
use serde_json::{Value, json};

fn event(event_type: &str, extra: Value) -> Value {
    let mut e = json!({
        "type": event_type,
        "timestamp": 1_700_000_000_000_i64,
        "mode": "active",
        "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR",
        "deliveryContext": { "isRedelivery": false },
        "source": { "type": "user", "userId": "U4af4980629a0b2d1f3b4e5a6c7d8e9f0" },
    });
    if let (Some(target), Some(fields)) = (e.as_object_mut(), extra.as_object()) {
        for (k, v) in fields {
            target.insert(k.clone(), v.clone());
        }
    }
    e
}

fn body(events: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(
        &json!({ "destination": "Uxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "events": events }),
    )
    .unwrap()
}

#[test]
fn every_event_type_parses_and_round_trips() {
    let reply = json!({ "replyToken": "b60d432864f44d079f6d8efe86cf404b" });
    let cases: Vec<(Value, EventKind)> = vec![
        (
            event(
                "message",
                json!({ "replyToken": "r", "message": { "id": "444573844083572737", "type": "text", "text": "こんにちは 😀", "quoteToken": "q3Plxr4AgKd...", "emojis": [] } }),
            ),
            EventKind::Message(MessageContent::Text {
                id: "444573844083572737".into(),
                text: "こんにちは 😀".into(),
                quote_token: Some("q3Plxr4AgKd...".into()),
            }),
        ),
        (
            event(
                "message",
                json!({ "replyToken": "r", "message": { "id": "1", "type": "sticker", "packageId": "446", "stickerId": "1988", "stickerResourceType": "STATIC" } }),
            ),
            EventKind::Message(MessageContent::Sticker {
                id: "1".into(),
                package_id: "446".into(),
                sticker_id: "1988".into(),
                resource_type: Some("STATIC".into()),
            }),
        ),
        (
            event(
                "message",
                json!({ "replyToken": "r", "message": { "id": "2", "type": "image", "quoteToken": "q", "contentProvider": { "type": "line" }, "imageSet": { "id": "E0", "index": 1, "total": 2 } } }),
            ),
            EventKind::Message(MessageContent::Image {
                id: "2".into(),
                provider: ContentProvider::Line,
            }),
        ),
        (
            event(
                "message",
                json!({ "replyToken": "r", "message": { "id": "3", "type": "video", "duration": 60000, "contentProvider": { "type": "external", "originalContentUrl": "https://example.com/v.mp4", "previewImageUrl": "https://example.com/v.jpg" } } }),
            ),
            EventKind::Message(MessageContent::Video {
                id: "3".into(),
                duration_ms: Some(60000),
                provider: ContentProvider::External {
                    original_url: Some("https://example.com/v.mp4".into()),
                    preview_url: Some("https://example.com/v.jpg".into()),
                },
            }),
        ),
        (
            event(
                "message",
                json!({ "replyToken": "r", "message": { "id": "4", "type": "audio", "duration": 3000, "contentProvider": { "type": "line" } } }),
            ),
            EventKind::Message(MessageContent::Audio {
                id: "4".into(),
                duration_ms: Some(3000),
                provider: ContentProvider::Line,
            }),
        ),
        (
            event(
                "message",
                json!({ "replyToken": "r", "message": { "id": "5", "type": "file", "fileName": "申請書.pdf", "fileSize": 2138 } }),
            ),
            EventKind::Message(MessageContent::File {
                id: "5".into(),
                file_name: "申請書.pdf".into(),
                file_size: 2138,
            }),
        ),
        (
            event(
                "message",
                json!({ "replyToken": "r", "message": { "id": "6", "type": "location", "title": "市役所", "address": "〒100-0001 東京都", "latitude": 35.68, "longitude": 139.76 } }),
            ),
            EventKind::Message(MessageContent::Location {
                id: "6".into(),
                title: Some("市役所".into()),
                address: Some("〒100-0001 東京都".into()),
                latitude: 35.68,
                longitude: 139.76,
            }),
        ),
        (
            event(
                "message",
                json!({ "replyToken": "r", "message": { "id": "7", "type": "hologram", "depth": 3 } }),
            ),
            EventKind::Message(MessageContent::Other {
                id: "7".into(),
                message_type: "hologram".into(),
            }),
        ),
        (
            // A content missing a documented field is kept (raw), not refused.
            event(
                "message",
                json!({ "replyToken": "r", "message": { "id": "8", "type": "file", "fileName": "x.pdf" } }),
            ),
            EventKind::Message(MessageContent::Other {
                id: "8".into(),
                message_type: "file".into(),
            }),
        ),
        (
            event("unsend", json!({ "unsend": { "messageId": "325708" } })),
            EventKind::Unsend {
                message_id: "325708".into(),
            },
        ),
        (
            event(
                "follow",
                json!({ "replyToken": "r", "follow": { "isUnblocked": true } }),
            ),
            EventKind::Follow { is_unblocked: true },
        ),
        (
            event("follow", reply.clone()),
            EventKind::Follow {
                is_unblocked: false,
            },
        ),
        (event("unfollow", json!({})), EventKind::Unfollow),
        (event("join", reply.clone()), EventKind::Join),
        (event("leave", json!({})), EventKind::Leave),
        (
            event(
                "memberJoined",
                json!({ "joined": { "members": [{ "type": "user", "userId": "U1" }] }, "replyToken": "r" }),
            ),
            EventKind::MemberJoined {
                members: vec![Source::User {
                    user_id: Some("U1".into()),
                }],
            },
        ),
        (
            event(
                "memberLeft",
                json!({ "left": { "members": [{ "type": "user", "userId": "U1" }] } }),
            ),
            EventKind::MemberLeft {
                members: vec![Source::User {
                    user_id: Some("U1".into()),
                }],
            },
        ),
        (
            event(
                "postback",
                json!({ "replyToken": "r", "postback": { "data": "action=buy&itemid=111", "params": { "datetime": "2017-12-25T01:00" } } }),
            ),
            EventKind::Postback {
                data: "action=buy&itemid=111".into(),
                params: Some(json!({ "datetime": "2017-12-25T01:00" })),
            },
        ),
        (
            event(
                "videoPlayComplete",
                json!({ "replyToken": "r", "videoPlayComplete": { "trackingId": "track-id" } }),
            ),
            EventKind::VideoPlayComplete {
                tracking_id: "track-id".into(),
            },
        ),
        (
            event(
                "beacon",
                json!({ "replyToken": "r", "beacon": { "hwid": "d41d8cd98f", "type": "enter" } }),
            ),
            EventKind::Beacon {
                hwid: "d41d8cd98f".into(),
                beacon_type: "enter".into(),
                dm: None,
            },
        ),
        (
            event(
                "accountLink",
                json!({ "replyToken": "r", "link": { "result": "ok", "nonce": "xxx" } }),
            ),
            EventKind::AccountLink {
                result: "ok".into(),
                nonce: "xxx".into(),
            },
        ),
        (
            event(
                "membership",
                json!({ "replyToken": "r", "membership": { "type": "joined", "membershipId": 3189 } }),
            ),
            EventKind::Membership {
                membership_type: "joined".into(),
                membership_id: Some(3189),
            },
        ),
        (
            event(
                "module",
                json!({ "module": { "type": "attached", "botId": "U1", "scopes": ["message.write"] } }),
            ),
            EventKind::Module,
        ),
        (
            event(
                "activated",
                json!({ "chatControl": { "expireAt": 1_462_629_479_860_i64 } }),
            ),
            EventKind::Activated {
                expire_at: Some(1_462_629_479_860),
            },
        ),
        (event("deactivated", json!({})), EventKind::Deactivated),
        (event("botSuspended", json!({})), EventKind::BotSuspended),
        (event("botResumed", json!({})), EventKind::BotResumed),
        (
            event("delivery", json!({ "delivery": { "data": "4f0a..." } })),
            EventKind::Delivery {
                data: "4f0a...".into(),
            },
        ),
    ];
    let (events, kinds): (Vec<Value>, Vec<EventKind>) = cases.into_iter().unzip();
    let raw = body(events.clone());
    let parsed = webhook::parse(&raw).unwrap();
    assert_eq!(parsed.events.len(), kinds.len());
    for ((e, kind), original) in parsed.events.iter().zip(&kinds).zip(&events) {
        assert_eq!(&e.kind, kind, "{}", e.event_type);
        assert_eq!(&e.raw, original);
        assert_eq!(e.webhook_event_id, "01FZ74A0TDDPYRVKNK77XKC3ZR");
        assert_eq!(
            e.source.as_ref().and_then(Source::user_id),
            Some("U4af4980629a0b2d1f3b4e5a6c7d8e9f0")
        );
    }
    // Serialising gives back exactly what LINE sent.
    let again: Value = serde_json::to_value(&parsed).unwrap();
    assert_eq!(again, serde_json::from_slice::<Value>(&raw).unwrap());
}

#[test]
fn unknown_types_and_fields_are_kept() {
    let raw = body(vec![event(
        "somethingNew",
        json!({ "replyToken": "r", "futureField": { "a": [1, 2] } }),
    )]);
    let parsed = webhook::parse(&raw).unwrap();
    let e = &parsed.events[0];
    assert_eq!(e.kind, EventKind::Unknown);
    assert_eq!(e.event_type, "somethingNew");
    assert_eq!(e.reply_token.as_deref(), Some("r"));
    assert_eq!(e.raw["futureField"], json!({ "a": [1, 2] }));
}

#[test]
fn group_room_and_unknown_sources() {
    let mut group = event("join", json!({ "replyToken": "r" }));
    group["source"] = json!({ "type": "group", "groupId": "Ca56f94637c", "userId": "U1" });
    let mut room = event("leave", json!({}));
    room["source"] = json!({ "type": "room", "roomId": "Ra8dbf4673c" });
    let mut other = event("leave", json!({}));
    other["source"] = json!({ "type": "community", "communityId": "X" });
    let parsed = webhook::parse(&body(vec![group, room, other])).unwrap();
    assert_eq!(
        parsed.events[0].source,
        Some(Source::Group {
            group_id: "Ca56f94637c".into(),
            user_id: Some("U1".into())
        })
    );
    assert_eq!(
        parsed.events[1].source,
        Some(Source::Room {
            room_id: "Ra8dbf4673c".into(),
            user_id: None
        })
    );
    assert_eq!(
        parsed.events[2].source,
        Some(Source::Unknown {
            source_type: "community".into()
        })
    );
    assert_eq!(
        parsed.events[1].source.as_ref().and_then(Source::user_id),
        None
    );
}

#[test]
fn the_verify_button_sends_no_events() {
    let parsed = webhook::parse(br#"{"destination":"U1","events":[]}"#).unwrap();
    assert!(parsed.events.is_empty());
}

#[test]
fn redeliveries_are_marked() {
    let mut e = event("unfollow", json!({}));
    e["deliveryContext"]["isRedelivery"] = json!(true);
    assert!(webhook::parse(&body(vec![e])).unwrap().events[0].is_redelivery);
}

#[test]
fn malformed_bodies_are_refused_with_the_path() {
    assert!(matches!(
        webhook::parse(b"{not json"),
        Err(WebhookError::Json(_))
    ));
    let path_of = |raw: &[u8]| match webhook::parse(raw) {
        Err(WebhookError::Shape { path, .. }) => path,
        other => panic!("expected a shape error, got {other:?}"),
    };
    assert_eq!(path_of(br#"{"events":[]}"#), "destination");
    assert_eq!(path_of(br#"{"destination":"U1","events":{}}"#), "events");
    let mut no_id = event("follow", json!({}));
    no_id.as_object_mut().unwrap().remove("webhookEventId");
    assert_eq!(
        path_of(&body(vec![event("unfollow", json!({})), no_id])),
        "events[1]"
    );
    let no_text = event(
        "message",
        json!({ "message": { "id": "1", "type": "text" } }),
    );
    let err = webhook::parse(&body(vec![no_text])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "events[0]: message.text: missing or not a string"
    );
    let no_postback = event("postback", json!({}));
    assert_eq!(path_of(&body(vec![no_postback])), "events[0]");
    let no_members = event("memberJoined", json!({ "joined": {} }));
    let err = webhook::parse(&body(vec![no_members])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "events[0]: joined.members: missing or not an array"
    );
}

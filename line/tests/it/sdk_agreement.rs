//! Agreement with LINE's own definitions, offline: the official Python SDK (PyPI
//! `line-bot-sdk` v3, installed by `make test`) reads our example messages and actions back
//! unchanged, and verifies and parses a webhook body signed by our `signature::sign`.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

#[test]
fn the_official_sdk_agrees_with_our_types_and_signatures() {
    let outbound: Value = serde_json::from_str(include_str!("../fixtures/outbound.json")).unwrap();
    let event = |event_type: &str, extra: Value| {
        let mut e = json!({
            "type": event_type, "timestamp": 1_700_000_000_000_i64, "mode": "active",
            "webhookEventId": "01FZ74A0TDDPYRVKNK77XKC3ZR", "deliveryContext": { "isRedelivery": false },
            "source": { "type": "user", "userId": "U4af4980629a0b2d1f3b4e5a6c7d8e9f0" },
        });
        e.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        e
    };
    let body = serde_json::to_string(&json!({
        "destination": "U0123456789abcdef0123456789abcdef",
        "events": [
            event("message", json!({ "replyToken": "r", "message": { "id": "1", "type": "text", "text": "こんにちは 😀", "quoteToken": "q" } })),
            event("follow", json!({ "replyToken": "r", "follow": { "isUnblocked": false } })),
            event("unfollow", json!({})),
            event("postback", json!({ "replyToken": "r", "postback": { "data": "a=1" } })),
        ],
    }))
    .unwrap();
    // Our parser reads the same body.
    let ours = line::webhook::parse(body.as_bytes()).unwrap();
    assert_eq!(ours.events.len(), 4);
    let doc = json!({
        "messages": outbound["messages"],
        "actions": outbound["actions"],
        "richMenus": outbound["richMenus"],
        "webhook": {
            "secret": "channel-secret",
            "signature": line::signature::sign("channel-secret", body.as_bytes()),
            "body": body,
            "expected": ["MessageEvent", "FollowEvent", "UnfollowEvent", "PostbackEvent"],
        },
    });

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sdk_oracle.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 is needed for this test (make test installs what it uses)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(doc.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("ModuleNotFoundError"),
        "the PyPI package line-bot-sdk is missing: run `make test`, which installs it\n{stderr}"
    );
    assert!(
        out.status.success(),
        "{}{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
}

//! Outbound messages: JSON in LINE's documented shape round-trips, unknown fields are refused,
//! and each limit is tested at the limit and one past it.

use line::message::{Action, Message};
use line::validate::{self, Rule, Violation};
use serde_json::{Value, json};

fn msg(v: Value) -> Message {
    serde_json::from_value(v).unwrap()
}

fn text(s: &str) -> Message {
    msg(json!({ "type": "text", "text": s }))
}

fn violations(messages: &[Message]) -> Vec<(String, Rule)> {
    validate::messages(messages)
        .into_iter()
        .map(|v| (v.path, v.rule))
        .collect()
}

/// Examples in LINE's documented shape, shared with the SDK agreement test.
fn fixture(key: &str) -> Vec<Value> {
    let all: Value = serde_json::from_str(include_str!("../fixtures/outbound.json")).unwrap();
    all[key].as_array().unwrap().clone()
}

#[test]
fn every_message_type_round_trips() {
    let examples = fixture("messages");
    let types: Vec<&str> = examples
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    let expected = [
        "text", "textV2", "sticker", "image", "video", "audio", "location", "imagemap", "template",
        "template", "template", "template", "flex", "flex",
    ];
    assert_eq!(types, expected);
    for example in examples {
        let parsed: Message = serde_json::from_value(example.clone()).unwrap();
        assert_eq!(serde_json::to_value(&parsed).unwrap(), example);
        assert!(validate::messages(&[parsed]).is_empty(), "{example}");
    }
}

#[test]
fn every_action_type_round_trips() {
    let examples = fixture("actions");
    assert_eq!(
        examples.len(),
        9,
        "postback, message, uri, datetimepicker, camera, cameraRoll, location, richmenuswitch, clipboard"
    );
    for example in examples {
        let parsed: Action = serde_json::from_value(example.clone()).unwrap();
        assert_eq!(serde_json::to_value(&parsed).unwrap(), example);
        assert!(validate::action("action", &parsed).is_empty(), "{example}");
    }
}

#[test]
fn unknown_fields_and_types_are_refused() {
    for bad in [
        json!({ "type": "text", "text": "x", "txt": "typo" }),
        json!({ "type": "text", "text": "x", "quickReply": { "items": [], "extra": 1 } }),
        json!({ "type": "sticker", "packageId": "1", "stickerId": "1", "size": "L" }),
        json!({ "type": "hologram", "text": "x" }),
        json!({ "type": "text" }),
    ] {
        assert!(
            serde_json::from_value::<Message>(bad.clone()).is_err(),
            "{bad}"
        );
    }
    assert!(
        serde_json::from_value::<Action>(
            json!({ "type": "uri", "uri": "https://x", "target": "_blank" })
        )
        .is_err()
    );
}

#[test]
fn text_length_is_checked_in_utf16_units() {
    assert!(violations(&[text(&"あ".repeat(5000))]).is_empty());
    assert_eq!(
        violations(&[text(&"あ".repeat(5001))]),
        vec![(
            "messages[0].text".into(),
            Rule::Length {
                min: 1,
                max: 5000,
                actual: 5001
            }
        )]
    );
    // An emoji outside the BMP is two units: 2,500 fit, 2,501 do not.
    assert!(violations(&[text(&"😀".repeat(2500))]).is_empty());
    assert_eq!(violations(&[text(&"😀".repeat(2501))]).len(), 1);
    assert_eq!(violations(&[text("")]).len(), 1);
}

#[test]
fn messages_per_request_and_recipients_per_multicast() {
    let five = vec![text("a"); 5];
    assert!(validate::messages(&five).is_empty());
    assert_eq!(
        violations(&vec![text("a"); 6]),
        vec![(
            "messages".into(),
            Rule::Count {
                min: 1,
                max: 5,
                actual: 6
            }
        )]
    );
    assert_eq!(
        violations(&[]),
        vec![(
            "messages".into(),
            Rule::Count {
                min: 1,
                max: 5,
                actual: 0
            }
        )]
    );
    let users = |n: usize| (0..n).map(|i| format!("U{i:032x}")).collect::<Vec<_>>();
    assert!(validate::multicast(&users(500), &[text("a")]).is_empty());
    let too_many = validate::multicast(&users(501), &[text("a")]);
    assert_eq!(
        too_many,
        vec![Violation {
            path: "to".into(),
            rule: Rule::Count {
                min: 1,
                max: 500,
                actual: 501
            }
        }]
    );
    assert_eq!(validate::multicast(&[], &[text("a")]).len(), 1);
}

fn with_quick_reply(n: usize, label: Option<&str>) -> Message {
    let action = match label {
        Some(l) => json!({ "type": "message", "label": l, "text": "x" }),
        None => json!({ "type": "message", "text": "x" }),
    };
    let items: Vec<Value> = (0..n)
        .map(|_| json!({ "type": "action", "action": action }))
        .collect();
    msg(json!({ "type": "text", "text": "x", "quickReply": { "items": items } }))
}

#[test]
fn quick_replies_have_1_to_13_labelled_items() {
    assert!(violations(&[with_quick_reply(13, Some("はい"))]).is_empty());
    assert_eq!(
        violations(&[with_quick_reply(14, Some("はい"))]),
        vec![(
            "messages[0].quickReply.items".into(),
            Rule::Count {
                min: 1,
                max: 13,
                actual: 14
            }
        )]
    );
    assert_eq!(violations(&[with_quick_reply(0, Some("はい"))]).len(), 1);
    assert_eq!(
        violations(&[with_quick_reply(1, None)]),
        vec![(
            "messages[0].quickReply.items[0].action.label".into(),
            Rule::Required
        )]
    );
    assert!(violations(&[with_quick_reply(1, Some(&"あ".repeat(20)))]).is_empty());
    assert_eq!(
        violations(&[with_quick_reply(1, Some(&"あ".repeat(21)))]).len(),
        1
    );
}

fn action_violations(v: Value) -> Vec<(String, Rule)> {
    let action: Action = serde_json::from_value(v).unwrap();
    validate::action("a", &action)
        .into_iter()
        .map(|v| (v.path, v.rule))
        .collect()
}

#[test]
fn action_limits_at_and_past() {
    let at_and_past = [
        (
            json!({ "type": "postback", "data": "d".repeat(300) }),
            json!({ "type": "postback", "data": "d".repeat(301) }),
            "a.data",
        ),
        (
            json!({ "type": "postback", "data": "d", "displayText": "t".repeat(300) }),
            json!({ "type": "postback", "data": "d", "displayText": "t".repeat(301) }),
            "a.displayText",
        ),
        (
            json!({ "type": "message", "text": "t".repeat(300) }),
            json!({ "type": "message", "text": "t".repeat(301) }),
            "a.text",
        ),
        (
            json!({ "type": "uri", "uri": format!("https://{}", "u".repeat(992)) }),
            json!({ "type": "uri", "uri": format!("https://{}", "u".repeat(993)) }),
            "a.uri",
        ),
        (
            json!({ "type": "clipboard", "clipboardText": "c".repeat(1000) }),
            json!({ "type": "clipboard", "clipboardText": "c".repeat(1001) }),
            "a.clipboardText",
        ),
        (
            json!({ "type": "camera", "label": "l".repeat(20) }),
            json!({ "type": "camera", "label": "l".repeat(21) }),
            "a.label",
        ),
        (
            json!({ "type": "richmenuswitch", "richMenuAliasId": "a".repeat(32), "data": "d" }),
            json!({ "type": "richmenuswitch", "richMenuAliasId": "a".repeat(33), "data": "d" }),
            "a.richMenuAliasId",
        ),
    ];
    for (at, past, path) in at_and_past {
        assert!(action_violations(at.clone()).is_empty(), "{at}");
        let found = action_violations(past.clone());
        assert_eq!(found.len(), 1, "{past}: {found:?}");
        assert_eq!(found[0].0, path);
    }
    assert_eq!(
        action_violations(json!({ "type": "uri", "uri": "javascript:alert(1)" }))[0].1,
        Rule::Pattern("https:// http:// line:// tel: mailto:")
    );
    assert_eq!(
        action_violations(json!({ "type": "datetimepicker", "data": "d", "mode": "week" }))[0].0,
        "a.mode"
    );
    assert_eq!(
        action_violations(
            json!({ "type": "richmenuswitch", "richMenuAliasId": "Menu", "data": "d" })
        )[0]
        .0,
        "a.richMenuAliasId"
    );
    assert_eq!(
        action_violations(json!({ "type": "postback", "data": "d", "inputOption": "shout" }))[0].0,
        "a.inputOption"
    );
}

#[test]
fn content_urls_must_be_https_and_short_enough() {
    let image = |url: &str| {
        msg(
            json!({ "type": "image", "originalContentUrl": url, "previewImageUrl": "https://example.jp/p.jpg" }),
        )
    };
    assert_eq!(
        violations(&[image("http://example.jp/o.jpg")]),
        vec![("messages[0].originalContentUrl".into(), Rule::Https)]
    );
    let at = format!("https://example.jp/{}", "a".repeat(2000 - 19));
    assert!(violations(&[image(&at)]).is_empty());
    assert_eq!(violations(&[image(&format!("{at}a"))]).len(), 1);
    let audio = msg(
        json!({ "type": "audio", "originalContentUrl": "https://example.jp/a.m4a", "duration": 0 }),
    );
    assert_eq!(
        violations(&[audio]),
        vec![("messages[0].duration".into(), Rule::Positive)]
    );
}

#[test]
fn sender_and_location_limits() {
    let sender =
        |name: &str| msg(json!({ "type": "text", "text": "x", "sender": { "name": name } }));
    assert!(violations(&[sender(&"名".repeat(20))]).is_empty());
    assert_eq!(
        violations(&[sender(&"名".repeat(21))])[0].0,
        "messages[0].sender.name"
    );
    let location = |title: &str| {
        msg(
            json!({ "type": "location", "title": title, "address": "住所", "latitude": 0.0, "longitude": 0.0 }),
        )
    };
    assert!(violations(&[location(&"t".repeat(100))]).is_empty());
    assert_eq!(
        violations(&[location(&"t".repeat(101))])[0].0,
        "messages[0].title"
    );
}

#[test]
fn violations_read_as_japanese_for_staff() {
    let v = &validate::messages(&[text(&"あ".repeat(5001))])[0];
    assert_eq!(
        v.message_ja(),
        "messages[0].text: 1〜5000文字にしてください（現在5001文字）。"
    );
    let v = Violation {
        path: "messages[0].originalContentUrl".into(),
        rule: Rule::Https,
    };
    assert_eq!(
        v.to_string(),
        "messages[0].originalContentUrl: https:// で始まる URL を指定してください。"
    );
}

#[test]
fn text_v2_placeholders_and_substitutions_must_match() {
    let v2 = |text: &str, keys: &[&str]| {
        let substitution: serde_json::Map<String, Value> = keys
            .iter()
            .map(|k| {
                (
                    (*k).to_owned(),
                    json!({ "type": "mention", "mentionee": { "type": "all" } }),
                )
            })
            .collect();
        msg(json!({ "type": "textV2", "text": text, "substitution": substitution }))
    };
    assert!(violations(&[v2("{a} と {b}", &["a", "b"])]).is_empty());
    assert_eq!(
        violations(&[v2("{a}", &["a", "b"])])[0].0,
        "messages[0].substitution.b"
    );
    assert_eq!(
        violations(&[v2("{a} {b}", &["a"])]),
        vec![("messages[0].substitution.b".into(), Rule::Required)]
    );
    assert!(serde_json::from_value::<Message>(json!({ "type": "textV2", "text": "{a}", "substitution": { "a": { "type": "mention", "mentionee": { "type": "group" } } } })).is_err());
}

#[test]
fn at_most_20_emoji_in_a_text() {
    let with_emojis = |n: usize| {
        let emojis: Vec<Value> = (0..n)
            .map(|i| json!({ "index": i, "productId": "p", "emojiId": "001" }))
            .collect();
        msg(json!({ "type": "text", "text": "$".repeat(n.max(1)), "emojis": emojis }))
    };
    assert!(violations(&[with_emojis(20)]).is_empty());
    assert_eq!(violations(&[with_emojis(21)])[0].0, "messages[0].emojis");
}

#[test]
fn aggregation_unit_names() {
    assert!(validate::aggregation_unit("u", &"a_1".repeat(10)).is_empty());
    assert_eq!(validate::aggregation_unit("u", &"a".repeat(31)).len(), 1);
    assert_eq!(validate::aggregation_unit("u", "bosai-2026").len(), 1);
    assert_eq!(validate::aggregation_unit("u", "").len(), 1);
}

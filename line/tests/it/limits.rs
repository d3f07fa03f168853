//! Limits of imagemap, template and Flex messages, of rich menus and of the other requests (bulk
//! links, aggregation units, rich menu images, statistics periods): each at the limit and one
//! past it, with the JSON path of the violation.

use line::message::Message;
use line::rich_menu::RichMenu;
use line::validate::{self, Rule};
use serde_json::{Value, json};

fn paths(m: Value) -> Vec<String> {
    let message: Message = serde_json::from_value(m).unwrap();
    validate::messages(&[message])
        .into_iter()
        .map(|v| v.path)
        .collect()
}

fn imagemap(actions: usize, alt: &str) -> Value {
    let acts: Vec<Value> = (0..actions)
        .map(|i| json!({ "type": "message", "text": "x", "area": { "x": (i % 10) as i32 * 104, "y": 0, "width": 104, "height": 100 } }))
        .collect();
    json!({ "type": "imagemap", "baseUrl": "https://example.jp/im", "altText": alt, "baseSize": { "width": 1040, "height": 1040 }, "actions": acts })
}

#[test]
fn imagemap_limits() {
    assert!(paths(imagemap(50, &"a".repeat(1500))).is_empty());
    assert_eq!(paths(imagemap(51, "a")), ["messages[0].actions"]);
    assert_eq!(
        paths(imagemap(1, &"a".repeat(1501))),
        ["messages[0].altText"]
    );
    let mut wrong_width = imagemap(1, "a");
    wrong_width["baseSize"]["width"] = json!(1000);
    assert_eq!(paths(wrong_width), ["messages[0].baseSize.width"]);
    let mut outside = imagemap(1, "a");
    outside["actions"][0]["area"] = json!({ "x": 1000, "y": 0, "width": 41, "height": 10 });
    assert_eq!(paths(outside.clone()), ["messages[0].actions[0].area"]);
    outside["actions"][0]["area"]["width"] = json!(40);
    assert!(paths(outside).is_empty());
    let mut http = imagemap(1, "a");
    http["baseUrl"] = json!("http://example.jp/im");
    assert_eq!(paths(http), ["messages[0].baseUrl"]);
}

fn message_action(label: &str) -> Value {
    json!({ "type": "message", "label": label, "text": "x" })
}

#[test]
fn template_limits() {
    let buttons = |n: usize| json!({ "type": "template", "altText": "a", "template": { "type": "buttons", "text": "t", "actions": vec![message_action("b"); n] } });
    assert!(paths(buttons(4)).is_empty());
    assert_eq!(paths(buttons(5)), ["messages[0].template.actions"]);
    let confirm = |n: usize| json!({ "type": "template", "altText": "a", "template": { "type": "confirm", "text": "t", "actions": vec![message_action("b"); n] } });
    assert!(paths(confirm(2)).is_empty());
    assert_eq!(paths(confirm(3)), ["messages[0].template.actions"]);
    assert_eq!(paths(confirm(1)), ["messages[0].template.actions"]);
    let carousel = |cols: usize| {
        let columns: Vec<Value> = (0..cols)
            .map(|_| json!({ "text": "t", "actions": [message_action("b")] }))
            .collect();
        json!({ "type": "template", "altText": "a", "template": { "type": "carousel", "columns": columns } })
    };
    assert!(paths(carousel(10)).is_empty());
    assert_eq!(paths(carousel(11)), ["messages[0].template.columns"]);
    let mut uneven = carousel(2);
    uneven["template"]["columns"][1]["actions"] = json!([message_action("b"), message_action("c")]);
    assert_eq!(paths(uneven), ["messages[0].template.columns[1].actions"]);
    // An image or a title in every column or in none.
    let mut all_titled = carousel(3);
    for i in 0..3 {
        all_titled["template"]["columns"][i]["title"] = json!("見出し");
        all_titled["template"]["columns"][i]["thumbnailImageUrl"] =
            json!("https://example.jp/c.jpg");
    }
    assert!(paths(all_titled.clone()).is_empty());
    let mut one_untitled = all_titled.clone();
    one_untitled["template"]["columns"][2]
        .as_object_mut()
        .unwrap()
        .remove("title");
    assert_eq!(
        paths(one_untitled),
        ["messages[0].template.columns[2].title"]
    );
    let mut one_without_image = all_titled;
    one_without_image["template"]["columns"][0]
        .as_object_mut()
        .unwrap()
        .remove("thumbnailImageUrl");
    assert_eq!(
        paths(one_without_image),
        ["messages[0].template.columns[0].thumbnailImageUrl"]
    );
    let image_carousel = |label: &str| json!({ "type": "template", "altText": "a", "template": { "type": "image_carousel", "columns": [{ "imageUrl": "https://example.jp/1.jpg", "action": message_action(label) }] } });
    assert!(paths(image_carousel(&"あ".repeat(12))).is_empty());
    assert_eq!(
        paths(image_carousel(&"あ".repeat(13))),
        ["messages[0].template.columns[0].action.label"]
    );
    // Buttons text: 160 alone, 60 with a title.
    let text = |t: &str, title: Option<&str>| {
        let mut tpl = json!({ "type": "buttons", "text": t, "actions": [message_action("b")] });
        if let Some(title) = title {
            tpl["title"] = json!(title);
        }
        json!({ "type": "template", "altText": "a", "template": tpl })
    };
    assert!(paths(text(&"t".repeat(160), None)).is_empty());
    assert_eq!(
        paths(text(&"t".repeat(161), None)),
        ["messages[0].template.text"]
    );
    assert_eq!(
        paths(text(&"t".repeat(61), Some("見出し"))),
        ["messages[0].template.text"]
    );
}

fn bubble(text: &str) -> Value {
    json!({ "type": "bubble", "body": { "type": "box", "layout": "vertical", "contents": [{ "type": "text", "text": text }] } })
}

fn flex(contents: Value) -> Value {
    json!({ "type": "flex", "altText": "a", "contents": contents })
}

#[test]
fn flex_limits() {
    let carousel = |n: usize| flex(json!({ "type": "carousel", "contents": vec![bubble("x"); n] }));
    assert!(paths(carousel(12)).is_empty());
    assert_eq!(paths(carousel(13)), ["messages[0].contents.contents"]);
    // A bubble's JSON: at most 30,000 bytes.
    let overhead = serde_json::to_vec(&bubble("")).unwrap().len();
    assert!(paths(flex(bubble(&"a".repeat(30_000 - overhead)))).is_empty());
    assert_eq!(
        paths(flex(bubble(&"a".repeat(30_001 - overhead)))),
        ["messages[0].contents"]
    );
    // A carousel's JSON: at most 50,000 bytes.
    let big = flex(json!({ "type": "carousel", "contents": vec![bubble(&"a".repeat(17_000)); 3] }));
    assert_eq!(paths(big), ["messages[0].contents"]);
    let nested = flex(
        json!({ "type": "carousel", "contents": [{ "type": "carousel", "contents": [bubble("x")] }] }),
    );
    assert_eq!(paths(nested), ["messages[0].contents.contents[0]"]);
    let span_in_box = flex(
        json!({ "type": "bubble", "body": { "type": "box", "layout": "vertical", "contents": [{ "type": "span", "text": "x" }] } }),
    );
    assert_eq!(
        paths(span_in_box),
        ["messages[0].contents.body.contents[0]"]
    );
    let text_hero = flex(json!({ "type": "bubble", "hero": { "type": "text", "text": "x" } }));
    assert_eq!(paths(text_hero), ["messages[0].contents.hero"]);
    let empty_text = flex(
        json!({ "type": "bubble", "body": { "type": "box", "layout": "vertical", "contents": [{ "type": "text" }] } }),
    );
    assert_eq!(
        paths(empty_text),
        ["messages[0].contents.body.contents[0].text"]
    );
    let mut long_alt_text = flex(bubble("x"));
    long_alt_text["altText"] = json!("a".repeat(1501));
    assert_eq!(paths(long_alt_text), ["messages[0].altText"]);
    // Unknown enumerated values and properties are refused when the JSON is read.
    for bad in [
        json!({ "type": "bubble", "size": "huge" }),
        json!({ "type": "bubble", "body": { "type": "box", "layout": "diagonal", "contents": [] } }),
        json!({ "type": "bubble", "body": { "type": "box", "layout": "vertical", "contents": [], "padding": "1px" } }),
    ] {
        assert!(
            serde_json::from_value::<Message>(flex(bad.clone())).is_err(),
            "{bad}"
        );
    }
}

fn rich_menu(width: i32, height: i32, areas: usize, chat_bar_text: &str) -> RichMenu {
    let area_width = width / areas.max(1) as i32;
    let areas: Vec<Value> = (0..areas)
        .map(|i| json!({ "bounds": { "x": i as i32 * area_width, "y": 0, "width": area_width, "height": height }, "action": { "type": "postback", "data": "d" } }))
        .collect();
    serde_json::from_value(json!({ "size": { "width": width, "height": height }, "selected": false, "name": "menu", "chatBarText": chat_bar_text, "areas": areas })).unwrap()
}

fn rich_menu_paths(menu: &RichMenu) -> Vec<String> {
    validate::rich_menu(menu)
        .into_iter()
        .map(|v| v.path)
        .collect()
}

#[test]
fn rich_menu_limits() {
    assert!(rich_menu_paths(&rich_menu(2500, 1686, 20, &"メ".repeat(14))).is_empty());
    assert_eq!(rich_menu_paths(&rich_menu(2500, 1686, 21, "m")), ["areas"]);
    assert_eq!(
        rich_menu_paths(&rich_menu(2500, 1686, 1, &"メ".repeat(15))),
        ["chatBarText"]
    );
    assert!(rich_menu_paths(&rich_menu(800, 250, 1, "m")).is_empty());
    assert_eq!(
        rich_menu_paths(&rich_menu(799, 250, 1, "m")),
        ["size.width"]
    );
    assert_eq!(
        rich_menu_paths(&rich_menu(2501, 1686, 1, "m")),
        ["size.width"]
    );
    assert_eq!(
        rich_menu_paths(&rich_menu(1000, 249, 1, "m")),
        ["size.height"]
    );
    // Width / height at least 1.45: 1450 × 1000 passes, 1449 × 1000 does not.
    assert!(rich_menu_paths(&rich_menu(1450, 1000, 1, "m")).is_empty());
    assert_eq!(rich_menu_paths(&rich_menu(1449, 1000, 1, "m")), ["size"]);
    let mut outside = rich_menu(2500, 1686, 1, "m");
    outside.areas[0].bounds.height = 1687;
    let v = validate::rich_menu(&outside);
    assert_eq!(
        (v[0].path.as_str(), &v[0].rule),
        ("areas[0].bounds", &Rule::OutsideImage)
    );
    assert!(validate::rich_menu_alias_id("id", &"a".repeat(32)).is_empty());
    assert_eq!(validate::rich_menu_alias_id("id", &"a".repeat(33)).len(), 1);
    assert_eq!(validate::rich_menu_alias_id("id", "Menu").len(), 1);
    let alias: line::rich_menu::RichMenuAlias =
        serde_json::from_value(json!({ "richMenuAliasId": "menu-1", "richMenuId": "richmenu-88c05ef6921ae53f8b58a25f3a65faf7" })).unwrap();
    assert_eq!(alias.rich_menu_alias_id, "menu-1");
}

fn rules(violations: Vec<validate::Violation>) -> Vec<(String, Rule)> {
    violations.into_iter().map(|v| (v.path, v.rule)).collect()
}

#[test]
fn request_limits() {
    let ids = |n: usize| (0..n).map(|i| format!("U{i}")).collect::<Vec<_>>();
    assert!(validate::bulk_user_ids(&ids(1)).is_empty());
    assert!(validate::bulk_user_ids(&ids(500)).is_empty());
    for n in [0, 501] {
        assert_eq!(
            rules(validate::bulk_user_ids(&ids(n))),
            [(
                "userIds".to_owned(),
                Rule::Count {
                    min: 1,
                    max: 500,
                    actual: n
                }
            )]
        );
    }

    // customAggregationUnits: optional, at most one valid name.
    let units = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    assert!(validate::aggregation_units(None).is_empty());
    assert!(validate::aggregation_units(Some(&units(&[]))).is_empty());
    assert!(validate::aggregation_units(Some(&units(&[&"a".repeat(30)]))).is_empty());
    let two = validate::aggregation_units(Some(&units(&["a", "b"])));
    assert_eq!(two[0].path, "customAggregationUnits");
    let bad = validate::aggregation_units(Some(&units(&[&"a".repeat(31)])));
    assert_eq!(
        rules(bad),
        [(
            "customAggregationUnits[0]".to_owned(),
            Rule::Pattern("^[a-zA-Z0-9_]{1,30}$")
        )]
    );

    // Rich menu images: JPEG or PNG (parameters and case aside), 1 to 1,000,000 bytes.
    assert_eq!(
        validate::rich_menu_image_type("Image/PNG; charset=x"),
        Some("image/png")
    );
    assert_eq!(validate::rich_menu_image_type("image/gif"), None);
    assert!(validate::rich_menu_image("image/jpeg", 1_000_000).is_empty());
    assert_eq!(
        rules(validate::rich_menu_image("image/jpeg", 1_000_001)),
        [(
            "image".to_owned(),
            Rule::Size {
                max: 1_000_000,
                actual: 1_000_001
            }
        )]
    );
    let paths: Vec<String> = validate::rich_menu_image("image/gif", 0)
        .into_iter()
        .map(|v| v.path)
        .collect();
    assert_eq!(paths, ["contentType", "image"]);

    // Statistics: real days, `to` 0 to 30 days after `from`.
    assert!(validate::statistics_period("20250101", "20250131").is_empty());
    assert!(validate::statistics_period("20240215", "20240316").is_empty());
    assert!(validate::statistics_period("20250131", "20250131").is_empty());
    let too_long = rules(validate::statistics_period("20250101", "20250201"));
    assert_eq!(
        too_long,
        [(
            "to".to_owned(),
            Rule::DaysAfter {
                start: "from",
                max_days: 30,
                actual: 31
            }
        )]
    );
    let reversed = validate::statistics_period("20250102", "20250101");
    assert_eq!(reversed[0].path, "to");
    assert!(reversed[0].message_ja().contains("より前"));
    for not_a_day in ["2025-01-01", "20250230", "20230229", "20251301", "2025010"] {
        assert_eq!(
            rules(validate::statistics_date("from", not_a_day)),
            [("from".to_owned(), Rule::Date("yyyyMMdd"))],
            "{not_a_day}"
        );
    }
    assert!(validate::statistics_date("from", "20240229").is_empty());
}

#[test]
fn content_urls_are_https_or_this_machines_own() {
    let image = |url: &str| json!({ "type": "image", "originalContentUrl": url, "previewImageUrl": "https://example.jp/p.jpg" });
    assert!(paths(image("https://example.jp/o.jpg")).is_empty());
    assert!(paths(image("http://127.0.0.1:3000/media/abc/original")).is_empty());
    assert!(paths(image("http://localhost/media/abc/original")).is_empty());
    for refused in [
        "http://example.jp/o.jpg",
        "http://127.0.0.1.evil.example/o.jpg",
        "http://127.0.0.1@evil.example/o.jpg",
        "ftp://127.0.0.1/o.jpg",
    ] {
        assert_eq!(
            paths(image(refused)),
            ["messages[0].originalContentUrl"],
            "{refused}"
        );
    }
}

//! Where LINE makes a message's links tappable: the URLs in a text (or textV2) message's text
//! (LINE links them itself) and every `uri` action (`uri` and its `altUri.desktop`, or `linkUri`
//! in an imagemap), in templates, imagemaps, Flex messages and quick replies. Click tracking (`domain::delivery::links`)
//! replaces them, and the delivery editor lists them so staff can leave some untracked.

use std::collections::HashMap;

use serde_json::Value;

use crate::message::Message;

/// A link found in messages: its URL and the 1-based message it first appears in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundLink {
    pub url: String,
    pub message_seq: i32,
}

/// A LIFF app's link (`https://liff.line.me/{liffId}/...`). LINE opens it in the LIFF browser
/// (with the citizen's login) only when it is tapped as it is: sent through a redirect it would
/// open in the ordinary in-app browser. So it is never tracked; a survey counts its answers.
pub fn is_liff_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("https://liff.line.me/") || lower.starts_with("https://miniapp.line.me/")
}

/// The distinct http(s) links of `messages` that can be tracked (all but LIFF links), in order
/// of first appearance.
pub fn links_in(messages: &[Message]) -> Vec<FoundLink> {
    let mut found: Vec<FoundLink> = Vec::new();
    for (i, message) in messages.iter().enumerate() {
        let Ok(mut value) = serde_json::to_value(message) else {
            continue;
        };
        let seq = i32::try_from(i + 1).unwrap_or(i32::MAX);
        visit_links(&mut value, &mut |url| {
            if !is_liff_url(url) && !found.iter().any(|f| f.url == url) {
                found.push(FoundLink {
                    url: url.to_owned(),
                    message_seq: seq,
                });
            }
            None
        });
    }
    found
}

/// `messages` with each link in `replace` (original → tracked URL) replaced. A text message
/// that would grow past LINE's limit keeps its links as they are.
pub fn rewrite_links(messages: &[Message], replace: &HashMap<String, String>) -> Vec<Message> {
    let mut out = Vec::with_capacity(messages.len());
    for message in messages {
        let Ok(mut value) = serde_json::to_value(message) else {
            out.push(message.clone());
            continue;
        };
        visit_links(&mut value, &mut |url| replace.get(url).cloned());
        // A rewritten message LINE would refuse (a text grown past 5,000 characters) is sent
        // as staff wrote it.
        let rewritten = serde_json::from_value::<Message>(value)
            .ok()
            .filter(|m| crate::validate::messages(std::slice::from_ref(m)).is_empty());
        out.push(rewritten.unwrap_or_else(|| message.clone()));
    }
    out
}

/// Calls `f` with each http(s) link of a message object; where it returns a URL, the link is
/// replaced by it. Links are a text or textV2 message's URLs and every `uri` action's `uri`,
/// `altUri.desktop` and `linkUri`.
fn visit_links(message: &mut Value, f: &mut impl FnMut(&str) -> Option<String>) {
    // textV2's `{key}` placeholders never join a URL: `split_urls` ends a URL at `{`.
    if matches!(
        message.get("type").and_then(Value::as_str),
        Some("text" | "textV2")
    ) && let Some(Value::String(text)) = message.get_mut("text")
    {
        *text = replace_in_text(text, f);
    }
    visit_actions(message, f);
}

fn visit_actions(value: &mut Value, f: &mut impl FnMut(&str) -> Option<String>) {
    match value {
        Value::Object(map) => {
            if map.get("type").and_then(Value::as_str) == Some("uri") {
                for key in ["uri", "linkUri"] {
                    replace_uri(map.get_mut(key), f);
                }
                // What LINE on PC and Mac opens instead of `uri`.
                if let Some(Value::Object(alt)) = map.get_mut("altUri") {
                    replace_uri(alt.get_mut("desktop"), f);
                }
            }
            for child in map.values_mut() {
                visit_actions(child, f);
            }
        }
        Value::Array(items) => {
            for child in items {
                visit_actions(child, f);
            }
        }
        _ => {}
    }
}

fn replace_uri(value: Option<&mut Value>, f: &mut impl FnMut(&str) -> Option<String>) {
    if let Some(Value::String(uri)) = value
        && is_web_link(uri)
        && let Some(new) = f(uri)
    {
        *uri = new;
    }
}

fn is_web_link(uri: &str) -> bool {
    let lower = uri.get(..8).unwrap_or(uri).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// A piece of a text message: plain text or a URL LINE makes tappable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextPiece<'a> {
    Plain(&'a str),
    Url(&'a str),
}

/// Splits a text into plain text and the URLs LINE makes tappable: `http://` or `https://` up
/// to a space, a character outside ASCII or one URLs never hold; trailing punctuation
/// (`.,!?);:`) is left out. The preview draws them and click tracking replaces them.
pub fn split_urls(text: &str) -> Vec<TextPiece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut plain_from = 0;
    let mut offset = 0;
    while let Some(start) = find_url_start(rest) {
        let tail = &rest[start..];
        let mut end = tail
            .find(|c: char| !c.is_ascii_graphic() || "<>\"{}|\\^`".contains(c))
            .unwrap_or(tail.len());
        while end > 0 && tail[..end].ends_with(['.', ',', '!', '?', ')', ';', ':']) {
            end -= 1;
        }
        let scheme =
            if tail.as_bytes().get(4) == Some(&b's') || tail.as_bytes().get(4) == Some(&b'S') {
                "https://".len()
            } else {
                "http://".len()
            };
        if end <= scheme {
            // "http://" alone: not a link; go on after it.
            let skip = start + scheme.min(tail.len());
            offset += skip;
            rest = &rest[skip..];
            continue;
        }
        let url_start = offset + start;
        if url_start > plain_from {
            out.push(TextPiece::Plain(&text[plain_from..url_start]));
        }
        out.push(TextPiece::Url(&text[url_start..url_start + end]));
        plain_from = url_start + end;
        offset = plain_from;
        rest = &text[plain_from..];
    }
    if plain_from < text.len() {
        out.push(TextPiece::Plain(&text[plain_from..]));
    }
    out
}

fn replace_in_text(text: &str, f: &mut impl FnMut(&str) -> Option<String>) -> String {
    split_urls(text)
        .into_iter()
        .map(|piece| match piece {
            TextPiece::Plain(t) => t.to_owned(),
            TextPiece::Url(u) => f(u).unwrap_or_else(|| u.to_owned()),
        })
        .collect()
}

fn find_url_start(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    match (lower.find("https://"), lower.find("http://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(t: &str) -> Message {
        serde_json::from_value(serde_json::json!({"type": "text", "text": t}))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn links_in_text_and_actions_are_found_once_each() {
        let template: Message = serde_json::from_value(serde_json::json!({
            "type": "template", "altText": "案内",
            "template": {"type": "buttons", "text": "詳しくは",
                "actions": [
                    {"type": "uri", "label": "申込", "uri": "https://city.example.jp/apply"},
                    {"type": "uri", "label": "電話", "uri": "tel:0120000000"},
                    {"type": "message", "label": "はい", "text": "https://not-a-link.example"}
                ]}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let messages = vec![
            text(
                "申込は https://city.example.jp/apply。詳細：https://city.example.jp/a?b=1&c=2）です。アンケート https://liff.line.me/1234-abcd/surveys/1",
            ),
            template,
        ];
        let found: Vec<(String, i32)> = links_in(&messages)
            .into_iter()
            .map(|l| (l.url, l.message_seq))
            .collect();
        assert_eq!(
            found,
            vec![
                ("https://city.example.jp/apply".to_owned(), 1),
                ("https://city.example.jp/a?b=1&c=2".to_owned(), 1),
            ]
        );
    }

    #[test]
    fn rewrite_replaces_only_the_chosen_links() {
        let messages = vec![text("A https://a.example/x B http://b.example/y.")];
        let replace = HashMap::from([(
            "https://a.example/x".to_owned(),
            "http://127.0.0.1/r/AAAA".to_owned(),
        )]);
        let out = rewrite_links(&messages, &replace);
        let value = serde_json::to_value(&out[0]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            value["text"],
            "A http://127.0.0.1/r/AAAA B http://b.example/y."
        );
    }

    fn message(value: Value) -> Message {
        serde_json::from_value(value).unwrap_or_else(|e| panic!("{e}"))
    }

    /// One message of each kind with links where LINE makes them tappable (and a few it does
    /// not: a postback's data, a message action's text, a LIFF link, `tel:`).
    fn every_kind() -> Vec<Message> {
        vec![
            message(serde_json::json!({
                "type": "imagemap", "baseUrl": "https://city.example.jp/img/map", "altText": "地図",
                "baseSize": {"width": 1040, "height": 1040},
                "actions": [
                    {"type": "uri", "linkUri": "https://city.example.jp/imagemap",
                        "area": {"x": 0, "y": 0, "width": 520, "height": 1040}},
                    {"type": "message", "text": "https://city.example.jp/said",
                        "area": {"x": 520, "y": 0, "width": 520, "height": 1040}}
                ]
            })),
            message(serde_json::json!({
                "type": "flex", "altText": "お知らせ",
                "contents": {"type": "bubble",
                    "action": {"type": "uri", "label": "全体", "uri": "https://city.example.jp/bubble"},
                    "body": {"type": "box", "layout": "vertical", "contents": [
                        {"type": "box", "layout": "vertical",
                            "action": {"type": "uri", "label": "枠", "uri": "https://city.example.jp/box",
                                "altUri": {"desktop": "https://city.example.jp/box-pc"}},
                            "contents": [{"type": "text", "text": "https://city.example.jp/flex-text"}]},
                        {"type": "button", "action": {"type": "uri", "label": "申込",
                            "uri": "https://city.example.jp/button"}},
                        {"type": "button", "action": {"type": "postback", "label": "はい",
                            "data": "https://city.example.jp/postback"}}
                    ]}}
            })),
            message(serde_json::json!({
                "type": "text", "text": "ご覧ください",
                "quickReply": {"items": [
                    {"type": "action", "action": {"type": "uri", "label": "見る",
                        "uri": "https://city.example.jp/quick"}},
                    {"type": "action", "action": {"type": "uri", "label": "電話",
                        "uri": "tel:0120000000"}},
                    {"type": "action", "action": {"type": "uri", "label": "回答",
                        "uri": "https://liff.line.me/1234-abcd/surveys/1"}}
                ]}
            })),
            message(serde_json::json!({
                "type": "textV2", "text": "{name}さん、詳細は https://city.example.jp/v2{end}",
                "substitution": {
                    "name": {"type": "mention", "mentionee": {"type": "all"}},
                    "end": {"type": "emoji", "productId": "5ac1bfd5040ab15980c9b435", "emojiId": "001"}
                }
            })),
        ]
    }

    #[test]
    fn links_of_imagemaps_flex_quick_replies_and_text_v2_are_found() {
        let found: Vec<(String, i32)> = links_in(&every_kind())
            .into_iter()
            .map(|l| (l.url, l.message_seq))
            .collect();
        let expected: Vec<(String, i32)> = [
            ("imagemap", 1),
            ("bubble", 2),
            ("box", 2),
            ("box-pc", 2),
            ("button", 2),
            ("quick", 3),
            ("v2", 4),
        ]
        .into_iter()
        .map(|(path, seq)| (format!("https://city.example.jp/{path}"), seq))
        .collect();
        // The order within a message follows the JSON's keys; what counts is each is found.
        let mut sorted = found.clone();
        sorted.sort();
        let mut expected_sorted = expected.clone();
        expected_sorted.sort();
        assert_eq!(sorted, expected_sorted, "{found:?}");
    }

    #[test]
    fn links_of_imagemaps_flex_quick_replies_and_text_v2_are_rewritten() {
        let messages = every_kind();
        let replace: HashMap<String, String> = links_in(&messages)
            .into_iter()
            .enumerate()
            .map(|(i, l)| (l.url, format!("https://line.city.example.jp/r/CODE{i}")))
            .collect();
        let out = rewrite_links(&messages, &replace);
        let values: Vec<Value> = out
            .iter()
            .map(|m| serde_json::to_value(m).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        let tracked = |url: &str| replace.get(url).cloned().unwrap_or_else(|| panic!("{url}"));
        let at = |v: &Value, pointer: &str| {
            v.pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("{pointer}"))
                .to_owned()
        };
        assert_eq!(
            at(&values[0], "/actions/0/linkUri"),
            tracked("https://city.example.jp/imagemap")
        );
        assert_eq!(
            at(&values[0], "/actions/1/text"),
            "https://city.example.jp/said"
        );
        let flex = &values[1];
        assert_eq!(
            at(flex, "/contents/action/uri"),
            tracked("https://city.example.jp/bubble")
        );
        assert_eq!(
            at(flex, "/contents/body/contents/0/action/uri"),
            tracked("https://city.example.jp/box")
        );
        assert_eq!(
            at(flex, "/contents/body/contents/0/action/altUri/desktop"),
            tracked("https://city.example.jp/box-pc")
        );
        // A Flex text component is not linked by LINE: left as it is.
        assert_eq!(
            at(flex, "/contents/body/contents/0/contents/0/text"),
            "https://city.example.jp/flex-text"
        );
        assert_eq!(
            at(flex, "/contents/body/contents/1/action/uri"),
            tracked("https://city.example.jp/button")
        );
        assert_eq!(
            at(flex, "/contents/body/contents/2/action/data"),
            "https://city.example.jp/postback"
        );
        let quick = &values[2];
        assert_eq!(
            at(quick, "/quickReply/items/0/action/uri"),
            tracked("https://city.example.jp/quick")
        );
        assert_eq!(
            at(quick, "/quickReply/items/1/action/uri"),
            "tel:0120000000"
        );
        assert_eq!(
            at(quick, "/quickReply/items/2/action/uri"),
            "https://liff.line.me/1234-abcd/surveys/1"
        );
        // The placeholders around the URL stay.
        assert_eq!(
            at(&values[3], "/text"),
            format!(
                "{{name}}さん、詳細は {}{{end}}",
                tracked("https://city.example.jp/v2")
            )
        );
    }

    #[test]
    fn urls_are_split_out_of_text_without_trailing_punctuation() {
        use TextPiece::{Plain, Url};
        assert_eq!(
            split_urls("詳しくは https://a.example/x?y=1。次 HTTP://b.example/c). http:// だけ"),
            [
                Plain("詳しくは "),
                Url("https://a.example/x?y=1"),
                Plain("。次 "),
                Url("HTTP://b.example/c"),
                Plain("). http:// だけ"),
            ]
        );
        assert_eq!(split_urls("なし"), [Plain("なし")]);
        assert_eq!(split_urls(""), []);
    }
}

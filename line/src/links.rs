//! Where LINE makes a message's links tappable: the URLs in a text message's text (LINE links
//! them itself) and every `uri` action (`uri`, or `linkUri` in an imagemap), in templates,
//! imagemaps, Flex messages and quick replies. Click tracking (`domain::delivery::links`)
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
/// replaced by it. Links are a text message's URLs and every `uri` action's `uri`/`linkUri`.
fn visit_links(message: &mut Value, f: &mut impl FnMut(&str) -> Option<String>) {
    if message.get("type").and_then(Value::as_str) == Some("text")
        && let Some(Value::String(text)) = message.get_mut("text")
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
                    if let Some(Value::String(uri)) = map.get_mut(key)
                        && is_web_link(uri)
                        && let Some(new) = f(uri)
                    {
                        *uri = new;
                    }
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

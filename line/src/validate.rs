//! LINE's limits, checked before anything is sent, so that staff see what is wrong in the
//! editor instead of a rejected delivery. Each violation names the JSON path of the offending
//! value and the rule it breaks, with a Japanese message for staff.
//!
//! Lengths are counted in UTF-16 code units, the stricter of LINE's possible readings (an emoji
//! outside the BMP counts 2), so that what passes here is never too long for LINE.

use crate::message::{Action, Message, QuickReply, Sender};

/// Messages in one push, multicast or reply request.
pub const MAX_MESSAGES_PER_REQUEST: usize = 5;
/// User ids in one multicast request.
pub const MAX_MULTICAST_RECIPIENTS: usize = 500;
pub const MAX_TEXT_LENGTH: usize = 5000;
pub const MAX_QUICK_REPLY_ITEMS: usize = 13;
pub const MAX_EMOJIS: usize = 20;
pub const MAX_ACTION_LABEL: usize = 20;
pub const MAX_POSTBACK_DATA: usize = 300;
pub const MAX_ACTION_TEXT: usize = 300;
pub const MAX_URI: usize = 1000;
pub const MAX_CLIPBOARD_TEXT: usize = 1000;
pub const MAX_CONTENT_URL: usize = 2000;
pub const MAX_SENDER_NAME: usize = 20;
pub const MAX_LOCATION_TEXT: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Fewer than 1 or more than `max` items.
    Count {
        min: usize,
        max: usize,
        actual: usize,
    },
    /// Longer than `max` (UTF-16 code units), or empty when something is required.
    Length {
        min: usize,
        max: usize,
        actual: usize,
    },
    /// Must be an `https://` URL.
    Https,
    /// Must match LINE's pattern (given in the message).
    Pattern(&'static str),
    /// Required in this position (e.g. a quick reply button's label).
    Required,
    /// Must be greater than zero.
    Positive,
    /// Must be one of the listed values.
    OneOf(&'static [&'static str]),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// JSON path, e.g. `messages[0].quickReply.items[2].action.label`.
    pub path: String,
    pub rule: Rule,
}

impl Violation {
    /// What staff read in an editor.
    pub fn message_ja(&self) -> String {
        let what = &self.path;
        match &self.rule {
            Rule::Count { min, max, actual } => {
                format!("{what}: {min}〜{max}件にしてください（現在{actual}件）。")
            }
            Rule::Length {
                min: 0,
                max,
                actual,
            } => {
                format!("{what}: {max}文字以内にしてください（現在{actual}文字）。")
            }
            Rule::Length { min, max, actual } => {
                format!("{what}: {min}〜{max}文字にしてください（現在{actual}文字）。")
            }
            Rule::Https => format!("{what}: https:// で始まる URL を指定してください。"),
            Rule::Pattern(pattern) => format!("{what}: 形式が正しくありません（{pattern}）。"),
            Rule::Required => format!("{what}: 入力してください。"),
            Rule::Positive => format!("{what}: 0より大きい値を指定してください。"),
            Rule::OneOf(values) => format!(
                "{what}: {} のいずれかを指定してください。",
                values.join(", ")
            ),
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message_ja())
    }
}

/// The messages of one push or reply request.
pub fn messages(messages: &[Message]) -> Vec<Violation> {
    let mut v = Checker::default();
    v.count("messages", messages.len(), 1, MAX_MESSAGES_PER_REQUEST);
    for (i, m) in messages.iter().enumerate() {
        v.message(&format!("messages[{i}]"), m);
    }
    v.0
}

/// A multicast request: recipients and messages.
pub fn multicast(to: &[String], messages_: &[Message]) -> Vec<Violation> {
    let mut v = Checker::default();
    v.count("to", to.len(), 1, MAX_MULTICAST_RECIPIENTS);
    v.0.extend(messages(messages_));
    v.0
}

/// One action, wherever it appears (`path` is where).
pub fn action(path: &str, action: &Action) -> Vec<Violation> {
    let mut v = Checker::default();
    v.action(path, action, false);
    v.0
}

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

#[derive(Default)]
struct Checker(Vec<Violation>);

impl Checker {
    fn push(&mut self, path: impl Into<String>, rule: Rule) {
        self.0.push(Violation {
            path: path.into(),
            rule,
        });
    }

    fn count(&mut self, path: &str, actual: usize, min: usize, max: usize) {
        if !(min..=max).contains(&actual) {
            self.push(path, Rule::Count { min, max, actual });
        }
    }

    fn length(&mut self, path: &str, value: &str, min: usize, max: usize) {
        let actual = utf16_len(value);
        if !(min..=max).contains(&actual) {
            self.push(path, Rule::Length { min, max, actual });
        }
    }

    fn url(&mut self, path: &str, value: &str, max: usize) {
        self.length(path, value, 1, max);
        if !value.starts_with("https://") {
            self.push(path, Rule::Https);
        }
    }

    fn message(&mut self, path: &str, message: &Message) {
        match message {
            Message::Text(m) => {
                self.length(&format!("{path}.text"), &m.text, 1, MAX_TEXT_LENGTH);
                if m.emojis.len() > MAX_EMOJIS {
                    self.push(
                        format!("{path}.emojis"),
                        Rule::Count {
                            min: 0,
                            max: MAX_EMOJIS,
                            actual: m.emojis.len(),
                        },
                    );
                }
            }
            Message::Sticker(m) => {
                self.length(&format!("{path}.packageId"), &m.package_id, 1, 100);
                self.length(&format!("{path}.stickerId"), &m.sticker_id, 1, 100);
            }
            Message::Image(m) => {
                self.url(
                    &format!("{path}.originalContentUrl"),
                    &m.original_content_url,
                    MAX_CONTENT_URL,
                );
                self.url(
                    &format!("{path}.previewImageUrl"),
                    &m.preview_image_url,
                    MAX_CONTENT_URL,
                );
            }
            Message::Video(m) => {
                self.url(
                    &format!("{path}.originalContentUrl"),
                    &m.original_content_url,
                    MAX_CONTENT_URL,
                );
                self.url(
                    &format!("{path}.previewImageUrl"),
                    &m.preview_image_url,
                    MAX_CONTENT_URL,
                );
                if let Some(id) = &m.tracking_id {
                    self.length(&format!("{path}.trackingId"), id, 1, 100);
                }
            }
            Message::Audio(m) => {
                self.url(
                    &format!("{path}.originalContentUrl"),
                    &m.original_content_url,
                    MAX_CONTENT_URL,
                );
                if m.duration <= 0 {
                    self.push(format!("{path}.duration"), Rule::Positive);
                }
            }
            Message::Location(m) => {
                self.length(&format!("{path}.title"), &m.title, 1, MAX_LOCATION_TEXT);
                self.length(&format!("{path}.address"), &m.address, 1, MAX_LOCATION_TEXT);
            }
        }
        if let Some(q) = message.quick_reply() {
            self.quick_reply(&format!("{path}.quickReply"), q);
        }
        if let Some(s) = message.sender() {
            self.sender(&format!("{path}.sender"), s);
        }
    }

    fn quick_reply(&mut self, path: &str, q: &QuickReply) {
        self.count(
            &format!("{path}.items"),
            q.items.len(),
            1,
            MAX_QUICK_REPLY_ITEMS,
        );
        for (i, item) in q.items.iter().enumerate() {
            let item_path = format!("{path}.items[{i}]");
            if let Some(url) = &item.image_url {
                self.url(&format!("{item_path}.imageUrl"), url, MAX_CONTENT_URL);
            }
            self.action(&format!("{item_path}.action"), &item.action, true);
        }
    }

    fn sender(&mut self, path: &str, s: &Sender) {
        if let Some(name) = &s.name {
            self.length(&format!("{path}.name"), name, 1, MAX_SENDER_NAME);
        }
        if let Some(icon) = &s.icon_url {
            self.url(&format!("{path}.iconUrl"), icon, MAX_CONTENT_URL);
        }
    }

    /// `label_required`: quick reply buttons must be labelled.
    fn action(&mut self, path: &str, action: &Action, label_required: bool) {
        let label = match action {
            Action::Postback { label, .. }
            | Action::Message { label, .. }
            | Action::Uri { label, .. }
            | Action::DatetimePicker { label, .. }
            | Action::RichMenuSwitch { label, .. }
            | Action::Clipboard { label, .. } => label.as_deref(),
            Action::Camera { label }
            | Action::CameraRoll { label }
            | Action::Location { label } => Some(label.as_str()),
        };
        match label {
            Some(l) => self.length(&format!("{path}.label"), l, 1, MAX_ACTION_LABEL),
            None if label_required => self.push(format!("{path}.label"), Rule::Required),
            None => {}
        }
        match action {
            Action::Postback {
                data,
                display_text,
                input_option,
                fill_in_text,
                ..
            } => {
                self.length(&format!("{path}.data"), data, 1, MAX_POSTBACK_DATA);
                if let Some(t) = display_text {
                    self.length(&format!("{path}.displayText"), t, 1, MAX_ACTION_TEXT);
                }
                const INPUT_OPTIONS: &[&str] =
                    &["closeRichMenu", "openRichMenu", "openKeyboard", "openVoice"];
                if input_option
                    .as_deref()
                    .is_some_and(|o| !INPUT_OPTIONS.contains(&o))
                {
                    self.push(format!("{path}.inputOption"), Rule::OneOf(INPUT_OPTIONS));
                }
                if let Some(t) = fill_in_text {
                    self.length(&format!("{path}.fillInText"), t, 0, MAX_ACTION_TEXT);
                }
            }
            Action::Message { text, .. } => {
                self.length(&format!("{path}.text"), text, 1, MAX_ACTION_TEXT)
            }
            Action::Uri { uri, alt_uri, .. } => {
                self.length(&format!("{path}.uri"), uri, 1, MAX_URI);
                let scheme_ok = ["https://", "http://", "line://", "tel:", "mailto:"]
                    .iter()
                    .any(|s| uri.starts_with(s));
                if !scheme_ok {
                    self.push(
                        format!("{path}.uri"),
                        Rule::Pattern("https:// http:// line:// tel: mailto:"),
                    );
                }
                if let Some(alt) = alt_uri {
                    self.length(&format!("{path}.altUri.desktop"), &alt.desktop, 1, MAX_URI);
                }
            }
            Action::DatetimePicker { data, mode, .. } => {
                self.length(&format!("{path}.data"), data, 1, MAX_POSTBACK_DATA);
                const MODES: &[&str] = &["date", "time", "datetime"];
                if !MODES.contains(&mode.as_str()) {
                    self.push(format!("{path}.mode"), Rule::OneOf(MODES));
                }
            }
            Action::RichMenuSwitch {
                rich_menu_alias_id,
                data,
                ..
            } => {
                let valid = (1..=32).contains(&rich_menu_alias_id.len())
                    && rich_menu_alias_id.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'
                    });
                if !valid {
                    self.push(
                        format!("{path}.richMenuAliasId"),
                        Rule::Pattern("^[a-z0-9_-]{1,32}$"),
                    );
                }
                self.length(&format!("{path}.data"), data, 1, MAX_POSTBACK_DATA);
            }
            Action::Clipboard { clipboard_text, .. } => {
                self.length(
                    &format!("{path}.clipboardText"),
                    clipboard_text,
                    1,
                    MAX_CLIPBOARD_TEXT,
                );
            }
            Action::Camera { .. } | Action::CameraRoll { .. } | Action::Location { .. } => {}
        }
    }
}

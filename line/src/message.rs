//! Messages the system sends (push, multicast, reply), as LINE's Messaging API defines them.
//!
//! Objects are strict both ways: an unknown field is an error when reading an outbound message
//! (a typo in an editor must not be dropped silently), and optional fields are left out when
//! writing. Template and imagemap bodies are in [`crate::template`], Flex containers in
//! [`crate::flex`], rich menus in [`crate::rich_menu`].

use serde::{Deserialize, Serialize};

use crate::flex::FlexContainer;
use crate::template::{ImagemapAction, ImagemapBaseSize, ImagemapVideo, Template};

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Message {
    Text(TextMessage),
    /// Text with `{key}` placeholders replaced by mentions or LINE emoji.
    #[serde(rename = "textV2")]
    TextV2(TextMessageV2),
    Sticker(StickerMessage),
    Image(ImageMessage),
    Video(VideoMessage),
    Audio(AudioMessage),
    Location(LocationMessage),
    Imagemap(ImagemapMessage),
    Template(TemplateMessage),
    Flex(FlexMessage),
}

/// Fields every message may carry; kept in each message type (serde cannot flatten into a
/// struct that refuses unknown fields).
macro_rules! common_fields {
    ($(#[$meta:meta])* pub struct $name:ident { $($body:tt)* }) => {
        $(#[$meta])*
        #[serde_with::skip_serializing_none]
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct $name {
            $($body)*
            pub quick_reply: Option<QuickReply>,
            pub sender: Option<Sender>,
        }
    };
}

common_fields! {
    pub struct TextMessage {
        pub text: String,
        /// LINE emoji replacing `$` placeholders in `text`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub emojis: Vec<Emoji>,
        pub quote_token: Option<String>,
    }
}

common_fields! {
    pub struct TextMessageV2 {
        pub text: String,
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        pub substitution: std::collections::BTreeMap<String, Substitution>,
        pub quote_token: Option<String>,
    }
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum Substitution {
    Mention {
        mentionee: Mentionee,
    },
    #[serde(rename_all = "camelCase")]
    Emoji {
        product_id: String,
        emoji_id: String,
    },
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum Mentionee {
    #[serde(rename_all = "camelCase")]
    User {
        user_id: String,
    },
    All,
}

common_fields! {
    pub struct StickerMessage {
        pub package_id: String,
        pub sticker_id: String,
        pub quote_token: Option<String>,
    }
}

common_fields! {
    pub struct ImageMessage {
        pub original_content_url: String,
        pub preview_image_url: String,
    }
}

common_fields! {
    pub struct VideoMessage {
        pub original_content_url: String,
        pub preview_image_url: String,
        pub tracking_id: Option<String>,
    }
}

common_fields! {
    pub struct AudioMessage {
        pub original_content_url: String,
        /// Milliseconds.
        pub duration: i64,
    }
}

common_fields! {
    pub struct LocationMessage {
        pub title: String,
        pub address: String,
        pub latitude: f64,
        pub longitude: f64,
    }
}

common_fields! {
    pub struct ImagemapMessage {
        /// Images are fetched from `{baseUrl}/{width}` for widths 240, 300, 460, 700 and 1040.
        pub base_url: String,
        pub alt_text: String,
        pub base_size: ImagemapBaseSize,
        pub actions: Vec<ImagemapAction>,
        pub video: Option<ImagemapVideo>,
    }
}

common_fields! {
    pub struct TemplateMessage {
        pub alt_text: String,
        pub template: Template,
    }
}

common_fields! {
    pub struct FlexMessage {
        pub alt_text: String,
        pub contents: FlexContainer,
    }
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Emoji {
    pub index: i32,
    pub product_id: String,
    pub emoji_id: String,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuickReply {
    pub items: Vec<QuickReplyItem>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuickReplyItem {
    /// Always `action`.
    #[serde(rename = "type")]
    pub item_type: QuickReplyItemType,
    pub image_url: Option<String>,
    pub action: Action,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum QuickReplyItemType {
    Action,
}

/// Who the message appears to come from (name and icon shown instead of the account's).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sender {
    pub name: Option<String>,
    pub icon_url: Option<String>,
}

/// What happens when a user taps a button, a quick reply, a rich menu area...
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum Action {
    #[serde(rename_all = "camelCase")]
    Postback {
        label: Option<String>,
        data: String,
        display_text: Option<String>,
        /// `closeRichMenu`, `openRichMenu`, `openKeyboard` or `openVoice`.
        input_option: Option<String>,
        fill_in_text: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    Message {
        label: Option<String>,
        text: String,
    },
    #[serde(rename_all = "camelCase")]
    Uri {
        label: Option<String>,
        uri: String,
        alt_uri: Option<AltUri>,
    },
    #[serde(rename = "datetimepicker", rename_all = "camelCase")]
    DatetimePicker {
        label: Option<String>,
        data: String,
        /// `date`, `time` or `datetime`.
        mode: String,
        initial: Option<String>,
        max: Option<String>,
        min: Option<String>,
    },
    Camera {
        label: String,
    },
    #[serde(rename = "cameraRoll")]
    CameraRoll {
        label: String,
    },
    Location {
        label: String,
    },
    #[serde(rename = "richmenuswitch", rename_all = "camelCase")]
    RichMenuSwitch {
        label: Option<String>,
        rich_menu_alias_id: String,
        data: String,
    },
    #[serde(rename_all = "camelCase")]
    Clipboard {
        label: Option<String>,
        clipboard_text: String,
    },
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AltUri {
    pub desktop: String,
}

impl Message {
    /// The message as one line of plain text, for previews in the admin panel: text as it is,
    /// anything else as a bracketed kind with its alternative text (what a phone's
    /// notification shows for it).
    pub fn preview_text(&self) -> String {
        match self {
            Message::Text(m) => m.text.clone(),
            Message::TextV2(m) => m.text.clone(),
            Message::Sticker(_) => "［スタンプ］".into(),
            Message::Image(_) => "［画像］".into(),
            Message::Video(_) => "［動画］".into(),
            Message::Audio(_) => "［音声］".into(),
            Message::Location(m) => format!("［位置情報］{} {}", m.title, m.address),
            Message::Imagemap(m) => format!("［イメージマップ］{}", m.alt_text),
            Message::Template(m) => format!("［テンプレート］{}", m.alt_text),
            Message::Flex(m) => format!("［Flex］{}", m.alt_text),
        }
    }

    pub fn quick_reply(&self) -> Option<&QuickReply> {
        match self {
            Message::Text(m) => m.quick_reply.as_ref(),
            Message::TextV2(m) => m.quick_reply.as_ref(),
            Message::Sticker(m) => m.quick_reply.as_ref(),
            Message::Image(m) => m.quick_reply.as_ref(),
            Message::Video(m) => m.quick_reply.as_ref(),
            Message::Audio(m) => m.quick_reply.as_ref(),
            Message::Location(m) => m.quick_reply.as_ref(),
            Message::Imagemap(m) => m.quick_reply.as_ref(),
            Message::Template(m) => m.quick_reply.as_ref(),
            Message::Flex(m) => m.quick_reply.as_ref(),
        }
    }

    pub fn sender(&self) -> Option<&Sender> {
        match self {
            Message::Text(m) => m.sender.as_ref(),
            Message::TextV2(m) => m.sender.as_ref(),
            Message::Sticker(m) => m.sender.as_ref(),
            Message::Image(m) => m.sender.as_ref(),
            Message::Video(m) => m.sender.as_ref(),
            Message::Audio(m) => m.sender.as_ref(),
            Message::Location(m) => m.sender.as_ref(),
            Message::Imagemap(m) => m.sender.as_ref(),
            Message::Template(m) => m.sender.as_ref(),
            Message::Flex(m) => m.sender.as_ref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_read_as_text() {
        let messages: Vec<Message> = serde_json::from_value(serde_json::json!([
            {"type": "text", "text": "ごみ収集日のお知らせ"},
            {"type": "sticker", "packageId": "446", "stickerId": "1988"},
            {"type": "image", "originalContentUrl": "https://example.jp/a.png", "previewImageUrl": "https://example.jp/a.png"},
            {"type": "flex", "altText": "イベント案内", "contents": {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [{"type": "text", "text": "x"}]}}}
        ]))
        .unwrap();
        let previews: Vec<String> = messages.iter().map(Message::preview_text).collect();
        assert_eq!(
            previews,
            [
                "ごみ収集日のお知らせ",
                "［スタンプ］",
                "［画像］",
                "［Flex］イベント案内"
            ]
        );
    }
}

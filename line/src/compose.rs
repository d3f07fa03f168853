//! What an editor needs besides the types: the kinds of message and action staff can pick, with
//! their Japanese names, where each action may be used, and the new, empty object of each kind.
//! Editors build their menus from these lists, so adding a kind here adds it everywhere.

use crate::message::{
    Action, ImageMessage, LocationMessage, Message, QuickReply, StickerMessage, TemplateMessage,
    TextMessage,
};
use crate::template::{
    ButtonsTemplate, CarouselColumn, CarouselTemplate, ConfirmTemplate, ImageCarouselColumn,
    ImageCarouselTemplate, ImagemapAction, ImagemapArea, ImagemapBaseSize, Template,
};

/// The kinds of message the composer has a form for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageKind {
    Text,
    Image,
    Sticker,
    Location,
    Imagemap,
    Buttons,
    Confirm,
    Carousel,
    ImageCarousel,
    /// OA Manager's card-type message: a Flex carousel of cards ([`crate::cards`]).
    Cards,
    Flex,
    /// Video, audio, textV2: kept as they are and edited as JSON.
    Other,
}

impl MessageKind {
    /// In the order the composer offers them.
    pub const OFFERED: &'static [MessageKind] = &[
        MessageKind::Text,
        MessageKind::Image,
        MessageKind::Sticker,
        MessageKind::Imagemap,
        MessageKind::Buttons,
        MessageKind::Confirm,
        MessageKind::Carousel,
        MessageKind::ImageCarousel,
        MessageKind::Cards,
        MessageKind::Location,
        MessageKind::Flex,
    ];

    pub fn of(message: &Message) -> MessageKind {
        match message {
            Message::Text(_) => MessageKind::Text,
            Message::Image(_) => MessageKind::Image,
            Message::Sticker(_) => MessageKind::Sticker,
            Message::Location(_) => MessageKind::Location,
            Message::Imagemap(_) => MessageKind::Imagemap,
            Message::Template(t) => match t.template {
                Template::Buttons(_) => MessageKind::Buttons,
                Template::Confirm(_) => MessageKind::Confirm,
                Template::Carousel(_) => MessageKind::Carousel,
                Template::ImageCarousel(_) => MessageKind::ImageCarousel,
            },
            Message::Flex(f) if crate::cards::CardSet::from_flex(&f.contents).is_some() => {
                MessageKind::Cards
            }
            Message::Flex(_) => MessageKind::Flex,
            Message::TextV2(_) | Message::Video(_) | Message::Audio(_) => MessageKind::Other,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            MessageKind::Text => "text",
            MessageKind::Image => "image",
            MessageKind::Sticker => "sticker",
            MessageKind::Location => "location",
            MessageKind::Imagemap => "imagemap",
            MessageKind::Buttons => "buttons",
            MessageKind::Confirm => "confirm",
            MessageKind::Carousel => "carousel",
            MessageKind::ImageCarousel => "image_carousel",
            MessageKind::Cards => "cards",
            MessageKind::Flex => "flex",
            MessageKind::Other => "other",
        }
    }

    pub fn from_id(id: &str) -> Option<MessageKind> {
        Self::OFFERED.iter().copied().find(|k| k.id() == id)
    }

    pub fn name(self) -> &'static str {
        match self {
            MessageKind::Text => "テキスト",
            MessageKind::Image => "画像",
            MessageKind::Sticker => "スタンプ",
            MessageKind::Location => "位置情報",
            MessageKind::Imagemap => "リッチメッセージ",
            MessageKind::Buttons => "ボタン",
            MessageKind::Confirm => "確認（はい／いいえ）",
            MessageKind::Carousel => "カルーセル",
            MessageKind::ImageCarousel => "画像カルーセル",
            MessageKind::Cards => "カードタイプ",
            MessageKind::Flex => "Flex メッセージ",
            MessageKind::Other => "その他（JSON）",
        }
    }

    /// A new message of this kind, with what staff must fill in left empty (the editor then
    /// shows what is missing) and LINE's defaults elsewhere.
    pub fn new_message(self) -> Message {
        let template = |template: Template| {
            Message::Template(TemplateMessage {
                alt_text: String::new(),
                template,
                quick_reply: None,
                sender: None,
            })
        };
        match self {
            MessageKind::Text | MessageKind::Other => Message::Text(TextMessage {
                text: String::new(),
                emojis: Vec::new(),
                quote_token: None,
                quick_reply: None,
                sender: None,
            }),
            MessageKind::Image => Message::Image(ImageMessage {
                original_content_url: String::new(),
                preview_image_url: String::new(),
                quick_reply: None,
                sender: None,
            }),
            MessageKind::Sticker => Message::Sticker(StickerMessage {
                package_id: "446".into(),
                sticker_id: "1988".into(),
                quote_token: None,
                quick_reply: None,
                sender: None,
            }),
            MessageKind::Location => Message::Location(LocationMessage {
                title: String::new(),
                address: String::new(),
                latitude: 35.681236,
                longitude: 139.767125,
                quick_reply: None,
                sender: None,
            }),
            MessageKind::Imagemap => Message::Imagemap(crate::message::ImagemapMessage {
                base_url: String::new(),
                alt_text: String::new(),
                base_size: ImagemapBaseSize {
                    width: crate::validate::IMAGEMAP_BASE_WIDTH,
                    height: 1040,
                },
                actions: vec![ImagemapAction::Uri {
                    label: None,
                    link_uri: String::new(),
                    area: ImagemapArea {
                        x: 0,
                        y: 0,
                        width: 1040,
                        height: 1040,
                    },
                }],
                video: None,
                quick_reply: None,
                sender: None,
            }),
            MessageKind::Buttons => template(Template::Buttons(Box::new(ButtonsTemplate {
                thumbnail_image_url: None,
                image_aspect_ratio: None,
                image_size: None,
                image_background_color: None,
                title: None,
                text: String::new(),
                default_action: None,
                actions: vec![ActionKind::Uri.new_action()],
            }))),
            MessageKind::Confirm => template(Template::Confirm(ConfirmTemplate {
                text: String::new(),
                actions: vec![
                    Action::Message {
                        label: Some("はい".into()),
                        text: "はい".into(),
                    },
                    Action::Message {
                        label: Some("いいえ".into()),
                        text: "いいえ".into(),
                    },
                ],
            })),
            MessageKind::Carousel => template(Template::Carousel(CarouselTemplate {
                columns: vec![new_carousel_column(1, false, false); 2],
                image_aspect_ratio: None,
                image_size: None,
            })),
            MessageKind::ImageCarousel => {
                template(Template::ImageCarousel(ImageCarouselTemplate {
                    columns: vec![new_image_carousel_column(); 2],
                }))
            }
            MessageKind::Cards => Message::Flex(crate::message::FlexMessage {
                alt_text: String::new(),
                contents: crate::cards::CardSet::new(crate::cards::CardKind::Product).to_flex(),
                quick_reply: None,
                sender: None,
            }),
            MessageKind::Flex => serde_json::from_value(serde_json::json!({
                "type": "flex",
                "altText": "",
                "contents": {
                    "type": "bubble",
                    "body": {"type": "box", "layout": "vertical", "contents": [
                        {"type": "text", "text": "本文", "wrap": true}
                    ]}
                }
            }))
            .unwrap_or_else(|_| MessageKind::Text.new_message()),
        }
    }
}

/// A carousel column shaped like its neighbours: LINE refuses a carousel whose columns differ
/// in their number of actions or in having an image or a title.
pub fn new_carousel_column(actions: usize, image: bool, title: bool) -> CarouselColumn {
    CarouselColumn {
        thumbnail_image_url: image.then(String::new),
        image_background_color: None,
        title: title.then(String::new),
        text: String::new(),
        default_action: None,
        actions: (0..actions.max(1))
            .map(|_| ActionKind::Uri.new_action())
            .collect(),
    }
}

pub fn new_image_carousel_column() -> ImageCarouselColumn {
    ImageCarouselColumn {
        image_url: String::new(),
        action: ActionKind::Uri.new_action(),
    }
}

/// The kinds of action staff can set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActionKind {
    Uri,
    Message,
    Postback,
    DatetimePicker,
    Camera,
    CameraRoll,
    Location,
    Clipboard,
    RichMenuSwitch,
}

/// Where an action is set: LINE allows different kinds in each place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionPlace {
    QuickReply,
    /// Buttons, confirm and carousel templates, Flex components.
    Template,
    RichMenu,
}

impl ActionPlace {
    pub fn kinds(self) -> &'static [ActionKind] {
        use ActionKind::*;
        match self {
            ActionPlace::QuickReply => &[
                Message,
                Uri,
                Postback,
                DatetimePicker,
                Camera,
                CameraRoll,
                Location,
                Clipboard,
            ],
            ActionPlace::Template => &[Uri, Message, Postback, DatetimePicker, Clipboard],
            ActionPlace::RichMenu => &[Uri, Message, Postback, DatetimePicker, RichMenuSwitch],
        }
    }

    /// Longest label LINE shows in full here.
    pub fn max_label(self) -> usize {
        crate::validate::MAX_ACTION_LABEL
    }
}

impl ActionKind {
    pub const ALL: &'static [ActionKind] = &[
        ActionKind::Uri,
        ActionKind::Message,
        ActionKind::Postback,
        ActionKind::DatetimePicker,
        ActionKind::Camera,
        ActionKind::CameraRoll,
        ActionKind::Location,
        ActionKind::Clipboard,
        ActionKind::RichMenuSwitch,
    ];

    pub fn of(action: &Action) -> ActionKind {
        match action {
            Action::Uri { .. } => ActionKind::Uri,
            Action::Message { .. } => ActionKind::Message,
            Action::Postback { .. } => ActionKind::Postback,
            Action::DatetimePicker { .. } => ActionKind::DatetimePicker,
            Action::Camera { .. } => ActionKind::Camera,
            Action::CameraRoll { .. } => ActionKind::CameraRoll,
            Action::Location { .. } => ActionKind::Location,
            Action::Clipboard { .. } => ActionKind::Clipboard,
            Action::RichMenuSwitch { .. } => ActionKind::RichMenuSwitch,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            ActionKind::Uri => "uri",
            ActionKind::Message => "message",
            ActionKind::Postback => "postback",
            ActionKind::DatetimePicker => "datetimepicker",
            ActionKind::Camera => "camera",
            ActionKind::CameraRoll => "cameraRoll",
            ActionKind::Location => "location",
            ActionKind::Clipboard => "clipboard",
            ActionKind::RichMenuSwitch => "richmenuswitch",
        }
    }

    pub fn from_id(id: &str) -> Option<ActionKind> {
        Self::ALL.iter().copied().find(|k| k.id() == id)
    }

    pub fn name(self) -> &'static str {
        match self {
            ActionKind::Uri => "URL を開く",
            ActionKind::Message => "テキストを送信",
            ActionKind::Postback => "ポストバック（データを送信）",
            ActionKind::DatetimePicker => "日時を選んでもらう",
            ActionKind::Camera => "カメラを起動",
            ActionKind::CameraRoll => "カメラロールを開く",
            ActionKind::Location => "位置情報を送ってもらう",
            ActionKind::Clipboard => "テキストをコピー",
            ActionKind::RichMenuSwitch => "リッチメニューを切り替え",
        }
    }

    /// A new action of this kind; the label and the target are for staff to fill in.
    pub fn new_action(self) -> Action {
        match self {
            ActionKind::Uri => Action::Uri {
                label: Some(String::new()),
                uri: String::new(),
                alt_uri: None,
            },
            ActionKind::Message => Action::Message {
                label: Some(String::new()),
                text: String::new(),
            },
            ActionKind::Postback => Action::Postback {
                label: Some(String::new()),
                data: String::new(),
                display_text: None,
                input_option: None,
                fill_in_text: None,
            },
            ActionKind::DatetimePicker => Action::DatetimePicker {
                label: Some(String::new()),
                data: String::new(),
                mode: "date".into(),
                initial: None,
                max: None,
                min: None,
            },
            ActionKind::Camera => Action::Camera {
                label: "カメラ".into(),
            },
            ActionKind::CameraRoll => Action::CameraRoll {
                label: "写真を選ぶ".into(),
            },
            ActionKind::Location => Action::Location {
                label: "位置情報を送る".into(),
            },
            ActionKind::Clipboard => Action::Clipboard {
                label: Some(String::new()),
                clipboard_text: String::new(),
            },
            ActionKind::RichMenuSwitch => Action::RichMenuSwitch {
                label: Some(String::new()),
                rich_menu_alias_id: String::new(),
                data: String::new(),
            },
        }
    }

    /// This action turned into `kind`, keeping its label (and its text or URL where the new
    /// kind has the same kind of field), so changing one's mind loses nothing typed.
    pub fn convert(action: &Action, kind: ActionKind) -> Action {
        if ActionKind::of(action) == kind {
            return action.clone();
        }
        let label = action.label().map(str::to_owned);
        let mut next = kind.new_action();
        next.set_label(label);
        next
    }
}

impl Action {
    pub fn label(&self) -> Option<&str> {
        match self {
            Action::Postback { label, .. }
            | Action::Message { label, .. }
            | Action::Uri { label, .. }
            | Action::DatetimePicker { label, .. }
            | Action::RichMenuSwitch { label, .. }
            | Action::Clipboard { label, .. } => label.as_deref(),
            Action::Camera { label }
            | Action::CameraRoll { label }
            | Action::Location { label } => Some(label),
        }
    }

    /// Sets the label; kinds whose label is required keep an empty one for `None`.
    pub fn set_label(&mut self, value: Option<String>) {
        match self {
            Action::Postback { label, .. }
            | Action::Message { label, .. }
            | Action::Uri { label, .. }
            | Action::DatetimePicker { label, .. }
            | Action::RichMenuSwitch { label, .. }
            | Action::Clipboard { label, .. } => *label = value,
            Action::Camera { label }
            | Action::CameraRoll { label }
            | Action::Location { label } => *label = value.unwrap_or_default(),
        }
    }
}

impl Message {
    pub fn quick_reply_mut(&mut self) -> &mut Option<QuickReply> {
        match self {
            Message::Text(m) => &mut m.quick_reply,
            Message::TextV2(m) => &mut m.quick_reply,
            Message::Sticker(m) => &mut m.quick_reply,
            Message::Image(m) => &mut m.quick_reply,
            Message::Video(m) => &mut m.quick_reply,
            Message::Audio(m) => &mut m.quick_reply,
            Message::Location(m) => &mut m.quick_reply,
            Message::Imagemap(m) => &mut m.quick_reply,
            Message::Template(m) => &mut m.quick_reply,
            Message::Flex(m) => &mut m.quick_reply,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offered_kind_makes_a_message_of_that_kind_that_round_trips_as_json() {
        for &kind in MessageKind::OFFERED {
            let message = kind.new_message();
            assert_eq!(MessageKind::of(&message), kind);
            assert_eq!(MessageKind::from_id(kind.id()), Some(kind));
            let json = serde_json::to_string(&message).unwrap();
            let back: Message = serde_json::from_str(&json).unwrap();
            assert_eq!(back, message, "{json}");
        }
    }

    #[test]
    fn every_action_kind_round_trips_and_converts_keeping_its_label() {
        for &kind in ActionKind::ALL {
            let action = kind.new_action();
            assert_eq!(ActionKind::of(&action), kind);
            assert_eq!(ActionKind::from_id(kind.id()), Some(kind));
            let json = serde_json::to_string(&action).unwrap();
            assert_eq!(
                serde_json::from_str::<Action>(&json).unwrap(),
                action,
                "{json}"
            );
        }
        let mut uri = ActionKind::Uri.new_action();
        uri.set_label(Some("市のサイト".into()));
        let message = ActionKind::convert(&uri, ActionKind::Message);
        assert_eq!(message.label(), Some("市のサイト"));
        assert_eq!(ActionKind::of(&message), ActionKind::Message);
    }

    #[test]
    fn places_offer_what_line_allows_there() {
        assert!(
            ActionPlace::QuickReply
                .kinds()
                .contains(&ActionKind::Camera)
        );
        assert!(!ActionPlace::Template.kinds().contains(&ActionKind::Camera));
        assert!(
            ActionPlace::RichMenu
                .kinds()
                .contains(&ActionKind::RichMenuSwitch)
        );
        assert!(
            !ActionPlace::QuickReply
                .kinds()
                .contains(&ActionKind::RichMenuSwitch)
        );
    }
}

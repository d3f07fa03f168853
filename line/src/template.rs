//! Template messages (buttons, confirm, carousel, image carousel) and imagemap messages.

use serde::{Deserialize, Serialize};

use crate::message::Action;

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Template {
    Buttons(Box<ButtonsTemplate>),
    Confirm(ConfirmTemplate),
    Carousel(CarouselTemplate),
    ImageCarousel(ImageCarouselTemplate),
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ButtonsTemplate {
    pub thumbnail_image_url: Option<String>,
    /// `rectangle` or `square`.
    pub image_aspect_ratio: Option<String>,
    /// `cover` or `contain`.
    pub image_size: Option<String>,
    pub image_background_color: Option<String>,
    pub title: Option<String>,
    pub text: String,
    pub default_action: Option<Action>,
    pub actions: Vec<Action>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfirmTemplate {
    pub text: String,
    pub actions: Vec<Action>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CarouselTemplate {
    pub columns: Vec<CarouselColumn>,
    pub image_aspect_ratio: Option<String>,
    pub image_size: Option<String>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CarouselColumn {
    pub thumbnail_image_url: Option<String>,
    pub image_background_color: Option<String>,
    pub title: Option<String>,
    pub text: String,
    pub default_action: Option<Action>,
    pub actions: Vec<Action>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageCarouselTemplate {
    pub columns: Vec<ImageCarouselColumn>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImageCarouselColumn {
    pub image_url: String,
    pub action: Action,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImagemapBaseSize {
    pub width: i32,
    pub height: i32,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImagemapArea {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum ImagemapAction {
    #[serde(rename_all = "camelCase")]
    Uri {
        label: Option<String>,
        link_uri: String,
        area: ImagemapArea,
    },
    #[serde(rename_all = "camelCase")]
    Message {
        label: Option<String>,
        text: String,
        area: ImagemapArea,
    },
    #[serde(rename_all = "camelCase")]
    Clipboard {
        label: Option<String>,
        clipboard_text: String,
        area: ImagemapArea,
    },
}

impl ImagemapAction {
    pub fn area(&self) -> &ImagemapArea {
        match self {
            ImagemapAction::Uri { area, .. }
            | ImagemapAction::Message { area, .. }
            | ImagemapAction::Clipboard { area, .. } => area,
        }
    }
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImagemapVideo {
    pub original_content_url: String,
    pub preview_image_url: String,
    pub area: ImagemapArea,
    pub external_link: Option<ImagemapExternalLink>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImagemapExternalLink {
    pub link_uri: String,
    pub label: String,
}

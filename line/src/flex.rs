//! Flex Message containers and components, with every property LINE's spec defines.
//! Enumerated properties are Rust enums, so an unknown value is refused when the JSON is read;
//! free-form sizes (`md`, `10px`, `5%`) stay strings.

use serde::{Deserialize, Serialize};

use crate::message::Action;

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum FlexContainer {
    Bubble(Box<FlexBubble>),
    Carousel(FlexCarousel),
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlexBubble {
    pub direction: Option<Direction>,
    pub styles: Option<FlexBubbleStyles>,
    pub header: Option<FlexBlock>,
    /// An image, a video or a box.
    pub hero: Option<FlexComponent>,
    pub body: Option<FlexBlock>,
    pub footer: Option<FlexBlock>,
    pub size: Option<BubbleSize>,
    pub action: Option<Action>,
}

/// A bubble's header, body or footer: always a box (the `type` says so in the JSON).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum FlexBlock {
    Box(Box<FlexBox>),
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlexCarousel {
    /// Bubbles only (LINE refuses a carousel inside a carousel; `validate` says so).
    pub contents: Vec<FlexContainer>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ltr,
    Rtl,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BubbleSize {
    Nano,
    Micro,
    Deca,
    Hecto,
    Kilo,
    Mega,
    Giga,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlexBubbleStyles {
    pub header: Option<FlexBlockStyle>,
    pub hero: Option<FlexBlockStyle>,
    pub body: Option<FlexBlockStyle>,
    pub footer: Option<FlexBlockStyle>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlexBlockStyle {
    pub background_color: Option<String>,
    pub separator: Option<bool>,
    pub separator_color: Option<String>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum FlexComponent {
    Box(Box<FlexBox>),
    Button(FlexButton),
    Image(FlexImage),
    Video(Box<FlexVideo>),
    Icon(FlexIcon),
    Text(FlexText),
    Span(FlexSpan),
    Separator(FlexSeparator),
    Filler(FlexFiller),
}

/// Properties shared by components that can be placed: margin and offsets.
macro_rules! placed {
    ($(#[$meta:meta])* pub struct $name:ident { $($body:tt)* }) => {
        $(#[$meta])*
        #[serde_with::skip_serializing_none]
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct $name {
            $($body)*
            pub margin: Option<String>,
            pub position: Option<Position>,
            pub offset_top: Option<String>,
            pub offset_bottom: Option<String>,
            pub offset_start: Option<String>,
            pub offset_end: Option<String>,
        }
    };
}

placed! {
    pub struct FlexBox {
        pub layout: Layout,
        pub contents: Vec<FlexComponent>,
        pub flex: Option<i32>,
        pub spacing: Option<String>,
        pub background_color: Option<String>,
        pub border_color: Option<String>,
        pub border_width: Option<String>,
        pub corner_radius: Option<String>,
        pub width: Option<String>,
        pub max_width: Option<String>,
        pub height: Option<String>,
        pub max_height: Option<String>,
        pub padding_all: Option<String>,
        pub padding_top: Option<String>,
        pub padding_bottom: Option<String>,
        pub padding_start: Option<String>,
        pub padding_end: Option<String>,
        pub action: Option<Action>,
        pub justify_content: Option<JustifyContent>,
        pub align_items: Option<AlignItems>,
        pub background: Option<FlexBoxBackground>,
    }
}

placed! {
    pub struct FlexButton {
        pub action: Action,
        pub flex: Option<i32>,
        pub color: Option<String>,
        pub style: Option<ButtonStyle>,
        pub gravity: Option<Gravity>,
        pub height: Option<ButtonHeight>,
        pub adjust_mode: Option<AdjustMode>,
        pub scaling: Option<bool>,
    }
}

placed! {
    pub struct FlexImage {
        pub url: String,
        pub flex: Option<i32>,
        pub align: Option<Align>,
        pub gravity: Option<Gravity>,
        pub size: Option<String>,
        pub aspect_ratio: Option<String>,
        pub aspect_mode: Option<AspectMode>,
        pub background_color: Option<String>,
        pub action: Option<Action>,
        pub animated: Option<bool>,
    }
}

/// A video in the hero block; `alt_content` is shown where video cannot play.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlexVideo {
    pub url: String,
    pub preview_url: String,
    pub alt_content: FlexComponent,
    pub aspect_ratio: Option<String>,
    pub action: Option<Action>,
}

placed! {
    pub struct FlexIcon {
        pub url: String,
        pub size: Option<String>,
        pub aspect_ratio: Option<String>,
        pub scaling: Option<bool>,
    }
}

placed! {
    pub struct FlexText {
        pub text: Option<String>,
        /// Spans; when present they replace `text`. An `Option`, so that `"contents": []`
        /// (which LINE's own samples carry) is given back as it came.
        pub contents: Option<Vec<FlexComponent>>,
        pub flex: Option<i32>,
        pub size: Option<String>,
        pub align: Option<Align>,
        pub gravity: Option<Gravity>,
        pub color: Option<String>,
        pub weight: Option<Weight>,
        pub style: Option<FontStyle>,
        pub decoration: Option<Decoration>,
        pub wrap: Option<bool>,
        pub line_spacing: Option<String>,
        pub action: Option<Action>,
        pub max_lines: Option<i32>,
        pub adjust_mode: Option<AdjustMode>,
        pub scaling: Option<bool>,
    }
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlexSpan {
    pub text: Option<String>,
    pub size: Option<String>,
    pub color: Option<String>,
    pub weight: Option<Weight>,
    pub style: Option<FontStyle>,
    pub decoration: Option<Decoration>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlexSeparator {
    pub margin: Option<String>,
    pub color: Option<String>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlexFiller {
    pub flex: Option<i32>,
}

/// A box's background; LINE defines one kind, a linear gradient.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum FlexBoxBackground {
    #[serde(rename = "linearGradient", rename_all = "camelCase")]
    LinearGradient {
        angle: Option<String>,
        start_color: Option<String>,
        end_color: Option<String>,
        center_color: Option<String>,
        center_position: Option<String>,
    },
}

macro_rules! string_enum {
    ($name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        #[serde_with::skip_serializing_none]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }
    };
}

string_enum!(Layout { Horizontal = "horizontal", Vertical = "vertical", Baseline = "baseline" });
string_enum!(Position { Relative = "relative", Absolute = "absolute" });
string_enum!(JustifyContent {
    Center = "center", FlexStart = "flex-start", FlexEnd = "flex-end",
    SpaceBetween = "space-between", SpaceAround = "space-around", SpaceEvenly = "space-evenly",
});
string_enum!(AlignItems { Center = "center", FlexStart = "flex-start", FlexEnd = "flex-end" });
string_enum!(ButtonStyle { Primary = "primary", Secondary = "secondary", Link = "link" });
string_enum!(Gravity { Top = "top", Bottom = "bottom", Center = "center" });
string_enum!(ButtonHeight { Md = "md", Sm = "sm" });
string_enum!(AdjustMode { ShrinkToFit = "shrink-to-fit" });
string_enum!(Align { Start = "start", End = "end", Center = "center" });
string_enum!(AspectMode { Fit = "fit", Cover = "cover" });
string_enum!(Weight { Regular = "regular", Bold = "bold" });
string_enum!(FontStyle { Normal = "normal", Italic = "italic" });
string_enum!(Decoration { None = "none", Underline = "underline", LineThrough = "line-through" });

//! Flex Message containers and components, with every property LINE's spec defines.
//! Enumerated properties are Rust enums, so an unknown value is refused when the JSON is read;
//! free-form sizes (`md`, `10px`, `5%`) stay strings.

use serde::{Deserialize, Serialize};

use crate::message::Action;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum FlexContainer {
    Bubble(Box<FlexBubble>),
    Carousel(FlexCarousel),
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlexBubble {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub styles: Option<FlexBubbleStyles>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<FlexBlock>,
    /// An image, a video or a box.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hero: Option<FlexComponent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<FlexBlock>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<FlexBlock>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<BubbleSize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
}

/// A bubble's header, body or footer: always a box (the `type` says so in the JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum FlexBlock {
    Box(Box<FlexBox>),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlexCarousel {
    /// Bubbles only (LINE refuses a carousel inside a carousel; `validate` says so).
    pub contents: Vec<FlexContainer>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ltr,
    Rtl,
}

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

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlexBubbleStyles {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<FlexBlockStyle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hero: Option<FlexBlockStyle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<FlexBlockStyle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<FlexBlockStyle>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlexBlockStyle {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separator: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separator_color: Option<String>,
}

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
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct $name {
            $($body)*
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub margin: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub position: Option<Position>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub offset_top: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub offset_bottom: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub offset_start: Option<String>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub offset_end: Option<String>,
        }
    };
}

placed! {
    pub struct FlexBox {
        pub layout: Layout,
        pub contents: Vec<FlexComponent>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub flex: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub spacing: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub background_color: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub border_color: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub border_width: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub corner_radius: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub width: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max_width: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub height: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max_height: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub padding_all: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub padding_top: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub padding_bottom: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub padding_start: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub padding_end: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub action: Option<Action>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub justify_content: Option<JustifyContent>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub align_items: Option<AlignItems>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub background: Option<FlexBoxBackground>,
    }
}

placed! {
    pub struct FlexButton {
        pub action: Action,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub flex: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub color: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub style: Option<ButtonStyle>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub gravity: Option<Gravity>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub height: Option<ButtonHeight>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub adjust_mode: Option<AdjustMode>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub scaling: Option<bool>,
    }
}

placed! {
    pub struct FlexImage {
        pub url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub flex: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub align: Option<Align>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub gravity: Option<Gravity>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub size: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub aspect_ratio: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub aspect_mode: Option<AspectMode>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub background_color: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub action: Option<Action>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub animated: Option<bool>,
    }
}

/// A video in the hero block; `alt_content` is shown where video cannot play.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlexVideo {
    pub url: String,
    pub preview_url: String,
    pub alt_content: FlexComponent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Action>,
}

placed! {
    pub struct FlexIcon {
        pub url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub size: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub aspect_ratio: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub scaling: Option<bool>,
    }
}

placed! {
    pub struct FlexText {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub text: Option<String>,
        /// Spans; when present they replace `text`.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pub contents: Vec<FlexComponent>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub flex: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub size: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub align: Option<Align>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub gravity: Option<Gravity>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub color: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub weight: Option<Weight>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub style: Option<FontStyle>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub decoration: Option<Decoration>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub wrap: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub line_spacing: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub action: Option<Action>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub max_lines: Option<i32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub adjust_mode: Option<AdjustMode>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub scaling: Option<bool>,
    }
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlexSpan {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Weight>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<FontStyle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoration: Option<Decoration>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlexSeparator {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlexFiller {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flex: Option<i32>,
}

/// A box's background; LINE defines one kind, a linear gradient.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum FlexBoxBackground {
    #[serde(rename = "linearGradient", rename_all = "camelCase")]
    LinearGradient {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        angle: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start_color: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        end_color: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        center_color: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        center_position: Option<String>,
    },
}

macro_rules! string_enum {
    ($name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
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

//! The one table of LINE Flex Message properties: for every kind of node, each property LINE
//! defines, how an editor edits it, LINE's default and where its children may go. The visual
//! editor builds its property panel and its "+" menu from this table, and [`check`] reads raw
//! JSON (pasted, imported or hand-edited) against the same table, so what the editor offers and
//! what the checker accepts cannot drift apart.
//!
//! The facts are LINE's: the Messaging API reference and its OpenAPI spec (`FlexBubble`,
//! `FlexBox`, …) and the Flex Message layout page. The tests prove, property by property, that
//! the table and the typed structs of [`crate::flex`] agree. [`check`] is about shape (names, JSON
//! kinds, keywords, sizes, colours, placement); limits on the typed message (lengths, https,
//! actions) stay in [`crate::validate`], whose paths [`pointer_from_path`] turns into pointers.

use serde_json::{Map, Value};

use crate::flex::Layout;

/// Spacing, margin, padding and offset keywords, smallest first.
pub const SPACING_KEYWORDS: &[&str] = &["none", "xs", "sm", "md", "lg", "xl", "xxl"];
/// Box `cornerRadius` keywords (the spacing scale).
pub const CORNER_RADII: &[&str] = SPACING_KEYWORDS;
/// Text and span font sizes, smallest first.
pub const TEXT_SIZES: &[&str] = &[
    "xxs", "xs", "sm", "md", "lg", "xl", "xxl", "3xl", "4xl", "5xl",
];
/// Icon sizes (the text scale).
pub const ICON_SIZES: &[&str] = TEXT_SIZES;
/// Image widths: the text scale, then `full` (the width of the parent).
pub const IMAGE_SIZES: &[&str] = &[
    "xxs", "xs", "sm", "md", "lg", "xl", "xxl", "3xl", "4xl", "5xl", "full",
];
/// Box `borderWidth` keywords, thinnest first.
pub const BORDER_WIDTHS: &[&str] = &["none", "light", "normal", "medium", "semi-bold", "bold"];
/// Bubble widths, narrowest first.
pub const BUBBLE_SIZES: &[&str] = &["nano", "micro", "deca", "hecto", "kilo", "mega", "giga"];
/// Sizes of the deprecated `spacer` (read only to convert it).
pub const SPACER_SIZES: &[&str] = &["xs", "sm", "md", "lg", "xl", "xxl"];
pub const DIRECTIONS: &[&str] = &["ltr", "rtl"];
pub const LAYOUTS: &[&str] = &["vertical", "horizontal", "baseline"];
pub const POSITIONS: &[&str] = &["relative", "absolute"];
pub const JUSTIFY_CONTENTS: &[&str] = &[
    "flex-start",
    "center",
    "flex-end",
    "space-between",
    "space-around",
    "space-evenly",
];
pub const ALIGN_ITEMS: &[&str] = &["flex-start", "center", "flex-end"];
pub const ALIGNS: &[&str] = &["start", "center", "end"];
pub const GRAVITIES: &[&str] = &["top", "center", "bottom"];
pub const BUTTON_STYLES: &[&str] = &["primary", "secondary", "link"];
pub const BUTTON_HEIGHTS: &[&str] = &["sm", "md"];
pub const ASPECT_MODES: &[&str] = &["fit", "cover"];
pub const ADJUST_MODES: &[&str] = &["shrink-to-fit"];
pub const WEIGHTS: &[&str] = &["regular", "bold"];
pub const FONT_STYLES: &[&str] = &["normal", "italic"];
pub const DECORATIONS: &[&str] = &["none", "underline", "line-through"];
pub const BACKGROUND_TYPES: &[&str] = &["linearGradient"];

/// Bubble sizes that can hold a video (LINE's condition for the video component).
const VIDEO_BUBBLE_SIZES: &[&str] = &["kilo", "mega", "giga"];

// Property panel groups (`Property::group`).
pub const GROUP_CONTENT: &str = "内容";
pub const GROUP_TEXT: &str = "文字";
pub const GROUP_PLACEMENT: &str = "配置";
pub const GROUP_SPACE: &str = "余白";
pub const GROUP_SIZE: &str = "サイズ";
pub const GROUP_STYLE: &str = "色・枠線";
pub const GROUP_ACTION: &str = "動作";
/// The property panel groups, in their order: every kind lists its properties in this order.
pub const GROUPS: [&str; 7] = [
    GROUP_CONTENT,
    GROUP_TEXT,
    GROUP_PLACEMENT,
    GROUP_SPACE,
    GROUP_SIZE,
    GROUP_STYLE,
    GROUP_ACTION,
];

/// What a node in a Flex tree is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Bubble,
    Carousel,
    Box,
    Button,
    Image,
    Video,
    Icon,
    Text,
    Span,
    Separator,
    Filler,
}

impl NodeKind {
    pub const ALL: [NodeKind; 11] = [
        NodeKind::Bubble,
        NodeKind::Carousel,
        NodeKind::Box,
        NodeKind::Button,
        NodeKind::Image,
        NodeKind::Video,
        NodeKind::Icon,
        NodeKind::Text,
        NodeKind::Span,
        NodeKind::Separator,
        NodeKind::Filler,
    ];

    /// The JSON `type`.
    pub fn type_name(self) -> &'static str {
        match self {
            NodeKind::Bubble => "bubble",
            NodeKind::Carousel => "carousel",
            NodeKind::Box => "box",
            NodeKind::Button => "button",
            NodeKind::Image => "image",
            NodeKind::Video => "video",
            NodeKind::Icon => "icon",
            NodeKind::Text => "text",
            NodeKind::Span => "span",
            NodeKind::Separator => "separator",
            NodeKind::Filler => "filler",
        }
    }

    pub fn from_type_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.type_name() == s)
    }

    pub fn name_ja(self) -> &'static str {
        match self {
            NodeKind::Bubble => "バブル",
            NodeKind::Carousel => "カルーセル",
            NodeKind::Box => "ボックス",
            NodeKind::Button => "ボタン",
            NodeKind::Image => "画像",
            NodeKind::Video => "動画",
            NodeKind::Icon => "アイコン",
            NodeKind::Text => "テキスト",
            NodeKind::Span => "スパン",
            NodeKind::Separator => "区切り線",
            NodeKind::Filler => "フィラー",
        }
    }

    /// Every property LINE defines for this kind but `type` and the child lists (see
    /// [`child_slots`]), in the order the property panel shows them.
    pub fn properties(self) -> &'static [Property] {
        match self {
            NodeKind::Bubble => BUBBLE,
            NodeKind::Carousel => &[],
            NodeKind::Box => BOX,
            NodeKind::Button => BUTTON,
            NodeKind::Image => IMAGE,
            NodeKind::Video => VIDEO,
            NodeKind::Icon => ICON,
            NodeKind::Text => TEXT,
            NodeKind::Span => SPAN,
            NodeKind::Separator => SEPARATOR,
            NodeKind::Filler => FILLER,
        }
    }

    /// The property of this kind at `name` (e.g. `"background/angle"`).
    pub fn property(self, name: &str) -> Option<&'static Property> {
        self.properties().iter().find(|p| p.name == name)
    }

    /// A new, valid node of this kind as staff would want it added.
    pub fn template(self) -> Value {
        use serde_json::json;
        match self {
            NodeKind::Bubble => json!({
                "type": "bubble",
                "body": {"type": "box", "layout": "vertical", "contents": [NodeKind::Text.template()]},
            }),
            NodeKind::Carousel => {
                json!({"type": "carousel", "contents": [NodeKind::Bubble.template()]})
            }
            NodeKind::Box => json!({"type": "box", "layout": "vertical", "contents": []}),
            NodeKind::Button => json!({
                "type": "button",
                "action": {"type": "uri", "label": "詳しく見る", "uri": "https://example.jp/"},
            }),
            NodeKind::Image => json!({"type": "image", "url": "https://example.jp/image.png"}),
            NodeKind::Video => json!({
                "type": "video",
                "url": "https://example.jp/video.mp4",
                "previewUrl": "https://example.jp/preview.png",
                "aspectRatio": "16:9",
                "altContent": {
                    "type": "image",
                    "url": "https://example.jp/preview.png",
                    "size": "full",
                    "aspectRatio": "16:9",
                    "aspectMode": "cover",
                },
            }),
            NodeKind::Icon => json!({"type": "icon", "url": "https://example.jp/icon.png"}),
            NodeKind::Text => json!({"type": "text", "text": "テキスト", "wrap": true}),
            NodeKind::Span => json!({"type": "span", "text": "スパン"}),
            NodeKind::Separator => json!({"type": "separator"}),
            NodeKind::Filler => json!({"type": "filler"}),
        }
    }
}

/// How the editor edits a property.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Control {
    /// One of fixed keywords (a select).
    Keyword(&'static [&'static str]),
    /// A size: one of the keywords, or (where LINE accepts them) "Npx" / "N%".
    Size {
        keywords: &'static [&'static str],
        px: bool,
        percent: bool,
    },
    /// `#RRGGBB` or `#RRGGBBAA`.
    Color,
    Bool,
    Integer {
        min: i64,
        max: i64,
    },
    /// Free text; `max` in LINE's counting when LINE sets one.
    Text {
        max: Option<usize>,
        multiline: bool,
    },
    /// An https URL of content LINE fetches (image, icon, video).
    Url,
    /// "W:H" (images, icons, video).
    AspectRatio,
    /// A LINE action object (edited by the app's action editor).
    Action,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Property {
    /// JSON pointer relative to the node, without leading slash; nested objects use '/'
    /// ("size", "styles/header/backgroundColor", "background/startColor"). A nested property
    /// marked `required` is required only when its object is present.
    pub name: &'static str,
    /// Short Japanese label for the property panel.
    pub label: &'static str,
    pub control: Control,
    /// LINE's default as shown to staff ("md"), None where LINE has none.
    pub default: Option<&'static str>,
    pub required: bool,
    /// One short Japanese sentence of help ("" when the label says it all).
    pub help: &'static str,
    /// One of [`GROUPS`] ("内容", "文字", "配置", "余白", "サイズ", "色・枠線", "動作").
    pub group: &'static str,
}

impl Property {
    const fn new(
        name: &'static str,
        label: &'static str,
        group: &'static str,
        control: Control,
    ) -> Self {
        Property {
            name,
            label,
            control,
            default: None,
            required: false,
            help: "",
            group,
        }
    }

    const fn default_is(self, default: &'static str) -> Self {
        Property {
            default: Some(default),
            ..self
        }
    }

    const fn mandatory(self) -> Self {
        Property {
            required: true,
            ..self
        }
    }

    const fn with_help(self, help: &'static str) -> Self {
        Property { help, ..self }
    }

    /// What is wrong with `value` for this property (a Japanese sentence without the label), or
    /// None when LINE accepts it. [`check`] uses this for every property it meets; the editor
    /// can use it on each input.
    pub fn problem(&self, value: &Value) -> Option<String> {
        match self.control {
            Control::Bool => {
                (!value.is_boolean()).then(|| "true か false で指定してください。".into())
            }
            Control::Integer { min, max } => match value.as_i64() {
                Some(n) if (min..=max).contains(&n) => None,
                Some(_) => Some(format!("{min}〜{max} の整数で指定してください。")),
                None => Some("整数で指定してください。".into()),
            },
            Control::Action => match value {
                Value::Object(action) if action.get("type").is_some_and(Value::is_string) => None,
                Value::Object(_) => Some("動作の種類（type）を文字列で指定してください。".into()),
                _ => Some("動作はオブジェクトで指定してください。".into()),
            },
            _ => match value.as_str() {
                Some(s) => self.text_problem(s),
                None => Some("文字列で指定してください。".into()),
            },
        }
    }

    fn text_problem(&self, s: &str) -> Option<String> {
        match self.control {
            Control::Keyword(keywords) => (!keywords.contains(&s))
                .then(|| format!("{} のいずれかを指定してください。", keywords.join(", "))),
            Control::Size {
                keywords,
                px,
                percent,
            } => {
                // LINE documents offsets as pixels without saying "positive" (other sizes are
                // "positive"); real messages move things up with e.g. "-2px".
                let signed = self.name.starts_with("offset");
                let ok = keywords.contains(&s)
                    || (px && s.strip_suffix("px").is_some_and(|n| is_length(n, signed)))
                    || (percent && s.strip_suffix('%').is_some_and(|n| is_length(n, signed)));
                (!ok).then(|| size_hint(keywords, px, percent))
            }
            Control::Color => {
                (!is_color(s)).then(|| "#RRGGBB または #RRGGBBAA の形式で指定してください。".into())
            }
            Control::AspectRatio => (!is_aspect_ratio(s)).then(|| {
                "「幅:高さ」の形式で指定してください（各1〜100000、高さは幅の3倍まで）。".into()
            }),
            // The gradient angle is the one free-text property with a form of its own.
            Control::Text { .. } if self.name == "background/angle" => (!is_angle(s))
                .then(|| "90deg のように 0deg 以上 360deg 未満で指定してください。".into()),
            Control::Text { max: Some(max), .. } => {
                let actual = s.encode_utf16().count();
                (actual > max).then(|| format!("{max}文字以内にしてください（現在{actual}文字）。"))
            }
            _ => None,
        }
    }
}

fn size_hint(keywords: &[&str], px: bool, percent: bool) -> String {
    let mut forms = Vec::new();
    if !keywords.is_empty() {
        forms.push(keywords.join(", "));
    }
    if px {
        forms.push("12px のようなピクセル値".to_owned());
    }
    if percent {
        forms.push("50% のような割合".to_owned());
    }
    format!("{} で指定してください。", forms.join("、または "))
}

/// A non-negative decimal ("12", "23.5"), or a signed one when `signed`.
fn is_length(n: &str, signed: bool) -> bool {
    let n = if signed {
        n.strip_prefix('-').unwrap_or(n)
    } else {
        n
    };
    let (whole, fraction) = n.split_once('.').unwrap_or((n, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction)
}

fn is_color(s: &str) -> bool {
    s.strip_prefix('#')
        .is_some_and(|hex| matches!(hex.len(), 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// "W:H", each 1 to 100000 (LINE's own examples use decimals: "1.91:1"), H at most 3 × W.
fn is_aspect_ratio(s: &str) -> bool {
    let number = |n: &str| {
        is_length(n, false)
            .then(|| n.parse::<f64>().ok())
            .flatten()
            .filter(|v| (1.0..=100_000.0).contains(v))
    };
    match s.split_once(':') {
        Some((w, h)) => match (number(w), number(h)) {
            (Some(w), Some(h)) => h <= 3.0 * w,
            _ => false,
        },
        None => false,
    }
}

/// "Ndeg" with 0 ≤ N < 360.
fn is_angle(s: &str) -> bool {
    s.strip_suffix("deg")
        .is_some_and(|n| is_length(n, false) && n.parse::<f64>().is_ok_and(|v| v < 360.0))
}

// The table. Properties several kinds share are written once.

const I32_MAX: i64 = i32::MAX as i64;
const SPACING: Control = Control::Size {
    keywords: SPACING_KEYWORDS,
    px: true,
    percent: false,
};
const PADDING: Control = Control::Size {
    keywords: SPACING_KEYWORDS,
    px: true,
    percent: true,
};
const LENGTH: Control = Control::Size {
    keywords: &[],
    px: true,
    percent: true,
};
const FONT_SIZE: Control = Control::Size {
    keywords: TEXT_SIZES,
    px: true,
    percent: false,
};

const FLEX: Property = Property::new(
    "flex",
    "伸縮比 (flex)",
    GROUP_SIZE,
    Control::Integer {
        min: 0,
        max: I32_MAX,
    },
)
.with_help("親のボックスの中で占める割合です。未指定なら横並びで 1、縦並びで 0 です。");
const MARGIN: Property = Property::new("margin", "前との間隔", GROUP_SPACE, SPACING)
    .with_help("直前の部品との間隔です。親の「子要素の間隔」より優先されます。");
const POSITION: Property = Property::new(
    "position",
    "位置の基準",
    GROUP_PLACEMENT,
    Control::Keyword(POSITIONS),
)
.default_is("relative")
.with_help("absolute にすると親のボックスの端を基準に重ねて置けます。");
const OFFSET: Control = PADDING;
const OFFSET_TOP: Property = Property::new("offsetTop", "上のずらし", GROUP_PLACEMENT, OFFSET);
const OFFSET_BOTTOM: Property =
    Property::new("offsetBottom", "下のずらし", GROUP_PLACEMENT, OFFSET);
const OFFSET_START: Property =
    Property::new("offsetStart", "開始側のずらし", GROUP_PLACEMENT, OFFSET)
        .with_help("左から右へ書く向き（ltr）では左側です。");
const OFFSET_END: Property = Property::new("offsetEnd", "終了側のずらし", GROUP_PLACEMENT, OFFSET)
    .with_help("左から右へ書く向き（ltr）では右側です。");
const ALIGN: Property = Property::new("align", "横位置", GROUP_PLACEMENT, Control::Keyword(ALIGNS));
const GRAVITY: Property = Property::new(
    "gravity",
    "縦位置",
    GROUP_PLACEMENT,
    Control::Keyword(GRAVITIES),
)
.default_is("top")
.with_help("部品の高さに余りがあるときの縦の位置です。");
const ADJUST_MODE: Property = Property::new(
    "adjustMode",
    "自動縮小",
    GROUP_TEXT,
    Control::Keyword(ADJUST_MODES),
)
.with_help("入りきらない文字を縮小します（端末によっては効きません）。");
const SCALING: Property = Property::new(
    "scaling",
    "文字サイズ設定に合わせる",
    GROUP_TEXT,
    Control::Bool,
)
.default_is("false")
.with_help("LINE アプリの文字サイズ設定に合わせて拡大・縮小します。");
const ACTION: Property = Property::new(
    "action",
    "タップしたときの動作",
    GROUP_ACTION,
    Control::Action,
);
const WEIGHT: Property =
    Property::new("weight", "太さ", GROUP_TEXT, Control::Keyword(WEIGHTS)).default_is("regular");
const FONT_STYLE: Property = Property::new(
    "style",
    "字形（斜体）",
    GROUP_TEXT,
    Control::Keyword(FONT_STYLES),
)
.default_is("normal");
const DECORATION: Property = Property::new(
    "decoration",
    "装飾",
    GROUP_TEXT,
    Control::Keyword(DECORATIONS),
)
.default_is("none");
const TEXT_COLOR: Property = Property::new("color", "文字色", GROUP_TEXT, Control::Color);
const ASPECT_RATIO: Property =
    Property::new("aspectRatio", "縦横比", GROUP_SIZE, Control::AspectRatio)
        .default_is("1:1")
        .with_help("幅:高さ（例 20:13）。高さは幅の3倍までです。");

/// The three style properties of one bubble block (`styles/<block>/…`).
macro_rules! block_style {
    ($block:literal, $ja:literal) => {
        [
            Property::new(
                concat!("styles/", $block, "/backgroundColor"),
                concat!($ja, "の背景色"),
                GROUP_STYLE,
                Control::Color,
            ),
            Property::new(
                concat!("styles/", $block, "/separator"),
                concat!($ja, "の上に区切り線"),
                GROUP_STYLE,
                Control::Bool,
            )
            .default_is("false")
            .with_help("最初のブロックの上には引けません。"),
            Property::new(
                concat!("styles/", $block, "/separatorColor"),
                concat!($ja, "の区切り線の色"),
                GROUP_STYLE,
                Control::Color,
            ),
        ]
    };
}

const HEADER_STYLE: [Property; 3] = block_style!("header", "ヘッダー");
const HERO_STYLE: [Property; 3] = block_style!("hero", "ヒーロー");
const BODY_STYLE: [Property; 3] = block_style!("body", "ボディ");
const FOOTER_STYLE: [Property; 3] = block_style!("footer", "フッター");

static BUBBLE: &[Property] = &[
    Property::new(
        "direction",
        "書く向き",
        GROUP_PLACEMENT,
        Control::Keyword(DIRECTIONS),
    )
    .default_is("ltr")
    .with_help("rtl は右から左へ書く言語用です。"),
    Property::new(
        "size",
        "バブルの幅",
        GROUP_SIZE,
        Control::Keyword(BUBBLE_SIZES),
    )
    .default_is("mega")
    .with_help(
        "カルーセルでは全バブルを同じ幅にします。deca と hecto は古いアプリでは kilo になります。",
    ),
    HEADER_STYLE[0],
    HEADER_STYLE[1],
    HEADER_STYLE[2],
    HERO_STYLE[0],
    HERO_STYLE[1],
    HERO_STYLE[2],
    BODY_STYLE[0],
    BODY_STYLE[1],
    BODY_STYLE[2],
    FOOTER_STYLE[0],
    FOOTER_STYLE[1],
    FOOTER_STYLE[2],
    Property {
        label: "バブルをタップしたときの動作",
        ..ACTION
    },
];

static BOX: &[Property] = &[
    Property::new(
        "layout",
        "並べ方",
        GROUP_PLACEMENT,
        Control::Keyword(LAYOUTS),
    )
    .mandatory()
    .with_help("vertical は縦、horizontal は横、baseline は文字の下端をそろえて横に並べます。"),
    Property::new(
        "justifyContent",
        "並べる方向の寄せ方",
        GROUP_PLACEMENT,
        Control::Keyword(JUSTIFY_CONTENTS),
    )
    .with_help("子要素の伸縮比がすべて 0 のときに効きます。"),
    Property::new(
        "alignItems",
        "直交方向の寄せ方",
        GROUP_PLACEMENT,
        Control::Keyword(ALIGN_ITEMS),
    ),
    POSITION,
    OFFSET_TOP,
    OFFSET_BOTTOM,
    OFFSET_START,
    OFFSET_END,
    Property::new("spacing", "子要素の間隔", GROUP_SPACE, SPACING).default_is("none"),
    MARGIN,
    Property::new("paddingAll", "内側の余白", GROUP_SPACE, PADDING).with_help(
        "上下左右の余白です。上・下・開始側・終了側を個別に指定するとそちらが優先されます。",
    ),
    Property::new("paddingTop", "内側の余白（上）", GROUP_SPACE, PADDING),
    Property::new("paddingBottom", "内側の余白（下）", GROUP_SPACE, PADDING),
    Property::new("paddingStart", "内側の余白（開始側）", GROUP_SPACE, PADDING),
    Property::new("paddingEnd", "内側の余白（終了側）", GROUP_SPACE, PADDING),
    FLEX,
    Property::new("width", "幅", GROUP_SIZE, LENGTH),
    Property::new("maxWidth", "最大幅", GROUP_SIZE, LENGTH),
    Property::new("height", "高さ", GROUP_SIZE, LENGTH),
    Property::new("maxHeight", "最大高さ", GROUP_SIZE, LENGTH),
    Property::new("backgroundColor", "背景色", GROUP_STYLE, Control::Color)
        .default_is("#00000000")
        .with_help("#RRGGBBAA で透明度も指定できます。"),
    Property::new("borderColor", "枠線の色", GROUP_STYLE, Control::Color),
    Property::new(
        "borderWidth",
        "枠線の太さ",
        GROUP_STYLE,
        Control::Size {
            keywords: BORDER_WIDTHS,
            px: true,
            percent: false,
        },
    ),
    Property::new(
        "cornerRadius",
        "角の丸み",
        GROUP_STYLE,
        Control::Size {
            keywords: CORNER_RADII,
            px: true,
            percent: false,
        },
    )
    .default_is("none"),
    Property::new(
        "background/type",
        "背景のグラデーション",
        GROUP_STYLE,
        Control::Keyword(BACKGROUND_TYPES),
    )
    .mandatory()
    .with_help("背景色の代わりに線形グラデーションを描きます。"),
    Property::new(
        "background/angle",
        "グラデーションの角度",
        GROUP_STYLE,
        Control::Text {
            max: None,
            multiline: false,
        },
    )
    .mandatory()
    .with_help("0deg は下から上、90deg は左から右です。"),
    Property::new(
        "background/startColor",
        "グラデーションの開始色",
        GROUP_STYLE,
        Control::Color,
    )
    .mandatory(),
    Property::new(
        "background/endColor",
        "グラデーションの終了色",
        GROUP_STYLE,
        Control::Color,
    )
    .mandatory(),
    Property::new(
        "background/centerColor",
        "グラデーションの中間色",
        GROUP_STYLE,
        Control::Color,
    ),
    Property::new(
        "background/centerPosition",
        "中間色の位置",
        GROUP_STYLE,
        Control::Size {
            keywords: &[],
            px: false,
            percent: true,
        },
    )
    .default_is("50%"),
    ACTION,
];

static BUTTON: &[Property] = &[
    // A button's action is its content: the label staff write and what it does.
    Property::new("action", "ボタンの動作", GROUP_CONTENT, Control::Action)
        .mandatory()
        .with_help("ボタンの文字は動作のラベルです（40文字以内）。"),
    ADJUST_MODE,
    SCALING,
    GRAVITY,
    POSITION,
    OFFSET_TOP,
    OFFSET_BOTTOM,
    OFFSET_START,
    OFFSET_END,
    MARGIN,
    Property::new(
        "height",
        "ボタンの高さ",
        GROUP_SIZE,
        Control::Keyword(BUTTON_HEIGHTS),
    )
    .default_is("md"),
    FLEX,
    Property::new(
        "style",
        "ボタンの種類",
        GROUP_STYLE,
        Control::Keyword(BUTTON_STYLES),
    )
    .default_is("link")
    .with_help("primary は濃い色、secondary は薄い色の背景、link は文字だけです。"),
    Property::new("color", "ボタンの色", GROUP_STYLE, Control::Color)
        .with_help("link では文字の色、primary と secondary では背景の色です。"),
];

static IMAGE: &[Property] = &[
    Property::new("url", "画像の URL", GROUP_CONTENT, Control::Url)
        .mandatory()
        .with_help("https の JPEG か PNG（1024×1024 ピクセル、10MB まで）。"),
    Property::new("animated", "アニメーション", GROUP_CONTENT, Control::Bool)
        .default_is("false")
        .with_help("APNG を動かします（1通に10枚まで、1枚 300KB まで）。"),
    Property {
        default: Some("center"),
        ..ALIGN
    },
    GRAVITY,
    POSITION,
    OFFSET_TOP,
    OFFSET_BOTTOM,
    OFFSET_START,
    OFFSET_END,
    MARGIN,
    Property::new(
        "size",
        "画像の幅",
        GROUP_SIZE,
        Control::Size {
            keywords: IMAGE_SIZES,
            px: true,
            percent: true,
        },
    )
    .default_is("md")
    .with_help("full で親の幅いっぱいになります。"),
    ASPECT_RATIO,
    Property::new(
        "aspectMode",
        "枠への収め方",
        GROUP_SIZE,
        Control::Keyword(ASPECT_MODES),
    )
    .default_is("fit")
    .with_help("cover は枠いっぱいに広げてはみ出しを切り、fit は全体を収めます。"),
    FLEX,
    Property::new("backgroundColor", "背景色", GROUP_STYLE, Control::Color)
        .with_help("fit で余った部分の色です。"),
    ACTION,
];

static VIDEO: &[Property] = &[
    Property::new("url", "動画の URL", GROUP_CONTENT, Control::Url)
        .mandatory()
        .with_help("https の mp4（200MB まで）。"),
    Property::new(
        "previewUrl",
        "プレビュー画像の URL",
        GROUP_CONTENT,
        Control::Url,
    )
    .mandatory()
    .with_help("https の JPEG か PNG（1MB まで）。"),
    Property {
        help: "動画とプレビュー画像の縦横比にそろえます。",
        ..ASPECT_RATIO
    },
    Property {
        help: "URI の動作（ページを開く）だけを指定できます。",
        ..ACTION
    },
];

static ICON: &[Property] = &[
    Property::new("url", "アイコンの URL", GROUP_CONTENT, Control::Url)
        .mandatory()
        .with_help("https の JPEG か PNG（1MB まで）。"),
    SCALING,
    POSITION,
    OFFSET_TOP,
    OFFSET_BOTTOM,
    OFFSET_START,
    OFFSET_END,
    MARGIN,
    Property::new(
        "size",
        "アイコンの大きさ",
        GROUP_SIZE,
        Control::Size {
            keywords: ICON_SIZES,
            px: true,
            percent: false,
        },
    )
    .default_is("md"),
    ASPECT_RATIO,
];

static TEXT: &[Property] = &[
    // LINE makes `text` optional because spans may replace it; check requires one of the two.
    Property::new(
        "text",
        "テキスト",
        GROUP_CONTENT,
        Control::Text {
            max: None,
            multiline: true,
        },
    )
    .with_help("スパンを入れたときはスパンが表示されます。"),
    Property::new("size", "文字サイズ", GROUP_TEXT, FONT_SIZE).default_is("md"),
    TEXT_COLOR,
    WEIGHT,
    FONT_STYLE,
    Property {
        help: "テキストの装飾はスパンで上書きできません。",
        ..DECORATION
    },
    Property::new("wrap", "折り返す", GROUP_TEXT, Control::Bool)
        .default_is("false")
        .with_help("長い文を折り返し、改行も表示します。"),
    Property::new(
        "maxLines",
        "最大行数",
        GROUP_TEXT,
        Control::Integer {
            min: 0,
            max: I32_MAX,
        },
    )
    .default_is("0")
    .with_help("超えた分は「…」で省略されます。0 は制限なしです。"),
    Property::new(
        "lineSpacing",
        "行間",
        GROUP_TEXT,
        Control::Size {
            keywords: &[],
            px: true,
            percent: false,
        },
    )
    .with_help("折り返した行の間を広げます。"),
    ADJUST_MODE,
    SCALING,
    ALIGN,
    GRAVITY,
    POSITION,
    OFFSET_TOP,
    OFFSET_BOTTOM,
    OFFSET_START,
    OFFSET_END,
    MARGIN,
    FLEX,
    ACTION,
];

static SPAN: &[Property] = &[
    Property::new(
        "text",
        "テキスト",
        GROUP_CONTENT,
        Control::Text {
            max: None,
            multiline: true,
        },
    ),
    Property::new("size", "文字サイズ", GROUP_TEXT, FONT_SIZE)
        .with_help("未指定ではテキストの文字サイズになります。"),
    TEXT_COLOR,
    WEIGHT,
    FONT_STYLE,
    DECORATION,
];

static SEPARATOR: &[Property] = &[
    MARGIN,
    Property::new("color", "線の色", GROUP_STYLE, Control::Color),
];

static FILLER: &[Property] = &[Property {
    help: "空きを埋める部品です（非推奨: 余白や寄せ方で置き換えられます）。",
    ..FLEX
}];

/// Where a child goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    CarouselContents,
    Header,
    Hero,
    Body,
    Footer,
    BoxContents(Layout),
    TextContents,
    VideoAltContent,
}

impl Place {
    /// The kinds LINE accepts here.
    pub fn allowed(self) -> &'static [NodeKind] {
        use NodeKind as K;
        match self {
            Place::CarouselContents => &[K::Bubble],
            Place::Header | Place::Body | Place::Footer => &[K::Box],
            // A video only ever goes here (and in a kilo, mega or giga bubble outside a carousel).
            Place::Hero => &[K::Box, K::Image, K::Video],
            Place::BoxContents(Layout::Horizontal | Layout::Vertical) => &[
                K::Box,
                K::Button,
                K::Image,
                K::Text,
                K::Separator,
                K::Filler,
            ],
            Place::BoxContents(Layout::Baseline) => &[K::Icon, K::Text, K::Filler],
            Place::TextContents => &[K::Span],
            Place::VideoAltContent => &[K::Box, K::Image],
        }
    }

    /// How many children LINE accepts here (None: no limit but the JSON size).
    pub fn max_children(self) -> Option<usize> {
        match self {
            Place::CarouselContents => Some(crate::validate::MAX_CAROUSEL_BUBBLES),
            Place::Header | Place::Hero | Place::Body | Place::Footer | Place::VideoAltContent => {
                Some(1)
            }
            Place::BoxContents(_) | Place::TextContents => None,
        }
    }

    /// Where this is, for staff ("縦並び（vertical）のボックス").
    pub fn name_ja(self) -> &'static str {
        match self {
            Place::CarouselContents => "カルーセル",
            Place::Header => "ヘッダー",
            Place::Hero => "ヒーロー",
            Place::Body => "ボディ",
            Place::Footer => "フッター",
            Place::BoxContents(Layout::Vertical) => "縦並び（vertical）のボックス",
            Place::BoxContents(Layout::Horizontal) => "横並び（horizontal）のボックス",
            Place::BoxContents(Layout::Baseline) => "ベースライン（baseline）のボックス",
            Place::TextContents => "テキストの中",
            Place::VideoAltContent => "動画の代わりの表示（altContent）",
        }
    }
}

/// The layout a box's JSON names, if it names a valid one.
fn layout_of(node: &Value) -> Option<Layout> {
    match node.get("layout")?.as_str()? {
        "vertical" => Some(Layout::Vertical),
        "horizontal" => Some(Layout::Horizontal),
        "baseline" => Some(Layout::Baseline),
        _ => None,
    }
}

/// Where the children of the node go, by JSON key, and whether the key holds an array. A box
/// without a valid `layout` is read as vertical (the editor's default for a new box).
pub fn child_slots(node: &Value) -> Vec<(&'static str, Place, bool)> {
    let kind = node
        .get("type")
        .and_then(Value::as_str)
        .and_then(NodeKind::from_type_name);
    match kind {
        Some(NodeKind::Bubble) => vec![
            ("header", Place::Header, false),
            ("hero", Place::Hero, false),
            ("body", Place::Body, false),
            ("footer", Place::Footer, false),
        ],
        Some(NodeKind::Carousel) => vec![("contents", Place::CarouselContents, true)],
        Some(NodeKind::Box) => {
            let layout = layout_of(node).unwrap_or(Layout::Vertical);
            vec![("contents", Place::BoxContents(layout), true)]
        }
        Some(NodeKind::Text) => vec![("contents", Place::TextContents, true)],
        Some(NodeKind::Video) => vec![("altContent", Place::VideoAltContent, false)],
        _ => Vec::new(),
    }
}

/// Child keys LINE requires (an empty box still needs `"contents": []`).
fn slot_required(kind: NodeKind, key: &str) -> bool {
    matches!(
        (kind, key),
        (NodeKind::Carousel, "contents")
            | (NodeKind::Box, "contents")
            | (NodeKind::Video, "altContent")
    )
}

#[derive(Clone, Debug, PartialEq)]
pub struct JsonProblem {
    /// RFC 6901, relative to the container: "/body/contents/2/url"; "" for the root.
    pub pointer: String,
    /// Japanese, for staff.
    pub message: String,
    pub fix: Option<Fix>,
}

/// An automatic repair the editor can offer for a problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fix {
    /// [`convert_spacers`].
    SpacerToMargin,
}

/// Checks a Flex container (bubble or carousel) JSON against the table: unknown properties
/// (reported with their pointer, never dropped), unknown or misplaced `type`s, wrong JSON kinds,
/// keywords not in the list, sizes the control does not accept, malformed colours, missing
/// required properties and the deprecated `spacer` (fix: [`Fix::SpacerToMargin`]). Action objects
/// are only checked to be objects with a string `type`; [`crate::validate`] checks the rest, and
/// the limits (lengths, https, sizes in bytes) of the typed message.
pub fn check(container: &Value) -> Vec<JsonProblem> {
    let mut checker = Checker::default();
    checker.node(container, "", Where::Root, Bubble::default());
    checker.problems
}

/// Where a node being checked is.
#[derive(Clone, Copy)]
enum Where {
    /// The container itself: a bubble or a carousel.
    Root,
    In(Place),
    /// In a box whose layout is unknown (already reported): no placement check.
    Unknown,
}

/// What a video needs to know about its bubble.
#[derive(Clone, Copy, Default)]
struct Bubble<'a> {
    in_carousel: bool,
    size: Option<&'a str>,
}

#[derive(Default)]
struct Checker {
    problems: Vec<JsonProblem>,
}

impl Checker {
    fn push(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.problems.push(JsonProblem {
            pointer: pointer.into(),
            message: message.into(),
            fix: None,
        });
    }

    fn node<'a>(&mut self, value: &'a Value, pointer: &str, at: Where, bubble: Bubble<'a>) {
        let Some(object) = value.as_object() else {
            self.push(
                pointer,
                "部品は { } で囲んだオブジェクトで指定してください。",
            );
            return;
        };
        let kind = match object.get("type") {
            None => {
                self.push(
                    format!("{pointer}/type"),
                    "部品の種類（type）を指定してください。",
                );
                return;
            }
            Some(Value::String(t)) if t == "spacer" => {
                let in_box = matches!(at, Where::In(Place::BoxContents(_)) | Where::Unknown);
                self.problems.push(JsonProblem {
                    pointer: pointer.to_owned(),
                    message: if in_box {
                        "スペーサー（spacer）は廃止され、LINE が受け付けません。次の部品の「前との間隔」に置き換えてください。".into()
                    } else {
                        "スペーサー（spacer）は廃止され、LINE が受け付けません。削除してください。".into()
                    },
                    fix: in_box.then_some(Fix::SpacerToMargin),
                });
                return;
            }
            Some(Value::String(t)) => match NodeKind::from_type_name(t) {
                Some(kind) => kind,
                // A whole message pasted where its Flex contents belong.
                None if t == "flex" && matches!(at, Where::Root) => {
                    self.push(
                        "",
                        "メッセージ全体ではなく、その contents（bubble か carousel）を貼り付けてください。",
                    );
                    return;
                }
                None => {
                    self.push(
                        format!("{pointer}/type"),
                        format!("「{t}」という部品はありません。"),
                    );
                    return;
                }
            },
            Some(_) => {
                self.push(
                    format!("{pointer}/type"),
                    "部品の種類（type）は文字列で指定してください。",
                );
                return;
            }
        };
        self.placement(kind, pointer, at, bubble);
        self.properties(object, pointer, kind, "");
        if kind == NodeKind::Text
            && !object.contains_key("text")
            && !object.contains_key("contents")
        {
            self.push(
                format!("{pointer}/text"),
                "テキスト: 文字（text）かスパン（contents）を指定してください。",
            );
        }
        let bubble = match kind {
            NodeKind::Bubble => Bubble {
                in_carousel: matches!(at, Where::In(Place::CarouselContents)),
                size: object.get("size").and_then(Value::as_str),
            },
            _ => bubble,
        };
        // A box with an invalid layout has been reported; its children are not judged by it.
        let known_layout = kind != NodeKind::Box || layout_of(value).is_some();
        for (key, place, many) in child_slots(value) {
            let at = if known_layout {
                Where::In(place)
            } else {
                Where::Unknown
            };
            let slot = format!("{pointer}/{key}");
            match object.get(key) {
                None if slot_required(kind, key) => {
                    self.push(
                        slot,
                        format!("{}: 「{key}」を指定してください。", kind.name_ja()),
                    );
                }
                None => {}
                Some(Value::Array(items)) if many => {
                    if let Some(max) = place.max_children().filter(|&max| items.len() > max) {
                        self.push(
                            &slot,
                            format!(
                                "{}には{max}個まで入れられます（現在{}個）。",
                                place.name_ja(),
                                items.len()
                            ),
                        );
                    }
                    if place == Place::CarouselContents && items.is_empty() {
                        self.push(&slot, "カルーセルにはバブルを1つ以上入れてください。");
                    }
                    for (i, item) in items.iter().enumerate() {
                        self.node(item, &format!("{slot}/{i}"), at, bubble);
                    }
                }
                Some(_) if many => self.push(
                    slot,
                    format!("「{key}」は [ ] で囲んだ配列で指定してください。"),
                ),
                Some(child) => self.node(child, &slot, at, bubble),
            }
        }
    }

    fn placement(&mut self, kind: NodeKind, pointer: &str, at: Where, bubble: Bubble<'_>) {
        match at {
            Where::Root if !matches!(kind, NodeKind::Bubble | NodeKind::Carousel) => self.push(
                pointer,
                format!(
                    "いちばん外側はバブルかカルーセルにしてください（{}は置けません）。",
                    kind.name_ja()
                ),
            ),
            Where::In(place) if !place.allowed().contains(&kind) => {
                let allowed: Vec<&str> = place.allowed().iter().map(|k| k.name_ja()).collect();
                self.push(
                    pointer,
                    format!(
                        "{}は{}には置けません。置けるのは{}です。",
                        kind.name_ja(),
                        place.name_ja(),
                        allowed.join("・")
                    ),
                );
            }
            Where::In(Place::Hero) if kind == NodeKind::Video => {
                if bubble.in_carousel {
                    self.push(pointer, "動画はカルーセルのバブルには置けません。");
                }
                if bubble
                    .size
                    .is_some_and(|s| !VIDEO_BUBBLE_SIZES.contains(&s))
                {
                    self.push(
                        pointer,
                        "動画を置くにはバブルの幅を kilo・mega・giga のいずれかにしてください。",
                    );
                }
            }
            _ => {}
        }
    }

    /// The properties of `object`, the node itself (`prefix` "") or one of its nested objects
    /// (`prefix` "styles/header/").
    fn properties(
        &mut self,
        object: &Map<String, Value>,
        pointer: &str,
        kind: NodeKind,
        prefix: &str,
    ) {
        let slots = child_slot_keys(kind);
        for (key, value) in object {
            if prefix.is_empty() && (key == "type" || slots.contains(&key.as_str())) {
                continue;
            }
            let name = format!("{prefix}{key}");
            let at = format!("{pointer}/{}", escape(key));
            if let Some(property) = kind.property(&name) {
                if let Some(problem) = property.problem(value) {
                    self.push(at, format!("{}: {problem}", property.label));
                }
            } else if is_nested_object(kind, &name) {
                match value.as_object() {
                    Some(inner) => self.properties(inner, &at, kind, &format!("{name}/")),
                    None => self.push(
                        at,
                        format!("「{key}」は {{ }} で囲んだオブジェクトで指定してください。"),
                    ),
                }
            } else {
                self.push(
                    at,
                    format!(
                        "「{key}」は{}にない項目です。削除するか、正しい名前にしてください。",
                        kind.name_ja()
                    ),
                );
            }
        }
        for property in kind.properties().iter().filter(|p| p.required) {
            // Only the properties of this object itself, not those of objects nested in it.
            let Some(key) = property
                .name
                .strip_prefix(prefix)
                .filter(|k| !k.contains('/'))
            else {
                continue;
            };
            if !object.contains_key(key) {
                self.push(
                    format!("{pointer}/{}", escape(key)),
                    format!(
                        "{}（{}）を指定してください。",
                        property.label, property.name
                    ),
                );
            }
        }
    }
}

/// The JSON keys of the child lists of `kind`.
fn child_slot_keys(kind: NodeKind) -> &'static [&'static str] {
    match kind {
        NodeKind::Bubble => &["header", "hero", "body", "footer"],
        NodeKind::Carousel | NodeKind::Box | NodeKind::Text => &["contents"],
        NodeKind::Video => &["altContent"],
        _ => &[],
    }
}

/// Whether `name` is an object holding properties of `kind` ("styles", "styles/header").
fn is_nested_object(kind: NodeKind, name: &str) -> bool {
    kind.properties().iter().any(|p| {
        p.name
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// A JSON object key as an RFC 6901 pointer segment.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Pixels of the spacing keywords as LINE's Flex Message Simulator draws them (LINE publishes
/// no numbers); used only to add up gaps when a spacer is converted.
const SPACING_PX: [(&str, f64); 7] = [
    ("none", 0.0),
    ("xs", 2.0),
    ("sm", 4.0),
    ("md", 8.0),
    ("lg", 12.0),
    ("xl", 16.0),
    ("xxl", 20.0),
];

/// A gap in pixels: a spacing keyword or "Npx" (a percentage cannot be added to pixels).
fn gap_px(value: &str) -> Option<f64> {
    SPACING_PX
        .iter()
        .find(|(k, _)| *k == value)
        .map(|&(_, px)| px)
        .or_else(|| value.strip_suffix("px").and_then(|n| n.parse().ok()))
}

fn format_px(px: f64) -> String {
    let rounded = (px * 100.0).round() / 100.0;
    format!("{rounded}px")
}

/// A block's own padding when it sets none, as the Flex Message Simulator draws it (LINE
/// publishes no numbers): (bottom, end) in pixels. A trailing spacer in a block adds to this,
/// so the block's edge stays where it was.
fn block_padding(bubble_size: &str, block: &str, has_footer: bool) -> Option<(f64, f64)> {
    let (side, bottom, body_above_footer) = match bubble_size {
        "nano" | "micro" => (10.0, 10.0, 10.0),
        "deca" | "hecto" => (14.0, 13.0, 17.0),
        "kilo" => (13.0, 13.0, 17.0),
        _ => (20.0, 20.0, 10.0),
    };
    match block {
        "header" => Some((bottom, side)),
        "body" if has_footer => Some((body_above_footer, side)),
        "body" => Some((bottom, side)),
        "footer" => Some((10.0, 10.0)),
        // The hero has no padding of its own.
        _ => None,
    }
}

/// Replaces every deprecated `spacer` in a box by the equivalent gap and removes it: the
/// spacer's size becomes the `margin` of the following sibling (LINE ignores the parent's
/// spacing around a spacer, and a margin overrides that spacing, so the gap stays the same), or,
/// when nothing with a margin follows, the box's bottom padding (its end padding in a horizontal
/// or baseline box). Gaps that meet an existing margin or padding are added up in pixels.
/// Returns how many spacers were converted.
pub fn convert_spacers(container: &mut Value) -> usize {
    match container.get("type").and_then(Value::as_str) {
        Some("bubble") => convert_bubble(container),
        Some("carousel") => match container.get_mut("contents") {
            Some(Value::Array(bubbles)) => bubbles.iter_mut().map(convert_bubble).sum(),
            _ => 0,
        },
        _ => convert_tree(container, None),
    }
}

fn convert_bubble(bubble: &mut Value) -> usize {
    let size = bubble
        .get("size")
        .and_then(Value::as_str)
        .unwrap_or("mega")
        .to_owned();
    let has_footer = bubble.get("footer").is_some();
    let mut converted = 0;
    for block in ["header", "hero", "body", "footer"] {
        if let Some(node) = bubble.get_mut(block) {
            converted += convert_tree(node, block_padding(&size, block, has_footer));
        }
    }
    converted
}

/// Converts the spacers in `value` and below; `block` is the default padding when `value` is
/// the box of a bubble block.
fn convert_tree(value: &mut Value, block: Option<(f64, f64)>) -> usize {
    match value {
        Value::Object(object) => {
            let mut converted = 0;
            if object.get("type").and_then(Value::as_str) == Some("box") {
                converted += convert_box(object, block);
            }
            for child in object.values_mut() {
                converted += convert_tree(child, None);
            }
            converted
        }
        Value::Array(items) => items.iter_mut().map(|item| convert_tree(item, None)).sum(),
        _ => 0,
    }
}

fn is_spacer(value: &Value) -> bool {
    value.get("type").and_then(Value::as_str) == Some("spacer")
}

/// A spacer's size; LINE's default `md` where it has none LINE would accept.
fn spacer_size(spacer: &Value) -> String {
    spacer
        .get("size")
        .and_then(Value::as_str)
        .filter(|s| {
            SPACER_SIZES.contains(s) || s.strip_suffix("px").is_some_and(|n| is_length(n, false))
        })
        .unwrap_or("md")
        .to_owned()
}

/// `existing` (or `implicit_px` when absent) plus the gaps: a lone keyword stays a keyword.
fn add_gaps(existing: Option<&str>, implicit_px: f64, gaps: &[String]) -> Option<String> {
    if let ([gap], None) = (gaps, existing)
        && implicit_px == 0.0
    {
        return Some(gap.clone());
    }
    let base = match existing {
        Some(value) => gap_px(value)?,
        None => implicit_px,
    };
    let added: Option<f64> = gaps.iter().map(|g| gap_px(g)).sum();
    Some(format_px(base + added?))
}

fn convert_box(object: &mut Map<String, Value>, block: Option<(f64, f64)>) -> usize {
    let Some(Value::Array(contents)) = object.get_mut("contents") else {
        return 0;
    };
    if !contents.iter().any(is_spacer) {
        return 0;
    }
    let mut kept = Vec::with_capacity(contents.len());
    let mut pending: Vec<String> = Vec::new();
    let mut converted = 0;
    for mut item in std::mem::take(contents) {
        if is_spacer(&item) {
            pending.push(spacer_size(&item));
            converted += 1;
            continue;
        }
        // A filler has no margin: the gap goes to the next sibling that has one.
        let takes_margin = item
            .get("type")
            .and_then(Value::as_str)
            .and_then(NodeKind::from_type_name)
            .is_some_and(|k| k.property("margin").is_some());
        if takes_margin
            && !pending.is_empty()
            && let Some(sibling) = item.as_object_mut()
        {
            let margin = sibling.get("margin").and_then(Value::as_str);
            // A margin that cannot be added to (not a size LINE accepts) is replaced.
            let merged = add_gaps(margin, 0.0, &pending)
                .or_else(|| add_gaps(None, 0.0, &pending))
                .unwrap_or_default();
            sibling.insert("margin".into(), Value::String(merged));
            pending.clear();
        }
        kept.push(item);
    }
    *contents = kept;
    if !pending.is_empty() {
        // The gap lies along the box's main axis: below in a vertical box, at the end otherwise.
        let vertical = !matches!(
            object.get("layout").and_then(Value::as_str),
            Some("horizontal" | "baseline")
        );
        let (bottom, end) = block.unwrap_or_default();
        let (side, implicit) = if vertical {
            ("paddingBottom", bottom)
        } else {
            ("paddingEnd", end)
        };
        let existing = object
            .get(side)
            .or_else(|| object.get("paddingAll"))
            .and_then(Value::as_str);
        // A percentage padding cannot take pixels; it is kept as it is.
        if let Some(padding) = add_gaps(existing, implicit, &pending) {
            object.insert(side.into(), Value::String(padding));
        }
    }
    converted
}

/// The RFC 6901 pointer inside the container for a [`crate::validate`] path of message `index`
/// (`messages[0].contents.body.contents[2].url` → `/body/contents/2/url`); None when the path
/// is not inside that message's Flex contents.
pub fn pointer_from_path(path: &str, index: usize) -> Option<String> {
    let mut rest = path.strip_prefix(&format!("messages[{index}].contents"))?;
    let mut pointer = String::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let (key, tail) = after.split_at(end);
            if key.is_empty() {
                return None;
            }
            pointer.push('/');
            pointer.push_str(&escape(key));
            rest = tail;
        } else if let Some(after) = rest.strip_prefix('[') {
            let (index, tail) = after.split_once(']')?;
            if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            pointer.push('/');
            pointer.push_str(index);
            rest = tail;
        } else {
            return None;
        }
    }
    Some(pointer)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use serde_json::json;

    use super::*;
    use crate::flex::{
        AdjustMode, Align, AlignItems, AspectMode, BubbleSize, ButtonHeight, ButtonStyle,
        Decoration, Direction, FlexBlock, FlexBlockStyle, FlexBox, FlexBoxBackground, FlexBubble,
        FlexBubbleStyles, FlexButton, FlexCarousel, FlexComponent, FlexContainer, FlexFiller,
        FlexIcon, FlexImage, FlexSeparator, FlexSpan, FlexText, FlexVideo, FontStyle, Gravity,
        JustifyContent, Position, Weight,
    };
    use crate::message::{Action, Message};
    use crate::validate;

    fn typed(container: &Value) -> FlexContainer {
        serde_json::from_value(container.clone()).unwrap_or_else(|e| panic!("{e}: {container}"))
    }

    /// Reads `container` into the typed structs and writes it back: nothing lost, nothing added.
    fn assert_round_trip(container: &Value) {
        let back = serde_json::to_value(typed(container)).unwrap();
        assert_eq!(&back, container);
    }

    /// What the typed validator says of `container` sent as a Flex message.
    fn violations(container: &Value) -> Vec<String> {
        let message: Message = serde_json::from_value(
            json!({"type": "flex", "altText": "お知らせ", "contents": container}),
        )
        .unwrap();
        validate::messages(&[message])
            .iter()
            .map(|v| v.message_ja())
            .collect()
    }

    fn pointers(container: &Value) -> Vec<String> {
        let mut found: Vec<String> = check(container).into_iter().map(|p| p.pointer).collect();
        found.sort();
        found
    }

    fn in_vertical_box(node: Value) -> Value {
        json!({"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [node]}})
    }

    /// A minimal bubble with `node` where its kind may go.
    fn wrap(kind: NodeKind, node: Value) -> Value {
        match kind {
            NodeKind::Bubble | NodeKind::Carousel => node,
            NodeKind::Box => json!({"type": "bubble", "body": node}),
            NodeKind::Video => json!({"type": "bubble", "hero": node}),
            NodeKind::Icon => {
                in_vertical_box(json!({"type": "box", "layout": "baseline", "contents": [node]}))
            }
            NodeKind::Span => in_vertical_box(json!({"type": "text", "contents": [node]})),
            _ => in_vertical_box(node),
        }
    }

    /// Sets the property `name` ("background/angle") of `node`, making the objects on the way.
    fn set(node: &mut Value, name: &str, value: Value) {
        let (path, key) = name.rsplit_once('/').unwrap_or(("", name));
        let mut target = node;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            target = &mut target[part];
        }
        target[key] = value;
    }

    /// Values LINE accepts for `property`: every keyword, a px and a % where allowed, ...
    fn samples(property: &Property) -> Vec<Value> {
        match property.control {
            Control::Keyword(keywords) => keywords.iter().map(|k| json!(k)).collect(),
            Control::Size {
                keywords,
                px,
                percent,
            } => {
                let mut values: Vec<Value> = keywords.iter().map(|k| json!(k)).collect();
                if px {
                    values.extend([json!("12px"), json!("23.5px")]);
                }
                if percent {
                    values.extend([json!("50%"), json!("12.5%")]);
                }
                values
            }
            Control::Color => vec![json!("#06C755"), json!("#06c75580")],
            Control::Bool => vec![json!(true), json!(false)],
            Control::Integer { min, max } => vec![json!(min), json!(3), json!(max)],
            Control::Text { .. } if property.name == "background/angle" => {
                vec![json!("0deg"), json!("90deg"), json!("359.5deg")]
            }
            Control::Text { .. } => vec![json!("まちだより\n2行目")],
            Control::Url => vec![json!("https://example.jp/a.png")],
            Control::AspectRatio => vec![json!("20:13"), json!("1.91:1"), json!("1:3")],
            Control::Action => vec![
                json!({"type": "uri", "label": "開く", "uri": "https://example.jp/"}),
                json!({"type": "message", "label": "送る", "text": "こんにちは"}),
                json!({"type": "postback", "label": "回答する", "data": "a=1", "displayText": "はい"}),
            ],
        }
    }

    #[test]
    fn every_value_of_every_property_round_trips_through_the_typed_structs() {
        let mut cases = 0;
        for kind in NodeKind::ALL {
            for property in kind.properties() {
                for value in samples(property) {
                    let mut node = kind.template();
                    // A nested object needs its own required properties (a gradient needs its
                    // type, angle and colours).
                    if let Some((object, _)) = property.name.rsplit_once('/') {
                        for sibling in kind.properties().iter().filter(|q| {
                            q.required && q.name.rsplit_once('/').is_some_and(|(o, _)| o == object)
                        }) {
                            set(&mut node, sibling.name, samples(sibling).remove(0));
                        }
                    }
                    set(&mut node, property.name, value);
                    let container = wrap(kind, node);
                    assert_eq!(check(&container), [], "{container}");
                    assert_round_trip(&container);
                    cases += 1;
                }
            }
        }
        assert!(cases > 400, "only {cases} cases");
    }

    /// The flattened property names of one node ("size", "styles/body/separator").
    fn names_of(node: &Value, kind: NodeKind, prefix: &str, out: &mut BTreeSet<String>) {
        for (key, value) in node.as_object().unwrap() {
            if prefix.is_empty() && (key == "type" || child_slot_keys(kind).contains(&key.as_str()))
            {
                continue;
            }
            let name = format!("{prefix}{key}");
            match value {
                Value::Object(_) if name != "action" => {
                    names_of(value, kind, &format!("{name}/"), out)
                }
                _ => {
                    out.insert(name);
                }
            }
        }
    }

    /// The property names found in a tree, by kind.
    fn names_by_kind(node: &Value, found: &mut HashMap<NodeKind, BTreeSet<String>>) {
        let kind = NodeKind::from_type_name(node["type"].as_str().unwrap()).unwrap();
        names_of(node, kind, "", found.entry(kind).or_default());
        for (key, _, many) in child_slots(node) {
            match &node[key] {
                Value::Null => {}
                Value::Array(items) if many => {
                    items.iter().for_each(|item| names_by_kind(item, found))
                }
                child => names_by_kind(child, found),
            }
        }
    }

    /// Every variant, so that a new one does not compile until it is listed (and tested).
    fn kind_of(component: &FlexComponent) -> NodeKind {
        match component {
            FlexComponent::Box(_) => NodeKind::Box,
            FlexComponent::Button(_) => NodeKind::Button,
            FlexComponent::Image(_) => NodeKind::Image,
            FlexComponent::Video(_) => NodeKind::Video,
            FlexComponent::Icon(_) => NodeKind::Icon,
            FlexComponent::Text(_) => NodeKind::Text,
            FlexComponent::Span(_) => NodeKind::Span,
            FlexComponent::Separator(_) => NodeKind::Separator,
            FlexComponent::Filler(_) => NodeKind::Filler,
        }
    }

    #[test]
    fn the_table_has_every_field_of_the_typed_structs() {
        // Struct literals without `..`: a field added to a typed struct stops this test from
        // compiling until it is set here, and then the table must know it.
        let s = |v: &str| Some(v.to_owned());
        let action = || {
            Some(Action::Uri {
                label: s("開く"),
                uri: "https://example.jp/".into(),
                alt_uri: None,
            })
        };
        let span = FlexSpan {
            text: s("スパン"),
            size: s("sm"),
            color: s("#111111"),
            weight: Some(Weight::Bold),
            style: Some(FontStyle::Italic),
            decoration: Some(Decoration::Underline),
        };
        let text = FlexText {
            text: s("テキスト"),
            contents: Some(vec![FlexComponent::Span(span)]),
            flex: Some(1),
            size: s("md"),
            align: Some(Align::Start),
            gravity: Some(Gravity::Top),
            color: s("#111111"),
            weight: Some(Weight::Regular),
            style: Some(FontStyle::Normal),
            decoration: Some(Decoration::None),
            wrap: Some(true),
            line_spacing: s("4px"),
            action: action(),
            max_lines: Some(2),
            adjust_mode: Some(AdjustMode::ShrinkToFit),
            scaling: Some(true),
            margin: s("md"),
            position: Some(Position::Relative),
            offset_top: s("1px"),
            offset_bottom: s("1px"),
            offset_start: s("1px"),
            offset_end: s("1px"),
        };
        let icon = FlexIcon {
            url: "https://example.jp/icon.png".into(),
            size: s("sm"),
            aspect_ratio: s("2:1"),
            scaling: Some(true),
            margin: s("sm"),
            position: Some(Position::Relative),
            offset_top: s("1px"),
            offset_bottom: s("1px"),
            offset_start: s("1px"),
            offset_end: s("1px"),
        };
        let filler = FlexFiller { flex: Some(1) };
        let baseline = FlexBox {
            layout: Layout::Baseline,
            contents: vec![
                FlexComponent::Icon(icon),
                FlexComponent::Text(text.clone()),
                FlexComponent::Filler(filler.clone()),
            ],
            flex: Some(0),
            spacing: s("sm"),
            background_color: s("#FFFFFF00"),
            border_color: s("#CCCCCC"),
            border_width: s("light"),
            corner_radius: s("md"),
            width: s("80%"),
            max_width: s("300px"),
            height: s("40px"),
            max_height: s("50%"),
            padding_all: s("md"),
            padding_top: s("sm"),
            padding_bottom: s("sm"),
            padding_start: s("5%"),
            padding_end: s("4px"),
            action: action(),
            justify_content: Some(JustifyContent::SpaceBetween),
            align_items: Some(AlignItems::Center),
            background: Some(FlexBoxBackground::LinearGradient {
                angle: s("90deg"),
                start_color: s("#FFFFFF"),
                end_color: s("#000000"),
                center_color: s("#888888"),
                center_position: s("30%"),
            }),
            margin: s("none"),
            position: Some(Position::Absolute),
            offset_top: s("0px"),
            offset_bottom: s("0px"),
            offset_start: s("0px"),
            offset_end: s("0px"),
        };
        let image = FlexImage {
            url: "https://example.jp/image.png".into(),
            flex: Some(1),
            align: Some(Align::Center),
            gravity: Some(Gravity::Center),
            size: s("full"),
            aspect_ratio: s("20:13"),
            aspect_mode: Some(AspectMode::Cover),
            background_color: s("#EEEEEE"),
            action: action(),
            animated: Some(false),
            margin: s("md"),
            position: Some(Position::Relative),
            offset_top: s("1px"),
            offset_bottom: s("1px"),
            offset_start: s("1px"),
            offset_end: s("1px"),
        };
        let button = FlexButton {
            action: action().unwrap(),
            flex: Some(1),
            color: s("#06C755"),
            style: Some(ButtonStyle::Primary),
            gravity: Some(Gravity::Bottom),
            height: Some(ButtonHeight::Sm),
            adjust_mode: Some(AdjustMode::ShrinkToFit),
            scaling: Some(true),
            margin: s("md"),
            position: Some(Position::Relative),
            offset_top: s("1px"),
            offset_bottom: s("1px"),
            offset_start: s("1px"),
            offset_end: s("1px"),
        };
        let separator = FlexSeparator {
            margin: s("md"),
            color: s("#DDDDDD"),
        };
        // The body box takes the (complete) fields of the baseline box it holds.
        let body = FlexBox {
            layout: Layout::Vertical,
            contents: vec![
                FlexComponent::Box(Box::new(baseline.clone())),
                FlexComponent::Image(image.clone()),
                FlexComponent::Button(button),
                FlexComponent::Separator(separator),
                FlexComponent::Text(text),
                FlexComponent::Filler(filler),
            ],
            position: Some(Position::Relative),
            ..baseline
        };
        let video = FlexVideo {
            url: "https://example.jp/video.mp4".into(),
            preview_url: "https://example.jp/preview.png".into(),
            alt_content: FlexComponent::Image(image),
            aspect_ratio: s("16:9"),
            action: action(),
        };
        let style = || {
            Some(FlexBlockStyle {
                background_color: s("#FFFFFF"),
                separator: Some(true),
                separator_color: s("#DDDDDD"),
            })
        };
        let bubble = FlexBubble {
            direction: Some(Direction::Ltr),
            styles: Some(FlexBubbleStyles {
                header: style(),
                hero: style(),
                body: style(),
                footer: style(),
            }),
            header: Some(FlexBlock::Box(Box::new(body.clone()))),
            hero: Some(FlexComponent::Video(Box::new(video))),
            body: Some(FlexBlock::Box(Box::new(body))),
            footer: None,
            size: Some(BubbleSize::Kilo),
            action: action(),
        };
        let carousel = FlexCarousel {
            contents: vec![FlexContainer::Bubble(Box::new(FlexBubble {
                hero: None,
                ..bubble.clone()
            }))],
        };
        if let Some(FlexBlock::Box(b)) = &bubble.body {
            for c in &b.contents {
                let json = serde_json::to_value(c).unwrap();
                assert_eq!(json["type"], kind_of(c).type_name());
            }
        }

        let mut found = HashMap::new();
        for container in [
            FlexContainer::Bubble(Box::new(bubble)),
            FlexContainer::Carousel(carousel),
        ] {
            let json = serde_json::to_value(&container).unwrap();
            assert_eq!(check(&json), [], "{json}");
            names_by_kind(&json, &mut found);
        }
        for kind in NodeKind::ALL {
            let table: BTreeSet<String> = kind
                .properties()
                .iter()
                .map(|p| p.name.to_owned())
                .collect();
            assert_eq!(found.remove(&kind).unwrap_or_default(), table, "{kind:?}");
        }
    }

    /// The serialized names of every variant of a typed enum, sorted; the match without a
    /// wildcard stops compiling when a variant is added, until it is listed here.
    macro_rules! variants {
        ($ty:ident { $($variant:ident),+ $(,)? }) => {{
            fn _every(value: $ty) {
                match value {
                    $($ty::$variant => {})+
                }
            }
            let mut names = vec![$(serde_json::to_value($ty::$variant).unwrap().as_str().unwrap().to_owned()),+];
            names.sort();
            names
        }};
    }

    fn keywords(kind: NodeKind, name: &str) -> Vec<String> {
        let keywords = match kind.property(name).unwrap().control {
            Control::Keyword(keywords) => keywords,
            other => panic!("{kind:?} {name}: {other:?}"),
        };
        let mut keywords: Vec<String> = keywords.iter().map(|k| (*k).to_owned()).collect();
        keywords.sort();
        keywords
    }

    #[test]
    fn keyword_lists_are_the_typed_enums() {
        use NodeKind as K;
        let cases = [
            (
                vec![(K::Bubble, "direction")],
                variants!(Direction { Ltr, Rtl }),
            ),
            (
                vec![(K::Bubble, "size")],
                variants!(BubbleSize {
                    Nano,
                    Micro,
                    Deca,
                    Hecto,
                    Kilo,
                    Mega,
                    Giga
                }),
            ),
            (
                vec![(K::Box, "layout")],
                variants!(Layout {
                    Horizontal,
                    Vertical,
                    Baseline
                }),
            ),
            (
                vec![
                    (K::Box, "position"),
                    (K::Button, "position"),
                    (K::Image, "position"),
                    (K::Icon, "position"),
                    (K::Text, "position"),
                ],
                variants!(Position { Relative, Absolute }),
            ),
            (
                vec![(K::Box, "justifyContent")],
                variants!(JustifyContent {
                    Center,
                    FlexStart,
                    FlexEnd,
                    SpaceBetween,
                    SpaceAround,
                    SpaceEvenly
                }),
            ),
            (
                vec![(K::Box, "alignItems")],
                variants!(AlignItems {
                    Center,
                    FlexStart,
                    FlexEnd
                }),
            ),
            (
                vec![(K::Button, "style")],
                variants!(ButtonStyle {
                    Primary,
                    Secondary,
                    Link
                }),
            ),
            (
                vec![
                    (K::Button, "gravity"),
                    (K::Image, "gravity"),
                    (K::Text, "gravity"),
                ],
                variants!(Gravity {
                    Top,
                    Bottom,
                    Center
                }),
            ),
            (
                vec![(K::Button, "height")],
                variants!(ButtonHeight { Md, Sm }),
            ),
            (
                vec![(K::Button, "adjustMode"), (K::Text, "adjustMode")],
                variants!(AdjustMode { ShrinkToFit }),
            ),
            (
                vec![(K::Image, "align"), (K::Text, "align")],
                variants!(Align { Start, End, Center }),
            ),
            (
                vec![(K::Image, "aspectMode")],
                variants!(AspectMode { Fit, Cover }),
            ),
            (
                vec![(K::Text, "weight"), (K::Span, "weight")],
                variants!(Weight { Regular, Bold }),
            ),
            (
                vec![(K::Text, "style"), (K::Span, "style")],
                variants!(FontStyle { Normal, Italic }),
            ),
            (
                vec![(K::Text, "decoration"), (K::Span, "decoration")],
                variants!(Decoration {
                    None,
                    Underline,
                    LineThrough
                }),
            ),
        ];
        for (properties, variants) in cases {
            for (kind, name) in properties {
                assert_eq!(keywords(kind, name), variants, "{kind:?} {name}");
            }
        }
        // The one kind of box background.
        match (FlexBoxBackground::LinearGradient {
            angle: None,
            start_color: None,
            end_color: None,
            center_color: None,
            center_position: None,
        }) {
            FlexBoxBackground::LinearGradient { .. } => {
                assert_eq!(keywords(K::Box, "background/type"), ["linearGradient"])
            }
        }
    }

    #[test]
    fn the_table_is_consistent() {
        for kind in NodeKind::ALL {
            assert_eq!(NodeKind::from_type_name(kind.type_name()), Some(kind));
            let mut names = BTreeSet::new();
            let mut last_group = Some(0);
            for p in kind.properties() {
                assert!(names.insert(p.name), "{kind:?} lists {} twice", p.name);
                let group = GROUPS.iter().position(|g| *g == p.group);
                assert!(group.is_some(), "{kind:?} {}: group {}", p.name, p.group);
                // The panel shows the groups in one order for every kind.
                assert!(
                    group >= last_group,
                    "{kind:?} {}: {} out of order",
                    p.name,
                    p.group
                );
                last_group = group;
                assert!(!p.label.is_empty() && !p.name.starts_with('/'));
                let first = p.name.split('/').next().unwrap();
                assert!(first != "type" && !child_slot_keys(kind).contains(&first));
                // LINE's default is a value the control accepts.
                if let Some(default) = p.default {
                    let value = match p.control {
                        Control::Bool => json!(default.parse::<bool>().unwrap()),
                        Control::Integer { .. } => json!(default.parse::<i64>().unwrap()),
                        _ => json!(default),
                    };
                    assert_eq!(
                        p.problem(&value),
                        None,
                        "{kind:?} {} default {default}",
                        p.name
                    );
                }
            }
        }
        assert_eq!(NodeKind::from_type_name("spacer"), None);
        assert_eq!(NodeKind::Icon.name_ja(), "アイコン");
        assert_eq!(NodeKind::Carousel.properties(), []);
    }

    #[test]
    fn every_control_refuses_what_it_does_not_accept() {
        for kind in NodeKind::ALL {
            for p in kind.properties() {
                let refused: Vec<Value> = match p.control {
                    Control::Keyword(_) => vec![json!("huge"), json!(1)],
                    Control::Size { px, percent, .. } => {
                        let mut values = vec![json!("huge"), json!(12), json!("12"), json!("px")];
                        if !px {
                            values.push(json!("12px"));
                        }
                        if !percent {
                            values.push(json!("50%"));
                        }
                        values
                    }
                    Control::Color => vec![
                        json!("#12345"),
                        json!("red"),
                        json!("#GGGGGG"),
                        json!(123456),
                    ],
                    Control::Bool => vec![json!("true"), json!(1)],
                    Control::Integer { min, .. } => vec![json!(min - 1), json!(1.5), json!("2")],
                    Control::Text { .. } => vec![json!(5), json!(null)],
                    Control::Url => vec![json!(5), json!({"url": "x"})],
                    Control::AspectRatio => {
                        vec![json!("1:4"), json!("0:1"), json!("16x9"), json!(1)]
                    }
                    Control::Action => vec![json!("https://example.jp/"), json!({"label": "x"})],
                };
                for value in refused {
                    assert!(
                        p.problem(&value).is_some(),
                        "{kind:?} {} took {value}",
                        p.name
                    );
                }
            }
        }
    }

    #[test]
    fn templates_are_valid_where_they_go() {
        for kind in NodeKind::ALL {
            let node = kind.template();
            assert_eq!(node["type"], kind.type_name());
            let container = wrap(kind, node);
            assert_eq!(check(&container), [], "{container}");
            assert_round_trip(&container);
            assert_eq!(violations(&container), Vec::<String>::new(), "{container}");
        }
        assert_eq!(
            NodeKind::Text.template(),
            json!({"type": "text", "text": "テキスト", "wrap": true})
        );
    }

    #[test]
    fn places_and_child_slots() {
        assert_eq!(Place::CarouselContents.max_children(), Some(12));
        assert_eq!(Place::Hero.max_children(), Some(1));
        assert_eq!(Place::BoxContents(Layout::Vertical).max_children(), None);
        assert!(
            Place::BoxContents(Layout::Baseline)
                .allowed()
                .contains(&NodeKind::Icon)
        );
        assert!(
            !Place::BoxContents(Layout::Vertical)
                .allowed()
                .contains(&NodeKind::Icon)
        );
        assert!(Place::Hero.allowed().contains(&NodeKind::Video));
        assert_eq!(Place::TextContents.allowed(), [NodeKind::Span]);
        // Videos and spans go nowhere but the hero and texts.
        for layout in [Layout::Vertical, Layout::Horizontal, Layout::Baseline] {
            let allowed = Place::BoxContents(layout).allowed();
            assert!(!allowed.contains(&NodeKind::Video) && !allowed.contains(&NodeKind::Span));
        }

        assert_eq!(
            child_slots(&NodeKind::Bubble.template()),
            [
                ("header", Place::Header, false),
                ("hero", Place::Hero, false),
                ("body", Place::Body, false),
                ("footer", Place::Footer, false),
            ]
        );
        assert_eq!(
            child_slots(&NodeKind::Carousel.template()),
            [("contents", Place::CarouselContents, true)]
        );
        assert_eq!(
            child_slots(&json!({"type": "box", "layout": "baseline", "contents": []})),
            [("contents", Place::BoxContents(Layout::Baseline), true)]
        );
        assert_eq!(
            child_slots(&json!({"type": "box", "contents": []})),
            [("contents", Place::BoxContents(Layout::Vertical), true)]
        );
        assert_eq!(
            child_slots(&NodeKind::Text.template()),
            [("contents", Place::TextContents, true)]
        );
        assert_eq!(
            child_slots(&NodeKind::Video.template()),
            [("altContent", Place::VideoAltContent, false)]
        );
        assert_eq!(child_slots(&NodeKind::Image.template()), []);
        assert_eq!(child_slots(&json!({"type": "spacer"})), []);
    }

    #[test]
    fn check_reports_unknown_properties_with_their_pointer() {
        let mut bubble = in_vertical_box(json!({"type": "text", "text": "a", "colour": "#000000"}));
        bubble["_comment"] = json!("メモ");
        bubble["styles"] = json!({"body": {"backgroundColour": "#FFFFFF"}, "side": {}});
        bubble["body"]["background"] = json!({"type": "linearGradient", "angle": "0deg", "startColor": "#FFFFFF", "endColor": "#000000", "stops": 3});
        assert_eq!(
            pointers(&bubble),
            [
                "/_comment",
                "/body/background/stops",
                "/body/contents/0/colour",
                "/styles/body/backgroundColour",
                "/styles/side",
            ]
        );
        let problems = check(&bubble);
        let comment = problems.iter().find(|p| p.pointer == "/_comment").unwrap();
        assert!(
            comment
                .message
                .contains("「_comment」はバブルにない項目です"),
            "{}",
            comment.message
        );
        assert_eq!(comment.fix, None);
        // Keys are escaped as RFC 6901 says.
        let odd = in_vertical_box(json!({"type": "separator", "a/b~c": 1}));
        assert_eq!(pointers(&odd), ["/body/contents/0/a~1b~0c"]);
    }

    #[test]
    fn check_flags_spacers_with_a_fix() {
        let bubble = in_vertical_box(json!({"type": "spacer", "size": "sm"}));
        let problems = check(&bubble);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].pointer, "/body/contents/0");
        assert_eq!(problems[0].fix, Some(Fix::SpacerToMargin));
        assert!(problems[0].message.contains("spacer"));
        // Outside a box no margin can replace it: it must go.
        let hero = json!({"type": "bubble", "hero": {"type": "spacer"}});
        let problems = check(&hero);
        assert_eq!(
            (problems[0].pointer.as_str(), problems[0].fix),
            ("/hero", None)
        );
    }

    #[test]
    fn check_flags_misplaced_kinds() {
        let icon = in_vertical_box(json!({"type": "icon", "url": "https://example.jp/i.png"}));
        let problems = check(&icon);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].pointer, "/body/contents/0");
        assert!(
            problems[0]
                .message
                .starts_with("アイコンは縦並び（vertical）のボックスには置けません"),
            "{}",
            problems[0].message
        );

        let cases = [
            (
                in_vertical_box(json!({"type": "span", "text": "a"})),
                "/body/contents/0",
            ),
            (
                in_vertical_box(NodeKind::Video.template()),
                "/body/contents/0",
            ),
            (
                in_vertical_box(
                    json!({"type": "text", "contents": [{"type": "text", "text": "a"}]}),
                ),
                "/body/contents/0/contents/0",
            ),
            (
                in_vertical_box(
                    json!({"type": "box", "layout": "baseline", "contents": [{"type": "image", "url": "https://example.jp/a.png"}]}),
                ),
                "/body/contents/0/contents/0",
            ),
            (
                json!({"type": "bubble", "hero": {"type": "text", "text": "a"}}),
                "/hero",
            ),
            (
                json!({"type": "bubble", "footer": {"type": "button", "action": {"type": "uri", "uri": "https://example.jp/"}}}),
                "/footer",
            ),
            (
                json!({"type": "bubble", "hero": {"type": "video", "url": "https://example.jp/v.mp4", "previewUrl": "https://example.jp/p.png", "altContent": {"type": "text", "text": "a"}}}),
                "/hero/altContent",
            ),
            (
                json!({"type": "carousel", "contents": [NodeKind::Carousel.template()]}),
                "/contents/0",
            ),
            (NodeKind::Box.template(), ""),
            (
                json!({"type": "bubble", "size": "micro", "hero": NodeKind::Video.template()}),
                "/hero",
            ),
            (
                json!({"type": "carousel", "contents": [{"type": "bubble", "hero": NodeKind::Video.template()}]}),
                "/contents/0/hero",
            ),
            (
                json!({"type": "carousel", "contents": vec![NodeKind::Bubble.template(); 13]}),
                "/contents",
            ),
            (json!({"type": "carousel", "contents": []}), "/contents"),
            (
                in_vertical_box(json!({"type": "image2", "url": "https://example.jp/a.png"})),
                "/body/contents/0/type",
            ),
            (
                in_vertical_box(json!({"url": "https://example.jp/a.png"})),
                "/body/contents/0/type",
            ),
            (in_vertical_box(json!("text")), "/body/contents/0"),
            (
                json!({"type": "flex", "altText": "a", "contents": NodeKind::Bubble.template()}),
                "",
            ),
        ];
        for (container, pointer) in cases {
            assert_eq!(pointers(&container), [pointer], "{container}");
        }
        // A video in a kilo (or mega, giga) bubble's hero is fine.
        let video = json!({"type": "bubble", "size": "kilo", "hero": NodeKind::Video.template()});
        assert_eq!(check(&video), []);
    }

    #[test]
    fn check_flags_values_the_table_refuses() {
        let text = |extra: Value| {
            let mut node = json!({"type": "text", "text": "a"});
            node.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            in_vertical_box(node)
        };
        let refused = [
            json!({"size": "huge"}),
            json!({"size": "50%"}),
            json!({"color": "#12345"}),
            json!({"color": "red"}),
            json!({"text": 5}),
            json!({"wrap": "true"}),
            json!({"flex": 1.5}),
            json!({"flex": -1}),
            json!({"maxLines": "2"}),
            json!({"margin": "10%"}),
            json!({"offsetTop": "up"}),
            json!({"lineSpacing": "md"}),
            json!({"action": "https://example.jp/"}),
            json!({"action": {"label": "開く"}}),
        ];
        for extra in refused {
            let key = extra.as_object().unwrap().keys().next().unwrap().clone();
            assert_eq!(
                pointers(&text(extra.clone())),
                [format!("/body/contents/0/{key}")],
                "{extra}"
            );
        }
        let accepted = [
            json!({"size": "12.5px"}),
            json!({"color": "#12345678"}),
            json!({"offsetTop": "-2px"}),
            json!({"lineSpacing": "4px"}),
            json!({"flex": 0}),
        ];
        for extra in accepted {
            assert_eq!(check(&text(extra.clone())), [], "{extra}");
        }
        let message = &check(&text(json!({"size": "huge"})))[0].message;
        assert!(message.starts_with("文字サイズ: xxs, xs,"), "{message}");
        assert!(message.contains("12px"), "{message}");

        // An http URL is the typed validator's business, not check's.
        let http = in_vertical_box(json!({"type": "image", "url": "http://example.jp/a.png"}));
        assert_eq!(check(&http), []);
        assert_eq!(violations(&http).len(), 1);

        let more = [
            (
                in_vertical_box(
                    json!({"type": "image", "url": "https://example.jp/a.png", "aspectRatio": "1:4"}),
                ),
                "/body/contents/0/aspectRatio",
            ),
            (
                in_vertical_box(
                    json!({"type": "box", "layout": "vertical", "contents": [], "paddingAll": "-2px"}),
                ),
                "/body/contents/0/paddingAll",
            ),
            (
                in_vertical_box(
                    json!({"type": "box", "layout": "vertical", "contents": [], "width": "md"}),
                ),
                "/body/contents/0/width",
            ),
            (
                in_vertical_box(
                    json!({"type": "box", "layout": "vertical", "contents": [], "background": {"type": "linearGradient", "angle": "400deg", "startColor": "#FFFFFF", "endColor": "#000000"}}),
                ),
                "/body/contents/0/background/angle",
            ),
            (
                in_vertical_box(
                    json!({"type": "box", "layout": "vertical", "contents": [], "background": "#FFFFFF"}),
                ),
                "/body/contents/0/background",
            ),
            (json!({"type": "bubble", "size": "large"}), "/size"),
            (json!({"type": "bubble", "styles": "none"}), "/styles"),
            (
                json!({"type": "bubble", "styles": {"footer": {"separator": "yes"}}}),
                "/styles/footer/separator",
            ),
            (
                json!({"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": {}}}),
                "/body/contents",
            ),
        ];
        for (container, pointer) in more {
            assert_eq!(pointers(&container), [pointer], "{container}");
        }
    }

    #[test]
    fn check_flags_missing_required_properties() {
        let cases = [
            (
                in_vertical_box(json!({"type": "image"})),
                vec!["/body/contents/0/url"],
            ),
            (
                in_vertical_box(json!({"type": "button"})),
                vec!["/body/contents/0/action"],
            ),
            (
                in_vertical_box(json!({"type": "text", "wrap": true})),
                vec!["/body/contents/0/text"],
            ),
            (
                json!({"type": "bubble", "body": {"type": "box", "contents": []}}),
                vec!["/body/layout"],
            ),
            (
                json!({"type": "bubble", "body": {"type": "box", "layout": "vertical"}}),
                vec!["/body/contents"],
            ),
            (json!({"type": "carousel"}), vec!["/contents"]),
            (
                json!({"type": "bubble", "hero": {"type": "video", "url": "https://example.jp/v.mp4"}}),
                vec!["/hero/altContent", "/hero/previewUrl"],
            ),
            (
                json!({"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [], "background": {"type": "linearGradient", "startColor": "#FFFFFF"}}}),
                vec!["/body/background/angle", "/body/background/endColor"],
            ),
        ];
        for (container, expected) in cases {
            assert_eq!(pointers(&container), expected, "{container}");
        }
        // Spans stand in for the text.
        let spans =
            in_vertical_box(json!({"type": "text", "contents": [{"type": "span", "text": "a"}]}));
        assert_eq!(check(&spans), []);
        // A box with an unknown layout is reported once, not for each of its children.
        let unknown = in_vertical_box(
            json!({"type": "box", "layout": "grid", "contents": [{"type": "icon", "url": "https://example.jp/i.png"}]}),
        );
        assert_eq!(pointers(&unknown), ["/body/contents/0/layout"]);
    }

    /// `container` after [`convert_spacers`], checked clean and read by the typed structs.
    fn converted(mut container: Value, expected_count: usize) -> Value {
        assert_eq!(convert_spacers(&mut container), expected_count);
        assert_eq!(check(&container), [], "{container}");
        typed(&container);
        container
    }

    #[test]
    fn spacers_become_margins() {
        let text = |t: &str| json!({"type": "text", "text": t});
        let body = |contents: Value| json!({"type": "bubble", "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": contents}});

        let c = converted(
            body(json!([text("a"), {"type": "spacer", "size": "sm"}, text("b")])),
            1,
        );
        assert_eq!(
            c["body"]["contents"],
            json!([text("a"), {"type": "text", "text": "b", "margin": "sm"}])
        );
        // A spacer without a size is LINE's default, md; a leading spacer still makes a gap.
        let c = converted(body(json!([{"type": "spacer"}, text("a")])), 1);
        assert_eq!(c["body"]["contents"][0]["margin"], "md");
        // An existing margin and consecutive spacers add up (sm 4 + lg 12 + md 8).
        let c = converted(
            body(
                json!([text("a"), {"type": "spacer", "size": "sm"}, {"type": "spacer", "size": "lg"}, {"type": "text", "text": "b", "margin": "md"}]),
            ),
            2,
        );
        assert_eq!(c["body"]["contents"][1]["margin"], "24px");
        let c = converted(
            body(
                json!([text("a"), {"type": "spacer", "size": "10.5px"}, {"type": "separator", "margin": "2px"}]),
            ),
            1,
        );
        assert_eq!(c["body"]["contents"][1]["margin"], "12.5px");
        // A filler has no margin: the gap goes to what follows it.
        let c = converted(
            body(
                json!([text("a"), {"type": "spacer", "size": "xl"}, {"type": "filler"}, text("b")]),
            ),
            1,
        );
        assert_eq!(
            c["body"]["contents"],
            json!([text("a"), {"type": "filler"}, {"type": "text", "text": "b", "margin": "xl"}])
        );
    }

    #[test]
    fn trailing_spacers_become_padding() {
        let nested = |layout: &str, extra: Value| {
            let mut b = json!({"type": "box", "layout": layout, "contents": [{"type": "text", "text": "a"}, {"type": "spacer", "size": "lg"}]});
            b.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            in_vertical_box(b)
        };
        // A nested box has no padding of its own: the spacer's size is the padding.
        let c = converted(nested("vertical", json!({})), 1);
        assert_eq!(c["body"]["contents"][0]["paddingBottom"], "lg");
        assert_eq!(
            c["body"]["contents"][0]["contents"],
            json!([{"type": "text", "text": "a"}])
        );
        // Along the main axis: the end of a horizontal box, on top of `paddingAll`.
        let c = converted(nested("horizontal", json!({"paddingAll": "4px"})), 1);
        assert_eq!(c["body"]["contents"][0]["paddingEnd"], "16px");
        let c = converted(
            nested(
                "vertical",
                json!({"paddingAll": "xl", "paddingBottom": "sm"}),
            ),
            1,
        );
        assert_eq!(c["body"]["contents"][0]["paddingBottom"], "16px");
        // A percentage cannot take pixels: kept.
        let c = converted(nested("vertical", json!({"paddingBottom": "5%"})), 1);
        assert_eq!(c["body"]["contents"][0]["paddingBottom"], "5%");

        // LINE's own kitchensink footer (rejected by LINE since): the footer's own 10px stays.
        let mut kitchensink = json!({"type": "bubble",
            "body": {"type": "box", "layout": "vertical", "contents": [{"type": "text", "text": "Brown Cafe"}]},
            "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "flex": 0, "contents": [
                {"type": "button", "style": "link", "height": "sm", "action": {"type": "uri", "label": "CALL", "uri": "https://example.jp/"}},
                {"type": "button", "style": "link", "height": "sm", "action": {"type": "uri", "label": "WEBSITE", "uri": "https://example.jp/"}},
                {"type": "spacer", "size": "sm"}]}});
        assert_eq!(pointers(&kitchensink), ["/footer/contents/2"]);
        kitchensink = converted(kitchensink, 1);
        assert_eq!(kitchensink["footer"]["paddingBottom"], "14px");
        assert_eq!(
            kitchensink["footer"]["contents"].as_array().unwrap().len(),
            2
        );

        // A bar of a bar chart: a box whose only content was a spacer.
        let bar = json!({"type": "carousel", "contents": [
            {"type": "bubble", "body": {"type": "box", "layout": "horizontal", "contents": [
                {"type": "box", "layout": "horizontal", "width": "2px", "backgroundColor": "#EEEEEE", "contents": [{"type": "spacer"}]},
                {"type": "box", "layout": "horizontal", "width": "2px", "backgroundColor": "#EEEEEE", "contents": [{"type": "spacer"}]}]}},
            {"type": "bubble", "hero": {"type": "box", "layout": "vertical", "contents": [{"type": "spacer", "size": "xs"}]}}]});
        let bar = converted(bar, 3);
        assert_eq!(
            bar["contents"][0]["body"]["contents"][1]["paddingEnd"],
            "md"
        );
        assert_eq!(
            bar["contents"][0]["body"]["contents"][1]["contents"],
            json!([])
        );
        // The hero has no padding of its own.
        assert_eq!(bar["contents"][1]["hero"]["paddingBottom"], "xs");

        // A spacer that is not in a box is left for staff to delete.
        let mut hero = json!({"type": "bubble", "hero": {"type": "spacer"}});
        assert_eq!(convert_spacers(&mut hero), 0);
        assert_eq!(hero["hero"]["type"], "spacer");
    }

    #[test]
    fn validate_paths_become_pointers() {
        let cases = [
            (
                "messages[0].contents.body.contents[2].url",
                0,
                Some("/body/contents/2/url"),
            ),
            (
                "messages[1].contents.contents[3].body.contents[0].text",
                1,
                Some("/contents/3/body/contents/0/text"),
            ),
            (
                "messages[0].contents.hero.action.altUri.desktop",
                0,
                Some("/hero/action/altUri/desktop"),
            ),
            ("messages[2].contents", 2, Some("")),
            ("messages[0].altText", 0, None),
            ("messages[0].quickReply.items[0].action.label", 0, None),
            ("messages[1].contents.body", 0, None),
            ("messages[10].contents.body", 1, None),
            ("messages[0].contentsX", 0, None),
            ("messages[0].contents.body.contents[x]", 0, None),
            ("messages[0].contents.body.contents[2", 0, None),
            ("messages[0].contents..body", 0, None),
            ("messages[0].contents/body", 0, None),
        ];
        for (path, index, pointer) in cases {
            assert_eq!(pointer_from_path(path, index).as_deref(), pointer, "{path}");
        }

        // Every violation the typed validator finds in a Flex message lands on a node of it.
        let carousel = json!({"type": "carousel", "contents": [
            NodeKind::Bubble.template(),
            in_vertical_box(json!({"type": "image", "url": "http://example.jp/a.png",
                "action": {"type": "uri", "label": "x".repeat(41), "uri": "https://example.jp/"}})),
        ]});
        let first: Message = serde_json::from_value(json!({"type": "text", "text": "x"})).unwrap();
        let second: Message =
            serde_json::from_value(json!({"type": "flex", "altText": "a", "contents": carousel}))
                .unwrap();
        let found = validate::messages(&[first, second]);
        let mut targets: Vec<String> = found
            .iter()
            .filter_map(|v| pointer_from_path(&v.path, 1))
            .collect();
        targets.sort();
        assert_eq!(
            targets,
            [
                "/contents/1/body/contents/0/action/label",
                "/contents/1/body/contents/0/url"
            ]
        );
        for target in targets {
            assert!(carousel.pointer(&target).is_some(), "{target}");
        }
    }

    /// Shapes of LINE's Flex Message Simulator showcase and of city notices, written here.
    fn realistic() -> Vec<Value> {
        let row = |label: &str, value: &str| {
            json!({"type": "box", "layout": "baseline", "spacing": "sm", "contents": [
                {"type": "text", "text": label, "color": "#aaaaaa", "size": "sm", "flex": 1},
                {"type": "text", "text": value, "wrap": true, "color": "#666666", "size": "sm", "flex": 5}]})
        };
        let star = |gold: bool| json!({"type": "icon", "size": "sm", "url": if gold { "https://example.jp/gold_star.png" } else { "https://example.jp/gray_star.png" }});
        let restaurant = json!({"type": "bubble",
            "hero": {"type": "image", "url": "https://example.jp/cafe.jpg", "size": "full", "aspectRatio": "20:13", "aspectMode": "cover",
                "action": {"type": "uri", "uri": "https://example.jp/cafe"}},
            "body": {"type": "box", "layout": "vertical", "contents": [
                {"type": "text", "text": "まちカフェ", "weight": "bold", "size": "xl"},
                {"type": "box", "layout": "baseline", "margin": "md", "contents": [
                    star(true), star(true), star(true), star(true), star(false),
                    {"type": "text", "text": "4.0", "size": "sm", "color": "#999999", "margin": "md", "flex": 0}]},
                {"type": "box", "layout": "vertical", "margin": "lg", "spacing": "sm", "contents": [
                    row("場所", "市役所前 1-2-3"), row("時間", "10:00 - 23:00")]}]},
            "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "flex": 0, "contents": [
                {"type": "button", "style": "link", "height": "sm", "action": {"type": "uri", "label": "電話する", "uri": "tel:0312345678"}},
                {"type": "button", "style": "link", "height": "sm", "action": {"type": "uri", "label": "ウェブサイト", "uri": "https://example.jp/cafe"}},
                {"type": "box", "layout": "vertical", "contents": [], "margin": "sm"}]}});
        let item = |name: &str, price: &str| {
            json!({"type": "box", "layout": "horizontal", "contents": [
                {"type": "text", "text": name, "size": "sm", "color": "#555555", "flex": 0},
                {"type": "text", "text": price, "size": "sm", "color": "#111111", "align": "end"}]})
        };
        let receipt = json!({"type": "bubble", "styles": {"footer": {"separator": true}},
            "body": {"type": "box", "layout": "vertical", "contents": [
                {"type": "text", "text": "領収書", "weight": "bold", "color": "#1DB446", "size": "sm"},
                {"type": "text", "text": "まちの売店", "weight": "bold", "size": "xxl", "margin": "md"},
                {"type": "text", "text": "市役所1階", "size": "xs", "color": "#aaaaaa", "wrap": true},
                {"type": "separator", "margin": "xxl"},
                {"type": "box", "layout": "vertical", "margin": "xxl", "spacing": "sm", "contents": [
                    item("お茶", "¥150"), item("おにぎり", "¥200"),
                    {"type": "separator", "margin": "xxl"},
                    item("合計", "¥350")]},
                {"type": "box", "layout": "horizontal", "margin": "md", "contents": [
                    {"type": "text", "text": "受付番号", "size": "xs", "color": "#aaaaaa", "flex": 0},
                    {"type": "text", "text": "#743289384279", "color": "#aaaaaa", "size": "xs", "align": "end"}]}]}});
        let notice = |title: &str, date: &str, colour: &str| {
            json!({"type": "bubble", "size": "kilo",
                "header": {"type": "box", "layout": "vertical", "paddingAll": "12px", "backgroundColor": colour,
                    "background": {"type": "linearGradient", "angle": "90deg", "startColor": colour, "endColor": "#FFFFFF00", "centerColor": "#FFFFFF80", "centerPosition": "30%"},
                    "contents": [{"type": "text", "text": title, "color": "#FFFFFF", "weight": "bold", "size": "lg", "scaling": true}]},
                "hero": {"type": "box", "layout": "vertical", "contents": [
                    {"type": "image", "url": "https://example.jp/event.png", "size": "full", "aspectRatio": "16:9", "aspectMode": "cover"},
                    {"type": "box", "layout": "vertical", "position": "absolute", "offsetTop": "8px", "offsetStart": "8px",
                        "backgroundColor": "#ff334b", "cornerRadius": "20px", "paddingAll": "2px", "paddingStart": "8px", "paddingEnd": "8px",
                        "contents": [{"type": "text", "text": "NEW", "size": "xs", "color": "#ffffff", "align": "center"}]}]},
                "body": {"type": "box", "layout": "vertical", "spacing": "md", "paddingAll": "16px", "contents": [
                    {"type": "text", "wrap": true, "maxLines": 3, "lineSpacing": "4px", "contents": [
                        {"type": "span", "text": "日時 ", "weight": "bold"},
                        {"type": "span", "text": date, "color": "#06C755"}]},
                    {"type": "box", "layout": "horizontal", "spacing": "sm", "justifyContent": "space-between", "alignItems": "center", "contents": [
                        {"type": "box", "layout": "vertical", "contents": [], "width": "12px", "height": "12px", "cornerRadius": "xxl", "borderWidth": "semi-bold", "borderColor": "#06C755", "flex": 0},
                        {"type": "text", "text": "申込受付中", "size": "sm", "flex": 0, "decoration": "underline"},
                        {"type": "filler"}]}]},
                "footer": {"type": "box", "layout": "vertical", "contents": [
                    {"type": "button", "style": "primary", "color": "#06C755", "adjustMode": "shrink-to-fit",
                        "action": {"type": "postback", "label": "申し込む", "data": "event=1", "displayText": "申し込みます"}}]},
                "action": {"type": "uri", "uri": "https://example.jp/events/1"}})
        };
        let carousel = json!({"type": "carousel", "contents": [
            notice("ごみ収集日のお知らせ", "12月29日（月）から1月3日（土）は休み", "#1E88E5"),
            notice("市民まつり", "11月3日（祝）10:00〜", "#E53935")]});
        let video = json!({"type": "bubble", "size": "mega",
            "hero": {"type": "video", "url": "https://example.jp/pr.mp4", "previewUrl": "https://example.jp/pr.png", "aspectRatio": "16:9",
                "altContent": {"type": "image", "url": "https://example.jp/pr.png", "size": "full", "aspectRatio": "16:9", "aspectMode": "cover"},
                "action": {"type": "uri", "label": "もっと見る", "uri": "https://example.jp/pr"}},
            "body": {"type": "box", "layout": "vertical", "contents": [
                {"type": "text", "text": "まちの PR 動画", "weight": "bold", "size": "lg"}]}});
        vec![restaurant, receipt, carousel, video]
    }

    #[test]
    fn realistic_messages_are_clean() {
        for container in realistic() {
            assert_eq!(check(&container), [], "{container}");
            assert_round_trip(&container);
            assert_eq!(violations(&container), Vec::<String>::new());
            let mut same = container.clone();
            assert_eq!(convert_spacers(&mut same), 0);
            assert_eq!(same, container);
        }
    }
}

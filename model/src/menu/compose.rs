//! The layered source of a menu image composed in the browser (画像をつくる): a background colour
//! for the whole image and, per area (by its number), a tile colour, an icon, a label with its
//! size, colour and alignment. It is kept in the design, so a menu can be opened and its image
//! changed later (LINE keeps only the pixels). The browser draws it (`app`'s `menu_composer`);
//! this module holds what can be checked without a browser: colours, the WCAG contrast of each
//! label, the city's starting look, and where things go on a tile.

use serde::{Deserialize, Serialize};

use super::icons::{ICONS, Icon};
use super::{MenuArea, MenuDesign};

/// WCAG 2.x's minimum contrast for text (success criterion 1.4.3, level AA).
pub const MIN_CONTRAST: f64 = 4.5;

/// At most this many characters are drawn from a label (the rest would not fit a tile).
pub const LABEL_MAX_CHARS: usize = 30;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Composition {
    /// The whole image's colour (`#rrggbb`), seen in the gaps between the tiles.
    pub background: String,
    /// Area `i`'s look; an area without one (added later) gets [`AreaStyle::for_area`].
    #[serde(default)]
    pub areas: Vec<AreaStyle>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AreaStyle {
    /// The tile's colour (`#rrggbb`).
    pub background: String,
    /// An icon of [`ICONS`] by id, drawn above the label.
    #[serde(default)]
    pub icon: Option<String>,
    /// The text drawn on the tile; None draws the area's name (its action's label).
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub size: LabelSize,
    /// The label's and the icon's colour (`#rrggbb`).
    pub colour: String,
    #[serde(default)]
    pub align: Align,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelSize {
    Small,
    #[default]
    Medium,
    Large,
}

impl LabelSize {
    pub const ALL: [LabelSize; 3] = [LabelSize::Small, LabelSize::Medium, LabelSize::Large];

    pub fn name_ja(self) -> &'static str {
        match self {
            LabelSize::Small => "小",
            LabelSize::Medium => "中",
            LabelSize::Large => "大",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            LabelSize::Small => "small",
            LabelSize::Medium => "medium",
            LabelSize::Large => "large",
        }
    }

    /// The label's height as a share of the tile's shorter side.
    fn share(self) -> f64 {
        match self {
            LabelSize::Small => 0.09,
            LabelSize::Medium => 0.12,
            LabelSize::Large => 0.16,
        }
    }
}

/// Where the icon and the label sit across the tile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    Left,
    #[default]
    Center,
    Right,
}

impl Align {
    pub const ALL: [Align; 3] = [Align::Left, Align::Center, Align::Right];

    pub fn name_ja(self) -> &'static str {
        match self {
            Align::Left => "左",
            Align::Center => "中央",
            Align::Right => "右",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Align::Left => "left",
            Align::Center => "center",
            Align::Right => "right",
        }
    }
}

/// A colour of the palette: its name for staff, a tile colour and the text colour that goes
/// with it (each pair well over 4.5:1, see the tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Swatch {
    pub name: &'static str,
    pub background: &'static str,
    pub text: &'static str,
}

/// Calm, readable colours for city menus: pale tiles with a dark text of the same hue, and a
/// few strong tiles with white text (e.g. for 防災).
pub const PALETTE: &[Swatch] = &[
    Swatch {
        name: "みどり",
        background: "#e3f3e6",
        text: "#1c5e2e",
    },
    Swatch {
        name: "あか",
        background: "#fde8e6",
        text: "#9c1f17",
    },
    Swatch {
        name: "あお",
        background: "#e5eefa",
        text: "#1b4a86",
    },
    Swatch {
        name: "だいだい",
        background: "#fff0dc",
        text: "#7f4200",
    },
    Swatch {
        name: "むらさき",
        background: "#efe9f8",
        text: "#55358a",
    },
    Swatch {
        name: "あおみどり",
        background: "#def3f2",
        text: "#0c5a58",
    },
    Swatch {
        name: "こん",
        background: "#1b4a86",
        text: "#ffffff",
    },
    Swatch {
        name: "こいあか",
        background: "#b3261e",
        text: "#ffffff",
    },
    Swatch {
        name: "こいみどり",
        background: "#1c6b34",
        text: "#ffffff",
    },
    Swatch {
        name: "しろ",
        background: "#ffffff",
        text: "#1f2933",
    },
];

/// The whole image's colour when composing starts.
pub const DEFAULT_BACKGROUND: &str = "#ffffff";

/// An icon for a label, from words cities use (ごみ, 防災, 手続き…), if one fits.
pub fn suggested_icon(label: &str) -> Option<&'static str> {
    const WORDS: &[(&[&str], &str)] = &[
        (&["ごみ", "ゴミ", "リサイクル", "資源"], "trash"),
        (&["防災", "災害", "避難", "安全"], "shield-check"),
        (&["手続", "申請", "届出", "証明"], "file-text"),
        (&["子育", "保育", "幼稚園", "赤ちゃん"], "baby-carriage"),
        (&["健診", "検診", "予防接種", "病院", "医療"], "stethoscope"),
        (
            &["イベント", "催し", "プログラム", "行事"],
            "calendar-event",
        ),
        (&["問い合わせ", "問合せ", "お問合", "電話"], "phone"),
        (&["相談", "窓口"], "message-circle"),
        (&["アクセス", "地図", "会場", "場所"], "map-pin"),
        (&["お知らせ", "広報", "ニュース"], "speakerphone"),
        (&["学校", "教育"], "school"),
        (&["税", "料金", "支払"], "currency-yen"),
        (&["バス", "交通"], "bus"),
        (&["福祉", "介護"], "wheelchair"),
        (&["健康"], "heartbeat"),
        (&["水道"], "droplet"),
    ];
    WORDS
        .iter()
        .find(|(words, _)| words.iter().any(|w| label.contains(w)))
        .map(|&(_, icon)| icon)
}

pub fn icon(id: &str) -> Option<&'static Icon> {
    ICONS.iter().find(|i| i.id == id)
}

/// `#rrggbb` (or `#rgb`) as red, green and blue.
pub fn parse_hex(colour: &str) -> Option<(u8, u8, u8)> {
    let hex = colour.trim().strip_prefix('#')?;
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |s: &str| u8::from_str_radix(s, 16).ok();
    match hex.len() {
        6 => Some((
            channel(&hex[0..2])?,
            channel(&hex[2..4])?,
            channel(&hex[4..6])?,
        )),
        3 => {
            let twice = |i: usize| channel(&hex[i..=i]).map(|v| v * 17);
            Some((twice(0)?, twice(1)?, twice(2)?))
        }
        _ => None,
    }
}

/// A colour as stored and drawn: `#rrggbb` in lower case, or `fallback` when it is not one.
pub fn normalised(colour: &str, fallback: &str) -> String {
    match parse_hex(colour) {
        Some((r, g, b)) => format!("#{r:02x}{g:02x}{b:02x}"),
        None => fallback.to_owned(),
    }
}

/// WCAG 2.x relative luminance of an sRGB colour.
pub fn relative_luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
}

/// WCAG 2.x contrast ratio of two colours, from 1.0 (the same) to 21.0 (black on white); None
/// when either is not a colour.
pub fn contrast_ratio(a: &str, b: &str) -> Option<f64> {
    let (la, lb) = (
        relative_luminance(parse_hex(a)?),
        relative_luminance(parse_hex(b)?),
    );
    let (light, dark) = if la > lb { (la, lb) } else { (lb, la) };
    Some((light + 0.05) / (dark + 0.05))
}

impl AreaStyle {
    /// Area `index`'s look when composing starts: the palette's colours in turn (the strong
    /// ones are left for staff to choose) and an icon that fits its name, if any.
    pub fn for_area(index: usize, area: Option<&MenuArea>) -> Self {
        let pale = &PALETTE[..6];
        let swatch = pale[index % pale.len()];
        AreaStyle {
            background: swatch.background.to_owned(),
            icon: area
                .and_then(|a| suggested_icon(a.label()))
                .map(str::to_owned),
            label: None,
            size: LabelSize::Medium,
            colour: swatch.text.to_owned(),
            align: Align::Center,
        }
    }

    /// The text drawn: the label typed for the image, or the area's name; at most
    /// [`LABEL_MAX_CHARS`] characters.
    pub fn text(&self, area: Option<&MenuArea>) -> String {
        let text = match &self.label {
            Some(label) => label.as_str(),
            None => area.map(MenuArea::label).unwrap_or_default(),
        };
        text.trim().chars().take(LABEL_MAX_CHARS).collect()
    }

    pub fn icon(&self) -> Option<&'static Icon> {
        self.icon.as_deref().and_then(icon)
    }

    /// The contrast of the label (and icon) on the tile.
    pub fn contrast(&self) -> Option<f64> {
        contrast_ratio(&self.colour, &self.background)
    }
}

impl Composition {
    /// The city's starting look for `design`: a white image, pale tiles, dark text, and icons
    /// suggested by the areas' names (the 6-area preset gets ごみ, 防災, 手続き, 子育て, イベント
    /// and お問い合わせ).
    pub fn starting(design: &MenuDesign) -> Self {
        Composition {
            background: DEFAULT_BACKGROUND.to_owned(),
            areas: design
                .areas
                .iter()
                .enumerate()
                .map(|(i, a)| AreaStyle::for_area(i, Some(a)))
                .collect(),
        }
    }

    /// Area `index`'s look (its own, or the starting one for an area added since).
    pub fn style(&self, index: usize, area: Option<&MenuArea>) -> AreaStyle {
        self.areas
            .get(index)
            .cloned()
            .unwrap_or_else(|| AreaStyle::for_area(index, area))
    }

    /// A mutable look for area `index`, filling in the areas before it if needed.
    pub fn style_mut(&mut self, index: usize, areas: &[MenuArea]) -> &mut AreaStyle {
        while self.areas.len() <= index {
            let i = self.areas.len();
            self.areas.push(AreaStyle::for_area(i, areas.get(i)));
        }
        &mut self.areas[index]
    }

    /// One warning per area whose label (or icon) has less than [`MIN_CONTRAST`] against its
    /// tile, in Japanese, as the editor's checks show them.
    pub fn contrast_warnings(&self, areas: &[MenuArea]) -> Vec<String> {
        let mut warnings = Vec::new();
        for (i, area) in areas.iter().enumerate() {
            let style = self.style(i, Some(area));
            if style.text(Some(area)).is_empty() && style.icon().is_none() {
                continue;
            }
            match style.contrast() {
                Some(ratio) if ratio < MIN_CONTRAST => warnings.push(format!(
                    "エリア{}の文字と背景のコントラストが {}:1 です（{MIN_CONTRAST}:1 以上にしてください）。",
                    i + 1,
                    floor_tenth(ratio),
                )),
                Some(_) => {}
                None => warnings.push(format!(
                    "エリア{}の色を読み取れません。色を選び直してください。",
                    i + 1
                )),
            }
        }
        warnings
    }
}

/// A ratio shown to one decimal, rounded down (so 4.46 never shows as a passing 4.5).
fn floor_tenth(ratio: f64) -> String {
    format!("{:.1}", (ratio * 10.0).floor() / 10.0)
}

/// Where a tile's parts go, in image pixels: the tile inside its area (a gap shows the
/// background around it), the icon's square, and the label's font size and line boxes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TileLayout {
    /// x, y, width, height of the tile.
    pub tile: (f64, f64, f64, f64),
    pub radius: f64,
    /// The inner padding on the left and right.
    pub padding: f64,
    pub font_size: f64,
    pub icon_size: f64,
}

/// The layout of a tile of `bounds` on an image `image_width` wide.
pub fn tile_layout(
    bounds: &line::rich_menu::RichMenuBounds,
    image_width: i32,
    style: &AreaStyle,
    has_text: bool,
) -> TileLayout {
    let gap = (f64::from(image_width.max(1)) * 0.006).round().max(2.0);
    let (x, y) = (f64::from(bounds.x) + gap, f64::from(bounds.y) + gap);
    let w = (f64::from(bounds.width) - 2.0 * gap).max(1.0);
    let h = (f64::from(bounds.height) - 2.0 * gap).max(1.0);
    let short = w.min(h);
    let font_size = (short * style.size.share()).max(8.0);
    let icon_size = if has_text { short * 0.36 } else { short * 0.5 };
    TileLayout {
        tile: (x, y, w, h),
        radius: short * 0.06,
        padding: w * 0.07,
        font_size,
        icon_size,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::menu::{MenuDesign, PRESETS};

    #[test]
    fn contrast_ratio_follows_wcag() {
        let black_white = contrast_ratio("#000000", "#ffffff").unwrap();
        assert!((black_white - 21.0).abs() < 1e-9, "{black_white}");
        assert!((contrast_ratio("#777", "#777777").unwrap() - 1.0).abs() < 1e-9);
        // #767676 on white is the well-known 4.54:1, the lightest grey that passes.
        let grey = contrast_ratio("#767676", "#fff").unwrap();
        assert!((grey - 4.54).abs() < 0.01, "{grey}");
        assert!(contrast_ratio("#777777", "#ffffff").unwrap() < MIN_CONTRAST);
        // Symmetric.
        assert_eq!(
            contrast_ratio("#1b4a86", "#e5eefa"),
            contrast_ratio("#e5eefa", "#1b4a86")
        );
        assert_eq!(contrast_ratio("blue", "#fff"), None);
        assert_eq!(parse_hex("#ABCDEF"), Some((0xab, 0xcd, 0xef)));
        assert_eq!(parse_hex("#12345"), None);
        assert_eq!(normalised("#ABC", "#000000"), "#aabbcc");
        assert_eq!(normalised("red", "#000000"), "#000000");
    }

    #[test]
    fn every_palette_pair_is_readable() {
        for swatch in PALETTE {
            let ratio = contrast_ratio(swatch.text, swatch.background).unwrap();
            assert!(ratio >= 6.0, "{}: {ratio}", swatch.name);
        }
    }

    #[test]
    fn the_six_area_preset_starts_with_the_city_icons_and_passes() {
        let design = MenuDesign::from_preset(&PRESETS[0]);
        let composition = Composition::starting(&design);
        let icons: Vec<_> = composition
            .areas
            .iter()
            .map(|a| a.icon.as_deref().unwrap_or("-"))
            .collect();
        assert_eq!(
            icons,
            [
                "trash",
                "shield-check",
                "file-text",
                "baby-carriage",
                "calendar-event",
                "phone"
            ]
        );
        for id in icons {
            assert!(icon(id).is_some(), "{id} is bundled");
        }
        assert_eq!(
            composition.contrast_warnings(&design.areas),
            Vec::<String>::new()
        );
        // Neighbouring tiles differ.
        assert_ne!(
            composition.areas[0].background,
            composition.areas[1].background
        );
        // The label is the area's name until staff type another.
        assert_eq!(
            composition.areas[0].text(design.areas.first()),
            "ごみ・リサイクル"
        );
        // Every preset starts without a warning.
        for preset in PRESETS {
            let mut d = MenuDesign::from_preset(preset);
            d.composition = Some(Composition::starting(&d));
            assert_eq!(d.warnings(), Vec::<String>::new(), "{}", preset.id);
        }
    }

    #[test]
    fn a_low_contrast_label_is_a_warning_in_japanese() {
        let mut design = MenuDesign::new();
        let mut composition = Composition::starting(&design);
        let style = composition.style_mut(2, &design.areas);
        style.colour = "#999999".into();
        style.background = "#ffffff".into();
        design.composition = Some(composition);
        let warnings = design.warnings();
        assert_eq!(
            warnings,
            ["エリア3の文字と背景のコントラストが 2.8:1 です（4.5:1 以上にしてください）。"]
        );
        // A tile with neither text nor icon has nothing to read.
        let composition = design.composition.as_mut().unwrap();
        composition.areas[2].label = Some(String::new());
        composition.areas[2].icon = None;
        assert_eq!(design.warnings(), Vec::<String>::new());
    }

    #[test]
    fn an_area_added_later_gets_a_starting_look() {
        let mut design = MenuDesign::new();
        let mut composition = Composition::starting(&design);
        composition.areas.truncate(2);
        let style = composition.style(4, design.areas.get(4));
        assert_eq!(style.icon.as_deref(), Some("calendar-event"));
        composition.style_mut(4, &design.areas).label = Some("夏まつり".into());
        assert_eq!(composition.areas.len(), 5);
        assert_eq!(composition.areas[4].text(design.areas.get(4)), "夏まつり");
        design.composition = Some(composition);
        assert!(design.warnings().is_empty());
    }

    #[test]
    fn a_design_saved_before_the_composer_still_loads_and_saves_the_same() {
        let old = r##"{"width":2500,"height":843,"layout":"c1","chat_bar_text":"イベント","open_by_default":true,"areas":[{"bounds":{"x":0,"y":0,"width":2500,"height":843},"action":{"type":"message","label":"会場","text":"会場"}}]}"##;
        let design: MenuDesign = serde_json::from_str(old).unwrap();
        assert_eq!(design.composition, None);
        assert_eq!(serde_json::to_string(&design).unwrap(), old);
        // And a composed one goes round.
        let mut design = MenuDesign::new();
        design.composition = Some(Composition::starting(&design));
        let json = serde_json::to_string(&design).unwrap();
        assert!(json.contains(r#""icon":"trash""#), "{json}");
        let back: MenuDesign = serde_json::from_str(&json).unwrap();
        assert_eq!(back, design);
        // Missing per-area fields take their defaults.
        let style: AreaStyle =
            serde_json::from_str(r##"{"background":"#ffffff","colour":"#000000"}"##).unwrap();
        assert_eq!(
            (style.size, style.align, style.icon, style.label),
            (LabelSize::Medium, Align::Center, None, None)
        );
    }

    #[test]
    fn a_tile_leaves_a_gap_and_sizes_its_text() {
        let design = MenuDesign::new();
        let style = AreaStyle::for_area(0, design.areas.first());
        let layout = tile_layout(&design.areas[0].bounds, design.width, &style, true);
        assert_eq!(layout.tile.0, 15.0);
        assert!(layout.tile.2 < f64::from(design.areas[0].bounds.width));
        let large = AreaStyle {
            size: LabelSize::Large,
            ..style.clone()
        };
        assert!(
            tile_layout(&design.areas[0].bounds, design.width, &large, true).font_size
                > layout.font_size
        );
    }
}

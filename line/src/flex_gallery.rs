//! The gallery of ready-made Flex Messages for a municipality: twelve templates (お知らせ,
//! イベント案内, 防災・緊急情報, …) that staff start from instead of a blank bubble.
//!
//! Each template is a whole Flex message (`{"type":"flex","altText":…,"contents":…}`) in
//! `flex_gallery/<id>.json`, with believable sample content for the fictional 「みどり市」. They
//! are written so that the editor's form mode can name their fields without a schema:
//!
//! - each bubble's first text (in the header, else the body) is its title: bold, `lg` or `xl`;
//! - facts are rows: a `baseline` box of a short grey label (at most 6 characters, `flex` 2)
//!   and its value (`flex` 5, wrapped), e.g. 日時 / 10月12日（日）10時〜16時;
//! - buttons sit in the footer, the main one `primary`; phone numbers are `tel:` buttons;
//! - only event, facility, childcare and newsletter have a hero image.
//!
//! Images are written `{{IMAGE_BASE}}/flex/<name>.png` ([`IMAGE_BASE_TOKEN`]); the app fills in
//! its own origin, and serves the sample images from `public/flex/` (drawn by
//! `flex_gallery/make_images.py`). The tests hold every template to the validator, to an exact
//! JSON round trip, and to a contrast and text-size check.

use serde_json::Value;

use crate::message::{FlexMessage, Message};

/// Where a template's image URLs name the site's origin; [`GalleryTemplate::message`] replaces
/// it.
pub const IMAGE_BASE_TOKEN: &str = "{{IMAGE_BASE}}";

/// One template of the gallery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GalleryTemplate {
    /// Stable id, e.g. `notice` (also the JSON file's name).
    pub id: &'static str,
    /// What staff see in the gallery, e.g. 「お知らせ」.
    pub name: &'static str,
    /// One line for staff: what the template is for.
    pub description: &'static str,
    /// The whole Flex message, with [`IMAGE_BASE_TOKEN`] in image URLs.
    json: &'static str,
}

macro_rules! template {
    ($id:literal, $name:literal, $description:literal) => {
        GalleryTemplate {
            id: $id,
            name: $name,
            description: $description,
            json: include_str!(concat!("flex_gallery/", $id, ".json")),
        }
    };
}

static GALLERY: [GalleryTemplate; 12] = [
    template!(
        "notice",
        "お知らせ",
        "休業日や制度の変更など、市からの一般的なお知らせ。要点を項目で並べ、問い合わせ先の電話ボタン付き。"
    ),
    template!(
        "event",
        "イベント案内",
        "催しの案内。写真の下に日時・場所・料金を並べ、詳細ページと地図へのボタン付き。"
    ),
    template!(
        "emergency",
        "防災・緊急情報",
        "避難指示など緊急の情報。赤い見出しで目立たせ、対象地区と開設中の避難所を並べる（画像なし）。"
    ),
    template!(
        "garbage",
        "ごみ収集日",
        "年末年始などのごみ収集日。日ごとに収集するごみの種類を表で示す。"
    ),
    template!(
        "holiday_doctor",
        "休日当番医",
        "休日に診療する医療機関の一覧。医療機関ごとに診療科・住所・電話と電話ボタン付き。"
    ),
    template!(
        "application",
        "募集・申込",
        "参加者や利用者の募集。対象・締切・申込方法を並べ、申込ページへのボタン付き。"
    ),
    template!(
        "survey_request",
        "アンケートのお願い",
        "アンケートへの協力のお願い。期間と所要時間を示し、回答ページへのボタン付き。"
    ),
    template!(
        "facility",
        "窓口・施設案内",
        "施設や窓口の案内。写真の下に開館時間・休館日・住所・電話を並べる。"
    ),
    template!(
        "childcare",
        "子育て情報",
        "健診や子育て支援の案内。写真の下に対象・日時・場所・持ち物を並べる。"
    ),
    template!(
        "newsletter",
        "広報紙",
        "広報紙の発行案内。表紙・特集・まちの話題の3枚を横にめくるカルーセル。"
    ),
    template!(
        "election",
        "選挙のお知らせ",
        "投票日と期日前投票の案内。投票所を調べるページへのボタン付き。"
    ),
    template!(
        "multilingual",
        "多言語のお知らせ",
        "同じお知らせを日本語・やさしい日本語・英語・中国語・ポルトガル語・ベトナム語で1枚ずつ並べるカルーセル。"
    ),
];

/// Every template, in the order the gallery shows them.
pub fn gallery() -> &'static [GalleryTemplate] {
    &GALLERY
}

/// The template with this id.
pub fn find(id: &str) -> Option<&'static GalleryTemplate> {
    GALLERY.iter().find(|t| t.id == id)
}

impl GalleryTemplate {
    /// The template's JSON as bundled, with [`IMAGE_BASE_TOKEN`] still in it (for a JSON view).
    pub fn json(&self) -> &'static str {
        self.json
    }

    /// The message, with [`IMAGE_BASE_TOKEN`] replaced by `image_base` (the site's origin, e.g.
    /// `https://line.city.example.jp`; a trailing `/` is dropped). The replacement is made in
    /// the parsed strings, so any `image_base` is safe.
    pub fn message(&self, image_base: &str) -> FlexMessage {
        let mut value: Value = serde_json::from_str(self.json).unwrap_or(Value::Null);
        replace_token(&mut value, image_base.trim_end_matches('/'));
        serde_json::from_value::<Message>(value)
            .ok()
            .and_then(|m| match m {
                Message::Flex(flex) => Some(flex),
                _ => None,
            })
            .expect("a bundled gallery template is a valid Flex message (tested)")
    }
}

fn replace_token(value: &mut Value, image_base: &str) {
    match value {
        Value::String(s) if s.contains(IMAGE_BASE_TOKEN) => {
            *s = s.replace(IMAGE_BASE_TOKEN, image_base);
        }
        Value::Array(items) => items.iter_mut().for_each(|v| replace_token(v, image_base)),
        Value::Object(map) => map.values_mut().for_each(|v| replace_token(v, image_base)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{self, Violation};

    const BASE: &str = "https://line.city.example.jp";
    const SITE: &str = "https://www.city.midori.example.jp/";
    /// The templates with a hero image; every other template has no image at all.
    const WITH_IMAGES: &[&str] = &["event", "facility", "childcare", "newsletter"];

    fn raw(t: &GalleryTemplate) -> Value {
        serde_json::from_str(t.json).unwrap_or_else(|e| panic!("{}: {e}", t.id))
    }

    /// The file's JSON with the token replaced by hand (independently of `message`).
    fn expected(t: &GalleryTemplate) -> Value {
        serde_json::from_str(&t.json.replace(IMAGE_BASE_TOKEN, BASE)).unwrap()
    }

    fn bubbles(message: &Value) -> Vec<&Value> {
        let contents = &message["contents"];
        match contents["type"].as_str() {
            Some("carousel") => contents["contents"].as_array().unwrap().iter().collect(),
            _ => vec![contents],
        }
    }

    /// Every node of a JSON tree, with its path, depth first.
    fn nodes<'a>(value: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
        out.push((path.clone(), value));
        match value {
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    nodes(v, format!("{path}[{i}]"), out);
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    nodes(v, format!("{path}.{k}"), out);
                }
            }
            _ => {}
        }
    }

    fn all_nodes(value: &Value) -> Vec<(String, &Value)> {
        let mut out = Vec::new();
        nodes(value, String::new(), &mut out);
        out
    }

    fn of_type<'a>(value: &'a Value, kind: &str) -> Vec<(String, &'a Value)> {
        all_nodes(value)
            .into_iter()
            .filter(|(_, v)| v["type"] == kind)
            .collect()
    }

    fn chars(s: &str) -> usize {
        s.chars().count()
    }

    #[test]
    fn twelve_templates_with_unique_ids_and_names() {
        assert_eq!(gallery().len(), 12);
        let mut ids: Vec<&str> = gallery().iter().map(|t| t.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 12, "ids are unique");
        let mut names: Vec<&str> = gallery().iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 12, "names are unique");
        for t in gallery() {
            assert!(!t.name.is_empty() && !t.description.is_empty(), "{}", t.id);
            assert!(!t.description.contains('\n'), "{}: one line", t.id);
            assert_eq!(find(t.id), Some(t));
        }
        assert_eq!(find("notice").map(|t| t.name), Some("お知らせ"));
        assert_eq!(find("nothing"), None);
    }

    #[test]
    fn every_template_parses_validates_and_round_trips() {
        for t in gallery() {
            // The reason first, should a template not parse (`message` would only panic).
            if let Err(e) = serde_json::from_value::<Message>(expected(t)) {
                panic!("{}: {e}", t.id);
            }
            let message = t.message(BASE);
            let violations = validate::messages(&[Message::Flex(message.clone())]);
            assert!(
                violations.is_empty(),
                "{}: {:?}",
                t.id,
                violations
                    .iter()
                    .map(Violation::message_ja)
                    .collect::<Vec<_>>()
            );
            let back = serde_json::to_value(Message::Flex(message)).unwrap();
            assert_eq!(back, expected(t), "{}: nothing dropped or added", t.id);
        }
    }

    #[test]
    fn the_image_base_is_filled_in() {
        for t in gallery() {
            let text = serde_json::to_string(&Message::Flex(t.message(BASE))).unwrap();
            assert!(!text.contains("{{"), "{}", t.id);
            // A trailing slash does not double.
            assert_eq!(t.message(&format!("{BASE}/")), t.message(BASE), "{}", t.id);
        }
        let event = serde_json::to_value(find("event").unwrap().message(BASE)).unwrap();
        assert_eq!(
            event["contents"]["hero"]["url"],
            "https://line.city.example.jp/flex/event.png"
        );
        // A base with characters that mean something in JSON stays a plain string.
        let odd = find("event").unwrap().message("https://x.example/\"a\\b");
        let odd = serde_json::to_value(odd).unwrap();
        assert_eq!(
            odd["contents"]["hero"]["url"],
            "https://x.example/\"a\\b/flex/event.png"
        );
    }

    #[test]
    fn alt_text_is_a_meaningful_sentence() {
        for t in gallery() {
            let alt = raw(t)["altText"].as_str().unwrap().to_owned();
            let length = alt.encode_utf16().count();
            assert!((20..=400).contains(&length), "{}: {length}", t.id);
            assert!(!alt.trim().eq_ignore_ascii_case("flex message"), "{}", t.id);
            assert!(alt.ends_with('。') || t.id == "multilingual", "{}", t.id);
        }
    }

    #[test]
    fn images_exist_only_where_expected_and_fit_line() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../public/flex/");
        let prefix = format!("{IMAGE_BASE_TOKEN}/flex/");
        for t in gallery() {
            let message = raw(t);
            let images = of_type(&message, "image");
            assert_eq!(
                !images.is_empty(),
                WITH_IMAGES.contains(&t.id),
                "{}: images only in {WITH_IMAGES:?}",
                t.id
            );
            for (path, image) in images {
                assert!(path.ends_with(".hero"), "{}{path}: images are heroes", t.id);
                let url = image["url"].as_str().unwrap();
                let name = url.strip_prefix(&prefix).unwrap_or_else(|| {
                    panic!("{}{path}: {url} is not under {prefix}", t.id);
                });
                let file = std::fs::read(format!("{dir}{name}"))
                    .unwrap_or_else(|e| panic!("{}: {dir}{name}: {e}", t.id));
                assert!(file.len() < 60_000, "{name}: {} bytes", file.len());
                assert_eq!(&file[..8], b"\x89PNG\r\n\x1a\n", "{name}");
                let width = u32::from_be_bytes(file[16..20].try_into().unwrap());
                let height = u32::from_be_bytes(file[20..24].try_into().unwrap());
                assert!(width <= 1024 && height <= 1024, "{name}: LINE's limit");
                let ratio = image["aspectRatio"].as_str().unwrap();
                let (w, h) = ratio.split_once(':').unwrap();
                let (w, h): (f64, f64) = (w.parse().unwrap(), h.parse().unwrap());
                let actual = f64::from(width) / f64::from(height);
                assert!((actual - w / h).abs() < 0.01, "{name}: {width}x{height}");
            }
        }
        // Every bubble of the newsletter has its own image.
        let newsletter = raw(find("newsletter").unwrap());
        assert!(bubbles(&newsletter).iter().all(|b| b["hero"].is_object()));
    }

    #[test]
    fn each_bubble_starts_with_its_title() {
        for t in gallery() {
            let message = raw(t);
            for (i, bubble) in bubbles(&message).into_iter().enumerate() {
                let first = ["header", "body"]
                    .iter()
                    .flat_map(|block| of_type(&bubble[block], "text"))
                    .map(|(_, v)| v)
                    .next()
                    .unwrap_or_else(|| panic!("{} bubble {i}: no text", t.id));
                assert_eq!(first["weight"], "bold", "{} bubble {i}: {first}", t.id);
                assert!(
                    first["size"] == "lg" || first["size"] == "xl",
                    "{} bubble {i}: {first}",
                    t.id
                );
            }
        }
    }

    /// A colour `#RRGGBB` or `#RRGGBBAA` as channels 0–255 and an alpha 0–1.
    fn colour(hex: &str) -> ([f64; 3], f64) {
        let hex = hex.strip_prefix('#').unwrap();
        assert!(hex.len() == 6 || hex.len() == 8, "#{hex}");
        let byte = |i: usize| f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap());
        let alpha = if hex.len() == 8 { byte(6) / 255.0 } else { 1.0 };
        ([byte(0), byte(2), byte(4)], alpha)
    }

    /// `hex` painted over `under`.
    fn over(hex: &str, under: [f64; 3]) -> [f64; 3] {
        let (c, a) = colour(hex);
        [0, 1, 2].map(|i| c[i] * a + under[i] * (1.0 - a))
    }

    fn luminance(c: [f64; 3]) -> f64 {
        let channel = |v: f64| {
            let v = v / 255.0;
            if v <= 0.039_28 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2])
    }

    fn contrast(a: [f64; 3], b: [f64; 3]) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    const WHITE: [f64; 3] = [255.0; 3];
    /// LINE's default text colour (the simulator's stylesheet).
    const DEFAULT_TEXT: &str = "#444444";
    const SIZES_FROM_SM: &[&str] = &["sm", "md", "lg", "xl", "xxl", "3xl", "4xl", "5xl"];

    /// Contrast and size problems under `node`, drawn on any of `backgrounds`.
    fn accessibility(node: &Value, backgrounds: &[[f64; 3]], path: &str, out: &mut Vec<String>) {
        let text_colour = |node: &Value, fallback: &str| -> String {
            node["color"].as_str().unwrap_or(fallback).to_owned()
        };
        let check = |fg: &str, bgs: &[[f64; 3]], what: &str, out: &mut Vec<String>| {
            for &bg in bgs {
                let ratio = contrast(over(fg, bg), bg);
                if ratio < 4.5 {
                    out.push(format!("{what}: {fg} on {bg:?} is {ratio:.2}:1"));
                }
            }
        };
        let size_ok = |size: &Value| match size.as_str() {
            None => true,
            Some(s) => match s.strip_suffix("px") {
                Some(px) => px.parse::<f64>().is_ok_and(|px| px >= 14.0),
                None => SIZES_FROM_SM.contains(&s),
            },
        };
        match node["type"].as_str() {
            Some("box") => {
                let mut inner: Vec<[f64; 3]> = match node["backgroundColor"].as_str() {
                    Some(c) => backgrounds.iter().map(|&bg| over(c, bg)).collect(),
                    None => backgrounds.to_vec(),
                };
                let gradient = &node["background"];
                if gradient.is_object() {
                    let under = inner.clone();
                    inner = ["startColor", "centerColor", "endColor"]
                        .iter()
                        .filter_map(|k| gradient[k].as_str())
                        .flat_map(|c| under.iter().map(move |&bg| over(c, bg)))
                        .collect();
                }
                for (i, child) in node["contents"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    accessibility(child, &inner, &format!("{path}.contents[{i}]"), out);
                }
            }
            Some("text") => {
                let fg = text_colour(node, DEFAULT_TEXT);
                check(&fg, backgrounds, path, out);
                if !size_ok(&node["size"]) {
                    out.push(format!("{path}: size {} is below sm", node["size"]));
                }
                if node["wrap"] != true {
                    out.push(format!("{path}: wrap: true, or long text is cut off"));
                }
                let length = node["text"].as_str().map_or(0, chars);
                if length > 20 && !matches!(node["size"].as_str(), Some("md" | "lg" | "xl")) {
                    out.push(format!("{path}: body text is md or larger"));
                }
                for (i, span) in node["contents"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let sp = format!("{path}.contents[{i}]");
                    check(&text_colour(span, &fg), backgrounds, &sp, out);
                    if !size_ok(&span["size"]) {
                        out.push(format!("{sp}: size below sm"));
                    }
                }
            }
            Some("button") => {
                let custom = node["color"].as_str();
                let (fg, bgs) = match node["style"].as_str() {
                    Some("primary") => ("#FFFFFF", vec![over(custom.unwrap_or("#17C950"), WHITE)]),
                    Some("secondary") => {
                        ("#111111", vec![over(custom.unwrap_or("#DCDFE5"), WHITE)])
                    }
                    _ => (custom.unwrap_or("#42659A"), backgrounds.to_vec()),
                };
                check(fg, &bgs, path, out);
            }
            _ => {}
        }
    }

    #[test]
    fn text_is_readable() {
        for t in gallery() {
            let message = raw(t);
            let mut problems = Vec::new();
            for (i, bubble) in bubbles(&message).into_iter().enumerate() {
                for block in ["header", "hero", "body", "footer"] {
                    let base = match bubble["styles"][block]["backgroundColor"].as_str() {
                        Some(c) => over(c, WHITE),
                        None => WHITE,
                    };
                    let path = format!("{} bubble {i} {block}", t.id);
                    accessibility(&bubble[block], &[base], &path, &mut problems);
                }
            }
            assert!(problems.is_empty(), "{problems:#?}");
        }
    }

    #[test]
    fn the_accessibility_check_catches_problems() {
        let bubble = serde_json::json!({"type": "box", "layout": "vertical", "backgroundColor": "#B71C1C", "contents": [
            {"type": "text", "text": "既定の色", "wrap": true},
            {"type": "text", "text": "小さい", "size": "xs", "color": "#FFFFFF", "wrap": true},
            {"type": "text", "text": "切れる", "color": "#FFFFFF"},
            {"type": "button", "style": "primary", "action": {"type": "uri", "label": "開く", "uri": "https://x"}}
        ]});
        let mut problems = Vec::new();
        accessibility(&bubble, &[WHITE], "x", &mut problems);
        assert_eq!(problems.len(), 4, "{problems:#?}");
    }

    #[test]
    fn facts_are_label_value_rows() {
        for t in gallery() {
            let message = raw(t);
            let rows = of_type(&message, "box")
                .into_iter()
                .filter(|(_, b)| b["layout"] == "baseline")
                .collect::<Vec<_>>();
            assert!(!rows.is_empty(), "{}: facts as rows", t.id);
            for (path, row) in rows {
                let what = format!("{}{path}", t.id);
                let contents = row["contents"].as_array().unwrap();
                assert_eq!(contents.len(), 2, "{what}: label and value");
                let (label, value) = (&contents[0], &contents[1]);
                assert_eq!(label["type"], "text", "{what}");
                assert!(
                    chars(label["text"].as_str().unwrap()) <= 6,
                    "{what}: short label"
                );
                assert_eq!(label["flex"], 2, "{what}");
                let (grey, _) = colour(label["color"].as_str().unwrap());
                assert!(
                    grey[0] == grey[1] && grey[1] == grey[2],
                    "{what}: grey label"
                );
                assert_eq!(value["type"], "text", "{what}");
                assert_eq!(value["flex"], 5, "{what}");
                assert_eq!(value["wrap"], true, "{what}");
            }
        }
    }

    #[test]
    fn buttons_are_descriptive_and_in_place() {
        const VAGUE: &[&str] = &[
            "こちら",
            "詳しくはこちら",
            "詳細はこちら",
            "ここをタップ",
            "詳細",
            "click here",
            "here",
            "more",
            "read more",
        ];
        for t in gallery() {
            let message = raw(t);
            for bubble in bubbles(&message) {
                let footer = of_type(&bubble["footer"], "button");
                let (first, rest) = footer.split_first().expect("a footer button");
                assert_eq!(
                    first.1["style"], "primary",
                    "{}: the main action first",
                    t.id
                );
                for (path, b) in rest {
                    assert_ne!(b["style"], "primary", "{}{path}: one primary", t.id);
                }
            }
            for (path, b) in of_type(&message, "button") {
                let what = format!("{}{path}", t.id);
                assert!(
                    ["primary", "secondary", "link"].contains(&b["style"].as_str().unwrap()),
                    "{what}"
                );
                assert!(
                    ["sm", "md"].contains(&b["height"].as_str().unwrap()),
                    "{what}"
                );
                let action = &b["action"];
                assert_eq!(action["type"], "uri", "{what}");
                let uri = action["uri"].as_str().unwrap();
                let label = action["label"].as_str().unwrap();
                assert!(
                    uri.starts_with(SITE) || uri.starts_with("tel:"),
                    "{what}: {uri}"
                );
                assert!(
                    !VAGUE.contains(&label.to_lowercase().as_str()),
                    "{what}: {label}"
                );
                assert!(!label.ends_with("こちら"), "{what}: {label}");
                // Buttons outside the footer are only the phone buttons of rows.
                if !path.contains(".footer") {
                    assert!(uri.starts_with("tel:"), "{what}");
                }
            }
            for (path, node) in all_nodes(&message) {
                if let Some(uri) = node["uri"].as_str() {
                    assert!(
                        uri.starts_with(SITE) || uri.starts_with("tel:"),
                        "{}{path}",
                        t.id
                    );
                }
            }
        }
    }

    #[test]
    fn emergency_has_a_strong_red_header_and_shelters() {
        let emergency = raw(find("emergency").unwrap());
        let header = &emergency["contents"]["header"];
        let ([r, g, b], _) = colour(header["backgroundColor"].as_str().unwrap());
        assert!(r > 150.0 && g < 60.0 && b < 60.0, "red: {header}");
        assert!(emergency.to_string().contains("避難所"));
        assert!(of_type(&emergency, "image").is_empty());
    }
}

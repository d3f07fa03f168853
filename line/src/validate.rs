//! LINE's limits, checked before anything is sent, so that staff see what is wrong in the
//! editor instead of a rejected delivery. Each violation names the JSON path of the offending
//! value and the rule it breaks, with a Japanese message for staff.
//!
//! Lengths are counted in UTF-16 code units, the stricter of LINE's possible readings (an emoji
//! outside the BMP counts 2), so that what passes here is never too long for LINE.

use crate::flex::{FlexBlock, FlexBox, FlexBubble, FlexComponent, FlexContainer};
use crate::message::{Action, Message, QuickReply, Sender};
use crate::rich_menu::RichMenu;
use crate::template::{ImagemapAction, Template};

/// Messages in one push, multicast or reply request.
pub const MAX_MESSAGES_PER_REQUEST: usize = 5;
/// User ids in one multicast request.
pub const MAX_MULTICAST_RECIPIENTS: usize = 500;
pub const MAX_TEXT_LENGTH: usize = 5000;
pub const MAX_QUICK_REPLY_ITEMS: usize = 13;
pub const MAX_EMOJIS: usize = 20;
pub const MAX_ACTION_LABEL: usize = 20;
/// An action's label in a Flex Message (shown on a button; on a bubble, box, image or text
/// LINE reads it only for accessibility).
pub const MAX_FLEX_ACTION_LABEL: usize = 40;
pub const MAX_POSTBACK_DATA: usize = 300;
pub const MAX_ACTION_TEXT: usize = 300;
pub const MAX_URI: usize = 1000;
pub const MAX_CLIPBOARD_TEXT: usize = 1000;
pub const MAX_CONTENT_URL: usize = 2000;
pub const MAX_SENDER_NAME: usize = 20;
pub const MAX_LOCATION_TEXT: usize = 100;
pub const MAX_ALT_TEXT: usize = 1500;
pub const IMAGEMAP_BASE_WIDTH: i32 = 1040;
pub const MAX_IMAGEMAP_ACTIONS: usize = 50;
pub const MAX_TEMPLATE_COLUMNS: usize = 10;
/// Bytes of one bubble's JSON.
pub const MAX_BUBBLE_BYTES: usize = 30_000;
/// Bytes of one carousel's JSON.
pub const MAX_CAROUSEL_BYTES: usize = 50_000;
pub const MAX_CAROUSEL_BUBBLES: usize = 12;
pub const MAX_RICH_MENU_AREAS: usize = 20;
pub const MAX_CHAT_BAR_TEXT: usize = 14;
/// Rich menus one channel may have.
pub const MAX_RICH_MENUS: usize = 1000;
/// Rich menu aliases one channel may have.
pub const MAX_RICH_MENU_ALIASES: usize = 1000;
/// A rich menu image, in bytes. LINE says "1 MB": the decimal reading is the stricter one, so
/// an image that passes here passes at LINE whichever reading LINE means.
pub const MAX_RICH_MENU_IMAGE_BYTES: usize = 1_000_000;
/// The media types LINE takes for a rich menu image.
pub const RICH_MENU_IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png"];
/// User ids in one rich menu bulk link or unlink request.
pub const MAX_BULK_USERS: usize = 500;
/// Names in a request's `customAggregationUnits`: the field is optional, and LINE's spec allows
/// at most one name (`maxItems: 1`), so an empty list is valid too.
pub const MAX_AGGREGATION_UNITS: usize = 1;
/// A custom aggregation unit name.
pub const AGGREGATION_UNIT_PATTERN: &str = "^[a-zA-Z0-9_]{1,30}$";
/// How many days `to` may be after `from` when reading statistics.
pub const MAX_STATISTICS_DAYS: u32 = 30;
/// How many days `to` may be after `from` in a rich menu's insight summary
/// (`GET /v2/bot/insight/richmenu/{richMenuId}/summary`).
pub const MAX_RICH_MENU_SUMMARY_DAYS: u32 = 396;
/// The same for the rich menu's daily insight (`.../daily`).
pub const MAX_RICH_MENU_DAILY_DAYS: u32 = 99;
/// How far back a rich menu insight's `from` may be: the most recent 3 years.
pub const RICH_MENU_INSIGHT_YEARS: i32 = 3;
/// How statistics dates are written (a day in Japan time).
pub const STATISTICS_DATE_FORMAT: &str = "yyyyMMdd";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Fewer than `min` or more than `max` items.
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
    /// Must be exactly this number.
    Equals(i64),
    /// A number out of its range.
    Range { min: i64, max: i64, actual: i64 },
    /// A tap area reaching outside the image.
    OutsideImage,
    /// Larger than LINE accepts, in bytes (a message's JSON, or a file).
    Size { max: usize, actual: usize },
    /// Must be a real calendar day written in this format (e.g. `yyyyMMdd`).
    Date(&'static str),
    /// A day that must be 0 to `max_days` days after the day at `start` (a path); `actual` is
    /// how many days after it is (negative: before it).
    DaysAfter {
        start: &'static str,
        max_days: u32,
        actual: i64,
    },
    /// Not allowed here (the text says what is).
    Misplaced(&'static str),
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
            Rule::Equals(n) => format!("{what}: {n} にしてください。"),
            Rule::Range { min, max, actual } => {
                format!("{what}: {min}〜{max} の範囲にしてください（現在 {actual}）。")
            }
            Rule::OutsideImage => format!("{what}: タップ領域が画像の外にはみ出しています。"),
            Rule::Size { max, actual } => {
                format!("{what}: データが大きすぎます（{actual} バイト、上限 {max} バイト）。")
            }
            Rule::Misplaced(allowed) => format!("{what}: ここには置けません（{allowed}）。"),
            Rule::Date(format) => format!("{what}: {format} 形式の日付を指定してください。"),
            Rule::DaysAfter { start, actual, .. } if *actual < 0 => {
                format!("{what}: {start} より前の日付は指定できません。")
            }
            Rule::DaysAfter {
                start,
                max_days,
                actual,
            } => {
                format!("{what}: {start} から{max_days}日以内にしてください（現在{actual}日後）。")
            }
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

/// A rich menu before it is created.
pub fn rich_menu(menu: &RichMenu) -> Vec<Violation> {
    let mut v = Checker::default();
    let (w, h) = (menu.size.width, menu.size.height);
    v.range("size.width", w.into(), 800, 2500);
    if h < 250 {
        v.push(
            "size.height",
            Rule::Range {
                min: 250,
                max: i64::from(i32::MAX),
                actual: h.into(),
            },
        );
    }
    // LINE requires width / height >= 1.45.
    if h > 0 && f64::from(w) / f64::from(h) < 1.45 {
        v.push("size", Rule::Misplaced("幅÷高さは1.45以上"));
    }
    v.length("name", &menu.name, 1, 300);
    v.length("chatBarText", &menu.chat_bar_text, 1, MAX_CHAT_BAR_TEXT);
    v.count("areas", menu.areas.len(), 1, MAX_RICH_MENU_AREAS);
    for (i, area) in menu.areas.iter().enumerate() {
        let path = format!("areas[{i}]");
        let b = area.bounds;
        v.within(
            &format!("{path}.bounds"),
            (b.x, b.y, b.width, b.height),
            (w, h),
        );
        v.action(&format!("{path}.action"), &area.action, false);
    }
    v.0
}

/// A custom aggregation unit name for statistics: [`AGGREGATION_UNIT_PATTERN`].
pub fn aggregation_unit(path: &str, name: &str) -> Vec<Violation> {
    let valid = (1..=30).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if valid {
        Vec::new()
    } else {
        vec![Violation {
            path: path.to_owned(),
            rule: Rule::Pattern(AGGREGATION_UNIT_PATTERN),
        }]
    }
}

/// `customAggregationUnits` of a push or multicast: absent, or at most
/// [`MAX_AGGREGATION_UNITS`] valid names.
pub fn aggregation_units(units: Option<&[String]>) -> Vec<Violation> {
    let Some(units) = units else {
        return Vec::new();
    };
    let mut v = Checker::default();
    v.count(
        "customAggregationUnits",
        units.len(),
        0,
        MAX_AGGREGATION_UNITS,
    );
    for (i, unit) in units.iter().enumerate() {
        v.0.extend(aggregation_unit(
            &format!("customAggregationUnits[{i}]"),
            unit,
        ));
    }
    v.0
}

/// The `userIds` of a rich menu bulk link or unlink: 1 to [`MAX_BULK_USERS`].
pub fn bulk_user_ids(user_ids: &[String]) -> Vec<Violation> {
    let mut v = Checker::default();
    v.count("userIds", user_ids.len(), 1, MAX_BULK_USERS);
    v.0
}

/// The media type of a rich menu image from its `Content-Type` (case and parameters aside):
/// one of [`RICH_MENU_IMAGE_TYPES`], or `None`.
pub fn rich_menu_image_type(content_type: &str) -> Option<&'static str> {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    RICH_MENU_IMAGE_TYPES
        .iter()
        .find(|t| t.eq_ignore_ascii_case(essence))
        .copied()
}

/// The size of a rich menu image: not empty, at most [`MAX_RICH_MENU_IMAGE_BYTES`].
pub fn rich_menu_image_size(bytes: usize) -> Vec<Violation> {
    let mut v = Checker::default();
    if bytes == 0 {
        v.push("image", Rule::Required);
    } else if bytes > MAX_RICH_MENU_IMAGE_BYTES {
        v.push(
            "image",
            Rule::Size {
                max: MAX_RICH_MENU_IMAGE_BYTES,
                actual: bytes,
            },
        );
    }
    v.0
}

/// A rich menu image before upload: its media type and its size.
pub fn rich_menu_image(content_type: &str, bytes: usize) -> Vec<Violation> {
    let mut v = Checker::default();
    if rich_menu_image_type(content_type).is_none() {
        v.push("contentType", Rule::OneOf(RICH_MENU_IMAGE_TYPES));
    }
    v.0.extend(rich_menu_image_size(bytes));
    v.0
}

/// One date of a statistics request: a real day written [`STATISTICS_DATE_FORMAT`].
pub fn statistics_date(path: &str, value: &str) -> Vec<Violation> {
    match day_number(value) {
        Some(_) => Vec::new(),
        None => vec![Violation {
            path: path.to_owned(),
            rule: Rule::Date(STATISTICS_DATE_FORMAT),
        }],
    }
}

/// The `from` and `to` of a statistics request: both real days, `to` on or after `from` and at
/// most [`MAX_STATISTICS_DAYS`] later.
pub fn statistics_period(from: &str, to: &str) -> Vec<Violation> {
    period_of_days(from, to, MAX_STATISTICS_DAYS)
}

/// The `from` and `to` of a rich menu insight request: both real days, `to` on or after `from`
/// and at most `max_days` later ([`MAX_RICH_MENU_SUMMARY_DAYS`] for the summary,
/// [`MAX_RICH_MENU_DAILY_DAYS`] for the daily figures). That `from` is within the last
/// [`RICH_MENU_INSIGHT_YEARS`] depends on today: LINE (and the sandbox) check it.
pub fn rich_menu_insight_period(from: &str, to: &str, max_days: u32) -> Vec<Violation> {
    period_of_days(from, to, max_days)
}

fn period_of_days(from: &str, to: &str, max_days: u32) -> Vec<Violation> {
    let mut v = statistics_date("from", from);
    v.extend(statistics_date("to", to));
    if let (Some(first), Some(last)) = (day_number(from), day_number(to)) {
        let actual = last - first;
        if !(0..=i64::from(max_days)).contains(&actual) {
            v.push(Violation {
                path: "to".to_owned(),
                rule: Rule::DaysAfter {
                    start: "from",
                    max_days,
                    actual,
                },
            });
        }
    }
    v
}

/// Days since 1970-01-01 of a `yyyyMMdd` day, or `None` when it is not a real day (proleptic
/// Gregorian calendar, as LINE and chrono count).
fn day_number(yyyymmdd: &str) -> Option<i64> {
    if yyyymmdd.len() != 8 || !yyyymmdd.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |range: std::ops::Range<usize>| yyyymmdd.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(4..6)?, number(6..8)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=days_in_month).contains(&day) {
        return None;
    }
    // Howard Hinnant's days_from_civil: years start in March, so the leap day comes last.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

/// A rich menu alias id: `^[a-z0-9_-]{1,32}$`.
pub fn rich_menu_alias_id(path: &str, id: &str) -> Vec<Violation> {
    let mut v = Checker::default();
    v.alias_id(path, id);
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

struct Card<'a> {
    thumbnail_image_url: Option<&'a str>,
    title: Option<&'a str>,
    text: &'a str,
    default_action: Option<&'a Action>,
}

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

    /// The file and preview image URLs of an image or video.
    fn content(&mut self, path: &str, original: &str, preview: &str) {
        self.url(&format!("{path}.originalContentUrl"), original);
        self.url(&format!("{path}.previewImageUrl"), preview);
    }

    /// An https URL of content LINE fetches (images, video, audio, icons): at most 2,000 long.
    fn url(&mut self, path: &str, value: &str) {
        self.length(path, value, 1, MAX_CONTENT_URL);
        if !value.starts_with("https://") && !is_loopback_http(value) {
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
            Message::TextV2(m) => {
                self.length(&format!("{path}.text"), &m.text, 1, MAX_TEXT_LENGTH);
                // Every substitution must be used, and every `{key}` must have one.
                for key in m.substitution.keys() {
                    if !m.text.contains(&format!("{{{key}}}")) {
                        self.push(
                            format!("{path}.substitution.{key}"),
                            Rule::Misplaced("text に {キー} がありません"),
                        );
                    }
                }
                for key in placeholders(&m.text) {
                    if !m.substitution.contains_key(key) {
                        self.push(format!("{path}.substitution.{key}"), Rule::Required);
                    }
                }
                if m.substitution.len() > MAX_EMOJIS {
                    self.push(
                        format!("{path}.substitution"),
                        Rule::Count {
                            min: 0,
                            max: MAX_EMOJIS,
                            actual: m.substitution.len(),
                        },
                    );
                }
            }
            Message::Sticker(m) => {
                if !crate::sticker::is_sendable(&m.package_id, &m.sticker_id) {
                    self.push(
                        format!("{path}.stickerId"),
                        Rule::Misplaced("LINE が送信を認めているスタンプのみ"),
                    );
                }
            }
            Message::Image(m) => {
                self.content(path, &m.original_content_url, &m.preview_image_url);
            }
            Message::Video(m) => {
                self.content(path, &m.original_content_url, &m.preview_image_url);
                if let Some(id) = &m.tracking_id {
                    self.length(&format!("{path}.trackingId"), id, 1, 100);
                }
            }
            Message::Audio(m) => {
                self.url(
                    &format!("{path}.originalContentUrl"),
                    &m.original_content_url,
                );
                if m.duration <= 0 {
                    self.push(format!("{path}.duration"), Rule::Positive);
                }
            }
            Message::Location(m) => {
                self.length(&format!("{path}.title"), &m.title, 1, MAX_LOCATION_TEXT);
                self.length(&format!("{path}.address"), &m.address, 1, MAX_LOCATION_TEXT);
            }
            Message::Imagemap(m) => {
                self.url(&format!("{path}.baseUrl"), &m.base_url);
                self.length(&format!("{path}.altText"), &m.alt_text, 1, MAX_ALT_TEXT);
                let (w, h) = (m.base_size.width, m.base_size.height);
                if w != IMAGEMAP_BASE_WIDTH {
                    self.push(
                        format!("{path}.baseSize.width"),
                        Rule::Equals(IMAGEMAP_BASE_WIDTH.into()),
                    );
                }
                if h <= 0 {
                    self.push(format!("{path}.baseSize.height"), Rule::Positive);
                }
                self.count(
                    &format!("{path}.actions"),
                    m.actions.len(),
                    1,
                    MAX_IMAGEMAP_ACTIONS,
                );
                for (i, a) in m.actions.iter().enumerate() {
                    self.imagemap_action(&format!("{path}.actions[{i}]"), a, w, h);
                }
                if let Some(video) = &m.video {
                    let vp = format!("{path}.video");
                    self.content(&vp, &video.original_content_url, &video.preview_image_url);
                    let a = video.area;
                    self.within(&format!("{vp}.area"), (a.x, a.y, a.width, a.height), (w, h));
                    if let Some(link) = &video.external_link {
                        self.length(
                            &format!("{vp}.externalLink.linkUri"),
                            &link.link_uri,
                            1,
                            MAX_URI,
                        );
                        self.length(&format!("{vp}.externalLink.label"), &link.label, 1, 30);
                    }
                }
            }
            Message::Template(m) => {
                self.length(&format!("{path}.altText"), &m.alt_text, 1, MAX_ALT_TEXT);
                self.template(&format!("{path}.template"), &m.template);
            }
            Message::Flex(m) => {
                self.length(&format!("{path}.altText"), &m.alt_text, 1, MAX_ALT_TEXT);
                self.flex_container(&format!("{path}.contents"), &m.contents);
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
                self.url(&format!("{item_path}.imageUrl"), url);
            }
            self.action(&format!("{item_path}.action"), &item.action, true);
        }
    }

    fn sender(&mut self, path: &str, s: &Sender) {
        if let Some(name) = &s.name {
            self.length(&format!("{path}.name"), name, 1, MAX_SENDER_NAME);
        }
        if let Some(icon) = &s.icon_url {
            self.url(&format!("{path}.iconUrl"), icon);
        }
    }

    fn range(&mut self, path: &str, actual: i64, min: i64, max: i64) {
        if !(min..=max).contains(&actual) {
            self.push(path, Rule::Range { min, max, actual });
        }
    }

    /// A rectangle inside an image of `w` × `h`.
    /// `rect` is (x, y, width, height); `image` is (width, height).
    fn within(&mut self, path: &str, rect: (i32, i32, i32, i32), image: (i32, i32)) {
        let ((x, y, width, height), (w, h)) = (rect, image);
        let inside = x >= 0
            && y >= 0
            && width > 0
            && height > 0
            && i64::from(x) + i64::from(width) <= i64::from(w)
            && i64::from(y) + i64::from(height) <= i64::from(h);
        if !inside {
            self.push(path, Rule::OutsideImage);
        }
    }

    fn alias_id(&mut self, path: &str, id: &str) {
        let valid = (1..=32).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !valid {
            self.push(path, Rule::Pattern("^[a-z0-9_-]{1,32}$"));
        }
    }

    fn imagemap_action(&mut self, path: &str, action: &ImagemapAction, w: i32, h: i32) {
        match action {
            ImagemapAction::Uri {
                label, link_uri, ..
            } => {
                self.length(&format!("{path}.linkUri"), link_uri, 1, MAX_URI);
                self.optional_label(path, label.as_deref(), 100);
            }
            ImagemapAction::Message { label, text, .. } => {
                self.length(&format!("{path}.text"), text, 1, 400);
                self.optional_label(path, label.as_deref(), 100);
            }
            ImagemapAction::Clipboard {
                label,
                clipboard_text,
                ..
            } => {
                self.length(
                    &format!("{path}.clipboardText"),
                    clipboard_text,
                    1,
                    MAX_CLIPBOARD_TEXT,
                );
                self.optional_label(path, label.as_deref(), 100);
            }
        }
        let a = action.area();
        self.within(
            &format!("{path}.area"),
            (a.x, a.y, a.width, a.height),
            (w, h),
        );
    }

    fn optional_label(&mut self, path: &str, label: Option<&str>, max: usize) {
        if let Some(l) = label {
            self.length(&format!("{path}.label"), l, 1, max);
        }
    }

    /// The image, title, text and default action that buttons templates and carousel columns
    /// share; the text may be `plain_max` long, or 60 with an image or a title.
    fn card(&mut self, path: &str, card: &Card<'_>, plain_max: usize) {
        let has_header = card.thumbnail_image_url.is_some() || card.title.is_some();
        let text_max = if has_header { 60 } else { plain_max };
        self.length(&format!("{path}.text"), card.text, 1, text_max);
        if let Some(title) = card.title {
            self.length(&format!("{path}.title"), title, 1, 40);
        }
        if let Some(url) = card.thumbnail_image_url {
            self.url(&format!("{path}.thumbnailImageUrl"), url);
        }
        if let Some(a) = card.default_action {
            self.action(&format!("{path}.defaultAction"), a, false);
        }
    }

    fn template(&mut self, path: &str, template: &Template) {
        match template {
            Template::Buttons(t) => {
                let card = Card {
                    thumbnail_image_url: t.thumbnail_image_url.as_deref(),
                    title: t.title.as_deref(),
                    text: &t.text,
                    default_action: t.default_action.as_ref(),
                };
                self.card(path, &card, 160);
                self.count(&format!("{path}.actions"), t.actions.len(), 1, 4);
                self.actions(path, &t.actions, 20);
            }
            Template::Confirm(t) => {
                self.length(&format!("{path}.text"), &t.text, 1, 240);
                self.count(&format!("{path}.actions"), t.actions.len(), 2, 2);
                self.actions(path, &t.actions, 20);
            }
            Template::Carousel(t) => {
                self.count(
                    &format!("{path}.columns"),
                    t.columns.len(),
                    1,
                    MAX_TEMPLATE_COLUMNS,
                );
                let first_actions = t.columns.first().map(|c| c.actions.len());
                // LINE also refuses the whole carousel when some columns have an image or a
                // title and others do not.
                let with_image = t
                    .columns
                    .iter()
                    .filter(|c| c.thumbnail_image_url.is_some())
                    .count();
                let with_title = t.columns.iter().filter(|c| c.title.is_some()).count();
                for (i, c) in t.columns.iter().enumerate() {
                    let cp = format!("{path}.columns[{i}]");
                    let card = Card {
                        thumbnail_image_url: c.thumbnail_image_url.as_deref(),
                        title: c.title.as_deref(),
                        text: &c.text,
                        default_action: c.default_action.as_ref(),
                    };
                    self.card(&cp, &card, 120);
                    self.count(&format!("{cp}.actions"), c.actions.len(), 1, 3);
                    // LINE needs every column to have the same number of actions.
                    if Some(c.actions.len()) != first_actions {
                        self.push(
                            format!("{cp}.actions"),
                            Rule::Misplaced("全列のボタン数をそろえる"),
                        );
                    }
                    if with_image != 0
                        && with_image != t.columns.len()
                        && c.thumbnail_image_url.is_none()
                    {
                        self.push(
                            format!("{cp}.thumbnailImageUrl"),
                            Rule::Misplaced("画像は全列に付けるか、どの列にも付けない"),
                        );
                    }
                    if with_title != 0 && with_title != t.columns.len() && c.title.is_none() {
                        self.push(
                            format!("{cp}.title"),
                            Rule::Misplaced("タイトルは全列に付けるか、どの列にも付けない"),
                        );
                    }
                    self.actions(&cp, &c.actions, 20);
                }
            }
            Template::ImageCarousel(t) => {
                self.count(
                    &format!("{path}.columns"),
                    t.columns.len(),
                    1,
                    MAX_TEMPLATE_COLUMNS,
                );
                for (i, c) in t.columns.iter().enumerate() {
                    let cp = format!("{path}.columns[{i}]");
                    self.url(&format!("{cp}.imageUrl"), &c.image_url);
                    self.action(&format!("{cp}.action"), &c.action, false);
                    if let Some(label) = c.action.label() {
                        self.length(&format!("{cp}.action.label"), label, 1, 12);
                    }
                }
            }
        }
    }

    fn actions(&mut self, path: &str, actions: &[Action], label_max: usize) {
        for (i, a) in actions.iter().enumerate() {
            let ap = format!("{path}.actions[{i}]");
            self.action(&ap, a, true);
            if let Some(label) = a.label() {
                self.length(&format!("{ap}.label"), label, 1, label_max);
            }
        }
    }

    fn flex_container(&mut self, path: &str, container: &FlexContainer) {
        let bytes = serde_json::to_vec(container).map_or(0, |b| b.len());
        match container {
            FlexContainer::Bubble(bubble) => {
                if bytes > MAX_BUBBLE_BYTES {
                    self.push(
                        path,
                        Rule::Size {
                            max: MAX_BUBBLE_BYTES,
                            actual: bytes,
                        },
                    );
                }
                self.bubble(path, bubble);
            }
            FlexContainer::Carousel(carousel) => {
                if bytes > MAX_CAROUSEL_BYTES {
                    self.push(
                        path,
                        Rule::Size {
                            max: MAX_CAROUSEL_BYTES,
                            actual: bytes,
                        },
                    );
                }
                self.count(
                    &format!("{path}.contents"),
                    carousel.contents.len(),
                    1,
                    MAX_CAROUSEL_BUBBLES,
                );
                for (i, item) in carousel.contents.iter().enumerate() {
                    let ip = format!("{path}.contents[{i}]");
                    match item {
                        FlexContainer::Bubble(bubble) => {
                            let size = serde_json::to_vec(item).map_or(0, |b| b.len());
                            if size > MAX_BUBBLE_BYTES {
                                self.push(
                                    &ip,
                                    Rule::Size {
                                        max: MAX_BUBBLE_BYTES,
                                        actual: size,
                                    },
                                );
                            }
                            self.bubble(&ip, bubble);
                        }
                        FlexContainer::Carousel(_) => {
                            self.push(ip, Rule::Misplaced("カルーセルの中はバブルのみ"))
                        }
                    }
                }
            }
        }
    }

    fn bubble(&mut self, path: &str, bubble: &FlexBubble) {
        for (name, block) in [
            ("header", &bubble.header),
            ("body", &bubble.body),
            ("footer", &bubble.footer),
        ] {
            if let Some(FlexBlock::Box(b)) = block {
                self.flex_box(&format!("{path}.{name}"), b);
            }
        }
        if let Some(hero) = &bubble.hero {
            let hp = format!("{path}.hero");
            match hero {
                FlexComponent::Box(_) | FlexComponent::Image(_) | FlexComponent::Video(_) => {
                    self.component(&hp, hero);
                }
                _ => self.push(hp, Rule::Misplaced("ヒーローには box・image・video のみ")),
            }
        }
        if let Some(a) = &bubble.action {
            self.flex_action(&format!("{path}.action"), a);
        }
    }

    fn flex_box(&mut self, path: &str, b: &FlexBox) {
        for (i, c) in b.contents.iter().enumerate() {
            let cp = format!("{path}.contents[{i}]");
            match c {
                FlexComponent::Span(_) => self.push(cp, Rule::Misplaced("span は text の中のみ")),
                FlexComponent::Video(_) => self.push(cp, Rule::Misplaced("video はヒーローのみ")),
                _ => self.component(&cp, c),
            }
        }
        if let Some(a) = &b.action {
            self.flex_action(&format!("{path}.action"), a);
        }
    }

    fn component(&mut self, path: &str, c: &FlexComponent) {
        match c {
            FlexComponent::Box(b) => self.flex_box(path, b),
            FlexComponent::Button(b) => {
                // A button shows its action's label: LINE requires one.
                self.action_labelled(
                    &format!("{path}.action"),
                    &b.action,
                    true,
                    MAX_FLEX_ACTION_LABEL,
                );
            }
            FlexComponent::Image(i) => {
                self.url(&format!("{path}.url"), &i.url);
                if let Some(a) = &i.action {
                    self.flex_action(&format!("{path}.action"), a);
                }
            }
            FlexComponent::Video(v) => {
                self.url(&format!("{path}.url"), &v.url);
                self.url(&format!("{path}.previewUrl"), &v.preview_url);
                match &v.alt_content {
                    FlexComponent::Box(_) | FlexComponent::Image(_) => {
                        self.component(&format!("{path}.altContent"), &v.alt_content);
                    }
                    _ => self.push(
                        format!("{path}.altContent"),
                        Rule::Misplaced("box または image"),
                    ),
                }
            }
            FlexComponent::Icon(i) => self.url(&format!("{path}.url"), &i.url),
            FlexComponent::Text(t) => {
                let spans = t.contents.as_deref().unwrap_or_default();
                if t.text.as_deref().is_none_or(str::is_empty) && spans.is_empty() {
                    self.push(format!("{path}.text"), Rule::Required);
                }
                for (i, span) in spans.iter().enumerate() {
                    if !matches!(span, FlexComponent::Span(_)) {
                        self.push(
                            format!("{path}.contents[{i}]"),
                            Rule::Misplaced("text の中は span のみ"),
                        );
                    }
                }
                if let Some(a) = &t.action {
                    self.flex_action(&format!("{path}.action"), a);
                }
            }
            FlexComponent::Span(_) | FlexComponent::Separator(_) | FlexComponent::Filler(_) => {}
        }
    }

    /// An action in a Flex Message, whose label may be longer.
    fn flex_action(&mut self, path: &str, action: &Action) {
        self.action_labelled(path, action, false, MAX_FLEX_ACTION_LABEL);
    }

    /// `label_required`: quick reply buttons must be labelled.
    fn action(&mut self, path: &str, action: &Action, label_required: bool) {
        self.action_labelled(path, action, label_required, MAX_ACTION_LABEL);
    }

    fn action_labelled(
        &mut self,
        path: &str,
        action: &Action,
        label_required: bool,
        label_max: usize,
    ) {
        let label = action.label();
        match label {
            Some(l) => self.length(&format!("{path}.label"), l, 1, label_max),
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
                self.alias_id(&format!("{path}.richMenuAliasId"), rich_menu_alias_id);
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

/// Content served over plain http by this machine to itself: a local install without TLS, whose
/// built-in sandbox fetches nothing and accepts it. LINE cannot reach a loopback address at all,
/// so such a message never works with LINE whatever the scheme; the composer says so.
pub fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match host.rsplit_once(':') {
        Some((h, port)) if !h.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// The `{key}` placeholders of a textV2 message (keys of letters, digits and `_`).
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{').skip(1).filter_map(|rest| {
        let key = rest.split_once('}')?.0;
        (!key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
            .then_some(key)
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// LINE allows 40 characters in a Flex action's label, 20 elsewhere (a quick reply).
    #[test]
    fn flex_action_labels_may_have_40_characters() {
        let flex = |label: &str| -> Message {
            serde_json::from_value(json!({
                "type": "flex", "altText": "x",
                "contents": {"type": "bubble", "body": {"type": "box", "layout": "vertical",
                    "contents": [{"type": "button",
                        "action": {"type": "message", "label": label, "text": "x"}}]}}
            }))
            .expect("a flex message")
        };
        assert!(messages(&[flex(&"あ".repeat(40))]).is_empty());
        let too_long = messages(&[flex(&"あ".repeat(41))]);
        assert_eq!(
            too_long.iter().map(|v| v.path.as_str()).collect::<Vec<_>>(),
            ["messages[0].contents.body.contents[0].action.label"]
        );
        let quick: Message = serde_json::from_value(json!({
            "type": "text", "text": "x",
            "quickReply": {"items": [{"type": "action",
                "action": {"type": "message", "label": "あ".repeat(21), "text": "x"}}]}
        }))
        .expect("a text message");
        assert_eq!(messages(&[quick]).len(), 1);
    }

    /// A Flex button shows its action's label, so LINE requires one; other Flex actions (an
    /// image, a box) may go without.
    #[test]
    fn a_flex_button_needs_a_label() {
        let flex: Message = serde_json::from_value(json!({
            "type": "flex", "altText": "x",
            "contents": {"type": "bubble", "body": {"type": "box", "layout": "vertical",
                "action": {"type": "uri", "uri": "https://example.jp/"},
                "contents": [{"type": "button",
                    "action": {"type": "uri", "uri": "https://example.jp/"}}]}}
        }))
        .expect("a flex message");
        let found = messages(&[flex]);
        assert_eq!(
            found.iter().map(|v| v.path.as_str()).collect::<Vec<_>>(),
            ["messages[0].contents.body.contents[0].action.label"]
        );
    }
}

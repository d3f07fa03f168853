//! A survey (アンケート) as staff build it and citizens answer it: its questions, consent block
//! and design. One [`Survey`] is one saved version; the builder in the browser edits it, the
//! server stores it as JSON per version, and [`page`] renders the citizens' page from it (the
//! builder's preview is the same rendering). Questions and options carry stable ids, so answers
//! given on an older version still name what they answered.

pub mod page;

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::status::AttributeKind;

pub const TITLE_MAX_CHARS: usize = 100;
pub const DESCRIPTION_MAX_CHARS: usize = 2_000;
pub const LABEL_MAX_CHARS: usize = 200;
pub const HELP_MAX_CHARS: usize = 500;
pub const EXPLANATION_MAX_CHARS: usize = 2_000;
pub const OPTION_MAX_CHARS: usize = 100;
pub const OPTIONS_MAX: usize = 100;
pub const QUESTIONS_MAX: usize = 100;
pub const CONSENT_MAX_CHARS: usize = 4_000;
pub const CONSENT_LINKS_MAX: usize = 5;
pub const COMPLETION_MAX_CHARS: usize = 1_000;
pub const ID_MAX_CHARS: usize = 20;
/// A text answer may allow at most this many characters.
pub const TEXT_ANSWER_MAX_CHARS: u32 = 4_000;
/// A file question accepts at most this many files and bytes per file.
pub const UPLOAD_MAX_FILES: u32 = 5;
pub const UPLOAD_MAX_BYTES: u32 = 10 * 1024 * 1024;
/// WCAG 2.x AA for normal text.
pub const MIN_CONTRAST: f64 = 4.5;

/// One version of a survey.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Survey {
    pub title: String,
    /// Shown under the title (plain text; line breaks kept).
    #[serde(default)]
    pub description: String,
    pub questions: Vec<Question>,
    #[serde(default)]
    pub consent: Option<Consent>,
    #[serde(default)]
    pub design: Design,
    /// Shown after sending.
    #[serde(default = "default_completion")]
    pub completion: String,
}

fn default_completion() -> String {
    "回答を送信しました。ご協力ありがとうございました。".into()
}

impl Default for Survey {
    fn default() -> Self {
        Self {
            title: String::new(),
            description: String::new(),
            questions: Vec::new(),
            consent: Some(Consent::default()),
            design: Design::default(),
            completion: default_completion(),
        }
    }
}

/// The consent block: a text, links (利用規約, プライバシーポリシー) and a checkbox without which the
/// page cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub text: String,
    #[serde(default)]
    pub links: Vec<ConsentLink>,
    pub checkbox_label: String,
}

impl Default for Consent {
    fn default() -> Self {
        Self {
            text: "ご回答いただいた内容は、市からの情報配信のために利用し、市のサーバーにのみ保存します（LINE 社には送信されません）。".into(),
            links: Vec::new(),
            checkbox_label: "上記に同意して回答する".into(),
        }
    }
}

impl Consent {
    /// What a citizen agreed to, as a short fingerprint: a change of the text, a link or the
    /// checkbox's label asks earlier respondents again (FNV-1a 64, stable across builds).
    pub fn fingerprint(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |s: &str| {
            for b in s.bytes().chain(std::iter::once(0u8)) {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        };
        feed(&self.text);
        for link in &self.links {
            feed(&link.label);
            feed(&link.url);
        }
        feed(&self.checkbox_label);
        format!("{hash:016x}")
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentLink {
    pub label: String,
    /// An https address.
    pub url: String,
}

/// How the page looks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Design {
    pub text_color: String,
    pub background_color: String,
    pub button_color: String,
    pub button_text_color: String,
    /// An image above the title: a media library address (`/media/...`) or an https URL.
    #[serde(default)]
    pub header_image: String,
    #[serde(default)]
    pub font_size: FontSize,
    #[serde(default)]
    pub layout: Layout,
}

impl Default for Design {
    fn default() -> Self {
        Self {
            text_color: "#1A1A1C".into(),
            background_color: "#F5F6F8".into(),
            button_color: "#0B6E4F".into(),
            button_text_color: "#FFFFFF".into(),
            header_image: String::new(),
            font_size: FontSize::Standard,
            layout: Layout::Cards,
        }
    }
}

/// The base font size (never under 16 px: older citizens read these pages).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FontSize {
    #[default]
    Standard,
    Large,
    Larger,
}

impl FontSize {
    pub const ALL: [FontSize; 3] = [FontSize::Standard, FontSize::Large, FontSize::Larger];

    pub fn px(self) -> u32 {
        match self {
            FontSize::Standard => 16,
            FontSize::Large => 18,
            FontSize::Larger => 20,
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            FontSize::Standard => "標準（16px）",
            FontSize::Large => "大きめ（18px）",
            FontSize::Larger => "特大（20px）",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            FontSize::Standard => "standard",
            FontSize::Large => "large",
            FontSize::Larger => "larger",
        }
    }
}

/// How questions are laid out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// Each question on a card of its own.
    #[default]
    Cards,
    /// One column, questions separated by lines.
    Plain,
}

impl Layout {
    pub const ALL: [Layout; 2] = [Layout::Cards, Layout::Plain];

    pub fn label_ja(self) -> &'static str {
        match self {
            Layout::Cards => "カード（質問ごとに枠で囲む）",
            Layout::Plain => "シンプル（区切り線）",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Layout::Cards => "cards",
            Layout::Plain => "plain",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Stable across versions (`q1`, `q2`...): answers name it.
    pub id: String,
    /// The question (or a heading's / explanation's text).
    pub label: String,
    #[serde(default)]
    pub help: String,
    #[serde(default)]
    pub required: bool,
    /// The friend attribute its answer writes (source: アンケート).
    #[serde(default)]
    pub attribute_id: Option<i64>,
    pub kind: QuestionKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    SingleChoice {
        options: Vec<Choice>,
        /// A dropdown instead of radio buttons (long lists such as 地区).
        #[serde(default)]
        dropdown: bool,
    },
    MultiChoice {
        options: Vec<Choice>,
        /// At least this many when answered (0: no minimum beyond `required`).
        #[serde(default)]
        min: u32,
        /// At most this many (0: no maximum).
        #[serde(default)]
        max: u32,
    },
    Text {
        #[serde(default)]
        multiline: bool,
        max_chars: u32,
        #[serde(default)]
        input: TextInput,
    },
    Date,
    /// Year and month of birth (`YYYY-MM`).
    BirthMonth,
    Upload {
        /// Images only (JPEG, PNG), or images and PDF.
        #[serde(default)]
        images_only: bool,
        max_bytes: u32,
        max_files: u32,
    },
    /// Display only.
    Heading,
    /// Display only: the label is the text.
    Explanation,
    /// Display only: `url` is a media library address or https; the label is its alt text.
    Image {
        url: String,
    },
}

impl QuestionKind {
    /// Display-only blocks take no answer.
    pub fn is_answered(&self) -> bool {
        !matches!(
            self,
            QuestionKind::Heading | QuestionKind::Explanation | QuestionKind::Image { .. }
        )
    }

    pub fn key(&self) -> &'static str {
        match self {
            QuestionKind::SingleChoice { .. } => "single_choice",
            QuestionKind::MultiChoice { .. } => "multi_choice",
            QuestionKind::Text { .. } => "text",
            QuestionKind::Date => "date",
            QuestionKind::BirthMonth => "birth_month",
            QuestionKind::Upload { .. } => "upload",
            QuestionKind::Heading => "heading",
            QuestionKind::Explanation => "explanation",
            QuestionKind::Image { .. } => "image",
        }
    }

    pub fn label_ja(&self) -> &'static str {
        match self {
            QuestionKind::SingleChoice { .. } => "単一選択",
            QuestionKind::MultiChoice { .. } => "複数選択",
            QuestionKind::Text { .. } => "テキスト入力",
            QuestionKind::Date => "日付",
            QuestionKind::BirthMonth => "生年月",
            QuestionKind::Upload { .. } => "ファイル・画像",
            QuestionKind::Heading => "見出し",
            QuestionKind::Explanation => "説明文",
            QuestionKind::Image { .. } => "画像",
        }
    }

    /// A new block of the kind named by `key`, with sensible defaults.
    pub fn new_of(key: &str) -> Option<Self> {
        Some(match key {
            "single_choice" => QuestionKind::SingleChoice {
                options: Vec::new(),
                dropdown: false,
            },
            "multi_choice" => QuestionKind::MultiChoice {
                options: Vec::new(),
                min: 0,
                max: 0,
            },
            "text" => QuestionKind::Text {
                multiline: false,
                max_chars: 200,
                input: TextInput::Free,
            },
            "date" => QuestionKind::Date,
            "birth_month" => QuestionKind::BirthMonth,
            "upload" => QuestionKind::Upload {
                images_only: true,
                max_bytes: 5 * 1024 * 1024,
                max_files: 1,
            },
            "heading" => QuestionKind::Heading,
            "explanation" => QuestionKind::Explanation,
            "image" => QuestionKind::Image { url: String::new() },
            _ => return None,
        })
    }

    /// Every kind's key, in the order the builder offers them.
    pub const KEYS: [&'static str; 9] = [
        "single_choice",
        "multi_choice",
        "text",
        "date",
        "birth_month",
        "upload",
        "heading",
        "explanation",
        "image",
    ];

    pub fn options(&self) -> &[Choice] {
        match self {
            QuestionKind::SingleChoice { options, .. }
            | QuestionKind::MultiChoice { options, .. } => options,
            _ => &[],
        }
    }

    /// The attribute types an answer of this kind can be written to.
    pub fn fits_attribute(&self, kind: AttributeKind) -> bool {
        match self {
            QuestionKind::SingleChoice { .. } => kind == AttributeKind::SingleChoice,
            QuestionKind::MultiChoice { .. } => kind == AttributeKind::MultiChoice,
            QuestionKind::Text { input, .. } => match input {
                TextInput::Number => matches!(kind, AttributeKind::Number | AttributeKind::Text),
                _ => kind == AttributeKind::Text,
            },
            QuestionKind::Date => matches!(kind, AttributeKind::Date | AttributeKind::BirthDate),
            QuestionKind::BirthMonth => kind == AttributeKind::BirthMonth,
            _ => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// Stable across versions within its question (`o1`, `o2`...).
    pub id: String,
    pub label: String,
    /// The option of the bound attribute this choice sets.
    #[serde(default)]
    pub attribute_option_id: Option<i64>,
}

/// What a text answer must look like.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextInput {
    #[default]
    Free,
    Number,
    Email,
    Phone,
    PostalCode,
    Kana,
}

impl TextInput {
    pub const ALL: [TextInput; 6] = [
        TextInput::Free,
        TextInput::Number,
        TextInput::Email,
        TextInput::Phone,
        TextInput::PostalCode,
        TextInput::Kana,
    ];

    pub fn key(self) -> &'static str {
        match self {
            TextInput::Free => "free",
            TextInput::Number => "number",
            TextInput::Email => "email",
            TextInput::Phone => "phone",
            TextInput::PostalCode => "postal_code",
            TextInput::Kana => "kana",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            TextInput::Free => "自由入力",
            TextInput::Number => "数字",
            TextInput::Email => "メールアドレス",
            TextInput::Phone => "電話番号",
            TextInput::PostalCode => "郵便番号",
            TextInput::Kana => "カタカナ",
        }
    }

    /// Checks a (trimmed, non-empty) text; the error says what is expected.
    pub fn check(self, text: &str) -> Result<(), &'static str> {
        let ok = match self {
            TextInput::Free => true,
            TextInput::Number => {
                let digits = text.strip_prefix('-').unwrap_or(text);
                let mut parts = digits.splitn(2, '.');
                let whole = parts.next().unwrap_or_default();
                let fraction = parts.next();
                !whole.is_empty()
                    && whole.chars().all(|c| c.is_ascii_digit())
                    && fraction
                        .is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
            }
            TextInput::Email => {
                let mut parts = text.splitn(2, '@');
                let local = parts.next().unwrap_or_default();
                let domain = parts.next().unwrap_or_default();
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !text
                        .chars()
                        .any(|c| c.is_whitespace() || c == '<' || c == '>')
            }
            TextInput::Phone => {
                let digits = text.chars().filter(|c| c.is_ascii_digit()).count();
                (10..=11).contains(&digits) && text.chars().all(|c| c.is_ascii_digit() || c == '-')
            }
            TextInput::PostalCode => {
                let b = text.as_bytes();
                (b.len() == 7 && b.iter().all(u8::is_ascii_digit))
                    || (b.len() == 8
                        && b[3] == b'-'
                        && b[..3].iter().chain(&b[4..]).all(u8::is_ascii_digit))
            }
            TextInput::Kana => text
                .chars()
                .all(|c| ('\u{30A1}'..='\u{30FC}').contains(&c) || c == ' ' || c == '\u{3000}'),
        };
        if ok {
            Ok(())
        } else {
            Err(match self {
                TextInput::Free => "",
                TextInput::Number => "半角数字で入力してください",
                TextInput::Email => "メールアドレスの形式で入力してください（例：name@example.jp）",
                TextInput::Phone => {
                    "電話番号を半角数字とハイフンで入力してください（例：03-1234-5678）"
                }
                TextInput::PostalCode => "郵便番号を半角数字7桁で入力してください（例：123-4567）",
                TextInput::Kana => "全角カタカナで入力してください",
            })
        }
    }

    /// Text typed with full-width digits or hyphens (common on phones) made half-width first.
    pub fn normalize(self, text: &str) -> String {
        let text = text.trim();
        match self {
            TextInput::Number | TextInput::Phone | TextInput::PostalCode => text
                .chars()
                .map(|c| match c {
                    '０'..='９' => {
                        char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c)
                    }
                    'ー' | '－' | '―' | '‐' => '-',
                    '．' => '.',
                    _ => c,
                })
                .collect(),
            _ => text.to_owned(),
        }
    }
}

/// A citizen's answers by question id.
pub type Answers = BTreeMap<String, Answer>;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Answer {
    /// Choice ids.
    Choices(Vec<String>),
    Text(String),
    /// Uploaded files' ids.
    Files(Vec<i64>),
}

/// Contrast ratio of two `#RRGGBB` colours (WCAG 2.x), or `None` for a malformed colour.
pub fn contrast_ratio(a: &str, b: &str) -> Option<f64> {
    fn luminance(hex: &str) -> Option<f64> {
        let hex = hex.strip_prefix('#')?;
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let channel = |i: usize| -> Option<f64> {
            let v = f64::from(u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()?) / 255.0;
            Some(if v <= 0.039_28 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            })
        };
        Some(0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?)
    }
    let (la, lb) = (luminance(a)?, luminance(b)?);
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    Some((hi + 0.05) / (lo + 0.05))
}

/// Colour pairs of a design below [`MIN_CONTRAST`], as warnings naming the pair and the ratio.
pub fn contrast_warnings(design: &Design) -> Vec<String> {
    [
        ("文字色", &design.text_color, "背景色", &design.background_color),
        (
            "ボタンの文字色",
            &design.button_text_color,
            "ボタンの色",
            &design.button_color,
        ),
    ]
    .into_iter()
    .filter_map(|(a_name, a, b_name, b)| {
        let ratio = contrast_ratio(a, b)?;
        (ratio < MIN_CONTRAST).then(|| {
            format!(
                "{a_name}と{b_name}のコントラスト比が {ratio:.1}:1 です。読みにくい人がいるため、{MIN_CONTRAST}:1 以上にしてください。"
            )
        })
    })
    .collect()
}

fn is_colour(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].chars().all(|c| c.is_ascii_hexdigit())
}

fn is_id(text: &str) -> bool {
    !text.is_empty()
        && text.chars().count() <= ID_MAX_CHARS
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// An image address a page may show: ours (`/media/...`) or https.
pub fn is_image_address(url: &str) -> bool {
    (url.starts_with("/media/") || url.starts_with("https://"))
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '<' || c == '>')
}

/// What is wrong with a version staff want to save, in Japanese (empty: it can be saved).
/// Attribute bindings are checked by the server, which knows the attributes.
pub fn problems(survey: &Survey) -> Vec<String> {
    let mut out = Vec::new();
    let mut too_long = |what: &str, text: &str, max: usize| {
        if text.chars().count() > max {
            out.push(format!("{what}は{max}文字以内にしてください。"));
        }
    };
    too_long("タイトル", &survey.title, TITLE_MAX_CHARS);
    too_long("説明", &survey.description, DESCRIPTION_MAX_CHARS);
    too_long("送信後の文章", &survey.completion, COMPLETION_MAX_CHARS);
    if let Some(consent) = &survey.consent {
        too_long("同意文", &consent.text, CONSENT_MAX_CHARS);
        too_long(
            "同意のチェックボックスの文言",
            &consent.checkbox_label,
            LABEL_MAX_CHARS,
        );
        for link in &consent.links {
            too_long("リンクの文言", &link.label, LABEL_MAX_CHARS);
        }
    }
    if survey.title.trim().is_empty() {
        out.push("タイトルを入力してください。".into());
    }
    if let Some(consent) = &survey.consent {
        if consent.text.trim().is_empty() {
            out.push("同意文を入力してください（不要なら同意欄を外してください）。".into());
        }
        if consent.checkbox_label.trim().is_empty() {
            out.push("同意のチェックボックスの文言を入力してください。".into());
        }
        if consent.links.len() > CONSENT_LINKS_MAX {
            out.push(format!("同意欄のリンクは{CONSENT_LINKS_MAX}件までです。"));
        }
        for link in &consent.links {
            if link.label.trim().is_empty() {
                out.push("同意欄のリンクの文言を入力してください。".into());
            }
            if !link.url.starts_with("https://") || link.url.chars().any(char::is_whitespace) {
                out.push(format!(
                    "同意欄のリンク「{}」のURLは https:// で始まるアドレスにしてください。",
                    link.label
                ));
            }
        }
    }
    let d = &survey.design;
    for (name, colour) in [
        ("文字色", &d.text_color),
        ("背景色", &d.background_color),
        ("ボタンの色", &d.button_color),
        ("ボタンの文字色", &d.button_text_color),
    ] {
        if !is_colour(colour) {
            out.push(format!("{name}は #RRGGBB の形で指定してください。"));
        }
    }
    if !d.header_image.is_empty() && !is_image_address(&d.header_image) {
        out.push("ヘッダー画像は画像ライブラリの画像か https のアドレスにしてください。".into());
    }
    if survey.questions.len() > QUESTIONS_MAX {
        out.push(format!("質問は{QUESTIONS_MAX}件までです。"));
    }
    if !survey.questions.iter().any(|q| q.kind.is_answered()) {
        out.push("回答する質問を1つ以上追加してください。".into());
    }
    let mut ids = HashSet::new();
    for (i, q) in survey.questions.iter().enumerate() {
        let name = format!("{}番目（{}）", i + 1, q.kind.label_ja());
        if !is_id(&q.id) || !ids.insert(q.id.as_str()) {
            out.push(format!("{name}の ID が正しくありません。"));
        }
        let max = match q.kind {
            QuestionKind::Explanation => EXPLANATION_MAX_CHARS,
            _ => LABEL_MAX_CHARS,
        };
        if q.label.trim().is_empty() && !matches!(q.kind, QuestionKind::Image { .. }) {
            out.push(format!("{name}の文言を入力してください。"));
        }
        if q.label.chars().count() > max {
            out.push(format!("{name}の文言は{max}文字以内にしてください。"));
        }
        if q.help.chars().count() > HELP_MAX_CHARS {
            out.push(format!(
                "{name}の補足は{HELP_MAX_CHARS}文字以内にしてください。"
            ));
        }
        if !q.kind.is_answered() && (q.required || q.attribute_id.is_some()) {
            out.push(format!(
                "{name}は表示だけの項目のため、必須や属性の設定はできません。"
            ));
        }
        match &q.kind {
            QuestionKind::SingleChoice { options, .. }
            | QuestionKind::MultiChoice { options, .. } => {
                if options.is_empty() {
                    out.push(format!("{name}に選択肢を追加してください。"));
                }
                if options.len() > OPTIONS_MAX {
                    out.push(format!("{name}の選択肢は{OPTIONS_MAX}件までです。"));
                }
                let mut option_ids = HashSet::new();
                let mut labels = HashSet::new();
                for o in options {
                    if !is_id(&o.id) || !option_ids.insert(o.id.as_str()) {
                        out.push(format!("{name}の選択肢の ID が正しくありません。"));
                    }
                    if o.label.trim().is_empty() {
                        out.push(format!("{name}に空の選択肢があります。"));
                    } else if !labels.insert(o.label.trim()) {
                        out.push(format!(
                            "{name}の選択肢「{}」が重複しています。",
                            o.label.trim()
                        ));
                    }
                    if o.label.chars().count() > OPTION_MAX_CHARS {
                        out.push(format!(
                            "{name}の選択肢は{OPTION_MAX_CHARS}文字以内にしてください。"
                        ));
                    }
                }
                if let QuestionKind::MultiChoice { min, max, .. } = &q.kind {
                    if *max > 0 && min > max {
                        out.push(format!("{name}の最小選択数が最大選択数を超えています。"));
                    }
                    if *min as usize > options.len() {
                        out.push(format!("{name}の最小選択数が選択肢の数を超えています。"));
                    }
                }
            }
            QuestionKind::Text { max_chars, .. } => {
                if *max_chars == 0 || *max_chars > TEXT_ANSWER_MAX_CHARS {
                    out.push(format!(
                        "{name}の最大文字数は1〜{TEXT_ANSWER_MAX_CHARS}にしてください。"
                    ));
                }
            }
            QuestionKind::Upload {
                max_bytes,
                max_files,
                ..
            } => {
                if *max_files == 0 || *max_files > UPLOAD_MAX_FILES {
                    out.push(format!(
                        "{name}のファイル数は1〜{UPLOAD_MAX_FILES}にしてください。"
                    ));
                }
                if *max_bytes < 100 * 1024 || *max_bytes > UPLOAD_MAX_BYTES {
                    out.push(format!(
                        "{name}の最大サイズは100KB〜{}MBにしてください。",
                        UPLOAD_MAX_BYTES / 1024 / 1024
                    ));
                }
            }
            QuestionKind::Image { url } => {
                if !is_image_address(url) {
                    out.push(format!("{name}の画像を選んでください。"));
                }
            }
            QuestionKind::Date
            | QuestionKind::BirthMonth
            | QuestionKind::Heading
            | QuestionKind::Explanation => {}
        }
    }
    out
}

/// The choices of a question bound to a choice attribute: the attribute's options in use
/// (`(id, label)`, in order), each keeping the id of the choice it already was.
pub fn bound_choices(current: &[Choice], attribute_options: &[(i64, String)]) -> Vec<Choice> {
    let mut out: Vec<Choice> = Vec::new();
    for (option_id, label) in attribute_options {
        let id = current
            .iter()
            .find(|c| c.attribute_option_id == Some(*option_id))
            .map(|c| c.id.clone())
            .unwrap_or_else(|| {
                let mut taken = current.to_vec();
                taken.extend(out.iter().cloned());
                next_option_id(&taken)
            });
        out.push(Choice {
            id,
            label: label.clone(),
            attribute_option_id: Some(*option_id),
        });
    }
    out
}

/// A fresh id for a question of `survey` (`q` and the next number).
pub fn next_question_id(survey: &Survey) -> String {
    next_id('q', survey.questions.iter().map(|q| q.id.as_str()))
}

/// A fresh id for an option of `options`.
pub fn next_option_id(options: &[Choice]) -> String {
    next_id('o', options.iter().map(|o| o.id.as_str()))
}

fn next_id<'a>(prefix: char, ids: impl Iterator<Item = &'a str>) -> String {
    let highest = ids
        .filter_map(|id| id.strip_prefix(prefix)?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    format!("{prefix}{}", highest + 1)
}

/// Human-readable size (`5MB`, `500KB`).
pub fn size_label(bytes: u32) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{}MB", bytes / 1024 / 1024)
    } else if bytes >= 1024 * 1024 {
        format!("{:.1}MB", f64::from(bytes) / 1024.0 / 1024.0)
    } else {
        format!("{}KB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_matches_wcag_examples() {
        let white_black = contrast_ratio("#FFFFFF", "#000000").unwrap_or_default();
        assert!((white_black - 21.0).abs() < 0.01);
        let grey = contrast_ratio("#777777", "#FFFFFF").unwrap_or_default();
        assert!((grey - 4.48).abs() < 0.01, "{grey}");
        assert_eq!(contrast_ratio("#FFF", "#000000"), None);
        let mut design = Design::default();
        assert!(contrast_warnings(&design).is_empty());
        design.button_color = "#8FD3B0".into();
        let warnings = contrast_warnings(&design);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("ボタンの文字色とボタンの色"),
            "{warnings:?}"
        );
    }

    #[test]
    fn text_inputs_check_and_normalize() {
        assert_eq!(
            TextInput::Phone.normalize("０３ー１２３４ー５６７８"),
            "03-1234-5678"
        );
        assert!(TextInput::Phone.check("03-1234-5678").is_ok());
        assert!(TextInput::Phone.check("123").is_err());
        assert!(TextInput::PostalCode.check("123-4567").is_ok());
        assert!(TextInput::PostalCode.check("1234567").is_ok());
        assert!(TextInput::PostalCode.check("12-34567").is_err());
        assert!(TextInput::Email.check("a@b.jp").is_ok());
        assert!(TextInput::Email.check("a@b").is_err());
        assert!(TextInput::Kana.check("ヤマダ タロウ").is_ok());
        assert!(TextInput::Kana.check("やまだ").is_err());
        assert!(TextInput::Number.check("-12.5").is_ok());
        assert!(TextInput::Number.check("1e3").is_err());
    }

    #[test]
    fn consent_fingerprint_follows_what_was_shown() {
        let a = Consent::default();
        let mut b = a.clone();
        assert_eq!(a.fingerprint(), b.fingerprint());
        b.links.push(ConsentLink {
            label: "利用規約".into(),
            url: "https://city.example.jp/terms".into(),
        });
        assert_ne!(a.fingerprint(), b.fingerprint());
    }

    #[test]
    fn problems_name_the_question() {
        let mut s = Survey {
            title: "t".into(),
            ..Survey::default()
        };
        assert!(problems(&s).iter().any(|p| p.contains("1つ以上")));
        s.questions.push(Question {
            id: "q1".into(),
            label: "地区".into(),
            help: String::new(),
            required: true,
            attribute_id: None,
            kind: QuestionKind::SingleChoice {
                options: vec![],
                dropdown: true,
            },
        });
        assert_eq!(
            problems(&s),
            vec!["1番目（単一選択）に選択肢を追加してください。".to_owned()]
        );
        assert_eq!(next_question_id(&s), "q2");
    }
}

//! Card-type messages as LINE Official Account Manager offers them (プロダクト, ロケーション,
//! パーソン, イメージ; up to 9 cards and a 「もっと見る」 card), sent as a Flex carousel — the only
//! message that carries an image, texts and several buttons per card. A card set is written to
//! Flex by [`CardSet::to_flex`] and read back by [`CardSet::from_flex`], which recognises exactly
//! what `to_flex` writes, so an editor can reopen a saved card message as cards.

use serde_json::{Value, json};

use crate::flex::FlexContainer;
use crate::message::Action;

/// Cards in one message (OA Manager's limit; with the "see more" card, 10 of LINE's 12 bubbles).
pub const MAX_CARDS: usize = 9;
/// Buttons under one card.
pub const MAX_CARD_ACTIONS: usize = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardKind {
    Product,
    Location,
    Person,
    Image,
}

impl CardKind {
    pub const ALL: &'static [CardKind] = &[
        CardKind::Product,
        CardKind::Location,
        CardKind::Person,
        CardKind::Image,
    ];

    pub fn id(self) -> &'static str {
        match self {
            CardKind::Product => "product",
            CardKind::Location => "location",
            CardKind::Person => "person",
            CardKind::Image => "image",
        }
    }

    pub fn from_id(id: &str) -> Option<CardKind> {
        Self::ALL.iter().copied().find(|k| k.id() == id)
    }

    pub fn name(self) -> &'static str {
        match self {
            CardKind::Product => "プロダクト（商品・サービス）",
            CardKind::Location => "ロケーション（施設・場所）",
            CardKind::Person => "パーソン（人物）",
            CardKind::Image => "イメージ（画像）",
        }
    }

    /// What the card's third line is called in the editor (`None`: this kind has none).
    pub fn extra_name(self) -> Option<&'static str> {
        match self {
            CardKind::Product => Some("価格など"),
            CardKind::Location => Some("開館時間など"),
            CardKind::Person => Some("肩書き"),
            CardKind::Image => None,
        }
    }

    /// The image's aspect ratio (OA Manager: product 1.54:1, image 1.11:1).
    fn aspect_ratio(self) -> &'static str {
        match self {
            CardKind::Product => "1.54:1",
            CardKind::Location => "20:13",
            CardKind::Person => "1:1",
            CardKind::Image => "1.11:1",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Card {
    pub image_url: String,
    pub title: String,
    /// Description, or a place's address (empty: no line).
    pub text: String,
    /// Price, opening hours or a person's title (empty: no line).
    pub extra: String,
    pub actions: Vec<Action>,
}

/// The last card, leading to more (e.g. the city's web page).
#[derive(Clone, Debug, PartialEq)]
pub struct MoreCard {
    pub action: Action,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CardSet {
    pub kind: CardKind,
    pub cards: Vec<Card>,
    pub more: Option<MoreCard>,
}

const TITLE: (&str, &str) = ("lg", "#111111");
const TEXT: (&str, &str) = ("sm", "#666666");
const EXTRA: (&str, &str) = ("md", "#06703C");

fn text(text: &str, (size, color): (&str, &str), bold: bool) -> Value {
    let mut t = json!({"type": "text", "text": text, "size": size, "color": color, "wrap": true});
    if bold {
        t["weight"] = json!("bold");
    }
    t
}

impl CardSet {
    pub fn new(kind: CardKind) -> Self {
        Self {
            kind,
            cards: vec![Card::new(kind)],
            more: None,
        }
    }

    pub fn to_flex(&self) -> FlexContainer {
        let mut bubbles: Vec<Value> = self.cards.iter().map(|c| c.bubble(self.kind)).collect();
        if let Some(more) = &self.more {
            bubbles.push(json!({
                "type": "bubble",
                "body": {"type": "box", "layout": "vertical", "justifyContent": "center",
                    "contents": [{"type": "button", "style": "link", "action": more.action}]}
            }));
        }
        serde_json::from_value(json!({"type": "carousel", "contents": bubbles}))
            .expect("a card set is a valid Flex carousel")
    }

    /// The cards `container` was made from, if it is a card set's Flex (exactly).
    pub fn from_flex(container: &FlexContainer) -> Option<CardSet> {
        let value = serde_json::to_value(container).ok()?;
        let bubbles = value.get("contents")?.as_array()?;
        let (first, _) = bubbles.split_first()?;
        let kind = card_kind(first)?;
        let mut cards = Vec::new();
        let mut more = None;
        for (i, bubble) in bubbles.iter().enumerate() {
            if i + 1 == bubbles.len() && bubble.get("hero").is_none() && is_more(bubble) {
                let action = bubble.pointer("/body/contents/0/action")?;
                more = Some(MoreCard {
                    action: serde_json::from_value(action.clone()).ok()?,
                });
            } else {
                cards.push(Card::read(kind, bubble)?);
            }
        }
        let set = CardSet { kind, cards, more };
        (set.to_flex() == *container).then_some(set)
    }
}

fn card_kind(bubble: &Value) -> Option<CardKind> {
    let ratio = match bubble.get("hero") {
        Some(hero) => hero.get("aspectRatio")?.as_str()?,
        None => bubble
            .pointer("/body/contents/0/contents/0/aspectRatio")?
            .as_str()?,
    };
    CardKind::ALL
        .iter()
        .copied()
        .find(|k| k.aspect_ratio() == ratio)
}

fn is_more(bubble: &Value) -> bool {
    bubble
        .pointer("/body/contents")
        .and_then(Value::as_array)
        .is_some_and(|c| c.len() == 1 && c[0].get("type") == Some(&json!("button")))
}

impl Card {
    pub fn new(kind: CardKind) -> Self {
        let _ = kind;
        Card {
            image_url: String::new(),
            title: String::new(),
            text: String::new(),
            extra: String::new(),
            actions: vec![crate::compose::ActionKind::Uri.new_action()],
        }
    }

    fn bubble(&self, kind: CardKind) -> Value {
        let image = json!({"type": "image", "url": self.image_url, "size": "full",
            "aspectRatio": kind.aspect_ratio(), "aspectMode": "cover"});
        let mut body = Vec::new();
        if kind == CardKind::Person {
            body.push(
                json!({"type": "box", "layout": "vertical", "cornerRadius": "100px",
                "width": "96px", "height": "96px", "contents": [image.clone()]}),
            );
        }
        body.push(text(&self.title, TITLE, true));
        if !self.extra.is_empty() && kind != CardKind::Image {
            body.push(text(&self.extra, EXTRA, true));
        }
        if !self.text.is_empty() {
            body.push(text(&self.text, TEXT, false));
        }
        let mut bubble = json!({"type": "bubble",
            "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": body}});
        if kind != CardKind::Person {
            bubble["hero"] = image;
        }
        if !self.actions.is_empty() {
            let buttons: Vec<Value> = self
                .actions
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    json!({"type": "button", "style": if i == 0 { "primary" } else { "secondary" },
                        "color": if i == 0 { "#06703C" } else { "#E8EEF5" }, "action": a})
                })
                .collect();
            bubble["footer"] =
                json!({"type": "box", "layout": "vertical", "spacing": "sm", "contents": buttons});
        }
        bubble
    }

    fn read(kind: CardKind, bubble: &Value) -> Option<Card> {
        let image_url = match kind {
            CardKind::Person => bubble.pointer("/body/contents/0/contents/0/url"),
            _ => bubble.pointer("/hero/url"),
        }?
        .as_str()?
        .to_owned();
        let texts = bubble.pointer("/body/contents")?.as_array()?;
        let find = |(size, color): (&str, &str)| {
            texts
                .iter()
                .find(|t| {
                    t.get("size") == Some(&json!(size)) && t.get("color") == Some(&json!(color))
                })
                .and_then(|t| t.get("text")?.as_str())
                .map(str::to_owned)
        };
        let actions = match bubble.pointer("/footer/contents") {
            Some(buttons) => buttons
                .as_array()?
                .iter()
                .map(|b| serde_json::from_value(b.get("action")?.clone()).ok())
                .collect::<Option<Vec<Action>>>()?,
            None => Vec::new(),
        };
        Some(Card {
            image_url,
            title: find(TITLE)?,
            text: find(TEXT).unwrap_or_default(),
            extra: find(EXTRA).unwrap_or_default(),
            actions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(i: usize, actions: usize) -> Card {
        Card {
            image_url: format!("https://example.jp/{i}.jpg"),
            title: format!("施設{i}"),
            text: if i.is_multiple_of(2) {
                "市役所前".into()
            } else {
                String::new()
            },
            extra: if i.is_multiple_of(3) {
                "9:00〜17:00".into()
            } else {
                String::new()
            },
            actions: (0..actions)
                .map(|a| Action::Uri {
                    label: Some(format!("詳しく{a}")),
                    uri: format!("https://www.city.example.jp/{i}/{a}"),
                    alt_uri: None,
                })
                .collect(),
        }
    }

    #[test]
    fn every_kind_round_trips_through_flex_and_passes_lines_rules() {
        for &kind in CardKind::ALL {
            let set = CardSet {
                kind,
                cards: (0..MAX_CARDS).map(|i| card(i, i % 3)).collect(),
                more: Some(MoreCard {
                    action: Action::Uri {
                        label: Some("もっと見る".into()),
                        uri: "https://www.city.example.jp/".into(),
                        alt_uri: None,
                    },
                }),
            };
            let flex = set.to_flex();
            let back = CardSet::from_flex(&flex).expect("read back");
            // Image cards have no third line: it is dropped when written.
            let mut expected = set.clone();
            if kind == CardKind::Image {
                expected.cards.iter_mut().for_each(|c| c.extra.clear());
            }
            assert_eq!(back, expected, "{kind:?}");
            let message: crate::message::Message = serde_json::from_value(json!({
                "type": "flex", "altText": "施設のご案内", "contents": flex
            }))
            .unwrap();
            assert_eq!(crate::validate::messages(&[message]), []);
        }
    }

    #[test]
    fn other_flex_is_not_taken_for_cards() {
        let plain: FlexContainer = serde_json::from_value(json!({"type": "carousel", "contents": [
            {"type": "bubble", "hero": {"type": "image", "url": "https://example.jp/a.jpg", "aspectRatio": "1.54:1"},
             "body": {"type": "box", "layout": "vertical", "contents": [{"type": "text", "text": "x"}]}}
        ]}))
        .unwrap();
        assert_eq!(CardSet::from_flex(&plain), None);
        let bubble: FlexContainer = serde_json::from_value(json!({"type": "bubble"})).unwrap();
        assert_eq!(CardSet::from_flex(&bubble), None);
    }
}

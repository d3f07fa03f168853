//! A segment's conditions (セグメント条件): a tree of groups (すべて / いずれか, optionally negated)
//! whose leaves are conditions on friend attributes and on what LINE tells us of a friend. The
//! same tree is edited in the browser, stored as JSON, counted by the audience index and checked
//! by the domain (`domain::audience::segments`): ids must name existing attributes and options,
//! groups must not be empty, nesting stays within [`MAX_DEPTH`].

use serde::{Deserialize, Serialize};

/// Groups nest at most this deep (the outermost group is depth 1).
pub const MAX_DEPTH: usize = 4;
/// At most this many conditions in one tree.
pub const MAX_CONDITIONS: usize = 50;
/// A segment's name, in characters.
pub const NAME_MAX_CHARS: usize = 100;
/// A text condition's value, in characters.
pub const TEXT_MAX_CHARS: usize = 200;

/// One node of the tree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum Rule {
    Group(Group),
    Condition(Condition),
}

/// How a group joins its members.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Join {
    /// すべて満たす (AND).
    #[default]
    All,
    /// いずれかを満たす (OR).
    Any,
}

impl Join {
    pub fn label_ja(self) -> &'static str {
        match self {
            Join::All => "すべて満たす（AND）",
            Join::Any => "いずれかを満たす（OR）",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub join: Join,
    /// NOT: the friends who do not match the group.
    #[serde(default)]
    pub negate: bool,
    pub rules: Vec<Rule>,
}

/// How a choice condition reads its options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceMatch {
    /// いずれかを含む
    #[default]
    AnyOf,
    /// すべてを含む
    AllOf,
    /// いずれも含まない (also friends without an answer)
    NoneOf,
}

impl ChoiceMatch {
    pub const ALL: [ChoiceMatch; 3] = [ChoiceMatch::AnyOf, ChoiceMatch::AllOf, ChoiceMatch::NoneOf];
    pub fn label_ja(self) -> &'static str {
        match self {
            ChoiceMatch::AnyOf => "いずれかを含む",
            ChoiceMatch::AllOf => "すべてを含む",
            ChoiceMatch::NoneOf => "いずれも含まない",
        }
    }
}

/// How a text condition compares (ignoring case and full/half width).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextMatch {
    /// と一致する
    #[default]
    Equals,
    /// を含む
    Contains,
    /// 未入力
    Empty,
}

impl TextMatch {
    pub const ALL: [TextMatch; 3] = [TextMatch::Equals, TextMatch::Contains, TextMatch::Empty];
    pub fn label_ja(self) -> &'static str {
        match self {
            TextMatch::Equals => "と一致する",
            TextMatch::Contains => "を含む",
            TextMatch::Empty => "未入力",
        }
    }
}

/// A range of days: absolute (`YYYY-MM-DD`, either end open, inclusive) or relative to the day
/// of counting or sending (in Japan).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "range", rename_all = "snake_case")]
pub enum DayRange {
    Between {
        from: Option<String>,
        to: Option<String>,
    },
    /// Today and the `days` − 1 days before it ("followed in the last 30 days").
    WithinLastDays { days: u32 },
    /// Before the `days` days ending today ("more than 30 days ago").
    BeforeLastDays { days: u32 },
}

/// A leaf of the tree. Blocked friends and other channels' friends never match anything.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "on", rename_all = "snake_case")]
pub enum Condition {
    /// A single or multiple choice attribute.
    Choice {
        attribute_id: i64,
        #[serde(default)]
        matching: ChoiceMatch,
        option_ids: Vec<i64>,
    },
    /// A text attribute.
    Text {
        attribute_id: i64,
        #[serde(default)]
        matching: TextMatch,
        #[serde(default)]
        value: String,
    },
    /// A number attribute between `min` and `max` (inclusive; either open).
    Number {
        attribute_id: i64,
        min: Option<f64>,
        max: Option<f64>,
    },
    /// A date attribute (or a birth date/month) in a range of days.
    Date { attribute_id: i64, range: DayRange },
    /// Age on the day of counting or sending, from a birth date or month, between `min` and
    /// `max` years (inclusive; either open): 年代 "30代" is 30–39.
    Age {
        attribute_id: i64,
        min: Option<u32>,
        max: Option<u32>,
    },
    /// Has (or has not) a value for the attribute.
    Answered { attribute_id: i64, answered: bool },
    /// LINE's language setting of the friend (`ja`, `en`, ...); `""` matches friends whose
    /// language LINE did not tell.
    Language { languages: Vec<String> },
    /// When the friend (last) followed the channel.
    Followed { range: DayRange },
    /// Tapped a link of a delivery that records who clicked (「クリックした人を記録」): link
    /// `link` (1-based, as the delivery page numbers them) or any of them. With `clicked`
    /// false: received the delivery and did not tap it (a reminder to those who did not open
    /// the application page).
    Clicked {
        delivery_id: i64,
        #[serde(default)]
        link: Option<u32>,
        #[serde(default = "yes")]
        clicked: bool,
    },
}

fn yes() -> bool {
    true
}

impl Rule {
    /// An empty AND group: where the editor starts.
    pub fn empty() -> Rule {
        Rule::Group(Group::default())
    }

    /// How many conditions the tree holds.
    pub fn condition_count(&self) -> usize {
        match self {
            Rule::Condition(_) => 1,
            Rule::Group(g) => g.rules.iter().map(Rule::condition_count).sum(),
        }
    }

    /// The (delivery, link) of every 「リンクのクリック」 condition in the tree.
    pub fn click_conditions(&self) -> Vec<(i64, Option<u32>)> {
        match self {
            Rule::Condition(Condition::Clicked {
                delivery_id, link, ..
            }) => vec![(*delivery_id, *link)],
            Rule::Condition(_) => Vec::new(),
            Rule::Group(g) => g.rules.iter().flat_map(Rule::click_conditions).collect(),
        }
    }

    /// How deep groups nest (a lone condition: 0).
    pub fn depth(&self) -> usize {
        match self {
            Rule::Condition(_) => 0,
            Rule::Group(g) => 1 + g.rules.iter().map(Rule::depth).max().unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nested_rule_round_trips_through_json() {
        let rule = Rule::Group(Group {
            join: Join::All,
            negate: false,
            rules: vec![
                Rule::Condition(Condition::Choice {
                    attribute_id: 2,
                    matching: ChoiceMatch::AnyOf,
                    option_ids: vec![7],
                }),
                Rule::Group(Group {
                    join: Join::Any,
                    negate: true,
                    rules: vec![Rule::Condition(Condition::Followed {
                        range: DayRange::WithinLastDays { days: 30 },
                    })],
                }),
            ],
        });
        let json = serde_json::to_string(&rule).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Rule>(&json).ok(), Some(rule.clone()));
        assert_eq!(rule.condition_count(), 2);
        assert_eq!(rule.depth(), 2);
    }
}

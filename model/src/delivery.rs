//! What a delivery (配信) is made of, as staff edit it in the browser and the domain stores it
//! (JSON columns): its audience ([`Target`]) and its timing ([`Timing`]). Times are Japan's
//! (JST) wall-clock times as text (`YYYY-MM-DD`, `HH:MM`), checked by
//! `domain::delivery::timing`.

use serde::{Deserialize, Serialize};

use crate::segment::Rule;

/// A delivery's internal title, in characters.
pub const TITLE_MAX_CHARS: usize = 100;
/// Dates a repeated delivery skips, at most.
pub const MAX_EXCEPT_DATES: usize = 366;

/// Who receives a delivery: following friends of the delivery's channel who are in the
/// audience and not excluded.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// Every following friend (ignores `segment_ids` and `rule`).
    #[serde(default)]
    pub all_friends: bool,
    /// Saved segments: a friend in any of them is in the audience.
    #[serde(default)]
    pub segment_ids: Vec<i64>,
    /// An unsaved, one-off condition set: friends matching it are in the audience too.
    #[serde(default)]
    pub rule: Option<Rule>,
    /// Saved segments whose friends never receive it.
    #[serde(default)]
    pub exclude_segment_ids: Vec<i64>,
}

impl Target {
    pub fn everyone() -> Self {
        Self {
            all_friends: true,
            ..Self::default()
        }
    }

    /// Says who is in the audience at all (staff must choose).
    pub fn is_empty(&self) -> bool {
        !self.all_friends && self.segment_ids.is_empty() && self.rule.is_none()
    }
}

/// The rich menu a delivery shows its recipients once it is sent (spec 4(2) ア): LINE links
/// each friend it reached to the menu, until `until` if given, after which their rules or the
/// channel's default apply again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryMenu {
    /// The menu's design id (published to the delivery's channel).
    pub menu_id: i64,
    /// Japan time as a `datetime-local` field gives it (`YYYY-MM-DDTHH:MM`); empty: no end.
    #[serde(default)]
    pub until: String,
}

/// When a delivery goes out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "when", rename_all = "snake_case")]
pub enum Timing {
    /// As soon as staff confirm.
    #[default]
    Now,
    /// Once, at a date and time in Japan.
    At { date: String, time: String },
    /// Again and again at `time` in Japan, on the days `every` gives, from `start` to `end`
    /// (inclusive), skipping `except`.
    Repeat(Repeat),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repeat {
    pub every: Every,
    pub time: String,
    pub start: String,
    pub end: Option<String>,
    #[serde(default)]
    pub except: Vec<String>,
}

/// Which days a repeated delivery goes out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "every", rename_all = "snake_case")]
pub enum Every {
    Day,
    /// Weekdays, 1 (Monday) to 7 (Sunday), as ISO 8601 numbers them.
    Week {
        weekdays: Vec<u8>,
    },
    /// Days of the month, 1 to 31; a day a month lacks is skipped in that month.
    Month {
        days: Vec<u8>,
    },
}

/// Japanese names of the ISO weekdays 1..=7.
pub const WEEKDAYS_JA: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_and_target_round_trip_through_json() {
        let timing = Timing::Repeat(Repeat {
            every: Every::Week {
                weekdays: vec![2, 5],
            },
            time: "07:00".into(),
            start: "2026-12-01".into(),
            end: Some("2027-03-31".into()),
            except: vec!["2026-12-29".into()],
        });
        let json = serde_json::to_string(&timing).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Timing>(&json).ok(), Some(timing));
        let target = Target::everyone();
        let json = serde_json::to_string(&target).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Target>(&json).ok(), Some(target));
        assert!(Target::default().is_empty());
    }
}

/// One of LINE's statistics figures: not fetched yet, under 20 (LINE answers null for
/// anything under 20; never shown as 0), or a count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Figure {
    NotYet,
    Under20,
    Count(i64),
}

impl Figure {
    /// A figure of an answer fetched (or not) from LINE.
    pub fn of(fetched: bool, value: Option<i64>) -> Self {
        match (fetched, value) {
            (false, _) => Figure::NotYet,
            (true, None) => Figure::Under20,
            (true, Some(n)) => Figure::Count(n),
        }
    }

    pub fn count(self) -> Option<i64> {
        match self {
            Figure::Count(n) => Some(n),
            _ => None,
        }
    }

    /// 「集計待ち」, 「20未満」 or the number.
    pub fn label_ja(self) -> String {
        match self {
            Figure::NotYet => "集計待ち".into(),
            Figure::Under20 => "20未満".into(),
            Figure::Count(n) => n.to_string(),
        }
    }
}

/// 開封率 in percent: opens of those LINE accepted; none when opens are not a number.
pub fn open_rate(delivered: i64, opens: Figure) -> Option<f64> {
    let opens = opens.count()?;
    (delivered > 0).then(|| opens as f64 * 100.0 / delivered as f64)
}

/// A rate as staff read it: `83.3%`, or `—` when there is none.
pub fn rate_label(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".into(), |r| format!("{r:.1}%"))
}

#[cfg(test)]
mod figure_tests {
    use super::*;

    #[test]
    fn under_20_is_never_zero_and_gives_no_rate() {
        assert_eq!(Figure::of(true, None).label_ja(), "20未満");
        assert_eq!(Figure::of(false, Some(3)), Figure::NotYet);
        assert_eq!(open_rate(30, Figure::Under20), None);
        assert_eq!(rate_label(open_rate(30, Figure::Count(25))), "83.3%");
        assert_eq!(rate_label(open_rate(0, Figure::Count(0))), "—");
    }
}

//! Japan time (UTC+9, no daylight saving), where the city's staff work: days typed in filter
//! forms, periods between them, and how times are shown in the admin panel and in exports.
//! Times are stored in UTC; this is the one place they meet the calendar staff read.

use chrono::{FixedOffset, NaiveDate, TimeDelta};

use crate::{DateTime, DomainError, DomainResult};

const JST_SECONDS: i32 = 9 * 3600;

/// Japan Standard Time. (9 hours is within the ±24 hours an offset may be, checked at compile
/// time.)
const JST: FixedOffset = match FixedOffset::east_opt(JST_SECONDS) {
    Some(offset) => offset,
    None => panic!("JST is a valid offset"),
};

/// A day typed as `YYYY-MM-DD`; `what` names the field in the Japanese error.
pub fn parse_day(text: &str, what: &str) -> DomainResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        DomainError::Invalid(format!(
            "{what}は YYYY-MM-DD の形式の日付で入力してください。"
        ))
    })
}

/// The moment `day` begins in Japan.
pub fn start_of_day(day: NaiveDate) -> DateTime {
    day.and_time(chrono::NaiveTime::MIN).and_utc() - TimeDelta::seconds(JST_SECONDS.into())
}

/// A period given as days in Japan time: from the start of `from` to the end of `until`, either
/// open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Period {
    pub from: Option<DateTime>,
    /// Exclusive: the start of the day after `until`.
    pub until: Option<DateTime>,
}

impl Period {
    /// Parses `YYYY-MM-DD` days (empty = open); a bad day or a reversed period is a Japanese
    /// `Invalid` error.
    pub fn parse(from: &str, until: &str) -> DomainResult<Self> {
        let day = |text: &str, what: &str| -> DomainResult<Option<NaiveDate>> {
            if text.trim().is_empty() {
                Ok(None)
            } else {
                parse_day(text, what).map(Some)
            }
        };
        let from = day(from, "開始日")?.map(start_of_day);
        let until = day(until, "終了日")?.map(|d| start_of_day(d) + TimeDelta::days(1));
        if let (Some(f), Some(u)) = (from, until)
            && f >= u
        {
            return Err(DomainError::Invalid(
                "終了日は開始日以降の日付にしてください。".into(),
            ));
        }
        Ok(Self { from, until })
    }
}

/// `at` in Japan time with a chrono format.
pub fn format(at: DateTime, pattern: &str) -> String {
    at.with_timezone(&JST).format(pattern).to_string()
}

/// `YYYY-MM-DD HH:MM`: how the admin panel shows a time.
pub fn minutes(at: DateTime) -> String {
    format(at, "%Y-%m-%d %H:%M")
}

/// `YYYY-MM-DD HH:MM:SS`: logs and exports, where seconds matter.
pub fn seconds(at: DateTime) -> String {
    format(at, "%Y-%m-%d %H:%M:%S")
}

/// A moment typed in a `datetime-local` field (`YYYY-MM-DDTHH:MM`, Japan time); empty is
/// none. `what` names the field in the Japanese error.
pub fn parse_local_minute(text: &str, what: &str) -> DomainResult<Option<DateTime>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .map_err(|_| DomainError::Invalid(format!("{what}の日時を正しく入力してください。")))?;
    naive
        .and_local_timezone(JST)
        .single()
        .map(|t| Some(t.with_timezone(&chrono::Utc)))
        .ok_or_else(|| DomainError::Invalid(format!("{what}の日時を正しく入力してください。")))
}

/// `at` as a `datetime-local` field's value (Japan time).
pub fn local_minute_input(at: DateTime) -> String {
    format(at, "%Y-%m-%dT%H:%M")
}

/// The current time (for callers without chrono of their own).
pub fn now() -> DateTime {
    chrono::Utc::now()
}

/// The year it is in Japan now.
pub fn this_year() -> i32 {
    use chrono::Datelike;
    day_of(now()).year()
}

/// The day it is in Japan at `at` (ages are counted on it).
pub fn day_of(at: DateTime) -> NaiveDate {
    at.with_timezone(&JST).date_naive()
}

/// `HH:MM`: a time within today's chat.
pub fn clock(at: DateTime) -> String {
    format(at, "%H:%M")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn days_begin_at_midnight_in_japan() {
        let day = parse_day(" 2026-04-01 ", "開始日").unwrap_or_default();
        assert_eq!(start_of_day(day), utc("2026-03-31T15:00:00Z"));
        let err = parse_day("2026/04/01", "開始日").unwrap_err().to_string();
        assert!(err.contains("開始日は YYYY-MM-DD"), "{err}");
    }

    #[test]
    fn a_period_runs_from_the_first_day_to_the_end_of_the_last() {
        let p = Period::parse("2026-04-01", "2026-04-01").unwrap_or_default();
        assert_eq!(p.from, Some(utc("2026-03-31T15:00:00Z")));
        assert_eq!(p.until, Some(utc("2026-04-01T15:00:00Z")));
        assert_eq!(
            Period::parse("", " ").unwrap_or_default(),
            Period::default()
        );
        let err = Period::parse("2026-04-02", "2026-04-01")
            .unwrap_err()
            .to_string();
        assert!(err.contains("終了日は開始日以降"), "{err}");
    }

    #[test]
    fn times_are_shown_in_japan_time() {
        let at = utc("2026-03-31T15:04:05Z");
        assert_eq!(minutes(at), "2026-04-01 00:04");
        assert_eq!(seconds(at), "2026-04-01 00:04:05");
        assert_eq!(clock(at), "00:04");
    }
}

//! When a delivery goes out ([`Timing`]): checking what staff chose, its occurrences in Japan
//! time, and how it reads in Japanese.
//!
//! - Now: sent when staff confirm; it has no planned time of its own.
//! - At: once, at a date and time in Japan; it must be in the future when scheduled.
//! - Repeat: every day, on chosen weekdays or on chosen days of the month, at one time, from a
//!   start date to an optional end date (both inclusive), skipping excluded dates. A day a month
//!   lacks (the 31st in April) is skipped in that month. A repeat that never occurs from now on
//!   is refused.

use chrono::{Datelike, NaiveDate, NaiveTime, TimeDelta};
use model::delivery::{Every, MAX_EXCEPT_DATES, Repeat, Timing, WEEKDAYS_JA};

use crate::time::{day_of, start_of_day};
use crate::{DateTime, DomainError, DomainResult};

/// How far ahead an open-ended repeat is searched for its next occurrence (excluded dates can
/// skip at most [`MAX_EXCEPT_DATES`] days, and a day of the month occurs within two months).
const SEARCH_DAYS: i64 = 2 * 366 + 62;

fn invalid(message: impl Into<String>) -> DomainError {
    DomainError::Invalid(message.into())
}

/// `HH:MM` (00:00 to 23:59) in Japan.
pub fn parse_time(text: &str) -> DomainResult<NaiveTime> {
    let text = text.trim();
    let ok = text.len() == 5 && text.as_bytes().get(2) == Some(&b':');
    ok.then(|| NaiveTime::parse_from_str(text, "%H:%M").ok())
        .flatten()
        .ok_or_else(|| invalid("時刻は HH:MM（00:00〜23:59）の形式で入力してください。"))
}

fn parse_date(text: &str, what: &str) -> DomainResult<NaiveDate> {
    crate::time::parse_day(text, what)
}

/// The moment `time` on `day` in Japan.
pub fn at_jst(day: NaiveDate, time: NaiveTime) -> DateTime {
    start_of_day(day) + (time - NaiveTime::MIN)
}

/// A repeat with its fields read.
struct Rule {
    every: Every,
    time: NaiveTime,
    start: NaiveDate,
    end: Option<NaiveDate>,
    except: Vec<NaiveDate>,
}

impl Rule {
    fn read(r: &Repeat) -> DomainResult<Self> {
        let time = parse_time(&r.time)?;
        let start = parse_date(&r.start, "開始日")?;
        let end = match r.end.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(e) => Some(parse_date(e, "終了日")?),
        };
        if end.is_some_and(|e| e < start) {
            return Err(invalid("終了日は開始日以降の日付にしてください。"));
        }
        if r.except.len() > MAX_EXCEPT_DATES {
            return Err(invalid(format!(
                "除外する日は{MAX_EXCEPT_DATES}日までにしてください。"
            )));
        }
        let except = r
            .except
            .iter()
            .map(|d| parse_date(d, "除外する日"))
            .collect::<DomainResult<Vec<_>>>()?;
        match &r.every {
            Every::Day => {}
            Every::Week { weekdays } => {
                if weekdays.is_empty() {
                    return Err(invalid("毎週の配信は曜日を1つ以上選んでください。"));
                }
                if weekdays.iter().any(|d| !(1..=7).contains(d)) {
                    return Err(invalid("曜日は 1（月）〜7（日）で指定してください。"));
                }
            }
            Every::Month { days } => {
                if days.is_empty() {
                    return Err(invalid("毎月の配信は日を1つ以上選んでください。"));
                }
                if days.iter().any(|d| !(1..=31).contains(d)) {
                    return Err(invalid("日は 1〜31 で指定してください。"));
                }
            }
        }
        Ok(Self {
            every: r.every.clone(),
            time,
            start,
            end,
            except,
        })
    }

    fn on(&self, day: NaiveDate) -> bool {
        if day < self.start || self.end.is_some_and(|e| day > e) || self.except.contains(&day) {
            return false;
        }
        match &self.every {
            Every::Day => true,
            Every::Week { weekdays } => {
                let iso = u8::try_from(day.weekday().number_from_monday()).unwrap_or(0);
                weekdays.contains(&iso)
            }
            Every::Month { days } => {
                let d = u8::try_from(day.day()).unwrap_or(0);
                days.contains(&d)
            }
        }
    }

    /// Occurrences from `from` (inclusive) to `until` (exclusive), at most `limit`.
    fn between(&self, from: DateTime, until: DateTime, limit: usize) -> Vec<DateTime> {
        let mut out = Vec::new();
        let mut day = day_of(from).max(self.start);
        let last = self
            .end
            .map_or_else(|| day_of(until), |e| e.min(day_of(until)));
        while day <= last && out.len() < limit {
            if self.on(day) {
                let at = at_jst(day, self.time);
                if at >= from && at < until {
                    out.push(at);
                }
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        out
    }
}

/// Checks the form of `timing` (dates, times, weekdays, days) without asking whether it is in
/// the future: what a draft must satisfy to be saved.
pub fn check_form(timing: &Timing) -> DomainResult<()> {
    match timing {
        Timing::Now => Ok(()),
        Timing::At { date, time } => {
            parse_date(date, "配信日")?;
            parse_time(time)?;
            Ok(())
        }
        Timing::Repeat(r) => Rule::read(r).map(|_| ()),
    }
}

/// Checks that `timing` can be scheduled at `now`: a time in the future, or a repeat with at
/// least one occurrence from now on. Japanese messages for staff.
pub fn check(timing: &Timing, now: DateTime) -> DomainResult<()> {
    check_form(timing)?;
    match timing {
        Timing::Now => Ok(()),
        Timing::At { .. } => match next_after(timing, now) {
            Some(_) => Ok(()),
            None => Err(invalid(
                "配信日時が過ぎています。これから先の日時を指定してください。",
            )),
        },
        Timing::Repeat(_) => match next_after(timing, now) {
            Some(_) => Ok(()),
            None => Err(invalid(
                "この繰り返しの設定では、これから先に配信される日がありません。曜日・日付・期間・除外する日を見直してください。",
            )),
        },
    }
}

/// The first planned time strictly after `after` (`None`: none left, or sent now, which has no
/// planned time). An unreadable timing has none.
pub fn next_after(timing: &Timing, after: DateTime) -> Option<DateTime> {
    match timing {
        Timing::Now => None,
        Timing::At { date, time } => {
            let at = at_jst(parse_date(date, "配信日").ok()?, parse_time(time).ok()?);
            (at > after).then_some(at)
        }
        Timing::Repeat(r) => {
            let rule = Rule::read(r).ok()?;
            // Strictly after, to the clock's precision: a whole second would skip an
            // occurrence when `after` falls within the second before it.
            let from = after + TimeDelta::nanoseconds(1);
            let until = from + TimeDelta::days(SEARCH_DAYS);
            rule.between(from, until, 1).into_iter().next()
        }
    }
}

/// The planned times from `from` (inclusive) to `until` (exclusive): for the calendar.
pub fn occurrences(timing: &Timing, from: DateTime, until: DateTime) -> Vec<DateTime> {
    match timing {
        Timing::Now => Vec::new(),
        Timing::At { date, time } => {
            let at = parse_date(date, "配信日")
                .ok()
                .zip(parse_time(time).ok())
                .map(|(d, t)| at_jst(d, t));
            at.filter(|at| *at >= from && *at < until)
                .into_iter()
                .collect()
        }
        Timing::Repeat(r) => Rule::read(r)
            .map(|rule| rule.between(from, until, 1000))
            .unwrap_or_default(),
    }
}

/// `7:00` (hours without a leading zero).
fn clock(time: &str) -> String {
    match parse_time(time) {
        Ok(t) => t.format("%H:%M").to_string(),
        Err(_) => time.to_owned(),
    }
}

/// `2026-12-01`, as every date in the admin panel reads.
fn day(date: &str) -> String {
    match parse_date(date, "") {
        Ok(d) => d.format("%Y-%m-%d").to_string(),
        Err(_) => date.to_owned(),
    }
}

/// How `timing` reads in lists: 「すぐに配信」, 「2026-12-01 07:00」, 「毎週 火・金 07:00
/// （2026-12-01〜2027-03-31、除外 2日）」.
pub fn summary_ja(timing: &Timing) -> String {
    match timing {
        Timing::Now => "すぐに配信".into(),
        Timing::At { date, time } => format!("{} {}", day(date), clock(time)),
        Timing::Repeat(r) => {
            let days = match &r.every {
                Every::Day => "毎日".to_owned(),
                Every::Week { weekdays } => {
                    let mut sorted = weekdays.clone();
                    sorted.sort_unstable();
                    sorted.dedup();
                    let names: Vec<&str> = sorted
                        .iter()
                        .filter_map(|d| WEEKDAYS_JA.get(usize::from(*d).checked_sub(1)?))
                        .copied()
                        .collect();
                    format!("毎週 {}", names.join("・"))
                }
                Every::Month { days } => {
                    let mut sorted = days.clone();
                    sorted.sort_unstable();
                    sorted.dedup();
                    let names: Vec<String> = sorted.iter().map(u8::to_string).collect();
                    format!("毎月 {}日", names.join("・"))
                }
            };
            let end = r
                .end
                .as_deref()
                .filter(|e| !e.trim().is_empty())
                .map(day)
                .unwrap_or_default();
            let mut period = format!("{}〜{end}", day(&r.start));
            if !r.except.is_empty() {
                period.push_str(&format!("、除外 {}日", r.except.len()));
            }
            format!("{days} {}（{period}）", clock(&r.time))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn weekly(weekdays: Vec<u8>, start: &str, end: Option<&str>, except: &[&str]) -> Timing {
        Timing::Repeat(Repeat {
            every: Every::Week { weekdays },
            time: "07:00".into(),
            start: start.into(),
            end: end.map(Into::into),
            except: except.iter().map(|d| (*d).to_owned()).collect(),
        })
    }

    #[test]
    fn a_repeat_reads_in_japanese() {
        let t = weekly(
            vec![5, 2],
            "2026-12-01",
            Some("2027-03-31"),
            &["2026-12-29", "2027-01-01"],
        );
        assert_eq!(
            summary_ja(&t),
            "毎週 火・金 07:00（2026-12-01〜2027-03-31、除外 2日）"
        );
        let monthly = Timing::Repeat(Repeat {
            every: Every::Month { days: vec![15, 1] },
            time: "18:30".into(),
            start: "2026-12-01".into(),
            end: None,
            except: Vec::new(),
        });
        assert_eq!(summary_ja(&monthly), "毎月 1・15日 18:30（2026-12-01〜）");
        let at = Timing::At {
            date: "2026-12-01".into(),
            time: "09:05".into(),
        };
        assert_eq!(summary_ja(&at), "2026-12-01 09:05");
        assert_eq!(summary_ja(&Timing::Now), "すぐに配信");
    }

    #[test]
    fn times_are_japan_times() {
        let at = Timing::At {
            date: "2026-12-01".into(),
            time: "07:00".into(),
        };
        let now = utc("2026-11-30T00:00:00Z");
        assert_eq!(next_after(&at, now), Some(utc("2026-11-30T22:00:00Z")));
        assert!(check(&at, now).is_ok());
        let err = check(&at, utc("2026-11-30T22:00:00Z")).unwrap_err();
        assert!(err.to_string().contains("過ぎています"), "{err}");
    }

    #[test]
    fn weekly_repeats_skip_excluded_days_and_stop_at_the_end() {
        // 2026-12-01 is a Tuesday.
        let t = weekly(
            vec![2, 5],
            "2026-12-01",
            Some("2026-12-11"),
            &["2026-12-04"],
        );
        let all = occurrences(&t, utc("2026-11-01T00:00:00Z"), utc("2027-01-01T00:00:00Z"));
        assert_eq!(
            all,
            [
                utc("2026-11-30T22:00:00Z"),
                utc("2026-12-07T22:00:00Z"),
                utc("2026-12-10T22:00:00Z")
            ]
        );
        assert_eq!(
            next_after(&t, utc("2026-11-30T22:00:00Z")),
            Some(utc("2026-12-07T22:00:00Z"))
        );
        assert_eq!(next_after(&t, utc("2026-12-10T22:00:00Z")), None);
    }

    #[test]
    fn monthly_repeats_skip_days_a_month_lacks() {
        let t = Timing::Repeat(Repeat {
            every: Every::Month { days: vec![31] },
            time: "00:00".into(),
            start: "2027-01-01".into(),
            end: None,
            except: Vec::new(),
        });
        let all = occurrences(&t, utc("2026-12-31T15:00:00Z"), utc("2027-04-30T15:00:00Z"));
        assert_eq!(
            all,
            [utc("2027-01-30T15:00:00Z"), utc("2027-03-30T15:00:00Z")]
        );
    }

    #[test]
    fn repeats_that_never_occur_are_refused() {
        let now = utc("2026-11-30T00:00:00Z");
        // Only Mondays, but the one Monday of the period is excluded.
        let t = weekly(vec![1], "2026-12-01", Some("2026-12-07"), &["2026-12-07"]);
        let err = check(&t, now).unwrap_err().to_string();
        assert!(err.contains("配信される日がありません"), "{err}");
        // Ended in the past.
        let t = weekly(vec![1, 2, 3], "2026-01-01", Some("2026-02-01"), &[]);
        assert!(check(&t, now).is_err());
        let t = weekly(Vec::new(), "2026-12-01", None, &[]);
        assert!(check(&t, now).unwrap_err().to_string().contains("曜日"));
        let t = weekly(vec![8], "2026-12-01", None, &[]);
        assert!(check(&t, now).is_err());
        let t = weekly(vec![1], "2026-12-01", Some("2026-11-01"), &[]);
        assert!(check(&t, now).unwrap_err().to_string().contains("終了日"));
        let bad_time = Timing::At {
            date: "2026-12-01".into(),
            time: "24:00".into(),
        };
        assert!(
            check(&bad_time, now)
                .unwrap_err()
                .to_string()
                .contains("HH:MM")
        );
    }

    #[test]
    fn daily_repeats_occur_every_day_from_the_start() {
        let t = Timing::Repeat(Repeat {
            every: Every::Day,
            time: "12:00".into(),
            start: "2026-12-01".into(),
            end: None,
            except: Vec::new(),
        });
        assert_eq!(
            next_after(&t, utc("2026-12-01T03:00:00Z")),
            Some(utc("2026-12-02T03:00:00Z"))
        );
        assert_eq!(
            next_after(&t, utc("2026-12-01T02:59:59Z")),
            Some(utc("2026-12-01T03:00:00Z"))
        );
        // Scheduled within the last second before it, the day's occurrence still counts.
        assert_eq!(
            next_after(&t, utc("2026-12-01T02:59:59.900Z")),
            Some(utc("2026-12-01T03:00:00Z"))
        );
    }
}

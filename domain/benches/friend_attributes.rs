//! Friend attributes at a large city's scale, on SQLite and (with `TEST_POSTGRES_URL`) on
//! PostgreSQL. Prints a Markdown table for docs/benchmarks.md.
//!
//! - Counting the following friends that match 5 conditions over 1,000,000 friends (the
//!   friends list's AND of conditions): goal p50 < 100 ms.
//! - Counting a segment's audience over the same friends: a rule of 5 conditions with a nested
//!   NOT (… OR …) group, as the segment editor and a delivery count it (issue 13): goal p50
//!   < 100 ms; and the editor's full ask (count and a sample of 10 friends).
//! - Exporting 1,000,000 friends with every attribute as CSV: goal < 10 s, flat memory.
//! - Checking and applying a 100,000-row import: goal < 10 s.
//!
//!   cargo bench -p domain --bench friend_attributes   (FRIENDS=200000 for a quicker run)

// A benchmark reports on standard output.
#![allow(clippy::print_stdout)]
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use domain::audience::attribute_csv::{self, ExportSink};
use domain::audience::attributes::{self, Attribute, AttributeEdit, OptionEdit, OptionState};
use domain::audience::friends::FriendQuery;
use domain::audience::index::AudienceIndex;
use domain::audience::segments::Selection;
use domain::audience::values::{self, Condition};
use domain::csv::Encoding;
use domain::db::Backend;
use domain::entities::friend;
use domain::security::audit::Actor;
use domain::testing::TestDb;
use model::segment::{self as rule, ChoiceMatch, Group, Join, Rule};
use model::status::FriendStatus;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait};

fn main() {
    let friends: usize = std::env::var("FRIENDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("| measure ({friends} friends) | SQLite | PostgreSQL |");
    println!("|---|---|---|");
    let sqlite = runtime.block_on(run(Backend::Sqlite, friends));
    let postgres = std::env::var("TEST_POSTGRES_URL")
        .is_ok()
        .then(|| runtime.block_on(run(Backend::Postgres, friends)));
    for (i, (measure, value)) in sqlite.iter().enumerate() {
        let other = postgres
            .as_ref()
            .map_or("(not run)".to_owned(), |p| p[i].1.clone());
        println!("| {measure} | {value} | {other} |");
    }
    println!(
        "\npeak resident memory of the benchmark process: {}",
        peak_rss()
    );
}

fn peak_rss() -> String {
    status_field("VmHWM")
}

/// Anonymous resident memory (the heap): a SQLite database read through a memory map shows as
/// file-backed resident pages, which the kernel drops at will, so those are not counted.
fn rss_kib() -> u64 {
    status_field("RssAnon")
        .trim_end_matches(" kB")
        .trim()
        .parse()
        .unwrap_or(0)
}

fn status_field(name: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(name))
        .map_or_else(String::new, |l| {
            l.split_once(':').map_or("", |(_, v)| v).trim().to_owned()
        })
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

async fn run(backend: Backend, friends: usize) -> Vec<(String, String)> {
    let t = TestDb::new(backend).await;
    let db = &t.db;
    let actor = Actor::command_line();
    let started = Instant::now();
    let channel_id = fill(db, friends).await;
    let fill_time = started.elapsed();
    let all = attributes::list(db).await.unwrap();
    let by_key = |key: &str| all.iter().find(|a| a.key == key).unwrap().clone();
    let (district, interests, birth, gender, language) = (
        by_key("district"),
        by_key("interests"),
        by_key("birth_month"),
        by_key("gender"),
        by_key("receive_language"),
    );
    let option = |a: &Attribute, i: usize| a.options[i].id;
    let conditions = vec![
        Condition::HasOption {
            attribute_id: district.id,
            option_ids: vec![
                option(&district, 0),
                option(&district, 1),
                option(&district, 2),
            ],
        },
        Condition::HasOption {
            attribute_id: interests.id,
            option_ids: vec![option(&interests, 0)],
        },
        Condition::AgeBetween {
            attribute_id: birth.id,
            min: Some(30),
            max: Some(59),
        },
        Condition::HasOption {
            attribute_id: gender.id,
            option_ids: vec![option(&gender, 1)],
        },
        Condition::HasOption {
            attribute_id: language.id,
            option_ids: vec![option(&language, 0)],
        },
    ];
    let now = Utc::now();
    let index = AudienceIndex::new();
    // The first count reads everything into the index (what a server does once after start).
    let started = Instant::now();
    index
        .count_following(db, channel_id, &conditions, now)
        .await
        .unwrap();
    let index_load = started.elapsed();
    let mut timings = Vec::new();
    let mut matched = 0;
    for _ in 0..21 {
        let started = Instant::now();
        matched = index
            .count_following(db, channel_id, &conditions, now)
            .await
            .unwrap();
        timings.push(started.elapsed());
    }
    // The same count in SQL (the friends list's filter), for comparison and as a check.
    let sql_started = Instant::now();
    let sql_count = sql_count(db, channel_id, &conditions, now).await;
    let sql_time = sql_started.elapsed();
    assert_eq!(sql_count, matched, "the index and SQL disagree");
    timings.sort();
    let count_p50 = timings[timings.len() / 2];
    let count_max = timings[timings.len() - 1];

    // A segment (issue 13): 3 of 10 districts AND an interest AND age 30-59 AND NOT (a gender
    // OR LINE's language English): 5 conditions, one nested OR/NOT group.
    let choice = |a: &Attribute, ids: Vec<i64>| {
        Rule::Condition(rule::Condition::Choice {
            attribute_id: a.id,
            matching: ChoiceMatch::AnyOf,
            option_ids: ids,
        })
    };
    let segment = Rule::Group(Group {
        join: Join::All,
        negate: false,
        rules: vec![
            choice(
                &district,
                vec![
                    option(&district, 0),
                    option(&district, 1),
                    option(&district, 2),
                ],
            ),
            choice(&interests, vec![option(&interests, 0)]),
            Rule::Condition(rule::Condition::Age {
                attribute_id: birth.id,
                min: Some(30),
                max: Some(59),
            }),
            Rule::Group(Group {
                join: Join::Any,
                negate: true,
                rules: vec![
                    choice(&gender, vec![option(&gender, 1)]),
                    Rule::Condition(rule::Condition::Language {
                        languages: vec!["en".into()],
                    }),
                ],
            }),
        ],
    });
    assert_eq!(segment.condition_count(), 5);
    let selection = Selection {
        all_friends: false,
        include: vec![segment],
        exclude: Vec::new(),
    };
    let mut segment_timings = Vec::new();
    let mut segment_matched = 0;
    for _ in 0..21 {
        let started = Instant::now();
        segment_matched = index.count(db, channel_id, &selection, now).await.unwrap();
        segment_timings.push(started.elapsed());
    }
    segment_timings.sort();
    let mut editor_timings = Vec::new();
    for _ in 0..21 {
        let started = Instant::now();
        let (count, sample) = index
            .count_and_sample(db, channel_id, &selection, now, 10)
            .await
            .unwrap();
        assert_eq!((count, sample.len()), (segment_matched, 10));
        editor_timings.push(started.elapsed());
    }
    editor_timings.sort();
    let started = Instant::now();
    let recipients = index
        .friend_ids(db, channel_id, &selection, now)
        .await
        .unwrap();
    let recipients_time = started.elapsed();
    assert_eq!(recipients.len() as u64, segment_matched);
    let sql_started = Instant::now();
    let segment_sql = segment_sql_count(
        db,
        channel_id,
        [&district, &interests, &birth, &gender],
        now,
    )
    .await;
    let segment_sql_time = sql_started.elapsed();
    assert_eq!(
        segment_sql, segment_matched,
        "the index and SQL disagree on the segment"
    );

    // Export: every friend, every attribute, bytes counted and dropped.
    let before = rss_kib();
    let mut sink = Counting::default();
    let started = Instant::now();
    let rows = attribute_csv::export(
        db,
        &actor,
        channel_id,
        &FriendQuery::default(),
        &attribute_csv::ExportOptions {
            encoding: Encoding::Utf8,
            now,
            survey_answers: None,
        },
        &mut sink,
    )
    .await
    .unwrap();
    let export_time = started.elapsed();
    let growth = sink.peak_rss.saturating_sub(before);

    // Import: 100,000 rows changing district and gender, adding a birth month.
    let import_rows = friends.min(100_000);
    let mut file = String::from("line_user_id,district,gender,birth_month\r\n");
    for i in 1..=import_rows {
        let d = &district.options[(i * 3) % 10].label;
        let g = &gender.options[(i + 1) % 4].label;
        file.push_str(&format!(
            "U{i:032},{d},{g},{}-{:02}\r\n",
            1940 + i % 60,
            1 + i % 12
        ));
    }
    let started = Instant::now();
    let report = attribute_csv::check(db, channel_id, file.as_bytes(), now)
        .await
        .unwrap();
    let check_time = started.elapsed();
    assert!(report.is_clean(), "{}", report.problems_text());
    let started = Instant::now();
    let applied = attribute_csv::apply(db, &actor, channel_id, file.as_bytes(), "bench.csv", now)
        .await
        .unwrap();
    let apply_time = started.elapsed();

    vec![
        (
            "fill (friends and ~6.5 values each)".into(),
            format!("{:.1} s", fill_time.as_secs_f64()),
        ),
        (
            "count following friends matching 5 conditions, p50 of 21 (goal < 100 ms)".into(),
            format!("{} ({matched} match)", ms(count_p50)),
        ),
        ("the same, slowest of 21".into(), ms(count_max)),
        (
            "first count after start (reads every friend and value into the index)".into(),
            format!("{:.2} s", index_load.as_secs_f64()),
        ),
        (
            "the same count in SQL (one query, no index in memory)".into(),
            ms(sql_time),
        ),
        (
            "segment count: 5 conditions with a nested NOT (… OR …) group, p50 of 21 (goal < 100 ms)"
                .into(),
            format!(
                "{} ({segment_matched} match)",
                ms(segment_timings[segment_timings.len() / 2])
            ),
        ),
        (
            "the same, slowest of 21".into(),
            ms(segment_timings[segment_timings.len() - 1]),
        ),
        (
            "the segment editor's ask: count and a sample of 10 friends, p50 of 21".into(),
            ms(editor_timings[editor_timings.len() / 2]),
        ),
        (
            "every recipient's id of that segment (what a delivery stores)".into(),
            ms(recipients_time),
        ),
        (
            "the same segment counted in SQL (one query, no index in memory)".into(),
            ms(segment_sql_time),
        ),
        (
            "export every friend and attribute as CSV (goal < 10 s)".into(),
            format!(
                "{:.2} s ({rows} rows, {:.0} MB)",
                export_time.as_secs_f64(),
                sink.bytes as f64 / 1e6
            ),
        ),
        (
            "heap (anonymous resident memory) growth during the export (flat: independent of rows)"
                .into(),
            format!("{:.1} MB", growth as f64 / 1024.0),
        ),
        (
            format!("check a {import_rows}-row import (goal with apply < 10 s)"),
            format!("{:.2} s", check_time.as_secs_f64()),
        ),
        (
            format!(
                "apply it in one transaction ({} values changed or added)",
                applied.added + applied.changed
            ),
            format!("{:.2} s", apply_time.as_secs_f64()),
        ),
    ]
}

async fn sql_count(
    db: &DatabaseConnection,
    channel_id: i64,
    conditions: &[Condition],
    now: chrono::DateTime<Utc>,
) -> u64 {
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    friend::Entity::find()
        .filter(friend::Column::ChannelId.eq(channel_id))
        .filter(friend::Column::Status.eq(FriendStatus::Following))
        .filter(values::matching_all(conditions, now))
        .count(db)
        .await
        .unwrap()
}

/// The bench's segment counted by one SQL query (a check of the index, and what counting would
/// cost without it): district, interest, age 30-59 from the birth month (the same bounds as
/// `values::Condition::AgeBetween`), and NOT (the gender OR LINE's language English).
async fn segment_sql_count(
    db: &DatabaseConnection,
    channel_id: i64,
    [district, interests, birth, gender]: [&Attribute; 4],
    now: chrono::DateTime<Utc>,
) -> u64 {
    let today = domain::time::day_of(now);
    let years = |n: u32| {
        today
            .checked_sub_months(chrono::Months::new(n * 12))
            .unwrap()
            .format("%Y-%m-%d")
            .to_string()
    };
    let has = |a: &Attribute, ids: &[usize]| {
        let ids: Vec<String> = ids.iter().map(|i| a.options[*i].id.to_string()).collect();
        format!(
            "f.id IN (SELECT friend_id FROM friend_attribute_value WHERE attribute_id = {} AND option_id IN ({}))",
            a.id,
            ids.join(",")
        )
    };
    let sql = format!(
        "SELECT COUNT(*) AS n FROM friend f WHERE f.channel_id = {channel_id} AND f.status = 'following' \
         AND {} AND {} \
         AND f.id IN (SELECT friend_id FROM friend_attribute_value WHERE attribute_id = {} AND value <= '{}' AND value > '{}') \
         AND NOT ({} OR lower(coalesce(f.language, '')) = 'en')",
        has(district, &[0, 1, 2]),
        has(interests, &[0]),
        birth.id,
        years(30),
        years(60),
        has(gender, &[1]),
    );
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap() as u64
}

#[derive(Default)]
struct Counting {
    bytes: usize,
    peak_rss: u64,
}

impl ExportSink for Counting {
    async fn send(&mut self, bytes: Vec<u8>) -> domain::DomainResult<()> {
        self.bytes += bytes.len();
        self.peak_rss = self.peak_rss.max(rss_kib());
        Ok(())
    }
}

/// `friends` following friends `U000…1`.. with the starter attributes filled in by SQL on the
/// database (10 districts, two interests each, birth months 1930-2009, gender, language).
async fn fill(db: &DatabaseConnection, friends: usize) -> i64 {
    let channel_id = domain::testing::line_channel(db, "main").await;
    let all = attributes::list(db).await.unwrap();
    let district = all.iter().find(|a| a.key == "district").unwrap();
    attributes::update(
        db,
        &Actor::command_line(),
        district.id,
        AttributeEdit {
            label: district.label.clone(),
            kind: district.kind,
            options: (1..=10)
                .map(|i| OptionEdit {
                    id: None,
                    label: format!("第{i}地区"),
                    state: OptionState::Active,
                })
                .collect(),
        },
    )
    .await
    .unwrap();
    let followed = Utc::now() - TimeDelta::days(30);
    let mut batch = Vec::with_capacity(1000);
    for i in 1..=friends {
        batch.push(friend::ActiveModel {
            channel_id: Set(channel_id),
            line_user_id: Set(format!("U{i:032}")),
            display_name: Set(Some(format!("市民{i}"))),
            language: Set(Some("ja".into())),
            status: Set(if i % 20 == 0 {
                FriendStatus::Blocked
            } else {
                FriendStatus::Following
            }),
            first_followed_at: Set(followed),
            followed_at: Set(followed),
            updated_at: Set(followed),
            ..Default::default()
        });
        if batch.len() == 1000 || i == friends {
            friend::Entity::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(db)
                .await
                .unwrap();
        }
    }
    let all = attributes::list(db).await.unwrap();
    let attr = |key: &str| all.iter().find(|a| a.key == key).unwrap();
    let first = |key: &str| attr(key).options[0].id;
    let month = match domain::db::backend_of(db) {
        Backend::Sqlite => "printf('%04d-%02d', 1930 + id % 80, 1 + id % 12)",
        Backend::Postgres => {
            "lpad((1930 + id % 80)::text, 4, '0') || '-' || lpad((1 + id % 12)::text, 2, '0')"
        }
    };
    let statements = [
        format!(
            "INSERT INTO friend_attribute_value (friend_id, attribute_id, option_id, source, updated_at) \
             SELECT id, {}, {} + (id * 7) % 10, 'csv', updated_at FROM friend",
            attr("district").id,
            first("district")
        ),
        format!(
            "INSERT INTO friend_attribute_value (friend_id, attribute_id, option_id, source, updated_at) \
             SELECT id, {a}, {o} + id % 6, 'csv', updated_at FROM friend \
             UNION ALL SELECT id, {a}, {o} + (id % 6 + 1 + (id / 7) % 5) % 6, 'csv', updated_at FROM friend",
            a = attr("interests").id,
            o = first("interests")
        ),
        format!(
            "INSERT INTO friend_attribute_value (friend_id, attribute_id, value, source, updated_at) \
             SELECT id, {}, {month}, 'csv', updated_at FROM friend",
            attr("birth_month").id
        ),
        format!(
            "INSERT INTO friend_attribute_value (friend_id, attribute_id, option_id, source, updated_at) \
             SELECT id, {}, {} + (id * 3) % 4, 'csv', updated_at FROM friend",
            attr("gender").id,
            first("gender")
        ),
        format!(
            "INSERT INTO friend_attribute_value (friend_id, attribute_id, option_id, source, updated_at) \
             SELECT id, {}, {} + CASE WHEN id % 10 = 0 THEN 1 + id % 6 ELSE 0 END, 'csv', updated_at FROM friend",
            attr("receive_language").id,
            first("receive_language")
        ),
        "ANALYZE".to_owned(),
    ];
    for sql in statements {
        db.execute_unprepared(&sql).await.unwrap();
    }
    channel_id
}

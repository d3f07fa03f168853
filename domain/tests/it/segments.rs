//! Segments (セグメント): the audience index's answer to every kind of condition, nested groups,
//! NOT and exclusions, checked against a plain evaluation in Rust over the rows read back from
//! the database; saved segments with department scope, versions and validation (SQLite and
//! PostgreSQL for every test).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use domain::audience::attribute_csv;
use domain::audience::attributes::{
    self, Attribute, AttributeEdit, NewAttribute, OptionEdit, OptionState, fold,
};
use domain::audience::friends::{self, FriendQuery, ProfileData};
use domain::audience::index::AudienceIndex;
use domain::audience::segments::{self, SegmentInput, Selection};
use domain::audience::values::{self, ValueInput};
use domain::entities::{audit_log, delivery, friend, friend_attribute_value};
use domain::security::audit::Actor;
use domain::staff::departments;
use domain::testing::TestDb;
use domain::{DatabaseConnection, DomainError, db_tests};
use model::access::Scope;
use model::delivery::Target;
use model::segment::{ChoiceMatch, Condition, DayRange, Group, Join, Rule, TextMatch};
use model::status::{AttributeKind, DeliveryStatus, FriendStatus};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, QueryOrder};

/// 2026-11-27 12:00 in Japan.
fn now() -> DateTime<Utc> {
    "2026-11-27T03:00:00Z".parse().unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
}

fn staff(username: &str) -> Actor {
    Actor {
        staff_id: None,
        username: username.into(),
        client_addr: None,
    }
}

fn cond(c: Condition) -> Rule {
    Rule::Condition(c)
}

fn group(join: Join, negate: bool, rules: Vec<Rule>) -> Rule {
    Rule::Group(Group {
        join,
        negate,
        rules,
    })
}

fn all(rules: Vec<Rule>) -> Rule {
    group(Join::All, false, rules)
}

fn any(rules: Vec<Rule>) -> Rule {
    group(Join::Any, false, rules)
}

fn not(rules: Vec<Rule>) -> Rule {
    group(Join::All, true, rules)
}

fn between(from: Option<&str>, to: Option<&str>) -> DayRange {
    DayRange::Between {
        from: from.map(Into::into),
        to: to.map(Into::into),
    }
}

async fn by_key(db: &DatabaseConnection, key: &str) -> Attribute {
    attributes::list(db)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.key == key)
        .unwrap()
}

fn option(a: &Attribute, label: &str) -> i64 {
    a.options.iter().find(|o| o.label == label).unwrap().id
}

/// 地区 with four options, and four more attributes: text, number, date, birth date.
async fn define_attributes(db: &DatabaseConnection) {
    let district = by_key(db, "district").await;
    attributes::update(
        db,
        &staff("sato"),
        district.id,
        AttributeEdit {
            label: district.label.clone(),
            kind: district.kind,
            options: ["那加", "稲羽", "鵜沼", "川島"]
                .map(|label| OptionEdit {
                    id: None,
                    label: label.into(),
                    state: OptionState::Active,
                })
                .to_vec(),
        },
    )
    .await
    .unwrap();
    for (key, label, kind) in [
        ("association", "自治会", AttributeKind::Text),
        ("household", "世帯人数", AttributeKind::Number),
        ("moved_in", "転入日", AttributeKind::Date),
        ("birthday", "生年月日", AttributeKind::BirthDate),
    ] {
        attributes::create(
            db,
            &staff("sato"),
            NewAttribute {
                key: key.into(),
                label: label.into(),
                kind,
                options: Vec::new(),
            },
        )
        .await
        .unwrap();
    }
}

/// When friend `i` followed: `i % 60` days before now, some late in the evening of the day
/// before in Japan (13 hours before noon).
fn followed_at(i: usize) -> DateTime<Utc> {
    let hours = if i.is_multiple_of(4) {
        13
    } else {
        i as i64 % 3
    };
    now() - TimeDelta::days((i % 60) as i64) - TimeDelta::hours(hours)
}

/// A channel with `n` friends `{prefix}1..` (every 11th blocked), LINE languages, and values of
/// every attribute type (with blanks). Returns the channel's id.
async fn populate(db: &DatabaseConnection, key: &str, prefix: &str, n: usize) -> i64 {
    let channel_id = domain::testing::line_channel(db, key).await;
    let languages = [
        Some("ja"),
        Some("en"),
        Some("zh-Hant"),
        None,
        Some("ko"),
        Some("JA"),
    ];
    for i in 1..=n {
        let user = format!("{prefix}{i}");
        friends::follow(db, channel_id, &user, followed_at(i))
            .await
            .unwrap();
        if let Some(language) = languages[i % languages.len()] {
            friends::set_profile(
                db,
                channel_id,
                &user,
                ProfileData {
                    display_name: Some(format!("市民{i}")),
                    language: Some(language.into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        }
        if i % 11 == 0 {
            friends::unfollow(
                db,
                channel_id,
                &user,
                followed_at(i) + TimeDelta::minutes(5),
            )
            .await
            .unwrap();
        }
    }
    let districts = ["那加", "稲羽", "鵜沼", "川島"];
    let interests = [
        "防災・防犯",
        "子育て・教育",
        "健康・医療・福祉",
        "イベント・観光・文化",
        "ごみ・環境",
        "市政・くらし・手続き",
    ];
    let genders = ["男性", "女性", "その他", "回答しない"];
    let associations = [
        "那加第一自治会",
        "ＮＡＫＡ自治会",
        "naka自治会",
        "稲羽東",
        "Naka Higashi",
    ];
    let mut file = String::from(
        "line_user_id,district,interests,birth_month,gender,association,household,moved_in,birthday\n",
    );
    for i in 1..=n {
        let district = if i % 6 == 0 { "" } else { districts[i % 4] };
        let interest = match i % 5 {
            0 => String::new(),
            1 => interests[i % 6].to_owned(),
            _ => format!("{}|{}", interests[i % 6], interests[(i / 2 + 1) % 6]),
        };
        let birth_month = match i {
            1 => "1996-11".to_owned(),
            2 => "1996-12".to_owned(),
            _ if i % 8 == 0 => String::new(),
            _ => format!("{}-{:02}", 1930 + (i * 3) % 80, 1 + (i * 5) % 12),
        };
        let gender = if i % 7 == 0 { "" } else { genders[i % 4] };
        let association = if i % 3 == 0 { "" } else { associations[i % 5] };
        let household = match i % 7 {
            0 => String::new(),
            5 => "2.5".to_owned(),
            k => k.to_string(),
        };
        let moved_in = if i % 9 == 0 {
            String::new()
        } else {
            (today() - TimeDelta::days(((i * 13) % 400) as i64)).to_string()
        };
        let birthday = match i {
            // 30 today, and 30 tomorrow.
            3 => "1996-11-27".to_owned(),
            4 => "1996-11-28".to_owned(),
            _ if i % 10 == 0 => String::new(),
            _ => format!(
                "{}-{:02}-{:02}",
                1940 + (i * 7) % 70,
                1 + i % 12,
                1 + (i * 3) % 28
            ),
        };
        file.push_str(&format!(
            "{prefix}{i},{district},{interest},{birth_month},{gender},{association},{household},{moved_in},{birthday}\n"
        ));
    }
    let report = attribute_csv::apply(
        db,
        &staff("sato"),
        channel_id,
        file.as_bytes(),
        "seed.csv",
        now(),
    )
    .await
    .unwrap();
    assert_eq!(report.problem_count, 0, "{}", report.problems_text());
    channel_id
}

/// A stored value row: option id, value, number.
type ValueRow = (Option<i64>, Option<String>, Option<f64>);

/// A friend as read back from the database, for the plain evaluation.
struct Row {
    id: i64,
    channel_id: i64,
    following: bool,
    language: Option<String>,
    followed_day: NaiveDate,
    /// Per attribute: (option id, value, number) rows.
    values: HashMap<i64, Vec<ValueRow>>,
}

async fn rows(db: &DatabaseConnection) -> Vec<Row> {
    let mut values: HashMap<i64, HashMap<i64, Vec<_>>> = HashMap::new();
    for v in friend_attribute_value::Entity::find()
        .all(db)
        .await
        .unwrap()
    {
        values
            .entry(v.friend_id)
            .or_default()
            .entry(v.attribute_id)
            .or_default()
            .push((v.option_id, v.value, v.number));
    }
    friend::Entity::find()
        .order_by_asc(friend::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|f| Row {
            id: f.id,
            channel_id: f.channel_id,
            following: f.status == FriendStatus::Following,
            language: f.language,
            followed_day: (f.followed_at + TimeDelta::hours(9)).date_naive(),
            values: values.remove(&f.id).unwrap_or_default(),
        })
        .collect()
}

/// A stored date-like value as a day (a month as its first day).
fn day_of(text: &str) -> NaiveDate {
    if text.len() == 7 {
        NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").unwrap()
    } else {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }
}

fn in_range(day: NaiveDate, range: &DayRange, today: NaiveDate) -> bool {
    match range {
        DayRange::Between { from, to } => {
            from.as_deref().is_none_or(|f| day >= day_of(f))
                && to.as_deref().is_none_or(|t| day <= day_of(t))
        }
        DayRange::WithinLastDays { days } => {
            day <= today && (today - day).num_days() < i64::from(*days)
        }
        DayRange::BeforeLastDays { days } => (today - day).num_days() >= i64::from(*days),
    }
}

/// The rule evaluated on one friend, the plain way.
fn matches(rule: &Rule, f: &Row, today: NaiveDate) -> bool {
    match rule {
        Rule::Group(g) => {
            let hit = match g.join {
                Join::All => g.rules.iter().all(|r| matches(r, f, today)),
                Join::Any => g.rules.iter().any(|r| matches(r, f, today)),
            };
            hit != g.negate
        }
        Rule::Condition(c) => {
            let of = |id: &i64| f.values.get(id).map(Vec::as_slice).unwrap_or_default();
            let text = |id: &i64| of(id).first().and_then(|v| v.1.clone());
            match c {
                Condition::Choice {
                    attribute_id,
                    matching,
                    option_ids,
                } => {
                    let held: HashSet<i64> = of(attribute_id).iter().filter_map(|v| v.0).collect();
                    match matching {
                        ChoiceMatch::AnyOf => option_ids.iter().any(|o| held.contains(o)),
                        ChoiceMatch::AllOf => option_ids.iter().all(|o| held.contains(o)),
                        ChoiceMatch::NoneOf => !option_ids.iter().any(|o| held.contains(o)),
                    }
                }
                Condition::Text {
                    attribute_id,
                    matching,
                    value,
                } => match (matching, text(attribute_id)) {
                    (TextMatch::Empty, t) => t.is_none(),
                    (_, None) => false,
                    (TextMatch::Equals, Some(t)) => fold(&t) == fold(value),
                    (TextMatch::Contains, Some(t)) => fold(&t).contains(&fold(value)),
                },
                Condition::Number {
                    attribute_id,
                    min,
                    max,
                } => of(attribute_id)
                    .first()
                    .and_then(|v| v.2)
                    .is_some_and(|n| min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)),
                Condition::Date {
                    attribute_id,
                    range,
                } => text(attribute_id).is_some_and(|t| in_range(day_of(&t), range, today)),
                Condition::Age {
                    attribute_id,
                    min,
                    max,
                } => text(attribute_id).is_some_and(|t| {
                    let age = today.years_since(day_of(&t)).unwrap();
                    min.is_none_or(|m| age >= m) && max.is_none_or(|m| age <= m)
                }),
                Condition::Answered {
                    attribute_id,
                    answered,
                } => of(attribute_id).is_empty() != *answered,
                Condition::Language { languages } => {
                    let mine = f.language.clone().unwrap_or_default().to_lowercase();
                    languages.iter().any(|l| l.to_lowercase() == mine)
                }
                Condition::Followed { range } => in_range(f.followed_day, range, today),
                // Clicks are not in these rows: `statistics.rs` checks that condition against
                // real taps.
                Condition::Clicked { .. } => panic!("no click conditions in this test"),
            }
        }
    }
}

/// The friend ids of the selection, the plain way (ascending).
fn expected(rows: &[Row], channel_id: i64, selection: &Selection, today: NaiveDate) -> Vec<i64> {
    rows.iter()
        .filter(|f| f.channel_id == channel_id && f.following)
        .filter(|f| selection.all_friends || selection.include.iter().any(|r| matches(r, f, today)))
        .filter(|f| !selection.exclude.iter().any(|r| matches(r, f, today)))
        .map(|f| f.id)
        .collect()
}

fn only(rule: Rule) -> Selection {
    Selection {
        all_friends: false,
        include: vec![rule],
        exclude: Vec::new(),
    }
}

/// Every kind of condition, with their variants.
async fn leaves(db: &DatabaseConnection) -> Vec<Rule> {
    let district = by_key(db, "district").await;
    let interests = by_key(db, "interests").await;
    let gender = by_key(db, "gender").await;
    let birth_month = by_key(db, "birth_month").await;
    let association = by_key(db, "association").await;
    let household = by_key(db, "household").await;
    let moved_in = by_key(db, "moved_in").await;
    let birthday = by_key(db, "birthday").await;
    let choice = |a: &Attribute, matching, labels: &[&str]| Condition::Choice {
        attribute_id: a.id,
        matching,
        option_ids: labels.iter().map(|l| option(a, l)).collect(),
    };
    let text = |matching, value: &str| Condition::Text {
        attribute_id: association.id,
        matching,
        value: value.into(),
    };
    let number = |min, max| Condition::Number {
        attribute_id: household.id,
        min,
        max,
    };
    let date = |a: &Attribute, range| Condition::Date {
        attribute_id: a.id,
        range,
    };
    let age = |a: &Attribute, min, max| Condition::Age {
        attribute_id: a.id,
        min,
        max,
    };
    let answered = |a: &Attribute, answered| Condition::Answered {
        attribute_id: a.id,
        answered,
    };
    let languages = |codes: &[&str]| Condition::Language {
        languages: codes.iter().map(|c| (*c).to_owned()).collect(),
    };
    [
        choice(&district, ChoiceMatch::AnyOf, &["那加", "稲羽"]),
        choice(&district, ChoiceMatch::AllOf, &["那加"]),
        choice(&district, ChoiceMatch::NoneOf, &["那加", "鵜沼"]),
        choice(&interests, ChoiceMatch::AnyOf, &["子育て・教育"]),
        choice(
            &interests,
            ChoiceMatch::AllOf,
            &["子育て・教育", "防災・防犯"],
        ),
        choice(&interests, ChoiceMatch::NoneOf, &["ごみ・環境"]),
        choice(&gender, ChoiceMatch::AnyOf, &["女性"]),
        text(TextMatch::Equals, "naka自治会"),
        text(TextMatch::Equals, "ＮＡＫＡ自治会"),
        text(TextMatch::Contains, "自治会"),
        text(TextMatch::Contains, "東"),
        text(TextMatch::Contains, "naka"),
        text(TextMatch::Empty, ""),
        number(Some(2.0), Some(4.0)),
        number(Some(3.0), None),
        number(None, Some(2.5)),
        date(&moved_in, between(Some("2026-01-01"), Some("2026-06-30"))),
        date(&moved_in, between(Some("2026-09-01"), None)),
        date(&moved_in, between(None, Some("2025-12-31"))),
        date(&moved_in, DayRange::WithinLastDays { days: 30 }),
        date(&moved_in, DayRange::BeforeLastDays { days: 100 }),
        date(&birthday, between(None, Some("1980-12-31"))),
        date(&birth_month, between(Some("1990-01-01"), None)),
        age(&birthday, Some(30), Some(39)),
        age(&birthday, None, Some(29)),
        age(&birth_month, Some(30), Some(39)),
        age(&birth_month, Some(65), None),
        age(&birth_month, Some(29), Some(29)),
        answered(&association, true),
        answered(&household, false),
        answered(&district, false),
        languages(&["ja"]),
        languages(&["EN", "zh-hant"]),
        languages(&[""]),
        languages(&["xx"]),
        Condition::Followed {
            range: DayRange::WithinLastDays { days: 7 },
        },
        Condition::Followed {
            range: DayRange::BeforeLastDays { days: 30 },
        },
        Condition::Followed {
            range: between(Some("2026-10-18"), Some("2026-11-07")),
        },
    ]
    .into_iter()
    .map(cond)
    .collect()
}

async fn the_index_agrees_with_a_plain_evaluation_of_every_kind_of_rule(t: TestDb) {
    define_attributes(&t.db).await;
    let main = populate(&t.db, "main", "U", 160).await;
    // Another channel with the same answers: its friends never count for `main`.
    let other = populate(&t.db, "test", "V", 40).await;
    let rows = rows(&t.db).await;
    let leaves = leaves(&t.db).await;
    let attributes = attributes::list(&t.db).await.unwrap();
    let index = AudienceIndex::new();
    let n = leaves.len();
    let mut rules: Vec<Rule> = Vec::new();
    for (i, leaf) in leaves.iter().enumerate() {
        let a = leaves[(i * 7 + 3) % n].clone();
        let b = leaves[(i * 5 + 11) % n].clone();
        let c = leaves[(i * 3 + 17) % n].clone();
        rules.push(leaf.clone());
        rules.push(not(vec![leaf.clone()]));
        rules.push(all(vec![leaf.clone(), a.clone()]));
        rules.push(any(vec![leaf.clone(), a.clone()]));
        // Nested three deep, with NOT in the middle.
        rules.push(all(vec![
            leaf.clone(),
            any(vec![a.clone(), not(vec![b.clone(), any(vec![c.clone()])])]),
        ]));
        rules.push(group(
            Join::Any,
            true,
            vec![all(vec![leaf.clone(), b]), not(vec![c, a])],
        ));
    }
    let mut counts = HashSet::new();
    for rule in &rules {
        segments::check_rule(rule, &attributes).unwrap();
        for channel_id in [main, other] {
            let selection = only(rule.clone());
            let want = expected(&rows, channel_id, &selection, today());
            let ids = index
                .friend_ids(&t.db, channel_id, &selection, now())
                .await
                .unwrap();
            assert_eq!(
                ids,
                want,
                "{}",
                segments::describe(rule, &attributes, &HashMap::new())
            );
            let count = index
                .count(&t.db, channel_id, &selection, now())
                .await
                .unwrap();
            assert_eq!(count, want.len() as u64);
            counts.insert(count);
        }
    }
    assert!(
        counts.len() > 30,
        "the rules select different friends: {counts:?}"
    );
    // Exclusions, several includes, everyone.
    let everyone = Selection {
        all_friends: true,
        include: Vec::new(),
        exclude: vec![leaves[0].clone(), leaves[31].clone()],
    };
    let several = Selection {
        all_friends: false,
        include: vec![leaves[3].clone(), leaves[23].clone()],
        exclude: vec![any(vec![leaves[9].clone(), leaves[35].clone()])],
    };
    let nobody = Selection::default();
    // Several at once (a list of segments) give what each gives alone.
    let each = index
        .count_each(
            &t.db,
            main,
            &[everyone.clone(), several.clone(), nobody.clone()],
            now(),
        )
        .await
        .unwrap();
    let alone: Vec<u64> = [&everyone, &several, &nobody]
        .iter()
        .map(|s| expected(&rows, main, s, today()).len() as u64)
        .collect();
    assert_eq!(each, alone);
    for selection in [everyone, several, nobody] {
        let want = expected(&rows, main, &selection, today());
        let ids = index
            .friend_ids(&t.db, main, &selection, now())
            .await
            .unwrap();
        assert_eq!(ids, want, "{selection:?}");
        // A sample: the newest ten; filtering candidates keeps their order.
        let sample = index
            .sample(&t.db, main, &selection, now(), 10)
            .await
            .unwrap();
        let newest: Vec<i64> = want.iter().rev().take(10).copied().collect();
        assert_eq!(sample, newest);
        let candidates: Vec<i64> = rows.iter().rev().map(|r| r.id).collect();
        let filtered = index
            .filter_friends(&t.db, main, &selection, now(), &candidates)
            .await
            .unwrap();
        let mut sorted = filtered.clone();
        sorted.reverse();
        assert_eq!(sorted, want);
    }
    // A blocked friend or another channel's friend is never in anyone's audience.
    let blocked: HashSet<i64> = rows.iter().filter(|r| !r.following).map(|r| r.id).collect();
    assert!(!blocked.is_empty());
    let everyone = index
        .friend_ids(
            &t.db,
            main,
            &Selection {
                all_friends: true,
                ..Selection::default()
            },
            now(),
        )
        .await
        .unwrap();
    assert!(everyone.iter().all(|id| !blocked.contains(id)));
    assert!(
        everyone
            .iter()
            .all(|id| rows.iter().any(|r| r.id == *id && r.channel_id == main))
    );
    // The friends list's counting keeps working beside it.
    assert_eq!(
        index
            .count_following(&t.db, main, &[], now())
            .await
            .unwrap(),
        everyone.len() as u64
    );
}

async fn the_next_count_sees_changed_values_follows_and_blocks(t: TestDb) {
    define_attributes(&t.db).await;
    let main = populate(&t.db, "main", "U", 30).await;
    let district = by_key(&t.db, "district").await;
    let association = by_key(&t.db, "association").await;
    let naka = option(&district, "那加");
    let index = AudienceIndex::new();
    let count = |rule: Rule| {
        let db = t.db.clone();
        let index = &index;
        async move { index.count(&db, main, &only(rule), now()).await.unwrap() }
    };
    let in_naka = cond(Condition::Choice {
        attribute_id: district.id,
        matching: ChoiceMatch::AnyOf,
        option_ids: vec![naka],
    });
    let club = cond(Condition::Text {
        attribute_id: association.id,
        matching: TextMatch::Equals,
        value: "ｂｉｒｄ会".into(),
    });
    let english = cond(Condition::Language {
        languages: vec!["en".into()],
    });
    let recent = cond(Condition::Followed {
        range: DayRange::WithinLastDays { days: 1 },
    });
    let before = (
        count(in_naka.clone()).await,
        count(club.clone()).await,
        count(english.clone()).await,
        count(recent.clone()).await,
    );
    let u2 = friends::list(
        &t.db,
        main,
        &FriendQuery {
            name: Some("U2".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .friends
    .into_iter()
    .find(|f| f.line_user_id == "U2")
    .unwrap();
    assert!(u2.following);
    // U2 (稲羽) moves to 那加 and joins the bird club.
    values::set_for_friend(
        &t.db,
        &staff("sato"),
        main,
        u2.id,
        &[
            ValueInput {
                attribute_id: district.id,
                option_ids: vec![naka],
                text: String::new(),
            },
            ValueInput {
                attribute_id: association.id,
                option_ids: Vec::new(),
                text: "Bird会".into(),
            },
        ],
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(count(in_naka.clone()).await, before.0 + 1);
    assert_eq!(count(club.clone()).await, before.1 + 1);
    // U2 switches LINE to English.
    friends::set_profile(
        &t.db,
        main,
        "U2",
        ProfileData {
            language: Some("en".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(count(english.clone()).await, before.2 + 1);
    // U2 blocks: gone from every audience; follows again today: back, and followed recently.
    friends::unfollow(&t.db, main, "U2", now()).await.unwrap();
    assert_eq!(count(in_naka.clone()).await, before.0);
    assert_eq!(count(english.clone()).await, before.2);
    friends::follow(&t.db, main, "U2", now() + TimeDelta::minutes(1))
        .await
        .unwrap();
    assert_eq!(count(in_naka).await, before.0 + 1);
    assert_eq!(count(recent).await, before.3 + 1);
    // A new friend counts at once.
    friends::follow(&t.db, main, "U999", now()).await.unwrap();
    let everyone = Selection {
        all_friends: true,
        ..Selection::default()
    };
    let following = friends::count_following(&t.db, main).await.unwrap();
    assert_eq!(
        index.count(&t.db, main, &everyone, now()).await.unwrap(),
        following
    );
}

fn input(department_id: i64, name: &str, rule: Rule) -> SegmentInput {
    SegmentInput {
        department_id,
        name: name.into(),
        description: "子育て世帯向けのお知らせ".into(),
        rule,
    }
}

async fn segments_are_kept_per_department_with_versions_and_audit(t: TestDb) {
    let soumu = departments::create(&t.db, &Actor::command_line(), "総務課")
        .await
        .unwrap();
    let kosodate = departments::create(&t.db, &Actor::command_line(), "子育て支援課")
        .await
        .unwrap();
    let only_soumu = Scope::Only([soumu.id].into());
    let only_kosodate = Scope::Only([kosodate.id].into());
    let interests = by_key(&t.db, "interests").await;
    let rule = all(vec![cond(Condition::Choice {
        attribute_id: interests.id,
        matching: ChoiceMatch::AnyOf,
        option_ids: vec![option(&interests, "子育て・教育")],
    })]);
    let created = segments::create(
        &t.db,
        &staff("tanaka"),
        &only_kosodate,
        input(kosodate.id, "子育て情報の希望者", rule.clone()),
    )
    .await
    .unwrap();
    assert_eq!(created.version, 1);
    assert_eq!(created.department_name, "子育て支援課");
    assert_eq!(created.updated_by, "tanaka");
    assert_eq!(created.rule, rule);
    // Filed under a department the caller does not work for: refused.
    let err = segments::create(
        &t.db,
        &staff("tanaka"),
        &only_kosodate,
        input(soumu.id, "総務の分", rule.clone()),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DomainError::Invalid(_)), "{err:?}");
    // Another department sees nothing and finds nothing.
    assert!(segments::list(&t.db, &only_soumu).await.unwrap().is_empty());
    assert_eq!(segments::list(&t.db, &Scope::All).await.unwrap().len(), 1);
    assert!(matches!(
        segments::get(&t.db, &only_soumu, created.id).await,
        Err(DomainError::NotFound(_))
    ));
    assert!(matches!(
        segments::update(
            &t.db,
            &staff("sato"),
            &only_soumu,
            created.id,
            1,
            input(soumu.id, "乗っ取り", rule.clone())
        )
        .await,
        Err(DomainError::NotFound(_))
    ));
    assert!(matches!(
        segments::delete(&t.db, &staff("sato"), &only_soumu, created.id).await,
        Err(DomainError::NotFound(_))
    ));
    // Two members of staff edit version 1: the first save wins, the second is refused.
    let first = segments::update(
        &t.db,
        &staff("tanaka"),
        &only_kosodate,
        created.id,
        1,
        input(kosodate.id, "子育て情報の希望者（全域）", rule.clone()),
    )
    .await
    .unwrap();
    assert_eq!(first.version, 2);
    let err = segments::update(
        &t.db,
        &staff("suzuki"),
        &only_kosodate,
        created.id,
        1,
        input(kosodate.id, "上書き", rule.clone()),
    )
    .await
    .unwrap_err();
    match err {
        DomainError::Conflict(message) => {
            assert!(message.contains("読み込み直して"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let kept = segments::get(&t.db, &only_kosodate, created.id)
        .await
        .unwrap();
    assert_eq!(kept.name, "子育て情報の希望者（全域）");
    assert_eq!(kept.version, 2);
    // A delivery that may still be sent holds it; a sent one does not.
    let channel_id = domain::testing::line_channel(&t.db, "main").await;
    let target = Target {
        segment_ids: Vec::new(),
        exclude_segment_ids: vec![created.id],
        all_friends: true,
        rule: None,
    };
    let holding = delivery::ActiveModel {
        department_id: Set(kosodate.id),
        channel_id: Set(channel_id),
        title: Set("乳幼児健診のお知らせ".into()),
        messages: Set("[]".into()),
        target: Set(serde_json::to_string(&target).unwrap()),
        timing: Set(r#"{"when":"now"}"#.into()),
        status: Set(DeliveryStatus::Draft),
        version: Set(1),
        next_at: Set(None),
        copied_from: Set(None),
        created_at: Set(now()),
        created_by: Set("tanaka".into()),
        updated_at: Set(now()),
        updated_by: Set("tanaka".into()),
        ..Default::default()
    }
    .insert(&t.db)
    .await
    .unwrap();
    let err = segments::delete(&t.db, &staff("tanaka"), &only_kosodate, created.id)
        .await
        .unwrap_err();
    match err {
        DomainError::Invalid(message) => {
            assert!(message.contains("乳幼児健診のお知らせ"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let mut sent: delivery::ActiveModel = holding.into();
    sent.status = Set(DeliveryStatus::Sent);
    sent.update(&t.db).await.unwrap();
    segments::delete(&t.db, &staff("tanaka"), &only_kosodate, created.id)
        .await
        .unwrap();
    assert!(segments::list(&t.db, &Scope::All).await.unwrap().is_empty());
    let actions: Vec<String> = audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Seq)
        .all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("segment."))
        .collect();
    assert_eq!(
        actions,
        ["segment.create", "segment.update", "segment.delete"]
    );
}

async fn a_delivery_target_resolves_its_segments(t: TestDb) {
    define_attributes(&t.db).await;
    let main = populate(&t.db, "main", "U", 60).await;
    let department = departments::create(&t.db, &Actor::command_line(), "広報課")
        .await
        .unwrap();
    let district = by_key(&t.db, "district").await;
    let leaves = leaves(&t.db).await;
    let save = |name: &str, rule: Rule| {
        let db = t.db.clone();
        let name = name.to_owned();
        async move {
            segments::create(
                &db,
                &staff("sato"),
                &Scope::All,
                input(department.id, &name, rule),
            )
            .await
            .unwrap()
            .id
        }
    };
    let a = save("A", all(vec![leaves[0].clone(), leaves[24].clone()])).await;
    let b = save("B", any(vec![leaves[31].clone()])).await;
    let target = Target {
        all_friends: false,
        segment_ids: vec![a],
        rule: Some(all(vec![leaves[9].clone()])),
        exclude_segment_ids: vec![b],
    };
    let selection = segments::selection(&t.db, &target).await.unwrap();
    assert_eq!(selection.include.len(), 2);
    assert_eq!(selection.exclude.len(), 1);
    let rows = rows(&t.db).await;
    let index = AudienceIndex::new();
    assert_eq!(
        index
            .friend_ids(&t.db, main, &selection, now())
            .await
            .unwrap(),
        expected(&rows, main, &selection, today())
    );
    // What the editor and the delivery page show: the count and the newest few by name.
    let found = segments::audience(&t.db, &index, main, &target, now(), 5)
        .await
        .unwrap();
    let want = expected(&rows, main, &selection, today());
    assert_eq!(found.count, want.len() as u64);
    let newest: Vec<i64> = want.iter().rev().take(5).copied().collect();
    assert_eq!(
        found.sample.iter().map(|f| f.id).collect::<Vec<_>>(),
        newest
    );
    assert!(found.sample.iter().all(|f| f.following));
    let err = segments::audience(&t.db, &index, main, &Target::default(), now(), 5)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Invalid(_)), "{err:?}");
    // An unknown segment is refused in Japanese.
    let missing = Target {
        segment_ids: vec![a + 100],
        ..Target::default()
    };
    let err = segments::selection(&t.db, &missing).await.unwrap_err();
    assert!(
        matches!(&err, DomainError::Invalid(m) if m.contains("見つかりません")),
        "{err:?}"
    );
    // A segment whose attribute was deleted since is refused, not sent to another audience.
    attributes::delete(&t.db, &staff("sato"), district.id, true)
        .await
        .unwrap();
    let err = segments::selection(&t.db, &target).await.unwrap_err();
    assert!(
        matches!(&err, DomainError::Invalid(m) if m.contains("「A」")),
        "{err:?}"
    );
}

async fn rules_and_segments_are_checked_with_japanese_messages(t: TestDb) {
    define_attributes(&t.db).await;
    let attributes = attributes::list(&t.db).await.unwrap();
    let district = by_key(&t.db, "district").await;
    let gender = by_key(&t.db, "gender").await;
    let interests = by_key(&t.db, "interests").await;
    let association = by_key(&t.db, "association").await;
    let household = by_key(&t.db, "household").await;
    let birthday = by_key(&t.db, "birthday").await;
    let problem = |rule: Rule| match segments::check_rule(&rule, &attributes) {
        Err(DomainError::Invalid(message)) => message,
        other => panic!("{rule:?} gave {other:?}"),
    };
    let choice = |attribute_id, option_ids: Vec<i64>| {
        cond(Condition::Choice {
            attribute_id,
            matching: ChoiceMatch::AnyOf,
            option_ids,
        })
    };
    let naka = option(&district, "那加");
    let cases: Vec<(Rule, &str)> = vec![
        (all(vec![]), "条件を1つ以上"),
        (
            all(vec![choice(district.id, vec![naka]), any(vec![])]),
            "空のグループ",
        ),
        (
            all(vec![choice(9999, vec![naka])]),
            "属性（ID 9999）が見つかりません",
        ),
        (
            all(vec![choice(district.id, vec![option(&gender, "女性")])]),
            "お住まいの地区にありません",
        ),
        (all(vec![choice(district.id, vec![])]), "選択肢を1つ以上"),
        (
            all(vec![cond(Condition::Text {
                attribute_id: district.id,
                matching: TextMatch::Equals,
                value: "那加".into(),
            })]),
            "単一選択の属性にはテキストの条件は使えません",
        ),
        (
            all(vec![cond(Condition::Age {
                attribute_id: household.id,
                min: Some(30),
                max: None,
            })]),
            "年齢の条件は使えません",
        ),
        (
            all(vec![cond(Condition::Text {
                attribute_id: association.id,
                matching: TextMatch::Contains,
                value: "  ".into(),
            })]),
            "比べる文字を入力",
        ),
        (
            all(vec![cond(Condition::Number {
                attribute_id: household.id,
                min: Some(5.0),
                max: Some(2.0),
            })]),
            "下限は上限以下",
        ),
        (
            all(vec![cond(Condition::Age {
                attribute_id: birthday.id,
                min: Some(40),
                max: Some(30),
            })]),
            "下限の年齢は上限以下",
        ),
        (
            all(vec![cond(Condition::Date {
                attribute_id: birthday.id,
                range: between(Some("2026-13-01"), None),
            })]),
            "「2026-13-01」は日付ではありません",
        ),
        (
            all(vec![cond(Condition::Followed {
                range: between(Some("2026-05-01"), Some("2026-04-01")),
            })]),
            "終了日は開始日以降",
        ),
        (
            all(vec![cond(Condition::Followed {
                range: DayRange::WithinLastDays { days: 0 },
            })]),
            "日数は1〜",
        ),
        (
            all(vec![cond(Condition::Language { languages: vec![] })]),
            "LINEの言語を1つ以上",
        ),
        (
            all(vec![cond(Condition::Choice {
                attribute_id: gender.id,
                matching: ChoiceMatch::AllOf,
                option_ids: vec![option(&gender, "女性"), option(&gender, "男性")],
            })]),
            "当てはまる人はいません",
        ),
        (
            all(vec![all(vec![all(vec![all(vec![all(vec![choice(
                district.id,
                vec![naka],
            )])])])])]),
            "入れ子は4段まで",
        ),
        (
            all((0..51).map(|_| choice(district.id, vec![naka])).collect()),
            "条件は50個まで",
        ),
    ];
    for (rule, expected) in cases {
        let message = problem(rule);
        assert!(message.contains(expected), "{expected}: {message}");
    }
    // Conditions are named by number and attribute.
    let message = problem(all(vec![
        choice(district.id, vec![naka]),
        any(vec![choice(interests.id, vec![])]),
    ]));
    assert!(message.contains("条件2（受け取りたい情報）"), "{message}");
    // Fine: an unknown language code, four levels, a NOT group, retired-free options.
    segments::check_rule(
        &all(vec![
            cond(Condition::Language {
                languages: vec!["xx".into(), String::new()],
            }),
            not(vec![all(vec![any(vec![choice(district.id, vec![naka])])])]),
            cond(Condition::Answered {
                attribute_id: household.id,
                answered: false,
            }),
        ]),
        &attributes,
    )
    .unwrap();
    // A segment's name and rule are checked before anything is stored.
    let department = departments::create(&t.db, &Actor::command_line(), "広報課")
        .await
        .unwrap();
    let err = segments::create(
        &t.db,
        &staff("sato"),
        &Scope::All,
        input(department.id, " ", all(vec![])),
    )
    .await
    .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("セグメント名は1〜100文字"), "{message}");
    assert!(message.contains("条件を1つ以上"), "{message}");
    assert!(segments::list(&t.db, &Scope::All).await.unwrap().is_empty());
}

db_tests!(
    the_index_agrees_with_a_plain_evaluation_of_every_kind_of_rule,
    the_next_count_sees_changed_values_follows_and_blocks,
    segments_are_kept_per_department_with_versions_and_audit,
    a_delivery_target_resolves_its_segments,
    rules_and_segments_are_checked_with_japanese_messages,
);

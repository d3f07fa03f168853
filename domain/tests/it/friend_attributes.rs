//! Friend attributes: definitions, values with history, conditions, and the CSV import and
//! export, against real databases (SQLite and PostgreSQL for every test).

use chrono::{DateTime, TimeDelta, Utc};
use domain::audience::attribute_csv::{self, ImportReport};
use domain::audience::attributes::{
    self, Attribute, AttributeEdit, NewAttribute, OptionEdit, OptionState,
};
use domain::audience::friends::{self, FriendQuery};
use domain::audience::index::AudienceIndex;
use domain::audience::values::{self, Condition, ValueInput};
use domain::csv::Encoding;
use domain::entities::{audit_log, friend, friend_attribute_value};
use domain::security::audit::Actor;
use domain::testing::TestDb;
use domain::{DatabaseConnection, DomainError, db_tests};
use model::status::{AttributeKind, ValueSource};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

/// 2026-11-27 12:00 in Japan.
fn now() -> DateTime<Utc> {
    "2026-11-27T03:00:00Z".parse().unwrap()
}

fn staff(username: &str) -> Actor {
    Actor {
        staff_id: None,
        username: username.into(),
        client_addr: None,
    }
}

/// A channel with friends U1..Un (following).
async fn with_friends(db: &DatabaseConnection, n: usize) -> i64 {
    let channel_id = domain::testing::line_channel(db, "main").await;
    for i in 1..=n {
        friends::follow(db, channel_id, &format!("U{i}"), now() - TimeDelta::days(1))
            .await
            .unwrap();
    }
    channel_id
}

async fn by_key(db: &DatabaseConnection, key: &str) -> Attribute {
    attributes::list(db)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.key == key)
        .unwrap()
}

async fn friend_id(db: &DatabaseConnection, channel_id: i64, user: &str) -> i64 {
    let query = FriendQuery {
        name: Some(user.into()),
        ..Default::default()
    };
    friends::list(db, channel_id, &query).await.unwrap().friends[0].id
}

/// The friend's values as staff read them: (attribute key, display).
async fn shown(db: &DatabaseConnection, friend_id: i64) -> Vec<(String, String)> {
    let (values, _) = values::of_friend(db, friend_id, now()).await.unwrap();
    values
        .into_iter()
        .filter(|v| !v.display.is_empty())
        .map(|v| (v.attribute.key, v.display))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

async fn audit_actions(db: &DatabaseConnection) -> Vec<String> {
    audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Seq)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn value_rows(db: &DatabaseConnection) -> u64 {
    friend_attribute_value::Entity::find()
        .count(db)
        .await
        .unwrap()
}

/// Gives 地区 three options, as a city does first.
async fn districts(db: &DatabaseConnection) -> Attribute {
    let district = by_key(db, "district").await;
    attributes::update(
        db,
        &staff("sato"),
        district.id,
        AttributeEdit {
            label: district.label.clone(),
            kind: district.kind,
            options: ["北地区", "南地区", "中央地区"]
                .map(|label| OptionEdit {
                    id: None,
                    label: label.into(),
                    state: OptionState::Active,
                })
                .to_vec(),
        },
    )
    .await
    .unwrap()
}

async fn the_starter_set_exists_and_definitions_are_checked(t: TestDb) {
    let all = attributes::list(&t.db).await.unwrap();
    let keys: Vec<&str> = all.iter().map(|a| a.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "interests",
            "district",
            "birth_month",
            "gender",
            "receive_language"
        ]
    );
    assert_eq!(all[0].kind, AttributeKind::MultiChoice);
    assert_eq!(all[0].options.len(), 6);
    assert!(
        all[1].options.is_empty(),
        "地区 is left for the city to fill"
    );
    assert_eq!(all[2].kind, AttributeKind::BirthMonth);
    assert_eq!(all[4].options[1].label, "やさしい日本語");

    let new = |key: &str, kind, options: &[&str]| NewAttribute {
        key: key.into(),
        label: "町内会".into(),
        kind,
        options: options.iter().map(|o| (*o).to_owned()).collect(),
    };
    let refused = [
        new("Bad Key", AttributeKind::Text, &[]),
        new("line_user_id", AttributeKind::Text, &[]),
        new("district", AttributeKind::Text, &[]),
        new("club", AttributeKind::Text, &["a"]),
        new(
            "club",
            AttributeKind::SingleChoice,
            &["東", "ｅａｓｔ", "EAST"],
        ),
        new("club", AttributeKind::SingleChoice, &["a|b"]),
    ];
    for input in refused {
        let key = input.key.clone();
        let err = attributes::create(&t.db, &staff("sato"), input)
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::Invalid(_) | DomainError::Conflict(_)),
            "{key}: {err:?}"
        );
    }
    let created = attributes::create(
        &t.db,
        &staff("sato"),
        new("club", AttributeKind::SingleChoice, &["東町", "西町", ""]),
    )
    .await
    .unwrap();
    assert_eq!(created.options.len(), 2, "blank lines are not options");
    assert_eq!(attributes::list(&t.db).await.unwrap().len(), 6);
    assert!(
        audit_actions(&t.db)
            .await
            .contains(&"attribute.create".to_owned())
    );
    // Moved up one place: the order changes and is audited.
    attributes::move_by(&t.db, &staff("sato"), created.id, -1)
        .await
        .unwrap();
    let keys: Vec<String> = attributes::list(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.key)
        .collect();
    assert_eq!(keys[4..], ["club", "receive_language"]);
    let actions = audit_actions(&t.db).await;
    assert_eq!(
        actions.last().map(String::as_str),
        Some("attribute.reorder")
    );
}

async fn every_type_checks_its_values_and_history_keeps_every_change(t: TestDb) {
    let channel_id = with_friends(&t.db, 1).await;
    let u1 = friend_id(&t.db, channel_id, "U1").await;
    let district = districts(&t.db).await;
    let mut ids = std::collections::HashMap::new();
    for (key, kind) in [
        ("note", AttributeKind::Text),
        ("children", AttributeKind::Number),
        ("moved_in", AttributeKind::Date),
        ("birthday", AttributeKind::BirthDate),
    ] {
        let created = attributes::create(
            &t.db,
            &staff("sato"),
            NewAttribute {
                key: key.into(),
                label: key.into(),
                kind,
                options: Vec::new(),
            },
        )
        .await
        .unwrap();
        ids.insert(key, created.id);
    }
    let interests = by_key(&t.db, "interests").await;
    let birth_month = by_key(&t.db, "birth_month").await;
    let text = |key: &str, text: &str| ValueInput {
        attribute_id: ids.get(key).copied().unwrap_or_else(|| {
            if key == "birth_month" {
                birth_month.id
            } else {
                0
            }
        }),
        option_ids: Vec::new(),
        text: text.into(),
    };
    let set = |inputs: Vec<ValueInput>| {
        let db = t.db.clone();
        async move { values::set_for_friend(&db, &staff("sato"), channel_id, u1, &inputs, now()).await }
    };

    // Bad values, one per type; nothing is saved when one field is bad.
    for (bad, why) in [
        (text("children", "三人"), "数値"),
        (text("children", "1e400"), "数値"),
        (text("moved_in", "2026-02-30"), "日付"),
        (text("moved_in", "27/11/2026"), "日付"),
        (text("birthday", "2030-01-01"), "生年月日"),
        (text("birth_month", "1980-13"), "年月"),
        (text("birth_month", "2027-01"), "生年月"),
        (text("note", &"あ".repeat(201)), "200文字"),
    ] {
        let err = set(vec![text("note", "ok"), bad]).await.unwrap_err();
        let DomainError::Invalid(message) = err else {
            panic!("{why}: {err:?}")
        };
        assert!(message.contains(why), "{message}");
    }
    let two_districts = ValueInput {
        attribute_id: district.id,
        option_ids: vec![district.options[0].id, district.options[1].id],
        text: String::new(),
    };
    assert!(
        set(vec![two_districts]).await.is_err(),
        "single choice takes one"
    );
    assert!(shown(&t.db, u1).await.is_empty());

    // Good values, written the ways staff and Excel write them.
    let changed = set(vec![
        text("note", "自治会長"),
        text("children", "２"),
        text("moved_in", "2026/4/1"),
        text("birthday", "1980-11-28"),
        text("birth_month", "1986/5"),
        ValueInput {
            attribute_id: interests.id,
            option_ids: vec![interests.options[4].id, interests.options[0].id],
            text: String::new(),
        },
        ValueInput {
            attribute_id: district.id,
            option_ids: vec![district.options[2].id],
            text: String::new(),
        },
    ])
    .await
    .unwrap();
    assert_eq!(changed, 7);
    assert_eq!(
        shown(&t.db, u1).await,
        pairs(&[
            ("interests", "防災・防犯|ごみ・環境"),
            ("district", "中央地区"),
            ("birth_month", "1986-05"),
            ("note", "自治会長"),
            ("children", "2"),
            ("moved_in", "2026-04-01"),
            ("birthday", "1980-11-28"),
        ])
    );
    // Ages are computed on the day asked: 45 today, 46 tomorrow.
    let (today, _) = values::of_friend(&t.db, u1, now()).await.unwrap();
    let age = |list: &[values::FriendValue], key: &str| {
        list.iter().find(|v| v.attribute.key == key).unwrap().age
    };
    assert_eq!(age(&today, "birthday"), Some(45));
    assert_eq!(age(&today, "birth_month"), Some(40));
    let (tomorrow, _) = values::of_friend(&t.db, u1, now() + TimeDelta::days(1))
        .await
        .unwrap();
    assert_eq!(age(&tomorrow, "birthday"), Some(46));

    // Saving the same again changes nothing; clearing is a change.
    assert_eq!(set(vec![text("children", "2")]).await.unwrap(), 0);
    let later = now() + TimeDelta::minutes(1);
    let clear = [text("note", "")];
    let cleared = values::set_for_friend(&t.db, &staff("sato"), channel_id, u1, &clear, later)
        .await
        .unwrap();
    assert_eq!(cleared, 1);
    let (_, history) = values::of_friend(&t.db, u1, now()).await.unwrap();
    assert_eq!(history.len(), 8);
    assert_eq!(history[0].attribute_label, "note");
    assert_eq!(
        (history[0].old_value.as_str(), history[0].new_value.as_str()),
        ("自治会長", "")
    );
    assert_eq!(history[0].source, ValueSource::Staff);
    assert_eq!(history[0].username, "sato");
    // The changes of one save follow the form's order.
    let first_save: Vec<&str> = history[1..]
        .iter()
        .map(|h| h.attribute_label.as_str())
        .collect();
    assert_eq!(first_save[..3], ["note", "children", "moved_in"]);
    let actions = audit_actions(&t.db).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "friend_attributes.update")
            .count(),
        2
    );

    // Number and date ranges (for segments to come): the index and SQL agree.
    let index = AudienceIndex::new();
    let number = |min, max| Condition::NumberBetween {
        attribute_id: ids["children"],
        min,
        max,
    };
    let day = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    let date = |from: &str, to: &str| Condition::DateBetween {
        attribute_id: ids["moved_in"],
        from: day(from),
        to: day(to),
    };
    for (condition, expected) in [
        (number(Some(2.0), Some(2.0)), 1),
        (number(Some(2.5), None), 0),
        (number(None, Some(1.0)), 0),
        (date("2026-04-01", "2026-04-01"), 1),
        (date("2026-04-02", ""), 0),
        (date("", "2026-03-31"), 0),
    ] {
        let counted = index
            .count_following(&t.db, channel_id, std::slice::from_ref(&condition), now())
            .await
            .unwrap();
        let in_sql = friend::Entity::find()
            .filter(friend::Column::ChannelId.eq(channel_id))
            .filter(values::matching_all(
                std::slice::from_ref(&condition),
                now(),
            ))
            .count(&t.db)
            .await
            .unwrap();
        assert_eq!((counted, in_sql), (expected, expected), "{condition:?}");
    }
}

async fn options_keep_their_values_when_renamed_and_are_retired_not_removed(t: TestDb) {
    let channel_id = with_friends(&t.db, 2).await;
    let u1 = friend_id(&t.db, channel_id, "U1").await;
    let district = districts(&t.db).await;
    let [north, south, centre] = [0, 1, 2].map(|i| district.options[i].id);
    let choose = |friend: i64, option: i64| {
        let db = t.db.clone();
        let input = ValueInput {
            attribute_id: district.id,
            option_ids: vec![option],
            text: String::new(),
        };
        async move {
            values::set_for_friend(&db, &staff("sato"), channel_id, friend, &[input], now()).await
        }
    };
    choose(u1, north).await.unwrap();
    let edit = |states: [(i64, &str, OptionState); 3]| AttributeEdit {
        label: "お住まいの地区".into(),
        kind: AttributeKind::SingleChoice,
        options: states
            .map(|(id, label, state)| OptionEdit {
                id: Some(id),
                label: label.into(),
                state,
            })
            .to_vec(),
    };
    // Renamed: the friend's value follows.
    attributes::update(
        &t.db,
        &staff("sato"),
        district.id,
        edit([
            (north, "北部地区", OptionState::Active),
            (south, "南地区", OptionState::Active),
            (centre, "中央地区", OptionState::Active),
        ]),
    )
    .await
    .unwrap();
    assert_eq!(shown(&t.db, u1).await, pairs(&[("district", "北部地区")]));
    // Removing an option a friend has is refused; retiring keeps the value.
    let err = attributes::update(
        &t.db,
        &staff("sato"),
        district.id,
        edit([
            (north, "北部地区", OptionState::Removed),
            (south, "南地区", OptionState::Active),
            (centre, "中央地区", OptionState::Active),
        ]),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("1人の友だち"), "{err}");
    let kept = attributes::update(
        &t.db,
        &staff("sato"),
        district.id,
        edit([
            (north, "北部地区", OptionState::Retired),
            (south, "南地区", OptionState::Active),
            (centre, "中央地区", OptionState::Removed),
        ]),
    )
    .await
    .unwrap();
    assert_eq!(kept.options.len(), 2, "an unused option is removed");
    assert!(kept.options[0].retired);
    assert_eq!(shown(&t.db, u1).await, pairs(&[("district", "北部地区")]));
    // A retired option is kept by whoever has it, never newly chosen.
    choose(u1, north).await.unwrap();
    let u2 = friend_id(&t.db, channel_id, "U2").await;
    let err = choose(u2, north).await.unwrap_err();
    assert!(err.to_string().contains("使われなくなりました"), "{err}");
    // The type cannot change while values exist.
    let mut to_text = edit([
        (north, "北部地区", OptionState::Retired),
        (south, "南地区", OptionState::Active),
        (south, "南地区", OptionState::Active),
    ]);
    to_text.kind = AttributeKind::Text;
    to_text.options.clear();
    assert!(
        attributes::update(&t.db, &staff("sato"), district.id, to_text)
            .await
            .is_err()
    );
    // Deleting an attribute with values asks first, then takes them, audited with the count.
    let err = attributes::delete(&t.db, &staff("sato"), district.id, false)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Conflict(_)), "{err:?}");
    assert_eq!(value_rows(&t.db).await, 1);
    attributes::delete(&t.db, &staff("sato"), district.id, true)
        .await
        .unwrap();
    assert_eq!(value_rows(&t.db).await, 0);
    let deleted = audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Seq)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(deleted.action, "attribute.delete");
    assert!(
        deleted.summary.contains("\"friends_with_value\":1"),
        "{}",
        deleted.summary
    );
}

fn csv_bytes(text: &str) -> Vec<u8> {
    text.replace('\n', "\r\n").into_bytes()
}

async fn check(t: &TestDb, channel_id: i64, text: &str) -> ImportReport {
    attribute_csv::check(&t.db, channel_id, &csv_bytes(text), now())
        .await
        .unwrap()
}

async fn import_reports_every_problem_with_its_line_and_changes_nothing(t: TestDb) {
    let channel_id = with_friends(&t.db, 3).await;
    districts(&t.db).await;
    let file = "line_user_id,district,interests,birth_month,color\n\
                U1,北地区,防災・防犯|ごみ・環境,1980-04,\n\
                U9,南地区,,,\n\
                U2,西地区,,1980-13,\n\
                U1,北地区,,,\n\
                ,北地区,,,\n\
                U3,南地区,防災・防犯|テニス,1990/02/30,\n";
    let report = check(&t, channel_id, file).await;
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        problems,
        [
            "1行目 E列: 列「color」という属性はありません（属性のキーか表示名を書いてください）",
            "3行目 A列: LINE ユーザーID「U9」の友だちはいません",
            "4行目 B列（district）: 「西地区」はお住まいの地区の選択肢にありません",
            "4行目 D列（birth_month）: 「1980-13」は年月ではありません（例: 1980-04 か 1980/4）",
            "5行目 A列: LINE ユーザーID「U1」は2行目にもあります（1人1行にしてください）",
            "6行目 A列: LINE ユーザーIDが空です",
            "7行目 C列（interests）: 「テニス」は受け取りたい情報の選択肢にありません",
            "7行目 D列（birth_month）: 「1990/02/30」は年月ではありません（例: 1980-04 か 1980/4）",
        ]
    );
    assert_eq!(report.problem_count, 8);
    let err = attribute_csv::apply(
        &t.db,
        &staff("sato"),
        channel_id,
        &csv_bytes(file),
        "x.csv",
        now(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("何も変更していません"), "{err}");
    assert_eq!(value_rows(&t.db).await, 0);

    // Unreadable files, refused as a whole.
    for (bytes, why) in [
        (Vec::new(), "空"),
        (vec![0x82, 0xFF, 0xFF, 0x0A], "文字コード"),
        (csv_bytes("district\n北地区\n"), "line_user_id"),
    ] {
        let outcome = attribute_csv::check(&t.db, channel_id, &bytes, now()).await;
        let message = match outcome {
            Ok(report) => report.problems_text(),
            Err(err) => err.to_string(),
        };
        assert!(message.contains(why), "{why}: {message}");
    }
}

async fn an_import_failing_on_its_last_row_leaves_everything_unchanged(t: TestDb) {
    let channel_id = with_friends(&t.db, 3).await;
    districts(&t.db).await;
    let good = "line_user_id,district\nU1,北地区\nU2,南地区\n";
    attribute_csv::apply(
        &t.db,
        &staff("sato"),
        channel_id,
        &csv_bytes(good),
        "a.csv",
        now(),
    )
    .await
    .unwrap();
    let before = value_rows(&t.db).await;
    let bad_last = "line_user_id,district\nU1,南地区\nU2,\nU3,どこか\n";
    assert!(
        attribute_csv::apply(
            &t.db,
            &staff("sato"),
            channel_id,
            &csv_bytes(bad_last),
            "b.csv",
            now()
        )
        .await
        .is_err()
    );
    assert_eq!(value_rows(&t.db).await, before);
    let u1 = friend_id(&t.db, channel_id, "U1").await;
    assert_eq!(shown(&t.db, u1).await, pairs(&[("district", "北地区")]));
}

async fn shift_jis_from_excel_imports_and_the_export_round_trips(t: TestDb) {
    let channel_id = with_friends(&t.db, 3).await;
    let district = districts(&t.db).await;
    attributes::update(
        &t.db,
        &staff("sato"),
        district.id,
        AttributeEdit {
            label: district.label.clone(),
            kind: district.kind,
            options: district
                .options
                .iter()
                .map(|o| OptionEdit {
                    id: Some(o.id),
                    label: o.label.clone(),
                    state: OptionState::Active,
                })
                .chain(["髙﨑ﾆｭｰﾀｳﾝ", "=SUM(A1)"].map(|label| OptionEdit {
                    id: None,
                    label: label.into(),
                    state: OptionState::Active,
                }))
                .collect(),
        },
    )
    .await
    .unwrap();
    attributes::create(
        &t.db,
        &staff("sato"),
        NewAttribute {
            key: "note".into(),
            label: "メモ".into(),
            kind: AttributeKind::Text,
            options: Vec::new(),
        },
    )
    .await
    .unwrap();
    // As Excel saves it in Japan: Shift_JIS (CP932), CRLF, labels as headers, a quoted cell
    // with a comma and a line break.
    let text = "LINEユーザーID,お住まいの地区,メモ,生年月\r\n\
                U1,髙﨑ﾆｭｰﾀｳﾝ,\"髙橋, 﨑山\r\n2行目\",1950/1\r\n\
                U2,=SUM(A1),-1,\r\n\
                U3,北地区,@cmd,2000-12\r\n";
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable);
    let report = attribute_csv::apply(&t.db, &staff("sato"), channel_id, &sjis, "excel.csv", now())
        .await
        .unwrap();
    assert_eq!(report.encoding, "Shift_JIS");
    assert_eq!((report.friends, report.added, report.changed), (3, 8, 0));
    let u1 = friend_id(&t.db, channel_id, "U1").await;
    assert_eq!(
        shown(&t.db, u1).await,
        pairs(&[
            ("district", "髙﨑ﾆｭｰﾀｳﾝ"),
            ("birth_month", "1950-01"),
            ("note", "髙橋, 﨑山\n2行目"),
        ])
    );
    let (_, history) = values::of_friend(&t.db, u1, now()).await.unwrap();
    assert_eq!(history[0].source, ValueSource::CsvImport);

    // The export: BOM, CRLF, formulas neutralised, both encodings.
    for encoding in [Encoding::Utf8, Encoding::ShiftJis] {
        let mut out = Vec::new();
        let rows = attribute_csv::export(
            &t.db,
            &staff("sato"),
            channel_id,
            &FriendQuery::default(),
            &attribute_csv::ExportOptions {
                encoding,
                now: now(),
                survey_answers: None,
            },
            &mut out,
        )
        .await
        .unwrap();
        assert_eq!(rows, 3);
        let (text, read_as) = domain::csv::decode(&out).unwrap();
        assert_eq!(read_as, encoding);
        assert_eq!(out.starts_with(b"\xEF\xBB\xBF"), encoding == Encoding::Utf8);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "line_user_id,display_name,language,status,followed_at,blocked_at,interests,district,birth_month,gender,receive_language,note"
        );
        assert!(lines[1].starts_with("U1,,,following,"), "{}", lines[1]);
        assert!(
            lines[1].ends_with(",,髙﨑ﾆｭｰﾀｳﾝ,1950-01,,,\"髙橋, 﨑山\n2行目\""),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].ends_with(",,\"'=SUM(A1)\",,,,\"'-1\""),
            "{}",
            lines[2]
        );
        assert!(
            lines[3].ends_with(",,北地区,2000-12,,,\"'@cmd\""),
            "{}",
            lines[3]
        );

        // What the export wrote, the import takes back unchanged, neutralised cells included.
        let report = attribute_csv::check(&t.db, channel_id, &out, now())
            .await
            .unwrap();
        assert!(report.is_clean(), "{}", report.problems_text());
        assert_eq!((report.added, report.changed, report.cleared), (0, 0, 0));
    }

    // The filter applies to the export too.
    let mut out = Vec::new();
    let query = FriendQuery {
        attributes: vec![format!("o:{}:{}", district.id, district.options[0].id)],
        ..Default::default()
    };
    let rows = attribute_csv::export(
        &t.db,
        &staff("sato"),
        channel_id,
        &query,
        &attribute_csv::ExportOptions {
            encoding: Encoding::Utf8,
            now: now(),
            survey_answers: None,
        },
        &mut out,
    )
    .await
    .unwrap();
    assert_eq!(rows, 1);
    let actions = audit_actions(&t.db).await;
    assert!(actions.contains(&"friend_attributes.import".to_owned()));
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "friend_attributes.export")
            .count(),
        3
    );
}

async fn an_export_with_no_changes_imports_back_unchanged(t: TestDb) {
    let channel_id = with_friends(&t.db, 4).await;
    districts(&t.db).await;
    let file = "line_user_id,district,interests,birth_month,gender\n\
                U1,北地区,防災・防犯|子育て・教育,1980-04,女性\n\
                U2,南地区,,1955-12,\n\
                U3,,ごみ・環境,,回答しない\n";
    attribute_csv::apply(
        &t.db,
        &staff("sato"),
        channel_id,
        &csv_bytes(file),
        "a.csv",
        now(),
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    attribute_csv::export(
        &t.db,
        &staff("sato"),
        channel_id,
        &FriendQuery::default(),
        &attribute_csv::ExportOptions {
            encoding: Encoding::Utf8,
            now: now(),
            survey_answers: None,
        },
        &mut out,
    )
    .await
    .unwrap();
    let report = attribute_csv::check(&t.db, channel_id, &out, now())
        .await
        .unwrap();
    assert!(report.is_clean(), "{}", report.problems_text());
    assert_eq!(report.friends, 4);
    assert_eq!(
        (report.added, report.changed, report.cleared),
        (0, 0, 0),
        "a round trip changes nothing"
    );
}

async fn conditions_select_friends_by_option_age_and_answer(t: TestDb) {
    let channel_id = with_friends(&t.db, 5).await;
    let district = districts(&t.db).await;
    let file = "line_user_id,district,birth_month,interests\n\
                U1,北地区,1996-11,防災・防犯\n\
                U2,北地区,1996-12,防災・防犯|ごみ・環境\n\
                U3,南地区,1986-11,ごみ・環境\n\
                U4,北地区,1940-01,\n";
    attribute_csv::apply(
        &t.db,
        &staff("sato"),
        channel_id,
        &csv_bytes(file),
        "a.csv",
        now(),
    )
    .await
    .unwrap();
    let birth = by_key(&t.db, "birth_month").await;
    let interests = by_key(&t.db, "interests").await;
    // One index for the whole test: each count catches up with what changed before it.
    let index = std::sync::Arc::new(AudienceIndex::new());
    let count = |conditions: Vec<Condition>| {
        let db = t.db.clone();
        let index = index.clone();
        async move {
            index
                .count_following(&db, channel_id, &conditions, now())
                .await
                .unwrap()
        }
    };
    let north = Condition::HasOption {
        attribute_id: district.id,
        option_ids: vec![district.options[0].id],
    };
    let thirties = Condition::AgeBetween {
        attribute_id: birth.id,
        min: Some(30),
        max: Some(39),
    };
    let twenties = Condition::AgeBetween {
        attribute_id: birth.id,
        min: Some(20),
        max: Some(29),
    };
    // On 2026-11-27: born 1996-11 is 30, 1996-12 is still 29, 1986-11 is 40.
    assert_eq!(count(vec![north.clone()]).await, 3);
    assert_eq!(count(vec![thirties.clone()]).await, 1);
    assert_eq!(count(vec![twenties.clone()]).await, 1);
    assert_eq!(count(vec![north.clone(), twenties.clone()]).await, 1);
    let over_80 = Condition::AgeBetween {
        attribute_id: birth.id,
        min: Some(80),
        max: None,
    };
    assert_eq!(count(vec![over_80]).await, 1);
    let garbage = Condition::HasOption {
        attribute_id: interests.id,
        option_ids: vec![interests.options[4].id],
    };
    assert_eq!(count(vec![garbage, north.clone()]).await, 1);
    assert_eq!(
        count(vec![Condition::NotAnswered {
            attribute_id: interests.id
        }])
        .await,
        2,
        "U4 and U5"
    );
    assert_eq!(
        count(vec![Condition::Answered {
            attribute_id: birth.id
        }])
        .await,
        4
    );
    // A year later the same answers fall in other bands: nothing stored is stale.
    let next_year = now() + TimeDelta::days(365);
    assert_eq!(
        index
            .count_following(&t.db, channel_id, &[thirties], next_year)
            .await
            .unwrap(),
        2
    );
    // The friends list takes the same conditions as tokens; unknown tokens are refused.
    let query = |tokens: Vec<String>| FriendQuery {
        attributes: tokens,
        ..Default::default()
    };
    let page = friends::list(
        &t.db,
        channel_id,
        &query(vec![
            format!("o:{}:{}", district.id, district.options[0].id),
            format!("age:{}:20-29", birth.id),
        ]),
    )
    .await
    .unwrap();
    let users: Vec<&str> = page
        .friends
        .iter()
        .map(|f| f.line_user_id.as_str())
        .collect();
    assert_eq!(users, ["U2"]);
    assert!(
        friends::list(&t.db, channel_id, &query(vec!["drop table".into()]))
            .await
            .is_err()
    );
    // The index follows the database: a block, a changed value, a new option, a deleted
    // attribute.
    friends::unfollow(&t.db, channel_id, "U1", Utc::now())
        .await
        .unwrap();
    assert_eq!(
        count(vec![north.clone()]).await,
        2,
        "blocked friends are not counted"
    );
    let u3 = friend_id(&t.db, channel_id, "U3").await;
    values::set_for_friend(
        &t.db,
        &staff("sato"),
        channel_id,
        u3,
        &[ValueInput {
            attribute_id: district.id,
            option_ids: vec![district.options[0].id],
            text: String::new(),
        }],
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(count(vec![north.clone()]).await, 3, "U3 moved to the north");
    attributes::delete(&t.db, &staff("sato"), district.id, true)
        .await
        .unwrap();
    assert_eq!(
        count(vec![north]).await,
        0,
        "the attribute and its values are gone"
    );
    assert_eq!(count(Vec::new()).await, 4, "every following friend");
}

/// The index and SQL (the friends list's filter) agree on every condition the list offers,
/// alone and in pairs.
async fn the_index_counts_what_sql_counts(t: TestDb) {
    let channel_id = with_friends(&t.db, 40).await;
    districts(&t.db).await;
    let mut file = String::from("line_user_id,district,interests,birth_month,gender\n");
    let all = attributes::list(&t.db).await.unwrap();
    let label = |key: &str, i: usize| {
        let a = all.iter().find(|a| a.key == key).unwrap();
        a.options[i % a.options.len()].label.clone()
    };
    for i in 1..=36_usize {
        let interests = if i % 4 == 0 {
            String::new()
        } else {
            format!(
                "{}|{}",
                label("interests", i),
                label("interests", i / 3 + 1)
            )
        };
        let district = if i % 5 == 0 {
            String::new()
        } else {
            label("district", i)
        };
        file.push_str(&format!(
            "U{i},{district},{interests},{}-{:02},{}\n",
            1930 + i * 2,
            1 + i % 12,
            label("gender", i)
        ));
    }
    attribute_csv::apply(
        &t.db,
        &staff("sato"),
        channel_id,
        file.as_bytes(),
        "a.csv",
        now(),
    )
    .await
    .unwrap();
    for user in ["U7", "U8", "U39"] {
        friends::unfollow(&t.db, channel_id, user, Utc::now())
            .await
            .unwrap();
    }
    let attributes = attributes::list(&t.db).await.unwrap();
    let tokens: Vec<String> = values::filter_choices(&attributes)
        .into_iter()
        .flat_map(|(_, choices)| choices.into_iter().map(|(token, _)| token))
        .collect();
    let index = AudienceIndex::new();
    let mut checked = 0;
    for (i, first) in tokens.iter().enumerate() {
        for second in std::iter::once(None).chain(tokens[i + 1..].iter().step_by(3).map(Some)) {
            let chosen: Vec<String> = std::iter::once(first.clone())
                .chain(second.cloned())
                .collect();
            let query = FriendQuery {
                status: Some("following".into()),
                attributes: chosen.clone(),
                ..Default::default()
            };
            let sql = friends::list(&t.db, channel_id, &query)
                .await
                .unwrap()
                .total;
            let conditions = values::conditions_of(&chosen).unwrap();
            let counted = index
                .count_following(&t.db, channel_id, &conditions, Utc::now())
                .await
                .unwrap();
            assert_eq!(counted, sql, "{chosen:?}");
            checked += 1;
        }
    }
    assert!(checked > 250, "{checked}");
}

async fn uploads_are_kept_a_week(t: TestDb) {
    let channel_id = with_friends(&t.db, 1).await;
    let file = b"line_user_id,gender\r\nU1,\xE5\xA5\xB3\xE6\x80\xA7\r\n".to_vec();
    let old = attribute_csv::store_upload(
        &t.db,
        1,
        channel_id,
        "old.csv",
        file.clone(),
        now() - TimeDelta::days(8),
    )
    .await
    .unwrap();
    let recent = attribute_csv::store_upload(&t.db, 1, channel_id, "new.csv", file, now())
        .await
        .unwrap();
    assert_eq!(attribute_csv::purge_uploads(&t.db, now()).await.unwrap(), 1);
    assert!(attribute_csv::upload(&t.db, 1, old).await.is_err());
    let kept = attribute_csv::upload(&t.db, 1, recent).await.unwrap();
    assert!(kept.report.is_clean(), "{}", kept.report.problems_text());
    assert_eq!(kept.report.added, 1);
    // Another member of staff does not see it.
    assert!(matches!(
        attribute_csv::upload(&t.db, 2, recent).await,
        Err(DomainError::NotFound(_))
    ));
}

db_tests!(
    uploads_are_kept_a_week,
    the_starter_set_exists_and_definitions_are_checked,
    every_type_checks_its_values_and_history_keeps_every_change,
    options_keep_their_values_when_renamed_and_are_retired_not_removed,
    import_reports_every_problem_with_its_line_and_changes_nothing,
    an_import_failing_on_its_last_row_leaves_everything_unchanged,
    shift_jis_from_excel_imports_and_the_export_round_trips,
    an_export_with_no_changes_imports_back_unchanged,
    conditions_select_friends_by_option_age_and_answer,
    the_index_counts_what_sql_counts,
);

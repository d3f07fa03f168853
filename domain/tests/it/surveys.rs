//! Surveys (アンケート): the starter survey, versions, answers that write attributes, consent,
//! uploads, history, the aggregate and the CSV, and citizens' LIFF sessions, against real
//! databases.

use std::collections::BTreeMap;
use std::io::Cursor;

use chrono::{TimeDelta, Utc};
use domain::audience::attributes::{self, AttributeEdit, OptionEdit, OptionState};
use domain::audience::surveys::answers::{self, IncomingFile, Submission, Submitted};
use domain::audience::surveys::{self, results};
use domain::audience::values;
use domain::csv::Encoding;
use domain::entities::{friend, survey_response, survey_upload};
use domain::platform::liff;
use domain::security::audit::Actor;
use domain::staff::departments;
use domain::testing::TestDb;
use domain::{DatabaseConnection, DomainError, db_tests};
use model::access::Scope;
use model::status::{FriendStatus, SurveyState};
use model::survey::{Answer, Choice, Question, QuestionKind, Survey};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::deliveries::friends;

fn staff(name: &str) -> Actor {
    Actor {
        staff_id: None,
        username: name.into(),
        client_addr: None,
    }
}

async fn friend_id(db: &DatabaseConnection, line_user_id: &str) -> i64 {
    friend::Entity::find()
        .filter(friend::Column::LineUserId.eq(line_user_id))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// A form as the page posts it.
fn form(version: i64, consent: bool, fields: &[(&str, &str)]) -> Submission {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in fields {
        map.entry((*k).to_owned())
            .or_default()
            .push((*v).to_owned());
    }
    Submission {
        version,
        fields: map,
        files: Vec::new(),
        consent,
    }
}

fn choice_id(survey: &Survey, question: &str, label: &str) -> String {
    survey
        .questions
        .iter()
        .find(|q| q.id == question)
        .unwrap()
        .kind
        .options()
        .iter()
        .find(|o| o.label == label)
        .unwrap_or_else(|| panic!("{label} in {question}"))
        .id
        .clone()
}

fn question_id(survey: &Survey, label: &str) -> String {
    survey
        .questions
        .iter()
        .find(|q| q.label == label)
        .unwrap_or_else(|| panic!("question {label}"))
        .id
        .clone()
}

async fn attribute_display(db: &DatabaseConnection, friend_id: i64, key: &str) -> String {
    let (values, _) = values::of_friend(db, friend_id, Utc::now()).await.unwrap();
    values
        .into_iter()
        .find(|v| v.attribute.key == key)
        .map(|v| v.display)
        .unwrap_or_default()
}

async fn the_starter_survey_is_answered_changed_and_exported(t: TestDb) {
    let db = &t.db;
    // No department yet: no starter survey (it needs an owner).
    assert!(surveys::list(db, &Scope::All).await.unwrap().is_empty());
    let soumu = departments::create(db, &Actor::command_line(), "総務課")
        .await
        .unwrap();
    let fukushi = departments::create(db, &Actor::command_line(), "福祉課")
        .await
        .unwrap();
    let list = surveys::list(db, &Scope::All).await.unwrap();
    assert_eq!(list.len(), 1);
    let starter = &list[0];
    assert_eq!(starter.title, "属性アンケート（受信設定）");
    assert_eq!(starter.department_id, soumu.id);
    assert_eq!(starter.state, SurveyState::Draft);
    assert!(!starter.accepting);
    let id = starter.id;
    // Deleted, it does not come back.
    assert_eq!(surveys::list(db, &Scope::All).await.unwrap().len(), 1);

    // 地区 has no options yet: the survey cannot open.
    let err = surveys::set_state(
        db,
        &staff("sato"),
        &Scope::All,
        id,
        SurveyState::Open,
        None,
        None,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("選択肢を追加"), "{err}");

    // The city fills in its districts; the editor shows them as the question's choices.
    let district = attributes::list(db)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.key == "district")
        .unwrap();
    attributes::update(
        db,
        &staff("sato"),
        district.id,
        AttributeEdit {
            label: district.label.clone(),
            kind: district.kind,
            options: ["北区", "南区"]
                .into_iter()
                .map(|l| OptionEdit {
                    id: None,
                    label: l.into(),
                    state: OptionState::Active,
                })
                .collect(),
        },
    )
    .await
    .unwrap();
    // Stored version 1 still lacks them: opening asks to save first.
    let err = surveys::set_state(
        db,
        &staff("sato"),
        &Scope::All,
        id,
        SurveyState::Open,
        None,
        None,
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("属性の選択肢が変わっています"),
        "{err}"
    );
    let mut edit = surveys::for_editing(db, &Scope::All, id).await.unwrap();
    let district_q = question_id(&edit.definition, "お住まいの地区");
    assert_eq!(
        edit.definition
            .questions
            .iter()
            .find(|q| q.id == district_q)
            .unwrap()
            .kind
            .options()
            .len(),
        2
    );
    edit.definition.design.button_color = "#8B2252".into();
    let saved = surveys::save(
        db,
        &staff("sato"),
        &Scope::All,
        id,
        soumu.id,
        1,
        &edit.definition,
    )
    .await
    .unwrap();
    assert_eq!(saved.summary.latest_version, 2);
    // Someone else's stale editor is refused, not silently overwritten.
    let err = surveys::save(
        db,
        &staff("suzuki"),
        &Scope::All,
        id,
        soumu.id,
        1,
        &edit.definition,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DomainError::Conflict(_)), "{err}");
    surveys::set_state(
        db,
        &staff("sato"),
        &Scope::All,
        id,
        SurveyState::Open,
        None,
        None,
    )
    .await
    .unwrap();

    // Another department does not see it.
    let only_fukushi = Scope::Only([fukushi.id].into());
    assert!(surveys::list(db, &only_fukushi).await.unwrap().is_empty());
    assert!(matches!(
        surveys::get(db, &only_fukushi, id).await,
        Err(DomainError::NotFound(_))
    ));
    assert!(matches!(
        results::respondents(db, &only_fukushi, id, 0, None).await,
        Err(DomainError::NotFound(_))
    ));

    let channel = domain::testing::line_channel(db, "main").await;
    let users = friends(db, channel, 2, "ja").await;
    let hanako = friend_id(db, &users[0]).await;
    let now = Utc::now();

    let sheet = answers::sheet(db, id, hanako, now).await.unwrap();
    assert!(sheet.accepting);
    assert!(sheet.answers.is_empty());
    assert!(!sheet.consented);
    let def = sheet.survey.clone();
    assert_eq!(def.design.button_color, "#8B2252");
    let interests_q = question_id(&def, "受け取りたい情報");
    let birth_q = question_id(&def, "生年月");
    let north = choice_id(&def, &district_q, "北区");
    let south = choice_id(&def, &district_q, "南区");
    let disaster = choice_id(&def, &interests_q, "防災・防犯");
    let events = choice_id(&def, &interests_q, "イベント・観光・文化");
    let d = format!("q.{district_q}");
    let i = format!("q.{interests_q}");
    let by = format!("q.{birth_q}.year");
    let bm = format!("q.{birth_q}.month");

    // Without consent, with a forged option and a half birth month: refused, nothing stored,
    // what was typed kept.
    let refused = answers::submit(
        db,
        id,
        hanako,
        form(2, false, &[(&d, "o99"), (&i, &disaster), (&by, "1980")]),
        now,
    )
    .await
    .unwrap();
    let Submitted::Refused(refusal, _) = refused else {
        panic!("accepted without consent")
    };
    assert_eq!(
        refusal.errors.get("consent").map(String::as_str),
        Some("同意事項を確認して、チェックを入れてください")
    );
    assert_eq!(
        refusal.errors.get(&district_q).map(String::as_str),
        Some("選択肢から選んでください")
    );
    assert_eq!(
        refusal.errors.get(&birth_q).map(String::as_str),
        Some("年と月の両方を選んでください")
    );
    assert_eq!(
        refusal.answers.get(&interests_q),
        Some(&Answer::Choices(vec![disaster.clone()]))
    );
    assert_eq!(survey_response::Entity::find().count(db).await.unwrap(), 0);
    // A required question unanswered.
    let Submitted::Refused(refusal, _) = answers::submit(db, id, hanako, form(2, true, &[]), now)
        .await
        .unwrap()
    else {
        panic!("accepted without 地区")
    };
    assert_eq!(
        refusal.errors.get(&district_q).map(String::as_str),
        Some("選んでください")
    );

    // A whole answer: stored, and the bound attributes written (source アンケート).
    let first = answers::submit(
        db,
        id,
        hanako,
        form(
            2,
            true,
            &[
                (&d, &north),
                (&i, &events),
                (&i, &disaster),
                (&by, "1980"),
                (&bm, "4"),
            ],
        ),
        now,
    )
    .await
    .unwrap();
    assert!(
        matches!(first, Submitted::Saved { revision: 1 }),
        "{first:?}"
    );
    assert_eq!(attribute_display(db, hanako, "district").await, "北区");
    assert_eq!(
        attribute_display(db, hanako, "birth_month").await,
        "1980-04"
    );
    let interests = attribute_display(db, hanako, "interests").await;
    assert!(
        interests.contains("防災・防犯") && interests.contains("イベント・観光・文化"),
        "{interests}"
    );

    // Reopened: the answers are there, consent given to this text.
    let sheet = answers::sheet(db, id, hanako, now).await.unwrap();
    assert!(sheet.consented);
    assert_eq!(
        sheet.answers.get(&district_q),
        Some(&Answer::Choices(vec![north.clone()]))
    );
    // In the survey's order, whatever order the form sent.
    assert_eq!(
        sheet.answers.get(&interests_q),
        Some(&Answer::Choices(vec![disaster.clone(), events.clone()]))
    );
    assert_eq!(
        sheet.answers.get(&birth_q),
        Some(&Answer::Text("1980-04".into()))
    );

    // Changed: 地区 to 南区, interests cleared (the attribute follows).
    let second = answers::submit(
        db,
        id,
        hanako,
        form(2, true, &[(&d, &south), (&by, "1980"), (&bm, "4")]),
        now + TimeDelta::minutes(5),
    )
    .await
    .unwrap();
    assert!(
        matches!(second, Submitted::Saved { revision: 2 }),
        "{second:?}"
    );
    assert_eq!(attribute_display(db, hanako, "district").await, "南区");
    assert_eq!(attribute_display(db, hanako, "interests").await, "");
    let history = results::history(db, &Scope::All, id, hanako).await.unwrap();
    assert_eq!(history.respondents.len(), 2);
    assert_eq!(history.respondents[0].revision, 2);
    assert_eq!(
        history.respondents[1].answers.get(&district_q),
        Some(&Answer::Choices(vec![north.clone()]))
    );

    // Staff remove 性別 and change the consent text: version 3.
    let mut edit = surveys::for_editing(db, &Scope::All, id).await.unwrap();
    let gender_q = question_id(&edit.definition, "性別");
    edit.definition.questions.retain(|q| q.id != gender_q);
    if let Some(c) = edit.definition.consent.as_mut() {
        c.text.push_str("（2026年12月改定）");
    }
    surveys::save(
        db,
        &staff("sato"),
        &Scope::All,
        id,
        soumu.id,
        2,
        &edit.definition,
    )
    .await
    .unwrap();
    // Asked to consent again; a page still showing version 2 is sent back to check.
    let sheet = answers::sheet(db, id, hanako, now).await.unwrap();
    assert_eq!(sheet.version, 3);
    assert!(!sheet.consented);
    let Submitted::Refused(refusal, _) =
        answers::submit(db, id, hanako, form(2, true, &[(&d, &north)]), now)
            .await
            .unwrap()
    else {
        panic!("a stale page was accepted")
    };
    assert!(refusal.form_error.unwrap().contains("更新されました"));

    // Another friend answers version 3; HTML in their answer stays text.
    let taro = friend_id(db, &users[1]).await;
    // Staff had set taro's 性別; a survey answer that leaves it out does not erase it.
    let gender = attributes::list(db)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.key == "gender")
        .unwrap();
    values::set_for_friend(
        db,
        &staff("sato"),
        channel,
        taro,
        &[values::ValueInput {
            attribute_id: gender.id,
            option_ids: vec![gender.options[0].id],
            text: String::new(),
        }],
        now,
    )
    .await
    .unwrap();
    let saved = answers::submit(db, id, taro, form(3, true, &[(&d, &north)]), now)
        .await
        .unwrap();
    assert!(matches!(saved, Submitted::Saved { revision: 1 }));

    assert_eq!(attribute_display(db, taro, "gender").await, "男性");
    let tally = results::tally(db, &Scope::All, id).await.unwrap();
    assert_eq!(tally.respondents, 2);
    let districts = tally
        .questions
        .iter()
        .find(|q| q.question.id == district_q)
        .unwrap();
    assert_eq!(
        districts.options,
        vec![("北区".to_owned(), 1), ("南区".to_owned(), 1)]
    );
    // The removed question is still described (its answers stay readable).
    let gender = tally
        .questions
        .iter()
        .find(|q| q.question.id == gender_q)
        .unwrap();
    assert!(gender.question.removed);

    let page = results::respondents(db, &Scope::All, id, 0, None)
        .await
        .unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.respondents.len(), 2);
    // Only those who chose 北区 now (花子 moved to 南区).
    let north_only = results::ChoiceFilter::parse(&format!("{district_q}:{north}")).unwrap();
    let page = results::respondents(db, &Scope::All, id, 0, Some(&north_only))
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.respondents[0].friend_id, taro);

    let mut bytes = Vec::new();
    let rows = results::export_csv(
        db,
        &staff("sato"),
        &Scope::All,
        id,
        Encoding::Utf8,
        &mut bytes,
    )
    .await
    .unwrap();
    assert_eq!(rows, 2);
    assert!(results::csv_file_name(id).starts_with(&format!("survey-{id}-")));
    assert!(matches!(
        results::check_export(db, &only_fukushi, id).await,
        Err(DomainError::NotFound(_))
    ));
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with('\u{feff}'));
    let header = text.lines().next().unwrap();
    assert!(
        header.contains("お住まいの地区") && header.contains("性別（削除済み）"),
        "{header}"
    );
    assert!(text.contains("南区"), "{text}");
    let mut sjis = Vec::new();
    results::export_csv(
        db,
        &staff("sato"),
        &Scope::All,
        id,
        Encoding::ShiftJis,
        &mut sjis,
    )
    .await
    .unwrap();
    let (decoded, _, bad) = encoding_rs::SHIFT_JIS.decode(&sjis);
    assert!(!bad);
    assert!(decoded.contains("お住まいの地区"));

    // A new question given the id of the removed 性別 (the builder numbers after what it sees)
    // gets a fresh id: 性別's old answers do not attach to it.
    let mut edit = surveys::for_editing(db, &Scope::All, id).await.unwrap();
    edit.definition.questions.push(Question {
        id: gender_q.clone(),
        label: "ご意見".into(),
        help: String::new(),
        required: false,
        attribute_id: None,
        kind: QuestionKind::Text {
            multiline: true,
            max_chars: 200,
            input: model::survey::TextInput::Free,
        },
    });
    let saved = surveys::save(
        db,
        &staff("sato"),
        &Scope::All,
        id,
        soumu.id,
        3,
        &edit.definition,
    )
    .await
    .unwrap();
    let added = saved.definition.questions.last().unwrap();
    assert_eq!(added.label, "ご意見");
    assert_ne!(added.id, gender_q);
    assert!(!saved.definition.questions.iter().any(|q| q.id == gender_q));

    // Closed: no more answers.
    surveys::set_state(
        db,
        &staff("sato"),
        &Scope::All,
        id,
        SurveyState::Closed,
        None,
        None,
    )
    .await
    .unwrap();
    let err = answers::submit(db, id, taro, form(3, true, &[(&d, &south)]), now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("受け付けていません"), "{err}");
    // A draft again is refused; a period in the past closes it too.
    assert!(
        surveys::set_state(
            db,
            &staff("sato"),
            &Scope::All,
            id,
            SurveyState::Draft,
            None,
            None
        )
        .await
        .is_err()
    );
    let detail = surveys::set_state(
        db,
        &staff("sato"),
        &Scope::All,
        id,
        SurveyState::Open,
        Some(now - TimeDelta::days(10)),
        Some(now - TimeDelta::days(1)),
    )
    .await
    .unwrap();
    assert!(!detail.summary.accepting);

    // Copy: a draft with the same questions, no answers; delete removes answers too.
    let copy = surveys::copy(db, &staff("sato"), &Scope::All, id)
        .await
        .unwrap();
    assert_eq!(copy.summary.state, SurveyState::Draft);
    assert_eq!(copy.summary.respondents, 0);
    assert!(copy.definition.title.ends_with("（コピー）"));
    surveys::delete(db, &staff("sato"), &Scope::All, id)
        .await
        .unwrap();
    assert_eq!(survey_response::Entity::find().count(db).await.unwrap(), 0);
    // The attributes the answers wrote stay.
    assert_eq!(attribute_display(db, hanako, "district").await, "南区");
    // And the starter is not made again.
    assert_eq!(surveys::list(db, &Scope::All).await.unwrap().len(), 1);
}

/// A JPEG with an EXIF block that holds a GPS position, as phones write them.
fn photo_with_gps() -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut Cursor::new(&mut jpeg), image::ImageFormat::Jpeg)
        .unwrap();
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\0GPSLatitude35.6812N139.7671E".to_vec();
    exif.resize(64, 0);
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(((exif.len() + 2) as u16).to_be_bytes());
    out.extend(&exif);
    out.extend(&jpeg[2..]);
    out
}

fn upload_survey() -> Survey {
    Survey {
        title: "道路の損傷の通報".into(),
        questions: vec![
            Question {
                id: "q1".into(),
                label: "写真".into(),
                help: String::new(),
                required: true,
                attribute_id: None,
                kind: QuestionKind::Upload {
                    images_only: true,
                    max_bytes: 200 * 1024,
                    max_files: 1,
                },
            },
            Question {
                id: "q2".into(),
                label: "場所".into(),
                help: String::new(),
                required: false,
                attribute_id: None,
                kind: QuestionKind::Text {
                    multiline: true,
                    max_chars: 100,
                    input: model::survey::TextInput::Free,
                },
            },
            Question {
                id: "q3".into(),
                label: "種類".into(),
                help: String::new(),
                required: false,
                attribute_id: None,
                kind: QuestionKind::SingleChoice {
                    options: vec![Choice {
                        id: "o1".into(),
                        label: "陥没".into(),
                        attribute_option_id: None,
                    }],
                    dropdown: true,
                },
            },
        ],
        consent: None,
        ..Survey::default()
    }
}

fn with_file(mut submission: Submission, name: &str, bytes: Vec<u8>) -> Submission {
    submission.files.push(IncomingFile {
        question_id: "q1".into(),
        file_name: name.into(),
        bytes,
    });
    submission
}

async fn uploads_are_checked_by_content_and_stripped_of_metadata(t: TestDb) {
    let db = &t.db;
    let dept = departments::create(db, &Actor::command_line(), "道路課")
        .await
        .unwrap();
    let created = surveys::create(db, &staff("sato"), &Scope::All, dept.id, &upload_survey())
        .await
        .unwrap();
    let id = created.summary.id;
    // A draft is not shown to citizens.
    let channel = domain::testing::line_channel(db, "main").await;
    let users = friends(db, channel, 1, "ja").await;
    let friend = friend_id(db, &users[0]).await;
    assert!(matches!(
        answers::sheet(db, id, friend, Utc::now()).await,
        Err(DomainError::NotFound(_))
    ));
    surveys::set_state(
        db,
        &staff("sato"),
        &Scope::All,
        id,
        SurveyState::Open,
        None,
        None,
    )
    .await
    .unwrap();
    let now = Utc::now();
    let refused = |s: Submitted| match s {
        Submitted::Refused(r, _) => r.errors.get("q1").cloned().unwrap_or_default(),
        Submitted::Saved { .. } => panic!("saved"),
    };
    // A text file named like a photo.
    let s = answers::submit(
        db,
        id,
        friend,
        with_file(
            form(1, false, &[]),
            "photo.jpg",
            b"not an image at all".to_vec(),
        ),
        now,
    )
    .await
    .unwrap();
    assert!(refused(s).contains("画像として読み取れない"));
    // A PDF where only images are allowed.
    let s = answers::submit(
        db,
        id,
        friend,
        with_file(form(1, false, &[]), "a.pdf", b"%PDF-1.7 ...".to_vec()),
        now,
    )
    .await
    .unwrap();
    assert!(refused(s).contains("画像"));
    // Too large.
    let s = answers::submit(
        db,
        id,
        friend,
        with_file(form(1, false, &[]), "big.jpg", vec![0xFF; 300 * 1024]),
        now,
    )
    .await
    .unwrap();
    assert!(refused(s).contains("大きすぎます"));
    // A text refused (too long) comes back as typed.
    let long = "あ".repeat(101);
    let s = answers::submit(db, id, friend, form(1, false, &[("q.q2", &long)]), now)
        .await
        .unwrap();
    let Submitted::Refused(refusal, _) = s else {
        panic!("accepted 101 characters")
    };
    assert_eq!(
        refusal.errors.get("q2").map(String::as_str),
        Some("100文字以内で入力してください")
    );
    assert_eq!(refusal.answers.get("q2"), Some(&Answer::Text(long.clone())));
    assert_eq!(survey_upload::Entity::find().count(db).await.unwrap(), 0);

    // A photo with GPS, and HTML typed as the place: stored as sent, without the metadata.
    let photo = photo_with_gps();
    assert!(photo.windows(11).any(|w| w == b"GPSLatitude"));
    let s = answers::submit(
        db,
        id,
        friend,
        with_file(
            form(1, false, &[("q.q2", "<script>alert(1)</script> 駅前")]),
            "IMG_0001.JPG",
            photo,
        ),
        now,
    )
    .await
    .unwrap();
    assert!(matches!(s, Submitted::Saved { revision: 1 }), "{s:?}");
    let stored = survey_upload::Entity::find()
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.content_type, "image/jpeg");
    assert_eq!(stored.file_name, "IMG_0001.JPG");
    assert!(!stored.data.windows(11).any(|w| w == b"GPSLatitude"));
    assert!(!stored.data.windows(4).any(|w| w == b"Exif"));
    image::load_from_memory(&stored.data).unwrap();
    let file = results::file(db, &Scope::All, id, stored.id).await.unwrap();
    assert_eq!(file.data, stored.data);
    assert!(matches!(
        results::file(db, &Scope::Only([].into()), id, stored.id).await,
        Err(DomainError::NotFound(_))
    ));

    // Sent again without choosing a file: the photo stays.
    let s = answers::submit(
        db,
        id,
        friend,
        form(1, false, &[("q.q2", "駅前の交差点")]),
        now,
    )
    .await
    .unwrap();
    assert!(matches!(s, Submitted::Saved { revision: 2 }), "{s:?}");
    let sheet = answers::sheet(db, id, friend, now).await.unwrap();
    assert_eq!(
        sheet.answers.get("q1"),
        Some(&Answer::Files(vec![stored.id]))
    );
    assert_eq!(
        sheet.files.get(&stored.id).map(String::as_str),
        Some("IMG_0001.JPG")
    );
    assert_eq!(
        sheet.answers.get("q2"),
        Some(&Answer::Text("駅前の交差点".into()))
    );
    // The friends export gains each friend's latest answers (unbound questions; files left
    // out), only for the surveys the caller may read.
    let export = |scope: Option<Scope>| {
        let db = db.clone();
        async move {
            let mut out = Vec::new();
            domain::audience::attribute_csv::export(
                &db,
                &staff("sato"),
                channel,
                &domain::audience::friends::FriendQuery::default(),
                &domain::audience::attribute_csv::ExportOptions {
                    encoding: Encoding::Utf8,
                    now: Utc::now(),
                    survey_answers: scope,
                },
                &mut out,
            )
            .await
            .unwrap();
            String::from_utf8(out).unwrap()
        }
    };
    let with_answers = export(Some(Scope::All)).await;
    let header = with_answers.lines().next().unwrap();
    assert!(
        header.ends_with(",アンケート:道路の損傷の通報:場所,アンケート:道路の損傷の通報:種類"),
        "{header}"
    );
    assert!(
        with_answers
            .lines()
            .nth(1)
            .unwrap()
            .ends_with(",駅前の交差点,"),
        "{with_answers}"
    );
    // The answer columns are read-only: the file imports back without a problem.
    let report =
        domain::audience::attribute_csv::check(db, channel, with_answers.as_bytes(), Utc::now())
            .await
            .unwrap();
    assert!(report.is_clean(), "{}", report.problems_text());
    assert!(
        !export(Some(Scope::Only([].into())))
            .await
            .contains("アンケート:")
    );
    assert!(!export(None).await.contains("アンケート:"));

    // The page renders typed HTML as text.
    let html = model::survey::page::form(
        &sheet.survey,
        &model::survey::page::FormState {
            answers: answers::sheet(db, id, friend, now)
                .await
                .map(|mut s| {
                    s.answers.insert(
                        "q2".into(),
                        Answer::Text("<script>alert(1)</script>".into()),
                    );
                    s.answers
                })
                .unwrap(),
            action: "/liff/surveys/1",
            this_year: 2026,
            ..Default::default()
        },
    );
    assert!(!html.contains("<script>alert(1)"));

    // Two submissions at once: each is whole; revisions stay consecutive.
    let a = answers::submit(db, id, friend, form(1, false, &[("q.q2", "A")]), now);
    let b = answers::submit(db, id, friend, form(1, false, &[("q.q2", "B")]), now);
    let (a, b) = tokio::join!(a, b);
    let outcomes = [a, b];
    let saved = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(Submitted::Saved { .. })))
        .count();
    assert!(saved >= 1);
    for o in &outcomes {
        assert!(
            matches!(
                o,
                Ok(Submitted::Saved { .. }) | Err(DomainError::Conflict(_))
            ),
            "{o:?}"
        );
    }
    let revisions: Vec<i64> = survey_response::Entity::find()
        .filter(survey_response::Column::SurveyId.eq(id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.revision)
        .collect();
    assert_eq!(revisions.len(), 2 + saved);
    for (i, r) in revisions.iter().enumerate() {
        assert!(revisions.contains(&(i as i64 + 1)), "{r} in {revisions:?}");
    }
}

async fn citizen_sessions_are_for_friends_only_and_short(t: TestDb) {
    let db = &t.db;
    let channel = domain::testing::line_channel(db, "main").await;
    let users = friends(db, channel, 1, "ja").await;
    let now = Utc::now();
    let err = liff::start(db, channel, "Uffffffffffffffffffffffffffffffff", now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("友だち追加"), "{err}");
    let token = liff::start(db, channel, &users[0], now).await.unwrap();
    let citizen = liff::resolve(db, &token, now).await.unwrap().unwrap();
    assert_eq!(citizen.channel_id, channel);
    assert_eq!(citizen.friend_id, friend_id(db, &users[0]).await);
    // Expired, forged, or the friend blocked the account: no session.
    assert!(
        liff::resolve(db, &token, now + liff::SESSION_TTL + TimeDelta::seconds(1))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        liff::resolve(db, &"0".repeat(64), now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(liff::resolve(db, "short", now).await.unwrap().is_none());
    let row = friend::Entity::find_by_id(citizen.friend_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut active: friend::ActiveModel = row.into();
    active.status = Set(FriendStatus::Blocked);
    active.update(db).await.unwrap();
    assert!(liff::resolve(db, &token, now).await.unwrap().is_none());
    assert!(liff::start(db, channel, &users[0], now).await.is_err());
}

db_tests!(
    the_starter_survey_is_answered_changed_and_exported,
    uploads_are_checked_by_content_and_stripped_of_metadata,
    citizen_sessions_are_for_friends_only_and_short,
);

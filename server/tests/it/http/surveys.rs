//! アンケート's admin routes through the real router: the answers CSV needs 出力 and the survey's
//! department, a citizen's file is served to staff of that department only, the preview frame
//! may be framed by our pages only, and the simulator's LIFF opener refuses any link but its
//! channel's LIFF app (no open redirect) and anyone who may not act in the simulator.

use domain::audience::surveys;
use domain::db_tests;
use domain::security::audit::Actor;
use domain::staff::departments;
use domain::testing::TestDb;
use model::access::{Action, Feature, Permission, Scope};
use model::survey::{Choice, Question, QuestionKind, Survey};

use crate::support::*;

fn survey() -> Survey {
    Survey {
        title: "防災アンケート".into(),
        questions: vec![Question {
            id: "q1".into(),
            label: "避難場所を知っていますか".into(),
            help: String::new(),
            required: true,
            attribute_id: None,
            kind: QuestionKind::SingleChoice {
                options: vec![Choice {
                    id: "o1".into(),
                    label: "はい".into(),
                    attribute_option_id: None,
                }],
                dropdown: false,
            },
        }],
        ..Survey::default()
    }
}

async fn survey_downloads_and_the_liff_opener_check_who_asks(t: TestDb) {
    let bousai = departments::create(&t.db, &Actor::command_line(), "防災課")
        .await
        .unwrap();
    let other = departments::create(&t.db, &Actor::command_line(), "福祉課")
        .await
        .unwrap();
    let created = surveys::create(
        &t.db,
        &Actor::command_line(),
        &Scope::All,
        bousai.id,
        &survey(),
    )
    .await
    .unwrap();
    let id = created.summary.id;
    let c = client(&t).await;
    let view = Permission::Do(Feature::Surveys, Action::View);
    let export = Permission::Do(Feature::Surveys, Action::Export);
    // An administrator first: the first account may not become 一般.
    create_admin(&t, "admin").await;
    create_staff(&t, "viewer", &[view], &[bousai.id]).await;
    create_staff(&t, "exporter", &[view, export], &[bousai.id]).await;
    create_staff(&t, "elsewhere", &[view, export], &[other.id]).await;

    let csv = format!("/admin/surveys/{id}/answers.csv");
    let viewer = c.signed_in("viewer").await;
    assert_eq!(
        c.get(&csv, Some(&viewer)).await.status,
        403,
        "出力 is needed"
    );
    let exporter = c.signed_in("exporter").await;
    let ok = c
        .get(&format!("{csv}?encoding=sjis"), Some(&exporter))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.headers["content-type"], "text/csv; charset=shift_jis");
    let (header, _, _) = encoding_rs::SHIFT_JIS.decode(&ok.bytes);
    assert!(header.starts_with("回答日時,表示名"), "{header}");
    let elsewhere = c.signed_in("elsewhere").await;
    assert_eq!(
        c.get(&csv, Some(&elsewhere)).await.status,
        404,
        "another department's survey"
    );
    assert_eq!(
        c.get(&format!("{csv}?encoding=latin1"), Some(&exporter))
            .await
            .status,
        400
    );
    // A file that is not there (or not this survey's).
    assert_eq!(
        c.get(&format!("/admin/surveys/{id}/files/1"), Some(&exporter))
            .await
            .status,
        404
    );

    // The builder's preview frame: our pages may frame it, nothing runs in it.
    let frame = c.get("/admin/surveys/preview-frame", Some(&viewer)).await;
    assert_eq!(frame.status, 200);
    assert_eq!(frame.headers["x-frame-options"], "SAMEORIGIN");
    let policy = frame.headers["content-security-policy"].to_str().unwrap();
    assert!(
        policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'self'"),
        "{policy}"
    );

    // The simulator's LIFF opener: only the channel's LIFF app, only for the simulator's users.
    let admin = c.signed_in("admin").await;
    let opener = |url: &str| {
        format!(
            "/admin/simulator/liff?ch=main&user=U0123&url={}",
            urlencode(url)
        )
    };
    for foreign in [
        "https://evil.example/surveys/1",
        "https://liff.line.me/1234567890-abcdefgh/surveys/1",
        "https://liff.line.me.evil.example/surveys/1",
    ] {
        let r = c.get(&opener(foreign), Some(&admin)).await;
        assert_eq!(r.status, 400, "{foreign}: {}", r.body);
        assert!(r.location().is_empty(), "never a redirect for {foreign}");
    }
    assert_eq!(
        c.get(&opener("https://liff.line.me/x/surveys/1"), Some(&viewer))
            .await
            .status,
        403,
        "シミュレーター 編集 is needed"
    );
}

db_tests!(survey_downloads_and_the_liff_opener_check_who_asks,);

//! The citizens' survey pages (`/liff/...`) over real HTTP on loopback, with ID tokens the
//! built-in sandbox mints and verifies as LINE Login would: the shell, the session (forged,
//! foreign, non-friend and cross-site attempts refused), the form, consent, an answer, and the
//! completion page.

use std::time::Duration;

use domain::audience::surveys;
use domain::db_tests;
use domain::security::audit::Actor;
use domain::staff::departments;
use domain::testing::TestDb;
use model::access::Scope;
use model::status::SurveyState;
use model::survey::{Choice, Question, QuestionKind, Survey, TextInput};

use crate::line::start;
use crate::support::eventually;

fn survey() -> Survey {
    Survey {
        title: "子育てアンケート".into(),
        questions: vec![
            Question {
                id: "q1".into(),
                label: "お子さんの人数".into(),
                help: String::new(),
                required: true,
                attribute_id: None,
                kind: QuestionKind::SingleChoice {
                    options: vec![
                        Choice {
                            id: "o1".into(),
                            label: "1人".into(),
                            attribute_option_id: None,
                        },
                        Choice {
                            id: "o2".into(),
                            label: "2人以上".into(),
                            attribute_option_id: None,
                        },
                    ],
                    dropdown: false,
                },
            },
            Question {
                id: "q2".into(),
                label: "ご意見".into(),
                help: String::new(),
                required: false,
                attribute_id: None,
                kind: QuestionKind::Text {
                    multiline: true,
                    max_chars: 200,
                    input: TextInput::Free,
                },
            },
        ],
        ..Survey::default()
    }
}

const BOUNDARY: &str = "----machidayori-test-boundary";

/// A multipart form body as a browser sends it.
fn multipart(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn a_friend_opens_answers_and_reopens_a_survey_in_liff(t: TestDb) {
    let server = start(&t, &[]).await;
    let base = format!("http://{}", server.addr);
    let sandbox = &server.state.platform.sandbox;
    let dept = departments::create(&t.db, &Actor::command_line(), "子育て支援課")
        .await
        .unwrap();
    let created = surveys::create(
        &t.db,
        &Actor::command_line(),
        &Scope::All,
        dept.id,
        &survey(),
    )
    .await
    .unwrap();
    let id = created.summary.id;
    surveys::set_state(
        &t.db,
        &Actor::command_line(),
        &Scope::All,
        id,
        SurveyState::Open,
        None,
        None,
    )
    .await
    .unwrap();
    let friend = sandbox
        .create_friend(
            "main",
            sandbox::NewSimFriend {
                display_name: "山田 花子".into(),
                ..Default::default()
            },
        )
        .unwrap();
    sandbox.follow("main", &friend.user_id).await.unwrap();
    let stranger = sandbox
        .create_friend(
            "main",
            sandbox::NewSimFriend {
                display_name: "未登録".into(),
                ..Default::default()
            },
        )
        .unwrap();
    // The follow is registered by the workers.
    let channel = domain::platform::channels::id_of(&t.db, "main")
        .await
        .unwrap();
    eventually("the friend", Duration::from_secs(10), async || {
        domain::audience::friends::list(&t.db, channel, &Default::default())
            .await
            .ok()
            .filter(|p| p.total == 1)
    })
    .await;

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = format!("{base}/liff/surveys/{id}");

    // Without a session: the shell, which identifies the citizen; no admin bundle.
    let shell = http.get(&page).send().await.unwrap();
    assert_eq!(shell.status(), 200);
    assert_eq!(shell.headers()["cache-control"], "no-store");
    let html = shell.text().await.unwrap();
    assert!(html.contains("data-mode=\"sandbox\""), "{html}");
    assert!(html.contains("/liff/assets/liff.js"));
    assert!(!html.contains("/pkg/"), "the admin bundle is never loaded");
    assert!(
        !html.contains("子育てアンケート"),
        "nothing of the survey before identification"
    );

    let session = |token: String, origin: Option<&'static str>| {
        let mut req = http
            .post(format!("{base}/liff/session"))
            .json(&serde_json::json!({ "id_token": token }));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        req.send()
    };
    // A token that is not LINE's, a token altered, a token of someone not a friend, and a
    // cross-site request: no session.
    let r = session("not-a-token".into(), None).await.unwrap();
    assert_eq!(r.status(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["retry"], true);
    assert!(body["message"].as_str().unwrap().contains("日時"));
    let token = sandbox
        .mint_id_token("main", &friend.user_id, None)
        .unwrap();
    let mut altered = token.clone();
    altered.pop();
    altered.push(if token.ends_with('A') { 'B' } else { 'A' });
    let r = session(altered, None).await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().get("set-cookie").is_none());
    let foreign = sandbox
        .mint_id_token("main", &stranger.user_id, None)
        .unwrap();
    let r = session(foreign, None).await.unwrap();
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("友だち追加"),
        "{body}"
    );
    // A token of another LINE Login channel (its `aud`), however it is signed.
    let b64 = |v: serde_json::Value| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let foreign_channel = format!(
        "{}.{}.c2ln",
        b64(serde_json::json!({"alg": "HS256"})),
        b64(
            serde_json::json!({"aud": "9999999999", "sub": friend.user_id, "iss": "https://access.line.me"})
        )
    );
    let r = session(foreign_channel, None).await.unwrap();
    assert_eq!(r.status(), 401);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["retry"], false);
    let r = session(token.clone(), Some("https://evil.example"))
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers().get("set-cookie").is_none());

    let r = session(token, None).await.unwrap();
    assert_eq!(r.status(), 204);
    let set_cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set_cookie.contains("Path=/liff")
            && set_cookie.contains("HttpOnly")
            && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_owned();

    // The form.
    let form = http
        .get(&page)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    assert!(html.contains("子育てアンケート"));
    assert!(html.contains("name=\"q.q1\" value=\"o1\""));
    assert!(html.contains("id=\"consent\""));
    assert!(!html.contains("/pkg/"));

    let post = |fields: Vec<(&'static str, String)>| {
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        http.post(&page)
            .header("cookie", &cookie)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(multipart(&refs))
            .send()
    };
    // No consent: the form again with the error beside the box and the text kept (escaped).
    let r = post(vec![
        ("version", "1".into()),
        ("q.q1", "o2".into()),
        ("q.q2", "<b>保育園</b>を増やして".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("同意事項を確認して、チェックを入れてください"));
    assert!(html.contains("&lt;b&gt;保育園&lt;/b&gt;を増やして"));
    assert!(html.contains("value=\"o2\" checked"));
    // Without a session: refused, nothing stored.
    let r = http
        .post(&page)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(&[
            ("version", "1"),
            ("q.q1", "o1"),
            ("consent", "yes"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let r = post(vec![
        ("version", "1".into()),
        ("q.q1", "o2".into()),
        ("q.q2", "保育園を増やして".into()),
        ("consent", "yes".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 303);
    let done = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(done, format!("/liff/surveys/{id}/done"));
    let html = http
        .get(format!("{base}{done}"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("回答を送信しました"));
    assert!(html.contains("data-close=\"1\""));

    // Reopened: the answers are there, consent kept, the button says 更新.
    let html = http
        .get(&page)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("value=\"o2\" checked"));
    assert!(html.contains(">保育園を増やして</textarea>"));
    assert!(html.contains("回答を更新する"));
    assert!(html.contains("回答済みです"));

    // A second LIFF link within the hour: LINE opens the endpoint with the link's path as
    // `liff.state`, and the citizen with a session goes straight there; never elsewhere.
    let state = |path: &str| {
        http.get(format!("{base}/liff"))
            .query(&[("liff.state", path)])
            .header("cookie", &cookie)
            .send()
    };
    let r = state(&format!("/surveys/{id}")).await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    assert_eq!(
        r.headers()["location"],
        format!("/liff/surveys/{id}").as_str()
    );
    for foreign in [
        "//evil.example/surveys/1",
        "https://evil.example/",
        "/surveys/\\evil",
    ] {
        let r = state(foreign).await.unwrap();
        assert_eq!(r.status(), 200, "{foreign}");
        assert!(r.headers().get("location").is_none());
    }

    // Closed while the page was open: the answer is refused with a message.
    surveys::set_state(
        &t.db,
        &Actor::command_line(),
        &Scope::All,
        id,
        SurveyState::Closed,
        None,
        None,
    )
    .await
    .unwrap();
    let r = post(vec![
        ("version", "1".into()),
        ("q.q1", "o1".into()),
        ("consent", "yes".into()),
    ])
    .await
    .unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("受け付けていません"));

    // The SDK and the page script come from our origin; nothing else is served there.
    let sdk = http
        .get(format!("{base}/liff/assets/sdk.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(sdk.status(), 200);
    assert!(sdk.text().await.unwrap().contains("liff"));
    assert_eq!(
        http.get(format!("{base}/liff/assets/../Cargo.toml"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // A survey that does not exist.
    let r = http
        .get(format!("{base}/liff/surveys/999999"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

db_tests!(a_friend_opens_answers_and_reopens_a_survey_in_liff,);

//! The composer's drafts (下書きの自動保存) over HTTP: any signed-in member of staff saves and
//! loads their own; a signed-out request and malformed JSON are refused as the caller's errors.

use axum::http::StatusCode;
use domain::db_tests;
use domain::testing::TestDb;

use crate::support::*;

fn save_form(key: &str, messages: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("key", key)
        .append_pair("messages", messages)
        .finish()
}

async fn staff_save_and_load_their_own_drafts_over_http(t: TestDb) {
    create_admin(&t, "admin1").await;
    // No permission at all: a draft needs only a signed-in user.
    create_staff(&t, "sato", &[], &[]).await;
    create_staff(&t, "suzuki", &[], &[]).await;
    let c = client(&t).await;
    let sato = c.signed_in("sato").await;
    let suzuki = c.signed_in("suzuki").await;
    let (save, load, discard) = (
        path_of::<app::api::SaveEditorDraft>(),
        path_of::<app::api::LoadEditorDraft>(),
        path_of::<app::api::DiscardEditorDraft>(),
    );
    let messages = r#"[{"type":"text","text":"年末年始のごみ収集"}]"#;

    let saved = c
        .post_form(save, &save_form("templates/12", messages), Some(&sato))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let at: String = serde_json::from_str(&saved.body).unwrap();
    assert!(
        at.len() == 5 && at.as_bytes()[2] == b':',
        "HH:MM in Japan time: {at}"
    );

    let loaded = c.post_form(load, "key=templates/12", Some(&sato)).await;
    assert_eq!(loaded.status, StatusCode::OK, "{}", loaded.body);
    let draft: Option<app::api::SavedDraft> = serde_json::from_str(&loaded.body).unwrap();
    let draft = draft.unwrap();
    assert_eq!(draft.saved_at, at);
    assert_eq!(
        serde_json::to_value(&draft.messages).unwrap()[0]["text"],
        "年末年始のごみ収集"
    );
    // Another member of staff has no draft under the same key.
    let theirs = c.post_form(load, "key=templates/12", Some(&suzuki)).await;
    assert_eq!(
        (theirs.status, theirs.body.as_str()),
        (StatusCode::OK, "null")
    );

    // Signed out: refused, and nothing stored.
    for (path, form) in [
        (save, save_form("templates/13", messages)),
        (load, "key=templates/12".to_owned()),
        (discard, "key=templates/12".to_owned()),
    ] {
        let refused = c.post_form(path, &form, None).await;
        assert_eq!(
            refused.status,
            StatusCode::UNAUTHORIZED,
            "{path}: {}",
            refused.body
        );
    }

    // Malformed JSON, a bad key, too many messages: the caller's errors (400), in Japanese.
    let six =
        serde_json::to_string(&vec![serde_json::json!({"type": "text", "text": "x"}); 6]).unwrap();
    for (form, says) in [
        (save_form("templates/12", "{not json"), "JSON"),
        (save_form("templates/12", r#"[{"type":"text"}]"#), "JSON"),
        (save_form("Templates 12", messages), "下書きのキー"),
        (save_form("templates/12", &six), "5件まで"),
    ] {
        let bad = c.post_form(save, &form, Some(&sato)).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{form}: {}", bad.body);
        assert!(bad.body.contains(says), "{form}: {}", bad.body);
    }
    let unchanged = c.post_form(load, "key=templates/12", Some(&sato)).await;
    assert_eq!(unchanged.body, loaded.body);

    let discarded = c.post_form(discard, "key=templates/12", Some(&sato)).await;
    assert_eq!(discarded.status, StatusCode::OK, "{}", discarded.body);
    let gone = c.post_form(load, "key=templates/12", Some(&sato)).await;
    assert_eq!((gone.status, gone.body.as_str()), (StatusCode::OK, "null"));
}

db_tests!(staff_save_and_load_their_own_drafts_over_http,);

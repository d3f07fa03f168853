//! 定型文 stay inside their department over HTTP.

use axum::http::StatusCode;
use domain::db_tests;
use domain::security::audit::Actor;
use domain::testing::TestDb;

use crate::support::*;

async fn templates_stay_inside_their_department_over_http(t: TestDb) {
    use model::access::{Action, Feature, Permission};
    create_admin(&t, "admin1").await;
    let soumu = domain::staff::departments::create(&t.db, &Actor::command_line(), "総務課")
        .await
        .unwrap();
    let fukushi = domain::staff::departments::create(&t.db, &Actor::command_line(), "福祉課")
        .await
        .unwrap();
    let edit = Permission::Do(Feature::Templates, Action::Edit);
    create_staff(&t, "sato", &[edit], &[soumu.id]).await;
    create_staff(&t, "suzuki", &[edit], &[fukushi.id]).await;
    let c = client(&t).await;
    let sato = c.signed_in("sato").await;
    let suzuki = c.signed_in("suzuki").await;
    let save = path_of::<app::api::SaveTemplate>();
    let saved = c
        .post_form(
            save,
            &format!(
                "department_id={}&title=%E3%81%94%E3%81%BF&{}",
                soumu.id,
                messages_field(&[text("収集日")])
            ),
            Some(&sato),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let id: i64 = serde_json::from_str(&saved.body).unwrap();

    // The other department: not in the list, not found by id, not editable or deletable.
    let list = c
        .post_form(path_of::<app::api::ListTemplates>(), "", Some(&suzuki))
        .await;
    assert_eq!(list.body, "[]");
    let editor = c
        .post_form(
            path_of::<app::api::TemplateEditor>(),
            &format!("id={id}"),
            Some(&suzuki),
        )
        .await;
    assert_eq!(editor.status, StatusCode::NOT_FOUND, "{}", editor.body);
    assert!(!editor.body.contains("収集日"), "{}", editor.body);
    let overwrite = c
        .post_form(
            save,
            &format!(
                "id={id}&department_id={}&title=x&{}",
                fukushi.id,
                messages_field(&[text("x")])
            ),
            Some(&suzuki),
        )
        .await;
    assert_eq!(
        overwrite.status,
        StatusCode::NOT_FOUND,
        "{}",
        overwrite.body
    );
    let delete = c
        .post_form(
            path_of::<app::api::DeleteTemplate>(),
            &format!("id={id}"),
            Some(&suzuki),
        )
        .await;
    assert_eq!(delete.status, StatusCode::NOT_FOUND, "{}", delete.body);
    // Filing a template under someone else's department is refused.
    let foreign = c
        .post_form(
            save,
            &format!(
                "department_id={}&title=x&{}",
                soumu.id,
                messages_field(&[text("x")])
            ),
            Some(&suzuki),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST, "{}", foreign.body);

    // The owner sees it with its department and a text preview; LINE's limits apply.
    let editor = c
        .post_form(
            path_of::<app::api::TemplateEditor>(),
            &format!("id={id}"),
            Some(&sato),
        )
        .await;
    let form: app::api::TemplateForm = serde_json::from_str(&editor.body).unwrap();
    let template = form.template.unwrap();
    assert_eq!(
        (template.department.as_str(), template.preview),
        ("総務課", vec!["収集日".to_owned()])
    );
    let too_long = c
        .post_form(
            save,
            &format!(
                "department_id={}&title=x&{}",
                soumu.id,
                messages_field(&[text(&"a".repeat(5001))])
            ),
            Some(&sato),
        )
        .await;
    assert_eq!(
        too_long.status,
        StatusCode::BAD_REQUEST,
        "{}",
        too_long.body
    );
    assert!(too_long.body.contains("5000"), "{}", too_long.body);
    let admin = c.signed_in("admin1").await;
    let all = c
        .post_form(path_of::<app::api::ListTemplates>(), "", Some(&admin))
        .await;
    assert!(
        all.body.contains("収集日"),
        "administrators see every department: {}",
        all.body
    );
}

/// The server refuses what LINE would refuse, with the composer's messages and JSON paths:
/// a sticker LINE does not let bots send, a carousel whose columns disagree on having a
/// title, JSON that is not a list of messages. What it accepts comes back unchanged.
async fn the_server_applies_lines_rules_to_composed_messages(t: TestDb) {
    create_admin(&t, "admin1").await;
    let soumu = domain::staff::departments::create(&t.db, &Actor::command_line(), "総務課")
        .await
        .unwrap();
    let c = client(&t).await;
    let admin = c.signed_in("admin1").await;
    let save = path_of::<app::api::SaveTemplate>();
    let post = async |messages: &[serde_json::Value]| {
        c.post_form(
            save,
            &format!(
                "department_id={}&title=x&{}",
                soumu.id,
                messages_field(messages)
            ),
            Some(&admin),
        )
        .await
    };
    let sticker =
        post(&[serde_json::json!({"type": "sticker", "packageId": "1", "stickerId": "2"})]).await;
    assert_eq!(sticker.status, StatusCode::BAD_REQUEST, "{}", sticker.body);
    assert!(
        sticker.body.contains("messages[0].stickerId"),
        "{}",
        sticker.body
    );
    let column = |title: Option<&str>| {
        let mut c = serde_json::json!({"text": "本文", "actions": [{"type": "uri", "label": "開く", "uri": "https://www.city.example.jp/"}]});
        if let Some(title) = title {
            c["title"] = title.into();
        }
        c
    };
    let uneven = post(&[serde_json::json!({"type": "template", "altText": "催し", "template": {"type": "carousel", "columns": [column(Some("桜")), column(None)]}})]).await;
    assert_eq!(uneven.status, StatusCode::BAD_REQUEST, "{}", uneven.body);
    assert!(
        uneven
            .body
            .contains("messages[0].template.columns[1].title"),
        "{}",
        uneven.body
    );
    let not_messages = c
        .post_form(
            save,
            &format!("department_id={}&title=x&messages=%7B%7D", soumu.id),
            Some(&admin),
        )
        .await;
    assert_eq!(
        not_messages.status,
        StatusCode::BAD_REQUEST,
        "{}",
        not_messages.body
    );
    let good = [
        serde_json::json!({"type": "sticker", "packageId": "446", "stickerId": "1988"}),
        serde_json::json!({"type": "template", "altText": "催し", "template": {"type": "carousel", "columns": [column(Some("桜")), column(Some("花火"))]}}),
    ];
    let saved = post(&good).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let editor = c
        .post_form(
            path_of::<app::api::TemplateEditor>(),
            &format!("id={}", saved.body),
            Some(&admin),
        )
        .await;
    let form: app::api::TemplateForm = serde_json::from_str(&editor.body).unwrap();
    assert_eq!(
        serde_json::to_value(&form.messages).unwrap(),
        serde_json::json!(good)
    );
}

fn text(text: &str) -> serde_json::Value {
    serde_json::json!({"type": "text", "text": text})
}

/// The composer's `messages` form field.
fn messages_field(messages: &[serde_json::Value]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("messages", &serde_json::to_string(messages).unwrap())
        .finish()
}

db_tests!(
    templates_stay_inside_their_department_over_http,
    the_server_applies_lines_rules_to_composed_messages,
);

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
                "department_id={}&title=%E3%81%94%E3%81%BF&text=%E5%8F%8E%E9%9B%86%E6%97%A5&json=",
                soumu.id
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
            &format!("id={id}&department_id={}&title=x&text=x&json=", fukushi.id),
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
            &format!("department_id={}&title=x&text=x&json=", soumu.id),
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
    let preview = c.post_form(path_of::<app::api::PreviewTemplate>(), "text=&json=%5B%7B%22type%22%3A%22sticker%22%2C%22packageId%22%3A%221%22%2C%22stickerId%22%3A%222%22%7D%5D", Some(&sato)).await;
    assert_eq!(preview.body, "[\"［スタンプ］\"]");
    let too_long = c
        .post_form(
            save,
            &format!(
                "department_id={}&title=x&text={}&json=",
                soumu.id,
                "a".repeat(5001)
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

db_tests!(templates_stay_inside_their_department_over_http,);

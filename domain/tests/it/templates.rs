//! Message templates (定型文) and department scope, against real databases.

use domain::messaging::templates::{self, TemplateInput};
use domain::security::audit::Actor;
use domain::staff::departments;
use domain::testing::TestDb;
use domain::{DomainError, db_tests};
use model::access::Scope;

/// Someone saving templates; only the username matters here (it is the "updated by").
fn as_user(username: &str) -> Actor {
    Actor {
        staff_id: None,
        username: username.into(),
        client_addr: None,
    }
}

fn input(department_id: i64, title: &str, text: &str) -> TemplateInput {
    TemplateInput {
        department_id,
        title: title.into(),
        messages: templates::compose(text, "").unwrap(),
    }
}

async fn each_department_sees_and_changes_only_its_own_templates(t: TestDb) {
    let soumu = departments::create(&t.db, &Actor::command_line(), "総務課")
        .await
        .unwrap();
    let fukushi = departments::create(&t.db, &Actor::command_line(), "福祉課")
        .await
        .unwrap();
    let only_soumu = Scope::Only([soumu.id].into());
    let only_fukushi = Scope::Only([fukushi.id].into());

    let garbage = templates::create(
        &t.db,
        &as_user("sato"),
        &only_soumu,
        input(soumu.id, "ごみ収集", "年末年始のごみ収集日"),
    )
    .await
    .unwrap();
    assert_eq!(garbage.department_name, "総務課");
    assert_eq!(garbage.updated_by, "sato");
    let care = templates::create(
        &t.db,
        &as_user("suzuki"),
        &only_fukushi,
        input(fukushi.id, "介護保険", "介護保険料のお知らせ"),
    )
    .await
    .unwrap();

    // Lists are per scope; All sees both.
    let titles =
        |list: Vec<templates::Template>| list.into_iter().map(|t| t.title).collect::<Vec<_>>();
    assert_eq!(
        titles(templates::list(&t.db, &only_soumu).await.unwrap()),
        ["ごみ収集"]
    );
    assert_eq!(
        titles(templates::list(&t.db, &only_fukushi).await.unwrap()),
        ["介護保険"]
    );
    assert_eq!(templates::list(&t.db, &Scope::All).await.unwrap().len(), 2);
    assert!(
        templates::list(&t.db, &Scope::Only([].into()))
            .await
            .unwrap()
            .is_empty()
    );

    // Another department's template is "not found" for every operation, and unchanged.
    assert!(matches!(
        templates::get(&t.db, &only_soumu, care.id).await,
        Err(DomainError::NotFound(_))
    ));
    let edit = templates::update(
        &t.db,
        &as_user("sato"),
        &only_soumu,
        care.id,
        input(soumu.id, "乗っ取り", "x"),
    )
    .await;
    assert!(matches!(edit, Err(DomainError::NotFound(_))), "{edit:?}");
    assert!(matches!(
        templates::delete(&t.db, &Actor::command_line(), &only_soumu, care.id).await,
        Err(DomainError::NotFound(_))
    ));
    assert_eq!(
        templates::get(&t.db, &only_fukushi, care.id)
            .await
            .unwrap()
            .title,
        "介護保険"
    );

    // Creating in, or moving to, a department outside one's scope is refused.
    let err = templates::create(
        &t.db,
        &as_user("sato"),
        &only_soumu,
        input(fukushi.id, "x", "x"),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("担当する部署"), "{err}");
    let err = templates::update(
        &t.db,
        &as_user("sato"),
        &only_soumu,
        garbage.id,
        input(fukushi.id, "x", "x"),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("担当する部署"), "{err}");
    let err = templates::create(
        &t.db,
        &as_user("admin"),
        &Scope::All,
        input(424242, "x", "x"),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DomainError::Invalid(_)), "{err:?}");

    // Edit within scope; bad titles refused with nothing written.
    let edited = templates::update(
        &t.db,
        &as_user("tanaka"),
        &only_soumu,
        garbage.id,
        input(soumu.id, "ごみ収集（改）", "新しい本文"),
    )
    .await
    .unwrap();
    assert_eq!(edited.messages[0].preview_text(), "新しい本文");
    assert_eq!(edited.updated_by, "tanaka");
    for bad in ["", "  ", "a\nb", &"件".repeat(101)] {
        let err = templates::update(
            &t.db,
            &as_user("tanaka"),
            &only_soumu,
            garbage.id,
            input(soumu.id, bad, "x"),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, DomainError::Invalid(_)), "{bad:?}: {err:?}");
    }
    assert_eq!(
        templates::get(&t.db, &only_soumu, garbage.id)
            .await
            .unwrap()
            .title,
        "ごみ収集（改）"
    );

    // A department that owns templates is not deleted; once empty it is.
    let err = departments::delete(&t.db, &Actor::command_line(), fukushi.id)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("定型文が1件"), "{err}");
    templates::delete(&t.db, &Actor::command_line(), &only_fukushi, care.id)
        .await
        .unwrap();
    departments::delete(&t.db, &Actor::command_line(), fukushi.id)
        .await
        .unwrap();
}

db_tests!(each_department_sees_and_changes_only_its_own_templates,);

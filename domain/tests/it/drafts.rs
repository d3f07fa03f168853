//! The composer's drafts (下書きの自動保存), against real databases: each staff member's own,
//! replaced whole, refused with nothing stored when they break a rule, cleared when old.

use chrono::TimeDelta;
use domain::entities::editor_draft;
use domain::messaging::drafts;
use domain::security::audit::Actor;
use domain::staff::accounts::{self, NewAccount};
use domain::testing::TestDb;
use domain::{DomainError, db_tests};
use line::message::Message;
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};

async fn staff_id(db: &domain::DatabaseConnection, username: &str) -> i64 {
    accounts::create(
        db,
        &Actor::command_line(),
        NewAccount::administrator(username, "", "correct horse battery"),
    )
    .await
    .unwrap()
    .id
}

fn text(text: &str) -> Message {
    serde_json::from_value(serde_json::json!({"type": "text", "text": text})).unwrap()
}

async fn stored(db: &domain::DatabaseConnection) -> u64 {
    editor_draft::Entity::find().count(db).await.unwrap()
}

async fn a_draft_is_saved_loaded_replaced_and_discarded(t: TestDb) {
    let sato = staff_id(&t.db, "sato").await;
    let key = "templates/12";
    assert_eq!(drafts::load(&t.db, sato, key).await.unwrap(), None);

    let first = vec![text("年末年始の"), text("ごみ収集")];
    let saved_at = drafts::save(&t.db, sato, key, &first).await.unwrap();
    let draft = drafts::load(&t.db, sato, key).await.unwrap().unwrap();
    assert_eq!(draft.messages, first);
    assert_eq!(draft.saved_at, saved_at);

    // Saving again replaces the messages (one row per staff member and key).
    let second = vec![text("年末年始のごみ収集日のお知らせ")];
    let later = drafts::save(&t.db, sato, key, &second).await.unwrap();
    assert!(later >= saved_at);
    let draft = drafts::load(&t.db, sato, key).await.unwrap().unwrap();
    assert_eq!((draft.messages, draft.saved_at), (second.clone(), later));
    // Other keys are other drafts; an empty composer is a draft too.
    drafts::save(&t.db, sato, "deliveries/new", &[])
        .await
        .unwrap();
    assert_eq!(stored(&t.db).await, 2);
    assert_eq!(
        drafts::load(&t.db, sato, "deliveries/new")
            .await
            .unwrap()
            .unwrap()
            .messages,
        []
    );

    // Drafts are not checked against LINE's limits: they are work in progress.
    let too_long_for_line = vec![text(&"あ".repeat(6000))];
    drafts::save(&t.db, sato, key, &too_long_for_line)
        .await
        .unwrap();
    assert_eq!(
        drafts::load(&t.db, sato, key)
            .await
            .unwrap()
            .unwrap()
            .messages,
        too_long_for_line
    );

    drafts::discard(&t.db, sato, key).await.unwrap();
    assert_eq!(drafts::load(&t.db, sato, key).await.unwrap(), None);
    // Discarding what is not there is fine.
    drafts::discard(&t.db, sato, key).await.unwrap();
    assert_eq!(stored(&t.db).await, 1);
}

async fn a_draft_is_only_its_owners(t: TestDb) {
    let sato = staff_id(&t.db, "sato").await;
    let suzuki = staff_id(&t.db, "suzuki").await;
    let key = "templates/12";
    drafts::save(&t.db, sato, key, &[text("佐藤の下書き")])
        .await
        .unwrap();
    assert_eq!(drafts::load(&t.db, suzuki, key).await.unwrap(), None);

    // The same key is a draft of each one's own; discarding one leaves the other.
    drafts::save(&t.db, suzuki, key, &[text("鈴木の下書き")])
        .await
        .unwrap();
    drafts::discard(&t.db, suzuki, key).await.unwrap();
    assert_eq!(
        drafts::load(&t.db, sato, key)
            .await
            .unwrap()
            .unwrap()
            .messages,
        [text("佐藤の下書き")]
    );
    assert_eq!(drafts::load(&t.db, suzuki, key).await.unwrap(), None);
}

async fn what_breaks_a_rule_is_refused_and_nothing_is_stored(t: TestDb) {
    let sato = staff_id(&t.db, "sato").await;
    let one = [text("x")];
    for key in [
        "",
        "Templates/1",
        "テンプレート",
        "a b",
        "a.b",
        &"k".repeat(201),
    ] {
        let err = drafts::save(&t.db, sato, key, &one).await.unwrap_err();
        assert!(
            matches!(&err, DomainError::Invalid(m) if m.contains("下書きのキー")),
            "{key}: {err:?}"
        );
        assert!(matches!(
            drafts::load(&t.db, sato, key).await,
            Err(DomainError::Invalid(_))
        ));
        assert!(matches!(
            drafts::discard(&t.db, sato, key).await,
            Err(DomainError::Invalid(_))
        ));
    }
    let longest = "k".repeat(drafts::KEY_MAX_CHARS);
    drafts::save(&t.db, sato, &longest, &one).await.unwrap();
    drafts::discard(&t.db, sato, &longest).await.unwrap();

    let six = vec![text("x"); line::validate::MAX_MESSAGES_PER_REQUEST + 1];
    let err = drafts::save(&t.db, sato, "templates/1", &six)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DomainError::Invalid(m) if m.contains("5件まで")),
        "{err:?}"
    );
    let huge = vec![text(&"a".repeat(drafts::MAX_DRAFT_BYTES))];
    let err = drafts::save(&t.db, sato, "templates/1", &huge)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DomainError::Invalid(m) if m.contains("大きすぎます")),
        "{err:?}"
    );
    assert_eq!(stored(&t.db).await, 0);
    assert_eq!(
        drafts::load(&t.db, sato, "templates/1").await.unwrap(),
        None
    );
}

async fn saving_clears_the_callers_old_drafts(t: TestDb) {
    let sato = staff_id(&t.db, "sato").await;
    let suzuki = staff_id(&t.db, "suzuki").await;
    let now = domain::time::now();
    let days_ago = |days: i64| now - TimeDelta::days(days);
    drafts::save_at(&t.db, sato, "templates/1", &[text("古い")], days_ago(31))
        .await
        .unwrap();
    drafts::save_at(&t.db, sato, "templates/2", &[text("最近")], days_ago(29))
        .await
        .unwrap();
    drafts::save_at(&t.db, suzuki, "templates/1", &[text("古い")], days_ago(40))
        .await
        .unwrap();
    // Loading does not clear anything.
    assert!(
        drafts::load(&t.db, sato, "templates/1")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(stored(&t.db).await, 3);

    drafts::save(&t.db, sato, "deliveries/new", &[text("今")])
        .await
        .unwrap();
    assert_eq!(
        drafts::load(&t.db, sato, "templates/1").await.unwrap(),
        None
    );
    assert!(
        drafts::load(&t.db, sato, "templates/2")
            .await
            .unwrap()
            .is_some()
    );
    // Only the caller's own: another staff member's old draft waits for their next save.
    assert!(
        drafts::load(&t.db, suzuki, "templates/1")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(stored(&t.db).await, 3);
}

async fn a_draft_that_no_longer_reads_loads_as_none(t: TestDb) {
    let sato = staff_id(&t.db, "sato").await;
    for (key, json) in [
        ("templates/1", r#"[{"type":"hologram","depth":3}]"#),
        ("templates/2", "not json"),
    ] {
        editor_draft::Entity::insert(editor_draft::ActiveModel {
            staff_id: Set(sato),
            draft_key: Set(key.into()),
            messages: Set(json.into()),
            saved_at: Set(domain::time::now()),
            ..Default::default()
        })
        .exec(&t.db)
        .await
        .unwrap();
        assert_eq!(drafts::load(&t.db, sato, key).await.unwrap(), None);
    }
    // Saving over one replaces it.
    drafts::save(&t.db, sato, "templates/1", &[text("新しい")])
        .await
        .unwrap();
    assert!(
        drafts::load(&t.db, sato, "templates/1")
            .await
            .unwrap()
            .is_some()
    );
}

async fn deleting_an_account_deletes_its_drafts(t: TestDb) {
    let _admin = staff_id(&t.db, "admin1").await;
    let sato = staff_id(&t.db, "sato").await;
    let suzuki = staff_id(&t.db, "suzuki").await;
    drafts::save(&t.db, sato, "templates/1", &[text("x")])
        .await
        .unwrap();
    drafts::save(&t.db, sato, "templates/2", &[text("y")])
        .await
        .unwrap();
    drafts::save(&t.db, suzuki, "templates/1", &[text("z")])
        .await
        .unwrap();
    accounts::delete(&t.db, &Actor::command_line(), sato)
        .await
        .unwrap();
    assert_eq!(stored(&t.db).await, 1);
    assert!(
        drafts::load(&t.db, suzuki, "templates/1")
            .await
            .unwrap()
            .is_some()
    );
}

db_tests!(
    a_draft_is_saved_loaded_replaced_and_discarded,
    a_draft_is_only_its_owners,
    what_breaks_a_rule_is_refused_and_nothing_is_stored,
    saving_clears_the_callers_old_drafts,
    a_draft_that_no_longer_reads_loads_as_none,
    deleting_an_account_deletes_its_drafts,
);

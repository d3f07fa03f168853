//! Test recipients (テスト配信先): the registry per department, its scope, duplicates, validation
//! and the friend search, against real databases.

use chrono::{DateTime, TimeDelta, Utc};
use domain::audience::friends::{self, ProfileData};
use domain::audience::test_recipients::{self, TestRecipientInput, TestRecipientView};
use domain::entities::{audit_log, friend, test_recipient};
use domain::security::audit::Actor;
use domain::staff::departments;
use domain::testing::TestDb;
use domain::{DatabaseConnection, DomainError, db_tests};
use model::access::Scope;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

fn staff(username: &str) -> Actor {
    Actor {
        staff_id: None,
        username: username.into(),
        client_addr: None,
    }
}

fn at(days_ago: i64) -> DateTime<Utc> {
    "2026-11-27T03:00:00Z".parse::<DateTime<Utc>>().unwrap() - TimeDelta::days(days_ago)
}

/// A friend of `channel_id` named `display_name`, followed `days_ago` days ago; its id.
async fn friend(
    db: &DatabaseConnection,
    channel_id: i64,
    user: &str,
    display_name: &str,
    days_ago: i64,
) -> i64 {
    friends::follow(db, channel_id, user, at(days_ago))
        .await
        .unwrap();
    friends::set_profile(
        db,
        channel_id,
        user,
        ProfileData {
            display_name: Some(display_name.into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    friend::Entity::find()
        .filter(friend::Column::ChannelId.eq(channel_id))
        .filter(friend::Column::LineUserId.eq(user))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id
}

fn input(department_id: i64, friend_id: i64, name: &str, groups: &[&str]) -> TestRecipientInput {
    TestRecipientInput {
        department_id,
        friend_id,
        name: name.into(),
        note: String::new(),
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
    }
}

fn names(list: &[TestRecipientView]) -> Vec<&str> {
    list.iter().map(|r| r.name.as_str()).collect()
}

async fn audit_actions(db: &DatabaseConnection) -> Vec<(String, String)> {
    audit_log::Entity::find()
        .filter(audit_log::Column::EntityType.eq("test_recipient"))
        .order_by_asc(audit_log::Column::Seq)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.username))
        .collect()
}

async fn a_department_registers_edits_and_removes_its_test_recipients(t: TestDb) {
    let koho = departments::create(&t.db, &Actor::command_line(), "広報課")
        .await
        .unwrap();
    let bosai = departments::create(&t.db, &Actor::command_line(), "防災課")
        .await
        .unwrap();
    let channel = domain::testing::line_channel(&t.db, "main").await;
    let sato = friend(&t.db, channel, "Usato", "さとう", 3).await;
    let suzuki = friend(&t.db, channel, "Usuzuki", "Suzuki", 2).await;
    let only_koho = Scope::Only([koho.id].into());

    assert!(
        test_recipients::list(&t.db, &only_koho)
            .await
            .unwrap()
            .is_empty()
    );
    let first = test_recipients::add(
        &t.db,
        &staff("tanaka"),
        &only_koho,
        TestRecipientInput {
            note: " 私物の iPhone ".into(),
            ..input(
                koho.id,
                sato,
                " 広報課 佐藤 ",
                &["広報課", "防災担当", "広報課", " "],
            )
        },
    )
    .await
    .unwrap();
    assert_eq!(first.name, "広報課 佐藤");
    assert_eq!(first.note, "私物の iPhone");
    assert_eq!(first.groups, ["広報課", "防災担当"]);
    assert_eq!(first.department_name, "広報課");
    assert_eq!(first.display_name.as_deref(), Some("さとう"));
    assert_eq!(first.line_user_id, "Usato");
    assert_eq!(first.channel_id, channel);
    assert!(first.following);
    assert_eq!(first.created_by, "tanaka");

    // Several per department; the list is by name.
    let second = test_recipients::add(
        &t.db,
        &staff("tanaka"),
        &only_koho,
        input(koho.id, suzuki, "A 鈴木", &[]),
    )
    .await
    .unwrap();
    let list = test_recipients::list(&t.db, &only_koho).await.unwrap();
    assert_eq!(names(&list), ["A 鈴木", "広報課 佐藤"]);
    assert_eq!(list[1], first);

    // Edit: name, note, groups; the friend and department may change too (within scope).
    let edited = test_recipients::update(
        &t.db,
        &staff("yamada"),
        &only_koho,
        second.id,
        TestRecipientInput {
            note: "公用スマホ".into(),
            ..input(koho.id, suzuki, "鈴木（公用）", &["広報課"])
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (edited.name.as_str(), edited.note.as_str()),
        ("鈴木（公用）", "公用スマホ")
    );
    assert_eq!(edited.groups, ["広報課"]);
    assert_eq!(
        edited.created_by, "tanaka",
        "editing does not change who registered it"
    );

    // of_ids: in the order asked, each once.
    let chosen = test_recipients::of_ids(&t.db, &only_koho, &[second.id, first.id, second.id])
        .await
        .unwrap();
    assert_eq!(names(&chosen), ["鈴木（公用）", "広報課 佐藤"]);
    assert!(
        test_recipients::of_ids(&t.db, &only_koho, &[])
            .await
            .unwrap()
            .is_empty()
    );
    let missing = test_recipients::of_ids(&t.db, &only_koho, &[first.id, 999_999]).await;
    assert!(
        matches!(missing, Err(DomainError::NotFound(_))),
        "{missing:?}"
    );

    // Remove: the registration goes, the friend stays.
    let removed = test_recipients::remove(&t.db, &staff("yamada"), &only_koho, second.id)
        .await
        .unwrap();
    assert_eq!(removed.name, "鈴木（公用）");
    assert_eq!(
        names(&test_recipients::list(&t.db, &only_koho).await.unwrap()),
        ["広報課 佐藤"]
    );
    assert!(
        friend::Entity::find_by_id(suzuki)
            .one(&t.db)
            .await
            .unwrap()
            .is_some()
    );
    assert!(matches!(
        test_recipients::remove(&t.db, &staff("yamada"), &only_koho, second.id).await,
        Err(DomainError::NotFound(_))
    ));

    // Every change is in the audit log, with who made it.
    assert_eq!(
        audit_actions(&t.db).await,
        [
            ("test_recipient.create".to_owned(), "tanaka".to_owned()),
            ("test_recipient.create".to_owned(), "tanaka".to_owned()),
            ("test_recipient.update".to_owned(), "yamada".to_owned()),
            ("test_recipient.delete".to_owned(), "yamada".to_owned()),
        ]
    );
    let entry = audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("test_recipient.create"))
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        entry.entity_id.as_deref(),
        Some(first.id.to_string().as_str())
    );
    assert!(entry.summary.contains("防災担当"), "{}", entry.summary);

    // Another department's registry is unaffected (and bosai exists for the scope test below).
    assert!(
        test_recipients::list(&t.db, &Scope::Only([bosai.id].into()))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn another_departments_test_recipients_are_not_found(t: TestDb) {
    let koho = departments::create(&t.db, &Actor::command_line(), "広報課")
        .await
        .unwrap();
    let bosai = departments::create(&t.db, &Actor::command_line(), "防災課")
        .await
        .unwrap();
    let channel = domain::testing::line_channel(&t.db, "main").await;
    let sato = friend(&t.db, channel, "Usato", "さとう", 3).await;
    let only_koho = Scope::Only([koho.id].into());
    let only_bosai = Scope::Only([bosai.id].into());

    // The same friend may be a test recipient of both departments.
    let koho_sato = test_recipients::add(
        &t.db,
        &staff("a"),
        &only_koho,
        input(koho.id, sato, "佐藤", &[]),
    )
    .await
    .unwrap();
    let bosai_sato = test_recipients::add(
        &t.db,
        &staff("b"),
        &only_bosai,
        input(bosai.id, sato, "佐藤（防災）", &["防災担当"]),
    )
    .await
    .unwrap();

    assert_eq!(
        names(&test_recipients::list(&t.db, &only_koho).await.unwrap()),
        ["佐藤"]
    );
    assert_eq!(
        names(&test_recipients::list(&t.db, &only_bosai).await.unwrap()),
        ["佐藤（防災）"]
    );
    // Scope::All sees both, by department name then name.
    let all = test_recipients::list(&t.db, &Scope::All).await.unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        test_recipients::list(&t.db, &Scope::Only([].into()))
            .await
            .unwrap()
            .is_empty()
    );

    // Every operation on the other department's entry is "not found", and changes nothing.
    assert!(matches!(
        test_recipients::get(&t.db, &only_koho, bosai_sato.id).await,
        Err(DomainError::NotFound(_))
    ));
    let edit = test_recipients::update(
        &t.db,
        &staff("a"),
        &only_koho,
        bosai_sato.id,
        input(bosai.id, sato, "乗っ取り", &[]),
    )
    .await;
    assert!(matches!(edit, Err(DomainError::NotFound(_))), "{edit:?}");
    let remove = test_recipients::remove(&t.db, &staff("a"), &only_koho, bosai_sato.id).await;
    assert!(
        matches!(remove, Err(DomainError::NotFound(_))),
        "{remove:?}"
    );
    let ids = test_recipients::of_ids(&t.db, &only_koho, &[koho_sato.id, bosai_sato.id]).await;
    assert!(matches!(ids, Err(DomainError::NotFound(_))), "{ids:?}");
    assert_eq!(
        test_recipients::get(&t.db, &only_bosai, bosai_sato.id)
            .await
            .unwrap()
            .name,
        "佐藤（防災）"
    );

    // Registering in, or moving to, a department outside one's scope is refused.
    let err = test_recipients::add(
        &t.db,
        &staff("a"),
        &only_koho,
        input(bosai.id, sato, "x", &[]),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("担当する部署"), "{err}");
    let err = test_recipients::update(
        &t.db,
        &staff("a"),
        &only_koho,
        koho_sato.id,
        input(bosai.id, sato, "x", &[]),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("担当する部署"), "{err}");
    let err = test_recipients::add(
        &t.db,
        &staff("admin"),
        &Scope::All,
        input(424_242, sato, "x", &[]),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DomainError::Invalid(_)), "{err:?}");
    assert_eq!(
        test_recipient::Entity::find().count(&t.db).await.unwrap(),
        2
    );
}

async fn a_friend_is_registered_once_per_department_and_input_is_checked(t: TestDb) {
    let koho = departments::create(&t.db, &Actor::command_line(), "広報課")
        .await
        .unwrap();
    let channel = domain::testing::line_channel(&t.db, "main").await;
    let sato = friend(&t.db, channel, "Usato", "さとう", 3).await;
    let suzuki = friend(&t.db, channel, "Usuzuki", "すずき", 2).await;
    let scope = Scope::Only([koho.id].into());
    let registered = test_recipients::add(
        &t.db,
        &staff("a"),
        &scope,
        input(koho.id, sato, "佐藤", &[]),
    )
    .await
    .unwrap();
    let other = test_recipients::add(
        &t.db,
        &staff("a"),
        &scope,
        input(koho.id, suzuki, "鈴木", &[]),
    )
    .await
    .unwrap();

    // Twice in one department: refused, by add and by an update onto the same friend.
    let err = test_recipients::add(
        &t.db,
        &staff("a"),
        &scope,
        input(koho.id, sato, "佐藤（2台目）", &[]),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DomainError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains("「佐藤」として登録済み"), "{err}");
    let err = test_recipients::update(
        &t.db,
        &staff("a"),
        &scope,
        other.id,
        input(koho.id, sato, "鈴木", &[]),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("登録済み"), "{err}");
    // Saving an entry unchanged is not a duplicate of itself.
    test_recipients::update(
        &t.db,
        &staff("a"),
        &scope,
        registered.id,
        input(koho.id, sato, "佐藤", &["広報課"]),
    )
    .await
    .unwrap();

    // The unique index holds even without the check (two saves at once).
    let raced = test_recipient::ActiveModel {
        department_id: sea_orm::ActiveValue::Set(koho.id),
        friend_id: sea_orm::ActiveValue::Set(sato),
        name: sea_orm::ActiveValue::Set("x".into()),
        note: sea_orm::ActiveValue::Set(String::new()),
        groups: sea_orm::ActiveValue::Set("[]".into()),
        created_at: sea_orm::ActiveValue::Set(Utc::now()),
        created_by: sea_orm::ActiveValue::Set("x".into()),
        ..Default::default()
    };
    assert!(
        test_recipient::Entity::insert(raced)
            .exec(&t.db)
            .await
            .is_err()
    );

    // Unknown friend; bad names, notes and groups: refused in Japanese, nothing written.
    let err = test_recipients::add(
        &t.db,
        &staff("a"),
        &scope,
        input(koho.id, 987_654, "誰か", &[]),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("友だちが見つかりません"), "{err}");
    let long_group = "グ".repeat(21);
    let eleven: Vec<String> = (1..=11).map(|i| format!("班{i}")).collect();
    let eleven: Vec<&str> = eleven.iter().map(String::as_str).collect();
    let cases: Vec<(TestRecipientInput, &str)> = vec![
        (input(koho.id, suzuki, "", &[]), "名前を入力"),
        (input(koho.id, suzuki, "　 ", &[]), "名前を入力"),
        (input(koho.id, suzuki, &"名".repeat(51), &[]), "50文字以内"),
        (input(koho.id, suzuki, "改\n行", &[]), "制御文字"),
        (
            TestRecipientInput {
                note: "メ".repeat(201),
                ..input(koho.id, suzuki, "鈴木", &[])
            },
            "200文字以内",
        ),
        (input(koho.id, suzuki, "鈴木", &[&long_group]), "20文字以内"),
        (input(koho.id, suzuki, "鈴木", &eleven), "10個まで"),
        (
            input(koho.id, suzuki, "鈴木", &["広報、防災"]),
            "区切り文字",
        ),
    ];
    for (bad, expected) in cases {
        let err = test_recipients::update(&t.db, &staff("a"), &scope, other.id, bad.clone())
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::Invalid(_)), "{bad:?}: {err:?}");
        assert!(err.to_string().contains(expected), "{bad:?}: {err}");
    }
    // The limits themselves are allowed.
    let at_limits = test_recipients::update(
        &t.db,
        &staff("a"),
        &scope,
        other.id,
        TestRecipientInput {
            note: "メ".repeat(200),
            ..input(koho.id, suzuki, &"名".repeat(50), &eleven[..10])
        },
    )
    .await
    .unwrap();
    assert_eq!(at_limits.groups.len(), 10);
    assert_eq!(
        test_recipient::Entity::find().count(&t.db).await.unwrap(),
        2
    );
}

async fn blocked_friends_stay_flagged_and_deleted_friends_leave_the_registry(t: TestDb) {
    let koho = departments::create(&t.db, &Actor::command_line(), "広報課")
        .await
        .unwrap();
    let channel = domain::testing::line_channel(&t.db, "main").await;
    let sato = friend(&t.db, channel, "Usato", "さとう", 3).await;
    let suzuki = friend(&t.db, channel, "Usuzuki", "すずき", 2).await;
    let scope = Scope::Only([koho.id].into());
    // A blocked friend may be registered (they may follow again); views flag them.
    friends::unfollow(&t.db, channel, "Usuzuki", at(1))
        .await
        .unwrap();
    let blocked = test_recipients::add(
        &t.db,
        &staff("a"),
        &scope,
        input(koho.id, suzuki, "鈴木", &[]),
    )
    .await
    .unwrap();
    assert!(!blocked.following);
    test_recipients::add(
        &t.db,
        &staff("a"),
        &scope,
        input(koho.id, sato, "佐藤", &[]),
    )
    .await
    .unwrap();
    friends::unfollow(&t.db, channel, "Usato", at(1))
        .await
        .unwrap();
    let list = test_recipients::list(&t.db, &scope).await.unwrap();
    assert_eq!(
        list.iter()
            .map(|r| (r.name.as_str(), r.following))
            .collect::<Vec<_>>(),
        [("佐藤", false), ("鈴木", false)]
    );
    friends::follow(&t.db, channel, "Usato", at(0))
        .await
        .unwrap();
    assert!(
        test_recipients::get(&t.db, &scope, list[0].id)
            .await
            .unwrap()
            .following
    );

    // A friend's row deleted: its registrations go with it.
    friend::Entity::delete_by_id(suzuki)
        .exec(&t.db)
        .await
        .unwrap();
    assert_eq!(
        names(&test_recipients::list(&t.db, &scope).await.unwrap()),
        ["佐藤"]
    );
    assert!(matches!(
        test_recipients::get(&t.db, &scope, blocked.id).await,
        Err(DomainError::NotFound(_))
    ));
}

async fn friends_are_found_by_name_or_id_following_first(t: TestDb) {
    let channel = domain::testing::line_channel(&t.db, "main").await;
    let other_channel = domain::testing::line_channel(&t.db, "test").await;
    friend(&t.db, channel, "U0a1", "広報 Sato", 5).await;
    friend(&t.db, channel, "U0b2", "sato yuki", 1).await;
    friend(&t.db, channel, "U0c3", "鈴木", 3).await;
    friend(&t.db, channel, "U0d4", "佐藤（ブロック）", 0).await;
    friends::unfollow(&t.db, channel, "U0d4", at(0) + TimeDelta::hours(1))
        .await
        .unwrap();
    friend(&t.db, other_channel, "U0e5", "Sato 別チャネル", 0).await;

    let found = |list: Vec<friends::FriendView>| {
        list.into_iter().map(|f| f.line_user_id).collect::<Vec<_>>()
    };
    // ASCII case ignored; newest follow first among the following.
    assert_eq!(
        found(
            test_recipients::search_friends(&t.db, Some(channel), " SATO ", 10)
                .await
                .unwrap()
        ),
        ["U0b2", "U0a1"]
    );
    // By (part of) the LINE user id, any case.
    assert_eq!(
        found(
            test_recipients::search_friends(&t.db, Some(channel), "u0C", 10)
                .await
                .unwrap()
        ),
        ["U0c3"]
    );
    // Blocked friends come after the following ones.
    assert_eq!(
        found(
            test_recipients::search_friends(&t.db, Some(channel), "", 10)
                .await
                .unwrap()
        ),
        ["U0b2", "U0c3", "U0a1", "U0d4"]
    );
    assert_eq!(
        found(
            test_recipients::search_friends(&t.db, Some(channel), "佐藤", 10)
                .await
                .unwrap()
        ),
        ["U0d4"]
    );
    // The limit, all channels, LIKE wildcards taken literally away, nothing found.
    assert_eq!(
        test_recipients::search_friends(&t.db, Some(channel), "", 2)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        found(
            test_recipients::search_friends(&t.db, None, "sato", 10)
                .await
                .unwrap()
        ),
        ["U0e5", "U0b2", "U0a1"]
    );
    assert_eq!(
        test_recipients::search_friends(&t.db, Some(channel), "%", 10)
            .await
            .unwrap()
            .len(),
        4
    );
    assert!(
        test_recipients::search_friends(&t.db, Some(channel), "山田", 10)
            .await
            .unwrap()
            .is_empty()
    );
    let err = test_recipients::search_friends(&t.db, Some(channel), &"あ".repeat(101), 10)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("100文字以内"), "{err}");
}

db_tests!(
    a_department_registers_edits_and_removes_its_test_recipients,
    another_departments_test_recipients_are_not_found,
    a_friend_is_registered_once_per_department_and_input_is_checked,
    blocked_friends_stay_flagged_and_deleted_friends_leave_the_registry,
    friends_are_found_by_name_or_id_following_first,
);

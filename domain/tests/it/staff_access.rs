//! Roles, permissions and departments against real databases (SQLite and PostgreSQL).

use std::collections::BTreeSet;

use domain::entities::staff_permission;
use domain::security::audit::Actor;
use domain::staff::accounts::{self, NewAccount};
use domain::staff::{departments, sessions};
use domain::testing::TestDb;
use domain::{DomainError, db_tests};
use model::access::{Action, Feature, Need, Permission, Role, Scope};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, TransactionTrait};

async fn admin(db: &domain::DatabaseConnection, username: &str) -> accounts::Staff {
    accounts::create(
        db,
        &Actor::command_line(),
        NewAccount::administrator(username, "", "correct horse battery"),
    )
    .await
    .unwrap()
    .into()
}

async fn grants_are_stored_loaded_with_the_session_and_replaced_whole(t: TestDb) {
    let first = admin(&t.db, "admin1").await;
    assert_eq!(first.grants.role, Role::Admin);
    assert_eq!(first.grants.scope(), Scope::All);
    let user = admin(&t.db, "suzuki").await;
    let general = departments::create(&t.db, &Actor::command_line(), "総務課")
        .await
        .unwrap();
    let welfare = departments::create(&t.db, &Actor::command_line(), " 福祉課 ")
        .await
        .unwrap();
    assert_eq!(welfare.name, "福祉課");
    let send = Permission::Do(Feature::Deliveries, Action::Send);
    let staff = accounts::set_grants(
        &t.db,
        &Actor::command_line(),
        user.id,
        Role::Staff,
        &[send].into(),
        &[general.id].into(),
    )
    .await
    .unwrap();
    assert_eq!(staff.grants.role, Role::Staff);
    assert!(
        staff
            .grants
            .allows(Need::Can(Feature::Deliveries, Action::Send))
    );
    assert!(!staff.grants.allows(Need::Admin));
    assert_eq!(staff.grants.scope(), Scope::Only([general.id].into()));

    // What the middleware sees for this user's session.
    let policy = sessions::SessionPolicy::default();
    let token = sessions::start(&t.db, user.id, policy, None).await.unwrap();
    let resolved = sessions::resolve(&t.db, &token, policy)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resolved.grants, staff.grants);

    // Replaced as a whole: the old permission and department are gone.
    let edit = Permission::Do(Feature::Segments, Action::Edit);
    let staff = accounts::set_grants(
        &t.db,
        &Actor::command_line(),
        user.id,
        Role::Staff,
        &[edit].into(),
        &[welfare.id].into(),
    )
    .await
    .unwrap();
    assert_eq!(staff.grants.permissions, BTreeSet::from([edit]));
    assert_eq!(staff.grants.departments, BTreeSet::from([welfare.id]));
    assert_eq!(
        staff_permission::Entity::find().count(&t.db).await.unwrap(),
        1
    );
}

async fn the_last_administrator_stays_one_and_bad_input_changes_nothing(t: TestDb) {
    let only = admin(&t.db, "admin1").await;
    let err = accounts::set_grants(
        &t.db,
        &Actor::command_line(),
        only.id,
        Role::Staff,
        &BTreeSet::new(),
        &BTreeSet::new(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DomainError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains("最後の管理者"), "{err}");
    // An unknown department: refused, and the permissions given with it are not stored.
    let send = Permission::Do(Feature::Deliveries, Action::Send);
    let err = accounts::set_grants(
        &t.db,
        &Actor::command_line(),
        only.id,
        Role::Admin,
        &[send].into(),
        &[9999].into(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DomainError::Invalid(_)), "{err:?}");
    assert_eq!(
        staff_permission::Entity::find().count(&t.db).await.unwrap(),
        0
    );
    let reloaded = accounts::find_active(&t.db, only.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reloaded.grants.role, Role::Admin);
    // With a second administrator, the first may become 一般.
    admin(&t.db, "admin2").await;
    accounts::set_grants(
        &t.db,
        &Actor::command_line(),
        only.id,
        Role::Staff,
        &BTreeSet::new(),
        &BTreeSet::new(),
    )
    .await
    .unwrap();
    let missing = accounts::set_grants(
        &t.db,
        &Actor::command_line(),
        424242,
        Role::Staff,
        &BTreeSet::new(),
        &BTreeSet::new(),
    )
    .await
    .unwrap_err();
    assert!(matches!(missing, DomainError::NotFound(_)), "{missing:?}");
}

async fn department_names_are_unique_and_checked(t: TestDb) {
    departments::create(&t.db, &Actor::command_line(), "総務課")
        .await
        .unwrap();
    let dup = departments::create(&t.db, &Actor::command_line(), "  総務課")
        .await
        .unwrap_err();
    assert!(matches!(dup, DomainError::Conflict(_)), "{dup:?}");
    for bad in ["", "   ", "a\nb", &"課".repeat(101)] {
        let err = departments::create(&t.db, &Actor::command_line(), bad)
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::Invalid(_)), "{bad:?}: {err:?}");
    }
    let names: Vec<String> = departments::list(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(names, ["総務課"]);
}

fn general<'a>(
    username: &'a str,
    permissions: &'a BTreeSet<Permission>,
    departments: &'a BTreeSet<i64>,
) -> NewAccount<'a> {
    NewAccount {
        username,
        display_name: "",
        password: "initial-pass-0427",
        role: Role::Staff,
        permissions,
        departments,
        must_change_password: true,
    }
}

async fn administrators_manage_accounts_with_least_privilege_and_a_forced_password_change(
    t: TestDb,
) {
    let boss = admin(&t.db, "admin1").await;
    let soumu = departments::create(&t.db, &Actor::command_line(), "総務課")
        .await
        .unwrap();
    let none = BTreeSet::new();
    // A new account starts with exactly what was given: here nothing at all.
    let created = accounts::create(
        &t.db,
        &Actor::command_line(),
        general("sato", &none, &[soumu.id].into()),
    )
    .await
    .unwrap();
    assert_eq!(created.role, Role::Staff);
    assert!(created.permissions.is_empty());
    assert!(created.must_change_password);
    let staff = accounts::authenticate(&t.db, "sato", "initial-pass-0427")
        .await
        .unwrap();
    assert_eq!(
        model::access::authorize(Some(&staff.grants), Need::SignedIn),
        Err(model::access::Refusal::ChangePassword)
    );
    assert_eq!(
        model::access::authorize(Some(&staff.grants), Need::OwnAccount),
        Ok(())
    );

    // The policy applies to initial passwords, and a taken name is refused; nothing stored.
    for (name, password, expected) in [
        ("suzuki", "suzuki-2026-pass", "ユーザー名"),
        ("suzuki", "password1234", "よく使われて"),
        ("SATO", "another-pass-0427", "既に使われて"),
    ] {
        let no_departments = BTreeSet::new();
        let mut new = general(name, &none, &no_departments);
        new.password = password;
        let err = accounts::create(&t.db, &Actor::command_line(), new)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{name}/{password}: {err}");
    }
    let bad_department = accounts::create(
        &t.db,
        &Actor::command_line(),
        general("suzuki", &none, &[9999].into()),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(bad_department, DomainError::Invalid(_)),
        "{bad_department:?}"
    );
    assert_eq!(
        accounts::list(&t.db).await.unwrap().len(),
        2,
        "nothing half-written"
    );

    // Changing one's own password: the current one is required; the flag is cleared and
    // other sessions end, the caller's own stays.
    let policy = sessions::SessionPolicy::default();
    let mine = sessions::start(&t.db, staff.id, policy, None)
        .await
        .unwrap();
    let other = sessions::start(&t.db, staff.id, policy, None)
        .await
        .unwrap();
    let wrong = accounts::change_own_password(
        &t.db,
        &Actor::command_line(),
        staff.id,
        "not-the-password",
        "brand-new-pass-42",
        Some(&mine),
    )
    .await
    .unwrap_err();
    assert!(wrong.to_string().contains("現在のパスワード"), "{wrong}");
    let same = accounts::change_own_password(
        &t.db,
        &Actor::command_line(),
        staff.id,
        "initial-pass-0427",
        "initial-pass-0427",
        Some(&mine),
    )
    .await
    .unwrap_err();
    assert!(same.to_string().contains("違うもの"), "{same}");
    accounts::change_own_password(
        &t.db,
        &Actor::command_line(),
        staff.id,
        "initial-pass-0427",
        "brand-new-pass-42",
        Some(&mine),
    )
    .await
    .unwrap();
    assert!(
        sessions::resolve(&t.db, &mine, policy)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        sessions::resolve(&t.db, &other, policy)
            .await
            .unwrap()
            .is_none()
    );
    let staff = accounts::authenticate(&t.db, "sato", "brand-new-pass-42")
        .await
        .unwrap();
    assert!(!staff.grants.must_change_password);

    // Reset by an administrator: must change again, and every session ends.
    accounts::reset_password(&t.db, &Actor::command_line(), staff.id, "reset-pass-0911")
        .await
        .unwrap();
    assert!(
        sessions::resolve(&t.db, &mine, policy)
            .await
            .unwrap()
            .is_none()
    );
    let staff = accounts::authenticate(&t.db, "sato", "reset-pass-0911")
        .await
        .unwrap();
    assert!(staff.grants.must_change_password);

    // Edit: display name, role, permissions and departments at once.
    let view = Permission::Do(Feature::Templates, Action::Edit);
    let changes = accounts::AccountChanges {
        display_name: " 佐藤 花子 ",
        role: Role::Staff,
        permissions: &[view].into(),
        departments: &[soumu.id].into(),
    };
    let edited = accounts::update(&t.db, &Actor::command_line(), staff.id, changes)
        .await
        .unwrap();
    assert_eq!(edited.display_name, "佐藤 花子");
    assert_eq!(edited.permissions, BTreeSet::from([view]));

    // Disable: no sign-in, sessions gone; enable again.
    let token = sessions::start(&t.db, staff.id, policy, None)
        .await
        .unwrap();
    let disabled = accounts::set_active(&t.db, &Actor::staff(&boss, None), staff.id, false)
        .await
        .unwrap();
    assert!(!disabled.is_active);
    assert!(
        sessions::resolve(&t.db, &token, policy)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        accounts::authenticate(&t.db, "sato", "reset-pass-0911").await,
        Err(DomainError::BadCredentials)
    ));
    accounts::set_active(&t.db, &Actor::staff(&boss, None), staff.id, true)
        .await
        .unwrap();
    accounts::authenticate(&t.db, "sato", "reset-pass-0911")
        .await
        .unwrap();

    // Delete; then the department is free to go.
    accounts::delete(&t.db, &Actor::staff(&boss, None), staff.id)
        .await
        .unwrap();
    assert!(matches!(
        accounts::get(&t.db, staff.id).await,
        Err(DomainError::NotFound(_))
    ));
    departments::delete(&t.db, &Actor::command_line(), soumu.id)
        .await
        .unwrap();
}

async fn the_last_active_administrator_cannot_be_disabled_or_deleted(t: TestDb) {
    let first = admin(&t.db, "admin1").await;
    let second = admin(&t.db, "admin2").await;
    // Nobody disables or deletes themselves.
    let own = accounts::set_active(&t.db, &Actor::staff(&first, None), first.id, false)
        .await
        .unwrap_err();
    assert!(own.to_string().contains("自分自身"), "{own}");
    let own = accounts::delete(&t.db, &Actor::staff(&first, None), first.id)
        .await
        .unwrap_err();
    assert!(own.to_string().contains("自分自身"), "{own}");
    // The second administrator goes; the first is then the last one.
    accounts::set_active(&t.db, &Actor::staff(&first, None), second.id, false)
        .await
        .unwrap();
    let err = accounts::set_active(&t.db, &Actor::staff(&second, None), first.id, false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("最後の管理者"), "{err}");
    let err = accounts::delete(&t.db, &Actor::staff(&second, None), first.id)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("最後の管理者"), "{err}");
    let err = accounts::update(
        &t.db,
        &Actor::command_line(),
        first.id,
        accounts::AccountChanges {
            display_name: "",
            role: Role::Staff,
            permissions: &BTreeSet::new(),
            departments: &BTreeSet::new(),
        },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("最後の管理者"), "{err}");
    assert!(
        accounts::find_active(&t.db, first.id)
            .await
            .unwrap()
            .unwrap()
            .grants
            .is_admin()
    );
    // A disabled administrator does not count, and may be deleted.
    accounts::delete(&t.db, &Actor::staff(&first, None), second.id)
        .await
        .unwrap();
}

async fn two_administrators_demoting_each_other_at_once_leave_one(t: TestDb) {
    let a = admin(&t.db, "admin1").await;
    let b = admin(&t.db, "admin2").await;
    // Another request is in the middle of demoting B: its transaction holds B's row (and on
    // SQLite the write lock) but has not committed.
    let other = t.db.begin().await.unwrap();
    other
        .execute_unprepared(&format!(
            "UPDATE staff_account SET role = 'staff' WHERE id = {}",
            b.id
        ))
        .await
        .unwrap();
    let db = t.db.clone();
    let demote_a = tokio::spawn(async move {
        let none = BTreeSet::new();
        let changes = accounts::AccountChanges {
            display_name: "",
            role: Role::Staff,
            permissions: &none,
            departments: &BTreeSet::new(),
        };
        accounts::update(&db, &Actor::command_line(), a.id, changes).await
    });
    // The demotion of A must wait at the lock, not read B as it was before the other
    // transaction: on PostgreSQL, commit once it is seen waiting; SQLite shows no waiting
    // writers, so there it gets a moment to reach the lock.
    match t.backend {
        domain::db::Backend::Postgres => {
            let waiting = "SELECT count(*) AS n FROM pg_stat_activity \
                           WHERE wait_event_type = 'Lock' AND datname = current_database()";
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            loop {
                let row =
                    t.db.query_one_raw(sea_orm::Statement::from_string(
                        sea_orm::DatabaseBackend::Postgres,
                        waiting,
                    ))
                    .await
                    .unwrap()
                    .unwrap();
                if row.try_get::<i64>("", "n").unwrap() > 0 {
                    break;
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "the demotion never waited"
                );
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        }
        domain::db::Backend::Sqlite => {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
    }
    assert!(!demote_a.is_finished(), "the demotion waits for the lock");
    other.commit().await.unwrap();
    let result = demote_a.await.unwrap();
    assert!(
        matches!(result, Err(DomainError::Conflict(_))),
        "{result:?}"
    );
    let admins = accounts::list(&t.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|x| x.role == Role::Admin)
        .count();
    assert_eq!(admins, 1);
}

async fn departments_are_renamed_and_deleted_only_when_empty(t: TestDb) {
    admin(&t.db, "admin1").await;
    let soumu = departments::create(&t.db, &Actor::command_line(), "総務課")
        .await
        .unwrap();
    let fukushi = departments::create(&t.db, &Actor::command_line(), "福祉課")
        .await
        .unwrap();
    let renamed = departments::rename(&t.db, &Actor::command_line(), soumu.id, "総務部 総務課")
        .await
        .unwrap();
    assert_eq!(renamed.name, "総務部 総務課");
    let dup = departments::rename(&t.db, &Actor::command_line(), soumu.id, " 福祉課")
        .await
        .unwrap_err();
    assert!(matches!(dup, DomainError::Conflict(_)), "{dup:?}");
    let none = BTreeSet::new();
    accounts::create(
        &t.db,
        &Actor::command_line(),
        general("sato", &none, &[fukushi.id].into()),
    )
    .await
    .unwrap();
    let err = departments::delete(&t.db, &Actor::command_line(), fukushi.id)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("職員が1人"), "{err}");
    let counts: Vec<(String, u64)> = departments::list_with_members(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|(d, n)| (d.name, n))
        .collect();
    assert_eq!(
        counts,
        [("福祉課".to_owned(), 1), ("総務部 総務課".to_owned(), 0)]
    );
    departments::delete(&t.db, &Actor::command_line(), soumu.id)
        .await
        .unwrap();
    assert!(matches!(
        departments::delete(&t.db, &Actor::command_line(), soumu.id).await,
        Err(DomainError::NotFound(_))
    ));
}

db_tests!(
    grants_are_stored_loaded_with_the_session_and_replaced_whole,
    the_last_administrator_stays_one_and_bad_input_changes_nothing,
    department_names_are_unique_and_checked,
    administrators_manage_accounts_with_least_privilege_and_a_forced_password_change,
    the_last_active_administrator_cannot_be_disabled_or_deleted,
    two_administrators_demoting_each_other_at_once_leave_one,
    departments_are_renamed_and_deleted_only_when_empty,
);

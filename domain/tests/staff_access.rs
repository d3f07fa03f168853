//! Roles, permissions and departments against real databases (SQLite and PostgreSQL).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::collections::BTreeSet;

use domain::access::{Action, Feature, Need, Permission, Role, Scope};
use domain::accounts::{self, NewAccount};
use domain::entities::staff_permission;
use domain::{DomainError, db_test, departments, sessions};
use sea_orm::{EntityTrait, PaginatorTrait};

async fn admin(db: &domain::DatabaseConnection, username: &str) -> accounts::Staff {
    accounts::create(
        db,
        NewAccount {
            username,
            display_name: "",
            password: "correct horse battery",
        },
    )
    .await
    .unwrap()
}

db_test!(
    async fn grants_are_stored_loaded_with_the_session_and_replaced_whole(t) {
        let first = admin(&t.db, "admin1").await;
        assert_eq!(first.grants.role, Role::Admin);
        assert_eq!(first.grants.scope(), Scope::All);
        let user = admin(&t.db, "suzuki").await;
        let general = departments::create(&t.db, "総務課").await.unwrap();
        let welfare = departments::create(&t.db, " 福祉課 ").await.unwrap();
        assert_eq!(welfare.name, "福祉課");
        let send = Permission::Do(Feature::Deliveries, Action::Send);
        let staff = accounts::set_grants(&t.db, user.id, Role::Staff, &[send].into(), &[general.id].into()).await.unwrap();
        assert_eq!(staff.grants.role, Role::Staff);
        assert!(staff.grants.allows(Need::Can(Feature::Deliveries, Action::Send)));
        assert!(!staff.grants.allows(Need::Admin));
        assert_eq!(staff.grants.scope(), Scope::Only([general.id].into()));

        // What the middleware sees for this user's session.
        let policy = sessions::SessionPolicy::default();
        let token = sessions::start(&t.db, user.id, policy, None).await.unwrap();
        let resolved = sessions::resolve(&t.db, &token, policy).await.unwrap().unwrap();
        assert_eq!(resolved.grants, staff.grants);

        // Replaced as a whole: the old permission and department are gone.
        let edit = Permission::Do(Feature::Segments, Action::Edit);
        let staff = accounts::set_grants(&t.db, user.id, Role::Staff, &[edit].into(), &[welfare.id].into()).await.unwrap();
        assert_eq!(staff.grants.permissions, BTreeSet::from([edit]));
        assert_eq!(staff.grants.departments, BTreeSet::from([welfare.id]));
        assert_eq!(staff_permission::Entity::find().count(&t.db).await.unwrap(), 1);
    }
);

db_test!(
    async fn the_last_administrator_stays_one_and_bad_input_changes_nothing(t) {
        let only = admin(&t.db, "admin1").await;
        let err = accounts::set_grants(&t.db, only.id, Role::Staff, &BTreeSet::new(), &BTreeSet::new()).await.unwrap_err();
        assert!(matches!(err, DomainError::Conflict(_)), "{err:?}");
        assert!(err.to_string().contains("最後の管理者"), "{err}");
        // An unknown department: refused, and the permissions given with it are not stored.
        let send = Permission::Do(Feature::Deliveries, Action::Send);
        let err = accounts::set_grants(&t.db, only.id, Role::Admin, &[send].into(), &[9999].into()).await.unwrap_err();
        assert!(matches!(err, DomainError::Invalid(_)), "{err:?}");
        assert_eq!(staff_permission::Entity::find().count(&t.db).await.unwrap(), 0);
        let reloaded = accounts::find_active(&t.db, only.id).await.unwrap().unwrap();
        assert_eq!(reloaded.grants.role, Role::Admin);
        // With a second administrator, the first may become 一般.
        admin(&t.db, "admin2").await;
        accounts::set_grants(&t.db, only.id, Role::Staff, &BTreeSet::new(), &BTreeSet::new()).await.unwrap();
        let missing = accounts::set_grants(&t.db, 424242, Role::Staff, &BTreeSet::new(), &BTreeSet::new()).await.unwrap_err();
        assert!(matches!(missing, DomainError::NotFound(_)), "{missing:?}");
    }
);

db_test!(
    async fn department_names_are_unique_and_checked(t) {
        departments::create(&t.db, "総務課").await.unwrap();
        let dup = departments::create(&t.db, "  総務課").await.unwrap_err();
        assert!(matches!(dup, DomainError::Conflict(_)), "{dup:?}");
        for bad in ["", "   ", "a\nb", &"課".repeat(101)] {
            let err = departments::create(&t.db, bad).await.unwrap_err();
            assert!(matches!(err, DomainError::Invalid(_)), "{bad:?}: {err:?}");
        }
        let names: Vec<String> = departments::list(&t.db).await.unwrap().into_iter().map(|d| d.name).collect();
        assert_eq!(names, ["総務課"]);
    }
);

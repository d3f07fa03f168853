//! Who may call what: the rule table covers every server function and page, and a 一般 user
//! reaches only what their permissions allow.

use axum::http::StatusCode;
use domain::db_tests;
use domain::testing::TestDb;
use leptos::server_fn::ServerFn;

use crate::support::*;

/// The table in `app::api::rules` covers every server function and admin page that exists, and
/// nothing that does not: a new endpoint without a rule fails here (and is refused at run time).
#[test]
fn every_server_function_and_admin_page_has_an_access_rule() {
    use std::collections::BTreeSet;
    let registered: BTreeSet<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    let ruled: BTreeSet<&str> = app::api::rules::all().map(|(path, _)| *path).collect();
    // One rule per function: two areas cannot both claim one.
    assert_eq!(ruled.len(), app::api::rules::all().count());
    let missing: Vec<_> = registered.difference(&ruled).collect();
    let stale: Vec<_> = ruled.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "server functions without an access rule: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "access rules for no server function: {stale:?}"
    );
    assert!(registered.len() >= 16, "{registered:?}");

    let pages: Vec<String> = leptos_axum::generate_route_list(app::App)
        .iter()
        .map(|route| route.path().to_owned())
        .filter(|path| path.starts_with("/admin"))
        .collect();
    assert!(pages.len() >= 12, "{pages:?}");
    for page in &pages {
        let slug = page.trim_start_matches("/admin").trim_start_matches('/');
        let slug = slug.split('/').next().unwrap_or("");
        assert!(
            // `password`: every user's own password page (`Need::OwnAccount`).
            ["", "login", "setup", "password"].contains(&slug) || app::nav::area(slug).is_some(),
            "admin page without an access rule: {page}"
        );
    }
    // Every area in the menu carries its need, and none is open to anyone (the menu shows only
    // what the user may open).
    for area in app::nav::AREAS {
        assert_ne!(area.need, model::access::Need::Anyone, "{}", area.slug);
        assert_eq!(
            app::api::rules::page_need(&format!("/admin/{}", area.slug)),
            area.need
        );
    }
}

async fn a_general_user_reaches_only_what_their_permissions_allow(t: TestDb) {
    use model::access::{Action, Feature, Permission};
    create_admin(&t, "admin1").await;
    let view_friends = Permission::Do(Feature::FriendAttributes, Action::View);
    create_staff(&t, "suzuki", &[view_friends], &[]).await;
    let c = client(&t).await;
    let user = c.signed_in("suzuki").await;
    let admin = c.signed_in("admin1").await;

    for (page, as_user) in [
        ("/admin", StatusCode::OK),
        ("/admin/friends", StatusCode::OK),
        ("/admin/settings", StatusCode::FORBIDDEN),
        ("/admin/staff", StatusCode::FORBIDDEN),
        ("/admin/simulator", StatusCode::FORBIDDEN),
        ("/admin/deliveries", StatusCode::FORBIDDEN),
    ] {
        let reply = c.get(page, Some(&user)).await;
        assert_eq!(reply.status, as_user, "{page}: {}", reply.body);
        assert_eq!(
            c.get(page, Some(&admin)).await.status,
            StatusCode::OK,
            "{page} as admin"
        );
    }
    let refused = c.get("/admin/settings", Some(&user)).await;
    assert!(
        refused.body.contains("許可されていません"),
        "{}",
        refused.body
    );

    // Server functions: refused before they run (and before their arguments are read).
    for path in [
        <app::api::SaveGreeting as ServerFn>::PATH,
        <app::api::SimFriends as ServerFn>::PATH,
        <app::api::SimAct as ServerFn>::PATH,
    ] {
        let reply = c.post_form(path, "", Some(&user)).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            reply.body
        );
        assert!(reply.body.contains("Forbidden"), "{path}: {}", reply.body);
    }
    let friends = c
        .post_form(
            <app::api::ListFriends as ServerFn>::PATH,
            "channel=main",
            Some(&user),
        )
        .await;
    assert_ne!(friends.status, StatusCode::FORBIDDEN, "{}", friends.body);

    // The menu lists only the areas this user may open.
    let me = c.post_form(current_staff_path(), "", Some(&user)).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let me: app::api::StaffView = serde_json::from_str(&me.body).unwrap();
    assert_eq!(
        (me.role.label_ja(), me.areas),
        ("一般", vec!["friends".to_owned()])
    );
    let me: app::api::StaffView = serde_json::from_str(
        &c.post_form(current_staff_path(), "", Some(&admin))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(me.areas.len(), app::nav::AREAS.len());
}

db_tests!(a_general_user_reaches_only_what_their_permissions_allow,);

//! Accounts managed by administrators over HTTP.

use axum::http::StatusCode;
use domain::db_tests;
use domain::security::audit::Actor;
use domain::staff::accounts::{self};
use domain::testing::TestDb;

use crate::support::*;

async fn an_administrator_adds_a_user_who_must_change_the_initial_password_first(t: TestDb) {
    create_admin(&t, "admin1").await;
    let soumu = domain::staff::departments::create(&t.db, &Actor::command_line(), "総務課")
        .await
        .unwrap();
    let c = client(&t).await;
    let admin = c.signed_in("admin1").await;
    let create = path_of::<app::api::CreateStaffAccount>();

    // Bad input: a Japanese 4xx, nothing stored.
    for (form, expected) in [
        (
            "username=sato&display_name=&initial_password=password1234&initial_password_confirm=password1234&role=staff",
            "よく使われて",
        ),
        (
            "username=sato&display_name=&initial_password=sato-pass-2026&initial_password_confirm=sato-pass-2026&role=staff",
            "ユーザー名を含め",
        ),
        (
            "username=sato&display_name=&initial_password=initial-pass-0427&initial_password_confirm=other&role=staff",
            "確認用",
        ),
        (
            "username=sato&display_name=&initial_password=initial-pass-0427&initial_password_confirm=initial-pass-0427&role=root",
            "権限の種類",
        ),
        (
            "username=sato&display_name=&initial_password=initial-pass-0427&initial_password_confirm=initial-pass-0427&role=staff&permissions[]=nope",
            "権限「nope」",
        ),
    ] {
        let reply = c.post_form(create, form, Some(&admin)).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{form}: {}",
            reply.body
        );
        assert!(reply.body.contains(expected), "{form}: {}", reply.body);
        assert!(
            !reply.body.contains("initial-pass-0427"),
            "the password is never echoed: {}",
            reply.body
        );
    }
    assert_eq!(accounts::count(&t.db).await.unwrap(), 1);

    // Created with the permissions ticked (serde_qs array syntax, as the form sends it).
    let form = format!(
        "username=sato&display_name=%E4%BD%90%E8%97%A4&initial_password=initial-pass-0427&initial_password_confirm=initial-pass-0427&role=staff&permissions[]=templates.edit&departments[]={}",
        soumu.id
    );
    let reply = c.post_form(create, &form, Some(&admin)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let listed = c
        .post_form(path_of::<app::api::ListAccounts>(), "", Some(&admin))
        .await;
    let listed: Vec<app::api::AccountRow> = serde_json::from_str(&listed.body).unwrap();
    let sato = listed.iter().find(|a| a.username == "sato").unwrap();
    assert_eq!(
        sato.permissions,
        [model::access::Permission::Do(
            model::access::Feature::Templates,
            model::access::Action::Edit
        )],
        "templates.edit"
    );
    assert_eq!(sato.departments, ["総務課"]);
    assert!(sato.must_change_password);

    // The new user may do nothing but change the password: pages lead to the form,
    // calls are refused saying why.
    let reply = c.login("sato", "initial-pass-0427").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let user = reply.cookie_pair();
    let page = c.get("/admin/templates", Some(&user)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/admin/password");
    assert_eq!(
        c.get("/admin/password", Some(&user)).await.status,
        StatusCode::OK
    );
    let call = c
        .post_form(path_of::<app::api::ListTemplates>(), "", Some(&user))
        .await;
    assert_eq!(call.status, StatusCode::FORBIDDEN, "{}", call.body);
    assert!(
        call.body.contains("PasswordChangeRequired"),
        "{}",
        call.body
    );

    let change = path_of::<app::api::ChangePassword>();
    let wrong = c.post_form(change, "current_password=nope-nope-nope&new_password=sato-own-secret&new_password_confirm=sato-own-secret", Some(&user)).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.body);
    assert!(wrong.body.contains("現在のパスワード"), "{}", wrong.body);
    let ok = c.post_form(change, "current_password=initial-pass-0427&new_password=kouhou-own-secret&new_password_confirm=kouhou-own-secret", Some(&user)).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    // Now the permissions given apply: templates yes, accounts no.
    assert_eq!(
        c.get("/admin/templates", Some(&user)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        c.get("/admin/staff", Some(&user)).await.status,
        StatusCode::FORBIDDEN
    );
    let call = c
        .post_form(create, &form.replace("sato", "kato"), Some(&user))
        .await;
    assert_eq!(call.status, StatusCode::FORBIDDEN, "{}", call.body);

    // The administrator disables the user: the user's session ends at once.
    let off = c
        .post_form(
            path_of::<app::api::SetAccountActive>(),
            &format!("id={}&active=false", sato.id),
            Some(&admin),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert_eq!(
        c.get("/admin/templates", Some(&user)).await.status,
        StatusCode::SEE_OTHER
    );
    // The last administrator cannot disable themselves.
    let me = accounts::list(&t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.username == "admin1")
        .unwrap();
    let own = c
        .post_form(
            path_of::<app::api::SetAccountActive>(),
            &format!("id={}&active=false", me.id),
            Some(&admin),
        )
        .await;
    assert_eq!(own.status, StatusCode::CONFLICT, "{}", own.body);

    // Every change is in the audit log, by whom and from where, and the chain holds.
    use sea_orm::EntityTrait;
    let entries = domain::entities::audit_log::Entity::find()
        .all(&t.db)
        .await
        .unwrap();
    let changes: Vec<(String, String, Option<String>)> = entries
        .into_iter()
        .filter(|e| e.action.starts_with("account."))
        .map(|e| (e.username, e.action, e.entity_id))
        .collect();
    let sato = Some("sato".to_owned());
    assert_eq!(
        changes,
        [
            (
                "command-line".to_owned(),
                "account.create".to_owned(),
                Some("admin1".to_owned())
            ),
            (
                "admin1".to_owned(),
                "account.create".to_owned(),
                sato.clone()
            ),
            (
                "sato".to_owned(),
                "account.change_password".to_owned(),
                sato.clone()
            ),
            (
                "admin1".to_owned(),
                "account.disable".to_owned(),
                sato.clone()
            ),
        ]
    );
    let report = domain::security::audit::verify(&t.db).await.unwrap();
    assert!(report.first_break.is_none(), "{report:?}");
}

db_tests!(an_administrator_adds_a_user_who_must_change_the_initial_password_first,);

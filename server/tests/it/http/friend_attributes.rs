//! Friend attribute CSV files over HTTP: the upload (multipart, larger than other requests),
//! its report and application, the streamed export and the template, each with its permission.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::db_tests;
use domain::testing::TestDb;
use leptos::server_fn::ServerFn;
use model::access::{Action, Feature, Permission};

use crate::support::*;

const BOUNDARY: &str = "----machidayori-test-boundary";

async fn friends(t: &TestDb, users: &[&str]) {
    let channel_id = domain::platform::channels::id_of(&t.db, "main")
        .await
        .unwrap();
    for user in users {
        domain::audience::friends::follow(&t.db, channel_id, user, chrono::Utc::now())
            .await
            .unwrap();
    }
}

/// A multipart form as a browser sends the import form.
fn upload_request(origin: &str, cookie: &str, file_name: &str, file: &[u8]) -> Request<Body> {
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"channel\"\r\n\r\nmain\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Request::post("/admin/friends/imports")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, origin)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap()
}

fn can(feature: Feature, action: Action) -> Permission {
    Permission::Do(feature, action)
}

async fn import_export_and_template_need_their_permissions(t: TestDb) {
    create_admin(&t, "admin").await;
    let c = client(&t).await;
    friends(&t, &["U1"]).await;
    let viewer = [can(Feature::FriendAttributes, Action::View)];
    create_staff(&t, "viewer", &viewer, &[]).await;
    create_staff(
        &t,
        "outsider",
        &[can(Feature::Templates, Action::View)],
        &[],
    )
    .await;
    for username in ["viewer", "outsider"] {
        let cookie = c.signed_in(username).await;
        for path in [
            "/admin/friends/export.csv?channel=main",
            "/admin/friends/template.csv",
        ] {
            let reply = c.get(path, Some(&cookie)).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{username} {path}");
        }
        let upload = c
            .send(upload_request(
                &c.origin,
                &cookie,
                "a.csv",
                b"line_user_id\r\nU1\r\n",
            ))
            .await;
        assert_eq!(upload.status, StatusCode::FORBIDDEN, "{username}");
        let report = c
            .post_form(
                <app::api::ApplyImport as ServerFn>::PATH,
                "id=1",
                Some(&cookie),
            )
            .await;
        assert_eq!(report.status, StatusCode::FORBIDDEN, "{username}");
    }
    // Signed out: sent to sign in, or refused.
    let reply = c.get("/admin/friends/export.csv", None).await;
    assert!(
        matches!(
            reply.status,
            StatusCode::SEE_OTHER | StatusCode::FOUND | StatusCode::UNAUTHORIZED
        ),
        "{}",
        reply.status
    );
}

async fn an_upload_is_checked_then_applied_by_its_uploader_only(t: TestDb) {
    create_admin(&t, "admin").await;
    let c = client(&t).await;
    friends(&t, &["U1", "U2"]).await;
    let importer = [
        can(Feature::FriendAttributes, Action::Import),
        can(Feature::FriendAttributes, Action::Export),
    ];
    create_staff(&t, "importer", &importer, &[]).await;
    create_staff(&t, "other", &importer, &[]).await;
    let cookie = c.signed_in("importer").await;

    // Shift_JIS, as Excel saves it; one bad row first.
    let bad = encoding_rs::SHIFT_JIS
        .encode("LINEユーザーID,性別\r\nU1,女性\r\nU2,どちらでもない\r\n")
        .0;
    let reply = c
        .send(upload_request(&c.origin, &cookie, "性別.csv", &bad))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let id: i64 = reply
        .location()
        .strip_prefix("/admin/friends/imports/")
        .unwrap()
        .parse()
        .unwrap();
    let report = c
        .post_form(
            <app::api::ImportReport as ServerFn>::PATH,
            &format!("id={id}"),
            Some(&cookie),
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let view: app::api::ImportView = serde_json::from_str(&report.body).unwrap();
    assert_eq!(view.encoding, "Shift_JIS");
    assert_eq!(view.file_name, "性別.csv");
    assert_eq!(view.problem_count, 1);
    assert_eq!(view.problems[0].line, 3);
    assert!(view.problems[0].message.contains("どちらでもない"));
    let refused = c
        .post_form(
            <app::api::ApplyImport as ServerFn>::PATH,
            &format!("id={id}"),
            Some(&cookie),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("何も変更していません"),
        "{}",
        refused.body
    );

    // Fixed and uploaded again: applied once, by its uploader only.
    let good = encoding_rs::SHIFT_JIS
        .encode("LINEユーザーID,性別\r\nU1,女性\r\nU2,回答しない\r\n")
        .0;
    let reply = c
        .send(upload_request(&c.origin, &cookie, "性別.csv", &good))
        .await;
    let id = reply.location().rsplit('/').next().unwrap().to_owned();
    let other = c.signed_in("other").await;
    let theirs = c
        .post_form(
            <app::api::ApplyImport as ServerFn>::PATH,
            &format!("id={id}"),
            Some(&other),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{}", theirs.body);
    let applied = c
        .post_form(
            <app::api::ApplyImport as ServerFn>::PATH,
            &format!("id={id}"),
            Some(&cookie),
        )
        .await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    let view: app::api::ImportView = serde_json::from_str(&applied.body).unwrap();
    assert_eq!((view.friends, view.added), (2, 2));
    assert!(view.applied_at.is_some());
    let again = c
        .post_form(
            <app::api::ApplyImport as ServerFn>::PATH,
            &format!("id={id}"),
            Some(&cookie),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);

    // The export has the values, in either encoding, streamed as a download.
    let export = c
        .get("/admin/friends/export.csv?channel=main", Some(&cookie))
        .await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
    assert_eq!(
        export.headers[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    assert!(
        export.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"friends-")
    );
    assert!(export.bytes.starts_with(b"\xEF\xBB\xBF"));
    assert!(export.body.contains("\r\nU1,"), "{}", export.body);
    assert!(export.body.contains(",女性,"), "{}", export.body);
    let sjis = c
        .get(
            "/admin/friends/export.csv?channel=main&encoding=sjis",
            Some(&cookie),
        )
        .await;
    assert_eq!(
        sjis.headers[header::CONTENT_TYPE],
        "text/csv; charset=shift_jis"
    );
    let (text, _, errors) = encoding_rs::SHIFT_JIS.decode(&sjis.bytes);
    assert!(!errors);
    assert!(text.contains(",回答しない,"), "{text}");
    let filtered = c
        .get(
            "/admin/friends/export.csv?channel=main&name=U2",
            Some(&cookie),
        )
        .await;
    assert_eq!(
        filtered.body.matches("\r\n").count(),
        2,
        "{}",
        filtered.body
    );
    let bad_filter = c
        .get(
            "/admin/friends/export.csv?channel=main&attributes=nonsense",
            Some(&cookie),
        )
        .await;
    assert_eq!(bad_filter.status, StatusCode::BAD_REQUEST);
    let bad_encoding = c
        .get(
            "/admin/friends/export.csv?channel=main&encoding=ebcdic",
            Some(&cookie),
        )
        .await;
    assert_eq!(bad_encoding.status, StatusCode::BAD_REQUEST);
    assert!(bad_encoding.body.contains("sjis"), "{}", bad_encoding.body);

    let actions = domain::security::audit::list(&t.db, &Default::default(), 0, 100)
        .await
        .unwrap()
        .rows;
    let count = |action: &str| actions.iter().filter(|e| e.action == action).count();
    assert_eq!(count("friend_attributes.import"), 1);
    assert_eq!(count("friend_attributes.export"), 3);
}

async fn a_file_larger_than_a_form_is_accepted_and_an_empty_one_explained(t: TestDb) {
    create_admin(&t, "admin").await;
    let importer = [can(Feature::FriendAttributes, Action::Import)];
    create_staff(&t, "importer", &importer, &[]).await;
    // Requests are limited to 64 KiB here; the upload has a limit of its own.
    let c = client_from(&t, &[("REQUEST_BODY_LIMIT", "64KiB")], LOOPBACK).await;
    let cookie = c.signed_in("importer").await;
    let mut file = String::from("line_user_id,gender\r\n");
    for i in 0..5_000 {
        file.push_str(&format!("U{i:032},男性\r\n"));
    }
    assert!(file.len() > 150_000);
    let reply = c
        .send(upload_request(
            &c.origin,
            &cookie,
            "big.csv",
            file.as_bytes(),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let empty = c
        .send(upload_request(&c.origin, &cookie, "empty.csv", b""))
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(
        empty.body.contains("CSV ファイルを選んで"),
        "{}",
        empty.body
    );
    // Other requests keep the small limit.
    let big_form = format!("id=1&x={}", "a".repeat(70_000));
    let refused = c
        .post_form(
            <app::api::ImportReport as ServerFn>::PATH,
            &big_form,
            Some(&cookie),
        )
        .await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
}

/// The "done" as a city would try it: 地区 gets its options, 1,000 friends' attributes
/// come from a CSV saved by Excel in Shift_JIS, one is changed by hand, and the export (Shift_JIS
/// too) holds the imported values and the change; every step is in the audit log.
async fn a_city_imports_a_thousand_friends_changes_one_and_exports(t: TestDb) {
    create_admin(&t, "admin").await;
    let c = client(&t).await;
    let users: Vec<String> = (1..=1000).map(|i| format!("U{i:032x}")).collect();
    let user_refs: Vec<&str> = users.iter().map(String::as_str).collect();
    friends(&t, &user_refs).await;
    let admin = c.signed_in("admin").await;
    let district = domain::audience::attributes::list(&t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.key == "district")
        .unwrap();
    let saved = c
        .post_form(
            <app::api::SaveAttribute as ServerFn>::PATH,
            &format!(
                "id={}&label={}&kind=single_choice&new_options={}",
                district.id,
                urlencode("お住まいの地区"),
                urlencode("北地区\n南地区\n髙﨑ﾆｭｰﾀｳﾝ")
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let sideways = c
        .post_form(
            <app::api::MoveAttribute as ServerFn>::PATH,
            &format!("id={}&direction=sideways", district.id),
            Some(&admin),
        )
        .await;
    assert_eq!(
        sideways.status,
        StatusCode::BAD_REQUEST,
        "{}",
        sideways.body
    );

    let mut csv = String::from("LINEユーザーID,お住まいの地区,生年月,受け取りたい情報\r\n");
    let districts = ["北地区", "南地区", "髙﨑ﾆｭｰﾀｳﾝ"];
    for (i, user) in users.iter().enumerate() {
        csv.push_str(&format!(
            "{user},{},{}/{},防災・防犯|ごみ・環境\r\n",
            districts[i % 3],
            1940 + i % 60,
            1 + i % 12
        ));
    }
    let (sjis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&csv);
    assert!(!unmappable);
    let uploaded = c
        .send(upload_request(&c.origin, &admin, "市民.csv", &sjis))
        .await;
    let id = uploaded.location().rsplit('/').next().unwrap().to_owned();
    let applied = c
        .post_form(
            <app::api::ApplyImport as ServerFn>::PATH,
            &format!("id={id}"),
            Some(&admin),
        )
        .await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    let view: app::api::ImportView = serde_json::from_str(&applied.body).unwrap();
    assert_eq!(
        (view.friends, view.added, view.problem_count),
        (1000, 3000, 0)
    );

    // On a friend's page, and changed there by hand.
    let channel_id = domain::platform::channels::id_of(&t.db, "main")
        .await
        .unwrap();
    let query = domain::audience::friends::FriendQuery {
        name: Some(users[2].clone()),
        ..Default::default()
    };
    let third = domain::audience::friends::list(&t.db, channel_id, &query)
        .await
        .unwrap()
        .friends[0]
        .id;
    let page = c
        .post_form(
            <app::api::FriendAttributeValues as ServerFn>::PATH,
            &format!("channel=main&id={third}"),
            Some(&admin),
        )
        .await;
    let values: app::api::FriendAttributes = serde_json::from_str(&page.body).unwrap();
    let shown = |key: &str| {
        values
            .fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.display.clone())
            .unwrap()
    };
    assert_eq!(shown("district"), "髙﨑ﾆｭｰﾀｳﾝ");
    assert_eq!(shown("birth_month"), "1942-03");
    let north = values
        .fields
        .iter()
        .find(|f| f.key == "district")
        .unwrap()
        .options[0]
        .id;
    let changed = c
        .post_form(
            <app::api::SaveFriendAttributes as ServerFn>::PATH,
            &format!(
                "channel=main&id={third}&choice_ids[]={}&choices[]={}%3A{north}",
                district.id, district.id
            ),
            Some(&admin),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);

    let export = c
        .get(
            "/admin/friends/export.csv?channel=main&encoding=sjis",
            Some(&admin),
        )
        .await;
    let (text, _, errors) = encoding_rs::SHIFT_JIS.decode(&export.bytes);
    assert!(!errors);
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1001);
    let row = |user: &str| *lines.iter().find(|l| l.starts_with(user)).unwrap();
    assert!(
        row(&users[2]).contains(",防災・防犯|ごみ・環境,北地区,1942-03,"),
        "{}",
        row(&users[2])
    );
    assert!(
        row(&users[5]).contains(",髙﨑ﾆｭｰﾀｳﾝ,1945-06,"),
        "{}",
        row(&users[5])
    );

    let actions: Vec<String> = domain::security::audit::list(&t.db, &Default::default(), 0, 100)
        .await
        .unwrap()
        .rows
        .into_iter()
        .rev()
        .map(|e| e.action)
        .filter(|a| a.starts_with("attribute") || a.starts_with("friend_attributes"))
        .collect();
    assert_eq!(
        actions,
        [
            "attribute.update",
            "friend_attributes.import",
            "friend_attributes.update",
            "friend_attributes.export"
        ]
    );
}

db_tests!(
    a_city_imports_a_thousand_friends_changes_one_and_exports,
    import_export_and_template_need_their_permissions,
    an_upload_is_checked_then_applied_by_its_uploader_only,
    a_file_larger_than_a_form_is_accepted_and_an_empty_one_explained,
);

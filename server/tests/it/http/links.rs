//! Tracked links (`/r/{code}`): a code we issued redirects and is counted (in batches), link
//! previews and HEAD are not counted, a code of a deleted delivery still works, anything else
//! is a 404 page and never a redirect; and 配信履歴's CSV download by permission.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::Utc;
use domain::db_tests;
use domain::entities::{link_click, tracked_link};
use domain::testing::TestDb;
use model::access::{Action, Feature, Permission};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait};

use crate::support::*;

const URL: &str = "https://city.example.jp/apply?x=1&y=%E3%81%82";

async fn link(t: &TestDb, code: &str) {
    tracked_link::ActiveModel {
        code: Set(code.into()),
        // No such delivery (deleted): links in citizens' chats keep working.
        delivery_id: Set(9999),
        run_id: Set(9999),
        channel_id: Set(1),
        position: Set(1),
        message_seq: Set(1),
        url: Set(URL.into()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&t.db)
    .await
    .unwrap();
}

async fn clicks(t: &TestDb) -> u64 {
    link_click::Entity::find().count(&t.db).await.unwrap()
}

async fn get_as(c: &Client, uri: &str, agent: &str) -> Reply {
    let req = Request::get(uri)
        .header(header::USER_AGENT, agent)
        .body(Body::empty())
        .unwrap();
    c.send(req).await
}

const PHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Line/14.0.0";

async fn a_tracked_link_redirects_and_counts_taps_but_not_previews(t: TestDb) {
    link(&t, "AbCdEfGh12").await;
    let c = client(&t).await;
    for _ in 0..2 {
        let r = get_as(&c, "/r/AbCdEfGh12", PHONE).await;
        assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
        assert_eq!(r.location(), URL);
        assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    }
    // LINE's link preview and a HEAD request: redirected, not counted.
    let preview = get_as(
        &c,
        "/r/AbCdEfGh12",
        "facebookexternalhit/1.1;line-poker/1.0",
    )
    .await;
    assert_eq!(preview.status, StatusCode::FOUND);
    let head = c
        .send(
            Request::head("/r/AbCdEfGh12")
                .header(header::USER_AGENT, PHONE)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(head.status, StatusCode::FOUND);
    // Clicks are written within about a second, in a batch.
    let mut counted = 0;
    for _ in 0..50 {
        counted = clicks(&t).await;
        if counted >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!((counted, clicks(&t).await), (2, 2));
}

async fn codes_we_did_not_issue_get_a_404_page_and_no_redirect(t: TestDb) {
    link(&t, "AbCdEfGh12").await;
    let c = client(&t).await;
    let long = format!("/r/{}", "A".repeat(5000));
    for uri in [
        "/r/AbCdEfGh13",
        "/r/abcdefgh12",
        "/r/%2E%2E%2Fadmin",
        "/r/%E3%81%82",
        "/r/https%3A%2F%2Fevil.example",
        long.as_str(),
    ] {
        let r = get_as(&c, uri, PHONE).await;
        assert!(
            r.status == StatusCode::NOT_FOUND,
            "{uri}: {} {}",
            r.status,
            r.body
        );
        assert_eq!(r.location(), "", "{uri}");
        assert!(
            r.body.contains("このリンクは見つかりませんでした"),
            "{uri}: {}",
            r.body
        );
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(clicks(&t).await, 0);
}

async fn a_friends_own_code_is_counted_as_theirs_and_an_altered_one_is_refused(t: TestDb) {
    use domain::delivery::links::{new_person_key, person_code};
    let key = new_person_key();
    tracked_link::ActiveModel {
        code: Set("PeRsOn0001".into()),
        delivery_id: Set(9999),
        run_id: Set(9999),
        channel_id: Set(1),
        position: Set(1),
        message_seq: Set(1),
        url: Set(URL.into()),
        person_key: Set(Some(key.clone())),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&t.db)
    .await
    .unwrap();
    let c = client(&t).await;
    let mine = person_code("PeRsOn0001", &key, 42);
    let r = get_as(&c, &format!("/r/{mine}"), PHONE).await;
    assert_eq!((r.status, r.location()), (StatusCode::FOUND, URL));
    // Someone else's id with this check, another key's code, a cut code: 404, not counted.
    let theirs = person_code("PeRsOn0001", &key, 43);
    let swapped = format!("{}{}", &mine[..16], &theirs[16..]);
    let other_key = person_code("PeRsOn0001", &new_person_key(), 42);
    for code in [swapped, other_key, mine[..14].to_owned()] {
        let r = get_as(&c, &format!("/r/{code}"), PHONE).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{code}");
        assert_eq!(r.location(), "", "{code}");
    }
    // Clicks are written in batches about every second: two flushes later everything is in.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let stored = link_click::Entity::find().all(&t.db).await.unwrap();
    assert_eq!(
        stored.iter().map(|c| c.friend_id).collect::<Vec<_>>(),
        [Some(42)]
    );
}

async fn the_history_csv_is_for_staff_who_may_view_deliveries(t: TestDb) {
    create_admin(&t, "admin1").await;
    create_staff(
        &t,
        "viewer",
        &[Permission::Do(Feature::Deliveries, Action::View)],
        &[],
    )
    .await;
    create_staff(
        &t,
        "other",
        &[Permission::Do(Feature::Segments, Action::View)],
        &[],
    )
    .await;
    let c = client(&t).await;
    let viewer = c.signed_in("viewer").await;
    let csv = c
        .get(
            "/admin/deliveries/history.csv?sort=opens&order=asc",
            Some(&viewer),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.body.starts_with("\u{feff}配信日時,タイトル"),
        "{}",
        csv.body
    );
    let bad = c
        .get(
            "/admin/deliveries/history.csv?from=2026-13-01",
            Some(&viewer),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let other = c.signed_in("other").await;
    let refused = c.get("/admin/deliveries/history.csv", Some(&other)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let anonymous = c.get("/admin/deliveries/history.csv", None).await;
    assert!(anonymous.status.is_redirection() || anonymous.status == StatusCode::UNAUTHORIZED);
}

/// A delivery of `department_id` on channel `main`, sent to 30 friends (rows as the engine
/// leaves them); its id.
async fn sent_delivery(t: &TestDb, department_id: i64, title: &str) -> i64 {
    use domain::entities::{delivery, delivery_run};
    use model::status::DeliveryStatus;
    let now = Utc::now();
    let channel_id = domain::platform::channels::id_of(&t.db, "main")
        .await
        .unwrap();
    let d = delivery::ActiveModel {
        department_id: Set(department_id),
        channel_id: Set(channel_id),
        title: Set(title.into()),
        messages: Set("[]".into()),
        target: Set(serde_json::to_string(&model::delivery::Target::everyone()).unwrap()),
        timing: Set(serde_json::to_string(&model::delivery::Timing::Now).unwrap()),
        status: Set(DeliveryStatus::Sent),
        version: Set(1),
        per_person_clicks: Set(false),
        created_at: Set(now),
        created_by: Set("sato".into()),
        updated_at: Set(now),
        updated_by: Set("sato".into()),
        ..Default::default()
    }
    .insert(&t.db)
    .await
    .unwrap();
    delivery_run::ActiveModel {
        delivery_id: Set(d.id),
        occurrence_at: Set(now),
        status: Set(DeliveryStatus::Sent),
        audience: Set(Some(30)),
        prepared: Set(true),
        stop_requested: Set(false),
        sent: Set(30),
        failed: Set(0),
        started_at: Set(Some(now)),
        finished_at: Set(Some(now)),
        ..Default::default()
    }
    .insert(&t.db)
    .await
    .unwrap();
    d.id
}

async fn the_history_csv_comes_in_shift_jis_for_excel_too(t: TestDb) {
    let c = client(&t).await;
    let bousai = domain::staff::departments::create(
        &t.db,
        &domain::security::audit::Actor::command_line(),
        "防災課",
    )
    .await
    .unwrap();
    // An emoji has no Shift_JIS code: it becomes `?`, as in the friends and survey exports.
    sent_delivery(&t, bousai.id, "防災訓練のお知らせ🌸").await;
    create_admin(&t, "admin1").await;
    create_staff(
        &t,
        "viewer",
        &[Permission::Do(Feature::Deliveries, Action::View)],
        &[bousai.id],
    )
    .await;
    let viewer = c.signed_in("viewer").await;
    let csv = c
        .get(
            "/admin/deliveries/history.csv?q=%E9%98%B2%E7%81%BD&encoding=sjis",
            Some(&viewer),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert_eq!(
        csv.headers[header::CONTENT_TYPE],
        "text/csv; charset=shift_jis"
    );
    let sjis = |text: &str| encoding_rs::SHIFT_JIS.encode(text).0.into_owned();
    assert!(
        csv.bytes.starts_with(&sjis("配信日時,タイトル,部署,")),
        "no byte-order mark: {:02X?}",
        &csv.bytes[..8]
    );
    let title = sjis(",防災訓練のお知らせ?,防災課,");
    assert!(
        csv.bytes.windows(title.len()).any(|w| w == title),
        "{:?}",
        encoding_rs::SHIFT_JIS.decode(&csv.bytes).0
    );
    let (text, _, errors) = encoding_rs::SHIFT_JIS.decode(&csv.bytes);
    assert!(!errors);
    assert_eq!(text.matches("\r\n").count(), 2, "{text}");
    assert_eq!(text.matches('\n').count(), 2, "CRLF only: {text}");
    // UTF-8 stays the default, and a file of it keeps the emoji.
    let utf8 = c.get("/admin/deliveries/history.csv", Some(&viewer)).await;
    assert!(utf8.bytes.starts_with(b"\xEF\xBB\xBF"));
    assert!(
        utf8.body.contains(",防災訓練のお知らせ🌸,"),
        "{}",
        utf8.body
    );
    assert!(
        utf8.body.contains(",シミュレーション,配信ID\r\n"),
        "{}",
        utf8.body
    );
    assert!(
        !utf8.body.contains("模擬"),
        "the sandbox adds no simulated audience: {}",
        utf8.body
    );
    let bad = c
        .get(
            "/admin/deliveries/history.csv?encoding=ebcdic",
            Some(&viewer),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("sjis"), "{}", bad.body);
}

/// With `SANDBOX_SIMULATED_AUDIENCE`, the sandbox channel's rows say their figures include the
/// simulated audience.
async fn the_history_csv_marks_a_simulated_audiences_figures(t: TestDb) {
    let c = client_from(&t, &[("SANDBOX_SIMULATED_AUDIENCE", "true")], LOOPBACK).await;
    let bousai = domain::staff::departments::create(
        &t.db,
        &domain::security::audit::Actor::command_line(),
        "防災課",
    )
    .await
    .unwrap();
    sent_delivery(&t, bousai.id, "防災訓練").await;
    create_admin(&t, "admin1").await;
    let admin = c.signed_in("admin1").await;
    let csv = c.get("/admin/deliveries/history.csv", Some(&admin)).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    let row = csv.body.lines().nth(1).unwrap();
    assert!(row.contains(",防災訓練,防災課,"), "{row}");
    assert!(row.contains(",模擬の利用者を含む,"), "{row}");
}

db_tests!(
    the_history_csv_marks_a_simulated_audiences_figures,
    the_history_csv_comes_in_shift_jis_for_excel_too,
    a_tracked_link_redirects_and_counts_taps_but_not_previews,
    codes_we_did_not_issue_get_a_404_page_and_no_redirect,
    a_friends_own_code_is_counted_as_theirs_and_an_altered_one_is_refused,
    the_history_csv_is_for_staff_who_may_view_deliveries,
);

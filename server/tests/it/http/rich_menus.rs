//! リッチメニュー images over HTTP: the upload through the real router (fitting to LINE's
//! rules, bad files, the body limit), the image back for the editor, and who may do either.

use std::io::Cursor;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::db_tests;
use domain::menus::designs::{self, MenuInput};
use domain::security::audit::Actor;
use domain::testing::TestDb;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use model::access::{Action, Feature, Permission, Scope};
use model::menu::{MenuDesign, PRESETS};

use crate::support::*;

const BOUNDARY: &str = "----machidayori-rich-menu-test";

fn photo(width: u32, height: u32) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 90])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image)
        .write_to(&mut out, ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

fn upload(origin: &str, cookie: &str, menu_id: i64, file: &[u8]) -> Request<Body> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"menu.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Request::post(format!("/admin/rich-menus/{menu_id}/image"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, origin)
        .header(header::COOKIE, cookie)
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap()
}

async fn department(t: &TestDb, name: &str) -> i64 {
    domain::staff::departments::create(&t.db, &Actor::command_line(), name)
        .await
        .unwrap()
        .id
}

async fn images_are_fitted_on_upload_and_only_their_department_sees_them(t: TestDb) {
    create_admin(&t, "admin").await;
    let kouhou = department(&t, "広報課").await;
    let fukushi = department(&t, "福祉課").await;
    let edit = Permission::Do(Feature::RichMenus, Action::Edit);
    let view = Permission::Do(Feature::RichMenus, Action::View);
    create_staff(&t, "sato", &[edit], &[kouhou]).await;
    create_staff(&t, "yamada", &[view], &[kouhou]).await;
    create_staff(&t, "suzuki", &[edit], &[fukushi]).await;
    let menu = designs::create(
        &t.db,
        &Actor::command_line(),
        &Scope::All,
        MenuInput {
            department_id: kouhou,
            title: "くらしのメニュー".into(),
            design: MenuDesign::from_preset(&PRESETS[0]),
        },
    )
    .await
    .unwrap();
    let c = client(&t).await;
    let sato = c.signed_in("sato").await;
    let yamada = c.signed_in("yamada").await;
    let suzuki = c.signed_in("suzuki").await;
    let image_path = format!("/admin/rich-menus/{}/image", menu.id);

    // No image yet.
    assert_eq!(
        c.get(&image_path, Some(&sato)).await.status,
        StatusCode::NOT_FOUND
    );
    // A photo of another shape is cropped and scaled to the menu's size.
    let reply = c
        .send(upload(&c.origin, &sato, menu.id, &photo(3000, 3000)))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let fitted: app::api::MenuImageFitted = serde_json::from_str(&reply.body).unwrap();
    assert_eq!((fitted.source_width, fitted.source_height), (3000, 3000));
    assert!(fitted.bytes <= 1_000_000);
    let image = c.get(&image_path, Some(&yamada)).await;
    assert_eq!(image.status, StatusCode::OK);
    assert_eq!(image.headers[header::CONTENT_TYPE], "image/jpeg");
    let decoded = image::load_from_memory(&image.bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (2500, 1686));

    // Not an image: a 400 in Japanese, the image kept.
    let reply = c
        .send(upload(&c.origin, &sato, menu.id, b"%PDF-1.7 not a photo"))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("JPEG か PNG"), "{}", reply.body);
    assert_eq!(c.get(&image_path, Some(&sato)).await.bytes, image.bytes);
    // Over the route's limit: 413, unread.
    let huge = vec![0xFFu8; 21 * 1024 * 1024];
    let reply = c.send(upload(&c.origin, &sato, menu.id, &huge)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);

    // 閲覧 only: may see, may not upload. Another department: not found. No session: sign in.
    let reply = c
        .send(upload(&c.origin, &yamada, menu.id, &photo(900, 600)))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(
        c.get(&image_path, Some(&suzuki)).await.status,
        StatusCode::NOT_FOUND
    );
    let reply = c
        .send(upload(&c.origin, &suzuki, menu.id, &photo(900, 600)))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    let anonymous = c.get(&image_path, None).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
}

db_tests!(images_are_fitted_on_upload_and_only_their_department_sees_them,);

/// A published, live version of `menu_id` on a channel, with LINE's 7-day figures stored as
/// under LINE's threshold (written as the publish and the statistics job would): the LINE
/// menu's id and the version's id.
async fn shown_under_the_threshold(t: &TestDb, menu_id: i64, image: Vec<u8>) -> (i64, i64) {
    use domain::entities::{line_rich_menu, rich_menu_statistics, rich_menu_version};
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let channel_id = domain::testing::line_channel(&t.db, "main").await;
    let now = chrono::Utc::now();
    let design = serde_json::to_string(&MenuDesign::from_preset(&PRESETS[0])).unwrap();
    let version = rich_menu_version::ActiveModel {
        rich_menu_id: Set(menu_id),
        number: Set(1),
        design: Set(design),
        image: Set(image),
        image_type: Set("image/jpeg".into()),
        created_at: Set(now),
        created_by: Set("sato".into()),
        ..Default::default()
    }
    .insert(&t.db)
    .await
    .unwrap();
    let line_menu = line_rich_menu::ActiveModel {
        channel_id: Set(channel_id),
        version_id: Set(version.id),
        name: Set("machidayori-1".into()),
        line_id: Set(Some("richmenu-0123".into())),
        state: Set("live".into()),
        purpose: Set("default".into()),
        error: Set(None),
        wait_until: Set(None),
        delete_after: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        created_by: Set("sato".into()),
        live_at: Set(Some(now)),
        ended_at: Set(None),
        ..Default::default()
    }
    .insert(&t.db)
    .await
    .unwrap();
    rich_menu_statistics::ActiveModel {
        line_menu_id: Set(line_menu.id),
        channel_id: Set(channel_id),
        period: Set("7d".into()),
        from_day: Set(Some("20261122".into())),
        to_day: Set(Some("20261128".into())),
        metrics_from: Set(None),
        metrics_to: Set(None),
        below_threshold: Set(true),
        impressions: Set(None),
        impression_users: Set(None),
        clicks: Set(None),
        fetched_at: Set(Some(now)),
        next_fetch_at: Set(Some(now + chrono::TimeDelta::days(1))),
        is_final: Set(false),
        last_error: Set(None),
        ..Default::default()
    }
    .insert(&t.db)
    .await
    .unwrap();
    (line_menu.id, version.id)
}

async fn menu_statistics_are_shown_to_their_department_with_lines_threshold(t: TestDb) {
    create_admin(&t, "admin").await;
    let kouhou = department(&t, "広報課").await;
    let fukushi = department(&t, "福祉課").await;
    let view = Permission::Do(Feature::RichMenus, Action::View);
    create_staff(&t, "yamada", &[view], &[kouhou]).await;
    create_staff(&t, "suzuki", &[view], &[fukushi]).await;
    let menu = designs::create(
        &t.db,
        &Actor::command_line(),
        &Scope::All,
        MenuInput {
            department_id: kouhou,
            title: "くらしのメニュー".into(),
            design: MenuDesign::from_preset(&PRESETS[0]),
        },
    )
    .await
    .unwrap();
    let c = client(&t).await;
    let yamada = c.signed_in("yamada").await;
    let suzuki = c.signed_in("suzuki").await;
    let stats = path_of::<app::api::RichMenuStatistics>();
    let form = format!("id={}&period=7d", menu.id);

    // Not published yet: no versions, no figures (the page's empty state).
    let reply = c.post_form(stats, &form, Some(&yamada)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let empty: app::api::MenuStats = serde_json::from_str(&reply.body).unwrap();
    assert!(empty.shown.is_empty() && empty.figures.is_none());

    let frozen = photo(2500, 1686);
    let (line_menu_id, version_id) = shown_under_the_threshold(&t, menu.id, frozen.clone()).await;
    let reply = c.post_form(stats, &form, Some(&yamada)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let shown: app::api::MenuStats = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(shown.selected, Some(line_menu_id));
    assert_eq!(shown.period, "7d");
    let figures = shown.figures.unwrap();
    assert!(figures.below_threshold);
    assert_eq!(figures.impressions, None);
    assert_eq!(figures.areas.len(), 6);
    assert!(figures.areas.iter().all(|a| a.taps.is_none()));
    assert_eq!(
        figures.days.as_deref(),
        Some("2026年11月22日〜2026年11月28日")
    );
    // The page draws on the version's own image.
    assert_eq!(
        figures.image_url,
        format!("/admin/rich-menus/{}/image?version={version_id}", menu.id)
    );
    let image = c.get(&figures.image_url, Some(&yamada)).await;
    assert_eq!(image.status, StatusCode::OK);
    assert_eq!(image.bytes, frozen);
    let missing = format!("/admin/rich-menus/{}/image?version=999999", menu.id);
    assert_eq!(
        c.get(&missing, Some(&yamada)).await.status,
        StatusCode::NOT_FOUND
    );

    // The page itself, rendered on the server: 「20未満」, never 0.
    let page = c
        .get(
            &format!("/admin/rich-menus/{}/stats", menu.id),
            Some(&yamada),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("くらしのメニュー の統計"),
        "{}",
        page.body
    );
    assert!(page.body.contains("20未満"), "{}", page.body);
    assert!(page.body.contains("翌日以降に反映"), "{}", page.body);

    // Another department's staff: not found; an unknown version of the menu: not found.
    let reply = c.post_form(stats, &form, Some(&suzuki)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    assert_eq!(
        c.get(&figures.image_url, Some(&suzuki)).await.status,
        StatusCode::NOT_FOUND
    );
    let reply = c
        .post_form(stats, &format!("{form}&shown=999999"), Some(&yamada))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.body);
    // An unknown period falls back to the last 7 days.
    let reply = c
        .post_form(stats, &format!("id={}&period=1y", menu.id), Some(&yamada))
        .await;
    let fallback: app::api::MenuStats = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(fallback.period, "7d");
}

db_tests!(menu_statistics_are_shown_to_their_department_with_lines_threshold,);

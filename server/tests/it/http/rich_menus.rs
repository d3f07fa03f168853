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

//! 画像 (the media library) over HTTP: uploads through the real router (limits, checks by
//! content, stripped metadata, dedupe), the public URLs LINE fetches (no session, no allowlist,
//! every size), and department scope of the server functions.

use std::io::Cursor;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::db_tests;
use domain::security::audit::Actor;
use domain::testing::TestDb;
use image::{DynamicImage, GenericImageView, ImageFormat, Rgb, RgbImage};
use model::access::{Action, Feature, Permission};

use super::REMOTE;
use crate::support::*;

const BOUNDARY: &str = "----machidayori-media-test";

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

/// A JPEG with an Exif segment holding GPS data, as a phone writes it.
fn photo_with_gps(width: u32, height: u32) -> Vec<u8> {
    let jpeg = photo(width, height);
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&[0, 1]);
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(&[0, 1]);
    tiff.extend_from_slice(&[0x00, 0x01, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(b"GPS-SECRET 35.6812N 139.7671E");
    let mut segment = b"Exif\0\0".to_vec();
    segment.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((segment.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&segment);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A few dozen bytes of valid PNG claiming 100000×100000 pixels.
fn png_bomb() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    out
}

/// The upload as the page's `fetch` sends it (`json`), or as a plain form post.
fn upload(
    origin: &str,
    cookie: &str,
    department_id: i64,
    file_name: &str,
    file: &[u8],
    json: bool,
) -> Request<Body> {
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"department_id\"\r\n\r\n{department_id}\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"alt_text\"\r\n\r\n会場の写真\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: image/jpeg\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let mut req = Request::post("/admin/media")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, origin)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_LENGTH, body.len());
    if json {
        req = req.header(header::ACCEPT, "application/json");
    }
    req.body(Body::from(body)).unwrap()
}

async fn department(t: &TestDb, name: &str) -> i64 {
    domain::staff::departments::create(&t.db, &Actor::command_line(), name)
        .await
        .unwrap()
        .id
}

async fn library(c: &Client, cookie: &str) -> app::api::MediaLibrary {
    let reply = c
        .post_form(path_of::<app::api::MediaLibraryList>(), "", Some(cookie))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn images_are_served_to_anyone_at_every_size_without_their_metadata(t: TestDb) {
    create_admin(&t, "admin").await;
    let dept = department(&t, "広報課").await;
    // The admin panel only from this machine: LINE's servers reach images all the same.
    let c = client_from(&t, &[("ADMIN_ALLOWED_IPS", "127.0.0.1/32")], LOOPBACK).await;
    let cookie = c.signed_in("admin").await;
    let file = photo_with_gps(800, 600);
    assert!(contains(&file, b"GPS-SECRET"));
    let reply = c
        .send(upload(&c.origin, &cookie, dept, "桜.jpg", &file, true))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let uploaded: app::api::MediaUploaded = serde_json::from_str(&reply.body).unwrap();
    assert!(!uploaded.duplicate);
    let item = uploaded.item;
    assert_eq!((item.width, item.height), (800, 600));
    assert_eq!(item.alt_text, "会場の写真");
    assert_eq!(item.department, "広報課");
    // Without PUBLIC_URL: this process's loopback address (the test router's is 127.0.0.1:9).
    let base = format!("http://127.0.0.1:9/media/{}", item.token);
    assert_eq!(item.original_url, format!("{base}/original"));
    assert_eq!(item.preview_url, format!("{base}/preview"));
    assert_eq!(item.card_url, format!("{base}/card"));
    assert_eq!(item.imagemap_base_url, format!("{base}/imagemap"));

    let outside = client_from(&t, &[("ADMIN_ALLOWED_IPS", "127.0.0.1/32")], REMOTE).await;
    assert_eq!(
        outside.get("/admin/login", None).await.status,
        StatusCode::FORBIDDEN
    );
    let path = |variant: &str| format!("/media/{}/{variant}", item.token);
    let original = outside.get(&path("original"), None).await;
    assert_eq!(original.status, StatusCode::OK, "{}", original.body);
    let h = &original.headers;
    assert_eq!(h[header::CONTENT_TYPE], "image/jpeg");
    assert_eq!(
        h[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(h.get(header::SET_COOKIE).is_none());
    let etag = h[header::ETAG].to_str().unwrap().to_owned();
    assert!(!contains(&original.bytes, b"GPS-SECRET"));
    assert!(!contains(&original.bytes, b"Exif"));
    let image = image::load_from_memory(&original.bytes).unwrap();
    assert_eq!(image.dimensions(), (800, 600));
    // A cache asks again with the ETag: nothing to send.
    let again = outside
        .send(
            Request::get(path("original"))
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.bytes.is_empty());

    let preview = outside.get(&path("preview"), None).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert_eq!(preview.headers[header::CONTENT_TYPE], "image/jpeg");
    assert!(preview.bytes.len() <= 1024 * 1024);
    let (w, h) = image::load_from_memory(&preview.bytes)
        .unwrap()
        .dimensions();
    assert!(w <= 240 && h <= 240 && w.max(h) == 240, "{w}×{h}");
    let card = outside.get(&path("card"), None).await;
    assert_eq!(card.status, StatusCode::OK);
    assert!(card.bytes.len() <= 1024 * 1024);

    for width in [240u32, 300, 460, 700, 1040] {
        let reply = outside
            .get(&format!("/media/{}/imagemap/{width}", item.token), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{width}");
        assert_eq!(reply.headers[header::CONTENT_TYPE], "image/jpeg");
        let image = image::load_from_memory(&reply.bytes).unwrap();
        assert_eq!(image.width(), width);
        assert_eq!(image.height(), width * 3 / 4);
    }

    // Guessed URLs find nothing: another token, the id, other sizes, an extension.
    for guess in [
        format!("/media/{}/original", "0".repeat(32)),
        format!("/media/{}/original", item.id),
        format!("/media/{}/original", &item.token[..31]),
        path("thumbnail"),
        path("original.jpg"),
        path("imagemap/1000"),
        path("imagemap"),
        "/media/".to_owned(),
    ] {
        let reply = outside.get(&guess, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{guess}");
        assert_ne!(reply.headers[header::CONTENT_TYPE], "image/jpeg");
    }

    // The page lists it (from the allowed address).
    let page = c.get("/admin/media", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("桜.jpg"), "{}", page.body);
    assert!(page.body.contains("PUBLIC_URL を https で設定してください"));
    let listed = library(&c, &cookie).await;
    assert!(!listed.https);
    assert_eq!(listed.items, [item]);
}

async fn bad_uploads_are_refused_and_the_same_file_is_stored_once(t: TestDb) {
    create_admin(&t, "admin").await;
    let dept = department(&t, "広報課").await;
    let c = client(&t).await;
    let cookie = c.signed_in("admin").await;

    let not_an_image = b"%PDF-1.7\n this is a document, named like a photo".to_vec();
    let reply = c
        .send(upload(
            &c.origin,
            &cookie,
            dept,
            "photo.jpg",
            &not_an_image,
            true,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let error: app::api::AppError = serde_json::from_str(&reply.body).unwrap();
    assert!(error.to_string().contains("JPEG・PNG・GIF"), "{error}");
    // A plain form post gets the same message as text.
    let reply = c
        .send(upload(
            &c.origin,
            &cookie,
            dept,
            "photo.jpg",
            &not_an_image,
            false,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("JPEG・PNG・GIF"), "{}", reply.body);

    let started = std::time::Instant::now();
    let reply = c
        .send(upload(
            &c.origin,
            &cookie,
            dept,
            "bomb.png",
            &png_bomb(),
            true,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("大きすぎます"), "{}", reply.body);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    // Over LINE's 10 MB: refused with a message; over the route's 20 MB: 413 unread.
    let mut eleven = photo(16, 16);
    eleven.resize(11 * 1024 * 1024, 0);
    let reply = c
        .send(upload(&c.origin, &cookie, dept, "big.jpg", &eleven, true))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("10 MB"), "{}", reply.body);
    let huge = vec![0xFFu8; 21 * 1024 * 1024];
    let reply = c
        .send(upload(&c.origin, &cookie, dept, "huge.jpg", &huge, true))
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.body, "送信されたデータが大きすぎます。");
    assert!(library(&c, &cookie).await.items.is_empty());

    // The same file twice: one image.
    let file = photo(320, 200);
    let first = c
        .send(upload(&c.origin, &cookie, dept, "a.jpg", &file, false))
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert_eq!(first.location(), "/admin/media?uploaded=1");
    let second = c
        .send(upload(&c.origin, &cookie, dept, "b.jpg", &file, true))
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let second: app::api::MediaUploaded = serde_json::from_str(&second.body).unwrap();
    assert!(second.duplicate);
    assert_eq!(second.item.file_name, "a.jpg");
    assert_eq!(library(&c, &cookie).await.items.len(), 1);
}

async fn images_stay_inside_their_department_and_are_kept_while_used(t: TestDb) {
    create_admin(&t, "admin").await;
    let soumu = department(&t, "総務課").await;
    let fukushi = department(&t, "福祉課").await;
    let edit = Permission::Do(Feature::Templates, Action::Edit);
    let view = Permission::Do(Feature::Templates, Action::View);
    create_staff(&t, "sato", &[edit], &[soumu]).await;
    create_staff(&t, "suzuki", &[edit], &[fukushi]).await;
    create_staff(&t, "yamada", &[view], &[soumu]).await;
    // LINE fetches images over https only: templates take https URLs.
    let c = client_from(
        &t,
        &[("PUBLIC_URL", "https://line.city.example.jp")],
        LOOPBACK,
    )
    .await;
    let sato = c.signed_in("sato").await;
    let suzuki = c.signed_in("suzuki").await;
    let yamada = c.signed_in("yamada").await;

    // Without a session the upload goes to sign-in; without 編集 it is refused.
    let anonymous = c
        .send(upload(&c.origin, "", soumu, "a.jpg", &photo(10, 10), true))
        .await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(anonymous.location().starts_with("/admin/login"));
    let viewer = c
        .send(upload(
            &c.origin,
            &yamada,
            soumu,
            "a.jpg",
            &photo(10, 10),
            true,
        ))
        .await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN, "{}", viewer.body);
    // Another department's name on the form is refused.
    let foreign = c
        .send(upload(
            &c.origin,
            &suzuki,
            soumu,
            "a.jpg",
            &photo(10, 10),
            true,
        ))
        .await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST, "{}", foreign.body);

    let reply = c
        .send(upload(
            &c.origin,
            &sato,
            soumu,
            "gomi.jpg",
            &photo(400, 300),
            true,
        ))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let item = serde_json::from_str::<app::api::MediaUploaded>(&reply.body)
        .unwrap()
        .item;

    // The other department sees nothing and can change nothing.
    assert!(library(&c, &suzuki).await.items.is_empty());
    let delete = path_of::<app::api::DeleteMedia>();
    let alt = path_of::<app::api::UpdateMediaAltText>();
    let refused = c
        .post_form(delete, &format!("id={}", item.id), Some(&suzuki))
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    let refused = c
        .post_form(alt, &format!("id={}&alt_text=x", item.id), Some(&suzuki))
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.body);
    assert!(library(&c, &sato).await.https);
    assert!(
        item.original_url
            .starts_with("https://line.city.example.jp/media/")
    );
    // Viewers list, but do not change.
    assert_eq!(library(&c, &yamada).await.items.len(), 1);
    assert!(!library(&c, &yamada).await.can_edit);
    let refused = c
        .post_form(delete, &format!("id={}", item.id), Some(&yamada))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // A template uses it: deleting is refused, naming the template.
    let json = serde_json::json!([{
        "type": "image",
        "originalContentUrl": item.original_url,
        "previewImageUrl": item.preview_url,
    }])
    .to_string();
    let saved = c
        .post_form(
            path_of::<app::api::SaveTemplate>(),
            &format!(
                "department_id={soumu}&title={}&messages={}",
                urlencode("ごみ収集日"),
                urlencode(&json)
            ),
            Some(&sato),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let template_id: i64 = serde_json::from_str(&saved.body).unwrap();
    assert_eq!(
        library(&c, &sato).await.items[0].used_by,
        ["定型文「ごみ収集日」"]
    );
    let refused = c
        .post_form(delete, &format!("id={}&confirm=yes", item.id), Some(&sato))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("ごみ収集日"), "{}", refused.body);

    let removed = c
        .post_form(
            path_of::<app::api::DeleteTemplate>(),
            &format!("id={template_id}"),
            Some(&sato),
        )
        .await;
    assert!(removed.status.is_success() || removed.status.is_redirection());
    let changed = c
        .post_form(
            alt,
            &format!("id={}&alt_text={}", item.id, urlencode("収集車")),
            Some(&sato),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(library(&c, &sato).await.items[0].alt_text, "収集車");
    let deleted = c
        .post_form(delete, &format!("id={}&confirm=yes", item.id), Some(&sato))
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    let gone = c
        .get(&format!("/media/{}/original", item.token), None)
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}

db_tests!(
    images_are_served_to_anyone_at_every_size_without_their_metadata,
    bad_uploads_are_refused_and_the_same_file_is_stored_once,
    images_stay_inside_their_department_and_are_kept_while_used,
);

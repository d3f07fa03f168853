//! The media library (画像): checks by content, limits, stripped metadata, derived sizes,
//! deduplication, department scope and "in use" refusals, against real databases.

use std::io::Cursor;

use domain::messaging::media::{self, IMAGEMAP_WIDTHS, Variant};
use domain::messaging::templates::{self, TemplateInput};
use domain::security::audit::Actor;
use domain::staff::departments;
use domain::testing::TestDb;
use domain::{DomainError, db_tests};
use image::{DynamicImage, GenericImageView, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use model::access::Scope;

fn as_user(username: &str) -> Actor {
    Actor {
        staff_id: None,
        username: username.into(),
        client_addr: None,
    }
}

fn photo(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 128])
    })
}

fn encoded(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A JPEG as a phone saves it: an Exif segment with the orientation (6: turn 90° clockwise to
/// show) and GPS data, right after the start marker.
pub fn phone_jpeg(width: u32, height: u32) -> Vec<u8> {
    let jpeg = encoded(
        DynamicImage::ImageRgb8(photo(width, height)),
        ImageFormat::Jpeg,
    );
    // TIFF, big-endian: IFD0 at 8 with Orientation and the GPS IFD pointer; the GPS IFD at 38.
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&[0, 2]);
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]);
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

/// A tiny, valid PNG header that claims `width` × `height` pixels (a decompression bomb).
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    // Zlib of nothing much: decoding would stream zeros for ever.
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    out
}

fn decoded(bytes: &[u8]) -> DynamicImage {
    image::load_from_memory(bytes).unwrap()
}

async fn served(t: &TestDb, token: &str, variant: Variant) -> (String, Vec<u8>) {
    media::variant(&t.db, token, variant)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{} is served", variant.key()))
}

async fn a_phone_photo_loses_its_metadata_and_gets_every_size(t: TestDb) {
    let dept = departments::create(&t.db, &Actor::command_line(), "広報課")
        .await
        .unwrap();
    let file = phone_jpeg(640, 480);
    assert!(file.windows(10).any(|w| w == b"GPS-SECRET"));
    let up = media::upload(
        &t.db,
        &as_user("sato"),
        &Scope::All,
        dept.id,
        "C:\\写真\\IMG_0001.jpg",
        " 桜まつりの会場 ",
        file,
    )
    .await
    .unwrap();
    assert!(!up.duplicate);
    let m = up.media;
    assert_eq!(m.file_name, "IMG_0001.jpg");
    assert_eq!(m.alt_text, "桜まつりの会場");
    assert_eq!(m.created_by, "sato");
    assert_eq!(m.department_name, "広報課");
    assert_eq!(m.token.len(), 32);
    assert!(m.token.bytes().all(|b| b.is_ascii_hexdigit()));
    // Turned as the phone said: 640×480 shown upright is 480×640.
    assert_eq!((m.width, m.height), (480, 640));
    assert_eq!(m.content_type, "image/jpeg");

    let (content_type, original) = served(&t, &m.token, Variant::Original).await;
    assert_eq!(content_type, "image/jpeg");
    assert_eq!(original.len() as u64, m.bytes);
    for secret in [&b"Exif"[..], b"GPS-SECRET", b"MM\0\x2a"] {
        assert!(!original.windows(secret.len()).any(|w| w == secret));
    }
    assert_eq!(decoded(&original).dimensions(), (480, 640));

    let (content_type, preview) = served(&t, &m.token, Variant::Preview).await;
    assert_eq!(content_type, "image/jpeg");
    assert!(preview.len() <= 1024 * 1024);
    assert_eq!(decoded(&preview).dimensions(), (180, 240));

    let (content_type, card) = served(&t, &m.token, Variant::Card).await;
    assert_eq!(content_type, "image/jpeg");
    assert_eq!(decoded(&card).dimensions(), (480, 640));

    for width in IMAGEMAP_WIDTHS {
        let (content_type, bytes) = served(&t, &m.token, Variant::Imagemap(width)).await;
        assert_eq!(content_type, "image/jpeg");
        let image = decoded(&bytes);
        assert_eq!(image.width(), width);
        assert_eq!(image.height(), (width * 640 + 240) / 480);
    }
    assert!(
        media::variant(&t.db, &m.token, Variant::Imagemap(241))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        media::variant(&t.db, &"0".repeat(32), Variant::Original)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        media::variant(&t.db, &m.id.to_string(), Variant::Original)
            .await
            .unwrap()
            .is_none()
    );
}

async fn big_photos_are_shrunk_and_transparent_pngs_stay_png(t: TestDb) {
    let dept = departments::create(&t.db, &Actor::command_line(), "広報課")
        .await
        .unwrap();
    let actor = as_user("sato");
    let big = encoded(
        DynamicImage::ImageRgb8(photo(5000, 2000)),
        ImageFormat::Jpeg,
    );
    let m = media::upload(&t.db, &actor, &Scope::All, dept.id, "wide.jpg", "横長", big)
        .await
        .unwrap()
        .media;
    assert_eq!((m.width, m.height), (4096, 1638));
    let (_, preview) = served(&t, &m.token, Variant::Preview).await;
    assert_eq!(decoded(&preview).dimensions(), (240, 96));
    let (_, card) = served(&t, &m.token, Variant::Card).await;
    assert_eq!(decoded(&card).width(), 1024);

    let logo = RgbaImage::from_fn(300, 200, |x, _| {
        Rgba([0, 80, 160, if x < 150 { 0 } else { 255 }])
    });
    let png = encoded(DynamicImage::ImageRgba8(logo), ImageFormat::Png);
    let m = media::upload(&t.db, &actor, &Scope::All, dept.id, "logo.png", "市章", png)
        .await
        .unwrap()
        .media;
    assert_eq!(m.content_type, "image/png");
    let (content_type, original) = served(&t, &m.token, Variant::Original).await;
    assert_eq!(content_type, "image/png");
    assert!(decoded(&original).color().has_alpha());
    let (content_type, _) = served(&t, &m.token, Variant::Imagemap(1040)).await;
    assert_eq!(content_type, "image/png");
    // The preview is a JPEG: transparency on white.
    let (content_type, preview) = served(&t, &m.token, Variant::Preview).await;
    assert_eq!(content_type, "image/jpeg");
    let corner = decoded(&preview).to_rgb8().get_pixel(0, 0).0;
    assert!(corner.iter().all(|c| *c > 240), "{corner:?}");

    // A GIF becomes a PNG (its first frame).
    let gif = encoded(
        DynamicImage::ImageRgba8(RgbaImage::from_pixel(50, 40, Rgba([200, 0, 0, 255]))),
        ImageFormat::Gif,
    );
    let m = media::upload(&t.db, &actor, &Scope::All, dept.id, "anime.gif", "赤", gif)
        .await
        .unwrap()
        .media;
    assert_eq!(m.content_type, "image/png");
    assert_eq!((m.width, m.height), (50, 40));

    // A very tall image is centred on a frame twice as tall as wide for its imagemap sizes.
    let tall = encoded(DynamicImage::ImageRgb8(photo(100, 500)), ImageFormat::Png);
    let m = media::upload(
        &t.db,
        &actor,
        &Scope::All,
        dept.id,
        "tall.png",
        "縦長",
        tall,
    )
    .await
    .unwrap()
    .media;
    assert!(!m.has_imagemap());
    assert_eq!(media::imagemap_frame(m.width, m.height), (250, 500));
    let (_, bytes) = media::variant(&t.db, &m.token, Variant::Imagemap(1040))
        .await
        .unwrap()
        .unwrap();
    let framed = image::load_from_memory(&bytes).unwrap();
    assert_eq!(framed.dimensions(), (1040, 2080));
    // White on both sides of the photo, the photo in the middle.
    assert_eq!(framed.get_pixel(5, 1040).0[..3], [255, 255, 255]);
    assert_eq!(framed.get_pixel(1034, 1040).0[..3], [255, 255, 255]);
    assert_ne!(framed.get_pixel(520, 1040).0[..3], [255, 255, 255]);
}

async fn what_is_not_a_usable_image_is_refused_and_nothing_is_stored(t: TestDb) {
    let dept = departments::create(&t.db, &Actor::command_line(), "広報課")
        .await
        .unwrap();
    let actor = as_user("sato");
    let refused = |bytes: Vec<u8>, name: &'static str| {
        let db = t.db.clone();
        let actor = actor.clone();
        async move {
            match media::upload(&db, &actor, &Scope::All, dept.id, name, "説明", bytes).await {
                Err(DomainError::Invalid(message)) => message,
                other => panic!("{name}: {other:?}"),
            }
        }
    };
    let message = refused(b"%PDF-1.4 not a photo at all".to_vec(), "photo.jpg").await;
    assert!(message.contains("JPEG・PNG・GIF"), "{message}");
    let message = refused(png_claiming(100_000, 100_000), "bomb.png").await;
    assert!(message.contains("大きすぎます"), "{message}");
    let message = refused(png_claiming(9_000, 9_000), "bomb2.png").await;
    assert!(message.contains("万画素"), "{message}");
    let mut truncated = encoded(DynamicImage::ImageRgb8(photo(64, 64)), ImageFormat::Png);
    truncated.truncate(60);
    let message = refused(truncated, "broken.png").await;
    assert!(message.contains("読み取れません"), "{message}");
    let mut huge = encoded(DynamicImage::ImageRgb8(photo(8, 8)), ImageFormat::Jpeg);
    huge.resize(10 * 1024 * 1024 + 1, 0);
    let message = refused(huge, "huge.jpg").await;
    assert!(message.contains("10 MB"), "{message}");
    let photo = encoded(DynamicImage::ImageRgb8(photo(8, 8)), ImageFormat::Png);
    let no_alt = media::upload(&t.db, &actor, &Scope::All, dept.id, "a.png", "  ", photo).await;
    assert!(matches!(no_alt, Err(DomainError::Invalid(m)) if m.contains("代替テキスト")));
    assert!(media::list(&t.db, &Scope::All).await.unwrap().is_empty());
}

async fn images_stay_in_their_department_dedupe_and_are_kept_while_used(t: TestDb) {
    let soumu = departments::create(&t.db, &Actor::command_line(), "総務課")
        .await
        .unwrap();
    let fukushi = departments::create(&t.db, &Actor::command_line(), "福祉課")
        .await
        .unwrap();
    let only_soumu = Scope::Only([soumu.id].into());
    let only_fukushi = Scope::Only([fukushi.id].into());
    let sato = as_user("sato");
    let file = encoded(DynamicImage::ImageRgb8(photo(320, 240)), ImageFormat::Jpeg);

    let first = media::upload(
        &t.db,
        &sato,
        &only_soumu,
        soumu.id,
        "a.jpg",
        "ごみ",
        file.clone(),
    )
    .await
    .unwrap();
    let again = media::upload(
        &t.db,
        &sato,
        &only_soumu,
        soumu.id,
        "b.jpg",
        "別名",
        file.clone(),
    )
    .await
    .unwrap();
    assert!(again.duplicate);
    assert_eq!(again.media.id, first.media.id);
    assert_eq!(again.media.alt_text, "ごみ");
    // Filing it under a department one does not work for is refused.
    let foreign = media::upload(
        &t.db,
        &sato,
        &only_soumu,
        fukushi.id,
        "a.jpg",
        "x",
        file.clone(),
    )
    .await;
    assert!(
        matches!(foreign, Err(DomainError::Invalid(_))),
        "{foreign:?}"
    );
    // The other department has its own copy.
    let theirs = media::upload(
        &t.db,
        &as_user("suzuki"),
        &only_fukushi,
        fukushi.id,
        "a.jpg",
        "介護",
        file,
    )
    .await
    .unwrap();
    assert!(!theirs.duplicate);
    assert_ne!(theirs.media.token, first.media.token);

    let ids = |list: Vec<media::Media>| list.into_iter().map(|m| m.id).collect::<Vec<_>>();
    assert_eq!(
        ids(media::list(&t.db, &only_soumu).await.unwrap()),
        [first.media.id]
    );
    assert_eq!(media::list(&t.db, &Scope::All).await.unwrap().len(), 2);
    let id = first.media.id;
    let not_found =
        |r: Result<media::Media, DomainError>| matches!(r, Err(DomainError::NotFound(_)));
    assert!(not_found(media::get(&t.db, &only_fukushi, id).await));
    assert!(not_found(
        media::update_alt_text(&t.db, &sato, &only_fukushi, id, "x").await
    ));
    assert!(not_found(
        media::delete(&t.db, &sato, &only_fukushi, id).await
    ));

    let changed = media::update_alt_text(&t.db, &sato, &only_soumu, id, "ごみ収集車")
        .await
        .unwrap();
    assert_eq!(changed.alt_text, "ごみ収集車");

    // A template shows the image: the image is kept, and the list says where it is used.
    let url = format!(
        "https://city.example.jp/media/{}/original",
        first.media.token
    );
    let preview = format!(
        "https://city.example.jp/media/{}/preview",
        first.media.token
    );
    let json = serde_json::json!([{
        "type": "image", "originalContentUrl": url, "previewImageUrl": preview
    }])
    .to_string();
    let template = templates::create(
        &t.db,
        &sato,
        &only_soumu,
        TemplateInput {
            department_id: soumu.id,
            title: "ごみ収集日".into(),
            messages: templates::compose("", &json).unwrap(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        media::usages(&t.db, &first.media.token).await.unwrap(),
        ["定型文「ごみ収集日」"]
    );
    let listed = media::list(&t.db, &only_soumu).await.unwrap();
    assert_eq!(listed[0].used_by, ["定型文「ごみ収集日」"]);
    match media::delete(&t.db, &sato, &only_soumu, id).await {
        Err(DomainError::Conflict(message)) => assert!(message.contains("ごみ収集日"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert!(
        media::usages(&t.db, &theirs.media.token)
            .await
            .unwrap()
            .is_empty()
    );

    templates::delete(&t.db, &sato, &only_soumu, template.id)
        .await
        .unwrap();
    // Sent: the image is in citizens' chats, so it stays.
    {
        use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
        let channel_id = domain::testing::line_channel(&t.db, "main").await;
        let sent = domain::entities::line_send::ActiveModel {
            channel_id: Set(channel_id),
            kind: Set(model::status::SendKind::Push),
            retry_key: Set("7f0c7c54-5b9e-4a52-9d43-3f2a2c2f7d10".into()),
            body: Set(format!(r#"{{"to":"U1","messages":{json}}}"#)),
            recipients: Set(1),
            status: Set(model::status::SendStatus::Sent),
            attempts: Set(1),
            created_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&t.db)
        .await
        .unwrap();
        assert_eq!(
            media::usages(&t.db, &first.media.token).await.unwrap(),
            ["送信したメッセージ（1件）"]
        );
        assert!(matches!(
            media::delete(&t.db, &sato, &only_soumu, id).await,
            Err(DomainError::Conflict(_))
        ));
        domain::entities::line_send::Entity::delete_by_id(sent.id)
            .exec(&t.db)
            .await
            .unwrap();
    }
    media::delete(&t.db, &sato, &only_soumu, id).await.unwrap();
    assert!(
        media::variant(&t.db, &first.media.token, Variant::Original)
            .await
            .unwrap()
            .is_none()
    );
    let audit = domain::security::audit::list(&t.db, &Default::default(), 0, 100)
        .await
        .unwrap()
        .rows;
    let count = |action: &str| audit.iter().filter(|e| e.action == action).count();
    assert_eq!(count("media.upload"), 2);
    assert_eq!(count("media.update"), 1);
    assert_eq!(count("media.delete"), 1);
}

/// Every migration reverts (down) and applies again, on SQLite and PostgreSQL; the media
/// tables work after the round trip.
async fn migrations_revert_and_apply_again(t: TestDb) {
    use migrations::MigratorTrait;
    // One connection for the round trip: on SQLite another pooled connection still inside
    // a read snapshot from before the `down` may parse `CREATE INDEX` against the old
    // schema ("index already exists"; seen once in CI). Production only migrates forward,
    // where an older snapshot cannot hold an index that is about to be created.
    let db = domain::db::connect(&t.url, 1).await.unwrap();
    migrations::Migrator::down(&db, None).await.unwrap();
    assert!(
        migrations::Migrator::get_applied_migrations(&db)
            .await
            .unwrap()
            .is_empty()
    );
    migrations::Migrator::up(&db, None).await.unwrap();
    let dept = departments::create(&db, &Actor::command_line(), "広報課")
        .await
        .unwrap();
    let png = encoded(DynamicImage::ImageRgb8(photo(64, 48)), ImageFormat::Png);
    let uploaded = media::upload(
        &db,
        &as_user("sato"),
        &Scope::All,
        dept.id,
        "a.png",
        "説明",
        png,
    )
    .await
    .unwrap();
    assert!(
        media::variant(&db, &uploaded.media.token, Variant::Imagemap(240))
            .await
            .unwrap()
            .is_some()
    );
}

db_tests!(
    migrations_revert_and_apply_again,
    a_phone_photo_loses_its_metadata_and_gets_every_size,
    big_photos_are_shrunk_and_transparent_pngs_stay_png,
    what_is_not_a_usable_image_is_refused_and_nothing_is_stored,
    images_stay_in_their_department_dedupe_and_are_kept_while_used,
);

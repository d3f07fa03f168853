//! The media library (画像): images staff upload, owned by a department, served to LINE at public
//! URLs (`/media/{token}/...`, see `server::handlers::media`).
//!
//! On upload ([`upload`]) the file's type is read from its content (magic bytes: JPEG, PNG or GIF;
//! never the name or the browser's content type), the image is decoded within [`image::Limits`]
//! (a "PNG bomb" claiming huge dimensions is refused before anything large is allocated), its
//! EXIF orientation is applied and every size LINE needs is derived once and stored
//! ([`Variant`]). Re-encoding drops all metadata (EXIF with GPS, comments, colour profiles).
//!
//! | variant          | what for                                  | format | size                         |
//! |------------------|-------------------------------------------|--------|------------------------------|
//! | `original`       | image messages' `originalContentUrl`       | JPEG for JPEG uploads, PNG for PNG and GIF uploads (JPEG when an opaque PNG would pass 10 MB) | long side ≤ 4096 px, ≤ 10 MB |
//! | `preview`        | image messages' `previewImageUrl`          | JPEG (transparency on white) | fits 240×240, ≤ 1 MB |
//! | `card`           | template thumbnails, carousels, cards      | JPEG (transparency on white) | width ≤ 1024 px, ≤ 1 MB |
//! | `imagemap/{w}`   | rich messages (imagemap `baseUrl/{w}`)     | as `original` | width exactly 240, 300, 460, 700, 1040; ≤ 10 MB |
//!
//! GIF: LINE shows image messages as JPEG or PNG, so a GIF becomes a PNG of its first frame (an
//! animation is not kept). Imagemap sizes are the image itself when it is at most twice as tall
//! as wide; a taller image is centred on a frame twice as tall as wide, white (transparent for a
//! PNG with transparency), so that at 1040 px wide it is at most 2080 px tall instead of
//! gigantic ([`imagemap_frame`]). Staff see the result in the composer before saving.
//!
//! The same file uploaded again to the same department is the same image (SHA-256 of the file):
//! [`upload`] answers with the existing one. Department scope is as for templates: another
//! department's image is "not found". Deleting an image that a 定型文 or a greeting uses is
//! refused ([`usages`]; deliveries join that check when they arrive).

use std::collections::HashMap;
use std::io::Cursor;

use chrono::Utc;
use image::{DynamicImage, GenericImageView, ImageDecoder, ImageFormat, ImageReader, Limits};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use sha2::{Digest, Sha256};

use model::access::Scope;

use crate::entities::{line_channel, line_send, media, media_variant, message_template};
use crate::security::audit::{self, Actor};
use crate::staff::scope::{ScopeCondition, check_owner, department_names};
use crate::{DateTime, DomainError, DomainResult};

/// LINE's limit for an image file (image messages' original, imagemap images).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// What the upload route accepts as a whole request (the file and the form around it); larger
/// bodies are refused with 413 before they are read.
pub const UPLOAD_LIMIT_BYTES: usize = 20 * 1024 * 1024;
/// Widest and tallest image decoded.
pub const MAX_SIDE: u32 = 10_000;
/// Most pixels decoded (a 48-megapixel phone photo fits).
pub const MAX_PIXELS: u64 = 50_000_000;
/// What decoding may allocate at most.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;
/// The long side of the stored original at most.
pub const ORIGINAL_MAX_SIDE: u32 = 4096;
/// LINE's preview image: fits in this square, at most [`PREVIEW_MAX_BYTES`].
pub const PREVIEW_MAX_SIDE: u32 = 240;
pub const PREVIEW_MAX_BYTES: usize = 1024 * 1024;
/// Template and card images: at most this wide (LINE's limit), at most [`CARD_MAX_BYTES`].
pub const CARD_MAX_WIDTH: u32 = 1024;
pub const CARD_MAX_BYTES: usize = 1024 * 1024;
/// The widths LINE asks an imagemap's `baseUrl` for.
pub const IMAGEMAP_WIDTHS: [u32; 5] = [240, 300, 460, 700, 1040];
pub const ALT_TEXT_MAX_CHARS: usize = 400;
const FILE_NAME_MAX_CHARS: usize = 200;

/// Images processed at once: decoding holds up to a few hundred MB.
pub(crate) static PROCESSING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// One stored size of an image, as its URL names it (`original`, `preview`, `card`,
/// `imagemap/1040`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Original,
    Preview,
    Card,
    Imagemap(u32),
}

impl Variant {
    pub fn key(self) -> String {
        match self {
            Variant::Original => "original".into(),
            Variant::Preview => "preview".into(),
            Variant::Card => "card".into(),
            Variant::Imagemap(width) => format!("imagemap/{width}"),
        }
    }

    /// The variant a URL names; `None` for anything else (a 404).
    pub fn from_key(key: &str) -> Option<Variant> {
        match key {
            "original" => Some(Variant::Original),
            "preview" => Some(Variant::Preview),
            "card" => Some(Variant::Card),
            _ => key
                .strip_prefix("imagemap/")
                .and_then(|w| w.parse::<u32>().ok())
                .filter(|w| IMAGEMAP_WIDTHS.contains(w))
                .filter(|w| key == format!("imagemap/{w}"))
                .map(Variant::Imagemap),
        }
    }
}

/// Whether an image of this size has imagemap sizes: at most twice as tall as wide.
pub fn has_imagemap(width: u32, height: u32) -> bool {
    u64::from(height) <= 2 * u64::from(width)
}

/// The width and height of an image's imagemap sizes before they are scaled to 240…1040 wide:
/// the image's own, or a frame twice as tall as wide around an image taller than that.
pub fn imagemap_frame(width: u32, height: u32) -> (u32, u32) {
    if has_imagemap(width, height) {
        (width, height)
    } else {
        (height.div_ceil(2), height)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Media {
    pub id: i64,
    pub department_id: i64,
    pub department_name: String,
    pub token: String,
    pub file_name: String,
    pub alt_text: String,
    /// Of the stored original.
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    /// Of the stored original.
    pub bytes: u64,
    pub created_at: DateTime,
    pub created_by: String,
    /// Where it is used, as staff read it (「定型文「ごみ収集日」」).
    pub used_by: Vec<String>,
}

impl Media {
    pub fn has_imagemap(&self) -> bool {
        has_imagemap(self.width, self.height)
    }
}

/// What an upload gave: the new image, or the one already there with the same file.
#[derive(Clone, Debug)]
pub struct Uploaded {
    pub media: Media,
    pub duplicate: bool,
}

/// Stores an uploaded image for `department_id` (one of the caller's departments) with its
/// sizes. The same file already in that department is answered instead (`duplicate`).
#[allow(clippy::too_many_arguments)]
pub async fn upload(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    department_id: i64,
    file_name: &str,
    alt_text: &str,
    bytes: Vec<u8>,
) -> DomainResult<Uploaded> {
    let alt_text = validate_alt_text(alt_text)?;
    check_owner(db, scope, department_id).await?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large_file(bytes.len()));
    }
    let sha256 = hex::encode(Sha256::digest(&bytes));
    if let Some(existing) = find_by_hash(db, department_id, &sha256).await? {
        return Ok(Uploaded {
            media: media_of(db, existing).await?,
            duplicate: true,
        });
    }
    let variants = {
        let permit = PROCESSING
            .acquire()
            .await
            .map_err(|e| DomainError::Internal(format!("media processing: {e}")))?;
        // The permit goes with the work: a request given up (timeout, closed connection)
        // leaves its decoding running, still counted.
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            derive(&bytes)
        })
        .await
        .map_err(|e| DomainError::Internal(format!("media processing stopped: {e}")))??
    };
    let original = variants
        .iter()
        .find(|v| v.variant == Variant::Original)
        .ok_or_else(|| DomainError::Internal("no original derived".into()))?;
    let txn = db.begin().await?;
    let inserted = media::ActiveModel {
        department_id: Set(department_id),
        token: Set(hex::encode(rand::random::<[u8; 16]>())),
        sha256: Set(sha256.clone()),
        file_name: Set(clean_file_name(file_name)),
        alt_text: Set(alt_text),
        content_type: Set(original.content_type.to_owned()),
        width: Set(dimension(original.width)),
        height: Set(dimension(original.height)),
        bytes: Set(original.data.len() as i64),
        created_at: Set(Utc::now()),
        created_by: Set(actor.username.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let row = match inserted {
        Ok(row) => row,
        Err(error) => {
            // The same file uploaded twice at once: the other upload won.
            drop(txn);
            if let Some(existing) = find_by_hash(db, department_id, &sha256).await? {
                return Ok(Uploaded {
                    media: media_of(db, existing).await?,
                    duplicate: true,
                });
            }
            return Err(error.into());
        }
    };
    for v in variants {
        media_variant::ActiveModel {
            media_id: Set(row.id),
            variant: Set(v.variant.key()),
            content_type: Set(v.content_type.to_owned()),
            width: Set(dimension(v.width)),
            height: Set(dimension(v.height)),
            data: Set(v.data),
        }
        .insert(&txn)
        .await?;
    }
    let media = media_of(&txn, row).await?;
    record(&txn, actor, "media.upload", &media).await?;
    txn.commit().await?;
    Ok(Uploaded {
        media,
        duplicate: false,
    })
}

/// The images in `scope`, newest first, with where each is used.
pub async fn list(db: &DatabaseConnection, scope: &Scope) -> DomainResult<Vec<Media>> {
    let rows = media::Entity::find()
        .filter(scope.condition(media::Column::DepartmentId))
        .order_by_desc(media::Column::CreatedAt)
        .order_by_desc(media::Column::Id)
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let names = department_names(db).await?;
    let users = Users::load(db, scope).await?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let used_by = users.of(&m.token);
            to_media(m, &names, used_by)
        })
        .collect())
}

/// One image, if it exists and is in `scope`; otherwise "not found".
pub async fn get(db: &DatabaseConnection, scope: &Scope, id: i64) -> DomainResult<Media> {
    let row = find_in_scope(db, scope, id).await?;
    media_of(db, row).await
}

pub async fn update_alt_text(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    alt_text: &str,
) -> DomainResult<Media> {
    let alt_text = validate_alt_text(alt_text)?;
    let existing = find_in_scope(db, scope, id).await?;
    let mut row: media::ActiveModel = existing.into();
    row.alt_text = Set(alt_text);
    let txn = db.begin().await?;
    let row = row.update(&txn).await?;
    let media = media_of(&txn, row).await?;
    record(&txn, actor, "media.update", &media).await?;
    txn.commit().await?;
    Ok(media)
}

/// Deletes an image of `scope` with its sizes; refused while something uses it (the message
/// in citizens' chats would lose its picture).
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
) -> DomainResult<Media> {
    let row = find_in_scope(db, scope, id).await?;
    let media = media_of(db, row).await?;
    if !media.used_by.is_empty() {
        return Err(DomainError::Conflict(format!(
            "この画像は使われているため削除できません（{}）。先にそちらから画像を外してください。",
            media.used_by.join("、")
        )));
    }
    let txn = db.begin().await?;
    media_variant::Entity::delete_many()
        .filter(media_variant::Column::MediaId.eq(id))
        .exec(&txn)
        .await?;
    media::Entity::delete_by_id(id).exec(&txn).await?;
    record(&txn, actor, "media.delete", &media).await?;
    txn.commit().await?;
    Ok(media)
}

/// Where the image with `token` is used, as staff read it: 定型文 and channel greetings whose
/// content holds `/media/{token}/`. Deliveries (scheduled or sent) join here when they arrive.
pub async fn usages(db: &impl ConnectionTrait, token: &str) -> DomainResult<Vec<String>> {
    let needle = url_part(token);
    let mut used = Vec::new();
    let templates = message_template::Entity::find()
        .filter(message_template::Column::Messages.contains(&needle))
        .order_by_asc(message_template::Column::Id)
        .all(db)
        .await?;
    used.extend(templates.iter().map(|t| template_label(&t.title)));
    let channels = line_channel::Entity::find()
        .filter(line_channel::Column::GreetingMessages.contains(&needle))
        .order_by_asc(line_channel::Column::Id)
        .all(db)
        .await?;
    used.extend(channels.iter().map(|c| greeting_label(&c.name)));
    // Sent (or waiting to be sent): the image is in citizens' chats, and LINE fetches it again
    // whenever a phone shows it.
    let sent = line_send::Entity::find()
        .filter(line_send::Column::Body.contains(&needle))
        .count(db)
        .await?;
    if sent > 0 {
        used.push(format!("送信したメッセージ（{sent}件）"));
    }
    Ok(used)
}

/// A stored size for the public URL: its content type and bytes. `None` for an unknown token or
/// variant (answered 404, whatever the reason).
pub async fn variant(
    db: &DatabaseConnection,
    token: &str,
    variant: Variant,
) -> DomainResult<Option<(String, Vec<u8>)>> {
    // Tokens are 32 hex characters; anything else is not looked up.
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(id) = media::Entity::find()
        .select_only()
        .column(media::Column::Id)
        .filter(media::Column::Token.eq(token))
        .into_tuple::<i64>()
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let found = media_variant::Entity::find_by_id((id, variant.key()))
        .one(db)
        .await?;
    Ok(found.map(|v| (v.content_type, v.data)))
}

// ---- deriving the sizes ----

struct Derived {
    variant: Variant,
    content_type: &'static str,
    width: u32,
    height: u32,
    data: Vec<u8>,
}

const JPEG: &str = "image/jpeg";
const PNG: &str = "image/png";

/// Checks, decodes and derives every size of an uploaded file (blocking: CPU work).
fn derive(bytes: &[u8]) -> DomainResult<Vec<Derived>> {
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Gif)) => f,
        _ => {
            return Err(DomainError::Invalid(
                "画像として読み取れないファイルです。JPEG・PNG・GIF の画像ファイルを選んでください（ファイル名ではなく中身で判断しています）。".into(),
            ));
        }
    };
    let image = decode(bytes, format)?;
    // The original: no larger than LINE needs; PNG stays PNG (lossless: posters with text).
    let base = shrink_to_fit(&image, ORIGINAL_MAX_SIDE, ORIGINAL_MAX_SIDE);
    drop(image);
    let alpha = base.color().has_alpha() && base.pixels().any(|(_, _, p)| p.0[3] < u8::MAX);
    let base = if alpha {
        DynamicImage::ImageRgba8(base.to_rgba8())
    } else {
        DynamicImage::ImageRgb8(base.to_rgb8())
    };
    let lossless = format != ImageFormat::Jpeg;
    let mut out = Vec::new();
    let original = encode_within(&base, lossless, alpha, MAX_FILE_BYTES)?;
    let (width, height) = original.0.dimensions();
    out.push(Derived {
        variant: Variant::Original,
        content_type: original.1,
        width,
        height,
        data: original.2,
    });
    let flat = DynamicImage::ImageRgb8(flatten(&base));
    let preview = shrink_to_fit(&flat, PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE);
    out.push(jpeg_within(Variant::Preview, &preview, PREVIEW_MAX_BYTES)?);
    let card = shrink_to_fit(&flat, CARD_MAX_WIDTH, u32::MAX);
    out.push(jpeg_within(Variant::Card, &card, CARD_MAX_BYTES)?);
    drop(flat);
    let padded;
    let framed = if has_imagemap(width, height) {
        &base
    } else {
        padded = pad_to(&base, imagemap_frame(width, height), alpha);
        &padded
    };
    let (frame_width, frame_height) = framed.dimensions();
    {
        for w in IMAGEMAP_WIDTHS {
            let h = scaled_height(frame_width, frame_height, w);
            let sized = resize_exact(framed, w, h);
            let (content_type, data) = encode(&sized, lossless, alpha)?;
            if data.len() > MAX_FILE_BYTES {
                return Err(DomainError::Invalid(
                    "画像を LINE の上限（10 MB）以内に縮小できませんでした。別の画像をお試しください。".into(),
                ));
            }
            out.push(Derived {
                variant: Variant::Imagemap(w),
                content_type,
                width: w,
                height: h,
                data,
            });
        }
    }
    Ok(out)
}

/// A photo a citizen sent, decoded and encoded again: its metadata (EXIF GPS, camera) does not
/// survive, its orientation is applied, and it is no larger than `max_side`. JPEG stays JPEG,
/// PNG stays PNG. Anything that is not really a JPEG or PNG is refused, whatever its name.
pub(crate) fn reencode_photo(bytes: &[u8], max_side: u32) -> DomainResult<(&'static str, Vec<u8>)> {
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png)) => f,
        _ => {
            return Err(DomainError::Invalid(
                "画像として読み取れないファイルです。JPEG・PNG の画像を選んでください。".into(),
            ));
        }
    };
    let image = decode(bytes, format)?;
    let image = shrink_to_fit(&image, max_side, max_side);
    let alpha = image.color().has_alpha();
    encode(&image, format == ImageFormat::Png, alpha)
}

/// A rich menu image as LINE takes it: exactly the menu's size, JPEG or PNG, within 1 MB.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FittedImage {
    pub content_type: &'static str,
    pub data: Vec<u8>,
    /// What was uploaded, for the editor's 「元の画像 → LINE に送る画像」.
    pub source_bytes: usize,
    pub source_size: (u32, u32),
    /// The photo was smaller than the menu and was enlarged (it may look blurred).
    pub enlarged: bool,
}

/// Fits any JPEG or PNG to a rich menu of `width` × `height`: cropped to the menu's shape
/// around its centre (cover), scaled to the exact size, then kept as PNG when that fits LINE's
/// 1 MB (drawn menus: sharp text), or else the best JPEG quality that fits, found by binary
/// search. Metadata is dropped (decoded and encoded again).
pub fn fit_rich_menu_image(bytes: &[u8], width: u32, height: u32) -> DomainResult<FittedImage> {
    let max = line::validate::MAX_RICH_MENU_IMAGE_BYTES;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large_file(bytes.len()));
    }
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png)) => f,
        _ => {
            return Err(DomainError::Invalid(
                "画像として読み取れないファイルです。リッチメニューの画像は JPEG か PNG を選んでください。".into(),
            ));
        }
    };
    let image = decode(bytes, format)?;
    let source_size = image.dimensions();
    let (sw, sh) = (u64::from(source_size.0), u64::from(source_size.1));
    // The largest part of the image with the menu's shape, centred.
    let (cw, ch) = if sw * u64::from(height) > sh * u64::from(width) {
        ((sh * u64::from(width) / u64::from(height)).max(1), sh)
    } else {
        (sw, (sw * u64::from(height) / u64::from(width)).max(1))
    };
    let cropped = image.crop_imm(
        ((sw - cw) / 2) as u32,
        ((sh - ch) / 2) as u32,
        cw as u32,
        ch as u32,
    );
    let enlarged = cw < u64::from(width);
    let sized = DynamicImage::ImageRgb8(flatten(&resize_exact(&cropped, width, height)));
    if format == ImageFormat::Png {
        let (content_type, data) = encode(&sized, true, false)?;
        if data.len() <= max {
            return Ok(FittedImage {
                content_type,
                data,
                source_bytes: bytes.len(),
                source_size,
                enlarged,
            });
        }
    }
    // The highest quality within the limit: JPEG size grows with quality.
    let (mut low, mut high) = (20u8, 95u8);
    let mut best = None;
    while low <= high {
        let quality = low + (high - low) / 2;
        let data = jpeg(&sized, quality)?;
        if data.len() <= max {
            best = Some(data);
            low = quality + 1;
        } else {
            high = quality - 1;
        }
    }
    let data = best.ok_or_else(|| {
        DomainError::Invalid(
            "画像を LINE の上限（1 MB）以内にできませんでした。模様の細かすぎない画像をお試しください。".into(),
        )
    })?;
    Ok(FittedImage {
        content_type: JPEG,
        data,
        source_bytes: bytes.len(),
        source_size,
        enlarged,
    })
}

/// `image` centred on a frame of `(width, height)`: white, or transparent when it has
/// transparency.
fn pad_to(image: &DynamicImage, (width, height): (u32, u32), alpha: bool) -> DynamicImage {
    let x = i64::from(width.saturating_sub(image.width()) / 2);
    let y = i64::from(height.saturating_sub(image.height()) / 2);
    if alpha {
        let mut frame =
            image::RgbaImage::from_pixel(width, height, image::Rgba([255, 255, 255, 0]));
        image::imageops::overlay(&mut frame, &image.to_rgba8(), x, y);
        DynamicImage::ImageRgba8(frame)
    } else {
        let mut frame = image::RgbImage::from_pixel(width, height, image::Rgb([255, 255, 255]));
        image::imageops::overlay(&mut frame, &image.to_rgb8(), x, y);
        DynamicImage::ImageRgb8(frame)
    }
}

/// Decodes within the limits, applying the EXIF orientation (the metadata itself is dropped).
fn decode(bytes: &[u8], format: ImageFormat) -> DomainResult<DynamicImage> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(image_error)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(unreadable());
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(too_many_pixels(Some((width, height))));
    }
    limits.reserve(decoder.total_bytes()).map_err(image_error)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(image_error)?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn image_error(error: image::ImageError) -> DomainError {
    match error {
        image::ImageError::Limits(_) => too_many_pixels(None),
        _ => unreadable(),
    }
}

fn unreadable() -> DomainError {
    DomainError::Invalid(
        "画像を読み取れませんでした。ファイルが壊れていないか確かめて、JPEG・PNG・GIF の画像を選んでください。".into(),
    )
}

fn too_many_pixels(size: Option<(u32, u32)>) -> DomainError {
    let size = size.map_or_else(String::new, |(w, h)| format!("（{w}×{h} px）"));
    DomainError::Invalid(format!(
        "画像の縦横が大きすぎます{size}。縦横それぞれ {MAX_SIDE} px 以内、合計 {} 万画素以内の画像にしてください。",
        MAX_PIXELS / 10_000
    ))
}

fn too_large_file(len: usize) -> DomainError {
    DomainError::Invalid(format!(
        "ファイルが大きすぎます（{:.1} MB）。LINE に送れる画像は 1 枚 10 MB までです。",
        len as f64 / (1024.0 * 1024.0)
    ))
}

/// `image` scaled down (never up) to fit `max_w` × `max_h`, keeping its aspect.
fn shrink_to_fit(image: &DynamicImage, max_w: u32, max_h: u32) -> DynamicImage {
    let (w, h) = image.dimensions();
    if w <= max_w && h <= max_h {
        return image.clone();
    }
    let scale = f64::min(
        f64::from(max_w) / f64::from(w),
        f64::from(max_h) / f64::from(h),
    );
    let nw = ((f64::from(w) * scale).round() as u32).clamp(1, max_w);
    let nh = ((f64::from(h) * scale).round() as u32).clamp(1, max_h);
    // Area averaging: fast, and no large intermediate buffer.
    image.thumbnail_exact(nw, nh)
}

fn resize_exact(image: &DynamicImage, w: u32, h: u32) -> DynamicImage {
    let (ow, oh) = image.dimensions();
    if (ow, oh) == (w, h) {
        image.clone()
    } else if ow >= w && oh >= h {
        image.thumbnail_exact(w, h)
    } else {
        image.resize_exact(w, h, image::imageops::FilterType::Triangle)
    }
}

fn scaled_height(width: u32, height: u32, new_width: u32) -> u32 {
    let h = (u64::from(height) * u64::from(new_width) + u64::from(width) / 2) / u64::from(width);
    (h as u32).max(1)
}

/// Transparent pixels on white, for JPEG.
fn flatten(image: &DynamicImage) -> image::RgbImage {
    if !image.color().has_alpha() {
        return image.to_rgb8();
    }
    let rgba = image.to_rgba8();
    image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = u32::from(p[3]);
        let mix = |c: u8| ((u32::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
        image::Rgb([mix(p[0]), mix(p[1]), mix(p[2])])
    })
}

fn encode(
    image: &DynamicImage,
    lossless: bool,
    alpha: bool,
) -> DomainResult<(&'static str, Vec<u8>)> {
    if lossless || alpha {
        let mut data = Vec::new();
        image
            .write_with_encoder(image::codecs::png::PngEncoder::new_with_quality(
                &mut data,
                image::codecs::png::CompressionType::Default,
                image::codecs::png::FilterType::Adaptive,
            ))
            .map_err(encode_error)?;
        Ok((PNG, data))
    } else {
        Ok((JPEG, jpeg(image, 90)?))
    }
}

fn jpeg(image: &DynamicImage, quality: u8) -> DomainResult<Vec<u8>> {
    let rgb = match image {
        DynamicImage::ImageRgb8(_) => None,
        other => Some(DynamicImage::ImageRgb8(flatten(other))),
    };
    let mut data = Vec::new();
    rgb.as_ref()
        .unwrap_or(image)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut data, quality,
        ))
        .map_err(encode_error)?;
    Ok(data)
}

fn encode_error(error: image::ImageError) -> DomainError {
    DomainError::Internal(format!("image encoding failed: {error}"))
}

/// The original within `max_bytes`: as preferred, then (opaque) as JPEG, then smaller.
fn encode_within(
    image: &DynamicImage,
    lossless: bool,
    alpha: bool,
    max_bytes: usize,
) -> DomainResult<(DynamicImage, &'static str, Vec<u8>)> {
    let mut current = image.clone();
    let mut lossless = lossless;
    for _ in 0..8 {
        let (content_type, data) = encode(&current, lossless, alpha)?;
        if data.len() <= max_bytes {
            return Ok((current, content_type, data));
        }
        if lossless && !alpha {
            lossless = false;
            continue;
        }
        let (w, h) = current.dimensions();
        current = shrink_to_fit(&current, (w * 4 / 5).max(1), (h * 4 / 5).max(1));
    }
    Err(DomainError::Invalid(
        "画像を LINE の上限（10 MB）以内に縮小できませんでした。別の画像をお試しください。".into(),
    ))
}

fn jpeg_within(variant: Variant, image: &DynamicImage, max_bytes: usize) -> DomainResult<Derived> {
    for quality in [85, 75, 60, 45] {
        let data = jpeg(image, quality)?;
        if data.len() <= max_bytes {
            let (width, height) = image.dimensions();
            return Ok(Derived {
                variant,
                content_type: JPEG,
                width,
                height,
                data,
            });
        }
    }
    Err(DomainError::Invalid(
        "画像を LINE の上限以内に縮小できませんでした。別の画像をお試しください。".into(),
    ))
}

// ---- storage helpers ----

/// Where in stored content an image's URLs show: `/media/{token}/`.
fn url_part(token: &str) -> String {
    format!("/media/{token}/")
}

fn template_label(title: &str) -> String {
    format!("定型文「{title}」")
}

fn greeting_label(channel: &str) -> String {
    format!("あいさつメッセージ（{channel}）")
}

/// Every place an image may be used, read once for a list.
struct Users {
    places: Vec<(String, String)>,
}

impl Users {
    /// Uses in templates outside `scope` are named only as such: their titles are not the
    /// caller's to read.
    async fn load(db: &impl ConnectionTrait, scope: &Scope) -> DomainResult<Self> {
        let mut places = Vec::new();
        for t in message_template::Entity::find()
            .filter(message_template::Column::Messages.contains("/media/"))
            .order_by_asc(message_template::Column::Id)
            .all(db)
            .await?
        {
            let label = if scope.includes(t.department_id) {
                template_label(&t.title)
            } else {
                "他部署の定型文".to_owned()
            };
            places.push((label, t.messages));
        }
        for c in line_channel::Entity::find()
            .order_by_asc(line_channel::Column::Id)
            .all(db)
            .await?
        {
            let content = c.greeting_messages.unwrap_or_default();
            if content.contains("/media/") {
                places.push((greeting_label(&c.name), content));
            }
        }
        Ok(Self { places })
    }

    fn of(&self, token: &str) -> Vec<String> {
        let needle = url_part(token);
        self.places
            .iter()
            .filter(|(_, content)| content.contains(&needle))
            .map(|(label, _)| label.clone())
            .collect()
    }
}

async fn find_by_hash(
    db: &DatabaseConnection,
    department_id: i64,
    sha256: &str,
) -> DomainResult<Option<media::Model>> {
    Ok(media::Entity::find()
        .filter(media::Column::DepartmentId.eq(department_id))
        .filter(media::Column::Sha256.eq(sha256))
        .one(db)
        .await?)
}

async fn find_in_scope(
    db: &DatabaseConnection,
    scope: &Scope,
    id: i64,
) -> DomainResult<media::Model> {
    media::Entity::find_by_id(id)
        .filter(scope.condition(media::Column::DepartmentId))
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound("指定された画像はありません。".into()))
}

fn validate_alt_text(raw: &str) -> DomainResult<String> {
    let text = raw.trim();
    let len = text.chars().count();
    if len == 0 || len > ALT_TEXT_MAX_CHARS || text.chars().any(char::is_control) {
        return Err(DomainError::Invalid(format!(
            "代替テキスト（画像の説明）は1〜{ALT_TEXT_MAX_CHARS}文字で、改行を含めずに入力してください。読み上げや通知に使われます。"
        )));
    }
    Ok(text.to_owned())
}

/// The file's own name (no folders), printable, not too long.
pub(crate) fn clean_file_name(raw: &str) -> String {
    let name = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = name
        .chars()
        .filter(|c| !c.is_control())
        .take(FILE_NAME_MAX_CHARS)
        .collect();
    let name = name.trim();
    if name.is_empty() {
        "image".into()
    } else {
        name.to_owned()
    }
}

fn dimension(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

async fn media_of(db: &impl ConnectionTrait, row: media::Model) -> DomainResult<Media> {
    let names = department_names(db).await?;
    let used_by = usages(db, &row.token).await?;
    Ok(to_media(row, &names, used_by))
}

fn to_media(m: media::Model, names: &HashMap<i64, String>, used_by: Vec<String>) -> Media {
    Media {
        department_name: names.get(&m.department_id).cloned().unwrap_or_default(),
        id: m.id,
        department_id: m.department_id,
        token: m.token,
        file_name: m.file_name,
        alt_text: m.alt_text,
        content_type: m.content_type,
        width: u32::try_from(m.width).unwrap_or_default(),
        height: u32::try_from(m.height).unwrap_or_default(),
        bytes: u64::try_from(m.bytes).unwrap_or_default(),
        created_at: m.created_at,
        created_by: m.created_by,
        used_by,
    }
}

async fn record(
    txn: &DatabaseTransaction,
    actor: &Actor,
    action: &str,
    m: &Media,
) -> DomainResult<()> {
    let id = m.id.to_string();
    let summary = serde_json::json!({
        "file_name": m.file_name,
        "alt_text": m.alt_text,
        "department_id": m.department_id,
        "width": m.width,
        "height": m.height,
        "bytes": m.bytes,
    });
    audit::record(txn, actor, action, "media", Some(&id), summary).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_named_as_their_urls() {
        for v in [Variant::Original, Variant::Preview, Variant::Card]
            .into_iter()
            .chain(IMAGEMAP_WIDTHS.map(Variant::Imagemap))
        {
            assert_eq!(Variant::from_key(&v.key()), Some(v));
        }
        for bad in [
            "",
            "thumb",
            "imagemap/",
            "imagemap/241",
            "imagemap/0240",
            "imagemap/+240",
        ] {
            assert_eq!(Variant::from_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn file_names_lose_folders_and_control_characters() {
        assert_eq!(clean_file_name("C:\\写真\\a.jpg"), "a.jpg");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\u{0}b\n.png"), "ab.png");
        assert_eq!(clean_file_name(""), "image");
    }

    #[test]
    fn heights_scale_with_the_width() {
        assert_eq!(scaled_height(2000, 1000, 1040), 520);
        assert_eq!(scaled_height(3, 1, 240), 80);
        assert_eq!(scaled_height(1000, 1, 240), 1);
    }
}

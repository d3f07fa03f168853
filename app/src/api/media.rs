//! 画像 (the media library), scoped to the caller's departments like 定型文: the list shows only
//! theirs, and another department's image is "not found". Uploading is not a server function
//! (files are larger than forms): `POST /admin/media` (`server::handlers::media`) answers a
//! [`MediaUploaded`].
//!
//! Permission: the media library is part of message content, so it follows 定型文
//! (`Feature::Templates`): View lists and picks images, Edit uploads, changes and deletes them.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::DepartmentOption;
use crate::error::AppError;

/// One image of the library, with the public URLs LINE fetches. The composer picks images from
/// [`media_library`]; keep this type stable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaItem {
    pub id: i64,
    /// The unguessable part of the URLs.
    pub token: String,
    pub file_name: String,
    pub alt_text: String,
    /// Of the stored original (what LINE fetches).
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub department_id: i64,
    pub department: String,
    /// Where it is used (「定型文「ごみ収集日」」); an image in use cannot be deleted.
    pub used_by: Vec<String>,
    /// For image messages' `originalContentUrl` (JPEG or PNG, ≤ 10 MB, long side ≤ 4096 px).
    pub original_url: String,
    /// For image messages' `previewImageUrl` (JPEG, fits 240×240, ≤ 1 MB).
    pub preview_url: String,
    /// For template and carousel images (JPEG, ≤ 1024 px wide, ≤ 1 MB).
    pub card_url: String,
    /// An imagemap's `baseUrl` (LINE appends `/240` ... `/1040`).
    pub imagemap_base_url: String,
    /// Width and height of those sizes before scaling: the image's own, or for an image more
    /// than twice as tall as wide, the frame it was centred on (twice as tall as wide).
    pub imagemap_size: (u32, u32),
    /// `YYYY-MM-DD HH:MM`, Japan time.
    pub created_at: String,
    pub created_by: String,
}

impl MediaItem {
    /// The preview's path on this server, for the admin pages (the absolute URL may name a
    /// host the browser does not reach the same way).
    pub fn preview_path(&self) -> String {
        format!("/media/{}/preview", self.token)
    }
}

/// The library as the page and the composer get it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaLibrary {
    pub items: Vec<MediaItem>,
    /// Whether the public URLs are https: LINE fetches images only over https (the composer
    /// warns otherwise; the sandbox works over http).
    pub https: bool,
    /// The departments the caller may file an upload under.
    pub departments: Vec<DepartmentOption>,
    pub can_edit: bool,
}

/// What `POST /admin/media` answers a page's fetch (`Accept: application/json`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaUploaded {
    pub item: MediaItem,
    /// The same file was already in the library: this is that image (its alt text unchanged).
    pub duplicate: bool,
}

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::{Action, Feature, Need};
    // The department scope is applied inside, by the domain.
    &[
        rule::<MediaLibraryList>(Need::Can(Feature::Templates, Action::View)),
        rule::<UpdateMediaAltText>(Need::Can(Feature::Templates, Action::Edit)),
        rule::<DeleteMedia>(Need::Can(Feature::Templates, Action::Edit)),
    ]
};

/// The images of the caller's departments, newest first.
#[server(name = MediaLibraryList, endpoint = "media/library")]
pub async fn media_library() -> Result<MediaLibrary, AppError> {
    use model::access::{Action, Feature};
    let (me, ctx) = crate::ssr::context::call::<MediaLibraryList>()?;
    let scope = me.grants.scope();
    let base = &ctx.server().public_base;
    let items = domain::messaging::media::list(ctx.db(), &scope)
        .await?
        .into_iter()
        .map(|m| media_item(m, base))
        .collect();
    let departments = domain::staff::departments::list(ctx.db())
        .await?
        .into_iter()
        .filter(|d| scope.includes(d.id))
        .map(|d| DepartmentOption {
            id: d.id,
            name: d.name,
        })
        .collect();
    Ok(MediaLibrary {
        items,
        https: base.starts_with("https://"),
        departments,
        can_edit: me.grants.can(Feature::Templates, Action::Edit),
    })
}

#[server(endpoint = "media/alt_text")]
pub async fn update_media_alt_text(id: i64, alt_text: String) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<UpdateMediaAltText>()?;
    domain::messaging::media::update_alt_text(
        ctx.db(),
        &ctx.actor(&me),
        &me.grants.scope(),
        id,
        &alt_text,
    )
    .await?;
    Ok(())
}

#[server(endpoint = "media/delete")]
pub async fn delete_media(id: i64) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<DeleteMedia>()?;
    domain::messaging::media::delete(ctx.db(), &ctx.actor(&me), &me.grants.scope(), id).await?;
    Ok(())
}

/// An image with its public URLs under `public_base` (`ServerContext::public_base`).
#[cfg(feature = "ssr")]
pub fn media_item(m: domain::messaging::media::Media, public_base: &str) -> MediaItem {
    let base = format!("{public_base}/media/{}", m.token);
    MediaItem {
        original_url: format!("{base}/original"),
        preview_url: format!("{base}/preview"),
        card_url: format!("{base}/card"),
        imagemap_base_url: format!("{base}/imagemap"),
        imagemap_size: domain::messaging::media::imagemap_frame(m.width, m.height),
        id: m.id,
        token: m.token,
        file_name: m.file_name,
        alt_text: m.alt_text,
        width: m.width,
        height: m.height,
        bytes: m.bytes,
        department_id: m.department_id,
        department: m.department_name,
        used_by: m.used_by,
        created_at: domain::time::minutes(m.created_at),
        created_by: m.created_by,
    }
}

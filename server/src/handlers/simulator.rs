//! The 「LINEシミュレーター」's images: `GET /admin/simulator/rich-menus/{channel}/{rich_menu_id}`
//! serves a sandbox rich menu's image to the simulator's menu panel.
//!
//! Behind the staff session and the simulator's permission, like the page (the middleware
//! checks both for every `/admin/simulator...` path; checked again here). LINE never changes a
//! menu's image (a new image is a new menu), so the browser may keep it: `private, max-age=3600`
//! (in the browser's own cache only, as everything behind a session), with the menu id as ETag.
//! Only sandbox channels: a channel on LINE has no image here, and an unknown channel or menu
//! is a 404.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::staff::accounts::Staff;
use model::access::{Action, Feature, Need};

use app::api::AppError;

use crate::AppState;

/// How long the browser keeps a menu image: an hour (the image never changes under its id).
const CACHE: &str = "private, max-age=3600";

pub async fn rich_menu_image(
    State(state): State<AppState>,
    staff: Option<Extension<Staff>>,
    Path((channel, rich_menu_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(staff) = staff.as_deref() else {
        return AppError::Unauthorized.into_text_response();
    };
    if model::access::authorize(
        Some(&staff.grants),
        Need::Can(Feature::Simulator, Action::View),
    )
    .is_err()
    {
        return AppError::Forbidden.into_text_response();
    }
    let on_sandbox = state
        .platform
        .channel(&channel)
        .is_some_and(|h| h.channel.sandbox);
    let image = on_sandbox
        .then(|| {
            state
                .platform
                .sandbox
                .rich_menu_image(&channel, &rich_menu_id)
        })
        .flatten();
    let Some((content_type, bytes)) = image else {
        return AppError::NotFound("リッチメニューの画像が見つかりません。".into())
            .into_text_response();
    };
    let etag = format!("\"{rich_menu_id}\"");
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut response = if cached {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        bytes.into_response()
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE));
    response
}

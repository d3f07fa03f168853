//! A rich menu's image over HTTP, for its editor.
//!
//! - `GET /admin/rich-menus/{id}/image`: the image as stored (staff session, リッチメニュー 閲覧,
//!   the menu in the caller's departments). The editor's URL carries `?v=` of the last change,
//!   so the image may be cached privately. With `?version={version id}`, a published version's
//!   frozen image (the statistics page draws its figures on it).
//! - `POST /admin/rich-menus/{id}/image` (multipart `file`), with a body limit of its own: any
//!   JPEG or PNG, fitted to the menu's size within LINE's 1 MB
//!   (`domain::menus::designs::set_image`); answers `app::api::MenuImageFitted` as JSON, or the
//!   error as JSON (a 4xx, in Japanese). Needs リッチメニュー 編集.

use axum::Extension;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::security::audit::Actor;
use domain::staff::accounts::Staff;
use model::access::{Action, Feature, Need};

use app::api::{AppError, MenuImageFitted};
use app::ssr::http::ClientAddr;

use crate::AppState;

/// The upload's body limit: LINE's image is 1 MB, but the photo staff start from is larger.
pub const UPLOAD_LIMIT_BYTES: usize = domain::messaging::media::UPLOAD_LIMIT_BYTES;

/// The query of `GET /admin/rich-menus/{id}/image`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ImageQuery {
    /// A published version's image instead of the current one.
    version: Option<i64>,
    /// The editor's cache buster (ignored).
    #[serde(default, rename = "v")]
    _v: Option<String>,
}

/// `GET /admin/rich-menus/{id}/image`.
pub async fn image(
    State(state): State<AppState>,
    staff: Option<Extension<Staff>>,
    Path(id): Path<i64>,
    Query(query): Query<ImageQuery>,
) -> Response {
    let found = async {
        let staff = allowed(staff.as_deref(), Action::View)?;
        let scope = staff.grants.scope();
        Ok::<_, AppError>(match query.version {
            Some(version) => {
                domain::menus::designs::version_image(state.db(), &scope, id, version).await?
            }
            None => domain::menus::designs::image(state.db(), &scope, id).await?,
        })
    };
    match found.await {
        Ok((content_type, bytes)) => {
            let mut response = bytes.into_response();
            let h = response.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                h.insert(header::CONTENT_TYPE, v);
            }
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            );
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            response
        }
        Err(error) => error.into_text_response(),
    }
}

/// `POST /admin/rich-menus/{id}/image`.
pub async fn upload(
    State(state): State<AppState>,
    staff: Option<Extension<Staff>>,
    client: Option<Extension<ClientAddr>>,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let fitted = async {
        let staff = allowed(staff.as_deref(), Action::Edit)?;
        let bytes = read_file(multipart).await?;
        let actor = Actor::staff(staff, client.map(|c| c.0.0));
        let fitted =
            domain::menus::designs::set_image(state.db(), &actor, &staff.grants.scope(), id, bytes)
                .await?;
        Ok::<_, AppError>(MenuImageFitted {
            content_type: fitted.content_type.to_owned(),
            bytes: fitted.data.len(),
            source_bytes: fitted.source_bytes,
            source_width: fitted.source_size.0,
            source_height: fitted.source_size.1,
            enlarged: fitted.enlarged,
        })
    };
    match fitted.await {
        Ok(answer) => (StatusCode::OK, axum::Json(answer)).into_response(),
        Err(error) => error.into_response(),
    }
}

fn allowed(staff: Option<&Staff>, action: Action) -> Result<&Staff, AppError> {
    let staff = staff.ok_or(AppError::Unauthorized)?;
    model::access::authorize(Some(&staff.grants), Need::Can(Feature::RichMenus, action))
        .map_err(|_| AppError::Forbidden)?;
    Ok(staff)
}

async fn read_file(mut multipart: Multipart) -> Result<Vec<u8>, AppError> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::Invalid(format!(
                "ファイルが大きすぎます。{} MB までの画像を選んでください。",
                UPLOAD_LIMIT_BYTES / (1024 * 1024)
            ))
        } else {
            AppError::Invalid("送信されたファイルを読み取れませんでした。".into())
        }
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        if field.name() == Some("file") {
            let bytes = field.bytes().await.map_err(unreadable)?;
            if !bytes.is_empty() {
                return Ok(bytes.to_vec());
            }
        }
    }
    Err(AppError::Invalid(
        "画像ファイルを選んでから「アップロード」を押してください。".into(),
    ))
}

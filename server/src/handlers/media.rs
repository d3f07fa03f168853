//! The media library over HTTP: the public image URLs LINE fetches, and the upload.
//!
//! - `GET /media/{token}/{original|preview|card}` and `GET /media/{token}/imagemap/{width}`
//!   (240, 300, 460, 700, 1040): public, with no session and outside the admin IP allowlist
//!   (LINE's servers fetch them). The token is 128 random bits; nothing lists tokens, and an
//!   unknown token or size is a plain 404. Images never change under a URL, so they are cached
//!   for a year.
//! - `POST /admin/media` (multipart: `department_id`, `file`, `alt_text`), with a body limit of
//!   its own (`domain::messaging::media::UPLOAD_LIMIT_BYTES`, larger bodies get 413): the page's
//!   `fetch` (`Accept: application/json`) gets `app::api::MediaUploaded` or the error as JSON; a
//!   plain form post (before the page hydrates) is sent back to `/admin/media?uploaded=1` (or
//!   `?duplicate=1`), or gets the error as text, like the friend CSV upload. Needs 定型文の編集
//!   (`Feature::Templates`, `Action::Edit`); the department must be one of the caller's.

use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::messaging::media::{self, Variant};
use domain::security::audit::Actor;
use domain::staff::accounts::Staff;
use model::access::{Action, Feature, Need};

use app::api::{AppError, MediaUploaded};
use app::ssr::http::ClientAddr;

use crate::AppState;

/// `GET /media/{token}/{variant}`.
pub async fn serve(
    State(state): State<AppState>,
    Path((token, variant)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    image(&state, &token, &variant, &headers).await
}

/// `GET /media/{token}/imagemap/{width}`: an imagemap's `baseUrl/{width}`.
pub async fn serve_imagemap(
    State(state): State<AppState>,
    Path((token, width)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    image(&state, &token, &format!("imagemap/{width}"), &headers).await
}

async fn image(state: &AppState, token: &str, variant: &str, headers: &HeaderMap) -> Response {
    let Some(variant) = Variant::from_key(variant) else {
        return not_found();
    };
    let found = match media::variant(state.db(), token, variant).await {
        Ok(found) => found,
        Err(error) => {
            tracing::error!(%error, "media lookup failed");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CACHE_CONTROL, "no-store")],
                "画像を読み込めませんでした。",
            )
                .into_response();
        }
    };
    let Some((content_type, bytes)) = found else {
        return not_found();
    };
    // The bytes under a URL never change: the token and the size name them.
    let etag = format!("\"{token}-{}\"", variant.key().replace('/', "-"));
    let cached = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
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
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, "no-store")],
        "画像が見つかりません。",
    )
        .into_response()
}

/// `POST /admin/media`.
pub async fn upload(
    State(state): State<AppState>,
    staff: Option<Extension<Staff>>,
    client: Option<Extension<ClientAddr>>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let stored = async {
        let staff = staff
            .as_deref()
            .ok_or(Refusal::App(AppError::Unauthorized))?;
        model::access::authorize(
            Some(&staff.grants),
            Need::Can(Feature::Templates, Action::Edit),
        )
        .map_err(|_| Refusal::App(AppError::Forbidden))?;
        let form = read_upload(multipart).await?;
        let actor = Actor::staff(staff, client.map(|c| c.0.0));
        let uploaded = media::upload(
            state.db(),
            &actor,
            &staff.grants.scope(),
            form.department_id,
            &form.file_name,
            &form.alt_text,
            form.bytes,
        )
        .await
        .map_err(|e| Refusal::App(e.into()))?;
        Ok::<_, Refusal>(uploaded)
    };
    match (stored.await, wants_json) {
        (Ok(uploaded), true) => {
            let answer = MediaUploaded {
                item: app::api::media_item(uploaded.media, &state.context.public_base),
                duplicate: uploaded.duplicate,
            };
            let status = if answer.duplicate {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            (status, axum::Json(answer)).into_response()
        }
        (Ok(uploaded), false) => Redirect::to(if uploaded.duplicate {
            "/admin/media?duplicate=1"
        } else {
            "/admin/media?uploaded=1"
        })
        .into_response(),
        (Err(Refusal::TooLarge), _) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "送信されたデータが大きすぎます。",
        )
            .into_response(),
        (Err(Refusal::App(error)), true) => error.into_response(),
        (Err(Refusal::App(error)), false) => error.into_text_response(),
    }
}

enum Refusal {
    App(AppError),
    /// The body passed the route's limit while it was read (sent without a length).
    TooLarge,
}

impl From<axum::extract::multipart::MultipartError> for Refusal {
    fn from(error: axum::extract::multipart::MultipartError) -> Self {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Refusal::TooLarge
        } else {
            Refusal::App(AppError::Invalid(
                "送信されたファイルを読み取れませんでした。".into(),
            ))
        }
    }
}

struct UploadForm {
    department_id: i64,
    file_name: String,
    alt_text: String,
    bytes: Vec<u8>,
}

async fn read_upload(mut multipart: Multipart) -> Result<UploadForm, Refusal> {
    let mut department = None;
    let mut alt_text = String::new();
    let mut file = None;
    while let Some(field) = multipart.next_field().await? {
        match field.name() {
            Some("department_id") => department = Some(field.text().await?),
            Some("alt_text") => alt_text = field.text().await?,
            Some("file") => {
                let name = field.file_name().unwrap_or("image").to_owned();
                let bytes = field.bytes().await?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    let Some(department_id) = department.and_then(|d| d.trim().parse::<i64>().ok()) else {
        return Err(Refusal::App(AppError::Invalid(
            "所属部署を選んでください。".into(),
        )));
    };
    match file {
        Some((file_name, bytes)) if !bytes.is_empty() => Ok(UploadForm {
            department_id,
            file_name,
            alt_text,
            bytes,
        }),
        _ => Err(Refusal::App(AppError::Invalid(
            "画像ファイルを選んでから「アップロード」を押してください。".into(),
        ))),
    }
}

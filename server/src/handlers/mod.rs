//! HTTP endpoints that are not Leptos pages or server functions.

pub mod delivery_exports;
pub mod friend_csv;
pub mod health;
pub mod liff;
pub mod log_exports;
pub mod media;
pub mod redirect;
pub mod rich_menus;
pub mod server_fns;
pub mod simulator;
pub mod survey_exports;
pub mod webhook;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::csv::Encoding;

use app::api::AppError;

/// A download's `encoding` parameter (`utf8`, the default, or `sjis`), as every CSV download
/// reads it.
pub(crate) fn csv_encoding(key: Option<&str>) -> Result<Encoding, AppError> {
    Encoding::from_key(key.unwrap_or_default())
        .ok_or_else(|| AppError::Invalid("文字コードは utf8 か sjis を指定してください。".into()))
}

/// A CSV file to save as `file_name`, its charset from `encoding`.
pub(crate) fn csv_download(body: Body, encoding: Encoding, file_name: &str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&format!("text/csv; charset={}", encoding.charset())) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

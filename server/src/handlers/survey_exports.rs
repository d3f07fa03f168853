//! Survey downloads and the builder's preview frame, under `/admin/surveys/...`. The access
//! middleware applies the `surveys` area's rule first (a session and アンケート 閲覧); each handler
//! checks the permission it needs again and reads only the caller's departments.
//!
//! - `GET /admin/surveys/{id}/answers.csv?encoding=utf8|sjis`: the answers, streamed (出力).
//! - `GET /admin/surveys/{id}/files/{file}`: a file a citizen sent (閲覧); never cached, never
//!   run as a page (its type is the one checked on upload, and `nosniff`).
//! - `GET /admin/surveys/preview-frame`: the empty page the builder writes its preview into;
//!   its own policy lets the survey's inline styles apply, and it runs no script.

use axum::Extension;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::audience::attribute_csv::ExportSink;
use domain::audience::surveys::results;
use domain::security::audit::Actor;
use domain::staff::accounts::Staff;
use model::access::{Action, Feature, Need};

use app::api::AppError;
use app::ssr::http::ClientAddr;

use crate::AppState;

type Pairs = Query<Vec<(String, String)>>;

fn allowed(staff: Option<&Staff>, action: Action) -> Result<&Staff, AppError> {
    let staff = staff.ok_or(AppError::Unauthorized)?;
    model::access::authorize(Some(&staff.grants), Need::Can(Feature::Surveys, action))
        .map_err(|_| AppError::Forbidden)?;
    Ok(staff)
}

struct ChannelSink(tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>);

impl ExportSink for ChannelSink {
    async fn send(&mut self, bytes: Vec<u8>) -> domain::DomainResult<()> {
        self.0.send(Ok(bytes)).await.map_err(|_| {
            domain::DomainError::Internal("the download was closed by the browser".into())
        })
    }
}

pub async fn answers_csv(
    State(state): State<AppState>,
    staff: Option<Extension<Staff>>,
    client: Option<Extension<ClientAddr>>,
    Path(id): Path<i64>,
    Query(params): Pairs,
) -> Response {
    let started = async {
        let staff = allowed(staff.as_deref(), Action::Export)?;
        let encoding = super::csv_encoding(
            params
                .iter()
                .find(|(k, _)| k == "encoding")
                .map(|(_, v)| v.as_str()),
        )?;
        let scope = staff.grants.scope();
        // Another department's survey is refused before the download starts.
        results::check_export(state.db(), &scope, id).await?;
        Ok::<_, AppError>((Actor::staff(staff, client.map(|c| c.0.0)), scope, encoding))
    };
    let (actor, scope, encoding) = match started.await {
        Ok(started) => started,
        Err(error) => return error.into_text_response(),
    };
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let db = state.db().clone();
    tokio::spawn(async move {
        let mut sink = ChannelSink(sender.clone());
        if let Err(e) = results::export_csv(&db, &actor, &scope, id, encoding, &mut sink).await {
            tracing::error!(error = %e, survey_id = id, "survey answers export failed");
            // The browser sees a broken download rather than a file that looks complete.
            let _ = sender
                .send(Err(std::io::Error::other("export failed")))
                .await;
        }
    });
    let mut receiver = receiver;
    let stream = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    super::csv_download(
        Body::from_stream(stream),
        encoding,
        &results::csv_file_name(id),
    )
}

pub async fn file(
    State(state): State<AppState>,
    staff: Option<Extension<Staff>>,
    Path((id, file)): Path<(i64, i64)>,
) -> Response {
    let found = async {
        let staff = allowed(staff.as_deref(), Action::View)?;
        Ok::<_, AppError>(results::file(state.db(), &staff.grants.scope(), id, file).await?)
    };
    match found.await {
        Ok(file) => {
            let inline = file.content_type.starts_with("image/");
            let mut response = (StatusCode::OK, file.data).into_response();
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&file.content_type) {
                headers.insert(header::CONTENT_TYPE, value);
            }
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            // The name as a citizen gave it: only ASCII in the plain parameter, the rest encoded.
            let ascii: String = file
                .file_name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let encoded: String =
                url::form_urlencoded::byte_serialize(file.file_name.as_bytes()).collect();
            let disposition = format!(
                "{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}",
                if inline { "inline" } else { "attachment" }
            );
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(error) => error.into_text_response(),
    }
}

pub async fn preview_frame() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https:; frame-ancestors 'self'; form-action 'none'; base-uri 'none'",
            ),
            (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        "<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>プレビュー</title></head><body></body></html>",
    )
        .into_response()
}

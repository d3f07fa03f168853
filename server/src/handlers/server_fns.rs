//! `/api/{fn}`: the admin panel's server functions, run by Leptos with the server's context.
//! Leptos routes each registered function itself; [`handle`] answers the paths that are none, and
//! [`with_error_status`] (a layer on every route) gives each error its own status.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leptos::prelude::provide_context;
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;
use leptos_axum::handle_server_fns_with_context;

use app::api::AppError;

use crate::AppState;

/// The largest error body read back to find its status (errors are a sentence of JSON).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// A path under `/api/` that Leptos did not route: an unknown function (or a known one called
/// with the wrong method), answered in Japanese; run through Leptos otherwise.
pub async fn handle(State(state): State<AppState>, req: Request<Body>) -> Response {
    let path = req.uri().path();
    if leptos::server_fn::axum::get_server_fn_service(path, req.method().clone()).is_none() {
        // leptos_axum would answer with a long English note for developers.
        return AppError::unknown_call().into_response();
    }
    let context = state.context.clone();
    let index = state.platform.audience_index.clone();
    let test_settings = state.platform.test_settings.clone();
    let provide = move || {
        provide_context(context.clone());
        provide_context(index.clone());
        provide_context(test_settings.clone());
    };
    handle_server_fns_with_context(provide, req)
        .await
        .into_response()
}

/// Leptos answers every error of a server function with 500; the error itself (JSON) says what
/// went wrong, and [`AppError::status`] is the status that goes with it. A plain HTML form post
/// is answered with a redirect back to the form instead (Leptos carries the error there), and is
/// left as it is.
pub async fn with_error_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        // No error of ours is that long: answer as the failure it is.
        return AppError::Internal.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.status();
    }
    Response::from_parts(parts, Body::from(bytes))
}

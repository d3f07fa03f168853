//! LINE Login's `POST /oauth2/v2.1/verify` for the ID tokens the sandbox mints.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use line::api::OAuthError;

use super::reply::{Answer, ok};
use crate::Sandbox;

fn oauth_error(description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(OAuthError {
            error: "invalid_request".into(),
            error_description: description.into(),
        }),
    )
        .into_response()
}

pub(super) async fn verify_id_token(State(sb): State<Sandbox>, body: Bytes) -> Answer {
    let params: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let Some(token) = params.get("id_token").filter(|t| !t.is_empty()) else {
        return Err(oauth_error("Required parameter id_token is missing."));
    };
    let Some(client_id) = params.get("client_id").filter(|c| !c.is_empty()) else {
        return Err(oauth_error("Required parameter client_id is missing."));
    };
    let nonce = params.get("nonce").map(String::as_str);
    let verified = crate::id_token::verify(
        sb.id_token_key(),
        token,
        client_id,
        nonce,
        sb.clock().utc().timestamp(),
    )
    .map_err(|refusal| oauth_error(refusal.description()))?;
    Ok(ok(&verified))
}

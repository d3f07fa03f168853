//! LINE's answers: success bodies, error bodies (`message`, `details` with `property`) and
//! request bodies parsed with the JSON path of what is wrong.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use line::api::{ErrorDetail, ErrorResponse};
use line::validate::{Rule, Violation};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// What a handler answers: a finished LINE response either way, the error side as `Err` so
/// that `?` passes it up.
pub(super) type Answer = Result<Response, Response>;

pub(super) fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let body = ErrorResponse {
        message: message.into(),
        ..ErrorResponse::default()
    };
    (status, Json(body)).into_response()
}

pub(super) fn bad_request(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

pub(super) fn not_found_error() -> Response {
    error(StatusCode::NOT_FOUND, "Not found")
}

pub(super) async fn not_found() -> Response {
    not_found_error()
}

pub(super) fn ok_empty() -> Response {
    (StatusCode::OK, Json(json!({}))).into_response()
}

pub(super) fn ok<T: Serialize>(body: &T) -> Response {
    (StatusCode::OK, Json(body)).into_response()
}

pub(super) fn detail(property: impl Into<String>, message: impl Into<String>) -> ErrorDetail {
    ErrorDetail {
        message: Some(message.into()),
        property: Some(property.into()),
    }
}

/// `{"message": "The request body has N error(s)", "details": [...]}`.
fn body_errors(details: Vec<ErrorDetail>) -> Response {
    let body = ErrorResponse {
        message: format!("The request body has {} error(s)", details.len()),
        details,
        sent_messages: None,
    };
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

pub(super) fn violations_response(violations: &[Violation]) -> Response {
    body_errors(described(violations))
}

/// LINE's details for violations of `line::validate`.
pub(super) fn described(violations: &[Violation]) -> Vec<ErrorDetail> {
    violations
        .iter()
        .map(|v| detail(v.path.clone(), english(v)))
        .collect()
}

/// LINE-style English for a violation of `line::validate`.
pub(super) fn english(v: &Violation) -> String {
    match &v.rule {
        Rule::Count { min, max, .. } => format!("Size must be between {min} and {max}"),
        Rule::Length { min: 0, max, .. } => format!("Length must be at most {max}"),
        Rule::Length { min, max, .. } => format!("Length must be between {min} and {max}"),
        Rule::Https => "Must be an HTTPS URL".into(),
        Rule::Pattern(pattern) => format!("Must match {pattern}"),
        Rule::Required => "Must be specified".into(),
        Rule::Positive => "Must be greater than 0".into(),
        Rule::OneOf(values) => format!("Must be one of: {}", values.join(", ")),
        Rule::Equals(n) => format!("Must be {n}"),
        Rule::Range { min, max, .. } => format!("Must be between {min} and {max}"),
        Rule::OutsideImage => "The area must be within the image".into(),
        Rule::Size { max, .. } => format!("Must be at most {max} bytes"),
        Rule::Misplaced(_) => format!("Invalid value ({})", v.message_ja()),
        Rule::Date(format) => format!("Must be a date in the format {format}"),
        Rule::DaysAfter { start, actual, .. } if *actual < 0 => {
            format!("Must not be earlier than {start}")
        }
        Rule::DaysAfter {
            start, max_days, ..
        } => format!("Must be at most {max_days} days after {start}"),
    }
}

/// Parses a JSON body into a `line` request type, keeping the raw JSON too; errors as LINE
/// reports them, with the JSON path in `property`.
pub(super) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<(Value, T), Response> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        body_errors(vec![detail(
            "",
            format!(
                "The request body could not be parsed as JSON (line: {}, column: {})",
                e.line(),
                e.column()
            ),
        )])
    })?;
    let typed = serde_path_to_error::deserialize::<_, T>(&value).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let problem = e.into_inner().to_string();
        // serde_path_to_error ends the path with an unknown field already, not a missing one.
        let join = |field: &str| {
            if path == field || path.ends_with(&format!(".{field}")) {
                path.clone()
            } else if path.is_empty() {
                field.to_owned()
            } else {
                format!("{path}.{field}")
            }
        };
        let quoted = problem.split('`').nth(1).unwrap_or_default().to_owned();
        let d = if problem.starts_with("unknown field") {
            detail(join(&quoted), "Unknown property")
        } else if problem.starts_with("missing field") {
            detail(join(&quoted), "Must be specified")
        } else {
            detail(path, format!("Invalid value: {problem}"))
        };
        body_errors(vec![d])
    })?;
    Ok((value, typed))
}

pub(super) fn unauthorized() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "Authentication failed. Confirm that the access token in the authorization header is valid.",
    )
}

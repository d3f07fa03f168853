//! CSV downloads of the login history and the audit log: plain GET routes under `/admin/logs/`.
//! The access middleware applies the `logs` area's rule first (`app::api::rules::page_need`);
//! each handler checks the same rule again, filters exactly as the pages do (the domain's
//! `Filter::parse`), and answers errors as `AppError`s.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::security::{audit, login_history};
use domain::staff::accounts::Staff;

use app::api::AppError;

use crate::AppState;

type Params = Query<HashMap<String, String>>;

pub async fn login_history_csv(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    staff: Option<Extension<Staff>>,
    Query(params): Params,
) -> Response {
    let csv = async {
        allowed(uri.path(), staff.as_deref())?;
        let [from, until, username, outcome] =
            ["from", "until", "username", "outcome"].map(|name| param(&params, name));
        let filter = login_history::Filter::parse(from, until, username, outcome)?;
        Ok(login_history::export_csv(state.db(), &filter).await?)
    };
    answer(csv.await, "login-history.csv")
}

pub async fn audit_log_csv(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    staff: Option<Extension<Staff>>,
    Query(params): Params,
) -> Response {
    let csv = async {
        allowed(uri.path(), staff.as_deref())?;
        let [from, until, username, action] =
            ["from", "until", "username", "action"].map(|name| param(&params, name));
        let filter = audit::Filter::parse(from, until, username, action)?;
        Ok(audit::export_csv(state.db(), &filter).await?)
    };
    answer(csv.await, "audit-log.csv")
}

/// A query parameter as the page's filter form sent it (empty when absent).
fn param<'a>(params: &'a HashMap<String, String>, name: &str) -> &'a str {
    params.get(name).map_or("", String::as_str)
}

/// The same rule as the page the download belongs to.
fn allowed(path: &str, staff: Option<&Staff>) -> Result<(), AppError> {
    let need = app::api::rules::page_need(path);
    model::access::authorize(staff.map(|s| &s.grants), need).map_err(|_| AppError::Forbidden)
}

fn answer(csv: Result<String, AppError>, file_name: &'static str) -> Response {
    match csv {
        Ok(body) => {
            let disposition = format!("attachment; filename=\"{file_name}\"");
            let mut response = body.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        // A download is opened as a page: the message as text, with the error's status.
        Err(error) => error.into_text_response(),
    }
}

//! CSV downloads of the login history and the audit log: plain GET routes under `/admin/logs/`,
//! so the access middleware applies the `logs` area's rule first; each handler checks again.

use std::collections::HashMap;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::DomainError;
use domain::staff::access::{Action, Feature, Need};
use domain::staff::accounts::Staff;
use domain::security::audit::Period;

use crate::AppState;

/// What reading the logs needs (the same as the `logs` area in `app::api::rules`).
const NEED: Need = Need::Can(Feature::Logs, Action::View);

type Params = Query<HashMap<String, String>>;

pub async fn login_history_csv(
    State(state): State<AppState>,
    staff: Option<Extension<Staff>>,
    Query(params): Params,
) -> Response {
    if let Some(refused) = refuse_unless_allowed(staff.as_deref()) {
        return refused;
    }
    let param = |name: &str| params.get(name).map_or("", String::as_str);
    let csv = async {
        let period = Period::parse_jst_dates(param("from"), param("until"))?;
        let filter =
            domain::security::login_history::Filter::new(period, param("username"), param("outcome"))?;
        domain::security::login_history::export_csv(&state.db, &filter).await
    };
    answer(csv.await, "login-history.csv")
}

pub async fn audit_log_csv(
    State(state): State<AppState>,
    staff: Option<Extension<Staff>>,
    Query(params): Params,
) -> Response {
    if let Some(refused) = refuse_unless_allowed(staff.as_deref()) {
        return refused;
    }
    let param = |name: &str| params.get(name).map_or("", String::as_str);
    let csv = async {
        let period = Period::parse_jst_dates(param("from"), param("until"))?;
        let filter = domain::security::audit::Filter::new(period, param("username"), param("action"))?;
        domain::security::audit::export_csv(&state.db, &filter).await
    };
    answer(csv.await, "audit-log.csv")
}

fn refuse_unless_allowed(staff: Option<&Staff>) -> Option<Response> {
    match domain::staff::access::authorize(staff.map(|s| &s.grants), NEED) {
        Ok(()) => None,
        Err(_) => Some((StatusCode::FORBIDDEN, "この操作は許可されていません。").into_response()),
    }
}

fn answer(csv: Result<String, DomainError>, file_name: &'static str) -> Response {
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
        Err(DomainError::Invalid(msg)) => (StatusCode::BAD_REQUEST, msg).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "log export failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                app::api::AppError::Internal.to_string(),
            )
                .into_response()
        }
    }
}

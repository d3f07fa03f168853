//! `GET /admin/deliveries/history.csv`: 配信履歴 as CSV, with the page's filters and order. The
//! access middleware applies the `deliveries` area's rule first; the handler checks 配信 閲覧
//! again and reads only the caller's departments (the domain applies the scope).

use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use domain::delivery::history;
use domain::staff::accounts::Staff;
use model::access::{Action, Feature, Need};

use app::api::AppError;

use crate::AppState;

pub async fn history_csv(
    State(state): State<AppState>,
    staff: Option<Extension<Staff>>,
    query: Result<Query<app::api::HistoryQuery>, QueryRejection>,
) -> Response {
    let csv = async {
        let staff = staff.as_deref().ok_or(AppError::Forbidden)?;
        model::access::authorize(
            Some(&staff.grants),
            Need::Can(Feature::Deliveries, Action::View),
        )
        .map_err(|_| AppError::Forbidden)?;
        // A parameter of the wrong type (`page=abc`) is the page's own error, in Japanese.
        let Query(query) =
            query.map_err(|_| AppError::Invalid("絞り込みの指定が正しくありません。".into()))?;
        let filter = app::api::history_filter(&query)?;
        Ok::<_, AppError>(history::export_csv(state.db(), &staff.grants.scope(), &filter).await?)
    };
    match csv.await {
        Ok(body) => {
            let mut response = body.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"delivery-history.csv\""),
            );
            response
        }
        Err(error) => error.into_text_response(),
    }
}

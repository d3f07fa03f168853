//! `GET /admin/deliveries/history.csv?encoding=utf8|sjis`: 配信履歴 as CSV, with the page's
//! filters and order. The access middleware applies the `deliveries` area's rule first; the
//! handler checks 配信 閲覧 again and reads only the caller's departments (the domain applies
//! the scope).

use axum::Extension;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::delivery::history;
use domain::staff::accounts::Staff;
use model::access::{Action, Feature, Need};
use serde::Deserialize;

use app::api::AppError;

use crate::AppState;

/// The download's own parameter, beside the page's filters.
#[derive(Deserialize)]
pub struct Download {
    encoding: Option<String>,
}

pub async fn history_csv(
    State(state): State<AppState>,
    staff: Option<Extension<Staff>>,
    query: Result<Query<app::api::HistoryQuery>, QueryRejection>,
    download: Result<Query<Download>, QueryRejection>,
) -> Response {
    let csv = async {
        let staff = staff.as_deref().ok_or(AppError::Forbidden)?;
        model::access::authorize(
            Some(&staff.grants),
            Need::Can(Feature::Deliveries, Action::View),
        )
        .map_err(|_| AppError::Forbidden)?;
        // A parameter of the wrong type (`page=abc`) is the page's own error, in Japanese.
        let invalid = |_| AppError::Invalid("絞り込みの指定が正しくありません。".into());
        let Query(query) = query.map_err(invalid)?;
        let Query(download) = download.map_err(invalid)?;
        let encoding = super::csv_encoding(download.encoding.as_deref())?;
        let filter = app::api::history_filter(&query)?;
        let bytes = history::export_csv(
            state.db(),
            &staff.grants.scope(),
            &filter,
            encoding,
            state.context.simulates_audience(),
        )
        .await?;
        Ok::<_, AppError>((bytes, encoding))
    };
    match csv.await {
        Ok((bytes, encoding)) => {
            super::csv_download(Body::from(bytes), encoding, "delivery-history.csv")
        }
        Err(error) => error.into_text_response(),
    }
}

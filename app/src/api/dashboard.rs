//! The dashboard's figures.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardStats {
    pub staff_accounts: u64,
    pub database: String,
    pub version: String,
}

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::Need;
    &[rule::<DashboardSummary>(Need::SignedIn)]
};

#[server(endpoint = "dashboard/summary")]
pub async fn dashboard_summary() -> Result<DashboardStats, AppError> {
    let (_, ctx) = crate::ssr::context::call::<DashboardSummary>()?;
    Ok(DashboardStats {
        staff_accounts: domain::staff::accounts::count(ctx.db()).await?,
        database: domain::db::backend_of(ctx.db()).name().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

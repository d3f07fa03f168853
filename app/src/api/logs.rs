//! ログ: the login history (with lockouts) and the audit log, for staff allowed to read logs.
//! The CSV exports are plain GET routes of the server (`/admin/logs/*.csv`, in
//! `server::handlers::log_exports`), filtered the same way by the domain.

use leptos::prelude::*;
use model::status::LoginOutcome;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Rows per page of both logs.
pub const LOG_PAGE_SIZE: u64 = 50;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginAttemptRow {
    pub id: i64,
    /// Japan time, `YYYY-MM-DD HH:MM:SS`.
    pub at: String,
    pub username: String,
    pub outcome: LoginOutcome,
    pub client_addr: String,
    pub user_agent: String,
    pub locked_until: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginHistoryPage {
    pub rows: Vec<LoginAttemptRow>,
    /// Lockouts in force now.
    pub lockouts: Vec<LoginAttemptRow>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub username: String,
    pub client_addr: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub summary: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
}

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::{Action, Feature, Need};
    &[
        rule::<LoginHistory>(Need::Can(Feature::Logs, Action::View)),
        rule::<AuditLog>(Need::Can(Feature::Logs, Action::View)),
        // Lifting a lockout changes who may sign in: administrators only.
        rule::<UnlockLogin>(Need::Admin),
    ]
};

#[cfg(feature = "ssr")]
fn login_row(r: domain::entities::login_attempt::Model) -> LoginAttemptRow {
    LoginAttemptRow {
        id: r.id,
        at: domain::time::seconds(r.at),
        outcome: r.outcome,
        username: r.username,
        client_addr: r.client_addr.unwrap_or_default(),
        user_agent: r.user_agent.unwrap_or_default(),
        locked_until: r.locked_until.map(domain::time::seconds),
    }
}

#[server(endpoint = "logs/login_history")]
pub async fn login_history(
    from: Option<String>,
    until: Option<String>,
    username: Option<String>,
    outcome: Option<String>,
    page: Option<u64>,
) -> Result<LoginHistoryPage, AppError> {
    use domain::security::login_history as history;
    let (_, ctx) = crate::ssr::context::call::<LoginHistory>()?;
    let filter = history::Filter::parse(
        from.as_deref().unwrap_or_default(),
        until.as_deref().unwrap_or_default(),
        username.as_deref().unwrap_or_default(),
        outcome.as_deref().unwrap_or_default(),
    )?;
    let found = history::list(ctx.db(), &filter, page.unwrap_or(0), LOG_PAGE_SIZE).await?;
    let lockouts = history::active_lockouts(ctx.db()).await?;
    Ok(LoginHistoryPage {
        rows: found.rows.into_iter().map(login_row).collect(),
        lockouts: lockouts.into_iter().map(login_row).collect(),
        total: found.total,
        page: found.page,
        pages: found.pages,
    })
}

/// Lifts a lockout shown on the login history page (by the id of its lockout row).
#[server(endpoint = "logs/unlock")]
pub async fn unlock_login(lockout_id: i64) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<UnlockLogin>()?;
    domain::security::login_history::unlock_lockout(ctx.db(), &ctx.actor(&me), lockout_id).await?;
    Ok(())
}

#[server(endpoint = "logs/audit")]
pub async fn audit_log(
    from: Option<String>,
    until: Option<String>,
    username: Option<String>,
    action: Option<String>,
    page: Option<u64>,
) -> Result<AuditPage, AppError> {
    use domain::security::audit;
    let (_, ctx) = crate::ssr::context::call::<AuditLog>()?;
    let filter = audit::Filter::parse(
        from.as_deref().unwrap_or_default(),
        until.as_deref().unwrap_or_default(),
        username.as_deref().unwrap_or_default(),
        action.as_deref().unwrap_or_default(),
    )?;
    let found = audit::list(ctx.db(), &filter, page.unwrap_or(0), LOG_PAGE_SIZE).await?;
    Ok(AuditPage {
        rows: found
            .rows
            .into_iter()
            .map(|e| AuditRow {
                seq: e.seq,
                at: domain::time::seconds(e.at),
                username: e.username,
                client_addr: e.client_addr.unwrap_or_default(),
                action: e.action,
                entity_type: e.entity_type,
                entity_id: e.entity_id.unwrap_or_default(),
                summary: e.summary,
            })
            .collect(),
        total: found.total,
        page: found.page,
        pages: found.pages,
    })
}

//! ログ: the login history (with lockouts) and the audit log, for staff allowed to read logs.
//! The CSV exports are plain GET routes of the server (`/admin/logs/*.csv`), see
//! `server::routes`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppError;

/// Rows per page of both logs.
pub const LOG_PAGE_SIZE: u64 = 50;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginAttemptRow {
    pub id: i64,
    /// Japan time, `YYYY-MM-DD HH:MM:SS`.
    pub at: String,
    pub username: String,
    /// The outcome's key (`success`, `wrong_password`...), for styling.
    pub outcome: String,
    pub outcome_label: String,
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

/// The outcomes a filter may ask for, with their labels (`failures` = every failure).
pub fn login_outcome_options() -> Vec<(&'static str, &'static str)> {
    vec![
        ("", "すべて"),
        ("success", "成功"),
        ("failures", "失敗・拒否"),
        ("locked", "拒否（ロック中）"),
        ("lockout_account", "ロック開始（アカウント）"),
        ("lockout_address", "ロック開始（接続元）"),
        ("unlocked", "ロック解除"),
    ]
}

#[cfg(feature = "ssr")]
fn login_row(r: domain::entities::login_attempt::Model) -> LoginAttemptRow {
    use domain::security::login_history::Outcome;
    LoginAttemptRow {
        id: r.id,
        at: domain::security::audit::jst_seconds(r.at),
        outcome_label: Outcome::from_key(&r.outcome)
            .map_or_else(|| r.outcome.clone(), |o| o.label_ja().to_owned()),
        outcome: r.outcome,
        username: r.username,
        client_addr: r.client_addr.unwrap_or_default(),
        user_agent: r.user_agent.unwrap_or_default(),
        locked_until: r.locked_until.map(domain::security::audit::jst_seconds),
    }
}

#[server]
pub async fn login_history(
    from: Option<String>,
    until: Option<String>,
    username: Option<String>,
    outcome: Option<String>,
    page: Option<u64>,
) -> Result<LoginHistoryPage, AppError> {
    use super::server::*;
    use domain::security::login_history as history;
    require_staff()?;
    let ctx = context()?;
    let period = domain::security::audit::Period::parse_jst_dates(
        from.as_deref().unwrap_or(""),
        until.as_deref().unwrap_or(""),
    )
    .map_err(domain_error)?;
    let filter = history::Filter::new(
        period,
        username.as_deref().unwrap_or(""),
        outcome.as_deref().unwrap_or(""),
    )
    .map_err(domain_error)?;
    let found = history::list(ctx.db(), &filter, page.unwrap_or(0), LOG_PAGE_SIZE)
        .await
        .map_err(domain_error)?;
    let lockouts = history::active_lockouts(ctx.db())
        .await
        .map_err(domain_error)?;
    Ok(LoginHistoryPage {
        rows: found.rows.into_iter().map(login_row).collect(),
        lockouts: lockouts.into_iter().map(login_row).collect(),
        total: found.total,
        page: found.page,
        pages: found.pages,
    })
}

/// Lifts a lockout shown on the login history page (by the id of its lockout row).
#[server]
pub async fn unlock_login(lockout_id: i64) -> Result<(), AppError> {
    use super::server::*;
    let staff = require_staff()?;
    let ctx = context()?;
    domain::security::login_history::unlock_lockout(ctx.db(), &ctx.actor(&staff), lockout_id)
        .await
        .map_err(domain_error)?;
    Ok(())
}

#[server]
pub async fn audit_log(
    from: Option<String>,
    until: Option<String>,
    username: Option<String>,
    action: Option<String>,
    page: Option<u64>,
) -> Result<AuditPage, AppError> {
    use super::server::*;
    require_staff()?;
    let ctx = context()?;
    let period = domain::security::audit::Period::parse_jst_dates(
        from.as_deref().unwrap_or(""),
        until.as_deref().unwrap_or(""),
    )
    .map_err(domain_error)?;
    let filter = domain::security::audit::Filter::new(
        period,
        username.as_deref().unwrap_or(""),
        action.as_deref().unwrap_or(""),
    )
    .map_err(domain_error)?;
    let found = domain::security::audit::list(ctx.db(), &filter, page.unwrap_or(0), LOG_PAGE_SIZE)
        .await
        .map_err(domain_error)?;
    Ok(AuditPage {
        rows: found
            .rows
            .into_iter()
            .map(|e| AuditRow {
                seq: e.seq,
                at: domain::security::audit::jst_seconds(e.at),
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

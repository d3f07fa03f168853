//! 接続元IP制限: the admin IP allowlist as 管理者 manage it. Ranges from `ADMIN_ALLOWED_IPS`
//! are shown but cannot be removed here; a change that would shut out the caller is refused.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedIpView {
    /// `None` for a range from the configuration (not removable in the UI).
    pub id: Option<i64>,
    pub network: String,
    pub note: String,
    /// Where it came from, in Japanese.
    pub source: String,
    pub added_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedIpsView {
    pub entries: Vec<AllowedIpView>,
    /// The caller's address as the server sees it, so staff know what to add.
    pub your_address: Option<String>,
}

#[server]
pub async fn allowed_ips() -> Result<AllowedIpsView, AppError> {
    use super::server::*;
    use domain::security::allowlist::Source;
    require_staff()?;
    let ctx = context()?;
    let live = &ctx.server().allowlist;
    let configured = live.configured().iter().map(|net| AllowedIpView {
        id: None,
        network: net.to_string(),
        note: String::new(),
        source: Source::Config.label_ja().to_owned(),
        added_at: String::new(),
    });
    let stored = domain::security::allowlist::list(ctx.db())
        .await
        .map_err(domain_error)?
        .into_iter()
        .map(|e| AllowedIpView {
            id: Some(e.id),
            network: e.network.to_string(),
            note: e.note,
            source: e.source.label_ja().to_owned(),
            added_at: super::friends::jst(e.created_at),
        });
    Ok(AllowedIpsView {
        entries: configured.chain(stored).collect(),
        your_address: ctx.client_addr().map(|ip| ip.to_string()),
    })
}

#[server]
pub async fn add_allowed_ip(network: String, note: String) -> Result<(), AppError> {
    use super::server::*;
    let staff = require_staff()?;
    let ctx = context()?;
    let live = &ctx.server().allowlist;
    let new = domain::security::allowlist::NewEntry {
        network: &network,
        note: &note,
        source: domain::security::allowlist::Source::Ui,
    };
    let entry = domain::security::allowlist::add(ctx.db(), &ctx.actor(&staff), live.configured(), new)
        .await
        .map_err(domain_error)?;
    tracing::info!(staff_id = staff.id, network = %entry.network, "admin IP allowlist: range added");
    live.reload(ctx.db()).await.map_err(domain_error)
}

#[server]
pub async fn remove_allowed_ip(id: i64) -> Result<(), AppError> {
    use super::server::*;
    let staff = require_staff()?;
    let ctx = context()?;
    let live = &ctx.server().allowlist;
    domain::security::allowlist::remove(ctx.db(), &ctx.actor(&staff), live.configured(), id)
        .await
        .map_err(domain_error)?;
    tracing::info!(
        staff_id = staff.id,
        entry = id,
        "admin IP allowlist: range removed"
    );
    live.reload(ctx.db()).await.map_err(domain_error)
}

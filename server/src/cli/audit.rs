//! `machidayori audit verify`: checks the audit log's hash chain.

use anyhow::{Context, bail};

use super::AuditAction;
use crate::config::Config;

pub async fn audit(config: &Config, action: AuditAction) -> anyhow::Result<()> {
    let AuditAction::Verify = action;
    let db = domain::db::connect_and_migrate(&config.database_url, 1)
        .await
        .context("cannot open the database")?;
    let report = domain::security::audit::verify(&db).await?;
    match report.first_break {
        None => {
            println!(
                "操作ログは改ざんされていません（{} 件を確認）。/ Audit log intact: {} entries verified.",
                report.checked, report.checked
            );
            Ok(())
        }
        Some(broken) => bail!(
            "操作ログの連鎖が番号 {} で壊れています：{}（それより前の {} 件は正常）。/ Audit log chain broken at seq {} ({} entries before it verified).",
            broken.seq,
            broken.problem.describe(),
            report.checked,
            broken.seq,
            report.checked
        ),
    }
}

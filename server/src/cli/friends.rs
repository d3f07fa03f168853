//! `machidayori friends import FILE [--dry-run]` and `machidayori friends export [--out FILE]`:
//! the admin panel's CSV import and export from the server's shell, audited as the command line.

use std::io::Write;

use anyhow::{Context, bail};
use domain::audience::attribute_csv::{self, ExportSink, ImportReport};
use domain::audience::friends::FriendQuery;
use domain::csv::Encoding;
use domain::security::audit::Actor;

use super::FriendsAction;
use crate::config::Config;

pub async fn friends(config: &Config, action: FriendsAction) -> anyhow::Result<()> {
    let db = domain::db::connect_and_migrate(&config.database_url, 2)
        .await
        .context("cannot open the database")?;
    let channel_key = |key: Option<String>| {
        let db = db.clone();
        async move {
            match key {
                Some(key) => Ok::<_, domain::DomainError>(key),
                None => domain::platform::channels::default_key(&db).await,
            }
        }
    };
    match action {
        FriendsAction::Import {
            file,
            dry_run,
            channel,
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let channel_id =
                domain::platform::channels::id_of(&db, &channel_key(channel).await?).await?;
            let now = domain::time::now();
            let report = attribute_csv::check(&db, channel_id, &bytes, now).await?;
            if !report.is_clean() {
                bail!(
                    "取り込めない行が{}件あるため、何も変更していません。\n{}",
                    report.problem_count,
                    report.problems_text()
                );
            }
            if dry_run {
                println!("確認のみ（変更していません）: {}", summary(&report));
                return Ok(());
            }
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
            let report = attribute_csv::apply(
                &db,
                &Actor::command_line(),
                channel_id,
                &bytes,
                name.as_deref().unwrap_or("stdin"),
                now,
            )
            .await?;
            println!("取り込みました: {}", summary(&report));
            Ok(())
        }
        FriendsAction::Export {
            out,
            encoding,
            channel,
        } => {
            let encoding =
                Encoding::from_key(&encoding).context("--encoding must be utf8 or sjis")?;
            let channel_id =
                domain::platform::channels::id_of(&db, &channel_key(channel).await?).await?;
            let writer: Box<dyn Write + Send> = match &out {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("cannot create {}", path.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout())),
            };
            let mut sink = WriteSink(writer);
            let rows = attribute_csv::export(
                &db,
                &Actor::command_line(),
                channel_id,
                &FriendQuery::default(),
                &attribute_csv::ExportOptions {
                    encoding,
                    now: domain::time::now(),
                    // The operator's export: every survey's answers.
                    survey_answers: Some(model::access::Scope::All),
                },
                &mut sink,
            )
            .await?;
            sink.0.flush()?;
            if let Some(path) = out {
                println!("{rows}人の友だちを {} に書き出しました。", path.display());
            }
            Ok(())
        }
    }
}

fn summary(report: &ImportReport) -> String {
    format!(
        "友だち {}人、追加 {}件、変更 {}件、消去 {}件、変更なし {}件（{}、属性: {}）",
        report.friends,
        report.added,
        report.changed,
        report.cleared,
        report.unchanged,
        report.encoding,
        report.attributes.join("、")
    )
}

struct WriteSink(Box<dyn Write + Send>);

impl ExportSink for WriteSink {
    async fn send(&mut self, bytes: Vec<u8>) -> domain::DomainResult<()> {
        self.0
            .write_all(&bytes)
            .map_err(|e| domain::DomainError::Internal(format!("cannot write the export: {e}")))
    }
}

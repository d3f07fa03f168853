//! Friend attributes in CSV files, as Excel in a Japanese office reads and writes them.
//!
//! - **Import** (友だち属性 取込): a header row, then one row per friend keyed by LINE user id,
//!   with a column per attribute key (or label). Two steps: [`check`] reports every problem
//!   with its line and column and what would change; [`apply`] checks again and writes all of
//!   it in one transaction, or nothing. An empty cell clears the value; a column that is not in
//!   the file leaves it alone; the built-in columns an export writes are read-only and ignored.
//! - **Export** (友だち属性 出力): every friend (or the friends list's filter) with every
//!   attribute, streamed in pages so memory stays flat. What it writes, the import accepts
//!   unchanged.

use std::collections::HashMap;

use chrono::NaiveDate;
use model::status::ValueSource;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::attributes::{self, Attribute, fold};
use super::friends::{self, FriendQuery};
use super::values::{self, Change, Value};
use crate::csv::{self, Csv, Encoding};
use crate::entities::{attribute_import, friend, line_channel};
use crate::security::audit::{self, Actor};
use crate::{DateTime, DomainError, DomainResult};

/// Largest file accepted (a little over 300,000 rows of five attributes).
pub const IMPORT_MAX_BYTES: usize = 32 * 1024 * 1024;
pub const IMPORT_MAX_ROWS: usize = 300_000;
/// Problems listed in a report (all are counted).
pub const PROBLEMS_SHOWN: usize = 200;
/// Friends per page of an export.
const EXPORT_PAGE: u64 = 2_000;

/// The built-in, read-only columns: key and how staff may also write the header.
const LINE_USER_ID: (&str, &str) = ("line_user_id", "LINEユーザーID");
const BUILT_IN: [(&str, &str); 5] = [
    ("display_name", "表示名"),
    ("language", "LINEの言語"),
    ("status", "状態"),
    ("followed_at", "友だち追加日時"),
    ("blocked_at", "ブロック日時"),
];

/// One problem of a file: where, and what, in Japanese.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub line: u64,
    /// `C列（district）`, when the problem is in one cell or header.
    pub column: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            _ if self.line == 0 => f.write_str(&self.message),
            Some(column) => write!(f, "{}行目 {column}: {}", self.line, self.message),
            None => write!(f, "{}行目: {}", self.line, self.message),
        }
    }
}

/// What a check found: what would change, and every problem.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// `UTF-8` or `Shift_JIS`.
    pub encoding: String,
    /// Friends (data rows) in the file.
    pub friends: u64,
    /// Labels of the attributes the file sets.
    pub attributes: Vec<String>,
    pub added: u64,
    pub changed: u64,
    pub cleared: u64,
    pub unchanged: u64,
    /// The first [`PROBLEMS_SHOWN`] problems.
    pub problems: Vec<Problem>,
    pub problem_count: u64,
}

impl ImportReport {
    pub fn is_clean(&self) -> bool {
        self.problem_count == 0
    }

    /// Every shown problem on its own line, and how many more there are.
    pub fn problems_text(&self) -> String {
        let mut lines: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        let more = self
            .problem_count
            .saturating_sub(self.problems.len() as u64);
        if more > 0 {
            lines.push(format!("ほか{more}件"));
        }
        lines.join("\n")
    }

    fn problem(&mut self, line: u64, column: Option<String>, message: String) {
        self.problem_count += 1;
        if self.problems.len() < PROBLEMS_SHOWN {
            self.problems.push(Problem {
                line,
                column,
                message,
            });
        }
    }
}

/// A change the file asks for, before it is written.
struct Planned {
    friend_id: i64,
    attribute: usize,
    old: Option<Value>,
    old_rows: Vec<i64>,
    new: Option<Value>,
}

/// Reads and checks a file against the attributes and friends of `channel_id` on `db` (the
/// transaction [`apply`] writes in, or any connection for [`check`]).
async fn plan(
    db: &impl ConnectionTrait,
    channel_id: i64,
    bytes: &[u8],
    today: NaiveDate,
) -> DomainResult<(ImportReport, Vec<Attribute>, Vec<Planned>)> {
    if bytes.len() > IMPORT_MAX_BYTES {
        return Err(DomainError::Invalid(format!(
            "ファイルが大きすぎます（{} MB まで）。分けて取り込んでください。",
            IMPORT_MAX_BYTES / 1024 / 1024
        )));
    }
    let (text, encoding) = csv::decode(bytes)?;
    let records = csv::read(&text)?;
    let Some((header, rows)) = records.split_first() else {
        return Err(DomainError::Invalid(
            "ファイルが空です。1行目に見出し（line_user_id と属性のキー）を書いてください。".into(),
        ));
    };
    if rows.len() > IMPORT_MAX_ROWS {
        return Err(DomainError::Invalid(format!(
            "行が多すぎます（{IMPORT_MAX_ROWS}行まで）。分けて取り込んでください。"
        )));
    }
    let all = attributes::list(db).await?;
    let mut report = ImportReport {
        encoding: match encoding {
            Encoding::Utf8 => "UTF-8",
            Encoding::ShiftJis => "Shift_JIS",
        }
        .into(),
        ..Default::default()
    };

    // The header: which column is the user id, which are attributes.
    let mut id_column = None;
    let mut columns: Vec<(usize, usize)> = Vec::new(); // (cell index, attribute index)
    for (i, name) in header.cells.iter().enumerate() {
        let name = name.trim_start_matches('\u{feff}').trim();
        let at = Some(format!("{}列", csv::column_name(i)));
        let folded = fold(name);
        if folded == LINE_USER_ID.0 || name == LINE_USER_ID.1 {
            id_column = Some(i);
        } else if BUILT_IN.iter().any(|(k, l)| folded == *k || name == *l)
            || name.is_empty()
            || name.starts_with(crate::audience::surveys::results::EXPORT_COLUMN_PREFIX)
        {
            // Read-only (survey answers, or a blank column Excel left): ignored.
        } else if let Some(a) = all
            .iter()
            .position(|a| fold(&a.key) == folded || a.label == name)
        {
            if columns.iter().any(|(_, seen)| *seen == a) {
                report.problem(
                    header.line,
                    at,
                    format!("属性「{}」の列が2つあります", all[a].label),
                );
            } else {
                columns.push((i, a));
            }
        } else {
            report.problem(
                header.line,
                at,
                format!("列「{name}」という属性はありません（属性のキーか表示名を書いてください）"),
            );
        }
    }
    let Some(id_column) = id_column else {
        report.problem(
            header.line,
            None,
            "LINE ユーザーIDの列（見出し line_user_id）がありません".into(),
        );
        return Ok((report, all, Vec::new()));
    };
    report.attributes = columns.iter().map(|(_, a)| all[*a].label.clone()).collect();

    // Each row's friend, once.
    let mut first_line: HashMap<&str, u64> = HashMap::new();
    let mut keyed = Vec::new();
    for row in rows {
        let user_id = row.cells.get(id_column).map_or("", String::as_str);
        let at = Some(format!("{}列", csv::column_name(id_column)));
        if user_id.is_empty() {
            report.problem(row.line, at, "LINE ユーザーIDが空です".into());
        } else if let Some(first) = first_line.get(user_id) {
            report.problem(
                row.line,
                at,
                format!(
                    "LINE ユーザーID「{user_id}」は{first}行目にもあります（1人1行にしてください）"
                ),
            );
        } else {
            first_line.insert(user_id, row.line);
            keyed.push((user_id, row));
        }
        if row.cells.len() > header.cells.len() {
            report.problem(
                row.line,
                None,
                format!("列が見出しより多くあります（{}列）", row.cells.len()),
            );
        }
    }
    report.friends = rows.len() as u64;
    // The friends the rows name, with their values, looked up in chunks.
    let by_id: HashMap<i64, &Attribute> = all.iter().map(|a| (a.id, a)).collect();
    let mut friend_ids: HashMap<String, i64> = HashMap::with_capacity(keyed.len());
    let mut current = HashMap::with_capacity(keyed.len());
    let user_ids: Vec<&str> = keyed.iter().map(|(u, _)| *u).collect();
    // LINE user ids are 33 characters.
    for chunk in user_ids.chunks(crate::db::bulk::rows_per_statement(40)) {
        let found: Vec<(i64, String, Option<String>)> = friend::Entity::find()
            .select_only()
            .column(friend::Column::Id)
            .column(friend::Column::LineUserId)
            .expr(values::packed_values(db.get_database_backend()))
            .filter(friend::Column::ChannelId.eq(channel_id))
            .filter(friend::Column::LineUserId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, user, packed) in found {
            current.insert(id, values::unpack(&by_id, packed.as_deref()));
            friend_ids.insert(user, id);
        }
    }

    // Every cell, checked and compared with what is stored.
    let mut planned = Vec::new();
    for (user_id, row) in keyed {
        let Some(&friend_id) = friend_ids.get(user_id) else {
            report.problem(
                row.line,
                Some(format!("{}列", csv::column_name(id_column))),
                format!("LINE ユーザーID「{user_id}」の友だちはいません"),
            );
            continue;
        };
        let mut held_values = current.remove(&friend_id).unwrap_or_default();
        for &(cell, a) in &columns {
            let attribute = &all[a];
            let text = row.cells.get(cell).map_or("", String::as_str);
            let stored = held_values.remove(&attribute.id);
            let held = values::held_options(stored.as_ref());
            match values::parse(attribute, text, &held, today) {
                Err(message) => report.problem(
                    row.line,
                    Some(format!("{}列（{}）", csv::column_name(cell), attribute.key)),
                    message,
                ),
                Ok(new) => {
                    let change = Change::of(friend_id, attribute, stored, new);
                    let (before, after) = (change.old_display(), change.new_display());
                    if before == after {
                        report.unchanged += 1;
                        continue;
                    }
                    match (before.is_empty(), after.is_empty()) {
                        (true, _) => report.added += 1,
                        (false, true) => report.cleared += 1,
                        (false, false) => report.changed += 1,
                    }
                    planned.push(Planned {
                        attribute: a,
                        old: change.old,
                        old_rows: change.old_rows,
                        new: change.new,
                        friend_id,
                    });
                }
            }
        }
    }
    // In file order (a problem's column order kept within its line).
    report.problems.sort_by_key(|p| p.line);
    Ok((report, all, planned))
}

/// Checks a file without changing anything.
pub async fn check(
    db: &DatabaseConnection,
    channel_id: i64,
    bytes: &[u8],
    now: DateTime,
) -> DomainResult<ImportReport> {
    let (report, _, _) = plan(db, channel_id, bytes, crate::time::day_of(now)).await?;
    Ok(report)
}

/// Checks the file again and, when it has no problem, writes every change in one transaction
/// (with history and an audit entry with the counts). A file with problems changes nothing and
/// is refused with them.
pub async fn apply(
    db: &DatabaseConnection,
    actor: &Actor,
    channel_id: i64,
    bytes: &[u8],
    file_name: &str,
    now: DateTime,
) -> DomainResult<ImportReport> {
    let txn = crate::db::begin_write(db).await?;
    let report = apply_on(&txn, actor, channel_id, bytes, file_name, now).await?;
    txn.commit().await?;
    Ok(report)
}

async fn apply_on(
    txn: &DatabaseTransaction,
    actor: &Actor,
    channel_id: i64,
    bytes: &[u8],
    file_name: &str,
    now: DateTime,
) -> DomainResult<ImportReport> {
    let (report, all, planned) = plan(txn, channel_id, bytes, crate::time::day_of(now)).await?;
    if !report.is_clean() {
        return Err(DomainError::Invalid(format!(
            "取り込めない行があるため、何も変更していません。\n{}",
            report.problems_text()
        )));
    }
    let changes: Vec<Change<'_>> = planned
        .into_iter()
        .map(|p| Change {
            friend_id: p.friend_id,
            attribute: &all[p.attribute],
            old: p.old,
            old_rows: p.old_rows,
            new: p.new,
        })
        .collect();
    values::write(txn, &changes, ValueSource::CsvImport, &actor.username, now).await?;
    audit::record(
        txn,
        actor,
        "friend_attributes.import",
        "friend_attributes",
        None,
        json!({
            "file": file_name,
            "friends": report.friends,
            "attributes": report.attributes,
            "added": report.added,
            "changed": report.changed,
            "cleared": report.cleared,
        }),
    )
    .await?;
    Ok(report)
}

/// A file uploaded in the admin panel, with its check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    pub id: i64,
    pub channel_key: String,
    pub file_name: String,
    pub report: ImportReport,
    pub created_at: DateTime,
    pub applied_at: Option<DateTime>,
}

/// Uploads are kept this long, then the daily purge removes them (the file holds personal data).
pub const UPLOAD_KEPT_DAYS: i64 = 7;

/// Checks an uploaded file and keeps it (with the report) for its uploader to apply.
pub async fn store_upload(
    db: &DatabaseConnection,
    staff_id: i64,
    channel_id: i64,
    file_name: &str,
    bytes: Vec<u8>,
    now: DateTime,
) -> DomainResult<i64> {
    // A file that cannot be read at all is kept too, its reason the one problem (line 0): staff
    // see it where they would see any other.
    let report = match check(db, channel_id, &bytes, now).await {
        Ok(report) => report,
        Err(DomainError::Invalid(message)) => {
            let mut report = ImportReport::default();
            report.problem(0, None, message);
            report
        }
        Err(other) => return Err(other),
    };
    let file_name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let row = attribute_import::ActiveModel {
        channel_id: Set(channel_id),
        staff_id: Set(staff_id),
        file_name: Set(file_name),
        content: Set(bytes),
        report: Set(serde_json::to_string(&report).unwrap_or_default()),
        created_at: Set(now),
        applied_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

/// Deletes uploads older than [`UPLOAD_KEPT_DAYS`] (the daily purge): nobody applies a week-old
/// check, and the files hold personal data.
pub async fn purge_uploads(db: &DatabaseConnection, now: DateTime) -> DomainResult<u64> {
    let cutoff = now - chrono::TimeDelta::days(UPLOAD_KEPT_DAYS);
    Ok(attribute_import::Entity::delete_many()
        .filter(attribute_import::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}

/// An upload of `staff_id` (another's is not found: the file holds personal data).
pub async fn upload(db: &impl ConnectionTrait, staff_id: i64, id: i64) -> DomainResult<Upload> {
    let row = attribute_import::Entity::find_by_id(id)
        .filter(attribute_import::Column::StaffId.eq(staff_id))
        .one(db)
        .await?
        .ok_or_else(|| {
            DomainError::NotFound(
                "この取込ファイルは見つかりません。もう一度アップロードしてください。".into(),
            )
        })?;
    let channel_key = line_channel::Entity::find_by_id(row.channel_id)
        .one(db)
        .await?
        .map(|c| c.key)
        .unwrap_or_default();
    Ok(Upload {
        id: row.id,
        channel_key,
        file_name: row.file_name,
        report: serde_json::from_str(&row.report).unwrap_or_default(),
        created_at: row.created_at,
        applied_at: row.applied_at,
    })
}

/// Applies an upload once: checked again, then written in one transaction with its mark.
pub async fn apply_upload(
    db: &DatabaseConnection,
    actor: &Actor,
    staff_id: i64,
    id: i64,
    now: DateTime,
) -> DomainResult<Upload> {
    let txn = crate::db::begin_write(db).await?;
    let row = attribute_import::Entity::find_by_id(id)
        .filter(attribute_import::Column::StaffId.eq(staff_id))
        .one(&txn)
        .await?
        .ok_or_else(|| {
            DomainError::NotFound(
                "この取込ファイルは見つかりません。もう一度アップロードしてください。".into(),
            )
        })?;
    if row.applied_at.is_some() {
        return Err(DomainError::Conflict("このファイルは取込済みです。".into()));
    }
    let report = apply_on(
        &txn,
        actor,
        row.channel_id,
        &row.content,
        &row.file_name,
        now,
    )
    .await?;
    attribute_import::Entity::update_many()
        .col_expr(attribute_import::Column::AppliedAt, Expr::value(now))
        .col_expr(
            attribute_import::Column::Report,
            Expr::value(serde_json::to_string(&report).unwrap_or_default()),
        )
        .filter(attribute_import::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    upload(db, staff_id, id).await
}

/// A friend as an export reads it: id, user id, name, language, status, followed, blocked, and
/// the packed values ([`values::packed_values`]).
type ExportRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    model::status::FriendStatus,
    DateTime,
    Option<DateTime>,
    Option<String>,
);

/// Where an export's bytes go: a download's body, a file, standard output.
pub trait ExportSink {
    fn send(&mut self, bytes: Vec<u8>) -> impl Future<Output = DomainResult<()>> + Send;
}

impl ExportSink for Vec<u8> {
    async fn send(&mut self, bytes: Vec<u8>) -> DomainResult<()> {
        self.extend_from_slice(&bytes);
        Ok(())
    }
}

/// The header of an export: the built-in columns, then every attribute's key.
fn export_header(all: &[Attribute]) -> Vec<&str> {
    std::iter::once(LINE_USER_ID.0)
        .chain(BUILT_IN.iter().map(|(k, _)| *k))
        .chain(all.iter().map(|a| a.key.as_str()))
        .collect()
}

/// A file to fill in: the header only (`line_user_id` and every attribute's key).
pub async fn template(db: &DatabaseConnection, encoding: Encoding) -> DomainResult<Vec<u8>> {
    let all = attributes::list(db).await?;
    let header: Vec<&str> = std::iter::once(LINE_USER_ID.0)
        .chain(all.iter().map(|a| a.key.as_str()))
        .collect();
    Ok(Csv::with_encoding(&header, encoding).take())
}

/// How an export is written.
#[derive(Clone, Debug)]
pub struct ExportOptions {
    pub encoding: Encoding,
    pub now: DateTime,
    /// With each friend's latest survey answers of the surveys in this scope (those the caller
    /// may read); `None`: attributes only.
    pub survey_answers: Option<model::access::Scope>,
}

/// Writes every friend of `channel_id` matching `query` (its page is ignored), in id order,
/// with every attribute (and their latest survey answers, read-only columns), into `sink` page
/// by page, and audits it with the row count. Returns the number of friends written.
pub async fn export(
    db: &DatabaseConnection,
    actor: &Actor,
    channel_id: i64,
    query: &FriendQuery,
    options: &ExportOptions,
    sink: &mut impl ExportSink,
) -> DomainResult<u64> {
    let (encoding, now) = (options.encoding, options.now);
    let all = attributes::list(db).await?;
    let filter = friends::filter(channel_id, query, now)?;
    let answer_columns = match &options.survey_answers {
        Some(scope) => crate::audience::surveys::results::AnswerColumns::of(db, scope).await?,
        None => Default::default(),
    };
    let mut header = export_header(&all);
    header.extend(answer_columns.headers.iter().map(String::as_str));
    let mut csv = Csv::with_encoding(&header, encoding);
    let mut after = 0_i64;
    let mut written = 0_u64;
    let by_id: HashMap<i64, &Attribute> = all.iter().map(|a| (a.id, a)).collect();
    let packed = values::packed_values(db.get_database_backend());
    loop {
        let page: Vec<ExportRow> = friend::Entity::find()
            .select_only()
            .columns([
                friend::Column::Id,
                friend::Column::LineUserId,
                friend::Column::DisplayName,
                friend::Column::Language,
                friend::Column::Status,
                friend::Column::FollowedAt,
                friend::Column::BlockedAt,
            ])
            .expr(packed.clone())
            .filter(filter.clone())
            .filter(friend::Column::Id.gt(after))
            .order_by_asc(friend::Column::Id)
            .limit(EXPORT_PAGE)
            .into_tuple()
            .all(db)
            .await?;
        let Some(last) = page.last().map(|row| row.0) else {
            break;
        };
        let ids: Vec<i64> = page.iter().map(|row| row.0).collect();
        let mut answers = answer_columns.cells(db, &ids).await?;
        for (id, user_id, name, language, status, followed_at, blocked_at, values) in &page {
            let mut held = values::unpack(&by_id, values.as_deref());
            let built_in = [
                user_id.clone(),
                name.clone().unwrap_or_default(),
                language.clone().unwrap_or_default(),
                status.key().to_owned(),
                crate::time::seconds(*followed_at),
                blocked_at.map(crate::time::seconds).unwrap_or_default(),
            ];
            let attribute_cells = all.iter().map(|a| {
                held.remove(&a.id)
                    .map(|s| s.value.display(a))
                    .unwrap_or_default()
            });
            let cells: Vec<String> = built_in
                .into_iter()
                .chain(attribute_cells)
                .chain(answers.remove(id).unwrap_or_default())
                .collect();
            csv.row(cells.iter().map(String::as_str));
        }
        written += page.len() as u64;
        after = last;
        sink.send(csv.take()).await?;
        if (page.len() as u64) < EXPORT_PAGE {
            break;
        }
    }
    sink.send(csv.take()).await?;
    audit::record(
        db,
        actor,
        "friend_attributes.export",
        "friend_attributes",
        None,
        json!({ "channel_id": channel_id, "rows": written, "encoding": encoding.charset() }),
    )
    .await?;
    Ok(written)
}

//! The audit log (操作ログ): every state-changing operation, appended in the same transaction as
//! the change, with the hash of the previous entry so that an altered or deleted entry is found
//! by [`verify`] (`machidayori audit verify`).
//!
//! How to record a change (inside the transaction that makes it, so both commit or neither):
//!
//! ```ignore
//! let txn = db.begin().await?;
//! // ... the change ...
//! audit::record(&txn, actor, "channel.greeting", "line_channel", Some(key),
//!               json!({"enabled": true, "text": text})).await?;
//! txn.commit().await?;
//! ```
//!
//! Call `record` after the change's own writes: the chain head stays locked until the
//! transaction ends, and taking it last keeps the lock order the same everywhere (no deadlocks).
//!
//! Actions are `area.verb` in lower case (`auth.login`, `account.create`). Summaries are JSON;
//! secret-looking fields are masked by [`record`] itself ([`mask_secrets`]), but never put a
//! password in one anyway.
//!
//! Appends are serialised by the one-row `audit_chain_head` table, updated first: on SQLite that
//! takes the database's write lock, on PostgreSQL a row lock, so two writers (in one process or
//! in several instances) never chain onto the same entry; a unique index on `prev_hash` backs it.

use std::net::IpAddr;

use chrono::{TimeZone, Utc};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, TransactionSession as _, TransactionTrait,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::db::{Page, paginate};
use crate::entities::{audit_chain_head, audit_log};
use crate::staff::accounts::Staff;
use crate::time::Period;
use crate::{DateTime, DomainError, DomainResult};

/// `prev_hash` of the first entry (also written by the migration into the chain head).
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const HEAD_ID: i32 = 1;
/// What replaces a secret value in a summary.
pub const MASK: &str = "********";
use model::account::USERNAME_MAX_CHARS;
const FIELD_MAX_CHARS: usize = 64;
const ENTITY_ID_MAX_CHARS: usize = 128;

/// Who did it: a signed-in member of staff (with the address they came from), the command line
/// on the server, or the system itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub staff_id: Option<i64>,
    /// The username as it was at the time (accounts may be renamed or deleted later).
    pub username: String,
    pub client_addr: Option<IpAddr>,
}

impl Actor {
    pub fn staff(staff: &Staff, client_addr: Option<IpAddr>) -> Self {
        Self {
            staff_id: Some(staff.id),
            username: staff.username.clone(),
            client_addr,
        }
    }

    /// `machidayori ...` run in the server's shell.
    pub fn command_line() -> Self {
        Self {
            staff_id: None,
            username: "command-line".into(),
            client_addr: None,
        }
    }

    /// The server acting on its own (start-up, background jobs).
    pub fn system() -> Self {
        Self {
            staff_id: None,
            username: "system".into(),
            client_addr: None,
        }
    }
}

/// Appends one entry, chained onto the last. Pass the transaction that makes the change; given a
/// plain connection, the entry is written in a transaction of its own.
pub async fn record<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    action: &str,
    entity_type: &str,
    entity_id: Option<&str>,
    summary: Value,
) -> DomainResult<()> {
    use sea_orm::sea_query::ExprTrait as _;
    // A savepoint inside the caller's transaction, or a transaction of its own.
    let txn = db.begin().await?;
    // Taking the head first serialises appends (write lock on SQLite, row lock on PostgreSQL).
    audit_chain_head::Entity::update_many()
        .col_expr(
            audit_chain_head::Column::Seq,
            Expr::col(audit_chain_head::Column::Seq).add(1),
        )
        .filter(audit_chain_head::Column::Id.eq(HEAD_ID))
        .exec(&txn)
        .await?;
    let head = audit_chain_head::Entity::find_by_id(HEAD_ID)
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::Internal("audit chain head is missing".into()))?;
    let mut entry = audit_log::Model {
        seq: head.seq,
        at: now_micros(),
        staff_id: actor.staff_id,
        username: bounded(&actor.username, USERNAME_MAX_CHARS),
        client_addr: actor.client_addr.map(|a| a.to_string()),
        action: bounded(action, FIELD_MAX_CHARS),
        entity_type: bounded(entity_type, FIELD_MAX_CHARS),
        entity_id: entity_id.map(|id| bounded(id, ENTITY_ID_MAX_CHARS)),
        summary: mask_secrets(summary).to_string(),
        prev_hash: head.hash,
        hash: String::new(),
    };
    entry.hash = entry_hash(&entry);
    let hash = entry.hash.clone();
    audit_log::ActiveModel::from(entry).insert(&txn).await?;
    audit_chain_head::Entity::update_many()
        .col_expr(audit_chain_head::Column::Hash, Expr::value(hash))
        .filter(audit_chain_head::Column::Id.eq(HEAD_ID))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Field names whose values are secrets: masked in every summary, at any depth.
fn is_secret_field(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "password",
        "passwd",
        "secret",
        "token",
        "credential",
        "cookie",
        "authorization",
    ]
    .iter()
    .any(|s| name.contains(s))
        || name.ends_with("_key")
        || name.ends_with("apikey")
}

/// Replaces the values of secret-looking fields (`password`, `*_token`, `channel_secret`,
/// `api_key`...) with [`MASK`]. A plain `key` (such as a channel's key) is not a secret.
pub fn mask_secrets(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = if is_secret_field(&k) && !Value::is_null(&v) {
                        Value::String(MASK.into())
                    } else {
                        mask_secrets(v)
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(mask_secrets).collect()),
        other => other,
    }
}

/// Microsecond precision: what PostgreSQL keeps, so the hashed time is the stored time.
fn now_micros() -> DateTime {
    let now = Utc::now();
    Utc.timestamp_micros(now.timestamp_micros())
        .single()
        .unwrap_or(now)
}

fn bounded(text: &str, max_chars: usize) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(max_chars)
        .collect()
}

/// SHA-256 over an unambiguous encoding of every field but the hash itself: a version tag, then
/// each field length-prefixed (absent optional fields as a distinct marker).
fn entry_hash(e: &audit_log::Model) -> String {
    fn field(h: &mut Sha256, bytes: &[u8]) {
        h.update([1u8]);
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    }
    fn optional(h: &mut Sha256, bytes: Option<&[u8]>) {
        match bytes {
            Some(b) => field(h, b),
            None => h.update([0u8]),
        }
    }
    let mut h = Sha256::new();
    h.update(b"machidayori-audit-v1");
    field(&mut h, &e.seq.to_be_bytes());
    field(&mut h, &e.at.timestamp_micros().to_be_bytes());
    optional(
        &mut h,
        e.staff_id.map(i64::to_be_bytes).as_ref().map(|b| &b[..]),
    );
    field(&mut h, e.username.as_bytes());
    optional(&mut h, e.client_addr.as_deref().map(str::as_bytes));
    field(&mut h, e.action.as_bytes());
    field(&mut h, e.entity_type.as_bytes());
    optional(&mut h, e.entity_id.as_deref().map(str::as_bytes));
    field(&mut h, e.summary.as_bytes());
    field(&mut h, e.prev_hash.as_bytes());
    hex::encode(h.finalize())
}

/// What [`verify`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Entries checked (up to the first break).
    pub checked: u64,
    pub first_break: Option<BrokenLink>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenLink {
    /// The sequence number where the chain first fails.
    pub seq: i64,
    pub problem: Problem,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// No entry with this number: one was deleted.
    Missing,
    /// The entry does not name its predecessor's hash: it or its predecessor was replaced.
    PrevHashMismatch,
    /// The entry's contents do not match its hash: it was altered.
    HashMismatch,
    /// The chain ends before (or after) the last entry the head records: entries were removed
    /// from the end, or written around the head.
    HeadMismatch,
}

impl Problem {
    pub fn describe(self) -> &'static str {
        match self {
            Problem::Missing => "記録が欠けています（削除された可能性）/ entry missing (deleted)",
            Problem::PrevHashMismatch => {
                "前の記録のハッシュと一致しません / previous-hash link does not match"
            }
            Problem::HashMismatch => {
                "記録の内容がハッシュと一致しません（改ざんの可能性）/ contents do not match the hash (altered)"
            }
            Problem::HeadMismatch => {
                "最後の記録がチェーンの末尾と一致しません（末尾の削除の可能性）/ last entry does not match the chain head (entries removed at the end)"
            }
        }
    }
}

const VERIFY_PAGE: u64 = 500;

/// Walks the whole chain in sequence order, a page at a time, and reports the first broken link.
pub async fn verify(db: &impl ConnectionTrait) -> DomainResult<Report> {
    let mut expected_seq = 1i64;
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut checked = 0u64;
    let broken = |seq, problem| BrokenLink { seq, problem };
    loop {
        let page = audit_log::Entity::find()
            .filter(audit_log::Column::Seq.gte(expected_seq))
            .order_by_asc(audit_log::Column::Seq)
            .limit(VERIFY_PAGE)
            .all(db)
            .await?;
        let last_page = (page.len() as u64) < VERIFY_PAGE;
        for entry in page {
            let problem = if entry.seq != expected_seq {
                Some(Problem::Missing)
            } else if entry.prev_hash != prev_hash {
                Some(Problem::PrevHashMismatch)
            } else if entry_hash(&entry) != entry.hash {
                Some(Problem::HashMismatch)
            } else {
                None
            };
            if let Some(problem) = problem {
                return Ok(Report {
                    checked,
                    first_break: Some(broken(expected_seq, problem)),
                });
            }
            checked += 1;
            expected_seq += 1;
            prev_hash = entry.hash;
        }
        if last_page {
            break;
        }
    }
    let head = audit_chain_head::Entity::find_by_id(HEAD_ID)
        .one(db)
        .await?
        .ok_or_else(|| DomainError::Internal("audit chain head is missing".into()))?;
    let first_break = (head.seq != expected_seq - 1 || head.hash != prev_hash)
        .then(|| broken(expected_seq, Problem::HeadMismatch));
    Ok(Report {
        checked,
        first_break,
    })
}

/// Filters of the audit log page and its CSV export.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub period: Period,
    /// Exact username (without regard to case).
    pub username: Option<String>,
    /// Exact action, or a prefix ending in `.` (`channel.` for every channel action).
    pub action: Option<String>,
}

impl Filter {
    /// The filter as the page's form and the CSV link send it: days in Japan time (empty =
    /// open), and free-text parts that are short and use only the characters of usernames and
    /// actions. Each broken rule is a Japanese `Invalid` error.
    pub fn parse(from: &str, until: &str, username: &str, action: &str) -> DomainResult<Self> {
        let period = Period::parse(from, until)?;
        let word = |text: &str, what: &str| -> DomainResult<Option<String>> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            let ok = text.chars().count() <= 64
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
            if !ok {
                return Err(DomainError::Invalid(format!(
                    "{what}は64文字以内の半角英数字と記号 . _ - @ で入力してください。"
                )));
            }
            Ok(Some(text.to_owned()))
        };
        Ok(Self {
            period,
            username: word(username, "ユーザー名")?,
            action: word(action, "操作")?,
        })
    }

    fn apply(&self, mut q: Select<audit_log::Entity>) -> Select<audit_log::Entity> {
        if let Some(from) = self.period.from {
            q = q.filter(audit_log::Column::At.gte(from));
        }
        if let Some(until) = self.period.until {
            q = q.filter(audit_log::Column::At.lt(until));
        }
        if let Some(username) = &self.username {
            use sea_orm::sea_query::ExprTrait as _;
            q = q.filter(
                Expr::expr(Func::lower(Expr::col(audit_log::Column::Username)))
                    .eq(username.to_ascii_lowercase()),
            );
        }
        if let Some(action) = &self.action {
            q = match action.strip_suffix('.') {
                // Prefix match without LIKE (whose `_` is a wildcard): the range [p., p/).
                Some(prefix) => q
                    .filter(audit_log::Column::Action.gte(format!("{prefix}.")))
                    .filter(audit_log::Column::Action.lt(format!("{prefix}/"))),
                None => q.filter(audit_log::Column::Action.eq(action.as_str())),
            };
        }
        q
    }
}

/// One page of matching entries, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    page: u64,
    per_page: u64,
) -> DomainResult<Page<audit_log::Model>> {
    let select = filter
        .apply(audit_log::Entity::find())
        .order_by_desc(audit_log::Column::Seq);
    paginate(db, select, page, per_page).await
}

/// Every matching entry, oldest first, handed over a page at a time (for the CSV export).
pub async fn for_each(
    db: &impl ConnectionTrait,
    filter: &Filter,
    each: impl FnMut(&audit_log::Model),
) -> DomainResult<()> {
    let select = filter.apply(audit_log::Entity::find());
    crate::db::bulk::for_each_in_pages(
        db,
        select,
        audit_log::Column::Seq,
        |e| e.seq,
        VERIFY_PAGE,
        each,
    )
    .await
}

/// The matching entries as CSV (oldest first), for 管理者 to keep or hand to an auditor.
pub async fn export_csv(db: &impl ConnectionTrait, filter: &Filter) -> DomainResult<String> {
    let total = filter.apply(audit_log::Entity::find()).count(db).await?;
    if total > crate::csv::EXPORT_MAX_ROWS {
        return Err(too_many_rows(total));
    }
    let mut csv = crate::csv::Csv::new(&[
        "番号",
        "日時",
        "ユーザー",
        "接続元",
        "操作",
        "対象の種類",
        "対象ID",
        "内容",
        "ハッシュ",
    ]);
    for_each(db, filter, |e| {
        let seq = e.seq.to_string();
        let at = crate::time::seconds(e.at);
        csv.row([
            seq.as_str(),
            at.as_str(),
            e.username.as_str(),
            e.client_addr.as_deref().unwrap_or(""),
            e.action.as_str(),
            e.entity_type.as_str(),
            e.entity_id.as_deref().unwrap_or(""),
            e.summary.as_str(),
            e.hash.as_str(),
        ]);
    })
    .await?;
    Ok(csv.finish())
}

pub(crate) fn too_many_rows(total: u64) -> DomainError {
    DomainError::Invalid(format!(
        "該当する記録が{total}件あり、一度に出力できる{}件を超えています。期間を絞ってください。",
        crate::csv::EXPORT_MAX_ROWS
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_masked_at_any_depth_and_plain_keys_are_kept() {
        let masked = mask_secrets(json!({
            "key": "main",
            "password": "hunter2hunter2",
            "channel_secret": "abc",
            "nested": [{"access_token": "t", "api_key": "k", "name": "x"}],
            "new_password": null,
        }));
        assert_eq!(
            masked,
            json!({
                "key": "main",
                "password": MASK,
                "channel_secret": MASK,
                "nested": [{"access_token": MASK, "api_key": MASK, "name": "x"}],
                "new_password": null,
            })
        );
    }

    #[test]
    fn the_hash_encoding_is_unambiguous() {
        let base = audit_log::Model {
            seq: 1,
            at: Utc.timestamp_micros(1_700_000_000_000_000).unwrap(),
            staff_id: None,
            username: "ab".into(),
            client_addr: None,
            action: "c".into(),
            entity_type: "d".into(),
            entity_id: None,
            summary: "{}".into(),
            prev_hash: GENESIS_HASH.into(),
            hash: String::new(),
        };
        // Moving a character from one field to the next changes the hash.
        let shifted = audit_log::Model {
            username: "a".into(),
            action: "bc".into(),
            ..base.clone()
        };
        assert_ne!(entry_hash(&base), entry_hash(&shifted));
        // An absent field differs from an empty one.
        let empty_id = audit_log::Model {
            entity_id: Some(String::new()),
            ..base.clone()
        };
        assert_ne!(entry_hash(&base), entry_hash(&empty_id));
        assert_eq!(entry_hash(&base).len(), 64);
    }

    #[test]
    fn periods_are_japan_dates_and_bad_ones_are_refused_in_japanese() {
        let p = Period::parse("2026-11-01", "2026-11-01").unwrap();
        assert_eq!(p.from.unwrap().to_rfc3339(), "2026-10-31T15:00:00+00:00");
        assert_eq!(p.until.unwrap().to_rfc3339(), "2026-11-01T15:00:00+00:00");
        assert_eq!(Period::parse("", "").unwrap(), Period::default());
        let err = Period::parse("2026/11/01", "").unwrap_err();
        assert!(err.to_string().contains("YYYY-MM-DD"), "{err}");
        assert!(Period::parse("2026-11-02", "2026-11-01").is_err());
        assert!(Filter::parse("", "", "a' OR 1=1 --", "").is_err());
        assert!(Filter::parse("", "", "tanaka", "channel.").is_ok());
    }
}

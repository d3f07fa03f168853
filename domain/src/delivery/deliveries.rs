//! Deliveries (配信): what staff edit (title, department, channel, messages, target, timing) and
//! the one fixed set of statuses it moves through ([`DeliveryStatus`]).
//!
//! ```text
//! 下書き ──schedule(Now)──▶ 送信中 ──engine──▶ 送信済み / 一部失敗 / 失敗 / 停止 (stop)
//!   │  ▲                      ▲
//!   │  └──── 取消 ◀─cancel─┐  │ (a run starts)
//!   └─schedule(At/Repeat)─▶ 予約済み ──(later than DELIVERY_MISSED_AFTER)──▶ 見送り
//! ```
//! A repeated delivery goes back to 予約済み after each occurrence while another one is ahead.
//!
//! - Every change is checked against the version staff loaded ([`DomainError::Conflict`] when
//!   another member of staff saved first): nothing is lost silently.
//! - Department scope like 定型文: a delivery of another department is "not found".
//! - Drafts, scheduled and cancelled deliveries can be edited (`DeliveryStatus::is_editable`); a sent one is read
//!   only, but can be copied into a new draft.
//! - Scheduling counts the audience at that moment and refuses an empty one (the status stays
//!   as it was); the count goes into the audit log with who did it.
//! - Sending is the engine's ([`super::engine`]): scheduling enqueues its job.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use line::message::Message;
use model::access::Scope;
use model::delivery::{DeliveryMenu, TITLE_MAX_CHARS, Target, Timing};
use model::status::{DeliveryStatus, Environment, SendStatus};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::json;

use super::engine;
use super::timing;
use crate::audience::index::AudienceIndex;
use crate::audience::segments;
use crate::db::Page;
use crate::entities::{
    delivery, delivery_run, delivery_test, line_channel, line_send, rich_menu, segment,
};
use crate::security::audit::{self, Actor};
use crate::staff::scope::{ScopeCondition, check_owner, department_names};
use crate::{DateTime, DomainError, DomainResult};

/// Rows per page of the list.
pub const PER_PAGE: u64 = 50;
/// Messages a delivery carries at most (LINE's limit per request).
pub const MAX_MESSAGES: usize = 5;

/// What staff fill in.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryInput {
    pub department_id: i64,
    pub channel_id: i64,
    pub title: String,
    pub messages: Vec<Message>,
    pub target: Target,
    pub timing: Timing,
    /// Links of the messages staff chose not to track (`delivery::links`): sent as they are.
    pub untracked_links: Vec<String>,
    /// 「クリックした人を記録」: one push per friend, with links of their own.
    pub per_person_clicks: bool,
    /// The rich menu its recipients see once it is sent.
    pub rich_menu: Option<DeliveryMenu>,
}

/// One occurrence of a delivery (a run) and how sending it went.
#[derive(Clone, Debug, PartialEq)]
pub struct RunView {
    pub id: i64,
    /// The planned time (when staff pressed 送信 for a delivery sent now).
    pub occurrence_at: DateTime,
    /// 送信中, 送信済み, 一部失敗, 失敗, 停止 or 見送り.
    pub status: DeliveryStatus,
    /// Recipients resolved when it started.
    pub audience: Option<i64>,
    /// Recipients whose batch LINE accepted.
    pub sent: i64,
    /// Recipients whose batch LINE refused (or could not be confirmed).
    pub failed: i64,
    /// Recipients whose batch is still to be sent.
    pub pending: i64,
    /// Recipients whose batch was not sent because staff stopped the delivery.
    pub cancelled: i64,
    pub started_at: Option<DateTime>,
    pub finished_at: Option<DateTime>,
    /// Why it was missed or failed, for staff (Japanese).
    pub note: Option<String>,
    /// Staff asked to stop it; batches not yet sent will not be.
    pub stop_requested: bool,
    /// An estimate while it sends, from the pace so far (at most LINE's rate).
    pub seconds_left: Option<u64>,
    /// LINE's errors, one per refused batch (Japanese), the same error once.
    pub errors: Vec<String>,
}

impl RunView {
    /// Recipients in all (the audience, or the batches' recipients).
    pub fn total(&self) -> i64 {
        self.audience
            .unwrap_or(self.sent + self.failed + self.pending + self.cancelled)
    }
}

/// A test send (テスト配信) of a delivery.
#[derive(Clone, Debug, PartialEq)]
pub struct TestView {
    pub id: i64,
    pub created_at: DateTime,
    pub created_by: String,
    /// The test recipients' names.
    pub names: Vec<String>,
    pub recipients: i32,
    /// Sent to the test recipients who match the delivery's target.
    pub by_target: bool,
    pub status: SendStatus,
    /// LINE's error, or why it is still pending (Japanese).
    pub error: Option<String>,
}

/// A delivery with everything its page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryView {
    pub id: i64,
    pub department_id: i64,
    pub department_name: String,
    pub channel_id: i64,
    pub channel_key: String,
    pub channel_name: String,
    /// 本番 or テスト: always shown.
    pub environment: Environment,
    /// Served by the built-in sandbox (nothing reaches LINE).
    pub sandbox: bool,
    pub title: String,
    pub messages: Vec<Message>,
    pub target: Target,
    pub timing: Timing,
    /// Links sent as they are, without click tracking.
    pub untracked_links: Vec<String>,
    /// Records who clicked (sent one push per friend).
    pub per_person_clicks: bool,
    /// The rich menu its recipients see once it is sent.
    pub rich_menu: Option<DeliveryMenuView>,
    /// 「毎週 火・金 07:00（2026-12-01〜2027-03-31、除外 2日）」.
    pub timing_summary: String,
    pub status: DeliveryStatus,
    /// What an update, schedule or cancel must name (it changes with every change by staff).
    pub version: i32,
    /// The next planned time while scheduled.
    pub next_at: Option<DateTime>,
    pub copied_from: Option<i64>,
    pub created_at: DateTime,
    pub created_by: String,
    pub updated_at: DateTime,
    pub updated_by: String,
    /// Newest first.
    pub runs: Vec<RunView>,
    /// Newest first.
    pub tests: Vec<TestView>,
}

/// A delivery's rich menu as staff read it.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryMenuView {
    pub menu_id: i64,
    /// The menu's title (empty if it was deleted meanwhile).
    pub title: String,
    pub until: Option<DateTime>,
}

/// A delivery in the list.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryRow {
    pub id: i64,
    pub title: String,
    pub status: DeliveryStatus,
    pub department_id: i64,
    pub department_name: String,
    pub channel_id: i64,
    /// The channel's name, or its key when it has none.
    pub channel_label: String,
    pub environment: Environment,
    pub sandbox: bool,
    pub timing_summary: String,
    pub next_at: Option<DateTime>,
    /// When its latest run started.
    pub last_sent_at: Option<DateTime>,
    /// The latest run's audience.
    pub audience: Option<i64>,
    /// Recipients the latest run reached.
    pub sent: i64,
    pub updated_at: DateTime,
}

/// The list's filters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub status: Option<DeliveryStatus>,
    pub department_id: Option<i64>,
    pub channel_id: Option<i64>,
    /// Part of the title (case ignored for ASCII).
    pub query: String,
    /// Zero-based.
    pub page: u64,
}

/// A delivery on a day of the calendar: a planned occurrence (予約済み) or a run.
#[derive(Clone, Debug, PartialEq)]
pub struct CalendarEntry {
    /// The day in Japan.
    pub date: NaiveDate,
    /// `HH:MM` in Japan.
    pub time: String,
    pub at: DateTime,
    pub delivery_id: i64,
    pub title: String,
    /// 予約済み for what is planned; the run's status for what happened.
    pub status: DeliveryStatus,
    pub repeated: bool,
}

fn not_found() -> DomainError {
    DomainError::NotFound("指定された配信はありません。".into())
}

fn conflict() -> DomainError {
    DomainError::Conflict(
        "この配信は、あなたが開いた後にほかの職員（または配信処理）によって変更されました。画面を再読み込みして最新の内容を確認してから、もう一度操作してください。"
            .into(),
    )
}

fn json_of<T: serde::Serialize>(value: &T, what: &str) -> DomainResult<String> {
    serde_json::to_string(value).map_err(|e| DomainError::Internal(format!("{what}: {e}")))
}

fn read<T: serde::de::DeserializeOwned>(text: &str, what: &str, id: i64) -> DomainResult<T> {
    serde_json::from_str(text)
        .map_err(|e| DomainError::Internal(format!("delivery {id} has unreadable {what}: {e}")))
}

/// A delivery row's messages, target and timing.
pub(crate) fn contents_of(row: &delivery::Model) -> DomainResult<(Vec<Message>, Target, Timing)> {
    Ok((
        read(&row.messages, "messages", row.id)?,
        read(&row.target, "target", row.id)?,
        read(&row.timing, "timing", row.id)?,
    ))
}

pub(crate) async fn find_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> DomainResult<delivery::Model> {
    delivery::Entity::find_by_id(id)
        .filter(scope.condition(delivery::Column::DepartmentId))
        .one(db)
        .await?
        .ok_or_else(not_found)
}

fn validate_title(raw: &str) -> DomainResult<String> {
    let title = raw.trim();
    let len = title.chars().count();
    if len == 0 || len > TITLE_MAX_CHARS || title.chars().any(char::is_control) {
        return Err(DomainError::Invalid(format!(
            "配信名は1〜{TITLE_MAX_CHARS}文字で、改行などの制御文字を含めずに入力してください。"
        )));
    }
    Ok(title.to_owned())
}

fn check_messages(messages: &[Message], required: bool) -> DomainResult<()> {
    if messages.is_empty() {
        return if required {
            Err(DomainError::Invalid(
                "メッセージを1件以上入れてください。".into(),
            ))
        } else {
            Ok(())
        };
    }
    if messages.len() > MAX_MESSAGES {
        return Err(DomainError::Invalid(format!(
            "メッセージは{MAX_MESSAGES}件までです。"
        )));
    }
    let violations = line::validate::messages(messages);
    if violations.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Invalid(
            violations
                .iter()
                .map(|v| v.message_ja())
                .collect::<Vec<_>>()
                .join("\n"),
        ))
    }
}

/// Checks what staff filled in, as a draft may have it: the department is theirs, the channel
/// exists, the title and messages fit, the saved segments are theirs and every condition fits
/// the attributes.
/// Checks staff's input; answers the title to store and the rich menu (design id, until).
async fn check_input(
    db: &DatabaseConnection,
    scope: &Scope,
    input: &DeliveryInput,
    now: DateTime,
) -> DomainResult<(String, Option<(i64, Option<DateTime>)>)> {
    let title = validate_title(&input.title)?;
    check_owner(db, scope, input.department_id).await?;
    if line_channel::Entity::find_by_id(input.channel_id)
        .one(db)
        .await?
        .is_none()
    {
        return Err(DomainError::Invalid(
            "配信する LINE チャネルを選んでください。".into(),
        ));
    }
    check_messages(&input.messages, false)?;
    timing::check_form(&input.timing)?;
    let ids: Vec<i64> = input
        .target
        .segment_ids
        .iter()
        .chain(&input.target.exclude_segment_ids)
        .copied()
        .collect();
    if !ids.is_empty() {
        let visible = segment::Entity::find()
            .filter(segment::Column::Id.is_in(ids.iter().copied()))
            .filter(scope.condition(segment::Column::DepartmentId))
            .count(db)
            .await?;
        let distinct: std::collections::HashSet<i64> = ids.iter().copied().collect();
        if visible < distinct.len() as u64 {
            return Err(DomainError::Invalid(
                "選んだセグメントが見つかりません。削除されたか、担当外の部署のセグメントです。"
                    .into(),
            ));
        }
    }
    if !input.target.is_empty() || !input.target.exclude_segment_ids.is_empty() {
        segments::selection(db, &input.target).await?;
    }
    if let Some(rule) = &input.target.rule {
        segments::check_click_deliveries(db, scope, rule).await?;
    }
    let menu = match &input.rich_menu {
        Some(chosen) => {
            crate::menus::designs::find_in_scope(db, scope, chosen.menu_id).await?;
            let until = crate::time::parse_local_minute(&chosen.until, "リッチメニューの表示期限")?;
            if until.is_some_and(|u| u <= now) {
                return Err(DomainError::Invalid(
                    "リッチメニューの表示期限が過ぎています。これから先の日時にしてください。"
                        .into(),
                ));
            }
            Some((chosen.menu_id, until))
        }
        None => None,
    };
    Ok((title, menu))
}

/// The audience of `target` on `channel_id` at `now`: following friends who match it.
pub async fn count_audience(
    db: &DatabaseConnection,
    index: &AudienceIndex,
    channel_id: i64,
    target: &Target,
    now: DateTime,
) -> DomainResult<u64> {
    if target.is_empty() {
        return Ok(0);
    }
    let selection = segments::selection(db, target).await?;
    index.count(db, channel_id, &selection, now).await
}

/// The audience of a delivery at `now`, for the confirmation before sending or scheduling.
pub async fn audience(
    db: &DatabaseConnection,
    index: &AudienceIndex,
    scope: &Scope,
    id: i64,
    now: DateTime,
) -> DomainResult<u64> {
    let row = find_in_scope(db, scope, id).await?;
    let (_, target, _) = contents_of(&row)?;
    count_audience(db, index, row.channel_id, &target, now).await
}

/// The audience for the audit log, or `None` when the target is incomplete or names something
/// gone (a draft may be either).
async fn audience_for_audit(
    db: &DatabaseConnection,
    index: &AudienceIndex,
    channel_id: i64,
    target: &Target,
    now: DateTime,
) -> Option<u64> {
    if target.is_empty() {
        return None;
    }
    count_audience(db, index, channel_id, target, now)
        .await
        .ok()
}

/// Writes one audit entry about a delivery.
async fn audit_delivery<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    action: &str,
    row: &delivery::Model,
    audience: Option<u64>,
    extra: serde_json::Value,
) -> DomainResult<()> {
    let timing: Timing = serde_json::from_str(&row.timing).unwrap_or_default();
    let mut summary = json!({
        "title": row.title,
        "department_id": row.department_id,
        "channel_id": row.channel_id,
        "status": row.status.key(),
        "timing": timing::summary_ja(&timing),
        "version": row.version,
        "audience": audience,
    });
    if let (Some(map), serde_json::Value::Object(more)) = (summary.as_object_mut(), extra) {
        map.extend(more);
    }
    let id = row.id.to_string();
    audit::record(db, actor, action, "delivery", Some(&id), summary).await
}

// ---------------------------------------------------------------------------------------------
// Reading

/// The deliveries in `scope` that pass `filter`, most recently changed first.
pub async fn list(
    db: &DatabaseConnection,
    scope: &Scope,
    filter: &ListFilter,
) -> DomainResult<Page<DeliveryRow>> {
    let mut select = delivery::Entity::find()
        .filter(scope.condition(delivery::Column::DepartmentId))
        .order_by_desc(delivery::Column::UpdatedAt)
        .order_by_desc(delivery::Column::Id);
    if let Some(status) = filter.status {
        select = select.filter(delivery::Column::Status.eq(status));
    }
    if let Some(department) = filter.department_id {
        select = select.filter(delivery::Column::DepartmentId.eq(department));
    }
    if let Some(channel) = filter.channel_id {
        select = select.filter(delivery::Column::ChannelId.eq(channel));
    }
    let query = filter.query.trim();
    if !query.is_empty() {
        let pattern = format!(
            "%{}%",
            query
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        select = select.filter(
            Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(
                delivery::Column::Title,
            )))
            .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\')),
        );
    }
    let page = crate::db::paginate(db, select, filter.page, PER_PAGE).await?;
    let ids: Vec<i64> = page.rows.iter().map(|r| r.id).collect();
    let latest = latest_runs(db, &ids).await?;
    let names = department_names(db).await?;
    let channels = channels(db).await?;
    Ok(page.map(|row| {
        let timing: Timing = serde_json::from_str(&row.timing).unwrap_or_default();
        let channel = channels.get(&row.channel_id);
        let run = latest.get(&row.id);
        DeliveryRow {
            id: row.id,
            title: row.title,
            status: row.status,
            department_id: row.department_id,
            department_name: names.get(&row.department_id).cloned().unwrap_or_default(),
            channel_id: row.channel_id,
            channel_label: channel.map(channel_label).unwrap_or_default(),
            environment: channel.map_or(Environment::Production, |c| c.environment),
            sandbox: channel.is_some_and(|c| c.sandbox),
            timing_summary: timing::summary_ja(&timing),
            next_at: row.next_at,
            last_sent_at: run.and_then(|r| r.started_at),
            audience: run.and_then(|r| r.audience),
            sent: run.map_or(0, |r| r.sent),
            updated_at: row.updated_at,
        }
    }))
}

/// A channel's name, or its key when it has none.
pub(crate) fn channel_label(c: &line_channel::Model) -> String {
    if c.name.trim().is_empty() {
        c.key.clone()
    } else {
        c.name.clone()
    }
}

/// Every channel by id.
pub(crate) async fn channels(
    db: &impl ConnectionTrait,
) -> DomainResult<HashMap<i64, line_channel::Model>> {
    Ok(line_channel::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect())
}

/// The latest run (by occurrence) of each delivery.
async fn latest_runs(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> DomainResult<HashMap<i64, delivery_run::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let runs = delivery_run::Entity::find()
        .filter(delivery_run::Column::DeliveryId.is_in(ids.iter().copied()))
        .filter(delivery_run::Column::Status.ne(DeliveryStatus::Missed))
        .order_by_asc(delivery_run::Column::OccurrenceAt)
        .all(db)
        .await?;
    let mut latest = HashMap::new();
    for run in runs {
        latest.insert(run.delivery_id, run);
    }
    Ok(latest)
}

/// One delivery in `scope`, with its runs and test sends.
pub async fn get(db: &DatabaseConnection, scope: &Scope, id: i64) -> DomainResult<DeliveryView> {
    let row = find_in_scope(db, scope, id).await?;
    view_of(db, row).await
}

/// The runs of a delivery in `scope` (newest first), for the live progress while it sends.
pub async fn progress(
    db: &DatabaseConnection,
    scope: &Scope,
    id: i64,
) -> DomainResult<(DeliveryStatus, Vec<RunView>)> {
    let row = find_in_scope(db, scope, id).await?;
    Ok((
        row.status,
        runs_of(db, row.id, row.per_person_clicks).await?,
    ))
}

/// The links of `row` staff chose not to track.
pub(crate) fn untracked_links_of(row: &delivery::Model) -> Vec<String> {
    row.untracked_links
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default()
}

/// How the untracked links are stored: none as NULL.
fn untracked_json(links: &[String]) -> DomainResult<Option<String>> {
    if links.is_empty() {
        return Ok(None);
    }
    if links.len() > crate::delivery::links::MAX_LINKS {
        return Err(DomainError::Invalid(
            "計測しないリンクが多すぎます。".into(),
        ));
    }
    Ok(Some(json_of(&links, "untracked_links")?))
}

pub(crate) async fn view_of(
    db: &impl ConnectionTrait,
    row: delivery::Model,
) -> DomainResult<DeliveryView> {
    let (messages, target, timing) = contents_of(&row)?;
    let untracked_links = untracked_links_of(&row);
    let names = department_names(db).await?;
    let channel = line_channel::Entity::find_by_id(row.channel_id)
        .one(db)
        .await?;
    let runs = runs_of(db, row.id, row.per_person_clicks).await?;
    let tests = tests_of(db, row.id).await?;
    let rich_menu = match row.rich_menu_id {
        Some(menu_id) => Some(DeliveryMenuView {
            menu_id,
            title: rich_menu::Entity::find_by_id(menu_id)
                .one(db)
                .await?
                .map(|m| m.title)
                .unwrap_or_default(),
            until: row.rich_menu_until,
        }),
        None => None,
    };
    Ok(DeliveryView {
        id: row.id,
        department_id: row.department_id,
        department_name: names.get(&row.department_id).cloned().unwrap_or_default(),
        channel_id: row.channel_id,
        channel_key: channel.as_ref().map(|c| c.key.clone()).unwrap_or_default(),
        channel_name: channel.as_ref().map(channel_label).unwrap_or_default(),
        environment: channel
            .as_ref()
            .map_or(Environment::Production, |c| c.environment),
        sandbox: channel.as_ref().is_some_and(|c| c.sandbox),
        title: row.title,
        messages,
        timing_summary: timing::summary_ja(&timing),
        untracked_links,
        per_person_clicks: row.per_person_clicks,
        rich_menu,
        target,
        timing,
        status: row.status,
        version: row.version,
        next_at: row.next_at,
        copied_from: row.copied_from,
        created_at: row.created_at,
        created_by: row.created_by,
        updated_at: row.updated_at,
        updated_by: row.updated_by,
        runs,
        tests,
    })
}

/// Per status, the recipients and batches of a run's stored requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub sent: i64,
    pub failed: i64,
    pub pending: i64,
    pub cancelled: i64,
    pub sent_batches: i64,
    pub pending_batches: i64,
}

pub(crate) async fn tally(db: &impl ConnectionTrait, run_id: i64) -> DomainResult<Tally> {
    let rows: Vec<(SendStatus, i64, i64)> = line_send::Entity::find()
        .select_only()
        .column(line_send::Column::Status)
        .column_as(Expr::col(line_send::Column::Recipients).sum(), "recipients")
        .column_as(Expr::col(line_send::Column::Id).count(), "batches")
        .filter(line_send::Column::RunId.eq(run_id))
        .group_by(line_send::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut t = Tally::default();
    for (status, recipients, batches) in rows {
        match status {
            SendStatus::Sent => {
                t.sent += recipients;
                t.sent_batches += batches;
            }
            SendStatus::Failed | SendStatus::Expired => t.failed += recipients,
            SendStatus::Pending => {
                t.pending += recipients;
                t.pending_batches += batches;
            }
            SendStatus::Cancelled => t.cancelled += recipients,
        }
    }
    Ok(t)
}

async fn runs_of(
    db: &impl ConnectionTrait,
    delivery_id: i64,
    per_person: bool,
) -> DomainResult<Vec<RunView>> {
    let runs = delivery_run::Entity::find()
        .filter(delivery_run::Column::DeliveryId.eq(delivery_id))
        .order_by_desc(delivery_run::Column::OccurrenceAt)
        .all(db)
        .await?;
    let mut views = Vec::with_capacity(runs.len());
    let now = Utc::now();
    for run in runs {
        let t = tally(db, run.id).await?;
        let errors = if t.failed > 0 {
            run_errors(db, run.id).await?
        } else {
            Vec::new()
        };
        let sending = run.status == DeliveryStatus::Sending;
        // Recipients in no stored batch: still to store while it sends, not sent once it ended
        // (stopped first, or blocked meanwhile).
        let unstored = Ord::max(
            run.audience.unwrap_or(0) - t.sent - t.failed - t.pending - t.cancelled,
            0,
        );
        let (pending, cancelled) = if sending {
            (t.pending + unstored, t.cancelled)
        } else {
            (t.pending, t.cancelled + unstored)
        };
        let seconds_left = sending.then(|| {
            // A per-person run sends a request per friend.
            let per_request = if per_person { 1 } else { engine::BATCH as i64 };
            engine::seconds_left(
                t.pending_batches + (unstored + per_request - 1) / per_request,
                t.sent_batches,
                run.started_at.map(|s| now - s),
                per_person,
            )
        });
        views.push(RunView {
            id: run.id,
            occurrence_at: run.occurrence_at,
            status: run.status,
            audience: run.audience,
            sent: t.sent,
            failed: t.failed,
            pending,
            cancelled,
            started_at: run.started_at,
            finished_at: run.finished_at,
            note: run.note,
            stop_requested: run.stop_requested,
            seconds_left,
            errors,
        });
    }
    Ok(views)
}

/// LINE's errors for the refused batches of a run, each different text once, oldest first.
async fn run_errors(db: &impl ConnectionTrait, run_id: i64) -> DomainResult<Vec<String>> {
    let texts: Vec<Option<String>> = line_send::Entity::find()
        .select_only()
        .column(line_send::Column::Error)
        .filter(line_send::Column::RunId.eq(run_id))
        .filter(line_send::Column::Status.is_in([SendStatus::Failed, SendStatus::Expired]))
        .order_by_asc(line_send::Column::Id)
        .limit(200)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: Vec<String> = Vec::new();
    for text in texts.into_iter().flatten() {
        if !out.contains(&text) {
            out.push(text);
        }
    }
    Ok(out)
}

async fn tests_of(db: &impl ConnectionTrait, delivery_id: i64) -> DomainResult<Vec<TestView>> {
    let tests = delivery_test::Entity::find()
        .filter(delivery_test::Column::DeliveryId.eq(delivery_id))
        .order_by_desc(delivery_test::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = tests.iter().map(|t| t.send_id).collect();
    let sends: HashMap<i64, line_send::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        line_send::Entity::find()
            .filter(line_send::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect()
    };
    Ok(tests.into_iter().map(|t| test_view(t, &sends)).collect())
}

fn test_view(t: delivery_test::Model, sends: &HashMap<i64, line_send::Model>) -> TestView {
    let send = sends.get(&t.send_id);
    TestView {
        id: t.id,
        created_at: t.created_at,
        created_by: t.created_by,
        names: serde_json::from_str(&t.names).unwrap_or_default(),
        recipients: t.recipients,
        by_target: t.by_target,
        status: send.map_or(SendStatus::Pending, |s| s.status),
        error: send.and_then(|s| s.error.clone()),
    }
}

/// The test view of one stored test send.
pub(crate) async fn test_view_of(
    db: &impl ConnectionTrait,
    t: delivery_test::Model,
) -> DomainResult<TestView> {
    let sends: HashMap<i64, line_send::Model> = line_send::Entity::find_by_id(t.send_id)
        .one(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    Ok(test_view(t, &sends))
}

// ---------------------------------------------------------------------------------------------
// Changing

/// A new draft.
pub async fn create(
    db: &DatabaseConnection,
    index: &AudienceIndex,
    actor: &Actor,
    scope: &Scope,
    input: DeliveryInput,
    now: DateTime,
) -> DomainResult<DeliveryView> {
    let (title, menu) = check_input(db, scope, &input, now).await?;
    let audience = audience_for_audit(db, index, input.channel_id, &input.target, now).await;
    let txn = db.begin().await?;
    let row = delivery::ActiveModel {
        department_id: Set(input.department_id),
        channel_id: Set(input.channel_id),
        title: Set(title),
        messages: Set(json_of(&input.messages, "messages")?),
        target: Set(json_of(&input.target, "target")?),
        timing: Set(json_of(&input.timing, "timing")?),
        untracked_links: Set(untracked_json(&input.untracked_links)?),
        per_person_clicks: Set(input.per_person_clicks),
        rich_menu_id: Set(menu.map(|m| m.0)),
        rich_menu_until: Set(menu.and_then(|m| m.1)),
        status: Set(DeliveryStatus::Draft),
        version: Set(1),
        next_at: Set(None),
        copied_from: Set(None),
        created_at: Set(now),
        created_by: Set(actor.username.clone()),
        updated_at: Set(now),
        updated_by: Set(actor.username.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit_delivery(&txn, actor, "delivery.create", &row, audience, json!({})).await?;
    txn.commit().await?;
    view_of(db, row).await
}

/// The delivery staff loaded at `version`, if it is still that version and editable (下書き,
/// 予約済み, 取消); else why not, naming what staff tried (`変更`, `送信・予約`).
async fn editable_at(
    db: &DatabaseConnection,
    scope: &Scope,
    id: i64,
    version: i32,
    what: &str,
) -> DomainResult<delivery::Model> {
    let row = find_in_scope(db, scope, id).await?;
    if row.version != version {
        return Err(conflict());
    }
    if !row.status.is_editable() {
        return Err(DomainError::Invalid(format!(
            "{}の配信は{what}できません。コピーして新しい配信を作ってください。",
            row.status.label_ja()
        )));
    }
    Ok(row)
}

/// Saves staff's changes to a delivery they loaded at `version`. A scheduled delivery stays
/// scheduled with its new timing (checked again, and planned anew).
#[allow(clippy::too_many_arguments)]
pub async fn update(
    db: &DatabaseConnection,
    index: &AudienceIndex,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    version: i32,
    input: DeliveryInput,
    now: DateTime,
) -> DomainResult<DeliveryView> {
    let existing = editable_at(db, scope, id, version, "変更").await?;
    let (title, menu) = check_input(db, scope, &input, now).await?;
    let audience = audience_for_audit(db, index, input.channel_id, &input.target, now).await;
    let scheduled = existing.status == DeliveryStatus::Scheduled;
    let mut next_at = None;
    if scheduled {
        if input.timing == Timing::Now {
            return Err(DomainError::Invalid(
                "予約済みの配信を「すぐに配信」に変えるには、予約を解除してから送信してください。"
                    .into(),
            ));
        }
        check_ready(&input.messages, &input.target)?;
        timing::check(&input.timing, now)?;
        next_at = timing::next_after(&input.timing, now);
    }
    let new_version = version + 1;
    let txn = db.begin().await?;
    let updated = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::DepartmentId,
            Expr::value(input.department_id),
        )
        .col_expr(delivery::Column::ChannelId, Expr::value(input.channel_id))
        .col_expr(delivery::Column::Title, Expr::value(title))
        .col_expr(
            delivery::Column::Messages,
            Expr::value(json_of(&input.messages, "messages")?),
        )
        .col_expr(
            delivery::Column::Target,
            Expr::value(json_of(&input.target, "target")?),
        )
        .col_expr(
            delivery::Column::Timing,
            Expr::value(json_of(&input.timing, "timing")?),
        )
        .col_expr(
            delivery::Column::UntrackedLinks,
            Expr::value(untracked_json(&input.untracked_links)?),
        )
        .col_expr(
            delivery::Column::PerPersonClicks,
            Expr::value(input.per_person_clicks),
        )
        .col_expr(delivery::Column::RichMenuId, Expr::value(menu.map(|m| m.0)))
        .col_expr(
            delivery::Column::RichMenuUntil,
            Expr::value(menu.and_then(|m| m.1)),
        )
        .col_expr(delivery::Column::Version, Expr::value(new_version))
        .col_expr(delivery::Column::NextAt, Expr::value(next_at))
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            delivery::Column::UpdatedBy,
            Expr::value(actor.username.clone()),
        )
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::Version.eq(version))
        .filter(delivery::Column::Status.eq(existing.status))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(conflict());
    }
    if let Some(at) = next_at {
        engine::enqueue(&txn, id, new_version, at, now).await?;
    }
    let row = delivery::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    audit_delivery(&txn, actor, "delivery.update", &row, audience, json!({})).await?;
    txn.commit().await?;
    view_of(db, row).await
}

/// A new draft with the contents of a delivery in `scope` (any status), titled 「…（コピー）」.
pub async fn copy(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
) -> DomainResult<DeliveryView> {
    let source = find_in_scope(db, scope, id).await?;
    let suffix = "（コピー）";
    let keep = TITLE_MAX_CHARS - suffix.chars().count();
    let title: String = source.title.chars().take(keep).collect::<String>() + suffix;
    let now = Utc::now();
    let txn = db.begin().await?;
    let row = delivery::ActiveModel {
        department_id: Set(source.department_id),
        channel_id: Set(source.channel_id),
        title: Set(title),
        messages: Set(source.messages.clone()),
        target: Set(source.target.clone()),
        timing: Set(source.timing.clone()),
        untracked_links: Set(source.untracked_links.clone()),
        per_person_clicks: Set(source.per_person_clicks),
        rich_menu_id: Set(source.rich_menu_id),
        rich_menu_until: Set(source.rich_menu_until),
        status: Set(DeliveryStatus::Draft),
        version: Set(1),
        next_at: Set(None),
        copied_from: Set(Some(source.id)),
        created_at: Set(now),
        created_by: Set(actor.username.clone()),
        updated_at: Set(now),
        updated_by: Set(actor.username.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit_delivery(
        &txn,
        actor,
        "delivery.create",
        &row,
        None,
        json!({ "copied_from": source.id }),
    )
    .await?;
    txn.commit().await?;
    view_of(db, row).await
}

/// Deletes a draft or a cancelled delivery that never sent anything.
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
) -> DomainResult<()> {
    let row = find_in_scope(db, scope, id).await?;
    if !matches!(
        row.status,
        DeliveryStatus::Draft | DeliveryStatus::Cancelled
    ) {
        return Err(DomainError::Invalid(
            "削除できるのは下書きと取消の配信だけです。".into(),
        ));
    }
    let runs = delivery_run::Entity::find()
        .filter(delivery_run::Column::DeliveryId.eq(id))
        .count(db)
        .await?;
    if runs > 0 {
        return Err(DomainError::Invalid(
            "送信の記録がある配信は削除できません。".into(),
        ));
    }
    let txn = db.begin().await?;
    let deleted = delivery::Entity::delete_many()
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::Version.eq(row.version))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(conflict());
    }
    audit_delivery(&txn, actor, "delivery.delete", &row, None, json!({})).await?;
    txn.commit().await?;
    Ok(())
}

fn no_recipients() -> DomainError {
    DomainError::Invalid(
        "配信対象の友だちがいません（0人）。対象の条件を見直してください。配信は予約・送信されていません。"
            .into(),
    )
}

/// A delivery naming a rich menu is sent only once the menu is on LINE for its channel (so
/// that linking its recipients cannot wait on LINE's hourly limit on new menus), and only if
/// the menu is still to be shown after the send time `at`.
async fn check_menu_ready(
    db: &DatabaseConnection,
    row: &delivery::Model,
    at: DateTime,
) -> DomainResult<()> {
    let Some(menu_id) = row.rich_menu_id else {
        return Ok(());
    };
    let title = rich_menu::Entity::find_by_id(menu_id)
        .one(db)
        .await?
        .map(|m| m.title)
        .ok_or_else(|| {
            DomainError::Invalid(
                "配信で切り替えるリッチメニューが削除されています。配信を編集して選び直してください。"
                    .into(),
            )
        })?;
    if !crate::menus::links::live_menus(db, row.channel_id)
        .await?
        .contains_key(&menu_id)
    {
        return Err(DomainError::Invalid(format!(
            "リッチメニュー「{title}」はこの配信のチャネルにまだ公開されていません。メニューの画面で「切り替え用に公開」してから送信・予約してください。"
        )));
    }
    if row.rich_menu_until.is_some_and(|until| until <= at) {
        return Err(DomainError::Invalid(
            "リッチメニューの表示期限が配信日時より前です。期限を配信日時より後にしてください。"
                .into(),
        ));
    }
    Ok(())
}

/// What sending needs beyond a draft: messages and a target.
fn check_ready(messages: &[Message], target: &Target) -> DomainResult<()> {
    check_messages(messages, true)?;
    if target.is_empty() {
        return Err(DomainError::Invalid(
            "配信対象を選んでください（すべての友だち、セグメント、または条件）。".into(),
        ));
    }
    Ok(())
}

/// Sends now (Timing::Now: 送信中 until the engine is done) or schedules (予約済み) a delivery
/// staff loaded at `version`. Refused with the status unchanged when: the version is stale, the
/// delivery cannot be sent from its status, the time has passed, the repeat never occurs, or
/// nobody would receive it. Audited with the audience at this moment.
pub async fn schedule(
    db: &DatabaseConnection,
    index: &AudienceIndex,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    version: i32,
    now: DateTime,
) -> DomainResult<DeliveryView> {
    let row = editable_at(db, scope, id, version, "送信・予約").await?;
    let (messages, target, timing) = contents_of(&row)?;
    check_ready(&messages, &target)?;
    timing::check(&timing, now)?;
    let audience = count_audience(db, index, row.channel_id, &target, now).await?;
    if audience == 0 {
        return Err(no_recipients());
    }
    let (status, at, action) = match timing {
        Timing::Now => (DeliveryStatus::Sending, now, "delivery.send"),
        _ => match timing::next_after(&timing, now) {
            Some(at) => (DeliveryStatus::Scheduled, at, "delivery.schedule"),
            None => return Err(DomainError::Invalid("配信日時が過ぎています。".into())),
        },
    };
    check_menu_ready(db, &row, at).await?;
    let new_version = version + 1;
    let txn = db.begin().await?;
    let updated = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(status))
        .col_expr(delivery::Column::Version, Expr::value(new_version))
        .col_expr(delivery::Column::NextAt, Expr::value(Some(at)))
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            delivery::Column::UpdatedBy,
            Expr::value(actor.username.clone()),
        )
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::Version.eq(version))
        .filter(delivery::Column::Status.eq(row.status))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(conflict());
    }
    engine::enqueue(&txn, id, new_version, at, now).await?;
    let row = delivery::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    audit_delivery(
        &txn,
        actor,
        action,
        &row,
        Some(audience),
        json!({ "at": at }),
    )
    .await?;
    txn.commit().await?;
    if status == DeliveryStatus::Sending {
        crate::jobs::wake();
    }
    view_of(db, row).await
}

/// 解除: a scheduled delivery (loaded at `version`) goes back to being editable, as 取消; its
/// planned job finds a newer version and does nothing.
pub async fn cancel(
    db: &DatabaseConnection,
    index: &AudienceIndex,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    version: i32,
    now: DateTime,
) -> DomainResult<DeliveryView> {
    let row = find_in_scope(db, scope, id).await?;
    if row.version != version {
        return Err(conflict());
    }
    if row.status != DeliveryStatus::Scheduled {
        return Err(DomainError::Invalid(format!(
            "予約を解除できるのは予約済みの配信だけです（この配信は{}です）。",
            row.status.label_ja()
        )));
    }
    let (_, target, _) = contents_of(&row)?;
    let audience = audience_for_audit(db, index, row.channel_id, &target, now).await;
    let txn = db.begin().await?;
    let updated = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            Expr::value(DeliveryStatus::Cancelled),
        )
        .col_expr(delivery::Column::Version, Expr::value(version + 1))
        .col_expr(
            delivery::Column::NextAt,
            Expr::value(Option::<DateTime>::None),
        )
        .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            delivery::Column::UpdatedBy,
            Expr::value(actor.username.clone()),
        )
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::Version.eq(version))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Scheduled))
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(conflict());
    }
    let row = delivery::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    audit_delivery(&txn, actor, "delivery.cancel", &row, audience, json!({})).await?;
    txn.commit().await?;
    view_of(db, row).await
}

/// Stops a delivery while it sends: batches not yet sent are not sent, and it ends as 停止 with
/// its counts. (A repeated delivery's later occurrences stay planned; cancel them with
/// [`cancel`] once this one has stopped.)
pub async fn stop(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
) -> DomainResult<DeliveryView> {
    let row = find_in_scope(db, scope, id).await?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let mark_runs = || {
        delivery_run::Entity::update_many()
            .col_expr(delivery_run::Column::StopRequested, Expr::value(true))
            .filter(delivery_run::Column::DeliveryId.eq(id))
            .filter(delivery_run::Column::Status.eq(DeliveryStatus::Sending))
    };
    let marked = mark_runs().exec(&txn).await?.rows_affected;
    if marked == 0 {
        // Sent now, but its run has not started: it never will.
        let stopped = delivery::Entity::update_many()
            .col_expr(
                delivery::Column::Status,
                Expr::value(DeliveryStatus::Stopped),
            )
            .col_expr(
                delivery::Column::Version,
                Expr::col(delivery::Column::Version).add(1),
            )
            .col_expr(
                delivery::Column::NextAt,
                Expr::value(Option::<DateTime>::None),
            )
            .col_expr(delivery::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                delivery::Column::UpdatedBy,
                Expr::value(actor.username.clone()),
            )
            .filter(delivery::Column::Id.eq(id))
            .filter(delivery::Column::Status.eq(DeliveryStatus::Sending))
            .exec(&txn)
            .await?
            .rows_affected;
        if stopped == 0 {
            return Err(DomainError::Invalid(format!(
                "停止できるのは送信中の配信だけです（この配信は{}です）。",
                row.status.label_ja()
            )));
        }
        // A run that started meanwhile (it committed while this waited) stops too.
        mark_runs().exec(&txn).await?;
    }
    let run = delivery_run::Entity::find()
        .filter(delivery_run::Column::DeliveryId.eq(id))
        .filter(delivery_run::Column::Status.eq(DeliveryStatus::Sending))
        .one(&txn)
        .await?;
    let (audience, sent) = match &run {
        Some(run) => (
            run.audience.and_then(|a| u64::try_from(a).ok()),
            tally(&txn, run.id).await?.sent,
        ),
        None => (None, 0),
    };
    let current = delivery::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    audit_delivery(
        &txn,
        actor,
        "delivery.stop",
        &current,
        audience,
        json!({ "run_id": run.as_ref().map(|r| r.id), "sent_so_far": sent }),
    )
    .await?;
    txn.commit().await?;
    view_of(db, current).await
}

/// What is planned and what was sent in a month (Japan time) of the deliveries in `scope`:
/// each run on its day, and each planned occurrence of scheduled deliveries.
pub async fn calendar(
    db: &DatabaseConnection,
    scope: &Scope,
    year: i32,
    month: u32,
) -> DomainResult<Vec<CalendarEntry>> {
    let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
        return Err(DomainError::Invalid("年月が正しくありません。".into()));
    };
    let next_month = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(|| DomainError::Invalid("年月が正しくありません。".into()))?;
    let (from, until) = (
        crate::time::start_of_day(first),
        crate::time::start_of_day(next_month),
    );
    let rows = delivery::Entity::find()
        .filter(scope.condition(delivery::Column::DepartmentId))
        .filter(delivery::Column::Status.ne(DeliveryStatus::Draft))
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let runs = if ids.is_empty() {
        Vec::new()
    } else {
        delivery_run::Entity::find()
            .filter(delivery_run::Column::DeliveryId.is_in(ids.iter().copied()))
            .filter(delivery_run::Column::OccurrenceAt.gte(from))
            .filter(delivery_run::Column::OccurrenceAt.lt(until))
            .all(db)
            .await?
    };
    let by_id: HashMap<i64, &delivery::Model> = rows.iter().map(|r| (r.id, r)).collect();
    let mut entries = Vec::new();
    let entry = |d: &delivery::Model, at: DateTime, status: DeliveryStatus| {
        let repeated = d.timing.contains("\"repeat\"");
        CalendarEntry {
            date: crate::time::day_of(at),
            time: crate::time::clock(at),
            at,
            delivery_id: d.id,
            title: d.title.clone(),
            status,
            repeated,
        }
    };
    for run in &runs {
        if let Some(d) = by_id.get(&run.delivery_id) {
            entries.push(entry(d, run.occurrence_at, run.status));
        }
    }
    for d in &rows {
        if !matches!(
            d.status,
            DeliveryStatus::Scheduled | DeliveryStatus::Sending
        ) {
            continue;
        }
        let Some(next) = d.next_at else { continue };
        let timing: Timing = serde_json::from_str(&d.timing).unwrap_or_default();
        let start = std::cmp::max(from, next);
        for at in timing::occurrences(&timing, start, until) {
            let done = runs
                .iter()
                .any(|r| r.delivery_id == d.id && r.occurrence_at == at);
            if !done {
                entries.push(entry(d, at, DeliveryStatus::Scheduled));
            }
        }
    }
    entries.sort_by_key(|a| (a.at, a.delivery_id));
    Ok(entries)
}

/// The next `limit` scheduled deliveries of channel `channel_id` in `scope`, soonest first (the
/// dashboard).
pub async fn upcoming(
    db: &DatabaseConnection,
    scope: &Scope,
    channel_id: i64,
    limit: u64,
) -> DomainResult<Vec<DeliveryRow>> {
    use sea_orm::QuerySelect as _;
    let rows = delivery::Entity::find()
        .filter(scope.condition(delivery::Column::DepartmentId))
        .filter(delivery::Column::ChannelId.eq(channel_id))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Scheduled))
        .filter(delivery::Column::NextAt.is_not_null())
        .order_by_asc(delivery::Column::NextAt)
        .limit(limit)
        .all(db)
        .await?;
    let names = department_names(db).await?;
    let channels = channels(db).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let timing: Timing = serde_json::from_str(&row.timing).unwrap_or_default();
            let channel = channels.get(&row.channel_id);
            DeliveryRow {
                id: row.id,
                title: row.title,
                status: row.status,
                department_id: row.department_id,
                department_name: names.get(&row.department_id).cloned().unwrap_or_default(),
                channel_id: row.channel_id,
                channel_label: channel.map(channel_label).unwrap_or_default(),
                environment: channel.map_or(Environment::Production, |c| c.environment),
                sandbox: channel.is_some_and(|c| c.sandbox),
                timing_summary: timing::summary_ja(&timing),
                next_at: row.next_at,
                last_sent_at: None,
                audience: None,
                sent: 0,
                updated_at: row.updated_at,
            }
        })
        .collect())
}

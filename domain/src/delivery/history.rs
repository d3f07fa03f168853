//! 配信履歴: every run that was sent, with its figures (配信数, LINE's 開封数 and 開封率, our
//! click counts), sorted and filtered as staff ask, in department scope; its CSV; the test
//! sends apart; and the report of one delivery's runs (per message, per link, over time).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use model::access::Scope;
use model::delivery::{Figure, Target, open_rate, rate_label};
use model::status::{DeliveryStatus, Environment};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::delivery::deliveries::{channel_label, channels};
use crate::delivery::links;
use crate::delivery::statistics;
use crate::entities::{
    delivery, delivery_run, delivery_run_content, delivery_test, line_send, link_click, segment,
    tracked_link,
};
use crate::staff::scope::{ScopeCondition, department_names};
use crate::{DateTime, DomainError, DomainResult};

/// The CSV's cell for a row whose figures include the sandbox's simulated audience.
const SIMULATED_NOTE: &str = "模擬の利用者を含む";

/// Rows per page.
pub const PER_PAGE: usize = 50;
/// Runs one history or export reads at most (a city sends a few thousand a year).
pub const MAX_RUNS: u64 = 20_000;

/// What the history is sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortKey {
    #[default]
    SentAt,
    Title,
    Department,
    Channel,
    Delivered,
    Opens,
    OpenRate,
    Clicks,
    /// 配信対象, by its summary.
    Target,
    /// 状態, in the order a run goes through them (送信中, 送信済み, 一部失敗, 失敗, 停止).
    Status,
}

impl SortKey {
    pub const ALL: [SortKey; 10] = [
        SortKey::SentAt,
        SortKey::Title,
        SortKey::Department,
        SortKey::Channel,
        SortKey::Delivered,
        SortKey::Opens,
        SortKey::OpenRate,
        SortKey::Clicks,
        SortKey::Target,
        SortKey::Status,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SortKey::SentAt => "sent_at",
            SortKey::Title => "title",
            SortKey::Department => "department",
            SortKey::Channel => "channel",
            SortKey::Delivered => "delivered",
            SortKey::Opens => "opens",
            SortKey::OpenRate => "open_rate",
            SortKey::Clicks => "clicks",
            SortKey::Target => "target",
            SortKey::Status => "status",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// The history's filters and order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryFilter {
    pub department_id: Option<i64>,
    pub channel_id: Option<i64>,
    /// Days in Japan, inclusive.
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub status: Option<DeliveryStatus>,
    /// Part of the title (case ignored).
    pub title: String,
    pub sort: SortKey,
    pub descending: bool,
    /// Zero-based.
    pub page: usize,
}

impl Default for HistoryFilter {
    /// Everything, newest first (as the page shows it, and the dashboard's latest deliveries).
    fn default() -> Self {
        Self {
            department_id: None,
            channel_id: None,
            from: None,
            until: None,
            status: None,
            title: String::new(),
            sort: SortKey::SentAt,
            descending: true,
            page: 0,
        }
    }
}

impl HistoryFilter {
    /// The period, status and order from the page's query parameters (as text), with Japanese
    /// errors for bad ones; the rest is left to the caller.
    pub fn parse(
        from: &str,
        until: &str,
        status: &str,
        sort: &str,
        order: &str,
    ) -> DomainResult<Self> {
        let day = |text: &str, what: &str| -> DomainResult<Option<NaiveDate>> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            crate::time::parse_day(text, what).map(Some)
        };
        let (from, until) = (day(from, "開始日")?, day(until, "終了日")?);
        if let (Some(f), Some(u)) = (from, until)
            && f > u
        {
            return Err(DomainError::Invalid(
                "期間の開始日は終了日より前にしてください。".into(),
            ));
        }
        let status = match status.trim() {
            "" => None,
            key => Some(
                DeliveryStatus::from_key(key)
                    .ok_or_else(|| DomainError::Invalid("状態の指定が正しくありません。".into()))?,
            ),
        };
        let sort = match sort.trim() {
            "" => SortKey::SentAt,
            key => SortKey::from_key(key)
                .ok_or_else(|| DomainError::Invalid("並べ替えの指定が正しくありません。".into()))?,
        };
        Ok(Self {
            from,
            until,
            status,
            sort,
            descending: order.trim() != "asc",
            ..Self::default()
        })
    }
}

/// One sent run in the history.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryRow {
    pub run_id: i64,
    pub delivery_id: i64,
    pub sent_at: DateTime,
    pub title: String,
    pub department_name: String,
    pub channel_label: String,
    pub environment: Environment,
    pub sandbox: bool,
    /// Its LINE figures include the sandbox's simulated audience: staff see 「シミュレーション」.
    pub simulated: bool,
    /// 「友だち全員」, the segments' names, 「条件指定」…
    pub target_summary: String,
    pub status: DeliveryStatus,
    /// Recipients LINE accepted.
    pub delivered: i64,
    pub opens: Figure,
    pub open_rate: Option<f64>,
    /// Our count of taps on its tracked links; none when no link was tracked.
    pub clicks: Option<i64>,
    /// The run was sent without an aggregation unit (no LINE figures).
    pub without_unit: bool,
    pub fetched_at: Option<DateTime>,
    pub is_final: bool,
}

/// A test send in the history (テスト, apart from the deliveries).
#[derive(Clone, Debug, PartialEq)]
pub struct TestRow {
    pub delivery_id: i64,
    pub sent_at: DateTime,
    pub title: String,
    pub department_name: String,
    pub created_by: String,
    pub recipients: i32,
    pub status: model::status::SendStatus,
}

/// Runs that were sent (started), whatever became of them.
const SENT: [DeliveryStatus; 5] = [
    DeliveryStatus::Sending,
    DeliveryStatus::Sent,
    DeliveryStatus::PartlyFailed,
    DeliveryStatus::Failed,
    DeliveryStatus::Stopped,
];

/// Every sent run in `scope` passing `filter`, sorted, with the total before paging.
/// `simulated_audience`: the sandbox adds a simulated audience (`SANDBOX_SIMULATED_AUDIENCE`), so
/// the sandbox channels' rows are [`HistoryRow::simulated`].
pub async fn history(
    db: &DatabaseConnection,
    scope: &Scope,
    filter: &HistoryFilter,
    simulated_audience: bool,
) -> DomainResult<(Vec<HistoryRow>, usize)> {
    let rows = all_rows(db, scope, filter, simulated_audience).await?;
    let total = rows.len();
    let page = rows
        .into_iter()
        .skip(filter.page * PER_PAGE)
        .take(PER_PAGE)
        .collect();
    Ok((page, total))
}

async fn all_rows(
    db: &DatabaseConnection,
    scope: &Scope,
    filter: &HistoryFilter,
    simulated_audience: bool,
) -> DomainResult<Vec<HistoryRow>> {
    let mut deliveries =
        delivery::Entity::find().filter(scope.condition(delivery::Column::DepartmentId));
    if let Some(department) = filter.department_id {
        deliveries = deliveries.filter(delivery::Column::DepartmentId.eq(department));
    }
    if let Some(channel) = filter.channel_id {
        deliveries = deliveries.filter(delivery::Column::ChannelId.eq(channel));
    }
    let title = filter.title.trim().to_lowercase();
    let deliveries: HashMap<i64, delivery::Model> = deliveries
        .all(db)
        .await?
        .into_iter()
        .filter(|d| title.is_empty() || d.title.to_lowercase().contains(&title))
        .map(|d| (d.id, d))
        .collect();
    if deliveries.is_empty() {
        return Ok(Vec::new());
    }
    let mut runs = delivery_run::Entity::find()
        .filter(delivery_run::Column::DeliveryId.is_in(deliveries.keys().copied()))
        .filter(delivery_run::Column::StartedAt.is_not_null())
        .filter(delivery_run::Column::Status.is_in(SENT));
    if let Some(status) = filter.status {
        runs = runs.filter(delivery_run::Column::Status.eq(status));
    }
    if let Some(from) = filter.from {
        runs = runs.filter(delivery_run::Column::StartedAt.gte(crate::time::start_of_day(from)));
    }
    if let Some(until) = filter.until {
        let end = crate::time::start_of_day(until) + chrono::TimeDelta::days(1);
        runs = runs.filter(delivery_run::Column::StartedAt.lt(end));
    }
    let runs = runs
        .order_by_desc(delivery_run::Column::StartedAt)
        .limit(MAX_RUNS)
        .all(db)
        .await?;
    let run_ids: Vec<i64> = runs.iter().map(|r| r.id).collect();
    let stats = statistics::of_runs(db, &run_ids).await?;
    let clicks = clicks_of_runs(db, &run_ids).await?;
    let names = department_names(db).await?;
    let channels = channels(db).await?;
    let segments = segment_names(db).await?;
    let mut rows: Vec<HistoryRow> = runs
        .into_iter()
        .filter_map(|run| {
            let d = deliveries.get(&run.delivery_id)?;
            let s = stats.get(&run.id);
            let opens = Figure::of(
                s.is_some_and(|s| s.fetched_at.is_some()),
                s.and_then(|s| s.unique_impression),
            );
            let channel = channels.get(&d.channel_id);
            let sandbox = channel.is_some_and(|c| c.sandbox);
            Some(HistoryRow {
                run_id: run.id,
                delivery_id: d.id,
                sent_at: run.started_at.unwrap_or(run.occurrence_at),
                title: d.title.clone(),
                department_name: names.get(&d.department_id).cloned().unwrap_or_default(),
                channel_label: channel.map(channel_label).unwrap_or_default(),
                environment: channel.map_or(Environment::Production, |c| c.environment),
                sandbox,
                simulated: sandbox && simulated_audience,
                target_summary: target_summary(&d.target, &segments),
                status: run.status,
                delivered: run.sent,
                opens,
                open_rate: open_rate(run.sent, opens),
                clicks: clicks.get(&run.id).copied(),
                without_unit: s.is_none(),
                fetched_at: s.and_then(|s| s.fetched_at),
                is_final: s.is_some_and(|s| s.is_final),
            })
        })
        .collect();
    sort(&mut rows, filter.sort, filter.descending);
    Ok(rows)
}

/// Sorts by `key`; rows without a value (「20未満」, no links) come last either way, and equal
/// rows stay newest first.
fn sort(rows: &mut [HistoryRow], key: SortKey, descending: bool) {
    use std::cmp::Ordering;
    let number = |r: &HistoryRow| -> Option<f64> {
        match key {
            SortKey::Delivered => Some(r.delivered as f64),
            SortKey::Opens => r.opens.count().map(|n| n as f64),
            SortKey::OpenRate => r.open_rate,
            SortKey::Clicks => r.clicks.map(|n| n as f64),
            _ => None,
        }
    };
    rows.sort_by(|a, b| {
        let order = match key {
            SortKey::SentAt => a.sent_at.cmp(&b.sent_at),
            SortKey::Title => a.title.cmp(&b.title),
            SortKey::Department => a.department_name.cmp(&b.department_name),
            SortKey::Channel => a.channel_label.cmp(&b.channel_label),
            SortKey::Target => a.target_summary.cmp(&b.target_summary),
            SortKey::Status => {
                let rank = |r: &HistoryRow| SENT.iter().position(|s| *s == r.status);
                rank(a).cmp(&rank(b))
            }
            _ => match (number(a), number(b)) {
                (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
                (Some(_), None) => return Ordering::Less,
                (None, Some(_)) => return Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        };
        let order = if descending { order.reverse() } else { order };
        order.then(b.sent_at.cmp(&a.sent_at))
    });
}

/// The history as CSV in `encoding` (the project's CSV rules: UTF-8 with BOM or Shift_JIS,
/// formulas neutralised); `simulated_audience` as for [`history`].
pub async fn export_csv(
    db: &DatabaseConnection,
    scope: &Scope,
    filter: &HistoryFilter,
    encoding: crate::csv::Encoding,
    simulated_audience: bool,
) -> DomainResult<Vec<u8>> {
    let rows = all_rows(db, scope, filter, simulated_audience).await?;
    let header = [
        "配信日時",
        "タイトル",
        "部署",
        "チャネル",
        "配信対象",
        "状態",
        "配信数",
        "開封数",
        "開封率",
        "クリック数",
        "数値の更新",
        "確定",
        "シミュレーション",
        "配信ID",
    ];
    let mut csv = crate::csv::Csv::with_encoding(&header, encoding);
    for r in rows {
        let cells = [
            crate::time::minutes(r.sent_at),
            r.title,
            r.department_name,
            r.channel_label,
            r.target_summary,
            r.status.label_ja().to_owned(),
            r.delivered.to_string(),
            if r.without_unit {
                "—".to_owned()
            } else {
                r.opens.label_ja()
            },
            rate_label(r.open_rate),
            r.clicks.map_or_else(|| "—".to_owned(), |n| n.to_string()),
            r.fetched_at.map(crate::time::minutes).unwrap_or_default(),
            if r.is_final { "確定" } else { "" }.to_owned(),
            if r.simulated { SIMULATED_NOTE } else { "" }.to_owned(),
            r.delivery_id.to_string(),
        ];
        csv.row(cells.iter().map(String::as_str));
    }
    Ok(csv.take())
}

/// The test sends of deliveries in `scope` (newest first, at most a page).
pub async fn test_sends(
    db: &DatabaseConnection,
    scope: &Scope,
    filter: &HistoryFilter,
) -> DomainResult<Vec<TestRow>> {
    let deliveries: HashMap<i64, delivery::Model> = delivery::Entity::find()
        .filter(scope.condition(delivery::Column::DepartmentId))
        .all(db)
        .await?
        .into_iter()
        .filter(|d| filter.department_id.is_none_or(|id| d.department_id == id))
        .filter(|d| filter.channel_id.is_none_or(|id| d.channel_id == id))
        .map(|d| (d.id, d))
        .collect();
    if deliveries.is_empty() {
        return Ok(Vec::new());
    }
    let tests = delivery_test::Entity::find()
        .filter(delivery_test::Column::DeliveryId.is_in(deliveries.keys().copied()))
        .order_by_desc(delivery_test::Column::CreatedAt)
        .limit(PER_PAGE as u64)
        .all(db)
        .await?;
    let send_ids: Vec<i64> = tests.iter().map(|t| t.send_id).collect();
    let sends: HashMap<i64, line_send::Model> = line_send::Entity::find()
        .filter(line_send::Column::Id.is_in(send_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let names = department_names(db).await?;
    Ok(tests
        .into_iter()
        .filter_map(|t| {
            let d = deliveries.get(&t.delivery_id)?;
            Some(TestRow {
                delivery_id: d.id,
                sent_at: t.created_at,
                title: d.title.clone(),
                department_name: names.get(&d.department_id).cloned().unwrap_or_default(),
                created_by: t.created_by,
                recipients: t.recipients,
                status: sends
                    .get(&t.send_id)
                    .map_or(model::status::SendStatus::Pending, |s| s.status),
            })
        })
        .collect())
}

/// Our click counts of each run that has tracked links.
async fn clicks_of_runs(
    db: &impl ConnectionTrait,
    run_ids: &[i64],
) -> DomainResult<HashMap<i64, i64>> {
    let mut totals = HashMap::new();
    for chunk in run_ids.chunks(500) {
        let links: Vec<(i64, i64)> = tracked_link::Entity::find()
            .select_only()
            .column(tracked_link::Column::Id)
            .column(tracked_link::Column::RunId)
            .filter(tracked_link::Column::RunId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        let link_ids: Vec<i64> = links.iter().map(|(id, _)| *id).collect();
        let counts = per_link(db, &link_ids, Tally::Taps).await?;
        for (link_id, run_id) in links {
            *totals.entry(run_id).or_insert(0) += counts.get(&link_id).copied().unwrap_or(0);
        }
    }
    Ok(totals)
}

/// What [`per_link`] counts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tally {
    /// Every tap.
    Taps,
    /// The friends who tapped with their own code (a run that recorded who clicked).
    People,
}

/// Taps (or people) of each link; links without any are absent.
pub async fn per_link(
    db: &impl ConnectionTrait,
    link_ids: &[i64],
    tally: Tally,
) -> DomainResult<HashMap<i64, i64>> {
    let counted = match tally {
        Tally::Taps => Expr::col(link_click::Column::Id).count(),
        Tally::People => Expr::col(link_click::Column::FriendId).count_distinct(),
    };
    let mut counts = HashMap::new();
    for chunk in link_ids.chunks(500) {
        let mut query = link_click::Entity::find()
            .select_only()
            .column(link_click::Column::LinkId)
            .column_as(counted.clone(), "n")
            .filter(link_click::Column::LinkId.is_in(chunk.iter().copied()));
        if tally == Tally::People {
            query = query.filter(link_click::Column::FriendId.is_not_null());
        }
        let rows: Vec<(i64, i64)> = query
            .group_by(link_click::Column::LinkId)
            .into_tuple()
            .all(db)
            .await?;
        counts.extend(rows);
    }
    Ok(counts)
}

/// Per friend who tapped a link of run `run_id` with their own code: the links' positions.
async fn clicked_friends(
    db: &impl ConnectionTrait,
    run_id: i64,
) -> DomainResult<HashMap<i64, Vec<i32>>> {
    let positions: HashMap<i64, i32> = links::of_run(db, run_id)
        .await?
        .into_iter()
        .map(|l| (l.id, l.position))
        .collect();
    let rows: Vec<(i64, i64)> = link_click::Entity::find()
        .select_only()
        .column(link_click::Column::FriendId)
        .column(link_click::Column::LinkId)
        .distinct()
        .filter(link_click::Column::LinkId.is_in(positions.keys().copied()))
        .filter(link_click::Column::FriendId.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let mut by_friend: HashMap<i64, Vec<i32>> = HashMap::new();
    for (friend_id, link_id) in rows {
        if let Some(p) = positions.get(&link_id) {
            by_friend.entry(friend_id).or_default().push(*p);
        }
    }
    for list in by_friend.values_mut() {
        list.sort_unstable();
    }
    Ok(by_friend)
}

/// Recipients shown per page on the delivery page.
pub const RECIPIENTS_PER_PAGE: usize = 50;

/// A recipient of a run as the delivery page lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub friend_id: i64,
    /// LINE's display name (「（名前なし）」 when LINE did not tell).
    pub name: String,
    /// Still a friend (not blocked since).
    pub following: bool,
    /// Positions of the links they tapped (a run that recorded who clicked).
    pub clicked: Vec<i32>,
}

/// A page of a run's recipients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipients {
    /// Recipients (or clickers, with `clicked_only`) in all.
    pub total: usize,
    pub page: usize,
    pub rows: Vec<Recipient>,
    pub per_person: bool,
}

/// The recipients of run `run_id` of delivery `delivery_id` (in `scope`), as fixed when it
/// started, in friend order; `clicked_only`: those who tapped a link with their own code.
pub async fn recipients(
    db: &DatabaseConnection,
    scope: &Scope,
    delivery_id: i64,
    run_id: i64,
    clicked_only: bool,
    page: usize,
) -> DomainResult<Recipients> {
    let not_found = || DomainError::NotFound("配信が見つかりません。".into());
    delivery::Entity::find_by_id(delivery_id)
        .filter(scope.condition(delivery::Column::DepartmentId))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    delivery_run::Entity::find_by_id(run_id)
        .filter(delivery_run::Column::DeliveryId.eq(delivery_id))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let ids = match crate::entities::delivery_run_audience::Entity::find_by_id(run_id)
        .one(db)
        .await?
    {
        Some(audience) => super::staging::decode_ids(&audience.friend_ids)?,
        None => Vec::new(),
    };
    let per_person = links::of_run(db, run_id)
        .await?
        .iter()
        .any(|l| l.person_key.is_some());
    let mut clicked = if per_person {
        clicked_friends(db, run_id).await?
    } else {
        HashMap::new()
    };
    let ids: Vec<i64> = if clicked_only {
        ids.into_iter()
            .filter(|id| clicked.contains_key(id))
            .collect()
    } else {
        ids
    };
    let pages = ids.len().div_ceil(RECIPIENTS_PER_PAGE).max(1);
    let page = page.clamp(1, pages);
    let shown: Vec<i64> = ids
        .iter()
        .copied()
        .skip((page - 1) * RECIPIENTS_PER_PAGE)
        .take(RECIPIENTS_PER_PAGE)
        .collect();
    let friends: HashMap<i64, crate::entities::friend::Model> =
        crate::entities::friend::Entity::find()
            .filter(crate::entities::friend::Column::Id.is_in(shown.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|f| (f.id, f))
            .collect();
    let rows = shown
        .into_iter()
        .map(|id| {
            let f = friends.get(&id);
            Recipient {
                friend_id: id,
                name: f
                    .and_then(|f| f.display_name.clone())
                    .unwrap_or_else(|| "（名前なし）".into()),
                following: f.is_some_and(|f| f.status == model::status::FriendStatus::Following),
                clicked: clicked.remove(&id).unwrap_or_default(),
            }
        })
        .collect();
    Ok(Recipients {
        total: ids.len(),
        page,
        rows,
        per_person,
    })
}

async fn segment_names(db: &impl ConnectionTrait) -> DomainResult<HashMap<i64, String>> {
    Ok(segment::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect())
}

/// Who a delivery went to, in a few words.
fn target_summary(target_json: &str, segments: &HashMap<i64, String>) -> String {
    let Ok(target) = serde_json::from_str::<Target>(target_json) else {
        return String::new();
    };
    let name = |id: &i64| {
        segments
            .get(id)
            .cloned()
            .unwrap_or_else(|| "（削除されたセグメント）".into())
    };
    let mut text = if target.all_friends {
        "友だち全員".to_owned()
    } else {
        let mut parts: Vec<String> = target.segment_ids.iter().map(name).collect();
        if target.rule.is_some() {
            parts.push("条件指定".into());
        }
        parts.join("、")
    };
    if !target.exclude_segment_ids.is_empty() {
        let excluded: Vec<String> = target.exclude_segment_ids.iter().map(name).collect();
        text.push_str(&format!("（除外：{}）", excluded.join("、")));
    }
    text
}

// ---------------------------------------------------------------------------------------------
// One delivery's report

/// LINE's figure and our clicks for one link of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkReport {
    pub position: i32,
    pub message_seq: i32,
    pub url: String,
    /// Tracked through our redirect (else LINE's figure only).
    pub tracked: bool,
    /// Our count of taps (all of them; none when not tracked).
    pub clicks: Option<i64>,
    /// LINE's unique clicks of this URL (for a per-person link LINE sees one URL per friend, so
    /// this says nothing: pages show 「—」 and the people who tapped instead).
    pub unique_clicks: Figure,
    /// The friends who tapped it, for a run that recorded who clicked.
    pub people: Option<i64>,
}

/// A point of a run's chart: LINE's opens at a fetch, our clicks by then.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartPoint {
    pub at: DateTime,
    pub opens: Figure,
    pub clicks: i64,
}

/// Everything the delivery page shows about one run's results.
#[derive(Clone, Debug, PartialEq)]
pub struct RunReport {
    pub run_id: i64,
    pub sent_at: DateTime,
    pub delivered: i64,
    pub opens: Figure,
    pub open_rate: Option<f64>,
    /// LINE's unique clicks over every link.
    pub unique_clicks: Figure,
    /// Our taps over every tracked link; none when none was tracked.
    pub clicks: Option<i64>,
    /// Per message (1-based), LINE's unique opens.
    pub message_opens: Vec<(i32, Figure)>,
    pub links: Vec<LinkReport>,
    pub points: Vec<ChartPoint>,
    pub unit: Option<String>,
    pub fetched_at: Option<DateTime>,
    pub next_fetch_at: Option<DateTime>,
    pub is_final: bool,
    /// The last fetch's error (Japanese).
    pub last_error: Option<String>,
    /// The messages as sent (tracked links in place).
    pub messages: Vec<line::message::Message>,
    /// Sent one push per friend with links of their own: who clicked is known.
    pub per_person: bool,
    /// The friends who tapped any link (a run that recorded who clicked).
    pub clickers: Option<i64>,
}

/// A delivery's results: its sent runs, newest first.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryReport {
    /// Sent on a sandbox channel (its figures may include a simulated audience).
    pub sandbox: bool,
    pub runs: Vec<RunReport>,
}

/// The results of delivery `delivery_id`'s sent runs (department scope applies).
pub async fn report(
    db: &DatabaseConnection,
    scope: &Scope,
    delivery_id: i64,
    now: DateTime,
) -> DomainResult<DeliveryReport> {
    let d = delivery::Entity::find_by_id(delivery_id)
        .filter(scope.condition(delivery::Column::DepartmentId))
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound("配信が見つかりません。".into()))?;
    let runs = delivery_run::Entity::find()
        .filter(delivery_run::Column::DeliveryId.eq(d.id))
        .filter(delivery_run::Column::StartedAt.is_not_null())
        .filter(delivery_run::Column::Status.is_in(SENT))
        .order_by_desc(delivery_run::Column::StartedAt)
        .all(db)
        .await?;
    let run_ids: Vec<i64> = runs.iter().map(|r| r.id).collect();
    let stats = statistics::of_runs(db, &run_ids).await?;
    let mut reports = Vec::with_capacity(runs.len());
    for run in runs {
        let s = stats.get(&run.id);
        let fetched = s.is_some_and(|s| s.fetched_at.is_some());
        let detail = s.and_then(statistics::detail_of);
        let content = delivery_run_content::Entity::find_by_id(run.id)
            .one(db)
            .await?;
        let messages: Vec<line::message::Message> = content
            .as_ref()
            .and_then(|c| serde_json::from_str(&c.messages).ok())
            .unwrap_or_default();
        let tracked = links::of_run(db, run.id).await?;
        let link_ids: Vec<i64> = tracked.iter().map(|l| l.id).collect();
        let counts = per_link(db, &link_ids, Tally::Taps).await?;
        let per_person = tracked.iter().any(|l| l.person_key.is_some());
        let people = if per_person {
            per_link(db, &link_ids, Tally::People).await?
        } else {
            HashMap::new()
        };
        let line_clicks = |url_matches: &dyn Fn(&str) -> bool| -> Figure {
            let value = detail.as_ref().and_then(|d| {
                d.clicks
                    .iter()
                    .find(|c| url_matches(&c.url))
                    .and_then(|c| c.unique_click_of_request)
            });
            Figure::of(fetched, value)
        };
        let mut link_reports: Vec<LinkReport> = tracked
            .iter()
            .map(|l| {
                let suffix = format!("/r/{}", l.code);
                LinkReport {
                    position: l.position,
                    message_seq: l.message_seq,
                    url: l.url.clone(),
                    tracked: true,
                    clicks: Some(counts.get(&l.id).copied().unwrap_or(0)),
                    unique_clicks: line_clicks(&|u: &str| u.ends_with(&suffix)),
                    people: l
                        .person_key
                        .is_some()
                        .then(|| people.get(&l.id).copied().unwrap_or(0)),
                }
            })
            .collect();
        // Links sent untracked: LINE's figures only.
        let tracked_urls: HashSet<String> = tracked.iter().map(|l| l.url.clone()).collect();
        for found in line::links::links_in(&messages) {
            if found.url.contains("/r/")
                && tracked
                    .iter()
                    .any(|l| found.url.ends_with(&format!("/r/{}", l.code)))
            {
                continue;
            }
            if tracked_urls.contains(&found.url) {
                continue;
            }
            let url = found.url.clone();
            link_reports.push(LinkReport {
                position: i32::try_from(link_reports.len() + 1).unwrap_or(i32::MAX),
                message_seq: found.message_seq,
                unique_clicks: line_clicks(&|u: &str| u == url),
                url: found.url,
                tracked: false,
                clicks: None,
                people: None,
            });
        }
        let click_times: Vec<DateTime> = if link_ids.is_empty() {
            Vec::new()
        } else {
            link_click::Entity::find()
                .select_only()
                .column(link_click::Column::ClickedAt)
                .filter(link_click::Column::LinkId.is_in(link_ids.clone()))
                .order_by_asc(link_click::Column::ClickedAt)
                .into_tuple()
                .all(db)
                .await?
        };
        let clicks_by = |at: DateTime| {
            i64::try_from(click_times.partition_point(|t| *t <= at)).unwrap_or(i64::MAX)
        };
        let mut points: Vec<ChartPoint> = statistics::samples_of(db, run.id)
            .await?
            .into_iter()
            .map(|p| ChartPoint {
                at: p.at,
                opens: Figure::of(true, p.unique_impression),
                clicks: clicks_by(p.at),
            })
            .collect();
        let started = run.started_at.unwrap_or(run.occurrence_at);
        points.insert(
            0,
            ChartPoint {
                at: started,
                opens: Figure::of(s.is_some(), s.map(|_| 0)),
                clicks: 0,
            },
        );
        // The clicks up to now (or the end of the chart's 14 days).
        let end = Ord::min(now, started + chrono::TimeDelta::days(14));
        if points.last().is_none_or(|p| p.at < end) {
            points.push(ChartPoint {
                at: end,
                opens: points.last().map_or(Figure::NotYet, |p| p.opens),
                clicks: clicks_by(end),
            });
        }
        let opens = Figure::of(fetched, s.and_then(|s| s.unique_impression));
        let tracked_total: i64 = counts.values().sum();
        reports.push(RunReport {
            run_id: run.id,
            sent_at: started,
            delivered: run.sent,
            opens,
            open_rate: open_rate(run.sent, opens),
            unique_clicks: Figure::of(fetched, s.and_then(|s| s.unique_click)),
            clicks: (!tracked.is_empty()).then_some(tracked_total),
            message_opens: detail
                .as_ref()
                .map(|d| {
                    d.messages
                        .iter()
                        .map(|m| (m.seq, Figure::of(true, m.unique_impression)))
                        .collect()
                })
                .unwrap_or_default(),
            links: link_reports,
            points,
            unit: content.and_then(|c| c.aggregation_unit),
            fetched_at: s.and_then(|s| s.fetched_at),
            next_fetch_at: s.and_then(|s| s.next_fetch_at),
            is_final: s.is_some_and(|s| s.is_final),
            last_error: s.and_then(|s| s.last_error.clone()),
            messages,
            per_person,
            clickers: if per_person {
                Some(i64::try_from(clicked_friends(db, run.id).await?.len()).unwrap_or(0))
            } else {
                None
            },
        });
    }
    let sandbox = channels(db)
        .await?
        .get(&d.channel_id)
        .is_some_and(|c| c.sandbox);
    Ok(DeliveryReport {
        sandbox,
        runs: reports,
    })
}

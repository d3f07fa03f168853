//! 配信履歴 and a delivery's results: LINE's opens (「20未満」 when LINE answers null), our click
//! counts per link, a chart drawn on the server, staff's 「最新の数値に更新」 within LINE's
//! insight budget, and how many aggregation unit names each channel used this month. Scoped to
//! the caller's departments like every delivery read.

use leptos::prelude::*;
use model::status::{DeliveryStatus, Environment, SendStatus};
use serde::{Deserialize, Serialize};

use super::DeliveryChannel;
use super::templates::DepartmentOption;
use crate::error::AppError;

/// The history's filters and order, as the page's address carries them (text, checked on the
/// server).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HistoryQuery {
    pub q: String,
    pub department: String,
    pub channel: String,
    pub status: String,
    pub from: String,
    pub until: String,
    pub sort: String,
    pub order: String,
    pub page: u64,
}

/// One sent run in the history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRowView {
    pub run_id: i64,
    pub delivery_id: i64,
    /// Japan time.
    pub sent_at: String,
    pub title: String,
    pub department: String,
    pub channel: String,
    pub environment: Environment,
    pub sandbox: bool,
    /// Its figures include the sandbox's simulated audience (`SANDBOX_SIMULATED_AUDIENCE`).
    pub simulated: bool,
    pub target: String,
    pub status: DeliveryStatus,
    pub delivered: i64,
    /// A number, 「20未満」 or 「集計待ち」 (「—」 without LINE statistics).
    pub opens: String,
    /// `83.3%` or `—`.
    pub open_rate: String,
    /// Our count, or `—` when no link was tracked.
    pub clicks: String,
    pub updated: Option<String>,
    pub is_final: bool,
}

/// A test send in the history, apart and marked テスト.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestSendRow {
    pub delivery_id: i64,
    pub sent_at: String,
    pub title: String,
    pub department: String,
    pub created_by: String,
    pub recipients: i32,
    pub status: SendStatus,
}

/// A channel's aggregation unit names this month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitBudget {
    pub channel: String,
    /// 「2026年11月」.
    pub month: String,
    pub used: u64,
    pub limit: u32,
    /// From 90 %: staff are warned.
    pub nearly_used: bool,
}

impl UnitBudget {
    /// What staff are told once [`Self::nearly_used`] (配信履歴 and the send confirmation).
    pub fn warning(&self) -> String {
        format!(
            "{}：{}の LINE 集計単位を {} / {} 使いました。使い切ると、以降の配信は開封数を集計できません（クリック数は数えられます）。",
            self.channel, self.month, self.used, self.limit,
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub rows: Vec<HistoryRowView>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    pub departments: Vec<DepartmentOption>,
    pub channels: Vec<DeliveryChannel>,
    pub tests: Vec<TestSendRow>,
    pub units: Vec<UnitBudget>,
}

/// One link of a run and its clicks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkFigures {
    pub position: i32,
    pub message_seq: i32,
    pub url: String,
    pub tracked: bool,
    /// Our count (`—` when not tracked).
    pub clicks: String,
    /// LINE's unique clicks: a number, 「20未満」 or 「集計待ち」.
    pub unique_clicks: String,
    /// The friends who tapped it (a delivery that recorded who clicked).
    pub people: Option<i64>,
}

/// A row of the chart's table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartRow {
    /// Time since sending (「3時間」).
    pub elapsed: String,
    pub at: String,
    pub opens: String,
    pub clicks: i64,
}

/// One run's results on the delivery page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunResults {
    pub run_id: i64,
    /// The sandbox adds a simulated audience to LINE's figures (`SANDBOX_SIMULATED_AUDIENCE`).
    pub simulated: bool,
    pub sent_at: String,
    pub delivered: i64,
    pub opens: String,
    pub open_rate: String,
    pub unique_clicks: String,
    pub clicks: String,
    /// Sent without an aggregation unit: LINE has no figures for it.
    pub without_unit: bool,
    pub updated: Option<String>,
    pub next_update: Option<String>,
    pub is_final: bool,
    pub last_error: Option<String>,
    /// Per message: its number and LINE's unique opens.
    pub message_opens: Vec<(i32, String)>,
    pub links: Vec<LinkFigures>,
    /// An SVG drawn on the server (numbers and fixed labels only).
    pub chart_svg: String,
    pub chart_rows: Vec<ChartRow>,
    /// Recorded who clicked (one push per friend).
    pub per_person: bool,
    /// The friends who tapped any link.
    pub clickers: Option<i64>,
}

/// A recipient on the delivery page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientView {
    pub name: String,
    pub following: bool,
    /// 「リンク1・リンク2」, or empty when they tapped nothing.
    pub clicked: String,
}

/// A page of a run's recipients.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientsPage {
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub per_person: bool,
    pub rows: Vec<RecipientView>,
}

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::{Action, Feature, Need};
    &[
        rule::<DeliveryHistory>(Need::Can(Feature::Deliveries, Action::View)),
        rule::<DeliveryResults>(Need::Can(Feature::Deliveries, Action::View)),
        rule::<RefreshStatistics>(Need::Can(Feature::Deliveries, Action::View)),
        rule::<DeliveryRecipients>(Need::Can(Feature::Deliveries, Action::View)),
        rule::<DeliveryUnitBudget>(Need::Can(Feature::Deliveries, Action::View)),
    ]
};

/// One page of 配信履歴 with what its filters offer, the test sends apart and the unit budget.
#[server(endpoint = "deliveries/history")]
pub async fn delivery_history(query: HistoryQuery) -> Result<HistoryPage, AppError> {
    use domain::delivery::history;
    let (me, ctx) = crate::ssr::context::call::<DeliveryHistory>()?;
    let scope = me.grants.scope();
    let filter = history_filter(&query)?;
    let simulated = ctx.server().simulates_audience();
    let (rows, total) = history::history(ctx.db(), &scope, &filter, simulated).await?;
    let tests = history::test_sends(ctx.db(), &scope, &filter).await?;
    let channels = super::deliveries::delivery_channels(&ctx).await?;
    let units = unit_budgets(&ctx, &channels).await?;
    let total = total as u64;
    Ok(HistoryPage {
        rows: rows.into_iter().map(row_view).collect(),
        total,
        page: query.page,
        pages: total.div_ceil(history::PER_PAGE as u64).max(1),
        departments: super::deliveries::departments_in_scope(&ctx, &scope).await?,
        channels,
        tests: tests
            .into_iter()
            .map(|t| TestSendRow {
                delivery_id: t.delivery_id,
                sent_at: domain::time::minutes(t.sent_at),
                title: t.title,
                department: t.department_name,
                created_by: t.created_by,
                recipients: t.recipients,
                status: t.status,
            })
            .collect(),
        units,
    })
}

/// Channel `channel_id`'s unit budget this month, for the send confirmation (none for a channel
/// the caller cannot deliver on).
#[server(endpoint = "deliveries/unit_budget")]
pub async fn delivery_unit_budget(channel_id: i64) -> Result<Option<UnitBudget>, AppError> {
    let (_me, ctx) = crate::ssr::context::call::<DeliveryUnitBudget>()?;
    let channels: Vec<DeliveryChannel> = super::deliveries::delivery_channels(&ctx)
        .await?
        .into_iter()
        .filter(|c| c.id == channel_id)
        .collect();
    Ok(unit_budgets(&ctx, &channels).await?.pop())
}

/// The results of a delivery's sent runs, newest first.
#[server(endpoint = "deliveries/results")]
pub async fn delivery_results(id: i64) -> Result<Vec<RunResults>, AppError> {
    let (me, ctx) = crate::ssr::context::call::<DeliveryResults>()?;
    let now = domain::time::now();
    let report = domain::delivery::history::report(ctx.db(), &me.grants.scope(), id, now).await?;
    // Figures of a sandbox channel include a simulated audience when the sandbox adds one.
    let simulated = report.sandbox && ctx.server().simulates_audience();
    Ok(report
        .runs
        .into_iter()
        .map(|r| RunResults {
            simulated,
            ..results_view(r)
        })
        .collect())
}

/// A page of a run's recipients (with who clicked, for a delivery that recorded it);
/// `clicked_only`: those who tapped a link.
#[server(endpoint = "deliveries/recipients")]
pub async fn delivery_recipients(
    delivery_id: i64,
    run_id: i64,
    clicked_only: bool,
    page: usize,
) -> Result<RecipientsPage, AppError> {
    use domain::delivery::history::{self, RECIPIENTS_PER_PAGE};
    let (me, ctx) = crate::ssr::context::call::<DeliveryRecipients>()?;
    let found = history::recipients(
        ctx.db(),
        &me.grants.scope(),
        delivery_id,
        run_id,
        clicked_only,
        page,
    )
    .await?;
    Ok(RecipientsPage {
        total: found.total,
        page: found.page,
        pages: found.total.div_ceil(RECIPIENTS_PER_PAGE).max(1),
        per_person: found.per_person,
        rows: found
            .rows
            .into_iter()
            .map(|r| RecipientView {
                name: r.name,
                following: r.following,
                clicked: r
                    .clicked
                    .iter()
                    .map(|p| format!("リンク{p}"))
                    .collect::<Vec<_>>()
                    .join("・"),
            })
            .collect(),
    })
}

/// 「最新の数値に更新」: asks LINE for a run's figures now, if the channel's hourly budget of
/// insight calls allows (staff with 配信 閲覧 may; it spends the shared budget once).
#[server(endpoint = "deliveries/refresh_statistics")]
pub async fn refresh_statistics(delivery_id: i64, run_id: i64) -> Result<String, AppError> {
    use domain::delivery::statistics::{self, Fetched};
    let (me, ctx) = crate::ssr::context::call::<RefreshStatistics>()?;
    let delivery =
        domain::delivery::deliveries::get(ctx.db(), &me.grants.scope(), delivery_id).await?;
    if !delivery.runs.iter().any(|r| r.id == run_id) {
        return Err(AppError::NotFound(
            "指定された配信の回はありません。".into(),
        ));
    }
    let line = ctx.line_client(&delivery.channel_key)?;
    let per_hour = ctx.server().insight_calls_per_hour;
    let fetched = statistics::refresh(
        ctx.db(),
        &line.client,
        run_id,
        per_hour,
        domain::time::now(),
    )
    .await?;
    match fetched {
        Fetched::Updated { is_final: true } => Ok("最新の数値に更新しました（確定）。".into()),
        Fetched::Updated { is_final: false } => Ok("最新の数値に更新しました。".into()),
        Fetched::RateLimited => Err(AppError::Invalid(
            "LINE が混み合っているため取得できませんでした。しばらくしてからもう一度お試しください。"
                .into(),
        )),
        Fetched::Failed(message) => Err(AppError::Invalid(message)),
    }
}

/// The domain's filter of a history query (the page's and the CSV download's), with Japanese
/// errors for bad parameters.
#[cfg(feature = "ssr")]
pub fn history_filter(
    query: &HistoryQuery,
) -> Result<domain::delivery::history::HistoryFilter, AppError> {
    use domain::delivery::history::HistoryFilter;
    let parsed = HistoryFilter::parse(
        &query.from,
        &query.until,
        &query.status,
        &query.sort,
        &query.order,
    )?;
    let id = |text: &str| -> Result<Option<i64>, AppError> {
        match text.trim() {
            "" => Ok(None),
            t => t
                .parse()
                .map(Some)
                .map_err(|_| AppError::Invalid("絞り込みの指定が正しくありません。".into())),
        }
    };
    Ok(HistoryFilter {
        department_id: id(&query.department)?,
        channel_id: id(&query.channel)?,
        title: query.q.chars().take(100).collect(),
        page: usize::try_from(query.page).unwrap_or(0),
        ..parsed
    })
}

#[cfg(feature = "ssr")]
async fn unit_budgets(
    ctx: &crate::ssr::context::CallContext,
    channels: &[DeliveryChannel],
) -> Result<Vec<UnitBudget>, AppError> {
    use domain::delivery::statistics;
    let now = domain::time::now();
    let limit = ctx.server().aggregation_units_per_month;
    let mut out = Vec::new();
    for c in channels {
        let used = statistics::units_this_month(ctx.db(), c.id, now).await?;
        out.push(UnitBudget {
            channel: c.name.clone(),
            month: statistics::month_label(now),
            used,
            limit,
            nearly_used: used as f64 >= f64::from(limit) * statistics::UNITS_WARN_SHARE,
        });
    }
    Ok(out)
}

#[cfg(feature = "ssr")]
pub(crate) fn row_view(r: domain::delivery::history::HistoryRow) -> HistoryRowView {
    HistoryRowView {
        run_id: r.run_id,
        delivery_id: r.delivery_id,
        sent_at: domain::time::minutes(r.sent_at),
        title: r.title,
        department: r.department_name,
        channel: r.channel_label,
        environment: r.environment,
        sandbox: r.sandbox,
        simulated: r.simulated,
        target: r.target_summary,
        status: r.status,
        delivered: r.delivered,
        opens: if r.without_unit {
            "—".into()
        } else {
            r.opens.label_ja()
        },
        open_rate: model::delivery::rate_label(r.open_rate),
        clicks: r.clicks.map_or_else(|| "—".into(), |n| n.to_string()),
        updated: r.fetched_at.map(domain::time::minutes),
        is_final: r.is_final,
    }
}

#[cfg(feature = "ssr")]
fn results_view(r: domain::delivery::history::RunReport) -> RunResults {
    use domain::delivery::chart::{self, BLUE, GREEN, Series};
    let at: Vec<domain::DateTime> = r.points.iter().map(|p| p.at).collect();
    let chart_svg = chart::line_chart(
        "開封数とクリック数の推移",
        &at,
        &[
            Series {
                name: "開封数（LINE）",
                colour: GREEN,
                values: r.points.iter().map(|p| p.opens.count()).collect(),
            },
            Series {
                name: "クリック数",
                colour: BLUE,
                values: r.points.iter().map(|p| Some(p.clicks)).collect(),
            },
        ],
        &|first, t| chart::elapsed_label(t - first),
    );
    let chart_rows = r
        .points
        .iter()
        .map(|p| ChartRow {
            elapsed: chart::elapsed_label(p.at - r.sent_at),
            at: domain::time::minutes(p.at),
            opens: p.opens.label_ja(),
            clicks: p.clicks,
        })
        .collect();
    let without_unit = r.unit.is_none();
    RunResults {
        run_id: r.run_id,
        simulated: false,
        sent_at: domain::time::minutes(r.sent_at),
        delivered: r.delivered,
        opens: if without_unit {
            "—".into()
        } else {
            r.opens.label_ja()
        },
        open_rate: model::delivery::rate_label(r.open_rate),
        unique_clicks: if without_unit {
            "—".into()
        } else {
            r.unique_clicks.label_ja()
        },
        clicks: r.clicks.map_or_else(|| "—".into(), |n| n.to_string()),
        without_unit,
        updated: r.fetched_at.map(domain::time::minutes),
        next_update: r.next_fetch_at.map(domain::time::minutes),
        is_final: r.is_final,
        last_error: r.last_error,
        message_opens: r
            .message_opens
            .into_iter()
            .map(|(seq, f)| (seq, f.label_ja()))
            .collect(),
        links: r
            .links
            .into_iter()
            .map(|l| LinkFigures {
                position: l.position,
                message_seq: l.message_seq,
                url: l.url,
                tracked: l.tracked,
                clicks: l.clicks.map_or_else(|| "—".into(), |n| n.to_string()),
                // Each friend's own URL is apart for LINE: no per-URL figure to show.
                unique_clicks: if without_unit || l.people.is_some() {
                    "—".into()
                } else {
                    l.unique_clicks.label_ja()
                },
                people: l.people,
            })
            .collect(),
        chart_svg,
        chart_rows,
        per_person: r.per_person,
        clickers: r.clickers,
    }
}

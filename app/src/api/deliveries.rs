//! 配信 (deliveries), scoped to the caller's departments: the list and the calendar, the editor
//! (messages, target, timing), test sends, and scheduling, sending now, cancelling and stopping.
//! Editing (配信 編集) and sending (配信 送信) are separate permissions; another department's
//! delivery is "not found". Saves carry the version the page loaded: a save based on an older
//! one is refused with a message, never silently lost.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use line::message::Message;
use model::delivery::{DeliveryMenu, Target, Timing};
use model::status::{DeliveryStatus, Environment, SendStatus};
use serde::{Deserialize, Serialize};

use super::templates::DepartmentOption;
use crate::error::AppError;

/// A LINE channel a delivery can go out on, with its environment (always shown beside it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryChannel {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub environment: Environment,
    pub sandbox: bool,
}

impl DeliveryChannel {
    /// 本番 / テスト / サンドボックス.
    pub fn env_label(&self) -> &'static str {
        channel_env_label(self.environment, self.sandbox)
    }

    /// The badge's classes (the top bar's colours).
    pub fn env_class(&self) -> &'static str {
        channel_env_class(self.environment, self.sandbox)
    }
}

/// 本番 / テスト / サンドボックス: a sandbox channel never reaches LINE, whatever it is called.
pub fn channel_env_label(environment: Environment, sandbox: bool) -> &'static str {
    if sandbox {
        "サンドボックス"
    } else {
        environment.label_ja()
    }
}

pub fn channel_env_class(environment: Environment, sandbox: bool) -> &'static str {
    if sandbox {
        "env-badge sandbox"
    } else if environment == Environment::Production {
        "env-badge production"
    } else {
        "env-badge test"
    }
}

/// What the list's filters offer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryFilterChoices {
    pub departments: Vec<DepartmentOption>,
    pub channels: Vec<DeliveryChannel>,
    pub can_edit: bool,
}

/// One line of the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRowView {
    pub id: i64,
    pub title: String,
    pub status: DeliveryStatus,
    pub department: String,
    pub channel: String,
    pub environment: Environment,
    pub sandbox: bool,
    /// When, in Japanese (「毎週 火・金 07:00」).
    pub timing: String,
    /// The next occurrence while scheduled, Japan time.
    pub next_at: Option<String>,
    /// When the last run started sending, Japan time.
    pub last_sent_at: Option<String>,
    /// Recipients of the last run (resolved when it started).
    pub audience: Option<i64>,
    pub sent: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryList {
    pub rows: Vec<DeliveryRowView>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
}

/// One month of the calendar (weeks from Sunday), Japan time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// 「2026年12月」.
    pub label: String,
    pub prev: String,
    pub next: String,
    pub weeks: Vec<Vec<CalendarDay>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub day: u32,
    /// 「12月1日（月）」.
    pub label: String,
    /// Outside the month shown (the first and last weeks' other days).
    pub outside: bool,
    pub today: bool,
    pub entries: Vec<CalendarItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarItem {
    pub delivery_id: i64,
    pub title: String,
    /// `HH:MM`.
    pub time: String,
    pub status: DeliveryStatus,
    /// An occurrence of a repeated delivery.
    pub repeated: bool,
}

/// One occurrence of a delivery (a run): its progress while sending, then its results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRun {
    pub id: i64,
    pub occurrence_at: String,
    pub status: DeliveryStatus,
    pub audience: Option<i64>,
    /// Recipients in all (the audience, or the batches' recipients).
    pub total: i64,
    pub sent: i64,
    pub failed: i64,
    /// Still to be sent.
    pub pending: i64,
    /// Not sent because staff stopped it.
    pub cancelled: i64,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub note: Option<String>,
    pub stop_requested: bool,
    pub seconds_left: Option<u64>,
    /// LINE's errors, in Japanese.
    pub errors: Vec<String>,
}

/// One test send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryTest {
    pub id: i64,
    pub created_at: String,
    pub created_by: String,
    /// The test recipients it went to.
    pub names: Vec<String>,
    /// Sent to the test recipients who match the delivery's target.
    pub by_target: bool,
    pub status: SendStatus,
    /// LINE's answer when it was refused, in Japanese.
    pub error: Option<String>,
}

/// A saved delivery as its page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryDetail {
    pub id: i64,
    pub department_id: i64,
    pub department: String,
    pub channel: DeliveryChannel,
    pub title: String,
    pub messages: Vec<Message>,
    pub target: Target,
    pub timing: Timing,
    /// Links sent as they are, without click tracking.
    pub untracked_links: Vec<String>,
    /// 「クリックした人を記録」.
    pub per_person_clicks: bool,
    /// The rich menu its recipients see once it is sent.
    pub rich_menu: Option<DeliveryMenu>,
    /// That menu in Japanese: 「イベント（2026-12-06 23:59 まで）」.
    pub rich_menu_summary: Option<String>,
    /// When, in Japanese.
    pub timing_summary: String,
    pub status: DeliveryStatus,
    pub version: i32,
    pub next_at: Option<String>,
    pub created: String,
    pub updated: String,
    pub runs: Vec<DeliveryRun>,
    pub tests: Vec<DeliveryTest>,
}

/// A 定型文 the composer can start from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryTemplate {
    pub id: i64,
    pub title: String,
    pub department: String,
    pub messages: Vec<Message>,
}

/// A saved segment the target can include or exclude.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverySegment {
    pub id: i64,
    pub name: String,
    pub department: String,
}

/// A rich menu a delivery can switch its recipients to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryMenuChoice {
    pub id: i64,
    pub title: String,
    pub department: String,
    /// The channels it is published to (「切り替え用に公開」 or as the default).
    pub channel_ids: Vec<i64>,
}

/// Everything the delivery page needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryEditor {
    /// None for a new delivery.
    pub delivery: Option<DeliveryDetail>,
    pub departments: Vec<DepartmentOption>,
    pub channels: Vec<DeliveryChannel>,
    /// The caller's 定型文 (empty without 定型文 閲覧).
    pub templates: Vec<DeliveryTemplate>,
    pub can_use_templates: bool,
    pub segments: Vec<DeliverySegment>,
    /// The rich menus in the caller's scope (empty without リッチメニュー 閲覧).
    pub rich_menus: Vec<DeliveryMenuChoice>,
    /// The caller may read rich menus (リッチメニュー 閲覧).
    pub can_use_rich_menus: bool,
    /// What the one-off conditions can be made of.
    pub rule_choices: super::segments::RuleChoices,
    pub can_edit: bool,
    pub can_send: bool,
    /// What 日時を指定 starts from: the next round half hour in Japan.
    pub default_date: String,
    pub default_time: String,
    /// What the composer starts from.
    pub messages: Vec<Message>,
}

/// What the page polls while a delivery sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryProgress {
    pub status: DeliveryStatus,
    pub version: i32,
    pub next_at: Option<String>,
    pub runs: Vec<DeliveryRun>,
}

/// What staff filled in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeliveryDraft {
    pub department_id: Option<i64>,
    pub channel_id: Option<i64>,
    pub title: String,
    pub messages: Vec<Message>,
    pub target: Target,
    pub timing: Timing,
    /// Links sent as they are, without click tracking.
    #[serde(default)]
    pub untracked_links: Vec<String>,
    /// 「クリックした人を記録」: one push per friend, with links of their own.
    #[serde(default)]
    pub per_person_clicks: bool,
    /// The rich menu its recipients see once it is sent.
    #[serde(default)]
    pub rich_menu: Option<DeliveryMenu>,
}

/// A delivery after a change: its id, status, new version and next occurrence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryState {
    pub id: i64,
    pub status: DeliveryStatus,
    pub version: i32,
    /// While scheduled, Japan time.
    pub next_at: Option<String>,
}

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::{Action, Feature, Need};
    // The department scope is applied inside, by the domain.
    &[
        rule::<DeliveryFilters>(Need::Can(Feature::Deliveries, Action::View)),
        rule::<ListDeliveries>(Need::Can(Feature::Deliveries, Action::View)),
        rule::<DeliveryCalendar>(Need::Can(Feature::Deliveries, Action::View)),
        rule::<LoadDelivery>(Need::Can(Feature::Deliveries, Action::View)),
        rule::<PollDelivery>(Need::Can(Feature::Deliveries, Action::View)),
        rule::<SaveDelivery>(Need::Can(Feature::Deliveries, Action::Edit)),
        rule::<CopyDelivery>(Need::Can(Feature::Deliveries, Action::Edit)),
        rule::<DeleteDelivery>(Need::Can(Feature::Deliveries, Action::Edit)),
        // Test sends reach only registered test recipients, marked as tests, and change nothing
        // of the delivery: whoever prepares a delivery may check it on their own phone.
        rule::<SendTestDelivery>(Need::Can(Feature::Deliveries, Action::Edit)),
        rule::<ScheduleDelivery>(Need::Can(Feature::Deliveries, Action::Send)),
        rule::<CancelDelivery>(Need::Can(Feature::Deliveries, Action::Send)),
        rule::<StopDelivery>(Need::Can(Feature::Deliveries, Action::Send)),
    ]
};

#[server(endpoint = "deliveries/filters")]
pub async fn delivery_filters() -> Result<DeliveryFilterChoices, AppError> {
    use model::access::{Action, Feature};
    let (me, ctx) = crate::ssr::context::call::<DeliveryFilters>()?;
    Ok(DeliveryFilterChoices {
        departments: departments_in_scope(&ctx, &me.grants.scope()).await?,
        channels: delivery_channels(&ctx).await?,
        can_edit: me.grants.can(Feature::Deliveries, Action::Edit),
    })
}

/// One page of the deliveries in the caller's scope. `status` is a status key, `channel` a
/// channel key (unknown ones filter nothing out rather than failing: they come from URLs).
#[server(endpoint = "deliveries/list")]
pub async fn list_deliveries(
    status: Option<String>,
    department: Option<i64>,
    channel: Option<String>,
    q: Option<String>,
    page: Option<u64>,
) -> Result<DeliveryList, AppError> {
    use domain::delivery::deliveries::{self, ListFilter};
    let (me, ctx) = crate::ssr::context::call::<ListDeliveries>()?;
    let channel_id = match channel.as_deref().filter(|c| !c.is_empty()) {
        Some(key) => Some(ctx.channel_id(key).await?),
        None => None,
    };
    let filter = ListFilter {
        status: status.as_deref().and_then(DeliveryStatus::from_key),
        department_id: department,
        channel_id,
        query: q.unwrap_or_default(),
        page: page.unwrap_or(0),
    };
    let page = deliveries::list(ctx.db(), &me.grants.scope(), &filter).await?;
    let page = page.map(|r| DeliveryRowView {
        id: r.id,
        title: r.title,
        status: r.status,
        department: r.department_name,
        channel: r.channel_label,
        environment: r.environment,
        sandbox: r.sandbox,
        timing: r.timing_summary,
        next_at: r.next_at.map(domain::time::minutes),
        last_sent_at: r.last_sent_at.map(domain::time::minutes),
        audience: r.audience,
        sent: r.sent,
    });
    Ok(DeliveryList {
        rows: page.rows,
        total: page.total,
        page: page.page,
        pages: page.pages,
    })
}

/// A month of the calendar (`YYYY-MM`; this month in Japan without one).
#[server(endpoint = "deliveries/calendar")]
pub async fn delivery_calendar(month: Option<String>) -> Result<CalendarMonth, AppError> {
    let (me, ctx) = crate::ssr::context::call::<DeliveryCalendar>()?;
    let now = domain::time::now();
    let today = domain::time::format(now, "%Y-%m-%d");
    let (year, month) = match month.as_deref() {
        Some(m) => days::parse_month(m)
            .ok_or_else(|| AppError::Invalid("年月は YYYY-MM の形式で指定してください。".into()))?,
        None => days::parse_month(&today[..7]).ok_or(AppError::Internal)?,
    };
    let entries =
        domain::delivery::deliveries::calendar(ctx.db(), &me.grants.scope(), year, month).await?;
    let mut weeks = Vec::new();
    for week in days::month_grid(year, month) {
        let mut row = Vec::new();
        for (y, m, d) in week {
            let date = format!("{y:04}-{m:02}-{d:02}");
            let entries = entries
                .iter()
                .filter(|e| e.date.to_string() == date)
                .map(|e| CalendarItem {
                    delivery_id: e.delivery_id,
                    title: e.title.clone(),
                    time: e.time.clone(),
                    status: e.status,
                    repeated: e.repeated,
                })
                .collect();
            row.push(CalendarDay {
                label: format!(
                    "{m}月{d}日（{}）",
                    model::delivery::WEEKDAYS_JA[days::iso_weekday(y, m, d) - 1]
                ),
                outside: (y, m) != (year, month),
                today: date == today,
                date,
                day: d,
                entries,
            });
        }
        weeks.push(row);
    }
    let (py, pm) = days::add_months(year, month, -1);
    let (ny, nm) = days::add_months(year, month, 1);
    Ok(CalendarMonth {
        month: format!("{year:04}-{month:02}"),
        label: format!("{year}年{month}月"),
        prev: format!("{py:04}-{pm:02}"),
        next: format!("{ny:04}-{nm:02}"),
        weeks,
    })
}

/// The delivery page: the delivery (none for a new one) and what its form offers.
#[server(endpoint = "deliveries/load")]
pub async fn load_delivery(id: Option<i64>) -> Result<DeliveryEditor, AppError> {
    use model::access::{Action, Feature};
    let (me, ctx) = crate::ssr::context::call::<LoadDelivery>()?;
    let scope = me.grants.scope();
    let channels = delivery_channels(&ctx).await?;
    let delivery = match id {
        Some(id) => Some(detail(
            domain::delivery::deliveries::get(ctx.db(), &scope, id).await?,
        )),
        None => None,
    };
    let can_edit = me.grants.can(Feature::Deliveries, Action::Edit);
    let can_use_templates = me.grants.can(Feature::Templates, Action::View);
    let templates = if can_edit && can_use_templates {
        domain::messaging::templates::list(ctx.db(), &scope)
            .await?
            .into_iter()
            .map(|t| DeliveryTemplate {
                id: t.id,
                title: t.title,
                department: t.department_name,
                messages: t.messages,
            })
            .collect()
    } else {
        Vec::new()
    };
    let segments = domain::audience::segments::list(ctx.db(), &scope)
        .await?
        .into_iter()
        .map(|s| DeliverySegment {
            id: s.id,
            name: s.name,
            department: s.department_name,
        })
        .collect();
    let rich_menus = if me.grants.can(Feature::RichMenus, Action::View) {
        let menus = domain::menus::designs::list(ctx.db(), &scope).await?;
        let mut choices = Vec::with_capacity(menus.len());
        let mut published = std::collections::HashMap::new();
        for channel in &channels {
            published.insert(
                channel.id,
                domain::menus::links::published_menus(ctx.db(), channel.id).await?,
            );
        }
        // A menu with tabs is chosen by its first tab (friends are linked to it).
        for m in menus.into_iter().filter(|m| m.tab_of.is_none()) {
            choices.push(DeliveryMenuChoice {
                id: m.id,
                channel_ids: channels
                    .iter()
                    .filter(|c| published.get(&c.id).is_some_and(|p| p.contains(&m.id)))
                    .map(|c| c.id)
                    .collect(),
                title: m.title,
                department: m.department_name,
            });
        }
        choices
    } else {
        Vec::new()
    };
    // 日時を指定 starts at the next round half hour in Japan, at least five minutes ahead
    // (Japan's offset is a whole number of half hours).
    const HALF_HOUR: i64 = 30 * 60;
    let now = domain::time::now();
    let next = ((now.timestamp() + 5 * 60) / HALF_HOUR + 1) * HALF_HOUR;
    let at = domain::DateTime::from_timestamp(next, 0).unwrap_or(now);
    Ok(DeliveryEditor {
        delivery,
        departments: departments_in_scope(&ctx, &scope).await?,
        channels,
        templates,
        can_use_templates,
        segments,
        rich_menus,
        can_use_rich_menus: me.grants.can(Feature::RichMenus, Action::View),
        rule_choices: super::segments::rule_choices(&ctx, &scope).await?,
        can_edit,
        can_send: me.grants.can(Feature::Deliveries, Action::Send),
        default_date: domain::time::format(at, "%Y-%m-%d"),
        default_time: domain::time::format(at, "%H:%M"),
        messages: vec![line::compose::MessageKind::Text.new_message()],
    })
}

/// The status and runs of a delivery, polled by its page while it sends.
#[server(endpoint = "deliveries/progress")]
pub async fn poll_delivery(id: i64) -> Result<DeliveryProgress, AppError> {
    let (me, ctx) = crate::ssr::context::call::<PollDelivery>()?;
    let view = domain::delivery::deliveries::get(ctx.db(), &me.grants.scope(), id).await?;
    Ok(DeliveryProgress {
        status: view.status,
        version: view.version,
        next_at: view.next_at.map(domain::time::minutes),
        runs: view.runs.into_iter().map(run_view).collect(),
    })
}

/// Creates (no `id`) or saves a delivery loaded at `version`. A version another member of staff
/// (or the sender) moved on is refused with a message; so is a delivery no longer editable.
#[server(endpoint = "deliveries/save", input = Json)]
pub async fn save_delivery(
    id: Option<i64>,
    version: Option<i32>,
    draft: DeliveryDraft,
) -> Result<DeliveryState, AppError> {
    use domain::delivery::deliveries::{self, DeliveryInput};
    let (me, ctx) = crate::ssr::context::call::<SaveDelivery>()?;
    let Some(department_id) = draft.department_id else {
        return Err(AppError::Invalid("所属部署を選んでください。".into()));
    };
    let Some(channel_id) = draft.channel_id else {
        return Err(AppError::Invalid("チャネルを選んでください。".into()));
    };
    let input = DeliveryInput {
        department_id,
        channel_id,
        title: draft.title,
        messages: draft.messages,
        target: draft.target,
        timing: draft.timing,
        untracked_links: draft.untracked_links,
        per_person_clicks: draft.per_person_clicks,
        rich_menu: draft.rich_menu,
    };
    let scope = me.grants.scope();
    let actor = ctx.actor(&me);
    let index = super::segments::audience_index();
    let now = domain::time::now();
    let saved = match (id, version) {
        (Some(id), Some(version)) => {
            deliveries::update(ctx.db(), &index, &actor, &scope, id, version, input, now).await
        }
        (Some(_), None) => {
            return Err(AppError::Invalid(
                "画面を再読み込みしてから保存してください。".into(),
            ));
        }
        (None, _) => deliveries::create(ctx.db(), &index, &actor, &scope, input, now).await,
    }?;
    // Saved: the composer's draft of this page is no longer needed.
    super::drafts::forget_draft(ctx.db(), me.id, "delivery", id).await;
    Ok(state_of(&saved))
}

/// A new draft with the same contents; answers with its id.
#[server(endpoint = "deliveries/copy")]
pub async fn copy_delivery(id: i64) -> Result<i64, AppError> {
    let (me, ctx) = crate::ssr::context::call::<CopyDelivery>()?;
    let copy =
        domain::delivery::deliveries::copy(ctx.db(), &ctx.actor(&me), &me.grants.scope(), id)
            .await?;
    Ok(copy.id)
}

/// Deletes a draft or a cancelled delivery that never sent anything.
#[server(endpoint = "deliveries/delete")]
pub async fn delete_delivery(id: i64) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<DeleteDelivery>()?;
    domain::delivery::deliveries::delete(ctx.db(), &ctx.actor(&me), &me.grants.scope(), id).await?;
    leptos_axum::redirect("/admin/deliveries?deleted=1");
    Ok(())
}

/// テスト配信: the saved delivery's messages, marked as a test, to chosen test recipients
/// (`recipients`, ids in the caller's scope) or to the caller's test recipients who match the
/// delivery's target (`by_target`). Nothing of the delivery changes; LINE's answer is in the
/// result.
#[server(endpoint = "deliveries/test", input = Json)]
pub async fn send_test_delivery(
    id: i64,
    recipients: Vec<i64>,
    by_target: bool,
) -> Result<DeliveryTest, AppError> {
    use domain::delivery::test_sends::{self, TestChoice, TestSettings};
    let (me, ctx) = crate::ssr::context::call::<SendTestDelivery>()?;
    let scope = me.grants.scope();
    let delivery = domain::delivery::deliveries::get(ctx.db(), &scope, id).await?;
    let line = ctx.line_client(&delivery.channel_key)?;
    let choice = if by_target {
        TestChoice::MatchingTarget
    } else {
        TestChoice::Chosen(recipients)
    };
    let test = test_sends::send(
        ctx.db(),
        &line.client,
        &super::segments::audience_index(),
        &ctx.actor(&me),
        &scope,
        id,
        choice,
        // How tests are marked (`TEST_SENDER_NAME`, `TEST_MESSAGE_PREFIX`): a server that
        // provides its settings as Leptos context is followed; LINE's defaults otherwise.
        &use_context::<TestSettings>().unwrap_or_default(),
        domain::time::now(),
    )
    .await?;
    Ok(test_view(test))
}

/// Sends now or schedules a delivery loaded at `version`, after staff confirmed.
#[server(endpoint = "deliveries/schedule")]
pub async fn schedule_delivery(id: i64, version: i32) -> Result<DeliveryState, AppError> {
    let (me, ctx) = crate::ssr::context::call::<ScheduleDelivery>()?;
    let view = domain::delivery::deliveries::schedule(
        ctx.db(),
        &super::segments::audience_index(),
        &ctx.actor(&me),
        &me.grants.scope(),
        id,
        version,
        domain::time::now(),
    )
    .await?;
    Ok(state_of(&view))
}

/// 解除: a scheduled delivery goes back to being editable (取消).
#[server(endpoint = "deliveries/cancel")]
pub async fn cancel_delivery(id: i64, version: i32) -> Result<DeliveryState, AppError> {
    let (me, ctx) = crate::ssr::context::call::<CancelDelivery>()?;
    let view = domain::delivery::deliveries::cancel(
        ctx.db(),
        &super::segments::audience_index(),
        &ctx.actor(&me),
        &me.grants.scope(),
        id,
        version,
        domain::time::now(),
    )
    .await?;
    Ok(state_of(&view))
}

/// Stops a delivery while it sends: batches not yet sent are not sent.
#[server(endpoint = "deliveries/stop")]
pub async fn stop_delivery(id: i64) -> Result<DeliveryState, AppError> {
    let (me, ctx) = crate::ssr::context::call::<StopDelivery>()?;
    let view =
        domain::delivery::deliveries::stop(ctx.db(), &ctx.actor(&me), &me.grants.scope(), id)
            .await?;
    Ok(state_of(&view))
}

#[cfg(feature = "ssr")]
pub(crate) async fn departments_in_scope(
    ctx: &crate::ssr::context::CallContext,
    scope: &model::access::Scope,
) -> Result<Vec<DepartmentOption>, AppError> {
    Ok(domain::staff::departments::list(ctx.db())
        .await?
        .into_iter()
        .filter(|d| scope.includes(d.id))
        .map(|d| DepartmentOption {
            id: d.id,
            name: d.name,
        })
        .collect())
}

/// Every channel, in the order they were added.
#[cfg(feature = "ssr")]
pub(crate) async fn delivery_channels(
    ctx: &crate::ssr::context::CallContext,
) -> Result<Vec<DeliveryChannel>, AppError> {
    use domain::platform::channels;
    let mut list = Vec::new();
    for c in channels::summaries(ctx.db(), &ctx.server().secrets).await? {
        list.push(DeliveryChannel {
            id: channels::id_of(ctx.db(), &c.key).await?,
            name: if c.name.trim().is_empty() {
                c.key.clone()
            } else {
                c.name
            },
            key: c.key,
            environment: c.environment,
            sandbox: c.sandbox,
        });
    }
    Ok(list)
}

#[cfg(feature = "ssr")]
fn state_of(view: &domain::delivery::deliveries::DeliveryView) -> DeliveryState {
    DeliveryState {
        id: view.id,
        status: view.status,
        version: view.version,
        next_at: view.next_at.map(domain::time::minutes),
    }
}

#[cfg(feature = "ssr")]
fn run_view(r: domain::delivery::deliveries::RunView) -> DeliveryRun {
    DeliveryRun {
        total: r.total(),
        id: r.id,
        occurrence_at: domain::time::minutes(r.occurrence_at),
        status: r.status,
        audience: r.audience,
        sent: r.sent,
        failed: r.failed,
        pending: r.pending,
        cancelled: r.cancelled,
        started_at: r.started_at.map(domain::time::seconds),
        finished_at: r.finished_at.map(domain::time::seconds),
        note: r.note,
        stop_requested: r.stop_requested,
        seconds_left: r.seconds_left,
        errors: r.errors,
    }
}

#[cfg(feature = "ssr")]
fn test_view(t: domain::delivery::deliveries::TestView) -> DeliveryTest {
    DeliveryTest {
        id: t.id,
        created_at: domain::time::seconds(t.created_at),
        created_by: t.created_by,
        names: t.names,
        by_target: t.by_target,
        status: t.status,
        error: t.error,
    }
}

#[cfg(feature = "ssr")]
fn detail(v: domain::delivery::deliveries::DeliveryView) -> DeliveryDetail {
    DeliveryDetail {
        id: v.id,
        department_id: v.department_id,
        department: v.department_name,
        channel: DeliveryChannel {
            id: v.channel_id,
            key: v.channel_key,
            name: v.channel_name,
            environment: v.environment,
            sandbox: v.sandbox,
        },
        title: v.title,
        messages: v.messages,
        target: v.target,
        timing: v.timing,
        untracked_links: v.untracked_links,
        per_person_clicks: v.per_person_clicks,
        rich_menu: v.rich_menu.as_ref().map(|m| DeliveryMenu {
            menu_id: m.menu_id,
            until: m
                .until
                .map(domain::time::local_minute_input)
                .unwrap_or_default(),
        }),
        rich_menu_summary: v.rich_menu.map(|m| {
            let title = if m.title.is_empty() {
                "（削除されたメニュー）".to_owned()
            } else {
                format!("「{}」", m.title)
            };
            match m.until {
                Some(until) => format!("{title}（{} まで）", domain::time::minutes(until)),
                None => format!("{title}（期限なし）"),
            }
        }),
        timing_summary: v.timing_summary,
        status: v.status,
        version: v.version,
        next_at: v.next_at.map(domain::time::minutes),
        created: format!(
            "{}（{}）",
            domain::time::minutes(v.created_at),
            v.created_by
        ),
        updated: format!(
            "{}（{}）",
            domain::time::minutes(v.updated_at),
            v.updated_by
        ),
        runs: v.runs.into_iter().map(run_view).collect(),
        tests: v.tests.into_iter().map(test_view).collect(),
    }
}

/// Calendar arithmetic on (year, month, day), without a date library in the browser build.
#[cfg(any(feature = "ssr", test))]
mod days {
    pub fn parse_month(text: &str) -> Option<(i32, u32)> {
        let (y, m) = text.trim().split_once('-')?;
        let (y, m) = (y.parse::<i32>().ok()?, m.parse::<u32>().ok()?);
        ((1970..=9999).contains(&y) && (1..=12).contains(&m)).then_some((y, m))
    }

    pub fn days_in_month(y: i32, m: u32) -> u32 {
        match m {
            2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// 1 (Monday) to 7 (Sunday).
    pub fn iso_weekday(y: i32, m: u32, d: u32) -> usize {
        // Sakamoto's method: 0 is Sunday.
        const T: [i32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
        let y = if m < 3 { y - 1 } else { y };
        let m_index = usize::try_from(m.saturating_sub(1)).unwrap_or(0).min(11);
        let d = i32::try_from(d).unwrap_or(1);
        let sunday0 = (y + y / 4 - y / 100 + y / 400 + T[m_index] + d).rem_euclid(7);
        match sunday0 {
            0 => 7,
            n => usize::try_from(n).unwrap_or(7),
        }
    }

    pub fn add_months(y: i32, m: u32, delta: i32) -> (i32, u32) {
        let index = y * 12 + i32::try_from(m).unwrap_or(1) - 1 + delta;
        (
            index.div_euclid(12),
            u32::try_from(index.rem_euclid(12)).unwrap_or(0) + 1,
        )
    }

    /// The month's weeks, Sunday to Saturday, with the neighbouring months' days that fill
    /// the first and last weeks.
    pub fn month_grid(y: i32, m: u32) -> Vec<Vec<(i32, u32, u32)>> {
        let lead = iso_weekday(y, m, 1) % 7; // days before the 1st (Sunday first)
        let (py, pm) = add_months(y, m, -1);
        let (ny, nm) = add_months(y, m, 1);
        let prev_days = days_in_month(py, pm);
        let mut days: Vec<(i32, u32, u32)> = Vec::new();
        for i in 0..lead {
            let back = u32::try_from(lead - i).unwrap_or(0);
            days.push((py, pm, prev_days + 1 - back));
        }
        for d in 1..=days_in_month(y, m) {
            days.push((y, m, d));
        }
        let mut next = 1;
        while !days.len().is_multiple_of(7) {
            days.push((ny, nm, next));
            next += 1;
        }
        days.chunks(7).map(<[_]>::to_vec).collect()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn weekdays_months_and_grids() {
            assert_eq!(iso_weekday(2026, 11, 27), 5); // a Friday
            assert_eq!(iso_weekday(2026, 11, 29), 7);
            assert_eq!(iso_weekday(2024, 2, 29), 4);
            assert_eq!(add_months(2026, 1, -1), (2025, 12));
            assert_eq!(add_months(2026, 12, 1), (2027, 1));
            assert_eq!(parse_month("2026-12"), Some((2026, 12)));
            assert_eq!(parse_month("2026-13"), None);
            let grid = month_grid(2026, 11); // 1 November 2026 is a Sunday
            assert_eq!(grid[0][0], (2026, 11, 1));
            assert_eq!(grid.len(), 5);
            assert_eq!(grid[4][6], (2026, 12, 5));
            let grid = month_grid(2026, 12); // starts on a Tuesday
            assert_eq!(grid[0][0], (2026, 11, 29));
            assert_eq!(grid[0][2], (2026, 12, 1));
        }
    }
}

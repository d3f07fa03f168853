//! Publishing a menu to LINE, where a menu can never be changed once created.
//!
//! Staff publish a menu: its design and image are frozen as a version (`rich_menu_version`),
//! and a `line_rich_menu` row, the version as a LINE menu of one channel, walks through the
//! steps of a [`State`] machine in a job ([`advance`]):
//!
//! `queued → creating → created → uploaded → live`, and later `retired → deleted`.
//!
//! - Every step is recorded before the next, so a publish interrupted anywhere (a crash, LINE
//!   unreachable) resumes where it was. Creating has no retry key at LINE: a menu whose answer
//!   was lost is found again by its `name`, our key (`machidayori-{id}`), before creating anew.
//! - Citizens never see a missing menu: the new menu becomes the default only once its image
//!   is uploaded, and the old one is deleted at LINE [`RETIRE_GRACE`] after that (the apps
//!   read a new default only when the chat is opened again), by [`clean_up`].
//! - LINE allows 100 creates and deletes an hour per channel: each call is reserved in
//!   `line_menu_call` first, across instances ([`reserve_call`]); past the budget, the step
//!   waits, and staff see until when.

use chrono::{TimeDelta, Utc};
use line::client::ClientError;
use model::access::Scope;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::delivery::messenger::Messenger;
use crate::entities::{
    line_menu_call, line_rich_menu, rich_menu, rich_menu_channel, rich_menu_version,
};
use crate::jobs::{Retry, Work, queue};
use crate::security::audit::{self, Actor};
use crate::{DateTime, DomainError, DomainResult};

/// How long a replaced menu stays at LINE before it is deleted.
pub const RETIRE_GRACE: TimeDelta = TimeDelta::minutes(10);

/// LINE's limit on creating and deleting rich menus, per channel and hour (both count here,
/// as in the client's rate limiter: `line::rate::RateClass::RichMenuCreateDelete`).
pub const CALLS_PER_HOUR: u32 = 100;

/// How long to wait after LINE answered 429 to a create or delete.
const AFTER_TOO_MANY: TimeDelta = TimeDelta::minutes(10);
/// How long the first tab waits before it looks again whether the other tabs are on LINE.
const TAB_WAIT: TimeDelta = TimeDelta::seconds(5);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Waiting for its job.
    Queued,
    /// The create call was (or is being) made: LINE may hold the menu already.
    Creating,
    Created,
    Uploaded,
    /// What citizens see now.
    Live,
    /// Replaced; deleted at LINE after `delete_after`.
    Retired,
    Deleted,
    /// LINE refused a step; `error` says why. A menu created at LINE is deleted later.
    Failed,
}

impl State {
    pub const ALL: [State; 8] = [
        State::Queued,
        State::Creating,
        State::Created,
        State::Uploaded,
        State::Live,
        State::Retired,
        State::Deleted,
        State::Failed,
    ];

    /// States whose menu is on LINE or on its way there: its design must stay.
    pub const ON_LINE_OR_ON_ITS_WAY: [&'static str; 6] = [
        "queued", "creating", "created", "uploaded", "live", "retired",
    ];

    /// A publish of the channel still under way.
    const IN_PROGRESS: [&'static str; 4] = ["queued", "creating", "created", "uploaded"];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Creating => "creating",
            State::Created => "created",
            State::Uploaded => "uploaded",
            State::Live => "live",
            State::Retired => "retired",
            State::Deleted => "deleted",
            State::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// What staff read.
    pub fn label_ja(self) -> &'static str {
        match self {
            State::Queued => "公開待ち",
            State::Creating => "LINE に作成中",
            State::Created => "画像を送信中",
            State::Uploaded => "切り替え中",
            State::Live => "公開中",
            State::Retired => "公開終了（LINE から削除待ち）",
            State::Deleted => "公開終了",
            State::Failed => "失敗",
        }
    }
}

/// One publish of a menu, as staff see it on the menu's page.
#[derive(Clone, Debug, PartialEq)]
pub struct Publication {
    pub id: i64,
    pub channel_id: i64,
    pub version_id: i64,
    pub version_number: i32,
    pub state: State,
    pub error: Option<String>,
    /// A step waits for LINE's hourly budget until then.
    pub wait_until: Option<DateTime>,
    pub line_id: Option<String>,
    pub created_at: DateTime,
    pub created_by: String,
}

/// What a publish makes of the menu at LINE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The channel's default: everyone without a menu of their own sees it.
    Default,
    /// Ready for per-user links (rules, deliveries, the emergency switch), not the default
    /// (unless an earlier version of it is).
    Linked,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Default => "default",
            Purpose::Linked => "linked",
        }
    }
}

/// Publishes menu `menu_id` (in `scope`) on channel `channel_id`: freezes it as a new version
/// and queues its publishing, which replaces the menu's earlier versions there. Refused while
/// the menu has problems, or while another publish of the channel is under way.
pub async fn publish(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    menu_id: i64,
    channel_id: i64,
    purpose: Purpose,
) -> DomainResult<Publication> {
    // A menu with tabs is published as one: every tab, each a LINE menu with its alias.
    let tabs = super::designs::tabs(db, scope, menu_id).await?;
    let ids: Vec<i64> = tabs.iter().map(|t| t.id).collect();
    let mut frozen = Vec::with_capacity(tabs.len());
    for tab in &tabs {
        let menu = super::designs::get(db, scope, tab.id).await?;
        let mut problems = menu.problems();
        problems.extend(menu.design.tab_problems(&ids));
        if !problems.is_empty() {
            let whose = if tabs.len() > 1 {
                format!("タブ「{}」: ", tab.name)
            } else {
                String::new()
            };
            return Err(DomainError::Invalid(format!(
                "公開できません。\n{whose}{}",
                problems.join(&format!("\n{whose}"))
            )));
        }
        frozen.push(super::designs::find_in_scope(db, scope, tab.id).await?);
    }
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    check_nothing_in_progress(&txn, channel_id).await?;
    let mut first = None;
    // Further tabs first: the first tab (what friends are shown) waits for them in `advance`.
    for (i, row) in frozen.into_iter().enumerate().rev() {
        let version = freeze(&txn, actor, row, now).await?;
        let purpose = if i == 0 { purpose } else { Purpose::Linked };
        let publication = queue_publish(&txn, actor, channel_id, &version, purpose, now).await?;
        if i == 0 {
            first = Some(publication);
        }
    }
    txn.commit().await?;
    crate::jobs::wake();
    first.ok_or_else(|| DomainError::Internal("a menu without its own tab".into()))
}

/// A new version of menu `row`: its design and image as they are now.
async fn freeze(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    row: rich_menu::Model,
    now: DateTime,
) -> DomainResult<rich_menu_version::Model> {
    let (Some(image), Some(image_type)) = (row.image, row.image_type) else {
        return Err(DomainError::Invalid("画像がありません。".into()));
    };
    let number = rich_menu_version::Entity::find()
        .select_only()
        .column_as(rich_menu_version::Column::Number.max(), "n")
        .filter(rich_menu_version::Column::RichMenuId.eq(row.id))
        .into_tuple::<Option<i32>>()
        .one(txn)
        .await?
        .flatten()
        .unwrap_or(0)
        + 1;
    Ok(rich_menu_version::ActiveModel {
        rich_menu_id: Set(row.id),
        number: Set(number),
        design: Set(row.design),
        image: Set(image),
        image_type: Set(image_type),
        created_at: Set(now),
        created_by: Set(actor.username.clone()),
        ..Default::default()
    }
    .insert(txn)
    .await?)
}

/// Publishes menu `menu_id` as the default of channel `channel_id` ([`publish`]).
pub async fn publish_default(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    menu_id: i64,
    channel_id: i64,
) -> DomainResult<Publication> {
    publish(db, actor, scope, menu_id, channel_id, Purpose::Default).await
}

/// Publishes an earlier version of a menu again as the default (a rollback): LINE gets a new
/// menu made from that version's frozen design and image.
pub async fn republish(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    version_id: i64,
    channel_id: i64,
) -> DomainResult<Publication> {
    let version = rich_menu_version::Entity::find_by_id(version_id)
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound("指定された版はありません。".into()))?;
    // The version's menu must be in scope.
    super::designs::find_in_scope(db, scope, version.rich_menu_id).await?;
    let txn = crate::db::begin_write(db).await?;
    check_nothing_in_progress(&txn, channel_id).await?;
    let publication = queue_publish(
        &txn,
        actor,
        channel_id,
        &version,
        Purpose::Default,
        Utc::now(),
    )
    .await?;
    txn.commit().await?;
    crate::jobs::wake();
    Ok(publication)
}

async fn check_nothing_in_progress(db: &impl ConnectionTrait, channel_id: i64) -> DomainResult<()> {
    let busy = line_rich_menu::Entity::find()
        .filter(line_rich_menu::Column::ChannelId.eq(channel_id))
        .filter(line_rich_menu::Column::State.is_in(State::IN_PROGRESS))
        .one(db)
        .await?;
    if busy.is_some() {
        return Err(DomainError::Conflict(
            "このチャネルでは別のリッチメニューを公開している途中です。終わってからもう一度お試しください。".into(),
        ));
    }
    Ok(())
}

async fn queue_publish(
    txn: &sea_orm::DatabaseTransaction,
    actor: &Actor,
    channel_id: i64,
    version: &rich_menu_version::Model,
    purpose: Purpose,
    now: DateTime,
) -> DomainResult<Publication> {
    let row = line_rich_menu::ActiveModel {
        channel_id: Set(channel_id),
        version_id: Set(version.id),
        name: Set(String::new()),
        line_id: Set(None),
        state: Set(State::Queued.as_str().to_owned()),
        purpose: Set(purpose.as_str().into()),
        error: Set(None),
        wait_until: Set(None),
        delete_after: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        created_by: Set(actor.username.clone()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let mut named: line_rich_menu::ActiveModel = row.into();
    named.name = Set(line_name(*named.id.as_ref()));
    let row = named.update(txn).await?;
    queue::enqueue(
        txn,
        &format!("publish_menu:{}", row.id),
        &Work::PublishMenu {
            line_menu_id: row.id,
        },
        now,
        now,
    )
    .await?;
    audit::record(
        txn,
        actor,
        "rich_menu.publish",
        "rich_menu",
        Some(&version.rich_menu_id.to_string()),
        serde_json::json!({
            "version": version.number,
            "channel_id": channel_id,
            "as": purpose.as_str(),
            "line_menu": row.id,
        }),
    )
    .await?;
    Ok(publication_of(row, version.number))
}

/// Our key for a LINE menu, sent as its `name` (LINE's list shows it; citizens never do).
pub fn line_name(line_menu_id: i64) -> String {
    format!("machidayori-{line_menu_id}")
}

/// Where a publish stands after [`advance`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Advance {
    Live,
    /// Waiting for LINE's hourly budget (or after its 429) until then.
    WaitUntil(DateTime),
    /// LINE refused; the row's `error` says why.
    Failed,
}

/// Takes publish `id` through its remaining steps with `line`, recording each. An error is one
/// to retry (LINE unreachable): the next attempt resumes at the recorded step. URL areas are
/// sent as they are ([`advance_tracked`] sends them through the click redirect).
pub async fn advance<M: Messenger>(
    db: &DatabaseConnection,
    line: &M,
    id: i64,
    calls_per_hour: u32,
    now: DateTime,
) -> Result<Advance, Retry> {
    advance_tracked(db, line, id, calls_per_hour, None, now).await
}

/// [`advance`], with each URL area sent to LINE as our click redirect under `public_base`
/// (`super::statistics::track_areas`) when one is given.
pub async fn advance_tracked<M: Messenger>(
    db: &DatabaseConnection,
    line: &M,
    id: i64,
    calls_per_hour: u32,
    public_base: Option<&str>,
    now: DateTime,
) -> Result<Advance, Retry> {
    loop {
        let row = find(db, id).await?;
        let state = State::parse(&row.state)
            .ok_or_else(|| Retry(format!("line_rich_menu {id}: unknown state {}", row.state)))?;
        match state {
            State::Queued | State::Creating => {
                if state == State::Creating {
                    // The last attempt may have created it and lost the answer.
                    let existing = line
                        .list_rich_menus()
                        .await
                        .map_err(|e| Retry(e.message_ja()))?;
                    if let Some(found) = existing.into_iter().find(|m| m.name == row.name) {
                        set(db, row, |r| {
                            r.line_id = Set(Some(found.rich_menu_id));
                            r.state = Set(State::Created.as_str().into());
                        })
                        .await?;
                        continue;
                    }
                }
                if let Reserved::BudgetSpent(at) =
                    reserve_call(db, row.channel_id, "create", calls_per_hour, now).await?
                {
                    return wait(db, row, at, "作成").await;
                }
                let version = rich_menu_version::Entity::find_by_id(row.version_id)
                    .one(db)
                    .await?
                    .ok_or_else(|| Retry(format!("version {} is gone", row.version_id)))?;
                let design: model::menu::MenuDesign = serde_json::from_str(&version.design)
                    .map_err(|e| Retry(format!("version {}: {e}", version.id)))?;
                let mut menu = design.to_line(&row.name);
                if let Some(base) = public_base.filter(|b| !b.is_empty()) {
                    menu =
                        super::statistics::track_areas(db, row.id, row.channel_id, menu, base, now)
                            .await?;
                }
                let row = set(db, row, |r| r.state = Set(State::Creating.as_str().into())).await?;
                match line.create_rich_menu(&menu).await {
                    Ok(line_id) => {
                        set(db, row, |r| {
                            r.line_id = Set(Some(line_id));
                            r.state = Set(State::Created.as_str().into());
                            r.wait_until = Set(None);
                            r.error = Set(None);
                        })
                        .await?;
                    }
                    Err(e) => return failed_step(db, row, e, now).await,
                }
            }
            State::Created => {
                let line_id = row.line_id.clone().unwrap_or_default();
                let version = rich_menu_version::Entity::find_by_id(row.version_id)
                    .one(db)
                    .await?
                    .ok_or_else(|| Retry(format!("version {} is gone", row.version_id)))?;
                match line
                    .upload_rich_menu_image(&line_id, &version.image_type, version.image)
                    .await
                {
                    // LINE keeps the first image: refused as "already uploaded", the image of
                    // an earlier attempt whose answer was lost is there.
                    Ok(()) => {}
                    Err(ClientError::Rejected {
                        status: 400, error, ..
                    }) if error.message.contains("already") => {}
                    Err(e) => return failed_step(db, row, e, now).await,
                }
                set(db, row, |r| r.state = Set(State::Uploaded.as_str().into())).await?;
            }
            State::Uploaded => {
                let line_id = row.line_id.clone().unwrap_or_default();
                if let Some((design, tabs)) = tab_group(db, &row).await? {
                    // Its alias names the new menu (read back to be sure) before it shows.
                    let alias = model::menu::tab_alias(design);
                    if let Err(e) = line.set_rich_menu_alias(&alias, &line_id).await {
                        return failed_step(db, row, e, now).await;
                    }
                    match line.get_rich_menu_alias(&alias).await {
                        Ok(read) if read.rich_menu_id == line_id => {}
                        Ok(read) => {
                            return Err(Retry(format!(
                                "alias {alias} names {} after it was set to {line_id}",
                                read.rich_menu_id
                            )));
                        }
                        Err(e) => return failed_step(db, row, e, now).await,
                    }
                    // The first tab shows once every other tab is on LINE, so a tap on a tab
                    // never finds nothing.
                    if tabs.first() == Some(&design) {
                        for other in &tabs[1..] {
                            match newest_state(db, row.channel_id, *other).await? {
                                Some(State::Live) => {}
                                Some(State::Failed) => {
                                    let message = "ほかのタブの公開に失敗したため、公開を中止しました。公開の履歴で理由を確かめてください。".to_owned();
                                    set(db, row, |r| {
                                        r.state = Set(State::Failed.as_str().into());
                                        r.error = Set(Some(message));
                                        r.wait_until = Set(None);
                                    })
                                    .await?;
                                    return Ok(Advance::Failed);
                                }
                                _ => {
                                    let at = now + TAB_WAIT;
                                    set(db, row, |r| {
                                        r.wait_until = Set(Some(at));
                                        r.error = Set(Some(
                                            "ほかのタブが LINE に用意できるのを待っています。"
                                                .into(),
                                        ));
                                    })
                                    .await?;
                                    return Ok(Advance::WaitUntil(at));
                                }
                            }
                        }
                    }
                }
                let becomes_default = becomes_default(db, &row).await?;
                if becomes_default && let Err(e) = line.set_default_rich_menu(&line_id).await {
                    return failed_step(db, row, e, now).await;
                }
                go_live(db, row, becomes_default, now).await?;
            }
            State::Live | State::Retired | State::Deleted => return Ok(Advance::Live),
            State::Failed => return Ok(Advance::Failed),
        }
    }
}

/// The design publish `row` is of and the tabs of its menu (the first tab first), when the
/// menu has tabs.
async fn tab_group(
    db: &DatabaseConnection,
    row: &line_rich_menu::Model,
) -> DomainResult<Option<(i64, Vec<i64>)>> {
    let Some(design) = design_of(db, row.id).await? else {
        return Ok(None);
    };
    let Some(menu) = rich_menu::Entity::find_by_id(design).one(db).await? else {
        return Ok(None);
    };
    let first = menu.tab_of.unwrap_or(menu.id);
    let mut tabs: Vec<i64> = rich_menu::Entity::find()
        .select_only()
        .column(rich_menu::Column::Id)
        .filter(rich_menu::Column::TabOf.eq(first))
        .into_tuple()
        .all(db)
        .await?;
    if tabs.is_empty() {
        return Ok(None);
    }
    tabs.sort_unstable();
    tabs.insert(0, first);
    Ok(Some((design, tabs)))
}

/// Where the newest publish of design `design` on channel `channel_id` stands.
async fn newest_state(
    db: &DatabaseConnection,
    channel_id: i64,
    design: i64,
) -> DomainResult<Option<State>> {
    let versions: Vec<i64> = rich_menu_version::Entity::find()
        .select_only()
        .column(rich_menu_version::Column::Id)
        .filter(rich_menu_version::Column::RichMenuId.eq(design))
        .into_tuple()
        .all(db)
        .await?;
    Ok(line_rich_menu::Entity::find()
        .filter(line_rich_menu::Column::ChannelId.eq(channel_id))
        .filter(line_rich_menu::Column::VersionId.is_in(versions))
        .order_by_desc(line_rich_menu::Column::Id)
        .one(db)
        .await?
        .and_then(|r| State::parse(&r.state)))
}

/// Whether publish `row` makes its menu the channel's default: asked for, or an earlier version
/// of the same menu is the default now.
async fn becomes_default(
    db: &DatabaseConnection,
    row: &line_rich_menu::Model,
) -> DomainResult<bool> {
    if row.purpose == Purpose::Default.as_str() {
        return Ok(true);
    }
    let Some(current) = rich_menu_channel::Entity::find_by_id(row.channel_id)
        .one(db)
        .await?
        .and_then(|c| c.default_line_menu_id)
    else {
        return Ok(false);
    };
    Ok(design_of(db, current).await? == design_of(db, row.id).await?)
}

async fn design_of(db: &impl ConnectionTrait, line_menu_id: i64) -> DomainResult<Option<i64>> {
    let Some(row) = line_rich_menu::Entity::find_by_id(line_menu_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(rich_menu_version::Entity::find_by_id(row.version_id)
        .one(db)
        .await?
        .map(|v| v.rich_menu_id))
}

/// `row` is live: the menu's earlier versions on the channel retire, and so does the default it
/// replaces (unless rules, deliveries or the emergency switch still use that menu); links are
/// brought in step.
async fn go_live(
    db: &DatabaseConnection,
    row: line_rich_menu::Model,
    becomes_default: bool,
    now: DateTime,
) -> DomainResult<()> {
    let txn = lock_channel(db, row.channel_id).await?;
    let channel = rich_menu_channel::Entity::find_by_id(row.channel_id)
        .one(&txn)
        .await?
        .ok_or_else(|| DomainError::Internal("rich_menu_channel row missing".into()))?;
    let design = design_of(&txn, row.id).await?;
    let mut retiring: Vec<i64> = Vec::new();
    // Earlier versions of this menu on the channel.
    for other in line_rich_menu::Entity::find()
        .filter(line_rich_menu::Column::ChannelId.eq(row.channel_id))
        .filter(line_rich_menu::Column::State.eq(State::Live.as_str()))
        .filter(line_rich_menu::Column::Id.ne(row.id))
        .all(&txn)
        .await?
    {
        if design_of(&txn, other.id).await? == design {
            retiring.push(other.id);
        }
    }
    if becomes_default {
        if let Some(previous) = channel.default_line_menu_id.filter(|p| *p != row.id)
            && !retiring.contains(&previous)
            && let Some(previous_design) = design_of(&txn, previous).await?
            && !super::links::in_use(&txn, row.channel_id, previous_design).await?
        {
            retiring.push(previous);
        }
        rich_menu_channel::Entity::update_many()
            .col_expr(
                rich_menu_channel::Column::DefaultLineMenuId,
                sea_orm::sea_query::Expr::value(row.id),
            )
            .filter(rich_menu_channel::Column::ChannelId.eq(row.channel_id))
            .exec(&txn)
            .await?;
    }
    if !retiring.is_empty() {
        line_rich_menu::Entity::update_many()
            .col_expr(
                line_rich_menu::Column::State,
                sea_orm::sea_query::Expr::value(State::Retired.as_str()),
            )
            .col_expr(
                line_rich_menu::Column::DeleteAfter,
                sea_orm::sea_query::Expr::value(now + RETIRE_GRACE),
            )
            .col_expr(
                line_rich_menu::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .col_expr(
                line_rich_menu::Column::EndedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(line_rich_menu::Column::Id.is_in(retiring))
            .filter(line_rich_menu::Column::State.eq(State::Live.as_str()))
            .exec(&txn)
            .await?;
    }
    let mut live: line_rich_menu::ActiveModel = row.into();
    live.state = Set(State::Live.as_str().into());
    live.updated_at = Set(now);
    live.live_at = Set(Some(now));
    let live = live.update(&txn).await?;
    super::links::request_reconcile(&txn, Some(live.channel_id), now).await?;
    txn.commit().await?;
    crate::jobs::wake();
    Ok(())
}

/// A step LINE did not do: a 429 waits, a refusal fails the publish (staff read LINE's reason
/// in Japanese), anything else is retried by the job.
async fn failed_step(
    db: &DatabaseConnection,
    row: line_rich_menu::Model,
    e: ClientError,
    now: DateTime,
) -> Result<Advance, Retry> {
    if e.is_rate_limited() {
        return wait(db, row, now + AFTER_TOO_MANY, "操作").await;
    }
    match e {
        // A 5xx on a single-attempt call (create) may have been done: tried again, after a
        // look at LINE's list.
        ClientError::Rejected { status, .. } if status >= 500 => Err(Retry(e.message_ja())),
        ClientError::Rejected { .. } | ClientError::Invalid(_) => {
            let message = e.message_ja();
            set(db, row, |r| {
                r.state = Set(State::Failed.as_str().into());
                r.error = Set(Some(message));
                r.wait_until = Set(None);
            })
            .await?;
            Ok(Advance::Failed)
        }
        other => Err(Retry(other.message_ja())),
    }
}

async fn wait(
    db: &DatabaseConnection,
    row: line_rich_menu::Model,
    at: DateTime,
    what: &str,
) -> Result<Advance, Retry> {
    let at_jst = crate::time::minutes(at);
    set(db, row, |r| {
        r.wait_until = Set(Some(at));
        r.error = Set(Some(format!(
            "LINE のリッチメニュー{what}の上限（1時間に{CALLS_PER_HOUR}件）に達したため、{at_jst} 頃に続けます。"
        )));
    })
    .await?;
    Ok(Advance::WaitUntil(at))
}

async fn find(db: &DatabaseConnection, id: i64) -> DomainResult<line_rich_menu::Model> {
    line_rich_menu::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("line_rich_menu {id}")))
}

async fn set(
    db: &DatabaseConnection,
    row: line_rich_menu::Model,
    change: impl FnOnce(&mut line_rich_menu::ActiveModel),
) -> DomainResult<line_rich_menu::Model> {
    let mut active: line_rich_menu::ActiveModel = row.into();
    change(&mut active);
    active.updated_at = Set(Utc::now());
    Ok(active.update(db).await?)
}

/// Whether a create or delete may be made now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reserved {
    Yes,
    /// The hour's calls are used up: not before this time.
    BudgetSpent(DateTime),
}

/// Reserves one of channel `channel_id`'s hourly rich menu creates/deletes, recorded before the
/// call is made (a crash after the call still counts it). The check and the record hold the
/// channel's `rich_menu_channel` row, so instances never go past the budget together.
pub async fn reserve_call(
    db: &DatabaseConnection,
    channel_id: i64,
    kind: &str,
    limit: u32,
    now: DateTime,
) -> DomainResult<Reserved> {
    let txn = lock_channel(db, channel_id).await?;
    let recent: Vec<DateTime> = line_menu_call::Entity::find()
        .select_only()
        .column(line_menu_call::Column::CalledAt)
        .filter(line_menu_call::Column::ChannelId.eq(channel_id))
        .filter(line_menu_call::Column::CalledAt.gt(now - TimeDelta::hours(1)))
        .order_by_desc(line_menu_call::Column::CalledAt)
        .into_tuple()
        .all(&txn)
        .await?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX).max(1);
    if recent.len() >= limit {
        txn.commit().await?;
        let at = recent.get(limit - 1).copied().unwrap_or(now);
        return Ok(Reserved::BudgetSpent(at + TimeDelta::hours(1)));
    }
    line_menu_call::ActiveModel {
        channel_id: Set(channel_id),
        kind: Set(kind.to_owned()),
        called_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Reserved::Yes)
}

/// A transaction holding channel `channel_id`'s `rich_menu_channel` row (made when missing).
pub(crate) async fn lock_channel(
    db: &DatabaseConnection,
    channel_id: i64,
) -> DomainResult<sea_orm::DatabaseTransaction> {
    let txn = crate::db::begin_write(db).await?;
    rich_menu_channel::Entity::insert(rich_menu_channel::ActiveModel {
        channel_id: Set(channel_id),
        default_line_menu_id: Set(None),
        emergency_menu_id: Set(None),
        emergency_since: Set(None),
        emergency_by: Set(None),
    })
    .on_conflict(
        OnConflict::column(rich_menu_channel::Column::ChannelId)
            .update_column(rich_menu_channel::Column::ChannelId)
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    Ok(txn)
}

/// Deletes at LINE the menus no one sees any more: retired ones past their grace, and ones a
/// failed publish created. Never the channel's default. Answers how many were deleted.
pub async fn clean_up<M: Messenger>(
    db: &DatabaseConnection,
    line_of: impl Fn(i64) -> Option<std::sync::Arc<M>>,
    calls_per_hour: u32,
    now: DateTime,
) -> DomainResult<u32> {
    let retired = line_rich_menu::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(
                    sea_orm::Condition::all()
                        .add(line_rich_menu::Column::State.eq(State::Retired.as_str()))
                        .add(line_rich_menu::Column::DeleteAfter.lte(now)),
                )
                .add(
                    sea_orm::Condition::all()
                        .add(line_rich_menu::Column::State.eq(State::Failed.as_str()))
                        .add(line_rich_menu::Column::LineId.is_not_null()),
                ),
        )
        .order_by_asc(line_rich_menu::Column::Id)
        .all(db)
        .await?;
    let defaults: Vec<Option<i64>> = rich_menu_channel::Entity::find()
        .select_only()
        .column(rich_menu_channel::Column::DefaultLineMenuId)
        .into_tuple()
        .all(db)
        .await?;
    let mut deleted = 0;
    for row in retired {
        if defaults.contains(&Some(row.id)) {
            continue;
        }
        let Some(line) = line_of(row.channel_id) else {
            continue;
        };
        let Some(line_id) = row.line_id.clone() else {
            continue;
        };
        if reserve_call(db, row.channel_id, "delete", calls_per_hour, now).await? != Reserved::Yes {
            continue;
        }
        match line.delete_rich_menu(&line_id).await {
            // Gone already (deleted by hand, or an earlier attempt's answer was lost).
            Ok(()) | Err(ClientError::Rejected { status: 404, .. }) => {
                set(db, row, |r| {
                    r.state = Set(State::Deleted.as_str().into());
                    r.delete_after = Set(None);
                })
                .await?;
                deleted += 1;
            }
            Err(e) => {
                tracing::warn!(line_menu = row.id, error = %e, "rich menu not deleted at LINE; tried again later");
            }
        }
    }
    Ok(deleted)
}

/// The publishes of menu `menu_id` (in `scope`), newest first.
pub async fn publications(
    db: &DatabaseConnection,
    scope: &Scope,
    menu_id: i64,
) -> DomainResult<Vec<Publication>> {
    super::designs::find_in_scope(db, scope, menu_id).await?;
    let versions: Vec<(i64, i32)> = rich_menu_version::Entity::find()
        .select_only()
        .column(rich_menu_version::Column::Id)
        .column(rich_menu_version::Column::Number)
        .filter(rich_menu_version::Column::RichMenuId.eq(menu_id))
        .into_tuple()
        .all(db)
        .await?;
    let rows = line_rich_menu::Entity::find()
        .filter(line_rich_menu::Column::VersionId.is_in(versions.iter().map(|v| v.0)))
        .order_by_desc(line_rich_menu::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let number = versions
                .iter()
                .find(|v| v.0 == r.version_id)
                .map_or(0, |v| v.1);
            publication_of(r, number)
        })
        .collect())
}

/// The LINE menu that is channel `channel_id`'s default now, if any: (menu id, version number).
pub async fn default_of(
    db: &DatabaseConnection,
    channel_id: i64,
) -> DomainResult<Option<(i64, i32)>> {
    let Some(line_menu_id) = rich_menu_channel::Entity::find_by_id(channel_id)
        .one(db)
        .await?
        .and_then(|c| c.default_line_menu_id)
    else {
        return Ok(None);
    };
    let Some(row) = line_rich_menu::Entity::find_by_id(line_menu_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(rich_menu_version::Entity::find_by_id(row.version_id)
        .one(db)
        .await?
        .map(|v| (v.rich_menu_id, v.number)))
}

fn publication_of(r: line_rich_menu::Model, version_number: i32) -> Publication {
    Publication {
        id: r.id,
        channel_id: r.channel_id,
        version_id: r.version_id,
        version_number,
        state: State::parse(&r.state).unwrap_or(State::Failed),
        error: r.error,
        wait_until: r.wait_until,
        line_id: r.line_id,
        created_at: r.created_at,
        created_by: r.created_by,
    }
}

/// Runs publish job `id`: the channel's messenger, [`advance`], and, when it must wait, a job
/// of its own for then.
pub async fn run_job<M: Messenger>(
    db: &DatabaseConnection,
    line_of: impl Fn(i64) -> Option<std::sync::Arc<M>>,
    id: i64,
    calls_per_hour: u32,
    public_base: Option<&str>,
    now: DateTime,
) -> Result<String, Retry> {
    let row = find(db, id).await?;
    let line = line_of(row.channel_id).ok_or_else(|| {
        Retry(format!(
            "channel {} has no LINE client here",
            row.channel_id
        ))
    })?;
    match advance_tracked(db, &*line, id, calls_per_hour, public_base, now).await? {
        Advance::Live => Ok(format!("rich menu {id} is live")),
        Advance::Failed => Ok(format!("rich menu {id} failed; LINE refused a step")),
        Advance::WaitUntil(at) => {
            queue::enqueue(
                db,
                &format!(
                    "publish_menu:{id}@{}",
                    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
                &Work::PublishMenu { line_menu_id: id },
                at,
                now,
            )
            .await?;
            Ok(format!(
                "rich menu {id} waits (LINE's hourly budget or its other tabs) until {at}"
            ))
        }
    }
}

//! Who sees which menu: rules ("friends in segment S see menu M", by priority, optionally in a
//! period; a rule for every friend in a period is a scheduled switch such as 年末年始), a delivery's menu for its recipients until a time, and the emergency switch, kept
//! in step at LINE by per-user links ([`reconcile`]).
//!
//! One precedence, in [`choose`]: emergency > a delivery's menu (until its time) > the first
//! matching rule > the channel's default (no link). [`reconcile`] computes it for every
//! following friend, compares it with what was linked (`friend_rich_menu`), and sends only the
//! differences, grouped by menu, 500 users a call (LINE's bulk link and unlink). It runs as the
//! `reconcile_menus` job after anything that can change the answer (a rule, a publish, the
//! emergency switch, a follow, an attribute change) and every few minutes (periods, expiries).

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use model::access::Scope;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::audience::index::AudienceIndex;
use crate::delivery::messenger::Messenger;
use crate::entities::{
    delivery, friend, friend_rich_menu, line_rich_menu, rich_menu, rich_menu_channel,
    rich_menu_rule, rich_menu_version, segment,
};
use crate::jobs::{Work, queue};
use crate::security::audit::{self, Actor};
use crate::staff::scope::ScopeCondition;
use crate::{DateTime, DomainError, DomainResult};
use model::status::DeliveryStatus;

/// What staff read for a rule without a segment.
pub const EVERYONE: &str = "すべての友だち";

/// LINE's bulk link and unlink take at most this many users a call.
const USERS_PER_CALL: usize = line::validate::MAX_BULK_USERS;

/// A rule as staff see it.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleView {
    pub id: i64,
    /// None: every friend.
    pub segment_id: Option<i64>,
    /// 「すべての友だち」 for a rule without a segment.
    pub segment_name: String,
    pub menu_id: i64,
    pub menu_title: String,
    pub priority: i32,
    pub starts_at: Option<DateTime>,
    pub ends_at: Option<DateTime>,
    /// The menu has no live LINE menu in the channel yet: the rule has no effect until then.
    pub unpublished: bool,
}

pub struct RuleInput {
    /// None: every friend (then a period is required).
    pub segment_id: Option<i64>,
    pub menu_id: i64,
    pub priority: i32,
    pub starts_at: Option<DateTime>,
    pub ends_at: Option<DateTime>,
}

/// The rules of channel `channel_id` whose menu is in `scope`, by priority.
pub async fn rules(
    db: &DatabaseConnection,
    scope: &Scope,
    channel_id: i64,
) -> DomainResult<Vec<RuleView>> {
    let rows = rich_menu_rule::Entity::find()
        .filter(rich_menu_rule::Column::ChannelId.eq(channel_id))
        .filter(scope.condition(rich_menu_rule::Column::DepartmentId))
        .order_by_asc(rich_menu_rule::Column::Priority)
        .order_by_asc(rich_menu_rule::Column::Id)
        .all(db)
        .await?;
    let segments: HashMap<i64, String> = segment::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let menus: HashMap<i64, String> = rich_menu::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m.title))
        .collect();
    let live = live_menus(db, channel_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| RuleView {
            id: r.id,
            segment_id: r.segment_id,
            segment_name: match r.segment_id {
                Some(id) => segments.get(&id).cloned().unwrap_or_default(),
                None => EVERYONE.to_owned(),
            },
            menu_id: r.rich_menu_id,
            menu_title: menus.get(&r.rich_menu_id).cloned().unwrap_or_default(),
            priority: r.priority,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            unpublished: !live.contains_key(&r.rich_menu_id),
        })
        .collect())
}

/// Adds a rule: segment and menu must both be in `scope`; the rule belongs to the menu's
/// department. A rule for every friend needs a period (else the menu is the default's job).
pub async fn add_rule(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    channel_id: i64,
    input: RuleInput,
) -> DomainResult<i64> {
    let menu = super::designs::find_in_scope(db, scope, input.menu_id).await?;
    match input.segment_id {
        Some(segment_id) => {
            segment::Entity::find_by_id(segment_id)
                .filter(scope.condition(segment::Column::DepartmentId))
                .one(db)
                .await?
                .ok_or_else(|| {
                    DomainError::NotFound("指定されたセグメントはありません。".into())
                })?;
        }
        None if input.starts_at.is_none() || input.ends_at.is_none() => {
            return Err(DomainError::Invalid(
                "すべての友だちに切り替えるときは、期間の始まりと終わりを入れてください（ずっと表示するメニューは「既定として公開」してください）。"
                    .into(),
            ));
        }
        None => {}
    }
    if let (Some(s), Some(e)) = (input.starts_at, input.ends_at)
        && e <= s
    {
        return Err(DomainError::Invalid(
            "終わりの日時は、始まりの日時より後にしてください。".into(),
        ));
    }
    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let row = rich_menu_rule::ActiveModel {
        channel_id: Set(channel_id),
        department_id: Set(menu.department_id),
        segment_id: Set(input.segment_id),
        rich_menu_id: Set(input.menu_id),
        priority: Set(input.priority),
        starts_at: Set(input.starts_at),
        ends_at: Set(input.ends_at),
        updated_at: Set(now),
        updated_by: Set(actor.username.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        "rich_menu.rule.add",
        "rich_menu_rule",
        Some(&row.id.to_string()),
        serde_json::json!({
            "channel_id": channel_id,
            "segment_id": input.segment_id,
            "rich_menu_id": input.menu_id,
            "priority": input.priority,
        }),
    )
    .await?;
    request_reconcile(&txn, Some(channel_id), now).await?;
    txn.commit().await?;
    crate::jobs::wake();
    Ok(row.id)
}

pub async fn delete_rule(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
) -> DomainResult<()> {
    let row = rich_menu_rule::Entity::find_by_id(id)
        .filter(scope.condition(rich_menu_rule::Column::DepartmentId))
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound("指定されたルールはありません。".into()))?;
    let txn = crate::db::begin_write(db).await?;
    rich_menu_rule::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        actor,
        "rich_menu.rule.delete",
        "rich_menu_rule",
        Some(&id.to_string()),
        serde_json::json!({ "channel_id": row.channel_id, "segment_id": row.segment_id }),
    )
    .await?;
    request_reconcile(&txn, Some(row.channel_id), Utc::now()).await?;
    txn.commit().await?;
    crate::jobs::wake();
    Ok(())
}

/// Asks for a `reconcile_menus` job (of one channel, or of all) soon: one per channel and
/// second, so a burst of changes (a CSV import) is one pass. The job runs when the second is
/// over, so it sees every change asked for in it (a job of the same second that already ran
/// would otherwise swallow a later request).
pub async fn request_reconcile(
    db: &impl ConnectionTrait,
    channel_id: Option<i64>,
    now: DateTime,
) -> DomainResult<()> {
    let which = channel_id.map_or_else(|| "all".to_owned(), |c| c.to_string());
    let next_second = now.timestamp() + 1;
    let run_at = DateTime::from_timestamp(next_second, 0).unwrap_or(now);
    queue::enqueue(
        db,
        &format!("reconcile_menus:{which}@{next_second}"),
        &Work::ReconcileMenus { channel_id },
        run_at,
        now,
    )
    .await?;
    Ok(())
}

/// The current live LINE menu of each design in channel `channel_id`: design id → (LINE id,
/// `line_rich_menu` id).
pub(crate) async fn live_menus(
    db: &impl ConnectionTrait,
    channel_id: i64,
) -> DomainResult<HashMap<i64, (String, i64)>> {
    let rows = line_rich_menu::Entity::find()
        .filter(line_rich_menu::Column::ChannelId.eq(channel_id))
        .filter(line_rich_menu::Column::State.eq(super::publish::State::Live.as_str()))
        .order_by_asc(line_rich_menu::Column::Id)
        .all(db)
        .await?;
    let versions: HashMap<i64, i64> = rich_menu_version::Entity::find()
        .select_only()
        .column(rich_menu_version::Column::Id)
        .column(rich_menu_version::Column::RichMenuId)
        .filter(rich_menu_version::Column::Id.is_in(rows.iter().map(|r| r.version_id)))
        .into_tuple::<(i64, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    // The newest live row of a design wins (an older one is retiring).
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let design = *versions.get(&r.version_id)?;
            Some((design, (r.line_id?, r.id)))
        })
        .collect())
}

/// Whether menu `menu_id` is still wanted on channel `channel_id` besides as its default: a
/// rule, a delivery's menu or the emergency switch names it.
pub(crate) async fn in_use(
    db: &impl ConnectionTrait,
    channel_id: i64,
    menu_id: i64,
) -> DomainResult<bool> {
    let rule = rich_menu_rule::Entity::find()
        .filter(rich_menu_rule::Column::ChannelId.eq(channel_id))
        .filter(rich_menu_rule::Column::RichMenuId.eq(menu_id))
        .one(db)
        .await?;
    let delivery = friend_rich_menu::Entity::find()
        .filter(friend_rich_menu::Column::ChannelId.eq(channel_id))
        .filter(friend_rich_menu::Column::OverrideMenuId.eq(menu_id))
        .one(db)
        .await?;
    let emergency = rich_menu_channel::Entity::find_by_id(channel_id)
        .one(db)
        .await?
        .and_then(|c| c.emergency_menu_id);
    // A delivery still to be sent that will link its recipients to it.
    let to_send = delivery::Entity::find()
        .filter(delivery::Column::ChannelId.eq(channel_id))
        .filter(delivery::Column::RichMenuId.eq(menu_id))
        .filter(
            delivery::Column::Status.is_in([DeliveryStatus::Scheduled, DeliveryStatus::Sending]),
        )
        .one(db)
        .await?;
    Ok(rule.is_some() || delivery.is_some() || emergency == Some(menu_id) || to_send.is_some())
}

/// Gives the friends a run of a delivery reached (`friend_ids`) the delivery's menu
/// `menu_id` until `until` (none: no end), in the run's end transaction; the next
/// [`reconcile`] links them at LINE (500 a call) and returns them to their rules after `until`.
pub(crate) async fn give_delivery_menu(
    db: &impl ConnectionTrait,
    channel_id: i64,
    friend_ids: &[i64],
    menu_id: i64,
    until: Option<DateTime>,
    note: &str,
    now: DateTime,
) -> DomainResult<()> {
    for chunk in friend_ids.chunks(USERS_PER_CALL) {
        let rows = chunk.iter().map(|friend_id| friend_rich_menu::ActiveModel {
            friend_id: Set(*friend_id),
            channel_id: Set(channel_id),
            // A new row: nothing linked yet (reconcile links it).
            linked_line_id: Set(None),
            source: Set(String::new()),
            override_menu_id: Set(Some(menu_id)),
            override_until: Set(until),
            override_note: Set(Some(note.to_owned())),
            updated_at: Set(now),
        });
        friend_rich_menu::Entity::insert_many(rows)
            .on_conflict(
                sea_orm::sea_query::OnConflict::column(friend_rich_menu::Column::FriendId)
                    .update_columns([
                        friend_rich_menu::Column::OverrideMenuId,
                        friend_rich_menu::Column::OverrideUntil,
                        friend_rich_menu::Column::OverrideNote,
                        friend_rich_menu::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    request_reconcile(db, Some(channel_id), now).await
}

/// The menus (design ids) with a live LINE menu on channel `channel_id`.
pub async fn published_menus(
    db: &DatabaseConnection,
    channel_id: i64,
) -> DomainResult<HashSet<i64>> {
    Ok(live_menus(db, channel_id).await?.into_keys().collect())
}

/// What decides one friend's menu, besides the rules.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Standing {
    /// The emergency menu of the channel, while the switch is on.
    pub emergency: Option<i64>,
    /// A delivery's menu for this friend, until a time (none: no end), with what staff read.
    pub delivery: Option<(i64, Option<DateTime>, String)>,
}

/// A rule that applies now, with its members.
pub struct ActiveRule {
    pub menu_id: i64,
    /// What the friend page says: 「セグメント「子育て」のルール」.
    pub reason: String,
    /// The segment's friends; none: every friend.
    pub members: Option<HashSet<i64>>,
}

/// The menu friend `friend_id` should see and why, by the one precedence: emergency, then a
/// delivery's menu until its time, then the first rule whose segment holds the friend, else
/// none (the channel's default). `published` says which menus have a live LINE menu: one that
/// has none is passed over.
pub fn choose(
    friend_id: i64,
    standing: &Standing,
    rules: &[ActiveRule],
    published: &impl Fn(i64) -> bool,
    now: DateTime,
) -> (Option<i64>, String) {
    if let Some(menu) = standing.emergency.filter(|m| published(*m)) {
        return (Some(menu), "緊急切り替え".into());
    }
    if let Some((menu, until, note)) = &standing.delivery
        && until.is_none_or(|u| u > now)
        && published(*menu)
    {
        return (Some(*menu), note.clone());
    }
    for rule in rules {
        let holds = rule.members.as_ref().is_none_or(|m| m.contains(&friend_id));
        if holds && published(rule.menu_id) {
            return (Some(rule.menu_id), rule.reason.clone());
        }
    }
    (None, "既定のメニュー".into())
}

/// What one pass of [`reconcile`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reconciled {
    pub linked: usize,
    pub unlinked: usize,
}

/// Brings LINE's per-user links of channel `channel_id` in step with [`choose`] for every
/// following friend. Each bulk call is recorded as it succeeds, so a failure part-way resumes
/// with what is left.
pub async fn reconcile<M: Messenger>(
    db: &DatabaseConnection,
    index: &AudienceIndex,
    line: &M,
    channel_id: i64,
    now: DateTime,
) -> DomainResult<Reconciled> {
    let channel = rich_menu_channel::Entity::find_by_id(channel_id)
        .one(db)
        .await?;
    let emergency = channel.as_ref().and_then(|c| c.emergency_menu_id);
    let live = live_menus(db, channel_id).await?;
    let published = |menu: i64| live.contains_key(&menu);
    let mut active = Vec::new();
    for rule in rich_menu_rule::Entity::find()
        .filter(rich_menu_rule::Column::ChannelId.eq(channel_id))
        .order_by_asc(rich_menu_rule::Column::Priority)
        .order_by_asc(rich_menu_rule::Column::Id)
        .all(db)
        .await?
    {
        let in_period =
            rule.starts_at.is_none_or(|s| s <= now) && rule.ends_at.is_none_or(|e| now < e);
        if !in_period {
            continue;
        }
        let Some(segment_id) = rule.segment_id else {
            active.push(ActiveRule {
                menu_id: rule.rich_menu_id,
                reason: format!(
                    "期間の切り替え（{}まで）",
                    rule.ends_at.map(crate::time::minutes).unwrap_or_default()
                ),
                members: None,
            });
            continue;
        };
        let target = model::delivery::Target {
            segment_ids: vec![segment_id],
            ..Default::default()
        };
        let selection = crate::audience::segments::selection(db, &target).await?;
        let members = index
            .friend_ids(db, channel_id, &selection, now)
            .await?
            .into_iter()
            .collect();
        let segment_name = segment::Entity::find_by_id(segment_id)
            .one(db)
            .await?
            .map(|s| s.name)
            .unwrap_or_default();
        active.push(ActiveRule {
            menu_id: rule.rich_menu_id,
            reason: format!("セグメント「{segment_name}」のルール"),
            members: Some(members),
        });
    }
    let friends: Vec<(i64, String)> = friend::Entity::find()
        .select_only()
        .column(friend::Column::Id)
        .column(friend::Column::LineUserId)
        .filter(friend::Column::ChannelId.eq(channel_id))
        .filter(friend::Column::Status.eq(model::status::FriendStatus::Following))
        .into_tuple()
        .all(db)
        .await?;
    let known: HashMap<i64, friend_rich_menu::Model> = friend_rich_menu::Entity::find()
        .filter(friend_rich_menu::Column::ChannelId.eq(channel_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.friend_id, r))
        .collect();
    // Changes grouped by the LINE menu to link (None: unlink).
    let mut changes: HashMap<Option<String>, Vec<(i64, String, String)>> = HashMap::new();
    // Friends whose menu stays and whose reason changed, by their menu.
    let mut reasons: HashMap<Option<String>, Vec<(i64, String)>> = HashMap::new();
    for (friend_id, user_id) in friends {
        let row = known.get(&friend_id);
        let standing = Standing {
            emergency,
            delivery: row.and_then(|r| {
                Some((
                    r.override_menu_id?,
                    r.override_until,
                    r.override_note.clone().unwrap_or_default(),
                ))
            }),
        };
        let (menu, source) = choose(friend_id, &standing, &active, &published, now);
        let want = menu
            .and_then(|m| live.get(&m))
            .map(|(line_id, _)| line_id.clone());
        let have = row.and_then(|r| r.linked_line_id.clone());
        if want != have {
            changes
                .entry(want)
                .or_default()
                .push((friend_id, user_id, source));
        } else if row.is_some_and(|r| r.source != source) {
            // Only the reason changed: recorded below, nothing to send.
            reasons.entry(want).or_default().push((friend_id, source));
        }
    }
    for (linked, friends) in reasons {
        for chunk in friends.chunks(USERS_PER_CALL) {
            record(db, channel_id, chunk, linked.clone(), now).await?;
        }
    }
    let mut done = Reconciled::default();
    for (target, members) in changes {
        for chunk in members.chunks(USERS_PER_CALL) {
            let users: Vec<String> = chunk.iter().map(|(_, u, _)| u.clone()).collect();
            let result = match &target {
                Some(line_id) => line.bulk_link_rich_menu(&users, line_id).await,
                None => line.bulk_unlink_rich_menu(&users).await,
            };
            result.map_err(|e| DomainError::Line(e.message_ja()))?;
            let sources: Vec<(i64, String)> =
                chunk.iter().map(|(f, _, s)| (*f, s.clone())).collect();
            record(db, channel_id, &sources, target.clone(), now).await?;
            match target {
                Some(_) => done.linked += chunk.len(),
                None => done.unlinked += chunk.len(),
            }
        }
    }
    // A delivery's menu past its time is forgotten (the friend is back on the rules above).
    friend_rich_menu::Entity::update_many()
        .col_expr(
            friend_rich_menu::Column::OverrideMenuId,
            sea_orm::sea_query::Expr::value(Option::<i64>::None),
        )
        .col_expr(
            friend_rich_menu::Column::OverrideUntil,
            sea_orm::sea_query::Expr::value(Option::<DateTime>::None),
        )
        .filter(friend_rich_menu::Column::ChannelId.eq(channel_id))
        .filter(friend_rich_menu::Column::OverrideUntil.lte(now))
        .exec(db)
        .await?;
    Ok(done)
}

/// Records what `friends` are linked to now and why: one upsert per call (a bulk call's 500
/// friends), keeping each friend's delivery menu as it is.
async fn record(
    db: &DatabaseConnection,
    channel_id: i64,
    friends: &[(i64, String)],
    linked: Option<String>,
    now: DateTime,
) -> DomainResult<()> {
    if friends.is_empty() {
        return Ok(());
    }
    let rows = friends
        .iter()
        .map(|(friend_id, source)| friend_rich_menu::ActiveModel {
            friend_id: Set(*friend_id),
            channel_id: Set(channel_id),
            linked_line_id: Set(linked.clone()),
            source: Set(source.clone()),
            override_menu_id: Set(None),
            override_until: Set(None),
            override_note: Set(None),
            updated_at: Set(now),
        });
    friend_rich_menu::Entity::insert_many(rows)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(friend_rich_menu::Column::FriendId)
                .update_columns([
                    friend_rich_menu::Column::LinkedLineId,
                    friend_rich_menu::Column::Source,
                    friend_rich_menu::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The emergency switch of a channel, as staff see it.
#[derive(Clone, Debug, PartialEq)]
pub struct Emergency {
    pub menu_id: i64,
    pub since: DateTime,
    pub by: String,
}

pub async fn emergency(
    db: &DatabaseConnection,
    channel_id: i64,
) -> DomainResult<Option<Emergency>> {
    Ok(rich_menu_channel::Entity::find_by_id(channel_id)
        .one(db)
        .await?
        .and_then(|c| {
            Some(Emergency {
                menu_id: c.emergency_menu_id?,
                since: c.emergency_since?,
                by: c.emergency_by.unwrap_or_default(),
            })
        }))
}

/// Turns the emergency switch on: everyone on channel `channel_id` sees menu `menu_id` (in
/// `scope`) at once. The menu must be on LINE already (published beforehand, so that LINE's
/// hourly limit on creating menus can never hold this up): it becomes the default (for new
/// friends) and the `reconcile_menus` job links it to every friend within seconds, as per-user
/// links show at once where a new default waits for the chat to be reopened. It answers as soon
/// as the default is set: linking 100,000 friends (200 bulk calls) is the job's, not the
/// request's.
pub async fn emergency_on<M: Messenger>(
    db: &DatabaseConnection,
    line: &M,
    actor: &Actor,
    scope: &Scope,
    channel_id: i64,
    menu_id: i64,
) -> DomainResult<()> {
    let menu = super::designs::find_in_scope(db, scope, menu_id).await?;
    let live = live_menus(db, channel_id).await?;
    let Some((line_id, _)) = live.get(&menu_id) else {
        return Err(DomainError::Invalid(format!(
            "「{}」はまだこのチャネルに公開されていません。緊急時に使うメニューは、前もって「切り替え用に公開」しておいてください。",
            menu.title
        )));
    };
    let now = Utc::now();
    line.set_default_rich_menu(line_id)
        .await
        .map_err(|e| DomainError::Line(e.message_ja()))?;
    let txn = super::publish::lock_channel(db, channel_id).await?;
    rich_menu_channel::Entity::update_many()
        .col_expr(
            rich_menu_channel::Column::EmergencyMenuId,
            sea_orm::sea_query::Expr::value(menu_id),
        )
        .col_expr(
            rich_menu_channel::Column::EmergencySince,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            rich_menu_channel::Column::EmergencyBy,
            sea_orm::sea_query::Expr::value(actor.username.clone()),
        )
        .filter(rich_menu_channel::Column::ChannelId.eq(channel_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        "rich_menu.emergency.on",
        "rich_menu",
        Some(&menu_id.to_string()),
        serde_json::json!({ "channel_id": channel_id, "title": menu.title }),
    )
    .await?;
    request_reconcile(&txn, Some(channel_id), now).await?;
    txn.commit().await?;
    crate::jobs::wake();
    Ok(())
}

/// Turns the emergency switch off: the default menu is the one before again, and every friend
/// goes back to what the rules and deliveries give them (by the `reconcile_menus` job).
pub async fn emergency_off<M: Messenger>(
    db: &DatabaseConnection,
    line: &M,
    actor: &Actor,
    channel_id: i64,
) -> DomainResult<()> {
    let channel = rich_menu_channel::Entity::find_by_id(channel_id)
        .one(db)
        .await?;
    let Some(menu_id) = channel.as_ref().and_then(|c| c.emergency_menu_id) else {
        return Err(DomainError::Conflict(
            "緊急切り替えは使われていません。".into(),
        ));
    };
    let default = match channel.and_then(|c| c.default_line_menu_id) {
        Some(id) => line_rich_menu::Entity::find_by_id(id)
            .one(db)
            .await?
            .and_then(|r| r.line_id),
        None => None,
    };
    let restored = match &default {
        Some(line_id) => line.set_default_rich_menu(line_id).await,
        None => line.clear_default_rich_menu().await,
    };
    restored.map_err(|e| DomainError::Line(e.message_ja()))?;
    let now = Utc::now();
    let txn = super::publish::lock_channel(db, channel_id).await?;
    rich_menu_channel::Entity::update_many()
        .col_expr(
            rich_menu_channel::Column::EmergencyMenuId,
            sea_orm::sea_query::Expr::value(Option::<i64>::None),
        )
        .col_expr(
            rich_menu_channel::Column::EmergencySince,
            sea_orm::sea_query::Expr::value(Option::<DateTime>::None),
        )
        .col_expr(
            rich_menu_channel::Column::EmergencyBy,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .filter(rich_menu_channel::Column::ChannelId.eq(channel_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        "rich_menu.emergency.off",
        "rich_menu",
        Some(&menu_id.to_string()),
        serde_json::json!({ "channel_id": channel_id }),
    )
    .await?;
    request_reconcile(&txn, Some(channel_id), now).await?;
    txn.commit().await?;
    crate::jobs::wake();
    Ok(())
}

/// Who sees what: one friend's menu now and why, as [`reconcile`] last linked it.
pub async fn seen_by(
    db: &DatabaseConnection,
    channel_id: i64,
    friend_id: i64,
) -> DomainResult<(Option<i64>, String)> {
    let row = friend_rich_menu::Entity::find_by_id(friend_id)
        .filter(friend_rich_menu::Column::ChannelId.eq(channel_id))
        .one(db)
        .await?;
    let Some(line_id) = row.as_ref().and_then(|r| r.linked_line_id.clone()) else {
        let default = super::publish::default_of(db, channel_id).await?;
        return Ok((default.map(|d| d.0), "既定のメニュー".into()));
    };
    let menu = line_rich_menu::Entity::find()
        .filter(line_rich_menu::Column::LineId.eq(line_id))
        .one(db)
        .await?;
    let design = match menu {
        Some(m) => rich_menu_version::Entity::find_by_id(m.version_id)
            .one(db)
            .await?
            .map(|v| v.rich_menu_id),
        None => None,
    };
    Ok((design, row.map(|r| r.source).unwrap_or_default()))
}

/// Reconciles every channel with rich menu state (the periodic pass).
pub async fn reconcile_all<M: Messenger>(
    db: &DatabaseConnection,
    index: &AudienceIndex,
    line_of: impl Fn(i64) -> Option<std::sync::Arc<M>>,
    now: DateTime,
) -> DomainResult<Reconciled> {
    let channels: Vec<i64> = rich_menu_channel::Entity::find()
        .select_only()
        .column(rich_menu_channel::Column::ChannelId)
        .into_tuple()
        .all(db)
        .await?;
    let mut total = Reconciled::default();
    for channel_id in channels {
        let Some(line) = line_of(channel_id) else {
            continue;
        };
        let done = reconcile(db, index, &*line, channel_id, now).await?;
        total.linked += done.linked;
        total.unlinked += done.unlinked;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(menu_id: i64, name: &str, members: &[i64]) -> ActiveRule {
        ActiveRule {
            menu_id,
            reason: format!("セグメント「{name}」のルール"),
            members: Some(members.iter().copied().collect()),
        }
    }

    /// Emergency > a delivery's menu until its time > the first rule holding the friend >
    /// the default; a menu not on LINE is passed over.
    #[test]
    fn one_precedence_decides_a_friends_menu() {
        let now: DateTime = "2026-12-01T00:00:00Z".parse().unwrap();
        let rules = [rule(10, "子育て", &[1, 2]), rule(20, "防災", &[2, 3])];
        let all = |_: i64| true;
        let none = Standing::default();
        assert_eq!(choose(1, &none, &rules, &all, now).0, Some(10));
        // The first rule (by priority) wins where two hold the friend.
        assert_eq!(choose(2, &none, &rules, &all, now).0, Some(10));
        assert_eq!(
            choose(3, &none, &rules, &all, now),
            (Some(20), "セグメント「防災」のルール".into())
        );
        assert_eq!(
            choose(4, &none, &rules, &all, now),
            (None, "既定のメニュー".into())
        );
        // An unpublished menu is passed over, to the next rule.
        assert_eq!(choose(2, &none, &rules, &|m| m != 10, now).0, Some(20));
        // A rule for every friend (a period's switch) holds everyone after the rules before it.
        let season = [
            rule(10, "子育て", &[1]),
            ActiveRule {
                menu_id: 40,
                reason: "期間の切り替え".into(),
                members: None,
            },
        ];
        assert_eq!(choose(1, &none, &season, &all, now).0, Some(10));
        assert_eq!(
            choose(4, &none, &season, &all, now),
            (Some(40), "期間の切り替え".into())
        );
        // A delivery's menu, until its time.
        let delivery = Standing {
            emergency: None,
            delivery: Some((
                30,
                Some(now + chrono::TimeDelta::days(2)),
                "配信「お祭り」".into(),
            )),
        };
        assert_eq!(
            choose(1, &delivery, &rules, &all, now),
            (Some(30), "配信「お祭り」".into())
        );
        let later = now + chrono::TimeDelta::days(3);
        assert_eq!(choose(1, &delivery, &rules, &all, later).0, Some(10));
        // Without an end, until something else changes it.
        let endless = Standing {
            emergency: None,
            delivery: Some((30, None, "配信「お祭り」".into())),
        };
        assert_eq!(choose(1, &endless, &rules, &all, later).0, Some(30));
        // The emergency switch over everything.
        let emergency = Standing {
            emergency: Some(99),
            ..delivery
        };
        assert_eq!(
            choose(1, &emergency, &rules, &all, now),
            (Some(99), "緊急切り替え".into())
        );
        assert_eq!(choose(4, &emergency, &rules, &all, now).0, Some(99));
    }
}

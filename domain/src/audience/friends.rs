//! The friend registry: every LINE user who added a channel, with their profile and whether they
//! still follow it. Blocked friends are kept (history, statistics) and re-activated on re-follow.
//!
//! Follow and unfollow carry LINE's event time and only apply if newer than the state they
//! replace, so events processed out of order (a retry after a later event) end right.

use chrono::{DateTime, Utc};
use model::status::FriendStatus;

use crate::db::paginate;
use crate::time::Period;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::entities::{friend, webhook_event};
use crate::{DomainError, DomainResult};

pub const PAGE_SIZE: u64 = 50;

/// A friend as staff see them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendView {
    pub id: i64,
    pub line_user_id: String,
    pub display_name: Option<String>,
    pub picture_url: Option<String>,
    pub status_message: Option<String>,
    pub language: Option<String>,
    pub following: bool,
    pub first_followed_at: DateTime<Utc>,
    pub followed_at: DateTime<Utc>,
    pub blocked_at: Option<DateTime<Utc>>,
}

impl From<friend::Model> for FriendView {
    fn from(m: friend::Model) -> Self {
        Self {
            id: m.id,
            following: m.status == FriendStatus::Following,
            line_user_id: m.line_user_id,
            display_name: m.display_name,
            picture_url: m.picture_url,
            status_message: m.status_message,
            language: m.language,
            first_followed_at: m.first_followed_at,
            followed_at: m.followed_at,
            blocked_at: m.blocked_at,
        }
    }
}

/// A profile as LINE returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileData {
    pub display_name: Option<String>,
    pub picture_url: Option<String>,
    pub status_message: Option<String>,
    pub language: Option<String>,
}

impl From<line::api::Profile> for ProfileData {
    fn from(p: line::api::Profile) -> Self {
        Self {
            display_name: Some(p.display_name),
            picture_url: p.picture_url,
            status_message: p.status_message,
            language: p.language,
        }
    }
}

/// Registers a follow at `at`: a new friend, or a blocked one following again. A follow older
/// than the friend's latest block changes nothing.
pub async fn follow(
    db: &DatabaseConnection,
    channel_id: i64,
    line_user_id: &str,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    let row = friend::ActiveModel {
        channel_id: Set(channel_id),
        line_user_id: Set(line_user_id.to_owned()),
        status: Set(FriendStatus::Following),
        first_followed_at: Set(at),
        followed_at: Set(at),
        blocked_at: Set(None),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    insert_if_absent(db, row).await?;
    friend::Entity::update_many()
        .col_expr(friend::Column::Status, Expr::value(FriendStatus::Following))
        .col_expr(friend::Column::FollowedAt, Expr::value(at))
        .col_expr(friend::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(scope(channel_id, line_user_id))
        .filter(friend::Column::FollowedAt.lte(at))
        .filter(
            Condition::any()
                .add(friend::Column::BlockedAt.is_null())
                .add(friend::Column::BlockedAt.lt(at)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Marks a friend blocked at `at` (unfollow). Unknown users are recorded too, so that
/// statistics count them; an unfollow older than the latest follow changes nothing.
pub async fn unfollow(
    db: &DatabaseConnection,
    channel_id: i64,
    line_user_id: &str,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    let row = friend::ActiveModel {
        channel_id: Set(channel_id),
        line_user_id: Set(line_user_id.to_owned()),
        status: Set(FriendStatus::Blocked),
        first_followed_at: Set(at),
        followed_at: Set(at),
        blocked_at: Set(Some(at)),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    insert_if_absent(db, row).await?;
    friend::Entity::update_many()
        .col_expr(friend::Column::Status, Expr::value(FriendStatus::Blocked))
        .col_expr(friend::Column::BlockedAt, Expr::value(at))
        .col_expr(friend::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(scope(channel_id, line_user_id))
        .filter(friend::Column::FollowedAt.lte(at))
        .exec(db)
        .await?;
    Ok(())
}

/// Stores the profile LINE returned for a friend.
pub async fn set_profile(
    db: &DatabaseConnection,
    channel_id: i64,
    line_user_id: &str,
    profile: ProfileData,
) -> DomainResult<()> {
    let now = Utc::now();
    friend::Entity::update_many()
        .col_expr(
            friend::Column::DisplayName,
            Expr::value(profile.display_name),
        )
        .col_expr(friend::Column::PictureUrl, Expr::value(profile.picture_url))
        .col_expr(
            friend::Column::StatusMessage,
            Expr::value(profile.status_message),
        )
        .col_expr(friend::Column::Language, Expr::value(profile.language))
        .col_expr(friend::Column::ProfileFetchedAt, Expr::value(now))
        .col_expr(friend::Column::UpdatedAt, Expr::value(now))
        .filter(scope(channel_id, line_user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Inserts the friend unless this channel already has them: one statement, so workers on two
/// instances cannot both insert.
async fn insert_if_absent(db: &DatabaseConnection, row: friend::ActiveModel) -> DomainResult<()> {
    friend::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([friend::Column::ChannelId, friend::Column::LineUserId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

fn scope(channel_id: i64, line_user_id: &str) -> Condition {
    Condition::all()
        .add(friend::Column::ChannelId.eq(channel_id))
        .add(friend::Column::LineUserId.eq(line_user_id))
}

/// Filters of the 友だち list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendQuery {
    /// Part of the display name (or the LINE user id).
    pub name: Option<String>,
    /// `following`, `blocked`, or none for both.
    pub status: Option<String>,
    /// Followed on or after this day (JST), `YYYY-MM-DD`.
    pub followed_from: Option<String>,
    /// Followed on or before this day (JST), `YYYY-MM-DD`.
    pub followed_to: Option<String>,
    /// Attribute conditions, all of which must hold (tokens of [`super::values::Condition`]).
    #[serde(default)]
    pub attributes: Vec<String>,
    /// 0-based.
    pub page: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendPage {
    pub friends: Vec<FriendView>,
    /// Matching friends in all, and the page as [`crate::db::Page`] counts them.
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    /// Of the whole channel, whatever the filter.
    pub following: u64,
    pub blocked: u64,
}

/// The friends of `channel_id` that `query` selects (its page aside), as a filter on `friend`;
/// ages in attribute conditions are counted on the day of `now`.
pub fn filter(channel_id: i64, query: &FriendQuery, now: DateTime<Utc>) -> DomainResult<Condition> {
    let mut filter = Condition::all().add(friend::Column::ChannelId.eq(channel_id));
    if let Some(name) = query
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        if name.chars().count() > 100 {
            return Err(DomainError::Invalid(
                "検索する名前は100文字以内にしてください。".into(),
            ));
        }
        let pattern = format!("%{}%", name.replace(['%', '_'], ""));
        filter = filter.add(
            Condition::any()
                .add(friend::Column::DisplayName.like(pattern.clone()))
                .add(friend::Column::LineUserId.like(pattern)),
        );
    }
    match query.status.as_deref().filter(|s| !s.is_empty()) {
        None => {}
        Some(key) => match FriendStatus::from_key(key) {
            Some(status) => filter = filter.add(friend::Column::Status.eq(status)),
            None => {
                return Err(DomainError::Invalid(
                    "状態は「友だち」か「ブロック」を選んでください。".into(),
                ));
            }
        },
    }
    let followed = Period::parse(
        query.followed_from.as_deref().unwrap_or_default(),
        query.followed_to.as_deref().unwrap_or_default(),
    )?;
    if let Some(from) = followed.from {
        filter = filter.add(friend::Column::FollowedAt.gte(from));
    }
    if let Some(until) = followed.until {
        filter = filter.add(friend::Column::FollowedAt.lt(until));
    }
    let conditions = super::values::conditions_of(&query.attributes)?;
    Ok(filter.add(super::values::matching_all(&conditions, now)))
}

pub async fn list(
    db: &DatabaseConnection,
    channel_id: i64,
    query: &FriendQuery,
) -> DomainResult<FriendPage> {
    let filter = filter(channel_id, query, Utc::now())?;
    let select = friend::Entity::find()
        .filter(filter)
        .order_by_desc(friend::Column::FollowedAt)
        .order_by_desc(friend::Column::Id);
    let found = paginate(db, select, query.page, PAGE_SIZE).await?;
    let count = |status: FriendStatus| {
        friend::Entity::find()
            .filter(friend::Column::ChannelId.eq(channel_id))
            .filter(friend::Column::Status.eq(status))
            .count(db)
    };
    Ok(FriendPage {
        friends: found.rows.into_iter().map(FriendView::from).collect(),
        total: found.total,
        page: found.page,
        pages: found.pages,
        following: count(FriendStatus::Following).await?,
        blocked: count(FriendStatus::Blocked).await?,
    })
}

/// One event received from a friend, for the detail page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceivedEvent {
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    /// A one-line description (the text of a message, the data of a postback...).
    pub summary: String,
    /// Whether the workers have acted on it.
    pub status: model::status::WorkStatus,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendDetail {
    pub friend: FriendView,
    pub events: Vec<ReceivedEvent>,
}

/// A friend of this channel with their latest 100 events; another channel's friend is not found.
pub async fn detail(
    db: &DatabaseConnection,
    channel_id: i64,
    friend_id: i64,
) -> DomainResult<FriendDetail> {
    let friend = friend::Entity::find_by_id(friend_id)
        .filter(friend::Column::ChannelId.eq(channel_id))
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound("この友だちは見つかりません。".into()))?;
    let events = webhook_event::Entity::find()
        .filter(webhook_event::Column::ChannelId.eq(channel_id))
        .filter(webhook_event::Column::LineUserId.eq(&friend.line_user_id))
        .order_by_desc(webhook_event::Column::OccurredAt)
        .order_by_desc(webhook_event::Column::Id)
        .limit(100)
        .all(db)
        .await?
        .into_iter()
        .map(|e| ReceivedEvent {
            summary: summarize(&e.payload),
            event_type: e.event_type,
            occurred_at: e.occurred_at,
            status: e.status,
        })
        .collect();
    Ok(FriendDetail {
        friend: friend.into(),
        events,
    })
}

/// What staff need to recognise an event in a list.
fn summarize(payload: &str) -> String {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(payload) else {
        return String::new();
    };
    let text = |p: &str| value.pointer(p).and_then(|v| v.as_str()).map(str::to_owned);
    let summary = text("/message/text")
        .or_else(|| text("/message/type").map(|t| format!("[{t}]")))
        .or_else(|| text("/postback/data"))
        .unwrap_or_default();
    summary.chars().take(200).collect()
}

pub async fn count_following(db: &DatabaseConnection, channel_id: i64) -> DomainResult<u64> {
    Ok(friend::Entity::find()
        .filter(friend::Column::ChannelId.eq(channel_id))
        .filter(friend::Column::Status.eq(FriendStatus::Following))
        .count(db)
        .await?)
}

/// A channel's friends for the dashboard: how many follow and have blocked now, and per day
/// (Japan) of the last `days` the follows and blocks we received (a friend who followed again
/// counts on their latest follow; one who blocked and is still blocked, on that day).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FriendTrend {
    pub following: u64,
    pub blocked: u64,
    /// Oldest first: (day, follows, blocks).
    pub days: Vec<(chrono::NaiveDate, u64, u64)>,
}

pub async fn trend(
    db: &DatabaseConnection,
    channel_id: i64,
    days: u32,
    now: DateTime<Utc>,
) -> DomainResult<FriendTrend> {
    use std::collections::BTreeMap;
    let today = crate::time::day_of(now);
    let first = today - chrono::TimeDelta::days(i64::from(days.max(1)) - 1);
    let since = crate::time::start_of_day(first);
    let mut per_day: BTreeMap<chrono::NaiveDate, (u64, u64)> = (0..days.max(1))
        .map(|i| (first + chrono::TimeDelta::days(i64::from(i)), (0, 0)))
        .collect();
    let follows: Vec<DateTime<Utc>> = friend::Entity::find()
        .select_only()
        .column(friend::Column::FollowedAt)
        .filter(friend::Column::ChannelId.eq(channel_id))
        .filter(friend::Column::FollowedAt.gte(since))
        .into_tuple()
        .all(db)
        .await?;
    for at in follows {
        if let Some(day) = per_day.get_mut(&crate::time::day_of(at)) {
            day.0 += 1;
        }
    }
    let blocks: Vec<Option<DateTime<Utc>>> = friend::Entity::find()
        .select_only()
        .column(friend::Column::BlockedAt)
        .filter(friend::Column::ChannelId.eq(channel_id))
        .filter(friend::Column::Status.eq(FriendStatus::Blocked))
        .filter(friend::Column::BlockedAt.gte(since))
        .into_tuple()
        .all(db)
        .await?;
    for at in blocks.into_iter().flatten() {
        if let Some(day) = per_day.get_mut(&crate::time::day_of(at)) {
            day.1 += 1;
        }
    }
    let blocked = friend::Entity::find()
        .filter(friend::Column::ChannelId.eq(channel_id))
        .filter(friend::Column::Status.eq(FriendStatus::Blocked))
        .count(db)
        .await?;
    Ok(FriendTrend {
        following: count_following(db, channel_id).await?,
        blocked,
        days: per_day.into_iter().map(|(d, (f, b))| (d, f, b)).collect(),
    })
}

//! 友だち: the list and each friend's detail.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendRow {
    pub id: i64,
    pub line_user_id: String,
    pub display_name: String,
    pub picture_url: Option<String>,
    pub status_message: Option<String>,
    pub language: Option<String>,
    pub following: bool,
    /// Japan time, `YYYY-MM-DD HH:MM`.
    pub first_followed_at: String,
    pub followed_at: String,
    pub blocked_at: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendList {
    pub friends: Vec<FriendRow>,
    pub total: u64,
    pub following: u64,
    pub blocked: u64,
    pub page: u64,
    pub pages: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendEventRow {
    pub event_type: String,
    pub occurred_at: String,
    pub summary: String,
    pub status: model::status::WorkStatus,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendDetailView {
    pub friend: FriendRow,
    pub events: Vec<FriendEventRow>,
    /// The rich menu the friend sees and why (「だれに何が表示されるか」), when there is one.
    pub rich_menu: Option<String>,
}

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::{Action, Feature, Need};
    &[
        rule::<ListFriends>(Need::Can(Feature::FriendAttributes, Action::View)),
        rule::<FriendDetail>(Need::Can(Feature::FriendAttributes, Action::View)),
    ]
};

#[server(endpoint = "friends/list")]
pub async fn list_friends(
    channel: String,
    name: Option<String>,
    status: Option<String>,
    followed_from: Option<String>,
    followed_to: Option<String>,
    page: Option<u64>,
    /// Attribute conditions (tokens from `attribute_filters`), all of which must hold.
    #[server(default)]
    attributes: Vec<String>,
) -> Result<FriendList, AppError> {
    let (_, ctx) = crate::ssr::context::call::<ListFriends>()?;
    let channel_id = ctx.channel_id(&channel).await?;
    let query = domain::audience::friends::FriendQuery {
        name,
        status,
        followed_from,
        followed_to,
        page: page.unwrap_or(0),
        attributes,
    };
    let page = domain::audience::friends::list(ctx.db(), channel_id, &query).await?;
    Ok(FriendList {
        friends: page.friends.into_iter().map(row).collect(),
        total: page.total,
        following: page.following,
        blocked: page.blocked,
        page: page.page,
        pages: page.pages,
    })
}

#[server(endpoint = "friends/detail")]
pub async fn friend_detail(channel: String, id: i64) -> Result<FriendDetailView, AppError> {
    let (me, ctx) = crate::ssr::context::call::<FriendDetail>()?;
    let channel_id = ctx.channel_id(&channel).await?;
    let detail = domain::audience::friends::detail(ctx.db(), channel_id, id).await?;
    let rich_menu = match domain::menus::links::seen_by(ctx.db(), channel_id, id).await? {
        (Some(menu_id), why) => {
            // Another department's menu is named as such (department scope).
            let title = domain::menus::designs::get(ctx.db(), &me.grants.scope(), menu_id)
                .await
                .map_or_else(|_| "ほかの部署のメニュー".to_owned(), |m| m.title);
            Some(format!("{title}（{why}）"))
        }
        (None, _) => None,
    };
    Ok(FriendDetailView {
        rich_menu,
        friend: row(detail.friend),
        events: detail
            .events
            .into_iter()
            .map(|e| FriendEventRow {
                event_type: e.event_type,
                occurred_at: domain::time::minutes(e.occurred_at),
                summary: e.summary,
                status: e.status,
            })
            .collect(),
    })
}

#[cfg(feature = "ssr")]
fn row(f: domain::audience::friends::FriendView) -> FriendRow {
    FriendRow {
        id: f.id,
        display_name: f
            .display_name
            .unwrap_or_else(|| "（名前未取得）".to_owned()),
        line_user_id: f.line_user_id,
        picture_url: f.picture_url,
        status_message: f.status_message,
        language: f.language,
        following: f.following,
        first_followed_at: domain::time::minutes(f.first_followed_at),
        followed_at: domain::time::minutes(f.followed_at),
        blocked_at: f.blocked_at.map(domain::time::minutes),
    }
}

//! テスト配信先 (test recipients): the registry each department keeps of the friends, usually
//! staff's own LINE accounts, that receive test deliveries. Scoped to the caller's departments
//! like 定型文: another department's entry is "not found".
//!
//! The registry's page needs テスト配信先 閲覧/編集; the delivery page's 「テスト配信」 dialog
//! reads the choices with 配信 閲覧 only ([`test_recipient_choices`]): staff who send tests need
//! not manage the registry.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::DepartmentOption;
use crate::error::AppError;

/// How many friends the add form's search shows.
pub const FRIEND_SEARCH_LIMIT: u64 = 20;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestRecipientRow {
    pub id: i64,
    pub department_id: i64,
    pub department: String,
    pub friend_id: i64,
    /// The friend's channel (the page shows the selected channel's recipients).
    pub channel_id: i64,
    pub line_user_id: String,
    /// The LINE display name, or 「（名前未取得）」.
    pub display_name: String,
    /// `false` once the friend blocked the account: 「ブロック中」, and tests skip them.
    pub following: bool,
    pub name: String,
    pub note: String,
    pub groups: Vec<String>,
    /// Japan time, `YYYY-MM-DD HH:MM`.
    pub created_at: String,
    pub created_by: String,
}

/// The registry's page: the selected channel's test recipients in the caller's scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestRecipientRegistry {
    pub recipients: Vec<TestRecipientRow>,
    /// Registered on the caller's other channels (not listed here).
    pub on_other_channels: usize,
    /// Where the caller may register recipients.
    pub departments: Vec<DepartmentOption>,
    pub can_edit: bool,
}

/// A friend the add form offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FriendCandidate {
    pub id: i64,
    pub line_user_id: String,
    pub display_name: String,
    pub following: bool,
    /// The caller's departments that already registered them, with the name they gave.
    pub registered: Vec<String>,
}

/// A test recipient as the 「テスト配信」 dialog offers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestRecipientChoice {
    pub id: i64,
    pub name: String,
    pub groups: Vec<String>,
    /// The LINE display name, or 「（名前未取得）」.
    pub display_name: String,
    /// Blocked friends cannot receive tests: show them disabled, 「ブロック中」.
    pub following: bool,
    pub department_id: i64,
    pub department: String,
    /// Only recipients who are friends of the delivery's channel can receive its test.
    pub channel_id: i64,
}

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::{Action, Feature, Need};
    // The department scope is applied inside, by the domain.
    &[
        rule::<ListTestRecipients>(Need::Can(Feature::TestRecipients, Action::View)),
        // Shows friends' names and LINE ids to pick from: only for those who register.
        rule::<SearchTestRecipientFriends>(Need::Can(Feature::TestRecipients, Action::Edit)),
        rule::<SaveTestRecipient>(Need::Can(Feature::TestRecipients, Action::Edit)),
        rule::<RemoveTestRecipient>(Need::Can(Feature::TestRecipients, Action::Edit)),
        // The delivery page's test dialog: sending tests is the delivery's business.
        rule::<TestRecipientChoices>(Need::Can(Feature::Deliveries, Action::View)),
    ]
};

#[server(endpoint = "test_recipients/list")]
pub async fn list_test_recipients(channel: String) -> Result<TestRecipientRegistry, AppError> {
    use model::access::{Action, Feature};
    let (me, ctx) = crate::ssr::context::call::<ListTestRecipients>()?;
    let channel_id = ctx.channel_id(&channel).await?;
    let scope = me.grants.scope();
    let all = domain::audience::test_recipients::list(ctx.db(), &scope).await?;
    let total = all.len();
    let recipients: Vec<TestRecipientRow> = all
        .into_iter()
        .filter(|r| r.channel_id == channel_id)
        .map(recipient_row)
        .collect();
    let departments = domain::staff::departments::list(ctx.db())
        .await?
        .into_iter()
        .filter(|d| scope.includes(d.id))
        .map(|d| DepartmentOption {
            id: d.id,
            name: d.name,
        })
        .collect();
    Ok(TestRecipientRegistry {
        on_other_channels: total - recipients.len(),
        recipients,
        departments,
        can_edit: me.grants.can(Feature::TestRecipients, Action::Edit),
    })
}

/// Friends of the channel whose display name or LINE user id contains `query` (the latest
/// followers when it is empty), following friends first.
#[server(endpoint = "test_recipients/search_friends")]
pub async fn search_test_recipient_friends(
    channel: String,
    query: String,
) -> Result<Vec<FriendCandidate>, AppError> {
    use domain::audience::test_recipients;
    let (me, ctx) = crate::ssr::context::call::<SearchTestRecipientFriends>()?;
    let channel_id = ctx.channel_id(&channel).await?;
    let friends =
        test_recipients::search_friends(ctx.db(), Some(channel_id), &query, FRIEND_SEARCH_LIMIT)
            .await?;
    let registered = test_recipients::list(ctx.db(), &me.grants.scope()).await?;
    Ok(friends
        .into_iter()
        .map(|f| FriendCandidate {
            registered: registered
                .iter()
                .filter(|r| r.friend_id == f.id)
                .map(|r| format!("{}（{}）", r.department_name, r.name))
                .collect(),
            id: f.id,
            display_name: display_name(f.display_name),
            line_user_id: f.line_user_id,
            following: f.following,
        })
        .collect())
}

/// Registers (`id` empty) or changes a test recipient; answers with its id. `groups` is one
/// line, separated by 、 or commas.
#[server(endpoint = "test_recipients/save")]
pub async fn save_test_recipient(
    id: Option<i64>,
    department_id: Option<i64>,
    friend_id: Option<i64>,
    name: String,
    #[server(default)] note: String,
    #[server(default)] groups: String,
) -> Result<i64, AppError> {
    use domain::audience::test_recipients::{self, TestRecipientInput};
    let (me, ctx) = crate::ssr::context::call::<SaveTestRecipient>()?;
    let Some(friend_id) = friend_id else {
        return Err(AppError::Invalid(
            "登録する友だちを検索して選んでください。".into(),
        ));
    };
    let Some(department_id) = department_id else {
        return Err(AppError::Invalid("部署を選んでください。".into()));
    };
    let input = TestRecipientInput {
        department_id,
        friend_id,
        name,
        note,
        groups: test_recipients::parse_groups(&groups),
    };
    let scope = me.grants.scope();
    let actor = ctx.actor(&me);
    let saved = match id {
        Some(id) => test_recipients::update(ctx.db(), &actor, &scope, id, input).await,
        None => test_recipients::add(ctx.db(), &actor, &scope, input).await,
    }?;
    Ok(saved.id)
}

#[server(endpoint = "test_recipients/remove")]
pub async fn remove_test_recipient(id: i64) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<RemoveTestRecipient>()?;
    domain::audience::test_recipients::remove(ctx.db(), &ctx.actor(&me), &me.grants.scope(), id)
        .await?;
    Ok(())
}

/// Every test recipient in the caller's scope, for the delivery page's 「テスト配信」 dialog
/// (which keeps those of the delivery's channel, `channel_id`).
#[server(endpoint = "test_recipients/choices")]
pub async fn test_recipient_choices() -> Result<Vec<TestRecipientChoice>, AppError> {
    let (me, ctx) = crate::ssr::context::call::<TestRecipientChoices>()?;
    let list = domain::audience::test_recipients::list(ctx.db(), &me.grants.scope()).await?;
    Ok(list
        .into_iter()
        .map(|r| TestRecipientChoice {
            id: r.id,
            name: r.name,
            groups: r.groups,
            display_name: display_name(r.display_name),
            following: r.following,
            department_id: r.department_id,
            department: r.department_name,
            channel_id: r.channel_id,
        })
        .collect())
}

#[cfg(feature = "ssr")]
fn display_name(name: Option<String>) -> String {
    name.unwrap_or_else(|| "（名前未取得）".to_owned())
}

#[cfg(feature = "ssr")]
fn recipient_row(r: domain::audience::test_recipients::TestRecipientView) -> TestRecipientRow {
    TestRecipientRow {
        id: r.id,
        department_id: r.department_id,
        department: r.department_name,
        friend_id: r.friend_id,
        channel_id: r.channel_id,
        line_user_id: r.line_user_id,
        display_name: display_name(r.display_name),
        following: r.following,
        name: r.name,
        note: r.note,
        groups: r.groups,
        created_at: domain::time::minutes(r.created_at),
        created_by: r.created_by,
    }
}

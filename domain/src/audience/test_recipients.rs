//! Test recipients (テスト配信先): friends, usually staff's own LINE accounts, that a department
//! registers to receive test deliveries, each with a name, a note and groups (labels such as
//! 「広報課」「防災担当」 to pick several at once).
//!
//! A department may register several friends, a friend at most once per department (a unique
//! index backs the check). Blocked friends may stay registered: views say so (`following`), and
//! test sends skip them. The registry is department-owned like 定型文: every call takes the
//! caller's [`Scope`], and another department's entry is "not found". Deleting a friend's row
//! removes its registrations (the foreign key cascades).

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use model::access::Scope;
use model::status::FriendStatus;
use sea_orm::sea_query::{Expr, ExprTrait as _, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, DatabaseTransaction, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, SqlErr,
};

use super::friends::FriendView;
use crate::entities::{friend, test_recipient};
use crate::security::audit::{self, Actor};
use crate::staff::scope::{ScopeCondition, check_owner, department_names};
use crate::{DateTime, DomainError, DomainResult};

pub const NAME_MAX_CHARS: usize = 50;
pub const NOTE_MAX_CHARS: usize = 200;
pub const GROUPS_MAX: usize = 10;
pub const GROUP_MAX_CHARS: usize = 20;
/// What a friend search may ask for at most.
pub const SEARCH_MAX_CHARS: usize = 100;

/// What separates groups typed as one line of text: commas (half and full width) and 、.
const GROUP_SEPARATORS: [char; 4] = [',', '，', '、', '\n'];

/// A test recipient as staff see it, with its friend's LINE profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestRecipientView {
    pub id: i64,
    pub department_id: i64,
    pub department_name: String,
    pub friend_id: i64,
    /// The friend's channel: a test send goes only to recipients who are friends of the
    /// delivery's channel.
    pub channel_id: i64,
    pub line_user_id: String,
    pub display_name: Option<String>,
    /// Still a friend; `false` once they blocked the account (shown as 「ブロック中」, and test
    /// sends skip them).
    pub following: bool,
    pub name: String,
    pub note: String,
    pub groups: Vec<String>,
    pub created_at: DateTime,
    /// Username of whoever registered it.
    pub created_by: String,
}

/// What staff fill in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestRecipientInput {
    pub department_id: i64,
    pub friend_id: i64,
    pub name: String,
    pub note: String,
    pub groups: Vec<String>,
}

/// Groups typed as one line, 「広報課、防災担当」 or `広報課, 防災担当`: split on commas and 、,
/// trimmed, empty ones dropped (checked by [`add`] and [`update`]).
pub fn parse_groups(text: &str) -> Vec<String> {
    text.split(GROUP_SEPARATORS)
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The test recipients in `scope`, by department, then name.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> DomainResult<Vec<TestRecipientView>> {
    let rows = test_recipient::Entity::find()
        .filter(scope.condition(test_recipient::Column::DepartmentId))
        .order_by_asc(test_recipient::Column::Id)
        .all(db)
        .await?;
    let mut views = views_of(db, rows).await?;
    views.sort_by(|a, b| {
        (&a.department_name, a.department_id, &a.name, a.id).cmp(&(
            &b.department_name,
            b.department_id,
            &b.name,
            b.id,
        ))
    });
    Ok(views)
}

/// The test recipients with these ids, in the order asked (each once); "not found" if any of
/// them does not exist or is outside `scope`.
pub async fn of_ids(
    db: &impl ConnectionTrait,
    scope: &Scope,
    ids: &[i64],
) -> DomainResult<Vec<TestRecipientView>> {
    let mut seen = HashSet::new();
    let ids: Vec<i64> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = test_recipient::Entity::find()
        .filter(scope.condition(test_recipient::Column::DepartmentId))
        .filter(test_recipient::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let mut by_id: HashMap<i64, TestRecipientView> = views_of(db, rows)
        .await?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    ids.iter()
        .map(|id| by_id.remove(id).ok_or_else(not_found))
        .collect()
}

/// One test recipient in `scope`; otherwise "not found".
pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> DomainResult<TestRecipientView> {
    let row = find_in_scope(db, scope, id).await?;
    one_view(db, row).await
}

/// Registers a friend as a test recipient of a department in `scope`.
pub async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    input: TestRecipientInput,
) -> DomainResult<TestRecipientView> {
    let checked = check_input(&input)?;
    check_owner(db, scope, input.department_id).await?;
    let txn = crate::db::begin_write(db).await?;
    check_friend(&txn, input.friend_id).await?;
    check_unregistered(&txn, input.department_id, input.friend_id, None).await?;
    let row = test_recipient::ActiveModel {
        department_id: Set(input.department_id),
        friend_id: Set(input.friend_id),
        name: Set(checked.name),
        note: Set(checked.note),
        groups: Set(checked.groups_json),
        created_at: Set(Utc::now()),
        created_by: Set(actor.username.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| duplicate_or(e, &input))?;
    let view = one_view(&txn, row).await?;
    record(&txn, actor, "test_recipient.create", &view).await?;
    txn.commit().await?;
    Ok(view)
}

/// Changes a test recipient in `scope`: its name, note and groups, and also its friend or
/// department (which must be in `scope` too).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    input: TestRecipientInput,
) -> DomainResult<TestRecipientView> {
    let checked = check_input(&input)?;
    let txn = crate::db::begin_write(db).await?;
    let existing = find_in_scope(&txn, scope, id).await?;
    check_owner(&txn, scope, input.department_id).await?;
    if existing.friend_id != input.friend_id {
        check_friend(&txn, input.friend_id).await?;
    }
    check_unregistered(&txn, input.department_id, input.friend_id, Some(id)).await?;
    let mut row: test_recipient::ActiveModel = existing.into();
    row.department_id = Set(input.department_id);
    row.friend_id = Set(input.friend_id);
    row.name = Set(checked.name);
    row.note = Set(checked.note);
    row.groups = Set(checked.groups_json);
    let row = row
        .update(&txn)
        .await
        .map_err(|e| duplicate_or(e, &input))?;
    let view = one_view(&txn, row).await?;
    record(&txn, actor, "test_recipient.update", &view).await?;
    txn.commit().await?;
    Ok(view)
}

/// Removes a test recipient in `scope` (the friend stays a friend); answers with what it was.
pub async fn remove(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
) -> DomainResult<TestRecipientView> {
    let txn = crate::db::begin_write(db).await?;
    let row = find_in_scope(&txn, scope, id).await?;
    let view = one_view(&txn, row).await?;
    test_recipient::Entity::delete_by_id(id).exec(&txn).await?;
    record(&txn, actor, "test_recipient.delete", &view).await?;
    txn.commit().await?;
    Ok(view)
}

/// Friends to register: those whose display name or LINE user id contains `query` (ignoring
/// ASCII case), of one channel or of all, following friends first, then the latest followers.
/// An empty query lists the latest followers: staff who just added the account find themselves
/// at the top.
pub async fn search_friends(
    db: &impl ConnectionTrait,
    channel_id: Option<i64>,
    query: &str,
    limit: u64,
) -> DomainResult<Vec<FriendView>> {
    let query = query.trim();
    if query.chars().count() > SEARCH_MAX_CHARS {
        return Err(DomainError::Invalid(format!(
            "検索する名前や ID は{SEARCH_MAX_CHARS}文字以内にしてください。"
        )));
    }
    let mut filter = Condition::all();
    if let Some(channel_id) = channel_id {
        filter = filter.add(friend::Column::ChannelId.eq(channel_id));
    }
    // LIKE's wildcards are dropped rather than escaped (escapes differ between databases).
    let needle = query.replace(['%', '_'], "").to_lowercase();
    if !needle.is_empty() {
        let pattern = format!("%{needle}%");
        filter = filter.add(
            Condition::any()
                .add(Expr::expr(Func::lower(Expr::col(friend::Column::DisplayName))).like(&pattern))
                .add(Expr::expr(Func::lower(Expr::col(friend::Column::LineUserId))).like(&pattern)),
        );
    }
    let following_first: sea_orm::sea_query::SimpleExpr =
        Expr::case(friend::Column::Status.eq(FriendStatus::Following), 0)
            .finally(1)
            .into();
    let rows = friend::Entity::find()
        .filter(filter)
        .order_by(following_first, Order::Asc)
        .order_by_desc(friend::Column::FollowedAt)
        .order_by_desc(friend::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(FriendView::from).collect())
}

struct Checked {
    name: String,
    note: String,
    groups_json: String,
}

fn check_input(input: &TestRecipientInput) -> DomainResult<Checked> {
    let name = input.name.trim();
    if name.is_empty() {
        return Err(DomainError::Invalid(
            "名前を入力してください（例: 広報課 佐藤）。".into(),
        ));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(DomainError::Invalid(format!(
            "名前は{NAME_MAX_CHARS}文字以内で入力してください。"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(DomainError::Invalid(
            "名前に改行などの制御文字は使えません。".into(),
        ));
    }
    let note = input.note.trim();
    if note.chars().count() > NOTE_MAX_CHARS {
        return Err(DomainError::Invalid(format!(
            "メモは{NOTE_MAX_CHARS}文字以内で入力してください。"
        )));
    }
    if note.chars().any(char::is_control) {
        return Err(DomainError::Invalid(
            "メモに改行などの制御文字は使えません。".into(),
        ));
    }
    let mut groups: Vec<String> = Vec::new();
    for group in &input.groups {
        let group = group.trim();
        if group.is_empty() || groups.iter().any(|g| g == group) {
            continue;
        }
        if group.chars().count() > GROUP_MAX_CHARS {
            return Err(DomainError::Invalid(format!(
                "グループ「{group}」が長すぎます。グループ名は1つ{GROUP_MAX_CHARS}文字以内にしてください。"
            )));
        }
        if group
            .chars()
            .any(|c| c.is_control() || GROUP_SEPARATORS.contains(&c))
        {
            return Err(DomainError::Invalid(format!(
                "グループ「{group}」に区切り文字（、や ,）や制御文字は使えません。"
            )));
        }
        groups.push(group.to_owned());
    }
    if groups.len() > GROUPS_MAX {
        return Err(DomainError::Invalid(format!(
            "グループは{GROUPS_MAX}個までです（{}個あります）。",
            groups.len()
        )));
    }
    let groups_json = serde_json::to_string(&groups)
        .map_err(|e| DomainError::Internal(format!("groups: {e}")))?;
    Ok(Checked {
        name: name.to_owned(),
        note: note.to_owned(),
        groups_json,
    })
}

async fn check_friend(db: &impl ConnectionTrait, friend_id: i64) -> DomainResult<()> {
    if friend::Entity::find_by_id(friend_id)
        .one(db)
        .await?
        .is_none()
    {
        return Err(DomainError::Invalid(
            "選んだ友だちが見つかりません。友だちを検索して選び直してください。".into(),
        ));
    }
    Ok(())
}

/// The friend must not already be a test recipient of the department (other than `except`).
async fn check_unregistered(
    db: &impl ConnectionTrait,
    department_id: i64,
    friend_id: i64,
    except: Option<i64>,
) -> DomainResult<()> {
    let mut query = test_recipient::Entity::find()
        .filter(test_recipient::Column::DepartmentId.eq(department_id))
        .filter(test_recipient::Column::FriendId.eq(friend_id));
    if let Some(id) = except {
        query = query.filter(test_recipient::Column::Id.ne(id));
    }
    match query.one(db).await? {
        Some(existing) => Err(already_registered(&existing.name)),
        None => Ok(()),
    }
}

fn already_registered(name: &str) -> DomainError {
    DomainError::Conflict(format!(
        "この友だちは、この部署のテスト配信先に「{name}」として登録済みです。"
    ))
}

/// A write refused by the unique index (two registrations at once) says what the check says.
fn duplicate_or(e: sea_orm::DbErr, input: &TestRecipientInput) -> DomainError {
    if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        already_registered(input.name.trim())
    } else {
        e.into()
    }
}

fn not_found() -> DomainError {
    DomainError::NotFound("指定されたテスト配信先はありません。".into())
}

async fn find_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> DomainResult<test_recipient::Model> {
    test_recipient::Entity::find_by_id(id)
        .filter(scope.condition(test_recipient::Column::DepartmentId))
        .one(db)
        .await?
        .ok_or_else(not_found)
}

async fn one_view(
    db: &impl ConnectionTrait,
    row: test_recipient::Model,
) -> DomainResult<TestRecipientView> {
    views_of(db, vec![row])
        .await?
        .pop()
        .ok_or_else(|| DomainError::Internal("test recipient without its view".into()))
}

/// Joins the rows to their friends and departments (the friend exists: the foreign key
/// cascades).
async fn views_of(
    db: &impl ConnectionTrait,
    rows: Vec<test_recipient::Model>,
) -> DomainResult<Vec<TestRecipientView>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut friend_ids: Vec<i64> = rows.iter().map(|r| r.friend_id).collect();
    friend_ids.sort_unstable();
    friend_ids.dedup();
    let mut friends = HashMap::new();
    // Bounded IN lists: a registry is small, but keep far under any database's limits.
    for chunk in friend_ids.chunks(500) {
        for f in friend::Entity::find()
            .filter(friend::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            friends.insert(f.id, f);
        }
    }
    let names = department_names(db).await?;
    rows.into_iter()
        .map(|r| {
            let f = friends.get(&r.friend_id).ok_or_else(|| {
                DomainError::Internal(format!(
                    "test recipient {} has no friend {}",
                    r.id, r.friend_id
                ))
            })?;
            // Written by `add`/`update` after validation; unreadable JSON means the row was
            // changed outside the application.
            let groups = serde_json::from_str(&r.groups).map_err(|e| {
                DomainError::Internal(format!(
                    "test recipient {} has unreadable groups: {e}",
                    r.id
                ))
            })?;
            Ok(TestRecipientView {
                department_name: names.get(&r.department_id).cloned().unwrap_or_default(),
                id: r.id,
                department_id: r.department_id,
                friend_id: r.friend_id,
                channel_id: f.channel_id,
                line_user_id: f.line_user_id.clone(),
                display_name: f.display_name.clone(),
                following: f.status == FriendStatus::Following,
                name: r.name,
                note: r.note,
                groups,
                created_at: r.created_at,
                created_by: r.created_by,
            })
        })
        .collect()
}

async fn record(
    txn: &DatabaseTransaction,
    actor: &Actor,
    action: &str,
    v: &TestRecipientView,
) -> DomainResult<()> {
    let id = v.id.to_string();
    let summary = serde_json::json!({
        "name": v.name,
        "department_id": v.department_id,
        "friend_id": v.friend_id,
        "groups": v.groups,
    });
    audit::record(txn, actor, action, "test_recipient", Some(&id), summary).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, note: &str, groups: &[&str]) -> TestRecipientInput {
        TestRecipientInput {
            department_id: 1,
            friend_id: 1,
            name: name.into(),
            note: note.into(),
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
        }
    }

    #[test]
    fn groups_are_split_on_commas_and_touten() {
        assert_eq!(
            parse_groups(" 広報課、防災担当,  , 子育て，広報課\n"),
            ["広報課", "防災担当", "子育て", "広報課"]
        );
        assert!(parse_groups("  、 ,").is_empty());
    }

    #[test]
    fn input_is_trimmed_deduplicated_and_checked() {
        let checked = check_input(&input(
            " 佐藤 ",
            " 私物の iPhone ",
            &["広報課", " 広報課", ""],
        ))
        .unwrap();
        assert_eq!(checked.name, "佐藤");
        assert_eq!(checked.note, "私物の iPhone");
        assert_eq!(checked.groups_json, r#"["広報課"]"#);

        let err = |i: TestRecipientInput| check_input(&i).err().unwrap().to_string();
        assert!(err(input("  ", "", &[])).contains("名前を入力"));
        assert!(err(input(&"あ".repeat(51), "", &[])).contains("50文字以内"));
        assert!(check_input(&input(&"あ".repeat(50), "", &[])).is_ok());
        assert!(err(input("a\nb", "", &[])).contains("制御文字"));
        assert!(err(input("佐藤", &"メ".repeat(201), &[])).contains("200文字以内"));
        assert!(err(input("佐藤", "", &[&"グ".repeat(21)])).contains("20文字以内"));
        assert!(err(input("佐藤", "", &["広報、防災"])).contains("区切り文字"));
        let eleven: Vec<String> = (1..=11).map(|i| format!("g{i}")).collect();
        let eleven: Vec<&str> = eleven.iter().map(String::as_str).collect();
        assert!(err(input("佐藤", "", &eleven)).contains("10個まで"));
        assert!(check_input(&input("佐藤", "", &eleven[..10])).is_ok());
    }
}

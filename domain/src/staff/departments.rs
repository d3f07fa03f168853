//! Departments (部署): managed by administrators; staff belong to one or more, and what staff
//! create belongs to one (see `model::access::Scope`).

use chrono::Utc;
use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, SqlErr,
    TransactionTrait,
};

use crate::entities::{department, message_template, staff_department};
use crate::security::audit::{self, Actor};
use crate::{DomainError, DomainResult};

pub const NAME_MAX_CHARS: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Department {
    pub id: i64,
    pub name: String,
}

/// Creates a department. Names are unique, ignoring case and surrounding spaces.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
) -> DomainResult<Department> {
    let name = validate_name(name)?;
    let txn = db.begin().await?;
    let row = department::ActiveModel {
        name: Set(name.clone()),
        name_key: Set(name.to_lowercase()),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    let department = row
        .insert(&txn)
        .await
        .map(department_of)
        .map_err(|e| name_taken_or(e, &name))?;
    record(&txn, actor, "department.create", &department).await?;
    txn.commit().await?;
    Ok(department)
}

/// Renames a department; members and items stay with it.
pub async fn rename(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    name: &str,
) -> DomainResult<Department> {
    let name = validate_name(name)?;
    let txn = crate::db::begin_write(db).await?;
    let mut row: department::ActiveModel = find(&txn, id).await?.into();
    row.name = Set(name.clone());
    row.name_key = Set(name.to_lowercase());
    let department = row
        .update(&txn)
        .await
        .map(department_of)
        .map_err(|e| name_taken_or(e, &name))?;
    record(&txn, actor, "department.rename", &department).await?;
    txn.commit().await?;
    Ok(department)
}

/// Deletes a department that has no members and owns nothing. Otherwise says what is left, so
/// that nothing is orphaned: move the members and items first.
pub async fn delete(db: &DatabaseConnection, actor: &Actor, id: i64) -> DomainResult<Department> {
    let txn = crate::db::begin_write(db).await?;
    let department = find(&txn, id).await?;
    let owned = owned_items(&txn, id).await?;
    if !owned.is_empty() {
        return Err(DomainError::Conflict(format!(
            "部署「{}」には{}があるため削除できません。先に別の部署へ移すか、削除してください。",
            department.name,
            owned.join("、")
        )));
    }
    department::Entity::delete_by_id(id).exec(&txn).await?;
    let department = department_of(department);
    record(&txn, actor, "department.delete", &department).await?;
    txn.commit().await?;
    Ok(department)
}

/// What still belongs to a department, as staff read it (「所属する職員が2人」): a department is
/// deleted only when nothing does, since each of these tables refers to it.
async fn owned_items(txn: &DatabaseTransaction, id: i64) -> DomainResult<Vec<String>> {
    use crate::entities::{delivery, media, segment, test_recipient};
    let counts = [
        (
            "所属する職員",
            "人",
            staff_department::Entity::find()
                .filter(staff_department::Column::DepartmentId.eq(id))
                .count(txn)
                .await?,
        ),
        (
            "定型文",
            "件",
            message_template::Entity::find()
                .filter(message_template::Column::DepartmentId.eq(id))
                .count(txn)
                .await?,
        ),
        (
            "画像",
            "件",
            media::Entity::find()
                .filter(media::Column::DepartmentId.eq(id))
                .count(txn)
                .await?,
        ),
        (
            "セグメント",
            "件",
            segment::Entity::find()
                .filter(segment::Column::DepartmentId.eq(id))
                .count(txn)
                .await?,
        ),
        (
            "配信",
            "件",
            delivery::Entity::find()
                .filter(delivery::Column::DepartmentId.eq(id))
                .count(txn)
                .await?,
        ),
        (
            "テスト配信先",
            "件",
            test_recipient::Entity::find()
                .filter(test_recipient::Column::DepartmentId.eq(id))
                .count(txn)
                .await?,
        ),
        (
            "リッチメニュー",
            "件",
            crate::entities::rich_menu::Entity::find()
                .filter(crate::entities::rich_menu::Column::DepartmentId.eq(id))
                .count(txn)
                .await?,
        ),
    ];
    Ok(counts
        .into_iter()
        .filter(|(_, _, n)| *n > 0)
        .map(|(what, unit, n)| format!("{what}が{n}{unit}"))
        .collect())
}

/// Every department with its number of members, by name.
pub async fn list_with_members(db: &DatabaseConnection) -> DomainResult<Vec<(Department, u64)>> {
    let mut members: HashMap<i64, u64> = HashMap::new();
    for m in staff_department::Entity::find().all(db).await? {
        *members.entry(m.department_id).or_default() += 1;
    }
    Ok(list(db)
        .await?
        .into_iter()
        .map(|d| {
            let n = members.get(&d.id).copied().unwrap_or(0);
            (d, n)
        })
        .collect())
}

async fn record(
    txn: &DatabaseTransaction,
    actor: &Actor,
    action: &str,
    d: &Department,
) -> DomainResult<()> {
    let id = d.id.to_string();
    let summary = serde_json::json!({"name": d.name});
    audit::record(txn, actor, action, "department", Some(&id), summary).await
}

fn validate_name(raw: &str) -> DomainResult<String> {
    let name = raw.trim();
    let len = name.chars().count();
    if len == 0 || len > NAME_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(DomainError::Invalid(format!(
            "部署名は1〜{NAME_MAX_CHARS}文字で、改行などの制御文字を含めずに入力してください。"
        )));
    }
    Ok(name.to_owned())
}

async fn find(db: &impl ConnectionTrait, id: i64) -> DomainResult<department::Model> {
    department::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound("指定された部署はありません。".into()))
}

fn department_of(m: department::Model) -> Department {
    Department {
        id: m.id,
        name: m.name,
    }
}

/// Two departments with one name: the unique index decides, also between concurrent requests.
fn name_taken_or(e: DbErr, name: &str) -> DomainError {
    if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        DomainError::Conflict(format!("部署「{name}」は既にあります。"))
    } else {
        e.into()
    }
}

/// Every department, by name.
pub async fn list(db: &DatabaseConnection) -> DomainResult<Vec<Department>> {
    Ok(department::Entity::find()
        .order_by_asc(department::Column::NameKey)
        .all(db)
        .await?
        .into_iter()
        .map(department_of)
        .collect())
}

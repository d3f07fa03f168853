//! Departments (部署): managed by administrators; staff belong to one or more, and what staff
//! create belongs to one (see `crate::access::Scope`).

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait, QueryOrder, SqlErr,
};

use crate::entities::department;
use crate::{DomainError, DomainResult};

pub const NAME_MAX_CHARS: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Department {
    pub id: i64,
    pub name: String,
}

/// Creates a department. Names are unique, ignoring case and surrounding spaces.
pub async fn create(db: &DatabaseConnection, name: &str) -> DomainResult<Department> {
    let name = name.trim();
    let len = name.chars().count();
    if len == 0 || len > NAME_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(DomainError::Invalid(format!(
            "部署名は1〜{NAME_MAX_CHARS}文字で、改行などの制御文字を含めずに入力してください。"
        )));
    }
    let row = department::ActiveModel {
        name: Set(name.to_owned()),
        name_key: Set(name.to_lowercase()),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    match row.insert(db).await {
        Ok(m) => Ok(Department {
            id: m.id,
            name: m.name,
        }),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Err(
            DomainError::Conflict(format!("部署「{name}」は既にあります。")),
        ),
        Err(e) => Err(e.into()),
    }
}

/// Every department, by name.
pub async fn list(db: &DatabaseConnection) -> DomainResult<Vec<Department>> {
    Ok(department::Entity::find()
        .order_by_asc(department::Column::NameKey)
        .all(db)
        .await?
        .into_iter()
        .map(|m| Department {
            id: m.id,
            name: m.name,
        })
        .collect())
}

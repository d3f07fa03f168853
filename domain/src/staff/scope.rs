//! Department scope in queries: what [`model::access::Scope`] means for a database read, and the
//! two checks every department-owned item (定型文, 画像...) shares.

use std::collections::HashMap;

use model::access::Scope;
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::entities::department;
use crate::{DomainError, DomainResult};

/// Adds a user's department scope to a query.
pub trait ScopeCondition {
    /// The condition a list or single-item query adds on its department column, so that items
    /// outside the scope are never read (a guessed id finds nothing).
    fn condition(&self, department_column: impl sea_orm::ColumnTrait) -> sea_orm::Condition;
}

impl ScopeCondition for Scope {
    fn condition(&self, department_column: impl sea_orm::ColumnTrait) -> sea_orm::Condition {
        match self {
            Scope::All => sea_orm::Condition::all(),
            Scope::Only(ids) => {
                sea_orm::Condition::all().add(department_column.is_in(ids.iter().copied()))
            }
        }
    }
}

/// The owning department of a new or moved item must exist and be one the caller works for.
pub async fn check_owner(db: &impl ConnectionTrait, scope: &Scope, id: i64) -> DomainResult<()> {
    let exists = department::Entity::find_by_id(id).one(db).await?.is_some();
    if !exists || !scope.includes(id) {
        return Err(DomainError::Invalid(
            "所属部署は、あなたが担当する部署から選んでください。".into(),
        ));
    }
    Ok(())
}

/// Every department's name by id, for lists of department-owned items.
pub async fn department_names(db: &impl ConnectionTrait) -> DomainResult<HashMap<i64, String>> {
    Ok(department::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect())
}

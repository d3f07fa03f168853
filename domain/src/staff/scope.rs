//! Department scope in queries: what [`model::access::Scope`] means for a database read.

use model::access::Scope;

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

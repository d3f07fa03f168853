//! One page of a list, for every paged list and log in the admin panel.

use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QuerySelect, Select};

use crate::DomainResult;

/// One page of rows, in the order of the query.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Page<T> {
    pub rows: Vec<T>,
    /// Matching rows in all.
    pub total: u64,
    /// Zero-based; a page past the end is the last page.
    pub page: u64,
    /// At least one, even when there are no rows.
    pub pages: u64,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            rows: self.rows.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            pages: self.pages,
        }
    }
}

/// Page `page` (zero-based) of `per_page` rows of `select`, which carries its own filter and
/// order. A page number from a form or URL past the end gives the last page (a huge one would
/// overflow the offset).
pub async fn paginate<C, E>(
    db: &C,
    select: Select<E>,
    page: u64,
    per_page: u64,
) -> DomainResult<Page<E::Model>>
where
    C: ConnectionTrait,
    E: EntityTrait,
    E::Model: Send + Sync,
{
    let per_page = per_page.max(1);
    let total = select.clone().count(db).await?;
    let pages = total.div_ceil(per_page).max(1);
    let page = page.min(pages - 1);
    let rows = select
        .offset(page * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    Ok(Page {
        rows,
        total,
        page,
        pages,
    })
}

//! Menus as staff edit them, owned by a department (scope as for templates: another
//! department's menu is "not found"). The design is a `model::menu::MenuDesign`; the image is
//! fitted to the design's size on upload (`messaging::media::fit_rich_menu_image`).

use chrono::Utc;
use model::access::Scope;
use model::menu::MenuDesign;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use crate::entities::{line_rich_menu, rich_menu, rich_menu_version};
use crate::messaging::media::{FittedImage, PROCESSING, fit_rich_menu_image};
use crate::security::audit::{self, Actor};
use crate::staff::scope::{ScopeCondition, check_owner, department_names};
use crate::{DateTime, DomainError, DomainResult};

#[derive(Clone, Debug, PartialEq)]
pub struct Menu {
    pub id: i64,
    pub department_id: i64,
    pub department_name: String,
    pub title: String,
    pub design: MenuDesign,
    /// The image's type and size in pixels and bytes, when one is set.
    pub image: Option<ImageInfo>,
    /// The first tab's id when this menu is a further tab of it.
    pub tab_of: Option<i64>,
    pub updated_at: DateTime,
    pub updated_by: String,
}

/// One tab of a menu with tabs, in order (the first tab first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tab {
    pub id: i64,
    pub name: String,
    pub title: String,
    /// The alias `richmenuswitch` actions name it by.
    pub alias: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
}

impl Menu {
    /// What stops publishing, in Japanese (the design's problems, and the image's).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = self.design.problems();
        match &self.image {
            None => problems.push(
                "画像がありません。画像をアップロードするか、画像を作成してください。".into(),
            ),
            Some(i)
                if (i.width as i32, i.height as i32) != (self.design.width, self.design.height) =>
            {
                problems.push(format!(
                    "画像の大きさ（{}×{}）がメニューの大きさ（{}×{}）と違います。画像をアップロードし直してください。",
                    i.width, i.height, self.design.width, self.design.height
                ));
            }
            Some(_) => {}
        }
        problems
    }
}

pub struct MenuInput {
    pub department_id: i64,
    pub title: String,
    pub design: MenuDesign,
}

pub async fn list(db: &DatabaseConnection, scope: &Scope) -> DomainResult<Vec<Menu>> {
    let rows = rich_menu::Entity::find()
        .filter(scope.condition(rich_menu::Column::DepartmentId))
        .order_by_desc(rich_menu::Column::UpdatedAt)
        .order_by_desc(rich_menu::Column::Id)
        .all(db)
        .await?;
    let names = department_names(db).await?;
    rows.into_iter().map(|m| menu_of(m, &names)).collect()
}

pub async fn get(db: &DatabaseConnection, scope: &Scope, id: i64) -> DomainResult<Menu> {
    let row = find_in_scope(db, scope, id).await?;
    menu_of(row, &department_names(db).await?)
}

/// The menu's current image: its type and bytes.
pub async fn image(
    db: &DatabaseConnection,
    scope: &Scope,
    id: i64,
) -> DomainResult<(String, Vec<u8>)> {
    let row = find_in_scope(db, scope, id).await?;
    match (row.image_type, row.image) {
        (Some(t), Some(bytes)) => Ok((t, bytes)),
        _ => Err(DomainError::NotFound(
            "このメニューにはまだ画像がありません。".into(),
        )),
    }
}

/// The image of published version `version_id` of menu `id` (what LINE shows of it).
pub async fn version_image(
    db: &DatabaseConnection,
    scope: &Scope,
    id: i64,
    version_id: i64,
) -> DomainResult<(String, Vec<u8>)> {
    find_in_scope(db, scope, id).await?;
    rich_menu_version::Entity::find_by_id(version_id)
        .filter(rich_menu_version::Column::RichMenuId.eq(id))
        .one(db)
        .await?
        .map(|v| (v.image_type, v.image))
        .ok_or_else(|| DomainError::NotFound("指定された版はありません。".into()))
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    input: MenuInput,
) -> DomainResult<Menu> {
    let title = validate_title(&input.title)?;
    check_design(&input.design)?;
    check_owner(db, scope, input.department_id).await?;
    let now = Utc::now();
    let txn = db.begin().await?;
    let row = rich_menu::ActiveModel {
        department_id: Set(input.department_id),
        title: Set(title),
        design: Set(design_json(&input.design)?),
        image: Set(None),
        image_type: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        updated_by: Set(actor.username.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let menu = menu_of(row, &department_names(&txn).await?)?;
    record(&txn, actor, "rich_menu.create", &menu).await?;
    txn.commit().await?;
    Ok(menu)
}

/// Saves title, department and design. A design may be saved with problems (work in progress);
/// publishing refuses it until they are mended.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    input: MenuInput,
) -> DomainResult<Menu> {
    let title = validate_title(&input.title)?;
    check_design(&input.design)?;
    let existing = find_in_scope(db, scope, id).await?;
    check_owner(db, scope, input.department_id).await?;
    let mut row: rich_menu::ActiveModel = existing.into();
    row.department_id = Set(input.department_id);
    row.title = Set(title);
    row.design = Set(design_json(&input.design)?);
    row.updated_at = Set(Utc::now());
    row.updated_by = Set(actor.username.clone());
    let txn = db.begin().await?;
    let row = row.update(&txn).await?;
    let menu = menu_of(row, &department_names(&txn).await?)?;
    record(&txn, actor, "rich_menu.update", &menu).await?;
    txn.commit().await?;
    Ok(menu)
}

/// Fits `bytes` (any JPEG or PNG) to the menu's size and stores it; answers what was made.
pub async fn set_image(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    bytes: Vec<u8>,
) -> DomainResult<FittedImage> {
    let existing = find_in_scope(db, scope, id).await?;
    let design = read_design(&existing)?;
    let (width, height) = design_size(&design)?;
    let fitted = {
        let permit = PROCESSING
            .acquire()
            .await
            .map_err(|e| DomainError::Internal(format!("image processing: {e}")))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            fit_rich_menu_image(&bytes, width, height)
        })
        .await
        .map_err(|e| DomainError::Internal(format!("image processing stopped: {e}")))??
    };
    let mut row: rich_menu::ActiveModel = existing.into();
    row.image = Set(Some(fitted.data.clone()));
    row.image_type = Set(Some(fitted.content_type.to_owned()));
    row.updated_at = Set(Utc::now());
    row.updated_by = Set(actor.username.clone());
    let txn = db.begin().await?;
    let row = row.update(&txn).await?;
    let menu = menu_of(row, &department_names(&txn).await?)?;
    record(&txn, actor, "rich_menu.image", &menu).await?;
    txn.commit().await?;
    Ok(fitted)
}

/// Deletes a menu that is not on LINE now (nothing live or being published from it).
pub async fn delete(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
) -> DomainResult<Menu> {
    let row = find_in_scope(db, scope, id).await?;
    if row.tab_of.is_none()
        && rich_menu::Entity::find()
            .filter(rich_menu::Column::TabOf.eq(id))
            .one(db)
            .await?
            .is_some()
    {
        return Err(DomainError::Conflict(
            "タブのあるメニューです。先に2つ目以降のタブを削除してください。".into(),
        ));
    }
    let menu = menu_of(row, &department_names(db).await?)?;
    let versions: Vec<i64> = rich_menu_version::Entity::find()
        .select_only()
        .column(rich_menu_version::Column::Id)
        .filter(rich_menu_version::Column::RichMenuId.eq(id))
        .into_tuple()
        .all(db)
        .await?;
    let on_line = line_rich_menu::Entity::find()
        .filter(line_rich_menu::Column::VersionId.is_in(versions))
        .filter(line_rich_menu::Column::State.is_in(super::publish::State::ON_LINE_OR_ON_ITS_WAY))
        .one(db)
        .await?;
    if on_line.is_some() {
        return Err(DomainError::Conflict(
            "このメニューは LINE で公開中（または公開の途中）のため削除できません。先に別のメニューを公開してください。".into(),
        ));
    }
    let txn = db.begin().await?;
    rich_menu::Entity::delete_by_id(id).exec(&txn).await?;
    record(&txn, actor, "rich_menu.delete", &menu).await?;
    txn.commit().await?;
    Ok(menu)
}

/// The tabs of the menu `id` belongs to (in `scope`), the first tab first; a menu without tabs
/// is its one tab.
pub async fn tabs(db: &impl ConnectionTrait, scope: &Scope, id: i64) -> DomainResult<Vec<Tab>> {
    let row = find_in_scope(db, scope, id).await?;
    let first = row.tab_of.unwrap_or(row.id);
    let rows = rich_menu::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(rich_menu::Column::Id.eq(first))
                .add(rich_menu::Column::TabOf.eq(first)),
        )
        .order_by_asc(rich_menu::Column::Id)
        .all(db)
        .await?;
    // The first tab first (its id is the smallest: further tabs are made after it).
    rows.into_iter()
        .map(|m| {
            let design = read_design(&m)?;
            Ok(Tab {
                id: m.id,
                alias: model::menu::tab_alias(m.id),
                name: design.tab_name,
                title: m.title,
            })
        })
        .collect()
}

/// Adds a tab named `name` to the menu `id` belongs to: a menu of its own (the first tab's
/// size, areas and actions to start from, no image), published with the first tab.
pub async fn add_tab(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    name: &str,
) -> DomainResult<Menu> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > model::menu::TAB_NAME_MAX_CHARS {
        return Err(DomainError::Invalid(format!(
            "タブの名前を{}文字以内で入れてください。",
            model::menu::TAB_NAME_MAX_CHARS
        )));
    }
    let existing = tabs(db, scope, id).await?;
    if existing.len() >= model::menu::MAX_TABS {
        return Err(DomainError::Invalid(format!(
            "タブは{}つまでです。",
            model::menu::MAX_TABS
        )));
    }
    let first_id = existing.first().map_or(id, |t| t.id);
    let first = find_in_scope(db, scope, first_id).await?;
    let mut design = read_design(&first)?;
    let now = Utc::now();
    let txn = db.begin().await?;
    if design.tab_name.trim().is_empty() {
        // The first tab is named when it gets a second.
        design.tab_name = "タブ1".into();
        let mut owner: rich_menu::ActiveModel = first.clone().into();
        owner.design = Set(design_json(&design)?);
        owner.update(&txn).await?;
    }
    design.tab_name = name.to_owned();
    let title: String = format!("{}・{name}", first.title)
        .chars()
        .take(model::menu::TITLE_MAX_CHARS)
        .collect();
    let row = rich_menu::ActiveModel {
        department_id: Set(first.department_id),
        title: Set(title),
        design: Set(design_json(&design)?),
        image: Set(None),
        image_type: Set(None),
        tab_of: Set(Some(first.id)),
        created_at: Set(now),
        updated_at: Set(now),
        updated_by: Set(actor.username.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let menu = menu_of(row, &department_names(&txn).await?)?;
    record(&txn, actor, "rich_menu.add_tab", &menu).await?;
    txn.commit().await?;
    Ok(menu)
}

pub(crate) async fn find_in_scope(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> DomainResult<rich_menu::Model> {
    rich_menu::Entity::find_by_id(id)
        .filter(scope.condition(rich_menu::Column::DepartmentId))
        .one(db)
        .await?
        .ok_or_else(|| DomainError::NotFound("指定されたリッチメニューはありません。".into()))
}

async fn record(
    txn: &DatabaseTransaction,
    actor: &Actor,
    action: &str,
    m: &Menu,
) -> DomainResult<()> {
    let id = m.id.to_string();
    let summary = serde_json::json!({
        "title": m.title,
        "department_id": m.department_id,
        "size": [m.design.width, m.design.height],
        "areas": m.design.areas.iter().map(|a| a.label().to_owned()).collect::<Vec<_>>(),
        "image": m.image.as_ref().map(|i| i.bytes),
    });
    audit::record(txn, actor, action, "rich_menu", Some(&id), summary).await
}

fn validate_title(raw: &str) -> DomainResult<String> {
    let title = raw.trim();
    let len = title.chars().count();
    let max = model::menu::TITLE_MAX_CHARS;
    if len == 0 || len > max || title.chars().any(char::is_control) {
        return Err(DomainError::Invalid(format!(
            "メニュー名は1〜{max}文字で、改行などの制御文字を含めずに入力してください。"
        )));
    }
    Ok(title.to_owned())
}

/// The shape LINE needs before anything is stored: a size LINE takes and at most 20 areas
/// (the rest are problems to mend before publishing).
fn check_design(design: &MenuDesign) -> DomainResult<()> {
    design_size(design)?;
    if design.areas.len() > line::validate::MAX_RICH_MENU_AREAS {
        return Err(DomainError::Invalid(format!(
            "エリアは{}個までです。",
            line::validate::MAX_RICH_MENU_AREAS
        )));
    }
    Ok(())
}

fn design_size(design: &MenuDesign) -> DomainResult<(u32, u32)> {
    let (w, h) = (design.width, design.height);
    let ok = (800..=2500).contains(&w) && h >= 250 && f64::from(w) / f64::from(h) >= 1.45;
    if !ok {
        return Err(DomainError::Invalid(
            "メニューの大きさは幅 800〜2500 px、高さ 250 px 以上、幅÷高さ 1.45 以上にしてください。".into(),
        ));
    }
    Ok((w as u32, h as u32))
}

fn design_json(design: &MenuDesign) -> DomainResult<String> {
    serde_json::to_string(design).map_err(|e| DomainError::Internal(format!("menu design: {e}")))
}

pub(crate) fn read_design(m: &rich_menu::Model) -> DomainResult<MenuDesign> {
    serde_json::from_str(&m.design).map_err(|e| {
        DomainError::Internal(format!("rich menu {} has an unreadable design: {e}", m.id))
    })
}

/// Width and height of a stored image (its header only).
pub(crate) fn image_size(bytes: &[u8]) -> Option<(u32, u32)> {
    image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

fn menu_of(
    m: rich_menu::Model,
    names: &std::collections::HashMap<i64, String>,
) -> DomainResult<Menu> {
    let design = read_design(&m)?;
    let image = match (&m.image_type, &m.image) {
        (Some(t), Some(bytes)) => image_size(bytes).map(|(width, height)| ImageInfo {
            content_type: t.clone(),
            width,
            height,
            bytes: bytes.len(),
        }),
        _ => None,
    };
    Ok(Menu {
        department_name: names.get(&m.department_id).cloned().unwrap_or_default(),
        id: m.id,
        department_id: m.department_id,
        title: m.title,
        design,
        image,
        tab_of: m.tab_of,
        updated_at: m.updated_at,
        updated_by: m.updated_by,
    })
}

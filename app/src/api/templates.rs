//! 定型文 (message templates), scoped to the caller's departments: the list shows only theirs,
//! and another department's template is "not found".

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateRow {
    pub id: i64,
    pub title: String,
    pub department_id: i64,
    pub department: String,
    /// Each message as one line of text.
    pub preview: Vec<String>,
    pub updated_at: String,
    pub updated_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentOption {
    pub id: i64,
    pub name: String,
}

/// The template editor: the template (none for a new one), its fields as the form shows them,
/// and the departments the caller may file it under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateForm {
    pub template: Option<TemplateRow>,
    /// The first message when it is plain text.
    pub text: String,
    /// The other messages, as a JSON array.
    pub json: String,
    pub departments: Vec<DepartmentOption>,
    pub can_edit: bool,
}

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::{Action, Feature, Need};
    // The department scope is applied inside, by the domain.
    &[
        rule::<ListTemplates>(Need::Can(Feature::Templates, Action::View)),
        rule::<TemplateEditor>(Need::Can(Feature::Templates, Action::View)),
        rule::<PreviewTemplate>(Need::Can(Feature::Templates, Action::View)),
        rule::<SaveTemplate>(Need::Can(Feature::Templates, Action::Edit)),
        rule::<DeleteTemplate>(Need::Can(Feature::Templates, Action::Edit)),
    ]
};

#[server(endpoint = "templates/list")]
pub async fn list_templates() -> Result<Vec<TemplateRow>, AppError> {
    let (me, ctx) = crate::ssr::context::call::<ListTemplates>()?;
    let list = domain::messaging::templates::list(ctx.db(), &me.grants.scope()).await?;
    Ok(list.into_iter().map(template_row).collect())
}

#[server(endpoint = "templates/editor")]
pub async fn template_editor(id: Option<i64>) -> Result<TemplateForm, AppError> {
    use model::access::{Action, Feature};
    let (me, ctx) = crate::ssr::context::call::<TemplateEditor>()?;
    let scope = me.grants.scope();
    let template = match id {
        Some(id) => Some(domain::messaging::templates::get(ctx.db(), &scope, id).await?),
        None => None,
    };
    let (text, json) = template
        .as_ref()
        .map(|t| domain::messaging::templates::decompose(&t.messages))
        .unwrap_or_default();
    let departments = domain::staff::departments::list(ctx.db())
        .await?
        .into_iter()
        .filter(|d| scope.includes(d.id))
        .map(|d| DepartmentOption {
            id: d.id,
            name: d.name,
        })
        .collect();
    Ok(TemplateForm {
        template: template.map(template_row),
        text,
        json,
        departments,
        can_edit: me.grants.can(Feature::Templates, Action::Edit),
    })
}

/// The editor's fields as LINE would show them, without saving: each message as a line of
/// text, or the reasons LINE would refuse them.
#[server(endpoint = "templates/preview")]
pub async fn preview_template(text: String, json: String) -> Result<Vec<String>, AppError> {
    crate::ssr::context::call::<PreviewTemplate>()?;
    let messages = domain::messaging::templates::compose(&text, &json)?;
    Ok(messages.iter().map(|m| m.preview_text()).collect())
}

/// Creates (`id` empty) or replaces a template; answers with its id.
#[server(endpoint = "templates/save")]
pub async fn save_template(
    id: Option<i64>,
    department_id: Option<i64>,
    title: String,
    text: String,
    json: String,
) -> Result<i64, AppError> {
    let (me, ctx) = crate::ssr::context::call::<SaveTemplate>()?;
    let Some(department_id) = department_id else {
        return Err(AppError::Invalid("所属部署を選んでください。".into()));
    };
    let input = domain::messaging::templates::TemplateInput {
        department_id,
        title,
        messages: domain::messaging::templates::compose(&text, &json)?,
    };
    let scope = me.grants.scope();
    let actor = ctx.actor(&me);
    let saved = match id {
        Some(id) => domain::messaging::templates::update(ctx.db(), &actor, &scope, id, input).await,
        None => domain::messaging::templates::create(ctx.db(), &actor, &scope, input).await,
    }?;
    if id.is_none() {
        leptos_axum::redirect(&format!("/admin/templates/{}?saved=1", saved.id));
    }
    Ok(saved.id)
}

#[server(endpoint = "templates/delete")]
pub async fn delete_template(id: i64) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<DeleteTemplate>()?;
    domain::messaging::templates::delete(ctx.db(), &ctx.actor(&me), &me.grants.scope(), id).await?;
    leptos_axum::redirect("/admin/templates?deleted=1");
    Ok(())
}

#[cfg(feature = "ssr")]
fn template_row(t: domain::messaging::templates::Template) -> TemplateRow {
    TemplateRow {
        preview: t.messages.iter().map(|m| m.preview_text()).collect(),
        id: t.id,
        title: t.title,
        department_id: t.department_id,
        department: t.department_name,
        updated_at: domain::time::minutes(t.updated_at),
        updated_by: t.updated_by,
    }
}

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

/// The template editor: the template (none for a new one), its messages, and the departments
/// the caller may file it under.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TemplateForm {
    pub template: Option<TemplateRow>,
    /// What the composer starts from: the template's messages, or one empty text message.
    pub messages: Vec<line::message::Message>,
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
        rule::<SaveTemplate>(Need::Can(Feature::Templates, Action::Edit)),
        rule::<DeleteTemplate>(Need::Can(Feature::Templates, Action::Edit)),
        // Sends only to the simulator's friends; the template must be in the caller's scope.
        rule::<SendTemplateToSimulator>(Need::Can(Feature::Simulator, Action::Edit)),
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
    let messages = template.as_ref().map_or_else(
        || vec![line::compose::MessageKind::Text.new_message()],
        |t| t.messages.clone(),
    );
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
        messages,
        departments,
        can_edit: me.grants.can(Feature::Templates, Action::Edit),
    })
}

/// Creates (`id` empty) or replaces a template; answers with its id. `messages` is the
/// composer's list as a JSON array of LINE message objects, checked here by LINE's rules again.
#[server(endpoint = "templates/save")]
pub async fn save_template(
    id: Option<i64>,
    department_id: Option<i64>,
    title: String,
    messages: String,
) -> Result<i64, AppError> {
    let (me, ctx) = crate::ssr::context::call::<SaveTemplate>()?;
    let Some(department_id) = department_id else {
        return Err(AppError::Invalid("所属部署を選んでください。".into()));
    };
    let input = domain::messaging::templates::TemplateInput {
        department_id,
        title,
        messages: domain::messaging::templates::compose("", &messages)?,
    };
    let scope = me.grants.scope();
    let actor = ctx.actor(&me);
    let saved = match id {
        Some(id) => domain::messaging::templates::update(ctx.db(), &actor, &scope, id, input).await,
        None => domain::messaging::templates::create(ctx.db(), &actor, &scope, input).await,
    }?;
    // Saved: the composer's draft of this page is no longer needed.
    super::drafts::forget_draft(ctx.db(), me.id, "template", id).await;
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

/// Sends a saved template to a simulated friend of a sandbox channel, through the same outbox,
/// retry key and Messaging API client as any push, so staff see in the simulator exactly what
/// a citizen would receive. Never to a real LINE channel: test deliveries to real people are
/// the delivery feature's, with its registry of test recipients.
#[server(endpoint = "templates/send_to_simulator")]
pub async fn send_template_to_simulator(
    id: i64,
    channel: String,
    user_id: String,
) -> Result<String, AppError> {
    use domain::delivery::outbox::{self, Outgoing};
    let (me, ctx) = crate::ssr::context::call::<SendTemplateToSimulator>()?;
    // Reading the template is 定型文's to allow too.
    if !me.grants.can(
        model::access::Feature::Templates,
        model::access::Action::View,
    ) {
        return Err(AppError::Forbidden);
    }
    let template = domain::messaging::templates::get(ctx.db(), &me.grants.scope(), id).await?;
    let line = ctx.line_client(&channel)?;
    if !line.sandbox {
        return Err(AppError::Invalid(
            "シミュレーターの利用者（サンドボックスのチャネル）にだけ送れます。".into(),
        ));
    }
    let request = Outgoing::Push(line::api::PushRequest {
        to: user_id,
        messages: template.messages,
        notification_disabled: None,
        custom_aggregation_units: None,
    });
    let row = outbox::enqueue(ctx.db(), line.channel_id, &request).await?;
    outbox::deliver(ctx.db(), &line.client, row.id, domain::time::now()).await?;
    tracing::info!(
        staff_id = me.id,
        template_id = id,
        send_id = row.id,
        "template sent to the simulator"
    );
    let sent = outbox::get(ctx.db(), row.id).await?;
    if sent.status == outbox::SendStatus::Sent {
        Ok("シミュレーターの利用者に送信しました。".into())
    } else {
        Err(AppError::Invalid(format!(
            "送信できませんでした：{}",
            sent.error.unwrap_or_default()
        )))
    }
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

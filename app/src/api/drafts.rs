//! 下書きの自動保存: the composer's drafts, saved to the server as staff work so a closed tab
//! loses nothing. Each signed-in member of staff reads and writes only their own drafts (the
//! domain keys them by the caller's id), so any signed-in user may call these; no department
//! scope applies.
//!
//! A key names what is being edited ([`editor_draft_key`]: `template:12`, `delivery:new`):
//! lowercase letters, digits and `:/_-`, at most 200 characters. Drafts are not checked against
//! LINE's limits (work in progress); that happens when the template or delivery itself is saved.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A draft as the composer gets it back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedDraft {
    pub messages: Vec<line::message::Message>,
    /// "HH:MM" in Japan time
    pub saved_at: String,
}

/// The draft key of an editor page: `kind` (`template`, `delivery`) and the edited item's id,
/// or `new` for one not saved yet (`template:12`, `delivery:new`).
pub fn editor_draft_key(kind: &str, id: Option<i64>) -> String {
    match id {
        Some(id) => format!("{kind}:{id}"),
        None => format!("{kind}:new"),
    }
}

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::Need;
    // Only ever the caller's own drafts.
    &[
        rule::<LoadEditorDraft>(Need::SignedIn),
        rule::<SaveEditorDraft>(Need::SignedIn),
        rule::<DiscardEditorDraft>(Need::SignedIn),
    ]
};

/// The caller's draft under `key`, if any (a draft in a format this version no longer reads
/// counts as none).
#[server(endpoint = "drafts/load")]
pub async fn load_editor_draft(key: String) -> Result<Option<SavedDraft>, AppError> {
    let (me, ctx) = crate::ssr::context::call::<LoadEditorDraft>()?;
    let draft = domain::messaging::drafts::load(ctx.db(), me.id, &key).await?;
    Ok(draft.map(|d| SavedDraft {
        messages: d.messages,
        saved_at: domain::time::clock(d.saved_at),
    }))
}

/// Saves (replaces) the caller's draft under `key`; answers when, as "HH:MM" in Japan time.
/// `messages` is the composer's list as a JSON array of LINE message objects: at most 5, and
/// at most 256 KB.
#[server(endpoint = "drafts/save")]
pub async fn save_editor_draft(key: String, messages: String) -> Result<String, AppError> {
    let (me, ctx) = crate::ssr::context::call::<SaveEditorDraft>()?;
    let messages: Vec<line::message::Message> = serde_json::from_str(&messages).map_err(|e| {
        AppError::Invalid(format!(
            "下書きの JSON が正しくありません（{e}）。メッセージオブジェクトの配列で送ってください。"
        ))
    })?;
    let saved_at = domain::messaging::drafts::save(ctx.db(), me.id, &key, &messages).await?;
    Ok(domain::time::clock(saved_at))
}

/// Forgets the caller's draft under `key` (none is fine).
#[server(endpoint = "drafts/discard")]
pub async fn discard_editor_draft(key: String) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<DiscardEditorDraft>()?;
    domain::messaging::drafts::discard(ctx.db(), me.id, &key).await?;
    Ok(())
}

/// After a template or delivery is saved: its page's draft is no longer needed. A failure here
/// only leaves a draft behind (offered again if it differs), so it does not fail the save.
#[cfg(feature = "ssr")]
pub(crate) async fn forget_draft(
    db: &domain::DatabaseConnection,
    staff_id: i64,
    kind: &str,
    id: Option<i64>,
) {
    let key = editor_draft_key(kind, id);
    if let Err(e) = domain::messaging::drafts::discard(db, staff_id, &key).await {
        tracing::warn!(error = %e, "the saved page's draft could not be removed");
    }
}

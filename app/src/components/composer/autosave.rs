//! Drafts saved to the server as staff work: a few seconds after each change the composer's
//! messages are kept under the page's key for this member of staff only (`drafts` server
//! functions), so a closed tab or a crash loses nothing. Opening the page again with a draft
//! that differs from what it loaded offers to bring it back. Saving the page itself removes the
//! draft (the server does it with the save).

use std::time::Duration;

use leptos::leptos_dom::helpers::TimeoutHandle;
use leptos::prelude::*;

use super::fields::Draft;
use crate::api::{SavedDraft, discard_editor_draft, load_editor_draft, save_editor_draft};

/// Quiet time after the last change before the draft is written.
const SAVE_AFTER: Duration = Duration::from_secs(3);

#[component]
pub fn Autosave(#[prop(into)] key: String) -> impl IntoView {
    let draft = Draft::use_context();
    let status = RwSignal::new(String::new());
    let offer = RwSignal::new(None::<SavedDraft>);
    let loaded = draft.messages.get_untracked();
    // In the browser only (an effect), once: the page's draft, if it differs from the page.
    let load_key = key.clone();
    Effect::new(move |_| {
        let key = load_key.clone();
        let loaded = loaded.clone();
        leptos::task::spawn_local(async move {
            if let Ok(Some(saved)) = load_editor_draft(key).await
                && saved.messages != loaded
            {
                offer.set(Some(saved));
            }
        });
    });
    let save_key = key.clone();
    Effect::new(move |before: Option<Option<TimeoutHandle>>| {
        let messages = draft.messages.get();
        if let Some(Some(handle)) = before.as_ref() {
            handle.clear();
        }
        // The first run is the page as loaded: nothing to keep yet.
        before.as_ref()?;
        let key = save_key.clone();
        set_timeout_with_handle(
            move || {
                let json = serde_json::to_string(&messages).unwrap_or_default();
                leptos::task::spawn_local(async move {
                    match save_editor_draft(key, json).await {
                        Ok(at) => status.set(format!("下書きを自動保存しました（{at}）")),
                        Err(e) => status.set(format!("下書きを自動保存できませんでした：{e}")),
                    }
                });
            },
            SAVE_AFTER,
        )
        .ok()
    });
    let discard_key = key.clone();
    view! {
        {move || {
            offer
                .get()
                .map(|saved| {
                    let messages = saved.messages.clone();
                    let key = discard_key.clone();
                    view! {
                        <div class="notice" role="status" data-testid="draft-offer">
                            <p>
                                {format!(
                                    "保存していない編集内容があります（{} に自動保存）。",
                                    saved.saved_at,
                                )}
                            </p>
                            <div class="toolbar small">
                                <button
                                    type="button"
                                    class="button small"
                                    data-testid="draft-restore"
                                    on:click=move |_| {
                                        draft.messages.set(messages.clone());
                                        offer.set(None);
                                    }
                                >
                                    "編集内容を復元する"
                                </button>
                                <button
                                    type="button"
                                    class="button ghost small"
                                    on:click=move |_| {
                                        let key = key.clone();
                                        offer.set(None);
                                        leptos::task::spawn_local(async move {
                                            let _ = discard_editor_draft(key).await;
                                        });
                                    }
                                >
                                    "破棄する"
                                </button>
                            </div>
                        </div>
                    }
                })
        }}
        <p class="hint composer-autosave" role="status" data-testid="draft-status">
            {move || status.get()}
        </p>
    }
}

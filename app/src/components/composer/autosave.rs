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

/// `key` may change while the page is open (a new delivery, once saved, has an id).
#[component]
pub fn Autosave(#[prop(into)] key: Signal<String>) -> impl IntoView {
    let draft = Draft::use_context();
    let status = RwSignal::new(String::new());
    let offer = RwSignal::new(None::<SavedDraft>);
    let loaded = draft.messages.get_untracked();
    // In the browser only (an effect), once: the page's draft, if it differs from the page.
    Effect::new(move |_| {
        let key = key.get_untracked();
        let loaded = loaded.clone();
        leptos::task::spawn_local(async move {
            if let Ok(Some(saved)) = load_editor_draft(key).await
                && saved.messages != loaded
            {
                offer.set(Some(saved));
            }
        });
    });
    // The pending save, cleared when the page goes (after a save, leaving must not write the
    // draft the save removed).
    let pending = StoredValue::new(None::<TimeoutHandle>);
    on_cleanup(move || {
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
    });
    Effect::new(move |before: Option<()>| {
        let messages = draft.messages.get();
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        // The first run is the page as loaded: nothing to keep yet.
        if before.is_none() {
            return;
        }
        let handle = set_timeout_with_handle(
            move || {
                pending.set_value(None);
                let key = key.get_untracked();
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
        .ok();
        pending.set_value(handle);
    });
    view! {
        {move || {
            offer
                .get()
                .map(|saved| {
                    let messages = saved.messages.clone();
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
                                        let key = key.get_untracked();
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

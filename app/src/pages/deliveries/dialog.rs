//! A modal dialog (the native `<dialog>`): opened with `showModal()`, so focus moves into it,
//! the rest of the page is inert and Esc closes it; when it closes, focus goes back to the
//! control that opened it, or, when that control is gone (予約する became 予約を解除), to the
//! element `focus_after` names (the page's outcome notice) and else to the main content. Its content is built each time it opens (what it shows is read
//! then: the audience count at that moment).

use leptos::prelude::*;

#[component]
pub fn Modal(
    /// Open or closed; the dialog sets it to `false` when staff close it (Esc).
    open: RwSignal<bool>,
    /// The id of the dialog's heading (its accessible name).
    labelled_by: &'static str,
    #[prop(optional)] test_id: &'static str,
    /// The id of what takes focus when the opener is gone once the dialog closes.
    #[prop(optional)]
    focus_after: &'static str,
    children: ChildrenFn,
) -> AnyView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    // Focus is moved in the browser only.
    #[cfg(not(feature = "hydrate"))]
    let _ = focus_after;
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
        Effect::new(move || {
            let want = open.get();
            let Some(d) = dialog.get() else {
                return;
            };
            if want && !d.open() {
                opener.set_value(
                    document()
                        .active_element()
                        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()),
                );
                let _ = d.show_modal();
            } else if !want && d.open() {
                d.close();
            }
            if !want && let Some(el) = opener.get_value() {
                opener.set_value(None);
                // After the page has drawn what the dialog's action changed.
                request_animation_frame(move || {
                    let target = if el.is_connected() {
                        Some(el)
                    } else {
                        [focus_after, "main"]
                            .into_iter()
                            .filter(|id| !id.is_empty())
                            .find_map(|id| document().get_element_by_id(id))
                            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                    };
                    if let Some(target) = target {
                        let _ = target.focus();
                    }
                });
            }
        });
    }
    view! {
        <dialog
            node_ref=dialog
            class="delivery-dialog"
            aria-labelledby=labelled_by
            data-testid=test_id
            on:close=move |_| open.set(false)
        >
            {move || open.get().then(|| children())}
        </dialog>
    }
    .into_any()
}

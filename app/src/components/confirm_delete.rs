//! The last step before deleting something.

use leptos::prelude::*;

/// A required tick stating what deleting means, and the delete button, inside the delete form. A
/// tick rather than a script dialog: it works before hydration and under the strict
/// Content-Security-Policy (no inline handlers).
#[component]
pub fn ConfirmDelete(#[prop(into)] statement: String, button: &'static str) -> impl IntoView {
    view! {
        <label class="checkbox">
            <input type="checkbox" name="confirm" value="yes" required />
            {statement}
        </label>
        <button type="submit" class="button danger">
            {button}
        </button>
    }
}

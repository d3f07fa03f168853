//! A new password, typed twice.

use leptos::prelude::*;
use model::account::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};

/// The policy, as the form under a new password says it.
pub const POLICY_HINT: &str =
    "12文字以上。ユーザー名を含むものや、よく使われるもの（password1234 など）は使えません。";

/// Fields `name` and `{name}_confirm` (the server checks that they match), labelled `label` and
/// 「`label`（確認）」, with `hint` under the first.
#[component]
pub fn NewPasswordFields(
    name: &'static str,
    label: &'static str,
    #[prop(default = POLICY_HINT)] hint: &'static str,
) -> impl IntoView {
    let confirm = format!("{name}_confirm");
    let hint_id = format!("{name}-hint");
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input
                id=name
                name=name
                type="password"
                required
                minlength=PASSWORD_MIN_CHARS
                maxlength=PASSWORD_MAX_CHARS
                autocomplete="new-password"
                aria-describedby=hint_id.clone()
            />
            <p id=hint_id class="hint">
                {hint}
            </p>
        </div>
        <div class="field">
            <label for=confirm.clone()>{format!("{label}（確認）")}</label>
            <input
                id=confirm.clone()
                name=confirm
                type="password"
                required
                maxlength=PASSWORD_MAX_CHARS
                autocomplete="new-password"
            />
        </div>
    }
}

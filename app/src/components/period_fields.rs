//! The 期間 and ユーザー名 fields of the log filters, filled from the URL.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use model::account::USERNAME_MAX_CHARS;

/// Period (from, until) and username inputs, as a filter form's first fields.
#[component]
pub fn PeriodFields() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    view! {
        <div class="field">
            <label for="f-from">"期間（から）"</label>
            <input id="f-from" name="from" type="date" value=move || param("from") />
        </div>
        <div class="field">
            <label for="f-until">"（まで）"</label>
            <input id="f-until" name="until" type="date" value=move || param("until") />
        </div>
        <div class="field">
            <label for="f-username">"ユーザー名"</label>
            <input
                id="f-username"
                name="username"
                type="search"
                maxlength=USERNAME_MAX_CHARS
                value=move || param("username")
            />
        </div>
    }
}

//! テスト配信先: the registry of test recipients (filled in by issue 13).

use leptos::prelude::*;

#[component]
pub fn TestRecipientsPage() -> impl IntoView {
    view! { <h1>"テスト配信先"</h1> }
}

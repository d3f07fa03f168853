//! The admin panel's list tables.

use leptos::prelude::*;

/// A table of rows under column headings; `test_id` names it for the browser tests.
#[component]
pub fn DataTable(
    test_id: &'static str,
    headings: &'static [&'static str],
    children: Children,
) -> impl IntoView {
    view! {
        <table class="data-table" data-testid=test_id>
            <thead>
                <tr>
                    {headings.iter().map(|h| view! { <th scope="col">{*h}</th> }).collect_view()}
                </tr>
            </thead>
            <tbody>{children()}</tbody>
        </table>
    }
}

//! 配信: the list, the calendar and the delivery page (filled in by issue 13).

use leptos::prelude::*;

#[component]
pub fn DeliveriesPage() -> impl IntoView {
    view! { <h1>"配信"</h1> }
}

#[component]
pub fn DeliveryPage() -> impl IntoView {
    view! { <h1>"配信"</h1> }
}

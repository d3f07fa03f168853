//! セグメント: saved segments and their editor (filled in by issue 13).

use leptos::prelude::*;

#[component]
pub fn SegmentsPage() -> impl IntoView {
    view! { <h1>"セグメント"</h1> }
}

#[component]
pub fn SegmentPage() -> impl IntoView {
    view! { <h1>"セグメント"</h1> }
}

use leptos::prelude::*;
use leptos_meta::Title;

use crate::nav::area;

/// The page of an area that is still being built: says so, and what it will do.
#[component]
pub fn Placeholder(slug: &'static str) -> impl IntoView {
    let (label, summary) = area(slug).map_or(("", ""), |a| (a.label, a.summary));
    view! {
        <Title text=label />
        <h1>{label}</h1>
        <section class="panel" role="status">
            <p class="preparing">"この機能は準備中です。"</p>
            <p>{summary}</p>
        </section>
    }
}

//! What a page says about the last thing that happened: done, or the error why not.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::error::AppError;

/// An error as staff read it: its Japanese message, announced to screen readers.
#[component]
pub fn ErrorNote(error: AppError) -> impl IntoView {
    view! {
        <p class="form-error" role="alert">
            {error.to_string()}
        </p>
    }
}

/// The outcome of a server action: `done` when it succeeded, the error when not, nothing before
/// it ran.
#[component]
pub fn Outcome<T: Clone + Send + Sync + 'static>(
    #[prop(into)] value: Signal<Option<Result<T, AppError>>>,
    done: &'static str,
) -> impl IntoView {
    move || {
        value.get().map(|r| match r {
            Ok(_) => view! {
                <p class="notice" role="status">
                    {done}
                </p>
            }
            .into_any(),
            Err(error) => view! { <ErrorNote error /> }.into_any(),
        })
    }
}

/// A notice about what the page before the redirect did, shown while the URL carries `param`
/// (`?deleted=1` after a delete, `?saved=1` after creating).
#[component]
pub fn RedirectNotice(param: &'static str, text: &'static str) -> impl IntoView {
    let query = use_query_map();
    move || {
        query.read().get(param).map(|_| {
            view! {
                <p class="notice" role="status">
                    {text}
                </p>
            }
        })
    }
}

//! What a page says about the last thing that happened: done, or the error why not.

use leptos::prelude::*;

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

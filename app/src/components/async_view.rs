//! Data from the server, shown the one way every page shows it.

use leptos::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::components::ErrorNote;
use crate::error::AppError;

/// A server resource: 「読み込み中…」 while it loads, its error (in Japanese) if it failed,
/// otherwise what `children` makes of the value.
#[component]
pub fn AsyncView<T, V>(
    resource: Resource<Result<T, AppError>>,
    children: impl Fn(T) -> V + Send + Sync + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + Serialize + DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    view! {
        <Transition fallback=|| {
            view! { <p class="hint">"読み込み中…"</p> }
        }>
            {move || {
                resource
                    .get()
                    .map(|result| match result {
                        Ok(value) => children(value).into_any(),
                        Err(error) => view! { <ErrorNote error /> }.into_any(),
                    })
            }}
        </Transition>
    }
}

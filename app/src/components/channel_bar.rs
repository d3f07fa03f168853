use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::layout::use_channel;

/// Which channel the page acts on, with links to the others. Shown on every page that reads or
/// sends through LINE, so staff never act on production by mistake.
#[component]
pub fn ChannelBar() -> impl IntoView {
    let selection = use_channel();
    let location = use_location();
    view! {
        <Transition fallback=|| ()>
            {move || {
                let current = selection.key.get();
                let path = location.pathname.get();
                selection
                    .channels
                    .get()
                    .and_then(Result::ok)
                    .filter(|list| list.len() > 1)
                    .map(|list| {
                        view! {
                            <nav class="channel-bar" aria-label="LINE チャネル">
                                {list
                                    .into_iter()
                                    .map(|c| {
                                        let selected = c.key == current;
                                        view! {
                                            <a
                                                href=format!("{path}?ch={}", c.key)
                                                aria-current=selected.then_some("page")
                                            >
                                                {c.badge()}
                                            </a>
                                        }
                                    })
                                    .collect_view()}
                            </nav>
                        }
                    })
            }}
        </Transition>
    }
}

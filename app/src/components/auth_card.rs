use leptos::prelude::*;
use leptos_meta::Title;

/// The centred card of the pages seen before signing in (sign-in, first-run setup): brand,
/// heading, the last error of the page's form, then the page's own content.
#[component]
pub fn AuthCard(
    page_title: &'static str,
    heading: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
    children: Children,
) -> impl IntoView {
    view! {
        <Title text=page_title />
        <main class="auth-page">
            <section class="auth-card" aria-labelledby="auth-heading">
                <p class="auth-brand">"まちだより"</p>
                <h1 id="auth-heading">{heading}</h1>
                {move || {
                    error
                        .get()
                        .map(|e| {
                            view! {
                                <p class="form-error" role="alert">
                                    {e}
                                </p>
                            }
                        })
                }}
                {children()}
            </section>
        </main>
    }
}

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="ページが見つかりません" />
        <main class="auth-page">
            <section class="auth-card">
                <h1>"ページが見つかりません"</h1>
                <p>"URL が正しいかご確認ください。"</p>
                <a class="button primary" href="/admin">
                    "管理画面へ戻る"
                </a>
            </section>
        </main>
    }
}

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use model::account::{PASSWORD_MAX_CHARS, USERNAME_MAX_CHARS};

use crate::api::Login;
use crate::components::AuthCard;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let notice = move || {
        let q = query.read();
        if q.get("signed_out").is_some() {
            Some("ログアウトしました。")
        } else if q.get("expired").is_some() {
            Some(
                "ログインの有効期限が切れたか、ログアウトされています。もう一度ログインしてください。",
            )
        } else {
            None
        }
    };
    let error = Signal::derive(move || {
        login
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    });

    view! {
        <AuthCard page_title="ログイン" heading="管理画面にログイン" error>
            {move || {
                notice()
                    .map(|n| {
                        view! {
                            <p class="notice" role="status">
                                {n}
                            </p>
                        }
                    })
            }}
            <ActionForm action=login attr:class="stack">
                <input type="hidden" name="next" value=next />
                <div class="field">
                    <label for="username">"ユーザー名"</label>
                    <input
                        id="username"
                        name="username"
                        type="text"
                        autocomplete="username"
                        autocapitalize="off"
                        spellcheck="false"
                        required
                        maxlength=USERNAME_MAX_CHARS
                    />
                </div>
                <div class="field">
                    <label for="password">"パスワード"</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        maxlength=PASSWORD_MAX_CHARS
                    />
                </div>
                <button type="submit" class="button primary" disabled=move || login.pending().get()>
                    "ログイン"
                </button>
            </ActionForm>
        </AuthCard>
    }
}

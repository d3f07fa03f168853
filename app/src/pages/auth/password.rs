//! パスワードの変更: every user's own password. A user whose password was set by an
//! administrator is sent here (by the server) until they have changed it.

use leptos::prelude::*;
use leptos_meta::Title;
use model::account::PASSWORD_MAX_CHARS;

use crate::api::{ChangePassword, current_staff};
use crate::components::{NewPasswordFields, Outcome};

#[component]
pub fn PasswordPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let me = Resource::new(|| (), |_| current_staff());
    let required = move || {
        me.get()
            .and_then(Result::ok)
            .is_some_and(|s| s.must_change_password)
    };
    view! {
        <Title text="パスワードの変更" />
        <h1>"パスワードの変更"</h1>
        <Transition fallback=|| ()>
            {move || {
                required()
                    .then(|| {
                        view! {
                            <p class="notice" role="status" data-testid="password-required">
                                "管理者が設定したパスワードでログインしています。使い始める前に、自分だけが知っているパスワードに変更してください。"
                            </p>
                        }
                    })
            }}
        </Transition>
        <ActionForm action=change attr:class="stack panel" attr:data-testid="change-password">
            <div class="field">
                <label for="current_password">"現在のパスワード"</label>
                <input
                    id="current_password"
                    name="current_password"
                    type="password"
                    required
                    maxlength=PASSWORD_MAX_CHARS
                    autocomplete="current-password"
                />
            </div>
            <NewPasswordFields name="new_password" label="新しいパスワード" />
            <button type="submit" class="button primary" disabled=move || change.pending().get()>
                "変更する"
            </button>
            <Outcome value=change.value() done="パスワードを変更しました。" />
        </ActionForm>
    }
}

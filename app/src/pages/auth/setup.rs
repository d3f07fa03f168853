use leptos::prelude::*;
use model::account::{DISPLAY_NAME_MAX_CHARS, USERNAME_MAX_CHARS};

use crate::api::SetupFirstAdmin;
use crate::components::{AuthCard, NewPasswordFields};

/// First-run setup: creates the first administrator. The server shows this page only on an empty
/// database and only to a browser on the server machine itself.
#[component]
pub fn SetupPage() -> impl IntoView {
    let setup = ServerAction::<SetupFirstAdmin>::new();
    let error = Signal::derive(move || {
        setup
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    });

    view! {
        <AuthCard
            page_title="初期設定"
            heading="初期設定：最初の管理者を作成"
            error
        >
            <p class="hint">
                "この画面はサーバー本体のブラウザからのみ開けます。作成後は表示されなくなります。"
            </p>
            <ActionForm action=setup attr:class="stack">
                <div class="field">
                    <label for="username">"ユーザー名"</label>
                    <input
                        id="username"
                        name="username"
                        type="text"
                        autocomplete="username"
                        required
                        minlength="3"
                        maxlength=USERNAME_MAX_CHARS
                        pattern="[A-Za-z0-9._@\\-]+"
                        aria-describedby="username-hint"
                    />
                    <p id="username-hint" class="hint">
                        "3〜64文字の半角英数字と記号 . _ - @"
                    </p>
                </div>
                <div class="field">
                    <label for="display_name">"表示名（任意）"</label>
                    <input
                        id="display_name"
                        name="display_name"
                        type="text"
                        maxlength=DISPLAY_NAME_MAX_CHARS
                    />
                </div>
                <NewPasswordFields name="password" label="パスワード" hint="12文字以上" />
                <button type="submit" class="button primary" disabled=move || setup.pending().get()>
                    "管理者を作成してログイン"
                </button>
            </ActionForm>
        </AuthCard>
    }
}

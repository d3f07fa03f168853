//! The frame around every signed-in page: top bar, side navigation, content.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::{use_location, use_navigate};

use crate::api::{AppError, Logout, current_staff};
use crate::nav::AREAS;

#[component]
pub fn AdminLayout() -> impl IntoView {
    // Asked again on every navigation: after hydration, moving between admin pages happens in
    // the browser, and this is how the server still checks the session each time.
    let location = use_location();
    let staff = Resource::new(move || location.pathname.get(), |_| current_staff());
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Err(AppError::Unauthorized)) = staff.get() {
            let next = location.pathname.get_untracked();
            navigate(
                &format!("/admin/login?expired=1&next={next}"),
                Default::default(),
            );
        }
    });
    let logout = ServerAction::<Logout>::new();

    view! {
        <div class="admin-shell">
            <a class="skip-link" href="#main">"本文へ移動"</a>
            <header class="topbar">
                <A href="/admin" attr:class="brand">
                    "まちだより"
                    <span class="brand-sub">"管理画面"</span>
                </A>
                <span class="env-badge" title="LINE チャネルが未設定のため、LINE には送信されません">
                    "LINE 未接続"
                </span>
                <div class="account">
                    <Transition fallback=|| ()>
                        {move || {
                            staff
                                .get()
                                .and_then(Result::ok)
                                .map(|s| {
                                    view! {
                                        <span class="who" data-testid="current-staff">
                                            {s.display_name}
                                        </span>
                                    }
                                })
                        }}
                    </Transition>
                    <ActionForm action=logout>
                        <button type="submit" class="button ghost">"ログアウト"</button>
                    </ActionForm>
                </div>
            </header>
            <div class="shell-body">
                <nav class="sidenav" aria-label="メインメニュー">
                    <ul>
                        <li>
                            <A href="/admin" exact=true>"ダッシュボード"</A>
                        </li>
                        {AREAS
                            .iter()
                            .map(|area| {
                                view! {
                                    <li>
                                        <A href=format!("/admin/{}", area.slug)>{area.label}</A>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </nav>
                <main id="main" class="content" tabindex="-1">
                    <Outlet />
                </main>
            </div>
        </div>
    }
}

//! The frame around every signed-in page: top bar, side navigation, content.

use leptos::prelude::*;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::{use_location, use_navigate, use_query_map};

use crate::api::{AppError, ChannelView, Logout, PASSWORD_PAGE, current_staff, line_channels};
use crate::nav::AREAS;

/// The LINE channel the current page acts on: `?ch=KEY`, else `main` (or the first channel).
/// Pages read it from context; the top bar always shows its environment.
#[derive(Clone, Copy)]
pub struct ChannelSelection {
    pub channels: Resource<Result<Vec<ChannelView>, AppError>>,
    pub key: Signal<String>,
}

impl ChannelSelection {
    pub fn current(&self) -> Option<ChannelView> {
        let key = self.key.get();
        self.channels
            .get()
            .and_then(Result::ok)
            .and_then(|list| list.into_iter().find(|c| c.key == key))
    }
}

pub fn use_channel() -> ChannelSelection {
    expect_context::<ChannelSelection>()
}

#[component]
pub fn AdminLayout() -> impl IntoView {
    // Asked again on every navigation: after hydration, moving between admin pages happens in
    // the browser, and this is how the server still checks the session each time.
    let location = use_location();
    let staff = Resource::new(move || location.pathname.get(), |_| current_staff());
    let navigate = use_navigate();
    Effect::new(move || match staff.get() {
        Some(Err(AppError::Unauthorized)) => {
            let next = location.pathname.get_untracked();
            navigate(
                &format!("/admin/login?expired=1&next={next}"),
                Default::default(),
            );
        }
        // Moving inside the browser skips the server's redirect: repeat it here.
        Some(Ok(s))
            if s.must_change_password && location.pathname.get_untracked() != PASSWORD_PAGE =>
        {
            navigate(PASSWORD_PAGE, Default::default());
        }
        _ => {}
    });
    let logout = ServerAction::<Logout>::new();
    let query = use_query_map();
    let channels = Resource::new(|| (), |_| line_channels());
    let key = Signal::derive(move || query.read().get("ch").unwrap_or_else(|| "main".to_owned()));
    let selection = ChannelSelection { channels, key };
    provide_context(selection);

    view! {
        <div class="admin-shell">
            <a class="skip-link" href="#main">
                "本文へ移動"
            </a>
            <header class="topbar">
                <A href="/admin" attr:class="brand">
                    "まちだより"
                    <span class="brand-sub">"管理画面"</span>
                </A>
                <Transition fallback=|| ()>
                    {move || {
                        selection
                            .current()
                            .map(|c| {
                                let class = if c.sandbox {
                                    "env-badge sandbox"
                                } else if c.environment == model::status::Environment::Production {
                                    "env-badge production"
                                } else {
                                    "env-badge test"
                                };
                                let title = if c.sandbox {
                                    "内蔵の LINE サンドボックスです。LINE には送信されません。"
                                } else {
                                    "LINE に接続しています。送信は実際の友だちに届きます。"
                                };
                                view! {
                                    <span class=class title=title data-testid="channel-badge">
                                        {c.badge()}
                                    </span>
                                }
                            })
                    }}
                </Transition>
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
                                        <A href="/admin/password" attr:class="account-link">
                                            "パスワード変更"
                                        </A>
                                    }
                                })
                        }}
                    </Transition>
                    <ActionForm action=logout>
                        <button type="submit" class="button ghost">
                            "ログアウト"
                        </button>
                    </ActionForm>
                </div>
            </header>
            <div class="shell-body">
                <nav class="sidenav" aria-label="メインメニュー">
                    <ul>
                        <li>
                            <A href="/admin" exact=true>
                                "ダッシュボード"
                            </A>
                        </li>
                        // Only the areas this person may open (the server refuses the others
                        // anyway).
                        <Transition fallback=|| ()>
                            {move || {
                                let allowed = staff
                                    .get()
                                    .and_then(Result::ok)
                                    .map(|s| s.areas)
                                    .unwrap_or_default();
                                AREAS
                                    .iter()
                                    .filter(|area| allowed.iter().any(|a| a == area.slug))
                                    .map(|area| {
                                        view! {
                                            <li>
                                                <A href=format!("/admin/{}", area.slug)>{area.label}</A>
                                            </li>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </Transition>
                    </ul>
                </nav>
                <main id="main" class="content" tabindex="-1">
                    <Outlet />
                </main>
            </div>
        </div>
    }
}

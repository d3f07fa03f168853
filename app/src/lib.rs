//! The admin panel: Leptos components rendered on the server and hydrated in the browser, and
//! the server functions they call.
//!
//! Compiled twice: with `ssr` into the server binary, with `hydrate` into the WASM bundle.
//! Server functions stay thin: authorize (see [`api`]), call the `domain` crate, map errors.

// The composer's nested views make deep types (rustc asks for more than its default 128).
#![recursion_limit = "256"]

#[cfg(all(feature = "ssr", feature = "hydrate"))]
compile_error!(
    "`app` is built with both `ssr` and `hydrate`: build and test per package \
     (`make test`, `make lint`), never with --workspace"
);

pub mod api;
mod components;
/// The LINE preview of one message, for tools that render messages outside the app (the Flex
/// samples check, `app/examples/flex_samples.rs`).
pub use components::AccountMessage;
pub mod error;
mod layout;
mod lazy_pages;
pub mod nav;
mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::path;

use crate::layout::AdminLayout;
use crate::lazy_pages::{
    AccountRoute, AllowedIpsRoute, AuditLogRoute, DeliveriesRoute, DeliveryHistoryRoute,
    DeliveryRoute, DepartmentsRoute, FriendAttributeRoute, FriendAttributesRoute,
    FriendDetailRoute, FriendImportReportRoute, FriendImportRoute, FriendsRoute, LoginHistoryRoute,
    MediaRoute, PasswordRoute, RichMenuRoute, RichMenuStatsRoute, RichMenusRoute, SegmentRoute,
    SegmentsRoute, SettingsRoute, SimulatorRoute, StaffRoute, SurveyAnswersRoute, SurveyRoute,
    SurveysRoute, TemplateRoute, TemplatesRoute, TestRecipientsRoute,
};
use crate::pages::{Dashboard, LoginPage, NotFound, Placeholder, SetupPage};

/// The HTML document around the app, rendered only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_page_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="ja">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="robots" content="noindex, nofollow" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Sends this page's Content-Security-Policy with the nonce Leptos generated for its scripts (the
/// server's default policy, without scripts, stays on every other response).
#[cfg(feature = "ssr")]
fn set_page_security_policy() {
    let nonce = use_nonce();
    let response = use_context::<leptos_axum::ResponseOptions>();
    if let (Some(nonce), Some(response)) = (nonce, response) {
        let policy = ssr::http::page_content_security_policy(&nonce.to_string());
        if let Ok(value) = http::HeaderValue::from_str(&policy) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/machidayori.css" />
        // leptos_meta writes the title unescaped on the server, and a title may carry what staff
        // typed (a template's name): markup characters become their full-width look-alikes, the
        // same on the server and in the browser.
        <Title formatter=|page: String| {
            let page = page.replace('<', "＜").replace('>', "＞").replace('&', "＆");
            if page.is_empty() {
                "まちだより 管理画面".to_owned()
            } else {
                format!("{page} | まちだより")
            }
        } />
        <Router>
            <Routes fallback=|| view! { <NotFound /> }>
                <Route path=path!("/") view=|| view! { <Redirect path="/admin" /> } />
                <Route path=path!("/admin/login") view=LoginPage />
                <Route path=path!("/admin/setup") view=SetupPage />
                <ParentRoute path=path!("/admin") view=AdminLayout>
                    <Route path=path!("") view=Dashboard />
                    <Route path=path!("deliveries") view=DeliveriesRoute::lazy() />
                    <Route path=path!("deliveries/new") view=DeliveryRoute::lazy() />
                    <Route path=path!("deliveries/history") view=DeliveryHistoryRoute::lazy() />
                    <Route path=path!("deliveries/:id") view=DeliveryRoute::lazy() />
                    <Route path=path!("segments") view=SegmentsRoute::lazy() />
                    <Route path=path!("segments/new") view=SegmentRoute::lazy() />
                    <Route path=path!("segments/:id") view=SegmentRoute::lazy() />
                    <Route path=path!("test-recipients") view=TestRecipientsRoute::lazy() />
                    <Route path=path!("surveys") view=SurveysRoute::lazy() />
                    <Route path=path!("surveys/new") view=SurveyRoute::lazy() />
                    <Route path=path!("surveys/:id") view=SurveyRoute::lazy() />
                    <Route path=path!("surveys/:id/answers") view=SurveyAnswersRoute::lazy() />
                    <Route path=path!("rich-menus") view=RichMenusRoute::lazy() />
                    <Route path=path!("rich-menus/new") view=RichMenuRoute::lazy() />
                    <Route path=path!("rich-menus/:id") view=RichMenuRoute::lazy() />
                    <Route path=path!("rich-menus/:id/stats") view=RichMenuStatsRoute::lazy() />
                    <Route path=path!("chatbot") view=|| view! { <Placeholder slug="chatbot" /> } />
                    <Route path=path!("friends") view=FriendsRoute::lazy() />
                    <Route path=path!("friends/attributes") view=FriendAttributesRoute::lazy() />
                    <Route path=path!("friends/attributes/:id") view=FriendAttributeRoute::lazy() />
                    <Route path=path!("friends/import") view=FriendImportRoute::lazy() />
                    <Route path=path!("friends/imports/:id") view=FriendImportReportRoute::lazy() />
                    <Route path=path!("friends/:id") view=FriendDetailRoute::lazy() />
                    <Route path=path!("simulator") view=SimulatorRoute::lazy() />
                    <Route path=path!("templates") view=TemplatesRoute::lazy() />
                    <Route path=path!("templates/new") view=TemplateRoute::lazy() />
                    <Route path=path!("templates/:id") view=TemplateRoute::lazy() />
                    <Route path=path!("media") view=MediaRoute::lazy() />
                    <Route path=path!("staff") view=StaffRoute::lazy() />
                    <Route path=path!("staff/new") view=AccountRoute::lazy() />
                    <Route path=path!("staff/departments") view=DepartmentsRoute::lazy() />
                    <Route path=path!("staff/:id") view=AccountRoute::lazy() />
                    <Route path=path!("password") view=PasswordRoute::lazy() />
                    <Route path=path!("logs") view=LoginHistoryRoute::lazy() />
                    <Route path=path!("logs/audit") view=AuditLogRoute::lazy() />
                    <Route path=path!("settings") view=SettingsRoute::lazy() />
                    <Route path=path!("settings/allowed-ips") view=AllowedIpsRoute::lazy() />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

//! The pages whose code is not in the initial WASM bundle: the browser fetches an area's code the
//! first time one of its pages is shown (`cargo leptos build --split`, see the Makefile). The
//! sign-in pages, the dashboard and the shell stay in the initial bundle.
//!
//! One split point (a `#[lazy]` function) per area rather than per page (`#[lazy_route]`): the
//! pages of an area share most of their code, and wasm-split makes a chunk for each set of split
//! points sharing functions: a split point per page made 144 chunks (up to 67 requests on a
//! page's first visit), one per area makes 55 (up to 39). Editors to come get an area of their
//! own, so that their code is fetched only by those who open them.

use leptos::prelude::*;
use leptos_router::{Lazy, LazyRoute};

use crate::pages::{
    AccountPage, AllowedIpsPage, AuditLogPage, DeliveriesPage, DeliveryHistoryPage, DeliveryPage,
    DepartmentsPage, FriendAttributePage, FriendAttributesPage, FriendDetailPage, FriendImportPage,
    FriendImportReportPage, FriendsPage, LoginHistoryPage, MediaPage, PasswordPage, RichMenuPage,
    RichMenuStatsPage, RichMenusPage, SegmentPage, SegmentsPage, SettingsPage, SimulatorPage,
    StaffPage, SurveyAnswersPage, SurveyPage, SurveysPage, TemplatePage, TemplatesPage,
    TestRecipientsPage,
};

/// `lazy_area!(area, __preload_area: Route => Page, ...)`: the split point `area` (its preload
/// function, which `#[lazy]` names `__preload_area`, fetches the chunk) and, per page, a route
/// type whose `Route::lazy()` loads the area's code before showing the page.
macro_rules! lazy_area {
    ($area:ident, $preload:ident: $($route:ident => $page:ident),+ $(,)?) => {
        // Split out of the bundle (and, on the server, an ordinary async function)...
        #[cfg(any(wasm_split, not(target_arch = "wasm32")))]
        #[leptos::lazy]
        fn $area(route: &'static str) -> AnyView {
            lazy_area!(@page route, $area, $($route => $page),+)
        }

        // ...or, in a bundle built without `--split`, compiled in.
        #[cfg(all(target_arch = "wasm32", not(wasm_split)))]
        async fn $area(route: &'static str) -> AnyView {
            lazy_area!(@page route, $area, $($route => $page),+)
        }

        $(
            pub struct $route;

            impl $route {
                /// The route's view: `<Route view=FriendsRoute::lazy() />` (a turbofish,
                /// `Lazy::<FriendsRoute>::new()`, does not parse in `view!`).
                pub fn lazy() -> Lazy<Self> {
                    Lazy::new()
                }
            }

            impl LazyRoute for $route {
                fn data() -> Self {
                    Self
                }

                async fn view(_: Self) -> AnyView {
                    $area(stringify!($route)).await
                }

                // Fetched while the router moves to the page (the old page stays until then).
                async fn preload() {
                    #[cfg(all(target_arch = "wasm32", wasm_split))]
                    $preload().await;
                }
            }
        )+
    };
    (@page $route_name:ident, $area:ident, $($route:ident => $page:ident),+) => {{
        $(
            if $route_name == stringify!($route) {
                return view! { <$page /> }.into_any();
            }
        )+
        unreachable!("{} is not a page of {}", $route_name, stringify!($area))
    }};
}

lazy_area!(
    friends,
    __preload_friends: FriendsRoute => FriendsPage,
    FriendDetailRoute => FriendDetailPage,
    FriendAttributesRoute => FriendAttributesPage,
    FriendAttributeRoute => FriendAttributePage,
    FriendImportRoute => FriendImportPage,
    FriendImportReportRoute => FriendImportReportPage,
);
// Every page that composes or draws LINE messages (定型文, the greeting in 設定, the simulator,
// 配信 with its segments and test recipients)
// in one area: the composer and the preview are most of their code, and shared between areas
// they would land in the initial bundle (504 KiB gzip instead of 343).
lazy_area!(
    messages,
    __preload_messages: TemplatesRoute => TemplatesPage,
    TemplateRoute => TemplatePage,
    SimulatorRoute => SimulatorPage,
    SettingsRoute => SettingsPage,
    AllowedIpsRoute => AllowedIpsPage,
    DeliveriesRoute => DeliveriesPage,
    DeliveryRoute => DeliveryPage,
    DeliveryHistoryRoute => DeliveryHistoryPage,
    SegmentsRoute => SegmentsPage,
    SegmentRoute => SegmentPage,
    TestRecipientsRoute => TestRecipientsPage,
);
lazy_area!(
    staff,
    __preload_staff: StaffRoute => StaffPage,
    AccountRoute => AccountPage,
    DepartmentsRoute => DepartmentsPage,
);
// The survey builder and answers: their own code (the builder renders the citizens' page).
lazy_area!(
    surveys,
    __preload_surveys: SurveysRoute => SurveysPage,
    SurveyRoute => SurveyPage,
    SurveyAnswersRoute => SurveyAnswersPage,
);
// The rich menu editor: its own code (area canvas, preview, image upload).
lazy_area!(
    menus,
    __preload_menus: RichMenusRoute => RichMenusPage,
    RichMenuRoute => RichMenuPage,
    RichMenuStatsRoute => RichMenuStatsPage,
);
lazy_area!(password, __preload_password: PasswordRoute => PasswordPage);
lazy_area!(logs, __preload_logs: LoginHistoryRoute => LoginHistoryPage, AuditLogRoute => AuditLogPage);
lazy_area!(media, __preload_media: MediaRoute => MediaPage);

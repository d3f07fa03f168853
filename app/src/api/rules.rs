//! Who may call each server function and open each admin page: one table, read by the server's
//! middleware before anything runs (`domain::access::authorize` decides). A server function or
//! page that is missing here is refused, and a test in the server crate fails for it, so a new
//! endpoint cannot ship without a rule.

use domain::access::{Action, Feature, Need};
use leptos::server_fn::ServerFn;

use super::*;

/// Every server function and what it needs.
pub const SERVER_FN_RULES: &[(&str, Need)] = {
    use Action::*;
    use Feature::*;
    &[
        (<Login as ServerFn>::PATH, Need::Anyone),
        (<Logout as ServerFn>::PATH, Need::Anyone),
        // Checks itself that the database is empty and the caller is on loopback.
        (<SetupFirstAdmin as ServerFn>::PATH, Need::Anyone),
        (<CurrentStaff as ServerFn>::PATH, Need::OwnAccount),
        (<DashboardSummary as ServerFn>::PATH, Need::SignedIn),
        // The top bar shows every member of staff which channel they are on.
        (<LineChannels as ServerFn>::PATH, Need::SignedIn),
        (<SaveGreeting as ServerFn>::PATH, Need::Admin),
        (<AllowedIps as ServerFn>::PATH, Need::Admin),
        (<AddAllowedIp as ServerFn>::PATH, Need::Admin),
        (<RemoveAllowedIp as ServerFn>::PATH, Need::Admin),
        (
            <ListFriends as ServerFn>::PATH,
            Need::Can(FriendAttributes, View),
        ),
        (
            <FriendDetail as ServerFn>::PATH,
            Need::Can(FriendAttributes, View),
        ),
        (<SimFriends as ServerFn>::PATH, Need::Can(Simulator, View)),
        (<SimChat as ServerFn>::PATH, Need::Can(Simulator, View)),
        (
            <SimCreateFriend as ServerFn>::PATH,
            Need::Can(Simulator, Edit),
        ),
        (<SimAct as ServerFn>::PATH, Need::Can(Simulator, Edit)),
    ]
};

pub fn server_fn_need(path: &str) -> Option<Need> {
    SERVER_FN_RULES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, need)| *need)
}

/// What each area of the admin panel (`crate::nav::AREAS`, by slug) needs to be opened.
pub fn area_need(slug: &str) -> Option<Need> {
    use Action::*;
    use Feature::*;
    Some(match slug {
        "deliveries" => Need::Can(Deliveries, View),
        "segments" => Need::Can(Segments, View),
        "surveys" => Need::Can(Surveys, View),
        "rich-menus" => Need::Can(RichMenus, View),
        "chatbot" => Need::Can(Chatbot, View),
        "friends" => Need::Can(FriendAttributes, View),
        "simulator" => Need::Can(Simulator, View),
        "staff" | "settings" => Need::Admin,
        _ => return None,
    })
}

/// What a page under `/admin` needs: the dashboard and unknown paths (a 404 page) need a
/// signed-in user; an area's pages need what the area needs.
pub fn page_need(path: &str) -> Need {
    match path {
        "/admin/login" | "/admin/setup" => Need::Anyone,
        _ => path
            .strip_prefix("/admin/")
            .and_then(|rest| rest.split('/').next())
            .and_then(area_need)
            .unwrap_or(Need::SignedIn),
    }
}

//! Who may call each server function and open each admin page: one table, read by the server's
//! middleware before anything runs (`domain::staff::access::authorize` decides). A server function or
//! page that is missing here is refused, and a test in the server crate fails for it, so a new
//! endpoint cannot ship without a rule.

use domain::staff::access::{Action, Feature, Need};
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
        // Accounts and departments: administrators only.
        (<ListAccounts as ServerFn>::PATH, Need::Admin),
        (<AccountEditor as ServerFn>::PATH, Need::Admin),
        (<CreateStaffAccount as ServerFn>::PATH, Need::Admin),
        (<UpdateStaffAccount as ServerFn>::PATH, Need::Admin),
        (<SetAccountActive as ServerFn>::PATH, Need::Admin),
        (<ResetAccountPassword as ServerFn>::PATH, Need::Admin),
        (<DeleteStaffAccount as ServerFn>::PATH, Need::Admin),
        (<ListDepartments as ServerFn>::PATH, Need::Admin),
        (<CreateDepartment as ServerFn>::PATH, Need::Admin),
        (<RenameDepartment as ServerFn>::PATH, Need::Admin),
        (<DeleteDepartment as ServerFn>::PATH, Need::Admin),
        // Also allowed while the password must be changed: it is how one changes it.
        (<ChangePassword as ServerFn>::PATH, Need::OwnAccount),
        // Templates: the department scope is applied inside, by the domain.
        (
            <ListTemplates as ServerFn>::PATH,
            Need::Can(Templates, View),
        ),
        (
            <TemplateEditor as ServerFn>::PATH,
            Need::Can(Templates, View),
        ),
        (
            <PreviewTemplate as ServerFn>::PATH,
            Need::Can(Templates, View),
        ),
        (<SaveTemplate as ServerFn>::PATH, Need::Can(Templates, Edit)),
        (
            <DeleteTemplate as ServerFn>::PATH,
            Need::Can(Templates, Edit),
        ),
        (<LoginHistory as ServerFn>::PATH, Need::Can(Logs, View)),
        (<AuditLog as ServerFn>::PATH, Need::Can(Logs, View)),
        // Lifting a lockout changes who may sign in: administrators only.
        (<UnlockLogin as ServerFn>::PATH, Need::Admin),
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
        "templates" => Need::Can(Templates, View),
        "friends" => Need::Can(FriendAttributes, View),
        "simulator" => Need::Can(Simulator, View),
        "logs" => Need::Can(Logs, View),
        "staff" | "settings" => Need::Admin,
        _ => return None,
    })
}

/// What a page under `/admin` needs: the dashboard and unknown paths (a 404 page) need a
/// signed-in user; an area's pages need what the area needs.
pub fn page_need(path: &str) -> Need {
    match path {
        "/admin/login" | "/admin/setup" => Need::Anyone,
        "/admin/password" => Need::OwnAccount,
        _ => path
            .strip_prefix("/admin/")
            .and_then(|rest| rest.split('/').next())
            .and_then(area_need)
            .unwrap_or(Need::SignedIn),
    }
}

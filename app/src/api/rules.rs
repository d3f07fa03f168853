//! Who may call each server function and open each admin page: every area's `RULES`, chained,
//! and the pages' needs from `crate::nav::AREAS`. The server's middleware reads this before
//! anything runs (`model::access::authorize` decides); a server function or page that is
//! missing here is refused, and a test in the server crate fails for it, so a new endpoint
//! cannot ship without a rule.

use leptos::server_fn::ServerFn;
use model::access::Need;

/// One server function and what it needs.
pub type Rule = (&'static str, Need);

/// The rule of server function `F`.
pub const fn rule<F: ServerFn>(need: Need) -> Rule {
    (F::PATH, need)
}

/// Every area's rules.
pub const SERVER_FN_RULES: &[&[Rule]] = &[
    super::attributes::RULES,
    super::auth::RULES,
    super::dashboard::RULES,
    super::deliveries::RULES,
    super::delivery_statistics::RULES,
    super::drafts::RULES,
    super::friends::RULES,
    super::logs::RULES,
    super::media::RULES,
    super::menus::RULES,
    super::segments::RULES,
    super::settings::RULES,
    super::simulator::RULES,
    super::staff::RULES,
    super::surveys::RULES,
    super::templates::RULES,
    super::test_recipients::RULES,
];

/// Every rule, in one list.
pub fn all() -> impl Iterator<Item = &'static Rule> {
    SERVER_FN_RULES.iter().flat_map(|rules| rules.iter())
}

pub fn server_fn_need(path: &str) -> Option<Need> {
    all().find(|(p, _)| *p == path).map(|(_, need)| *need)
}

/// What a page under `/admin` needs: the dashboard and unknown paths (a 404 page) need a
/// signed-in user; an area's pages (and its downloads) need what the area needs.
pub fn page_need(path: &str) -> Need {
    match path {
        "/admin/login" | "/admin/setup" => Need::Anyone,
        "/admin/password" => Need::OwnAccount,
        _ => path
            .strip_prefix("/admin/")
            .and_then(|rest| rest.split('/').next())
            .and_then(crate::nav::area)
            .map_or(Need::SignedIn, |area| area.need),
    }
}

//! The admin panel's pages, a folder per area with several pages.

mod auth;
mod dashboard;
mod friends;
mod logs;
mod not_found;
mod placeholder;
mod settings;
mod simulator;
mod staff;
mod templates;

pub use auth::{LoginPage, PasswordPage, SetupPage};
pub use dashboard::Dashboard;
pub use friends::{FriendDetailPage, FriendsPage};
pub use logs::{AuditLogPage, LoginHistoryPage};
pub use not_found::NotFound;
pub use placeholder::Placeholder;
pub use settings::{AllowedIpsPage, SettingsPage};
pub use simulator::SimulatorPage;
pub use staff::{AccountPage, DepartmentsPage, StaffPage};
pub use templates::{TemplatePage, TemplatesPage};

/// What goes inside a `<textarea>`, given as its `inner_html`. Leptos writes a textarea's children
/// unescaped on the server (it treats them like `<script>`'s), so text containing `</textarea>`
/// would end the element and turn the rest into markup. Escaped here, the browser decodes it
/// back to the same text, both from the server's HTML and when set in the browser.
pub(crate) fn textarea_content(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

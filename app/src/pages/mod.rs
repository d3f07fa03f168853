//! One module per page.

mod allowed_ips;
mod auth_card;
mod channel_bar;
mod dashboard;
mod friends;
mod login;
mod logs;
mod not_found;
mod password;
mod placeholder;
mod settings;
mod setup;
mod simulator;
mod staff;
mod templates;

pub use allowed_ips::AllowedIpsPage;
use auth_card::AuthCard;
use channel_bar::ChannelBar;
pub use dashboard::Dashboard;
pub use friends::{FriendDetailPage, FriendsPage};
pub use login::LoginPage;
pub use logs::{AuditLogPage, LoginHistoryPage};
pub use not_found::NotFound;
pub use password::PasswordPage;
pub use placeholder::Placeholder;
pub use settings::SettingsPage;
pub use setup::SetupPage;
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

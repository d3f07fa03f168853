//! One module per page.

mod allowed_ips;
mod auth_card;
mod channel_bar;
mod dashboard;
mod friends;
mod login;
mod not_found;
mod placeholder;
mod settings;
mod setup;
mod simulator;

pub use allowed_ips::AllowedIpsPage;
use auth_card::AuthCard;
use channel_bar::ChannelBar;
pub use dashboard::Dashboard;
pub use friends::{FriendDetailPage, FriendsPage};
pub use login::LoginPage;
pub use not_found::NotFound;
pub use placeholder::Placeholder;
pub use settings::SettingsPage;
pub use setup::SetupPage;
pub use simulator::SimulatorPage;

//! One module per page.

mod auth_card;
mod dashboard;
mod login;
mod not_found;
mod placeholder;
mod setup;

use auth_card::AuthCard;
pub use dashboard::Dashboard;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use placeholder::Placeholder;
pub use setup::SetupPage;

//! Signing in, the first-run setup and changing one's own password.

mod login;
mod password;
mod setup;

pub use login::LoginPage;
pub use password::PasswordPage;
pub use setup::SetupPage;

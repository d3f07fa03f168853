//! The admin panel's pages, a folder per area with several pages.

mod auth;
mod dashboard;
mod deliveries;
mod friends;
mod logs;
mod media;
mod menus;
mod not_found;
mod placeholder;
mod segments;
mod settings;
mod simulator;
mod staff;
mod surveys;
mod templates;
mod test_recipients;

pub use auth::{LoginPage, PasswordPage, SetupPage};
pub use dashboard::Dashboard;
pub use deliveries::{DeliveriesPage, DeliveryHistoryPage, DeliveryPage};
pub use friends::{
    FriendAttributePage, FriendAttributesPage, FriendDetailPage, FriendImportPage,
    FriendImportReportPage, FriendsPage,
};
pub use logs::{AuditLogPage, LoginHistoryPage};
pub use media::MediaPage;
pub use menus::{RichMenuPage, RichMenuStatsPage, RichMenusPage};
pub use not_found::NotFound;
pub use placeholder::Placeholder;
pub use segments::{SegmentPage, SegmentsPage};
pub use settings::{AllowedIpsPage, SettingsPage};
pub use simulator::SimulatorPage;
pub use staff::{AccountPage, DepartmentsPage, StaffPage};
pub use surveys::{SurveyAnswersPage, SurveyPage, SurveysPage};
pub use templates::{TemplatePage, TemplatesPage};
pub use test_recipients::TestRecipientsPage;

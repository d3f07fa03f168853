//! 管理者 area: the account list, the account editor and the departments page (administrators
//! only; the server refuses everyone else).

mod account;
mod accounts;
mod departments;

pub use account::AccountPage;
pub use accounts::StaffPage;
pub use departments::DepartmentsPage;

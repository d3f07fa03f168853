//! Pieces of UI used by several pages. A page's own parts stay in its file under `pages/`.

mod area_editor;
mod async_view;
mod auth_card;
mod channel_bar;
mod chart_figure;
mod composer;
mod confirm_delete;
mod data_table;
mod line_preview;
mod menu_composer;
mod notices;
mod pager;
mod password_fields;
mod period_fields;
pub mod segment_rule;
pub mod upload;

pub use area_editor::AreaCanvas;
pub use async_view::AsyncView;
pub use auth_card::AuthCard;
pub use channel_bar::ChannelBar;
pub use chart_figure::ChartFigure;
pub use composer::{ActionEditor, Composer, Draft, SwitchTargets, TextField, messages_from_query};
pub use confirm_delete::ConfirmDelete;
pub use data_table::DataTable;
// The server describes rich menu areas for the simulator with the preview's own labels.
#[cfg(feature = "ssr")]
pub(crate) use line_preview::action_label;
pub use line_preview::{
    AccountMessage, FlexFocus, LinePreview, PreviewAccount, QuickReplyBar, RichMenuPreview,
    UnsupportedMessage, describe_action,
};
pub use menu_composer::MenuComposer;
#[cfg(feature = "hydrate")]
pub use menu_composer::draw::render_png;
pub use notices::{ErrorNote, Outcome, RedirectNotice};
pub use pager::{Pager, query_string};
pub use password_fields::NewPasswordFields;
pub use period_fields::PeriodFields;

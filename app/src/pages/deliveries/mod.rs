//! 配信: the list (filters and search kept in the URL) and its calendar of scheduled, repeated
//! and past sends, and the delivery page (title, department, channel, messages from the
//! composer or a 定型文, target with its live count, timing, test sends, the confirmation before
//! scheduling or sending, progress while sending and the results: LINE's opens and our clicks
//! per link, with a chart). And 配信履歴: every sent run with its figures, sortable,
//! filterable, as CSV.

mod calendar;
mod confirm;
mod dialog;
mod editor;
mod history;
mod links;
mod list;
mod progress;
mod results;
mod rich_menu;
mod target;
mod test_send;
mod timing;

use leptos::prelude::*;
use model::status::{DeliveryStatus, Environment};

use crate::api::{channel_env_class, channel_env_label};

pub use editor::DeliveryPage;
pub use history::{DeliveryHistoryPage, SimulatedBadge, SimulatedNote};
pub use list::DeliveriesPage;

/// A delivery's status: its Japanese label on its colour (the label carries the meaning).
#[component]
fn StatusBadge(status: DeliveryStatus) -> AnyView {
    view! {
        <span class=format!("status delivery-status {}", status.key()) data-status=status.key()>
            {status.label_ja()}
        </span>
    }
    .into_any()
}

/// A channel's environment: 本番 / テスト / サンドボックス.
#[component]
fn EnvBadge(environment: Environment, sandbox: bool) -> AnyView {
    let title = if sandbox {
        "内蔵の LINE サンドボックスです。LINE には送信されません。"
    } else if environment == Environment::Production {
        "本番のチャネルです。実際の友だちに届きます。"
    } else {
        "テスト用のチャネルです。LINE に送信されます。"
    };
    view! {
        <span class=channel_env_class(environment, sandbox) title=title data-testid="env-badge">
            {channel_env_label(environment, sandbox)}
        </span>
    }
    .into_any()
}

//! Logging with `tracing`: readable lines by default, one JSON object per line with
//! `LOG_FORMAT=json`. Requests are logged by method, path (never the query string, which may
//! carry tokens) and request id; headers and bodies (cookies, passwords) are never logged.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true)
        .with_ansi(std::io::stdout().is_terminal());
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
    // Already initialised (tests call this more than once): keep the first subscriber.
    let _ = result;
}

//! The `machidayori` server: configuration, the HTTP router and its middleware, non-Leptos
//! handlers, background tasks, and the command line.
//!
//! - [`router`]: every route and the middleware stack, in one file.
//! - [`middleware`]: client address, admin IP allowlist, staff access (who may call what),
//!   access log, request ids, security headers, limits.
//! - [`handlers`]: endpoints that are not Leptos pages: server functions, health probes, the
//!   LINE webhook, CSV exports.
//! - [`jobs`]: background tasks, started and stopped in one place.
//! - [`serve`]: start-up order and shutdown; [`cli`]: the other commands; [`config`]: settings.
//!
//! A webhook event: [`handlers::webhook`] → `domain::webhook::inbox` → [`jobs::webhook_workers`]
//! → `domain::webhook::dispatch`. The built-in LINE sandbox is mounted at `/sandbox/line`
//! ([`line_platform`]).

// The admin UI's deep view types are laid out here too (see app/src/lib.rs).
#![recursion_limit = "256"]

pub mod cli;
pub mod config;
pub mod executor;
pub mod handlers;
pub mod jobs;
pub mod line_platform;
pub mod middleware;
pub mod router;
pub mod serve;
pub mod telemetry;

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::config::Config;

/// Everything a request handler may need. Extractors clone it for every request, so it is one
/// `Arc` (see [`AppStateInner`]).
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

impl std::ops::Deref for AppState {
    type Target = AppStateInner;

    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

pub struct AppStateInner {
    pub leptos: LeptosOptions,
    /// What server functions use (the database, the session policy, the allowlist...), held here
    /// once and handed to Leptos for every page and call.
    pub context: app::ssr::ServerContext,
    /// `PUBLIC_URL`'s origin (`https://host[:port]`), when configured: what a browser's
    /// `Origin` header must be for a state-changing request.
    pub public_origin: Option<String>,
    pub platform: Arc<line_platform::LinePlatform>,
    pub intake: handlers::webhook::Intake,
    /// `TRUSTED_PROXIES`: peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// `None` only in the access-log benchmark's comparison run.
    pub access_log: Option<middleware::access_log::AccessLog>,
    /// Tracked links' codes and their click writer (`/r/{code}`).
    pub redirects: handlers::redirect::Redirects,
    /// `LIFF_SDK_MOCK` (sandbox channels' survey pages).
    pub liff_sdk_mock: bool,
}

impl AppState {
    /// `local_addr`: where this process listens (the base of media URLs without `PUBLIC_URL`).
    /// Every part the background tasks serve is passed in (started by `serve::prepare`).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        config: &Config,
        local_addr: std::net::SocketAddr,
        db: domain::DatabaseConnection,
        platform: Arc<line_platform::LinePlatform>,
        intake: handlers::webhook::Intake,
        allowlist: domain::security::allowlist::LiveAllowList,
        access_log: Option<middleware::access_log::AccessLog>,
        redirects: handlers::redirect::Redirects,
    ) -> Self {
        let leptos = LeptosOptions::builder()
            .output_name("machidayori")
            .site_root(config.site_root.display().to_string())
            .site_pkg_dir("pkg")
            .site_addr(config.bind_addr)
            .reload_port(u32::from(config.leptos_reload_port))
            .build();
        let context = app::ssr::ServerContext {
            db,
            session_policy: config.session_policy(),
            cookie: app::ssr::http::CookieSettings {
                secure: config.is_https(),
            },
            secrets: platform.secrets.clone(),
            sandbox: platform
                .has_sandbox_channels()
                .then(|| platform.sandbox.clone()),
            allowlist,
            // Without PUBLIC_URL (a local install, the sandbox): this machine's loopback address,
            // which the sandbox accepts over http and LINE never sees.
            public_base: config.public_url.as_ref().map_or_else(
                || format!("http://{}", line_platform::loopback_of(local_addr)),
                |u| u.as_str().trim_end_matches('/').to_owned(),
            ),
            insight_calls_per_hour: config.line_insight_calls_per_hour,
            aggregation_units_per_month: config.line_aggregation_units_per_month,
            line_clients: {
                let platform = platform.clone();
                Arc::new(move |key: &str| {
                    platform.channel(key).map(|h| app::ssr::ChannelClient {
                        channel_id: h.channel.id,
                        sandbox: h.channel.sandbox,
                        client: h.client.clone(),
                        liff_id: h.liff_id(),
                    })
                })
            },
        };
        let public_origin = config
            .public_url
            .as_ref()
            .map(|u| u.origin().ascii_serialization());
        Self(Arc::new(AppStateInner {
            leptos,
            context,
            public_origin,
            platform,
            intake,
            trusted_proxies: config.trusted_proxies.clone(),
            access_log,
            redirects,
            liff_sdk_mock: config.liff_sdk_mock,
        }))
    }

    pub fn db(&self) -> &domain::DatabaseConnection {
        &self.context.db
    }

    /// The admin IP allowlist, checked in memory on every `/admin` and `/api` request.
    pub fn allowlist(&self) -> &domain::security::allowlist::LiveAllowList {
        &self.context.allowlist
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

//! The `machidayori` server: configuration, HTTP routes and middleware, and the command line.
//!
//! Request flow: `routes::router` → request id, tracing, limits → `access` (session lookup and
//! the per-path access rule) → health probes, server functions (`/api/...`) or Leptos pages.
//! LINE's webhook (`/webhook/line/{key}`) is stored by `webhook` and acted on by `workers`; the
//! built-in LINE sandbox is mounted at `/sandbox/line` (`platform`).

// No `unsafe` in our code: memory safety is the compiler's to prove (IPA: buffer overflow).
#![forbid(unsafe_code)]

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
    pub db: domain::DatabaseConnection,
    pub leptos: LeptosOptions,
    pub server_context: app::api::ServerContext,
    /// `PUBLIC_URL`'s origin (`https://host[:port]`), when configured: what a browser's
    /// `Origin` header must be for a state-changing request.
    pub public_origin: Option<String>,
    pub platform: Arc<line_platform::LinePlatform>,
    pub intake: handlers::webhook::Intake,
    /// `TRUSTED_PROXIES`: peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The admin IP allowlist, checked in memory on every `/admin` and `/api` request.
    pub allowlist: domain::security::allowlist::LiveAllowList,
    /// `None` only in the access-log benchmark's comparison run.
    pub access_log: Option<middleware::access_log::AccessLog>,
}

impl AppState {
    pub fn new(
        config: &Config,
        db: domain::DatabaseConnection,
        platform: Arc<line_platform::LinePlatform>,
        intake: handlers::webhook::Intake,
        allowlist: domain::security::allowlist::LiveAllowList,
        access_log: Option<middleware::access_log::AccessLog>,
    ) -> Self {
        let leptos = LeptosOptions::builder()
            .output_name("machidayori")
            .site_root(config.site_root.display().to_string())
            .site_pkg_dir("pkg")
            .site_addr(config.bind_addr)
            .reload_port(
                std::env::var("LEPTOS_RELOAD_PORT")
                    .ok()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(3001),
            )
            .build();
        let server_context = app::api::ServerContext {
            db: db.clone(),
            session_policy: config.session_policy(),
            cookie: app::ssr::http::CookieSettings {
                secure: config.is_https(),
            },
            secrets: platform.secrets.clone(),
            sandbox: platform
                .has_sandbox_channels()
                .then(|| platform.sandbox.clone()),
            allowlist: allowlist.clone(),
        };
        let public_origin = config
            .public_url
            .as_ref()
            .map(|u| u.origin().ascii_serialization());
        Self(Arc::new(AppStateInner {
            db,
            leptos,
            server_context,
            public_origin,
            platform,
            intake,
            trusted_proxies: config.trusted_proxies.clone(),
            allowlist,
            access_log,
        }))
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

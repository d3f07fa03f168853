//! The admin IP allowlist, checked in memory before any session or database work.

use app::api::AppError;
use app::ssr::http::ClientAddr;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::middleware::staff_access::{Zone, zone};

/// Refuses `/admin` and `/api` requests from outside the admin IP allowlist (checked in memory).
/// The LINE webhook, the sandbox, health checks, static assets and the citizens' LIFF pages and
/// their API (`/api/liff/...`) are not behind it.
pub async fn check(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let zone = zone(path);
    if zone == Zone::Open || path.starts_with("/api/liff/") {
        return next.run(req).await;
    }
    let client = ClientAddr::of(req.extensions());
    let allowed = match client {
        Some(ip) => state.allowlist().allows(ip),
        None => state.allowlist().networks().is_empty(),
    };
    if allowed {
        return next.run(req).await;
    }
    tracing::warn!(client = ?client, "request from outside the admin IP allowlist refused");
    if matches!(zone, Zone::ServerFn | Zone::PublicServerFn) {
        AppError::Forbidden.into_response()
    } else {
        let shown = client.map_or_else(|| "不明".to_owned(), |ip| ip.to_string());
        let text = format!(
            "この接続元（{shown}）からは管理画面を利用できません。管理画面への接続が許可されたネットワークから接続するか、管理者に許可を依頼してください。"
        );
        (
            AppError::Forbidden.status(),
            [(header::CACHE_CONTROL, "no-store")],
            text,
        )
            .into_response()
    }
}

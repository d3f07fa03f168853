//! Who may reach what: the one place where a request's session is looked up and the access rule
//! for its path is applied, before any page or server function runs.
//!
//! | path                         | without a valid session        | with one            |
//! |------------------------------|--------------------------------|---------------------|
//! | `/admin/login`               | the sign-in page               | redirect to `/admin` |
//! | `/admin/setup`               | only on an empty database, from loopback; else to sign-in | redirect to `/admin` |
//! | other `/admin...`            | 303 to `/admin/login?next=...` | the page            |
//! | `/api/auth/...`              | allowed (sign-in, sign-out, setup) | allowed         |
//! | other `/api/...`             | 401                            | allowed             |
//! | `/webhook/line/...`          | allowed: LINE's signature is checked by the handler | allowed |
//! | `/sandbox/line/...`          | allowed: the sandbox checks the channel access token | allowed |
//! | anything else                | allowed (health, assets)       | allowed             |
//!
//! State-changing requests from another site are refused (403) by their `Origin` or
//! `Sec-Fetch-Site` header, on top of the `SameSite=Strict` cookie.
//!
//! Before all this, `client_addr::resolve` finds the client's address (the socket peer, or
//! `X-Forwarded-For` from a trusted proxy) and `allowlist::check` refuses `/admin` and `/api`
//! requests from addresses outside the admin IP allowlist, without any session or database work.
//!
//! The rule itself, per server function and per page, is `app::api::rules`; refusals are
//! `AppError`s with their one status table (JSON for calls, text for pages).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::api::AppError;
use model::access::{Need, Refusal};

use crate::AppState;

/// What part of the site a path belongs to, for the access rules (and the allowlist).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Zone {
    LoginPage,
    SetupPage,
    AdminPage,
    PublicServerFn,
    ServerFn,
    Open,
}

pub(crate) fn zone(path: &str) -> Zone {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if path == "/admin/login" {
        Zone::LoginPage
    } else if path == "/admin/setup" {
        Zone::SetupPage
    } else if under("/admin") {
        Zone::AdminPage
    } else if path.starts_with("/api/auth/") {
        Zone::PublicServerFn
    } else if under("/api") {
        Zone::ServerFn
    } else {
        Zone::Open
    }
}

pub async fn check(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let zone = zone(req.uri().path());
    if zone == Zone::Open {
        return next.run(req).await;
    }
    let is_api = matches!(zone, Zone::ServerFn | Zone::PublicServerFn);
    if is_cross_site_write(req.method(), req.headers(), state.public_origin.as_deref()) {
        return refuse(is_api, AppError::Forbidden);
    }

    let token = state.context.cookie.session_token(req.headers());
    let staff = match &token {
        Some(token) => {
            let policy = state.context.session_policy;
            match domain::staff::sessions::resolve(state.db(), token, policy).await {
                Ok(staff) => staff,
                Err(e) => {
                    tracing::error!(error = %e, "session lookup failed");
                    return refuse(is_api, AppError::Unavailable);
                }
            }
        }
        None => None,
    };
    let signed_in = staff.is_some();
    let staff_id = staff.as_ref().map(|s| s.id);
    if let Some(staff) = staff {
        tracing::Span::current().record("staff_id", staff.id);
        req.extensions_mut().insert(staff);
    }

    let mut response = match zone {
        Zone::LoginPage if signed_in => see_other("/admin"),
        Zone::SetupPage if signed_in => see_other("/admin"),
        Zone::SetupPage => {
            let loopback = app::ssr::http::is_direct_loopback(req.headers(), req.extensions());
            match setup_is_open(&state, loopback).await {
                Ok(true) => next.run(req).await,
                Ok(false) => see_other("/admin/login"),
                Err(response) => response,
            }
        }
        Zone::AdminPage if !signed_in => {
            let next_page = req
                .uri()
                .path_and_query()
                .map_or("/admin", |pq| pq.as_str());
            let target = app::ssr::http::safe_next(Some(next_page));
            let mut location = format!("/admin/login?next={}", encode_query_value(&target));
            // A cookie was sent but its session is gone: say so on the sign-in page.
            if token.is_some() {
                location.push_str("&expired=1");
            }
            see_other(&location)
        }
        Zone::ServerFn if !signed_in => refuse(true, AppError::Unauthorized),
        _ => {
            // The one authorization decision, from the table in `app::api::rules`.
            let grants = req
                .extensions()
                .get::<domain::staff::accounts::Staff>()
                .map(|s| s.grants.clone());
            match need_of(zone, req.uri().path()) {
                Some(need) => match model::access::authorize(grants.as_ref(), need) {
                    Ok(()) => next.run(req).await,
                    Err(Refusal::SignIn) => refuse(is_api, AppError::Unauthorized),
                    // Pages lead to the password form; calls say why they are refused.
                    Err(Refusal::ChangePassword) if !is_api => see_other(app::api::PASSWORD_PAGE),
                    Err(Refusal::ChangePassword) => refuse(true, AppError::PasswordChangeRequired),
                    Err(Refusal::Forbidden) => refuse(is_api, AppError::Forbidden),
                },
                None => {
                    tracing::error!(path = %req.uri().path(), "server function without an access rule refused");
                    refuse(is_api, AppError::Forbidden)
                }
            }
        }
    };
    // Pages and data of the admin panel are per-person: never keep them in any cache, unless
    // the handler allowed the browser's own cache (`private`): an image that never changes
    // under its URL (a rich menu's in the simulator).
    let private = response
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("private"));
    if !private {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(id) = staff_id {
        // For the access log, which sits outside this layer.
        response
            .extensions_mut()
            .insert(crate::middleware::access_log::SignedInStaff(id));
    }
    response
}

/// What the endpoint at `path` needs (`app::api::rules`). `None` only for a server function that
/// exists but has no rule: refused. A path that is no server function at all gets its 404 from
/// the handler.
fn need_of(zone: Zone, path: &str) -> Option<Need> {
    match zone {
        Zone::ServerFn | Zone::PublicServerFn => {
            app::api::rules::server_fn_need(path).or_else(|| {
                let exists = leptos::server_fn::axum::server_fn_paths().any(|(p, _)| p == path);
                (!exists).then_some(Need::Anyone)
            })
        }
        Zone::AdminPage | Zone::LoginPage | Zone::SetupPage => {
            Some(app::api::rules::page_need(path))
        }
        Zone::Open => Some(Need::Anyone),
    }
}

/// The first-run setup page is open while no account exists, to a browser on this machine.
async fn setup_is_open(state: &AppState, loopback: bool) -> Result<bool, Response> {
    if !loopback {
        return Ok(false);
    }
    match domain::staff::accounts::count(state.db()).await {
        Ok(n) => Ok(n == 0),
        Err(e) => {
            tracing::error!(error = %e, "account count failed");
            Err(refuse(false, AppError::Unavailable))
        }
    }
}

/// True for a non-GET request that a browser marks as coming from another site: by
/// `Sec-Fetch-Site`, or by an `Origin` other than ours. Ours is `PUBLIC_URL`'s origin when it is
/// set (behind a reverse proxy the `Host` header may be the upstream address), else the `Host`.
pub(crate) fn is_cross_site_write(
    method: &Method,
    headers: &HeaderMap,
    public_origin: Option<&str>,
) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // No Origin (older browsers, command-line clients): the SameSite cookie still protects.
        return false;
    };
    if origin == "null" {
        return true;
    }
    match public_origin {
        Some(ours) => !origin.eq_ignore_ascii_case(ours),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let authority = origin.split_once("://").map_or("", |(_, rest)| rest);
            !authority.eq_ignore_ascii_case(host)
        }
    }
}

fn see_other(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location)
        .body(Body::empty())
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// A refusal in the form the caller understands: the server functions' JSON error for `/api`
/// (so the UI shows the Japanese message), plain text for pages; the status is the error's own.
pub(crate) fn refuse(is_api: bool, error: AppError) -> Response {
    if is_api {
        error.into_response()
    } else {
        error.into_text_response()
    }
}

fn encode_query_value(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fall_into_zones() {
        assert_eq!(zone("/admin/login"), Zone::LoginPage);
        assert_eq!(zone("/admin/setup"), Zone::SetupPage);
        assert_eq!(zone("/admin"), Zone::AdminPage);
        assert_eq!(zone("/admin/friends"), Zone::AdminPage);
        assert_eq!(zone("/admin/login/extra"), Zone::AdminPage);
        assert_eq!(zone("/api/auth/login"), Zone::PublicServerFn);
        assert_eq!(zone("/api/current_staff123"), Zone::ServerFn);
        assert_eq!(zone("/api"), Zone::ServerFn);
        assert_eq!(zone("/administrator"), Zone::Open);
        assert_eq!(zone("/healthz"), Zone::Open);
        assert_eq!(zone("/pkg/machidayori.js"), Zone::Open);
    }

    #[test]
    fn cross_site_writes_are_detected() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(*k, HeaderValue::from_static(v));
            }
            h
        };
        let post = Method::POST;
        let check =
            |h: &[(&'static str, &'static str)]| is_cross_site_write(&post, &headers(h), None);
        assert!(!check(&[("host", "a:3000"), ("origin", "http://a:3000")]));
        assert!(check(&[("host", "a:3000"), ("origin", "http://evil")]));
        assert!(check(&[("host", "a:3000"), ("origin", "null")]));
        assert!(check(&[("sec-fetch-site", "cross-site")]));
        assert!(!check(&[("sec-fetch-site", "same-origin")]));
        assert!(!check(&[]));
        assert!(!is_cross_site_write(
            &Method::GET,
            &headers(&[("origin", "http://evil")]),
            None
        ));
        // Behind a proxy: Host is the upstream address, Origin the public URL.
        let proxied = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "https://line.city.example.jp"),
        ]);
        assert!(!is_cross_site_write(
            &post,
            &proxied,
            Some("https://line.city.example.jp")
        ));
        assert!(is_cross_site_write(
            &post,
            &proxied,
            Some("https://other.example.jp")
        ));
    }
}

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
//! Before all this, [`resolve_client`] finds the client's address (the socket peer, or
//! `X-Forwarded-For` from a trusted proxy) and [`admin_allowlist`] refuses `/admin` and `/api`
//! requests from addresses outside the admin IP allowlist, without any session or database work.

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::api::AppError;
use app::ssr::http::ClientAddr;
use domain::staff::access::{Need, Refusal};

use crate::AppState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Zone {
    LoginPage,
    SetupPage,
    AdminPage,
    PublicServerFn,
    ServerFn,
    Open,
}

fn zone(path: &str) -> Zone {
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

/// Puts the client's address into the request ([`ClientAddr`]) for everything after: the
/// allowlist, server functions, the logs.
pub async fn resolve_client(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let client = client_addr(peer.ip(), req.headers(), &state.trusted_proxies);
        req.extensions_mut().insert(ClientAddr(client));
    }
    next.run(req).await
}

/// The client of a request from `peer`: the peer itself, unless it is a trusted proxy; then the
/// `X-Forwarded-For` entries are walked from the right (the entry the proxy itself added) past
/// further trusted proxies, and the first other address is the client. A malformed header is
/// ignored whole: the peer is used, and nothing a client wrote is trusted.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    if !domain::security::allowlist::contains(trusted, peer) {
        return peer;
    }
    let mut forwarded = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(value) = value.to_str() else {
            return peer;
        };
        for item in value.split(',') {
            let item = item.trim();
            let item = item
                .strip_prefix('[')
                .and_then(|i| i.strip_suffix(']'))
                .unwrap_or(item);
            match item.parse::<IpAddr>() {
                Ok(ip) => forwarded.push(ip.to_canonical()),
                Err(_) => return peer,
            }
        }
    }
    let mut client = peer;
    for ip in forwarded.into_iter().rev() {
        client = ip;
        if !domain::security::allowlist::contains(trusted, ip) {
            break;
        }
    }
    client
}

/// Refuses `/admin` and `/api` requests from outside the admin IP allowlist (checked in memory).
/// The LINE webhook, the sandbox, health checks, static assets and the citizens' LIFF pages and
/// their API (`/api/liff/...`) are not behind it.
pub async fn admin_allowlist(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let zone = zone(path);
    if zone == Zone::Open || path.starts_with("/api/liff/") {
        return next.run(req).await;
    }
    let client = ClientAddr::of(req.extensions());
    let allowed = match client {
        Some(ip) => state.allowlist.allows(ip),
        None => state.allowlist.networks().is_empty(),
    };
    if allowed {
        return next.run(req).await;
    }
    tracing::warn!(client = ?client, "request from outside the admin IP allowlist refused");
    if matches!(zone, Zone::ServerFn | Zone::PublicServerFn) {
        refuse(true, StatusCode::FORBIDDEN, AppError::Forbidden)
    } else {
        let shown = client.map_or_else(|| "不明".to_owned(), |ip| ip.to_string());
        let text = format!(
            "この接続元（{shown}）からは管理画面を利用できません。管理画面への接続が許可されたネットワークから接続するか、管理者に許可を依頼してください。"
        );
        (
            StatusCode::FORBIDDEN,
            [(header::CACHE_CONTROL, "no-store")],
            text,
        )
            .into_response()
    }
}

pub async fn staff_access(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let zone = zone(req.uri().path());
    if zone == Zone::Open {
        return next.run(req).await;
    }
    let is_api = matches!(zone, Zone::ServerFn | Zone::PublicServerFn);
    if is_cross_site_write(req.method(), req.headers(), state.public_origin.as_deref()) {
        return refuse(is_api, StatusCode::FORBIDDEN, AppError::Forbidden);
    }

    let token = state.server_context.cookie.session_token(req.headers());
    let staff = match &token {
        Some(token) => {
            let policy = state.server_context.session_policy;
            match domain::staff::sessions::resolve(&state.db, token, policy).await {
                Ok(staff) => staff,
                Err(e) => {
                    tracing::error!(error = %e, "session lookup failed");
                    return refuse(is_api, StatusCode::SERVICE_UNAVAILABLE, AppError::Internal);
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
        Zone::ServerFn if !signed_in => {
            refuse(true, StatusCode::UNAUTHORIZED, AppError::Unauthorized)
        }
        _ => {
            // The one authorization decision, from the table in `app::api::rules`.
            let grants = req
                .extensions()
                .get::<domain::staff::accounts::Staff>()
                .map(|s| s.grants.clone());
            match need_of(zone, req.uri().path()) {
                Some(need) => match domain::staff::access::authorize(grants.as_ref(), need) {
                    Ok(()) => next.run(req).await,
                    Err(Refusal::SignIn) => {
                        refuse(is_api, StatusCode::UNAUTHORIZED, AppError::Unauthorized)
                    }
                    // Pages lead to the password form; calls say why they are refused.
                    Err(Refusal::ChangePassword) if !is_api => see_other(app::api::PASSWORD_PAGE),
                    Err(Refusal::ChangePassword) => refuse(
                        true,
                        StatusCode::FORBIDDEN,
                        AppError::PasswordChangeRequired,
                    ),
                    Err(Refusal::Forbidden) => {
                        refuse(is_api, StatusCode::FORBIDDEN, AppError::Forbidden)
                    }
                },
                None => {
                    tracing::error!(path = %req.uri().path(), "server function without an access rule refused");
                    refuse(is_api, StatusCode::FORBIDDEN, AppError::Forbidden)
                }
            }
        }
    };
    // Pages and data of the admin panel are per-person: never keep them in any cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
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
    match domain::staff::accounts::count(&state.db).await {
        Ok(n) => Ok(n == 0),
        Err(e) => {
            tracing::error!(error = %e, "account count failed");
            Err(unavailable())
        }
    }
}

/// True for a non-GET request that a browser marks as coming from another site: by
/// `Sec-Fetch-Site`, or by an `Origin` other than ours. Ours is `PUBLIC_URL`'s origin when it is
/// set (behind a reverse proxy the `Host` header may be the upstream address), else the `Host`.
fn is_cross_site_write(method: &Method, headers: &HeaderMap, public_origin: Option<&str>) -> bool {
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
/// (so the UI shows the Japanese message), plain text for pages.
fn refuse(is_api: bool, status: StatusCode, error: AppError) -> Response {
    if is_api {
        let body = serde_json::to_string(&error).unwrap_or_default();
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    } else {
        (status, error.to_string()).into_response()
    }
}

fn unavailable() -> Response {
    refuse(false, StatusCode::SERVICE_UNAVAILABLE, AppError::Internal)
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
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let trusted =
            domain::security::allowlist::parse_network_list("127.0.0.1,10.0.0.0/8").unwrap_or_default();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap_or_else(|_| panic!("{s}"));
        let xff = |values: &[&'static str]| {
            let mut h = HeaderMap::new();
            for v in values {
                h.append("x-forwarded-for", HeaderValue::from_static(v));
            }
            h
        };
        let resolve = |peer: &str, h: &HeaderMap| client_addr(ip(peer), h, &trusted).to_string();
        // From a trusted proxy: the right-most address that is not a proxy.
        assert_eq!(resolve("127.0.0.1", &xff(&["203.0.113.7"])), "203.0.113.7");
        assert_eq!(
            resolve("127.0.0.1", &xff(&["198.51.100.1, 203.0.113.7, 10.1.2.3"])),
            "203.0.113.7"
        );
        assert_eq!(
            resolve("127.0.0.1", &xff(&["198.51.100.1", "203.0.113.7"])),
            "203.0.113.7"
        );
        assert_eq!(
            resolve("::ffff:127.0.0.1", &xff(&["[2001:db8::1]"])),
            "2001:db8::1"
        );
        assert_eq!(
            resolve("127.0.0.1", &xff(&["::ffff:203.0.113.7"])),
            "203.0.113.7"
        );
        // Only proxies in the chain: the first of them.
        assert_eq!(
            resolve("127.0.0.1", &xff(&["10.0.0.5, 10.0.0.6"])),
            "10.0.0.5"
        );
        // No header, or a malformed one: the peer.
        assert_eq!(resolve("127.0.0.1", &xff(&[])), "127.0.0.1");
        assert_eq!(
            resolve("127.0.0.1", &xff(&["203.0.113.7, evil"])),
            "127.0.0.1"
        );
        assert_eq!(
            resolve("127.0.0.1", &xff(&["203.0.113.7:443"])),
            "127.0.0.1"
        );
        // From anyone else the header is ignored.
        assert_eq!(resolve("192.0.2.9", &xff(&["10.0.0.1"])), "192.0.2.9");
        assert_eq!(resolve("::ffff:192.0.2.9", &xff(&[])), "192.0.2.9");
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

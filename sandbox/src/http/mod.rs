//! The HTTP surface: LINE's paths, status codes and error bodies.
//!
//! This file holds the router and the middleware (request ids; authentication, rate limits and
//! the retry key's place); the handlers are in one file per resource, and `reply` builds LINE's
//! answers.

// Handlers pass finished error responses up with `?`; an error is an ordinary answer here,
// and boxing every one would only add noise.
#![allow(clippy::result_large_err)]

mod insight;
mod login;
mod messages;
mod reply;
mod rich_menus;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use line::api::{REQUEST_ID_HEADER, RETRY_KEY_HEADER};
use line::rate::RateClass;

use crate::Sandbox;
use crate::state::{Channel, ChannelData, State as SandboxState};

use self::insight::{followers, rich_menu_daily, rich_menu_summary, statistics_per_unit};
use self::login::verify_id_token;
use self::messages::{consumption, multicast, profile, push, quota, reply};
use self::reply::{bad_request, error, not_found, unauthorized};
use self::rich_menus::{
    bulk_link, bulk_unlink, cancel_default, create_alias, create_rich_menu, delete_alias,
    delete_rich_menu, download_image, get_alias, get_default, get_rich_menu, get_user_menu,
    link_user_menu, list_aliases, list_rich_menus, set_default, unlink_user_menu, update_alias,
    upload_image, validate_rich_menu,
};

/// The channel the access token selected.
#[derive(Clone)]
struct Caller(Arc<str>);

#[derive(Clone)]
struct RequestId(String);

pub(crate) fn router(sandbox: Sandbox) -> Router {
    let api = Router::new()
        .route("/v2/bot/message/push", post(push))
        .route("/v2/bot/message/multicast", post(multicast))
        .route("/v2/bot/message/reply", post(reply))
        .route("/v2/bot/message/quota", get(quota))
        .route("/v2/bot/message/quota/consumption", get(consumption))
        .route("/v2/bot/profile/{user_id}", get(profile))
        .route("/v2/bot/richmenu", post(create_rich_menu))
        .route("/v2/bot/richmenu/list", get(list_rich_menus))
        .route("/v2/bot/richmenu/validate", post(validate_rich_menu))
        .route(
            "/v2/bot/richmenu/{rich_menu_id}",
            get(get_rich_menu).delete(delete_rich_menu),
        )
        .route(
            "/v2/bot/richmenu/{rich_menu_id}/content",
            get(download_image).post(upload_image),
        )
        .route("/v2/bot/richmenu/bulk/link", post(bulk_link))
        .route("/v2/bot/richmenu/bulk/unlink", post(bulk_unlink))
        .route("/v2/bot/richmenu/alias", post(create_alias))
        .route("/v2/bot/richmenu/alias/list", get(list_aliases))
        .route(
            "/v2/bot/richmenu/alias/{alias_id}",
            get(get_alias).post(update_alias).delete(delete_alias),
        )
        .route(
            "/v2/bot/user/all/richmenu",
            get(get_default).delete(cancel_default),
        )
        .route(
            "/v2/bot/user/all/richmenu/{rich_menu_id}",
            post(set_default),
        )
        .route(
            "/v2/bot/user/{user_id}/richmenu",
            get(get_user_menu).delete(unlink_user_menu),
        )
        .route(
            "/v2/bot/user/{user_id}/richmenu/{rich_menu_id}",
            post(link_user_menu),
        )
        .route(
            "/v2/bot/insight/message/event/aggregation",
            get(statistics_per_unit),
        )
        .route("/v2/bot/insight/followers", get(followers))
        .route(
            "/v2/bot/insight/richmenu/{rich_menu_id}/summary",
            get(rich_menu_summary),
        )
        .route(
            "/v2/bot/insight/richmenu/{rich_menu_id}/daily",
            get(rich_menu_daily),
        )
        .route_layer(middleware::from_fn_with_state(
            sandbox.clone(),
            authenticate,
        ));
    api.route("/oauth2/v2.1/verify", post(verify_id_token))
        .fallback(not_found)
        .layer(middleware::from_fn(request_id))
        // Above LINE's own limits, so that those are answered as LINE answers them.
        .layer(DefaultBodyLimit::max(8 * 1024 * 1024))
        .with_state(sandbox)
}

async fn request_id(mut req: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(req).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// Authentication (the bearer token selects the channel), then the rate limit, then the
/// retry key's place, as LINE checks them.
async fn authenticate(State(sb): State<Sandbox>, mut req: Request, next: Next) -> Response {
    let channel = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .and_then(|token| sb.channel_for_token(token));
    let Some(channel) = channel else {
        return error(
            StatusCode::UNAUTHORIZED,
            "Authentication failed. Confirm that the access token in the authorization header is valid.",
        );
    };
    let path = req.uri().path();
    let class = RateClass::of(req.method().as_str(), path);
    if !sb.take_rate(&channel, class) {
        return error(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
    }
    let retry_allowed = matches!(path, "/v2/bot/message/push" | "/v2/bot/message/multicast");
    if req.headers().contains_key(RETRY_KEY_HEADER) && !retry_allowed {
        return bad_request("The retry key is not supported by this endpoint");
    }
    req.extensions_mut().insert(Caller(channel.into()));
    next.run(req).await
}

fn channel_data<'a>(st: &'a mut SandboxState, key: &str) -> Option<&'a mut ChannelData> {
    match st.channels.get_mut(key) {
        Some(Channel {
            config: Some(_),
            data,
        }) => Some(data),
        _ => None,
    }
}

/// Runs `f` on the caller's channel data (under the lock); marks the state changed when `f`
/// succeeds and `changes` is set.
fn with_channel<R>(
    sb: &Sandbox,
    channel: &str,
    changes: bool,
    f: impl FnOnce(&mut ChannelData) -> Result<R, Response>,
) -> Result<R, Response> {
    let result = sb.with_state(|st| {
        let data = channel_data(st, channel).ok_or_else(unauthorized)?;
        f(data)
    });
    if changes && result.is_ok() {
        sb.mark_dirty();
    }
    result
}

//! Every HTTP route of the server, and the middleware stack around them, in one place.

use std::time::Duration;

use app::{App, shell};
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use tower::ServiceBuilder;
use tower::util::option_layer;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use app::api::AppError;

use crate::AppState;
use crate::middleware::staff_access::{admin_allowlist, resolve_client, staff_access};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Limits the router enforces on every request.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub body_bytes: usize,
    pub timeout: Duration,
}

pub fn router(state: AppState, limits: Limits) -> Router {
    crate::executor::init();
    // Browsers that reached us over https keep doing so for a year (only then: HSTS over plain
    // http would be ignored, and a first local start is plain http).
    let hsts = state
        .public_origin
        .as_deref()
        .is_some_and(|o| o.starts_with("https://"));
    let context = state.server_context.clone();
    let provide = move || provide_context(context.clone());
    let leptos_options = state.leptos.clone();

    let routes = Router::new()
        .route("/healthz", get(crate::handlers::health::healthz))
        .route("/readyz", get(crate::handlers::health::readyz))
        .route("/api/{*fn_name}", get(server_fn).post(server_fn))
        .route("/webhook/line/{channel_key}", post(crate::handlers::webhook::receive))
        .route(
            "/admin/logs/login.csv",
            get(crate::handlers::log_exports::login_history_csv),
        )
        .route(
            "/admin/logs/audit.csv",
            get(crate::handlers::log_exports::audit_log_csv),
        )
        .leptos_routes_with_context(&state, generate_route_list(App), provide.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide, shell))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            staff_access,
        ))
        // Before any session or database work.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            admin_allowlist,
        ));
    // The sandbox answers only while some channel is a sandbox channel.
    let routes = if state.platform.has_sandbox_channels() {
        routes.nest_service(
            crate::line_platform::SANDBOX_PATH,
            state.platform.sandbox.router(),
        )
    } else {
        routes
    };
    let outer_state = state.clone();
    let routes = routes.with_state(state);

    // Read from the inside out: the body limit and the timeout sit on the router itself, so that
    // their answers are plain responses (and get Japanese text from `explain_limits`); the
    // ServiceBuilder lists the outer layers outermost first.
    routes
        .layer(RequestBodyLimitLayer::new(limits.body_bytes))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.timeout))
        .layer(axum::middleware::map_response(explain_limits))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, RandomRequestId))
                .layer(axum::middleware::from_fn_with_state(
                    outer_state.clone(),
                    resolve_client,
                ))
                // Outside the panic guard and the limits, so every answer is logged.
                .layer(axum::middleware::from_fn_with_state(
                    outer_state,
                    crate::middleware::access_log::record,
                ))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_response(
                            DefaultOnResponse::new()
                                .level(Level::INFO)
                                .latency_unit(LatencyUnit::Millis),
                        ),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::custom(panic_response))
                .layer(CompressionLayer::new())
                .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
                .layer(security_header(header::REFERRER_POLICY, "same-origin"))
                // Pages replace this with their own policy (scripts with a nonce, see
                // `app::ssr::http::page_content_security_policy`); everything else loads nothing.
                .layer(security_header(
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
                ))
                .layer(option_layer(hsts.then(|| {
                    security_header(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000")
                })))
                .layer(DefaultBodyLimit::max(limits.body_bytes)),
        )
        .layer(axum::middleware::map_request(sanitize_request_id))
}

async fn server_fn(State(state): State<AppState>, req: Request<Body>) -> Response {
    let path = req.uri().path();
    if leptos::server_fn::axum::get_server_fn_service(path, req.method().clone()).is_none() {
        // leptos_axum would answer with a long English note for developers.
        let body = serde_json::to_string(&AppError::NotFound).unwrap_or_default();
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
    }
    let context = state.server_context.clone();
    handle_server_fns_with_context(move || provide_context(context.clone()), req)
        .await
        .into_response()
}

/// A UUID v4 request id whose randomness comes from the thread's CSPRNG, seeded once: no system
/// call per request (`Uuid::new_v4` asks the kernel every time; measurable on the webhook path).
#[derive(Clone, Copy)]
struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let id = uuid::Builder::from_random_bytes(rand::random())
            .into_uuid()
            .to_string();
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}

/// Client-sent request ids are kept only when short and plain, so that they cannot forge
/// fields in text logs; anything else is replaced by a fresh id.
async fn sanitize_request_id(mut req: Request<Body>) -> Request<Body> {
    let plain = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            (1..=64).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        });
    if !plain {
        req.headers_mut().remove(&REQUEST_ID);
    }
    req
}

/// The limit layers answer 408 and 413 with English or empty bodies; staff see Japanese.
async fn explain_limits(res: Response) -> Response {
    let message = match res.status() {
        StatusCode::PAYLOAD_TOO_LARGE => "送信されたデータが大きすぎます。",
        StatusCode::REQUEST_TIMEOUT => {
            "処理に時間がかかりすぎたため中断しました。もう一度お試しください。"
        }
        _ => return res,
    };
    (res.status(), message).into_response()
}

/// The span every request's log lines belong to: method, path (no query string: it may carry
/// tokens) and the request id that is also returned in `x-request-id`.
fn request_span(req: &Request<Body>) -> tracing::Span {
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        request_id = %request_id,
        staff_id = tracing::field::Empty,
    )
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "サーバーで問題が発生しました。",
    )
        .into_response()
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

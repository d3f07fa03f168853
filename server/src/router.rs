//! Every HTTP route of the server, and the middleware stack around them, in one place.

use std::time::Duration;

use app::{App, shell};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::routing::{get, post};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower::ServiceBuilder;
use tower::util::option_layer;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::AppState;
use crate::handlers::{
    delivery_exports, friend_csv, health, liff, log_exports, media, redirect, rich_menus,
    server_fns, simulator, survey_exports, webhook,
};
use crate::middleware::protect::{
    REQUEST_ID, RandomRequestId, explain_limits, panic_response, request_span, sanitize_request_id,
    security_header,
};
use crate::middleware::{access_log, allowlist, client_addr, staff_access};

/// Limits the router enforces on every request.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub body_bytes: usize,
    pub timeout: Duration,
}

/// The largest CSV upload accepted: the import's own limit and room for the form around it.
const UPLOAD_LIMIT: usize = domain::audience::attribute_csv::IMPORT_MAX_BYTES + 64 * 1024;

/// The largest image upload accepted (the domain refuses files over LINE's 10 MB itself, with a
/// message that says so; past this, 413 before the body is read).
const MEDIA_UPLOAD_LIMIT: usize = domain::messaging::media::UPLOAD_LIMIT_BYTES;

pub fn router(state: AppState, limits: Limits) -> Router {
    crate::executor::init();
    // Browsers that reached us over https keep doing so for a year (only then: HSTS over plain
    // http would be ignored, and a first local start is plain http).
    let hsts = state
        .public_origin
        .as_deref()
        .is_some_and(|o| o.starts_with("https://"));
    let context = state.context.clone();
    // The process's one audience index (`LinePlatform::audience_index`), which the delivery
    // engine also uses, for the server functions that count audiences; and how test deliveries
    // are marked.
    let index = state.platform.audience_index.clone();
    let test_settings = state.platform.test_settings.clone();
    let provide = move || {
        provide_context(context.clone());
        provide_context(index.clone());
        provide_context(test_settings.clone());
    };
    let leptos_options = state.leptos.clone();

    let routes = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route(
            "/api/{*fn_name}",
            get(server_fns::handle).post(server_fns::handle),
        )
        .route("/webhook/line/{channel_key}", post(webhook::receive))
        .route("/admin/logs/login.csv", get(log_exports::login_history_csv))
        .route("/admin/logs/audit.csv", get(log_exports::audit_log_csv))
        .route("/admin/friends/export.csv", get(friend_csv::export))
        .route(
            "/admin/deliveries/history.csv",
            get(delivery_exports::history_csv),
        )
        .route("/admin/friends/template.csv", get(friend_csv::template))
        .route("/admin/simulator/liff", get(liff::simulator_open))
        .route(
            "/admin/simulator/rich-menus/{channel}/{rich_menu_id}",
            get(simulator::rich_menu_image),
        )
        .route(
            "/admin/surveys/preview-frame",
            get(survey_exports::preview_frame),
        )
        .route(
            "/admin/surveys/{id}/answers.csv",
            get(survey_exports::answers_csv),
        )
        .route(
            "/admin/surveys/{id}/files/{file}",
            get(survey_exports::file),
        )
        // Public: LINE's servers fetch images here without a session (see handlers::media).
        .route(
            "/media/{token}/imagemap/{width}",
            get(media::serve_imagemap),
        )
        .route("/media/{token}/{variant}", get(media::serve))
        .route("/r/{code}", get(redirect::follow))
        // Citizens' survey pages (LIFF): their own session, no staff session or allowlist.
        .route("/liff", get(liff::root))
        .route("/liff/", get(liff::root))
        .route("/liff/session", post(liff::session))
        .route("/liff/surveys/{id}", get(liff::survey))
        .route("/liff/surveys/{id}/done", get(liff::done))
        .route("/liff/assets/{file}", get(liff::asset))
        .leptos_routes_with_context(&state, generate_route_list(App), provide.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide, shell))
        .layer(RequestBodyLimitLayer::new(limits.body_bytes))
        // Added after the limit above, with a limit of its own: a CSV file of a city's friends
        // is larger than any form.
        .route(
            "/admin/friends/imports",
            post(friend_csv::upload)
                .layer::<_, std::convert::Infallible>(RequestBodyLimitLayer::new(UPLOAD_LIMIT))
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        // A survey answer with photos.
        .route(
            "/liff/surveys/{id}",
            post(liff::submit)
                .layer::<_, std::convert::Infallible>(RequestBodyLimitLayer::new(
                    liff::SUBMIT_LIMIT_BYTES,
                ))
                .layer(DefaultBodyLimit::max(liff::SUBMIT_LIMIT_BYTES)),
        )
        // The media library's upload: photos are larger than any form too.
        .route(
            "/admin/media",
            post(media::upload)
                .layer::<_, std::convert::Infallible>(RequestBodyLimitLayer::new(
                    MEDIA_UPLOAD_LIMIT,
                ))
                .layer(DefaultBodyLimit::max(MEDIA_UPLOAD_LIMIT)),
        )
        // A rich menu's image: a photo to fit is larger than any form too.
        .route(
            "/admin/rich-menus/{id}/image",
            get(rich_menus::image).merge(
                post(rich_menus::upload)
                    .layer::<_, std::convert::Infallible>(RequestBodyLimitLayer::new(
                        rich_menus::UPLOAD_LIMIT_BYTES,
                    ))
                    .layer(DefaultBodyLimit::max(rich_menus::UPLOAD_LIMIT_BYTES)),
            ),
        )
        .layer(axum::middleware::map_response(
            server_fns::with_error_status,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            staff_access::check,
        ))
        // Before any session or database work.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            allowlist::check,
        ));
    // The sandbox answers only while some channel is a sandbox channel.
    let routes = if state.platform.has_sandbox_channels() {
        routes.nest_service(
            crate::line_platform::SANDBOX_PATH,
            state
                .platform
                .sandbox
                .router()
                .layer(RequestBodyLimitLayer::new(limits.body_bytes)),
        )
    } else {
        routes
    };
    let outer_state = state.clone();
    let routes = routes.with_state(state);

    // Read from the inside out: the body limits (on the routes above) and the timeout sit on the
    // router itself, so that their answers are plain responses (and get Japanese text from
    // `explain_limits`); the ServiceBuilder lists the outer layers outermost first.
    routes
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.timeout))
        .layer(axum::middleware::map_response(explain_limits))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, RandomRequestId))
                .layer(axum::middleware::from_fn_with_state(
                    outer_state.clone(),
                    client_addr::resolve,
                ))
                // Outside the panic guard and the limits, so every answer is logged.
                .layer(axum::middleware::from_fn_with_state(
                    outer_state,
                    access_log::record,
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

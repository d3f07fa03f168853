//! Request ids, security headers, and the Japanese answers of the limit layers and the panic
//! guard: the pieces of the router's outer stack that are ours.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_http::request_id::{MakeRequestId, RequestId};
use tower_http::set_header::SetResponseHeaderLayer;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A UUID v4 request id whose randomness comes from the thread's CSPRNG, seeded once: no system
/// call per request (`Uuid::new_v4` asks the kernel every time; measurable on the webhook path).
#[derive(Clone, Copy)]
pub struct RandomRequestId;

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
pub async fn sanitize_request_id(mut req: Request<Body>) -> Request<Body> {
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
pub async fn explain_limits(res: Response) -> Response {
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
pub fn request_span(req: &Request<Body>) -> tracing::Span {
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

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "サーバーで問題が発生しました。",
    )
        .into_response()
}

pub fn security_header(
    name: HeaderName,
    value: &'static str,
) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

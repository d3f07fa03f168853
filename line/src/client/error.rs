//! Why a call failed ([`ClientError`], with a Japanese text for staff), and how LINE's error
//! bodies and transport errors are read.

use reqwest::StatusCode;

use crate::api::{ErrorDetail, ErrorResponse, OAuthError};
use crate::validate::Violation;

/// Longest non-JSON error text kept from a response (proxies answer with whole HTML pages).
const MAX_ERROR_TEXT: usize = 500;

/// Why a call did not succeed.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ClientError {
    /// Refused before sending, as LINE would refuse it; no request was made.
    #[error("not sent, LINE's limits are not met: {}", violations_text(.0))]
    Invalid(Vec<Violation>),
    /// LINE answered with a 4xx (other than 429, and 409 for a retry key): trying again
    /// cannot help. `error` is LINE's own explanation.
    #[error("LINE answered {status}: {}", error_text(error))]
    Rejected {
        status: u16,
        error: ErrorResponse,
        request_id: Option<String>,
    },
    /// 429, 5xx, timeouts or connection errors, until the retry policy ran out.
    #[error("LINE did not answer successfully after {attempts} attempt(s); last: {last}")]
    GaveUp { attempts: u32, last: String },
    /// The client could not be built or the request not formed (e.g. an unusable base URL).
    #[error("LINE API client: {0}")]
    Transport(String),
    /// LINE said yes but its answer could not be read.
    #[error("unexpected answer from LINE: {0}")]
    Unexpected(String),
}

impl ClientError {
    /// LINE answered 429: its rate limit for the call is reached.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self, ClientError::Rejected { status: 429, .. })
            || matches!(self, ClientError::GaveUp { last, .. } if last.starts_with("429"))
    }

    /// For staff, in Japanese; a rejection includes LINE's own message and details.
    pub fn message_ja(&self) -> String {
        match self {
            ClientError::Invalid(violations) => {
                let mut text = String::from("LINE の制限に合わないため送信しませんでした。");
                for v in violations {
                    text.push_str("\n・");
                    text.push_str(&v.message_ja());
                }
                text
            }
            ClientError::Rejected {
                status,
                error,
                request_id,
            } => {
                let mut text = format!(
                    "LINE が要求を受け付けませんでした（HTTP {status}{}）。LINE からのメッセージ: {}",
                    status_hint_ja(*status),
                    error.message
                );
                for d in &error.details {
                    text.push_str("\n・");
                    text.push_str(&detail_text(d));
                }
                if let Some(id) = request_id {
                    text.push_str(&format!("\n（LINE のリクエスト ID: {id}）"));
                }
                text
            }
            ClientError::GaveUp { attempts, last } => format!(
                "LINE との通信に失敗しました（{attempts} 回試行、最後の結果: {last}）。時間をおいてもう一度お試しください。"
            ),
            ClientError::Transport(m) => format!("LINE API の接続設定に問題があります: {m}"),
            ClientError::Unexpected(m) => format!("LINE から想定外の応答がありました: {m}"),
        }
    }
}

fn violations_text(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| v.message_ja())
        .collect::<Vec<_>>()
        .join(" ")
}

fn error_text(error: &ErrorResponse) -> String {
    let mut text = error.message.clone();
    if !error.details.is_empty() {
        let details: Vec<_> = error.details.iter().map(detail_text).collect();
        text.push_str(&format!(" ({})", details.join("; ")));
    }
    text
}

fn detail_text(d: &ErrorDetail) -> String {
    match (&d.property, &d.message) {
        (Some(p), Some(m)) => format!("{p}: {m}"),
        (Some(p), None) => p.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) => String::new(),
    }
}

fn status_hint_ja(status: u16) -> &'static str {
    match status {
        400 => "、内容に誤りがあります",
        401 => "、チャネルアクセストークンが無効です",
        403 => "、この操作は許可されていません",
        404 => "、対象が見つかりません",
        409 => "、すでに処理されています",
        413 => "、データが大きすぎます",
        415 => "、ファイル形式が対応していません",
        _ => "",
    }
}

/// LINE's error body, leniently: its JSON, LINE Login's `{error, error_description}`, or the
/// text as it came.
pub(super) fn error_body(status: StatusCode, body: &[u8]) -> ErrorResponse {
    if let Ok(error) = serde_json::from_slice::<ErrorResponse>(body) {
        return error;
    }
    if let Ok(oauth) = serde_json::from_slice::<OAuthError>(body) {
        return ErrorResponse {
            message: oauth.error_description,
            details: vec![ErrorDetail {
                message: Some(oauth.error),
                property: Some("error".to_owned()),
            }],
            sent_messages: None,
        };
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let message = if text.is_empty() {
        status.to_string()
    } else {
        text.chars().take(MAX_ERROR_TEXT).collect()
    };
    ErrorResponse {
        message,
        ..ErrorResponse::default()
    }
}

/// Short, without the URL (it may hold a user id): "timeout", "connection failed: ...".
pub(super) fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timeout".to_owned();
    }
    let kind = if e.is_connect() {
        "connection failed"
    } else {
        "connection error"
    };
    match root_cause(e) {
        Some(cause) => format!("{kind}: {cause}"),
        None => kind.to_owned(),
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut source = e.source()?;
    while let Some(next) = source.source() {
        source = next;
    }
    Some(source.to_string())
}

pub(super) fn error_chain(e: &reqwest::Error) -> String {
    match root_cause(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_are_read_leniently() {
        let e = error_body(StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>");
        assert_eq!(e.message, "<html>bad gateway</html>");
        let e = error_body(StatusCode::NOT_FOUND, b"");
        assert_eq!(e.message, "404 Not Found");
        let e = error_body(
            StatusCode::BAD_REQUEST,
            br#"{"error":"invalid_request","error_description":"IdToken expired."}"#,
        );
        assert_eq!(e.message, "IdToken expired.");
    }
}

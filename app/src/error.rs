//! [`AppError`]: the one error type of the admin panel's server functions, in both builds. On the
//! server (`ssr`) it also knows its HTTP status ([`AppError::status`], the one table), comes from
//! the domain's error with `?`, and answers non-Leptos requests as a response.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Errors a server function reports to the UI. Messages are Japanese: staff read them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("ログインが必要です。もう一度ログインしてください。")]
    Unauthorized,
    #[error("ユーザー名またはパスワードが正しくありません。")]
    BadCredentials,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("この操作は許可されていません。")]
    Forbidden,
    /// Signed in with a password someone else set: it must be changed before anything else.
    #[error("パスワードの変更が必要です。パスワードを変更してから操作してください。")]
    PasswordChangeRequired,
    /// Sign-in refused during a lockout; the message says to wait.
    #[error("{0}")]
    TooManyAttempts(String),
    /// Something asked for that does not exist; the message says what.
    #[error("{0}")]
    NotFound(String),
    #[error("サーバーで問題が発生しました。時間をおいてもう一度お試しください。")]
    Internal,
    /// A dependency (the database) did not answer; worth trying again shortly.
    #[error("サーバーが一時的に応答できません。時間をおいてもう一度お試しください。")]
    Unavailable,
    /// The request or response could not be carried (bad form, network failure).
    #[error("送信内容を処理できませんでした：{0}")]
    Transport(String),
}

impl AppError {
    /// A call to a server function that does not exist.
    pub fn unknown_call() -> Self {
        AppError::NotFound("指定された操作は見つかりません。".into())
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// A form that does not decode into the function's arguments is the caller's: `Transport`,
    /// answered 400 ([`AppError::status`]). Any other failure Leptos reports is ours on the
    /// server (500, logged), and in the browser a failed round trip (shown as `Transport`).
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::MissingArg(_) => AppError::Transport(value.to_string()),
            #[cfg(feature = "ssr")]
            other => {
                tracing::error!(error = %other, "server function failed in Leptos");
                AppError::Internal
            }
            #[cfg(not(feature = "ssr"))]
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
mod http_side {
    use axum::response::{IntoResponse, Response};
    use domain::DomainError;
    use http::{StatusCode, header};

    use super::AppError;

    impl AppError {
        /// The HTTP status of each error: the one table, for server functions, middleware and
        /// plain handlers alike.
        pub fn status(&self) -> StatusCode {
            match self {
                AppError::Unauthorized | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
                AppError::Invalid(_) | AppError::Transport(_) => StatusCode::BAD_REQUEST,
                AppError::Conflict(_) => StatusCode::CONFLICT,
                AppError::Forbidden | AppError::PasswordChangeRequired => StatusCode::FORBIDDEN,
                AppError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
                AppError::NotFound(_) => StatusCode::NOT_FOUND,
                AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
                AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            }
        }

        /// The error as a page request gets it: its status with the message as plain text.
        pub fn into_text_response(self) -> Response {
            (self.status(), self.to_string()).into_response()
        }
    }

    /// The error as a server function's caller gets it: its status with the error as JSON (what
    /// the UI decodes and shows in Japanese).
    impl IntoResponse for AppError {
        fn into_response(self) -> Response {
            let body = serde_json::to_string(&self).unwrap_or_default();
            (
                self.status(),
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response()
        }
    }

    /// `?` from the domain: rule violations keep their Japanese message; failures of ours are
    /// logged here and reach staff as [`AppError::Internal`], without details.
    impl From<DomainError> for AppError {
        fn from(err: DomainError) -> Self {
            match err {
                DomainError::Invalid(msg) => AppError::Invalid(msg),
                DomainError::Conflict(msg) | DomainError::Line(msg) => AppError::Conflict(msg),
                DomainError::BadCredentials => AppError::BadCredentials,
                DomainError::TooManyAttempts(msg) => AppError::TooManyAttempts(msg),
                DomainError::NotFound(msg) => AppError::NotFound(msg),
                DomainError::Database(_) | DomainError::Internal(_) => {
                    tracing::error!(error = %err, "request failed");
                    AppError::Internal
                }
            }
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_status_and_a_japanese_message() {
        let all = [
            AppError::Unauthorized,
            AppError::BadCredentials,
            AppError::Invalid("入力が正しくありません。".into()),
            AppError::Conflict("既にあります。".into()),
            AppError::Forbidden,
            AppError::PasswordChangeRequired,
            AppError::TooManyAttempts("お待ちください。".into()),
            AppError::unknown_call(),
            AppError::Internal,
            AppError::Unavailable,
            AppError::Transport("x".into()),
        ];
        for e in all {
            assert!(
                e.status().is_client_error() || e.status().is_server_error(),
                "{e:?}"
            );
            assert!(!e.to_string().is_ascii(), "{e:?}");
        }
        let from_domain = AppError::from(domain::DomainError::NotFound("ありません。".into()));
        assert_eq!(from_domain.status(), http::StatusCode::NOT_FOUND);
        let internal = AppError::from(domain::DomainError::Internal("secret detail".into()));
        assert_eq!(internal, AppError::Internal);
    }
}

use sea_orm::DbErr;

/// The one error type of the domain. Messages of the variants that reach staff are Japanese.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// Input that breaks a rule; the message says which rule, in Japanese, for staff.
    #[error("{0}")]
    Invalid(String),
    /// The thing would clash with something already stored (e.g. a taken username).
    #[error("{0}")]
    Conflict(String),
    /// The thing asked for does not exist (the message says which, in Japanese).
    #[error("{0}")]
    NotFound(String),
    /// Wrong username or password; deliberately says nothing about which.
    #[error("ユーザー名またはパスワードが正しくありません。")]
    BadCredentials,
    /// Sign-in refused while a lockout is in force (see `crate::security::login_history`); the message
    /// says, in Japanese, to wait.
    #[error("{0}")]
    TooManyAttempts(String),
    /// LINE did not do what was asked (refused, or unreachable); the message says why, in
    /// Japanese, for staff.
    #[error("{0}")]
    Line(String),
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// A failure that is ours, not the caller's (a panicked hashing task, say).
    #[error("internal error: {0}")]
    Internal(String),
}

pub type DomainResult<T> = Result<T, DomainError>;

impl From<model::access::UnknownKey> for DomainError {
    fn from(e: model::access::UnknownKey) -> Self {
        DomainError::Invalid(e.0)
    }
}

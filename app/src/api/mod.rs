//! Server functions: the admin UI's only way to the server's data.
//!
//! Every function outside `auth/` starts with [`require_staff`], and the server's middleware
//! also answers 401 to any `/api/` call without a session (except `/api/auth/`), so a function
//! added later is protected even if its author forgets.

mod allowed_ips;
mod channels;
mod friends;
mod logs;
#[cfg(feature = "ssr")]
pub mod rules;
mod simulator;
mod staff;
mod templates;

pub use allowed_ips::*;
pub use channels::*;
pub use friends::*;
pub use logs::*;
pub use simulator::*;
pub use staff::*;
pub use templates::*;

use leptos::prelude::*;
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
    #[error("指定された操作は見つかりません。")]
    NotFound,
    /// Something asked for by id or name that does not exist; the message says what.
    #[error("{0}")]
    Missing(String),
    #[error("サーバーで問題が発生しました。時間をおいてもう一度お試しください。")]
    Internal,
    /// The request or response could not be carried (bad form, network failure).
    #[error("送信内容を処理できませんでした：{0}")]
    Transport(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // A form that does not decode into the function's arguments is the caller's fault.
        #[cfg(feature = "ssr")]
        if matches!(
            value,
            ServerFnErrorErr::Args(_)
                | ServerFnErrorErr::Deserialization(_)
                | ServerFnErrorErr::MissingArg(_)
        ) {
            server::set_status(http::StatusCode::BAD_REQUEST);
        }
        AppError::Transport(value.to_string())
    }
}

/// The signed-in member of staff, as the UI shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffView {
    pub username: String,
    pub display_name: String,
    /// 管理者 or 一般.
    pub role: String,
    /// Slugs of the areas (`crate::nav::AREAS`) this person may open: the menu shows only those.
    pub areas: Vec<String>,
    pub must_change_password: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardStats {
    pub staff_accounts: u64,
    pub database: String,
    pub version: String,
}

/// Where a user whose password was set by an administrator is sent until they change it.
pub const PASSWORD_PAGE: &str = "/admin/password";

/// Signs in and starts a new session (any session the browser had is ended: rotation).
#[server(endpoint = "auth/login")]
pub async fn login(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use server::*;
    if username.trim().is_empty() || password.is_empty() {
        return Err(fail(AppError::Invalid(
            "ユーザー名とパスワードを入力してください。".into(),
        )));
    }
    let ctx = context()?;
    let user_agent = ctx
        .parts
        .headers
        .get(http::header::USER_AGENT)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let attempt = domain::security::login_history::Attempt {
        username: &username,
        password: &password,
        client_addr: ctx.client_addr(),
        user_agent: user_agent.as_deref(),
    };
    let policy = domain::security::login_history::Policy::default();
    let staff = domain::security::login_history::sign_in(ctx.db(), attempt, policy)
        .await
        .map_err(|e| {
            // No username in the log: people sometimes type their password into that field.
            tracing::info!("sign-in refused");
            domain_error(e)
        })?;
    ctx.start_session(staff.id).await?;
    tracing::info!(staff_id = staff.id, client = ?ctx.client_addr(), "staff signed in");
    if staff.grants.must_change_password {
        leptos_axum::redirect(PASSWORD_PAGE);
    } else {
        leptos_axum::redirect(&crate::ssr::http::safe_next(next.as_deref()));
    }
    Ok(())
}

/// Ends the browser's session, if it has one, and clears the cookie.
#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    use server::*;
    let ctx = context()?;
    ctx.end_session().await?;
    // Signing out of no session changes nothing and is not audited.
    if let Ok(staff) = require_staff() {
        let actor = ctx.actor(&staff);
        let id = staff.id.to_string();
        domain::security::audit::record(
            ctx.db(),
            &actor,
            "auth.logout",
            "staff_account",
            Some(&id),
            serde_json::json!({}),
        )
        .await
        .map_err(domain_error)?;
    }
    leptos_axum::redirect("/admin/login?signed_out=1");
    Ok(())
}

/// Creates the first administrator on an empty database and signs them in. Only answers on
/// loopback (see the server's middleware), and only while no account exists.
#[server(endpoint = "auth/setup")]
pub async fn setup_first_admin(
    username: String,
    display_name: String,
    password: String,
    password_confirm: String,
) -> Result<(), AppError> {
    use server::*;
    let ctx = context()?;
    if !crate::ssr::http::is_direct_loopback(&ctx.parts.headers, &ctx.parts.extensions) {
        return Err(fail(AppError::Forbidden));
    }
    if password != password_confirm {
        return Err(fail(AppError::Invalid(
            "確認用パスワードが一致しません。".into(),
        )));
    }
    let new = domain::staff::accounts::NewAccount {
        username: &username,
        display_name: &display_name,
        password: &password,
    };
    let staff = domain::staff::accounts::create_first(ctx.db(), ctx.client_addr(), new)
        .await
        .map_err(domain_error)?;
    ctx.start_session(staff.id).await?;
    tracing::info!(
        staff_id = staff.id,
        "first administrator created in the setup page"
    );
    leptos_axum::redirect("/admin");
    Ok(())
}

#[server]
pub async fn current_staff() -> Result<StaffView, AppError> {
    let staff = server::require_staff()?;
    let areas = crate::nav::AREAS
        .iter()
        .filter(|a| rules::area_need(a.slug).is_some_and(|need| staff.grants.allows(need)))
        .map(|a| a.slug.to_owned())
        .collect();
    Ok(StaffView {
        role: staff.grants.role.label_ja().to_owned(),
        areas,
        must_change_password: staff.grants.must_change_password,
        username: staff.username,
        display_name: staff.display_name,
    })
}

#[server]
pub async fn dashboard_summary() -> Result<DashboardStats, AppError> {
    use server::*;
    require_staff()?;
    let ctx = context()?;
    let staff_accounts = domain::staff::accounts::count(ctx.db())
        .await
        .map_err(domain_error)?;
    Ok(DashboardStats {
        staff_accounts,
        database: domain::db::backend_of(ctx.db()).name().to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// What server functions need from the server process; provided as Leptos context by the
/// `server` crate for both page rendering and server function calls.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct ServerContext {
    pub db: domain::DatabaseConnection,
    pub session_policy: domain::staff::sessions::SessionPolicy,
    pub cookie: crate::ssr::http::CookieSettings,
    /// Opens channel secrets (for masked summaries).
    pub secrets: domain::security::secrets::SecretBox,
    /// The built-in LINE sandbox, when some channel uses it (the 「LINEシミュレーター」).
    pub sandbox: Option<sandbox::Sandbox>,
    /// The admin IP allowlist this process checks requests against (updated after a change).
    pub allowlist: domain::security::allowlist::LiveAllowList,
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use domain::DomainError;
    use domain::staff::accounts::Staff;
    use http::StatusCode;
    use http::request::Parts;
    use leptos::prelude::*;
    use leptos_axum::ResponseOptions;

    use super::{AppError, ServerContext};

    pub(crate) struct CallContext {
        pub parts: Parts,
        server: ServerContext,
    }

    pub(crate) fn context() -> Result<CallContext, AppError> {
        let server = use_context::<ServerContext>().ok_or_else(|| missing("ServerContext"))?;
        let parts = use_context::<Parts>().ok_or_else(|| missing("request parts"))?;
        Ok(CallContext { parts, server })
    }

    impl CallContext {
        pub(crate) fn db(&self) -> &domain::DatabaseConnection {
            &self.server.db
        }

        pub(crate) fn server(&self) -> &ServerContext {
            &self.server
        }

        /// The client's address as the access middleware resolved it.
        pub(crate) fn client_addr(&self) -> Option<std::net::IpAddr> {
            crate::ssr::http::ClientAddr::of(&self.parts.extensions)
        }

        /// `staff`, from this request's address, as the audit log records them.
        pub(crate) fn actor(&self, staff: &Staff) -> domain::security::audit::Actor {
            domain::security::audit::Actor::staff(staff, self.client_addr())
        }

        pub(crate) async fn start_session(&self, staff_id: i64) -> Result<(), AppError> {
            let presented = self.server.cookie.session_token(&self.parts.headers);
            let token = domain::staff::sessions::start(
                self.db(),
                staff_id,
                self.server.session_policy,
                presented.as_deref(),
            )
            .await
            .map_err(domain_error)?;
            let cookie = self.server.cookie.session_cookie(&token);
            set_header(http::header::SET_COOKIE, &cookie);
            Ok(())
        }

        pub(crate) async fn end_session(&self) -> Result<(), AppError> {
            if let Some(token) = self.server.cookie.session_token(&self.parts.headers) {
                domain::staff::sessions::end(self.db(), &token)
                    .await
                    .map_err(domain_error)?;
            }
            set_header(
                http::header::SET_COOKIE,
                &self.server.cookie.clearing_cookie(),
            );
            Ok(())
        }
    }

    /// The staff member the middleware found for this request's session cookie, or 401.
    /// The channel of `key`, for a call scoped to one channel.
    pub(crate) async fn channel_id(ctx: &CallContext, key: &str) -> Result<i64, AppError> {
        domain::platform::channels::id_of(ctx.db(), key)
            .await
            .map_err(domain_error)
    }

    pub(crate) fn require_staff() -> Result<Staff, AppError> {
        use_context::<Parts>()
            .and_then(|parts| parts.extensions.get::<Staff>().cloned())
            .ok_or_else(|| fail(AppError::Unauthorized))
    }

    /// Sets the HTTP status that matches `err` and hands it back.
    pub(crate) fn fail(err: AppError) -> AppError {
        set_status(match &err {
            AppError::Unauthorized | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Invalid(_) | AppError::Transport(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Forbidden | AppError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            AppError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::NotFound | AppError::Missing(_) => StatusCode::NOT_FOUND,
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        });
        err
    }

    pub(crate) fn domain_error(err: DomainError) -> AppError {
        fail(match err {
            DomainError::Invalid(msg) => AppError::Invalid(msg),
            DomainError::Conflict(msg) => AppError::Conflict(msg),
            DomainError::BadCredentials => AppError::BadCredentials,
            DomainError::TooManyAttempts(msg) => AppError::TooManyAttempts(msg),
            DomainError::NotFound(msg) => AppError::Missing(msg),
            DomainError::Database(_) | DomainError::Internal(_) => {
                tracing::error!(error = %err, "server function failed");
                AppError::Internal
            }
        })
    }

    /// Sets the response status, except for a plain HTML form post (no WASM yet, or none at
    /// all): that one is answered with a redirect back to the form, carrying the error for the
    /// page to show, and a 4xx status would turn it into raw JSON in the browser.
    pub(crate) fn set_status(status: StatusCode) {
        let plain_form_post = use_context::<Parts>()
            .and_then(|p| p.headers.get(http::header::ACCEPT).cloned())
            .and_then(|v| v.to_str().map(|v| v.contains("text/html")).ok())
            .unwrap_or(false);
        if let (Some(options), false) = (use_context::<ResponseOptions>(), plain_form_post) {
            options.set_status(status);
        }
    }

    fn set_header(name: http::HeaderName, value: &str) {
        if let (Some(options), Ok(value)) = (
            use_context::<ResponseOptions>(),
            http::HeaderValue::from_str(value),
        ) {
            options.append_header(name, value);
        }
    }

    fn missing(what: &str) -> AppError {
        tracing::error!("{what} is missing from the Leptos context");
        fail(AppError::Internal)
    }
}

//! What a server function starts with: [`call`] authorizes the caller and hands over the
//! [`CallContext`] (database, session cookie, client address, audit actor).
//!
//! Every server function opens with `let (me, ctx) = call::<ItsName>()?;` (or
//! [`public_call`] for signing in and out): the need comes from the function's entry in its
//! area's `RULES`, the same table the server's middleware applied before the function ran, so a
//! function called some other way (during a page render) is checked all the same.

use domain::staff::accounts::Staff;
use http::request::Parts;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_axum::ResponseOptions;
use model::access::Refusal;

use crate::error::AppError;
use crate::ssr::http::{ClientAddr, CookieSettings};

/// What server functions need from the server process; provided as Leptos context by the
/// `server` crate for both page rendering and server function calls.
#[derive(Clone)]
pub struct ServerContext {
    pub db: domain::DatabaseConnection,
    pub session_policy: domain::staff::sessions::SessionPolicy,
    pub cookie: CookieSettings,
    /// Opens channel secrets (for masked summaries).
    pub secrets: domain::security::secrets::SecretBox,
    /// The built-in LINE sandbox, when some channel uses it (the 「LINEシミュレーター」).
    pub sandbox: Option<sandbox::Sandbox>,
    /// The admin IP allowlist this process checks requests against (updated after a change).
    pub allowlist: domain::security::allowlist::LiveAllowList,
    /// Where LINE fetches what we serve (media library images): `PUBLIC_URL` without a trailing
    /// slash, or `http://{bind address}` when it is not set.
    pub public_base: String,
    /// The Messaging API client of a channel, by key (LINE's, or the sandbox's for a sandbox
    /// channel), read live: channels can change while the process runs.
    pub line_clients: LineClients,
    /// LINE insight calls a channel may make an hour (`LINE_INSIGHT_CALLS_PER_HOUR`).
    pub insight_calls_per_hour: u32,
    /// Aggregation unit names a channel may use a month (`LINE_AGGREGATION_UNITS_PER_MONTH`).
    pub aggregation_units_per_month: u32,
}

impl ServerContext {
    /// The sandbox adds a simulated audience to its channels' figures
    /// (`SANDBOX_SIMULATED_AUDIENCE`): pages and files label them 「シミュレーション」.
    pub fn simulates_audience(&self) -> bool {
        self.sandbox
            .as_ref()
            .is_some_and(|s| s.simulates_audience())
    }
}

/// Finds a channel's client by key.
pub type LineClients = std::sync::Arc<dyn Fn(&str) -> Option<ChannelClient> + Send + Sync>;

/// A channel's Messaging API client, for server functions that send.
#[derive(Clone)]
pub struct ChannelClient {
    pub channel_id: i64,
    pub sandbox: bool,
    pub client: line::client::Client,
    /// The LIFF app of survey links (a made-up one for a sandbox channel).
    pub liff_id: Option<String>,
}

/// One call's request and the server's context.
pub(crate) struct CallContext {
    pub parts: Parts,
    server: ServerContext,
}

/// The signed-in caller of server function `F`, allowed what `F` needs, and the call's context.
pub(crate) fn call<F: ServerFn>() -> Result<(Staff, CallContext), AppError> {
    let ctx = public_call()?;
    let Some(need) = crate::api::rules::server_fn_need(F::PATH) else {
        tracing::error!(
            path = F::PATH,
            "server function without an access rule refused"
        );
        return Err(AppError::Forbidden);
    };
    let staff = ctx.staff();
    model::access::authorize(staff.as_ref().map(|s| &s.grants), need).map_err(|refusal| {
        match refusal {
            Refusal::SignIn => AppError::Unauthorized,
            Refusal::ChangePassword => AppError::PasswordChangeRequired,
            Refusal::Forbidden => AppError::Forbidden,
        }
    })?;
    let staff = staff.ok_or(AppError::Unauthorized)?;
    Ok((staff, ctx))
}

/// The context of a call open to anyone (signing in and out, the first-run setup).
pub(crate) fn public_call() -> Result<CallContext, AppError> {
    let server = use_context::<ServerContext>().ok_or_else(|| missing("ServerContext"))?;
    let parts = use_context::<Parts>().ok_or_else(|| missing("request parts"))?;
    Ok(CallContext { parts, server })
}

fn missing(what: &str) -> AppError {
    tracing::error!("{what} is missing from the Leptos context");
    AppError::Internal
}

impl CallContext {
    pub(crate) fn db(&self) -> &domain::DatabaseConnection {
        &self.server.db
    }

    pub(crate) fn server(&self) -> &ServerContext {
        &self.server
    }

    /// The member of staff the middleware found for this request's session cookie.
    pub(crate) fn staff(&self) -> Option<Staff> {
        self.parts.extensions.get::<Staff>().cloned()
    }

    /// The client's address as the access middleware resolved it.
    pub(crate) fn client_addr(&self) -> Option<std::net::IpAddr> {
        ClientAddr::of(&self.parts.extensions)
    }

    /// `staff`, from this request's address, as the audit log records them.
    pub(crate) fn actor(&self, staff: &Staff) -> domain::security::audit::Actor {
        domain::security::audit::Actor::staff(staff, self.client_addr())
    }

    /// The request's `User-Agent`, for the login history.
    pub(crate) fn user_agent(&self) -> Option<String> {
        self.parts
            .headers
            .get(http::header::USER_AGENT)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    }

    /// The id of the channel with `key`, for a call scoped to one channel.
    pub(crate) async fn channel_id(&self, key: &str) -> Result<i64, AppError> {
        Ok(domain::platform::channels::id_of(self.db(), key).await?)
    }

    /// The Messaging API client of the channel with `key`.
    pub(crate) fn line_client(&self, key: &str) -> Result<ChannelClient, AppError> {
        (self.server.line_clients)(key)
            .ok_or_else(|| AppError::NotFound("LINE チャネルが見つかりません。".into()))
    }

    /// The built-in sandbox, when some channel uses it.
    pub(crate) fn sandbox(&self) -> Result<sandbox::Sandbox, AppError> {
        self.server.sandbox.clone().ok_or_else(|| {
            AppError::Invalid(
                "サンドボックスのチャネルがありません。LINE チャネルが設定されているため、シミュレーターは使えません。"
                    .into(),
            )
        })
    }

    /// Starts a session for `staff_id` (ending any the browser had: rotation) and sets its cookie.
    pub(crate) async fn start_session(&self, staff_id: i64) -> Result<(), AppError> {
        let presented = self.server.cookie.session_token(&self.parts.headers);
        let token = domain::staff::sessions::start(
            self.db(),
            staff_id,
            self.server.session_policy,
            presented.as_deref(),
        )
        .await?;
        set_header(
            http::header::SET_COOKIE,
            &self.server.cookie.session_cookie(&token),
        );
        Ok(())
    }

    /// The session token the browser presented, if any.
    pub(crate) fn session_token(&self) -> Option<String> {
        self.server.cookie.session_token(&self.parts.headers)
    }

    /// Clears the session cookie in the answer.
    pub(crate) fn clear_session_cookie(&self) {
        set_header(
            http::header::SET_COOKIE,
            &self.server.cookie.clearing_cookie(),
        );
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

//! Signing in and out, the first-run setup, who am I, and changing one's own password.

use leptos::prelude::*;
use model::access::Role;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The signed-in member of staff, as the UI shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffView {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Slugs of the areas (`crate::nav::AREAS`) this person may open: the menu shows only those.
    pub areas: Vec<String>,
    pub must_change_password: bool,
}

/// Where a user whose password was set by an administrator is sent until they change it.
pub const PASSWORD_PAGE: &str = "/admin/password";

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::Need;
    &[
        rule::<Login>(Need::Anyone),
        rule::<Logout>(Need::Anyone),
        // Checks itself that the database is empty and the caller is on loopback.
        rule::<SetupFirstAdmin>(Need::Anyone),
        rule::<CurrentStaff>(Need::OwnAccount),
        // Also allowed while the password must be changed: it is how one changes it.
        rule::<ChangePassword>(Need::OwnAccount),
    ]
};

/// Signs in and starts a new session (any session the browser had is ended: rotation).
#[server(endpoint = "auth/login")]
pub async fn login(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use domain::security::login_history::{self, Attempt, Policy};
    let ctx = crate::ssr::context::public_call()?;
    if username.trim().is_empty() || password.is_empty() {
        return Err(AppError::Invalid(
            "ユーザー名とパスワードを入力してください。".into(),
        ));
    }
    let user_agent = ctx.user_agent();
    let attempt = Attempt {
        username: &username,
        password: &password,
        client_addr: ctx.client_addr(),
        user_agent: user_agent.as_deref(),
    };
    let staff = login_history::sign_in(ctx.db(), attempt, Policy::default())
        .await
        .inspect_err(|_| {
            // No username in the log: people sometimes type their password into that field.
            tracing::info!("sign-in refused");
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
    let ctx = crate::ssr::context::public_call()?;
    if let Some(token) = ctx.session_token() {
        // Signing out of no session changes nothing and is not audited.
        let actor = ctx.staff().map(|staff| ctx.actor(&staff));
        domain::staff::sessions::sign_out(ctx.db(), &token, actor.as_ref()).await?;
    }
    ctx.clear_session_cookie();
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
    use domain::staff::{accounts, password};
    let ctx = crate::ssr::context::public_call()?;
    if !crate::ssr::http::is_direct_loopback(&ctx.parts.headers, &ctx.parts.extensions) {
        return Err(AppError::Forbidden);
    }
    password::check_confirmation(&password, &password_confirm)?;
    let new = accounts::NewAccount::administrator(&username, &display_name, &password);
    let account = accounts::create_first(ctx.db(), ctx.client_addr(), new).await?;
    ctx.start_session(account.id).await?;
    tracing::info!(
        staff_id = account.id,
        "first administrator created in the setup page"
    );
    leptos_axum::redirect("/admin");
    Ok(())
}

/// Who is signed in, and which areas of the admin panel they may open.
#[server(endpoint = "me/staff")]
pub async fn current_staff() -> Result<StaffView, AppError> {
    let (me, _) = crate::ssr::context::call::<CurrentStaff>()?;
    let areas = crate::nav::AREAS
        .iter()
        .filter(|area| me.grants.allows(area.need))
        .map(|area| area.slug.to_owned())
        .collect();
    Ok(StaffView {
        role: me.grants.role,
        areas,
        must_change_password: me.grants.must_change_password,
        username: me.username,
        display_name: me.display_name,
    })
}

/// Changes the caller's own password (the current one is required). Also what a user whose
/// password was set by an administrator must do before anything else.
#[server(endpoint = "me/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_confirm: String,
) -> Result<(), AppError> {
    use domain::staff::{accounts, password};
    let (me, ctx) = crate::ssr::context::call::<ChangePassword>()?;
    password::check_confirmation(&new_password, &new_password_confirm)?;
    let keep = ctx.session_token();
    accounts::change_own_password(
        ctx.db(),
        &ctx.actor(&me),
        me.id,
        &current_password,
        &new_password,
        keep.as_deref(),
    )
    .await?;
    tracing::info!(staff_id = me.id, "staff changed their own password");
    leptos_axum::redirect("/admin?password_changed=1");
    Ok(())
}

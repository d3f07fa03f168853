//! The harness the HTTP test files share: the real router (every middleware included) built
//! from a configuration on the test's database, requests sent to it in process as from a given
//! peer, and sign-in helpers.

use std::net::SocketAddr;

use axum::Extension;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use domain::security::audit::Actor;
use domain::staff::accounts::{self, NewAccount};
use domain::testing::TestDb;
use leptos::server_fn::ServerFn;
use server::config::Config;
use server::router::{Limits, router};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery";
pub const LOOPBACK: &str = "127.0.0.1:50000";
/// The key that seals LINE secrets in every test's database (see [`client_from`]).
pub const SECRET_KEY: &str = "bWFjaGlkYXlvcmktaHR0cC10ZXN0cy1rZXktMzJieXQ=";

pub struct Client {
    pub app: Router,
    /// What a browser on this deployment sends as `Origin`.
    pub origin: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as sent (downloads in Shift_JIS are not UTF-8).
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn set_cookie(&self) -> &str {
        self.headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// `name=value` of the Set-Cookie header, ready for a Cookie header.
    pub fn cookie_pair(&self) -> String {
        self.set_cookie().split(';').next().unwrap_or("").to_owned()
    }
}

pub async fn client_from(t: &TestDb, env: &[(&str, &str)], peer: &str) -> Client {
    let mut env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    // The key that seals LINE secrets, from the environment so no key file is written; the
    // same for every client of a test, as for every instance sharing a database.
    env.push(("SECRET_KEY".into(), SECRET_KEY.into()));
    let data_dir = std::env::temp_dir().join("machidayori-http-tests");
    env.push(("DATA_DIR".into(), data_dir.display().to_string()));
    let config = Config::from_sources(None, |name| {
        env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    })
    .expect("test configuration");
    let limits = Limits {
        body_bytes: config.request_body_limit,
        timeout: config.request_timeout,
    };
    let peer: SocketAddr = peer.parse().expect("socket address");
    // What `into_make_service_with_connect_info` does for a real connection.
    // The tasks behind the router (webhook workers, the access log writer...) run with the test.
    let background = server::jobs::Background::new();
    let state = server::serve::prepare(
        &config,
        t.db.clone(),
        "127.0.0.1:9".parse().unwrap(),
        &background,
    )
    .await
    .expect("server state");
    let app = router(state, limits).layer(Extension(ConnectInfo(peer)));
    let origin = config.public_url.map_or_else(
        || "http://127.0.0.1:3000".to_owned(),
        |u| u.origin().ascii_serialization(),
    );
    Client { app, origin }
}

pub async fn client(t: &TestDb) -> Client {
    client_from(t, &[], LOOPBACK).await
}

impl Client {
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self
            .app
            .clone()
            .oneshot(req)
            .await
            .expect("router never fails");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .expect("body");
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, uri: &str, cookie: Option<&str>) -> Reply {
        self.get_from(uri, None, cookie).await
    }

    /// A GET as a reverse proxy forwards it for `forwarded_for` (no header when `None`).
    pub async fn get_from(
        &self,
        uri: &str,
        forwarded_for: Option<&str>,
        cookie: Option<&str>,
    ) -> Reply {
        let mut req = Request::get(uri);
        if let Some(ip) = forwarded_for {
            req = req.header("x-forwarded-for", ip);
        }
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    /// A form post the way the hydrated UI's ActionForm sends it.
    pub async fn post_form(&self, uri: &str, form: &str, cookie: Option<&str>) -> Reply {
        self.post_form_from(uri, form, None, cookie).await
    }

    /// A form post as a reverse proxy forwards it for `forwarded_for`.
    pub async fn post_form_from(
        &self,
        uri: &str,
        form: &str,
        forwarded_for: Option<&str>,
        cookie: Option<&str>,
    ) -> Reply {
        let mut req = Request::post(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::ORIGIN, &self.origin)
            .header(header::CONTENT_LENGTH, form.len());
        if let Some(ip) = forwarded_for {
            req = req.header("x-forwarded-for", ip);
        }
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(form.to_owned())).unwrap())
            .await
    }

    pub async fn login(&self, username: &str, password: &str) -> Reply {
        let form = format!(
            "username={}&password={}&next=",
            urlencode(username),
            urlencode(password)
        );
        self.post_form(login_path(), &form, None).await
    }

    /// Signs in and returns the `Cookie` header value of the new session.
    pub async fn signed_in(&self, username: &str) -> String {
        self.signed_in_from(username, None).await
    }

    /// Signs in as forwarded for `forwarded_for`.
    pub async fn signed_in_from(&self, username: &str, forwarded_for: Option<&str>) -> String {
        let form = format!(
            "username={}&password={}&next=",
            urlencode(username),
            urlencode(PASSWORD)
        );
        let reply = self
            .post_form_from(login_path(), &form, forwarded_for, None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        reply.cookie_pair()
    }
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub fn login_path() -> &'static str {
    <app::api::Login as ServerFn>::PATH
}

pub fn logout_path() -> &'static str {
    <app::api::Logout as ServerFn>::PATH
}

pub fn current_staff_path() -> &'static str {
    <app::api::CurrentStaff as ServerFn>::PATH
}

pub async fn create_admin(t: &TestDb, username: &str) {
    accounts::create(
        &t.db,
        &Actor::command_line(),
        NewAccount::administrator(username, "田中 太郎", PASSWORD),
    )
    .await
    .expect("account");
}

/// Creates `username` as 一般 staff holding exactly `permissions`, scoped to `departments`
/// (no department: every department).
pub async fn create_staff(
    t: &TestDb,
    username: &str,
    permissions: &[model::access::Permission],
    departments: &[i64],
) {
    let user = accounts::create(
        &t.db,
        &Actor::command_line(),
        NewAccount::administrator(username, "", PASSWORD),
    )
    .await
    .expect("account");
    accounts::set_grants(
        &t.db,
        &Actor::command_line(),
        user.id,
        model::access::Role::Staff,
        &permissions.iter().copied().collect(),
        &departments.iter().copied().collect(),
    )
    .await
    .expect("grants");
}

/// The path of server function `F`, as the browser calls it.
pub fn path_of<F: ServerFn>() -> &'static str {
    F::PATH
}

/// Polls `check` until it gives a value, for at most `within`; fails the test naming `what`.
/// For effects that happen a moment later in the background (workers, the access log writer, a
/// server reading its settings again).
pub async fn eventually<T>(
    what: &str,
    within: std::time::Duration,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after {within:?} waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

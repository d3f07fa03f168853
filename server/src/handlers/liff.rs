//! The citizens' survey pages in LIFF (`/liff/...`), rendered here from `model::survey::page`:
//! plain HTML forms, no admin bundle, with LINE's LIFF SDK (served from our origin) only where
//! the citizen must be identified.
//!
//! Identity: a page without a citizen session is a shell whose script obtains the LIFF ID token
//! and posts it to `POST /liff/session`. The server verifies it with LINE Login's verify
//! endpoint (through the channel's client: LINE, or the sandbox), trusts only the `sub` it
//! returns, checks `aud`, `iss` and `exp` (with [`CLOCK_LEEWAY_SECONDS`]) itself too, and starts
//! a short session (`domain::platform::liff`) in a cookie of its own, scoped to `/liff`. A user
//! id, profile or decoded token sent by the page is never trusted.
//!
//! | route | |
//! |---|---|
//! | `GET /liff`, `GET /liff/surveys/{id}` | the form with the citizen's answers, or the shell |
//! | `POST /liff/session` | ID token → session cookie (JSON errors the shell shows) |
//! | `POST /liff/surveys/{id}` | an answer: 303 to the completion page, or the form again (422) |
//! | `GET /liff/surveys/{id}/done` | the completion text, and `liff.closeWindow()` |
//! | `GET /liff/assets/{file}` | the LIFF SDK bundle and our page script |
//!
//! Channel: `?ch=key` names the channel whose LIFF app opened the page (default: `main`).

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine as _;
use chrono::{Datelike, Utc};
use domain::DomainError;
use domain::audience::surveys::answers::{self, IncomingFile, Sheet, Submission, Submitted};
use domain::platform::liff::{self, Citizen};
use model::survey::Design;
use model::survey::page::{self, FormState, escape};
use serde::Deserialize;

use crate::AppState;
use crate::line_platform::ChannelHandle;

/// Seconds of difference between our clock and LINE's (or a token's) that `exp` and `iat`
/// tolerate. LINE's own SDK allows none, on the phone's clock; we check on the server's.
pub const CLOCK_LEEWAY_SECONDS: i64 = 300;
/// The `iss` of LINE's ID tokens.
const LINE_ISSUER: &str = "https://access.line.me";
/// A form holds at most this many parts (fields and files): more is not a real page's.
const MAX_PARTS: usize = 2_000;
/// The largest answer accepted (files included); each question has its own smaller limits.
pub const SUBMIT_LIMIT_BYTES: usize = 30 * 1024 * 1024;

const SDK: &str = include_str!("../../assets/liff/sdk.js");
const SDK_MOCK: &str = include_str!("../../assets/liff/sdk-mock.js");
const PAGE_SCRIPT: &str = include_str!("../../assets/liff/liff.js");

#[derive(Debug, Default, Deserialize)]
pub struct ChannelQuery {
    ch: Option<String>,
}

impl ChannelQuery {
    fn key(&self) -> &str {
        self.ch
            .as_deref()
            .filter(|k| !k.is_empty())
            .unwrap_or(domain::platform::channels::MAIN)
    }

    /// `?ch=key` to keep on links and form actions (empty for the main channel).
    fn suffix(&self) -> String {
        match self.ch.as_deref() {
            Some(k) if !k.is_empty() && k != domain::platform::channels::MAIN => {
                format!("?ch={}", url_part(k))
            }
            _ => String::new(),
        }
    }
}

fn url_part(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// How the shell obtains the ID token.
fn mode(state: &AppState, handle: &ChannelHandle) -> &'static str {
    match (handle.channel.sandbox, state.liff_sdk_mock) {
        (false, _) => "line",
        (true, true) => "mock",
        (true, false) => "sandbox",
    }
}

fn html(status: StatusCode, body: String) -> Response {
    let mut response = (status, Html(body)).into_response();
    let headers = response.headers_mut();
    // Personal pages: never cached, never framed by another site.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(policy) = HeaderValue::from_str(&CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

/// The citizen pages' policy: our scripts and the consent script (by its hash), LINE's hosts
/// the LIFF SDK talks to (and loads its in-app extensions from), inline styles (the survey's
/// design), images from us or https; nothing frames them.
static CONTENT_SECURITY_POLICY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    use sha2::Digest as _;
    let hash = base64::engine::general_purpose::STANDARD
        .encode(sha2::Sha256::digest(page::CONSENT_SCRIPT.as_bytes()));
    format!(
        "default-src 'self'; script-src 'self' 'sha256-{hash}' https://static.line-scdn.net; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; \
         connect-src 'self' https://api.line.me https://access.line.me https://liffsdk.line-scdn.net; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
    )
});

/// A page with only a message (not found, closed, expired...).
fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    let main = format!(
        "<h1>{}</h1><div class=\"notice\" role=\"alert\"><p>{}</p></div>",
        escape(title),
        escape(message).replace('\n', "<br>")
    );
    html(
        status,
        page::document(&Design::default(), title, "", &main, ""),
    )
}

fn cookie_name(state: &AppState) -> &'static str {
    if state.context.cookie.secure {
        "__Secure-machidayori_liff"
    } else {
        "machidayori_liff"
    }
}

fn session_cookie(state: &AppState, token: &str) -> String {
    let secure = if state.context.cookie.secure {
        "; Secure"
    } else {
        ""
    };
    // Lax, not Strict: LINE opens the page from liff.line.me (a top-level navigation from
    // another site); cross-site posts are refused by their Origin anyway.
    format!(
        "{}={token}; Path=/liff; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        cookie_name(state),
        liff::SESSION_TTL.num_seconds()
    )
}

async fn citizen(state: &AppState, headers: &HeaderMap) -> Result<Option<Citizen>, Response> {
    let name = cookie_name(state);
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim().to_owned());
    let Some(token) = token else {
        return Ok(None);
    };
    liff::resolve(state.db(), &token, Utc::now())
        .await
        .map_err(|e| failure(&e))
}

fn failure(error: &DomainError) -> Response {
    match error {
        DomainError::NotFound(m) => message_page(StatusCode::NOT_FOUND, "見つかりません", m),
        DomainError::Invalid(m) | DomainError::Conflict(m) => {
            message_page(StatusCode::CONFLICT, "お知らせ", m)
        }
        other => {
            tracing::error!(error = %other, "LIFF page failed");
            message_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "エラー",
                "ただいま表示できません。しばらくしてから、もう一度開いてください。",
            )
        }
    }
}

/// The page that identifies the citizen (then reloads into the form).
fn shell(state: &AppState, query: &ChannelQuery) -> Response {
    let Some(handle) = state.platform.channel(query.key()) else {
        return message_page(
            StatusCode::NOT_FOUND,
            "見つかりません",
            "このページのリンクが正しくありません。",
        );
    };
    let mode = mode(state, &handle);
    let liff_id = handle.liff_id().unwrap_or_default();
    let sdk = match mode {
        "line" => "<script src=\"/liff/assets/sdk.js\"></script>",
        "mock" => "<script src=\"/liff/assets/sdk-mock.js\"></script>",
        _ => "",
    };
    let scripts = format!("{sdk}<script src=\"/liff/assets/liff.js\"></script>");
    let attrs = format!(
        " data-liff-id=\"{}\" data-mode=\"{mode}\" data-session-url=\"/liff/session{}\"",
        escape(&liff_id),
        escape(&query.suffix()),
    );
    let main = "<h1>アンケート</h1><p id=\"liff-status\" role=\"status\">LINE で本人確認をしています…</p>\
<p><button type=\"button\" class=\"button\" id=\"liff-retry\" hidden>もう一度読み込む</button></p>\
<noscript><p class=\"notice\">このページを使うには JavaScript を有効にしてください。</p></noscript>";
    html(
        StatusCode::OK,
        page::document(&Design::default(), "アンケート", &attrs, main, &scripts),
    )
}

/// `GET /liff`: the LIFF app's endpoint. LINE opens a LIFF link's path here as `liff.state`
/// (`/liff?liff.state=/surveys/5`); LINE's SDK moves on to it after `liff.init`, and a citizen who
/// already has a session is sent there at once (the form page needs no SDK). Opened alone, it
/// says where to find the surveys.
pub async fn root(
    State(state): State<AppState>,
    Query(params): Query<Vec<(String, String)>>,
    headers: HeaderMap,
) -> Response {
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let query = ChannelQuery { ch: param("ch") };
    match citizen(&state, &headers).await {
        Err(r) => r,
        Ok(None) => shell(&state, &query),
        Ok(Some(_)) => match param("liff.state").as_deref().and_then(liff_state_path) {
            Some(path) => Redirect::to(&format!("/liff{path}")).into_response(),
            None => message_page(
                StatusCode::OK,
                "アンケート",
                "アンケートは、市の LINE 公式アカウントから届いたリンクやメニューから開いてください。",
            ),
        },
    }
}

/// A LIFF link's path to follow on our own pages: `/surveys/...` only (never another host, no
/// `//`, no backslash, no control characters).
fn liff_state_path(state: &str) -> Option<&str> {
    let ok = state.starts_with("/surveys/")
        && !state.contains('\\')
        && !state.chars().any(char::is_control)
        && !state.contains("//");
    ok.then_some(state)
}

fn form_page(
    sheet: &Sheet,
    query: &ChannelQuery,
    status: StatusCode,
    refusal: Option<answers::Refusal>,
) -> Response {
    let action = format!("/liff/surveys/{}{}", sheet.survey_id, query.suffix());
    let mut state = FormState {
        answers: sheet.answers.clone(),
        consented: sheet.consented,
        files: sheet.files.clone(),
        action: &action,
        hidden: vec![("version", sheet.version.to_string())],
        this_year: Utc::now().year(),
        answered_before: sheet.answered_at.is_some(),
        ..FormState::default()
    };
    if let Some(refusal) = refusal {
        state.answers = refusal.answers;
        state.errors = refusal.errors;
        state.form_error = refusal.form_error;
        // A consent refused stays unticked; one given stays ticked.
        state.consented = !state.errors.contains_key("consent");
    }
    state.notice = sheet.answered_at.map(|at| {
        format!(
            "{} に回答済みです。内容を変更して送信し直せます。",
            domain::time::minutes(at)
        )
    });
    let main = page::form(&sheet.survey, &state);
    html(
        status,
        page::document(&sheet.survey.design, &sheet.survey.title, "", &main, ""),
    )
}

/// `GET /liff/surveys/{id}`: the form with the citizen's current answers.
pub async fn survey(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<ChannelQuery>,
    headers: HeaderMap,
) -> Response {
    let citizen = match citizen(&state, &headers).await {
        Err(r) => return r,
        Ok(None) => return shell(&state, &query),
        Ok(Some(c)) => c,
    };
    let sheet = match answers::sheet(state.db(), id, citizen.friend_id, Utc::now()).await {
        Ok(s) => s,
        Err(e) => return failure(&e),
    };
    if !sheet.accepting {
        return closed_page(&sheet);
    }
    form_page(&sheet, &query, StatusCode::OK, None)
}

fn closed_page(sheet: &Sheet) -> Response {
    let main = format!(
        "{}<div class=\"notice\" role=\"alert\"><p>このアンケートは現在受け付けていません。</p></div>",
        page::header(&sheet.survey)
    );
    html(
        StatusCode::CONFLICT,
        page::document(&sheet.survey.design, &sheet.survey.title, "", &main, ""),
    )
}

/// `POST /liff/surveys/{id}`: an answer.
pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<ChannelQuery>,
    method: Method,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    if crate::middleware::staff_access::is_cross_site_write(
        &method,
        &headers,
        state.public_origin.as_deref(),
    ) {
        return message_page(
            StatusCode::FORBIDDEN,
            "送信できません",
            "このページからは送信できません。アンケートを開き直してください。",
        );
    }
    let citizen = match citizen(&state, &headers).await {
        Err(r) => return r,
        Ok(None) => {
            return message_page(
                StatusCode::UNAUTHORIZED,
                "もう一度開いてください",
                "ページを開いてから時間がたったため、送信できませんでした。お手数ですが、アンケートを開き直して、もう一度送信してください。",
            );
        }
        Ok(Some(c)) => c,
    };
    let submission = match read_form(multipart).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    match answers::submit(state.db(), id, citizen.friend_id, submission, Utc::now()).await {
        Ok(Submitted::Saved { .. }) => {
            Redirect::to(&format!("/liff/surveys/{id}/done{}", query.suffix())).into_response()
        }
        Ok(Submitted::Refused(refusal, sheet)) => form_page(
            &sheet,
            &query,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(*refusal),
        ),
        Err(e) => failure(&e),
    }
}

async fn read_form(mut multipart: Multipart) -> Result<Submission, Response> {
    let too_large = || {
        message_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "送信できません",
            "ファイルが大きすぎるため送信できませんでした。小さなファイルを選んで、もう一度送信してください。",
        )
    };
    let bad = || {
        message_page(
            StatusCode::BAD_REQUEST,
            "送信できません",
            "送信内容を読み取れませんでした。アンケートを開き直して、もう一度送信してください。",
        )
    };
    let map = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            bad()
        }
    };
    let mut submission = Submission::default();
    let mut parts = 0;
    while let Some(field) = multipart.next_field().await.map_err(map)? {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(bad());
        }
        let name = field.name().unwrap_or_default().to_owned();
        if let Some(file_name) = field.file_name().map(str::to_owned) {
            let bytes = field.bytes().await.map_err(map)?;
            if let Some(question_id) = name.strip_prefix("q.") {
                submission.files.push(IncomingFile {
                    question_id: question_id.to_owned(),
                    file_name,
                    bytes: bytes.to_vec(),
                });
            }
            continue;
        }
        let value = field.text().await.map_err(map)?;
        match name.as_str() {
            "version" => submission.version = value.trim().parse().unwrap_or(0),
            "consent" => submission.consent = value == "yes",
            n if n.starts_with("q.") => submission
                .fields
                .entry(name)
                .or_insert_with(Vec::new)
                .push(value),
            _ => {}
        }
    }
    Ok(submission)
}

/// `GET /liff/surveys/{id}/done`: the completion text; the script closes the LIFF window.
pub async fn done(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<ChannelQuery>,
    headers: HeaderMap,
) -> Response {
    let citizen = match citizen(&state, &headers).await {
        Err(r) => return r,
        Ok(None) => return shell(&state, &query),
        Ok(Some(c)) => c,
    };
    let sheet = match answers::sheet(state.db(), id, citizen.friend_id, Utc::now()).await {
        Ok(s) => s,
        Err(e) => return failure(&e),
    };
    let Some(handle) = state.platform.channel(query.key()) else {
        return shell(&state, &query);
    };
    let mode = mode(&state, &handle);
    let sdk = match mode {
        "line" => "<script src=\"/liff/assets/sdk.js\"></script>",
        "mock" => "<script src=\"/liff/assets/sdk-mock.js\"></script>",
        _ => "",
    };
    let attrs = format!(
        " data-liff-id=\"{}\" data-mode=\"{mode}\" data-close=\"1\"",
        escape(&handle.liff_id().unwrap_or_default())
    );
    let main = page::completion(
        &sheet.survey,
        &format!("/liff/surveys/{id}{}", query.suffix()),
    );
    html(
        StatusCode::OK,
        page::document(
            &sheet.survey.design,
            &sheet.survey.title,
            &attrs,
            &main,
            &format!("{sdk}<script src=\"/liff/assets/liff.js\"></script>"),
        ),
    )
}

#[derive(Debug, Deserialize)]
pub struct SessionRequest {
    id_token: String,
}

fn session_error(status: StatusCode, message: &str, retry: bool) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(serde_json::json!({ "message": message, "retry": retry })),
    )
        .into_response()
}

const EXPIRED: &str = "ログインの有効期限が切れたか、スマートフォンの日時がずれている可能性があります。日時の設定を確認して、「もう一度読み込む」を押してください。";

/// The `aud` claim of a JWT, unverified: only to choose which channel verifies it.
fn audience_of(id_token: &str) -> Option<String> {
    let payload = id_token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    match &claims["aud"] {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(a) => a.first()?.as_str().map(str::to_owned),
        _ => None,
    }
}

/// `POST /liff/session`: verifies a LIFF ID token and starts the citizen's session.
pub async fn session(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    body: Result<Json<SessionRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    if crate::middleware::staff_access::is_cross_site_write(
        &method,
        &headers,
        state.public_origin.as_deref(),
    ) {
        return session_error(
            StatusCode::FORBIDDEN,
            "このページからは利用できません。",
            false,
        );
    }
    let Ok(Json(request)) = body else {
        return session_error(StatusCode::BAD_REQUEST, EXPIRED, true);
    };
    let token = request.id_token.trim();
    if token.is_empty() || token.len() > 4_096 {
        return session_error(StatusCode::BAD_REQUEST, EXPIRED, true);
    }
    // The channel whose LINE Login issued it; the claim is only a hint, verified below.
    let Some(aud) = audience_of(token) else {
        return session_error(StatusCode::UNAUTHORIZED, EXPIRED, true);
    };
    let Some((handle, login_id)) = state.platform.all().into_iter().find_map(|h| {
        h.login_channel_id()
            .filter(|id| *id == aud)
            .map(|id| (h, id))
    }) else {
        return session_error(
            StatusCode::UNAUTHORIZED,
            "この LINE ログインは、このアンケートのものではありません。市の LINE 公式アカウントのリンクから開き直してください。",
            false,
        );
    };
    let verified = match handle.client.verify_id_token(token, &login_id).await {
        Ok(v) => v,
        Err(line::client::ClientError::Rejected { status, .. })
            if status < 500 && status != 429 =>
        {
            return session_error(StatusCode::UNAUTHORIZED, EXPIRED, true);
        }
        Err(e) => {
            tracing::warn!(channel = %handle.channel.key, error = %e, "ID token verification failed");
            return session_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "LINE との接続に失敗しました。しばらくしてから「もう一度読み込む」を押してください。",
                true,
            );
        }
    };
    // LINE checked these; checked again so that nothing but a token LINE issued for this
    // channel, now, starts a session.
    let now = Utc::now().timestamp();
    if verified.aud != login_id
        || verified.iss != LINE_ISSUER
        || verified.exp + CLOCK_LEEWAY_SECONDS < now
        || verified.iat - CLOCK_LEEWAY_SECONDS > now
        || verified.sub.is_empty()
    {
        return session_error(StatusCode::UNAUTHORIZED, EXPIRED, true);
    }
    match liff::start(state.db(), handle.channel.id, &verified.sub, Utc::now()).await {
        Ok(token) => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            if let Ok(cookie) = HeaderValue::from_str(&session_cookie(&state, &token)) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(DomainError::NotFound(m)) => session_error(StatusCode::FORBIDDEN, &m, false),
        Err(e) => {
            tracing::error!(error = %e, "LIFF session failed");
            session_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "ただいま利用できません。しばらくしてから「もう一度読み込む」を押してください。",
                true,
            )
        }
    }
}

/// `GET /liff/assets/{file}`: the LIFF SDK (pinned, built from npm by `liff/build.sh`) and our
/// page script, from our own origin.
pub async fn asset(Path(file): Path<String>) -> Response {
    let body = match file.as_str() {
        "sdk.js" => SDK,
        "sdk-mock.js" => SDK_MOCK,
        "liff.js" => PAGE_SCRIPT,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
pub struct SimulatorOpen {
    ch: String,
    user: String,
    url: String,
}

/// `GET /admin/simulator/liff?ch=&user=&url=`: the 「LINEシミュレーター」 opening a LIFF link for
/// its simulated friend. The sandbox mints the friend's ID token (as LINE would give the LIFF
/// app) and the browser goes to our LIFF page with it in the fragment (never sent to a server,
/// never logged). Sandbox channels only; staff who may act in the simulator only.
pub async fn simulator_open(
    State(state): State<AppState>,
    staff: Option<axum::Extension<domain::staff::accounts::Staff>>,
    Query(open): Query<SimulatorOpen>,
) -> Response {
    use model::access::{Action, Feature, Need};
    let allowed = staff.as_deref().is_some_and(|s| {
        model::access::authorize(Some(&s.grants), Need::Can(Feature::Simulator, Action::Edit))
            .is_ok()
    });
    if !allowed {
        return app::api::AppError::Forbidden.into_text_response();
    }
    let refuse = |message: &str| app::api::AppError::Invalid(message.into()).into_text_response();
    let Some(handle) = state
        .platform
        .channel(&open.ch)
        .filter(|h| h.channel.sandbox)
    else {
        return refuse(
            "シミュレーターで開けるのは、サンドボックスのチャネルの LIFF リンクだけです。",
        );
    };
    let liff_id = handle.liff_id().unwrap_or_default();
    let prefix = format!("https://liff.line.me/{liff_id}");
    let Some(rest) = open.url.strip_prefix(&prefix) else {
        return refuse("このチャネルの LIFF アプリのリンクではありません。");
    };
    // Only a path of ours (`/surveys/5?...`), never another host.
    if !(rest.is_empty() || rest.starts_with('/') || rest.starts_with('?'))
        || rest.starts_with("//")
    {
        return refuse("LIFF リンクの形が正しくありません。");
    }
    let token = match state
        .platform
        .sandbox
        .mint_id_token(&open.ch, &open.user, None)
    {
        Ok(t) => t,
        Err(e) => return refuse(&format!("ID トークンを作れませんでした：{e}")),
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut query: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("ch="))
        .map(str::to_owned)
        .collect();
    if open.ch != domain::platform::channels::MAIN {
        query.push(format!("ch={}", url_part(&open.ch)));
    }
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    };
    let target = format!("/liff{path}{query}#id_token={}", url_part(&token));
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(location) = HeaderValue::from_str(&target) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

//! The HTTP surface: LINE's paths, status codes and error bodies.

// Handlers pass finished error responses up with `?`; an error is an ordinary answer here,
// and boxing every one would only add noise.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use line::api::{
    ClickStatistics, ErrorDetail, ErrorResponse, MessageStatistics, MulticastRequest, OAuthError,
    Profile, PushRequest, Quota, QuotaConsumption, ReplyRequest, RichMenuAliasList,
    RichMenuAliasUpdate, RichMenuBulkLinkRequest, RichMenuBulkUnlinkRequest, RichMenuIdResponse,
    SentMessage, SentMessagesResponse, StatisticsOverview, StatisticsPerUnit,
};
use line::rate::RateClass;
use line::rich_menu::{RichMenu, RichMenuAlias};
use line::validate::{self, Rule, Violation};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::image::{self, ImageKind};
use crate::state::{
    AcceptedRetry, Channel, ChannelData, Entry, SentStat, State as SandboxState, StoredImage,
    StoredRichMenu, Via, jst, jst_month, push_entry,
};
use crate::{Sandbox, ids, persist};

const RETRY_KEY: &str = "x-line-retry-key";
const REQUEST_ID: &str = "x-line-request-id";
const ACCEPTED_REQUEST_ID: &str = "x-line-accepted-request-id";
const MAX_RICH_MENUS: usize = 1000;
const MAX_ALIASES: usize = 1000;
const MAX_BULK_USERS: usize = 500;
const MAX_RICH_MENU_IMAGE_BYTES: usize = 1024 * 1024;
const MAX_STATISTICS_DAYS: i64 = 30;

/// The channel the access token selected.
#[derive(Clone)]
struct Caller(Arc<str>);

#[derive(Clone)]
struct RequestId(String);

pub(crate) fn router(sandbox: Sandbox) -> Router {
    let api = Router::new()
        .route("/v2/bot/message/push", post(push))
        .route("/v2/bot/message/multicast", post(multicast))
        .route("/v2/bot/message/reply", post(reply))
        .route("/v2/bot/message/quota", get(quota))
        .route("/v2/bot/message/quota/consumption", get(consumption))
        .route("/v2/bot/profile/{user_id}", get(profile))
        .route("/v2/bot/richmenu", post(create_rich_menu))
        .route("/v2/bot/richmenu/list", get(list_rich_menus))
        .route(
            "/v2/bot/richmenu/{rich_menu_id}",
            get(get_rich_menu).delete(delete_rich_menu),
        )
        .route(
            "/v2/bot/richmenu/{rich_menu_id}/content",
            get(download_image).post(upload_image),
        )
        .route("/v2/bot/richmenu/bulk/link", post(bulk_link))
        .route("/v2/bot/richmenu/bulk/unlink", post(bulk_unlink))
        .route("/v2/bot/richmenu/alias", post(create_alias))
        .route("/v2/bot/richmenu/alias/list", get(list_aliases))
        .route(
            "/v2/bot/richmenu/alias/{alias_id}",
            get(get_alias).post(update_alias).delete(delete_alias),
        )
        .route(
            "/v2/bot/user/all/richmenu",
            get(get_default).delete(cancel_default),
        )
        .route(
            "/v2/bot/user/all/richmenu/{rich_menu_id}",
            post(set_default),
        )
        .route(
            "/v2/bot/user/{user_id}/richmenu",
            get(get_user_menu).delete(unlink_user_menu),
        )
        .route(
            "/v2/bot/user/{user_id}/richmenu/{rich_menu_id}",
            post(link_user_menu),
        )
        .route(
            "/v2/bot/insight/message/event/aggregation",
            get(statistics_per_unit),
        )
        .route_layer(middleware::from_fn_with_state(
            sandbox.clone(),
            authenticate,
        ));
    api.route("/oauth2/v2.1/verify", post(verify_id_token))
        .fallback(not_found)
        .layer(middleware::from_fn(request_id))
        // Above LINE's own limits, so that those are answered as LINE answers them.
        .layer(DefaultBodyLimit::max(8 * 1024 * 1024))
        .with_state(sandbox)
}

// ----- Responses -----

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    let body = ErrorResponse {
        message: message.into(),
        ..ErrorResponse::default()
    };
    (status, Json(body)).into_response()
}

fn bad_request(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, message)
}

fn not_found_error() -> Response {
    error(StatusCode::NOT_FOUND, "Not found")
}

async fn not_found() -> Response {
    not_found_error()
}

fn ok_empty() -> Response {
    (StatusCode::OK, Json(json!({}))).into_response()
}

fn ok<T: Serialize>(body: &T) -> Response {
    (StatusCode::OK, Json(body)).into_response()
}

fn detail(property: impl Into<String>, message: impl Into<String>) -> ErrorDetail {
    ErrorDetail {
        message: Some(message.into()),
        property: Some(property.into()),
    }
}

/// `{"message": "The request body has N error(s)", "details": [...]}`.
fn body_errors(details: Vec<ErrorDetail>) -> Response {
    let body = ErrorResponse {
        message: format!("The request body has {} error(s)", details.len()),
        details,
        sent_messages: None,
    };
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

fn violations_response(violations: &[Violation]) -> Response {
    body_errors(
        violations
            .iter()
            .map(|v| detail(v.path.clone(), english(v)))
            .collect(),
    )
}

/// LINE-style English for a violation of `line::validate`.
fn english(v: &Violation) -> String {
    match &v.rule {
        Rule::Count { min, max, .. } => format!("Size must be between {min} and {max}"),
        Rule::Length { min: 0, max, .. } => format!("Length must be at most {max}"),
        Rule::Length { min, max, .. } => format!("Length must be between {min} and {max}"),
        Rule::Https => "Must be an HTTPS URL".into(),
        Rule::Pattern(pattern) => format!("Must match {pattern}"),
        Rule::Required => "Must be specified".into(),
        Rule::Positive => "Must be greater than 0".into(),
        Rule::OneOf(values) => format!("Must be one of: {}", values.join(", ")),
        Rule::Equals(n) => format!("Must be {n}"),
        Rule::Range { min, max, .. } => format!("Must be between {min} and {max}"),
        Rule::OutsideImage => "The area must be within the image".into(),
        Rule::Size { max, .. } => format!("Must be at most {max} bytes of JSON"),
        Rule::Misplaced(_) => format!("Invalid value ({})", v.message_ja()),
        Rule::Date(format) => format!("Must be a date in the format {format}"),
        Rule::DaysAfter { start, actual, .. } if *actual < 0 => {
            format!("Must not be earlier than {start}")
        }
        Rule::DaysAfter {
            start, max_days, ..
        } => format!("Must be at most {max_days} days after {start}"),
    }
}

/// Parses a JSON body into a `line` request type, keeping the raw JSON too; errors as LINE
/// reports them, with the JSON path in `property`.
fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<(Value, T), Response> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        body_errors(vec![detail(
            "",
            format!(
                "The request body could not be parsed as JSON (line: {}, column: {})",
                e.line(),
                e.column()
            ),
        )])
    })?;
    let typed = serde_path_to_error::deserialize::<_, T>(&value).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        let problem = e.into_inner().to_string();
        // serde_path_to_error ends the path with an unknown field already, not a missing one.
        let join = |field: &str| {
            if path == field || path.ends_with(&format!(".{field}")) {
                path.clone()
            } else if path.is_empty() {
                field.to_owned()
            } else {
                format!("{path}.{field}")
            }
        };
        let quoted = problem.split('`').nth(1).unwrap_or_default().to_owned();
        let d = if problem.starts_with("unknown field") {
            detail(join(&quoted), "Unknown property")
        } else if problem.starts_with("missing field") {
            detail(join(&quoted), "Must be specified")
        } else {
            detail(path, format!("Invalid value: {problem}"))
        };
        body_errors(vec![d])
    })?;
    Ok((value, typed))
}

// ----- Middleware -----

async fn request_id(mut req: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(req).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// Authentication (the bearer token selects the channel), then the rate limit, then the
/// retry key's place, as LINE checks them.
async fn authenticate(State(sb): State<Sandbox>, mut req: Request, next: Next) -> Response {
    let channel = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .and_then(|token| sb.channel_for_token(token));
    let Some(channel) = channel else {
        return error(
            StatusCode::UNAUTHORIZED,
            "Authentication failed. Confirm that the access token in the authorization header is valid.",
        );
    };
    let path = req.uri().path();
    let class = RateClass::of(req.method().as_str(), path);
    if !sb.take_rate(&channel, class) {
        return error(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
    }
    let retry_allowed = matches!(path, "/v2/bot/message/push" | "/v2/bot/message/multicast");
    if req.headers().contains_key(RETRY_KEY) && !retry_allowed {
        return bad_request("The retry key is not supported by this endpoint");
    }
    req.extensions_mut().insert(Caller(channel.into()));
    next.run(req).await
}

// ----- Sending -----

/// The retry key of a push or multicast: absent, or a UUID (lowercased).
fn retry_key(headers: &HeaderMap) -> Result<Option<String>, Response> {
    let Some(value) = headers.get(RETRY_KEY) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| uuid::Uuid::parse_str(v.trim()).ok())
        .map(|u| Some(u.hyphenated().to_string()))
        .ok_or_else(|| bad_request("The retry key must be a UUID (X-Line-Retry-Key)"))
}

/// The one custom aggregation unit of a request (LINE allows one).
fn aggregation_unit(units: Option<&[String]>, violations: &mut Vec<Violation>) -> Option<Arc<str>> {
    let units = units?;
    if units.len() > 1 {
        violations.push(Violation {
            path: "customAggregationUnits".into(),
            rule: Rule::Count {
                min: 0,
                max: 1,
                actual: units.len(),
            },
        });
    }
    for (i, unit) in units.iter().enumerate() {
        violations.extend(validate::aggregation_unit(
            &format!("customAggregationUnits[{i}]"),
            unit,
        ));
    }
    units.first().map(|u| Arc::from(u.as_str()))
}

struct OutMessage {
    json: Arc<Value>,
    id: Arc<str>,
    quote_token: Option<String>,
}

/// The messages of one accepted request, each with its id; shared by every recipient.
struct Outgoing {
    messages: Vec<OutMessage>,
    unit: Option<Arc<str>>,
}

impl Outgoing {
    fn new(body: &Value, unit: Option<Arc<str>>) -> Self {
        let raw = body
            .get("messages")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let messages = raw
            .iter()
            .map(|m| {
                // Messages that can be quoted get a quote token, as at LINE.
                let quotable = matches!(
                    m.get("type").and_then(Value::as_str),
                    Some("text" | "textV2" | "sticker" | "image" | "video")
                );
                OutMessage {
                    json: Arc::new(m.clone()),
                    id: ids::message_id().into(),
                    quote_token: quotable.then(ids::quote_token),
                }
            })
            .collect();
        Self { messages, unit }
    }

    fn sent_messages(&self) -> Vec<SentMessage> {
        self.messages
            .iter()
            .map(|m| SentMessage {
                id: m.id.to_string(),
                quote_token: m.quote_token.clone(),
            })
            .collect()
    }

    /// Appends the messages to a friend's chat.
    fn deliver(
        &self,
        chat: &mut std::collections::VecDeque<Entry>,
        seq: &mut u64,
        at: DateTime<Utc>,
        via: Via,
        max: usize,
    ) {
        for m in &self.messages {
            *seq += 1;
            push_entry(
                chat,
                Entry {
                    seq: *seq,
                    at,
                    via,
                    message: m.json.clone(),
                    unit: self.unit.clone(),
                    sent_message_id: Some(m.id.clone()),
                },
                max,
            );
        }
    }

    fn record_statistics(&self, data: &mut ChannelData, request_id: &str, at: DateTime<Utc>) {
        let Some(unit) = &self.unit else {
            return;
        };
        let date = at.with_timezone(&jst()).date_naive();
        let request_id: Arc<str> = request_id.into();
        for (i, m) in self.messages.iter().enumerate() {
            data.stats.insert(
                m.id.clone(),
                SentStat {
                    unit: unit.clone(),
                    seq: i32::try_from(i + 1).unwrap_or(i32::MAX),
                    date,
                    request_id: request_id.clone(),
                    impressions: 0,
                    viewers: HashSet::new(),
                    clicks: BTreeMap::new(),
                },
            );
        }
    }
}

enum Recipients<'a> {
    One(&'a str),
    Many(&'a [String]),
}

fn channel_data<'a>(st: &'a mut SandboxState, key: &str) -> Option<&'a mut ChannelData> {
    match st.channels.get_mut(key) {
        Some(Channel {
            config: Some(_),
            data,
        }) => Some(data),
        _ => None,
    }
}

fn unauthorized() -> Response {
    error(
        StatusCode::UNAUTHORIZED,
        "Authentication failed. Confirm that the access token in the authorization header is valid.",
    )
}

/// Push and multicast once the body is valid: retry key, recipients, chats, usage,
/// statistics; all under one short lock.
fn send(
    sb: &Sandbox,
    channel: &str,
    request_id: &str,
    retry_key: Option<String>,
    recipients: Recipients<'_>,
    out: &Outgoing,
) -> Result<(), Response> {
    let now = Utc::now();
    let max = sb.config().max_chat_entries_per_friend;
    let via = match recipients {
        Recipients::One(_) => Via::Push,
        Recipients::Many(_) => Via::Multicast,
    };
    let result = sb.with_state(|st| {
        let mut seq = st.entry_seq;
        let data = channel_data(st, channel).ok_or_else(unauthorized)?;
        if let Some(key) = &retry_key
            && let Some(accepted) = data.retry_keys.get(key)
            && now - accepted.at < TimeDelta::hours(24)
        {
            let body = ErrorResponse {
                message: "The retry key is already accepted".into(),
                details: Vec::new(),
                sent_messages: (via == Via::Push).then(|| accepted.sent_messages.clone()),
            };
            let mut response = (StatusCode::CONFLICT, Json(body)).into_response();
            if let Ok(v) = HeaderValue::from_str(&accepted.request_id) {
                response.headers_mut().insert(ACCEPTED_REQUEST_ID, v);
            }
            return Err(response);
        }
        let mut delivered: i64 = 0;
        match recipients {
            Recipients::One(to) => {
                let friend = data
                    .friends
                    .get_mut(to)
                    .ok_or_else(|| bad_request("Failed to send messages"))?;
                // A friend who blocked the account receives nothing; LINE still answers 200.
                if friend.profile.following {
                    out.deliver(Arc::make_mut(&mut friend.chat), &mut seq, now, via, max);
                    delivered = 1;
                }
            }
            Recipients::Many(to) => {
                if !to.iter().all(|id| data.friends.contains_key(id)) {
                    return Err(bad_request("Failed to send messages"));
                }
                let mut seen: HashSet<&str> = HashSet::with_capacity(to.len());
                for id in to {
                    if !seen.insert(id) {
                        continue;
                    }
                    if let Some(friend) = data.friends.get_mut(id)
                        && friend.profile.following
                    {
                        out.deliver(Arc::make_mut(&mut friend.chat), &mut seq, now, via, max);
                        delivered += 1;
                    }
                }
            }
        }
        if delivered > 0 {
            *data.usage.entry(jst_month(now)).or_default() += delivered;
        }
        out.record_statistics(data, request_id, now);
        if let Some(key) = retry_key {
            if data.retry_keys.len() % 256 == 255 {
                data.retry_keys
                    .retain(|_, a| now - a.at < TimeDelta::hours(24));
            }
            data.retry_keys.insert(
                key,
                AcceptedRetry {
                    at: now,
                    request_id: request_id.to_owned(),
                    sent_messages: if via == Via::Push {
                        out.sent_messages()
                    } else {
                        Vec::new()
                    },
                },
            );
        }
        st.entry_seq = seq;
        Ok(())
    });
    if result.is_ok() {
        sb.mark_dirty();
    }
    result
}

async fn push(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let retry = match retry_key(&headers) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let (value, req) = match parse_body::<PushRequest>(&body) {
        Ok(parsed) => parsed,
        Err(r) => return r,
    };
    let mut violations = validate::messages(&req.messages);
    let unit = aggregation_unit(req.custom_aggregation_units.as_deref(), &mut violations);
    if !violations.is_empty() {
        return violations_response(&violations);
    }
    let out = Outgoing::new(&value, unit);
    match send(
        &sb,
        &channel,
        &request_id,
        retry,
        Recipients::One(&req.to),
        &out,
    ) {
        Ok(()) => ok(&SentMessagesResponse {
            sent_messages: out.sent_messages(),
        }),
        Err(r) => r,
    }
}

async fn multicast(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let retry = match retry_key(&headers) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let (value, req) = match parse_body::<MulticastRequest>(&body) {
        Ok(parsed) => parsed,
        Err(r) => return r,
    };
    let mut violations = validate::multicast(&req.to, &req.messages);
    let unit = aggregation_unit(req.custom_aggregation_units.as_deref(), &mut violations);
    if !violations.is_empty() {
        return violations_response(&violations);
    }
    let out = Outgoing::new(&value, unit);
    match send(
        &sb,
        &channel,
        &request_id,
        retry,
        Recipients::Many(&req.to),
        &out,
    ) {
        Ok(()) => ok_empty(),
        Err(r) => r,
    }
}

async fn reply(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    body: Bytes,
) -> Response {
    let (value, req) = match parse_body::<ReplyRequest>(&body) {
        Ok(parsed) => parsed,
        Err(r) => return r,
    };
    let violations = validate::messages(&req.messages);
    if !violations.is_empty() {
        return violations_response(&violations);
    }
    let out = Outgoing::new(&value, None);
    let now = Utc::now();
    let max = sb.config().max_chat_entries_per_friend;
    let result = sb.with_state(|st| {
        let token = st
            .reply_tokens
            .remove(&req.reply_token)
            .ok_or_else(|| bad_request("Invalid reply token"))?;
        if token.channel.as_str() != &*channel {
            // Another channel's token: not ours to use up.
            st.reply_tokens.insert(req.reply_token.clone(), token);
            return Err(bad_request("Invalid reply token"));
        }
        if token.expires <= Instant::now() {
            return Err(bad_request("Invalid reply token"));
        }
        let mut seq = st.entry_seq;
        let data = channel_data(st, &channel).ok_or_else(unauthorized)?;
        if let Some(friend) = data.friends.get_mut(&token.user_id)
            && friend.profile.following
        {
            out.deliver(
                Arc::make_mut(&mut friend.chat),
                &mut seq,
                now,
                Via::Reply,
                max,
            );
        }
        st.entry_seq = seq;
        Ok(())
    });
    match result {
        Ok(()) => {
            sb.mark_dirty();
            ok(&SentMessagesResponse {
                sent_messages: out.sent_messages(),
            })
        }
        Err(r) => r,
    }
}

async fn quota() -> Response {
    ok(&Quota {
        quota_type: "none".into(),
        value: None,
    })
}

async fn consumption(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
) -> Response {
    let month = jst_month(Utc::now());
    let total_usage = sb.with_state(|st| {
        channel_data(st, &channel)
            .and_then(|d| d.usage.get(&month).copied())
            .unwrap_or(0)
    });
    ok(&QuotaConsumption { total_usage })
}

async fn profile(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(user_id): Path<String>,
) -> Response {
    let profile = sb.with_state(|st| {
        let data = channel_data(st, &channel)?;
        let friend = data.friends.get(&user_id).filter(|f| f.profile.following)?;
        let p = &friend.profile;
        Some(Profile {
            user_id: p.user_id.clone(),
            display_name: p.display_name.clone(),
            picture_url: p.picture_url.clone(),
            status_message: p.status_message.clone(),
            language: p.language.clone(),
        })
    });
    match profile {
        Some(p) => ok(&p),
        None => not_found_error(),
    }
}

// ----- Rich menus -----

/// Runs `f` on the caller's channel data (under the lock); marks the state changed when `f`
/// succeeds and `changes` is set.
fn with_channel<R>(
    sb: &Sandbox,
    channel: &str,
    changes: bool,
    f: impl FnOnce(&mut ChannelData) -> Result<R, Response>,
) -> Result<R, Response> {
    let result = sb.with_state(|st| {
        let data = channel_data(st, channel).ok_or_else(unauthorized)?;
        f(data)
    });
    if changes && result.is_ok() {
        sb.mark_dirty();
    }
    result
}

fn respond(result: Result<Response, Response>) -> Response {
    result.unwrap_or_else(|r| r)
}

fn rich_menu_json(id: &str, menu: &RichMenu) -> Value {
    let mut value = serde_json::to_value(menu).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut value {
        map.insert("richMenuId".into(), json!(id));
    }
    value
}

fn menu_with_image<'a>(data: &'a ChannelData, id: &str) -> Result<&'a StoredRichMenu, Response> {
    let menu = data.rich_menus.get(id).ok_or_else(not_found_error)?;
    if menu.image.is_none() {
        return Err(bad_request(
            "must upload richmenu image before applying it to user",
        ));
    }
    Ok(menu)
}

async fn create_rich_menu(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    body: Bytes,
) -> Response {
    let (_, menu) = match parse_body::<RichMenu>(&body) {
        Ok(parsed) => parsed,
        Err(r) => return r,
    };
    let violations = validate::rich_menu(&menu);
    if !violations.is_empty() {
        return violations_response(&violations);
    }
    respond(with_channel(&sb, &channel, true, |data| {
        if data.rich_menus.len() >= MAX_RICH_MENUS {
            return Err(bad_request(format!(
                "The number of rich menus has reached the limit ({MAX_RICH_MENUS})"
            )));
        }
        let id = ids::rich_menu_id();
        data.rich_menu_seq += 1;
        data.rich_menus.insert(
            id.clone(),
            StoredRichMenu {
                seq: data.rich_menu_seq,
                menu,
                image: None,
            },
        );
        Ok(ok(&RichMenuIdResponse { rich_menu_id: id }))
    }))
}

async fn list_rich_menus(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
) -> Response {
    respond(with_channel(&sb, &channel, false, |data| {
        let mut menus: Vec<_> = data.rich_menus.iter().collect();
        menus.sort_by_key(|(_, m)| m.seq);
        let list: Vec<Value> = menus
            .into_iter()
            .map(|(id, m)| rich_menu_json(id, &m.menu))
            .collect();
        Ok(ok(&json!({ "richmenus": list })))
    }))
}

async fn get_rich_menu(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    respond(with_channel(&sb, &channel, false, |data| {
        let menu = data.rich_menus.get(&id).ok_or_else(not_found_error)?;
        Ok(ok(&rich_menu_json(&id, &menu.menu)))
    }))
}

async fn delete_rich_menu(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    let result = with_channel(&sb, &channel, true, |data| {
        let removed = data.rich_menus.remove(&id).ok_or_else(not_found_error)?;
        if data.default_rich_menu.as_deref() == Some(id.as_str()) {
            data.default_rich_menu = None;
        }
        for friend in data.friends.values_mut() {
            if friend.profile.rich_menu_id.as_deref() == Some(id.as_str()) {
                Arc::make_mut(&mut friend.profile).rich_menu_id = None;
            }
            if friend.switched_rich_menu.as_deref() == Some(id.as_str()) {
                friend.switched_rich_menu = None;
            }
        }
        Ok(removed.image.is_some())
    });
    match result {
        Ok(had_image) => {
            if had_image
                && let Some(path) = sb
                    .config()
                    .state_file
                    .as_deref()
                    .and_then(|f| persist::image_path(f, &id))
            {
                let _ = tokio::task::spawn_blocking(move || std::fs::remove_file(path)).await;
            }
            ok_empty()
        }
        Err(r) => r,
    }
}

async fn upload_image(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(ImageKind::from_content_type);
    let dimensions = kind.and_then(|k| image::dimensions(k, &body));
    let result = with_channel(&sb, &channel, true, |data| {
        let menu = data.rich_menus.get_mut(&id).ok_or_else(not_found_error)?;
        if menu.image.is_some() {
            return Err(bad_request(
                "An image has already been uploaded to the richmenu",
            ));
        }
        let Some(kind) = kind else {
            return Err(error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported media type",
            ));
        };
        if body.len() > MAX_RICH_MENU_IMAGE_BYTES {
            return Err(bad_request("The image is too large (at most 1 MB)"));
        }
        let Some((w, h)) = dimensions else {
            return Err(bad_request(format!(
                "The image is not a valid {}",
                kind.content_type()
            )));
        };
        let size = menu.menu.size;
        if i64::from(w) != i64::from(size.width) || i64::from(h) != i64::from(size.height) {
            return Err(bad_request(format!(
                "The image size ({w}x{h}) does not match the rich menu size ({}x{})",
                size.width, size.height
            )));
        }
        menu.image = Some(StoredImage {
            content_type: kind.content_type().to_owned(),
            bytes: body.clone(),
        });
        Ok(())
    });
    if let Err(r) = result {
        return r;
    }
    if let Some(state_file) = sb.config().state_file.clone()
        && let Some(path) = persist::image_path(&state_file, &id)
    {
        let written = tokio::task::spawn_blocking(move || {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, &body)
        })
        .await;
        if !matches!(written, Ok(Ok(()))) {
            tracing::warn!(rich_menu_id = %id, "LINE sandbox: could not save a rich menu image");
        }
    }
    ok_empty()
}

async fn download_image(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    respond(with_channel(&sb, &channel, false, |data| {
        let image = data
            .rich_menus
            .get(&id)
            .and_then(|m| m.image.as_ref())
            .ok_or_else(not_found_error)?;
        Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, image.content_type.clone())],
            image.bytes.clone(),
        )
            .into_response())
    }))
}

async fn set_default(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(id): Path<String>,
) -> Response {
    respond(with_channel(&sb, &channel, true, |data| {
        menu_with_image(data, &id)?;
        data.default_rich_menu = Some(id);
        Ok(ok_empty())
    }))
}

async fn get_default(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
) -> Response {
    respond(with_channel(&sb, &channel, false, |data| {
        let id = data
            .default_rich_menu
            .clone()
            .ok_or_else(|| error(StatusCode::NOT_FOUND, "no default richmenu"))?;
        Ok(ok(&RichMenuIdResponse { rich_menu_id: id }))
    }))
}

async fn cancel_default(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
) -> Response {
    respond(with_channel(&sb, &channel, true, |data| {
        data.default_rich_menu = None;
        Ok(ok_empty())
    }))
}

fn invalid_user() -> Response {
    bad_request("The user ID is invalid")
}

async fn link_user_menu(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path((user_id, id)): Path<(String, String)>,
) -> Response {
    respond(with_channel(&sb, &channel, true, |data| {
        if !data.friends.contains_key(&user_id) {
            return Err(invalid_user());
        }
        menu_with_image(data, &id)?;
        if let Some(friend) = data.friends.get_mut(&user_id) {
            Arc::make_mut(&mut friend.profile).rich_menu_id = Some(id);
            friend.switched_rich_menu = None;
        }
        Ok(ok_empty())
    }))
}

async fn get_user_menu(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(user_id): Path<String>,
) -> Response {
    respond(with_channel(&sb, &channel, false, |data| {
        let id = data
            .friends
            .get(&user_id)
            .and_then(|f| f.profile.rich_menu_id.clone())
            .ok_or_else(|| error(StatusCode::NOT_FOUND, "the user has no richmenu"))?;
        Ok(ok(&RichMenuIdResponse { rich_menu_id: id }))
    }))
}

async fn unlink_user_menu(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(user_id): Path<String>,
) -> Response {
    respond(with_channel(&sb, &channel, true, |data| {
        let friend = data.friends.get_mut(&user_id).ok_or_else(invalid_user)?;
        Arc::make_mut(&mut friend.profile).rich_menu_id = None;
        friend.switched_rich_menu = None;
        Ok(ok_empty())
    }))
}

fn bulk_count(user_ids: &[String]) -> Option<Response> {
    let n = user_ids.len();
    (!(1..=MAX_BULK_USERS).contains(&n)).then(|| {
        violations_response(&[Violation {
            path: "userIds".into(),
            rule: Rule::Count {
                min: 1,
                max: MAX_BULK_USERS,
                actual: n,
            },
        }])
    })
}

async fn bulk_link(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    body: Bytes,
) -> Response {
    let (_, req) = match parse_body::<RichMenuBulkLinkRequest>(&body) {
        Ok(parsed) => parsed,
        Err(r) => return r,
    };
    if let Some(r) = bulk_count(&req.user_ids) {
        return r;
    }
    respond(with_channel(&sb, &channel, true, |data| {
        menu_with_image(data, &req.rich_menu_id)?;
        // LINE processes the ids in the background and skips the ones it cannot link.
        for user_id in &req.user_ids {
            if let Some(friend) = data.friends.get_mut(user_id) {
                Arc::make_mut(&mut friend.profile).rich_menu_id = Some(req.rich_menu_id.clone());
                friend.switched_rich_menu = None;
            }
        }
        Ok((StatusCode::ACCEPTED, Json(json!({}))).into_response())
    }))
}

async fn bulk_unlink(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    body: Bytes,
) -> Response {
    let (_, req) = match parse_body::<RichMenuBulkUnlinkRequest>(&body) {
        Ok(parsed) => parsed,
        Err(r) => return r,
    };
    if let Some(r) = bulk_count(&req.user_ids) {
        return r;
    }
    respond(with_channel(&sb, &channel, true, |data| {
        for user_id in &req.user_ids {
            if let Some(friend) = data.friends.get_mut(user_id) {
                Arc::make_mut(&mut friend.profile).rich_menu_id = None;
                friend.switched_rich_menu = None;
            }
        }
        Ok((StatusCode::ACCEPTED, Json(json!({}))).into_response())
    }))
}

fn alias_menu_check(data: &ChannelData, rich_menu_id: &str) -> Result<(), Response> {
    let menu = data
        .rich_menus
        .get(rich_menu_id)
        .ok_or_else(|| bad_request("richmenu not found"))?;
    if menu.image.is_none() {
        return Err(bad_request("richmenu image not found"));
    }
    Ok(())
}

fn alias_not_found() -> Response {
    error(StatusCode::NOT_FOUND, "richmenu alias not found")
}

async fn create_alias(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    body: Bytes,
) -> Response {
    let (_, req) = match parse_body::<RichMenuAlias>(&body) {
        Ok(parsed) => parsed,
        Err(r) => return r,
    };
    let violations = validate::rich_menu_alias_id("richMenuAliasId", &req.rich_menu_alias_id);
    if !violations.is_empty() {
        return violations_response(&violations);
    }
    respond(with_channel(&sb, &channel, true, |data| {
        alias_menu_check(data, &req.rich_menu_id)?;
        if data.aliases.contains_key(&req.rich_menu_alias_id) {
            return Err(bad_request("conflict richmenu alias id"));
        }
        if data.aliases.len() >= MAX_ALIASES {
            return Err(bad_request(format!(
                "The number of rich menu aliases has reached the limit ({MAX_ALIASES})"
            )));
        }
        data.aliases
            .insert(req.rich_menu_alias_id, req.rich_menu_id);
        Ok(ok_empty())
    }))
}

async fn update_alias(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(alias_id): Path<String>,
    body: Bytes,
) -> Response {
    let (_, req) = match parse_body::<RichMenuAliasUpdate>(&body) {
        Ok(parsed) => parsed,
        Err(r) => return r,
    };
    respond(with_channel(&sb, &channel, true, |data| {
        if !data.aliases.contains_key(&alias_id) {
            return Err(alias_not_found());
        }
        alias_menu_check(data, &req.rich_menu_id)?;
        data.aliases.insert(alias_id, req.rich_menu_id);
        Ok(ok_empty())
    }))
}

async fn delete_alias(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(alias_id): Path<String>,
) -> Response {
    respond(with_channel(&sb, &channel, true, |data| {
        data.aliases.remove(&alias_id).ok_or_else(alias_not_found)?;
        Ok(ok_empty())
    }))
}

async fn get_alias(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(alias_id): Path<String>,
) -> Response {
    respond(with_channel(&sb, &channel, false, |data| {
        let id = data.aliases.get(&alias_id).ok_or_else(alias_not_found)?;
        Ok(ok(&RichMenuAlias {
            rich_menu_alias_id: alias_id.clone(),
            rich_menu_id: id.clone(),
        }))
    }))
}

async fn list_aliases(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
) -> Response {
    respond(with_channel(&sb, &channel, false, |data| {
        let aliases = data
            .aliases
            .iter()
            .map(|(alias, id)| RichMenuAlias {
                rich_menu_alias_id: alias.clone(),
                rich_menu_id: id.clone(),
            })
            .collect();
        Ok(ok(&RichMenuAliasList { aliases }))
    }))
}

// ----- Statistics -----

/// LINE answers `null` for anything under 20.
fn at_least_20(n: usize) -> Option<i64> {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    (n >= 20).then_some(n)
}

fn at_least_20_i64(n: i64) -> Option<i64> {
    (n >= 20).then_some(n)
}

fn parse_date(
    params: &HashMap<String, String>,
    name: &str,
    details: &mut Vec<ErrorDetail>,
) -> Option<NaiveDate> {
    let Some(value) = params.get(name) else {
        details.push(detail(name, "Must be specified"));
        return None;
    };
    let date = (value.len() == 8 && value.bytes().all(|b| b.is_ascii_digit()))
        .then(|| NaiveDate::parse_from_str(value, "%Y%m%d").ok())
        .flatten();
    if date.is_none() {
        details.push(detail(name, "Must be a date in the format yyyyMMdd"));
    }
    date
}

async fn statistics_per_unit(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Response {
    let params: HashMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let mut details = Vec::new();
    let unit = match params.get("customAggregationUnit") {
        None => {
            details.push(detail("customAggregationUnit", "Must be specified"));
            None
        }
        Some(unit) => {
            let v = validate::aggregation_unit("customAggregationUnit", unit);
            details.extend(v.iter().map(|v| detail(v.path.clone(), english(v))));
            v.is_empty().then(|| unit.clone())
        }
    };
    let from = parse_date(&params, "from", &mut details);
    let to = parse_date(&params, "to", &mut details);
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            details.push(detail("to", "Must not be earlier than from"));
        } else if (to - from).num_days() > MAX_STATISTICS_DAYS {
            details.push(detail(
                "to",
                format!("Must be at most {MAX_STATISTICS_DAYS} days after from"),
            ));
        }
    }
    let (Some(unit), Some(from), Some(to), true) = (unit, from, to, details.is_empty()) else {
        let body = ErrorResponse {
            message: format!("The request has {} error(s)", details.len()),
            details,
            sent_messages: None,
        };
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    };
    respond(with_channel(&sb, &channel, false, |data| {
        Ok(ok(&aggregate(data, &unit, from, to)))
    }))
}

fn aggregate(data: &ChannelData, unit: &str, from: NaiveDate, to: NaiveDate) -> StatisticsPerUnit {
    let sent: Vec<&SentStat> = data
        .stats
        .values()
        .filter(|s| &*s.unit == unit && s.date >= from && s.date <= to)
        .collect();
    let mut viewers: HashSet<&str> = HashSet::new();
    let mut clickers: HashSet<&str> = HashSet::new();
    // seq → (impressions, viewers)
    let mut per_message: BTreeMap<i32, (i64, HashSet<&str>)> = BTreeMap::new();
    // (seq, url) → (clicks, users)
    let mut per_click: BTreeMap<(i32, &str), (i64, HashSet<&str>)> = BTreeMap::new();
    // url → users, over every message of the unit
    let mut per_url: HashMap<&str, HashSet<&str>> = HashMap::new();
    for s in &sent {
        viewers.extend(s.viewers.iter().map(String::as_str));
        let m = per_message.entry(s.seq).or_default();
        m.0 += s.impressions;
        m.1.extend(s.viewers.iter().map(String::as_str));
        for (url, click) in &s.clicks {
            clickers.extend(click.users.iter().map(String::as_str));
            let c = per_click.entry((s.seq, url.as_str())).or_default();
            c.0 += click.total;
            c.1.extend(click.users.iter().map(String::as_str));
            per_url
                .entry(url.as_str())
                .or_default()
                .extend(click.users.iter().map(String::as_str));
        }
    }
    StatisticsPerUnit {
        overview: StatisticsOverview {
            unique_impression: at_least_20(viewers.len()),
            unique_click: at_least_20(clickers.len()),
            unique_media_played: None,
            unique_media_played100_percent: None,
        },
        messages: per_message
            .into_iter()
            .map(|(seq, (impressions, viewers))| MessageStatistics {
                seq,
                impression: at_least_20_i64(impressions),
                unique_impression: at_least_20(viewers.len()),
                media_played: None,
                unique_media_played: None,
            })
            .collect(),
        clicks: per_click
            .into_iter()
            .map(|((seq, url), (clicks, users))| ClickStatistics {
                seq,
                url: url.to_owned(),
                click: at_least_20_i64(clicks),
                unique_click: at_least_20(users.len()),
                unique_click_of_request: at_least_20(per_url.get(url).map_or(0, HashSet::len)),
            })
            .collect(),
    }
}

// ----- LINE Login -----

fn oauth_error(description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(OAuthError {
            error: "invalid_request".into(),
            error_description: description.into(),
        }),
    )
        .into_response()
}

async fn verify_id_token(State(sb): State<Sandbox>, body: Bytes) -> Response {
    let params: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let Some(token) = params.get("id_token").filter(|t| !t.is_empty()) else {
        return oauth_error("Required parameter id_token is missing.");
    };
    let Some(client_id) = params.get("client_id").filter(|c| !c.is_empty()) else {
        return oauth_error("Required parameter client_id is missing.");
    };
    let nonce = params.get("nonce").map(String::as_str);
    match crate::id_token::verify(
        sb.id_token_key(),
        token,
        client_id,
        nonce,
        Utc::now().timestamp(),
    ) {
        Ok(verified) => ok(&verified),
        Err(refusal) => oauth_error(refusal.description()),
    }
}

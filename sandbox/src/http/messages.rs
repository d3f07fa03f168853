//! Sending: push, multicast and reply (retry keys, chats, usage, statistics), plus profile and
//! quota.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::{DateTime, TimeDelta, Utc};
use line::api::{
    ACCEPTED_REQUEST_ID_HEADER, ErrorResponse, MulticastRequest, Profile, PushRequest, Quota,
    QuotaConsumption, RETRY_KEY_HEADER, ReplyRequest, SentMessage, SentMessagesResponse,
};
use line::validate::{self, Violation};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::reply::{
    Answer, bad_request, not_found_error, ok, ok_empty, parse_body, unauthorized,
    violations_response,
};
use super::{Caller, RequestId, channel_data};
use crate::state::{AcceptedRetry, ChannelData, Entry, SentStat, Via, jst, jst_month, push_entry};
use crate::{Sandbox, ids};

/// The retry key of a push or multicast: absent, or a UUID (lowercased).
fn retry_key(headers: &HeaderMap) -> Result<Option<String>, Response> {
    let Some(value) = headers.get(RETRY_KEY_HEADER) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|v| uuid::Uuid::parse_str(v.trim()).ok())
        .map(|u| Some(u.hyphenated().to_string()))
        .ok_or_else(|| bad_request("The retry key must be a UUID (X-Line-Retry-Key)"))
}

/// The custom aggregation unit of a request, if any, after LINE's checks of
/// `customAggregationUnits` (shared with the client: `line::validate::aggregation_units`).
fn aggregation_unit(units: Option<&[String]>, violations: &mut Vec<Violation>) -> Option<Arc<str>> {
    violations.extend(validate::aggregation_units(units));
    units?.first().map(|u| Arc::from(u.as_str()))
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
    let now = sb.clock().utc();
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
                response.headers_mut().insert(ACCEPTED_REQUEST_ID_HEADER, v);
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

/// What push and multicast differ in: the body's type, its limits and its recipients. The rest
/// of their path is [`accept_send`].
trait SendRequest: DeserializeOwned {
    /// LINE's limits of the body, its aggregation units aside.
    fn violations(&self) -> Vec<Violation>;
    fn aggregation_units(&self) -> Option<&[String]>;
    fn recipients(&self) -> Recipients<'_>;
}

impl SendRequest for PushRequest {
    fn violations(&self) -> Vec<Violation> {
        validate::messages(&self.messages)
    }

    fn aggregation_units(&self) -> Option<&[String]> {
        self.custom_aggregation_units.as_deref()
    }

    fn recipients(&self) -> Recipients<'_> {
        Recipients::One(&self.to)
    }
}

impl SendRequest for MulticastRequest {
    fn violations(&self) -> Vec<Violation> {
        validate::multicast(&self.to, &self.messages)
    }

    fn aggregation_units(&self) -> Option<&[String]> {
        self.custom_aggregation_units.as_deref()
    }

    fn recipients(&self) -> Recipients<'_> {
        Recipients::Many(&self.to)
    }
}

/// Push and multicast, in LINE's order: the retry key, the body, its limits, then [`send`].
/// Gives the messages as sent.
fn accept_send<R: SendRequest>(
    sb: &Sandbox,
    channel: &str,
    request_id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Outgoing, Response> {
    let retry = retry_key(headers)?;
    let (value, req) = parse_body::<R>(body)?;
    let mut violations = req.violations();
    let unit = aggregation_unit(req.aggregation_units(), &mut violations);
    if !violations.is_empty() {
        return Err(violations_response(&violations));
    }
    let out = Outgoing::new(&value, unit);
    send(sb, channel, request_id, retry, req.recipients(), &out)?;
    Ok(out)
}

pub(super) async fn push(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let out = accept_send::<PushRequest>(&sb, &channel, &request_id, &headers, &body)?;
    Ok(ok(&SentMessagesResponse {
        sent_messages: out.sent_messages(),
    }))
}

pub(super) async fn multicast(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    accept_send::<MulticastRequest>(&sb, &channel, &request_id, &headers, &body)?;
    Ok(ok_empty())
}

pub(super) async fn reply(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    body: Bytes,
) -> Answer {
    let (value, req) = parse_body::<ReplyRequest>(&body)?;
    let violations = validate::messages(&req.messages);
    if !violations.is_empty() {
        return Err(violations_response(&violations));
    }
    let out = Outgoing::new(&value, None);
    let now = sb.clock().utc();
    let max = sb.config().max_chat_entries_per_friend;
    sb.with_state(|st| {
        let token = st
            .reply_tokens
            .remove(&req.reply_token)
            .ok_or_else(|| bad_request("Invalid reply token"))?;
        if token.channel.as_str() != &*channel {
            // Another channel's token: not ours to use up.
            st.reply_tokens.insert(req.reply_token.clone(), token);
            return Err(bad_request("Invalid reply token"));
        }
        if token.expires <= sb.clock().now() {
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
    })?;
    sb.mark_dirty();
    Ok(ok(&SentMessagesResponse {
        sent_messages: out.sent_messages(),
    }))
}

pub(super) async fn quota() -> Answer {
    Ok(ok(&Quota {
        quota_type: "none".into(),
        value: None,
    }))
}

pub(super) async fn consumption(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
) -> Answer {
    let month = jst_month(sb.clock().utc());
    let total_usage = sb.with_state(|st| {
        channel_data(st, &channel)
            .and_then(|d| d.usage.get(&month).copied())
            .unwrap_or(0)
    });
    Ok(ok(&QuotaConsumption { total_usage }))
}

pub(super) async fn profile(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(user_id): Path<String>,
) -> Answer {
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
    profile.map(|p| ok(&p)).ok_or_else(not_found_error)
}

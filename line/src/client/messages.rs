//! Sending: push and multicast (with the retry key, answering [`SendOutcome`]) and reply; plus
//! the profile and quota reads that go with sending.

use reqwest::{Method, StatusCode};

use super::{Call, Client, ClientError, RetryKey, check, required, segment};
use crate::api::{
    ACCEPTED_REQUEST_ID_HEADER, MulticastRequest, Profile, PushRequest, Quota, QuotaConsumption,
    ReplyRequest, SentMessage, SentMessagesResponse,
};
use crate::validate;

/// A push or multicast LINE has taken: both variants mean "sent".
#[derive(Clone, Debug, PartialEq)]
pub enum SendOutcome {
    Accepted {
        request_id: Option<String>,
        sent_messages: Vec<SentMessage>,
    },
    /// 409 for our retry key: an earlier attempt (perhaps before a crash) was accepted.
    AlreadyAccepted {
        accepted_request_id: Option<String>,
        sent_messages: Vec<SentMessage>,
    },
}

impl SendOutcome {
    /// The id of the request LINE accepted, whichever attempt it was.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            SendOutcome::Accepted { request_id, .. } => request_id.as_deref(),
            SendOutcome::AlreadyAccepted {
                accepted_request_id,
                ..
            } => accepted_request_id.as_deref(),
        }
    }

    pub fn sent_messages(&self) -> &[SentMessage] {
        match self {
            SendOutcome::Accepted { sent_messages, .. }
            | SendOutcome::AlreadyAccepted { sent_messages, .. } => sent_messages,
        }
    }
}

impl Client {
    /// `POST /v2/bot/message/push` with `key` on every attempt.
    pub async fn push(
        &self,
        req: &PushRequest,
        key: &RetryKey,
    ) -> Result<SendOutcome, ClientError> {
        let mut v = required("to", &req.to);
        v.extend(validate::messages(&req.messages));
        v.extend(validate::aggregation_units(
            req.custom_aggregation_units.as_deref(),
        ));
        check(v)?;
        let call = Call::new(
            Method::POST,
            "/v2/bot/message/push".into(),
            "/v2/bot/message/push",
        );
        self.send(call.json(req)?, key).await
    }

    /// `POST /v2/bot/message/multicast` with `key` on every attempt.
    pub async fn multicast(
        &self,
        req: &MulticastRequest,
        key: &RetryKey,
    ) -> Result<SendOutcome, ClientError> {
        let mut v = validate::multicast(&req.to, &req.messages);
        v.extend(validate::aggregation_units(
            req.custom_aggregation_units.as_deref(),
        ));
        check(v)?;
        let call = Call::new(
            Method::POST,
            "/v2/bot/message/multicast".into(),
            "/v2/bot/message/multicast",
        );
        self.send(call.json(req)?, key).await
    }

    /// `POST /v2/bot/message/reply`, without a retry key (LINE refuses one here; a reply token
    /// works once anyway).
    pub async fn reply(&self, req: &ReplyRequest) -> Result<SentMessagesResponse, ClientError> {
        let mut v = required("replyToken", &req.reply_token);
        v.extend(validate::messages(&req.messages));
        check(v)?;
        let endpoint = "/v2/bot/message/reply";
        let answer = self
            .execute(Call::new(Method::POST, endpoint.into(), endpoint).json(req)?)
            .await?;
        Ok(SentMessagesResponse {
            sent_messages: answer.sent_messages(endpoint),
        })
    }

    /// `GET /v2/bot/profile/{userId}`.
    pub async fn profile(&self, user_id: &str) -> Result<Profile, ClientError> {
        check(required("userId", user_id))?;
        let endpoint = "/v2/bot/profile/{userId}";
        let path = format!("/v2/bot/profile/{}", segment(user_id));
        self.execute(Call::new(Method::GET, path, endpoint))
            .await?
            .decode(endpoint)
    }

    /// `GET /v2/bot/message/quota`.
    pub async fn quota(&self) -> Result<Quota, ClientError> {
        let endpoint = "/v2/bot/message/quota";
        self.execute(Call::new(Method::GET, endpoint.into(), endpoint))
            .await?
            .decode(endpoint)
    }

    /// `GET /v2/bot/message/quota/consumption`.
    pub async fn quota_consumption(&self) -> Result<QuotaConsumption, ClientError> {
        let endpoint = "/v2/bot/message/quota/consumption";
        self.execute(Call::new(Method::GET, endpoint.into(), endpoint))
            .await?
            .decode(endpoint)
    }

    /// Push and multicast: a 409 for our retry key means an earlier attempt went through.
    async fn send(&self, mut call: Call<'_>, key: &RetryKey) -> Result<SendOutcome, ClientError> {
        call.retry_key = Some(key);
        let endpoint = call.endpoint;
        let answer = self.execute(call).await?;
        let sent_messages = answer.sent_messages(endpoint);
        if answer.status == StatusCode::CONFLICT {
            Ok(SendOutcome::AlreadyAccepted {
                accepted_request_id: answer.header(ACCEPTED_REQUEST_ID_HEADER),
                sent_messages,
            })
        } else {
            Ok(SendOutcome::Accepted {
                request_id: answer.request_id(),
                sent_messages,
            })
        }
    }
}

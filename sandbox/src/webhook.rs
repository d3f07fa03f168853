//! Webhook deliveries: events built as LINE builds them (`dispatch`), signed and POSTed to the
//! channel's webhook URL (`post`), and redelivery.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::state::{self, ChannelData, ReplyToken, State};
use crate::{Delivery, Sandbox, SandboxChannel, SandboxError, ids};

/// Where and how to deliver one channel's webhooks.
struct Target {
    url: Option<String>,
    secret: String,
    destination: String,
}

impl Sandbox {
    /// Sends the friend's last event again, with the same `webhookEventId` and
    /// `deliveryContext.isRedelivery = true` (as LINE's redelivery does).
    pub async fn redeliver_last(
        &self,
        channel_key: &str,
        user_id: &str,
    ) -> Result<Delivery, SandboxError> {
        let (target, mut event) = self.with_state(|st| {
            let (config, data) = st.channel(channel_key)?;
            let friend = data
                .friends
                .get(user_id)
                .ok_or(SandboxError::UnknownFriend)?;
            let event = friend
                .last_event
                .as_deref()
                .cloned()
                .ok_or(SandboxError::NoEvent)?;
            Ok::<_, SandboxError>((target_of(config), event))
        })?;
        event["deliveryContext"] = json!({ "isRedelivery": true });
        let id = event["webhookEventId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let reply_token = event["replyToken"].as_str().map(str::to_owned);
        Ok(self.post(target, event, id, reply_token).await)
    }

    /// Builds an event, lets `prepare` change the state and add the event's own fields (under
    /// the lock, atomically with issuing the reply token), then delivers it (without the lock).
    pub(crate) async fn dispatch<F>(
        &self,
        channel_key: &str,
        user_id: &str,
        event_type: &str,
        replyable: bool,
        prepare: F,
    ) -> Result<Delivery, SandboxError>
    where
        F: FnOnce(
            &mut ChannelData,
            &mut u64,
            DateTime<Utc>,
        ) -> Result<Map<String, Value>, SandboxError>,
    {
        let now = self.clock().utc();
        let now_ms = now.timestamp_millis();
        let webhook_event_id = self
            .inner
            .ulids
            .next(u64::try_from(now_ms).unwrap_or_default());
        let reply_token = replyable.then(ids::reply_token);
        let ttl = self.inner.config.reply_token_ttl;
        let (target, event) = self.with_state(|st| {
            let State {
                channels,
                reply_tokens,
                entry_seq,
                ..
            } = st;
            let (config, data) = match channels.get_mut(channel_key) {
                Some(state::Channel {
                    config: Some(config),
                    data,
                }) => (config, data),
                _ => return Err(SandboxError::UnknownChannel),
            };
            if !data.friends.contains_key(user_id) {
                return Err(SandboxError::UnknownFriend);
            }
            let mut event = prepare(data, entry_seq, now)?;
            event.insert("type".into(), json!(event_type));
            event.insert("mode".into(), json!("active"));
            event.insert("timestamp".into(), json!(now_ms));
            event.insert(
                "source".into(),
                json!({ "type": "user", "userId": user_id }),
            );
            event.insert("webhookEventId".into(), json!(webhook_event_id));
            event.insert("deliveryContext".into(), json!({ "isRedelivery": false }));
            if let Some(token) = &reply_token {
                event.insert("replyToken".into(), json!(token));
                let at = self.clock().now();
                let expires = at + ttl;
                if reply_tokens.len() >= 10_000 {
                    reply_tokens.retain(|_, t| t.expires > at);
                }
                reply_tokens.insert(
                    token.clone(),
                    ReplyToken {
                        channel: channel_key.to_owned(),
                        user_id: user_id.to_owned(),
                        expires,
                    },
                );
            }
            let event = Value::Object(event);
            if let Some(friend) = data.friends.get_mut(user_id) {
                friend.last_event = Some(Arc::new(event.clone()));
            }
            Ok((target_of(config), event))
        })?;
        self.mark_dirty();
        Ok(self
            .post(target, event, webhook_event_id, reply_token)
            .await)
    }

    /// POSTs one event to the channel's webhook, signed as LINE signs it.
    async fn post(
        &self,
        target: Target,
        event: Value,
        webhook_event_id: String,
        reply_token: Option<String>,
    ) -> Delivery {
        let mut delivery = Delivery {
            webhook_event_id,
            status: None,
            error: None,
            reply_token,
        };
        let Some(url) = target.url else {
            delivery.error = Some("Webhook URL が設定されていないため、送信していません。".into());
            return delivery;
        };
        let body = json!({ "destination": target.destination, "events": [event] });
        let body = match serde_json::to_vec(&body) {
            Ok(b) => b,
            Err(e) => {
                delivery.error = Some(format!("イベントを JSON にできません: {e}"));
                return delivery;
            }
        };
        let signature = line::signature::sign(&target.secret, &body);
        // How long our endpoint really took (LINE's 2 s), whatever the sandbox's clock says.
        let started = Instant::now();
        let result = self
            .inner
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(line::signature::SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await;
        match result {
            Ok(response) => {
                let status = response.status();
                // Read the answer, as LINE does, before timing the delivery.
                let _ = response.bytes().await;
                let elapsed = started.elapsed();
                delivery.status = Some(status.as_u16());
                if !status.is_success() {
                    delivery.error = Some(format!(
                        "Webhook が HTTP {} を返しました（LINE では配信失敗）。",
                        status.as_u16()
                    ));
                } else if elapsed > Duration::from_secs(2) {
                    delivery.error = Some(format!(
                        "Webhook の応答に {:.1} 秒かかりました（LINE では 2 秒を超えると配信失敗）。",
                        elapsed.as_secs_f64()
                    ));
                }
            }
            Err(e) if e.is_timeout() => {
                delivery.error = Some("Webhook が 10 秒以内に応答しませんでした。".into());
            }
            Err(e) => {
                delivery.error = Some(format!("Webhook に接続できません: {e}"));
            }
        }
        if let Some(error) = &delivery.error {
            tracing::debug!(url = %url, %error, "LINE sandbox: webhook delivery failed");
        }
        delivery
    }
}

fn target_of(config: &SandboxChannel) -> Target {
    Target {
        url: config.webhook_url.clone().filter(|u| !u.is_empty()),
        secret: config.channel_secret.clone(),
        destination: config.bot_user_id.clone(),
    }
}

//! Simulated friends and what they do: create, follow, unfollow, write, tap (each checked and
//! dispatched by [`Sandbox::act`] for the simulator), open messages and URLs, and the ID tokens
//! LIFF would give them.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use line::message::Action;
use line::validate::MAX_TEXT_LENGTH;
use serde_json::{Map, Value, json};

use crate::state::{self, ChannelData, Entry, Friend, Via, push_entry};
use crate::{
    ChatEntry, Delivery, MAX_DISPLAY_NAME_LENGTH, NewSimFriend, Sandbox, SandboxError, SimAction,
    SimFriend, id_token, ids,
};

impl Sandbox {
    /// The channel's simulated friends, oldest first (empty for an unknown channel).
    pub fn friends(&self, channel_key: &str) -> Vec<SimFriend> {
        let st = self.inner.lock();
        let Ok((_, data)) = st.channel(channel_key) else {
            return Vec::new();
        };
        let mut friends: Vec<_> = data.friends.values().collect();
        friends.sort_by_key(|f| f.order);
        friends.into_iter().map(|f| (*f.profile).clone()).collect()
    }

    pub fn friend(&self, channel_key: &str, user_id: &str) -> Result<SimFriend, SandboxError> {
        let st = self.inner.lock();
        let (_, data) = st.channel(channel_key)?;
        data.friends
            .get(user_id)
            .map(|f| (*f.profile).clone())
            .ok_or(SandboxError::UnknownFriend)
    }

    /// A new simulated user of the channel, not yet following (see [`Sandbox::follow`]).
    pub fn create_friend(
        &self,
        channel_key: &str,
        new: NewSimFriend,
    ) -> Result<SimFriend, SandboxError> {
        let display_name = new.display_name.trim();
        if !(1..=MAX_DISPLAY_NAME_LENGTH).contains(&display_name.chars().count()) {
            return Err(SandboxError::Invalid(format!(
                "表示名は1〜{MAX_DISPLAY_NAME_LENGTH}文字で入力してください。"
            )));
        }
        let profile = SimFriend {
            user_id: ids::user_id(),
            display_name: display_name.to_owned(),
            picture_url: new.picture_url.filter(|s| !s.is_empty()),
            status_message: new.status_message.filter(|s| !s.is_empty()),
            language: new.language.filter(|s| !s.is_empty()),
            following: false,
            created_at: self.clock().utc(),
            followed_at: None,
            unfollowed_at: None,
            rich_menu_id: None,
        };
        self.with_state(|st| {
            let (_, data) = st.channel_mut(channel_key)?;
            insert_friend(data, profile.clone());
            Ok::<_, SandboxError>(())
        })?;
        self.mark_dirty();
        Ok(profile)
    }

    /// `count` friends who already follow the account, without webhook deliveries: for load
    /// tests and benchmarks. Named `名前{n}`; returns their user ids.
    pub fn seed_friends(
        &self,
        channel_key: &str,
        count: usize,
    ) -> Result<Vec<String>, SandboxError> {
        let now = self.clock().utc();
        let ids = self.with_state(|st| {
            let (_, data) = st.channel_mut(channel_key)?;
            data.friends.reserve(count);
            let first = data.friend_seq;
            Ok::<_, SandboxError>(
                (0..count)
                    .map(|i| {
                        let profile = SimFriend {
                            user_id: ids::user_id(),
                            display_name: format!("友だち{}", first + i as u64 + 1),
                            picture_url: None,
                            status_message: None,
                            language: Some("ja".into()),
                            following: true,
                            created_at: now,
                            followed_at: Some(now),
                            unfollowed_at: None,
                            rich_menu_id: None,
                        };
                        let id = profile.user_id.clone();
                        insert_friend(data, profile);
                        id
                    })
                    .collect::<Vec<_>>(),
            )
        })?;
        self.mark_dirty();
        Ok(ids)
    }

    /// The friend adds (or unblocks) the account: a `follow` event with a reply token;
    /// `follow.isUnblocked` when they had blocked it before.
    pub async fn follow(&self, channel_key: &str, user_id: &str) -> Result<Delivery, SandboxError> {
        let user = user_id.to_owned();
        self.dispatch(channel_key, user_id, "follow", true, move |data, _, now| {
            let friend = data
                .friends
                .get_mut(&user)
                .ok_or(SandboxError::UnknownFriend)?;
            if friend.profile.following {
                return Err(SandboxError::AlreadyFollowing);
            }
            let is_unblocked = friend.profile.unfollowed_at.is_some();
            Arc::make_mut(&mut friend.profile).following = true;
            Arc::make_mut(&mut friend.profile).followed_at = Some(now);
            Ok(fields([("follow", json!({ "isUnblocked": is_unblocked }))]))
        })
        .await
    }

    /// The friend blocks the account: an `unfollow` event (no reply token).
    pub async fn unfollow(
        &self,
        channel_key: &str,
        user_id: &str,
    ) -> Result<Delivery, SandboxError> {
        let user = user_id.to_owned();
        self.dispatch(
            channel_key,
            user_id,
            "unfollow",
            false,
            move |data, _, now| {
                let friend = following(data, &user)?;
                Arc::make_mut(&mut friend.profile).following = false;
                Arc::make_mut(&mut friend.profile).unfollowed_at = Some(now);
                Ok(Map::new())
            },
        )
        .await
    }

    /// The friend writes `text`: a text `message` event (with `id` and `quoteToken`) and a reply
    /// token; the text is kept in the chat as from the friend.
    pub async fn send_text(
        &self,
        channel_key: &str,
        user_id: &str,
        text: &str,
    ) -> Result<Delivery, SandboxError> {
        if text.is_empty() {
            return Err(SandboxError::Invalid(
                "メッセージを入力してください。".into(),
            ));
        }
        let message = json!({
            "id": ids::message_id(),
            "type": "text",
            "quoteToken": ids::quote_token(),
            "text": text,
        });
        let user = user_id.to_owned();
        let max = self.inner.config.max_chat_entries_per_friend;
        self.dispatch(
            channel_key,
            user_id,
            "message",
            true,
            move |data, seq, now| {
                let friend = following(data, &user)?;
                push_entry(
                    Arc::make_mut(&mut friend.chat),
                    friend_entry(seq, now, message.clone()),
                    max,
                );
                Ok(fields([("message", message)]))
            },
        )
        .await
    }

    /// The friend taps a postback action: a `postback` event with `data` (and `params` for
    /// date/time pickers and rich menu switches); kept in the chat as from the friend
    /// (`displayText` is what LINE shows there).
    pub async fn postback(
        &self,
        channel_key: &str,
        user_id: &str,
        data: &str,
        display_text: Option<&str>,
        params: Option<Value>,
    ) -> Result<Delivery, SandboxError> {
        self.postback_inner(channel_key, user_id, data, display_text, params, None)
            .await
    }

    async fn postback_inner(
        &self,
        channel_key: &str,
        user_id: &str,
        data: &str,
        display_text: Option<&str>,
        params: Option<Value>,
        switch_alias: Option<String>,
    ) -> Result<Delivery, SandboxError> {
        let user = user_id.to_owned();
        let data_text = data.to_owned();
        let display_text = display_text.map(str::to_owned);
        let max = self.inner.config.max_chat_entries_per_friend;
        self.dispatch(
            channel_key,
            user_id,
            "postback",
            true,
            move |ch, seq, now| {
                let mut params = params;
                if let Some(alias) = switch_alias {
                    let target = ch.aliases.get(&alias).cloned();
                    let status = match &target {
                        None => "RICHMENU_ALIAS_ID_NOTFOUND",
                        Some(id) if !ch.rich_menus.contains_key(id) => "RICHMENU_NOTFOUND",
                        Some(_) => "SUCCESS",
                    };
                    let friend = following(ch, &user)?;
                    if status == "SUCCESS" {
                        friend.switched_rich_menu = target;
                    }
                    params = Some(json!({ "newRichMenuAliasId": alias, "status": status }));
                }
                let friend = following(ch, &user)?;
                let mut postback = Map::new();
                postback.insert("data".into(), Value::String(data_text));
                if let Some(p) = &params {
                    postback.insert("params".into(), p.clone());
                }
                let mut shown = json!({ "type": "postback" });
                if let Value::Object(shown) = &mut shown {
                    shown.extend(postback.clone());
                    if let Some(t) = &display_text {
                        shown.insert("displayText".into(), Value::String(t.clone()));
                    }
                }
                push_entry(
                    Arc::make_mut(&mut friend.chat),
                    friend_entry(seq, now, shown),
                    max,
                );
                Ok(fields([("postback", Value::Object(postback))]))
            },
        )
        .await
    }

    /// What the simulator asks a friend to do, checked first as the simulator's form promises
    /// (a text not blank and at most [`MAX_TEXT_LENGTH`] characters). `None`: the action
    /// delivers no webhook (a `uri` tap, a camera button...).
    pub async fn act(
        &self,
        channel_key: &str,
        user_id: &str,
        action: SimAction,
    ) -> Result<Option<Delivery>, SandboxError> {
        match action {
            SimAction::Follow => self.follow(channel_key, user_id).await.map(Some),
            SimAction::Unfollow => self.unfollow(channel_key, user_id).await.map(Some),
            SimAction::Text(text) => {
                if text.trim().is_empty() || text.chars().count() > MAX_TEXT_LENGTH {
                    return Err(SandboxError::Invalid(format!(
                        "メッセージは1〜{MAX_TEXT_LENGTH}文字で入力してください。"
                    )));
                }
                self.send_text(channel_key, user_id, &text).await.map(Some)
            }
            SimAction::Tap(action) => self.tap_action(channel_key, user_id, &action).await,
        }
    }

    /// The friend taps an action (a button, quick reply, rich menu area): `message` sends its
    /// text, `postback` its data, `datetimepicker` a postback with the initial (or current)
    /// value in `params`, `richmenuswitch` a postback with `newRichMenuAliasId` and shows the
    /// aliased menu; `uri` counts a click (without a sent message: use [`Sandbox::open_url`] to
    /// attribute it) and delivers nothing; the others (camera, location...) do nothing here.
    pub async fn tap_action(
        &self,
        channel_key: &str,
        user_id: &str,
        action: &Action,
    ) -> Result<Option<Delivery>, SandboxError> {
        match action {
            Action::Message { text, .. } => {
                self.send_text(channel_key, user_id, text).await.map(Some)
            }
            Action::Postback {
                data, display_text, ..
            } => self
                .postback(channel_key, user_id, data, display_text.as_deref(), None)
                .await
                .map(Some),
            Action::DatetimePicker {
                data,
                mode,
                initial,
                ..
            } => {
                let params = picker_params(mode, initial.as_deref(), self.clock().utc());
                self.postback(channel_key, user_id, data, None, Some(params))
                    .await
                    .map(Some)
            }
            Action::RichMenuSwitch {
                rich_menu_alias_id,
                data,
                ..
            } => self
                .postback_inner(
                    channel_key,
                    user_id,
                    data,
                    None,
                    None,
                    Some(rich_menu_alias_id.clone()),
                )
                .await
                .map(Some),
            Action::Uri { uri, .. } => {
                self.friend(channel_key, user_id)?;
                self.open_url(channel_key, user_id, None, uri);
                Ok(None)
            }
            Action::Camera { .. }
            | Action::CameraRoll { .. }
            | Action::Location { .. }
            | Action::Clipboard { .. } => {
                self.friend(channel_key, user_id)?;
                Ok(None)
            }
        }
    }

    /// The friend sees a message they received (an impression, for statistics). Ignored unless
    /// the message is in their chat and was sent with a custom aggregation unit.
    pub fn open_message(&self, channel_key: &str, user_id: &str, sent_message_id: &str) {
        let changed = self.with_state(|st| {
            let Ok((_, data)) = st.channel_mut(channel_key) else {
                return false;
            };
            if !received(data, user_id, sent_message_id) {
                return false;
            }
            let Some(stat) = data.stats.get_mut(sent_message_id) else {
                return false;
            };
            stat.impressions += 1;
            stat.viewers.insert(user_id.to_owned());
            true
        });
        if changed {
            self.mark_dirty();
        }
    }

    /// The friend reads their chat (the simulator shows it): each message sent with a custom
    /// aggregation unit that they have not seen yet counts one impression, as LINE counts a
    /// message shown on screen.
    pub fn read_chat(&self, channel_key: &str, user_id: &str) {
        let changed = self.with_state(|st| {
            let Ok((_, data)) = st.channel_mut(channel_key) else {
                return false;
            };
            let Some(friend) = data.friends.get(user_id) else {
                return false;
            };
            let ids: Vec<Arc<str>> = friend
                .chat
                .iter()
                .filter_map(|e| e.sent_message_id.clone())
                .collect();
            let mut changed = false;
            for id in ids {
                if let Some(stat) = data.stats.get_mut(&id)
                    && stat.viewers.insert(user_id.to_owned())
                {
                    stat.impressions += 1;
                    changed = true;
                }
            }
            changed
        });
        if changed {
            self.mark_dirty();
        }
    }

    /// The friend opens `url` from a message (a click, for statistics; counted when the message
    /// is in their chat and was sent with a custom aggregation unit).
    pub fn open_url(
        &self,
        channel_key: &str,
        user_id: &str,
        sent_message_id: Option<&str>,
        url: &str,
    ) {
        let Some(sent_message_id) = sent_message_id else {
            return;
        };
        let changed = self.with_state(|st| {
            let Ok((_, data)) = st.channel_mut(channel_key) else {
                return false;
            };
            if !received(data, user_id, sent_message_id) {
                return false;
            }
            let Some(stat) = data.stats.get_mut(sent_message_id) else {
                return false;
            };
            let click = stat.clicks.entry(url.to_owned()).or_default();
            click.total += 1;
            click.users.insert(user_id.to_owned());
            true
        });
        if changed {
            self.mark_dirty();
        }
    }

    /// The friend's chat with the account, oldest first.
    pub fn chat(&self, channel_key: &str, user_id: &str) -> Vec<ChatEntry> {
        let st = self.inner.lock();
        let Ok((_, data)) = st.channel(channel_key) else {
            return Vec::new();
        };
        data.friends
            .get(user_id)
            .map(|f| f.chat.iter().map(Entry::to_public).collect())
            .unwrap_or_default()
    }

    /// An ID token for the friend, as `liff.getIDToken()` would give (aud = the channel's LINE
    /// Login channel id), which `POST /oauth2/v2.1/verify` accepts until it expires.
    pub fn mint_id_token(
        &self,
        channel_key: &str,
        user_id: &str,
        nonce: Option<&str>,
    ) -> Result<String, SandboxError> {
        let (aud, name, picture) = self.with_state(|st| {
            let (config, data) = st.channel(channel_key)?;
            let aud = config
                .login_channel_id
                .clone()
                .ok_or(SandboxError::NoLoginChannel)?;
            let friend = data
                .friends
                .get(user_id)
                .ok_or(SandboxError::UnknownFriend)?;
            Ok::<_, SandboxError>((
                aud,
                friend.profile.display_name.clone(),
                friend.profile.picture_url.clone(),
            ))
        })?;
        let iat = self.clock().utc().timestamp();
        let ttl = i64::try_from(self.inner.config.id_token_ttl.as_secs()).unwrap_or(i64::MAX / 2);
        Ok(id_token::mint(
            &self.inner.id_token_key,
            &id_token::Mint {
                sub: user_id,
                aud: &aud,
                iat,
                exp: iat.saturating_add(ttl),
                nonce,
                name: Some(&name),
                picture: picture.as_deref(),
            },
        ))
    }
}

fn insert_friend(data: &mut ChannelData, profile: SimFriend) {
    data.friend_seq += 1;
    data.friends.insert(
        profile.user_id.clone(),
        Friend {
            profile: Arc::new(profile),
            order: data.friend_seq,
            chat: Default::default(),
            last_event: None,
            switched_rich_menu: None,
        },
    );
}

fn following<'a>(data: &'a mut ChannelData, user_id: &str) -> Result<&'a mut Friend, SandboxError> {
    let friend = data
        .friends
        .get_mut(user_id)
        .ok_or(SandboxError::UnknownFriend)?;
    if friend.profile.following {
        Ok(friend)
    } else {
        Err(SandboxError::NotFollowing)
    }
}

fn received(data: &ChannelData, user_id: &str, sent_message_id: &str) -> bool {
    data.friends.get(user_id).is_some_and(|f| {
        f.chat
            .iter()
            .any(|e| e.sent_message_id.as_deref() == Some(sent_message_id))
    })
}

fn friend_entry(seq: &mut u64, at: DateTime<Utc>, message: Value) -> Entry {
    *seq += 1;
    Entry {
        seq: *seq,
        at,
        via: Via::Friend,
        message: Arc::new(message),
        unit: None,
        sent_message_id: None,
    }
}

fn fields<const N: usize>(items: [(&str, Value); N]) -> Map<String, Value> {
    items.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// `params` of a date/time picker postback: the initial value, or now (Japan time).
fn picker_params(mode: &str, initial: Option<&str>, now: DateTime<Utc>) -> Value {
    let now = now.with_timezone(&state::jst());
    let (key, default) = match mode {
        "date" => ("date", now.format("%Y-%m-%d").to_string()),
        "time" => ("time", now.format("%H:%M").to_string()),
        _ => ("datetime", now.format("%Y-%m-%dT%H:%M").to_string()),
    };
    json!({ key: initial.map(str::to_owned).unwrap_or(default) })
}

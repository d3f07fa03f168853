//! What the domain's tests share: a scripted LINE behind the `Messenger` port.

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use domain::delivery::messenger::Messenger;
use line::api::{
    MulticastRequest, NumberOfFollowers, Profile, PushRequest, ReplyRequest, SentMessagesResponse,
    StatisticsPerUnit,
};
use line::client::{ClientError, RetryKey, SendOutcome};

/// What a LINE-like scripted LINE does with one send (by the order sends arrive).
#[derive(Clone, Debug)]
pub enum Script {
    /// Refuses it with this error (nothing delivered).
    Refuse(ClientError),
    /// Cannot be reached (nothing delivered): 429s, 5xx or timeouts until the client gave up.
    Unreachable,
    /// Delivers it, but the answer is lost (a timeout after LINE accepted).
    LostAnswer,
}

/// One push or multicast as LINE received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub to: Vec<String>,
    pub key: String,
    /// The request as JSON (messages, sender, aggregation units).
    pub body: serde_json::Value,
    pub started: Instant,
    pub ended: Instant,
}

/// LINE as a script: each call takes the next answer of its kind, and is remembered (sends with
/// their retry key, replies with their request).
///
/// Or, built with [`ScriptedLine::like_line`], LINE as it behaves: every send accepted unless
/// the script ([`Script`], by arrival order) says otherwise, a retry key LINE has accepted
/// answered 409 ("already accepted") without delivering again, and what each friend received
/// counted.
#[derive(Default)]
pub struct ScriptedLine {
    sends: Mutex<VecDeque<Result<SendOutcome, ClientError>>>,
    pub replies: Mutex<VecDeque<Result<SentMessagesResponse, ClientError>>>,
    pub profiles: Mutex<VecDeque<Result<Profile, ClientError>>>,
    sent: Mutex<Vec<(String, String)>>,
    pub replied: Mutex<Vec<ReplyRequest>>,
    like_line: bool,
    script: Mutex<HashMap<usize, Script>>,
    calls: Mutex<usize>,
    accepted_keys: Mutex<HashSet<String>>,
    delivered: Mutex<HashMap<String, usize>>,
    received: Mutex<Vec<Received>>,
    delay: Duration,
    /// Answers to statistics requests, in order.
    pub statistics: Mutex<VecDeque<Result<StatisticsPerUnit, ClientError>>>,
    /// The statistics requests made: (unit, from, to).
    pub statistics_asked: Mutex<Vec<(String, String, String)>>,
    /// Answers to follower statistics requests, in order.
    pub followers: Mutex<VecDeque<Result<NumberOfFollowers, ClientError>>>,
    /// The days follower statistics were asked for (`yyyyMMdd`).
    pub followers_asked: Mutex<Vec<String>>,
}

impl ScriptedLine {
    /// LINE as it behaves (see the type), each send taking `delay`.
    pub fn like_line(delay: Duration) -> Self {
        Self {
            like_line: true,
            delay,
            ..Self::default()
        }
    }

    /// What the `n`-th send (from 0, in arrival order) meets.
    pub fn script(self, n: usize, what: Script) -> Self {
        self.script.lock().unwrap().insert(n, what);
        self
    }

    /// How many times each friend received something.
    pub fn deliveries(&self) -> HashMap<String, usize> {
        self.delivered.lock().unwrap().clone()
    }

    /// Every send that arrived, in order.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    async fn like_line_send(
        &self,
        to: Vec<String>,
        key: &RetryKey,
        body: serde_json::Value,
    ) -> Result<SendOutcome, ClientError> {
        let started = Instant::now();
        let n = {
            let mut calls = self.calls.lock().unwrap();
            *calls += 1;
            *calls - 1
        };
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let key = key.to_string();
        let script = self.script.lock().unwrap().remove(&n);
        self.received.lock().unwrap().push(Received {
            to: to.clone(),
            key: key.clone(),
            body,
            started,
            ended: Instant::now(),
        });
        let deliver = |line: &Self| {
            let mut delivered = line.delivered.lock().unwrap();
            for user in &to {
                *delivered.entry(user.clone()).or_default() += 1;
            }
        };
        match script {
            Some(Script::Refuse(e)) => return Err(e),
            Some(Script::Unreachable) => {
                return Err(ClientError::GaveUp {
                    attempts: 5,
                    last: "503 Service Unavailable".into(),
                });
            }
            Some(Script::LostAnswer) => {
                if self.accepted_keys.lock().unwrap().insert(key) {
                    deliver(self);
                }
                return Err(ClientError::GaveUp {
                    attempts: 5,
                    last: "timeout".into(),
                });
            }
            None => {}
        }
        if self.accepted_keys.lock().unwrap().insert(key.clone()) {
            deliver(self);
            Ok(SendOutcome::Accepted {
                request_id: Some(format!("req-{n}")),
                sent_messages: Vec::new(),
            })
        } else {
            Ok(SendOutcome::AlreadyAccepted {
                accepted_request_id: Some(format!("accepted-{key}")),
                sent_messages: Vec::new(),
            })
        }
    }

    pub fn answering(answers: impl IntoIterator<Item = Result<SendOutcome, ClientError>>) -> Self {
        Self {
            sends: Mutex::new(answers.into_iter().collect()),
            ..Self::default()
        }
    }

    fn answer(&self, to: &str, key: &RetryKey) -> Result<SendOutcome, ClientError> {
        self.sent
            .lock()
            .unwrap()
            .push((to.to_owned(), key.to_string()));
        self.sends
            .lock()
            .unwrap()
            .pop_front()
            .expect("an answer for every send")
    }

    /// The retry keys of every send, in order.
    pub fn keys(&self) -> Vec<String> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .map(|(_, k)| k.clone())
            .collect()
    }
}

impl Messenger for ScriptedLine {
    fn push(
        &self,
        request: &PushRequest,
        key: &RetryKey,
    ) -> impl Future<Output = Result<SendOutcome, ClientError>> + Send {
        let like_line = self.like_line;
        let answer = (!like_line).then(|| self.answer(&request.to, key));
        let body = serde_json::to_value(request).unwrap();
        let to = vec![request.to.clone()];
        async move {
            match answer {
                Some(answer) => answer,
                None => self.like_line_send(to, key, body).await,
            }
        }
    }

    fn multicast(
        &self,
        request: &MulticastRequest,
        key: &RetryKey,
    ) -> impl Future<Output = Result<SendOutcome, ClientError>> + Send {
        let like_line = self.like_line;
        let answer = (!like_line).then(|| self.answer(&request.to.join(","), key));
        let body = serde_json::to_value(request).unwrap();
        let to = request.to.clone();
        async move {
            match answer {
                Some(answer) => answer,
                None => self.like_line_send(to, key, body).await,
            }
        }
    }

    fn reply(
        &self,
        request: &ReplyRequest,
    ) -> impl Future<Output = Result<SentMessagesResponse, ClientError>> + Send {
        self.replied.lock().unwrap().push(request.clone());
        let answer = self
            .replies
            .lock()
            .unwrap()
            .pop_front()
            .expect("an answer for every reply");
        async move { answer }
    }

    fn profile(&self, _user_id: &str) -> impl Future<Output = Result<Profile, ClientError>> + Send {
        let answer = self
            .profiles
            .lock()
            .unwrap()
            .pop_front()
            .expect("an answer for every profile");
        async move { answer }
    }

    fn statistics_per_unit(
        &self,
        unit: &str,
        from: &str,
        to: &str,
    ) -> impl Future<Output = Result<StatisticsPerUnit, ClientError>> + Send {
        self.statistics_asked
            .lock()
            .unwrap()
            .push((unit.into(), from.into(), to.into()));
        let answer = self
            .statistics
            .lock()
            .unwrap()
            .pop_front()
            .expect("an answer for every statistics request");
        async move { answer }
    }

    fn followers(
        &self,
        date: &str,
    ) -> impl Future<Output = Result<NumberOfFollowers, ClientError>> + Send {
        self.followers_asked.lock().unwrap().push(date.into());
        let answer = self
            .followers
            .lock()
            .unwrap()
            .pop_front()
            // Tests that do not look at follower statistics get LINE's "not computed yet".
            .unwrap_or_else(|| {
                Ok(NumberOfFollowers {
                    status: "unready".into(),
                    ..Default::default()
                })
            });
        async move { answer }
    }
}

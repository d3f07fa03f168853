//! What the domain's tests share: a scripted LINE behind the `Messenger` port.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Mutex;

use domain::delivery::messenger::Messenger;
use line::api::{MulticastRequest, Profile, PushRequest, ReplyRequest, SentMessagesResponse};
use line::client::{ClientError, RetryKey, SendOutcome};

/// LINE as a script: each call takes the next answer of its kind, and is remembered (sends with
/// their retry key, replies with their request).
#[derive(Default)]
pub struct ScriptedLine {
    sends: Mutex<VecDeque<Result<SendOutcome, ClientError>>>,
    pub replies: Mutex<VecDeque<Result<SentMessagesResponse, ClientError>>>,
    pub profiles: Mutex<VecDeque<Result<Profile, ClientError>>>,
    sent: Mutex<Vec<(String, String)>>,
    pub replied: Mutex<Vec<ReplyRequest>>,
}

impl ScriptedLine {
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
        let answer = self.answer(&request.to, key);
        async move { answer }
    }

    fn multicast(
        &self,
        request: &MulticastRequest,
        key: &RetryKey,
    ) -> impl Future<Output = Result<SendOutcome, ClientError>> + Send {
        let answer = self.answer(&request.to.join(","), key);
        async move { answer }
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
}

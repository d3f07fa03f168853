//! The port through which the domain sends to LINE (listmonk's "messenger"): the delivery
//! engine's batching, pacing and failure rules are written against [`Messenger`], so they can be
//! tested with a scripted LINE; in the running system the Messaging API client
//! ([`line::client::Client`]) implements it, against LINE or the built-in sandbox.

use std::future::Future;

use line::api::{MulticastRequest, PushRequest};
use line::client::{Client, ClientError, RetryKey, SendOutcome};

/// Sends messages to LINE. Every send carries its retry key, so an attempt repeated after a
/// failure or a crash is answered "already accepted" instead of delivering twice.
pub trait Messenger: Send + Sync {
    /// One recipient.
    fn push(
        &self,
        request: &PushRequest,
        key: &RetryKey,
    ) -> impl Future<Output = Result<SendOutcome, ClientError>> + Send;

    /// Up to 500 recipients at once.
    fn multicast(
        &self,
        request: &MulticastRequest,
        key: &RetryKey,
    ) -> impl Future<Output = Result<SendOutcome, ClientError>> + Send;
}

impl Messenger for Client {
    fn push(
        &self,
        request: &PushRequest,
        key: &RetryKey,
    ) -> impl Future<Output = Result<SendOutcome, ClientError>> + Send {
        Client::push(self, request, key)
    }

    fn multicast(
        &self,
        request: &MulticastRequest,
        key: &RetryKey,
    ) -> impl Future<Output = Result<SendOutcome, ClientError>> + Send {
        Client::multicast(self, request, key)
    }
}

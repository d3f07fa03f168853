//! LINE Login: verifying the ID token a LIFF page sends.

use reqwest::Method;

use super::{Body, Call, Client, ClientError, check, required};
use crate::api::VerifiedIdToken;

impl Client {
    /// LINE Login's `POST /oauth2/v2.1/verify`: checks an ID token from LIFF and gives the
    /// user id (`sub`) it was issued to. An expired or foreign token is `Rejected` (400) with
    /// LINE's `error_description` as the message.
    pub async fn verify_id_token(
        &self,
        id_token: &str,
        login_channel_id: &str,
    ) -> Result<VerifiedIdToken, ClientError> {
        let mut v = required("id_token", id_token);
        v.extend(required("client_id", login_channel_id));
        check(v)?;
        let endpoint = "/oauth2/v2.1/verify";
        let mut call = Call::new(Method::POST, endpoint.into(), endpoint);
        call.body = Body::Form(vec![
            ("id_token", id_token.to_owned()),
            ("client_id", login_channel_id.to_owned()),
        ]);
        self.execute(call).await?.decode(endpoint)
    }
}

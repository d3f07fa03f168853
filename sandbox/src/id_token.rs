//! LINE Login ID tokens: JWT-shaped (`header.payload.signature`, base64url without padding),
//! signed with HS256 and a random key of this sandbox. Only this sandbox can verify them, which
//! is the point: the server must ask `POST /oauth2/v2.1/verify`, as with LINE.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use line::api::VerifiedIdToken;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

pub(crate) const ISSUER: &str = "https://access.line.me";

#[derive(Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    aud: String,
    exp: i64,
    iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    amr: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    picture: Option<String>,
}

pub(crate) struct Mint<'a> {
    pub sub: &'a str,
    pub aud: &'a str,
    pub iat: i64,
    pub exp: i64,
    pub nonce: Option<&'a str>,
    pub name: Option<&'a str>,
    pub picture: Option<&'a str>,
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
}

pub(crate) fn mint(key: &[u8], claims: &Mint<'_>) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"HS256"}"#);
    let claims = Claims {
        iss: ISSUER.to_owned(),
        sub: claims.sub.to_owned(),
        aud: claims.aud.to_owned(),
        exp: claims.exp,
        iat: claims.iat,
        nonce: claims.nonce.map(str::to_owned),
        amr: vec!["linesso".to_owned()],
        name: claims.name.map(str::to_owned),
        picture: claims.picture.map(str::to_owned),
    };
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap_or_default());
    let signing_input = format!("{header}.{payload}");
    let mut m = mac(key);
    m.update(signing_input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(m.finalize().into_bytes());
    format!("{signing_input}.{signature}")
}

/// Why LINE refuses a token, with LINE's `error_description`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    Invalid,
    Expired,
    Audience,
    Nonce,
}

impl Refusal {
    pub(crate) fn description(&self) -> &'static str {
        match self {
            Refusal::Invalid => "Invalid IdToken.",
            Refusal::Expired => "IdToken expired.",
            Refusal::Audience => "Invalid IdToken Audience.",
            Refusal::Nonce => "Invalid IdToken Nonce.",
        }
    }
}

/// Checks signature, expiry, audience and (when given) nonce, in that order.
pub(crate) fn verify(
    key: &[u8],
    token: &str,
    client_id: &str,
    nonce: Option<&str>,
    now: i64,
) -> Result<VerifiedIdToken, Refusal> {
    let mut parts = token.trim().split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal::Invalid);
    };
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| Refusal::Invalid)?;
    let mut m = mac(key);
    m.update(header.as_bytes());
    m.update(b".");
    m.update(payload.as_bytes());
    m.verify_slice(&signature).map_err(|_| Refusal::Invalid)?;
    let claims: Claims = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or(Refusal::Invalid)?;
    if claims.iss != ISSUER {
        return Err(Refusal::Invalid);
    }
    if now >= claims.exp {
        return Err(Refusal::Expired);
    }
    if claims.aud != client_id {
        return Err(Refusal::Audience);
    }
    if let Some(expected) = nonce
        && claims.nonce.as_deref() != Some(expected)
    {
        return Err(Refusal::Nonce);
    }
    Ok(VerifiedIdToken {
        iss: claims.iss,
        sub: claims.sub,
        aud: claims.aud,
        exp: claims.exp,
        iat: claims.iat,
        nonce: claims.nonce,
        name: claims.name,
        picture: claims.picture,
        email: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(key: &[u8], exp: i64) -> String {
        mint(
            key,
            &Mint {
                sub: "U1",
                aud: "1234",
                iat: 100,
                exp,
                nonce: Some("n"),
                name: Some("太郎"),
                picture: None,
            },
        )
    }

    #[test]
    fn verifies_and_refuses_like_line() {
        let key = [7u8; 32];
        let t = token(&key, 200);
        let ok = verify(&key, &t, "1234", Some("n"), 150).unwrap();
        assert_eq!((ok.sub.as_str(), ok.name.as_deref()), ("U1", Some("太郎")));
        assert!(verify(&key, &t, "1234", None, 150).is_ok());
        assert_eq!(
            verify(&key, &t, "9", None, 150).unwrap_err(),
            Refusal::Audience
        );
        assert_eq!(
            verify(&key, &t, "1234", Some("x"), 150).unwrap_err(),
            Refusal::Nonce
        );
        assert_eq!(
            verify(&key, &t, "1234", None, 200).unwrap_err(),
            Refusal::Expired
        );
        assert_eq!(
            verify(&[8u8; 32], &t, "1234", None, 150).unwrap_err(),
            Refusal::Invalid
        );
        assert_eq!(
            verify(&key, "a.b", "1234", None, 150).unwrap_err(),
            Refusal::Invalid
        );
    }
}

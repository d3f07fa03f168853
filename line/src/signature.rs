//! Webhook signatures: `x-line-signature` is base64(HMAC-SHA256(channel secret, raw body)).
//! Always verify over the raw bytes before parsing: re-serialised JSON differs (emoji, Japanese,
//! key order) and would not match.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The request header that carries the signature of a webhook delivery.
pub const SIGNATURE_HEADER: &str = "x-line-signature";

/// The signature LINE would send for `body` (used by the sandbox, and by tests).
pub fn sign(channel_secret: &str, body: &[u8]) -> String {
    STANDARD.encode(mac(channel_secret, body).finalize().into_bytes())
}

/// True when `signature` (the header value) is the signature of `body`. The comparison takes
/// the same time wherever the first difference is.
pub fn verify(channel_secret: &str, body: &[u8], signature: &str) -> bool {
    let Ok(expected) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    mac(channel_secret, body).verify_slice(&expected).is_ok()
}

fn mac(channel_secret: &str, body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(channel_secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_body_and_secret() {
        let body =
            r#"{"destination":"U1","events":[{"message":{"text":"こんにちは 😀"}}]}"#.as_bytes();
        let signature = sign("secret", body);
        assert!(verify("secret", body, &signature));
        assert!(!verify("other secret", body, &signature));
        let mut changed = body.to_vec();
        changed[5] ^= 1;
        assert!(!verify("secret", &changed, &signature));
        assert!(!verify("secret", body, "not base64 !!"));
        assert!(!verify("secret", body, ""));
        assert!(!verify("secret", body, &signature[..signature.len() - 4]));
    }

    #[test]
    fn matches_a_known_hmac_sha256_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        let hex: String = STANDARD
            .decode(sign("Jefe", b"what do ya want for nothing?"))
            .unwrap()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hex, expected);
    }
}

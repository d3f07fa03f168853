//! Channel secrets and access tokens at rest: sealed with AES-256-GCM under the key from
//! configuration (`SECRET_KEY`, or a key file the server creates in `DATA_DIR`), so that a copy
//! of the database or a backup does not reveal them.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;

use crate::{DomainError, DomainResult};

/// Version prefix of sealed values, so the scheme can change without guessing.
const PREFIX: &str = "v1:";

/// Seals and opens secrets. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(***)")
    }
}

impl SecretBox {
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            cipher: Aes256Gcm::new(key.into()),
        }
    }

    /// Reads a key written as base64 (44 characters for 32 bytes).
    pub fn from_base64(text: &str) -> Result<Self, String> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| "expected 32 bytes in base64 (e.g. `openssl rand -base64 32`)")?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "expected exactly 32 bytes in base64 (e.g. `openssl rand -base64 32`)")?;
        Ok(Self::new(&key))
    }

    /// A fresh random key in base64, for a new key file.
    pub fn generate_key() -> String {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        STANDARD.encode(key)
    }

    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and a 12-byte nonce cannot fail for inputs of this size.
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", STANDARD.encode(out))
    }

    pub fn open(&self, sealed: &str) -> DomainResult<String> {
        let wrong_key = || {
            DomainError::Internal(
                "a stored LINE secret cannot be decrypted: SECRET_KEY differs from the key it was saved with".into(),
            )
        };
        let bytes = sealed
            .strip_prefix(PREFIX)
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|b| b.len() > 12)
            .ok_or_else(wrong_key)?;
        let (nonce, data) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), data)
            .map_err(|_| wrong_key())?;
        String::from_utf8(plain).map_err(|_| wrong_key())
    }
}

/// What staff may see of a secret: its length hidden, only the last four characters.
pub fn mask(secret: &str) -> String {
    let tail: String = secret
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if secret.chars().count() <= 8 {
        "••••".into()
    } else {
        format!("••••{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let a = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
        let b = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
        let sealed = a.seal("channel-secret-123");
        assert!(!sealed.contains("channel-secret"));
        assert_ne!(
            sealed,
            a.seal("channel-secret-123"),
            "fresh nonce each time"
        );
        assert_eq!(a.open(&sealed).unwrap(), "channel-secret-123");
        assert!(b.open(&sealed).is_err());
        assert!(a.open("v1:AAAA").is_err());
        assert!(a.open("plain").is_err());
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert!(SecretBox::from_base64("short").is_err());
        assert!(SecretBox::from_base64(&STANDARD.encode([0u8; 16])).is_err());
        assert!(format!("{:?}", SecretBox::new(&[1; 32])).contains("***"));
    }

    #[test]
    fn masks_show_only_the_tail() {
        assert_eq!(mask("0123456789abcdef"), "••••cdef");
        assert_eq!(mask("short"), "••••");
    }
}

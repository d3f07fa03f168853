//! Identifiers shaped like LINE's: user ids, message ids, quote and reply tokens, rich menu
//! ids, and ULIDs for `webhookEventId`.

use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::{Rng, RngCore};

/// `U` + 32 lowercase hex digits.
pub(crate) fn user_id() -> String {
    format!("U{:032x}", rand::rng().random::<u128>())
}

/// `richmenu-` + 32 lowercase hex digits.
pub(crate) fn rich_menu_id() -> String {
    format!("richmenu-{:032x}", rand::rng().random::<u128>())
}

/// 32 lowercase hex digits, like LINE's reply tokens.
pub(crate) fn reply_token() -> String {
    format!("{:032x}", rand::rng().random::<u128>())
}

/// An 18-digit decimal number, like LINE's message ids.
pub(crate) fn message_id() -> String {
    rand::rng()
        .random_range(100_000_000_000_000_000u64..1_000_000_000_000_000_000)
        .to_string()
}

/// An opaque base64url token, like LINE's quote tokens.
pub(crate) fn quote_token() -> String {
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    key
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// ULIDs (48-bit millisecond time + 80 random bits, 26 characters of Crockford base32),
/// monotonic within this process: ids made in the same millisecond increase.
#[derive(Default)]
pub(crate) struct UlidGenerator {
    last: Mutex<(u64, u128)>,
}

impl UlidGenerator {
    pub(crate) fn next(&self, now_ms: u64) -> String {
        const RANDOM_MASK: u128 = (1 << 80) - 1;
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let (ms, random) = if now_ms <= last.0 {
            // Same (or an earlier, if the clock stepped back) millisecond: count up.
            (last.0, (last.1 + 1) & RANDOM_MASK)
        } else {
            (now_ms, rand::rng().random::<u128>() & RANDOM_MASK)
        };
        *last = (ms, random);
        drop(last);
        encode_ulid((u128::from(ms) & ((1 << 48) - 1)) << 80 | random)
    }
}

fn encode_ulid(value: u128) -> String {
    (0..26)
        .map(|i| {
            let shift = 125 - 5 * i;
            char::from(CROCKFORD[((value >> shift) & 31) as usize])
        })
        .collect()
}

/// True when `id` is a ULID (26 Crockford base32 characters, first at most `7`).
pub fn is_ulid(id: &str) -> bool {
    id.len() == 26
        && id.bytes().all(|b| CROCKFORD.contains(&b))
        && id.as_bytes().first().is_some_and(|b| *b <= b'7')
}

/// The millisecond timestamp of a ULID.
pub fn ulid_time_ms(id: &str) -> Option<u64> {
    if !is_ulid(id) {
        return None;
    }
    let mut value: u128 = 0;
    for b in id.bytes() {
        let digit = CROCKFORD.iter().position(|c| *c == b)?;
        value = value << 5 | digit as u128;
    }
    u64::try_from(value >> 80).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulids_are_time_ordered_and_decode() {
        let g = UlidGenerator::default();
        let a = g.next(1_700_000_000_000);
        let b = g.next(1_700_000_000_000);
        let c = g.next(1_700_000_000_001);
        assert!(is_ulid(&a) && is_ulid(&b) && is_ulid(&c));
        assert!(a < b && b < c, "{a} {b} {c}");
        assert_eq!(ulid_time_ms(&a), Some(1_700_000_000_000));
        assert_eq!(ulid_time_ms(&c), Some(1_700_000_000_001));
    }

    #[test]
    fn ids_look_like_line_ids() {
        let u = user_id();
        assert_eq!(u.len(), 33);
        assert!(u.starts_with('U'));
        assert!(
            u[1..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_eq!(message_id().len(), 18);
        assert!(rich_menu_id().starts_with("richmenu-"));
    }
}

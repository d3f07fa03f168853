//! Click tracking (クリック計測): when a run starts, each http(s) link of its messages (in a text
//! message's text, and in every `uri` action: template, imagemap, Flex, quick reply) is replaced
//! by `{base}/r/{code}`, unless staff chose not to track it. The code maps to the delivery, the
//! run and the original URL; the redirect (`server::handlers::redirect`) answers 302 to the
//! original and counts the click. Only codes we issued redirect (no open redirect), and codes
//! stay valid after the delivery is deleted: links in citizens' chats must keep working.

use std::collections::HashMap;

use line::links::{links_in, rewrite_links};
use line::message::Message;
use rand::Rng as _;
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder,
};

use crate::entities::{link_click, tracked_link};
use crate::{DateTime, DomainResult};

/// Distinct links a delivery may have tracked (a guard; real messages have a handful).
pub const MAX_LINKS: usize = 100;
/// Characters of a code: 62^10 codes, not guessable.
pub const CODE_LEN: usize = 10;
/// The longest code the redirect looks up; anything longer is refused without a query.
pub const MAX_CODE_LEN: usize = 32;
/// Clicks written in one statement.
pub const INSERT_ROWS: usize = 500;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A new random code.
pub fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Whether `code` could be one we issued (letters and digits, not too long): anything else is
/// answered 404 without looking.
pub fn is_plausible_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_CODE_LEN
        && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Stores a tracked link for each link of `messages` not in `untracked`, and returns the
/// messages as they are to be sent (`base`: the public URL, without a trailing slash).
pub async fn track(
    db: &impl ConnectionTrait,
    run: RunOfLinks,
    messages: &[Message],
    untracked: &[String],
    base: &str,
    now: DateTime,
) -> DomainResult<Vec<Message>> {
    let mut replace = HashMap::new();
    let mut position = 0;
    for link in links_in(messages).into_iter().take(MAX_LINKS) {
        if untracked.contains(&link.url) {
            continue;
        }
        position += 1;
        let code = new_code();
        tracked_link::ActiveModel {
            code: Set(code.clone()),
            delivery_id: Set(run.delivery_id),
            run_id: Set(run.run_id),
            channel_id: Set(run.channel_id),
            position: Set(position),
            message_seq: Set(link.message_seq),
            url: Set(link.url.clone()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        replace.insert(link.url, format!("{base}/r/{code}"));
    }
    Ok(rewrite_links(messages, &replace))
}

/// Whose links [`track`] stores.
#[derive(Clone, Copy, Debug)]
pub struct RunOfLinks {
    pub delivery_id: i64,
    pub run_id: i64,
    pub channel_id: i64,
}

/// Where a code leads: the link's id (for counting) and its URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    pub link_id: i64,
    pub url: String,
}

/// The destination of `code`, if we issued it.
pub async fn resolve(db: &impl ConnectionTrait, code: &str) -> DomainResult<Option<Destination>> {
    if !is_plausible_code(code) {
        return Ok(None);
    }
    Ok(tracked_link::Entity::find()
        .filter(tracked_link::Column::Code.eq(code))
        .one(db)
        .await?
        .map(|l| Destination {
            link_id: l.id,
            url: l.url,
        }))
}

/// Stores clicks (link id, time) in statements of [`INSERT_ROWS`].
pub async fn record_clicks(
    db: &impl ConnectionTrait,
    clicks: &[(i64, DateTime)],
) -> DomainResult<()> {
    for chunk in clicks.chunks(INSERT_ROWS) {
        let rows = chunk.iter().map(|(link_id, at)| link_click::ActiveModel {
            link_id: Set(*link_id),
            clicked_at: Set(*at),
            ..Default::default()
        });
        link_click::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// A run's tracked links, in order.
pub async fn of_run(
    db: &impl ConnectionTrait,
    run_id: i64,
) -> DomainResult<Vec<tracked_link::Model>> {
    Ok(tracked_link::Entity::find()
        .filter(tracked_link::Column::RunId.eq(run_id))
        .order_by_asc(tracked_link::Column::Position)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_random_and_plausible_ones_are_short_and_alphanumeric() {
        let (a, b) = (new_code(), new_code());
        assert_ne!(a, b);
        assert!(is_plausible_code(&a) && a.len() == CODE_LEN);
        assert!(!is_plausible_code(""));
        assert!(!is_plausible_code("../etc"));
        assert!(!is_plausible_code(&"a".repeat(MAX_CODE_LEN + 1)));
        assert!(!is_plausible_code("ｱｲｳ"));
    }
}

//! Click tracking (クリック計測): when a run starts, each http(s) link of its messages (in a text
//! message's text, and in every `uri` action: template, imagemap, Flex, quick reply) is replaced
//! by `{base}/r/{code}`, unless staff chose not to track it. The code maps to the delivery, the
//! run and the original URL; the redirect (`server::handlers::redirect`) answers 302 to the
//! original and counts the click. Only codes we issued redirect (no open redirect), and codes
//! stay valid after the delivery is deleted: links in citizens' chats must keep working.
//!
//! Per-person clicks (「クリックした人を記録」): each recipient gets codes of their own,
//! [`person_code`]: the link's code, a check and the friend's id. The check is a keyed hash
//! (HMAC-SHA256 under a random key of the run, kept with its links), so a code cannot be
//! altered to count a click as someone else's, and a million recipients' codes need no row
//! each.

use std::collections::HashMap;

use hmac::{Hmac, Mac as _};
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
/// Characters of a per-person code's check: 62^6 values to guess for one friend's click.
pub const CHECK_LEN: usize = 6;
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

/// A new key for a run's per-person codes (32 random bytes, hex).
pub fn new_person_key() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex::encode(bytes)
}

/// The check of friend `friend_id`'s code for link `code` under `key`.
fn check(key: &str, code: &str, friend_id: i64) -> String {
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{code}:{friend_id}").as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .take(CHECK_LEN)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// Friend `friend_id`'s own code for link `code` of a run with per-person key `key`: the code,
/// the check, then the friend's id in base 62 (at most 27 characters in all).
pub fn person_code(code: &str, key: &str, friend_id: i64) -> String {
    let mut id = String::new();
    let mut n = u64::try_from(friend_id).unwrap_or(0);
    loop {
        id.insert(0, char::from(ALPHABET[(n % 62) as usize]));
        n /= 62;
        if n == 0 {
            break;
        }
    }
    format!("{code}{}{id}", check(key, code, friend_id))
}

/// The link code that `code` starts with (the whole of a shared code).
pub fn link_code(code: &str) -> &str {
    code.get(..CODE_LEN).unwrap_or(code)
}

/// Stores a tracked link for each link of `messages` not in `untracked`, and returns the
/// messages as they are to be sent (`base`: the public URL, without a trailing slash). With
/// `person_key` the links are a per-person run's: [`Personal`] gives each recipient theirs.
pub async fn track(
    db: &impl ConnectionTrait,
    run: RunOfLinks,
    messages: &[Message],
    untracked: &[String],
    base: &str,
    person_key: Option<&str>,
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
            person_key: Set(person_key.map(str::to_owned)),
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

/// A tracked link as the redirect keeps it (looked up by its code once).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub link_id: i64,
    pub code: String,
    pub url: String,
    /// The run's per-person key, for a link whose recipients have codes of their own.
    pub person_key: Option<String>,
}

/// Where a tap leads and whose it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    pub link_id: i64,
    pub url: String,
    /// The friend whose own code it was (none for a shared code).
    pub friend_id: Option<i64>,
}

/// The link whose code `code` is, if we issued it ([`link_code`] of a tapped code).
pub async fn resolve(db: &impl ConnectionTrait, code: &str) -> DomainResult<Option<Link>> {
    if code.len() != CODE_LEN || !is_plausible_code(code) {
        return Ok(None);
    }
    Ok(tracked_link::Entity::find()
        .filter(tracked_link::Column::Code.eq(code))
        .one(db)
        .await?
        .map(|l| Link {
            link_id: l.id,
            code: l.code,
            url: l.url,
            person_key: l.person_key,
        }))
}

impl Link {
    /// Where `tapped` (this link's code, or a recipient's own code of it) leads; `None` for a
    /// code we did not issue (a per-person code whose check or id was altered).
    pub fn destination(&self, tapped: &str) -> Option<Destination> {
        let rest = tapped.strip_prefix(self.code.as_str())?;
        let friend_id = if rest.is_empty() {
            None
        } else {
            let key = self.person_key.as_deref()?;
            let id_part = rest.get(CHECK_LEN..)?;
            if id_part.is_empty() || id_part.len() > 11 {
                return None;
            }
            let mut id: u64 = 0;
            for b in id_part.bytes() {
                let digit = ALPHABET.iter().position(|a| *a == b)? as u64;
                id = id.checked_mul(62)?.checked_add(digit)?;
            }
            let id = i64::try_from(id).ok()?;
            // The code we would issue this friend, whole: the check, and the id written
            // without leading zeros.
            if person_code(&self.code, key, id) != tapped {
                return None;
            }
            Some(id)
        };
        Some(Destination {
            link_id: self.link_id,
            url: self.url.clone(),
            friend_id,
        })
    }
}

/// One tap, as the redirect queues it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Click {
    pub link_id: i64,
    pub friend_id: Option<i64>,
    pub at: DateTime,
}

/// Stores clicks in statements of [`INSERT_ROWS`].
pub async fn record_clicks(db: &impl ConnectionTrait, clicks: &[Click]) -> DomainResult<()> {
    for chunk in clicks.chunks(INSERT_ROWS) {
        let rows = chunk.iter().map(|c| link_click::ActiveModel {
            link_id: Set(c.link_id),
            friend_id: Set(c.friend_id),
            clicked_at: Set(c.at),
            ..Default::default()
        });
        link_click::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Gives each recipient of a per-person run their own links: every shared tracked URL of the
/// run's messages replaced by the friend's [`person_code`].
pub struct Personal {
    /// (shared URL as sent in the run's messages, code, key) of each link.
    links: Vec<(String, String, String)>,
    base: String,
}

impl Personal {
    /// The per-person links of a run (`None` when its codes are shared).
    pub fn of(links: &[tracked_link::Model], base: &str) -> Option<Personal> {
        let links: Vec<_> = links
            .iter()
            .filter_map(|l| {
                let key = l.person_key.clone()?;
                Some((format!("{base}/r/{}", l.code), l.code.clone(), key))
            })
            .collect();
        (!links.is_empty()).then(|| Personal {
            links,
            base: base.to_owned(),
        })
    }

    /// The run's `messages` as friend `friend_id` receives them.
    pub fn messages_for(&self, messages: &[Message], friend_id: i64) -> Vec<Message> {
        let replace: HashMap<String, String> = self
            .links
            .iter()
            .map(|(shared, code, key)| {
                (
                    shared.clone(),
                    format!("{}/r/{}", self.base, person_code(code, key, friend_id)),
                )
            })
            .collect();
        rewrite_links(messages, &replace)
    }
}

/// The friends who tapped their own code of link `link` (1-based position; any link when
/// none) of delivery `delivery_id`, in any of its runs, ascending.
pub async fn clickers(
    db: &impl ConnectionTrait,
    delivery_id: i64,
    link: Option<u32>,
) -> DomainResult<Vec<i64>> {
    use sea_orm::QuerySelect as _;
    use sea_orm::sea_query::Query;
    let mut links = Query::select();
    links
        .column(tracked_link::Column::Id)
        .from(tracked_link::Entity)
        .and_where(tracked_link::Column::DeliveryId.eq(delivery_id));
    if let Some(position) = link {
        links.and_where(tracked_link::Column::Position.eq(i32::try_from(position).unwrap_or(0)));
    }
    Ok(link_click::Entity::find()
        .select_only()
        .column(link_click::Column::FriendId)
        .distinct()
        .filter(link_click::Column::LinkId.in_subquery(links))
        .filter(link_click::Column::FriendId.is_not_null())
        .order_by_asc(link_click::Column::FriendId)
        .into_tuple::<i64>()
        .all(db)
        .await?)
}

/// The friends whom any run of delivery `delivery_id` was sent to (its recipients as fixed when
/// each run started), ascending.
pub async fn recipients(db: &impl ConnectionTrait, delivery_id: i64) -> DomainResult<Vec<i64>> {
    use crate::entities::{delivery_run, delivery_run_audience};
    use sea_orm::QuerySelect as _;
    use sea_orm::sea_query::Query;
    let rows: Vec<Vec<u8>> = delivery_run_audience::Entity::find()
        .select_only()
        .column(delivery_run_audience::Column::FriendIds)
        .filter(
            delivery_run_audience::Column::RunId.in_subquery(
                Query::select()
                    .column(delivery_run::Column::Id)
                    .from(delivery_run::Entity)
                    .and_where(delivery_run::Column::DeliveryId.eq(delivery_id))
                    .to_owned(),
            ),
        )
        .into_tuple()
        .all(db)
        .await?;
    let mut ids = Vec::new();
    for row in rows {
        ids.extend(super::staging::decode_ids(&row)?);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// A delivery that recorded who clicked, as the segment condition 「リンクのクリック」 offers
/// it: its links as its latest run sent them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClickDelivery {
    pub delivery_id: i64,
    pub title: String,
    pub last_sent_at: DateTime,
    /// (1-based position, original URL).
    pub links: Vec<(u32, String)>,
}

/// The deliveries in `scope` whose runs sent per-person links, most recent first.
pub async fn click_deliveries(
    db: &impl ConnectionTrait,
    scope: &model::access::Scope,
) -> DomainResult<Vec<ClickDelivery>> {
    use crate::entities::delivery;
    use crate::staff::scope::ScopeCondition as _;
    let deliveries = delivery::Entity::find()
        .filter(scope.condition(delivery::Column::DepartmentId))
        .all(db)
        .await?;
    let by_id: HashMap<i64, String> = deliveries.into_iter().map(|d| (d.id, d.title)).collect();
    let links = tracked_link::Entity::find()
        .filter(tracked_link::Column::PersonKey.is_not_null())
        .filter(tracked_link::Column::DeliveryId.is_in(by_id.keys().copied()))
        .order_by_asc(tracked_link::Column::RunId)
        .order_by_asc(tracked_link::Column::Position)
        .all(db)
        .await?;
    // The latest run of each delivery (links come in run order): (run id, what it offers).
    let mut latest: HashMap<i64, (i64, ClickDelivery)> = HashMap::new();
    for l in links {
        let Some(title) = by_id.get(&l.delivery_id) else {
            continue;
        };
        let entry = latest.entry(l.delivery_id).or_insert_with(|| {
            (
                l.run_id,
                ClickDelivery {
                    delivery_id: l.delivery_id,
                    title: title.clone(),
                    last_sent_at: l.created_at,
                    links: Vec::new(),
                },
            )
        });
        if entry.0 != l.run_id {
            entry.0 = l.run_id;
            entry.1.last_sent_at = l.created_at;
            entry.1.links.clear();
        }
        entry
            .1
            .links
            .push((u32::try_from(l.position).unwrap_or(0), l.url));
    }
    let mut out: Vec<ClickDelivery> = latest.into_values().map(|(_, d)| d).collect();
    out.sort_by_key(|d| std::cmp::Reverse(d.last_sent_at));
    Ok(out)
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

    #[test]
    fn a_person_code_names_its_friend_and_cannot_be_altered() {
        let key = new_person_key();
        let link = Link {
            link_id: 7,
            code: new_code(),
            url: "https://city.example.jp/apply".into(),
            person_key: Some(key.clone()),
        };
        for friend_id in [1, 61, 62, 123_456, 9_000_000_000] {
            let code = person_code(&link.code, &key, friend_id);
            assert!(is_plausible_code(&code) && code.len() <= 27, "{code}");
            assert_eq!(link_code(&code), link.code);
            let d = link.destination(&code).unwrap();
            assert_eq!((d.link_id, d.friend_id), (7, Some(friend_id)));
        }
        // The shared code counts nobody in particular.
        assert_eq!(link.destination(&link.code).unwrap().friend_id, None);
        let mine = person_code(&link.code, &key, 1000);
        let theirs = person_code(&link.code, &key, 1001);
        // Someone else's id with my check, a changed check, another key's code, a padded id.
        let swapped = format!(
            "{}{}",
            &mine[..CODE_LEN + CHECK_LEN],
            &theirs[CODE_LEN + CHECK_LEN..]
        );
        let mut bent = mine.clone().into_bytes();
        bent[CODE_LEN] = if bent[CODE_LEN] == b'a' { b'b' } else { b'a' };
        let bent = String::from_utf8(bent).unwrap();
        let other_key = person_code(&link.code, &new_person_key(), 1000);
        let padded = format!(
            "{}0{}",
            &mine[..CODE_LEN + CHECK_LEN],
            &mine[CODE_LEN + CHECK_LEN..]
        );
        for forged in [swapped, bent, other_key, padded, format!("{}x", link.code)] {
            assert_eq!(link.destination(&forged), None, "{forged}");
        }
        // A shared link has no per-person codes.
        let shared = Link {
            person_key: None,
            ..link.clone()
        };
        assert_eq!(shared.destination(&mine), None);
    }
}

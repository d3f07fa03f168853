//! The admin panel's IP allowlist: which client addresses may reach `/admin` and the server
//! functions. The effective list is the ranges configured in `ADMIN_ALLOWED_IPS` (fixed for the
//! life of the process, not removable in the UI) plus the stored ones (added by 管理者 in the UI
//! or with `machidayori admin allow-ip`). An empty effective list allows every address.
//!
//! Requests are checked against [`LiveAllowList`], an in-memory copy: loaded at start-up,
//! replaced in-process after a change and reloaded on a timer so other instances sharing the
//! database follow within seconds. No request queries the database for it.

use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use chrono::Utc;
use ipnet::IpNet;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait, QueryOrder, SqlErr,
};

use crate::entities::admin_allowed_ip;
use crate::security::audit::{self, Actor};
use crate::{DateTime, DomainError, DomainResult};
use model::status::AllowlistSource;

pub const NOTE_MAX_CHARS: usize = 200;

/// Parses a CIDR range (`192.0.2.0/24`, `2001:db8::/32`) or a bare address (as /32 or /128).
/// Host bits are cleared: `192.0.2.7/24` is `192.0.2.0/24`. IPv4-mapped IPv6 addresses
/// (`::ffff:192.0.2.7`) are taken as the IPv4 address.
pub fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    let parsed = match text.parse::<IpNet>() {
        Ok(net) => Some(net),
        Err(_) => text.parse::<IpAddr>().ok().map(IpNet::from),
    };
    let net = parsed.ok_or_else(|| format!("not an IP address or CIDR range: {text:?}"))?;
    Ok(match net {
        IpNet::V6(v6) => match v6.addr().to_ipv4_mapped() {
            Some(v4) if v6.prefix_len() >= 96 => {
                IpNet::new(IpAddr::V4(v4), v6.prefix_len() - 96).map_err(|e| e.to_string())?
            }
            _ => net,
        },
        IpNet::V4(_) => net,
    }
    .trunc())
}

/// Parses a comma-separated list of ranges (the `ADMIN_ALLOWED_IPS` and `TRUSTED_PROXIES`
/// settings); empty items are ignored.
pub fn parse_network_list(text: &str) -> Result<Vec<IpNet>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(parse_network)
        .collect()
}

/// True when `ip` is in one of `networks`; an IPv4-mapped IPv6 address counts as IPv4.
pub fn contains(networks: &[IpNet], ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    networks.iter().any(|net| net.contains(&ip))
}

/// True when `ip` may reach the admin panel under `networks` (empty: everyone).
pub fn allows(networks: &[IpNet], ip: IpAddr) -> bool {
    networks.is_empty() || contains(networks, ip)
}

/// A stored entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub network: IpNet,
    pub note: String,
    pub source: AllowlistSource,
    pub created_by: Option<i64>,
    pub created_at: DateTime,
}

/// The stored entries, by range.
pub async fn list(db: &impl sea_orm::ConnectionTrait) -> DomainResult<Vec<Entry>> {
    let rows = admin_allowed_ip::Entity::find()
        .order_by_asc(admin_allowed_ip::Column::Cidr)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|m| {
            // Only `add` writes rows, so every stored range parses; skip one edited by hand.
            let network = parse_network(&m.cidr).ok()?;
            Some(Entry {
                id: m.id,
                network,
                note: m.note,
                source: m.source,
                created_by: m.created_by,
                created_at: m.created_at,
            })
        })
        .collect())
}

/// What to add.
#[derive(Clone, Debug)]
pub struct NewEntry<'a> {
    pub network: &'a str,
    pub note: &'a str,
    pub source: AllowlistSource,
}

/// Adds a range. A change that would shut out the person saving (the actor's client address;
/// none from the command line) is refused. A range already stored is a `Conflict`.
pub async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    configured: &[IpNet],
    new: NewEntry<'_>,
) -> DomainResult<Entry> {
    let caller = actor.client_addr;
    let network = parse_network(new.network).map_err(|_| {
        DomainError::Invalid(
            "IPアドレスまたはCIDR形式の範囲（例：192.0.2.0/24、2001:db8::/32）を入力してください。"
                .into(),
        )
    })?;
    let note = new.note.trim();
    if note.chars().count() > NOTE_MAX_CHARS || note.chars().any(char::is_control) {
        return Err(DomainError::Invalid(format!(
            "備考は{NOTE_MAX_CHARS}文字以内で、改行などの制御文字を含めずに入力してください。"
        )));
    }
    let txn = crate::db::begin_write(db).await?;
    let stored = list(&txn).await?;
    if stored.iter().any(|e| e.network == network) || configured.contains(&network) {
        return Err(DomainError::Conflict(format!(
            "{network} は既に許可されています。"
        )));
    }
    let mut after: Vec<IpNet> = effective(configured, &stored);
    after.push(network);
    refuse_lockout(&after, caller)?;
    let row = admin_allowed_ip::ActiveModel {
        cidr: Set(network.to_string()),
        note: Set(note.to_owned()),
        source: Set(new.source),
        created_by: Set(actor.staff_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    let m = match row.insert(&txn).await {
        Ok(m) => m,
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(DomainError::Conflict(format!(
                "{network} は既に許可されています。"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let summary = serde_json::json!({"network": m.cidr, "note": m.note});
    audit::record(
        &txn,
        actor,
        "allowlist.add",
        "admin_allowed_ip",
        Some(&m.id.to_string()),
        summary,
    )
    .await?;
    txn.commit().await?;
    Ok(Entry {
        id: m.id,
        network,
        note: m.note,
        source: new.source,
        created_by: m.created_by,
        created_at: m.created_at,
    })
}

/// Removes a stored range, unless that would shut the actor out.
pub async fn remove(
    db: &DatabaseConnection,
    actor: &Actor,
    configured: &[IpNet],
    id: i64,
) -> DomainResult<()> {
    let txn = crate::db::begin_write(db).await?;
    let stored = list(&txn).await?;
    let Some(removed) = stored.iter().find(|e| e.id == id).cloned() else {
        return Err(DomainError::NotFound(
            "指定された許可範囲は見つかりません。".into(),
        ));
    };
    let remaining: Vec<Entry> = stored.into_iter().filter(|e| e.id != id).collect();
    refuse_lockout(&effective(configured, &remaining), actor.client_addr)?;
    admin_allowed_ip::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    let summary = serde_json::json!({"network": removed.network.to_string(), "note": removed.note});
    audit::record(
        &txn,
        actor,
        "allowlist.remove",
        "admin_allowed_ip",
        Some(&id.to_string()),
        summary,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn effective(configured: &[IpNet], stored: &[Entry]) -> Vec<IpNet> {
    configured
        .iter()
        .copied()
        .chain(stored.iter().map(|e| e.network))
        .collect()
}

fn refuse_lockout(after: &[IpNet], caller: Option<IpAddr>) -> DomainResult<()> {
    match caller {
        Some(ip) if !allows(after, ip) => Err(DomainError::Invalid(format!(
            "この変更を保存すると、あなたの接続元（{}）から管理画面に接続できなくなるため、保存しませんでした。先にあなたの接続元を含む範囲を追加してください。",
            ip.to_canonical()
        ))),
        _ => Ok(()),
    }
}

/// The effective allowlist in memory, shared by every request of the process.
#[derive(Clone, Debug)]
pub struct LiveAllowList {
    configured: Arc<[IpNet]>,
    current: Arc<RwLock<Arc<[IpNet]>>>,
    /// One reload at a time, so a slow timer reload cannot put back a list older than the one a
    /// change just loaded.
    reloading: Arc<tokio::sync::Mutex<()>>,
}

impl LiveAllowList {
    /// Loads the stored ranges; `configured` are those of `ADMIN_ALLOWED_IPS`.
    pub async fn load(db: &DatabaseConnection, configured: Vec<IpNet>) -> DomainResult<Self> {
        let live = Self {
            configured: configured.into(),
            current: Arc::new(RwLock::new(Arc::from(Vec::new()))),
            reloading: Arc::new(tokio::sync::Mutex::new(())),
        };
        live.reload(db).await?;
        Ok(live)
    }

    /// Reads the stored ranges again (after a change, and on a timer for changes made by other
    /// instances or the command line).
    pub async fn reload(&self, db: &DatabaseConnection) -> DomainResult<()> {
        let _one_at_a_time = self.reloading.lock().await;
        let stored = list(db).await?;
        let networks: Arc<[IpNet]> = effective(&self.configured, &stored).into();
        // A poisoned lock only means a panic while swapping an Arc: the value is still whole.
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = networks;
        Ok(())
    }

    pub fn configured(&self) -> &[IpNet] {
        &self.configured
    }

    /// The effective ranges now (empty: every address is allowed).
    pub fn networks(&self) -> Arc<[IpNet]> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        allows(&self.networks(), ip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|_| panic!("{s}"))
    }

    #[test]
    fn ranges_and_bare_addresses_parse_and_normalise() {
        let p = |s: &str| parse_network(s).map(|n| n.to_string());
        assert_eq!(p("192.0.2.0/24").as_deref(), Ok("192.0.2.0/24"));
        assert_eq!(p(" 192.0.2.9/24 ").as_deref(), Ok("192.0.2.0/24"));
        assert_eq!(p("192.0.2.9").as_deref(), Ok("192.0.2.9/32"));
        assert_eq!(p("2001:db8::1").as_deref(), Ok("2001:db8::1/128"));
        assert_eq!(p("2001:db8:0:0::/32").as_deref(), Ok("2001:db8::/32"));
        assert_eq!(p("::ffff:192.0.2.9").as_deref(), Ok("192.0.2.9/32"));
        assert_eq!(p("::ffff:192.0.2.0/120").as_deref(), Ok("192.0.2.0/24"));
        for bad in [
            "",
            "192.0.2.0/33",
            "300.1.1.1",
            "example.jp",
            "192.0.2.0/",
            "10.0.0.0/8;",
        ] {
            assert!(parse_network(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_network_list(" 10.0.0.0/8, ,::1 ").map(|l| l.len()),
            Ok(2)
        );
        assert!(parse_network_list("10.0.0.0/8,nope").is_err());
    }

    #[test]
    fn mapped_ipv6_peers_match_ipv4_ranges() {
        let nets = parse_network_list("192.0.2.0/24,2001:db8::/32").unwrap_or_default();
        assert!(allows(&nets, ip("192.0.2.200")));
        assert!(allows(&nets, ip("::ffff:192.0.2.200")));
        assert!(allows(&nets, ip("2001:db8::5")));
        assert!(!allows(&nets, ip("198.51.100.1")));
        assert!(!allows(&nets, ip("::ffff:198.51.100.1")));
        assert!(
            allows(&[], ip("198.51.100.1")),
            "an empty list allows everyone"
        );
    }
}

//! The admin IP allowlist and the access log against real databases (SQLite and PostgreSQL).

use std::net::IpAddr;

use chrono::{TimeDelta, Utc};
use domain::entities::access_log as access_log_rows;
use domain::security::access_log::{self, Record};
use domain::security::allowlist::{self, LiveAllowList, NewEntry};
use domain::security::audit::Actor;
use domain::testing::TestDb;
use domain::{DomainError, db_tests};
use model::status::AllowlistSource;
use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn entry<'a>(network: &'a str, note: &'a str) -> NewEntry<'a> {
    NewEntry {
        network,
        note,
        source: AllowlistSource::Ui,
    }
}

/// An administrator saving from `address` (none: the command line).
fn from(address: Option<IpAddr>) -> Actor {
    Actor {
        staff_id: Some(1),
        username: "admin1".into(),
        client_addr: address,
    }
}

async fn ranges_are_added_listed_and_removed_and_a_self_lockout_is_refused(t: TestDb) {
    let configured = allowlist::parse_network_list("198.51.100.0/24").unwrap();
    let live = LiveAllowList::load(&t.db, configured.clone())
        .await
        .unwrap();
    assert!(live.allows(ip("198.51.100.9")) && !live.allows(ip("192.0.2.1")));

    // Someone at 192.0.2.7 cannot add a range that leaves them out.
    let err = allowlist::add(
        &t.db,
        &from(Some(ip("192.0.2.7"))),
        &configured,
        entry("203.0.113.0/24", ""),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, DomainError::Invalid(m) if m.contains("192.0.2.7")),
        "{err:?}"
    );
    assert!(
        allowlist::list(&t.db).await.unwrap().is_empty(),
        "nothing stored"
    );

    let office = allowlist::add(
        &t.db,
        &from(Some(ip("::ffff:192.0.2.7"))),
        &configured,
        entry("192.0.2.7/24", "本庁舎"),
    )
    .await
    .unwrap();
    assert_eq!(office.network.to_string(), "192.0.2.0/24");
    let v6 = allowlist::add(
        &t.db,
        &from(Some(ip("192.0.2.7"))),
        &configured,
        entry("2001:db8::1", ""),
    )
    .await
    .unwrap();
    assert_eq!(v6.network.to_string(), "2001:db8::1/128");
    let again = allowlist::add(&t.db, &from(None), &configured, entry("192.0.2.0/24", ""))
        .await
        .unwrap_err();
    assert!(matches!(again, DomainError::Conflict(_)), "{again:?}");
    let bad = allowlist::add(&t.db, &from(None), &configured, entry("192.0.2.0/99", ""))
        .await
        .unwrap_err();
    assert!(matches!(bad, DomainError::Invalid(_)), "{bad:?}");

    live.reload(&t.db).await.unwrap();
    assert!(live.allows(ip("192.0.2.200")) && live.allows(ip("2001:db8::1")));
    assert_eq!(live.networks().len(), 3, "configured plus stored");

    // Removing the caller's own range is refused; removing another one is not.
    let err = allowlist::remove(&t.db, &from(Some(ip("192.0.2.7"))), &configured, office.id)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Invalid(_)), "{err:?}");
    allowlist::remove(&t.db, &from(Some(ip("192.0.2.7"))), &configured, v6.id)
        .await
        .unwrap();
    let missing = allowlist::remove(&t.db, &from(None), &configured, v6.id)
        .await
        .unwrap_err();
    assert!(matches!(missing, DomainError::NotFound(_)), "{missing:?}");
    let left = allowlist::list(&t.db).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(
        (left[0].note.as_str(), left[0].source),
        ("本庁舎", AllowlistSource::Ui)
    );
    // Each change is in the audit log; refusals are not.
    let actions: Vec<String> = domain::entities::audit_log::Entity::find()
        .all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["allowlist.add", "allowlist.add", "allowlist.remove"]
    );
}

fn record(at: chrono::DateTime<Utc>, path: &str) -> Record {
    Record {
        at,
        method: "GET".into(),
        path: path.into(),
        status: 200,
        latency_us: 123,
        client_addr: Some(ip("::ffff:192.0.2.7")),
        staff_id: Some(42),
        request_id: Some("req-1".into()),
    }
}

async fn access_log_rows_are_stored_in_batches_and_purged_by_age(t: TestDb) {
    let now = Utc::now();
    let old = now - TimeDelta::days(181);
    let mut records: Vec<Record> = (0..1200)
        .map(|i| record(old, &format!("/old/{i}")))
        .collect();
    records.push(record(now - TimeDelta::days(179), "/recent"));
    records.push(record(now, "/now"));
    access_log::insert(&t.db, &records).await.unwrap();
    assert_eq!(
        access_log_rows::Entity::find().count(&t.db).await.unwrap(),
        1202
    );

    let cutoff = now - TimeDelta::days(180);
    // In chunks of 500: three statements, the last one short.
    assert_eq!(
        access_log::purge_older_than(&t.db, cutoff, 500)
            .await
            .unwrap(),
        1200
    );
    let rows = access_log_rows::Entity::find()
        .order_by_asc(access_log_rows::Column::Id)
        .all(&t.db)
        .await
        .unwrap();
    let paths: Vec<&str> = rows.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/recent", "/now"]);
    let r = &rows[1];
    assert_eq!(
        (r.method.as_str(), r.status, r.latency_us),
        ("GET", 200, 123)
    );
    assert_eq!(
        (
            r.client_addr.as_deref(),
            r.staff_id,
            r.request_id.as_deref()
        ),
        (Some("192.0.2.7"), Some(42), Some("req-1"))
    );
    assert_eq!(
        access_log::purge_older_than(&t.db, cutoff, 500)
            .await
            .unwrap(),
        0
    );
}

db_tests!(
    ranges_are_added_listed_and_removed_and_a_self_lockout_is_refused,
    access_log_rows_are_stored_in_batches_and_purged_by_age,
);

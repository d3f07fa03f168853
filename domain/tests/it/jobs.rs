//! The job queue: idempotent keys, one taker per job across instances (`SKIP LOCKED` on
//! PostgreSQL), leases that give a dead worker's jobs back, retries with backoff, and periodic
//! jobs that run once per period however many instances enqueue them.

use std::time::Duration;

use chrono::{TimeDelta, Timelike, Utc};
use domain::db::Backend;
use domain::db_tests;
use domain::entities::job;
use domain::jobs::lease::{MAX_ATTEMPTS, retry_delay};
use domain::jobs::{Work, queue};
use domain::testing::TestDb;
use model::status::WorkStatus;
use sea_orm::{ConnectionTrait, EntityTrait, TransactionTrait};

fn purge(days: u32) -> Work {
    Work::PurgeLogs {
        retention_days: days,
    }
}

async fn stored(t: &TestDb) -> Vec<job::Model> {
    job::Entity::find().all(&t.db).await.unwrap()
}

async fn enqueueing_a_key_twice_stores_one_job(t: TestDb) {
    let now = Utc::now();
    assert!(
        queue::enqueue(&t.db, "k1", &purge(180), now, now)
            .await
            .unwrap()
    );
    assert!(
        !queue::enqueue(&t.db, "k1", &purge(365), now, now)
            .await
            .unwrap()
    );
    let jobs = stored(&t).await;
    assert_eq!(jobs.len(), 1);
    // The first one stays as it was.
    assert_eq!(queue::work_of(&jobs[0]), Ok(purge(180)));
    assert_eq!(
        (jobs[0].kind.as_str(), jobs[0].status),
        ("purge_logs", WorkStatus::Pending)
    );
}

async fn a_periodic_job_is_enqueued_once_per_period_by_any_number_of_instances(t: TestDb) {
    let period = "2026-11-27T18:30:00Z".parse().unwrap();
    let now = Utc::now();
    // Three instances reach the same period at once.
    let instances = (0..3).map(|_| {
        let db = t.db.clone();
        tokio::spawn(async move { queue::enqueue_for_period(&db, &purge(180), period, now).await })
    });
    let mut new = 0;
    for instance in instances {
        new += usize::from(instance.await.unwrap().unwrap());
    }
    assert_eq!(new, 1);
    let next = "2026-11-28T18:30:00Z".parse().unwrap();
    assert!(
        queue::enqueue_for_period(&t.db, &purge(180), next, now)
            .await
            .unwrap()
    );
    let keys: Vec<String> = stored(&t).await.into_iter().map(|j| j.key).collect();
    assert_eq!(
        keys,
        [
            "purge_logs@2026-11-27T18:30:00Z",
            "purge_logs@2026-11-28T18:30:00Z"
        ]
    );
}

async fn each_due_job_goes_to_one_taker_and_comes_back_after_its_lease(t: TestDb) {
    let at = Utc::now();
    for i in 0..12 {
        queue::enqueue(&t.db, &format!("job-{i}"), &purge(180), at, at)
            .await
            .unwrap();
    }
    // Not yet due: nothing.
    let lease = Duration::from_secs(60);
    let early = at - TimeDelta::seconds(1);
    assert!(
        queue::take_due(&t.db, 10, lease, early)
            .await
            .unwrap()
            .is_empty()
    );
    // Four takers at once (workers of several instances): each job is taken once.
    let takers = (0..4).map(|_| {
        let db = t.db.clone();
        tokio::spawn(async move { queue::take_due(&db, 12, lease, at).await.unwrap() })
    });
    let mut ids = Vec::new();
    for taker in takers {
        ids.extend(taker.await.unwrap().into_iter().map(|j| j.id));
    }
    ids.sort_unstable();
    let taken = ids.len();
    ids.dedup();
    assert_eq!((taken, ids.len()), (12, 12));
    // While leased, nobody else gets them; once the lease ran out (the worker died), they are
    // due again, on their second attempt.
    let during = at + lease - Duration::from_millis(1);
    assert!(
        queue::take_due(&t.db, 12, lease, during)
            .await
            .unwrap()
            .is_empty()
    );
    let after = at + lease + Duration::from_millis(1);
    let again = queue::take_due(&t.db, 12, lease, after).await.unwrap();
    assert_eq!(again.len(), 12);
    assert!(again.iter().all(|j| j.attempts == 2));
    // Done jobs are never taken again.
    queue::finish(&t.db, again[0].id, None, after)
        .await
        .unwrap();
    let much_later = after + TimeDelta::hours(1);
    let left = queue::take_due(&t.db, 12, lease, much_later).await.unwrap();
    assert_eq!(left.len(), 11);
    assert_eq!(queue::count(&t.db, WorkStatus::Done).await.unwrap(), 1);
}

async fn failures_back_off_and_are_given_up_after_the_last_attempt(t: TestDb) {
    // Whole seconds: PostgreSQL keeps microseconds, and the times are compared exactly.
    let at = Utc::now().with_nanosecond(0).unwrap();
    queue::enqueue(&t.db, "flaky", &purge(180), at, at)
        .await
        .unwrap();
    let lease = Duration::from_secs(60);
    let mut now = at;
    for attempt in 1..=MAX_ATTEMPTS {
        let taken = queue::take_due(&t.db, 1, lease, now).await.unwrap();
        assert_eq!(taken.len(), 1, "attempt {attempt} is due at {now}");
        assert_eq!(taken[0].attempts, attempt);
        queue::retry_later(&t.db, &taken[0], "LINE unreachable", now)
            .await
            .unwrap();
        let row = &stored(&t).await[0];
        assert_eq!(row.last_error.as_deref(), Some("LINE unreachable"));
        if attempt < MAX_ATTEMPTS {
            assert_eq!(row.status, WorkStatus::Pending);
            // Not due again before its backoff.
            assert_eq!(row.run_at, now + retry_delay(attempt));
            let early = row.run_at - TimeDelta::milliseconds(1);
            assert!(
                queue::take_due(&t.db, 1, lease, early)
                    .await
                    .unwrap()
                    .is_empty()
            );
            now = row.run_at;
        } else {
            assert_eq!(row.status, WorkStatus::Failed);
        }
    }
    let much_later = now + TimeDelta::days(1);
    assert!(
        queue::take_due(&t.db, 1, lease, much_later)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_job_held_by_another_instance_is_passed_over_not_waited_for(t: TestDb) {
    let at = Utc::now();
    queue::enqueue(&t.db, "busy", &purge(180), at, at)
        .await
        .unwrap();
    queue::enqueue(&t.db, "free", &purge(180), at, at)
        .await
        .unwrap();
    let busy = stored(&t)
        .await
        .into_iter()
        .find(|j| j.key == "busy")
        .unwrap();
    match t.backend {
        Backend::Postgres => {
            // Another instance's transaction holds the row (as while it takes it).
            let other = t.db.begin().await.unwrap();
            other
                .execute_unprepared(&format!(
                    "SELECT id FROM job WHERE id = {} FOR UPDATE",
                    busy.id
                ))
                .await
                .unwrap();
            let taken = tokio::time::timeout(
                Duration::from_secs(5),
                queue::take_due(&t.db, 10, Duration::from_secs(60), at),
            )
            .await
            .expect("SKIP LOCKED: the held row is passed over, not waited for")
            .unwrap();
            assert_eq!(
                taken.iter().map(|j| j.key.as_str()).collect::<Vec<_>>(),
                ["free"]
            );
            other.rollback().await.unwrap();
        }
        // SQLite serialises writers: there is no row lock to pass over.
        Backend::Sqlite => {
            let taken = queue::take_due(&t.db, 10, Duration::from_secs(60), at)
                .await
                .unwrap();
            assert_eq!(taken.len(), 2);
        }
    }
}

async fn jobs_of_an_unknown_kind_are_left_alone(t: TestDb) {
    let at = Utc::now();
    // A job a newer version enqueued.
    let row = job::ActiveModel {
        kind: sea_orm::Set("send_fireworks".into()),
        key: sea_orm::Set("from-the-future".into()),
        payload: sea_orm::Set(r#"{"kind":"send_fireworks"}"#.into()),
        status: sea_orm::Set(WorkStatus::Pending),
        attempts: sea_orm::Set(0),
        run_at: sea_orm::Set(at),
        created_at: sea_orm::Set(at),
        ..Default::default()
    };
    job::Entity::insert(row).exec(&t.db).await.unwrap();
    assert!(
        queue::take_due(&t.db, 10, Duration::from_secs(60), at)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn the_purge_jobs_delete_only_what_is_old_enough(t: TestDb) {
    use domain::security::access_log::{self, Record};
    let now = Utc::now();
    let record = |days: i64| Record {
        at: now - TimeDelta::days(days),
        method: "GET".into(),
        path: "/healthz".into(),
        status: 200,
        latency_us: 10,
        client_addr: None,
        staff_id: None,
        request_id: None,
    };
    access_log::insert(&t.db, &[record(200), record(10)])
        .await
        .unwrap();
    let ctx = domain::jobs::JobContext::database_only(t.db.clone());
    let (running, _stop) = domain::jobs::Running::new(0, 1);
    let summary = domain::jobs::run(&ctx, &running, &purge(180))
        .await
        .unwrap();
    assert!(summary.contains("purged 1 access log rows"), "{summary}");
    let left = domain::entities::access_log::Entity::find()
        .all(&t.db)
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
}

async fn finished_jobs_are_kept_thirty_days(t: TestDb) {
    let long_ago = Utc::now() - TimeDelta::days(queue::KEEP_FINISHED_DAYS + 1);
    for key in ["old-done", "old-pending", "recent-done"] {
        queue::enqueue(&t.db, key, &purge(180), long_ago, long_ago)
            .await
            .unwrap();
    }
    let lease = Duration::from_secs(60);
    for job in queue::take_due(&t.db, 10, lease, long_ago).await.unwrap() {
        let finished = match job.key.as_str() {
            "old-done" => long_ago,
            "recent-done" => Utc::now(),
            _ => continue,
        };
        queue::finish(&t.db, job.id, None, finished).await.unwrap();
    }
    assert_eq!(queue::purge_finished(&t.db, Utc::now()).await.unwrap(), 1);
    let mut left: Vec<String> = stored(&t).await.into_iter().map(|j| j.key).collect();
    left.sort();
    assert_eq!(left, ["old-pending", "recent-done"]);
}

db_tests!(
    finished_jobs_are_kept_thirty_days,
    enqueueing_a_key_twice_stores_one_job,
    a_periodic_job_is_enqueued_once_per_period_by_any_number_of_instances,
    each_due_job_goes_to_one_taker_and_comes_back_after_its_lease,
    failures_back_off_and_are_given_up_after_the_last_attempt,
    a_job_held_by_another_instance_is_passed_over_not_waited_for,
    jobs_of_an_unknown_kind_are_left_alone,
    the_purge_jobs_delete_only_what_is_old_enough,
);

//! The server's background work: the periodic schedule enqueues each job once per period
//! however many instances run it, and the runner records how each job went.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use domain::db_tests;
use domain::entities::job;
use domain::jobs::queue;
use domain::testing::TestDb;
use model::status::WorkStatus;
use sea_orm::{EntityTrait, Set};
use server::config::Config;
use server::jobs::{job_runner, schedule};

fn config() -> Config {
    Config::from_sources(None, |_| None).unwrap()
}

async fn jobs(t: &TestDb) -> Vec<job::Model> {
    job::Entity::find().all(&t.db).await.unwrap()
}

async fn two_instances_enqueue_each_periodic_job_once_per_period(t: TestDb) {
    let periodic = Arc::new(schedule::periodic(&config()));
    let now = "2026-11-27T19:05:00Z".parse().unwrap();
    // Two instances check at the same moment, and again a minute later.
    for _ in 0..2 {
        schedule::enqueue_due(&t.db, &periodic, now).await;
    }
    schedule::enqueue_due(&t.db, &periodic, now + chrono::TimeDelta::minutes(1)).await;
    let mut keys: Vec<String> = jobs(&t).await.into_iter().map(|j| j.key).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "clean_up_menus@2026-11-27T19:05:00Z",
            "fetch_menu_statistics@2026-11-27T19:05:00Z",
            "fetch_statistics@2026-11-27T19:05:00Z",
            "purge_logs@2026-11-27T18:30:00Z",
            "purge_sessions@2026-11-27T19:00:00Z",
            "reconcile_menus@2026-11-27T19:05:00Z"
        ]
    );
}

async fn the_runner_finishes_a_job_or_keeps_why_it_could_not(t: TestDb) {
    let now = Utc::now();
    let periodic = schedule::periodic(&config());
    schedule::enqueue_due(&t.db, &periodic, now).await;
    // A payload this version cannot read (written by hand).
    let unreadable = job::ActiveModel {
        kind: Set("purge_logs".into()),
        key: Set("broken".into()),
        payload: Set("{\"kind\":\"purge_logs\"}".into()),
        status: Set(WorkStatus::Pending),
        attempts: Set(0),
        run_at: Set(now),
        created_at: Set(now),
        ..Default::default()
    };
    job::Entity::insert(unreadable).exec(&t.db).await.unwrap();
    let due = queue::take_due(&t.db, 10, job_runner::LEASE, now)
        .await
        .unwrap();
    // The purges, the statistics fetches (nothing due), the rich menu clean-up and reconcile
    // (no menus) and the unreadable one.
    assert_eq!(due.len(), 7);
    let ctx = domain::jobs::JobContext::database_only(t.db.clone());
    for job in due {
        job_runner::execute(&ctx, job).await;
    }
    for job in jobs(&t).await {
        assert_eq!(job.status, WorkStatus::Done, "{job:?}");
        let note = job.last_error.unwrap_or_default();
        if job.key == "broken" {
            assert!(note.contains("unreadable job payload"), "{note}");
        } else {
            assert_eq!(note, "", "{}", job.key);
        }
    }
    // Done: not taken again.
    let later = now + Duration::from_secs(3600);
    assert!(
        queue::take_due(&t.db, 10, job_runner::LEASE, later)
            .await
            .unwrap()
            .is_empty()
    );
}

db_tests!(
    two_instances_enqueue_each_periodic_job_once_per_period,
    the_runner_finishes_a_job_or_keeps_why_it_could_not,
);

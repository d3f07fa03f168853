//! Deliveries (配信) and the delivery engine, against real databases and a LINE that behaves
//! like LINE (`ScriptedLine::like_line`: retry keys it has accepted are answered 409 and
//! delivered once). The engine runs as the server runs it: jobs taken from the queue and run
//! through `domain::jobs::execute`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{FixedOffset, TimeDelta, Timelike, Utc};
use domain::audience::index::AudienceIndex;
use domain::audience::test_recipients::{self, TestRecipientInput};
use domain::delivery::deliveries::{self, DeliveryInput, ListFilter};
use domain::delivery::engine::{self, DeliverySettings, OneMessenger};
use domain::delivery::test_sends::{self, TestChoice, TestSettings};
use domain::delivery::{sender_lock, staging};
use domain::entities::{audit_log, delivery_run, delivery_run_audience, friend, job, line_send};
use domain::jobs::{self, Ended, JobContext, queue};
use domain::security::audit::Actor;
use domain::staff::departments;
use domain::testing::TestDb;
use domain::{DatabaseConnection, DateTime, DomainError, db_tests};
use line::api::ErrorResponse;
use line::client::ClientError;
use line::message::Message;
use model::access::Scope;
use model::delivery::{Every, Repeat, Target, Timing};
use model::segment::{Condition, Rule};
use model::status::{DeliveryStatus, FriendStatus, SendStatus, WorkStatus};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::support::{Script, ScriptedLine};

pub(crate) type Ctx = JobContext<OneMessenger<ScriptedLine>>;

pub(crate) struct Place {
    pub department_id: i64,
    pub channel_id: i64,
    pub scope: Scope,
}

pub(crate) fn staff(name: &str) -> Actor {
    Actor {
        staff_id: None,
        username: name.into(),
        client_addr: None,
    }
}

pub(crate) async fn place(db: &DatabaseConnection) -> Place {
    let department = departments::create(db, &Actor::command_line(), "防災課")
        .await
        .unwrap();
    let channel_id = domain::testing::line_channel(db, "main").await;
    Place {
        department_id: department.id,
        channel_id,
        scope: Scope::Only([department.id].into()),
    }
}

pub(crate) fn user(channel_id: i64, i: usize) -> String {
    format!("U{channel_id:08x}{i:024x}")
}

/// `n` following friends of the channel (rows written directly: fast), their LINE user ids.
pub(crate) async fn friends(
    db: &DatabaseConnection,
    channel_id: i64,
    n: usize,
    language: &str,
) -> Vec<String> {
    let now = Utc::now();
    let users: Vec<String> = (0..n).map(|i| user(channel_id, i)).collect();
    for chunk in users.chunks(200) {
        let rows = chunk.iter().map(|u| friend::ActiveModel {
            channel_id: Set(channel_id),
            line_user_id: Set(u.clone()),
            display_name: Set(Some(format!("住民{}", &u[u.len() - 4..]))),
            picture_url: Set(None),
            status_message: Set(None),
            language: Set(Some(language.to_owned())),
            status: Set(FriendStatus::Following),
            first_followed_at: Set(now),
            followed_at: Set(now),
            blocked_at: Set(None),
            profile_fetched_at: Set(None),
            updated_at: Set(now),
            ..Default::default()
        });
        friend::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await
            .unwrap();
    }
    users
}

pub(crate) fn text(t: &str) -> Message {
    serde_json::from_value(serde_json::json!({"type": "text", "text": t})).unwrap()
}

pub(crate) fn input(at: &Place, title: &str, target: Target, timing: Timing) -> DeliveryInput {
    DeliveryInput {
        department_id: at.department_id,
        channel_id: at.channel_id,
        title: title.into(),
        messages: vec![text(title)],
        target,
        timing,
        untracked_links: Vec::new(),
        per_person_clicks: false,
        rich_menu: None,
    }
}

pub(crate) fn settings(instance: &str) -> DeliverySettings {
    DeliverySettings {
        instance_id: instance.into(),
        missed_after: Duration::from_secs(60 * 60),
        in_flight: 4,
        lease: Duration::from_secs(30),
        renew_every: Duration::from_secs(10),
        wait_poll: Duration::from_millis(20),
        // Two batches at a time: every run with more than 1,000 recipients is stored in
        // several groups while it sends, as a large one is.
        stage_batches: 2,
        ..DeliverySettings::default()
    }
}

pub(crate) fn context(t: &TestDb, line: &Arc<ScriptedLine>, settings: DeliverySettings) -> Ctx {
    JobContext::new(
        t.db.clone(),
        Arc::new(OneMessenger(line.clone())),
        Arc::new(AudienceIndex::new()),
        settings,
    )
}

/// Runs the jobs due at `at` to their end, one after the other.
pub(crate) async fn run_due(ctx: &Ctx, at: DateTime) -> Vec<Ended> {
    let due = queue::take_due(&ctx.db, 10, ctx.delivery.lease, at)
        .await
        .unwrap();
    let (_keep, never) = tokio::sync::watch::channel(false);
    let mut ended = Vec::new();
    for job in due {
        ended.push(jobs::execute(ctx, job, never.clone()).await);
    }
    ended
}

/// A delivery created and sent (or scheduled) as staff do it, as if at `now`.
async fn sent(
    t: &TestDb,
    ctx: &Ctx,
    at: &Place,
    title: &str,
    timing: Timing,
    now: DateTime,
) -> deliveries::DeliveryView {
    let actor = staff("sato");
    let draft = deliveries::create(
        &t.db,
        &ctx.audience,
        &actor,
        &at.scope,
        input(at, title, Target::everyone(), timing),
        now,
    )
    .await
    .unwrap();
    deliveries::schedule(
        &t.db,
        &ctx.audience,
        &actor,
        &at.scope,
        draft.id,
        draft.version,
        now,
    )
    .await
    .unwrap()
}

async fn runs(db: &DatabaseConnection, delivery_id: i64) -> Vec<delivery_run::Model> {
    delivery_run::Entity::find()
        .filter(delivery_run::Column::DeliveryId.eq(delivery_id))
        .order_by_asc(delivery_run::Column::OccurrenceAt)
        .all(db)
        .await
        .unwrap()
}

async fn batches(db: &DatabaseConnection, run_id: i64) -> Vec<line_send::Model> {
    line_send::Entity::find()
        .filter(line_send::Column::RunId.eq(run_id))
        .order_by_asc(line_send::Column::Id)
        .all(db)
        .await
        .unwrap()
}

async fn audit_actions(db: &DatabaseConnection) -> Vec<(String, String, serde_json::Value)> {
    audit_log::Entity::find()
        .filter(audit_log::Column::EntityType.eq("delivery"))
        .order_by_asc(audit_log::Column::Seq)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| {
            (
                a.action,
                a.username,
                serde_json::from_str(&a.summary).unwrap(),
            )
        })
        .collect()
}

fn jst(at: DateTime) -> chrono::DateTime<FixedOffset> {
    at.with_timezone(&FixedOffset::east_opt(9 * 3600).unwrap())
}

/// `Timing::At` for the minute `at` falls in (JST), and that minute.
fn at_minute(at: DateTime) -> (Timing, DateTime) {
    let minute = at
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap();
    let j = jst(minute);
    (
        Timing::At {
            date: j.format("%Y-%m-%d").to_string(),
            time: j.format("%H:%M").to_string(),
        },
        minute,
    )
}

fn refused(status: u16, message: &str) -> ClientError {
    ClientError::Rejected {
        status,
        error: ErrorResponse {
            message: message.into(),
            details: Vec::new(),
            sent_messages: None,
        },
        request_id: Some("req-refused".into()),
    }
}

/// Every friend received exactly one message.
fn each_once(line: &ScriptedLine, users: &[String]) {
    let got = line.deliveries();
    for u in users {
        assert_eq!(got.get(u).copied(), Some(1), "{u}");
    }
    assert_eq!(got.len(), users.len());
}

// --- Editing, scope, versions -----------------------------------------------------------------

async fn drafts_are_edited_with_versions_within_their_department(t: TestDb) {
    let at = place(&t.db).await;
    friends(&t.db, at.channel_id, 3, "ja").await;
    let other = departments::create(&t.db, &Actor::command_line(), "福祉課")
        .await
        .unwrap();
    let other_scope = Scope::Only([other.id].into());
    let index = AudienceIndex::new();
    let now = Utc::now();
    let draft = deliveries::create(
        &t.db,
        &index,
        &staff("sato"),
        &at.scope,
        input(&at, "避難訓練のお知らせ", Target::everyone(), Timing::Now),
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        (draft.status, draft.version, draft.created_by.as_str()),
        (DeliveryStatus::Draft, 1, "sato")
    );
    assert_eq!(draft.department_name, "防災課");
    assert_eq!(draft.channel_key, "main");
    assert_eq!(draft.timing_summary, "すぐに配信");

    // Another department's staff do not see it: "not found", never "forbidden".
    let err = deliveries::get(&t.db, &other_scope, draft.id)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::NotFound(_)), "{err:?}");
    let err = deliveries::update(
        &t.db,
        &index,
        &staff("suzuki"),
        &other_scope,
        draft.id,
        1,
        input(&at, "x", Target::everyone(), Timing::Now),
        now,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DomainError::NotFound(_)), "{err:?}");
    // Nor may they create one for a department that is not theirs.
    let err = deliveries::create(
        &t.db,
        &index,
        &staff("suzuki"),
        &other_scope,
        input(&at, "x", Target::everyone(), Timing::Now),
        now,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DomainError::Invalid(_)), "{err:?}");

    // Two staff edit at once: the second save, based on the old version, is refused.
    let first = deliveries::update(
        &t.db,
        &index,
        &staff("sato"),
        &at.scope,
        draft.id,
        1,
        input(&at, "避難訓練（改）", Target::everyone(), Timing::Now),
        now,
    )
    .await
    .unwrap();
    assert_eq!(first.version, 2);
    let err = deliveries::update(
        &t.db,
        &index,
        &staff("tanaka"),
        &at.scope,
        draft.id,
        1,
        input(&at, "上書き", Target::everyone(), Timing::Now),
        now,
    )
    .await
    .unwrap_err();
    let DomainError::Conflict(message) = err else {
        panic!("{err:?}")
    };
    assert!(message.contains("再読み込み"), "{message}");
    assert_eq!(
        deliveries::get(&t.db, &at.scope, draft.id)
            .await
            .unwrap()
            .title,
        "避難訓練（改）"
    );

    // Bad input, in Japanese.
    let mut bad = input(&at, "", Target::everyone(), Timing::Now);
    let err = deliveries::create(&t.db, &index, &staff("sato"), &at.scope, bad.clone(), now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("配信名"), "{err}");
    bad.title = "ok".into();
    bad.messages = vec![text("ok")];
    bad.timing = Timing::At {
        date: "2026/12/01".into(),
        time: "7:00".into(),
    };
    let err = deliveries::create(&t.db, &index, &staff("sato"), &at.scope, bad.clone(), now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("YYYY-MM-DD"), "{err}");
    bad.timing = Timing::Now;
    bad.target = Target {
        segment_ids: vec![9999],
        ..Target::default()
    };
    let err = deliveries::create(&t.db, &index, &staff("sato"), &at.scope, bad, now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("セグメント"), "{err}");

    // A copy is a new draft; a draft can be deleted.
    let copy = deliveries::copy(&t.db, &staff("sato"), &at.scope, draft.id)
        .await
        .unwrap();
    assert_eq!(copy.title, "避難訓練（改）（コピー）");
    assert_eq!(
        (copy.status, copy.copied_from),
        (DeliveryStatus::Draft, Some(draft.id))
    );
    deliveries::delete(&t.db, &staff("sato"), &at.scope, copy.id)
        .await
        .unwrap();
    assert!(deliveries::get(&t.db, &at.scope, copy.id).await.is_err());

    // The list: filters and search, per scope.
    let page = deliveries::list(&t.db, &at.scope, &ListFilter::default())
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.rows[0].channel_label, "テスト市");
    let filter = ListFilter {
        query: "訓練".into(),
        status: Some(DeliveryStatus::Draft),
        ..ListFilter::default()
    };
    assert_eq!(
        deliveries::list(&t.db, &at.scope, &filter)
            .await
            .unwrap()
            .total,
        1
    );
    let filter = ListFilter {
        query: "ごみ".into(),
        ..ListFilter::default()
    };
    assert_eq!(
        deliveries::list(&t.db, &at.scope, &filter)
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        deliveries::list(&t.db, &other_scope, &ListFilter::default())
            .await
            .unwrap()
            .total,
        0
    );
    let actions: Vec<String> = audit_actions(&t.db)
        .await
        .into_iter()
        .map(|a| a.0)
        .collect();
    assert_eq!(
        actions,
        [
            "delivery.create",
            "delivery.update",
            "delivery.create",
            "delivery.delete"
        ]
    );
    let (_, who, summary) = &audit_actions(&t.db).await[1];
    assert_eq!(
        (who.as_str(), &summary["audience"]),
        ("sato", &serde_json::json!(3))
    );
}

async fn scheduling_refuses_the_past_never_and_nobody_leaving_the_status(t: TestDb) {
    let at = place(&t.db).await;
    friends(&t.db, at.channel_id, 2, "ja").await;
    let index = AudienceIndex::new();
    let now = Utc::now();
    let actor = staff("sato");
    let schedule = |id: i64, version: i32| {
        deliveries::schedule(&t.db, &index, &actor, &at.scope, id, version, now)
    };
    let create = |timing: Timing, target: Target| {
        deliveries::create(
            &t.db,
            &index,
            &actor,
            &at.scope,
            input(&at, "ごみ収集日", target, timing),
            now,
        )
    };
    // In the past.
    let (past, _) = at_minute(now - TimeDelta::hours(2));
    let d = create(past, Target::everyone()).await.unwrap();
    let err = schedule(d.id, d.version).await.unwrap_err();
    assert!(err.to_string().contains("過ぎています"), "{err}");
    // A repeat that never occurs: Mondays only, in a week whose Monday is excluded.
    let monday = (0..7)
        .map(|i| jst(now).date_naive() + TimeDelta::days(7 + i))
        .find(|d| chrono::Datelike::weekday(d) == chrono::Weekday::Mon)
        .unwrap();
    let never = Timing::Repeat(Repeat {
        every: Every::Week { weekdays: vec![1] },
        time: "07:00".into(),
        start: (monday - TimeDelta::days(1)).to_string(),
        end: Some((monday + TimeDelta::days(1)).to_string()),
        except: vec![monday.to_string()],
    });
    let d2 = create(never, Target::everyone()).await.unwrap();
    let err = schedule(d2.id, d2.version).await.unwrap_err();
    assert!(
        err.to_string().contains("配信される日がありません"),
        "{err}"
    );
    // Nobody: a condition no friend meets (they all told LINE Japanese).
    let english = Target {
        rule: Some(Rule::Condition(Condition::Language {
            languages: vec!["en".into()],
        })),
        ..Target::default()
    };
    let d3 = create(Timing::Now, english).await.unwrap();
    let err = schedule(d3.id, d3.version).await.unwrap_err();
    assert!(err.to_string().contains("0人"), "{err}");
    // No target at all.
    let d4 = create(Timing::Now, Target::default()).await.unwrap();
    assert!(schedule(d4.id, d4.version).await.is_err());
    // A stale version.
    let d5 = create(Timing::Now, Target::everyone()).await.unwrap();
    let err = schedule(d5.id, d5.version + 1).await.unwrap_err();
    assert!(matches!(err, DomainError::Conflict(_)), "{err:?}");
    // Nothing changed, nothing planned.
    for d in [d, d2, d3, d4, d5] {
        let now = deliveries::get(&t.db, &at.scope, d.id).await.unwrap();
        assert_eq!((now.status, now.version), (DeliveryStatus::Draft, 1));
    }
    assert!(job::Entity::find().all(&t.db).await.unwrap().is_empty());
}

/// The dashboard's 今後の配信 of one channel: its own next five, even when another channel's
/// deliveries come sooner.
async fn upcoming_deliveries_are_those_of_the_channel_soonest_first(t: TestDb) {
    let at = place(&t.db).await;
    let other = Place {
        channel_id: domain::testing::line_channel(&t.db, "other").await,
        department_id: at.department_id,
        scope: at.scope.clone(),
    };
    friends(&t.db, at.channel_id, 1, "ja").await;
    friends(&t.db, other.channel_id, 1, "ja").await;
    let index = AudienceIndex::new();
    let actor = staff("sato");
    let now = Utc::now();
    let mut expected = Vec::new();
    // The other channel's six come first; ours are later, and one is only a draft.
    for (place, hours, title, scheduled) in [
        (&other, 1, "他1", true),
        (&other, 2, "他2", true),
        (&other, 3, "他3", true),
        (&other, 4, "他4", true),
        (&other, 5, "他5", true),
        (&other, 6, "他6", true),
        (&at, 13, "本7", true),
        (&at, 9, "本3", true),
        (&at, 8, "本2", true),
        (&at, 7, "下書き", false),
        (&at, 10, "本4", true),
        (&at, 12, "本6", true),
        (&at, 11, "本5", true),
    ] {
        let (timing, _) = at_minute(now + TimeDelta::hours(hours));
        let d = deliveries::create(
            &t.db,
            &index,
            &actor,
            &at.scope,
            input(place, title, Target::everyone(), timing),
            now,
        )
        .await
        .unwrap();
        if scheduled {
            deliveries::schedule(&t.db, &index, &actor, &at.scope, d.id, d.version, now)
                .await
                .unwrap();
        }
        if place.channel_id == at.channel_id && scheduled && hours < 13 {
            expected.push((hours, title));
        }
    }
    expected.sort();
    let titles = |rows: Vec<deliveries::DeliveryRow>| -> Vec<String> {
        rows.into_iter().map(|r| r.title).collect()
    };
    let ours = deliveries::upcoming(&t.db, &at.scope, at.channel_id, 5)
        .await
        .unwrap();
    assert!(ours.iter().all(|r| r.channel_id == at.channel_id));
    assert_eq!(
        titles(ours),
        expected.iter().map(|e| e.1.to_owned()).collect::<Vec<_>>()
    );
    let theirs = deliveries::upcoming(&t.db, &at.scope, other.channel_id, 5)
        .await
        .unwrap();
    assert_eq!(titles(theirs), ["他1", "他2", "他3", "他4", "他5"]);
    // Another department sees none of them.
    let elsewhere = Scope::Only([at.department_id + 100].into());
    assert!(
        deliveries::upcoming(&t.db, &elsewhere, at.channel_id, 5)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn a_scheduled_delivery_is_cancelled_edited_and_scheduled_again(t: TestDb) {
    let at = place(&t.db).await;
    let users = friends(&t.db, at.channel_id, 3, "ja").await;
    let line = Arc::new(ScriptedLine::like_line(Duration::ZERO));
    let ctx = context(&t, &line, settings("a"));
    let now = Utc::now();
    let (timing, minute) = at_minute(now + TimeDelta::minutes(2));
    let d = sent(&t, &ctx, &at, "健診のお知らせ", timing.clone(), now).await;
    assert_eq!(d.status, DeliveryStatus::Scheduled);
    assert_eq!(d.next_at, Some(minute));
    assert_eq!(d.version, 2);
    let jobs = job::Entity::find().all(&t.db).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].key, engine::job_key(d.id, 2, minute));
    assert_eq!(jobs[0].run_at, minute);

    // 解除: editable again; the planned job finds a newer version and sends nothing.
    let cancelled = deliveries::cancel(
        &t.db,
        &ctx.audience,
        &staff("sato"),
        &at.scope,
        d.id,
        2,
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        (cancelled.status, cancelled.next_at),
        (DeliveryStatus::Cancelled, None)
    );
    assert!(cancelled.status.is_editable());
    let ended = run_due(&ctx, minute).await;
    assert!(
        matches!(&ended[..], [Ended::Done(s)] if s.contains("changed since")),
        "{ended:?}"
    );
    assert!(line.received().is_empty());
    assert!(runs(&t.db, d.id).await.is_empty());

    // Edited while cancelled, then scheduled again: the new time is planned under the new version.
    let (later, later_minute) = at_minute(now + TimeDelta::minutes(5));
    let edited = deliveries::update(
        &t.db,
        &ctx.audience,
        &staff("sato"),
        &at.scope,
        d.id,
        3,
        input(&at, "健診のお知らせ", Target::everyone(), later),
        now,
    )
    .await
    .unwrap();
    let again = deliveries::schedule(
        &t.db,
        &ctx.audience,
        &staff("sato"),
        &at.scope,
        d.id,
        edited.version,
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        (again.status, again.next_at),
        (DeliveryStatus::Scheduled, Some(later_minute))
    );
    // Editing it while scheduled moves the plan (and the old job becomes stale).
    let (latest, latest_minute) = at_minute(now + TimeDelta::minutes(7));
    let moved = deliveries::update(
        &t.db,
        &ctx.audience,
        &staff("sato"),
        &at.scope,
        d.id,
        again.version,
        input(&at, "健診のお知らせ", Target::everyone(), latest),
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        (moved.status, moved.next_at),
        (DeliveryStatus::Scheduled, Some(latest_minute))
    );
    // Both jobs come due; only the latest version sends.
    run_due(&ctx, latest_minute).await;
    each_once(&line, &users);
    let view = deliveries::get(&t.db, &at.scope, d.id).await.unwrap();
    assert_eq!(view.status, DeliveryStatus::Sent);
    assert_eq!(view.runs.len(), 1);
    assert_eq!(view.runs[0].occurrence_at, latest_minute);

    // The calendar of that month shows the run on its day.
    let day = jst(latest_minute);
    let entries = deliveries::calendar(
        &t.db,
        &at.scope,
        chrono::Datelike::year(&day),
        chrono::Datelike::month(&day),
    )
    .await
    .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (entries[0].delivery_id, entries[0].status),
        (d.id, DeliveryStatus::Sent)
    );
    let actions: Vec<String> = audit_actions(&t.db)
        .await
        .into_iter()
        .map(|a| a.0)
        .collect();
    for action in [
        "delivery.schedule",
        "delivery.cancel",
        "delivery.run",
        "delivery.finish",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
}

// --- The engine -----------------------------------------------------------------------------

async fn a_delivery_goes_out_in_batches_of_500_once_to_each_friend(t: TestDb) {
    let at = place(&t.db).await;
    let users = friends(&t.db, at.channel_id, 1203, "ja").await;
    let line = Arc::new(ScriptedLine::like_line(Duration::ZERO));
    let ctx = context(&t, &line, settings("a"));
    let now = Utc::now();
    let d = sent(&t, &ctx, &at, "【防災】避難訓練", Timing::Now, now).await;
    assert_eq!(d.status, DeliveryStatus::Sending);
    let ended = run_due(&ctx, Utc::now()).await;
    assert!(matches!(&ended[..], [Ended::Done(_)]), "{ended:?}");

    each_once(&line, &users);
    let received = line.received();
    let mut sizes: Vec<usize> = received.iter().map(|r| r.to.len()).collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [203, 500, 500]);
    let view = deliveries::get(&t.db, &at.scope, d.id).await.unwrap();
    // Every batch with the run's own aggregation unit (LINE's statistics per run).
    for r in &received {
        assert_eq!(
            r.body["customAggregationUnits"],
            serde_json::json!([format!("mdr{}", view.runs[0].id)])
        );
        assert_eq!(r.body["messages"][0]["text"], "【防災】避難訓練");
    }
    assert_eq!(view.status, DeliveryStatus::Sent);
    let run = &view.runs[0];
    assert_eq!(
        (run.status, run.audience, run.sent, run.failed, run.pending),
        (DeliveryStatus::Sent, Some(1203), 1203, 0, 0)
    );
    assert!(run.finished_at.is_some());
    // Every batch stored with its key before the first attempt, sent with it once.
    let stored = batches(&t.db, run.id).await;
    assert_eq!(stored.len(), 3);
    for b in &stored {
        assert_eq!((b.status, b.attempts), (SendStatus::Sent, 1));
        assert!(received.iter().any(|r| r.key == b.retry_key));
    }
    // Done; running the job's key again sends nothing.
    assert!(
        !engine::enqueue(&t.db, d.id, d.version, run.occurrence_at, now)
            .await
            .unwrap()
    );
    let (running, _stop) = jobs::Running::new(0, 1);
    let work = jobs::Work::Deliver {
        delivery_id: d.id,
        version: d.version,
        occurrence_at: run.occurrence_at,
    };
    let again = jobs::run(&ctx, &running, &work).await.unwrap();
    assert!(again.contains("already ended"), "{again}");
    assert_eq!(line.received().len(), 3);
    // The send is audited with who and the audience.
    let audits = audit_actions(&t.db).await;
    let send = audits.iter().find(|a| a.0 == "delivery.send").unwrap();
    assert_eq!(
        (send.1.as_str(), &send.2["audience"]),
        ("sato", &serde_json::json!(1203))
    );
    // The send lease was given back.
    assert_eq!(
        sender_lock::holder(&t.db, at.channel_id, Utc::now())
            .await
            .unwrap(),
        None
    );
}

async fn recipients_are_fixed_at_the_start_and_their_batches_stored_while_it_sends(t: TestDb) {
    let at = place(&t.db).await;
    let users = friends(&t.db, at.channel_id, 2500, "ja").await;
    // Each batch takes a while at LINE, one at a time, stored one batch per group.
    let line = Arc::new(ScriptedLine::like_line(Duration::from_millis(200)));
    let ctx = context(
        &t,
        &line,
        DeliverySettings {
            in_flight: 1,
            stage_batches: 1,
            ..settings("a")
        },
    );
    let d = sent(&t, &ctx, &at, "少しずつ保存", Timing::Now, Utc::now()).await;
    let job = queue::take_due(&t.db, 1, ctx.delivery.lease, Utc::now())
        .await
        .unwrap()
        .remove(0);
    let runner = {
        let ctx = ctx.clone();
        let (_keep, never) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            let ended = jobs::execute(&ctx, job, never).await;
            drop(_keep);
            ended
        })
    };
    // A friend of the last batch blocks meanwhile (the last of the friends by id): left out
    // when that batch is stored, a second or so from now.
    let last: i64 = friend::Entity::find()
        .filter(friend::Column::ChannelId.eq(at.channel_id))
        .order_by_desc(friend::Column::Id)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    while line.received().is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    friend::Entity::update_many()
        .col_expr(
            friend::Column::Status,
            sea_orm::sea_query::Expr::value(FriendStatus::Blocked),
        )
        .filter(friend::Column::Id.eq(last))
        .exec(&t.db)
        .await
        .unwrap();
    // The first batch went out before the last was stored: the recipients are in one row.
    let run = runs(&t.db, d.id).await.remove(0);
    let audience = delivery_run_audience::Entity::find_by_id(run.id)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(audience.batches, 5);
    assert!(audience.batches_stored < 5, "{}", audience.batches_stored);
    assert!(!run.prepared);
    let ids: Vec<i64> = friend::Entity::find()
        .filter(friend::Column::ChannelId.eq(at.channel_id))
        .order_by_asc(friend::Column::Id)
        .all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.id)
        .collect();
    assert_eq!(staging::decode_ids(&audience.friend_ids).unwrap(), ids);
    let ended = runner.await.unwrap();
    assert!(matches!(ended, Ended::Done(_)), "{ended:?}");
    each_once(&line, &users[..2499]);
    let run = runs(&t.db, d.id).await.remove(0);
    assert!(run.prepared);
    let view = deliveries::get(&t.db, &at.scope, d.id).await.unwrap();
    let r = &view.runs[0];
    assert_eq!(
        (r.status, r.audience, r.sent, r.pending, r.cancelled),
        (DeliveryStatus::Sent, Some(2500), 2499, 0, 1)
    );
    let sizes: Vec<i32> = batches(&t.db, run.id)
        .await
        .iter()
        .map(|b| b.recipients)
        .collect();
    assert_eq!(sizes, [500, 500, 500, 500, 499]);
}

async fn stopping_a_delivery_leaves_the_rest_unsent(t: TestDb) {
    let at = place(&t.db).await;
    let users = friends(&t.db, at.channel_id, 3000, "ja").await;
    let line = Arc::new(ScriptedLine::like_line(Duration::from_millis(150)));
    let ctx = context(
        &t,
        &line,
        DeliverySettings {
            in_flight: 1,
            ..settings("a")
        },
    );
    let d = sent(&t, &ctx, &at, "停止する配信", Timing::Now, Utc::now()).await;
    let job = queue::take_due(&t.db, 1, ctx.delivery.lease, Utc::now())
        .await
        .unwrap()
        .remove(0);
    let runner = {
        let ctx = ctx.clone();
        let (_keep, never) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            let ended = jobs::execute(&ctx, job, never).await;
            drop(_keep);
            ended
        })
    };
    while line.received().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stopping = deliveries::stop(&t.db, &staff("sato"), &at.scope, d.id)
        .await
        .unwrap();
    assert!(stopping.runs[0].stop_requested);
    let ended = runner.await.unwrap();
    assert!(matches!(ended, Ended::Done(_)), "{ended:?}");

    let view = deliveries::get(&t.db, &at.scope, d.id).await.unwrap();
    assert_eq!(view.status, DeliveryStatus::Stopped);
    let run = &view.runs[0];
    assert_eq!(run.status, DeliveryStatus::Stopped);
    assert!(run.sent >= 500 && run.sent < 3000, "{run:?}");
    assert_eq!(run.sent + run.cancelled, 3000, "{run:?}");
    assert_eq!(run.pending, 0);
    assert!(
        run.note.as_deref().unwrap_or_default().contains("停止"),
        "{run:?}"
    );
    let got = line.deliveries();
    assert_eq!(got.len() as i64, run.sent);
    assert!(got.values().all(|n| *n == 1));
    assert!(users.iter().filter(|u| got.contains_key(*u)).count() as i64 == run.sent);
    let cancelled = batches(&t.db, run.id)
        .await
        .into_iter()
        .filter(|b| b.status == SendStatus::Cancelled)
        .count();
    assert!(cancelled >= 1);
    let audits = audit_actions(&t.db).await;
    let stop = audits.iter().find(|a| a.0 == "delivery.stop").unwrap();
    assert_eq!(
        (stop.1.as_str(), &stop.2["audience"]),
        ("sato", &serde_json::json!(3000))
    );
    // Stopping again: it is not sending any more.
    assert!(
        deliveries::stop(&t.db, &staff("sato"), &at.scope, d.id)
            .await
            .is_err()
    );
}

async fn a_batch_line_refuses_is_kept_with_its_error_and_the_rest_go_out(t: TestDb) {
    let at = place(&t.db).await;
    friends(&t.db, at.channel_id, 1100, "ja").await;
    let line = Arc::new(ScriptedLine::like_line(Duration::ZERO).script(
        1,
        Script::Refuse(refused(400, "The request body has 1 error(s)")),
    ));
    let ctx = context(
        &t,
        &line,
        DeliverySettings {
            in_flight: 1,
            ..settings("a")
        },
    );
    let d = sent(&t, &ctx, &at, "一部失敗する配信", Timing::Now, Utc::now()).await;
    run_due(&ctx, Utc::now()).await;
    let view = deliveries::get(&t.db, &at.scope, d.id).await.unwrap();
    assert_eq!(view.status, DeliveryStatus::PartlyFailed);
    let run = &view.runs[0];
    assert_eq!((run.sent, run.failed), (600, 500));
    assert_eq!(run.errors.len(), 1);
    assert!(run.errors[0].contains("HTTP 400"), "{:?}", run.errors);
    assert!(run.errors[0].contains("The request body has 1 error(s)"));
    assert_eq!(line.deliveries().len(), 600);
    // Refused is final: the job is done, nothing is retried.
    let jobs = job::Entity::find().all(&t.db).await.unwrap();
    assert_eq!(jobs[0].status, WorkStatus::Done);
}

async fn line_unreachable_mid_delivery_is_retried_with_the_same_keys(t: TestDb) {
    let at = place(&t.db).await;
    let users = friends(&t.db, at.channel_id, 1500, "ja").await;
    // The second batch reaches LINE but the answer is lost; its next attempt meets 503s.
    let line = Arc::new(
        ScriptedLine::like_line(Duration::ZERO)
            .script(1, Script::LostAnswer)
            .script(2, Script::Unreachable),
    );
    let ctx = context(
        &t,
        &line,
        DeliverySettings {
            in_flight: 1,
            ..settings("a")
        },
    );
    let d = sent(&t, &ctx, &at, "再送される配信", Timing::Now, Utc::now()).await;
    let ended = run_due(&ctx, Utc::now()).await;
    assert!(matches!(&ended[..], [Ended::Retrying(_)]), "{ended:?}");
    let view = deliveries::get(&t.db, &at.scope, d.id).await.unwrap();
    assert_eq!(view.status, DeliveryStatus::Sending);
    assert_eq!((view.runs[0].sent, view.runs[0].pending), (500, 1000));
    let first_keys: Vec<String> = line.received().iter().map(|r| r.key.clone()).collect();
    assert_eq!(first_keys.len(), 2, "it stops at the first failure");

    // Tried again after its backoff: the same keys; LINE answers 409 for the batch it had.
    // LINE still unreachable for that batch: another retry, later.
    let ended = run_due(&ctx, Utc::now() + TimeDelta::seconds(3)).await;
    assert!(matches!(&ended[..], [Ended::Retrying(_)]), "{ended:?}");
    let ended = run_due(&ctx, Utc::now() + TimeDelta::seconds(10)).await;
    assert!(matches!(&ended[..], [Ended::Done(_)]), "{ended:?}");
    let received = line.received();
    assert_eq!(received[2].key, first_keys[1]);
    assert_eq!(received[3].key, first_keys[1]);
    each_once(&line, &users);
    let view = deliveries::get(&t.db, &at.scope, d.id).await.unwrap();
    assert_eq!(view.status, DeliveryStatus::Sent);
    assert_eq!((view.runs[0].sent, view.runs[0].failed), (1500, 0));
    let keys: Vec<String> = batches(&t.db, view.runs[0].id)
        .await
        .into_iter()
        .map(|b| b.retry_key)
        .collect();
    assert_eq!(keys[1], first_keys[1]);
}

async fn a_process_dying_mid_delivery_leaves_each_friend_one_message(t: TestDb) {
    let at = place(&t.db).await;
    let users = friends(&t.db, at.channel_id, 4000, "ja").await;
    let line = Arc::new(ScriptedLine::like_line(Duration::from_millis(40)));
    // A short lease, as `JOB_LEASE` can make it, so the take-over comes quickly.
    let short = DeliverySettings {
        lease: Duration::from_secs(1),
        renew_every: Duration::from_millis(300),
        ..settings("a")
    };
    let ctx = context(&t, &line, short.clone());
    let d = sent(&t, &ctx, &at, "落ちても一度だけ", Timing::Now, Utc::now()).await;
    // The process "dies" while batches are on their way: the job's future is dropped where it
    // stands (answers lost, rows not updated), its lease left to run out.
    let start = Utc::now();
    let job = queue::take_due(&t.db, 1, ctx.delivery.lease, start)
        .await
        .unwrap()
        .remove(0);
    let (_keep, never) = tokio::sync::watch::channel(false);
    {
        let running = jobs::execute(&ctx, job, never.clone());
        tokio::pin!(running);
        loop {
            tokio::select! {
                ended = &mut running => panic!("the job ended before it was cut off: {ended:?}"),
                () = tokio::time::sleep(Duration::from_millis(2)) => {
                    if line.received().len() >= 2 {
                        break;
                    }
                }
            }
        }
    }
    let arrived = line.received().len();
    assert!((1..8).contains(&arrived), "{arrived}");
    // Within the lease nobody takes it.
    assert!(run_due(&ctx, Utc::now()).await.is_empty());
    // Another instance (or this one restarted) takes it when the leases (the job's, the
    // channel's) end.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let other = JobContext::new(
        t.db.clone(),
        ctx.line.clone(),
        ctx.audience.clone(),
        DeliverySettings {
            instance_id: "b".into(),
            ..short
        },
    );
    let due = queue::take_due(&t.db, 10, other.delivery.lease, Utc::now())
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    let ended = jobs::execute(&other, due[0].clone(), never).await;
    assert!(matches!(ended, Ended::Done(_)), "{ended:?}");
    each_once(&line, &users);
    let view = deliveries::get(&t.db, &at.scope, d.id).await.unwrap();
    assert_eq!(
        (view.status, view.runs[0].sent),
        (DeliveryStatus::Sent, 4000)
    );
    // A batch may have gone twice, always with its one key (LINE answered 409).
    let mut keys: HashMap<String, HashSet<String>> = HashMap::new();
    for r in line.received() {
        keys.entry(r.to[0].clone()).or_default().insert(r.key);
    }
    assert_eq!(keys.len(), 8);
    assert!(keys.values().all(|k| k.len() == 1), "{keys:?}");
}

async fn a_delivery_later_than_the_grace_is_missed_not_sent_late(t: TestDb) {
    let at = place(&t.db).await;
    let users = friends(&t.db, at.channel_id, 3, "ja").await;
    let line = Arc::new(ScriptedLine::like_line(Duration::ZERO));
    let ctx = context(&t, &line, settings("a"));
    let now = Utc::now();
    // Scheduled (as staff did before an outage) for 10 and for 90 minutes ago.
    let (ten, ten_minute) = at_minute(now - TimeDelta::minutes(10));
    let (ninety, _) = at_minute(now - TimeDelta::minutes(90));
    let late = sent(&t, &ctx, &at, "10分遅れ", ten, now - TimeDelta::minutes(30)).await;
    let missed = sent(
        &t,
        &ctx,
        &at,
        "90分遅れ",
        ninety,
        now - TimeDelta::minutes(120),
    )
    .await;
    run_due(&ctx, now).await;
    each_once(&line, &users);
    assert!(
        line.received()
            .iter()
            .all(|r| r.body["messages"][0]["text"] == "10分遅れ")
    );
    let view = deliveries::get(&t.db, &at.scope, late.id).await.unwrap();
    assert_eq!(view.status, DeliveryStatus::Sent);
    assert_eq!(view.runs[0].occurrence_at, ten_minute);
    let view = deliveries::get(&t.db, &at.scope, missed.id).await.unwrap();
    assert_eq!(view.status, DeliveryStatus::Missed);
    let run = &view.runs[0];
    assert_eq!(
        (run.status, run.sent, run.audience),
        (DeliveryStatus::Missed, 0, None)
    );
    assert!(
        run.note.as_deref().unwrap_or_default().contains("見送り"),
        "{run:?}"
    );
    assert!(
        audit_actions(&t.db)
            .await
            .iter()
            .any(|a| a.0 == "delivery.missed")
    );
}

async fn a_repeated_delivery_plans_its_next_occurrence_when_one_starts(t: TestDb) {
    let at = place(&t.db).await;
    let users = friends(&t.db, at.channel_id, 3, "ja").await;
    let line = Arc::new(ScriptedLine::like_line(Duration::ZERO));
    let ctx = context(&t, &line, settings("a"));
    let now = Utc::now();
    let (_, minute) = at_minute(now - TimeDelta::minutes(5));
    let day = jst(minute).date_naive();
    let daily = Timing::Repeat(Repeat {
        every: Every::Day,
        time: jst(minute).format("%H:%M").to_string(),
        start: day.to_string(),
        end: Some((day + TimeDelta::days(10)).to_string()),
        except: vec![(day + TimeDelta::days(1)).to_string()],
    });
    let d = sent(
        &t,
        &ctx,
        &at,
        "ごみ収集日です",
        daily,
        now - TimeDelta::minutes(6),
    )
    .await;
    assert_eq!(
        (d.status, d.next_at),
        (DeliveryStatus::Scheduled, Some(minute))
    );
    assert!(
        d.timing_summary.starts_with("毎日 "),
        "{}",
        d.timing_summary
    );
    run_due(&ctx, now).await;
    each_once(&line, &users);
    let view = deliveries::get(&t.db, &at.scope, d.id).await.unwrap();
    // Back to 予約済み, for the day after tomorrow (tomorrow is excluded).
    let next = minute + TimeDelta::days(2);
    assert_eq!(
        (view.status, view.next_at),
        (DeliveryStatus::Scheduled, Some(next))
    );
    assert_eq!(view.runs[0].status, DeliveryStatus::Sent);
    let pending: Vec<String> = job::Entity::find()
        .filter(job::Column::Status.eq(WorkStatus::Pending))
        .all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.key)
        .collect();
    assert_eq!(pending, [engine::job_key(d.id, d.version, next)]);
    // The calendar shows the planned days after it.
    let month = jst(next);
    let entries = deliveries::calendar(
        &t.db,
        &at.scope,
        chrono::Datelike::year(&month),
        chrono::Datelike::month(&month),
    )
    .await
    .unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.at == next && e.status == DeliveryStatus::Scheduled && e.repeated)
    );
    // Cancelled between occurrences: the planned one does nothing.
    deliveries::cancel(
        &t.db,
        &ctx.audience,
        &staff("sato"),
        &at.scope,
        d.id,
        view.version,
        now,
    )
    .await
    .unwrap();
    run_due(&ctx, next).await;
    assert_eq!(line.received().len(), 1);
}

async fn two_instances_never_send_for_one_channel_at_once(t: TestDb) {
    let at = place(&t.db).await;
    let users = friends(&t.db, at.channel_id, 2000, "ja").await;
    let line = Arc::new(ScriptedLine::like_line(Duration::from_millis(15)));
    let a = context(&t, &line, settings("instance-a"));
    let b = JobContext::new(
        t.db.clone(),
        a.line.clone(),
        a.audience.clone(),
        settings("instance-b"),
    );
    let first = sent(&t, &a, &at, "一つ目", Timing::Now, Utc::now()).await;
    let second = sent(&t, &a, &at, "二つ目", Timing::Now, Utc::now()).await;
    let jobs = queue::take_due(&t.db, 2, a.delivery.lease, Utc::now())
        .await
        .unwrap();
    assert_eq!(jobs.len(), 2);
    let (_keep, never) = tokio::sync::watch::channel(false);
    let (x, y) = tokio::join!(
        jobs::execute(&a, jobs[0].clone(), never.clone()),
        jobs::execute(&b, jobs[1].clone(), never.clone()),
    );
    assert!(
        matches!((&x, &y), (Ended::Done(_), Ended::Done(_))),
        "{x:?} {y:?}"
    );
    // Each friend got each delivery once.
    let got = line.deliveries();
    assert_eq!(got.len(), users.len());
    assert!(got.values().all(|n| *n == 2));
    // One delivery's sends all ended before the other's began.
    let received = line.received();
    let of = |title: &str| {
        received
            .iter()
            .filter(|r| r.body["messages"][0]["text"] == title)
            .map(|r| (r.started, r.ended))
            .collect::<Vec<_>>()
    };
    let (one, two) = (of("一つ目"), of("二つ目"));
    assert_eq!((one.len(), two.len()), (4, 4));
    let one_span = (
        one.iter().map(|s| s.0).min().unwrap(),
        one.iter().map(|s| s.1).max().unwrap(),
    );
    let two_span = (
        two.iter().map(|s| s.0).min().unwrap(),
        two.iter().map(|s| s.1).max().unwrap(),
    );
    assert!(
        one_span.1 <= two_span.0 || two_span.1 <= one_span.0,
        "the two deliveries overlapped: {one_span:?} {two_span:?}"
    );
    for d in [first.id, second.id] {
        assert_eq!(
            deliveries::get(&t.db, &at.scope, d).await.unwrap().status,
            DeliveryStatus::Sent
        );
    }
    assert_eq!(
        sender_lock::holder(&t.db, at.channel_id, Utc::now())
            .await
            .unwrap(),
        None
    );
}

async fn the_send_lease_is_held_by_one_instance_until_it_ends(t: TestDb) {
    let at = place(&t.db).await;
    let now = Utc::now();
    let lease = Duration::from_secs(30);
    let c = at.channel_id;
    assert!(
        sender_lock::acquire(&t.db, c, "a", lease, now)
            .await
            .unwrap()
    );
    assert!(
        sender_lock::acquire(&t.db, c, "a", lease, now)
            .await
            .unwrap()
    );
    assert!(
        !sender_lock::acquire(&t.db, c, "b", lease, now)
            .await
            .unwrap()
    );
    assert!(!sender_lock::renew(&t.db, c, "b", lease, now).await.unwrap());
    assert!(sender_lock::renew(&t.db, c, "a", lease, now).await.unwrap());
    // Ran out: the next instance takes it, and the old holder learns it lost it.
    let later = now + TimeDelta::seconds(31);
    assert!(
        sender_lock::acquire(&t.db, c, "b", lease, later)
            .await
            .unwrap()
    );
    assert!(
        !sender_lock::renew(&t.db, c, "a", lease, later)
            .await
            .unwrap()
    );
    assert_eq!(
        sender_lock::holder(&t.db, c, later)
            .await
            .unwrap()
            .as_deref(),
        Some("b")
    );
    sender_lock::release(&t.db, c, "a").await.unwrap();
    assert_eq!(
        sender_lock::holder(&t.db, c, later)
            .await
            .unwrap()
            .as_deref(),
        Some("b")
    );
    sender_lock::release(&t.db, c, "b").await.unwrap();
    assert_eq!(sender_lock::holder(&t.db, c, later).await.unwrap(), None);
}

async fn a_running_job_keeps_its_lease_and_stops_when_it_loses_it(t: TestDb) {
    let at = place(&t.db).await;
    friends(&t.db, at.channel_id, 3000, "ja").await;
    let line = Arc::new(ScriptedLine::like_line(Duration::from_millis(600)));
    let short = DeliverySettings {
        in_flight: 1,
        lease: Duration::from_secs(1),
        renew_every: Duration::from_millis(200),
        ..settings("a")
    };
    let ctx = context(&t, &line, short);
    sent(&t, &ctx, &at, "長い配信", Timing::Now, Utc::now()).await;
    let job = queue::take_due(&t.db, 1, ctx.delivery.lease, Utc::now())
        .await
        .unwrap()
        .remove(0);
    let id = job.id;
    let runner = {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let (_keep, never) = tokio::sync::watch::channel(false);
            jobs::execute(&ctx, job, never).await
        })
    };
    // Sending, for longer than its lease: renewed, so nobody else can take it.
    while line.received().is_empty() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        queue::take_due(&t.db, 1, ctx.delivery.lease, Utc::now())
            .await
            .unwrap()
            .is_empty()
    );
    // Another taker got it after all (its lease ran out while this one stalled): this one stops.
    job::Entity::update_many()
        .col_expr(job::Column::Attempts, sea_orm::sea_query::Expr::value(2))
        .filter(job::Column::Id.eq(id))
        .exec(&t.db)
        .await
        .unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(10), runner)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ended, Ended::LeaseLost);
    let sent = line.received().len();
    assert!(sent < 6, "{sent}");
    // Nothing recorded: the job is still pending for its new taker.
    let stored = job::Entity::find_by_id(id)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, WorkStatus::Pending);
}

// --- Test sends -----------------------------------------------------------------------------

async fn test_sends_are_marked_and_change_nothing_of_the_delivery(t: TestDb) {
    let at = place(&t.db).await;
    let users = friends(&t.db, at.channel_id, 3, "ja").await;
    // One friend who told LINE English.
    friend::Entity::update_many()
        .col_expr(
            friend::Column::Language,
            sea_orm::sea_query::Expr::value("en"),
        )
        .filter(friend::Column::LineUserId.eq(users[2].clone()))
        .exec(&t.db)
        .await
        .unwrap();
    let ids: Vec<i64> = friend::Entity::find()
        .order_by_asc(friend::Column::Id)
        .all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.id)
        .collect();
    let actor = staff("sato");
    let mut recipients = Vec::new();
    for (i, name) in [(0, "佐藤（本人）"), (2, "鈴木（英語）")] {
        let r = test_recipients::add(
            &t.db,
            &actor,
            &at.scope,
            TestRecipientInput {
                department_id: at.department_id,
                friend_id: ids[i],
                name: name.into(),
                note: String::new(),
                groups: Vec::new(),
            },
        )
        .await
        .unwrap();
        recipients.push(r.id);
    }
    let line = Arc::new(ScriptedLine::like_line(Duration::ZERO));
    let index = AudienceIndex::new();
    let now = Utc::now();
    let english_only = Target {
        rule: Some(Rule::Condition(Condition::Language {
            languages: vec!["en".into()],
        })),
        ..Target::default()
    };
    let d = deliveries::create(
        &t.db,
        &index,
        &actor,
        &at.scope,
        input(&at, "防災無線のお知らせ", english_only, Timing::Now),
        now,
    )
    .await
    .unwrap();
    let settings = TestSettings::default();
    // To one chosen recipient: a push, marked.
    let one = test_sends::send(
        &t.db,
        &*line,
        &index,
        &actor,
        &at.scope,
        d.id,
        TestChoice::Chosen(vec![recipients[0]]),
        &settings,
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        (one.status, one.names.clone(), one.by_target),
        (SendStatus::Sent, vec!["佐藤（本人）".to_owned()], false)
    );
    let received = line.received();
    assert_eq!(received[0].to, [users[0].clone()]);
    let body = &received[0].body;
    assert_eq!(body["to"], users[0]);
    assert_eq!(
        body["messages"][0]["text"],
        "【テスト】\n防災無線のお知らせ"
    );
    assert_eq!(body["messages"][0]["sender"]["name"], "テスト配信");
    assert!(body.get("customAggregationUnits").is_none(), "{body}");
    // To both: one multicast.
    test_sends::send(
        &t.db,
        &*line,
        &index,
        &actor,
        &at.scope,
        d.id,
        TestChoice::Chosen(recipients.clone()),
        &TestSettings {
            sender_name: "試験".into(),
            prefix: "[TEST]".into(),
        },
        now,
    )
    .await
    .unwrap();
    let body = &line.received()[1].body;
    assert_eq!(body["to"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["messages"][0]["text"], "[TEST]\n防災無線のお知らせ");
    assert_eq!(body["messages"][0]["sender"]["name"], "試験");
    // To those who match the target: only the English speaker.
    let matching = test_sends::send(
        &t.db,
        &*line,
        &index,
        &actor,
        &at.scope,
        d.id,
        TestChoice::MatchingTarget,
        &settings,
        now,
    )
    .await
    .unwrap();
    assert_eq!(matching.names, ["鈴木（英語）"]);
    assert!(matching.by_target);
    assert_eq!(line.received()[2].to, [users[2].clone()]);
    // Another department's test recipient cannot be chosen.
    let other = departments::create(&t.db, &Actor::command_line(), "福祉課")
        .await
        .unwrap();
    let err = test_sends::send(
        &t.db,
        &*line,
        &index,
        &actor,
        &Scope::Only([other.id].into()),
        d.id,
        TestChoice::Chosen(vec![recipients[0]]),
        &settings,
        now,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DomainError::NotFound(_)), "{err:?}");
    // LINE refusing a test: kept with its error.
    let refusing = ScriptedLine::like_line(Duration::ZERO)
        .script(0, Script::Refuse(refused(400, "Invalid sender name")));
    let failed = test_sends::send(
        &t.db,
        &refusing,
        &index,
        &actor,
        &at.scope,
        d.id,
        TestChoice::Chosen(vec![recipients[0]]),
        &settings,
        now,
    )
    .await
    .unwrap();
    assert_eq!(failed.status, SendStatus::Failed);
    assert!(
        failed
            .error
            .unwrap_or_default()
            .contains("Invalid sender name")
    );

    // The delivery is as it was: a draft, no runs, its tests in its history.
    let view = deliveries::get(&t.db, &at.scope, d.id).await.unwrap();
    assert_eq!((view.status, view.version), (DeliveryStatus::Draft, 1));
    assert!(view.runs.is_empty());
    assert_eq!(view.tests.len(), 4);
    assert!(
        line_send::Entity::find()
            .all(&t.db)
            .await
            .unwrap()
            .iter()
            .all(|s| s.run_id.is_none())
    );
    assert!(job::Entity::find().all(&t.db).await.unwrap().is_empty());
    assert!(
        audit_actions(&t.db)
            .await
            .iter()
            .any(|a| a.0 == "delivery.test")
    );
}

db_tests!(
    drafts_are_edited_with_versions_within_their_department,
    scheduling_refuses_the_past_never_and_nobody_leaving_the_status,
    upcoming_deliveries_are_those_of_the_channel_soonest_first,
    a_scheduled_delivery_is_cancelled_edited_and_scheduled_again,
    a_delivery_goes_out_in_batches_of_500_once_to_each_friend,
    recipients_are_fixed_at_the_start_and_their_batches_stored_while_it_sends,
    stopping_a_delivery_leaves_the_rest_unsent,
    a_batch_line_refuses_is_kept_with_its_error_and_the_rest_go_out,
    line_unreachable_mid_delivery_is_retried_with_the_same_keys,
    a_process_dying_mid_delivery_leaves_each_friend_one_message,
    a_delivery_later_than_the_grace_is_missed_not_sent_late,
    a_repeated_delivery_plans_its_next_occurrence_when_one_starts,
    two_instances_never_send_for_one_channel_at_once,
    the_send_lease_is_held_by_one_instance_until_it_ends,
    a_running_job_keeps_its_lease_and_stops_when_it_loses_it,
    test_sends_are_marked_and_change_nothing_of_the_delivery,
);

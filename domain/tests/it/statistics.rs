//! Delivery statistics: tracked links in what is sent, the redirect's lookups and clicks, LINE's
//! figures fetched within the hourly insight budget (a clock the test controls, a LINE that
//! answers as scripted: nulls, 429, 500), the unit budget, 配信履歴 and its CSV.

use std::sync::Arc;

use chrono::{TimeDelta, Utc};
use domain::delivery::deliveries::{self, DeliveryView};
use domain::delivery::engine::DeliverySettings;
use domain::delivery::history::{self, HistoryFilter};
use domain::delivery::links;
use domain::delivery::statistics::{self, Fetched, Reserved};
use domain::entities::{delivery_run_statistics, line_insight_call};
use domain::testing::TestDb;
use domain::{DomainError, db_tests};
use line::api::{
    ClickStatistics, ErrorResponse, MessageStatistics, StatisticsOverview, StatisticsPerUnit,
};
use line::client::ClientError;
use line::message::Message;
use model::delivery::{Figure, Target, Timing};
use sea_orm::EntityTrait;

use crate::deliveries::{Ctx, Place, context, friends, input, place, run_due, settings, staff};
use crate::support::ScriptedLine;

const BASE: &str = "https://line.city.example.jp";
const APPLY: &str = "https://city.example.jp/apply";
const INFO: &str = "https://city.example.jp/info";
const PLAIN: &str = "https://city.example.jp/plain";

fn stats_settings() -> DeliverySettings {
    DeliverySettings {
        public_base: BASE.into(),
        ..settings("a")
    }
}

fn messages() -> Vec<Message> {
    serde_json::from_value(serde_json::json!([
        {"type": "text", "text": format!("申込はこちら {APPLY} 詳しくは {INFO}")},
        {"type": "template", "altText": "ご案内", "template": {"type": "buttons", "text": "ご案内",
            "actions": [{"type": "uri", "label": "案内を見る", "uri": PLAIN}]}}
    ]))
    .unwrap()
}

/// A delivery with `messages()` sent now to every friend (the plain link untracked), run to
/// the end; its view.
async fn send(t: &TestDb, ctx: &Ctx, at: &Place, title: &str) -> DeliveryView {
    let actor = staff("sato");
    let mut draft = input(at, title, Target::everyone(), Timing::Now);
    draft.messages = messages();
    draft.untracked_links = vec![PLAIN.into()];
    let d = deliveries::create(&t.db, &ctx.audience, &actor, &at.scope, draft, Utc::now())
        .await
        .unwrap();
    deliveries::schedule(
        &t.db,
        &ctx.audience,
        &actor,
        &at.scope,
        d.id,
        d.version,
        Utc::now(),
    )
    .await
    .unwrap();
    run_due(ctx, Utc::now()).await;
    deliveries::get(&t.db, &at.scope, d.id).await.unwrap()
}

async fn stats_of(t: &TestDb, run_id: i64) -> delivery_run_statistics::Model {
    delivery_run_statistics::Entity::find_by_id(run_id)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap()
}

fn answer(opens: Option<i64>, clicks: Vec<(&str, Option<i64>)>) -> StatisticsPerUnit {
    StatisticsPerUnit {
        overview: StatisticsOverview {
            unique_impression: opens,
            unique_click: clicks.first().and_then(|c| c.1),
            ..Default::default()
        },
        messages: vec![MessageStatistics {
            seq: 1,
            impression: opens,
            unique_impression: opens,
            ..Default::default()
        }],
        clicks: clicks
            .into_iter()
            .map(|(url, n)| ClickStatistics {
                seq: 1,
                url: url.into(),
                click: n,
                unique_click: n,
                unique_click_of_request: n,
            })
            .collect(),
    }
}

fn rejected(status: u16) -> ClientError {
    ClientError::Rejected {
        status,
        error: ErrorResponse {
            message: "error".into(),
            details: Vec::new(),
            sent_messages: None,
        },
        request_id: None,
    }
}

async fn a_delivery_with_two_links_shows_opens_and_clicks_as_staff_expect(t: TestDb) {
    let at = place(&t.db).await;
    friends(&t.db, at.channel_id, 30, "ja").await;
    let line = Arc::new(ScriptedLine::like_line(std::time::Duration::ZERO));
    let ctx = context(&t, &line, stats_settings());
    let view = send(&t, &ctx, &at, "ごみ収集日のお知らせ").await;
    let run = &view.runs[0];

    // LINE got tracked links in place of the two text links; the untracked one as it was.
    let body = &line.received()[0].body;
    let text = body["messages"][0]["text"].as_str().unwrap();
    assert!(!text.contains(APPLY) && !text.contains(INFO), "{text}");
    assert_eq!(text.matches(&format!("{BASE}/r/")).count(), 2, "{text}");
    assert_eq!(body["messages"][1]["template"]["actions"][0]["uri"], PLAIN);
    assert_eq!(
        body["customAggregationUnits"],
        serde_json::json!([format!("mdr{}", run.id)])
    );

    // Each code leads to its link; anything else leads nowhere.
    let tracked = links::of_run(&t.db, run.id).await.unwrap();
    assert_eq!(
        tracked.iter().map(|l| l.url.as_str()).collect::<Vec<_>>(),
        [APPLY, INFO]
    );
    let apply = links::resolve(&t.db, &tracked[0].code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(apply.url, APPLY);
    for unknown in ["AAAAAAAAAA", "", "../../etc", &"a".repeat(5000), "ｱｲｳ"] {
        assert_eq!(
            links::resolve(&t.db, unknown).await.unwrap(),
            None,
            "{unknown}"
        );
    }

    // 21 taps on the first link; LINE counts 25 opens, 21 clicks on it, fewer than 20 elsewhere.
    let now = Utc::now();
    let click = links::Click {
        link_id: apply.link_id,
        friend_id: None,
        at: now,
    };
    links::record_clicks(&t.db, &vec![click; 21]).await.unwrap();
    let first_url = format!("{BASE}/r/{}", tracked[0].code);
    line.statistics
        .lock()
        .unwrap()
        .push_back(Ok(answer(Some(25), vec![(first_url.as_str(), Some(21))])));
    let due = now + TimeDelta::minutes(10);
    let summary = statistics::fetch_due(&t.db, &*ctx.line, 60, due)
        .await
        .unwrap();
    assert_eq!(summary.updated, 1);
    let asked = line.statistics_asked.lock().unwrap().clone();
    let today = domain::time::day_of(now).format("%Y%m%d").to_string();
    assert_eq!(asked[0].0, format!("mdr{}", run.id));
    assert_eq!(asked[0].1, today);

    let report = history::report(&t.db, &at.scope, view.id, due)
        .await
        .unwrap();
    let r = &report.runs[0];
    assert_eq!(r.delivered, 30);
    assert_eq!(r.opens, Figure::Count(25));
    assert_eq!(model::delivery::rate_label(r.open_rate), "83.3%");
    assert_eq!(r.clicks, Some(21));
    let per_link: Vec<(&str, bool, Option<i64>, Figure)> = r
        .links
        .iter()
        .map(|l| (l.url.as_str(), l.tracked, l.clicks, l.unique_clicks))
        .collect();
    assert_eq!(
        per_link,
        [
            (APPLY, true, Some(21), Figure::Count(21)),
            (INFO, true, Some(0), Figure::Under20),
            (PLAIN, false, None, Figure::Under20),
        ]
    );
    assert_eq!(r.message_opens, [(1, Figure::Count(25))]);
    assert!(!r.is_final);
    // A channel with LINE credentials is not the sandbox; once it is, the report says so (the
    // page then labels a simulated audience's figures), and so does 配信履歴 when the sandbox
    // simulates an audience.
    assert!(!report.sandbox);
    let (rows, _) = history::history(&t.db, &at.scope, &HistoryFilter::default(), true)
        .await
        .unwrap();
    assert!(!rows[0].sandbox && !rows[0].simulated);
    domain::entities::line_channel::Entity::update_many()
        .col_expr(
            domain::entities::line_channel::Column::Sandbox,
            sea_orm::sea_query::Expr::value(true),
        )
        .exec(&t.db)
        .await
        .unwrap();
    let report = history::report(&t.db, &at.scope, view.id, due)
        .await
        .unwrap();
    assert!(report.sandbox);
    assert_eq!(report.runs[0].opens, Figure::Count(25));

    let (rows, total) = history::history(&t.db, &at.scope, &HistoryFilter::default(), true)
        .await
        .unwrap();
    assert_eq!(total, 1);
    assert!(rows[0].sandbox && rows[0].simulated);
    let (rows, _) = history::history(&t.db, &at.scope, &HistoryFilter::default(), false)
        .await
        .unwrap();
    assert!(
        rows[0].sandbox && !rows[0].simulated,
        "no simulated audience"
    );
    assert_eq!(
        (rows[0].delivered, rows[0].opens, rows[0].clicks),
        (30, Figure::Count(25), Some(21))
    );
    // Another department sees nothing.
    let elsewhere = model::access::Scope::Only([at.department_id + 100].into());
    let (rows, _) = history::history(&t.db, &elsewhere, &HistoryFilter::default(), false)
        .await
        .unwrap();
    assert!(rows.is_empty());
    assert!(matches!(
        history::report(&t.db, &elsewhere, view.id, due).await,
        Err(DomainError::NotFound(_))
    ));
}

async fn insight_calls_keep_to_the_hourly_budget_across_restarts(t: TestDb) {
    let at = place(&t.db).await;
    friends(&t.db, at.channel_id, 3, "ja").await;
    let line = Arc::new(ScriptedLine::like_line(std::time::Duration::ZERO));
    let ctx = context(&t, &line, stats_settings());
    let mut runs = Vec::new();
    for title in ["一回目", "二回目", "三回目"] {
        runs.push(send(&t, &ctx, &at, title).await.runs[0].id);
    }
    let now = Utc::now();
    // 59 calls made in the last half hour, by this process before a restart or by another.
    for _ in 0..59 {
        let reserved = statistics::reserve_call(
            &t.db,
            at.channel_id,
            statistics::ENDPOINT,
            60,
            now - TimeDelta::minutes(30),
        )
        .await
        .unwrap();
        assert_eq!(reserved, Reserved::Yes);
    }
    for _ in 0..3 {
        line.statistics
            .lock()
            .unwrap()
            .push_back(Ok(answer(Some(20), Vec::new())));
    }
    let due = now + TimeDelta::minutes(10);
    let summary = statistics::fetch_due(&t.db, &*ctx.line, 60, due)
        .await
        .unwrap();
    assert_eq!((summary.updated, summary.deferred), (1, 2));
    // The most recent run first.
    assert_eq!(
        line.statistics_asked.lock().unwrap()[0].0,
        format!("mdr{}", runs[2])
    );
    // Restarted at the same moment: still no budget.
    let again = statistics::fetch_due(&t.db, &*ctx.line, 60, due)
        .await
        .unwrap();
    assert_eq!((again.updated, again.deferred), (0, 2));
    assert_eq!(line.statistics_asked.lock().unwrap().len(), 1);
    // Staff's refresh is refused with when to try again.
    match statistics::refresh(&t.db, &*line, runs[0], 60, due).await {
        Err(DomainError::Invalid(m)) => assert!(m.contains("上限"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Once the 59 calls are an hour old, the other two are fetched.
    let later = now + TimeDelta::minutes(31);
    let summary = statistics::fetch_due(&t.db, &*ctx.line, 60, later)
        .await
        .unwrap();
    assert_eq!((summary.updated, summary.deferred), (2, 0));
    let calls = line_insight_call::Entity::find().all(&t.db).await.unwrap();
    assert_eq!(calls.len(), 62);
    // No hour ever held more than 60 calls.
    for c in &calls {
        let window = calls
            .iter()
            .filter(|o| {
                o.called_at <= c.called_at && o.called_at > c.called_at - TimeDelta::hours(1)
            })
            .count();
        assert!(
            window <= 60,
            "{window} calls in the hour before {}",
            c.called_at
        );
    }
}

/// Passes of the statistics job, staff refreshes and follower fetches on several instances at
/// once: the check of the budget and the record of the call are one step, so no hour ever holds
/// more than the budget.
async fn concurrent_insight_calls_never_exceed_the_hourly_budget(t: TestDb) {
    let at = place(&t.db).await;
    let now = "2026-11-28T03:00:00Z".parse::<domain::DateTime>().unwrap();
    let tasks: Vec<_> = (0..150)
        .map(|i| {
            let db = t.db.clone();
            let channel_id = at.channel_id;
            tokio::spawn(async move {
                // A follower fetch leaves 10 for deliveries; most calls are deliveries'.
                let limit = if i % 5 == 0 { 50 } else { 60 };
                statistics::reserve_call(&db, channel_id, statistics::ENDPOINT, limit, now)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut granted = 0;
    for task in tasks {
        match task.await.unwrap() {
            Reserved::Yes => granted += 1,
            other => assert_eq!(other, Reserved::BudgetSpent(now + TimeDelta::hours(1))),
        }
    }
    let calls = line_insight_call::Entity::find().all(&t.db).await.unwrap();
    assert_eq!((granted, calls.len()), (60, 60));
    // A refresh now is refused with when to try again.
    let line = Arc::new(ScriptedLine::like_line(std::time::Duration::ZERO));
    let ctx = context(&t, &line, stats_settings());
    friends(&t.db, at.channel_id, 1, "ja").await;
    let run = send(&t, &ctx, &at, "更新").await.runs[0].id;
    match statistics::refresh(&t.db, &*line, run, 60, now).await {
        Err(DomainError::Invalid(m)) => assert!(m.contains("上限"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(line.statistics_asked.lock().unwrap().is_empty());
}

/// LINE's 429: the channel's insight calls wait 5 minutes, then 10, 20 … at most an hour while
/// LINE keeps answering 429, and from 5 minutes again once it answers. The wait is stored: a
/// pass after a restart (the clock passed in) keeps it, and staff's refresh is told until when.
async fn a_429_backs_the_channel_off_longer_each_time(t: TestDb) {
    let at = place(&t.db).await;
    friends(&t.db, at.channel_id, 3, "ja").await;
    let line = Arc::new(ScriptedLine::like_line(std::time::Duration::ZERO));
    let ctx = context(&t, &line, stats_settings());
    let run = send(&t, &ctx, &at, "一回目").await.runs[0].id;
    let sent_at = stats_of(&t, run).await.sent_at;
    let asked = || line.statistics_asked.lock().unwrap().len();
    let mut clock = sent_at + TimeDelta::minutes(10);
    // Each 429 waits twice as long as the one before, at most an hour.
    for minutes in [5, 10, 20, 40, 60, 60] {
        line.statistics
            .lock()
            .unwrap()
            .push_back(Err(rejected(429)));
        let before = asked();
        let summary = statistics::fetch_due(&t.db, &*ctx.line, 60, clock)
            .await
            .unwrap();
        assert_eq!(
            (summary.updated, summary.deferred, asked()),
            (0, 1, before + 1)
        );
        // A minute before the wait ends: no call, however often the job passes.
        let early = clock + TimeDelta::minutes(minutes - 1);
        let summary = statistics::fetch_due(&t.db, &*ctx.line, 60, early)
            .await
            .unwrap();
        assert_eq!(
            (summary.deferred, asked()),
            (1, before + 1),
            "{minutes} min"
        );
        clock += TimeDelta::minutes(minutes);
    }
    // Staff's refresh while it waits: refused with until when, LINE not asked.
    let until = statistics::back_off(&t.db, at.channel_id, clock)
        .await
        .unwrap();
    assert_eq!(until, clock + TimeDelta::hours(1));
    let before = asked();
    match statistics::refresh(&t.db, &*line, run, 60, clock).await {
        Err(DomainError::Invalid(m)) => {
            assert!(m.contains("控えています"), "{m}");
            assert!(m.contains(&domain::time::minutes(until)), "{m}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(asked(), before);
    // LINE answers once the wait is over; the next 429 waits 5 minutes again.
    clock = until;
    line.statistics
        .lock()
        .unwrap()
        .push_back(Ok(answer(Some(20), Vec::new())));
    assert_eq!(
        statistics::refresh(&t.db, &*line, run, 60, clock)
            .await
            .unwrap(),
        Fetched::Updated { is_final: false }
    );
    line.statistics
        .lock()
        .unwrap()
        .push_back(Err(rejected(429)));
    assert_eq!(
        statistics::refresh(&t.db, &*line, run, 60, clock)
            .await
            .unwrap(),
        Fetched::RateLimited
    );
    assert_eq!(
        statistics::reserve_call(&t.db, at.channel_id, statistics::ENDPOINT, 60, clock)
            .await
            .unwrap(),
        Reserved::Paused(clock + statistics::BACKOFF_FIRST)
    );
}

async fn nulls_429_and_errors_from_line_are_kept_apart(t: TestDb) {
    let at = place(&t.db).await;
    friends(&t.db, at.channel_id, 3, "ja").await;
    let line = Arc::new(ScriptedLine::like_line(std::time::Duration::ZERO));
    let ctx = context(&t, &line, stats_settings());
    let first = send(&t, &ctx, &at, "一回目").await.runs[0].id;
    let second = send(&t, &ctx, &at, "二回目").await.runs[0].id;
    let sent_at = stats_of(&t, first).await.sent_at;

    // Under 20: null, shown as 20未満 and no rate; never 0.
    line.statistics
        .lock()
        .unwrap()
        .push_back(Ok(answer(None, Vec::new())));
    let row = stats_of(&t, first).await;
    let at10 = sent_at + TimeDelta::minutes(10);
    assert_eq!(
        statistics::fetch_one(&t.db, &*line, &row, at10)
            .await
            .unwrap(),
        Fetched::Updated { is_final: false }
    );
    let row = stats_of(&t, first).await;
    assert_eq!(row.unique_impression, None);
    assert!(row.fetched_at.is_some());
    assert_eq!(row.next_fetch_at, Some(sent_at + TimeDelta::hours(1)));
    let report = history::report(&t.db, &at.scope, row_delivery(&t, first).await, at10)
        .await
        .unwrap();
    assert_eq!(report.runs[0].opens, Figure::Under20);
    assert_eq!(report.runs[0].open_rate, None);

    // 429: the channel stops for this pass, nothing recorded as an error.
    line.statistics
        .lock()
        .unwrap()
        .push_back(Err(rejected(429)));
    let hour = sent_at + TimeDelta::hours(1);
    let summary = statistics::fetch_due(&t.db, &*ctx.line, 60, hour)
        .await
        .unwrap();
    assert_eq!(
        (summary.updated, summary.failed, summary.deferred),
        (0, 0, 2)
    );
    assert_eq!(stats_of(&t, second).await.last_error, None);

    // 500: kept with its message, asked again half an hour later.
    line.statistics
        .lock()
        .unwrap()
        .push_back(Err(rejected(500)));
    let row = stats_of(&t, first).await;
    let result = statistics::fetch_one(&t.db, &*line, &row, hour)
        .await
        .unwrap();
    assert!(matches!(result, Fetched::Failed(_)), "{result:?}");
    let row = stats_of(&t, first).await;
    assert!(row.last_error.unwrap().contains("500"));
    assert_eq!(row.next_fetch_at, Some(hour + statistics::ERROR_RETRY));

    // After 15 days: final, never asked again, and staff cannot refresh it.
    line.statistics
        .lock()
        .unwrap()
        .push_back(Ok(answer(Some(40), Vec::new())));
    let row = stats_of(&t, first).await;
    let end = sent_at + statistics::FINAL_AFTER;
    assert_eq!(
        statistics::fetch_one(&t.db, &*line, &row, end)
            .await
            .unwrap(),
        Fetched::Updated { is_final: true }
    );
    let row = stats_of(&t, first).await;
    assert!(row.is_final && row.next_fetch_at.is_none());
    assert!(matches!(
        statistics::refresh(&t.db, &*line, first, 60, end).await,
        Err(DomainError::Invalid(_))
    ));
}

async fn row_delivery(t: &TestDb, run_id: i64) -> i64 {
    domain::entities::delivery_run::Entity::find_by_id(run_id)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap()
        .delivery_id
}

async fn runs_go_without_a_unit_once_the_months_names_are_used(t: TestDb) {
    let at = place(&t.db).await;
    friends(&t.db, at.channel_id, 2, "ja").await;
    let line = Arc::new(ScriptedLine::like_line(std::time::Duration::ZERO));
    let ctx = context(
        &t,
        &line,
        DeliverySettings {
            aggregation_units_per_month: 1,
            ..stats_settings()
        },
    );
    let first = send(&t, &ctx, &at, "一回目").await.runs[0].id;
    let second = send(&t, &ctx, &at, "二回目").await.runs[0].id;
    let received = line.received();
    assert_eq!(
        received[0].body["customAggregationUnits"],
        serde_json::json!([format!("mdr{first}")])
    );
    assert!(received[1].body.get("customAggregationUnits").is_none());
    assert!(
        delivery_run_statistics::Entity::find_by_id(second)
            .one(&t.db)
            .await
            .unwrap()
            .is_none()
    );
    // Its links are still tracked.
    assert_eq!(links::of_run(&t.db, second).await.unwrap().len(), 2);
    assert_eq!(
        statistics::units_this_month(&t.db, at.channel_id, Utc::now())
            .await
            .unwrap(),
        1
    );
}

async fn the_history_csv_opens_in_excel_without_formulas(t: TestDb) {
    let at = place(&t.db).await;
    friends(&t.db, at.channel_id, 2, "ja").await;
    let line = Arc::new(ScriptedLine::like_line(std::time::Duration::ZERO));
    let ctx = context(&t, &line, stats_settings());
    send(&t, &ctx, &at, "=HYPERLINK(\"http://evil.example\")").await;
    send(&t, &ctx, &at, "防災訓練").await;
    let csv = history::export_csv(
        &t.db,
        &at.scope,
        &HistoryFilter::default(),
        domain::csv::Encoding::Utf8,
        false,
    )
    .await
    .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.starts_with('\u{feff}'),
        "UTF-8 with a byte-order mark for Excel"
    );
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""),
        "{csv}"
    );
    assert!(csv.contains("防災訓練"));
    assert!(csv.contains("集計待ち"));
    // Filtered by title (the order: `the_history_sorts_by_each_column_both_ways`).
    let filter = HistoryFilter {
        title: "防災".into(),
        ..HistoryFilter::default()
    };
    let (rows, total) = history::history(&t.db, &at.scope, &filter, false)
        .await
        .unwrap();
    assert_eq!((total, rows[0].title.as_str()), (1, "防災訓練"));
    assert!(matches!(
        HistoryFilter::parse("2026-12-01", "2026-11-01", "", "", ""),
        Err(DomainError::Invalid(_))
    ));
    assert!(matches!(
        HistoryFilter::parse("", "", "", "nope", ""),
        Err(DomainError::Invalid(_))
    ));
}

/// The titles of the history in the order of `sort`.
async fn titles_by(t: &TestDb, at: &Place, sort: &str, order: &str) -> Vec<String> {
    let filter = HistoryFilter::parse("", "", "", sort, order).unwrap();
    let (rows, _) = history::history(&t.db, &at.scope, &filter, false)
        .await
        .unwrap();
    rows.into_iter().map(|r| r.title).collect()
}

async fn the_history_sorts_by_each_column_both_ways(t: TestDb) {
    use domain::entities::{delivery, delivery_run};
    use model::status::DeliveryStatus;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};

    let at = place(&t.db).await;
    friends(&t.db, at.channel_id, 2, "ja").await;
    let line = Arc::new(ScriptedLine::like_line(std::time::Duration::ZERO));
    let ctx = context(&t, &line, stats_settings());
    // Sent in this order; then as if 30, 10 and 20 friends had received them, each run ending
    // differently and each delivery going to other friends.
    let removed_segment = Target {
        all_friends: false,
        segment_ids: vec![999],
        ..Target::default()
    };
    let excluding = Target {
        exclude_segment_ids: vec![999],
        ..Target::everyone()
    };
    for (title, sent, status, target) in [
        (
            "あさがお祭り",
            30,
            DeliveryStatus::Stopped,
            Target::everyone(),
        ),
        ("いちょう並木", 10, DeliveryStatus::Sent, removed_segment),
        ("うめ園だより", 20, DeliveryStatus::PartlyFailed, excluding),
    ] {
        let view = send(&t, &ctx, &at, title).await;
        let mut run = delivery_run::Entity::find_by_id(view.runs[0].id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap()
            .into_active_model();
        run.sent = Set(sent);
        run.status = Set(status);
        run.update(&t.db).await.unwrap();
        let mut d = delivery::Entity::find_by_id(view.id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap()
            .into_active_model();
        d.target = Set(serde_json::to_string(&target).unwrap());
        d.update(&t.db).await.unwrap();
    }
    let (a, i, u) = ("あさがお祭り", "いちょう並木", "うめ園だより");
    // Newest first unless asked otherwise.
    assert_eq!(titles_by(&t, &at, "", "").await, [u, i, a]);
    assert_eq!(titles_by(&t, &at, "sent_at", "asc").await, [a, i, u]);
    assert_eq!(titles_by(&t, &at, "title", "asc").await, [a, i, u]);
    assert_eq!(titles_by(&t, &at, "title", "desc").await, [u, i, a]);
    assert_eq!(titles_by(&t, &at, "delivered", "asc").await, [i, u, a]);
    assert_eq!(titles_by(&t, &at, "delivered", "desc").await, [a, u, i]);
    // 状態 in the order a run goes: 送信済み, 一部失敗, 停止.
    assert_eq!(titles_by(&t, &at, "status", "asc").await, [i, u, a]);
    assert_eq!(titles_by(&t, &at, "status", "desc").await, [a, u, i]);
    // 配信対象: 友だち全員, 友だち全員（除外：…）, （削除されたセグメント）.
    // The default (the dashboard's latest deliveries) is newest first too.
    let (rows, _) = history::history(&t.db, &at.scope, &HistoryFilter::default(), false)
        .await
        .unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| r.target_summary.as_str())
            .collect::<Vec<_>>(),
        [
            "友だち全員（除外：（削除されたセグメント））",
            "（削除されたセグメント）",
            "友だち全員",
        ]
    );
    assert_eq!(titles_by(&t, &at, "target", "asc").await, [a, u, i]);
    assert_eq!(titles_by(&t, &at, "target", "desc").await, [i, u, a]);
}

/// The first tracked code in a text sent to one friend.
fn first_code(text: &str) -> String {
    let start = text.find(&format!("{BASE}/r/")).unwrap() + BASE.len() + 3;
    text[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

async fn who_clicked_is_recorded_with_codes_of_each_friend_and_feeds_segments(t: TestDb) {
    use domain::audience::segments::{self, Selection};
    use domain::entities::friend;
    use model::segment::{Condition, Group, Join, Rule};
    use sea_orm::{ColumnTrait, QueryFilter};

    let at = place(&t.db).await;
    friends(&t.db, at.channel_id, 30, "ja").await;
    let line = Arc::new(ScriptedLine::like_line(std::time::Duration::ZERO));
    let ctx = context(&t, &line, stats_settings());
    let actor = staff("sato");
    let mut draft = input(&at, "申込のご案内", Target::everyone(), Timing::Now);
    draft.messages = messages();
    draft.untracked_links = vec![PLAIN.into()];
    draft.per_person_clicks = true;
    let d = deliveries::create(&t.db, &ctx.audience, &actor, &at.scope, draft, Utc::now())
        .await
        .unwrap();
    assert!(d.per_person_clicks);
    deliveries::schedule(
        &t.db,
        &ctx.audience,
        &actor,
        &at.scope,
        d.id,
        d.version,
        Utc::now(),
    )
    .await
    .unwrap();
    run_due(&ctx, Utc::now()).await;
    let view = deliveries::get(&t.db, &at.scope, d.id).await.unwrap();
    let run = &view.runs[0];
    assert_eq!(run.sent, 30);

    // One push per friend, each with links of their own (and the run's unit).
    let received = line.received();
    assert_eq!(received.len(), 30);
    assert!(received.iter().all(|r| r.to.len() == 1));
    let mut codes = Vec::new();
    for r in &received {
        let text = r.body["messages"][0]["text"].as_str().unwrap();
        assert_eq!(text.matches(&format!("{BASE}/r/")).count(), 2, "{text}");
        assert_eq!(
            r.body["messages"][1]["template"]["actions"][0]["uri"],
            PLAIN
        );
        assert_eq!(
            r.body["customAggregationUnits"],
            serde_json::json!([format!("mdr{}", run.id)])
        );
        let user = &r.to[0];
        let friend_id = friend::Entity::find()
            .filter(friend::Column::LineUserId.eq(user.as_str()))
            .one(&t.db)
            .await
            .unwrap()
            .unwrap()
            .id;
        codes.push((friend_id, first_code(text)));
    }
    let distinct: std::collections::HashSet<&String> = codes.iter().map(|(_, c)| c).collect();
    assert_eq!(distinct.len(), 30);

    // Each code names its friend; an altered one leads nowhere.
    let link = links::resolve(&t.db, links::link_code(&codes[0].1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link.url, APPLY);
    let now = Utc::now();
    let mut clicks = Vec::new();
    for (friend_id, code) in codes.iter().take(21) {
        let dest = link.destination(code).unwrap();
        assert_eq!(dest.friend_id, Some(*friend_id));
        // Twice by some: people are counted once, taps each time.
        clicks.push(links::Click {
            link_id: dest.link_id,
            friend_id: dest.friend_id,
            at: now,
        });
    }
    clicks.push(clicks[0]);
    links::record_clicks(&t.db, &clicks).await.unwrap();
    let forged = format!("{}{}", &codes[0].1[..16], &codes[1].1[16..]);
    assert_eq!(link.destination(&forged), None);

    // The delivery page: 22 taps by 21 people, who they are.
    let report = history::report(&t.db, &at.scope, d.id, Utc::now())
        .await
        .unwrap();
    let r = &report.runs[0];
    assert!(r.per_person);
    assert_eq!((r.clicks, r.clickers), (Some(22), Some(21)));
    assert_eq!(r.links[0].people, Some(21));
    assert_eq!(r.links[1].people, Some(0));
    let all = history::recipients(&t.db, &at.scope, d.id, run.id, false, 1)
        .await
        .unwrap();
    assert_eq!((all.total, all.rows.len(), all.per_person), (30, 30, true));
    let clicked = history::recipients(&t.db, &at.scope, d.id, run.id, true, 1)
        .await
        .unwrap();
    assert_eq!(clicked.total, 21);
    assert!(
        clicked
            .rows
            .iter()
            .all(|r| r.clicked == vec![1] && r.following)
    );
    let mut expected: Vec<i64> = codes.iter().take(21).map(|(id, _)| *id).collect();
    expected.sort_unstable();
    assert_eq!(
        clicked.rows.iter().map(|r| r.friend_id).collect::<Vec<_>>(),
        expected
    );
    let elsewhere = model::access::Scope::Only([at.department_id + 100].into());
    assert!(matches!(
        history::recipients(&t.db, &elsewhere, d.id, run.id, false, 1).await,
        Err(DomainError::NotFound(_))
    ));

    // Segments: who clicked link 1, who received it and did not, any link, link 2, NOT.
    let clicked_rule = |link: Option<u32>, clicked: bool| {
        Rule::Condition(Condition::Clicked {
            delivery_id: d.id,
            link,
            clicked,
        })
    };
    let count = |rule: Rule| {
        let audience = ctx.audience.clone();
        let db = t.db.clone();
        let channel = at.channel_id;
        async move {
            let selection = Selection {
                all_friends: false,
                include: vec![rule],
                exclude: Vec::new(),
            };
            audience
                .count(&db, channel, &selection, Utc::now())
                .await
                .unwrap()
        }
    };
    assert_eq!(count(clicked_rule(Some(1), true)).await, 21);
    assert_eq!(count(clicked_rule(Some(1), false)).await, 9);
    assert_eq!(count(clicked_rule(None, true)).await, 21);
    assert_eq!(count(clicked_rule(Some(2), true)).await, 0);
    let not = Rule::Group(Group {
        join: Join::All,
        negate: true,
        rules: vec![clicked_rule(Some(1), true)],
    });
    assert_eq!(count(not).await, 9);
    // A friend who followed after the delivery did not receive it: not in "did not click".
    let newcomer = friend::ActiveModel {
        channel_id: sea_orm::Set(at.channel_id),
        line_user_id: sea_orm::Set(format!("U{:032x}", 0xfeed_u64)),
        display_name: sea_orm::Set(Some("新しい住民".into())),
        status: sea_orm::Set(model::status::FriendStatus::Following),
        first_followed_at: sea_orm::Set(Utc::now()),
        followed_at: sea_orm::Set(Utc::now()),
        updated_at: sea_orm::Set(Utc::now()),
        ..Default::default()
    };
    sea_orm::ActiveModelTrait::insert(newcomer, &t.db)
        .await
        .unwrap();
    assert_eq!(count(Rule::Group(Group::default())).await, 31);
    assert_eq!(count(clicked_rule(Some(1), false)).await, 9);
    // The recipients fixed at sending are the ones a later delivery to "did not click" reaches.
    let ids = ctx
        .audience
        .friend_ids(
            &t.db,
            at.channel_id,
            &Selection {
                all_friends: false,
                include: vec![clicked_rule(Some(1), false)],
                exclude: Vec::new(),
            },
            Utc::now(),
        )
        .await
        .unwrap();
    let mut not_clicked: Vec<i64> = codes.iter().skip(21).map(|(id, _)| *id).collect();
    not_clicked.sort_unstable();
    assert_eq!(ids, not_clicked);

    // Staff read the condition with the delivery's title, and are offered the delivery.
    let titles = segments::delivery_titles(&t.db, [&clicked_rule(Some(1), false)])
        .await
        .unwrap();
    assert_eq!(
        segments::describe(&clicked_rule(Some(1), false), &[], &titles),
        "配信「申込のご案内」を受け取り、リンク1をクリックしていない"
    );
    let offered = links::click_deliveries(&t.db, &at.scope).await.unwrap();
    assert_eq!(offered.len(), 1);
    assert_eq!(
        offered[0].links,
        vec![(1, APPLY.to_owned()), (2, INFO.to_owned())]
    );
    assert!(
        links::click_deliveries(&t.db, &elsewhere)
            .await
            .unwrap()
            .is_empty()
    );

    // A segment of the department saves it; another department may not name its delivery.
    let segment = |department_id| segments::SegmentInput {
        department_id,
        name: "申請ページを開いていない人".into(),
        description: String::new(),
        rule: clicked_rule(Some(1), false),
    };
    segments::create(&t.db, &actor, &at.scope, segment(at.department_id))
        .await
        .unwrap();
    let welfare = domain::staff::departments::create(
        &t.db,
        &domain::security::audit::Actor::command_line(),
        "福祉課",
    )
    .await
    .unwrap();
    let theirs = model::access::Scope::Only([welfare.id].into());
    assert!(matches!(
        segments::create(&t.db, &actor, &theirs, segment(welfare.id)).await,
        Err(DomainError::Invalid(m)) if m.contains("担当外の部署の配信")
    ));
}

async fn line_follower_counts_are_fetched_daily_within_the_budget(t: TestDb) {
    use domain::audience::follower_statistics as followers;
    use line::api::NumberOfFollowers;

    let at = place(&t.db).await;
    let line = Arc::new(ScriptedLine::like_line(std::time::Duration::ZERO));
    let ready = |n: i64| {
        Ok(NumberOfFollowers {
            status: "ready".into(),
            followers: Some(n),
            targeted_reaches: Some(n - 5),
            blocks: Some(5),
        })
    };
    // Yesterday not computed yet, the two days before ready.
    {
        let mut answers = line.followers.lock().unwrap();
        answers.push_back(Ok(NumberOfFollowers {
            status: "unready".into(),
            ..Default::default()
        }));
        answers.push_back(ready(120));
        answers.push_back(ready(118));
    }
    let ctx = context(&t, &line, stats_settings());
    // 2026-11-28 12:00 in Japan.
    let now = "2026-11-28T03:00:00Z".parse::<domain::DateTime>().unwrap();
    let stored = followers::fetch_due(&t.db, &*ctx.line, 60, now)
        .await
        .unwrap();
    assert_eq!(stored, followers::DAYS_PER_PASS as u32);
    assert_eq!(
        *line.followers_asked.lock().unwrap(),
        ["20261127", "20261126", "20261125"]
    );
    let days = followers::ready_days(&t.db, at.channel_id, now)
        .await
        .unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(
        (
            days[1].day.to_string(),
            days[1].followers,
            days[1].targeted_reaches,
            days[1].blocks
        ),
        ("2026-11-26".to_owned(), 120, 115, 5)
    );

    // The budget: only what delivery statistics leave (10 kept for them).
    let calls = line_insight_call::Entity::find().all(&t.db).await.unwrap();
    assert_eq!(calls.len(), 3);
    assert!(calls.iter().all(|c| c.endpoint == followers::ENDPOINT));
    for _ in 0..48 {
        statistics::reserve_call(&t.db, at.channel_id, statistics::ENDPOINT, 60, now)
            .await
            .unwrap();
    }
    // 51 of 60 used: 9 left, under the 10 kept for deliveries.
    line.followers_asked.lock().unwrap().clear();
    let later = now + TimeDelta::minutes(5);
    assert_eq!(
        followers::fetch_due(&t.db, &*ctx.line, 60, later)
            .await
            .unwrap(),
        0
    );
    assert!(line.followers_asked.lock().unwrap().is_empty());

    // An hour later: yesterday again (LINE had not computed it), then older days.
    line.followers.lock().unwrap().push_back(ready(121));
    let hour = now + TimeDelta::minutes(61);
    followers::fetch_due(&t.db, &*ctx.line, 60, hour)
        .await
        .unwrap();
    assert_eq!(line.followers_asked.lock().unwrap()[0], "20261127");
    let days = followers::ready_days(&t.db, at.channel_id, hour)
        .await
        .unwrap();
    assert_eq!(days.last().unwrap().followers, 121);
    // A 429 stops the channel's pass without storing anything.
    line.followers_asked.lock().unwrap().clear();
    line.followers.lock().unwrap().push_back(Err(rejected(429)));
    let rows_before = followers::of_channel(&t.db, at.channel_id, hour)
        .await
        .unwrap()
        .len();
    followers::fetch_due(&t.db, &*ctx.line, 60, hour + TimeDelta::hours(2))
        .await
        .unwrap();
    assert_eq!(line.followers_asked.lock().unwrap().len(), 1);
    assert_eq!(
        followers::of_channel(&t.db, at.channel_id, hour)
            .await
            .unwrap()
            .len(),
        rows_before
    );
}

db_tests!(
    who_clicked_is_recorded_with_codes_of_each_friend_and_feeds_segments,
    line_follower_counts_are_fetched_daily_within_the_budget,
    a_delivery_with_two_links_shows_opens_and_clicks_as_staff_expect,
    insight_calls_keep_to_the_hourly_budget_across_restarts,
    concurrent_insight_calls_never_exceed_the_hourly_budget,
    a_429_backs_the_channel_off_longer_each_time,
    nulls_429_and_errors_from_line_are_kept_apart,
    runs_go_without_a_unit_once_the_months_names_are_used,
    the_history_csv_opens_in_excel_without_formulas,
    the_history_sorts_by_each_column_both_ways,
);

//! Delivery statistics: tracked links in what is sent, the redirect's lookups and clicks, LINE's
//! figures fetched within the hourly insight budget (a clock the test controls, a LINE that
//! answers as scripted: nulls, 429, 500), the unit budget, 配信履歴 and its CSV.

use std::sync::Arc;

use chrono::{TimeDelta, Utc};
use domain::delivery::deliveries::{self, DeliveryView};
use domain::delivery::engine::DeliverySettings;
use domain::delivery::history::{self, HistoryFilter};
use domain::delivery::links;
use domain::delivery::statistics::{self, Fetched};
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
    links::record_clicks(&t.db, &vec![(apply.link_id, now); 21])
        .await
        .unwrap();
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
    // page then labels a simulated audience's figures).
    assert!(!report.sandbox);
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

    let (rows, total) = history::history(&t.db, &at.scope, &HistoryFilter::default())
        .await
        .unwrap();
    assert_eq!(total, 1);
    assert_eq!(
        (rows[0].delivered, rows[0].opens, rows[0].clicks),
        (30, Figure::Count(25), Some(21))
    );
    // Another department sees nothing.
    let elsewhere = model::access::Scope::Only([at.department_id + 100].into());
    let (rows, _) = history::history(&t.db, &elsewhere, &HistoryFilter::default())
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
        statistics::record_call(
            &t.db,
            at.channel_id,
            statistics::ENDPOINT,
            now - TimeDelta::minutes(30),
        )
        .await
        .unwrap();
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
    let csv = history::export_csv(&t.db, &at.scope, &HistoryFilter::default())
        .await
        .unwrap();
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
    // Sorted by title, ascending; filtered by title.
    let filter = HistoryFilter {
        title: "防災".into(),
        ..HistoryFilter::default()
    };
    let (rows, total) = history::history(&t.db, &at.scope, &filter).await.unwrap();
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

db_tests!(
    a_delivery_with_two_links_shows_opens_and_clicks_as_staff_expect,
    insight_calls_keep_to_the_hourly_budget_across_restarts,
    nulls_429_and_errors_from_line_are_kept_apart,
    runs_go_without_a_unit_once_the_months_names_are_used,
    the_history_csv_opens_in_excel_without_formulas,
);

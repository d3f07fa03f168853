//! Deliveries end to end, with real processes: the `machidayori` binary sends a delivery to the
//! friends of a LINE sandbox that this test process serves on a loopback port (named by
//! `LINE_API_BASE`), so that what the sandbox accepted (its retry keys, each friend's chat)
//! survives the server being killed. Deliveries are created and sent through the domain API on
//! the database the server uses; its job runner picks them up.
//!
//! - Exactly once through `kill -9` at random points of a 100,000-friend delivery.
//! - Two server processes on one PostgreSQL, each sending a delivery of the same channel: each
//!   recipient once, and the channel's rate limit held by both together (the sandbox answers
//!   429 beyond it, as LINE does).
//! - A delivery due while the server was down: sent on start when less than
//!   `DELIVERY_MISSED_AFTER` late, 見送り otherwise.
//!
//! At the end, the benchmark of docs/benchmarks.md (ignored; `bench/delivery/run.sh`).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::middleware::Next;
use chrono::{DateTime, TimeDelta, Utc};
use domain::DatabaseConnection;
use domain::audience::index::AudienceIndex;
use domain::db::Backend;
use domain::db_tests;
use domain::delivery::deliveries::{self, DeliveryInput};
use domain::delivery::engine::BATCH;
use domain::entities::{delivery, delivery_run, job};
use domain::security::audit::Actor;
use domain::testing::TestDb;
use line::rate::{RateClass, RateLimit};
use model::access::Scope;
use model::delivery::{Target, Timing};
use model::status::DeliveryStatus;
use rand::Rng;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};

/// The channel the server configures from `LINE_*` (its `main` channel) and the sandbox serves.
const CHANNEL: &str = "main";
const TOKEN: &str = "deliveries-test-access-token-0123456789";
const SECRET: &str = "0123456789abcdef0123456789abcdef";
/// Every instance on one database needs the same key (it seals the channel's secrets).
const SECRET_KEY: &str = "bWFjaGlkYXlvcmktaHR0cC10ZXN0cy1rZXktMzJieXQ=";
const MULTICAST: &str = "/v2/bot/message/multicast";

// --- The LINE side: a sandbox served by this process ---------------------------------------

/// One answer of the sandbox to a multicast request.
#[derive(Clone, Copy, Debug)]
struct Call {
    at: Instant,
    status: u16,
}

/// A process to `kill -9` the moment the sandbox accepts a given multicast, before the answer
/// leaves: LINE has the batch, the server never learns it.
#[derive(Clone, Copy, Debug)]
struct Armed {
    accepted: usize,
    pid: u32,
}

/// The sandbox as LINE: served on a loopback port, every multicast and push answer recorded.
struct Line {
    sandbox: sandbox::Sandbox,
    base: String,
    calls: Arc<Mutex<Vec<Call>>>,
    armed: Arc<Mutex<Option<Armed>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Line {
    /// A sandbox with the channel `main` and LINE's limits, but `multicast_per_second` for
    /// multicast (None: LINE's 200/s).
    async fn start(multicast_per_second: Option<u32>) -> Line {
        let mut rate_limits = HashMap::new();
        if let Some(n) = multicast_per_second {
            rate_limits.insert(RateClass::Multicast, RateLimit::per_second(n));
        }
        let sandbox = sandbox::Sandbox::new(sandbox::SandboxConfig {
            state_file: None,
            rate_limits,
            ..Default::default()
        })
        .unwrap();
        sandbox.add_channel(sandbox::SandboxChannel {
            key: CHANNEL.into(),
            bot_user_id: "U0123456789abcdef0123456789abcdef".into(),
            channel_secret: SECRET.into(),
            access_token: TOKEN.into(),
            login_channel_id: None,
            // The server learns its friends from this test, not from follow events.
            webhook_url: None,
        });
        let calls = Arc::new(Mutex::new(Vec::new()));
        let armed: Arc<Mutex<Option<Armed>>> = Arc::new(Mutex::new(None));
        let (record, trigger) = (calls.clone(), armed.clone());
        let app = sandbox.router().layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let (record, trigger) = (record.clone(), trigger.clone());
                async move {
                    // A delivery's requests: multicasts, or pushes for one that records who
                    // clicked.
                    let multicast = [MULTICAST, "/v2/bot/message/push"].contains(&req.uri().path());
                    let response = next.run(req).await;
                    if multicast {
                        let status = response.status().as_u16();
                        let accepted = {
                            let mut calls = record.lock().unwrap();
                            calls.push(Call {
                                at: Instant::now(),
                                status,
                            });
                            calls.iter().filter(|c| c.status == 200).count()
                        };
                        let fire = {
                            let mut armed = trigger.lock().unwrap();
                            match *armed {
                                Some(a) if status == 200 && accepted >= a.accepted => armed.take(),
                                _ => None,
                            }
                        };
                        if let Some(a) = fire {
                            let _ = Command::new("kill")
                                .args(["-KILL", &a.pid.to_string()])
                                .status();
                        }
                    }
                    response
                }
            },
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Line {
            sandbox,
            base,
            calls,
            armed,
            server,
        }
    }

    /// `count` friends following the account; their user ids.
    fn seed(&self, count: usize) -> Vec<String> {
        self.sandbox.seed_friends(CHANNEL, count).unwrap()
    }

    /// Kills `pid` when the sandbox accepts its `accepted`-th multicast, before answering.
    fn kill_on_accepting(&self, accepted: usize, pid: u32) {
        *self.armed.lock().unwrap() = Some(Armed { accepted, pid });
    }

    /// Whether the armed kill has happened.
    fn fired(&self) -> bool {
        self.armed.lock().unwrap().is_none()
    }

    fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// Multicasts and pushes answered with `status`.
    fn answered(&self, status: u16) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.status == status)
            .count()
    }

    /// Each friend's messages from the account, by how many there are: (received none,
    /// received more than `expected`) with the user ids.
    fn received_other_than(
        &self,
        friends: &[String],
        expected: usize,
    ) -> (Vec<String>, Vec<(String, usize)>) {
        let mut none = Vec::new();
        let mut other = Vec::new();
        for id in friends {
            let n = self
                .sandbox
                .chat(CHANNEL, id)
                .iter()
                .filter(|e| !e.from_friend)
                .count();
            if n == 0 {
                none.push(id.clone());
            } else if n != expected {
                other.push((id.clone(), n));
            }
        }
        (none, other)
    }

    /// The texts a friend received.
    fn texts(&self, friend: &str) -> Vec<String> {
        self.sandbox
            .chat(CHANNEL, friend)
            .iter()
            .filter(|e| !e.from_friend)
            .filter_map(|e| e.message["text"].as_str().map(str::to_owned))
            .collect()
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        self.server.abort();
    }
}

// --- The server: real processes -------------------------------------------------------------

/// A running `machidayori serve`, talking to `line`.
struct Instance {
    child: Child,
    addr: String,
    log: Arc<Mutex<Vec<String>>>,
    _data: tempfile::TempDir,
}

/// The environment of every instance of a test.
#[derive(Clone)]
struct Setup {
    db_url: String,
    line_base: String,
    env: Vec<(String, String)>,
    /// Another build of `machidayori` than the one cargo built with the tests.
    binary: Option<String>,
}

impl Setup {
    fn new(db_url: &str, line: &Line, env: &[(&str, &str)]) -> Setup {
        Setup {
            db_url: db_url.to_owned(),
            line_base: line.base.clone(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            binary: None,
        }
    }

    /// Starts an instance and waits until it listens (the job runner is running by then).
    async fn start(&self) -> Instance {
        self.start_with(&[]).await
    }

    /// [`Setup::start`] with more variables for this instance.
    async fn start_with(&self, extra: &[(&str, &str)]) -> Instance {
        let mut setup = self.clone();
        setup.env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        tokio::task::spawn_blocking(move || setup.start_blocking())
            .await
            .unwrap()
    }

    fn start_blocking(&self) -> Instance {
        let data = tempfile::tempdir().unwrap();
        // The benchmark runs a release build; tests the binary cargo built with them.
        let binary = self
            .binary
            .clone()
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_machidayori").to_owned());
        let mut cmd = Command::new(binary);
        for name in [
            "PUBLIC_URL",
            "REQUEST_BODY_LIMIT",
            "LINE_CHANNEL_ID",
            "LINE_LOGIN_CHANNEL_ID",
            "LINE_RATE_LIMITS",
            "LINE_API_TIMEOUT",
            "ADMIN_ALLOWED_IPS",
            "TRUSTED_PROXIES",
            "DATABASE_MAX_CONNECTIONS",
        ] {
            cmd.env_remove(name);
        }
        cmd.env("DATABASE_URL", &self.db_url)
            .env("DATA_DIR", data.path())
            .env("BIND_ADDR", "127.0.0.1:0")
            .env("SECRET_KEY", SECRET_KEY)
            .env("LINE_CHANNEL_SECRET", SECRET)
            .env("LINE_CHANNEL_ACCESS_TOKEN", TOKEN)
            .env("LINE_API_BASE", &self.line_base)
            .env("LINE_API_DATA_BASE", &self.line_base)
            .env("LOG_FORMAT", "json")
            .env("LOG_LEVEL", "info");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn server");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let log = Arc::new(Mutex::new(Vec::new()));
        let addr = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                panic!(
                    "the server exited before listening:\n{}",
                    log.lock().unwrap().join("\n")
                );
            };
            log.lock().unwrap().push(line.clone());
            let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if entry["message"] == "listening" {
                break entry["address"].as_str().expect("address").to_owned();
            }
        };
        // Keep reading (a full pipe would block the server), for the failure messages.
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Instance {
            child,
            addr,
            log,
            _data: data,
        }
    }
}

impl Instance {
    /// Sends `signal` (`STOP`, `CONT`...).
    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// `kill -9`: no shutdown, nothing flushed.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Its log's warnings and errors, and the last lines, for a failure message.
    fn log_tail(&self) -> String {
        let log = self.log.lock().unwrap();
        let notable: Vec<&String> = log
            .iter()
            .filter(|l| l.contains("\"level\":\"WARN\"") || l.contains("\"level\":\"ERROR\""))
            .collect();
        let last = log.len().saturating_sub(15);
        format!(
            "warnings and errors:\n{}\nlast lines:\n{}",
            notable
                .iter()
                .rev()
                .take(20)
                .rev()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            log[last..].join("\n")
        )
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

// --- The database side ------------------------------------------------------------------------

/// The database for tests that run on one backend: PostgreSQL when `TEST_POSTGRES_URL` is set
/// (as in CI), SQLite otherwise.
async fn one_database() -> TestDb {
    if std::env::var(domain::testing::POSTGRES_URL_VAR).is_ok() {
        TestDb::new(Backend::Postgres).await
    } else {
        TestDb::new(Backend::Sqlite).await
    }
}

/// Registers `line_user_ids` as following friends of the channel, in a few statements (the
/// ids travel as one JSON array per statement).
async fn insert_friends(db: &DatabaseConnection, channel_id: i64, line_user_ids: &[String]) {
    let backend = db.get_database_backend();
    let sql = match domain::db::backend_of(db) {
        Backend::Sqlite => {
            "INSERT INTO friend (channel_id, line_user_id, language, status, first_followed_at, followed_at, updated_at) \
             SELECT $1, value, 'ja', 'following', $2, $2, $2 FROM json_each($3)"
        }
        Backend::Postgres => {
            "INSERT INTO friend (channel_id, line_user_id, language, status, first_followed_at, followed_at, updated_at) \
             SELECT $1, u, 'ja', 'following', $2, $2, $2 FROM json_array_elements_text($3::json) AS u"
        }
    };
    let followed = Utc::now() - TimeDelta::days(1);
    for chunk in line_user_ids.chunks(100_000) {
        let ids = serde_json::to_string(chunk).unwrap();
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [channel_id.into(), followed.into(), ids.into()],
        ))
        .await
        .unwrap();
    }
}

/// What a test needs to create deliveries: the channel (configured by the server at its
/// start) and a department.
struct Place {
    channel_id: i64,
    department_id: i64,
}

async fn place(db: &DatabaseConnection) -> Place {
    let channel_id = domain::platform::channels::id_of(db, CHANNEL)
        .await
        .unwrap();
    let department_id =
        domain::staff::departments::create(db, &Actor::command_line(), "防災危機管理課")
            .await
            .unwrap()
            .id;
    Place {
        channel_id,
        department_id,
    }
}

fn text(text: &str) -> line::message::Message {
    serde_json::from_value(serde_json::json!({ "type": "text", "text": text })).unwrap()
}

/// A delivery of `message` to every friend, sent (`Timing::Now`) or scheduled, through the
/// domain as staff's 送信 does it; scheduled as if at `now`. Its id.
async fn send(
    db: &DatabaseConnection,
    at: &Place,
    message: &str,
    timing: Timing,
    now: DateTime<Utc>,
) -> i64 {
    let actor = Actor::command_line();
    let index = AudienceIndex::new();
    let draft = deliveries::create(
        db,
        &index,
        &actor,
        &Scope::All,
        DeliveryInput {
            department_id: at.department_id,
            channel_id: at.channel_id,
            title: message.chars().take(50).collect(),
            messages: vec![text(message)],
            target: Target::everyone(),
            timing,
            untracked_links: Vec::new(),
            per_person_clicks: false,
            rich_menu: None,
        },
        now,
    )
    .await
    .unwrap();
    deliveries::schedule(
        db,
        &index,
        &actor,
        &Scope::All,
        draft.id,
        draft.version,
        now,
    )
    .await
    .unwrap();
    draft.id
}

/// The delivery's runs.
async fn runs(db: &DatabaseConnection, delivery_id: i64) -> Vec<delivery_run::Model> {
    delivery_run::Entity::find()
        .filter(delivery_run::Column::DeliveryId.eq(delivery_id))
        .all(db)
        .await
        .unwrap()
}

async fn status_of(db: &DatabaseConnection, delivery_id: i64) -> DeliveryStatus {
    delivery::Entity::find_by_id(delivery_id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .status
}

/// Waits until the delivery's (only) run has ended; gives it.
async fn finished_run(
    db: &DatabaseConnection,
    delivery_id: i64,
    within: Duration,
    servers: &[&Instance],
) -> delivery_run::Model {
    let deadline = Instant::now() + within;
    loop {
        let runs = runs(db, delivery_id).await;
        if let [run] = runs.as_slice()
            && run.status.is_final()
        {
            return run.clone();
        }
        if Instant::now() > deadline {
            let logs: Vec<String> = servers.iter().map(|s| s.log_tail()).collect();
            panic!(
                "the delivery did not finish within {within:?}; runs: {runs:?}\n{}",
                logs.join("\n---\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether an instance has taken the delivery's job (it runs or has run).
async fn job_taken(db: &DatabaseConnection) -> bool {
    job::Entity::find()
        .filter(job::Column::Kind.eq("deliver"))
        .filter(job::Column::Attempts.gt(0))
        .one(db)
        .await
        .unwrap()
        .is_some()
}

/// The most multicasts accepted (200) within any 1 s window.
fn most_accepted_in_a_second(calls: &[Call]) -> usize {
    let accepted: Vec<Instant> = calls
        .iter()
        .filter(|c| c.status == 200)
        .map(|c| c.at)
        .collect();
    let mut most = 0;
    let mut start = 0;
    for (end, at) in accepted.iter().enumerate() {
        while *at - accepted[start] >= Duration::from_secs(1) {
            start += 1;
        }
        most = most.max(end + 1 - start);
    }
    most
}

async fn wait_until(what: &str, within: Duration, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(
            Instant::now() < deadline,
            "timed out after {within:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

// --- The tests --------------------------------------------------------------------------------

/// 100,000 friends at 50 multicasts/s: 200 batches, 4 s of sending; three `kill -9`s at random
/// moments, each followed by a restart: soon after the job is taken (maybe while the batches
/// are being stored), the moment LINE accepts a random batch (before the server hears it), and
/// a random moment after another random batch. `DELIVERY_KILL_SEED` replays a run's choices.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::print_stderr)] // the seed and where the kills landed, to reproduce a failure
async fn kill_9_at_random_points_of_a_100000_friend_delivery_then_restart() {
    const FRIENDS: usize = 100_000;
    const RATE: u32 = 50;
    let started = Instant::now();
    let seed: u64 = std::env::var("DELIVERY_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::rng().random());
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
    let t = one_database().await;
    let line = Line::start(Some(RATE)).await;
    let friends = line.seed(FRIENDS);
    let rate = format!("multicast={RATE}/s");
    // The shortest lease: a killed process's delivery is taken over 3 s later.
    let setup = Setup::new(
        &t.url,
        &line,
        &[("LINE_RATE_LIMITS", &rate), ("JOB_LEASE", "3s")],
    );
    let mut server = setup.start().await;
    let at = place(&t.db).await;
    insert_friends(&t.db, at.channel_id, &friends).await;
    let prepared = started.elapsed();

    let batches = FRIENDS.div_ceil(BATCH);
    // After how many accepted batches the second and third kills land (apart, increasing).
    let second = rng.random_range(5..batches / 2);
    let third = rng.random_range(second + 10..batches - 10);
    let first_delay = Duration::from_millis(rng.random_range(0..400));
    let third_delay = Duration::from_millis(rng.random_range(0..20));
    let delivery_id = send(
        &t.db,
        &at,
        "【防災】避難訓練のお知らせ",
        Timing::Now,
        Utc::now(),
    )
    .await;

    let mut landed = Vec::new();
    // 1. Soon after an instance took the job: while it resolves and stores the batches, or
    //    sends the first ones.
    wait_until(
        "the delivery job to be taken",
        Duration::from_secs(20),
        async || job_taken(&t.db).await,
    )
    .await;
    tokio::time::sleep(first_delay).await;
    server.kill();
    landed.push(line.answered(200));
    server = setup.start().await;
    // 2. The moment LINE accepts a batch, before its answer reaches the server: the batch is
    //    still pending in the database, and must be answered 409 when sent again.
    line.kill_on_accepting(second, server.child.id());
    wait_until(
        &format!("the kill on accepting batch {second}"),
        Duration::from_secs(30),
        async || line.fired(),
    )
    .await;
    server.kill();
    landed.push(line.answered(200));
    server = setup.start().await;
    // 3. Anywhere in the cycle of a request, a little after a batch was accepted.
    wait_until(
        &format!("{third} accepted batches"),
        Duration::from_secs(30),
        async || line.answered(200) >= third,
    )
    .await;
    tokio::time::sleep(third_delay).await;
    server.kill();
    landed.push(line.answered(200));
    server = setup.start().await;
    eprintln!(
        "kill -9 test (DELIVERY_KILL_SEED={seed}): killed after {landed:?} accepted batches ({first_delay:?} after the job was taken; on accepting batch {second}; {third_delay:?} after batch {third})"
    );
    assert!(
        landed.iter().all(|n| *n < batches),
        "every kill lands before the last batch: {landed:?}"
    );

    let run = finished_run(&t.db, delivery_id, Duration::from_secs(60), &[&server]).await;
    let (none, other) = line.received_other_than(&friends, 1);
    assert!(
        none.is_empty() && other.is_empty(),
        "each friend receives the message once: {} received nothing, {} received it more than once (e.g. {:?}); seed {seed}",
        none.len(),
        other.len(),
        other.first()
    );
    assert_eq!(
        (run.status, run.audience, run.sent, run.failed),
        (
            DeliveryStatus::Sent,
            Some(FRIENDS as i64),
            FRIENDS as i64,
            0
        ),
        "{run:?}"
    );
    assert_eq!(status_of(&t.db, delivery_id).await, DeliveryStatus::Sent);
    // Each batch was accepted once; the one LINE accepted as the server died (at least) was
    // sent again with its key and answered 409.
    assert_eq!(line.answered(200), batches);
    assert!(line.answered(409) >= 1, "{:?}", line.calls());
    eprintln!(
        "kill -9 test: {:?} in all ({prepared:?} to prepare {FRIENDS} friends); {} multicasts answered 409, {} answered 429",
        started.elapsed(),
        line.answered(409),
        line.answered(429)
    );
}

/// Two instances on one PostgreSQL send two deliveries of one channel, 20,000 friends each, at
/// a channel limit of 20 multicasts/s: each friend receives each delivery once, and the sandbox
/// (which enforces the same limit, as LINE does) never answers 429, because the channel's
/// deliveries are sent by one instance at a time. To have each instance run one of them, the
/// first instance is frozen (`SIGSTOP`, as in a long pause) once it sends the first, while the
/// second starts, takes the second and stores its batches; the second then waits for the
/// channel until the first is done. (Were both to send at once, 40 requests/s would meet the
/// sandbox's 429 within a second.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::print_stderr)] // the skip note
async fn two_server_processes_on_one_postgresql_send_each_recipient_once_within_the_rate_limit() {
    const FRIENDS: usize = 20_000;
    const RATE: u32 = 20;
    if std::env::var(domain::testing::POSTGRES_URL_VAR).is_err() {
        eprintln!(
            "skipped: two instances need PostgreSQL; set TEST_POSTGRES_URL=postgres://USER:PASSWORD@HOST/postgres"
        );
        return;
    }
    let t = TestDb::new(Backend::Postgres).await;
    let line = Line::start(Some(RATE)).await;
    let friends = line.seed(FRIENDS);
    let rate = format!("multicast={RATE}/s");
    let setup = Setup::new(&t.url, &line, &[("LINE_RATE_LIMITS", &rate)]);
    let a = setup.start_with(&[("INSTANCE_ID", "web-a")]).await;
    let at = place(&t.db).await;
    insert_friends(&t.db, at.channel_id, &friends).await;

    // Who holds the channel's send lease, as it changes.
    let holders = Arc::new(Mutex::new(Vec::<String>::new()));
    let watch = {
        let (db, holders, channel_id) = (t.db.clone(), holders.clone(), at.channel_id);
        tokio::spawn(async move {
            loop {
                let holder = domain::entities::channel_sender::Entity::find_by_id(channel_id)
                    .one(&db)
                    .await
                    .ok()
                    .flatten()
                    .map(|row| row.holder);
                if let Some(h) = holder {
                    let mut seen = holders.lock().unwrap();
                    if seen.last() != Some(&h) {
                        seen.push(h);
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };

    let first = send(
        &t.db,
        &at,
        "【子育て】健診のお知らせ",
        Timing::Now,
        Utc::now(),
    )
    .await;
    wait_until("web-a sending", Duration::from_secs(20), async || {
        holders.lock().unwrap().iter().any(|h| h == "web-a")
    })
    .await;
    a.signal("STOP");
    let second = send(
        &t.db,
        &at,
        "【防災】避難所のお知らせ",
        Timing::Now,
        Utc::now(),
    )
    .await;
    let b = setup.start_with(&[("INSTANCE_ID", "web-b")]).await;
    // Only web-b can take it; once its batches are stored it wants the channel.
    wait_until(
        "web-b preparing the second delivery",
        Duration::from_secs(20),
        async || !runs(&t.db, second).await.is_empty(),
    )
    .await;
    a.signal("CONT");

    let one = finished_run(&t.db, first, Duration::from_secs(40), &[&a, &b]).await;
    let two = finished_run(&t.db, second, Duration::from_secs(40), &[&a, &b]).await;
    watch.abort();
    for run in [&one, &two] {
        assert_eq!(
            (run.status, run.sent, run.failed),
            (DeliveryStatus::Sent, FRIENDS as i64, 0),
            "{run:?}"
        );
    }
    assert_eq!(
        *holders.lock().unwrap(),
        ["web-a", "web-b"],
        "one instance at a time"
    );
    let mut wrong = 0;
    for friend in &friends {
        let mut texts = line.texts(friend);
        texts.sort();
        if texts != ["【子育て】健診のお知らせ", "【防災】避難所のお知らせ"]
        {
            wrong += 1;
        }
    }
    assert_eq!(
        wrong, 0,
        "friends who did not receive each delivery exactly once"
    );
    let calls = line.calls();
    assert_eq!(line.answered(200), 2 * FRIENDS.div_ceil(BATCH));
    assert_eq!(
        line.answered(429),
        0,
        "the channel's limit ({RATE}/s) holds for both instances together; most accepted in 1 s: {}",
        most_accepted_in_a_second(&calls)
    );
}

/// A delivery due while no server ran: sent on start when less than `DELIVERY_MISSED_AFTER`
/// late, marked 見送り (and not sent) when later than that.
async fn a_delivery_due_while_the_server_was_down_is_sent_or_missed_by_how_late(t: TestDb) {
    let line = Line::start(None).await;
    let friends = line.seed(3);
    let setup = Setup::new(&t.url, &line, &[("DELIVERY_MISSED_AFTER", "30m")]);
    // A first start configures the channel; then every server is down.
    let mut server = setup.start().await;
    server.kill();
    let at = place(&t.db).await;
    insert_friends(&t.db, at.channel_id, &friends).await;

    let now = Utc::now();
    // Scheduled a while ago for a minute later, as staff did before the outage.
    let jst = |t: DateTime<Utc>| t.with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap());
    let at_time = |t: DateTime<Utc>| Timing::At {
        date: jst(t).format("%Y-%m-%d").to_string(),
        time: jst(t).format("%H:%M").to_string(),
    };
    let slightly = now - TimeDelta::minutes(10);
    let very = now - TimeDelta::minutes(45);
    let sent_id = send(
        &t.db,
        &at,
        "10分遅れ",
        at_time(slightly),
        slightly - TimeDelta::minutes(2),
    )
    .await;
    let missed_id = send(
        &t.db,
        &at,
        "45分遅れ",
        at_time(very),
        very - TimeDelta::minutes(2),
    )
    .await;
    assert_eq!(status_of(&t.db, sent_id).await, DeliveryStatus::Scheduled);

    let server = setup.start().await;
    let sent = finished_run(&t.db, sent_id, Duration::from_secs(20), &[&server]).await;
    let missed = finished_run(&t.db, missed_id, Duration::from_secs(20), &[&server]).await;
    assert_eq!(
        (sent.status, sent.sent),
        (DeliveryStatus::Sent, 3),
        "{sent:?}"
    );
    assert_eq!(status_of(&t.db, sent_id).await, DeliveryStatus::Sent);
    assert_eq!(
        (missed.status, missed.sent),
        (DeliveryStatus::Missed, 0),
        "{missed:?}"
    );
    assert!(
        missed.note.as_deref().is_some_and(|n| !n.is_empty()),
        "{missed:?}"
    );
    assert_eq!(status_of(&t.db, missed_id).await, DeliveryStatus::Missed);
    for friend in &friends {
        assert_eq!(line.texts(friend), ["10分遅れ"]);
    }
}

db_tests!(a_delivery_due_while_the_server_was_down_is_sent_or_missed_by_how_late);

// --- The benchmark (docs/benchmarks.md), run by bench/delivery/run.sh ---------------------------

/// User + system CPU time of a process, from /proc (clock ticks of 10 ms).
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// A field of /proc/<pid>/status in KiB (`VmHWM`, `RssAnon`...).
fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// The machine's 1-minute load average (other work sharing the cores shows in the figures).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_owned()
}

/// p50 / p99 / max of request times, in ms.
fn percentiles(times: &mut [Duration]) -> String {
    if times.is_empty() {
        return "—".into();
    }
    times.sort_unstable();
    let at = |q: f64| {
        let i = ((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1;
        times[i].as_secs_f64() * 1000.0
    };
    format!(
        "{:.1} / {:.1} / {:.1} ms (n = {})",
        at(0.5),
        at(0.99),
        times[times.len() - 1].as_secs_f64() * 1000.0,
        times.len()
    )
}

/// What staff's browser asks while the delivery runs, and how long each took.
struct Probe {
    label: &'static str,
    method: reqwest::Method,
    path: String,
    body: Option<String>,
    signed_in: bool,
}

async fn probe_loop(
    client: reqwest::Client,
    base: String,
    cookie: String,
    probes: Arc<Vec<Probe>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    offset: usize,
) -> Vec<(usize, Duration, u16)> {
    let mut times = Vec::new();
    let mut i = offset;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let which = i % probes.len();
        let p = &probes[which];
        let mut req = client.request(p.method.clone(), format!("{base}{}", p.path));
        if p.signed_in {
            req = req.header(reqwest::header::COOKIE, &cookie);
        }
        if let Some(body) = &p.body {
            req = req
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .header(reqwest::header::ACCEPT, "application/json")
                .body(body.clone());
        }
        let start = Instant::now();
        let status = match req.send().await {
            Ok(res) => {
                let status = res.status().as_u16();
                let _ = res.bytes().await;
                status
            }
            Err(_) => 0,
        };
        times.push((which, start.elapsed(), status));
        i += 1;
        // A few staff watching the progress page, not a load test.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    times
}

/// Sends one delivery to `friends` sandbox friends through the release server on `backend`;
/// gives the table's column.
#[allow(clippy::print_stderr)]
async fn bench_one(backend: Backend, friends_count: usize) -> Vec<(String, String)> {
    // `PER_PERSON=1`: the delivery records who clicked (one push per friend, links of their own).
    let per_person = std::env::var("PER_PERSON").is_ok_and(|v| v == "1");
    let mut rows: Vec<(String, String)> = Vec::new();
    let t = TestDb::new(backend).await;
    let line = Line::start(None).await;
    let start = Instant::now();
    let friends = line.seed(friends_count);
    let seeded = start.elapsed();
    let mut setup = Setup::new(
        &t.url,
        &line,
        &[(
            "LOG_LEVEL",
            "warn,server::serve=info,domain::delivery::engine=info",
        )],
    );
    setup.binary = std::env::var("DELIVERY_BENCH_BIN").ok();
    let server = setup.start().await;
    let pid = server.child.id();
    let at = place(&t.db).await;
    let start = Instant::now();
    insert_friends(&t.db, at.channel_id, &friends).await;
    let filled = start.elapsed();
    eprintln!(
        "{backend:?}: {friends_count} sandbox friends in {seeded:?}, in the database in {filled:?}"
    );

    // Staff: an administrator signed in over HTTP.
    crate::support::create_admin(&t, "bench").await;
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = http
        .post(format!("{base}{}", crate::support::login_path()))
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(reqwest::header::ACCEPT, "application/json")
        .body(format!(
            "username=bench&password={}&next=",
            crate::support::urlencode(crate::support::PASSWORD)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status().as_u16(), 200);
    let cookie = login
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_owned();

    // The draft (created as the editor saves it), then what the confirmation shows: the
    // audience count, which also loads the server's audience index if nothing did before.
    let draft = deliveries::create(
        &t.db,
        &AudienceIndex::new(),
        &Actor::command_line(),
        &Scope::All,
        DeliveryInput {
            department_id: at.department_id,
            channel_id: at.channel_id,
            title: "ベンチマーク".into(),
            messages: vec![text(if per_person {
                "【防災】総合防災訓練のお知らせ 参加申込 https://city.example.jp/bousai/apply"
            } else {
                "【防災】総合防災訓練のお知らせ"
            })],
            target: Target::everyone(),
            timing: Timing::Now,
            untracked_links: Vec::new(),
            per_person_clicks: per_person,
            rich_menu: None,
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let call = |path: &str, body: String, json: bool| {
        http.post(format!("{base}{path}"))
            .header(reqwest::header::COOKIE, &cookie)
            .header(reqwest::header::ACCEPT, "application/json")
            .header(
                reqwest::header::CONTENT_TYPE,
                if json {
                    "application/json"
                } else {
                    "application/x-www-form-urlencoded"
                },
            )
            .body(body)
    };
    let start = Instant::now();
    let count = call(
        crate::support::path_of::<app::api::CountDeliveryAudience>(),
        serde_json::json!({ "channel_id": at.channel_id, "target": Target::everyone() })
            .to_string(),
        true,
    )
    .send()
    .await
    .unwrap();
    let first_count = start.elapsed();
    assert_eq!(count.status().as_u16(), 200);
    let count: serde_json::Value = count.json().await.unwrap();
    assert_eq!(count["count"], friends_count as u64, "{count}");
    let start = Instant::now();
    let again = call(
        crate::support::path_of::<app::api::CountDeliveryAudience>(),
        serde_json::json!({ "channel_id": at.channel_id, "target": Target::everyone() })
            .to_string(),
        true,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(again.status().as_u16(), 200);
    let count_again = start.elapsed();

    let probes = Arc::new(vec![
        Probe {
            label: "GET /healthz",
            method: reqwest::Method::GET,
            path: "/healthz".into(),
            body: None,
            signed_in: false,
        },
        Probe {
            label: "GET /admin/login (server-side render)",
            method: reqwest::Method::GET,
            path: "/admin/login".into(),
            body: None,
            signed_in: false,
        },
        Probe {
            label: "GET /admin/deliveries/:id signed in (server-side render)",
            method: reqwest::Method::GET,
            path: format!("/admin/deliveries/{}", draft.id),
            body: None,
            signed_in: true,
        },
        Probe {
            label: "POST server function `deliveries/progress` signed in (the page's poll)",
            method: reqwest::Method::POST,
            path: crate::support::path_of::<app::api::PollDelivery>().into(),
            body: Some(format!("id={}", draft.id)),
            signed_in: true,
        },
    ]);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watchers: Vec<_> = (0..2)
        .map(|i| {
            tokio::spawn(probe_loop(
                http.clone(),
                base.clone(),
                cookie.clone(),
                probes.clone(),
                stop.clone(),
                i,
            ))
        })
        .collect();
    // The heap once the index is loaded, before 送信.
    let anon_before_send = status_kib(pid, "RssAnon");
    // Resident memory, split: the heap (anonymous) and mapped files (the binary, SQLite's
    // memory-mapped database pages, which the kernel reclaims at will).
    let peak_anon = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let peak_file = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let sampler = {
        let (peak_anon, peak_file, stop) = (peak_anon.clone(), peak_file.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                peak_anon.fetch_max(
                    status_kib(pid, "RssAnon"),
                    std::sync::atomic::Ordering::Relaxed,
                );
                peak_file.fetch_max(
                    status_kib(pid, "RssFile"),
                    std::sync::atomic::Ordering::Relaxed,
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };

    // 送信.
    let batches = if per_person {
        friends_count
    } else {
        friends_count.div_ceil(BATCH)
    };
    let cpu_before = cpu_time(pid);
    let load_at_send = load_average();
    let sent_at = Instant::now();
    let sent = call(
        crate::support::path_of::<app::api::ScheduleDelivery>(),
        format!("id={}&version={}", draft.id, draft.version),
        false,
    )
    .send()
    .await
    .unwrap();
    let answered = sent_at.elapsed();
    assert_eq!(
        sent.status().as_u16(),
        200,
        "{}",
        sent.text().await.unwrap_or_default()
    );
    wait_until(
        "every batch accepted",
        Duration::from_secs(300),
        async || line.answered(200) >= batches,
    )
    .await;
    let cpu = cpu_time(pid).saturating_sub(cpu_before);
    let load_at_end = load_average();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut times: Vec<Vec<Duration>> = probes.iter().map(|_| Vec::new()).collect();
    let mut failed_probes = 0;
    for w in watchers {
        for (which, took, status) in w.await.unwrap() {
            if status != 200 {
                failed_probes += 1;
            }
            times[which].push(took);
        }
    }
    sampler.await.unwrap();
    let run = finished_run(&t.db, draft.id, Duration::from_secs(120), &[&server]).await;
    let finished = sent_at.elapsed();
    let calls = line.calls();
    let accepted: Vec<Instant> = calls
        .iter()
        .filter(|c| c.status == 200)
        .map(|c| c.at)
        .collect();
    let first = accepted[0] - sent_at;
    let last = accepted[accepted.len() - 1] - sent_at;
    let hwm = status_kib(pid, "VmHWM");
    let (none, other) = line.received_other_than(&friends, 1);
    assert!(
        none.is_empty() && other.is_empty(),
        "{} none, {} other",
        none.len(),
        other.len()
    );
    assert_eq!(
        (run.status, run.sent),
        (DeliveryStatus::Sent, friends_count as i64)
    );

    rows.push((
        "fill: sandbox friends / friend rows".into(),
        format!("{} / {}", secs(seeded), secs(filled)),
    ));
    rows.push((
        "confirmation's audience count: first (loads the index) / again".into(),
        format!(
            "{} / {:.1} ms",
            secs(first_count),
            count_again.as_secs_f64() * 1000.0
        ),
    ));
    rows.push((
        "送信 answered (`deliveries/schedule`)".into(),
        format!("{:.0} ms", answered.as_secs_f64() * 1000.0),
    ));
    rows.push(("send → first batch accepted".into(), secs(first)));
    // The engine's own account of that wait (its log line).
    let prepared = server
        .log
        .lock()
        .unwrap()
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|e| e["message"] == "delivery run prepared");
    rows.push((
        "of which: recipients resolved / fixed in the run (engine's log)".into(),
        prepared.map_or_else(
            || "—".to_owned(),
            |e| format!("{} / {} ms", e["resolve_ms"], e["store_ms"]),
        ),
    ));
    rows.push((
        format!(
            "**send → last {} accepted** (LINE's limit allows {} s)",
            if per_person { "push" } else { "batch" },
            line::rate::shortest_send_seconds(friends_count as u64, per_person)
        ),
        format!("**{}**", secs(last)),
    ));
    rows.push(("send → run finished (送信済み)".into(), secs(finished)));
    rows.push((
        "batches accepted / answered 429".into(),
        format!("{} / {}", accepted.len(), line.answered(429)),
    ));
    rows.push((
        "server CPU (user + system), send → last batch".into(),
        secs(cpu),
    ));
    rows.push((
        "**server peak RSS (VmHWM)** (goal < 300 MB)".into(),
        format!("**{}**", mib(hwm)),
    ));
    rows.push((
        "heap before 送信 (index loaded) / peak heap (RssAnon) / peak mapped files (RssFile), sampled every 50 ms while sending".into(),
        format!(
            "{} / {} / {}",
            mib(anon_before_send),
            mib(peak_anon.load(std::sync::atomic::Ordering::Relaxed)),
            mib(peak_file.load(std::sync::atomic::Ordering::Relaxed))
        ),
    ));
    for (p, t) in probes.iter().zip(times.iter_mut()) {
        rows.push((format!("{} p50 / p99 / max", p.label), percentiles(t)));
    }
    rows.push((
        "panel requests not answered 200".into(),
        failed_probes.to_string(),
    ));
    rows.push((
        "machine load average (1 min) at 送信 / at the last batch".into(),
        format!("{load_at_send} / {load_at_end}"),
    ));
    drop(server);
    rows
}

/// The benchmark of docs/benchmarks.md: 1,000,000 sandbox friends (`FRIENDS` to change), one
/// delivery to all of them at LINE's multicast limit (200 requests/s), on SQLite and, with
/// `TEST_POSTGRES_URL`, PostgreSQL. Run with `bench/delivery/run.sh` (a release build).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: bench/delivery/run.sh"]
#[allow(clippy::print_stdout)]
async fn benchmark_a_delivery_to_a_million_friends() {
    let friends: usize = std::env::var("FRIENDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let sqlite = bench_one(Backend::Sqlite, friends).await;
    let postgres = if std::env::var(domain::testing::POSTGRES_URL_VAR).is_ok() {
        Some(bench_one(Backend::Postgres, friends).await)
    } else {
        None
    };
    println!(
        "| measure ({friends} friends, {} batches) | SQLite | PostgreSQL |",
        friends.div_ceil(BATCH)
    );
    println!("|---|---|---|");
    for (i, (label, value)) in sqlite.iter().enumerate() {
        let pg = postgres
            .as_ref()
            .and_then(|p| p.get(i))
            .map_or("—", |(_, v)| v.as_str());
        println!("| {label} | {value} | {pg} |");
    }
}

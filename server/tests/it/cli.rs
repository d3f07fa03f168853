//! The `machidayori` binary as an operator runs it: real processes, real databases, real HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use domain::db_tests;
use domain::testing::TestDb;

use crate::support::eventually;

static NEXT_DIR: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn machidayori(db_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_machidayori"));
    // The secret key file and the sandbox's state go to a directory of the test's own.
    let data_dir = std::env::temp_dir().join(format!(
        "machidayori-cli-{}-{}",
        std::process::id(),
        NEXT_DIR.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    cmd.env("DATABASE_URL", db_url)
        .env("LOG_LEVEL", "warn")
        .env("DATA_DIR", data_dir);
    // Settings from the developer's shell must not leak into the test.
    for name in [
        "BIND_ADDR",
        "PUBLIC_URL",
        "LOG_FORMAT",
        "REQUEST_BODY_LIMIT",
        "SECRET_KEY",
        "LINE_CHANNEL_SECRET",
        "LINE_CHANNEL_ACCESS_TOKEN",
        "LINE_API_BASE",
        "ADMIN_ALLOWED_IPS",
        "TRUSTED_PROXIES",
    ] {
        cmd.env_remove(name);
    }
    cmd
}

fn admin_create(db_url: &str, username: &str, password: &str) -> Output {
    let mut child = machidayori(db_url)
        .args([
            "admin",
            "create",
            "--username",
            username,
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("write");
    child.wait_with_output().expect("output")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn admin_create_reads_the_password_from_stdin(t: TestDb) {
    let out = admin_create(&t.url, "Tanaka", "correct horse battery");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Tanaka"));
    let staff =
        domain::staff::accounts::authenticate(&t.db, "tanaka", "correct horse battery").await;
    assert!(staff.is_ok(), "the new administrator can sign in");

    let again = admin_create(&t.url, "TANAKA", "correct horse battery");
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("既に使われています"),
        "{}",
        text(&again.stderr)
    );
    let short = admin_create(&t.url, "suzuki", "short");
    assert!(!short.status.success());
    assert!(
        text(&short.stderr).contains("12文字以上"),
        "{}",
        text(&short.stderr)
    );
    assert_eq!(domain::staff::accounts::count(&t.db).await.unwrap(), 1);
}

async fn migrate_reports_and_reverts(t: TestDb) {
    let status = machidayori(&t.url)
        .args(["migrate", "status"])
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", text(&status.stderr));
    assert!(text(&status.stdout).contains("Applied\tm20261124_000001_staff_accounts_and_sessions"));

    // Every migration down, newest first, then up again: each one reverts cleanly.
    let applied: Vec<String> = text(&status.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("Applied\t").map(str::to_owned))
        .collect();
    assert!(applied.len() >= 4, "{applied:?}");
    let steps = applied.len().to_string();
    let down = machidayori(&t.url)
        .args(["migrate", "down", "--steps", &steps])
        .output()
        .unwrap();
    assert!(down.status.success(), "{}", text(&down.stderr));
    let status = machidayori(&t.url)
        .args(["migrate", "status"])
        .output()
        .unwrap();
    let listed = text(&status.stdout);
    for migration in &applied {
        assert!(
            listed.contains(&format!("Pending\t{migration}")),
            "{listed}"
        );
    }

    let up = machidayori(&t.url)
        .args(["migrate", "up"])
        .output()
        .unwrap();
    assert!(up.status.success(), "{}", text(&up.stderr));
    assert_eq!(
        domain::staff::accounts::count(&t.db).await.unwrap(),
        0,
        "schema is back"
    );
}

async fn audit_verify_passes_and_then_names_the_altered_entry(t: TestDb) {
    use sea_orm::ConnectionTrait;
    let out = admin_create(&t.url, "tanaka", "correct horse battery");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = machidayori(&t.url)
        .args(["channel", "set", "--key", "test", "--sandbox"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let entries = domain::security::audit::list(&t.db, &Default::default(), 0, 10)
        .await
        .unwrap()
        .rows;
    let actions: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e.action.as_str(), e.username.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            ("channel.set", "command-line"),
            ("account.create", "command-line")
        ]
    );

    let verify = machidayori(&t.url)
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", text(&verify.stderr));
    assert!(
        text(&verify.stdout).contains("2 entries verified"),
        "{}",
        text(&verify.stdout)
    );

    t.db.execute_unprepared(r#"UPDATE audit_log SET summary = '{"role":"staff"}' WHERE seq = 1"#)
        .await
        .unwrap();
    let verify = machidayori(&t.url)
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(!verify.status.success());
    let err = text(&verify.stderr);
    assert!(
        err.contains("番号 1") && err.contains("seq 1") && err.contains("改ざん"),
        "{err}"
    );
}

async fn a_sandbox_channels_token_is_printed_and_a_line_channels_never(t: TestDb) {
    // One key for every run, as one server's key file would be.
    let key = domain::security::secrets::SecretBox::generate_key();
    let run = |args: &[&str], stdin: &str| {
        let mut child = machidayori(&t.url)
            .env("SECRET_KEY", &key)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let set = ["channel", "set", "--key"];
    let out = run(&[&set[..], &["trial", "--sandbox"]].concat(), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let on_line = "line-secret\nline-token-0123456789\n";
    let out = run(&[&set[..], &["city"]].concat(), on_line);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let token = run(&["channel", "sandbox-token", "--key", "trial"], "");
    assert!(token.status.success(), "{}", text(&token.stderr));
    let secrets = domain::security::secrets::SecretBox::from_base64(&key).unwrap();
    let stored = domain::platform::channels::load_all(&t.db, &secrets)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.key == "trial")
        .unwrap()
        .access_token;
    assert_eq!(text(&token.stdout), format!("{stored}\n"));

    let refused = run(&["channel", "sandbox-token", "--key", "city"], "");
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("LINE のチャネル"),
        "{}",
        text(&refused.stderr)
    );
    assert!(!text(&refused.stdout).contains("line-token"));
    let unknown = run(&["channel", "sandbox-token", "--key", "nowhere"], "");
    assert!(!unknown.status.success());
}

async fn admin_unlock_lifts_a_lockout(t: TestDb) {
    use domain::security::login_history::{Attempt, Policy};
    for _ in 0..5 {
        let attempt = Attempt {
            username: "sato",
            password: "wrong password!",
            client_addr: None,
            user_agent: None,
        };
        domain::security::login_history::sign_in(&t.db, attempt, Policy::default())
            .await
            .unwrap_err();
    }
    assert_eq!(
        domain::security::login_history::active_lockouts(&t.db)
            .await
            .unwrap()
            .len(),
        1
    );
    let out = machidayori(&t.url)
        .args(["admin", "unlock", "--username", "SATO"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("解除しました"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        domain::security::login_history::active_lockouts(&t.db)
            .await
            .unwrap()
            .is_empty()
    );
}

#[test]
fn an_invalid_setting_stops_start_up_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/x.db?mode=rwc", dir.path().display());
    let out = machidayori(&url)
        .env("SESSION_IDLE_TIMEOUT", "soon")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("SESSION_IDLE_TIMEOUT") && err.contains("soon"),
        "{err}"
    );

    let file = dir.path().join("machidayori.toml");
    std::fs::write(&file, "bind_adress = \"0.0.0.0:1\"\n").unwrap();
    let out = machidayori(&url)
        .arg("--config")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("bind_adress"),
        "{}",
        text(&out.stderr)
    );
}

/// A server process on a free port, stopped (SIGKILL) if a test fails before stopping it.
struct Server {
    child: Child,
    addr: String,
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    fn start(t: &TestDb) -> Self {
        Self::start_with(t, &[])
    }

    fn start_with(t: &TestDb, env: &[(&str, &str)]) -> Self {
        let mut cmd = machidayori(&t.url);
        cmd.env("BIND_ADDR", "127.0.0.1:0");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .env("LOG_FORMAT", "json")
            .env("LOG_LEVEL", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn server");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("server exited before listening")
                .expect("line");
            let entry: serde_json::Value = match serde_json::from_str(&line) {
                Ok(v) => v,
                Err(_) => continue,
            };
            if entry["message"] == "listening" {
                break entry["address"].as_str().expect("address").to_owned();
            }
        };
        // Keep reading the log (so the server never blocks on a full pipe) for tests to inspect.
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Self { child, addr, log }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait_exit(&mut self, within: Duration) -> Option<i32> {
        let start = Instant::now();
        while start.elapsed() < within {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A well-formed (but unknown) session token, to see that cookies never reach the log.
const COOKIE_TOKEN: &str = "Zm9yZ2VkLXRva2VuLXRoYXQtbXVzdC1uZXZlci1sb2c";

fn header<'a>(reply: &'a str, name: &str) -> Option<&'a str> {
    reply.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn http_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    reply
}

async fn serve_answers_over_http_and_finishes_in_flight_requests_on_sigterm(t: TestDb) {
    let mut server = Server::start(&t);
    let health = http_get(&server.addr, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(
        health.to_ascii_lowercase().contains("x-request-id:"),
        "{health}"
    );
    let ready = http_get(&server.addr, "/readyz");
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");

    // A sign-in request whose body is only half sent when SIGTERM arrives.
    let body = "username=nobody&password=whatever-password&next=";
    let (first, rest) = body.split_at(10);
    let mut s = TcpStream::connect(&server.addr).unwrap();
    write!(
        s,
        "POST /api/auth/login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\nCookie: machidayori_session={COOKIE_TOKEN}\r\nContent-Length: {}\r\n\r\n{first}",
        server.addr,
        body.len()
    )
    .unwrap();
    s.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        server.child.try_wait().unwrap(),
        None,
        "still running while a request is in flight"
    );
    s.write_all(rest.as_bytes()).unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(
        reply.starts_with("HTTP/1.1 401"),
        "the in-flight request was answered: {reply}"
    );

    assert_eq!(
        server.wait_exit(Duration::from_secs(10)),
        Some(0),
        "clean exit after SIGTERM"
    );
    assert!(
        TcpStream::connect(&server.addr).is_err(),
        "no longer listening"
    );

    // The refused sign-in was logged with its request id, and no secret reached the log.
    let request_id = header(&reply, "x-request-id")
        .expect("request id")
        .to_owned();
    // The server's output is read by a thread of ours, a moment behind the process.
    let log = eventually(
        "the refusal in the log",
        Duration::from_secs(5),
        async || {
            let log = server.log.lock().unwrap().join("\n");
            log.contains("sign-in refused").then_some(log)
        },
    )
    .await;
    let refused = log
        .lines()
        .find(|l| l.contains("sign-in refused"))
        .expect("refusal logged");
    assert!(refused.contains(&request_id), "{refused}");
    assert!(!log.contains("whatever-password"), "password in the log");
    assert!(!log.contains(COOKIE_TOKEN), "cookie in the log");
}

async fn serve_stops_cleanly_on_sigint(t: TestDb) {
    let mut server = Server::start(&t);
    assert!(http_get(&server.addr, "/healthz").starts_with("HTTP/1.1 200"));
    server.signal("INT");
    assert_eq!(
        server.wait_exit(Duration::from_secs(10)),
        Some(0),
        "clean exit after SIGINT"
    );
}

const SECRET: &str = "0123456789abcdef0123456789abcdef";
const TOKEN: &str = "test-access-token-0123456789";

fn as_refs(vars: &[(String, String)]) -> Vec<(&str, &str)> {
    vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// A "LINE" that accepts connections and never answers.
fn black_hole() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    format!("http://{addr}")
}

async fn an_event_answered_200_is_acted_on_once_even_if_the_process_is_killed(t: TestDb) {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    // "LINE": the sandbox served by this test, delivering webhooks to the server under test.
    let line = sandbox::Sandbox::new(sandbox::SandboxConfig::default()).unwrap();
    line.add_channel(sandbox::SandboxChannel {
        key: "city".into(),
        bot_user_id: "U0000000000000000000000000000bot1".into(),
        channel_secret: SECRET.into(),
        access_token: TOKEN.into(),
        login_channel_id: None,
        webhook_url: Some(format!("http://127.0.0.1:{port}/webhook/line/main")),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let line_base = format!("http://{}", listener.local_addr().unwrap());
    let app = line.router();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let data_dir = tempfile::tempdir().unwrap();
    let key = domain::security::secrets::SecretBox::generate_key();
    let bind = format!("127.0.0.1:{port}");
    let env = |api_base: &str| -> Vec<(String, String)> {
        [
            ("BIND_ADDR", bind.as_str()),
            ("DATA_DIR", &data_dir.path().display().to_string()),
            ("SECRET_KEY", key.as_str()),
            ("LINE_CHANNEL_SECRET", SECRET),
            ("LINE_CHANNEL_ACCESS_TOKEN", TOKEN),
            ("LINE_API_BASE", api_base),
            ("LINE_API_TIMEOUT", "300ms"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    };

    // 1. LINE's API hangs: the worker is stuck in the profile call when the process dies.
    let first_env = env(&black_hole());
    let mut first = Server::start_with(&t, &as_refs(&first_env));
    let friend = line
        .create_friend(
            "city",
            sandbox::NewSimFriend {
                display_name: "鈴木".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let delivery = line.follow("city", &friend.user_id).await.unwrap();
    assert_eq!(delivery.status, Some(200), "{delivery:?}");
    // A worker took the event (and could not reach LINE) before the process is killed.
    eventually(
        "a worker to take the event",
        Duration::from_secs(10),
        async || {
            let rows = domain::entities::webhook_event::Entity::find()
                .all(&t.db)
                .await
                .unwrap();
            rows.first().filter(|row| row.attempts >= 1).map(|_| ())
        },
    )
    .await;
    first.signal("KILL");
    first.wait_exit(Duration::from_secs(5));
    use sea_orm::EntityTrait;
    let rows = domain::entities::webhook_event::Entity::find()
        .all(&t.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "the event answered with 200 was stored");
    assert_eq!(
        rows[0].status,
        model::status::WorkStatus::Pending,
        "and not yet acted on"
    );

    // 2. Restarted with LINE reachable: the event is taken again once its lease ends, and
    //    acted on once: one friend, one greeting.
    let second_env = env(&line_base);
    let _second = Server::start_with(&t, &as_refs(&second_env));
    eventually(
        "the event processed after the restart",
        Duration::from_secs(30),
        async || {
            let row = domain::entities::webhook_event::Entity::find()
                .all(&t.db)
                .await
                .unwrap()
                .remove(0);
            (row.status == model::status::WorkStatus::Done).then_some(())
        },
    )
    .await;
    let greetings: Vec<_> = line
        .chat("city", &friend.user_id)
        .into_iter()
        .filter(|e| !e.from_friend)
        .collect();
    assert_eq!(greetings.len(), 1, "greeted exactly once");
    let id = domain::platform::channels::id_of(&t.db, "main")
        .await
        .unwrap();
    let page = domain::audience::friends::list(&t.db, id, &Default::default())
        .await
        .unwrap();
    assert_eq!((page.total, page.following), (1, 1));
    assert_eq!(page.friends[0].display_name.as_deref(), Some("鈴木"));
}

async fn admin_allow_ip_restores_access_for_a_locked_out_operator(t: TestDb) {
    // Stored by an administrator elsewhere: this machine (loopback) is outside.
    let elsewhere = domain::security::allowlist::NewEntry {
        network: "10.0.0.0/8",
        note: "",
        source: model::status::AllowlistSource::Ui,
    };
    domain::security::allowlist::add(
        &t.db,
        &domain::security::audit::Actor::command_line(),
        &[],
        elsewhere,
    )
    .await
    .unwrap();
    let mut server = Server::start(&t);
    let refused = http_get(&server.addr, "/admin/login");
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");

    let bad = machidayori(&t.url)
        .args(["admin", "allow-ip", "localhost"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("CIDR"), "{}", text(&bad.stderr));

    let allow = || {
        machidayori(&t.url)
            .args(["admin", "allow-ip", "127.0.0.1", "--note", "復旧用"])
            .output()
            .unwrap()
    };
    let out = allow();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("127.0.0.1/32"),
        "{}",
        text(&out.stdout)
    );
    let again = allow();
    assert!(
        again.status.success(),
        "idempotent: {}",
        text(&again.stderr)
    );
    assert!(
        text(&again.stdout).contains("既に許可されています"),
        "{}",
        text(&again.stdout)
    );

    let listed = machidayori(&t.url)
        .args(["admin", "allowed-ips"])
        .output()
        .unwrap();
    let listed = text(&listed.stdout);
    assert!(
        listed.contains("10.0.0.0/8\t管理画面") && listed.contains("127.0.0.1/32\tコマンド"),
        "{listed}"
    );
    assert!(listed.contains("復旧用"), "{listed}");

    // The running server reads the list again within seconds.
    eventually(
        "the server to allow us again",
        Duration::from_secs(20),
        async || {
            http_get(&server.addr, "/admin/login")
                .starts_with("HTTP/1.1 200")
                .then_some(())
        },
    )
    .await;

    // Queued access log records are written when the server stops, without waiting for
    // the next batch.
    let marker = format!("/healthz-{}", std::process::id());
    let _ = http_get(&server.addr, &format!("{marker}?token=s3cret"));
    server.signal("TERM");
    assert_eq!(server.wait_exit(Duration::from_secs(10)), Some(0));
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let rows = domain::entities::access_log::Entity::find()
        .filter(domain::entities::access_log::Column::Path.eq(marker.as_str()))
        .all(&t.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "the last request was logged at shutdown");
    assert_eq!(
        (rows[0].status, rows[0].client_addr.as_deref()),
        (404, Some("127.0.0.1"))
    );
}

/// `friends import` refuses a file with problems (each with its line, nothing changed), checks
/// with `--dry-run`, imports, and `friends export` writes what was imported.
async fn friends_import_and_export_from_the_command_line(t: TestDb) {
    let channel_id = domain::testing::line_channel(&t.db, "main").await;
    for user in ["U1", "U2"] {
        domain::audience::friends::follow(&t.db, channel_id, user, chrono::Utc::now())
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("from-vendor.csv");
    let run = |args: &[&str]| machidayori(&t.url).args(args).output().expect("run");
    let path = file.to_str().unwrap();

    std::fs::write(
        &file,
        "line_user_id,gender,shoe_size\r\nU1,女性,\r\nU3,男性,\r\n",
    )
    .unwrap();
    let refused = run(&["friends", "import", path]);
    assert!(!refused.status.success());
    let errors = text(&refused.stderr);
    assert!(
        errors.contains("1行目 C列: 列「shoe_size」という属性はありません"),
        "{errors}"
    );
    assert!(
        errors.contains("3行目 A列: LINE ユーザーID「U3」の友だちはいません"),
        "{errors}"
    );
    assert!(errors.contains("何も変更していません"), "{errors}");

    let sjis = encoding_rs::SHIFT_JIS
        .encode("LINEユーザーID,性別\r\nU1,女性\r\nU2,回答しない\r\n")
        .0;
    std::fs::write(&file, &sjis).unwrap();
    let dry = run(&["friends", "import", "--dry-run", path]);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(
        text(&dry.stdout).contains("確認のみ"),
        "{}",
        text(&dry.stdout)
    );
    assert!(
        text(&dry.stdout).contains("追加 2件"),
        "{}",
        text(&dry.stdout)
    );
    let out = dir.path().join("export.csv");
    let before = run(&["friends", "export", "--out", out.to_str().unwrap()]);
    assert!(before.status.success(), "{}", text(&before.stderr));
    assert!(!std::fs::read_to_string(&out).unwrap().contains("女性"));

    let imported = run(&["friends", "import", path]);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    assert!(
        text(&imported.stdout).contains("取り込みました"),
        "{}",
        text(&imported.stdout)
    );
    let stdout = run(&["friends", "export"]);
    assert!(stdout.status.success(), "{}", text(&stdout.stderr));
    let csv = text(&stdout.stdout);
    assert!(csv.starts_with('\u{feff}'), "{csv}");
    assert!(csv.contains(",女性,"), "{csv}");
    assert!(csv.contains(",回答しない,"), "{csv}");
    let sjis_export = run(&["friends", "export", "--encoding", "sjis"]);
    let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&sjis_export.stdout);
    assert!(!errors);
    assert!(decoded.contains(",回答しない,"), "{decoded}");
}

db_tests!(
    friends_import_and_export_from_the_command_line,
    admin_create_reads_the_password_from_stdin,
    migrate_reports_and_reverts,
    audit_verify_passes_and_then_names_the_altered_entry,
    a_sandbox_channels_token_is_printed_and_a_line_channels_never,
    admin_unlock_lifts_a_lockout,
    serve_answers_over_http_and_finishes_in_flight_requests_on_sigterm,
    serve_stops_cleanly_on_sigint,
    an_event_answered_200_is_acted_on_once_even_if_the_process_is_killed,
    admin_allow_ip_restores_access_for_a_locked_out_operator,
);

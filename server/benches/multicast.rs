//! Multicast to 100,000 sandbox friends through the LINE client, at the sandbox's (LINE's)
//! multicast limit of 200 requests/s: 200 requests of 500 recipients. LINE's limit allows this
//! in 1.0 s; the goal is within 10 % of that. Prints a Markdown table for docs/benchmarks.md.
//!
//! The sandbox runs in this process on a loopback port (real HTTP), so the CPU and memory
//! figures cover the client and the emulator together.
//!
//!   cargo bench -p server --bench multicast

// A benchmark reports on standard output.
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use line::client::{AccessToken, Client, ClientConfig, RateLimiter, RetryKey, RetryPolicy};

const FRIENDS: usize = 100_000;
const BATCH: usize = 500;

/// User + system CPU time of this process, from /proc (clock ticks of 10 ms).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .map_or_else(String::new, |l| {
            l.trim_start_matches("VmHWM:").trim().to_owned()
        })
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let sandbox = sandbox::Sandbox::new(sandbox::SandboxConfig::default()).expect("sandbox");
    sandbox.add_channel(sandbox::SandboxChannel {
        key: "bench".into(),
        bot_user_id: "U00000000000000000000000000bench".into(),
        channel_secret: "bench-secret".into(),
        access_token: "bench-token".into(),
        login_channel_id: None,
        webhook_url: None,
    });
    let friends = sandbox.seed_friends("bench", FRIENDS).expect("friends");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = sandbox.router();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let client = Client::new(
        "bench",
        ClientConfig {
            api_base: base.clone(),
            data_base: base,
            access_token: AccessToken::new("bench-token"),
            request_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
        },
        Arc::new(RateLimiter::default()),
    )
    .expect("client");
    let message: line::message::Message = serde_json::from_value(
        serde_json::json!({"type": "text", "text": "【防災】避難訓練のお知らせ"}),
    )
    .expect("message");

    let cpu_before = cpu_time();
    let start = Instant::now();
    let tasks: Vec<_> = friends
        .chunks(BATCH)
        .map(|to| {
            let client = client.clone();
            let request = line::api::MulticastRequest {
                to: to.to_vec(),
                messages: vec![message.clone()],
                notification_disabled: None,
                custom_aggregation_units: Some(vec!["bench_unit".into()]),
            };
            tokio::spawn(async move { client.multicast(&request, &RetryKey::random()).await })
        })
        .collect();
    let mut failed = 0;
    for task in tasks {
        if !matches!(task.await, Ok(Ok(_))) {
            failed += 1;
        }
    }
    let elapsed = start.elapsed();
    let cpu = cpu_time().saturating_sub(cpu_before);
    let delivered = friends
        .iter()
        .take(3)
        .all(|u| sandbox.chat("bench", u).len() == 1)
        && sandbox.chat("bench", &friends[FRIENDS - 1]).len() == 1;
    let requests = FRIENDS / BATCH;
    println!("| measure | value |");
    println!("|---|---|");
    println!("| recipients / requests | {FRIENDS} / {requests} (500 per multicast) |");
    println!(
        "| wall time (goal ≤ 1.10 s) | {:.3} s |",
        elapsed.as_secs_f64()
    );
    println!(
        "| effective rate | {:.1} requests/s, {:.0} recipients/s |",
        requests as f64 / elapsed.as_secs_f64(),
        FRIENDS as f64 / elapsed.as_secs_f64()
    );
    println!("| failed requests (429 or other) | {failed} |");
    println!(
        "| CPU (client + sandbox, user + system) | {:.2} s |",
        cpu.as_secs_f64()
    );
    println!(
        "| peak resident memory (client + sandbox + 100k friends) | {} |",
        peak_rss()
    );
    println!(
        "| recorded in the sandbox (first and last friends checked) | {} |",
        if delivered { "yes" } else { "NO" }
    );
}

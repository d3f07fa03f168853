//! What one multicast to 500 friends costs the sandbox, over real HTTP on loopback: the request
//! body parsed and checked against LINE's limits, the two messages stored once and delivered to
//! 500 chats, usage and statistics recorded, the answer sent. Moved out of the functional tests
//! (sandbox/tests/it/api.rs) so that no test depends on the machine's speed. Prints a Markdown
//! table for docs/benchmarks.md.
//!
//!   cargo bench -p sandbox --bench multicast_500                 (optimised)
//!   cargo bench -p sandbox --bench multicast_500 --profile dev   (as the tests build it)

// A benchmark reports on standard output.
#![allow(clippy::print_stdout)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use line::rate::{RateClass, RateLimit};
use sandbox::{Sandbox, SandboxChannel, SandboxConfig};

const RECIPIENTS: usize = 500;
const WARM_UP: usize = 20;
const ROUNDS: usize = 500;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let sandbox = Sandbox::new(SandboxConfig {
        // The cost of handling a request is measured here, not LINE's pacing of 200/s.
        rate_limits: HashMap::from([(RateClass::Multicast, RateLimit::per_second(1_000_000))]),
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    sandbox.add_channel(SandboxChannel {
        key: "bench".into(),
        bot_user_id: "U00000000000000000000000000bench".into(),
        channel_secret: "bench-secret".into(),
        access_token: "bench-token".into(),
        login_channel_id: None,
        webhook_url: None,
    });
    let friends = sandbox.seed_friends("bench", RECIPIENTS).expect("friends");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/v2/bot/message/multicast",
        listener.local_addr().expect("addr")
    );
    let app = sandbox.router();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let body = serde_json::to_vec(&serde_json::json!({
        "to": friends,
        "messages": [
            { "type": "text", "text": "防災情報" },
            { "type": "text", "text": "詳しくはこちら" }
        ],
        "customAggregationUnits": ["bench"],
    }))
    .expect("body");
    let http = reqwest::Client::new();
    let mut times = Vec::with_capacity(ROUNDS);
    for round in 0..WARM_UP + ROUNDS {
        let started = Instant::now();
        let response = http
            .post(&url)
            .bearer_auth("bench-token")
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .expect("answer");
        assert!(response.status().is_success(), "{}", response.status());
        let _ = response.bytes().await;
        if round >= WARM_UP {
            times.push(started.elapsed());
        }
    }
    assert!(
        !sandbox.chat("bench", &friends[RECIPIENTS - 1]).is_empty(),
        "delivered"
    );

    times.sort();
    let mean = times.iter().sum::<Duration>() / u32::try_from(ROUNDS).unwrap_or(u32::MAX);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1000.0);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "optimised"
    };
    println!(
        "| multicast of {RECIPIENTS}, 2 messages ({profile} build, {ROUNDS} requests) | value |"
    );
    println!("|---|---|");
    println!("| mean per request | {} |", ms(mean));
    println!("| median | {} |", ms(at(0.5)));
    println!("| 99th percentile | {} |", ms(at(0.99)));
    println!(
        "| recipients delivered per second (one request at a time) | {:.0} |",
        RECIPIENTS as f64 / mean.as_secs_f64()
    );
}

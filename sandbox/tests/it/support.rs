//! Test harness: the sandbox served over real HTTP on loopback (nested at `/sandbox/line`, as
//! the server mounts it), and a webhook receiver that checks signatures.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use sandbox::{NewSimFriend, Sandbox, SandboxChannel, SandboxConfig};
use serde_json::Value;

pub const SECRET_A: &str = "secret-a";
pub const SECRET_B: &str = "secret-b";
pub const TOKEN_A: &str = "token-a";
pub const TOKEN_B: &str = "token-b";
pub const LOGIN_A: &str = "1650000001";

/// One webhook request as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub body: Value,
    pub signature_ok: bool,
    pub user_agent: String,
    pub content_type: String,
}

#[derive(Clone, Default)]
pub struct Webhook {
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl Webhook {
    pub fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn last(&self) -> Received {
        self.all().last().cloned().expect("a webhook delivery")
    }

    /// The single event of the last delivery.
    pub fn last_event(&self) -> Value {
        let body = self.last().body;
        assert_eq!(body["events"].as_array().map(Vec::len), Some(1));
        body["events"][0].clone()
    }
}

async fn receive(State(hook): State<Webhook>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let value: Value = serde_json::from_slice(&body).unwrap();
    // Channel A's deliveries come to /a, B's to /b.
    let secret = if value["destination"] == "Ubot_b" {
        SECRET_B
    } else {
        SECRET_A
    };
    let signature_ok = line::signature::verify(secret, &body, &header("x-line-signature"));
    hook.received.lock().unwrap().push(Received {
        body: value,
        signature_ok,
        user_agent: header("user-agent"),
        content_type: header("content-type"),
    });
    StatusCode::OK
}

pub struct Harness {
    pub sandbox: Sandbox,
    /// `http://127.0.0.1:port/sandbox/line`
    pub base: String,
    pub http: reqwest::Client,
    pub webhook: Webhook,
}

/// Waits until `done` is true, for an effect that happens in the background (a thread or task
/// of the sandbox): polls every 20 ms and fails the test with `what` after `deadline`.
pub async fn eventually(what: &str, deadline: Duration, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + deadline;
    while !done() {
        assert!(Instant::now() < until, "{what}: not within {deadline:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    format!("http://{addr}")
}

pub fn channel(key: &str, webhook_origin: Option<&str>) -> SandboxChannel {
    let (secret, token, bot, login) = if key == "a" {
        (SECRET_A, TOKEN_A, "Ubot_a", Some(LOGIN_A.to_owned()))
    } else {
        (SECRET_B, TOKEN_B, "Ubot_b", None)
    };
    SandboxChannel {
        key: key.to_owned(),
        bot_user_id: bot.to_owned(),
        channel_secret: secret.to_owned(),
        access_token: token.to_owned(),
        login_channel_id: login,
        webhook_url: webhook_origin.map(|o| format!("{o}/webhook")),
    }
}

impl Harness {
    /// Channels `a` and `b`, both delivering to the test's webhook receiver.
    pub async fn start(config: SandboxConfig) -> Harness {
        let webhook = Webhook::default();
        let hook_origin = serve(
            Router::new()
                .route("/webhook", post(receive))
                .with_state(webhook.clone()),
        )
        .await;
        let sandbox = Sandbox::new(config).unwrap();
        sandbox.add_channel(channel("a", Some(&hook_origin)));
        sandbox.add_channel(channel("b", Some(&hook_origin)));
        let origin = serve(Router::new().nest("/sandbox/line", sandbox.router())).await;
        Harness {
            sandbox,
            base: format!("{origin}/sandbox/line"),
            http: reqwest::Client::new(),
            webhook,
        }
    }

    pub async fn default() -> Harness {
        Harness::start(SandboxConfig::default()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A friend of `channel` who follows it (the follow webhook is delivered).
    pub async fn friend(&self, channel: &str, name: &str) -> String {
        let f = self
            .sandbox
            .create_friend(
                channel,
                NewSimFriend {
                    display_name: name.into(),
                    ..NewSimFriend::default()
                },
            )
            .unwrap();
        let d = self.sandbox.follow(channel, &f.user_id).await.unwrap();
        assert!(d.succeeded(), "{d:?}");
        f.user_id
    }

    pub async fn post_json(&self, token: &str, path: &str, body: &Value) -> Reply {
        let resp = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap();
        Reply::read(resp).await
    }

    pub async fn post_with(&self, req: reqwest::RequestBuilder) -> Reply {
        Reply::read(req.send().await.unwrap()).await
    }

    pub async fn get(&self, token: &str, path: &str) -> Reply {
        let resp = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        Reply::read(resp).await
    }

    pub async fn delete(&self, token: &str, path: &str) -> Reply {
        let resp = self
            .http
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        Reply::read(resp).await
    }
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    pub json: Value,
}

impl Reply {
    pub async fn read(resp: reqwest::Response) -> Reply {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.unwrap().to_vec();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            bytes,
            json,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "body: {}", self.json);
        &self.json
    }
}

pub fn text(t: &str) -> Value {
    serde_json::json!({ "type": "text", "text": t })
}

// ----- A real PNG (grayscale, 1 bit per pixel, stored deflate blocks) -----

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in bytes {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let mut crc_input = kind.to_vec();
    crc_input.extend(data);
    out.extend(&crc_input);
    out.extend(crc32(&crc_input).to_be_bytes());
}

/// A valid PNG of `width` × `height` (white), `bit_depth` 1 or 8 (8 makes big files).
pub fn png(width: u32, height: u32, bit_depth: u8) -> Vec<u8> {
    let row_bytes = if bit_depth == 1 {
        width.div_ceil(8) as usize
    } else {
        width as usize
    };
    let mut raw = Vec::with_capacity((row_bytes + 1) * height as usize);
    for _ in 0..height {
        raw.push(0); // filter: none
        raw.extend(std::iter::repeat_n(0xFF, row_bytes));
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend(len.to_le_bytes());
        zlib.extend((!len).to_le_bytes());
        zlib.extend(*block);
    }
    zlib.extend(adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([bit_depth, 0, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A valid PNG of `width` × `height`, exactly `bytes` long: padded with a private ancillary
/// chunk, which decoders skip. For LINE's size limit of rich menu images.
pub fn png_of_size(width: u32, height: u32, bytes: usize) -> Vec<u8> {
    let mut out = png(width, height, 1);
    let iend = out.split_off(out.len() - 12);
    let padding = bytes - out.len() - iend.len() - 12;
    chunk(&mut out, b"prVt", &vec![0; padding]);
    out.extend(iend);
    assert_eq!(out.len(), bytes);
    out
}

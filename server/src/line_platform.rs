//! The process's view of its LINE channels: each channel with its opened secrets and its API
//! client, one rate limiter shared by every caller, and the built-in sandbox that serves the
//! sandbox channels. It is the delivery engine's source of messengers (each channel's client),
//! and holds the process's one audience index (shared by the admin panel's counts and the
//! engine).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, RwLock};

use anyhow::Context;
use domain::platform::channels::Channel;
use domain::security::secrets::SecretBox;
use line::client::{Client, ClientConfig, RateLimiter, RetryPolicy};
use sha2::{Digest, Sha256};

use crate::config::Config;

/// Where the sandbox is mounted; its Messaging API and data API share this prefix.
pub const SANDBOX_PATH: &str = "/sandbox/line";

/// A channel ready for use.
pub struct ChannelHandle {
    pub channel: Channel,
    pub client: Client,
}

impl ChannelHandle {
    /// The LINE Login channel whose ID tokens the LIFF pages accept (`aud`). A sandbox channel
    /// without one has a stable made-up id the sandbox mints tokens for.
    pub fn login_channel_id(&self) -> Option<String> {
        self.channel.login_channel_id.clone().or_else(|| {
            self.channel
                .sandbox
                .then(|| sandbox_login_channel_id(&self.channel.key))
        })
    }

    /// The LIFF app id of survey links (`https://liff.line.me/{id}/...`). A sandbox channel
    /// without one has a made-up id the 「LINEシミュレーター」 recognises.
    pub fn liff_id(&self) -> Option<String> {
        self.channel.liff_id.clone().or_else(|| {
            self.channel
                .sandbox
                .then(|| format!("{}-sandbox", sandbox_login_channel_id(&self.channel.key)))
        })
    }
}

pub struct LinePlatform {
    pub secrets: SecretBox,
    pub sandbox: sandbox::Sandbox,
    /// The in-memory audience index of this process: the admin panel counts with it and the
    /// delivery engine resolves recipients with it.
    pub audience_index: Arc<domain::audience::index::AudienceIndex>,
    /// How test deliveries are marked (`TEST_SENDER_NAME`, `TEST_MESSAGE_PREFIX`), for the
    /// server functions that send them.
    pub test_settings: domain::delivery::test_sends::TestSettings,
    channels: RwLock<HashMap<String, Arc<ChannelHandle>>>,
}

impl domain::delivery::engine::MessengerSource for LinePlatform {
    type Messenger = Client;

    fn messenger(&self, channel_id: i64) -> Option<Arc<Client>> {
        self.by_id(channel_id).map(|h| Arc::new(h.client.clone()))
    }
}

impl LinePlatform {
    /// Opens the secret key, writes the `main` channel from configuration, and prepares every
    /// stored channel. `local_addr` is where this process listens: sandbox channels are served
    /// there and deliver their webhooks there.
    pub async fn start(
        db: &domain::DatabaseConnection,
        config: &Config,
        local_addr: SocketAddr,
    ) -> anyhow::Result<Self> {
        let secrets = secret_box(config)?;
        domain::platform::channels::configure(db, &secrets, &config.main_channel.settings())
            .await
            .context("cannot store the main LINE channel")?;
        let channels = domain::platform::channels::load_all(db, &secrets)
            .await
            .context("cannot read the LINE channels")?;

        let loopback = loopback_of(local_addr);
        let sandbox = sandbox::Sandbox::new(sandbox::SandboxConfig {
            state_file: Some(config.data_dir.join("line-sandbox.json")),
            rate_limits: config.line_rate_limits.clone(),
            simulated_audience: config.sandbox_simulated_audience,
            ..Default::default()
        })
        .context("cannot open the LINE sandbox's state")?;
        let limiter = Arc::new(RateLimiter::new(config.line_rate_limits.clone()));
        let mut handles = HashMap::new();
        for mut channel in channels {
            if channel.sandbox {
                let base = format!("http://{loopback}{SANDBOX_PATH}");
                channel.api_base.clone_from(&base);
                channel.api_data_base = base;
                sandbox.add_channel(sandbox::SandboxChannel {
                    key: channel.key.clone(),
                    bot_user_id: bot_user_id(&channel.key),
                    channel_secret: channel.channel_secret.clone(),
                    access_token: channel.access_token.clone(),
                    login_channel_id: Some(
                        channel
                            .login_channel_id
                            .clone()
                            .unwrap_or_else(|| sandbox_login_channel_id(&channel.key)),
                    ),
                    webhook_url: Some(format!("http://{loopback}/webhook/line/{}", channel.key)),
                });
            }
            let client = Client::new(
                channel.key.clone(),
                ClientConfig {
                    api_base: channel.api_base.clone(),
                    data_base: channel.api_data_base.clone(),
                    access_token: line::client::AccessToken::new(channel.access_token.clone()),
                    request_timeout: config.line_api_timeout,
                    retry: RetryPolicy::default(),
                },
                limiter.clone(),
            )
            .map_err(|e| anyhow::anyhow!("LINE client for channel {}: {e}", channel.key))?;
            handles.insert(
                channel.key.clone(),
                Arc::new(ChannelHandle { channel, client }),
            );
        }
        Ok(Self {
            secrets,
            sandbox,
            audience_index: Arc::new(domain::audience::index::AudienceIndex::new()),
            test_settings: config.test_settings(),
            channels: RwLock::new(handles),
        })
    }

    pub fn channel(&self, key: &str) -> Option<Arc<ChannelHandle>> {
        self.channels.read().ok()?.get(key).cloned()
    }

    /// Every channel, the main one first.
    pub fn all(&self) -> Vec<Arc<ChannelHandle>> {
        let mut all: Vec<_> = self
            .channels
            .read()
            .map(|c| c.values().cloned().collect())
            .unwrap_or_default();
        all.sort_by_key(|h| {
            (
                h.channel.key != domain::platform::channels::MAIN,
                h.channel.key.clone(),
            )
        });
        all
    }

    pub fn by_id(&self, id: i64) -> Option<Arc<ChannelHandle>> {
        self.channels
            .read()
            .ok()?
            .values()
            .find(|h| h.channel.id == id)
            .cloned()
    }

    pub fn has_sandbox_channels(&self) -> bool {
        self.channels
            .read()
            .is_ok_and(|c| c.values().any(|h| h.channel.sandbox))
    }

    /// Channel keys with their environment and sandbox flag, for the admin UI's switcher.
    pub fn keys(&self) -> Vec<(String, domain::platform::channels::Environment, bool)> {
        let mut keys: Vec<_> = self
            .channels
            .read()
            .map(|c| {
                c.values()
                    .map(|h| {
                        (
                            h.channel.key.clone(),
                            h.channel.environment,
                            h.channel.sandbox,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        keys.sort_by_key(|(k, _, _)| (k != domain::platform::channels::MAIN, k.clone()));
        keys
    }
}

/// The address this machine reaches the listener at: 127.0.0.1 when listening on all interfaces.
pub fn loopback_of(local_addr: SocketAddr) -> SocketAddr {
    let mut loopback = local_addr;
    if loopback.ip().is_unspecified() {
        loopback.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    loopback
}

/// The sandbox's bot user id for a channel: stable, LINE-shaped.
fn bot_user_id(key: &str) -> String {
    let digest = Sha256::digest(format!("machidayori-sandbox-bot:{key}"));
    format!("U{}", &hex::encode(digest)[..32])
}

/// A stable LINE Login channel id for a sandbox channel without one, so LIFF works end to end.
fn sandbox_login_channel_id(key: &str) -> String {
    let digest = Sha256::digest(format!("machidayori-sandbox-login:{key}"));
    let n = u64::from_be_bytes(digest[..8].try_into().unwrap_or_default());
    format!("2{:09}", n % 1_000_000_000)
}

/// The key that seals LINE secrets: `SECRET_KEY`, else the key file in `DATA_DIR`.
pub fn secret_box(config: &Config) -> anyhow::Result<SecretBox> {
    match &config.secret_key {
        Some(key) => SecretBox::from_base64(&key.0).map_err(anyhow::Error::msg),
        None => key_file(&config.data_dir),
    }
}

/// Reads the secret key from `DATA_DIR/secret.key`, creating it (mode 0600) on first start.
fn key_file(data_dir: &Path) -> anyhow::Result<SecretBox> {
    let path = data_dir.join("secret.key");
    if !path.exists() {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create {}", data_dir.display()))?;
        let key = SecretBox::generate_key();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        use std::io::Write;
        match options.open(&path) {
            Ok(mut file) => {
                file.write_all(key.as_bytes())
                    .with_context(|| format!("cannot write {}", path.display()))?;
                tracing::info!(path = %path.display(), "created the secret key file; back it up with the database");
            }
            // Another instance created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
        }
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the secret key file {}", path.display()))?;
    SecretBox::from_base64(&text).map_err(|p| anyhow::anyhow!("{}: {p}", path.display()))
}

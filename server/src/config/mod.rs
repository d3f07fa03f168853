//! Typed configuration from environment variables, optionally preceded by a TOML file
//! (`machidayori --config FILE`; its keys are the variable names in lower case). The
//! environment wins over the file. Every setting, with its one default, is in [`settings`]
//! ([`SETTINGS`] is also the table in README.md); an invalid value stops start-up with an error
//! naming the setting.

mod parse;
pub mod settings;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use parse::{duration_in, number_in, parse_optional, parse_or};
pub use settings::SETTINGS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub bind_addr: SocketAddr,
    /// Where browsers reach us; `None` means directly at the listening address.
    pub public_url: Option<Url>,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub database_max_connections: u32,
    pub site_root: PathBuf,
    pub log_format: LogFormat,
    pub log_level: String,
    pub session_idle_timeout: Duration,
    pub session_absolute_lifetime: Duration,
    pub request_body_limit: usize,
    pub request_timeout: Duration,
    pub shutdown_timeout: Duration,
    /// Encrypts LINE secrets at rest; `None` means the key file in `data_dir`.
    pub secret_key: Option<Secret>,
    /// The `main` channel, from the `LINE_*` and `LIFF_ID` variables.
    pub main_channel: MainChannel,
    pub line_rate_limits: HashMap<line::rate::RateClass, line::rate::RateLimit>,
    pub line_api_timeout: Duration,
    pub webhook_workers: usize,
    /// `ADMIN_ALLOWED_IPS`: always allowed, besides the stored ranges.
    pub admin_allowed_ips: Vec<ipnet::IpNet>,
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub access_log_retention_days: u32,
    /// Where `cargo leptos serve` reloads the browser from (development only).
    pub leptos_reload_port: u16,
    /// Off only in the access-log benchmark's comparison run.
    pub access_log: bool,
    /// `INSTANCE_ID`, or a random id for this start.
    pub instance_id: String,
    pub job_lease: Duration,
    pub delivery_missed_after: Duration,
    pub line_insight_calls_per_hour: u32,
    pub line_aggregation_units_per_month: u32,
    pub sandbox_simulated_audience: bool,
    /// `LIFF_SDK_MOCK`: sandbox channels' survey pages load the LIFF SDK with LINE's mock.
    pub liff_sdk_mock: bool,
    pub delivery_batches_in_flight: usize,
    pub test_sender_name: String,
    pub test_message_prefix: String,
}

/// A value that must never reach a log: `Debug` prints `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[derive(Clone, Debug, Default)]
pub struct MainChannel {
    pub channel_id: Option<String>,
    pub channel_secret: Option<Secret>,
    pub access_token: Option<Secret>,
    pub api_base: String,
    pub api_data_base: String,
    pub login_channel_id: Option<String>,
    pub liff_id: Option<String>,
}

impl MainChannel {
    /// The settings for `domain::platform::channels::configure`.
    pub fn settings(&self) -> domain::platform::channels::ChannelSettings {
        domain::platform::channels::ChannelSettings {
            key: domain::platform::channels::MAIN.into(),
            name: String::new(),
            environment: Some(domain::platform::channels::Environment::Production),
            channel_id: self.channel_id.clone(),
            channel_secret: self.channel_secret.as_ref().map(|s| s.0.clone()),
            access_token: self.access_token.as_ref().map(|s| s.0.clone()),
            login_channel_id: self.login_channel_id.clone(),
            liff_id: self.liff_id.clone(),
            api_base: Some(self.api_base.clone()),
            api_data_base: Some(self.api_data_base.clone()),
        }
    }
}

/// A setting that could not be used; the message names it and says what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {name}: {problem}")]
pub struct ConfigError {
    pub name: String,
    pub problem: String,
}

pub(crate) fn invalid(name: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        name: name.to_owned(),
        problem: problem.into(),
    }
}

impl Config {
    /// Reads the optional file, then the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let text = match file {
            Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
                invalid("--config", format!("cannot read {}: {e}", path.display()))
            })?),
            None => None,
        };
        Self::from_sources(text.as_deref(), |name| std::env::var(name).ok())
    }

    /// Builds the configuration from a TOML text and an environment lookup (tests pass their own).
    pub fn from_sources(
        toml_text: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut raw = match toml_text {
            Some(text) => parse::parse_file(text)?,
            None => HashMap::new(),
        };
        for setting in SETTINGS.iter().chain(settings::INTERNAL) {
            // An empty variable counts as unset, as container tools often export `NAME=`.
            if let Some(value) = env(setting.name).filter(|v| !v.trim().is_empty()) {
                raw.insert(setting.name.to_owned(), value);
            }
        }
        let get = |name: &str| raw.get(name).map(|v| v.trim().to_owned());

        let bind_addr: SocketAddr = parse_or(&get, settings::BIND_ADDR, |v| {
            v.parse()
                .map_err(|_| "expected IP:PORT, for example 127.0.0.1:3000 or 0.0.0.0:8080".into())
        })?;
        let public_url = parse_optional(&get, settings::PUBLIC_URL, parse::parse_public_url)?;
        let data_dir = PathBuf::from(parse_or(&get, settings::DATA_DIR, |v| Ok(v.to_owned()))?);
        let database_url =
            parse_optional(
                &get,
                settings::DATABASE_URL,
                |v| match domain::db::Backend::from_url(v) {
                    Some(_) => Ok(v.to_owned()),
                    None => {
                        Err("must start with sqlite:// or postgres:// (or postgresql://)".into())
                    }
                },
            )?
            .unwrap_or_else(|| format!("sqlite://{}/machidayori.db?mode=rwc", data_dir.display()));
        let database_max_connections = parse_or(&get, settings::DATABASE_MAX_CONNECTIONS, |v| {
            number_in(v, 1..=1000)
        })?;
        let site_root = PathBuf::from(parse_or(&get, settings::SITE_ROOT, |v| Ok(v.to_owned()))?);
        let log_format = parse_or(&get, settings::LOG_FORMAT, |v| match v {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err("expected `text` or `json`".into()),
        })?;
        let log_level = parse_or(&get, settings::LOG_LEVEL, |v| {
            tracing_subscriber::EnvFilter::try_new(v)
                .map(|_| v.to_owned())
                .map_err(|e| format!("not a log filter: {e}"))
        })?;
        let minute = Duration::from_secs(60);
        let session_idle_timeout = parse_or(&get, settings::SESSION_IDLE_TIMEOUT, |v| {
            duration_in(v, minute, 24 * 60 * minute)
        })?;
        let session_absolute_lifetime = parse_or(&get, settings::SESSION_ABSOLUTE_LIFETIME, |v| {
            duration_in(v, session_idle_timeout, 30 * 24 * 60 * minute)
        })?;
        let request_body_limit = parse_or(&get, settings::REQUEST_BODY_LIMIT, parse::parse_size)?;
        let request_timeout = parse_or(&get, settings::REQUEST_TIMEOUT, |v| {
            duration_in(v, Duration::from_secs(1), 60 * minute)
        })?;
        let shutdown_timeout = parse_or(&get, settings::SHUTDOWN_TIMEOUT, |v| {
            duration_in(v, Duration::ZERO, 10 * minute)
        })?;

        // Never echo the value: it is a key.
        let secret_key = match get(settings::SECRET_KEY.name) {
            Some(v) => {
                domain::security::secrets::SecretBox::from_base64(&v)
                    .map_err(|p| invalid(settings::SECRET_KEY.name, p))?;
                Some(Secret(v))
            }
            None => None,
        };
        let main_channel = MainChannel {
            channel_id: get(settings::LINE_CHANNEL_ID.name),
            channel_secret: get(settings::LINE_CHANNEL_SECRET.name).map(Secret),
            access_token: get(settings::LINE_CHANNEL_ACCESS_TOKEN.name).map(Secret),
            api_base: parse_or(&get, settings::LINE_API_BASE, parse::base_url)?,
            api_data_base: parse_or(&get, settings::LINE_API_DATA_BASE, parse::base_url)?,
            login_channel_id: get(settings::LINE_LOGIN_CHANNEL_ID.name),
            liff_id: get(settings::LIFF_ID.name),
        };
        let both = "must be set together with {other} (leave both unset for the sandbox)";
        match (&main_channel.channel_secret, &main_channel.access_token) {
            (Some(_), None) => {
                let (name, other) = (
                    settings::LINE_CHANNEL_ACCESS_TOKEN.name,
                    settings::LINE_CHANNEL_SECRET.name,
                );
                return Err(invalid(name, both.replace("{other}", other)));
            }
            (None, Some(_)) => {
                let (name, other) = (
                    settings::LINE_CHANNEL_SECRET.name,
                    settings::LINE_CHANNEL_ACCESS_TOKEN.name,
                );
                return Err(invalid(name, both.replace("{other}", other)));
            }
            _ => {}
        }
        let line_rate_limits =
            parse_optional(&get, settings::LINE_RATE_LIMITS, parse::parse_rate_limits)?
                .unwrap_or_default();
        let line_api_timeout = parse_or(&get, settings::LINE_API_TIMEOUT, |v| {
            duration_in(v, Duration::from_millis(100), 5 * minute)
        })?;
        let webhook_workers = parse_or(&get, settings::WEBHOOK_WORKERS, |v| number_in(v, 1..=64))?;
        let admin_allowed_ips =
            parse_optional(&get, settings::ADMIN_ALLOWED_IPS, parse::networks)?.unwrap_or_default();
        let trusted_proxies =
            parse_optional(&get, settings::TRUSTED_PROXIES, parse::networks)?.unwrap_or_default();
        let min_days = domain::security::access_log::MIN_RETENTION_DAYS;
        let access_log_retention_days = parse_or(&get, settings::ACCESS_LOG_RETENTION_DAYS, |v| {
            match v.parse::<u32>() {
                Ok(n) if (min_days..=36_500).contains(&n) => Ok(n),
                Ok(_) => Err(format!(
                    "must be at least {min_days} days (and at most 36500)"
                )),
                Err(_) => Err("expected a whole number of days".into()),
            }
        })?;
        let leptos_reload_port = parse_or(&get, settings::LEPTOS_RELOAD_PORT, |v| {
            number_in(v, 1..=65535)
        })?;
        let access_log = get(settings::MACHIDAYORI_BENCH_WITHOUT_ACCESS_LOG.name).is_none();
        let instance_id = parse_optional(&get, settings::INSTANCE_ID, |v| {
            let ok = !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if ok {
                Ok(v.to_owned())
            } else {
                Err("expected 1-64 letters, digits, `-` or `_`".into())
            }
        })?
        .unwrap_or_else(domain::delivery::engine::random_instance_id);
        let job_lease = parse_or(&get, settings::JOB_LEASE, |v| {
            duration_in(v, Duration::from_secs(3), 10 * minute)
        })?;
        let delivery_missed_after = parse_or(&get, settings::DELIVERY_MISSED_AFTER, |v| {
            duration_in(v, minute, 7 * 24 * 60 * minute)
        })?;
        let delivery_batches_in_flight =
            parse_or(&get, settings::DELIVERY_BATCHES_IN_FLIGHT, |v| {
                number_in(v, 1..=64)
            })?;
        let line_insight_calls_per_hour =
            parse_or(&get, settings::LINE_INSIGHT_CALLS_PER_HOUR, |v| {
                number_in(v, 1..=600)
            })?;
        let line_aggregation_units_per_month =
            parse_or(&get, settings::LINE_AGGREGATION_UNITS_PER_MONTH, |v| {
                number_in(v, 1..=100_000)
            })?;
        let sandbox_simulated_audience =
            parse_or(&get, settings::SANDBOX_SIMULATED_AUDIENCE, |v| match v {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err("expected true or false".to_owned()),
            })?;
        let liff_sdk_mock = parse_or(&get, settings::LIFF_SDK_MOCK, |v| match v {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err("expected true or false".to_owned()),
        })?;
        let short_text = |v: &str| {
            if v.chars().count() <= 20 && !v.chars().any(char::is_control) {
                Ok(v.to_owned())
            } else {
                Err("expected at most 20 characters on one line".to_owned())
            }
        };
        let test_sender_name = parse_or(&get, settings::TEST_SENDER_NAME, short_text)?;
        let test_message_prefix = parse_or(&get, settings::TEST_MESSAGE_PREFIX, short_text)?;

        Ok(Self {
            admin_allowed_ips,
            trusted_proxies,
            access_log_retention_days,
            secret_key,
            main_channel,
            line_rate_limits,
            line_api_timeout,
            webhook_workers,
            bind_addr,
            public_url,
            data_dir,
            database_url,
            database_max_connections,
            site_root,
            log_format,
            log_level,
            session_idle_timeout,
            session_absolute_lifetime,
            request_body_limit,
            request_timeout,
            shutdown_timeout,
            leptos_reload_port,
            access_log,
            instance_id,
            job_lease,
            delivery_missed_after,
            line_insight_calls_per_hour,
            line_aggregation_units_per_month,
            sandbox_simulated_audience,
            liff_sdk_mock,
            delivery_batches_in_flight,
            test_sender_name,
            test_message_prefix,
        })
    }

    /// How the delivery engine and the job runner behave here.
    pub fn delivery_settings(&self) -> domain::delivery::engine::DeliverySettings {
        domain::delivery::engine::DeliverySettings {
            instance_id: self.instance_id.clone(),
            missed_after: self.delivery_missed_after,
            in_flight: self.delivery_batches_in_flight,
            lease: self.job_lease,
            renew_every: self.job_lease / 3,
            insight_calls_per_hour: self.line_insight_calls_per_hour,
            aggregation_units_per_month: self.line_aggregation_units_per_month,
            ..Default::default()
        }
    }

    /// How test deliveries are marked.
    pub fn test_settings(&self) -> domain::delivery::test_sends::TestSettings {
        domain::delivery::test_sends::TestSettings {
            sender_name: self.test_sender_name.clone(),
            prefix: self.test_message_prefix.clone(),
        }
    }

    pub fn session_policy(&self) -> domain::staff::sessions::SessionPolicy {
        domain::staff::sessions::SessionPolicy {
            idle_timeout: self.session_idle_timeout,
            absolute_lifetime: self.session_absolute_lifetime,
        }
    }

    /// True when browsers reach us over https, so cookies must be `Secure`.
    pub fn is_https(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }

    /// The database URL without its password, for logs and the start-up banner.
    pub fn database_url_for_display(&self) -> String {
        match Url::parse(&self.database_url) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                url.to_string()
            }
            _ => self.database_url.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_env(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_sources(None, |name| map.get(name).cloned())
    }

    #[test]
    fn defaults_are_an_embedded_local_setup() {
        let c = from_env(&[]).unwrap();
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.public_url, None);
        assert_eq!(c.database_url, "sqlite://data/machidayori.db?mode=rwc");
        assert_eq!(c.session_idle_timeout, Duration::from_secs(1800));
        assert_eq!(c.session_absolute_lifetime, Duration::from_secs(12 * 3600));
        assert_eq!(c.request_body_limit, 1024 * 1024);
        assert_eq!(c.log_format, LogFormat::Text);
        assert!(!c.is_https());
    }

    #[test]
    fn invalid_values_name_the_variable() {
        for (name, value) in [
            ("BIND_ADDR", "localhost"),
            ("PUBLIC_URL", "ftp://x"),
            ("PUBLIC_URL", "https://x.example/admin"),
            ("DATABASE_URL", "mysql://x"),
            ("DATABASE_MAX_CONNECTIONS", "0"),
            ("LOG_FORMAT", "xml"),
            ("LOG_LEVEL", "info,[[["),
            ("SESSION_IDLE_TIMEOUT", "10s"),
            ("SESSION_IDLE_TIMEOUT", "soon"),
            ("REQUEST_BODY_LIMIT", "12GB"),
            ("REQUEST_BODY_LIMIT", "10"),
            ("REQUEST_TIMEOUT", "0s"),
            ("ADMIN_ALLOWED_IPS", "192.0.2.0/24,office"),
            ("ADMIN_ALLOWED_IPS", "10.0.0.0/33"),
            ("TRUSTED_PROXIES", "proxy.local"),
            ("ACCESS_LOG_RETENTION_DAYS", "179"),
            ("ACCESS_LOG_RETENTION_DAYS", "-1"),
            ("ACCESS_LOG_RETENTION_DAYS", "half a year"),
            ("INSTANCE_ID", "web 1"),
            ("JOB_LEASE", "1s"),
            ("DELIVERY_MISSED_AFTER", "10s"),
            ("DELIVERY_BATCHES_IN_FLIGHT", "0"),
            (
                "TEST_SENDER_NAME",
                "とても長い送信者名はLINEでは二十文字までです",
            ),
        ] {
            let err = from_env(&[(name, value)]).unwrap_err();
            assert_eq!(err.name, name, "{value}");
            assert!(
                err.to_string()
                    .starts_with(&format!("configuration error: {name}: ")),
                "{err}"
            );
        }
    }

    #[test]
    fn network_settings_and_retention_are_parsed() {
        let c = from_env(&[]).unwrap();
        assert!(c.admin_allowed_ips.is_empty() && c.trusted_proxies.is_empty());
        assert_eq!(c.access_log_retention_days, 180);
        let c = from_env(&[
            (
                "ADMIN_ALLOWED_IPS",
                "192.0.2.0/24, 2001:db8::/32,198.51.100.7",
            ),
            ("TRUSTED_PROXIES", "127.0.0.1"),
            ("ACCESS_LOG_RETENTION_DAYS", "400"),
        ])
        .unwrap();
        let shown: Vec<String> = c
            .admin_allowed_ips
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(shown, ["192.0.2.0/24", "2001:db8::/32", "198.51.100.7/32"]);
        assert_eq!(c.trusted_proxies[0].to_string(), "127.0.0.1/32");
        assert_eq!(c.access_log_retention_days, 400);
        let err = from_env(&[("ACCESS_LOG_RETENTION_DAYS", "30")]).unwrap_err();
        assert!(err.to_string().contains("at least 180 days"), "{err}");
    }

    #[test]
    fn delivery_settings_have_defaults_and_overrides() {
        let c = from_env(&[]).unwrap();
        let d = c.delivery_settings();
        assert_eq!(d.missed_after, Duration::from_secs(3600));
        assert_eq!(
            (d.lease, d.renew_every),
            (Duration::from_secs(30), Duration::from_secs(10))
        );
        assert_eq!(d.in_flight, 8);
        assert!(d.instance_id.starts_with("instance-"));
        assert_eq!(c.test_settings().sender_name, "テスト配信");
        assert_eq!(c.test_settings().prefix, "【テスト】");
        let c = from_env(&[
            ("INSTANCE_ID", "web-1"),
            ("DELIVERY_MISSED_AFTER", "30m"),
            ("JOB_LEASE", "6s"),
            ("TEST_MESSAGE_PREFIX", "[TEST]"),
        ])
        .unwrap();
        let d = c.delivery_settings();
        assert_eq!(d.instance_id, "web-1");
        assert_eq!(d.missed_after, Duration::from_secs(1800));
        assert_eq!(d.renew_every, Duration::from_secs(2));
        assert_eq!(c.test_settings().prefix, "[TEST]");
    }

    #[test]
    fn absolute_lifetime_cannot_be_shorter_than_idle_timeout() {
        let err = from_env(&[
            ("SESSION_IDLE_TIMEOUT", "2h"),
            ("SESSION_ABSOLUTE_LIFETIME", "1h"),
        ])
        .unwrap_err();
        assert_eq!(err.name, "SESSION_ABSOLUTE_LIFETIME");
    }

    #[test]
    fn file_values_are_overridden_by_the_environment() {
        let file =
            "bind_addr = \"0.0.0.0:8080\"\nrequest_body_limit = 2048\nlog_format = \"json\"\n";
        let c = Config::from_sources(Some(file), |n| (n == "LOG_FORMAT").then(|| "text".into()))
            .unwrap();
        assert_eq!(c.bind_addr.to_string(), "0.0.0.0:8080");
        assert_eq!(c.request_body_limit, 2048);
        assert_eq!(c.log_format, LogFormat::Text);
    }

    #[test]
    fn unknown_file_keys_and_bad_toml_are_rejected() {
        let err = Config::from_sources(Some("bind_adr = \"x\""), |_| None).unwrap_err();
        assert_eq!(err.name, "bind_adr");
        let err = Config::from_sources(Some("bind_addr = "), |_| None).unwrap_err();
        assert_eq!(err.name, "--config");
    }

    #[test]
    fn https_public_url_and_sizes() {
        let c = from_env(&[
            ("PUBLIC_URL", "https://line.city.example.jp"),
            ("REQUEST_BODY_LIMIT", "64KiB"),
        ])
        .unwrap();
        assert!(c.is_https());
        assert_eq!(c.request_body_limit, 65536);
    }

    #[test]
    fn database_password_is_hidden_for_display() {
        let c =
            from_env(&[("DATABASE_URL", "postgres://app:s3cret@db.local/machidayori")]).unwrap();
        assert_eq!(
            c.database_url_for_display(),
            "postgres://app:***@db.local/machidayori"
        );
    }

    #[test]
    fn readme_documents_every_setting() {
        let readme = include_str!("../../../README.md");
        for setting in SETTINGS {
            let (name, default) = (setting.name, setting.shown_default());
            let row = format!("| `{name}` | `{default}` |");
            assert!(
                readme.contains(&row),
                "README.md lacks the row for {name}: {row}"
            );
        }
    }
}

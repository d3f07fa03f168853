//! Typed configuration from environment variables, optionally preceded by a TOML file
//! (`machidayori --config FILE`; its keys are the variable names in lower case). The
//! environment wins over the file. Every setting is listed in [`SETTINGS`], which is also the
//! table in README.md; an invalid value stops start-up with an error naming the setting.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

/// Name, default and meaning of every setting, in the order README.md lists them.
pub const SETTINGS: &[(&str, &str, &str)] = &[
    (
        "BIND_ADDR",
        "127.0.0.1:3000",
        "Address and port the HTTP server listens on.",
    ),
    (
        "PUBLIC_URL",
        "http://<listening address>",
        "URL citizens' and staff's browsers use to reach the server (scheme, host, port). `https://...` makes the session cookie `Secure`.",
    ),
    (
        "DATA_DIR",
        "data",
        "Directory for the embedded SQLite database and other local files.",
    ),
    (
        "DATABASE_URL",
        "sqlite://<DATA_DIR>/machidayori.db?mode=rwc",
        "`sqlite://PATH` for the embedded database, or `postgres://USER:PASSWORD@HOST/DB` for PostgreSQL.",
    ),
    (
        "DATABASE_MAX_CONNECTIONS",
        "10",
        "Size of the database connection pool (1-1000).",
    ),
    (
        "SITE_ROOT",
        "target/site",
        "Directory holding the built UI assets (`pkg/`, images), as produced by `cargo leptos build`.",
    ),
    (
        "LOG_FORMAT",
        "text",
        "`text` for people, `json` for log collectors.",
    ),
    (
        "LOG_LEVEL",
        "info",
        "Log filter: a level (`debug`, `info`, `warn`...) or tracing directives such as `info,server=debug`.",
    ),
    (
        "SESSION_IDLE_TIMEOUT",
        "30m",
        "A staff session ends after this long without requests (1m-24h).",
    ),
    (
        "SESSION_ABSOLUTE_LIFETIME",
        "12h",
        "A staff session ends this long after sign-in however active it is (at least the idle timeout, at most 30d).",
    ),
    (
        "REQUEST_BODY_LIMIT",
        "1MiB",
        "Largest request body accepted (bytes, or with KiB/MiB); larger requests get 413.",
    ),
    (
        "REQUEST_TIMEOUT",
        "30s",
        "A request still running after this long is answered with 408.",
    ),
    (
        "SHUTDOWN_TIMEOUT",
        "30s",
        "On SIGTERM/SIGINT, how long in-flight requests may take to finish.",
    ),
    (
        "SECRET_KEY",
        "<DATA_DIR>/secret.key",
        "32 random bytes in base64 (`openssl rand -base64 32`) that encrypt LINE secrets in the database. Unset: a key file is created in `DATA_DIR` (mode 0600); back it up with the database. Every instance sharing a database needs the same key.",
    ),
    (
        "LINE_CHANNEL_ID",
        "(unset)",
        "Channel ID of the Messaging API channel (the `main` channel).",
    ),
    (
        "LINE_CHANNEL_SECRET",
        "(unset)",
        "Channel secret (verifies webhook signatures). With the access token unset too, `main` is a sandbox channel served by the built-in LINE emulator.",
    ),
    (
        "LINE_CHANNEL_ACCESS_TOKEN",
        "(unset)",
        "Long-lived channel access token for the Messaging API.",
    ),
    (
        "LINE_API_BASE",
        "https://api.line.me",
        "Base URL of the Messaging API; any LINE-compatible server may be named here.",
    ),
    (
        "LINE_API_DATA_BASE",
        "https://api-data.line.me",
        "Base URL of the Messaging API's data endpoints (rich menu images).",
    ),
    (
        "LINE_LOGIN_CHANNEL_ID",
        "(unset)",
        "Channel ID of the LINE Login channel that holds the LIFF app (verifies LIFF ID tokens).",
    ),
    ("LIFF_ID", "(unset)", "ID of the LIFF app for survey pages."),
    (
        "LINE_RATE_LIMITS",
        "LINE's published limits",
        "Overrides of the per-channel rate limits, e.g. `multicast=200/s,push=2000/s,insight=60/h`. Classes: multicast, push, broadcast, insight, rich_menu_create_delete, rich_menu_batch, audience, other.",
    ),
    (
        "LINE_API_TIMEOUT",
        "10s",
        "How long one call to the LINE API may take before it counts as failed and is retried.",
    ),
    (
        "WEBHOOK_WORKERS",
        "4",
        "Background workers that act on stored webhook events (1-64).",
    ),
    (
        "ADMIN_ALLOWED_IPS",
        "(empty: all addresses)",
        "Comma-separated CIDR ranges or addresses allowed to reach `/admin` and the server functions, e.g. `192.0.2.0/24,2001:db8::/32`. Always allowed, in addition to the ranges 管理者 add in 設定 → 接続元IP制限; with neither, every address is allowed.",
    ),
    (
        "TRUSTED_PROXIES",
        "(none)",
        "Comma-separated CIDR ranges of reverse proxies whose `X-Forwarded-For` names the client (e.g. `127.0.0.1,10.0.0.0/8`). From any other peer the header is ignored.",
    ),
    (
        "ACCESS_LOG_RETENTION_DAYS",
        "180",
        "Days the access log keeps each request (180-36500); older rows are deleted daily at 18:30 UTC (03:30 JST).",
    ),
];

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
    pub api_base: Option<String>,
    pub api_data_base: Option<String>,
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
            api_base: self.api_base.clone(),
            api_data_base: self.api_data_base.clone(),
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

fn invalid(name: &str, problem: impl Into<String>) -> ConfigError {
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
            Some(text) => parse_file(text)?,
            None => HashMap::new(),
        };
        for (name, _, _) in SETTINGS {
            // An empty variable counts as unset, as container tools often export `NAME=`.
            if let Some(value) = env(name).filter(|v| !v.trim().is_empty()) {
                raw.insert((*name).to_owned(), value);
            }
        }
        let get = |name: &str| raw.get(name).map(|v| v.trim().to_owned());

        let bind_addr: SocketAddr = parse_or(&get, "BIND_ADDR", "127.0.0.1:3000", |v| {
            v.parse()
                .map_err(|_| "expected IP:PORT, for example 127.0.0.1:3000 or 0.0.0.0:8080".into())
        })?;
        let public_url = match get("PUBLIC_URL") {
            Some(v) => Some(parse_public_url(&v).map_err(|p| invalid("PUBLIC_URL", p))?),
            None => None,
        };
        let data_dir = PathBuf::from(get("DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = match get("DATABASE_URL") {
            Some(v) => {
                if domain::db::Backend::from_url(&v).is_none() {
                    return Err(invalid(
                        "DATABASE_URL",
                        "must start with sqlite:// or postgres:// (or postgresql://)",
                    ));
                }
                v
            }
            None => format!("sqlite://{}/machidayori.db?mode=rwc", data_dir.display()),
        };
        let database_max_connections = parse_or(&get, "DATABASE_MAX_CONNECTIONS", "10", |v| {
            match v.parse::<u32>() {
                Ok(n) if (1..=1000).contains(&n) => Ok(n),
                _ => Err("expected a whole number from 1 to 1000".into()),
            }
        })?;
        let site_root = PathBuf::from(get("SITE_ROOT").unwrap_or_else(|| "target/site".into()));
        let log_format = parse_or(&get, "LOG_FORMAT", "text", |v| match v {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err("expected `text` or `json`".into()),
        })?;
        let log_level = parse_or(&get, "LOG_LEVEL", "info", |v| {
            tracing_subscriber::EnvFilter::try_new(v)
                .map(|_| v.to_owned())
                .map_err(|e| format!("not a log filter: {e}"))
        })?;
        let minute = Duration::from_secs(60);
        let session_idle_timeout = parse_or(&get, "SESSION_IDLE_TIMEOUT", "30m", |v| {
            duration_in(v, minute, 24 * 60 * minute)
        })?;
        let session_absolute_lifetime = parse_or(&get, "SESSION_ABSOLUTE_LIFETIME", "12h", |v| {
            duration_in(v, session_idle_timeout, 30 * 24 * 60 * minute)
        })?;
        let request_body_limit = parse_or(&get, "REQUEST_BODY_LIMIT", "1MiB", parse_size)?;
        let request_timeout = parse_or(&get, "REQUEST_TIMEOUT", "30s", |v| {
            duration_in(v, Duration::from_secs(1), 60 * minute)
        })?;
        let shutdown_timeout = parse_or(&get, "SHUTDOWN_TIMEOUT", "30s", |v| {
            duration_in(v, Duration::ZERO, 10 * minute)
        })?;

        let secret_key = match get("SECRET_KEY") {
            Some(v) => {
                // Never echo the value: it is a key.
                domain::security::secrets::SecretBox::from_base64(&v)
                    .map_err(|p| invalid("SECRET_KEY", p))?;
                Some(Secret(v))
            }
            None => None,
        };
        let base_url = |name: &str| -> Result<Option<String>, ConfigError> {
            get(name)
                .map(|v| {
                    let url = Url::parse(&v)
                        .map_err(|e| invalid(name, format!("not a URL: {e} (got {v:?})")))?;
                    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                        return Err(invalid(name, format!("expected https://HOST (got {v:?})")));
                    }
                    Ok(v.trim_end_matches('/').to_owned())
                })
                .transpose()
        };
        let main_channel = MainChannel {
            channel_id: get("LINE_CHANNEL_ID"),
            channel_secret: get("LINE_CHANNEL_SECRET").map(Secret),
            access_token: get("LINE_CHANNEL_ACCESS_TOKEN").map(Secret),
            api_base: base_url("LINE_API_BASE")?,
            api_data_base: base_url("LINE_API_DATA_BASE")?,
            login_channel_id: get("LINE_LOGIN_CHANNEL_ID"),
            liff_id: get("LIFF_ID"),
        };
        match (&main_channel.channel_secret, &main_channel.access_token) {
            (Some(_), None) => {
                return Err(invalid(
                    "LINE_CHANNEL_ACCESS_TOKEN",
                    "must be set together with LINE_CHANNEL_SECRET (leave both unset for the sandbox)",
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "LINE_CHANNEL_SECRET",
                    "must be set together with LINE_CHANNEL_ACCESS_TOKEN (leave both unset for the sandbox)",
                ));
            }
            _ => {}
        }
        let line_rate_limits = match get("LINE_RATE_LIMITS") {
            Some(v) => parse_rate_limits(&v)
                .map_err(|p| invalid("LINE_RATE_LIMITS", format!("{p} (got {v:?})")))?,
            None => HashMap::new(),
        };
        let line_api_timeout = parse_or(&get, "LINE_API_TIMEOUT", "10s", |v| {
            duration_in(v, Duration::from_millis(100), 5 * minute)
        })?;
        let webhook_workers =
            parse_or(&get, "WEBHOOK_WORKERS", "4", |v| match v.parse::<usize>() {
                Ok(n) if (1..=64).contains(&n) => Ok(n),
                _ => Err("expected a whole number from 1 to 64".into()),
            })?;

        let networks = |name: &str| -> Result<Vec<ipnet::IpNet>, ConfigError> {
            match get(name) {
                Some(v) => domain::security::allowlist::parse_network_list(&v)
                    .map_err(|p| invalid(name, format!("{p}; expected comma-separated addresses or CIDR ranges such as 192.0.2.0/24"))),
                None => Ok(Vec::new()),
            }
        };
        let admin_allowed_ips = networks("ADMIN_ALLOWED_IPS")?;
        let trusted_proxies = networks("TRUSTED_PROXIES")?;
        let min_days = domain::security::access_log::MIN_RETENTION_DAYS;
        let access_log_retention_days = parse_or(&get, "ACCESS_LOG_RETENTION_DAYS", "180", |v| {
            match v.parse::<u32>() {
                Ok(n) if (min_days..=36_500).contains(&n) => Ok(n),
                Ok(_) => Err(format!(
                    "must be at least {min_days} days (and at most 36500)"
                )),
                Err(_) => Err("expected a whole number of days".into()),
            }
        })?;

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
        })
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

fn parse_file(text: &str) -> Result<HashMap<String, String>, ConfigError> {
    let table: toml::Table =
        toml::from_str(text).map_err(|e| invalid("--config", format!("not valid TOML: {e}")))?;
    let mut raw = HashMap::new();
    for (key, value) in table {
        let name = key.to_ascii_uppercase();
        if !SETTINGS.iter().any(|(n, _, _)| *n == name) {
            return Err(invalid(&key, "unknown setting in the configuration file"));
        }
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => return Err(invalid(&key, "expected a string or a number")),
        };
        raw.insert(name, value);
    }
    Ok(raw)
}

fn parse_or<T>(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    let value = get(name).unwrap_or_else(|| default.to_owned());
    parse(&value).map_err(|problem| invalid(name, format!("{problem} (got {value:?})")))
}

/// `multicast=200/s,push=2000/s` → overrides per rate class.
fn parse_rate_limits(
    v: &str,
) -> Result<HashMap<line::rate::RateClass, line::rate::RateLimit>, String> {
    let mut limits = HashMap::new();
    for item in v.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (class, limit) = item
            .split_once('=')
            .ok_or_else(|| format!("expected CLASS=COUNT/UNIT, not {item:?}"))?;
        let class = line::rate::RateClass::from_name(class.trim())
            .ok_or_else(|| format!("unknown rate class {:?}", class.trim()))?;
        let limit = line::rate::RateLimit::parse(limit)
            .ok_or_else(|| format!("expected COUNT/s, COUNT/min or COUNT/h, not {limit:?}"))?;
        limits.insert(class, limit);
    }
    Ok(limits)
}

fn parse_public_url(v: &str) -> Result<Url, String> {
    let url = Url::parse(v).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("expected http://HOST[:PORT] or https://HOST[:PORT]".into());
    }
    if url.path() != "/" || url.query().is_some() {
        return Err("must not have a path or query; the server is served at the root".into());
    }
    Ok(url)
}

fn duration_in(v: &str, min: Duration, max: Duration) -> Result<Duration, String> {
    let d = humantime::parse_duration(v)
        .map_err(|_| "expected a duration such as 30s, 30m or 12h".to_owned())?;
    if d < min || d > max {
        return Err(format!(
            "must be between {} and {}",
            humantime::format_duration(min),
            humantime::format_duration(max)
        ));
    }
    Ok(d)
}

fn parse_size(v: &str) -> Result<usize, String> {
    let (digits, unit) = match v.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => v.split_at(i),
        None => (v, ""),
    };
    let factor: usize = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1024,
        "MiB" => 1024 * 1024,
        _ => return Err("expected bytes, or a number with KiB or MiB".into()),
    };
    let n: usize = digits
        .parse()
        .map_err(|_| "expected bytes, or a number with KiB or MiB".to_owned())?;
    let bytes = n.checked_mul(factor).ok_or("too large")?;
    if !(1024..=1024 * 1024 * 1024).contains(&bytes) {
        return Err("must be between 1KiB and 1024MiB".into());
    }
    Ok(bytes)
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
        for (name, default, _) in SETTINGS {
            let row = format!("| `{name}` | `{default}` |");
            assert!(
                readme.contains(&row),
                "README.md lacks the row for {name}: {row}"
            );
        }
    }
}

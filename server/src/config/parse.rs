//! Reading one setting's text: sizes, durations, URLs, rate limits, the TOML file.

use std::collections::HashMap;
use std::time::Duration;

use url::Url;

use super::settings::{Default, SETTINGS, Setting};
use super::{ConfigError, invalid};

pub(super) fn parse_file(text: &str) -> Result<HashMap<String, String>, ConfigError> {
    let table: toml::Table =
        toml::from_str(text).map_err(|e| invalid("--config", format!("not valid TOML: {e}")))?;
    let mut raw = HashMap::new();
    for (key, value) in table {
        let name = key.to_ascii_uppercase();
        if !SETTINGS.iter().any(|s| s.name == name) {
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

/// The setting's value, or its default when unset, read by `parse`; an error names the setting.
pub(super) fn parse_or<T>(
    get: &impl Fn(&str) -> Option<String>,
    setting: Setting,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    let value = match (get(setting.name), setting.default) {
        (Some(value), _) => value,
        (None, Default::Value(value)) => value.to_owned(),
        (None, Default::Described(_)) => {
            return Err(invalid(setting.name, "must be set"));
        }
    };
    parse(&value).map_err(|problem| invalid(setting.name, format!("{problem} (got {value:?})")))
}

/// The setting's value read by `parse`, or `None` when unset.
pub(super) fn parse_optional<T>(
    get: &impl Fn(&str) -> Option<String>,
    setting: Setting,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, ConfigError> {
    match get(setting.name) {
        Some(value) => parse(&value)
            .map(Some)
            .map_err(|problem| invalid(setting.name, format!("{problem} (got {value:?})"))),
        None => Ok(None),
    }
}

/// `multicast=200/s,push=2000/s` → overrides per rate class.
pub(super) fn parse_rate_limits(
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

pub(super) fn parse_public_url(v: &str) -> Result<Url, String> {
    let url = Url::parse(v).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("expected http://HOST[:PORT] or https://HOST[:PORT]".into());
    }
    if url.path() != "/" || url.query().is_some() {
        return Err("must not have a path or query; the server is served at the root".into());
    }
    Ok(url)
}

pub(super) fn duration_in(v: &str, min: Duration, max: Duration) -> Result<Duration, String> {
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

pub(super) fn parse_size(v: &str) -> Result<usize, String> {
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

/// An `http(s)://HOST` base URL, without a trailing slash.
pub(super) fn base_url(v: &str) -> Result<String, String> {
    let url = Url::parse(v).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("expected https://HOST".into());
    }
    Ok(v.trim_end_matches('/').to_owned())
}

/// Comma-separated addresses or CIDR ranges.
pub(super) fn networks(v: &str) -> Result<Vec<ipnet::IpNet>, String> {
    domain::security::allowlist::parse_network_list(v).map_err(|p| {
        format!("{p}; expected comma-separated addresses or CIDR ranges such as 192.0.2.0/24")
    })
}

/// A whole number in `range`.
pub(super) fn number_in<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    v: &str,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, String> {
    match v.parse::<T>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number from {} to {}",
            range.start(),
            range.end()
        )),
    }
}

//! Every setting: its name, its default (written here once) and its meaning. [`SETTINGS`] lists
//! them in the order of README.md's table, which a test keeps in step.

/// A setting's default: a value parsed like any other, or a description of what happens when the
/// setting is unset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Default {
    Value(&'static str),
    Described(&'static str),
}

/// One setting, read from the environment variable `name` (or `name` in lower case in the file).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    pub name: &'static str,
    pub default: Default,
    pub doc: &'static str,
}

impl Setting {
    /// The default as README.md shows it.
    pub fn shown_default(&self) -> &'static str {
        match self.default {
            Default::Value(v) | Default::Described(v) => v,
        }
    }
}

pub const BIND_ADDR: Setting = Setting {
    name: "BIND_ADDR",
    default: Default::Value("127.0.0.1:3000"),
    doc: "Address and port the HTTP server listens on.",
};

pub const PUBLIC_URL: Setting = Setting {
    name: "PUBLIC_URL",
    default: Default::Described("http://<listening address>"),
    doc: "URL citizens' and staff's browsers use to reach the server (scheme, host, port). `https://...` makes the session cookie `Secure`.",
};

pub const DATA_DIR: Setting = Setting {
    name: "DATA_DIR",
    default: Default::Value("data"),
    doc: "Directory for the embedded SQLite database and other local files.",
};

pub const DATABASE_URL: Setting = Setting {
    name: "DATABASE_URL",
    default: Default::Described("sqlite://<DATA_DIR>/machidayori.db?mode=rwc"),
    doc: "`sqlite://PATH` for the embedded database, or `postgres://USER:PASSWORD@HOST/DB` for PostgreSQL.",
};

pub const DATABASE_MAX_CONNECTIONS: Setting = Setting {
    name: "DATABASE_MAX_CONNECTIONS",
    default: Default::Value("10"),
    doc: "Size of the database connection pool (1-1000).",
};

pub const SITE_ROOT: Setting = Setting {
    name: "SITE_ROOT",
    default: Default::Value("target/site"),
    doc: "Directory holding the built UI assets (`pkg/`, images), as produced by `cargo leptos build`.",
};

pub const LOG_FORMAT: Setting = Setting {
    name: "LOG_FORMAT",
    default: Default::Value("text"),
    doc: "`text` for people, `json` for log collectors.",
};

pub const LOG_LEVEL: Setting = Setting {
    name: "LOG_LEVEL",
    default: Default::Value("info"),
    doc: "Log filter: a level (`debug`, `info`, `warn`...) or tracing directives such as `info,server=debug`.",
};

pub const SESSION_IDLE_TIMEOUT: Setting = Setting {
    name: "SESSION_IDLE_TIMEOUT",
    default: Default::Value("30m"),
    doc: "A staff session ends after this long without requests (1m-24h).",
};

pub const SESSION_ABSOLUTE_LIFETIME: Setting = Setting {
    name: "SESSION_ABSOLUTE_LIFETIME",
    default: Default::Value("12h"),
    doc: "A staff session ends this long after sign-in however active it is (at least the idle timeout, at most 30d).",
};

pub const REQUEST_BODY_LIMIT: Setting = Setting {
    name: "REQUEST_BODY_LIMIT",
    default: Default::Value("1MiB"),
    doc: "Largest request body accepted (bytes, or with KiB/MiB); larger requests get 413.",
};

pub const REQUEST_TIMEOUT: Setting = Setting {
    name: "REQUEST_TIMEOUT",
    default: Default::Value("30s"),
    doc: "A request still running after this long is answered with 408.",
};

pub const SHUTDOWN_TIMEOUT: Setting = Setting {
    name: "SHUTDOWN_TIMEOUT",
    default: Default::Value("30s"),
    doc: "On SIGTERM/SIGINT, how long in-flight requests may take to finish.",
};

pub const SECRET_KEY: Setting = Setting {
    name: "SECRET_KEY",
    default: Default::Described("<DATA_DIR>/secret.key"),
    doc: "32 random bytes in base64 (`openssl rand -base64 32`) that encrypt LINE secrets in the database. Unset: a key file is created in `DATA_DIR` (mode 0600); back it up with the database. Every instance sharing a database needs the same key.",
};

pub const LINE_CHANNEL_ID: Setting = Setting {
    name: "LINE_CHANNEL_ID",
    default: Default::Described("(unset)"),
    doc: "Channel ID of the Messaging API channel (the `main` channel).",
};

pub const LINE_CHANNEL_SECRET: Setting = Setting {
    name: "LINE_CHANNEL_SECRET",
    default: Default::Described("(unset)"),
    doc: "Channel secret (verifies webhook signatures). With the access token unset too, `main` is a sandbox channel served by the built-in LINE emulator.",
};

pub const LINE_CHANNEL_ACCESS_TOKEN: Setting = Setting {
    name: "LINE_CHANNEL_ACCESS_TOKEN",
    default: Default::Described("(unset)"),
    doc: "Long-lived channel access token for the Messaging API.",
};

pub const LINE_API_BASE: Setting = Setting {
    name: "LINE_API_BASE",
    default: Default::Value(line::api::LINE_API_BASE),
    doc: "Base URL of the Messaging API; any LINE-compatible server may be named here.",
};

pub const LINE_API_DATA_BASE: Setting = Setting {
    name: "LINE_API_DATA_BASE",
    default: Default::Value(line::api::LINE_DATA_BASE),
    doc: "Base URL of the Messaging API's data endpoints (rich menu images).",
};

pub const LINE_LOGIN_CHANNEL_ID: Setting = Setting {
    name: "LINE_LOGIN_CHANNEL_ID",
    default: Default::Described("(unset)"),
    doc: "Channel ID of the LINE Login channel that holds the LIFF app (verifies LIFF ID tokens).",
};

pub const LIFF_ID: Setting = Setting {
    name: "LIFF_ID",
    default: Default::Described("(unset)"),
    doc: "ID of the LIFF app for survey pages.",
};

pub const LINE_RATE_LIMITS: Setting = Setting {
    name: "LINE_RATE_LIMITS",
    default: Default::Described("LINE's published limits"),
    doc: "Overrides of the per-channel rate limits, e.g. `multicast=200/s,push=2000/s,insight=60/h`. Classes: multicast, push, broadcast, insight, rich_menu_create_delete, rich_menu_batch, audience, other.",
};

pub const LINE_API_TIMEOUT: Setting = Setting {
    name: "LINE_API_TIMEOUT",
    default: Default::Value("10s"),
    doc: "How long one call to the LINE API may take before it counts as failed and is retried.",
};

pub const WEBHOOK_WORKERS: Setting = Setting {
    name: "WEBHOOK_WORKERS",
    default: Default::Value("4"),
    doc: "Background workers that act on stored webhook events (1-64).",
};

pub const ADMIN_ALLOWED_IPS: Setting = Setting {
    name: "ADMIN_ALLOWED_IPS",
    default: Default::Described("(empty: all addresses)"),
    doc: "Comma-separated CIDR ranges or addresses allowed to reach `/admin` and the server functions, e.g. `192.0.2.0/24,2001:db8::/32`. Always allowed, in addition to the ranges 管理者 add in 設定 → 接続元IP制限; with neither, every address is allowed.",
};

pub const TRUSTED_PROXIES: Setting = Setting {
    name: "TRUSTED_PROXIES",
    default: Default::Described("(none)"),
    doc: "Comma-separated CIDR ranges of reverse proxies whose `X-Forwarded-For` names the client (e.g. `127.0.0.1,10.0.0.0/8`). From any other peer the header is ignored.",
};

pub const ACCESS_LOG_RETENTION_DAYS: Setting = Setting {
    name: "ACCESS_LOG_RETENTION_DAYS",
    default: Default::Value("180"),
    doc: "Days the access log keeps each request (180-36500); older rows are deleted daily at 18:30 UTC (03:30 JST).",
};

pub const INSTANCE_ID: Setting = Setting {
    name: "INSTANCE_ID",
    default: Default::Described("(random at each start)"),
    doc: "This instance's name in the database's leases: deliveries of a LINE channel are sent by one instance at a time, so the channel's rate limit holds for all instances together. Unset: a new random id at each start. When set, every instance sharing a database needs its own (letters, digits, `-` and `_`, at most 64).",
};

pub const JOB_LEASE: Setting = Setting {
    name: "JOB_LEASE",
    default: Default::Value("30s"),
    doc: "How long a background job (a delivery, a purge) and a channel's send lease stay with an instance that stopped renewing them (renewed every third of it; 3s-10m): how soon another instance, or this one restarted, takes over the delivery of a process that died.",
};

pub const DELIVERY_MISSED_AFTER: Setting = Setting {
    name: "DELIVERY_MISSED_AFTER",
    default: Default::Value("60m"),
    doc: "A delivery that was due while no server ran is still sent at start-up when it is less than this late (1m-7d); later than that it is marked 見送り (missed) for staff to see, never sent late.",
};

pub const DELIVERY_BATCHES_IN_FLIGHT: Setting = Setting {
    name: "DELIVERY_BATCHES_IN_FLIGHT",
    default: Default::Value("8"),
    doc: "Multicast requests of 500 recipients one delivery has on their way to LINE at once (1-64); each still waits for its turn under the channel's rate limit (`LINE_RATE_LIMITS`, multicast).",
};

pub const SANDBOX_SIMULATED_AUDIENCE: Setting = Setting {
    name: "SANDBOX_SIMULATED_AUDIENCE",
    default: Default::Value("false"),
    doc: "`true`: the built-in sandbox's statistics include a simulated audience (of each delivery's recipients about 60 % open it over the following hours and 20 % tap its first link), so that 配信履歴 and its charts can be tried with a few simulated friends. The admin panel labels such figures as simulated. Sandbox channels only; never LINE.",
};

pub const LIFF_SDK_MOCK: Setting = Setting {
    name: "LIFF_SDK_MOCK",
    default: Default::Value("false"),
    doc: "`true`: the survey pages of sandbox channels load LINE's LIFF SDK with LINE's mock plugin (`@line/liff-mock`), so LINE's own SDK code runs in tests without a LINE account. Sandbox channels only; channels on LINE always load the real SDK.",
};

pub const LINE_INSIGHT_CALLS_PER_HOUR: Setting = Setting {
    name: "LINE_INSIGHT_CALLS_PER_HOUR",
    default: Default::Value("60"),
    doc: "Calls to LINE's insight endpoints (delivery statistics) each channel may make an hour (1-600): LINE allows 60, shared by every insight call. The statistics job never makes more, across restarts and instances; staff's 「最新の数値に更新」 counts too.",
};

pub const LINE_AGGREGATION_UNITS_PER_MONTH: Setting = Setting {
    name: "LINE_AGGREGATION_UNITS_PER_MONTH",
    default: Default::Value("1000"),
    doc: "Custom aggregation unit names each channel may use a month (1-100000): every delivery run gets one of its own so that LINE counts its opens and clicks. 配信履歴 and the send confirmation of a delivery on the channel warn from 90 %; once they are used up, runs are sent without one (our click counts still work, LINE's opens do not).",
};

pub const TEST_SENDER_NAME: Setting = Setting {
    name: "TEST_SENDER_NAME",
    default: Default::Value("テスト配信"),
    doc: "The sender name test deliveries carry (LINE's `sender.name`, shown in the chat instead of the account's name; 1-20 characters).",
};

pub const TEST_MESSAGE_PREFIX: Setting = Setting {
    name: "TEST_MESSAGE_PREFIX",
    default: Default::Value("【テスト】"),
    doc: "A line put before the first text of every test delivery (at most 20 characters).",
};

/// Every documented setting, in README.md's order.
pub const SETTINGS: &[Setting] = &[
    BIND_ADDR,
    PUBLIC_URL,
    DATA_DIR,
    DATABASE_URL,
    DATABASE_MAX_CONNECTIONS,
    SITE_ROOT,
    LOG_FORMAT,
    LOG_LEVEL,
    SESSION_IDLE_TIMEOUT,
    SESSION_ABSOLUTE_LIFETIME,
    REQUEST_BODY_LIMIT,
    REQUEST_TIMEOUT,
    SHUTDOWN_TIMEOUT,
    SECRET_KEY,
    LINE_CHANNEL_ID,
    LINE_CHANNEL_SECRET,
    LINE_CHANNEL_ACCESS_TOKEN,
    LINE_API_BASE,
    LINE_API_DATA_BASE,
    LINE_LOGIN_CHANNEL_ID,
    LIFF_ID,
    LINE_RATE_LIMITS,
    LINE_API_TIMEOUT,
    WEBHOOK_WORKERS,
    ADMIN_ALLOWED_IPS,
    TRUSTED_PROXIES,
    ACCESS_LOG_RETENTION_DAYS,
    INSTANCE_ID,
    JOB_LEASE,
    DELIVERY_MISSED_AFTER,
    DELIVERY_BATCHES_IN_FLIGHT,
    LINE_INSIGHT_CALLS_PER_HOUR,
    LINE_AGGREGATION_UNITS_PER_MONTH,
    SANDBOX_SIMULATED_AUDIENCE,
    LIFF_SDK_MOCK,
    TEST_SENDER_NAME,
    TEST_MESSAGE_PREFIX,
];

/// Settings the tools around the server set, not operators; not in README.md's table.
pub const INTERNAL: &[Setting] = &[LEPTOS_RELOAD_PORT, MACHIDAYORI_BENCH_WITHOUT_ACCESS_LOG];

/// The port `cargo leptos serve` reloads the browser from (development only).
pub const LEPTOS_RELOAD_PORT: Setting = Setting {
    name: "LEPTOS_RELOAD_PORT",
    default: Default::Value("3001"),
    doc: "Set by `cargo leptos serve`: the port of its live-reload socket.",
};

/// The access-log benchmark compares runs with and without the log; nothing else may turn it
/// off, so the switch warns loudly and is not documented for operators.
pub const MACHIDAYORI_BENCH_WITHOUT_ACCESS_LOG: Setting = Setting {
    name: "MACHIDAYORI_BENCH_WITHOUT_ACCESS_LOG",
    default: Default::Described("(unset: the access log is on)"),
    doc: "Benchmarks only: any non-empty value turns the access log off.",
};

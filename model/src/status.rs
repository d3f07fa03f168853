//! Every status the system stores, shows or filters by: declared once each with
//! [`keyed_enum!`], which gives the stored and sent key and the Japanese label in one place.

/// Declares a status enum whose variants are written once each with their key (how the value
/// is stored, with the `db` feature through sea-orm, and sent: serde) and their Japanese label;
/// it gets `ALL`, `key()`, `from_key()` and `label_ja()`.
macro_rules! keyed_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$variant_meta:meta])* $variant:ident = $key:literal, $label:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(
            feature = "db",
            derive(sea_orm::DeriveActiveEnum, sea_orm::EnumIter),
            sea_orm(rs_type = "String", db_type = "Text")
        )]
        pub enum $name {
            $(
                $(#[$variant_meta])*
                #[serde(rename = $key)]
                #[cfg_attr(feature = "db", sea_orm(string_value = $key))]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in the order they are declared (and offered in forms).
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// How the value is stored and sent.
            pub fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)+
                }
            }

            pub fn from_key(key: &str) -> Option<Self> {
                match key {
                    $($key => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// How staff read it.
            pub fn label_ja(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }
        }
    };
}

keyed_enum! {
    /// Whether a friend still follows the channel.
    pub enum FriendStatus {
        Following = "following", "友だち";
        /// Blocked the account (LINE's unfollow event).
        Blocked = "blocked", "ブロック";
    }
}

keyed_enum! {
    /// What a row of the login history records: an attempt's outcome, or a lockout starting or
    /// being lifted.
    pub enum LoginOutcome {
        Success = "success", "成功";
        UnknownUser = "unknown_user", "失敗（存在しないユーザー）";
        WrongPassword = "wrong_password", "失敗（パスワード誤り）";
        Disabled = "disabled", "失敗（無効なアカウント）";
        /// Refused without checking the password: a lockout was in force.
        Locked = "locked", "拒否（ロック中）";
        /// Not an attempt: the username was locked (`locked_until` says until when).
        LockoutAccount = "lockout_account", "ロック開始（アカウント）";
        /// Not an attempt: the client address was locked.
        LockoutAddress = "lockout_address", "ロック開始（接続元）";
        /// Not an attempt: an administrator lifted the lockouts of a username or address.
        Unlocked = "unlocked", "ロック解除";
    }
}

impl LoginOutcome {
    /// The failures that count towards a lockout.
    pub const FAILURES: [LoginOutcome; 3] = [
        LoginOutcome::UnknownUser,
        LoginOutcome::WrongPassword,
        LoginOutcome::Disabled,
    ];

    /// The choices of the login history's 結果 filter, as (value, label): everything, each
    /// kind of row worth looking for, and `failures` for every failure or refusal.
    pub fn filter_options() -> [(&'static str, &'static str); 7] {
        let choice = |o: LoginOutcome| (o.key(), o.label_ja());
        [
            ("", "すべて"),
            choice(LoginOutcome::Success),
            ("failures", "失敗・拒否"),
            choice(LoginOutcome::Locked),
            choice(LoginOutcome::LockoutAccount),
            choice(LoginOutcome::LockoutAddress),
            choice(LoginOutcome::Unlocked),
        ]
    }
}

keyed_enum! {
    /// Which audience a LINE channel reaches; the admin UI always shows it.
    pub enum Environment {
        Production = "production", "本番";
        Test = "test", "テスト";
    }
}

keyed_enum! {
    /// Where an entry of the admin IP allowlist comes from.
    pub enum AllowlistSource {
        /// `ADMIN_ALLOWED_IPS`: not stored, not removable in the UI.
        Config = "config", "設定（ADMIN_ALLOWED_IPS）";
        /// Added by an administrator in the admin panel.
        Ui = "ui", "管理画面";
        /// Added with `machidayori admin allow-ip`.
        Cli = "cli", "コマンド（machidayori admin allow-ip）";
    }
}

keyed_enum! {
    /// Where a piece of leased background work (a job, a webhook event) stands.
    pub enum WorkStatus {
        /// Waiting to be taken, taken (under a lease), or waiting for another attempt.
        Pending = "pending", "処理待ち";
        Done = "done", "処理済み";
        /// Given up after the last attempt.
        Failed = "failed", "失敗";
    }
}

keyed_enum! {
    /// Where a stored push or multicast request stands.
    pub enum SendStatus {
        /// Not yet confirmed by LINE: (re)sent with its retry key by the next attempt.
        Pending = "pending", "送信待ち";
        Sent = "sent", "送信済み";
        /// Refused by LINE (a 4xx): sending again would be refused again.
        Failed = "failed", "失敗";
        /// Not confirmed within LINE's 24 hours for retry keys: never resent automatically.
        Expired = "expired", "期限切れ";
        /// Never sent: its delivery was stopped by staff before it went out.
        Cancelled = "cancelled", "送信中止";
    }
}

keyed_enum! {
    /// Which Messaging API endpoint a stored send goes to.
    pub enum SendKind {
        Push = "push", "プッシュ";
        Multicast = "multicast", "マルチキャスト";
    }
}

keyed_enum! {
    /// The type of a friend attribute: how its value is entered, checked and queried.
    pub enum AttributeKind {
        SingleChoice = "single_choice", "単一選択";
        MultiChoice = "multi_choice", "複数選択";
        Text = "text", "テキスト";
        Number = "number", "数値";
        Date = "date", "日付";
        /// Age and 年代 are computed from it when asked, never stored.
        BirthDate = "birth_date", "生年月日（年齢・年代）";
        /// The same from a year and month (`YYYY-MM`), as most surveys ask.
        BirthMonth = "birth_month", "生年月（年齢・年代）";
    }
}

impl AttributeKind {
    pub fn is_choice(self) -> bool {
        matches!(
            self,
            AttributeKind::SingleChoice | AttributeKind::MultiChoice
        )
    }

    /// Types from which an age is computed.
    pub fn is_birth(self) -> bool {
        matches!(self, AttributeKind::BirthDate | AttributeKind::BirthMonth)
    }
}

keyed_enum! {
    /// Whether a survey takes answers: set by hand; an open survey's period narrows it.
    pub enum SurveyState {
        /// Never opened: only staff see it (the preview).
        Draft = "draft", "下書き";
        Open = "open", "受付中";
        Closed = "closed", "受付終了";
    }
}

keyed_enum! {
    /// Where a friend's attribute value came from.
    pub enum ValueSource {
        Survey = "survey", "アンケート";
        CsvImport = "csv", "CSV取込";
        Staff = "staff", "職員";
        Chatbot = "chatbot", "チャットボット";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T>(all: &[T], key: fn(T) -> &'static str, from_key: fn(&str) -> Option<T>)
    where
        T: Copy + PartialEq + std::fmt::Debug + serde::Serialize,
    {
        for value in all {
            assert_eq!(from_key(key(*value)), Some(*value));
            assert_eq!(
                serde_json::to_string(value).unwrap_or_default(),
                format!("\"{}\"", key(*value))
            );
        }
        assert_eq!(from_key("gone"), None);
    }

    #[test]
    fn every_status_round_trips_through_its_key_and_has_a_japanese_label() {
        round_trips(FriendStatus::ALL, FriendStatus::key, FriendStatus::from_key);
        round_trips(LoginOutcome::ALL, LoginOutcome::key, LoginOutcome::from_key);
        round_trips(Environment::ALL, Environment::key, Environment::from_key);
        round_trips(
            AllowlistSource::ALL,
            AllowlistSource::key,
            AllowlistSource::from_key,
        );
        round_trips(WorkStatus::ALL, WorkStatus::key, WorkStatus::from_key);
        round_trips(SendStatus::ALL, SendStatus::key, SendStatus::from_key);
        round_trips(SendKind::ALL, SendKind::key, SendKind::from_key);
        round_trips(
            AttributeKind::ALL,
            AttributeKind::key,
            AttributeKind::from_key,
        );
        round_trips(ValueSource::ALL, ValueSource::key, ValueSource::from_key);
        let labels = LoginOutcome::ALL.iter().map(|o| o.label_ja());
        assert!(labels.chain(["本番", "ブロック"]).all(|l| !l.is_ascii()));
        assert_eq!(
            LoginOutcome::filter_options()[3],
            ("locked", "拒否（ロック中）")
        );
    }
}

keyed_enum! {
    /// Where a delivery (配信) stands: listmonk's fixed set of statuses. A repeated delivery
    /// stays 予約済み between its occurrences; each occurrence (a run) has one of the statuses
    /// from 送信中 on.
    pub enum DeliveryStatus {
        Draft = "draft", "下書き";
        Scheduled = "scheduled", "予約済み";
        Sending = "sending", "送信中";
        Sent = "sent", "送信済み";
        /// Some batches were refused by LINE or could not be confirmed.
        PartlyFailed = "partly_failed", "一部失敗";
        Failed = "failed", "失敗";
        /// Stopped by staff while sending: batches not yet sent were not sent.
        Stopped = "stopped", "停止";
        /// Scheduled, then cancelled (解除) before it started.
        Cancelled = "cancelled", "取消";
        /// Due while no server was running, and later than the allowed delay: not sent.
        Missed = "missed", "見送り";
    }
}

impl DeliveryStatus {
    /// Staff may still change it: drafts, scheduled deliveries (until they start) and cancelled
    /// ones (解除 makes a scheduled delivery editable again, to be scheduled anew).
    pub fn is_editable(self) -> bool {
        matches!(
            self,
            DeliveryStatus::Draft | DeliveryStatus::Scheduled | DeliveryStatus::Cancelled
        )
    }

    /// Nothing more will happen to it (a run's end, or a one-off delivery's).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            DeliveryStatus::Sent
                | DeliveryStatus::PartlyFailed
                | DeliveryStatus::Failed
                | DeliveryStatus::Stopped
                | DeliveryStatus::Missed
        )
    }
}

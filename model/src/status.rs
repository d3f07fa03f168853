//! Statuses the admin panel shows and filters by, with their Japanese labels.

use serde::{Deserialize, Serialize};

/// Whether a friend still follows the channel. Stored and sent as `following` or `blocked`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "db",
    derive(sea_orm::DeriveActiveEnum, sea_orm::EnumIter),
    sea_orm(rs_type = "String", db_type = "Text")
)]
pub enum FriendStatus {
    #[cfg_attr(feature = "db", sea_orm(string_value = "following"))]
    Following,
    /// Blocked the account (LINE's unfollow event).
    #[cfg_attr(feature = "db", sea_orm(string_value = "blocked"))]
    Blocked,
}

impl FriendStatus {
    pub const ALL: [FriendStatus; 2] = [FriendStatus::Following, FriendStatus::Blocked];

    pub fn key(self) -> &'static str {
        match self {
            FriendStatus::Following => "following",
            FriendStatus::Blocked => "blocked",
        }
    }

    pub fn from_key(key: &str) -> Option<FriendStatus> {
        FriendStatus::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            FriendStatus::Following => "友だち",
            FriendStatus::Blocked => "ブロック",
        }
    }
}

/// What a row of the login history records: an attempt's outcome, or a lockout starting or
/// being lifted. Stored and sent as its key (`success`, `wrong_password`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "db",
    derive(sea_orm::DeriveActiveEnum, sea_orm::EnumIter),
    sea_orm(rs_type = "String", db_type = "Text")
)]
pub enum LoginOutcome {
    #[cfg_attr(feature = "db", sea_orm(string_value = "success"))]
    Success,
    #[cfg_attr(feature = "db", sea_orm(string_value = "unknown_user"))]
    UnknownUser,
    #[cfg_attr(feature = "db", sea_orm(string_value = "wrong_password"))]
    WrongPassword,
    #[cfg_attr(feature = "db", sea_orm(string_value = "disabled"))]
    Disabled,
    /// Refused without checking the password: a lockout was in force.
    #[cfg_attr(feature = "db", sea_orm(string_value = "locked"))]
    Locked,
    /// Not an attempt: the username was locked (`locked_until` says until when).
    #[cfg_attr(feature = "db", sea_orm(string_value = "lockout_account"))]
    LockoutAccount,
    /// Not an attempt: the client address was locked.
    #[cfg_attr(feature = "db", sea_orm(string_value = "lockout_address"))]
    LockoutAddress,
    /// Not an attempt: an administrator lifted the lockouts of a username or address.
    #[cfg_attr(feature = "db", sea_orm(string_value = "unlocked"))]
    Unlocked,
}

impl LoginOutcome {
    pub const ALL: [LoginOutcome; 8] = [
        LoginOutcome::Success,
        LoginOutcome::UnknownUser,
        LoginOutcome::WrongPassword,
        LoginOutcome::Disabled,
        LoginOutcome::Locked,
        LoginOutcome::LockoutAccount,
        LoginOutcome::LockoutAddress,
        LoginOutcome::Unlocked,
    ];
    /// The failures that count towards a lockout.
    pub const FAILURES: [LoginOutcome; 3] = [
        LoginOutcome::UnknownUser,
        LoginOutcome::WrongPassword,
        LoginOutcome::Disabled,
    ];

    pub fn key(self) -> &'static str {
        match self {
            LoginOutcome::Success => "success",
            LoginOutcome::UnknownUser => "unknown_user",
            LoginOutcome::WrongPassword => "wrong_password",
            LoginOutcome::Disabled => "disabled",
            LoginOutcome::Locked => "locked",
            LoginOutcome::LockoutAccount => "lockout_account",
            LoginOutcome::LockoutAddress => "lockout_address",
            LoginOutcome::Unlocked => "unlocked",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.key() == key)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            LoginOutcome::Success => "成功",
            LoginOutcome::UnknownUser => "失敗（存在しないユーザー）",
            LoginOutcome::WrongPassword => "失敗（パスワード誤り）",
            LoginOutcome::Disabled => "失敗（無効なアカウント）",
            LoginOutcome::Locked => "拒否（ロック中）",
            LoginOutcome::LockoutAccount => "ロック開始（アカウント）",
            LoginOutcome::LockoutAddress => "ロック開始（接続元）",
            LoginOutcome::Unlocked => "ロック解除",
        }
    }

    /// The choices of the login history's 結果 filter, as (value, label): everything, each
    /// kind of row worth looking for, and `failures` for every failure or refusal.
    pub fn filter_options() -> [(&'static str, &'static str); 7] {
        [
            ("", "すべて"),
            (
                LoginOutcome::Success.key(),
                LoginOutcome::Success.label_ja(),
            ),
            ("failures", "失敗・拒否"),
            (LoginOutcome::Locked.key(), LoginOutcome::Locked.label_ja()),
            (
                LoginOutcome::LockoutAccount.key(),
                LoginOutcome::LockoutAccount.label_ja(),
            ),
            (
                LoginOutcome::LockoutAddress.key(),
                LoginOutcome::LockoutAddress.label_ja(),
            ),
            (
                LoginOutcome::Unlocked.key(),
                LoginOutcome::Unlocked.label_ja(),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_match_serde() {
        for s in FriendStatus::ALL {
            assert_eq!(FriendStatus::from_key(s.key()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap_or_default(),
                format!("\"{}\"", s.key())
            );
        }
        assert_eq!(FriendStatus::from_key("gone"), None);
        for o in LoginOutcome::ALL {
            assert_eq!(LoginOutcome::from_key(o.key()), Some(o));
            assert_eq!(
                serde_json::to_string(&o).unwrap_or_default(),
                format!("\"{}\"", o.key())
            );
            assert!(!o.label_ja().is_ascii());
        }
    }
}

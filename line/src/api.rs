//! Request and response bodies of the Messaging API endpoints Machidayori uses, shared by the
//! HTTP client (`client` feature) and the built-in LINE sandbox, so that both read and write
//! exactly the same JSON.
//!
//! Requests refuse unknown fields (what we send must be what we meant); responses accept them
//! (LINE adds fields without notice).

use serde::{Deserialize, Serialize};

use crate::message::Message;

/// LINE counts its days and months in Japan time (UTC+9): statistics dates (`yyyyMMdd`) and the
/// monthly message quota.
pub const LINE_UTC_OFFSET_SECONDS: i32 = 9 * 3600;

/// LINE's production hosts: the Messaging API, and the one for content (rich menu images).
pub const LINE_API_BASE: &str = "https://api.line.me";
pub const LINE_DATA_BASE: &str = "https://api-data.line.me";

/// Request header of push and multicast: the sender's UUID that makes a resend safe (409 once
/// LINE has accepted the key, for 24 hours).
pub const RETRY_KEY_HEADER: &str = "x-line-retry-key";
/// Response header: LINE's id of this request.
pub const REQUEST_ID_HEADER: &str = "x-line-request-id";
/// Response header of a 409 for a retry key: the id of the request that was accepted.
pub const ACCEPTED_REQUEST_ID_HEADER: &str = "x-line-accepted-request-id";

/// `POST /v2/bot/message/push`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PushRequest {
    pub to: String,
    pub messages: Vec<Message>,
    pub notification_disabled: Option<bool>,
    pub custom_aggregation_units: Option<Vec<String>>,
}

/// `POST /v2/bot/message/multicast`: at most 500 user ids.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MulticastRequest {
    pub to: Vec<String>,
    pub messages: Vec<Message>,
    pub notification_disabled: Option<bool>,
    pub custom_aggregation_units: Option<Vec<String>>,
}

/// `POST /v2/bot/message/reply`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplyRequest {
    pub reply_token: String,
    pub messages: Vec<Message>,
    pub notification_disabled: Option<bool>,
}

/// Answer to push and reply (multicast answers `{}`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentMessagesResponse {
    #[serde(default)]
    pub sent_messages: Vec<SentMessage>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SentMessage {
    pub id: String,
    pub quote_token: Option<String>,
}

/// LINE's error body: `{"message": "...", "details": [{"message": "...", "property": "..."}]}`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorResponse {
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorDetail>,
    /// On 409 for a reused retry key: the messages the first request sent.
    pub sent_messages: Option<Vec<SentMessage>>,
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub message: Option<String>,
    pub property: Option<String>,
}

/// `GET /v2/bot/profile/{userId}`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub user_id: String,
    pub display_name: String,
    pub picture_url: Option<String>,
    pub status_message: Option<String>,
    /// BCP 47; only when the user agreed to LINE's privacy policy.
    pub language: Option<String>,
}

/// Answer to `POST /v2/bot/richmenu`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RichMenuIdResponse {
    pub rich_menu_id: String,
}

/// A rich menu as LINE reads it back (`GET /v2/bot/richmenu/{id}` and the list): its id and
/// the object it was created from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RichMenuResponse {
    pub rich_menu_id: String,
    pub size: crate::rich_menu::RichMenuSize,
    pub selected: bool,
    pub name: String,
    pub chat_bar_text: String,
    pub areas: Vec<crate::rich_menu::RichMenuArea>,
}

/// `GET /v2/bot/richmenu/list`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RichMenuList {
    #[serde(default)]
    pub richmenus: Vec<RichMenuResponse>,
}

/// `POST /v2/bot/richmenu/bulk/link`: at most 500 user ids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RichMenuBulkLinkRequest {
    pub rich_menu_id: String,
    pub user_ids: Vec<String>,
}

/// `POST /v2/bot/richmenu/bulk/unlink`: at most 500 user ids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RichMenuBulkUnlinkRequest {
    pub user_ids: Vec<String>,
}

/// `POST /v2/bot/richmenu/alias/{richMenuAliasId}` (update): the menu the alias points to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RichMenuAliasUpdate {
    pub rich_menu_id: String,
}

/// `GET /v2/bot/richmenu/alias/list`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RichMenuAliasList {
    #[serde(default)]
    pub aliases: Vec<crate::rich_menu::RichMenuAlias>,
}

/// `GET /v2/bot/insight/followers?date=yyyyMMdd`: the account's friends as of a day (Japan).
/// LINE computes a day's figures the next day: until then `status` is `unready` and the
/// figures are absent; `out_of_service` for days before LINE kept them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NumberOfFollowers {
    pub status: String,
    /// Times a user added the account for the first time (never decreases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers: Option<i64>,
    /// Users targeted messages (by gender, age, region) can reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targeted_reaches: Option<i64>,
    /// Users blocking the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocks: Option<i64>,
}

/// `GET /v2/bot/insight/message/event/aggregation`. LINE answers `null` for any value under 20
/// (or from fewer than 20 users): that is "fewer than 20", not zero.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatisticsPerUnit {
    pub overview: StatisticsOverview,
    #[serde(default)]
    pub messages: Vec<MessageStatistics>,
    #[serde(default)]
    pub clicks: Vec<ClickStatistics>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatisticsOverview {
    pub unique_impression: Option<i64>,
    pub unique_click: Option<i64>,
    pub unique_media_played: Option<i64>,
    pub unique_media_played100_percent: Option<i64>,
}

/// Per message of the unit; `seq` is the message's position in its request (1-based).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageStatistics {
    pub seq: i32,
    pub impression: Option<i64>,
    pub unique_impression: Option<i64>,
    pub media_played: Option<i64>,
    pub unique_media_played: Option<i64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClickStatistics {
    pub seq: i32,
    pub url: String,
    pub click: Option<i64>,
    pub unique_click: Option<i64>,
    pub unique_click_of_request: Option<i64>,
}

/// `GET /v2/bot/insight/richmenu/{richMenuId}/summary?from=yyyyMMdd&to=yyyyMMdd`: a rich menu's
/// impressions and each area's taps over the period (Japan days, at most 396 days apart). When
/// fewer unique users than LINE's privacy threshold tapped it in the period, only `richMenuId`
/// comes back ([`RichMenuInsightSummary::is_below_threshold`]): that is "too few to show", not
/// zero.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RichMenuInsightSummary {
    pub rich_menu_id: String,
    /// The first day (Japan) the figures actually cover, `yyyyMMdd`.
    pub metrics_from: Option<String>,
    /// The last day they cover.
    pub metrics_to: Option<String>,
    pub impression: Option<RichMenuInsightImpression>,
    /// Per tappable area, keyed by the area's `bounds`.
    pub clicks: Option<Vec<RichMenuInsightClick>>,
}

impl RichMenuInsightSummary {
    /// LINE gave only the menu's id: too few users for its privacy threshold.
    pub fn is_below_threshold(&self) -> bool {
        self.impression.is_none() && self.clicks.is_none()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RichMenuInsightImpression {
    pub metrics: RichMenuInsightMetrics,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RichMenuInsightClick {
    pub bounds: RichMenuInsightBounds,
    pub metrics: RichMenuInsightMetrics,
}

/// An area as LINE's insight names it: the area's `bounds` as the menu was created with them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RichMenuInsightBounds {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

impl From<crate::rich_menu::RichMenuBounds> for RichMenuInsightBounds {
    fn from(b: crate::rich_menu::RichMenuBounds) -> Self {
        Self {
            x: b.x,
            y: b.y,
            width: b.width,
            height: b.height,
        }
    }
}

/// Impressions or taps over the whole period, and the (approximate) users behind them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RichMenuInsightMetrics {
    pub count: i64,
    pub unique_users: i64,
}

/// `GET /v2/bot/insight/richmenu/{richMenuId}/daily?from=yyyyMMdd&to=yyyyMMdd`: the same figures
/// per day (at most 99 days apart); only `richMenuId` under the privacy threshold.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RichMenuInsightDaily {
    pub rich_menu_id: String,
    pub metrics_from: Option<String>,
    pub metrics_to: Option<String>,
    pub impression: Option<RichMenuInsightDailyImpression>,
    pub clicks: Option<Vec<RichMenuInsightDailyClick>>,
}

impl RichMenuInsightDaily {
    /// LINE gave only the menu's id: too few users for its privacy threshold.
    pub fn is_below_threshold(&self) -> bool {
        self.impression.is_none() && self.clicks.is_none()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RichMenuInsightDailyImpression {
    #[serde(default)]
    pub metrics: Vec<RichMenuInsightDayMetrics>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RichMenuInsightDailyClick {
    pub bounds: RichMenuInsightBounds,
    #[serde(default)]
    pub metrics: Vec<RichMenuInsightDayMetrics>,
}

/// One day's impressions or taps (`date`: `yyyyMMdd`, Japan).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RichMenuInsightDayMetrics {
    pub date: String,
    pub count: i64,
    pub unique_users: i64,
}

/// Answer of LINE Login's `POST /oauth2/v2.1/verify` for an ID token. Only `sub` identifies
/// the user; the rest is what the user allowed LINE to share.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerifiedIdToken {
    pub iss: String,
    /// The user id.
    pub sub: String,
    /// The LINE Login channel id the token was issued for.
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub nonce: Option<String>,
    pub name: Option<String>,
    pub picture: Option<String>,
    pub email: Option<String>,
}

/// LINE Login's error body: `{"error": "invalid_request", "error_description": "..."}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OAuthError {
    pub error: String,
    pub error_description: String,
}

/// `GET /v2/bot/message/quota`: `type` is `none` (no monthly target, e.g. the municipal plan)
/// or `limited` with `value`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quota {
    #[serde(rename = "type")]
    pub quota_type: String,
    pub value: Option<i64>,
}

/// `GET /v2/bot/message/quota/consumption`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuotaConsumption {
    pub total_usage: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `default` example of `getRichMenuInsightSummary` in LINE's OpenAPI (insight.yml).
    const SUMMARY: &str = r#"{
        "richMenuId": "richmenu-0123456789abcdef0123456789abcdef",
        "metricsFrom": "20260213",
        "metricsTo": "20260215",
        "impression": {"metrics": {"count": 567, "uniqueUsers": 300}},
        "clicks": [
            {"bounds": {"x": 0, "y": 0, "width": 400, "height": 250},
             "metrics": {"count": 123, "uniqueUsers": 45}},
            {"bounds": {"x": 400, "y": 0, "width": 400, "height": 250},
             "metrics": {"count": 45, "uniqueUsers": 24}}
        ]
    }"#;

    /// The `belowThreshold` example of both rich menu insight calls.
    const BELOW: &str = r#"{"richMenuId": "richmenu-0123456789abcdef0123456789abcdef"}"#;

    /// The `default` example of `getRichMenuInsightDaily`.
    const DAILY: &str = r#"{
        "richMenuId": "richmenu-0123456789abcdef0123456789abcdef",
        "metricsFrom": "20260213",
        "metricsTo": "20260215",
        "impression": {"metrics": [
            {"date": "20260213", "count": 300, "uniqueUsers": 191},
            {"date": "20260214", "count": 267, "uniqueUsers": 222}
        ]},
        "clicks": [
            {"bounds": {"x": 0, "y": 0, "width": 400, "height": 250},
             "metrics": [
                {"date": "20260213", "count": 45, "uniqueUsers": 22},
                {"date": "20260214", "count": 78, "uniqueUsers": 35}
             ]},
            {"bounds": {"x": 400, "y": 0, "width": 400, "height": 250},
             "metrics": [
                {"date": "20260213", "count": 22, "uniqueUsers": 21},
                {"date": "20260214", "count": 23, "uniqueUsers": 22}
             ]}
        ]
    }"#;

    fn json(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn the_rich_menu_summary_reads_and_writes_lines_example() {
        let summary: RichMenuInsightSummary = serde_json::from_str(SUMMARY).unwrap();
        assert!(!summary.is_below_threshold());
        assert_eq!(summary.metrics_from.as_deref(), Some("20260213"));
        assert_eq!(
            summary.impression.as_ref().map(|i| i.metrics),
            Some(RichMenuInsightMetrics {
                count: 567,
                unique_users: 300
            })
        );
        let clicks = summary.clicks.clone().unwrap();
        assert_eq!(
            clicks[1].bounds,
            RichMenuInsightBounds {
                x: 400,
                y: 0,
                width: 400,
                height: 250
            }
        );
        assert_eq!(clicks[1].metrics.count, 45);
        assert_eq!(clicks[1].metrics.unique_users, 24);
        assert_eq!(serde_json::to_value(&summary).unwrap(), json(SUMMARY));
    }

    #[test]
    fn under_the_threshold_only_the_id_comes_back() {
        let summary: RichMenuInsightSummary = serde_json::from_str(BELOW).unwrap();
        assert!(summary.is_below_threshold());
        assert_eq!(
            summary.rich_menu_id,
            "richmenu-0123456789abcdef0123456789abcdef"
        );
        assert_eq!(serde_json::to_value(&summary).unwrap(), json(BELOW));
        let daily: RichMenuInsightDaily = serde_json::from_str(BELOW).unwrap();
        assert!(daily.is_below_threshold());
        assert_eq!(serde_json::to_value(&daily).unwrap(), json(BELOW));
    }

    #[test]
    fn the_rich_menu_daily_figures_read_and_write_lines_example() {
        let daily: RichMenuInsightDaily = serde_json::from_str(DAILY).unwrap();
        assert!(!daily.is_below_threshold());
        let impressions = &daily.impression.as_ref().unwrap().metrics;
        assert_eq!(impressions.len(), 2);
        assert_eq!(impressions[1].date, "20260214");
        assert_eq!(impressions[1].unique_users, 222);
        let clicks = daily.clicks.as_ref().unwrap();
        assert_eq!(clicks[0].metrics[1].count, 78);
        assert_eq!(clicks[1].bounds.x, 400);
        assert_eq!(serde_json::to_value(&daily).unwrap(), json(DAILY));
    }

    #[test]
    fn fields_line_adds_later_are_accepted() {
        let with_more = r#"{"richMenuId": "r", "newField": 1,
            "impression": {"metrics": {"count": 1, "uniqueUsers": 1, "ratio": 0.5}}}"#;
        let summary: RichMenuInsightSummary = serde_json::from_str(with_more).unwrap();
        assert_eq!(summary.impression.unwrap().metrics.count, 1);
    }
}

//! LINE's insight calls: statistics of messages sent with a custom aggregation unit (opens and
//! clicks), the account's friends per day, and a rich menu's impressions and taps per area. Each counts against LINE's 60 insight calls an
//! hour, so each is made once: the caller decides when to ask again.

use reqwest::Method;

use super::{Call, Client, ClientError, check, required, segment};
use crate::api::{
    NumberOfFollowers, RichMenuInsightDaily, RichMenuInsightSummary, StatisticsPerUnit,
};
use crate::validate;

impl Client {
    /// `GET /v2/bot/insight/message/event/aggregation`: opens and clicks of the messages sent
    /// with `customAggregationUnits: [unit]`, `from`..=`to` as `yyyyMMdd` (UTC+9, at most 30
    /// days apart). One attempt: a 429 or 5xx comes back as [`ClientError::Rejected`].
    pub async fn statistics_per_unit(
        &self,
        unit: &str,
        from: &str,
        to: &str,
    ) -> Result<StatisticsPerUnit, ClientError> {
        let mut v = validate::aggregation_unit("customAggregationUnit", unit);
        v.extend(validate::statistics_period(from, to));
        check(v)?;
        let endpoint = "/v2/bot/insight/message/event/aggregation";
        let mut call = Call::new(Method::GET, endpoint.into(), endpoint);
        // Each attempt counts against LINE's 60 insight calls an hour: the caller decides when
        // to ask again.
        call.single_attempt = true;
        call.query = vec![
            ("customAggregationUnit", unit.to_owned()),
            ("from", from.to_owned()),
            ("to", to.to_owned()),
        ];
        self.execute(call).await?.decode(endpoint)
    }

    /// `GET /v2/bot/insight/followers`: the account's friends as of `date` (`yyyyMMdd`, UTC+9).
    /// One attempt, as [`Self::statistics_per_unit`].
    pub async fn followers(&self, date: &str) -> Result<NumberOfFollowers, ClientError> {
        check(validate::statistics_date("date", date))?;
        let endpoint = "/v2/bot/insight/followers";
        let mut call = Call::new(Method::GET, endpoint.into(), endpoint);
        call.single_attempt = true;
        call.query = vec![("date", date.to_owned())];
        self.execute(call).await?.decode(endpoint)
    }

    /// `GET /v2/bot/insight/richmenu/{richMenuId}/summary`: the menu's impressions and each
    /// area's taps from `from` to `to` (`yyyyMMdd`, UTC+9, at most 396 days apart). Only the id
    /// comes back under LINE's privacy threshold. One attempt, as [`Self::statistics_per_unit`].
    pub async fn rich_menu_insight_summary(
        &self,
        rich_menu_id: &str,
        from: &str,
        to: &str,
    ) -> Result<RichMenuInsightSummary, ClientError> {
        self.rich_menu_insight(
            rich_menu_id,
            from,
            to,
            "summary",
            validate::MAX_RICH_MENU_SUMMARY_DAYS,
        )
        .await
    }

    /// `GET /v2/bot/insight/richmenu/{richMenuId}/daily`: the same per day (at most 99 days
    /// apart). One attempt.
    pub async fn rich_menu_insight_daily(
        &self,
        rich_menu_id: &str,
        from: &str,
        to: &str,
    ) -> Result<RichMenuInsightDaily, ClientError> {
        self.rich_menu_insight(
            rich_menu_id,
            from,
            to,
            "daily",
            validate::MAX_RICH_MENU_DAILY_DAYS,
        )
        .await
    }

    async fn rich_menu_insight<T: serde::de::DeserializeOwned>(
        &self,
        rich_menu_id: &str,
        from: &str,
        to: &str,
        which: &'static str,
        max_days: u32,
    ) -> Result<T, ClientError> {
        let mut v = required("richMenuId", rich_menu_id);
        v.extend(validate::rich_menu_insight_period(from, to, max_days));
        check(v)?;
        let endpoint = if which == "daily" {
            "/v2/bot/insight/richmenu/{richMenuId}/daily"
        } else {
            "/v2/bot/insight/richmenu/{richMenuId}/summary"
        };
        let path = format!("/v2/bot/insight/richmenu/{}/{which}", segment(rich_menu_id));
        let mut call = Call::new(Method::GET, path, endpoint);
        call.single_attempt = true;
        call.query = vec![("from", from.to_owned()), ("to", to.to_owned())];
        self.execute(call).await?.decode(endpoint)
    }
}

//! LINE's insight calls: statistics of messages sent with a custom aggregation unit (opens and
//! clicks) and the account's friends per day. Each counts against LINE's 60 insight calls an
//! hour, so each is made once: the caller decides when to ask again.

use reqwest::Method;

use super::{Call, Client, ClientError, check};
use crate::api::{NumberOfFollowers, StatisticsPerUnit};
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
}

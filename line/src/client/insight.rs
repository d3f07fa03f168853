//! Statistics of messages sent with a custom aggregation unit (opens and clicks).

use reqwest::Method;

use super::{Call, Client, ClientError, check};
use crate::api::StatisticsPerUnit;
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
}

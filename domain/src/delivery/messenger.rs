//! The port through which the domain talks to LINE (listmonk's "messenger"): the delivery
//! engine's batching, pacing and failure rules, and the webhook handlers' replies, are written
//! against [`Messenger`], so they can be tested with a scripted LINE; in the running system the
//! Messaging API client ([`line::client::Client`]) implements it, against LINE or the built-in
//! sandbox.

use std::future::Future;

use line::api::{
    MulticastRequest, NumberOfFollowers, Profile, PushRequest, ReplyRequest,
    RichMenuInsightSummary, RichMenuResponse, SentMessagesResponse, StatisticsPerUnit,
};
use line::client::{Client, ClientError, RetryKey, SendOutcome};
use line::rich_menu::{RichMenu, RichMenuAlias};

/// Sends messages to LINE. Every send carries its retry key, so an attempt repeated after a
/// failure or a crash is answered "already accepted" instead of delivering twice.
pub trait Messenger: Send + Sync {
    /// One recipient.
    fn push(
        &self,
        request: &PushRequest,
        key: &RetryKey,
    ) -> impl Future<Output = Result<SendOutcome, ClientError>> + Send;

    /// Up to 500 recipients at once.
    fn multicast(
        &self,
        request: &MulticastRequest,
        key: &RetryKey,
    ) -> impl Future<Output = Result<SendOutcome, ClientError>> + Send;

    /// An answer to an event, with its reply token (which works once).
    fn reply(
        &self,
        request: &ReplyRequest,
    ) -> impl Future<Output = Result<SentMessagesResponse, ClientError>> + Send;

    /// A friend's display name, picture and language, when they let the account see them.
    fn profile(&self, user_id: &str) -> impl Future<Output = Result<Profile, ClientError>> + Send;

    /// Opens and clicks of the messages sent with aggregation unit `unit` on the days `from` to
    /// `to` (`yyyyMMdd`, Japan): one insight call, never retried (`delivery::statistics`).
    fn statistics_per_unit(
        &self,
        unit: &str,
        from: &str,
        to: &str,
    ) -> impl Future<Output = Result<StatisticsPerUnit, ClientError>> + Send;

    /// The account's friends as of `date` (`yyyyMMdd`, Japan): one insight call, never retried
    /// (`audience::follower_statistics`).
    fn followers(
        &self,
        date: &str,
    ) -> impl Future<Output = Result<NumberOfFollowers, ClientError>> + Send;

    // Rich menus (`menus::publish`). Only the Messaging API client has them: a messenger
    // without them (a scripted test LINE) answers that it cannot.

    fn create_rich_menu(
        &self,
        _menu: &RichMenu,
    ) -> impl Future<Output = Result<String, ClientError>> + Send {
        async { Err(no_rich_menus()) }
    }

    fn list_rich_menus(
        &self,
    ) -> impl Future<Output = Result<Vec<RichMenuResponse>, ClientError>> + Send {
        async { Err(no_rich_menus()) }
    }

    fn upload_rich_menu_image(
        &self,
        _rich_menu_id: &str,
        _content_type: &str,
        _bytes: Vec<u8>,
    ) -> impl Future<Output = Result<(), ClientError>> + Send {
        async { Err(no_rich_menus()) }
    }

    fn set_default_rich_menu(
        &self,
        _rich_menu_id: &str,
    ) -> impl Future<Output = Result<(), ClientError>> + Send {
        async { Err(no_rich_menus()) }
    }

    fn delete_rich_menu(
        &self,
        _rich_menu_id: &str,
    ) -> impl Future<Output = Result<(), ClientError>> + Send {
        async { Err(no_rich_menus()) }
    }

    fn clear_default_rich_menu(&self) -> impl Future<Output = Result<(), ClientError>> + Send {
        async { Err(no_rich_menus()) }
    }

    fn bulk_link_rich_menu(
        &self,
        _user_ids: &[String],
        _rich_menu_id: &str,
    ) -> impl Future<Output = Result<(), ClientError>> + Send {
        async { Err(no_rich_menus()) }
    }

    fn bulk_unlink_rich_menu(
        &self,
        _user_ids: &[String],
    ) -> impl Future<Output = Result<(), ClientError>> + Send {
        async { Err(no_rich_menus()) }
    }

    /// Points alias `alias_id` (a tab's name for `richmenuswitch`) at `rich_menu_id`: created,
    /// or moved when it exists.
    fn set_rich_menu_alias(
        &self,
        _alias_id: &str,
        _rich_menu_id: &str,
    ) -> impl Future<Output = Result<(), ClientError>> + Send {
        async { Err(no_rich_menus()) }
    }

    /// The menu alias `alias_id` points at.
    fn get_rich_menu_alias(
        &self,
        _alias_id: &str,
    ) -> impl Future<Output = Result<RichMenuAlias, ClientError>> + Send {
        async { Err(no_rich_menus()) }
    }

    /// A rich menu's impressions and taps per area on the days `from` to `to` (`yyyyMMdd`,
    /// Japan): one insight call, never retried (`menus::statistics`).
    fn rich_menu_insight_summary(
        &self,
        _rich_menu_id: &str,
        _from: &str,
        _to: &str,
    ) -> impl Future<Output = Result<RichMenuInsightSummary, ClientError>> + Send {
        async { Err(no_rich_menus()) }
    }
}

fn no_rich_menus() -> ClientError {
    ClientError::Transport("this messenger has no rich menus".into())
}

impl Messenger for Client {
    fn push(
        &self,
        request: &PushRequest,
        key: &RetryKey,
    ) -> impl Future<Output = Result<SendOutcome, ClientError>> + Send {
        Client::push(self, request, key)
    }

    fn multicast(
        &self,
        request: &MulticastRequest,
        key: &RetryKey,
    ) -> impl Future<Output = Result<SendOutcome, ClientError>> + Send {
        Client::multicast(self, request, key)
    }

    fn reply(
        &self,
        request: &ReplyRequest,
    ) -> impl Future<Output = Result<SentMessagesResponse, ClientError>> + Send {
        Client::reply(self, request)
    }

    fn profile(&self, user_id: &str) -> impl Future<Output = Result<Profile, ClientError>> + Send {
        Client::profile(self, user_id)
    }

    fn statistics_per_unit(
        &self,
        unit: &str,
        from: &str,
        to: &str,
    ) -> impl Future<Output = Result<StatisticsPerUnit, ClientError>> + Send {
        Client::statistics_per_unit(self, unit, from, to)
    }

    fn followers(
        &self,
        date: &str,
    ) -> impl Future<Output = Result<NumberOfFollowers, ClientError>> + Send {
        Client::followers(self, date)
    }

    fn create_rich_menu(
        &self,
        menu: &RichMenu,
    ) -> impl Future<Output = Result<String, ClientError>> + Send {
        Client::create_rich_menu(self, menu)
    }

    fn list_rich_menus(
        &self,
    ) -> impl Future<Output = Result<Vec<RichMenuResponse>, ClientError>> + Send {
        Client::list_rich_menus(self)
    }

    fn upload_rich_menu_image(
        &self,
        rich_menu_id: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> impl Future<Output = Result<(), ClientError>> + Send {
        Client::upload_rich_menu_image(self, rich_menu_id, content_type, bytes)
    }

    fn set_default_rich_menu(
        &self,
        rich_menu_id: &str,
    ) -> impl Future<Output = Result<(), ClientError>> + Send {
        Client::set_default_rich_menu(self, rich_menu_id)
    }

    fn delete_rich_menu(
        &self,
        rich_menu_id: &str,
    ) -> impl Future<Output = Result<(), ClientError>> + Send {
        Client::delete_rich_menu(self, rich_menu_id)
    }

    fn clear_default_rich_menu(&self) -> impl Future<Output = Result<(), ClientError>> + Send {
        Client::clear_default_rich_menu(self)
    }

    fn bulk_link_rich_menu(
        &self,
        user_ids: &[String],
        rich_menu_id: &str,
    ) -> impl Future<Output = Result<(), ClientError>> + Send {
        Client::bulk_link_rich_menu(self, user_ids, rich_menu_id)
    }

    fn bulk_unlink_rich_menu(
        &self,
        user_ids: &[String],
    ) -> impl Future<Output = Result<(), ClientError>> + Send {
        Client::bulk_unlink_rich_menu(self, user_ids)
    }

    async fn set_rich_menu_alias(
        &self,
        alias_id: &str,
        rich_menu_id: &str,
    ) -> Result<(), ClientError> {
        // Moved when LINE has it already (a tab published before), else created.
        match Client::get_rich_menu_alias(self, alias_id).await {
            Ok(_) => Client::update_rich_menu_alias(self, alias_id, rich_menu_id).await,
            Err(ClientError::Rejected { status: 404, .. }) => {
                let alias = RichMenuAlias {
                    rich_menu_alias_id: alias_id.to_owned(),
                    rich_menu_id: rich_menu_id.to_owned(),
                };
                Client::create_rich_menu_alias(self, &alias).await
            }
            Err(e) => Err(e),
        }
    }

    fn get_rich_menu_alias(
        &self,
        alias_id: &str,
    ) -> impl Future<Output = Result<RichMenuAlias, ClientError>> + Send {
        Client::get_rich_menu_alias(self, alias_id)
    }

    fn rich_menu_insight_summary(
        &self,
        rich_menu_id: &str,
        from: &str,
        to: &str,
    ) -> impl Future<Output = Result<RichMenuInsightSummary, ClientError>> + Send {
        Client::rich_menu_insight_summary(self, rich_menu_id, from, to)
    }
}

//! Rich menus: validate, create, upload the image, default menu, per-user and bulk links,
//! aliases.

use reqwest::Method;

use super::{Body, Call, Client, ClientError, Host, check, required, segment};
use crate::api::{
    RichMenuAliasList, RichMenuAliasUpdate, RichMenuBulkLinkRequest, RichMenuBulkUnlinkRequest,
    RichMenuIdResponse, RichMenuList, RichMenuResponse,
};
use crate::rich_menu::{RichMenu, RichMenuAlias};
use crate::validate;

impl Client {
    /// `POST /v2/bot/richmenu`: the new menu's id. The image is uploaded separately.
    ///
    /// One attempt, never retried: LINE takes no retry key here, so a retry after a lost answer
    /// would make a second menu. A caller that lost the answer finds the menu again by its
    /// `name` in [`Client::list_rich_menus`].
    pub async fn create_rich_menu(&self, menu: &RichMenu) -> Result<String, ClientError> {
        check(validate::rich_menu(menu))?;
        let endpoint = "/v2/bot/richmenu";
        let mut call = Call::new(Method::POST, endpoint.into(), endpoint).json(menu)?;
        call.single_attempt = true;
        let answer = self.execute(call).await?;
        Ok(answer.decode::<RichMenuIdResponse>(endpoint)?.rich_menu_id)
    }

    /// `POST /v2/bot/richmenu/validate`: whether LINE would accept `menu`, without creating it
    /// (nor spending the hourly create limit). Checked here first with LINE's published rules;
    /// LINE's own refusal comes back as [`ClientError::Rejected`] with its details.
    pub async fn validate_rich_menu(&self, menu: &RichMenu) -> Result<(), ClientError> {
        check(validate::rich_menu(menu))?;
        let endpoint = "/v2/bot/richmenu/validate";
        let call = Call::new(Method::POST, endpoint.into(), endpoint).json(menu)?;
        self.execute(call).await.map(drop)
    }

    /// `GET /v2/bot/richmenu/list`: every menu of the channel made through the Messaging API.
    pub async fn list_rich_menus(&self) -> Result<Vec<RichMenuResponse>, ClientError> {
        let endpoint = "/v2/bot/richmenu/list";
        let answer = self
            .execute(Call::new(Method::GET, endpoint.into(), endpoint))
            .await?;
        Ok(answer.decode::<RichMenuList>(endpoint)?.richmenus)
    }

    /// `GET /v2/bot/richmenu/{richMenuId}`.
    pub async fn get_rich_menu(&self, rich_menu_id: &str) -> Result<RichMenuResponse, ClientError> {
        check(required("richMenuId", rich_menu_id))?;
        let endpoint = "/v2/bot/richmenu/{richMenuId}";
        let path = format!("/v2/bot/richmenu/{}", segment(rich_menu_id));
        self.execute(Call::new(Method::GET, path, endpoint))
            .await?
            .decode(endpoint)
    }

    /// `GET /v2/bot/user/all/richmenu`: the default menu's id, `None` when there is none.
    pub async fn get_default_rich_menu(&self) -> Result<Option<String>, ClientError> {
        let endpoint = "/v2/bot/user/all/richmenu";
        match self
            .execute(Call::new(Method::GET, endpoint.into(), endpoint))
            .await
        {
            Ok(answer) => Ok(Some(
                answer.decode::<RichMenuIdResponse>(endpoint)?.rich_menu_id,
            )),
            Err(ClientError::Rejected { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET /v2/bot/user/{userId}/richmenu`: the menu linked to one user, `None` when none is.
    pub async fn get_user_rich_menu(&self, user_id: &str) -> Result<Option<String>, ClientError> {
        check(required("userId", user_id))?;
        let endpoint = "/v2/bot/user/{userId}/richmenu";
        let path = format!("/v2/bot/user/{}/richmenu", segment(user_id));
        match self.execute(Call::new(Method::GET, path, endpoint)).await {
            Ok(answer) => Ok(Some(
                answer.decode::<RichMenuIdResponse>(endpoint)?.rich_menu_id,
            )),
            Err(ClientError::Rejected { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST {data_base}/v2/bot/richmenu/{richMenuId}/content`: JPEG or PNG, at most 1 MB.
    /// LINE keeps the first image of a menu: a new image needs a new menu.
    pub async fn upload_rich_menu_image(
        &self,
        rich_menu_id: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<(), ClientError> {
        let mut v = required("richMenuId", rich_menu_id);
        v.extend(validate::rich_menu_image(content_type, bytes.len()));
        check(v)?;
        // LINE's own spelling of the type, without parameters (checked just above).
        let content_type = validate::rich_menu_image_type(content_type)
            .unwrap_or(content_type)
            .to_owned();
        let path = format!("/v2/bot/richmenu/{}/content", segment(rich_menu_id));
        let mut call = Call::new(Method::POST, path, "/v2/bot/richmenu/{richMenuId}/content");
        call.host = Host::Data;
        call.body = Body::Raw {
            content_type,
            bytes,
        };
        self.execute(call).await.map(drop)
    }

    /// `POST /v2/bot/user/all/richmenu/{richMenuId}`: the menu of everyone without their own.
    pub async fn set_default_rich_menu(&self, rich_menu_id: &str) -> Result<(), ClientError> {
        check(required("richMenuId", rich_menu_id))?;
        let path = format!("/v2/bot/user/all/richmenu/{}", segment(rich_menu_id));
        self.execute(Call::new(
            Method::POST,
            path,
            "/v2/bot/user/all/richmenu/{richMenuId}",
        ))
        .await
        .map(drop)
    }

    /// `DELETE /v2/bot/user/all/richmenu`.
    pub async fn clear_default_rich_menu(&self) -> Result<(), ClientError> {
        let endpoint = "/v2/bot/user/all/richmenu";
        self.execute(Call::new(Method::DELETE, endpoint.into(), endpoint))
            .await
            .map(drop)
    }

    /// `DELETE /v2/bot/richmenu/{richMenuId}`.
    pub async fn delete_rich_menu(&self, rich_menu_id: &str) -> Result<(), ClientError> {
        check(required("richMenuId", rich_menu_id))?;
        let path = format!("/v2/bot/richmenu/{}", segment(rich_menu_id));
        self.execute(Call::new(
            Method::DELETE,
            path,
            "/v2/bot/richmenu/{richMenuId}",
        ))
        .await
        .map(drop)
    }

    /// `POST /v2/bot/user/{userId}/richmenu/{richMenuId}`: takes effect at once.
    pub async fn link_rich_menu(
        &self,
        user_id: &str,
        rich_menu_id: &str,
    ) -> Result<(), ClientError> {
        let mut v = required("userId", user_id);
        v.extend(required("richMenuId", rich_menu_id));
        check(v)?;
        let path = format!(
            "/v2/bot/user/{}/richmenu/{}",
            segment(user_id),
            segment(rich_menu_id)
        );
        self.execute(Call::new(
            Method::POST,
            path,
            "/v2/bot/user/{userId}/richmenu/{richMenuId}",
        ))
        .await
        .map(drop)
    }

    /// `DELETE /v2/bot/user/{userId}/richmenu`: back to the default menu.
    pub async fn unlink_rich_menu(&self, user_id: &str) -> Result<(), ClientError> {
        check(required("userId", user_id))?;
        let path = format!("/v2/bot/user/{}/richmenu", segment(user_id));
        self.execute(Call::new(
            Method::DELETE,
            path,
            "/v2/bot/user/{userId}/richmenu",
        ))
        .await
        .map(drop)
    }

    /// `POST /v2/bot/richmenu/bulk/link`: 1 to 500 users. LINE applies it asynchronously.
    pub async fn bulk_link_rich_menu(
        &self,
        user_ids: &[String],
        rich_menu_id: &str,
    ) -> Result<(), ClientError> {
        let mut v = validate::bulk_user_ids(user_ids);
        v.extend(required("richMenuId", rich_menu_id));
        check(v)?;
        let body = RichMenuBulkLinkRequest {
            rich_menu_id: rich_menu_id.to_owned(),
            user_ids: user_ids.to_vec(),
        };
        let endpoint = "/v2/bot/richmenu/bulk/link";
        self.execute(Call::new(Method::POST, endpoint.into(), endpoint).json(&body)?)
            .await
            .map(drop)
    }

    /// `POST /v2/bot/richmenu/bulk/unlink`: 1 to 500 users.
    pub async fn bulk_unlink_rich_menu(&self, user_ids: &[String]) -> Result<(), ClientError> {
        check(validate::bulk_user_ids(user_ids))?;
        let body = RichMenuBulkUnlinkRequest {
            user_ids: user_ids.to_vec(),
        };
        let endpoint = "/v2/bot/richmenu/bulk/unlink";
        self.execute(Call::new(Method::POST, endpoint.into(), endpoint).json(&body)?)
            .await
            .map(drop)
    }

    /// `POST /v2/bot/richmenu/alias`: a tab name for `richmenuswitch` actions.
    pub async fn create_rich_menu_alias(&self, alias: &RichMenuAlias) -> Result<(), ClientError> {
        let mut v = validate::rich_menu_alias_id("richMenuAliasId", &alias.rich_menu_alias_id);
        v.extend(required("richMenuId", &alias.rich_menu_id));
        check(v)?;
        let endpoint = "/v2/bot/richmenu/alias";
        self.execute(Call::new(Method::POST, endpoint.into(), endpoint).json(alias)?)
            .await
            .map(drop)
    }

    /// `POST /v2/bot/richmenu/alias/{richMenuAliasId}`: points the alias at another menu.
    pub async fn update_rich_menu_alias(
        &self,
        alias_id: &str,
        rich_menu_id: &str,
    ) -> Result<(), ClientError> {
        let mut v = validate::rich_menu_alias_id("richMenuAliasId", alias_id);
        v.extend(required("richMenuId", rich_menu_id));
        check(v)?;
        let body = RichMenuAliasUpdate {
            rich_menu_id: rich_menu_id.to_owned(),
        };
        let path = format!("/v2/bot/richmenu/alias/{}", segment(alias_id));
        let call = Call::new(
            Method::POST,
            path,
            "/v2/bot/richmenu/alias/{richMenuAliasId}",
        );
        self.execute(call.json(&body)?).await.map(drop)
    }

    /// `DELETE /v2/bot/richmenu/alias/{richMenuAliasId}`.
    pub async fn delete_rich_menu_alias(&self, alias_id: &str) -> Result<(), ClientError> {
        check(validate::rich_menu_alias_id("richMenuAliasId", alias_id))?;
        let path = format!("/v2/bot/richmenu/alias/{}", segment(alias_id));
        self.execute(Call::new(
            Method::DELETE,
            path,
            "/v2/bot/richmenu/alias/{richMenuAliasId}",
        ))
        .await
        .map(drop)
    }

    /// `GET /v2/bot/richmenu/alias/{richMenuAliasId}`.
    pub async fn get_rich_menu_alias(&self, alias_id: &str) -> Result<RichMenuAlias, ClientError> {
        check(validate::rich_menu_alias_id("richMenuAliasId", alias_id))?;
        let endpoint = "/v2/bot/richmenu/alias/{richMenuAliasId}";
        let path = format!("/v2/bot/richmenu/alias/{}", segment(alias_id));
        self.execute(Call::new(Method::GET, path, endpoint))
            .await?
            .decode(endpoint)
    }

    /// `GET /v2/bot/richmenu/alias/list`.
    pub async fn list_rich_menu_aliases(&self) -> Result<Vec<RichMenuAlias>, ClientError> {
        let endpoint = "/v2/bot/richmenu/alias/list";
        let answer = self
            .execute(Call::new(Method::GET, endpoint.into(), endpoint))
            .await?;
        Ok(answer.decode::<RichMenuAliasList>(endpoint)?.aliases)
    }
}

//! Rich menus: create, list, get, delete, image upload and download, default menu, per-user
//! and bulk links, aliases.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use line::api::{
    RichMenuAliasList, RichMenuAliasUpdate, RichMenuBulkLinkRequest, RichMenuBulkUnlinkRequest,
    RichMenuIdResponse,
};
use line::rich_menu::{RichMenu, RichMenuAlias};
use line::validate::{self, MAX_RICH_MENU_ALIASES, MAX_RICH_MENUS};
use serde_json::{Value, json};

use super::reply::{
    Answer, bad_request, error, not_found_error, ok, ok_empty, parse_body, violations_response,
};
use super::{Caller, with_channel};
use crate::image::{self, ImageKind};
use crate::state::{ChannelData, StoredImage, StoredRichMenu};
use crate::{Sandbox, ids, persist};

fn rich_menu_json(id: &str, menu: &RichMenu) -> Value {
    let mut value = serde_json::to_value(menu).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut value {
        map.insert("richMenuId".into(), json!(id));
    }
    value
}

fn menu_with_image<'a>(data: &'a ChannelData, id: &str) -> Result<&'a StoredRichMenu, Response> {
    let menu = data.rich_menus.get(id).ok_or_else(not_found_error)?;
    if menu.image.is_none() {
        return Err(bad_request(
            "must upload richmenu image before applying it to user",
        ));
    }
    Ok(menu)
}

/// The menu in a create or validate request, with LINE's checks of the object.
fn checked_menu(body: &[u8]) -> Result<RichMenu, Response> {
    let (_, menu) = parse_body::<RichMenu>(body)?;
    let violations = validate::rich_menu(&menu);
    if violations.is_empty() {
        Ok(menu)
    } else {
        Err(violations_response(&violations))
    }
}

pub(super) async fn create_rich_menu(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    body: Bytes,
) -> Answer {
    let menu = checked_menu(&body)?;
    with_channel(&sb, &channel, true, |data| {
        if data.rich_menus.len() >= MAX_RICH_MENUS {
            return Err(bad_request(format!(
                "The number of rich menus has reached the limit ({MAX_RICH_MENUS})"
            )));
        }
        let id = ids::rich_menu_id();
        data.rich_menu_seq += 1;
        data.rich_menus.insert(
            id.clone(),
            StoredRichMenu {
                seq: data.rich_menu_seq,
                menu,
                image: None,
            },
        );
        Ok(ok(&RichMenuIdResponse { rich_menu_id: id }))
    })
}

/// `POST /v2/bot/richmenu/validate`: the checks of create, without creating anything (nor
/// counting against the channel's 1,000 menus).
pub(super) async fn validate_rich_menu(body: Bytes) -> Answer {
    checked_menu(&body)?;
    Ok(ok_empty())
}

pub(super) async fn list_rich_menus(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
) -> Answer {
    with_channel(&sb, &channel, false, |data| {
        let mut menus: Vec<_> = data.rich_menus.iter().collect();
        menus.sort_by_key(|(_, m)| m.seq);
        let list: Vec<Value> = menus
            .into_iter()
            .map(|(id, m)| rich_menu_json(id, &m.menu))
            .collect();
        Ok(ok(&json!({ "richmenus": list })))
    })
}

pub(super) async fn get_rich_menu(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(id): Path<String>,
) -> Answer {
    with_channel(&sb, &channel, false, |data| {
        let menu = data.rich_menus.get(&id).ok_or_else(not_found_error)?;
        Ok(ok(&rich_menu_json(&id, &menu.menu)))
    })
}

pub(super) async fn delete_rich_menu(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(id): Path<String>,
) -> Answer {
    let had_image = with_channel(&sb, &channel, true, |data| {
        let removed = data.rich_menus.remove(&id).ok_or_else(not_found_error)?;
        // LINE answers 404 for the statistics of a deleted menu.
        data.rich_menu_stats.remove(&id);
        if data.default_rich_menu.as_deref() == Some(id.as_str()) {
            data.default_rich_menu = None;
        }
        for friend in data.friends.values_mut() {
            if friend.profile.rich_menu_id.as_deref() == Some(id.as_str()) {
                Arc::make_mut(&mut friend.profile).rich_menu_id = None;
            }
            if friend.switched_rich_menu.as_deref() == Some(id.as_str()) {
                friend.switched_rich_menu = None;
            }
        }
        Ok(removed.image.is_some())
    })?;
    if had_image
        && let Some(path) = sb
            .config()
            .state_file
            .as_deref()
            .and_then(|f| persist::image_path(f, &id))
    {
        let _ = tokio::task::spawn_blocking(move || std::fs::remove_file(path)).await;
    }
    Ok(ok_empty())
}

pub(super) async fn upload_image(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(ImageKind::from_content_type);
    let dimensions = kind.and_then(|k| image::dimensions(k, &body));
    with_channel(&sb, &channel, true, |data| {
        let menu = data.rich_menus.get_mut(&id).ok_or_else(not_found_error)?;
        if menu.image.is_some() {
            return Err(bad_request(
                "An image has already been uploaded to the richmenu",
            ));
        }
        let Some(kind) = kind else {
            return Err(error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported media type",
            ));
        };
        let size = validate::rich_menu_image_size(body.len());
        if !size.is_empty() {
            return Err(violations_response(&size));
        }
        let Some((w, h)) = dimensions else {
            return Err(bad_request(format!(
                "The image is not a valid {}",
                kind.content_type()
            )));
        };
        let size = menu.menu.size;
        if i64::from(w) != i64::from(size.width) || i64::from(h) != i64::from(size.height) {
            return Err(bad_request(format!(
                "The image size ({w}x{h}) does not match the rich menu size ({}x{})",
                size.width, size.height
            )));
        }
        menu.image = Some(StoredImage {
            content_type: kind.content_type().to_owned(),
            bytes: body.clone(),
        });
        Ok(())
    })?;
    if let Some(state_file) = sb.config().state_file.clone()
        && let Some(path) = persist::image_path(&state_file, &id)
    {
        let written = tokio::task::spawn_blocking(move || {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, &body)
        })
        .await;
        if !matches!(written, Ok(Ok(()))) {
            tracing::warn!(rich_menu_id = %id, "LINE sandbox: could not save a rich menu image");
        }
    }
    Ok(ok_empty())
}

pub(super) async fn download_image(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(id): Path<String>,
) -> Answer {
    with_channel(&sb, &channel, false, |data| {
        let image = data
            .rich_menus
            .get(&id)
            .and_then(|m| m.image.as_ref())
            .ok_or_else(not_found_error)?;
        Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, image.content_type.clone())],
            image.bytes.clone(),
        )
            .into_response())
    })
}

pub(super) async fn set_default(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(id): Path<String>,
) -> Answer {
    with_channel(&sb, &channel, true, |data| {
        menu_with_image(data, &id)?;
        data.default_rich_menu = Some(id);
        Ok(ok_empty())
    })
}

pub(super) async fn get_default(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
) -> Answer {
    with_channel(&sb, &channel, false, |data| {
        let id = data
            .default_rich_menu
            .clone()
            .ok_or_else(|| error(StatusCode::NOT_FOUND, "no default richmenu"))?;
        Ok(ok(&RichMenuIdResponse { rich_menu_id: id }))
    })
}

pub(super) async fn cancel_default(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
) -> Answer {
    with_channel(&sb, &channel, true, |data| {
        data.default_rich_menu = None;
        Ok(ok_empty())
    })
}

fn invalid_user() -> Response {
    bad_request("The user ID is invalid")
}

pub(super) async fn link_user_menu(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path((user_id, id)): Path<(String, String)>,
) -> Answer {
    with_channel(&sb, &channel, true, |data| {
        if !data.friends.contains_key(&user_id) {
            return Err(invalid_user());
        }
        menu_with_image(data, &id)?;
        if let Some(friend) = data.friends.get_mut(&user_id) {
            Arc::make_mut(&mut friend.profile).rich_menu_id = Some(id);
            friend.switched_rich_menu = None;
        }
        Ok(ok_empty())
    })
}

pub(super) async fn get_user_menu(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(user_id): Path<String>,
) -> Answer {
    with_channel(&sb, &channel, false, |data| {
        let id = data
            .friends
            .get(&user_id)
            .and_then(|f| f.profile.rich_menu_id.clone())
            .ok_or_else(|| error(StatusCode::NOT_FOUND, "the user has no richmenu"))?;
        Ok(ok(&RichMenuIdResponse { rich_menu_id: id }))
    })
}

pub(super) async fn unlink_user_menu(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(user_id): Path<String>,
) -> Answer {
    with_channel(&sb, &channel, true, |data| {
        let friend = data.friends.get_mut(&user_id).ok_or_else(invalid_user)?;
        Arc::make_mut(&mut friend.profile).rich_menu_id = None;
        friend.switched_rich_menu = None;
        Ok(ok_empty())
    })
}

fn bulk_count(user_ids: &[String]) -> Result<(), Response> {
    let violations = validate::bulk_user_ids(user_ids);
    if violations.is_empty() {
        Ok(())
    } else {
        Err(violations_response(&violations))
    }
}

pub(super) async fn bulk_link(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    body: Bytes,
) -> Answer {
    let (_, req) = parse_body::<RichMenuBulkLinkRequest>(&body)?;
    bulk_count(&req.user_ids)?;
    with_channel(&sb, &channel, true, |data| {
        menu_with_image(data, &req.rich_menu_id)?;
        // LINE processes the ids in the background and skips the ones it cannot link.
        for user_id in &req.user_ids {
            if let Some(friend) = data.friends.get_mut(user_id) {
                Arc::make_mut(&mut friend.profile).rich_menu_id = Some(req.rich_menu_id.clone());
                friend.switched_rich_menu = None;
            }
        }
        Ok((StatusCode::ACCEPTED, Json(json!({}))).into_response())
    })
}

pub(super) async fn bulk_unlink(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    body: Bytes,
) -> Answer {
    let (_, req) = parse_body::<RichMenuBulkUnlinkRequest>(&body)?;
    bulk_count(&req.user_ids)?;
    with_channel(&sb, &channel, true, |data| {
        for user_id in &req.user_ids {
            if let Some(friend) = data.friends.get_mut(user_id) {
                Arc::make_mut(&mut friend.profile).rich_menu_id = None;
                friend.switched_rich_menu = None;
            }
        }
        Ok((StatusCode::ACCEPTED, Json(json!({}))).into_response())
    })
}

fn alias_menu_check(data: &ChannelData, rich_menu_id: &str) -> Result<(), Response> {
    let menu = data
        .rich_menus
        .get(rich_menu_id)
        .ok_or_else(|| bad_request("richmenu not found"))?;
    if menu.image.is_none() {
        return Err(bad_request("richmenu image not found"));
    }
    Ok(())
}

fn alias_not_found() -> Response {
    error(StatusCode::NOT_FOUND, "richmenu alias not found")
}

pub(super) async fn create_alias(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    body: Bytes,
) -> Answer {
    let (_, req) = parse_body::<RichMenuAlias>(&body)?;
    let violations = validate::rich_menu_alias_id("richMenuAliasId", &req.rich_menu_alias_id);
    if !violations.is_empty() {
        return Err(violations_response(&violations));
    }
    with_channel(&sb, &channel, true, |data| {
        alias_menu_check(data, &req.rich_menu_id)?;
        if data.aliases.contains_key(&req.rich_menu_alias_id) {
            return Err(bad_request("conflict richmenu alias id"));
        }
        if data.aliases.len() >= MAX_RICH_MENU_ALIASES {
            return Err(bad_request(format!(
                "The number of rich menu aliases has reached the limit ({MAX_RICH_MENU_ALIASES})"
            )));
        }
        data.aliases
            .insert(req.rich_menu_alias_id, req.rich_menu_id);
        Ok(ok_empty())
    })
}

pub(super) async fn update_alias(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(alias_id): Path<String>,
    body: Bytes,
) -> Answer {
    let (_, req) = parse_body::<RichMenuAliasUpdate>(&body)?;
    with_channel(&sb, &channel, true, |data| {
        if !data.aliases.contains_key(&alias_id) {
            return Err(alias_not_found());
        }
        alias_menu_check(data, &req.rich_menu_id)?;
        data.aliases.insert(alias_id, req.rich_menu_id);
        Ok(ok_empty())
    })
}

pub(super) async fn delete_alias(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(alias_id): Path<String>,
) -> Answer {
    with_channel(&sb, &channel, true, |data| {
        data.aliases.remove(&alias_id).ok_or_else(alias_not_found)?;
        Ok(ok_empty())
    })
}

pub(super) async fn get_alias(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
    Path(alias_id): Path<String>,
) -> Answer {
    with_channel(&sb, &channel, false, |data| {
        let id = data.aliases.get(&alias_id).ok_or_else(alias_not_found)?;
        Ok(ok(&RichMenuAlias {
            rich_menu_alias_id: alias_id.clone(),
            rich_menu_id: id.clone(),
        }))
    })
}

pub(super) async fn list_aliases(
    State(sb): State<Sandbox>,
    Extension(Caller(channel)): Extension<Caller>,
) -> Answer {
    with_channel(&sb, &channel, false, |data| {
        let aliases = data
            .aliases
            .iter()
            .map(|(alias, id)| RichMenuAlias {
                rich_menu_alias_id: alias.clone(),
                rich_menu_id: id.clone(),
            })
            .collect();
        Ok(ok(&RichMenuAliasList { aliases }))
    })
}

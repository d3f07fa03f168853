//! Rich menus (the image menu under the chat) and their aliases (tabs).

use serde::{Deserialize, Serialize};

use crate::message::Action;

/// What is sent to create a rich menu.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RichMenu {
    pub size: RichMenuSize,
    /// Shown open when linked.
    pub selected: bool,
    /// For staff; not shown to users.
    pub name: String,
    /// The label of the menu bar.
    pub chat_bar_text: String,
    pub areas: Vec<RichMenuArea>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RichMenuSize {
    pub width: i32,
    pub height: i32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RichMenuArea {
    pub bounds: RichMenuBounds,
    pub action: Action,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RichMenuBounds {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RichMenuAlias {
    pub rich_menu_alias_id: String,
    pub rich_menu_id: String,
}

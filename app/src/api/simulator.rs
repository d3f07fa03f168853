//! 「LINEシミュレーター」: staff act as a simulated friend of a sandbox channel. Every action goes
//! through the built-in sandbox, which delivers a signed webhook to our own endpoint exactly as
//! LINE would; what the account sends back shows up in the friend's chat.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimFriendView {
    pub user_id: String,
    pub display_name: String,
    pub following: bool,
}

/// One bubble of the simulated chat.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatBubble {
    pub id: String,
    /// Japan time, `HH:MM`.
    pub time: String,
    pub from_friend: bool,
    /// push, multicast, reply, or friend.
    pub via: String,
    /// The LINE message object as sent.
    pub message: serde_json::Value,
    /// LINE's id of the sent message (for its statistics), when the account sent it.
    pub sent_message_id: Option<String>,
}

/// What happened to the webhook the sandbox delivered for an action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub ok: bool,
    pub detail: String,
}

/// The rich menu the simulated friend sees, as the simulator draws it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimRichMenuView {
    /// LINE's id of the menu (`richmenu-…`).
    pub rich_menu_id: String,
    /// Where staff's browser gets the image; `None` while none is uploaded.
    pub image_url: Option<String>,
    /// The image's size in pixels.
    pub width: i32,
    pub height: i32,
    pub chat_bar_text: String,
    /// LINE shows the menu open when the chat is opened.
    pub selected: bool,
    pub areas: Vec<SimRichMenuArea>,
    pub source: SimRichMenuSource,
}

/// One tappable area of the simulated friend's rich menu.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimRichMenuArea {
    pub bounds: line::rich_menu::RichMenuBounds,
    /// The action's label, which LINE reads aloud (empty when it has none).
    pub label: String,
    /// What a tap does, in Japanese: 「「ごみ」と送信」, 「https://… を開く」...
    pub description: String,
    pub effect: SimTapEffect,
}

/// What a tap changes on the friend's screen, besides what the sandbox sends for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SimTapEffect {
    None,
    /// A web link, opened as LINE's browser opens it.
    OpenLink(String),
    /// Another tab's menu replaces this one (and stays open).
    SwitchTab,
    /// A postback with `inputOption: closeRichMenu`.
    CloseMenu,
    /// A postback with `inputOption: openKeyboard`: the menu closes for the keyboard.
    OpenKeyboard,
}

/// Why the friend sees this menu, in LINE's order of precedence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SimRichMenuSource {
    /// A tab (`richmenuswitch`) the friend tapped.
    Switched,
    /// Linked to this friend.
    PerUser,
    /// The channel's default.
    Default,
}

impl SimRichMenuSource {
    pub fn label_ja(self) -> &'static str {
        match self {
            SimRichMenuSource::Switched => "タブ切り替え",
            SimRichMenuSource::PerUser => "個別",
            SimRichMenuSource::Default => "デフォルト",
        }
    }
}

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::{Action, Feature, Need};
    &[
        rule::<SimFriends>(Need::Can(Feature::Simulator, Action::View)),
        rule::<SimChat>(Need::Can(Feature::Simulator, Action::View)),
        rule::<SimRichMenu>(Need::Can(Feature::Simulator, Action::View)),
        // Seeing the menu open is the friend looking at it, as reading the chat is.
        rule::<SimOpenRichMenu>(Need::Can(Feature::Simulator, Action::View)),
        rule::<SimCreateFriend>(Need::Can(Feature::Simulator, Action::Edit)),
        rule::<SimAct>(Need::Can(Feature::Simulator, Action::Edit)),
        rule::<SimTapRichMenu>(Need::Can(Feature::Simulator, Action::Edit)),
    ]
};

#[cfg(feature = "ssr")]
fn delivered(d: sandbox::Delivery) -> DeliveryView {
    match (d.status, d.error) {
        (Some(status), _) if (200..300).contains(&status) => DeliveryView {
            ok: true,
            detail: format!("Webhook を送信しました（{status}）"),
        },
        (Some(status), _) => DeliveryView {
            ok: false,
            detail: format!("Webhook がエラーを返しました（{status}）"),
        },
        (None, error) => DeliveryView {
            ok: false,
            detail: format!(
                "Webhook を送信できませんでした：{}",
                error.unwrap_or_default()
            ),
        },
    }
}

#[server(endpoint = "simulator/friends")]
pub async fn sim_friends(channel: String) -> Result<Vec<SimFriendView>, AppError> {
    let (_, ctx) = crate::ssr::context::call::<SimFriends>()?;
    Ok(ctx
        .sandbox()?
        .friends(&channel)
        .into_iter()
        .map(|f| SimFriendView {
            user_id: f.user_id,
            display_name: f.display_name,
            following: f.following,
        })
        .collect())
}

/// Creates a simulated LINE user (not yet a friend: follow next).
#[server(endpoint = "simulator/create_friend")]
pub async fn sim_create_friend(
    channel: String,
    display_name: String,
) -> Result<SimFriendView, AppError> {
    let (me, ctx) = crate::ssr::context::call::<SimCreateFriend>()?;
    let sandbox = ctx.sandbox()?;
    let friend = domain::platform::simulator::create_friend(
        ctx.db(),
        &ctx.actor(&me),
        &sandbox,
        &channel,
        &display_name,
    )
    .await?;
    Ok(SimFriendView {
        user_id: friend.user_id,
        display_name: friend.display_name,
        following: friend.following,
    })
}

/// What a simulated friend does, as the simulator's forms send it (`act=follow`...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SimActKind {
    Follow,
    Unfollow,
    /// Writes the form's `text`.
    Text,
    /// Taps the form's `action`: a LINE action object in JSON, as found in a quick reply or
    /// template the account sent.
    Action,
}

/// Follows, blocks, writes or taps as the simulated friend `user_id`.
#[server(endpoint = "simulator/act")]
pub async fn sim_act(
    channel: String,
    user_id: String,
    act: SimActKind,
    text: Option<String>,
    action: Option<String>,
    message_id: Option<String>,
) -> Result<Option<DeliveryView>, AppError> {
    use sandbox::SimAction;
    let (me, ctx) = crate::ssr::context::call::<SimAct>()?;
    let sandbox = ctx.sandbox()?;
    let action = match act {
        SimActKind::Follow => SimAction::Follow,
        SimActKind::Unfollow => SimAction::Unfollow,
        SimActKind::Text => SimAction::Text(text.unwrap_or_default()),
        SimActKind::Action => SimAction::Tap(
            serde_json::from_str(action.as_deref().unwrap_or_default())
                .map_err(|_| AppError::Invalid("ボタンの内容を読み取れません。".into()))?,
        ),
    };
    let delivery = domain::platform::simulator::act(
        ctx.db(),
        &ctx.actor(&me),
        &sandbox,
        &channel,
        &user_id,
        action,
        message_id.as_deref(),
    )
    .await?;
    Ok(delivery.map(delivered))
}

/// The simulated friend's chat. Showing it is the friend reading it: messages sent with an
/// aggregation unit count as opened in the sandbox's statistics (once per friend).
#[server(endpoint = "simulator/chat")]
pub async fn sim_chat(channel: String, user_id: String) -> Result<Vec<ChatBubble>, AppError> {
    let (_, ctx) = crate::ssr::context::call::<SimChat>()?;
    let sandbox = ctx.sandbox()?;
    sandbox.read_chat(&channel, &user_id);
    Ok(sandbox
        .chat(&channel, &user_id)
        .into_iter()
        .map(|e| ChatBubble {
            id: e.id,
            time: domain::time::clock(e.at),
            from_friend: e.from_friend,
            via: e.via,
            message: e.message,
            sent_message_id: e.sent_message_id,
        })
        .collect())
}

/// The path of a sandbox rich menu's image for staff (the server's route; the simulator
/// permission is needed). Channel keys and LINE's menu ids are URL-safe as they are.
pub fn sim_rich_menu_image_path(channel: &str, rich_menu_id: &str) -> String {
    format!("/admin/simulator/rich-menus/{channel}/{rich_menu_id}")
}

/// What tapping a rich menu area does, in Japanese for staff; `tab_exists` says whether a
/// `richmenuswitch` target (an alias) exists in the sandbox.
#[cfg(feature = "ssr")]
pub(crate) fn describe_area_action(
    action: &line::message::Action,
    tab_exists: impl Fn(&str) -> bool,
) -> (String, SimTapEffect) {
    use line::message::Action;
    let label = crate::components::action_label(action);
    match action {
        Action::Message { text, .. } => (format!("「{text}」と送信"), SimTapEffect::None),
        Action::Uri { uri, .. } => {
            let web = uri.starts_with("https://") || uri.starts_with("http://");
            let effect = if web {
                SimTapEffect::OpenLink(uri.clone())
            } else {
                SimTapEffect::None
            };
            (format!("{uri} を開く"), effect)
        }
        Action::Postback {
            data,
            display_text,
            input_option,
            ..
        } => {
            let shown = display_text
                .as_deref()
                .map(|t| format!("「{t}」と表示して"))
                .unwrap_or_default();
            let (after, effect) = match input_option.as_deref() {
                Some("closeRichMenu") => ("、メニューを閉じる", SimTapEffect::CloseMenu),
                Some("openKeyboard") => ("、キーボードを開く", SimTapEffect::OpenKeyboard),
                Some("openVoice") => ("、音声入力を開く", SimTapEffect::None),
                _ => ("", SimTapEffect::None),
            };
            (
                format!("{shown}ポストバックを送信（data={data}）{after}"),
                effect,
            )
        }
        Action::DatetimePicker { mode, data, .. } => {
            let what = match mode.as_str() {
                "date" => "日付",
                "time" => "時刻",
                _ => "日時",
            };
            (
                format!("{what}を選んでポストバックを送信（data={data}）"),
                SimTapEffect::None,
            )
        }
        Action::RichMenuSwitch {
            rich_menu_alias_id, ..
        } => {
            let tab = if label.trim().is_empty() {
                rich_menu_alias_id.as_str()
            } else {
                label.trim()
            };
            if tab_exists(rich_menu_alias_id) {
                (format!("タブ「{tab}」に切り替え"), SimTapEffect::SwitchTab)
            } else {
                (
                    format!(
                        "タブ「{tab}」に切り替え（切り替え先のエイリアス {rich_menu_alias_id} がありません）"
                    ),
                    SimTapEffect::None,
                )
            }
        }
        Action::Camera { .. } => (
            "カメラを起動（シミュレーターでは何もしません）".into(),
            SimTapEffect::None,
        ),
        Action::CameraRoll { .. } => (
            "カメラロールを開く（シミュレーターでは何もしません）".into(),
            SimTapEffect::None,
        ),
        Action::Location { .. } => (
            "位置情報を送る画面を開く（シミュレーターでは何もしません）".into(),
            SimTapEffect::None,
        ),
        Action::Clipboard { clipboard_text, .. } => {
            (format!("「{clipboard_text}」をコピー"), SimTapEffect::None)
        }
    }
}

#[cfg(feature = "ssr")]
fn rich_menu_view(
    sandbox: &sandbox::Sandbox,
    channel: &str,
    shown: sandbox::SimRichMenu,
) -> SimRichMenuView {
    let areas = shown
        .menu
        .areas
        .iter()
        .map(|area| {
            let (description, effect) = describe_area_action(&area.action, |alias| {
                sandbox.rich_menu_alias(channel, alias).is_some()
            });
            SimRichMenuArea {
                bounds: area.bounds,
                label: crate::components::action_label(&area.action),
                description,
                effect,
            }
        })
        .collect();
    SimRichMenuView {
        image_url: shown
            .image_content_type
            .is_some()
            .then(|| sim_rich_menu_image_path(channel, &shown.rich_menu_id)),
        width: shown.menu.size.width,
        height: shown.menu.size.height,
        chat_bar_text: shown.menu.chat_bar_text,
        selected: shown.menu.selected,
        areas,
        source: match shown.source {
            sandbox::SimRichMenuSource::Switched => SimRichMenuSource::Switched,
            sandbox::SimRichMenuSource::PerUser => SimRichMenuSource::PerUser,
            sandbox::SimRichMenuSource::Default => SimRichMenuSource::Default,
        },
        rich_menu_id: shown.rich_menu_id,
    }
}

/// The rich menu the simulated friend sees now (a switched tab, else their own, else the
/// channel's default); `None` when no menu applies.
#[server(endpoint = "simulator/rich_menu")]
pub async fn sim_rich_menu(
    channel: String,
    user_id: String,
) -> Result<Option<SimRichMenuView>, AppError> {
    let (_, ctx) = crate::ssr::context::call::<SimRichMenu>()?;
    let sandbox = ctx.sandbox()?;
    Ok(sandbox
        .effective_rich_menu(&channel, &user_id)
        .map(|shown| rich_menu_view(&sandbox, &channel, shown)))
}

/// The simulated friend sees their rich menu open: one impression in the sandbox's statistics
/// of the menu, as LINE counts each time a menu is shown.
#[server(endpoint = "simulator/open_rich_menu")]
pub async fn sim_open_rich_menu(
    channel: String,
    user_id: String,
    rich_menu_id: String,
) -> Result<(), AppError> {
    let (_, ctx) = crate::ssr::context::call::<SimOpenRichMenu>()?;
    ctx.sandbox()?
        .open_rich_menu(&channel, &user_id, &rich_menu_id);
    Ok(())
}

/// Taps area `area` (its index) of the rich menu the simulated friend sees: the sandbox counts
/// it and performs the area's action as LINE would (a text sent as the friend, a postback, a
/// tab switched...).
#[server(endpoint = "simulator/tap_rich_menu")]
pub async fn sim_tap_rich_menu(
    channel: String,
    user_id: String,
    rich_menu_id: String,
    area: usize,
) -> Result<Option<DeliveryView>, AppError> {
    let (me, ctx) = crate::ssr::context::call::<SimTapRichMenu>()?;
    let sandbox = ctx.sandbox()?;
    let delivery = domain::platform::simulator::tap_rich_menu(
        ctx.db(),
        &ctx.actor(&me),
        &sandbox,
        &channel,
        &user_id,
        &rich_menu_id,
        area,
    )
    .await?;
    Ok(delivery.map(delivered))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use line::message::Action;
    use serde_json::json;

    use super::{SimTapEffect, describe_area_action};

    fn described(action: serde_json::Value) -> (String, SimTapEffect) {
        let action: Action = serde_json::from_value(action).expect("an action");
        describe_area_action(&action, |alias| alias == "tab-bousai")
    }

    #[test]
    fn each_area_says_in_japanese_what_a_tap_does() {
        assert_eq!(
            described(json!({"type": "message", "label": "ごみ", "text": "ごみ"})),
            ("「ごみ」と送信".into(), SimTapEffect::None)
        );
        assert_eq!(
            described(
                json!({"type": "uri", "label": "市のサイト", "uri": "https://city.example.jp/"})
            ),
            (
                "https://city.example.jp/ を開く".into(),
                SimTapEffect::OpenLink("https://city.example.jp/".into())
            )
        );
        assert_eq!(
            described(json!({"type": "uri", "label": "電話", "uri": "tel:0120000000"})).1,
            SimTapEffect::None,
            "only web links open a tab"
        );
        assert_eq!(
            described(
                json!({"type": "richmenuswitch", "label": "防災", "richMenuAliasId": "tab-bousai", "data": "tab=2"})
            ),
            ("タブ「防災」に切り替え".into(), SimTapEffect::SwitchTab)
        );
        assert_eq!(
            described(
                json!({"type": "richmenuswitch", "richMenuAliasId": "tab-x", "data": "tab=3"})
            ),
            (
                "タブ「tab-x」に切り替え（切り替え先のエイリアス tab-x がありません）".into(),
                SimTapEffect::None
            )
        );
        assert_eq!(
            described(
                json!({"type": "postback", "label": "手続き", "data": "menu=procedures", "displayText": "手続き"})
            ),
            (
                "「手続き」と表示してポストバックを送信（data=menu=procedures）".into(),
                SimTapEffect::None
            )
        );
        assert_eq!(
            described(
                json!({"type": "postback", "label": "閉じる", "data": "close", "inputOption": "closeRichMenu"})
            ),
            (
                "ポストバックを送信（data=close）、メニューを閉じる".into(),
                SimTapEffect::CloseMenu
            )
        );
        assert_eq!(
            described(json!({"type": "postback", "label": "質問", "data": "ask", "inputOption": "openKeyboard"})).1,
            SimTapEffect::OpenKeyboard
        );
        assert_eq!(
            described(json!({"type": "datetimepicker", "label": "予約", "data": "reserve", "mode": "date"})).0,
            "日付を選んでポストバックを送信（data=reserve）"
        );
    }
}

//! What the simulator shows of rich menus and what friends do with them: the menu a friend
//! sees, its image, opening it and tapping its areas (both counted for LINE's rich menu
//! statistics).

use chrono::NaiveDate;
use line::message::Action;

use crate::state::{self, ChannelData, Friend, RichMenuDayStat};
use crate::{
    Delivery, Sandbox, SandboxError, SimCount, SimRichMenu, SimRichMenuDay, SimRichMenuSource,
};

/// The menu the friend sees and why: after a `richmenuswitch`, the switched-to menu; else the
/// per-user link; else the default. A link to a menu deleted since is passed over.
fn effective<'a>(
    data: &'a ChannelData,
    friend: &'a Friend,
) -> Option<(&'a str, SimRichMenuSource)> {
    [
        (
            friend.switched_rich_menu.as_ref(),
            SimRichMenuSource::Switched,
        ),
        (
            friend.profile.rich_menu_id.as_ref(),
            SimRichMenuSource::PerUser,
        ),
        (data.default_rich_menu.as_ref(), SimRichMenuSource::Default),
    ]
    .into_iter()
    .find_map(|(id, source)| {
        id.filter(|id| data.rich_menus.contains_key(id.as_str()))
            .map(|id| (id.as_str(), source))
    })
}

/// The friend, checked to follow the account and to see `rich_menu_id` now (a menu can only be
/// used while it is on the friend's screen).
fn seeing<'a>(
    data: &'a ChannelData,
    user_id: &str,
    rich_menu_id: &str,
) -> Result<&'a Friend, SandboxError> {
    let friend = data
        .friends
        .get(user_id)
        .ok_or(SandboxError::UnknownFriend)?;
    if !friend.profile.following {
        return Err(SandboxError::NotFollowing);
    }
    match effective(data, friend) {
        Some((shown, _)) if shown == rich_menu_id => Ok(friend),
        _ => Err(SandboxError::Invalid(
            "このリッチメニューは、いまこの友だちに表示されていません。".into(),
        )),
    }
}

impl Sandbox {
    /// The rich menu the friend sees (see [`SimRichMenuSource`] for the order).
    pub fn effective_rich_menu(&self, channel_key: &str, user_id: &str) -> Option<SimRichMenu> {
        let st = self.inner.lock();
        let (_, data) = st.channel(channel_key).ok()?;
        let friend = data.friends.get(user_id)?;
        let (id, source) = effective(data, friend)?;
        let stored = data.rich_menus.get(id)?;
        Some(SimRichMenu {
            rich_menu_id: id.to_owned(),
            menu: stored.menu.clone(),
            image_content_type: stored.image.as_ref().map(|i| i.content_type.clone()),
            source,
        })
    }

    /// A rich menu's image: content type and bytes.
    pub fn rich_menu_image(
        &self,
        channel_key: &str,
        rich_menu_id: &str,
    ) -> Option<(String, Vec<u8>)> {
        let st = self.inner.lock();
        let (_, data) = st.channel(channel_key).ok()?;
        let image = data.rich_menus.get(rich_menu_id)?.image.as_ref()?;
        Some((image.content_type.clone(), image.bytes.to_vec()))
    }

    /// The rich menu an alias (a tab) points at.
    pub fn rich_menu_alias(&self, channel_key: &str, alias_id: &str) -> Option<String> {
        let st = self.inner.lock();
        let (_, data) = st.channel(channel_key).ok()?;
        data.aliases.get(alias_id).cloned()
    }

    /// The friend sees their rich menu open (an impression, as LINE counts one each time the
    /// menu is shown). Ignored unless it is the menu they see and they follow the account.
    pub fn open_rich_menu(&self, channel_key: &str, user_id: &str, rich_menu_id: &str) {
        let today = self.today();
        let changed = self.with_state(|st| {
            let Ok((_, data)) = st.channel_mut(channel_key) else {
                return false;
            };
            if seeing(data, user_id, rich_menu_id).is_err() {
                return false;
            }
            day_stat(data, rich_menu_id, today).impressions.add(user_id);
            true
        });
        if changed {
            self.mark_dirty();
        }
    }

    /// The friend taps area `area_index` of the rich menu they see: the tap is counted (per
    /// area and day, for LINE's rich menu statistics), then its action is performed as
    /// [`Sandbox::tap_action`] performs it (a message is sent as the friend, a postback
    /// delivered, a tab switched...).
    pub async fn tap_rich_menu_area(
        &self,
        channel_key: &str,
        user_id: &str,
        rich_menu_id: &str,
        area_index: usize,
    ) -> Result<Option<Delivery>, SandboxError> {
        let today = self.today();
        let action: Action = self.with_state(|st| {
            let (_, data) = st.channel_mut(channel_key)?;
            seeing(data, user_id, rich_menu_id)?;
            let action = data
                .rich_menus
                .get(rich_menu_id)
                .and_then(|m| m.menu.areas.get(area_index))
                .map(|area| area.action.clone())
                .ok_or_else(|| {
                    SandboxError::Invalid("このリッチメニューにそのエリアはありません。".into())
                })?;
            day_stat(data, rich_menu_id, today)
                .taps
                .entry(area_index)
                .or_default()
                .add(user_id);
            Ok::<_, SandboxError>(action)
        })?;
        self.mark_dirty();
        self.tap_action(channel_key, user_id, &action).await
    }

    /// What the simulated friends did with a rich menu, day by day (oldest first): empty for a
    /// menu nobody opened or tapped, or one that no longer exists.
    pub fn rich_menu_days(&self, channel_key: &str, rich_menu_id: &str) -> Vec<SimRichMenuDay> {
        let st = self.inner.lock();
        let Ok((_, data)) = st.channel(channel_key) else {
            return Vec::new();
        };
        let areas = data
            .rich_menus
            .get(rich_menu_id)
            .map_or(0, |m| m.menu.areas.len());
        let Some(days) = data.rich_menu_stats.get(rich_menu_id) else {
            return Vec::new();
        };
        days.iter()
            .map(|(date, day)| SimRichMenuDay {
                date: *date,
                impressions: day.impressions.figures(),
                area_taps: (0..areas)
                    .map(|i| {
                        day.taps
                            .get(&i)
                            .map(|t| t.figures())
                            .unwrap_or(SimCount::default())
                    })
                    .collect(),
            })
            .collect()
    }

    /// Today in Japan time: LINE's statistics days.
    fn today(&self) -> NaiveDate {
        self.clock().utc().with_timezone(&state::jst()).date_naive()
    }
}

fn day_stat<'a>(
    data: &'a mut ChannelData,
    rich_menu_id: &str,
    date: NaiveDate,
) -> &'a mut RichMenuDayStat {
    data.rich_menu_stats
        .entry(rich_menu_id.to_owned())
        .or_default()
        .entry(date)
        .or_default()
}

//! What the simulator shows of rich menus: the menu a friend sees, and its image.

use crate::{Sandbox, SimRichMenu};

impl Sandbox {
    /// The rich menu the friend sees: after a `richmenuswitch`, the switched-to menu; else the
    /// per-user link; else the default.
    pub fn effective_rich_menu(&self, channel_key: &str, user_id: &str) -> Option<SimRichMenu> {
        let st = self.inner.lock();
        let (_, data) = st.channel(channel_key).ok()?;
        let friend = data.friends.get(user_id)?;
        [
            friend.switched_rich_menu.as_ref(),
            friend.profile.rich_menu_id.as_ref(),
            data.default_rich_menu.as_ref(),
        ]
        .into_iter()
        .flatten()
        .find_map(|id| {
            data.rich_menus.get(id).map(|m| SimRichMenu {
                rich_menu_id: id.clone(),
                menu: m.menu.clone(),
                image_content_type: m.image.as_ref().map(|i| i.content_type.clone()),
            })
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
}

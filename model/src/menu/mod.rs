//! A rich menu (リッチメニュー) as staff design it: the image size, the tap areas with their
//! actions and labels, the chat bar text, and whether it opens by default. The same design is
//! edited in the browser, checked on the server and turned into LINE's object at publish
//! ([`MenuDesign::to_line`]). LINE's own limits come from `line::validate`; this module adds the
//! city's: every area has a label (read aloud by LINE's accessibility features), and the
//! warnings of [`geometry`] (overlaps, dead zones, areas too small to tap).

pub mod compose;
pub mod geometry;
pub mod icons;

use line::layout::Layout;
use line::message::Action;
use line::rich_menu::{RichMenu, RichMenuArea, RichMenuBounds, RichMenuSize};
use serde::{Deserialize, Serialize};

/// A menu's title (for staff; LINE's `name` is ours, see `to_line`).
pub const TITLE_MAX_CHARS: usize = 100;
/// Tabs of one menu, at most (LINE's examples and OA Manager's tab templates go to 4).
pub const MAX_TABS: usize = 4;
/// A tab's name, in characters.
pub const TAB_NAME_MAX_CHARS: usize = 10;

/// The alias LINE knows tab (design) `menu_id` by, named in `richmenuswitch` actions
/// (`^[a-z0-9_-]{1,32}$`).
pub fn tab_alias(menu_id: i64) -> String {
    format!("mdy-tab-{menu_id}")
}

/// The design id a [`tab_alias`] names.
pub fn tab_of_alias(alias: &str) -> Option<i64> {
    alias.strip_prefix("mdy-tab-")?.parse().ok()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MenuDesign {
    pub width: i32,
    pub height: i32,
    /// The OA Manager template the areas came from, if they still match it (the picker shows
    /// it selected).
    #[serde(default)]
    pub layout: Option<String>,
    /// The label of the bar under the chat (LINE's `chatBarText`, at most 14 characters).
    pub chat_bar_text: String,
    /// Shown open when the chat is opened (LINE's `selected`).
    pub open_by_default: bool,
    pub areas: Vec<MenuArea>,
    /// The tab's name when the menu is one of a menu's tabs (タブ); a design without tabs is
    /// saved as it was before tabs.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tab_name: String,
    /// The image's layered source when staff composed it in the browser (画像をつくる), kept so
    /// that the image can be changed later. Designs saved before the composer have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composition: Option<compose::Composition>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MenuArea {
    pub bounds: RichMenuBounds,
    /// What a tap does; its label names the area for staff and for screen readers.
    pub action: Action,
}

impl MenuArea {
    pub fn label(&self) -> &str {
        self.action.label().unwrap_or_default()
    }
}

/// How tall a menu is: OA Manager's two kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MenuHeight {
    /// 2500×1686 and its smaller sizes (大).
    Large,
    /// 2500×843 and its smaller sizes (小).
    Compact,
}

impl MenuHeight {
    pub fn layouts(self) -> &'static [Layout] {
        match self {
            MenuHeight::Large => line::layout::LARGE_RICH_MENU_LAYOUTS,
            MenuHeight::Compact => line::layout::COMPACT_RICH_MENU_LAYOUTS,
        }
    }

    pub fn sizes(self) -> &'static [(i32, i32)] {
        match self {
            MenuHeight::Large => line::layout::LARGE_RICH_MENU_SIZES,
            MenuHeight::Compact => line::layout::COMPACT_RICH_MENU_SIZES,
        }
    }

    pub fn name_ja(self) -> &'static str {
        match self {
            MenuHeight::Large => "大（画面の約半分）",
            MenuHeight::Compact => "小（画面の約4分の1）",
        }
    }
}

/// A municipal starting point: a template's areas with labels and actions already in place.
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub layout: &'static str,
    pub height: MenuHeight,
    pub chat_bar_text: &'static str,
    /// Each area's label, which it also sends as a message until staff choose its action.
    pub labels: &'static [&'static str],
}

pub const PRESETS: &[Preset] = &[
    Preset {
        id: "kurashi6",
        name: "くらしの6分割",
        description: "ごみ・防災・手続き・子育て・イベント・お問い合わせ",
        layout: "l1",
        height: MenuHeight::Large,
        chat_bar_text: "メニュー",
        labels: &[
            "ごみ・リサイクル",
            "防災・安全",
            "手続き",
            "子育て",
            "イベント",
            "お問い合わせ",
        ],
    },
    Preset {
        id: "bousai1",
        name: "防災（1分割）",
        description: "災害時に全員へ出す、防災情報だけのメニュー",
        layout: "l7",
        height: MenuHeight::Large,
        chat_bar_text: "防災情報",
        labels: &["防災情報を見る"],
    },
    Preset {
        id: "kosodate4",
        name: "子育ての4分割",
        description: "健診・予防接種・保育園・相談窓口",
        layout: "l2",
        height: MenuHeight::Large,
        chat_bar_text: "子育てメニュー",
        labels: &["健診", "予防接種", "保育園・幼稚園", "相談窓口"],
    },
    Preset {
        id: "event3",
        name: "イベントの3分割（小）",
        description: "イベント期間中に出す、小さなメニュー",
        layout: "c1",
        height: MenuHeight::Compact,
        chat_bar_text: "イベント",
        labels: &["プログラム", "会場アクセス", "お問い合わせ"],
    },
];

pub fn preset(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

/// An area's action before staff choose one: sends its label as a message.
pub fn message_action(label: &str) -> Action {
    Action::Message {
        label: Some(label.to_owned()),
        text: label.to_owned(),
    }
}

impl MenuDesign {
    /// A blank menu: the 6-area template at 2500×1686.
    pub fn new() -> Self {
        Self::from_preset(&PRESETS[0])
    }

    pub fn from_preset(preset: &Preset) -> Self {
        let (width, height) = preset.height.sizes()[0];
        let layout = line::layout::rich_menu_layout(preset.layout)
            .unwrap_or(&line::layout::LARGE_RICH_MENU_LAYOUTS[0]);
        let areas = layout
            .bounds_on(width, height)
            .into_iter()
            .enumerate()
            .map(|(i, bounds)| MenuArea {
                bounds,
                action: message_action(preset.labels.get(i).copied().unwrap_or("メニュー")),
            })
            .collect();
        MenuDesign {
            width,
            height,
            layout: Some(layout.id.to_owned()),
            chat_bar_text: preset.chat_bar_text.to_owned(),
            open_by_default: true,
            areas,
            tab_name: String::new(),
            composition: None,
        }
    }

    pub fn menu_height(&self) -> MenuHeight {
        // LINE's compact sizes are 2500×843 and below: wider than 2.5:1.
        if f64::from(self.width) / f64::from(self.height.max(1)) > 2.5 {
            MenuHeight::Compact
        } else {
            MenuHeight::Large
        }
    }

    /// The areas laid out by `layout` at this size; an area keeps the action of the area with
    /// the same number, and new areas send their own name.
    pub fn with_layout(&self, layout: &Layout) -> Self {
        let areas = layout
            .bounds_on(self.width, self.height)
            .into_iter()
            .enumerate()
            .map(|(i, bounds)| MenuArea {
                bounds,
                action: self.areas.get(i).map_or_else(
                    || message_action(&format!("エリア{}", i + 1)),
                    |a| a.action.clone(),
                ),
            })
            .collect();
        MenuDesign {
            layout: Some(layout.id.to_owned()),
            areas,
            ..self.clone()
        }
    }

    /// The same areas on an image of another size, scaled (a template's areas are laid out
    /// again from its fractions, so they still tile exactly).
    pub fn resized(&self, width: i32, height: i32) -> Self {
        let template = self
            .layout
            .as_deref()
            .and_then(line::layout::rich_menu_layout)
            .filter(|l| l.bounds_on(self.width, self.height) == self.bounds());
        let resized = MenuDesign {
            width,
            height,
            ..self.clone()
        };
        if let Some(layout) = template {
            return resized.with_layout(layout);
        }
        let scale = |v: i32, from: i32, to: i32| -> i32 {
            ((i64::from(v) * i64::from(to) * 2 + i64::from(from)) / (2 * i64::from(from.max(1))))
                as i32
        };
        MenuDesign {
            layout: None,
            areas: self
                .areas
                .iter()
                .map(|a| {
                    let b = a.bounds;
                    let (x0, y0) = (
                        scale(b.x, self.width, width),
                        scale(b.y, self.height, height),
                    );
                    let (x1, y1) = (
                        scale(b.x + b.width, self.width, width),
                        scale(b.y + b.height, self.height, height),
                    );
                    MenuArea {
                        bounds: RichMenuBounds {
                            x: x0,
                            y: y0,
                            width: (x1 - x0).max(1),
                            height: (y1 - y0).max(1),
                        },
                        action: a.action.clone(),
                    }
                })
                .collect(),
            ..resized
        }
    }

    pub fn bounds(&self) -> Vec<RichMenuBounds> {
        self.areas.iter().map(|a| a.bounds).collect()
    }

    /// LINE's object for this design. `name` is for LINE's list only (never shown to citizens);
    /// the publisher puts its own key there to find a menu again after a lost answer.
    pub fn to_line(&self, name: &str) -> RichMenu {
        RichMenu {
            size: RichMenuSize {
                width: self.width,
                height: self.height,
            },
            selected: self.open_by_default,
            name: name.to_owned(),
            chat_bar_text: self.chat_bar_text.clone(),
            areas: self
                .areas
                .iter()
                .map(|a| RichMenuArea {
                    bounds: a.bounds,
                    action: a.action.clone(),
                })
                .collect(),
        }
    }

    /// What stops the menu from being published, in Japanese: LINE's limits and the city's
    /// (a label on every area). Empty when it can be published.
    pub fn problems(&self) -> Vec<String> {
        let mut problems: Vec<String> = line::validate::rich_menu(&self.to_line("menu"))
            .iter()
            .map(|v| v.message_ja())
            .collect();
        for (i, area) in self.areas.iter().enumerate() {
            if area.label().trim().is_empty() {
                problems.push(format!(
                    "エリア{}に名前（ラベル）を入れてください。音声読み上げでこの名前が読まれます。",
                    i + 1
                ));
            }
        }
        problems
    }

    /// What stops publishing a tab of a menu whose tabs are the designs `tabs` (a menu without
    /// tabs: itself alone): a name when there are tabs, and 「タブを切り替え」 actions that switch
    /// to one of these tabs (nothing else answers them).
    pub fn tab_problems(&self, tabs: &[i64]) -> Vec<String> {
        let mut problems = Vec::new();
        let name = self.tab_name.trim();
        if tabs.len() < 2 {
            // No tabs: no name needed.
        } else if name.is_empty() {
            problems.push("タブの名前を入れてください。".to_owned());
        } else if name.chars().count() > TAB_NAME_MAX_CHARS {
            problems.push(format!(
                "タブの名前は{TAB_NAME_MAX_CHARS}文字以内にしてください。"
            ));
        }
        for (i, area) in self.areas.iter().enumerate() {
            if let Action::RichMenuSwitch {
                rich_menu_alias_id, ..
            } = &area.action
                && !tab_of_alias(rich_menu_alias_id).is_some_and(|id| tabs.contains(&id))
            {
                problems.push(format!(
                    "エリア{}の切り替え先のタブがありません。切り替え先をもう一度選んでください。",
                    i + 1
                ));
            }
        }
        problems
    }

    /// What staff should look at but may publish anyway: overlaps, dead zones, small areas,
    /// and labels of a composed image that are hard to read (contrast under 4.5:1).
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = geometry::warnings(&self.bounds(), (self.width, self.height));
        if let Some(composition) = &self.composition {
            warnings.extend(composition.contrast_warnings(&self.areas));
        }
        warnings
    }
}

impl Default for MenuDesign {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tab_needs_a_name_and_switches_only_to_its_menus_tabs() {
        let mut design = MenuDesign::from_preset(&PRESETS[0]);
        assert_eq!(
            design.tab_problems(&[1, 2]),
            vec!["タブの名前を入れてください。"]
        );
        design.tab_name = "くらし".into();
        design.areas[0].action = Action::RichMenuSwitch {
            label: Some("防災".into()),
            rich_menu_alias_id: tab_alias(2),
            data: "tab=2".into(),
        };
        assert!(design.tab_problems(&[1, 2]).is_empty());
        assert_eq!(tab_of_alias(&tab_alias(2)), Some(2));
        assert_eq!(design.tab_problems(&[1, 3]).len(), 1);
        // A menu without tabs has no tab to switch to.
        assert_eq!(design.tab_problems(&[1]).len(), 1);
        design.tab_name = "あ".repeat(TAB_NAME_MAX_CHARS + 1);
        assert_eq!(
            design.tab_problems(&[1, 2]),
            vec![format!(
                "タブの名前は{TAB_NAME_MAX_CHARS}文字以内にしてください。"
            )]
        );
        // LINE's rule for alias ids.
        assert!(line::validate::rich_menu_alias_id("id", &tab_alias(i64::MAX)).is_empty());
    }

    #[test]
    fn every_preset_is_publishable_as_it_comes() {
        for preset in PRESETS {
            let design = MenuDesign::from_preset(preset);
            assert_eq!(design.areas.len(), preset.labels.len(), "{}", preset.id);
            assert_eq!(design.problems(), Vec::<String>::new(), "{}", preset.id);
            assert_eq!(design.warnings(), Vec::<String>::new(), "{}", preset.id);
        }
    }

    #[test]
    fn an_area_without_a_label_and_a_long_chat_bar_text_are_problems() {
        let mut design = MenuDesign::new();
        design.areas[2].action.set_label(Some(" ".into()));
        design.chat_bar_text = "あ".repeat(15);
        let problems = design.problems();
        assert!(
            problems.iter().any(|p| p.contains("エリア3")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("chatBarText")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_template_menu_resized_still_tiles_and_keeps_its_actions() {
        let design = MenuDesign::new();
        let small = design.resized(800, 540);
        assert_eq!(small.layout.as_deref(), Some("l1"));
        assert_eq!(
            small.areas[4].bounds,
            RichMenuBounds {
                x: 267,
                y: 270,
                width: 266,
                height: 270
            }
        );
        assert_eq!(small.areas[4].action, design.areas[4].action);
        // Areas drawn by hand are scaled.
        let mut free = design.clone();
        free.layout = None;
        free.areas.truncate(1);
        free.areas[0].bounds = RichMenuBounds {
            x: 250,
            y: 0,
            width: 1250,
            height: 843,
        };
        let scaled = free.resized(1200, 810);
        assert_eq!(
            scaled.areas[0].bounds,
            RichMenuBounds {
                x: 120,
                y: 0,
                width: 600,
                height: 405
            }
        );
    }

    #[test]
    fn a_new_layout_keeps_the_actions_of_the_areas_it_keeps() {
        let design = MenuDesign::new();
        let two = design.with_layout(line::layout::rich_menu_layout("l6").unwrap());
        assert_eq!(two.areas.len(), 2);
        assert_eq!(two.areas[1].action, design.areas[1].action);
        assert_eq!(design.menu_height(), MenuHeight::Large);
        assert_eq!(
            MenuDesign::from_preset(&PRESETS[3]).menu_height(),
            MenuHeight::Compact
        );
    }
}

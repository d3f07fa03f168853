//! Layout templates of tap areas: the rich message (imagemap) layouts of LINE Official Account
//! Manager, which city staff already know, stored as fractions so that they tile an image of any
//! height exactly.

use crate::template::ImagemapArea;

/// One layout: its areas as `[x0, y0, x1, y1]` in twelfths of the image's width and height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub id: &'static str,
    /// What staff read in the picker.
    pub name: &'static str,
    pub areas: &'static [[u32; 4]],
}

/// The eight rich message layouts of LINE Official Account Manager (R1–R8), in its order.
pub const IMAGEMAP_LAYOUTS: &[Layout] = &[
    Layout {
        id: "r1",
        name: "1分割",
        areas: &[[0, 0, 12, 12]],
    },
    Layout {
        id: "r2",
        name: "左右2分割",
        areas: &[[0, 0, 6, 12], [6, 0, 12, 12]],
    },
    Layout {
        id: "r3",
        name: "上下2分割",
        areas: &[[0, 0, 12, 6], [0, 6, 12, 12]],
    },
    Layout {
        id: "r4",
        name: "上下3分割",
        areas: &[[0, 0, 12, 4], [0, 4, 12, 8], [0, 8, 12, 12]],
    },
    Layout {
        id: "r5",
        name: "4分割（2×2）",
        areas: &[[0, 0, 6, 6], [6, 0, 12, 6], [0, 6, 6, 12], [6, 6, 12, 12]],
    },
    Layout {
        id: "r6",
        name: "上1・下2",
        areas: &[[0, 0, 12, 6], [0, 6, 6, 12], [6, 6, 12, 12]],
    },
    Layout {
        id: "r7",
        name: "上1・下に横長2",
        areas: &[[0, 0, 12, 6], [0, 6, 12, 9], [0, 9, 12, 12]],
    },
    Layout {
        id: "r8",
        name: "6分割（3×2）",
        areas: &[
            [0, 0, 4, 6],
            [4, 0, 8, 6],
            [8, 0, 12, 6],
            [0, 6, 4, 12],
            [4, 6, 8, 12],
            [8, 6, 12, 12],
        ],
    },
];

/// The rich menu layouts of LINE Official Account Manager: seven for the large menu (L1–L7)
/// and five for the compact one (C1–C5), in its order. They fix the tap areas only; the image
/// is drawn to match.
pub const LARGE_RICH_MENU_LAYOUTS: &[Layout] = &[
    Layout {
        id: "l1",
        name: "6分割（3×2）",
        areas: &[
            [0, 0, 4, 6],
            [4, 0, 8, 6],
            [8, 0, 12, 6],
            [0, 6, 4, 12],
            [4, 6, 8, 12],
            [8, 6, 12, 12],
        ],
    },
    Layout {
        id: "l2",
        name: "4分割（2×2）",
        areas: &[[0, 0, 6, 6], [6, 0, 12, 6], [0, 6, 6, 12], [6, 6, 12, 12]],
    },
    Layout {
        id: "l3",
        name: "上1・下3",
        areas: &[[0, 0, 12, 6], [0, 6, 4, 12], [4, 6, 8, 12], [8, 6, 12, 12]],
    },
    Layout {
        id: "l4",
        name: "左に大1・右に2",
        areas: &[[0, 0, 8, 12], [8, 0, 12, 6], [8, 6, 12, 12]],
    },
    Layout {
        id: "l5",
        name: "上下2分割",
        areas: &[[0, 0, 12, 6], [0, 6, 12, 12]],
    },
    Layout {
        id: "l6",
        name: "左右2分割",
        areas: &[[0, 0, 6, 12], [6, 0, 12, 12]],
    },
    Layout {
        id: "l7",
        name: "1分割",
        areas: &[[0, 0, 12, 12]],
    },
];

/// The compact (half-height) rich menu layouts, C1–C5.
pub const COMPACT_RICH_MENU_LAYOUTS: &[Layout] = &[
    Layout {
        id: "c1",
        name: "3分割",
        areas: &[[0, 0, 4, 12], [4, 0, 8, 12], [8, 0, 12, 12]],
    },
    Layout {
        id: "c2",
        name: "左に小・右に大",
        areas: &[[0, 0, 4, 12], [4, 0, 12, 12]],
    },
    Layout {
        id: "c3",
        name: "左に大・右に小",
        areas: &[[0, 0, 8, 12], [8, 0, 12, 12]],
    },
    Layout {
        id: "c4",
        name: "左右2分割",
        areas: &[[0, 0, 6, 12], [6, 0, 12, 12]],
    },
    Layout {
        id: "c5",
        name: "1分割",
        areas: &[[0, 0, 12, 12]],
    },
];

/// The sizes LINE Official Account Manager accepts for a rich menu image, large then compact.
/// The API takes any size within LINE's rules (`validate::rich_menu`); these are the ones the
/// editor offers.
pub const LARGE_RICH_MENU_SIZES: &[(i32, i32)] = &[(2500, 1686), (1200, 810), (800, 540)];
pub const COMPACT_RICH_MENU_SIZES: &[(i32, i32)] = &[(2500, 843), (1200, 405), (800, 270)];

/// A rich menu layout by id, large or compact.
pub fn rich_menu_layout(id: &str) -> Option<&'static Layout> {
    LARGE_RICH_MENU_LAYOUTS
        .iter()
        .chain(COMPACT_RICH_MENU_LAYOUTS)
        .find(|l| l.id == id)
}

pub fn imagemap_layout(id: &str) -> Option<&'static Layout> {
    IMAGEMAP_LAYOUTS.iter().find(|l| l.id == id)
}

impl Layout {
    /// The areas in pixels on an image of `width` × `height`. Neighbouring areas share their
    /// edge (both are computed from the same fraction), so the image is tiled exactly.
    pub fn areas_on(&self, width: i32, height: i32) -> Vec<ImagemapArea> {
        let at = |twelfths: u32, size: i32| -> i32 {
            // Rounded to the nearest pixel: thirds of 1040 are 347, 346, 347.
            ((i64::from(twelfths) * i64::from(size) * 2 + 12) / 24) as i32
        };
        self.areas
            .iter()
            .map(|&[x0, y0, x1, y1]| {
                let (left, top) = (at(x0, width), at(y0, height));
                ImagemapArea {
                    x: left,
                    y: top,
                    width: at(x1, width) - left,
                    height: at(y1, height) - top,
                }
            })
            .collect()
    }

    /// The areas as rich menu bounds on a menu image of `width` × `height`.
    pub fn bounds_on(&self, width: i32, height: i32) -> Vec<crate::rich_menu::RichMenuBounds> {
        self.areas_on(width, height)
            .into_iter()
            .map(|a| crate::rich_menu::RichMenuBounds {
                x: a.x,
                y: a.y,
                width: a.width,
                height: a.height,
            })
            .collect()
    }

    /// Which layout, if any, `areas` are on this image (so an editor can show it selected).
    pub fn matching(areas: &[ImagemapArea], width: i32, height: i32) -> Option<&'static Layout> {
        IMAGEMAP_LAYOUTS
            .iter()
            .find(|l| l.areas_on(width, height) == areas)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: i32, y: i32, width: i32, height: i32) -> ImagemapArea {
        ImagemapArea {
            x,
            y,
            width,
            height,
        }
    }

    #[test]
    fn layouts_give_oa_managers_rectangles_on_a_square_image() {
        let r4 = imagemap_layout("r4").unwrap().areas_on(1040, 1040);
        assert_eq!(
            r4,
            [
                rect(0, 0, 1040, 347),
                rect(0, 347, 1040, 346),
                rect(0, 693, 1040, 347)
            ]
        );
        let r8 = imagemap_layout("r8").unwrap().areas_on(1040, 1040);
        assert_eq!(r8[1], rect(347, 0, 346, 520));
        assert_eq!(r8[5], rect(693, 520, 347, 520));
        let r7 = imagemap_layout("r7").unwrap().areas_on(1040, 1040);
        assert_eq!(
            r7,
            [
                rect(0, 0, 1040, 520),
                rect(0, 520, 1040, 260),
                rect(0, 780, 1040, 260)
            ]
        );
    }

    fn bounds(x: i32, y: i32, width: i32, height: i32) -> crate::rich_menu::RichMenuBounds {
        crate::rich_menu::RichMenuBounds {
            x,
            y,
            width,
            height,
        }
    }

    /// The rectangles OA Manager's templates give at 2500 px (thirds 833/834/833, rows of 843).
    #[test]
    fn rich_menu_layouts_give_oa_managers_rectangles() {
        let l1 = rich_menu_layout("l1").unwrap().bounds_on(2500, 1686);
        assert_eq!(
            l1,
            [
                bounds(0, 0, 833, 843),
                bounds(833, 0, 834, 843),
                bounds(1667, 0, 833, 843),
                bounds(0, 843, 833, 843),
                bounds(833, 843, 834, 843),
                bounds(1667, 843, 833, 843),
            ]
        );
        let l4 = rich_menu_layout("l4").unwrap().bounds_on(2500, 1686);
        assert_eq!(
            l4,
            [
                bounds(0, 0, 1667, 1686),
                bounds(1667, 0, 833, 843),
                bounds(1667, 843, 833, 843)
            ]
        );
        let c2 = rich_menu_layout("c2").unwrap().bounds_on(2500, 843);
        assert_eq!(c2, [bounds(0, 0, 833, 843), bounds(833, 0, 1667, 843)]);
        // Smaller sizes: thirds of 800 are 267/266/267, of 1200 are 400.
        let c1 = rich_menu_layout("c1").unwrap().bounds_on(800, 270);
        assert_eq!(
            c1,
            [
                bounds(0, 0, 267, 270),
                bounds(267, 0, 266, 270),
                bounds(533, 0, 267, 270)
            ]
        );
        assert_eq!(
            rich_menu_layout("l1").unwrap().bounds_on(1200, 810)[4],
            bounds(400, 405, 400, 405)
        );
        assert_eq!(LARGE_RICH_MENU_LAYOUTS.len(), 7);
        assert_eq!(COMPACT_RICH_MENU_LAYOUTS.len(), 5);
    }

    /// Every rich menu template tiles each size OA Manager accepts exactly, and each size passes
    /// LINE's rules for a menu.
    #[test]
    fn every_rich_menu_layout_tiles_every_accepted_size() {
        let cases = LARGE_RICH_MENU_LAYOUTS
            .iter()
            .flat_map(|l| LARGE_RICH_MENU_SIZES.iter().map(move |s| (l, *s)))
            .chain(
                COMPACT_RICH_MENU_LAYOUTS
                    .iter()
                    .flat_map(|l| COMPACT_RICH_MENU_SIZES.iter().map(move |s| (l, *s))),
            );
        for (layout, (w, h)) in cases {
            let areas = layout.bounds_on(w, h);
            let covered: i64 = areas
                .iter()
                .map(|a| i64::from(a.width) * i64::from(a.height))
                .sum();
            assert_eq!(
                covered,
                i64::from(w) * i64::from(h),
                "{} at {w}x{h}",
                layout.id
            );
            for (i, a) in areas.iter().enumerate() {
                assert!(a.x >= 0 && a.y >= 0 && a.x + a.width <= w && a.y + a.height <= h);
                for b in &areas[i + 1..] {
                    let apart = a.x + a.width <= b.x
                        || b.x + b.width <= a.x
                        || a.y + a.height <= b.y
                        || b.y + b.height <= a.y;
                    assert!(apart, "{} overlaps at {w}x{h}", layout.id);
                }
            }
            let menu = crate::rich_menu::RichMenu {
                size: crate::rich_menu::RichMenuSize {
                    width: w,
                    height: h,
                },
                selected: false,
                name: "t".into(),
                chat_bar_text: "メニュー".into(),
                areas: areas
                    .into_iter()
                    .map(|bounds| crate::rich_menu::RichMenuArea {
                        bounds,
                        action: crate::message::Action::Message {
                            label: Some("お知らせ".into()),
                            text: "お知らせ".into(),
                        },
                    })
                    .collect(),
            };
            assert_eq!(crate::validate::rich_menu(&menu), vec![], "{}", layout.id);
        }
    }

    #[test]
    fn every_layout_tiles_any_height_exactly() {
        for layout in IMAGEMAP_LAYOUTS {
            for height in [1040, 1300, 701, 585] {
                let areas = layout.areas_on(1040, height);
                let covered: i64 = areas
                    .iter()
                    .map(|a| i64::from(a.width) * i64::from(a.height))
                    .sum();
                assert_eq!(
                    covered,
                    1040 * i64::from(height),
                    "{} at {height}",
                    layout.id
                );
                assert!(
                    areas
                        .iter()
                        .all(|a| a.x + a.width <= 1040 && a.y + a.height <= height)
                );
                assert_eq!(
                    Layout::matching(&areas, 1040, height).map(|l| l.id),
                    Some(layout.id)
                );
            }
        }
    }
}

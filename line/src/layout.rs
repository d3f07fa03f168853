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

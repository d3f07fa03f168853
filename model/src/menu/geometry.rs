//! The city's checks on a menu's (or an imagemap's) tap areas, in image pixels: areas that
//! overlap (a tap there is ambiguous), parts of the image no area covers (a tap does nothing),
//! and areas too small for a finger. Pure, so the editor shows them as staff drag.

use line::rich_menu::RichMenuBounds as Rect;

/// The smallest side an area should have, as a share of the image's width: 44 pt (Apple's
/// smallest tap target) on a phone about 375 pt wide, where the image spans the width.
const MIN_SIDE_SHARE: f64 = 44.0 / 375.0;

fn intersect(a: &Rect, b: &Rect) -> bool {
    a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
}

/// Pairs of areas (by index, the smaller first) that share pixels.
pub fn overlapping_pairs(areas: &[Rect]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for (i, a) in areas.iter().enumerate() {
        for (j, b) in areas.iter().enumerate().skip(i + 1) {
            if intersect(a, b) {
                pairs.push((i, j));
            }
        }
    }
    pairs
}

/// How many pixels of a `size` image no area covers (areas clipped to the image).
pub fn uncovered_pixels(areas: &[Rect], (width, height): (i32, i32)) -> i64 {
    // Cut the image at every area edge; each cell is either covered or not.
    let mut xs = vec![0, width];
    let mut ys = vec![0, height];
    for a in areas {
        xs.extend([a.x.clamp(0, width), (a.x + a.width).clamp(0, width)]);
        ys.extend([a.y.clamp(0, height), (a.y + a.height).clamp(0, height)]);
    }
    xs.sort_unstable();
    xs.dedup();
    ys.sort_unstable();
    ys.dedup();
    let mut uncovered = 0;
    for x in xs.windows(2) {
        for y in ys.windows(2) {
            let covered = areas.iter().any(|a| {
                a.x <= x[0] && x[1] <= a.x + a.width && a.y <= y[0] && y[1] <= a.y + a.height
            });
            if !covered {
                uncovered += i64::from(x[1] - x[0]) * i64::from(y[1] - y[0]);
            }
        }
    }
    uncovered
}

/// Whether an area is too small to tap with a finger on a phone.
pub fn too_small(area: &Rect, image_width: i32) -> bool {
    let min_side = f64::from(image_width) * MIN_SIDE_SHARE;
    f64::from(area.width.min(area.height)) < min_side
}

/// Every warning, in Japanese, numbered as staff see the areas (from 1).
pub fn warnings(areas: &[Rect], size: (i32, i32)) -> Vec<String> {
    let mut out = Vec::new();
    for (i, j) in overlapping_pairs(areas) {
        out.push(format!(
            "エリア{}とエリア{}が重なっています。重なった所を押すと、どちらの動作になるか決まりません。",
            i + 1,
            j + 1
        ));
    }
    let total = i64::from(size.0) * i64::from(size.1);
    let uncovered = uncovered_pixels(areas, size);
    if total > 0 && uncovered > 0 {
        // At least 1 % when any pixel is uncovered, so a sliver is not reported as 0 %.
        let percent = ((uncovered * 100 + total - 1) / total).max(1);
        out.push(format!(
            "画像の約{percent}%がどのエリアにも入っていません。そこを押しても何も起きません。"
        ));
    }
    for (i, area) in areas.iter().enumerate() {
        if too_small(area, size.0) {
            out.push(format!(
                "エリア{}は小さく、指で押しにくい大きさです（短い辺を画像の幅の12%以上にすると押しやすくなります）。",
                i + 1
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: i32, y: i32, width: i32, height: i32) -> Rect {
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    #[test]
    fn areas_that_touch_do_not_overlap_and_areas_that_share_a_pixel_do() {
        let left = rect(0, 0, 1250, 843);
        let right = rect(1250, 0, 1250, 843);
        assert!(overlapping_pairs(&[left, right]).is_empty());
        let wide = rect(1249, 0, 1251, 843);
        assert_eq!(overlapping_pairs(&[left, right, wide]), [(0, 2), (1, 2)]);
    }

    #[test]
    fn uncovered_pixels_count_the_gaps_once() {
        let size = (2500, 843);
        assert_eq!(uncovered_pixels(&[rect(0, 0, 2500, 843)], size), 0);
        // A 100-px gap between two halves; overlapping areas are not counted twice.
        let areas = [
            rect(0, 0, 1200, 843),
            rect(1300, 0, 1200, 843),
            rect(0, 0, 600, 843),
        ];
        assert_eq!(uncovered_pixels(&areas, size), 100 * 843);
        // Areas outside the image do not cover it.
        assert_eq!(
            uncovered_pixels(&[rect(2500, 0, 100, 843)], size),
            2500 * 843
        );
    }

    #[test]
    fn warnings_name_the_areas_as_staff_number_them() {
        let areas = [rect(0, 0, 1250, 843), rect(1200, 0, 100, 843)];
        let w = warnings(&areas, (2500, 843));
        assert!(w[0].starts_with("エリア1とエリア2が重なって"), "{w:?}");
        assert!(w[1].contains("約48%"), "{w:?}");
        assert!(w[2].starts_with("エリア2は小さく"), "{w:?}");
        assert_eq!(w.len(), 3);
    }
}

//! The arithmetic of the area editor, in image pixels: a drag turned into an area ([`dragged`],
//! [`spanned`]), a pointer's place on the shown image ([`image_point`]), edges pulled onto the
//! image's grid and onto other areas ([`snapped`]), and an area's place in CSS ([`box_style`]).
//! Pure, so it is unit-tested; the component only turns events into calls of it.

use line::rich_menu::RichMenuBounds as Rect;

/// What a pointer drag holds: the whole area, or one of its corners.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handle {
    Move,
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

impl Handle {
    /// The corners, with their CSS class.
    pub const CORNERS: [(Handle, &'static str); 4] = [
        (Handle::TopLeft, "nw"),
        (Handle::TopRight, "ne"),
        (Handle::BottomLeft, "sw"),
        (Handle::BottomRight, "se"),
    ];
}

/// What a gesture changes of an area, so that only those edges snap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gesture {
    /// Dragging the area (its size kept) or one of its corners (the opposite corner fixed).
    Drag(Handle),
    /// Drawing a new area: every edge follows the pointer.
    Draw,
}

/// Which edges of one axis (left and right, or top and bottom) a gesture sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Edges {
    /// Both, at the same distance (a move).
    Together,
    Start,
    End,
    /// Both, each on its own (drawing).
    Each,
}

impl Gesture {
    /// The edges set horizontally, then vertically.
    fn edges(self) -> (Edges, Edges) {
        match self {
            Gesture::Drag(Handle::Move) => (Edges::Together, Edges::Together),
            Gesture::Drag(Handle::TopLeft) => (Edges::Start, Edges::Start),
            Gesture::Drag(Handle::TopRight) => (Edges::End, Edges::Start),
            Gesture::Drag(Handle::BottomLeft) => (Edges::Start, Edges::End),
            Gesture::Drag(Handle::BottomRight) => (Edges::End, Edges::End),
            Gesture::Draw => (Edges::Each, Edges::Each),
        }
    }
}

fn rect(x: i64, y: i64, width: i64, height: i64) -> Rect {
    let px = |v: i64| i32::try_from(v).unwrap_or(if v < 0 { 0 } else { i32::MAX });
    Rect {
        x: px(x),
        y: px(y),
        width: px(width),
        height: px(height),
    }
}

/// `start` after dragging `handle` by (`dx`, `dy`) image pixels on an image of `image` (width,
/// height): moved, or resized by a corner with the opposite corner fixed. The result stays
/// inside the image and is at least 1 × 1; an area that was outside (from JSON) is brought in.
pub fn dragged(start: Rect, dx: i32, dy: i32, handle: Handle, image: (i32, i32)) -> Rect {
    let (w, h) = (i64::from(image.0.max(1)), i64::from(image.1.max(1)));
    let (dx, dy) = (i64::from(dx), i64::from(dy));
    let width = i64::from(start.width).clamp(1, w);
    let height = i64::from(start.height).clamp(1, h);
    let left = i64::from(start.x).clamp(0, w - width);
    let top = i64::from(start.y).clamp(0, h - height);
    let (right, bottom) = (left + width, top + height);
    let (l, t, r, b) = match handle {
        Handle::Move => {
            let l = (left + dx).clamp(0, w - width);
            let t = (top + dy).clamp(0, h - height);
            (l, t, l + width, t + height)
        }
        Handle::TopLeft => (
            (left + dx).clamp(0, right - 1),
            (top + dy).clamp(0, bottom - 1),
            right,
            bottom,
        ),
        Handle::TopRight => (
            left,
            (top + dy).clamp(0, bottom - 1),
            (right + dx).clamp(left + 1, w),
            bottom,
        ),
        Handle::BottomLeft => (
            (left + dx).clamp(0, right - 1),
            top,
            right,
            (bottom + dy).clamp(top + 1, h),
        ),
        Handle::BottomRight => (
            left,
            top,
            (right + dx).clamp(left + 1, w),
            (bottom + dy).clamp(top + 1, h),
        ),
    };
    rect(l, t, r - l, b - t)
}

/// The area spanned by two points (a drawing drag), inside the image and at least 1 × 1.
pub fn spanned(a: (i32, i32), b: (i32, i32), image: (i32, i32)) -> Rect {
    let (w, h) = (i64::from(image.0.max(1)), i64::from(image.1.max(1)));
    let axis = |p: i32, q: i32, size: i64| {
        let (p, q) = (i64::from(p), i64::from(q));
        let start = p.min(q).clamp(0, size - 1);
        let end = p.max(q).clamp(start + 1, size);
        (start, end - start)
    };
    let (x, width) = axis(a.0, b.0, w);
    let (y, height) = axis(a.1, b.1, h);
    rect(x, y, width, height)
}

/// A point `offset` (CSS pixels from the image's top left corner, the image being shown at
/// `shown` CSS pixels) in image pixels, clamped to the image.
pub fn image_point(offset: (f64, f64), shown: (f64, f64), image: (i32, i32)) -> (i32, i32) {
    let scale = |o: f64, s: f64, size: i32| -> i32 {
        if !(s > 0.0 && o.is_finite()) {
            return 0;
        }
        // `as` saturates; the value is already within 0..=size.
        (o / s * f64::from(size))
            .round()
            .clamp(0.0, f64::from(size.max(0))) as i32
    };
    (
        scale(offset.0, shown.0, image.0),
        scale(offset.1, shown.1, image.1),
    )
}

/// `area` on an image whose height changed from `old_height` to `new_height`: scaled
/// vertically (edges shared by neighbours stay shared), kept inside the image.
pub fn rescaled(area: Rect, width: i32, old_height: i32, new_height: i32) -> Rect {
    if old_height <= 0 || new_height <= 0 || old_height == new_height {
        return area;
    }
    let (old, new) = (i64::from(old_height), i64::from(new_height));
    let scale = |v: i32| (i64::from(v) * new * 2 + old) / (2 * old);
    let top = scale(area.y);
    let bottom = scale(area.y.saturating_add(area.height));
    let scaled = rect(
        i64::from(area.x),
        top,
        i64::from(area.width),
        (bottom - top).max(1),
    );
    dragged(scaled, 0, 0, Handle::Move, (width, new_height))
}

/// How close (in image pixels) an edge must come to a line to snap to it: about 1.5 % of the
/// image's width, on both axes, so the pull feels the same however the image is shown.
pub fn snap_reach(image_width: i32) -> i32 {
    let reach = (i64::from(image_width.max(0)) * 3 + 100) / 200;
    i32::try_from(reach).unwrap_or(i32::MAX).max(1)
}

/// The line `twelfths` / 12 across `size` pixels, rounded as `line::layout::Layout::areas_on`
/// rounds OA Manager's layouts, so a snapped edge meets a layout's edge exactly.
fn twelfth(twelfths: i64, size: i64) -> i64 {
    (twelfths * size * 2 + 12) / 24
}

/// The lines of one axis an edge may snap to: the image's twelfths (which hold its halves,
/// thirds, quarters and sixths) and the `edges` of other areas, all within the image.
fn snap_lines(size: i64, edges: impl Iterator<Item = i64>) -> Vec<i64> {
    (0..=12)
        .map(|k| twelfth(k, size))
        .chain(edges)
        .filter(|line| (0..=size).contains(line))
        .collect()
}

/// One axis of an area (`start`, `length`) with the `moving` edges snapped to the nearest of
/// `lines` within `reach`, inside 0..=`size` and at least 1 long.
fn snap_axis(
    start: i64,
    length: i64,
    moving: Edges,
    lines: &[i64],
    reach: i64,
    size: i64,
) -> (i64, i64) {
    let nearest = |edge: i64| {
        lines
            .iter()
            .copied()
            .filter(|line| (line - edge).abs() <= reach)
            .min_by_key(|line| (line - edge).abs())
    };
    let end = start + length;
    if moving == Edges::Together {
        // The edge nearer to a line wins; the other follows at the same distance.
        let shift = [
            nearest(start).map(|line| line - start),
            nearest(end).map(|line| line - end),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|shift| shift.abs())
        .unwrap_or(0);
        return ((start + shift).clamp(0, size - length), length);
    }
    let (mut snapped_start, mut snapped_end) = (start, end);
    if matches!(moving, Edges::Start | Edges::Each)
        && let Some(line) = nearest(start)
        && line < snapped_end
    {
        snapped_start = line;
    }
    if matches!(moving, Edges::End | Edges::Each)
        && let Some(line) = nearest(end)
        && line > snapped_start
    {
        snapped_end = line;
    }
    (snapped_start, snapped_end - snapped_start)
}

/// `area`, as a `gesture` left it, with the edges that gesture sets pulled onto the image's
/// twelfths or onto the edges of the `others` when they are within [`snap_reach`]. A moved
/// area keeps its size; a resized or drawn one stays at least 1 × 1; all stay in the image.
pub fn snapped(area: Rect, gesture: Gesture, others: &[Rect], image: (i32, i32)) -> Rect {
    let (w, h) = (i64::from(image.0.max(1)), i64::from(image.1.max(1)));
    let inside = dragged(area, 0, 0, Handle::Move, image);
    let reach = i64::from(snap_reach(image.0));
    let xs = snap_lines(
        w,
        others
            .iter()
            .flat_map(|o| [i64::from(o.x), i64::from(o.x) + i64::from(o.width)]),
    );
    let ys = snap_lines(
        h,
        others
            .iter()
            .flat_map(|o| [i64::from(o.y), i64::from(o.y) + i64::from(o.height)]),
    );
    let (horizontal, vertical) = gesture.edges();
    let (x, width) = snap_axis(
        i64::from(inside.x),
        i64::from(inside.width),
        horizontal,
        &xs,
        reach,
        w,
    );
    let (y, height) = snap_axis(
        i64::from(inside.y),
        i64::from(inside.height),
        vertical,
        &ys,
        reach,
        h,
    );
    rect(x, y, width, height)
}

/// Position of `area` over an image of `image` (width, height), in percent.
pub fn box_style(area: Rect, image: (i32, i32)) -> String {
    let pct = |v: i32, of: i32| f64::from(v) * 100.0 / f64::from(of.max(1));
    format!(
        "left:{:.4}%;top:{:.4}%;width:{:.4}%;height:{:.4}%",
        pct(area.x, image.0),
        pct(area.y, image.1),
        pct(area.width, image.0),
        pct(area.height, image.1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(x: i32, y: i32, width: i32, height: i32) -> Rect {
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    const SQUARE: (i32, i32) = (1040, 1040);
    /// A large rich menu image.
    const MENU: (i32, i32) = (2500, 1686);

    #[test]
    fn moving_keeps_the_size_and_stops_at_the_edges() {
        let a = area(100, 200, 300, 400);
        assert_eq!(
            dragged(a, 10, -20, Handle::Move, SQUARE),
            area(110, 180, 300, 400)
        );
        assert_eq!(
            dragged(a, -500, -500, Handle::Move, SQUARE),
            area(0, 0, 300, 400)
        );
        assert_eq!(
            dragged(a, 5000, 5000, Handle::Move, SQUARE),
            area(740, 640, 300, 400)
        );
        assert_eq!(dragged(a, 0, 0, Handle::Move, SQUARE), a);
    }

    #[test]
    fn corners_resize_with_the_opposite_corner_fixed_and_never_below_one_pixel() {
        let a = area(100, 200, 300, 400);
        assert_eq!(
            dragged(a, 50, 60, Handle::BottomRight, SQUARE),
            area(100, 200, 350, 460)
        );
        assert_eq!(
            dragged(a, 50, 60, Handle::TopLeft, SQUARE),
            area(150, 260, 250, 340)
        );
        assert_eq!(
            dragged(a, -50, 60, Handle::TopRight, SQUARE),
            area(100, 260, 250, 340)
        );
        assert_eq!(
            dragged(a, -50, 60, Handle::BottomLeft, SQUARE),
            area(50, 200, 350, 460)
        );
        // Past the opposite corner: one pixel, not flipped.
        assert_eq!(
            dragged(a, 999, 999, Handle::TopLeft, SQUARE),
            area(399, 599, 1, 1)
        );
        assert_eq!(
            dragged(a, -999, -999, Handle::BottomRight, SQUARE),
            area(100, 200, 1, 1)
        );
        // Past the image's edges: clamped to them.
        assert_eq!(
            dragged(a, -999, -999, Handle::TopLeft, SQUARE),
            area(0, 0, 400, 600)
        );
        assert_eq!(
            dragged(a, 9999, 9999, Handle::BottomRight, SQUARE),
            area(100, 200, 940, 840)
        );
        assert_eq!(
            dragged(a, 9999, -9999, Handle::TopRight, (1040, 700)),
            area(100, 0, 940, 600)
        );
    }

    #[test]
    fn an_area_outside_the_image_is_brought_inside() {
        let outside = area(1000, -50, 2000, 0);
        let inside = dragged(outside, 0, 0, Handle::Move, SQUARE);
        assert_eq!(inside, area(0, 0, 1040, 1));
        let far = area(i32::MAX, i32::MAX, 10, 10);
        assert_eq!(
            dragged(far, 1, 1, Handle::BottomRight, SQUARE),
            area(1030, 1030, 10, 10)
        );
        assert_eq!(
            dragged(far, i32::MIN, 0, Handle::Move, SQUARE),
            area(0, 1030, 10, 10)
        );
        let huge = area(i32::MAX, i32::MAX, i32::MAX, i32::MAX);
        assert_eq!(
            dragged(huge, 1, 1, Handle::BottomRight, SQUARE),
            area(0, 0, 1040, 1040)
        );
    }

    #[test]
    fn drawing_spans_the_two_points_inside_the_image() {
        assert_eq!(
            spanned((10, 20), (110, 220), SQUARE),
            area(10, 20, 100, 200)
        );
        assert_eq!(
            spanned((110, 220), (10, 20), SQUARE),
            area(10, 20, 100, 200)
        );
        assert_eq!(
            spanned((-5, 500), (2000, 400), SQUARE),
            area(0, 400, 1040, 100)
        );
        assert_eq!(spanned((30, 30), (30, 30), SQUARE), area(30, 30, 1, 1));
        assert_eq!(
            spanned((1040, 1040), (1040, 1040), SQUARE),
            area(1039, 1039, 1, 1)
        );
    }

    #[test]
    fn pointer_offsets_become_image_pixels() {
        // Shown at 350 × 350 CSS px.
        assert_eq!(
            image_point((175.0, 35.0), (350.0, 350.0), SQUARE),
            (520, 104)
        );
        assert_eq!(
            image_point((-10.0, 400.0), (350.0, 350.0), SQUARE),
            (0, 1040)
        );
        assert_eq!(image_point((10.0, 10.0), (0.0, 0.0), SQUARE), (0, 0));
        assert_eq!(
            image_point((f64::NAN, 10.0), (350.0, 350.0), SQUARE),
            (0, 30)
        );
        // A 4:5 image shown 280 wide.
        assert_eq!(
            image_point((140.0, 350.0), (280.0, 350.0), (1040, 1300)),
            (520, 1300)
        );
    }

    #[test]
    fn areas_follow_a_new_image_height() {
        let top = area(0, 0, 1040, 520);
        let bottom = area(0, 520, 1040, 520);
        let (t, b) = (
            rescaled(top, 1040, 1040, 1300),
            rescaled(bottom, 1040, 1040, 1300),
        );
        assert_eq!(t, area(0, 0, 1040, 650));
        assert_eq!(b, area(0, 650, 1040, 650));
        assert_eq!(rescaled(top, 1040, 1040, 1040), top);
        assert_eq!(rescaled(bottom, 1040, 0, 500), bottom);
    }

    #[test]
    fn boxes_are_placed_in_percent_of_the_image() {
        assert_eq!(
            box_style(area(520, 0, 520, 1300), (1040, 1300)),
            "left:50.0000%;top:0.0000%;width:50.0000%;height:100.0000%"
        );
    }

    #[test]
    fn the_snap_reach_is_about_one_and_a_half_percent_of_the_width() {
        assert_eq!(snap_reach(1040), 16);
        assert_eq!(snap_reach(2500), 38);
        assert_eq!(snap_reach(0), 1);
    }

    #[test]
    fn a_dragged_corner_snaps_to_a_third_as_layouts_round_it() {
        // Thirds of 1040 are at 347 and 693 (as in OA Manager's layouts); 2500's at 833, 1667.
        let a = area(0, 0, 340, 510);
        assert_eq!(
            snapped(a, Gesture::Drag(Handle::BottomRight), &[], SQUARE),
            area(0, 0, 347, 520)
        );
        let b = area(0, 0, 1680, 843);
        assert_eq!(
            snapped(b, Gesture::Drag(Handle::TopRight), &[], MENU),
            area(0, 0, 1667, 843)
        );
        // Only the dragged corner's edges move: the left and top edges stay where they are.
        let c = area(5, 9, 340, 500);
        assert_eq!(
            snapped(c, Gesture::Drag(Handle::BottomRight), &[], SQUARE),
            area(5, 9, 342, 511)
        );
        // Quarters and sixths are twelfths too.
        let d = area(250, 170, 30, 30);
        assert_eq!(
            snapped(d, Gesture::Drag(Handle::TopLeft), &[], SQUARE),
            area(260, 173, 20, 27)
        );
    }

    #[test]
    fn a_moved_area_keeps_its_size_and_snaps_by_its_nearer_edge() {
        // The right edge is 3 px from the half (520), the left one 13 px from a twelfth (87).
        let a = area(100, 0, 417, 300);
        assert_eq!(
            snapped(a, Gesture::Drag(Handle::Move), &[], SQUARE),
            area(103, 0, 417, 300)
        );
        // Nothing near: unchanged.
        let b = area(40, 40, 280, 280);
        assert_eq!(snapped(b, Gesture::Drag(Handle::Move), &[], SQUARE), b);
    }

    #[test]
    fn edges_snap_to_other_areas_edges() {
        // Another area ends at 610, 3 px from the twelfth at 607: the nearer line wins.
        let other = area(0, 0, 610, 1040);
        let a = area(615, 300, 200, 200);
        assert_eq!(
            snapped(a, Gesture::Drag(Handle::TopLeft), &[other], SQUARE),
            area(610, 300, 205, 200)
        );
        let b = area(612, 300, 200, 200);
        assert_eq!(
            snapped(b, Gesture::Drag(Handle::Move), &[other], SQUARE),
            area(610, 300, 200, 200)
        );
        // Vertically too, with a drawn area.
        let above = area(0, 0, 1040, 401);
        let drawn = area(445, 410, 300, 200);
        assert_eq!(
            snapped(drawn, Gesture::Draw, &[above], SQUARE),
            area(433, 401, 312, 206)
        );
    }

    #[test]
    fn edges_beyond_the_reach_do_not_snap() {
        // 17 px from the third at 347, one more than the reach of 16; 33 px from 433.
        let a = area(0, 0, 330, 400);
        assert_eq!(
            snapped(a, Gesture::Drag(Handle::BottomRight), &[], SQUARE),
            a
        );
        let far_from_other = area(640, 300, 100, 100);
        assert_eq!(
            snapped(
                far_from_other,
                Gesture::Drag(Handle::TopLeft),
                &[area(0, 0, 610, 1040)],
                SQUARE
            ),
            far_from_other
        );
    }

    #[test]
    fn snapping_never_leaves_the_image() {
        // The image's side, not another area's edge beyond it.
        let outside = area(1045, 0, 30, 100);
        let a = area(900, 0, 135, 200);
        let resized = snapped(a, Gesture::Drag(Handle::BottomRight), &[outside], SQUARE);
        assert_eq!(resized, area(900, 0, 140, 200));
        // A move snaps by the edge nearer to a line and stays inside.
        let b = area(10, 500, 1025, 100);
        let moved = snapped(b, Gesture::Drag(Handle::Move), &[], SQUARE);
        assert_eq!(moved, area(15, 507, 1025, 100));
        // An area that was outside (from JSON) is brought in first.
        let far = area(2000, 2000, 50, 50);
        assert_eq!(
            snapped(far, Gesture::Drag(Handle::Move), &[], SQUARE),
            area(990, 990, 50, 50)
        );
    }

    #[test]
    fn snapping_keeps_at_least_one_pixel() {
        // Both edges are near the same line: the second does not snap onto the first.
        let thin = area(345, 518, 4, 4);
        let drawn = snapped(thin, Gesture::Draw, &[], SQUARE);
        assert!(drawn.width >= 1 && drawn.height >= 1, "{drawn:?}");
        assert_eq!(drawn, area(347, 520, 2, 2));
        // A corner's edge does not snap onto the line the opposite edge is on.
        let narrow = area(347, 0, 5, 100);
        let resized = snapped(narrow, Gesture::Drag(Handle::BottomRight), &[], SQUARE);
        assert_eq!(resized, area(347, 0, 5, 87));
    }
}

//! Charts drawn on the server as SVG text (no chart library in the admin bundle). Each chart is
//! an image with a title and a description; the pages put a table of the same figures beside
//! it for screen readers and for exact values.

use std::fmt::Write as _;

use crate::DateTime;

/// One line of a chart: its name, colour, and values (none where there is no figure, e.g.
/// LINE's 「20未満」: a gap, never a 0).
pub struct Series<'a> {
    pub name: &'a str,
    /// At least 3:1 against white (JIS X 8341-3 / WCAG 1.4.11).
    pub colour: &'a str,
    pub values: Vec<Option<i64>>,
}

/// Dark green and blue: both over 4.5:1 on white.
pub const GREEN: &str = "#067a38";
pub const BLUE: &str = "#1f5fbf";

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 28.0;

/// How the x axis names a time: its distance from the first ([`elapsed_label`]) or a date.
pub type XLabel<'a> = &'a dyn Fn(DateTime, DateTime) -> String;

/// A line chart of `series` over the times `at` (ascending), labelled `title` (read aloud);
/// `x_label(first, t)` names the times under the axis.
pub fn line_chart(
    title: &str,
    at: &[DateTime],
    series: &[Series<'_>],
    x_label: XLabel<'_>,
) -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}" class="chart">"#,
        escape(title)
    );
    let _ = write!(svg, "<title>{}</title>", escape(title));
    let (Some(first), Some(last)) = (at.first(), at.last()) else {
        svg.push_str("</svg>");
        return svg;
    };
    let span = (*last - *first).num_seconds().max(60) as f64;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let top = nice_ceiling(max);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |t: &DateTime| LEFT + (*t - *first).num_seconds() as f64 / span * plot_w;
    let y = |v: i64| TOP + plot_h - v as f64 / top as f64 * plot_h;
    // Grid and y labels.
    for i in 0..=4 {
        let v = top * i / 4;
        let py = y(v);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#d0d5dd" stroke-width="1"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#333">{v}</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            py + 4.0
        );
    }
    // x labels: the start, the middle and the end.
    for t in [*first, *first + (*last - *first) / 2, *last] {
        let label = x_label(*first, t);
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="#333">{}</text>"##,
            x(&t),
            HEIGHT - BOTTOM + 16.0,
            escape(&label)
        );
    }
    for (i, s) in series.iter().enumerate() {
        // Consecutive known values make a line; a missing one breaks it.
        let mut path = String::new();
        let mut pen_down = false;
        for (t, v) in at.iter().zip(&s.values) {
            match v {
                Some(v) => {
                    let _ = write!(
                        path,
                        "{}{:.1},{:.1} ",
                        if pen_down { "L" } else { "M" },
                        x(t),
                        y(*v)
                    );
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        if !path.is_empty() {
            let _ = write!(
                svg,
                r#"<path d="{}" fill="none" stroke="{}" stroke-width="2.5"/>"#,
                path.trim_end(),
                s.colour
            );
        }
        for (t, v) in at.iter().zip(&s.values) {
            if let Some(v) = v {
                let _ = write!(
                    svg,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}"/>"#,
                    x(t),
                    y(*v),
                    s.colour
                );
            }
        }
        // Legend, above the plot on the left.
        let lx = LEFT + i as f64 * 130.0;
        let ly = 14.0;
        let _ = write!(
            svg,
            r##"<rect x="{lx:.1}" y="{:.1}" width="14" height="4" fill="{}"/><text x="{:.1}" y="{ly:.1}" font-size="11" fill="#333">{}</text>"##,
            ly - 5.0,
            s.colour,
            lx + 18.0,
            escape(s.name)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The top of the y axis: four ticks of 1, 2 or 5 × 10ⁿ, at or above `max`.
fn nice_ceiling(max: i64) -> i64 {
    let mut scale = 1;
    loop {
        for m in [1, 2, 5] {
            let top = 4 * m * scale;
            if top >= max {
                return top;
            }
        }
        scale *= 10;
    }
}

/// `0分`, `45分`, `3時間`, `2日`: time since sending.
pub fn elapsed_label(d: chrono::TimeDelta) -> String {
    let minutes = d.num_minutes();
    if minutes < 1 {
        // Right after sending (a simulator's try), seconds tell the points apart.
        format!("{}秒", d.num_seconds().max(0))
    } else if minutes < 60 {
        format!("{minutes}分")
    } else if minutes < 48 * 60 {
        format!("{}時間", minutes / 60)
    } else {
        format!("{}日", minutes / (24 * 60))
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_value_breaks_the_line_and_is_not_drawn_as_zero() {
        let t0: DateTime = "2026-11-01T00:00:00Z"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        let at = [
            t0,
            t0 + chrono::TimeDelta::hours(1),
            t0 + chrono::TimeDelta::hours(2),
        ];
        let svg = line_chart(
            "開封数 <テスト>",
            &at,
            &[Series {
                name: "開封数",
                colour: GREEN,
                values: vec![Some(0), None, Some(25)],
            }],
            &|first, t| elapsed_label(t - first),
        );
        assert!(svg.contains("開封数 &lt;テスト&gt;"));
        // Two points drawn, each starting its own segment.
        assert_eq!(svg.matches("<circle").count(), 2);
        assert_eq!(
            svg.matches(" M").count() + usize::from(svg.contains("d=\"M")),
            2
        );
        assert!(svg.contains(">2時間<"));
    }

    #[test]
    fn elapsed_times_read_naturally() {
        let label = |secs| elapsed_label(chrono::TimeDelta::seconds(secs));
        assert_eq!(
            [
                label(0),
                label(42),
                label(600),
                label(3 * 3600),
                label(3 * 86_400)
            ],
            ["0秒", "42秒", "10分", "3時間", "3日"]
        );
    }

    #[test]
    fn ceilings_are_round() {
        assert_eq!(nice_ceiling(1), 4);
        assert_eq!(nice_ceiling(25), 40);
        assert_eq!(nice_ceiling(30), 40);
        assert_eq!(nice_ceiling(101), 200);
    }
}

//! Building `style` attributes for the preview from message data.
//!
//! Values come from validated messages, but the preview also draws drafts being typed, so
//! nothing here passes a string from the message through: every value is parsed (a keyword
//! from LINE's tables, a number with `px` or `%`, a `#RRGGBB(AA)` colour) and written anew, and
//! only known CSS property names are emitted. Anything else is dropped. The keyword tables are
//! those of `flex-rendering.md` §2 (LINE's Flex Message Simulator).

/// Spacing, margin, padding, offset and corner radius keywords (§2.1).
const SPACE: &[(&str, f64)] = &[
    ("none", 0.0),
    ("xs", 2.0),
    ("sm", 4.0),
    ("md", 8.0),
    ("lg", 12.0),
    ("xl", 16.0),
    ("xxl", 20.0),
];

/// Text, span and icon sizes (§2.2).
const FONT: &[(&str, f64)] = &[
    ("xxs", 11.0),
    ("xs", 13.0),
    ("sm", 14.0),
    ("md", 16.0),
    ("lg", 19.0),
    ("xl", 22.0),
    ("xxl", 29.0),
    ("3xl", 35.0),
    ("4xl", 48.0),
    ("5xl", 74.0),
];

/// Image widths (§2.3); `full` is 100 %.
const IMAGE: &[(&str, f64)] = &[
    ("xxs", 40.0),
    ("xs", 60.0),
    ("sm", 80.0),
    ("md", 100.0),
    ("lg", 120.0),
    ("xl", 140.0),
    ("xxl", 160.0),
    ("3xl", 180.0),
    ("4xl", 200.0),
    ("5xl", 220.0),
];

/// Border widths (§2.4).
const BORDER: &[(&str, f64)] = &[
    ("none", 0.0),
    ("light", 0.5),
    ("normal", 1.0),
    ("medium", 2.0),
    ("semi-bold", 3.0),
    ("bold", 4.0),
];

/// Which scale a keyword is read on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Scale {
    Space,
    Font,
    Image,
    Border,
}

impl Scale {
    fn table(self) -> &'static [(&'static str, f64)] {
        match self {
            Scale::Space => SPACE,
            Scale::Font => FONT,
            Scale::Image => IMAGE,
            Scale::Border => BORDER,
        }
    }
}

/// A number without trailing zeros: `50`, `33.333`, `-2.5`.
pub(super) fn num(n: f64) -> String {
    let s = format!("{n:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// A non-negative decimal number as LINE writes them (`23.5`); `None` for anything else.
fn decimal(s: &str) -> Option<f64> {
    let ok = !s.is_empty()
        && s.chars().all(|c| c.is_ascii_digit() || c == '.')
        && s.matches('.').count() <= 1
        && !s.starts_with('.')
        && !s.ends_with('.');
    if ok {
        s.parse().ok().filter(|n: &f64| n.is_finite())
    } else {
        None
    }
}

/// A keyword of `scale`, `{n}px`, or (when `percent`) `{n}%`, as a CSS length.
pub(super) fn length(value: Option<&str>, scale: Scale, percent: bool) -> Option<String> {
    let v = value?.trim();
    if let Some((_, px)) = scale.table().iter().find(|(k, _)| *k == v) {
        return Some(format!("{}px", num(*px)));
    }
    if let Some(n) = v.strip_suffix("px").and_then(decimal) {
        return Some(format!("{}px", num(n)));
    }
    if percent && let Some(n) = v.strip_suffix('%').and_then(decimal) {
        return Some(format!("{}%", num(n)));
    }
    None
}

/// A width or height: `{n}px` or `{n}%` (no keywords).
pub(super) fn dimension(value: Option<&str>) -> Option<String> {
    let v = value?.trim();
    if let Some(n) = v.strip_suffix("px").and_then(decimal) {
        return Some(format!("{}px", num(n)));
    }
    v.strip_suffix('%')
        .and_then(decimal)
        .map(|n| format!("{}%", num(n)))
}

/// A percentage `{n}%` with `n <= 100` (a gradient's centre position).
pub(super) fn percent(value: Option<&str>) -> Option<String> {
    let n = decimal(value?.trim().strip_suffix('%')?)?;
    (n <= 100.0).then(|| format!("{}%", num(n)))
}

/// An offset: like [`length`] on the spacing scale, but a leading `-` is kept (LINE leaves
/// negative offsets unspecified; the simulator draws them).
pub(super) fn offset(value: Option<&str>) -> Option<String> {
    let v = value?.trim();
    match v.strip_prefix('-') {
        Some(rest) => length(Some(rest), Scale::Space, true).map(|l| format!("-{l}")),
        None => length(Some(v), Scale::Space, true),
    }
}

/// `#RRGGBB` or `#RRGGBBAA`, or `None`.
pub(super) fn color(value: Option<&str>) -> Option<String> {
    let v = value?.trim();
    let hex = v.strip_prefix('#')?;
    ((hex.len() == 6 || hex.len() == 8) && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| format!("#{}", hex.to_ascii_lowercase()))
}

/// `{w}:{h}` as `(w, h)`, both positive.
pub(super) fn ratio(value: Option<&str>) -> Option<(f64, f64)> {
    let (w, h) = value?.trim().split_once(':')?;
    let (w, h) = (decimal(w)?, decimal(h)?);
    (w > 0.0 && h > 0.0).then_some((w, h))
}

/// `{n}deg` with `0 <= n < 360`.
pub(super) fn angle(value: Option<&str>) -> Option<String> {
    let n = decimal(value?.trim().strip_suffix("deg")?)?;
    (n < 360.0).then(|| format!("{}deg", num(n)))
}

/// A `style` attribute being built: `property:value` pairs with known property names, joined
/// by `;` (Leptos adds the last one).
#[derive(Default)]
pub(super) struct Style(String);

impl Style {
    pub(super) fn new() -> Self {
        Self::default()
    }

    /// Adds `property: value` when there is a value.
    pub(super) fn set(&mut self, property: &'static str, value: Option<String>) -> &mut Self {
        if let Some(v) = value {
            if !self.0.is_empty() {
                self.0.push(';');
            }
            self.0.push_str(property);
            self.0.push(':');
            self.0.push_str(&v);
        }
        self
    }

    /// Adds `property: value` for a fixed value.
    pub(super) fn put(&mut self, property: &'static str, value: &'static str) -> &mut Self {
        self.set(property, Some(value.to_owned()))
    }

    /// The attribute value, or `None` when nothing was set (no empty `style=""`).
    pub(super) fn build(&mut self) -> Option<String> {
        (!self.0.is_empty()).then(|| std::mem::take(&mut self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_parsed_and_rebuilt() {
        assert_eq!(
            length(Some("md"), Scale::Space, false).as_deref(),
            Some("8px")
        );
        assert_eq!(
            length(Some("xl"), Scale::Font, false).as_deref(),
            Some("22px")
        );
        assert_eq!(
            length(Some("23.50px"), Scale::Space, false).as_deref(),
            Some("23.5px")
        );
        assert_eq!(length(Some("5%"), Scale::Space, false), None);
        assert_eq!(
            length(Some("5%"), Scale::Image, true).as_deref(),
            Some("5%")
        );
        assert_eq!(
            length(Some("1px;background:url(x)"), Scale::Space, true),
            None
        );
        assert_eq!(offset(Some("-4px")).as_deref(), Some("-4px"));
        assert_eq!(color(Some("#FFAA00")).as_deref(), Some("#ffaa00"));
        assert_eq!(color(Some("#ffaa0080")).as_deref(), Some("#ffaa0080"));
        assert_eq!(color(Some("red")), None);
        assert_eq!(color(Some("#fff")), None);
        assert_eq!(color(Some("#ffaa00;x:y")), None);
        assert_eq!(ratio(Some("20:13")), Some((20.0, 13.0)));
        assert_eq!(ratio(Some("0:1")), None);
        assert_eq!(angle(Some("90deg")).as_deref(), Some("90deg"));
        assert_eq!(angle(Some("360deg")), None);
        assert_eq!(num(100.0 / 3.0), "33.333");
        assert_eq!(num(50.0), "50");
    }
}

//! The design tokens in style/main.css keep WCAG AA contrast (4.5:1) for every text/background
//! pair the admin panel uses. Changing a colour token re-runs this check.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

const CSS: &str = include_str!("../../style/main.css");

/// (text token, background token) pairs that appear together in the UI.
const PAIRS: &[(&str, &str)] = &[
    ("--color-text", "--color-surface"),
    ("--color-text", "--color-bg"),
    ("--color-text", "--color-notice-bg"),
    ("--color-text-muted", "--color-surface"),
    ("--color-text-muted", "--color-bg"),
    ("--color-on-primary", "--color-primary"),
    ("--color-on-primary", "--color-primary-hover"),
    ("--color-focus", "--color-surface"),
    ("--color-focus", "--color-bg"),
    ("--color-danger", "--color-danger-bg"),
    ("--color-warning-text", "--color-warning-bg"),
    ("--color-nav-text", "--color-nav-bg"),
    ("--color-nav-text", "--color-nav-active"),
];

fn token(name: &str) -> [f64; 3] {
    let declaration = format!("{name}:");
    let value = CSS
        .lines()
        .find_map(|line| line.trim().strip_prefix(declaration.as_str()))
        .unwrap_or_else(|| panic!("{name} is not defined"))
        .trim_start();
    let hex = value
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("{name} is not a #rrggbb colour"));
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digit");
    [channel(0), channel(2), channel(4)].map(|c| f64::from(c) / 255.0)
}

fn luminance(rgb: [f64; 3]) -> f64 {
    let linear = |c: f64| {
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
}

fn contrast(a: [f64; 3], b: [f64; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// (indicator token, background token): focus rings and other non-text cues (WCAG 1.4.11, 3:1).
const NON_TEXT_PAIRS: &[(&str, &str)] = &[
    ("--color-focus", "--color-surface"),
    ("--color-focus", "--color-bg"),
    ("--color-focus-on-dark", "--color-nav-bg"),
    ("--color-focus-on-dark", "--color-nav-active"),
    ("--color-text-muted", "--color-surface"),
];

#[test]
fn focus_rings_and_borders_meet_the_non_text_minimum() {
    for (fg, bg) in NON_TEXT_PAIRS {
        let ratio = contrast(token(fg), token(bg));
        assert!(ratio >= 3.0, "{fg} on {bg}: {ratio:.2}:1 is below 3:1");
    }
}

#[test]
fn text_and_background_tokens_meet_wcag_aa() {
    for (fg, bg) in PAIRS {
        let ratio = contrast(token(fg), token(bg));
        assert!(ratio >= 4.5, "{fg} on {bg}: {ratio:.2}:1 is below 4.5:1");
    }
}

#[test]
fn the_contrast_formula_matches_known_values() {
    assert!((contrast([0.0; 3], [1.0; 3]) - 21.0).abs() < 1e-9);
    assert!((contrast([1.0; 3], [1.0; 3]) - 1.0).abs() < 1e-9);
}

//! Text that staff typed, put safely into markup.

/// What goes inside a `<textarea>`, given as its `inner_html`. Leptos writes a textarea's children
/// unescaped on the server (it treats them like `<script>`'s), so text containing `</textarea>`
/// would end the element and turn the rest into markup. Escaped here, the browser decodes it
/// back to the same text, both from the server's HTML and when set in the browser.
pub fn textarea_content(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

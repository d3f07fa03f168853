//! 前へ / 次へ through a paged list, keeping the list's filters in the URL.

use leptos::prelude::*;
use leptos_router::components::A;

/// `?a=1&b=2` from the non-empty pairs, percent-encoded.
pub fn query_string(pairs: &[(&str, String)]) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let joined: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    if joined.is_empty() {
        String::new()
    } else {
        format!("?{}", joined.join("&"))
    }
}

/// 前へ / 次へ links that keep the filters.
#[component]
pub fn Pager(
    /// The list's path (`/admin/friends`, or one built at run time).
    #[prop(into)]
    base: String,
    filters: Vec<(&'static str, String)>,
    page: u64,
    pages: u64,
) -> impl IntoView {
    let link = move |to: u64| {
        let mut pairs = filters.clone();
        pairs.push(("page", to.to_string()));
        format!("{base}{}", query_string(&pairs))
    };
    view! {
        <p class="hint pager">
            {(page > 0)
                .then(|| {
                    view! {
                        <A href=link(page - 1)>"← 前へ"</A>
                        " "
                    }
                })} {format!("{} / {} ページ", page + 1, pages)}
            {(page + 1 < pages)
                .then(|| {
                    view! {
                        " "
                        <A href=link(page + 1)>"次へ →"</A>
                    }
                })}
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::query_string;

    #[test]
    fn query_strings_skip_empty_values_and_encode_the_rest() {
        assert_eq!(query_string(&[("a", String::new())]), "");
        assert_eq!(
            query_string(&[("username", "田&=".into()), ("from", "2026-11-01".into())]),
            "?username=%E7%94%B0%26%3D&from=2026-11-01"
        );
    }
}

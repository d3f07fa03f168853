//! What is wrong with the message, where: LINE's rules (the same `line::validate` the server
//! applies, with LINE's JSON-pointer form, each a button that selects the node), the table's
//! structural checks (`line::flex_spec::check`), and accessibility hints for citizens who read
//! with large text or a screen reader. And the alternative text, a first-class field.

use leptos::prelude::*;
use line::flex_spec::{NodeKind, check, pointer_from_path};
use line::message::Message;
use serde_json::Value;

use super::FlexDoc;
use super::ops::kind_at;
use crate::components::composer::basic::AltTextField;

/// Alternative texts that tell a citizen nothing in a notification or the chat list.
const MEANINGLESS_ALT_TEXTS: [&str; 6] = [
    "flex message",
    "flexmessage",
    "flex",
    "メッセージ",
    "お知らせ",
    "message",
];

/// Labels that say nothing read out alone.
const VAGUE_LABELS: [&str; 6] = [
    "こちら",
    "ここ",
    "詳しくはこちら",
    "クリック",
    "タップ",
    "詳細",
];

/// The first text of the first bubble: what the message is about.
fn title_of(value: &Value) -> Option<String> {
    let bubble = if value.get("type").and_then(Value::as_str) == Some("carousel") {
        value.pointer("/contents/0")?
    } else {
        value
    };
    fn first_text(node: &Value) -> Option<String> {
        if node.get("type").and_then(Value::as_str) == Some("text") {
            let text = node.get("text").and_then(Value::as_str).unwrap_or_default();
            return (!text.trim().is_empty()).then(|| text.trim().to_owned());
        }
        node.get("contents")
            .and_then(Value::as_array)
            .and_then(|items| items.iter().find_map(first_text))
    }
    ["header", "body"]
        .iter()
        .find_map(|block| bubble.get(*block).and_then(first_text))
}

/// The alt text field, with a suggestion from the title and a warning when it says nothing.
#[component]
pub fn AltText() -> impl IntoView {
    let doc = FlexDoc::use_context();
    let alt = Memo::new(move |_| {
        doc.draft
            .read(doc.index, |m| match m {
                Message::Flex(f) => f.alt_text.clone(),
                _ => String::new(),
            })
            .unwrap_or_default()
    });
    let title = Memo::new(move |_| doc.value.with(title_of));
    let meaningless = move || {
        let alt = alt.get();
        let normalized = alt.trim().to_lowercase();
        MEANINGLESS_ALT_TEXTS.contains(&normalized.as_str())
    };
    let suggest = move |_| {
        if let Some(t) = title.get_untracked() {
            let suggestion: String = t.chars().take(100).collect();
            doc.draft.edit(doc.index, |m| {
                if let Message::Flex(f) = m {
                    f.alt_text = suggestion;
                }
            });
        }
    };
    view! {
        <div class="flex-alt">
            <AltTextField index=doc.index />
            {move || {
                let title = title.get().filter(|t| *t != alt.get());
                (!doc.draft.readonly)
                    .then_some(title)
                    .flatten()
                    .map(|t| {
                        view! {
                            <button
                                type="button"
                                class="button ghost small"
                                data-testid="flex-alt-suggest"
                                on:click=suggest
                            >
                                {format!(
                                    "タイトルから入れる（{}）",
                                    t.chars().take(20).collect::<String>(),
                                )}
                            </button>
                        }
                    })
            }}
            {move || {
                meaningless()
                    .then(|| {
                        view! {
                            <p class="field-warning" data-testid="flex-alt-warning">
                                "この代替テキストでは通知やトーク一覧で内容が分かりません。何のお知らせか一言で書いてください（例：「12月5日 防災訓練のお知らせ」）。"
                            </p>
                        }
                    })
            }}
        </div>
    }
}

/// One problem, with the node it is at.
#[derive(Clone, Debug, PartialEq)]
struct Problem {
    pointer: String,
    /// The node to select: the pointer, or the nearest node above a property.
    node: String,
    message: String,
}

/// The nearest node at or above `pointer` (`/body/contents/2/url` → `/body/contents/2`).
fn node_of(value: &Value, pointer: &str) -> String {
    let mut p = pointer.to_owned();
    loop {
        if kind_at(value, &p).is_some() || p.is_empty() {
            return p;
        }
        match p.rfind('/') {
            Some(i) => p.truncate(i),
            None => return String::new(),
        }
    }
}

/// The structural problems of a container's JSON, for the composer's JSON view (where a
/// message LINE's types refuse cannot be shown in the tree).
pub fn json_problems(container: &Value) -> Vec<String> {
    check(container)
        .into_iter()
        .map(|p| {
            let at = if p.pointer.is_empty() {
                "/"
            } else {
                &p.pointer
            };
            format!("{}（{at}）", p.message)
        })
        .collect()
}

/// Accessibility hints: contrast of text on its background, text below `sm`, buttons and
/// tappable images without a descriptive label.
fn accessibility(value: &Value) -> Vec<Problem> {
    let mut found = Vec::new();
    let bubbles: Vec<(String, &Value)> = match value.get("contents").and_then(Value::as_array) {
        Some(items) if value.get("type").and_then(Value::as_str) == Some("carousel") => items
            .iter()
            .enumerate()
            .map(|(i, b)| (format!("/contents/{i}"), b))
            .collect(),
        _ => vec![(String::new(), value)],
    };
    for (at, bubble) in bubbles {
        for block in ["header", "hero", "body", "footer"] {
            let background = bubble
                .pointer(&format!("/styles/{block}/backgroundColor"))
                .and_then(Value::as_str)
                .unwrap_or("#FFFFFF");
            if let Some(node) = bubble.get(block) {
                lint(node, &format!("{at}/{block}"), background, &mut found);
            }
        }
    }
    found
}

fn opaque(colour: &str) -> Option<&str> {
    match colour.len() {
        7 => Some(colour),
        9 if colour[7..].eq_ignore_ascii_case("ff") => Some(&colour[..7]),
        _ => None,
    }
}

fn lint(node: &Value, pointer: &str, background: &str, found: &mut Vec<Problem>) {
    let str_at = |key: &str| node.get(key).and_then(Value::as_str);
    let mut push = |message: String| {
        found.push(Problem {
            pointer: pointer.to_owned(),
            node: pointer.to_owned(),
            message,
        })
    };
    let background = str_at("backgroundColor")
        .and_then(opaque)
        .unwrap_or(background);
    match str_at("type").and_then(NodeKind::from_type_name) {
        Some(NodeKind::Text) => {
            let colour = str_at("color").and_then(opaque).unwrap_or("#111111");
            if let Some(ratio) = model::survey::contrast_ratio(colour, background)
                && ratio < 4.5
            {
                push(format!(
                    "文字色 {colour} と背景 {background} のコントラストが {ratio:.1}:1 です。4.5:1 以上にすると読みやすくなります。"
                ));
            }
            if matches!(str_at("size"), Some("xxs" | "xs")) {
                push("文字が小さすぎます（sm 以上を推奨）。".to_owned());
            }
        }
        Some(NodeKind::Button) => {
            let label = node
                .pointer("/action/label")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if VAGUE_LABELS.contains(&label.trim()) {
                push(format!(
                    "ボタン「{label}」は読み上げだけでは行き先が分かりません。「申込フォームを開く」のように具体的に書いてください。"
                ));
            }
        }
        Some(NodeKind::Image | NodeKind::Box)
            if node.get("action").is_some()
                && node
                    .pointer("/action/label")
                    .and_then(Value::as_str)
                    .is_none_or(|l| l.trim().is_empty()) =>
        {
            push(
                "タップできる画像・ボックスにラベルがありません。動作のラベルに行き先を書くと読み上げで伝わります。".to_owned(),
            );
        }
        _ => {}
    }
    if let Some(items) = node.get("contents").and_then(Value::as_array) {
        for (i, child) in items.iter().enumerate() {
            lint(child, &format!("{pointer}/contents/{i}"), background, found);
        }
    }
}

/// The problems list: LINE's (must be fixed before sending) and accessibility (advice).
#[component]
pub fn Problems() -> impl IntoView {
    let doc = FlexDoc::use_context();
    let rules = Memo::new(move |_| {
        let value = doc.value.get();
        let prefix = format!("messages[{}]", doc.index);
        let mut problems: Vec<Problem> = doc.draft.violations.with(|all| {
            all.iter()
                .filter(|v| v.path.starts_with(&prefix))
                .map(|v| {
                    let pointer = pointer_from_path(&v.path, doc.index).unwrap_or_default();
                    // The list shows where by pointer: the validator's own path is left out.
                    let full = v.message_ja();
                    let said = full
                        .strip_prefix(&format!("{}: ", v.path))
                        .unwrap_or(&full)
                        .to_owned();
                    let message = if v.path.ends_with(".altText") {
                        format!("代替テキスト：{said}")
                    } else if pointer.is_empty() {
                        full
                    } else {
                        said
                    };
                    Problem {
                        node: node_of(&value, &pointer),
                        pointer,
                        message,
                    }
                })
                .collect()
        });
        problems.extend(check(&value).into_iter().map(|p| Problem {
            node: node_of(&value, &p.pointer),
            pointer: p.pointer,
            message: p.message,
        }));
        problems
    });
    let hints = Memo::new(move |_| doc.value.with(accessibility));
    let item = move |p: Problem| {
        let shown = if p.pointer.is_empty() {
            String::new()
        } else {
            p.pointer.clone()
        };
        let node = p.node.clone();
        view! {
            <li>
                <button
                    type="button"
                    class="link-button"
                    on:click=move |_| doc.select(node.clone())
                >
                    {p.message}
                    {(!shown.is_empty())
                        .then(|| view! { <code class="flex-pointer">{shown}</code> })}
                </button>
            </li>
        }
    };
    view! {
        <section class="flex-problems" aria-labelledby=format!("flex-problems-{}", doc.index)>
            <h4 id=format!("flex-problems-{}", doc.index)>"チェック"</h4>
            <div data-testid="flex-problems">
                {move || {
                    let all = rules.get();
                    if all.is_empty() {
                        view! { <p class="ok">"LINE に送れる形です。"</p> }.into_any()
                    } else {
                        view! {
                            <p class="field-error">
                                {format!(
                                    "送る前に直すところが{}件あります（押すとその部品を選びます）。",
                                    all.len(),
                                )}
                            </p>
                            <ul class="flex-problem-list">
                                {all.into_iter().map(item).collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                }}
            </div>
            <div data-testid="flex-a11y">
                {move || {
                    let all = hints.get();
                    (!all.is_empty())
                        .then(|| {
                            view! {
                                <p class="field-warning">
                                    {format!(
                                        "読みやすさの助言が{}件あります（送ることはできます）。",
                                        all.len(),
                                    )}
                                </p>
                                <ul class="flex-problem-list">
                                    {all.into_iter().map(item).collect_view()}
                                </ul>
                            }
                        })
                }}
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_title_is_the_first_text_of_the_first_bubble() {
        let v = json!({"type": "carousel", "contents": [{"type": "bubble",
        "body": {"type": "box", "layout": "vertical", "contents": [
            {"type": "box", "layout": "vertical", "contents": [{"type": "text", "text": " 防災訓練 "}]}
        ]}}]});
        assert_eq!(title_of(&v).as_deref(), Some("防災訓練"));
    }

    #[test]
    fn pale_text_small_text_and_vague_buttons_are_pointed_at() {
        let v = json!({"type": "bubble",
        "styles": {"body": {"backgroundColor": "#000000"}},
        "body": {"type": "box", "layout": "vertical", "contents": [
            {"type": "text", "text": "a", "color": "#333333"},
            {"type": "text", "text": "b", "color": "#FFFFFF", "size": "xs"},
            {"type": "button", "action": {"type": "uri", "label": "こちら", "uri": "https://example.jp"}},
            {"type": "image", "url": "https://example.jp/a.png", "action": {"type": "uri", "uri": "https://example.jp"}}
        ]}});
        let found: Vec<_> = accessibility(&v).into_iter().map(|p| p.pointer).collect();
        assert_eq!(
            found,
            [
                "/body/contents/0",
                "/body/contents/1",
                "/body/contents/2",
                "/body/contents/3"
            ]
        );
    }

    #[test]
    fn a_property_problem_selects_its_node() {
        let v = json!({"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [
            {"type": "image", "url": "http://example.jp/a.png"}]}});
        assert_eq!(node_of(&v, "/body/contents/0/url"), "/body/contents/0");
        assert_eq!(node_of(&v, "/styles/body/backgroundColor"), "");
    }
}

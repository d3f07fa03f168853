//! 「かんたん入力」: the parts of the message a member of staff fills in — titles, facts such as
//! 日時 and 場所, paragraphs, images, buttons — found in the message itself and named the way
//! they read in it, so a gallery template, a department's own template and a message pasted
//! from LINE's simulator all get a plain form, and layout changes never leave it stale.

use leptos::prelude::*;
use serde_json::Value;

use super::FlexDoc;
use super::ops;
use crate::components::composer::fields::TextField;
use crate::components::composer::media_picker::{ImagePicker, PickedImage};

/// A row's first text names the value beside it when it is this short (日時, 場所, 締切...).
const MAX_ROW_LABEL: usize = 8;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FieldKind {
    Line,
    Paragraph,
    Image,
    Link,
}

/// One part to fill in: property `property` (a relative pointer) of the node at `pointer`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Field {
    pub pointer: String,
    pub property: &'static str,
    pub label: String,
    pub kind: FieldKind,
}

/// The fields of each bubble, in reading order.
pub(crate) fn fields(root: &Value) -> Vec<(String, Vec<Field>)> {
    let str_at = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    match str_at(root, "type").as_deref() {
        Some("carousel") => root
            .get("contents")
            .and_then(Value::as_array)
            .map(|bubbles| {
                bubbles
                    .iter()
                    .enumerate()
                    .map(|(i, b)| {
                        (
                            format!("{}枚目", i + 1),
                            bubble_fields(b, &format!("/contents/{i}")),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => vec![(String::new(), bubble_fields(root, ""))],
    }
}

struct Walk {
    fields: Vec<Field>,
    titled: bool,
    paragraphs: usize,
    buttons: usize,
    images: usize,
}

fn bubble_fields(bubble: &Value, at: &str) -> Vec<Field> {
    let mut walk = Walk {
        fields: Vec::new(),
        titled: false,
        paragraphs: 0,
        buttons: 0,
        images: 0,
    };
    for block in ["header", "hero", "body", "footer"] {
        if let Some(node) = bubble.get(block) {
            visit(node, &format!("{at}/{block}"), None, &mut walk);
        }
    }
    walk.fields
}

fn text_of(node: &Value) -> &str {
    node.get("text").and_then(Value::as_str).unwrap_or_default()
}

fn is_text(node: &Value) -> bool {
    node.get("type").and_then(Value::as_str) == Some("text")
}

/// `row_label`: the name a row's first text gives the values after it.
fn visit(node: &Value, pointer: &str, row_label: Option<&str>, walk: &mut Walk) {
    match node.get("type").and_then(Value::as_str) {
        Some("text") => {
            if node
                .get("contents")
                .and_then(Value::as_array)
                .is_some_and(|s| !s.is_empty())
            {
                // Text made of spans: each span is a part of the same sentence.
                if let Some(spans) = node.get("contents").and_then(Value::as_array) {
                    for (i, _) in spans.iter().enumerate() {
                        walk.fields.push(Field {
                            pointer: format!("{pointer}/contents/{i}"),
                            property: "text",
                            label: format!("文の一部 {}", i + 1),
                            kind: FieldKind::Line,
                        });
                    }
                }
                return;
            }
            let wraps = node.get("wrap").and_then(Value::as_bool) == Some(true);
            let label = if let Some(name) = row_label {
                name.to_owned()
            } else if !walk.titled {
                walk.titled = true;
                "タイトル".to_owned()
            } else if node.get("weight").and_then(Value::as_str) == Some("bold") {
                "見出し".to_owned()
            } else {
                walk.paragraphs += 1;
                if walk.paragraphs == 1 {
                    "本文".to_owned()
                } else {
                    format!("本文 {}", walk.paragraphs)
                }
            };
            walk.fields.push(Field {
                pointer: pointer.to_owned(),
                property: "text",
                label,
                kind: if wraps {
                    FieldKind::Paragraph
                } else {
                    FieldKind::Line
                },
            });
        }
        Some("image") => {
            walk.images += 1;
            walk.fields.push(Field {
                pointer: pointer.to_owned(),
                property: "url",
                label: if walk.images == 1 {
                    "画像".to_owned()
                } else {
                    format!("画像 {}", walk.images)
                },
                kind: FieldKind::Image,
            });
        }
        Some("button") => {
            walk.buttons += 1;
            let n = walk.buttons;
            walk.fields.push(Field {
                pointer: pointer.to_owned(),
                property: "action/label",
                label: format!("ボタン{n}の文字"),
                kind: FieldKind::Line,
            });
            if node.pointer("/action/type").and_then(Value::as_str) == Some("uri") {
                walk.fields.push(Field {
                    pointer: pointer.to_owned(),
                    property: "action/uri",
                    label: format!("ボタン{n}のリンク先（URL・tel:電話番号）"),
                    kind: FieldKind::Link,
                });
            }
        }
        Some("box") => {
            let Some(items) = node.get("contents").and_then(Value::as_array) else {
                return;
            };
            let row = node.get("layout").and_then(Value::as_str) != Some("vertical");
            // A row "日時 | 12月5日（土）": its first short text names the values after it.
            let name = (row && items.len() >= 2 && is_text(&items[0]))
                .then(|| text_of(&items[0]).trim())
                .filter(|t| !t.is_empty() && t.chars().count() <= MAX_ROW_LABEL)
                .map(str::to_owned);
            for (i, child) in items.iter().enumerate() {
                let at = format!("{pointer}/contents/{i}");
                match (&name, i) {
                    (Some(n), 0) => walk.fields.push(Field {
                        pointer: at,
                        property: "text",
                        label: format!("項目名（{n}）"),
                        kind: FieldKind::Line,
                    }),
                    (Some(n), _) => visit(child, &at, Some(n), walk),
                    (None, _) => visit(child, &at, row_label, walk),
                }
            }
        }
        _ => {}
    }
}

/// The form of the whole message.
#[component]
pub fn FormMode() -> impl IntoView {
    let doc = FlexDoc::use_context();
    // Drawn anew when the parts change, never while staff type in one.
    let layout = Memo::new(move |_| doc.value.with(fields));
    view! {
        <div class="flex-form" data-testid="flex-form">
            <p class="hint">
                "文字や画像、ボタンを入れ替えるだけでメッセージができます。色や配置を変えたり部品を足したりするときは「レイアウト」を開いてください。"
            </p>
            {move || {
                let groups = layout.get();
                if groups.iter().all(|(_, f)| f.is_empty()) {
                    return view! {
                        <p class="hint">
                            "入力できる部品がありません。「テンプレートから選ぶ」で形を選ぶか、「レイアウト」で部品を追加してください。"
                        </p>
                    }
                        .into_any();
                }
                groups
                    .into_iter()
                    .map(|(name, list)| {
                        let inner = list.into_iter().map(|f| field(doc, f)).collect_view();
                        if name.is_empty() {
                            view! { <div class="flex-form-fields">{inner}</div> }.into_any()
                        } else {
                            view! {
                                <fieldset class="flex-form-fields">
                                    <legend>{name}</legend>
                                    {inner}
                                </fieldset>
                            }
                                .into_any()
                        }
                    })
                    .collect_view()
                    .into_any()
            }}
        </div>
    }
}

fn field(doc: FlexDoc, f: Field) -> impl IntoView {
    let at = format!("{}/{}", f.pointer, f.property);
    let value = Signal::derive(move || {
        doc.value.with(|v| {
            v.pointer(&at)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        })
    });
    let path = format!("{}.{}", doc.path(&f.pointer), f.property.replace('/', "."));
    let set = {
        let pointer = f.pointer.clone();
        let property = f.property;
        Callback::new(move |v: String| {
            doc.edit(|root| {
                ops::set_property(root, &pointer, property, Some(Value::String(v))).then_some(())
            });
        })
    };
    let focus_node = f.pointer.clone();
    let picker = (f.kind == FieldKind::Image).then(|| {
        view! {
            <ImagePicker
                label="画像ライブラリから選ぶ"
                on_pick=Callback::new(move |picked: PickedImage| set.run(picked.card_url))
            />
        }
    });
    let (max, multiline, inputmode) = match f.kind {
        FieldKind::Line => (400, false, None),
        FieldKind::Paragraph => (2000, true, None),
        FieldKind::Image | FieldKind::Link => (1000, false, Some("url")),
    };
    view! {
        <div class="flex-form-field" on:focusin=move |_| doc.select(focus_node.clone())>
            <TextField
                label=f.label
                path
                value
                on_input=set
                max
                multiline
                inputmode=inputmode.unwrap_or("text")
            />
            {picker}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_name_their_values_and_the_first_text_is_the_title() {
        let v = json!({"type": "bubble",
            "hero": {"type": "image", "url": "https://example.jp/a.png"},
            "body": {"type": "box", "layout": "vertical", "contents": [
                {"type": "text", "text": "秋の防災フェア", "weight": "bold"},
                {"type": "box", "layout": "baseline", "contents": [
                    {"type": "text", "text": "日時"},
                    {"type": "text", "text": "12月5日", "wrap": true}
                ]},
                {"type": "text", "text": "どなたでも", "wrap": true}
            ]},
            "footer": {"type": "box", "layout": "vertical", "contents": [
                {"type": "button", "action": {"type": "uri", "label": "申し込む", "uri": "https://example.jp"}}
            ]}
        });
        let found = fields(&v);
        let labels: Vec<_> = found[0]
            .1
            .iter()
            .map(|f| (f.label.as_str(), f.pointer.as_str(), f.property))
            .collect();
        assert_eq!(
            labels,
            [
                ("画像", "/hero", "url"),
                ("タイトル", "/body/contents/0", "text"),
                ("項目名（日時）", "/body/contents/1/contents/0", "text"),
                ("日時", "/body/contents/1/contents/1", "text"),
                ("本文", "/body/contents/2", "text"),
                ("ボタン1の文字", "/footer/contents/0", "action/label"),
                (
                    "ボタン1のリンク先（URL・tel:電話番号）",
                    "/footer/contents/0",
                    "action/uri"
                ),
            ]
        );
        assert_eq!(found[0].1[3].kind, FieldKind::Paragraph);
    }

    #[test]
    fn a_carousel_is_filled_in_bubble_by_bubble() {
        let bubble = json!({"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [{"type": "text", "text": "a"}]}});
        let v = json!({"type": "carousel", "contents": [bubble.clone(), bubble]});
        let found = fields(&v);
        assert_eq!(found.len(), 2);
        assert_eq!(found[1].0, "2枚目");
        assert_eq!(found[1].1[0].pointer, "/contents/1/body/contents/0");
    }
}

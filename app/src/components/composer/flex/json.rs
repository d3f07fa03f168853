//! The container's JSON beside the tree. Opened, it shows the JSON as it follows every edit,
//! drawn in parts (a carousel's bubbles, a bubble's blocks) so that typing into one bubble
//! redraws that part only: a textarea is rebuilt whole at every change, over 6,000 layout
//! objects for a 12-bubble carousel, several times a keystroke's budget. 「JSON を編集・貼り付け」
//! turns it into a box where what staff type or paste (from LINE's Flex Message Simulator,
//! another tool or a file) replaces the message at once when LINE would accept it. JSON that
//! does not read, or that LINE would refuse, shows its problems with their pointers and changes
//! nothing; a deprecated `spacer` is offered a conversion to margin. 「JSON を保存」 exports it.

use std::hash::{DefaultHasher, Hash, Hasher};

use leptos::prelude::*;
use line::flex_spec::{Fix, check, convert_spacers};
use line::message::Message;
use serde_json::Value;

use super::FlexDoc;

/// What pasted text holds: a container, or a whole Flex message (its alt text kept too).
fn read(text: &str) -> Result<(Value, Option<String>), String> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "JSON として読めません（{} 行 {} 列）。",
            e.line(),
            e.column()
        )
    })?;
    if value.get("type").and_then(Value::as_str) == Some("flex") {
        let alt = value
            .get("altText")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let contents = value
            .get("contents")
            .cloned()
            .ok_or("Flex メッセージに contents がありません。")?;
        return Ok((contents, alt));
    }
    Ok((value, None))
}

/// `serde_json::to_string_pretty(value)` in parts whose lines joined give it: each member of a
/// top-level object, and each item of a top-level array member (a carousel's bubbles) apart.
fn pretty_parts(value: &Value) -> Vec<String> {
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let indented = |text: String, by: &str| text.replace('\n', &format!("\n{by}"));
    let Value::Object(members) = value else {
        return vec![pretty(value)];
    };
    if members.is_empty() {
        return vec!["{}".into()];
    }
    let mut parts = vec!["{".to_owned()];
    let last = members.len() - 1;
    for (i, (key, member)) in members.iter().enumerate() {
        let key = serde_json::to_string(key).unwrap_or_default();
        let comma = if i < last { "," } else { "" };
        match member {
            Value::Array(items) if !items.is_empty() => {
                parts.push(format!("  {key}: ["));
                let last_item = items.len() - 1;
                for (j, item) in items.iter().enumerate() {
                    let comma = if j < last_item { "," } else { "" };
                    parts.push(format!("    {}{comma}", indented(pretty(item), "    ")));
                }
                parts.push(format!("  ]{comma}"));
            }
            _ => parts.push(format!(
                "  {key}: {}{comma}",
                indented(pretty(member), "  ")
            )),
        }
    }
    parts.push("}".into());
    parts
}

fn hash_of(text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

#[component]
pub fn JsonPanel() -> impl IntoView {
    let doc = FlexDoc::use_context();
    let pretty = move || {
        doc.value
            .with(|v| serde_json::to_string_pretty(v).unwrap_or_default())
    };
    let problems = RwSignal::new(Vec::<String>::new());
    let spacers = RwSignal::new(false);
    let notice = RwSignal::new(String::new());
    let problems_clear = move || {
        problems.set(Vec::new());
        spacers.set(false);
        notice.set(String::new());
    };
    // Nothing is written while the panel is closed; open, the parts that changed are.
    let open = RwSignal::new(false);
    let editing = RwSignal::new(false);
    let parts = move || {
        if !open.get() || editing.get() {
            return Vec::new();
        }
        doc.value.with(|v| {
            pretty_parts(v)
                .into_iter()
                .enumerate()
                .map(|(i, part)| (i, hash_of(&part), part))
                .collect::<Vec<_>>()
        })
    };
    let text = RwSignal::new(String::new());
    // The box follows edits made elsewhere, unless it holds staff's own unapplied text.
    let pending = RwSignal::new(false);
    Effect::new(move || {
        if !open.get() || !editing.get() {
            return;
        }
        let now = pretty();
        if !pending.get_untracked() {
            text.set(now);
        }
    });
    let start_editing = move |_| {
        pending.set(false);
        editing.set(true);
    };
    let stop_editing = move |_| {
        pending.set(false);
        problems_clear();
        editing.set(false);
    };
    let apply = move |raw: String| {
        notice.set(String::new());
        text.set(raw.clone());
        spacers.set(false);
        let (mut value, alt) = match read(&raw) {
            Ok(read) => read,
            Err(e) => {
                pending.set(true);
                editing.set(true);
                problems.set(vec![e]);
                return;
            }
        };
        let found = check(&value);
        if !found.is_empty() {
            pending.set(true);
            editing.set(true);
            spacers.set(found.iter().any(|p| p.fix == Some(Fix::SpacerToMargin)));
            problems.set(
                found
                    .into_iter()
                    .map(|p| {
                        let at = if p.pointer.is_empty() {
                            "/".to_owned()
                        } else {
                            p.pointer
                        };
                        format!("{}（{at}）", p.message)
                    })
                    .collect(),
            );
            return;
        }
        doc.new_step();
        let replaced = doc.edit(move |v| {
            *v = std::mem::take(&mut value);
            Some(())
        });
        if replaced.is_some() {
            if let Some(alt) = alt {
                doc.draft.edit(doc.index, |m| {
                    if let Message::Flex(f) = m {
                        f.alt_text = alt;
                    }
                });
            }
            pending.set(false);
            problems.set(Vec::new());
        } else {
            pending.set(true);
            editing.set(true);
            problems.set(vec![doc.refused.get_untracked().unwrap_or_default()]);
        }
    };
    let convert = move |_| {
        if let Ok((mut value, alt)) = read(&text.get_untracked()) {
            let n = convert_spacers(&mut value);
            let mut fixed = serde_json::to_string_pretty(&value).unwrap_or_default();
            if let Some(alt) = alt {
                fixed = serde_json::to_string_pretty(
                    &serde_json::json!({"type": "flex", "altText": alt, "contents": value}),
                )
                .unwrap_or_default();
            }
            apply(fixed);
            if problems.with_untracked(Vec::is_empty) {
                notice.set(format!("spacer を{n}件、余白に変換して読み込みました。"));
            }
        }
    };
    let on_file = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let file = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        if let Some(file) = file {
            leptos::task::spawn_local(async move {
                match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    Ok(content) => apply(content.as_string().unwrap_or_default()),
                    Err(_) => problems.set(vec!["ファイルを読めませんでした。".into()]),
                }
            });
        }
    };
    // The file's address is made when staff click (not at every edit).
    let download = move |ev: leptos::ev::MouseEvent| {
        use wasm_bindgen::JsCast;
        let json = doc.draft.read(doc.index, |m| {
            serde_json::to_string_pretty(m).unwrap_or_default()
        });
        let href = format!(
            "data:application/json;charset=utf-8,{}",
            js_sys::encode_uri_component(&json.unwrap_or_default())
        );
        if let Some(link) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlAnchorElement>().ok())
        {
            link.set_href(&href);
        }
    };
    let id = format!("flex-json-{}", doc.index);
    let file_id = format!("flex-json-file-{}", doc.index);
    view! {
        <details class="flex-json" data-testid="flex-json" prop:open=move || open.get()>
            // Opened and closed here (a click, or Enter or Space on the summary): `toggle`
            // does not bubble, and Leptos delegates the events it thinks do.
            <summary on:click=move |ev| {
                ev.prevent_default();
                open.update(|o| *o = !*o);
            }>"JSON（貼り付け・読み込み・保存）"</summary>
            <Show
                when=move || editing.get()
                fallback=move || {
                    view! {
                        <p class="hint">
                            "編集中のメッセージの Flex コンテナです。書き換えや貼り付けは「JSON を編集・貼り付け」から。"
                        </p>
                        <pre
                            class="code flex-json-view"
                            tabindex="0"
                            aria-label="Flex のコンテナの JSON"
                            data-testid="flex-json-view"
                        >
                            <For
                                each=parts
                                key=|(i, h, _)| (*i, *h)
                                children=|(_, _, part)| {
                                    view! { <span class="flex-json-part">{part}</span> }
                                }
                            />
                        </pre>
                    }
                }
            >
                <div class="field composer-field">
                    <label for=id
                        .clone()>
                        "Flex のコンテナ（バブルまたはカルーセル）。LINE の Flex Message Simulator の JSON を貼り付けると、そのまま読み込みます。"
                    </label>
                    <textarea
                        id=id.clone()
                        class="code"
                        rows="14"
                        readonly=doc.draft.readonly
                        data-testid="flex-json-text"
                        prop:value=move || text.get()
                        on:input=move |ev| apply(event_target_value(&ev))
                    ></textarea>
                </div>
            </Show>
            <div class="field composer-field">
                <div aria-live="polite" data-testid="flex-json-problems">
                    {move || {
                        problems
                            .get()
                            .into_iter()
                            .map(|p| view! { <p class="field-error">{p}</p> })
                            .collect_view()
                    }}
                    <p class="hint" role="status">
                        {move || notice.get()}
                    </p>
                    {move || {
                        spacers
                            .get()
                            .then(|| {
                                view! {
                                    <button
                                        type="button"
                                        class="button small"
                                        data-testid="flex-convert-spacers"
                                        on:click=convert
                                    >
                                        "spacer（廃止）を余白（margin）に変換して読み込む"
                                    </button>
                                }
                            })
                    }}
                </div>
            </div>
            <div class="toolbar small">
                {(!doc.draft.readonly)
                    .then(|| {
                        view! {
                            <Show
                                when=move || editing.get()
                                fallback=move || {
                                    view! {
                                        <button
                                            type="button"
                                            class="button small"
                                            data-testid="flex-json-edit"
                                            on:click=start_editing
                                        >
                                            "JSON を編集・貼り付け"
                                        </button>
                                    }
                                }
                            >
                                <button
                                    type="button"
                                    class="button ghost small"
                                    data-testid="flex-json-done"
                                    on:click=stop_editing
                                >
                                    "編集を終える"
                                </button>
                            </Show>
                            <label for=file_id.clone()>"JSON ファイルを読み込む"</label>
                            <input
                                id=file_id.clone()
                                type="file"
                                accept=".json,application/json"
                                on:change=on_file
                            />
                        }
                    })}
                <a
                    class="button ghost small"
                    href="#"
                    download="flex-message.json"
                    on:click=download
                >
                    "JSON を保存"
                </a>
            </div>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parts_joined_are_the_pretty_json() {
        let values = [
            serde_json::json!({"type": "carousel", "contents": [
                {"type": "bubble", "body": {"type": "box", "layout": "vertical", "contents": [
                    {"type": "text", "text": "一\n二 \"引用\""}]}},
                {"type": "bubble", "size": "kilo", "styles": {}, "footer": {"type": "box", "layout": "vertical", "contents": []}}
            ]}),
            serde_json::json!({"type": "bubble"}),
            serde_json::json!({}),
            serde_json::json!([1, {"a": [2]}]),
            serde_json::json!({"contents": [], "type": "carousel"}),
        ];
        for value in values {
            assert_eq!(
                pretty_parts(&value).join("\n"),
                serde_json::to_string_pretty(&value).unwrap()
            );
        }
        // A carousel's bubbles are parts of their own.
        let carousel = &pretty_parts(
            &serde_json::json!({"type": "carousel", "contents": [{"type": "bubble"}, {"type": "bubble"}]}),
        );
        assert_eq!(carousel.len(), 7, "{carousel:?}");
    }

    #[test]
    fn a_pasted_message_brings_its_alt_text() {
        let (contents, alt) =
            read(r#"{"type":"flex","altText":"お知らせ","contents":{"type":"bubble"}}"#).unwrap();
        assert_eq!(contents["type"], "bubble");
        assert_eq!(alt.as_deref(), Some("お知らせ"));
        assert!(read("{").unwrap_err().contains("1 行"));
    }
}

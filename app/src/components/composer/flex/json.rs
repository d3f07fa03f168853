//! The container's JSON beside the tree: it follows every edit, and what staff type or paste
//! into it (from LINE's Flex Message Simulator, another tool or a file) replaces the message
//! at once when LINE would accept it. JSON that does not read, or that LINE would refuse, shows
//! its problems with their pointers and changes nothing; a deprecated `spacer` is offered a
//! conversion to margin. 「JSON を保存」 exports it.

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

#[component]
pub fn JsonPanel() -> impl IntoView {
    let doc = FlexDoc::use_context();
    let pretty = move || {
        doc.value
            .with(|v| serde_json::to_string_pretty(v).unwrap_or_default())
    };
    let text = RwSignal::new(pretty());
    // Follow edits made elsewhere, unless the box holds staff's own unapplied text.
    let pending = RwSignal::new(false);
    Effect::new(move || {
        let now = pretty();
        if !pending.get_untracked() {
            text.set(now);
        }
    });
    let problems = RwSignal::new(Vec::<String>::new());
    let spacers = RwSignal::new(false);
    let notice = RwSignal::new(String::new());
    let apply = move |raw: String| {
        notice.set(String::new());
        text.set(raw.clone());
        spacers.set(false);
        let (mut value, alt) = match read(&raw) {
            Ok(read) => read,
            Err(e) => {
                pending.set(true);
                problems.set(vec![e]);
                return;
            }
        };
        let found = check(&value);
        if !found.is_empty() {
            pending.set(true);
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
    let download = move || {
        let json = doc.draft.read(doc.index, |m| {
            serde_json::to_string_pretty(m).unwrap_or_default()
        });
        format!(
            "data:application/json;charset=utf-8,{}",
            js_sys::encode_uri_component(&json.unwrap_or_default())
        )
    };
    let id = format!("flex-json-{}", doc.index);
    let file_id = format!("flex-json-file-{}", doc.index);
    view! {
        <details class="flex-json" data-testid="flex-json">
            <summary>"JSON（貼り付け・読み込み・保存）"</summary>
            <div class="field composer-field">
                <label for=id
                    .clone()>
                    "Flex のコンテナ（バブルまたはカルーセル）。LINE の Flex Message Simulator の JSON を貼り付けると、そのまま読み込みます。"
                </label>
                <textarea
                    id=id
                    class="code"
                    rows="14"
                    readonly=doc.draft.readonly
                    data-testid="flex-json-text"
                    prop:value=move || text.get()
                    on:input=move |ev| apply(event_target_value(&ev))
                ></textarea>
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
                            <label for=file_id.clone()>"JSON ファイルを読み込む"</label>
                            <input
                                id=file_id.clone()
                                type="file"
                                accept=".json,application/json"
                                on:change=on_file
                            />
                        }
                    })} <a class="button ghost small" href=download download="flex-message.json">
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
    fn a_pasted_message_brings_its_alt_text() {
        let (contents, alt) =
            read(r#"{"type":"flex","altText":"お知らせ","contents":{"type":"bubble"}}"#).unwrap();
        assert_eq!(contents["type"], "bubble");
        assert_eq!(alt.as_deref(), Some("お知らせ"));
        assert!(read("{").unwrap_err().contains("1 行"));
    }
}

//! The property panel: for the selected node, a typed control for every property LINE defines
//! for its kind, read from `line::flex_spec` (so a Flex update is a change of that table).
//! Keyword selects name LINE's default; sizes offer px or % only where LINE accepts them;
//! colours are `#RRGGBB` or `#RRGGBBAA`; actions go through the composer's action editor.
//! Every change applies at once (no Enter).

use leptos::prelude::*;
use line::compose::{ActionKind, ActionPlace};
use line::flex_spec::{Control, NodeKind, Property};
use line::message::Action;
use line::validate::MAX_FLEX_ACTION_LABEL;
use serde_json::{Value, json};

use super::FlexDoc;
use super::ops;
use crate::components::composer::action::ActionEditor;
use crate::components::composer::fields::{FieldErrors, SelectField, TextField, field_id};
use crate::components::composer::media_picker::{ImagePicker, PickedImage};

/// The panel of the selected node, drawn anew only when the selection or its kind changes.
#[component]
pub fn Panel() -> impl IntoView {
    let doc = FlexDoc::use_context();
    let selection = Memo::new(move |_| {
        let pointer = doc.selected();
        let kind = doc.value.with(|v| ops::kind_at(v, &pointer));
        (pointer, kind)
    });
    view! {
        <section class="flex-panel" aria-label="選んだ部品の設定" data-testid="flex-panel">
            {move || {
                let (pointer, kind) = selection.get();
                match kind {
                    Some(kind) => properties(doc, pointer, kind).into_any(),
                    None => {
                        view! {
                            <p class="hint">
                                "部品を選ぶと、ここで設定できます。"
                            </p>
                        }
                            .into_any()
                    }
                }
            }}
        </section>
    }
}

fn properties(doc: FlexDoc, pointer: String, kind: NodeKind) -> impl IntoView {
    let mut groups: Vec<(&'static str, Vec<&'static Property>)> = Vec::new();
    for p in kind.properties() {
        match groups.iter_mut().find(|(g, _)| *g == p.group) {
            Some((_, list)) => list.push(p),
            None => groups.push((p.group, vec![p])),
        }
    }
    let heading = format!("{}の設定", kind.name_ja());
    view! {
        <h4>{heading}</h4>
        {groups
            .into_iter()
            .map(|(group, props)| {
                let pointer = pointer.clone();
                view! {
                    <fieldset class="flex-group">
                        <legend>{group}</legend>
                        {props
                            .into_iter()
                            .map(|p| control(doc, pointer.clone(), kind, p))
                            .collect_view()}
                    </fieldset>
                }
            })
            .collect_view()}
    }
}

/// The control of one property of the node at `pointer`.
fn control(doc: FlexDoc, pointer: String, kind: NodeKind, prop: &'static Property) -> AnyView {
    let at = if pointer.is_empty() {
        format!("/{}", prop.name)
    } else {
        format!("{pointer}/{}", prop.name)
    };
    let current = Memo::new(move |_| doc.value.with(|v| v.pointer(&at).cloned()));
    let path = format!("{}.{}", doc.path(&pointer), prop.name.replace('/', "."));
    let set = {
        let pointer = pointer.clone();
        Callback::new(move |value: Option<Value>| {
            doc.edit(|root| ops::set_property(root, &pointer, prop.name, value).then_some(()));
        })
    };
    let text_of = move || {
        current.with(|v| match v {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        })
    };
    let label = if prop.required {
        format!("{}（必須）", prop.label)
    } else {
        prop.label.to_owned()
    };
    let help = (!prop.help.is_empty()).then_some(prop.help);
    match prop.control {
        Control::Keyword(values) => {
            let mut options: Vec<(String, String)> = Vec::new();
            if !prop.required {
                options.push((String::new(), default_label(prop)));
            }
            options.extend(values.iter().map(|v| (v.to_string(), v.to_string())));
            view! {
                <SelectField
                    label
                    path
                    options
                    value=Signal::derive(text_of)
                    on_change=Callback::new(move |v: String| {
                        set.run((!v.is_empty()).then_some(Value::String(v)));
                    })
                />
            }
            .into_any()
        }
        Control::Size { .. } => size_control(label, path, prop, Signal::derive(text_of), set),
        Control::Color => color_control(label, path, prop, Signal::derive(text_of), set),
        Control::Bool => {
            let options = vec![
                (String::new(), default_label(prop)),
                ("true".to_owned(), "はい（true）".to_owned()),
                ("false".to_owned(), "いいえ（false）".to_owned()),
            ];
            view! {
                <SelectField
                    label
                    path
                    options
                    value=Signal::derive(move || {
                        current
                            .with(|v| {
                                v.as_ref()
                                    .and_then(Value::as_bool)
                                    .map(|b| b.to_string())
                                    .unwrap_or_default()
                            })
                    })
                    on_change=Callback::new(move |v: String| {
                        set.run(
                            match v.as_str() {
                                "true" => Some(Value::Bool(true)),
                                "false" => Some(Value::Bool(false)),
                                _ => None,
                            },
                        );
                    })
                />
            }
            .into_any()
        }
        Control::Integer { min, max } => {
            let id = field_id(&path);
            view! {
                <div class="field composer-field number">
                    <label for=id.clone()>{label}</label>
                    <input
                        id=id
                        type="number"
                        inputmode="numeric"
                        min=min
                        max=max
                        step="1"
                        placeholder=prop.default.unwrap_or_default()
                        prop:value=text_of
                        on:input=move |ev| {
                            let text = event_target_value(&ev);
                            if text.trim().is_empty() {
                                set.run(None);
                            } else if let Ok(n) = text.trim().parse::<i64>() {
                                set.run(Some(json!(n.clamp(min, max))));
                            }
                        }
                    />
                    {help.map(|h| view! { <p class="hint">{h}</p> })}
                    <FieldErrors path />
                </div>
            }
            .into_any()
        }
        Control::Text { max, multiline } => view! {
            <TextField
                label
                path
                value=Signal::derive(text_of)
                on_input=Callback::new(move |v: String| {
                    set.run(
                        if v.is_empty() && !prop.required { None } else { Some(Value::String(v)) },
                    );
                })
                max=max.unwrap_or(2000)
                multiline
                hint=help.unwrap_or_default()
            />
        }
        .into_any(),
        Control::Url => view! {
            <TextField
                label
                path
                value=Signal::derive(text_of)
                on_input=Callback::new(move |v: String| set.run(Some(Value::String(v))))
                max=2000
                inputmode="url"
                hint=help.unwrap_or("https:// の URL")
            />
            <ImagePicker
                label="画像ライブラリから選ぶ"
                on_pick=Callback::new(move |picked: PickedImage| {
                    set.run(Some(Value::String(picked.card_url)));
                })
            />
        }
        .into_any(),
        Control::AspectRatio => view! {
            <TextField
                label
                path
                value=Signal::derive(text_of)
                on_input=Callback::new(move |v: String| {
                    set.run((!v.trim().is_empty()).then(|| Value::String(v.trim().to_owned())));
                })
                max=20
                hint=help.unwrap_or("幅:高さ（例 20:13、1:1）。空欄は既定（1:1）")
            />
        }
        .into_any(),
        Control::Action => action_control(doc, pointer, kind, prop, path, current, set),
    }
}

/// 「既定（md）」, or 「指定なし」 where LINE has no default.
fn default_label(prop: &Property) -> String {
    match prop.default {
        Some(d) => format!("既定（{d}）"),
        None => "指定なし".to_owned(),
    }
}

fn size_control(
    label: String,
    path: String,
    prop: &'static Property,
    value: Signal<String>,
    set: Callback<Option<Value>>,
) -> AnyView {
    let Control::Size {
        keywords,
        px,
        percent,
    } = prop.control
    else {
        return ().into_any();
    };
    // The select shows the keyword, or "px"/"%" with a number beside it.
    let unit = move || {
        let v = value.get();
        if px && v.ends_with("px") {
            "px"
        } else if percent && v.ends_with('%') {
            "%"
        } else {
            ""
        }
    };
    let number = move || {
        let v = value.get();
        v.trim_end_matches("px").trim_end_matches('%').to_owned()
    };
    let mut options: Vec<(String, String)> = Vec::new();
    if !prop.required {
        options.push((String::new(), default_label(prop)));
    }
    options.extend(keywords.iter().map(|k| (k.to_string(), k.to_string())));
    if px {
        options.push(("__px".into(), "px で指定".into()));
    }
    if percent {
        options.push(("__%".into(), "% で指定".into()));
    }
    let id = field_id(&path);
    let number_id = format!("{id}-number");
    let number_label = format!("{label}の数値");
    view! {
        <div class="flex-size">
            <SelectField
                label=label.clone()
                path=path.clone()
                options
                value=Signal::derive(move || match unit() {
                    "px" => "__px".to_owned(),
                    "%" => "__%".to_owned(),
                    _ => value.get(),
                })
                on_change=Callback::new(move |v: String| {
                    let n = number().parse::<f64>().unwrap_or(10.0);
                    set.run(
                        match v.as_str() {
                            "" => None,
                            "__px" => Some(Value::String(format!("{n}px"))),
                            "__%" => Some(Value::String(format!("{n}%"))),
                            k => Some(Value::String(k.to_owned())),
                        },
                    );
                })
            />
            {move || {
                let u = unit();
                (!u.is_empty())
                    .then(|| {
                        let number_id = number_id.clone();
                        view! {
                            <div class="field composer-field number">
                                <label for=number_id.clone()>{number_label.clone()}</label>
                                <input
                                    id=number_id
                                    type="number"
                                    min="0"
                                    step="1"
                                    prop:value=number
                                    on:input=move |ev| {
                                        let n = event_target_value(&ev);
                                        if let Ok(n) = n.trim().parse::<f64>() && n >= 0.0 {
                                            set.run(Some(Value::String(format!("{n}{u}"))));
                                        }
                                    }
                                />
                            </div>
                        }
                    })
            }}
        </div>
    }
    .into_any()
}

fn color_control(
    label: String,
    path: String,
    prop: &'static Property,
    value: Signal<String>,
    set: Callback<Option<Value>>,
) -> AnyView {
    let id = field_id(&path);
    let picker_id = format!("{id}-picker");
    let picker_label = format!("{label}を選ぶ");
    let swatch = move || {
        let v = value.get();
        if v.len() >= 7 && v.starts_with('#') {
            v[..7].to_lowercase()
        } else {
            prop.default
                .filter(|d| d.len() == 7)
                .unwrap_or("#000000")
                .to_lowercase()
        }
    };
    view! {
        <div class="field composer-field flex-color">
            <label for=id.clone()>{label}</label>
            <div class="flex-color-row">
                <input
                    id=picker_id
                    type="color"
                    aria-label=picker_label
                    prop:value=swatch
                    on:input=move |ev| {
                        let picked = event_target_value(&ev).to_uppercase();
                        let alpha = value
                            .get_untracked()
                            .get(7..9)
                            .map(str::to_owned)
                            .unwrap_or_default();
                        set.run(Some(Value::String(format!("{picked}{alpha}"))));
                    }
                />
                <input
                    id=id
                    class="code"
                    size="10"
                    maxlength="9"
                    placeholder=prop.default.unwrap_or("#RRGGBB")
                    prop:value=move || value.get()
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        set.run((!v.trim().is_empty()).then(|| Value::String(v.trim().to_owned())));
                    }
                />
                <button
                    type="button"
                    class="button ghost small"
                    disabled=move || value.get().is_empty()
                    on:click=move |_| set.run(None)
                >
                    "既定に戻す"
                </button>
            </div>
            <p class="hint">"#RRGGBB または透明度付きの #RRGGBBAA"</p>
            <FieldErrors path />
        </div>
    }
    .into_any()
}

fn action_control(
    doc: FlexDoc,
    pointer: String,
    kind: NodeKind,
    prop: &'static Property,
    path: String,
    current: Memo<Option<Value>>,
    set: Callback<Option<Value>>,
) -> AnyView {
    let action = Memo::new(move |_| {
        current.with(|v| {
            v.clone()
                .and_then(|v| serde_json::from_value::<Action>(v).ok())
        })
    });
    let on_change = Callback::new(move |a: Action| set.run(serde_json::to_value(a).ok()));
    let editor = {
        let path = path.clone();
        move || {
            action.get().map(|_| {
                view! {
                    <ActionEditor
                        path=path.clone()
                        place=ActionPlace::Template
                        value=Signal::derive(move || {
                            action.get().unwrap_or_else(|| ActionKind::Uri.new_action())
                        })
                        on_change
                        legend=prop.label
                        label_optional=kind != NodeKind::Button
                        label_max=MAX_FLEX_ACTION_LABEL
                    />
                }
            })
        }
    };
    let _ = pointer;
    if prop.required {
        return view! { <div class="flex-action">{editor}</div> }.into_any();
    }
    let id = format!("{}-on", field_id(&path));
    view! {
        <div class="flex-action">
            <div class="field check">
                <input
                    id=id.clone()
                    type="checkbox"
                    disabled=doc.draft.readonly
                    prop:checked=move || action.get().is_some()
                    on:change=move |ev| {
                        if event_target_checked(&ev) {
                            on_change.run(ActionKind::Uri.new_action());
                        } else {
                            set.run(None);
                        }
                    }
                />
                <label for=id>{format!("{}を付ける", prop.label)}</label>
            </div>
            {editor}
        </div>
    }
    .into_any()
}

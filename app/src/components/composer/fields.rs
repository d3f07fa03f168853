//! The composer's building blocks: its shared state ([`Draft`]) and the labelled inputs every
//! form is made of. Each input shows LINE's limit as a counter and, beside it, the problems
//! `line::validate` finds at its JSON path, in Japanese.

use leptos::prelude::*;
use line::message::Message;
use line::validate::Violation;

/// One composer's state, handed to every form through context.
#[derive(Clone, Copy)]
pub struct Draft {
    pub messages: RwSignal<Vec<Message>>,
    /// LINE's rules over the whole list, recomputed as staff type (the server applies the same).
    pub violations: Memo<Vec<Violation>>,
    pub readonly: bool,
}

impl Draft {
    pub fn new(messages: RwSignal<Vec<Message>>, readonly: bool) -> Self {
        let violations = Memo::new(move |_| messages.with(|m| line::validate::messages(m)));
        Self {
            messages,
            violations,
            readonly,
        }
    }

    pub fn use_context() -> Self {
        expect_context::<Draft>()
    }

    /// Reads from message `index` (tracked), `None` once it is gone.
    pub fn read<R>(&self, index: usize, f: impl FnOnce(&Message) -> R) -> Option<R> {
        self.messages.with(|m| m.get(index).map(f))
    }

    /// Changes message `index` in place.
    pub fn edit(&self, index: usize, f: impl FnOnce(&mut Message)) {
        self.messages.update(|m| {
            if let Some(message) = m.get_mut(index) {
                f(message);
            }
        });
    }

    /// The Japanese messages of the violations at exactly `path`.
    pub fn errors_at(&self, path: &str) -> Vec<String> {
        self.errors(path, false)
    }

    /// The violations at `path`, or (`nested`) at it and anywhere inside it.
    pub fn errors(&self, path: &str, nested: bool) -> Vec<String> {
        self.violations.with(|all| {
            all.iter()
                .filter(|v| {
                    v.path == path
                        || (nested
                            && v.path.starts_with(path)
                            && v.path[path.len()..].starts_with(['.', '[']))
                })
                .map(Violation::message_ja)
                .collect()
        })
    }
}

/// An element id made from a JSON path (`messages[0].text` → `f-messages-0-text`).
pub fn field_id(path: &str) -> String {
    let mut id = String::from("f-");
    for c in path.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c);
        } else if !id.ends_with('-') {
            id.push('-');
        }
    }
    id.trim_end_matches('-').to_owned()
}

/// Length as LINE counts it (UTF-16 code units, as `line::validate` does).
pub fn line_length(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The problems at `path`, announced to screen readers as they appear.
#[component]
pub fn FieldErrors(
    #[prop(into)] path: String,
    /// Also the problems inside it (a JSON editor shows all of its message's).
    #[prop(optional)]
    nested: bool,
) -> impl IntoView {
    let draft = Draft::use_context();
    let id = format!("{}-errors", field_id(&path));
    view! {
        <div class="composer-errors" id=id aria-live="polite">
            {move || {
                draft
                    .errors(&path, nested)
                    .into_iter()
                    .map(|e| view! { <p class="field-error">{e}</p> })
                    .collect_view()
            }}
        </div>
    }
}

/// A labelled text input (or textarea) with a counter against LINE's `max`.
#[component]
pub fn TextField(
    #[prop(into)] label: String,
    /// The JSON path of the value (for its id and its errors).
    #[prop(into)]
    path: String,
    #[prop(into)] value: Signal<String>,
    on_input: Callback<String>,
    max: usize,
    #[prop(optional)] multiline: bool,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional, into)] placeholder: Option<String>,
    /// `url`, `tel`... for the on-screen keyboard.
    #[prop(optional)]
    inputmode: Option<&'static str>,
) -> impl IntoView {
    let draft = Draft::use_context();
    let id = field_id(&path);
    let described = format!("{id}-errors {id}-count");
    let count_id = format!("{id}-count");
    let has_error = {
        let path = path.clone();
        move || !draft.errors_at(&path).is_empty()
    };
    let input = move |ev: leptos::ev::Event| on_input.run(event_target_value(&ev));
    let control = if multiline {
        view! {
            <textarea
                id=id.clone()
                rows="4"
                readonly=draft.readonly
                aria-describedby=described.clone()
                aria-invalid=move || has_error().to_string()
                placeholder=placeholder.clone()
                prop:value=move || value.get()
                on:input=input
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=id.clone()
                readonly=draft.readonly
                inputmode=inputmode
                aria-describedby=described.clone()
                aria-invalid=move || has_error().to_string()
                placeholder=placeholder.clone()
                prop:value=move || value.get()
                on:input=input
            />
        }
        .into_any()
    };
    view! {
        <div class="field composer-field">
            <label for=id>{label}</label>
            {control}
            <p class="hint counter" id=count_id>
                {move || format!("{} / {max}", line_length(&value.get()))}
                {hint.map(|h| format!("　{h}"))}
            </p>
            <FieldErrors path />
        </div>
    }
}

/// A text field for an optional value: empty means "not set" (`None`).
#[component]
pub fn OptionalTextField(
    #[prop(into)] label: String,
    #[prop(into)] path: String,
    #[prop(into)] value: Signal<Option<String>>,
    on_input: Callback<Option<String>>,
    max: usize,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(optional)] inputmode: Option<&'static str>,
) -> impl IntoView {
    view! {
        <TextField
            label
            path
            value=Signal::derive(move || value.get().unwrap_or_default())
            on_input=Callback::new(move |v: String| { on_input.run((!v.is_empty()).then_some(v)) })
            max
            hint=hint.unwrap_or_default()
            inputmode=inputmode.unwrap_or("text")
        />
    }
}

/// A number input; what does not parse is left as it was (the field shows the error).
#[component]
pub fn NumberField(
    #[prop(into)] label: String,
    #[prop(into)] path: String,
    #[prop(into)] value: Signal<f64>,
    on_input: Callback<f64>,
    #[prop(optional, into)] step: Option<String>,
    #[prop(optional)] min: Option<f64>,
    #[prop(optional)] max: Option<f64>,
) -> impl IntoView {
    let draft = Draft::use_context();
    let id = field_id(&path);
    let described = format!("{id}-errors");
    view! {
        <div class="field composer-field number">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type="number"
                step=step.unwrap_or_else(|| "1".into())
                min=min
                max=max
                readonly=draft.readonly
                aria-describedby=described
                prop:value=move || value.get().to_string()
                on:input=move |ev| {
                    if let Ok(n) = event_target_value(&ev).trim().parse::<f64>() {
                        on_input.run(n);
                    }
                }
            />
            <FieldErrors path />
        </div>
    }
}

/// A select over `(value, label)` pairs.
#[component]
pub fn SelectField(
    #[prop(into)] label: String,
    #[prop(into)] path: String,
    options: Vec<(String, String)>,
    #[prop(into)] value: Signal<String>,
    on_change: Callback<String>,
) -> impl IntoView {
    let draft = Draft::use_context();
    let id = field_id(&path);
    view! {
        <div class="field composer-field">
            <label for=id.clone()>{label}</label>
            <select
                id=id
                disabled=draft.readonly
                prop:value=move || value.get()
                on:change=move |ev| on_change.run(event_target_value(&ev))
            >
                {options
                    .into_iter()
                    .map(|(v, l)| {
                        let selected = v.clone();
                        view! {
                            <option value=v selected=move || value.get() == selected>
                                {l}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <FieldErrors path />
        </div>
    }
}

/// A checkbox that switches a part of a form on or off.
#[component]
pub fn Toggle(
    #[prop(into)] label: String,
    #[prop(into)] id: String,
    #[prop(into)] checked: Signal<bool>,
    on_change: Callback<bool>,
) -> impl IntoView {
    let draft = Draft::use_context();
    let for_id = id.clone();
    view! {
        <label class="composer-toggle" for=for_id>
            <input
                id=id
                type="checkbox"
                disabled=draft.readonly
                prop:checked=move || checked.get()
                on:change=move |ev| on_change.run(event_target_checked(&ev))
            />
            {label}
        </label>
    }
}

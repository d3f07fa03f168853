//! The one action editor: every place where staff set what a tap does (quick replies, template
//! buttons, carousel columns, later Flex and rich menus) uses it. The kinds offered are the ones
//! LINE allows in that place (`line::compose::ActionPlace`).

use leptos::prelude::*;
use line::compose::{ActionKind, ActionPlace};
use line::message::Action;
use line::validate::{
    MAX_ACTION_LABEL, MAX_ACTION_TEXT, MAX_CLIPBOARD_TEXT, MAX_POSTBACK_DATA, MAX_URI,
};

use super::fields::{OptionalTextField, SelectField, TextField, field_id};

/// The tabs a 「リッチメニューを切り替え」 action may switch to, as (alias, tab name), provided
/// as context by an editor of a menu with tabs: the action then offers them by name.
#[derive(Clone, Debug, Default)]
pub struct SwitchTargets(pub Vec<(String, String)>);

/// Edits one action at `path` (e.g. `messages[0].template.actions[1]`).
#[component]
pub fn ActionEditor(
    #[prop(into)] path: String,
    place: ActionPlace,
    #[prop(into)] value: Signal<Action>,
    on_change: Callback<Action>,
    #[prop(into)] legend: String,
    /// The label may be left out (a default action, an image carousel's column): empty is
    /// written as no label rather than an empty one, which LINE refuses.
    #[prop(optional)]
    label_optional: bool,
    /// Longest label (LINE's 20 unless the place says otherwise, e.g. 12 in image carousels).
    #[prop(optional)]
    label_max: Option<usize>,
    /// What the label is called and what it is for, where it is not a button's text (a rich
    /// menu area's label is read aloud, never shown).
    #[prop(optional)]
    label_caption: Option<(&'static str, &'static str)>,
) -> impl IntoView {
    let label = LabelRule {
        optional: label_optional,
        max: label_max.unwrap_or(MAX_ACTION_LABEL),
        caption: label_caption,
    };
    let kind = Memo::new(move |_| ActionKind::of(&value.get()));
    let kinds: Vec<(String, String)> = place
        .kinds()
        .iter()
        .map(|k| (k.id().to_owned(), k.name().to_owned()))
        .collect();
    // Changes one field of the current action.
    let change = move |f: Box<dyn FnOnce(&mut Action)>| {
        let mut action = value.get_untracked();
        f(&mut action);
        on_change.run(action);
    };
    let kind_path = format!("{path}.type");
    let fields_path = path.clone();
    view! {
        <fieldset class="composer-action" id=field_id(&path)>
            <legend>{legend}</legend>
            <SelectField
                label="タップしたときの動作"
                path=kind_path
                options=kinds
                value=Signal::derive(move || kind.get().id().to_owned())
                on_change=Callback::new(move |id: String| {
                    if let Some(k) = ActionKind::from_id(&id) {
                        on_change.run(ActionKind::convert(&value.get_untracked(), k));
                    }
                })
            />
            {move || {
                let path = fields_path.clone();
                action_fields(kind.get(), path, label, value, change)
            }}
        </fieldset>
    }
}

#[derive(Clone, Copy)]
struct LabelRule {
    optional: bool,
    max: usize,
    caption: Option<(&'static str, &'static str)>,
}

fn action_fields(
    kind: ActionKind,
    path: String,
    rule: LabelRule,
    value: Signal<Action>,
    change: impl Fn(Box<dyn FnOnce(&mut Action)>) + Copy + Send + Sync + 'static,
) -> AnyView {
    let label = {
        let path = format!("{path}.label");
        view! {
            <TextField
                label=match (rule.caption, rule.optional) {
                    (Some((caption, _)), _) => caption,
                    (None, true) => "ボタンの表示名（任意）",
                    (None, false) => "ボタンの表示名",
                }
                path=path
                value=Signal::derive(move || value.get().label().unwrap_or_default().to_owned())
                on_input=Callback::new(move |v: String| {
                    let label = (!(v.is_empty() && rule.optional)).then_some(v);
                    change(Box::new(move |a: &mut Action| a.set_label(label)))
                })
                max=rule.max
                hint=rule
                    .caption
                    .map_or("LINE では長いと途中で省略されます", |(_, hint)| hint)
            />
        }
    };
    let text_of = move |f: fn(&Action) -> Option<String>| {
        Signal::derive(move || f(&value.get()).unwrap_or_default())
    };
    let rest = match kind {
        ActionKind::Uri => view! {
            <TextField
                label="開く URL（https:// または tel:）"
                path=format!("{path}.uri")
                value=text_of(|a| match a {
                    Action::Uri { uri, .. } => Some(uri.clone()),
                    _ => None,
                })
                on_input=Callback::new(move |v: String| {
                    change(
                        Box::new(move |a: &mut Action| {
                            if let Action::Uri { uri, .. } = a {
                                *uri = v;
                            }
                        }),
                    )
                })
                max=MAX_URI
                inputmode="url"
                placeholder="https://www.city.example.lg.jp/"
            />
        }
        .into_any(),
        ActionKind::Message => view! {
            <TextField
                label="送信されるテキスト（利用者が送ったことになります）"
                path=format!("{path}.text")
                value=text_of(|a| match a {
                    Action::Message { text, .. } => Some(text.clone()),
                    _ => None,
                })
                on_input=Callback::new(move |v: String| {
                    change(
                        Box::new(move |a: &mut Action| {
                            if let Action::Message { text, .. } = a {
                                *text = v;
                            }
                        }),
                    )
                })
                max=MAX_ACTION_TEXT
            />
        }
        .into_any(),
        ActionKind::Postback => view! {
            <TextField
                label="データ（Webhook に届く値。利用者には見えません）"
                path=format!("{path}.data")
                value=text_of(|a| match a {
                    Action::Postback { data, .. } => Some(data.clone()),
                    _ => None,
                })
                on_input=Callback::new(move |v: String| {
                    change(
                        Box::new(move |a: &mut Action| {
                            if let Action::Postback { data, .. } = a {
                                *data = v;
                            }
                        }),
                    )
                })
                max=MAX_POSTBACK_DATA
            />
            <OptionalTextField
                label="トークに表示するテキスト（任意）"
                path=format!("{path}.displayText")
                value=Signal::derive(move || match value.get() {
                    Action::Postback { display_text, .. } => display_text,
                    _ => None,
                })
                on_input=Callback::new(move |v: Option<String>| {
                    change(
                        Box::new(move |a: &mut Action| {
                            if let Action::Postback { display_text, .. } = a {
                                *display_text = v;
                            }
                        }),
                    )
                })
                max=MAX_ACTION_TEXT
            />
        }
        .into_any(),
        ActionKind::DatetimePicker => view! {
            <TextField
                label="データ（Webhook に届く値）"
                path=format!("{path}.data")
                value=text_of(|a| match a {
                    Action::DatetimePicker { data, .. } => Some(data.clone()),
                    _ => None,
                })
                on_input=Callback::new(move |v: String| {
                    change(
                        Box::new(move |a: &mut Action| {
                            if let Action::DatetimePicker { data, .. } = a {
                                *data = v;
                            }
                        }),
                    )
                })
                max=MAX_POSTBACK_DATA
            />
            <SelectField
                label="選んでもらうもの"
                path=format!("{path}.mode")
                options=vec![
                    ("date".into(), "日付".into()),
                    ("time".into(), "時刻".into()),
                    ("datetime".into(), "日付と時刻".into()),
                ]
                value=text_of(|a| match a {
                    Action::DatetimePicker { mode, .. } => Some(mode.clone()),
                    _ => None,
                })
                on_change=Callback::new(move |v: String| {
                    change(
                        Box::new(move |a: &mut Action| {
                            if let Action::DatetimePicker { mode, .. } = a {
                                *mode = v;
                            }
                        }),
                    )
                })
            />
        }
        .into_any(),
        ActionKind::Clipboard => view! {
            <TextField
                label="コピーされるテキスト"
                path=format!("{path}.clipboardText")
                value=text_of(|a| match a {
                    Action::Clipboard { clipboard_text, .. } => Some(clipboard_text.clone()),
                    _ => None,
                })
                on_input=Callback::new(move |v: String| {
                    change(
                        Box::new(move |a: &mut Action| {
                            if let Action::Clipboard { clipboard_text, .. } = a {
                                *clipboard_text = v;
                            }
                        }),
                    )
                })
                max=MAX_CLIPBOARD_TEXT
                multiline=true
            />
        }
        .into_any(),
        ActionKind::RichMenuSwitch
            if use_context::<SwitchTargets>().is_some_and(|t| !t.0.is_empty()) =>
        {
            let targets = use_context::<SwitchTargets>().unwrap_or_default().0;
            let options = std::iter::once((String::new(), "選んでください".to_owned()))
                .chain(targets)
                .collect::<Vec<_>>();
            view! {
                <SelectField
                    label="切り替え先のタブ"
                    path=format!("{path}.richMenuAliasId")
                    options
                    value=text_of(|a| match a {
                        Action::RichMenuSwitch { rich_menu_alias_id, .. } => {
                            Some(rich_menu_alias_id.clone())
                        }
                        _ => None,
                    })
                    on_change=Callback::new(move |alias: String| {
                        change(
                            Box::new(move |a: &mut Action| {
                                if let Action::RichMenuSwitch { rich_menu_alias_id, data, .. } = a {
                                    *data = format!("tab={alias}");
                                    *rich_menu_alias_id = alias;
                                }
                            }),
                        )
                    })
                />
            }
            .into_any()
        }
        ActionKind::RichMenuSwitch => view! {
            <TextField
                label="切り替え先のリッチメニュー（エイリアス ID）"
                path=format!("{path}.richMenuAliasId")
                value=text_of(|a| match a {
                    Action::RichMenuSwitch { rich_menu_alias_id, .. } => {
                        Some(rich_menu_alias_id.clone())
                    }
                    _ => None,
                })
                on_input=Callback::new(move |v: String| {
                    change(
                        Box::new(move |a: &mut Action| {
                            if let Action::RichMenuSwitch { rich_menu_alias_id, .. } = a {
                                *rich_menu_alias_id = v;
                            }
                        }),
                    )
                })
                max=32
            />
            <TextField
                label="データ（Webhook に届く値）"
                path=format!("{path}.data")
                value=text_of(|a| match a {
                    Action::RichMenuSwitch { data, .. } => Some(data.clone()),
                    _ => None,
                })
                on_input=Callback::new(move |v: String| {
                    change(
                        Box::new(move |a: &mut Action| {
                            if let Action::RichMenuSwitch { data, .. } = a {
                                *data = v;
                            }
                        }),
                    )
                })
                max=MAX_POSTBACK_DATA
            />
        }
        .into_any(),
        ActionKind::Camera | ActionKind::CameraRoll | ActionKind::Location => view! {
            <p class="hint">
                "利用者の端末で開きます。表示名だけを設定します。"
            </p>
        }
        .into_any(),
    };
    view! {
        {label}
        {rest}
    }
    .into_any()
}

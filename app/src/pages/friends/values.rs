//! A friend's 属性 on their detail page: the form (or, for those who may only view, the values)
//! and the history of changes.

use leptos::prelude::*;
use leptos_router::components::A;
use model::attribute::TEXT_MAX_CHARS;
use model::status::AttributeKind;

use crate::api::{
    AppError, FriendAttributeField, FriendAttributes, HistoryRow, SaveFriendAttributes,
};
use crate::components::{AsyncView, DataTable, Outcome};

/// The 属性 section: `values` is read again after each successful `save`.
#[component]
pub fn FriendAttributesSection(
    values: Resource<Result<FriendAttributes, AppError>>,
    save: ServerAction<SaveFriendAttributes>,
    /// The form, emptied after each save before the values are read again.
    form: NodeRef<leptos::html::Form>,
    ch: String,
    friend_id: i64,
) -> impl IntoView {
    let settings = format!("/admin/friends/attributes?ch={ch}");
    view! {
        <section
            class="attributes"
            data-testid="friend-attributes"
            aria-labelledby="attributes-heading"
        >
            <h2 id="attributes-heading">"属性"</h2>
            <AsyncView resource=values let:values>
                {{
                    let fields = if values.fields.is_empty() {
                        view! {
                            <p class="hint">
                                "属性がまだありません。「友だち属性の設定」で、記録する項目（地区、生年月など）を追加してください。"
                            </p>
                        }
                            .into_any()
                    } else if values.can_edit {
                        view! {
                            <AttributeValuesForm
                                fields=values.fields
                                save
                                form
                                ch=ch.clone()
                                friend_id
                            />
                        }
                            .into_any()
                    } else {
                        view! { <AttributeValuesList fields=values.fields /> }.into_any()
                    };
                    view! {
                        {fields}
                        <AttributeHistory history=values.history />
                    }
                        .into_any()
                }}
            </AsyncView>
            <p>
                <A href=settings>"友だち属性の設定"</A>
            </p>
        </section>
    }
    .into_any()
}

#[component]
fn AttributeValuesList(fields: Vec<FriendAttributeField>) -> impl IntoView {
    view! {
        <dl class="profile">
            {fields
                .into_iter()
                .map(|f| {
                    let shown = if f.display.is_empty() {
                        "未設定".to_owned()
                    } else {
                        f.display
                    };
                    view! {
                        <dt>{f.label}</dt>
                        <dd>{shown} {f.age.map(|age| format!("（{age}）"))}</dd>
                    }
                })
                .collect_view()}
        </dl>
    }
    .into_any()
}

#[component]
fn AttributeValuesForm(
    fields: Vec<FriendAttributeField>,
    save: ServerAction<SaveFriendAttributes>,
    form: NodeRef<leptos::html::Form>,
    ch: String,
    friend_id: i64,
) -> impl IntoView {
    view! {
        <ActionForm action=save node_ref=form attr:class="stack panel">
            <input type="hidden" name="channel" value=ch />
            <input type="hidden" name="id" value=friend_id />
            {fields.into_iter().map(|field| view! { <AttributeField field /> }).collect_view()}
            <div class="toolbar">
                <button type="submit" class="button primary" disabled=move || save.pending().get()>
                    "属性を保存"
                </button>
            </div>
            <Outcome value=save.value() done="属性を保存しました。" />
        </ActionForm>
    }
    .into_any()
}

/// One attribute's control. Choice attributes send their id in `choice_ids[]` (so that clearing
/// every box clears the value) and each choice as `attribute:option` in `choices[]`; the others
/// their id in `text_ids[]` and their text at the same place in `texts[]`.
#[component]
fn AttributeField(field: FriendAttributeField) -> impl IntoView {
    let id = format!("attr-{}", field.id);
    let attribute_id = field.id;
    let option_label = |o: &crate::api::OptionRow| {
        if o.retired {
            format!("{}（使わない）", o.label)
        } else {
            o.label.clone()
        }
    };
    match field.kind {
        AttributeKind::SingleChoice => view! {
            <div class="field">
                <input type="hidden" name="choice_ids[]" value=attribute_id />
                <label for=id.clone()>{field.label}</label>
                <select id=id name="choices[]">
                    // Option 0: none (an empty value would not say which attribute to clear).
                    <option value=format!("{attribute_id}:0") selected=field.option_ids.is_empty()>
                        "未設定"
                    </option>
                    {field
                        .options
                        .iter()
                        .map(|o| {
                            view! {
                                <option
                                    value=format!("{attribute_id}:{}", o.id)
                                    selected=field.option_ids.contains(&o.id)
                                >
                                    {option_label(o)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
        }
        .into_any(),
        AttributeKind::MultiChoice => view! {
            <fieldset class="choices">
                <legend>{field.label}</legend>
                <input type="hidden" name="choice_ids[]" value=attribute_id />
                {if field.options.is_empty() {
                    view! {
                        <p class="hint">
                            "選択肢がありません。「友だち属性の設定」で追加してください。"
                        </p>
                    }
                        .into_any()
                } else {
                    field
                        .options
                        .iter()
                        .map(|o| {
                            view! {
                                <label class="checkbox">
                                    <input
                                        type="checkbox"
                                        name="choices[]"
                                        value=format!("{attribute_id}:{}", o.id)
                                        checked=field.option_ids.contains(&o.id)
                                    />
                                    {option_label(o)}
                                </label>
                            }
                        })
                        .collect_view()
                        .into_any()
                }}
            </fieldset>
        }
        .into_any(),
        kind => {
            let hint_id = format!("{id}-hint");
            let (input_type, hint) = match kind {
                AttributeKind::Number => ("text", Some("半角数字で入力します（例: 3、1.5）。")),
                AttributeKind::Date | AttributeKind::BirthDate => ("date", None),
                AttributeKind::BirthMonth => ("month", Some("例: 1980-04")),
                _ => ("text", None),
            };
            // The age is said after the hint, in the same description.
            let hint = match (hint, field.age) {
                (Some(hint), Some(age)) => Some(format!("{hint}　年齢: {age}")),
                (None, Some(age)) => Some(format!("年齢: {age}")),
                (hint, None) => hint.map(str::to_owned),
            };
            let described = hint.is_some().then(|| hint_id.clone());
            view! {
                <div class="field">
                    <input type="hidden" name="text_ids[]" value=attribute_id />
                    <label for=id.clone()>{field.label}</label>
                    <input
                        id=id
                        name="texts[]"
                        type=input_type
                        inputmode=(kind == AttributeKind::Number).then_some("decimal")
                        maxlength=(input_type == "text").then_some(TEXT_MAX_CHARS)
                        value=field.display
                        aria-describedby=described
                    />
                    {hint
                        .map(|hint| {
                            view! {
                                <p id=hint_id class="hint">
                                    {hint}
                                </p>
                            }
                        })}
                </div>
            }
            .into_any()
        }
    }
}

#[component]
fn AttributeHistory(history: Vec<HistoryRow>) -> impl IntoView {
    view! {
        <div data-testid="attribute-history">
            <h3>"変更履歴"</h3>
            {if history.is_empty() {
                view! { <p class="hint">"まだ変更はありません。"</p> }.into_any()
            } else {
                view! {
                    <DataTable
                        test_id="attribute-history-table"
                        headings=&[
                            "日時",
                            "属性",
                            "変更前",
                            "変更後",
                            "変更元",
                            "担当",
                        ]
                    >
                        {history
                            .into_iter()
                            .map(|h| {
                                view! {
                                    <tr>
                                        <td>{h.at}</td>
                                        <td>{h.attribute}</td>
                                        <td>{blank_as_unset(h.old_value)}</td>
                                        <td>{blank_as_unset(h.new_value)}</td>
                                        <td>{h.source.label_ja()}</td>
                                        <td>{h.username}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </DataTable>
                }
                    .into_any()
            }}
        </div>
    }
    .into_any()
}

fn blank_as_unset(value: String) -> String {
    if value.is_empty() {
        "（未設定）".to_owned()
    } else {
        value
    }
}

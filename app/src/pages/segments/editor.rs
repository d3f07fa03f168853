//! The segment editor: name, department and description, the conditions (the rule builder),
//! and beside them the audience on a chosen channel, counted again as staff edit.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use model::delivery::Target;
use model::segment::{NAME_MAX_CHARS, Rule};

use crate::api::{DeleteSegment, SaveSegment, SegmentDraft, SegmentEditor};
use crate::components::segment_rule::{AudienceCount, RuleBuilder};
use crate::components::{ConfirmDelete, Outcome, RedirectNotice};
use crate::layout::use_channel;

/// A segment's description, in characters (as the server checks).
const DESCRIPTION_MAX_CHARS: usize = 500;

#[component]
pub fn SegmentEditorForm(form: SegmentEditor) -> impl IntoView {
    let segment = form.segment.clone();
    let segment_id = segment.as_ref().map(|s| s.id);
    let heading = segment.as_ref().map_or_else(
        || "セグメントの作成".to_owned(),
        |s| format!("セグメント：{}", s.name),
    );
    let owner = segment.as_ref().map(|s| {
        format!(
            "所属部署：{}　最終更新：{}（{}）",
            s.department, s.updated_at, s.updated_by
        )
    });
    let readonly = Signal::stored(!form.can_edit);
    let version = RwSignal::new(segment.as_ref().map(|s| s.version));
    let name = RwSignal::new(segment.as_ref().map(|s| s.name.clone()).unwrap_or_default());
    let description = RwSignal::new(
        segment
            .as_ref()
            .map(|s| s.description.clone())
            .unwrap_or_default(),
    );
    // One department: it is the owner. Several: the user picks (no silent default).
    let single = (form.departments.len() == 1).then(|| form.departments[0].id);
    let department = RwSignal::new(segment.as_ref().map(|s| s.department_id).or(single));
    let rule = RwSignal::new(
        segment
            .as_ref()
            .map_or_else(Rule::empty, |s| s.rule.clone()),
    );
    let choices = Signal::stored(form.choices.clone());

    // The count is taken on the page's channel (?ch=), else the first.
    let selection = use_channel();
    let channels = form.channels.clone();
    let wanted = selection.key.get_untracked();
    let channel_id = RwSignal::new(
        channels
            .iter()
            .find(|c| c.key == wanted)
            .or_else(|| channels.first())
            .map(|c| c.id),
    );
    let target = Signal::derive(move || Target {
        rule: Some(rule.get()),
        ..Target::default()
    });

    let save = ServerAction::<SaveSegment>::new();
    let delete = ServerAction::<DeleteSegment>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            version.set(Some(saved.version));
            if segment_id.is_none() {
                navigate(
                    &format!("/admin/segments/{}?saved=1", saved.id),
                    Default::default(),
                );
            }
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if readonly.get_untracked() {
            return;
        }
        save.dispatch(SaveSegment {
            id: segment_id,
            version: version.get_untracked(),
            draft: SegmentDraft {
                department_id: department.get_untracked(),
                name: name.get_untracked(),
                description: description.get_untracked(),
                rule: rule.get_untracked(),
            },
        });
    };
    let departments = form.departments.clone();
    let no_departments = departments.is_empty();
    // Each part is erased to `AnyView`: one view type for the whole page would be too deep for
    // the compiler to lay out in the browser build.
    let fields = segment_fields(readonly, name, description, department, departments);
    let conditions = view! {
        <section class="panel stack" aria-labelledby="segment-rule-title">
            <h2 id="segment-rule-title">"条件"</h2>
            <p class="hint">
                "「すべて満たす」はすべての条件に当てはまる人、「いずれかを満たす」はどれか1つに当てはまる人です。グループを入れ子にすると「地区が那加 かつ（30代 または 40代）」のような条件を作れます。"
            </p>
            <RuleBuilder rule choices readonly id_prefix="segment-rule" />
        </section>
    }
    .into_any();
    let count = count_panel(channels, channel_id, target);
    let actions = form.can_edit.then(|| {
        view! {
            <div class="toolbar sticky-actions">
                <button
                    type="submit"
                    class="button primary"
                    data-testid="save-segment"
                    disabled=move || save.pending().get() || no_departments
                >
                    "保存"
                </button>
                <Outcome value=save.value() done="保存しました。" />
            </div>
        }
        .into_any()
    });
    let removal = segment_id.filter(|_| form.can_edit).map(|id| {
        view! {
            <ActionForm
                action=delete
                attr:class="panel inline-form"
                attr:data-testid="delete-segment"
            >
                <input type="hidden" name="id" value=id />
                <ConfirmDelete
                    statement="削除すると元に戻せないことを確認しました"
                    button="このセグメントを削除"
                />
            </ActionForm>
            <Outcome value=delete.value() done="削除しました。" />
        }
        .into_any()
    });
    let head = view! {
        <Title text=heading.clone() />
        <h1>{heading}</h1>
        <RedirectNotice param="saved" text="保存しました。" />
        {owner
            .map(|o| {
                view! {
                    <p class="hint" data-testid="segment-owner">
                        {o}
                    </p>
                }
            })}
        {(!form.can_edit)
            .then(|| {
                view! {
                    <p class="notice">
                        "閲覧のみです。セグメントを変更するには「セグメント 編集」の権限が必要です。"
                    </p>
                }
            })}
    }
    .into_any();
    view! {
        {head}
        <form class="stack" data-testid="segment-form" on:submit=submit>
            <div class="segment-editor">
                <div class="stack segment-main">{fields} {conditions}</div>
                {count}
            </div>
            {actions}
        </form>
        {removal}
    }
    .into_any()
}

/// Name, department and description.
fn segment_fields(
    readonly: Signal<bool>,
    name: RwSignal<String>,
    description: RwSignal<String>,
    department: RwSignal<Option<i64>>,
    departments: Vec<crate::api::DepartmentOption>,
) -> AnyView {
    let no_departments = departments.is_empty();
    view! {
        <div class="panel stack">
            <div class="field">
                <label for="segment-name">"セグメント名"</label>
                <input
                    id="segment-name"
                    required
                    maxlength=NAME_MAX_CHARS.to_string()
                    readonly=move || readonly.get()
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
            </div>
            <div class="field">
                <label for="segment-department">"所属部署"</label>
                <select
                    id="segment-department"
                    required
                    disabled=move || readonly.get()
                    on:change=move |ev| department.set(event_target_value(&ev).parse().ok())
                >
                    {department
                        .get_untracked()
                        .is_none()
                        .then(|| {
                            view! {
                                <option value="" disabled selected>
                                    "選んでください"
                                </option>
                            }
                        })}
                    {departments
                        .iter()
                        .map(|d| {
                            let id = d.id;
                            view! {
                                <option
                                    value=d.id.to_string()
                                    selected=move || department.get() == Some(id)
                                >
                                    {d.name.clone()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                {no_departments
                    .then(|| {
                        view! {
                            <p class="form-error">
                                "選べる部署がないため保存できません。部署がまだなければ作成を、担当部署が未設定なら設定を管理者に依頼してください。"
                            </p>
                        }
                    })}
            </div>
            <div class="field">
                <label for="segment-description">"説明（任意）"</label>
                <textarea
                    id="segment-description"
                    rows="2"
                    maxlength=DESCRIPTION_MAX_CHARS.to_string()
                    readonly=move || readonly.get()
                    prop:value=move || description.get()
                    on:input=move |ev| description.set(event_target_value(&ev))
                ></textarea>
            </div>
        </div>
    }
    .into_any()
}

/// The channel to count on, and the live count.
fn count_panel(
    channels: Vec<crate::api::SegmentChannel>,
    channel_id: RwSignal<Option<i64>>,
    target: Signal<Target>,
) -> AnyView {
    view! {
        <aside class="panel stack segment-side" aria-labelledby="segment-count-title">
            <h2 id="segment-count-title">"当てはまる人数"</h2>
            <div class="field">
                <label for="segment-channel">"数えるチャネル"</label>
                <select
                    id="segment-channel"
                    on:change=move |ev| channel_id.set(event_target_value(&ev).parse().ok())
                >
                    {channels
                        .iter()
                        .map(|c| {
                            let id = c.id;
                            view! {
                                <option
                                    value=c.id.to_string()
                                    selected=move || channel_id.get() == Some(id)
                                >
                                    {c.badge()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <AudienceCount channel_id=channel_id target />
        </aside>
    }
    .into_any()
}

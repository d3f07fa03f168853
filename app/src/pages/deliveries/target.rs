//! 配信対象: every following friend, or the friends in chosen saved segments and/or matching a
//! one-off condition set (the segments' rule builder), minus the friends of exclusion segments;
//! with the live audience count (asked again a moment after staff stop changing it) and a
//! sample of matching friends.

use leptos::prelude::*;
use model::delivery::Target;
use model::segment::Rule;

use super::editor::Page;
use crate::api::DeliverySegment;
use crate::components::segment_rule::{AudienceCount, RuleBuilder};

/// The target form's state.
#[derive(Clone, Copy)]
pub struct TargetState {
    pub all_friends: RwSignal<bool>,
    pub segment_ids: RwSignal<Vec<i64>>,
    /// Whether the one-off condition set is used (its rule is kept while it is off).
    pub use_rule: RwSignal<bool>,
    pub rule: RwSignal<Rule>,
    pub exclude_segment_ids: RwSignal<Vec<i64>>,
}

impl TargetState {
    pub fn new(target: &Target) -> Self {
        // A new delivery starts from nobody: staff choose (「すべての友だち」 is one click).
        Self {
            all_friends: RwSignal::new(target.all_friends),
            segment_ids: RwSignal::new(target.segment_ids.clone()),
            use_rule: RwSignal::new(target.rule.is_some()),
            rule: RwSignal::new(target.rule.clone().unwrap_or_else(Rule::empty)),
            exclude_segment_ids: RwSignal::new(target.exclude_segment_ids.clone()),
        }
    }

    /// The target the form says (tracked).
    pub fn target(&self) -> Target {
        let all_friends = self.all_friends.get();
        Target {
            all_friends,
            segment_ids: if all_friends {
                Vec::new()
            } else {
                self.segment_ids.get()
            },
            rule: (!all_friends && self.use_rule.get()).then(|| self.rule.get()),
            exclude_segment_ids: self.exclude_segment_ids.get(),
        }
    }
}

#[component]
pub fn TargetEditor(segments: Vec<DeliverySegment>, readonly: Signal<bool>) -> AnyView {
    let page = expect_context::<Page>();
    let state = page.target;
    let segments = StoredValue::new(segments);
    let radio = move |all: bool, id: &'static str, label: &'static str| {
        view! {
            <label class="checkbox" for=id>
                <input
                    type="radio"
                    id=id
                    name="target-kind"
                    prop:checked=move || state.all_friends.get() == all
                    disabled=readonly
                    on:change=move |_| state.all_friends.set(all)
                />
                {label}
            </label>
        }
    };
    view! {
        <fieldset class="choices" data-testid="target">
            <legend>"誰に送るか"</legend>
            <div class="delivery-radios">
                {radio(true, "target-all", "すべての友だち")}
                {radio(false, "target-some", "条件で絞り込む")}
            </div>
            {move || {
                (!state.all_friends.get())
                    .then(|| {
                        view! {
                            <SegmentChecks
                                legend="保存済みのセグメント（いずれかに当てはまる友だち）"
                                prefix="target-segment"
                                chosen=state.segment_ids
                                segments
                                readonly
                            />
                            <div class="stack delivery-rule">
                                <label class="checkbox" for="target-use-rule">
                                    <input
                                        type="checkbox"
                                        id="target-use-rule"
                                        prop:checked=move || state.use_rule.get()
                                        disabled=readonly
                                        on:change=move |ev| {
                                            state.use_rule.set(event_target_checked(&ev))
                                        }
                                    />
                                    "この配信だけの条件を使う（保存済みのセグメントに加えて、条件に当てはまる友だちにも送ります）"
                                </label>
                                {move || {
                                    state
                                        .use_rule
                                        .get()
                                        .then(|| view! { <OneOffRule rule=state.rule readonly /> })
                                }}
                            </div>
                        }
                    })
            }}
            <SegmentChecks
                legend="除外するセグメント（当てはまる友だちには送りません）"
                prefix="target-exclude"
                chosen=state.exclude_segment_ids
                segments
                readonly
            />
        </fieldset>
        <AudienceLine />
    }
    .into_any()
}

#[component]
fn SegmentChecks(
    legend: &'static str,
    prefix: &'static str,
    chosen: RwSignal<Vec<i64>>,
    segments: StoredValue<Vec<DeliverySegment>>,
    readonly: Signal<bool>,
) -> AnyView {
    let list = segments.get_value();
    view! {
        <fieldset class="choices delivery-segments">
            <legend>{legend}</legend>
            {if list.is_empty() {
                view! {
                    <p class="hint">
                        "保存済みのセグメントはありません。「セグメント」で作成すると、ここで選べます。"
                    </p>
                }
                    .into_any()
            } else {
                list.into_iter()
                    .map(|s| {
                        let id = format!("{prefix}-{}", s.id);
                        let label_for = id.clone();
                        let segment = s.id;
                        view! {
                            <label class="checkbox" for=label_for>
                                <input
                                    type="checkbox"
                                    id=id
                                    prop:checked=move || chosen.with(|c| c.contains(&segment))
                                    disabled=readonly
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen
                                            .update(|c| {
                                                c.retain(|x| *x != segment);
                                                if on {
                                                    c.push(segment);
                                                }
                                            });
                                    }
                                />
                                {s.name}
                                <span class="hint">{format!("（{}）", s.department)}</span>
                            </label>
                        }
                    })
                    .collect_view()
                    .into_any()
            }}
        </fieldset>
    }
    .into_any()
}

/// The one-off condition set, edited with the segments' rule builder.
#[component]
fn OneOffRule(rule: RwSignal<Rule>, readonly: Signal<bool>) -> AnyView {
    let page = expect_context::<Page>();
    let choices = page.rule_choices;
    view! {
        <RuleBuilder
            rule
            choices=Signal::derive(move || choices.get_value())
            readonly
            id_prefix="delivery-rule"
        />
    }
    .into_any()
}

/// The live audience count and a sample, asked again a moment after the target or the channel
/// last changed.
#[component]
fn AudienceLine() -> AnyView {
    let page = expect_context::<Page>();
    let target = Signal::derive(move || page.target.target());
    // Counted once there is someone to count (an empty target is not a question to ask).
    let empty = Memo::new(move |_| target.with(Target::is_empty));
    view! {
        <section class="delivery-audience" aria-labelledby="delivery-audience-title">
            <h3 id="delivery-audience-title">"配信対象の人数"</h3>
            {move || {
                if empty.get() {
                    view! {
                        <p class="hint" data-testid="audience">
                            "「すべての友だち」を選ぶか、セグメントまたは条件を指定すると、人数を表示します。"
                        </p>
                    }
                        .into_any()
                } else {
                    view! { <AudienceCount channel_id=page.channel target for_delivery=true /> }
                        .into_any()
                }
            }}
        </section>
    }
    .into_any()
}

//! The rule builder (セグメント条件の編集) and the live audience count, shared by the segment
//! editor and the delivery page (its one-off conditions).
//!
//! [`RuleBuilder`] edits a `RwSignal<model::segment::Rule>` in place: groups joined by すべて
//! (AND) or いずれか (OR), each of which may be turned into 「条件に当てはまらない人」 (NOT), nested
//! up to `model::segment::MAX_DEPTH`; each condition a row with its subject (an attribute, LINE's
//! language or the follow date), an operator fitting the subject's type and the value controls
//! that operator needs. Every control has a visible label and is reached with the keyboard; the
//! tree is drawn again only when its structure changes (a condition added, removed, or given
//! another subject or operator), never while staff type, and focus then moves to what was added,
//! or to the add button of the group something was removed from.
//!
//! [`AudienceCount`] counts a `Target` on a channel a moment (400 ms) after it last changed,
//! says 「集計中…」 meanwhile, and shows the newest matching friends by name.

use std::str::FromStr;
use std::time::Duration;

use leptos::leptos_dom::helpers::TimeoutHandle;
use leptos::prelude::*;
use model::delivery::Target;
use model::segment::{
    ChoiceMatch, Condition, DayRange, Group, Join, MAX_CONDITIONS, MAX_DEPTH, Rule, TEXT_MAX_CHARS,
    TextMatch,
};
use model::status::AttributeKind;
use wasm_bindgen::JsCast;

use crate::api::{AttributeChoice, AudienceSummary, RuleChoices, SAMPLE_SIZE};
use crate::error::AppError;

/// 年代 the age condition offers as one-click ranges (10代 … 80代).
const DECADES: [u32; 8] = [10, 20, 30, 40, 50, 60, 70, 80];
/// Days a new relative range starts with.
const DEFAULT_DAYS: u32 = 30;
/// The longest relative range, in days (as the server checks).
const MAX_DAYS: u32 = 36_500;

/// Edits `rule` (a group; a lone condition is wrapped in one). `choices` are the attributes and
/// LINE languages conditions can name; `readonly` shows the rule without letting it change.
/// `id_prefix` keeps element ids apart when a page holds several builders.
#[component]
pub fn RuleBuilder(
    rule: RwSignal<Rule>,
    #[prop(into)] choices: Signal<RuleChoices>,
    #[prop(into)] readonly: Signal<bool>,
    #[prop(optional, into)] id_prefix: Option<String>,
) -> impl IntoView {
    if rule.with_untracked(|r| matches!(r, Rule::Condition(_))) {
        rule.update(|r| {
            let condition = std::mem::replace(r, Rule::empty());
            *r = Rule::Group(Group {
                join: Join::All,
                negate: false,
                rules: vec![condition],
            });
        });
    }
    let ctx = Ctx {
        rule,
        choices,
        readonly,
        prefix: StoredValue::new(id_prefix.unwrap_or_else(|| "rule".to_owned())),
    };
    // What decides which controls are drawn; values are read by the controls themselves.
    let shape = Memo::new(move |_| rule.with(shape_of));
    view! {
        <div class="rule-builder" data-testid="rule-builder">
            {move || {
                shape.with(|_| ());
                choices.with(|_| ());
                let mut counter = 0;
                let root = rule.get_untracked();
                match root {
                    Rule::Group(group) => group_view(ctx, &group, Vec::new(), &mut counter),
                    Rule::Condition(_) => ().into_any(),
                }
            }}
        </div>
    }
    .into_any()
}

/// The builder's state, handed to every part.
#[derive(Clone, Copy)]
struct Ctx {
    rule: RwSignal<Rule>,
    choices: Signal<RuleChoices>,
    readonly: Signal<bool>,
    prefix: StoredValue<String>,
}

impl Ctx {
    /// The element id of `what` at `path`: `rule-0-2-subject`.
    fn id(&self, path: &[usize], what: &str) -> String {
        let mut id = self.prefix.get_value();
        for i in path {
            id.push('-');
            id.push_str(&i.to_string());
        }
        id.push('-');
        id.push_str(what);
        id
    }

    fn condition<R>(&self, path: &[usize], f: impl FnOnce(&Condition) -> R) -> Option<R> {
        self.rule.with(|r| match node(r, path) {
            Some(Rule::Condition(c)) => Some(f(c)),
            _ => None,
        })
    }

    fn edit_condition(&self, path: &[usize], f: impl FnOnce(&mut Condition)) {
        self.rule.update(|r| {
            if let Some(Rule::Condition(c)) = node_mut(r, path) {
                f(c);
            }
        });
    }

    fn group<R>(&self, path: &[usize], f: impl FnOnce(&Group) -> R) -> Option<R> {
        self.rule.with(|r| match node(r, path) {
            Some(Rule::Group(g)) => Some(f(g)),
            _ => None,
        })
    }

    fn edit_group(&self, path: &[usize], f: impl FnOnce(&mut Group)) {
        self.rule.update(|r| {
            if let Some(Rule::Group(g)) = node_mut(r, path) {
                f(g);
            }
        });
    }

    fn attribute(&self, id: i64) -> Option<AttributeChoice> {
        self.choices
            .with_untracked(|c| c.attributes.iter().find(|a| a.id == id).cloned())
    }

    /// A new condition: on the first attribute (or LINE's language when there is none).
    fn new_condition(&self) -> Condition {
        let first = self
            .choices
            .with_untracked(|c| c.attributes.first().map(|a| a.id));
        match first {
            Some(id) => self.condition_on(&format!("a:{id}")),
            None => Condition::Language {
                languages: Vec::new(),
            },
        }
    }

    /// A condition on `subject` (a subject select's value) with its first operator.
    fn condition_on(&self, subject: &str) -> Condition {
        match subject {
            "language" => Condition::Language {
                languages: Vec::new(),
            },
            "followed" => Condition::Followed {
                range: DayRange::WithinLastDays { days: DEFAULT_DAYS },
            },
            "click" => Condition::Clicked {
                delivery_id: self
                    .choices
                    .with_untracked(|c| c.click_deliveries.first().map(|d| d.id))
                    .unwrap_or_default(),
                link: None,
                clicked: true,
            },
            _ => {
                let id = subject
                    .strip_prefix("a:")
                    .and_then(|i| i.parse().ok())
                    .unwrap_or_default();
                let kind = self
                    .attribute(id)
                    .map_or(AttributeKind::SingleChoice, |a| a.kind);
                let first = operators(Subject::Attribute(kind))[0].0;
                with_operator(None, id, first)
            }
        }
    }
}

/// The node at `path` (child indexes from the root group).
fn node<'a>(rule: &'a Rule, path: &[usize]) -> Option<&'a Rule> {
    match path.split_first() {
        None => Some(rule),
        Some((i, rest)) => match rule {
            Rule::Group(g) => g.rules.get(*i).and_then(|r| node(r, rest)),
            Rule::Condition(_) => None,
        },
    }
}

fn node_mut<'a>(rule: &'a mut Rule, path: &[usize]) -> Option<&'a mut Rule> {
    match path.split_first() {
        None => Some(rule),
        Some((i, rest)) => match rule {
            Rule::Group(g) => g.rules.get_mut(*i).and_then(|r| node_mut(r, rest)),
            Rule::Condition(_) => None,
        },
    }
}

/// The tree's structure: groups, and each condition's subject and operator.
fn shape_of(rule: &Rule) -> String {
    fn walk(rule: &Rule, out: &mut String) {
        match rule {
            Rule::Group(g) => {
                out.push('(');
                for r in &g.rules {
                    walk(r, out);
                    out.push(',');
                }
                out.push(')');
            }
            Rule::Condition(c) => {
                out.push_str(&subject_of(c));
                out.push(':');
                out.push_str(operator_of(c));
            }
        }
    }
    let mut out = String::new();
    walk(rule, &mut out);
    out
}

/// What a condition is about, as its subject select says it: `a:12`, `language`, `followed`.
fn subject_of(c: &Condition) -> String {
    match c {
        Condition::Choice { attribute_id, .. }
        | Condition::Text { attribute_id, .. }
        | Condition::Number { attribute_id, .. }
        | Condition::Date { attribute_id, .. }
        | Condition::Age { attribute_id, .. }
        | Condition::Answered { attribute_id, .. } => format!("a:{attribute_id}"),
        Condition::Language { .. } => "language".into(),
        Condition::Followed { .. } => "followed".into(),
        Condition::Clicked { .. } => "click".into(),
    }
}

/// The operator select's value of a condition.
fn operator_of(c: &Condition) -> &'static str {
    match c {
        Condition::Choice { matching, .. } => match matching {
            ChoiceMatch::AnyOf => "any_of",
            ChoiceMatch::AllOf => "all_of",
            ChoiceMatch::NoneOf => "none_of",
        },
        Condition::Text { matching, .. } => match matching {
            TextMatch::Equals => "equals",
            TextMatch::Contains => "contains",
            TextMatch::Empty => "empty",
        },
        Condition::Number { .. } => "number",
        Condition::Date { range, .. } | Condition::Followed { range } => match range {
            DayRange::Between { .. } => "between",
            DayRange::WithinLastDays { .. } => "within",
            DayRange::BeforeLastDays { .. } => "before",
        },
        Condition::Age { .. } => "age",
        Condition::Answered { answered: true, .. } => "answered",
        Condition::Answered {
            answered: false, ..
        } => "not_answered",
        Condition::Language { .. } => "language",
        Condition::Clicked { clicked: true, .. } => "clicked",
        Condition::Clicked { clicked: false, .. } => "not_clicked",
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Subject {
    Attribute(AttributeKind),
    Language,
    Followed,
    Clicked,
}

/// The operators a subject offers: (value, label).
fn operators(subject: Subject) -> &'static [(&'static str, &'static str)] {
    use AttributeKind as K;
    const ANSWERED: (&str, &str) = ("answered", "回答あり");
    const NOT_ANSWERED: (&str, &str) = ("not_answered", "未回答");
    match subject {
        Subject::Attribute(K::SingleChoice | K::MultiChoice) => &[
            ("any_of", "いずれかを含む"),
            ("all_of", "すべてを含む"),
            ("none_of", "いずれも含まない（未回答の人を含む）"),
            ANSWERED,
            NOT_ANSWERED,
        ],
        Subject::Attribute(K::Text) => &[
            ("equals", "と一致する"),
            ("contains", "を含む"),
            ("empty", "未入力（未回答）"),
            ANSWERED,
        ],
        Subject::Attribute(K::Number) => &[("number", "範囲を指定"), ANSWERED, NOT_ANSWERED],
        Subject::Attribute(K::Date) => &[
            ("between", "期間を指定"),
            ("within", "過去○日以内"),
            ("before", "○日より前"),
            ANSWERED,
            NOT_ANSWERED,
        ],
        Subject::Attribute(K::BirthDate | K::BirthMonth) => &[
            ("age", "年齢・年代"),
            ("between", "生まれた期間を指定"),
            ANSWERED,
            NOT_ANSWERED,
        ],
        Subject::Language => &[("language", "いずれかに当てはまる")],
        Subject::Followed => &[
            ("between", "期間を指定"),
            ("within", "過去○日以内"),
            ("before", "○日より前"),
        ],
        Subject::Clicked => &[
            ("clicked", "クリックした"),
            ("not_clicked", "受け取ったが、クリックしていない"),
        ],
    }
}

/// The condition on attribute `attribute_id` with operator `op`, keeping what fits of `old`
/// (chosen options, a text, a range's dates).
fn with_operator(old: Option<&Condition>, attribute_id: i64, op: &str) -> Condition {
    let options = match old {
        Some(Condition::Choice { option_ids, .. }) => option_ids.clone(),
        _ => Vec::new(),
    };
    let text = match old {
        Some(Condition::Text { value, .. }) => value.clone(),
        _ => String::new(),
    };
    let days = match old {
        Some(Condition::Date { range, .. } | Condition::Followed { range }) => match range {
            DayRange::WithinLastDays { days } | DayRange::BeforeLastDays { days } => *days,
            DayRange::Between { .. } => DEFAULT_DAYS,
        },
        _ => DEFAULT_DAYS,
    };
    let choice = |matching| Condition::Choice {
        attribute_id,
        matching,
        option_ids: options.clone(),
    };
    let text = |matching| Condition::Text {
        attribute_id,
        matching,
        value: text.clone(),
    };
    let range = match op {
        "within" => DayRange::WithinLastDays { days },
        "before" => DayRange::BeforeLastDays { days },
        _ => DayRange::Between {
            from: None,
            to: None,
        },
    };
    match op {
        "any_of" => choice(ChoiceMatch::AnyOf),
        "all_of" => choice(ChoiceMatch::AllOf),
        "none_of" => choice(ChoiceMatch::NoneOf),
        "equals" => text(TextMatch::Equals),
        "contains" => text(TextMatch::Contains),
        "empty" => text(TextMatch::Empty),
        "number" => Condition::Number {
            attribute_id,
            min: None,
            max: None,
        },
        "age" => Condition::Age {
            attribute_id,
            min: None,
            max: None,
        },
        "answered" | "not_answered" => Condition::Answered {
            attribute_id,
            answered: op == "answered",
        },
        _ => Condition::Date {
            attribute_id,
            range,
        },
    }
}

/// Moves keyboard focus to element `id` once the tree is drawn again.
fn focus_later(id: String) {
    request_animation_frame(move || {
        if let Some(element) = document().get_element_by_id(&id)
            && let Ok(element) = element.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = element.focus();
        }
    });
}

fn group_view(ctx: Ctx, group: &Group, path: Vec<usize>, counter: &mut usize) -> AnyView {
    let depth = path.len() + 1;
    let root = path.is_empty();
    let join_id = ctx.id(&path, "join");
    let not_id = ctx.id(&path, "not");
    let add_id = ctx.id(&path, "add");
    let legend = if root {
        "対象とする友だちの条件".to_owned()
    } else {
        format!("グループ（{depth}段目）")
    };
    let members = group
        .rules
        .iter()
        .enumerate()
        .map(|(i, member)| {
            let mut child = path.clone();
            child.push(i);
            let inner = match member {
                Rule::Group(g) => group_view(ctx, g, child, counter),
                Rule::Condition(c) => {
                    *counter += 1;
                    condition_view(ctx, c, child, *counter)
                }
            };
            view! { <li class="rule-member">{inner}</li> }
        })
        .collect_view();
    let empty = group.rules.is_empty();
    let (p_join, p_join_set, p_not, p_add, p_group, p_remove) = (
        path.clone(),
        path.clone(),
        path.clone(),
        path.clone(),
        path.clone(),
        path.clone(),
    );
    let join = Signal::derive(move || {
        ctx.group(&p_join, |g| match g.join {
            Join::All => "all",
            Join::Any => "any",
        })
        .unwrap_or("all")
    });
    let too_many = move || ctx.rule.with(|r| r.condition_count() >= MAX_CONDITIONS);
    let add_condition = move |_| {
        let condition = ctx.new_condition();
        let mut at = p_add.clone();
        ctx.edit_group(&p_add, |g| {
            at.push(g.rules.len());
            g.rules.push(Rule::Condition(condition));
        });
        focus_later(ctx.id(&at, "subject"));
    };
    let add_group = move |_| {
        let condition = ctx.new_condition();
        let mut at = p_group.clone();
        ctx.edit_group(&p_group, |g| {
            at.push(g.rules.len());
            g.rules.push(Rule::Group(Group {
                join: Join::Any,
                negate: false,
                rules: vec![Rule::Condition(condition)],
            }));
        });
        at.push(0);
        focus_later(ctx.id(&at, "subject"));
    };
    let remove_group = move |_| {
        if let Some((last, parent)) = p_remove.split_last() {
            let parent = parent.to_vec();
            let last = *last;
            ctx.edit_group(&parent, |g| {
                if last < g.rules.len() {
                    g.rules.remove(last);
                }
            });
            focus_later(ctx.id(&parent, "add"));
        }
    };
    let readonly = ctx.readonly;
    let legend_text = legend.clone();
    let (join_for, not_for) = (join_id.clone(), not_id.clone());
    view! {
        <fieldset class="rule-group" data-depth=depth.to_string()>
            <legend>{legend}</legend>
            <div class="rule-group-head">
                <div class="field">
                    <label for=join_for>"次の条件を"</label>
                    <select
                        id=join_id
                        disabled=move || readonly.get()
                        prop:value=join
                        on:change=move |ev| {
                            let any = event_target_value(&ev) == "any";
                            ctx.edit_group(
                                &p_join_set,
                                |g| g.join = if any { Join::Any } else { Join::All },
                            );
                        }
                    >
                        <option value="all" selected=move || join.get() == "all">
                            {Join::All.label_ja()}
                        </option>
                        <option value="any" selected=move || join.get() == "any">
                            {Join::Any.label_ja()}
                        </option>
                    </select>
                </div>
                <label class="checkbox rule-not" for=not_for>
                    <input
                        type="checkbox"
                        id=not_id
                        disabled=move || readonly.get()
                        prop:checked={
                            let p = p_not.clone();
                            move || ctx.group(&p, |g| g.negate).unwrap_or(false)
                        }
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            ctx.edit_group(&p_not, |g| g.negate = on);
                        }
                    />
                    "条件に当てはまらない人を対象にする（NOT）"
                </label>
            </div>
            {empty
                .then(|| {
                    view! {
                        <p class="hint">
                            "条件がありません。「条件を追加」で追加してください。"
                        </p>
                    }
                })}
            <ol class="rule-list">{members}</ol>
            {move || {
                (!readonly.get())
                    .then(|| {
                        let add_condition = add_condition.clone();
                        let add_group = add_group.clone();
                        let remove_group = remove_group.clone();
                        let deep = depth >= MAX_DEPTH;
                        view! {
                            <div class="toolbar rule-tools">
                                <button
                                    type="button"
                                    class="button small ghost"
                                    id=add_id.clone()
                                    disabled=too_many
                                    on:click=add_condition
                                >
                                    "条件を追加"
                                </button>
                                <button
                                    type="button"
                                    class="button small ghost"
                                    disabled=move || { deep || too_many() }
                                    on:click=add_group
                                >
                                    "グループを追加"
                                </button>
                                {(!root)
                                    .then(|| {
                                        view! {
                                            <button
                                                type="button"
                                                class="button small danger"
                                                aria-label=format!("{legend_text}を削除")
                                                on:click=remove_group
                                            >
                                                "グループを削除"
                                            </button>
                                        }
                                    })}
                            </div>
                        }
                    })
            }}
        </fieldset>
    }
    .into_any()
}

fn condition_view(ctx: Ctx, condition: &Condition, path: Vec<usize>, number: usize) -> AnyView {
    let subject = subject_of(condition);
    let op = operator_of(condition);
    let attribute = match condition {
        Condition::Language { .. } | Condition::Followed { .. } | Condition::Clicked { .. } => None,
        Condition::Choice { attribute_id, .. }
        | Condition::Text { attribute_id, .. }
        | Condition::Number { attribute_id, .. }
        | Condition::Date { attribute_id, .. }
        | Condition::Age { attribute_id, .. }
        | Condition::Answered { attribute_id, .. } => Some(*attribute_id),
    };
    let found = attribute.and_then(|id| ctx.attribute(id));
    let kind = match condition {
        Condition::Language { .. } => Subject::Language,
        Condition::Followed { .. } => Subject::Followed,
        Condition::Clicked { .. } => Subject::Clicked,
        _ => Subject::Attribute(found.as_ref().map_or(AttributeKind::Text, |a| a.kind)),
    };
    let subject_id = ctx.id(&path, "subject");
    let op_id = ctx.id(&path, "op");
    let readonly = ctx.readonly;
    let title = format!("条件{number}");
    let attributes = ctx.choices.with_untracked(|c| c.attributes.clone());
    let missing = attribute.filter(|_| found.is_none());
    let subject_options = {
        let selected = subject.clone();
        let mut options: Vec<(String, String)> = attributes
            .iter()
            .map(|a| (format!("a:{}", a.id), a.label.clone()))
            .collect();
        if let Some(id) = missing {
            options.push((format!("a:{id}"), format!("（削除された属性 ID {id}）")));
        }
        options.push(("language".into(), "LINEの言語設定".into()));
        options.push(("followed".into(), "友だち追加日".into()));
        let has_clicks = ctx
            .choices
            .with_untracked(|c| !c.click_deliveries.is_empty());
        if has_clicks || selected == "click" {
            options.push(("click".into(), "リンクのクリック".into()));
        }
        options
            .into_iter()
            .map(|(value, label)| {
                let on = value == selected;
                view! {
                    <option value=value selected=on>
                        {label}
                    </option>
                }
            })
            .collect_view()
    };
    let op_options = operators(kind)
        .iter()
        .map(|(value, label)| {
            let on = *value == op;
            view! {
                <option value=*value selected=on>
                    {*label}
                </option>
            }
        })
        .collect_view();
    let (p_subject, p_op, p_remove) = (path.clone(), path.clone(), path.clone());
    let values = values_view(ctx, &path, op, found.clone(), &title);
    let remove = move |_| {
        if let Some((last, parent)) = p_remove.split_last() {
            let parent = parent.to_vec();
            let last = *last;
            ctx.edit_group(&parent, |g| {
                if last < g.rules.len() {
                    g.rules.remove(last);
                }
            });
            focus_later(ctx.id(&parent, "add"));
        }
    };
    let attribute_id = attribute.unwrap_or_default();
    let initial_subject = subject.clone();
    view! {
        <fieldset class="rule-condition" data-testid="rule-condition">
            <legend>{title.clone()}</legend>
            <div class="rule-row">
                <div class="field">
                    <label for=subject_id.clone()>"項目"</label>
                    <select
                        id=subject_id
                        disabled=move || readonly.get()
                        prop:value=initial_subject
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            let condition = ctx.condition_on(&value);
                            ctx.edit_condition(&p_subject, |c| *c = condition);
                            focus_later(ctx.id(&p_subject, "subject"));
                        }
                    >
                        {subject_options}
                    </select>
                </div>
                <div class="field">
                    <label for=op_id.clone()>"条件"</label>
                    <select
                        id=op_id
                        disabled=move || readonly.get()
                        prop:value=op
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            ctx.edit_condition(
                                &p_op,
                                |c| {
                                    let next = match c {
                                        Condition::Followed { range } => {
                                            let days = match range {
                                                DayRange::WithinLastDays { days }
                                                | DayRange::BeforeLastDays { days } => *days,
                                                DayRange::Between { .. } => DEFAULT_DAYS,
                                            };
                                            Condition::Followed {
                                                range: match value.as_str() {
                                                    "within" => DayRange::WithinLastDays { days },
                                                    "before" => DayRange::BeforeLastDays { days },
                                                    _ => {
                                                        DayRange::Between {
                                                            from: None,
                                                            to: None,
                                                        }
                                                    }
                                                },
                                            }
                                        }
                                        Condition::Language { .. } => c.clone(),
                                        Condition::Clicked { delivery_id, link, .. } => {
                                            Condition::Clicked {
                                                delivery_id: *delivery_id,
                                                link: *link,
                                                clicked: value == "clicked",
                                            }
                                        }
                                        _ => with_operator(Some(c), attribute_id, &value),
                                    };
                                    *c = next;
                                },
                            );
                            focus_later(ctx.id(&p_op, "op"));
                        }
                    >
                        {op_options}
                    </select>
                </div>
                <div class="rule-values">{values}</div>
                {move || {
                    (!readonly.get())
                        .then(|| {
                            let remove = remove.clone();
                            view! {
                                <button
                                    type="button"
                                    class="button small danger rule-remove"
                                    aria-label=format!("{}を削除", title)
                                    on:click=remove
                                >
                                    "削除"
                                </button>
                            }
                        })
                }}
            </div>
        </fieldset>
    }
    .into_any()
}

/// The value controls of the condition at `path` for operator `op`.
fn values_view(
    ctx: Ctx,
    path: &[usize],
    op: &str,
    attribute: Option<AttributeChoice>,
    title: &str,
) -> AnyView {
    let path = path.to_vec();
    match op {
        "any_of" | "all_of" | "none_of" => {
            let options = attribute.map(|a| a.options).unwrap_or_default();
            choice_boxes(ctx, path, options, title)
        }
        "equals" | "contains" => {
            let id = ctx.id(&path, "text");
            let p = path.clone();
            let value = move || {
                ctx.condition(&p, |c| match c {
                    Condition::Text { value, .. } => value.clone(),
                    _ => String::new(),
                })
                .unwrap_or_default()
            };
            let readonly = ctx.readonly;
            view! {
                <div class="field">
                    <label for=id
                        .clone()>
                        "文字（大文字・小文字、全角・半角は区別しません）"
                    </label>
                    <input
                        id=id
                        type="text"
                        maxlength=TEXT_MAX_CHARS.to_string()
                        readonly=move || readonly.get()
                        prop:value=value
                        on:input=move |ev| {
                            let text = event_target_value(&ev);
                            ctx.edit_condition(
                                &path,
                                |c| {
                                    if let Condition::Text { value, .. } = c {
                                        *value = text;
                                    }
                                },
                            );
                        }
                    />
                </div>
            }
            .into_any()
        }
        "number" => {
            let (p_min, p_max) = (path.clone(), path.clone());
            let min = Signal::derive(move || {
                ctx.condition(&p_min, |c| match c {
                    Condition::Number { min, .. } => *min,
                    _ => None,
                })
                .flatten()
            });
            let max = Signal::derive(move || {
                ctx.condition(&p_max, |c| match c {
                    Condition::Number { max, .. } => *max,
                    _ => None,
                })
                .flatten()
            });
            let (p_min, p_max) = (path.clone(), path.clone());
            view! {
                <NumberField
                    id=ctx.id(&path, "min")
                    label="下限（以上）"
                    value=min
                    readonly=ctx.readonly
                    step="any"
                    on_change=Callback::new(move |n: Option<f64>| {
                        ctx.edit_condition(
                            &p_min,
                            |c| {
                                if let Condition::Number { min, .. } = c {
                                    *min = n;
                                }
                            },
                        )
                    })
                />
                <NumberField
                    id=ctx.id(&path, "max")
                    label="上限（以下）"
                    value=max
                    readonly=ctx.readonly
                    step="any"
                    on_change=Callback::new(move |n: Option<f64>| {
                        ctx.edit_condition(
                            &p_max,
                            |c| {
                                if let Condition::Number { max, .. } = c {
                                    *max = n;
                                }
                            },
                        )
                    })
                />
            }
            .into_any()
        }
        "between" => {
            let field = |which: &'static str, label: &'static str| {
                let id = ctx.id(&path, which);
                let (p_get, p_set) = (path.clone(), path.clone());
                let value = move || {
                    ctx.condition(&p_get, |c| match c {
                        Condition::Date {
                            range: DayRange::Between { from, to },
                            ..
                        }
                        | Condition::Followed {
                            range: DayRange::Between { from, to },
                        } => (if which == "from" { from } else { to })
                            .clone()
                            .unwrap_or_default(),
                        _ => String::new(),
                    })
                    .unwrap_or_default()
                };
                let readonly = ctx.readonly;
                view! {
                    <div class="field">
                        <label for=id.clone()>{label}</label>
                        <input
                            id=id
                            type="date"
                            readonly=move || readonly.get()
                            prop:value=value
                            on:input=move |ev| {
                                let text = event_target_value(&ev);
                                let text = (!text.trim().is_empty()).then_some(text);
                                ctx.edit_condition(
                                    &p_set,
                                    |c| {
                                        if let Condition::Date {
                                            range: DayRange::Between { from, to },
                                            ..
                                        }
                                        | Condition::Followed {
                                            range: DayRange::Between { from, to },
                                        } = c {
                                            if which == "from" {
                                                *from = text;
                                            } else {
                                                *to = text;
                                            }
                                        }
                                    },
                                );
                            }
                        />
                    </div>
                }
            };
            view! {
                {field("from", "開始日（この日を含む）")}
                {field("to", "終了日（この日を含む）")}
                <p class="hint rule-suffix">"片方だけでも指定できます。"</p>
            }
            .into_any()
        }
        "within" | "before" => {
            let p_get = path.clone();
            let days = Signal::derive(move || {
                ctx.condition(&p_get, |c| match c {
                    Condition::Date { range, .. } | Condition::Followed { range } => match range {
                        DayRange::WithinLastDays { days } | DayRange::BeforeLastDays { days } => {
                            Some(*days)
                        }
                        DayRange::Between { .. } => None,
                    },
                    _ => None,
                })
                .flatten()
            });
            let suffix = if op == "within" {
                "日以内（今日を含む。日本時間で数えます）"
            } else {
                "日より前（今日から数えて）"
            };
            let p_set = path.clone();
            view! {
                <NumberField
                    id=ctx.id(&path, "days")
                    label="日数"
                    value=days
                    readonly=ctx.readonly
                    min=1
                    max=MAX_DAYS
                    on_change=Callback::new(move |n: Option<u32>| {
                        ctx.edit_condition(
                            &p_set,
                            |c| {
                                if let Condition::Date { range, .. }
                                | Condition::Followed { range } = c {
                                    let n = n.unwrap_or(0);
                                    match range {
                                        DayRange::WithinLastDays { days }
                                        | DayRange::BeforeLastDays { days } => *days = n,
                                        DayRange::Between { .. } => {}
                                    }
                                }
                            },
                        )
                    })
                />
                <p class="rule-suffix">{suffix}</p>
            }
            .into_any()
        }
        "age" => age_view(ctx, path),
        "language" => language_boxes(ctx, path, title),
        "clicked" | "not_clicked" => click_view(ctx, path),
        "empty" => view! { <p class="hint rule-suffix">"値が入っていない友だち"</p> }.into_any(),
        "answered" => {
            view! { <p class="hint rule-suffix">"何か値が入っている友だち"</p> }.into_any()
        }
        "not_answered" => {
            view! { <p class="hint rule-suffix">"値が入っていない友だち"</p> }.into_any()
        }
        _ => ().into_any(),
    }
}

/// 「リンクのクリック」: which delivery (one that recorded who clicked) and which of its links.
fn click_view(ctx: Ctx, path: Vec<usize>) -> AnyView {
    let deliveries = ctx.choices.with_untracked(|c| c.click_deliveries.clone());
    let (delivery_id, link_id) = (ctx.id(&path, "delivery"), ctx.id(&path, "link"));
    let readonly = ctx.readonly;
    let p_get = path.clone();
    let chosen = Signal::derive(move || {
        ctx.condition(&p_get, |c| match c {
            Condition::Clicked {
                delivery_id, link, ..
            } => (*delivery_id, *link),
            _ => (0, None),
        })
        .unwrap_or((0, None))
    });
    let (p_delivery, p_link) = (path.clone(), path);
    let mut delivery_options: Vec<(i64, String)> =
        deliveries.iter().map(|d| (d.id, d.label.clone())).collect();
    let current = chosen.get_untracked().0;
    if !delivery_options.iter().any(|(id, _)| *id == current) {
        delivery_options.insert(0, (current, format!("（見つからない配信 ID {current}）")));
    }
    let links_of = move |id: i64| {
        deliveries
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.links.clone())
            .unwrap_or_default()
    };
    view! {
        <div class="field">
            <label for=delivery_id.clone()>"配信"</label>
            <select
                id=delivery_id
                disabled=move || readonly.get()
                prop:value=move || chosen.get().0.to_string()
                on:change=move |ev| {
                    let id = event_target_value(&ev).parse().unwrap_or_default();
                    ctx.edit_condition(
                        &p_delivery,
                        |c| {
                            if let Condition::Clicked { delivery_id, link, .. } = c {
                                *delivery_id = id;
                                *link = None;
                            }
                        },
                    );
                }
            >
                {delivery_options
                    .into_iter()
                    .map(|(id, label)| view! { <option value=id.to_string()>{label}</option> })
                    .collect_view()}
            </select>
        </div>
        <div class="field">
            <label for=link_id.clone()>"リンク"</label>
            <select
                id=link_id
                disabled=move || readonly.get()
                prop:value=move || chosen.get().1.map(|n| n.to_string()).unwrap_or_default()
                on:change=move |ev| {
                    let link = event_target_value(&ev).parse().ok();
                    ctx.edit_condition(
                        &p_link,
                        |c| {
                            if let Condition::Clicked { link: l, .. } = c {
                                *l = link;
                            }
                        },
                    );
                }
            >
                <option value="">"いずれかのリンク"</option>
                {move || {
                    links_of(chosen.get().0)
                        .into_iter()
                        .map(|(n, url)| {
                            view! {
                                <option value=n
                                    .to_string()>{format!("リンク{n}: {url}")}</option>
                            }
                        })
                        .collect_view()
                }}
            </select>
        </div>
    }
    .into_any()
}

fn choice_boxes(ctx: Ctx, path: Vec<usize>, options: Vec<(i64, String)>, title: &str) -> AnyView {
    if options.is_empty() {
        return view! {
            <p class="hint">
                "この属性には選択肢がありません。「友だち」→「属性の設定」で選択肢を追加してください。"
            </p>
        }
        .into_any();
    }
    let readonly = ctx.readonly;
    let boxes = options
        .into_iter()
        .map(|(option, label)| {
            let id = ctx.id(&path, &format!("o{option}"));
            let for_id = id.clone();
            let (p_get, p_set) = (path.clone(), path.clone());
            view! {
                <label class="checkbox" for=for_id>
                    <input
                        type="checkbox"
                        id=id
                        disabled=move || readonly.get()
                        prop:checked=move || {
                            ctx.condition(
                                    &p_get,
                                    |c| match c {
                                        Condition::Choice { option_ids, .. } => {
                                            option_ids.contains(&option)
                                        }
                                        _ => false,
                                    },
                                )
                                .unwrap_or(false)
                        }
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            ctx.edit_condition(
                                &p_set,
                                |c| {
                                    if let Condition::Choice { option_ids, .. } = c {
                                        option_ids.retain(|o| *o != option);
                                        if on {
                                            option_ids.push(option);
                                        }
                                    }
                                },
                            );
                        }
                    />
                    {label}
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="rule-options">
            <legend>{format!("{title}の選択肢")}</legend>
            {boxes}
        </fieldset>
    }
    .into_any()
}

fn language_boxes(ctx: Ctx, path: Vec<usize>, title: &str) -> AnyView {
    let readonly = ctx.readonly;
    let mut languages: Vec<(String, String)> = ctx.choices.with_untracked(|c| {
        c.languages
            .iter()
            .map(|l| (l.code.clone(), l.label.clone()))
            .collect()
    });
    // Codes the rule holds that the list lacks stay visible (and can be unticked).
    let held = ctx
        .condition(&path, |c| match c {
            Condition::Language { languages } => languages.clone(),
            _ => Vec::new(),
        })
        .unwrap_or_default();
    for code in held {
        if !languages.iter().any(|(c, _)| c.eq_ignore_ascii_case(&code)) {
            let label = format!("その他（{code}）");
            languages.push((code, label));
        }
    }
    let boxes = languages
        .into_iter()
        .enumerate()
        .map(|(i, (code, label))| {
            let id = ctx.id(&path, &format!("l{i}"));
            let for_id = id.clone();
            let (p_get, p_set) = (path.clone(), path.clone());
            let (c_get, c_set) = (code.clone(), code);
            view! {
                <label class="checkbox" for=for_id>
                    <input
                        type="checkbox"
                        id=id
                        disabled=move || readonly.get()
                        prop:checked=move || {
                            ctx.condition(
                                    &p_get,
                                    |c| match c {
                                        Condition::Language { languages } => {
                                            languages.iter().any(|l| l.eq_ignore_ascii_case(&c_get))
                                        }
                                        _ => false,
                                    },
                                )
                                .unwrap_or(false)
                        }
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            let code = c_set.clone();
                            ctx.edit_condition(
                                &p_set,
                                |c| {
                                    if let Condition::Language { languages } = c {
                                        languages.retain(|l| !l.eq_ignore_ascii_case(&code));
                                        if on {
                                            languages.push(code);
                                        }
                                    }
                                },
                            );
                        }
                    />
                    {label}
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="rule-options">
            <legend>{format!("{title}の言語（LINEアプリの言語設定）")}</legend>
            {boxes}
        </fieldset>
    }
    .into_any()
}

fn age_view(ctx: Ctx, path: Vec<usize>) -> AnyView {
    let bound = move |p: Vec<usize>, upper: bool| {
        Signal::derive(move || {
            ctx.condition(&p, |c| match c {
                Condition::Age { min, max, .. } => {
                    if upper {
                        *max
                    } else {
                        *min
                    }
                }
                _ => None,
            })
            .flatten()
        })
    };
    let min = bound(path.clone(), false);
    let max = bound(path.clone(), true);
    let set = move |p: Vec<usize>, upper: bool| {
        Callback::new(move |n: Option<u32>| {
            ctx.edit_condition(&p, |c| {
                if let Condition::Age { min, max, .. } = c {
                    if upper {
                        *max = n;
                    } else {
                        *min = n;
                    }
                }
            });
        })
    };
    let readonly = ctx.readonly;
    let p_decades = path.clone();
    let decade = move |from: u32, to: Option<u32>, label: String| {
        let p = p_decades.clone();
        let pressed = move || min.get() == Some(from) && max.get() == to;
        view! {
            <button
                type="button"
                class="button small ghost"
                aria-pressed=move || pressed().to_string()
                disabled=move || readonly.get()
                on:click=move |_| {
                    ctx.edit_condition(
                        &p,
                        |c| {
                            if let Condition::Age { min, max, .. } = c {
                                *min = Some(from);
                                *max = to;
                            }
                        },
                    )
                }
            >
                {label}
            </button>
        }
    };
    let decades = DECADES
        .iter()
        .map(|d| decade(*d, Some(d + 9), format!("{d}代")))
        .collect_view();
    let group_label = ctx.id(&path, "decades");
    let group_labelled = group_label.clone();
    view! {
        <NumberField
            id=ctx.id(&path, "age-min")
            label="下限（歳以上）"
            value=min
            readonly=ctx.readonly
            min=0
            max=150
            on_change=set(path.clone(), false)
        />
        <NumberField
            id=ctx.id(&path, "age-max")
            label="上限（歳以下）"
            value=max
            readonly=ctx.readonly
            min=0
            max=150
            on_change=set(path.clone(), true)
        />
        <div class="rule-decades" role="group" aria-labelledby=group_labelled>
            <span id=group_label class="rule-decades-label">
                "年代で指定："
            </span>
            {decades}
            {decade(90, None, "90歳以上".into())}
        </div>
        <p class="hint rule-suffix">
            "年齢は、数える日・配信する日の時点で生年月日（生年月）から計算します。"
        </p>
    }
    .into_any()
}

/// A labelled number input bound to an `Option<T>`: what is typed stays as typed (a half-typed
/// `1.` is not rewritten), and a change from elsewhere (a 年代 button) is written into the box.
#[component]
fn NumberField<T>(
    id: String,
    label: &'static str,
    #[prop(into)] value: Signal<Option<T>>,
    #[prop(into)] readonly: Signal<bool>,
    on_change: Callback<Option<T>>,
    #[prop(optional)] min: Option<u32>,
    #[prop(optional)] max: Option<u32>,
    #[prop(optional)] step: Option<&'static str>,
) -> impl IntoView
where
    T: Copy + PartialEq + FromStr + ToString + Send + Sync + 'static,
{
    let show = |v: Option<T>| v.map(|v| v.to_string()).unwrap_or_default();
    let initial = show(value.get_untracked());
    // What the box holds, as last typed or written.
    let typed = StoredValue::new(initial.clone());
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        let now = value.get();
        let held: Option<T> = typed.with_value(|t| t.trim().parse().ok());
        if held != now {
            let text = show(now);
            if let Some(element) = input.get_untracked() {
                element.set_value(&text);
            }
            typed.set_value(text);
        }
    });
    let for_id = id.clone();
    view! {
        <div class="field rule-number">
            <label for=for_id>{label}</label>
            <input
                id=id
                node_ref=input
                type="number"
                inputmode="decimal"
                min=min.map(|m| m.to_string())
                max=max.map(|m| m.to_string())
                step=step
                readonly=move || readonly.get()
                value=initial
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    let parsed = text.trim().parse::<T>().ok();
                    typed.set_value(text);
                    on_change.run(parsed);
                }
            />
        </div>
    }
}

/// The audience of `target` on channel `channel_id`, counted again 400 ms after either last
/// changed (「集計中…」 meanwhile), with the newest matching friends by name. `for_delivery`
/// counts with 配信 閲覧 (the delivery page) instead of セグメント 閲覧.
#[component]
pub fn AudienceCount(
    #[prop(into)] channel_id: Signal<Option<i64>>,
    #[prop(into)] target: Signal<Target>,
    #[prop(optional)] for_delivery: bool,
) -> impl IntoView {
    let request = Memo::new(move |_| (channel_id.get(), target.get()));
    let answer = RwSignal::new(None::<Result<AudienceSummary, AppError>>);
    let counting = RwSignal::new(false);
    let generation = StoredValue::new(0_u64);
    Effect::new(move |before: Option<Option<TimeoutHandle>>| {
        let (channel, target) = request.get();
        if let Some(Some(handle)) = before.as_ref() {
            handle.clear();
        }
        generation.update_value(|g| *g += 1);
        let Some(channel) = channel else {
            counting.set(false);
            answer.set(None);
            return None;
        };
        counting.set(true);
        // The first count at once; later ones when staff pause.
        let delay = if before.is_none() { 0 } else { 400 };
        set_timeout_with_handle(
            move || {
                let mine = generation.get_value();
                leptos::task::spawn_local(async move {
                    let result = if for_delivery {
                        crate::api::count_delivery_audience(channel, target).await
                    } else {
                        crate::api::count_audience(channel, target).await
                    };
                    if generation.get_value() == mine {
                        answer.set(Some(result));
                        counting.set(false);
                    }
                });
            },
            Duration::from_millis(delay),
        )
        .ok()
    });
    let figure = move || {
        if channel_id.get().is_none() {
            return view! { <p class="hint">"チャネルを選ぶと、人数を表示します。"</p> }.into_any();
        }
        if counting.get() {
            return view! { <p class="audience-figure">"集計中…"</p> }.into_any();
        }
        match answer.get() {
            None => view! { <p class="audience-figure">"集計中…"</p> }.into_any(),
            Some(Ok(summary)) => view! {
                <p class="audience-figure" data-testid="audience-count">
                    <strong>{format!("{}人", group_digits(summary.count))}</strong>
                    <span class="hint">{format!("（{} 時点）", summary.counted_at)}</span>
                </p>
            }
            .into_any(),
            Some(Err(AppError::Invalid(message))) => view! {
                <div class="notice warning audience-problem">
                    <p>"条件を完成させると人数を表示します。"</p>
                    <ul>
                        {message.lines().map(|l| view! { <li>{l.to_owned()}</li> }).collect_view()}
                    </ul>
                </div>
            }
            .into_any(),
            Some(Err(error)) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
        }
    };
    let sample = move || {
        let Some(Ok(summary)) = answer.get() else {
            return ().into_any();
        };
        if summary.sample.is_empty() {
            return view! { <p class="hint">"当てはまる友だちはいません。"</p> }.into_any();
        }
        let channel = summary.channel.clone();
        let links = summary.friend_links;
        let more = summary.count > summary.sample.len() as u64;
        view! {
            <p class="audience-sample-title">
                {format!(
                    "当てはまる友だちの例（新しい順に最大{SAMPLE_SIZE}人）",
                )}
            </p>
            <ul class="audience-sample" data-testid="audience-sample">
                {summary
                    .sample
                    .into_iter()
                    .map(|f| {
                        if links {
                            view! {
                                <li>
                                    <a href=format!(
                                        "/admin/friends/{}?ch={}",
                                        f.id,
                                        channel,
                                    )>{f.name}</a>
                                </li>
                            }
                                .into_any()
                        } else {
                            view! { <li>{f.name}</li> }.into_any()
                        }
                    })
                    .collect_view()}
            </ul>
            {more
                .then(|| {
                    view! {
                        <p class="hint">"ほかにも当てはまる友だちがいます。"</p>
                    }
                })}
        }
        .into_any()
    };
    view! {
        <div class="audience-count" data-testid="audience">
            <div role="status" aria-live="polite" aria-atomic="true">
                {figure}
            </div>
            <p class="hint">
                "ブロック中の友だちと、ほかのチャネルの友だちは数えません。"
            </p>
            <div aria-busy=move || counting.get().to_string()>{sample}</div>
        </div>
    }
    .into_any()
}

/// 12,345.
fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

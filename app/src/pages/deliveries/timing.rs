//! 配信日時: 今すぐ, 日時を指定 (a date and a time in Japan) or 繰り返し (毎日 / 毎週 on chosen
//! weekdays / 毎月 on chosen days, at a time, from a start date to an optional end date, skipping
//! excluded dates). Each mode keeps what was typed while staff switch between them.

use leptos::prelude::*;
use model::delivery::{Every, Repeat, Timing, WEEKDAYS_JA};

/// Which of the three ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Now,
    At,
    Repeat,
}

/// How often a repeated delivery goes out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Often {
    Day,
    Week,
    Month,
}

/// The timing form's state: every field of every mode.
#[derive(Clone, Copy)]
pub struct TimingState {
    pub mode: RwSignal<Mode>,
    pub at_date: RwSignal<String>,
    pub at_time: RwSignal<String>,
    pub often: RwSignal<Often>,
    pub weekdays: RwSignal<Vec<u8>>,
    pub days: RwSignal<Vec<u8>>,
    pub time: RwSignal<String>,
    pub start: RwSignal<String>,
    pub end: RwSignal<String>,
    pub except: RwSignal<Vec<String>>,
}

impl TimingState {
    /// The form for `timing`; the fields it does not use start from `default_date` and
    /// `default_time` (the next round half hour in Japan).
    pub fn new(timing: &Timing, default_date: &str, default_time: &str) -> Self {
        let state = Self {
            mode: RwSignal::new(Mode::Now),
            at_date: RwSignal::new(default_date.to_owned()),
            at_time: RwSignal::new(default_time.to_owned()),
            often: RwSignal::new(Often::Week),
            weekdays: RwSignal::new(Vec::new()),
            days: RwSignal::new(Vec::new()),
            time: RwSignal::new(default_time.to_owned()),
            start: RwSignal::new(default_date.to_owned()),
            end: RwSignal::new(String::new()),
            except: RwSignal::new(Vec::new()),
        };
        match timing {
            Timing::Now => {}
            Timing::At { date, time } => {
                state.mode.set(Mode::At);
                state.at_date.set(date.clone());
                state.at_time.set(time.clone());
            }
            Timing::Repeat(r) => {
                state.mode.set(Mode::Repeat);
                match &r.every {
                    Every::Day => state.often.set(Often::Day),
                    Every::Week { weekdays } => {
                        state.often.set(Often::Week);
                        state.weekdays.set(weekdays.clone());
                    }
                    Every::Month { days } => {
                        state.often.set(Often::Month);
                        state.days.set(days.clone());
                    }
                }
                state.time.set(r.time.clone());
                state.start.set(r.start.clone());
                state.end.set(r.end.clone().unwrap_or_default());
                state.except.set(r.except.clone());
            }
        }
        state
    }

    /// The timing the form says (tracked).
    pub fn timing(&self) -> Timing {
        match self.mode.get() {
            Mode::Now => Timing::Now,
            Mode::At => Timing::At {
                date: self.at_date.get(),
                time: self.at_time.get(),
            },
            Mode::Repeat => {
                let every = match self.often.get() {
                    Often::Day => Every::Day,
                    Often::Week => Every::Week {
                        weekdays: sorted(self.weekdays.get()),
                    },
                    Often::Month => Every::Month {
                        days: sorted(self.days.get()),
                    },
                };
                let end = self.end.get();
                Timing::Repeat(Repeat {
                    every,
                    time: self.time.get(),
                    start: self.start.get(),
                    end: (!end.is_empty()).then_some(end),
                    except: self.except.get(),
                })
            }
        }
    }
}

fn sorted(mut v: Vec<u8>) -> Vec<u8> {
    v.sort_unstable();
    v.dedup();
    v
}

/// One line of Japanese saying when: 「今すぐ」, 「2026-12-01 07:00」, 「毎週 火・金 07:00
/// （2026-12-01 から 2027-03-31 まで、除外 1 日）」.
pub fn summary(timing: &Timing) -> String {
    match timing {
        Timing::Now => "今すぐ".to_owned(),
        Timing::At { date, time } => format!("{date} {time}（日本時間）"),
        Timing::Repeat(r) => {
            let days = match &r.every {
                Every::Day => "毎日".to_owned(),
                Every::Week { weekdays } => {
                    let names: Vec<&str> = weekdays
                        .iter()
                        .filter_map(|d| WEEKDAYS_JA.get(usize::from(*d).wrapping_sub(1)).copied())
                        .collect();
                    format!("毎週 {}", names.join("・"))
                }
                Every::Month { days } => {
                    let names: Vec<String> = days.iter().map(|d| format!("{d}日")).collect();
                    format!("毎月 {}", names.join("・"))
                }
            };
            let mut period = format!("{} から", r.start);
            if let Some(end) = &r.end {
                period.push_str(&format!(" {end} まで"));
            }
            if !r.except.is_empty() {
                period.push_str(&format!("、除外 {} 日", r.except.len()));
            }
            format!("{days} {}（日本時間、{period}）", r.time)
        }
    }
}

/// The timing fields. `readonly`: shown, not changeable.
#[component]
pub fn TimingEditor(state: TimingState, #[prop(into)] readonly: Signal<bool>) -> AnyView {
    let mode_radio = move |mode: Mode, id: &'static str, label: &'static str| {
        view! {
            <label class="checkbox" for=id>
                <input
                    type="radio"
                    id=id
                    name="timing-mode"
                    prop:checked=move || state.mode.get() == mode
                    disabled=readonly
                    on:change=move |_| state.mode.set(mode)
                />
                {label}
            </label>
        }
    };
    view! {
        <fieldset class="choices delivery-timing" data-testid="timing">
            <legend>"いつ送るか"</legend>
            <div class="delivery-radios">
                {mode_radio(Mode::Now, "timing-now", "今すぐ")}
                {mode_radio(Mode::At, "timing-at", "日時を指定")}
                {mode_radio(Mode::Repeat, "timing-repeat", "繰り返し")}
            </div>
            {move || match state.mode.get() {
                Mode::Now => {
                    view! {
                        <p class="hint">
                            "確認画面で「今すぐ送信」を押すと、その時点の配信対象に送信を始めます。"
                        </p>
                    }
                        .into_any()
                }
                Mode::At => view! { <AtFields state readonly /> }.into_any(),
                Mode::Repeat => view! { <RepeatFields state readonly /> }.into_any(),
            }}
        </fieldset>
    }
    .into_any()
}

#[component]
fn AtFields(state: TimingState, readonly: Signal<bool>) -> AnyView {
    view! {
        <div class="composer-row">
            <div class="field">
                <label for="timing-at-date">"配信日"</label>
                <input
                    id="timing-at-date"
                    type="date"
                    required
                    readonly=readonly
                    prop:value=move || state.at_date.get()
                    on:input=move |ev| state.at_date.set(event_target_value(&ev))
                />
            </div>
            <div class="field">
                <label for="timing-at-time">"時刻（日本時間）"</label>
                <input
                    id="timing-at-time"
                    type="time"
                    required
                    readonly=readonly
                    prop:value=move || state.at_time.get()
                    on:input=move |ev| state.at_time.set(event_target_value(&ev))
                />
            </div>
        </div>
    }
    .into_any()
}

#[component]
fn RepeatFields(state: TimingState, readonly: Signal<bool>) -> AnyView {
    let often_radio = move |often: Often, id: &'static str, label: &'static str| {
        view! {
            <label class="checkbox" for=id>
                <input
                    type="radio"
                    id=id
                    name="timing-often"
                    prop:checked=move || state.often.get() == often
                    disabled=readonly
                    on:change=move |_| state.often.set(often)
                />
                {label}
            </label>
        }
    };
    let new_except = RwSignal::new(String::new());
    let add_except = move || {
        let day = new_except.get_untracked();
        if day.is_empty() {
            return;
        }
        state.except.update(|list| {
            if !list.contains(&day) {
                list.push(day);
                list.sort();
            }
        });
        new_except.set(String::new());
    };
    view! {
        <fieldset class="choices">
            <legend>"繰り返し"</legend>
            <div class="delivery-radios">
                {often_radio(Often::Day, "timing-daily", "毎日")}
                {often_radio(Often::Week, "timing-weekly", "毎週")}
                {often_radio(Often::Month, "timing-monthly", "毎月")}
            </div>
            {move || match state.often.get() {
                Often::Day => ().into_any(),
                Often::Week => {
                    view! {
                        <fieldset class="choices delivery-days">
                            <legend>"曜日"</legend>
                            {WEEKDAYS_JA
                                .iter()
                                .zip(1u8..)
                                .map(|(name, day)| {
                                    let id = format!("timing-weekday-{day}");
                                    let label_for = id.clone();
                                    view! {
                                        <label class="checkbox inline" for=label_for>
                                            <input
                                                type="checkbox"
                                                id=id
                                                prop:checked=move || {
                                                    state.weekdays.with(|w| w.contains(&day))
                                                }
                                                disabled=readonly
                                                on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    state.weekdays.update(|w| toggle(w, day, on));
                                                }
                                            />
                                            {format!("{name}曜日")}
                                        </label>
                                    }
                                })
                                .collect_view()}
                        </fieldset>
                    }
                        .into_any()
                }
                Often::Month => {
                    view! {
                        <fieldset class="choices delivery-days">
                            <legend>"日にち"</legend>
                            <p class="hint">
                                "その月にない日（31日など）は、その月は送りません。"
                            </p>
                            <div class="delivery-month-days">
                                {(1u8..=31)
                                    .map(|day| {
                                        let id = format!("timing-day-{day}");
                                        let label_for = id.clone();
                                        view! {
                                            <label class="checkbox" for=label_for>
                                                <input
                                                    type="checkbox"
                                                    id=id
                                                    prop:checked=move || {
                                                        state.days.with(|d| d.contains(&day))
                                                    }
                                                    disabled=readonly
                                                    on:change=move |ev| {
                                                        let on = event_target_checked(&ev);
                                                        state.days.update(|d| toggle(d, day, on));
                                                    }
                                                />
                                                {format!("{day}日")}
                                            </label>
                                        }
                                    })
                                    .collect_view()}
                            </div>
                        </fieldset>
                    }
                        .into_any()
                }
            }}
            <div class="composer-row">
                <div class="field">
                    <label for="timing-repeat-time">"時刻（日本時間）"</label>
                    <input
                        id="timing-repeat-time"
                        type="time"
                        required
                        readonly=readonly
                        prop:value=move || state.time.get()
                        on:input=move |ev| state.time.set(event_target_value(&ev))
                    />
                </div>
                <div class="field">
                    <label for="timing-repeat-start">"開始日"</label>
                    <input
                        id="timing-repeat-start"
                        type="date"
                        required
                        readonly=readonly
                        prop:value=move || state.start.get()
                        on:input=move |ev| state.start.set(event_target_value(&ev))
                    />
                </div>
                <div class="field">
                    <label for="timing-repeat-end">"終了日（空欄なら終了なし）"</label>
                    <input
                        id="timing-repeat-end"
                        type="date"
                        readonly=readonly
                        prop:value=move || state.end.get()
                        on:input=move |ev| state.end.set(event_target_value(&ev))
                    />
                </div>
            </div>
            <fieldset class="choices">
                <legend>"配信しない日"</legend>
                {move || {
                    let list = state.except.get();
                    if list.is_empty() {
                        view! {
                            <p class="hint">
                                "祝日や年末年始など、送らない日があれば追加してください。"
                            </p>
                        }
                            .into_any()
                    } else {
                        view! {
                            <ul class="delivery-except" data-testid="except-dates">
                                {list
                                    .into_iter()
                                    .map(|day| {
                                        let label = format!("除外日 {day} を削除");
                                        let remove = day.clone();
                                        view! {
                                            <li>
                                                <span>{day}</span>
                                                {move || {
                                                    (!readonly.get())
                                                        .then(|| {
                                                            let remove = remove.clone();
                                                            view! {
                                                                <button
                                                                    type="button"
                                                                    class="button ghost small"
                                                                    aria-label=label.clone()
                                                                    on:click=move |_| {
                                                                        state.except.update(|l| l.retain(|d| *d != remove))
                                                                    }
                                                                >
                                                                    "削除"
                                                                </button>
                                                            }
                                                        })
                                                }}
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                }}
                {move || {
                    (!readonly.get())
                        .then(|| {
                            view! {
                                <div class="inline-form">
                                    <label for="timing-except-new" class="visually-hidden">
                                        "配信しない日を追加"
                                    </label>
                                    <input
                                        id="timing-except-new"
                                        type="date"
                                        prop:value=move || new_except.get()
                                        on:input=move |ev| new_except.set(event_target_value(&ev))
                                        on:keydown=move |ev| {
                                            if ev.key() == "Enter" {
                                                ev.prevent_default();
                                                add_except();
                                            }
                                        }
                                    />
                                    <button
                                        type="button"
                                        class="button ghost small"
                                        data-testid="add-except"
                                        on:click=move |_| add_except()
                                    >
                                        "除外日を追加"
                                    </button>
                                </div>
                            }
                        })
                }}
            </fieldset>
        </fieldset>
    }
    .into_any()
}

fn toggle(list: &mut Vec<u8>, value: u8, on: bool) {
    list.retain(|v| *v != value);
    if on {
        list.push(value);
        list.sort_unstable();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_say_when_in_japanese() {
        assert_eq!(summary(&Timing::Now), "今すぐ");
        let repeat = Timing::Repeat(Repeat {
            every: Every::Week {
                weekdays: vec![2, 5],
            },
            time: "07:00".into(),
            start: "2026-12-01".into(),
            end: Some("2027-03-31".into()),
            except: vec!["2026-12-29".into()],
        });
        assert_eq!(
            summary(&repeat),
            "毎週 火・金 07:00（日本時間、2026-12-01 から 2027-03-31 まで、除外 1 日）"
        );
    }
}

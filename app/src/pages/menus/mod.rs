//! リッチメニュー: the menus of the caller's departments, their editor (template, areas with
//! their actions, image, live preview) and publishing to the channel.

mod editor;
mod stats;
mod tabs;

pub use editor::RichMenuPage;
pub use stats::RichMenuStatsPage;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::api::{
    AddRichMenuRule, DeleteRichMenuRule, MenuRules, RichMenuEmergencyOff, RichMenuEmergencyOn,
    list_rich_menus, rich_menu_rules,
};
use crate::components::{AsyncView, DataTable, ErrorNote, Outcome, RedirectNotice};
use crate::layout::use_channel;

#[component]
pub fn RichMenusPage() -> impl IntoView {
    let channel = use_channel();
    let overview = Resource::new(move || channel.key.get(), list_rich_menus);
    view! {
        <Title text="リッチメニュー" />
        <h1>"リッチメニュー"</h1>
        <p class="hint">
            "トーク画面の下に出る、画像のメニューです。テンプレートから作り、押したときの動作と画像を決めて公開します。LINE の PC 版には表示されません。"
        </p>
        <RedirectNotice param="deleted" text="リッチメニューを削除しました。" />
        <AsyncView resource=overview let:value>
            {
                let live = value.live.clone();
                view! {
                    <section
                        class="panel"
                        aria-labelledby="live-menu-title"
                        data-testid="live-menu"
                    >
                        <h2 id="live-menu-title">"いま表示しているメニュー"</h2>
                        {value
                            .emergency
                            .clone()
                            .map(|title| {
                                view! {
                                    <p class="form-error" role="status">
                                        {format!(
                                            "緊急切り替え中：友だち全員に「{title}」を表示しています。元に戻すには、下の「緊急切り替え」で「元のメニューに戻す」を押してください。",
                                        )}
                                    </p>
                                }
                            })}
                        {match live {
                            Some(l) if l.menu_id > 0 => {
                                view! {
                                    <p>
                                        <A href=format!(
                                            "/admin/rich-menus/{}",
                                            l.menu_id,
                                        )>{l.title}</A>
                                        {format!("（第{}版）", l.version)}
                                    </p>
                                }
                                    .into_any()
                            }
                            Some(l) => view! { <p>{l.title}</p> }.into_any(),
                            None => {
                                view! {
                                    <p class="hint">
                                        "このチャネルで表示しているリッチメニューはありません。メニューを作成して「公開」すると、友だち全員に表示されます。"
                                    </p>
                                }
                                    .into_any()
                            }
                        }}
                    </section>
                    {value
                        .can_edit
                        .then(|| {
                            view! {
                                <p class="toolbar">
                                    <A href="/admin/rich-menus/new" attr:class="button primary">
                                        "リッチメニューを作成"
                                    </A>
                                </p>
                            }
                        })}
                    {if value.menus.is_empty() {
                        view! {
                            <p class="hint">
                                "リッチメニューはまだありません。「リッチメニューを作成」から、ごみ・防災・子育てなどのひな形を選んで始められます。画像作成ソフトがなくても、画像をアップロードするだけで作れます。"
                            </p>
                        }
                            .into_any()
                    } else {
                        view! {
                            <DataTable
                                test_id="rich-menus"
                                headings=&[
                                    "メニュー名",
                                    "部署",
                                    "大きさ",
                                    "エリア",
                                    "状態",
                                    "更新",
                                ]
                            >
                                {value
                                    .menus
                                    .into_iter()
                                    .map(|m| {
                                        let status = m
                                            .status
                                            .clone()
                                            .unwrap_or_else(|| {
                                                if m.problems.is_empty() {
                                                    "未公開".into()
                                                } else {
                                                    "作成中（未完成）".into()
                                                }
                                            });
                                        let key = m.title.clone();
                                        view! {
                                            <tr data-menu=key>
                                                <td>
                                                    <A href=format!(
                                                        "/admin/rich-menus/{}",
                                                        m.id,
                                                    )>{m.title.clone()}</A>
                                                    {m
                                                        .tab_of
                                                        .map(|_| {
                                                            view! {
                                                                <span class="hint">
                                                                    {format!("（タブ「{}」）", m.tab_name)}
                                                                </span>
                                                            }
                                                        })}
                                                </td>
                                                <td>{m.department.clone()}</td>
                                                <td>{format!("{}×{}", m.size.0, m.size.1)}</td>
                                                <td>{m.areas}</td>
                                                <td>{status}</td>
                                                <td>{format!("{}（{}）", m.updated_at, m.updated_by)}</td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </DataTable>
                        }
                            .into_any()
                    }}
                }
                    .into_any()
            }
        </AsyncView>
        <WhoSeesWhat />
    }
}

/// The rules of who sees which menu, and the emergency switch.
#[component]
fn WhoSeesWhat() -> impl IntoView {
    let channel = use_channel();
    let add = ServerAction::<AddRichMenuRule>::new();
    let remove = ServerAction::<DeleteRichMenuRule>::new();
    let on = ServerAction::<RichMenuEmergencyOn>::new();
    let off = ServerAction::<RichMenuEmergencyOff>::new();
    let rules = Resource::new(
        move || {
            (
                channel.key.get(),
                add.version().get(),
                remove.version().get(),
                on.version().get(),
                off.version().get(),
            )
        },
        |(key, ..)| rich_menu_rules(key),
    );
    view! {
        <AsyncView resource=rules let:value>
            {view! {
                <div class="stack menu-channel-sections">
                    <EmergencySection value=value.clone() on off />
                    <RulesSection value add remove />
                </div>
            }
                .into_any()}
        </AsyncView>
    }
}

#[component]
fn EmergencySection(
    value: MenuRules,
    on: ServerAction<RichMenuEmergencyOn>,
    off: ServerAction<RichMenuEmergencyOff>,
) -> impl IntoView {
    let channel = use_channel();
    let confirmed = RwSignal::new(false);
    let ready: Vec<_> = value
        .menus
        .iter()
        .filter(|m| m.published)
        .cloned()
        .collect();
    view! {
        <section class="panel stack" aria-labelledby="emergency-title" data-testid="menu-emergency">
            <h2 id="emergency-title">"緊急切り替え（災害時）"</h2>
            {match value.emergency.clone() {
                Some((title, since)) => {
                    view! {
                        <p class="form-error" role="status">
                            {format!(
                                "緊急切り替え中：友だち全員に「{title}」を表示しています（{since}から）。",
                            )}
                        </p>
                        {value
                            .can_edit
                            .then(|| {
                                view! {
                                    <ActionForm action=off attr:class="inline-form">
                                        <input
                                            type="hidden"
                                            name="channel"
                                            prop:value=move || channel.key.get()
                                        />
                                        <button
                                            type="submit"
                                            class="button primary"
                                            data-testid="emergency-off"
                                            disabled=move || off.pending().get()
                                        >
                                            "元のメニューに戻す"
                                        </button>
                                    </ActionForm>
                                }
                            })}
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <p class="hint">
                            "災害などのとき、ボタン一つで友だち全員のメニューを防災メニューに切り替えます。もう一度押すと元に戻ります。使うメニューは、前もって編集画面の「切り替え用に公開」で LINE に用意しておいてください（LINE の作成回数の上限に左右されません）。"
                        </p>
                        {(value.can_edit && !ready.is_empty())
                            .then(|| {
                                view! {
                                    <ActionForm action=on attr:class="stack">
                                        <input
                                            type="hidden"
                                            name="channel"
                                            prop:value=move || channel.key.get()
                                        />
                                        <div class="field">
                                            <label for="emergency-menu">
                                                "切り替えるメニュー"
                                            </label>
                                            <select id="emergency-menu" name="menu_id" required>
                                                {ready
                                                    .iter()
                                                    .map(|m| {
                                                        view! {
                                                            <option value=m.id.to_string()>{m.name.clone()}</option>
                                                        }
                                                    })
                                                    .collect_view()}
                                            </select>
                                        </div>
                                        <label class="check">
                                            <input
                                                type="checkbox"
                                                on:change=move |ev| confirmed.set(event_target_checked(&ev))
                                            />
                                            "友だち全員のメニューをすぐに切り替えることを確認しました"
                                        </label>
                                        <p>
                                            <button
                                                type="submit"
                                                class="button danger"
                                                data-testid="emergency-on"
                                                disabled=move || !confirmed.get() || on.pending().get()
                                            >
                                                "緊急切り替えを実行"
                                            </button>
                                        </p>
                                    </ActionForm>
                                }
                            })}
                    }
                        .into_any()
                }
            }}
            <Outcome
                value=on.value()
                done="切り替えました。新しく開いた人にはすぐ、ほかの友だちにも数秒から数分で表示されます。"
            />
            <Outcome
                value=off.value()
                done="元に戻しました。友だちのメニューは数秒から数分で元に戻ります。"
            />
        </section>
    }
}

#[component]
fn RulesSection(
    value: MenuRules,
    add: ServerAction<AddRichMenuRule>,
    remove: ServerAction<DeleteRichMenuRule>,
) -> impl IntoView {
    let channel = use_channel();
    view! {
        <section class="panel stack" aria-labelledby="rules-title" data-testid="menu-rules">
            <h2 id="rules-title">"セグメント・期間ごとのメニュー"</h2>
            <p class="hint">
                "セグメントに当てはまる友だちに、既定とは別のメニューを表示します。友だちの属性が変わる（アンケートの回答・CSV 取込・職員の編集）と、数分以内に表示が切り替わります。複数のルールに当てはまるときは、優先順位の数字が小さいルールが使われます。"
            </p>
            <p class="hint">
                "年末年始や選挙期間など、決まった期間だけ全員のメニューを変えるときは、セグメントに「すべての友だち」を選び、期間を入れます。期間が終わると元のメニューに戻ります。"
            </p>
            <RuleTimeline value=value.clone() />
            {if value.rules.is_empty() {
                view! { <p class="hint">"ルールはまだありません。"</p> }.into_any()
            } else {
                view! {
                    <DataTable
                        test_id="menu-rules-table"
                        headings=&["優先順位", "セグメント", "メニュー", "期間", ""]
                    >
                        {value
                            .rules
                            .iter()
                            .map(|r| {
                                let id = r.id;
                                view! {
                                    <tr>
                                        <td>{r.priority}</td>
                                        <td>{r.segment.clone()}</td>
                                        <td>
                                            {r.menu.clone()}
                                            {r
                                                .unpublished
                                                .then(|| {
                                                    view! {
                                                        <p class="hint">
                                                            "（このメニューはまだ公開されていないため、今は使われません）"
                                                        </p>
                                                    }
                                                })}
                                        </td>
                                        <td>{r.period.clone()}</td>
                                        <td>
                                            {value
                                                .can_edit
                                                .then(|| {
                                                    view! {
                                                        <button
                                                            type="button"
                                                            class="button"
                                                            on:click=move |_| {
                                                                remove.dispatch(DeleteRichMenuRule { id });
                                                            }
                                                        >
                                                            "削除"
                                                        </button>
                                                    }
                                                })}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </DataTable>
                }
                    .into_any()
            }}
            {(value.can_edit)
                .then(|| {
                    if value.menus.is_empty() {
                        view! {
                            <p class="hint">
                                "ルールを作るには、まずリッチメニューを作ってください。"
                            </p>
                        }
                            .into_any()
                    } else {
                        view! {
                            <ActionForm
                                action=add
                                attr:class="stack"
                                attr:data-testid="add-menu-rule"
                            >
                                <input
                                    type="hidden"
                                    name="channel"
                                    prop:value=move || channel.key.get()
                                />
                                <div class="field-row">
                                    <div class="field">
                                        <label for="rule-segment">"セグメント"</label>
                                        <select id="rule-segment" name="segment_id" required>
                                            {value
                                                .segments
                                                .iter()
                                                .map(|s| {
                                                    view! {
                                                        <option value=s.id.to_string()>{s.name.clone()}</option>
                                                    }
                                                })
                                                .collect_view()}
                                            <option value="all">
                                                "すべての友だち（期間を決めて切り替え）"
                                            </option>
                                        </select>
                                    </div>
                                    <div class="field">
                                        <label for="rule-menu">"表示するメニュー"</label>
                                        <select id="rule-menu" name="menu_id" required>
                                            {value
                                                .menus
                                                .iter()
                                                .map(|m| {
                                                    let name = if m.published {
                                                        m.name.clone()
                                                    } else {
                                                        format!("{}（未公開）", m.name)
                                                    };
                                                    view! { <option value=m.id.to_string()>{name}</option> }
                                                })
                                                .collect_view()}
                                        </select>
                                    </div>
                                    <div class="field compact">
                                        <label for="rule-priority">"優先順位"</label>
                                        <input
                                            id="rule-priority"
                                            name="priority"
                                            type="number"
                                            min="1"
                                            max="999"
                                            value="10"
                                        />
                                    </div>
                                </div>
                                <div class="field-row">
                                    <div class="field">
                                        <label for="rule-starts">
                                            "期間の始まり（任意）"
                                        </label>
                                        <input
                                            id="rule-starts"
                                            name="starts"
                                            type="datetime-local"
                                        />
                                    </div>
                                    <div class="field">
                                        <label for="rule-ends">
                                            "期間の終わり（任意）"
                                        </label>
                                        <input id="rule-ends" name="ends" type="datetime-local" />
                                    </div>
                                </div>
                                <p>
                                    <button
                                        type="submit"
                                        class="button primary"
                                        data-testid="add-rule"
                                        disabled=move || add.pending().get()
                                    >
                                        "ルールを追加"
                                    </button>
                                </p>
                            </ActionForm>
                        }
                            .into_any()
                    }
                })}
            <Outcome
                value=add.value()
                done="ルールを追加しました。数分以内に友だちのメニューが切り替わります。"
            />
            {move || {
                remove
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|error| view! { <ErrorNote error /> })
            }}
        </section>
    }
}

/// The rules on a timeline of the coming weeks: each rule a row, its period a bar (a rule
/// without a period fills the row). The table below says the same in words.
#[component]
fn RuleTimeline(value: MenuRules) -> impl IntoView {
    if value.rules.is_empty() {
        return ().into_any();
    }
    const DAY: i64 = 24 * 60 * 60;
    let days = value.timeline_days.len() as i64;
    let (from, to) = (value.timeline_start, value.timeline_start + days * DAY);
    // Where a moment falls across the timeline, in percent.
    let at = move |t: i64| (t.clamp(from, to) - from) as f64 * 100.0 / (to - from) as f64;
    view! {
        <figure class="menu-timeline" data-testid="menu-timeline">
            <figcaption>{format!("これから{days}日間の予定")}</figcaption>
            <div class="menu-timeline-scale" aria-hidden="true">
                {value
                    .timeline_days
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % 7 == 0)
                    .map(|(i, day)| {
                        let left = format!("left:{:.2}%", i as f64 * 100.0 / days as f64);
                        view! { <span style=left>{day.clone()}</span> }
                    })
                    .collect_view()}
            </div>
            <ul class="menu-timeline-rows">
                {value
                    .rules
                    .iter()
                    .map(|r| {
                        let start = r.starts.unwrap_or(from);
                        let end = r.ends.unwrap_or(to);
                        let shown = start < to && end > from;
                        let (left, right) = (at(start), at(end));
                        let bar = format!("left:{left:.2}%;width:{:.2}%", (right - left).max(0.8));
                        view! {
                            <li>
                                <span class="menu-timeline-label">
                                    {format!("{}：{}", r.segment, r.menu)}
                                    <span class="hint">{format!("（{}）", r.period)}</span>
                                </span>
                                <span class="menu-timeline-track" aria-hidden="true">
                                    {shown
                                        .then(|| {
                                            view! {
                                                <span
                                                    class="menu-timeline-bar"
                                                    class:unpublished=r.unpublished
                                                    style=bar
                                                ></span>
                                            }
                                        })}
                                </span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </figure>
    }
    .into_any()
}

//! `/admin/rich-menus/:id/stats`: LINE's figures of a published menu. For one version that
//! was shown (the newest by default) and a period (the last 7 days, 30 days, or the whole time
//! it was shown): impressions and their users, and per area its taps, tapping users and tap
//! rate (taps per impression), in a table and written on the menu image, and for URL areas the
//! taps our click redirect counted. LINE gives no figures when fewer than 20 users tapped
//! (「20未満」, never 0). The figures are fetched by a periodic
//! job (`domain::menus::statistics`); this page only reads what is stored.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{MenuFigures, MenuStats, rich_menu_statistics};
use crate::components::{AsyncView, DataTable, RichMenuPreview};

/// The periods staff choose from: (query value, label).
const PERIODS: [(&str, &str); 3] = [
    ("7d", "過去7日間"),
    ("30d", "過去30日間"),
    ("live", "公開期間全体"),
];

/// LINE's figure, or 「20未満」 when LINE gave none under its threshold, or 「—」 before the
/// first fetch.
fn figure(value: Option<i64>, below_threshold: bool) -> String {
    match value {
        Some(n) => n.to_string(),
        None if below_threshold => "20未満".into(),
        None => "—".into(),
    }
}

fn rate_text(rate: Option<f64>) -> Option<String> {
    rate.map(|r| format!("{r:.1}%"))
}

#[component]
pub fn RichMenuStatsPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").and_then(|i| i.parse::<i64>().ok());
    let shown = move || {
        query
            .read()
            .get("shown")
            .and_then(|s| s.parse::<i64>().ok())
    };
    let period = move || query.read().get("period").unwrap_or_default();
    let stats = Resource::new(
        move || (id(), shown(), period()),
        |(id, shown, period)| async move {
            match id {
                Some(id) => rich_menu_statistics(id, shown, period).await,
                None => Err(crate::error::AppError::NotFound(
                    "指定されたリッチメニューはありません。".into(),
                )),
            }
        },
    );
    view! {
        <Title text="リッチメニューの統計" />
        <p>
            <A href="/admin/rich-menus">"← リッチメニュー一覧"</A>
        </p>
        <AsyncView resource=stats let:value>
            {view! { <MenuStatsView stats=value /> }.into_any()}
        </AsyncView>
    }
}

#[component]
fn MenuStatsView(stats: MenuStats) -> impl IntoView {
    let base = format!("/admin/rich-menus/{}/stats", stats.menu_id);
    let selected = stats.selected;
    let period_links = PERIODS
        .iter()
        .map(|(value, label)| {
            let mut href = format!("{base}?period={value}");
            if let Some(s) = selected {
                href.push_str(&format!("&shown={s}"));
            }
            let current = *value == stats.period;
            view! {
                <A
                    href=href
                    attr:class=if current { "button primary" } else { "button ghost" }
                    attr:aria-current=current.then_some("page")
                >
                    {*label}
                </A>
            }
        })
        .collect_view();
    let choice = (stats.shown.len() > 1).then(|| {
        let options = stats
            .shown
            .iter()
            .map(|s| {
                view! {
                    <option value=s.id.to_string() selected=Some(s.id) == selected>
                        {s.label.clone()}
                    </option>
                }
            })
            .collect_view();
        view! {
            <form method="get" action=base.clone() class="toolbar">
                <input type="hidden" name="period" value=stats.period.clone() />
                <label for="stats-shown">"公開した版"</label>
                <select id="stats-shown" name="shown">
                    {options}
                </select>
                <button type="submit" class="button ghost">
                    "表示"
                </button>
            </form>
        }
    });
    let only = (stats.shown.len() == 1).then(|| {
        view! { <p class="hint">{stats.shown[0].label.clone()}</p> }
    });
    let body = match stats.figures {
        None => {
            view! {
                <p class="hint" data-testid="stats-empty">
                    "このメニューはまだ公開されていません。公開すると、LINE の集計（表示回数・エリアごとのタップ数）をここで見られます。"
                </p>
            }
                .into_any()
        }
        Some(figures) => view! { <Figures figures /> }.into_any(),
    };
    view! {
        <h1>{format!("{} の統計", stats.title)}</h1>
        <p class="hint">
            "LINE が集計したリッチメニューの表示回数と、エリアごとのタップ数です。LINE の集計は翌日以降に反映されます（1日1回取得します）。タップした人が20人未満の期間は、LINE が数値を出さないため「20未満」と表示します。"
        </p>
        {choice}
        {only}
        {(!stats.shown.is_empty())
            .then(|| {
                view! {
                    <nav class="toolbar" aria-label="集計期間">
                        {period_links}
                    </nav>
                }
            })}
        {body}
    }
}

#[component]
fn Figures(figures: MenuFigures) -> impl IntoView {
    let below = figures.below_threshold;
    let rates: Vec<Option<f64>> = figures.areas.iter().map(|a| figures.tap_rate(a)).collect();
    let overlay: Vec<String> = rates
        .iter()
        .map(|r| {
            rate_text(*r).unwrap_or_else(|| {
                if below {
                    "20未満".into()
                } else {
                    String::new()
                }
            })
        })
        .collect();
    let areas: Vec<_> = figures
        .areas
        .iter()
        .map(|a| (a.bounds, a.label.clone()))
        .collect();
    let open = RwSignal::new(true);
    let chosen = RwSignal::new(None::<usize>);
    let updated = match (&figures.fetched_at, figures.is_final) {
        (Some(at), true) => format!("{at} 取得・確定（公開を終えたメニューです）"),
        (Some(at), false) => format!("{at} 取得"),
        (None, _) => {
            "LINE の集計をまだ取得していません。公開の数分後から取得し、その後は1日1回更新します。"
                .into()
        }
    };
    let rows = figures
        .areas
        .iter()
        .zip(&rates)
        .enumerate()
        .map(|(i, (a, rate))| {
            let label = if a.label.trim().is_empty() {
                format!("エリア{}", i + 1)
            } else {
                a.label.clone()
            };
            let action = a.url.clone().unwrap_or_else(|| "—".into());
            view! {
                <tr data-area=i class:is-chosen=move || chosen.get() == Some(i)>
                    <td class="number">{i + 1}</td>
                    <td>{label}</td>
                    <td class="url">{action}</td>
                    <td class="number" data-testid="area-taps">
                        {figure(a.taps, below)}
                    </td>
                    <td class="number">{figure(a.tap_users, below)}</td>
                    <td class="number" data-testid="area-rate">
                        {rate_text(*rate).unwrap_or_else(|| "—".into())}
                    </td>
                    <td class="number" data-testid="area-our-clicks">
                        {a.our_clicks.map_or_else(|| "—".to_owned(), |n| n.to_string())}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <dl class="stats figures" data-testid="menu-figures">
            <div class="stat">
                <dt>"表示回数"</dt>
                <dd data-testid="figure-impressions">{figure(figures.impressions, below)}</dd>
            </div>
            <div class="stat">
                <dt>"表示した人数"</dt>
                <dd data-testid="figure-impression-users">
                    {figure(figures.impression_users, below)}
                </dd>
            </div>
        </dl>
        <p class="hint" data-testid="figures-updated">
            {updated}
            {figures.days.clone().map(|d| format!("　集計期間：{d}"))}
        </p>
        {figures
            .last_error
            .clone()
            .map(|e| {
                view! {
                    <p class="notice warning" role="note">
                        {format!("前回の取得に失敗しました：{e}")}
                    </p>
                }
            })}
        <div class="menu-stats">
            <section aria-labelledby="menu-stats-image-title" class="menu-stats-image">
                <h2 id="menu-stats-image-title">"メニュー上のタップ率"</h2>
                <p class="hint">
                    "タップ率は、エリアのタップ数 ÷ メニューの表示回数です。エリアを押すと、表の行に印が付きます。"
                </p>
                <RichMenuPreview
                    image_src=Signal::stored(Some(figures.image_url.clone()))
                    size=Signal::stored(figures.size)
                    areas=Signal::stored(areas)
                    chat_bar_text=Signal::stored(figures.chat_bar_text.clone())
                    open
                    on_tap=Callback::new(move |i: usize| chosen.set(Some(i)))
                    overlay=Signal::stored(overlay)
                />
            </section>
            <section aria-labelledby="menu-stats-areas-title">
                <h2 id="menu-stats-areas-title">"エリアごとのタップ"</h2>
                <DataTable
                    test_id="menu-area-figures"
                    headings=&[
                        "番号",
                        "エリア",
                        "リンク先",
                        "タップ数",
                        "タップした人数",
                        "タップ率",
                        "クリック数（計測）",
                    ]
                >
                    {rows}
                </DataTable>
                <p class="hint">
                    "「クリック数（計測）」は、URL のエリアをこのシステムの計測リンク経由で開いた回数です（同じ期間、20人未満でも数えます）。「—」は計測していないエリアです。"
                </p>
            </section>
        </div>
    }
}

//! リッチメニュー: menus per department, their editor, and publishing to a channel.

use leptos::prelude::*;
use model::menu::MenuDesign;
use serde::{Deserialize, Serialize};

use super::templates::DepartmentOption;
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MenuRow {
    pub id: i64,
    pub title: String,
    pub department_id: i64,
    pub department: String,
    pub size: (i32, i32),
    pub areas: usize,
    /// Problems that stop publishing, in Japanese (the design's and the image's).
    pub problems: Vec<String>,
    pub image: Option<MenuImage>,
    /// Where the newest publish of this menu stands (「公開中」, 「失敗」…), if it was published.
    pub status: Option<String>,
    /// The first tab's id when this menu is a further tab of it (published with it).
    pub tab_of: Option<i64>,
    pub tab_name: String,
    pub updated_at: String,
    pub updated_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuImage {
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
    /// `/admin/rich-menus/{id}/image?v=…`, changing with each new image.
    pub url: String,
}

/// `/admin/rich-menus`: the caller's menus and what the channel shows now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MenusOverview {
    pub menus: Vec<MenuRow>,
    /// The menu the channel shows everyone now: (menu id, title, version), when it is one of
    /// the caller's departments' (another department's shows as its title only).
    pub live: Option<LiveMenu>,
    /// The emergency menu's title while the emergency switch is on.
    pub emergency: Option<String>,
    pub can_edit: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveMenu {
    pub menu_id: i64,
    pub title: String,
    pub version: i32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MenuForm {
    pub menu: Option<MenuRow>,
    pub design: MenuDesign,
    pub departments: Vec<DepartmentOption>,
    pub can_edit: bool,
    /// The tabs of the menu, the first first (one: a menu without tabs; none: a new menu).
    pub tabs: Vec<MenuTab>,
}

/// A tab of a menu: the menu that is it, its name, and the alias `richmenuswitch` names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuTab {
    pub id: i64,
    pub name: String,
    pub alias: String,
}

/// One publish, as the editor lists them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicationRow {
    pub id: i64,
    pub channel: String,
    pub version_id: i64,
    pub version: i32,
    /// `queued`, `creating`, … (`domain::menus::publish::State`).
    pub state: String,
    pub state_label: String,
    /// Still under way: the page asks again shortly.
    pub in_progress: bool,
    pub error: Option<String>,
    pub created_at: String,
    pub created_by: String,
}

/// What the server made of an uploaded image (`POST /admin/rich-menus/{id}/image`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuImageFitted {
    pub content_type: String,
    pub bytes: usize,
    pub source_bytes: usize,
    pub source_width: u32,
    pub source_height: u32,
    pub enlarged: bool,
}

/// `/admin/rich-menus/{id}/stats`: LINE's figures of one published version of a menu.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MenuStats {
    pub menu_id: i64,
    pub title: String,
    /// The versions of the menu that were shown (newest first), for the choice.
    pub shown: Vec<ShownMenuRow>,
    /// The one shown below (a `line_rich_menu` id), if any was shown.
    pub selected: Option<i64>,
    /// `7d`, `30d` or `live`.
    pub period: String,
    pub figures: Option<MenuFigures>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShownMenuRow {
    pub id: i64,
    /// 「第2版（main）公開中・2026/11/28 10:00〜」.
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MenuFigures {
    /// The published version's image (`/admin/rich-menus/{id}/image?version=…`).
    pub image_url: String,
    pub size: (i32, i32),
    pub chat_bar_text: String,
    /// When LINE's figures were last fetched; none before the first fetch.
    pub fetched_at: Option<String>,
    /// The days the figures cover, in Japanese.
    pub days: Option<String>,
    /// LINE gave no figures: fewer users than its threshold (「20未満」).
    pub below_threshold: bool,
    pub impressions: Option<i64>,
    pub impression_users: Option<i64>,
    pub areas: Vec<AreaFigures>,
    /// The menu is no longer shown and its figures will not change.
    pub is_final: bool,
    pub ended: bool,
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AreaFigures {
    pub bounds: line::rich_menu::RichMenuBounds,
    pub label: String,
    /// The area's link, for a URL area.
    pub url: Option<String>,
    /// LINE's taps and tapping users; none when LINE gave none (under its threshold or not
    /// fetched yet).
    pub taps: Option<i64>,
    pub tap_users: Option<i64>,
    /// Taps of a URL area counted by our click redirect over the same days; none for an area
    /// not sent through it.
    pub our_clicks: Option<i64>,
}

impl MenuFigures {
    /// An area's taps per impression, in percent (none without both figures).
    pub fn tap_rate(&self, area: &AreaFigures) -> Option<f64> {
        match (area.taps, self.impressions) {
            (Some(taps), Some(impressions)) if impressions > 0 => {
                Some(taps as f64 * 100.0 / impressions as f64)
            }
            _ => None,
        }
    }
}

#[cfg(feature = "ssr")]
pub(crate) const RULES: &[super::rules::Rule] = {
    use super::rules::rule;
    use model::access::{Action, Feature, Need};
    // The department scope is applied inside, by the domain.
    &[
        rule::<ListRichMenus>(Need::Can(Feature::RichMenus, Action::View)),
        rule::<RichMenuEditor>(Need::Can(Feature::RichMenus, Action::View)),
        rule::<RichMenuPublications>(Need::Can(Feature::RichMenus, Action::View)),
        rule::<RichMenuStatistics>(Need::Can(Feature::RichMenus, Action::View)),
        rule::<SaveRichMenu>(Need::Can(Feature::RichMenus, Action::Edit)),
        rule::<DeleteRichMenu>(Need::Can(Feature::RichMenus, Action::Edit)),
        rule::<AddRichMenuTab>(Need::Can(Feature::RichMenus, Action::Edit)),
        rule::<PublishRichMenu>(Need::Can(Feature::RichMenus, Action::Edit)),
        rule::<RepublishRichMenu>(Need::Can(Feature::RichMenus, Action::Edit)),
        rule::<RichMenuRules>(Need::Can(Feature::RichMenus, Action::View)),
        rule::<AddRichMenuRule>(Need::Can(Feature::RichMenus, Action::Edit)),
        rule::<DeleteRichMenuRule>(Need::Can(Feature::RichMenus, Action::Edit)),
        rule::<RichMenuEmergencyOn>(Need::Can(Feature::RichMenus, Action::Edit)),
        rule::<RichMenuEmergencyOff>(Need::Can(Feature::RichMenus, Action::Edit)),
    ]
};

#[server(endpoint = "rich_menus/list")]
pub async fn list_rich_menus(channel: String) -> Result<MenusOverview, AppError> {
    use model::access::{Action, Feature};
    let (me, ctx) = crate::ssr::context::call::<ListRichMenus>()?;
    let scope = me.grants.scope();
    let list = domain::menus::designs::list(ctx.db(), &scope).await?;
    let mut menus = Vec::with_capacity(list.len());
    for m in list {
        let status = domain::menus::publish::publications(ctx.db(), &scope, m.id)
            .await?
            .first()
            .map(|p| p.state.label_ja().to_owned());
        menus.push(menu_row(m, status));
    }
    let channel_id = ctx.channel_id(&channel).await?;
    let live = match domain::menus::publish::default_of(ctx.db(), channel_id).await? {
        Some((menu_id, version)) => menus
            .iter()
            .find(|m| m.id == menu_id)
            .map(|m| LiveMenu {
                menu_id,
                title: m.title.clone(),
                version,
            })
            .or(Some(LiveMenu {
                menu_id: 0,
                title: "（ほかの部署のメニュー）".into(),
                version,
            })),
        None => None,
    };
    let emergency = domain::menus::links::emergency(ctx.db(), channel_id)
        .await?
        .map(|e| {
            menus.iter().find(|m| m.id == e.menu_id).map_or_else(
                || "（ほかの部署のメニュー）".to_owned(),
                |m| m.title.clone(),
            )
        });
    Ok(MenusOverview {
        menus,
        live,
        emergency,
        can_edit: me.grants.can(Feature::RichMenus, Action::Edit),
    })
}

/// The editor of menu `id`, or of a new menu from `preset` (a municipal preset's id).
#[server(endpoint = "rich_menus/editor")]
pub async fn rich_menu_editor(
    id: Option<i64>,
    preset: Option<String>,
) -> Result<MenuForm, AppError> {
    use model::access::{Action, Feature};
    let (me, ctx) = crate::ssr::context::call::<RichMenuEditor>()?;
    let scope = me.grants.scope();
    let menu = match id {
        Some(id) => Some(domain::menus::designs::get(ctx.db(), &scope, id).await?),
        None => None,
    };
    let design = match &menu {
        Some(m) => m.design.clone(),
        None => preset
            .as_deref()
            .and_then(model::menu::preset)
            .map_or_else(MenuDesign::new, MenuDesign::from_preset),
    };
    let departments = domain::staff::departments::list(ctx.db())
        .await?
        .into_iter()
        .filter(|d| scope.includes(d.id))
        .map(|d| DepartmentOption {
            id: d.id,
            name: d.name,
        })
        .collect();
    let status = match &menu {
        Some(m) => domain::menus::publish::publications(ctx.db(), &scope, m.id)
            .await?
            .first()
            .map(|p| p.state.label_ja().to_owned()),
        None => None,
    };
    let tabs = match &menu {
        Some(m) => domain::menus::designs::tabs(ctx.db(), &scope, m.id)
            .await?
            .into_iter()
            .map(|t| MenuTab {
                id: t.id,
                name: t.name,
                alias: t.alias,
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(MenuForm {
        menu: menu.map(|m| menu_row(m, status)),
        design,
        departments,
        can_edit: me.grants.can(Feature::RichMenus, Action::Edit),
        tabs,
    })
}

/// Adds a tab named `name` to menu `id`'s menu and opens its editor.
#[server(endpoint = "rich_menus/add_tab")]
pub async fn add_rich_menu_tab(id: i64, name: String) -> Result<i64, AppError> {
    let (me, ctx) = crate::ssr::context::call::<AddRichMenuTab>()?;
    let tab =
        domain::menus::designs::add_tab(ctx.db(), &ctx.actor(&me), &me.grants.scope(), id, &name)
            .await?;
    leptos_axum::redirect(&format!("/admin/rich-menus/{}?tab=1", tab.id));
    Ok(tab.id)
}

/// Creates (`id` empty) or saves a menu; answers its id. `design` is the editor's
/// `MenuDesign` as JSON.
#[server(endpoint = "rich_menus/save")]
pub async fn save_rich_menu(
    id: Option<i64>,
    department_id: Option<i64>,
    title: String,
    design: String,
) -> Result<i64, AppError> {
    let (me, ctx) = crate::ssr::context::call::<SaveRichMenu>()?;
    let Some(department_id) = department_id else {
        return Err(AppError::Invalid("所属部署を選んでください。".into()));
    };
    let design: MenuDesign = serde_json::from_str(&design).map_err(|_| {
        AppError::Invalid(
            "メニューの内容を読み取れませんでした。ページを開き直してください。".into(),
        )
    })?;
    let input = domain::menus::designs::MenuInput {
        department_id,
        title,
        design,
    };
    let scope = me.grants.scope();
    let actor = ctx.actor(&me);
    let saved = match id {
        Some(id) => domain::menus::designs::update(ctx.db(), &actor, &scope, id, input).await,
        None => domain::menus::designs::create(ctx.db(), &actor, &scope, input).await,
    }?;
    if id.is_none() {
        leptos_axum::redirect(&format!("/admin/rich-menus/{}?saved=1", saved.id));
    }
    Ok(saved.id)
}

#[server(endpoint = "rich_menus/delete")]
pub async fn delete_rich_menu(id: i64) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<DeleteRichMenu>()?;
    domain::menus::designs::delete(ctx.db(), &ctx.actor(&me), &me.grants.scope(), id).await?;
    leptos_axum::redirect("/admin/rich-menus?deleted=1");
    Ok(())
}

/// Publishes the saved menu `id` on `channel`: as its default menu (everyone without a menu of
/// their own sees it), or, with `for_links`, only made ready for rules, deliveries and the
/// emergency switch.
#[server(endpoint = "rich_menus/publish")]
pub async fn publish_rich_menu(
    id: i64,
    channel: String,
    #[server(default)] for_links: bool,
) -> Result<PublicationRow, AppError> {
    use domain::menus::publish::Purpose;
    let (me, ctx) = crate::ssr::context::call::<PublishRichMenu>()?;
    let channel_id = ctx.channel_id(&channel).await?;
    let purpose = if for_links {
        Purpose::Linked
    } else {
        Purpose::Default
    };
    let p = domain::menus::publish::publish(
        ctx.db(),
        &ctx.actor(&me),
        &me.grants.scope(),
        id,
        channel_id,
        purpose,
    )
    .await?;
    Ok(publication_row(p, channel))
}

/// Publishes an earlier version again as the default of `channel` (元に戻す).
#[server(endpoint = "rich_menus/republish")]
pub async fn republish_rich_menu(
    version_id: i64,
    channel: String,
) -> Result<PublicationRow, AppError> {
    let (me, ctx) = crate::ssr::context::call::<RepublishRichMenu>()?;
    let channel_id = ctx.channel_id(&channel).await?;
    let p = domain::menus::publish::republish(
        ctx.db(),
        &ctx.actor(&me),
        &me.grants.scope(),
        version_id,
        channel_id,
    )
    .await?;
    Ok(publication_row(p, channel))
}

/// The publishes of menu `id`, newest first.
#[server(endpoint = "rich_menus/publications")]
pub async fn rich_menu_publications(id: i64) -> Result<Vec<PublicationRow>, AppError> {
    let (me, ctx) = crate::ssr::context::call::<RichMenuPublications>()?;
    let list = domain::menus::publish::publications(ctx.db(), &me.grants.scope(), id).await?;
    let channels = domain::platform::channels::keys_by_id(ctx.db()).await?;
    Ok(list
        .into_iter()
        .map(|p| {
            let channel = channels.get(&p.channel_id).cloned().unwrap_or_default();
            publication_row(p, channel)
        })
        .collect())
}

/// LINE's figures of menu `id`: of its shown version `shown` (the newest when none) over
/// `period` (`7d`, `30d`, `live`).
#[server(endpoint = "rich_menus/statistics")]
pub async fn rich_menu_statistics(
    id: i64,
    #[server(default)] shown: Option<i64>,
    #[server(default)] period: String,
) -> Result<MenuStats, AppError> {
    use domain::menus::statistics::{self, Period};
    let (me, ctx) = crate::ssr::context::call::<RichMenuStatistics>()?;
    let scope = me.grants.scope();
    let menu = domain::menus::designs::get(ctx.db(), &scope, id).await?;
    let period = Period::parse(&period).unwrap_or(Period::Week);
    let list = statistics::shown(ctx.db(), &scope, id).await?;
    let channels = domain::platform::channels::keys_by_id(ctx.db()).await?;
    let rows = list
        .iter()
        .map(|s| {
            let channel = channels.get(&s.channel_id).cloned().unwrap_or_default();
            let until = s.ended_at.map(domain::time::minutes).unwrap_or_default();
            ShownMenuRow {
                id: s.line_menu_id,
                label: format!(
                    "第{}版（{channel}）{}・{}〜{until}",
                    s.version_number,
                    s.state.label_ja(),
                    domain::time::minutes(s.live_at),
                ),
            }
        })
        .collect();
    let chosen = match shown {
        Some(wanted) => Some(
            list.into_iter()
                .find(|s| s.line_menu_id == wanted)
                .ok_or_else(|| AppError::NotFound("指定された公開はありません。".into()))?,
        ),
        None => list.into_iter().next(),
    };
    let figures = match chosen {
        Some(s) => Some(statistics::figures(ctx.db(), s, period, domain::time::now()).await?),
        None => None,
    };
    // LINE's `yyyyMMdd` as 2026年11月8日.
    let day = |d: &str| match (d.get(0..4), d.get(4..6), d.get(6..8)) {
        (Some(y), Some(m), Some(dd)) => format!(
            "{y}年{}月{}日",
            m.trim_start_matches('0'),
            dd.trim_start_matches('0')
        ),
        _ => d.to_owned(),
    };
    Ok(MenuStats {
        menu_id: menu.id,
        title: menu.title,
        shown: rows,
        selected: figures.as_ref().map(|f| f.menu.line_menu_id),
        period: period.as_str().to_owned(),
        figures: figures.map(|f| {
            let days = match (&f.metrics_from, &f.metrics_to, &f.from_day, &f.to_day) {
                (Some(from), Some(to), ..) | (None, None, Some(from), Some(to)) => {
                    Some(format!("{}〜{}", day(from), day(to)))
                }
                _ => None,
            };
            MenuFigures {
                image_url: format!(
                    "/admin/rich-menus/{}/image?version={}",
                    menu.id, f.menu.version_id
                ),
                size: (f.design.width, f.design.height),
                chat_bar_text: f.design.chat_bar_text.clone(),
                fetched_at: f.fetched_at.map(domain::time::minutes),
                days,
                below_threshold: f.below_threshold,
                impressions: f.impressions,
                impression_users: f.impression_users,
                areas: f
                    .areas
                    .into_iter()
                    .map(|a| AreaFigures {
                        bounds: line::rich_menu::RichMenuBounds {
                            x: a.bounds.x,
                            y: a.bounds.y,
                            width: a.bounds.width,
                            height: a.bounds.height,
                        },
                        label: a.label,
                        url: a.url,
                        taps: a.taps,
                        tap_users: a.tap_users,
                        our_clicks: a.our_clicks,
                    })
                    .collect(),
                is_final: f.is_final,
                ended: f.menu.ended_at.is_some(),
                last_error: f.last_error,
            }
        }),
    })
}

#[cfg(feature = "ssr")]
fn publication_row(p: domain::menus::publish::Publication, channel: String) -> PublicationRow {
    use domain::menus::publish::State;
    PublicationRow {
        id: p.id,
        channel,
        version_id: p.version_id,
        version: p.version_number,
        state: p.state.as_str().to_owned(),
        state_label: p.state.label_ja().to_owned(),
        in_progress: matches!(
            p.state,
            State::Queued | State::Creating | State::Created | State::Uploaded
        ),
        error: p.error,
        created_at: domain::time::minutes(p.created_at),
        created_by: p.created_by,
    }
}

#[cfg(feature = "ssr")]
fn menu_row(m: domain::menus::designs::Menu, status: Option<String>) -> MenuRow {
    let version = m.updated_at.timestamp_millis();
    MenuRow {
        problems: m.problems(),
        image: m.image.as_ref().map(|i| MenuImage {
            content_type: i.content_type.clone(),
            width: i.width,
            height: i.height,
            bytes: i.bytes,
            url: format!("/admin/rich-menus/{}/image?v={version}", m.id),
        }),
        id: m.id,
        title: m.title,
        department_id: m.department_id,
        department: m.department_name,
        size: (m.design.width, m.design.height),
        areas: m.design.areas.len(),
        status,
        tab_of: m.tab_of,
        tab_name: m.design.tab_name.clone(),
        updated_at: domain::time::minutes(m.updated_at),
        updated_by: m.updated_by,
    }
}

/// A rule of who sees which menu, as the list shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MenuRuleRow {
    pub id: i64,
    pub segment: String,
    pub menu_id: i64,
    pub menu: String,
    pub priority: i32,
    /// 「いつでも」 or the period in Japan time.
    pub period: String,
    /// The period in Unix seconds (the timeline draws it).
    pub starts: Option<i64>,
    pub ends: Option<i64>,
    pub unpublished: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MenuChoice {
    pub id: i64,
    pub name: String,
    /// Has a live LINE menu on the channel (rules and the emergency switch need one).
    pub published: bool,
}

/// `/admin/rich-menus`' second half: the rules, the emergency switch, and what can be chosen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MenuRules {
    pub rules: Vec<MenuRuleRow>,
    pub segments: Vec<MenuChoice>,
    pub menus: Vec<MenuChoice>,
    /// The emergency menu's title and since when, while the switch is on.
    pub emergency: Option<(String, String)>,
    pub can_edit: bool,
    /// The timeline's first day (midnight in Japan, Unix seconds) and its days, each labelled
    /// 「12/1(火)」.
    pub timeline_start: i64,
    pub timeline_days: Vec<String>,
}

/// Days the timeline of rules shows, from today.
pub const TIMELINE_DAYS: i64 = 42;

#[server(endpoint = "rich_menus/rules")]
pub async fn rich_menu_rules(channel: String) -> Result<MenuRules, AppError> {
    use model::access::{Action, Feature};
    let (me, ctx) = crate::ssr::context::call::<RichMenuRules>()?;
    let scope = me.grants.scope();
    let channel_id = ctx.channel_id(&channel).await?;
    let db = ctx.db();
    let live = domain::menus::links::rules(db, &scope, channel_id).await?;
    let period = |s: Option<domain::DateTime>, e: Option<domain::DateTime>| match (s, e) {
        (None, None) => "いつでも".to_owned(),
        (s, e) => format!(
            "{} 〜 {}",
            s.map(domain::time::minutes).unwrap_or_default(),
            e.map(domain::time::minutes).unwrap_or_default()
        ),
    };
    let rules = live
        .into_iter()
        .map(|r| MenuRuleRow {
            id: r.id,
            segment: r.segment_name,
            menu_id: r.menu_id,
            menu: r.menu_title,
            priority: r.priority,
            period: period(r.starts_at, r.ends_at),
            starts: r.starts_at.map(|t| t.timestamp()),
            ends: r.ends_at.map(|t| t.timestamp()),
            unpublished: r.unpublished,
        })
        .collect();
    let segments = domain::audience::segments::list(db, &scope)
        .await?
        .into_iter()
        .map(|s| MenuChoice {
            id: s.id,
            name: s.name,
            published: true,
        })
        .collect();
    let published = domain::menus::links::published_menus(db, channel_id).await?;
    // A menu with tabs is chosen by its first tab (friends are linked to it).
    let menus: Vec<MenuChoice> = domain::menus::designs::list(db, &scope)
        .await?
        .into_iter()
        .filter(|m| m.tab_of.is_none())
        .map(|m| MenuChoice {
            published: published.contains(&m.id),
            id: m.id,
            name: m.title,
        })
        .collect();
    let emergency = match domain::menus::links::emergency(db, channel_id).await? {
        Some(e) => {
            let title = menus
                .iter()
                .find(|m| m.id == e.menu_id)
                .map_or_else(|| "（ほかの部署のメニュー）".to_owned(), |m| m.name.clone());
            Some((
                title,
                format!("{}（{}）", domain::time::minutes(e.since), e.by),
            ))
        }
        None => None,
    };
    let start = domain::time::start_of_day(domain::time::day_of(domain::time::now()));
    let timeline_days = (0..TIMELINE_DAYS)
        .map(|d| {
            // Noon of each day in Japan: clear of any day boundary.
            let at = start + domain::TimeDelta::hours(24 * d + 12);
            let weekday = domain::time::format(at, "%u")
                .parse::<usize>()
                .ok()
                .and_then(|n| model::delivery::WEEKDAYS_JA.get(n.wrapping_sub(1)))
                .copied()
                .unwrap_or_default();
            format!("{}({weekday})", domain::time::format(at, "%-m/%-d"))
        })
        .collect();
    Ok(MenuRules {
        rules,
        segments,
        menus,
        emergency,
        can_edit: me.grants.can(Feature::RichMenus, Action::Edit),
        timeline_start: start.timestamp(),
        timeline_days,
    })
}

/// Adds a rule: friends in `segment_id` (「all」: every friend, for a period) see `menu_id`.
/// `starts`/`ends` are optional `YYYY-MM-DDTHH:MM` in Japan time (the period the rule applies
/// in).
#[server(endpoint = "rich_menus/add_rule")]
pub async fn add_rich_menu_rule(
    channel: String,
    segment_id: String,
    menu_id: Option<i64>,
    priority: Option<i32>,
    #[server(default)] starts: String,
    #[server(default)] ends: String,
) -> Result<i64, AppError> {
    let (me, ctx) = crate::ssr::context::call::<AddRichMenuRule>()?;
    let segment_id = match segment_id.trim() {
        "all" => None,
        id => Some(
            id.parse::<i64>()
                .map_err(|_| AppError::Invalid("セグメントを選んでください。".into()))?,
        ),
    };
    let Some(menu_id) = menu_id else {
        return Err(AppError::Invalid("メニューを選んでください。".into()));
    };
    let input = domain::menus::links::RuleInput {
        segment_id,
        menu_id,
        priority: priority.unwrap_or(10),
        starts_at: domain::time::parse_local_minute(&starts, "始まり")?,
        ends_at: domain::time::parse_local_minute(&ends, "終わり")?,
    };
    let channel_id = ctx.channel_id(&channel).await?;
    Ok(domain::menus::links::add_rule(
        ctx.db(),
        &ctx.actor(&me),
        &me.grants.scope(),
        channel_id,
        input,
    )
    .await?)
}

#[server(endpoint = "rich_menus/delete_rule")]
pub async fn delete_rich_menu_rule(id: i64) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<DeleteRichMenuRule>()?;
    domain::menus::links::delete_rule(ctx.db(), &ctx.actor(&me), &me.grants.scope(), id).await?;
    Ok(())
}

/// The emergency switch: everyone on `channel` sees `menu_id` (published beforehand) at once.
#[server(endpoint = "rich_menus/emergency_on")]
pub async fn rich_menu_emergency_on(channel: String, menu_id: Option<i64>) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<RichMenuEmergencyOn>()?;
    let Some(menu_id) = menu_id else {
        return Err(AppError::Invalid(
            "切り替えるメニューを選んでください。".into(),
        ));
    };
    let line = ctx.line_client(&channel)?;
    domain::menus::links::emergency_on(
        ctx.db(),
        &line.client,
        &ctx.actor(&me),
        &me.grants.scope(),
        line.channel_id,
        menu_id,
    )
    .await?;
    Ok(())
}

/// Undoes the emergency switch: the default and everyone's menus as before.
#[server(endpoint = "rich_menus/emergency_off")]
pub async fn rich_menu_emergency_off(channel: String) -> Result<(), AppError> {
    let (me, ctx) = crate::ssr::context::call::<RichMenuEmergencyOff>()?;
    let line = ctx.line_client(&channel)?;
    domain::menus::links::emergency_off(ctx.db(), &line.client, &ctx.actor(&me), line.channel_id)
        .await?;
    Ok(())
}

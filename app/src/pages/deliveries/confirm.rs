//! The confirmation before 予約する / 今すぐ送信: the preview, the channel with its environment,
//! the timing, the audience counted when the dialog opens and, from 90 %, the warning that the
//! month's LINE unit names are nearly used. Unsaved changes are saved first,
//! so what is sent is what staff confirmed.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use model::delivery::Timing;
use model::status::{DeliveryStatus, Environment};

use super::EnvBadge;
use super::editor::{Page, timing_line};
use crate::api::{AppError, count_delivery_audience, delivery_unit_budget, schedule_delivery};
use crate::components::LinePreview;

#[component]
pub fn ConfirmDialog(open: RwSignal<bool>) -> AnyView {
    let page = expect_context::<Page>();
    let navigate = use_navigate();
    // What staff confirm: the form as it is when the dialog opens.
    let draft = page.draft_untracked();
    let dirty = page.dirty_untracked();
    let was_new = page.id.get_untracked().is_none();
    let now = matches!(draft.timing, Timing::Now);
    let channel = page.channel_choice(draft.channel_id);
    let production = channel
        .as_ref()
        .is_some_and(|c| !c.sandbox && c.environment == Environment::Production);
    let problems = line::validate::messages(&draft.messages).len();
    let count = {
        let (channel, target) = (draft.channel_id, draft.target.clone());
        LocalResource::new(move || {
            let target = target.clone();
            async move {
                match channel {
                    Some(channel) if !target.is_empty() => {
                        Some(count_delivery_audience(channel, target).await)
                    }
                    _ => None,
                }
            }
        })
    };
    // LINE's unit names of the month nearly used: this run may go without one (no opens).
    let units = {
        let channel = draft.channel_id;
        LocalResource::new(move || async move {
            match channel {
                Some(channel) => delivery_unit_budget(channel).await.ok().flatten(),
                None => None,
            }
        })
    };
    let audience_ok = move || matches!(count.get().flatten(), Some(Ok(a)) if a.count > 0);
    let blocked = move || page.busy.get() || problems > 0 || !audience_ok();
    let error = RwSignal::new(None::<AppError>);
    let (heading, action) = if now {
        ("送信の確認", "今すぐ送信する")
    } else {
        ("予約の確認", "予約する")
    };
    let confirm = move |_| {
        page.busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let result = async {
                let state = page.ensure_saved().await?;
                schedule_delivery(state.id, state.version).await
            }
            .await;
            match result {
                Ok(state) => {
                    let sending = state.status == DeliveryStatus::Sending;
                    if was_new {
                        // The saved delivery's page replaces this one, the dialog with it: no
                        // signal of this page is set first (an update still pending when the
                        // page goes would read a disposed signal).
                        let flag = if sending { "sending" } else { "scheduled" };
                        navigate(
                            &format!("/admin/deliveries/{}?{flag}=1", state.id),
                            NavigateOptions::default(),
                        );
                        return;
                    }
                    page.busy.set(false);
                    page.apply(&state);
                    open.set(false);
                    if sending {
                        page.outcome.set(Some(Ok(
                            "送信を始めました。進み具合は「送信状況」に表示されます。".into(),
                        )));
                    } else {
                        let next = state.next_at.unwrap_or_default();
                        page.outcome.set(Some(Ok(format!(
                            "予約しました（次回 {next}）。送信前なら「予約を解除」で取り消せます。"
                        ))));
                    }
                }
                Err(e) => {
                    page.busy.set(false);
                    error.set(Some(e));
                }
            }
        });
    };
    let account_name = channel
        .as_ref()
        .map_or_else(|| "公式アカウント".to_owned(), |c| c.name.clone());
    let messages = draft.messages.clone();
    let per_person = draft.per_person_clicks;
    // 「イベント」に切り替え（2026-12-06T23:59 まで）.
    let menu_line = draft.rich_menu.as_ref().map(|chosen| {
        let title = page
            .rich_menus
            .with_value(|m| {
                m.iter()
                    .find(|c| c.id == chosen.menu_id)
                    .map(|c| c.title.clone())
            })
            .unwrap_or_default();
        let until = if chosen.until.is_empty() {
            "期限なし".to_owned()
        } else {
            format!("{} まで", chosen.until.replace('T', " "))
        };
        format!("受け取った友だちを「{title}」に切り替え（{until}）")
    });
    view! {
        <h2 id="confirm-title">{heading}</h2>
        <div class="delivery-confirm">
            <div class="stack">
                <dl class="profile" data-testid="confirm-facts">
                    <dt>"件名"</dt>
                    <dd>{draft.title.clone()}</dd>
                    <dt>"チャネル"</dt>
                    <dd>
                        {channel
                            .clone()
                            .map(|c| {
                                view! {
                                    <EnvBadge environment=c.environment sandbox=c.sandbox />
                                    " "
                                    {c.name}
                                }
                            })}
                    </dd>
                    <dt>"配信日時"</dt>
                    <dd>{timing_line(&draft.timing)}</dd>
                    {menu_line
                        .map(|line| {
                            view! {
                                <dt>"リッチメニュー"</dt>
                                <dd data-testid="confirm-rich-menu">{line}</dd>
                            }
                        })}
                    <dt>"配信対象"</dt>
                    <dd data-testid="confirm-audience" aria-live="polite">
                        {move || match count.get().flatten() {
                            None => "数えています…".to_owned(),
                            Some(Ok(a)) => format!("{} 人（{} 時点）", a.count, a.counted_at),
                            Some(Err(e)) => e.to_string(),
                        }}
                    </dd>
                    <dt>"送信にかかる時間"</dt>
                    <dd data-testid="confirm-duration" aria-live="polite">
                        {move || match count.get().flatten() {
                            Some(Ok(a)) => send_duration(a.count, per_person),
                            _ => "—".to_owned(),
                        }}
                    </dd>
                </dl>
                {(!now)
                    .then(|| {
                        view! {
                            <p class="hint">
                                "人数は今の時点のものです。実際の送り先は、送信を始めるときに決まります。"
                            </p>
                        }
                    })}
                {move || {
                    units
                        .get()
                        .flatten()
                        .filter(|u| u.nearly_used)
                        .map(|u| {
                            view! {
                                <p
                                    class="notice warning"
                                    role="note"
                                    data-testid="confirm-unit-warning"
                                >
                                    {u.warning()}
                                </p>
                            }
                        })
                }}
                {production
                    .then(|| {
                        view! {
                            <p class="notice warning">
                                "本番のチャネルです。実際の友だちに届き、取り消せません。"
                            </p>
                        }
                    })}
                {dirty
                    .then(|| {
                        view! {
                            <p class="notice">
                                "保存していない変更があります。この内容で保存してから"
                                {if now { "送信" } else { "予約" }} "します。"
                            </p>
                        }
                    })}
                {(problems > 0)
                    .then(|| {
                        view! {
                            <p class="form-error">
                                {format!(
                                    "メッセージに直すところが{problems}件あります。戻って直してください。",
                                )}
                            </p>
                        }
                    })}
                {move || {
                    matches!(count.get().flatten(), Some(Ok(a)) if a.count == 0)
                        .then(|| {
                            view! {
                                <p class="form-error">
                                    "配信対象が 0 人のため送れません。配信対象を見直してください。"
                                </p>
                            }
                        })
                }}
                {move || error.get().map(|e| view! { <crate::components::ErrorNote error=e /> })}
                <div class="toolbar">
                    <button
                        type="button"
                        class="button primary"
                        data-testid="confirm-send"
                        disabled=blocked
                        on:click=confirm
                    >
                        {action}
                    </button>
                    <button
                        type="button"
                        class="button ghost"
                        autofocus
                        on:click=move |_| open.set(false)
                    >
                        "戻る"
                    </button>
                </div>
            </div>
            <div class="delivery-confirm-preview">
                <LinePreview messages=Signal::derive(move || messages.clone()) account_name />
            </div>
        </div>
    }
    .into_any()
}

/// Pushes a second we manage when each friend gets a push of their own: about 1,000 on SQLite
/// and 500 on PostgreSQL (docs/benchmarks.md), against LINE's 2,000.
const SLOWEST_PUSHES_PER_SECOND: u64 = 500;

/// How long sending takes: 「最短で約10秒」 for multicasts (LINE's limit), and for one push per
/// friend a range from LINE's limit to our measured pace, 「約9分〜34分（クリックした人を記録
/// するため、1人ずつ送ります）」.
fn send_duration(recipients: u64, per_person: bool) -> String {
    let fastest = line::rate::shortest_send_seconds(recipients, per_person);
    if !per_person {
        return match fastest {
            0..=1 => "1秒以内".to_owned(),
            _ => format!("最短で約{}", length(fastest)),
        };
    }
    let slowest = recipients.div_ceil(SLOWEST_PUSHES_PER_SECOND).max(fastest);
    let time = match (length(fastest), length(slowest)) {
        _ if slowest <= 1 => "1秒以内".to_owned(),
        (a, b) if a == b => format!("約{a}"),
        (a, b) => format!("約{a}〜{b}"),
    };
    format!("{time}（クリックした人を記録するため、1人ずつ送ります）")
}

/// `seconds` as staff read it: 「50秒」, 「34分」 (from 2 minutes, rounded up), 「5時間34分」.
fn length(seconds: u64) -> String {
    let minutes = seconds.div_ceil(60);
    match seconds {
        0..120 => format!("{seconds}秒"),
        120..3600 => format!("{minutes}分"),
        _ if minutes.is_multiple_of(60) => format!("{}時間", minutes / 60),
        _ => format!("{}時間{}分", minutes / 60, minutes % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::send_duration;

    const ONE_BY_ONE: &str = "（クリックした人を記録するため、1人ずつ送ります）";

    #[test]
    fn one_push_per_friend_takes_from_line_s_limit_to_our_pace() {
        let cases = [
            (0, "1秒以内"),
            (30, "1秒以内"),
            (3_000, "約2秒〜6秒"),
            (100_000, "約50秒〜4分"),
            (1_000_000, "約9分〜34分"),
            (3_600_000, "約30分〜2時間"),
            (10_000_000, "約1時間24分〜5時間34分"),
        ];
        for (friends, time) in cases {
            assert_eq!(
                send_duration(friends, true),
                format!("{time}{ONE_BY_ONE}"),
                "{friends}"
            );
        }
    }

    #[test]
    fn multicasts_take_the_shortest_time_line_allows() {
        assert_eq!(send_duration(30, false), "1秒以内");
        assert_eq!(send_duration(1_000_000, false), "最短で約10秒");
        assert_eq!(send_duration(30_000_000, false), "最短で約5分");
        assert_eq!(send_duration(1_000_000_000, false), "最短で約2時間47分");
    }
}

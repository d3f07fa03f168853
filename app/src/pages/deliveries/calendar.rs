//! The deliveries' calendar: one month (Japan time, weeks from Sunday) with every scheduled
//! send, every occurrence of a repeated delivery and every past send, each linking to its
//! delivery.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::StatusBadge;
use crate::api::{CalendarDay, delivery_calendar};
use crate::components::AsyncView;

const WEEK_HEADINGS: [(&str, &str); 7] = [
    ("日", "日曜日"),
    ("月", "月曜日"),
    ("火", "火曜日"),
    ("水", "水曜日"),
    ("木", "木曜日"),
    ("金", "金曜日"),
    ("土", "土曜日"),
];

#[component]
pub fn DeliveryCalendarView() -> AnyView {
    let query = use_query_map();
    let month = move || query.read().get("month").filter(|m| !m.is_empty());
    let calendar = Resource::new(month, delivery_calendar);
    let link = |month: &str| format!("/admin/deliveries?view=calendar&month={month}");
    view! {
        <AsyncView resource=calendar let:cal>
            {view! {
                <div class="toolbar delivery-calendar-nav">
                    <A href=link(&cal.prev) attr:class="button ghost small">
                        "← 前の月"
                    </A>
                    <h2 class="delivery-calendar-title" id="delivery-calendar-title">
                        {cal.label.clone()}
                    </h2>
                    <A href=link(&cal.next) attr:class="button ghost small">
                        "次の月 →"
                    </A>
                    <A href="/admin/deliveries?view=calendar" attr:class="button ghost small">
                        "今月"
                    </A>
                </div>
                {cal
                    .weeks
                    .iter()
                    .flatten()
                    .all(|d| d.entries.is_empty())
                    .then(|| {
                        view! {
                            <p class="hint" data-testid="calendar-empty">
                                "この月の配信はありません。予約した配信、繰り返し配信の予定、送信済みの配信がここに表示されます。"
                            </p>
                        }
                    })}
                <table
                    class="delivery-calendar"
                    data-testid="delivery-calendar"
                    aria-labelledby="delivery-calendar-title"
                >
                    <thead>
                        <tr>
                            {WEEK_HEADINGS
                                .iter()
                                .map(|(short, long)| {
                                    view! {
                                        <th scope="col">
                                            <abbr title=*long>{*short}</abbr>
                                        </th>
                                    }
                                })
                                .collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {cal
                            .weeks
                            .into_iter()
                            .map(|week| {
                                view! {
                                    <tr>
                                        {week
                                            .into_iter()
                                            .map(|day| view! { <DayCell day /> })
                                            .collect_view()}
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
                <p class="hint">
                    "時刻は日本時間です。↻ は繰り返し配信の予定です。"
                </p>
            }
                .into_any()}
        </AsyncView>
    }
    .into_any()
}

#[component]
fn DayCell(day: CalendarDay) -> AnyView {
    let mut class = String::from("delivery-day");
    if day.outside {
        class.push_str(" outside");
    }
    if day.today {
        class.push_str(" today");
    }
    let label = if day.today {
        format!("{}（今日）", day.label)
    } else {
        day.label.clone()
    };
    view! {
        <td class=class data-date=day.date.clone()>
            <span class="delivery-day-number" aria-hidden="true">
                {day.day}
            </span>
            <span class="visually-hidden">{label}</span>
            {(!day.entries.is_empty())
                .then(|| {
                    view! {
                        <ul class="delivery-day-entries">
                            {day
                                .entries
                                .into_iter()
                                .map(|e| {
                                    view! {
                                        <li>
                                            <A href=format!("/admin/deliveries/{}", e.delivery_id)>
                                                <span class="delivery-day-time">{e.time}</span>
                                                " "
                                                {e.title}
                                                {e
                                                    .repeated
                                                    .then(|| {
                                                        view! {
                                                            <span class="delivery-repeat" aria-hidden="true">
                                                                " ↻"
                                                            </span>
                                                            <span class="visually-hidden">"（繰り返し）"</span>
                                                        }
                                                    })}
                                            </A>
                                            " "
                                            <StatusBadge status=e.status />
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
        </td>
    }
    .into_any()
}

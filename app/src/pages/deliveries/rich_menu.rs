//! 「リッチメニューの切り替え」 in the delivery form (spec 4(2) ア): a menu the friends a
//! delivery reaches see once it is sent, optionally until a time, after which they return to
//! what their rules or the channel's default give them (`domain::menus::links`).

use leptos::prelude::*;

use super::editor::Page;
use crate::api::DeliveryMenuChoice;

#[component]
pub fn DeliveryMenuPicker(
    /// The caller may read rich menus (else the section is not shown at all).
    can_use: bool,
    readonly: Signal<bool>,
) -> AnyView {
    let page = expect_context::<Page>();
    if !can_use {
        return ().into_any();
    }
    let menus = page.rich_menus;
    let chosen = move || -> Option<DeliveryMenuChoice> {
        let id = page.rich_menu.get()?;
        menus.with_value(|m| m.iter().find(|c| c.id == id).cloned())
    };
    let unpublished = move || {
        let menu = chosen()?;
        let channel = page.channel.get()?;
        (!menu.channel_ids.contains(&channel)).then_some(menu)
    };
    view! {
        <section
            class="panel stack"
            aria-labelledby="delivery-menu-title"
            data-testid="delivery-rich-menu"
        >
            <h2 id="delivery-menu-title">"リッチメニューの切り替え"</h2>
            <p class="hint" id="delivery-menu-hint">
                "送信すると、このメッセージを受け取った友だちのリッチメニューを選んだメニューに切り替えます。表示期限を過ぎると、それぞれ元のメニュー（ルールや既定のメニュー）に戻ります。"
            </p>
            {move || {
                if menus.with_value(Vec::is_empty) {
                    return view! {
                        <p class="empty">
                            "リッチメニューがまだありません。"
                            <a href="/admin/rich-menus">"リッチメニュー"</a>
                            "の画面で作って公開すると、ここで選べます。"
                        </p>
                    }
                        .into_any();
                }
                view! {
                    <div class="field">
                        <label for="delivery-rich-menu">"切り替えるメニュー"</label>
                        <select
                            id="delivery-rich-menu"
                            aria-describedby="delivery-menu-hint"
                            disabled=readonly
                            on:change=move |ev| {
                                page.rich_menu.set(event_target_value(&ev).parse().ok());
                            }
                        >
                            <option value="" selected=move || page.rich_menu.get().is_none()>
                                "切り替えない"
                            </option>
                            {menus
                                .get_value()
                                .into_iter()
                                .map(|m| {
                                    let id = m.id;
                                    let published = m.channel_ids.clone();
                                    let label = move || {
                                        let note = match page.channel.get() {
                                            Some(c) if !published.contains(&c) => {
                                                "・このチャネルに未公開"
                                            }
                                            _ => "",
                                        };
                                        format!("{}（{}{note}）", m.title, m.department)
                                    };
                                    view! {
                                        <option
                                            value=id.to_string()
                                            selected=move || page.rich_menu.get() == Some(id)
                                        >
                                            {label}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </div>
                    {move || {
                        page.rich_menu
                            .get()
                            .is_some()
                            .then(|| {
                                view! {
                                    <div class="field">
                                        <label for="delivery-rich-menu-until">
                                            "表示期限（任意）"
                                        </label>
                                        <input
                                            type="datetime-local"
                                            id="delivery-rich-menu-until"
                                            aria-describedby="delivery-menu-until-hint"
                                            disabled=readonly
                                            prop:value=move || page.rich_menu_until.get()
                                            on:change=move |ev| {
                                                page.rich_menu_until.set(event_target_value(&ev))
                                            }
                                        />
                                        <p class="hint" id="delivery-menu-until-hint">
                                            "この日時に元のメニューへ戻します。空欄なら、別の配信や職員が切り替えるまでこのメニューのままです。"
                                        </p>
                                    </div>
                                }
                            })
                    }}
                    {move || {
                        unpublished()
                            .map(|m| {
                                view! {
                                    <p
                                        class="notice warning"
                                        role="status"
                                        data-testid="delivery-menu-unpublished"
                                    >
                                        {format!(
                                            "「{}」はこのチャネルにまだ公開されていません。送信・予約の前に、",
                                            m.title,
                                        )}
                                        <a href=format!(
                                            "/admin/rich-menus/{}",
                                            m.id,
                                        )>"メニューの画面"</a>
                                        "で「切り替え用に公開」してください。"
                                    </p>
                                }
                            })
                    }}
                }
                    .into_any()
            }}
        </section>
    }
    .into_any()
}

//! 「タブ」 in the rich menu editor: a menu may have 2 to 4 tabs (くらし／防災), each a menu of
//! its own (image, areas) published together with the first; a 「リッチメニューを切り替え」
//! area switches to another tab by its alias (`domain::menus::designs::tabs`).

use leptos::prelude::*;
use model::menu::{MAX_TABS, MenuDesign, TAB_NAME_MAX_CHARS};

use crate::api::{AddRichMenuTab, MenuTab};
use crate::components::ErrorNote;

#[component]
pub fn TabsSection(
    /// The menu being edited.
    id: i64,
    tabs: Vec<MenuTab>,
    design: RwSignal<MenuDesign>,
    readonly: bool,
) -> impl IntoView {
    let add = ServerAction::<AddRichMenuTab>::new();
    let has_tabs = tabs.len() > 1;
    let room = tabs.len() < MAX_TABS;
    view! {
        <section class="panel stack" aria-labelledby="menu-tabs-title" data-testid="menu-tabs">
            <h2 id="menu-tabs-title">"タブ"</h2>
            {if has_tabs {
                view! {
                    <nav aria-label="このメニューのタブ">
                        <ul class="menu-tab-list">
                            {tabs
                                .iter()
                                .map(|t| {
                                    let current = t.id == id;
                                    let name = if t.name.is_empty() {
                                        "（名前なし）".to_owned()
                                    } else {
                                        t.name.clone()
                                    };
                                    view! {
                                        <li>
                                            <a
                                                href=format!("/admin/rich-menus/{}", t.id)
                                                class="menu-tab"
                                                class:current=current
                                                aria-current=current.then_some("page")
                                            >
                                                {name}
                                            </a>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    </nav>
                    <div class="field">
                        <label for="menu-tab-name">"このタブの名前"</label>
                        <input
                            id="menu-tab-name"
                            maxlength=TAB_NAME_MAX_CHARS.to_string()
                            readonly=readonly
                            aria-describedby="menu-tab-name-hint"
                            prop:value=move || design.with(|d| d.tab_name.clone())
                            on:input=move |ev| {
                                let name = event_target_value(&ev);
                                design.update(|d| d.tab_name = name);
                            }
                        />
                        <p id="menu-tab-name-hint" class="hint">
                            {format!(
                                "{TAB_NAME_MAX_CHARS}文字以内。職員が見分けるための名前です（画像のタブの文字は画像に描きます）。変えたら「保存」してください。",
                            )}
                        </p>
                    </div>
                    <p class="hint">
                        "タブを切り替えるエリアは、動作で「リッチメニューを切り替え」を選び、切り替え先のタブを選びます。どのタブにも、ほかのタブへ切り替えるエリアを作ってください。公開すると、すべてのタブがまとめて公開されます。"
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <p class="hint">
                        "タブを付けると、2〜4枚のメニューを切り替えて使えます（例：くらし／防災）。タブごとに画像とエリアを作り、まとめて公開します。"
                    </p>
                }
                    .into_any()
            }}
            {(!readonly && room)
                .then(|| {
                    view! {
                        <ActionForm
                            action=add
                            attr:class="field-row"
                            attr:data-testid="add-menu-tab"
                        >
                            <input type="hidden" name="id" value=id />
                            <div class="field">
                                <label for="new-tab-name">"追加するタブの名前"</label>
                                <input
                                    id="new-tab-name"
                                    name="name"
                                    required
                                    maxlength=TAB_NAME_MAX_CHARS.to_string()
                                    placeholder="例：防災"
                                />
                            </div>
                            <div class="field compact">
                                <button
                                    type="submit"
                                    class="button"
                                    disabled=move || add.pending().get()
                                >
                                    "タブを追加"
                                </button>
                            </div>
                        </ActionForm>
                    }
                })}
            {move || {
                add.value().get().and_then(Result::err).map(|error| view! { <ErrorNote error /> })
            }}
        </section>
    }
}

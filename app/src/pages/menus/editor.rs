//! `/admin/rich-menus/new` and `/admin/rich-menus/:id`: one menu's editor.
//!
//! The design (`model::menu::MenuDesign`) lives in one signal; the template picker, the area
//! canvas, the area's fields and the preview all read and write it, and the form posts it as
//! JSON. The problems staff must mend and the warnings they may ignore are computed here by the
//! same code the server runs (`model::menu`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use line::compose::ActionPlace;
use line::layout::Layout;
use line::rich_menu::RichMenuBounds;
use line::validate::{MAX_CHAT_BAR_TEXT, MAX_RICH_MENU_AREAS};
use model::menu::{MenuDesign, MenuHeight, PRESETS, message_action};

use super::tabs::TabsSection;
use crate::api::{
    DeleteRichMenu, MenuForm, MenuImageFitted, PublishRichMenu, RepublishRichMenu, SaveRichMenu,
    rich_menu_editor, rich_menu_publications,
};
use crate::components::upload::human_bytes;
use crate::components::{
    ActionEditor, AreaCanvas, AsyncView, ConfirmDelete, Draft, ErrorNote, MenuComposer, Outcome,
    RedirectNotice, RichMenuPreview, SwitchTargets, TextField, describe_action,
};
use crate::error::AppError;
use crate::layout::use_channel;

#[component]
pub fn RichMenuPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").and_then(|i| i.parse::<i64>().ok());
    let preset = move || query.read().get("preset");
    let editor = Resource::new(
        move || (id(), preset()),
        |(id, preset)| rich_menu_editor(id, preset),
    );
    view! {
        <p>
            <A href="/admin/rich-menus">"← リッチメニュー一覧"</A>
        </p>
        <AsyncView resource=editor let:form>
            {view! { <MenuEditor form /> }.into_any()}
        </AsyncView>
    }
}

/// The menu's stored image as the editor shows it: where to fetch it, its size in pixels and
/// in bytes.
#[derive(Clone, Debug, PartialEq)]
struct ShownImage {
    url: String,
    size: (i32, i32),
    bytes: usize,
}

fn design_json(design: &MenuDesign) -> String {
    serde_json::to_string(design).unwrap_or_default()
}

#[component]
fn MenuEditor(form: MenuForm) -> impl IntoView {
    let save = ServerAction::<SaveRichMenu>::new();
    let delete = ServerAction::<DeleteRichMenu>::new();
    let menu = form.menu.clone();
    let menu_id = menu.as_ref().map(|m| m.id);
    let readonly = !form.can_edit;
    let heading = menu.as_ref().map_or_else(
        || "リッチメニューの作成".to_owned(),
        |m| format!("リッチメニュー：{}", m.title),
    );
    let design = RwSignal::new(form.design.clone());
    // What the server holds: publishing needs the page saved.
    let saved = RwSignal::new(menu.as_ref().map(|_| design_json(&form.design)));
    Effect::new(move || {
        if let Some(Ok(_)) = save.value().get() {
            saved.set(Some(design.with_untracked(design_json)));
        }
    });
    let unsaved = Memo::new(move |_| saved.get() != Some(design.with(design_json)));
    let image = RwSignal::new(
        menu.as_ref()
            .and_then(|m| m.image.clone())
            .map(|i| ShownImage {
                url: i.url,
                size: (i.width as i32, i.height as i32),
                bytes: i.bytes,
            }),
    );
    let selected = RwSignal::new(Some(0usize));
    // The LINE rules, at the JSON paths the area fields show them under.
    let draft = Draft {
        messages: RwSignal::new(Vec::new()),
        violations: Memo::new(move |_| {
            design.with(|d| line::validate::rich_menu(&d.to_line("menu")))
        }),
        readonly,
    };
    provide_context(draft);
    // 「リッチメニューを切り替え」 offers the other tabs by name.
    provide_context(SwitchTargets(
        form.tabs
            .iter()
            .filter(|t| Some(t.id) != menu_id)
            .map(|t| (t.alias.clone(), t.name.clone()))
            .collect(),
    ));
    let tabs = form.tabs.clone();
    let problems = Memo::new(move |_| {
        let mut problems = design.with(MenuDesign::problems);
        let size = design.with(|d| (d.width, d.height));
        match image.get() {
            None => problems.push(
                "画像がありません。下の「画像」でアップロードしてください。".into(),
            ),
            Some(ShownImage { size: image_size, .. }) if image_size != size => problems.push(format!(
                "画像の大きさ（{}×{}）がメニューの大きさ（{}×{}）と違います。画像をアップロードし直してください。",
                image_size.0, image_size.1, size.0, size.1
            )),
            Some(_) => {}
        }
        problems
    });
    let warnings = Memo::new(move |_| design.with(MenuDesign::warnings));
    // The stored image, shown only while it fits the menu's size (a new size needs a new image).
    let image_src = Signal::derive(move || {
        let size = design.with(|d| (d.width, d.height));
        image
            .get()
            .filter(|shown| shown.size == size)
            .map(|shown| shown.url)
    });

    let current_department = menu.as_ref().map(|m| m.department_id);
    let single = (form.departments.len() == 1).then(|| form.departments[0].id);
    let chosen_department = move |id: i64| current_department.or(single) == Some(id);
    let title = menu.as_ref().map(|m| m.title.clone()).unwrap_or_default();
    let owner = menu.as_ref().map(|m| {
        format!(
            "所属部署：{}　最終更新：{}（{}）",
            m.department, m.updated_at, m.updated_by
        )
    });

    view! {
        <Title text=heading.clone() />
        <h1>{heading}</h1>
        <RedirectNotice param="saved" text="保存しました。" />
        {owner.map(|o| view! { <p class="hint">{o}</p> })}
        <div class="menu-editor">
            <div class="menu-editor-main stack">
                <ActionForm action=save attr:class="stack" attr:data-testid="menu-form">
                    {menu_id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
                    <input
                        type="hidden"
                        name="design"
                        value=design.with_untracked(design_json)
                        prop:value=move || design.with(design_json)
                    />
                    <section class="panel stack" aria-labelledby="menu-basics">
                        <h2 id="menu-basics">"基本"</h2>
                        <div class="field">
                            <label for="menu-department">"所属部署"</label>
                            <select
                                id="menu-department"
                                name="department_id"
                                required
                                disabled=readonly
                            >
                                {(current_department.or(single).is_none())
                                    .then(|| {
                                        view! {
                                            <option value="" disabled selected>
                                                "選んでください"
                                            </option>
                                        }
                                    })}
                                {form
                                    .departments
                                    .iter()
                                    .map(|d| {
                                        view! {
                                            <option
                                                value=d.id.to_string()
                                                selected=chosen_department(d.id)
                                            >
                                                {d.name.clone()}
                                            </option>
                                        }
                                    })
                                    .collect_view()}
                            </select>
                        </div>
                        <div class="field">
                            <label for="menu-title">"メニュー名（職員用）"</label>
                            <input
                                id="menu-title"
                                name="title"
                                required
                                maxlength="100"
                                readonly=readonly
                                value=title
                                aria-describedby="menu-title-hint"
                            />
                            <p id="menu-title-hint" class="hint">
                                "一覧で見分けるための名前です。友だちには表示されません。"
                            </p>
                        </div>
                        <TextField
                            label="メニューバーの文字"
                            path="chatBarText"
                            value=Signal::derive(move || design.with(|d| d.chat_bar_text.clone()))
                            on_input=Callback::new(move |text: String| {
                                design.update(|d| d.chat_bar_text = text)
                            })
                            max=MAX_CHAT_BAR_TEXT
                            hint="トーク画面の下のバーに出る文字です（例：メニュー、防災情報）。"
                        />
                        <label class="check">
                            <input
                                type="checkbox"
                                prop:checked=move || design.with(|d| d.open_by_default)
                                disabled=readonly
                                on:change=move |ev| {
                                    design.update(|d| d.open_by_default = event_target_checked(&ev))
                                }
                            />
                            "トーク画面を開いたとき、メニューを開いた状態で表示する"
                        </label>
                    </section>
                    <TemplatePicker design readonly is_new=menu_id.is_none() />
                    <AreasSection design selected readonly image_src />
                    <ChecksSection problems warnings />
                    {form
                        .can_edit
                        .then(|| {
                            view! {
                                <div class="toolbar sticky-actions">
                                    <button
                                        type="submit"
                                        class="button primary"
                                        data-testid="save-menu"
                                        disabled=move || save.pending().get()
                                    >
                                        "保存"
                                    </button>
                                    {move || {
                                        unsaved
                                            .get()
                                            .then(|| {
                                                view! {
                                                    <span class="hint">
                                                        "保存していない変更があります"
                                                    </span>
                                                }
                                            })
                                    }}
                                </div>
                            }
                        })}
                    <Outcome value=save.value() done="保存しました。" />
                </ActionForm>
                {match menu_id {
                    Some(id) => {
                        view! {
                            <TabsSection id tabs=tabs.clone() design readonly />
                            <ImageSection id design image saved selected readonly />
                            <PublishSection id problems unsaved readonly />
                        }
                            .into_any()
                    }
                    None => {
                        view! {
                            <section class="panel">
                                <h2>"画像と公開"</h2>
                                <p class="hint">
                                    "まず「保存」してください。保存すると、画像のアップロードと公開ができるようになります。"
                                </p>
                            </section>
                        }
                            .into_any()
                    }
                }}
                {menu
                    .filter(|_| form.can_edit)
                    .map(|m| {
                        view! {
                            <ActionForm
                                action=delete
                                attr:class="panel inline-form"
                                attr:data-testid="delete-menu"
                            >
                                <input type="hidden" name="id" value=m.id />
                                <ConfirmDelete
                                    statement="削除すると元に戻せないことを確認しました"
                                    button="このリッチメニューを削除"
                                />
                            </ActionForm>
                            <Outcome value=delete.value() done="削除しました。" />
                        }
                    })}
            </div>
            <MenuPreviewPanel design image_src />
        </div>
    }
}

/// Size, OA Manager's layouts and (for a new menu) the municipal presets.
#[component]
fn TemplatePicker(design: RwSignal<MenuDesign>, readonly: bool, is_new: bool) -> impl IntoView {
    let sizes: Vec<(i32, i32, MenuHeight)> = [MenuHeight::Large, MenuHeight::Compact]
        .into_iter()
        .flat_map(|h| h.sizes().iter().map(move |&(w, hh)| (w, hh, h)))
        .collect();
    let layouts = move || design.with(|d| d.menu_height()).layouts();
    view! {
        <section class="panel stack" aria-labelledby="menu-template">
            <h2 id="menu-template">"大きさとテンプレート"</h2>
            {is_new
                .then(|| {
                    view! {
                        <fieldset class="menu-presets">
                            <legend>"ひな形から始める"</legend>
                            <div class="menu-preset-list">
                                {PRESETS
                                    .iter()
                                    .map(|p| {
                                        view! {
                                            <button
                                                type="button"
                                                class="button"
                                                data-preset=p.id
                                                disabled=readonly
                                                on:click=move |_| design.set(MenuDesign::from_preset(p))
                                            >
                                                <strong>{p.name}</strong>
                                                <span class="hint">{p.description}</span>
                                            </button>
                                        }
                                    })
                                    .collect_view()}
                            </div>
                        </fieldset>
                    }
                })}
            <div class="field">
                <label for="menu-size">"画像の大きさ"</label>
                <select
                    id="menu-size"
                    disabled=readonly
                    aria-describedby="menu-size-hint"
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if let Some((w, h)) = value.split_once('x')
                            && let (Ok(w), Ok(h)) = (w.parse::<i32>(), h.parse::<i32>())
                        {
                            design.update(|d| *d = d.resized(w, h));
                        }
                    }
                >
                    {sizes
                        .into_iter()
                        .map(|(w, h, kind)| {
                            let value = format!("{w}x{h}");
                            view! {
                                <option
                                    value=value
                                    prop:selected=move || {
                                        design.with(|d| (d.width, d.height) == (w, h))
                                    }
                                >
                                    {format!("{} {w}×{h}", kind.name_ja())}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <p id="menu-size-hint" class="hint">
                    "大きい画像ほどきれいに表示されます。通常は 2500 px 幅を選びます。"
                </p>
            </div>
            <fieldset class="menu-layouts">
                <legend>
                    "エリアの分け方（LINE 公式アカウントと同じテンプレート）"
                </legend>
                <div class="menu-layout-list">
                    {move || {
                        layouts()
                            .iter()
                            .map(|layout| view! { <LayoutChoice layout design readonly /> })
                            .collect_view()
                    }}
                </div>
                <p class="hint">
                    "テンプレートを選ぶと、エリアが並べ直されます（設定済みの動作は番号順に引き継ぎます）。"
                </p>
            </fieldset>
        </section>
    }
}

#[component]
fn LayoutChoice(
    layout: &'static Layout,
    design: RwSignal<MenuDesign>,
    readonly: bool,
) -> impl IntoView {
    let id = format!("menu-layout-{}", layout.id);
    let label_for = id.clone();
    let checked = move || {
        design.with(|d| {
            d.layout.as_deref() == Some(layout.id)
                && layout.bounds_on(d.width, d.height) == d.bounds()
        })
    };
    // A thumbnail of the areas (twelfths on a 120×(81|40) box).
    let compact = layout.id.starts_with('c');
    let (w, h) = if compact {
        (120.0, 40.0)
    } else {
        (120.0, 81.0)
    };
    let rects = layout
        .areas
        .iter()
        .map(|&[x0, y0, x1, y1]| {
            let (x, y) = (f64::from(x0) * w / 12.0, f64::from(y0) * h / 12.0);
            let (rw, rh) = (f64::from(x1 - x0) * w / 12.0, f64::from(y1 - y0) * h / 12.0);
            view! { <rect x=x + 1.0 y=y + 1.0 width=(rw - 2.0).max(1.0) height=(rh - 2.0).max(1.0) rx="3" /> }
        })
        .collect_view();
    view! {
        <label class="menu-layout" for=label_for>
            <input
                type="radio"
                id=id
                name="menu-layout"
                value=layout.id
                prop:checked=checked
                disabled=readonly
                on:change=move |_| design.update(|d| *d = d.with_layout(layout))
            />
            <svg viewBox=format!("0 0 {w} {h}") aria-hidden="true" class="menu-layout-thumb">
                {rects}
            </svg>
            <span>{layout.name}</span>
        </label>
    }
}

/// The areas: drawn on the image, listed, and the selected one's fields.
#[component]
fn AreasSection(
    design: RwSignal<MenuDesign>,
    selected: RwSignal<Option<usize>>,
    readonly: bool,
    /// The image, while it fits the menu's size.
    image_src: Signal<Option<String>>,
) -> impl IntoView {
    let count = Memo::new(move |_| design.with(|d| d.areas.len()));
    let size = Signal::derive(move || design.with(|d| (d.width, d.height)));
    let areas = Signal::derive(move || design.with(MenuDesign::bounds));
    let names = Signal::derive(move || {
        design.with(|d| {
            d.areas
                .iter()
                .enumerate()
                .map(|(i, a)| format!("エリア{} {}", i + 1, a.label()))
                .collect::<Vec<_>>()
        })
    });
    let add_area = move |bounds: RichMenuBounds| {
        if count.get_untracked() >= MAX_RICH_MENU_AREAS {
            return;
        }
        design.update(|d| {
            let label = format!("エリア{}", d.areas.len() + 1);
            d.areas.push(model::menu::MenuArea {
                bounds,
                action: message_action(&label),
            });
            d.layout = None;
        });
        selected.set(Some(count.get_untracked() - 1));
    };
    view! {
        <section class="panel stack" aria-labelledby="menu-areas">
            <h2 id="menu-areas">"エリアと動作"</h2>
            <p class="hint">
                "画像の上でドラッグすると新しいエリア、エリアをドラッグすると移動、角で大きさを変えます。矢印キーでも動かせます（Shift で 10 px）。"
            </p>
            <AreaCanvas
                size
                areas
                names
                image_src
                selected
                on_change=Callback::new(move |(i, bounds): (usize, RichMenuBounds)| {
                    design
                        .update(|d| {
                            if let Some(a) = d.areas.get_mut(i) {
                                a.bounds = bounds;
                                d.layout = None;
                            }
                        })
                })
                on_add=Callback::new(add_area)
                id_prefix="menu-area"
                readonly
            />
            <div class="menu-area-list" role="list" aria-label="エリアの一覧">
                {move || {
                    (0..count.get())
                        .map(|i| {
                            let text = move || {
                                design
                                    .with(|d| {
                                        d.areas
                                            .get(i)
                                            .map(|a| {
                                                format!(
                                                    "{} — {}",
                                                    if a.label().is_empty() {
                                                        "（名前なし）"
                                                    } else {
                                                        a.label()
                                                    },
                                                    describe_action(&a.action),
                                                )
                                            })
                                            .unwrap_or_default()
                                    })
                            };
                            view! {
                                <div role="listitem">
                                    <button
                                        type="button"
                                        class="menu-area-item"
                                        class:selected=move || selected.get() == Some(i)
                                        aria-pressed=move || (selected.get() == Some(i)).to_string()
                                        on:click=move |_| selected.set(Some(i))
                                    >
                                        <span class="menu-area-number">{i + 1}</span>
                                        <span>{text}</span>
                                    </button>
                                </div>
                            }
                        })
                        .collect_view()
                }}
            </div>
            {(!readonly)
                .then(|| {
                    view! {
                        <p class="toolbar">
                            <button
                                type="button"
                                class="button"
                                disabled=move || { count.get() >= MAX_RICH_MENU_AREAS }
                                on:click=move |_| {
                                    let (w, h) = size.get_untracked();
                                    add_area(RichMenuBounds {
                                        x: 0,
                                        y: 0,
                                        width: w / 4,
                                        height: h / 2,
                                    })
                                }
                            >
                                "エリアを追加"
                            </button>
                            <span class="hint">
                                {move || format!("{} / {MAX_RICH_MENU_AREAS} 個", count.get())}
                            </span>
                        </p>
                    }
                })}
            {move || {
                selected
                    .get()
                    .filter(|i| *i < count.get())
                    .map(|i| view! { <AreaFields index=i design selected readonly /> })
            }}
        </section>
    }
}

/// The selected area: its action (with its label) and its rectangle in numbers.
#[component]
fn AreaFields(
    index: usize,
    design: RwSignal<MenuDesign>,
    selected: RwSignal<Option<usize>>,
    readonly: bool,
) -> impl IntoView {
    let action = Signal::derive(move || {
        design.with(|d| {
            d.areas
                .get(index)
                .map(|a| a.action.clone())
                .unwrap_or_else(|| message_action(""))
        })
    });
    let number = move |label: &'static str,
                       get: fn(&RichMenuBounds) -> i32,
                       set: fn(&mut RichMenuBounds, i32)| {
        let id = format!("menu-area-{index}-{label}");
        view! {
            <div class="field compact">
                <label for=id.clone()>{label}</label>
                <input
                    id=id
                    type="number"
                    min="0"
                    readonly=readonly
                    prop:value=move || {
                        design.with(|d| d.areas.get(index).map(|a| get(&a.bounds)).unwrap_or(0))
                    }
                    on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).trim().parse::<i32>() {
                            design
                                .update(|d| {
                                    if let Some(a) = d.areas.get_mut(index) {
                                        set(&mut a.bounds, v.max(0));
                                        d.layout = None;
                                    }
                                })
                        }
                    }
                />
            </div>
        }
    };
    view! {
        <div class="panel inset stack" data-testid="menu-area-fields">
            <ActionEditor
                path=format!("areas[{index}].action")
                place=ActionPlace::RichMenu
                value=action
                on_change=Callback::new(move |next| {
                    design
                        .update(|d| {
                            if let Some(a) = d.areas.get_mut(index) {
                                a.action = next;
                            }
                        })
                })
                legend=format!("エリア{} を押したとき", index + 1)
                label_caption=(
                    "エリアの名前",
                    "音声読み上げで読まれる名前です（画像には表示されません）。",
                )
            />
            <fieldset class="menu-area-bounds">
                <legend>"位置と大きさ（px）"</legend>
                {number("x", |b| b.x, |b, v| b.x = v)}
                {number("y", |b| b.y, |b, v| b.y = v)}
                {number("幅", |b| b.width, |b, v| b.width = v.max(1))}
                {number("高さ", |b| b.height, |b, v| b.height = v.max(1))}
            </fieldset>
            {(!readonly)
                .then(|| {
                    view! {
                        <p>
                            <button
                                type="button"
                                class="button danger"
                                on:click=move |_| {
                                    design
                                        .update(|d| {
                                            if index < d.areas.len() {
                                                d.areas.remove(index);
                                                d.layout = None;
                                            }
                                        });
                                    selected.set(index.checked_sub(1).or(Some(0)));
                                }
                            >
                                {format!("エリア{} を削除", index + 1)}
                            </button>
                        </p>
                    }
                })}
        </div>
    }
}

#[component]
fn ChecksSection(problems: Memo<Vec<String>>, warnings: Memo<Vec<String>>) -> impl IntoView {
    view! {
        <section class="panel stack" aria-labelledby="menu-checks" data-testid="menu-checks">
            <h2 id="menu-checks">"確認"</h2>
            <div aria-live="polite">
                {move || {
                    let (p, w) = (problems.get(), warnings.get());
                    if p.is_empty() && w.is_empty() {
                        view! {
                            <p class="notice">
                                "問題は見つかりません。公開できます。"
                            </p>
                        }
                            .into_any()
                    } else {
                        view! {
                            {(!p.is_empty())
                                .then(|| {
                                    view! {
                                        <p>
                                            <strong>"公開する前に直してください"</strong>
                                        </p>
                                        <ul class="form-error-list">
                                            {p
                                                .into_iter()
                                                .map(|e| view! { <li class="field-error">{e}</li> })
                                                .collect_view()}
                                        </ul>
                                    }
                                })}
                            {(!w.is_empty())
                                .then(|| {
                                    view! {
                                        <p>
                                            <strong>
                                                "気をつけること（このままでも公開できます）"
                                            </strong>
                                        </p>
                                        <ul class="warning-list">
                                            {w
                                                .into_iter()
                                                .map(|e| view! { <li>{e}</li> })
                                                .collect_view()}
                                        </ul>
                                    }
                                })}
                        }
                            .into_any()
                    }
                }}
            </div>
        </section>
    }
}

/// How staff provide the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ImageWay {
    Upload,
    Compose,
}

/// The menu's title and department as the form has them now (the composer saves the menu before
/// it sends the image, which the server fits to the saved size).
#[cfg(feature = "hydrate")]
fn form_basics() -> (String, Option<i64>) {
    use wasm_bindgen::JsCast;
    let document = document();
    let title = document
        .get_element_by_id("menu-title")
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|e| e.value())
        .unwrap_or_default();
    let department = document
        .get_element_by_id("menu-department")
        .and_then(|e| e.dyn_into::<web_sys::HtmlSelectElement>().ok())
        .and_then(|e| e.value().parse::<i64>().ok());
    (title, department)
}

/// The image: a photo uploaded (fitted by the server to the menu's size within 1 MB), or one
/// composed here (画像をつくる) and sent the same way.
#[component]
fn ImageSection(
    id: i64,
    design: RwSignal<MenuDesign>,
    image: RwSignal<Option<ShownImage>>,
    /// The design as the server holds it (the composer saves before it sends).
    saved: RwSignal<Option<String>>,
    selected: RwSignal<Option<usize>>,
    readonly: bool,
) -> impl IntoView {
    let sending = RwSignal::new(false);
    let outcome = RwSignal::new(None::<Result<MenuImageFitted, AppError>>);
    let way = RwSignal::new(if design.with_untracked(|d| d.composition.is_some()) {
        ImageWay::Compose
    } else {
        ImageWay::Upload
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        #[cfg(feature = "hydrate")]
        {
            ev.prevent_default();
            let form = event_target::<web_sys::HtmlFormElement>(&ev);
            sending.set(true);
            outcome.set(None);
            let size = design.get_untracked();
            leptos::task::spawn_local(async move {
                let result = crate::components::upload::post_form::<MenuImageFitted>(
                    &format!("/admin/rich-menus/{id}/image"),
                    &form,
                    "ファイルが大きすぎます。20 MB までの画像を選んでください。",
                )
                .await;
                if let Ok(fitted) = &result {
                    let stamp = js_sys::Date::now() as i64;
                    image.set(Some(ShownImage {
                        url: format!("/admin/rich-menus/{id}/image?v={stamp}"),
                        size: (size.width, size.height),
                        bytes: fitted.bytes,
                    }));
                    form.reset();
                }
                outcome.set(Some(result));
                sending.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, id, design, image);
    };
    // 「この画像を使う」: save the menu (with the composition), draw the image at full size and
    // send it as a PNG through the same endpoint as a photo.
    let use_composed = Callback::new(move |()| {
        #[cfg(feature = "hydrate")]
        {
            if sending.get_untracked() {
                return;
            }
            sending.set(true);
            outcome.set(None);
            let current = design.get_untracked();
            leptos::task::spawn_local(async move {
                let result: Result<MenuImageFitted, AppError> = async {
                    let (title, department) = form_basics();
                    let json = design_json(&current);
                    crate::api::save_rich_menu(Some(id), department, title, json.clone()).await?;
                    saved.set(Some(json));
                    let blob = crate::components::render_png(&current).await.map_err(|_| {
                        AppError::Transport(
                            "画像を作れませんでした。ページを再読み込みして、もう一度お試しください。"
                                .into(),
                        )
                    })?;
                    let data = web_sys::FormData::new()
                        .and_then(|data| {
                            data.append_with_blob_and_filename("file", &blob, "menu.png")?;
                            Ok(data)
                        })
                        .map_err(|_| AppError::Transport("画像を送れませんでした。".into()))?;
                    crate::components::upload::post_form_data::<MenuImageFitted>(
                        &format!("/admin/rich-menus/{id}/image"),
                        data,
                        "画像が大きすぎます。",
                    )
                    .await
                }
                .await;
                if let Ok(fitted) = &result {
                    let stamp = js_sys::Date::now() as i64;
                    image.set(Some(ShownImage {
                        url: format!("/admin/rich-menus/{id}/image?v={stamp}"),
                        size: (current.width, current.height),
                        bytes: fitted.bytes,
                    }));
                }
                outcome.set(Some(result));
                sending.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (id, saved);
    });
    let choose = move |next: ImageWay| {
        if next == ImageWay::Compose {
            design.update(|d| {
                if d.composition.is_none() {
                    d.composition = Some(model::menu::compose::Composition::starting(d));
                }
            });
        }
        outcome.set(None);
        way.set(next);
    };
    let upload_form = move || {
        view! {
            <form
                class="stack"
                method="post"
                enctype="multipart/form-data"
                action=format!("/admin/rich-menus/{id}/image")
                on:submit=on_submit
            >
                <div class="field">
                    <label for="menu-image-file">"画像ファイル（JPEG・PNG）"</label>
                    <input
                        id="menu-image-file"
                        name="file"
                        type="file"
                        accept="image/jpeg,image/png"
                        required
                        aria-describedby="menu-image-hint"
                    />
                    <p id="menu-image-hint" class="hint">
                        {move || {
                            let (w, h) = design.with(|d| (d.width, d.height));
                            format!(
                                "どんな写真でも、メニューの大きさ（{w}×{h} px）に合わせて中央を切り抜き、LINE の上限 1 MB 以内に縮めて保存します。文字は画像の中に入れてください。",
                            )
                        }}
                    </p>
                </div>
                <div class="toolbar">
                    <button type="submit" class="button primary" disabled=move || sending.get()>
                        {move || if sending.get() { "処理中…" } else { "アップロード" }}
                    </button>
                </div>
            </form>
        }
    };
    view! {
        <section class="panel stack" aria-labelledby="menu-image" data-testid="menu-image">
            <h2 id="menu-image">"画像"</h2>
            {move || {
                image
                    .get()
                    .map(|ShownImage { size: (w, h), bytes, .. }| {
                        view! {
                            <p class="hint">
                                {format!(
                                    "いまの画像：{w}×{h} px・{}",
                                    human_bytes(bytes as u64),
                                )}
                            </p>
                        }
                    })
            }}
            <fieldset class="choices image-ways">
                <legend>"画像の用意のしかた"</legend>
                <div class="composer-choice-row">
                    <label class="composer-choice" for="image-way-upload">
                        <input
                            type="radio"
                            id="image-way-upload"
                            name="image-way"
                            value="upload"
                            prop:checked=move || way.get() == ImageWay::Upload
                            on:change=move |_| choose(ImageWay::Upload)
                        />
                        "写真をアップロード"
                    </label>
                    <label class="composer-choice" for="image-way-compose">
                        <input
                            type="radio"
                            id="image-way-compose"
                            name="image-way"
                            value="compose"
                            disabled=readonly && design.with_untracked(|d| d.composition.is_none())
                            prop:checked=move || way.get() == ImageWay::Compose
                            on:change=move |_| choose(ImageWay::Compose)
                        />
                        "画像をつくる"
                    </label>
                </div>
                <p class="hint">
                    "画像ソフトがなくても、「画像をつくる」で色・アイコン・文字を選ぶだけでメニュー画像ができます。つくった内容はメニューと一緒に保存され、あとから直せます。"
                </p>
            </fieldset>
            {move || match way.get() {
                ImageWay::Upload => (!readonly).then(upload_form).into_any(),
                ImageWay::Compose => {
                    view! {
                        <MenuComposer design selected readonly busy=sending on_use=use_composed />
                    }
                        .into_any()
                }
            }}
            <div aria-live="polite">
                {move || match outcome.get() {
                    None if sending.get() => {
                        view! {
                            <p class="hint media-progress" role="status">
                                <span class="media-spinner" aria-hidden="true"></span>
                                "画像を LINE 用の大きさに整えています…"
                            </p>
                        }
                            .into_any()
                    }
                    None => ().into_any(),
                    Some(Ok(f)) if way.get_untracked() == ImageWay::Compose => {
                        view! {
                            <p class="notice" role="status" data-testid="menu-image-fitted">
                                {format!(
                                    "つくった画像を保存しました：{}×{} px・{}・{}。メニューの内容も保存しました。",
                                    f.source_width,
                                    f.source_height,
                                    if f.content_type == "image/png" { "PNG" } else { "JPEG" },
                                    human_bytes(f.bytes as u64),
                                )}
                            </p>
                        }
                            .into_any()
                    }
                    Some(Ok(f)) => {
                        view! {
                            <p class="notice" role="status" data-testid="menu-image-fitted">
                                {format!(
                                    "アップロードしました：元の画像 {}×{} px・{} → LINE に送る画像 {}・{}",
                                    f.source_width,
                                    f.source_height,
                                    human_bytes(f.source_bytes as u64),
                                    if f.content_type == "image/png" { "PNG" } else { "JPEG" },
                                    human_bytes(f.bytes as u64),
                                )}
                            </p>
                            {f
                                .enlarged
                                .then(|| {
                                    view! {
                                        <p class="hint">
                                            "元の画像がメニューより小さいため拡大しました。ぼやけて見える場合は、もっと大きな画像をお使いください。"
                                        </p>
                                    }
                                })}
                        }
                            .into_any()
                    }
                    Some(Err(error)) => view! { <ErrorNote error /> }.into_any(),
                }}
            </div>
        </section>
    }
}

/// Publishing the saved menu as the channel's default, and where each publish stands.
#[component]
fn PublishSection(
    id: i64,
    problems: Memo<Vec<String>>,
    unsaved: Memo<bool>,
    readonly: bool,
) -> impl IntoView {
    let channel = use_channel();
    let publish = ServerAction::<PublishRichMenu>::new();
    let republish = ServerAction::<RepublishRichMenu>::new();
    let tick = RwSignal::new(0u32);
    let publications = Resource::new(
        move || {
            (
                publish.version().get(),
                republish.version().get(),
                tick.get(),
            )
        },
        move |_| rich_menu_publications(id),
    );
    // While a publish is under way, ask again every 2 seconds.
    Effect::new(move || {
        let busy = publications
            .get()
            .and_then(Result::ok)
            .is_some_and(|list| list.iter().any(|p| p.in_progress));
        if busy
            && let Ok(handle) = set_timeout_with_handle(
                move || tick.update(|t| *t += 1),
                std::time::Duration::from_secs(2),
            )
        {
            on_cleanup(move || handle.clear());
        }
    });
    let blocked = move || !problems.get().is_empty() || unsaved.get();
    view! {
        <section class="panel stack" aria-labelledby="menu-publish" data-testid="menu-publish">
            <h2 id="menu-publish">"公開"</h2>
            <p class="hint">
                "「既定のメニューとして公開」で、このチャネルの友だち全員（個別のメニューがある人を除く）に表示されます。「切り替え用に公開」は、セグメントごとのルールや緊急切り替えで使うメニューを LINE に用意します。LINE では公開したメニューを書き換えられないため、公開のたびに新しい版を作り、前の版と入れ替えます。"
            </p>
            <p>
                <A href=format!("/admin/rich-menus/{id}/stats") attr:data-testid="menu-stats-link">
                    "統計（表示回数・エリアごとのタップ数）"
                </A>
            </p>
            {(!readonly)
                .then(|| {
                    view! {
                        <ActionForm action=publish attr:class="inline-form">
                            <input type="hidden" name="id" value=id />
                            <input
                                type="hidden"
                                name="channel"
                                prop:value=move || channel.key.get()
                            />
                            <button
                                type="submit"
                                class="button primary"
                                data-testid="publish-menu"
                                disabled=move || blocked() || publish.pending().get()
                            >
                                "既定のメニューとして公開"
                            </button>
                            <button
                                type="submit"
                                name="for_links"
                                value="true"
                                class="button"
                                data-testid="publish-menu-for-links"
                                disabled=move || blocked() || publish.pending().get()
                            >
                                "切り替え用に公開（既定にはしない）"
                            </button>
                            {move || {
                                if unsaved.get() {
                                    Some(
                                        view! {
                                            <span class="hint">
                                                "保存してから公開してください。"
                                            </span>
                                        },
                                    )
                                } else if !problems.get().is_empty() {
                                    Some(
                                        view! {
                                            <span class="hint">
                                                "「確認」の問題を直すと公開できます。"
                                            </span>
                                        },
                                    )
                                } else {
                                    None
                                }
                            }}
                        </ActionForm>
                        <Outcome value=publish.value() done="公開を始めました。" />
                        <Outcome
                            value=republish.value()
                            done="この版での公開を始めました。"
                        />
                    }
                })}
            <Transition fallback=|| ()>
                {move || {
                    publications
                        .get()
                        .map(|r| match r {
                            Err(error) => view! { <ErrorNote error /> }.into_any(),
                            Ok(list) if list.is_empty() => {
                                view! { <p class="hint">"まだ公開していません。"</p> }
                                    .into_any()
                            }
                            Ok(list) => {
                                view! {
                                    <table class="data-table" data-testid="menu-publications">
                                        <caption class="visually-hidden">"公開の履歴"</caption>
                                        <thead>
                                            <tr>
                                                <th scope="col">"版"</th>
                                                <th scope="col">"チャネル"</th>
                                                <th scope="col">"状態"</th>
                                                <th scope="col">"日時"</th>
                                                <th scope="col">"操作"</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {list
                                                .into_iter()
                                                .map(|p| {
                                                    let can_restore = !readonly
                                                        && matches!(p.state.as_str(), "retired" | "deleted");
                                                    let version_id = p.version_id;
                                                    let restore_channel = p.channel.clone();
                                                    view! {
                                                        <tr data-state=p.state.clone()>
                                                            <td>{format!("第{}版", p.version)}</td>
                                                            <td>{p.channel.clone()}</td>
                                                            <td>
                                                                {p.state_label.clone()}
                                                                {p.error.clone().map(|e| view! { <p class="hint">{e}</p> })}
                                                            </td>
                                                            <td>{format!("{}（{}）", p.created_at, p.created_by)}</td>
                                                            <td>
                                                                {can_restore
                                                                    .then(|| {
                                                                        view! {
                                                                            <button
                                                                                type="button"
                                                                                class="button"
                                                                                on:click=move |_| {
                                                                                    republish
                                                                                        .dispatch(RepublishRichMenu {
                                                                                            version_id,
                                                                                            channel: restore_channel.clone(),
                                                                                        });
                                                                                }
                                                                            >
                                                                                "この版に戻す"
                                                                            </button>
                                                                        }
                                                                    })}
                                                            </td>
                                                        </tr>
                                                    }
                                                })
                                                .collect_view()}
                                        </tbody>
                                    </table>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}

/// The phone preview: the menu as citizens see it; a tap says what it does.
#[component]
fn MenuPreviewPanel(
    design: RwSignal<MenuDesign>,
    image_src: Signal<Option<String>>,
) -> impl IntoView {
    let open = RwSignal::new(design.with_untracked(|d| d.open_by_default));
    let tapped = RwSignal::new(None::<String>);
    let size = Signal::derive(move || design.with(|d| (d.width, d.height)));
    let areas = Signal::derive(move || {
        design.with(|d| {
            d.areas
                .iter()
                .map(|a| (a.bounds, a.label().to_owned()))
                .collect::<Vec<_>>()
        })
    });
    view! {
        <aside class="menu-editor-preview" aria-labelledby="menu-preview-title">
            <h2 id="menu-preview-title">"プレビュー"</h2>
            <RichMenuPreview
                image_src
                size
                areas
                chat_bar_text=Signal::derive(move || design.with(|d| d.chat_bar_text.clone()))
                open
                on_tap=Callback::new(move |i: usize| {
                    tapped
                        .set(
                            design
                                .with_untracked(|d| {
                                    d.areas
                                        .get(i)
                                        .map(|a| {
                                            format!(
                                                "「{}」を押すと：{}",
                                                a.label(),
                                                describe_action(&a.action),
                                            )
                                        })
                                }),
                        )
                })
                show_areas=Signal::derive(move || image_src.get().is_none())
            />
            <p class="hint" aria-live="polite" data-testid="menu-preview-tap">
                {move || {
                    tapped
                        .get()
                        .unwrap_or_else(|| {
                            "プレビューのエリアを押すと、そのときの動作がここに出ます。"
                                .into()
                        })
                }}
            </p>
        </aside>
    }
}

//! 画像をつくる: the rich menu image composed in the browser by staff without image software. A
//! background colour for the whole image and, per area, a tile colour (or a ready pair from the
//! city's palette), an icon from the bundled set, a label with its size, colour and alignment.
//! A live canvas shows the result; 「この画像を使う」 (the caller's `on_use`) draws it at the
//! menu's full size and uploads it.
//!
//! The layered source is `MenuDesign::composition` (`model::menu::compose`), edited here through
//! the caller's design signal, so it is saved with the menu and opens again for changes. The
//! label font (BIZ UDPGothic, OFL) is fetched only when this component is shown, so that every
//! member of staff gets the same letters; should it fail, the system's font draws, with a note.

#[cfg(feature = "hydrate")]
pub mod draw;

use leptos::prelude::*;
use model::menu::MenuDesign;
use model::menu::compose::{
    Align, AreaStyle, Composition, LabelSize, MIN_CONTRAST, PALETTE, contrast_ratio, normalised,
};
use model::menu::icons::ICONS;

/// Whether the label font is there.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FontState {
    Loading,
    Ready,
    /// It could not be fetched: the system's Japanese font draws instead.
    Failed,
}

/// Edits area `index`'s look in `design`'s composition (starting one if it has none).
fn update_style(design: RwSignal<MenuDesign>, index: usize, f: impl FnOnce(&mut AreaStyle)) {
    design.update(|d| {
        if d.composition.is_none() {
            d.composition = Some(Composition::starting(d));
        }
        let MenuDesign {
            areas, composition, ..
        } = d;
        if let Some(composition) = composition.as_mut() {
            f(composition.style_mut(index, areas));
        }
    });
}

fn style_of(design: &MenuDesign, index: usize) -> AreaStyle {
    let area = design.areas.get(index);
    design.composition.as_ref().map_or_else(
        || AreaStyle::for_area(index, area),
        |c| c.style(index, area),
    )
}

/// The live canvas's pixels for a menu of `(width, height)`: 1000 wide (shown at the column's
/// width), the menu's proportions.
fn canvas_size((width, height): (i32, i32)) -> (u32, u32) {
    let h = (f64::from(height) * 1000.0 / f64::from(width.max(1))).round();
    (1000, h.clamp(1.0, 4000.0) as u32)
}

/// The 24×24 outline of a bundled icon, for the picker.
fn icon_svg(path: &'static str) -> impl IntoView {
    view! {
        <svg
            class="composer-icon-svg"
            viewBox="0 0 24 24"
            width="32"
            height="32"
            aria-hidden="true"
            focusable="false"
        >
            <path
                d=path
                fill="none"
                stroke="currentColor"
                stroke-width="1.9"
                stroke-linecap="round"
                stroke-linejoin="round"
            />
        </svg>
    }
}

/// The composer. `busy`: the image is being made or sent (the button waits).
#[component]
pub fn MenuComposer(
    design: RwSignal<MenuDesign>,
    /// The area being edited, shared with the editor's list of areas.
    selected: RwSignal<Option<usize>>,
    readonly: bool,
    #[prop(into)] busy: Signal<bool>,
    on_use: Callback<()>,
) -> impl IntoView {
    let font = RwSignal::new(FontState::Loading);
    // Bumped when glyphs arrive, to paint again.
    let glyphs = RwSignal::new(0u32);
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let count = Memo::new(move |_| design.with(|d| d.areas.len()));
    let size = Memo::new(move |_| design.with(|d| (d.width, d.height)));
    let index = Memo::new(move |_| {
        selected
            .get()
            .filter(|&i| i < count.get())
            .unwrap_or_default()
    });
    // Every label's text, so new characters fetch their part of the font.
    let texts = Memo::new(move |_| {
        design.with(|d| {
            (0..d.areas.len())
                .map(|i| style_of(d, i).text(d.areas.get(i)))
                .collect::<String>()
        })
    });

    #[cfg(not(feature = "hydrate"))]
    let _ = (glyphs, texts);
    #[cfg(feature = "hydrate")]
    {
        use leptos::task::spawn_local;
        let sheet = RwSignal::new(None::<bool>);
        draw::load_font_sheet(move |ok| sheet.set(Some(ok)));
        // Give up on the font after 15 s (a network that never answers): the system's draws.
        if let Ok(handle) = set_timeout_with_handle(
            move || {
                if font.try_get_untracked() == Some(FontState::Loading) {
                    let _ = font.try_set(FontState::Failed);
                }
            },
            std::time::Duration::from_secs(15),
        ) {
            on_cleanup(move || handle.clear());
        }
        Effect::new(move || {
            let text = texts.get();
            match sheet.get() {
                None => {}
                Some(false) => font.set(FontState::Failed),
                Some(true) => spawn_local(async move {
                    let ok = draw::load_font_for(&text).await;
                    // The composer may have closed meanwhile (its signals are gone then).
                    let Some(state) = font.try_get_untracked() else {
                        return;
                    };
                    if state != FontState::Failed || ok {
                        let _ = font.try_set(if ok {
                            FontState::Ready
                        } else {
                            FontState::Failed
                        });
                    }
                    let _ = glyphs.try_update(|g| *g += 1);
                }),
            }
        });
        // Paint the live canvas on every change.
        Effect::new(move || {
            glyphs.track();
            let highlight = (!readonly).then(|| index.get());
            let Some(element) = canvas.get() else { return };
            let (width, height) = canvas_size(size.get());
            if element.width() != width || element.height() != height {
                element.set_width(width);
                element.set_height(height);
            }
            let Some(ctx) = draw::context(&element) else {
                return;
            };
            design.with(|d| {
                let composition = d
                    .composition
                    .clone()
                    .unwrap_or_else(|| Composition::starting(d));
                let scale = f64::from(element.width()) / f64::from(d.width.max(1));
                draw::paint(&ctx, d, &composition, scale, highlight);
            });
        });
    }

    let (initial_width, initial_height) = canvas_size(size.get_untracked());
    let on_canvas_click = move |ev: leptos::ev::MouseEvent| {
        let Some(element) = canvas.get_untracked() else {
            return;
        };
        let (cw, ch) = (
            f64::from(element.client_width().max(1)),
            f64::from(element.client_height().max(1)),
        );
        let (w, h) = size.get_untracked();
        let x = f64::from(ev.offset_x()) * f64::from(w) / cw;
        let y = f64::from(ev.offset_y()) * f64::from(h) / ch;
        let hit = design.with_untracked(|d| {
            d.areas.iter().position(|a| {
                let b = a.bounds;
                x >= f64::from(b.x)
                    && x < f64::from(b.x + b.width)
                    && y >= f64::from(b.y)
                    && y < f64::from(b.y + b.height)
            })
        });
        if let Some(i) = hit {
            selected.set(Some(i));
        }
    };
    let background = move || {
        design.with(|d| {
            d.composition.as_ref().map_or("#ffffff".to_owned(), |c| {
                normalised(&c.background, "#ffffff")
            })
        })
    };

    view! {
        <div class="menu-composer stack" data-testid="menu-composer">
            <p class="hint">
                "色・アイコン・文字を選ぶと、下の見本がすぐに変わります。エリアは一覧から選ぶか、見本の上をクリックして選びます。できあがったら「この画像を使う」を押してください。"
            </p>
            <canvas
                node_ref=canvas
                class="composer-canvas"
                width=initial_width
                height=initial_height
                role="img"
                aria-label="つくった画像の見本"
                data-testid="composer-canvas"
                on:click=on_canvas_click
            >
                "つくった画像の見本"
            </canvas>
            <p class="hint" aria-live="polite" data-testid="composer-font">
                {move || match font.get() {
                    FontState::Loading => "文字のフォントを読み込んでいます…",
                    FontState::Ready => {
                        "文字は BIZ UDPゴシック（どのパソコンでも同じ見た目）で描いています。"
                    }
                    FontState::Failed => {
                        "文字のフォントを読み込めなかったため、このパソコンの標準フォントで描いています。ほかの職員の画面とは文字の形が少し違うことがあります。"
                    }
                }}
            </p>
            <datalist id="composer-palette">
                {PALETTE
                    .iter()
                    .flat_map(|s| [s.background, s.text])
                    .map(|c| view! { <option value=c></option> })
                    .collect_view()}
            </datalist>
            <div class="field-row">
                <div class="field">
                    <label for="composer-background">"画像全体の背景色"</label>
                    <input
                        id="composer-background"
                        type="color"
                        list="composer-palette"
                        disabled=readonly
                        prop:value=background
                        on:input=move |ev| {
                            let value = event_target_value(&ev);
                            design
                                .update(|d| {
                                    if d.composition.is_none() {
                                        d.composition = Some(Composition::starting(d));
                                    }
                                    if let Some(c) = d.composition.as_mut() {
                                        c.background = normalised(&value, "#ffffff");
                                    }
                                })
                        }
                    />
                </div>
                <div class="field">
                    <label for="composer-area">"編集するエリア"</label>
                    <select
                        id="composer-area"
                        on:change=move |ev| {
                            if let Ok(i) = event_target_value(&ev).parse::<usize>() {
                                selected.set(Some(i));
                            }
                        }
                    >
                        {move || {
                            (0..count.get())
                                .map(|i| {
                                    let name = design
                                        .with(|d| {
                                            d.areas
                                                .get(i)
                                                .map(|a| a.label().to_owned())
                                                .unwrap_or_default()
                                        });
                                    view! {
                                        <option value=i prop:selected=move || index.get() == i>
                                            {format!("エリア{} {name}", i + 1)}
                                        </option>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
            </div>
            // Keyed by the area, so that another area's fields are new elements (patched in
            // place, a radio group renamed to another area's kept no choice checked).
            <For each=move || (count.get() > 0).then(|| index.get()) key=|i| *i let:i>
                <AreaStyleFields index=i design readonly />
            </For>
            {(!readonly)
                .then(|| {
                    view! {
                        <div class="toolbar">
                            <button
                                type="button"
                                class="button primary"
                                data-testid="composer-use"
                                disabled=move || busy.get()
                                on:click=move |_| on_use.run(())
                            >
                                {move || {
                                    if busy.get() {
                                        "処理中…"
                                    } else {
                                        "この画像を使う"
                                    }
                                }}
                            </button>
                            <span class="hint">
                                {move || {
                                    let (w, h) = size.get();
                                    format!(
                                        "メニューを保存してから、{w}×{h} px の画像を作ってアップロードします。",
                                    )
                                }}
                            </span>
                        </div>
                    }
                })}
        </div>
    }
}

/// One area's look: a ready colour pair, the tile and text colours, the label, its size and
/// alignment, and the icon.
#[component]
fn AreaStyleFields(index: usize, design: RwSignal<MenuDesign>, readonly: bool) -> impl IntoView {
    let style = Memo::new(move |_| design.with(|d| style_of(d, index)));
    let area_name = move || {
        design.with(|d| {
            d.areas
                .get(index)
                .map(|a| a.label().to_owned())
                .unwrap_or_default()
        })
    };
    let text = move || design.with(|d| style_of(d, index).text(d.areas.get(index)));
    let contrast = move || style.with(|s| contrast_ratio(&s.colour, &s.background));
    let id = move |part: &str| format!("composer-{index}-{part}");
    let size_radios = LabelSize::ALL
        .into_iter()
        .map(|size| {
            let radio_id = id(&format!("size-{}", size.key()));
            view! {
                <label class="composer-choice" for=radio_id.clone()>
                    <input
                        type="radio"
                        id=radio_id.clone()
                        name=id("size")
                        value=size.key()
                        disabled=readonly
                        prop:checked=move || style.with(|s| s.size == size)
                        on:change=move |_| update_style(design, index, |s| s.size = size)
                    />
                    {size.name_ja()}
                </label>
            }
        })
        .collect_view();
    let align_radios = Align::ALL
        .into_iter()
        .map(|align| {
            let radio_id = id(&format!("align-{}", align.key()));
            view! {
                <label class="composer-choice" for=radio_id.clone()>
                    <input
                        type="radio"
                        id=radio_id.clone()
                        name=id("align")
                        value=align.key()
                        disabled=readonly
                        prop:checked=move || style.with(|s| s.align == align)
                        on:change=move |_| update_style(design, index, |s| s.align = align)
                    />
                    {align.name_ja()}
                </label>
            }
        })
        .collect_view();
    let icon_choice =
        move |icon_id: Option<&'static str>, name: &'static str, path: Option<&'static str>| {
            let radio_id = id(&format!("icon-{}", icon_id.unwrap_or("none")));
            view! {
                <label class="composer-icon" for=radio_id.clone()>
                    <input
                        type="radio"
                        id=radio_id.clone()
                        name=id("icon")
                        value=icon_id.unwrap_or("")
                        disabled=readonly
                        prop:checked=move || style.with(|s| s.icon.as_deref() == icon_id)
                        on:change=move |_| {
                            update_style(design, index, |s| s.icon = icon_id.map(str::to_owned))
                        }
                    />
                    {path.map(icon_svg)}
                    <span>{name}</span>
                </label>
            }
        };
    let icons = std::iter::once(icon_choice(None, "なし", None))
        .chain(
            ICONS
                .iter()
                .map(|icon| icon_choice(Some(icon.id), icon.name, Some(icon.path))),
        )
        .collect_view();
    let colour_field = move |part: &'static str,
                             label: &'static str,
                             get: fn(&AreaStyle) -> String,
                             set: fn(&mut AreaStyle, String)| {
        let field_id = id(part);
        view! {
            <div class="field">
                <label for=field_id.clone()>{label}</label>
                <input
                    id=field_id
                    type="color"
                    list="composer-palette"
                    disabled=readonly
                    prop:value=move || style.with(get)
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        update_style(design, index, move |s| set(s, value))
                    }
                />
            </div>
        }
    };
    view! {
        <fieldset class="panel inset stack composer-area" data-testid="composer-area-fields">
            <legend>
                {move || format!("エリア{} {} の見た目", index + 1, area_name())}
            </legend>
            <div class="field">
                <label for=id("label")>"画像に入れる文字"</label>
                <input
                    id=id("label")
                    maxlength="30"
                    readonly=readonly
                    prop:value=text
                    aria-describedby=id("label-hint")
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        update_style(design, index, move |s| s.label = Some(value))
                    }
                />
                <p id=id("label-hint") class="hint">
                    "最初はエリアの名前が入っています。空にすると、アイコンだけの画像になります。"
                </p>
            </div>
            <div class="field-row">
                <fieldset class="choices composer-choices">
                    <legend>"文字の大きさ"</legend>
                    <div class="composer-choice-row">{size_radios}</div>
                </fieldset>
                <fieldset class="choices composer-choices">
                    <legend>"文字とアイコンの位置"</legend>
                    <div class="composer-choice-row">{align_radios}</div>
                </fieldset>
            </div>
            <fieldset class="choices">
                <legend>
                    "おすすめの配色（背景と文字の色をまとめて選びます）"
                </legend>
                <div class="composer-swatches">
                    {PALETTE
                        .iter()
                        .map(|swatch| {
                            let pressed = move || {
                                style
                                    .with(|s| {
                                        normalised(&s.background, "") == swatch.background
                                            && normalised(&s.colour, "") == swatch.text
                                    })
                                    .to_string()
                            };
                            view! {
                                <button
                                    type="button"
                                    class="composer-swatch"
                                    style=format!(
                                        "background:{};color:{}",
                                        swatch.background,
                                        swatch.text,
                                    )
                                    aria-pressed=pressed
                                    disabled=readonly
                                    on:click=move |_| {
                                        update_style(
                                            design,
                                            index,
                                            |s| {
                                                s.background = swatch.background.to_owned();
                                                s.colour = swatch.text.to_owned();
                                            },
                                        )
                                    }
                                >
                                    {swatch.name}
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
            </fieldset>
            <div class="field-row">
                {colour_field(
                    "background",
                    "エリアの背景色",
                    |s| normalised(&s.background, "#ffffff"),
                    |s, v| s.background = normalised(&v, "#ffffff"),
                )}
                {colour_field(
                    "colour",
                    "文字とアイコンの色",
                    |s| normalised(&s.colour, "#000000"),
                    |s, v| s.colour = normalised(&v, "#000000"),
                )}
            </div>
            <p aria-live="polite" data-testid="composer-contrast">
                {move || match contrast() {
                    Some(ratio) if ratio >= MIN_CONTRAST => {
                        view! {
                            <span class="hint">
                                {format!(
                                    "文字と背景のコントラスト {:.1}:1（読みやすい色です）",
                                    (ratio * 10.0).floor() / 10.0,
                                )}
                            </span>
                        }
                            .into_any()
                    }
                    Some(ratio) => {
                        view! {
                            <span class="field-warning">
                                {format!(
                                    "文字と背景のコントラストが {:.1}:1 で、読みにくい色です（{MIN_CONTRAST}:1 以上にしてください）。おすすめの配色から選ぶと安心です。",
                                    (ratio * 10.0).floor() / 10.0,
                                )}
                            </span>
                        }
                            .into_any()
                    }
                    None => ().into_any(),
                }}
            </p>
            <fieldset class="choices">
                <legend>"アイコン"</legend>
                <div class="composer-icons">{icons}</div>
                <p class="hint">
                    "アイコンは Tabler Icons（MIT ライセンス）です。矢印キーでも選べます。"
                </p>
            </fieldset>
        </fieldset>
    }
}

//! The phone around the preview: header with the account, LINE's chat background, and the
//! width and light/dark controls.

use leptos::prelude::*;

/// Who the messages come from, for the icons beside the bubbles. [`ChatFrame`] provides it;
/// a page drawing [`super::AccountMessage`]s in its own frame (the simulator) calls
/// [`PreviewAccount::provide`].
#[derive(Clone, Copy)]
pub struct PreviewAccount {
    pub name: Signal<String>,
    pub icon_url: Signal<Option<String>>,
}

impl PreviewAccount {
    pub fn provide(name: Signal<String>, icon_url: Signal<Option<String>>) {
        provide_context(PreviewAccount { name, icon_url });
    }
}

/// The first character of a name, for an icon without an image.
pub(super) fn initial(name: &str) -> String {
    name.trim()
        .chars()
        .next()
        .map(String::from)
        .unwrap_or_else(|| "？".into())
}

/// A round account icon: the image, or the name's initial.
pub(super) fn avatar(name: &str, icon_url: Option<&str>) -> AnyView {
    match icon_url.filter(|u| !u.is_empty()) {
        Some(url) => view! {
            <span class="lp-avatar" aria-hidden="true">
                <img src=url.to_owned() alt="" loading="lazy" />
            </span>
        }
        .into_any(),
        None => view! {
            <span class="lp-avatar" aria-hidden="true">
                {initial(name)}
            </span>
        }
        .into_any(),
    }
}

const WIDTHS: [u16; 3] = [320, 375, 414];

/// The phone's font-size setting: Flex texts, buttons and icons with `scaling: true` follow it
/// (the factors approximate LINE's 小/標準/大/特大; phones differ).
const FONT_SIZES: [(&str, &str); 4] = [
    ("small", "小"),
    ("normal", "標準"),
    ("large", "大"),
    ("xlarge", "特大"),
];

/// A phone-width chat: the account's name and icon on top, the chat background below with
/// `children` in it. Above it, small controls choose the width (320/375/414 px), the phone's
/// font size and a light or dark background.
#[component]
pub fn ChatFrame(
    #[prop(into)] account_name: Signal<String>,
    #[prop(optional, into)] icon_url: MaybeProp<String>,
    children: Children,
) -> impl IntoView {
    let icon = Signal::derive(move || icon_url.get());
    PreviewAccount::provide(account_name, icon);
    let width = RwSignal::new(375u16);
    let dark = RwSignal::new(false);
    let font = RwSignal::new("normal");
    let class = move || {
        format!(
            "lp-frame lp-w{} lp-font-{}{}",
            width.get(),
            font.get(),
            if dark.get() { " lp-dark" } else { "" }
        )
    };
    view! {
        <div class="lp-controls" role="group" aria-label="プレビューの表示">
            <span class="lp-controls-label">"幅"</span>
            {WIDTHS
                .into_iter()
                .map(|w| {
                    view! {
                        <button
                            type="button"
                            class="lp-toggle"
                            aria-pressed=move || (width.get() == w).to_string()
                            aria-label=format!("幅 {w} px")
                            on:click=move |_| width.set(w)
                        >
                            {w.to_string()}
                        </button>
                    }
                })
                .collect_view()}
            <span class="lp-controls-label">"文字"</span>
            {FONT_SIZES
                .into_iter()
                .map(|(id, name)| {
                    view! {
                        <button
                            type="button"
                            class="lp-toggle"
                            aria-pressed=move || (font.get() == id).to_string()
                            aria-label=format!("文字サイズ {name}")
                            on:click=move |_| font.set(id)
                        >
                            {name}
                        </button>
                    }
                })
                .collect_view()}
            <button
                type="button"
                class="lp-toggle"
                aria-pressed=move || dark.get().to_string()
                on:click=move |_| dark.update(|d| *d = !*d)
            >
                "ダーク"
            </button>
        </div>
        <div class=class>
            <div class="lp-head">
                {move || avatar(&account_name.get(), icon.get().as_deref())}
                <span class="lp-head-name">{move || account_name.get()}</span>
            </div>
            <div class="lp-chat">{children()}</div>
        </div>
    }
}

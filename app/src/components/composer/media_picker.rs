//! Choosing an image from the media library (画像) for a message, a template or an imagemap.

use leptos::prelude::*;

use crate::api::{MediaItem, media_library};

/// An image of the media library, with the URLs LINE fetches it from.
#[derive(Clone, Debug, PartialEq)]
pub struct PickedImage {
    /// For image messages (`originalContentUrl`).
    pub original_url: String,
    /// For image messages (`previewImageUrl`).
    pub preview_url: String,
    /// At most 1024 px wide and 1 MB: template thumbnails and carousel images.
    pub card_url: String,
    /// An imagemap's `baseUrl` (LINE appends `/240` ... `/1040`).
    pub imagemap_base_url: String,
    /// Of the imagemap sizes (a very tall image is framed: `MediaItem::imagemap_size`).
    pub width: i32,
    pub height: i32,
    pub alt_text: String,
}

impl From<MediaItem> for PickedImage {
    fn from(item: MediaItem) -> Self {
        Self {
            original_url: item.original_url,
            preview_url: item.preview_url,
            card_url: item.card_url,
            imagemap_base_url: item.imagemap_base_url,
            width: i32::try_from(item.imagemap_size.0).unwrap_or(i32::MAX),
            height: i32::try_from(item.imagemap_size.1).unwrap_or(i32::MAX),
            alt_text: item.alt_text,
        }
    }
}

/// A button that opens the media library and calls `on_pick` with the chosen image. The
/// library is read when opened, so an image uploaded in another tab is there.
#[component]
pub fn ImagePicker(on_pick: Callback<PickedImage>, #[prop(into)] label: String) -> impl IntoView {
    let draft = super::fields::Draft::use_context();
    let open = RwSignal::new(false);
    let library = Resource::new(
        move || open.get(),
        |open| async move {
            if open {
                Some(media_library().await)
            } else {
                None
            }
        },
    );
    if draft.readonly {
        return ().into_any();
    }
    view! {
        <div class="composer-picker">
            <button
                type="button"
                class="button"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {label}
            </button>
            <Transition fallback=|| {
                view! { <p class="hint">"画像を読み込んでいます…"</p> }
            }>
                {move || {
                    library
                        .get()
                        .flatten()
                        .map(|result| match result {
                            Err(e) => {
                                view! { <p class="field-error">{e.to_string()}</p> }.into_any()
                            }
                            Ok(library) if library.items.is_empty() => {
                                view! {
                                    <p class="hint">
                                        "画像ライブラリに画像がありません。"
                                        <a href="/admin/media" target="_blank">
                                            "「画像」"
                                        </a>
                                        "で画像をアップロードしてから選んでください。"
                                    </p>
                                }
                                    .into_any()
                            }
                            Ok(library) => {
                                view! {
                                    {(!library.https)
                                        .then(|| {
                                            view! {
                                                <p class="hint warning">
                                                    "PUBLIC_URL が https ではないため、LINE は画像を取得できません（サンドボックスでは表示できます）。"
                                                </p>
                                            }
                                        })}
                                    <div
                                        class="composer-picker-grid"
                                        role="list"
                                        aria-label="画像ライブラリ"
                                    >
                                        {library
                                            .items
                                            .into_iter()
                                            .map(|item| {
                                                let src = item.preview_path();
                                                let name = if item.alt_text.is_empty() {
                                                    item.file_name.clone()
                                                } else {
                                                    item.alt_text.clone()
                                                };
                                                let size = format!("{}×{}", item.width, item.height);
                                                let picked = PickedImage::from(item);
                                                view! {
                                                    <div role="listitem">
                                                        <button
                                                            type="button"
                                                            data-testid="pick-image"
                                                            on:click=move |_| {
                                                                on_pick.run(picked.clone());
                                                                open.set(false);
                                                            }
                                                        >
                                                            <img src=src alt="" loading="lazy" />
                                                            <span>{name}</span>
                                                            <span class="hint">{size}</span>
                                                        </button>
                                                    </div>
                                                }
                                            })
                                            .collect_view()}
                                    </div>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </div>
    }
    .into_any()
}

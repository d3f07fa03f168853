//! Forms of the simple message kinds: text, image, sticker and location, and the alternative
//! text shared by imagemap, template and Flex messages (the Flex editor is `flex`).

use leptos::prelude::*;
use line::message::Message;
use line::sticker::{STICKER_PACKAGES, image_url};
use line::validate::{MAX_ALT_TEXT, MAX_CONTENT_URL, MAX_LOCATION_TEXT, MAX_TEXT_LENGTH};

use super::fields::{Draft, FieldErrors, NumberField, TextField, field_id};
use super::media_picker::{ImagePicker, PickedImage};

/// A string field of message `index`, read and written through `get` and `set`.
fn text_signal(draft: Draft, index: usize, get: fn(&Message) -> Option<String>) -> Signal<String> {
    Signal::derive(move || draft.read(index, get).flatten().unwrap_or_default())
}

fn setter(draft: Draft, index: usize, set: fn(&mut Message, String)) -> Callback<String> {
    Callback::new(move |v: String| draft.edit(index, |m| set(m, v)))
}

#[component]
pub fn TextForm(index: usize) -> impl IntoView {
    let draft = Draft::use_context();
    view! {
        <TextField
            label="本文"
            path=format!("messages[{index}].text")
            value=text_signal(
                draft,
                index,
                |m| match m {
                    Message::Text(t) => Some(t.text.clone()),
                    _ => None,
                },
            )
            on_input=setter(
                draft,
                index,
                |m, v| {
                    if let Message::Text(t) = m {
                        t.text = v;
                    }
                },
            )
            max=MAX_TEXT_LENGTH
            multiline=true
            hint="URL を書くとタップで開けるリンクになります"
        />
    }
}

#[component]
pub fn ImageForm(index: usize) -> impl IntoView {
    let draft = Draft::use_context();
    let pick = Callback::new(move |image: PickedImage| {
        draft.edit(index, |m| {
            if let Message::Image(i) = m {
                i.original_content_url = image.original_url;
                i.preview_image_url = image.preview_url;
            }
        })
    });
    view! {
        <ImagePicker label="画像ライブラリから選ぶ" on_pick=pick />
        <TextField
            label="画像の URL（https、JPEG または PNG）"
            path=format!("messages[{index}].originalContentUrl")
            value=text_signal(
                draft,
                index,
                |m| match m {
                    Message::Image(i) => Some(i.original_content_url.clone()),
                    _ => None,
                },
            )
            on_input=setter(
                draft,
                index,
                |m, v| {
                    if let Message::Image(i) = m {
                        i.original_content_url = v;
                    }
                },
            )
            max=MAX_CONTENT_URL
            inputmode="url"
        />
        <TextField
            label="プレビュー画像の URL（トークに小さく表示される画像）"
            path=format!("messages[{index}].previewImageUrl")
            value=text_signal(
                draft,
                index,
                |m| match m {
                    Message::Image(i) => Some(i.preview_image_url.clone()),
                    _ => None,
                },
            )
            on_input=setter(
                draft,
                index,
                |m, v| {
                    if let Message::Image(i) = m {
                        i.preview_image_url = v;
                    }
                },
            )
            max=MAX_CONTENT_URL
            inputmode="url"
        />
    }
}

/// A picker of the stickers LINE lets a bot send: a package, then one of its stickers.
#[component]
pub fn StickerForm(index: usize) -> impl IntoView {
    let draft = Draft::use_context();
    let current = Memo::new(move |_| {
        draft
            .read(index, |m| match m {
                Message::Sticker(s) => Some((s.package_id.clone(), s.sticker_id.clone())),
                _ => None,
            })
            .flatten()
            .unwrap_or_default()
    });
    let package = RwSignal::new(current.get_untracked().0);
    let choose = move |package_id: String, sticker_id: String| {
        draft.edit(index, |m| {
            if let Message::Sticker(s) = m {
                s.package_id = package_id;
                s.sticker_id = sticker_id;
            }
        })
    };
    let package_id = field_id(&format!("messages[{index}].packageId"));
    view! {
        <div class="field composer-field">
            <label for=package_id.clone()>"スタンプのセット"</label>
            <select
                id=package_id
                disabled=draft.readonly
                prop:value=move || package.get()
                on:change=move |ev| package.set(event_target_value(&ev))
            >
                {STICKER_PACKAGES
                    .iter()
                    .map(|p| {
                        let id = p.package_id.to_string();
                        view! {
                            <option value=id
                                .clone()>{format!("セット {id}（{}個）", p.count)}</option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
        <div
            class="composer-stickers"
            role="radiogroup"
            aria-label="スタンプ"
            data-testid="sticker-picker"
        >
            {move || {
                let package_id = package.get();
                STICKER_PACKAGES
                    .iter()
                    .find(|p| p.package_id.to_string() == package_id)
                    .map(|p| {
                        p.sticker_ids()
                            .map(|id| {
                                let sticker = id.to_string();
                                let (pkg, chosen) = (package_id.clone(), sticker.clone());
                                let selected = move || {
                                    current.with(|(p, s)| *p == pkg && *s == chosen)
                                };
                                let (pkg, value) = (package_id.clone(), sticker.clone());
                                view! {
                                    <button
                                        type="button"
                                        role="radio"
                                        class="composer-sticker"
                                        aria-checked=move || selected().to_string()
                                        aria-label=format!("スタンプ {sticker}")
                                        disabled=draft.readonly
                                        on:click=move |_| choose(pkg.clone(), value.clone())
                                    >
                                        <img
                                            src=image_url(&sticker)
                                            alt=""
                                            loading="lazy"
                                            width="60"
                                            height="60"
                                        />
                                    </button>
                                }
                            })
                            .collect_view()
                    })
            }}
        </div>
        <p class="hint">
            {move || {
                let (p, s) = current.get();
                format!(
                    "選択中：セット {p} のスタンプ {s}（LINE が公開している送信可能なスタンプのみ選べます）",
                )
            }}
        </p>
        <FieldErrors path=format!("messages[{index}].stickerId") />
    }
}

#[component]
pub fn LocationForm(index: usize) -> impl IntoView {
    let draft = Draft::use_context();
    let coordinate = move |latitude: bool| {
        Signal::derive(move || {
            draft
                .read(index, |m| match m {
                    Message::Location(l) => Some(if latitude { l.latitude } else { l.longitude }),
                    _ => None,
                })
                .flatten()
                .unwrap_or_default()
        })
    };
    let set_coordinate = move |latitude: bool| {
        Callback::new(move |v: f64| {
            draft.edit(index, |m| {
                if let Message::Location(l) = m {
                    if latitude {
                        l.latitude = v;
                    } else {
                        l.longitude = v;
                    }
                }
            })
        })
    };
    view! {
        <TextField
            label="名称"
            path=format!("messages[{index}].title")
            value=text_signal(
                draft,
                index,
                |m| match m {
                    Message::Location(l) => Some(l.title.clone()),
                    _ => None,
                },
            )
            on_input=setter(
                draft,
                index,
                |m, v| {
                    if let Message::Location(l) = m {
                        l.title = v;
                    }
                },
            )
            max=MAX_LOCATION_TEXT
            placeholder="市役所 本庁舎"
        />
        <TextField
            label="住所"
            path=format!("messages[{index}].address")
            value=text_signal(
                draft,
                index,
                |m| match m {
                    Message::Location(l) => Some(l.address.clone()),
                    _ => None,
                },
            )
            on_input=setter(
                draft,
                index,
                |m, v| {
                    if let Message::Location(l) = m {
                        l.address = v;
                    }
                },
            )
            max=MAX_LOCATION_TEXT
        />
        <div class="composer-row">
            <NumberField
                label="緯度"
                path=format!("messages[{index}].latitude")
                value=coordinate(true)
                on_input=set_coordinate(true)
                step="0.000001"
                min=-90.0
                max=90.0
            />
            <NumberField
                label="経度"
                path=format!("messages[{index}].longitude")
                value=coordinate(false)
                on_input=set_coordinate(false)
                step="0.000001"
                min=-180.0
                max=180.0
            />
        </div>
        <p class="hint">
            "地図アプリで場所を長押しすると緯度・経度を確認できます。"
        </p>
    }
}

/// The alternative text of an imagemap, template or Flex message.
#[component]
pub fn AltTextField(index: usize) -> impl IntoView {
    let draft = Draft::use_context();
    view! {
        <TextField
            label="代替テキスト（通知やトーク一覧に表示され、読み上げにも使われます）"
            path=format!("messages[{index}].altText")
            value=text_signal(
                draft,
                index,
                |m| match m {
                    Message::Imagemap(x) => Some(x.alt_text.clone()),
                    Message::Template(x) => Some(x.alt_text.clone()),
                    Message::Flex(x) => Some(x.alt_text.clone()),
                    _ => None,
                },
            )
            on_input=setter(
                draft,
                index,
                |m, v| match m {
                    Message::Imagemap(x) => x.alt_text = v,
                    Message::Template(x) => x.alt_text = v,
                    Message::Flex(x) => x.alt_text = v,
                    _ => {}
                },
            )
            max=MAX_ALT_TEXT
        />
    }
}

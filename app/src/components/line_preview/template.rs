//! Template messages: buttons, confirm, carousel and image carousel.

use leptos::prelude::*;
use line::message::Action;
use line::template::{ImageCarouselColumn, Template};

use super::style::{Style, color};
use super::{action_button, action_label, describe_action, hit_area};

/// A buttons template or a carousel column.
struct Card<'a> {
    thumbnail: Option<&'a str>,
    background: Option<&'a str>,
    title: Option<&'a str>,
    text: &'a str,
    default_action: Option<&'a Action>,
    actions: &'a [Action],
}

/// How thumbnails are drawn: `rectangle` (1.51:1, the default) or `square`; `cover` (the
/// default) or `contain`.
#[derive(Clone, Copy)]
struct Thumb {
    square: bool,
    contain: bool,
}

impl Thumb {
    fn new(ratio: Option<&str>, size: Option<&str>) -> Self {
        Thumb {
            square: ratio == Some("square"),
            contain: size == Some("contain"),
        }
    }
}

fn card(c: Card<'_>, thumb: Thumb, on: Callback<Action>) -> AnyView {
    let image = c.thumbnail.map(|url| {
        let class = if thumb.square {
            "lp-thumb lp-square"
        } else {
            "lp-thumb lp-rect"
        };
        let style = Style::new()
            .set("background-color", color(c.background))
            .build();
        view! {
            <div class=class style=style>
                <img
                    class=if thumb.contain { "lp-contain" } else { "lp-cover" }
                    src=url.to_owned()
                    alt=""
                    loading="lazy"
                />
            </div>
        }
    });
    let title = c
        .title
        .filter(|t| !t.is_empty())
        .map(|t| view! { <p class="lp-card-title">{t.to_owned()}</p> });
    let tappable = c.default_action.is_some();
    let hit = c.default_action.map(|a| hit_area(a, on));
    let buttons = c
        .actions
        .iter()
        .map(|a| action_button(a, "lp-card-action lp-act", None, on))
        .collect_view();
    view! {
        <div class=if tappable {
            "lp-card lp-tappable"
        } else {
            "lp-card"
        }>
            {hit} {image}
            <div class="lp-card-body">{title} <p class="lp-card-text">{c.text.to_owned()}</p></div>
            <div class="lp-card-actions">{buttons}</div>
        </div>
    }
    .into_any()
}

fn image_column(c: &ImageCarouselColumn, on: Callback<Action>) -> AnyView {
    let label = action_label(&c.action);
    let title = describe_action(&c.action);
    let aria = if label.is_empty() {
        "画像（ラベルなし）".to_owned()
    } else {
        label.clone()
    };
    let action = c.action.clone();
    view! {
        <button
            type="button"
            class="lp-imgcol lp-act"
            title=title
            aria-label=aria
            on:click=move |_| on.run(action.clone())
        >
            <img src=c.image_url.clone() alt="" loading="lazy" />
            {(!label.is_empty()).then(|| view! { <span class="lp-imgcol-label">{label}</span> })}
        </button>
    }
    .into_any()
}

pub(super) fn template(t: &Template, on: Callback<Action>) -> AnyView {
    match t {
        Template::Buttons(b) => card(
            Card {
                thumbnail: b.thumbnail_image_url.as_deref(),
                background: b.image_background_color.as_deref(),
                title: b.title.as_deref(),
                text: &b.text,
                default_action: b.default_action.as_ref(),
                actions: &b.actions,
            },
            Thumb::new(b.image_aspect_ratio.as_deref(), b.image_size.as_deref()),
            on,
        ),
        Template::Confirm(c) => {
            let buttons = c
                .actions
                .iter()
                .map(|a| action_button(a, "lp-card-action lp-act", None, on))
                .collect_view();
            view! {
                <div class="lp-card lp-confirm">
                    <div class="lp-card-body">
                        <p class="lp-card-text">{c.text.clone()}</p>
                    </div>
                    <div class="lp-confirm-actions">{buttons}</div>
                </div>
            }
            .into_any()
        }
        Template::Carousel(c) => {
            let thumb = Thumb::new(c.image_aspect_ratio.as_deref(), c.image_size.as_deref());
            let columns = c
                .columns
                .iter()
                .map(|col| {
                    card(
                        Card {
                            thumbnail: col.thumbnail_image_url.as_deref(),
                            background: col.image_background_color.as_deref(),
                            title: col.title.as_deref(),
                            text: &col.text,
                            default_action: col.default_action.as_ref(),
                            actions: &col.actions,
                        },
                        thumb,
                        on,
                    )
                })
                .collect_view();
            view! {
                <div class="lp-scroll lp-carousel" role="group" aria-label="カルーセル">
                    {columns}
                </div>
            }
            .into_any()
        }
        Template::ImageCarousel(c) => {
            let columns = c
                .columns
                .iter()
                .map(|col| image_column(col, on))
                .collect_view();
            view! {
                <div
                    class="lp-scroll lp-image-carousel"
                    role="group"
                    aria-label="画像カルーセル"
                >
                    {columns}
                </div>
            }
            .into_any()
        }
    }
}

//! Imagemap messages: the 700 px image at the bubble's width, with its tap areas.

use leptos::prelude::*;
use line::message::{Action, ImagemapMessage};
use line::template::{ImagemapAction, ImagemapArea};

use super::describe_action;
use super::style::{Style, num};

/// The action an imagemap area performs, as a LINE action (for the handler and description).
pub(super) fn area_action(a: &ImagemapAction) -> Action {
    match a {
        ImagemapAction::Uri {
            label, link_uri, ..
        } => Action::Uri {
            label: label.clone(),
            uri: link_uri.clone(),
            alt_uri: None,
        },
        ImagemapAction::Message { label, text, .. } => Action::Message {
            label: label.clone(),
            text: text.clone(),
        },
        ImagemapAction::Clipboard {
            label,
            clipboard_text,
            ..
        } => Action::Clipboard {
            label: label.clone(),
            clipboard_text: clipboard_text.clone(),
        },
    }
}

/// `left/top/width/height` of an area in percent of the base size.
fn area_style(area: &ImagemapArea, width: f64, height: f64) -> Option<String> {
    let pct = |v: i32, of: f64| Some(format!("{}%", num(f64::from(v) * 100.0 / of)));
    Style::new()
        .set("left", pct(area.x, width))
        .set("top", pct(area.y, height))
        .set("width", pct(area.width, width))
        .set("height", pct(area.height, height))
        .build()
}

pub(super) fn imagemap(m: &ImagemapMessage, on: Callback<Action>) -> AnyView {
    let width = f64::from(m.base_size.width.max(1));
    let height = f64::from(m.base_size.height.max(1));
    // No image chosen yet (a new rich message): the grey box, not a request for `/700`.
    let base = m.base_url.trim().trim_end_matches('/');
    let image = (!base.is_empty()).then(|| {
        view! { <img src=format!("{base}/700") alt=m.alt_text.clone() loading="lazy" /> }
    });
    let ratio = Style::new()
        .set(
            "aspect-ratio",
            Some(format!("{} / {}", num(width), num(height))),
        )
        .build();
    let areas = m
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let action = area_action(a);
            let title = describe_action(&action);
            let label = match a {
                ImagemapAction::Uri { label, .. }
                | ImagemapAction::Message { label, .. }
                | ImagemapAction::Clipboard { label, .. } => label.clone(),
            };
            // Named by its label, never by its text (a name must not echo the message).
            let aria = match label {
                Some(l) if !l.is_empty() => format!("エリア{}：{l}", i + 1),
                _ => format!("エリア{}", i + 1),
            };
            view! {
                <button
                    type="button"
                    class="lp-area"
                    style=area_style(a.area(), width, height)
                    aria-label=aria
                    title=title
                    on:click=move |_| on.run(action.clone())
                ></button>
            }
        })
        .collect_view();
    let video = m.video.as_ref().map(|v| {
        view! {
            <div class="lp-area-video" style=area_style(&v.area, width, height)>
                <img
                    src=v.preview_image_url.clone()
                    alt="動画のプレビュー画像"
                    loading="lazy"
                />
                <span class="lp-play" aria-hidden="true">
                    "▶"
                </span>
            </div>
        }
    });
    view! {
        <div class="lp-imagemap" style=ratio>
            {image}
            {video}
            {areas}
        </div>
    }
    .into_any()
}

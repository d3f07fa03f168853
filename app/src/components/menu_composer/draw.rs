//! The composer's drawing, in the browser only: the whole composition on a 2D canvas (the live
//! one at display size, and an offscreen one at the menu's full size for the PNG), and the
//! label font, fetched only when the composer opens.
//!
//! Where things go is computed by `model::menu::compose` (unit-tested); this module only paints.

use model::menu::MenuDesign;
use model::menu::compose::{Align, Composition, normalised, tile_layout};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, Path2d};

/// The label font (BIZ UDPGothic Bold, served from `public/fonts`), then the system's Japanese
/// fonts should it not load.
pub const FONT_FAMILY: &str = "'BIZ UDPGothic', 'Hiragino Sans', 'Hiragino Kaku Gothic ProN', 'Yu Gothic', Meiryo, 'Noto Sans JP', sans-serif";
/// The style sheet of the font's subsets (one `@font-face` per unicode range).
const FONT_SHEET: &str = "/fonts/biz-udpgothic-700.css";
/// At most this many lines of label on a tile; what is left is squeezed onto the last.
const MAX_LINES: usize = 3;

fn css_font(size: f64) -> String {
    format!("700 {size:.1}px {FONT_FAMILY}")
}

/// The 2D context of `canvas`.
pub fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok()??.dyn_into().ok()
}

/// Adds the font's style sheet to the page once; `done(true)` when it has loaded, `done(false)`
/// when it could not be.
pub fn load_font_sheet(done: impl FnOnce(bool) + 'static) {
    let document = leptos::prelude::document();
    if document
        .query_selector("link[data-composer-font]")
        .ok()
        .flatten()
        .is_some()
    {
        done(true);
        return;
    }
    let Some(head) = document.head() else {
        done(false);
        return;
    };
    let Ok(link) = document
        .create_element("link")
        .map(|e| e.unchecked_into::<web_sys::HtmlLinkElement>())
    else {
        done(false);
        return;
    };
    link.set_rel("stylesheet");
    link.set_href(FONT_SHEET);
    let _ = link.set_attribute("data-composer-font", "");
    let done = std::rc::Rc::new(std::cell::RefCell::new(Some(done)));
    let (on_load, on_error) = (done.clone(), done);
    let loaded = Closure::once_into_js(move || {
        if let Some(done) = on_load.borrow_mut().take() {
            done(true);
        }
    });
    let failed = Closure::once_into_js(move || {
        if let Some(done) = on_error.borrow_mut().take() {
            done(false);
        }
    });
    link.set_onload(Some(loaded.unchecked_ref()));
    link.set_onerror(Some(failed.unchecked_ref()));
    if head.append_child(&link).is_err() {
        link.set_onload(None);
    }
}

/// Fetches the font's subsets for `text` (the browser fetches only the ranges the text uses).
/// True when the font can draw it.
pub async fn load_font_for(text: &str) -> bool {
    let fonts = leptos::prelude::document().fonts();
    let font = css_font(48.0);
    let text = if text.trim().is_empty() { "あ" } else { text };
    match wasm_bindgen_futures::JsFuture::from(fonts.load_with_text(&font, text)).await {
        Ok(faces) => {
            js_sys::Array::from(&faces).length() > 0
                && fonts
                    .check_with_text("700 48px 'BIZ UDPGothic'", text)
                    .unwrap_or(false)
        }
        Err(_) => false,
    }
}

fn rounded_rect(ctx: &CanvasRenderingContext2d, (x, y, w, h): (f64, f64, f64, f64), r: f64) {
    let r = r.min(w / 2.0).min(h / 2.0);
    ctx.begin_path();
    ctx.move_to(x + r, y);
    let _ = ctx.arc_to(x + w, y, x + w, y + h, r);
    let _ = ctx.arc_to(x + w, y + h, x, y + h, r);
    let _ = ctx.arc_to(x, y + h, x, y, r);
    let _ = ctx.arc_to(x, y, x + w, y, r);
    ctx.close_path();
}

fn width_of(ctx: &CanvasRenderingContext2d, text: &str) -> f64 {
    ctx.measure_text(text).map(|m| m.width()).unwrap_or(0.0)
}

/// `text` in lines no wider than `max` (in the context's current font): Japanese breaks between
/// any two characters, preferably after 「・」, a space or a comma; at most [`MAX_LINES`].
fn wrap(ctx: &CanvasRenderingContext2d, text: &str, max: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for ch in text.chars() {
        let mut next = line.clone();
        next.push(ch);
        if line.is_empty() || width_of(ctx, &next) <= max || lines.len() + 1 >= MAX_LINES {
            line = next;
            continue;
        }
        // Break after the last 「・」 or space in the line, if it leaves something on both sides.
        let cut = line
            .char_indices()
            .rev()
            .filter(|&(_, c)| matches!(c, '・' | ' ' | '　' | '、' | ','))
            .map(|(i, c)| i + c.len_utf8())
            .find(|&i| i < line.len());
        match cut {
            Some(i) => {
                let rest = line.split_off(i);
                lines.push(line.trim_end().to_owned());
                line = rest;
                line.push(ch);
            }
            None => {
                lines.push(std::mem::take(&mut line));
                line.push(ch);
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Paints `composition` for `design` on `ctx`, at `scale` (1.0 is the image's full size).
/// `highlight`: an area outlined (the one being edited; never on the image sent to LINE).
pub fn paint(
    ctx: &CanvasRenderingContext2d,
    design: &MenuDesign,
    composition: &Composition,
    scale: f64,
    highlight: Option<usize>,
) {
    let _ = ctx.set_transform(scale, 0.0, 0.0, scale, 0.0, 0.0);
    let (width, height) = (f64::from(design.width), f64::from(design.height));
    ctx.set_fill_style_str(&normalised(&composition.background, "#ffffff"));
    ctx.fill_rect(0.0, 0.0, width, height);
    for (i, area) in design.areas.iter().enumerate() {
        let style = composition.style(i, Some(area));
        let text = style.text(Some(area));
        let icon = style.icon();
        let layout = tile_layout(&area.bounds, design.width, &style, !text.is_empty());
        let (x, y, w, h) = layout.tile;
        rounded_rect(ctx, layout.tile, layout.radius);
        ctx.set_fill_style_str(&normalised(&style.background, "#ffffff"));
        ctx.fill();
        let colour = normalised(&style.colour, "#000000");
        ctx.set_font(&css_font(layout.font_size));
        let max_width = (w - 2.0 * layout.padding).max(1.0);
        let lines = if text.is_empty() {
            Vec::new()
        } else {
            wrap(ctx, &text, max_width)
        };
        let line_height = layout.font_size * 1.3;
        let icon_height = if icon.is_some() {
            layout.icon_size
        } else {
            0.0
        };
        let gap = if icon.is_some() && !lines.is_empty() {
            layout.font_size * 0.45
        } else {
            0.0
        };
        let block = icon_height + gap + lines.len() as f64 * line_height;
        let top = y + (h - block) / 2.0;
        let (anchor, text_align) = match style.align {
            Align::Left => (x + layout.padding, "left"),
            Align::Center => (x + w / 2.0, "center"),
            Align::Right => (x + w - layout.padding, "right"),
        };
        if let Some(icon) = icon
            && let Ok(path) = Path2d::new_with_path_string(icon.path)
        {
            let size = layout.icon_size;
            let left = match style.align {
                Align::Left => anchor,
                Align::Center => anchor - size / 2.0,
                Align::Right => anchor - size,
            };
            ctx.save();
            let _ = ctx.translate(left, top);
            let _ = ctx.scale(size / 24.0, size / 24.0);
            ctx.set_line_width(1.9);
            ctx.set_line_cap("round");
            ctx.set_line_join("round");
            ctx.set_stroke_style_str(&colour);
            ctx.stroke_with_path(&path);
            ctx.restore();
        }
        ctx.set_fill_style_str(&colour);
        ctx.set_text_align(text_align);
        ctx.set_text_baseline("middle");
        for (n, line) in lines.iter().enumerate() {
            let line_y = top + icon_height + gap + line_height * (n as f64 + 0.5);
            let _ = ctx.fill_text_with_max_width(line, anchor, line_y, max_width);
        }
        if highlight == Some(i) {
            ctx.save();
            ctx.set_line_width(6.0 / scale.max(0.01));
            ctx.set_stroke_style_str("#d4351c");
            let dash = js_sys::Array::of2(
                &JsValue::from_f64(18.0 / scale),
                &JsValue::from_f64(10.0 / scale),
            );
            let _ = ctx.set_line_dash(&dash);
            rounded_rect(ctx, layout.tile, layout.radius);
            ctx.stroke();
            ctx.restore();
        }
    }
}

/// The composition drawn at the menu's full size as a PNG file.
pub async fn render_png(design: &MenuDesign) -> Result<web_sys::Blob, JsValue> {
    let composition = design
        .composition
        .clone()
        .ok_or_else(|| JsValue::from_str("no composition"))?;
    let texts: String = design
        .areas
        .iter()
        .enumerate()
        .map(|(i, a)| composition.style(i, Some(a)).text(Some(a)))
        .collect();
    // The glyphs the labels need, if the font is there (the system font draws otherwise).
    let _ = load_font_for(&texts).await;
    let canvas: HtmlCanvasElement = leptos::prelude::document()
        .create_element("canvas")?
        .unchecked_into();
    canvas.set_width(design.width.max(1) as u32);
    canvas.set_height(design.height.max(1) as u32);
    let ctx = context(&canvas).ok_or_else(|| JsValue::from_str("no 2d context"))?;
    paint(&ctx, design, &composition, 1.0, None);
    let blob =
        wasm_bindgen_futures::JsFuture::from(js_sys::Promise::new(&mut |resolve, reject| {
            if let Err(error) = canvas.to_blob(&resolve) {
                let _ = reject.call1(&JsValue::NULL, &error);
            }
        }))
        .await?;
    blob.dyn_into::<web_sys::Blob>()
}

//! The citizens' survey page as HTML: rendered by the server for LIFF (`/liff/surveys/{id}`)
//! and, from the same function, by the builder's preview. Plain HTML forms with no script of
//! their own: a form posts and the server answers with the page again (errors beside their
//! fields, values kept) or the completion text. Styles are inline (one request), sized for
//! older readers: base ≥ 16 px, line height 1.75, targets ≥ 44 px.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{
    Answer, Answers, Design, Layout, Question, QuestionKind, Survey, TextInput, size_label,
};

/// Escapes text for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Text with its line breaks kept.
fn paragraphs(text: &str) -> String {
    escape(text.trim()).replace('\n', "<br>")
}

/// What the form page shows besides the survey.
#[derive(Debug, Default)]
pub struct FormState<'a> {
    pub answers: Answers,
    /// Errors by question id; `consent` for the consent checkbox.
    pub errors: BTreeMap<String, String>,
    /// An error about the whole form (the survey changed, it closed...).
    pub form_error: Option<String>,
    /// The consent box starts ticked: the citizen agreed to this very text before.
    pub consented: bool,
    /// Names of uploaded files, by id (for answers the citizen gave before).
    pub files: BTreeMap<i64, String>,
    /// Where the form posts; empty in the builder's preview (nothing is sent).
    pub action: &'a str,
    /// Hidden fields the server checks (version shown, form token).
    pub hidden: Vec<(&'static str, String)>,
    /// For the year list of 生年月 questions.
    pub this_year: i32,
    /// The citizen answered before (the button then says 「回答を更新する」).
    pub answered_before: bool,
    /// A note under the title (when they answered).
    pub notice: Option<String>,
}

/// Keeps the send button disabled until the consent box is ticked (the server refuses an
/// answer without consent either way). Inline, allowed by its hash in the pages' CSP.
pub const CONSENT_SCRIPT: &str = "(function(){var c=document.getElementById('consent'),b=document.getElementById('send');if(!c||!b)return;var h=document.createElement('p');h.id='send-hint';h.className='help';h.textContent='同意事項にチェックを入れると送信できます。';b.setAttribute('aria-describedby','send-hint');b.insertAdjacentElement('afterend',h);function v(){b.disabled=!c.checked;h.hidden=c.checked}c.addEventListener('change',v);v()})();";

/// The CSS of every citizen page; colours come from the survey's design as variables.
pub const CSS: &str = "*{box-sizing:border-box}html{-webkit-text-size-adjust:100%}\
body{margin:0;font-family:system-ui,-apple-system,'Hiragino Sans','Noto Sans JP',sans-serif;\
font-size:var(--fs);line-height:1.75;color:var(--fg);background:var(--bg)}\
main{max-width:40rem;margin:0 auto;padding:1rem 1rem 3rem}\
h1{font-size:1.4em;line-height:1.5;margin:.5rem 0 1rem}h2{font-size:1.15em;line-height:1.5;margin:1.5rem 0 .5rem}\
img{max-width:100%;height:auto}.header-image{display:block;width:100%;margin:0 0 1rem;border-radius:.5rem}\
.q{margin:0 0 1.25rem;padding:1rem;border:0;min-width:0}\
.cards .q{background:rgba(255,255,255,.85);border-radius:.75rem;box-shadow:0 1px 3px rgba(0,0,0,.12)}\
.plain .q{padding:1rem 0;border-bottom:1px solid rgba(0,0,0,.2);border-radius:0}\
.q legend,.q>label.ql{display:block;font-weight:700;padding:0;margin:0 0 .5rem;float:left;width:100%}\
.q legend+*{clear:both}.req{display:inline-block;margin-left:.5em;padding:0 .5em;font-size:.8em;font-weight:700;\
border-radius:.25rem;background:#B3261E;color:#fff;vertical-align:.1em}.opt{font-size:.85em;font-weight:400;margin-left:.5em}\
.help{display:block;font-size:.9em;margin:0 0 .5rem;opacity:.92}\
.choice{display:flex;align-items:center;gap:.75rem;min-height:48px;padding:.25rem .5rem;margin:0 0 .25rem;\
border:1px solid rgba(0,0,0,.25);border-radius:.5rem;background:#fff;color:#1A1A1C;cursor:pointer}\
.choice input{width:1.4rem;height:1.4rem;flex:none;margin:0;accent-color:var(--btn)}\
input[type=text],input[type=email],input[type=tel],input[type=date],input[type=file],select,textarea{display:block;width:100%;\
min-height:48px;padding:.5rem .75rem;font:inherit;color:#1A1A1C;background:#fff;border:1px solid #6B6B70;border-radius:.5rem}\
textarea{min-height:8rem}.ym{display:flex;gap:.5rem;align-items:center}.ym select{width:auto;flex:1}\
.err{display:block;color:#B3261E;background:#FFF0EF;font-weight:700;padding:.25rem .5rem;border-radius:.25rem;margin:.25rem 0}\
.invalid input,.invalid select,.invalid textarea,.invalid .choice{border-color:#B3261E;border-width:2px}\
.summary{border:2px solid #B3261E;background:#FFF0EF;color:#1A1A1C;padding:.75rem 1rem;border-radius:.5rem;margin:0 0 1rem}\
.summary a{color:#8C1D18}.consent{padding:1rem;border-radius:.75rem;background:rgba(255,255,255,.85);margin:0 0 1.25rem}\
.consent a{color:inherit}.links{padding-left:1.25rem}.links a{display:inline-block;min-height:44px;line-height:44px}\
.send,.button{display:block;width:100%;min-height:52px;padding:.75rem 1rem;font:inherit;font-weight:700;border:0;border-radius:.75rem;\
background:var(--btn);color:var(--btn-fg);cursor:pointer;text-align:center;text-decoration:none}\
.send:disabled{opacity:.6;cursor:not-allowed}.files{margin:0 0 .5rem;padding-left:1.25rem}\
.notice{padding:.75rem 1rem;border-radius:.5rem;background:rgba(255,255,255,.85)}\
.preview-note{font-size:.85em;text-align:center;opacity:.9}[hidden]{display:none!important}\
:focus-visible{outline:3px solid #1967D2;outline-offset:2px}";

/// A whole page: `main` is trusted HTML built here; `body_attrs` and `scripts` by the server.
pub fn document(
    design: &Design,
    title: &str,
    body_attrs: &str,
    main: &str,
    scripts: &str,
) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"ja\">{}</html>",
        inner(design, title, body_attrs, main, scripts)
    )
}

/// What is inside `<html>`: the builder's preview writes it into its frame.
/// The referrer policy is `same-origin`: our form's posts keep their `Origin` (with `no-referrer`
/// it would be `null`, which the server refuses as cross-site) and links out carry none.
pub fn inner(design: &Design, title: &str, body_attrs: &str, main: &str, scripts: &str) -> String {
    format!(
        "<head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta name=\"referrer\" content=\"same-origin\"><link rel=\"icon\" href=\"data:,\"><title>{title}</title><style>:root{{--fs:{fs}px;--fg:{fg};--bg:{bg};--btn:{btn};--btn-fg:{btn_fg}}}{css}</style></head>\
<body{body_attrs}><main class=\"{layout}\">{main}</main>{scripts}</body>",
        title = escape(title),
        fs = design.font_size.px(),
        fg = colour(&design.text_color, "#1A1A1C"),
        bg = colour(&design.background_color, "#F5F6F8"),
        btn = colour(&design.button_color, "#0B6E4F"),
        btn_fg = colour(&design.button_text_color, "#FFFFFF"),
        css = CSS,
        layout = match design.layout {
            Layout::Cards => "cards",
            Layout::Plain => "plain",
        },
    )
}

/// A checked colour, or the default (a stored design is validated; this guards the CSS anyway).
fn colour<'a>(value: &'a str, default: &'a str) -> &'a str {
    if super::is_colour(value) {
        value
    } else {
        default
    }
}

/// The header (image, title, description) every page of a survey starts with.
pub fn header(survey: &Survey) -> String {
    let mut out = String::new();
    if !survey.design.header_image.is_empty()
        && super::is_image_address(&survey.design.header_image)
    {
        let _ = write!(
            out,
            "<img class=\"header-image\" src=\"{}\" alt=\"\">",
            escape(&survey.design.header_image)
        );
    }
    let _ = write!(out, "<h1>{}</h1>", escape(&survey.title));
    if !survey.description.trim().is_empty() {
        let _ = write!(out, "<p>{}</p>", paragraphs(&survey.description));
    }
    out
}

fn field_name(q: &Question) -> String {
    format!("q.{}", q.id)
}

fn field_id(q: &Question) -> String {
    format!("f-{}", q.id)
}

/// The form (the body of `main`).
pub fn form(survey: &Survey, state: &FormState<'_>) -> String {
    let mut out = header(survey);
    if let Some(notice) = &state.notice {
        let _ = write!(
            out,
            "<p class=\"notice\" role=\"note\">{}</p>",
            escape(notice)
        );
    }
    let first_error = survey
        .questions
        .iter()
        .find(|q| state.errors.contains_key(&q.id))
        .map(|q| q.id.clone())
        .or_else(|| {
            state
                .errors
                .contains_key("consent")
                .then(|| "consent".to_owned())
        });
    if state.form_error.is_some() || !state.errors.is_empty() {
        out.push_str("<div class=\"summary\" role=\"alert\" id=\"error-summary\" tabindex=\"-1\">");
        if let Some(message) = &state.form_error {
            let _ = write!(out, "<p>{}</p>", escape(message));
        }
        if !state.errors.is_empty() {
            let _ = write!(
                out,
                "<p>入力内容を確認してください（{}件）。</p><ul>",
                state.errors.len()
            );
            for q in &survey.questions {
                if let Some(message) = state.errors.get(&q.id) {
                    let _ = write!(
                        out,
                        "<li><a href=\"#{}\">{}：{}</a></li>",
                        field_id(q),
                        escape(q.label.trim()),
                        escape(message)
                    );
                }
            }
            if let Some(message) = state.errors.get("consent") {
                let _ = write!(out, "<li><a href=\"#consent\">{}</a></li>", escape(message));
            }
            out.push_str("</ul>");
        }
        out.push_str("</div>");
    }
    let preview = state.action.is_empty();
    let _ = write!(
        out,
        "<form method=\"post\" enctype=\"multipart/form-data\" novalidate{}>",
        if preview {
            " onsubmit=\"return false\"".to_owned()
        } else {
            format!(" action=\"{}\"", escape(state.action))
        }
    );
    for (name, value) in &state.hidden {
        let _ = write!(
            out,
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            escape(value)
        );
    }
    if survey.questions.iter().any(|q| q.required) {
        out.push_str("<p class=\"help\"><span class=\"req\" aria-hidden=\"true\">必須</span> の項目は必ず答えてください。</p>");
    }
    for q in &survey.questions {
        let autofocus = first_error.as_deref() == Some(q.id.as_str());
        question(&mut out, q, state, autofocus);
    }
    if let Some(consent) = &survey.consent {
        let error = state.errors.get("consent");
        let _ = write!(
            out,
            "<section class=\"consent{}\" aria-labelledby=\"consent-title\"><h2 id=\"consent-title\">同意事項</h2><p>{}</p>",
            if error.is_some() { " invalid" } else { "" },
            paragraphs(&consent.text)
        );
        if !consent.links.is_empty() {
            out.push_str("<ul class=\"links\">");
            for link in &consent.links {
                let _ = write!(
                    out,
                    "<li><a href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">{}</a></li>",
                    escape(&link.url),
                    escape(&link.label)
                );
            }
            out.push_str("</ul>");
        }
        if let Some(message) = error {
            let _ = write!(
                out,
                "<span class=\"err\" id=\"consent-err\">{}</span>",
                escape(message)
            );
        }
        let _ = write!(
            out,
            "<label class=\"choice\"><input type=\"checkbox\" id=\"consent\" name=\"consent\" value=\"yes\" required{}{}{}> {}</label></section>",
            if state.consented { " checked" } else { "" },
            if error.is_some() {
                " aria-invalid=\"true\" aria-describedby=\"consent-err\""
            } else {
                ""
            },
            if first_error.as_deref() == Some("consent") {
                " autofocus"
            } else {
                ""
            },
            escape(&consent.checkbox_label)
        );
    }
    let _ = write!(
        out,
        "<button type=\"submit\" class=\"send\" id=\"send\">{}</button>",
        if state.answered_before {
            "回答を更新する"
        } else {
            "回答を送信する"
        }
    );
    if preview {
        out.push_str("<p class=\"preview-note\">（プレビューのため送信されません）</p>");
    }
    out.push_str("</form>");
    // Without script the server still refuses an answer without consent; with it, the button
    // waits for the box (a page that cannot send until it is ticked).
    if survey.consent.is_some() {
        let _ = write!(out, "<script>{CONSENT_SCRIPT}</script>");
    }
    out
}

fn question(out: &mut String, q: &Question, state: &FormState<'_>, autofocus: bool) {
    let error = state.errors.get(&q.id);
    let invalid = if error.is_some() { " invalid" } else { "" };
    // What describes the field (its error, else its help), and whether it is invalid: on the
    // control itself, or on a radio group (a checkbox group or a plain fieldset cannot carry it).
    let described = if error.is_some() {
        format!(" aria-describedby=\"{}-err\"", field_id(q))
    } else if !q.help.trim().is_empty() {
        format!(" aria-describedby=\"{}-help\"", field_id(q))
    } else {
        String::new()
    };
    let invalid_attr = if error.is_some() {
        " aria-invalid=\"true\""
    } else {
        ""
    };
    let aria_invalid = format!("{invalid_attr}{described}");
    let focus = if autofocus { " autofocus" } else { "" };
    let mark = if q.required {
        "<span class=\"req\">必須</span>"
    } else {
        "<span class=\"opt\">（任意）</span>"
    };
    let help = if q.help.trim().is_empty() {
        String::new()
    } else {
        format!(
            "<span class=\"help\" id=\"{}-help\">{}</span>",
            field_id(q),
            paragraphs(&q.help)
        )
    };
    let err = error
        .map(|m| {
            format!(
                "<span class=\"err\" id=\"{}-err\">{}</span>",
                field_id(q),
                escape(m)
            )
        })
        .unwrap_or_default();
    let name = field_name(q);
    let id = field_id(q);
    let label = escape(q.label.trim());
    let answer = state.answers.get(&q.id);
    let text_value = match answer {
        Some(Answer::Text(t)) => escape(t),
        _ => String::new(),
    };
    let chosen: &[String] = match answer {
        Some(Answer::Choices(c)) => c,
        _ => &[],
    };
    let required = if q.required { " required" } else { "" };
    match &q.kind {
        QuestionKind::Heading => {
            let _ = write!(out, "<h2 id=\"{id}\">{label}</h2>");
        }
        QuestionKind::Explanation => {
            let _ = write!(out, "<p id=\"{id}\">{}</p>", paragraphs(&q.label));
        }
        QuestionKind::Image { url } => {
            if super::is_image_address(url) {
                let _ = write!(
                    out,
                    "<p><img id=\"{id}\" src=\"{}\" alt=\"{label}\"></p>",
                    escape(url)
                );
            }
        }
        QuestionKind::SingleChoice {
            options,
            dropdown: true,
        } => {
            let _ = write!(
                out,
                "<div class=\"q{invalid}\"><label class=\"ql\" for=\"{id}\">{label}{mark}</label>{help}{err}<select id=\"{id}\" name=\"{name}\"{required}{aria_invalid}{focus}><option value=\"\">選択してください</option>"
            );
            for o in options {
                let _ = write!(
                    out,
                    "<option value=\"{}\"{}>{}</option>",
                    escape(&o.id),
                    if chosen.contains(&o.id) {
                        " selected"
                    } else {
                        ""
                    },
                    escape(&o.label)
                );
            }
            out.push_str("</select></div>");
        }
        QuestionKind::SingleChoice { options, .. } | QuestionKind::MultiChoice { options, .. } => {
            let multi = matches!(q.kind, QuestionKind::MultiChoice { .. });
            let rule = match &q.kind {
                QuestionKind::MultiChoice { min, max, .. } => match (*min, *max) {
                    (0, 0) => "（複数選べます）".to_owned(),
                    (min, 0) => format!("（{min}つ以上選んでください）"),
                    (0, max) => format!("（{max}つまで選べます）"),
                    (min, max) if min == max => format!("（{min}つ選んでください）"),
                    (min, max) => format!("（{min}〜{max}つ選んでください）"),
                },
                _ => String::new(),
            };
            let _ = write!(
                out,
                "<fieldset class=\"q{invalid}\" id=\"{id}\"{}{described}><legend>{label}{mark}<span class=\"opt\">{rule}</span></legend>{help}{err}",
                match (multi, q.required) {
                    (true, _) => String::new(),
                    (false, true) =>
                        format!(" role=\"radiogroup\" aria-required=\"true\"{invalid_attr}"),
                    (false, false) => format!(" role=\"radiogroup\"{invalid_attr}"),
                }
            );
            for (i, o) in options.iter().enumerate() {
                let _ = write!(
                    out,
                    "<label class=\"choice\"><input type=\"{}\" name=\"{name}\" value=\"{}\"{}{}{}> {}</label>",
                    if multi { "checkbox" } else { "radio" },
                    escape(&o.id),
                    if chosen.contains(&o.id) {
                        " checked"
                    } else {
                        ""
                    },
                    if autofocus && i == 0 {
                        " autofocus"
                    } else {
                        ""
                    },
                    if multi { invalid_attr } else { "" },
                    escape(&o.label)
                );
            }
            out.push_str("</fieldset>");
        }
        QuestionKind::Text {
            multiline,
            max_chars,
            input,
        } => {
            let _ = write!(
                out,
                "<div class=\"q{invalid}\"><label class=\"ql\" for=\"{id}\">{label}{mark}</label>{help}{err}"
            );
            if *multiline {
                let _ = write!(
                    out,
                    "<textarea id=\"{id}\" name=\"{name}\" maxlength=\"{max_chars}\" rows=\"5\"{required}{aria_invalid}{focus}>{text_value}</textarea>"
                );
            } else {
                let (kind, mode, complete) = match input {
                    TextInput::Free => ("text", "", ""),
                    TextInput::Number => ("text", " inputmode=\"decimal\"", ""),
                    TextInput::Email => {
                        ("email", " inputmode=\"email\"", " autocomplete=\"email\"")
                    }
                    TextInput::Phone => ("tel", " inputmode=\"tel\"", " autocomplete=\"tel\""),
                    TextInput::PostalCode => (
                        "text",
                        " inputmode=\"numeric\"",
                        " autocomplete=\"postal-code\"",
                    ),
                    TextInput::Kana => ("text", "", ""),
                };
                let _ = write!(
                    out,
                    "<input type=\"{kind}\" id=\"{id}\" name=\"{name}\" value=\"{text_value}\" maxlength=\"{max_chars}\"{mode}{complete}{required}{aria_invalid}{focus}>"
                );
            }
            out.push_str("</div>");
        }
        QuestionKind::Date => {
            let _ = write!(
                out,
                "<div class=\"q{invalid}\"><label class=\"ql\" for=\"{id}\">{label}{mark}</label>{help}{err}<input type=\"date\" id=\"{id}\" name=\"{name}\" value=\"{text_value}\"{required}{aria_invalid}{focus}></div>"
            );
        }
        QuestionKind::BirthMonth => {
            let (year, month) = match answer {
                Some(Answer::Text(t)) => {
                    let mut parts = t.splitn(2, '-');
                    (
                        parts.next().and_then(|y| y.parse::<i32>().ok()),
                        parts.next().and_then(|m| m.parse::<u32>().ok()),
                    )
                }
                _ => (None, None),
            };
            let _ = write!(
                out,
                "<fieldset class=\"q{invalid}\" id=\"{id}\"{described}><legend>{label}{mark}</legend>{help}{err}<div class=\"ym\"><select name=\"{name}.year\" aria-label=\"年\"{required}{invalid_attr}{focus}><option value=\"\">年</option>"
            );
            for y in (state.this_year - 110..=state.this_year).rev() {
                let _ = write!(
                    out,
                    "<option value=\"{y}\"{}>{y}年</option>",
                    if year == Some(y) { " selected" } else { "" }
                );
            }
            let _ = write!(
                out,
                "</select><select name=\"{name}.month\" aria-label=\"月\"{required}{invalid_attr}><option value=\"\">月</option>"
            );
            for m in 1..=12u32 {
                let _ = write!(
                    out,
                    "<option value=\"{m}\"{}>{m}月</option>",
                    if month == Some(m) { " selected" } else { "" }
                );
            }
            out.push_str("</select></div></fieldset>");
        }
        QuestionKind::Upload {
            images_only,
            max_bytes,
            max_files,
        } => {
            let accept = if *images_only {
                "image/jpeg,image/png"
            } else {
                "image/jpeg,image/png,application/pdf"
            };
            let kinds = if *images_only {
                "JPEG・PNG 画像"
            } else {
                "JPEG・PNG 画像、PDF"
            };
            let _ = write!(
                out,
                "<div class=\"q{invalid}\"><label class=\"ql\" for=\"{id}\">{label}{mark}</label>{help}<span class=\"help\">{kinds}、1ファイル{}まで、{max_files}ファイルまで</span>{err}",
                size_label(*max_bytes)
            );
            if let Some(Answer::Files(ids)) = answer
                && !ids.is_empty()
            {
                out.push_str("<p class=\"help\">送信済みのファイル（新しく選ぶと置き換わります）：</p><ul class=\"files\">");
                for file in ids {
                    let name = state.files.get(file).map_or("ファイル", String::as_str);
                    let _ = write!(out, "<li>{}</li>", escape(name));
                }
                out.push_str("</ul>");
            }
            let _ = write!(
                out,
                "<input type=\"file\" id=\"{id}\" name=\"{name}\" accept=\"{accept}\"{}{aria_invalid}{focus}></div>",
                if *max_files > 1 { " multiple" } else { "" }
            );
        }
    }
}

/// The page after sending.
/// The page after sending; `form` is where 「回答を確認・変更する」 leads (the form again).
pub fn completion(survey: &Survey, form: &str) -> String {
    format!(
        "{}<div class=\"notice\" role=\"status\"><p>{}</p></div>\
<p><button type=\"button\" class=\"button\" id=\"liff-close\">閉じる</button></p>\
<p id=\"liff-close-hint\" hidden>このページを閉じてください。</p>\
<p><a href=\"{}\" class=\"help\">回答を確認・変更する</a></p>",
        header(survey),
        paragraphs(&survey.completion),
        escape(form)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::{Choice, Consent};

    fn survey() -> Survey {
        Survey {
            title: "<b>属性</b>アンケート".into(),
            questions: vec![
                Question {
                    id: "q1".into(),
                    label: "地区".into(),
                    help: String::new(),
                    required: true,
                    attribute_id: None,
                    kind: QuestionKind::SingleChoice {
                        options: vec![Choice {
                            id: "o1".into(),
                            label: "北区".into(),
                            attribute_option_id: None,
                        }],
                        dropdown: false,
                    },
                },
                Question {
                    id: "q2".into(),
                    label: "ご意見".into(),
                    help: String::new(),
                    required: false,
                    attribute_id: None,
                    kind: QuestionKind::Text {
                        multiline: true,
                        max_chars: 100,
                        input: TextInput::Free,
                    },
                },
            ],
            consent: Some(Consent::default()),
            ..Survey::default()
        }
    }

    #[test]
    fn escapes_everything_typed() {
        let mut state = FormState {
            action: "/liff/surveys/1",
            this_year: 2026,
            ..FormState::default()
        };
        state.answers.insert(
            "q2".into(),
            Answer::Text("<script>alert(1)</script>".into()),
        );
        let html = form(&survey(), &state);
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&lt;b&gt;属性&lt;/b&gt;"));
    }

    #[test]
    fn errors_sit_beside_their_field_and_the_first_gets_focus() {
        let mut state = FormState {
            action: "/liff/surveys/1",
            this_year: 2026,
            ..FormState::default()
        };
        state.errors.insert("q1".into(), "選んでください".into());
        state
            .errors
            .insert("consent".into(), "同意してください".into());
        let html = form(&survey(), &state);
        assert!(html.contains("id=\"f-q1-err\""));
        assert_eq!(html.matches(" autofocus").count(), 1);
        assert!(html.contains("value=\"o1\" autofocus"));
        assert!(html.contains("入力内容を確認してください（2件）"));
    }
}

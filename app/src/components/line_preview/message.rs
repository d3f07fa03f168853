//! One message as the friend sees it, and the quick reply chips.

use leptos::prelude::*;
use line::flex::FlexContainer;
use line::message::{
    Action, AudioMessage, LocationMessage, Message, QuickReplyItem, StickerMessage, Substitution,
    TextMessage, TextMessageV2,
};

use super::frame::{PreviewAccount, avatar};
use super::{action_label, describe_action, flex, imagemap, template};

/// LINE's type name of a message (`text`, `template`...), for `data-type` (the simulator puts
/// `data-kind` on its list items).
pub(super) fn kind(message: &Message) -> &'static str {
    match message {
        Message::Text(_) => "text",
        Message::TextV2(_) => "textV2",
        Message::Sticker(_) => "sticker",
        Message::Image(_) => "image",
        Message::Video(_) => "video",
        Message::Audio(_) => "audio",
        Message::Location(_) => "location",
        Message::Imagemap(_) => "imagemap",
        Message::Template(_) => "template",
        Message::Flex(_) => "flex",
    }
}

/// Messages that scroll sideways across the chat (carousels) instead of sitting in a bubble.
fn is_wide(message: &Message) -> bool {
    use line::template::Template;
    match message {
        Message::Template(t) => matches!(
            t.template,
            Template::Carousel(_) | Template::ImageCarousel(_)
        ),
        Message::Flex(f) => matches!(f.contents, FlexContainer::Carousel(_)),
        _ => false,
    }
}

/// The handler of taps: the caller's, or one that writes the explanation into `note`.
fn handler(
    on_action: Option<Callback<Action>>,
    note: RwSignal<Option<String>>,
) -> Callback<Action> {
    on_action.unwrap_or_else(|| Callback::new(move |a: Action| note.set(Some(describe_action(&a)))))
}

/// One message from the account, drawn as LINE draws it: the account's icon at the left (not
/// on a `continued` message), the message, and the time beside it. Taps call `on_action`;
/// without one, what the tap would do is shown under the message.
#[component]
pub fn AccountMessage(
    /// The message; a signal when it changes as staff edit it (the row follows it and redraws
    /// what changed).
    #[prop(into)]
    message: Signal<Message>,
    #[prop(optional, into)] on_action: Option<Callback<Action>>,
    /// `HH:MM` beside the bubble.
    #[prop(optional, into)]
    time: Option<String>,
    /// A follow-up message of the same sender: no icon.
    #[prop(optional)]
    continued: bool,
) -> impl IntoView {
    let note = RwSignal::new(None::<String>);
    let explains = on_action.is_none();
    let on = handler(on_action, note);
    let kind = Memo::new(move |_| message.with(kind));
    let wide = Memo::new(move |_| message.with(is_wide));
    let sender = Memo::new(move |_| message.with(|m| m.sender().cloned()));
    // LINE shows a message's own sender name above it (a test delivery's 「テスト配信」).
    let sender_name = move || {
        (!continued)
            .then(|| sender.get().and_then(|s| s.name))
            .flatten()
            .map(|name| view! { <span class="lp-sender">{name}</span> })
    };
    let account = use_context::<PreviewAccount>();
    let icon = move || {
        if continued {
            return view! { <span class="lp-avatar-gap"></span> }.into_any();
        }
        let sender = sender.get();
        let name = sender
            .as_ref()
            .and_then(|s| s.name.clone())
            .or_else(|| account.map(|a| a.name.get()))
            .unwrap_or_default();
        let url = sender
            .as_ref()
            .and_then(|s| s.icon_url.clone())
            .or_else(|| account.and_then(|a| a.icon_url.get()));
        avatar(&name, url.as_deref())
    };
    // A Flex carousel follows the message bubble by bubble (typing into one bubble of twelve
    // redraws that one); any other message is drawn anew when it changes.
    let is_carousel = Memo::new(move |_| {
        message.with(
            |m| matches!(m, Message::Flex(f) if matches!(f.contents, FlexContainer::Carousel(_))),
        )
    });
    let body = move || {
        if is_carousel.get() {
            let bubbles = Memo::new(move |_| {
                message.with(|m| match m {
                    Message::Flex(f) => match &f.contents {
                        FlexContainer::Carousel(c) => c.contents.clone(),
                        FlexContainer::Bubble(_) => Vec::new(),
                    },
                    _ => Vec::new(),
                })
            });
            untrack(|| flex::carousel(bubbles.into(), on))
        } else {
            message.with(|m| body(m, on))
        }
    };
    view! {
        <div
            class=move || if wide.get() { "lp-row lp-wide" } else { "lp-row" }
            data-type=move || kind.get()
        >
            {icon}
            <div class="lp-msg">{sender_name} {body}</div>
            {time.map(|t| view! { <time class="lp-time">{t}</time> })}
        </div>
        {explains
            .then(|| {
                view! {
                    <p class="lp-note lp-note-inline" aria-live="polite">
                        {move || note.get()}
                    </p>
                }
            })}
    }
}

/// A message the preview cannot read (the simulator received something unexpected): a grey
/// bubble naming its type.
#[component]
pub fn UnsupportedMessage(
    #[prop(into)] kind: String,
    #[prop(optional, into)] time: Option<String>,
) -> impl IntoView {
    view! {
        <div class="lp-row" data-type=kind.clone()>
            <span class="lp-avatar-gap"></span>
            <div class="lp-msg">
                <div class="lp-bubble lp-placeholder">
                    {format!("［{kind}］表示できないメッセージ")}
                </div>
            </div>
            {time.map(|t| view! { <time class="lp-time">{t}</time> })}
        </div>
    }
}

fn body(message: &Message, on: Callback<Action>) -> AnyView {
    match message {
        Message::Text(m) => text(m, on),
        Message::TextV2(m) => text_v2(m, on),
        Message::Sticker(m) => sticker(m),
        Message::Image(m) => {
            let src = m.preview_image_url.clone();
            view! {
                <div class="lp-media">
                    <img class="lp-image" src=src alt="画像" loading="lazy" />
                </div>
            }
            .into_any()
        }
        Message::Video(m) => {
            let src = m.preview_image_url.clone();
            view! {
                <div class="lp-media lp-video">
                    <img
                        class="lp-image"
                        src=src
                        alt="動画のプレビュー画像"
                        loading="lazy"
                    />
                    <span class="lp-play" aria-hidden="true">
                        "▶"
                    </span>
                </div>
            }
            .into_any()
        }
        Message::Audio(m) => audio(m),
        Message::Location(m) => location(m),
        Message::Imagemap(m) => imagemap::imagemap(m, on),
        Message::Template(m) => template::template(&m.template, on),
        Message::Flex(m) => flex::container(&m.contents, on),
    }
}

/// A piece of a text bubble.
#[derive(Debug, PartialEq)]
enum Piece {
    Plain(String),
    Url(String),
    /// A LINE emoji (or a mention shown as text): image URL.
    Emoji(String),
    Mention(String),
}

/// Splits plain text into text and the URLs LINE makes tappable (`line::links`, the rule click
/// tracking uses too).
fn linkify(text: &str, out: &mut Vec<Piece>) {
    for piece in line::links::split_urls(text) {
        out.push(match piece {
            line::links::TextPiece::Plain(t) => Piece::Plain(t.to_owned()),
            line::links::TextPiece::Url(u) => Piece::Url(u.to_owned()),
        });
    }
}

fn emoji_url(product_id: &str, emoji_id: &str) -> String {
    format!(
        "https://stickershop.line-scdn.net/sticonshop/v1/sticon/{product_id}/android/{emoji_id}.png"
    )
}

/// The pieces of a text message: `$` at an emoji's index becomes that emoji.
fn text_pieces(m: &TextMessage) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut plain = String::new();
    for (i, c) in m.text.chars().enumerate() {
        let emoji = (c == '$')
            .then(|| {
                m.emojis
                    .iter()
                    .find(|e| usize::try_from(e.index).ok() == Some(i))
            })
            .flatten();
        match emoji {
            Some(e) => {
                linkify(&std::mem::take(&mut plain), &mut out);
                out.push(Piece::Emoji(emoji_url(&e.product_id, &e.emoji_id)));
            }
            None => plain.push(c),
        }
    }
    linkify(&plain, &mut out);
    out
}

/// The pieces of a text v2 message: `{key}` becomes its mention or emoji.
fn text_v2_pieces(m: &TextMessageV2) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = m.text.as_str();
    let mut plain = String::new();
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let sub = after
            .find('}')
            .and_then(|close| m.substitution.get(&after[..close]).map(|s| (close, s)));
        match sub {
            Some((close, s)) => {
                plain.push_str(&rest[..open]);
                linkify(&std::mem::take(&mut plain), &mut out);
                out.push(match s {
                    Substitution::Mention { mentionee } => Piece::Mention(match mentionee {
                        line::message::Mentionee::All => "@All".into(),
                        line::message::Mentionee::User { .. } => "@ユーザー".into(),
                    }),
                    Substitution::Emoji {
                        product_id,
                        emoji_id,
                    } => Piece::Emoji(emoji_url(product_id, emoji_id)),
                });
                rest = &after[close + 1..];
            }
            None => {
                plain.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    plain.push_str(rest);
    linkify(&plain, &mut out);
    out
}

/// A text bubble; a URL in it is tapped as LINE opens it (a `uri` action).
fn text_bubble(pieces: Vec<Piece>, on: Callback<Action>) -> AnyView {
    let inner = pieces
        .into_iter()
        .map(|p| match p {
            Piece::Plain(t) => t.into_any(),
            Piece::Url(u) => {
                let uri = u.clone();
                let href = u.clone();
                let tap = move |ev: leptos::ev::MouseEvent| {
                    ev.prevent_default();
                    on.run(Action::Uri {
                        label: None,
                        uri: uri.clone(),
                        alt_uri: None,
                    });
                };
                view! {
                    <a class="lp-url" href=href on:click=tap>
                        {u}
                    </a>
                }
                .into_any()
            }
            Piece::Mention(t) => view! { <span class="lp-mention">{t}</span> }.into_any(),
            Piece::Emoji(src) => {
                view! { <img class="lp-emoji" src=src alt="絵文字" loading="lazy" /> }.into_any()
            }
        })
        .collect_view();
    view! {
        <div class="lp-bubble lp-text">
            <p>{inner}</p>
        </div>
    }
    .into_any()
}

fn text(m: &TextMessage, on: Callback<Action>) -> AnyView {
    text_bubble(text_pieces(m), on)
}

fn text_v2(m: &TextMessageV2, on: Callback<Action>) -> AnyView {
    text_bubble(text_v2_pieces(m), on)
}

/// A sticker, without a bubble; when its image cannot load (LINE's server unreachable from the
/// admin's network), a box of the same size naming it.
fn sticker(m: &StickerMessage) -> AnyView {
    let failed = RwSignal::new(false);
    let img = NodeRef::<leptos::html::Img>::new();
    // The image may have failed before the page was hydrated.
    Effect::new(move || {
        if let Some(el) = img.get()
            && el.complete()
            && el.natural_width() == 0
        {
            failed.set(true);
        }
    });
    let src = format!(
        "https://stickershop.line-scdn.net/stickershop/v1/sticker/{}/android/sticker.png",
        m.sticker_id
    );
    let ids = format!("{} / {}", m.package_id, m.sticker_id);
    let alt = format!("スタンプ（{ids}）");
    view! {
        <div class="lp-sticker">
            <img
                node_ref=img
                src=src
                alt=alt
                width="150"
                height="150"
                loading="lazy"
                hidden=move || failed.get()
                on:error=move |_| failed.set(true)
            />
            <div class="lp-sticker-fallback" hidden=move || !failed.get()>
                <span>"スタンプ"</span>
                <span class="lp-sticker-ids">{ids}</span>
            </div>
        </div>
    }
    .into_any()
}

fn audio(m: &AudioMessage) -> AnyView {
    let secs = (m.duration.max(0) + 999) / 1000;
    let length = format!("{}:{:02}", secs / 60, secs % 60);
    view! {
        <div class="lp-bubble lp-audio">
            <span class="lp-audio-play" aria-hidden="true">
                "▶"
            </span>
            <span>"音声"</span>
            <span class="lp-audio-length">{length}</span>
        </div>
    }
    .into_any()
}

fn location(m: &LocationMessage) -> AnyView {
    let (title, address) = (m.title.clone(), m.address.clone());
    view! {
        <div class="lp-location">
            <div class="lp-map" aria-hidden="true">
                <span class="lp-pin"></span>
            </div>
            <div class="lp-location-text">
                <p class="lp-location-title">{title}</p>
                <p class="lp-location-address">{address}</p>
            </div>
        </div>
    }
    .into_any()
}

/// The default icon of a quick reply chip without an image.
fn chip_icon(action: &Action) -> Option<&'static str> {
    match action {
        Action::Camera { .. } => Some("📷"),
        Action::CameraRoll { .. } => Some("🖼"),
        Action::Location { .. } => Some("📍"),
        _ => None,
    }
}

/// Quick reply chips: a row of rounded buttons that scrolls sideways, each with its icon.
/// Taps call `on_action`, or are explained under the row.
#[component]
pub fn QuickReplyBar(
    items: Vec<QuickReplyItem>,
    #[prop(optional, into)] on_action: Option<Callback<Action>>,
) -> impl IntoView {
    let note = RwSignal::new(None::<String>);
    let explains = on_action.is_none();
    let on = handler(on_action, note);
    let chips = items
        .into_iter()
        .map(|item| {
            let icon = match (&item.image_url, chip_icon(&item.action)) {
                (Some(url), _) => Some(
                    view! { <img class="lp-chip-icon" src=url.clone() alt="" loading="lazy" /> }
                        .into_any(),
                ),
                (None, Some(glyph)) => Some(
                    view! {
                        <span class="lp-chip-icon" aria-hidden="true">
                            {glyph}
                        </span>
                    }
                    .into_any(),
                ),
                (None, None) => None,
            };
            let label = action_label(&item.action);
            let title = describe_action(&item.action);
            let action = item.action;
            view! {
                <button
                    type="button"
                    class="lp-chip lp-act"
                    title=title
                    on:click=move |_| on.run(action.clone())
                >
                    {icon}
                    <span>{label}</span>
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="lp-quick" role="group" aria-label="クイックリプライ">
            {chips}
        </div>
        {explains
            .then(|| {
                view! {
                    <p class="lp-note lp-note-inline" aria-live="polite">
                        {move || note.get()}
                    </p>
                }
            })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_found_in_text() {
        let mut out = Vec::new();
        linkify(
            "詳細は https://city.example.jp/a?b=1 をご覧ください。http://x.jp",
            &mut out,
        );
        assert_eq!(
            out,
            [
                Piece::Plain("詳細は ".into()),
                Piece::Url("https://city.example.jp/a?b=1".into()),
                Piece::Plain(" をご覧ください。".into()),
                Piece::Url("http://x.jp".into()),
            ]
        );
        let mut out = Vec::new();
        linkify("https://a.jp/ごみ", &mut out);
        assert_eq!(
            out,
            [
                Piece::Url("https://a.jp/".into()),
                Piece::Plain("ごみ".into())
            ]
        );
    }
}

//! The preview rendered on the server, checked for what LINE would show.

use leptos::prelude::*;
use line::message::{Action, Message, QuickReply};
use serde_json::json;

use super::*;

fn message(v: serde_json::Value) -> Message {
    serde_json::from_value(v).expect("a valid message")
}

/// One message rendered alone, as HTML.
fn render(v: serde_json::Value) -> String {
    let m = message(v);
    let owner = Owner::new();
    owner.with(|| view! { <AccountMessage message=m time="09:41" /> }.to_html())
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

#[test]
fn text_is_a_bubble_with_urls_underlined_and_markup_escaped() {
    let html = render(json!({
        "type": "text",
        "text": "燃えるごみは月曜日です。\n詳しくは https://city.example.jp/gomi を <b>見て</b>"
    }));
    assert!(html.contains(r#"data-type="text""#), "{html}");
    assert!(html.contains("lp-bubble lp-text"), "{html}");
    assert!(
        html.contains("燃えるごみは月曜日です。\n詳しくは "),
        "{html}"
    );
    assert!(
        html.contains(
            r#"<a href="https://city.example.jp/gomi" class="lp-url">https://city.example.jp/gomi</a>"#
        ),
        "{html}"
    );
    assert!(html.contains("&lt;b&gt;見て&lt;/b&gt;"), "{html}");
    assert!(!html.contains("<b>"), "{html}");
    assert!(
        html.contains(r#"<time class="lp-time">09:41</time>"#),
        "{html}"
    );
    // Without a handler, taps are explained under the message.
    assert!(html.contains(r#"aria-live="polite""#), "{html}");
}

#[test]
fn text_emojis_and_v2_substitutions_are_drawn() {
    let html = render(json!({
        "type": "text", "text": "$ お知らせ",
        "emojis": [{"index": 0, "productId": "5ac1bfd5040ab15980c9b435", "emojiId": "001"}]
    }));
    assert!(
        html.contains("sticonshop/v1/sticon/5ac1bfd5040ab15980c9b435/android/001.png"),
        "{html}"
    );
    assert!(!html.contains('$'), "{html}");
    let html = render(json!({
        "type": "textV2", "text": "{all} 防災訓練です {x}",
        "substitution": {"all": {"type": "mention", "mentionee": {"type": "all"}}}
    }));
    assert!(
        html.contains(r#"<span class="lp-mention">@All</span>"#),
        "{html}"
    );
    assert!(html.contains("防災訓練です {x}"), "{html}");
}

#[test]
fn images_videos_and_audio() {
    let html = render(json!({
        "type": "image",
        "originalContentUrl": "https://example.jp/o.jpg",
        "previewImageUrl": "https://example.jp/p.jpg"
    }));
    assert!(
        html.contains(
            r#"<img src="https://example.jp/p.jpg" alt="画像" loading="lazy" class="lp-image">"#
        ),
        "{html}"
    );
    assert!(!html.contains("o.jpg"), "{html}");
    let html = render(json!({
        "type": "video",
        "originalContentUrl": "https://example.jp/v.mp4",
        "previewImageUrl": "https://example.jp/v.jpg"
    }));
    assert!(
        html.contains("https://example.jp/v.jpg") && html.contains("lp-play"),
        "{html}"
    );
    let html = render(json!({
        "type": "audio", "originalContentUrl": "https://example.jp/a.m4a", "duration": 61_500
    }));
    assert!(html.contains("音声") && html.contains("1:02"), "{html}");
}

#[test]
fn stickers_have_their_image_and_a_fallback() {
    let html = render(json!({"type": "sticker", "packageId": "446", "stickerId": "1988"}));
    assert!(
        html.contains(
            "https://stickershop.line-scdn.net/stickershop/v1/sticker/1988/android/sticker.png"
        ),
        "{html}"
    );
    assert!(html.contains(r#"alt="スタンプ（446 / 1988）""#), "{html}");
    assert!(html.contains("lp-sticker-fallback"), "{html}");
    assert!(
        !html.contains("lp-bubble"),
        "no bubble around a sticker: {html}"
    );
}

#[test]
fn locations_show_title_and_address() {
    let html = render(json!({
        "type": "location", "title": "まちだより市役所", "address": "東京都まちだより市1-1",
        "latitude": 35.0, "longitude": 139.0
    }));
    assert!(html.contains("lp-location"), "{html}");
    assert!(
        html.contains(r#"<p class="lp-location-title">まちだより市役所</p>"#),
        "{html}"
    );
    assert!(html.contains("東京都まちだより市1-1"), "{html}");
}

#[test]
fn imagemaps_use_the_700px_image_and_place_areas_in_percent() {
    let html = render(json!({
        "type": "imagemap",
        "baseUrl": "https://city.example.jp/media/abc/imagemap",
        "altText": "ごみ分別ガイド",
        "baseSize": {"width": 1040, "height": 520},
        "actions": [
            {"type": "uri", "linkUri": "https://city.example.jp/", "area": {"x": 0, "y": 0, "width": 520, "height": 520}},
            {"type": "message", "label": "収集日", "text": "収集日", "area": {"x": 520, "y": 260, "width": 520, "height": 260}}
        ]
    }));
    assert!(
        html.contains(r#"src="https://city.example.jp/media/abc/imagemap/700""#),
        "{html}"
    );
    assert!(html.contains(r#"alt="ごみ分別ガイド""#), "{html}");
    assert!(html.contains("aspect-ratio:1040 / 520;"), "{html}");
    assert!(
        html.contains(r#"style="left:0%;top:0%;width:50%;height:100%;""#),
        "{html}"
    );
    assert!(
        html.contains(r#"style="left:50%;top:50%;width:50%;height:50%;""#),
        "{html}"
    );
    assert!(
        html.contains(r#"aria-label="エリア1" title="URL を開く：https://city.example.jp/""#),
        "{html}"
    );
    assert!(html.contains(r#"aria-label="エリア2：収集日""#), "{html}");
    assert_eq!(count(&html, r#"class="lp-area""#), 2);
}

#[test]
fn a_rich_message_without_its_image_yet_shows_its_areas_and_requests_nothing() {
    // A new rich message in the composer, before an image is chosen.
    let html = render(json!({
        "type": "imagemap", "baseUrl": "", "altText": "",
        "baseSize": {"width": 1040, "height": 1040},
        "actions": [{"type": "uri", "linkUri": "", "area": {"x": 0, "y": 0, "width": 1040, "height": 1040}}]
    }));
    assert!(!html.contains("<img"), "{html}");
    assert_eq!(count(&html, r#"class="lp-area""#), 1);
}

#[test]
fn buttons_templates_have_a_thumbnail_title_text_and_stacked_actions() {
    let html = render(json!({
        "type": "template", "altText": "イベント",
        "template": {
            "type": "buttons",
            "thumbnailImageUrl": "https://example.jp/t.jpg",
            "imageBackgroundColor": "#FFEEDD",
            "title": "秋まつり", "text": "11月3日に開催します",
            "defaultAction": {"type": "uri", "uri": "https://example.jp/"},
            "actions": [
                {"type": "uri", "label": "詳しく見る", "uri": "https://example.jp/matsuri"},
                {"type": "message", "label": "参加する", "text": "参加します"}
            ]
        }
    }));
    assert!(
        html.contains(r#"class="lp-thumb lp-rect" style="background-color:#ffeedd;""#),
        "{html}"
    );
    assert!(
        html.contains(
            r#"<img src="https://example.jp/t.jpg" alt="" loading="lazy" class="lp-cover">"#
        ),
        "{html}"
    );
    assert!(
        html.contains(r#"<p class="lp-card-title">秋まつり</p>"#),
        "{html}"
    );
    assert!(html.contains("11月3日に開催します"), "{html}");
    assert!(
        html.contains(">詳しく見る</button>") && html.contains(">参加する</button>"),
        "{html}"
    );
    assert!(
        html.contains(r#"title="送信されるテキスト：参加します""#),
        "{html}"
    );
    assert!(
        html.contains("lp-card lp-tappable") && html.contains("lp-hit"),
        "{html}"
    );

    let html = render(json!({
        "type": "template", "altText": "x",
        "template": {
            "type": "buttons", "thumbnailImageUrl": "https://example.jp/t.jpg",
            "imageAspectRatio": "square", "imageSize": "contain", "text": "本文",
            "actions": [{"type": "postback", "label": "はい", "data": "a=1"}]
        }
    }));
    assert!(html.contains("lp-thumb lp-square"), "{html}");
    assert!(html.contains(r#"class="lp-contain""#), "{html}");
    assert!(!html.contains("lp-card-title"), "{html}");
}

#[test]
fn confirm_templates_have_two_side_by_side_actions() {
    let html = render(json!({
        "type": "template", "altText": "確認",
        "template": {"type": "confirm", "text": "参加しますか？", "actions": [
            {"type": "message", "label": "はい", "text": "はい"},
            {"type": "message", "label": "いいえ", "text": "いいえ"}
        ]}
    }));
    assert!(html.contains("lp-confirm-actions"), "{html}");
    assert_eq!(count(&html, "lp-card-action"), 2, "{html}");
    assert!(html.contains("参加しますか？"), "{html}");
}

fn carousel(columns: usize) -> serde_json::Value {
    let columns: Vec<_> = (1..=columns)
        .map(|i| {
            json!({
                "thumbnailImageUrl": format!("https://example.jp/{i}.jpg"),
                "title": format!("施設{i}"), "text": format!("説明{i}"),
                "actions": [
                    {"type": "uri", "label": "地図", "uri": format!("https://example.jp/map/{i}")},
                    {"type": "message", "label": "予約", "text": format!("施設{i}を予約")}
                ]
            })
        })
        .collect();
    json!({"type": "template", "altText": "施設一覧", "template": {"type": "carousel", "columns": columns}})
}

#[test]
fn carousels_scroll_sideways_with_every_column() {
    let html = render(carousel(10));
    assert!(html.contains("lp-row lp-wide"), "{html}");
    assert!(html.contains("lp-scroll lp-carousel"), "{html}");
    assert_eq!(count(&html, r#"<div class="lp-card">"#), 10, "{html}");
    assert!(
        html.contains("施設10") && html.contains("https://example.jp/10.jpg"),
        "{html}"
    );
    assert_eq!(count(&html, "lp-card-action lp-act"), 20, "{html}");

    let html = render(json!({
        "type": "template", "altText": "写真",
        "template": {"type": "image_carousel", "columns": [
            {"imageUrl": "https://example.jp/1.jpg", "action": {"type": "uri", "label": "見る", "uri": "https://example.jp/1"}},
            {"imageUrl": "https://example.jp/2.jpg", "action": {"type": "postback", "data": "p=2"}}
        ]}
    }));
    assert_eq!(count(&html, "lp-imgcol lp-act"), 2, "{html}");
    assert!(
        html.contains(r#"<span class="lp-imgcol-label">見る</span>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"title="ポストバック：data=p=2" aria-label="画像（ラベルなし）""#),
        "{html}"
    );
}

fn flex(contents: serde_json::Value) -> String {
    render(json!({"type": "flex", "altText": "お知らせ", "contents": contents}))
}

#[test]
fn flex_bubbles_follow_lines_sizes_and_keywords() {
    let html = flex(json!({
        "type": "bubble", "size": "kilo",
        "styles": {"footer": {"separator": true, "separatorColor": "#CCCCCC"}},
        "hero": {"type": "image", "url": "https://example.jp/hero.png", "size": "full", "aspectRatio": "20:13", "aspectMode": "cover"},
        "body": {"type": "box", "layout": "vertical", "spacing": "md", "paddingAll": "12px", "contents": [
            {"type": "text", "text": "防災訓練", "size": "xl", "weight": "bold", "color": "#FF0000"},
            {"type": "text", "text": "長い説明", "wrap": true, "maxLines": 2, "size": "xxs"},
            {"type": "box", "layout": "baseline", "margin": "lg", "contents": [
                {"type": "icon", "url": "https://example.jp/i.png", "size": "sm"},
                {"type": "text", "text": "場所", "color": "red", "flex": 0},
                {"type": "text", "text": "市民会館", "margin": "sm", "decoration": "underline"}
            ]},
            {"type": "separator", "color": "#DDDDDD"},
            {"type": "filler"}
        ]},
        "footer": {"type": "box", "layout": "horizontal", "contents": [
            {"type": "button", "style": "primary", "color": "#123456", "action": {"type": "uri", "label": "申し込む", "uri": "https://example.jp/apply"}},
            {"type": "button", "height": "sm", "action": {"type": "message", "label": "問い合わせ", "text": "問い合わせ"}}
        ]}
    }));
    assert!(html.contains("lp-fbubble lp-s-kilo"), "{html}");
    // The hero image: full width, 20:13 = 65 %, cropped.
    assert!(
        html.contains(r#"class="lp-fimg-frame" style="width:100%;""#),
        "{html}"
    );
    assert!(html.contains(r#"style="padding-bottom:65%;""#), "{html}");
    assert!(
        html.contains(
            r#"<img src="https://example.jp/hero.png" alt="" loading="lazy" class="lp-cover">"#
        ),
        "{html}"
    );
    // The body box's padding is the block's.
    assert!(
        html.contains("padding-top:12px;padding-bottom:12px;padding-inline-start:12px;padding-inline-end:12px;"),
        "{html}"
    );
    assert!(
        html.contains(r#"style="font-size:22px;color:#ff0000;font-weight:bold;">防災訓練</p>"#),
        "{html}"
    );
    // Spacing md (8px) before the second child of a vertical box; its own margin (lg) wins.
    assert!(
        html.contains(
            r#"class="lp-ftx lp-wrap lp-clamp" style="font-size:11px;-webkit-line-clamp:2;""#
        ),
        "{html}"
    );
    assert!(
        html.contains(r#"lp-l-baseline" style="margin-top:12px;""#),
        "{html}"
    );
    assert!(
        html.contains(r#"class="lp-fcomp lp-ftext" style="margin-top:8px;""#),
        "{html}"
    );
    // In a baseline box the margin runs along the row; a bad colour is dropped; flex 0.
    assert!(
        html.contains(r#"style="margin-inline-start:4px;""#),
        "{html}"
    );
    assert!(html.contains(r#"style="flex:0 0 auto;""#), "{html}");
    assert!(!html.contains("color:red"), "{html}");
    assert!(html.contains("text-decoration:underline"), "{html}");
    assert!(
        html.contains(r#"class="lp-ficon""#) && html.contains("font-size:14px;width:1em;"),
        "{html}"
    );
    assert!(
        html.contains(r#"class="lp-fsep" style="margin-top:8px;border-color:#dddddd;""#),
        "{html}"
    );
    assert!(html.contains(r#"class="lp-ffill""#), "{html}");
    assert!(html.contains("border-top:1px solid #cccccc;"), "{html}");
    assert!(
        html.contains(r#"class="lp-fbtn lp-act lp-primary" style="background-color:#123456;""#),
        "{html}"
    );
    assert!(html.contains(">申し込む</button>"), "{html}");
    assert!(
        html.contains(r#"class="lp-fbtn lp-act lp-link lp-sm""#),
        "{html}"
    );
}

#[test]
fn flex_carousels_hold_every_bubble_and_spans_and_gradients_render() {
    let bubble = |i: usize| {
        json!({"type": "bubble", "size": "micro", "action": {"type": "postback", "data": format!("b={i}")},
        "body": {"type": "box", "layout": "vertical", "cornerRadius": "xl", "borderWidth": "light", "borderColor": "#000000",
            "background": {"type": "linearGradient", "angle": "90deg", "startColor": "#FF0000", "endColor": "#0000FF"},
            "contents": [
            {"type": "text", "contents": [
                {"type": "span", "text": "赤", "color": "#FF0000", "size": "lg"},
                {"type": "span", "text": format!("第{i}回"), "weight": "bold"}
            ]}
        ]}})
    };
    let html =
        flex(json!({"type": "carousel", "contents": (1..=12).map(bubble).collect::<Vec<_>>()}));
    assert!(html.contains("lp-scroll lp-fcarousel"), "{html}");
    assert_eq!(
        count(&html, "lp-fbubble lp-s-micro lp-tappable"),
        12,
        "{html}"
    );
    assert!(
        html.contains(
            r#"<span data-flex-node="/contents/0/body/contents/0/contents/0" style="font-size:19px;color:#ff0000;">赤</span>"#
        ),
        "{html}"
    );
    assert!(
        html.contains(
            r#"<span data-flex-node="/contents/11/body/contents/0/contents/1" style="font-weight:bold;">第12回</span>"#
        ),
        "{html}"
    );
    assert!(
        html.contains("background-image:linear-gradient(90deg, #ff0000 0%, #0000ff 100%);"),
        "{html}"
    );
    assert!(
        html.contains(
            "border-width:0.5px;border-style:solid;border-color:#000000;border-radius:16px;"
        ),
        "{html}"
    );
    assert!(
        html.contains(r#"aria-label="タップできる領域" title="ポストバック：data=b=3""#),
        "{html}"
    );
}

#[test]
fn quick_reply_chips_show_labels_and_icons() {
    let q: QuickReply = serde_json::from_value(json!({"items": [
        {"type": "action", "imageUrl": "https://example.jp/gomi.png", "action": {"type": "message", "label": "ごみ", "text": "ごみ"}},
        {"type": "action", "action": {"type": "camera", "label": "カメラ"}},
        {"type": "action", "action": {"type": "location", "label": "現在地"}}
    ]}))
    .unwrap();
    let owner = Owner::new();
    let html = owner.with(|| view! { <QuickReplyBar items=q.items /> }.to_html());
    assert!(
        html.contains(r#"role="group" aria-label="クイックリプライ""#),
        "{html}"
    );
    assert_eq!(count(&html, "lp-chip lp-act"), 3, "{html}");
    assert!(
        html.contains(r#"src="https://example.jp/gomi.png""#),
        "{html}"
    );
    assert!(
        html.contains("<span>ごみ</span>") && html.contains("<span>カメラ</span>"),
        "{html}"
    );
    assert!(html.contains("📷") && html.contains("📍"), "{html}");
    assert!(html.contains(r#"title="カメラを起動""#), "{html}");
}

#[test]
fn the_preview_shows_every_message_in_the_frame_and_the_last_quick_replies() {
    let messages: Vec<Message> = vec![
        message(
            json!({"type": "text", "text": "一通目", "quickReply": {"items": [
                {"type": "action", "action": {"type": "message", "label": "古い選択肢", "text": "x"}}
            ]}}),
        ),
        message(carousel(10)),
        message(json!({"type": "sticker", "packageId": "446", "stickerId": "1988"})),
        message(
            json!({"type": "text", "text": "最後", "quickReply": {"items": [
                {"type": "action", "action": {"type": "message", "label": "はい", "text": "はい"}},
                {"type": "action", "action": {"type": "uri", "label": "市のサイト", "uri": "https://example.jp/"}}
            ]}}),
        ),
    ];
    let owner = Owner::new();
    let html = owner.with(|| {
        let messages = Signal::stored(messages);
        let name = Signal::stored("まちだより市".to_owned());
        view! { <LinePreview messages=messages account_name=name /> }.to_html()
    });
    assert!(
        html.contains(r#"class="lp-frame lp-w375 lp-font-normal""#),
        "{html}"
    );
    assert!(
        html.contains(r#"<span class="lp-head-name">まちだより市</span>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<span aria-hidden="true" class="lp-avatar">ま</span>"#),
        "{html}"
    );
    // The icon only on the first message.
    assert_eq!(count(&html, r#"class="lp-avatar""#), 2, "{html}");
    assert_eq!(count(&html, "lp-avatar-gap"), 3, "{html}");
    assert_eq!(count(&html, r#"class="lp-row"#), 4, "{html}");
    assert!(html.contains("一通目") && html.contains("最後"), "{html}");
    assert_eq!(count(&html, r#"<div class="lp-card">"#), 10, "{html}");
    assert!(
        html.contains("<span>はい</span>") && html.contains("<span>市のサイト</span>"),
        "{html}"
    );
    assert!(
        !html.contains("古い選択肢"),
        "only the last message's quick replies: {html}"
    );
    assert!(html.contains(r#"aria-pressed="true""#), "{html}");
    assert!(html.contains(r#"aria-live="polite""#), "{html}");
    assert!(
        html.contains(r#"<time class="lp-time">10:00</time>"#),
        "{html}"
    );

    let owner = Owner::new();
    let html = owner.with(|| {
        view! { <LinePreview messages=Signal::stored(vec![]) account_name=Signal::stored(String::new()) /> }
            .to_html()
    });
    assert!(html.contains("メッセージがありません"), "{html}");
}

#[test]
fn every_action_is_described_in_japanese() {
    let cases = [
        (
            json!({"type": "uri", "label": "開く", "uri": "https://city.example.jp/"}),
            "URL を開く：https://city.example.jp/",
        ),
        (
            json!({"type": "message", "label": "送る", "text": "ごみの日"}),
            "送信されるテキスト：ごみの日",
        ),
        (
            json!({"type": "postback", "label": "申込", "data": "form=1", "displayText": "申し込みます"}),
            "ポストバック：data=form=1（表示テキスト：申し込みます）",
        ),
        (
            json!({"type": "postback", "data": "form=2"}),
            "ポストバック：data=form=2",
        ),
        (
            json!({"type": "datetimepicker", "label": "日付", "data": "d=1", "mode": "date"}),
            "日時選択（date）：data=d=1",
        ),
        (json!({"type": "camera", "label": "カメラ"}), "カメラを起動"),
        (
            json!({"type": "cameraRoll", "label": "写真"}),
            "カメラロールを開く",
        ),
        (
            json!({"type": "location", "label": "位置"}),
            "位置情報を送る",
        ),
        (
            json!({"type": "clipboard", "label": "コピー", "clipboardText": "ABC-123"}),
            "クリップボードにコピー：ABC-123",
        ),
        (
            json!({"type": "richmenuswitch", "richMenuAliasId": "menu-b", "data": "m=b"}),
            "リッチメニュー切替：menu-b",
        ),
    ];
    for (action, expected) in cases {
        let action: Action = serde_json::from_value(action).unwrap();
        assert_eq!(describe_action(&action), expected);
    }
}

#[test]
fn flex_components_carry_their_pointer_and_text_is_never_markup() {
    let html = flex(json!({"type": "bubble",
        "hero": {"type": "image", "url": "https://example.jp/a.png"},
        "body": {"type": "box", "layout": "vertical", "contents": [
            {"type": "text", "text": "<img src=x onerror=alert(1)>", "scaling": true},
            {"type": "box", "layout": "baseline", "contents": [
                {"type": "icon", "url": "https://example.jp/i.png"}
            ]}
        ]},
        "footer": {"type": "box", "layout": "vertical", "contents": [
            {"type": "button", "scaling": true, "action": {"type": "uri", "label": "<b>見る</b>", "uri": "https://example.jp/"}}
        ]}
    }));
    for pointer in [
        "",
        "/hero",
        "/body",
        "/body/contents/0",
        "/body/contents/1/contents/0",
        "/footer/contents/0",
    ] {
        assert!(
            html.contains(&format!(r#"data-flex-node="{pointer}""#)),
            "{pointer}: {html}"
        );
    }
    // Message content is text: the markup shows as characters, nothing is parsed.
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(html.contains("&lt;b&gt;見る&lt;/b&gt;"), "{html}");
    // `scaling: true` follows the phone's font-size setting (the preview's 文字 switch).
    // (The text at `md`, 16 px, and the button's 16 px label.)
    assert_eq!(
        count(&html, "font-size:calc(16px * var(--lp-font-scale, 1))"),
        2,
        "{html}"
    );
}

/// A rich menu of 2500×843 in three columns, rendered alone.
fn rich_menu(image: Option<&str>, open: bool, show_areas: bool) -> String {
    use line::rich_menu::RichMenuBounds;
    let column = |x: i32, width: i32| RichMenuBounds {
        x,
        y: 0,
        width,
        height: 843,
    };
    let areas = vec![
        (column(0, 833), "ごみ".to_owned()),
        (column(833, 834), "防災".to_owned()),
        (column(1667, 833), " ".to_owned()),
    ];
    let image = image.map(str::to_owned);
    let owner = Owner::new();
    owner.with(|| {
        view! {
            <RichMenuPreview
                image_src=image
                size=(2500, 843)
                areas=areas
                chat_bar_text="メニュー"
                open=RwSignal::new(open)
                on_tap=Callback::new(|_: usize| {})
                show_areas=show_areas
            />
        }
        .to_html()
    })
}

#[test]
fn a_rich_menu_is_the_chat_bar_then_the_image_with_its_areas_in_percent() {
    let html = rich_menu(
        Some("/admin/simulator/rich-menus/main/richmenu-1"),
        true,
        false,
    );
    assert!(
        html.contains(r#"aria-expanded="true""#) && html.contains("▼"),
        "{html}"
    );
    assert!(
        html.contains(r#"<span class="lp-rm-bar-text">メニュー</span>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<img src="/admin/simulator/rich-menus/main/richmenu-1" alt="">"#),
        "{html}"
    );
    assert!(html.contains("aspect-ratio:2500 / 843;"), "{html}");
    assert!(
        html.contains(
            r#"aria-label="ごみ" data-area="0" class="lp-rm-area" style="left:0%;top:0%;width:33.32%;height:100%;""#
        ),
        "{html}"
    );
    assert!(
        html.contains(
            r#"aria-label="防災" data-area="1" class="lp-rm-area" style="left:33.32%;top:0%;width:33.36%;height:100%;""#
        ),
        "{html}"
    );
    // An area without a label is still a named button.
    assert!(html.contains(r#"aria-label="エリア3""#), "{html}");
    assert_eq!(count(&html, r#"class="lp-rm-area""#), 3);
    // Over an image, the areas draw nothing of their own.
    assert!(
        !html.contains("lp-rm-label") && !html.contains("lp-rm-number"),
        "{html}"
    );
    assert!(!html.contains(" hidden"), "{html}");
}

#[test]
fn a_closed_rich_menu_hides_its_areas_and_points_up() {
    let html = rich_menu(Some("/m.png"), false, false);
    assert!(
        html.contains(r#"aria-expanded="false""#) && html.contains("▲"),
        "{html}"
    );
    assert!(html.contains(" hidden"), "{html}");
}

#[test]
fn a_rich_menu_without_an_image_has_labelled_boxes_and_the_editor_numbers_them() {
    let html = rich_menu(None, true, true);
    assert!(!html.contains("<img"), "{html}");
    assert!(
        html.contains("lp-rm-boxes") && html.contains("lp-rm-outlined"),
        "{html}"
    );
    assert!(
        html.contains(r#"<span class="lp-rm-label">ごみ</span>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<span class="lp-rm-label">エリア3</span>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<span aria-hidden="true" class="lp-rm-number">2</span>"#),
        "{html}"
    );
    // The box's visible name is its accessible name: no aria-label that would differ from it
    // (axe: label-content-name-mismatch).
    assert!(!html.contains("aria-label=\"ごみ\""), "{html}");
}

#[test]
fn a_rich_menu_overlay_writes_each_areas_figure_and_names_the_area_with_it() {
    use line::rich_menu::RichMenuBounds;
    let column = |x: i32, width: i32| RichMenuBounds {
        x,
        y: 0,
        width,
        height: 843,
    };
    let areas = vec![
        (column(0, 833), "ごみ".to_owned()),
        (column(833, 834), "防災".to_owned()),
        (column(1667, 833), "子育て".to_owned()),
    ];
    let render = |image: Option<String>| {
        let areas = areas.clone();
        let owner = Owner::new();
        owner.with(|| {
            view! {
                <RichMenuPreview
                    image_src=image
                    size=(2500, 843)
                    areas=areas
                    chat_bar_text="メニュー"
                    open=RwSignal::new(true)
                    on_tap=Callback::new(|_: usize| {})
                    overlay=vec!["12.5%".to_owned(), "20未満".to_owned(), String::new()]
                />
            }
            .to_html()
        })
    };
    let html = render(Some("/admin/rich-menus/1/image?version=2".into()));
    // The figure is shown on the area and is part of its name (after the label).
    assert!(html.contains(r#"aria-label="ごみ 12.5%""#), "{html}");
    assert!(html.contains(r#"aria-label="防災 20未満""#), "{html}");
    assert!(
        html.contains(r#"<span class="lp-rm-overlay"> 12.5%</span>"#),
        "{html}"
    );
    // An area without a figure is named by its label alone.
    assert!(html.contains(r#"aria-label="子育て""#), "{html}");
    assert_eq!(count(&html, "lp-rm-overlay"), 2);
    // Without an image the box shows its label, then its figure: its content is its name.
    let boxes = render(None);
    assert!(!boxes.contains("aria-label=\"ごみ"), "{boxes}");
    assert!(
        boxes.contains(
            r#"<span class="lp-rm-label">ごみ</span><span class="lp-rm-overlay"> 12.5%</span>"#
        ),
        "{boxes}"
    );
}

//! 「LINEシミュレーター」's rich menu through the real router: the menu a simulated friend sees
//! (made with the built-in sandbox's own Messaging API, as the account would), its taps, and its
//! image behind the staff session and the simulator's permission.

use std::io::Cursor;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::db_tests;
use domain::testing::TestDb;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use leptos::server_fn::ServerFn;
use model::access::{Action, Feature, Permission};
use serde_json::{Value, json};

use crate::support::*;

/// The access token of the sandbox channel `main`, as the server keeps it (sealed).
async fn main_channel_token(t: &TestDb) -> String {
    let secrets = domain::security::secrets::SecretBox::from_base64(SECRET_KEY).unwrap();
    domain::platform::channels::load_all(&t.db, &secrets)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.key == "main")
        .expect("the main channel")
        .access_token
}

/// A call to the sandbox's Messaging API, as the account's LINE client makes it.
async fn line_api(c: &Client, token: &str, path: &str, content_type: &str, body: Vec<u8>) -> Reply {
    c.send(
        Request::post(format!("/sandbox/line{path}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

fn menu_image() -> Vec<u8> {
    let image = RgbImage::from_fn(800, 270, |x, _| {
        if x < 400 {
            Rgb([6, 112, 60])
        } else {
            Rgb([31, 42, 55])
        }
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image)
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

async fn call(c: &Client, path: &str, form: &str, cookie: &str) -> Value {
    let reply = c.post_form(path, form, Some(cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

async fn a_friends_rich_menu_is_shown_tapped_and_its_image_kept_to_simulator_staff(t: TestDb) {
    create_admin(&t, "admin1").await;
    let view_simulator = Permission::Do(Feature::Simulator, Action::View);
    create_staff(&t, "viewer", &[view_simulator], &[]).await;
    let view_friends = Permission::Do(Feature::FriendAttributes, Action::View);
    create_staff(&t, "suzuki", &[view_friends], &[]).await;
    let c = client(&t).await;
    let admin = c.signed_in("admin1").await;

    // The account publishes a default menu through the sandbox's Messaging API.
    let token = main_channel_token(&t).await;
    let menu = json!({
        "size": {"width": 800, "height": 270}, "selected": true, "name": "くらし",
        "chatBarText": "メニュー",
        "areas": [
            {"bounds": {"x": 0, "y": 0, "width": 400, "height": 270},
             "action": {"type": "message", "label": "ごみ", "text": "ごみ"}},
            {"bounds": {"x": 400, "y": 0, "width": 400, "height": 270},
             "action": {"type": "uri", "label": "市のサイト", "uri": "https://city.example.jp/"}}
        ]
    });
    let json_type = "application/json";
    let created = line_api(
        &c,
        &token,
        "/v2/bot/richmenu",
        json_type,
        menu.to_string().into(),
    )
    .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let id = serde_json::from_str::<Value>(&created.body).unwrap()["richMenuId"]
        .as_str()
        .unwrap()
        .to_owned();
    let image = menu_image();
    let content = format!("/v2/bot/richmenu/{id}/content");
    let uploaded = line_api(&c, &token, &content, "image/png", image.clone()).await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.body);
    let default = format!("/v2/bot/user/all/richmenu/{id}");
    let set = line_api(&c, &token, &default, json_type, Vec::new()).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);

    // A simulated friend follows and sees it.
    let friend = call(
        &c,
        <app::api::SimCreateFriend as ServerFn>::PATH,
        "channel=main&display_name=%E5%B8%82%E6%B0%91",
        &admin,
    )
    .await;
    let user = friend["user_id"].as_str().unwrap().to_owned();
    let follow = format!("channel=main&user_id={user}&act=follow");
    call(&c, <app::api::SimAct as ServerFn>::PATH, &follow, &admin).await;
    let whose = format!("channel=main&user_id={user}");
    let shown: app::api::SimRichMenuView = serde_json::from_value(
        call(
            &c,
            <app::api::SimRichMenu as ServerFn>::PATH,
            &whose,
            &admin,
        )
        .await,
    )
    .unwrap();
    let image_path = format!("/admin/simulator/rich-menus/main/{id}");
    assert_eq!(shown.rich_menu_id, id);
    assert_eq!(shown.source, app::api::SimRichMenuSource::Default);
    assert_eq!(shown.image_url.as_deref(), Some(image_path.as_str()));
    assert_eq!(
        (shown.width, shown.height, shown.selected),
        (800, 270, true)
    );
    assert_eq!(shown.chat_bar_text, "メニュー");
    let described: Vec<_> = shown
        .areas
        .iter()
        .map(|a| (a.label.as_str(), a.description.as_str()))
        .collect();
    assert_eq!(
        described,
        [
            ("ごみ", "「ごみ」と送信"),
            ("市のサイト", "https://city.example.jp/ を開く")
        ]
    );
    let nobody = call(
        &c,
        <app::api::SimRichMenu as ServerFn>::PATH,
        "channel=main&user_id=Unobody",
        &admin,
    )
    .await;
    assert_eq!(nobody, Value::Null);

    // The image: to staff of the simulator, kept an hour by their browser only.
    let got = c.get(&image_path, Some(&admin)).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_eq!(got.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(got.headers[header::CACHE_CONTROL], "private, max-age=3600");
    assert_eq!(got.bytes, image);
    let etag = got.headers[header::ETAG].to_str().unwrap().to_owned();
    let again = c
        .send(
            Request::get(&image_path)
                .header(header::COOKIE, &admin)
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let viewer = c.signed_in("viewer").await;
    assert_eq!(
        c.get(&image_path, Some(&viewer)).await.status,
        StatusCode::OK
    );
    let suzuki = c.signed_in("suzuki").await;
    let refused = c.get(&image_path, Some(&suzuki)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(refused.headers[header::CACHE_CONTROL], "no-store");
    let anonymous = c.get(&image_path, None).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(anonymous.location().starts_with("/admin/login?next="));
    for missing in [
        "/admin/simulator/rich-menus/main/richmenu-0000".to_owned(),
        format!("/admin/simulator/rich-menus/elsewhere/{id}"),
    ] {
        let reply = c.get(&missing, Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
    }

    // Opening counts an impression and tapping sends the area's text as the friend; a viewer
    // may look but not tap.
    let opened = format!("channel=main&user_id={user}&rich_menu_id={id}");
    call(
        &c,
        <app::api::SimOpenRichMenu as ServerFn>::PATH,
        &opened,
        &viewer,
    )
    .await;
    let tap = format!("channel=main&user_id={user}&rich_menu_id={id}&area=0");
    let tap_path = <app::api::SimTapRichMenu as ServerFn>::PATH;
    let viewer_tap = c.post_form(tap_path, &tap, Some(&viewer)).await;
    assert_eq!(
        viewer_tap.status,
        StatusCode::FORBIDDEN,
        "{}",
        viewer_tap.body
    );
    let delivery = call(&c, tap_path, &tap, &admin).await;
    assert!(delivery["detail"].is_string(), "{delivery}");
    let chat = call(&c, <app::api::SimChat as ServerFn>::PATH, &whose, &admin).await;
    let said = chat.as_array().unwrap().last().unwrap();
    assert_eq!(said["from_friend"], true);
    assert_eq!(said["message"]["text"], "ごみ");
    let no_area = format!("channel=main&user_id={user}&rich_menu_id={id}&area=5");
    let refused = c.post_form(tap_path, &no_area, Some(&admin)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("そのエリアはありません"),
        "{}",
        refused.body
    );
    let audited = domain::security::audit::list(&t.db, &Default::default(), 0, 2)
        .await
        .unwrap()
        .rows;
    assert!(
        audited
            .iter()
            .all(|r| r.action == "simulator.rich_menu_tap"),
        "{audited:?}"
    );
    assert!(
        audited[1].summary.contains("ごみ"),
        "{}",
        audited[1].summary
    );
}

db_tests!(a_friends_rich_menu_is_shown_tapped_and_its_image_kept_to_simulator_staff);

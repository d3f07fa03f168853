//! Rich menus: designs in department scope, images fitted to LINE's rules, and publishing to
//! the sandbox served on loopback as LINE, interrupted at every step.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{TimeDelta, Utc};
use domain::menus::designs::{self, MenuInput};
use domain::menus::publish::{self, Advance, Reserved, State};
use domain::security::audit::Actor;
use domain::staff::departments;
use domain::testing::{TestDb, line_channel};
use domain::{DomainError, db_tests};
use line::client::{AccessToken, Client, ClientConfig, RetryPolicy};
use line::rate::RateLimiter;
use model::access::Scope;
use model::menu::{MenuDesign, PRESETS};
use sea_orm::EntityTrait;

const CHANNEL: &str = "main";
const TOKEN: &str = "menu-test-token-abcdefghijklmnop";

/// What the loopback LINE does to the next request whose path `matches`.
#[derive(Clone, Copy, Debug)]
enum Trouble {
    /// LINE does it, then the answer is lost (a 502 from a proxy).
    LoseAnswer,
    /// LINE is down: 503, nothing done.
    Down,
}

/// The publishing step a request is.
#[derive(Clone, Copy, Debug)]
enum Step {
    Create,
    Upload,
    SetDefault,
}

impl Step {
    fn matches(self, path: &str) -> bool {
        match self {
            Step::Create => path == "/v2/bot/richmenu",
            Step::Upload => path.ends_with("/content"),
            Step::SetDefault => path.starts_with("/v2/bot/user/all/richmenu/"),
        }
    }
}

/// The sandbox as LINE on a loopback port, and a client of it.
struct Line {
    sandbox: sandbox::Sandbox,
    client: Arc<Client>,
    trouble: Arc<Mutex<Option<(Step, Trouble)>>>,
}

impl Line {
    async fn start() -> Line {
        let sandbox = sandbox::Sandbox::new(sandbox::SandboxConfig {
            state_file: None,
            ..Default::default()
        })
        .unwrap();
        sandbox.add_channel(sandbox::SandboxChannel {
            key: CHANNEL.into(),
            bot_user_id: "U0123456789abcdef0123456789abcdef".into(),
            channel_secret: "0123456789abcdef0123456789abcdef".into(),
            access_token: TOKEN.into(),
            login_channel_id: None,
            webhook_url: None,
        });
        let trouble: Arc<Mutex<Option<(Step, Trouble)>>> = Arc::new(Mutex::new(None));
        let armed = trouble.clone();
        let app = sandbox.router().layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let armed = armed.clone();
                async move {
                    let hit = {
                        let mut armed = armed.lock().unwrap();
                        match *armed {
                            Some((step, what)) if step.matches(req.uri().path()) => {
                                armed.take();
                                Some(what)
                            }
                            _ => None,
                        }
                    };
                    match hit {
                        Some(Trouble::Down) => {
                            axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response()
                        }
                        Some(Trouble::LoseAnswer) => {
                            let _done: Response = next.run(req).await;
                            axum::http::StatusCode::BAD_GATEWAY.into_response()
                        }
                        None => next.run(req).await,
                    }
                }
            },
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        let client = Client::new(
            CHANNEL,
            ClientConfig {
                api_base: base.clone(),
                data_base: base,
                access_token: AccessToken::new(TOKEN),
                request_timeout: Duration::from_secs(10),
                // One attempt: a trouble armed for one request is not retried away.
                retry: RetryPolicy {
                    max_attempts: 1,
                    base_delay: Duration::from_millis(1),
                    max_delay: Duration::from_millis(1),
                },
            },
            Arc::new(RateLimiter::new(HashMap::new())),
        )
        .unwrap();
        Line {
            sandbox,
            client: Arc::new(client),
            trouble,
        }
    }

    fn arm(&self, step: Step, what: Trouble) {
        *self.trouble.lock().unwrap() = Some((step, what));
    }

    /// The LINE ids of the channel's menus.
    async fn menus(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .client
            .list_rich_menus()
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.rich_menu_id)
            .collect();
        ids.sort();
        ids
    }

    /// The menu a friend sees, and whether its image is there.
    fn seen_by(&self, user: &str) -> Option<(String, bool)> {
        self.sandbox
            .effective_rich_menu(CHANNEL, user)
            .map(|m| (m.rich_menu_id, m.image_content_type.is_some()))
    }
}

fn as_user(username: &str) -> Actor {
    Actor {
        staff_id: None,
        username: username.into(),
        client_addr: None,
    }
}

/// A photo-like JPEG: gradients with grain, which compress about as badly as a photo.
fn noisy_jpeg(width: u32, height: u32, quality: u8) -> Vec<u8> {
    let mut seed = 0x2545_f491_u32;
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let grain = (seed % 48) as u8;
        image::Rgb([
            ((x * 160 / width) as u8).saturating_add(grain),
            ((y * 160 / height) as u8).saturating_add(grain / 2),
            120u8.saturating_add((seed >> 8) as u8 % 40),
        ])
    });
    let mut out = Vec::new();
    img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
        &mut out, quality,
    ))
    .unwrap();
    out
}

/// A drawn menu: flat colours, as the browser composer makes them.
fn flat_png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        if (x * 3 / width + y * 2 / height).is_multiple_of(2) {
            image::Rgb([0, 90, 160])
        } else {
            image::Rgb([255, 255, 255])
        }
    });
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// A department, a channel, and a menu from the 6-area preset with a drawn image.
async fn menu_ready(t: &TestDb) -> (Scope, i64, i64) {
    let dept = departments::create(&t.db, &Actor::command_line(), "広報課")
        .await
        .unwrap();
    let scope = Scope::Only([dept.id].into());
    let channel_id = line_channel(&t.db, CHANNEL).await;
    let menu = designs::create(
        &t.db,
        &as_user("sato"),
        &scope,
        MenuInput {
            department_id: dept.id,
            title: "くらしのメニュー".into(),
            design: MenuDesign::from_preset(&PRESETS[0]),
        },
    )
    .await
    .unwrap();
    designs::set_image(
        &t.db,
        &as_user("sato"),
        &scope,
        menu.id,
        flat_png(2500, 1686),
    )
    .await
    .unwrap();
    (scope, channel_id, menu.id)
}

async fn state_of(t: &TestDb, id: i64) -> State {
    let row = domain::entities::line_rich_menu::Entity::find_by_id(id)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    State::parse(&row.state).unwrap()
}

async fn publishing_makes_the_menu_the_default_and_deletes_the_old_one_after_a_grace(t: TestDb) {
    let line = Line::start().await;
    let friend = line.sandbox.seed_friends(CHANNEL, 1).unwrap().remove(0);
    let (scope, channel_id, menu_id) = menu_ready(&t).await;
    let staff = as_user("sato");

    let first = publish::publish_default(&t.db, &staff, &scope, menu_id, channel_id)
        .await
        .unwrap();
    assert_eq!(first.version_number, 1);
    assert_eq!(first.state, State::Queued);
    let now = Utc::now();
    let advanced = publish::advance(&t.db, &*line.client, first.id, 100, now)
        .await
        .unwrap();
    assert_eq!(advanced, Advance::Live);
    let v1 = line.menus().await;
    assert_eq!(v1.len(), 1);
    assert_eq!(line.seen_by(&friend), Some((v1[0].clone(), true)));
    assert_eq!(
        line.client.get_default_rich_menu().await.unwrap(),
        Some(v1[0].clone())
    );
    // LINE's copy is what staff designed, named with our key.
    let at_line = line.client.get_rich_menu(&v1[0]).await.unwrap();
    assert_eq!(at_line.name, publish::line_name(first.id));
    assert_eq!(at_line.areas.len(), 6);
    assert_eq!(at_line.chat_bar_text, "メニュー");

    // A change is a new LINE menu; the old one stays until the grace is over.
    let mut menu = designs::get(&t.db, &scope, menu_id).await.unwrap();
    menu.design.chat_bar_text = "市のメニュー".into();
    designs::update(
        &t.db,
        &staff,
        &scope,
        menu_id,
        MenuInput {
            department_id: menu.department_id,
            title: menu.title.clone(),
            design: menu.design.clone(),
        },
    )
    .await
    .unwrap();
    let second = publish::publish_default(&t.db, &staff, &scope, menu_id, channel_id)
        .await
        .unwrap();
    assert_eq!(second.version_number, 2);
    publish::advance(&t.db, &*line.client, second.id, 100, now)
        .await
        .unwrap();
    let both = line.menus().await;
    assert_eq!(both.len(), 2);
    let v2 = both.into_iter().find(|id| *id != v1[0]).unwrap();
    assert_eq!(line.seen_by(&friend), Some((v2.clone(), true)));
    assert_eq!(state_of(&t, first.id).await, State::Retired);
    let source = |_: i64| Some(line.client.clone());
    assert_eq!(publish::clean_up(&t.db, source, 100, now).await.unwrap(), 0);
    let later = now + publish::RETIRE_GRACE + TimeDelta::seconds(1);
    assert_eq!(
        publish::clean_up(&t.db, source, 100, later).await.unwrap(),
        1
    );
    assert_eq!(line.menus().await, vec![v2.clone()]);
    assert_eq!(state_of(&t, first.id).await, State::Deleted);
    // The live menu is never cleaned up.
    assert_eq!(
        publish::clean_up(&t.db, source, 100, later).await.unwrap(),
        0
    );
    assert_eq!(
        publish::default_of(&t.db, channel_id).await.unwrap(),
        Some((menu_id, 2))
    );

    // Rolling back publishes version 1 again, as a new LINE menu.
    let v1_row = publish::publications(&t.db, &scope, menu_id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.version_number == 1)
        .unwrap();
    let back = publish::republish(&t.db, &staff, &scope, v1_row.version_id, channel_id)
        .await
        .unwrap();
    publish::advance(&t.db, &*line.client, back.id, 100, later)
        .await
        .unwrap();
    let seen = line.seen_by(&friend).unwrap().0;
    assert_eq!(
        line.client
            .get_rich_menu(&seen)
            .await
            .unwrap()
            .chat_bar_text,
        "メニュー"
    );
    assert_eq!(
        publish::default_of(&t.db, channel_id).await.unwrap(),
        Some((menu_id, 1))
    );

    // A menu on LINE cannot be deleted from under the citizens.
    let err = designs::delete(&t.db, &staff, &scope, menu_id)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::Conflict(_)), "{err}");
}

/// A publish interrupted at each step (LINE did the step but the answer was lost, or LINE was
/// down) resumes on the next attempt without a second menu at LINE, and every friend sees a
/// menu with its image all along.
async fn a_publish_interrupted_at_any_step_resumes_and_citizens_always_see_a_menu(t: TestDb) {
    let line = Line::start().await;
    let friend = line.sandbox.seed_friends(CHANNEL, 1).unwrap().remove(0);
    let (scope, channel_id, menu_id) = menu_ready(&t).await;
    let staff = as_user("sato");
    let now = Utc::now();
    let first = publish::publish_default(&t.db, &staff, &scope, menu_id, channel_id)
        .await
        .unwrap();
    publish::advance(&t.db, &*line.client, first.id, 100, now)
        .await
        .unwrap();
    let mut old = line.seen_by(&friend).unwrap().0;

    let steps = [
        (Step::Create, Trouble::LoseAnswer, State::Creating),
        (Step::Create, Trouble::Down, State::Creating),
        (Step::Upload, Trouble::LoseAnswer, State::Created),
        (Step::Upload, Trouble::Down, State::Created),
        (Step::SetDefault, Trouble::Down, State::Uploaded),
    ];
    for (step, trouble, stuck_at) in steps {
        let suffix = format!("{step:?} {trouble:?}");
        let before = line.menus().await.len();
        let p = publish::publish_default(&t.db, &staff, &scope, menu_id, channel_id)
            .await
            .unwrap();
        line.arm(step, trouble);
        let err = publish::advance(&t.db, &*line.client, p.id, 100, now).await;
        assert!(err.is_err(), "{suffix}: {err:?}");
        assert_eq!(state_of(&t, p.id).await, stuck_at, "{suffix}");
        // Meanwhile the friend still sees the old menu, with its image.
        let (seen, has_image) = line.seen_by(&friend).unwrap();
        assert!(has_image, "{suffix}");
        assert_eq!(seen, old, "{suffix}");
        // Another publish waits for this one.
        let busy = publish::publish_default(&t.db, &staff, &scope, menu_id, channel_id).await;
        assert!(matches!(busy, Err(DomainError::Conflict(_))), "{suffix}");

        assert_eq!(
            publish::advance(&t.db, &*line.client, p.id, 100, now)
                .await
                .unwrap(),
            Advance::Live,
            "{suffix}"
        );
        // Exactly one menu more at LINE: a lost create answer did not make a second.
        assert_eq!(line.menus().await.len(), before + 1, "{suffix}");
        let (seen, has_image) = line.seen_by(&friend).unwrap();
        assert!(has_image, "{suffix}");
        assert_ne!(seen, old, "{suffix}");
        let later = now + publish::RETIRE_GRACE + TimeDelta::seconds(1);
        publish::clean_up(&t.db, |_| Some(line.client.clone()), 100, later)
            .await
            .unwrap();
        assert_eq!(line.menus().await, vec![seen.clone()], "{suffix}");
        assert_eq!(line.seen_by(&friend).unwrap().0, seen);
        old = seen;
    }
}

async fn the_hourly_create_limit_makes_a_publish_wait_then_finish(t: TestDb) {
    let line = Line::start().await;
    let (scope, channel_id, menu_id) = menu_ready(&t).await;
    // Microseconds, as PostgreSQL keeps them.
    let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
    // Two calls were made a moment ago, and the limit is two an hour.
    for minutes in [30, 20] {
        let at = now - TimeDelta::minutes(minutes);
        assert_eq!(
            publish::reserve_call(&t.db, channel_id, "create", 2, at)
                .await
                .unwrap(),
            Reserved::Yes
        );
    }
    let p = publish::publish_default(&t.db, &as_user("sato"), &scope, menu_id, channel_id)
        .await
        .unwrap();
    let waited = publish::advance(&t.db, &*line.client, p.id, 2, now)
        .await
        .unwrap();
    let free_at = now - TimeDelta::minutes(30) + TimeDelta::hours(1);
    assert_eq!(waited, Advance::WaitUntil(free_at));
    let shown = publish::publications(&t.db, &scope, menu_id)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(shown.state, State::Queued);
    assert!(shown.error.unwrap().contains("頃に続けます"));
    assert!(line.menus().await.is_empty(), "nothing was created");

    let done = publish::advance(&t.db, &*line.client, p.id, 2, free_at)
        .await
        .unwrap();
    assert_eq!(done, Advance::Live);
    assert_eq!(line.menus().await.len(), 1);
    let shown = publish::publications(&t.db, &scope, menu_id)
        .await
        .unwrap()
        .remove(0);
    assert_eq!((shown.state, shown.error), (State::Live, None));
}

async fn menus_are_per_department_and_unpublishable_ones_say_why(t: TestDb) {
    let (scope, channel_id, menu_id) = menu_ready(&t).await;
    let other = departments::create(&t.db, &Actor::command_line(), "福祉課")
        .await
        .unwrap();
    let theirs = Scope::Only([other.id].into());
    assert!(designs::list(&t.db, &theirs).await.unwrap().is_empty());
    let err = designs::get(&t.db, &theirs, menu_id).await.unwrap_err();
    assert!(matches!(err, DomainError::NotFound(_)), "{err}");
    let err = publish::publish_default(&t.db, &as_user("x"), &theirs, menu_id, channel_id)
        .await
        .unwrap_err();
    assert!(matches!(err, DomainError::NotFound(_)), "{err}");

    // An area without a label, and an image of the wrong size after the menu was resized.
    let mut menu = designs::get(&t.db, &scope, menu_id).await.unwrap();
    menu.design.areas[1].action.set_label(None);
    let design = menu.design.resized(1200, 810);
    designs::update(
        &t.db,
        &as_user("sato"),
        &scope,
        menu_id,
        MenuInput {
            department_id: menu.department_id,
            title: menu.title,
            design,
        },
    )
    .await
    .unwrap();
    let err = publish::publish_default(&t.db, &as_user("sato"), &scope, menu_id, channel_id)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("エリア2に名前"), "{err}");
    assert!(err.contains("画像の大きさ（2500×1686）"), "{err}");
    // A size LINE does not take is not even saved.
    let mut bad = MenuDesign::new();
    bad.height = 2000;
    let err = designs::update(
        &t.db,
        &as_user("sato"),
        &scope,
        menu_id,
        MenuInput {
            department_id: other.id,
            title: "x".into(),
            design: bad,
        },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("幅÷高さ"), "{err}");
    // The department cannot be deleted while it owns a menu.
    let err = departments::delete(&t.db, &Actor::command_line(), menu.department_id)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("リッチメニューが1件"), "{err}");
}

/// Three friends who follow (at LINE and here), and the 6-area menu live as their default.
struct Followed {
    users: Vec<String>,
    friend_ids: Vec<i64>,
    scope: Scope,
    channel_id: i64,
    kurashi: i64,
    now: chrono::DateTime<Utc>,
}

async fn followed_with_default(t: &TestDb, line: &Line) -> Followed {
    let users = line.sandbox.seed_friends(CHANNEL, 3).unwrap();
    let (scope, channel_id, kurashi) = menu_ready(t).await;
    let now = Utc::now();
    for user in &users {
        domain::audience::friends::follow(&t.db, channel_id, user, now)
            .await
            .unwrap();
    }
    let friend_ids: Vec<i64> = domain::entities::friend::Entity::find()
        .all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.id)
        .collect();
    let p = publish::publish_default(&t.db, &as_user("sato"), &scope, kurashi, channel_id)
        .await
        .unwrap();
    publish::advance(&t.db, &*line.client, p.id, 100, now)
        .await
        .unwrap();
    Followed {
        users,
        friend_ids,
        scope,
        channel_id,
        kurashi,
        now,
    }
}

/// A second menu from a preset, with its image, published for links (not as the default).
async fn linked_menu(
    t: &TestDb,
    line: &Line,
    scope: &Scope,
    channel_id: i64,
    preset: usize,
    title: &str,
) -> i64 {
    let department_id = match scope {
        Scope::Only(ids) => *ids.iter().next().unwrap(),
        Scope::All => unreachable!(),
    };
    let menu = designs::create(
        &t.db,
        &as_user("sato"),
        scope,
        MenuInput {
            department_id,
            title: title.into(),
            design: MenuDesign::from_preset(&PRESETS[preset]),
        },
    )
    .await
    .unwrap();
    designs::set_image(
        &t.db,
        &as_user("sato"),
        scope,
        menu.id,
        flat_png(2500, 1686),
    )
    .await
    .unwrap();
    let p = publish::publish(
        &t.db,
        &as_user("sato"),
        scope,
        menu.id,
        channel_id,
        publish::Purpose::Linked,
    )
    .await
    .unwrap();
    assert_eq!(
        publish::advance(&t.db, &*line.client, p.id, 100, Utc::now())
            .await
            .unwrap(),
        Advance::Live
    );
    menu.id
}

/// The LINE id of a menu's live version on the channel.
async fn line_id_of(t: &TestDb, menu_id: i64) -> String {
    let version_ids: Vec<i64> = domain::entities::rich_menu_version::Entity::find()
        .all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|v| v.rich_menu_id == menu_id)
        .map(|v| v.id)
        .collect();
    domain::entities::line_rich_menu::Entity::find()
        .all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| version_ids.contains(&r.version_id) && r.state == "live")
        .find_map(|r| r.line_id)
        .unwrap()
}

/// The default for everyone, a 子育て menu for the segment of those who want 子育て news (kept
/// right as a friend's answer changes), and the emergency switch on and off (with LINE's
/// hourly create budget spent: it creates nothing).
async fn rules_and_the_emergency_switch_keep_every_friend_on_the_right_menu(t: TestDb) {
    use domain::audience::attributes::{self, NewAttribute};
    use domain::audience::index::AudienceIndex;
    use domain::audience::segments::{self, SegmentInput};
    use domain::audience::values::{self, ValueInput};
    use domain::menus::links;
    use model::segment::{Condition, Rule};

    let line = Line::start().await;
    let Followed {
        users,
        friend_ids,
        scope,
        channel_id,
        kurashi,
        now,
    } = followed_with_default(&t, &line).await;
    let staff = as_user("sato");
    let kosodate = linked_menu(&t, &line, &scope, channel_id, 2, "子育てメニュー").await;
    let bousai = linked_menu(&t, &line, &scope, channel_id, 1, "防災メニュー").await;
    let (a, b, e) = (
        line_id_of(&t, kurashi).await,
        line_id_of(&t, kosodate).await,
        line_id_of(&t, bousai).await,
    );
    // Published for links only: the default is still the first menu.
    for user in &users {
        assert_eq!(line.seen_by(user).unwrap().0, a);
    }

    let wants = attributes::create(
        &t.db,
        &staff,
        NewAttribute {
            key: "kosodate".into(),
            label: "子育て情報を受け取る".into(),
            kind: model::status::AttributeKind::Text,
            options: Vec::new(),
        },
    )
    .await
    .unwrap();
    let department_id = designs::get(&t.db, &scope, kurashi)
        .await
        .unwrap()
        .department_id;
    let segment = segments::create(
        &t.db,
        &staff,
        &scope,
        SegmentInput {
            department_id,
            name: "子育て情報を受け取る".into(),
            description: String::new(),
            rule: Rule::Condition(Condition::Answered {
                attribute_id: wants.id,
                answered: true,
            }),
        },
    )
    .await
    .unwrap();
    links::add_rule(
        &t.db,
        &staff,
        &scope,
        channel_id,
        links::RuleInput {
            segment_id: Some(segment.id),
            menu_id: kosodate,
            priority: 1,
            starts_at: None,
            ends_at: None,
        },
    )
    .await
    .unwrap();
    let index = AudienceIndex::new();
    let done = links::reconcile(&t.db, &index, &*line.client, channel_id, now)
        .await
        .unwrap();
    assert_eq!(
        done,
        links::Reconciled::default(),
        "nobody is in the segment yet"
    );

    // A friend answers: they move to the 子育て menu; the others stay on the default.
    let answer = |text: &str| ValueInput {
        attribute_id: wants.id,
        option_ids: Vec::new(),
        text: text.into(),
    };
    values::set_for_friend(
        &t.db,
        &staff,
        channel_id,
        friend_ids[0],
        &[answer("はい")],
        now,
    )
    .await
    .unwrap();
    let done = links::reconcile(&t.db, &index, &*line.client, channel_id, now)
        .await
        .unwrap();
    assert_eq!((done.linked, done.unlinked), (1, 0));
    assert_eq!(line.seen_by(&users[0]).unwrap().0, b);
    assert_eq!(line.seen_by(&users[1]).unwrap().0, a);
    let (menu, why) = links::seen_by(&t.db, channel_id, friend_ids[0])
        .await
        .unwrap();
    assert_eq!(menu, Some(kosodate));
    assert_eq!(why, "セグメント「子育て情報を受け取る」のルール");
    // Nothing changed: nothing is sent.
    let done = links::reconcile(&t.db, &index, &*line.client, channel_id, now)
        .await
        .unwrap();
    assert_eq!(done, links::Reconciled::default());

    // The emergency switch, with the hour's creates spent: everyone sees 防災 at once.
    for _ in 0..publish::CALLS_PER_HOUR {
        publish::reserve_call(&t.db, channel_id, "create", publish::CALLS_PER_HOUR, now)
            .await
            .unwrap();
    }
    links::emergency_on(&t.db, &*line.client, &staff, &scope, channel_id, bousai)
        .await
        .unwrap();
    // The default at once; the links by the job it asked for.
    assert_eq!(
        line.client.get_default_rich_menu().await.unwrap(),
        Some(e.clone())
    );
    let done = links::reconcile(&t.db, &index, &*line.client, channel_id, now)
        .await
        .unwrap();
    assert_eq!(done.linked, 3);
    for user in &users {
        assert_eq!(line.seen_by(user).unwrap().0, e);
    }
    assert_eq!(
        line.client.get_default_rich_menu().await.unwrap(),
        Some(e.clone())
    );
    assert!(links::emergency(&t.db, channel_id).await.unwrap().is_some());
    // Undone: the rule's friend is back on 子育て, the others on the default again.
    links::emergency_off(&t.db, &*line.client, &staff, channel_id)
        .await
        .unwrap();
    let done = links::reconcile(&t.db, &index, &*line.client, channel_id, now)
        .await
        .unwrap();
    assert_eq!((done.linked, done.unlinked), (1, 2));
    assert_eq!(line.seen_by(&users[0]).unwrap().0, b);
    assert_eq!(line.seen_by(&users[2]).unwrap().0, a);
    assert_eq!(
        line.client.get_default_rich_menu().await.unwrap(),
        Some(a.clone())
    );
    assert!(links::emergency(&t.db, channel_id).await.unwrap().is_none());

    // The answer withdrawn: back on the default.
    values::set_for_friend(&t.db, &staff, channel_id, friend_ids[0], &[answer("")], now)
        .await
        .unwrap();
    let done = links::reconcile(&t.db, &index, &*line.client, channel_id, now)
        .await
        .unwrap();
    assert_eq!((done.linked, done.unlinked), (0, 1));
    assert_eq!(line.seen_by(&users[0]).unwrap().0, a);

    // A menu an emergency may need is not retired when another default replaces it.
    assert!(
        links::rules(&t.db, &scope, channel_id).await.unwrap()[0].menu_title == "子育てメニュー"
    );
}

/// A delivery naming a menu (spec 4(2) ア): refused while the menu is not on LINE; once sent,
/// the friends it reached (and only they) see the menu, the friend page says which delivery
/// gave it, and after its time they are back on the default.
async fn a_deliverys_menu_reaches_its_recipients_until_its_time(t: TestDb) {
    use domain::audience::attributes::{self, NewAttribute};
    use domain::audience::index::AudienceIndex;
    use domain::audience::values::{self, ValueInput};
    use domain::delivery::deliveries;
    use domain::delivery::engine::OneMessenger;
    use domain::jobs::{self, JobContext, queue};
    use domain::menus::links;
    use model::delivery::{DeliveryMenu, Target, Timing};
    use model::segment::{Condition, Rule};

    let line = Line::start().await;
    let Followed {
        users,
        friend_ids,
        scope,
        channel_id,
        kurashi,
        now,
    } = followed_with_default(&t, &line).await;
    let staff = as_user("sato");
    let event = linked_menu(&t, &line, &scope, channel_id, 3, "イベントメニュー").await;
    let department_id = designs::get(&t.db, &scope, kurashi)
        .await
        .unwrap()
        .department_id;
    let unpublished = designs::create(
        &t.db,
        &staff,
        &scope,
        MenuInput {
            department_id,
            title: "未公開のメニュー".into(),
            design: MenuDesign::from_preset(&PRESETS[1]),
        },
    )
    .await
    .unwrap()
    .id;
    let (a, ev) = (line_id_of(&t, kurashi).await, line_id_of(&t, event).await);

    // Friends 0 and 1 asked for event news: the delivery goes to them.
    let wants = attributes::create(
        &t.db,
        &staff,
        NewAttribute {
            key: "event".into(),
            label: "イベント情報".into(),
            kind: model::status::AttributeKind::Text,
            options: Vec::new(),
        },
    )
    .await
    .unwrap();
    for friend_id in &friend_ids[..2] {
        let answer = ValueInput {
            attribute_id: wants.id,
            option_ids: Vec::new(),
            text: "はい".into(),
        };
        values::set_for_friend(&t.db, &staff, channel_id, *friend_id, &[answer], now)
            .await
            .unwrap();
    }
    let index = AudienceIndex::new();
    let mut input = crate::deliveries::input(
        &crate::deliveries::Place {
            department_id,
            channel_id,
            scope: scope.clone(),
        },
        "お祭りのお知らせ",
        Target {
            rule: Some(Rule::Condition(Condition::Answered {
                attribute_id: wants.id,
                answered: true,
            })),
            ..Default::default()
        },
        Timing::Now,
    );
    // A time already past is refused when saving.
    input.rich_menu = Some(DeliveryMenu {
        menu_id: event,
        until: domain::time::local_minute_input(now - TimeDelta::hours(1)),
    });
    let err = deliveries::create(&t.db, &index, &staff, &scope, input.clone(), now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("表示期限が過ぎています"), "{err}");
    // A menu not yet on LINE: saved, but not sent.
    input.rich_menu = Some(DeliveryMenu {
        menu_id: unpublished,
        until: String::new(),
    });
    let draft = deliveries::create(&t.db, &index, &staff, &scope, input.clone(), now)
        .await
        .unwrap();
    assert_eq!(
        draft
            .rich_menu
            .as_ref()
            .map(|m| (m.title.as_str(), m.until)),
        Some(("未公開のメニュー", None))
    );
    let err = deliveries::schedule(&t.db, &index, &staff, &scope, draft.id, draft.version, now)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("切り替え用に公開"), "{err}");
    // The event menu until two days later: sent.
    let until = now + TimeDelta::days(2);
    input.rich_menu = Some(DeliveryMenu {
        menu_id: event,
        until: domain::time::local_minute_input(until),
    });
    let draft = deliveries::update(
        &t.db,
        &index,
        &staff,
        &scope,
        draft.id,
        draft.version,
        input,
        now,
    )
    .await
    .unwrap();
    deliveries::schedule(&t.db, &index, &staff, &scope, draft.id, draft.version, now)
        .await
        .unwrap();
    let ctx = JobContext::new(
        t.db.clone(),
        Arc::new(OneMessenger(line.client.clone())),
        Arc::new(AudienceIndex::new()),
        crate::deliveries::settings("menus"),
    );
    // The delivery, then the links it asked for (each job as the server runs it; links are
    // made once the second they were asked in is over).
    let (_keep, never) = tokio::sync::watch::channel(false);
    for _ in 0..40 {
        let due = queue::take_due(&t.db, 10, ctx.delivery.lease, Utc::now())
            .await
            .unwrap();
        for job in due {
            jobs::execute(&ctx, job, never.clone()).await;
        }
        if line.seen_by(&users[0]).unwrap().0 == ev {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(line.seen_by(&users[0]).unwrap().0, ev);
    assert_eq!(line.seen_by(&users[1]).unwrap().0, ev);
    assert_eq!(line.seen_by(&users[2]).unwrap().0, a, "not a recipient");
    assert_eq!(
        links::seen_by(&t.db, channel_id, friend_ids[0])
            .await
            .unwrap(),
        (Some(event), "配信「お祭りのお知らせ」".into())
    );
    // Before its time nothing changes; after it, both are back on the default.
    let done = links::reconcile(
        &t.db,
        &index,
        &*line.client,
        channel_id,
        until - TimeDelta::minutes(1),
    )
    .await
    .unwrap();
    assert_eq!(done, links::Reconciled::default());
    let done = links::reconcile(
        &t.db,
        &index,
        &*line.client,
        channel_id,
        until + TimeDelta::minutes(1),
    )
    .await
    .unwrap();
    assert_eq!((done.linked, done.unlinked), (0, 2));
    assert_eq!(line.seen_by(&users[0]).unwrap().0, a);
    assert_eq!(
        links::seen_by(&t.db, channel_id, friend_ids[0])
            .await
            .unwrap(),
        (Some(kurashi), "既定のメニュー".into())
    );

    // A switch for every friend needs a period (else it is the default's job) ...
    let for_everyone = |starts_at, ends_at| links::RuleInput {
        segment_id: None,
        menu_id: event,
        priority: 5,
        starts_at,
        ends_at,
    };
    let err = links::add_rule(&t.db, &staff, &scope, channel_id, for_everyone(None, None))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("期間の始まりと終わり"), "{err}");
    // ... and within it puts everyone on the menu; after it, back on the default.
    let later = until + TimeDelta::hours(1);
    links::add_rule(
        &t.db,
        &staff,
        &scope,
        channel_id,
        for_everyone(Some(later), Some(later + TimeDelta::days(3))),
    )
    .await
    .unwrap();
    let done = links::reconcile(&t.db, &index, &*line.client, channel_id, later)
        .await
        .unwrap();
    assert_eq!(done.linked, 3);
    assert_eq!(line.seen_by(&users[2]).unwrap().0, ev);
    let (_, why) = links::seen_by(&t.db, channel_id, friend_ids[2])
        .await
        .unwrap();
    assert!(why.starts_with("期間の切り替え"), "{why}");
    let rules = links::rules(&t.db, &scope, channel_id).await.unwrap();
    assert_eq!(rules[0].segment_name, links::EVERYONE);
    let done = links::reconcile(
        &t.db,
        &index,
        &*line.client,
        channel_id,
        later + TimeDelta::days(4),
    )
    .await
    .unwrap();
    assert_eq!(done.unlinked, 3);
}

/// A menu with two tabs (くらし / 防災) is published as one: the 防災 tab first, each with its
/// alias (read back), the くらし tab as the default once both are on LINE; a friend's tap on
/// 「防災」 switches to that tab and a tap on 「くらし」 back. A switch to a tab that is not the
/// menu's is refused, and the first tab cannot be deleted before the others.
async fn a_menu_with_tabs_is_published_as_one_and_its_tabs_switch(t: TestDb) {
    use line::message::Action;
    use model::menu::tab_alias;

    let line = Line::start().await;
    let users = line.sandbox.seed_friends(CHANNEL, 1).unwrap();
    let (scope, channel_id, kurashi) = menu_ready(&t).await;
    let staff = as_user("sato");
    let bousai = designs::add_tab(&t.db, &staff, &scope, kurashi, "防災")
        .await
        .unwrap();
    assert_eq!(bousai.tab_of, Some(kurashi));
    let tabs = designs::tabs(&t.db, &scope, bousai.id).await.unwrap();
    assert_eq!(
        tabs.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["タブ1", "防災"]
    );
    assert!(
        designs::add_tab(&t.db, &staff, &scope, kurashi, "")
            .await
            .is_err()
    );
    let switch = |to: i64, label: &str| Action::RichMenuSwitch {
        label: Some(label.into()),
        rich_menu_alias_id: tab_alias(to),
        data: format!("tab={to}"),
    };
    let save = |id: i64, title: &str, design: MenuDesign| {
        let scope = scope.clone();
        let staff = staff.clone();
        let title = title.to_owned();
        let db = t.db.clone();
        async move {
            let department_id = designs::get(&db, &scope, id).await.unwrap().department_id;
            designs::update(
                &db,
                &staff,
                &scope,
                id,
                MenuInput {
                    department_id,
                    title,
                    design,
                },
            )
            .await
            .unwrap();
        }
    };
    let mut first = designs::get(&t.db, &scope, kurashi).await.unwrap().design;
    first.tab_name = "くらし".into();
    first.areas[5].action = switch(999, "防災");
    save(kurashi, "くらしのメニュー", first.clone()).await;
    designs::set_image(&t.db, &staff, &scope, bousai.id, flat_png(2500, 1686))
        .await
        .unwrap();
    let mut second = bousai.design.clone();
    second.areas[0].action = switch(kurashi, "くらし");
    save(bousai.id, &bousai.title, second).await;
    // A switch to a tab that is not this menu's.
    let err = publish::publish_default(&t.db, &staff, &scope, kurashi, channel_id)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("切り替え先のタブ"), "{err}");
    first.areas[5].action = switch(bousai.id, "防災");
    save(kurashi, "くらしのメニュー", first).await;

    let p = publish::publish_default(&t.db, &staff, &scope, bousai.id, channel_id)
        .await
        .unwrap();
    let now = Utc::now();
    // The first tab waits for the other; the other goes live for links; then the first.
    assert!(matches!(
        publish::advance(&t.db, &*line.client, p.id, 100, now)
            .await
            .unwrap(),
        Advance::WaitUntil(_)
    ));
    assert_eq!(
        line.seen_by(&users[0]),
        None,
        "nothing shown before both are there"
    );
    let pubs = publish::publications(&t.db, &scope, bousai.id)
        .await
        .unwrap();
    assert_eq!(
        publish::advance(&t.db, &*line.client, pubs[0].id, 100, now)
            .await
            .unwrap(),
        Advance::Live
    );
    assert_eq!(
        publish::advance(&t.db, &*line.client, p.id, 100, now)
            .await
            .unwrap(),
        Advance::Live
    );
    let (a, b) = (
        line_id_of(&t, kurashi).await,
        line_id_of(&t, bousai.id).await,
    );
    assert_eq!(
        line.sandbox.rich_menu_alias(CHANNEL, &tab_alias(kurashi)),
        Some(a.clone())
    );
    assert_eq!(
        line.sandbox.rich_menu_alias(CHANNEL, &tab_alias(bousai.id)),
        Some(b.clone())
    );
    assert_eq!(line.seen_by(&users[0]).unwrap().0, a);
    // Tapping 「防災」 shows the 防災 tab; 「くらし」 on it shows the first again.
    line.sandbox
        .tap_action(CHANNEL, &users[0], &switch(bousai.id, "防災"))
        .await
        .unwrap();
    assert_eq!(line.seen_by(&users[0]).unwrap().0, b);
    line.sandbox
        .tap_action(CHANNEL, &users[0], &switch(kurashi, "くらし"))
        .await
        .unwrap();
    assert_eq!(line.seen_by(&users[0]).unwrap().0, a);
    // Published again: the aliases move to the new menus.
    let p = publish::publish_default(&t.db, &staff, &scope, kurashi, channel_id)
        .await
        .unwrap();
    for publication in publish::publications(&t.db, &scope, bousai.id)
        .await
        .unwrap()
    {
        publish::advance(&t.db, &*line.client, publication.id, 100, now)
            .await
            .unwrap();
    }
    assert_eq!(
        publish::advance(&t.db, &*line.client, p.id, 100, now)
            .await
            .unwrap(),
        Advance::Live
    );
    let b2 = line_id_of(&t, bousai.id).await;
    assert_ne!(b2, b);
    assert_eq!(
        line.sandbox.rich_menu_alias(CHANNEL, &tab_alias(bousai.id)),
        Some(b2)
    );
    // The first tab goes last.
    assert!(
        designs::delete(&t.db, &staff, &scope, kurashi)
            .await
            .unwrap_err()
            .to_string()
            .contains("タブ")
    );
}

/// The rich menu migrations revert (their tables go, with a menu in them: the menus', then
/// what came after them: the delivery's menu and tabs, the statistics) and apply again.
async fn the_rich_menu_migration_reverts_and_applies_again(t: TestDb) {
    use migrations::{Migrator, MigratorTrait};
    let (scope, _, _) = menu_ready(&t).await;
    Migrator::down(&t.db, Some(3)).await.unwrap();
    assert!(
        designs::list(&t.db, &scope).await.is_err(),
        "the tables are gone"
    );
    Migrator::up(&t.db, None).await.unwrap();
    assert!(designs::list(&t.db, &scope).await.unwrap().is_empty());
    assert!(
        Migrator::get_pending_migrations(&t.db)
            .await
            .unwrap()
            .is_empty()
    );
}

/// The LINE menu id of publish `id`.
async fn line_id_of_publish(t: &TestDb, id: i64) -> String {
    domain::entities::line_rich_menu::Entity::find_by_id(id)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap()
        .line_id
        .unwrap()
}

/// `friends` open the menu and tap area `area`.
async fn tap(line: &Line, menu: &str, friends: &[String], area: usize) {
    for friend in friends {
        line.sandbox.open_rich_menu(CHANNEL, friend, menu);
        // The tap is counted before its action is performed (a message, with no webhook here).
        let _ = line
            .sandbox
            .tap_rich_menu_area(CHANNEL, friend, menu, area)
            .await;
    }
}

async fn stats_rows(t: &TestDb) -> Vec<domain::entities::rich_menu_statistics::Model> {
    domain::entities::rich_menu_statistics::Entity::find()
        .all(&t.db)
        .await
        .unwrap()
}

/// Menu statistics: fetched per published menu and period from LINE (the sandbox, counting
/// simulated friends' taps), within the insight budget deliveries use too; under LINE's
/// threshold stored as null, never 0; final once LINE has deleted a replaced menu.
async fn menu_statistics_share_the_insight_budget_and_keep_lines_threshold(t: TestDb) {
    use domain::delivery::engine::OneMessenger;
    use domain::delivery::statistics as delivery_stats;
    use domain::menus::statistics::{self, Period};
    let line = Line::start().await;
    let friends = line.sandbox.seed_friends(CHANNEL, 25).unwrap();
    let (scope, channel_id, menu_id) = menu_ready(&t).await;
    let staff = as_user("sato");
    let source = OneMessenger(line.client.clone());
    // Nothing published: nothing to fetch, nothing shown.
    let now = Utc::now();
    assert_eq!(
        statistics::fetch_due(&t.db, &source, 60, now)
            .await
            .unwrap(),
        Default::default()
    );
    assert!(
        statistics::shown(&t.db, &scope, menu_id)
            .await
            .unwrap()
            .is_empty()
    );

    let first = publish::publish_default(&t.db, &staff, &scope, menu_id, channel_id)
        .await
        .unwrap();
    publish::advance(&t.db, &*line.client, first.id, 100, now)
        .await
        .unwrap();
    let v1 = line_id_of_publish(&t, first.id).await;
    tap(&line, &v1, &friends[..5], 0).await;

    // Deliveries spent the hour's insight calls: menu statistics wait.
    for _ in 0..60 {
        delivery_stats::reserve_call(&t.db, channel_id, delivery_stats::ENDPOINT, 60, now)
            .await
            .unwrap();
    }
    let waited = statistics::fetch_due(&t.db, &source, 60, now)
        .await
        .unwrap();
    assert_eq!((waited.updated, waited.deferred), (0, 3));
    assert!(stats_rows(&t).await.iter().all(|r| r.fetched_at.is_none()));
    // An hour later the calls are free again; menus take at most two thirds of the hour and
    // leave the rest to deliveries.
    let later = now + TimeDelta::minutes(61);
    for _ in 0..38 {
        delivery_stats::reserve_call(&t.db, channel_id, delivery_stats::ENDPOINT, 60, later)
            .await
            .unwrap();
    }
    let partly = statistics::fetch_due(&t.db, &source, 60, later)
        .await
        .unwrap();
    assert_eq!((partly.updated, partly.deferred), (2, 1));
    assert_eq!(
        delivery_stats::reserve_call(&t.db, channel_id, delivery_stats::ENDPOINT, 60, later)
            .await
            .unwrap(),
        delivery_stats::Reserved::Yes,
        "deliveries still have calls"
    );
    let rest = now + TimeDelta::minutes(125);
    let done = statistics::fetch_due(&t.db, &source, 60, rest)
        .await
        .unwrap();
    assert_eq!((done.updated, done.deferred), (1, 0));
    // Five friends tapped: under LINE's threshold, stored as null (shown 「20未満」).
    let rows = stats_rows(&t).await;
    assert_eq!(rows.len(), 3);
    for row in &rows {
        assert!(row.below_threshold, "{row:?}");
        assert_eq!(
            (row.impressions, row.impression_users, row.clicks.as_deref()),
            (None, None, None)
        );
        assert!(row.next_fetch_at.unwrap() > rest);
    }
    let shown = statistics::shown(&t.db, &scope, menu_id).await.unwrap();
    assert_eq!(shown.len(), 1);
    let week = statistics::figures(&t.db, shown[0].clone(), Period::Week, rest)
        .await
        .unwrap();
    assert!(week.below_threshold);
    assert_eq!(week.areas.len(), 6);
    assert!(week.areas.iter().all(|a| a.taps.is_none()));
    // Not due again before the next morning.
    assert_eq!(
        statistics::fetch_due(&t.db, &source, 60, rest)
            .await
            .unwrap(),
        Default::default()
    );

    // Twenty more friends: LINE's figures, per area by its bounds.
    tap(&line, &v1, &friends[5..], 1).await;
    let morning = rows.iter().filter_map(|r| r.next_fetch_at).max().unwrap();
    let fetched = statistics::fetch_due(&t.db, &source, 60, morning)
        .await
        .unwrap();
    assert_eq!(fetched.updated, 3);
    let week = statistics::figures(&t.db, shown[0].clone(), Period::Week, morning)
        .await
        .unwrap();
    assert!(!week.below_threshold);
    assert_eq!(week.impressions, Some(25));
    assert_eq!(week.impression_users, Some(25));
    assert_eq!(
        week.areas.iter().map(|a| a.taps).collect::<Vec<_>>(),
        [Some(5), Some(20), Some(0), Some(0), Some(0), Some(0)]
    );
    assert_eq!(week.areas[1].tap_users, Some(20));
    assert!(!week.areas[1].label.is_empty());
    assert_eq!(week.fetched_at, Some(morning));

    // A new version replaces it: the old one is fetched once more, then, deleted at LINE,
    // its figures are final.
    let mut menu = designs::get(&t.db, &scope, menu_id).await.unwrap();
    menu.design.chat_bar_text = "市のメニュー".into();
    designs::update(
        &t.db,
        &staff,
        &scope,
        menu_id,
        MenuInput {
            department_id: menu.department_id,
            title: menu.title.clone(),
            design: menu.design.clone(),
        },
    )
    .await
    .unwrap();
    let second = publish::publish_default(&t.db, &staff, &scope, menu_id, channel_id)
        .await
        .unwrap();
    let replaced = morning + TimeDelta::minutes(1);
    publish::advance(&t.db, &*line.client, second.id, 100, replaced)
        .await
        .unwrap();
    let again = statistics::fetch_due(&t.db, &source, 60, replaced + TimeDelta::minutes(5))
        .await
        .unwrap();
    // v1's three once more, v2's three for the first time.
    assert_eq!(again.updated, 6);
    let clients = |_: i64| Some(line.client.clone());
    let gone = replaced + publish::RETIRE_GRACE + TimeDelta::minutes(1);
    assert_eq!(
        publish::clean_up(&t.db, clients, 100, gone).await.unwrap(),
        1
    );
    let next_day = replaced + TimeDelta::days(1);
    statistics::fetch_due(&t.db, &source, 60, next_day)
        .await
        .unwrap();
    let shown = statistics::shown(&t.db, &scope, menu_id).await.unwrap();
    assert_eq!(
        shown.iter().map(|s| s.version_number).collect::<Vec<_>>(),
        [2, 1]
    );
    let old = statistics::figures(&t.db, shown[1].clone(), Period::Live, next_day)
        .await
        .unwrap();
    assert!(old.is_final);
    assert_eq!(old.impressions, Some(25));
    assert!(old.menu.ended_at.is_some());
    let current = statistics::figures(&t.db, shown[0].clone(), Period::Live, next_day)
        .await
        .unwrap();
    assert!(!current.is_final);
    assert!(current.below_threshold, "nobody tapped the new one");
}

/// URL areas are published through our click redirect, so their taps are counted by us (per
/// area, over the page's period) whatever LINE's threshold; other areas are sent as they are.
async fn url_areas_are_published_through_the_click_redirect_and_counted(t: TestDb) {
    use domain::delivery::links;
    use domain::menus::statistics::{self, Period};
    let line = Line::start().await;
    let (scope, channel_id, menu_id) = menu_ready(&t).await;
    let staff = as_user("sato");
    let mut menu = designs::get(&t.db, &scope, menu_id).await.unwrap();
    menu.design.areas[0].action = line::message::Action::Uri {
        label: Some("ごみの出し方".into()),
        uri: "https://city.example.jp/gomi".into(),
        alt_uri: None,
    };
    // A LIFF link opens in the LIFF browser only as it is: never redirected.
    menu.design.areas[1].action = line::message::Action::Uri {
        label: Some("アンケート".into()),
        uri: "https://liff.line.me/1650000000-abcdefgh".into(),
        alt_uri: None,
    };
    designs::update(
        &t.db,
        &staff,
        &scope,
        menu_id,
        MenuInput {
            department_id: menu.department_id,
            title: menu.title.clone(),
            design: menu.design.clone(),
        },
    )
    .await
    .unwrap();
    let published = publish::publish_default(&t.db, &staff, &scope, menu_id, channel_id)
        .await
        .unwrap();
    let now = Utc::now();
    // LINE is down at the create: tried again, the area keeps its code (one tracked link).
    line.arm(Step::Create, Trouble::Down);
    assert!(
        publish::advance_tracked(
            &t.db,
            &*line.client,
            published.id,
            100,
            Some("https://machi.example.jp/"),
            now
        )
        .await
        .is_err()
    );
    publish::advance_tracked(
        &t.db,
        &*line.client,
        published.id,
        100,
        Some("https://machi.example.jp"),
        now,
    )
    .await
    .unwrap();
    let at_line = line
        .client
        .get_rich_menu(&line_id_of_publish(&t, published.id).await)
        .await
        .unwrap();
    let uri = |i: usize| match &at_line.areas[i].action {
        line::message::Action::Uri { uri, .. } => uri.clone(),
        other => panic!("{other:?}"),
    };
    let tracked = uri(0);
    let code = tracked
        .strip_prefix("https://machi.example.jp/r/")
        .unwrap_or_else(|| panic!("{tracked}"));
    assert_eq!(uri(1), "https://liff.line.me/1650000000-abcdefgh");
    assert!(matches!(
        at_line.areas[2].action,
        line::message::Action::Message { .. }
    ));
    let link = links::resolve(&t.db, code).await.unwrap().unwrap();
    assert_eq!(link.url, "https://city.example.jp/gomi");
    assert_eq!(
        domain::entities::tracked_link::Entity::find()
            .all(&t.db)
            .await
            .unwrap()
            .len(),
        1
    );
    // Three taps today, one eight days ago (outside the last 7 days).
    let click = |at| links::Click {
        link_id: link.link_id,
        friend_id: None,
        at,
    };
    links::record_clicks(
        &t.db,
        &[
            click(now),
            click(now),
            click(now),
            click(now - TimeDelta::days(8)),
        ],
    )
    .await
    .unwrap();
    let shown = statistics::shown(&t.db, &scope, menu_id).await.unwrap();
    let week = statistics::figures(&t.db, shown[0].clone(), Period::Week, now)
        .await
        .unwrap();
    assert_eq!(
        week.areas.iter().map(|a| a.our_clicks).collect::<Vec<_>>(),
        [Some(3), None, None, None, None, None]
    );
    assert_eq!(
        week.areas[0].url.as_deref(),
        Some("https://city.example.jp/gomi")
    );
    // LINE has no figures yet (nothing fetched).
    assert_eq!(week.areas[0].taps, None);
    assert!(!week.below_threshold);
}

db_tests!(
    publishing_makes_the_menu_the_default_and_deletes_the_old_one_after_a_grace,
    a_publish_interrupted_at_any_step_resumes_and_citizens_always_see_a_menu,
    the_hourly_create_limit_makes_a_publish_wait_then_finish,
    menus_are_per_department_and_unpublishable_ones_say_why,
    rules_and_the_emergency_switch_keep_every_friend_on_the_right_menu,
    a_deliverys_menu_reaches_its_recipients_until_its_time,
    a_menu_with_tabs_is_published_as_one_and_its_tabs_switch,
    the_rich_menu_migration_reverts_and_applies_again,
    menu_statistics_share_the_insight_budget_and_keep_lines_threshold,
    url_areas_are_published_through_the_click_redirect_and_counted,
);

/// Images: any photo ends within LINE's 1 MB at the menu's exact size; drawn menus stay PNG.
#[test]
fn images_are_fitted_to_the_menu_within_lines_limit() {
    use domain::messaging::media::fit_rich_menu_image;
    // A 4000×3000 noisy photo, over 5 MB: cropped to 2500×1686 and under 1,000,000 bytes.
    let photo = noisy_jpeg(3000, 2000, 97);
    assert!(
        (5_000_000..10_000_000).contains(&photo.len()),
        "{}",
        photo.len()
    );
    let fitted = fit_rich_menu_image(&photo, 2500, 1686).unwrap();
    assert_eq!(fitted.content_type, "image/jpeg");
    assert!(fitted.data.len() <= 1_000_000, "{}", fitted.data.len());
    assert!(
        fitted.data.len() > 300_000,
        "the best quality within the limit, not the least"
    );
    assert_eq!(image::load_from_memory(&fitted.data).unwrap().width(), 2500);
    assert_eq!(
        image::load_from_memory(&fitted.data).unwrap().height(),
        1686
    );
    assert_eq!((fitted.source_size, fitted.enlarged), ((3000, 2000), false));
    // A small photo is enlarged, and says so.
    let small = fit_rich_menu_image(&noisy_jpeg(640, 480, 80), 2500, 843).unwrap();
    assert!(small.enlarged);
    assert_eq!(image::load_from_memory(&small.data).unwrap().height(), 843);
    // A drawn PNG stays PNG (sharp text).
    let drawn = fit_rich_menu_image(&flat_png(2500, 1686), 2500, 1686).unwrap();
    assert_eq!(drawn.content_type, "image/png");
    // Not an image.
    let err = fit_rich_menu_image(b"%PDF-1.4 not an image", 2500, 1686).unwrap_err();
    assert!(err.to_string().contains("JPEG か PNG"), "{err}");
}

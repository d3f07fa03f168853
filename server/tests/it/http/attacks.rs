//! IPA 「安全なウェブサイトの作り方」: each test tries an attack and checks that it fails.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use domain::security::audit::Actor;
use domain::testing::TestDb;

use crate::support::*;

/// XSS and clickjacking: admin pages carry a strict Content-Security-Policy whose script nonce is
/// new on every response and present on every inline script Leptos writes; other responses load
/// nothing; the panel cannot be framed; HSTS only under https.
#[tokio::test]
async fn pages_send_a_strict_content_security_policy_with_a_fresh_nonce() {
    let t = TestDb::sqlite().await;
    let c = client(&t).await;
    let nonce_of = |reply: &Reply| {
        let csp = reply.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"),
            "{csp}"
        );
        // Inline script never runs; only `style` attributes (the LINE preview's) are allowed.
        let directive = |name: &str| {
            csp.split(';')
                .map(str::trim)
                .find(|d| d.split(' ').next() == Some(name))
                .unwrap_or_default()
                .to_owned()
        };
        assert!(!directive("script-src").contains("unsafe-inline"), "{csp}");
        assert_eq!(directive("style-src"), "style-src 'self'", "{csp}");
        assert_eq!(
            directive("style-src-attr"),
            "style-src-attr 'unsafe-inline'",
            "{csp}"
        );
        assert_eq!(csp.matches("unsafe-inline").count(), 1, "{csp}");
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|r| r.split('\'').next())
            .unwrap()
            .to_owned();
        assert!(nonce.len() >= 16, "{csp}");
        nonce
    };
    let first = c.get("/admin/login", None).await;
    let second = c.get("/admin/login", None).await;
    let nonce = nonce_of(&first);
    assert_ne!(nonce, nonce_of(&second), "a nonce is used once");
    let scripts = first.body.matches("<script").count();
    assert!(scripts >= 1, "{}", first.body);
    assert_eq!(
        first.body.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "every script has the nonce"
    );
    assert_eq!(first.headers[header::X_FRAME_OPTIONS], "DENY");
    assert!(
        !first
            .headers
            .contains_key(header::STRICT_TRANSPORT_SECURITY),
        "no HSTS over http"
    );

    let health = c.get("/healthz", None).await;
    assert!(
        health.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    let https = client_from(
        &t,
        &[("PUBLIC_URL", "https://line.city.example.jp")],
        LOOPBACK,
    )
    .await;
    let secure = https.get("/healthz", None).await;
    assert_eq!(
        secure.headers[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000"
    );
}

/// XSS: what staff type is escaped wherever it is shown, and links in LINE messages are limited
/// to LINE's schemes (no `javascript:`).
#[tokio::test]
async fn markup_typed_by_staff_is_shown_as_text() {
    use model::access::Scope;
    let t = TestDb::sqlite().await;
    create_admin(&t, "admin1").await;
    let soumu = domain::staff::departments::create(&t.db, &Actor::command_line(), "<b>総務課</b>")
        .await
        .unwrap();
    // `</textarea>` first: a textarea's content must not be able to end the element.
    let attack = "</textarea><script>alert(1)</script><img src=x onerror=alert(2)>";
    let input = domain::messaging::templates::TemplateInput {
        department_id: soumu.id,
        title: attack.into(),
        messages: domain::messaging::templates::compose(attack, "").unwrap(),
    };
    let saved =
        domain::messaging::templates::create(&t.db, &Actor::command_line(), &Scope::All, input)
            .await
            .unwrap();
    let c = client(&t).await;
    let admin = c.signed_in("admin1").await;
    for page in [
        format!("/admin/templates/{}", saved.id),
        "/admin/templates".into(),
        "/admin/staff/departments".into(),
    ] {
        let reply = c.get(&page, Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::OK, "{page}");
        assert!(
            !reply.body.contains("<script>alert(1)"),
            "{page}: raw markup in the page"
        );
        assert!(!reply.body.contains("<img src=x"), "{page}");
        assert!(!reply.body.contains("<b>総務課</b>"), "{page}");
    }
    let page = c
        .get(&format!("/admin/templates/{}", saved.id), Some(&admin))
        .await;
    assert!(
        page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "shown as text"
    );

    let link = r#"[{"type":"template","altText":"x","template":{"type":"buttons","text":"x","actions":[{"type":"uri","label":"x","uri":"javascript:alert(1)"}]}}]"#;
    let err = domain::messaging::templates::compose("", link)
        .unwrap_err()
        .to_string();
    assert!(err.contains("https://"), "{err}");
}

/// HTTP header injection: CR/LF in anything that could reach a header is dropped or refused.
#[tokio::test]
async fn line_breaks_never_reach_a_response_header() {
    let t = TestDb::sqlite().await;
    create_admin(&t, "admin1").await;
    let c = client(&t).await;
    let form = format!(
        "username=admin1&password={}&next={}",
        urlencode(PASSWORD),
        urlencode("/admin\r\nSet-Cookie: evil=1")
    );
    let reply = c.post_form(login_path(), &form, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let all: Vec<String> = reply
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("")))
        .collect();
    assert!(all.iter().all(|h| !h.contains("evil")), "{all:?}");
    let injected = Request::get("/healthz")
        .header("x-request-id", "a%0d%0aSet-Cookie:%20evil=1")
        .body(Body::empty())
        .unwrap();
    let reply = c.send(injected).await;
    assert!(reply.headers.get("set-cookie").is_none());
    assert_ne!(
        reply.headers["x-request-id"], "a%0d%0aSet-Cookie:%20evil=1",
        "odd request ids are replaced"
    );
}

/// Path traversal: no request path reaches a file outside the site's directory.
#[tokio::test]
async fn paths_cannot_climb_out_of_the_site_directory() {
    let t = TestDb::sqlite().await;
    let outer = tempfile::tempdir().unwrap();
    std::fs::write(outer.path().join("secret.txt"), "TOP-SECRET").unwrap();
    let site = outer.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg").join("app.js"), "console.log(1)").unwrap();
    let c = client_from(&t, &[("SITE_ROOT", site.to_str().unwrap())], LOOPBACK).await;
    assert_eq!(
        c.get("/pkg/app.js", None).await.body,
        "console.log(1)",
        "assets are served"
    );
    for path in [
        "/pkg/../../secret.txt",
        "/pkg/..%2f..%2fsecret.txt",
        "/%2e%2e/secret.txt",
        "/pkg/%2e%2e/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "/pkg/....//....//secret.txt",
    ] {
        let reply = c.get(path, None).await;
        assert!(
            !reply.body.contains("TOP-SECRET"),
            "{path}: {}",
            reply.status
        );
    }
}

/// OS command injection, mail header injection and buffer overflow, by construction: no crate of
/// ours starts processes or sends mail, and each takes the workspace's lints, which forbid
/// `unsafe` (a `forbid` that no crate or module can lift).
#[test]
fn our_crates_run_no_commands_send_no_mail_and_forbid_unsafe() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    let crates = [
        "app",
        "domain",
        "frontend",
        "line",
        "migrations",
        "model",
        "sandbox",
        "server",
    ];
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(
        workspace.contains("[workspace.lints.rust]\nunsafe_code = \"forbid\""),
        "the workspace forbids unsafe code"
    );
    let mut crates_checked = 0;
    for krate in crates {
        let mut stack = vec![root.join(krate).join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for banned in [
                    "process::Command",
                    "Command::new(",
                    "unsafe {",
                    "unsafe fn",
                    "lettre",
                    "smtp",
                ] {
                    assert!(
                        !text.contains(banned),
                        "{} contains {banned}",
                        path.display()
                    );
                }
            }
        }
        let manifest = std::fs::read_to_string(root.join(krate).join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains("[lints]\nworkspace = true"),
            "{krate} takes the workspace lints"
        );
        crates_checked += 1;
    }
    assert_eq!(crates_checked, crates.len());
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
    for mailer in [
        "name = \"lettre\"",
        "name = \"mail-send\"",
        "name = \"async-smtp\"",
    ] {
        assert!(!lock.contains(mailer), "{mailer}");
    }
}

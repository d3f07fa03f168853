//! HTTP-level pieces of staff authentication shared by the server functions (in this crate) and
//! the server's middleware: the session cookie, the post-sign-in redirect target, and the
//! loopback check of the first-run setup page.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use http::{Extensions, HeaderMap};

/// The Content-Security-Policy of every admin page. Scripts run only from our origin or with this
/// response's nonce (Leptos puts it on its inline hydration scripts), so injected markup cannot
/// run script even if escaping failed somewhere; `'wasm-unsafe-eval'` lets the WASM bundle
/// compile. Style sheets come only from our origin; `style` attributes are allowed
/// (`style-src-attr 'unsafe-inline'`) because the LINE preview places Flex values and imagemap
/// areas with them (values it parses and rebuilds, never text copied from a message). An
/// attribute style cannot run script. No event-handler attributes are used, so none are
/// allowed.
pub fn page_content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data: https:; \
         connect-src 'self'; \
         frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    )
}

/// Cookie attributes, fixed at start-up from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct CookieSettings {
    /// True when the public URL is https: the cookie gets `Secure` and the `__Host-` prefix
    /// (which also stops a sibling subdomain from planting one).
    pub secure: bool,
}

const PLAIN_NAME: &str = "machidayori_session";
const HOST_NAME: &str = "__Host-machidayori_session";

impl CookieSettings {
    pub fn name(self) -> &'static str {
        if self.secure { HOST_NAME } else { PLAIN_NAME }
    }

    /// A browser-session cookie (no Max-Age: closing the browser drops it; the server enforces
    /// the idle and absolute limits either way).
    pub fn session_cookie(self, token: &str) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{}={token}; Path=/; HttpOnly; SameSite=Strict{secure}",
            self.name()
        )
    }

    pub fn clearing_cookie(self) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}",
            self.name()
        )
    }

    /// The session token from the request's cookies. Only this configuration's cookie name
    /// counts: under https a plain-named cookie planted over http or by a sibling subdomain is
    /// ignored, which is the point of the `__Host-` prefix.
    pub fn session_token(self, headers: &HeaderMap) -> Option<String> {
        let name = self.name();
        headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, value)| value.trim().to_owned())
            .filter(|v| !v.is_empty())
    }
}

/// Where to go after signing in: the page that asked for it if it is one of ours under
/// `/admin`, otherwise the dashboard. Anything else (other sites, `//host`, `/\host`) is an
/// open-redirect attempt and ignored.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if (n == "/admin" || n.starts_with("/admin/") || n.starts_with("/admin?"))
                && !n.contains("//")
                && !n.contains('\\')
                && !n.starts_with("/admin/login")
                && n.chars().all(|c| !c.is_control()) =>
        {
            n.to_owned()
        }
        _ => "/admin".to_owned(),
    }
}

/// The address of the client that sent the request, resolved once by the server's access
/// middleware: the socket peer, or the address a trusted reverse proxy forwarded. Login history,
/// the audit log and the access log record it; the admin IP allowlist checks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The request's client address, when the middleware resolved one (it always does for
    /// requests that came in over TCP).
    pub fn of(extensions: &Extensions) -> Option<IpAddr> {
        extensions.get::<ClientAddr>().map(|c| c.0)
    }
}

/// True when the TCP peer is on this machine and no proxy header claims otherwise. A reverse
/// proxy on the same host connects from loopback too, so any forwarding header disqualifies.
pub fn is_direct_loopback(headers: &HeaderMap, extensions: &Extensions) -> bool {
    let proxied = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| headers.contains_key(*h));
    let peer = extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    !proxied && peer.is_some_and(|p| p.ip().is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_only_allows_our_admin_pages() {
        assert_eq!(safe_next(Some("/admin/friends")), "/admin/friends");
        assert_eq!(safe_next(Some("/admin")), "/admin");
        assert_eq!(safe_next(Some("/admin?tab=1")), "/admin?tab=1");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/admin//evil",
            "/\\evil",
            "/adminx",
            "/admin/login",
            "/",
            "",
            "/admin/\r\nSet-Cookie:x",
        ] {
            assert_eq!(safe_next(Some(bad)), "/admin", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/admin");
    }

    #[test]
    fn cookie_attributes_follow_the_scheme() {
        let plain = CookieSettings { secure: false }.session_cookie("t");
        assert_eq!(
            plain,
            "machidayori_session=t; Path=/; HttpOnly; SameSite=Strict"
        );
        let secure = CookieSettings { secure: true }.session_cookie("t");
        assert_eq!(
            secure,
            "__Host-machidayori_session=t; Path=/; HttpOnly; SameSite=Strict; Secure"
        );
        assert!(
            CookieSettings { secure: false }
                .clearing_cookie()
                .contains("Max-Age=0")
        );
    }

    #[test]
    fn token_is_read_from_the_configured_cookie_only() {
        let plain = CookieSettings { secure: false };
        let secure = CookieSettings { secure: true };
        let cookies = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(http::header::COOKIE, v.parse().unwrap());
            h
        };
        let h = cookies("a=1; machidayori_session=abc ; b=2");
        assert_eq!(plain.session_token(&h).as_deref(), Some("abc"));
        // Cookie tossing: a plain-named cookie is not a session under https.
        assert_eq!(secure.session_token(&h), None);
        let h = cookies("machidayori_session=planted; __Host-machidayori_session=real");
        assert_eq!(secure.session_token(&h).as_deref(), Some("real"));
        assert_eq!(plain.session_token(&cookies("machidayori_session=")), None);
    }
}

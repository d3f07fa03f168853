//! The client's address, resolved once per request: the socket peer, or the address a trusted
//! reverse proxy forwarded. Login history, the audit log and the access log record it; the admin
//! IP allowlist checks it.

use std::net::{IpAddr, SocketAddr};

use app::ssr::http::ClientAddr;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// Puts the client's address into the request ([`ClientAddr`]) for everything after: the
/// allowlist, server functions, the logs.
pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let client = client_addr(peer.ip(), req.headers(), &state.trusted_proxies);
        req.extensions_mut().insert(ClientAddr(client));
    }
    next.run(req).await
}

/// The client of a request from `peer`: the peer itself, unless it is a trusted proxy; then the
/// `X-Forwarded-For` entries are walked from the right (the entry the proxy itself added) past
/// further trusted proxies, and the first other address is the client. A malformed header is
/// ignored whole: the peer is used, and nothing a client wrote is trusted.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    if !domain::security::allowlist::contains(trusted, peer) {
        return peer;
    }
    let mut forwarded = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let Ok(value) = value.to_str() else {
            return peer;
        };
        for item in value.split(',') {
            let item = item.trim();
            let item = item
                .strip_prefix('[')
                .and_then(|i| i.strip_suffix(']'))
                .unwrap_or(item);
            match item.parse::<IpAddr>() {
                Ok(ip) => forwarded.push(ip.to_canonical()),
                Err(_) => return peer,
            }
        }
    }
    let mut client = peer;
    for ip in forwarded.into_iter().rev() {
        client = ip;
        if !domain::security::allowlist::contains(trusted, ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let trusted = domain::security::allowlist::parse_network_list("127.0.0.1,10.0.0.0/8")
            .unwrap_or_default();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap_or_else(|_| panic!("{s}"));
        let xff = |values: &[&'static str]| {
            let mut h = HeaderMap::new();
            for v in values {
                h.append("x-forwarded-for", HeaderValue::from_static(v));
            }
            h
        };
        let resolve = |peer: &str, h: &HeaderMap| client_addr(ip(peer), h, &trusted).to_string();
        // From a trusted proxy: the right-most address that is not a proxy.
        assert_eq!(resolve("127.0.0.1", &xff(&["203.0.113.7"])), "203.0.113.7");
        assert_eq!(
            resolve("127.0.0.1", &xff(&["198.51.100.1, 203.0.113.7, 10.1.2.3"])),
            "203.0.113.7"
        );
        assert_eq!(
            resolve("127.0.0.1", &xff(&["198.51.100.1", "203.0.113.7"])),
            "203.0.113.7"
        );
        assert_eq!(
            resolve("::ffff:127.0.0.1", &xff(&["[2001:db8::1]"])),
            "2001:db8::1"
        );
        assert_eq!(
            resolve("127.0.0.1", &xff(&["::ffff:203.0.113.7"])),
            "203.0.113.7"
        );
        // Only proxies in the chain: the first of them.
        assert_eq!(
            resolve("127.0.0.1", &xff(&["10.0.0.5, 10.0.0.6"])),
            "10.0.0.5"
        );
        // No header, or a malformed one: the peer.
        assert_eq!(resolve("127.0.0.1", &xff(&[])), "127.0.0.1");
        assert_eq!(
            resolve("127.0.0.1", &xff(&["203.0.113.7, evil"])),
            "127.0.0.1"
        );
        assert_eq!(
            resolve("127.0.0.1", &xff(&["203.0.113.7:443"])),
            "127.0.0.1"
        );
        // From anyone else the header is ignored.
        assert_eq!(resolve("192.0.2.9", &xff(&["10.0.0.1"])), "192.0.2.9");
        assert_eq!(resolve("::ffff:192.0.2.9", &xff(&[])), "192.0.2.9");
    }
}

//! Trusted proxies: whose `X-Forwarded-For`, `X-Forwarded-Host`, `X-Forwarded-Proto` and
//! `Forwarded` headers count (one setting, `--trusted-proxies`, for all of them).
//!
//! A request whose direct peer is not a trusted proxy has these headers removed before
//! anything reads them, so the UI's same-origin check and the session cookie's `Secure`
//! decision see only what the client itself could not forge. The client's address (for
//! audit entries and token trusted-IP checks) is the socket's peer, or, behind trusted
//! proxies, the rightmost address of `X-Forwarded-For` (else `Forwarded: for=`) that is
//! not itself a trusted proxy: every proxy appends the peer it saw, so entries to the
//! left of the first untrusted one could have been written by anyone.

use crate::auth::ClientAddr;
use crate::auth::trusted_ips::TrustedIp;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};

/// The headers only a trusted proxy may set.
const FORWARDED_HEADERS: [&str; 4] = ["forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto"];

fn trusted(ip: IpAddr, proxies: &[TrustedIp]) -> bool {
    proxies.iter().any(|p| p.contains(ip))
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:80`,
/// possibly quoted (`Forwarded`). `unknown` and obfuscated names are not addresses.
fn parse_hop(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim().trim_matches('"');
    raw.parse::<IpAddr>()
        .ok()
        .or_else(|| raw.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| raw.strip_prefix('[').and_then(|r| r.strip_suffix(']')).and_then(|r| r.parse::<IpAddr>().ok()))
}

/// The hops a request passed through, nearest last: `X-Forwarded-For`, or, without it,
/// the `for=` parameters of `Forwarded`. An entry that is not an address is `None`.
fn hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).map(str::to_string).collect()
    };
    let xff = values("x-forwarded-for");
    if !xff.is_empty() {
        return xff.iter().flat_map(|v| v.split(',')).map(parse_hop).collect();
    }
    values("forwarded")
        .iter()
        .flat_map(|v| v.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                k.trim().eq_ignore_ascii_case("for").then(|| parse_hop(v))
            })
        })
        .collect()
}

/// The client's address: the peer itself unless it is a trusted proxy; then, walking the
/// forwarded hops from the nearest, the first address that is not a trusted proxy (or the
/// farthest readable one when all are). An unreadable hop stops the walk.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, proxies: &[TrustedIp]) -> IpAddr {
    if !trusted(peer, proxies) {
        return peer;
    }
    let mut client = peer;
    for hop in hops(headers).into_iter().rev() {
        let Some(ip) = hop else { break };
        client = ip;
        if !trusted(ip, proxies) {
            break;
        }
    }
    client
}

/// Middleware on every route: drops forwarded headers sent by an untrusted peer and
/// records the client's address as [`ClientAddr`].
pub async fn trust_proxies(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let proxies = &state.settings.edge.trusted_proxies;
    if let Some(peer) = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) {
        let client = client_addr(peer, req.headers(), proxies);
        if !trusted(peer, proxies) {
            for name in FORWARDED_HEADERS {
                req.headers_mut().remove(name);
            }
        }
        req.extensions_mut().insert(ClientAddr(client));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().expect("header"));
        }
        h
    }

    #[test]
    fn the_client_is_the_rightmost_address_no_trusted_proxy_wrote() {
        let proxies: Vec<TrustedIp> =
            ["10.0.0.0/8", "127.0.0.1"].iter().map(|s| TrustedIp::parse(s).expect("cidr")).collect();
        for (peer, pairs, client, why) in [
            ("203.0.113.9", vec![("x-forwarded-for", "1.1.1.1")], "203.0.113.9", "untrusted peer: its own address"),
            ("10.1.1.1", vec![], "10.1.1.1", "trusted peer without headers"),
            ("10.1.1.1", vec![("x-forwarded-for", "198.51.100.7")], "198.51.100.7", "one proxy"),
            (
                "10.1.1.1",
                vec![("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.2.2.2")],
                "198.51.100.7",
                "a forged entry left of the real client is skipped",
            ),
            (
                "10.1.1.1",
                vec![("x-forwarded-for", "6.6.6.6"), ("x-forwarded-for", "198.51.100.7")],
                "198.51.100.7",
                "several header lines read as one list",
            ),
            ("10.1.1.1", vec![("x-forwarded-for", "10.3.3.3, 10.2.2.2")], "10.3.3.3", "all hops trusted: the farthest"),
            ("10.1.1.1", vec![("x-forwarded-for", "6.6.6.6, garbage")], "10.1.1.1", "unreadable hop stops the walk"),
            ("10.1.1.1", vec![("x-forwarded-for", "198.51.100.7:4711")], "198.51.100.7", "address with port"),
            (
                "10.1.1.1",
                vec![("forwarded", "for=6.6.6.6;proto=https, for=\"[2001:db8::1]:4711\";by=10.1.1.1")],
                "2001:db8::1",
                "Forwarded when there is no X-Forwarded-For",
            ),
            ("10.1.1.1", vec![("forwarded", "for=unknown")], "10.1.1.1", "Forwarded's unknown is no address"),
        ] {
            assert_eq!(client_addr(ip(peer), &headers(&pairs), &proxies), ip(client), "{why}");
        }
        assert_eq!(client_addr(ip("10.1.1.1"), &headers(&[("x-forwarded-for", "1.1.1.1")]), &[]), ip("10.1.1.1"));
    }
}

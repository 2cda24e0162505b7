//! The client address used for rate limits: the socket peer, or — only when
//! `SANDPIT_TRUST_PROXY=1` — the last hop of `X-Forwarded-For`, which is the
//! address our own reverse proxy saw. Earlier hops are client-supplied and
//! never trusted.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::error::ApiError;
use crate::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(ClientIp(resolve(
            peer,
            &parts.headers,
            state.config.trust_proxy,
        )))
    }
}

fn resolve(peer: Option<IpAddr>, headers: &HeaderMap, trust_proxy: bool) -> IpAddr {
    if trust_proxy {
        if let Some(ip) = last_forwarded_hop(headers) {
            return ip;
        }
    }
    // Without connection info (in-process tests) every request is one client.
    peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

fn last_forwarded_hop(headers: &HeaderMap) -> Option<IpAddr> {
    let last_header = headers.get_all("x-forwarded-for").iter().next_back()?;
    let last_hop = last_header.to_str().ok()?.rsplit(',').next()?.trim();
    last_hop
        .parse::<IpAddr>()
        .ok()
        .or_else(|| last_hop.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_used_only_when_trusted_and_only_its_last_hop() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "1.1.1.1, 2.2.2.2".parse().unwrap());
        let peer = Some("9.9.9.9".parse().unwrap());
        assert_eq!(
            resolve(peer, &headers, false),
            "9.9.9.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            resolve(peer, &headers, true),
            "2.2.2.2".parse::<IpAddr>().unwrap()
        );
        headers.insert("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(
            resolve(peer, &headers, true),
            "9.9.9.9".parse::<IpAddr>().unwrap()
        );
    }
}

//! Trusted IP lists of universal auth (`clientSecretTrustedIps`, `accessTokenTrustedIps`):
//! parsing what callers send (`10.0.0.0/8`, `2001:db8::/32`, a single address), storing it
//! as Infisical does (`[{ipAddress, type, prefix}]` JSON), and matching a caller's address.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// One entry: a network and its prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrustedIp {
    pub network: IpAddr,
    pub prefix: u8,
}

/// Stored form, Infisical's: `{ "ipAddress": "10.0.0.0", "type": "ipv4", "prefix": 8 }`.
/// Older rows may carry the prefix inside `ipAddress` (`"0.0.0.0/0"`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredTrustedIp {
    pub ip_address: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<u8>,
}

/// Infisical's message for an entry that is neither an address nor a CIDR block.
pub const INVALID_IP: &str = "The IP is not a valid IPv4, IPv6, or CIDR block";

fn max_prefix(ip: &IpAddr) -> u8 {
    if ip.is_ipv4() { 32 } else { 128 }
}

/// Maps `::ffff:a.b.c.d` to `a.b.c.d`, so IPv4 clients on a dual-stack socket match IPv4 rules.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

impl TrustedIp {
    /// Parses `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or an IPv6 CIDR block.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let network = canonical(addr.trim().parse::<IpAddr>().ok()?);
        let max = max_prefix(&network);
        let prefix = match prefix {
            Some(p) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => p.parse::<u8>().ok()?,
            Some(_) => return None,
            None => max,
        };
        (prefix <= max).then_some(Self { network, prefix })
    }

    /// Whether `ip` is inside this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix)) };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }

    pub fn to_stored(self) -> StoredTrustedIp {
        StoredTrustedIp {
            ip_address: self.network.to_string(),
            kind: if self.network.is_ipv4() { "ipv4" } else { "ipv6" }.to_string(),
            prefix: Some(self.prefix),
        }
    }

    fn from_stored(s: &StoredTrustedIp) -> Option<Self> {
        match (s.ip_address.contains('/'), s.prefix) {
            (false, Some(p)) => Self::parse(&format!("{}/{p}", s.ip_address)),
            _ => Self::parse(&s.ip_address),
        }
    }
}

/// A parsed list; an address is allowed when any entry contains it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedIps(pub Vec<TrustedIp>);

impl TrustedIps {
    /// Reads a stored JSON list. Entries that no longer parse are skipped (they can only
    /// narrow access, never widen it).
    pub fn from_json(text: &str) -> Self {
        let stored: Vec<StoredTrustedIp> = serde_json::from_str(text).unwrap_or_default();
        Self(stored.iter().filter_map(TrustedIp::from_stored).collect())
    }

    pub fn to_json(&self) -> String {
        let stored: Vec<StoredTrustedIp> = self.0.iter().map(|t| t.to_stored()).collect();
        serde_json::to_string(&stored).unwrap_or_else(|_| "[]".to_string())
    }

    /// Whether the caller's address (`None` when unknown) may proceed. An unknown address
    /// passes only a list that allows every address of some family.
    pub fn allows(&self, ip: Option<&str>) -> bool {
        match ip.and_then(|s| s.parse::<IpAddr>().ok()) {
            Some(ip) => self.0.iter().any(|t| t.contains(ip)),
            None => self.0.iter().any(|t| t.prefix == 0),
        }
    }

    pub fn allows_everyone(&self) -> bool {
        self.0.iter().any(|t| t.prefix == 0 && t.network.is_ipv4())
            && self.0.iter().any(|t| t.prefix == 0 && t.network.is_ipv6())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn parses_addresses_and_blocks() {
        assert_eq!(TrustedIp::parse("10.1.2.3"), Some(TrustedIp { network: ip("10.1.2.3"), prefix: 32 }));
        assert_eq!(TrustedIp::parse(" 10.0.0.0/8 "), Some(TrustedIp { network: ip("10.0.0.0"), prefix: 8 }));
        assert_eq!(TrustedIp::parse("::/0").map(|t| t.prefix), Some(0));
        assert_eq!(TrustedIp::parse("2001:db8::1").map(|t| t.prefix), Some(128));
        for bad in ["", "10.0.0.0/33", "10.0.0/8", "::1/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/9", "example.com"]
        {
            assert_eq!(TrustedIp::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn matches_by_prefix() {
        let block = TrustedIp::parse("192.168.4.0/22").expect("block");
        assert!(block.contains(ip("192.168.7.255")));
        assert!(!block.contains(ip("192.168.8.0")));
        assert!(TrustedIp::parse("0.0.0.0/0").expect("all").contains(ip("8.8.8.8")));
        assert!(!TrustedIp::parse("0.0.0.0/0").expect("all v4").contains(ip("::1")), "families never mix");
        let v6 = TrustedIp::parse("2001:db8::/32").expect("v6");
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!(!v6.contains(ip("2001:db9::1")));
        assert!(TrustedIp::parse("127.0.0.1").expect("host").contains(ip("::ffff:127.0.0.1")), "v4-mapped v6");
    }

    #[test]
    fn stored_lists_round_trip_and_read_infisicals_defaults() {
        let list = TrustedIps::from_json(
            r#"[{"ipAddress":"0.0.0.0/0","type":"ipv4","prefix":0},{"ipAddress":"::/0","type":"ipv6","prefix":0}]"#,
        );
        assert!(list.allows_everyone());
        assert!(list.allows(Some("127.0.0.1")) && list.allows(None));
        let narrow = TrustedIps(vec![TrustedIp::parse("10.0.0.0/8").expect("block")]);
        let back = TrustedIps::from_json(&narrow.to_json());
        assert_eq!(back, narrow);
        assert!(narrow.to_json().contains(r#""ipAddress":"10.0.0.0","type":"ipv4","prefix":8"#));
        assert!(!back.allows(Some("127.0.0.1")));
        assert!(!back.allows(None), "an unknown address never passes a narrow list");
        assert!(!back.allows(Some("not an ip")));
        let single = TrustedIps::from_json(r#"[{"ipAddress":"10.1.1.1","type":"ipv4"}]"#);
        assert!(single.allows(Some("10.1.1.1")) && !single.allows(Some("10.1.1.2")));
    }
}

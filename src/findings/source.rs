//! Who a finding is about: an address, a network, or a client field that
//! held no address. A type, not text, so that geo lookups and rules take the
//! address itself and never parse a report.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::aggregate::folded;
use crate::escape::escape;
use crate::record::ip_from_key;

/// The source of requests or of a finding.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// One canonical address.
    Ip(IpAddr),
    /// A network: clients counted together (past `--max-clients`), or a
    /// network that acted together (a flood from a /24).
    Net(IpNet),
    /// A client field that is not an address (a hostname, `-`, junk), as
    /// written: it can be shown, never blocked.
    Other(Box<[u8]>),
}

impl Source {
    /// The special range (loopback, private, CGNAT, link-local, multicast,
    /// reserved; IPv4-mapped forms alike) that holds this source whole:
    /// internal traffic, never an external offender.
    pub fn internal(&self) -> Option<&'static crate::net::Special> {
        match self {
            Source::Ip(ip) => crate::net::special(*ip),
            Source::Net(n) => crate::net::special_ranges()
                .iter()
                .find(|s| s.net.contains(n)),
            Source::Other(_) => None,
        }
    }

    /// The address of a client table key.
    pub fn of_key(key: u128) -> Source {
        Source::Ip(ip_from_key(key))
    }

    /// The network of a folded key (see [`folded::fold`]).
    pub fn of_folded(key: u128) -> Source {
        Source::Net(folded::net(key))
    }
}

/// The address as text (canonical), a network as CIDR, anything else escaped.
impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Ip(ip) => write!(f, "{ip}"),
            Source::Net(n) => write!(f, "{n}"),
            Source::Other(b) => f.write_str(&escape(b)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::ip_key;

    #[test]
    fn text_is_canonical() {
        let ip: IpAddr = "::ffff:198.51.100.7".parse().unwrap();
        assert_eq!(Source::of_key(ip_key(ip)).to_string(), "198.51.100.7");
        let k = folded::fold(ip_key("198.51.100.77".parse().unwrap()), 0);
        assert_eq!(Source::of_folded(k).to_string(), "198.51.100.0/24");
        let k = folded::fold(ip_key("2001:db8:48:1::5".parse().unwrap()), 1);
        assert_eq!(Source::of_folded(k).to_string(), "2001:db8:48::/48");
        assert_eq!(
            Source::Other(b"evil\x1b[2J"[..].into()).to_string(),
            "evil\\x1b[2J"
        );
    }
}

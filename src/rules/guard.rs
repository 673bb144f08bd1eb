//! The never-block check every rule goes through.
//!
//! A generated rule must never block: loopback, private, CGNAT, link-local,
//! multicast, unspecified and reserved ranges ([`crate::net::special_ranges`]),
//! `0.0.0.0/0` and `::/0` (or anything wider than the prefix floor), this
//! machine's own addresses, the trusted proxies, the `--allow` ranges, and the
//! address of the operator's own SSH session. Documentation ranges are warned
//! about elsewhere but stay blockable, so that fixtures can use them.
//!
//! The check is a set: [`Guard::blockable`] returns the parts of a range that
//! lie outside every protected range (`iprange` does the set subtraction), so a
//! range that straddles a protected address is split around it, never
//! widened, and an address inside one is held back with its reason.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use iprange::IpRange;

use crate::net::{self, canonical};

/// Why an address or range is not blocked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hold {
    /// A special-purpose range (its name).
    Special(&'static str),
    /// An address of this machine.
    Local,
    /// Inside a `--trusted-proxy` range.
    TrustedProxy(IpNet),
    /// Inside an `--allow` range.
    Allowed(IpNet),
    /// The operator's own SSH session (`SSH_CONNECTION` / `SSH_CLIENT`).
    SshSession,
    /// Wider than the prefix floor (`--max-prefix`), or `/0`.
    TooWide { floor: u8 },
}

/// A protected range and why.
#[derive(Clone, Debug)]
struct Protected {
    net: IpNet,
    hold: Hold,
}

/// The never-block set and the prefix floor.
#[derive(Clone, Debug)]
pub struct Guard {
    protected: Vec<Protected>,
    v4: IpRange<Ipv4Net>,
    v6: IpRange<Ipv6Net>,
    /// The widest prefix a rule may have, per family.
    pub floor_v4: u8,
    pub floor_v6: u8,
}

/// What the guard protects besides the special ranges.
#[derive(Clone, Debug, Default)]
pub struct Protect {
    pub local: Vec<IpAddr>,
    pub trusted: Vec<IpNet>,
    pub allow: Vec<IpNet>,
    pub ssh: Option<IpAddr>,
}

impl Guard {
    /// The guard for a prefix floor of `/floor_v4` and `/floor_v6`.
    pub fn new(p: &Protect, floor_v4: u8, floor_v6: u8) -> Guard {
        let mut protected: Vec<Protected> = net::special_ranges()
            .iter()
            .map(|s| Protected {
                net: s.net,
                hold: Hold::Special(s.name),
            })
            .collect();
        let host = |ip: IpAddr| net::host(canonical(ip));
        protected.extend(p.local.iter().map(|ip| Protected {
            net: host(*ip),
            hold: Hold::Local,
        }));
        protected.extend(p.trusted.iter().map(|n| Protected {
            net: *n,
            hold: Hold::TrustedProxy(*n),
        }));
        protected.extend(p.allow.iter().map(|n| Protected {
            net: *n,
            hold: Hold::Allowed(*n),
        }));
        protected.extend(p.ssh.map(|ip| Protected {
            net: host(ip),
            hold: Hold::SshSession,
        }));
        let mut v4 = IpRange::new();
        let mut v6 = IpRange::new();
        for p in &protected {
            match p.net {
                IpNet::V4(n) => {
                    v4.add(n.trunc());
                }
                IpNet::V6(n) => {
                    v6.add(n.trunc());
                }
            }
        }
        v4.simplify();
        v6.simplify();
        Guard {
            protected,
            v4,
            v6,
            floor_v4: floor_v4.min(32),
            floor_v6: floor_v6.min(128),
        }
    }

    /// The floor for `net`'s family.
    pub fn floor(&self, net: &IpNet) -> u8 {
        match net {
            IpNet::V4(_) => self.floor_v4,
            IpNet::V6(_) => self.floor_v6,
        }
    }

    /// Why `ip` must not be blocked, if it must not.
    pub fn hold(&self, ip: IpAddr) -> Option<Hold> {
        self.hold_net(&net::host(canonical(ip)))
    }

    /// Why `net` must not be blocked as a whole: the first protected range
    /// that overlaps it, or that it is wider than the floor.
    pub fn hold_net(&self, net: &IpNet) -> Option<Hold> {
        if net.prefix_len() < self.floor(net) {
            return Some(Hold::TooWide {
                floor: self.floor(net),
            });
        }
        self.protected
            .iter()
            .find(|p| net::overlaps(&p.net, net))
            .map(|p| p.hold.clone())
    }

    /// Whether any protected address lies in `net`.
    pub fn touches(&self, net: &IpNet) -> bool {
        match net.trunc() {
            IpNet::V4(n) => !single(n).intersect(&self.v4).is_empty(),
            IpNet::V6(n) => !single(n).intersect(&self.v6).is_empty(),
        }
    }

    /// The parts of `net` outside every protected range, largest first in
    /// address order; empty when it is all protected. `net` must not be wider
    /// than the floor (see [`Guard::hold_net`]).
    pub fn blockable(&self, net: &IpNet) -> Vec<IpNet> {
        let mut parts: Vec<IpNet> = match net.trunc() {
            IpNet::V4(n) => single(n).exclude(&self.v4).iter().map(IpNet::V4).collect(),
            IpNet::V6(n) => single(n).exclude(&self.v6).iter().map(IpNet::V6).collect(),
        };
        parts.sort();
        parts
    }
}

fn single<N: iprange::IpNet>(n: N) -> IpRange<N> {
    let mut r = IpRange::new();
    r.add(n);
    r
}

/// The client address of the operator's own SSH session, from
/// `SSH_CONNECTION` (`client port server port`) or `SSH_CLIENT` (`client port
/// server-port`).
pub fn ssh_client(connection: Option<&str>, client: Option<&str>) -> Option<IpAddr> {
    [connection, client]
        .into_iter()
        .flatten()
        .find_map(|v| crate::record::parse_ip(v.split_whitespace().next()?.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn guard() -> Guard {
        Guard::new(
            &Protect {
                local: vec![ip("203.0.113.10")],
                trusted: vec![net("198.51.100.0/28")],
                allow: vec![net("198.51.100.77/32")],
                ssh: Some(ip("192.0.2.200")),
            },
            24,
            48,
        )
    }

    #[test]
    fn holds_say_why() {
        let g = guard();
        assert_eq!(g.hold(ip("127.0.0.2")), Some(Hold::Special("loopback")));
        assert_eq!(
            g.hold(ip("::ffff:10.0.0.1")),
            Some(Hold::Special("private"))
        );
        assert_eq!(g.hold(ip("203.0.113.10")), Some(Hold::Local));
        assert_eq!(
            g.hold(ip("198.51.100.3")),
            Some(Hold::TrustedProxy(net("198.51.100.0/28")))
        );
        assert_eq!(
            g.hold(ip("198.51.100.77")),
            Some(Hold::Allowed(net("198.51.100.77/32")))
        );
        assert_eq!(g.hold(ip("192.0.2.200")), Some(Hold::SshSession));
        assert_eq!(g.hold(ip("198.51.100.78")), None);
        assert_eq!(g.hold(ip("2001:db8::1")), None);
        assert_eq!(
            g.hold_net(&net("0.0.0.0/0")),
            Some(Hold::TooWide { floor: 24 })
        );
        assert_eq!(
            g.hold_net(&net("2001:db8::/32")),
            Some(Hold::TooWide { floor: 48 })
        );
    }

    #[test]
    fn a_range_is_split_around_what_it_must_not_block() {
        let g = guard();
        let parts = g.blockable(&net("198.51.100.0/24"));
        // The trusted /28 and the allowed .77 are cut out; nothing else is.
        let covered: u32 = parts.iter().map(|p| 1u32 << (32 - p.prefix_len())).sum();
        assert_eq!(covered, 256 - 16 - 1);
        for p in &parts {
            assert!(!p.contains(&ip("198.51.100.77")) && !p.contains(&ip("198.51.100.5")));
            assert!(g.hold_net(p).is_none(), "{p}");
        }
        assert!(g.touches(&net("198.51.100.64/26")));
        assert!(!g.touches(&net("198.51.100.128/25")));
        assert_eq!(g.blockable(&net("127.0.0.0/24")), Vec::<IpNet>::new());
        assert_eq!(
            g.blockable(&net("2001:db8:1::/48")),
            vec![net("2001:db8:1::/48")]
        );
    }

    #[test]
    fn ssh_session_address() {
        assert_eq!(
            ssh_client(Some("192.0.2.9 50022 10.0.0.5 22"), None),
            Some(ip("192.0.2.9"))
        );
        assert_eq!(
            ssh_client(None, Some("2001:db8::9 50022 22")),
            Some(ip("2001:db8::9"))
        );
        assert_eq!(ssh_client(Some(""), Some("junk 1 2")), None);
        assert_eq!(ssh_client(None, None), None);
    }
}

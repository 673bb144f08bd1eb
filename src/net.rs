//! Address ranges, as `ipnet` types: parsing what the user writes (strictly,
//! so that only canonical spellings reach a report or a rule), the networks
//! that hold an address, and the ranges that say something about a client
//! (documentation ranges, this machine's own addresses).
//!
//! Addresses are canonical everywhere in alf (IPv4-mapped IPv6 is IPv4, see
//! [`crate::record::parse_ip`]), so a range is IPv4 or IPv6 and the two
//! families stay apart: an IPv6 range never holds an IPv4 address, even `::/0`.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::escape::escape;
use crate::record;

/// Parses `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a `/32` or `/128`).
///
/// Surrounding whitespace is ignored. The address is read by
/// [`record::parse_ip`], so only canonical-safe spellings pass (no `010.0.0.1`,
/// no `127.1`); brackets, ports and zone ids are refused. IPv4-mapped forms are
/// IPv4: `::ffff:10.0.0.0/104` is `10.0.0.0/8`, and a mapped prefix shorter than
/// `/96` is refused because it would reach beyond IPv4. Host bits set below the
/// prefix (`10.1.2.3/8`) are accepted and cleared: the range is `10.0.0.0/8`.
/// The prefix length is decimal without leading zeros.
pub fn parse_net(s: &str) -> Result<IpNet, String> {
    let text = s.trim();
    let bad = |why: &str| Err(format!("bad CIDR {:?}: {why}", escape(text.as_bytes())));
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (text, None),
    };
    if addr.bytes().any(|b| matches!(b, b'[' | b']' | b'%')) {
        return bad("write the address alone, without brackets, port or zone");
    }
    let Some(ip) = record::parse_ip(addr.as_bytes()) else {
        return bad("not an IPv4 or IPv6 address");
    };
    let written_v6 = addr.contains(':');
    let max = if written_v6 { 128 } else { 32 };
    let len = match len {
        None => max,
        Some(l) => {
            let digits_ok = !l.is_empty()
                && l.len() <= 3
                && l.bytes().all(|b| b.is_ascii_digit())
                && (l == "0" || !l.starts_with('0'));
            match l.parse::<u8>() {
                Ok(n) if digits_ok && n <= max => n,
                _ => return bad(&format!("the prefix length must be 0 to {max}")),
            }
        }
    };
    // An IPv4 address written as IPv4-mapped IPv6: its prefix counts from
    // the mapped block's 96 bits.
    let len = match ip {
        IpAddr::V4(_) if written_v6 && len < 96 => {
            return bad("an IPv4-mapped prefix must be /96 or longer (write it as IPv4)")
        }
        IpAddr::V4(_) if written_v6 => len - 96,
        _ => len,
    };
    Ok(net_of(ip, len))
}

/// The range holding exactly one address.
pub fn host(ip: IpAddr) -> IpNet {
    IpNet::from(ip)
}

/// The network of prefix length `len` that holds `ip` (host bits cleared);
/// `len` is capped at the family's width.
pub fn net_of(ip: IpAddr, len: u8) -> IpNet {
    match ip {
        IpAddr::V4(a) => IpNet::V4(Ipv4Net::new_assert(a, len.min(32)).trunc()),
        IpAddr::V6(a) => IpNet::V6(Ipv6Net::new_assert(a, len.min(128)).trunc()),
    }
}

/// Whether `net` holds `ip`. `ip` is made canonical first, so an IPv4-mapped
/// IPv6 address is the IPv4 one.
#[inline]
pub fn contains(net: &IpNet, ip: IpAddr) -> bool {
    net.contains(&canonical(ip))
}

/// IPv4-mapped IPv6 as IPv4; everything else as it is.
#[inline]
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

/// Whether `ip` is in a range reserved for documentation (RFC 5737, RFC 3849):
/// no real client has one, so a log that holds them is synthetic or spoofed.
pub fn is_documentation(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => matches!(
            v4.octets(),
            [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _]
        ),
        IpAddr::V6(v6) => v6.segments()[..2] == [0x2001, 0x0db8],
    }
}

/// A range whose addresses are not globally reachable clients: they are the
/// machine itself, its private networks, or addresses no real client has.
/// Traffic from them is internal; they are never ranked as external
/// offenders and never reach a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Special {
    pub net: IpNet,
    /// What the range is, in a few words.
    pub name: &'static str,
}

/// The special-purpose ranges (IANA registries) that are not globally
/// reachable, IPv4 then IPv6. Documentation ranges are not here: they are
/// warned about but blockable, so that fixtures can use them.
pub fn special_ranges() -> &'static [Special] {
    use std::sync::OnceLock;
    static RANGES: OnceLock<Vec<Special>> = OnceLock::new();
    RANGES.get_or_init(|| {
        [
            ("0.0.0.0/8", "this network"),
            ("10.0.0.0/8", "private"),
            ("100.64.0.0/10", "shared address space (CGNAT)"),
            ("127.0.0.0/8", "loopback"),
            ("169.254.0.0/16", "link-local"),
            ("172.16.0.0/12", "private"),
            ("192.0.0.0/24", "IETF protocol assignments"),
            ("192.168.0.0/16", "private"),
            ("198.18.0.0/15", "benchmarking"),
            ("224.0.0.0/4", "multicast"),
            ("240.0.0.0/4", "reserved"),
            ("::/128", "unspecified"),
            ("::1/128", "loopback"),
            ("::ffff:0:0/96", "IPv4-mapped"),
            ("100::/64", "discard-only"),
            ("fc00::/7", "unique local"),
            ("fe80::/10", "link-local"),
            ("ff00::/8", "multicast"),
        ]
        .iter()
        .map(|(n, name)| Special {
            net: n.parse().expect("the special ranges parse"),
            name,
        })
        .collect()
    })
}

/// The special range `ip` is in, if any (see [`special_ranges`]). `ip` is
/// made canonical first: `::ffff:10.1.2.3` is private, not IPv4-mapped.
pub fn special(ip: IpAddr) -> Option<&'static Special> {
    let ip = canonical(ip);
    special_ranges().iter().find(|s| s.net.contains(&ip))
}

/// The special ranges that overlap `net` (hold it, or lie inside it).
pub fn special_overlaps(net: &IpNet) -> impl Iterator<Item = &'static Special> + '_ {
    special_ranges()
        .iter()
        .filter(move |s| overlaps(&s.net, net))
}

/// Whether two ranges share an address.
pub fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(b) || b.contains(a)
}

/// The addresses of this machine's network interfaces (none where unknown).
pub fn local_addresses() -> Vec<IpAddr> {
    let mut out = Vec::new();
    #[cfg(unix)]
    // SAFETY: getifaddrs fills a list that is only read here, each entry's
    // address read as the family it says it is, and freed once.
    unsafe {
        let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
        if libc::getifaddrs(&mut head) != 0 {
            return out;
        }
        let mut p = head;
        while !p.is_null() {
            let a = (*p).ifa_addr;
            if !a.is_null() {
                match (*a).sa_family as i32 {
                    libc::AF_INET => {
                        let sin = &*(a as *const libc::sockaddr_in);
                        out.push(IpAddr::from(
                            u32::from_be(sin.sin_addr.s_addr).to_be_bytes(),
                        ));
                    }
                    libc::AF_INET6 => {
                        let sin6 = &*(a as *const libc::sockaddr_in6);
                        out.push(IpAddr::from(sin6.sin6_addr.s6_addr));
                    }
                    _ => {}
                }
            }
            p = (*p).ifa_next;
        }
        libc::freeifaddrs(head);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        record::parse_ip(s.as_bytes()).unwrap()
    }

    fn cidr(s: &str) -> IpNet {
        parse_net(s).unwrap()
    }

    #[test]
    fn cidr_forms() {
        for (text, canonical) in [
            ("10.0.0.0/8", "10.0.0.0/8"),
            ("10.1.2.3/8", "10.0.0.0/8"),
            (" 192.168.1.7/24 ", "192.168.1.0/24"),
            ("203.0.113.7", "203.0.113.7/32"),
            ("0.0.0.0/0", "0.0.0.0/0"),
            ("2001:db8::/32", "2001:db8::/32"),
            ("2001:DB8:ffff::1/32", "2001:db8::/32"),
            ("2001:db8::1", "2001:db8::1/128"),
            ("::/0", "::/0"),
            ("::ffff:10.0.0.0/104", "10.0.0.0/8"),
            ("::ffff:0:0/96", "0.0.0.0/0"),
            ("::ffff:203.0.113.7", "203.0.113.7/32"),
            ("::ffff:cb00:7107/128", "203.0.113.7/32"),
        ] {
            assert_eq!(cidr(text).to_string(), canonical, "{text:?}");
        }
        let c = cidr("10.1.2.3/8");
        assert_eq!((c.network(), c.prefix_len()), (ip("10.0.0.0"), 8));
        let c = cidr("2001:db8::/32");
        assert_eq!((c.network(), c.prefix_len()), (ip("2001:db8::"), 32));
        assert_eq!(host(ip("::ffff:1.2.3.4")), cidr("1.2.3.4"));
    }

    #[test]
    fn cidr_rejects() {
        for bad in [
            "",
            "/8",
            "10.0.0.0/",
            "10.0.0.0/33",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "10.0.0.0/08",
            "10.0.0.0/8/8",
            "10.0.0.0/1000",
            "2001:db8::/129",
            "010.0.0.0/8",
            "10.1/16",
            "example.com/24",
            "[2001:db8::1]",
            "[2001:db8::1]:443",
            "fe80::1%eth0",
            "1.2.3.4:80",
            "::ffff:10.0.0.0/8",
            "::ffff:0:0/95",
            "10.0.0.0 /8",
        ] {
            assert!(parse_net(bad).is_err(), "{bad:?} must be rejected");
        }
        let err = parse_net("\x1b[31m/8").unwrap_err();
        assert!(!err.contains('\x1b'), "error text is escaped: {err:?}");
    }

    #[test]
    fn cidr_contains() {
        let c = cidr("10.0.0.0/8");
        assert!(contains(&c, ip("10.0.0.5")));
        assert!(contains(&c, ip("10.255.255.255")));
        assert!(!contains(&c, ip("11.0.0.0")));
        assert!(!contains(&c, ip("9.255.255.255")));
        // A mapped address given as IPv6 (not canonicalised) is still IPv4.
        assert!(contains(&c, IpAddr::V6("::ffff:10.1.2.3".parse().unwrap())));
        assert!(!contains(&c, ip("::a01:203")), "IPv4-compatible is IPv6");

        let all4 = cidr("0.0.0.0/0");
        assert!(contains(&all4, ip("255.255.255.255")));
        assert!(!contains(&all4, ip("2001:db8::1")));
        let all6 = cidr("::/0");
        assert!(contains(&all6, ip("2001:db8::1")));
        assert!(contains(&all6, ip("::")));
        assert!(
            !contains(&all6, ip("1.2.3.4")),
            "IPv6 ranges never hold IPv4"
        );
        assert!(!contains(&cidr("::/64"), ip("0.0.0.1")));

        let c = cidr("2001:db8::/32");
        assert!(contains(&c, ip("2001:db8:ffff::1")));
        assert!(!contains(&c, ip("2001:db9::1")));
        let h = cidr("2001:db8::1");
        assert!(contains(&h, ip("2001:DB8:0::1")));
        assert!(!contains(&h, ip("2001:db8::2")));
        let h = cidr("203.0.113.7");
        assert!(contains(&h, ip("::ffff:203.0.113.7")));
        assert!(!contains(&h, ip("203.0.113.8")));
        let edge = cidr("128.0.0.0/1");
        assert!(contains(&edge, ip("255.0.0.1")) && !contains(&edge, ip("127.255.255.255")));
    }

    #[test]
    fn families_stay_apart() {
        assert!(contains(&cidr("::/0"), ip("2001:db8::1")));
        assert!(!contains(&cidr("::/0"), ip("1.2.3.4")));
        assert!(!contains(&cidr("0.0.0.0/0"), ip("2001:db8::1")));
        let mapped: IpAddr = "::ffff:10.1.2.3".parse().unwrap();
        assert!(contains(&cidr("10.0.0.0/8"), mapped));
    }

    #[test]
    fn documentation_ranges() {
        for (s, doc) in [
            ("192.0.2.1", true),
            ("198.51.100.255", true),
            ("203.0.113.0", true),
            ("2001:db8::1", true),
            ("203.0.114.1", false),
            ("2001:db9::1", false),
        ] {
            assert_eq!(is_documentation(ip(s)), doc, "{s}");
        }
    }

    #[test]
    fn special_ranges_cover_internal_addresses() {
        for (s, name) in [
            ("0.0.0.0", "this network"),
            ("127.0.0.2", "loopback"),
            ("10.1.2.3", "private"),
            ("::ffff:10.1.2.3", "private"),
            ("::ffff:127.0.0.1", "loopback"),
            ("172.31.255.255", "private"),
            ("100.64.0.1", "shared address space (CGNAT)"),
            ("169.254.169.254", "link-local"),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "reserved"),
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("fe80::1", "link-local"),
            ("fd12:3456::1", "unique local"),
            ("ff02::1", "multicast"),
        ] {
            let ip: IpAddr = s.parse().unwrap();
            assert_eq!(special(ip).map(|x| x.name), Some(name), "{s}");
        }
        for s in [
            "8.8.8.8",
            "198.51.100.7",
            "2001:db8::1",
            "2a00::1",
            "172.32.0.1",
            "100.128.0.1",
        ] {
            assert!(special(s.parse().unwrap()).is_none(), "{s}");
        }
        let n: IpNet = "10.0.0.0/7".parse().unwrap();
        assert_eq!(special_overlaps(&n).next().map(|s| s.name), Some("private"));
        let n: IpNet = "11.0.0.0/8".parse().unwrap();
        assert!(special_overlaps(&n).next().is_none());
    }

    #[test]
    fn local_addresses_include_loopback() {
        let a = local_addresses();
        assert!(a.iter().any(|ip| ip.is_loopback()), "{a:?}");
    }
}

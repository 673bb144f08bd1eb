//! The real client behind a proxy: `--trusted-proxy` ranges and X-Forwarded-For.
//!
//! A request that reached the server through a trusted proxy (a load balancer, a
//! CDN) has the proxy as its connecting address; the client is in the
//! X-Forwarded-For list, which every proxy extends on the right. Only the entries a
//! trusted proxy appended can be believed, so the client is the **rightmost entry
//! that is not itself trusted**. Everything to its left was written by that client
//! and is never used: an attacker can put any "victim" there.
//!
//! The rules, in order:
//! - no trusted ranges, or a connecting address that is not trusted (or not an
//!   address at all): the connecting address is the client and X-Forwarded-For is
//!   ignored ([`Attribution::Direct`]);
//! - a trusted connecting address with no X-Forwarded-For (empty or `-`), or with a
//!   list made only of trusted hops: the request came from inside the trusted chain
//!   (a health check, the proxy itself), so the connecting address stays the client
//!   ([`Attribution::Direct`]). The leftmost trusted hop is not taken: it is no
//!   more "the client" than the connecting address is, and keeping the connecting
//!   address means a result always names an address that really spoke to a proxy
//!   or to the server;
//! - otherwise the list is walked from the right, skipping trusted entries; the
//!   first untrusted entry is the client ([`Attribution::ViaProxy`]);
//! - if that entry is not an address (`unknown`, `<script>`, an empty entry as in
//!   `,,,`, garbage), the connecting address is the client and the record is flagged
//!   ([`Attribution::Fallback`]). A token further left is never taken.
//!
//! Tokens are separated by `,` with optional spaces or tabs around them, and may be
//! `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:1` (as
//! [`record::parse_ip_port`] reads them; IPv4-mapped IPv6 becomes IPv4). Several
//! X-Forwarded-For headers logged as one field joined with `, ` (as Apache and nginx
//! do) are one list.
//!
//! The work is bounded and linear in the header: the walk goes right to left with
//! `memrchr`, allocates nothing, and examines at most [`MAX_XFF_HOPS`] entries; a
//! list with more trusted hops than that falls back, flagged. Entries left of the
//! one that decides are never parsed: a 64 KiB header costs at most one pass.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::record::{self, ip_key, Client};
use crate::report::escape::escape;

/// The most X-Forwarded-For entries examined for one request. Real chains are a
/// handful of hops; a list with more trusted hops than this falls back (flagged).
pub const MAX_XFF_HOPS: usize = 64;

/// Prefix of the IPv4-mapped block `::ffff:0:0/96`, in which [`ip_key`] keeps IPv4.
const V4_MAPPED: u128 = 0xffff_0000_0000;

/// An address range: an IPv4 or IPv6 network and a prefix length.
///
/// Held over the canonical keys of [`record::ip_key`] (IPv4 as IPv4-mapped IPv6),
/// so IPv4 written either way is one range. The two families stay apart: an IPv6
/// range never contains an IPv4 address, even `::/0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr {
    /// The network in key space, host bits zero.
    key: u128,
    /// Prefix length in key space (an IPv4 `/8` is 104).
    len: u8,
}

impl Cidr {
    /// Parses `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a `/32` or `/128`).
    ///
    /// Surrounding whitespace is ignored. The address is read by
    /// [`record::parse_ip`], so only canonical-safe spellings pass (no `010.0.0.1`,
    /// no `127.1`); brackets, ports and zone ids are refused. IPv4-mapped forms are
    /// IPv4: `::ffff:10.0.0.0/104` is `10.0.0.0/8`, and a mapped prefix shorter than
    /// `/96` is refused because it would reach beyond IPv4. Host bits set below the
    /// prefix (`10.1.2.3/8`) are accepted and cleared: the range is `10.0.0.0/8`.
    /// The prefix length is decimal without leading zeros.
    pub fn parse(s: &str) -> Result<Cidr, String> {
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
        let key_len = if written_v6 {
            if ip.is_ipv4() && len < 96 {
                return bad("an IPv4-mapped prefix must be /96 or longer (write it as IPv4)");
            }
            len
        } else {
            len + 96
        };
        Ok(Cidr {
            key: ip_key(ip) & mask(key_len),
            len: key_len,
        })
    }

    /// The range holding exactly one address.
    pub fn host(ip: IpAddr) -> Cidr {
        Cidr {
            key: ip_key(ip),
            len: 128,
        }
    }

    /// Whether `ip` is inside the range. IPv4-mapped IPv6 counts as IPv4.
    #[inline]
    pub fn contains(&self, ip: IpAddr) -> bool {
        let k = ip_key(ip);
        is_v4_key(k) == self.is_v4() && (k ^ self.key) & mask(self.len) == 0
    }

    /// The network address (host bits zero), canonical.
    pub fn network(&self) -> IpAddr {
        record::ip_from_key(self.key)
    }

    /// The prefix length within the range's own family (`8` for `10.0.0.0/8`).
    pub fn prefix_len(&self) -> u8 {
        if self.is_v4() {
            self.len - 96
        } else {
            self.len
        }
    }

    /// Whether the range is IPv4.
    pub fn is_v4(&self) -> bool {
        self.len >= 96 && is_v4_key(self.key)
    }
}

/// Prints the canonical form: `10.0.0.0/8`, `2001:db8::/32`.
impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_v4() {
            write!(f, "{}/{}", Ipv4Addr::from(self.key as u32), self.len - 96)
        } else {
            write!(f, "{}/{}", Ipv6Addr::from(self.key), self.len)
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Cidr, String> {
        Cidr::parse(s)
    }
}

#[inline]
fn mask(len: u8) -> u128 {
    match len {
        0 => 0,
        n => u128::MAX << (128 - u32::from(n.min(128))),
    }
}

#[inline]
fn is_v4_key(k: u128) -> bool {
    k >> 32 == V4_MAPPED >> 32
}

/// The `--trusted-proxy` ranges: load balancers and CDNs whose X-Forwarded-For
/// entries are believed. Empty means "believe no X-Forwarded-For".
///
/// Lookups scan the ranges in order; a proxy list is a few dozen ranges at most.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    pub fn new(ranges: Vec<Cidr>) -> TrustedProxies {
        TrustedProxies(ranges)
    }

    /// Parses each item with [`Cidr::parse`]; the first bad one is the error.
    pub fn parse<I, S>(items: I) -> Result<TrustedProxies, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        items
            .into_iter()
            .map(|s| Cidr::parse(s.as_ref()))
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether `ip` is inside any trusted range.
    #[inline]
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn ranges(&self) -> &[Cidr] {
        &self.0
    }
}

impl From<Vec<Cidr>> for TrustedProxies {
    fn from(ranges: Vec<Cidr>) -> TrustedProxies {
        TrustedProxies(ranges)
    }
}

impl FromIterator<Cidr> for TrustedProxies {
    fn from_iter<I: IntoIterator<Item = Cidr>>(iter: I) -> TrustedProxies {
        TrustedProxies(iter.into_iter().collect())
    }
}

/// How the client of a request was decided.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Attribution {
    /// The connecting address: no trusted proxy in front, or the request came from
    /// inside the trusted chain (no X-Forwarded-For, or only trusted hops in it).
    #[default]
    Direct,
    /// The rightmost untrusted X-Forwarded-For entry behind a trusted proxy.
    ViaProxy,
    /// A trusted proxy forwarded the request, but its list could not be used; the
    /// connecting address was kept. Worth reporting: the header was tampered with or
    /// a proxy is misconfigured.
    Fallback(FallbackReason),
}

/// Why X-Forwarded-For could not be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FallbackReason {
    /// The rightmost untrusted entry is not an address (`unknown`, empty, junk).
    InvalidToken,
    /// More than [`MAX_XFF_HOPS`] trusted entries before any untrusted one.
    TooManyHops,
}

impl Attribution {
    /// A stable id for reports: `direct`, `via_proxy`, `fallback_invalid_token`,
    /// `fallback_too_many_hops`.
    pub fn as_str(self) -> &'static str {
        match self {
            Attribution::Direct => "direct",
            Attribution::ViaProxy => "via_proxy",
            Attribution::Fallback(FallbackReason::InvalidToken) => "fallback_invalid_token",
            Attribution::Fallback(FallbackReason::TooManyHops) => "fallback_too_many_hops",
        }
    }

    pub fn is_fallback(self) -> bool {
        matches!(self, Attribution::Fallback(_))
    }
}

/// The client of one request, given its connecting address (`remote`, the client
/// field), its logged X-Forwarded-For field and the trusted ranges. See the module
/// documentation for the rules; the result is `remote` itself unless the request
/// came through a trusted proxy with a usable list.
pub fn attribute<'a>(
    remote: Client<'a>,
    xff: &[u8],
    trusted: &TrustedProxies,
) -> (Client<'a>, Attribution) {
    let Client::Ip(peer) = remote else {
        return (remote, Attribution::Direct);
    };
    if trusted.is_empty() || !trusted.contains(peer) {
        return (remote, Attribution::Direct);
    }
    match walk(xff, trusted).0 {
        Walk::Client(ip) => (Client::Ip(ip), Attribution::ViaProxy),
        Walk::Inside => (remote, Attribution::Direct),
        Walk::Fallback(why) => (remote, Attribution::Fallback(why)),
    }
}

/// What the right-to-left walk found.
#[derive(Debug, PartialEq, Eq)]
enum Walk {
    Client(IpAddr),
    /// No list, or only trusted hops in it.
    Inside,
    Fallback(FallbackReason),
}

/// Walks X-Forwarded-For from the right; also returns how many entries it examined
/// (at most [`MAX_XFF_HOPS`]), so tests can check the bound without timing.
fn walk(xff: &[u8], trusted: &TrustedProxies) -> (Walk, usize) {
    let list = trim_ows(xff);
    if list.is_empty() || list == b"-" {
        return (Walk::Inside, 0);
    }
    let mut rest = list;
    let mut examined = 0;
    loop {
        if examined == MAX_XFF_HOPS {
            return (Walk::Fallback(FallbackReason::TooManyHops), examined);
        }
        examined += 1;
        let (left, token) = match memchr::memrchr(b',', rest) {
            Some(i) => (Some(&rest[..i]), &rest[i + 1..]),
            None => (None, rest),
        };
        match record::parse_ip_port(trim_ows(token)) {
            None => return (Walk::Fallback(FallbackReason::InvalidToken), examined),
            Some(ip) if !trusted.contains(ip) => return (Walk::Client(ip), examined),
            Some(_) => {}
        }
        match left {
            Some(l) => rest = l,
            None => return (Walk::Inside, examined),
        }
    }
}

/// Strips the optional whitespace (spaces, tabs) HTTP allows around list items.
fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', tail @ ..] = s {
        s = tail;
    }
    while let [head @ .., b' ' | b'\t'] = s {
        s = head;
    }
    s
}

/// Whether `ip` is in a range reserved for documentation (RFC 5737, RFC 3849):
/// no real client has one, so a log that holds them is synthetic or spoofed.
pub fn is_documentation(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => matches!(
            v4.octets(),
            [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _]
        ),
        std::net::IpAddr::V6(v6) => v6.segments()[..2] == [0x2001, 0x0db8],
    }
}

/// This server's own addresses: `--self` ranges, loopback, and (unless the
/// log comes from another machine, `--no-local-self`) the addresses of this
/// machine's interfaces. Their lines are counted as *self traffic*, never as
/// an offender's.
#[derive(Clone, Debug, Default)]
pub struct SelfAddrs {
    ranges: Vec<Cidr>,
    /// Interface addresses, loopback included.
    local: Vec<IpAddr>,
}

impl SelfAddrs {
    /// `ranges` (CIDRs or addresses), the loopback addresses of this
    /// machine, and, with `interfaces`, all of its other addresses.
    pub fn parse<S: AsRef<str>>(ranges: &[S], interfaces: bool) -> Result<SelfAddrs, String> {
        Ok(SelfAddrs {
            ranges: ranges
                .iter()
                .map(|r| Cidr::parse(r.as_ref()))
                .collect::<Result<Vec<_>, _>>()?,
            local: local_addresses()
                .into_iter()
                .filter(|ip| interfaces || ip.is_loopback())
                .collect(),
        })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.local.contains(&ip) || self.ranges.iter().any(|c| c.contains(ip))
    }

    /// The addresses counted as self because this machine has them (not
    /// loopback, not named with `--self`): wrong for a log copied from
    /// another machine, so alf says when one of them shows up as a client.
    pub fn interfaces(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.local
            .iter()
            .copied()
            .filter(|ip| !ip.is_loopback() && !self.ranges.iter().any(|c| c.contains(*ip)))
    }
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
    #[test]
    fn local_addresses_include_loopback() {
        let a = super::local_addresses();
        assert!(a.iter().any(|ip| ip.is_loopback()), "{a:?}");
        for interfaces in [true, false] {
            let own = super::SelfAddrs::parse(&["192.0.2.0/24"], interfaces).unwrap();
            assert!(own.contains("192.0.2.77".parse().unwrap()));
            assert!(own.contains("127.0.0.1".parse().unwrap()));
            assert!(!own.contains("198.51.100.1".parse().unwrap()));
            assert!(own.interfaces().all(|ip| !ip.is_loopback()));
            // Every other address of this machine is self only with
            // `interfaces` (no range given here).
            let bare = super::SelfAddrs::parse(&[] as &[&str], interfaces).unwrap();
            for ip in a.iter().filter(|ip| !ip.is_loopback()) {
                assert_eq!(bare.contains(*ip), interfaces, "{ip}");
                assert_eq!(bare.interfaces().any(|x| x == *ip), interfaces, "{ip}");
            }
            // One named with `--self` is not said to be this machine's.
            assert!(own
                .interfaces()
                .all(|ip| !super::Cidr::parse("192.0.2.0/24").unwrap().contains(ip)));
        }
        assert!(super::SelfAddrs::parse(&["not-a-range"], true).is_err());
    }

    use super::*;

    fn ip(s: &str) -> IpAddr {
        record::parse_ip(s.as_bytes()).unwrap()
    }

    fn cidr(s: &str) -> Cidr {
        Cidr::parse(s).unwrap()
    }

    fn trusted(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(list).unwrap()
    }

    /// Attribution with a trusted connecting address 10.0.0.5 behind 10.0.0.0/8.
    fn via_lb(xff: &str) -> (Client<'static>, Attribution) {
        attribute(
            Client::Ip(ip("10.0.0.5")),
            xff.as_bytes(),
            &trusted(&["10.0.0.0/8"]),
        )
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
        assert_eq!(
            (c.network(), c.prefix_len(), c.is_v4()),
            (ip("10.0.0.0"), 8, true)
        );
        let c = cidr("2001:db8::/32");
        assert_eq!(
            (c.network(), c.prefix_len(), c.is_v4()),
            (ip("2001:db8::"), 32, false)
        );
        assert_eq!("10.0.0.0/8".parse::<Cidr>(), Ok(cidr("10.0.0.0/8")));
        assert_eq!(Cidr::host(ip("::ffff:1.2.3.4")), cidr("1.2.3.4"));
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
            assert!(Cidr::parse(bad).is_err(), "{bad:?} must be rejected");
        }
        let err = Cidr::parse("\x1b[31m/8").unwrap_err();
        assert!(!err.contains('\x1b'), "error text is escaped: {err:?}");
    }

    #[test]
    fn cidr_contains() {
        let c = cidr("10.0.0.0/8");
        assert!(c.contains(ip("10.0.0.5")));
        assert!(c.contains(ip("10.255.255.255")));
        assert!(!c.contains(ip("11.0.0.0")));
        assert!(!c.contains(ip("9.255.255.255")));
        // A mapped address given as IPv6 (not canonicalised) is still IPv4.
        assert!(c.contains(IpAddr::V6("::ffff:10.1.2.3".parse().unwrap())));
        assert!(!c.contains(ip("::a01:203")), "IPv4-compatible is IPv6");

        let all4 = cidr("0.0.0.0/0");
        assert!(all4.contains(ip("255.255.255.255")));
        assert!(!all4.contains(ip("2001:db8::1")));
        let all6 = cidr("::/0");
        assert!(all6.contains(ip("2001:db8::1")));
        assert!(all6.contains(ip("::")));
        assert!(!all6.contains(ip("1.2.3.4")), "IPv6 ranges never hold IPv4");
        assert!(!cidr("::/64").contains(ip("0.0.0.1")));

        let c = cidr("2001:db8::/32");
        assert!(c.contains(ip("2001:db8:ffff::1")));
        assert!(!c.contains(ip("2001:db9::1")));
        let h = cidr("2001:db8::1");
        assert!(h.contains(ip("2001:DB8:0::1")));
        assert!(!h.contains(ip("2001:db8::2")));
        let h = cidr("203.0.113.7");
        assert!(h.contains(ip("::ffff:203.0.113.7")));
        assert!(!h.contains(ip("203.0.113.8")));
        let edge = cidr("128.0.0.0/1");
        assert!(edge.contains(ip("255.0.0.1")) && !edge.contains(ip("127.255.255.255")));
    }

    #[test]
    fn trusted_set() {
        let t = trusted(&["10.0.0.0/8", "2001:db8:1::/48"]);
        assert!(!t.is_empty());
        assert!(t.contains(ip("10.9.9.9")));
        assert!(t.contains(ip("2001:db8:1:2::3")));
        assert!(!t.contains(ip("2001:db8:2::3")));
        assert!(!t.contains(ip("203.0.113.7")));
        assert_eq!(t.ranges().len(), 2);
        assert!(TrustedProxies::default().is_empty());
        assert!(TrustedProxies::parse(["10.0.0.0/8", "nope"]).is_err());
        let collected: TrustedProxies = [cidr("10.0.0.0/8")].into_iter().collect();
        assert_eq!(collected, TrustedProxies::from(vec![cidr("10.0.0.0/8")]));
    }

    #[test]
    fn no_trust_means_xff_ignored() {
        let remote = Client::Ip(ip("203.0.113.7"));
        let none = TrustedProxies::default();
        assert_eq!(
            attribute(remote, b"198.51.100.9", &none),
            (remote, Attribution::Direct)
        );
        // A connecting address outside the trusted ranges: XFF ignored too.
        let t = trusted(&["10.0.0.0/8"]);
        assert_eq!(
            attribute(remote, b"198.51.100.9", &t),
            (remote, Attribution::Direct)
        );
        // A client field that is no address is never trusted.
        for remote in [Client::Other(b"lb.internal"), Client::None] {
            assert_eq!(
                attribute(remote, b"198.51.100.9", &t),
                (remote, Attribution::Direct)
            );
        }
    }

    #[test]
    fn rightmost_untrusted() {
        let real = Client::Ip(ip("203.0.113.7"));
        for xff in [
            "203.0.113.7",
            "198.51.100.9, 203.0.113.7",
            "198.51.100.9, 203.0.113.7, 10.0.0.6",
            "198.51.100.9,203.0.113.7,10.0.0.6,10.1.1.1",
            " \t198.51.100.9 ,\t203.0.113.7 , 10.0.0.6 ",
            "unknown, 203.0.113.7",
            "<script>, , 203.0.113.7:5678, 10.0.0.6:80",
            "::ffff:203.0.113.7",
            "10.0.0.1, 203.0.113.7",
        ] {
            assert_eq!(via_lb(xff), (real, Attribution::ViaProxy), "{xff:?}");
        }
    }

    #[test]
    fn inside_the_chain() {
        let lb = Client::Ip(ip("10.0.0.5"));
        for xff in [
            "",
            "-",
            "  ",
            "10.0.0.6",
            "10.0.0.6, 10.0.0.7:443",
            "::ffff:10.0.0.6",
        ] {
            assert_eq!(via_lb(xff), (lb, Attribution::Direct), "{xff:?}");
        }
    }

    #[test]
    fn garbage_falls_back_never_left() {
        let lb = Client::Ip(ip("10.0.0.5"));
        let flagged = (lb, Attribution::Fallback(FallbackReason::InvalidToken));
        for xff in [
            "unknown",
            "<script>",
            ",,,",
            ",",
            "203.0.113.7,",
            "203.0.113.7, ",
            "203.0.113.7, unknown",
            "203.0.113.7, <script>alert(1)</script>, 10.0.0.6",
            "203.0.113.7, , 10.0.0.6",
            "203.0.113.7, 1.2.3.4:",
            "203.0.113.7, 1.2.3.4:99999999",
            "203.0.113.7, 0127.0.0.1",
            "203.0.113.7, 127.1",
            "203.0.113.7, 1.2.3.4 5.6.7.8",
            "203.0.113.7, \"1.2.3.4\"",
            "203.0.113.7, for=1.2.3.4",
            "203.0.113.7, host.example.com",
        ] {
            assert_eq!(via_lb(xff), flagged, "{xff:?}");
        }
    }

    #[test]
    fn bounded_walk() {
        let t = trusted(&["10.0.0.0/8"]);
        // 10 000 trusted hops: the walk stops at the cap.
        let hops = vec!["10.0.0.6"; 10_000].join(", ");
        let (w, n) = walk(hops.as_bytes(), &t);
        assert_eq!(w, Walk::Fallback(FallbackReason::TooManyHops));
        assert_eq!(n, MAX_XFF_HOPS);
        // Exactly the cap, all trusted: inside the chain.
        let hops = vec!["10.0.0.6"; MAX_XFF_HOPS].join(",");
        assert_eq!(walk(hops.as_bytes(), &t), (Walk::Inside, MAX_XFF_HOPS));
        // One more untrusted at the left of the cap is never reached.
        let hops = format!("203.0.113.7,{hops}");
        assert_eq!(
            walk(hops.as_bytes(), &t).0,
            Walk::Fallback(FallbackReason::TooManyHops)
        );
        // 10 000 victims then the real client: one entry examined.
        let mut list = vec!["198.51.100.9"; 10_000].join(", ");
        list.push_str(", 203.0.113.7");
        assert_eq!(
            walk(list.as_bytes(), &t),
            (Walk::Client(ip("203.0.113.7")), 1)
        );
        // 10 000 empty entries: the first (rightmost) is already invalid.
        let commas = ",".repeat(10_000);
        assert_eq!(
            walk(commas.as_bytes(), &t),
            (Walk::Fallback(FallbackReason::InvalidToken), 1)
        );
    }

    #[test]
    fn ipv6_chains() {
        let t = trusted(&["2001:db8:ffff::/48", "10.0.0.0/8"]);
        let lb = Client::Ip(ip("2001:db8:ffff::10"));
        let r = |xff: &str| attribute(lb, xff.as_bytes(), &t);
        let via = |s: &str| (Client::Ip(ip(s)), Attribution::ViaProxy);
        assert_eq!(r("2001:db8::bad, 2001:db8:1::7"), via("2001:db8:1::7"));
        assert_eq!(
            r("[2001:db8:1::7]:1234, 2001:db8:ffff::11"),
            via("2001:db8:1::7")
        );
        assert_eq!(
            r("2001:DB8:1:0::7, [2001:db8:ffff::12]:443"),
            via("2001:db8:1::7")
        );
        assert_eq!(r("203.0.113.7, 10.0.0.6"), via("203.0.113.7"));
        assert_eq!(r("[::ffff:203.0.113.7]:80"), via("203.0.113.7"));
        assert_eq!(
            r("2001:db8:1::7, [2001:db8:1::8"),
            (lb, Attribution::Fallback(FallbackReason::InvalidToken))
        );
        assert_eq!(r("2001:db8:ffff::99"), (lb, Attribution::Direct));
        // A mapped connecting address is the same as the IPv4 one.
        let mapped = Client::Ip(IpAddr::V6("::ffff:10.0.0.5".parse().unwrap()));
        assert_eq!(attribute(mapped, b"203.0.113.7", &t), via("203.0.113.7"));
    }

    #[test]
    fn flags_have_ids() {
        assert_eq!(Attribution::default().as_str(), "direct");
        assert_eq!(Attribution::ViaProxy.as_str(), "via_proxy");
        let f = Attribution::Fallback(FallbackReason::TooManyHops);
        assert!(f.is_fallback() && !Attribution::ViaProxy.is_fallback());
        assert_eq!(f.as_str(), "fallback_too_many_hops");
    }
}

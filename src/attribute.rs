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

use std::net::IpAddr;

use ipnet::IpNet;

use crate::net::{self, parse_net};
use crate::record::{self, Client};

/// The most X-Forwarded-For entries examined for one request. Real chains are a
/// handful of hops; a list with more trusted hops than this falls back (flagged).
pub const MAX_XFF_HOPS: usize = 64;

/// The `--trusted-proxy` ranges: load balancers and CDNs whose X-Forwarded-For
/// entries are believed. Empty means "believe no X-Forwarded-For".
///
/// Lookups scan the ranges in order; a proxy list is a few dozen ranges at most.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(ranges: Vec<IpNet>) -> TrustedProxies {
        TrustedProxies(ranges)
    }

    /// Parses each item with [`parse_net`]; the first bad one is the error.
    pub fn parse<I, S>(items: I) -> Result<TrustedProxies, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        items
            .into_iter()
            .map(|s| parse_net(s.as_ref()))
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether `ip` is inside any trusted range.
    #[inline]
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| net::contains(c, ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn ranges(&self) -> &[IpNet] {
        &self.0
    }
}

impl From<Vec<IpNet>> for TrustedProxies {
    fn from(ranges: Vec<IpNet>) -> TrustedProxies {
        TrustedProxies(ranges)
    }
}

impl FromIterator<IpNet> for TrustedProxies {
    fn from_iter<I: IntoIterator<Item = IpNet>>(iter: I) -> TrustedProxies {
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

/// This server's own addresses: `--self` ranges, loopback, and (unless the
/// log comes from another machine, `--no-local-self`) the addresses of this
/// machine's interfaces. Their lines are counted as *self traffic*, never as
/// an offender's.
#[derive(Clone, Debug, Default)]
pub struct SelfAddrs {
    ranges: Vec<IpNet>,
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
                .map(|r| parse_net(r.as_ref()))
                .collect::<Result<Vec<_>, _>>()?,
            local: net::local_addresses()
                .into_iter()
                .filter(|ip| interfaces || ip.is_loopback())
                .collect(),
        })
    }

    /// All of loopback (127/8, `::1`, and their IPv4-mapped forms) is this
    /// machine, not only the addresses its interfaces list.
    pub fn contains(&self, ip: IpAddr) -> bool {
        net::canonical(ip).is_loopback()
            || self.local.contains(&ip)
            || self.ranges.iter().any(|c| net::contains(c, ip))
    }

    /// The addresses counted as self because this machine has them (not
    /// loopback, not named with `--self`): wrong for a log copied from
    /// another machine, so alf says when one of them shows up as a client.
    pub fn interfaces(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.local
            .iter()
            .copied()
            .filter(|ip| !ip.is_loopback() && !self.ranges.iter().any(|c| net::contains(c, *ip)))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn local_addresses_include_loopback() {
        let a = crate::net::local_addresses();
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
            assert!(own.interfaces().all(|ip| !crate::net::contains(
                &crate::net::parse_net("192.0.2.0/24").unwrap(),
                ip
            )));
        }
        assert!(super::SelfAddrs::parse(&["not-a-range"], true).is_err());
    }

    use super::*;

    fn ip(s: &str) -> IpAddr {
        record::parse_ip(s.as_bytes()).unwrap()
    }

    fn cidr(s: &str) -> IpNet {
        parse_net(s).unwrap()
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

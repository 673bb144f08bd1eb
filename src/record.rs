//! One parsed log line: borrowed byte fields plus the scalars every stage needs.
//!
//! Fields stay `&[u8]` slices of the chunk being scanned; nothing is copied or
//! allocated per line. Only the client address, the timestamp, the status and
//! the byte count are parsed, because every report needs them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The client of a request, from the client field only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Client<'a> {
    /// A canonical address: IPv4 (including IPv4-mapped IPv6) or IPv6.
    Ip(IpAddr),
    /// Something that is not an address (a hostname, `-`, junk). Never resolved.
    Other(&'a [u8]),
    /// The format has no client field, or the line names none.
    #[default]
    None,
}

/// A parsed line. Scalars that a format does not carry stay at their defaults.
#[derive(Clone, Debug, Default)]
pub struct Record<'a> {
    pub client: Client<'a>,
    /// Seconds since the Unix epoch, UTC.
    pub ts: Option<i64>,
    /// The time field as written (its zone tells the log's local offset).
    pub time: &'a [u8],
    pub method: &'a [u8],
    /// Request target as written (path and query).
    pub target: &'a [u8],
    pub protocol: &'a [u8],
    /// The raw request line, when the format logs one.
    pub request: &'a [u8],
    pub status: Option<u16>,
    pub bytes: Option<u64>,
    pub referer: &'a [u8],
    pub user_agent: &'a [u8],
    pub vhost: &'a [u8],
    /// Request duration in microseconds.
    pub duration_us: Option<u64>,
    pub xff: &'a [u8],
    /// Error logs: severity (`error`, `proxy_fcgi:error`...).
    pub level: &'a [u8],
    /// Error logs: the message text.
    pub message: &'a [u8],
    /// The host of a syslog prefix the line came behind.
    pub host: &'a [u8],
}

/// Parses a client field into a canonical address.
///
/// Accepts dotted-quad IPv4 with no leading zeros, IPv6 in any RFC 4291 spelling
/// (with an optional `%zone`, dropped), and `[v6]` or `[v6]:port`. IPv4-mapped IPv6
/// becomes IPv4. Ambiguous spellings (`0127.0.0.1`, `127.1`, hex octets) are rejected,
/// so that the canonical form is the only one that reaches any output.
pub fn parse_ip(field: &[u8]) -> Option<IpAddr> {
    if let Some(v4) = parse_v4(field) {
        return Some(IpAddr::V4(Ipv4Addr::from(v4)));
    }
    parse_v6(field).map(canonical_v6)
}

fn canonical_v6(a: Ipv6Addr) -> IpAddr {
    match a.to_ipv4_mapped() {
        Some(v4) => IpAddr::V4(v4),
        None => IpAddr::V6(a),
    }
}

/// Strict dotted-quad: four decimal octets, no leading zeros, nothing else.
///
/// The field is copied into a zero-padded 16-byte buffer first, so that the
/// digit loop reads without bounds checks (a zero is neither a digit nor a
/// dot, so the padding ends the address as the field's end would).
#[inline]
pub fn parse_v4(s: &[u8]) -> Option<u32> {
    if !(7..=15).contains(&s.len()) {
        return None;
    }
    let mut b = [0u8; 16];
    b[..s.len()].copy_from_slice(s);
    let digit = |i: usize| {
        let d = b[i & 15].wrapping_sub(b'0');
        (d < 10).then_some(d as u32)
    };
    let mut acc = 0u32;
    let mut i = 0;
    for k in 0..4 {
        let mut v = digit(i)?;
        i += 1;
        if let Some(d) = digit(i) {
            if v == 0 {
                return None; // leading zero: octal in some parsers
            }
            v = v * 10 + d;
            i += 1;
            if let Some(d) = digit(i) {
                v = v * 10 + d;
                i += 1;
            }
        }
        if v > 255 {
            return None;
        }
        acc = (acc << 8) | v;
        if k < 3 {
            if b[i & 15] != b'.' {
                return None;
            }
            i += 1;
        }
    }
    (i == s.len()).then_some(acc)
}

fn parse_v6(s: &[u8]) -> Option<Ipv6Addr> {
    if s.len() < 2 || s.len() > 64 {
        return None;
    }
    let mut s = s;
    // `[2001:db8::1]` or `[2001:db8::1]:443`.
    if s[0] == b'[' {
        let close = memchr::memchr(b']', s)?;
        let rest = &s[close + 1..];
        let port_ok = rest.len() > 1 && rest[0] == b':' && rest[1..].iter().all(u8::is_ascii_digit);
        if !rest.is_empty() && !port_ok {
            return None;
        }
        s = &s[1..close];
    }
    // Zone ids (`fe80::1%eth0`) name a local interface; the address stands without it.
    if let Some(p) = memchr::memchr(b'%', s) {
        s = &s[..p];
    }
    v6_groups(s).map(Ipv6Addr::from)
}

/// Each byte's value as a hex digit, or 255.
static HEX: [u8; 256] = {
    let mut t = [255u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = match i as u8 {
            b @ b'0'..=b'9' => b - b'0',
            b @ b'a'..=b'f' => b - b'a' + 10,
            b @ b'A'..=b'F' => b - b'A' + 10,
            _ => 255,
        };
        i += 1;
    }
    t
};

/// RFC 4291 text form: up to eight hex groups, one `::`, an optional dotted
/// IPv4 tail. Hand-written: the standard parser costs several times more, and
/// every IPv6 client goes through here.
fn v6_groups(s: &[u8]) -> Option<[u16; 8]> {
    let mut head = [0u16; 8];
    let mut tail = [0u16; 8];
    let (mut nh, mut nt) = (0usize, 0usize);
    let mut gap = false;
    let mut i = 0;
    if s.starts_with(b"::") {
        gap = true;
        i = 2;
        if i == s.len() {
            return Some([0; 8]);
        }
    }
    loop {
        let rest = &s[i..];
        // One pass over the group: its digits' values, and how many.
        let mut g = 0u32;
        let mut digits = 0;
        while let Some(&v) = rest.get(digits).map(|&b| &HEX[b as usize]) {
            if v > 15 {
                break;
            }
            g = (g << 4) | v as u32;
            digits += 1;
        }
        // A dotted IPv4 tail takes the last two groups: its first octet is
        // read as hex digits up to the first dot, and it must run to the end.
        if rest.get(digits) == Some(&b'.') {
            let v4 = parse_v4(rest)?;
            for g in [(v4 >> 16) as u16, v4 as u16] {
                let (arr, n) = if gap {
                    (&mut tail, &mut nt)
                } else {
                    (&mut head, &mut nh)
                };
                *arr.get_mut(*n)? = g;
                *n += 1;
            }
            break;
        }
        if digits == 0 || digits > 4 {
            return None;
        }
        let g = g as u16;
        let (arr, n) = if gap {
            (&mut tail, &mut nt)
        } else {
            (&mut head, &mut nh)
        };
        *arr.get_mut(*n)? = g;
        *n += 1;
        i += digits;
        if i == s.len() {
            break;
        }
        if s[i] != b':' {
            return None;
        }
        i += 1;
        if s.get(i) == Some(&b':') {
            if gap {
                return None;
            }
            gap = true;
            i += 1;
            if i == s.len() {
                break;
            }
        } else if i == s.len() {
            return None;
        }
    }
    let total = nh + nt;
    if (gap && total > 7) || (!gap && total != 8) {
        return None;
    }
    let mut out = head;
    out[8 - nt..].copy_from_slice(&tail[..nt]);
    Some(out)
}

/// Splits `addr:port` (IPv4) or `[v6]:port` as written in error logs and XFF lists.
pub fn parse_ip_port(field: &[u8]) -> Option<IpAddr> {
    if let Some(ip) = parse_ip(field) {
        return Some(ip);
    }
    let colon = memchr::memrchr(b':', field)?;
    let (host, port) = (&field[..colon], &field[colon + 1..]);
    if port.is_empty() || port.len() > 5 || !port.iter().all(u8::is_ascii_digit) {
        return None;
    }
    parse_ip(host)
}

/// The client field becomes an address, or stays text; never anything else.
pub fn client_from_field(field: &[u8]) -> Client<'_> {
    match parse_ip(field) {
        Some(ip) => Client::Ip(ip),
        None if field.is_empty() => Client::None,
        None => Client::Other(field),
    }
}

/// A compact, hashable key for an address: IPv4 as IPv4-mapped IPv6.
#[inline]
pub fn ip_key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => 0xffff_0000_0000u128 | u32::from(v4) as u128,
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// Whether an [`ip_key`] holds an IPv4 address.
#[inline]
pub fn is_v4_key(k: u128) -> bool {
    k >> 32 == 0xffff
}

/// The inverse of [`ip_key`].
pub fn ip_from_key(k: u128) -> IpAddr {
    canonical_v6(Ipv6Addr::from(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(b: &str) -> Option<String> {
        parse_ip(b.as_bytes()).map(|ip| ip.to_string())
    }

    #[test]
    fn ipv4_strict() {
        assert_eq!(s("1.2.3.4").as_deref(), Some("1.2.3.4"));
        assert_eq!(s("255.255.255.255").as_deref(), Some("255.255.255.255"));
        assert_eq!(s("0.0.0.0").as_deref(), Some("0.0.0.0"));
        for bad in [
            "0127.0.0.1",
            "0x7f.0.0.1",
            "127.1",
            "1.2.3.4.5",
            "256.1.1.1",
            "1.2.3.4 ",
            "01.2.3.4",
            "1..2.3",
            "",
        ] {
            assert_eq!(s(bad), None, "{bad:?} must be rejected");
        }
    }

    /// Against the standard library's parser (which also rejects leading
    /// zeros), on every short string of digits and dots, and some longer.
    #[test]
    fn ipv4_agrees_with_std() {
        let alphabet = b"0123456789.";
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for n in 0..200_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 19) as usize;
            let mut v: Vec<u8> = (0..len)
                .map(|i| alphabet[((x >> (i * 3)) as usize ^ n as usize) % alphabet.len()])
                .collect();
            if n % 3 == 0 {
                // Mostly well-shaped: four octets of one to three digits.
                let oct = |k: u64| ((x >> (k * 9)) % 300).to_string();
                v = format!("{}.{}.{}.{}", oct(0), oct(1), oct(2), oct(3)).into_bytes();
            }
            let std = std::str::from_utf8(&v)
                .ok()
                .and_then(|t| t.parse::<Ipv4Addr>().ok())
                .map(u32::from);
            assert_eq!(parse_v4(&v), std, "{:?}", String::from_utf8_lossy(&v));
        }
    }

    #[test]
    fn ipv6_canonical() {
        assert_eq!(s("2001:DB8:0:0::1").as_deref(), Some("2001:db8::1"));
        assert_eq!(s("[2001:db8::1]:443").as_deref(), Some("2001:db8::1"));
        assert_eq!(s("[2001:db8::1]").as_deref(), Some("2001:db8::1"));
        assert_eq!(s("fe80::1%eth0").as_deref(), Some("fe80::1"));
        assert_eq!(s("::1").as_deref(), Some("::1"));
        assert_eq!(s("::ffff:127.0.0.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(s("::ffff:7f00:1").as_deref(), Some("127.0.0.1"));
        assert_eq!(s("::FFFF:203.0.113.7").as_deref(), Some("203.0.113.7"));
        for bad in [
            "crawl-1.example.com",
            "-",
            "unknown",
            "$(reboot)",
            "`id`",
            "1.2.3.4;rm -rf ~",
            "[::1]x",
            "::g",
        ] {
            assert_eq!(s(bad), None, "{bad:?} must be rejected");
        }
    }

    #[test]
    fn v6_parser_agrees_with_std() {
        let cases = [
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1::8",
            "1:2::7:8",
            "::ffff:1.2.3.4",
            "64:ff9b::192.0.2.33",
            "1:2:3:4:5:6:1.2.3.4",
            "2001:db8:0:0:0:0:2:1",
            "fe80::",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            ":1",
            "1:",
            "1:::2",
            "12345::",
            "1.2.3.4",
            "::1.2.3",
            "g::",
            "1:2:3:4:5:6:7",
            "::ffff:01.2.3.4",
            "1:2:3:4:5:6:7::8",
            "",
            "::1.2.3.4:5",
            "1:2:3:4:5:6:7:1.2.3.4",
        ];
        for c in cases {
            let std = c.parse::<Ipv6Addr>().ok();
            let ours = v6_groups(c.as_bytes()).map(Ipv6Addr::from);
            assert_eq!(ours, std, "{c:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(20_000))]
        /// Any text of the characters an address is written with, and the
        /// shapes around a dotted tail, reads as the standard parser reads it.
        #[test]
        fn v6_parser_agrees_with_std_on_any_text(
            s in "[0-9a-fA-F:.g]{0,45}|:?(:?[0-9a-fA-F]{1,5}:){0,8}:?([0-9a-f]{1,5}|[0-9.]{1,17})?"
        ) {
            let std = s.parse::<Ipv6Addr>().ok();
            let ours = v6_groups(s.as_bytes()).map(Ipv6Addr::from);
            proptest::prop_assert_eq!(ours, std);
        }
    }

    #[test]
    fn ip_port_forms() {
        let p = |b: &str| parse_ip_port(b.as_bytes()).map(|ip| ip.to_string());
        assert_eq!(p("136.175.9.209:41736").as_deref(), Some("136.175.9.209"));
        assert_eq!(p("[2001:db8::1]:1").as_deref(), Some("2001:db8::1"));
        assert_eq!(p("1.2.3.4").as_deref(), Some("1.2.3.4"));
        assert_eq!(p("1.2.3.4:").as_deref(), None);
        assert_eq!(p("host:80").as_deref(), None);
    }

    #[test]
    fn key_roundtrip() {
        for a in ["1.2.3.4", "2001:db8::1", "::1", "0.0.0.0"] {
            let ip = parse_ip(a.as_bytes()).unwrap();
            assert_eq!(ip_from_key(ip_key(ip)), ip);
        }
    }
}

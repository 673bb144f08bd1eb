//! X-Forwarded-For attribution, cases 10–13 of `hardening.md`: XFF ignored without
//! trusted proxies, the rightmost untrusted entry behind them, garbage that falls
//! back to the connecting address (flagged, never a token further left), and
//! framing: victims written on the left never become the client.

use std::net::IpAddr;

use alf::attribute::{attribute, Attribution, FallbackReason, TrustedProxies, MAX_XFF_HOPS};
use alf::net::{contains, parse_net};
use alf::record::{client_from_field, parse_ip, Client};

fn ip(s: &str) -> IpAddr {
    parse_ip(s.as_bytes()).unwrap()
}

fn trusted(list: &[&str]) -> TrustedProxies {
    TrustedProxies::parse(list).unwrap()
}

/// A request that came in from the load balancer 10.0.0.5, `--trusted-proxy 10.0.0.0/8`.
fn via_lb(xff: &[u8]) -> (Client<'static>, Attribution) {
    attribute(
        client_from_field(b"10.0.0.5"),
        xff,
        &trusted(&["10.0.0.0/8"]),
    )
}

const INVALID: Attribution = Attribution::Fallback(FallbackReason::InvalidToken);

#[test]
fn case_10_xff_ignored_without_trusted_proxies() {
    let remote = client_from_field(b"203.0.113.7");
    let got = attribute(remote, b"198.51.100.9", &TrustedProxies::default());
    assert_eq!(got, (Client::Ip(ip("203.0.113.7")), Attribution::Direct));
    // With trusted ranges that do not hold the connecting address: still ignored.
    let got = attribute(remote, b"198.51.100.9", &trusted(&["10.0.0.0/8"]));
    assert_eq!(got, (Client::Ip(ip("203.0.113.7")), Attribution::Direct));
}

#[test]
fn case_11_rightmost_untrusted() {
    let real = (Client::Ip(ip("203.0.113.7")), Attribution::ViaProxy);
    assert_eq!(via_lb(b"198.51.100.9, 203.0.113.7"), real);
    assert_eq!(via_lb(b"198.51.100.9, 203.0.113.7, 10.0.0.6"), real);
    // The leftmost is never used, however it is written.
    for xff in [
        "198.51.100.9,203.0.113.7,10.0.0.6",
        "  198.51.100.9 ,  203.0.113.7  ,10.0.0.6  ",
        "198.51.100.9, 203.0.113.7:41736, [::ffff:10.0.0.6]:80",
    ] {
        assert_eq!(via_lb(xff.as_bytes()), real, "{xff:?}");
    }
}

#[test]
fn case_12_garbage() {
    let lb = Client::Ip(ip("10.0.0.5"));
    // Garbage as the rightmost untrusted token: the connecting address, flagged.
    for xff in [
        "unknown",
        "<script>",
        ",,,",
        "198.51.100.9, unknown",
        "198.51.100.9, <script>alert(1)</script>",
        "198.51.100.9, , 10.0.0.6",
        "198.51.100.9,",
        "198.51.100.9, 1.2.3.4:",
        "198.51.100.9, \u{1b}[31m1.2.3.4",
        "198.51.100.9, 1.2.3.4\u{202e}",
    ] {
        assert_eq!(via_lb(xff.as_bytes()), (lb, INVALID), "{xff:?}");
    }
    // Empty (or absent, logged `-`): the request came from inside the trusted chain.
    assert_eq!(via_lb(b""), (lb, Attribution::Direct));
    assert_eq!(via_lb(b"-"), (lb, Attribution::Direct));
    // Tokens with ports are addresses.
    assert_eq!(
        via_lb(b"1.2.3.4:5678"),
        (Client::Ip(ip("1.2.3.4")), Attribution::ViaProxy)
    );
    assert_eq!(
        via_lb(b"[2001:db8::1]:1"),
        (Client::Ip(ip("2001:db8::1")), Attribution::ViaProxy)
    );
    // Invalid UTF-8 and NUL bytes are just invalid tokens.
    assert_eq!(via_lb(b"198.51.100.9, 1.2.3.4\xff\x00"), (lb, INVALID));
}

#[test]
fn case_12_ten_thousand_entries() {
    let lb = Client::Ip(ip("10.0.0.5"));
    let real = (Client::Ip(ip("203.0.113.7")), Attribution::ViaProxy);

    // 10 000 victims, the real client, a trusted hop.
    let mut xff = (0..10_000)
        .map(|i| format!("198.51.{}.{}", i / 250, i % 250))
        .collect::<Vec<_>>()
        .join(", ");
    xff.push_str(", 203.0.113.7, 10.0.0.6");
    assert_eq!(via_lb(xff.as_bytes()), real);

    // 10 000 empty entries.
    assert_eq!(via_lb(",".repeat(10_000).as_bytes()), (lb, INVALID));

    // 10 000 trusted hops: beyond the cap, flagged, never the untrusted one on the left.
    let xff = format!("203.0.113.7, {}", vec!["10.0.0.6"; 10_000].join(", "));
    assert_eq!(
        via_lb(xff.as_bytes()),
        (lb, Attribution::Fallback(FallbackReason::TooManyHops))
    );
    // Up to the cap, trusted hops are skipped.
    let xff = format!(
        "203.0.113.7, {}",
        vec!["10.0.0.6"; MAX_XFF_HOPS - 1].join(", ")
    );
    assert_eq!(via_lb(xff.as_bytes()), real);
}

#[test]
fn case_12_sixty_four_kib_header() {
    let lb = Client::Ip(ip("10.0.0.5"));
    let kib64 = 64 * 1024;
    // One 64 KiB token.
    assert_eq!(via_lb(&vec![b'A'; kib64]), (lb, INVALID));
    // 64 KiB of spaces, commas, colons, brackets.
    for fill in [b' ', b',', b':', b'[', b'.', b'1'] {
        let got = via_lb(&vec![fill; kib64]);
        assert_eq!(got.0, lb, "fill {:?}", fill as char);
        assert!(
            got.1 == INVALID || (fill == b' ' && got.1 == Attribution::Direct),
            "fill {:?}: {:?}",
            fill as char,
            got.1
        );
    }
    // 64 KiB of junk on the left of a good chain: the good chain wins.
    let mut xff = "x".repeat(kib64);
    xff.push_str(", 203.0.113.7, 10.0.0.6");
    assert_eq!(
        via_lb(xff.as_bytes()),
        (Client::Ip(ip("203.0.113.7")), Attribution::ViaProxy)
    );
    // A 64 KiB token that ends like an address, and one with an address-like port.
    let mut xff = "9".repeat(kib64);
    xff.push_str("1.2.3.4");
    assert_eq!(via_lb(xff.as_bytes()), (lb, INVALID));
    let mut xff = "1.2.3.4".to_string();
    xff.push_str(&":".repeat(kib64));
    xff.push_str("80");
    assert_eq!(via_lb(xff.as_bytes()), (lb, INVALID));
}

#[test]
fn case_12_duplicated_headers_are_one_list() {
    // Two X-Forwarded-For headers, logged joined with ", ".
    let real = (Client::Ip(ip("203.0.113.7")), Attribution::ViaProxy);
    assert_eq!(via_lb(b"198.51.100.9, 203.0.113.7, 10.0.0.6"), real);
    assert_eq!(
        via_lb(b"198.51.100.9, 203.0.113.7, 10.0.0.6, 10.0.0.7"),
        real
    );
    // The attacker's own header comes first; the proxy's second.
    assert_eq!(via_lb(b"unknown, 198.51.100.9, 203.0.113.7"), real);
}

#[test]
fn case_13_framing_via_xff() {
    let t = trusted(&["10.0.0.0/8", "2001:db8:ffff::/48"]);
    let mut clients = Vec::new();
    for i in 0..1000u32 {
        // A different victim on the left each time, in every spelling.
        let victim = match i % 5 {
            0 => format!("198.51.100.{}", i % 256),
            1 => format!("2001:db8:{:x}::1", i),
            2 => format!("[::ffff:192.0.2.{}]:{}", i % 256, i),
            3 => format!("10.0.{}.{}", i / 256, i % 256), // looks trusted
            _ => format!("192.0.2.{}, 198.51.100.{}", i % 256, (i + 1) % 256),
        };
        let remote = if i % 2 == 0 {
            "10.0.0.5"
        } else {
            "2001:db8:ffff::5"
        };
        let xff = format!("{victim}, 203.0.113.7:{}, 10.0.0.6", 1024 + i);
        let (client, how) = attribute(client_from_field(remote.as_bytes()), xff.as_bytes(), &t);
        assert_eq!(how, Attribution::ViaProxy, "{xff:?}");
        clients.push(client);
    }
    assert_eq!(clients.len(), 1000);
    assert!(clients.iter().all(|c| *c == Client::Ip(ip("203.0.113.7"))));
}

#[test]
fn ipv6_and_mapped() {
    let t = trusted(&["2001:db8:ffff::/48", "::ffff:10.0.0.0/104"]);
    // The mapped range is the IPv4 one.
    assert_eq!(t.ranges()[1], parse_net("10.0.0.0/8").unwrap());
    assert_eq!(t.ranges()[1].to_string(), "10.0.0.0/8");
    // A mapped connecting address is IPv4, and so is a mapped XFF entry.
    let remote = client_from_field(b"::ffff:10.0.0.5");
    assert_eq!(remote, Client::Ip(ip("10.0.0.5")));
    assert_eq!(
        attribute(remote, b"::ffff:203.0.113.7, ::ffff:10.0.0.6", &t),
        (Client::Ip(ip("203.0.113.7")), Attribution::ViaProxy)
    );
    // IPv6 chain.
    let remote = client_from_field(b"[2001:db8:ffff::5]:443");
    assert_eq!(
        attribute(
            remote,
            b"2001:db8::dead, 2001:DB8:1:0:0::7, [2001:db8:ffff::6]:8080",
            &t
        ),
        (Client::Ip(ip("2001:db8:1::7")), Attribution::ViaProxy)
    );
    // An IPv6 range never trusts IPv4, even ::/0.
    let all6 = trusted(&["::/0"]);
    let remote = client_from_field(b"203.0.113.7");
    assert_eq!(
        attribute(remote, b"198.51.100.9", &all6),
        (remote, Attribution::Direct)
    );
    // A zone id on an entry is dropped.
    assert_eq!(
        attribute(client_from_field(b"2001:db8:ffff::5"), b"fe80::1%eth0", &t),
        (Client::Ip(ip("fe80::1")), Attribution::ViaProxy)
    );
}

#[test]
fn cidr_parsing() {
    for (text, want) in [
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("10.9.8.7/8", "10.0.0.0/8"),
        ("2001:db8::/32", "2001:db8::/32"),
        ("198.51.100.9", "198.51.100.9/32"),
        ("2001:db8::1", "2001:db8::1/128"),
        ("::ffff:198.51.100.0/120", "198.51.100.0/24"),
    ] {
        assert_eq!(parse_net(text).unwrap().to_string(), want, "{text:?}");
    }
    for bad in [
        "10.0.0.0/33",
        "10/8",
        "::ffff:10.0.0.0/8",
        "[::1]/128",
        "x/8",
        "",
    ] {
        assert!(parse_net(bad).is_err(), "{bad:?}");
    }
    let c = parse_net("198.51.100.0/24").unwrap();
    assert!(contains(&c, ip("198.51.100.255")) && !contains(&c, ip("198.51.101.0")));
}

//! The X-Forwarded-For walk, against a naive reading of the rules in
//! `attribute.rs`: split the whole list at commas, trim, and walk from the
//! right over at most `MAX_XFF_HOPS` entries. The first byte picks the
//! connecting address and the trusted ranges; the rest is the header.
#![no_main]

use alf::attribute::{attribute, Attribution, FallbackReason, TrustedProxies, MAX_XFF_HOPS};
use alf::record::{parse_ip_port, Client};
use alf_fuzz::check_client;
use libfuzzer_sys::fuzz_target;

const REMOTES: [&str; 4] = ["10.0.0.1", "198.51.100.7", "2001:db8::1", "192.0.2.1"];
const RANGES: [&str; 4] = [
    "10.0.0.0/8",
    "2001:db8::/32",
    "192.0.2.0/24",
    "127.0.0.1/32",
];

fn trim(s: &[u8]) -> &[u8] {
    let a = s.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
    let s = &s[a..];
    let z = s
        .iter()
        .rev()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    &s[..s.len() - z]
}

fn naive<'a>(
    remote: Client<'a>,
    xff: &[u8],
    trusted: &TrustedProxies,
) -> (Client<'a>, Attribution) {
    let Client::Ip(peer) = remote else {
        return (remote, Attribution::Direct);
    };
    if !trusted.contains(peer) {
        return (remote, Attribution::Direct);
    }
    let list = trim(xff);
    if list.is_empty() || list == b"-" {
        return (remote, Attribution::Direct);
    }
    for (n, token) in list.split(|&b| b == b',').rev().enumerate() {
        if n == MAX_XFF_HOPS {
            return (remote, Attribution::Fallback(FallbackReason::TooManyHops));
        }
        match parse_ip_port(trim(token)) {
            None => return (remote, Attribution::Fallback(FallbackReason::InvalidToken)),
            Some(ip) if !trusted.contains(ip) => return (Client::Ip(ip), Attribution::ViaProxy),
            Some(_) => {}
        }
    }
    (remote, Attribution::Direct)
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, xff)) = data.split_first() else {
        return;
    };
    let remote = Client::Ip(REMOTES[usize::from(pick & 3)].parse().unwrap());
    let trusted: TrustedProxies = RANGES
        .iter()
        .enumerate()
        .filter(|(i, _)| pick >> (2 + i) & 1 == 1)
        .map(|(_, r)| r.parse::<ipnet::IpNet>().unwrap())
        .collect();
    let got = attribute(remote, xff, &trusted);
    check_client(&got.0);
    assert_eq!(got, naive(remote, xff, &trusted));
    if let (Client::Ip(ip), Attribution::ViaProxy) = got {
        assert!(!trusted.contains(ip));
    }
});

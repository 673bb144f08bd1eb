//! Rule files read back, and the protections they must keep, shared by
//! `tests/rules.rs` and the `rules` fuzz target (which takes this file with
//! `#[path]`): one reader a target, the way its tool reads the file, so the
//! prefixes a rendered file installs can be compared with the plan's; and the
//! addresses and networks that salt offender sets with everything alf must
//! never block.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::net::IpAddr;

use alf::rules::Protect;
use ipnet::IpNet;

/// Offenders alf must never block: special ranges (also IPv4-mapped), this
/// machine, the trusted proxy, the `--allow` ranges, the SSH session
/// (see [`protect`]); and documentation addresses, which it may.
pub const SALTS: [&str; 24] = [
    "0.0.0.0",
    "127.0.0.1",
    "127.255.255.254",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.0.1",
    "100.64.0.1",
    "169.254.0.1",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "fe80::1",
    "fc00::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.1.2.3",
    "203.0.113.10",
    "2001:db8:ff::1",
    "198.51.100.3",
    "198.51.100.77",
    "2001:db8:5::9",
    "192.0.2.99",
];

/// Network offenders: the whole address space, special ranges, and ranges
/// that hold protected addresses or none.
pub const SALT_NETS: [&str; 8] = [
    "0.0.0.0/0",
    "::/0",
    "10.0.0.0/8",
    "127.0.0.0/8",
    "198.51.100.0/24",
    "2001:db8:5::/48",
    "203.0.113.0/25",
    "2001:db8:7::/56",
];

/// The protections the salts are checked against.
pub fn protect() -> Protect {
    Protect {
        local: vec![
            "203.0.113.10".parse().unwrap(),
            "2001:db8:ff::1".parse().unwrap(),
        ],
        trusted: vec!["198.51.100.0/28".parse().unwrap()],
        allow: vec![
            "198.51.100.77/32".parse().unwrap(),
            "2001:db8:5::/64".parse().unwrap(),
        ],
        ssh: Some("192.0.2.99".parse().unwrap()),
    }
}

/// Every network no block may overlap: the special ranges and `p`'s.
pub fn protected(p: &Protect) -> Vec<IpNet> {
    let mut v: Vec<IpNet> = alf::net::special_ranges().iter().map(|s| s.net).collect();
    v.extend(p.local.iter().map(|ip| IpNet::from(*ip)));
    v.extend(p.trusted.iter().chain(&p.allow).copied());
    v.extend(p.ssh.map(IpNet::from));
    v
}

/// Every address or prefix in `s`, a bare address as a host (IPv4-mapped
/// made IPv4).
pub fn tokens(s: &str) -> Vec<IpNet> {
    s.split(|c: char| c.is_whitespace() || ",;{}[]='\"".contains(c))
        .filter_map(|t| {
            t.parse::<IpNet>().ok().or_else(|| {
                t.parse::<IpAddr>()
                    .ok()
                    .map(|a| IpNet::from(alf::net::canonical(a)))
            })
        })
        .collect()
}

/// The prefixes target `id` should install, given the plan's blocks and the
/// origin policy's open ranges.
pub fn wanted(id: &str, blocks: &[IpNet], origin_allow: &[IpNet]) -> BTreeSet<IpNet> {
    let (list, family) = match id {
        "origin-nftables" | "origin-aws-sg" => (origin_allow, None),
        "origin-iptables" => (origin_allow, Some(true)),
        "iptables" => (blocks, Some(true)),
        "ip6tables" => (blocks, Some(false)),
        _ => (blocks, None),
    };
    list.iter()
        .filter(|n| family.is_none_or(|v4| n.addr().is_ipv4() == v4))
        .copied()
        .collect()
}

/// Checks that the file target `id` rendered installs exactly `want`, and,
/// where the format allows telling, that nothing else address-like stands
/// outside its comments.
pub fn assert_reads_back(id: &str, text: &str, want: &BTreeSet<IpNet>) {
    let (got, strict) = read_back(id, text);
    assert_eq!(&got, want, "{id} reads back otherwise:\n{text}");
    if strict {
        for l in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
            for n in tokens(l) {
                assert!(want.contains(&n), "{id}: stray {n} in {l:?}");
            }
        }
    }
}

/// The prefixes a rendered file holds, read as its tool reads them, and
/// whether to check that nothing else address-like is outside comments.
pub fn read_back(id: &str, text: &str) -> (BTreeSet<IpNet>, bool) {
    let body: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    let mut out = BTreeSet::new();
    // The origin policy for AWS opens each range once per port.
    let once = id != "origin-aws-sg";
    let mut add = |n: IpNet| {
        assert!(out.insert(n) || !once, "{id}: {n} twice");
    };
    let after = |l: &str, p: &str| l.strip_prefix(p).map(str::to_string);
    match id {
        "nftables" | "origin-nftables" => {
            let mut set = None;
            let mut inside = false;
            for l in &body {
                let t = l.trim();
                if let Some(name) = t.strip_prefix("set ") {
                    set = Some(name.trim_end_matches(" {").to_string());
                }
                let v4 = set.as_deref().is_some_and(|s| s.ends_with("v4"));
                let line = if let Some(rest) = t.strip_prefix("elements = {") {
                    inside = !rest.ends_with('}');
                    rest.trim_end_matches('}')
                } else if inside {
                    if t == "}" {
                        inside = false;
                        continue;
                    }
                    t
                } else {
                    continue;
                };
                for n in tokens(line) {
                    assert_eq!(n.addr().is_ipv4(), v4, "{id}: {n} in set {set:?}");
                    add(n);
                }
            }
        }
        "iptables" | "ip6tables" | "origin-iptables" => {
            for l in &body {
                if let Some(rest) = after(l, "-A ") {
                    let w: Vec<&str> = rest.split(' ').collect();
                    if w.get(1) == Some(&"-s") {
                        add(w[2].parse().unwrap());
                    }
                }
            }
        }
        "ipset" => {
            for l in &body {
                if let Some(rest) = after(l, "add ") {
                    let w: Vec<&str> = rest.split(' ').collect();
                    let n: IpNet = w[1].parse().unwrap();
                    assert_eq!(w[0].ends_with("-v4-new"), n.addr().is_ipv4(), "{l}");
                    add(n);
                }
            }
        }
        "firewalld" => {
            let mut inside = false;
            for l in &body {
                if l.ends_with("<<'ALF_ENTRIES'") {
                    inside = true;
                } else if *l == "ALF_ENTRIES" {
                    inside = false;
                } else if inside {
                    add(l.parse().unwrap());
                }
            }
        }
        "route" => {
            for l in &body {
                let w: Vec<&str> = l.split(' ').collect();
                match w.as_slice() {
                    ["route", "add", "-host", a, "reject", ..] => {
                        add(IpNet::from(a.parse::<IpAddr>().unwrap()))
                    }
                    ["ip", fam, "route", "add", "blackhole", n, ..] => {
                        let n: IpNet = n.parse().unwrap();
                        assert_eq!(*fam == "-4", n.addr().is_ipv4());
                        add(n);
                    }
                    _ => {}
                }
            }
        }
        "nginx" => {
            for l in &body {
                if let Some(n) = after(l, "deny ") {
                    add(n.trim_end_matches(';').parse().unwrap());
                }
            }
        }
        "apache" => {
            for l in &body {
                if let Some(n) = after(l.trim(), "Require not ip ") {
                    add(n.parse().unwrap());
                }
            }
        }
        "aws-nacl" => {
            for l in &body {
                let w: Vec<&str> = l.split(' ').collect();
                if let Some(i) = w
                    .iter()
                    .position(|x| *x == "--cidr-block" || *x == "--ipv6-cidr-block")
                {
                    let n: IpNet = w[i + 1].parse().unwrap();
                    assert_eq!(w[i] == "--cidr-block", n.addr().is_ipv4());
                    add(n);
                }
            }
        }
        "aws-waf" => {
            for l in &body {
                if let Some((_, list)) = l.split_once(" --addresses ") {
                    for n in list.split(' ') {
                        add(n.parse().unwrap());
                    }
                }
            }
        }
        "plain" => {
            for l in &body {
                add(l.parse().unwrap());
            }
        }
        "json" => {
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            for b in v["blocks"].as_array().unwrap() {
                add(b["cidr"].as_str().unwrap().parse().unwrap());
            }
            return (out, false);
        }
        "origin-aws-sg" => {
            for l in &body {
                if l.contains("authorize-security-group-ingress") {
                    for n in tokens(l) {
                        add(n);
                    }
                }
            }
            return (out, false);
        }
        other => panic!("a target the reader does not know: {other}"),
    }
    (out, true)
}

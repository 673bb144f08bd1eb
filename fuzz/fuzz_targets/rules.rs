//! The CIDR grouping and every rule renderer, with a parse-back oracle.
//!
//! The bytes make an offender set salted with protected addresses and
//! networks (every special range, IPv4-mapped forms, this machine, the
//! trusted proxies, `--allow`, the SSH session), dense clusters that invite
//! grouping, and clients seen but not selected. The plan must block no
//! protected address, nothing wider than the floor, no block inside
//! another, and every blockable selected offender (or list it as left out).
//! Then each target renders the plan for its own quota, and its file is read
//! back the way the tool would read it: the prefixes in it must be exactly
//! the plan's (its family's, for iptables and ip6tables; the open ranges,
//! for the origin policies), with nothing else address-like outside comments,
//! and every header line a comment.
#![no_main]

use std::collections::BTreeSet;
use std::net::IpAddr;

use alf::aggregate::{Agg, MAX_CLIENTS};
use alf::classify::ClassId;
use alf::escape::escape;
use alf::findings::{Offender, Source};
use alf::record::ip_key;
use alf::rules::plan::{plan, Budget, Plan, Selection};
use alf::rules::{render, Guard, Header, Protect, Rendering, TargetOpts, TARGETS};
use ipnet::IpNet;
use libfuzzer_sys::fuzz_target;

const SALTS: [&str; 24] = [
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

const SALT_NETS: [&str; 8] = [
    "0.0.0.0/0",
    "::/0",
    "10.0.0.0/8",
    "127.0.0.0/8",
    "198.51.100.0/24",
    "2001:db8:5::/48",
    "203.0.113.0/25",
    "2001:db8:7::/56",
];

fn canon(ip: IpAddr) -> IpAddr {
    alf::net::canonical(ip)
}

/// Every address or prefix in `s`, a bare address as a host.
fn tokens(s: &str) -> Vec<IpNet> {
    s.split(|c: char| c.is_whitespace() || ",;{}[]='\"".contains(c))
        .filter_map(|t| {
            t.parse::<IpNet>()
                .ok()
                .or_else(|| t.parse::<IpAddr>().ok().map(|a| IpNet::from(canon(a))))
        })
        .collect()
}

/// The prefixes a rendered file holds, read as its tool reads them, and
/// whether to check that nothing else address-like is outside comments.
fn read_back(id: &str, text: &str) -> (BTreeSet<IpNet>, bool) {
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
        other => panic!("a target the fuzzer does not know: {other}"),
    }
    (out, true)
}

/// Reads a byte at a time; zeros once the input runs out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn more(&self) -> bool {
        !self.0.is_empty()
    }
}

fn check_plan(p: &Plan, guard: &Guard, protected: &[IpNet], chosen: &[(Source, bool)]) {
    for b in &p.blocks {
        assert_eq!(b.net, b.net.trunc());
        assert!(
            b.net.prefix_len() >= guard.floor(&b.net),
            "{} over the floor",
            b.net
        );
        for pr in protected {
            assert!(
                !(pr.contains(&b.net) || b.net.contains(pr)),
                "{} holds protected {pr}",
                b.net
            );
        }
        let covers = chosen.iter().any(|(s, _)| match s {
            Source::Ip(ip) => b.net.contains(ip),
            Source::Net(n) => b.net.contains(n) || n.contains(&b.net),
            Source::Other(_) => false,
        });
        assert!(covers, "{} blocks no selected offender", b.net);
    }
    for w in p.blocks.windows(2) {
        assert!(
            !w[0].net.contains(&w[1].net),
            "{} holds {}",
            w[0].net,
            w[1].net
        );
        let key = |n: &IpNet| (!n.addr().is_ipv4(), n.network());
        assert!(key(&w[0].net) < key(&w[1].net), "out of order");
    }
    for (s, _) in chosen {
        if let Source::Ip(ip) = s {
            if guard.hold(*ip).is_none() {
                let held = |bs: &[alf::rules::Block]| bs.iter().any(|b| b.net.contains(ip));
                assert!(
                    held(&p.blocks) || held(&p.left_out),
                    "{ip} neither blocked nor left out"
                );
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut r = Bytes(data);
    let f = r.u8();
    let sel = Selection {
        group_min: 1 + usize::from(f & 3),
        density: [0.0, 0.25, 0.5, 1.0][usize::from(f >> 2 & 3)],
        ..Selection::default()
    };
    let floors = r.u8();
    let (floor_v4, floor_v6) = if floors & 1 == 0 {
        (24, 48)
    } else {
        (8 + floors % 25, 16 + floors % 113)
    };
    let quota = r.u8();
    let protect = Protect {
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
    };
    let guard = Guard::new(&protect, floor_v4, floor_v6);
    let mut protected: Vec<IpNet> = alf::net::special_ranges().iter().map(|s| s.net).collect();
    protected.extend(protect.local.iter().map(|ip| IpNet::from(*ip)));
    protected.extend(protect.trusted.iter().chain(&protect.allow).copied());
    protected.push(IpNet::from(protect.ssh.unwrap()));

    let mut agg = Agg::new(None, MAX_CLIENTS);
    let mut offenders = Vec::new();
    let mut chosen = Vec::new();
    while r.more() && offenders.len() < 200 {
        let k = r.u8();
        let (a, b, c, d) = (r.u8(), r.u8(), r.u8(), r.u8());
        let source = match k & 7 {
            0 | 1 => Source::Ip(canon(SALTS[usize::from(a) % SALTS.len()].parse().unwrap())),
            2 => {
                let n: IpNet = SALT_NETS[usize::from(a) % SALT_NETS.len()].parse().unwrap();
                // Or a prefix of its own, over a random address.
                if b & 1 == 1 {
                    let ip = IpAddr::from([c, d, a, b]);
                    Source::Net(IpNet::new(ip, c % 33).unwrap().trunc())
                } else {
                    Source::Net(n)
                }
            }
            3 => Source::Ip(IpAddr::from(
                (0x2001_0db8_0007_0000u128 << 64 | u128::from(c) << 8 | u128::from(d))
                    .to_be_bytes(),
            )),
            4 => Source::Ip(IpAddr::from([198, 51, 100, d])),
            5 => Source::Ip(IpAddr::from([203, 0, 113, d])),
            6 => Source::Ip(IpAddr::from([a, b, c, d])),
            _ => Source::Ip(IpAddr::from(
                (0x2a00u128 << 112
                    | u128::from(a) << 80
                    | u128::from(b) << 64
                    | u128::from(c) << 8
                    | u128::from(d))
                .to_be_bytes(),
            )),
        };
        if let Source::Ip(ip) = source {
            agg.clients.entry(ip_key(ip)).requests += 1 + u64::from(d & 7);
        }
        // Seen only, not an offender.
        if k & 0x80 != 0 {
            continue;
        }
        let score = if k & 0x40 != 0 { 20.0 } else { 100.0 };
        let mut classes = [0u64; ClassId::ALL.len()];
        classes[ClassId::Exploit as usize] = 1;
        if score >= sel.min_score {
            chosen.push((source.clone(), true));
        }
        offenders.push(Offender {
            source,
            score,
            requests: Some(1),
            classes,
            evidence: Vec::new(),
            first_seen: None,
            last_seen: None,
        });
    }
    offenders.sort_by(|x, y| y.score.total_cmp(&x.score));

    let tight = Budget {
        total: (quota & 1 == 1).then_some(usize::from(quota >> 1) % 8),
        per_family: (quota & 2 == 2).then_some(usize::from(quota >> 2) % 5),
    };
    check_plan(
        &plan(&offenders, &agg, &guard, &sel, tight),
        &guard,
        &protected,
        &chosen,
    );

    let opts = TargetOpts {
        expire: (quota & 4 == 4).then_some(3600),
        origin_allow: protect
            .trusted
            .iter()
            .chain(&protect.allow)
            .copied()
            .collect(),
        ..TargetOpts::default()
    };
    let name = escape(data);
    for t in TARGETS {
        let budget = t.budget(&opts);
        let p = plan(&offenders, &agg, &guard, &sel, budget);
        check_plan(&p, &guard, &protected, &chosen);
        let header = Header {
            version: "fuzz",
            target: t.id(),
            inputs: vec![(name.clone(), data.len() as u64)],
            first_seen: None,
            last_seen: None,
            since: None,
            until: None,
            selection: sel.clone(),
            floor_v4,
            floor_v6,
            budget,
            local: protect.local.len(),
            trusted: protect.trusted.len(),
            allow: protect.allow.len(),
            ssh: protect.ssh,
            internal: 0,
        };
        for l in header.lines(&p) {
            assert!(
                !l.contains('\n') && !l.contains('\r'),
                "a header line breaks: {l:?}"
            );
        }
        let mut out = Vec::new();
        render(
            *t,
            &Rendering {
                plan: &p,
                header: &header,
                opts: &opts,
            },
            &mut out,
        )
        .unwrap();
        let text = String::from_utf8(out).expect("rules are UTF-8");
        let want: BTreeSet<IpNet> = match t.id() {
            "origin-nftables" | "origin-aws-sg" => opts.origin_allow.iter().copied().collect(),
            "origin-iptables" => opts
                .origin_allow
                .iter()
                .filter(|n| n.addr().is_ipv4())
                .copied()
                .collect(),
            "iptables" => p.family(true).map(|b| b.net).collect(),
            "ip6tables" => p.family(false).map(|b| b.net).collect(),
            _ => p.blocks.iter().map(|b| b.net).collect(),
        };
        let (got, strict) = read_back(t.id(), &text);
        assert_eq!(got, want, "{} reads back otherwise:\n{text}", t.id());
        if strict {
            for l in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
                for n in tokens(l) {
                    assert!(want.contains(&n), "{}: stray {n} in {l:?}", t.id());
                }
            }
        }
    }
});

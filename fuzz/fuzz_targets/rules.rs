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
//! and every header line a comment. The readers and the salts are
//! `tests/common/rule_files.rs`, which `tests/rules.rs` uses too.
#![no_main]

use std::net::IpAddr;

use alf::aggregate::{Agg, MAX_CLIENTS};
use alf::classify::ClassId;
use alf::escape::escape;
use alf::findings::{Offender, Source};
use alf::input::digest::Digest;
use alf::record::ip_key;
use alf::rules::plan::{plan, Budget, Plan, Selection};
use alf::rules::{render, Guard, Header, Input, Rendering, TargetOpts, TARGETS};
use ipnet::IpNet;
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/rule_files.rs"]
mod rule_files;

use rule_files::{assert_reads_back, protect, protected, wanted, SALTS, SALT_NETS};

fn canon(ip: IpAddr) -> IpAddr {
    alf::net::canonical(ip)
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
    let protect = protect();
    let guard = Guard::new(&protect, floor_v4, floor_v6);
    let protected = protected(&protect);

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
            inputs: vec![Input {
                name: name.clone(),
                bytes: data.len() as u64,
                // Both shapes of an input's line: read as it is, and
                // decompressed (the hash then of the compressed bytes).
                compression: (data.len() % 2 == 1).then_some("gzip"),
                digest: Some(Digest::of_slice(data, |_| {})),
            }],
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
        let blocks: Vec<IpNet> = p.blocks.iter().map(|b| b.net).collect();
        assert_reads_back(t.id(), &text, &wanted(t.id(), &blocks, &opts.origin_allow));
    }
});

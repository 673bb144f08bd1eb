//! What to block: the offenders selected, grouped into prefixes where the
//! evidence supports it, checked against the never-block set, and cut to a
//! target's quota.
//!
//! Grouping works inside each floor prefix (`--max-prefix`, /24 and /48 by
//! default), never wider. Within one, the selected offenders are covered by
//! their smallest common prefix when there are at least `group_min` of them
//! and they are at least `density` of the clients seen in that prefix, and it
//! holds no protected address; otherwise the prefix is split in halves and
//! each half tried the same way, down to single addresses. So a dense cluster
//! becomes one rule, scattered offenders stay single, and a protected address
//! is never covered (the prefix around it is split instead). Every block
//! reports its collateral: the clients in it that were not selected, and
//! their requests.
//!
//! A target with a quota (an AWS network ACL's 18 free rules) that the blocks
//! overflow gets them regrouped with the density test off (still within the
//! floor, still around protected addresses); if they still do not fit, the
//! lowest-scored blocks are left out, and listed.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use rustc_hash::FxHashMap;

use super::guard::{Guard, Hold};
use crate::aggregate::Agg;
use crate::classify::{ClassId, ClassSet};
use crate::findings::{Offender, Source};
use crate::record::{ip_from_key, is_v4_key};

const N: usize = ClassId::ALL.len();

/// Which offenders to block, and how to group them.
#[derive(Clone, Debug)]
pub struct Selection {
    /// Offenders that show any of these classes.
    pub classes: ClassSet,
    /// Offenders that score at least this.
    pub min_score: f64,
    /// Offenders with at least this many access-log requests.
    pub min_requests: u64,
    /// At most this many offenders, best first (0: all).
    pub top: usize,
    /// Offenders a prefix must hold to be one rule.
    pub group_min: usize,
    /// Share of the clients seen in a prefix that must be selected offenders.
    pub density: f64,
}

impl Selection {
    /// The classes that are reasons to block on their own: the others
    /// (gateway errors, upstream timeouts, malformed requests, dummy
    /// connections, direct-origin traffic) hurt the site or mark the
    /// client, but a client that only shows them may be a victim or a
    /// misconfigured neighbour.
    pub const DEFAULT_CLASSES: [ClassId; 5] = [
        ClassId::Proxy,
        ClassId::Exploit,
        ClassId::Scanner,
        ClassId::Bruteforce,
        ClassId::Flood,
    ];
    pub const DEFAULT_MIN_SCORE: f64 = 50.0;
    pub const DEFAULT_GROUP_MIN: usize = 3;
    pub const DEFAULT_DENSITY: f64 = 0.5;
}

impl Default for Selection {
    fn default() -> Selection {
        Selection {
            classes: ClassSet::of(&Selection::DEFAULT_CLASSES),
            min_score: Selection::DEFAULT_MIN_SCORE,
            min_requests: 0,
            top: 0,
            group_min: Selection::DEFAULT_GROUP_MIN,
            density: Selection::DEFAULT_DENSITY,
        }
    }
}

/// How many entries a target holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    /// Entries of both families together (an AWS network ACL's rules).
    pub total: Option<usize>,
    /// Entries of each family (an AWS WAF IP set).
    pub per_family: Option<usize>,
}

impl Budget {
    fn fits(&self, blocks: &[Block]) -> bool {
        let v4 = blocks.iter().filter(|b| b.net.addr().is_ipv4()).count();
        self.fits_counts(v4, blocks.len() - v4)
    }

    fn fits_counts(&self, v4: usize, v6: usize) -> bool {
        self.total.is_none_or(|t| v4 + v6 <= t)
            && self.per_family.is_none_or(|f| v4 <= f && v6 <= f)
    }
}

/// One prefix to block, and what is behind it.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub net: IpNet,
    /// Selected offenders inside (a network offender counts as one).
    pub offenders: u64,
    /// The sum of their scores.
    pub score: f64,
    /// Their access-log requests (`None` when unknown: counted by network).
    pub requests: Option<u64>,
    /// Clients inside that were not selected, and their requests.
    pub collateral_clients: u64,
    pub collateral_requests: u64,
    /// Lines of each class from its offenders.
    pub classes: [u64; N],
    /// The offender addresses inside, best first (at most a few, for the report).
    pub examples: Vec<IpAddr>,
}

/// An offender the never-block check held back.
#[derive(Clone, Debug, PartialEq)]
pub struct HeldBack {
    pub source: Source,
    pub hold: Hold,
    pub score: f64,
    pub requests: Option<u64>,
}

/// What to block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// In address order, IPv4 first; no block holds another.
    pub blocks: Vec<Block>,
    pub held_back: Vec<HeldBack>,
    /// Blocks over the target's quota, lowest-scored: not emitted.
    pub left_out: Vec<Block>,
    /// Offenders selected (before the never-block check).
    pub selected: usize,
    /// Offenders in the findings.
    pub offenders: usize,
    /// The quota forced grouping without the density test.
    pub regrouped: bool,
}

impl Plan {
    /// The blocks of one family.
    pub fn family(&self, v4: bool) -> impl Iterator<Item = &Block> {
        self.blocks
            .iter()
            .filter(move |b| b.net.addr().is_ipv4() == v4)
    }
}

/// A selected offender on its way into a block.
#[derive(Clone, Debug)]
struct Chosen {
    score: f64,
    requests: Option<u64>,
    classes: [u64; N],
}

/// The plan for `offenders` (ranked, best first); `agg` holds the clients
/// seen, for the density test and the collateral.
pub fn plan(
    offenders: &[Offender],
    agg: &Agg,
    guard: &Guard,
    sel: &Selection,
    budget: Budget,
) -> Plan {
    let mut p = Plan {
        offenders: offenders.len(),
        ..Plan::default()
    };
    let chosen = offenders
        .iter()
        .filter(|o| {
            o.score >= sel.min_score
                && o.class_counts().any(|(c, _)| sel.classes.contains(c))
                && (sel.min_requests == 0 || o.requests.unwrap_or(0) >= sel.min_requests)
        })
        .take(if sel.top == 0 { usize::MAX } else { sel.top });
    let mut hosts: FxHashMap<IpAddr, Chosen> = FxHashMap::default();
    let mut nets: Vec<Block> = Vec::new();
    for o in chosen {
        p.selected += 1;
        let c = Chosen {
            score: o.score,
            requests: o.requests,
            classes: o.classes,
        };
        let held = |hold: Hold| HeldBack {
            source: o.source.clone(),
            hold,
            score: o.score,
            requests: o.requests,
        };
        match &o.source {
            Source::Ip(ip) => match guard.hold(*ip) {
                Some(h) => p.held_back.push(held(h)),
                None => {
                    hosts.insert(*ip, c);
                }
            },
            // Clients past the client cap, counted by network.
            Source::Net(net) => match guard.hold_net(net) {
                Some(h @ Hold::TooWide { .. }) => p.held_back.push(held(h)),
                hold => {
                    let parts = guard.blockable(net);
                    if parts.is_empty() {
                        p.held_back
                            .push(held(hold.unwrap_or(Hold::TooWide { floor: 0 })));
                    }
                    nets.extend(parts.into_iter().map(|net| Block {
                        net,
                        offenders: 1,
                        score: c.score,
                        requests: None,
                        collateral_clients: 0,
                        collateral_requests: 0,
                        classes: c.classes,
                        examples: Vec::new(),
                    }));
                }
            },
            Source::Other(_) => {}
        }
    }
    let groups = floor_groups(&hosts, agg, guard);
    let mut blocks = group_all(&groups, &hosts, guard, sel.group_min, sel.density);
    blocks.extend(nets.iter().cloned());
    if !budget.fits(&blocks) {
        p.regrouped = true;
        blocks = group_all(&groups, &hosts, guard, 2, 0.0);
        blocks.extend(nets);
        if !budget.fits(&blocks) {
            blocks.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.net.cmp(&y.net)));
            let (mut kept, mut v4, mut v6) = (Vec::new(), 0, 0);
            for b in blocks {
                let is_v4 = b.net.addr().is_ipv4();
                let (n4, n6) = if is_v4 { (v4 + 1, v6) } else { (v4, v6 + 1) };
                if budget.fits_counts(n4, n6) {
                    (v4, v6) = (n4, n6);
                    kept.push(b);
                } else {
                    p.left_out.push(b);
                }
            }
            blocks = kept;
        }
    }
    p.blocks = without_nested(blocks);
    p
}

/// Drops blocks that another block holds, and orders them by address
/// (IPv4 first).
fn without_nested(mut blocks: Vec<Block>) -> Vec<Block> {
    blocks.sort_by(|x, y| {
        (!x.net.addr().is_ipv4(), x.net.network(), x.net.prefix_len()).cmp(&(
            !y.net.addr().is_ipv4(),
            y.net.network(),
            y.net.prefix_len(),
        ))
    });
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    for b in blocks {
        if let Some(last) = out.last_mut() {
            if last.net.contains(&b.net) {
                merge_into(last, &b);
                continue;
            }
        }
        out.push(b);
    }
    out
}

fn merge_into(a: &mut Block, b: &Block) {
    a.offenders += b.offenders;
    a.score += b.score;
    a.requests = match (a.requests, b.requests) {
        (Some(x), Some(y)) => Some(x + y),
        _ => None,
    };
    for (x, y) in a.classes.iter_mut().zip(b.classes) {
        *x += y;
    }
}

/// A client seen inside a floor prefix: its address (as a number in its
/// family), whether it was selected, its requests.
#[derive(Clone, Copy, Debug)]
struct Member {
    addr: u128,
    selected: bool,
    requests: u64,
}

/// A floor prefix that holds selected offenders, and every client seen in it,
/// in address order.
struct FloorGroup {
    v4: bool,
    net: u128,
    len: u8,
    members: Vec<Member>,
}

/// The width of a family, and an address as a number in it.
fn number(ip: IpAddr) -> (bool, u128) {
    match ip {
        IpAddr::V4(a) => (true, u128::from(u32::from(a))),
        IpAddr::V6(a) => (false, u128::from(a)),
    }
}

fn width(v4: bool) -> u8 {
    if v4 {
        32
    } else {
        128
    }
}

/// `addr` with its bits past `len` cleared, in a family of `w` bits.
fn prefix(addr: u128, len: u8, w: u8) -> u128 {
    let host = u32::from(w - len);
    if host >= 128 {
        0
    } else {
        addr & !((1u128 << host).wrapping_sub(1)) & (u128::MAX >> (128 - u32::from(w)))
    }
}

fn to_net(v4: bool, addr: u128, len: u8) -> IpNet {
    if v4 {
        IpNet::V4(Ipv4Net::new_assert((addr as u32).into(), len))
    } else {
        IpNet::V6(Ipv6Net::new_assert(addr.into(), len))
    }
}

/// The floor prefixes that hold the selected addresses, each with every
/// client the access logs saw in it (one pass over the client table).
fn floor_groups(hosts: &FxHashMap<IpAddr, Chosen>, agg: &Agg, guard: &Guard) -> Vec<FloorGroup> {
    let floor = |v4: bool| if v4 { guard.floor_v4 } else { guard.floor_v6 };
    // Each floor prefix: its clients, and the selected addresses in it.
    let mut groups: FxHashMap<(bool, u128), (Vec<Member>, Vec<u128>)> = FxHashMap::default();
    for ip in hosts.keys() {
        let (v4, a) = number(*ip);
        groups
            .entry((v4, prefix(a, floor(v4), width(v4))))
            .or_default()
            .1
            .push(a);
    }
    for (key, s) in agg.clients.iter() {
        let v4 = is_v4_key(key);
        let (_, a) = number(ip_from_key(key));
        if let Some((m, _)) = groups.get_mut(&(v4, prefix(a, floor(v4), width(v4)))) {
            m.push(Member {
                addr: a,
                selected: false,
                requests: s.requests,
            });
        }
    }
    let mut out: Vec<FloorGroup> = groups
        .into_iter()
        .map(|((v4, net), (mut members, selected))| {
            // Mark the selected; one held by address whose requests went to a
            // network past the cap is not in the table: add it.
            members.sort_by_key(|m| m.addr);
            for a in selected {
                match members.binary_search_by_key(&a, |m| m.addr) {
                    Ok(i) => members[i].selected = true,
                    Err(i) => members.insert(
                        i,
                        Member {
                            addr: a,
                            selected: true,
                            requests: 0,
                        },
                    ),
                }
            }
            FloorGroup {
                v4,
                net,
                len: floor(v4),
                members,
            }
        })
        .collect();
    out.sort_by_key(|g| (!g.v4, g.net));
    out
}

fn group_all(
    groups: &[FloorGroup],
    hosts: &FxHashMap<IpAddr, Chosen>,
    guard: &Guard,
    group_min: usize,
    density: f64,
) -> Vec<Block> {
    let mut out = Vec::new();
    for g in groups {
        let mut cx = Grouping {
            v4: g.v4,
            hosts,
            guard,
            group_min: group_min.max(2),
            density,
            out: &mut out,
        };
        cx.group(&g.members, g.len);
    }
    out
}

struct Grouping<'a> {
    v4: bool,
    hosts: &'a FxHashMap<IpAddr, Chosen>,
    guard: &'a Guard,
    group_min: usize,
    density: f64,
    out: &'a mut Vec<Block>,
}

impl Grouping<'_> {
    fn ip(&self, a: u128) -> IpAddr {
        if self.v4 {
            IpAddr::V4((a as u32).into())
        } else {
            IpAddr::V6(a.into())
        }
    }

    /// Groups the selected members of `members`, all inside one prefix of
    /// length `len`.
    fn group(&mut self, members: &[Member], len: u8) {
        let w = width(self.v4);
        let selected: Vec<&Member> = members.iter().filter(|m| m.selected).collect();
        let (Some(first), Some(last)) = (selected.first(), selected.last()) else {
            return;
        };
        if selected.len() < self.group_min {
            for m in &selected {
                self.emit(&[**m], m.addr, w);
            }
            return;
        }
        // The smallest prefix that holds them all.
        let common = (first.addr ^ last.addr).leading_zeros() - (128 - u32::from(w));
        let clen = (common as u8).max(len);
        let cnet = prefix(first.addr, clen, w);
        let inside: Vec<Member> = members
            .iter()
            .filter(|m| prefix(m.addr, clen, w) == cnet)
            .copied()
            .collect();
        let dense = selected.len() as f64 >= self.density * inside.len() as f64;
        if dense && !self.guard.touches(&to_net(self.v4, cnet, clen)) {
            self.emit(&inside, cnet, clen);
            return;
        }
        // Split in halves and try each.
        let half = clen + 1;
        let (lo, hi): (Vec<Member>, Vec<Member>) =
            inside.iter().partition(|m| prefix(m.addr, half, w) == cnet);
        self.group(&lo, half);
        self.group(&hi, half);
    }

    /// A block for `net/len`, holding `members`.
    fn emit(&mut self, members: &[Member], net: u128, len: u8) {
        let mut b = Block {
            net: to_net(self.v4, net, len),
            offenders: 0,
            score: 0.0,
            requests: Some(0),
            collateral_clients: 0,
            collateral_requests: 0,
            classes: [0; N],
            examples: Vec::new(),
        };
        let mut chosen: Vec<(f64, IpAddr)> = Vec::new();
        for m in members {
            if !m.selected {
                b.collateral_clients += 1;
                b.collateral_requests += m.requests;
                continue;
            }
            let ip = self.ip(m.addr);
            let Some(c) = self.hosts.get(&ip) else {
                continue;
            };
            b.offenders += 1;
            b.score += c.score;
            b.requests = match (b.requests, c.requests) {
                (Some(x), Some(y)) => Some(x + y),
                _ => None,
            };
            for (x, y) in b.classes.iter_mut().zip(c.classes) {
                *x += y;
            }
            chosen.push((c.score, ip));
        }
        chosen.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        b.examples = chosen.into_iter().take(3).map(|(_, ip)| ip).collect();
        b.score = (b.score * 10.0).round() / 10.0;
        self.out.push(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::guard::Protect;

    #[test]
    fn prefixes() {
        assert_eq!(prefix(0xC633_6407, 24, 32), 0xC633_6400);
        assert_eq!(prefix(0xC633_6407, 0, 32), 0);
        assert_eq!(prefix(u128::MAX, 64, 128), u128::MAX << 64);
        assert_eq!(prefix(u128::MAX, 0, 128), 0);
        assert_eq!(prefix(0xFFFF_FFFF, 32, 32), 0xFFFF_FFFF);
    }

    fn offender(ip: &str, score: f64, class: ClassId) -> Offender {
        let mut classes = [0; N];
        classes[class as usize] = 1;
        Offender {
            source: Source::Ip(ip.parse().unwrap()),
            score,
            requests: Some(1),
            classes,
            evidence: Vec::new(),
            first_seen: None,
            last_seen: None,
        }
    }

    /// An aggregate where each address made one request.
    fn seen(ips: &[String]) -> Agg {
        let mut a = Agg::new(None, crate::aggregate::MAX_CLIENTS);
        for ip in ips {
            let rec = crate::record::Record {
                client: crate::record::Client::Ip(ip.parse().unwrap()),
                ..Default::default()
            };
            a.add(&rec, false);
        }
        a.flush();
        a
    }

    fn guard(allow: &[&str]) -> Guard {
        Guard::new(
            &Protect {
                allow: allow
                    .iter()
                    .map(|a| crate::net::parse_net(a).unwrap())
                    .collect(),
                ..Protect::default()
            },
            24,
            48,
        )
    }

    fn nets(p: &Plan) -> Vec<String> {
        p.blocks.iter().map(|b| b.net.to_string()).collect()
    }

    #[test]
    fn a_dense_cluster_is_one_rule_and_scattered_ones_stay_single() {
        let mut offenders: Vec<Offender> = (1..=8)
            .map(|i| offender(&format!("198.51.100.{i}"), 100.0, ClassId::Exploit))
            .collect();
        offenders.push(offender("203.0.113.9", 60.0, ClassId::Flood));
        offenders.push(offender("203.0.113.200", 60.0, ClassId::Flood));
        let mut clients: Vec<String> = (1..=8).map(|i| format!("198.51.100.{i}")).collect();
        clients.extend((1..=250).map(|i| format!("203.0.113.{i}")));
        let p = plan(
            &offenders,
            &seen(&clients),
            &guard(&[]),
            &Selection::default(),
            Budget::default(),
        );
        // .1-.8 lie in 198.51.100.0/28, which also holds .0 and .9-.15,
        // unseen: 8 of 8 clients seen there offended.
        assert_eq!(
            nets(&p),
            ["198.51.100.0/28", "203.0.113.9/32", "203.0.113.200/32"]
        );
        assert_eq!(p.blocks[0].offenders, 8);
        assert_eq!(p.blocks[0].collateral_clients, 0);
        assert_eq!(p.selected, 10);
    }

    #[test]
    fn an_allowed_address_splits_the_cluster() {
        let offenders: Vec<Offender> = (1..=254)
            .filter(|i| *i != 77)
            .map(|i| offender(&format!("198.51.100.{i}"), 100.0, ClassId::Exploit))
            .collect();
        let clients: Vec<String> = (1..=254).map(|i| format!("198.51.100.{i}")).collect();
        let p = plan(
            &offenders,
            &seen(&clients),
            &guard(&["198.51.100.77"]),
            &Selection::default(),
            Budget::default(),
        );
        let allowed: IpAddr = "198.51.100.77".parse().unwrap();
        assert!(
            p.blocks.iter().all(|b| !b.net.contains(&allowed)),
            "{:?}",
            nets(&p)
        );
        for i in (1..=254).filter(|i| *i != 77) {
            let ip: IpAddr = format!("198.51.100.{i}").parse().unwrap();
            assert!(p.blocks.iter().any(|b| b.net.contains(&ip)), "{ip}");
        }
        assert!(p.blocks.iter().all(|b| b.net.prefix_len() >= 24));
        assert!(p.blocks.len() < 20, "{:?}", nets(&p));
    }

    #[test]
    fn a_quota_groups_harder_then_drops_the_lowest() {
        // 5 000 offenders scattered over many /8s, one or two per /24.
        let offenders: Vec<Offender> = (0..5000u32)
            .map(|i| {
                let ip = std::net::Ipv4Addr::from(0x0B00_0000 + i * 0x0001_0101);
                offender(&ip.to_string(), 50.0 + f64::from(i % 100), ClassId::Scanner)
            })
            .collect();
        let p = plan(
            &offenders,
            &Agg::new(None, 10),
            &guard(&[]),
            &Selection::default(),
            Budget {
                total: Some(18),
                per_family: None,
            },
        );
        assert_eq!(p.blocks.len(), 18);
        assert!(p.regrouped);
        assert!(p.blocks.iter().all(|b| b.net.prefix_len() >= 24));
        assert_eq!(
            p.blocks.iter().map(|b| b.offenders).sum::<u64>()
                + p.left_out.iter().map(|b| b.offenders).sum::<u64>(),
            5000 - p.held_back.len() as u64
        );
        let lowest_kept = p.blocks.iter().map(|b| b.score).fold(f64::MAX, f64::min);
        assert!(p.left_out.iter().all(|b| b.score <= lowest_kept));
    }

    #[test]
    fn protected_offenders_are_held_back_with_the_reason() {
        let offenders = vec![
            offender("127.0.0.2", 500.0, ClassId::Exploit),
            offender("10.1.2.3", 500.0, ClassId::Exploit),
            offender("198.51.100.7", 500.0, ClassId::Exploit),
            offender("198.51.100.8", 20.0, ClassId::Scanner),
            offender("198.51.100.9", 500.0, ClassId::GatewayErrors),
        ];
        let p = plan(
            &offenders,
            &Agg::new(None, 10),
            &guard(&[]),
            &Selection::default(),
            Budget::default(),
        );
        assert_eq!(nets(&p), ["198.51.100.7/32"]);
        assert_eq!(p.selected, 3);
        let holds: Vec<&Hold> = p.held_back.iter().map(|h| &h.hold).collect();
        assert_eq!(
            holds,
            [&Hold::Special("loopback"), &Hold::Special("private")]
        );
    }
}

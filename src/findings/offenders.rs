//! The offenders: every client (or network past the client cap) whose lines
//! show a class, scored, ranked and given its evidence.
//!
//! A client scores, for each class it shows `n ≥ 1` times, `weight × (1 +
//! log2 n)` (the weights are the registry's, see `ClassInfo`), summed. The
//! per-line marks are corrected by the behavioural verdicts first: a login
//! candidate counts only from a confirmed guesser; sweeps and floods add
//! clients no single line marked. The error log's probes and failed
//! passwords that the access log does not also hold count as its lines
//! would; nginx's `limiting requests` lines are a client's flood evidence.

use std::net::IpAddr;

use ipnet::IpNet;
use rustc_hash::FxHashMap;

use super::behaviour::{Behaviour, BruteWindow, Flood};
use super::paired::{ClientLines, ErrorSide};
use super::source::Source;
use crate::aggregate::classes::Offender as Tally;
use crate::aggregate::{folded, Agg, ClientStats};
use crate::classify::{info, ClassId, EventKind, ProxyOutcome};

const N: usize = ClassId::ALL.len();

/// A ranked offender.
#[derive(Clone, Debug, PartialEq)]
pub struct Offender {
    pub source: Source,
    /// Rounded to one decimal, as ranked.
    pub score: f64,
    /// Access-log requests (error-log lines are not requests). `None` when
    /// the client's requests were counted with its network past the cap
    /// (the evidence names the network).
    pub requests: Option<u64>,
    /// Lines of each class, by `ClassId as usize`.
    pub classes: [u64; N],
    pub evidence: Vec<Evidence>,
    /// In either log; unknown when its requests went to a network.
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
}

impl Offender {
    /// The classes shown, with their lines, in registry order.
    pub fn class_counts(&self) -> impl Iterator<Item = (ClassId, u64)> + '_ {
        ClassId::ALL
            .into_iter()
            .zip(self.classes)
            .filter(|(_, n)| *n > 0)
    }

    /// The address, when the offender is one client.
    pub fn ip(&self) -> Option<IpAddr> {
        match self.source {
            Source::Ip(ip) => Some(ip),
            _ => None,
        }
    }
}

/// Why a client is an offender, beyond its class counts.
#[derive(Clone, Debug, PartialEq)]
pub enum Evidence {
    /// Its requests were counted with this network, past the client cap.
    CountedWith(IpNet),
    /// Proxy requests with this outcome.
    Proxy {
        outcome: ProxyOutcome,
        requests: u64,
    },
    /// Upstream failures of this kind in the error log.
    Upstream { kind: EventKind, lines: u64 },
    /// Exploit attempts answered 2xx.
    ExploitAnswered { requests: u64 },
    /// Login attempts, and most within the window that decided it (the
    /// first of the windows, shortest first, that they reached).
    Logins {
        attempts: u64,
        peak: u64,
        window: BruteWindow,
    },
    /// 404s for this many distinct paths (`floor`: at least).
    Sweep { distinct: u64, floor: bool },
    /// A request rate far above the rest.
    Flood { per_minute: f64 },
    /// Probes in the error log: `both` also in the access log (counted
    /// once, there), `only` in the error log alone.
    ErrorProbes { both: u64, only: u64 },
    /// Failed passwords in the error log: `both` also in the access log
    /// (as a 401 or a login POST), `only` in the error log alone.
    ErrorLogins { both: u64, only: u64 },
    /// nginx refused this many of its requests for their rate (`limiting
    /// requests`).
    RateLimited { lines: u64 },
}

/// `weight × (1 + log2 n)` summed over the classes shown.
pub fn score(classes: &[u64; N]) -> f64 {
    ClassId::ALL
        .iter()
        .zip(classes)
        .filter(|(_, n)| **n > 0)
        .map(|(c, n)| info(*c).weight as f64 * (1.0 + (*n as f64).log2()))
        .sum()
}

/// The offenders, best first; the top `n` (all when 0, ties at the n-th
/// broken by the client's text).
pub fn offenders(a: &Agg, b: &Behaviour, side: &ErrorSide, n: usize) -> Vec<Offender> {
    let tallies = &a.classes.offenders;
    let none = ClientLines::default();
    let error_lines = |k: u128| side.clients.get(&k).unwrap_or(&none);
    let floods: FxHashMap<u128, &Flood> = b
        .floods
        .iter()
        .filter(|f| f.is_client())
        .map(|f| (f.key, f))
        .collect();
    // A network of clients past the cap (`net`) is taken as marked: no
    // behavioural verdict names a network.
    let adjusted = |k: u128, net: bool| {
        if net {
            let mut o = a.classes.offender_networks[&k];
            o.classes[ClassId::Bruteforce as usize] = 0;
            return o;
        }
        let mut o: Tally = tallies.get(&k).copied().unwrap_or_default();
        let e = error_lines(k);
        o.classes[ClassId::Exploit as usize] += e.exploit;
        o.classes[ClassId::Scanner as usize] += e.scanner;
        if b.bruteforce.contains_key(&k) {
            o.classes[ClassId::Bruteforce as usize] += e.logins.count;
        } else {
            o.classes[ClassId::Bruteforce as usize] = 0;
        }
        if let Some(sw) = b.sweeps.get(&k) {
            o.classes[ClassId::Scanner as usize] += sw.unmarked.count;
        }
        if let Some(f) = floods.get(&k) {
            o.classes[ClassId::Flood as usize] = f.requests;
        } else {
            o.classes[ClassId::Flood as usize] = e.limited.count;
        }
        o
    };
    let keys = tallies
        .keys()
        .chain(b.sweeps.keys().filter(|k| !tallies.contains_key(*k)))
        .chain(
            floods
                .keys()
                .filter(|k| !tallies.contains_key(*k) && !b.sweeps.contains_key(*k)),
        )
        .chain(side.clients.keys().filter(|k| {
            !tallies.contains_key(*k) && !b.sweeps.contains_key(*k) && !floods.contains_key(*k)
        }))
        .map(|&k| (k, false))
        .chain(a.classes.offender_networks.keys().map(|&k| (k, true)));
    // A network's requests are those counted for it past the cap.
    let stats_of = |k: u128, net: bool| {
        let (own, errors) = if net {
            (a.folded.get(k), a.error_folded.get(k))
        } else {
            (a.clients.get(k), a.error_clients.get(k))
        };
        (own.copied().unwrap_or_default(), errors)
    };
    // Ranked on the numbers first, so that only the rows shown are built:
    // a busy log has a hundred thousand clients with a 5xx or two.
    let mut ranked: Vec<(f64, u64, u128, bool)> = keys
        .filter_map(|(k, net)| {
            let score = (score(&adjusted(k, net).classes) * 10.0).round() / 10.0;
            (score > 0.0).then(|| (score, stats_of(k, net).0.requests, k, net))
        })
        .collect();
    let by_numbers = |x: &(f64, u64, u128, bool), y: &(f64, u64, u128, bool)| {
        y.0.total_cmp(&x.0).then(y.1.cmp(&x.1))
    };
    let source = |key: u128, net: bool| {
        if net {
            Source::of_folded(key)
        } else {
            Source::of_key(key)
        }
    };
    if n > 0 && ranked.len() > n {
        // Keep the n-th and everything not below it, ties included.
        let (_, &mut nth, _) = ranked.select_nth_unstable_by(n - 1, by_numbers);
        ranked.retain(|x| by_numbers(x, &nth).is_le());
        if ranked.len() > n {
            // Ties at the n-th (many bots with one probe each): the address
            // text breaks them, as in the sort below, so only the texts are
            // made for all of them, and whole rows for the n kept.
            let mut named: Vec<_> = ranked
                .into_iter()
                .map(|x| (source(x.2, x.3).to_string(), x))
                .collect();
            named.select_nth_unstable_by(n - 1, |a, b| by_numbers(&a.1, &b.1).then(a.0.cmp(&b.0)));
            named.truncate(n);
            ranked = named.into_iter().map(|(_, x)| x).collect();
        }
    }
    let mut v: Vec<(String, Offender)> = ranked
        .iter()
        .map(|&(score, requests, key, net)| {
            let o = adjusted(key, net);
            // Seen in either log: an upstream failure is the client's too.
            let (mut stats, errors): (ClientStats, _) = stats_of(key, net);
            if let Some(e) = errors {
                stats.merge(e);
            }
            let mut evidence = Vec::new();
            let out = a.classes.outcomes_of(key, net);
            // Held by address among the offenders but not among the clients:
            // its requests, if any, went to a network past the cap, so they
            // are unknown here, not zero.
            let folded_into = (!net && a.clients.get(key).is_none())
                .then(|| a.folded.holder(key))
                .flatten();
            if let Some(k) = folded_into {
                evidence.push(Evidence::CountedWith(folded::net(k)));
            }
            for (outcome, requests) in PROXY_OUTCOMES.into_iter().zip(out.proxy) {
                if requests > 0 {
                    evidence.push(Evidence::Proxy { outcome, requests });
                }
            }
            for (kind, lines) in EVENT_KINDS.into_iter().zip(out.upstream) {
                if lines > 0 {
                    evidence.push(Evidence::Upstream { kind, lines });
                }
            }
            if out.exploit_successes > 0 {
                evidence.push(Evidence::ExploitAnswered {
                    requests: out.exploit_successes,
                });
            }
            if let Some(g) = b.bruteforce.get(&key).filter(|_| !net) {
                evidence.push(Evidence::Logins {
                    attempts: g.attempts,
                    peak: g.peak,
                    window: g.window,
                });
            }
            if let Some(s) = b.sweeps.get(&key).filter(|_| !net) {
                evidence.push(Evidence::Sweep {
                    distinct: s.distinct,
                    floor: s.floor,
                });
            }
            if let Some(f) = floods.get(&key).filter(|_| !net) {
                evidence.push(Evidence::Flood {
                    per_minute: f.per_minute,
                });
            }
            let e = if net { &none } else { error_lines(key) };
            if e.probes_both + e.probes_only > 0 {
                evidence.push(Evidence::ErrorProbes {
                    both: e.probes_both,
                    only: e.probes_only,
                });
            }
            if e.logins_both + e.logins.count > 0 {
                evidence.push(Evidence::ErrorLogins {
                    both: e.logins_both,
                    only: e.logins.count,
                });
            }
            if e.limited.count > 0 {
                evidence.push(Evidence::RateLimited {
                    lines: e.limited.count,
                });
            }
            let known = stats.first <= stats.last && folded_into.is_none();
            let source = source(key, net);
            let row = Offender {
                score,
                requests: folded_into.is_none().then_some(requests),
                classes: o.classes,
                evidence,
                first_seen: known.then_some(stats.first),
                last_seen: known.then_some(stats.last),
                source: source.clone(),
            };
            (source.to_string(), row)
        })
        .collect();
    v.sort_by(|(xt, x), (yt, y)| {
        y.score
            .total_cmp(&x.score)
            .then(y.requests.unwrap_or(0).cmp(&x.requests.unwrap_or(0)))
            .then(xt.cmp(yt))
    });
    if n > 0 {
        v.truncate(n);
    }
    v.into_iter().map(|(_, o)| o).collect()
}

/// The proxy outcomes in the order the tallies keep them.
pub const PROXY_OUTCOMES: [ProxyOutcome; 3] = [
    ProxyOutcome::Tunnelled,
    ProxyOutcome::Attempted,
    ProxyOutcome::Refused,
];

/// The upstream failure kinds in the order the tallies keep them.
pub const EVENT_KINDS: [EventKind; 3] = [EventKind::Timeout, EventKind::Refused, EventKind::Other];

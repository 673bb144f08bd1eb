//! The classes only many lines can show, decided once the scan is done.
//!
//! Everything here is computed from tallies the scan keeps exactly (client
//! totals, per-minute class counts, per-minute class counts per client, 404
//! targets per client, within the bounds of [`crate::aggregate::not_found`]), so each
//! verdict can be checked by hand with awk. The
//! methods are the ones the class definitions give (`alf explain ID`):
//!
//! - *bruteforce*: a client with at least `min` candidate lines (login POSTs,
//!   401s, and the error log's authentication failures that the access log
//!   does not also hold) within some `minutes` consecutive minutes, for any
//!   of the windows given ([`BRUTE_WINDOWS`] by default: 11 in 5 minutes,
//!   20 in an hour, 50 in a day; `--bruteforce` sets them). A burst fires
//!   the short window; a guesser pacing itself under it (hydra's and
//!   medusa's `-t`/`-W` pacing, or two tries a minute to stay under
//!   fail2ban's default of 5 in 10 minutes) fires a long one.
//! - *scanner* sweep: a client answered 404 for at least [`SWEEP_PATHS`]
//!   distinct targets, 404s being more than half of its requests.
//! - *flood*: a client, /24 or /64 whose request rate over its active span
//!   (requests ÷ minutes from its first to its last request, at least one)
//!   is at least [`FLOOD_RATE`] a minute and at least [`FLOOD_SHARE`] of the
//!   site's median per-minute total, over at least [`FLOOD_MIN`] requests,
//!   and above the median + [`FLOOD_MADS`] × 1.4826 × MAD of the rates of all
//!   sources of its kind. Loopback, the server's own addresses and error-log
//!   lines do not count.
//! - bursts of *gateway-errors* and surges of *dummy* lines: minutes whose
//!   count exceeds both [`BURST_MIN`] and the median + [`BURST_MADS`] × 1.4826 ×
//!   MAD of that class's per-minute counts over the whole span (empty minutes
//!   count as zero).

use std::net::IpAddr;

use rustc_hash::FxHashMap;

use super::source::Source;
use super::stats::{baseline, weighted_baseline};
use super::timeline::network;
use crate::aggregate::timeline::Minute;
use crate::aggregate::{Agg, Seen};
use crate::attribute::SelfAddrs;
use crate::classify::ClassId;
use crate::net::net_of;
use crate::record::{ip_from_key, is_v4_key};

pub use crate::aggregate::not_found::SWEEP_PATHS;

/// One password-guessing window: at least `min` candidates within `minutes`
/// consecutive minutes (per-minute tallies: a window of 5 minutes is any 5
/// consecutive calendar minutes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BruteWindow {
    pub min: u64,
    pub minutes: i64,
}

/// [`BRUTE_WINDOWS`] as `--bruteforce` writes them (a test checks they agree).
pub const BRUTE_DEFAULT: &str = "11/5m,20/1h,50/24h";

/// The default windows, shortest first: a burst (more than two tries a
/// minute for five minutes: 10 in 5 minutes would flag a guesser paced at
/// exactly two a minute, which the hour's window is there for), an hour's
/// paced guessing (one try every three minutes: fail2ban's default jail, 5
/// failures in 10 minutes, lets 30 an hour through), a day's slow trickle.
pub const BRUTE_WINDOWS: [BruteWindow; 3] = [
    BruteWindow {
        min: 11,
        minutes: 5,
    },
    BruteWindow {
        min: 20,
        minutes: 60,
    },
    BruteWindow {
        min: 50,
        minutes: 1440,
    },
];
pub const FLOOD_RATE: f64 = 60.0;
pub const FLOOD_MIN: u64 = 120;
pub const FLOOD_MADS: f64 = 10.0;
pub const FLOOD_SHARE: f64 = 0.1;
pub const BURST_MIN: u64 = 10;
pub const BURST_MADS: f64 = 6.0;

/// A source whose request rate stands far above the rest.
#[derive(Clone, Debug, PartialEq)]
pub struct Flood {
    /// An address key, or a network key with its prefix.
    pub key: u128,
    /// 32 or 128 for one client; 24 or 64 for a network.
    pub prefix: u8,
    pub requests: u64,
    pub clients: u64,
    pub first: i64,
    pub last: i64,
    pub per_minute: f64,
}

impl Flood {
    pub fn is_client(&self) -> bool {
        self.prefix == 32 || self.prefix == 128
    }

    /// The client, or the network.
    pub fn source(&self) -> Source {
        let ip = ip_from_key(self.key);
        if self.is_client() {
            Source::Ip(ip)
        } else {
            Source::Net(net_of(ip, self.prefix))
        }
    }
}

/// A minute in which a class burst.
#[derive(Clone, Debug, PartialEq)]
pub struct Burst {
    pub class: ClassId,
    /// Epoch seconds of the minute's start.
    pub minute: i64,
    pub count: u64,
    pub threshold: f64,
    /// The clients with most lines of the class in that minute (ties by
    /// address key), at most three.
    pub clients: Vec<(IpAddr, u64)>,
}

/// A client that swept 404s.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sweep {
    pub lines: u64,
    pub distinct: u64,
    /// `distinct` is a floor: more targets than were held (see
    /// [`crate::aggregate::not_found::MAX_PATHS`]).
    pub floor: bool,
    /// Its 404 lines that no scanner signature marked.
    pub unmarked: Seen,
}

/// A confirmed password guesser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Guesser {
    /// Its candidate lines in all.
    pub attempts: u64,
    /// The most of them within `window.minutes`.
    pub peak: u64,
    /// The first window (shortest first) it reached.
    pub window: BruteWindow,
}

/// Every verdict of this stage.
#[derive(Clone, Debug, Default)]
pub struct Behaviour {
    /// Confirmed password guessers.
    pub bruteforce: FxHashMap<u128, Guesser>,
    pub sweeps: FxHashMap<u128, Sweep>,
    /// Most requests first.
    pub floods: Vec<Flood>,
    /// In time order.
    pub bursts: Vec<Burst>,
}

/// Decides the behavioural classes over a whole run: password guessing over
/// `windows` (shortest first), counting besides the access log's candidates
/// the error log's authentication failures in `logins` (client key → (minute,
/// lines), those the access log does not also hold).
pub fn decide(
    a: &Agg,
    own: &SelfAddrs,
    windows: &[BruteWindow],
    logins: &FxHashMap<u128, Vec<(i64, u64)>>,
) -> Behaviour {
    let c = &a.classes;
    let mut per_client: FxHashMap<u128, Vec<(i64, u64)>> = FxHashMap::default();
    for (&(minute, class, key), &n) in &c.timeline.drivers {
        if class == ClassId::Bruteforce as u8 {
            per_client.entry(key).or_default().push((minute, n));
        }
    }
    for (&key, minutes) in logins {
        per_client.entry(key).or_default().extend(minutes);
    }
    let bruteforce = per_client
        .into_iter()
        .filter_map(|(key, mut minutes)| {
            minutes.sort_unstable();
            let attempts = minutes.iter().map(|m| m.1).sum();
            guessed(&minutes, windows).map(|(window, peak)| {
                let g = Guesser {
                    attempts,
                    peak,
                    window,
                };
                (key, g)
            })
        })
        .collect();

    // The two costly verdicts, side by side.
    let (sweeps, floods) = rayon::join(|| sweeps(a), || floods(a, own));

    Behaviour {
        bruteforce,
        sweeps,
        floods,
        bursts: [ClassId::GatewayErrors, ClassId::Dummy]
            .into_iter()
            .flat_map(|class| bursts(a, class))
            .collect(),
    }
}

/// The clients whose 404s sweep many distinct targets.
fn sweeps(a: &Agg) -> FxHashMap<u128, Sweep> {
    // Folded at the end of the scan (`ClassAgg::group`); a caller that did
    // not fold gets a folded copy.
    let mut copy;
    let table = if a.classes.not_found.is_folded() {
        &a.classes.not_found
    } else {
        copy = a.classes.not_found.clone();
        copy.fold_all(a.max_clients);
        &copy
    };
    table
        .clients
        .iter()
        // A client past `--max-clients` has no requests of its own (they are
        // its network's): the test then rests on the distinct paths alone.
        .filter(|(&key, nf)| {
            nf.paths.len() >= SWEEP_PATHS && nf.lines * 2 > access_requests(a, key)
        })
        .map(|(&key, nf)| {
            let sweep = Sweep {
                lines: nf.lines,
                distinct: nf.paths.len() as u64,
                floor: nf.floor,
                unmarked: nf.unmarked,
            };
            (key, sweep)
        })
        .collect()
}

/// The first of `windows` that the candidates per minute (`minutes`,
/// sorted) reach, with the most of them within it.
pub fn guessed(minutes: &[(i64, u64)], windows: &[BruteWindow]) -> Option<(BruteWindow, u64)> {
    windows.iter().find_map(|w| {
        let peak = most_in_window(minutes, w.minutes);
        (peak >= w.min).then_some((*w, peak))
    })
}

/// The most lines in any `window` consecutive minutes (`minutes` sorted; a
/// minute may be listed more than once).
fn most_in_window(minutes: &[(i64, u64)], window: i64) -> u64 {
    let (mut lo, mut sum, mut best) = (0, 0u64, 0u64);
    for &(m, n) in minutes {
        sum += n;
        while minutes[lo].0 <= m - window {
            sum -= minutes[lo].1;
            lo += 1;
        }
        best = best.max(sum);
    }
    best
}

/// A client's access-log requests.
pub fn access_requests(a: &Agg, key: u128) -> u64 {
    a.clients.get(key).map_or(0, |s| s.requests)
}

fn rate(requests: u64, first: i64, last: i64) -> f64 {
    requests as f64 / ((last - first) as f64 / 60.0).max(1.0)
}

fn floods(a: &Agg, own: &SelfAddrs) -> Vec<Flood> {
    // One pass over the clients keeps only what the test needs of each: its
    // key, its rate and its network. Fresh memory is slow, and the totals of
    // the few that pass are looked up again.
    let n = a.clients.len();
    let (mut keys, mut rates) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut v4, mut v6) = (Vec::with_capacity(n), Vec::new());
    for (key, s) in a.clients.iter() {
        let requests = s.requests;
        if s.first > s.last {
            continue;
        }
        let ip = ip_from_key(key);
        if ip.is_loopback() || own.contains(ip) {
            continue;
        }
        // Network numbers packed with the client's index, one list per
        // family, to be grouped by sorting.
        let i = keys.len() as u32;
        if is_v4_key(key) {
            v4.push(u64::from(key as u32 >> 8) << 32 | u64::from(i));
        } else {
            v6.push(((key >> 64) as u64, i));
        }
        keys.push(key);
        rates.push(hundredths(rate(requests, s.first, s.last)));
    }
    let client = |i: u32| {
        let key = keys[i as usize];
        let s = a.clients.get(key).copied().unwrap_or_default();
        let requests = s.requests;
        Flood {
            key,
            prefix: if is_v4_key(key) { 32 } else { 128 },
            requests,
            clients: 1,
            first: s.first,
            last: s.last,
            per_minute: rate(requests, s.first, s.last),
        }
    };
    // The site's own pace sets a floor: on a busy site a client has to take
    // a real share of the traffic to flood it.
    let floor = FLOOD_RATE.max(site_median(a) * FLOOD_SHARE);
    // Clients and networks, one per core.
    let (mut out, nets) = rayon::join(
        || {
            let limit = threshold(&rates);
            // Rates are rounded to hundredths: the pre-test is loose by one,
            // the test itself exact.
            (0..keys.len())
                .filter(|&i| (rates[i] + 1) as f64 / 100.0 > limit)
                .map(|i| client(i as u32))
                .filter(|f| passes(f, floor, limit))
                .collect::<Vec<_>>()
        },
        || {
            v4.sort_unstable();
            v6.sort_unstable();
            let mut nets = Networks {
                rates: Vec::with_capacity(rates.len()),
                shared: Vec::new(),
            };
            for run in v4.chunk_by(|x, y| x >> 32 == y >> 32) {
                nets.add(run.iter().map(|&x| x as u32), &rates, &client);
            }
            for run in v6.chunk_by(|x, y| x.0 == y.0) {
                nets.add(run.iter().map(|x| x.1), &rates, &client);
            }
            let limit = threshold(&nets.rates);
            nets.shared.retain(|f| passes(f, floor, limit));
            nets.shared
        },
    );
    out.extend(nets);
    out.sort_by(|x, y| {
        y.requests
            .cmp(&x.requests)
            .then(x.key.cmp(&y.key))
            .then(x.prefix.cmp(&y.prefix))
    });
    out
}

/// The networks (/24, /64) while their clients are summed: every
/// network's rate, for the baseline, and the networks of more than one
/// client, the only ones worth reporting (a network of one client has its
/// client's rate and says no more).
struct Networks {
    rates: Vec<u64>,
    shared: Vec<Flood>,
}

impl Networks {
    /// Adds a network, given its clients' indices.
    fn add(
        &mut self,
        mut members: impl Iterator<Item = u32>,
        client_rates: &[u64],
        client: &impl Fn(u32) -> Flood,
    ) {
        let Some(first) = members.next() else { return };
        let Some(second) = members.next() else {
            self.rates.push(client_rates[first as usize]);
            return;
        };
        let mut n = client(first);
        (n.key, n.prefix) = network(n.key);
        for c in [second].into_iter().chain(members).map(client) {
            n.requests += c.requests;
            n.clients += 1;
            n.first = n.first.min(c.first);
            n.last = n.last.max(c.last);
        }
        n.per_minute = rate(n.requests, n.first, n.last);
        self.rates.push(hundredths(n.per_minute));
        self.shared.push(n);
    }
}

/// A rate in hundredths, as the median and MAD compare rates.
fn hundredths(per_minute: f64) -> u64 {
    (per_minute * 100.0).round() as u64
}

/// The rate a source must pass to stand out from the `rates` of its kind
/// (hundredths): their median plus [`FLOOD_MADS`] spreads.
fn threshold(rates: &[u64]) -> f64 {
    let (m, spread) = baseline(rates);
    (m + FLOOD_MADS * spread) / 100.0
}

/// The flood test, given the threshold of the source's kind.
fn passes(f: &Flood, floor: f64, threshold: f64) -> bool {
    f.requests >= FLOOD_MIN && f.per_minute >= floor && f.per_minute > threshold
}

/// The median of the site's per-minute totals over its span.
fn site_median(a: &Agg) -> f64 {
    sparse_baseline(&per_minute(a, |m| m.all)).0
}

/// One count per minute of the timeline (`f` of its tallies).
fn per_minute(a: &Agg, f: impl Fn(&Minute) -> u64) -> FxHashMap<i64, u64> {
    let mut minutes: FxHashMap<i64, u64> = FxHashMap::default();
    for (k, m) in a.classes.timeline.all_minutes() {
        *minutes.entry(k).or_default() += f(m);
    }
    minutes
}

/// [`baseline`] of per-minute counts over the whole span from the first to
/// the last minute, the minutes absent from `minutes` counting as zero,
/// without listing them: a hostile log can span thousands of years.
fn sparse_baseline(minutes: &FxHashMap<i64, u64>) -> (f64, f64) {
    let (Some(&first), Some(&last)) = (minutes.keys().min(), minutes.keys().max()) else {
        return (0.0, 0.0);
    };
    let zeros = (last - first + 1) as u64 - minutes.len() as u64;
    let mut v: Vec<(u64, u64)> = minutes.values().map(|&n| (n, 1)).collect();
    v.push((0, zeros));
    weighted_baseline(v)
}

fn bursts(a: &Agg, class: ClassId) -> Vec<Burst> {
    let t = &a.classes.timeline;
    let minutes = per_minute(a, |m| m.classes[class as usize]);
    let (m, spread) = sparse_baseline(&minutes);
    let threshold = (m + BURST_MADS * spread).max(BURST_MIN as f64);
    let mut drivers: FxHashMap<i64, Vec<(u128, u64)>> = FxHashMap::default();
    for (&(minute, cl, key), &n) in &t.drivers {
        if cl == class as u8 {
            drivers.entry(minute).or_default().push((key, n));
        }
    }
    // A minute absent from the map counts zero, below any threshold.
    let mut out: Vec<Burst> = minutes
        .iter()
        .filter(|(_, &n)| n as f64 > threshold)
        .map(|(&minute, &n)| {
            let mut clients = drivers.remove(&minute).unwrap_or_default();
            clients.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            clients.truncate(3);
            Burst {
                class,
                minute: minute * 60,
                count: n,
                threshold,
                clients: clients
                    .into_iter()
                    .map(|(k, n)| (ip_from_key(k), n))
                    .collect(),
            }
        })
        .collect();
    out.sort_by_key(|b| b.minute);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_baseline_equals_the_listed_one() {
        let listed = [0, 0, 5, 0, 7, 7, 0, 100, 3, 0];
        let sparse: FxHashMap<i64, u64> = listed
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(i, &n)| (i as i64 + 1000, n))
            .chain([(1000, 0), (1009, 0)])
            .collect();
        assert_eq!(sparse_baseline(&sparse), baseline(&listed));
        // Thousands of years of empty minutes cost nothing.
        let far: FxHashMap<i64, u64> = [(0, 5), (5_000_000_000, 7)].into_iter().collect();
        assert_eq!(sparse_baseline(&far), (0.0, 0.0));
    }

    #[test]
    fn a_sweep_needs_distinct_targets_and_most_of_its_requests() {
        use crate::record::{Client, Record};
        let mut a = Agg::new(None, crate::aggregate::MAX_CLIENTS);
        let paths: Vec<String> = (0..30).map(|i| format!("/probe/{i}")).collect();
        // Three clients' 404s interleaved: one sweeps 30 paths, one repeats a
        // path 30 times, one sweeps 30 paths but has as many answered 200.
        for (i, p) in paths.iter().enumerate() {
            for (ip, target, status) in [
                ([198, 18, 0, 1], p.as_str(), 404),
                ([198, 18, 0, 2], "/x", 404),
                ([198, 18, 0, 3], p.as_str(), 404),
                ([198, 18, 0, 3], "/", 200),
            ] {
                let rec = Record {
                    client: Client::Ip(std::net::IpAddr::from(ip)),
                    ts: Some(1_600_000_000 + i as i64),
                    target: target.as_bytes(),
                    status: Some(status),
                    ..Record::default()
                };
                a.add(&rec, false);
                if status == 404 {
                    a.classes.not_found.add(&rec, false, 100);
                }
            }
        }
        a.flush();
        let found = sweeps(&a);
        assert_eq!(found.len(), 1);
        let s = &found[&crate::record::ip_key([198, 18, 0, 1].into())];
        assert_eq!((s.lines, s.distinct, s.floor), (30, 30, false));
        assert_eq!(s.unmarked.count, 30);
    }

    #[test]
    fn a_network_of_quiet_clients_floods_together() {
        use crate::record::{Client, Record};
        use std::net::IpAddr;
        let mut a = Agg::new(None, crate::aggregate::MAX_CLIENTS);
        let mut hit = |ip: IpAddr, ts: i64| {
            a.add(
                &Record {
                    client: Client::Ip(ip),
                    ts: Some(ts),
                    status: Some(200),
                    ..Record::default()
                },
                false,
            );
        };
        let t0 = 1_600_000_000;
        // Background: 300 clients in as many /24s, a request an hour.
        for c in 0..300u32 {
            for h in 0..5 {
                hit(
                    IpAddr::from((0x0b00_0000 + (c << 8)).to_be_bytes()),
                    t0 + h * 3600,
                );
            }
        }
        // Five clients of one /24 and three of one /64, 100 requests each in
        // a minute: under the 120 a client needs, over it together.
        for c in 1..=5u8 {
            for s in 0..100 {
                hit(IpAddr::from([198, 18, 7, c]), t0 + 7200 + s % 60);
            }
        }
        for c in 1..=3u16 {
            for s in 0..100 {
                let ip = std::net::Ipv6Addr::new(0x2001, 0xdb9, 0, 0x42, 0, 0, 0, c);
                hit(IpAddr::from(ip), t0 + 7200 + s % 60);
            }
        }
        a.flush();
        let found: Vec<(String, u64, u64)> = floods(&a, &SelfAddrs::default())
            .iter()
            .map(|f| (f.source().to_string(), f.clients, f.requests))
            .collect();
        assert_eq!(
            found,
            [
                ("198.18.7.0/24".to_string(), 5, 500),
                ("2001:db9:0:42::/64".to_string(), 3, 300)
            ]
        );
    }

    #[test]
    fn window_sums() {
        let m = [(0, 3), (1, 3), (4, 3), (5, 3), (9, 1)];
        // Minutes 0, 1 and 4 (or 1, 4 and 5) fit in five; 0 and 5 do not.
        assert_eq!(most_in_window(&m, 5), 9);
        assert_eq!(most_in_window(&m, 1), 3);
        assert_eq!(most_in_window(&[(0, 2), (10, 2)], 5), 2);
        // The same minute twice (from the access and the error log) adds up.
        assert_eq!(most_in_window(&[(3, 2), (3, 5), (4, 1)], 1), 7);
    }

    #[test]
    fn a_paced_guesser_fires_the_hour_not_the_burst_window() {
        // Two tries a minute for an hour.
        let paced: Vec<(i64, u64)> = (0..60).map(|m| (m, 2)).collect();
        assert_eq!(
            guessed(&paced, &BRUTE_WINDOWS),
            Some((BRUTE_WINDOWS[1], 120))
        );
        assert_eq!(guessed(&paced, &BRUTE_WINDOWS[..1]), None);
        // A burst fires the shortest window.
        let burst = [(10, 6), (11, 6)];
        assert_eq!(
            guessed(&burst, &BRUTE_WINDOWS),
            Some((BRUTE_WINDOWS[0], 12))
        );
        // One try every half hour for a day: 48, under the day's 50.
        let trickle: Vec<(i64, u64)> = (0..48).map(|i| (i * 30, 1)).collect();
        assert_eq!(guessed(&trickle, &BRUTE_WINDOWS), None);
    }
}

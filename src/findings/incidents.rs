//! Incident windows: every rise of the request rate, when it started and
//! ended, what drove it, and from where. The first is the onset.
//!
//! The method (documented in the README), whatever the timeline's buckets:
//! the requests are counted in buckets of the smallest of 1, 5, 15, 30 and
//! 60 minutes whose median holds at least 20 requests (a minute on a busy
//! site, an hour on a quiet one). Over the buckets of the whole span (empty
//! ones count as zero) the baseline is the median `m` and the spread `s =
//! 1.4826 × MAD`; a bucket rises when it holds more than `m + max(5s, m/2,
//! 10)`, and rising buckets next to each other (minutes up to [`GAP`] apart)
//! make one window, split where the network behind its classified lines
//! changes, and trimmed to its minutes above the threshold (in buckets
//! coarser than a minute, to the minutes of the networks named for it). Its
//! *excess* is what it holds above the baseline.
//!
//! The clients behind a window are those of its classified lines (the
//! per-minute class tallies name them) and those seen only around it (their
//! first and last request inside the window, give or take a minute): a
//! botnet that floods and goes. The window's class is the one whose lines
//! stand furthest above their own median there (the graver on a tie); when the clients seen only
//! around it account for more, it is a flood. Its network is a prefix of
//! the client that brought most of its class's lines (of its lines, for a
//! flood or a rise no class explains), one that covers the clients bringing
//! most of the excess without taking in the normal traffic: the /24 (IPv4)
//! or /64 (IPv6) around them when they share one, else their common prefix,
//! when at most a tenth of the other clients seen in it are not among them;
//! the next contributors follow, by /24 or /64. A network's lines count each
//! line once, whatever its classes.

use ipnet::IpNet;
use rustc_hash::FxHashMap;
use std::net::IpAddr;

use super::stats::weighted_baseline;
use crate::aggregate::clients::ClientStats;
use crate::aggregate::timeline::EXTRA;
use crate::aggregate::Agg;
use crate::classify::ClassId;
use crate::net::net_of;
use crate::record::{ip_from_key, is_v4_key};

const N: usize = ClassId::ALL.len();

/// A minute's requests and its lines by class.
type MinuteCounts = (u64, [u64; N]);

/// Rising minutes at most this far apart are one window (buckets of more
/// than a minute: adjacent ones).
pub const GAP: i64 = 2;
/// Resolutions tried, in minutes: the first whose median bucket holds at
/// least [`MIN_PER_BUCKET`] requests is used.
pub const RESOLUTIONS: [i64; 5] = [1, 5, 15, 30, 60];
pub const MIN_PER_BUCKET: f64 = 20.0;
/// Requests over the baseline a rise that no class or client explains
/// needs to be reported.
pub const UNEXPLAINED: u64 = 100;
/// Windows reported at most (the largest excess kept, in time order).
pub const MAX_INCIDENTS: usize = 50;
/// Of the clients seen in a network, at most this share may be others.
const OTHERS: f64 = 0.1;

/// One rise.
#[derive(Clone, Debug, PartialEq)]
pub struct Incident {
    /// First rising minute (epoch seconds) and the end of the last (exclusive).
    pub start: i64,
    pub end: i64,
    /// Requests in the window, and those above the baseline.
    pub requests: u64,
    pub excess: u64,
    pub peak_per_minute: u64,
    /// Seconds of the buckets the rise was found in.
    pub resolution: i64,
    /// The baseline and the threshold, in requests a minute.
    pub baseline: f64,
    pub threshold: f64,
    /// What drove it: a class, `Flood` for clients seen only around it, or
    /// `None` when nothing known explains it.
    pub class: Option<ClassId>,
    /// The network that brought most of it first, then the next
    /// contributors, with their lines in the window.
    pub networks: Vec<(IpNet, u64)>,
}

/// Every window, in time order.
pub fn incidents(a: &Agg, extra: &FxHashMap<i64, [u64; N]>) -> Vec<Incident> {
    let mut minutes: FxHashMap<i64, MinuteCounts> = FxHashMap::default();
    for (k, m) in a.classes.timeline.all_minutes() {
        let e = minutes.entry(k).or_default();
        e.0 += m.all;
        for (x, y) in e.1.iter_mut().zip(m.classes) {
            *x += y;
        }
    }
    for (k, classes) in extra {
        let e = minutes.entry(*k).or_default();
        for (x, y) in e.1.iter_mut().zip(classes) {
            *x += y;
        }
    }
    let (Some(&first), Some(&last)) = (minutes.keys().min(), minutes.keys().max()) else {
        return Vec::new();
    };
    let span = (last - first + 1) as u64;
    let baseline_of = |f: &dyn Fn(&MinuteCounts) -> u64| {
        let mut v: Vec<(u64, u64)> = minutes.values().map(|m| (f(m), 1)).collect();
        v.push((0, span - minutes.len() as u64));
        weighted_baseline(v)
    };
    // The resolution: the first whose median bucket holds enough requests
    // for a rise to be told from chance.
    let mut chosen = None;
    for r in RESOLUTIONS {
        let mut buckets: FxHashMap<i64, u64> = FxHashMap::default();
        for (k, x) in &minutes {
            *buckets.entry(k.div_euclid(r)).or_default() += x.0;
        }
        let n = (last.div_euclid(r) - first.div_euclid(r) + 1) as u64;
        let mut v: Vec<(u64, u64)> = buckets.values().map(|c| (*c, 1)).collect();
        v.push((0, n - buckets.len() as u64));
        let (m, s) = weighted_baseline(v);
        chosen = Some((r, buckets, m, s));
        if m >= MIN_PER_BUCKET {
            break;
        }
    }
    let (r, buckets, m, s) = chosen.expect("resolutions are tried");
    let threshold = m + (5.0 * s).max(m / 2.0).max(10.0);
    let mut hot: Vec<i64> = buckets
        .iter()
        .filter(|(_, c)| **c as f64 > threshold)
        .map(|(k, _)| *k)
        .collect();
    hot.sort_unstable();
    // Windows of buckets, [first, last] inclusive, then of minutes.
    let gap = if r == 1 { GAP } else { 1 };
    let mut windows: Vec<(i64, i64)> = Vec::new();
    for k in hot {
        match windows.last_mut() {
            Some(w) if k - w.1 <= gap => w.1 = k,
            _ => windows.push((k, k)),
        }
    }
    if windows.is_empty() {
        return Vec::new();
    }
    let windows: Vec<(i64, i64)> = windows
        .into_iter()
        .map(|(lo, hi)| (lo * r, hi * r + r - 1))
        .collect();
    // Per minute from here on.
    let (m, threshold) = (m / r as f64, threshold / r as f64);
    let lines = classified_lines(a);
    let windows = split_by_driver(&lines, &windows);
    // Each from its first to its last minute above the threshold (a bucket
    // of an hour rose, but the incident took its minutes).
    let above = |k: i64| minutes.get(&k).is_some_and(|x| x.0 as f64 > threshold);
    let windows: Vec<(i64, i64)> = windows
        .into_iter()
        .filter_map(|(lo, hi)| {
            let lo2 = (lo..=hi).find(|k| above(*k))?;
            let hi2 = (lo..=hi).rev().find(|k| above(*k))?;
            Some((lo2, hi2))
        })
        .collect();
    if windows.is_empty() {
        return Vec::new();
    }
    let class_medians: Vec<f64> = (0..N).map(|c| baseline_of(&|x| x.1[c]).0).collect();
    // The requests of minutes `lo..=hi`, those above the baseline, and the
    // busiest minute's.
    let volume = |lo: i64, hi: i64| {
        (lo..=hi).fold((0u64, 0f64, 0u64), |(n, e, p), k| {
            let all = minutes.get(&k).map_or(0, |x| x.0);
            (n + all, e + all as f64 - m, p.max(all))
        })
    };
    let mut found: Vec<Incident> = windows
        .iter()
        .map(|&(lo, hi)| {
            let (requests, excess, peak) = volume(lo, hi);
            let mut class_excess = [0f64; N];
            for k in lo..=hi {
                let classes = minutes.get(&k).map(|x| x.1).unwrap_or_default();
                for c in 0..N {
                    class_excess[c] += classes[c] as f64 - class_medians[c];
                }
            }
            // A cause outranks a symptom: gateway errors and upstream
            // timeouts are what the site suffers, not what was done to it.
            let best = |symptoms: bool| {
                ClassId::ALL
                    .into_iter()
                    .filter(|c| *c != ClassId::Dummy && is_symptom(*c) == symptoms)
                    .map(|c| (c, class_excess[c as usize]))
                    .filter(|(_, e)| *e > 0.0)
                    .max_by(|x, y| {
                        // Lines of two classes (an exploit probe sent by a
                        // scanner) tie: the graver names the window.
                        let grave = |c: ClassId| crate::classify::info(c).severity;
                        x.1.total_cmp(&y.1)
                            .then(grave(x.0).cmp(&grave(y.0)))
                            .then(y.0.cmp(&x.0))
                    })
            };
            let class = best(false).or_else(|| best(true));
            Incident {
                start: lo * 60,
                end: (hi + 1) * 60,
                resolution: r * 60,
                requests,
                excess: excess.max(0.0).round() as u64,
                peak_per_minute: peak,
                baseline: m,
                threshold,
                class: class.map(|c| c.0),
                networks: Vec::new(),
            }
        })
        .collect();
    trace(a, &lines, &windows, &mut found);
    if r > 1 {
        // Coarser than a minute, the threshold a minute is a fraction of a
        // request: every minute of a rising bucket that holds one is above
        // it, and a stray request half an hour before an attack would open
        // its window. Such a window is the minutes of the networks it names.
        let spans = named_spans(a, &lines, &windows, &found);
        for (inc, span) in found.iter_mut().zip(spans) {
            if let Some((lo, hi)) = span {
                let (requests, excess, peak) = volume(lo, hi);
                inc.start = lo * 60;
                inc.end = (hi + 1) * 60;
                inc.requests = requests;
                inc.excess = excess.max(0.0).round() as u64;
                inc.peak_per_minute = peak;
            }
        }
    }
    // A small rise nothing known explains is noise at minute resolution
    // (a crawler's busy minute on a quiet site); a large one is reported.
    found.retain(|i| i.class.is_some() || !i.networks.is_empty() || i.excess >= UNEXPLAINED);
    if found.len() > MAX_INCIDENTS {
        let mut by_excess: Vec<usize> = (0..found.len()).collect();
        by_excess.sort_by_key(|&i| std::cmp::Reverse(found[i].excess));
        let keep: std::collections::BTreeSet<usize> =
            by_excess.into_iter().take(MAX_INCIDENTS).collect();
        found = found
            .into_iter()
            .enumerate()
            .filter(|(i, _)| keep.contains(i))
            .map(|(_, x)| x)
            .collect();
    }
    found
}

/// Classes that say what the site suffered rather than what was done to it.
fn is_symptom(c: ClassId) -> bool {
    matches!(c, ClassId::GatewayErrors | ClassId::UpstreamTimeout)
}

/// Classified lines by minute and client key.
type Lines = FxHashMap<(i64, u128), u64>;

/// Classified lines by minute and client, each line once whatever its
/// classes (see `Timeline::drivers`); Apache's dummy connections aside.
fn classified_lines(a: &Agg) -> Lines {
    let mut sums: FxHashMap<(i64, u128), (u64, u64)> = FxHashMap::default();
    for (&(minute, class, key), &n) in &a.classes.timeline.drivers {
        if class == ClassId::Dummy as u8 {
            continue;
        }
        let e = sums.entry((minute, key)).or_default();
        if class == EXTRA {
            e.1 += n;
        } else {
            e.0 += n;
        }
    }
    // Past the drivers' bound a line's classes may be kept in part, and the
    // difference is then only a bound (a warning says so).
    sums.into_iter()
        .map(|(k, (n, extra))| (k, n.saturating_sub(extra)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Classified lines a minute a network needs to drive it.
const MIN_DRIVER: u64 = 5;

/// Splits windows where the network that drives their classified lines
/// changes: back-to-back bursts from two networks are two incidents.
fn split_by_driver(lines: &Lines, windows: &[(i64, i64)]) -> Vec<(i64, i64)> {
    // Minute → network → classified lines, for the minutes of the windows.
    let mut by_minute: FxHashMap<i64, FxHashMap<IpNet, u64>> = FxHashMap::default();
    for (&(minute, key), &n) in lines {
        if window_of(windows, minute).is_none() {
            continue;
        }
        let ip = ip_from_key(key);
        let net = net_of(ip, if ip.is_ipv4() { 24 } else { 64 });
        *by_minute.entry(minute).or_default().entry(net).or_default() += n;
    }
    let dominant = |k: i64| {
        by_minute.get(&k).and_then(|nets| {
            let total: u64 = nets.values().sum();
            nets.iter()
                .max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0)))
                .filter(|(_, n)| **n * 2 > total && **n >= MIN_DRIVER)
                .map(|(net, _)| *net)
        })
    };
    let mut out = Vec::new();
    for &(lo, hi) in windows {
        let (mut start, mut current) = (lo, None);
        for k in lo..=hi {
            match (current, dominant(k)) {
                (Some(c), Some(d)) if c != d => {
                    out.push((start, k - 1));
                    start = k;
                    current = Some(d);
                }
                (None, Some(d)) => current = Some(d),
                _ => {}
            }
        }
        out.push((start, hi));
    }
    out
}

/// The window holding minute `k`, if any.
fn window_of(windows: &[(i64, i64)], k: i64) -> Option<usize> {
    let i = windows.partition_point(|w| w.1 < k);
    (i < windows.len() && windows[i].0 <= k).then_some(i)
}

/// The window a client was seen only around, from a minute before it to a
/// minute after, if any.
fn around(windows: &[(i64, i64)], s: &ClientStats) -> Option<usize> {
    if s.first > s.last {
        return None;
    }
    let (f, l) = (s.first.div_euclid(60), s.last.div_euclid(60));
    let i = windows.partition_point(|w| w.1 + 1 < f);
    let &(lo, hi) = windows.get(i)?;
    (f + 1 >= lo && l <= hi + 1).then_some(i)
}

/// Each window's first and last minute with lines of the networks named for
/// it: their classified lines, and the requests of their clients seen only
/// around it. `None` for a window that names none.
fn named_spans(
    a: &Agg,
    lines: &Lines,
    windows: &[(i64, i64)],
    found: &[Incident],
) -> Vec<Option<(i64, i64)>> {
    let named = |w: usize, key: u128| {
        let ip = ip_from_key(key);
        found[w].networks.iter().any(|(n, _)| n.contains(&ip))
    };
    let mut spans: Vec<Option<(i64, i64)>> = vec![None; windows.len()];
    let mut widen = |w: usize, lo: i64, hi: i64| {
        let s = spans[w].get_or_insert((lo, hi));
        *s = (s.0.min(lo), s.1.max(hi));
    };
    for &(minute, key) in lines.keys() {
        if let Some(w) = window_of(windows, minute).filter(|&w| named(w, key)) {
            widen(w, minute, minute);
        }
    }
    for (key, s) in a.clients.iter() {
        if let Some(w) = around(windows, s).filter(|&w| named(w, key)) {
            // Its requests in the window (it may have come a minute early).
            let (lo, hi) = windows[w];
            let (f, l) = (
                s.first.div_euclid(60).max(lo),
                s.last.div_euclid(60).min(hi),
            );
            if f <= l {
                widen(w, f, l);
            }
        }
    }
    spans
}

/// Names the clients and networks behind each window, and makes a window
/// driven by clients seen only around it a flood.
fn trace(a: &Agg, lines: &Lines, windows: &[(i64, i64)], found: &mut [Incident]) {
    // (window, client key) → lines in the window: classified, and all lines
    // of clients seen only around it.
    let mut classified: FxHashMap<(usize, u128), u64> = FxHashMap::default();
    for (&(minute, key), &n) in lines {
        if let Some(w) = window_of(windows, minute) {
            *classified.entry((w, key)).or_default() += n;
        }
    }
    let mut burst: FxHashMap<(usize, u128), u64> = FxHashMap::default();
    for (key, s) in a.clients.iter() {
        if let Some(i) = around(windows, s) {
            burst.insert((i, key), s.requests);
        }
    }
    let mut per_window: Vec<FxHashMap<u128, u64>> = vec![FxHashMap::default(); windows.len()];
    // Lines of clients seen only around a window, beyond their classified
    // ones, by coarse network (/16, /48): a distributed flood comes from one.
    let mut burst_nets: Vec<FxHashMap<IpNet, u64>> = vec![FxHashMap::default(); windows.len()];
    for (&(w, key), &n) in &classified {
        *per_window[w].entry(key).or_default() += n;
    }
    // Lines of the window's attack classes (symptoms aside), in all and by
    // client: a client that came and went to attack is its class's.
    let mut caused: Vec<u64> = vec![0; windows.len()];
    let mut caused_by: FxHashMap<(usize, u128), u64> = FxHashMap::default();
    for (&(minute, class, key), &n) in &a.classes.timeline.drivers {
        let Some(c) = ClassId::ALL.get(class as usize) else {
            continue;
        };
        if *c == ClassId::Dummy || is_symptom(*c) {
            continue;
        }
        if let Some(w) = window_of(windows, minute) {
            caused[w] += n;
            *caused_by.entry((w, key)).or_default() += n;
        }
    }
    for (&(w, key), &n) in &burst {
        let e = per_window[w].entry(key).or_default();
        *e = (*e).max(n);
        let ip = ip_from_key(key);
        let own = caused_by.get(&(w, key)).copied().unwrap_or(0);
        *burst_nets[w]
            .entry(net_of(ip, if ip.is_ipv4() { 16 } else { 48 }))
            .or_default() += n.saturating_sub(own);
    }
    for (w, inc) in found.iter_mut().enumerate() {
        let flood = burst_nets[w].values().copied().max().unwrap_or(0);
        // Most of the excess from clients of one network that came and
        // went, more than any attack class brought.
        if flood * 2 >= inc.excess && flood > caused[w] {
            inc.class = Some(ClassId::Flood);
        }
    }
    // Each window's candidate networks: the prefixes of its heaviest client,
    // by the lines of the window's class (a flood's clients came and went
    // with none): the gateway errors a crawler met during a scan do not
    // make it the scan's.
    let mut of_class: Vec<FxHashMap<u128, u64>> = vec![FxHashMap::default(); windows.len()];
    for (&(minute, class, key), &n) in &a.classes.timeline.drivers {
        if let Some(w) = window_of(windows, minute) {
            if found[w]
                .class
                .is_some_and(|c| c as u8 == class && c != ClassId::Flood)
            {
                *of_class[w].entry(key).or_default() += n;
            }
        }
    }
    let heaviest_of = |c: &FxHashMap<u128, u64>| {
        c.iter()
            .max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0)))
            .map(|(k, _)| *k)
    };
    let heaviest: Vec<Option<u128>> = per_window
        .iter()
        .zip(&of_class)
        .map(|(all, class)| heaviest_of(class).or_else(|| heaviest_of(all)))
        .collect();
    let seen = seen_in(a, &heaviest, &per_window);
    for (w, inc) in found.iter_mut().enumerate() {
        let (contrib, Some(h)) = (&per_window[w], heaviest[w]) else {
            continue;
        };
        let ip = ip_from_key(h);
        // The window's lines by how many leading bits their client shares
        // with the heaviest: a /l of it holds those sharing l or more.
        let shares: Vec<(u32, u64)> = contrib
            .iter()
            .filter_map(|(k, n)| Some((shared_bits(*k, h)?, *n)))
            .collect();
        let lines_in = |l: u8| -> u64 {
            shares
                .iter()
                .filter(|(s, _)| *s >= u32::from(l))
                .map(|(_, n)| n)
                .sum()
        };
        // The prefixes of the heaviest client that take in few others, and
        // what each covers.
        let valid: Vec<(IpNet, u64)> = lengths(ip.is_ipv4())
            .iter()
            .map(|&l| (l, net_of(ip, l)))
            .filter(|(_, n)| {
                seen.get(&(w, *n))
                    .is_none_or(|(others, all)| *others as f64 <= OTHERS * *all as f64)
            })
            .map(|(l, n)| (n, lines_in(l)))
            .collect();
        let best = valid.iter().map(|x| x.1).max().unwrap_or(0);
        let near: Vec<&(IpNet, u64)> = valid
            .iter()
            .filter(|x| x.1 as f64 >= 0.95 * best as f64)
            .collect();
        let conventional = if ip.is_ipv4() { 24 } else { 64 };
        let main = near
            .iter()
            .find(|x| x.0.prefix_len() == conventional)
            .or_else(|| near.iter().max_by_key(|x| x.0.prefix_len()))
            .map(|x| **x);
        let mut nets: Vec<(IpNet, u64)> = main.into_iter().collect();
        // The next contributors, by /24 or /64, outside the main network.
        let total: u64 = contrib.values().sum();
        let mut next: FxHashMap<IpNet, u64> = FxHashMap::default();
        for (&k, &n) in contrib {
            let ip = ip_from_key(k);
            if main.is_some_and(|m| m.0.contains(&ip)) {
                continue;
            }
            *next
                .entry(net_of(ip, if is_v4_key(k) { 24 } else { 64 }))
                .or_default() += n;
        }
        let mut next: Vec<(IpNet, u64)> = next
            .into_iter()
            .filter(|(_, n)| *n >= MIN_NEXT.max(total / 100))
            .collect();
        next.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        nets.extend(next.into_iter().take(4));
        inc.networks = nets;
    }
}

/// A next contributor brings at least this many lines (and a hundredth).
const MIN_NEXT: u64 = 10;

/// How many leading bits two address keys share within their family
/// (0 to 32 for IPv4); `None` when one is IPv4 and the other IPv6.
fn shared_bits(a: u128, b: u128) -> Option<u32> {
    let v4 = is_v4_key(a);
    (v4 == is_v4_key(b)).then(|| (a ^ b).leading_zeros() - if v4 { 96 } else { 0 })
}

/// The prefix lengths a window's network may have, shortest first.
fn lengths(v4: bool) -> &'static [u8] {
    const V4: [u8; 17] = [
        16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
    ];
    const V6: [u8; 8] = [32, 48, 56, 64, 80, 96, 112, 128];
    if v4 {
        &V4
    } else {
        &V6
    }
}

/// For each prefix of each window's heaviest client: the clients seen in it
/// that are not the window's, and all clients seen in it (one pass over the
/// client table).
fn seen_in(
    a: &Agg,
    heaviest: &[Option<u128>],
    per_window: &[FxHashMap<u128, u64>],
) -> FxHashMap<(usize, IpNet), (u64, u64)> {
    let mut out: FxHashMap<(usize, IpNet), (u64, u64)> = FxHashMap::default();
    let wanted: Vec<(usize, u128, IpAddr)> = heaviest
        .iter()
        .enumerate()
        .filter_map(|(w, h)| Some((w, (*h)?, ip_from_key((*h)?))))
        .collect();
    if wanted.is_empty() {
        return out;
    }
    // A client is in the heaviest's network of length l when their
    // addresses share l leading bits: counted by the bits, not by building
    // and hashing every prefix of every client.
    for (key, _) in a.clients.iter() {
        for &(w, h, ip) in &wanted {
            let Some(shared) = shared_bits(key, h) else {
                continue;
            };
            let within = lengths(ip.is_ipv4()).iter();
            for &l in within.take_while(|&&l| u32::from(l) <= shared) {
                let e = out.entry((w, net_of(ip, l))).or_default();
                e.1 += 1;
                if !per_window[w].contains_key(&key) {
                    e.0 += 1;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Client, Record};

    fn add(a: &mut Agg, ip: &str, ts: i64) {
        let rec = Record {
            client: Client::Ip(ip.parse().unwrap()),
            ts: Some(ts),
            status: Some(200),
            ..Record::default()
        };
        a.add(&rec, false);
        a.classes.timeline.line(ts, Some(200));
    }

    /// `seen_in` by its definition: every prefix of every client, built
    /// and looked up.
    fn seen_in_by_prefixes(
        a: &Agg,
        heaviest: &[Option<u128>],
        per_window: &[FxHashMap<u128, u64>],
    ) -> FxHashMap<(usize, IpNet), (u64, u64)> {
        let mut out: FxHashMap<(usize, IpNet), (u64, u64)> = FxHashMap::default();
        for (key, _) in a.clients.iter() {
            let ip = ip_from_key(key);
            for (w, h) in heaviest.iter().enumerate() {
                let Some(h) = h else { continue };
                let hip = ip_from_key(*h);
                for &l in lengths(hip.is_ipv4()) {
                    if hip.is_ipv4() == ip.is_ipv4() && net_of(ip, l) == net_of(hip, l) {
                        let e = out.entry((w, net_of(hip, l))).or_default();
                        e.1 += 1;
                        e.0 += u64::from(!per_window[w].contains_key(&key));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn seen_in_counts_as_every_prefix_would() {
        let mut a = Agg::new(None, crate::aggregate::MAX_CLIENTS);
        let mut x = 7u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        // Clients crowded into few networks of both families, so that
        // prefixes of every length are shared.
        let mut keys = Vec::new();
        for _ in 0..3000 {
            let r = next();
            let ip: std::net::IpAddr = if r % 3 == 0 {
                let v6 = 0x2001_0db8u128 << 96 | u128::from(r % 5) << 80 | u128::from(next() % 7);
                std::net::Ipv6Addr::from(v6 << (r % 2 * 40)).into()
            } else {
                std::net::Ipv4Addr::from(0x6862_0000 | (r >> 8) as u32 & 0x0103_03ff).into()
            };
            add(&mut a, &ip.to_string(), 1_608_768_000);
            keys.push(crate::record::ip_key(ip));
        }
        a.flush();
        let heaviest: Vec<Option<u128>> = (0..6)
            .map(|i| (i != 2).then(|| keys[next() as usize % keys.len()]))
            .collect();
        let per_window: Vec<FxHashMap<u128, u64>> = (0..6)
            .map(|_| {
                (0..200)
                    .map(|_| (keys[next() as usize % keys.len()], 1))
                    .collect()
            })
            .collect();
        let fast = seen_in(&a, &heaviest, &per_window);
        let slow = seen_in_by_prefixes(&a, &heaviest, &per_window);
        assert!(fast.len() > 40, "{} prefixes", fast.len());
        assert_eq!(fast, slow);
    }

    #[test]
    fn a_botnet_burst_is_a_flood_from_its_network() {
        let mut a = Agg::new(None, crate::aggregate::MAX_CLIENTS);
        let t0 = 1_608_768_000;
        // Steady traffic: 30 clients of 30 /24s, a request each a minute, 3 hours.
        for minute in 0..180 {
            for c in 0..30 {
                add(&mut a, &format!("198.18.{c}.1"), t0 + minute * 60 + c);
            }
        }
        // From minute 100 to 109: 400 addresses of 104.98.0.0/16, 3 requests each.
        for i in 0..400u32 {
            let ip = format!("104.98.{}.{}", i / 200, i % 200 + 1);
            for r in 0..3 {
                add(&mut a, &ip, t0 + 100 * 60 + i64::from((i * 3 + r) % 600));
            }
        }
        a.flush();
        a.classes.timeline.flush();
        let found = incidents(&a, &FxHashMap::default());
        assert_eq!(found.len(), 1, "{found:?}");
        let i = &found[0];
        assert_eq!(i.start, t0 + 100 * 60);
        assert_eq!(i.end, t0 + 110 * 60);
        assert_eq!(i.class, Some(ClassId::Flood));
        assert_eq!(i.networks[0].0.to_string(), "104.98.0.0/23");
        assert_eq!(i.networks[0].1, 1200);
    }
}

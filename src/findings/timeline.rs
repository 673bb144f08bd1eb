//! Requests over time, and when an attack began.
//!
//! The per-minute tallies of the scan are regrouped into buckets of a width
//! chosen from the time span.
//!
//! Onset (documented in the README): over the bucketed series of all requests,
//! the baseline is the median `m` and the spread `s = 1.4826 × MAD`; the onset is
//! the first bucket whose count exceeds `m + max(5s, m/2, 10)`. The class that
//! drives it is the one whose count in that bucket stands furthest above its own
//! median, and its clients are grouped by /24 (IPv4) or /64 (IPv6).

use rustc_hash::FxHashMap;

use ipnet::IpNet;

use super::stats::{baseline, median};
use crate::aggregate::timeline::{Minute, Timeline};
use crate::classify::ClassId;
use crate::net::net_of;
use crate::record::ip_from_key;

const N: usize = ClassId::ALL.len();

/// Bucket widths tried, smallest first, in seconds.
const WIDTHS: [i64; 8] = [60, 300, 900, 1800, 3600, 6 * 3600, 12 * 3600, 86400];
/// At most this many buckets when the width is chosen from the span.
pub const MAX_BUCKETS: i64 = 120;
/// At most this many buckets whatever the width asked for.
pub const MAX_SERIES: i64 = 10_000;

/// The series regrouped into buckets.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub width: i64,
    /// Start of the first bucket, epoch seconds.
    pub start: i64,
    pub all: Vec<u64>,
    pub s5xx: Vec<u64>,
    pub classes: Vec<(ClassId, Vec<u64>)>,
}

/// Regroups minutes into buckets of `width` seconds (chosen from the span when
/// `None`), with the class lines of `extra` (minute → lines by class: the
/// error log's lines the access log does not also hold) added. `None` when
/// there is no timestamped line.
pub fn series(
    t: &Timeline,
    width: Option<i64>,
    extra: &FxHashMap<i64, [u64; N]>,
) -> Option<Series> {
    let mut minutes: Vec<(i64, Minute)> = t.all_minutes().map(|(k, m)| (k, *m)).collect();
    minutes.extend(extra.iter().map(|(&k, classes)| {
        let m = Minute {
            classes: *classes,
            ..Minute::default()
        };
        (k, m)
    }));
    let first = minutes.iter().map(|m| m.0).min()? * 60;
    let last = minutes.iter().map(|m| m.0).max()? * 60;
    // Past a day, whole days, as many as keep to MAX_BUCKETS.
    let width = width.filter(|w| *w >= 60).unwrap_or_else(|| {
        WIDTHS
            .into_iter()
            .find(|w| (last - first) / w < MAX_BUCKETS)
            .unwrap_or(((last - first) / MAX_BUCKETS / 86400 + 1) * 86400)
    });
    // A hostile log can span millennia: never more than MAX_SERIES buckets,
    // widened in whole days.
    let width = if (last - first) / width >= MAX_SERIES {
        ((last - first) / MAX_SERIES / 86400 + 1) * 86400
    } else {
        width
    };
    // Buckets align to multiples of their width (minutes, hours, days in UTC).
    let start = first.div_euclid(width) * width;
    let n = ((last - start) / width + 1) as usize;
    let mut all = vec![0; n];
    let mut s5xx = vec![0; n];
    let mut cls = vec![vec![0u64; n]; N];
    for (k, m) in &minutes {
        let i = ((k * 60 - start) / width) as usize;
        all[i] += m.all;
        s5xx[i] += m.s5xx;
        for (c, v) in m.classes.iter().enumerate() {
            cls[c][i] += v;
        }
    }
    let classes = ClassId::ALL
        .into_iter()
        .zip(cls)
        .filter(|(_, v)| v.iter().any(|&x| x > 0))
        .collect();
    Some(Series {
        width,
        start,
        all,
        s5xx,
        classes,
    })
}

/// When the rise began and who drove it.
#[derive(Clone, Debug, PartialEq)]
pub struct Onset {
    /// Start of the onset bucket, epoch seconds.
    pub at: i64,
    pub count: u64,
    pub baseline: f64,
    pub threshold: f64,
    /// The class standing furthest above its own median in that bucket.
    pub class: Option<ClassId>,
    /// Networks (/24, /64) of that class's clients in that bucket, most
    /// lines first (then by address), at most five.
    pub networks: Vec<(IpNet, u64)>,
}

/// Finds the onset (see the module doc).
pub fn onset(t: &Timeline, s: &Series) -> Option<Onset> {
    let (m, spread) = baseline(&s.all);
    let threshold = m + (5.0 * spread).max(m / 2.0).max(10.0);
    let i = s.all.iter().position(|&x| x as f64 > threshold)?;
    let class = s
        .classes
        .iter()
        .filter(|(c, _)| *c != ClassId::Dummy)
        .map(|(c, v)| (*c, v[i] as f64 - median(v)))
        .filter(|(_, excess)| *excess > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(c, _)| c);
    let at = s.start + i as i64 * s.width;
    let mut nets: FxHashMap<(u128, u8), u64> = FxHashMap::default();
    if let Some(c) = class {
        for (&(minute, cl, key), &n) in &t.drivers {
            if cl == c as u8 && (minute * 60 - s.start).div_euclid(s.width) == i as i64 {
                *nets.entry(network(key)).or_default() += n;
            }
        }
    }
    let mut networks: Vec<(u128, u8, u64)> =
        nets.into_iter().map(|((k, p), n)| (k, p, n)).collect();
    networks.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    networks.truncate(5);
    let networks = networks
        .into_iter()
        .map(|(k, p, n)| (net_of(ip_from_key(k), p), n))
        .collect();
    Some(Onset {
        at,
        count: s.all[i],
        baseline: m,
        threshold,
        class,
        networks,
    })
}

/// The /24 (IPv4) or /64 (IPv6) holding an address key, as (network key, prefix).
pub fn network(key: u128) -> (u128, u8) {
    if crate::record::is_v4_key(key) {
        (key & !0xff, 24)
    } else {
        (key & !((1u128 << 64) - 1), 64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn onset_finds_the_rise_and_its_driver() {
        let mut t = Timeline::default();
        let base = 1_608_800_000 - 1_608_800_000 % 3600;
        for minute in 0..120 {
            for s in 0..20 {
                t.line(base + minute * 60 + s, Some(200));
            }
        }
        let attacker = 0xffff_0000_0000u128 | 0x88af_09d1; // 136.175.9.209
        for minute in 90..120 {
            for s in 0..200 {
                let ts = base + minute * 60 + s % 60;
                t.line(ts, Some(504));
                t.class(ts, ClassId::Proxy, Some(attacker + (s as u128 % 3)));
            }
        }
        t.flush();
        let s = series(&t, None, &FxHashMap::default()).unwrap();
        assert_eq!(s.width, 60);
        assert_eq!(s.all.len(), 120);
        let o = onset(&t, &s).unwrap();
        assert_eq!(o.at, base + 90 * 60);
        assert_eq!(o.class, Some(ClassId::Proxy));
        assert_eq!(o.networks, vec![("136.175.9.0/24".parse().unwrap(), 200)]);
        // A flat series has no onset.
        let mut flat = Timeline::default();
        for minute in 0..60 {
            flat.line(base + minute * 60, Some(200));
        }
        flat.flush();
        assert!(onset(&flat, &series(&flat, None, &FxHashMap::default()).unwrap()).is_none());
    }

    #[test]
    fn width_follows_the_span() {
        let mut t = Timeline::default();
        t.line(0, None);
        t.line(86_399, None);
        t.flush();
        let s = series(&t, None, &FxHashMap::default()).unwrap();
        assert_eq!(s.width, 900);
        assert_eq!(s.all.iter().sum::<u64>(), 2);
        assert_eq!(
            series(&t, Some(3600), &FxHashMap::default())
                .unwrap()
                .all
                .len(),
            24
        );
        // Years 1 and 9999 in one log: the buckets stay few.
        let mut wide = Timeline::default();
        wide.line(-62_135_596_800, None);
        wide.line(253_402_300_799, None);
        wide.flush();
        let s = series(&wide, Some(60), &FxHashMap::default()).unwrap();
        assert!(s.all.len() as i64 <= MAX_SERIES + 1, "{}", s.all.len());
        assert_eq!(s.all.iter().sum::<u64>(), 2);
    }
}

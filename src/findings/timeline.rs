//! Requests over time, and when an attack began.
//!
//! The per-minute tallies of the scan are regrouped into buckets of a width
//! chosen from the time span.
//!
//! The onset is the first incident window ([`super::incidents`]).

use rustc_hash::FxHashMap;

use ipnet::IpNet;

use crate::aggregate::timeline::{Minute, Timeline};
use crate::classify::ClassId;

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

/// When the first rise began and who drove it: the first incident.
#[derive(Clone, Debug, PartialEq)]
pub struct Onset {
    /// Start of its first rising minute, epoch seconds.
    pub at: i64,
    /// Requests in the window's busiest minute.
    pub count: u64,
    /// Requests a minute at the baseline, and the threshold a minute rose above.
    pub baseline: f64,
    pub threshold: f64,
    pub class: Option<ClassId>,
    /// The network that brought most of it first, then the next ones.
    pub networks: Vec<(IpNet, u64)>,
}

impl Onset {
    pub fn of(i: &super::incidents::Incident) -> Onset {
        Onset {
            at: i.start,
            count: i.peak_per_minute,
            baseline: i.baseline,
            threshold: i.threshold,
            class: i.class,
            networks: i.networks.clone(),
        }
    }
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

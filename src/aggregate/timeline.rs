//! Requests over time, and when an attack began.
//!
//! Lines are counted per minute (all, 5xx, each class); classified lines also per
//! minute, class and client, so that a rise can be traced to who drove it. The
//! report regroups minutes into buckets of a width chosen from the time span.
//!
//! Onset (documented in the README): over the bucketed series of all requests,
//! the baseline is the median `m` and the spread `s = 1.4826 × MAD`; the onset is
//! the first bucket whose count exceeds `m + max(5s, m/2, 10)`. The class that
//! drives it is the one whose count in that bucket stands furthest above its own
//! median, and its clients are grouped by /24 (IPv4) or /64 (IPv6).

use rustc_hash::FxHashMap;

use crate::classify::ClassId;

const N: usize = ClassId::ALL.len();

/// Counts for one minute.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Minute {
    pub all: u64,
    pub s5xx: u64,
    pub classes: [u64; N],
}

impl Minute {
    fn add(&mut self, o: &Minute) {
        self.all += o.all;
        self.s5xx += o.s5xx;
        for (a, b) in self.classes.iter_mut().zip(&o.classes) {
            *a += b;
        }
    }
}

/// Per-minute tallies for one run of lines; merges by addition.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    pub minutes: FxHashMap<i64, Minute>,
    /// (minute, class, client key) → lines, for classified lines only; at
    /// most [`MAX_DRIVERS`].
    pub drivers: FxHashMap<(i64, u8, u128), u64>,
    /// Classified lines whose (minute, class, client) was past the bound.
    pub drivers_dropped: u64,
    /// The minute being counted, kept out of the map: lines come in time order.
    cur: Option<(i64, Minute)>,
}

impl Timeline {
    /// Counts a parsed line at `ts` with its status.
    #[inline]
    pub fn line(&mut self, ts: i64, status: Option<u16>) {
        let m = self.minute(ts);
        m.all += 1;
        if matches!(status, Some(500..=599)) {
            m.s5xx += 1;
        }
    }

    /// Counts a line of class `c` from `client` (an address key, if any).
    pub fn class(&mut self, ts: i64, c: ClassId, client: Option<u128>) {
        self.class_within(ts, c, client, MAX_DRIVERS);
    }

    fn class_within(&mut self, ts: i64, c: ClassId, client: Option<u128>, bound: usize) {
        self.minute(ts).classes[c as usize] += 1;
        if let Some(k) = client {
            let key = (ts.div_euclid(60), c as u8, k);
            if self.drivers.len() < bound {
                *self.drivers.entry(key).or_default() += 1;
            } else if let Some(n) = self.drivers.get_mut(&key) {
                *n += 1;
            } else {
                self.drivers_dropped += 1;
            }
        }
    }

    #[inline]
    fn minute(&mut self, ts: i64) -> &mut Minute {
        // Most lines fall in the current minute: a compare, not a division.
        let start = self.cur.as_ref().map_or(i64::MAX, |(k, _)| k * 60);
        if !(ts >= start && ts - start < 60) {
            self.flush();
            self.cur = Some((ts.div_euclid(60), Minute::default()));
        }
        &mut self.cur.as_mut().expect("set above").1
    }

    /// Every minute counted, by its number (epoch minutes).
    pub fn all_minutes(&self) -> impl Iterator<Item = (i64, &Minute)> {
        self.minutes
            .iter()
            .map(|(k, m)| (*k, m))
            .chain(self.cur.as_ref().map(|(k, m)| (*k, m)))
    }

    /// Moves the current minute into the map.
    pub fn flush(&mut self) {
        if let Some((k, m)) = self.cur.take() {
            self.minutes.entry(k).or_default().add(&m);
        }
    }

    pub fn merge(&mut self, mut o: Timeline) {
        self.flush();
        o.flush();
        super::merge_map(&mut self.minutes, o.minutes, |a, b| a.add(&b));
        super::merge_map(&mut self.drivers, o.drivers, |a, b| *a += b);
        self.drivers_dropped += o.drivers_dropped;
    }
}

/// (minute, class, client) tallies kept by one run of lines, at most (about
/// 100 MB): a log where millions of clients show classes over many minutes
/// would otherwise grow them with its classified lines. Past it a new one is
/// not kept, and the lines are counted in `drivers_dropped`.
pub const MAX_DRIVERS: usize = 2 << 20;

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
/// `None`). `None` when there is no timestamped line.
pub fn series(t: &Timeline, width: Option<i64>) -> Option<Series> {
    let minutes: Vec<(i64, Minute)> = t
        .minutes
        .iter()
        .map(|(k, m)| (*k, *m))
        .chain(t.cur)
        .collect();
    let first = minutes.iter().map(|m| m.0).min()? * 60;
    let last = minutes.iter().map(|m| m.0).max()? * 60;
    let width = width.filter(|w| *w >= 60).unwrap_or_else(|| {
        WIDTHS
            .into_iter()
            .find(|w| (last - first) / w < MAX_BUCKETS)
            .unwrap_or(86400)
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

pub(crate) fn median(v: &[u64]) -> f64 {
    select_median(&mut v.to_vec())
}

/// Median and the MAD-based spread of a series.
pub(crate) fn baseline(v: &[u64]) -> (f64, f64) {
    // One buffer, reused for the deviations: a series can hold a hundred
    // thousand clients' rates, and fresh memory is not free.
    let mut w = v.to_vec();
    let m = select_median(&mut w);
    for x in &mut w {
        *x = (*x as f64 - m).abs().round() as u64;
    }
    (m, 1.4826 * select_median(&mut w))
}

/// [`baseline`] of a multiset given as (value, times) pairs: a long run of
/// equal values (empty minutes) costs one pair.
pub(crate) fn weighted_baseline(mut v: Vec<(u64, u64)>) -> (f64, f64) {
    let m = weighted_median(&mut v);
    let mut dev: Vec<(u64, u64)> = v
        .iter()
        .map(|&(x, w)| ((x as f64 - m).abs().round() as u64, w))
        .collect();
    (m, 1.4826 * weighted_median(&mut dev))
}

/// The median of `v` (reordered), found by selection: a hundred thousand
/// values cost a millisecond, where sorting them cost ten.
fn select_median(v: &mut [u64]) -> f64 {
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    let (below, &mut hi, _) = v.select_nth_unstable(n / 2);
    if n % 2 == 1 {
        hi as f64
    } else {
        let lo = below.iter().copied().max().unwrap_or(hi);
        (lo + hi) as f64 / 2.0
    }
}

/// The median of a multiset given as (value, times) pairs.
fn weighted_median(v: &mut [(u64, u64)]) -> f64 {
    let n: u64 = v.iter().map(|p| p.1).sum();
    v.sort_unstable();
    // The value at 0-based rank `r`.
    let at = |r: u64| {
        let mut seen = 0;
        for &(x, w) in v.iter() {
            seen += w;
            if r < seen {
                return x;
            }
        }
        0
    };
    match n {
        0 => 0.0,
        n if n % 2 == 1 => at(n / 2) as f64,
        n => (at(n / 2 - 1) + at(n / 2)) as f64 / 2.0,
    }
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
    /// Networks (/24, /64) of that class's clients in that bucket, most lines first.
    pub networks: Vec<(u128, u8, u64)>,
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
    fn past_the_bound_a_new_driver_is_counted_not_kept() {
        let mut t = Timeline::default();
        let e = ClassId::Exploit;
        for k in 0..5u128 {
            t.class_within(600, e, Some(k), 3);
        }
        // Held ones still count; the minute counts every line.
        t.class_within(610, e, Some(1), 3);
        t.class_within(610, e, None, 3);
        assert_eq!(t.drivers.len(), 3);
        assert_eq!(t.drivers[&(10, e as u8, 1)], 2);
        assert_eq!(t.drivers_dropped, 2);
        assert_eq!(
            t.all_minutes()
                .map(|(_, m)| m.classes[e as usize])
                .sum::<u64>(),
            7
        );
        let mut u = Timeline::default();
        u.class_within(600, e, Some(9), 3);
        u.class_within(600, e, Some(8), 0);
        t.merge(u);
        assert_eq!((t.drivers.len(), t.drivers_dropped), (4, 3));
    }

    #[test]
    fn selected_median_equals_the_sorted_one() {
        let sorted = |v: &[u64]| {
            let mut s = v.to_vec();
            s.sort_unstable();
            let n = s.len();
            match n {
                0 => 0.0,
                n if n % 2 == 1 => s[n / 2] as f64,
                n => (s[n / 2 - 1] + s[n / 2]) as f64 / 2.0,
            }
        };
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for n in 0..200 {
            let v: Vec<u64> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x % 17
                })
                .collect();
            assert_eq!(median(&v), sorted(&v), "{v:?}");
            let unit: Vec<(u64, u64)> = v.iter().map(|&x| (x, 1)).collect();
            assert_eq!(baseline(&v), weighted_baseline(unit), "{v:?}");
            // Weights: the same answer as the values written out.
            let mut w: Vec<(u64, u64)> = v.iter().map(|&x| (x, 1)).collect();
            w.push((0, 2));
            w.push((u64::from(n as u8 % 17), 2));
            let mut flat = v.clone();
            flat.extend([0, 0, w[w.len() - 1].0, w[w.len() - 1].0]);
            assert_eq!(weighted_median(&mut w), sorted(&flat));
        }
    }

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
        let s = series(&t, None).unwrap();
        assert_eq!(s.width, 60);
        assert_eq!(s.all.len(), 120);
        let o = onset(&t, &s).unwrap();
        assert_eq!(o.at, base + 90 * 60);
        assert_eq!(o.class, Some(ClassId::Proxy));
        assert_eq!(
            o.networks,
            vec![(0xffff_0000_0000u128 | 0x88af_0900, 24, 200)]
        );
        // A flat series has no onset.
        let mut flat = Timeline::default();
        for minute in 0..60 {
            flat.line(base + minute * 60, Some(200));
        }
        flat.flush();
        assert!(onset(&flat, &series(&flat, None).unwrap()).is_none());
    }

    #[test]
    fn width_follows_the_span() {
        let mut t = Timeline::default();
        t.line(0, None);
        t.line(86_399, None);
        t.flush();
        let s = series(&t, None).unwrap();
        assert_eq!(s.width, 900);
        assert_eq!(s.all.iter().sum::<u64>(), 2);
        assert_eq!(series(&t, Some(3600)).unwrap().all.len(), 24);
        // Years 1 and 9999 in one log: the buckets stay few.
        let mut wide = Timeline::default();
        wide.line(-62_135_596_800, None);
        wide.line(253_402_300_799, None);
        wide.flush();
        let s = series(&wide, Some(60)).unwrap();
        assert!(s.all.len() as i64 <= MAX_SERIES + 1, "{}", s.all.len());
        assert_eq!(s.all.iter().sum::<u64>(), 2);
    }
}

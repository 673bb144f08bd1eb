//! Requests over time: per minute (all, 5xx, each class), and for classified
//! lines per minute, class and client, so that a rise can be traced to who
//! drove it. The findings regroup the minutes into buckets and find the onset.

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
    /// most [`MAX_DRIVERS`]. A line of several classes is in each; the
    /// entries of class [`EXTRA`] say by how much, so that the client's
    /// lines in a minute are the sum over classes less that.
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

    /// Notes that a line from `client` at `ts` was counted under `n` more
    /// classes than one (see [`EXTRA`]). Not a line: past the bound it is
    /// only left out.
    pub fn extra(&mut self, ts: i64, n: u64, client: Option<u128>) {
        if let (Some(k), true) = (client, n > 0) {
            let key = (ts.div_euclid(60), EXTRA, k);
            if self.drivers.len() < MAX_DRIVERS || self.drivers.contains_key(&key) {
                *self.drivers.entry(key).or_default() += n;
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
        super::merge::merge_map(&mut self.minutes, o.minutes, |a, b| a.add(&b));
        super::merge::merge_map(&mut self.drivers, o.drivers, |a, b| *a += b);
        self.drivers_dropped += o.drivers_dropped;
    }
}

/// (minute, class, client) tallies kept by one run of lines, at most (about
/// 100 MB): a log where millions of clients show classes over many minutes
/// would otherwise grow them with its classified lines. Past it a new one is
/// not kept, and the lines are counted in `drivers_dropped`.
pub const MAX_DRIVERS: usize = 2 << 20;

/// The class byte of a [`Timeline::drivers`] entry that counts, for a minute
/// and client, the classes its lines showed beyond their first: no class's.
pub const EXTRA: u8 = u8::MAX;

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
}

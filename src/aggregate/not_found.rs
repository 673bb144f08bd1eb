//! The 404 answers of each client, for the scanner sweep the findings test.
//!
//! A line answered 404 costs one append to a list of 32-byte entries, as the
//! scan must stay fast. Memory must not grow with the lines, though: when the
//! list reaches [`BATCH`], and once the scan is done, it is sorted by client
//! and target and folded into a table that holds, for each client, its 404
//! lines, the lines no scanner signature marked, and its distinct targets
//! (keyed digests). Sorting first lets each client's entry be reached once a
//! batch, not once a line.
//!
//! The table is bounded two ways: at most `cap` clients (`--max-clients`): a
//! later client's lines are counted as untested; and at most [`MAX_PATHS`]
//! distinct targets: past it, a client that has reached [`SWEEP_PATHS`]
//! holds no more, and its distinct count becomes a floor. Under both bounds,
//! which is every log but a hostile or enormous one, the counts are exact.

use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, RandomState};
use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};

use super::seen::Seen;
use crate::record::{ip_key, Client, Record};

/// Distinct 404 targets that make a sweep (with most of the client's
/// requests answered 404): the findings stage's test, needed here to know
/// how many targets a client must hold once the table is full.
pub const SWEEP_PATHS: usize = 20;
/// Entries listed before they are folded into the table (32 MB).
pub const BATCH: usize = 1 << 20;
/// Distinct targets held in one table, at most: past it, memory is bounded
/// by this many digests plus [`SWEEP_PATHS`] for each client held.
pub const MAX_PATHS: usize = 4 << 20;

/// The 404s of one run of lines; merges like [`super::Agg`].
#[derive(Clone, Debug, Default)]
pub struct NotFoundTable {
    /// Not yet folded into `clients`.
    list: Vec<Listed>,
    pub clients: FxHashMap<u128, NotFound>,
    /// 404 lines of clients past the cap: counted, not tested.
    pub untested: u64,
    /// Digests held in `clients`.
    paths: usize,
}

/// One client's 404 answers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NotFound {
    pub lines: u64,
    /// The lines no scanner signature marked.
    pub unmarked: Seen,
    /// Keyed digests of the distinct targets.
    pub paths: Digests,
    /// More distinct targets were answered 404 than `paths` holds.
    pub floor: bool,
}

/// A set of target digests. Most clients answered 404 ask for one or two
/// targets, and a scattered scan brings millions of such clients: up to
/// two digests are held in place, and only a longer set is allocated.
#[derive(Clone, Debug)]
pub enum Digests {
    Few(u8, [u64; 2]),
    Many(Box<FxHashSet<u64>>),
}

impl Default for Digests {
    fn default() -> Self {
        Digests::Few(0, [0; 2])
    }
}

impl PartialEq for Digests {
    fn eq(&self, o: &Digests) -> bool {
        self.len() == o.len() && self.iter().all(|d| o.contains(&d))
    }
}

impl Eq for Digests {}

impl Digests {
    pub fn len(&self) -> usize {
        match self {
            Digests::Few(n, _) => *n as usize,
            Digests::Many(set) => set.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, d: &u64) -> bool {
        match self {
            Digests::Few(n, few) => few[..*n as usize].contains(d),
            Digests::Many(set) => set.contains(d),
        }
    }

    /// Adds `d`; true when it was not held.
    pub fn insert(&mut self, d: u64) -> bool {
        match self {
            Digests::Many(set) => set.insert(d),
            _ if self.contains(&d) => false,
            Digests::Few(n, few) if (*n as usize) < few.len() => {
                few[*n as usize] = d;
                *n += 1;
                true
            }
            Digests::Few(_, few) => {
                let mut set: FxHashSet<u64> = few.iter().copied().collect();
                set.insert(d);
                *self = Digests::Many(Box::new(set));
                true
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        let (few, many) = match self {
            Digests::Few(n, few) => (&few[..*n as usize], None),
            Digests::Many(set) => (&[][..], Some(set.iter())),
        };
        few.iter().chain(many.into_iter().flatten()).copied()
    }
}

/// One 404 line waiting to be folded, in 32 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Listed {
    client: u128,
    /// A keyed digest of the target in the high 63 bits; the low bit set
    /// when no scanner signature marked the line.
    tagged: u64,
    /// Epoch seconds, or [`NO_TIME`].
    ts: i64,
}

/// Marks a 404 line without a time.
const NO_TIME: i64 = i64::MIN;

impl Listed {
    fn path(&self) -> u64 {
        self.tagged & !1
    }

    fn key(&self) -> (u128, u64) {
        (self.client, self.path())
    }
}

/// A keyed digest of a target: chosen per process, so nobody can write two
/// paths that collide on purpose to hide a sweep.
fn path_digest(t: &[u8]) -> u64 {
    static KEYS: OnceLock<RandomState> = OnceLock::new();
    KEYS.get_or_init(RandomState::new).hash_one(t)
}

impl NotFoundTable {
    /// Adds an access-log line answered 404; `scanner` says whether a
    /// scanner signature marked it.
    pub fn add(&mut self, rec: &Record, scanner: bool, cap: usize) {
        if let Client::Ip(ip) = rec.client {
            self.list.push(Listed {
                client: ip_key(ip),
                tagged: path_digest(rec.target) & !1 | u64::from(!scanner),
                ts: rec.ts.unwrap_or(NO_TIME),
            });
            if self.list.len() >= BATCH {
                self.fold(cap, MAX_PATHS);
            }
        }
    }

    /// Folds the list into the table (on every core when called from the
    /// thread pool): what the scan does when it ends.
    pub fn fold_all(&mut self, cap: usize) {
        use rayon::slice::ParallelSliceMut;
        self.list.par_sort_unstable_by_key(Listed::key);
        self.fold_sorted(cap, MAX_PATHS);
    }

    /// Whether every line is in the table.
    pub fn is_folded(&self) -> bool {
        self.list.is_empty()
    }

    fn fold(&mut self, cap: usize, budget: usize) {
        self.list.sort_unstable_by_key(Listed::key);
        self.fold_sorted(cap, budget);
    }

    fn fold_sorted(&mut self, cap: usize, budget: usize) {
        let mut list = std::mem::take(&mut self.list);
        for group in list.chunk_by(|x, y| x.client == y.client) {
            let held = self.clients.len();
            let nf = match self.clients.entry(group[0].client) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) if held < cap => e.insert(NotFound::default()),
                Entry::Vacant(_) => {
                    self.untested += group.len() as u64;
                    continue;
                }
            };
            nf.lines += group.len() as u64;
            for l in group.iter().filter(|l| l.tagged & 1 == 1) {
                nf.unmarked.hit((l.ts != NO_TIME).then_some(l.ts), false);
            }
            for l in group.chunk_by(|x, y| x.path() == y.path()) {
                let p = l[0].path();
                if self.paths >= budget && nf.paths.len() >= SWEEP_PATHS {
                    nf.floor |= !nf.paths.contains(&p);
                } else if nf.paths.insert(p) {
                    self.paths += 1;
                }
            }
        }
        // The list's memory is kept for the next batch.
        list.clear();
        self.list = list;
    }

    /// Adds `o`: its list joins this one, and a client in both tables holds
    /// the union of their targets; past the cap, a new client goes untested.
    pub fn merge(&mut self, mut o: NotFoundTable, cap: usize) {
        if self.list.len() < o.list.len() {
            std::mem::swap(&mut self.list, &mut o.list);
        }
        self.list.extend(o.list);
        if self.list.len() >= BATCH {
            self.fold(cap, MAX_PATHS);
        }
        if self.clients.len() < o.clients.len() {
            std::mem::swap(&mut self.clients, &mut o.clients);
            std::mem::swap(&mut self.paths, &mut o.paths);
        }
        self.untested += o.untested;
        for (key, b) in o.clients {
            let held = self.clients.len();
            match self.clients.entry(key) {
                Entry::Occupied(mut e) => {
                    let a = e.get_mut();
                    a.lines += b.lines;
                    a.unmarked.merge(&b.unmarked);
                    a.floor |= b.floor;
                    for d in b.paths.iter() {
                        self.paths += usize::from(a.paths.insert(d));
                    }
                }
                Entry::Vacant(e) if held < cap => {
                    self.paths += b.paths.len();
                    e.insert(b);
                }
                Entry::Vacant(_) => self.untested += b.lines,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r404(ip: [u8; 4], target: &str, ts: i64) -> Record<'_> {
        Record {
            client: Client::Ip(std::net::IpAddr::from(ip)),
            ts: Some(ts),
            target: target.as_bytes(),
            status: Some(404),
            ..Record::default()
        }
    }

    fn key(ip: [u8; 4]) -> u128 {
        ip_key(ip.into())
    }

    #[test]
    fn a_listed_404_takes_32_bytes() {
        assert_eq!(std::mem::size_of::<Listed>(), 32);
        assert_eq!(std::mem::size_of::<Digests>(), 24);
    }

    #[test]
    fn digests_hold_a_set_in_place_then_aside() {
        let mut d = Digests::default();
        let mut e = Digests::default();
        for (i, x) in [7, 3, 7, 9, 3, 11].into_iter().enumerate() {
            let fresh = !d.contains(&x);
            assert_eq!(d.insert(x), fresh, "{i}");
        }
        assert_eq!(d.len(), 4);
        assert!(matches!(d, Digests::Many(_)));
        for x in [11, 9, 3] {
            e.insert(x);
        }
        assert_ne!(d, e);
        e.insert(7);
        assert_eq!(d, e, "equal as sets, whatever the order");
        let mut two = Digests::default();
        two.insert(5);
        two.insert(1);
        assert!(matches!(two, Digests::Few(2, _)));
        assert_eq!(two.iter().collect::<Vec<_>>(), [5, 1]);
    }

    #[test]
    fn a_client_holds_its_lines_and_distinct_targets() {
        let mut t = NotFoundTable::default();
        for i in 0..30 {
            let p = format!("/p{}", i % 25);
            t.add(&r404([198, 18, 0, 1], &p, 100 + i), i % 2 == 0, 10);
        }
        assert!(!t.is_folded());
        t.fold_all(10);
        assert!(t.is_folded());
        let nf = &t.clients[&key([198, 18, 0, 1])];
        assert_eq!((nf.lines, nf.paths.len(), nf.floor), (30, 25, false));
        // The odd lines: no scanner signature marked them.
        let u = nf.unmarked;
        assert_eq!((u.count, u.first, u.last), (15, 101, 129));
    }

    #[test]
    fn batches_fold_to_what_one_fold_gives() {
        let (mut one, mut many) = (NotFoundTable::default(), NotFoundTable::default());
        for i in 0..500u32 {
            let ip = [198, 18, (i % 7) as u8, (i % 3) as u8];
            let rec = r404(
                ip,
                ["/a", "/b", "/c", "/d", "/e"][(i % 5) as usize],
                i as i64,
            );
            one.add(&rec, i % 4 == 0, 100);
            many.add(&rec, i % 4 == 0, 100);
            if i % 37 == 0 {
                many.fold(100, MAX_PATHS);
            }
        }
        one.fold_all(100);
        many.fold_all(100);
        assert_eq!(one.clients, many.clients);
        assert_eq!((one.paths, one.untested), (many.paths, many.untested));
    }

    #[test]
    fn past_the_budget_a_sweeping_client_holds_no_more_targets() {
        let budget = 50;
        let mut t = NotFoundTable::default();
        let sweeper = [198, 18, 0, 1];
        for i in 0..60 {
            t.add(&r404(sweeper, &format!("/s{i}"), i), false, 10);
            t.fold(10, budget);
        }
        // A target held already is no new one.
        t.add(&r404(sweeper, "/s3", 60), false, 10);
        t.fold(10, budget);
        let nf = &t.clients[&key(sweeper)];
        assert_eq!((nf.lines, nf.paths.len(), nf.floor), (61, 50, true));
        // Under the sweep threshold a client still holds every target.
        for i in 0..30 {
            t.add(&r404([198, 18, 0, 2], &format!("/q{i}"), i), false, 10);
        }
        t.fold(10, budget);
        let nf = &t.clients[&key([198, 18, 0, 2])];
        assert_eq!(
            (nf.lines, nf.paths.len(), nf.floor),
            (30, SWEEP_PATHS, true)
        );
    }

    #[test]
    fn past_the_cap_a_new_clients_404s_are_counted_not_tested() {
        let (mut a, mut b) = (NotFoundTable::default(), NotFoundTable::default());
        for last in [1u8, 2, 3] {
            a.add(&r404([198, 18, 0, last], "/a", 1), false, 2);
        }
        a.fold_all(2);
        assert_eq!((a.clients.len(), a.untested), (2, 1));
        for last in [2u8, 4, 4] {
            b.add(&r404([198, 18, 0, last], "/b", 9), false, 2);
        }
        b.fold_all(2);
        a.merge(b, 2);
        // 198.18.0.2 is in both: its targets join; 198.18.0.4 is new.
        let two = &a.clients[&key([198, 18, 0, 2])];
        assert_eq!((two.lines, two.paths.len()), (2, 2));
        assert_eq!((a.clients.len(), a.untested, a.paths), (2, 3, 3));
    }
}

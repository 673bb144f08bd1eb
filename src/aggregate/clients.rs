//! The per-client table: the one structure every line touches at a random
//! place, and so where a scan's time goes once parsing is cheap.
//!
//! An open-addressing table with linear probing whose slot is one 64-byte cache
//! line (address + counters): a lookup costs one memory access, and the scan
//! prefetches the slot for a line while it parses the next one (see
//! `Agg::line`). A general-purpose map needs two accesses (control bytes,
//! then the entry) and cannot be prefetched by key.

use crate::record::Record;

/// Counts for one client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientStats {
    pub requests: u64,
    pub s4xx: u64,
    pub s5xx: u64,
    pub bytes: u64,
    /// Epoch seconds; `i64::MAX` / `i64::MIN` until a timestamp is seen.
    pub first: i64,
    pub last: i64,
}

impl Default for ClientStats {
    fn default() -> Self {
        ClientStats {
            requests: 0,
            s4xx: 0,
            s5xx: 0,
            bytes: 0,
            first: i64::MAX,
            last: i64::MIN,
        }
    }
}

impl ClientStats {
    pub const ZERO: ClientStats = ClientStats {
        requests: 0,
        s4xx: 0,
        s5xx: 0,
        bytes: 0,
        first: 0,
        last: 0,
    };

    #[inline]
    pub(crate) fn add(&mut self, h: &Hit) {
        self.requests += 1;
        match h.status {
            400..=499 => self.s4xx += 1,
            500..=599 => self.s5xx += 1,
            _ => {}
        }
        self.bytes += h.bytes;
        if h.ts != NO_TS {
            self.first = self.first.min(h.ts);
            self.last = self.last.max(h.ts);
        }
    }

    pub fn merge(&mut self, o: &ClientStats) {
        self.requests += o.requests;
        self.s4xx += o.s4xx;
        self.s5xx += o.s5xx;
        self.bytes += o.bytes;
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
    }
}

/// Marks a record without a timestamp in a [`Hit`].
pub(crate) const NO_TS: i64 = i64::MIN;

/// What a client's counters take from one record, kept small so that the
/// update can wait one line while its table slot is prefetched.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hit {
    pub(crate) key: u128,
    pub(crate) status: u16,
    pub(crate) bytes: u64,
    pub(crate) ts: i64,
}

impl Hit {
    pub(crate) fn of(key: u128, r: &Record) -> Hit {
        Hit {
            key,
            status: r.status.unwrap_or(0),
            bytes: r.bytes.unwrap_or(0),
            ts: r.ts.unwrap_or(NO_TS),
        }
    }
}

#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Slot {
    key: u128,
    /// `requests == 0` marks an empty slot: every stored client has a request.
    stats: ClientStats,
}

const EMPTY: Slot = Slot {
    key: 0,
    stats: ClientStats::ZERO,
};

/// Address key (see `record::ip_key`) → counters.
#[derive(Clone, Default)]
pub struct ClientTable {
    slots: Vec<Slot>,
    /// log2 of the slot count.
    bits: u32,
    len: usize,
    /// Slots looked at by `entry`, for the test that merging stays linear.
    #[cfg(test)]
    probes: u64,
}

impl std::fmt::Debug for ClientTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientTable({} clients)", self.len)
    }
}

#[inline]
fn hash(key: u128, bits: u32) -> usize {
    let lo = key as u64;
    let hi = (key >> 64) as u64;
    let x = (lo ^ hi.wrapping_mul(0xff51_afd7_ed55_8ccd)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    // Fibonacci hashing: the top bits of the product are the well-mixed ones.
    (x >> (64 - bits)) as usize
}

/// A zeroed slot array. Large tables ask for transparent huge pages before
/// first touch: a random probe into a table of many megabytes otherwise
/// misses the TLB as well as the cache.
fn new_slots(n: usize) -> Vec<Slot> {
    let mut v: Vec<Slot> = Vec::with_capacity(n);
    #[cfg(target_os = "linux")]
    if n * std::mem::size_of::<Slot>() >= 4 << 20 {
        advise_huge(v.as_mut_ptr() as usize, n * std::mem::size_of::<Slot>());
    }
    v.resize(n, EMPTY);
    v
}

/// Asks for huge pages over the whole pages of `[start, start + len)`.
/// `madvise` refuses an address that does not start a page, and the
/// allocator's blocks start a few bytes past one: the range is rounded in.
#[cfg(target_os = "linux")]
fn advise_huge(start: usize, len: usize) {
    const PAGE: usize = 4096;
    let from = start.next_multiple_of(PAGE);
    let to = (start + len) / PAGE * PAGE;
    if to > from {
        // SAFETY: advice only, on whole pages of memory the caller owns; it
        // changes no contents, and a refusal is harmless.
        unsafe { libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_HUGEPAGE) };
    }
}

impl ClientTable {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Hints the CPU to fetch `key`'s slot; a no-op where unsupported.
    #[inline]
    pub fn prefetch(&self, key: u128) {
        #[cfg(target_arch = "x86_64")]
        if !self.slots.is_empty() {
            let p = &self.slots[hash(key, self.bits)] as *const Slot as *const i8;
            // SAFETY: prefetching is a hint; it never faults, and `p` is in bounds anyway.
            unsafe { std::arch::x86_64::_mm_prefetch(p, std::arch::x86_64::_MM_HINT_T0) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = key;
    }

    /// The counters for `key`, inserted empty if new.
    #[inline]
    pub fn entry(&mut self, key: u128) -> &mut ClientStats {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = hash(key, self.bits);
        loop {
            #[cfg(test)]
            {
                self.probes += 1;
            }
            let s = &self.slots[i];
            if s.stats.requests == 0 {
                self.len += 1;
                self.slots[i].key = key;
                self.slots[i].stats = ClientStats::default();
                return &mut self.slots[i].stats;
            }
            if s.key == key {
                return &mut self.slots[i].stats;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let bits = if self.slots.is_empty() {
            10
        } else {
            self.bits + 1
        };
        self.rehash(bits);
    }

    /// Moves every client into a table of `2^bits` slots.
    fn rehash(&mut self, bits: u32) {
        let old = std::mem::replace(&mut self.slots, new_slots(1 << bits));
        self.bits = bits;
        self.len = 0;
        for s in old.into_iter().filter(|s| s.stats.requests > 0) {
            *self.entry(s.key) = s.stats;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (u128, &ClientStats)> + '_ {
        self.slots
            .iter()
            .filter(|s| s.stats.requests > 0)
            .map(|s| (s.key, &s.stats))
    }

    pub fn get(&self, key: u128) -> Option<&ClientStats> {
        self.find(key).map(|i| &self.slots[i].stats)
    }

    /// The slot holding `key`, if any.
    fn find(&self, key: u128) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = hash(key, self.bits);
        loop {
            let s = &self.slots[i];
            if s.stats.requests == 0 {
                return None;
            }
            if s.key == key {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// As [`ClientTable::entry`] while the table holds fewer than `cap`
    /// clients; after that, only the clients it already holds.
    #[inline]
    pub fn entry_within(&mut self, key: u128, cap: usize) -> Option<&mut ClientStats> {
        if self.len < cap {
            return Some(self.entry(key));
        }
        let i = self.find(key)?;
        Some(&mut self.slots[i].stats)
    }

    /// Adds every client of `o` (the smaller table goes into the larger).
    pub fn merge(&mut self, o: ClientTable) {
        self.merge_within(o, usize::MAX, |_, _| {});
    }

    /// Adds the clients of `o` while this table holds fewer than `cap`;
    /// gives the others, and their counts, to `spill`.
    pub fn merge_within(
        &mut self,
        mut o: ClientTable,
        cap: usize,
        mut spill: impl FnMut(u128, &ClientStats),
    ) {
        if o.len > self.len {
            std::mem::swap(self, &mut o);
        }
        // `o`'s slots are in the order of this table's hash. Walked in that
        // order, the part of this table already passed would hold more
        // clients than it has slots, before the table as a whole is full
        // enough to grow, and each later insert would probe along one run
        // that grows with every insert (hours, for twenty million clients).
        // Walked in strides, the inserts spread over the whole table.
        const STRIDE: usize = 64;
        for start in 0..STRIDE {
            for s in o.slots.iter().skip(start).step_by(STRIDE) {
                if s.stats.requests == 0 {
                    continue;
                }
                match self.entry_within(s.key, cap) {
                    Some(t) => t.merge(&s.stats),
                    None => spill(s.key, &s.stats),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The advice reaches the kernel: `madvise` refused the allocator's
    /// unaligned block start, and a large table was left in small pages.
    #[test]
    #[cfg(target_os = "linux")]
    fn large_tables_are_marked_for_huge_pages() {
        let thp = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled");
        if thp.as_deref().map_or(true, |s| s.contains("[never]")) {
            let need = std::env::var("ALF_REQUIRE_ALL").is_ok_and(|v| v == "1");
            assert!(!need, "this kernel offers no transparent huge pages");
            eprintln!("skipped: this kernel offers no transparent huge pages");
            return;
        }
        let slots = new_slots(1 << 17);
        let at = slots.as_ptr() as usize;
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut inside = false;
        let mut flags = None;
        for line in smaps.lines() {
            let range = line.split(' ').next().and_then(|r| r.split_once('-'));
            if let Some((Ok(lo), Ok(hi))) =
                range.map(|(a, b)| (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16)))
            {
                inside = (lo..hi).contains(&(at + 4096));
            } else if let (true, Some(f)) = (inside, line.strip_prefix("VmFlags:")) {
                flags = Some(f.to_string());
            }
        }
        let flags = flags.expect("the table's mapping is listed");
        assert!(flags.split_whitespace().any(|f| f == "hg"), "{flags}");
    }

    #[test]
    fn counts_like_a_hashmap() {
        let mut t = ClientTable::default();
        let mut m = std::collections::HashMap::new();
        let mut x = 12345u64;
        for _ in 0..50_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let key = 0xffff_0000_0000u128 | ((x >> 40) % 3000) as u128;
            t.entry(key).requests += 1;
            *m.entry(key).or_insert(0u64) += 1;
        }
        assert_eq!(t.len(), m.len());
        for (k, v) in &m {
            assert_eq!(t.get(*k).map(|s| s.requests), Some(*v));
        }
        let mut u = ClientTable::default();
        u.entry(7).requests = 2;
        u.merge(t.clone());
        assert_eq!(u.len(), t.len() + 1);
        assert_eq!(u.iter().map(|(_, s)| s.requests).sum::<u64>(), 50_002);
    }

    #[test]
    fn a_capped_table_counts_only_whom_it_holds() {
        let mut t = ClientTable::default();
        for k in 1..=10u128 {
            if let Some(s) = t.entry_within(k, 4) {
                s.requests += 1;
            }
        }
        assert_eq!(t.len(), 4);
        assert_eq!(t.entry_within(2, 4).map(|s| s.requests), Some(1));
        assert!(t.entry_within(9, 4).is_none());
        let mut o = ClientTable::default();
        for k in 3..=7u128 {
            o.entry(k).requests = 10;
        }
        let mut spilled = Vec::new();
        t.merge_within(o, 6, |k, s| spilled.push((k, s.requests)));
        assert_eq!(t.len(), 6);
        let held: u64 = t.iter().map(|(_, s)| s.requests).sum();
        let lost: u64 = spilled.iter().map(|(_, n)| n).sum();
        assert_eq!(held + lost, 4 + 50, "nothing counted twice or dropped");
        assert_eq!(spilled.len(), 1);
    }

    #[test]
    fn merging_two_full_tables_stays_linear() {
        let mut x = 99u64;
        let mut table = || {
            let mut t = ClientTable::default();
            while t.len() < 45_000 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                t.entry(x as u128 | 1 << 100).requests = 1;
            }
            t
        };
        let (mut a, b) = (table(), table());
        assert_eq!(a.slots.len(), b.slots.len(), "the case that went wrong");
        a.probes = 0;
        a.merge(b);
        assert_eq!(a.len(), 90_000);
        // A few slots per client moved or added. Growing halfway through
        // the merge looked at millions.
        assert!(a.probes < 4 * 90_000, "{} probes", a.probes);
    }
}

//! A worker's memory of the field values it has classified.
//!
//! Most lines repeat a User-Agent, a path or a Referer seen a moment ago, and
//! searching a field costs several times more than recognising it. The cache
//! maps a field's bytes to what the search found, in one fixed table per
//! field ([`SLOTS`]) of two-slot sets: a value is hashed to a set, both slots
//! are compared byte for byte (so a collision, even one an attacker
//! contrived, can only cost a search, never give a wrong answer), and on a
//! miss the newer slot moves over the older and the value takes its place.
//! Two values that share a set and alternate (common with a few thousand
//! paths) then both stay; with one slot per set they evicted each other.
//!
//! What makes it cheap is memory, not arithmetic. A slot is one cache line
//! that holds the first [`INLINE`] bytes of its value, so a path or a Referer
//! is recognised with one memory access and a few word compares; only the
//! rest of a longer value (a User-Agent) is kept aside. The hash reads at
//! most 40 bytes of a value whatever its length. And [`FieldCache::probe`]
//! hashes a line's fields and asks the processor for their sets as soon as
//! the line is parsed, so the scan can do other work while they arrive (it
//! classifies each line while parsing the next one).
//!
//! A slot names its value's hits by an index into the worker's list of the
//! distinct hit sets it has seen: a set of signatures sized from the
//! catalogue would not leave a slot one cache line, and few distinct sets
//! occur (a value whose hits would be set number [`MAX_HIT_SETS`] + 1 is
//! not kept).
//!
//! Memory is bounded: values longer than [`MAX_KEY`] are not kept, so the
//! tables and their tails take at most `(8192 + 1024 + 4096) × (64 + 512)`
//! bytes, and the hit sets at most [`MAX_HIT_SETS`] of them; after warm-up
//! nothing is allocated. Results are identical with
//! and without the cache; a test checks it on every fixture line, on a first
//! sight and on a second.

use rustc_hash::FxHashMap;

use super::matcher::{FieldHits, Which};

/// Slots per field, target, User-Agent, Referer (powers of two, at most
/// 2^16, two to a set): paths are many, User-Agents few, and a small table
/// stays in the processor's cache.
pub const SLOTS: [usize; 3] = [8192, 1024, 4096];
/// Longest value kept.
pub const MAX_KEY: usize = 512;
/// Bytes of a value kept in its slot; the rest, if any, aside.
const INLINE: usize = 38;

/// Distinct hit sets a worker keeps (see [`FieldCache`]); a value whose
/// hits would be a new one past that is searched every time.
pub const MAX_HIT_SETS: usize = 1 << 16;

/// One per worker thread, passed to `Classifier::classify_cached`.
pub struct FieldCache {
    scratch: Vec<u8>,
    /// One table per field, indexed by `Which`.
    tables: [Table; 3],
    /// The distinct hit sets seen, which slots name by index (a set of
    /// signatures sized from the catalogue does not fit a slot's line;
    /// the sets that occur are few). Index 0 is no hit.
    sets: Vec<FieldHits>,
    set_index: FxHashMap<FieldHits, u32>,
}

struct Table {
    /// Sets of two: slots `2i` (the newer) and `2i + 1`.
    slots: Vec<Slot>,
    /// The bytes past [`INLINE`] of the value in the slot of the same index.
    tails: Vec<Vec<u8>>,
}

/// One cache line.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Slot {
    /// 0 while empty; a stored hash has its low bit set.
    hash: u64,
    /// The index of the value's hits in `FieldCache::sets`.
    hits: u32,
    len: u16,
    head: [u8; INLINE],
}

const EMPTY: Slot = Slot {
    hash: 0,
    hits: 0,
    len: 0,
    head: [0; INLINE],
};

/// Where a value's set is: what [`FieldCache::probe`] found.
#[derive(Clone, Copy, Debug, Default)]
pub struct Probe {
    hash: u64,
    /// The set's first slot.
    index: usize,
}

/// The probes of a line's three searched fields, in `Which` order.
pub type Probes = [Probe; 3];

impl Default for FieldCache {
    fn default() -> Self {
        FieldCache::new()
    }
}

impl FieldCache {
    /// A reusable buffer for searches made outside the cache.
    pub fn scratch(&mut self) -> &mut Vec<u8> {
        &mut self.scratch
    }

    pub fn new() -> FieldCache {
        FieldCache {
            scratch: Vec::new(),
            tables: SLOTS.map(|n| Table {
                slots: vec![EMPTY; n],
                tails: vec![Vec::new(); n],
            }),
            sets: vec![FieldHits::default()],
            set_index: FxHashMap::from_iter([(FieldHits::default(), 0)]),
        }
    }

    /// Hashes `field` and asks the processor to fetch its set.
    #[inline(always)]
    pub(super) fn probe(&self, which: Which, field: &[u8]) -> Probe {
        let raw = sample_hash(field);
        let table = &self.tables[which as usize];
        let index = (raw >> 40) as usize & (table.slots.len() - 2);
        prefetch(&table.slots[index]);
        prefetch(&table.slots[index + 1]);
        if field.len() > INLINE {
            prefetch(&table.tails[index]);
        }
        Probe {
            hash: raw | 1,
            index,
        }
    }

    /// What `field` gave last time, or what `search` gives now (remembered).
    /// `probe` must be `field`'s, from [`FieldCache::probe`].
    #[cfg(test)]
    fn get_or_insert(
        &mut self,
        which: Which,
        field: &[u8],
        probe: Probe,
        search: impl FnOnce(&[u8], &mut Vec<u8>) -> FieldHits,
    ) -> FieldHits {
        match self.get(which, field, probe) {
            Some(hits) => hits,
            None => self.fill(which, field, probe, search),
        }
    }

    /// What `search` gives for `field`, remembered (after a miss).
    pub(super) fn fill(
        &mut self,
        which: Which,
        field: &[u8],
        probe: Probe,
        search: impl FnOnce(&[u8], &mut Vec<u8>) -> FieldHits,
    ) -> FieldHits {
        let hits = search(field, &mut self.scratch);
        self.insert(which, field, probe, hits);
        hits
    }

    /// What `field` gave last time, if its set still holds it. Small, so
    /// that it is inlined into the classifier; the miss path is not.
    #[inline(always)]
    pub(super) fn get(&self, which: Which, field: &[u8], probe: Probe) -> Option<FieldHits> {
        if field.len() > MAX_KEY {
            return None;
        }
        let table = &self.tables[which as usize];
        let i = probe.index;
        // The hashes pick the one slot worth comparing (the newer, if both
        // match: a value is never in both).
        let w = i + (table.slots[i].hash != probe.hash) as usize;
        let slot = &table.slots[w];
        if slot.hash != probe.hash {
            return None;
        }
        let n = field.len().min(INLINE);
        (slot.len as usize == field.len()
            && same_head(&slot.head, &field[..n])
            && (field.len() <= INLINE || table.tails[w] == field[n..]))
            .then(|| self.sets[slot.hits as usize])
    }

    /// Remembers what `field` gave, in the newer slot of its set; the newer
    /// becomes the older.
    fn insert(&mut self, which: Which, field: &[u8], probe: Probe, hits: FieldHits) {
        if field.len() > MAX_KEY {
            return;
        }
        let hits = match self.set_index.get(&hits) {
            Some(&i) => i,
            None if self.sets.len() < MAX_HIT_SETS => {
                let i = self.sets.len() as u32;
                self.sets.push(hits);
                self.set_index.insert(hits, i);
                i
            }
            None => return,
        };
        let table = &mut self.tables[which as usize];
        let i = probe.index;
        table.slots[i + 1] = table.slots[i];
        table.tails.swap(i, i + 1);
        let n = field.len().min(INLINE);
        let slot = &mut table.slots[i];
        *slot = Slot {
            hash: probe.hash,
            hits,
            len: field.len() as u16,
            head: [0; INLINE],
        };
        slot.head[..n].copy_from_slice(&field[..n]);
        if field.len() > INLINE {
            let tail = &mut table.tails[i];
            tail.clear();
            tail.extend_from_slice(&field[n..]);
        }
    }
}

/// Whether `head` starts with `v` (at most [`INLINE`] bytes), compared a
/// word at a time and without a branch that depends on the length: a call to
/// `memcmp` for a few dozen bytes costs more than the comparison, and so does
/// a loop that exits at a different count for each length.
#[inline(always)]
fn same_head(head: &[u8; INLINE], v: &[u8]) -> bool {
    let n = v.len();
    if n < 8 {
        return head[..n] == *v;
    }
    // Five words at 0, 8, 16, 24 and 32, each moved back to end by `n`: they
    // overlap on a short value and cover all of it.
    let mut diff = 0;
    for k in 0..5 {
        let o = (k * 8).min(n - 8);
        diff |= word(&head[o..o + 8]) ^ word(&v[o..o + 8]);
    }
    diff == 0
}

/// Hints the processor to fetch `x`'s cache line; a no-op where unsupported.
#[inline(always)]
fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint; it never faults, and `x` is a valid reference anyway.
    unsafe {
        std::arch::x86_64::_mm_prefetch(x as *const T as *const i8, std::arch::x86_64::_MM_HINT_T0)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// A hash of the length and at most 40 bytes of `s` (its first and last 16,
/// and 8 from the middle): enough to spread distinct values over the slots,
/// at a cost that does not grow with the value. Values alike in those bytes
/// share a slot and evict each other, which costs a search, never a wrong
/// answer (keys are compared whole).
#[inline(always)]
fn sample_hash(s: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let n = s.len();
    let (a, b, c, d, e) = if n >= 8 {
        // First 16, last 16 and middle 8 bytes; on a value shorter than
        // 16 the words overlap (offsets clamped, not branched on: lengths
        // vary from line to line).
        let (o1, o2, m) = (8.min(n - 8), n.saturating_sub(16), n / 2 - 4);
        (
            word(&s[..8]),
            word(&s[o1..o1 + 8]),
            word(&s[o2..o2 + 8]),
            word(&s[n - 8..]),
            word(&s[m..m + 8]),
        )
    } else if n >= 4 {
        let w4 = |i: usize| u32::from_le_bytes(s[i..i + 4].try_into().unwrap_or([0; 4])) as u64;
        (w4(0) << 32 | w4(n - 4), 0, 0, 0, 0)
    } else if n > 0 {
        // First, middle and last byte: all of a value this short.
        let b = |i: usize| s[i] as u64;
        (b(0) << 16 | b(n / 2) << 8 | b(n - 1), 0, 0, 0, 0)
    } else {
        (0, 0, 0, 0, 0)
    };
    let fold = |x: u64, y: u64| {
        let p = (x as u128).wrapping_mul(y as u128);
        (p as u64) ^ (p >> 64) as u64
    };
    let h1 = fold(
        a ^ K,
        b ^ (n as u64).rotate_left(32) ^ 0x243f_6a88_85a3_08d3,
    );
    let h2 = fold(c ^ 0x1319_8a2e_0370_7344, d ^ e.rotate_left(17) ^ K);
    // Two independent, well-mixed halves: their sum is as well mixed.
    h1.wrapping_add(h2.rotate_left(29))
}

#[inline(always)]
fn word(s: &[u8]) -> u64 {
    u64::from_le_bytes(s[..8].try_into().unwrap_or([0; 8]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_powers_of_two_within_the_index() {
        for n in SLOTS {
            assert!(n.is_power_of_two() && n <= 1 << 16);
        }
        assert_eq!(std::mem::size_of::<Slot>(), 64);
    }

    #[test]
    fn heads_compare_whole() {
        let mut head = [0u8; INLINE];
        for n in 0..=INLINE {
            let v: Vec<u8> = (0..n as u8).map(|b| b.wrapping_mul(37)).collect();
            head[..n].copy_from_slice(&v);
            assert!(same_head(&head, &v));
            for i in 0..n {
                let mut w = v.clone();
                w[i] ^= 0x20;
                assert!(!same_head(&head, &w), "length {n}, byte {i}");
            }
        }
    }

    #[test]
    fn a_set_keeps_two_values_that_alternate() {
        let mut c = FieldCache::new();
        let searches = std::cell::Cell::new(0);
        let mut get = |f: &[u8], p: Probe| {
            c.get_or_insert(Which::Target, f, p, |_, _| {
                searches.set(searches.get() + 1);
                FieldHits::default()
            })
        };
        // Two values forced into one set, then a third.
        let p = |h| Probe { hash: h, index: 6 };
        for _ in 0..3 {
            get(b"/first", p(3));
            get(b"/second", p(5));
        }
        assert_eq!(searches.get(), 2);
        get(b"/third", p(7));
        get(b"/second", p(5));
        get(b"/first", p(3));
        assert_eq!(searches.get(), 4, "the oldest went, and came back");
    }

    #[test]
    fn remembers_and_recomputes() {
        let mut c = FieldCache::new();
        let searches = std::cell::Cell::new(0);
        let mut get = |w, f: &[u8]| {
            let p = c.probe(w, f);
            c.get_or_insert(w, f, p, |f, _| {
                searches.set(searches.get() + 1);
                FieldHits {
                    endpoints: f.len() as u8,
                    ..FieldHits::default()
                }
            })
        };
        let a = get(Which::UserAgent, b"curl/8.5.0");
        assert_eq!(get(Which::UserAgent, b"curl/8.5.0"), a);
        // Longer than a slot holds: the tail is compared too.
        let long = [b'x'; INLINE + 9];
        let mut other = long;
        other[INLINE + 4] = b'y';
        let b = get(Which::UserAgent, &long);
        assert_eq!(get(Which::UserAgent, &long), b);
        get(Which::Target, b"curl/8.5.0");
        get(Which::Target, &[b'a'; MAX_KEY + 1]);
        get(Which::Target, &[b'a'; MAX_KEY + 1]);
        assert_eq!(
            searches.get(),
            5,
            "two hits, a different field, and two values too long to keep"
        );
        // Same head, same sampled bytes, different tail: a miss, never a hit.
        get(Which::UserAgent, &other);
        assert_eq!(searches.get(), 6);
    }
}

//! A worker's memory of the field values it has classified.
//!
//! Most lines repeat a User-Agent, a path or a Referer seen a moment ago, and
//! searching a field costs several times more than recognising it. The cache
//! maps a field's bytes to what the search found, in one fixed table of
//! direct-mapped slots per field ([`SLOTS`]): a value is hashed, its slot
//! compared byte for byte (so a collision, even one an attacker contrived,
//! can only cost a search, never give a wrong answer), and on a miss the slot
//! is overwritten.
//!
//! What makes it cheap is memory, not arithmetic. A slot is one cache line
//! that holds the first [`INLINE`] bytes of its value, so a path or a Referer
//! is recognised with one memory access; only the rest of a longer value (a
//! User-Agent) is kept aside. The hash reads at most 40 bytes of a value
//! whatever its length. And [`FieldCache::probe`] hashes a line's fields and
//! asks the processor for their slots as soon as the line is parsed, so the
//! scan can do other work while they arrive (it classifies each line while
//! parsing the next one).
//!
//! Memory is bounded: values longer than [`MAX_KEY`] are not kept, so the
//! tables and their tails take at most `(8192 + 1024 + 2048) × (64 + 512)`
//! bytes, and after warm-up nothing is allocated. Results are identical with
//! and without the cache; a test checks it on every fixture line, on a first
//! sight and on a second.

use super::line::{FieldHits, Which};

/// Slots per field, target, User-Agent, Referer (powers of two, at most
/// 2^16): paths are many, User-Agents and Referers few, and a small table
/// stays in the processor's cache.
pub const SLOTS: [usize; 3] = [8192, 1024, 2048];
/// Longest value kept.
pub const MAX_KEY: usize = 512;
/// Bytes of a value kept in its slot; the rest, if any, aside.
const INLINE: usize = 38;

/// One per worker thread, passed to [`super::Classifier::classify_cached`].
pub struct FieldCache {
    scratch: Vec<u8>,
    /// One table per field, indexed by `Which`.
    tables: [Table; 3],
}

struct Table {
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
    hits: FieldHits,
    len: u16,
    head: [u8; INLINE],
}

const EMPTY: Slot = Slot {
    hash: 0,
    hits: FieldHits {
        exploits: 0,
        scanners: 0,
        endpoints: 0,
    },
    len: 0,
    head: [0; INLINE],
};

/// Where a value's slot is: what [`FieldCache::probe`] found.
#[derive(Clone, Copy, Debug, Default)]
pub struct Probe {
    hash: u64,
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
    pub fn new() -> FieldCache {
        FieldCache {
            scratch: Vec::new(),
            tables: SLOTS.map(|n| Table {
                slots: vec![EMPTY; n],
                tails: vec![Vec::new(); n],
            }),
        }
    }

    /// Hashes `field` and asks the processor to fetch its slot.
    #[inline]
    pub(super) fn probe(&self, which: Which, field: &[u8]) -> Probe {
        let raw = sample_hash(field);
        let table = &self.tables[which as usize];
        let index = (raw >> 40) as usize & (table.slots.len() - 1);
        prefetch(&table.slots[index]);
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
    #[inline]
    pub(super) fn get_or_insert(
        &mut self,
        which: Which,
        field: &[u8],
        probe: Probe,
        search: impl FnOnce(&[u8], &mut Vec<u8>) -> FieldHits,
    ) -> FieldHits {
        if field.len() > MAX_KEY {
            return search(field, &mut self.scratch);
        }
        let table = &mut self.tables[which as usize];
        let slot = &mut table.slots[probe.index];
        let n = field.len().min(INLINE);
        if slot.hash == probe.hash
            && slot.len as usize == field.len()
            && slot.head[..n] == field[..n]
            && (field.len() <= INLINE || table.tails[probe.index] == field[n..])
        {
            return slot.hits;
        }
        let hits = search(field, &mut self.scratch);
        *slot = Slot {
            hash: probe.hash,
            hits,
            len: field.len() as u16,
            head: [0; INLINE],
        };
        slot.head[..n].copy_from_slice(&field[..n]);
        if field.len() > INLINE {
            let tail = &mut table.tails[probe.index];
            tail.clear();
            tail.extend_from_slice(&field[n..]);
        }
        hits
    }
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
#[inline]
fn sample_hash(s: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let n = s.len();
    let (a, b, c, d, e) = if n >= 16 {
        let m = n / 2 - 4;
        (
            word(&s[..8]),
            word(&s[8..16]),
            word(&s[n - 16..n - 8]),
            word(&s[n - 8..]),
            word(&s[m..m + 8]),
        )
    } else if n >= 8 {
        (word(&s[..8]), word(&s[n - 8..]), 0, 0, 0)
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
    fold(h1 ^ 0xa409_3822_299f_31d0, h2 ^ 0x082e_fa98_ec4e_6c89)
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

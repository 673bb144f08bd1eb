//! A worker's memory of the field values it has classified.
//!
//! Most lines repeat a User-Agent, a path or a Referer seen a moment ago, and
//! searching a field costs several times more than recognising it. The cache
//! maps a field's bytes to what the search found, in one fixed table of
//! direct-mapped slots per field ([`SLOTS`]): a value is hashed, its slot
//! compared byte for byte (so a collision, even one an attacker contrived,
//! can only cost a search, never give a wrong answer), and on a miss the slot
//! is overwritten. Memory is bounded: values longer than [`MAX_KEY`] are not
//! kept, so keys take at most `(8192 + 1024 + 1024) × 512` bytes, and after
//! warm-up every slot's key buffer has the capacity it needs and nothing is
//! allocated. Results are identical with and without the cache; a test checks
//! it on every fixture line, on a first sight and on a second.

use std::hash::Hasher;

use rustc_hash::FxHasher;

use super::line::{FieldHits, Which};

/// Slots per field, target, User-Agent, Referer (powers of two, at most
/// 2^16): paths are many, User-Agents and Referers few, and a small table
/// stays in the processor's cache.
pub const SLOTS: [usize; 3] = [8192, 1024, 1024];
/// Longest value kept.
pub const MAX_KEY: usize = 512;

/// One per worker thread, passed to [`super::Classifier::classify_cached`].
pub struct FieldCache {
    scratch: Vec<u8>,
    /// One table per field, indexed by `Which`.
    tables: [Vec<Slot>; 3],
}

#[derive(Default)]
struct Slot {
    /// 0 while empty; a stored hash has its low bit set.
    hash: u64,
    key: Vec<u8>,
    hits: FieldHits,
}

impl Default for FieldCache {
    fn default() -> Self {
        FieldCache::new()
    }
}

impl FieldCache {
    pub fn new() -> FieldCache {
        FieldCache {
            scratch: Vec::new(),
            tables: SLOTS.map(|n| (0..n).map(|_| Slot::default()).collect()),
        }
    }

    /// What `field` gave last time, or what `search` gives now (remembered).
    #[inline]
    pub(super) fn get_or_insert(
        &mut self,
        which: Which,
        field: &[u8],
        search: impl FnOnce(&[u8], &mut Vec<u8>) -> FieldHits,
    ) -> FieldHits {
        if field.len() > MAX_KEY {
            return search(field, &mut self.scratch);
        }
        let mut h = FxHasher::default();
        h.write(field);
        let raw = h.finish();
        let hash = raw | 1;
        let table = &mut self.tables[which as usize];
        let mask = table.len() - 1;
        let slot = &mut table[(raw >> 48) as usize & mask];
        if slot.hash == hash && slot.key == field {
            return slot.hits;
        }
        let hits = search(field, &mut self.scratch);
        slot.hash = hash;
        slot.key.clear();
        slot.key.extend_from_slice(field);
        slot.hits = hits;
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_powers_of_two_within_the_index() {
        for n in SLOTS {
            assert!(n.is_power_of_two() && n <= 1 << 16);
        }
    }

    #[test]
    fn remembers_and_recomputes() {
        let mut c = FieldCache::new();
        let searches = std::cell::Cell::new(0);
        let mut get = |w, f: &[u8]| {
            c.get_or_insert(w, f, |f, _| {
                searches.set(searches.get() + 1);
                FieldHits {
                    endpoints: f.len() as u8,
                    ..FieldHits::default()
                }
            })
        };
        let a = get(Which::UserAgent, b"curl/8.5.0");
        assert_eq!(get(Which::UserAgent, b"curl/8.5.0"), a);
        get(Which::Target, b"curl/8.5.0");
        get(Which::Target, &[b'a'; MAX_KEY + 1]);
        get(Which::Target, &[b'a'; MAX_KEY + 1]);
        assert_eq!(
            searches.get(),
            4,
            "a hit, a different field, and two values too long to keep"
        );
    }
}

//! Merging the maps of two accumulators.

use rustc_hash::FxHashMap;

/// Merges the smaller map into the larger (`f` must not care which side
/// each value came from: counts add, times take their minimum or maximum).
pub fn merge_map<K: std::hash::Hash + Eq, V>(
    a: &mut FxHashMap<K, V>,
    mut b: FxHashMap<K, V>,
    f: impl Fn(&mut V, V),
) {
    if b.len() > a.len() {
        std::mem::swap(a, &mut b);
    }
    a.reserve(b.len());
    for (k, v) in b {
        match a.entry(k) {
            std::collections::hash_map::Entry::Occupied(mut e) => f(e.get_mut(), v),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(v);
            }
        }
    }
}

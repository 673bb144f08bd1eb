//! Ranking: what `sort | uniq -c | sort -rn` gives, with ties ordered by the
//! text shown (byte order), so that the same input ranks the same way however
//! it was read.

use rustc_hash::FxHashMap;

use super::source::Source;
use crate::aggregate::{Agg, ClientStats, ClientTable, Folded};
use crate::escape::escape;

/// A ranked client (an address, a network past `--max-clients`, or a
/// client field that held no address) and its counts.
#[derive(Clone, Debug)]
pub struct RankedClient {
    pub source: Source,
    pub stats: ClientStats,
}

/// Sorts by count descending, then text ascending (byte order), and keeps `n`
/// (all when `n` is 0).
pub fn rank<K, T>(mut v: Vec<(String, K, T)>, n: usize, count: impl Fn(&T) -> u64) -> Vec<(K, T)> {
    let cmp = |a: &(String, K, T), b: &(String, K, T)| {
        count(&b.2).cmp(&count(&a.2)).then_with(|| a.0.cmp(&b.0))
    };
    if n > 0 && n < v.len() {
        v.select_nth_unstable_by(n - 1, cmp);
        v.truncate(n);
    }
    v.sort_unstable_by(cmp);
    v.into_iter().map(|(_, k, t)| (k, t)).collect()
}

/// Every client of the access logs (address or not, and the networks of
/// those past `--max-clients`), ranked by requests.
pub fn clients(agg: &Agg, n: usize) -> Vec<RankedClient> {
    ranked(&agg.clients, &agg.folded, &agg.other_clients, n)
}

/// Every client of the error logs, ranked by lines.
pub fn error_clients(agg: &Agg, n: usize) -> Vec<RankedClient> {
    ranked(
        &agg.error_clients,
        &agg.error_folded,
        &FxHashMap::default(),
        n,
    )
}

/// Every client, ranked by its lines in access and error logs alike (what
/// `alf top --by ip` counts).
pub fn lines_by_client(agg: &Agg, n: usize) -> Vec<RankedClient> {
    if agg.error_clients.is_empty() && agg.error_folded.is_empty() {
        return clients(agg, n);
    }
    let mut all = agg.error_clients.clone();
    all.merge(agg.clients.clone());
    let mut networks = agg.error_folded.clone();
    networks.merge(agg.folded.clone());
    ranked(&all, &networks, &agg.other_clients, n)
}

/// Formatting an address costs more than counting it; with many clients only
/// those that can reach the top `n` (count at least the n-th largest) are
/// formatted and sorted.
fn ranked(
    clients: &ClientTable,
    folded: &Folded,
    others: &FxHashMap<Box<[u8]>, ClientStats>,
    n: usize,
) -> Vec<RankedClient> {
    let total = clients.len() + folded.len() + others.len();
    let floor = if n > 0 && n < total {
        let mut counts: Vec<u64> = clients.iter().map(|(_, s)| s.requests).collect();
        counts.extend(others.values().map(|s| s.requests));
        counts.extend(folded.iter().map(|(_, s)| s.requests));
        let (_, nth, _) = counts.select_nth_unstable_by(n - 1, |a, b| b.cmp(a));
        *nth
    } else {
        0
    };
    let named = |source: Source, s: &ClientStats| (source.to_string(), source, *s);
    let other = |k: &[u8], s: &ClientStats| (rank_text(k), Source::Other(k.into()), *s);
    let mut v: Vec<(String, Source, ClientStats)> = Vec::new();
    v.extend(
        clients
            .iter()
            .filter(|(_, s)| s.requests >= floor)
            .map(|(k, s)| named(Source::of_key(k), s)),
    );
    v.extend(
        folded
            .iter()
            .filter(|(_, s)| s.requests >= floor)
            .map(|(k, s)| named(Source::of_folded(k), s)),
    );
    v.extend(
        others
            .iter()
            .filter(|(_, s)| s.requests >= floor)
            .map(|(k, s)| other(k, s)),
    );
    rank(v, n, |s| s.requests)
        .into_iter()
        .map(|(source, stats)| RankedClient { source, stats })
        .collect()
}

/// Keys counted for `alf top --by` a field, ranked. Distinct raw values that
/// escape to the same text are kept apart by their raw bytes, then shown alike.
pub fn keys(agg: &Agg, n: usize) -> Vec<(Box<[u8]>, u64)> {
    let v = agg
        .keys
        .iter()
        .map(|(k, c)| (rank_text(k), k.clone(), *c))
        .collect();
    rank(v, n, |c| *c)
}

/// The text log bytes rank by: as shown (escaped), then, when the escape
/// changed them, by the raw bytes in hex after a NUL, which sorts before any
/// shown character. A NUL byte and the four characters `\x00` show alike;
/// JSON writes them apart, so their order must not hang on a hash map's.
pub fn rank_text(raw: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = escape(raw);
    if s.as_bytes() != raw {
        s.push('\0');
        for b in raw {
            let _ = write!(s, "{b:02x}");
        }
    }
    s
}

/// Statuses, ranked.
pub fn statuses(agg: &Agg, n: usize) -> Vec<(u16, u64)> {
    let v = agg
        .status
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(s, c)| (s.to_string(), s as u16, *c))
        .collect();
    rank(v, n, |c| *c)
}

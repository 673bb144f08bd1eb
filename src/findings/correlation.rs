//! The clients seen in both an access log and an error log: what they asked
//! for, and how often the backend failed them.

use std::net::IpAddr;

use rustc_hash::FxHashMap;

use crate::aggregate::Agg;
use crate::classify::ClassId;
use crate::record::ip_from_key;

const N: usize = ClassId::ALL.len();

/// A client of both logs.
#[derive(Clone, Debug, PartialEq)]
pub struct Correlation {
    pub client: IpAddr,
    pub access_requests: u64,
    /// Access-log class lines, by `ClassId as usize` (upstream-timeout, an
    /// error-log class, left out).
    pub access_classes: [u64; N],
    pub error_lines: u64,
    /// Upstream failures: timeouts, refused, other.
    pub upstream: [u64; 3],
    /// Most upstream failures in one minute.
    pub peak_failures_per_minute: u64,
    pub first_error: Option<i64>,
    pub last_error: Option<i64>,
}

/// The clients of both logs, most error-log lines first (then by address
/// text); the top `n` (all when 0).
pub fn correlation(a: &Agg, n: usize) -> Vec<Correlation> {
    let c = &a.classes;
    let mut peak: FxHashMap<u128, u64> = FxHashMap::default();
    for (&(_, class, key), &lines) in &c.timeline.drivers {
        if class == ClassId::UpstreamTimeout as u8 {
            let p = peak.entry(key).or_default();
            *p = (*p).max(lines);
        }
    }
    let mut v: Vec<(String, Correlation)> = a
        .error_clients
        .iter()
        .filter_map(|(k, e)| {
            let access_requests = a.clients.get(k)?.requests;
            let mut access_classes = c.offenders.get(&k).map(|o| o.classes).unwrap_or_default();
            access_classes[ClassId::UpstreamTimeout as usize] = 0;
            let known = e.first <= e.last;
            let client = ip_from_key(k);
            Some((
                client.to_string(),
                Correlation {
                    client,
                    access_requests,
                    access_classes,
                    error_lines: e.requests,
                    upstream: c.outcomes_of(k, false).upstream,
                    peak_failures_per_minute: peak.get(&k).copied().unwrap_or(0),
                    first_error: known.then_some(e.first),
                    last_error: known.then_some(e.last),
                },
            ))
        })
        .collect();
    v.sort_by(|(xt, x), (yt, y)| y.error_lines.cmp(&x.error_lines).then(xt.cmp(yt)));
    if n > 0 {
        v.truncate(n);
    }
    v.into_iter().map(|(_, c)| c).collect()
}

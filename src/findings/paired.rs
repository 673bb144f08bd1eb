//! The error log's request lines, paired with the access log's: a request
//! both logs hold is counted once, and said to be "seen in both".
//!
//! The same request is the same client (address), the same path (see
//! [`crate::classify::error_requests::path_key`]: the target with its query
//! cut, decoded once, dot segments removed; a file the server mapped the
//! request to matches a target it ends with) and times at most
//! [`PAIR_SECONDS`] apart (Apache stamps the access line with the request's
//! start and the error line when it is written; nginx stamps the access line
//! at the end). A probe pairs with an access-log line that hit an exploit or
//! scanner signature, a failed password with a login candidate (a login
//! POST or a 401). Each access-log line pairs with one error-log line at
//! most; the error-log lines are taken in order of client, time and text,
//! each pairing with the nearest access-log lines in time first.
//!
//! Both sides are the merged tallies of the whole run, so the pairing is
//! the one a single sequential pass would make, whatever the chunks,
//! threads or order of the inputs. Error-log lines that pair add nothing
//! (the access log's line already counts); the others count for their
//! classes, signatures and clients as access-log lines would, and for the
//! timeline at their minute.

use rustc_hash::FxHashMap;

use crate::aggregate::paired::{Kind, Paired};
use crate::aggregate::Seen;
use crate::classify::signatures::{EXPLOIT, SCANNER};
use crate::classify::ClassId;

const N: usize = ClassId::ALL.len();

/// At most this many seconds between the two lines of one request.
pub const PAIR_SECONDS: i64 = 5;

/// One client's error-log request lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientLines {
    /// Probes only the error log holds that hit an exploit signature.
    pub exploit: u64,
    /// ... and a scanner signature.
    pub scanner: u64,
    /// Probe lines seen in both logs.
    pub probes_both: u64,
    /// Probe lines only the error log holds.
    pub probes_only: u64,
    /// Failed passwords only the error log holds.
    pub logins: Seen,
    /// Failed passwords seen in both logs.
    pub logins_both: u64,
    /// nginx `limiting requests` lines.
    pub limited: Seen,
}

/// What the error log adds once paired.
#[derive(Clone, Debug, Default)]
pub struct ErrorSide {
    /// By client address key.
    pub clients: FxHashMap<u128, ClientLines>,
    /// Error-only probe lines by class (exploit and scanner), of every
    /// client, an address or not.
    pub classes: [Seen; N],
    /// Error-only probe lines by signature.
    pub signatures: FxHashMap<&'static str, (ClassId, Seen)>,
    /// Error-only failed passwords by client: (minute, lines).
    pub logins: FxHashMap<u128, Vec<(i64, u64)>>,
    /// Error-only lines by minute and class, for the timeline (exploit,
    /// scanner, and bruteforce candidates).
    pub minutes: FxHashMap<i64, [u64; N]>,
}

fn seen(n: u64, ts: i64) -> Seen {
    Seen {
        count: n,
        first: ts,
        last: ts,
        first_success: i64::MAX,
    }
}

/// Pairs the error log's request lines with the access log's.
pub fn pair(p: &Paired) -> ErrorSide {
    // Each client's access-log lines of a kind: (second, path key, lines
    // not yet paired), in time order.
    type Lines = Vec<(i64, u64, u64)>;
    let mut index: FxHashMap<(u128, Kind), Lines> = FxHashMap::default();
    for (&(client, ts, kind, path), &n) in &p.access {
        index.entry((client, kind)).or_default().push((ts, path, n));
    }
    for v in index.values_mut() {
        v.sort_unstable();
    }
    let mut errors: Vec<_> = p.error.iter().collect();
    errors.sort_unstable_by_key(|(k, _)| **k);
    let mut side = ErrorSide::default();
    for (k, t) in errors {
        let mut both = 0;
        if let (Some(c), Kind::Probe | Kind::Login) = (k.client, k.kind) {
            if let Some(v) = index.get_mut(&(c, k.kind)).filter(|_| !t.paths.is_empty()) {
                let lo = v.partition_point(|e| e.0 < k.ts - PAIR_SECONDS);
                let hi = v.partition_point(|e| e.0 <= k.ts + PAIR_SECONDS);
                let mut near: Vec<usize> = (lo..hi)
                    .filter(|&i| v[i].2 > 0 && t.paths.contains(&v[i].1))
                    .collect();
                near.sort_by_key(|&i| ((v[i].0 - k.ts).abs(), v[i].0, v[i].1));
                for i in near {
                    let take = v[i].2.min(t.lines - both);
                    v[i].2 -= take;
                    both += take;
                    if both == t.lines {
                        break;
                    }
                }
            }
        }
        let only = t.lines - both;
        let minute = k.ts.div_euclid(60);
        match k.kind {
            Kind::Probe => {
                let mut classes = Vec::new();
                if !t.exploits.is_empty() {
                    classes.push(ClassId::Exploit);
                }
                if !t.scanners.is_empty() {
                    classes.push(ClassId::Scanner);
                }
                if let Some(c) = k.client {
                    let cl = side.clients.entry(c).or_default();
                    cl.probes_both += both;
                    cl.probes_only += only;
                    if !t.exploits.is_empty() {
                        cl.exploit += only;
                    }
                    if !t.scanners.is_empty() {
                        cl.scanner += only;
                    }
                }
                if only == 0 {
                    continue;
                }
                for c in classes {
                    side.classes[c as usize].merge(&seen(only, k.ts));
                    side.minutes.entry(minute).or_default()[c as usize] += only;
                }
                let sigs = t
                    .exploits
                    .iter()
                    .filter_map(|i| EXPLOIT.get(i).map(|s| (ClassId::Exploit, s)))
                    .chain(
                        t.scanners
                            .iter()
                            .filter_map(|i| SCANNER.get(i).map(|s| (ClassId::Scanner, s))),
                    );
                for (class, sig) in sigs {
                    side.signatures
                        .entry(sig.id)
                        .or_insert((class, Seen::default()))
                        .1
                        .merge(&seen(only, k.ts));
                }
            }
            Kind::Login => {
                if only > 0 {
                    side.minutes.entry(minute).or_default()[ClassId::Bruteforce as usize] += only;
                }
                let Some(c) = k.client else { continue };
                let cl = side.clients.entry(c).or_default();
                cl.logins_both += both;
                if only > 0 {
                    cl.logins.merge(&seen(only, k.ts));
                    side.logins.entry(c).or_default().push((minute, only));
                }
            }
            Kind::Limited => {
                if let Some(c) = k.client {
                    side.clients
                        .entry(c)
                        .or_default()
                        .limited
                        .merge(&seen(t.lines, k.ts));
                }
            }
        }
    }
    side
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::paired::{ErrorKey, ErrorTally};
    use crate::classify::error_requests::{file_keys, path_key};

    fn probe(client: u128, ts: i64, paths: Vec<u64>, lines: u64) -> (ErrorKey, ErrorTally) {
        (
            ErrorKey {
                client: Some(client),
                ts,
                kind: Kind::Probe,
                text: paths.first().copied().unwrap_or(0),
            },
            ErrorTally {
                lines,
                exploits: {
                    let mut e = crate::classify::signatures::ExploitSet::EMPTY;
                    e.insert(4);
                    e
                },
                scanners: Default::default(),
                paths: paths.into(),
            },
        )
    }

    #[test]
    fn the_same_request_pairs_once_within_the_window() {
        let mut p = Paired::default();
        let env = path_key(b"/.env");
        // Two access lines of /.env at 100 and 103 from client 1.
        p.access.insert((1, 100, Kind::Probe, env), 1);
        p.access.insert((1, 103, Kind::Probe, env), 1);
        // Three error lines: at 101 and 104 (pair), and at 200 (too late).
        for (ts, n) in [(101, 1), (104, 1), (200, 1)] {
            let (k, t) = probe(1, ts, file_keys(b"/var/www/.env"), n);
            p.error.insert(k, t);
        }
        // Another client's line never pairs with client 1's.
        let (k, t) = probe(2, 100, vec![env], 1);
        p.error.insert(k, t);
        let side = pair(&p);
        let c1 = side.clients[&1];
        assert_eq!((c1.probes_both, c1.probes_only, c1.exploit), (2, 1, 1));
        let c2 = side.clients[&2];
        assert_eq!((c2.probes_both, c2.probes_only), (0, 1));
        assert_eq!(side.classes[ClassId::Exploit as usize].count, 2);
    }

    #[test]
    fn an_access_line_pairs_with_one_error_line() {
        let mut p = Paired::default();
        let k = path_key(b"/cgi-bin/.%2e/.%2e/bin/sh");
        p.access.insert((7, 50, Kind::Probe, k), 1);
        let (ek, et) = probe(7, 50, vec![k], 3);
        p.error.insert(ek, et);
        let side = pair(&p);
        assert_eq!(side.clients[&7].probes_both, 1);
        assert_eq!(side.clients[&7].probes_only, 2);
    }

    #[test]
    fn logins_pair_with_login_candidates_only() {
        let mut p = Paired::default();
        let k = path_key(b"/basic/file");
        p.access.insert((3, 10, Kind::Probe, k), 1);
        p.error.insert(
            ErrorKey {
                client: Some(3),
                ts: 10,
                kind: Kind::Login,
                text: 0,
            },
            ErrorTally {
                lines: 1,
                paths: Box::new([k]),
                ..ErrorTally::default()
            },
        );
        let side = pair(&p);
        assert_eq!(side.clients[&3].logins.count, 1);
        assert_eq!(side.logins[&3], [(0, 1)]);
        p.access.insert((3, 12, Kind::Login, k), 1);
        let side = pair(&p);
        assert_eq!(side.clients[&3].logins.count, 0);
        assert_eq!(side.clients[&3].logins_both, 1);
        assert!(!side.logins.contains_key(&3));
    }
}

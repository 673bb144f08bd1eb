//! The error log's lines that name a request (a probe, a failed password, a
//! rate limit), and the access log's lines they could repeat, tallied so that
//! the findings can tell the same request in both logs once the scan is done.
//!
//! Nothing is paired here: a chunk cannot know what another chunk, or
//! another input, holds. Both sides are exact tallies keyed by client,
//! second and path (sums, which merge in any order), and the findings pair
//! them over the merged whole (`findings::paired`), so the answer is the one
//! a single sequential pass would give, whatever the chunks and threads.

use rustc_hash::FxHashMap;

use super::merge::merge_map;
use crate::classify::error_requests::{file_keys, path_key};
use crate::classify::signatures::{ExploitSet, ScannerSet};
use crate::classify::{ErrorRequest, LineClass, Shape};
use crate::record::{ip_key, Client, Record};

/// What an error-log line is counted as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Its target or file hits an exploit or scanner signature.
    Probe,
    /// A failed password: a password-guessing candidate.
    Login,
    /// nginx refused it for its rate (`limiting requests`).
    Limited,
}

/// Who, when and what: one error-log tally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ErrorKey {
    /// The client's address key; `None` when the client field held none.
    pub client: Option<u128>,
    /// Epoch seconds.
    pub ts: i64,
    pub kind: Kind,
    /// A hash of the text searched (target or file): lines with the same
    /// text share their hits and path keys.
    pub text: u64,
}

/// The error-log lines of one [`ErrorKey`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorTally {
    pub lines: u64,
    /// The `EXPLOIT` signatures hit (probes).
    pub exploits: ExploitSet,
    /// The `SCANNER` signatures hit (probes).
    pub scanners: ScannerSet,
    /// The path keys an access-log line must have to be the same request
    /// (one for a target, one per tail for a file; none: no path written).
    pub paths: Box<[u64]>,
}

/// An access-log line an error-log line could repeat: client, second,
/// kind (a probe or a login candidate) and path key.
pub type AccessKey = (u128, i64, Kind, u64);

/// Distinct tallies a worker keeps on each side; past them a line is
/// counted in `dropped` (with a warning) instead.
pub const MAX_PAIRED: usize = 1 << 20;

/// Both sides' tallies.
#[derive(Clone, Debug, Default)]
pub struct Paired {
    pub error: FxHashMap<ErrorKey, ErrorTally>,
    /// Kept only when the run reads both kinds of log (`ScanOpts::pair`).
    pub access: FxHashMap<AccessKey, u64>,
    /// Error-log lines past [`MAX_PAIRED`]: not counted for any class.
    pub error_dropped: u64,
    /// Access-log lines past [`MAX_PAIRED`]: an error-log line that repeats
    /// one may be counted as well.
    pub access_dropped: u64,
}

impl Paired {
    /// Tallies an error-log line that names `req`, with the signatures its
    /// target or file hit (`hits`).
    pub fn error_line(&mut self, rec: &Record, req: &ErrorRequest, hits: &LineClass) {
        let Some(ts) = rec.ts else { return };
        let client = match rec.client {
            Client::Ip(ip) => Some(ip_key(ip)),
            _ => None,
        };
        let probe = !hits.exploit_mask().is_empty() || hits.scanner().is_some();
        let kinds = [
            (probe, Kind::Probe),
            (req.shape == Some(Shape::AuthFailure), Kind::Login),
            (req.shape == Some(Shape::RateLimited), Kind::Limited),
        ];
        let searched = req.searched();
        let text = text_hash(searched);
        for (_, kind) in kinds.into_iter().filter(|k| k.0) {
            let key = ErrorKey {
                client,
                ts,
                kind,
                text,
            };
            if let Some(t) = self.error.get_mut(&key) {
                t.lines += 1;
            } else if self.error.len() < MAX_PAIRED {
                let paths: Box<[u64]> = if !req.uri.is_empty() {
                    Box::new([path_key(req.uri)])
                } else if !req.file.is_empty() {
                    file_keys(req.file).into()
                } else {
                    Box::default()
                };
                let (exploits, scanners) = if kind == Kind::Probe {
                    (hits.exploit_mask(), hits.scanner_mask())
                } else {
                    (ExploitSet::EMPTY, ScannerSet::EMPTY)
                };
                let tally = ErrorTally {
                    lines: 1,
                    exploits,
                    scanners,
                    paths,
                };
                self.error.insert(key, tally);
            } else {
                self.error_dropped += 1;
            }
        }
    }

    /// Tallies an access-log line that shows a probe or a login candidate,
    /// for pairing (only when the run reads error logs too).
    pub fn access_line(&mut self, rec: &Record, lc: &LineClass) {
        let (Client::Ip(ip), Some(ts)) = (rec.client, rec.ts) else {
            return;
        };
        let probe = !lc.exploit_mask().is_empty() || lc.scanner().is_some();
        let login = lc.has(crate::classify::ClassId::Bruteforce);
        if !probe && !login {
            return;
        }
        let target = if rec.target.is_empty() {
            rec.request
        } else {
            rec.target
        };
        let path = path_key(target);
        for (_, kind) in [(probe, Kind::Probe), (login, Kind::Login)]
            .into_iter()
            .filter(|k| k.0)
        {
            let key = (ip_key(ip), ts, kind, path);
            if let Some(n) = self.access.get_mut(&key) {
                *n += 1;
            } else if self.access.len() < MAX_PAIRED {
                self.access.insert(key, 1);
            } else {
                self.access_dropped += 1;
            }
        }
    }

    pub fn merge(&mut self, o: Paired) {
        merge_map(&mut self.error, o.error, |a, b| a.lines += b.lines);
        merge_map(&mut self.access, o.access, |a, b| *a += b);
        self.error_dropped += o.error_dropped;
        self.access_dropped += o.access_dropped;
    }
}

fn text_hash(b: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(b);
    h.finish()
}

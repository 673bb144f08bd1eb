//! The malformed-request detector: an empty request line, a TLS, SSH, RDP or
//! SMB handshake sent to the HTTP port, or a method that is not an HTTP
//! token.
//!
//! The handshake patterns are anchored at the start of the request line, so
//! they are compared here rather than searched by the matcher. The statuses
//! that make a line malformed (400, 408) are the classifier's, which reads
//! the status once for every class.

use super::signatures::MALFORMED;
use crate::record::Record;

/// The bytes a handshake pattern can start with (either case), indexed by
/// byte: most request lines start with none of them and skip the
/// comparisons. Built once, with the classifier.
pub(super) fn handshake_first() -> [bool; 256] {
    let mut t = [false; 256];
    for p in MALFORMED.iter().flat_map(|s| s.patterns) {
        t[p[0].to_ascii_lowercase() as usize] = true;
        t[p[0].to_ascii_uppercase() as usize] = true;
    }
    t
}

/// `Some` when the request line or method of `rec` is malformed, with bit i
/// set for each `MALFORMED[i]` it hits: possibly none (a method that is not
/// a token, a request line of `-`).
pub(super) fn malformed(rec: &Record, handshake_first: &[bool; 256]) -> Option<u8> {
    let line = if rec.request.is_empty() {
        rec.method
    } else {
        rec.request
    };
    let maybe = line.first().is_some_and(|&b| handshake_first[b as usize]);
    let mut hits = 0u8;
    for (i, s) in MALFORMED.iter().enumerate().filter(|_| maybe) {
        if s.patterns.iter().any(|p| {
            line.get(..p.len())
                .is_some_and(|l| l.eq_ignore_ascii_case(p))
        }) {
            hits |= 1 << i;
        }
    }
    let m = rec.method;
    let bad_method = !m.is_empty()
        && m != b"GET"
        && (m == b"-"
            || m.len() > 20
            || !m
                .iter()
                .all(|&c| c.is_ascii_uppercase() || c == b'-' || c == b'_'));
    (hits != 0 || bad_method || rec.request == b"-").then_some(hits)
}

//! `alf export`: every counted line as a typed row, for a database that
//! holds the logs of many servers (ClickHouse: see `clickhouse/`).
//!
//! The scan hands each line with its classification to an [`Export`]
//! (`scan::Export`) one chunk at a time; a chunk's rows wait in memory only
//! until the chunks before it are written, so memory stays flat whatever the
//! input's size, and rows come out in input order. Only what one line shows
//! is here: the verdicts over many lines (floods, password guessers, 404
//! sweeps) are the triage's findings, not any one row's.
//!
//! Sits beside `report`: it reads records and classes, and nothing below it
//! imports it.

pub mod ndjson;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod text;

use std::net::IpAddr;

use crate::classify::{ClassSet, LineClass};
use crate::record::{Client, Record};
use crate::scan::Seen;

/// What every export is told: the server's name, and which rows to keep.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The server the logs come from (`--host`, default the hostname).
    pub host: Vec<u8>,
    /// Only rows with at least one class (`--only-classified`).
    pub only_classified: bool,
}

/// Whether a line is a request or an error-log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Access,
    Error,
}

impl Kind {
    pub const fn label(self) -> &'static str {
        match self {
            Kind::Access => "access",
            Kind::Error => "error",
        }
    }
}

/// One row's typed columns (besides host, file and line), borrowed from the
/// line. Empty text is a column the format does not carry.
pub struct Fields<'s, 'c> {
    pub kind: Kind,
    /// Milliseconds since the Unix epoch, UTC.
    pub ts_ms: Option<i64>,
    pub client: Client<'c>,
    pub method: &'c [u8],
    pub path: &'c [u8],
    pub status: Option<u16>,
    pub bytes: Option<u64>,
    pub duration_us: Option<u64>,
    pub vhost: &'c [u8],
    pub ua: &'c [u8],
    pub referer: &'c [u8],
    pub classes: ClassSet,
    /// The signature hits.
    pub marks: &'s LineClass,
    pub proxy_outcome: Option<&'static str>,
    pub proxy_target: &'c [u8],
    /// Error logs: Apache 2.4's module (`proxy_fcgi`), empty elsewhere.
    pub module: &'c [u8],
    /// Error logs: the severity.
    pub level: &'c [u8],
    /// Error logs: Apache's `AHnnnnn` code.
    pub code: &'c [u8],
    /// Error logs: the gateway failure (`timeout`, `refused`, `other`).
    pub upstream: Option<&'static str>,
}

impl<'s, 'c> Fields<'s, 'c> {
    pub fn of(seen: &Seen<'s, 'c>) -> Fields<'s, 'c> {
        let rec: &Record<'c> = seen.rec;
        let ts_ms = rec.ts.map(|t| t * 1000 + millis(rec.time));
        if seen.error_log {
            let (module, level) = match rec.level.iter().rposition(|&b| b == b':') {
                Some(i) => (&rec.level[..i], &rec.level[i + 1..]),
                None => (&b""[..], rec.level),
            };
            let (method, path) = match seen.request {
                Some(r) => (r.method, if r.uri.is_empty() { r.file } else { r.uri }),
                None => (&b""[..], &b""[..]),
            };
            return Fields {
                kind: Kind::Error,
                ts_ms,
                client: rec.client,
                method,
                path,
                status: None,
                bytes: None,
                duration_us: None,
                vhost: rec.vhost,
                ua: b"",
                referer: b"",
                classes: seen.classes,
                marks: seen.marks,
                proxy_outcome: None,
                proxy_target: b"",
                module,
                level,
                code: ah_code(rec.message),
                upstream: seen.event.map(|e| e.kind.label()),
            };
        }
        let m = seen.marks;
        Fields {
            kind: Kind::Access,
            ts_ms,
            client: rec.client,
            method: rec.method,
            path: if rec.target.is_empty() {
                rec.request
            } else {
                rec.target
            },
            status: rec.status,
            bytes: rec.bytes,
            duration_us: rec.duration_us,
            vhost: rec.vhost,
            ua: rec.user_agent,
            referer: rec.referer,
            classes: seen.classes,
            marks: m,
            proxy_outcome: m.proxy().map(|p| p.label()),
            proxy_target: m.proxy_target(rec),
            module: b"",
            level: b"",
            code: b"",
            upstream: None,
        }
    }
}

/// The milliseconds a time field writes after its seconds (`18:58:33.123456`),
/// else 0: the record's time is whole seconds.
fn millis(time: &[u8]) -> i64 {
    let Some(dot) = memchr::memchr(b'.', time) else {
        return 0;
    };
    if dot < 2 || !time[dot - 2..dot].iter().all(u8::is_ascii_digit) {
        return 0;
    }
    let mut ms = 0;
    let mut scale = 100;
    for &b in time[dot + 1..].iter().take(3) {
        if !b.is_ascii_digit() {
            break;
        }
        ms += (b - b'0') as i64 * scale;
        scale /= 10;
    }
    ms
}

/// Apache's `AHnnnnn` code, written first in the message, else empty.
fn ah_code(message: &[u8]) -> &[u8] {
    match message.get(..8) {
        Some([b'A', b'H', d @ .., b':']) if d.iter().all(u8::is_ascii_digit) => &message[..7],
        _ => b"",
    }
}

/// The /24 (IPv4) or /64 (IPv6) around an address: the network alf groups
/// clients by.
pub fn client_net(ip: IpAddr) -> (IpAddr, u8) {
    match ip {
        IpAddr::V4(a) => (IpAddr::V4((u32::from(a) & 0xffff_ff00).into()), 24),
        IpAddr::V6(a) => (
            IpAddr::V6((u128::from(a) & !((1u128 << 64) - 1)).into()),
            64,
        ),
    }
}

/// This machine's hostname, for `--host`'s default.
pub fn hostname() -> Vec<u8> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most
    // that many bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return b"localhost".to_vec();
    }
    let n = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    buf[..n].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_from_the_time_field() {
        assert_eq!(millis(b"Thu Dec 24 18:58:33.123456 2020"), 123);
        assert_eq!(millis(b"24/Dec/2020:18:58:33 +0900"), 0);
        assert_eq!(millis(b"2020-12-24T18:58:33.5Z"), 500);
        assert_eq!(millis(b"x.1"), 0);
    }

    #[test]
    fn networks() {
        let n = |s: &str| {
            let (ip, len) = client_net(s.parse().unwrap());
            format!("{ip}/{len}")
        };
        assert_eq!(n("203.0.113.77"), "203.0.113.0/24");
        assert_eq!(n("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
    }
}

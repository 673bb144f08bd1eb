//! The proxy detector: CONNECT and absolute-URI requests, their outcome by
//! status, and their target.
//!
//! It reads only the method, the target and the status, and returns what it
//! found for the classifier to copy into the line's `LineClass`, so it needs
//! nothing from the rest of `classify`.

use crate::record::Record;

/// What became of a proxy request, by its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProxyOutcome {
    /// 2xx: the server relayed it (an open proxy).
    Tunnelled,
    /// 502, 503 or 504: the server tried to reach the target and failed.
    Attempted,
    /// Any other status, or none logged.
    Refused,
}

impl ProxyOutcome {
    pub fn from_status(status: Option<u16>) -> ProxyOutcome {
        match status {
            Some(200..=299) => ProxyOutcome::Tunnelled,
            Some(502..=504) => ProxyOutcome::Attempted,
            _ => ProxyOutcome::Refused,
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            ProxyOutcome::Tunnelled => "tunnelled",
            ProxyOutcome::Attempted => "attempted",
            ProxyOutcome::Refused => "refused",
        }
    }
}

/// A proxy request: its outcome, its port, and where its target is in
/// `rec.target`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ProxyRequest {
    pub(super) outcome: ProxyOutcome,
    pub(super) port: Option<u16>,
    /// `host[:port]` of the target, and where the host ends; zero when an
    /// offset does not fit in a `u32`.
    pub(super) at: (u32, u32),
    pub(super) host_end: u32,
}

/// Finds CONNECT and absolute-URI requests, with their target.
pub(super) fn proxy(rec: &Record) -> Option<ProxyRequest> {
    let t = rec.target;
    let (start, end, default_port) = if rec.method == b"CONNECT" {
        (0, t.len(), None)
    } else if !matches!(t.first(), Some(b'h' | b'H')) {
        // Most targets are paths: not a URI of any scheme.
        return None;
    } else {
        let scheme = if has_prefix_ci(t, b"http://") {
            7
        } else if has_prefix_ci(t, b"https://") {
            8
        } else {
            return None;
        };
        let rest = &t[scheme..];
        let end = rest
            .iter()
            .position(|&c| matches!(c, b'/' | b'?' | b'#'))
            .unwrap_or(rest.len());
        (
            scheme,
            scheme + end,
            Some(if scheme == 7 { 80 } else { 443 }),
        )
    };
    let mut p = ProxyRequest {
        outcome: ProxyOutcome::from_status(rec.status),
        port: None,
        at: (0, 0),
        host_end: 0,
    };
    // Drop userinfo (`user:pass@host`).
    let start = start + memchr::memrchr(b'@', &t[start..end]).map_or(0, |p| p + 1);
    let (host_len, port) = split_port(&t[start..end]);
    p.port = port.or(default_port);
    if let (Ok(a), Ok(h), Ok(b)) = (
        u32::try_from(start),
        u32::try_from(start + host_len),
        u32::try_from(end),
    ) {
        p.at = (a, b);
        p.host_end = h;
    }
    Some(p)
}

/// `host:port`, `[v6]:port` or a bare host: the host's length and the port.
fn split_port(hp: &[u8]) -> (usize, Option<u16>) {
    let after_host = if hp.first() == Some(&b'[') {
        match memchr::memchr(b']', hp) {
            Some(c) => c + 1,
            None => return (hp.len(), None),
        }
    } else {
        match memchr::memrchr(b':', hp) {
            Some(c) => c,
            None => return (hp.len(), None),
        }
    };
    let rest = &hp[after_host..];
    match rest.strip_prefix(b":") {
        Some(p) if (1..=5).contains(&p.len()) && p.iter().all(u8::is_ascii_digit) => {
            let v = p.iter().fold(0u32, |v, c| v * 10 + (c - b'0') as u32);
            (after_host, u16::try_from(v).ok())
        }
        // `host:` with an empty port: the scheme's default.
        Some([]) => (after_host, None),
        _ if rest.is_empty() => (after_host, None),
        // A bare IPv6 address or junk after the colon: all host.
        _ => (hp.len(), None),
    }
}

fn has_prefix_ci(s: &[u8], p: &[u8]) -> bool {
    s.len() >= p.len() && s[..p.len()].eq_ignore_ascii_case(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::line::{combined, run};
    use crate::classify::registry::ClassId;

    #[test]
    fn proxy_targets_and_outcomes() {
        let cases = [
            (
                "CONNECT www.acenursing.org:443 HTTP/1.1",
                504,
                Some(ProxyOutcome::Attempted),
                "www.acenursing.org:443",
                "www.acenursing.org",
                Some(443),
            ),
            (
                "CONNECT www.acenursing.org:443 HTTP/1.1",
                200,
                Some(ProxyOutcome::Tunnelled),
                "www.acenursing.org:443",
                "www.acenursing.org",
                Some(443),
            ),
            (
                "CONNECT [2001:db8::1]:25 HTTP/1.1",
                405,
                Some(ProxyOutcome::Refused),
                "[2001:db8::1]:25",
                "[2001:db8::1]",
                Some(25),
            ),
            (
                "CONNECT foo.com HTTP/1.1",
                400,
                Some(ProxyOutcome::Refused),
                "foo.com",
                "foo.com",
                None,
            ),
            (
                "CONNECT foo.com:99999 HTTP/1.1",
                400,
                Some(ProxyOutcome::Refused),
                "foo.com:99999",
                "foo.com",
                None,
            ),
            (
                "GET http://www.yahoo.com/ HTTP/1.1",
                200,
                Some(ProxyOutcome::Tunnelled),
                "www.yahoo.com",
                "www.yahoo.com",
                Some(80),
            ),
            (
                "GET HTTPS://u:p@Example.org:8443/x?y HTTP/1.1",
                503,
                Some(ProxyOutcome::Attempted),
                "Example.org:8443",
                "Example.org",
                Some(8443),
            ),
            (
                "GET https://example.org?x HTTP/1.1",
                301,
                Some(ProxyOutcome::Refused),
                "example.org",
                "example.org",
                Some(443),
            ),
            ("GET /http://x/ HTTP/1.1", 200, None, "", "", None),
            ("GET /r?u=http://x/ HTTP/1.1", 200, None, "", "", None),
            ("connect foo.com:443 HTTP/1.1", 400, None, "", "", None),
        ];
        for (req, status, outcome, target, host, port) in cases {
            let (lc, t, h) = run("combined", &combined(req, status, "-"));
            assert_eq!(lc.proxy(), outcome, "{req}");
            assert_eq!(lc.has(ClassId::Proxy), outcome.is_some(), "{req}");
            assert_eq!(
                (t.as_str(), h.as_str(), lc.proxy_port()),
                (target, host, port),
                "{req}"
            );
        }
    }
}

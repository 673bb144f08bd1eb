//! Gateway failures in error logs: the lines behind `upstream-timeout`.
//!
//! An event is recognised only by the text that opens the message, which the
//! server writes itself: Apache's `AHnnnnn:` code, Apache 2.2's `proxy: ...`,
//! nginx's `upstream timed out ...`. Text further on (paths, referers, request
//! lines) is the client's, so it is never searched for a marker; a client that
//! requests `/upstream timed out` gets no event. The kind is refined by the
//! errno the server logged: Apache writes it as a `(70007)Description: `
//! prefix in the header (which the error-log parser strips from the message,
//! hence [`error_event_line`]), nginx as `(110: Connection timed out)` in the
//! message.

use crate::record::Record;

/// What went wrong between the server and its backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// The backend did not answer in time.
    Timeout,
    /// The backend could not be reached: connection refused, no live backend,
    /// backend disabled after failures.
    Refused,
    /// Anything else: reset, bad headers, body relay failures.
    Other,
}

impl EventKind {
    pub const fn label(self) -> &'static str {
        match self {
            EventKind::Timeout => "timeout",
            EventKind::Refused => "refused",
            EventKind::Other => "other",
        }
    }
}

/// One error-log line's gateway failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ErrorEvent {
    pub kind: EventKind,
    /// Apache's message code as a number: `AH01075` is `Some(1075)`.
    pub ah: Option<u16>,
    /// The errno the server logged, when it is known: `70007` (APR_TIMEUP),
    /// `110` (ETIMEDOUT), `111` (ECONNREFUSED)...
    pub errno: Option<u32>,
    /// A short description of the marker that matched.
    pub what: &'static str,
}

/// Apache 2.4 proxy codes: code, kind when no errno says otherwise, description.
const APACHE_CODES: &[(u16, EventKind, &str)] = &[
    (
        1075,
        EventKind::Other,
        "error dispatching request to FastCGI backend",
    ),
    (
        1102,
        EventKind::Other,
        "error reading status line from backend",
    ),
    (898, EventKind::Other, "error reading from remote server"),
    (
        1097,
        EventKind::Other,
        "passing request body to backend failed",
    ),
    (
        1084,
        EventKind::Other,
        "passing request body to FastCGI backend failed",
    ),
    (1067, EventKind::Other, "failed to read FastCGI header"),
    (
        957,
        EventKind::Refused,
        "attempt to connect to backend failed",
    ),
    (
        1114,
        EventKind::Refused,
        "failed to make connection to backend",
    ),
    (
        1079,
        EventKind::Refused,
        "failed to make connection to FastCGI backend",
    ),
    (959, EventKind::Refused, "backend worker disabled"),
    (940, EventKind::Refused, "backend connection disabled"),
];

/// Apache 2.2 mod_proxy and mod_fastcgi messages (no codes), compared
/// case-insensitively with the start of the message.
const APACHE_TEXT: &[(&[u8], EventKind, &str)] = &[
    (
        b"proxy: error reading status line from remote server",
        EventKind::Other,
        "error reading status line from backend",
    ),
    (
        b"proxy: error reading from remote server",
        EventKind::Other,
        "error reading from remote server",
    ),
    (
        b"proxy: pass request body failed",
        EventKind::Other,
        "passing request body to backend failed",
    ),
    (
        b"proxy: http: disabled connection for",
        EventKind::Refused,
        "backend connection disabled",
    ),
    (
        b"proxy: http: attempt to connect to",
        EventKind::Refused,
        "attempt to connect to backend failed",
    ),
    (
        b"proxy: ajp: attempt to connect to",
        EventKind::Refused,
        "attempt to connect to backend failed",
    ),
    (
        b"fastcgi: comm with server",
        EventKind::Other,
        "FastCGI communication with server aborted",
    ),
];

/// nginx messages, compared with the start of the message as nginx writes it;
/// `true` when the message must also say `upstream` before `, client: `.
const NGINX_TEXT: &[(&[u8], EventKind, bool, &str)] = &[
    (
        b"upstream timed out",
        EventKind::Timeout,
        false,
        "upstream timed out",
    ),
    (
        b"no live upstreams",
        EventKind::Refused,
        false,
        "no live upstreams",
    ),
    (
        b"upstream prematurely closed connection",
        EventKind::Other,
        false,
        "upstream prematurely closed connection",
    ),
    (
        b"upstream sent ",
        EventKind::Other,
        false,
        "upstream sent an invalid response",
    ),
    (
        b"connect() failed",
        EventKind::Refused,
        true,
        "connect() to upstream failed",
    ),
    (
        b"connect() to ",
        EventKind::Refused,
        true,
        "connect() to upstream failed",
    ),
    (
        b"recv() failed",
        EventKind::Other,
        true,
        "recv() from upstream failed",
    ),
];

/// How far into a message markers and errnos are looked for.
const HEAD: usize = 256;

/// The gateway failure an error-log record reports, if any.
///
/// Looks at `rec.message` only (and `rec.level` not at all): the kind of an
/// Apache event whose errno sat in the stripped header falls back to the
/// code's default, except that AH01075's `(polling)` means a timeout. Use
/// [`error_event_line`] when the raw line is at hand.
pub fn error_event(rec: &Record) -> Option<ErrorEvent> {
    event(rec.message, None)
}

/// As [`error_event`], also reading the errno Apache wrote in the header
/// (`(70007)The timeout specified has expired: `), i.e. in the bytes of
/// `line` before `rec.message`. `line` must be the line `rec` was parsed from;
/// otherwise it is ignored.
pub fn error_event_line(line: &[u8], rec: &Record) -> Option<ErrorEvent> {
    let (l, m) = (line.as_ptr() as usize, rec.message.as_ptr() as usize);
    let header = if m >= l && m + rec.message.len() <= l + line.len() {
        &line[..m - l]
    } else {
        &[][..]
    };
    event(rec.message, header_errno(header))
}

fn event(message: &[u8], header_errno: Option<u32>) -> Option<ErrorEvent> {
    let mut msg = message;
    let mut errno = header_errno;
    // An errno prefix the parser left in the message: `(70007)Text: AH01102: ...`.
    if let Some((e, rest)) = errno_prefix(msg) {
        errno = errno.or(Some(e));
        msg = rest;
    }
    let head = &msg[..msg.len().min(HEAD)];
    // Apache appends `, referer: ...` (client-written) to the server's text.
    let apache_own = &head[..memchr::memmem::find(head, b", referer: ").unwrap_or(head.len())];
    let mut ev = if let Some(code) = ah_code(head) {
        let &(_, kind, what) = APACHE_CODES.iter().find(|(c, _, _)| *c == code)?;
        let kind = if code == 1075 && memchr::memmem::find(apache_own, b"(polling)").is_some() {
            EventKind::Timeout
        } else {
            kind
        };
        ErrorEvent {
            kind,
            ah: Some(code),
            errno,
            what,
        }
    } else if let Some(&(_, kind, what)) =
        APACHE_TEXT.iter().find(|(p, _, _)| starts_with_ci(head, p))
    {
        let kind = if what.starts_with("FastCGI")
            && memchr::memmem::find(apache_own, b"idle timeout").is_some()
        {
            EventKind::Timeout
        } else {
            kind
        };
        ErrorEvent {
            kind,
            ah: None,
            errno,
            what,
        }
    } else {
        let &(_, kind, upstream, what) =
            NGINX_TEXT.iter().find(|(p, _, _, _)| head.starts_with(p))?;
        // The server-written part ends where nginx appends `, client: `.
        let own = &head[..memchr::memmem::find(head, b", client: ").unwrap_or(head.len())];
        if upstream && memchr::memmem::find(own, b"upstream").is_none() {
            return None;
        }
        ErrorEvent {
            kind,
            ah: None,
            errno: errno.or_else(|| nginx_errno(own)),
            what,
        }
    };
    ev.kind = match ev.errno {
        Some(70007 | 110) => EventKind::Timeout,
        Some(111) => EventKind::Refused,
        _ => ev.kind,
    };
    Some(ev)
}

/// `AH01075:` at the start of the message.
fn ah_code(s: &[u8]) -> Option<u16> {
    match s {
        [b'A', b'H', d @ ..]
            if d.len() >= 6 && d[5] == b':' && d[..5].iter().all(u8::is_ascii_digit) =>
        {
            Some(d[..5].iter().fold(0u16, |v, c| v * 10 + (c - b'0') as u16))
        }
        _ => None,
    }
}

/// `(70007)Description: rest` → (70007, rest).
fn errno_prefix(s: &[u8]) -> Option<(u32, &[u8])> {
    let (e, after) = paren_number(s)?;
    let colon = memchr::memmem::find(&after[..after.len().min(120)], b": ")?;
    Some((e, &after[colon + 2..]))
}

/// `(digits)` at the start of `s`: the number and what follows the `)`.
fn paren_number(s: &[u8]) -> Option<(u32, &[u8])> {
    digits_then(s.strip_prefix(b"(")?, b')')
}

/// One to six digits followed by `end`: the number and what follows `end`.
fn digits_then(s: &[u8], end: u8) -> Option<(u32, &[u8])> {
    let n = s.iter().take_while(|c| c.is_ascii_digit()).count();
    if n == 0 || n > 6 || s.get(n) != Some(&end) {
        return None;
    }
    let v = s[..n].iter().fold(0u32, |v, c| v * 10 + (c - b'0') as u32);
    Some((v, &s[n + 1..]))
}

/// The last `(digits)` in an Apache header that opens a token (after a space or
/// `]`): the errno prefix, not a source line like `mod_proxy.c(1234)`.
fn header_errno(header: &[u8]) -> Option<u32> {
    let mut found = None;
    for p in memchr::memchr_iter(b'(', header) {
        if p == 0 || matches!(header[p - 1], b' ' | b']') {
            if let Some((v, _)) = paren_number(&header[p..]) {
                found = Some(v);
            }
        }
    }
    found
}

/// nginx's `(110: Connection timed out)`.
fn nginx_errno(s: &[u8]) -> Option<u32> {
    memchr::memchr_iter(b'(', s).find_map(|p| digits_then(&s[p + 1..], b':').map(|(v, _)| v))
}

fn starts_with_ci(s: &[u8], p: &[u8]) -> bool {
    s.len() >= p.len() && s[..p.len()].eq_ignore_ascii_case(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{preset, Format};

    fn parse<'a>(f: &Format, line: &'a str) -> Record<'a> {
        let mut r = Record::default();
        f.parse(line.as_bytes(), &mut r)
            .unwrap_or_else(|_| panic!("parses: {line}"));
        r
    }

    const INCIDENT: &str = "[Thu Dec 24 18:58:33.123456 2020] [proxy_fcgi:error] [pid 32350] (70007)The timeout specified has expired: [client 136.175.9.211:41736] AH01075: Error dispatching request to : (polling), referer: http://x/";

    #[test]
    fn incident_line_is_a_timeout() {
        let f = preset("apache_error").unwrap();
        let r = parse(&f, INCIDENT);
        let e = error_event(&r).unwrap();
        assert_eq!(
            (e.kind, e.ah, e.errno),
            (EventKind::Timeout, Some(1075), None)
        );
        let e = error_event_line(INCIDENT.as_bytes(), &r).unwrap();
        assert_eq!(
            (e.kind, e.ah, e.errno),
            (EventKind::Timeout, Some(1075), Some(70007))
        );
    }

    #[test]
    fn errno_decides_the_kind() {
        let f = preset("apache_error").unwrap();
        let line = "[Sun Oct 27 00:53:37.164662 2024] [proxy:error] [pid 13352:tid 13357] (111)Connection refused: AH00957: http: attempt to connect to 127.0.0.1:3000 (localhost:3000) failed";
        let r = parse(&f, line);
        assert_eq!(error_event(&r).unwrap().kind, EventKind::Refused);
        assert_eq!(
            error_event_line(line.as_bytes(), &r).unwrap().errno,
            Some(111)
        );
        let line = "[Sun Oct 27 00:53:37.164662 2024] [proxy_http:error] [pid 1:tid 2] (104)Connection reset by peer: [client 1.2.3.4:5] AH01102: error reading status line from remote server localhost:3000";
        let r = parse(&f, line);
        let e = error_event_line(line.as_bytes(), &r).unwrap();
        assert_eq!((e.kind, e.errno), (EventKind::Other, Some(104)));
        // A source-file prefix is not an errno.
        let line = "[Sun Oct 27 00:53:37.164662 2024] [proxy_http:error] [pid 1:tid 2] mod_proxy_http.c(1234): [client 1.2.3.4:5] AH01102: error reading status line from remote server x";
        let r = parse(&f, line);
        assert_eq!(error_event_line(line.as_bytes(), &r).unwrap().errno, None);
    }

    #[test]
    fn a_foreign_line_adds_nothing() {
        let f = preset("apache_error").unwrap();
        let r = parse(&f, INCIDENT);
        let other = INCIDENT.to_string();
        let e = error_event_line(other.as_bytes(), &r).unwrap();
        assert_eq!(e.errno, None);
    }

    #[test]
    fn nginx_markers() {
        let f = preset("nginx_error").unwrap();
        let cases = [
            ("upstream timed out (110: Connection timed out) while reading response header from upstream, client: 1.2.3.4, server: x, request: \"GET / HTTP/1.1\"", Some((EventKind::Timeout, Some(110)))),
            ("connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: x", Some((EventKind::Refused, Some(111)))),
            ("connect() to unix:/run/php/php-fpm.sock failed (11: Resource temporarily unavailable) while connecting to upstream, client: 1.2.3.4", Some((EventKind::Refused, Some(11)))),
            ("no live upstreams while connecting to upstream, client: 1.2.3.4", Some((EventKind::Refused, None))),
            ("upstream prematurely closed connection while reading response header from upstream, client: 1.2.3.4", Some((EventKind::Other, None))),
            ("recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 1.2.3.4", Some((EventKind::Other, Some(104)))),
            // connect() outside an upstream context (OCSP), and markers the client wrote.
            ("connect() to 1.2.3.4:80 failed (111: Connection refused) while requesting certificate status, responder: ocsp.x", None),
            ("open() \"/srv/upstream timed out\" failed (2: No such file or directory), client: 1.2.3.4, request: \"GET /upstream timed out HTTP/1.1\"", None),
            ("connect() failed (111) , client: 1.2.3.4, request: \"GET /upstream HTTP/1.1\"", None),
        ];
        for (msg, want) in cases {
            let line = format!("2025/12/17 09:03:01 [error] 10025#10025: *3 {msg}");
            let r = parse(&f, &line);
            let got = error_event(&r).map(|e| (e.kind, e.errno));
            assert_eq!(got, want, "{msg}");
        }
    }

    #[test]
    fn apache_22_and_exclusions() {
        let f = preset("apache_error").unwrap();
        let cases = [
            ("[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] (70007)The timeout specified has expired: proxy: error reading status line from remote server 127.0.0.1", Some(EventKind::Timeout)),
            ("[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] FastCGI: comm with server \"/var/www/php5.external\" aborted: idle timeout (30 sec)", Some(EventKind::Timeout)),
            ("[Wed Oct 11 14:32:52 2000] [error] (111)Connection refused: proxy: HTTP: attempt to connect to 127.0.0.1:8080 (localhost) failed", Some(EventKind::Refused)),
            ("[Thu Dec 24 18:58:33.123456 2020] [proxy_fcgi:error] [pid 1:tid 2] [client 1.2.3.4:5] AH01071: Got error 'Primary script unknown'", None),
            ("[Thu Dec 24 18:58:33.123456 2020] [core:error] [pid 1:tid 2] [client 1.2.3.4:5] AH00126: Invalid URI in request GET /AH01075: HTTP/1.1", None),
            ("[Sat Jun 01 02:17:42 2013] [error] [client 203.0.113.7] File does not exist: /srv/proxy: error reading status line from remote server", None),
        ];
        for (line, want) in cases {
            let r = parse(&f, line);
            assert_eq!(
                error_event_line(line.as_bytes(), &r).map(|e| e.kind),
                want,
                "{line}"
            );
        }
    }

    #[test]
    fn access_records_have_no_event() {
        assert_eq!(error_event(&Record::default()), None);
        assert_eq!(ah_code(b"AH0107: x"), None);
        assert_eq!(ah_code(b"AH01075: x"), Some(1075));
    }
}

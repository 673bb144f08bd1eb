//! Syslog prefixes in front of access and error lines: what a central log
//! host or `journalctl` writes before the line the web server logged.
//!
//! Three shapes, one [`Kind`] each:
//! - RFC 3164 (`<PRI>` optional): `Sep 15 16:13:46 web-3 nginx[2869]: LINE`,
//!   the day space- or zero-padded, the seconds possibly fractional; journald's
//!   `short` and `short-precise` exports are the same shape;
//! - ISO time, as journald's `short-iso` and rsyslog's ISO file format write
//!   it: `2021-09-15T16:13:46+0200 web-3 nginx[2869]: LINE`;
//! - RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD LINE`, structured
//!   data with `\]`, `\"` and `\\` escapes, and an optional BOM before LINE.
//!
//! Only the host is kept: the client and time come from the line beneath.
//! A prefix is recognised at the start of the line only, so text a client
//! wrote later in the line can never pose as one.

/// A kind of syslog prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Rfc3164,
    Iso,
    Rfc5424,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Rfc3164, Kind::Iso, Kind::Rfc5424];

    /// The name shown beside the format: `combined (syslog rfc3164)`.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Rfc3164 => "rfc3164",
            Kind::Iso => "iso",
            Kind::Rfc5424 => "rfc5424",
        }
    }

    /// The host and the line beneath, when `line` starts with this prefix.
    pub fn strip(self, line: &[u8]) -> Option<(&[u8], &[u8])> {
        match self {
            Kind::Rfc3164 => {
                let at = pri(line).unwrap_or(0);
                let rest = bsd_time(&line[at..])?;
                host_and_tag(rest)
            }
            Kind::Iso => host_and_tag(iso_time(line)?),
            Kind::Rfc5424 => rfc5424(line),
        }
    }
}

/// Whether `line` starts with any syslog prefix.
pub fn has_prefix(line: &[u8]) -> bool {
    Kind::ALL.iter().any(|k| k.strip(line).is_some())
}

/// The length of a `<PRI>` (1 to 3 digits, at most 191).
fn pri(line: &[u8]) -> Option<usize> {
    let rest = line.strip_prefix(b"<")?;
    let n = rest
        .iter()
        .take(4)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if !(1..=3).contains(&n) || rest.get(n) != Some(&b'>') {
        return None;
    }
    let v: u32 = std::str::from_utf8(&rest[..n]).ok()?.parse().ok()?;
    (v <= 191).then_some(n + 2)
}

fn digits(s: &[u8], n: usize) -> bool {
    s.len() >= n && s[..n].iter().all(u8::is_ascii_digit)
}

/// `Mmm dd HH:MM:SS[.frac] `: the rest after the space.
fn bsd_time(s: &[u8]) -> Option<&[u8]> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    if s.len() < 16 || !MONTHS.iter().any(|m| &s[..3] == *m) || s[3] != b' ' {
        return None;
    }
    let day_ok = (s[4] == b' ' || s[4].is_ascii_digit()) && s[5].is_ascii_digit();
    let t = &s[7..];
    let clock = digits(t, 2) && t[2] == b':' && digits(&t[3..], 2) && t[5] == b':';
    if !(day_ok && s[6] == b' ' && clock && digits(&t[6..], 2)) {
        return None;
    }
    let mut i = 8;
    if t.get(i) == Some(&b'.') {
        let n = t[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        i += 1 + n;
    }
    (t.get(i) == Some(&b' ')).then(|| &t[i + 1..])
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HHMM|+HH:MM) `: the rest after the space.
fn iso_time(s: &[u8]) -> Option<&[u8]> {
    let end = iso_end(s)?;
    (s.get(end) == Some(&b' ')).then(|| &s[end + 1..])
}

/// The length of an RFC 3339 time at the start of `s`.
fn iso_end(s: &[u8]) -> Option<usize> {
    let shape = s.len() >= 19
        && digits(s, 4)
        && s[4] == b'-'
        && digits(&s[5..], 2)
        && s[7] == b'-'
        && digits(&s[8..], 2)
        && s[10] == b'T'
        && digits(&s[11..], 2)
        && s[13] == b':'
        && digits(&s[14..], 2)
        && s[16] == b':'
        && digits(&s[17..], 2);
    if !shape {
        return None;
    }
    let mut i = 19;
    if s.get(i) == Some(&b'.') {
        let n = s[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        i += 1 + n;
    }
    match s.get(i)? {
        b'Z' => Some(i + 1),
        b'+' | b'-' if digits(&s[i + 1..], 2) => {
            let z = &s[i + 3..];
            if digits(z, 2) {
                Some(i + 5)
            } else if z.first() == Some(&b':') && digits(&z[1..], 2) {
                Some(i + 6)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// `HOST TAG: ` where TAG is `prog`, `prog[pid]`: the host and the rest.
fn host_and_tag(s: &[u8]) -> Option<(&[u8], &[u8])> {
    let sp = memchr::memchr(b' ', s)?;
    let (host, rest) = (&s[..sp], &s[sp + 1..]);
    if host.is_empty() {
        return None;
    }
    let tag_end = memchr::memchr(b' ', rest)?;
    let tag = &rest[..tag_end];
    // The tag ends with a colon; a pid, if any, is in brackets before it.
    let name = tag.strip_suffix(b":")?;
    let name = match name.strip_suffix(b"]") {
        Some(n) => {
            let open = memchr::memrchr(b'[', n)?;
            if open == 0 || !n[open + 1..].iter().all(u8::is_ascii_digit) {
                return None;
            }
            &n[..open]
        }
        None => name,
    };
    if name.is_empty() || name.contains(&b'[') {
        return None;
    }
    Some((host, &rest[tag_end + 1..]))
}

/// RFC 5424: the host and the message.
fn rfc5424(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = pri(line)?;
    let s = line[at..].strip_prefix(b"1 ")?;
    // TIMESTAMP (or `-`), HOSTNAME, APP-NAME, PROCID, MSGID: one word each.
    let mut words = [&s[..0]; 5];
    let mut rest = s;
    for w in &mut words {
        let sp = memchr::memchr(b' ', rest)?;
        if sp == 0 {
            return None;
        }
        *w = &rest[..sp];
        rest = &rest[sp + 1..];
    }
    if words[0] != b"-" && iso_end(words[0]) != Some(words[0].len()) {
        return None;
    }
    // Structured data: `-`, or `[id param="value" ...]` elements back to back.
    let rest = if let Some(r) = rest.strip_prefix(b"-") {
        r
    } else {
        let mut i = 0;
        while rest.get(i) == Some(&b'[') {
            i = sd_element_end(rest, i)?;
        }
        if i == 0 {
            return None;
        }
        &rest[i..]
    };
    let msg = rest.strip_prefix(b" ")?;
    let msg = msg.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(msg);
    Some((words[1], msg))
}

/// The end (exclusive) of the SD element starting at `at` (a `[`):
/// `[ID NAME="VALUE" ...]`, names without ` =]"`, values with `\"`, `\]`
/// and `\\` escapes.
fn sd_element_end(s: &[u8], at: usize) -> Option<usize> {
    let name = |i: usize| {
        let n = s[i..]
            .iter()
            .take_while(|&&b| b > b' ' && b < 0x7f && !matches!(b, b'=' | b']' | b'"'))
            .count();
        (n > 0).then_some(i + n)
    };
    let mut i = name(at + 1)?;
    loop {
        match s.get(i)? {
            b']' => return Some(i + 1),
            b' ' => {
                i = name(i + 1)?;
                if s.get(i..i + 2)? != b"=\"" {
                    return None;
                }
                i += 2;
                loop {
                    match s.get(i)? {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &[u8] =
        b"1.2.3.4 - - [15/Sep/2021:16:13:46 +0200] \"GET / HTTP/1.1\" 200 5 \"-\" \"ua\"";

    fn strip(k: Kind, prefix: &str) -> Option<(Vec<u8>, Vec<u8>)> {
        let mut l = prefix.as_bytes().to_vec();
        l.extend_from_slice(LINE);
        k.strip(&l).map(|(h, r)| (h.to_vec(), r.to_vec()))
    }

    #[test]
    fn each_kind_strips_its_prefix() {
        let ok = |k, p: &str, host: &str| {
            let (h, r) = strip(k, p).unwrap_or_else(|| panic!("{p:?}"));
            assert_eq!((h, r), (host.as_bytes().to_vec(), LINE.to_vec()), "{p:?}");
        };
        ok(
            Kind::Rfc3164,
            "Sep 15 16:13:46 web-3 nginx[2869]: ",
            "web-3",
        );
        ok(Kind::Rfc3164, "<190>Sep  5 16:13:46 web-3 nginx: ", "web-3");
        ok(
            Kind::Rfc3164,
            "Sep 05 16:13:46.123456 web-3 nginx[1]: ",
            "web-3",
        );
        ok(
            Kind::Iso,
            "2021-09-15T16:13:46+0200 web-3 nginx[2869]: ",
            "web-3",
        );
        ok(
            Kind::Iso,
            "2021-09-15T16:13:46.123456+02:00 web-3 nginx: ",
            "web-3",
        );
        ok(
            Kind::Rfc5424,
            "<190>1 2021-09-15T16:13:46.1Z web-3 nginx 2869 - - ",
            "web-3",
        );
        ok(
            Kind::Rfc5424,
            "<190>1 2021-09-15T16:13:46Z web-3 nginx - ID7 [a@1 x=\"q\\]\\\" [y\"][b@2] \u{feff}",
            "web-3",
        );
    }

    #[test]
    fn lookalikes_are_not_prefixes() {
        for p in [
            "Sep 15 16:13:46 web-3 ",
            "Sep 15 16:13:46  nginx: ",
            "Foo 15 16:13:46 web-3 nginx: ",
            "Sep 15 16:13 web-3 nginx: ",
            "<999>Sep 15 16:13:46 web-3 nginx: ",
            "Sep 15 16:13:46 web-3 nginx[x]: ",
        ] {
            assert!(strip(Kind::Rfc3164, p).is_none(), "{p:?}");
        }
        assert!(strip(Kind::Iso, "2021-09-15 16:13:46 web-3 nginx: ").is_none());
        assert!(strip(
            Kind::Rfc5424,
            "<190>1 2021-09-15T16:13:46Z web-3 nginx - - [a "
        )
        .is_none());
        assert!(!has_prefix(LINE));
    }
}

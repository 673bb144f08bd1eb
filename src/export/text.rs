//! Writing a row's values as JSON text, fast: strings with JSON's own
//! escapes, integers, RFC 3339 times and addresses, straight into a byte
//! buffer.
//!
//! A string holds the log's text itself. Bytes that are not UTF-8 cannot be
//! in a JSON string: each such run becomes U+FFFD, and the caller adds the
//! raw bytes in base64 beside it (see [`json_str`]), so nothing is lost.

use std::io::Write;
use std::net::IpAddr;

use crate::format::time::write_utc;

/// How each byte below 0x80 is written in a JSON string: 0 as itself, else
/// the letter after `\`, or `u` for `\u00XX`.
static ESCAPE: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Writes `s` as a JSON string. False when `s` is not all UTF-8: the
/// string then holds U+FFFD for each bad run, and the raw bytes need a
/// `_b64` companion.
#[inline]
pub fn json_str(out: &mut Vec<u8>, s: &[u8]) -> bool {
    out.push(b'"');
    // Most fields need nothing: one pass without an early exit (which the
    // compiler turns into vector code) tells, and they are copied whole.
    let plain = !s.iter().fold(false, |any, &b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\') | (b >= 0x80)
    });
    if plain {
        out.extend_from_slice(s);
        out.push(b'"');
        return true;
    }
    let whole = if s.is_ascii() {
        escape_valid(out, s);
        true
    } else {
        let mut whole = true;
        for part in s.utf8_chunks() {
            escape_valid(out, part.valid().as_bytes());
            if !part.invalid().is_empty() {
                out.extend_from_slice("\u{FFFD}".as_bytes());
                whole = false;
            }
        }
        whole
    };
    out.push(b'"');
    whole
}

/// Escapes valid UTF-8: only `"`, `\` and controls need it.
#[inline]
fn escape_valid(out: &mut Vec<u8>, s: &[u8]) {
    let mut start = 0;
    for (i, &b) in s.iter().enumerate() {
        let e = if b < 0x80 { ESCAPE[b as usize] } else { 0 };
        if e == 0 {
            continue;
        }
        out.extend_from_slice(&s[start..i]);
        if e == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 15) as usize],
            ]);
        } else {
            out.extend_from_slice(&[b'\\', e]);
        }
        start = i + 1;
    }
    out.extend_from_slice(&s[start..]);
}

/// Standard base64 (RFC 4648, with padding), as a JSON string.
pub fn base64_str(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    base64(out, s);
    out.push(b'"');
}

/// Standard base64 (RFC 4648, with padding).
pub fn base64(out: &mut Vec<u8>, s: &[u8]) {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for c in s.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        out.push(A[(n >> 18) as usize & 63]);
        out.push(A[(n >> 12) as usize & 63]);
        out.push(if c.len() > 1 {
            A[(n >> 6) as usize & 63]
        } else {
            b'='
        });
        out.push(if c.len() > 2 {
            A[n as usize & 63]
        } else {
            b'='
        });
    }
}

/// `s` as UTF-8, each run of bytes that is not becoming U+FFFD. False when
/// there was such a run.
pub fn utf8_lossy(out: &mut Vec<u8>, s: &[u8]) -> bool {
    if s.is_ascii() {
        out.extend_from_slice(s);
        return true;
    }
    let mut whole = true;
    for part in s.utf8_chunks() {
        out.extend_from_slice(part.valid().as_bytes());
        if !part.invalid().is_empty() {
            out.extend_from_slice("\u{FFFD}".as_bytes());
            whole = false;
        }
    }
    whole
}

/// A decimal integer.
#[inline]
pub fn uint(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// An address in its canonical text form.
#[inline]
pub fn ip(out: &mut Vec<u8>, a: IpAddr) {
    match a {
        IpAddr::V4(v4) => {
            for (i, o) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push(b'.');
                }
                uint(out, o as u64);
            }
        }
        IpAddr::V6(v6) => {
            let _ = write!(out, "{v6}");
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for milliseconds since the epoch (UTC).
pub fn rfc3339_ms(out: &mut Vec<u8>, ms: i64) {
    write_utc(out, ms.div_euclid(1000));
    let milli = ms.rem_euclid(1000) as u32;
    out.extend_from_slice(&[
        b'.',
        b'0' + (milli / 100) as u8,
        b'0' + (milli / 10 % 10) as u8,
        b'0' + (milli % 10) as u8,
        b'Z',
    ]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(b: &[u8]) -> (String, bool) {
        let mut out = Vec::new();
        let whole = json_str(&mut out, b);
        (String::from_utf8(out).unwrap(), whole)
    }

    #[test]
    fn strings_are_json() {
        assert_eq!(s(b"a\"b\\c"), (r#""a\"b\\c""#.into(), true));
        assert_eq!(s(b"\0\x1f\n\t"), (r#""\u0000\u001f\n\t""#.into(), true));
        assert_eq!(s("é€".as_bytes()), ("\"é€\"".into(), true));
        assert_eq!(s(b"a\xffb\xc3"), ("\"a\u{FFFD}b\u{FFFD}\"".into(), false));
        // A backslash the server wrote stays a backslash.
        let (t, _) = s(br"\x16\x03");
        assert_eq!(serde_json::from_str::<String>(&t).unwrap(), r"\x16\x03");
        for b in 0u8..=255 {
            let (t, whole) = s(&[b'x', b, b'y']);
            let back: String = serde_json::from_str(&t).unwrap();
            assert_eq!(whole, b < 0x80);
            if whole {
                assert_eq!(back.as_bytes(), [b'x', b, b'y']);
            }
        }
    }

    #[test]
    fn base64_is_standard() {
        let b = |x: &[u8]| {
            let mut out = Vec::new();
            base64_str(&mut out, x);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(b(b""), "\"\"");
        assert_eq!(b(b"f"), "\"Zg==\"");
        assert_eq!(b(b"fo"), "\"Zm8=\"");
        assert_eq!(b(b"foo"), "\"Zm9v\"");
        assert_eq!(b(b"\xff\x00\xfe"), "\"/wD+\"");
    }

    #[test]
    fn times_and_numbers() {
        let t = |ms| {
            let mut out = Vec::new();
            rfc3339_ms(&mut out, ms);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(t(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(t(1_608_836_313_123), "2020-12-24T18:58:33.123Z");
        assert_eq!(t(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(t(-1), "1969-12-31T23:59:59.999Z");
        let mut out = Vec::new();
        uint(&mut out, 0);
        out.push(b' ');
        uint(&mut out, u64::MAX);
        assert_eq!(out, b"0 18446744073709551615");
        let mut out = Vec::new();
        ip(&mut out, "10.0.255.1".parse().unwrap());
        assert_eq!(out, b"10.0.255.1");
    }
}

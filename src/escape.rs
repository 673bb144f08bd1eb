//! Making log text safe to show. Attackers write much of a log line; nothing
//! from it may reach a terminal, CSV or JSON consumer as a control sequence.
//!
//! The scheme, used everywhere alf prints log text:
//! - printable ASCII and printable Unicode pass through (a backslash too, so
//!   text a server already escaped, like `\x16`, shows as it was logged);
//! - bytes 0x00–0x1F, 0x7F, and bytes that are not valid UTF-8 become `\xNN`;
//! - C1 controls, bidi marks, overrides and isolates, zero-width and other
//!   invisible format characters (soft hyphen, tag characters...), line/paragraph
//!   separators become `\u{NNNN}`.

use std::fmt::Write;

/// Code points shown escaped although valid: they reorder or hide text.
fn is_sneaky(c: char) -> bool {
    matches!(c as u32,
        0x80..=0x9F            // C1 controls
        | 0xAD                 // soft hyphen
        | 0x061C               // Arabic letter mark
        | 0x180E               // Mongolian vowel separator
        | 0x200B..=0x200F      // zero width, LRM/RLM
        | 0x2028 | 0x2029      // line/paragraph separators
        | 0x202A..=0x202E      // bidi embeddings/overrides
        | 0x2060..=0x2064      // word joiner, invisible operators
        | 0x2066..=0x2069      // bidi isolates
        | 0x206A..=0x206F      // deprecated format controls
        | 0xFEFF               // BOM / zero width no-break space
        | 0xFFF9..=0xFFFB      // interlinear annotations
        | 0xE0001..=0xE007F) // tag characters
}

/// Escapes arbitrary bytes into printable, valid UTF-8 text.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    escape_into(bytes, &mut out);
    out
}

pub fn escape_into(mut bytes: &[u8], out: &mut String) {
    // Fast path: plain printable ASCII, the common case.
    if bytes.iter().all(|&b| (0x20..0x7f).contains(&b)) {
        out.push_str(std::str::from_utf8(bytes).unwrap_or_default());
        return;
    }
    while !bytes.is_empty() {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                push_str(s, out);
                return;
            }
            Err(e) => {
                let (good, bad) = bytes.split_at(e.valid_up_to());
                push_str(std::str::from_utf8(good).unwrap_or_default(), out);
                let n = e.error_len().unwrap_or(bad.len());
                for b in &bad[..n] {
                    let _ = write!(out, "\\x{b:02x}");
                }
                bytes = &bad[n..];
            }
        }
    }
}

fn push_str(s: &str, out: &mut String) {
    for c in s.chars() {
        if (c as u32) < 0x20 || c as u32 == 0x7f {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else if is_sneaky(c) {
            let _ = write!(out, "\\u{{{:04x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
}

/// Text from a log, kept as its bytes, for reports read by programs as well
/// as people. Shown (`Display`, [`LogText::shown`]) it is escaped as above;
/// in JSON it is the text itself, with JSON's own escapes (a NUL byte is
/// `\u0000`, the four characters `\x00` stay four characters), bytes that are
/// not valid UTF-8 as U+FFFD, and the raw bytes recoverable from a companion
/// `FIELD_b64` field ([`LogText::b64`]), present only when needed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogText(Box<[u8]>);

impl LogText {
    pub fn new(bytes: &[u8]) -> LogText {
        LogText(bytes.into())
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// The escaped form, for terminals, CSV, Markdown and HTML.
    pub fn shown(&self) -> String {
        escape(&self.0)
    }

    /// The bytes in standard base64 when they are not valid UTF-8 (the JSON
    /// string then holds U+FFFD in their place), else `None`.
    pub fn b64(&self) -> Option<String> {
        std::str::from_utf8(&self.0)
            .is_err()
            .then(|| base64(&self.0))
    }
}

impl std::fmt::Display for LogText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown())
    }
}

impl serde::Serialize for LogText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&String::from_utf8_lossy(&self.0))
    }
}

/// Standard base64 (RFC 4648, with padding).
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A writer of JSON made safe to inline in HTML and to show on a terminal:
/// `<`, `>` and `&` become `\u003c`, `\u003e` and `\u0026`, and DEL, C1
/// controls and the invisible or reordering characters [`escape`] marks
/// become `\uNNNN` escapes too (a surrogate pair above U+FFFF). In JSON all
/// of these can only occur inside strings, where the escapes mean the same
/// characters, so the text a parser reads back is unchanged. serde_json
/// writes a string in pieces cut only at ASCII bytes it escapes, so every
/// piece holds whole characters; a piece that is not UTF-8 (none should be)
/// has only its ASCII replaced.
pub struct HtmlSafe<W: std::io::Write>(pub W);

impl<W: std::io::Write> std::io::Write for HtmlSafe<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut start = 0;
        let mut i = 0;
        let utf8 = std::str::from_utf8(buf).ok();
        while i < buf.len() {
            let b = buf[i];
            let (len, esc): (usize, Option<u32>) = match b {
                b'<' | b'>' | b'&' | 0x7f => (1, Some(b as u32)),
                0..=0x7e => (1, None),
                _ => match utf8.and_then(|s| s[i..].chars().next()) {
                    Some(c) => (c.len_utf8(), is_sneaky(c).then_some(c as u32)),
                    None => (1, None),
                },
            };
            if let Some(cp) = esc {
                self.0.write_all(&buf[start..i])?;
                let mut units = [0u16; 2];
                let c = char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER);
                for u in c.encode_utf16(&mut units) {
                    write!(self.0, "\\u{:04x}", u)?;
                }
                start = i + len;
            }
            i += len;
        }
        self.0.write_all(&buf[start..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Writes `v` as pretty JSON made safe to inline in HTML (see [`HtmlSafe`]),
/// and a newline, without building the document in memory.
pub fn write_json<T: serde::Serialize>(w: impl std::io::Write, v: &T) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = HtmlSafe(std::io::BufWriter::with_capacity(1 << 16, w));
    serde_json::to_writer_pretty(&mut out, v).map_err(json_io)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// A JSON writer's error as an I/O error of the same kind, so that a closed
/// pipe (`alf -o json | head`) is still one.
pub fn json_io(e: serde_json::Error) -> std::io::Error {
    match e.io_error_kind() {
        Some(kind) => std::io::Error::new(kind, e),
        None => std::io::Error::other(e),
    }
}

/// A word for a POSIX shell: as it is when it holds only characters no shell
/// treats specially, else in single quotes (a `'` inside written `'\''`).
/// Log text never reaches this: it quotes what the user typed.
pub fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-./:=@%+,".contains(&b));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Escapes, then cuts to at most `width` display columns with an ellipsis.
pub fn escape_width(bytes: &[u8], width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let s = escape(bytes);
    let mut w = 0;
    for (i, c) in s.char_indices() {
        w += c.width().unwrap_or(0);
        // The last character may take the column kept for the ellipsis,
        // if it fits: a wide one may not.
        let last = i + c.len_utf8() == s.len();
        if w > width || (w > width.saturating_sub(1) && !last) {
            let mut t = s[..i].to_string();
            t.push('…');
            return t;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(s: &str) -> bool {
        s.chars()
            .all(|c| (c as u32) >= 0x20 && c as u32 != 0x7f && !is_sneaky(c))
    }

    #[test]
    fn escapes_controls_and_invalid_utf8() {
        let e = escape(b"\x1b[2J\x1b]0;pwned\x07 ok");
        assert_eq!(e, "\\x1b[2J\\x1b]0;pwned\\x07 ok");
        assert_eq!(escape(b"a\xffb"), "a\\xffb");
        assert_eq!(
            escape("x\u{202e}y\u{9b}".as_bytes()),
            "x\\u{202e}y\\u{009b}"
        );
        assert_eq!(escape(b"\x9b"), "\\x9b");
        assert_eq!(escape(br"\x16\x03"), r"\x16\x03");
        assert_eq!(escape("日本 ✓".as_bytes()), "日本 ✓");
        assert_eq!(
            escape("a\u{ad}b\u{e0041}c".as_bytes()),
            "a\\u{00ad}b\\u{e0041}c"
        );
        for s in [
            escape(b"\t\r\n\0"),
            escape("\u{2066}\u{200b}".as_bytes()),
            escape("\u{061c}\u{206a}\u{206f}\u{e0001}\u{e007f}\u{ad}\u{180e}".as_bytes()),
        ] {
            assert!(clean(&s), "{s:?}");
        }
    }

    #[test]
    fn html_safe_json_escapes_markup_and_invisibles() {
        use std::io::Write;
        let mut out = HtmlSafe(Vec::new());
        out.write_all("{\"a\":\"</script>&é\"}".as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(out.0).unwrap(),
            "{\"a\":\"\\u003c/script\\u003e\\u0026é\"}"
        );
        let text = "x\u{7f}\u{9b}\u{202e}\u{ad}\u{e0041}日y";
        let mut out = HtmlSafe(Vec::new());
        serde_json::to_writer(&mut out, &text).unwrap();
        let json = String::from_utf8(out.0).unwrap();
        assert_eq!(json, r#""x\u007f\u009b\u202e\u00ad\udb40\udc41日y""#);
        assert_eq!(serde_json::from_str::<String>(&json).unwrap(), text);
    }

    #[test]
    fn log_text_is_lossless_in_json() {
        let nul = serde_json::to_string(&LogText::new(b"a\0b")).unwrap();
        let text = serde_json::to_string(&LogText::new(br"a\x00b")).unwrap();
        assert_eq!(nul, r#""a\u0000b""#);
        assert_eq!(text, r#""a\\x00b""#);
        assert_eq!(
            LogText::new(b"a\0b").shown(),
            LogText::new(br"a\x00b").shown()
        );
        assert_eq!(LogText::new(b"ok").b64(), None);
        assert_eq!(
            LogText::new(b"\xff\xfeab").b64().as_deref(),
            Some("//5hYg==")
        );
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn shell_words() {
        assert_eq!(shell_word("access_log"), "access_log");
        assert_eq!(shell_word("10.0.0.0/8"), "10.0.0.0/8");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("$(id)"), "'$(id)'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn width_cut_is_char_safe() {
        let ua = "日本語".repeat(10_000);
        let s = escape_width(ua.as_bytes(), 21);
        assert!(s.ends_with('…'));
        assert!(unicode_width::UnicodeWidthStr::width(s.as_str()) <= 21);
        assert_eq!(escape_width(b"short", 10), "short");
    }
}

//! The escapers: whatever the bytes, the text shown is valid UTF-8 with no
//! control byte, C1 control, bidi or zero-width character; plain printable
//! ASCII passes unchanged; a width cut fits its width; a shell word unquotes
//! to what was quoted; HTML-safe JSON holds no `<`, `>` or `&` and reads
//! back as the same string.
#![no_main]

use std::io::Write;

use alf::escape::{escape, escape_width, shell_word, write_json, HtmlSafe};
use libfuzzer_sys::fuzz_target;
use unicode_width::UnicodeWidthChar;

fn hidden(c: char) -> bool {
    matches!(c as u32,
        0..=0x1f | 0x7f..=0x9f | 0x200b..=0x200f | 0x2028..=0x202e
        | 0x2060..=0x2064 | 0x2066..=0x2069 | 0xfeff | 0xfff9..=0xfffb)
}

/// What `sh` makes of a word: single-quoted runs and bare text, joined.
fn unquote(w: &str) -> String {
    let mut out = String::new();
    let mut rest = w;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("'") {
            let end = r.find('\'').expect("an unterminated quote");
            out.push_str(&r[..end]);
            rest = &r[end + 1..];
        } else if let Some(r) = rest.strip_prefix("\\'") {
            out.push('\'');
            rest = r;
        } else {
            let c = rest.chars().next().unwrap();
            assert!(
                c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c),
                "{c:?} bare in {w:?}"
            );
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&w, bytes)) = data.split_first() else {
        return;
    };
    let e = escape(bytes);
    assert!(!e.chars().any(hidden), "{e:?}");
    if bytes.iter().all(|b| (0x20..0x7f).contains(b)) {
        assert_eq!(e.as_bytes(), bytes);
    }
    let cut = escape_width(bytes, usize::from(w));
    // Columns as escape_width counts them: character by character.
    let cols: usize = cut.chars().map(|c| c.width().unwrap_or(0)).sum();
    assert!(cols <= usize::from(w).max(1), "{cut:?} over {w}");
    let kept = cut.strip_suffix('…').unwrap_or(&cut);
    assert!(e.starts_with(kept), "{cut:?} is not a head of {e:?}");

    let text = String::from_utf8_lossy(bytes);
    let word = shell_word(&text);
    assert_eq!(unquote(&word), text);

    let mut safe = HtmlSafe(Vec::new());
    for piece in bytes.chunks(usize::from(w).max(1)) {
        safe.write_all(piece).unwrap();
    }
    let out = safe.0;
    assert!(!out.iter().any(|b| b"<>&".contains(b)));
    let mut json = Vec::new();
    let t: &str = &text;
    write_json(&mut json, &t).unwrap();
    assert!(!json.iter().any(|b| b"<>&".contains(b)));
    let back: String = serde_json::from_slice(&json).unwrap();
    assert_eq!(back, text);
});

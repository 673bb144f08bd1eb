//! Inputs the fuzz targets (`fuzz/`, README: Fuzzing) found to break alf,
//! each fed to the function that failed, with what was wrong.

use alf::format::time::parse_epoch_secs;

/// `timestamps`: epoch seconds past `u32::MAX` (after 2106) overflowed the
/// digit accumulator: a panic with overflow checks, and without them a time
/// wrapped round to the 1970s. A fraction longer than nine digits overflowed
/// it too, though its value is dropped.
#[test]
fn epoch_seconds_past_u32_do_not_wrap() {
    assert_eq!(parse_epoch_secs(b"7100000000"), Some(7_100_000_000));
    assert_eq!(parse_epoch_secs(b"4294967296.5"), Some(4_294_967_296));
    // The last second alf prints (9999-12-31T23:59:59Z), and one past it.
    assert_eq!(parse_epoch_secs(b"253402300799"), Some(253_402_300_799));
    assert_eq!(parse_epoch_secs(b"999999999999"), None);
    assert_eq!(
        parse_epoch_secs(b"1700000000.12345678901234567890"),
        Some(1_700_000_000)
    );
    assert_eq!(parse_epoch_secs(b"1700000000.x"), None);
}

/// `timestamps`: `--error-tz` cut the text after the sign at byte 2, which
/// could fall inside a character (`+aé1`): a panic on what the user typed.
#[test]
fn a_utc_offset_that_is_not_ascii_is_refused() {
    use alf::format::time::parse_offset;
    for s in ["+aé1", "+喝0", "-0é:0", "+é"] {
        assert!(parse_offset(s).is_err(), "{s}");
    }
    assert_eq!(parse_offset("+09:00"), Ok(9 * 3600));
}

/// `escape`: a cut kept its last character even when that character was
/// wide and did not fit: `a日` cut to two columns stayed three wide, and a
/// table column overflowed.
#[test]
fn a_wide_last_character_is_cut_to_the_width() {
    use alf::escape::escape_width;
    use unicode_width::UnicodeWidthStr;
    assert_eq!(escape_width("a日".as_bytes(), 2), "a…");
    assert_eq!(escape_width("日".as_bytes(), 1), "…");
    assert_eq!(escape_width("日".as_bytes(), 2), "日");
    assert_eq!(escape_width("ab".as_bytes(), 2), "ab");
    for w in 1..8 {
        let s = escape_width("x日本語".as_bytes(), w);
        assert!(s.width() <= w, "{s:?} over {w}");
    }
}

/// `format_compile`: nginx's `$request_time` (seconds with a fraction) past
/// 18,446,744,073,709 s saturated its whole seconds to `u64::MAX` µs and
/// then added the fraction: a panic with overflow checks, and without them
/// a duration wrapped round to a few microseconds.
#[test]
fn a_huge_request_time_saturates() {
    use alf::format::{AccessFormat, Dialect, Format};
    use alf::record::Record;
    let f = AccessFormat::compile("$remote_addr $request_time", Dialect::Nginx).expect("compiles");
    let f = Format::Access(f);
    for (line, us) in [
        ("203.0.113.9 99999999999999999.999", u64::MAX),
        (
            "203.0.113.9 18446744073709.551615",
            18_446_744_073_709_551_615,
        ),
        ("203.0.113.9 0.250", 250_000),
    ] {
        let mut rec = Record::default();
        f.parse(line.as_bytes(), &mut rec).expect("parses");
        assert_eq!(rec.duration_us, Some(us), "{line}");
    }
}

/// `format_compile`: between the quoted strings of an nginx `log_format`,
/// whitespace was skipped a byte at a time, and U+0085 (NEL, whitespace to
/// Rust, two bytes in UTF-8) was cut in half: a panic on what the user
/// typed as `--nginx-format`.
#[test]
fn wide_whitespace_between_nginx_strings_is_skipped() {
    use alf::format::{AccessFormat, Dialect};
    for src in [
        "\" \"\u{85}    \" ",
        "'$remote_addr '\u{a0}'$status'",
        "log_format x '$remote_addr'\u{85}\u{2003}'$status';",
    ] {
        // Compiled or refused, never a panic.
        let _ = AccessFormat::compile(src, Dialect::Nginx);
    }
    let f = AccessFormat::compile("'$remote_addr '\u{85}'$status'", Dialect::Nginx)
        .expect("two strings with a NEL between");
    let f = alf::format::Format::Access(f);
    let mut rec = alf::record::Record::default();
    f.parse(b"203.0.113.9 404", &mut rec).expect("parses");
    assert_eq!(rec.status, Some(404));
}

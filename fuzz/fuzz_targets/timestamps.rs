//! The timestamp parsers, against chrono where chrono reads the same shape:
//! a time alf accepts is the time chrono reads (a leap second aside: alf
//! folds `:60` onto the next second). The epoch parsers are checked against
//! `str::parse`. The first byte picks the parser; for `%{...}t` the pattern
//! comes first, up to a newline. Also the UTC offsets and durations a user
//! types, and the text of any epoch time.
#![no_main]

use alf::format::time::{
    format_utc, offset_text, parse_clf, parse_ctime, parse_duration, parse_epoch_scaled,
    parse_epoch_secs, parse_iso8601, parse_nginx_error, parse_offset, parse_strftime,
    written_offset, LocalZone,
};
use alf_fuzz::split_at_byte;
use chrono::{DateTime, NaiveDateTime};
use libfuzzer_sys::fuzz_target;

/// The seconds field at `at`, when it reads `60`.
fn leap(b: &[u8], at: usize) -> bool {
    b.get(at..at + 2) == Some(b"60")
}

fn same_as(ours: Option<i64>, theirs: Option<i64>, b: &[u8]) {
    if let Some(t) = ours {
        assert_eq!(Some(t), theirs, "{:?}", String::from_utf8_lossy(b));
    }
}

fn iso_for_chrono(b: &[u8]) -> Option<String> {
    let mut s = String::from_utf8(b.to_vec()).ok()?;
    s.replace_range(10..11, "T");
    // chrono's RFC 3339 wants `+hh:mm`.
    let z = s.len().checked_sub(5)?;
    if s.is_char_boundary(z) && matches!(&s[z..z + 1], "+" | "-") && !s[z..].contains(':') {
        s.insert(z + 3, ':');
    }
    Some(s)
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, b)) = data.split_first() else {
        return;
    };
    let text = std::str::from_utf8(b).ok();
    match pick % 12 {
        0 => {
            let t = parse_clf(b);
            if !leap(b, 18) {
                let c = text.and_then(|s| DateTime::parse_from_str(s, "%d/%b/%Y:%H:%M:%S %z").ok());
                same_as(t, c.map(|d| d.timestamp()), b);
            }
            // Twice: the second reading comes from the per-thread day cache.
            assert_eq!(parse_clf(b), t);
        }
        1 => {
            let t = parse_iso8601(b);
            if t.is_some() && !leap(b, 17) {
                let c = iso_for_chrono(b).and_then(|s| DateTime::parse_from_rfc3339(&s).ok());
                same_as(t, c.map(|d| d.timestamp()), b);
            }
        }
        2 => {
            if let Some(t) = parse_epoch_secs(b) {
                let s = text.unwrap();
                let int = s.split('.').next().unwrap();
                assert_eq!(Some(t), int.parse::<i64>().ok(), "{s:?}");
            }
        }
        3 => {
            for per in [1000, 1_000_000] {
                if let Some(t) = parse_epoch_scaled(b, per) {
                    assert_eq!(Some(t), text.unwrap().parse::<i64>().ok().map(|v| v / per));
                }
            }
        }
        4 => {
            let t = parse_ctime(b);
            if !leap(b, 17) {
                let c = text
                    .and_then(|s| NaiveDateTime::parse_from_str(s, "%a %b %e %H:%M:%S%.f %Y").ok());
                if let (Some(t), Some(c)) = (t, c) {
                    // chrono also checks the weekday, which alf ignores.
                    assert_eq!(t, c.and_utc().timestamp(), "{text:?}");
                }
            }
        }
        5 => {
            let t = parse_nginx_error(b);
            if !leap(b, 17) {
                let c =
                    text.and_then(|s| NaiveDateTime::parse_from_str(s, "%Y/%m/%d %H:%M:%S").ok());
                same_as(t, c.map(|d| d.and_utc().timestamp()), b);
            }
        }
        6 => {
            let (pattern, value) = split_at_byte(b, b'\n');
            if let Ok(p) = std::str::from_utf8(pattern) {
                let _ = parse_strftime(value, p);
            }
        }
        7 => {
            if let Some(off) = written_offset(b) {
                assert!(off.abs() <= 14 * 3600 + 59 * 60);
            }
        }
        8 => {
            if let Some(s) = text {
                if let Ok(off) = parse_offset(s) {
                    assert!(off.abs() <= 14 * 3600 + 59 * 60);
                    assert_eq!(parse_offset(&offset_text(off)), Ok(off));
                }
            }
        }
        9 => {
            if let Some(s) = text {
                if let Ok(d) = parse_duration(s) {
                    assert!(d >= 0);
                }
            }
        }
        _ => {
            if b.len() >= 16 {
                let x = i64::from_le_bytes(b[..8].try_into().unwrap());
                let off = i64::from_le_bytes(b[8..16].try_into().unwrap()) % (15 * 3600);
                let _ = format_utc(x);
                // Local times come from parsed fields: four-digit years.
                let _ = LocalZone::fixed(off).utc(x % 400_000_000_000);
            }
        }
    }
});

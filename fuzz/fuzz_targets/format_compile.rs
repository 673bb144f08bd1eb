//! The format-string compiler, both dialects: any string compiles or is
//! refused (never a panic), and a compiled format reads any line. The first
//! byte picks the dialect; then the format string, up to a newline; then
//! lines. Records are checked as in `access_line`.
#![no_main]

use alf::format::{AccessFormat, Dialect, Format};
use alf::record::Record;
use alf_fuzz::{check_fields, split_at_byte};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let dialect = if pick & 1 == 0 {
        Dialect::Apache
    } else {
        Dialect::Nginx
    };
    let (src, text) = split_at_byte(rest, b'\n');
    let Ok(src) = std::str::from_utf8(src) else {
        return;
    };
    let Ok(f) = AccessFormat::compile(src, dialect) else {
        return;
    };
    let f = Format::Access(f);
    for line in text.split(|&b| b == b'\n') {
        let mut rec = Record::default();
        let fast = f.parse(line, &mut rec).is_ok();
        if fast {
            check_fields(line, &rec);
        }
        let mut rec = Record::default();
        let general = f.parse_measured(line, &mut rec).is_ok();
        if general {
            check_fields(line, &rec);
        }
        assert_eq!(
            fast,
            general,
            "{src:?} on {:?}",
            String::from_utf8_lossy(line)
        );
    }
});

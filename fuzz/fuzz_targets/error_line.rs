//! Both error-log parsers (Apache 1.3 to 2.4 and nginx), as written and
//! behind each syslog prefix. The first byte picks the reading; the rest is
//! lines. Every record's fields are slices of its line, and its client is a
//! canonical address or text that is none.
#![no_main]

use alf::format::syslog::{has_prefix, Kind};
use alf::format::Format;
use alf::record::Record;
use alf_fuzz::check_fields;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, text)) = data.split_first() else {
        return;
    };
    let inner = if pick & 1 == 0 {
        Format::ApacheError
    } else {
        Format::NginxError
    };
    let format = match (pick >> 1) & 3 {
        0 => inner,
        k => Format::Syslog(Kind::ALL[usize::from(k - 1)], Box::new(inner)),
    };
    for line in text.split(|&b| b == b'\n') {
        let mut rec = Record::default();
        if format.parse(line, &mut rec).is_ok() {
            check_fields(line, &rec);
        }
        let mut rec = Record::default();
        if format.parse_measured(line, &mut rec).is_ok() {
            check_fields(line, &rec);
        }
        let prefixed = has_prefix(line);
        for k in Kind::ALL {
            if let Some((host, rest)) = k.strip(line) {
                assert!(prefixed);
                let r = line.as_ptr_range();
                for part in [host, rest] {
                    let p = part.as_ptr_range();
                    assert!(part.is_empty() || (r.start <= p.start && p.end <= r.end));
                }
            }
        }
    }
});

//! The access-log presets (each compiled Apache and nginx format), as
//! written and behind each syslog prefix, and format detection. The first
//! byte picks the reading; the rest is lines. Every record's fields are
//! slices of its line and its client is a canonical address or text that is
//! none; the fused Common Log Format head agrees with the general parser
//! (`Format::parse` takes the first, `parse_measured` only the second).
#![no_main]

use alf::format::syslog::Kind;
use alf::format::{detect, preset, Format, PRESETS};
use alf::record::Record;
use alf_fuzz::check_fields;
use libfuzzer_sys::fuzz_target;

const ACCESS: [&str; 8] = [
    "combined",
    "common",
    "vhost_combined",
    "combinedio",
    "nginx",
    "nginx_main",
    "nginx_vhost",
    "nginx_vhost_main",
];

fn same(a: &Record, b: &Record) -> bool {
    (
        a.client, a.ts, a.time, a.method, a.target, a.protocol, a.request,
    ) == (
        b.client, b.ts, b.time, b.method, b.target, b.protocol, b.request,
    ) && (
        a.status,
        a.bytes,
        a.referer,
        a.user_agent,
        a.vhost,
        a.duration_us,
        a.xff,
    ) == (
        b.status,
        b.bytes,
        b.referer,
        b.user_agent,
        b.vhost,
        b.duration_us,
        b.xff,
    )
}

fn read(f: &Format, line: &[u8]) {
    let mut fast = Record::default();
    let got = f.parse(line, &mut fast);
    if got.is_ok() {
        check_fields(line, &fast);
    }
    let mut general = Record::default();
    let measured = f.parse_measured(line, &mut general);
    if measured.is_ok() {
        check_fields(line, &general);
    }
    if let Format::Access(_) = f {
        assert_eq!(
            got.is_ok(),
            measured.is_ok(),
            "fast and general parsers disagree on {:?}",
            String::from_utf8_lossy(line)
        );
        if got.is_ok() {
            assert!(
                same(&fast, &general),
                "fast and general parsers read {:?} differently:\n{fast:?}\n{general:?}",
                String::from_utf8_lossy(line)
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, text)) = data.split_first() else {
        return;
    };
    assert_eq!(
        PRESETS.iter().filter(|p| ACCESS.contains(&p.name)).count(),
        8
    );
    let format = if pick == 0xff {
        match detect(text) {
            Some((_, f)) => f,
            None => return,
        }
    } else {
        let f = preset(ACCESS[usize::from(pick & 7)]).unwrap();
        match (pick >> 3) & 3 {
            0 => f,
            k => Format::Syslog(Kind::ALL[usize::from(k - 1)], Box::new(f)),
        }
    };
    for line in text.split(|&b| b == b'\n') {
        read(&format, line);
    }
});

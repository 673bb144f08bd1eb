//! The zone of error-log times, learnt from the access logs read with them.
//!
//! Error logs carry no zone, but a server writes them in the zone that its
//! access logs write down. Each access log is sampled at the first and last
//! record of the windows its format is detected from (spread over the file),
//! and where two samples of a mapped file disagree, the file is bisected to
//! the first record of the new offset: a change to or from summer time is
//! then placed to the line (the head of a stream, held in memory, is
//! bisected alike). In time order the samples must show one offset, or one
//! change of at most an hour found inside one file; anything else (servers
//! in different zones, or whose logs follow each other) is reported, and the
//! error-log times are left at UTC.

use crate::format::time::{written_offset, LocalZone};
use crate::format::{Format, Parsed};
use crate::record::Record;

/// A record's time (UTC) and the offset its line wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    pub ts: i64,
    pub offset: i64,
    /// The first record of a new offset in its file, found by bisection.
    pub change: bool,
}

/// What the samples say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Learnt {
    /// No access-log record wrote an offset.
    Nothing,
    /// Error-log times are local times of this zone.
    Zone(LocalZone),
    /// Offsets that no single zone explains, in time order, deduplicated.
    Mixed(Vec<i64>),
}

/// Samples of a mapped access log (`data`, read as `f`) at `windows`, which
/// are slices of `data`.
pub fn sample_mapped<'a>(
    f: &Format,
    data: &'a [u8],
    windows: impl Iterator<Item = &'a [u8]>,
) -> Vec<Sample> {
    let mut found: Vec<(usize, Sample)> = Vec::new();
    for w in windows {
        let at = w.as_ptr() as usize - data.as_ptr() as usize;
        found.extend(first_record(f, data, at, at + w.len()));
        found.extend(last_record(f, data, at, at + w.len()));
    }
    found.sort_by_key(|(pos, _)| *pos);
    found.dedup();
    // Between two neighbours that disagree, find the first record of the
    // later offset. The search keeps a record of the earlier offset at `lo`
    // and no record starting in [`lim`, `hi`), and halves (`lo`, `lim`) each
    // step, so it reads the span a bounded number of times however much of
    // it is garbage.
    let mut more = Vec::new();
    for pair in found.windows(2) {
        let ((mut lo, a), (mut hi, mut b)) = (pair[0], pair[1]);
        if a.offset == b.offset {
            continue;
        }
        let mut lim = hi;
        while lim > lo + 1 {
            let mid = lo + (lim - lo) / 2;
            match first_record(f, data, mid.max(lo + 1), lim) {
                Some((p, s)) if s.offset == a.offset => lo = p,
                Some((p, s)) => (hi, b, lim) = (p, s, p),
                None => lim = mid,
            }
        }
        more.push((hi, Sample { change: true, ..b }));
    }
    // A change found at a sampled record replaces that sample.
    found.extend(more);
    found.sort_by_key(|(pos, s)| (*pos, !s.change));
    found.dedup_by_key(|(pos, _)| *pos);
    found.into_iter().map(|(_, s)| s).collect()
}

/// Samples of the head of a stream (`bytes`, read as `f`), held in memory:
/// as for a map of it, in one window.
pub fn sample_head(f: &Format, bytes: &[u8]) -> Vec<Sample> {
    sample_mapped(f, bytes, std::iter::once(bytes))
}

/// What the samples of every access log say, together.
pub fn learn(mut samples: Vec<Sample>) -> Learnt {
    samples.sort_by_key(|s| s.ts);
    // Each run of one offset: the offset, and its first sample.
    let mut runs: Vec<(i64, Sample)> = Vec::new();
    for s in &samples {
        if runs.last().is_none_or(|r| r.0 != s.offset) {
            runs.push((s.offset, *s));
        }
    }
    match runs[..] {
        [] => Learnt::Nothing,
        [(o, _)] => Learnt::Zone(LocalZone::fixed(o)),
        // A change seen inside one file, by at most an hour (summer time;
        // half an hour in a few places). Logs of two servers that follow
        // each other, or further apart, are no change.
        [(before, _), (after, first)] if first.change && (before - after).abs() <= 3600 => {
            let change = first.ts;
            Learnt::Zone(LocalZone {
                before,
                after,
                change,
            })
        }
        _ => {
            let mut offsets: Vec<i64> = runs.iter().map(|r| r.0).collect();
            offsets.sort_unstable();
            offsets.dedup();
            Learnt::Mixed(offsets)
        }
    }
}

/// The first record that `f` parses among the lines that start in
/// [`from`, `to`) (a line starts at 0 or just past a newline), each read
/// whole, with where its line starts.
fn first_record(f: &Format, data: &[u8], from: usize, to: usize) -> Option<(usize, Sample)> {
    let to = to.min(data.len());
    let mut at = match from {
        0 => 0,
        _ => from - 1 + memchr::memchr(b'\n', data.get(from - 1..to)?)? + 1,
    };
    while at < to {
        let end = memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i);
        if let Some(s) = sample(f, &data[at..end]) {
            return Some((at, s));
        }
        at = end + 1;
    }
    None
}

/// The last record that `f` parses among the whole lines of
/// `data[from..to]`, with where its line starts.
fn last_record(f: &Format, data: &[u8], from: usize, to: usize) -> Option<(usize, Sample)> {
    let window = data.get(from..to.min(data.len()))?;
    let mut end = window.len();
    while end > 0 {
        let start = memchr::memrchr(b'\n', &window[..end - 1]).map_or(0, |i| i + 1);
        let line = &window[start..end];
        if let Some(s) = sample(f, line.strip_suffix(b"\n").unwrap_or(line)) {
            return Some((from + start, s));
        }
        end = start;
    }
    None
}

fn sample(f: &Format, line: &[u8]) -> Option<Sample> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut rec = Record::default();
    match f.parse(line, &mut rec) {
        Ok(Parsed::Ok) => Some(Sample {
            ts: rec.ts?,
            offset: written_offset(rec.time)?,
            change: false,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::preset;

    fn line(local: &str, zone: &str) -> String {
        format!("10.0.0.1 - - [{local} {zone}] \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\"\n")
    }

    /// A log that changes to winter time at 01:00 UTC on 26 Oct 2025.
    fn log() -> Vec<u8> {
        let mut s = String::new();
        for m in 0..60 {
            s += &line(&format!("26/Oct/2025:02:{m:02}:00"), "+0200");
        }
        s += "garbage\n";
        for m in 0..60 {
            s += &line(&format!("26/Oct/2025:02:{m:02}:30"), "+0100");
        }
        s.into_bytes()
    }

    #[test]
    fn a_mapped_log_is_bisected_to_the_change() {
        let f = preset("combined").unwrap();
        let data = log();
        // One window, as for a small file: its first and last records
        // disagree, and the bisection finds the first +0100 record.
        let got = learn(sample_mapped(&f, &data, std::iter::once(&data[..])));
        let change = 1_761_440_430; // 2025-10-26T01:00:30Z
        assert_eq!(
            got,
            Learnt::Zone(LocalZone {
                before: 7200,
                after: 3600,
                change
            })
        );
    }

    #[test]
    fn garbage_before_the_change_is_passed_over() {
        let f = preset("combined").unwrap();
        let mut s = String::new();
        for i in 0..20_000 {
            s += &line(
                &format!("26/Oct/2025:02:{:02}:{:02}", i / 60 % 60, i % 60),
                "+0200",
            );
        }
        s += &"not a record\n".repeat(20_000);
        s += &line("26/Oct/2025:02:00:00", "+0100");
        let data = s.into_bytes();
        let got = learn(sample_mapped(&f, &data, std::iter::once(&data[..])));
        let Learnt::Zone(z) = got else {
            panic!("{got:?}")
        };
        assert_eq!((z.before, z.after, z.change), (7200, 3600, 1_761_440_400));
    }

    #[test]
    fn one_offset_or_several() {
        let s = |ts, offset| Sample {
            ts,
            offset,
            change: false,
        };
        let found = |ts, offset| Sample {
            ts,
            offset,
            change: true,
        };
        assert_eq!(learn(vec![]), Learnt::Nothing);
        assert_eq!(
            learn(vec![s(5, 3600), s(1, 3600)]),
            Learnt::Zone(LocalZone::fixed(3600))
        );
        // Two servers interleaved in time: no one zone.
        assert_eq!(
            learn(vec![s(1, 0), s(2, 3600), s(3, 0)]),
            Learnt::Mixed(vec![0, 3600])
        );
        // One after the other, but further apart than summer time moves.
        assert_eq!(
            learn(vec![s(1, 32400), found(2, 3600)]),
            Learnt::Mixed(vec![3600, 32400])
        );
        // An hour apart, but not inside one file: two servers, perhaps.
        assert_eq!(
            learn(vec![s(1, -14400), s(2, -18000)]),
            Learnt::Mixed(vec![-18000, -14400])
        );
        assert_eq!(
            learn(vec![s(1, -14400), found(2, -18000), s(3, -18000)]),
            Learnt::Zone(LocalZone {
                before: -14400,
                after: -18000,
                change: 2
            })
        );
    }

    #[test]
    fn a_stream_head_is_bisected_too() {
        let f = preset("combined").unwrap();
        let data = log();
        let got = learn(sample_head(&f, &data));
        let Learnt::Zone(z) = got else {
            panic!("{got:?}")
        };
        assert_eq!(z.change, 1_761_440_430);
    }
}

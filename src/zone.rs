//! The zone of error-log times, learnt from the access logs read with them.
//!
//! Error logs carry no zone, but a server writes them in the zone that its
//! access logs write down. Each access log is sampled at the first and last
//! record of the windows its format is detected from (spread over the file),
//! and where two samples of a mapped file disagree, the file is bisected to
//! the first record of the new offset: a change to or from summer time is
//! then placed to the line. In time order the samples must show one offset,
//! or one change of at most an hour from one offset to another; anything
//! else (servers in different zones) is reported, and the error-log times
//! are left at UTC.

use crate::format::time::{written_offset, LocalZone};
use crate::format::{Format, Parsed};
use crate::record::Record;

/// A record's time (UTC) and the offset its line wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    pub ts: i64,
    pub offset: i64,
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
        more.push((hi, b));
    }
    found.extend(more);
    found.into_iter().map(|(_, s)| s).collect()
}

/// Samples of the head of a stream (`bytes`, read as `f`): its first and
/// last record.
pub fn sample_head(f: &Format, bytes: &[u8]) -> Vec<Sample> {
    first_record(f, bytes, 0, bytes.len())
        .into_iter()
        .chain(last_record(f, bytes, 0, bytes.len()))
        .map(|(_, s)| s)
        .collect()
}

/// What the samples of every access log say, together.
pub fn learn(mut samples: Vec<Sample>) -> Learnt {
    samples.sort_by_key(|s| s.ts);
    let mut runs: Vec<(i64, i64)> = Vec::new(); // (offset, first ts)
    for s in &samples {
        if runs.last().is_none_or(|r| r.0 != s.offset) {
            runs.push((s.offset, s.ts));
        }
    }
    match runs[..] {
        [] => Learnt::Nothing,
        [(o, _)] => Learnt::Zone(LocalZone::fixed(o)),
        // Summer time moves clocks by an hour (half an hour in a few
        // places); logs of two servers further apart are no change.
        [(before, _), (after, change)] if (before - after).abs() <= 3600 => {
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
        let s = |ts, offset| Sample { ts, offset };
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
            learn(vec![s(1, 32400), s(2, 3600)]),
            Learnt::Mixed(vec![3600, 32400])
        );
        assert_eq!(
            learn(vec![s(1, -14400), s(2, -18000)]),
            Learnt::Zone(LocalZone {
                before: -14400,
                after: -18000,
                change: 2
            })
        );
    }

    #[test]
    fn a_stream_head_gives_its_first_and_last_records() {
        let f = preset("combined").unwrap();
        let data = log();
        let got = sample_head(&f, &data);
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].offset, got[1].offset), (7200, 3600));
    }
}

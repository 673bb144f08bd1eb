//! Choosing an input's format: the one the user named, or the preset that
//! parses most of some samples of it ([`super::detect`] does one sample).
//!
//! A mapped file is sampled in windows spread from its start to its end, so
//! that a log that starts with garbage, or holds one good line in a thousand,
//! is still recognised; a stream is sampled window by window as it is read
//! ahead. Samples of nothing but blank lines and NULs say nothing and are
//! passed over.

use super::{preset, Format};
use crate::error::InputError;
use crate::escape::escape_width;

/// Bytes looked at to detect a format, in one window.
pub const SAMPLE_BYTES: usize = 256 << 10;
/// Windows of a mapped file looked at, at most, while no line parses.
pub const SAMPLE_WINDOWS: usize = 16;
/// Bytes of a stream read ahead, at most, while no line parses: they are held
/// in memory until the scan starts.
pub const STREAM_LOOKAHEAD: usize = 16 << 20;

/// How each input's format is chosen.
#[derive(Clone, Debug)]
pub enum Choice {
    /// Detect per input from its first lines.
    Auto,
    /// One format for every input, with the name shown in reports.
    Fixed(String, Format),
}

/// The format of an input, from `samples` of it, its start first: the fixed
/// one, or what a [`Detection`] finds.
pub fn choose<'a>(
    choice: &Choice,
    samples: impl IntoIterator<Item = &'a [u8]>,
    name: &str,
) -> Result<(String, Format), InputError> {
    if let Choice::Fixed(n, f) = choice {
        return Ok((n.clone(), f.clone()));
    }
    let mut d = Detection::default();
    for s in samples {
        if let Some(found) = d.feed(s) {
            return Ok(found);
        }
    }
    d.give_up(name)
}

/// Format detection over samples of an input, its start first: the preset
/// [`super::detect`] finds in the first sample where a line parses.
#[derive(Default)]
pub struct Detection {
    /// The first lines of the first sample with any, for the error.
    shown: Option<String>,
}

impl Detection {
    /// The format found in `s`, if any line of it parses.
    pub fn feed(&mut self, s: &[u8]) -> Option<(String, Format)> {
        if s.iter().all(|&b| b == b'\n' || b == b'\r' || b == 0) {
            return None;
        }
        self.shown.get_or_insert_with(|| first_lines(s));
        super::detect(s).map(|(n, f)| (n.to_string(), f))
    }

    /// After the last sample: an input of blank lines only is counted alike
    /// by any format; one with lines that nothing parses is not recognised.
    pub fn give_up(self, name: &str) -> Result<(String, Format), InputError> {
        match self.shown {
            None => Ok(("none".into(), preset("combined").expect("preset"))),
            Some(sample) => Err(InputError::Unrecognised {
                path: name.to_string(),
                sample,
            }),
        }
    }
}

/// Windows of a mapped file to detect its format from: its first
/// [`SAMPLE_BYTES`], then up to `SAMPLE_WINDOWS - 1` more spread evenly over
/// the rest, the last one its end, each from its first whole line.
pub fn windows(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let span = data.len().saturating_sub(SAMPLE_BYTES) as u128;
    let mut next = 0;
    (0..SAMPLE_WINDOWS).map_while(move |k| {
        let at = (span * k as u128 / (SAMPLE_WINDOWS as u128 - 1)) as usize;
        let at = at.max(next);
        if at >= data.len() {
            return None;
        }
        let end = data.len().min(at + SAMPLE_BYTES);
        next = end;
        let w = &data[at..end];
        Some(match k {
            0 => w,
            _ => memchr::memchr(b'\n', w).map_or(&w[w.len()..], |i| &w[i + 1..]),
        })
    })
}

/// The first three non-empty lines of a sample, escaped, for an error.
fn first_lines(sample: &[u8]) -> String {
    let mut s = String::new();
    for l in sample
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .take(3)
    {
        s.push_str("\n  | ");
        s.push_str(&escape_width(l, 160));
    }
    s
}

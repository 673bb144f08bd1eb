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

/// How an input's format is chosen.
#[derive(Clone, Debug)]
pub enum Choice {
    /// Detect it from its first lines.
    Auto,
    /// The access logs' format, named by `option` (`--format`,
    /// `--log-format`, `--nginx-format`): an input that an error-log preset
    /// parses at least as well is read as that error log.
    Access {
        name: String,
        format: Format,
        option: &'static str,
    },
    /// `--format-for`: this input's format, taken as named.
    Exact { name: String, format: Format },
}

/// An input's format, and why it got it.
#[derive(Clone, Debug)]
pub struct Chosen {
    pub name: String,
    pub format: Format,
    /// `detected`, the option that named it, or `error log detected beside
    /// OPTION`.
    pub reason: String,
    /// The preset detection finds in the sample when it is not the format
    /// chosen: what to suggest when the chosen one parses (almost) nothing.
    pub parses_as: Option<String>,
}

/// The format of an input, from `samples` of it, its start first.
pub fn choose<'a>(
    choice: &Choice,
    samples: impl IntoIterator<Item = &'a [u8]>,
    name: &str,
) -> Result<Chosen, InputError> {
    let mut d = Detection::new(choice);
    for s in samples {
        if let Some(found) = d.feed(s) {
            return Ok(found);
        }
    }
    d.give_up(name)
}

/// Choosing an input's format over samples of it, its start first. Detection
/// takes the preset [`super::detect`] finds in the first sample where a line
/// parses; a named access format is checked against the error-log presets
/// on the first sample that is not blank.
pub struct Detection<'c> {
    choice: &'c Choice,
    /// The first lines of the first sample with any, for the error.
    shown: Option<String>,
}

/// The error-log presets, which accept only lines that start the way the
/// server writes them: one that parses a sample as well as a (possibly
/// loose) access format string is the better reading.
const ERROR_PRESETS: [&str; 2] = ["apache_error", "nginx_error"];

impl<'c> Detection<'c> {
    pub fn new(choice: &'c Choice) -> Self {
        Detection {
            choice,
            shown: None,
        }
    }

    /// The format found in `s`, if it says enough to choose.
    pub fn feed(&mut self, s: &[u8]) -> Option<Chosen> {
        if s.iter().all(|&b| b == b'\n' || b == b'\r' || b == 0) {
            return None;
        }
        self.shown.get_or_insert_with(|| first_lines(s));
        let detected = || super::detect(s).map(|(n, _)| n);
        let other = |name: &str| detected().filter(|d| d != name);
        match self.choice {
            Choice::Auto => super::detect(s).map(|(n, f)| Chosen {
                name: n,
                format: f,
                reason: "detected".into(),
                parses_as: None,
            }),
            Choice::Exact { name, format } => Some(Chosen {
                name: name.clone(),
                format: format.clone(),
                reason: "--format-for".into(),
                parses_as: other(name),
            }),
            Choice::Access {
                name,
                format,
                option,
            } => {
                // The named format and the error presets, as written and
                // beneath each syslog prefix: every third is the named one.
                let mut named = vec![(name.clone(), format.clone())];
                named.extend(
                    ERROR_PRESETS
                        .iter()
                        .map(|p| (p.to_string(), preset(p).expect("preset"))),
                );
                let all = super::candidates(named.into_iter());
                let formats: Vec<&Format> = all.iter().map(|c| &c.3).collect();
                let counts = super::fit(s, &formats);
                let access_best = (0..all.len())
                    .step_by(3)
                    .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)))
                    .unwrap_or(0);
                // An error reading that ties or beats the access one wins.
                let error_best = (0..all.len())
                    .filter(|i| i % 3 != 0)
                    .filter(|&i| counts[i] > 0 && counts[i] >= counts[access_best])
                    .max_by_key(|&i| (counts[i], std::cmp::Reverse(i)));
                let pick = |i: usize, reason: String, parses_as| Chosen {
                    name: all[i].2.clone(),
                    format: all[i].3.clone(),
                    reason,
                    parses_as,
                };
                Some(match error_best {
                    Some(i) => pick(i, format!("error log detected beside {option}"), None),
                    // What else parses the sample matters only when this
                    // reading parses next to none of it (a warning names it).
                    None => pick(
                        access_best,
                        option.to_string(),
                        (counts[access_best] * 100 < super::SAMPLE_LINES)
                            .then(|| other(&all[access_best].2))
                            .flatten(),
                    ),
                })
            }
        }
    }

    /// After the last sample: an input of blank lines only is counted alike
    /// by any format; one with lines that nothing parses is not recognised.
    pub fn give_up(self, name: &str) -> Result<Chosen, InputError> {
        let named = |n: &String, f: &Format, reason: &str| Chosen {
            name: n.clone(),
            format: f.clone(),
            reason: reason.into(),
            parses_as: None,
        };
        match (self.choice, self.shown) {
            (Choice::Exact { name, format }, _) => Ok(named(name, format, "--format-for")),
            (
                Choice::Access {
                    name,
                    format,
                    option,
                },
                _,
            ) => Ok(named(name, format, option)),
            (Choice::Auto, None) => Ok(named(
                &"none".into(),
                &preset("combined").expect("preset"),
                "detected",
            )),
            (Choice::Auto, Some(sample)) => Err(InputError::Unrecognised {
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

/// The name JSON-lines lines are counted under among an input's other formats.
pub const JSON_LINES: &str = "json-lines";

/// A JSON object on one line, as JSON-lines logs (nginx `escape=json`,
/// Caddy, Traefik...) write them: `{"` at the start, `}` at the end.
pub fn looks_like_json(line: &[u8]) -> bool {
    let t = line.trim_ascii();
    t.starts_with(b"{\"") && t.ends_with(b"}") && memchr::memmem::find(t, b"\":").is_some()
}

/// The first three non-empty lines of a sample, escaped, for an error; and
/// what they are when they are JSON lines, which no preset reads.
fn first_lines(sample: &[u8]) -> String {
    let mut s = String::new();
    let mut json = true;
    for l in sample
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .take(3)
    {
        s.push_str("\n  | ");
        s.push_str(&escape_width(l, 160));
        json &= looks_like_json(l);
    }
    if json && !s.is_empty() {
        s.push_str(
            "\nthese are JSON lines (json-lines), which alf does not read: log in a text format",
        );
    }
    s
}

//! `alf top`: one field counted and ranked, as `sort | uniq -c | sort -rn`
//! would, but right.

use super::rank;
use super::source::Source;
use super::warnings::{self, Warning};
use crate::aggregate::KeyField;
use crate::read::Run;

/// What `alf top` counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    /// The client: lines of access and error logs alike.
    Ip,
    Status,
    Field(KeyField),
}

impl By {
    /// The field the scan must count, besides the client.
    pub fn key_field(self) -> Option<KeyField> {
        match self {
            By::Field(k) => Some(k),
            By::Ip | By::Status => None,
        }
    }
}

/// A ranked key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Key {
    Client(Source),
    Status(u16),
    /// A field's raw bytes.
    Text(Box<[u8]>),
}

/// The ranking and what to say about it.
#[derive(Clone, Debug)]
pub struct Top {
    pub by: By,
    pub lines: u64,
    pub parsed: u64,
    pub malformed: u64,
    /// Lines that could not be counted: malformed, overlong or ambiguous.
    pub skipped: u64,
    /// Parsed lines the filters left out.
    pub filtered: u64,
    pub rows: Vec<(Key, u64)>,
    pub warnings: Vec<Warning>,
    pub errors: Vec<String>,
}

impl Top {
    /// The top `n` keys by (all when 0).
    pub fn build(run: &Run, by: By, n: usize) -> Top {
        let a = &run.total;
        let rows: Vec<(Key, u64)> = match by {
            By::Ip => rank::lines_by_client(a, n)
                .into_iter()
                .map(|r| (Key::Client(r.source), r.stats.requests))
                .collect(),
            By::Status => rank::statuses(a, n)
                .into_iter()
                .map(|(s, c)| (Key::Status(s), c))
                .collect(),
            By::Field(_) => rank::keys(a, n)
                .into_iter()
                .map(|(k, c)| (Key::Text(k), c))
                .collect(),
        };
        let mut warnings = warnings::warnings(run, None);
        if by == By::Status && a.error_lines > 0 {
            warnings.push(Warning::NoStatus {
                error_lines: a.error_lines,
            });
        }
        Top {
            by,
            lines: a.lines,
            parsed: a.parsed,
            malformed: a.malformed_total(),
            skipped: a.lines - a.parsed - a.empty - a.filtered,
            filtered: a.filtered,
            rows,
            warnings,
            errors: super::errors(run),
        }
    }
}

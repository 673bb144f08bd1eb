//! Settings resolved once per command from what the user typed ([`crate::cli`]):
//! the compiled format, the inputs, the thread count, the filters, the address
//! ranges, the output style. Built whole, validated, and never patched
//! afterwards; each limit has one source.

use anyhow::Result;

use crate::aggregate::KeyField;
use crate::attribute::{SelfAddrs, TrustedProxies};
use crate::classify::{by_id, ClassId, ClassSet};
use crate::cli::{By as ByArg, CommonArgs, MmapMode, Output, TopArgs, TriageArgs};
use crate::error::OptionError;
use crate::escape::escape;
use crate::filter::{parse_time, Filter};
use crate::findings::top::By;
use crate::findings::{BruteWindow, Settings};
use crate::format::detect::Choice;
use crate::format::{self, AccessFormat, Dialect, Format};
use crate::input::{InputSpec, MmapPolicy};
use crate::net::parse_net;
use crate::read::ReadOpts;
use crate::report::Style;
use crate::scan::ScanOpts;

/// `alf triage`.
#[derive(Clone, Debug)]
pub struct Triage {
    pub read: ReadOpts,
    pub findings: Settings,
    pub style: Style,
}

/// `alf top`.
#[derive(Clone, Debug)]
pub struct Top {
    pub read: ReadOpts,
    pub by: By,
    /// Rows to show (0: all).
    pub top: usize,
    pub style: Style,
}

impl Triage {
    pub fn new(a: &TriageArgs) -> Result<Triage> {
        let classify = !a.no_classify;
        let read = read_opts(&a.common, None, classify)?;
        let bruteforce = brute_windows(&a.bruteforce).map_err(|message| OptionError::Value {
            option: "--bruteforce",
            message,
        })?;
        Ok(Triage {
            findings: Settings {
                top: a.top,
                bucket: a.bucket,
                classify,
                self_addrs: read.scan.self_addrs.clone(),
                bruteforce,
            },
            read,
            style: style(a.common.output),
        })
    }
}

impl Top {
    pub fn new(a: &TopArgs) -> Result<Top> {
        let by = match a.by {
            ByArg::Ip => By::Ip,
            ByArg::Status => By::Status,
            ByArg::Path => By::Field(KeyField::Path),
            ByArg::Ua => By::Field(KeyField::UserAgent),
            ByArg::Method => By::Field(KeyField::Method),
            ByArg::Vhost => By::Field(KeyField::Vhost),
            ByArg::Referer => By::Field(KeyField::Referer),
        };
        Ok(Top {
            read: read_opts(&a.common, by.key_field(), false)?,
            by,
            top: a.top,
            style: style(a.common.output),
        })
    }
}

fn style(o: Output) -> Style {
    match o {
        Output::Table => Style::Table,
        Output::Json => Style::Json,
        Output::Plain => Style::Plain,
    }
}

/// What to read and how, for a command that counts `key` and classifies
/// when `classify`.
fn read_opts(a: &CommonArgs, key: Option<KeyField>, classify: bool) -> Result<ReadOpts> {
    let format = if let Some(s) = &a.log_format {
        Choice::Fixed(
            "custom (LogFormat)".into(),
            Format::Access(AccessFormat::compile(s, Dialect::Apache)?),
        )
    } else if let Some(s) = &a.nginx_format {
        Choice::Fixed(
            "custom (log_format)".into(),
            Format::Access(AccessFormat::compile(s, Dialect::Nginx)?),
        )
    } else if a.format == "auto" {
        Choice::Auto
    } else {
        Choice::Fixed(a.format.clone(), format::preset(&a.format)?)
    };
    let inputs = if a.files.is_empty() {
        vec![InputSpec::Stdin]
    } else {
        a.files
            .iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    InputSpec::Stdin
                } else {
                    InputSpec::Path(p.clone())
                }
            })
            .collect()
    };
    let threads = a.threads.filter(|&t| t > 0).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let filter = filter(a)?;
    let bad = |option: &'static str| move |message: String| OptionError::Value { option, message };
    Ok(ReadOpts {
        inputs,
        format,
        threads,
        mmap: match a.mmap {
            MmapMode::Auto => MmapPolicy::Auto,
            MmapMode::Never => MmapPolicy::Never,
        },
        max_decompressed: a.max_decompressed_bytes,
        error_tz: a.error_tz,
        scan: ScanOpts {
            chunk_size: a.chunk_size.max(1),
            max_line: a.max_line.max(1),
            max_clients: a.max_clients.max(1),
            key,
            classify,
            filter,
            self_addrs: SelfAddrs::parse(&a.self_addrs, !a.no_local_self).map_err(bad("--self"))?,
            trusted: TrustedProxies::parse(&a.trusted_proxy).map_err(bad("--trusted-proxy"))?,
            // Decided once the inputs' formats are known (`read`).
            pair: false,
        },
    })
}

fn filter(a: &CommonArgs) -> Result<Filter, OptionError> {
    let bad = |option: &'static str| move |message: String| OptionError::Value { option, message };
    let now = chrono::Utc::now().timestamp();
    let time = |t: &Option<String>, option: &'static str| {
        t.as_deref()
            .map(|s| parse_time(s, now))
            .transpose()
            .map_err(bad(option))
    };
    Ok(Filter {
        since: time(&a.since, "--since")?,
        until: time(&a.until, "--until")?,
        clients: a
            .client
            .iter()
            .map(|c| parse_net(c))
            .collect::<Result<_, _>>()
            .map_err(bad("--client"))?,
        vhosts: a
            .vhost
            .iter()
            .map(|v| v.to_ascii_lowercase().into_bytes())
            .collect(),
        classes: classes(&a.class)?,
    })
}

/// `--bruteforce`: `COUNT/DURATION` windows separated by commas, shortest
/// first once parsed. A count is at least 1; a duration is whole minutes.
pub fn brute_windows(s: &str) -> Result<Vec<BruteWindow>, String> {
    let mut v = Vec::new();
    for part in s.split(',').map(str::trim) {
        let shape = || {
            format!(
                "`{}` is not COUNT/DURATION like 10/5m",
                escape(part.as_bytes())
            )
        };
        let (n, d) = part.split_once('/').ok_or_else(shape)?;
        let min: u64 = n.trim().parse().map_err(|_| shape())?;
        if min == 0 {
            return Err(format!(
                "`{}`: the count must be at least 1",
                escape(part.as_bytes())
            ));
        }
        let secs = crate::format::time::parse_duration(d.trim())?;
        if secs % 60 != 0 {
            return Err(format!(
                "`{}`: windows are whole minutes (the tallies are per minute)",
                escape(part.as_bytes())
            ));
        }
        v.push(BruteWindow {
            min,
            minutes: secs / 60,
        });
    }
    v.sort_by_key(|w| (w.minutes, w.min));
    v.dedup();
    Ok(v)
}

/// `--class` ids, each a class with a per-line mark.
fn classes(ids: &[String]) -> Result<ClassSet, OptionError> {
    let mut set = ClassSet::EMPTY;
    for id in ids.iter().flat_map(|s| s.split(',')) {
        match by_id(id.trim()) {
            Some(ClassId::Flood) => return Err(OptionError::PerLineFlood),
            Some(c) => set.insert(c),
            None => {
                let known: Vec<&str> = ClassId::ALL.iter().map(|c| c.id()).collect();
                return Err(OptionError::UnknownClass {
                    id: escape(id.as_bytes()),
                    known: known.join(", "),
                });
            }
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bruteforce_windows_parse_and_sort() {
        let w = |min, minutes| BruteWindow { min, minutes };
        assert_eq!(
            brute_windows("50/24h, 10/5m,20/1h").unwrap(),
            [w(10, 5), w(20, 60), w(50, 1440)]
        );
        assert_eq!(brute_windows("3/120s").unwrap(), [w(3, 2)]);
        assert_eq!(
            brute_windows(crate::findings::behaviour::BRUTE_DEFAULT).unwrap(),
            crate::findings::BRUTE_WINDOWS
        );
        for bad in [
            "", "10", "10/", "/5m", "0/5m", "10/30s", "10/5x", "-1/5m", "10/0m", "a/5m",
        ] {
            assert!(brute_windows(bad).is_err(), "{bad}");
        }
    }
}

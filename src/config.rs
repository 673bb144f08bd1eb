//! Settings resolved once from the command line: the compiled format, the
//! thread count, the reading policy. Everything the run needs, validated.

use crate::cli::{CommonArgs, MmapMode};
use crate::error::FormatError;
use crate::format::{self, AccessFormat, Dialect, Format};
use crate::input::{InputSpec, MmapPolicy};
use crate::scan::ScanOpts;

/// How each input's format is chosen.
#[derive(Clone)]
pub enum FormatChoice {
    /// Detect per input from its first lines.
    Auto,
    /// One format for every input, with the name shown in reports.
    Fixed(String, Format),
}

#[derive(Clone)]
pub struct Config {
    pub inputs: Vec<InputSpec>,
    pub format: FormatChoice,
    pub threads: usize,
    pub mmap: MmapPolicy,
    pub scan: ScanOpts,
    /// Decompressed bytes read at most from one compressed input (0: no limit).
    pub max_decompressed: u64,
    /// `--error-tz`; `None`: learnt from the access logs (see `app::read_all`).
    pub error_tz: Option<i64>,
}

impl Config {
    pub fn from_args(a: &CommonArgs) -> Result<Config, FormatError> {
        let format = if let Some(s) = &a.log_format {
            FormatChoice::Fixed(
                "custom (LogFormat)".into(),
                Format::Access(AccessFormat::compile(s, Dialect::Apache)?),
            )
        } else if let Some(s) = &a.nginx_format {
            FormatChoice::Fixed(
                "custom (log_format)".into(),
                Format::Access(AccessFormat::compile(s, Dialect::Nginx)?),
            )
        } else if a.format == "auto" {
            FormatChoice::Auto
        } else {
            FormatChoice::Fixed(a.format.clone(), format::preset(&a.format)?)
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
        Ok(Config {
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
                key: None,
                classify: false,
                filter: filter(a)?,
                error_zone: crate::format::time::LocalZone::fixed(a.error_tz.unwrap_or(0)),
                self_addrs: crate::attribute::SelfAddrs::parse(&a.self_addrs, !a.no_local_self)
                    .map_err(|e| FormatError::BadOption(format!("--self: {e}")))?,
                trusted: crate::attribute::TrustedProxies::parse(&a.trusted_proxy)
                    .map_err(|e| FormatError::BadOption(format!("--trusted-proxy: {e}")))?,
                others: None,
            },
        })
    }
}

fn filter(a: &CommonArgs) -> Result<crate::filter::Filter, FormatError> {
    use crate::filter::{parse_time, Filter};
    let bad = |o: &str, e: String| FormatError::BadOption(format!("{o}: {e}"));
    let now = chrono::Utc::now().timestamp();
    let time = |t: &Option<String>, o: &str| {
        t.as_deref()
            .map(|s| parse_time(s, now))
            .transpose()
            .map_err(|e| bad(o, e))
    };
    Ok(Filter {
        since: time(&a.since, "--since")?,
        until: time(&a.until, "--until")?,
        clients: a
            .client
            .iter()
            .map(|c| crate::attribute::Cidr::parse(c))
            .collect::<Result<_, _>>()
            .map_err(|e| bad("--client", e))?,
        vhosts: a
            .vhost
            .iter()
            .map(|v| v.to_ascii_lowercase().into_bytes())
            .collect(),
        classes: classes(&a.class)?,
    })
}

/// `--class` ids, each a class with a per-line mark.
fn classes(ids: &[String]) -> Result<crate::classify::ClassSet, FormatError> {
    use crate::classify::{by_id, ClassId, ClassSet};
    let mut set = ClassSet::EMPTY;
    for id in ids.iter().flat_map(|s| s.split(',')) {
        match by_id(id.trim()) {
            Some(ClassId::Flood) => {
                return Err(FormatError::BadOption(
                    "--class flood: a flood is decided over many lines, not per line; \
                     see the floods table of `alf triage`"
                        .into(),
                ))
            }
            Some(c) => set.insert(c),
            None => {
                let known: Vec<&str> = ClassId::ALL.iter().map(|c| c.id()).collect();
                return Err(FormatError::BadOption(format!(
                    "--class {}: no such class (one of: {})",
                    crate::report::escape::escape(id.as_bytes()),
                    known.join(", ")
                )));
            }
        }
    }
    Ok(set)
}

//! Orchestration: open each input, pick its format, scan it, and hand the
//! totals to the report. No parsing or formatting here.

use std::io::{self, Read, Write};
use std::time::Instant;

use anyhow::Result;

use crate::aggregate::{Agg, Example, KeyField};
use crate::cli::{By, Cli, Command, Output};
use crate::config::{Config, FormatChoice};
use crate::error::InputError;
use crate::format::{self, Format};
use crate::input::{self, Compression, InputSpec, Source};
use crate::report::{self, escape::escape, InputReport};
use crate::scan::{scan_slice_then, scan_stream, ScanOpts};

/// Exit codes (documented in `alf --help` and the README).
pub mod exit {
    pub const OK: i32 = 0;
    pub const PARTIAL: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const NO_INPUT: i32 = 3;
    pub const UNRECOGNISED: i32 = 4;
}

/// Bytes looked at to detect a format.
const SAMPLE_BYTES: usize = 256 << 10;

/// One input, scanned.
pub struct Scanned {
    pub report: InputReport,
    pub agg: Agg,
}

/// The result of reading every input.
pub struct Run {
    pub inputs: Vec<InputReport>,
    pub total: Agg,
    pub examples: Vec<(String, Example)>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub unrecognised: usize,
    pub seconds: f64,
    pub bytes_read: u64,
}

impl Run {
    pub fn exit_code(&self) -> i32 {
        let any_parsed = self.total.parsed > 0;
        if self.inputs.is_empty() {
            if self.unrecognised > 0 {
                exit::UNRECOGNISED
            } else {
                exit::NO_INPUT
            }
        } else if !any_parsed && (self.total.lines > self.total.empty || self.unrecognised > 0) {
            exit::UNRECOGNISED
        } else if !self.errors.is_empty() {
            exit::PARTIAL
        } else {
            exit::OK
        }
    }
}

/// Runs the command; returns the exit code.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Explain { id } => {
            let mut out = io::stdout().lock();
            match id {
                None => {
                    for c in crate::classify::ClassId::ALL {
                        let i = crate::classify::info(c);
                        writeln!(out, "{:<18} {:<9} {}", c.id(), i.severity.label(), i.title)?;
                    }
                    Ok(exit::OK)
                }
                Some(id) => {
                    if report::table::explain(&mut out, &id)? {
                        Ok(exit::OK)
                    } else {
                        eprintln!(
                            "alf: no class or signature `{}` (see `alf explain`)",
                            escape(id.as_bytes())
                        );
                        Ok(exit::USAGE)
                    }
                }
            }
        }
        Command::Formats => {
            report::table::formats(&mut io::stdout().lock())?;
            Ok(exit::OK)
        }
        Command::Triage(a) => {
            let mut cfg = match Config::from_args(&a.common) {
                Ok(c) => c,
                Err(e) => return usage(e),
            };
            cfg.scan.classify = !a.no_classify;
            let pool = thread_pool(&cfg)?;
            let run = read_all(&cfg, &pool)?;
            if run.inputs.is_empty() && a.common.output != Output::Json {
                // Nothing was read: the errors say why; an empty table would not.
                return finish(&run);
            }
            // The verdicts after the scan use the same threads (`-j`).
            let rep = pool.install(|| report::Triage::build(&run, &cfg, a.top, a.bucket));
            let mut out = io::stdout().lock();
            match a.common.output {
                Output::Json => report::json::write(&mut out, &rep)?,
                Output::Table | Output::Plain => report::table::triage(&mut out, &rep)?,
            }
            out.flush()?;
            finish(&run)
        }
        Command::Top(a) => {
            let mut cfg = match Config::from_args(&a.common) {
                Ok(c) => c,
                Err(e) => return usage(e),
            };
            cfg.scan.key = match a.by {
                By::Ip | By::Status => None,
                By::Path => Some(KeyField::Path),
                By::Ua => Some(KeyField::UserAgent),
                By::Method => Some(KeyField::Method),
                By::Vhost => Some(KeyField::Vhost),
                By::Referer => Some(KeyField::Referer),
            };
            let run = read_all(&cfg, &thread_pool(&cfg)?)?;
            if run.inputs.is_empty() && a.common.output != Output::Json {
                return finish(&run);
            }
            let rep = report::Top::build(&run, a.by, a.top);
            let mut out = io::stdout().lock();
            match a.common.output {
                Output::Json => report::json::write(&mut out, &rep)?,
                Output::Table => report::table::top(&mut out, &rep)?,
                Output::Plain => report::table::top_plain(&mut out, &rep)?,
            }
            out.flush()?;
            let skipped = run.total.lines - run.total.parsed - run.total.empty;
            if skipped > 0 {
                eprintln!(
                    "alf: {skipped} of {} lines not counted (malformed, overlong or ambiguous); `alf triage` shows them",
                    run.total.lines
                );
            }
            finish(&run)
        }
    }
}

fn usage(e: crate::error::FormatError) -> Result<i32> {
    eprintln!("alf: {e}");
    Ok(exit::USAGE)
}

fn finish(run: &Run) -> Result<i32> {
    for e in &run.errors {
        eprintln!("alf: {e}");
    }
    for w in &run.warnings {
        eprintln!("alf: warning: {w}");
    }
    Ok(run.exit_code())
}

/// The `cfg.threads` threads every parallel step runs on.
pub fn thread_pool(cfg: &Config) -> Result<rayon::ThreadPool> {
    Ok(rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()?)
}

/// Reads every input in order on `pool`.
pub fn read_all(cfg: &Config, pool: &rayon::ThreadPool) -> Result<Run> {
    let start = Instant::now();
    let mut run = Run {
        inputs: Vec::new(),
        total: Agg::new(cfg.scan.key),
        examples: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        unrecognised: 0,
        seconds: 0.0,
        bytes_read: 0,
    };
    for spec in &cfg.inputs {
        match pool.install(|| read_one(spec, cfg)) {
            Ok(mut s) => {
                run.examples
                    .extend(s.agg.examples.drain(..).map(|e| (s.report.path.clone(), e)));
                run.bytes_read += s.report.bytes_read;
                for w in &s.report.warnings {
                    run.warnings.push(format!("{}: {w}", s.report.path));
                }
                for e in &s.report.errors {
                    run.errors.push(format!("{}: {e}", s.report.path));
                }
                pool.install(|| run.total.absorb(s.agg));
                run.inputs.push(s.report);
            }
            Err(e) => {
                if matches!(e, InputError::Unrecognised { .. }) {
                    run.unrecognised += 1;
                }
                run.errors.push(e.to_string());
            }
        }
    }
    run.seconds = start.elapsed().as_secs_f64();
    pool.install(|| run.total.classes.group());
    let doc = run
        .total
        .clients
        .iter()
        .filter(|(k, _)| crate::attribute::is_documentation(crate::record::ip_from_key(*k)))
        .count();
    if doc > 0 {
        run.warnings.push(format!(
            "{doc} client(s) in documentation ranges (192.0.2.0/24, 198.51.100.0/24, \
             203.0.113.0/24, 2001:db8::/32): synthetic or spoofed logs?"
        ));
    }
    Ok(run)
}

fn choose(cfg: &Config, sample: &[u8], name: &str) -> Result<(String, Format), InputError> {
    match &cfg.format {
        FormatChoice::Fixed(n, f) => Ok((n.clone(), f.clone())),
        FormatChoice::Auto => {
            if sample.iter().all(|&b| b == b'\n' || b == b'\r' || b == 0) {
                // Nothing to detect from: any format counts blank lines alike.
                return Ok(("none".into(), format::preset("combined").expect("preset")));
            }
            format::detect(sample)
                .map(|(n, f)| (n.to_string(), f))
                .ok_or_else(|| InputError::Unrecognised {
                    path: name.to_string(),
                    sample: first_lines(sample),
                })
        }
    }
}

fn first_lines(sample: &[u8]) -> String {
    let mut s = String::new();
    for l in sample
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .take(3)
    {
        s.push_str("\n  | ");
        s.push_str(&report::escape::escape_width(l, 160));
    }
    s
}

fn read_one(spec: &InputSpec, cfg: &Config) -> Result<Scanned, InputError> {
    let opened = input::open(spec, cfg.mmap)?;
    let name = opened.name.clone();
    match opened.source {
        Source::Mapped(m) => {
            let (res, shrank) = m.scan_guarded(|data| {
                // A leading NUL hole (copytruncate) tells nothing about the format.
                let from = data.iter().position(|&b| b != 0).unwrap_or(data.len());
                let sample = &data[from..data.len().min(from + SAMPLE_BYTES)];
                choose(cfg, sample, &name).map(|(fname, f)| {
                    let agg = scan_slice_then(data, &f, &cfg.scan, |c| m.release(c));
                    (fname, agg)
                })
            });
            if shrank {
                // The scan saw zeros where the file had been cut: read it again.
                drop(m);
                let again = input::reopen_stream(spec)?;
                let mut s = read_stream(again.source, again.compression, &name, cfg)?;
                s.report.warnings.insert(
                    0,
                    "file shrank during read; read it again to its new end".into(),
                );
                return Ok(s);
            }
            let (fname, agg) = res?;
            Ok(Scanned {
                report: InputReport::new(
                    &name,
                    &fname,
                    Compression::None,
                    "mmap",
                    &agg,
                    m.len() as u64,
                ),
                agg,
            })
        }
        Source::Stream(_) => read_stream(opened.source, opened.compression, &name, cfg),
    }
}

fn read_stream(
    source: Source,
    c: Compression,
    name: &str,
    cfg: &Config,
) -> Result<Scanned, InputError> {
    let Source::Stream(r) = source else {
        unreachable!("read_stream takes a stream")
    };
    // The sample starts after any leading NUL hole, as for a map; the NUL
    // bytes are replayed before it, to be scanned and counted.
    let mut r: Box<dyn Read + Send> = if c != Compression::None && cfg.max_decompressed > 0 {
        Box::new(input::Capped {
            inner: r,
            left: cfg.max_decompressed,
            cap: cfg.max_decompressed,
        })
    } else {
        r
    };
    let mut sample = Vec::new();
    let mut nuls = 0u64;
    let head_err = loop {
        let want = (SAMPLE_BYTES - sample.len()) as u64;
        match (&mut r).take(want).read_to_end(&mut sample) {
            Err(e) => break Some(e),
            Ok(n) => {
                let k = sample.iter().take_while(|&&b| b == 0).count();
                nuls += k as u64;
                sample.drain(..k);
                if n == 0 || sample.len() == SAMPLE_BYTES {
                    break None;
                }
            }
        }
    };
    let (fname, f) = choose(cfg, &sample, name)?;
    let head = io::repeat(0)
        .take(nuls)
        .chain(io::Cursor::new(std::mem::take(&mut sample)));
    let rest: Box<dyn Read + Send> = match head_err {
        Some(e) => Box::new(head.chain(FailingReader(Some(e)))),
        None => Box::new(head.chain(r)),
    };
    let opts = ScanOpts { ..cfg.scan.clone() };
    let (agg, end) = scan_stream(rest, &f, &opts);
    let mut rep = InputReport::new(name, &fname, c, "stream", &agg, end.bytes);
    if let Some(e) = end.error {
        let what = match c {
            Compression::Gzip | Compression::Zstd if e.kind() == io::ErrorKind::UnexpectedEof => {
                format!(
                    "truncated {} data; lines before the cut are counted",
                    c.label()
                )
            }
            _ if e.get_ref().is_some_and(|i| i.is::<input::CapReached>()) => e.to_string(),
            _ => format!(
                "read error after {} bytes: {}",
                end.bytes,
                escape(e.to_string().as_bytes())
            ),
        };
        rep.errors.push(what);
    }
    Ok(Scanned { report: rep, agg })
}

/// Replays an error met while sampling, after the sampled bytes.
struct FailingReader(Option<io::Error>);

impl Read for FailingReader {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

//! Orchestration: open each input, pick its format, scan it, and hand the
//! totals to the report. No parsing or formatting here.

use std::io::{self, Read, Write};
use std::time::Instant;

use anyhow::Result;

use crate::aggregate::{Agg, Example, KeyField};
use crate::cli::{By, Cli, Command, Output};
use crate::config::{Config, FormatChoice};
use crate::error::InputError;
use crate::format::time::LocalZone;
use crate::format::{self, Format};
use crate::input::{self, Compression, InputSpec, Source};
use crate::report::{self, escape::escape, InputReport};
use crate::scan::{scan_slice_then, scan_stream, ScanOpts};
use crate::zone;

/// Exit codes (documented in `alf --help` and the README).
pub mod exit {
    pub const OK: i32 = 0;
    pub const PARTIAL: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const NO_INPUT: i32 = 3;
    pub const UNRECOGNISED: i32 = 4;
}

/// Bytes looked at to detect a format, in one window.
const SAMPLE_BYTES: usize = 256 << 10;
/// Windows of a mapped file looked at, at most, while no line parses.
const SAMPLE_WINDOWS: usize = 16;
/// Bytes of a stream read ahead, at most, while no line parses: they are held
/// in memory until the scan starts.
const STREAM_LOOKAHEAD: usize = 16 << 20;

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
    let mut learnt;
    let cfg = match error_zone(cfg) {
        Some((zone, note)) => {
            run.warnings.push(note);
            learnt = cfg.clone();
            learnt.scan.error_zone = zone;
            &learnt
        }
        None => cfg,
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
    pool.install(|| run.total.classes.group(cfg.scan.max_clients));
    let warnings = client_warnings(cfg, &run.total);
    run.warnings.extend(warnings);
    Ok(run)
}

/// Without `--error-tz`, when error logs are read with access logs: the
/// zone their times are read in, learnt from the access logs (see
/// [`crate::zone`]), and a note that says so (none for UTC, which is what
/// they are read as otherwise). Standard input and pipes are not sampled,
/// as they cannot be read twice.
fn error_zone(cfg: &Config) -> Option<(LocalZone, String)> {
    if cfg.error_tz.is_some() || cfg.inputs.len() < 2 {
        return None;
    }
    let mut samples = Vec::new();
    let mut error_logs = false;
    // Only regular files can be read twice: a pipe (`<(zcat log.gz)`) would
    // lose what was sampled.
    let regular =
        |s: &&InputSpec| matches!(s, InputSpec::Path(p) if p.metadata().is_ok_and(|m| m.is_file()));
    for spec in cfg.inputs.iter().filter(regular) {
        let Ok(opened) = input::open(spec, cfg.mmap) else {
            continue;
        };
        let format_of = |windows: &[&[u8]]| {
            let (_, f) = choose(cfg, windows.iter().copied(), &opened.name).ok()?;
            Some(f)
        };
        let f = match opened.source {
            Source::Mapped(ref m) => {
                m.scan_guarded(|data| {
                    let w: Vec<&[u8]> = windows(data).collect();
                    let f = format_of(&w)?;
                    if !f.is_error_log() {
                        samples.extend(zone::sample_mapped(&f, data, w.into_iter()));
                    }
                    Some(f)
                })
                .0
            }
            Source::Stream(r) => {
                let mut head = Vec::new();
                let _ = r.take(SAMPLE_BYTES as u64).read_to_end(&mut head);
                let f = format_of(&[&head[..]]);
                if let Some(f) = f.as_ref().filter(|f| !f.is_error_log()) {
                    samples.extend(zone::sample_head(f, &head));
                }
                f
            }
        };
        error_logs |= f.is_some_and(|f| f.is_error_log());
    }
    let show = |o: &i64| format::time::offset_text(*o);
    match zone::learn(samples) {
        _ if !error_logs => None,
        zone::Learnt::Nothing => None,
        // UTC, as without the sample: nothing to say.
        zone::Learnt::Zone(z) if z.is_utc() => None,
        zone::Learnt::Zone(z) if z.before == z.after => Some((
            z,
            format!(
                "error-log times carry no zone: read at {}, the offset the access logs \
                 write (--error-tz sets another)",
                show(&z.before)
            ),
        )),
        zone::Learnt::Zone(z) => Some((
            z,
            format!(
                "error-log times carry no zone: read at {} before {} and at {} from then, \
                 as the access logs write (--error-tz sets one offset)",
                show(&z.before),
                format::time::format_utc(z.change),
                show(&z.after)
            ),
        )),
        zone::Learnt::Mixed(offsets) => Some((
            LocalZone::default(),
            format!(
                "the access logs write several UTC offsets ({}): error-log times, which carry \
                 no zone, are read as UTC; --error-tz sets their offset",
                offsets.iter().map(show).collect::<Vec<_>>().join(", ")
            ),
        )),
    }
}

/// Warnings about the clients counted: this machine's own, the caps on
/// clients, offenders and proxy targets, and documentation ranges.
fn client_warnings(cfg: &Config, t: &Agg) -> Vec<String> {
    let mut warnings = Vec::new();
    // Only the classes make self traffic differ from any other.
    for ip in cfg
        .scan
        .self_addrs
        .interfaces()
        .filter(|_| cfg.scan.classify)
    {
        let key = crate::record::ip_key(ip);
        if let Some(c) = t.clients.get(key).filter(|c| c.requests > 0) {
            warnings.push(format!(
                "{} request(s) from {ip}, an address of this machine, counted as self \
                 traffic (never an offender); if the log comes from another machine, \
                 pass --no-local-self",
                c.requests
            ));
        }
    }
    if !t.folded.is_empty() || !t.error_folded.is_empty() {
        warnings.push(format!(
            "more than {} distinct clients: {} request(s) and {} error-log line(s) of \
             the later ones are counted by network (/24, /64 or wider), so per-client \
             counts are approximate (--max-clients raises the cap, at about 200 bytes \
             a client a thread)",
            cfg.scan.max_clients,
            t.folded.requests(),
            t.error_folded.requests()
        ));
    }
    let nets = &t.classes.offender_networks;
    if !nets.is_empty() {
        let hits: u64 = nets.values().flat_map(|o| o.classes).sum();
        warnings.push(format!(
            "more than {} distinct offending clients: the later ones' {hits} class \
             hit(s) are listed by network among the offenders",
            cfg.scan.max_clients
        ));
    }
    let c = &t.classes;
    if c.not_found.untested > 0 {
        warnings.push(format!(
            "more than {} distinct clients answered 404: {} 404 line(s) of the later ones \
             were counted but not tested for a 404 sweep",
            cfg.scan.max_clients, c.not_found.untested
        ));
    }
    if c.not_found.clients.values().any(|n| n.floor) {
        warnings.push(format!(
            "more than {} distinct 404 targets: a sweeping client holds no more, so \
             its distinct paths are a floor (≥)",
            crate::aggregate::not_found::MAX_PATHS
        ));
    }
    if c.timeline.drivers_dropped > 0 {
        warnings.push(format!(
            "more than {} (minute, class, client) tallies: {} classified line(s) past them \
             were counted but not traced to their client by minute, so the clients named \
             for the onset and for bursts, bruteforce windows and per-minute error peaks \
             may miss some",
            crate::aggregate::timeline::MAX_DRIVERS,
            c.timeline.drivers_dropped
        ));
    }
    let other = &t.classes.other_targets;
    if other.requests() > 0 {
        warnings.push(format!(
            "more than {} distinct proxy targets: {} proxy request(s) for the later \
             ones are counted together as other targets",
            crate::aggregate::classes::MAX_PROXY_TARGETS,
            other.requests()
        ));
    }
    // Clients of the access and the error logs, each once.
    let doc = t
        .clients
        .iter()
        .chain(t.error_clients.iter())
        .map(|(k, _)| k)
        .filter(|k| crate::attribute::is_documentation(crate::record::ip_from_key(*k)))
        .collect::<std::collections::HashSet<_>>()
        .len();
    if doc > 0 {
        warnings.push(format!(
            "{doc} client(s) in documentation ranges (192.0.2.0/24, 198.51.100.0/24, \
             203.0.113.0/24, 2001:db8::/32): synthetic or spoofed logs?"
        ));
    }
    warnings
}

/// The format of an input, from `samples` of it, its start first: with
/// `--format` or a format string, that one; else what [`Detection`] finds.
fn choose<'a>(
    cfg: &Config,
    samples: impl IntoIterator<Item = &'a [u8]>,
    name: &str,
) -> Result<(String, Format), InputError> {
    if let FormatChoice::Fixed(n, f) = &cfg.format {
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
/// [`format::detect`] finds in the first sample where a line parses (a log
/// may start with garbage). Samples of nothing but blank lines and NULs are
/// passed over.
#[derive(Default)]
struct Detection {
    /// The first lines of the first sample with any, for the error.
    shown: Option<String>,
}

impl Detection {
    fn feed(&mut self, s: &[u8]) -> Option<(String, Format)> {
        if s.iter().all(|&b| b == b'\n' || b == b'\r' || b == 0) {
            return None;
        }
        self.shown.get_or_insert_with(|| first_lines(s));
        format::detect(s).map(|(n, f)| (n.to_string(), f))
    }

    /// After the last sample: an input of blank lines only is counted alike
    /// by any format; one with lines that nothing parses is not recognised.
    fn give_up(self, name: &str) -> Result<(String, Format), InputError> {
        match self.shown {
            None => Ok(("none".into(), format::preset("combined").expect("preset"))),
            Some(sample) => Err(InputError::Unrecognised {
                path: name.to_string(),
                sample,
            }),
        }
    }
}

/// How to scan an input read as `format`: with an auto-detected format, a
/// malformed line is also tried with the other presets, to tell a file of
/// mixed formats.
fn scan_opts(cfg: &Config, format: &str) -> ScanOpts {
    let mut opts = cfg.scan.clone();
    if matches!(cfg.format, FormatChoice::Auto) {
        opts.others = Some(
            format::PRESETS
                .iter()
                .filter(|p| p.name != format)
                .map(|p| (p.name, format::preset(p.name).expect("presets compile")))
                .collect(),
        );
    }
    opts
}

/// Windows of a mapped file to detect its format from: its first
/// [`SAMPLE_BYTES`], then up to `SAMPLE_WINDOWS - 1` more spread evenly over
/// the rest, the last one its end, each from its first whole line.
fn windows(data: &[u8]) -> impl Iterator<Item = &[u8]> {
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
                let from = input::chunk::leading_nul(data, &|w: &[u8]| m.release(w));
                let samples: Vec<&[u8]> = windows(&data[from..]).collect();
                let chosen = choose(cfg, samples.iter().copied(), &name);
                // The samples are spread over the file: drop them now, not
                // when the scan reaches them.
                samples.iter().for_each(|w| m.release(w));
                chosen.map(|(fname, f)| {
                    let opts = scan_opts(cfg, &fname);
                    let agg = scan_slice_then(data, &f, &opts, |c| m.release(c));
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
    // Read ahead a window at a time until a line parses (or the stream
    // ends, fails, or the look-ahead is spent).
    let mut sample = Vec::new();
    let mut nuls = 0u64;
    let mut head_err = None;
    let mut tried = 0;
    let mut detection = Detection::default();
    let (fname, f) = loop {
        let full = sample.len() + SAMPLE_BYTES;
        let ended = loop {
            let want = (full - sample.len()) as u64;
            match (&mut r).take(want).read_to_end(&mut sample) {
                Err(e) => {
                    head_err = Some(e);
                    break true;
                }
                Ok(n) => {
                    // A leading NUL hole is counted, not sampled (past the
                    // first other byte, nothing is drained).
                    let k = sample.iter().take_while(|&&b| b == 0).count();
                    nuls += k as u64;
                    sample.drain(..k);
                    if n == 0 || sample.len() == full {
                        break n == 0;
                    }
                }
            }
        };
        if let FormatChoice::Fixed(n, f) = &cfg.format {
            break (n.clone(), f.clone());
        }
        // The new part, from its first whole line.
        let from = sample[..tried]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        if let Some(found) = detection.feed(&sample[from..]) {
            break found;
        }
        if ended || sample.len() >= STREAM_LOOKAHEAD {
            match std::mem::take(&mut detection).give_up(name) {
                Ok(found) => break found,
                Err(e) => return Err(e),
            }
        }
        tried = sample.len();
    };
    let head = io::repeat(0)
        .take(nuls)
        .chain(io::Cursor::new(std::mem::take(&mut sample)));
    let rest: Box<dyn Read + Send> = match head_err {
        Some(e) => Box::new(head.chain(FailingReader(Some(e)))),
        None => Box::new(head.chain(r)),
    };
    let opts = scan_opts(cfg, &fname);
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

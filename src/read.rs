//! Reading every input: open it, choose its format, scan it, and sum the
//! totals. What comes out, a [`Run`], is what the findings start from: the
//! merged counts, each input's line accounting, and what went wrong.
//!
//! Error-log times carry no zone; before anything is scanned, the access
//! logs read with them are sampled for the zone they write (see
//! [`crate::zone`]) unless `--error-tz` named one.

use rayon::prelude::*;
use std::io::{self, Read};
use std::time::Instant;

use crate::aggregate::{Agg, Example};
use crate::error::{CutShort, Exit, InputError};
use crate::escape::escape;
use crate::format::detect::{
    choose, windows, Choice, Chosen, Detection, SAMPLE_BYTES, STREAM_LOOKAHEAD,
};
use crate::format::time::LocalZone;
use crate::format::{self, Format};
use crate::input::changes::Change;
use crate::input::digest::Digest;
use crate::input::lookahead::Lookahead;
use crate::input::{self, Compression, InputSpec, MmapPolicy, Opened, Source};
use crate::progress;
use crate::scan::{classifier, scan_slice_then, scan_stream, Exporting, Reading, ScanOpts};
use crate::zone;

/// What to read and how: settings resolved once from the command line.
#[derive(Clone, Debug)]
pub struct ReadOpts {
    pub inputs: Vec<InputSpec>,
    /// How each input's format is chosen, one per input.
    pub formats: Vec<Choice>,
    pub mmap: MmapPolicy,
    /// How far one compressed input may inflate.
    pub max_decompressed: input::InflateCap,
    /// `--error-tz`; `None`: learnt from the access logs.
    pub error_tz: Option<i64>,
    pub threads: usize,
    pub scan: ScanOpts,
    /// Hash each input's bytes as read (`alf rules`, for its header).
    pub hash: bool,
    /// Draw a progress line on stderr (a terminal, not `--quiet`).
    pub progress: bool,
}

/// How an input was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadMode {
    Mmap,
    Stream,
}

impl ReadMode {
    pub fn label(self) -> &'static str {
        match self {
            ReadMode::Mmap => "mmap",
            ReadMode::Stream => "stream",
        }
    }
}

/// One input's line accounting, and what happened while it was read.
#[derive(Clone, Debug)]
pub struct InputAccount {
    /// Its place among the inputs given, from 0.
    pub index: usize,
    /// The name given, escaped.
    pub path: String,
    /// The preset or format string it was read with (`none` for blank input).
    pub format: String,
    /// Why it got that format: `detected`, the option that named it, or
    /// `error log detected beside OPTION`.
    pub reason: String,
    /// The preset its sample parses as, when not the format chosen.
    pub parses_as: Option<String>,
    pub compression: Compression,
    pub read: ReadMode,
    /// Bytes scanned: a compressed input's decompressed bytes.
    pub bytes_read: u64,
    /// The SHA-256 of the bytes read from the file or stream (a compressed
    /// input's own, compressed bytes), when asked for ([`ReadOpts::hash`]).
    /// Of the read that is counted: a file read again is hashed again.
    pub digest: Option<Digest>,
    pub lines: u64,
    pub parsed: u64,
    pub malformed: u64,
    pub overlong: u64,
    pub empty: u64,
    pub ambiguous: u64,
    pub filtered: u64,
    pub nul_bytes: u64,
    /// A last line without a newline that may be cut: not a record.
    pub incomplete: u64,
    /// A last line without a newline, counted as it parsed.
    pub unterminated: u64,
    /// Malformed lines another preset parses (auto-detected format only),
    /// most first, then by name.
    pub other_formats: Vec<(&'static str, u64)>,
    /// The file shrank while it was read: a map was read again to the new
    /// end; a stream stopped there.
    pub shrank: bool,
    /// The mapped file was rewritten while it was read (bytes there at open
    /// changed), and was read again.
    pub rewritten: bool,
    /// The file changed while it was read, and that read is what is
    /// counted: old and new lines may be mixed.
    pub changed: bool,
    /// The file grew while it was read: its size when opened, which is
    /// where a mapped read stops (a stream reads on to its end).
    pub grew: Option<u64>,
    /// The name now leads to another file, or none (rotated by rename,
    /// deleted): what was read is the file as opened.
    pub replaced: bool,
    /// A stop was asked for (Ctrl-C, SIGTERM) while this input was read:
    /// the counts cover what was read before it.
    pub interrupted: bool,
    /// The stream ended early: the lines before are counted.
    pub cut_short: Option<CutShort>,
}

impl InputAccount {
    fn new(
        path: &str,
        chosen: &Chosen,
        compression: Compression,
        read: ReadMode,
        a: &Agg,
        bytes_read: u64,
    ) -> InputAccount {
        let mut other_formats: Vec<(&'static str, u64)> =
            a.other_formats.iter().map(|(f, n)| (*f, *n)).collect();
        other_formats.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
        InputAccount {
            index: 0,
            path: path.to_string(),
            format: chosen.name.clone(),
            reason: chosen.reason.clone(),
            parses_as: chosen.parses_as.clone(),
            compression,
            read,
            bytes_read,
            digest: None,
            lines: a.lines,
            parsed: a.parsed,
            malformed: a.malformed_total(),
            overlong: a.overlong,
            empty: a.empty,
            ambiguous: a.ambiguous,
            filtered: a.filtered,
            nul_bytes: a.nul_bytes,
            incomplete: a.incomplete,
            unterminated: a.unterminated,
            other_formats,
            shrank: false,
            rewritten: false,
            changed: false,
            grew: None,
            replaced: false,
            interrupted: false,
            cut_short: None,
        }
    }
}

/// How the error-log times were read, when alf chose it: from the zone the
/// access logs write.
#[derive(Clone, Debug, PartialEq)]
pub enum ZoneNote {
    /// One offset (never UTC: that is what they are read as anyway).
    Learnt(LocalZone),
    /// The access logs write several offsets: error-log times stay UTC.
    Mixed(Vec<i64>),
}

/// Every input, read.
pub struct Run {
    /// The inputs that could be read, in order.
    pub inputs: Vec<InputAccount>,
    /// Their counts, merged.
    pub total: Agg,
    /// The first bad lines of each input, with its name.
    pub examples: Vec<(String, Example)>,
    /// The inputs that could not be read at all, with their places.
    pub failed: Vec<(usize, InputError)>,
    pub zone: Option<ZoneNote>,
    pub seconds: f64,
    pub bytes_read: u64,
    /// Threads the scans ran on.
    pub threads: usize,
    /// A stop was asked for (Ctrl-C, SIGTERM): the inputs listed are those
    /// read, the last of them perhaps in part; the rest were not begun.
    pub interrupted: bool,
    /// Inputs named.
    pub given: usize,
}

impl Run {
    /// How the run ends, as far as reading goes.
    pub fn exit(&self) -> Exit {
        let unrecognised = self
            .failed
            .iter()
            .any(|(_, e)| matches!(e, InputError::Unrecognised { .. }));
        let any_parsed = self.total.parsed > 0;
        if self.interrupted {
            Exit::Interrupted
        } else if self.inputs.is_empty() {
            if unrecognised {
                Exit::Unrecognised
            } else {
                Exit::NoInput
            }
        } else if !any_parsed && self.total.filtered > 0 {
            Exit::FilteredOut
        } else if !any_parsed && (self.total.lines > self.total.empty || unrecognised) {
            Exit::Unrecognised
        } else if self.inputs.iter().any(|i| i.changed) {
            Exit::Changed
        } else if !self.failed.is_empty() || self.inputs.iter().any(|i| i.cut_short.is_some()) {
            Exit::Partial
        } else {
            Exit::Ok
        }
    }
}

/// One input, scanned.
struct Scanned {
    account: InputAccount,
    agg: Agg,
}

/// Reads every input in order on `pool`.
pub fn read_all(opts: &ReadOpts, pool: &rayon::ThreadPool) -> Run {
    read_all_to(opts, pool, None)
}

/// [`read_all`], handing every counted line to `export`, input by input,
/// in input order.
pub fn read_all_to(
    opts: &ReadOpts,
    pool: &rayon::ThreadPool,
    export: Option<&dyn Exporting>,
) -> Run {
    let start = Instant::now();
    // The signature tables take some milliseconds to compile, which every
    // scanning thread would wait for: compiled on the pool while this
    // thread samples the inputs for their formats.
    if opts.scan.classify || opts.scan.filter.has_classes() || export.is_some() {
        pool.spawn(|| {
            classifier();
        });
    }
    let mut run = Run {
        inputs: Vec::new(),
        total: Agg::new(opts.scan.key, opts.scan.max_clients),
        examples: Vec::new(),
        failed: Vec::new(),
        zone: None,
        seconds: 0.0,
        bytes_read: 0,
        threads: opts.threads,
        interrupted: false,
        given: opts.inputs.len(),
    };
    let survey = survey(opts);
    let error_zone = match survey.zone {
        Some(note) => {
            let zone = match &note {
                ZoneNote::Learnt(z) => *z,
                ZoneNote::Mixed(_) => LocalZone::default(),
            };
            run.zone = Some(note);
            zone
        }
        None => LocalZone::fixed(opts.error_tz.unwrap_or(0)),
    };
    // With a detected format, a malformed line is also tried with the other
    // presets, to tell a file of mixed formats.
    let presets: Vec<(&'static str, Format)> = format::PRESETS
        .iter()
        .map(|p| (p.name, format::preset(p.name).expect("presets compile")))
        .collect();
    let counter = progress::Counter::default();
    let _progress = opts
        .progress
        .then(|| progress::Progress::start(counter.clone(), total_bytes(&opts.inputs)));
    let mut ctx = Ctx {
        counter,
        opts,
        scan: ScanOpts {
            pair: survey.both_kinds,
            ..opts.scan.clone()
        },
        error_zone,
        presets: &presets,
        export,
    };
    let queue = ctx.scan.stream_queue;
    let mut next = 0;
    while next < opts.inputs.len() {
        if input::interrupt::requested() {
            break;
        }
        // A compressed input decodes on one core: consecutive ones are read
        // side by side, as many as there are threads, and summed in order.
        // An export writes its rows input by input: one at a time.
        let side_by_side = if export.is_some() { 1 } else { opts.threads };
        let together = opts.inputs[next..]
            .iter()
            .take(side_by_side.max(1))
            .take_while(|spec| input::compressed(spec))
            .count()
            .max(1);
        ctx.scan.stream_queue = if together > 1 { 0 } else { queue };
        let read = |index: usize| read_one(&opts.inputs[index], &opts.formats[index], &ctx);
        let results: Vec<_> = pool.install(|| {
            (next..next + together)
                .into_par_iter()
                .map(|index| (index, read(index)))
                .collect()
        });
        next += together;
        for (index, result) in results {
            match result {
                Ok(mut s) => {
                    s.account.index = index;
                    // Asked during this input's scan: what it counts is a part.
                    s.account.interrupted = input::interrupt::requested();
                    run.examples.extend(
                        s.agg
                            .examples
                            .drain(..)
                            .map(|e| (s.account.path.clone(), e)),
                    );
                    run.bytes_read += s.account.bytes_read;
                    pool.install(|| run.total.absorb(s.agg));
                    run.inputs.push(s.account);
                }
                Err(e) => run.failed.push((index, e)),
            }
        }
    }
    run.interrupted = input::interrupt::requested();
    run.seconds = start.elapsed().as_secs_f64();
    let cap = run.total.max_clients;
    pool.install(|| run.total.classes.group(cap));
    run
}

/// What a scan is given: a map's bytes (with the hook that releases what was
/// read), or a stream.
enum Data<'a> {
    Mapped(&'a [u8], &'a (dyn Fn(&[u8]) + Sync)),
    Stream(Box<dyn Read + Send>),
}

/// What a stream's scan ended with.
struct Scan {
    agg: Agg,
    bytes: u64,
    error: Option<io::Error>,
}

impl Data<'_> {
    fn scan(self, rd: &Reading, opts: &ScanOpts, export: Option<&dyn Exporting>) -> Scan {
        match self {
            Data::Mapped(data, done) => {
                let (agg, skipped) = match export {
                    Some(ex) => (ex.slice(data, rd, opts, done), 0),
                    None => scan_slice_then(data, rd, opts, done),
                };
                Scan {
                    agg,
                    bytes: data.len() as u64 - skipped,
                    error: None,
                }
            }
            Data::Stream(r) => {
                let (agg, end) = match export {
                    Some(ex) => ex.stream(r, rd, opts),
                    None => scan_stream(r, rd, opts),
                };
                Scan {
                    agg,
                    bytes: end.bytes,
                    error: end.error,
                }
            }
        }
    }
}

/// The bytes to read, when every input is an uncompressed regular file
/// (a compressed file's size is not what its scan consumes).
fn total_bytes(inputs: &[InputSpec]) -> Option<u64> {
    inputs.iter().try_fold(0u64, |sum, i| {
        let InputSpec::Path(p) = i else { return None };
        let compressed = p
            .extension()
            .is_some_and(|e| e == "gz" || e == "zst" || e == "zstd");
        let meta = std::fs::metadata(p)
            .ok()
            .filter(|m| m.is_file() && !compressed)?;
        Some(sum + meta.len())
    })
}

/// What every input's scan shares.
struct Ctx<'a> {
    /// Bytes consumed, for the progress line.
    counter: progress::Counter,
    opts: &'a ReadOpts,
    /// `opts.scan`, with what the survey found.
    scan: ScanOpts,
    error_zone: LocalZone,
    /// The presets a malformed line of a detected format is tried with.
    presets: &'a [(&'static str, Format)],
    /// Where every counted line goes, for `alf export`.
    export: Option<&'a dyn Exporting>,
}

impl Ctx<'_> {
    /// Scans `data` as `c` says.
    fn scan(&self, c: &Chosen, data: Data) -> Scan {
        let others: Vec<(&'static str, Format)> = self
            .presets
            .iter()
            .filter(|p| p.0 != c.name)
            .cloned()
            .collect();
        let rd = Reading {
            format: &c.format,
            error_zone: self.error_zone,
            // A format the user named is read as named: nothing else is tried.
            others: (c.reason == "detected").then_some(&others[..]),
        };
        data.scan(&rd, &self.scan, self.export)
    }
}

fn read_one(spec: &InputSpec, choice: &Choice, ctx: &Ctx) -> Result<Scanned, InputError> {
    // Opening standard input reads its first bytes, which may never come.
    let waiting = input::interrupt::AtOnce::new();
    let hash = ctx.opts.hash;
    let opened = input::open_hashing(spec, ctx.opts.mmap, hash)?;
    drop(waiting);
    if let Some(ex) = ctx.export {
        ex.input(&spec_name(spec));
    }
    // An export's rows are written as they are read and cannot be taken
    // back: a file that changed is not read again (that would write its
    // rows twice) but reported as changed (exit 7).
    let again_ok = ctx.export.is_none() && !input::interrupt::requested();
    let Source::Mapped(m) = opened.source else {
        let s = read_stream(opened, choice, ctx)?;
        if !s.account.changed || !again_ok {
            return Ok(s);
        }
        // Rewritten while it was read: once more, as it now is.
        let mut s = read_stream(input::reopen_stream(spec, hash)?, choice, ctx)?;
        s.account.rewritten = !s.account.changed;
        return Ok(s);
    };
    let name = opened.name;
    let (res, shrank) = m.scan_guarded(|data| {
        // A leading NUL hole (copytruncate) tells nothing about the format.
        let from = input::chunk::leading_nul(data, &|w: &[u8]| m.release(w));
        let samples: Vec<&[u8]> = windows(&data[from..]).collect();
        let chosen = choose(choice, samples.iter().copied(), &name);
        // The samples are spread over the file: drop them now, not
        // when the scan reaches them.
        samples.iter().for_each(|w| m.release(w));
        chosen.map(|c| {
            let done = |d: &[u8]| {
                ctx.counter.add(d.len());
                m.release(d)
            };
            let scan = || ctx.scan(&c, Data::Mapped(data, &done));
            if !hash {
                let s = scan();
                return (c, s, None);
            }
            // Hashed beside the scan on another thread of the pool (after
            // it, with one thread), inside the SIGBUS guard: on two cores a
            // 1 GB log's rules take about a fifth longer, against two to
            // three fifths with the hash before or after the scan. The hash
            // runs ahead of the scan and releases what it read, as the scan
            // does: the scan faults those pages in again from the page
            // cache, but the map's resident size stays small (kept, it
            // reached 700 MB). A write into the mapped bytes between the
            // two reads is what the change check below looks for: a file
            // found rewritten is read, and hashed, again.
            let digest = || Digest::of_slice(data, |b| m.release(b));
            let (s, d) = rayon::join(scan, digest);
            (c, s, Some(d))
        })
    });
    let checked = opened.watch.as_ref().map(|w| w.check());
    let rewritten = checked.is_some_and(|c| c.change == Change::Rewritten);
    let again_ok = again_ok && !input::interrupt::requested();
    if (shrank || rewritten) && again_ok {
        // The scan saw zeros where the file had been cut, or a mix of old
        // and new bytes: read it again, as it is now.
        drop(m);
        let again = input::reopen_stream(spec, hash)?;
        let mut s = read_stream(again, choice, ctx)?;
        s.account.shrank |= shrank;
        s.account.rewritten = rewritten && !shrank;
        s.account.replaced |= checked.is_some_and(|c| c.replaced);
        return Ok(s);
    }
    let (chosen, scan, digest) = res?;
    let mut account = InputAccount::new(
        &name,
        &chosen,
        Compression::None,
        ReadMode::Mmap,
        &scan.agg,
        scan.bytes,
    );
    // A hash of the whole map, and a scan of all of it; after a stop, the
    // chunks skipped may lie anywhere: no hash then.
    let whole = m.len() as u64;
    account.digest = digest.filter(|d| d.bytes == whole && scan.bytes == whole);
    // Stopped mid-way, or exported: what was read is kept as it is. A cut
    // file's rows past the cut may be new lines written where old ones were.
    account.shrank = shrank;
    account.changed = rewritten || (shrank && ctx.export.is_some());
    if let Some(c) = checked {
        account.replaced = c.replaced;
        account.grew = (c.change == Change::Grew).then_some(m.len() as u64);
    }
    Ok(Scanned {
        account,
        agg: scan.agg,
    })
}

fn read_stream(opened: Opened, choice: &Choice, ctx: &Ctx) -> Result<Scanned, InputError> {
    let opts = ctx.opts;
    let (name, c) = (&opened.name[..], opened.compression);
    let Source::Stream(r) = opened.source else {
        unreachable!("read_stream takes a stream")
    };
    let r: Box<dyn Read + Send> = Box::new(progress::Counting {
        inner: r,
        counter: ctx.counter.clone(),
    });
    let r: Box<dyn Read + Send> = if c != Compression::None {
        Box::new(input::Capped::new(
            r,
            opts.max_decompressed,
            opened.consumed,
        ))
    } else {
        r
    };
    // Read ahead a window at a time until a line parses (or the stream
    // ends, fails, or the look-ahead is spent).
    let mut ahead = Lookahead::new(r);
    let mut detection = Detection::new(choice);
    let waiting = input::interrupt::AtOnce::new();
    let chosen = loop {
        let part = ahead.next_window(SAMPLE_BYTES);
        if let Some(found) = detection.feed(part) {
            break found;
        }
        if ahead.exhausted(STREAM_LOOKAHEAD) {
            break detection.give_up(name)?;
        }
    };
    drop(waiting);
    let s = ctx.scan(&chosen, Data::Stream(ahead.into_reader()));
    let mut account = InputAccount::new(name, &chosen, c, ReadMode::Stream, &s.agg, s.bytes);
    // What went through the hash is what was read, beneath any decoder. A
    // stream left behind by a stop may have read past what was scanned:
    // no hash then, as it may cover bytes not counted.
    account.digest = opened.tap.map(|t| t.digest()).filter(|d| {
        !input::interrupt::requested() && (c != Compression::None || d.bytes == s.bytes)
    });
    if let Some(w) = &opened.watch {
        let checked = w.check();
        account.replaced = checked.replaced;
        match checked.change {
            // Read to where it now ends: what came before the cut.
            Change::Shrank => account.shrank = true,
            Change::Rewritten => account.changed = true,
            Change::Grew => account.grew = Some(w.len()),
            Change::None => {}
        }
    }
    account.cut_short = s.error.map(|e| match c {
        Compression::Gzip | Compression::Zstd if e.kind() == io::ErrorKind::UnexpectedEof => {
            CutShort::Truncated { codec: c.label() }
        }
        _ => match e
            .get_ref()
            .and_then(|i| i.downcast_ref::<input::CapReached>())
        {
            Some(input::CapReached::Bytes(n)) => CutShort::Capped { bytes: *n },
            Some(input::CapReached::Ratio { out, consumed }) => CutShort::Bomb {
                bytes: *out,
                compressed: *consumed,
            },
            None => CutShort::Read {
                bytes: s.bytes,
                message: escape(e.to_string().as_bytes()),
            },
        },
    });
    Ok(Scanned {
        account,
        agg: s.agg,
    })
}

/// An input's name as given, unescaped (`-` for standard input).
fn spec_name(spec: &InputSpec) -> Vec<u8> {
    match spec {
        InputSpec::Stdin => b"-".to_vec(),
        InputSpec::Path(p) => p.as_os_str().as_encoded_bytes().to_vec(),
    }
}

/// What the inputs are, learnt before any is scanned.
#[derive(Default)]
struct Survey {
    /// How error-log times are read, when alf chose it (see [`survey`]).
    zone: Option<ZoneNote>,
    /// Access and error logs are (or, for a stream, may be) read together,
    /// with the classes on: the scan keeps what pairs their lines.
    both_kinds: bool,
}

/// Opens the regular files among several inputs and detects their formats:
/// for the zone of error-log times (without `--error-tz`, when error logs
/// are read with access logs: the zone the access logs write, see
/// [`crate::zone`]; `None` when there is nothing to say: no error log, no
/// sample, or UTC, which is what they are read as otherwise), and to know
/// whether the run reads both kinds of log. Standard input and pipes are
/// not sampled, as they cannot be read twice: they may be either kind.
fn survey(opts: &ReadOpts) -> Survey {
    let want_zone = opts.error_tz.is_none();
    // Formats each named exactly are known kinds of log.
    let want_kinds =
        opts.scan.classify && (opts.formats.iter()).any(|c| !matches!(c, Choice::Exact { .. }));
    if opts.inputs.len() < 2 || !(want_zone || want_kinds) {
        return Survey::default();
    }
    let mut samples = Vec::new();
    let (mut error_logs, mut access_logs) = (false, false);
    // Only regular files can be read twice: a pipe (`<(zcat log.gz)`) would
    // lose what was sampled.
    let regular =
        |s: &&InputSpec| matches!(s, InputSpec::Path(p) if p.metadata().is_ok_and(|m| m.is_file()));
    for (spec, choice) in opts.inputs.iter().zip(&opts.formats) {
        if !regular(&spec) {
            continue;
        }
        let Ok(opened) = input::open(spec, opts.mmap) else {
            continue;
        };
        let format_of = |windows: &[&[u8]]| {
            let c = choose(choice, windows.iter().copied(), &opened.name).ok()?;
            Some(c.format)
        };
        let f = match opened.source {
            Source::Mapped(ref m) => {
                m.scan_guarded(|data| {
                    // Past a leading NUL hole, as the scan's own sample is.
                    let from = input::chunk::leading_nul(data, &|w: &[u8]| m.release(w));
                    let w: Vec<&[u8]> = windows(&data[from..]).collect();
                    let f = format_of(&w)?;
                    if want_zone && !f.is_error_log() {
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
                if let Some(f) = f.as_ref().filter(|f| want_zone && !f.is_error_log()) {
                    samples.extend(zone::sample_head(f, &head));
                }
                f
            }
        };
        error_logs |= f.as_ref().is_some_and(|f| f.is_error_log());
        access_logs |= f.as_ref().is_some_and(|f| !f.is_error_log());
    }
    let unknown = opts.inputs.iter().any(|s| !regular(&s));
    let zone = match zone::learn(samples) {
        _ if !want_zone || !error_logs => None,
        zone::Learnt::Nothing => None,
        zone::Learnt::Zone(z) if z.is_utc() => None,
        zone::Learnt::Zone(z) => Some(ZoneNote::Learnt(z)),
        zone::Learnt::Mixed(offsets) => Some(ZoneNote::Mixed(offsets)),
    };
    Survey {
        zone,
        both_kinds: want_kinds && (unknown || (error_logs && access_logs)),
    }
}

//! The scan core: whole-line chunks in, an [`Agg`] out.
//!
//! Every reading path (map, read, gzip, stdin) ends here, so they cannot
//! disagree. Maps are split into chunks scanned on the thread pool; streams are
//! read block by block on one thread while the pool scans the previous block.

use std::cell::RefCell;
use std::io::Read;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex, OnceLock};

use rayon::prelude::*;

use crate::aggregate::{Agg, Example, ExampleKind, KeyField, MAX_EXAMPLES};
use crate::attribute::{attribute, Attribution, SelfAddrs, TrustedProxies};
use crate::classify::{
    self, ClassId, ClassSet, Classifier, ErrorEvent, ErrorRequest, FieldCache, LineClass, Probes,
    Shape,
};
use crate::filter::Filter;
use crate::format::time::{in_range, LocalZone};
use crate::format::{Format, Parsed, Reason};
use crate::input::chunk::{split_pieces, Block, Blocks, Piece};
use crate::input::interrupt;
use crate::record::Record;

/// The classifier, compiled once per process.
pub fn classifier() -> &'static Classifier {
    static C: OnceLock<Classifier> = OnceLock::new();
    C.get_or_init(Classifier::new)
}

thread_local! {
    /// Per-thread memo of field verdicts: user agents and paths repeat.
    static FIELD_CACHE: RefCell<FieldCache> = RefCell::new(FieldCache::new());
}

/// How to scan.
#[derive(Clone, Debug)]
pub struct ScanOpts {
    /// Target chunk size for the thread pool.
    pub chunk_size: usize,
    /// Lines longer than this are counted as overlong and not parsed.
    pub max_line: usize,
    /// Count this field for `alf top --by`.
    pub key: Option<KeyField>,
    /// Run the anomaly classifier on every parsed line.
    pub classify: bool,
    /// Distinct clients counted one by one, per worker (`--max-clients`).
    pub max_clients: usize,
    /// Proxies whose X-Forwarded-For is believed (`--trusted-proxy`).
    pub trusted: TrustedProxies,
    /// Which records the report covers.
    pub filter: Filter,
    /// This server's own addresses: never an offender.
    pub self_addrs: SelfAddrs,
    /// The run reads access and error logs together: access-log probes and
    /// login candidates are kept by client, second and path, so that the
    /// findings can tell a request both logs hold (see `aggregate::paired`).
    /// Costs only lines that show those classes, and only then.
    pub pair: bool,
    /// Bytes of blocks a stream's reader may have waiting for the scanners
    /// (at least one block a thread). The default covers the reader's time
    /// off a core, which it shares with the scanners; streams read side by
    /// side queue less (`0`), as their readers between them keep the cores
    /// busy.
    pub stream_queue: usize,
}

/// How one input's lines are read: its format, the zone its error-log times
/// are written in, and, when the format was detected, the other presets a
/// malformed line is tried with (a file of mixed formats shows up so).
#[derive(Clone, Copy, Debug)]
pub struct Reading<'f> {
    pub format: &'f Format,
    pub error_zone: LocalZone,
    /// A malformed line that one of these parses is counted for it
    /// (`Agg::other_formats`).
    pub others: Option<&'f [(&'static str, Format)]>,
}

impl<'f> Reading<'f> {
    /// `format` alone: times as written, nothing else tried.
    pub fn of(format: &'f Format) -> Reading<'f> {
        Reading {
            format,
            error_zone: LocalZone::default(),
            others: None,
        }
    }
}

impl Default for ScanOpts {
    fn default() -> Self {
        ScanOpts {
            chunk_size: 8 << 20,
            max_line: 4 << 20,
            key: None,
            classify: false,
            max_clients: crate::aggregate::MAX_CLIENTS,
            trusted: TrustedProxies::default(),
            filter: Filter::default(),
            self_addrs: SelfAddrs::default(),
            pair: false,
            stream_queue: STREAM_QUEUE,
        }
    }
}

/// What the scan shows an export of one counted line: the record, where it
/// is, and what its classification found (see [`Rows`]).
pub struct Seen<'s, 'c> {
    pub rec: &'s Record<'c>,
    /// Its line number within the chunk, from 1.
    pub line: u64,
    /// The line as read, without its newline, CR or leading NULs.
    pub text: &'c [u8],
    /// Its per-line classes (as `--class` reads them).
    pub classes: ClassSet,
    /// An access-log line's classes and signature hits; an error-log line's
    /// signature hits.
    pub marks: &'s LineClass,
    /// An error-log line's gateway failure.
    pub event: Option<&'s ErrorEvent>,
    /// The request an error-log line names.
    pub request: Option<&'s ErrorRequest<'c>>,
    pub error_log: bool,
}

/// Where the scan hands each counted line, for an export. Object-safe, and
/// passed as an `Option`: the scan core is compiled once for every command,
/// so the triage's keeps its shape (its inlining) and pays one untaken
/// branch a line.
pub trait Rows {
    fn row(&mut self, seen: &Seen);
}

/// An export: a fresh [`Rows`] for each chunk, and where a chunk's rows go
/// once every earlier chunk's have gone.
pub trait Export: Sync {
    type Rows: Rows + Send;
    /// An input begins; `name` as given (`-` for standard input).
    fn input(&self, name: &[u8]);
    fn rows(&self) -> Self::Rows;
    /// Writes a chunk's rows; `lines_before` is the number of lines of its
    /// input before the chunk.
    fn write(&self, rows: Self::Rows, lines_before: u64);
    /// The output failed: reading on is pointless.
    fn gone(&self) -> bool;
}

/// An export as reading sees it, whatever its rows: object-safe, so that
/// reading takes one without a type parameter.
pub trait Exporting: Sync {
    /// An input begins; `name` as given (`-` for standard input).
    fn input(&self, name: &[u8]);
    fn slice(
        &self,
        data: &[u8],
        fmt: &Reading,
        opts: &ScanOpts,
        done: &(dyn Fn(&[u8]) + Sync),
    ) -> Agg;
    fn stream(&self, r: Box<dyn Read + Send>, fmt: &Reading, opts: &ScanOpts) -> (Agg, StreamEnd);
}

impl<E: Export> Exporting for E {
    fn input(&self, name: &[u8]) {
        Export::input(self, name)
    }

    fn slice(
        &self,
        data: &[u8],
        fmt: &Reading,
        opts: &ScanOpts,
        done: &(dyn Fn(&[u8]) + Sync),
    ) -> Agg {
        scan_slice_export(data, fmt, opts, done, self, &mut 0)
    }

    fn stream(&self, r: Box<dyn Read + Send>, fmt: &Reading, opts: &ScanOpts) -> (Agg, StreamEnd) {
        scan_stream_export(r, fmt, opts, self)
    }
}

/// Chunks scanned at once per thread by an export: rows wait in memory
/// until the chunks before them are written, so this bounds the memory.
const EXPORT_WINDOW: usize = 2;

/// Bytes per chunk an export scans: its rows are held until written.
const EXPORT_CHUNK: usize = 2 << 20;

/// As [`scan_slice_then`], handing every counted line to `ex` in input
/// order. `lines_before`: the lines of the input before `data`; on return,
/// those up to its end.
pub fn scan_slice_export<E: Export>(
    data: &[u8],
    fmt: &Reading,
    opts: &ScanOpts,
    done: impl Fn(&[u8]) + Sync,
    ex: &E,
    lines_before: &mut u64,
) -> Agg {
    let chunks = split_pieces(
        data,
        opts.chunk_size.min(EXPORT_CHUNK),
        opts.max_line,
        &done,
    );
    let window = rayon::current_num_threads().max(1) * EXPORT_WINDOW;
    let mut total = Agg::new(opts.key, opts.max_clients);
    let mut examples: Vec<Example> = Vec::new();
    let scan = |group: &[Piece]| -> Vec<(Agg, E::Rows)> {
        group
            .par_iter()
            .with_max_len(1)
            .map(|piece| {
                let mut a = Agg::new(opts.key, opts.max_clients);
                let mut rows = ex.rows();
                match piece {
                    Piece::Lines(c) => {
                        a.scan_rows(c, fmt, opts, Some(&mut rows));
                        done(c);
                    }
                    Piece::Overlong { head, nul } => a.overlong_head(head, *nul),
                    Piece::Nul(n) => a.nul_bytes += n,
                }
                (a, rows)
            })
            .collect()
    };
    // A window's rows are written while the next window is scanned.
    let mut write = |parts: Vec<(Agg, E::Rows)>| {
        for (mut a, rows) in parts {
            ex.write(rows, *lines_before);
            examples.extend(a.examples.drain(..).map(|e| Example {
                line: e.line + *lines_before,
                ..e
            }));
            *lines_before += a.lines;
            total.absorb(a);
        }
        examples.truncate(MAX_EXAMPLES);
    };
    let mut scanned: Vec<(Agg, E::Rows)> = Vec::new();
    for group in chunks.chunks(window) {
        let ready = std::mem::take(&mut scanned);
        let ((), next) = rayon::join(|| write(ready), || scan(group));
        scanned = next;
        if ex.gone() {
            break;
        }
    }
    write(scanned);
    total.examples = examples;
    total
}

/// As [`scan_stream`], handing every counted line to `ex` in input order.
pub fn scan_stream_export<E: Export>(
    r: Box<dyn Read + Send>,
    fmt: &Reading,
    opts: &ScanOpts,
    ex: &E,
) -> (Agg, StreamEnd) {
    let block = opts.chunk_size.clamp(1, 4 << 20);
    let (tx, rx) = mpsc::sync_channel::<Block>(2);
    let max_line = opts.max_line;
    let reader = std::thread::spawn(move || {
        let mut blocks = Blocks::new(r, block, max_line);
        for b in blocks.by_ref() {
            if tx.send(b).is_err() {
                break;
            }
        }
        blocks.bytes
    });
    let mut agg = Agg::new(opts.key, opts.max_clients);
    let mut error = None;
    let sub = ScanOpts {
        chunk_size: (block / rayon::current_num_threads().max(1)).max(1),
        ..opts.clone()
    };
    for b in rx {
        match b {
            Block::Lines(v) => {
                let mut before = agg.lines;
                let mut part = scan_slice_export(&v, fmt, &sub, |_| {}, ex, &mut before);
                // Its examples are numbered within the input already.
                let room = MAX_EXAMPLES.saturating_sub(agg.examples.len());
                agg.examples.extend(part.examples.drain(..).take(room));
                agg.absorb(part);
                if ex.gone() {
                    break;
                }
            }
            Block::Overlong { head, nul } => agg.overlong_head(&head, nul),
            Block::Nul(n) => agg.nul_bytes += n,
            Block::Error(e) => error = Some(e),
        }
    }
    let bytes = reader.join().unwrap_or(0);
    (agg, StreamEnd { bytes, error })
}

/// What reading a stream ended with, besides the counts.
pub struct StreamEnd {
    pub bytes: u64,
    pub error: Option<std::io::Error>,
}

impl Agg {
    /// Scans one chunk of whole lines (the last may lack its newline).
    pub fn scan(&mut self, chunk: &[u8], fmt: &Reading, opts: &ScanOpts) {
        self.scan_rows(chunk, fmt, opts, None)
    }

    /// [`Agg::scan`], handing each counted line to `rows`, if any, which
    /// then takes the place of the tallies: only the line accounting is kept.
    pub fn scan_rows(
        &mut self,
        chunk: &[u8],
        fmt: &Reading,
        opts: &ScanOpts,
        mut rows: Option<&mut dyn Rows>,
    ) {
        if rows.is_none() && !opts.classify && !opts.filter.has_classes() {
            let mut p = Pending::default();
            for_each_line(chunk, |line| {
                if self.read(line, fmt, opts, &mut p) {
                    self.add(&p.rec, fmt.format.is_error_log());
                }
            });
        } else {
            // Each line is classified while the next one is parsed, so that
            // the cache slots its fields need arrive in the meantime. Two
            // buffers take turns: records are large, and are not moved.
            FIELD_CACHE.with(|c| {
                let cache = &mut c.borrow_mut();
                let (mut a, mut b) = (Pending::default(), Pending::default());
                // `cur` is read into; `prev` waits to be finished.
                let (mut cur, mut prev) = (&mut a, &mut b);
                let mut waiting = false;
                for_each_line(chunk, |line| {
                    if self.read(line, fmt, opts, cur) {
                        cur.n = self.lines;
                        if !fmt.format.is_error_log() {
                            cur.probes = classifier().probe(&cur.rec, cache);
                        }
                        if waiting {
                            self.finish(prev, fmt, opts, cache, &mut rows);
                        }
                        waiting = true;
                        std::mem::swap(&mut cur, &mut prev);
                    }
                });
                if waiting {
                    self.finish(prev, fmt, opts, cache, &mut rows);
                }
            });
        }
        self.flush();
    }

    /// Counts a line and parses it into `out`. True when it parsed and
    /// passes the filters (`--class` aside): it is then to be counted.
    #[inline]
    fn read<'c>(
        &mut self,
        line: &'c [u8],
        fmt: &Reading,
        opts: &ScanOpts,
        out: &mut Pending<'c>,
    ) -> bool {
        self.lines += 1;
        let mut l = line;
        if l.first() == Some(&0) {
            let n = l.iter().take_while(|&&b| b == 0).count();
            self.nul_bytes += n as u64;
            l = &l[n..];
        }
        if l.len() > opts.max_line {
            self.overlong += 1;
            self.example(ExampleKind::Overlong, l);
            return false;
        }
        if let Some(s) = l.strip_suffix(b"\r") {
            l = s;
        }
        if l.is_empty() {
            self.empty += 1;
            return false;
        }
        let rec = &mut out.rec;
        *rec = Record::default();
        match fmt.format.parse_clean(l, rec) {
            Ok((Parsed::Ok, false))
                if fmt
                    .others
                    .is_some_and(|o| self.swallowed(l, rec, fmt.format, o)) =>
            {
                // Another format's line (nginx `main`'s extra `"$http_x_forwarded_for"`
                // taken into `combined`'s User-Agent): malformed, not misread.
                self.malformed[Reason::Shape as usize] += 1;
                self.example(ExampleKind::Malformed(Reason::Shape), l);
                false
            }
            Ok((Parsed::Ok, _)) => {
                if !fmt.error_zone.is_utc() && fmt.format.is_error_log() {
                    // Error-log times are local: make them UTC (which may
                    // pass year 9999).
                    if let Some(t) = rec.ts {
                        let Some(t) = in_range(fmt.error_zone.utc(t)) else {
                            self.malformed_line(l, Reason::BadTimestamp, fmt);
                            return false;
                        };
                        rec.ts = Some(t);
                    }
                }
                out.line = l;
                out.direct = false;
                if !opts.trusted.is_empty() {
                    let (client, how) = attribute(rec.client, rec.xff, &opts.trusted);
                    rec.client = client;
                    self.xff_fallbacks += how.is_fallback() as u64;
                    // Came straight to the server, not through the trusted proxy.
                    out.direct = how == Attribution::Direct
                        && matches!(client, crate::record::Client::Ip(ip) if !opts.trusted.contains(ip));
                }
                if !opts.filter.is_empty() && !opts.filter.accepts(rec) {
                    self.filter_out(rec.ts);
                    return false;
                }
                true
            }
            Ok((Parsed::Ambiguous, _)) => {
                self.ambiguous += 1;
                self.example(ExampleKind::Ambiguous, l);
                false
            }
            Err(reason) => {
                self.malformed_line(l, reason, fmt);
                false
            }
        }
    }

    /// Counts a malformed line, and the other preset that parses it.
    fn malformed_line(&mut self, l: &[u8], reason: Reason, fmt: &Reading) {
        self.malformed[reason as usize] += 1;
        self.example(ExampleKind::Malformed(reason), l);
        if let Some(others) = fmt.others {
            self.other_format(l, others);
        }
    }

    /// Counts a malformed line for the first other preset that parses it, or
    /// as `json-lines` when it is a JSON object (a JSON-lines log, which no
    /// preset reads).
    #[cold]
    fn other_format(&mut self, line: &[u8], others: &[(&'static str, Format)]) {
        let parses = |f: &Format| f.parse(line, &mut Record::default()).is_ok();
        if let Some((name, _)) = others.iter().find(|(_, f)| parses(f)) {
            *self.other_formats.entry(name).or_default() += 1;
        } else if crate::format::detect::looks_like_json(line) {
            *self
                .other_formats
                .entry(crate::format::detect::JSON_LINES)
                .or_default() += 1;
        }
    }

    /// Whether a line that `format` parsed only by taking raw quotes into a
    /// quoted field is another preset's line, which that preset parses with
    /// none: counted for it (`Agg::other_formats`). Servers escape `"` in
    /// the fields they quote, so a raw one is rare; lines without a `"` in
    /// their User-Agent or Referer cost one `memchr` each.
    fn swallowed(
        &mut self,
        line: &[u8],
        rec: &Record,
        format: &Format,
        others: &[(&'static str, Format)],
    ) -> bool {
        if format.is_error_log()
            || (memchr::memchr(b'"', rec.user_agent).is_none()
                && memchr::memchr(b'"', rec.referer).is_none())
        {
            return false;
        }
        let raw = |f: &Format| {
            f.parse_measured(line, &mut Record::default())
                .map(|(_, n)| n)
        };
        if !raw(format).is_ok_and(|n| n > 0) {
            return false;
        }
        match others
            .iter()
            .find(|(_, f)| !f.is_error_log() && raw(f) == Ok(0))
        {
            Some((name, _)) => {
                *self.other_formats.entry(name).or_default() += 1;
                true
            }
            None => false,
        }
    }

    /// Classifies a parsed line, applies `--class`, and counts it.
    fn finish(
        &mut self,
        p: &Pending,
        fmt: &Reading,
        opts: &ScanOpts,
        cache: &mut FieldCache,
        rows: &mut Option<&mut dyn Rows>,
    ) {
        let marks = Marks::of(p, fmt, cache);
        if !opts.filter.accepts_classes(marks.classes) {
            self.filter_out(p.rec.ts);
            return;
        }
        if let Some(rows) = rows {
            rows.row(&Seen {
                rec: &p.rec,
                line: p.n,
                text: p.line,
                classes: marks.classes,
                marks: &marks.line,
                event: marks.event.as_ref(),
                request: marks.request.as_ref(),
                error_log: fmt.format.is_error_log(),
            });
            self.parsed += 1;
            return;
        }
        self.add(&p.rec, fmt.format.is_error_log());
        if !opts.classify {
            return;
        }
        // The server's own requests (its dummy connections aside, which are
        // noise anyway): counted, but nobody's offence. Only a line that
        // could make an offender is looked up.
        let could_offend = !marks.classes.is_empty()
            || p.rec.status == Some(404)
            || marks
                .request
                .is_some_and(|r| r.shape == Some(Shape::RateLimited));
        if could_offend
            && !marks.line.has(ClassId::Dummy)
            && matches!(p.rec.client, crate::record::Client::Ip(ip) if opts.self_addrs.contains(ip))
        {
            self.self_traffic += 1;
            if let (Some(t), false) = (p.rec.ts, fmt.format.is_error_log()) {
                self.classes.timeline.line(t, p.rec.status);
            }
            return;
        }
        self.tally(&p.rec, fmt, opts, &marks);
    }

    /// Tallies the classes a parsed line shows.
    fn tally(&mut self, rec: &Record, fmt: &Reading, opts: &ScanOpts, marks: &Marks) {
        if fmt.format.is_error_log() {
            if let Some(ev) = &marks.event {
                self.classes.error_event(rec, ev, self.max_clients);
            }
            if let Some(req) = &marks.request {
                self.classes.error_request(rec, req, &marks.line);
            }
            return;
        }
        if let Some(t) = rec.ts {
            self.classes.timeline.line(t, rec.status);
        }
        if marks.classes.contains(ClassId::DirectOrigin) {
            let classed = !marks.line.classes().is_empty() && !marks.line.has(ClassId::Dummy);
            self.classes.direct_origin(rec, self.max_clients, classed);
        }
        if !marks.line.classes().is_empty() {
            self.classes
                .line(rec, &marks.line, self.max_clients, opts.pair);
        }
        if rec.status == Some(404) {
            self.classes.not_found.add(
                rec,
                marks.line.has(classify::ClassId::Scanner),
                self.max_clients,
            );
        }
    }

    /// The input's last line, which has no newline: it may be a line still
    /// being written, cut anywhere. Counted as *incomplete* (not a record)
    /// when it does not parse, or when its format ends in a figure that a
    /// cut would change unseen (`common`'s bytes); else read as any line
    /// (it parsed up to a closing literal, or ends in text), and noted in
    /// `unterminated`. Empty and overlong lines are what they always are.
    pub fn scan_final(&mut self, line: &[u8], fmt: &Reading, opts: &ScanOpts) {
        let nul = line.iter().take_while(|&&b| b == 0).count();
        let body = &line[nul..];
        let trimmed = body.strip_suffix(b"\r").unwrap_or(body);
        if body.len() > opts.max_line || trimmed.is_empty() {
            return self.scan(line, fmt, opts);
        }
        let whole = !fmt.format.ends_in_open_figure()
            && fmt.format.parse(trimmed, &mut Record::default()).is_ok();
        if whole {
            // Read as any line; flagged as counted only if it was (a line of
            // another format, taken apart by the scan, is malformed).
            let malformed: u64 = self.malformed.iter().sum();
            self.scan(line, fmt, opts);
            if self.malformed.iter().sum::<u64>() == malformed {
                self.unterminated += 1;
            }
            return;
        }
        self.lines += 1;
        self.nul_bytes += nul as u64;
        self.incomplete += 1;
        self.example(ExampleKind::Incomplete, trimmed);
    }

    /// Whole lines, the last of which may lack its newline: then it is the
    /// input's last, read by [`Agg::scan_final`].
    fn scan_lines(&mut self, lines: &[u8], fmt: &Reading, opts: &ScanOpts) {
        let (body, last) = split_final(lines);
        self.scan(body, fmt, opts);
        if let Some(last) = last {
            self.scan_final(last, fmt, opts);
        }
    }

    /// An overlong line that was skipped without reading it all.
    fn overlong_head(&mut self, head: &[u8], nul: u64) {
        self.lines += 1;
        self.nul_bytes += nul;
        self.overlong += 1;
        self.example(ExampleKind::Overlong, head);
    }
}

/// What one parsed line shows: its per-line classes, for the report and
/// for `--class`.
struct Marks<'c> {
    classes: ClassSet,
    /// An access-log line's classes; an error-log line's signature hits.
    line: LineClass,
    event: Option<ErrorEvent>,
    /// The request an error-log line names.
    request: Option<ErrorRequest<'c>>,
}

impl<'c> Marks<'c> {
    fn of(p: &Pending<'c>, fmt: &Reading, cache: &mut FieldCache) -> Marks<'c> {
        if fmt.format.is_error_log() {
            let event = classify::error_event_line(p.line, &p.rec);
            let nginx = matches!(fmt.format.beneath(), Format::NginxError);
            let request =
                Some(classify::error_request(&p.rec, nginx)).filter(|r| r.shape.is_some());
            let line = match &request {
                Some(r) => classifier().error_hits(r, cache.scratch()),
                None => LineClass::default(),
            };
            let mut classes = line.classes();
            if event.is_some() {
                classes.insert(ClassId::UpstreamTimeout);
            }
            if request.is_some_and(|r| r.shape.is_some_and(Shape::is_auth_failure)) {
                classes.insert(ClassId::Bruteforce);
            }
            return Marks {
                classes,
                line,
                event,
                request,
            };
        }
        let lc = classifier().classify_probed(&p.rec, cache, &p.probes);
        let mut classes = lc.classes();
        if p.direct {
            classes.insert(ClassId::DirectOrigin);
        }
        Marks {
            classes,
            line: lc,
            event: None,
            request: None,
        }
    }
}

/// A parsed line on its way to be counted.
#[derive(Default)]
struct Pending<'c> {
    rec: Record<'c>,
    line: &'c [u8],
    /// Its line number in the chunk (for an export).
    n: u64,
    direct: bool,
    probes: Probes,
}

/// Calls `f` on each line of `chunk`, without its newline.
#[inline]
fn for_each_line<'c>(chunk: &'c [u8], mut f: impl FnMut(&'c [u8])) {
    let mut start = 0;
    for nl in memchr::memchr_iter(b'\n', chunk) {
        f(&chunk[start..nl]);
        start = nl + 1;
    }
    if start < chunk.len() {
        f(&chunk[start..]);
    }
}

/// Scans a whole buffer on the current thread pool.
pub fn scan_slice(data: &[u8], fmt: &Reading, opts: &ScanOpts) -> Agg {
    scan_slice_then(data, fmt, opts, |_| {}).0
}

/// `lines` (whole lines, the last perhaps without its newline) without its
/// last line when that has no newline, and that line (see
/// [`Agg::scan_final`]). Only an input's end (or a read that failed) leaves
/// a line so, and only the last piece of lines holds it.
pub fn split_final(lines: &[u8]) -> (&[u8], Option<&[u8]>) {
    if lines.last().is_none_or(|&b| b == b'\n') {
        return (lines, None);
    }
    let cut = memchr::memrchr(b'\n', lines).map_or(0, |p| p + 1);
    let (body, last) = lines.split_at(cut);
    (body, Some(last))
}

/// As [`scan_slice`], calling `done` on each part of `data` that will not be
/// read again: a chunk once it is scanned and nothing refers to it any more,
/// a window of an overlong line once it is searched. Also gives the bytes
/// left unscanned because a stop was asked for ([`interrupt`]): 0 otherwise.
pub fn scan_slice_then(
    data: &[u8],
    fmt: &Reading,
    opts: &ScanOpts,
    done: impl Fn(&[u8]) + Sync,
) -> (Agg, u64) {
    let chunks = split_pieces(data, opts.chunk_size, opts.max_line, &done);
    let crew = Crew::new();
    // One job per chunk: rayon would otherwise hand a thread a run of
    // chunks that the other cannot take from it, and leave that one idle
    // for the run's length at the end (seen: a tenth of a second of a
    // second's run, with the other core slowed by a neighbour).
    chunks
        .par_iter()
        .enumerate()
        .with_max_len(1)
        .for_each(|(i, c)| {
            crew.scan(i, *c, fmt, opts);
            if let Piece::Lines(c) = c {
                done(c);
            }
        });
    crew.finish(chunks.len(), opts)
}

/// One accumulator per thread, not per chunk: merging client tables is the
/// costly part. A chunk goes to whichever thread is free, so that a core
/// slowed by other work, or a run of costly lines, does not leave the other
/// idle at the end; a thread's chunks are then not contiguous, so line counts
/// and examples are kept by chunk and numbered at the end.
struct Crew {
    workers: Vec<Mutex<Option<Worker>>>,
    /// Bytes of the chunks skipped after a stop was asked for.
    skipped: AtomicU64,
}

impl Crew {
    fn new() -> Crew {
        let threads = rayon::current_num_threads().max(1);
        Crew {
            workers: (0..threads).map(|_| Mutex::new(None)).collect(),
            skipped: AtomicU64::new(0),
        }
    }

    /// Scans chunk `i` on the calling thread's worker, unless a stop was
    /// asked for: looked at once a chunk, never a line.
    fn scan(&self, i: usize, piece: Piece, fmt: &Reading, opts: &ScanOpts) {
        if interrupt::requested() {
            let n = match piece {
                Piece::Lines(l) => l.len() as u64,
                Piece::Overlong { head, nul } => head.len() as u64 + nul,
                Piece::Nul(n) => n,
            };
            self.skipped.fetch_add(n, Ordering::Relaxed);
            return;
        }
        let t = rayon::current_thread_index().unwrap_or(0) % self.workers.len();
        let mut w = self.workers[t].lock().unwrap_or_else(|e| e.into_inner());
        w.get_or_insert_with(|| Worker::new(opts))
            .scan(i, piece, fmt, opts);
    }

    /// The sum of `chunks` chunks, their lines numbered in order, and the
    /// bytes skipped.
    fn finish(self, chunks: usize, opts: &ScanOpts) -> (Agg, u64) {
        let workers: Vec<Worker> = self
            .workers
            .into_iter()
            .filter_map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
            .collect();
        // The first line number of each chunk.
        let mut first = vec![0u64; chunks + 1];
        for (i, n) in workers.iter().flat_map(|w| &w.lines) {
            first[i + 1] = *n;
        }
        for i in 1..first.len() {
            first[i] += first[i - 1];
        }
        let mut examples: Vec<Example> = Vec::new();
        let mut total = Agg::new(opts.key, opts.max_clients);
        for w in workers {
            examples.extend(w.examples.into_iter().map(|(i, e)| Example {
                line: e.line + first[i],
                ..e
            }));
            total.absorb(w.agg);
        }
        examples.sort_by_key(|e| e.line);
        examples.truncate(MAX_EXAMPLES);
        total.examples = examples;
        (total, self.skipped.into_inner())
    }
}

/// One thread's share of a [`scan_slice`].
struct Worker {
    agg: Agg,
    /// Lines in each chunk scanned, by chunk index.
    lines: Vec<(usize, u64)>,
    /// The first examples by position: chunk index, and line number within it.
    examples: Vec<(usize, Example)>,
}

impl Worker {
    fn new(opts: &ScanOpts) -> Worker {
        Worker {
            agg: Agg::new(opts.key, opts.max_clients),
            lines: Vec::new(),
            examples: Vec::new(),
        }
    }

    fn scan(&mut self, i: usize, piece: Piece, fmt: &Reading, opts: &ScanOpts) {
        let before = self.agg.lines;
        match piece {
            Piece::Lines(chunk) => self.agg.scan_lines(chunk, fmt, opts),
            Piece::Overlong { head, nul } => self.agg.overlong_head(head, nul),
            Piece::Nul(n) => self.agg.nul_bytes += n,
        }
        self.lines.push((i, self.agg.lines - before));
        for e in self.agg.examples.drain(..) {
            let line = e.line - before;
            self.examples.push((i, Example { line, ..e }));
        }
        // Only the first few in the whole input are shown: keep this
        // thread's first few by position.
        if self.examples.len() > MAX_EXAMPLES {
            self.examples.sort_by_key(|(i, e)| (*i, e.line));
            self.examples.truncate(MAX_EXAMPLES);
        }
    }
}

/// Scans a stream. Reading (and decompressing) runs on its own thread,
/// filling blocks that the pool's threads take as they come free, each
/// scanning into its own accumulator as the chunks of a map are; a scanned
/// block's buffer goes back to the reader. A stop asked for ([`interrupt`])
/// is seen between blocks, or within a tenth of a second while the reader
/// waits for input; the reader is then left behind.
pub fn scan_stream(r: Box<dyn Read + Send>, fmt: &Reading, opts: &ScanOpts) -> (Agg, StreamEnd) {
    let threads = rayon::current_num_threads().max(1);
    let block = opts.chunk_size.clamp(1, STREAM_BLOCK);
    // Each block goes with the stream's bytes read up to its end. The queue
    // is bounded in bytes by `Queued` (a block holds up to a line cap more
    // than `block`), and in number for blocks of a few bytes.
    let (work, queue) = mpsc::sync_channel::<(usize, Block, u64)>(64.max(threads));
    let queued = std::sync::Arc::new(Queued::new(opts.stream_queue.max(threads * block)));
    let (give_back, spare) = mpsc::channel::<Vec<u8>>();
    let max_line = opts.max_line;
    let room = queued.clone();
    let reader = std::thread::spawn(move || {
        let mut blocks = Blocks::new(r, block, max_line).recycle(spare);
        let mut i = 0;
        while let Some(b) = blocks.next() {
            if !room.admit(b.size()) || work.send((i, b, blocks.bytes)).is_err() {
                break;
            }
            i += 1;
        }
        blocks.bytes
    });
    let queue = Mutex::new(queue);
    let crew = Crew::new();
    let error = Mutex::new(None);
    let chunks = AtomicUsize::new(0);
    let scanned = AtomicU64::new(0);
    rayon::scope(|s| {
        for _ in 0..threads {
            s.spawn(|_| loop {
                let wait = std::time::Duration::from_millis(100);
                let next = queue
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .recv_timeout(wait);
                let (i, b, upto) = match next {
                    Ok(got) if !interrupt::requested() => got,
                    Err(mpsc::RecvTimeoutError::Timeout) if !interrupt::requested() => continue,
                    _ => break,
                };
                queued.taken(b.size());
                chunks.fetch_max(i + 1, Ordering::Relaxed);
                scanned.fetch_max(upto, Ordering::Relaxed);
                match b {
                    Block::Lines(v) => {
                        crew.scan(i, Piece::Lines(&v), fmt, opts);
                        // The reader may have finished: then the buffer is dropped.
                        let _ = give_back.send(v.into_buffer());
                    }
                    Block::Overlong { head, nul } => {
                        crew.scan(i, Piece::Overlong { head: &head, nul }, fmt, opts)
                    }
                    Block::Nul(n) => crew.scan(i, Piece::Nul(n), fmt, opts),
                    Block::Error(e) => *error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e),
                }
            });
        }
    });
    // A reader stopped mid-read (a terminal, a stalled pipe) is left behind.
    let bytes = if interrupt::requested() {
        scanned.into_inner()
    } else {
        reader.join().unwrap_or(0)
    };
    let (agg, _) = crew.finish(chunks.into_inner(), opts);
    let error = error.into_inner().unwrap_or_else(|e| e.into_inner());
    (agg, StreamEnd { bytes, error })
}

/// Bytes of blocks a stream's reader has queued and no scanner has taken.
struct Queued {
    bytes: Mutex<usize>,
    taken: Condvar,
    /// The most it waits to have queued, unless a block alone is more.
    cap: usize,
}

impl Queued {
    fn new(cap: usize) -> Queued {
        Queued {
            bytes: Mutex::new(0),
            taken: Condvar::new(),
            cap,
        }
    }

    /// Waits until `n` more bytes fit (or nothing is queued), and counts
    /// them; false when a stop is asked for meanwhile.
    fn admit(&self, n: usize) -> bool {
        let mut q = self.bytes.lock().unwrap_or_else(|e| e.into_inner());
        while *q > 0 && *q + n > self.cap {
            if interrupt::requested() {
                return false;
            }
            let wait = std::time::Duration::from_millis(100);
            q = match self.taken.wait_timeout(q, wait) {
                Ok((q, _)) => q,
                Err(e) => e.into_inner().0,
            };
        }
        *q += n;
        !interrupt::requested()
    }

    /// A scanner took `n` bytes.
    fn taken(&self, n: usize) {
        *self.bytes.lock().unwrap_or_else(|e| e.into_inner()) -= n;
        self.taken.notify_one();
    }
}

/// The most a stream's block holds: 1 MiB is 16 reads of a pipe, and small
/// enough for both threads to have work from the first megabytes.
const STREAM_BLOCK: usize = 1 << 20;

/// [`ScanOpts::stream_queue`]'s default: about 10 ms of scanning on two
/// cores. With one block a thread queued instead, one gzip input took 1.12x
/// the wall, a pipe 1.26x; but four gzip inputs, read two at a time, took
/// 1.10x the wall with this queue each, so those keep one block a thread.
const STREAM_QUEUE: usize = 16 << 20;

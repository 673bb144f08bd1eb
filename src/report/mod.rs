//! Reports: what the findings say, rendered. [`Triage`] and [`TopReport`]
//! are plain serialisable structs built from the findings, written as tables
//! (`table`) or JSON (`json`); nothing here decides anything. Every string in
//! them that came from a log is a [`LogText`], which every renderer shows
//! escaped and JSON writes losslessly (with a `*_b64` companion when the
//! bytes are not UTF-8); no renderer can leak raw bytes.

pub mod html;
pub mod json;
pub mod lines;
pub mod reference;
pub mod table;

use std::io::{self, Write};

use serde::Serialize;

use crate::aggregate::Seen;
use crate::classify::{info, ClassId, EventKind};
use crate::escape::LogText;
use crate::findings::behaviour::BruteWindow;
use crate::findings::top::{By, Key, Top};
use crate::findings::{
    BadLine, Evidence, Findings, Flood, Offender, ProxyTarget, RankedClient, Source, Warning,
};
use crate::format::time::{format_utc, offset_text};
use crate::geo::{GeoCache, GeoDbs, GeoInfo};
use crate::read::InputAccount;
use crate::rules::target::json::{BlockRow, HeldRow};
use crate::rules::{Plan, Selection};

/// JSON schema version; bumped on any incompatible change (2: log text as
/// logged, with `*_b64` companions, no longer escaped).
pub const SCHEMA: u32 = 2;

/// What the terminal a report goes to can take.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Term {
    /// Fit tables to this many columns (`None`: not a terminal; natural width).
    pub width: Option<u16>,
    pub colour: bool,
    /// Show the wall time and throughput (a person is watching).
    pub timing: bool,
    /// Tables as Markdown, text between them fenced.
    pub markdown: bool,
    /// CSV cells as they are, formulas not defused (`--csv-raw`).
    pub csv_raw: bool,
}

/// How a report is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Tables for people.
    Table,
    /// Stable JSON (see the README).
    Json,
    /// `count key` lines, like `uniq -c` (top only; triage prints its tables).
    Plain,
    /// One self-contained HTML page (triage only; top prints its table).
    Html,
    /// One JSON object a line.
    Ndjson,
    Csv,
    /// The tables as Markdown.
    Markdown,
}

/// The blocks a triage suggests, and the command that emits them as rules.
pub struct Suggestions<'a> {
    pub plan: &'a Plan,
    pub selection: &'a Selection,
    /// `alf rules --target ...`, one shell line.
    pub command: &'a str,
    /// The `alf rules` commands that close the origin to all but its load
    /// balancer, when requests bypassed it.
    pub origin: &'a [String],
}

/// Requests that bypassed the load balancer, and the change of access
/// policy that would stop them.
#[derive(Debug, Serialize)]
pub struct OriginPolicy {
    pub direct_requests: u64,
    pub direct_clients: usize,
    /// `alf rules` commands: nftables, iptables and an AWS security group.
    pub commands: Vec<String>,
}

/// Writes the triage report; tables show `rows` rows of each list (0: all).
pub fn render_triage(
    w: &mut impl Write,
    f: &Findings,
    s: Option<&Suggestions>,
    rows: usize,
    geo: &Geo,
    style: Style,
    term: Term,
) -> io::Result<()> {
    let mut r = Triage::build(f, s, rows, geo);
    r.term = md(style, term);
    match style {
        Style::Json => json::write(w, &r),
        Style::Html => html::triage(w, &r),
        Style::Ndjson => lines::triage_ndjson(w, &r),
        Style::Csv => lines::triage_csv(w, &r),
        Style::Markdown => table::markdown(w, |w| table::triage(w, &r)),
        Style::Table | Style::Plain => table::triage(w, &r),
    }
}

/// Markdown is for mail and tickets: plain, whatever the terminal.
fn md(style: Style, term: Term) -> Term {
    if style == Style::Markdown {
        Term {
            markdown: true,
            ..Term::default()
        }
    } else {
        term
    }
}

/// Writes the `alf top` report.
pub fn render_top(w: &mut impl Write, t: &Top, style: Style, term: Term) -> io::Result<()> {
    let mut r = TopReport::build(t);
    r.term = md(style, term);
    match style {
        Style::Json => json::write(w, &r),
        Style::Ndjson => lines::top_ndjson(w, &r),
        Style::Csv => lines::top_csv(w, &r),
        Style::Markdown => table::markdown(w, |w| table::top(w, &r)),
        Style::Table | Style::Html => table::top(w, &r),
        Style::Plain => table::top_plain(w, &r),
    }
}

/// One input's line accounting.
#[derive(Clone, Debug, Serialize)]
pub struct InputReport {
    pub path: String,
    pub format: String,
    /// Why it got that format: `detected`, `--format`, `--log-format`,
    /// `--nginx-format`, `--format-for`, or `error log detected beside OPTION`.
    pub format_reason: String,
    pub compression: &'static str,
    /// `mmap` or `stream`.
    pub read: &'static str,
    pub bytes_read: u64,
    pub lines: u64,
    pub parsed: u64,
    pub malformed: u64,
    pub overlong: u64,
    pub empty: u64,
    pub ambiguous: u64,
    pub filtered: u64,
    /// A last line without a newline that may be cut (see "What a line can be").
    pub incomplete: u64,
    pub nul_bytes_skipped: u64,
    /// Malformed lines another preset parses (auto-detected format only),
    /// most first.
    pub other_formats: Vec<FormatCount>,
    pub warnings: Vec<String>,
    pub errors: Vec<String>,
}

/// Lines that parse as a format.
#[derive(Clone, Debug, Serialize)]
pub struct FormatCount {
    pub format: &'static str,
    pub lines: u64,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub files: usize,
    pub formats: Vec<String>,
    /// `lines == parsed + malformed + overlong + empty + ambiguous + filtered
    /// + incomplete`.
    pub lines: u64,
    pub parsed: u64,
    /// Parsed access-log lines; the other parsed lines are error-log lines,
    /// which are never counted as requests.
    pub requests: u64,
    pub error_lines: u64,
    pub malformed: u64,
    pub overlong: u64,
    pub empty: u64,
    pub ambiguous: u64,
    pub filtered: u64,
    pub incomplete: u64,
    pub nul_bytes_skipped: u64,
    /// Ctrl-C or SIGTERM stopped the reading: the counts cover what was
    /// read before it.
    pub interrupted: bool,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// In access and error logs; past `--max-clients`, a lower bound.
    pub distinct_clients: usize,
    /// Requests of the clients past `--max-clients`, counted by network
    /// (their rows in `top_clients` are CIDRs): 0 unless the cap was reached.
    pub folded_requests: u64,
    /// Parsed lines whose client field held no address.
    pub non_ip_clients: u64,
    pub no_client: u64,
    pub bytes_sent: u64,
    /// With --trusted-proxy: lines whose X-Forwarded-For could not name the
    /// client (kept with the connecting address).
    pub xff_fallbacks: u64,
    /// Lines from this server's own addresses (`--self` and the local
    /// interfaces) that showed a class or a 404: counted, never an offender's.
    pub self_traffic: u64,
}

#[derive(Debug, Serialize)]
pub struct Timing {
    pub wall_seconds: f64,
    pub bytes_read: u64,
    pub mb_per_second: f64,
    pub threads: usize,
}

#[derive(Debug, Serialize)]
pub struct ReasonCount {
    pub reason: &'static str,
    pub description: &'static str,
    pub count: u64,
}

#[derive(Debug, Serialize)]
pub struct ExampleLine {
    pub file: String,
    pub line: u64,
    pub kind: &'static str,
    /// The line's head as logged (see [`LogText`]).
    pub text: LogText,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_b64: Option<String>,
    /// Only the line's head was kept.
    pub truncated: bool,
}

impl ExampleLine {
    /// The text escaped, with an ellipsis when cut.
    pub fn shown(&self) -> String {
        let mut t = self.text.shown();
        if self.truncated {
            t.push('…');
        }
        t
    }
}

#[derive(Debug, Serialize)]
pub struct ClientRow {
    /// An address or network as written canonically, any other client
    /// field as logged (see [`LogText`]).
    pub client: LogText,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_b64: Option<String>,
    pub requests: u64,
    /// Share of access-log requests, in percent.
    pub share: f64,
    #[serde(rename = "4xx")]
    pub s4xx: u64,
    #[serde(rename = "5xx")]
    pub s5xx: u64,
    pub bytes: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// Country (ISO 3166 alpha-2) and autonomous system, when a geo
    /// database is loaded and has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_org: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ErrorClientRow {
    pub client: String,
    pub lines: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct StatusCount {
    pub status: u16,
    pub count: u64,
}

#[derive(Debug, Serialize)]
pub struct ClassRow {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: &'static str,
    pub count: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// First time a line of this class was answered 2xx.
    pub first_success: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SignatureRow {
    pub id: &'static str,
    pub class: &'static str,
    pub name: &'static str,
    pub cve: Option<&'static str>,
    pub count: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub first_success: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct OffenderRow {
    pub client: String,
    pub score: f64,
    /// Access-log requests: error-log lines are not requests. `None` when
    /// the client's requests were counted by network (past `--max-clients`):
    /// a note names the network.
    pub requests: Option<u64>,
    /// Class id → lines of that class.
    pub classes: std::collections::BTreeMap<&'static str, u64>,
    pub notes: Vec<String>,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// Country (ISO 3166 alpha-2) and autonomous system, when a geo
    /// database is loaded and has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_org: Option<String>,
}

/// A source whose request rate stands far above the rest (`flood`).
#[derive(Debug, Serialize)]
pub struct FloodRow {
    /// An address, or a network as `a.b.c.0/24` / `x:y::/64`.
    pub source: String,
    pub requests: u64,
    /// Clients behind a network source (1 for a client).
    pub clients: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// Requests per minute over the active span.
    pub per_minute: f64,
}

/// A minute in which `gateway-errors` burst or `dummy` lines surged.
#[derive(Debug, Serialize)]
pub struct BurstRow {
    pub class: &'static str,
    pub minute: String,
    pub count: u64,
    pub threshold: f64,
    /// The clients with most lines of the class in that minute.
    pub clients: Vec<ClientCount>,
}

#[derive(Debug, Serialize)]
pub struct ClientCount {
    pub client: String,
    pub lines: u64,
}

#[derive(Debug, Serialize)]
pub struct ProxyTargetRow {
    pub target: LogText,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_b64: Option<String>,
    pub requests: u64,
    pub tunnelled: u64,
    pub attempted: u64,
    pub refused: u64,
    pub bytes: u64,
    pub clients: usize,
    /// More clients asked for the target than were counted: `clients` is a floor.
    pub clients_capped: bool,
}

/// The proxy requests for targets past the cap on distinct targets, together.
#[derive(Debug, Serialize)]
pub struct OtherTargets {
    pub requests: u64,
    pub tunnelled: u64,
    pub attempted: u64,
    pub refused: u64,
    pub bytes: u64,
}

#[derive(Debug, Serialize)]
pub struct TimelineJson {
    pub bucket_seconds: i64,
    /// Start of the first bucket (UTC).
    pub start: String,
    /// `all`, `5xx` and one series per class seen: counts per bucket.
    pub series: std::collections::BTreeMap<String, Vec<u64>>,
}

#[derive(Debug, Serialize)]
pub struct NetworkCount {
    pub network: String,
    pub lines: u64,
}

#[derive(Debug, Serialize)]
pub struct OnsetJson {
    /// Start of the first bucket above the baseline (UTC).
    pub at: String,
    pub count: u64,
    pub baseline: f64,
    pub threshold: f64,
    pub class: Option<&'static str>,
    pub networks: Vec<NetworkCount>,
    /// One line for people: `from 2020-12-24T16:09:00Z proxy from 136.175.9.0/24`.
    pub summary: String,
}

/// A rise of the request rate.
#[derive(Debug, Serialize)]
pub struct IncidentJson {
    pub start: String,
    /// The end of its last rising minute.
    pub end: String,
    pub requests: u64,
    /// Requests above the per-minute baseline.
    pub excess: u64,
    pub peak_per_minute: u64,
    /// Requests a minute at the baseline, and above which a bucket rose.
    pub baseline: f64,
    pub threshold: f64,
    /// The buckets the rise was found in, in seconds.
    pub resolution_seconds: i64,
    pub class: Option<&'static str>,
    /// The network that brought most of it first, then the next ones.
    pub networks: Vec<NetworkCount>,
    /// One line for people.
    pub summary: String,
}

/// A client seen in both an access log and an error log.
#[derive(Debug, Serialize)]
pub struct CorrelationRow {
    pub client: String,
    pub access_requests: u64,
    /// Access-log classes: class id → lines.
    pub access_classes: std::collections::BTreeMap<&'static str, u64>,
    pub error_lines: u64,
    pub upstream_timeouts: u64,
    pub upstream_refused: u64,
    pub upstream_other: u64,
    /// Most upstream failures in one minute.
    pub peak_failures_per_minute: u64,
    pub first_error: Option<String>,
    pub last_error: Option<String>,
}

/// A list whose rows are made as they are written or drawn: a report can
/// list every offender without holding a second copy of them all.
pub struct Rows<'a, R> {
    len: usize,
    row: Box<dyn Fn(usize) -> R + 'a>,
}

impl<'a, R> Rows<'a, R> {
    fn new(len: usize, row: impl Fn(usize) -> R + 'a) -> Rows<'a, R> {
        Rows {
            len,
            row: Box::new(row),
        }
    }

    fn empty() -> Rows<'a, R> {
        Rows::new(0, |_| unreachable!("an empty list has no rows"))
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = R> + '_ {
        (0..self.len).map(|i| (self.row)(i))
    }
}

impl<R: Serialize> Serialize for Rows<'_, R> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.len))?;
        for r in self.iter() {
            seq.serialize_element(&r)?;
        }
        seq.end()
    }
}

impl<R> std::fmt::Debug for Rows<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rows({})", self.len)
    }
}

/// `alf triage`.
#[derive(Debug, Serialize)]
pub struct Triage<'a> {
    pub schema: u32,
    pub summary: Summary,
    pub inputs: Vec<InputReport>,
    pub malformed_reasons: Vec<ReasonCount>,
    pub examples: Vec<ExampleLine>,
    pub status_classes: std::collections::BTreeMap<String, u64>,
    pub status: Vec<StatusCount>,
    pub top_clients: Vec<ClientRow>,
    /// Clients by error-log lines, when an error log was read.
    pub error_clients: Vec<ErrorClientRow>,
    pub classes: Vec<ClassRow>,
    pub signatures: Vec<SignatureRow>,
    /// Every offender, best first (tables show the first rows).
    pub offenders: Rows<'a, OffenderRow>,
    /// Offenders from loopback, private, CGNAT, link-local, multicast or
    /// reserved ranges: internal traffic, never ranked above nor blocked.
    pub internal_offenders: Rows<'a, OffenderRow>,
    /// The blocks `alf rules` would emit, with their evidence and collateral.
    pub suggested_blocks: Rows<'a, BlockRow>,
    /// Offenders the never-block check kept out of the blocks, and why.
    pub held_back: Rows<'a, HeldRow>,
    /// The `alf rules` command line that emits the suggested blocks.
    pub rules_command: Option<String>,
    /// When requests bypassed the trusted proxies: the change of access
    /// policy that would stop them (`null` otherwise).
    pub origin_policy: Option<OriginPolicy>,
    pub floods: Vec<FloodRow>,
    pub bursts: Vec<BurstRow>,
    pub proxy_targets: Vec<ProxyTargetRow>,
    /// Requests for targets past the cap (`null` under it).
    pub proxy_targets_other: Option<OtherTargets>,
    pub timeline: Option<TimelineJson>,
    /// Every rise of the request rate; the first is the onset.
    pub incidents: Vec<IncidentJson>,
    pub onset: Option<OnsetJson>,
    pub correlation: Vec<CorrelationRow>,
    /// Parsed lines by syslog host; only when some line came behind a prefix.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<HostRow>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// The geo databases read (`null` when none).
    pub geo: Option<GeoJson>,
    pub timing: Timing,
    /// Rows each table shows (0: all); not in the JSON, which lists all.
    #[serde(skip)]
    pub rows: usize,
    /// What the offenders were selected by, for the table's words.
    #[serde(skip)]
    pub selection: Option<String>,
    /// How to add a geo database, when none was found.
    #[serde(skip)]
    pub geo_hint: Option<&'static str>,
    #[serde(skip)]
    pub term: Term,
}

/// The geo databases, and the credit their data asks for.
#[derive(Debug, Serialize)]
pub struct GeoJson {
    pub databases: Vec<GeoDatabase>,
    pub credit: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct GeoDatabase {
    pub path: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// Geo lookups for a report, and whether to say how to add a database.
pub enum Geo<'a> {
    Dbs(&'a GeoDbs),
    /// None found: the report says how to add one.
    Missing,
    /// Turned off (`ALF_GEOIP=none`).
    Off,
}

/// The hint a report gives when no geo database was found.
pub const GEO_HINT: &str = "geo: no country or ASN database found; give --geoip PATH (a .mmdb \
     file or a directory of them), set ALF_GEOIP, or put one in /usr/share/GeoIP";

/// Looks up the reported sources, each once.
struct Lookup<'a>(Option<GeoCache<'a>>);

impl Lookup<'_> {
    fn of(&mut self, s: &Source) -> GeoInfo {
        let Some(c) = &mut self.0 else {
            return GeoInfo::default();
        };
        match s {
            Source::Ip(ip) => c.ip(*ip).clone(),
            Source::Net(n) => c.net(*n).clone(),
            Source::Other(_) => GeoInfo::default(),
        }
    }
}

fn ts(t: Option<i64>) -> Option<String> {
    t.map(format_utc)
}

/// Times of a tally, `None` where unknown.
fn seen_times(s: &Seen) -> (Option<String>, Option<String>, Option<String>) {
    let known = s.first <= s.last;
    (
        ts(known.then_some(s.first)),
        ts(known.then_some(s.last)),
        ts((s.first_success != i64::MAX).then_some(s.first_success)),
    )
}

/// Why a run whose filters left no record ends so (exit 5): what they
/// left out, and the span of the records, to set them again.
pub fn no_record_text(run: &crate::read::Run, filter: &crate::filter::Filter) -> String {
    let t = &run.total;
    let span = if t.filtered_first <= t.filtered_last {
        format!(
            "; the records span {} .. {}",
            format_utc(t.filtered_first),
            format_utc(t.filtered_last)
        )
    } else {
        "; no record carries a time".into()
    };
    format!(
        "the filters left no record: all {} parsed line(s) were left out by {}{span}",
        t.filtered,
        filter.describe()
    )
}

/// A warning in words. One about an input names it first.
pub fn warning_text(w: &Warning) -> String {
    match w.input() {
        Some(path) => format!("{path}: {}", input_warning_text(w)),
        None => input_warning_text(w),
    }
}

/// A warning in words, without the input it is about.
fn input_warning_text(w: &Warning) -> String {
    match w {
        Warning::ErrorZone(z) if z.before == z.after => format!(
            "error-log times carry no zone: read at {}, the offset the access logs \
             write (--error-tz sets another)",
            offset_text(z.before)
        ),
        Warning::ErrorZone(z) => format!(
            "error-log times carry no zone: read at {} before {} and at {} from then, \
             as the access logs write (--error-tz sets one offset)",
            offset_text(z.before),
            format_utc(z.change),
            offset_text(z.after)
        ),
        Warning::MixedZones(offsets) => format!(
            "the access logs write several UTC offsets ({}): error-log times, which carry \
             no zone, are read as UTC; --error-tz sets their offset",
            offsets
                .iter()
                .map(|o| offset_text(*o))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Warning::Interrupted { read, given } => format!(
            "interrupted (Ctrl-C or SIGTERM): the report covers what was read before it, \
             {read} of {given} input(s) begun"
        ),
        Warning::InputInterrupted { .. } => {
            "interrupted while read: its counts cover the part read".into()
        }
        Warning::Shrank { .. } => "file shrank during read; read it again to its new end".into(),
        Warning::Rewritten { .. } => {
            "file changed during read (rewritten in place); read it again as it now is".into()
        }
        Warning::Changed { .. } => "file changed during read (rewritten in place, and again \
             while read a second time; or, for an export, whose rows cannot be taken back, \
             rewritten or cut once): its counts may mix old and new lines"
            .into(),
        Warning::Grew {
            bytes,
            mapped: true,
            ..
        } => format!(
            "file grew during read: read up to {bytes} bytes, its size when opened; \
             later lines are not counted"
        ),
        Warning::Grew { bytes, .. } => {
            format!("file grew during read (from {bytes} bytes when opened): read to its end")
        }
        Warning::Replaced { .. } => "file renamed or replaced during read (a rotation?): \
             the file read is the one opened"
            .into(),
        Warning::Incomplete { .. } => "incomplete final line: the last line has no newline \
             and may be cut (still being written); not counted as a record"
            .into(),
        Warning::Unterminated { .. } => "incomplete final line: the last line has no \
             newline; it parses whole, and is counted"
            .into(),
        Warning::OtherFormats { formats, .. } => {
            let list: Vec<String> = formats.iter().map(|(f, n)| format!("{n} {f}")).collect();
            format!(
                "malformed lines that parse as another format ({}): a file of mixed formats? \
                 They are not counted; --format NAME reads them",
                list.join(", ")
            )
        }
        Warning::FewParse {
            path,
            parsed,
            tried,
            format,
            reason,
            parses_as,
        } => {
            let head = match parsed {
                0 => format!("no line of {tried} parses as {format} ({reason})"),
                n => format!("only {n} line(s) of {tried} parse as {format} ({reason})"),
            };
            match parses_as {
                Some(p) => {
                    format!("{head}: they parse as {p}: --format-for {path}={p} reads them so")
                }
                None => format!(
                    "{head}, nor as any preset: --log-format or --nginx-format can describe them"
                ),
            }
        }
        Warning::HostCap { max } => {
            format!("more than {max} distinct syslog hosts: the host table is left out")
        }
        Warning::NoStatus { error_lines } => format!(
            "{error_lines} error-log line(s) not counted: error logs have no status; \
             --by level, --by module or --by code counts them"
        ),
        Warning::Empty { .. } => "no line to read (empty, or blank lines only)".into(),
        Warning::LocalAddress { ip, requests } => format!(
            "{requests} request(s) from {ip}, an address of this machine, counted as self \
             traffic (never an offender); if the log comes from another machine, \
             pass --no-local-self"
        ),
        Warning::ClientCap {
            cap,
            requests,
            error_lines,
        } => format!(
            "more than {cap} distinct clients: {requests} request(s) and {error_lines} \
             error-log line(s) of the later ones are counted by network (/24, /64 or \
             wider), so per-client counts are approximate (--max-clients raises the cap, \
             at about 200 bytes a client a thread)"
        ),
        Warning::OffenderCap { cap, hits } => format!(
            "more than {cap} distinct offending clients: the later ones' {hits} class \
             hit(s) are listed by network among the offenders"
        ),
        Warning::NotFoundUntested { cap, lines } => format!(
            "more than {cap} distinct clients answered 404: {lines} 404 line(s) of the \
             later ones were counted but not tested for a 404 sweep"
        ),
        Warning::NotFoundFloor { max_paths } => format!(
            "more than {max_paths} distinct 404 targets: a sweeping client holds no more, so \
             its distinct paths are a floor (≥)"
        ),
        Warning::DriversDropped { max, lines } => format!(
            "more than {max} (minute, class, client) tallies: {lines} classified line(s) past \
             them were counted but not traced to their client by minute, so the clients \
             named for the onset and for bursts, bruteforce windows and per-minute error \
             peaks may miss some"
        ),
        Warning::PairedDropped {
            max,
            error_lines,
            access_lines,
        } => format!(
            "more than {max} tallies of requests to pair between the access and error logs: \
             {error_lines} error-log line(s) naming a probe, a failed password or a rate \
             limit were not counted, and {access_lines} access-log line(s) were not kept \
             for pairing (an error-log line repeating one counts as well)"
        ),
        Warning::ProxyTargetCap { max, requests } => format!(
            "more than {max} distinct proxy targets: {requests} proxy request(s) for the \
             later ones are counted together as other targets"
        ),
        Warning::Documentation { clients } => format!(
            "{clients} client(s) in documentation ranges (192.0.2.0/24, 198.51.100.0/24, \
             203.0.113.0/24, 2001:db8::/32): synthetic or spoofed logs?"
        ),
    }
}

/// A piece of evidence in words.
pub fn evidence_text(e: &Evidence) -> String {
    match e {
        Evidence::CountedWith(net) => format!("requests counted with {net} (past --max-clients)"),
        Evidence::Proxy { outcome, requests } => {
            format!("CONNECT/proxy {} {requests}", outcome.label())
        }
        Evidence::Upstream { kind, lines } => {
            let what = match kind {
                EventKind::Timeout => "upstream timeouts",
                EventKind::Refused => "upstream refused",
                EventKind::Other => "upstream failures",
            };
            format!("{what} {lines}")
        }
        Evidence::ExploitAnswered { requests } => format!("exploit answered 2xx {requests}"),
        Evidence::Logins {
            attempts,
            peak,
            window,
        } => format!(
            "login attempts {attempts}, {peak} within {} (window {} fired)",
            minutes_text(window.minutes),
            window_text(window)
        ),
        Evidence::Sweep { distinct, floor } => format!(
            "404 sweep {}{distinct} distinct paths",
            if *floor { "≥" } else { "" }
        ),
        Evidence::Flood { per_minute } => format!("flood {per_minute:.0}/min"),
        Evidence::ErrorProbes { both, only } => both_logs("error-log probes", *both, *only),
        Evidence::ErrorLogins { both, only } => {
            both_logs("error-log failed passwords", *both, *only)
        }
        Evidence::RateLimited { lines } => format!("rate-limited by nginx {lines}"),
    }
}

/// `what N: B seen in both logs, O error log only`, without a zero part.
fn both_logs(what: &str, both: u64, only: u64) -> String {
    match (both, only) {
        (0, o) => format!("{what} {o}, error log only"),
        (b, 0) => format!("{what} {b}, seen in both logs"),
        (b, o) => format!(
            "{what} {}: {b} seen in both logs, {o} error log only",
            b + o
        ),
    }
}

/// A password-guessing window as `--bruteforce` takes it: `10/5m`, `20/1h`.
pub fn window_text(w: &BruteWindow) -> String {
    format!("{}/{}", w.min, minutes_text(w.minutes))
}

/// Minutes as `5m`, `1h`, `24h`: whole hours in hours.
fn minutes_text(m: i64) -> String {
    if m % 60 == 0 {
        format!("{}h", m / 60)
    } else {
        format!("{m}m")
    }
}

fn input_report(i: &InputAccount, warnings: &[Warning]) -> InputReport {
    InputReport {
        path: i.path.clone(),
        format: i.format.clone(),
        format_reason: i.reason.clone(),
        compression: i.compression.label(),
        read: i.read.label(),
        bytes_read: i.bytes_read,
        lines: i.lines,
        parsed: i.parsed,
        malformed: i.malformed,
        overlong: i.overlong,
        empty: i.empty,
        ambiguous: i.ambiguous,
        filtered: i.filtered,
        incomplete: i.incomplete,
        nul_bytes_skipped: i.nul_bytes,
        other_formats: i
            .other_formats
            .iter()
            .map(|(format, lines)| FormatCount {
                format,
                lines: *lines,
            })
            .collect(),
        warnings: warnings
            .iter()
            .filter(|w| w.input() == Some(i.path.as_str()))
            .map(input_warning_text)
            .collect(),
        errors: i.cut_short.iter().map(|e| e.to_string()).collect(),
    }
}

fn summary(f: &Findings) -> Summary {
    let s = &f.summary;
    Summary {
        files: s.files,
        formats: s.formats.clone(),
        lines: s.lines,
        parsed: s.parsed,
        requests: s.requests,
        error_lines: s.error_lines,
        malformed: s.malformed,
        overlong: s.overlong,
        empty: s.empty,
        ambiguous: s.ambiguous,
        filtered: s.filtered,
        incomplete: s.incomplete,
        nul_bytes_skipped: s.nul_bytes,
        interrupted: s.interrupted,
        first_seen: ts(s.first_seen),
        last_seen: ts(s.last_seen),
        distinct_clients: s.distinct_clients,
        folded_requests: s.folded_requests,
        non_ip_clients: s.non_ip_clients,
        no_client: s.no_client,
        bytes_sent: s.bytes_sent,
        xff_fallbacks: s.xff_fallbacks,
        self_traffic: s.self_traffic,
    }
}

fn timing(f: &Findings) -> Timing {
    let t = &f.timing;
    Timing {
        wall_seconds: (t.seconds * 1000.0).round() / 1000.0,
        bytes_read: t.bytes_read,
        mb_per_second: if t.seconds > 0.0 {
            (t.bytes_read as f64 / 1e6 / t.seconds).round()
        } else {
            0.0
        },
        threads: t.threads,
    }
}

fn example(e: &BadLine) -> ExampleLine {
    let text = LogText::new(&e.head);
    ExampleLine {
        file: e.file.clone(),
        line: e.line,
        kind: e.kind.label(),
        text_b64: text.b64(),
        text,
        truncated: e.truncated,
    }
}

fn client_row(r: &RankedClient, requests: f64) -> ClientRow {
    let s = &r.stats;
    let known = s.first <= s.last;
    let client = source_text(&r.source);
    ClientRow {
        client_b64: client.b64(),
        client,
        requests: s.requests,
        share: ((s.requests as f64 / requests) * 10000.0).round() / 100.0,
        s4xx: s.s4xx,
        s5xx: s.s5xx,
        bytes: s.bytes,
        first_seen: ts(known.then_some(s.first)),
        last_seen: ts(known.then_some(s.last)),
        country: None,
        asn: None,
        as_org: None,
    }
}

fn error_client_row(r: &RankedClient) -> ErrorClientRow {
    let s = &r.stats;
    let known = s.first <= s.last;
    ErrorClientRow {
        client: r.source.to_string(),
        lines: s.requests,
        first_seen: ts(known.then_some(s.first)),
        last_seen: ts(known.then_some(s.last)),
    }
}

/// Class id → lines, for the classes with any.
fn class_map(
    classes: impl Iterator<Item = (ClassId, u64)>,
) -> std::collections::BTreeMap<&'static str, u64> {
    classes
        .filter(|(_, n)| *n > 0)
        .map(|(c, n)| (c.id(), n))
        .collect()
}

fn offender_row(o: &Offender) -> OffenderRow {
    OffenderRow {
        client: o.source.to_string(),
        score: o.score,
        requests: o.requests,
        classes: class_map(o.class_counts()),
        notes: o.evidence.iter().map(evidence_text).collect(),
        first_seen: ts(o.first_seen),
        last_seen: ts(o.last_seen),
        country: None,
        asn: None,
        as_org: None,
    }
}

fn flood_row(f: &Flood) -> FloodRow {
    FloodRow {
        source: f.source().to_string(),
        requests: f.requests,
        clients: f.clients,
        first_seen: ts(Some(f.first)),
        last_seen: ts(Some(f.last)),
        per_minute: (f.per_minute * 10.0).round() / 10.0,
    }
}

/// A client as text: an address or network as written canonically, any
/// other client field as logged.
fn source_text(s: &Source) -> LogText {
    match s {
        Source::Other(b) => LogText::new(b),
        s => LogText::new(s.to_string().as_bytes()),
    }
}

fn proxy_row(p: &ProxyTarget) -> ProxyTargetRow {
    let target = LogText::new(&p.target);
    ProxyTargetRow {
        target_b64: target.b64(),
        target,
        requests: p.requests(),
        tunnelled: p.outcomes[0],
        attempted: p.outcomes[1],
        refused: p.outcomes[2],
        bytes: p.bytes,
        clients: p.clients,
        clients_capped: p.clients_capped,
    }
}

impl<'a> Triage<'a> {
    pub fn build(
        f: &'a Findings,
        sugg: Option<&'a Suggestions>,
        rows: usize,
        geo: &'a Geo,
    ) -> Triage<'a> {
        let look = std::rc::Rc::new(std::cell::RefCell::new(Lookup(match geo {
            Geo::Dbs(d) => Some(GeoCache::new(d)),
            _ => None,
        })));
        let mut look_now = look.borrow_mut();
        let requests = f.summary.requests.max(1) as f64;
        let mut status_classes = [0u64; 10];
        for (s, c) in &f.status {
            status_classes[*s as usize / 100] += c;
        }
        let (timeline, onset) = match &f.timeline {
            Some(s) => {
                let mut series = std::collections::BTreeMap::new();
                series.insert("all".to_string(), s.all.clone());
                series.insert("5xx".to_string(), s.s5xx.clone());
                for (c, v) in &s.classes {
                    series.insert(c.id().to_string(), v.clone());
                }
                let t = TimelineJson {
                    bucket_seconds: s.width,
                    start: format_utc(s.start),
                    series,
                };
                (Some(t), f.onset.as_ref().map(onset_json))
            }
            None => (None, None),
        };
        Triage {
            schema: SCHEMA,
            summary: summary(f),
            inputs: f
                .inputs
                .iter()
                .map(|i| input_report(i, &f.warnings))
                .collect(),
            malformed_reasons: f
                .malformed
                .iter()
                .map(|(r, n)| ReasonCount {
                    reason: r.id(),
                    description: r.as_str(),
                    count: *n,
                })
                .collect(),
            examples: f.examples.iter().map(example).collect(),
            status_classes: status_classes
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(i, c)| (format!("{i}xx"), *c))
                .collect(),
            status: f
                .status
                .iter()
                .map(|(s, c)| StatusCount {
                    status: *s,
                    count: *c,
                })
                .collect(),
            top_clients: f
                .top_clients
                .iter()
                .map(|r| with_geo(client_row(r, requests), look_now.of(&r.source)))
                .collect(),
            error_clients: f.error_clients.iter().map(error_client_row).collect(),
            classes: f
                .classes
                .iter()
                .map(|(c, s)| {
                    let i = info(*c);
                    let (first_seen, last_seen, first_success) = seen_times(s);
                    ClassRow {
                        id: c.id(),
                        title: i.title,
                        severity: i.severity.label(),
                        count: s.count,
                        first_seen,
                        last_seen,
                        first_success,
                    }
                })
                .collect(),
            signatures: f
                .signatures
                .iter()
                .map(|h| {
                    let (first_seen, last_seen, first_success) = seen_times(&h.seen);
                    SignatureRow {
                        id: h.signature.id,
                        class: h.class.id(),
                        name: h.signature.title,
                        cve: h.signature.cve(),
                        count: h.seen.count,
                        first_seen,
                        last_seen,
                        first_success,
                    }
                })
                .collect(),
            offenders: {
                let look = look.clone();
                Rows::new(f.offenders.len(), move |i| {
                    let o = &f.offenders[i];
                    with_geo(offender_row(o), look.borrow_mut().of(&o.source))
                })
            },
            internal_offenders: Rows::new(f.internal.len(), move |i| {
                let o = &f.internal[i];
                let mut row = offender_row(o);
                if let Some(s) = o.source.internal() {
                    row.notes.insert(0, format!("{} range {}", s.name, s.net));
                }
                row
            }),
            suggested_blocks: match sugg {
                Some(s) => {
                    let blocks = suggested(s);
                    let look = look.clone();
                    Rows::new(blocks.len(), move |i| {
                        let b = blocks[i];
                        let mut row = BlockRow::of(b);
                        let g = look.borrow_mut().of(&Source::Net(b.net));
                        (row.country, row.asn, row.as_org) = (g.country, g.asn, g.as_org);
                        row
                    })
                }
                None => Rows::empty(),
            },
            held_back: match sugg {
                Some(s) => Rows::new(s.plan.held_back.len(), move |i| {
                    HeldRow::of(&s.plan.held_back[i])
                }),
                None => Rows::empty(),
            },
            rules_command: sugg
                .filter(|s| !s.plan.blocks.is_empty())
                .map(|s| s.command.to_string()),
            origin_policy: origin_policy(f, sugg),
            floods: f.floods.iter().map(flood_row).collect(),
            bursts: f
                .bursts
                .iter()
                .map(|x| BurstRow {
                    class: x.class.id(),
                    minute: format_utc(x.minute),
                    count: x.count,
                    threshold: (x.threshold * 10.0).round() / 10.0,
                    clients: x
                        .clients
                        .iter()
                        .map(|(ip, n)| ClientCount {
                            client: ip.to_string(),
                            lines: *n,
                        })
                        .collect(),
                })
                .collect(),
            proxy_targets: f.proxy_targets.iter().map(proxy_row).collect(),
            proxy_targets_other: f.proxy_other.as_ref().map(|o| OtherTargets {
                requests: o.requests(),
                tunnelled: o.outcomes[0],
                attempted: o.outcomes[1],
                refused: o.outcomes[2],
                bytes: o.bytes,
            }),
            timeline,
            incidents: f.incidents.iter().map(incident_json).collect(),
            onset,
            hosts: f
                .hosts
                .iter()
                .map(|(host, lines)| {
                    let host = LogText::new(host);
                    HostRow {
                        host_b64: host.b64(),
                        host,
                        lines: *lines,
                    }
                })
                .collect(),
            correlation: f
                .correlation
                .iter()
                .map(|c| CorrelationRow {
                    client: c.client.to_string(),
                    access_requests: c.access_requests,
                    access_classes: class_map(ClassId::ALL.into_iter().zip(c.access_classes)),
                    error_lines: c.error_lines,
                    upstream_timeouts: c.upstream[0],
                    upstream_refused: c.upstream[1],
                    upstream_other: c.upstream[2],
                    peak_failures_per_minute: c.peak_failures_per_minute,
                    first_error: ts(c.first_error),
                    last_error: ts(c.last_error),
                })
                .collect(),
            errors: f.errors.clone(),
            warnings: f.warnings.iter().map(warning_text).collect(),
            geo: match geo {
                Geo::Dbs(d) => Some(GeoJson {
                    databases: d
                        .sources()
                        .into_iter()
                        .map(|s| GeoDatabase {
                            path: s.path,
                            kind: s.database_type,
                        })
                        .collect(),
                    credit: d.credits(),
                }),
                _ => None,
            },
            timing: timing(f),
            rows,
            selection: sugg.map(|s| selection_text(s.selection)),
            geo_hint: matches!(geo, Geo::Missing).then_some(GEO_HINT),
            term: Term::default(),
        }
    }
}

/// A row with its source's country and AS.
fn with_geo<R: HasGeo>(mut r: R, g: GeoInfo) -> R {
    r.set_geo(g);
    r
}

trait HasGeo {
    fn set_geo(&mut self, g: GeoInfo);
}

impl HasGeo for ClientRow {
    fn set_geo(&mut self, g: GeoInfo) {
        (self.country, self.asn, self.as_org) = (g.country, g.asn, g.as_org);
    }
}

impl HasGeo for OffenderRow {
    fn set_geo(&mut self, g: GeoInfo) {
        (self.country, self.asn, self.as_org) = (g.country, g.asn, g.as_org);
    }
}

/// The suggested blocks, the best-scored first (then by address).
fn suggested<'a>(s: &Suggestions<'a>) -> Vec<&'a crate::rules::Block> {
    let mut blocks: Vec<&crate::rules::Block> = s.plan.blocks.iter().collect();
    blocks.sort_by(|x, y| y.score.total_cmp(&x.score).then(x.net.cmp(&y.net)));
    blocks
}

/// The origin policy, when some requests came straight to the server.
fn origin_policy(f: &Findings, sugg: Option<&Suggestions>) -> Option<OriginPolicy> {
    let d = ClassId::DirectOrigin as usize;
    let requests = f
        .classes
        .iter()
        .find(|(c, _)| *c == ClassId::DirectOrigin)
        .map(|(_, s)| s.count)?;
    Some(OriginPolicy {
        direct_requests: requests,
        direct_clients: f.offenders.iter().filter(|o| o.classes[d] > 0).count(),
        commands: sugg.map(|s| s.origin.to_vec()).unwrap_or_default(),
    })
}

/// What offenders are blocked, in words.
fn selection_text(s: &Selection) -> String {
    let ids: Vec<&str> = s.classes.iter().map(|c| c.id()).collect();
    format!("score {} or more, showing {}", s.min_score, ids.join(", "))
}

fn incident_json(i: &crate::findings::Incident) -> IncidentJson {
    let networks: Vec<NetworkCount> = i
        .networks
        .iter()
        .map(|(n, lines)| NetworkCount {
            network: n.to_string(),
            lines: *lines,
        })
        .collect();
    let mut summary = format!("{} .. {}", format_utc(i.start), format_utc(i.end));
    if let Some(c) = i.class {
        summary.push_str(&format!(" {}", c.id()));
    }
    if let Some(n) = networks.first() {
        summary.push_str(&format!(" from {}", n.network));
    }
    summary.push_str(&format!(
        ": {} requests, {} over the baseline",
        i.requests, i.excess
    ));
    IncidentJson {
        start: format_utc(i.start),
        end: format_utc(i.end),
        requests: i.requests,
        excess: i.excess,
        peak_per_minute: i.peak_per_minute,
        baseline: (i.baseline * 10.0).round() / 10.0,
        threshold: (i.threshold * 10.0).round() / 10.0,
        resolution_seconds: i.resolution,
        class: i.class.map(|c| c.id()),
        networks,
        summary,
    }
}

fn onset_json(o: &crate::findings::Onset) -> OnsetJson {
    let networks: Vec<NetworkCount> = o
        .networks
        .iter()
        .map(|(n, lines)| NetworkCount {
            network: n.to_string(),
            lines: *lines,
        })
        .collect();
    let mut summary = format!("from {}", format_utc(o.at));
    if let Some(c) = o.class {
        summary.push_str(&format!(" {}", c.id()));
        if let Some(n) = networks.first() {
            summary.push_str(&format!(" from {}", n.network));
        }
    }
    OnsetJson {
        at: format_utc(o.at),
        count: o.count,
        baseline: (o.baseline * 10.0).round() / 10.0,
        threshold: (o.threshold * 10.0).round() / 10.0,
        class: o.class.map(|c| c.id()),
        networks,
        summary,
    }
}

/// A syslog host and its parsed lines.
#[derive(Debug, Serialize)]
pub struct HostRow {
    pub host: LogText,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_b64: Option<String>,
    pub lines: u64,
}

#[derive(Debug, Serialize)]
pub struct KeyCount {
    pub key: LogText,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_b64: Option<String>,
    pub count: u64,
}

/// `alf top`.
#[derive(Debug, Serialize)]
pub struct TopReport {
    pub schema: u32,
    pub by: &'static str,
    pub lines: u64,
    pub parsed: u64,
    pub malformed: u64,
    /// Parsed lines the filters left out.
    pub filtered: u64,
    pub top: Vec<KeyCount>,
    #[serde(skip)]
    pub term: Term,
}

impl TopReport {
    pub fn build(t: &Top) -> TopReport {
        TopReport {
            schema: SCHEMA,
            by: match t.by {
                By::Ip => "ip",
                By::Status => "status",
                By::Field(k) => k.label(),
            },
            lines: t.lines,
            parsed: t.parsed,
            malformed: t.malformed,
            filtered: t.filtered,
            top: t
                .rows
                .iter()
                .map(|(k, count)| {
                    let key = match k {
                        Key::Client(s) => source_text(s),
                        Key::Status(s) => LogText::new(s.to_string().as_bytes()),
                        Key::Text(b) => LogText::new(b),
                    };
                    KeyCount {
                        key_b64: key.b64(),
                        key,
                        count: *count,
                    }
                })
                .collect(),
            term: Term::default(),
        }
    }
}

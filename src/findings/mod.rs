//! What alf concludes, as types: the stage between the counts and every
//! output.
//!
//! [`Findings::build`] reads a [`Run`] (the merged aggregate and each input's
//! accounting) once, decides the classes that take many lines (floods,
//! sweeps, password guessing, bursts), ranks the clients and the offenders
//! with their typed evidence, finds the onset, and lists what the reader must
//! be warned of. Every output (tables, JSON, and the rules and geo that come
//! after) reads this and decides nothing of its own; a source here is an
//! address or a network, never text to parse back.
//!
//! Layout: `mod.rs` the findings and how they are built; `source.rs` who a
//! finding is about; `rank.rs` client rankings; `behaviour.rs` the verdicts
//! over many lines; `offenders.rs` scores, evidence and ranking; `timeline.rs`
//! the bucketed series and the onset; `stats.rs` robust baselines;
//! `correlation.rs` the access and error logs' clients joined; `paired.rs`
//! the error log's request lines paired with the access log's; `warnings.rs`.

pub mod behaviour;
pub mod correlation;
pub mod incidents;
pub mod offenders;
pub mod paired;
pub mod rank;
pub mod source;
pub mod stats;
pub mod timeline;
pub mod top;
pub mod warnings;

pub use behaviour::{BruteWindow, Burst, Flood, BRUTE_WINDOWS};
pub use correlation::Correlation;
pub use incidents::Incident;
pub use offenders::{Evidence, Offender};
pub use rank::RankedClient;
pub use source::Source;
pub use timeline::{Onset, Series};
pub use warnings::Warning;

use crate::aggregate::{Agg, ExampleKind, Seen};
use crate::attribute::SelfAddrs;
use crate::classify::signatures::{self, Signature};
use crate::classify::ClassId;
use crate::format::Reason;
use crate::read::{InputAccount, Run};

/// What the findings need beyond the run: settings resolved from the
/// command line.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Rows of each ranked list (0: all).
    pub top: usize,
    /// Timeline bucket width in seconds (`None`: chosen from the span).
    pub bucket: Option<i64>,
    /// The classes ran: decide the behavioural ones too.
    pub classify: bool,
    /// This server's own addresses: never an offender, never a flood.
    pub self_addrs: SelfAddrs,
    /// The password-guessing windows, shortest first (`--bruteforce`).
    pub bruteforce: Vec<BruteWindow>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            top: 0,
            bucket: None,
            classify: false,
            self_addrs: SelfAddrs::default(),
            bruteforce: BRUTE_WINDOWS.to_vec(),
        }
    }
}

/// Everything a triage report shows.
#[derive(Clone, Debug)]
pub struct Findings {
    pub summary: Summary,
    pub inputs: Vec<InputAccount>,
    /// Malformed lines by reason, for the reasons that occurred.
    pub malformed: Vec<(Reason, u64)>,
    pub examples: Vec<BadLine>,
    /// Requests by status, for the statuses seen, in order.
    pub status: Vec<(u16, u64)>,
    pub top_clients: Vec<RankedClient>,
    /// Clients by error-log lines, when an error log was read.
    pub error_clients: Vec<RankedClient>,
    /// The classes seen, in registry order, with sweeps and floods added.
    pub classes: Vec<(ClassId, Seen)>,
    /// Signatures hit, most lines first.
    pub signatures: Vec<SignatureHits>,
    pub offenders: Vec<Offender>,
    /// Offenders from special ranges (see [`Source::internal`]): shown as
    /// internal, never ranked with the others and never blocked.
    pub internal: Vec<Offender>,
    pub floods: Vec<Flood>,
    pub bursts: Vec<Burst>,
    pub proxy_targets: Vec<ProxyTarget>,
    /// The requests for targets past the cap, together.
    pub proxy_other: Option<ProxyTarget>,
    pub timeline: Option<Series>,
    /// Every rise of the request rate, in time order; the first is the onset.
    pub incidents: Vec<Incident>,
    pub onset: Option<Onset>,
    pub correlation: Vec<Correlation>,
    /// Parsed lines by syslog host, most first, then by name (as logged);
    /// empty when no line came behind a syslog prefix, or past the cap.
    pub hosts: Vec<(Box<[u8]>, u64)>,
    pub warnings: Vec<Warning>,
    /// Inputs that failed, or ended early, each worded by its error.
    pub errors: Vec<String>,
    pub timing: Timing,
}

/// Totals over every input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    /// The formats read with, each once, in input order.
    pub formats: Vec<String>,
    /// `lines == parsed + malformed + overlong + empty + ambiguous + filtered
    /// + incomplete`.
    pub lines: u64,
    pub parsed: u64,
    /// Parsed access-log lines; the other parsed lines are error-log lines.
    pub requests: u64,
    pub error_lines: u64,
    pub malformed: u64,
    pub overlong: u64,
    pub empty: u64,
    pub ambiguous: u64,
    pub filtered: u64,
    pub nul_bytes: u64,
    /// Last lines without a newline that may be cut: not records.
    pub incomplete: u64,
    /// Ctrl-C or SIGTERM stopped the reading.
    pub interrupted: bool,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    /// In access and error logs; past `--max-clients`, a lower bound.
    pub distinct_clients: usize,
    /// Requests of the clients past `--max-clients`, counted by network.
    pub folded_requests: u64,
    /// Parsed lines whose client field held no address.
    pub non_ip_clients: u64,
    pub no_client: u64,
    pub bytes_sent: u64,
    pub xff_fallbacks: u64,
    pub self_traffic: u64,
}

/// A line that could not be counted as a record, as an example.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    /// The input's name, escaped.
    pub file: String,
    pub line: u64,
    pub kind: ExampleKind,
    /// The first bytes of the line, raw.
    pub head: Vec<u8>,
    pub truncated: bool,
}

/// A signature and its hits.
#[derive(Clone, Debug)]
pub struct SignatureHits {
    pub class: ClassId,
    pub signature: &'static Signature,
    pub seen: Seen,
}

/// A proxy target (`host:port`, as the client wrote it) and what became of
/// the requests for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyTarget {
    /// Raw bytes from the log: empty for the targets past the cap.
    pub target: Box<[u8]>,
    /// Tunnelled, attempted, refused.
    pub outcomes: [u64; 3],
    pub bytes: u64,
    pub clients: usize,
    /// More clients asked than were counted: `clients` is a floor.
    pub clients_capped: bool,
}

impl ProxyTarget {
    pub fn requests(&self) -> u64 {
        self.outcomes.iter().sum()
    }
}

/// How long the reading took.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    pub seconds: f64,
    pub bytes_read: u64,
    pub threads: usize,
}

impl Findings {
    /// Draws every conclusion from `run`. Runs its parallel steps on the
    /// current thread pool.
    pub fn build(run: &Run, s: &Settings) -> Findings {
        let a = &run.total;
        // Plain counts (`--no-classify`) decide no classes, floods included.
        let (b, side) = if s.classify {
            let side = paired::pair(&a.classes.paired);
            let b = behaviour::decide(a, &s.self_addrs, &s.bruteforce, &side.logins);
            (b, side)
        } else {
            Default::default()
        };
        let n = s.top;
        let limit = |len: usize| if n == 0 { len } else { len.min(n) };
        let timeline = timeline::series(&a.classes.timeline, s.bucket, &side.minutes);
        // The two costly verdicts read the counts only: side by side.
        let (incidents, (internal, offenders)) = rayon::join(
            || {
                if s.classify {
                    incidents::incidents(a, &side.minutes)
                } else {
                    Vec::new()
                }
            },
            || {
                offenders::offenders(a, &b, &side, 0)
                    .into_iter()
                    .partition(|o| o.source.internal().is_some())
            },
        );
        let onset = incidents.first().map(Onset::of);
        let mut floods = b.floods.clone();
        floods.truncate(limit(floods.len()));
        Findings {
            summary: summary(run),
            inputs: run.inputs.clone(),
            malformed: Reason::ALL
                .iter()
                .filter(|r| a.malformed[**r as usize] > 0)
                .map(|r| (*r, a.malformed[*r as usize]))
                .collect(),
            examples: run
                .examples
                .iter()
                .map(|(file, e)| BadLine {
                    file: file.clone(),
                    line: e.line,
                    kind: e.kind,
                    head: e.head.clone(),
                    truncated: e.truncated,
                })
                .collect(),
            status: a
                .status
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(s, c)| (s as u16, *c))
                .collect(),
            top_clients: rank::clients(a, n),
            error_clients: rank::error_clients(a, n),
            classes: classes(a, &b, &side),
            signatures: signature_hits(a, &side),
            // Every offender: rules and JSON need them all; tables cut.
            offenders,
            internal,
            floods,
            bursts: b.bursts.clone(),
            proxy_targets: proxy_targets(a, n),
            proxy_other: {
                let o = &a.classes.other_targets;
                (o.requests() > 0).then(|| ProxyTarget {
                    target: Box::default(),
                    outcomes: o.outcomes,
                    bytes: o.bytes,
                    clients: 0,
                    clients_capped: false,
                })
            },
            timeline,
            incidents,
            onset,
            correlation: correlation::correlation(a, n),
            hosts: hosts(a),
            warnings: warnings::warnings(run, s.classify.then_some(&s.self_addrs)),
            errors: errors(run),
            timing: Timing {
                seconds: run.seconds,
                bytes_read: run.bytes_read,
                threads: run.threads,
            },
        }
    }
}

/// The inputs that failed and those that ended early, in the order given.
pub fn errors(run: &Run) -> Vec<String> {
    let mut v: Vec<(usize, String)> = run
        .failed
        .iter()
        .map(|(i, e)| (*i, e.to_string()))
        .chain(run.inputs.iter().filter_map(|i| {
            let cut = i.cut_short.as_ref()?;
            Some((i.index, format!("{}: {cut}", i.path)))
        }))
        .collect();
    v.sort_by_key(|(i, _)| *i);
    v.into_iter().map(|(_, e)| e).collect()
}

fn summary(run: &Run) -> Summary {
    let a = &run.total;
    let mut formats: Vec<String> = Vec::new();
    for i in &run.inputs {
        if !formats.contains(&i.format) {
            formats.push(i.format.clone());
        }
    }
    let known = a.first <= a.last;
    Summary {
        files: run.inputs.len(),
        formats,
        lines: a.lines,
        parsed: a.parsed,
        requests: a.requests(),
        error_lines: a.error_lines,
        malformed: a.malformed_total(),
        overlong: a.overlong,
        empty: a.empty,
        ambiguous: a.ambiguous,
        filtered: a.filtered,
        nul_bytes: a.nul_bytes,
        incomplete: a.incomplete,
        interrupted: run.interrupted,
        first_seen: known.then_some(a.first),
        last_seen: known.then_some(a.last),
        folded_requests: a.folded.requests(),
        distinct_clients: a.clients.len()
            + a.folded.len()
            + a.other_clients.len()
            + a.error_clients
                .iter()
                .filter(|(k, _)| a.clients.get(*k).is_none())
                .count(),
        non_ip_clients: a.other_clients.values().map(|c| c.requests).sum::<u64>() + a.error_non_ip,
        no_client: a.no_client,
        bytes_sent: a.bytes,
        xff_fallbacks: a.xff_fallbacks,
        self_traffic: a.self_traffic,
    }
}

/// The class table: the access log's lines of each class, and the error
/// log's that it does not also hold (`side`).
fn classes(a: &Agg, b: &behaviour::Behaviour, side: &paired::ErrorSide) -> Vec<(ClassId, Seen)> {
    let mut seen = a.classes.classes;
    for c in [ClassId::Exploit, ClassId::Scanner] {
        seen[c as usize].merge(&side.classes[c as usize]);
    }
    // Password guessing counts the candidates of confirmed guessers only, as
    // their offender rows do: a candidate nobody was convicted for is no
    // line of the class.
    let mut guessed = Seen::default();
    for &k in b.bruteforce.keys() {
        guessed.merge(&a.classes.outcomes_of(k, false).logins);
        if let Some(c) = side.clients.get(&k) {
            guessed.merge(&c.logins);
        }
    }
    seen[ClassId::Bruteforce as usize] = guessed;
    // A client nginx rate-limited is flood evidence: its `limiting
    // requests` lines count, unless its rate made it a flood (then its
    // requests do, below).
    let rate_floods: rustc_hash::FxHashSet<u128> = b
        .floods
        .iter()
        .filter(|f| f.is_client())
        .map(|f| f.key)
        .collect();
    for (k, c) in &side.clients {
        if c.limited.count > 0 && !rate_floods.contains(k) {
            seen[ClassId::Flood as usize].merge(&c.limited);
        }
    }
    // Sweeps add their 404 lines no signature marked; floods their requests.
    for sw in b.sweeps.values() {
        seen[ClassId::Scanner as usize].merge(&sw.unmarked);
    }
    for f in b.floods.iter().filter(|f| f.is_client()) {
        seen[ClassId::Flood as usize].merge(&Seen {
            count: f.requests,
            first: f.first,
            last: f.last,
            first_success: i64::MAX,
        });
    }
    ClassId::ALL
        .into_iter()
        .zip(seen)
        .filter(|(_, s)| s.count > 0)
        .collect()
}

fn signature_hits(a: &Agg, side: &paired::ErrorSide) -> Vec<SignatureHits> {
    let mut all = a.classes.signatures.clone();
    for (id, (class, seen)) in &side.signatures {
        all.entry(id)
            .or_insert((*class, Seen::default()))
            .1
            .merge(seen);
    }
    let mut v: Vec<SignatureHits> = all
        .iter()
        .filter_map(|(id, (class, seen))| {
            let (_, signature) = signatures::by_id(id)?;
            Some(SignatureHits {
                class: *class,
                signature,
                seen: *seen,
            })
        })
        .collect();
    v.sort_by(|x, y| {
        y.seen
            .count
            .cmp(&x.seen.count)
            .then(x.signature.id.cmp(y.signature.id))
    });
    v
}

fn proxy_targets(a: &Agg, n: usize) -> Vec<ProxyTarget> {
    let mut v: Vec<(String, ProxyTarget)> = a
        .classes
        .proxy_targets
        .iter()
        .map(|(t, p)| {
            let row = ProxyTarget {
                target: t.clone(),
                outcomes: p.outcomes,
                bytes: p.bytes,
                clients: p.clients.len(),
                clients_capped: p.clients_capped,
            };
            (rank::rank_text(t), row)
        })
        .collect();
    v.sort_by(|(xt, x), (yt, y)| y.requests().cmp(&x.requests()).then(xt.cmp(yt)));
    if n > 0 {
        v.truncate(n);
    }
    v.into_iter().map(|(_, p)| p).collect()
}

/// The syslog hosts, most lines first, then by name.
fn hosts(a: &Agg) -> Vec<(Box<[u8]>, u64)> {
    let mut v: Vec<(&[u8], u64)> = a.hosts.iter().map(|(k, n)| (&k[..], *n)).collect();
    v.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    v.into_iter().map(|(k, n)| (k.into(), n)).collect()
}

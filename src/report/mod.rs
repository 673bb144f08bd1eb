//! Reports: plain serialisable structs built from the totals, rendered as
//! tables (`table`) or JSON (`json`). Every string in them that came from a log
//! is escaped when the struct is built, so no renderer can leak raw bytes.

pub mod escape;
pub mod json;
pub mod table;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::aggregate::behaviour::{self, Behaviour};
use crate::aggregate::classes::Seen;

use crate::aggregate::{top, Agg};
use crate::app::Run;
use crate::cli::By;
use crate::config::Config;
use crate::format::time::format_utc;
use crate::format::Reason;
use crate::input::Compression;

/// JSON schema version; bumped on any incompatible change.
pub const SCHEMA: u32 = 1;

/// One input's line accounting.
#[derive(Clone, Debug, Serialize)]
pub struct InputReport {
    pub path: String,
    pub format: String,
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

impl InputReport {
    pub fn new(
        path: &str,
        format: &str,
        c: Compression,
        read: &'static str,
        a: &Agg,
        bytes_read: u64,
    ) -> Self {
        let mut other_formats: Vec<FormatCount> = a
            .other_formats
            .iter()
            .map(|(f, n)| FormatCount {
                format: f,
                lines: *n,
            })
            .collect();
        other_formats.sort_by(|x, y| y.lines.cmp(&x.lines).then(x.format.cmp(y.format)));
        let mut warnings = Vec::new();
        if !other_formats.is_empty() {
            let list: Vec<String> = other_formats
                .iter()
                .map(|o| format!("{} {}", o.lines, o.format))
                .collect();
            warnings.push(format!(
                "malformed lines that parse as another format ({}): a file of mixed formats? \
                 They are not counted; --format NAME reads them",
                list.join(", ")
            ));
        }
        InputReport {
            path: path.to_string(),
            format: format.to_string(),
            compression: c.label(),
            read,
            bytes_read,
            lines: a.lines,
            parsed: a.parsed,
            malformed: a.malformed_total(),
            overlong: a.overlong,
            empty: a.empty,
            ambiguous: a.ambiguous,
            filtered: a.filtered,
            nul_bytes_skipped: a.nul_bytes,
            other_formats,
            warnings,
            errors: Vec::new(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub files: usize,
    pub formats: Vec<String>,
    /// `lines == parsed + malformed + overlong + empty + ambiguous + filtered`.
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
    pub nul_bytes_skipped: u64,
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
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct ClientRow {
    pub client: String,
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
    pub target: String,
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

/// `alf triage`.
#[derive(Debug, Serialize)]
pub struct Triage {
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
    pub offenders: Vec<OffenderRow>,
    pub floods: Vec<FloodRow>,
    pub bursts: Vec<BurstRow>,
    pub proxy_targets: Vec<ProxyTargetRow>,
    /// Requests for targets past the cap (`null` under it).
    pub proxy_targets_other: Option<OtherTargets>,
    pub timeline: Option<TimelineJson>,
    pub onset: Option<OnsetJson>,
    pub correlation: Vec<CorrelationRow>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    pub timing: Timing,
}

fn ts(t: i64, valid: bool) -> Option<String> {
    valid.then(|| format_utc(t))
}

fn summary(run: &Run) -> Summary {
    let a = &run.total;
    let mut formats: Vec<String> = Vec::new();
    for i in &run.inputs {
        if !formats.contains(&i.format) {
            formats.push(i.format.clone());
        }
    }
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
        nul_bytes_skipped: a.nul_bytes,
        first_seen: ts(a.first, a.first <= a.last),
        last_seen: ts(a.last, a.first <= a.last),
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

fn timing(run: &Run, threads: usize) -> Timing {
    Timing {
        wall_seconds: (run.seconds * 1000.0).round() / 1000.0,
        bytes_read: run.bytes_read,
        mb_per_second: if run.seconds > 0.0 {
            (run.bytes_read as f64 / 1e6 / run.seconds).round()
        } else {
            0.0
        },
        threads,
    }
}

impl Triage {
    pub fn build(run: &Run, cfg: &Config, n: usize, bucket: Option<i64>) -> Triage {
        let a = &run.total;
        // Plain counts (`--no-classify`) decide no classes, floods included.
        let b = if cfg.scan.classify {
            behaviour::decide(a, &cfg.scan.self_addrs)
        } else {
            behaviour::Behaviour::default()
        };
        let (timeline, onset) = timeline_rows(a, bucket);
        let requests = a.requests().max(1) as f64;
        let mut classes = [0u64; 10];
        for (s, c) in a.status.iter().enumerate() {
            classes[s / 100] += c;
        }
        Triage {
            schema: SCHEMA,
            summary: summary(run),
            inputs: run.inputs.clone(),
            malformed_reasons: Reason::ALL
                .iter()
                .filter(|r| a.malformed[**r as usize] > 0)
                .map(|r| ReasonCount {
                    reason: r.id(),
                    description: r.as_str(),
                    count: a.malformed[*r as usize],
                })
                .collect(),
            examples: run
                .examples
                .iter()
                .map(|(file, e)| {
                    let mut text = escape::escape(&e.head);
                    if e.truncated {
                        text.push('…');
                    }
                    ExampleLine {
                        file: file.clone(),
                        line: e.line,
                        kind: e.kind.label(),
                        text,
                    }
                })
                .collect(),
            status_classes: classes
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(i, c)| (format!("{i}xx"), *c))
                .collect(),
            status: a
                .status
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(s, c)| StatusCount {
                    status: s as u16,
                    count: *c,
                })
                .collect(),
            top_clients: top::clients(a, n)
                .into_iter()
                .map(|r| ClientRow {
                    share: ((r.stats.requests as f64 / requests) * 10000.0).round() / 100.0,
                    requests: r.stats.requests,
                    s4xx: r.stats.s4xx,
                    s5xx: r.stats.s5xx,
                    bytes: r.stats.bytes,
                    first_seen: ts(r.stats.first, r.stats.first <= r.stats.last),
                    last_seen: ts(r.stats.last, r.stats.first <= r.stats.last),
                    client: r.client,
                })
                .collect(),
            error_clients: top::error_clients(a, n)
                .into_iter()
                .map(|r| {
                    let known = r.stats.first <= r.stats.last;
                    ErrorClientRow {
                        client: r.client,
                        lines: r.stats.requests,
                        first_seen: ts(r.stats.first, known),
                        last_seen: ts(r.stats.last, known),
                    }
                })
                .collect(),
            classes: class_rows(a, &b),
            signatures: signature_rows(a),
            offenders: offender_rows(a, &b, n),
            floods: flood_rows(&b, n),
            bursts: burst_rows(&b),
            proxy_targets: proxy_rows(a, n),
            proxy_targets_other: {
                let o = &a.classes.other_targets;
                (o.requests() > 0).then(|| OtherTargets {
                    requests: o.requests(),
                    tunnelled: o.outcomes[0],
                    attempted: o.outcomes[1],
                    refused: o.outcomes[2],
                    bytes: o.bytes,
                })
            },
            timeline,
            onset,
            correlation: correlation_rows(a, n),
            errors: run.errors.clone(),
            warnings: run.warnings.clone(),
            timing: timing(run, cfg.threads),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct KeyCount {
    pub key: String,
    pub count: u64,
}

/// `alf top`.
#[derive(Debug, Serialize)]
pub struct Top {
    pub schema: u32,
    pub by: &'static str,
    pub lines: u64,
    pub parsed: u64,
    pub malformed: u64,
    pub top: Vec<KeyCount>,
}

impl Top {
    pub fn build(run: &Run, by: By, n: usize) -> Top {
        let a = &run.total;
        let rows: Vec<(String, u64)> = match by {
            By::Ip => top::lines_by_client(a, n)
                .into_iter()
                .map(|r| (r.client, r.stats.requests))
                .collect(),
            By::Status => top::statuses(a, n),
            _ => top::keys(a, n),
        };
        Top {
            schema: SCHEMA,
            by: match by {
                By::Ip => "ip",
                By::Path => "path",
                By::Ua => "ua",
                By::Status => "status",
                By::Method => "method",
                By::Vhost => "vhost",
                By::Referer => "referer",
            },
            lines: a.lines,
            parsed: a.parsed,
            malformed: a.malformed_total(),
            top: rows
                .into_iter()
                .map(|(key, count)| KeyCount { key, count })
                .collect(),
        }
    }
}

fn seen_times(
    s: &crate::aggregate::classes::Seen,
) -> (Option<String>, Option<String>, Option<String>) {
    let known = s.first <= s.last;
    (
        ts(s.first, known),
        ts(s.last, known),
        ts(s.first_success, s.first_success != i64::MAX),
    )
}

fn class_rows(a: &Agg, b: &Behaviour) -> Vec<ClassRow> {
    use crate::classify::{info, ClassId};
    let mut seen = a.classes.classes;
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
        .iter()
        .zip(&seen)
        .filter(|(_, s)| s.count > 0)
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
        .collect()
}

fn flood_rows(b: &Behaviour, n: usize) -> Vec<FloodRow> {
    b.floods
        .iter()
        .take(if n == 0 { usize::MAX } else { n })
        .map(|f| FloodRow {
            source: f.source(),
            requests: f.requests,
            clients: f.clients,
            first_seen: ts(f.first, true),
            last_seen: ts(f.last, true),
            per_minute: (f.per_minute * 10.0).round() / 10.0,
        })
        .collect()
}

fn burst_rows(b: &Behaviour) -> Vec<BurstRow> {
    b.bursts
        .iter()
        .map(|x| BurstRow {
            class: x.class.id(),
            minute: format_utc(x.minute),
            count: x.count,
            threshold: (x.threshold * 10.0).round() / 10.0,
            clients: x
                .clients
                .iter()
                .map(|(k, n)| ClientCount {
                    client: crate::record::ip_from_key(*k).to_string(),
                    lines: *n,
                })
                .collect(),
        })
        .collect()
}

fn signature_rows(a: &Agg) -> Vec<SignatureRow> {
    let mut v: Vec<SignatureRow> = a
        .classes
        .signatures
        .iter()
        .filter_map(|(id, (class, s))| {
            let (_, sig) = crate::classify::signatures::by_id(id)?;
            let (first_seen, last_seen, first_success) = seen_times(s);
            Some(SignatureRow {
                id: sig.id,
                class: class.id(),
                name: sig.name,
                cve: sig.cve,
                count: s.count,
                first_seen,
                last_seen,
                first_success,
            })
        })
        .collect();
    v.sort_by(|x, y| y.count.cmp(&x.count).then(x.id.cmp(y.id)));
    v
}

fn offender_rows(a: &Agg, b: &Behaviour, n: usize) -> Vec<OffenderRow> {
    use crate::classify::ClassId;
    let offenders = &a.classes.offenders;
    let floods: FxHashMap<u128, &behaviour::Flood> = b
        .floods
        .iter()
        .filter(|f| f.is_client())
        .map(|f| (f.key, f))
        .collect();
    // The per-line marks, corrected by the behavioural verdicts: a login
    // candidate counts only from a confirmed guesser; sweeps and floods add
    // clients no single line marked.
    // A network of clients past the cap (`net`) is taken as marked: no
    // behavioural verdict names a network.
    let adjusted = |k: u128, net: bool| {
        if net {
            let mut o = a.classes.offender_networks[&k];
            o.classes[ClassId::Bruteforce as usize] = 0;
            return o;
        }
        let mut o = offenders.get(&k).copied().unwrap_or_default();
        if !b.bruteforce.contains_key(&k) {
            o.classes[ClassId::Bruteforce as usize] = 0;
        }
        if let Some(sw) = b.sweeps.get(&k) {
            o.classes[ClassId::Scanner as usize] += sw.unmarked.count;
        }
        if let Some(f) = floods.get(&k) {
            o.classes[ClassId::Flood as usize] = f.requests;
        }
        o
    };
    let keys = offenders
        .keys()
        .chain(b.sweeps.keys().filter(|k| !offenders.contains_key(*k)))
        .chain(
            floods
                .keys()
                .filter(|k| !offenders.contains_key(*k) && !b.sweeps.contains_key(*k)),
        )
        .map(|&k| (k, false))
        .chain(a.classes.offender_networks.keys().map(|&k| (k, true)));
    // A network's requests are those counted for it past the cap.
    let stats_of = |k: u128, net: bool| {
        let (own, errors) = if net {
            (a.folded.get(k), a.error_folded.get(k))
        } else {
            (a.clients.get(k), a.error_clients.get(k))
        };
        (own.copied().unwrap_or_default(), errors)
    };
    // Ranked on the numbers first, so that only the rows shown are built:
    // a busy log has a hundred thousand clients with a 5xx or two.
    let mut ranked: Vec<(f64, u64, u128, bool)> = keys
        .filter_map(|(k, net)| {
            let score = (adjusted(k, net).score() * 10.0).round() / 10.0;
            (score > 0.0).then(|| (score, stats_of(k, net).0.requests, k, net))
        })
        .collect();
    let by_numbers = |x: &(f64, u64, u128, bool), y: &(f64, u64, u128, bool)| {
        y.0.total_cmp(&x.0).then(y.1.cmp(&x.1))
    };
    let text = |key: u128, net: bool| {
        if net {
            crate::aggregate::folded::text(key)
        } else {
            crate::record::ip_from_key(key).to_string()
        }
    };
    if n > 0 && ranked.len() > n {
        // Keep the n-th and everything not below it, ties included.
        let (_, &mut nth, _) = ranked.select_nth_unstable_by(n - 1, by_numbers);
        ranked.retain(|x| by_numbers(x, &nth).is_le());
        if ranked.len() > n {
            // Ties at the n-th (many bots with one probe each): the address
            // text breaks them, as in the sort below, so only the texts are
            // made for all of them, and whole rows for the n kept.
            let mut named: Vec<_> = ranked.into_iter().map(|x| (text(x.2, x.3), x)).collect();
            named.select_nth_unstable_by(n - 1, |a, b| by_numbers(&a.1, &b.1).then(a.0.cmp(&b.0)));
            named.truncate(n);
            ranked = named.into_iter().map(|(_, x)| x).collect();
        }
    }
    let mut v: Vec<OffenderRow> = ranked
        .iter()
        .map(|&(score, requests, key, net)| {
            let o = adjusted(key, net);
            // Seen in either log: an upstream failure is the client's too.
            let (mut stats, errors) = stats_of(key, net);
            if let Some(e) = errors {
                stats.merge(e);
            }
            let mut notes = Vec::new();
            let out = a.classes.outcomes_of(key, net);
            // Held by address among the offenders but not among the clients:
            // its requests, if any, went to a network past the cap, so they
            // are unknown here, not zero.
            let folded_into = (!net && a.clients.get(key).is_none())
                .then(|| a.folded.holder(key))
                .flatten();
            if let Some(n) = folded_into {
                notes.push(format!(
                    "requests counted with {} (past --max-clients)",
                    crate::aggregate::folded::text(n)
                ));
            }
            for (i, label) in [
                "CONNECT/proxy tunnelled",
                "CONNECT/proxy attempted",
                "CONNECT/proxy refused",
            ]
            .iter()
            .enumerate()
            {
                if out.proxy[i] > 0 {
                    notes.push(format!("{label} {}", out.proxy[i]));
                }
            }
            for (i, label) in ["upstream timeouts", "upstream refused", "upstream failures"]
                .iter()
                .enumerate()
            {
                if out.upstream[i] > 0 {
                    notes.push(format!("{label} {}", out.upstream[i]));
                }
            }
            if out.exploit_successes > 0 {
                notes.push(format!("exploit answered 2xx {}", out.exploit_successes));
            }
            if let Some((total, peak)) = b.bruteforce.get(&key).filter(|_| !net) {
                notes.push(format!(
                    "login attempts {total}, {peak} within {} min",
                    behaviour::BRUTE_WINDOW
                ));
            }
            if let Some(s) = b.sweeps.get(&key).filter(|_| !net) {
                notes.push(format!(
                    "404 sweep {}{} distinct paths",
                    if s.floor { "≥" } else { "" },
                    s.distinct
                ));
            }
            if let Some(f) = floods.get(&key).filter(|_| !net) {
                notes.push(format!("flood {:.0}/min", f.per_minute));
            }
            let known = stats.first <= stats.last && folded_into.is_none();
            OffenderRow {
                client: text(key, net),
                score,
                requests: folded_into.is_none().then_some(requests),
                classes: ClassId::ALL
                    .iter()
                    .zip(&o.classes)
                    .filter(|(_, c)| **c > 0)
                    .map(|(c, n)| (c.id(), *n))
                    .collect(),
                notes,
                first_seen: ts(stats.first, known),
                last_seen: ts(stats.last, known),
            }
        })
        .collect();
    v.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then(y.requests.unwrap_or(0).cmp(&x.requests.unwrap_or(0)))
            .then(x.client.cmp(&y.client))
    });
    if n > 0 {
        v.truncate(n);
    }
    v
}

fn proxy_rows(a: &Agg, n: usize) -> Vec<ProxyTargetRow> {
    let mut v: Vec<ProxyTargetRow> = a
        .classes
        .proxy_targets
        .iter()
        .map(|(t, p)| ProxyTargetRow {
            target: escape::escape(t),
            requests: p.requests(),
            tunnelled: p.outcomes[0],
            attempted: p.outcomes[1],
            refused: p.outcomes[2],
            bytes: p.bytes,
            clients: p.clients.len(),
            clients_capped: p.clients_capped,
        })
        .collect();
    v.sort_by(|x, y| y.requests.cmp(&x.requests).then(x.target.cmp(&y.target)));
    if n > 0 {
        v.truncate(n);
    }
    v
}

fn network_text(key: u128, prefix: u8) -> String {
    match crate::record::ip_from_key(key) {
        std::net::IpAddr::V4(v4) => format!("{v4}/{prefix}"),
        std::net::IpAddr::V6(v6) => format!("{v6}/{prefix}"),
    }
}

fn timeline_rows(a: &Agg, bucket: Option<i64>) -> (Option<TimelineJson>, Option<OnsetJson>) {
    use crate::aggregate::timeline;
    let Some(s) = timeline::series(&a.classes.timeline, bucket) else {
        return (None, None);
    };
    let mut series = std::collections::BTreeMap::new();
    series.insert("all".to_string(), s.all.clone());
    series.insert("5xx".to_string(), s.s5xx.clone());
    for (c, v) in &s.classes {
        series.insert(c.id().to_string(), v.clone());
    }
    let onset = timeline::onset(&a.classes.timeline, &s).map(|o| {
        let networks: Vec<NetworkCount> = o
            .networks
            .iter()
            .map(|(k, p, n)| NetworkCount {
                network: network_text(*k, *p),
                lines: *n,
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
    });
    (
        Some(TimelineJson {
            bucket_seconds: s.width,
            start: format_utc(s.start),
            series,
        }),
        onset,
    )
}

fn correlation_rows(a: &Agg, n: usize) -> Vec<CorrelationRow> {
    use crate::classify::ClassId;
    let c = &a.classes;
    let mut peak: rustc_hash::FxHashMap<u128, u64> = rustc_hash::FxHashMap::default();
    for (&(_, class, key), &lines) in &c.timeline.drivers {
        if class == ClassId::UpstreamTimeout as u8 {
            let p = peak.entry(key).or_default();
            *p = (*p).max(lines);
        }
    }
    let mut v: Vec<CorrelationRow> = a
        .error_clients
        .iter()
        .filter_map(|(k, e)| {
            let access_requests = a.clients.get(k)?.requests;
            let off = c.offenders.get(&k);
            let upstream = c.outcomes_of(k, false).upstream;
            let known = e.first <= e.last;
            Some(CorrelationRow {
                client: crate::record::ip_from_key(k).to_string(),
                access_requests,
                access_classes: off
                    .map(|o| {
                        ClassId::ALL
                            .iter()
                            .zip(&o.classes)
                            .filter(|(cl, n)| **n > 0 && **cl != ClassId::UpstreamTimeout)
                            .map(|(cl, n)| (cl.id(), *n))
                            .collect()
                    })
                    .unwrap_or_default(),
                error_lines: e.requests,
                upstream_timeouts: upstream[0],
                upstream_refused: upstream[1],
                upstream_other: upstream[2],
                peak_failures_per_minute: peak.get(&k).copied().unwrap_or(0),
                first_error: ts(e.first, known),
                last_error: ts(e.last, known),
            })
        })
        .collect();
    v.sort_by(|x, y| {
        y.error_lines
            .cmp(&x.error_lines)
            .then(x.client.cmp(&y.client))
    });
    if n > 0 {
        v.truncate(n);
    }
    v
}

//! What the reader of a report must know to trust it: caps that were reached,
//! zones that were guessed, inputs that changed or mixed formats, clients
//! that look spoofed. Each is data here; the report words it.

use std::net::IpAddr;

use crate::aggregate::{not_found, timeline, Agg};
use crate::attribute::SelfAddrs;
use crate::format::time::LocalZone;
use crate::net::is_documentation;
use crate::read::{Run, ZoneNote};
use crate::record::{ip_from_key, ip_key};

/// A warning, in the order a report lists them.
#[derive(Clone, Debug, PartialEq)]
pub enum Warning {
    /// Ctrl-C or SIGTERM stopped the reading: `read` inputs of `given`
    /// were begun, the last perhaps in part.
    Interrupted { read: usize, given: usize },
    /// An input the stop cut short.
    InputInterrupted { path: String },
    /// Error-log times read at the zone the access logs write (one offset,
    /// or two across a change to or from summer time).
    ErrorZone(LocalZone),
    /// The access logs write several offsets: error-log times stay UTC.
    MixedZones(Vec<i64>),
    /// A mapped file shrank while it was read, and was read again.
    Shrank { path: String },
    /// A mapped file was rewritten while it was read, and was read again.
    Rewritten { path: String },
    /// A file changed while it was read, and the counts are of that read:
    /// old and new lines may be mixed (exit 7).
    Changed { path: String },
    /// A file grew while it was read; a map reads up to its size at open.
    Grew {
        path: String,
        bytes: u64,
        mapped: bool,
    },
    /// The name now leads to another file or none (rotation by rename).
    Replaced { path: String },
    /// The last line has no newline and may be cut: not counted as a record.
    Incomplete { path: String },
    /// The last line has no newline, and was counted as it parsed.
    Unterminated { path: String },
    /// Malformed lines of an input that other presets parse.
    OtherFormats {
        path: String,
        formats: Vec<(&'static str, u64)>,
    },
    /// An input of which under 1% of the lines tried parse with the format it
    /// was read with.
    FewParse {
        path: String,
        /// Lines that parsed (filtered ones too), of those tried.
        parsed: u64,
        tried: u64,
        format: String,
        reason: String,
        /// The preset that parses its lines, if one does.
        parses_as: Option<String>,
    },
    /// Past [`crate::aggregate::MAX_HOSTS`] distinct syslog hosts: no host table.
    HostCap { max: usize },
    /// `alf top --by status` over error-log lines, which have none.
    NoStatus { error_lines: u64 },
    /// An input with no line, or only blank ones.
    Empty { path: String },
    /// A client with one of this machine's own addresses, counted as self.
    LocalAddress { ip: IpAddr, requests: u64 },
    /// Past `--max-clients`, requests and error-log lines counted by network.
    ClientCap {
        cap: usize,
        requests: u64,
        error_lines: u64,
    },
    /// Past the cap, offending clients' class hits listed by network.
    OffenderCap { cap: usize, hits: u64 },
    /// Past the cap, clients' 404s counted but not tested for a sweep.
    NotFoundUntested { cap: usize, lines: u64 },
    /// Past the bound on distinct 404 targets, sweeps' counts are floors.
    NotFoundFloor { max_paths: usize },
    /// Past the bound on (minute, class, client) tallies.
    DriversDropped { max: usize, lines: u64 },
    /// Past the bound on the error log's request tallies (`error_lines`: not
    /// counted for a class) or the access log's kept for pairing
    /// (`access_lines`: an error-log line repeating one may count too).
    PairedDropped {
        max: usize,
        error_lines: u64,
        access_lines: u64,
    },
    /// Past the bound on distinct proxy targets.
    ProxyTargetCap { max: usize, requests: u64 },
    /// Clients in the documentation ranges: a synthetic or spoofed log.
    Documentation { clients: usize },
}

impl Warning {
    /// The input a warning is about, if it is about one.
    pub fn input(&self) -> Option<&str> {
        match self {
            Warning::Shrank { path }
            | Warning::InputInterrupted { path }
            | Warning::Rewritten { path }
            | Warning::Changed { path }
            | Warning::Grew { path, .. }
            | Warning::Replaced { path }
            | Warning::Incomplete { path }
            | Warning::Unterminated { path }
            | Warning::OtherFormats { path, .. }
            | Warning::FewParse { path, .. }
            | Warning::Empty { path } => Some(path),
            _ => None,
        }
    }
}

/// The warnings of a run. `own` is this server's own addresses when the
/// classes ran (only they make self traffic differ from any other).
pub fn warnings(run: &Run, own: Option<&SelfAddrs>) -> Vec<Warning> {
    let mut w = Vec::new();
    if run.interrupted {
        w.push(Warning::Interrupted {
            read: run.inputs.len() + run.failed.len(),
            given: run.given,
        });
    }
    match &run.zone {
        Some(ZoneNote::Learnt(z)) => w.push(Warning::ErrorZone(*z)),
        Some(ZoneNote::Mixed(offsets)) => w.push(Warning::MixedZones(offsets.clone())),
        None => {}
    }
    for i in &run.inputs {
        let path = || i.path.clone();
        if i.interrupted {
            w.push(Warning::InputInterrupted { path: path() });
        }
        if i.changed {
            w.push(Warning::Changed { path: path() });
        } else if i.rewritten {
            w.push(Warning::Rewritten { path: path() });
        }
        if i.shrank {
            w.push(Warning::Shrank { path: path() });
        }
        if let Some(bytes) = i.grew {
            w.push(Warning::Grew {
                path: path(),
                bytes,
                mapped: i.read == crate::read::ReadMode::Mmap,
            });
        }
        if i.replaced {
            w.push(Warning::Replaced { path: path() });
        }
        if i.incomplete > 0 {
            w.push(Warning::Incomplete { path: path() });
        } else if i.unterminated > 0 {
            w.push(Warning::Unterminated { path: path() });
        }
        // Lines that reached the parser, and those it took.
        let parsed = i.parsed + i.ambiguous + i.filtered;
        let tried = parsed + i.malformed;
        if tried == 0 {
            w.push(Warning::Empty {
                path: i.path.clone(),
            });
        } else if parsed * 100 < tried {
            w.push(Warning::FewParse {
                path: i.path.clone(),
                parsed,
                tried,
                format: i.format.clone(),
                reason: i.reason.clone(),
                parses_as: (i.parses_as.clone())
                    .or(i.other_formats.first().map(|f| f.0.to_string())),
            });
        }
        if !i.other_formats.is_empty() {
            w.push(Warning::OtherFormats {
                path: i.path.clone(),
                formats: i.other_formats.clone(),
            });
        }
    }
    if run.total.hosts_over {
        w.push(Warning::HostCap {
            max: crate::aggregate::MAX_HOSTS,
        });
    }
    clients(&run.total, own, &mut w);
    w
}

/// The warnings about the clients counted: this machine's own, the caps on
/// clients, offenders and proxy targets, and documentation ranges.
fn clients(t: &Agg, own: Option<&SelfAddrs>, w: &mut Vec<Warning>) {
    let cap = t.max_clients;
    for ip in own.into_iter().flat_map(SelfAddrs::interfaces) {
        if let Some(c) = t.clients.get(ip_key(ip)).filter(|c| c.requests > 0) {
            w.push(Warning::LocalAddress {
                ip,
                requests: c.requests,
            });
        }
    }
    if !t.folded.is_empty() || !t.error_folded.is_empty() {
        w.push(Warning::ClientCap {
            cap,
            requests: t.folded.requests(),
            error_lines: t.error_folded.requests(),
        });
    }
    let nets = &t.classes.offender_networks;
    if !nets.is_empty() {
        w.push(Warning::OffenderCap {
            cap,
            hits: nets.values().flat_map(|o| o.classes).sum(),
        });
    }
    let c = &t.classes;
    if c.not_found.untested > 0 {
        w.push(Warning::NotFoundUntested {
            cap,
            lines: c.not_found.untested,
        });
    }
    if c.not_found.clients.values().any(|n| n.floor) {
        w.push(Warning::NotFoundFloor {
            max_paths: not_found::MAX_PATHS,
        });
    }
    if c.timeline.drivers_dropped > 0 {
        w.push(Warning::DriversDropped {
            max: timeline::MAX_DRIVERS,
            lines: c.timeline.drivers_dropped,
        });
    }
    if c.paired.error_dropped + c.paired.access_dropped > 0 {
        w.push(Warning::PairedDropped {
            max: crate::aggregate::paired::MAX_PAIRED,
            error_lines: c.paired.error_dropped,
            access_lines: c.paired.access_dropped,
        });
    }
    let other = &c.other_targets;
    if other.requests() > 0 {
        w.push(Warning::ProxyTargetCap {
            max: crate::aggregate::classes::MAX_PROXY_TARGETS,
            requests: other.requests(),
        });
    }
    // Clients of the access and the error logs, each once.
    let doc = t
        .clients
        .iter()
        .chain(t.error_clients.iter())
        .map(|(k, _)| k)
        .filter(|k| is_documentation(ip_from_key(*k)))
        .collect::<std::collections::HashSet<_>>()
        .len();
    if doc > 0 {
        w.push(Warning::Documentation { clients: doc });
    }
}

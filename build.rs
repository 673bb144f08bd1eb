//! Compiles the signature catalogue (`signatures/*.toml`, in the order of
//! `signatures/families.txt`) into the Rust tables the classifier uses
//! (`$OUT_DIR/catalogue.rs`, included by `src/classify/signatures.rs`).
//!
//! The catalogue is written in a small subset of TOML, read here by hand so
//! that the build needs no dependency: `#` comments, `[[signature]]` headers,
//! and `key = value` lines whose value is a basic string (`"..."`, with the
//! escapes `\\ \" \n \t \r \uXXXX`), a literal string (`'...'`, no escapes),
//! `true`/`false`, or an array of strings that may span lines. Anything else
//! is refused with the file and line, and so is every entry that breaks a
//! rule of the catalogue (see `check`): a catalogue that builds is one whose
//! entries are well formed, and the tests then run every entry's samples.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

const DIR: &str = "signatures";
/// Per-line bytes of the classes whose hits are kept in one byte.
const BYTE_CLASSES: [&str; 2] = ["bruteforce", "malformed-request"];
const CLASSES: [(&str, &str); 4] = [
    ("exploit", "EXPLOIT"),
    ("scanner", "SCANNER"),
    ("bruteforce", "BRUTEFORCE"),
    ("malformed-request", "MALFORMED"),
];
const FIELDS: [(&str, &str); 5] = [
    ("target", "Target"),
    ("ua", "UserAgent"),
    ("referer", "Referer"),
    ("any", "Any"),
    ("request", "Request"),
];
const KEYS: [&str; 13] = [
    "id",
    "class",
    "cve",
    "kev",
    "title",
    "reference",
    "field",
    "patterns",
    "then",
    "anchored",
    "confirm",
    "must_match",
    "must_not_match",
];

#[derive(Debug, Clone)]
enum Value {
    Str(Vec<u8>),
    Bool(bool),
    List(Vec<Vec<u8>>),
}

struct Entry {
    file: String,
    line: usize,
    keys: BTreeMap<String, Value>,
}

fn main() {
    println!("cargo:rerun-if-changed={DIR}");
    let list = format!("{DIR}/families.txt");
    println!("cargo:rerun-if-changed={list}");
    let families =
        std::fs::read_to_string(&list).unwrap_or_else(|e| fail(&list, 0, &e.to_string()));
    let mut entries = Vec::new();
    let mut files = HashSet::new();
    for (n, l) in families.lines().enumerate() {
        let name = l.split('#').next().unwrap_or("").trim();
        if name.is_empty() {
            continue;
        }
        if !files.insert(name.to_string()) || !name.ends_with(".toml") || name.contains('/') {
            fail(&list, n + 1, &format!("bad or repeated file name `{name}`"));
        }
        let path = format!("{DIR}/{name}");
        println!("cargo:rerun-if-changed={path}");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| fail(&path, 0, &e.to_string()));
        entries.extend(parse(&path, &text));
    }
    // Every catalogue file must be listed: one left out would be silently ignored.
    if let Ok(rd) = std::fs::read_dir(DIR) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".toml") && !files.contains(&name) {
                fail(&list, 0, &format!("{name} is not listed"));
            }
        }
    }
    let out = generate(&entries);
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("catalogue.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn fail(file: &str, line: usize, msg: &str) -> ! {
    if line > 0 {
        panic!("signature catalogue: {file}:{line}: {msg}");
    }
    panic!("signature catalogue: {file}: {msg}");
}

// ---- Reading ----

fn parse(file: &str, text: &str) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let at = i + 1;
        let l = strip_comment(lines[i]).trim().to_string();
        i += 1;
        if l.is_empty() {
            continue;
        }
        if l == "[[signature]]" {
            entries.push(Entry {
                file: file.to_string(),
                line: at,
                keys: BTreeMap::new(),
            });
            continue;
        }
        let Some((key, rest)) = l.split_once('=') else {
            fail(file, at, "expected `[[signature]]` or `key = value`");
        };
        let key = key.trim().to_string();
        if !KEYS.contains(&key.as_str()) {
            fail(file, at, &format!("unknown key `{key}`"));
        }
        let Some(entry) = entries.last_mut() else {
            fail(file, at, "a key before the first `[[signature]]`");
        };
        let mut value = rest.trim().to_string();
        if value.starts_with('[') {
            // An array may span lines: read on until its closing bracket.
            while !array_closed(&value) {
                if i >= lines.len() {
                    fail(file, at, "unclosed array");
                }
                value.push(' ');
                value.push_str(strip_comment(lines[i]).trim());
                i += 1;
            }
        }
        let v = parse_value(&value).unwrap_or_else(|e| fail(file, at, &format!("`{key}`: {e}")));
        if entry.keys.insert(key.clone(), v).is_some() {
            fail(file, at, &format!("`{key}` given twice"));
        }
    }
    entries
}

/// The line without a `#` comment (a `#` inside a string stays).
fn strip_comment(l: &str) -> &str {
    let (mut in_basic, mut in_literal, mut escaped) = (false, false, false);
    for (i, c) in l.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_basic => escaped = true,
            '"' if !in_literal => in_basic = !in_basic,
            '\'' if !in_basic => in_literal = !in_literal,
            '#' if !in_basic && !in_literal => return &l[..i],
            _ => {}
        }
    }
    l
}

fn array_closed(v: &str) -> bool {
    let (mut in_basic, mut in_literal, mut escaped) = (false, false, false);
    for c in v.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_basic => escaped = true,
            '"' if !in_literal => in_basic = !in_basic,
            '\'' if !in_basic => in_literal = !in_literal,
            ']' if !in_basic && !in_literal => return true,
            _ => {}
        }
    }
    false
}

fn parse_value(v: &str) -> Result<Value, String> {
    match v {
        "true" => return Ok(Value::Bool(true)),
        "false" => return Ok(Value::Bool(false)),
        _ => {}
    }
    if let Some(body) = v.strip_prefix('[') {
        let mut items = Vec::new();
        let mut rest = body.trim_start();
        loop {
            if let Some(r) = rest.strip_prefix(']') {
                if !r.trim().is_empty() {
                    return Err("text after the array".into());
                }
                return Ok(Value::List(items));
            }
            let (s, r) = parse_string(rest)?;
            items.push(s);
            rest = r.trim_start();
            if let Some(r) = rest.strip_prefix(',') {
                rest = r.trim_start();
            } else if !rest.starts_with(']') {
                return Err("expected `,` or `]` in the array".into());
            }
        }
    }
    let (s, rest) = parse_string(v)?;
    if !rest.trim().is_empty() {
        return Err("text after the string".into());
    }
    Ok(Value::Str(s))
}

/// One string at the start of `s`, and what follows it.
fn parse_string(s: &str) -> Result<(Vec<u8>, &str), String> {
    if let Some(body) = s.strip_prefix('\'') {
        let end = body.find('\'').ok_or("unclosed literal string")?;
        return Ok((body.as_bytes()[..end].to_vec(), &body[end + 1..]));
    }
    let body = s
        .strip_prefix('"')
        .ok_or("expected a string, `true`, `false` or an array")?;
    let mut out = Vec::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &body[i + 1..])),
            '\\' => {
                let (_, e) = chars.next().ok_or("unfinished escape")?;
                match e {
                    '\\' => out.push(b'\\'),
                    '"' => out.push(b'"'),
                    'n' => out.push(b'\n'),
                    't' => out.push(b'\t'),
                    'r' => out.push(b'\r'),
                    'u' => {
                        let hex: String =
                            (0..4).filter_map(|_| chars.next().map(|x| x.1)).collect();
                        let cp = u32::from_str_radix(&hex, 16).map_err(|_| "bad \\u escape")?;
                        let ch = char::from_u32(cp).ok_or("bad \\u escape")?;
                        let mut buf = [0; 4];
                        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    }
                    _ => return Err(format!("unknown escape `\\{e}`")),
                }
            }
            _ => {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    Err("unclosed string".into())
}

// ---- Checking ----

struct Sig {
    file: String,
    line: usize,
    id: String,
    class: String,
    cves: Vec<String>,
    kev: bool,
    title: String,
    reference: String,
    field: String,
    patterns: Vec<Vec<u8>>,
    then: Vec<Vec<u8>>,
    anchored: bool,
    confirm: Option<String>,
    must_match: Vec<Vec<u8>>,
    must_not_match: Vec<Vec<u8>>,
}

fn text(b: &[u8], e: &Entry, key: &str) -> String {
    String::from_utf8(b.to_vec())
        .unwrap_or_else(|_| fail(&e.file, e.line, &format!("`{key}` is not UTF-8")))
}

fn check(e: &Entry) -> Sig {
    let bad = |msg: String| -> ! { fail(&e.file, e.line, &msg) };
    let string = |k: &str| match e.keys.get(k) {
        Some(Value::Str(s)) => Some(text(s, e, k)),
        Some(_) => bad(format!("`{k}` must be a string")),
        None => None,
    };
    let list = |k: &str| match e.keys.get(k) {
        Some(Value::List(v)) => v.clone(),
        Some(_) => bad(format!("`{k}` must be an array of strings")),
        None => Vec::new(),
    };
    let flag = |k: &str| match e.keys.get(k) {
        Some(Value::Bool(b)) => *b,
        Some(_) => bad(format!("`{k}` must be true or false")),
        None => false,
    };
    let need = |k: &str| string(k).unwrap_or_else(|| bad(format!("no `{k}`")));
    let id = need("id");
    let here = |msg: String| -> ! { bad(format!("{id}: {msg}")) };
    if id.is_empty()
        || id.len() > 40
        || !id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        || id.starts_with('-')
        || id.ends_with('-')
        || id.contains("--")
    {
        bad(format!(
            "malformed id `{id}` (lowercase letters, digits and single `-`)"
        ));
    }
    let class = need("class");
    if !CLASSES.iter().any(|c| c.0 == class) {
        here(format!("unknown class `{class}`"));
    }
    let field = need("field");
    if !FIELDS.iter().any(|f| f.0 == field) {
        here(format!("unknown field `{field}`"));
    }
    let title = need("title");
    if title.trim() != title || title.is_empty() || title.contains('\n') {
        here("the title must be one trimmed line".into());
    }
    let reference = need("reference");
    if !(reference.starts_with("https://") || reference.starts_with("http://"))
        || reference
            .bytes()
            .any(|b| b <= b' ' || b == b'"' || b >= 0x7f)
        || reference.len() < 12
        || !reference["https://".len() - (reference.starts_with("http://") as usize)..]
            .contains('.')
    {
        here(format!("malformed reference URL `{reference}`"));
    }
    let mut cves = Vec::new();
    for c in list("cve") {
        let c = text(&c, e, "cve");
        let ok = c
            .strip_prefix("CVE-")
            .and_then(|r| r.split_once('-'))
            .is_some_and(|(y, n)| {
                y.len() == 4
                    && y.bytes().all(|b| b.is_ascii_digit())
                    && ("1999".."2099").contains(&y)
                    && n.len() >= 4
                    && n.len() <= 7
                    && n.bytes().all(|b| b.is_ascii_digit())
            });
        if !ok {
            here(format!("malformed CVE `{c}`"));
        }
        if cves.contains(&c) {
            here(format!("{c} listed twice"));
        }
        cves.push(c);
    }
    let kev = flag("kev");
    if kev && cves.is_empty() {
        here("`kev = true` needs a CVE".into());
    }
    let anchored = flag("anchored");
    let confirm = string("confirm");
    if let Some(c) = &confirm {
        if c != "log4j-lookup" {
            here(format!("unknown confirm `{c}`"));
        }
    }
    let patterns = list("patterns");
    if patterns.is_empty() {
        here("no patterns".into());
    }
    let then = list("then");
    if !then.is_empty() && (anchored || confirm.is_some()) {
        here("`then` goes with plain patterns only".into());
    }
    for (k, ps) in [("patterns", &patterns), ("then", &then)] {
        let mut seen = HashSet::new();
        for p in ps {
            let shown = String::from_utf8_lossy(p);
            if p.iter().any(u8::is_ascii_uppercase) {
                here(format!(
                    "{k}: `{shown}` has upper-case letters (fields are lowercased)"
                ));
            }
            if p.contains(&b'\n') {
                here(format!("{k}: `{shown}` holds a newline"));
            }
            let punct = p.iter().all(u8::is_ascii_punctuation);
            // `then` strings are looked for after a hit only, not by the automaton.
            let short_ok = (k == "then" && !p.is_empty())
                || p.len() >= 4
                || (p.len() == 3 && punct)
                || (p.len() >= 2 && (anchored || confirm.is_some()));
            if !short_ok {
                here(format!("{k}: `{shown}` is too short (4 bytes; 3 of punctuation; 2 anchored or confirmed)"));
            }
            if !seen.insert(p.clone()) {
                here(format!("{k}: `{shown}` listed twice"));
            }
        }
    }
    let must_match = list("must_match");
    let must_not_match = list("must_not_match");
    if must_match.is_empty() || must_not_match.is_empty() {
        here("every entry needs a `must_match` and a `must_not_match` sample".into());
    }
    Sig {
        file: e.file.clone(),
        line: e.line,
        id,
        class,
        cves,
        kev,
        title,
        reference,
        field,
        patterns,
        then,
        anchored,
        confirm,
        must_match,
        must_not_match,
    }
}

// ---- Writing ----

fn bytes(b: &[u8]) -> String {
    let mut s = String::from("b\"");
    for &c in b {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(c as char),
            _ => {
                let _ = write!(s, "\\x{c:02x}");
            }
        }
    }
    s.push('"');
    s
}

fn byte_list(v: &[Vec<u8>]) -> String {
    let items: Vec<String> = v.iter().map(|b| bytes(b)).collect();
    format!("&[{}]", items.join(", "))
}

fn generate(entries: &[Entry]) -> String {
    let sigs: Vec<Sig> = entries.iter().map(check).collect();
    let mut ids = HashSet::new();
    for s in &sigs {
        if !ids.insert(s.id.clone()) {
            fail(&s.file, s.line, &format!("duplicate id `{}`", s.id));
        }
    }
    let mut out =
        String::from("// Generated by build.rs from signatures/*.toml: edit those, not this.\n\n");
    for (class, table) in CLASSES {
        let of: Vec<&Sig> = sigs.iter().filter(|s| s.class == class).collect();
        if BYTE_CLASSES.contains(&class) && of.len() > 8 {
            fail(
                DIR,
                0,
                &format!("{} {class} entries: one byte a line holds 8", of.len()),
            );
        }
        let _ = writeln!(
            out,
            "/// Words of a [`SigSet`] of `{table}`.\npub const {table}_WORDS: usize = {};",
            of.len().div_ceil(64).max(1)
        );
        let _ = writeln!(out, "pub const {table}: &[Signature] = &[");
        for s in of {
            let field = FIELDS
                .iter()
                .find(|f| f.0 == s.field)
                .map(|f| f.1)
                .unwrap_or("Target");
            let cves: Vec<String> = s.cves.iter().map(|c| format!("{c:?}")).collect();
            let _ = writeln!(
                out,
                "    Signature {{ id: {:?}, title: {:?}, cves: &[{}], kev: {}, reference: {:?}, family: {:?}, \
                 field: Field::{field}, patterns: {}, then: {}, anchored: {}, confirm: Confirm::{}, \
                 must_match: {}, must_not_match: {} }},",
                s.id,
                s.title,
                cves.join(", "),
                s.kev,
                s.reference,
                s.file,
                byte_list(&s.patterns),
                byte_list(&s.then),
                s.anchored,
                if s.confirm.is_some() { "Log4jLookup" } else { "None" },
                byte_list(&s.must_match),
                byte_list(&s.must_not_match),
            );
        }
        let _ = writeln!(out, "];\n");
    }
    out
}

//! The data-driven classifier cases in `testdata/classify/cases.tsv` (format in
//! `testdata/classify/README.md`): every line is parsed with its preset and
//! classified, and the result is compared with the expectation written beside
//! it. All mismatches are reported together. A second test checks coverage:
//! every class and every signature has at least one must-match and one
//! must-not-match case (for a signature, here or among its catalogue samples).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use alf::classify::signatures::TABLES;
use alf::classify::{self, error_event_line, ClassId, Classifier, FieldCache};
use alf::format::{preset, Format};
use alf::record::{Client, Record};

/// One line of the fixture.
struct Case {
    /// 1-based line number in the fixture file.
    at: usize,
    preset: String,
    expect: Expect,
    line: Vec<u8>,
}

#[derive(Default)]
struct Expect {
    classes: BTreeSet<&'static str>,
    not_classes: BTreeSet<&'static str>,
    sigs: BTreeSet<String>,
    not_sigs: BTreeSet<String>,
    first: Option<String>,
    success: Option<bool>,
    proxy: Option<String>,
    target: Option<String>,
    event: Option<String>,
    ah: Option<String>,
    errno: Option<u32>,
    client: Option<String>,
}

fn fixture() -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/classify/cases.tsv");
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn known_sig(id: &str) -> bool {
    TABLES.iter().any(|(_, t)| t.iter().any(|s| s.id == id))
}

/// Parses the fixture; a malformed fixture line is a test failure with its number.
fn cases() -> Vec<Case> {
    let data = fixture();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (n, raw) in data.split(|&b| b == b'\n').enumerate() {
        let at = n + 1;
        if raw.is_empty() || raw[0] == b'#' {
            continue;
        }
        let mut parts = raw.splitn(3, |&b| b == b'\t');
        let (Some(p), Some(e), Some(line)) = (parts.next(), parts.next(), parts.next()) else {
            errors.push(format!(
                "line {at}: expected PRESET<TAB>EXPECT<TAB>LOG LINE"
            ));
            continue;
        };
        let preset = String::from_utf8_lossy(p).into_owned();
        match parse_expect(&String::from_utf8_lossy(e)) {
            Ok(expect) => out.push(Case {
                at,
                preset,
                expect,
                line: line.to_vec(),
            }),
            Err(msg) => errors.push(format!("line {at}: {msg}")),
        }
    }
    assert!(errors.is_empty(), "bad fixture:\n{}", errors.join("\n"));
    out
}

fn parse_expect(s: &str) -> Result<Expect, String> {
    let mut e = Expect::default();
    let class = |id: &str| {
        classify::by_id(id)
            .map(ClassId::id)
            .ok_or(format!("unknown class {id:?}"))
    };
    for tok in s.split_whitespace() {
        let Some((key, val)) = tok.split_once('=') else {
            match tok {
                "-" => {}
                _ => match tok.strip_prefix('!') {
                    Some(c) => {
                        e.not_classes.insert(class(c)?);
                    }
                    None => {
                        e.classes.insert(class(tok)?);
                    }
                },
            }
            continue;
        };
        match key {
            "sig" | "!sig" | "first" if !known_sig(val) => {
                return Err(format!("unknown signature {val:?}"))
            }
            "sig" => {
                e.sigs.insert(val.to_string());
            }
            "!sig" => {
                e.not_sigs.insert(val.to_string());
            }
            "first" => e.first = Some(val.to_string()),
            "success" => e.success = Some(val == "yes"),
            "proxy" => e.proxy = Some(val.to_string()),
            "target" => e.target = Some(val.to_string()),
            "event" => e.event = Some(val.to_string()),
            "ah" => e.ah = Some(val.to_string()),
            "errno" => e.errno = Some(val.parse().map_err(|_| format!("bad errno {val:?}"))?),
            "client" => e.client = Some(val.to_string()),
            _ => return Err(format!("unknown expectation {tok:?}")),
        }
    }
    if let Some(c) = e.classes.intersection(&e.not_classes).next() {
        return Err(format!("{c} both expected and excluded"));
    }
    if let Some(c) = e.sigs.intersection(&e.not_sigs).next() {
        return Err(format!("{c} both expected and excluded"));
    }
    Ok(e)
}

fn client_text(c: &Client) -> String {
    match c {
        Client::Ip(ip) => ip.to_string(),
        Client::Other(_) => "text".into(),
        Client::None => "none".into(),
    }
}

fn set<T: Ord + std::fmt::Debug>(s: &BTreeSet<T>) -> String {
    format!("{:?}", s.iter().collect::<Vec<_>>())
}

#[test]
fn every_case_classifies_as_expected() {
    let cases = cases();
    assert!(cases.len() > 100, "the fixture lost its cases");
    let classifier = Classifier::new();
    let mut formats: HashMap<String, Format> = HashMap::new();
    let mut scratch = Vec::new();
    let mut mismatches = Vec::new();
    for c in &cases {
        let mut bad = Vec::new();
        let fmt = formats
            .entry(c.preset.clone())
            .or_insert_with(|| preset(&c.preset).unwrap_or_else(|e| panic!("line {}: {e}", c.at)));
        let mut rec = Record::default();
        if let Err(r) = fmt.parse(&c.line, &mut rec) {
            mismatches.push(format!(
                "line {}: does not parse with {}: {r:?}",
                c.at, c.preset
            ));
            continue;
        }
        let lc = classifier.classify(&rec, &mut scratch);
        let e = &c.expect;

        let got: BTreeSet<&str> = lc.classes().iter().map(ClassId::id).collect();
        if got != e.classes {
            bad.push(format!(
                "classes {} expected {}",
                set(&got),
                set(&e.classes)
            ));
        }
        let sigs: BTreeSet<String> = lc.signatures().map(|(_, s)| s.id.to_string()).collect();
        if sigs != e.sigs {
            bad.push(format!(
                "signatures {} expected {}",
                set(&sigs),
                set(&e.sigs)
            ));
        }
        if let Some(first) = &e.first {
            let got = lc.exploit().map(|s| s.id);
            if got != Some(first.as_str()) {
                bad.push(format!("first exploit {got:?} expected {first}"));
            }
        }
        if let Some(ok) = e.success {
            if lc.exploit_succeeded() != ok {
                bad.push(format!("success {} expected {ok}", lc.exploit_succeeded()));
            }
        }
        let proxy = lc.proxy().map(|p| p.label().to_string());
        if proxy != e.proxy {
            bad.push(format!("proxy {proxy:?} expected {:?}", e.proxy));
        }
        if lc.proxy().is_some() || e.target.is_some() {
            let host = String::from_utf8_lossy(lc.proxy_host(&rec)).into_owned();
            let got = match lc.proxy_port() {
                Some(p) => format!("{host}:{p}"),
                None => host,
            };
            if e.target.as_deref() != Some(got.as_str()) {
                bad.push(format!("proxy target {got:?} expected {:?}", e.target));
            }
        }
        let ev = error_event_line(&c.line, &rec);
        let got = ev.map(|v| v.kind.label().to_string());
        if got != e.event {
            bad.push(format!("event {got:?} expected {:?}", e.event));
        }
        if let (Some(v), Some(ah)) = (ev, &e.ah) {
            let got = v.ah.map(|a| format!("AH{a:05}"));
            if got.as_deref() != Some(ah.as_str()) {
                bad.push(format!("AH code {got:?} expected {ah}"));
            }
        }
        if let (Some(v), Some(errno)) = (ev, e.errno) {
            if v.errno != Some(errno) {
                bad.push(format!("errno {:?} expected {errno}", v.errno));
            }
        }
        if let Some(want) = &e.client {
            let got = client_text(&rec.client);
            if &got != want {
                bad.push(format!("client {got} expected {want}"));
            }
        }
        if !bad.is_empty() {
            let text = String::from_utf8_lossy(&c.line);
            let text: String = text.chars().take(160).collect();
            mismatches.push(format!("line {}: {}\n    {text}", c.at, bad.join("; ")));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} cases mismatch:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
}

/// The cache changes nothing: every case gives the same result with and
/// without it, on a first sight (a miss) and on a second (a hit).
#[test]
fn the_field_cache_gives_the_same_results() {
    let cases = cases();
    let classifier = Classifier::new();
    let mut cache = FieldCache::new();
    let mut scratch = Vec::new();
    for round in 0..2 {
        for c in &cases {
            let fmt = preset(&c.preset).unwrap();
            let mut rec = Record::default();
            if fmt.parse(&c.line, &mut rec).is_err() {
                continue;
            }
            let plain = classifier.classify(&rec, &mut scratch);
            let cached = classifier.classify_cached(&rec, &mut cache);
            assert_eq!(plain, cached, "round {round}, line {}", c.at);
        }
    }
}

/// Classes only the aggregation stage can decide: no single line matches them.
const BEHAVIOURAL: [ClassId; 2] = [ClassId::Flood, ClassId::DirectOrigin];

#[test]
fn every_class_and_signature_has_both_kinds_of_sample() {
    let cases = cases();
    // Behavioural classes show only over many lines: their must-match
    // samples are the multi-line fixtures.
    let multi_pos: BTreeSet<String> = multi_cases()
        .iter()
        .flat_map(|c| c.expect.iter())
        .filter(|t| !t.starts_with('!'))
        .filter_map(|t| t.split('=').next().map(str::to_string))
        .collect();
    for class in BEHAVIOURAL {
        assert!(
            multi_pos.contains(class.id()),
            "{}: no multi-line must-match fixture",
            class.id()
        );
    }
    let mut pos: BTreeMap<&str, usize> = BTreeMap::new();
    let mut neg: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &cases {
        for id in &c.expect.classes {
            *pos.entry(id).or_default() += 1;
        }
        for id in &c.expect.not_classes {
            *neg.entry(id).or_default() += 1;
        }
        for id in &c.expect.sigs {
            *pos.entry(id.as_str()).or_default() += 1;
        }
        for id in &c.expect.not_sigs {
            *neg.entry(id.as_str()).or_default() += 1;
        }
    }
    let mut missing = Vec::new();
    for class in ClassId::ALL {
        let id = class.id();
        if !pos.contains_key(id) && !multi_pos.contains(id) {
            missing.push(format!("class {id}: no must-match case"));
        }
        if !neg.contains_key(id) {
            missing.push(format!("class {id}: no must-not-match case (`!{id}`)"));
        }
    }
    // A signature's own samples in `signatures/*.toml` (run field by field by
    // tests/catalogue.rs) stand for whole-line cases here; build.rs refuses
    // an entry without both kinds.
    for (_, table) in TABLES {
        for s in *table {
            if !pos.contains_key(s.id) && s.must_match.is_empty() {
                missing.push(format!("signature {}: no must-match case", s.id));
            }
            if !neg.contains_key(s.id) && s.must_not_match.is_empty() {
                missing.push(format!(
                    "signature {}: no must-not-match case (`!sig={}`)",
                    s.id, s.id
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "fixture coverage:\n{}",
        missing.join("\n")
    );
}

/// A multi-line case of `testdata/classify/multiline/cases.tsv`.
struct MultiCase {
    file: String,
    args: Vec<String>,
    expect: Vec<String>,
}

fn multi_cases() -> Vec<MultiCase> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/classify/multiline/cases.tsv");
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 3, "{l}");
            MultiCase {
                file: f[0].to_string(),
                args: f[1].split(' ').map(str::to_string).collect(),
                expect: f[2].split(' ').map(str::to_string).collect(),
            }
        })
        .collect()
}

/// The behavioural classes (flood, direct-origin) over whole fixtures, run
/// through `alf triage`: `CLASS=ADDR` names an offender showing the class,
/// `!CLASS=ADDR` a client that must not show it, `!CLASS` a run without it.
#[test]
fn multi_line_fixtures_show_their_classes() {
    let cases = multi_cases();
    assert!(!cases.is_empty());
    for c in &cases {
        let mut args = vec![
            "triage".to_string(),
            "-o".into(),
            "json".into(),
            "-n".into(),
            "0".into(),
        ];
        args.extend(c.args.iter().cloned());
        args.push(format!("testdata/classify/multiline/{}", c.file));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_alf"))
            .args(&args)
            .env("ALF_GEOIP", "none")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run alf");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        let shows = |class: &str, addr: &str| {
            ["offenders", "internal_offenders"].iter().any(|k| {
                v[k].as_array().unwrap().iter().any(|o| {
                    o["client"] == addr && o["classes"][class].as_u64().is_some_and(|n| n > 0)
                })
            })
        };
        let counted = |class: &str| {
            v["classes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["id"] == class)
        };
        for t in &c.expect {
            let ctx = format!("{} {args:?}", t);
            match (t.strip_prefix('!'), t.split_once('=')) {
                (None, Some((class, addr))) => assert!(shows(class, addr), "{ctx}"),
                (Some(neg), _) => match neg.split_once('=') {
                    Some((class, addr)) => assert!(!shows(class, addr), "{ctx}"),
                    None => assert!(!counted(neg), "{ctx}"),
                },
                (None, None) => panic!("{ctx}: not CLASS=ADDR"),
            }
        }
    }
}

//! Case 69: the regression corpus from public bug reports
//! (`testdata/corpus/reports.tsv`, format in its README): each line read
//! with its preset gives the expected client and status, or is malformed;
//! an address someone else wrote into it never becomes the client, in the
//! parser or in a whole run of `alf`.

mod common;

use std::collections::BTreeMap;
use std::net::IpAddr;

use alf::format::{self, detect::looks_like_json, Parsed};
use alf::record::{Client, Record};

struct Sample {
    source: String,
    preset: String,
    expect: Vec<String>,
    line: Vec<u8>,
}

fn corpus() -> Vec<Sample> {
    let data = std::fs::read(common::testdata("corpus/reports.tsv")).expect("corpus");
    data.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty() && l[0] != b'#')
        .map(|l| {
            let mut f = l.splitn(4, |&b| b == b'\t');
            let mut text = || String::from_utf8(f.next().expect("field").to_vec()).unwrap();
            let (source, preset, expect) = (text(), text(), text());
            let line = f.next().expect("line").to_vec();
            Sample {
                source,
                preset,
                expect: expect.split(' ').map(str::to_string).collect(),
                line,
            }
        })
        .collect()
}

fn want<'a>(s: &'a Sample, key: &str) -> Vec<&'a str> {
    s.expect
        .iter()
        .filter_map(|t| t.strip_prefix(key))
        .collect()
}

#[test]
fn every_sample_reads_as_expected() {
    let samples = corpus();
    assert!(samples.len() >= 15, "{} samples", samples.len());
    for s in &samples {
        assert!(s.source.starts_with("https://github.com/"), "{}", s.source);
        let ctx = format!("{} ({})", s.source, s.preset);
        let f = format::preset(&s.preset).unwrap_or_else(|e| panic!("{ctx}: {e}"));
        let mut rec = Record::default();
        let got = f.parse(&s.line, &mut rec);
        let never: Vec<IpAddr> = want(s, "never=")
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();
        if let Client::Ip(ip) = rec.client {
            assert!(!never.contains(&ip), "{ctx}: {ip} taken as the client");
        }
        if s.expect.iter().any(|t| t == "malformed") {
            assert!(got.is_err(), "{ctx}: parsed");
        }
        assert_eq!(
            looks_like_json(&s.line),
            s.expect.iter().any(|t| t == "json"),
            "{ctx}: JSON lines"
        );
        for c in want(s, "client=") {
            assert!(matches!(got, Ok(Parsed::Ok)), "{ctx}: {:?}", got.err());
            let ip: IpAddr = c.parse().unwrap();
            assert_eq!(rec.client, Client::Ip(ip), "{ctx}");
        }
        for st in want(s, "status=") {
            assert_eq!(rec.status, Some(st.parse().unwrap()), "{ctx}");
        }
    }
}

/// The samples of each preset as one log: the clients alf reports are those
/// expected, and no `never=` address is a client or an offender.
#[test]
fn whole_runs_never_name_a_planted_address() {
    let mut by: BTreeMap<String, Vec<&Sample>> = BTreeMap::new();
    let samples = corpus();
    for s in &samples {
        by.entry(s.preset.clone()).or_default().push(s);
    }
    for (preset, group) in by {
        let log: Vec<u8> = group
            .iter()
            .flat_map(|s| s.line.iter().copied().chain([b'\n']))
            .collect();
        let (out, v) = common::triage(&["--format", &preset], Some(&log));
        assert!(
            matches!(out.code(), Some(0 | 6)),
            "{preset}: {}",
            out.stderr_text()
        );
        let mut clients: Vec<String> = common::client_rows(&v).into_iter().map(|c| c.0).collect();
        if let Some(rows) = v["error_clients"].as_array() {
            clients.extend(
                rows.iter()
                    .map(|r| r["client"].as_str().unwrap().to_string()),
            );
        }
        let offenders: Vec<&str> = v["offenders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["client"].as_str().unwrap())
            .collect();
        for s in &group {
            for c in want(s, "client=") {
                assert!(
                    clients.iter().any(|x| x == c),
                    "{preset}: {c} missing from {clients:?}"
                );
            }
            for n in want(s, "never=") {
                assert!(!clients.iter().any(|x| x == n), "{preset}: {n} is a client");
                assert!(!offenders.contains(&n), "{preset}: {n} is an offender");
            }
        }
    }
}

//! Pins what the signature catalogue finds in the real logs the repository
//! ships: per access log, per signature, the number of lines that hit it
//! (`testdata/classify/shipped-hits.tsv`). A change to the catalogue that
//! finds more or less in them shows up as a diff of that file, to be read
//! line by line: every new hit should be a real probe.
//!
//! Each log is read with the format `alf` detects for it (taken from its JSON
//! report), every line that format parses is classified on its own, and each
//! signature it hits counts the line once. `ALF_UPDATE_HITS=1` rewrites the
//! file.

mod common;

use std::collections::BTreeMap;

use alf::classify::Classifier;
use alf::format::preset;
use alf::record::Record;
use common::{files_under, root, run_alf, testdata};

const PINNED: &str = "testdata/classify/shipped-hits.tsv";

/// The shipped access logs, relative to the repository root.
fn shipped() -> Vec<String> {
    let mut v: Vec<_> = files_under(&testdata("access"))
        .into_iter()
        .chain([testdata("incident/access_log")])
        .map(|p| {
            p.strip_prefix(root())
                .expect("under the root")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    v.sort();
    v
}

/// `file<TAB>signature<TAB>lines` rows, sorted, for every shipped log.
fn hits() -> String {
    let classifier = Classifier::new();
    let mut scratch = Vec::new();
    let mut out = String::from(
        "# file\tsignature\tlines (tests/shipped_hits.rs; ALF_UPDATE_HITS=1 rewrites)\n",
    );
    for rel in shipped() {
        let path = root().join(&rel);
        let run = run_alf(
            &["triage", "-o", "json", "-j", "1", path.to_str().unwrap()],
            None,
        );
        let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap_or_default();
        let Some(name) = report["inputs"][0]["format"].as_str() else {
            continue;
        };
        let Ok(format) = preset(name) else { continue };
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for line in data.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let mut rec = Record::default();
            if format.parse(line, &mut rec).is_err() {
                continue;
            }
            let lc = classifier.classify(&rec, &mut scratch);
            for (_, sig) in lc.signatures() {
                *counts.entry(sig.id).or_default() += 1;
            }
        }
        for (id, n) in counts {
            out.push_str(&format!("{rel}\t{id}\t{n}\n"));
        }
    }
    out
}

#[test]
fn shipped_logs_hit_the_pinned_signatures() {
    let got = hits();
    let path = root().join(PINNED);
    if std::env::var("ALF_UPDATE_HITS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{PINNED}: {e}"));
    if want != got {
        let w: Vec<_> = want.lines().collect();
        let g: Vec<_> = got.lines().collect();
        let gone: Vec<_> = w.iter().filter(|l| !g.contains(l)).collect();
        let new: Vec<_> = g.iter().filter(|l| !w.contains(l)).collect();
        panic!(
            "{PINNED} differs (ALF_UPDATE_HITS=1 rewrites it; read the diff)\n\
             pinned, not found now:\n{gone:#?}\nfound now, not pinned:\n{new:#?}"
        );
    }
}

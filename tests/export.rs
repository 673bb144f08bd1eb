//! `alf export`: its rows against awk on the shipped logs, text that is not
//! UTF-8 (and NUL) carried whole through `_b64`, the same rows whatever the
//! reading path, chunking or thread count, and `--only-classified`. Its
//! memory, flat on an input far larger, is checked in `tests/memory.rs`.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

/// Combined-format shipped logs whose every line parses.
const COMBINED: &[&str] = &[
    "testdata/access/apache-combined/farmfreshsoftware.com_combined.access.log",
    "testdata/access/apache-combined/farmwork.app_combined.access.log",
    "testdata/access/nginx-combined/meatlabel.app.access.log-20251222",
    "testdata/access/nginx-combined/saunathinker.com.access.log-20260107",
];

/// `alf export ARGS`, required to succeed, as its raw output and its rows.
fn export(args: &[&str], stdin: Option<&[u8]>) -> (Vec<u8>, Vec<Value>) {
    let mut all = vec!["export", "--host", "web1"];
    all.extend(args);
    let out = run_alf(&all, stdin);
    assert_eq!(out.code(), Some(0), "alf {all:?}: {}", out.stderr_text());
    let rows = out
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            serde_json::from_slice(l)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(l)))
        })
        .collect();
    assert!(out.stdout.ends_with(b"\n") || out.stdout.is_empty());
    (out.stdout, rows)
}

/// Standard base64, decoded (for the `_b64` companions).
fn unbase64(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a') as u32 + 26,
            b'0'..=b'9' => (c - b'0') as u32 + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let mut out = Vec::new();
    for q in s.as_bytes().chunks(4) {
        let pad = q.iter().filter(|&&c| c == b'=').count();
        let n = q
            .iter()
            .map(|&c| if c == b'=' { 0 } else { val(c) })
            .fold(0u32, |a, v| a << 6 | v);
        out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
    }
    out
}

/// A text column's raw bytes: its `_b64` companion, else its UTF-8.
fn raw(row: &Value, key: &str) -> Vec<u8> {
    match row.get(format!("{key}_b64")) {
        Some(b) => unbase64(b.as_str().expect("base64 text")),
        None => row[key].as_str().expect("text").as_bytes().to_vec(),
    }
}

#[test]
fn rows_agree_with_awk() {
    if !require_tools(&["awk", "sort", "uniq", "wc"]) {
        return;
    }
    for log in COMBINED {
        let (_, rows) = export(&[log], None);
        let wc = sh_count(r#"wc -l < "$1""#, &[log]);
        assert_eq!(
            rows.len() as u64,
            physical_lines_from_wc(&root().join(log), wc),
            "{log}: rows"
        );
        // Every row names its line, and the line starts with its client.
        let text = std::fs::read(root().join(log)).expect("read the log");
        let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(r["line"], i as u64 + 1, "{log}: line numbers");
            assert_eq!(r["host"], "web1");
            assert_eq!(r["file"], *log);
            assert_eq!(r["kind"], "access");
            let client = r["client"].as_str().expect("client");
            assert!(
                lines[i].starts_with(client.as_bytes()),
                "{log}:{}: {client}",
                i + 1
            );
        }
        // Per-status counts and the bytes sent ($9 and $10 of combined).
        // Status and bytes: the first `" NNN BYTES "` (after the request).
        let at = r#"if (match($0, /" [0-9][0-9][0-9] ([0-9]+|-) "/)) split(substr($0, RSTART + 2, RLENGTH - 3), a, " ")"#;
        let after = format!("awk '{{ {at}; print a[1] }}' \"$1\"");
        let want: BTreeMap<String, u64> =
            parse_uniq_c(&sh(&format!("{after} | sort | uniq -c"), &[log]))
                .into_iter()
                .map(|(k, n)| (String::from_utf8(k).expect("status"), n))
                .collect();
        let mut got: BTreeMap<String, u64> = BTreeMap::new();
        for r in &rows {
            *got.entry(r["status"].to_string()).or_default() += 1;
        }
        assert_eq!(got, want, "{log}: statuses");
        let bytes = sh_count(
            &format!("awk '{{ {at}; if (a[2] != \"-\") s += a[2] }} END {{ print s + 0 }}' \"$1\""),
            &[log],
        );
        let sum: u64 = rows.iter().filter_map(|r| r["bytes"].as_u64()).sum();
        assert_eq!(sum, bytes, "{log}: bytes");
    }
}

#[test]
fn the_same_rows_whatever_the_reading() {
    let log = "testdata/access/apache-combined/elastic-examples_apache_logs_2015.log";
    let (base, rows) = export(&["-j", "1", log], None);
    assert!(rows.len() > 9000);
    for args in [
        vec!["-j", "2", "--chunk-size", "4096", log],
        vec!["-j", "2", "--mmap", "never", "--chunk-size", "10000", log],
    ] {
        let (out, _) = export(&args, None);
        assert!(out == base, "alf export {args:?} differs from -j 1");
    }
    // Standard input: the same rows, named `-`.
    let data = std::fs::read(root().join(log)).expect("read the log");
    let (out, _) = export(&["-j", "2", "--chunk-size", "5000", "-"], Some(&data));
    let name = format!("\"file\":{}", serde_json::to_string(log).unwrap());
    let base = String::from_utf8(base)
        .expect("UTF-8")
        .replace(&name, "\"file\":\"-\"");
    assert!(
        String::from_utf8(out).expect("UTF-8") == base,
        "standard input differs"
    );
    // The malformed line is no row, and the count says so.
    let (_, t) = triage(&[log], None);
    assert_eq!(rows.len() as u64, summary(&t, "parsed"));
}

#[test]
fn text_that_is_not_utf8_round_trips() {
    if !require_tool("awk") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("odd.log");
    let mut data = std::fs::read(testdata("fixtures/invalid-utf8-ua.log")).expect("fixture");
    if data.last() != Some(&b'\n') {
        data.push(b'\n');
    }
    // A NUL in the path, a Latin-1 referer, a quote and a backslash.
    data.extend_from_slice(
        b"203.0.113.9 - - [08/Mar/2024:14:00:09 +0000] \"GET /a\0b HTTP/1.1\" 200 1 \"http://x/\xe9t\xe9\" \"q\\\"uote\\\\\"\n",
    );
    std::fs::write(&path, &data).expect("write");
    let p = path.to_str().expect("path");
    let (_, rows) = export(&[p], None);
    let uas = sh(r#"awk -F'"' '{print $6}' "$1""#, &[p]);
    let refs = sh(r#"awk -F'"' '{print $4}' "$1""#, &[p]);
    let uas: Vec<&[u8]> = uas.split(|&b| b == b'\n').collect();
    let refs: Vec<&[u8]> = refs.split(|&b| b == b'\n').collect();
    assert!(rows.len() >= 6);
    let mut b64 = 0;
    for (i, r) in rows.iter().enumerate() {
        // awk splits the escaped quote of the last line: compare it apart.
        if i + 1 < rows.len() {
            assert_eq!(raw(r, "ua"), uas[i], "row {i}: ua");
        }
        assert_eq!(raw(r, "referer"), refs[i], "row {i}: referer");
        for (k, v) in r.as_object().expect("object") {
            if let Some(field) = k.strip_suffix("_b64") {
                b64 += 1;
                let text = r[field].as_str().expect("text");
                assert!(text.contains('\u{FFFD}'), "{k} only beside lossy text");
                assert!(std::str::from_utf8(&unbase64(v.as_str().unwrap())).is_err());
            }
        }
    }
    assert!(
        b64 >= 4,
        "the invalid user agents and the referer carry _b64"
    );
    let last = rows.last().expect("a row");
    assert_eq!(raw(last, "path"), b"/a\0b");
    assert!(
        last.get("path_b64").is_none(),
        "a NUL is JSON's \\u0000, not base64"
    );
    assert_eq!(raw(last, "referer"), b"http://x/\xe9t\xe9");
    assert_eq!(raw(last, "ua"), b"q\\\"uote\\\\");
}

#[test]
fn only_classified_keeps_the_classified_rows() {
    let log = "testdata/access/apache-combined/farmfreshsoftware.com_combined.access.log";
    let (_, all) = export(&[log], None);
    let (_, some) = export(&["--only-classified", log], None);
    let want: Vec<&Value> = all
        .iter()
        .filter(|r| !r["classes"].as_array().expect("classes").is_empty())
        .collect();
    assert!(!want.is_empty() && want.len() < all.len());
    assert_eq!(some.iter().collect::<Vec<_>>(), want);
    // The classes are alf's per-line classes: as many as the timeline draws.
    let (_, t) = triage(&[log], None);
    let series = t["timeline"]["series"].as_object().expect("series");
    for (class, counts) in series {
        if class == "all" || class == "5xx" {
            continue;
        }
        let n: u64 = counts
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap())
            .sum();
        let got = some
            .iter()
            .filter(|r| r["classes"].as_array().unwrap().iter().any(|c| c == class))
            .count() as u64;
        assert_eq!(got, n, "class {class}");
    }
}

#[test]
fn error_log_rows() {
    let (_, rows) = export(
        &[
            "testdata/incident/access_log",
            "testdata/incident/error_log",
        ],
        None,
    );
    let errors: Vec<&Value> = rows.iter().filter(|r| r["kind"] == "error").collect();
    assert_eq!(errors.len(), 3);
    for r in errors {
        assert_eq!(r["module"], "proxy_fcgi");
        assert_eq!(r["level"], "error");
        assert_eq!(r["code"], "AH01075");
        assert_eq!(r["upstream"], "timeout");
        assert_eq!(r["classes"], serde_json::json!(["upstream-timeout"]));
        // The access log writes +0900: the error log's times are read so.
        assert!(r["ts"].as_str().unwrap().starts_with("2020-12-24T09:58:4"));
    }
    let proxy: Vec<&Value> = rows
        .iter()
        .filter(|r| !r["proxy_outcome"].is_null())
        .collect();
    assert_eq!(proxy.len(), 4);
    assert!(proxy
        .iter()
        .all(|r| r["proxy_target"].as_str().unwrap().ends_with(":443")));
}

/// Whether python3 can read Parquet (pyarrow, which chDB brings along);
/// says the test is skipped when it cannot.
#[cfg(feature = "parquet")]
fn pyarrow() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import pyarrow.parquet"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        skip("python3 cannot import pyarrow (pip install chdb brings it)");
    }
    ok
}

/// Runs a Python script on a file; its standard output.
#[cfg(feature = "parquet")]
fn python(script: &str, file: &std::path::Path) -> Vec<u8> {
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(file)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The Parquet export holds the NDJSON export's rows, value for value
/// (read back with pyarrow, which chDB brings along).
#[cfg(feature = "parquet")]
#[test]
fn parquet_holds_the_same_rows() {
    if !pyarrow() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let odd = dir.path().join("odd.log");
    let mut data = std::fs::read(testdata("fixtures/invalid-utf8-ua.log")).expect("fixture");
    data.extend_from_slice(
        b"\n203.0.113.9 - - [08/Mar/2024:14:00:09 +0000] \"GET /a\0b\xff HTTP/1.1\" 200 1 \"-\" \"-\"\n",
    );
    std::fs::write(&odd, &data).expect("write");
    let logs = [
        odd.to_str().expect("path"),
        "testdata/access/apache-combined/elastic-examples_apache_logs_2015.log",
        "testdata/incident/access_log",
        "testdata/incident/error_log",
    ];
    let (_, rows) = export(&logs, None);
    let pq = dir.path().join("rows.parquet");
    let mut args = vec!["-o", "parquet", "--write", pq.to_str().expect("path")];
    args.extend(logs);
    export(&args, None);
    let script = r#"
import json, sys
import pyarrow.parquet as pq
for r in pq.read_table(sys.argv[1]).to_pylist():
    if r["ts"] is not None:
        r["ts"] = r["ts"].strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (r["ts"].microsecond // 1000)
    print(json.dumps(r))
"#;
    let out = python(script, &pq);
    let back: Vec<Value> = out
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("JSON"))
        .collect();
    // Parquet has every column in every row: compare what is not null.
    let strip = |v: &Value| -> Value {
        let mut m = v.as_object().expect("object").clone();
        m.retain(|_, v| !v.is_null());
        Value::Object(m)
    };
    assert_eq!(back.len(), rows.len());
    assert!(rows.iter().any(|r| r.get("path_b64").is_some()));
    for (a, b) in rows.iter().zip(&back) {
        assert_eq!(strip(b), strip(a));
    }
}

/// Past one row group (131,072 rows), the groups are encoded side by side
/// and must still come out in input order, with every row once.
#[cfg(feature = "parquet")]
#[test]
fn parquet_row_groups_keep_the_input_order() {
    if !pyarrow() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("big.log");
    let mut data = Vec::new();
    let n: u32 = 300_000;
    for i in 0..n {
        // Every line's client and path say where it stood.
        data.extend_from_slice(
            format!(
                "10.{}.{}.{} - - [08/Mar/2024:14:00:09 +0000] \"GET /p{i} HTTP/1.1\" 200 {i} \"-\" \"ua{}\"\n",
                i >> 16,
                (i >> 8) & 255,
                i & 255,
                i % 7
            )
            .as_bytes(),
        );
    }
    std::fs::write(&log, &data).expect("write");
    let pq = dir.path().join("rows.parquet");
    export(
        &[
            "-o",
            "parquet",
            "--write",
            pq.to_str().expect("path"),
            log.to_str().expect("path"),
        ],
        None,
    );
    let script = r#"
import sys
import pyarrow.parquet as pq
f = pq.ParquetFile(sys.argv[1])
t = f.read(columns=["line", "path", "bytes", "client"])
lines, paths, sizes = t["line"].to_pylist(), t["path"].to_pylist(), t["bytes"].to_pylist()
bad = [i for i in range(len(lines)) if lines[i] != i + 1 or paths[i] != "/p%d" % i or sizes[i] != i]
print(f.num_row_groups, len(lines), len(bad), bad[:3])
"#;
    let out = python(script, &pq);
    let said = String::from_utf8_lossy(&out);
    let v: Vec<&str> = said.split_whitespace().collect();
    assert!(v[0].parse::<u32>().expect("groups") >= 3, "{said}");
    assert_eq!(v[1], n.to_string(), "{said}");
    assert_eq!(v[2], "0", "rows out of place: {said}");
}

#[test]
fn compressed_inputs_keep_their_order() {
    // Consecutive compressed inputs: the triage reads them side by side, an
    // export one after the other, so that rows keep the order of the inputs.
    let dir = tempfile::tempdir().expect("temp dir");
    let mut plain = Vec::new();
    let mut packed = Vec::new();
    for (i, log) in COMBINED.iter().enumerate() {
        let data = std::fs::read(root().join(log)).expect("read the log");
        let p = dir.path().join(format!("{i}.log"));
        let z = dir.path().join(format!("{i}.log.gz"));
        std::fs::write(&p, &data).expect("write");
        std::fs::write(&z, gzip(&data)).expect("write");
        plain.push(p.to_str().expect("path").to_string());
        packed.push(z.to_str().expect("path").to_string());
    }
    let args = |files: &[String]| -> Vec<String> {
        let mut a = vec!["-j".to_string(), "2".to_string()];
        a.extend(files.iter().cloned());
        a
    };
    let a = args(&plain);
    let b = args(&packed);
    let (_, want) = export(&a.iter().map(String::as_str).collect::<Vec<_>>(), None);
    let (_, got) = export(&b.iter().map(String::as_str).collect::<Vec<_>>(), None);
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        let mut g = g.clone();
        let name = g["file"]
            .as_str()
            .expect("file")
            .trim_end_matches(".gz")
            .to_string();
        g["file"] = Value::String(name);
        assert_eq!(&g, w);
    }
}

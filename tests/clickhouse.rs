//! The ClickHouse side of `alf export`: the shipped schema and loader
//! (`clickhouse/`) load alf's rows of several shipped logs, as if from three
//! servers, into chDB (ClickHouse's own engine, in process), and every
//! shipped query's answer is checked against `alf triage -o json` over the
//! same files, or against the rows themselves where the triage has no
//! equal (the same network on many servers).
//!
//! Needs `python3` with the `chdb` module (`pip install chdb`): skipped
//! without, a failure under `ALF_REQUIRE_ALL=1`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

/// The servers and the logs each holds.
const HOSTS: &[(&str, &[&str])] = &[
    (
        "web1",
        &["testdata/access/apache-combined/farmfreshsoftware.com_combined.access.log"],
    ),
    (
        "web2",
        &[
            "testdata/access/apache-combined/farmwork.app_combined.access.log",
            "testdata/access/nginx-combined/lnav_zanbil-shop_access_log_2019_1000lines.log",
        ],
    ),
    (
        "web3",
        &[
            "testdata/incident/access_log",
            "testdata/incident/error_log",
        ],
    ),
];

/// The classes a line shows on its own, whose triage count is its lines'
/// count (scanner and bruteforce are also verdicts over many lines).
const PER_LINE: &[&str] = &[
    "proxy",
    "dummy",
    "upstream-timeout",
    "gateway-errors",
    "exploit",
    "malformed-request",
];

fn have_chdb() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import chdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        skip("python3 cannot import chdb (pip install chdb)");
    }
    ok
}

/// `clickhouse/load.sh` with chDB standing in for clickhouse-client, then
/// every shipped query: `{name: rows}`.
fn load_and_query(files: &[std::path::PathBuf], db: &Path) -> BTreeMap<String, Vec<Value>> {
    let client = format!(
        "python3 {}",
        root().join("tests/clickhouse/chdb_client.py").display()
    );
    let out = Command::new("sh")
        .arg(root().join("clickhouse/load.sh"))
        .args(files)
        .env("CLICKHOUSE_CLIENT", &client)
        .env("ALF_CHDB_PATH", db)
        .output()
        .expect("run load.sh");
    assert!(
        out.status.success(),
        "load.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new("python3")
        .arg(root().join("tests/clickhouse/chdb_client.py"))
        .arg("--run-queries")
        .arg(root().join("clickhouse/queries"))
        .env("ALF_CHDB_PATH", db)
        .output()
        .expect("run the queries");
    assert!(
        out.status.success(),
        "a query failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("query results are JSON");
    v.as_object()
        .expect("an object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_array().expect("rows").clone()))
        .collect()
}

/// ClickHouse's `2020-12-24 09:58:33.000` as alf's `2020-12-24T09:58:33Z`.
fn rfc3339(v: &Value) -> Value {
    match v.as_str() {
        Some(s) => Value::String(format!(
            "{}Z",
            s.replacen(' ', "T", 1).trim_end_matches(".000")
        )),
        None => Value::Null,
    }
}

fn u(v: &Value) -> u64 {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("not a count: {v}"))
}

#[test]
fn shipped_queries_agree_with_triage() {
    if !have_chdb() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    // Both sides read error-log times at the incident's own zone.
    let tz = ["--error-tz", "+0900"];
    let mut exports = Vec::new();
    let mut all_files: Vec<&str> = Vec::new();
    let mut rows: Vec<Value> = Vec::new();
    for (host, files) in HOSTS {
        let mut args = vec!["export", "--host", host];
        args.extend(tz);
        args.extend(files.iter());
        let out = run_alf(&args, None);
        assert_eq!(out.code(), Some(0), "alf export: {}", out.stderr_text());
        for l in out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            rows.push(serde_json::from_slice(l).expect("a row is JSON"));
        }
        let path = dir.path().join(format!("{host}.ndjson"));
        std::fs::write(&path, &out.stdout).expect("write the export");
        exports.push(path);
        all_files.extend(files.iter());
    }
    let q = load_and_query(&exports, &dir.path().join("db"));
    let mut args = vec!["--bucket", "5m"];
    args.extend(tz);
    args.extend(all_files.iter());
    let (_, t) = triage(&args, None);

    for (name, r) in &q {
        assert!(!r.is_empty(), "query {name} returned nothing");
    }

    // Counts.
    let sum = |kind: &str| -> u64 {
        q["totals"]
            .iter()
            .filter(|r| r["kind"] == kind)
            .map(|r| u(&r["lines"]))
            .sum()
    };
    assert_eq!(sum("access"), summary(&t, "requests"));
    assert_eq!(sum("error"), summary(&t, "error_lines"));
    assert_eq!(rows.len() as u64, summary(&t, "parsed"));

    // Top clients: the same clients in the same order, with the same counts.
    let alf: Vec<Value> = t["top_clients"]
        .as_array()
        .expect("top_clients")
        .iter()
        .take(100)
        .map(|r| {
            serde_json::json!([
                r["client"],
                r["requests"],
                r["4xx"],
                r["5xx"],
                r["bytes"],
                r["first_seen"],
                r["last_seen"]
            ])
        })
        .collect();
    let sql: Vec<Value> = q["top_clients"]
        .iter()
        .map(|r| {
            serde_json::json!([
                r["client"],
                u(&r["requests"]),
                u(&r["4xx"]),
                u(&r["5xx"]),
                u(&r["bytes"]),
                rfc3339(&r["first_seen"]),
                rfc3339(&r["last_seen"])
            ])
        })
        .collect();
    assert!(alf.len() > 20, "enough clients to rank");
    assert_eq!(sql, alf, "top clients");

    // Per-line classes: every class's lines, as the timeline counts them;
    // the classes a line shows alone, as the class table counts them.
    let series = t["timeline"]["series"]
        .as_object()
        .expect("timeline series");
    let sql_classes: BTreeMap<String, &Value> = q["classes"]
        .iter()
        .map(|r| (r["class"].as_str().expect("class").to_string(), r))
        .collect();
    for (class, counts) in series {
        if class == "all" || class == "5xx" {
            continue;
        }
        let n: u64 = counts.as_array().expect("counts").iter().map(u).sum();
        let got = sql_classes.get(class).map_or(0, |r| u(&r["lines"]));
        assert_eq!(got, n, "lines of class {class}");
    }
    let mut checked = 0;
    for c in t["classes"].as_array().expect("classes") {
        let id = c["id"].as_str().expect("id");
        if !PER_LINE.contains(&id) {
            continue;
        }
        let r = sql_classes[id];
        assert_eq!(u(&r["lines"]), u(&c["count"]), "class {id}");
        for k in ["first_seen", "last_seen", "first_success"] {
            assert_eq!(rfc3339(&r[k]), c[k], "class {id}: {k}");
        }
        checked += 1;
    }
    assert!(checked >= 5, "per-line classes compared: {checked}");

    // Signatures.
    let alf: BTreeMap<String, u64> = t["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .map(|s| (s["id"].as_str().expect("id").to_string(), u(&s["count"])))
        .collect();
    let sql: BTreeMap<String, u64> = q["signatures"]
        .iter()
        .map(|s| {
            (
                s["signature"].as_str().expect("id").to_string(),
                u(&s["lines"]),
            )
        })
        .collect();
    assert_eq!(sql, alf, "signature counts");

    // Proxy targets.
    let keys = [
        "target",
        "requests",
        "tunnelled",
        "attempted",
        "refused",
        "bytes",
        "clients",
    ];
    let pick = |r: &Value| -> Vec<String> { keys.iter().map(|k| r[*k].to_string()).collect() };
    let alf: Vec<_> = t["proxy_targets"]
        .as_array()
        .expect("proxy_targets")
        .iter()
        .map(pick)
        .collect();
    let sql: Vec<_> = q["proxy_targets"].iter().map(pick).collect();
    assert_eq!(sql, alf, "proxy targets");

    // Offenders: each one's per-line classes, counted alike.
    for o in t["offenders"].as_array().expect("offenders") {
        let client = &o["client"];
        let r = q["top_offenders"]
            .iter()
            .find(|r| &r["client"] == client)
            .unwrap_or_else(|| panic!("offender {client} not among the SQL's"));
        let names = r["class_lines"][0].as_array().expect("names");
        let counts = r["class_lines"][1].as_array().expect("counts");
        let sql: BTreeMap<&str, u64> = names
            .iter()
            .zip(counts)
            .map(|(n, c)| (n.as_str().expect("class"), u(c)))
            .filter(|(n, _)| PER_LINE.contains(n))
            .collect();
        let alf: BTreeMap<&str, u64> = o["classes"]
            .as_object()
            .expect("classes")
            .iter()
            .map(|(n, c)| (n.as_str(), u(c)))
            .filter(|(n, _)| PER_LINE.contains(n))
            .collect();
        assert_eq!(sql, alf, "offender {client}");
    }

    // The 5-minute timeline, on the day web1 and web2 share (the timeline
    // holds at most 120 buckets): requests and 5xx per bucket.
    let mut args = vec![
        "--bucket",
        "5m",
        "--since",
        "2024-10-07",
        "--until",
        "2024-10-08",
    ];
    args.extend(tz);
    args.extend(all_files.iter());
    let (_, day) = triage(&args, None);
    let series = day["timeline"]["series"]
        .as_object()
        .expect("timeline series");
    let tl = &day["timeline"];
    assert_eq!(u(&tl["bucket_seconds"]), 300);
    let start = chrono_secs(tl["start"].as_str().expect("start"));
    let mut alf: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let all = series["all"].as_array().expect("all");
    for (i, n) in all.iter().enumerate() {
        let fives = u(&series["5xx"][i]);
        if u(n) > 0 || fives > 0 {
            alf.insert(bucket_text(start + 300 * i as i64), (u(n), fives));
        }
    }
    let sql: BTreeMap<String, (u64, u64)> = q["timeline_5m"]
        .iter()
        .filter(|r| {
            r["bucket"]
                .as_str()
                .is_some_and(|b| b.starts_with("2024-10-07"))
        })
        .filter(|r| u(&r["requests"]) > 0 || u(&r["5xx"]) > 0)
        .map(|r| {
            let b = r["bucket"].as_str().expect("bucket").to_string();
            (b, (u(&r["requests"]), u(&r["5xx"])))
        })
        .collect();
    assert!(alf.len() > 20, "enough buckets: {}", alf.len());
    assert_eq!(sql, alf, "requests and 5xx per 5 minutes");

    // Onset: a class's first bucket on any server is the bucket of its
    // first line.
    for c in t["classes"].as_array().expect("classes") {
        let id = c["id"].as_str().expect("id");
        if !PER_LINE.contains(&id) || id == "dummy" {
            continue;
        }
        let first = q["onset"]
            .iter()
            .filter(|r| r["class"] == id && u(&r["onset"]) == 1)
            .map(|r| r["bucket"].as_str().expect("bucket").to_string())
            .min()
            .unwrap_or_else(|| panic!("no onset for {id}"));
        let seen = chrono_secs(c["first_seen"].as_str().expect("first_seen"));
        assert_eq!(
            first,
            bucket_text(seen - seen.rem_euclid(300)),
            "onset of {id}"
        );
    }

    // The same network on many servers, from the rows themselves.
    let mut nets: BTreeMap<String, (BTreeSet<String>, u64)> = BTreeMap::new();
    for r in &rows {
        let classes = r["classes"].as_array().expect("classes");
        if classes.is_empty() || classes.iter().any(|c| c == "dummy") {
            continue;
        }
        let Some(net) = r["client_net"].as_str() else {
            continue;
        };
        let e = nets.entry(net.to_string()).or_default();
        e.0.insert(r["host"].as_str().expect("host").to_string());
        e.1 += 1;
    }
    let want: BTreeMap<String, (u64, u64)> = nets
        .into_iter()
        .filter(|(_, (h, _))| h.len() > 1)
        .map(|(n, (h, l))| (n, (h.len() as u64, l)))
        .collect();
    let got: BTreeMap<String, (u64, u64)> = q["networks_across_hosts"]
        .iter()
        .map(|r| {
            let n = r["client_net"].as_str().expect("net").to_string();
            (n, (u(&r["hosts"]), u(&r["lines"])))
        })
        .collect();
    assert!(!want.is_empty(), "a network seen on two servers");
    assert_eq!(got, want, "networks on more than one server");
}

/// Parquet loads as NDJSON does: every shipped query gives the same answer
/// over the Parquet export of the same logs, loaded by the same script.
#[cfg(feature = "parquet")]
#[test]
fn parquet_answers_as_ndjson() {
    if !have_chdb() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut answers = Vec::new();
    for (form, ext) in [("ndjson", "ndjson"), ("parquet", "parquet")] {
        let mut files = Vec::new();
        for (host, logs) in HOSTS {
            let path = dir.path().join(format!("{host}.{ext}"));
            let mut args = vec!["export", "-o", form, "--host", host, "--error-tz", "+0900"];
            args.push("--write");
            args.push(path.to_str().expect("path"));
            args.extend(logs.iter());
            let out = run_alf(&args, None);
            assert_eq!(out.code(), Some(0), "alf {args:?}: {}", out.stderr_text());
            files.push(path);
        }
        answers.push(load_and_query(&files, &dir.path().join(form)));
    }
    assert!(answers[0].values().all(|r| !r.is_empty()));
    for (name, rows) in &answers[0] {
        assert_eq!(
            &answers[1][name], rows,
            "query {name}: Parquet and NDJSON differ"
        );
    }
}

/// Seconds since the epoch of `YYYY-MM-DDTHH:MM:SSZ`.
fn chrono_secs(s: &str) -> i64 {
    let n = |a: usize, b: usize| -> i64 { s[a..b].parse().expect("digits") };
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    // Days from civil (Howard Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19)
}

/// ClickHouse's `YYYY-MM-DD HH:MM:SS` for seconds since the epoch.
fn bucket_text(secs: i64) -> String {
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{secs}"), "+%Y-%m-%d %H:%M:%S"])
        .output()
        .expect("date");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

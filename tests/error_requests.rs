//! The error log's requests (issue items 2, 3 and 7): probes only the error
//! log shows, failed passwords, rate limits; the same request in both logs
//! counted once and said to be "seen in both", whatever the reading path;
//! and every count of the class table explained by the offenders' rows.
//!
//! Real lines: the crowdsec CVE-2021-41773 error line and the fail2ban
//! fixtures under `testdata/error/edge-cases/` (their `# failJSON` comments
//! name the client fail2ban finds, an oracle written by others); hand-written
//! ones in `testdata/fixtures/errlog-probes-*.log` (see the README there).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

mod common;

use alf::classify::{error_request, Shape};
use alf::format::preset;
use alf::record::{Client, Record};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    common::root().join("testdata/fixtures").join(name)
}

fn fail2ban(name: &str) -> PathBuf {
    common::testdata(&format!("error/edge-cases/fail2ban-fixtures/{name}"))
}

/// The access log, the Apache and the nginx error log of the fixture.
fn probe_logs() -> [PathBuf; 3] {
    [
        fixture("errlog-probes-access.log"),
        fixture("errlog-probes-error.log"),
        fixture("errlog-probes-nginx.log"),
    ]
}

fn class_count(v: &Value, id: &str) -> u64 {
    v["classes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .map_or(0, |c| common::num(c, "count"))
}

fn classes_of(v: &Value, client: &str) -> Value {
    common::offender(v, client).map_or(Value::Null, |o| o["classes"].clone())
}

fn notes_of(v: &Value, client: &str) -> String {
    common::offender(v, client).map_or(String::new(), |o| o["notes"].to_string())
}

#[test]
fn probes_in_both_logs_count_once() {
    let (out, v) = common::triage(&probe_logs(), None);
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    // Access-log probes: 5. Error-log probes the access log does not hold:
    // the second AH10244 (no access line), `.git/config` 30 s after its
    // access line (past the 5 s window), the hostile path (192.0.2.66), the
    // `.htpasswd` denial, nginx's `.git/` and its `${jndi:` request line: 6.
    // The AH10244, AH00126, `.env` and wp-config lines pair with theirs.
    assert_eq!(class_count(&v, "exploit"), 11);
    assert_eq!(classes_of(&v, "198.51.100.7")["exploit"], 2);
    assert!(
        notes_of(&v, "198.51.100.7")
            .contains("error-log probes 2: 1 seen in both logs, 1 error log only"),
        "{}",
        notes_of(&v, "198.51.100.7")
    );
    assert_eq!(classes_of(&v, "203.0.113.50")["exploit"], 4);
    assert!(notes_of(&v, "203.0.113.50").contains("2 seen in both logs, 1 error log only"));
    assert_eq!(classes_of(&v, "203.0.113.51")["exploit"], 2);
    // The signatures count once too: one access-log `.env` probe, paired.
    let sig = |id: &str| {
        v["signatures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .map_or(0, |s| common::num(s, "count"))
    };
    assert_eq!(sig("env-file"), 1);
    assert_eq!(sig("cve-2021-42013"), 1);
    assert_eq!(sig("cve-2021-41773"), 3);
    // Twelve failed passwords, six of them also 401s in the access log: 12
    // candidates, not 18, which reach 11 within 5 minutes.
    assert_eq!(class_count(&v, "bruteforce"), 12);
    assert_eq!(classes_of(&v, "192.0.2.80")["bruteforce"], 12);
    let n = notes_of(&v, "192.0.2.80");
    assert!(n.contains("window 11/5m fired"), "{n}");
    assert!(
        n.contains("error-log failed passwords 12: 6 seen in both logs, 6 error log only"),
        "{n}"
    );
    // Rate limits: flood evidence for their client.
    assert_eq!(classes_of(&v, "203.0.113.53")["flood"], 3);
    assert!(notes_of(&v, "203.0.113.53").contains("rate-limited by nginx 3"));
}

#[test]
fn without_the_access_log_every_error_probe_counts() {
    let [_, apache, nginx] = probe_logs();
    let (_, v) = common::triage(&[apache, nginx], None);
    assert_eq!(class_count(&v, "exploit"), 10);
    assert!(notes_of(&v, "198.51.100.7").contains("error-log probes 2, error log only"));
    // Twelve failed passwords alone still reach the 5-minute window.
    assert_eq!(class_count(&v, "bruteforce"), 12);
}

#[test]
fn hostile_paths_name_no_other_client_and_forge_no_shape() {
    let (_, v) = common::triage(&probe_logs(), None);
    // The `[client ...]`, `, client: ` and `AH10244` in 192.0.2.66's path are
    // its own text: the hit is its, nobody else's.
    assert_eq!(classes_of(&v, "192.0.2.66")["exploit"], 1);
    for fake in ["198.51.100.99", "198.51.100.98"] {
        assert!(common::offender(&v, fake).is_none(), "{fake}");
        assert!(!v["error_clients"].to_string().contains(fake), "{fake}");
    }
    // CGI output under AH01215, a shape in the middle of a message, and
    // AH01071 (no path): no probe.
    for quiet in ["192.0.2.67", "192.0.2.68", "192.0.2.69"] {
        assert!(common::offender(&v, quiet).is_none(), "{quiet}");
    }
}

/// What may differ between two reads of the same inputs.
fn comparable(mut v: Value) -> Value {
    let o = v.as_object_mut().unwrap();
    o.remove("timing");
    o.remove("inputs");
    o.remove("summary");
    // Names the inputs, in the order given.
    o.remove("rules_command");
    v
}

#[test]
fn pairing_is_the_same_every_way() {
    let logs = probe_logs();
    let (_, want) = common::triage(&logs, None);
    let want = comparable(want);
    let access = std::fs::read(&logs[0]).unwrap();
    let s = |p: &Path| p.to_string_lossy().into_owned();
    // What it is, the arguments, standard input.
    type Way<'a> = (String, Vec<String>, Option<&'a [u8]>);
    let mut ways: Vec<Way> = Vec::new();
    for j in ["1", "2", "4"] {
        for chunk in ["1", "7", "64", "4096"] {
            let mut a = vec!["-j".into(), j.into(), "--chunk-size".into(), chunk.into()];
            a.extend(logs.iter().map(|p| s(p)));
            ways.push((format!("-j {j} --chunk-size {chunk}"), a, None));
        }
    }
    // Other orders, a stream, reading without a map.
    let rev: Vec<String> = logs.iter().rev().map(|p| s(p)).collect();
    ways.push(("reversed".into(), rev, None));
    ways.push((
        "access log on stdin".into(),
        vec!["-".into(), s(&logs[1]), s(&logs[2])],
        Some(&access),
    ));
    let mut never = vec!["--mmap".into(), "never".into()];
    never.extend(logs.iter().map(|p| s(p)));
    ways.push(("--mmap never".into(), never, None));
    for (what, args, stdin) in ways {
        let (out, got) = common::triage(&args, stdin);
        assert_eq!(out.code(), Some(0), "{what}: {}", out.stderr_text());
        common::assert_same(&want, &comparable(got), &what);
    }
}

#[test]
fn crowdsec_cve_2021_41773_error_line() {
    // One Apache 2.4 error line (AH00126) among two access lines: read as an
    // error log, the line alone parses, and shows the traversal.
    let f =
        common::testdata("error/edge-cases/crowdsec-hub-fixtures/apache-cve-2021-41773_error.log");
    let args: [&OsStr; 3] = ["--format".as_ref(), "apache_error".as_ref(), f.as_os_str()];
    let (_, v) = common::triage(&args, None);
    assert_eq!(common::summary(&v, "parsed"), 1);
    let o = common::offender(&v, "88.168.206.87").expect("the prober is an offender");
    assert_eq!(o["classes"]["exploit"], 1);
    let ids: Vec<&str> = v["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(ids.contains(&"cve-2021-41773"), "{ids:?}");
    assert!(ids.contains(&"lfi-probe"), "{ids:?}");
}

/// The record lines of a fail2ban fixture, each with the host its
/// `# failJSON` comment says fail2ban finds there (when it matches).
fn fail2ban_lines(path: &Path) -> Vec<(String, Option<String>)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    let mut host: Option<String> = None;
    for line in text.lines() {
        if let Some(json) = line.strip_prefix("# failJSON:") {
            let j: Value = serde_json::from_str(json.trim()).unwrap();
            host = (j["match"] == true)
                .then(|| j["host"].as_str().map(str::to_string))
                .flatten();
        } else if !line.is_empty() && !line.starts_with('#') {
            out.push((line.to_string(), host.take()));
        }
    }
    out
}

/// Every line fail2ban's jail bans for, read as `format`, names a request of
/// one of `shapes`, from the host fail2ban names.
fn fail2ban_agrees(name: &str, format: &str, shapes: &[Shape]) -> usize {
    let f = preset(format).unwrap();
    let mut checked = 0;
    for (line, host) in fail2ban_lines(&fail2ban(name)) {
        let Some(host) = host else { continue };
        let mut rec = Record::default();
        // journal-style prefixes (`host nginx[1]: `) are not error-log lines.
        if f.parse(line.as_bytes(), &mut rec).is_err() {
            continue;
        }
        let req = error_request(&rec, format == "nginx_error");
        assert!(
            req.shape.is_some_and(|s| shapes.contains(&s)),
            "{name}: no request of {shapes:?} in {line}: {req:?}"
        );
        let want: std::net::IpAddr = host.parse().unwrap();
        assert_eq!(rec.client, Client::Ip(want), "{name}: {line}");
        checked += 1;
    }
    checked
}

#[test]
fn fail2ban_noscript_and_botsearch_lines_name_their_requests() {
    use Shape::*;
    let scripts = [ScriptMissing, FileMissing, ScriptUnknown];
    assert_eq!(
        fail2ban_agrees("apache-noscript.log", "apache_error", &scripts),
        13
    );
    assert_eq!(
        fail2ban_agrees(
            "apache-botsearch.log",
            "apache_error",
            &[FileMissing, ScriptMissing]
        ),
        17
    );
    let n = fail2ban_agrees("nginx-botsearch.log", "nginx_error", &[NginxMissing]);
    assert_eq!(n, 4);
}

#[test]
fn fail2ban_nginx_botsearch_requests_are_searched() {
    // The request target, not the file: `/cgi-bin/php4` as the client sent it.
    let f = preset("nginx_error").unwrap();
    let line = fail2ban_lines(&fail2ban("nginx-botsearch.log"))
        .into_iter()
        .find(|(l, _)| l.starts_with("2015/01/21 10:56:10"))
        .unwrap()
        .0;
    let mut rec = Record::default();
    f.parse(line.as_bytes(), &mut rec).unwrap();
    let req = error_request(&rec, true);
    assert_eq!(req.uri, b"/cgi-bin/php4");
    assert_eq!(req.file, b"/var/www/site/cgi-bin/php4");
}

/// Per client, the lines of `path` that `awk_filter` selects, with the
/// client taken by `awk_client` (awk, as a reference independent of alf).
fn awk_per_client(path: &Path, awk_program: &str) -> Vec<(String, u64)> {
    let out = common::sh(
        r#"awk "$1" "$2" | sort | uniq -c"#,
        &[awk_program.as_ref(), path.as_os_str()],
    );
    let mut v: Vec<(String, u64)> = common::parse_uniq_c(&out)
        .into_iter()
        .map(|(k, n)| (String::from_utf8_lossy(&k).into_owned(), n))
        .collect();
    v.sort();
    v
}

/// Every offender row, internal ones (special ranges) included.
fn all_offenders(v: &Value) -> impl Iterator<Item = &Value> {
    ["offenders", "internal_offenders"]
        .into_iter()
        .flat_map(move |k| v[k].as_array().unwrap())
}

fn offender_class(v: &Value, class: &str) -> Vec<(String, u64)> {
    let mut got: Vec<(String, u64)> = all_offenders(v)
        .filter_map(|o| {
            Some((
                o["client"].as_str()?.to_string(),
                o["classes"][class].as_u64()?,
            ))
        })
        .collect();
    got.sort();
    got
}

#[test]
fn fail2ban_nginx_limit_req_lines_are_flood_evidence() {
    if !common::require_tools(&["awk", "sort", "uniq"]) {
        return;
    }
    let f = fail2ban("nginx-limit-req.log");
    let (_, v) = common::triage(&[f.as_path()], None);
    // Lines that start with a date (not journal copies) and say `limiting
    // requests`: the client is the field after `, client: `.
    let want = awk_per_client(
        &f,
        r#"/^[0-9][0-9][0-9][0-9]\// && / limiting requests, / { split($0, a, ", client: "); split(a[2], b, ","); print b[1] }"#,
    );
    assert_eq!(want.iter().map(|x| x.1).sum::<u64>(), 4);
    assert_eq!(offender_class(&v, "flood"), want);
    assert_eq!(class_count(&v, "flood"), 4);
}

#[test]
fn fail2ban_auth_failures_are_password_guessing_candidates() {
    if !common::require_tools(&["awk", "sort", "uniq"]) {
        return;
    }
    // With a window of one candidate, every client with a failed password
    // is a guesser: its bruteforce lines are its failures, counted by awk.
    let one: [&OsStr; 2] = ["--bruteforce".as_ref(), "1/1m".as_ref()];
    let f = fail2ban("nginx-http-auth.log");
    let (_, v) = common::triage(&[&one[..], &[f.as_os_str()]].concat(), None);
    let want = awk_per_client(
        &f,
        r#"/^[0-9][0-9][0-9][0-9]\// && (/\] [0-9#]+: \*[0-9]+ user "[^"]*": password mismatch, client: / || /\] [0-9#]+: \*[0-9]+ user "[^"]*" was not found in "/) { n = split($0, a, ", client: "); if (n == 2) { split(a[2], b, ","); print b[1] } }"#,
    );
    assert!(!want.is_empty());
    assert_eq!(offender_class(&v, "bruteforce"), want);
    let f = fail2ban("apache-auth.log");
    let (_, v) = common::triage(&[&one[..], &[f.as_os_str()]].concat(), None);
    // AH01617/AH01618 and their 2.2 wording, digest AH01790/AH01792 and its
    // 2.2 `Digest: ` wording; the client is the `[client ...]` group, and
    // loopback is the server's own traffic, never an offender.
    let want = awk_per_client(
        &f,
        r#"/\] (AH0161[78]: |AH0179[02]: |Digest: )?user [^:]*(: authentication failure for "| not found: |: password mismatch: |' not found: )/ && /\[client / { split($0, a, "\\[client "); split(a[2], b, "]"); c = b[1]; if (c ~ /^\[/) { sub(/^\[/, "", c); sub(/\]:[0-9]+$/, "", c) } else { sub(/:[0-9]+$/, "", c) } if (c !~ /^127\./) print c }"#,
    );
    assert!(!want.is_empty());
    assert_eq!(offender_class(&v, "bruteforce"), want);
}

/// The class table agrees with the offenders: for every class an offender
/// row counts (all but `dummy`), the offenders' lines add up to the class's,
/// less the lines of clients that are no address (which no offender row
/// holds). Password guessing and floods are decided per client, so there
/// they must agree exactly: no bruteforce line without a guesser.
fn assert_consistent(v: &Value, ctx: &str) {
    let no_address = common::summary(v, "non_ip_clients") + common::summary(v, "no_client");
    for c in v["classes"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        if id == "dummy" {
            continue;
        }
        let count = common::num(c, "count");
        let sum: u64 = all_offenders(v)
            .filter_map(|o| o["classes"][id].as_u64())
            .sum();
        if matches!(id, "bruteforce" | "flood") || no_address == 0 {
            assert_eq!(
                sum, count,
                "{ctx}: class {id}: offenders {sum}, table {count}"
            );
        } else {
            assert!(
                sum <= count,
                "{ctx}: class {id}: offenders {sum} > table {count}"
            );
        }
    }
}

#[test]
fn every_class_count_is_explained_by_the_offenders() {
    let mut logs = common::real_logs();
    logs.extend(common::fixtures());
    logs.push(common::testdata("incident/access_log"));
    logs.push(common::testdata("incident/error_log"));
    assert!(logs.len() > 50, "{} logs", logs.len());
    for log in &logs {
        for windows in [None, Some("1/1m")] {
            let mut args: Vec<std::ffi::OsString> = Vec::new();
            if let Some(w) = windows {
                args.extend(["--bruteforce".into(), w.into()]);
            }
            args.push(log.into());
            let (out, v) = common::triage(&args, None);
            if out.code() == Some(4) {
                continue; // no line parses (the fixtures of junk)
            }
            assert_consistent(&v, &format!("{} {windows:?}", log.display()));
        }
    }
    // And read together: the incident's two logs, the probe fixtures, and
    // every error log with every access log of one directory.
    let (_, v) = common::triage(
        &[
            common::testdata("incident/access_log"),
            common::testdata("incident/error_log"),
        ],
        None,
    );
    assert_consistent(&v, "incident");
    let (_, v) = common::triage(&probe_logs(), None);
    assert_consistent(&v, "probe fixtures");
    let mut all: Vec<std::ffi::OsString> = vec!["--bruteforce".into(), "2/1m".into()];
    all.extend(
        logs.iter()
            .filter(|p| {
                let s = p.to_string_lossy();
                !s.contains("csv2mysql") && !s.ends_with("empty.log")
            })
            .map(|p| p.into()),
    );
    let (_, v) = common::triage(&all, None);
    assert_consistent(&v, "every log together");
}

#[test]
fn bad_bruteforce_windows_are_usage_errors() {
    for bad in ["10", "0/5m", "10/30s", "10/5x", ""] {
        let out = common::run_alf(
            &["triage", "--bruteforce", bad, "testdata/fixtures/crlf.log"],
            None,
        );
        assert_eq!(out.code(), Some(2), "{bad}: {}", out.stderr_text());
        assert!(
            out.stderr_text().contains("--bruteforce"),
            "{}",
            out.stderr_text()
        );
    }
}

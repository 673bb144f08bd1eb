//! The incident the classes exist for (issue 3): an Apache server used as an open
//! proxy through CONNECT, its own dummy connections as noise, and the error log's
//! AH01075 timeouts naming the same clients. Built from the lines quoted there.

use serde_json::Value;

mod common;

/// `alf ARGS` on the incident's access and error logs, which must succeed.
fn triage(args: &[&str]) -> Value {
    let mut all: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
    all.push(common::testdata("incident/access_log").into());
    all.push(common::testdata("incident/error_log").into());
    common::alf_json(&all)
}

/// `alf triage -o json -n 0 ARGS LOG`, which must succeed.
fn json_of(args: &[&str], log: impl AsRef<std::ffi::OsStr>) -> Value {
    let mut all: Vec<std::ffi::OsString> = ["triage", "-o", "json", "-n", "0"]
        .iter()
        .chain(args)
        .map(Into::into)
        .collect();
    all.push(log.as_ref().into());
    common::alf_json(&all)
}

#[test]
fn connect_clients_are_offenders_dummy_is_noise_timeouts_join() {
    let v = triage(&["--classify", "--output", "json", "-n", "0"]);
    let o = common::offender(&v, "136.175.9.209").expect("136.175.9.209 is an offender");
    assert_eq!(o["classes"]["proxy"], 2);
    // Its two access-log lines; its error-log line is not a request.
    assert_eq!(o["requests"], 2);
    let notes: Vec<&str> = o["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(notes.iter().any(|n| n.contains("tunnelled 1")), "{notes:?}");
    assert!(notes.iter().any(|n| n.contains("attempted 1")), "{notes:?}");
    // The error log's AH01075 timeouts join the access-log offender.
    assert_eq!(o["classes"]["upstream-timeout"], 1);
    let o = common::offender(&v, "136.175.9.211").expect("136.175.9.211 is an offender");
    assert_eq!(o["classes"]["upstream-timeout"], 2);
    assert_eq!(o["classes"]["proxy"], 1);
    assert!(common::offender(&v, "216.144.247.78").is_some());
    // Apache's own dummy connections are counted, never offenders.
    assert!(common::offender(&v, "::1").is_none());
    assert!(
        common::offender(&v, "203.0.113.50").is_none(),
        "an ordinary client is no offender"
    );
    let classes = v["classes"].as_array().unwrap();
    let count = |id: &str| {
        classes
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["count"].as_u64().unwrap())
    };
    assert_eq!(count("dummy"), Some(2));
    assert_eq!(count("proxy"), Some(4));
    assert_eq!(count("upstream-timeout"), Some(3));
    let proxy = classes.iter().find(|c| c["id"] == "proxy").unwrap();
    assert_eq!(proxy["first_seen"], "2020-12-24T09:58:33Z");
    assert_eq!(proxy["first_success"], "2020-12-24T09:58:34Z");
    // Clients in both logs, with their access classes and error events.
    let corr = v["correlation"].as_array().unwrap();
    assert_eq!(corr.len(), 2, "{corr:?}");
    let c = corr
        .iter()
        .find(|c| c["client"] == "136.175.9.211")
        .unwrap();
    assert_eq!(
        (c["access_requests"].as_u64(), c["error_lines"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(c["upstream_timeouts"], 2);
    assert_eq!(c["peak_failures_per_minute"], 2);
    assert_eq!(c["access_classes"]["proxy"], 1);
    let targets = v["proxy_targets"].as_array().unwrap();
    let t = targets
        .iter()
        .find(|t| t["target"] == "www.example.com:443")
        .expect("target");
    assert_eq!(
        (
            t["tunnelled"].as_u64(),
            t["attempted"].as_u64(),
            t["clients"].as_u64()
        ),
        (Some(1), Some(1), Some(2))
    );
}

/// With both logs, requests are the access log's lines: what `awk` counts
/// there. The error log adds lines, clients and times, never requests.
#[test]
fn error_log_lines_are_not_requests() {
    let access = common::testdata("incident/access_log");
    let awk = common::parse_uniq_c(&common::sh(
        "awk '{print $1}' \"$1\" | sort | uniq -c",
        &[&access],
    ));
    let want = common::rank(
        awk.into_iter()
            .map(|(k, n)| (String::from_utf8_lossy(&k).into_owned(), n))
            .collect(),
    );
    let lines = common::sh_count("wc -l < \"$1\"", &[&access]);
    for extra in [&[][..], &["--no-classify"][..]] {
        let v = triage(&[&["--output", "json", "-n", "0"][..], extra].concat());
        let top = common::client_rows(&v);
        assert_eq!(top, want, "{extra:?}");
        let s = &v["summary"];
        assert_eq!(s["requests"], lines);
        assert_eq!(s["error_lines"], 3);
        assert_eq!(s["parsed"], lines + 3);
        // Shares are of requests: they add up to 100 %.
        let share: f64 = v["top_clients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["share"].as_f64().unwrap())
            .sum();
        assert!((share - 100.0).abs() < 0.05, "{share}");
        // The error log's clients, by line.
        let errors: Vec<(&str, u64)> = v["error_clients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["client"].as_str().unwrap(), c["lines"].as_u64().unwrap()))
            .collect();
        assert_eq!(errors, [("136.175.9.211", 2), ("136.175.9.209", 1)]);
    }
    // `alf top --by ip` counts lines of both logs, by client.
    let v = triage(&["top", "--by", "ip", "-o", "json", "-n", "0"]);
    let rows = common::top_rows(&v);
    assert!(rows.contains(&("136.175.9.211".to_string(), 3)), "{rows:?}");
}

#[test]
fn classes_are_on_by_default_and_off_on_request() {
    let v = triage(&["--output", "json"]);
    assert!(!v["classes"].as_array().unwrap().is_empty());
    assert!(common::offender(&v, "136.175.9.209").is_some());
    let v = triage(&["--output", "json", "--no-classify"]);
    assert!(v["classes"].as_array().unwrap().is_empty());
    assert!(v["offenders"].as_array().unwrap().is_empty());
    assert_eq!(
        v["summary"]["lines"],
        triage(&["--output", "json"])["summary"]["lines"]
    );
}

#[test]
fn class_filter_keeps_the_lines_of_a_class() {
    let root = env!("CARGO_MANIFEST_DIR");
    let log = format!("{root}/testdata/incident/access_log");
    let all = json_of(&[], &log);
    let proxy_lines = all["classes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "proxy")
        .unwrap()["count"]
        .as_u64()
        .unwrap();
    let v = json_of(&["--class", "proxy"], &log);
    let s = &v["summary"];
    assert_eq!(s["parsed"].as_u64().unwrap(), proxy_lines);
    assert!(s["filtered"].as_u64().unwrap() > 0);
    // Every line counted is a proxy line, and the identity still holds.
    let counted: u64 = v["status"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, proxy_lines);
    let lines = s["lines"].as_u64().unwrap();
    let parts: u64 = [
        "parsed",
        "malformed",
        "overlong",
        "empty",
        "ambiguous",
        "filtered",
    ]
    .iter()
    .map(|k| s[*k].as_u64().unwrap())
    .sum();
    assert_eq!(lines, parts);
    // `top` takes it too: the paths of the dummy lines are `*`.
    let out = assert_cmd::Command::cargo_bin("alf")
        .unwrap()
        .args(["top", "--by", "path", "--class", "dummy", "-o", "plain"])
        .arg(&log)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().all(|l| l.ends_with('*')), "{text}");
    // A class with no per-line mark, and an unknown one, are usage errors.
    for bad in ["flood", "nosuch"] {
        let out = assert_cmd::Command::cargo_bin("alf")
            .unwrap()
            .args(["triage", "--class", bad])
            .arg(&log)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
}

/// The first error of 136.175.9.209 (written 18:58:42 local time, where the
/// access log says local is +0900), and the warnings, for `alf triage ARGS`.
fn first_error(args: &[std::ffi::OsString]) -> (String, Vec<String>) {
    let mut all: Vec<std::ffi::OsString> = ["triage", "-o", "json", "-n", "0"]
        .iter()
        .map(Into::into)
        .collect();
    all.extend_from_slice(args);
    let v = common::alf_json(&all);
    let first = v["correlation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client"] == "136.175.9.209")
        .expect("joined")["first_error"]
        .as_str()
        .unwrap()
        .to_string();
    let warnings = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect();
    (first, warnings)
}

#[test]
fn error_log_times_take_the_zone_given() {
    let access = common::testdata("incident/access_log").into_os_string();
    let error = common::testdata("incident/error_log").into_os_string();
    let opt = |o: &str, v: &str| vec![o.into(), v.into(), access.clone(), error.clone()];
    assert_eq!(
        first_error(&opt("--error-tz", "UTC")).0,
        "2020-12-24T18:58:42Z"
    );
    assert_eq!(
        first_error(&opt("--error-tz", "+09:00")).0,
        "2020-12-24T09:58:42Z"
    );
    assert_eq!(
        first_error(&opt("--error-tz", "-0130")).0,
        "2020-12-24T20:28:42Z"
    );
}

#[test]
fn error_log_times_take_the_access_logs_zone_by_default() {
    let access = common::testdata("incident/access_log").into_os_string();
    let error = common::testdata("incident/error_log").into_os_string();
    let dir = tempfile::tempdir().unwrap();
    // The same access log compressed: read as a stream, not a map.
    let gz = dir.path().join("access_log.gz");
    common::sh(
        "gzip -c \"$1\" > \"$2\"",
        &[access.as_os_str(), gz.as_os_str()],
    );
    let learnt = |w: &[String]| w.iter().any(|w| w.contains("read at +09:00"));
    for inputs in [
        vec![access.clone(), error.clone()],
        vec![error.clone(), access.clone()],
        vec![error.clone(), gz.clone().into_os_string()],
    ] {
        let (first, warnings) = first_error(&inputs);
        assert_eq!(first, "2020-12-24T09:58:42Z", "{inputs:?}");
        assert!(learnt(&warnings), "{warnings:?}");
    }
    // A pipe is not sampled, which would lose lines: every line is read.
    let fifo = dir.path().join("fifo");
    let bin = assert_cmd::cargo::cargo_bin!("alf");
    let out = common::sh(
        "mkfifo \"$3\" && { cat \"$1\" > \"$3\" & } && \"$4\" triage -o json -n 0 \"$2\" \"$3\"",
        &[
            access.as_os_str(),
            error.as_os_str(),
            fifo.as_os_str(),
            bin.as_os_str(),
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["summary"]["lines"], 10);
    // Without an error log nothing is learnt, and nothing said.
    let v = json_of(&[], &access);
    assert!(!v["warnings"].to_string().contains("error-log times"));

    // Access logs at UTC: nothing shifts, and nothing is said.
    let utc = dir.path().join("utc_log");
    std::fs::write(
        &utc,
        "136.175.9.209 - - [24/Dec/2020:09:58:40 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"-\"\n",
    )
    .unwrap();
    let (first, warnings) = first_error(&[utc.clone().into_os_string(), error.clone()]);
    assert_eq!(first, "2020-12-24T18:58:42Z");
    assert!(!warnings.iter().any(|w| w.contains("error-log times")));
    // Access logs that disagree (here, two servers): UTC, and a warning.
    let other = dir.path().join("other_log");
    std::fs::write(
        &other,
        "136.175.9.209 - - [24/Dec/2020:10:58:40 +0100] \"GET / HTTP/1.1\" 200 5 \"-\" \"-\"\n",
    )
    .unwrap();
    let (first, warnings) = first_error(&[access.clone(), other.into_os_string(), error.clone()]);
    assert_eq!(first, "2020-12-24T18:58:42Z");
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("several UTC offsets (+01:00, +09:00)")),
        "{warnings:?}"
    );
}

/// Hardening case 14: the server's own address is never an offender; its
/// lines are counted as self traffic.
#[test]
fn self_traffic_is_never_an_offender() {
    let v = triage(&["--output", "json", "-n", "0", "--self", "136.175.9.209"]);
    assert!(common::offender(&v, "136.175.9.209").is_none());
    assert!(common::offender(&v, "136.175.9.211").is_some());
    // Two access-log lines and one error-log line.
    assert_eq!(v["summary"]["self_traffic"], 3);
    assert_eq!(triage(&["--output", "json"])["summary"]["self_traffic"], 0);
}

#[test]
fn explain_names_classes_and_signatures() {
    let mut cmd = assert_cmd::Command::cargo_bin("alf").unwrap();
    let out = cmd.args(["explain", "cve-2020-5902"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("CVE-2020-5902"));
    let out = assert_cmd::Command::cargo_bin("alf")
        .unwrap()
        .args(["explain", "proxy"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("tunnelled"));
    let out = assert_cmd::Command::cargo_bin("alf")
        .unwrap()
        .args(["explain", "nonsense"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Hardening cases 10, 11 and 12 end to end: X-Forwarded-For attributes only
/// through `--trusted-proxy`, from the right, and garbage falls back, flagged.
#[test]
fn x_forwarded_for_only_through_trusted_proxies() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("xff.log");
    std::fs::write(
        &log,
        concat!(
            "10.0.0.5 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\" \"198.51.100.9, 203.0.113.7\"\n",
            "10.0.0.5 - - [10/Oct/2000:13:55:37 -0700] \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\" \"198.51.100.9, 203.0.113.7, 10.0.0.6\"\n",
            "10.0.0.5 - - [10/Oct/2000:13:55:38 -0700] \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\" \"1.1.1.1, unknown\"\n",
            "192.0.2.44 - - [10/Oct/2000:13:55:39 -0700] \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\" \"198.51.100.9\"\n",
        ),
    )
    .unwrap();
    let run = |extra: &[&str]| json_of(&[&["--classify"], extra].concat(), &log);
    let clients = common::client_rows;
    // Without trusted proxies the header is never used.
    let v = run(&[]);
    assert_eq!(
        clients(&v),
        vec![("10.0.0.5".into(), 3), ("192.0.2.44".into(), 1)]
    );
    // With them: the rightmost untrusted address, never the leftmost; garbage
    // falls back to the proxy and is counted.
    let v = run(&["--trusted-proxy", "10.0.0.0/8"]);
    assert_eq!(
        clients(&v),
        vec![
            ("203.0.113.7".into(), 2),
            ("10.0.0.5".into(), 1),
            ("192.0.2.44".into(), 1)
        ]
    );
    assert_eq!(v["summary"]["xff_fallbacks"], 1);
    assert!(!clients(&v)
        .iter()
        .any(|(c, _)| c == "198.51.100.9" || c == "1.1.1.1"));
    // The one request that bypassed the proxy is direct-origin.
    let o = common::offender(&v, "192.0.2.44").expect("direct-origin offender");
    assert_eq!(o["classes"]["direct-origin"], 1);
    assert!(common::offender(&v, "203.0.113.7").is_none());
}

/// The onset is the first bucket above the baseline, traced to its class and network.
#[test]
fn onset_names_the_time_class_and_network() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("burst.log");
    let mut text = String::new();
    for minute in 0..60 {
        for s in 0..20 {
            text.push_str(&format!(
                "198.51.100.{} - - [24/Dec/2020:16:{minute:02}:{s:02} +0000] \"GET /p{s} HTTP/1.1\" 200 10 \"-\" \"Mozilla/5.0\"\n",
                s + 1
            ));
        }
        if minute >= 45 {
            for s in 0..150 {
                text.push_str(&format!(
                    "136.175.9.{} - - [24/Dec/2020:16:{minute:02}:{:02} +0000] \"CONNECT www.example.com:443 HTTP/1.1\" 504 247 \"-\" \"-\"\n",
                    200 + s % 12,
                    s % 60
                ));
            }
        }
    }
    std::fs::write(&log, text).unwrap();
    let out = assert_cmd::Command::cargo_bin("alf")
        .unwrap()
        .args(["triage", "--classify", "--bucket", "1m", "-o", "json"])
        .arg(&log)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["timeline"]["bucket_seconds"], 60);
    assert_eq!(v["timeline"]["series"]["all"].as_array().unwrap().len(), 60);
    let onset = &v["onset"];
    assert_eq!(onset["at"], "2020-12-24T16:45:00Z", "{onset}");
    assert_eq!(onset["class"], "proxy");
    assert_eq!(onset["networks"][0]["network"], "136.175.9.0/24");
    assert_eq!(
        onset["summary"],
        "from 2020-12-24T16:45:00Z proxy from 136.175.9.0/24"
    );
}

/// `--since`, `--until`, `--client`, `--vhost`: left-out records are counted
/// as filtered, and the identity holds.
#[test]
fn filters_keep_the_identity() {
    let root = env!("CARGO_MANIFEST_DIR");
    let log = format!("{root}/testdata/incident/access_log");
    let run = |extra: &[&str]| json_of(extra, &log);
    let v = run(&["--client", "136.175.9.0/24"]);
    assert_eq!(
        (
            v["summary"]["parsed"].as_u64(),
            v["summary"]["filtered"].as_u64()
        ),
        (Some(3), Some(4))
    );
    let v = run(&[
        "--since",
        "2020-12-24T09:58:35Z",
        "--until",
        "2020-12-24 09:58:37",
    ]);
    assert_eq!(v["summary"]["parsed"], 2, "{}", v["summary"]);
    assert_eq!(v["summary"]["filtered"], 5);
    let out = assert_cmd::Command::cargo_bin("alf")
        .unwrap()
        .args(["--since", "yesterday", &log])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_clean_log_says_no_class_was_found() {
    let log = common::testdata("access/apache-combined/elastic-examples_apache_logs_2015.log");
    let table = |extra: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("alf")
            .unwrap()
            .arg("triage")
            .args(extra)
            .arg(&log)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(table(&[]).contains("anomaly classes: none found"));
    assert!(!table(&["--no-classify"]).contains("anomaly classes"));
}

/// Hardening case 15 for error logs: a documentation-range client of an
/// error log is flagged too, and one in both logs is counted once.
#[test]
fn documentation_range_clients_of_error_logs_are_flagged_once() {
    let dir = tempfile::tempdir().unwrap();
    let error = dir.path().join("error_log");
    std::fs::write(
        &error,
        "[Thu Dec 24 18:58:40.123456 2020] [proxy_fcgi:error] [pid 1:tid 2] (70007)The timeout \
         specified has expired: [client 192.0.2.7:41736] AH01075: Error dispatching request to : \
         (polling)\n",
    )
    .unwrap();
    let access = dir.path().join("access_log");
    std::fs::write(
        &access,
        "192.0.2.7 - - [24/Dec/2020:18:58:33 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"-\"\n",
    )
    .unwrap();
    let doc = |v: &Value| {
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|w| w.as_str())
            .find(|w| w.contains("documentation ranges"))
            .map(|w| w.split(' ').next().unwrap().to_string())
    };
    assert_eq!(doc(&json_of(&[], &error)).as_deref(), Some("1"));
    let both = common::alf_json(&[
        "triage".as_ref(),
        "-o".as_ref(),
        "json".as_ref(),
        access.as_os_str(),
        error.as_os_str(),
    ]);
    assert_eq!(doc(&both).as_deref(), Some("1"));
}

/// Offenders tied on score and requests (a botnet, one probe each) are
/// ranked by address text, whether all are shown or a few.
#[test]
fn tied_offenders_rank_by_address_text() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("bots.log");
    let lines: String = (0..60u32)
        .map(|i| {
            format!(
                "45.0.{}.{} - - [24/Dec/2020:18:58:33 +0000] \"GET /.env HTTP/1.1\" 404 5 \"-\" \"x\"\n",
                i % 3,
                i * 7 % 256
            )
        })
        .collect();
    std::fs::write(&log, lines).unwrap();
    let clients = |n: &str| -> Vec<String> {
        let v = common::alf_json(&[
            "triage".as_ref(),
            "-o".as_ref(),
            "json".as_ref(),
            "-n".as_ref(),
            n.as_ref(),
            log.as_os_str(),
        ]);
        v["offenders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["client"].as_str().unwrap().to_string())
            .collect()
    };
    let all = clients("0");
    assert_eq!(all.len(), 60);
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "ties in address text order");
    // JSON lists every offender: -n cuts the table only.
    assert_eq!(clients("4"), all);
}

/// An access log that changes to winter time (03:00 +0200 becomes 02:00
/// +0100 at 01:00 UTC on 26 Oct 2025): the error log's times are read at
/// the offset in force, the change found to the line.
#[test]
fn error_log_times_follow_a_change_to_winter_time() {
    let dir = tempfile::tempdir().unwrap();
    let access = dir.path().join("access_log");
    let mut lines = String::new();
    // Every 2 s from 25 Oct 22:00Z to 26 Oct 04:00Z: 1 MB, several windows.
    for i in 0..10_800i64 {
        let utc = i * 2; // seconds after 22:00Z
        let (zone, local) = if utc < 3 * 3600 {
            ("+0200", utc)
        } else {
            ("+0100", utc - 3600)
        };
        let (h, m, s) = (local / 3600, local / 60 % 60, local % 60);
        lines += &format!(
            "10.0.0.1 - - [26/Oct/2025:{h:02}:{m:02}:{s:02} {zone}] \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\"\n"
        );
    }
    std::fs::write(&access, lines).unwrap();
    let error = dir.path().join("error_log");
    let event = |local: &str, client: &str| {
        format!(
            "[Sun Oct 26 {local}.000000 2025] [proxy_fcgi:error] [pid 1:tid 2] (70007)The timeout \
             specified has expired: [client {client}:4000] AH01075: Error dispatching request to : \
             (polling)\n"
        )
    };
    std::fs::write(
        &error,
        [
            event("01:30:00", "10.0.0.11"),
            event("04:00:00", "10.0.0.12"),
        ]
        .concat(),
    )
    .unwrap();
    let v = common::alf_json(&[
        "triage".as_ref(),
        "-o".as_ref(),
        "json".as_ref(),
        access.as_os_str(),
        error.as_os_str(),
    ]);
    let first = |ip: &str| {
        v["error_clients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["client"] == ip)
            .unwrap()["first_seen"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(first("10.0.0.11"), "2025-10-25T23:30:00Z");
    assert_eq!(first("10.0.0.12"), "2025-10-26T03:00:00Z");
    let warnings = v["warnings"].to_string();
    assert!(
        warnings.contains("read at +02:00 before 2025-10-26T01:00:00Z and at +01:00 from then"),
        "{warnings}"
    );
}

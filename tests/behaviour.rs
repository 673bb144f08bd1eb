//! The behavioural classes (issue 3): password guessing confirmed by its
//! windows (a burst, an hour's paced guessing), 404 sweeps, floods and gateway-error bursts, each on a
//! generated log whose planted sources are known, and whose counts are checked
//! against awk on the same file.

use std::ffi::OsStr;
use std::fmt::Write as _;

mod common;

use serde_json::Value;

/// Two hours of quiet traffic with planted behaviours, written once.
fn log() -> &'static std::path::Path {
    static LOG: std::sync::OnceLock<tempfile::TempPath> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let mut s = String::new();
        let base = 1_608_768_000; // 2020-12-24T00:00:00Z
        let mut line = |t: i64, ip: &str, req: &str, status: u16| {
            let dt = chrono::DateTime::from_timestamp(t, 0).unwrap();
            writeln!(
                s,
                "{ip} - - [{}] \"{req}\" {status} 100 \"-\" \"Mozilla/5.0\"",
                dt.format("%d/%b/%Y:%H:%M:%S +0000")
            )
            .unwrap();
        };
        for minute in 0..120 {
            let t = base + minute * 60;
            // Quiet traffic: 30 clients, one request each a minute.
            for c in 0..30 {
                line(
                    t + c,
                    &format!("198.51.100.{c}"),
                    "GET /index.html HTTP/1.1",
                    200,
                );
            }
            // A guesser spreading 11 login POSTs over two hours: never 10 in 5 minutes.
            if minute % 11 == 0 {
                line(t + 40, "192.0.2.20", "POST /wp-login.php HTTP/1.1", 200);
            }
        }
        // A paced guesser: two POSTs a minute for an hour, 10 in any 5
        // minutes (under the burst window's 11), 120 in the hour.
        for minute in 0..60 {
            for s in [5, 35] {
                line(
                    base + 3 * 3600 + minute * 60 + s,
                    "192.0.2.40",
                    "POST /login HTTP/1.1",
                    200,
                );
            }
        }
        // A guesser: 12 POSTs in 3 minutes.
        for i in 0..12 {
            line(
                base + 600 + i * 15,
                "192.0.2.10",
                "POST /wp-login.php HTTP/1.1",
                200,
            );
        }
        // A sweep: 25 distinct paths answered 404.
        for i in 0..25 {
            line(
                base + 1200 + i,
                "192.0.2.30",
                &format!("GET /old/{i}.php HTTP/1.1"),
                404,
            );
        }
        // Not a sweep: one missing path, 25 times.
        for i in 0..25 {
            line(
                base + 1300 + i,
                "192.0.2.31",
                "GET /missing.png HTTP/1.1",
                404,
            );
        }
        // A flood: 600 requests in 2 minutes, answered 503 in a burst.
        for i in 0..600 {
            line(base + 3600 + i / 5, "203.0.113.7", "GET / HTTP/1.1", 503);
        }
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, s.as_bytes()).unwrap();
        f.into_temp_path()
    })
}

fn triage() -> Value {
    let log = log().as_os_str();
    let args: [&OsStr; 6] = [
        "triage".as_ref(),
        "-o".as_ref(),
        "json".as_ref(),
        "-n".as_ref(),
        "0".as_ref(),
        log,
    ];
    common::alf_json(&args)
}

/// `awk PROGRAM LOG`, as a number.
fn awk(program: &str) -> u64 {
    common::sh_count(r#"awk "$1" "$2""#, &[program.as_ref(), log().as_os_str()])
}

#[test]
fn a_login_burst_is_bruteforce_a_slow_trickle_is_not() {
    let v = triage();
    let o = common::offender(&v, "192.0.2.10").expect("the burst is an offender");
    assert_eq!(o["classes"]["bruteforce"], 12);
    assert_eq!(
        awk(r#"$1=="192.0.2.10" && $6=="\"POST" && $7=="/wp-login.php" {n++} END {print n}"#),
        12
    );
    let slow = common::offender(&v, "192.0.2.20");
    assert!(
        slow.is_none_or(|o| o["classes"].get("bruteforce").is_none()),
        "{slow:?}"
    );
}

#[test]
fn a_paced_guesser_fires_the_hour_window_not_the_burst_one() {
    let v = triage();
    let o = common::offender(&v, "192.0.2.40").expect("the paced guesser is an offender");
    assert_eq!(o["classes"]["bruteforce"], 120);
    let notes = o["notes"].to_string();
    assert!(
        notes.contains("login attempts 120, 120 within 1h (window 20/1h fired)"),
        "{notes}"
    );
    assert_eq!(
        awk(r#"$1=="192.0.2.40" && $6=="\"POST" && $7=="/login" {n++} END {print n}"#),
        120
    );
    // With the burst window alone, it is no guesser: its candidates are no
    // line of the class, in the offenders or the class table.
    let log = log().as_os_str();
    let args: [&OsStr; 8] = [
        "triage".as_ref(),
        "-o".as_ref(),
        "json".as_ref(),
        "-n".as_ref(),
        "0".as_ref(),
        "--bruteforce".as_ref(),
        "11/5m".as_ref(),
        log,
    ];
    let v = common::alf_json(&args);
    assert!(common::offender(&v, "192.0.2.40").is_none());
    let brute: u64 = v["classes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "bruteforce")
        .map_or(0, |c| c["count"].as_u64().unwrap());
    // Only the burst's 12 remain.
    assert_eq!(brute, 12);
}

#[test]
fn many_distinct_404s_are_a_sweep_one_path_repeated_is_not() {
    let v = triage();
    let o = common::offender(&v, "192.0.2.30").expect("the sweep is an offender");
    assert_eq!(o["classes"]["scanner"], 25);
    let notes = o["notes"].to_string();
    assert!(notes.contains("404 sweep 25 distinct paths"), "{notes}");
    assert_eq!(
        awk(r#"$1=="192.0.2.30" && $9==404 {p[$7]} END {print length(p)}"#),
        25
    );
    assert!(common::offender(&v, "192.0.2.31").is_none());
}

#[test]
fn a_flood_and_its_gateway_burst_are_found() {
    let v = triage();
    let floods = v["floods"].as_array().unwrap();
    assert_eq!(floods.len(), 1, "{floods:?}");
    assert_eq!(floods[0]["source"], "203.0.113.7");
    assert_eq!(
        floods[0]["requests"],
        awk(r#"$1=="203.0.113.7" {n++} END {print n}"#)
    );
    // 600 requests from the first to the last second of 119: 302.5 a minute.
    assert_eq!(floods[0]["per_minute"], 302.5);
    let o = common::offender(&v, "203.0.113.7").unwrap();
    assert_eq!(o["classes"]["flood"], 600);

    let bursts: Vec<&Value> = v["bursts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["class"] == "gateway-errors")
        .collect();
    let minutes: Vec<&str> = bursts
        .iter()
        .map(|b| b["minute"].as_str().unwrap())
        .collect();
    assert_eq!(minutes, ["2020-12-24T01:00:00Z", "2020-12-24T01:01:00Z"]);
    assert_eq!(
        bursts[0]["count"],
        awk(r#"$9==503 && $4 ~ /01:00:/ {n++} END {print n}"#)
    );
    assert_eq!(bursts[0]["clients"][0]["client"], "203.0.113.7");
    // The quiet clients flood nothing.
    assert!(v["classes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == "flood" && c["count"] == 600));

    // Plain counts decide no classes: no flood, no burst.
    let log = log().as_os_str();
    let plain = common::alf_json(&[
        "triage".as_ref(),
        "--no-classify".as_ref(),
        "-o".as_ref(),
        "json".as_ref(),
        log,
    ]);
    assert_eq!(plain["floods"].as_array().unwrap().len(), 0);
    assert_eq!(plain["bursts"].as_array().unwrap().len(), 0);
}

/// Years 1 and 9999 in one log (both parse): the per-minute work must not
/// list the minutes between them.
#[test]
fn a_log_spanning_millennia_is_cheap() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(
        &mut f,
        b"1.2.3.4 - - [01/Jan/0001:00:00:00 +0000] \"GET / HTTP/1.1\" 503 1 \"-\" \"x\"\n\
          1.2.3.4 - - [31/Dec/9999:23:59:59 +0000] \"GET / HTTP/1.1\" 503 1 \"-\" \"x\"\n",
    )
    .unwrap();
    let v = common::alf_json(&[
        "triage".as_ref(),
        "--bucket".as_ref(),
        "1m".as_ref(),
        "-o".as_ref(),
        "json".as_ref(),
        f.path().as_os_str(),
    ]);
    let all = v["timeline"]["series"]["all"].as_array().unwrap();
    assert!(all.len() <= 10_001, "{}", all.len());
    assert_eq!(all.iter().map(|x| x.as_u64().unwrap()).sum::<u64>(), 2);
}

/// Hardening case 15: clients from the documentation ranges (all of this
/// file's) are counted, with a warning that the log looks synthetic; a real
/// log gets no such warning.
#[test]
fn documentation_range_clients_are_flagged() {
    let v = triage();
    let warned = |v: &Value| {
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("documentation ranges"))
    };
    assert!(warned(&v), "{}", v["warnings"]);
    assert!(v["summary"]["distinct_clients"].as_u64().unwrap() > 30);
    let real = common::testdata("access/apache-combined/elastic-examples_apache_logs_2015.log");
    let args: [&OsStr; 4] = [
        "triage".as_ref(),
        "-o".as_ref(),
        "json".as_ref(),
        real.as_os_str(),
    ];
    assert!(!warned(&common::alf_json(&args)));
}

/// A client with one of this machine's own (non-loopback) addresses is self
/// traffic, never an offender, and alf says so, naming the address; with
/// `--no-local-self` (a log copied from another machine) it is a client like
/// any other.
#[test]
fn an_address_of_this_machine_is_self_traffic_and_said_to_be() {
    let Some(own) = alf::net::local_addresses()
        .into_iter()
        .find(|ip| !ip.is_loopback() && ip.is_ipv4())
    else {
        common::skip("this machine has no IPv4 address besides loopback");
        return;
    };
    let mut s = String::new();
    for i in 0..5 {
        writeln!(
            s,
            "{own} - - [24/Dec/2020:10:00:0{i} +0000] \"GET /.env HTTP/1.1\" 404 10 \"-\" \"zgrab/0.x\""
        )
        .unwrap();
    }
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), &s).unwrap();
    let path = f.path().to_str().unwrap();
    let client = own.to_string();
    let warns = |v: &Value| {
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w.as_str().unwrap().contains(&client))
            .count()
    };

    let v = common::alf_json(&["triage", "-o", "json", path]);
    assert!(common::offender(&v, &client).is_none(), "{v}");
    assert_eq!(v["summary"]["self_traffic"], 5, "{}", v["summary"]);
    assert_eq!(warns(&v), 1, "{}", v["warnings"]);

    let v = common::alf_json(&["triage", "-o", "json", "--no-local-self", path]);
    let row = common::offender(&v, &client).expect("an offender once not self");
    assert_eq!(row["requests"], 5, "{row}");
    assert_eq!(v["summary"]["self_traffic"], 0, "{}", v["summary"]);
    assert_eq!(warns(&v), 0, "{}", v["warnings"]);
}

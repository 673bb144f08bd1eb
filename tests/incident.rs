//! The incident the classes exist for (issue 3): an Apache server used as an open
//! proxy through CONNECT, its own dummy connections as noise, and the error log's
//! AH01075 timeouts naming the same clients. Built from the lines quoted there.

use serde_json::Value;

fn triage(args: &[&str]) -> Value {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut cmd = assert_cmd::Command::cargo_bin("alf").expect("alf binary");
    cmd.args(args)
        .arg(format!("{root}/testdata/incident/access_log"))
        .arg(format!("{root}/testdata/incident/error_log"));
    let out = cmd.output().expect("run alf");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn offender<'a>(v: &'a Value, ip: &str) -> Option<&'a Value> {
    v["offenders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["client"] == ip)
}

#[test]
fn connect_clients_are_offenders_dummy_is_noise_timeouts_join() {
    let v = triage(&["--classify", "--output", "json", "-n", "0"]);
    let o = offender(&v, "136.175.9.209").expect("136.175.9.209 is an offender");
    assert_eq!(o["classes"]["proxy"], 2);
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
    let o = offender(&v, "136.175.9.211").expect("136.175.9.211 is an offender");
    assert_eq!(o["classes"]["upstream-timeout"], 2);
    assert_eq!(o["classes"]["proxy"], 1);
    assert!(offender(&v, "216.144.247.78").is_some());
    // Apache's own dummy connections are counted, never offenders.
    assert!(offender(&v, "::1").is_none());
    assert!(
        offender(&v, "203.0.113.50").is_none(),
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

#[test]
fn classes_are_off_unless_asked() {
    let v = triage(&["--output", "json"]);
    assert!(v["classes"].as_array().unwrap().is_empty());
    assert!(v["offenders"].as_array().unwrap().is_empty());
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

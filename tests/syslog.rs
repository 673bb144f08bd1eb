//! Access logs that went through syslog (issue 15, item 6): the prefix is
//! recognised per input, the line beneath read with its own format, the host
//! kept and counted. Every count is checked against awk on the fixtures; text
//! a client wrote (a fake prefix in a user agent) and other programs' lines
//! (sshd's addresses) never make a client.

mod common;

/// A fixture, its format, and sh pipelines that print its syslog host and
/// its client, one line per nginx line.
struct Case {
    file: &'static str,
    format: &'static str,
    hosts: &'static str,
    clients: &'static str,
}

const CASES: &[Case] = &[
    Case {
        file: "syslog-rfc3164.log",
        format: "combined (syslog rfc3164)",
        hosts: r"grep -E '^(<[0-9]+>)?[A-Z][a-z]{2} [ 0-9][0-9] [0-9:.]+ [^ ]+ nginx(\[[0-9]+\])?: ' | awk '{print $4}'",
        clients: r"sed -nE 's/^(<[0-9]+>)?[A-Z][a-z]{2} [ 0-9][0-9] [0-9:.]+ [^ ]+ nginx(\[[0-9]+\])?: //p' | awk '{print $1}'",
    },
    Case {
        file: "syslog-journal-short.log",
        format: "combined (syslog rfc3164)",
        hosts: r"grep -E '^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:.]+ [^ ]+ nginx(\[[0-9]+\])?: ' | awk '{print $4}'",
        clients: r"sed -nE 's/^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:.]+ [^ ]+ nginx(\[[0-9]+\])?: //p' | awk '{print $1}'",
    },
    Case {
        file: "syslog-short-iso.log",
        format: "combined (syslog iso)",
        hosts: r"awk '$3 ~ /^nginx(\[[0-9]+\])?:$/ {print $2}'",
        clients: r"awk '$3 ~ /^nginx(\[[0-9]+\])?:$/ {print $4}'",
    },
    Case {
        file: "syslog-rfc5424.log",
        format: "combined (syslog rfc5424)",
        hosts: r#"awk '$4 == "nginx" {print $3}'"#,
        clients: r"sed -nE 's/^<[0-9]+>1 [^ ]+ [^ ]+ nginx [^ ]+ [^ ]+ (-|(\[([^]\\]|\\.)*\])+) (\xEF\xBB\xBF)?//p' | awk '{print $1}'",
    },
];

/// `alf top --by BY -n 0 -o plain FILE`, sorted.
fn alf_top(by: &str, file: &std::path::Path) -> Vec<(Vec<u8>, u64)> {
    let out = common::run_alf(
        &[
            "top".as_ref(),
            "--by".as_ref(),
            by.as_ref(),
            "-n".as_ref(),
            "0".as_ref(),
            "-o".as_ref(),
            "plain".as_ref(),
            file.as_os_str(),
        ],
        None,
    );
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    let mut v = common::parse_uniq_c(&out.stdout);
    v.sort();
    v
}

fn awk_counts(pipeline: &str, file: &std::path::Path) -> Vec<(Vec<u8>, u64)> {
    let script = format!("cat \"$1\" | {pipeline} | sort | uniq -c");
    let mut v = common::parse_uniq_c(&common::sh(&script, &[file]));
    v.sort();
    v
}

#[test]
fn hosts_and_clients_match_awk() {
    for c in CASES {
        let file = common::testdata(&format!("fixtures/{}", c.file));
        let (out, v) = common::triage(&[&file], None);
        assert_eq!(out.code(), Some(0), "{}: {}", c.file, out.stderr_text());
        assert_eq!(v["inputs"][0]["format"], c.format, "{}", c.file);
        let hosts = awk_counts(c.hosts, &file);
        assert!(hosts.len() >= 3, "{}: {hosts:?}", c.file);
        assert_eq!(alf_top("host", &file), hosts, "{}", c.file);
        // The report's host table says the same.
        let mut json: Vec<(Vec<u8>, u64)> = v["hosts"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no hosts[]", c.file))
            .iter()
            .map(|h| {
                (
                    h["host"].as_str().unwrap().as_bytes().to_vec(),
                    h["lines"].as_u64().unwrap(),
                )
            })
            .collect();
        json.sort();
        assert_eq!(json, hosts, "{}", c.file);
        let clients = awk_counts(c.clients, &file);
        assert_eq!(alf_top("ip", &file), clients, "{}", c.file);
        // sshd's address, and the one in a fake prefix inside a user agent.
        for never in ["203.0.113.9", "198.51.100.66"] {
            assert!(
                !clients.iter().any(|(k, _)| k == never.as_bytes()),
                "{}: awk took {never}",
                c.file
            );
            assert!(
                !v.to_string().contains(&format!("\"{never}\"")),
                "{}: {never} counted",
                c.file
            );
        }
        // One line of another program, malformed beneath the prefix.
        assert_eq!(v["summary"]["malformed"], 1, "{}", c.file);
    }
}

#[test]
fn no_host_table_without_syslog() {
    let (_, v) = common::triage(&["testdata/incident/access_log"], None);
    assert!(v.get("hosts").is_none(), "{}", v["hosts"]);
    let out = common::run_alf(&["testdata/incident/access_log"], None);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("syslog host"));
}

#[test]
fn a_named_format_is_read_beneath_a_prefix() {
    let (out, v) = common::triage(
        &["-f", "combined", "testdata/fixtures/syslog-short-iso.log"],
        None,
    );
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    assert_eq!(v["inputs"][0]["format"], "combined (syslog iso)");
    assert_eq!(v["inputs"][0]["format_reason"], "--format");
    assert_eq!(v["summary"]["parsed"], 7);
}

/// The host table holds 65,536 hosts; one more drops it, with a warning,
/// whatever the threads and chunks the lines were counted on.
#[test]
fn host_cap_does_not_depend_on_threads() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (hosts, kept) in [(65_536usize, true), (65_537, false)] {
        let mut data = Vec::new();
        for h in 0..hosts {
            data.extend_from_slice(
                format!(
                    "Dec 21 00:00:00 h{h} nginx: 192.0.2.1 - - [21/Dec/2025:00:00:00 +0000] \
                     \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\"\n"
                )
                .as_bytes(),
            );
        }
        let path = dir.path().join(format!("hosts-{hosts}.log"));
        std::fs::write(&path, &data).unwrap();
        for extra in [&["-j", "1"][..], &["-j", "3", "--chunk-size", "65536"]] {
            let mut args: Vec<std::ffi::OsString> = vec!["--no-classify".into()];
            args.extend(extra.iter().map(Into::into));
            args.push(path.clone().into());
            let (out, v) = common::triage(&args, None);
            assert_eq!(v["summary"]["parsed"], hosts as u64);
            let warned = out.stderr_text().contains("distinct syslog hosts");
            match kept {
                true => {
                    assert_eq!(
                        v["hosts"].as_array().map(Vec::len),
                        Some(hosts),
                        "{extra:?}"
                    );
                    assert!(!warned, "{extra:?}");
                }
                false => {
                    assert!(v.get("hosts").is_none(), "{extra:?}");
                    assert!(warned, "{extra:?}: {}", out.stderr_text());
                }
            }
        }
    }
}

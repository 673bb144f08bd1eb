//! How each input gets its format (issue 15, item 1): `--format`,
//! `--log-format` and `--nginx-format` name the access logs' format, and an
//! error log beside them is still read as one; `--format-for FILE=NAME` names
//! one input's format exactly; an input that (almost) nothing parses is a
//! warning that names the preset that does.

use serde_json::Value;

mod common;

const LOG_FORMAT_D: &str = r#"%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i" %D"#;

/// The input report of `path`.
fn input<'a>(v: &'a Value, path: &str) -> &'a Value {
    v["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"] == path)
        .unwrap_or_else(|| panic!("no input {path}"))
}

fn class_count(v: &Value, id: &str) -> Option<u64> {
    v["classes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .and_then(|c| c["count"].as_u64())
}

/// The incident's timeouts, class and correlation, whatever named the access format.
fn assert_incident_kept(v: &Value, ctx: &str) {
    let el = input(v, "testdata/incident/error_log");
    assert_eq!(el["format"], "apache_error", "{ctx}");
    assert_eq!(el["parsed"], 3, "{ctx}");
    assert_eq!(el["malformed"], 0, "{ctx}");
    // grep -c AH01075 testdata/incident/error_log
    let ah01075 = common::sh_count(
        "grep -c AH01075 \"$1\"",
        &[common::testdata("incident/error_log")],
    );
    assert_eq!(class_count(v, "upstream-timeout"), Some(ah01075), "{ctx}");
    assert_eq!(common::summary(v, "error_lines"), 3, "{ctx}");
    let corr = v["correlation"].as_array().unwrap();
    assert_eq!(corr.len(), 2, "{ctx}: {corr:?}");
    let c = corr
        .iter()
        .find(|c| c["client"] == "136.175.9.211")
        .unwrap();
    assert_eq!(c["upstream_timeouts"], 2, "{ctx}");
    assert_eq!(c["access_requests"], 1, "{ctx}");
}

#[test]
fn error_log_beside_log_format_is_read_as_error_log() {
    let (out, v) = common::triage(
        &[
            "--log-format",
            LOG_FORMAT_D,
            "testdata/incident/access_log_D",
            "testdata/incident/error_log",
        ],
        None,
    );
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    assert_incident_kept(&v, "--log-format");
    let al = input(&v, "testdata/incident/access_log_D");
    assert_eq!(al["format"], "custom (LogFormat)");
    assert_eq!(al["format_reason"], "--log-format");
    assert_eq!(
        al["parsed"],
        common::physical_lines(&std::fs::read(common::testdata("incident/access_log_D")).unwrap())
    );
    assert_eq!(
        input(&v, "testdata/incident/error_log")["format_reason"],
        "error log detected beside --log-format"
    );
}

#[test]
fn error_log_beside_format_is_read_as_error_log() {
    let (out, v) = common::triage(
        &[
            "-f",
            "combined",
            "testdata/incident/access_log",
            "testdata/incident/error_log",
        ],
        None,
    );
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    assert_incident_kept(&v, "-f combined");
    assert_eq!(
        input(&v, "testdata/incident/access_log")["format_reason"],
        "--format"
    );
    assert_eq!(
        input(&v, "testdata/incident/error_log")["format_reason"],
        "error log detected beside --format"
    );
    // Detected as ever without a named format.
    let (_, v) = common::triage(
        &[
            "testdata/incident/access_log",
            "testdata/incident/error_log",
        ],
        None,
    );
    assert_eq!(
        input(&v, "testdata/incident/error_log")["format_reason"],
        "detected"
    );
}

/// A format string loose enough to take an error line parses it too: the
/// tie goes to the error log.
#[test]
fn loose_format_string_ties_go_to_the_error_log() {
    let (_, v) = common::triage(
        &["--log-format", "%h %r", "testdata/incident/error_log"],
        None,
    );
    let el = input(&v, "testdata/incident/error_log");
    assert_eq!(el["format"], "apache_error");
    assert_eq!(
        el["format_reason"],
        "error log detected beside --log-format"
    );
}

#[test]
fn format_for_is_taken_exactly_and_warns_when_nothing_parses() {
    let (out, v) = common::triage(
        &[
            "--format-for",
            "testdata/incident/error_log=combined",
            "testdata/incident/access_log",
            "testdata/incident/error_log",
        ],
        None,
    );
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    let el = input(&v, "testdata/incident/error_log");
    assert_eq!(el["format"], "combined");
    assert_eq!(el["format_reason"], "--format-for");
    assert_eq!(el["parsed"], 0);
    assert_eq!(el["malformed"], 3);
    let want = "testdata/incident/error_log: no line of 3 parses as combined (--format-for): \
                they parse as apache_error: --format-for testdata/incident/error_log=apache_error \
                reads them so";
    assert!(out.stderr_text().contains(want), "{}", out.stderr_text());
    assert!(
        v["warnings"].as_array().unwrap().iter().any(|w| w == want),
        "{}",
        v["warnings"]
    );
    // The suggested rules command reads the inputs the same way.
    let (_, v) = common::triage(
        &[
            "--format-for",
            "testdata/incident/access_log=combined",
            "testdata/incident/access_log",
        ],
        None,
    );
    let text = v.to_string();
    assert!(
        text.contains("--format-for testdata/incident/access_log=combined"),
        "{text}"
    );
}

#[test]
fn format_for_stdin_and_auto() {
    let data = std::fs::read(common::testdata("incident/error_log")).unwrap();
    let (out, v) = common::triage(&["--format-for=-=apache_error", "-"], Some(&data));
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    assert_eq!(v["inputs"][0]["format"], "apache_error");
    assert_eq!(v["inputs"][0]["format_reason"], "--format-for");
    assert_eq!(v["inputs"][0]["parsed"], 3);
    // `auto` brings detection back for one input beside --format.
    let (_, v) = common::triage(
        &[
            "-f",
            "common",
            "--format-for",
            "./testdata/incident/access_log=auto",
            "testdata/incident/access_log",
        ],
        None,
    );
    assert_eq!(v["inputs"][0]["format"], "combined");
    assert_eq!(v["inputs"][0]["format_reason"], "detected");
}

#[test]
fn format_for_mistakes_are_usage_errors() {
    for (args, says) in [
        (
            &["--format-for", "nope=combined"][..],
            "not one of the inputs",
        ),
        (
            &["--format-for", "testdata/incident/error_log=zz"],
            "unknown format",
        ),
        (
            &["--format-for", "testdata/incident/error_log"],
            "not FILE=NAME",
        ),
        (
            &[
                "--format-for",
                "testdata/incident/error_log=combined",
                "--format-for",
                "./testdata/incident/error_log=auto",
            ],
            "named twice",
        ),
    ] {
        let mut all: Vec<&str> = args.to_vec();
        all.push("testdata/incident/error_log");
        let out = common::run_alf(&all, None);
        assert_eq!(out.code(), Some(2), "{all:?}");
        assert!(
            out.stderr_text().contains(says),
            "{all:?}: {}",
            out.stderr_text()
        );
        assert!(out.stdout.is_empty(), "{all:?}: nothing is read");
    }
}

#[test]
fn an_empty_input_gets_a_word() {
    let (out, v) = common::triage(&["testdata/fixtures/empty.log"], None);
    assert_eq!(out.code(), Some(0));
    assert!(
        out.stderr_text()
            .contains("testdata/fixtures/empty.log: no line to read"),
        "{}",
        out.stderr_text()
    );
    assert_eq!(v["inputs"][0]["warnings"].as_array().unwrap().len(), 1);
}

//! Filters that leave no record (issue 15, item 5): exit 5 with the span of
//! the records left out, never "format not recognised"; `alf top` counts
//! filtered lines as filtered.

mod common;

const ACCESS: &str = "testdata/incident/access_log";
const ERROR: &str = "testdata/incident/error_log";

#[test]
fn since_past_the_log_exits_5_with_its_span() {
    let (_, all) = common::triage(&[ACCESS, ERROR], None);
    let out = common::run_alf(&["--since", "2021-01-01", ACCESS, ERROR], None);
    assert_eq!(out.code(), Some(5), "{}", out.stderr_text());
    let want = format!(
        "alf: the filters left no record: all 10 parsed line(s) were left out by --since \
         2021-01-01T00:00:00Z; the records span {} .. {}\n",
        all["summary"]["first_seen"].as_str().unwrap(),
        all["summary"]["last_seen"].as_str().unwrap()
    );
    assert!(out.stderr_text().contains(&want), "{}", out.stderr_text());
    assert!(!out.stderr_text().contains("recognised"));
    // The span is that of the lines left out, not of the whole log.
    let out = common::run_alf(
        &[
            "--until",
            "2020-12-24T09:58:35Z",
            "--client",
            "216.144.247.78",
            ACCESS,
        ],
        None,
    );
    assert_eq!(out.code(), Some(5));
    assert!(
        out.stderr_text().contains(
            "left out by --until 2020-12-24T09:58:35Z, --client 216.144.247.78/32; \
             the records span 2020-12-24T09:58:33Z .. 2020-12-24T09:58:39Z"
        ),
        "{}",
        out.stderr_text()
    );
    // A record left is success.
    let out = common::run_alf(&["--client", "216.144.247.78", ACCESS], None);
    assert_eq!(out.code(), Some(0));
}

#[test]
fn top_counts_filtered_lines_as_filtered() {
    let path = common::testdata(ACCESS.trim_start_matches("testdata/"));
    let lines = common::sh_count("wc -l < \"$1\"", &[&path]);
    let outside = common::sh_count("awk '$1 !~ /^136\\.175\\.9\\./' \"$1\" | wc -l", &[&path]);
    assert!(outside > 0 && outside < lines);
    let out = common::run_alf(
        &["top", "-o", "json", "--client", "136.175.9.0/24", ACCESS],
        None,
    );
    assert_eq!(out.code(), Some(0));
    let v = out.json("top");
    assert_eq!(v["filtered"], outside);
    assert_eq!(v["malformed"], 0);
    let err = out.stderr_text();
    assert!(
        err.contains(&format!("alf: {outside} of {lines} lines filtered out")),
        "{err}"
    );
    assert!(!err.contains("not counted"), "{err}");
    let out = common::run_alf(&["top", "--client", "1.1.1.1", ACCESS], None);
    assert_eq!(out.code(), Some(5));
}

//! The line outputs against the JSON document: CSV (read back by Python's
//! csv module) holds every offender with the document's values, NDJSON
//! every row, and none of CSV, Markdown or NDJSON lets text a log's writer
//! chose become markup, a formula or a new cell.

mod common;

use common::{require_tool, run_alf, sh};
use serde_json::Value;

const LOGS: [&str; 3] = [
    "testdata/access/apache-combined/farmfreshsoftware.com_combined.access.log",
    "testdata/access/edge-cases/crowdsec-hub-fixtures/thinkphp-cve-2018-20062.log",
    "testdata/access/nginx-combined/meatlabel.app.access.log-20251222",
];

/// `text` parsed as CSV by Python's csv module.
fn read_csv(text: &[u8]) -> Vec<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("out.csv");
    std::fs::write(&f, text).unwrap();
    let json = sh(
        r#"python3 -c 'import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline="")))))' "$1""#,
        &[&f],
    );
    serde_json::from_slice(&json).unwrap()
}

#[test]
fn csv_holds_every_offender_as_the_json_does() {
    if !require_tool("python3") {
        return;
    }
    for log in LOGS {
        let v = run_alf(&["-o", "json", log], None).json(log);
        let out = run_alf(&["-o", "csv", log], None);
        assert_eq!(out.code(), Some(0));
        let rows = read_csv(&out.stdout);
        assert_eq!(rows[0][0], "client");
        let want: Vec<(&Value, bool)> = v["offenders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| (o, false))
            .chain(
                v["internal_offenders"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| (o, true)),
            )
            .collect();
        assert_eq!(rows.len() - 1, want.len(), "{log}");
        for (row, (o, internal)) in rows[1..].iter().zip(want) {
            assert_eq!(row.len(), 11, "{row:?}");
            assert_eq!(row[0], o["client"].as_str().unwrap());
            assert_eq!(row[1], internal.to_string());
            assert_eq!(row[2].parse::<f64>().unwrap(), o["score"].as_f64().unwrap());
            assert_eq!(
                row[3],
                o["requests"]
                    .as_u64()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            );
            let lines: u64 = row[4]
                .split("; ")
                .map(|c| c.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
                .sum();
            let want: u64 = o["classes"]
                .as_object()
                .unwrap()
                .values()
                .map(|n| n.as_u64().unwrap())
                .sum();
            assert_eq!(lines, want, "{row:?}");
        }
    }
}

#[test]
fn ndjson_rows_are_the_documents_rows() {
    for log in LOGS {
        let v = run_alf(&["-o", "json", log], None).json(log);
        let out = run_alf(&["-o", "ndjson", log], None);
        assert_eq!(out.code(), Some(0));
        let lines: Vec<Value> = out
            .stdout
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        let of = |t: &str| -> Vec<Value> {
            lines
                .iter()
                .filter(|l| l["type"] == t)
                .map(|l| {
                    let mut l = l.clone();
                    l.as_object_mut().unwrap().remove("type");
                    l
                })
                .collect()
        };
        for (t, key) in [
            ("offender", "offenders"),
            ("internal_offender", "internal_offenders"),
            ("suggested_block", "suggested_blocks"),
            ("class", "classes"),
            ("signature", "signatures"),
            ("client", "top_clients"),
            ("incident", "incidents"),
        ] {
            assert_eq!(&of(t), v[key].as_array().unwrap(), "{log}: {t}");
        }
        let mut summary = of("summary");
        assert_eq!(summary.len(), 1);
        assert_eq!(summary.remove(0), v["summary"]);
    }
}

/// A log whose writer tries markup, formulas and cell breaks in every
/// field `top` and the proxy table show.
fn hostile_log(dir: &std::path::Path) -> std::path::PathBuf {
    let payloads = [
        "a|b|c",
        "[click](http://evil.example/)",
        "<img src=x onerror=alert(1)>",
        "```\n# heading",
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "@SUM(1+1)*cmd|' /C calc'!A0",
        "line\r\nbreak,\"quoted\"",
    ];
    let mut log = String::new();
    for (i, p) in payloads.iter().enumerate() {
        let p = p
            .replace('"', "\\\"")
            .replace('\n', "\\n")
            .replace('\r', "\\r");
        log += &format!(
            "198.51.100.{i} - - [24/Dec/2020:18:58:3{i} +0000] \"GET /{p} HTTP/1.1\" 404 5 \"{p}\" \"{p}\"\n"
        );
        log += &format!(
            "198.51.100.{i} - - [24/Dec/2020:18:58:3{i} +0000] \"CONNECT {p}:443 HTTP/1.1\" 200 5 \"-\" \"x\"\n"
        );
    }
    let f = dir.join("hostile.log");
    std::fs::write(&f, log).unwrap();
    f
}

#[test]
fn log_text_never_becomes_markup_or_a_formula() {
    let dir = tempfile::tempdir().unwrap();
    let log = hostile_log(dir.path());
    let log = log.to_str().unwrap();
    for args in [
        vec!["top", "--by", "ua", "-n", "0"],
        vec!["top", "--by", "path", "-n", "0"],
        vec!["top", "--by", "referer", "-n", "0"],
        vec!["triage", "-n", "0"],
    ] {
        // Markdown: every table row has as many cell breaks as its header,
        // and no `<`, `[` or backtick from the log is left active.
        let md = run_alf(&[&args[..], &["-o", "markdown", log]].concat(), None);
        assert_eq!(md.code(), Some(0), "{}", md.stderr_text());
        let text = String::from_utf8(md.stdout).unwrap();
        let mut header_bars = None;
        let mut in_fence = false;
        for line in text.lines() {
            if line.starts_with("```") {
                in_fence = !in_fence;
                continue;
            }
            if in_fence {
                continue;
            }
            if line.starts_with('|') {
                let bars = active(line, '|');
                match header_bars {
                    None => header_bars = Some(bars),
                    Some(h) => assert_eq!(bars, h, "{args:?}: a cell broke out: {line}"),
                }
                for c in ['<', '[', '`'] {
                    assert_eq!(active(line, c), 0, "{args:?}: active {c} in {line}");
                }
            } else {
                header_bars = None;
                assert!(line.is_empty() || !line.contains("onerror"), "{line}");
            }
        }
        assert!(!in_fence, "an unclosed fence");
        // CSV: every record has the header's fields, no cell starts a formula.
        if require_tool("python3") {
            let csv = run_alf(&[&args[..], &["-o", "csv", log]].concat(), None);
            let rows = read_csv(&csv.stdout);
            for r in &rows {
                assert_eq!(r.len(), rows[0].len(), "{args:?}: {r:?}");
                for cell in r {
                    assert!(
                        !cell.starts_with(['=', '@', '+']),
                        "{args:?}: formula {cell:?}"
                    );
                }
            }
            assert!(rows.len() > 2, "{args:?}");
            // `--csv-raw`: a first line says so, then the same records with
            // the cells as they are: formulas left in.
            let raw = run_alf(
                &[&args[..], &["-o", "csv", "--csv-raw", log]].concat(),
                None,
            );
            assert_eq!(raw.code(), Some(0), "{}", raw.stderr_text());
            let (note, body) = raw
                .stdout
                .split_at(raw.stdout.windows(2).position(|w| w == b"\r\n").unwrap() + 2);
            assert!(note.starts_with(b"# --csv-raw"), "{args:?}");
            let raw_rows = read_csv(body);
            assert_eq!(raw_rows.len(), rows.len(), "{args:?}");
            for (r, d) in raw_rows.iter().zip(&rows) {
                for (a, b) in r.iter().zip(d) {
                    assert!(a == b || b == &format!("'{a}"), "{args:?}: {a:?} {b:?}");
                }
            }
            if args[0] == "top" {
                assert!(
                    raw_rows.iter().flatten().any(|c| c.starts_with('=')),
                    "{args:?}: no formula kept"
                );
            }
        }
        // NDJSON: one object a line, no raw `<`.
        let nd = run_alf(&[&args[..], &["-o", "ndjson", log]].concat(), None);
        for line in nd.stdout.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let _: Value = serde_json::from_slice(line).unwrap();
            assert!(!line.contains(&b'<'), "{}", String::from_utf8_lossy(line));
        }
    }
}

/// How many times `c` occurs in `line` not escaped by a backslash.
fn active(line: &str, c: char) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for x in line.chars() {
        if escaped {
            escaped = false;
        } else if x == '\\' {
            escaped = true;
        } else if x == c {
            n += 1;
        }
    }
    n
}

//! Shared helpers for the integration tests that compare alf with the
//! classic shell tools: run `alf` and parse its JSON, run a shell pipeline
//! under `LC_ALL=C`, parse `uniq -c` output, and skip (or, with
//! `ALF_REQUIRE_ALL=1`, fail) when a tool is missing.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// A path under the repository's `testdata/`.
pub fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

/// True when `ALF_REQUIRE_ALL=1`: missing tools are then failures, not skips.
pub fn require_all() -> bool {
    std::env::var("ALF_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// Prints `skipped: <reason>` and returns, or panics under `ALF_REQUIRE_ALL=1`.
pub fn skip(reason: &str) {
    if require_all() {
        panic!("ALF_REQUIRE_ALL=1 but {reason}");
    }
    println!("skipped: {reason}");
}

/// True when `name` is on the `PATH` (as `sh` finds it). Otherwise prints
/// `skipped: ...` and returns false, or panics under `ALF_REQUIRE_ALL=1`.
pub fn require_tool(name: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(r#"command -v "$1" >/dev/null 2>&1"#)
        .arg("sh")
        .arg(name)
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        skip(&format!("`{name}` not found"));
    }
    found
}

/// [`require_tool`] for each name; stops at the first one missing.
pub fn require_tools(names: &[&str]) -> bool {
    names.iter().all(|n| require_tool(n))
}

/// Runs `alf ARGS...`, requires exit code 0, and parses its standard output as JSON.
pub fn alf_json<S: AsRef<OsStr>>(args: &[S]) -> Value {
    let out = assert_cmd::cargo::cargo_bin_cmd!("alf")
        .args(args)
        .output()
        .expect("run alf");
    let shown: Vec<_> = args.iter().map(|a| a.as_ref().to_string_lossy()).collect();
    assert_eq!(
        out.status.code(),
        Some(0),
        "alf {shown:?} failed; stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "alf {shown:?}: stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The row of `offenders[]` for `client`, if any, in a triage report.
pub fn offender<'a>(report: &'a Value, client: &str) -> Option<&'a Value> {
    report["offenders"]
        .as_array()?
        .iter()
        .find(|o| o["client"] == client)
}

/// Runs `sh -c SCRIPT sh ARGS...` with `LC_ALL=C` (byte semantics for grep,
/// sed, awk and sort) and returns its standard output. Arguments reach the
/// script as `$1`, `$2`..., so regexes and paths need no shell quoting.
/// Panics when the script exits non-zero.
pub fn sh<S: AsRef<OsStr>>(script: &str, args: &[S]) -> Vec<u8> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("sh")
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .expect("run sh");
    assert!(
        out.status.success(),
        "sh -c {script:?} failed ({:?}); stderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// [`sh`] for a script that prints one number.
pub fn sh_count<S: AsRef<OsStr>>(script: &str, args: &[S]) -> u64 {
    let out = sh(script, args);
    let text = String::from_utf8_lossy(&out);
    text.trim()
        .parse()
        .unwrap_or_else(|e| panic!("sh -c {script:?}: expected a number, got {text:?} ({e})"))
}

/// Parses `uniq -c` output (`<spaces>COUNT KEY` per line) into raw (key, count) pairs.
pub fn parse_uniq_c(out: &[u8]) -> Vec<(Vec<u8>, u64)> {
    out.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let start = l.iter().take_while(|&&b| b == b' ').count();
            let l = &l[start..];
            let sp = l.iter().position(|&b| b == b' ').unwrap_or(l.len());
            let count = std::str::from_utf8(&l[..sp])
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("bad `uniq -c` line {:?}", String::from_utf8_lossy(l)));
            (l.get(sp + 1..).unwrap_or_default().to_vec(), count)
        })
        .collect()
}

/// Orders rows as alf does: count descending, then key ascending (byte order).
pub fn rank(mut v: Vec<(String, u64)>) -> Vec<(String, u64)> {
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// The `top` rows of `alf top --output json`, as (key, count).
pub fn top_rows(v: &Value) -> Vec<(String, u64)> {
    v["top"]
        .as_array()
        .expect("`top` array")
        .iter()
        .map(|r| {
            (
                r["key"].as_str().expect("key").to_string(),
                r["count"].as_u64().expect("count"),
            )
        })
        .collect()
}

/// The `top_clients` rows of `alf triage --output json`, as (client, requests).
pub fn client_rows(v: &Value) -> Vec<(String, u64)> {
    v["top_clients"]
        .as_array()
        .expect("`top_clients` array")
        .iter()
        .map(|r| {
            (
                r["client"].as_str().expect("client").to_string(),
                num(r, "requests"),
            )
        })
        .collect()
}

/// A `u64` field of a JSON object, with a readable panic.
pub fn num(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` is not a number in {v}"))
}

/// Physical lines as alf counts them: newlines, plus one for a last line
/// without a final newline.
pub fn physical_lines(path: &Path, wc_l: u64) -> u64 {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    wc_l + u64::from(data.last().is_some_and(|&b| b != b'\n'))
}

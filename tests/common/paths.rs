//! Helpers for the reading-path and input-hardening tests: running the `alf`
//! binary, normalising its JSON so that reports from different reading paths
//! can be compared, compressing fixtures, and skipping when a system tool is
//! missing (unless `ALF_REQUIRE_ALL=1`, as CI sets).
//!
//! Included with `#[path = "common/paths.rs"] mod paths;` so that it does not
//! depend on (or clobber) `tests/common/mod.rs`.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use serde_json::Value;

/// The binary under test.
pub fn alf_bin() -> &'static str {
    env!("CARGO_BIN_EXE_alf")
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn require_all() -> bool {
    std::env::var("ALF_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// Prints `skipped: <reason>`, or panics when `ALF_REQUIRE_ALL=1`.
pub fn skip(reason: &str) {
    if require_all() {
        panic!("ALF_REQUIRE_ALL=1 but {reason}");
    }
    eprintln!("skipped: {reason}");
}

/// True when `tool --version` runs (gzip, zstd and mkfifo all answer it).
pub fn have_tool(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whatever one run of `alf` left behind.
pub struct Out {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Out {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Parses stdout as JSON, panicking with the context and both streams.
    pub fn json(&self, ctx: &str) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "{ctx}: stdout is not JSON ({e}); exit {:?}\nstdout: {}\nstderr: {}",
                self.status,
                String::from_utf8_lossy(&self.stdout[..self.stdout.len().min(2000)]),
                self.stderr_text()
            )
        })
    }
}

/// Runs `alf` with `args`, feeding `stdin` (or nothing) on standard input.
pub fn run_alf<S: AsRef<OsStr>>(args: &[S], stdin: Option<&[u8]>) -> Out {
    let mut cmd = Command::new(alf_bin());
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn alf");
    // Write from another thread: alf may fill its stdout pipe before it has
    // read all of its input.
    let writer = stdin.map(|data| {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        let data = data.to_vec();
        std::thread::spawn(move || {
            // alf may stop reading early (an error); a broken pipe is its business.
            let _ = pipe.write_all(&data);
        })
    });
    let out = child.wait_with_output().expect("wait for alf");
    if let Some(w) = writer {
        w.join().expect("stdin writer");
    }
    Out {
        status: out.status,
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

/// `alf triage --output json -n 0 <args>`, parsed.
pub fn triage<S: AsRef<OsStr>>(args: &[S], stdin: Option<&[u8]>) -> (Out, Value) {
    let mut all: Vec<std::ffi::OsString> = vec!["triage".into(), "--output".into(), "json".into()];
    all.extend(["-n".into(), "0".into()]);
    all.extend(args.iter().map(|a| a.as_ref().to_os_string()));
    let out = run_alf(&all, stdin);
    let ctx = format!("alf {all:?}");
    let v = out.json(&ctx);
    (out, v)
}

fn remove(v: &mut Value, key: &str) {
    if let Value::Object(m) = v {
        m.remove(key);
    }
}

/// Strips `names` (the input names as alf shows them) from the start of an
/// error or warning message.
fn unname(s: &str, names: &[&str]) -> String {
    for n in names {
        if let Some(rest) = s.strip_prefix(n) {
            if rest.starts_with(':') {
                return format!("<input>{rest}");
            }
        }
    }
    s.to_string()
}

/// Removes what legitimately differs between reading paths: timing, how each
/// input was read (path, compression, mmap or stream, bytes read) and the file
/// named in examples, errors and warnings. `names` are the input names used.
pub fn normalize(mut v: Value, names: &[&str]) -> Value {
    remove(&mut v, "timing");
    if let Some(Value::Array(inputs)) = v.get_mut("inputs") {
        for i in inputs {
            for k in ["path", "compression", "read", "bytes_read"] {
                remove(i, k);
            }
            for k in ["warnings", "errors"] {
                if let Some(Value::Array(a)) = i.get_mut(k) {
                    for s in a.iter_mut() {
                        if let Value::String(t) = s {
                            *t = unname(t, names);
                        }
                    }
                }
            }
        }
    }
    if let Some(Value::Array(ex)) = v.get_mut("examples") {
        for e in ex {
            remove(e, "file");
        }
    }
    for k in ["warnings", "errors"] {
        if let Some(Value::Array(a)) = v.get_mut(k) {
            for s in a.iter_mut() {
                if let Value::String(t) = s {
                    *t = unname(t, names);
                }
            }
        }
    }
    v
}

fn num(v: &Value, k: &str) -> u64 {
    v.get(k)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("no number `{k}` in {v}"))
}

/// `lines == parsed + malformed + overlong + empty + ambiguous`, for the
/// summary and every input.
pub fn assert_identity(v: &Value, ctx: &str) {
    let check = |o: &Value, what: &str| {
        let sum = num(o, "parsed")
            + num(o, "malformed")
            + num(o, "overlong")
            + num(o, "empty")
            + num(o, "ambiguous")
            + num(o, "filtered");
        assert_eq!(
            num(o, "lines"),
            sum,
            "{ctx}: {what}: lines != parsed + malformed + overlong + empty + ambiguous + filtered in {o}"
        );
    };
    check(&v["summary"], "summary");
    if let Some(Value::Array(inputs)) = v.get("inputs") {
        for i in inputs {
            check(i, "input");
        }
    }
}

/// A summary count.
pub fn summary(v: &Value, k: &str) -> u64 {
    num(&v["summary"], k)
}

/// Asserts two normalised reports are equal, showing the first differing line.
pub fn assert_same(want: &Value, got: &Value, ctx: &str) {
    if want == got {
        return;
    }
    let a = serde_json::to_string_pretty(want).unwrap_or_default();
    let b = serde_json::to_string_pretty(got).unwrap_or_default();
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let at = la
        .iter()
        .zip(&lb)
        .position(|(x, y)| x != y)
        .unwrap_or(la.len().min(lb.len()));
    let window = |l: &[&str]| l[at.saturating_sub(3)..(at + 4).min(l.len())].join("\n");
    panic!(
        "{ctx}: report differs from the reference at line {}\n--- reference\n{}\n--- this path\n{}",
        at + 1,
        window(&la),
        window(&lb)
    );
}

/// gzip with flate2 (a complete, single-member stream).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("gzip into memory");
    e.finish().expect("gzip into memory")
}

/// Two gzip members back to back, split at the line boundary nearest the middle.
pub fn gzip_two_members(data: &[u8]) -> Vec<u8> {
    let mid = data.len() / 2;
    let cut = memchr_back(data, mid).map_or(0, |p| p + 1);
    let mut out = gzip(&data[..cut]);
    out.extend(gzip(&data[cut..]));
    out
}

fn memchr_back(data: &[u8], upto: usize) -> Option<usize> {
    data[..upto].iter().rposition(|&b| b == b'\n')
}

/// Compresses with the `zstd` binary; `None` when it is not installed.
pub fn zstd(data: &[u8]) -> Option<Vec<u8>> {
    if !have_tool("zstd") {
        return None;
    }
    let mut child = Command::new("zstd")
        .args(["-q", "-c", "-3"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let mut pipe = child.stdin.take()?;
    let data = data.to_vec();
    let w = std::thread::spawn(move || pipe.write_all(&data));
    let out = child.wait_with_output().ok()?;
    w.join().ok()?.ok()?;
    assert!(
        out.status.success(),
        "zstd failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}

/// Files under `dir`, recursively, sorted; empty when `dir` does not exist.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                Ok(t) if t.is_file() => out.push(p),
                _ => {}
            }
        }
    }
    out.sort();
    out
}

/// The edge-case fixtures (`testdata/fixtures/*.log`).
pub fn fixtures() -> Vec<PathBuf> {
    files_under(&root().join("testdata/fixtures"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect()
}

/// The real logs copied under `testdata/access` and `testdata/error`, if any,
/// or under the directories named in `ALF_REAL_LOGS` (colon-separated) instead.
pub fn real_logs() -> Vec<PathBuf> {
    let dirs: Vec<PathBuf> = match std::env::var_os("ALF_REAL_LOGS") {
        Some(d) => std::env::split_paths(&d).collect(),
        None => vec![
            root().join("testdata/access"),
            root().join("testdata/error"),
        ],
    };
    let mut v: Vec<PathBuf> = dirs.iter().flat_map(|d| files_under(d)).collect();
    v.retain(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        !name.starts_with('.') && !name.ends_with(".md") && !name.ends_with(".txt")
    });
    v
}

/// `n` combined-format lines from a few hundred clients, deterministic.
pub fn combined_lines(n: usize, seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 110);
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let status = [200, 200, 200, 301, 404, 500][(x % 6) as usize];
        writeln!(
            out,
            "198.51.100.{} - - [10/Oct/2023:13:{:02}:{:02} +0000] \"GET /p/{} HTTP/1.1\" {} {} \"-\" \"agent/{}\"",
            (x >> 8) % 250 + 1,
            (i / 60) % 60,
            i % 60,
            x % 1000,
            status,
            (x >> 20) % 5000,
            (x >> 40) % 7
        )
        .expect("write to Vec");
    }
    out
}

/// Physical lines as alf counts them: newlines, plus an unterminated tail.
pub fn physical_lines(data: &[u8]) -> u64 {
    let nl = data.iter().filter(|&&b| b == b'\n').count() as u64;
    nl + u64::from(!data.is_empty() && data.last() != Some(&b'\n'))
}

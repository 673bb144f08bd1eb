//! Shared helpers for the integration tests: running the `alf` binary (and
//! parsing its JSON), running a shell pipeline under `LC_ALL=C` and parsing
//! `uniq -c` output, normalising reports so that different reading paths can
//! be compared, compressing fixtures, listing the test logs, and skipping when
//! a system tool is missing (or, with `ALF_REQUIRE_ALL=1`, as CI sets,
//! failing).

#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use serde_json::Value;

// ---- Peak memory ----

/// The largest resident size of any child waited for so far, in KiB.
pub fn children_peak_kib() -> i64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) }, 0);
    u.ru_maxrss
}

// ---- Where things are ----

/// The binary under test.
pub fn alf_bin() -> &'static str {
    env!("CARGO_BIN_EXE_alf")
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under the repository's `testdata/`.
pub fn testdata(rel: &str) -> PathBuf {
    root().join("testdata").join(rel)
}

// ---- Skipping ----

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

/// True when `name` is on the `PATH` (as `sh` finds it); says nothing.
pub fn have_tool(name: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(r#"command -v "$1" >/dev/null 2>&1"#)
        .arg("sh")
        .arg(name)
        .stdin(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// [`have_tool`], but when the tool is missing prints `skipped: ...` and
/// returns false, or panics under `ALF_REQUIRE_ALL=1`.
pub fn require_tool(name: &str) -> bool {
    let found = have_tool(name);
    if !found {
        skip(&format!("`{name}` not found"));
    }
    found
}

/// [`require_tool`] for each name; stops at the first one missing.
pub fn require_tools(names: &[&str]) -> bool {
    names.iter().all(|n| require_tool(n))
}

// ---- Running alf ----

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

/// Runs `alf` with `args` from the repository root (so relative paths name
/// files in it), feeding `stdin` (or nothing) on standard input. The machine
/// does not leak in: no geo database unless named (`ALF_GEOIP=none`), no SSH
/// session address.
pub fn run_alf<S: AsRef<OsStr>>(args: &[S], stdin: Option<&[u8]>) -> Out {
    let mut cmd = Command::new(alf_bin());
    cmd.args(args)
        .env("ALF_GEOIP", "none")
        .env_remove("SSH_CONNECTION")
        .env_remove("SSH_CLIENT")
        .current_dir(root())
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

/// Runs `alf ARGS...`, requires exit code 0, and parses its standard output as JSON.
pub fn alf_json<S: AsRef<OsStr>>(args: &[S]) -> Value {
    let out = run_alf(args, None);
    let shown: Vec<_> = args.iter().map(|a| a.as_ref().to_string_lossy()).collect();
    assert_eq!(
        out.code(),
        Some(0),
        "alf {shown:?} failed; stderr:\n{}",
        out.stderr_text()
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "alf {shown:?}: stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

// ---- Reading reports ----

/// A `u64` field of a JSON object, with a readable panic.
pub fn num(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("`{key}` is not a number in {v}"))
}

/// A summary count.
pub fn summary(v: &Value, k: &str) -> u64 {
    num(&v["summary"], k)
}

/// The row of `offenders[]` for `client`, if any, in a triage report.
pub fn offender<'a>(report: &'a Value, client: &str) -> Option<&'a Value> {
    report["offenders"]
        .as_array()?
        .iter()
        .find(|o| o["client"] == client)
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

/// Orders rows as alf does: count descending, then key ascending (byte order).
pub fn rank(mut v: Vec<(String, u64)>) -> Vec<(String, u64)> {
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

// ---- Comparing reports ----

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
/// input was read (path, compression, mmap or stream, bytes read), the file
/// named in examples, errors and warnings, and the suggested `alf rules`
/// command (which names the inputs). `names` are the input names used.
pub fn normalize(mut v: Value, names: &[&str]) -> Value {
    remove(&mut v, "timing");
    remove(&mut v, "rules_command");
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

/// `lines == parsed + malformed + overlong + empty + ambiguous + filtered +
/// incomplete`, for the summary and every input.
pub fn assert_identity(v: &Value, ctx: &str) {
    let check = |o: &Value, what: &str| {
        let sum = num(o, "parsed")
            + num(o, "malformed")
            + num(o, "overlong")
            + num(o, "empty")
            + num(o, "ambiguous")
            + num(o, "filtered")
            + num(o, "incomplete");
        assert_eq!(
            num(o, "lines"),
            sum,
            "{ctx}: {what}: lines != parsed + malformed + overlong + empty + ambiguous + filtered + incomplete in {o}"
        );
    };
    check(&v["summary"], "summary");
    if let Some(Value::Array(inputs)) = v.get("inputs") {
        for i in inputs {
            check(i, "input");
        }
    }
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

// ---- Shell references ----

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

// ---- Test data ----

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

/// [`physical_lines`] from a `wc -l` count of `path`: its newlines, plus one
/// for a last line without a final newline.
pub fn physical_lines_from_wc(path: &Path, wc_l: u64) -> u64 {
    let data = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    wc_l + u64::from(data.last().is_some_and(|&b| b != b'\n'))
}

/// A distinct, scattered, public IPv4 address for each `i` below 2^29:
/// 32.0.0.0/3 holds no special range (loopback, private, CGNAT, ...), whose
/// clients are internal rather than offenders.
pub fn public_v4(i: u32) -> std::net::Ipv4Addr {
    std::net::Ipv4Addr::from((i.wrapping_mul(2_654_435_761) & 0x1fff_ffff) | 0x2000_0000)
}

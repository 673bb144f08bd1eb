//! "Same answer every way": every fixture, and every real log under
//! `testdata/access` and `testdata/error`, goes through every reading path —
//! mmap, read(2), gzip, two gzip members, zstd, two zstd frames, stdin (plain
//! and gzip), 1 and 4 threads, chunk sizes 1, 7, 64, 4096 and the default — and
//! the JSON report must be identical once what legitimately differs is removed
//! (timing, how the input was read, its name). Each report must also satisfy
//! `lines == parsed + malformed + overlong + empty + ambiguous`.

mod common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde_json::Value;

use common::{assert_identity, normalize, summary, triage};

/// Files up to this size get every chunk size on every path; larger ones skip
/// the 1-byte chunks and run tiny chunks on the mmap path only, to keep the
/// whole suite to a few seconds per large file.
const SMALL: usize = 128 << 10;

/// One way of reading a file.
struct Case {
    label: String,
    args: Vec<OsString>,
    stdin: Option<Vec<u8>>,
}

fn case(label: impl Into<String>, args: &[&dyn AsRefOs], stdin: Option<Vec<u8>>) -> Case {
    Case {
        label: label.into(),
        args: args.iter().map(|a| a.os()).collect(),
        stdin,
    }
}

/// `&str` and `&Path` arguments side by side.
trait AsRefOs {
    fn os(&self) -> OsString;
}
impl AsRefOs for &str {
    fn os(&self) -> OsString {
        OsString::from(*self)
    }
}
impl AsRefOs for PathBuf {
    fn os(&self) -> OsString {
        self.as_os_str().to_os_string()
    }
}
impl AsRefOs for String {
    fn os(&self) -> OsString {
        OsString::from(self)
    }
}

/// The plain bytes of a file (real logs may come gzipped).
fn plain_bytes(p: &Path) -> Option<Vec<u8>> {
    let raw = std::fs::read(p).expect("read fixture");
    match raw.as_slice() {
        [0x1f, 0x8b, ..] => {
            let mut out = Vec::new();
            let mut d = flate2::read::MultiGzDecoder::new(raw.as_slice());
            std::io::Read::read_to_end(&mut d, &mut out).ok()?;
            Some(out)
        }
        [0x28, 0xb5, 0x2f, 0xfd, ..] => None,
        _ => Some(raw),
    }
}

/// Every way of reading `src`; the first is the reference.
fn cases(src: &Path, tmp: &Path, id: usize, zstd_ok: bool) -> Vec<Case> {
    let Some(data) = plain_bytes(src) else {
        return vec![case(
            "mmap",
            &[&"--mmap", &"auto", &src.to_path_buf()],
            None,
        )];
    };
    let plain = tmp.join(format!("{id}.log"));
    std::fs::write(&plain, &data).expect("write plain copy");
    let gz = tmp.join(format!("{id}.log.gz"));
    let gz_bytes = common::gzip(&data);
    std::fs::write(&gz, &gz_bytes).expect("write gzip copy");
    let gz2 = tmp.join(format!("{id}-two-members.log.gz"));
    std::fs::write(&gz2, common::gzip_two_members(&data)).expect("write gzip members");

    let mut v = vec![
        case("mmap", &[&"--mmap", &"auto", &plain], None),
        case("read", &[&"--mmap", &"never", &plain], None),
        case("gzip", &[&gz], None),
        case("gzip, two members", &[&gz2], None),
        case("stdin", &[&"-"], Some(data.clone())),
        case("stdin, gzip", &[&"-"], Some(gz_bytes)),
    ];
    if zstd_ok {
        if let Some(z) = common::zstd(&data) {
            let zst = tmp.join(format!("{id}.log.zst"));
            std::fs::write(&zst, z).expect("write zstd copy");
            v.push(case("zstd", &[&zst], None));
        }
        // Two frames back to back, cut inside a line: the line spans them.
        let mid = data.len() / 2;
        if let (Some(mut a), Some(b)) = (common::zstd(&data[..mid]), common::zstd(&data[mid..])) {
            a.extend(b);
            let zst2 = tmp.join(format!("{id}-two-frames.log.zst"));
            std::fs::write(&zst2, a).expect("write zstd frames");
            v.push(case("zstd, two frames", &[&zst2], None));
        }
    }
    for mmap in ["auto", "never"] {
        for t in ["1", "4"] {
            v.push(case(
                format!("--mmap {mmap} --threads {t}"),
                &[&"--mmap", &mmap, &"--threads", &t, &plain],
                None,
            ));
        }
        for cs in [1usize, 7, 64, 4096] {
            let small = data.len() <= SMALL;
            if !small && (cs == 1 || (cs < 4096 && mmap == "never")) {
                continue;
            }
            let cs = cs.to_string();
            v.push(case(
                format!("--mmap {mmap} --threads 4 --chunk-size {cs}"),
                &[
                    &"--mmap",
                    &mmap,
                    &"--threads",
                    &"4",
                    &"--chunk-size",
                    &cs,
                    &plain,
                ],
                None,
            ));
        }
    }
    // A chunk smaller than the format sample and a 1-thread pool, through gzip.
    v.push(case(
        "gzip --threads 1 --chunk-size 64",
        &[&"--threads", &"1", &"--chunk-size", &"64", &gz],
        None,
    ));
    v
}

/// Runs every case of one file; returns the failures.
fn check_file(src: &Path, tmp: &Path, id: usize, zstd_ok: bool) -> Vec<String> {
    let mut failures = Vec::new();
    let cases = cases(src, tmp, id, zstd_ok);
    let mut reference: Option<(Value, Option<i32>)> = None;
    for c in &cases {
        let (out, v) = match std::panic::catch_unwind(|| triage(&c.args, c.stdin.as_deref())) {
            Ok(r) => r,
            Err(e) => {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| "panic".into());
                failures.push(format!("{} [{}]: {msg}", src.display(), c.label));
                continue;
            }
        };
        let ctx = format!("{} [{}]", src.display(), c.label);
        if let Some(sig) = std::os::unix::process::ExitStatusExt::signal(&out.status) {
            failures.push(format!("{ctx}: killed by signal {sig}"));
            continue;
        }
        if let Err(e) = std::panic::catch_unwind(|| assert_identity(&v, &ctx)) {
            failures.push(
                e.downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| format!("{ctx}: identity")),
            );
        }
        let names: Vec<String> = c
            .args
            .iter()
            .filter(|a| !a.to_string_lossy().starts_with("--") && a.to_str().is_some())
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let norm = normalize(v, &names);
        match &reference {
            None => reference = Some((norm, out.code())),
            Some((want, code)) => {
                if *code != out.code() {
                    failures.push(format!(
                        "{ctx}: exit code {:?}, reference {:?}; stderr: {}",
                        out.code(),
                        code,
                        out.stderr_text()
                    ));
                }
                if let Err(e) = std::panic::catch_unwind(|| common::assert_same(want, &norm, &ctx))
                {
                    failures.push(
                        e.downcast_ref::<String>()
                            .cloned()
                            .unwrap_or_else(|| format!("{ctx}: differs")),
                    );
                }
            }
        }
    }
    failures
}

/// Checks `files` on a few worker threads and fails with every difference found.
fn check_all(files: &[PathBuf]) {
    let zstd_ok = common::have_tool("zstd");
    if !zstd_ok {
        common::skip("zstd not installed: the zstd reading path is not checked");
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(f) = files.get(i) else { break };
                let f = check_file(f, tmp.path(), i, zstd_ok);
                failures.lock().unwrap_or_else(|e| e.into_inner()).extend(f);
            });
        }
    });
    let failures = failures.into_inner().unwrap_or_else(|e| e.into_inner());
    assert!(
        failures.is_empty(),
        "{} failure(s) over {} file(s):\n\n{}",
        failures.len(),
        files.len(),
        failures
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn every_fixture_reads_the_same_every_way() {
    let files = common::fixtures();
    assert!(
        files.len() >= 15,
        "fixtures missing under testdata/fixtures"
    );
    check_all(&files);
}

#[test]
fn every_real_log_reads_the_same_every_way() {
    let files = common::real_logs();
    if files.is_empty() {
        common::skip("no real logs under testdata/access or testdata/error");
        return;
    }
    eprintln!("checking {} real logs", files.len());
    check_all(&files);
}

/// The fixtures' counts, worked out from their contents (see the README there),
/// so that "identical every way" cannot mean "identically wrong".
#[test]
fn fixture_counts_are_pinned() {
    // name, format, lines, parsed, malformed, overlong, empty, ambiguous, NUL bytes, distinct clients
    #[rustfmt::skip]
    let want: &[(&str, &str, [u64; 8])] = &[
        ("apache24-error.log", "apache_error", [6, 6, 0, 0, 0, 0, 0, 5]),
        ("binary-garbage.log", "combined", [10, 4, 6, 0, 0, 0, 1, 2]),
        ("crlf.log", "combined", [10, 10, 0, 0, 0, 0, 0, 3]),
        ("dash-bytes.log", "combined", [5, 5, 0, 0, 0, 0, 0, 3]),
        ("empty.log", "none", [0, 0, 0, 0, 0, 0, 0, 0]),
        ("errlog-probes-access.log", "combined", [14, 14, 0, 0, 0, 0, 0, 5]),
        ("errlog-probes-error.log", "apache_error", [22, 22, 0, 0, 0, 0, 0, 8]),
        ("errlog-probes-nginx.log", "nginx_error", [5, 5, 0, 0, 0, 0, 0, 2]),
        ("escaped-quotes.log", "combined", [6, 6, 0, 0, 0, 0, 0, 3]),
        ("invalid-utf8-ua.log", "combined", [8, 8, 0, 0, 0, 0, 0, 5]),
        ("ipv6-clients.log", "combined", [11, 11, 0, 0, 0, 0, 0, 6]),
        ("line-300k.log", "combined", [11, 11, 0, 0, 0, 0, 0, 11]),
        ("long-line-5000.log", "combined", [3, 3, 0, 0, 0, 0, 0, 2]),
        ("mixed-crlf.log", "combined", [14, 12, 0, 0, 2, 0, 0, 4]),
        ("newline-only.log", "none", [1, 0, 0, 0, 1, 0, 0, 0]),
        ("nginx-error-ambiguous.log", "nginx_error", [3, 2, 0, 0, 0, 1, 0, 1]),
        ("nginx-error.log", "nginx_error", [5, 5, 0, 0, 0, 0, 0, 3]),
        ("nginx-hex-escapes.log", "combined", [5, 5, 0, 0, 0, 0, 0, 3]),
        ("no-final-newline.log", "combined", [2, 2, 0, 0, 0, 0, 0, 2]),
        ("nul-hole.log", "combined", [30, 30, 0, 0, 0, 0, 66536, 4]),
        ("syslog-journal-short.log", "combined (syslog rfc3164)", [8, 7, 1, 0, 0, 0, 0, 3]),
        ("syslog-rfc3164.log", "combined (syslog rfc3164)", [10, 9, 1, 0, 0, 0, 0, 3]),
        ("syslog-rfc5424.log", "combined (syslog rfc5424)", [8, 7, 1, 0, 0, 0, 0, 3]),
        ("syslog-short-iso.log", "combined (syslog iso)", [8, 7, 1, 0, 0, 0, 0, 3]),
    ];
    let dir = common::root().join("testdata/fixtures");
    let mut bad = Vec::new();
    for (name, format, counts) in want {
        let (out, v) = triage(&[dir.join(name)], None);
        assert_eq!(out.code(), Some(0), "{name}: {}", out.stderr_text());
        let keys = [
            "lines",
            "parsed",
            "malformed",
            "overlong",
            "empty",
            "ambiguous",
            "nul_bytes_skipped",
            "distinct_clients",
        ];
        let got: Vec<u64> = keys.iter().map(|k| summary(&v, k)).collect();
        let fmt = v["summary"]["formats"][0].as_str().unwrap_or("");
        if got != counts || fmt != *format {
            bad.push(format!(
                "{name}: want {format} {counts:?}, got {fmt} {got:?} ({})",
                keys.join(", ")
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// The clients each fixture names, canonical: spellings of one address merge.
#[test]
fn fixture_clients_are_canonical() {
    let dir = common::root().join("testdata/fixtures");
    // The (name, count) rows of the JSON list `list`.
    let rows = |v: &Value, list: &str, name: &str, count: &str| -> Vec<(String, u64)> {
        v[list]
            .as_array()
            .expect(list)
            .iter()
            .map(|c| {
                let n = c[name].as_str().unwrap_or("").to_string();
                (n, c[count].as_u64().unwrap_or(0))
            })
            .collect()
    };
    let clients = |name: &str| {
        let (_, v) = triage(&[dir.join(name)], None);
        rows(&v, "top_clients", "client", "requests")
    };
    let got = clients("ipv6-clients.log");
    let want: Vec<(String, u64)> = [
        ("1.2.3.4", 3),
        ("2001:db8::1", 3),
        ("2001:db8:abcd::ffff", 2),
        ("127.0.0.1", 1),
        ("::1", 1),
        ("fe80::1", 1),
    ]
    .iter()
    .map(|(c, n)| (c.to_string(), *n))
    .collect();
    assert_eq!(got, want);
    // An error-log line is not a request: error-log clients are counted by
    // `alf top --by ip`, by line.
    let clients = |name: &str| {
        let args = ["top", "--by", "ip", "-n", "0", "-o", "json"];
        let mut all: Vec<OsString> = args.iter().map(OsString::from).collect();
        all.push(dir.join(name).into());
        let v = common::run_alf(&all, None).json("alf top");
        rows(&v, "top", "key", "count")
    };
    let got = clients("apache24-error.log");
    let names: Vec<&str> = got.iter().map(|(c, _)| c.as_str()).collect();
    assert!(names.contains(&"2001:db8::7"), "{names:?}");
    assert!(
        !names.contains(&"198.51.100.9"),
        "message text attributed: {names:?}"
    );
    let got = clients("nginx-error-ambiguous.log");
    assert_eq!(got, vec![("203.0.113.7".to_string(), 2)]);
    let got = clients("nginx-error.log");
    let names: Vec<&str> = got.iter().map(|(c, _)| c.as_str()).collect();
    assert!(
        !names.contains(&"1.2.3.4"),
        "Host header attributed: {names:?}"
    );
}

/// Consecutive compressed inputs are read side by side (one per thread): the
/// report is the one their plain files give, and the one a single thread
/// gives reading them one after another, a cut member among them included.
#[test]
fn a_compressed_set_reads_as_its_plain_files() {
    let logs: Vec<PathBuf> = common::real_logs()
        .into_iter()
        .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.len() > 0))
        .take(5)
        .collect();
    if logs.len() < 3 {
        common::skip("fewer than three real logs under testdata/access or testdata/error");
        return;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let (mut plain, mut packed) = (Vec::new(), Vec::new());
    for (i, p) in logs.iter().enumerate() {
        let data = std::fs::read(p).expect("read log");
        let (a, b) = (
            tmp.path().join(format!("{i}.log")),
            tmp.path().join(format!("{i}.log.gz")),
        );
        std::fs::write(&a, &data).expect("write");
        std::fs::write(&b, common::gzip(&data)).expect("write");
        plain.push(a);
        packed.push(b);
    }
    let names: Vec<String> = plain
        .iter()
        .chain(&packed)
        .map(|p| p.display().to_string())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let report = |files: &[PathBuf], threads: &str| {
        let mut args: Vec<OsString> = vec!["-j".into(), threads.into()];
        args.extend(files.iter().map(|p| p.clone().into_os_string()));
        let (_, v) = triage(&args, None);
        assert_identity(&v, "compressed set");
        normalize(v, &names)
    };
    let want = report(&plain, "2");
    common::assert_same(&want, &report(&packed, "2"), "gzip set, two threads");
    common::assert_same(&want, &report(&packed, "1"), "gzip set, one thread");

    // A member cut short in the middle of the set: what it held before the
    // cut counts, and is reported against it, however the set is read.
    let cut = tmp.path().join("cut.log.gz");
    let whole = std::fs::read(&packed[1]).expect("read");
    std::fs::write(&cut, &whole[..whole.len() * 2 / 3]).expect("write");
    let mut with_cut = packed.clone();
    with_cut.insert(2, cut);
    let one = report(&with_cut, "1");
    common::assert_same(&one, &report(&with_cut, "2"), "gzip set with a cut member");
}

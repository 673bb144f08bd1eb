//! Files that change while alf reads them, and stops asked for while it
//! reads (`hardening.md` cases 25–28, issue 17 items 5 and 7): rotation by
//! copytruncate and by rename, rewrites in place, appends, Ctrl-C and
//! SIGTERM. alf must never die by a signal, never count a line twice, and
//! count either a view of the file that existed at one moment or say that
//! it could not ("changed during read", exit 7).

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A combined line whose path names its generation and index.
fn line(generation: char, i: usize) -> String {
    format!(
        "203.0.113.{} - - [10/Oct/2000:13:55:36 -0700] \"GET /{generation}/{i} HTTP/1.1\" 200 {} \"-\" \"live\"\n",
        i % 200,
        i % 9000
    )
}

fn lines(generation: char, from: usize, to: usize) -> String {
    (from..to).map(|i| line(generation, i)).collect()
}

/// Lines written per append while a log is "live".
const BATCH: usize = 50;

/// `alf top --by path -n 0` as JSON, in small chunks so that a read of a
/// small file still spans many chunks.
fn spawn_alf(path: &Path) -> std::process::Child {
    Command::new(common::alf_bin())
        .args(["top", "--by", "path", "-n", "0", "-o", "json"])
        .args(["--chunk-size", "16384", "-j", "2", "--format", "combined"])
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn alf")
}

/// The indices counted for each generation; panics on a path counted twice.
fn counted(out: &Output, ctx: &str) -> BTreeMap<char, Vec<usize>> {
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{ctx}: not JSON: {e}; {}", stderr(out)));
    let mut by: BTreeMap<char, Vec<usize>> = BTreeMap::new();
    for row in v["top"].as_array().expect("top rows") {
        let key = row["key"].as_str().expect("key");
        assert_eq!(row["count"], 1, "{ctx}: {key} counted twice");
        let (generation, i) = key[1..].split_once('/').expect("/g/i");
        by.entry(generation.chars().next().expect("generation"))
            .or_default()
            .push(i.parse().expect("index"));
    }
    for v in by.values_mut() {
        v.sort_unstable();
    }
    by
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `0..n` exactly.
fn is_prefix(v: &[usize]) -> bool {
    v.iter().enumerate().all(|(k, &i)| k == i)
}

/// What one run said happened, for the tally.
fn said(err: &str) -> &'static str {
    if err.contains("changed during read (rewritten in place, and again") {
        "changed"
    } else if err.contains("changed during read") {
        "rewritten, read again"
    } else if err.contains("shrank during read") {
        "shrank, read again"
    } else if err.contains("renamed or replaced") {
        "replaced"
    } else if err.contains("grew during read") {
        "grew"
    } else {
        "nothing"
    }
}

/// A tiny deterministic generator, for the delays.
fn next(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *seed >> 33
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Rotation {
    /// logrotate `copytruncate`: the log is copied aside, cut to 0, and the
    /// writer (`O_APPEND`) goes on at the start.
    CopyTruncate,
    /// logrotate `create`: the log is renamed aside and a new one made under
    /// its name; the writer appends to the old file a little longer, then
    /// reopens.
    Rename,
}

/// Rotates a live log under alf, `runs` times, and checks each report.
fn rotate_under_alf(mode: Rotation, runs: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("access.log");
    let before = 4000;
    let old = lines('a', 0, before);
    // How long one read takes here, to spread the rotations over it.
    fs::write(&log, &old).expect("write");
    let t0 = Instant::now();
    let out = spawn_alf(&log).wait_with_output().expect("alf");
    let read_time = t0.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(counted(&out, "whole")[&'a'].len(), before);

    let mut seed = 17 + mode as u64;
    let mut tally: BTreeMap<&str, usize> = BTreeMap::new();
    for run in 0..runs {
        let _ = fs::remove_file(dir.path().join("access.log.1"));
        fs::write(&log, &old).expect("write");
        let child = spawn_alf(&log);
        let delay = read_time.mul_f64(next(&mut seed) as f64 / (1u64 << 31) as f64 * 1.5);
        std::thread::sleep(delay);
        // The rotation, then the writer's new lines in batches.
        let mut extra_old = 0;
        let mut new = 0;
        match mode {
            Rotation::CopyTruncate => {
                fs::copy(&log, dir.path().join("access.log.1")).expect("copy");
                fs::OpenOptions::new()
                    .write(true)
                    .open(&log)
                    .and_then(|f| f.set_len(0))
                    .expect("truncate");
            }
            Rotation::Rename => {
                fs::rename(&log, dir.path().join("access.log.1")).expect("rename");
                let mut f = fs::OpenOptions::new()
                    .append(true)
                    .open(dir.path().join("access.log.1"))
                    .expect("open old");
                f.write_all(lines('a', before, before + BATCH).as_bytes())
                    .expect("append old");
                extra_old = BATCH;
                fs::write(&log, "").expect("create");
            }
        }
        let mut w = fs::OpenOptions::new()
            .append(true)
            .open(&log)
            .expect("open for append");
        while new < 40 * BATCH {
            w.write_all(lines('b', new, new + BATCH).as_bytes())
                .expect("append");
            new += BATCH;
            std::thread::sleep(Duration::from_micros(300));
        }
        let out = child.wait_with_output().expect("alf");
        let ctx = format!("{mode:?} run {run} after {delay:?}");
        let err = stderr(&out);
        assert_eq!(
            out.status.signal(),
            None,
            "{ctx}: killed by a signal; {err}"
        );
        let code = out.status.code();
        let by = counted(&out, &ctx);
        let (a, b) = (
            by.get(&'a').cloned().unwrap_or_default(),
            by.get(&'b').cloned().unwrap_or_default(),
        );
        assert!(
            a.len() + b.len() <= before + extra_old + new,
            "{ctx}: more lines than were ever written"
        );
        if code == Some(3) && mode == Rotation::Rename {
            // Opened between the rename and the new file: nothing to read.
            assert!(err.contains("No such file"), "{ctx}: {err}");
            *tally.entry("opened between rename and create").or_default() += 1;
            continue;
        }
        *tally.entry(said(&err)).or_default() += 1;
        if code == Some(7) {
            assert!(
                err.contains("changed during read"),
                "{ctx}: exit 7 unsaid: {err}"
            );
            continue;
        }
        assert_eq!(code, Some(0), "{ctx}: {err}");
        // A view that existed: the old file (to its size when opened, or
        // more), or the new one's first lines; never a mix.
        let old_view = b.is_empty() && is_prefix(&a) && a.len() >= before;
        let new_view = a.is_empty() && is_prefix(&b);
        assert!(
            old_view || new_view,
            "{ctx}: not one file at one moment: {} old lines (prefix: {}), {} new (prefix: {}); {err}",
            a.len(),
            is_prefix(&a),
            b.len(),
            is_prefix(&b)
        );
    }
    eprintln!("{mode:?}: {runs} runs, read time {read_time:?}; the reports said: {tally:?}");
}

#[test]
fn copytruncate_under_alf_is_never_a_mix() {
    rotate_under_alf(Rotation::CopyTruncate, 100);
}

#[test]
fn rename_rotation_under_alf_is_never_a_mix() {
    rotate_under_alf(Rotation::Rename, 100);
}

/// A log rewritten in place (same size, other bytes) while alf maps it is
/// read again as it now is, or reported as changed: never silently mixed.
#[test]
fn rewrite_in_place_is_read_again_or_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("access.log");
    let n = 60_000;
    let old = lines('a', 0, n);
    let new = old.replace("/a/", "/b/");
    assert_eq!(old.len(), new.len());
    fs::write(&log, &old).expect("write");
    let t0 = Instant::now();
    let out = spawn_alf(&log).wait_with_output().expect("alf");
    let read_time = t0.elapsed();
    assert_eq!(out.status.code(), Some(0));
    let mut said_changed = 0;
    for run in 0..8 {
        fs::write(&log, &old).expect("write");
        let child = spawn_alf(&log);
        std::thread::sleep(read_time.mul_f64(run as f64 / 8.0));
        // In place: no truncation, the same size.
        let f = fs::OpenOptions::new().write(true).open(&log).expect("open");
        std::os::unix::fs::FileExt::write_all_at(&f, new.as_bytes(), 0).expect("rewrite");
        let out = child.wait_with_output().expect("alf");
        let ctx = format!("run {run}");
        let err = stderr(&out);
        assert_eq!(out.status.signal(), None, "{ctx}: {err}");
        let by = counted(&out, &ctx);
        let (a, b) = (
            by.get(&'a').map_or(0, Vec::len),
            by.get(&'b').map_or(0, Vec::len),
        );
        if err.contains("changed during read") {
            said_changed += 1;
        }
        match out.status.code() {
            Some(0) => assert!(
                (a == n && b == 0) || (a == 0 && b == n),
                "{ctx}: {a} old and {b} new lines without a word; {err}"
            ),
            Some(7) => assert!(err.contains("changed during read"), "{ctx}: {err}"),
            c => panic!("{ctx}: exit {c:?}: {err}"),
        }
    }
    eprintln!("8 rewrites in place: {said_changed} reported as changed during read");
}

/// Ctrl-C or SIGTERM mid-read: the report of what was read, marked as
/// interrupted, exit 130, promptly; the counts are of whole lines read,
/// each once.
#[test]
fn a_stop_mid_read_reports_what_was_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("access.log");
    let n = 1_000_000;
    fs::write(&log, lines('a', 0, n)).expect("write");
    for (sig, name) in [(libc::SIGINT, "SIGINT"), (libc::SIGTERM, "SIGTERM")] {
        for way in ["mmap", "stdin"] {
            let mut cmd = Command::new(common::alf_bin());
            cmd.args(["triage", "-o", "json", "--chunk-size", "65536"]);
            if way == "mmap" {
                cmd.arg(&log).stdin(Stdio::null());
            } else {
                cmd.arg("-").stdin(fs::File::open(&log).expect("open"));
            }
            let child = cmd
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn");
            std::thread::sleep(Duration::from_millis(150));
            let asked = Instant::now();
            // SAFETY: kill(2) on the child's pid, which has not been reaped.
            unsafe { libc::kill(child.id() as libc::pid_t, sig) };
            let out = child.wait_with_output().expect("alf");
            let took = asked.elapsed();
            let ctx = format!("{name} while reading by {way}");
            let err = stderr(&out);
            if out.status.code() == Some(0) {
                // Done before the signal came: nothing to check.
                eprintln!("{ctx}: finished first");
                continue;
            }
            assert_eq!(out.status.code(), Some(130), "{ctx}: {err}");
            assert!(err.contains("interrupted"), "{ctx}: {err}");
            assert!(
                took < Duration::from_secs(5),
                "{ctx}: took {took:?} to stop"
            );
            let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
            assert_eq!(v["summary"]["interrupted"], true, "{ctx}");
            common::assert_identity(&v, &ctx);
            let lines = common::summary(&v, "lines");
            assert!(lines < n as u64, "{ctx}: {lines} lines: not stopped");
            assert_eq!(common::summary(&v, "parsed"), lines, "{ctx}");
            eprintln!("{ctx}: stopped after {lines} lines, {took:?} after the signal");
        }
    }
}

/// `alf export` writes each row as it reads it, so a file that changes
/// under it is never read again: a rewrite in place or a cut mid-export
/// gives exit 7 and every row at most once, never a row twice; a run that
/// saw no change gives exactly one version of the file.
#[test]
fn an_export_never_writes_a_row_twice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("access.log");
    let n = 60_000;
    let old = lines('a', 0, n);
    let new = old.replace("/a/", "/b/");
    let export = |path: &Path| {
        Command::new(common::alf_bin())
            .args(["export", "--host", "h", "--chunk-size", "16384", "-j", "2"])
            .args(["--format", "combined"])
            .arg(path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn alf")
    };
    fs::write(&log, &old).expect("write");
    let t0 = Instant::now();
    let out = export(&log).wait_with_output().expect("alf");
    let read_time = t0.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut changed = 0;
    for run in 0..16 {
        fs::write(&log, &old).expect("write");
        let child = export(&log);
        std::thread::sleep(read_time.mul_f64((run % 8) as f64 / 8.0));
        if run < 8 {
            let f = fs::OpenOptions::new().write(true).open(&log).expect("open");
            std::os::unix::fs::FileExt::write_all_at(&f, new.as_bytes(), 0).expect("rewrite");
        } else {
            // copytruncate's cut, then new lines where the old ones were.
            let mut f = fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(&log)
                .expect("open");
            f.write_all(lines('b', 0, 100).as_bytes()).expect("refill");
        }
        let out = child.wait_with_output().expect("alf");
        let ctx = format!("run {run}");
        let err = stderr(&out);
        assert_eq!(out.status.signal(), None, "{ctx}: {err}");
        let mut seen: BTreeMap<(char, usize), u64> = BTreeMap::new();
        // Rows of a line cut by the change (a mixed read only).
        let mut odd = 0;
        let mut line_numbers = Vec::new();
        for row in out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let v: Value = serde_json::from_slice(row).expect("JSON row");
            let path = v["path"].as_str().expect("path");
            let key = path[1..].split_once('/').and_then(|(g, i)| {
                Some((g.chars().next().filter(|_| g.len() == 1)?, i.parse().ok()?))
            });
            match key {
                Some(key) => *seen.entry(key).or_default() += 1,
                None => odd += 1,
            }
            let line = v["line"].as_u64().expect("line");
            assert!(line >= 1, "{ctx}");
            line_numbers.push(line);
        }
        assert!(
            seen.values().all(|&c| c == 1),
            "{ctx}: a row written twice; {err}"
        );
        let rows = line_numbers.len();
        line_numbers.sort_unstable();
        line_numbers.dedup();
        assert_eq!(line_numbers.len(), rows, "{ctx}: a line number twice");
        match out.status.code() {
            Some(0) => {
                let a = seen.keys().filter(|k| k.0 == 'a').count();
                let b = seen.keys().filter(|k| k.0 == 'b').count();
                // Cut before alf opened it: empty, and said so.
                let empty = a + b == 0 && err.contains("no line to read");
                assert!(
                    odd == 0 && ((a == n && b == 0) || (a == 0 && (b == n || b == 100)) || empty),
                    "{ctx}: {a} old, {b} new and {odd} cut rows without a word; {err}"
                );
            }
            Some(7) => {
                changed += 1;
                assert!(err.contains("changed during read"), "{ctx}: {err}");
            }
            c => panic!("{ctx}: exit {c:?}: {err}"),
        }
    }
    eprintln!("16 changes under an export: {changed} reported as changed during read");
}

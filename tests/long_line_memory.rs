//! Hardening case 33 in memory: a line far over the cap, or a long run of
//! NUL bytes, in a mapped file is never resident all at once. Its own test
//! binary, so that the peak the kernel reports for this process's children
//! is that of the runs below alone.

#[path = "common/paths.rs"]
mod paths;

use std::io::{Seek, SeekFrom, Write};

use paths::{summary, triage};

/// The line and the NUL run: far more than the peak allowed.
const LONG: u64 = 256 << 20;
/// Peak resident memory allowed: the line cap (4 MiB), a chunk per thread
/// (8 MiB) and the process itself, with room to spare.
const PEAK_KIB: i64 = 96 << 10;

/// The largest resident size of any child waited for so far, in KiB.
fn children_peak_kib() -> i64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) }, 0);
    u.ru_maxrss
}

#[test]
fn a_long_line_or_nul_run_in_a_map_stays_out_of_memory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line =
        b"203.0.113.7 - - [24/Dec/2020:18:58:33 +0900] \"GET / HTTP/1.1\" 200 5 \"-\" \"ua\"\n";
    let lines = line.repeat(100);

    // 100 lines, a line of LONG bytes, 100 lines.
    let long = dir.path().join("long-line.log");
    let mut f = std::fs::File::create(&long).unwrap();
    f.write_all(&lines).unwrap();
    let block = vec![b'A'; 1 << 20];
    for _ in 0..LONG >> 20 {
        f.write_all(&block).unwrap();
    }
    f.write_all(b"\n").unwrap();
    f.write_all(&lines).unwrap();
    drop(f);

    // 100 lines, then a hole of LONG NUL bytes (as `copytruncate` leaves)
    // that leads the next 100 lines' first.
    let hole = dir.path().join("nul-run.log");
    let mut f = std::fs::File::create(&hole).unwrap();
    f.write_all(&lines).unwrap();
    f.seek(SeekFrom::Current(LONG as i64)).unwrap();
    f.write_all(&lines).unwrap();
    drop(f);

    let before = children_peak_kib();
    let (out, v) = triage(&["--format", "combined", long.to_str().unwrap()], None);
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    assert_eq!(v["inputs"][0]["read"], "mmap");
    assert_eq!(summary(&v, "parsed"), 200);
    assert_eq!(summary(&v, "overlong"), 1);
    assert_eq!(summary(&v, "lines"), 201);

    let (out, v) = triage(&["--format", "combined", hole.to_str().unwrap()], None);
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    assert_eq!(v["inputs"][0]["read"], "mmap");
    assert_eq!(summary(&v, "parsed"), 200);
    assert_eq!(summary(&v, "nul_bytes_skipped"), LONG);
    assert_eq!(summary(&v, "lines"), 200);

    let peak = children_peak_kib();
    assert!(before < PEAK_KIB, "an earlier child peaked at {before} KiB");
    assert!(
        peak < PEAK_KIB,
        "peak {peak} KiB with a {LONG}-byte line or NUL run (allowed {PEAK_KIB} KiB)"
    );
    eprintln!("peak resident: {peak} KiB");
}

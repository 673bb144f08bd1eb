//! Peak memory of a stream whose lines are near the line cap: the blocks its
//! reader queues for the scanners are bounded in bytes, not only in number
//! (each such block holds a line cap's worth). Its own test binary, so that
//! the peak the kernel reports for this process's children is this run's.

mod common;

use std::io::Write;

use common::{children_peak_kib, run_alf, summary};

/// Lines of this many bytes, under the 4 MiB line cap.
const LINE: usize = 3_500_000;
const LINES: usize = 32;
/// The reader may queue 16 MiB, the two scanners hold a block each, and the
/// process itself: bounded by blocks alone, the queue took 95 MiB.
const PEAK_KIB: i64 = 64 << 10;

#[test]
fn a_stream_of_long_lines_queues_bytes_not_blocks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("long-lines.log");
    // Written line by line: this process's size counts in its children's
    // peak (they start as its copies).
    let mut f = std::io::BufWriter::new(std::fs::File::create(&log).unwrap());
    let target = "a".repeat(LINE);
    for i in 0..LINES {
        writeln!(
            f,
            "203.0.113.{} - - [24/Dec/2020:18:58:33 +0900] \"GET /{target} HTTP/1.1\" 200 5 \"-\" \"ua\"",
            i % 200 + 1
        )
        .unwrap();
    }
    drop(f);
    drop(target);
    let args = ["triage", "-o", "json", "-j", "2", "-f", "combined"];
    let out = run_alf(
        &[&args[..], &["--mmap", "never", log.to_str().unwrap()]].concat(),
        None,
    );
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    let v = out.json("alf");
    assert_eq!(v["inputs"][0]["read"], "stream");
    assert_eq!(summary(&v, "parsed"), LINES as u64);
    let peak = children_peak_kib();
    assert!(
        peak < PEAK_KIB,
        "peak {peak} KiB streaming {LINES} lines of {LINE} bytes (allowed {PEAK_KIB} KiB)"
    );
    eprintln!("peak resident streaming {LINES} lines of {LINE} bytes: {peak} KiB");
}

//! Peak memory, as the kernel reports it for this process's children: a
//! line far over the cap, or a long run of NUL bytes, in a mapped file is
//! never resident all at once (hardening case 33); distinct clients past
//! `--max-clients` do not grow the tables (case 48). Its own test binary,
//! with one test, so that the peak is that of the runs below alone, in order.

mod common;

use std::io::{Seek, SeekFrom, Write};

use common::{children_peak_kib, run_alf, summary, triage};

/// The line and the NUL run: far more than the peak allowed.
const LONG: u64 = 256 << 20;
/// Peak resident memory allowed: the line cap (4 MiB), a chunk per thread
/// (8 MiB) and the process itself, with room to spare.
const PEAK_KIB: i64 = 96 << 10;

#[test]
fn memory_is_bounded() {
    // First: a child starts as a copy of this process, whose size the
    // later cases grow.
    export_streams();
    a_long_line_or_nul_run_in_a_map_stays_out_of_memory();
    distinct_clients_past_the_cap_keep_to_it();
}

/// `alf export` of 1.5 million lines (165 MB, 650 MB of rows), from a map
/// and as a stream, holds only a window of chunks and their rows.
fn export_streams() {
    const LINES: usize = 1_500_000;
    const PEAK_KIB: i64 = 96 << 10;
    let dir = tempfile::tempdir().expect("temp dir");
    let log = dir.path().join("big.log");
    // Written in parts: this process's own size counts in its children's
    // peak (they start as its copies).
    let mut f = std::io::BufWriter::new(std::fs::File::create(&log).unwrap());
    for part in 0..LINES / 100_000 {
        f.write_all(&common::combined_lines(100_000, part as u64))
            .unwrap();
    }
    drop(f);
    for stdin in [false, true] {
        let mut cmd = std::process::Command::new(common::alf_bin());
        cmd.args(["export", "-j", "2"]).env("ALF_GEOIP", "none");
        if stdin {
            cmd.arg("-").stdin(std::fs::File::open(&log).unwrap());
        } else {
            cmd.arg(&log).stdin(std::process::Stdio::null());
        }
        let mut child = cmd
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("spawn alf");
        let mut out = child.stdout.take().unwrap();
        let mut buf = vec![0u8; 1 << 16];
        let mut rows = 0;
        loop {
            let n = std::io::Read::read(&mut out, &mut buf).expect("read rows");
            if n == 0 {
                break;
            }
            rows += buf[..n].iter().filter(|&&b| b == b'\n').count();
        }
        assert!(child.wait().expect("wait").success());
        assert_eq!(rows, LINES, "rows (stdin: {stdin})");
    }
    let peak = children_peak_kib();
    assert!(peak < PEAK_KIB, "peak {peak} KiB exporting {LINES} lines");
    eprintln!("peak resident exporting {LINES} lines: {peak} KiB");
}

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

/// 400,000 distinct clients, each with one probe answered 404 (so each is an
/// offender, a 404 client and a driver of its minute), under a cap of 20,000.
fn distinct_clients_past_the_cap_keep_to_it() {
    const CAP: i64 = 20_000;
    // The documented bound: about 1 KB a client a thread with the classes
    // on; twice that, for two threads, above the process itself.
    const BASE_KIB: i64 = 32 << 10;
    let allowed = BASE_KIB + 2 * CAP * 2;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut data = Vec::new();
    for i in 0..400_000u32 {
        let ip = common::public_v4(i);
        writeln!(
            data,
            "{ip} - - [24/Dec/2020:18:{:02}:33 +0900] \"GET /.env HTTP/1.1\" 404 5 \"-\" \"ua\"",
            i % 60
        )
        .unwrap();
    }
    let log = dir.path().join("scattered.log");
    std::fs::write(&log, &data).unwrap();
    let cap = CAP.to_string();
    // The default report (the ten first rows of each table): a report of
    // every row takes memory by the row, which is what was asked for.
    let args = ["triage", "-o", "json", "-j", "2", "--max-clients", &cap];
    let out = run_alf(&[&args[..], &[log.to_str().unwrap()]].concat(), None);
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    let v = out.json("alf");
    assert_eq!(summary(&v, "parsed"), 400_000);
    assert_eq!(v["classes"][0]["id"], "exploit");
    assert_eq!(
        v["classes"][0]["count"], 400_000,
        "every probe counted once"
    );
    assert!(out.stderr_text().contains("distinct offending clients"));
    let peak = children_peak_kib();
    assert!(
        peak < allowed,
        "peak {peak} KiB for 400,000 clients under a cap of {CAP} (allowed {allowed} KiB)"
    );
    eprintln!("peak resident with 400,000 clients capped at {CAP}: {peak} KiB");
}

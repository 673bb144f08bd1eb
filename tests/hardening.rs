//! Input and I/O faults from `hardening.md` (cases 25–47 that alf's reading
//! layer covers): files truncated while mapped, truncated and corrupt gzip,
//! multi-member gzip, misleading names, empty inputs, FIFOs, directories and
//! missing files, NUL holes, overlong lines, hostile bytes in the output,
//! unrecognised input, CRLF, and a property test of the scan core's
//! chunk/thread invariance.

mod common;
#[path = "common/rule_files.rs"]
mod rule_files;

use std::fs;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::Value;

use alf::aggregate::{Agg, MAX_CLIENTS};
use alf::findings::rank;
use alf::format::{self, Format};
use alf::input::{self, InputSpec, MmapPolicy, Source};
use alf::scan::{scan_slice, scan_stream, split_final, Reading, ScanOpts};

use common::{
    assert_identity, combined_lines, normalize, physical_lines, run_alf, summary, triage,
};

/// A way of reading: its label, the arguments, and what goes on stdin.
type Way<'a> = (&'a str, Vec<String>, Option<&'a [u8]>);

fn write(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, data).expect("write test input");
    p
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn input0<'a>(v: &'a Value, k: &str) -> &'a Value {
    &v["inputs"][0][k]
}

fn complete_lines(data: &[u8]) -> u64 {
    data.iter().filter(|&&b| b == b'\n').count() as u64
}

// ------------------------------------------------------------ 25. truncation

/// A 200 MB file, truncated from this process while `alf` scans it mapped, at
/// several delays and to several sizes. alf must never die by a signal, and
/// its report must be either the whole file, or the truncated file — with a
/// "shrank" warning whenever the truncation happened after it opened the file.
#[test]
fn truncation_while_mapped_never_kills_alf() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = combined_lines(2_200_000, 25);
    let full = physical_lines(&data);
    let len = data.len() as u64;
    assert!(len > 190_000_000, "{len}");

    // How long a whole scan takes here, to spread the truncations over it.
    let p = write(dir.path(), "whole.log", &data);
    let t0 = Instant::now();
    let (out, v) = triage(&["--mmap", "auto", s(&p).as_str()], None);
    let scan_time = t0.elapsed();
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    assert_eq!(summary(&v, "lines"), full);
    assert_eq!(input0(&v, "read"), "mmap");
    fs::remove_file(&p).expect("remove");

    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
    let in_last_page = (len - 1) / page * page + 1;
    let cuts = [
        0,
        len / 2 + 17,
        len / 3,
        in_last_page,
        4096 * 10 + 5,
        len - 3_000_000,
        in_last_page,
        0,
    ];
    let fractions = [0.05, 0.15, 0.3, 0.4, 0.5, 0.6, 0.8, 0.95];
    let mut shrank_runs = 0;
    for (run, (&cut, &frac)) in cuts.iter().zip(&fractions).enumerate() {
        let p = write(dir.path(), &format!("run{run}.log"), &data);
        let child = Command::new(common::alf_bin())
            .args(["triage", "--output", "json", "-n", "3", "--mmap", "auto"])
            .arg(&p)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn alf");
        std::thread::sleep(scan_time.mul_f64(frac));
        fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .and_then(|f| f.set_len(cut))
            .expect("truncate");
        let out = child.wait_with_output().expect("wait for alf");
        let ctx = format!(
            "run {run}: cut to {cut} after {:.0}% of a scan",
            frac * 100.0
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.signal(),
            None,
            "{ctx}: alf killed by a signal (core dumped: {}); stderr: {stderr}",
            out.status.core_dumped()
        );
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{ctx}: exit {:?}; stderr: {stderr}",
            out.status.code()
        );
        let v: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{ctx}: output is not JSON: {e}; stderr: {stderr}"));
        assert_identity(&v, &ctx);
        let lines = summary(&v, "lines");
        let warned = stderr.contains("shrank")
            || v["warnings"].as_array().is_some_and(|w| {
                w.iter()
                    .any(|w| w.as_str().unwrap_or("").contains("shrank"))
            });
        let read = input0(&v, "read").as_str().unwrap_or("");
        let bytes_read = input0(&v, "bytes_read").as_u64().unwrap_or(u64::MAX);
        let prefix = physical_lines(&data[..cut as usize]);
        if warned {
            shrank_runs += 1;
            assert_eq!(
                lines, prefix,
                "{ctx}: after 'shrank' the file is read again to its new end"
            );
        } else {
            // Either scanned whole before the cut, or opened after it (then
            // everything it says is about the cut file).
            let whole = lines == full && bytes_read == len && read == "mmap";
            let after = lines == prefix && bytes_read == cut && (read == "mmap" || cut == 0);
            assert!(
                whole || after,
                "{ctx}: partial output without a warning: {lines} lines, {bytes_read} bytes \
                 read by {read}; whole file {full} lines, cut file {prefix} lines"
            );
        }
        fs::remove_file(&p).expect("remove");
    }
    eprintln!(
        "{shrank_runs} of {} runs saw the file shrink mid-scan (scan time {scan_time:?})",
        cuts.len()
    );
}

/// The same, deterministic, through the library: map, truncate, scan under
/// the SIGBUS guard on a thread pool (as `app::read_one` does), then read the
/// file again as a stream.
#[test]
fn truncated_map_is_flagged_and_reread() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = combined_lines(60_000, 7);
    let fmt = format::preset("combined").expect("preset");
    let opts = ScanOpts {
        chunk_size: 64 << 10,
        ..ScanOpts::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .expect("pool");
    for cut in [3 * 4096 + 100, 0, data.len() / 2] {
        let p = write(dir.path(), "t.log", &data);
        let spec = InputSpec::Path(p.clone());
        let opened = input::open(&spec, MmapPolicy::Auto).expect("open");
        let Source::Mapped(m) = opened.source else {
            panic!("a regular non-empty file must be mapped");
        };
        assert_eq!(m.len(), data.len());
        // Untouched: not flagged, every line.
        let (agg, shrank) =
            pool.install(|| m.scan_guarded(|d| scan_slice(d, &Reading::of(&fmt), &opts)));
        assert!(!shrank);
        assert_eq!(agg.lines, physical_lines(&data));
        assert_eq!(agg.parsed, agg.lines);

        fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .and_then(|f| f.set_len(cut as u64))
            .expect("truncate");
        let (_, shrank) =
            pool.install(|| m.scan_guarded(|d| scan_slice(d, &Reading::of(&fmt), &opts)));
        assert!(shrank, "cut to {cut}: the scan must be flagged");
        drop(m);

        let again = input::reopen_stream(&spec, false).expect("reopen");
        let Source::Stream(r) = again.source else {
            panic!("reopen_stream must stream");
        };
        let (agg, end) = pool.install(|| scan_stream(r, &Reading::of(&fmt), &opts));
        assert!(end.error.is_none());
        assert_eq!(end.bytes, cut as u64);
        let prefix = &data[..cut];
        assert_eq!(agg.lines, physical_lines(prefix), "cut to {cut}");
        assert_eq!(agg.parsed, complete_lines(prefix), "cut to {cut}");
    }
}

/// A cut inside the map's last page raises no SIGBUS: the rest of that page
/// reads as zeros. The scan must still be flagged.
#[test]
fn cut_inside_the_last_page_is_flagged() {
    let dir = tempfile::tempdir().expect("temp dir");
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    let mut data = combined_lines(20_000, 8);
    // End the file mid-page, so that the cut below stays inside the last page.
    while data.len() % page < page / 2 {
        data.extend_from_slice(
            b"192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1 \"-\" \"pad\"\n",
        );
    }
    let cut = data.len() - data.len() % page + 10;
    assert!(cut < data.len());
    let fmt = format::preset("combined").expect("preset");
    let p = write(dir.path(), "last-page.log", &data);
    let spec = InputSpec::Path(p.clone());
    let opened = input::open(&spec, MmapPolicy::Auto).expect("open");
    let Source::Mapped(m) = opened.source else {
        panic!("a regular non-empty file must be mapped");
    };
    fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .and_then(|f| f.set_len(cut as u64))
        .expect("truncate");
    let (agg, shrank) = m.scan_guarded(|d| scan_slice(d, &Reading::of(&fmt), &ScanOpts::default()));
    assert!(
        shrank,
        "cut at {cut} of {}: not flagged; the scan saw {} lines, {} malformed",
        data.len(),
        agg.lines,
        agg.malformed_total()
    );
}

// -------------------------------------------------------------- 40–42. gzip

#[test]
fn truncated_gzip_counts_the_prefix_and_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = combined_lines(30_000, 41);
    let n = physical_lines(&data);
    let gz = common::gzip(&data);
    // Cut inside the deflate data, and inside the 8-byte trailer.
    for (what, cut) in [
        ("deflate data", gz.len() / 2),
        ("trailer", gz.len() - 4),
        ("trailer start", gz.len() - 8),
    ] {
        let p = write(dir.path(), "cut.log.gz", &gz[..cut]);
        let (out, v) = triage(&[s(&p)], None);
        let ctx = format!("gzip cut inside the {what}");
        assert_eq!(out.code(), Some(1), "{ctx}: {}", out.stderr_text());
        let err = out.stderr_text();
        assert!(err.contains("truncated"), "{ctx}: stderr: {err}");
        assert!(
            err.contains("cut.log.gz"),
            "{ctx}: stderr names the file: {err}"
        );
        assert_identity(&v, &ctx);
        // What an independent decoder gets out of the same bytes.
        let mut prefix = Vec::new();
        let _ = std::io::Read::read_to_end(
            &mut flate2::read::MultiGzDecoder::new(&gz[..cut]),
            &mut prefix,
        );
        let parsed = summary(&v, "parsed");
        assert!(parsed > 0, "{ctx}");
        assert!(
            parsed >= complete_lines(&prefix),
            "{ctx}: parsed {parsed}, decodable {}",
            complete_lines(&prefix)
        );
        if what == "deflate data" {
            assert!(parsed < n, "{ctx}");
        } else {
            assert_eq!(parsed, n, "{ctx}: every line was decoded before the cut");
        }
    }
}

/// A cut zstd frame is never a silent success, and every line decoded before
/// the cut is counted: as many as the zstd tool itself decodes.
#[test]
fn truncated_zstd_keeps_what_came_before() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = combined_lines(30_000, 43);
    let n = physical_lines(&data);
    let Some(z) = common::zstd(&data) else {
        common::skip("zstd not installed");
        return;
    };
    for (what, cut) in [("block data", z.len() / 2), ("checksum", z.len() - 2)] {
        let p = write(dir.path(), "cut.log.zst", &z[..cut]);
        let (out, v) = triage(&[s(&p)], None);
        let err = out.stderr_text();
        assert_eq!(out.code(), Some(1), "zstd cut inside the {what}: {err}");
        assert!(err.contains("cut.log.zst"), "{what}: {err}");
        assert_identity(&v, what);
        assert_eq!(v["inputs"][0]["errors"].as_array().map(Vec::len), Some(1));
        if what == "checksum" {
            // Every block is whole: every line is there. (The zstd tool
            // itself withholds its last output buffer in this case.)
            assert_eq!(summary(&v, "parsed"), n, "{what}");
            continue;
        }
        // The zstd tool's own reading of the cut file: a prefix of the data.
        let decoded = Command::new("zstd")
            .args(["-dcq"])
            .arg(&p)
            .output()
            .expect("run zstd")
            .stdout;
        assert!(data.starts_with(&decoded), "{what}: not a prefix");
        let whole = decoded.iter().filter(|&&b| b == b'\n').count() as u64;
        assert!(whole > n / 4, "{what}: the tool decoded {whole} lines");
        assert_eq!(summary(&v, "parsed"), whole, "{what}");
    }
}

#[test]
fn corrupt_gzip_trailer_is_flagged_data_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = combined_lines(5_000, 42);
    let n = physical_lines(&data);
    let gz = common::gzip(&data);
    for (what, at) in [("CRC", gz.len() - 8), ("ISIZE", gz.len() - 1)] {
        let mut bad = gz.clone();
        bad[at] ^= 0x5a;
        let p = write(dir.path(), "corrupt.gz", &bad);
        let (out, v) = triage(&[s(&p)], None);
        let err = out.stderr_text();
        assert_eq!(out.code(), Some(1), "{what}: {err}");
        assert!(err.contains("corrupt.gz"), "{what}: {err}");
        assert!(err.contains("checksum"), "{what}: {err}");
        assert_eq!(summary(&v, "parsed"), n, "{what}: the data is used");
        assert_eq!(v["inputs"][0]["errors"].as_array().map(Vec::len), Some(1));
    }
}

#[test]
fn multi_member_gzip_counts_every_member() {
    let dir = tempfile::tempdir().expect("temp dir");
    let a = combined_lines(1_234, 1);
    let b = combined_lines(4_321, 2);
    let mut cat = common::gzip(&a);
    cat.extend(common::gzip(&b));
    let p = write(dir.path(), "ab.log.gz", &cat);
    let (out, v) = triage(&[s(&p)], None);
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    assert_eq!(summary(&v, "lines"), 1_234 + 4_321);
    assert_eq!(summary(&v, "parsed"), 1_234 + 4_321);
    // The real gzip binary's members too, when it is there.
    if !common::have_tool("gzip") {
        common::skip("gzip not installed");
        return;
    }
    let pa = write(dir.path(), "a.log", &a);
    let pb = write(dir.path(), "b.log", &b);
    for p in [&pa, &pb] {
        let st = Command::new("gzip")
            .arg("-f")
            .arg(p)
            .status()
            .expect("gzip");
        assert!(st.success());
    }
    let mut cat = fs::read(dir.path().join("a.log.gz")).expect("a.gz");
    cat.extend(fs::read(dir.path().join("b.log.gz")).expect("b.gz"));
    let (_, v) = triage(&["-"], Some(&cat));
    assert_eq!(summary(&v, "parsed"), 1_234 + 4_321);
}

// ---------------------------------------------------------- 43. gzip bomb

#[test]
fn decompression_cap_stops_a_bomb() {
    let dir = tempfile::tempdir().expect("temp dir");
    // 64 MiB of one repeated line inflates from well under 1 MiB.
    let line =
        b"203.0.113.7 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1 \"-\" \"bomb\"\n";
    let mut big = Vec::with_capacity(64 << 20);
    while big.len() + line.len() <= 64 << 20 {
        big.extend_from_slice(line);
    }
    let gz = common::gzip(&big);
    assert!(gz.len() < 1 << 20, "the test input should be a small file");
    let p = write(dir.path(), "bomb.log.gz", &gz);
    let cap = 1_000_000u64;
    let (out, v) = triage(
        &[
            "--max-decompressed-bytes".to_string(),
            cap.to_string(),
            s(&p),
        ],
        None,
    );
    assert_eq!(out.code(), Some(1), "the cap is a partial failure");
    assert!(
        out.stderr_text().contains("--max-decompressed-bytes"),
        "{}",
        out.stderr_text()
    );
    // Whole lines before the cap are counted, and nothing past it.
    let lines = summary(&v, "lines");
    assert!(
        lines <= cap / line.len() as u64 + 1 && lines >= cap / line.len() as u64,
        "{lines}"
    );
    assert_identity(&v, "bomb");
    // Without a cap the same file is read to its end.
    let (out, v) = triage(&[s(&p)], None);
    assert_eq!(out.code(), Some(0));
    assert_eq!(summary(&v, "lines"), (big.len() / line.len()) as u64);
}

/// The default cap (`auto`): a zstd bomb of frames back to back, 1.3 GiB
/// from a few hundred KiB, is stopped just past the first GiB, as a partial
/// failure that says why, from a file and from a pipe; `0` lifts it.
#[test]
fn default_cap_stops_a_zstd_bomb() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line =
        b"203.0.113.7 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1 \"-\" \"bomb\"\n";
    let big: Vec<u8> = line
        .iter()
        .copied()
        .cycle()
        .take(line.len() * (1 << 20))
        .collect();
    let Some(frame) = common::zstd(&big) else {
        common::skip("`zstd` not found");
        return;
    };
    let frames = 20;
    let bomb: Vec<u8> = frame.repeat(frames);
    let inflated = (big.len() * frames) as u64;
    assert!(
        inflated > 5 << 28 && bomb.len() < 1 << 20,
        "{} -> {inflated}",
        bomb.len()
    );
    let p = write(dir.path(), "bomb.zst", &bomb);
    let args = ["top", "--by", "status", "-o", "json"];
    for (way, file, stdin) in [
        ("file", Some(s(&p)), None),
        ("stdin", None, Some(&bomb[..])),
    ] {
        let mut a: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        a.push(file.unwrap_or_else(|| "-".into()));
        let out = run_alf(&a, stdin);
        let err = out.stderr_text();
        assert_eq!(out.code(), Some(1), "{way}: {err}");
        assert!(err.contains("decompression bomb?"), "{way}: {err}");
        let v = out.json(way);
        let counted = v["lines"].as_u64().expect("lines");
        // Stopped past the first GiB, well before the end.
        let per_gib = (1u64 << 30) / line.len() as u64;
        assert!(
            counted + 1 >= per_gib && counted < per_gib + per_gib / 16,
            "{way}: {counted} lines"
        );
    }
    // `0`: no limit, every line.
    let out = run_alf(
        &[
            "top",
            "--by",
            "status",
            "-o",
            "json",
            "--max-decompressed-bytes",
            "0",
            &s(&p),
        ],
        None,
    );
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    assert_eq!(
        out.json("no limit")["lines"].as_u64(),
        Some(inflated / line.len() as u64)
    );
}

// ---------------------------------------------------------- 44. misleading names

#[test]
fn compression_is_told_by_content_not_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = combined_lines(2_000, 44);
    let gz_as_log = write(dir.path(), "looks-plain.log", &common::gzip(&data));
    let plain_as_gz = write(dir.path(), "looks-gzipped.log.gz", &data);
    for (p, comp) in [(&gz_as_log, "gzip"), (&plain_as_gz, "none")] {
        let (out, v) = triage(&[s(p)], None);
        assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
        assert_eq!(summary(&v, "parsed"), 2_000, "{}", p.display());
        assert_eq!(input0(&v, "compression"), comp, "{}", p.display());
    }
    if let Some(z) = common::zstd(&data) {
        let p = write(dir.path(), "zstd-named.gz", &z);
        let (_, v) = triage(&[s(&p)], None);
        assert_eq!(summary(&v, "parsed"), 2_000);
        assert_eq!(input0(&v, "compression"), "zstd");
    } else {
        common::skip("zstd not installed");
    }

    // bzip2 (real data when the tool is there, else its magic) and xz: refused
    // with a clear message, never parsed as text.
    let bz = bzip2(&data);
    let bz_path = write(dir.path(), "bzip2-named.gz", &bz);
    let xz_path = write(
        dir.path(),
        "xz.log",
        b"\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4\x46",
    );
    for (p, codec) in [(&bz_path, "bzip2"), (&xz_path, "xz")] {
        let out = run_alf(&["triage", "--output", "json", &s(p)], None);
        let err = out.stderr_text();
        assert!(
            err.contains(&format!("{codec} compression is not supported")),
            "{err}"
        );
        assert_eq!(out.code(), Some(3), "the only input: {err}");
        let v = out.json("unsupported codec");
        assert_eq!(summary(&v, "lines"), 0, "not parsed as text");
    }
    // Alongside a good file: partial failure, the good file counted.
    let (out, v) = triage(&[s(&bz_path), s(&plain_as_gz)], None);
    assert_eq!(out.code(), Some(1), "{}", out.stderr_text());
    assert_eq!(summary(&v, "parsed"), 2_000);
}

fn bzip2(data: &[u8]) -> Vec<u8> {
    if common::have_tool("bzip2") {
        let mut child = Command::new("bzip2")
            .arg("-c")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn bzip2");
        let mut pipe = child.stdin.take().expect("stdin");
        let d = data.to_vec();
        let w = std::thread::spawn(move || pipe.write_all(&d));
        let out = child.wait_with_output().expect("bzip2");
        w.join().expect("writer").expect("write to bzip2");
        assert!(out.stdout.starts_with(b"BZh"));
        out.stdout
    } else {
        eprintln!("bzip2 not installed: using a bzip2 header only");
        b"BZh91AY&SY\x00\x01\x02\x03".to_vec()
    }
}

// --------------------------------------------------------- 30. empty inputs

#[test]
fn empty_and_newline_only_inputs_succeed() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, data, lines) in [("empty.log", &b""[..], 0), ("nl.log", &b"\n"[..], 1)] {
        let p = write(dir.path(), name, data);
        for (how, args, stdin) in [
            (
                "mmap",
                vec!["--mmap".to_string(), "auto".into(), s(&p)],
                None,
            ),
            (
                "read",
                vec!["--mmap".to_string(), "never".into(), s(&p)],
                None,
            ),
            ("stdin", vec!["-".to_string()], Some(data)),
            ("gzip stdin", vec!["-".to_string()], None),
        ] {
            let gz;
            let stdin = if how == "gzip stdin" {
                gz = common::gzip(data);
                Some(gz.as_slice())
            } else {
                stdin
            };
            let (out, v) = triage(&args, stdin);
            let ctx = format!("{name} via {how}");
            assert_eq!(out.code(), Some(0), "{ctx}: {}", out.stderr_text());
            assert_eq!(summary(&v, "parsed"), 0, "{ctx}");
            assert_eq!(summary(&v, "lines"), lines, "{ctx}");
            assert_eq!(v["errors"], Value::Array(vec![]), "{ctx}");
            // Not silence: one word that there was nothing to read.
            let w = v["warnings"].as_array().expect("warnings");
            assert_eq!(w.len(), 1, "{ctx}: {w:?}");
            let said = "no line to read (empty, or blank lines only)";
            assert!(w[0].as_str().unwrap().ends_with(said), "{ctx}: {w:?}");
            assert_eq!(
                out.stderr_text().lines().count(),
                1,
                "{ctx}: {}",
                out.stderr_text()
            );
            assert!(
                out.stderr_text().contains(said),
                "{ctx}: {}",
                out.stderr_text()
            );
        }
        // The table renders too.
        let out = run_alf(&[s(&p)], None);
        assert_eq!(out.code(), Some(0), "{name} table: {}", out.stderr_text());
    }
}

// ------------------------------------------------ 31–32. non-regular inputs

#[test]
fn fifo_reads_like_the_regular_file() {
    if !common::have_tool("mkfifo") {
        common::skip("mkfifo not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut data = combined_lines(20_000, 31);
    data.extend_from_slice(b"not a log line\n\n");
    let file = write(dir.path(), "regular.log", &data);
    let fifo = dir.path().join("pipe.log");
    let st = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(st.success());

    let writer = {
        let fifo = fifo.clone();
        let data = data.clone();
        // Opening a FIFO for writing waits for its reader: alf.
        std::thread::spawn(move || {
            let mut f = fs::OpenOptions::new().write(true).open(&fifo)?;
            f.write_all(&data)
        })
    };
    let (out, got) = triage(&[s(&fifo)], None);
    // Unblock the writer if alf never opened the FIFO, so the test cannot hang.
    let _unblock = {
        use std::os::unix::fs::OpenOptionsExt;
        fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&fifo)
    };
    drop(_unblock);
    writer
        .join()
        .expect("writer thread")
        .expect("alf read the whole FIFO");
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    assert_eq!(input0(&got, "read"), "stream");
    let (_, want) = triage(&[s(&file)], None);
    common::assert_same(
        &normalize(want, &[&s(&file)]),
        &normalize(got, &[&s(&fifo)]),
        "FIFO vs regular file",
    );
}

#[test]
fn directory_and_symlink_loop_fail_cleanly_others_still_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = write(dir.path(), "good.log", &combined_lines(100, 32));
    let sub = dir.path().join("a-directory");
    fs::create_dir(&sub).expect("mkdir");
    let looped = dir.path().join("loop.log");
    std::os::unix::fs::symlink(&looped, &looped).expect("symlink");
    for bad in [&sub, &looped] {
        let (out, v) = triage(&[s(bad), s(&good)], None);
        let err = out.stderr_text();
        assert_eq!(out.code(), Some(1), "{}: {err}", bad.display());
        assert!(err.contains(&s(bad)), "the error names the input: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(summary(&v, "parsed"), 100);
        assert_eq!(summary(&v, "files"), 1);
        assert_eq!(v["errors"].as_array().map(Vec::len), Some(1));
    }
    let (out, _) = triage(&[s(&sub)], None);
    assert!(out.stderr_text().contains("is a directory"));
    assert_eq!(out.code(), Some(3));
}

#[test]
fn missing_file_exit_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = write(dir.path(), "good.log", &combined_lines(100, 33));
    let missing = dir.path().join("missing.log");
    let (out, v) = triage(&[s(&missing), s(&good)], None);
    assert_eq!(out.code(), Some(1), "{}", out.stderr_text());
    assert!(out.stderr_text().contains("missing.log"));
    assert_eq!(summary(&v, "parsed"), 100);
    let (out, _) = triage(&[s(&missing)], None);
    assert_eq!(out.code(), Some(3), "{}", out.stderr_text());
    // The table output says the same, as one line on stderr and no empty table.
    let out = run_alf(&[s(&missing)], None);
    assert_eq!(out.code(), Some(3));
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        out.stderr_text().lines().count(),
        1,
        "{}",
        out.stderr_text()
    );
}

// ------------------------------------------------------------ 29. NUL hole

#[test]
fn nul_hole_then_valid_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut data = vec![0u8; 1 << 20];
    data.extend(combined_lines(10_000, 29));
    let p = write(dir.path(), "hole.log", &data);
    let gz = write(dir.path(), "hole.log.gz", &common::gzip(&data));
    let cases: Vec<Way> = vec![
        ("mmap", vec!["--mmap".into(), "auto".into(), s(&p)], None),
        ("read", vec!["--mmap".into(), "never".into(), s(&p)], None),
        (
            "read, small chunks",
            vec![
                "--mmap".into(),
                "never".into(),
                "--chunk-size".into(),
                "4096".into(),
                s(&p),
            ],
            None,
        ),
        ("stdin", vec!["-".into()], Some(data.as_slice())),
        ("gzip", vec![s(&gz)], None),
    ];
    for (how, args, stdin) in cases {
        let (out, v) = triage(&args, stdin);
        assert_eq!(out.code(), Some(0), "{how}: {}", out.stderr_text());
        assert_eq!(summary(&v, "parsed"), 10_000, "{how}");
        assert_eq!(summary(&v, "lines"), 10_000, "{how}");
        assert_eq!(summary(&v, "nul_bytes_skipped"), 1 << 20, "{how}");
        assert_eq!(input0(&v, "nul_bytes_skipped"), 1 << 20, "{how}");
    }
}

/// Pages of `path` in the page cache, among `range` (byte offsets, whole
/// pages), as `mincore` reports them for a fresh map of the file.
fn cached_pages(path: &Path, range: std::ops::Range<usize>) -> usize {
    use std::os::fd::AsRawFd;
    let f = fs::File::open(path).expect("open");
    let len = f.metadata().expect("metadata").len() as usize;
    // SAFETY: a read-only shared map of a file this test made and no one
    // changes; mincore only reports on it, and it is unmapped before return.
    unsafe {
        let page = libc::sysconf(libc::_SC_PAGESIZE) as usize;
        let map = libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_SHARED,
            f.as_raw_fd(),
            0,
        );
        assert_ne!(map, libc::MAP_FAILED, "mmap");
        let mut resident = vec![0u8; len.div_ceil(page)];
        assert_eq!(libc::mincore(map, len, resident.as_mut_ptr()), 0, "mincore");
        libc::munmap(map, len);
        resident[range.start / page..range.end / page]
            .iter()
            .filter(|&&r| r & 1 == 1)
            .count()
    }
}

/// A hole `copytruncate` leaves, stored as a hole (the writer seeks past
/// it): read as the NUL bytes it holds, the same report as for the same
/// bytes written out, and the same hash in a rule file, without its pages
/// ever being made in the page cache (which reading them through the map
/// would do, zeroing each; seconds for gigabytes).
#[test]
fn a_sparse_hole_is_counted_without_reading_it() {
    const HOLE: usize = 64 << 20;
    let dir = tempfile::tempdir().expect("temp dir");
    let lines = combined_lines(2_000, 29);
    let sparse = dir.path().join("sparse.log");
    let f = fs::File::create(&sparse).expect("create");
    f.set_len(HOLE as u64).expect("set_len");
    drop(f);
    fs::OpenOptions::new()
        .append(true)
        .open(&sparse)
        .and_then(|mut f| f.write_all(&lines))
        .expect("append");
    {
        use std::os::fd::AsRawFd;
        let f = fs::File::open(&sparse).expect("open");
        // SAFETY: lseek on a descriptor this test owns.
        let data = unsafe { libc::lseek(f.as_raw_fd(), 0, libc::SEEK_DATA) };
        if data < HOLE as i64 {
            common::skip("the temporary directory's filesystem does not report holes (SEEK_DATA)");
            return;
        }
    }
    let mut dense_bytes = vec![0u8; HOLE];
    dense_bytes.extend_from_slice(&lines);
    let dense = write(dir.path(), "dense.log", &dense_bytes);
    drop(dense_bytes);
    assert_eq!(cached_pages(&sparse, 0..HOLE), 0, "a new hole is cached");

    let (out, v) = triage(&["--mmap", "auto", &s(&sparse)], None);
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    assert_eq!(input0(&v, "read"), "mmap");
    assert_eq!(summary(&v, "nul_bytes_skipped"), HOLE as u64);
    assert_eq!(summary(&v, "parsed"), 2_000);
    assert_eq!(summary(&v, "lines"), 2_000);
    let (out, w) = triage(&["--mmap", "auto", &s(&dense)], None);
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    for k in ["summary", "top_clients", "offenders", "classes"] {
        assert_eq!(v[k], w[k], "{k}");
    }
    // Of its 16,384 pages: the first bytes, read to tell a compressed file;
    // the 16 places the check for a rewrite samples (a page or two each);
    // the page of the one NUL byte kept with the first line.
    let cached = cached_pages(&sparse, 0..HOLE);
    assert!(cached <= 40, "the scan made {cached} pages of the hole");

    let header = |p: &Path| {
        let out = run_alf(&["rules", "--target", "nftables", &s(p)], None);
        assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let line = text
            .lines()
            .find(|l| l.contains("sha256"))
            .map(str::to_owned);
        line.expect("a sha256 in the header")
            .rsplit("sha256 ")
            .next()
            .map(|h| h.trim_end_matches(')').to_owned())
            .expect("hash")
    };
    assert_eq!(
        header(&sparse),
        header(&dense),
        "the rule file's input hash"
    );
    let cached = cached_pages(&sparse, 0..HOLE);
    assert!(cached <= 40, "the hash made {cached} pages of the hole");
}

/// After a hole longer than the detection sample, the format is still found
/// from the lines that follow (here an error log, which `combined` cannot parse).
#[test]
fn nul_hole_longer_than_the_sample_still_detects_the_format() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut data = vec![0u8; 1 << 20];
    for i in 0..1000 {
        writeln!(
            data,
            "2024/03/06 10:{:02}:{:02} [error] 1#1: *{i} open() \"/x\" failed, client: 198.51.100.{}, server: s",
            i / 60 % 60,
            i % 60,
            i % 200 + 1
        )
        .expect("write");
    }
    let p = write(dir.path(), "hole-error.log", &data);
    let gz = write(dir.path(), "hole-error.log.gz", &common::gzip(&data));
    let cases: Vec<Way> = vec![
        ("mmap", vec!["--mmap".into(), "auto".into(), s(&p)], None),
        ("read", vec!["--mmap".into(), "never".into(), s(&p)], None),
        ("stdin", vec!["-".into()], Some(data.as_slice())),
        ("gzip", vec![s(&gz)], None),
    ];
    for (how, args, stdin) in cases {
        let (out, v) = triage(&args, stdin);
        assert_eq!(
            v["summary"]["formats"][0],
            "nginx_error",
            "{how}: {}",
            out.stderr_text()
        );
        assert_eq!(summary(&v, "parsed"), 1000, "{how}");
        assert_eq!(summary(&v, "nul_bytes_skipped"), 1 << 20, "{how}");
        assert_eq!(input0(&v, "bytes_read"), data.len() as u64, "{how}");
    }
}

// ------------------------------------------------------------ 33. overlong

#[test]
fn twenty_megabyte_line_is_overlong_rest_parsed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let before = combined_lines(100, 33);
    let after = combined_lines(10_000, 34);
    let huge = vec![b'A'; 20_000_000];
    // Valid lines first (so the format is detected), then the huge line.
    let mut data = before.clone();
    data.extend_from_slice(&huge);
    data.push(b'\n');
    data.extend_from_slice(&after);
    let p = write(dir.path(), "overlong.log", &data);
    // The huge line first, with the format named (nothing to detect it from).
    let mut first = huge.clone();
    first.push(b'\n');
    first.extend_from_slice(&after);
    let q = write(dir.path(), "overlong-first.log", &first);

    for (p, fmt, parsed) in [(&p, "auto", 10_100), (&q, "combined", 10_000)] {
        let mut reports = Vec::new();
        for mmap in ["auto", "never"] {
            let (out, v) = triage(
                &[
                    "--max-line",
                    "1048576",
                    "--format",
                    fmt,
                    "--mmap",
                    mmap,
                    &s(p),
                ],
                None,
            );
            let ctx = format!("{} --mmap {mmap}", p.display());
            assert_eq!(out.code(), Some(0), "{ctx}: {}", out.stderr_text());
            assert_identity(&v, &ctx);
            assert_eq!(summary(&v, "overlong"), 1, "{ctx}");
            assert_eq!(summary(&v, "parsed"), parsed, "{ctx}");
            assert_eq!(summary(&v, "lines"), parsed + 1, "{ctx}");
            let ex = &v["examples"][0];
            assert_eq!(ex["kind"], "overlong", "{ctx}");
            assert!(
                ex["text"].as_str().unwrap_or("").len() < 1000,
                "{ctx}: examples are short"
            );
            reports.push(normalize(v, &[&s(p)]));
        }
        common::assert_same(&reports[0], &reports[1], "overlong: mmap vs read");
    }
}

// ------------------------------------------------- 35. hostile bytes, output

/// No C0 control but newline, no DEL, no C1, no bidi control; valid UTF-8.
fn assert_clean(out: &[u8], ctx: &str) {
    let text =
        std::str::from_utf8(out).unwrap_or_else(|e| panic!("{ctx}: output is not UTF-8: {e}"));
    for (i, c) in text.char_indices() {
        let bad = (c < ' ' && c != '\n')
            || c == '\u{7f}'
            || ('\u{80}'..='\u{9f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c);
        assert!(
            !bad,
            "{ctx}: raw {c:?} at byte {i}: {:?}",
            String::from_utf8_lossy(&out[i.saturating_sub(60)..i])
        );
    }
}

#[test]
fn control_bytes_and_invalid_utf8_never_reach_the_output() {
    let dir = common::root().join("testdata/fixtures");
    let ua = dir.join("invalid-utf8-ua.log");
    let garbage = dir.join("binary-garbage.log");
    let hex = dir.join("nginx-hex-escapes.log");
    let files = [s(&ua), s(&garbage), s(&hex)];
    let mut runs: Vec<(String, Vec<String>)> = Vec::new();
    for output in ["table", "json"] {
        runs.push((
            format!("triage {output}"),
            ["triage", "-n", "0", "--output", output]
                .iter()
                .map(|a| a.to_string())
                .chain(files.iter().cloned())
                .collect(),
        ));
    }
    for by in ["ua", "ip", "path", "referer"] {
        for output in ["table", "plain", "json"] {
            runs.push((
                format!("top --by {by} --output {output}"),
                ["top", "-n", "0", "--by", by, "--output", output]
                    .iter()
                    .map(|a| a.to_string())
                    .chain(files.iter().cloned())
                    .collect(),
            ));
        }
    }
    for (what, args) in &runs {
        let out = run_alf(args, None);
        assert_eq!(out.status.signal(), None, "{what}");
        assert!(!out.stdout.is_empty(), "{what}: no output");
        assert!(!out.stdout.contains(&0x1b), "{what}: raw ESC");
        assert!(!out.stdout.contains(&0x07), "{what}: raw BEL");
        assert_clean(&out.stdout, what);
        assert_clean(&out.stderr, &format!("{what} (stderr)"));
        if what.contains("json") {
            let v = out.json(what);
            // The document is clean (above), its escapes JSON's own: decoded,
            // the strings hold the log's text as logged (case 22), the ESC
            // of the UA included.
            let mut strings = Vec::new();
            collect_strings(&v, &mut strings);
            if what == "top --by ua --output json" {
                assert!(
                    strings.iter().any(|t| t.contains('\u{1b}')),
                    "{what}: not lossless"
                );
            }
        }
    }
    // The escapes are visible: the ESC of the UA shows as `\x1b`.
    let out = run_alf(
        &["top", "--by", "ua", "-n", "0", "--output", "plain", &s(&ua)],
        None,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\\x1b[2J"), "{text}");
    assert!(text.contains("\\xe9"), "{text}");
}

fn collect_strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(m) => m.iter().for_each(|(k, x)| {
            out.push(k);
            collect_strings(x, out)
        }),
        _ => {}
    }
}

// ----------------------------------------------------- 37. all malformed

#[test]
fn wholly_malformed_input_exits_4() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut junk = Vec::new();
    for i in 0..500 {
        writeln!(junk, "this is not a log line {i}, just text").expect("write");
    }
    let p = write(dir.path(), "junk.log", &junk);
    let (out, v) = triage(&[s(&p)], None);
    assert_eq!(out.code(), Some(4), "{}", out.stderr_text());
    assert!(out.stderr_text().contains("no known log format"));
    assert_eq!(summary(&v, "parsed"), 0);
    // With the format named, every line is counted as malformed; still exit 4.
    let (out, v) = triage(&["--format", "combined", &s(&p)], None);
    assert_eq!(out.code(), Some(4), "{}", out.stderr_text());
    assert_identity(&v, "named format");
    assert_eq!(summary(&v, "malformed"), 500);
    assert_eq!(summary(&v, "lines"), 500);
    // 99.8 % malformed is not 100 %: the one good line makes it a success.
    let mut mostly = junk.clone();
    mostly.extend(combined_lines(1, 37));
    let q = write(dir.path(), "mostly-junk.log", &mostly);
    let (out, v) = triage(&["--format", "combined", &s(&q)], None);
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    assert_eq!(summary(&v, "parsed"), 1);
}

/// Auto-detection reads on while no line parses, from a map (windows spread
/// over the file, up to its end) and from a stream (read ahead): a log that
/// holds one good line in a thousand, or starts with garbage longer than a
/// detection window, is recognised and counted in full.
#[test]
fn detection_reads_past_garbage() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = combined_lines(40, 43);
    let good: Vec<&[u8]> = good.split_inclusive(|&b| b == b'\n').collect();
    // 99.9 % malformed: 999 junk lines before each good one.
    let mut sparse = Vec::new();
    for (i, g) in good.iter().enumerate() {
        for j in 0..999 {
            writeln!(sparse, "junk {i}.{j}: not a log line at all").expect("write");
        }
        sparse.extend_from_slice(g);
    }
    // A first line longer than a window, then good lines.
    let mut long_head = vec![b'x'; 600 << 10];
    long_head.push(b'\n');
    good.iter().for_each(|g| long_head.extend_from_slice(g));
    // 2 MB of junk lines (many windows' worth), then good lines.
    let mut junk_head = Vec::new();
    while junk_head.len() < 2 << 20 {
        writeln!(junk_head, "{:0>60}", junk_head.len()).expect("write");
    }
    let junk_lines = junk_head.iter().filter(|&&b| b == b'\n').count() as u64;
    good.iter().for_each(|g| junk_head.extend_from_slice(g));
    for (name, data, bad) in [
        ("sparse", &sparse, 40 * 999),
        ("long-head", &long_head, 1),
        ("junk-head", &junk_head, junk_lines),
    ] {
        let p = write(dir.path(), &format!("{name}.log"), data);
        for (how, (out, v)) in [
            ("mapped", triage(&[s(&p)], None)),
            ("stdin", triage(&["-"], Some(data))),
        ] {
            let ctx = format!("{name}, {how}");
            assert_eq!(out.code(), Some(0), "{ctx}: {}", out.stderr_text());
            assert_identity(&v, &ctx);
            assert_eq!(summary(&v, "parsed"), 40, "{ctx}");
            assert_eq!(summary(&v, "lines"), 40 + bad, "{ctx}");
        }
    }
    // A first line longer than all but the last window: a mapped file is
    // looked at up to its end.
    let mut huge_head = vec![b'x'; 20 << 20];
    huge_head.push(b'\n');
    good.iter().for_each(|g| huge_head.extend_from_slice(g));
    let p = write(dir.path(), "huge-head.log", &huge_head);
    let (out, v) = triage(&[s(&p)], None);
    assert_eq!(out.code(), Some(0), "huge-head: {}", out.stderr_text());
    assert_eq!(summary(&v, "parsed"), 40);
    assert_eq!(summary(&v, "overlong"), 1);
}

// ----------------------------------------------------- 39. mixed formats

/// A file of two formats: with the format detected, the lines of the other
/// are malformed (never counted as requests) and are reported by the preset
/// that parses them; with the format named, nothing else is tried.
#[test]
fn mixed_formats_are_reported_per_format() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let access =
        fs::read(root.join("access/apache-combined/elastic-examples_apache_logs_2015.log"))
            .expect("access log");
    let errors =
        fs::read(root.join("error/nginx/meatlabel.app.error.log-20251219")).expect("error log");
    let access: Vec<&[u8]> = access.split(|&b| b == b'\n').take(300).collect();
    let errors: Vec<&[u8]> = errors
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .take(40)
        .collect();
    let mut mixed = Vec::new();
    let mut e = errors.iter();
    for (i, a) in access.iter().enumerate() {
        mixed.extend_from_slice(a);
        mixed.push(b'\n');
        if i % 7 == 3 {
            if let Some(l) = e.next() {
                mixed.extend_from_slice(l);
                mixed.push(b'\n');
            }
        }
    }
    let used = 40 - e.count() as u64;
    let dir = tempfile::tempdir().expect("temp dir");
    let p = write(dir.path(), "mixed.log", &mixed);
    // What each preset makes of its own lines, read alone.
    let only_errors: Vec<u8> = errors[..used as usize].join(&b'\n');
    let q = write(dir.path(), "errors.log", &only_errors);
    let (_, alone) = triage(&["--format", "nginx_error", &s(&q)], None);
    let nginx = summary(&alone, "parsed");
    assert!(nginx > 0);

    let (out, v) = triage(&[s(&p)], None);
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    assert_identity(&v, "mixed");
    assert_eq!(input0(&v, "format"), "combined");
    assert_eq!(summary(&v, "parsed"), 300);
    assert_eq!(summary(&v, "malformed"), used);
    assert_eq!(
        v["inputs"][0]["other_formats"],
        serde_json::json!([{ "format": "nginx_error", "lines": nginx }])
    );
    assert!(
        out.stderr_text().contains("nginx_error"),
        "{}",
        out.stderr_text()
    );

    let (_, v) = triage(&["--format", "combined", &s(&p)], None);
    assert_eq!(summary(&v, "malformed"), used);
    assert_eq!(v["inputs"][0]["other_formats"], serde_json::json!([]));
}

// ------------------------------------------- 28. incomplete final line

/// A last line without a newline: one a cut could have changed unseen (a
/// `common` line ends in its byte count) is *incomplete*, not a record, and
/// its bytes are not summed; one that parses to its closing quote is a
/// record; one that does not parse is incomplete, not malformed. The same
/// from a map, a pipe, gzip and a small chunk size; flagged in the JSON.
#[test]
fn an_unterminated_last_line_is_never_half_parsed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let whole = "192.0.2.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1234\n";
    let cut_common = "192.0.2.2 - - [10/Oct/2000:13:55:37 -0700] \"GET /x HTTP/1.0\" 200 12";
    let combined =
        "192.0.2.3 - - [10/Oct/2000:13:55:38 -0700] \"GET /y HTTP/1.0\" 200 5 \"-\" \"ua\"";
    let combined_head =
        "192.0.2.3 - - [10/Oct/2000:13:55:38 -0700] \"GET /y HTTP/1.0\" 200 5 \"-\" \"ua\"\n";
    // (body, format, parsed, incomplete, bytes sent)
    let cases: [(String, &str, u64, u64, u64); 4] = [
        (format!("{whole}{cut_common}"), "common", 1, 1, 1234),
        (format!("{whole}{cut_common}\r"), "common", 1, 1, 1234),
        (format!("{combined_head}{combined}"), "combined", 2, 0, 10),
        (
            format!("{combined_head}{}", &combined[..combined.len() - 5]),
            "combined",
            1,
            1,
            5,
        ),
    ];
    for (i, (body, fmt, parsed, incomplete, bytes)) in cases.iter().enumerate() {
        let p = write(dir.path(), &format!("c{i}.log"), body.as_bytes());
        let gz = write(
            dir.path(),
            &format!("c{i}.log.gz"),
            &common::gzip(body.as_bytes()),
        );
        let ways: Vec<Way> = vec![
            ("mmap", vec![s(&p)], None),
            (
                "small chunks",
                vec!["--chunk-size".into(), "7".into(), s(&p)],
                None,
            ),
            ("stdin", vec!["-".into()], Some(body.as_bytes())),
            ("gzip", vec![s(&gz)], None),
        ];
        for (way, args, stdin) in ways {
            let mut a = vec!["--format".to_string(), fmt.to_string()];
            a.extend(args);
            let (out, v) = triage(&a, stdin);
            let ctx = format!("case {i} by {way}");
            assert_eq!(out.code(), Some(0), "{ctx}: {}", out.stderr_text());
            assert_identity(&v, &ctx);
            assert_eq!(summary(&v, "lines"), 2, "{ctx}");
            assert_eq!(summary(&v, "parsed"), *parsed, "{ctx}");
            assert_eq!(summary(&v, "incomplete"), *incomplete, "{ctx}");
            assert_eq!(summary(&v, "malformed"), 0, "{ctx}");
            assert_eq!(summary(&v, "bytes_sent"), *bytes, "{ctx}");
            let warned = input0(&v, "warnings").as_array().is_some_and(|w| {
                w.iter().any(|w| {
                    w.as_str()
                        .is_some_and(|w| w.contains("incomplete final line"))
                })
            });
            assert!(warned, "{ctx}: not flagged: {}", input0(&v, "warnings"));
        }
    }
}

// ------------------------------------------------- 38. timestamps' range

/// Times past 9999-12-31T23:59:59Z (or before year 0) in UTC, and offsets
/// past ±14:00, are malformed timestamps: every time the report prints is
/// RFC 3339.
#[test]
fn times_rfc3339_cannot_write_are_malformed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let at = |t: &str| format!("192.0.2.9 - - [{t}] \"GET / HTTP/1.0\" 200 1\n");
    let body = [
        at("31/Dec/9999:23:59:59 +1400"),
        at("31/Dec/9999:23:59:59 -0100"),
        at("01/Jan/0000:00:30:00 +0100"),
        at("10/Oct/2000:13:55:36 +1401"),
        at("10/Oct/2000:13:55:36 -1459"),
        at("10/Oct/2000:13:55:36 -1200"),
    ]
    .concat();
    let p = write(dir.path(), "times.log", body.as_bytes());
    let (out, v) = triage(&["--format".to_string(), "common".into(), s(&p)], None);
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    assert_eq!(summary(&v, "parsed"), 2);
    assert_eq!(summary(&v, "malformed"), 4);
    let reasons = v["malformed_reasons"].to_string();
    assert!(reasons.contains("bad timestamp"), "{reasons}");
    assert_eq!(v["summary"]["first_seen"], "2000-10-11T01:55:36Z");
    assert_eq!(v["summary"]["last_seen"], "9999-12-31T09:59:59Z");
    // Error-log times moved to UTC by --error-tz may pass year 9999 too.
    let err = write(
        dir.path(),
        "error.log",
        b"[Fri Dec 31 23:30:00 9999] [error] [client 192.0.2.9] x\n[Sat Oct 14 12:00:00 2000] [error] [client 192.0.2.9] y\n",
    );
    let (out, v) = triage(&["--error-tz".to_string(), "-0100".into(), s(&err)], None);
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    assert_eq!(summary(&v, "parsed"), 1);
    assert_eq!(summary(&v, "malformed"), 1);
}

// ------------------------------------------------------- 36. line endings

#[test]
fn crlf_and_mixed_endings_count_like_lf() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut lf = combined_lines(3_000, 36);
    lf.extend_from_slice(b"garbage line\n\n");
    lf.extend_from_slice(
        b"192.0.2.1 - - [10/Oct/2023:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"a\rb\"\n",
    );
    let crlf: Vec<u8> = lf
        .split_inclusive(|&b| b == b'\n')
        .flat_map(|l| {
            let mut l = l.to_vec();
            l.insert(l.len() - 1, b'\r');
            l
        })
        .collect();
    let mixed: Vec<u8> = lf
        .split_inclusive(|&b| b == b'\n')
        .enumerate()
        .flat_map(|(i, l)| {
            let mut l = l.to_vec();
            if i % 3 == 0 {
                l.insert(l.len() - 1, b'\r');
            }
            l
        })
        .collect();
    let mut reports = Vec::new();
    for (name, data) in [("lf", &lf), ("crlf", &crlf), ("mixed", &mixed)] {
        let p = write(dir.path(), &format!("{name}.log"), data);
        for mmap in ["auto", "never"] {
            let (out, v) = triage(&["--mmap", mmap, &s(&p)], None);
            assert_eq!(out.code(), Some(0), "{name}: {}", out.stderr_text());
            assert_eq!(summary(&v, "parsed"), 3_001, "{name}");
            assert_eq!(summary(&v, "malformed"), 1, "{name}");
            assert_eq!(summary(&v, "empty"), 1, "{name}");
            reports.push((format!("{name} --mmap {mmap}"), normalize(v, &[&s(&p)])));
        }
    }
    for (what, r) in &reports[1..] {
        common::assert_same(&reports[0].1, r, what);
    }
}

// ------------------------------------------- 45–46. scan-core property test

/// What must not depend on chunking or threads.
#[derive(Debug, PartialEq)]
struct Counts {
    lines: u64,
    parsed: u64,
    malformed: Vec<u64>,
    overlong: u64,
    empty: u64,
    ambiguous: u64,
    incomplete: u64,
    unterminated: u64,
    nul_bytes: u64,
    bytes: u64,
    first: i64,
    last: i64,
    no_client: u64,
    status: Vec<(usize, u64)>,
    clients: Vec<(String, alf::aggregate::ClientStats)>,
    examples: Vec<(u64, &'static str, Vec<u8>, bool)>,
    classes: Vec<alf::aggregate::Seen>,
    offenders: Vec<(u128, alf::aggregate::classes::Offender)>,
}

fn counts(a: &Agg) -> Counts {
    Counts {
        lines: a.lines,
        parsed: a.parsed,
        malformed: a.malformed.to_vec(),
        overlong: a.overlong,
        empty: a.empty,
        ambiguous: a.ambiguous,
        incomplete: a.incomplete,
        unterminated: a.unterminated,
        nul_bytes: a.nul_bytes,
        bytes: a.bytes,
        first: a.first,
        last: a.last,
        no_client: a.no_client,
        status: a
            .status
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(s, c)| (s, *c))
            .collect(),
        clients: rank::clients(a, 0)
            .into_iter()
            .map(|r| (r.source.to_string(), r.stats))
            .collect(),
        examples: a
            .examples
            .iter()
            .map(|e| (e.line, e.kind.label(), e.head.clone(), e.truncated))
            .collect(),
        classes: a.classes.classes.to_vec(),
        offenders: {
            let mut v: Vec<_> = a.classes.offenders.iter().map(|(k, o)| (*k, *o)).collect();
            v.sort_by_key(|(k, _)| *k);
            v
        },
    }
}

const SAMPLES: &[&[u8]] = &[
    br#"203.0.113.7 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.0" 200 2326 "-" "ua""#,
    br#"::ffff:203.0.113.7 - - [10/Oct/2000:13:55:37 -0700] "GET /b HTTP/1.1" 404 - "http://x/" "M \"q\"""#,
    br#"2001:DB8::1 - u [11/Oct/2000:00:00:00 +0000] "POST /\x16 HTTP/1.1" 500 1 "-" "-""#,
    br#"host.example - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 301 0 "-" "x""#,
    b"2025/12/18 10:00:00 [error] 1#1: *5 open() failed, client: 5.7.9.2, server: s, request: \"GET / HTTP/1.1\"",
    b"2025/12/18 10:00:01 [error] 1#1: *6 x, client: 198.51.100.9, server: y, client: 203.0.113.7, server: s",
    b"[Sat Jun 01 02:17:42 2013] [error] [client 203.0.113.7] File does not exist: /x/[client 198.51.100.9]",
    b"[Thu Dec 24 18:58:33.123456 2020] [core:error] [pid 1:tid 2] [client 1.2.3.4:5678] AH00126: x",
];

fn piece() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    prop_oneof![
        3 => Just(b"\n".to_vec()),
        1 => Just(b"\r\n".to_vec()),
        1 => Just(b"\r".to_vec()),
        1 => Just(b"\"".to_vec()),
        1 => Just(b"\\".to_vec()),
        1 => (1usize..300).prop_map(|n| vec![0u8; n]),
        2 => proptest::collection::vec(any::<u8>(), 0..40),
        1 => proptest::collection::vec(prop_oneof![Just(b'"'), Just(b' '), Just(b'['), Just(b']'), Just(b'\n'), Just(0u8), Just(b'a')], 0..30),
        1 => (150usize..500, any::<u8>()).prop_map(|(n, b)| vec![b.max(1); n]),
        6 => (0..SAMPLES.len(), any::<bool>()).prop_map(|(i, nl)| {
            let mut v = SAMPLES[i].to_vec();
            if nl {
                v.push(b'\n');
            }
            v
        }),
        2 => (0..SAMPLES.len(), any::<proptest::sample::Index>(), any::<proptest::sample::Index>())
            .prop_map(|(i, a, b)| {
                let l = SAMPLES[i];
                let (a, b) = (a.index(l.len() + 1), b.index(l.len() + 1));
                l[a.min(b)..a.max(b)].to_vec()
            }),
    ]
}

#[test]
fn scan_is_the_same_for_any_chunking_and_threads() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .expect("pool");
    let formats: Vec<Format> = ["combined", "nginx_error", "apache_error"]
        .iter()
        .map(|n| format::preset(n).expect("preset"))
        .collect();
    let strategy = (
        proptest::collection::vec(piece(), 0..60).prop_map(|v| v.concat()),
        0..formats.len(),
        prop_oneof![Just(16usize), Just(100), Just(250), Just(4 << 20)],
        proptest::collection::vec(1usize..300, 3),
    );
    // ALF_PROPTEST_CASES=N runs a longer search.
    let cases = std::env::var("ALF_PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |(data, f, max_line, sizes)| {
            let fmt = &formats[f];
            let base = ScanOpts {
                chunk_size: 1 << 20,
                max_line,
                key: None,
                classify: true,
                ..ScanOpts::default()
            };
            // The reference: one sequential pass over the whole buffer, its
            // last line apart when it has no newline.
            let mut want = Agg::new(None, MAX_CLIENTS);
            let (body, last) = split_final(&data);
            want.scan(body, &Reading::of(fmt), &base);
            if let Some(last) = last {
                let mut fin = Agg::new(None, MAX_CLIENTS);
                fin.scan_final(last, &Reading::of(fmt), &base);
                want = want.merge(fin);
            }
            // Through a merge, as every other result goes.
            let want = counts(&Agg::new(None, MAX_CLIENTS).merge(want));
            prop_assert_eq!(want.lines, physical_lines(&data));
            prop_assert_eq!(
                want.lines,
                want.parsed
                    + want.malformed.iter().sum::<u64>()
                    + want.overlong
                    + want.empty
                    + want.ambiguous
                    + want.incomplete
            );
            for cs in sizes.iter().copied().chain([1, 4096]) {
                let opts = ScanOpts {
                    chunk_size: cs,
                    ..base.clone()
                };
                for (threads, pool) in [(1, &one), (3, &three)] {
                    let got = pool.install(|| scan_slice(&data, &Reading::of(fmt), &opts));
                    prop_assert_eq!(
                        &counts(&got),
                        &want,
                        "slice, chunk {}, {} threads",
                        cs,
                        threads
                    );
                    let (got, end) = pool.install(|| {
                        scan_stream(
                            Box::new(std::io::Cursor::new(data.clone())),
                            &Reading::of(fmt),
                            &opts,
                        )
                    });
                    prop_assert!(end.error.is_none());
                    prop_assert_eq!(end.bytes, data.len() as u64);
                    prop_assert_eq!(
                        &counts(&got),
                        &want,
                        "stream, chunk {}, {} threads",
                        cs,
                        threads
                    );
                }
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
}

/// Case 50: lines built to make the classifier work hard (100 000 `../`,
/// 1 MiB of `%25`, 10 000 query parameters, a Log4Shell opener repeated) are
/// classified in linear time and counted like any other line.
#[test]
fn classifier_stress_lines_are_classified_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let head = "203.0.113.7 - - [24/Dec/2020:18:58:33 +0900] \"GET ";
    let tail = " HTTP/1.1\" 404 0 \"-\" \"Mozilla/5.0\"\n";
    let targets = [
        format!("/{}etc/passwd", "../".repeat(100_000)),
        format!("/x?a={}", "%25".repeat(350_000)),
        format!(
            "/q?{}",
            (0..10_000)
                .map(|i| format!("p{i}=v"))
                .collect::<Vec<_>>()
                .join("&")
        ),
        format!("/{}", "${${".repeat(100_000)),
    ];
    // One ordinary line first, for format detection's sample.
    let mut data = format!("{head}/index.html{tail}");
    for t in &targets {
        data.push_str(head);
        data.push_str(t);
        data.push_str(tail);
    }
    let log = write(dir.path(), "stress.log", data.as_bytes());
    let started = Instant::now();
    let (out, v) = triage(&[s(&log)], None);
    assert!(out.status.success());
    assert_eq!(summary(&v, "parsed"), 5);
    // A hang guard, not a speed test: linear work on 2 MB takes well under a second.
    assert!(
        started.elapsed().as_secs() < 60,
        "took {:?}",
        started.elapsed()
    );
    let exploit = v["classes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "exploit")
        .expect("the traversal is an exploit probe");
    assert!(exploit["count"].as_u64().unwrap() >= 1);
}

// ------------------------------------------------ 48. distinct-client explosion

/// `alf triage` as JSON with every row, in small chunks on `threads`
/// threads, then `extra`.
fn every_row(threads: &str, extra: &[&str]) -> Vec<String> {
    let base = [
        "triage",
        "-o",
        "json",
        "-n",
        "0",
        "--chunk-size",
        "20000",
        "-j",
        threads,
    ];
    base.iter().chain(extra).map(|a| a.to_string()).collect()
}

/// More distinct clients than `--max-clients`: IPv6 rotating through one /48
/// and IPv4 scattered over many networks. Per-client memory stops at the cap;
/// the later clients are counted by network, the totals stay exact, and the
/// report says the counts are approximate.
#[test]
fn a_client_explosion_is_folded_into_networks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = |ip: &str, status: u16| {
        format!(
            "{ip} - - [24/Dec/2020:18:58:33 +0900] \"GET / HTTP/1.1\" {status} 5 \"-\" \"ua\"\n"
        )
    };
    // A heavy client first, then 3000 IPv6 and 3000 IPv4 clients.
    let mut data = line("198.51.100.7", 200).repeat(400);
    for i in 0..3000u32 {
        data.push_str(&line(&format!("2001:db8:48:{:x}:1::{:x}", i % 700, i), 200));
        let v4 = common::public_v4(i);
        data.push_str(&line(&v4.to_string(), 404));
    }
    let log = write(dir.path(), "explode.log", data.as_bytes());
    let requests = 400 + 6000;
    let run = |args: &[String], log: &Path| {
        let mut all = args.to_vec();
        all.push(s(log));
        let out = run_alf(&all, None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v = out.json("alf");
        (v, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    for threads in ["1", "2"] {
        let base = every_row(threads, &[]);
        let (v, stderr) = run(&every_row(threads, &["--max-clients", "500"]), &log);
        let rows = v["top_clients"].as_array().unwrap();
        let total: u64 = rows.iter().map(|r| r["requests"].as_u64().unwrap()).sum();
        assert_eq!(
            total, requests,
            "every request counted once ({threads} threads)"
        );
        assert_eq!(summary(&v, "requests"), requests);
        let networks: Vec<&str> = rows
            .iter()
            .map(|r| r["client"].as_str().unwrap())
            .filter(|c| c.contains('/'))
            .collect();
        let folded = summary(&v, "folded_requests");
        assert!(folded > 0 && !networks.is_empty());
        let by_network: u64 = rows
            .iter()
            .filter(|r| r["client"].as_str().unwrap().contains('/'))
            .map(|r| r["requests"].as_u64().unwrap())
            .sum();
        assert_eq!(by_network, folded);
        // Each thread holds 500 clients at most; the merge keeps 500.
        assert!(
            rows.len() - networks.len() <= 500,
            "{} rows, {} networks, {threads} threads",
            rows.len(),
            networks.len()
        );
        assert!(
            stderr.contains("more than 500 distinct clients"),
            "{stderr}"
        );
        // The status and byte counts are the log's whatever the folding.
        assert_eq!(v["status_classes"]["4xx"], 3000);
        // The heavy client came first: it keeps its own row.
        if threads == "1" {
            let heavy = rows.iter().find(|r| r["client"] == "198.51.100.7");
            assert_eq!(heavy.map(|r| r["requests"].as_u64()), Some(Some(400)));
        }
        // Under the cap nothing is folded, and nothing is said.
        let (v, stderr) = run(&base, &log);
        assert_eq!(summary(&v, "folded_requests"), 0);
        assert_eq!(summary(&v, "distinct_clients"), 6001);
        assert!(!stderr.contains("distinct clients:"), "{stderr}");
    }
    // `alf top --by ip` counts the same way.
    let top = [
        "top",
        "--by",
        "ip",
        "-o",
        "json",
        "-n",
        "0",
        "--max-clients",
        "100",
    ]
    .map(String::from);
    let counted = |v: &Value| -> u64 {
        let rows = v["top"].as_array().unwrap();
        rows.iter().map(|r| r["count"].as_u64().unwrap()).sum()
    };
    let (v, _) = run(&top, &log);
    assert_eq!(counted(&v), requests);

    // An error log's clients are capped alike.
    let mut errors = String::new();
    for i in 0..1000u32 {
        let ip = common::public_v4(i);
        errors.push_str(&format!(
            "[Thu Dec 24 18:58:40.123456 2020] [proxy_fcgi:error] [pid 1:tid 2] \
             (70007)The timeout specified has expired: [client {ip}:41736] AH01075: \
             Error dispatching request to : (polling)\n"
        ));
    }
    let (v, stderr) = run(&top, &write(dir.path(), "error.log", errors.as_bytes()));
    assert!(stderr.contains("error-log line(s) of"), "{stderr}");
    assert_eq!(counted(&v), 1000);
    let rows = v["top"].as_array().unwrap();
    assert!(rows.len() <= 200, "{} rows", rows.len());
    assert!(rows
        .iter()
        .any(|r| r["key"].as_str().unwrap().contains('/')));
}

/// CONNECT targets are the client's text: a log that names a new one on
/// every line keeps at most `MAX_PROXY_TARGETS` of them one by one, counts
/// the rest together, and says so; one target asked for by more clients
/// than are counted shows its count as a floor. Every proxy request is
/// counted once either way.
#[test]
fn a_proxy_target_explosion_is_capped() {
    use alf::aggregate::classes::{MAX_PROXY_TARGETS, MAX_TARGET_CLIENTS};
    let dir = tempfile::tempdir().expect("temp dir");
    let extra = 300;
    let targets = MAX_PROXY_TARGETS + extra;
    // One target first, asked for by more clients than it counts; then a
    // new target on every line.
    let mut data = String::new();
    for i in 0..MAX_TARGET_CLIENTS + 5 {
        let ip = common::public_v4(i as u32 | 1 << 28);
        data.push_str(&format!(
            "{ip} - - [24/Dec/2020:18:58:34 +0900] \"CONNECT busy.example:443 HTTP/1.1\" 200 3 \"-\" \"ua\"\n"
        ));
    }
    for i in 0..targets {
        let ip = common::public_v4(i as u32);
        data.push_str(&format!(
            "{ip} - - [24/Dec/2020:18:58:33 +0900] \"CONNECT t{i}.example:443 HTTP/1.1\" 504 7 \"-\" \"ua\"\n"
        ));
    }
    let requests = (targets + MAX_TARGET_CLIENTS + 5) as u64;
    let log = write(dir.path(), "targets.log", data.as_bytes());
    for threads in ["1", "2"] {
        let out = run_alf(
            &[
                "triage",
                "-o",
                "json",
                "-n",
                "0",
                "-j",
                threads,
                "--chunk-size",
                "100000",
            ]
            .map(String::from)
            .into_iter()
            .chain([s(&log)])
            .collect::<Vec<_>>(),
            None,
        );
        assert!(out.status.success());
        let v = out.json("alf");
        let rows = v["proxy_targets"].as_array().unwrap();
        assert!(rows.len() <= MAX_PROXY_TARGETS, "{} rows", rows.len());
        let other = &v["proxy_targets_other"];
        let kept: u64 = rows.iter().map(|r| r["requests"].as_u64().unwrap()).sum();
        let others = other["requests"].as_u64().unwrap();
        assert!(others > 0);
        assert_eq!(kept + others, requests, "{threads} threads");
        let bytes: u64 = rows
            .iter()
            .map(|r| r["bytes"].as_u64().unwrap())
            .sum::<u64>()
            + other["bytes"].as_u64().unwrap();
        assert_eq!(
            bytes,
            7 * targets as u64 + 3 * (MAX_TARGET_CLIENTS as u64 + 5)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!(
                "more than {MAX_PROXY_TARGETS} distinct proxy targets"
            )),
            "{stderr}"
        );
        // A target counts at most the capped number of clients, and says so.
        assert!(rows.iter().all(|r| {
            let n = r["clients"].as_u64().unwrap();
            n <= MAX_TARGET_CLIENTS as u64
                && (r["clients_capped"] == true) == (n == MAX_TARGET_CLIENTS as u64)
        }));
        if threads == "1" {
            // One thread reads in order: the busy target and the first
            // targets after it fill the cap. (On two, which targets a
            // worker keeps depends on which chunks it took first.)
            let busy = &rows[0];
            assert_eq!(busy["target"], "busy.example:443");
            assert_eq!(busy["clients"], MAX_TARGET_CLIENTS);
            assert_eq!(busy["clients_capped"], true);
            assert_eq!(others, (extra + 1) as u64);
        }
    }
    // Under the cap nothing is set aside, and nothing is said.
    let small: String = data.lines().take(50).map(|l| format!("{l}\n")).collect();
    let out = run_alf(
        &[
            "triage".into(),
            "-o".into(),
            "json".into(),
            s(&write(dir.path(), "small.log", small.as_bytes())),
        ],
        None,
    );
    let v = out.json("alf");
    assert_eq!(v["proxy_targets_other"], Value::Null);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("proxy targets"));
}

/// An offender held by address whose client came after the client table
/// filled: its requests were counted by network, so its row says they are
/// unknown and names the network, instead of showing 0.
#[test]
fn an_offender_past_the_client_cap_has_unknown_requests_not_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = |ip: &str, path: &str, status: u16| {
        format!("{ip} - - [24/Dec/2020:18:58:33 +0900] \"GET {path} HTTP/1.1\" {status} 5 \"-\" \"ua\"\n")
    };
    let mut data: String = (0..50)
        .map(|i| line(&format!("10.0.{i}.1"), "/", 200))
        .collect();
    data.push_str(&line("203.0.113.9", "/.env", 404).repeat(5));
    let log = write(dir.path(), "late.log", data.as_bytes());
    for threads in ["1", "2"] {
        let run = |extra: &[&str]| {
            let mut a = every_row(threads, extra);
            a.push(s(&log));
            run_alf(&a, None).json("alf")
        };
        let v = run(&["--max-clients", "10"]);
        let row = v["offenders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["client"] == "203.0.113.9")
            .unwrap_or_else(|| panic!("the prober has its row: {}", v["offenders"]));
        assert_eq!(row["classes"]["exploit"], 5, "{threads} threads");
        assert_eq!(row["requests"], Value::Null, "{threads} threads: {row}");
        assert_eq!(row["first_seen"], Value::Null);
        let note = row["notes"][0].as_str().unwrap_or("");
        let net = note
            .strip_prefix("requests counted with ")
            .and_then(|n| n.split(' ').next())
            .unwrap_or_else(|| panic!("{threads} threads: {row}"));
        // That network's row holds the prober's 5 requests.
        let held = v["top_clients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["client"] == net)
            .and_then(|r| r["requests"].as_u64());
        assert!(held.is_some_and(|n| n >= 5), "{net}: {held:?}");
        // Under the cap the row has its own count.
        let v = run(&[]);
        let row = &v["offenders"][0];
        assert_eq!(
            (&row["client"], &row["requests"]),
            (&"203.0.113.9".into(), &5.into())
        );
        assert_eq!(row["notes"], serde_json::json!([]));
    }
}

/// Distinct offending clients past `--max-clients` are listed by network,
/// as clients are: the offender table stays within the cap, and every class
/// hit is still counted once.
#[test]
fn an_offender_explosion_is_folded_into_networks() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = |ip: &str| {
        format!("{ip} - - [24/Dec/2020:18:58:33 +0900] \"GET /.env HTTP/1.1\" 404 5 \"-\" \"ua\"\n")
    };
    // A heavy prober first, then 3000 clients with one probe each.
    let mut data = line("198.51.100.7").repeat(50);
    for i in 0..3000u32 {
        let v4 = common::public_v4(i);
        data.push_str(&line(&v4.to_string()));
    }
    let log = write(dir.path(), "probes.log", data.as_bytes());
    let probes = 3050;
    for threads in ["1", "2"] {
        let args = |extra: &[&str]| {
            let mut a = every_row(threads, extra);
            a.push(s(&log));
            a
        };
        let out = run_alf(&args(&["--max-clients", "500"]), None);
        assert!(out.status.success());
        let v = out.json("alf");
        let rows = v["offenders"].as_array().unwrap();
        let exploits = |r: &Value| r["classes"]["exploit"].as_u64().unwrap_or(0);
        assert_eq!(
            rows.iter().map(exploits).sum::<u64>(),
            probes,
            "every probe counted once ({threads} threads)"
        );
        let (networks, addresses): (Vec<&Value>, Vec<&Value>) = rows
            .iter()
            .partition(|r| r["client"].as_str().unwrap().contains('/'));
        assert!(!networks.is_empty());
        assert!(addresses.len() <= 500, "{} addresses", addresses.len());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("more than 500 distinct offending clients"),
            "{stderr}"
        );
        // The 404 table keeps 500 clients too; the lines of the 2,501 others
        // (50 if one is the heavy prober) are counted as untested.
        let untested: u64 = stderr
            .split("distinct clients answered 404: ")
            .nth(1)
            .and_then(|t| t.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no 404 warning: {stderr}"));
        assert!((2501..=2550).contains(&untested), "{untested}");
        // One thread reads in order: the heavy prober came first and keeps
        // its own row, the first of the addresses (a network of many
        // probers may rank above it). On two, the merge may fold it.
        if threads == "1" {
            assert_eq!(addresses[0]["client"], "198.51.100.7");
            assert_eq!(exploits(addresses[0]), 50);
        }
        // Under the cap every offender has its own row, and nothing is said.
        let out = run_alf(&args(&[]), None);
        let v = out.json("alf");
        let rows = v["offenders"].as_array().unwrap();
        assert_eq!(rows.len(), 3001);
        assert!(rows
            .iter()
            .all(|r| !r["client"].as_str().unwrap().contains('/')));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("offending clients") && !stderr.contains("answered 404"));
    }
}

/// Case 8: loopback beyond 127.0.0.1, unspecified, multicast, link-local,
/// private, CGNAT and their IPv4-mapped forms are internal: listed as such
/// with their range, never ranked with the offenders, never in a rule.
#[test]
fn special_ranges_are_internal_never_offenders() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    let line = |ip: &str| {
        format!(
            "{ip} - - [10/Oct/2024:13:55:36 +0000] \"GET /.env HTTP/1.1\" 404 12 \"-\" \"curl\"\n"
        )
    };
    let internal = [
        "::ffff:10.1.2.3",
        "0.0.0.0",
        "224.0.0.1",
        "fe80::1",
        "100.64.1.1",
        "fc00::7",
    ];
    let external = ["8.8.8.8", "2a00:1450::1"];
    let mut log = String::new();
    for ip in internal
        .iter()
        .chain(&external)
        .chain(&["127.0.0.2", "::ffff:127.9.9.9"])
    {
        log.push_str(&line(ip));
    }
    // Past the client cap, private clients are counted by network.
    for i in 0..40 {
        log.push_str(&line(&format!("192.168.7.{i}")));
    }
    let path = write(dir, "special.log", log.as_bytes());
    let out = run_alf(
        &["-o", "json", "-j", "1", "--max-clients", "8", &s(&path)],
        None,
    );
    let v = out.json("special ranges");
    let clients = |k: &str| -> Vec<String> {
        v[k].as_array()
            .unwrap()
            .iter()
            .map(|o| o["client"].as_str().unwrap().to_string())
            .collect()
    };
    let mut offenders = clients("offenders");
    offenders.sort();
    assert_eq!(offenders, ["2a00:1450::1", "8.8.8.8"]);
    let inside = clients("internal_offenders");
    for ip in [
        "10.1.2.3",
        "0.0.0.0",
        "224.0.0.1",
        "fe80::1",
        "100.64.1.1",
        "fc00::7",
    ] {
        assert!(
            inside.iter().any(|c| c == ip),
            "{ip} not internal: {inside:?}"
        );
    }
    assert!(
        inside.iter().any(|c| c.starts_with("192.168.7.")),
        "{inside:?}"
    );
    // All of 127/8 is this machine.
    assert_eq!(v["summary"]["self_traffic"], 2);
    assert!(!inside
        .iter()
        .chain(&offenders)
        .any(|c| c.starts_with("127.")));
    // No rule names an internal address.
    let rules = run_alf(
        &["rules", "--target", "plain", "--min-score", "0", &s(&path)],
        None,
    );
    let text = String::from_utf8(rules.stdout).unwrap();
    let entries: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(entries, ["8.8.8.8/32", "2a00:1450::1/128"], "{text}");
}

/// Case 68, for the formats where a field the client writes comes before
/// its address (nginx `$host`, a logged `Host` header): address-shaped text
/// with spaces, dashes and quotes planted in those fields never becomes the
/// client. The line keeps its real client, or is counted as ambiguous or
/// malformed, or names no address: never the planted one.
#[test]
fn text_before_the_client_never_moves_it() {
    use alf::format::{AccessFormat, Dialect, Format, Parsed};
    use alf::record::{Client, Record};
    let real: std::net::IpAddr = "203.0.113.5".parse().unwrap();
    let planted = [
        "evil.example 198.51.100.9 -",
        "evil.example 198.51.100.9 - x",
        "198.51.100.9 -",
        "a 198.51.100.9 - - [10/Oct/2024:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"x\"",
        "evil\" 198.51.100.9 - \"",
        "- 198.51.100.9 - -",
    ];
    let users = ["-", "bob", "198.51.100.9 - x", "x - 198.51.100.9"];
    let mut formats: Vec<(String, Format, bool)> = ["nginx_vhost", "nginx_vhost_main"]
        .iter()
        .map(|n| (n.to_string(), format::preset(n).unwrap(), true))
        .collect();
    for (src, dialect) in [
        ("%{Host}i %h %l %u %t \"%r\" %>s %b", Dialect::Apache),
        ("$http_host $remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent", Dialect::Nginx),
        // The client first: the host after it cannot move it.
        ("%h %l %u %t \"%r\" %>s %b \"%{Host}i\"", Dialect::Apache),
    ] {
        let host_first = !src.starts_with('%') || src.starts_with("%{Host}i");
        formats.push((src.into(), Format::Access(AccessFormat::compile(src, dialect).unwrap()), host_first));
    }
    let mut checked = 0;
    for (name, f, host_first) in &formats {
        for host in planted {
            for user in users {
                let tail = "[10/Oct/2024:13:55:36 +0000] \"GET /.env HTTP/1.1\" 404 12";
                let line = if name.contains("nginx_vhost") {
                    let xff = if name.ends_with("main") { " \"-\"" } else { "" };
                    format!("{host} {real} - {user} {tail} \"-\" \"curl\"{xff}")
                } else if *host_first {
                    format!("{host} {real} - {user} {tail}")
                } else {
                    format!("{real} - {user} {tail} \"{host}\"")
                };
                let mut rec = Record::default();
                match f.parse(line.as_bytes(), &mut rec) {
                    Ok(Parsed::Ok) => match rec.client {
                        Client::Ip(ip) => {
                            assert_eq!(ip, real, "{name}: the client moved in {line}");
                            checked += 1;
                        }
                        Client::Other(_) | Client::None => {}
                    },
                    Ok(Parsed::Ambiguous) | Err(_) => {}
                }
            }
        }
        // An ordinary line still parses, with its client.
        let mut rec = Record::default();
        let plain = if *host_first || name.contains("nginx_vhost") {
            let xff = if name.ends_with("main") { " \"-\"" } else { "" };
            let tail = if name.contains("nginx_vhost") {
                format!(" \"-\" \"curl\"{xff}")
            } else {
                String::new()
            };
            format!("example.com {real} - bob [10/Oct/2024:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1{tail}")
        } else {
            format!("{real} - bob [10/Oct/2024:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 \"example.com\"")
        };
        assert!(
            matches!(f.parse(plain.as_bytes(), &mut rec), Ok(Parsed::Ok)),
            "{name}: {plain}"
        );
        assert_eq!(rec.client, Client::Ip(real), "{name}");
    }
    assert!(checked > 0);
}

/// Case 22: JSON keeps log text lossless. A real NUL and the four characters
/// `\x00` come out apart (`\u0000` and `\\x00`), bytes that are not UTF-8 are
/// recoverable from `KEY_b64` (decoded here by coreutils `base64 -d`), and
/// the table still shows both escaped, alike.
#[test]
fn json_keeps_log_text_lossless() {
    if !common::require_tool("base64") {
        return;
    }
    let line = |ua: &[u8]| {
        let mut l =
            b"203.0.113.7 - - [10/Oct/2024:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \""
                .to_vec();
        l.extend_from_slice(ua);
        l.extend_from_slice(b"\"\n");
        l
    };
    let uas: [&[u8]; 4] = [
        b"a\0b",
        b"a\\x00b",
        b"a\xff\xfeb",
        b"a</script>\x1b[2J\xe2\x80\xaeb",
    ];
    let mut log: Vec<u8> = uas.iter().flat_map(|u| line(u)).collect();
    // A malformed line's example keeps its text as well.
    log.extend_from_slice(b"junk \0 \\x00 \xff\n");
    for mode in ["json", "ndjson"] {
        let out = run_alf(&["top", "--by", "ua", "-o", mode], Some(&log));
        assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
        let text = String::from_utf8(out.stdout.clone()).expect("UTF-8");
        assert!(!text.contains('<') && !text.contains('\u{1b}'), "{text}");
        let rows: Vec<Value> = if mode == "json" {
            let v: Value = serde_json::from_str(&text).unwrap();
            v["top"].as_array().unwrap().clone()
        } else {
            text.lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect()
        };
        let mut got: Vec<Vec<u8>> = rows
            .iter()
            .map(|r| match r["key_b64"].as_str() {
                Some(b) => common::sh("printf %s \"$1\" | base64 -d", &[b]),
                None => r["key"].as_str().unwrap().as_bytes().to_vec(),
            })
            .collect();
        got.sort();
        let mut want: Vec<Vec<u8>> = uas.iter().map(|u| u.to_vec()).collect();
        want.sort();
        assert_eq!(got, want, "{mode}: {text}");
        assert!(
            text.contains(r"a\u0000b") && text.contains(r"a\\x00b"),
            "{text}"
        );
        // Only the key that needed it has a companion.
        assert_eq!(
            rows.iter().filter(|r| r.get("key_b64").is_some()).count(),
            1
        );
    }
    let (_, v) = triage::<&str>(&[], Some(&log));
    let ex = &v["examples"][0];
    assert_eq!(ex["text"], "junk \u{0} \\x00 \u{fffd}");
    assert_eq!(
        common::sh(
            "printf %s \"$1\" | base64 -d",
            &[ex["text_b64"].as_str().unwrap()]
        ),
        b"junk \0 \\x00 \xff"
    );
    // People still see the escaped form, in which the two look alike.
    let out = run_alf(&["top", "--by", "ua"], Some(&log));
    let shown = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(shown.matches(r"a\x00b").count(), 2, "{shown}");
    assert!(
        shown.contains(r"a\xff\xfeb") && shown.contains(r"\u{202e}"),
        "{shown}"
    );
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\0'),
        "{shown}"
    );
}

/// A JSON string field's raw bytes: its `FIELD_b64` companion (decoded by
/// coreutils `base64 -d`) when present, else the string's UTF-8.
fn raw_field(row: &Value, key: &str) -> Vec<u8> {
    match row[format!("{key}_b64")].as_str() {
        Some(b) => common::sh("printf %s \"$1\" | base64 -d", &[b]),
        None => row[key].as_str().expect(key).as_bytes().to_vec(),
    }
}

/// Case 22 for every string that carries log bytes: a client field that holds
/// no address and a malformed line's example, each with a real NUL, the four
/// characters `\x00`, an ESC and a byte that is not UTF-8, read back from
/// the JSON (and NDJSON) to their exact bytes, in one order however the
/// input is read. The sources a rule could take (offenders, suggested
/// blocks and their examples) are addresses, written canonically.
#[test]
fn clients_and_examples_read_back_to_their_bytes() {
    if !common::require_tool("base64") {
        return;
    }
    let texts: [&[u8]; 4] = [b"h\0x", b"h\\x00x", b"h\x1b[2Jx", b"h\xffx"];
    let mut log = Vec::new();
    let line = |log: &mut Vec<u8>, client: &[u8], req: &str| {
        log.extend_from_slice(client);
        log.extend_from_slice(
            format!(" - - [10/Oct/2024:13:55:36 +0000] \"{req}\" 404 1 \"-\" \"curl\"\n")
                .as_bytes(),
        );
    };
    // Two lines each: the NUL and the text `\x00` tie, and show alike.
    for c in texts.iter().chain(&texts) {
        line(&mut log, c, "GET / HTTP/1.1");
    }
    // An address that probes, for an offender and a suggested block.
    for req in [
        "GET /.env HTTP/1.1",
        "GET /.git/config HTTP/1.1",
        "GET /cgi-bin/.%2e/.%2e/bin/sh HTTP/1.1",
    ] {
        line(&mut log, b"198.51.100.23", req);
    }
    for c in texts {
        log.extend_from_slice(b"junk ");
        log.extend_from_slice(c);
        log.push(b'\n');
    }
    // Ranked by count, then as shown, then (shown alike) by the raw bytes.
    let want_clients: Vec<Vec<u8>> = [texts[1], texts[0], texts[2], texts[3]]
        .iter()
        .map(|t| t.to_vec())
        .collect();
    let want_examples: Vec<Vec<u8>> = texts.iter().map(|t| [b"junk ", *t].concat()).collect();
    let mut first: Option<Value> = None;
    for threads in ["1", "2"] {
        let (out, v) = triage(&["-j", threads], Some(&log));
        assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
        let clients: Vec<Vec<u8>> = v["top_clients"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["requests"] == 2)
            .map(|r| raw_field(r, "client"))
            .collect();
        assert_eq!(clients, want_clients, "{}", v["top_clients"]);
        assert_eq!(
            v["top_clients"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r.get("client_b64").is_some())
                .count(),
            1,
            "only the client that is not UTF-8 has a companion"
        );
        let examples: Vec<Vec<u8>> = v["examples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| raw_field(r, "text"))
            .collect();
        assert_eq!(examples, want_examples);
        // What a rule could take is an address, never log text.
        let offenders = v["offenders"].as_array().unwrap();
        assert!(!offenders.is_empty(), "{v}");
        for o in offenders {
            assert_eq!(o["client"], "198.51.100.23", "{o}");
        }
        let blocks = v["suggested_blocks"].as_array().unwrap();
        assert!(!blocks.is_empty(), "{v}");
        for b in blocks {
            for e in b["examples"].as_array().unwrap() {
                let ip: std::net::IpAddr = e.as_str().unwrap().parse().unwrap();
                assert_eq!(ip.to_string(), e.as_str().unwrap());
            }
        }
        // The same document however it was read (but for the timing).
        let mut v = v;
        v.as_object_mut().unwrap().remove("timing");
        match &first {
            Some(f) => assert_eq!(&v, f, "-j {threads}"),
            None => first = Some(v),
        }
    }
    // NDJSON rows carry the same bytes.
    let out = run_alf(&["triage", "-o", "ndjson"], Some(&log));
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let clients: Vec<Vec<u8>> = rows
        .iter()
        .filter(|r| r["type"] == "client" && r["requests"] == 2)
        .map(|r| raw_field(r, "client"))
        .collect();
    assert_eq!(clients, want_clients);
    // People see them escaped: the NUL and the text `\x00` alike.
    let out = run_alf(&["triage"], Some(&log));
    let shown = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(shown.matches(r"h\x00x").count(), 2 + 2, "{shown}");
    assert!(shown.contains(r"h\x1b[2Jx") && shown.contains(r"h\xffx"));
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\0'),
        "{shown}"
    );
}

/// Cases 6 and 7: a client field that holds no address (a hostname, `-`,
/// shell text, 4 KiB of `A`) or an address spelt ambiguously (octal, hex,
/// short, five parts, out of range) is counted as a client without an
/// address, shown as written: never an offender, never a block, and its text
/// in no rule file, though it probes like the address beside it that is
/// blocked.
#[test]
fn clients_that_are_no_address_never_reach_a_rule() {
    let long = "A".repeat(4096);
    let texts = [
        "crawl-1.example.com",
        "-",
        "unknown",
        "$(reboot)",
        "`id`",
        "1.2.3.4;rm${IFS}-rf${IFS}~",
        "0127.0.0.1",
        "0x7f.0.0.1",
        "127.1",
        "1.2.3.4.5",
        "256.1.1.1",
        long.as_str(),
    ];
    let probes = [
        "GET /.env HTTP/1.1",
        "GET /.git/config HTTP/1.1",
        "GET /cgi-bin/.%2e/.%2e/bin/sh HTTP/1.1",
    ];
    let mut log = String::new();
    for c in texts.iter().chain(&["198.51.100.23"]) {
        for p in probes {
            log += &format!("{c} - - [10/Oct/2024:13:55:36 +0000] \"{p}\" 404 1 \"-\" \"curl\"\n");
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "access.log", log.as_bytes());
    let (out, v) = triage(&[s(&file)], None);
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    let n = probes.len() as u64;
    assert_eq!(summary(&v, "non_ip_clients"), texts.len() as u64 * n);
    let shown: Vec<&str> = v["top_clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["client"].as_str().unwrap())
        .collect();
    for t in texts {
        assert!(shown.contains(&t), "{t} is shown as written: {shown:?}");
    }
    let offenders: Vec<&Value> = v["offenders"]
        .as_array()
        .unwrap()
        .iter()
        .chain(v["internal_offenders"].as_array().unwrap())
        .collect();
    assert_eq!(offenders.len(), 1, "{offenders:?}");
    assert_eq!(offenders[0]["client"], "198.51.100.23");
    let want: Vec<ipnet::IpNet> = vec!["198.51.100.23/32".parse().unwrap()];
    for t in alf::rules::TARGETS {
        let id = t.id();
        if id.starts_with("origin-") {
            continue;
        }
        let extra: &[&str] = if id == "aws-nacl" {
            &["--nacl-id", "acl-0123abcd"]
        } else {
            &[]
        };
        let mut args = vec!["rules", "--target", id];
        args.extend(extra);
        let f = s(&file);
        args.push(&f);
        let out = run_alf(&args, None);
        assert_eq!(out.code(), Some(0), "{id}: {}", out.stderr_text());
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        rule_files::assert_reads_back(id, &text, &rule_files::wanted(id, &want, &[]));
        for t in &texts[3..] {
            assert!(!text.contains(t), "{id}: {t} in the rules:\n{text}");
        }
        assert!(!text.contains("crawl-1"), "{id}:\n{text}");
    }
}

/// Case 24: an input whose name holds an ESC sequence, a newline and `$(id)`,
/// and which gets a warning and malformed lines with control bytes: what
/// alf writes on stderr (and in the table) names it escaped, in one line.
#[test]
fn a_hostile_file_name_is_escaped_on_stderr() {
    let dir = tempfile::tempdir().expect("temp dir");
    let name = "a\x1b[2J\nb$(id).log";
    let mut data = combined_lines(3, 24);
    data.extend_from_slice(b"junk \x1b]0;pwned\x07 line\n");
    // A last line cut short: the warning names the file.
    data.extend_from_slice(b"203.0.113.9 - - [10/Oct/2024:13:55:36 +0000] \"GET / HT");
    let file = write(dir.path(), name, &data);
    for output in ["table", "json"] {
        let out = run_alf(&["triage", "-o", output, &s(&file)], None);
        assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
        assert_clean(&out.stderr, &format!("{output} (stderr)"));
        assert_clean(&out.stdout, output);
        let err = out.stderr_text();
        let warning: Vec<&str> = err.lines().filter(|l| l.contains("incomplete")).collect();
        assert_eq!(warning.len(), 1, "{err}");
        assert!(
            warning[0].contains(r"a\x1b[2J\x0ab$(id).log"),
            "{}",
            warning[0]
        );
    }
    // Nor when the name is wrong.
    let missing = dir.path().join("gone\x1b[31m\n.log");
    let out = run_alf(&["triage", &s(&missing)], None);
    assert_eq!(out.code(), Some(3));
    assert_clean(&out.stderr, "missing (stderr)");
    assert_eq!(
        out.stderr_text().lines().count(),
        1,
        "{}",
        out.stderr_text()
    );
}

/// Case 31, the inputs beside FIFOs and stdin: a procfs file (size 0, with
/// content) is streamed to its end; a character device that is empty
/// (`/dev/null`) is an empty input; a socket is a clean error naming it, and
/// the other inputs are still read.
#[test]
fn procfs_devices_and_sockets_are_streamed_or_refused() {
    let proc = Path::new("/proc/self/mountinfo");
    if proc.exists() {
        let lines = fs::read(proc)
            .expect("read procfs")
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        assert_eq!(fs::metadata(proc).unwrap().len(), 0);
        let (out, v) = triage(&["--format", "combined", "/proc/self/mountinfo"], None);
        assert_eq!(out.status.signal(), None);
        assert_eq!(input0(&v, "read"), "stream", "{}", out.stderr_text());
        // Another process's view may differ by a mount or two, never by all.
        let got = summary(&v, "lines");
        assert!(got > 0 && got.abs_diff(lines) <= 2, "{got} vs {lines}");
    }
    let (out, v) = triage(&["/dev/null"], None);
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    assert_eq!(summary(&v, "lines"), 0);
    assert_eq!(input0(&v, "read"), "stream");

    let dir = tempfile::tempdir().expect("temp dir");
    let sock = dir.path().join("log.sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).expect("bind");
    let good = write(dir.path(), "good.log", &combined_lines(50, 31));
    let (out, v) = triage(&[s(&sock), s(&good)], None);
    let err = out.stderr_text();
    assert_eq!(out.code(), Some(1), "{err}");
    assert!(
        err.contains("log.sock") && !err.contains("panicked"),
        "{err}"
    );
    assert_eq!(summary(&v, "parsed"), 50);
    let (out, _) = triage(&[s(&sock)], None);
    assert_eq!(out.code(), Some(3), "{}", out.stderr_text());
}

/// Case 39: lines of another format are reported as such, not read into the
/// wrong fields: nginx `main` lines in a `combined` log (whose User-Agent
/// would swallow the `"$http_x_forwarded_for"` field), and JSON lines.
#[test]
fn other_formats_are_not_misread() {
    let combined = |i: usize| {
        format!("203.0.113.{i} - - [10/Oct/2024:13:55:36 +0000] \"GET /c{i} HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 (X11)\"\n")
    };
    let main = |i: usize| {
        format!("198.51.100.{i} - - [10/Oct/2024:13:55:37 +0000] \"GET /m{i} HTTP/1.1\" 200 5 \"-\" \"curl/8.5\" \"192.0.2.{i}, 10.0.0.1\"\n")
    };
    let json = |i: usize| {
        format!("{{\"time\":\"2024-10-10T13:55:38+00:00\",\"remote_addr\":\"192.0.2.{i}\",\"request\":\"GET /j HTTP/1.1\",\"status\":200}}\n")
    };
    let mut log = String::new();
    for i in 0..60 {
        log.push_str(&combined(i));
        if i % 3 == 0 {
            log.push_str(&main(i));
        }
        if i % 4 == 0 {
            log.push_str(&json(i));
        }
    }
    let (out, v) = triage::<&str>(&[], Some(log.as_bytes()));
    assert_eq!(out.code(), Some(0), "{}", out.stderr_text());
    assert_eq!(v["inputs"][0]["format"], "combined");
    assert_eq!(summary(&v, "parsed"), 60);
    assert_eq!(summary(&v, "malformed"), 20 + 15);
    assert_eq!(
        v["inputs"][0]["other_formats"],
        serde_json::json!([{ "format": "nginx_main", "lines": 20 }, { "format": "json-lines", "lines": 15 }])
    );
    let err = out.stderr_text();
    assert!(
        err.contains("nginx_main") && err.contains("json-lines"),
        "{err}"
    );
    // No User-Agent took in the forwarded-for field; no line of the others
    // became a client.
    let top = run_alf(&["top", "--by", "ua", "-o", "json"], Some(log.as_bytes())).json("top");
    assert_eq!(
        common::top_rows(&top),
        [("Mozilla/5.0 (X11)".to_string(), 60)]
    );
    assert!(common::client_rows(&v)
        .iter()
        .all(|(c, _)| c.starts_with("203.0.113.")));
    // A whole JSON-lines log is not recognised, and the error says what it is.
    let only: String = (0..5).map(json).collect();
    let out = run_alf(&["triage"], Some(only.as_bytes()));
    assert_eq!(out.code(), Some(4));
    assert!(
        out.stderr_text().contains("JSON lines"),
        "{}",
        out.stderr_text()
    );
}

/// Errors about what was typed never echo a raw control byte: clap's usage
/// errors and alf's own are escaped (`\x1b`), so an argument pasted from
/// an attacker's text cannot drive the terminal.
#[test]
fn errors_never_echo_control_bytes_from_arguments() {
    let cases: &[&[&str]] = &[
        &["--client", "\x1b[31m"],
        &["triage", "--client", "\x1b[31m"],
        &["triage", "bad\x1bname"],
        &["\x1b[31mtriage"],
        &["--\x1b[31m"],
        &["--format", "\x1b]0;x\x07"],
        &["triage", "--since", "\x1b[2J"],
        &["top", "--by", "\x1b[2J"],
        &["triage", "--trusted-proxy", "10.0.0.0/\x1b[2J"],
        &["rules", "--target", "\u{9b}31m"],
        &["--\u{9b}2Jx"],
    ];
    for args in cases {
        let out = run_alf(args, None);
        assert_ne!(out.code(), Some(0), "{args:?}");
        let err = &out.stderr;
        let raw = err.iter().any(|&b| (b < 0x20 && b != b'\n') || b == 0x7f)
            || String::from_utf8_lossy(err).contains('\u{9b}');
        assert!(!raw, "{args:?}: {:?}", String::from_utf8_lossy(err));
        assert!(!err.is_empty(), "{args:?}: no message");
    }
    // On a terminal too, where clap would keep an ESC sequence it found in
    // an argument (it strips them only in a pipe): the error is plain text.
    if !common::require_tool("script") {
        return;
    }
    let cmd = format!("{} \"--$(printf '\\033[31mx')\"", common::alf_bin());
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .expect("script");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains("unexpected argument"), "{text:?}");
}

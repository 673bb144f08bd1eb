//! The scan core over a combined log generated in memory: parse every line,
//! count by client. Whole-process timing against the alternatives lives in
//! `../shared/tools/bench-anchors.sh`; this isolates the core.

use std::hint::black_box;

use alf::aggregate::{Agg, MAX_CLIENTS};
use alf::format::preset;
use alf::scan::{scan_slice, scan_stream, Reading, ScanOpts};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

mod common;
use common::Line;

/// About `n` lines of combined log from `clients` distinct addresses.
fn log(n: usize, clients: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 230);
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let paths = [
        "/",
        "/index.html",
        "/wp-login.php",
        "/static/app.js?v=3",
        "/api/v1/items/42",
    ];
    let uas = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        "curl/8.5.0",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    ];
    for i in 0..n {
        let x = common::next(&mut x);
        Line {
            client: (x % clients as u64) as u32 + 0x0a00_0000,
            second: i,
            request: &format!("GET {} HTTP/1.1", paths[(x >> 20) as usize % paths.len()]),
            status: [200, 200, 304, 404, 504][(x >> 30) as usize % 5],
            bytes: (x >> 40) % 50_000,
            referer: "-",
            ua: uas[(x >> 50) as usize % uas.len()],
        }
        .write(&mut out);
    }
    out
}

fn scan(c: &mut Criterion) {
    let data = log(200_000, 50_000);
    let fmt = preset("combined").unwrap();
    let opts = ScanOpts::default();
    let mut g = c.benchmark_group("scan");
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.bench_function("combined_one_thread", |b| {
        b.iter(|| {
            let mut a = Agg::new(None, MAX_CLIENTS);
            a.scan(black_box(&data), &Reading::of(&fmt), &opts);
            black_box(a.parsed)
        })
    });
    g.bench_function("combined_pool", |b| {
        b.iter(|| black_box(scan_slice(black_box(&data), &Reading::of(&fmt), &opts).parsed))
    });
    // A pipe hands out at most 64 KiB a read: the stream path as
    // `zcat old.gz | alf -` and `tail -n 1000000 access_log | alf` meet it.
    let shared: std::sync::Arc<[u8]> = data.clone().into();
    g.bench_function("combined_stream_64k_reads", |b| {
        b.iter(|| {
            let pipe = PipeLike(std::io::Cursor::new(shared.clone()));
            black_box(
                scan_stream(Box::new(pipe), &Reading::of(&fmt), &opts)
                    .0
                    .parsed,
            )
        })
    });
    g.finish();
}

/// A reader that gives at most 64 KiB a call, as a pipe does.
struct PipeLike(std::io::Cursor<std::sync::Arc<[u8]>>);

impl std::io::Read for PipeLike {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(64 << 10);
        self.0.read(&mut buf[..n])
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = scan
}
criterion_main!(benches);

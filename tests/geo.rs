//! The geo/ASN lookup layer (`alf::geo`) on real databases: MaxMind's test
//! databases checked against the JSON they were built from, DB-IP's country
//! database and the RouteViews/NRO/DB-IP ASN database against known facts,
//! MaxMind's broken files and other bad inputs, discovery, credits and the
//! cache.

mod common;

use std::ffi::OsStr;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde_json::Value;

use alf::escape::escape;
use alf::geo::{GeoCache, GeoDbs, GeoError, GeoInfo, DBIP_CREDIT};

use common::testdata;

fn maxmind(name: &str) -> PathBuf {
    testdata(&format!("geo/maxmind-test/{name}.mmdb"))
}

fn dbip_country() -> PathBuf {
    testdata("geo/dbip-country.mmdb")
}

fn asn_db() -> PathBuf {
    testdata("geo/asn.mmdb")
}

fn open(paths: &[PathBuf]) -> GeoDbs {
    GeoDbs::open(paths).unwrap_or_else(|e| panic!("open {paths:?}: {e}"))
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn info(country: Option<&str>, asn: Option<u32>, as_org: Option<&str>) -> GeoInfo {
    GeoInfo {
        country: country.map(str::to_owned),
        asn,
        as_org: as_org.map(str::to_owned),
    }
}

const BROKEN: [&str; 5] = [
    "GeoIP2-City-Test-Broken-Double-Format",
    "GeoIP2-City-Test-Invalid-Node-Count",
    "MaxMind-DB-test-broken-pointers-24",
    "MaxMind-DB-test-broken-search-tree-24",
    "MaxMind-DB-test-pointer-decoder",
];

// ---- MaxMind's test databases against their source JSON ----

/// One record of a `source-data/*.json` file: its network and what a lookup
/// must answer for an address in it.
struct Expected {
    net: IpNet,
    info: GeoInfo,
}

/// The JSON's networks are written `1.0.0.0/24`, `2001:218::/32` or, for
/// IPv4 in an IPv6 tree, `::1.128.0.0/107`; a few have host bits set
/// (`::74.209.24.0/116`), which the database writer truncates.
fn source_data(name: &str) -> Vec<Expected> {
    let path = testdata(&format!("geo/maxmind-test/source-data/{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    for entry in json.as_array().unwrap() {
        for (net, record) in entry.as_object().unwrap() {
            let net: IpNet = net.parse().unwrap_or_else(|e| panic!("{net}: {e}"));
            let iso = |key: &str| record[key]["iso_code"].as_str();
            let country = iso("country").or(iso("registered_country"));
            let asn = record["autonomous_system_number"]
                .as_u64()
                .map(|n| u32::try_from(n).unwrap());
            let org = record["autonomous_system_organization"].as_str();
            out.push(Expected {
                net: net.trunc(),
                info: info(country, asn, asn.and(org)),
            });
        }
    }
    out
}

/// `::a.b.c.d` (the IPv4 subtree of an IPv6 database) as the IPv4 address
/// alf would look up.
fn v4_of_compatible(a: Ipv6Addr) -> Option<Ipv4Addr> {
    let n = u128::from(a);
    (n >> 32 == 0 && n > 0xffff).then(|| Ipv4Addr::from(n as u32))
}

/// The addresses to check for a network: its first and last, each also in
/// its other form when it is IPv4 in the IPv6 tree.
fn probes(net: IpNet) -> Vec<IpAddr> {
    let mut out = Vec::new();
    for a in [net.network(), net.broadcast()] {
        out.push(a);
        match a {
            IpAddr::V6(v6) => out.extend(v4_of_compatible(v6).map(IpAddr::V4)),
            IpAddr::V4(v4) => out.push(IpAddr::V6(Ipv6Addr::from(u128::from(u32::from(v4))))),
        }
    }
    out
}

fn contains(net: &IpNet, a: IpAddr) -> bool {
    match (net, a) {
        (IpNet::V6(n), IpAddr::V4(v4)) => n.contains(&Ipv6Addr::from(u128::from(u32::from(v4)))),
        (IpNet::V4(n), IpAddr::V6(v6)) => v4_of_compatible(v6).is_some_and(|v4| n.contains(&v4)),
        (n, a) => n.contains(&a),
    }
}

/// Checks every network of the JSON (first and last address, both forms);
/// an address two records cover with different answers (the writer kept
/// one) is left out. Returns the number of addresses checked.
fn check_against_source(db: &str, json: &str) -> usize {
    let dbs = open(&[maxmind(db)]);
    let expected = source_data(json);
    let mut checked = 0;
    for e in &expected {
        for a in probes(e.net) {
            let covering: Vec<&GeoInfo> = expected
                .iter()
                .filter(|o| contains(&o.net, a))
                .map(|o| &o.info)
                .collect();
            if covering.iter().any(|i| *i != &e.info) {
                continue;
            }
            assert_eq!(dbs.lookup(a), e.info, "{db}: {a} (in {})", e.net);
            checked += 1;
        }
    }
    assert_eq!(dbs.lookup_errors(), 0, "{db}");
    checked
}

#[test]
fn city_test_database_answers_as_its_source() {
    let n = check_against_source("GeoIP2-City-Test", "GeoIP2-City-Test");
    assert!(n > 400, "only {n} addresses checked");
    let dbs = open(&[maxmind("GeoIP2-City-Test")]);
    assert_eq!(dbs.lookup(ip("81.2.69.142")), info(Some("GB"), None, None));
    // Country (GB) beats registered country (FR).
    assert_eq!(
        dbs.lookup(ip("2.125.160.216")),
        info(Some("GB"), None, None)
    );
    assert_eq!(dbs.lookup(ip("2001:218::1")), info(Some("JP"), None, None));
    // `::214.0.0.0/120` in the JSON: IPv4 in the IPv6 tree.
    assert_eq!(dbs.lookup(ip("214.0.0.1")), info(Some("SG"), None, None));
}

#[test]
fn country_test_database_answers_as_its_source() {
    let n = check_against_source("GeoIP2-Country-Test", "GeoIP2-Country-Test");
    assert!(n > 600, "only {n} addresses checked");
}

#[test]
fn asn_test_database_answers_as_its_source() {
    let n = check_against_source("GeoLite2-ASN-Test", "GeoLite2-ASN-Test");
    assert!(n > 1400, "only {n} addresses checked");
    let dbs = open(&[maxmind("GeoLite2-ASN-Test")]);
    let telstra = info(None, Some(1221), Some("Telstra Pty Ltd"));
    for a in ["1.128.0.0", "1.150.3.4", "1.159.255.255"] {
        assert_eq!(dbs.lookup(ip(a)), telstra, "{a}");
    }
    // A record with a number and no organisation.
    assert_eq!(dbs.lookup(ip("12.81.96.1")), info(None, Some(7018), None));
}

#[test]
fn isp_test_database_answers_as_its_source() {
    // Every network of this JSON is written `::a.b.c.d/n`: an IPv6-only
    // tree, looked up here with IPv4 addresses as well.
    let n = check_against_source("GeoIP2-ISP-Test", "GeoIP2-ISP-Test");
    assert!(n > 7500, "only {n} addresses checked");
    let dbs = open(&[maxmind("GeoIP2-ISP-Test")]);
    assert_eq!(
        dbs.lookup(ip("1.128.0.1")),
        info(None, Some(1221), Some("Telstra Pty Ltd"))
    );
}

// ---- The real databases shipped in testdata/geo ----

#[test]
fn dbip_country_database() {
    let dbs = open(&[dbip_country()]);
    for (a, cc) in [
        ("1.1.1.1", "AU"),
        ("8.8.8.8", "US"),
        ("83.149.9.216", "RU"),
        // Hetzner (AS24940, Germany) and Yandex (AS13238, Russia) IPv6.
        ("2a01:4f8::1", "DE"),
        ("2a02:6b8::1", "RU"),
        // IPv4-mapped IPv6 is looked up as IPv4 (this file has no alias
        // for ::ffff:0:0/96).
        ("::ffff:8.8.8.8", "US"),
    ] {
        assert_eq!(dbs.lookup(ip(a)), info(Some(cc), None, None), "{a}");
    }
    for a in [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.1.1",
        "::1",
        "fe80::1",
        "2001:db8::1",
    ] {
        assert_eq!(dbs.lookup(ip(a)), GeoInfo::default(), "{a}");
    }
    assert_eq!(dbs.lookup_errors(), 0);
    let sources = dbs.sources();
    assert_eq!(sources.len(), 1);
    assert!(sources[0].dbip);
    assert!(sources[0].path.ends_with("dbip-country.mmdb"));
    assert!(sources[0].build_epoch > 1_700_000_000);
    assert_eq!(dbs.credits(), Some(DBIP_CREDIT));
}

#[test]
fn routeviews_dbip_asn_database() {
    let dbs = open(&[asn_db()]);
    for (a, asn, org) in [
        ("8.8.8.8", 15169, "Google LLC"),
        ("1.1.1.1", 13335, "Cloudflare, Inc."),
        ("2001:4860:4860::8888", 15169, "Google LLC"),
        ("2606:4700:4700::1111", 13335, "Cloudflare, Inc."),
        ("2a01:4f8::1", 24940, "Hetzner Online GmbH"),
    ] {
        assert_eq!(dbs.lookup(ip(a)), info(None, Some(asn), Some(org)), "{a}");
    }
    for a in ["127.0.0.1", "10.1.2.3", "192.168.1.1", "::1", "fd00::1"] {
        assert_eq!(dbs.lookup(ip(a)), GeoInfo::default(), "{a}");
    }
    let s = &dbs.sources()[0];
    assert_eq!(s.database_type, "GeoLite2-ASN");
    assert!(s.dbip, "its description names DB-IP");
}

#[test]
fn country_and_asn_come_from_the_first_database_that_has_them() {
    let both = open(&[dbip_country(), asn_db()]);
    assert_eq!(
        both.lookup(ip("8.8.8.8")),
        info(Some("US"), Some(15169), Some("Google LLC"))
    );
    assert_eq!(
        both.lookup(ip("2a02:6b8::1")),
        info(Some("RU"), Some(13238), Some("YANDEX LLC"))
    );
    assert_eq!(both.lookup(ip("10.1.2.3")), GeoInfo::default());

    // 214.0.0.1: SG in MaxMind's (fake) test data, US in DB-IP's.
    let a = ip("214.0.0.1");
    let test_first = open(&[maxmind("GeoIP2-City-Test"), dbip_country()]);
    assert_eq!(test_first.lookup(a).country.as_deref(), Some("SG"));
    let dbip_first = open(&[dbip_country(), maxmind("GeoIP2-City-Test")]);
    assert_eq!(dbip_first.lookup(a).country.as_deref(), Some("US"));

    // The organisation comes with its number, from the same database.
    let asn_first = open(&[maxmind("GeoLite2-ASN-Test"), asn_db()]);
    assert_eq!(
        asn_first.lookup(ip("1.128.0.1")),
        info(None, Some(1221), Some("Telstra Pty Ltd"))
    );
    assert_eq!(
        asn_first.lookup(ip("12.81.96.1")),
        info(None, Some(7018), None)
    );
    let real_first = open(&[asn_db(), maxmind("GeoLite2-ASN-Test")]);
    assert_eq!(
        real_first.lookup(ip("1.128.0.1")),
        info(None, Some(1221), Some("Telstra Limited"))
    );
}

#[test]
fn networks_are_looked_up_by_their_first_address() {
    let dbs = open(&[dbip_country(), asn_db()]);
    for (net, first) in [
        ("8.8.8.0/24", "8.8.8.0"),
        ("8.8.8.77/24", "8.8.8.0"),
        ("2001:4860:4860::8888/64", "2001:4860:4860::"),
        ("83.149.9.0/24", "83.149.9.0"),
    ] {
        let net: IpNet = net.parse().unwrap();
        assert_eq!(dbs.lookup_net(net), dbs.lookup(ip(first)), "{net}");
    }
}

// ---- Broken and wrong files ----

#[test]
fn broken_maxmind_files() {
    // Each either fails to open with a clear error, or opens and answers
    // lookups it cannot read with the default.
    for name in BROKEN {
        let path = maxmind(name);
        match GeoDbs::open(std::slice::from_ref(&path)) {
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.starts_with(&escape(path.as_os_str().as_encoded_bytes())),
                    "{msg}"
                );
                match name {
                    "MaxMind-DB-test-pointer-decoder" => {
                        assert!(matches!(e, GeoError::NotGeo { .. }), "{name}: {msg}")
                    }
                    _ => assert!(matches!(e, GeoError::Invalid { .. }), "{name}: {msg}"),
                }
            }
            Ok(dbs) => {
                assert_eq!(
                    name, "GeoIP2-City-Test-Broken-Double-Format",
                    "{name} opened"
                );
                // An old build of the City test data in which some records
                // hold a double of the wrong size: lookups of those give the
                // default and are counted; the others answer.
                assert_eq!(dbs.lookup(ip("81.2.69.142")), info(Some("GB"), None, None));
                let mut failed = 0;
                for e in source_data("GeoIP2-City-Test") {
                    for a in probes(e.net) {
                        let before = dbs.lookup_errors();
                        let got = dbs.lookup(a);
                        if dbs.lookup_errors() > before {
                            assert_eq!(got, GeoInfo::default(), "{a}");
                            failed += 1;
                        }
                    }
                }
                assert!(failed > 0);
                assert_eq!(dbs.lookup_errors(), failed);
            }
        }
    }
}

#[test]
fn files_that_are_not_databases() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.mmdb");
    std::fs::write(&empty, b"").unwrap();
    let text = dir.path().join("text.mmdb");
    std::fs::write(&text, "GeoLite2-City\n".repeat(1000)).unwrap();
    // The marker without metadata after it.
    let marker = dir.path().join("marker.mmdb");
    std::fs::write(&marker, b"\0\0\0\0\xab\xcd\xefMaxMind.com").unwrap();
    let no_mmdb = dir.path().join("no-mmdb");
    std::fs::create_dir(&no_mmdb).unwrap();
    std::fs::write(no_mmdb.join("GeoLite2-City.mmdb.gz"), b"x").unwrap();
    for p in [&empty, &text, &marker] {
        let e = GeoDbs::open(std::slice::from_ref(p)).unwrap_err();
        assert!(
            matches!(e, GeoError::Invalid { .. }),
            "{}: {e}",
            p.display()
        );
    }
    let e = GeoDbs::open(std::slice::from_ref(&no_mmdb)).unwrap_err();
    assert!(matches!(e, GeoError::EmptyDir { .. }), "{e}");
    assert!(matches!(GeoDbs::open(&[]), Err(GeoError::Nothing)));

    // A FIFO must not block the open.
    let fifo = dir.path().join("fifo.mmdb");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let e = GeoDbs::open(std::slice::from_ref(&fifo)).unwrap_err();
    assert!(matches!(e, GeoError::NotAFile { .. }), "{e}");
}

#[test]
fn directories_skip_other_kinds_of_database_and_fail_on_broken_ones() {
    let dir = tempfile::tempdir().unwrap();
    let link =
        |name: &str, to: &Path| std::os::unix::fs::symlink(to, dir.path().join(name)).unwrap();
    link("b-asn.mmdb", &maxmind("GeoLite2-ASN-Test"));
    link(
        "a-decoder.mmdb",
        &maxmind("MaxMind-DB-test-pointer-decoder"),
    );
    link("c-country.MMDB", &maxmind("GeoIP2-Country-Test"));
    std::fs::write(dir.path().join("notes.txt"), b"not read").unwrap();
    let dbs = open(&[dir.path().to_path_buf()]);
    let types: Vec<String> = dbs.sources().into_iter().map(|s| s.database_type).collect();
    assert_eq!(types, ["GeoLite2-ASN", "GeoIP2-Country"]);
    assert_eq!(dbs.skipped().len(), 1);
    assert!(dbs.skipped()[0].ends_with("a-decoder.mmdb"));

    let only_other = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        maxmind("MaxMind-DB-test-pointer-decoder"),
        only_other.path().join("x.mmdb"),
    )
    .unwrap();
    let e = GeoDbs::open(&[only_other.path().to_path_buf()]).unwrap_err();
    assert!(matches!(e, GeoError::NoGeoInDir { count: 1, .. }), "{e}");

    link(
        "d-broken.mmdb",
        &maxmind("MaxMind-DB-test-broken-search-tree-24"),
    );
    let e = GeoDbs::open(&[dir.path().to_path_buf()]).unwrap_err();
    assert!(e.to_string().contains("d-broken.mmdb"), "{e}");
}

/// A small deterministic generator (xorshift64*), so failures repeat.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn random_addresses_never_panic() {
    let mut paths: Vec<PathBuf> = [
        "GeoIP2-City-Test",
        "GeoIP2-Country-Test",
        "GeoLite2-ASN-Test",
        "GeoIP2-ISP-Test",
    ]
    .iter()
    .chain(BROKEN.iter())
    .map(|n| maxmind(n))
    .collect();
    paths.extend([dbip_country(), asn_db()]);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut opened = 0;
    for path in &paths {
        let Ok(dbs) = GeoDbs::open(std::slice::from_ref(path)) else {
            continue;
        };
        opened += 1;
        let mut found = 0;
        for i in 0..10_000 {
            let a = match i % 4 {
                0 | 1 => IpAddr::V4(Ipv4Addr::from(rng.next() as u32)),
                // Global unicast, where the data is.
                2 => IpAddr::V6(Ipv6Addr::from(
                    (u128::from(rng.next()) << 64 | u128::from(rng.next())) >> 3 | 1 << 125,
                )),
                _ => IpAddr::V6(Ipv6Addr::from(
                    u128::from(rng.next()) << 64 | u128::from(rng.next()),
                )),
            };
            let got = dbs.lookup(a);
            if got != GeoInfo::default() {
                found += 1;
            }
            let net = IpNet::new(a, (rng.next() % 129) as u8).unwrap_or_else(|_| IpNet::from(a));
            dbs.lookup_net(net);
        }
        assert_eq!(dbs.lookups(), 20_000);
        if path == &dbip_country() || path == &asn_db() {
            assert!(found > 3_000, "{}: {found} of 10,000 found", path.display());
        }
    }
    assert_eq!(opened, 7, "the 6 good databases and Broken-Double-Format");
}

// ---- Discovery ----

fn discovered(explicit: &[PathBuf], env: Option<&str>, dirs: &[&Path]) -> Option<Vec<String>> {
    GeoDbs::discover(explicit, env.map(OsStr::new), dirs)
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|dbs| dbs.sources().into_iter().map(|s| s.database_type).collect())
}

#[test]
fn discovery_order() {
    let geo_dir = testdata("geo");
    let dirs: &[&Path] = &[Path::new("/nonexistent/alf-geo"), &geo_dir];
    let country = maxmind("GeoIP2-Country-Test");
    let asn = maxmind("GeoLite2-ASN-Test");
    let env = format!("{}:{}", asn.display(), country.display());

    // Explicit beats env beats the default directories.
    assert_eq!(
        discovered(std::slice::from_ref(&country), Some(&env), dirs),
        Some(vec!["GeoIP2-Country".to_owned()])
    );
    assert_eq!(
        discovered(&[], Some(&env), dirs),
        Some(vec!["GeoLite2-ASN".to_owned(), "GeoIP2-Country".to_owned()])
    );
    // The first default directory holding any *.mmdb, read whole and sorted.
    assert_eq!(
        discovered(&[], None, dirs),
        Some(vec!["GeoLite2-ASN".to_owned(), "country ipvAll".to_owned()])
    );
    // An empty value is no value.
    assert_eq!(discovered(&[], Some(""), dirs), discovered(&[], None, dirs));
    // A directory in ALF_GEOIP is scanned too.
    let env_dir = geo_dir.display().to_string();
    assert_eq!(
        discovered(&[], Some(&env_dir), &[]),
        discovered(&[], None, dirs)
    );

    // ALF_GEOIP=none (or off): no geo, whatever the directories hold.
    assert_eq!(discovered(&[], Some("none"), dirs), None);
    assert_eq!(discovered(&[], Some("off"), dirs), None);
    // ... but a path named on the command line still counts.
    assert!(discovered(std::slice::from_ref(&country), Some("none"), dirs).is_some());

    // Nothing anywhere: no geo, not an error.
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        discovered(
            &[],
            None,
            &[empty.path(), Path::new("/nonexistent/alf-geo")]
        ),
        None
    );
}

#[test]
fn a_named_path_that_does_not_exist_is_an_error_naming_it() {
    let missing = PathBuf::from("/nonexistent/alf-\x1b[31mgeo.mmdb");
    let shown = escape(missing.as_os_str().as_encoded_bytes());
    assert!(shown.contains("\\x1b"), "{shown}");
    for (explicit, env) in [
        (vec![missing.clone()], None),
        (vec![], Some(missing.as_os_str())),
        (
            vec![],
            Some(OsStr::new(
                "/nonexistent/alf-\x1b[31mgeo.mmdb:/also-missing",
            )),
        ),
    ] {
        let e = GeoDbs::discover(&explicit, env, &[]).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, GeoError::Open { .. }), "{msg}");
        assert!(msg.starts_with(&shown), "{msg}");
        assert!(!msg.contains('\x1b'), "{msg}");
    }
}

// ---- Credits ----

#[test]
fn credits_only_with_dbip_data() {
    let maxmind_only = open(&[maxmind("GeoIP2-City-Test"), maxmind("GeoLite2-ASN-Test")]);
    assert_eq!(maxmind_only.credits(), None);
    assert!(maxmind_only.sources().iter().all(|s| !s.dbip));
    assert_eq!(open(&[dbip_country()]).credits(), Some(DBIP_CREDIT));
    assert_eq!(open(&[asn_db()]).credits(), Some(DBIP_CREDIT));
    assert_eq!(
        open(&[maxmind("GeoIP2-City-Test"), asn_db()]).credits(),
        Some("IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0")
    );
}

// ---- The cache ----

#[test]
fn cache_answers_as_lookups_and_asks_once_per_key() {
    let dbs = open(&[dbip_country(), asn_db()]);
    let ips: Vec<IpAddr> = [
        "8.8.8.8",
        "1.1.1.1",
        "10.1.2.3",
        "2a01:4f8::1",
        "::ffff:8.8.8.8",
    ]
    .iter()
    .map(|s| ip(s))
    .collect();
    let nets: Vec<IpNet> = ["8.8.8.0/24", "8.8.8.9/24", "2a01:4f8::/64", "1.1.1.0/24"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let direct_ips: Vec<GeoInfo> = ips.iter().map(|&a| dbs.lookup(a)).collect();
    let direct_nets: Vec<GeoInfo> = nets.iter().map(|&n| dbs.lookup_net(n)).collect();
    let before = dbs.lookups();

    let mut cache = GeoCache::new(&dbs);
    for _ in 0..3 {
        for (a, want) in ips.iter().zip(&direct_ips) {
            assert_eq!(cache.ip(*a), want, "{a}");
        }
        for (n, want) in nets.iter().zip(&direct_nets) {
            assert_eq!(cache.net(*n), want, "{n}");
        }
    }
    // 4 distinct addresses (::ffff:8.8.8.8 is 8.8.8.8) and 3 distinct
    // networks (8.8.8.9/24 is 8.8.8.0/24), each looked up once.
    assert_eq!(dbs.lookups() - before, 4 + 3);
}

#[test]
fn databases_can_be_shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<GeoDbs>();
    let dbs = open(&[dbip_country(), asn_db()]);
    let answers: Vec<GeoInfo> = std::thread::scope(|s| {
        let handles: Vec<_> = ["8.8.8.8", "1.1.1.1"]
            .iter()
            .map(|a| s.spawn(|| dbs.lookup(ip(a))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(answers[0].asn, Some(15169));
    assert_eq!(answers[1].asn, Some(13335));
    assert_eq!(dbs.lookups(), 2);
}

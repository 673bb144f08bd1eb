//! Country and AS of an address, from MaxMind DB (`.mmdb`) files.
//!
//! alf shows the country and the autonomous system (number and organisation)
//! of the clients and networks it reports. This module opens the databases
//! and answers lookups; it never fetches anything.
//!
//! Layouts read (one record type, every field optional, see `record.rs`):
//! GeoIP2/GeoLite2 Country and City (`country.iso_code`, else
//! `registered_country.iso_code`), DB-IP's country layout (top-level
//! `country_code`), GeoLite2-ASN and GeoIP2-ISP (`autonomous_system_number`,
//! `autonomous_system_organization`). Several databases can be open at once,
//! in order: the first that has a country for an address gives the country,
//! the first that has an AS number gives the number and its organisation.
//!
//! Databases are memory-mapped: alf looks up only the addresses it reports,
//! so a lookup touches a few pages of a file and reads nothing else. The
//! files must not be truncated in place while alf runs (a write to a new
//! file renamed over the old one, as `geoipupdate` does, is safe): reading a
//! page past a truncated end raises SIGBUS, like any reader of a mapped file.
//!
//! Hostile or broken files: opening checks the file (a regular file, the
//! MaxMind DB metadata marker in its last 128 KiB, metadata the reader
//! accepts) and probes its first records (see `open.rs`); a file that fails
//! is an error naming it. The reader returns errors, never panics, on bad
//! data (it bounds depth, sizes and pointers itself), so a lookup that meets
//! corrupt data gives [`GeoInfo::default()`] and is counted in
//! [`GeoDbs::lookup_errors`].

pub mod discover;
mod open;
mod record;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use ipnet::IpNet;
use maxminddb::Reader;

use crate::escape::escape;
use open::{open_db, open_dir, open_nonblocking};

pub use discover::{DEFAULT_DIRS, ENV};

/// The attribution DB-IP's licence (CC BY 4.0) asks for wherever its data is shown.
pub const DBIP_CREDIT: &str = "IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0";

/// What the databases say about one address. Text is escaped
/// ([`crate::escape`]): a database is a file like any other.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GeoInfo {
    /// ISO 3166-1 alpha-2 code, upper case (`"US"`).
    pub country: Option<String>,
    /// The AS number; AS0 (reserved, "not routed") counts as none.
    pub asn: Option<u32>,
    /// The AS organisation, from the database that gave `asn`.
    pub as_org: Option<String>,
}

/// One open database, as reports list it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeoSource {
    /// The file, escaped.
    pub path: String,
    /// `database_type` from the file's metadata, escaped.
    pub database_type: String,
    /// When it was built, in seconds since 1970 (UTC), from its metadata.
    pub build_epoch: u64,
    /// DB-IP data, whose licence asks for credit (see [`GeoDbs::credits`]).
    pub dbip: bool,
}

/// A database that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("{path}: {source}")]
    Open {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a regular file or directory")]
    NotAFile { path: String },
    #[error("{path}: not a valid MaxMind DB file: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: not a country or ASN database (database_type \"{database_type}\")")]
    NotGeo { path: String, database_type: String },
    #[error("{path}: no .mmdb file in this directory")]
    EmptyDir { path: String },
    #[error("{path}: no country or ASN database among its {count} .mmdb files")]
    NoGeoInDir { path: String, count: usize },
    /// [`GeoDbs::open`] was given no path.
    #[error("no geo database named")]
    Nothing,
}

struct Db {
    reader: Reader<memmap2::Mmap>,
    source: GeoSource,
}

/// The opened databases, in the order they are asked.
pub struct GeoDbs {
    dbs: Vec<Db>,
    /// Files of a named directory that are databases of another kind.
    skipped: Vec<String>,
    lookups: AtomicU64,
    errors: AtomicU64,
}

impl std::fmt::Debug for GeoDbs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoDbs")
            .field("sources", &self.sources())
            .field("skipped", &self.skipped)
            .finish_non_exhaustive()
    }
}

/// A path as reports show it.
fn shown(path: &Path) -> String {
    escape(path.as_os_str().as_encoded_bytes())
}

impl GeoDbs {
    /// Opens the databases a user named: each path a `.mmdb` file or a
    /// directory (every `*.mmdb` in it, sorted by name). A file named
    /// directly must be a country or ASN database; in a directory, databases
    /// of other kinds (GeoIP2-Anonymous-IP, say) are skipped and listed in
    /// [`GeoDbs::skipped`], and the directory must hold at least one usable.
    pub fn open(paths: &[PathBuf]) -> Result<GeoDbs, GeoError> {
        if paths.is_empty() {
            return Err(GeoError::Nothing);
        }
        let mut dbs = Vec::new();
        let mut skipped = Vec::new();
        for path in paths {
            let file = open_nonblocking(path)?;
            let meta = file.metadata().map_err(|source| GeoError::Open {
                path: shown(path),
                source,
            })?;
            if meta.is_dir() {
                drop(file);
                open_dir(path, &mut dbs, &mut skipped)?;
            } else {
                dbs.push(open_db(path, &file, &meta)?);
            }
        }
        Ok(GeoDbs {
            dbs,
            skipped,
            lookups: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        })
    }

    /// Finds the databases to use: `explicit` paths (`--geoip PATH`) if any;
    /// else the paths in `env` (the `ALF_GEOIP` value, split like `PATH` at
    /// `:`; `none` or `off` means no geo at all); else the first of
    /// `default_dirs` ([`DEFAULT_DIRS`] in alf) that holds any `*.mmdb`.
    /// `Ok(None)`: nothing to use, which is not an error. `Err`: a path that
    /// was named, or a database found in a default directory, cannot be used.
    pub fn discover(
        explicit: &[PathBuf],
        env: Option<&std::ffi::OsStr>,
        default_dirs: &[&Path],
    ) -> Result<Option<GeoDbs>, GeoError> {
        match discover::choose(explicit, env, default_dirs) {
            Some(paths) => GeoDbs::open(&paths).map(Some),
            None => Ok(None),
        }
    }

    /// The country and AS of `ip`. An IPv4-mapped IPv6 address is looked up
    /// as IPv4. An address no database holds (private, loopback, unrouted)
    /// gives `GeoInfo::default()`, and so does one whose record is corrupt
    /// (counted in [`GeoDbs::lookup_errors`]).
    pub fn lookup(&self, ip: IpAddr) -> GeoInfo {
        let ip = ip.to_canonical();
        self.lookups.fetch_add(1, Ordering::Relaxed);
        let mut info = GeoInfo::default();
        for db in &self.dbs {
            if info.country.is_some() && info.asn.is_some() {
                break;
            }
            if ip.is_ipv6() && db.reader.metadata().ip_version == 4 {
                continue;
            }
            match record::read(&db.reader, ip) {
                Ok(Some(found)) => {
                    if info.country.is_none() {
                        info.country = found.country;
                    }
                    if info.asn.is_none() && found.asn.is_some() {
                        info.asn = found.asn;
                        info.as_org = found.as_org;
                    }
                }
                Ok(None) => {}
                Err(_) => {
                    self.errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        info
    }

    /// The country and AS of a network, taken from its own (first) address,
    /// `net.network()`: a network that spans several records of a database
    /// gets the answer for its first address.
    pub fn lookup_net(&self, net: IpNet) -> GeoInfo {
        self.lookup(net.network())
    }

    /// Each open database, in lookup order.
    pub fn sources(&self) -> Vec<GeoSource> {
        self.dbs.iter().map(|db| db.source.clone()).collect()
    }

    /// Files in a named directory that are valid databases of another kind
    /// (escaped paths), not used.
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// The attribution to show with the data: DB-IP's, when any DB-IP
    /// database is open.
    pub fn credits(&self) -> Option<&'static str> {
        self.dbs
            .iter()
            .any(|db| db.source.dbip)
            .then_some(DBIP_CREDIT)
    }

    /// Records that could not be read (corrupt data) since the databases were opened.
    pub fn lookup_errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Lookups done (calls of [`GeoDbs::lookup`] and [`GeoDbs::lookup_net`]).
    pub fn lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }
}

/// A cache in front of lookups: alf looks up only the addresses and networks
/// it reports, each once.
pub struct GeoCache<'a> {
    dbs: &'a GeoDbs,
    ips: HashMap<IpAddr, GeoInfo>,
    nets: HashMap<IpNet, GeoInfo>,
}

impl<'a> GeoCache<'a> {
    pub fn new(dbs: &'a GeoDbs) -> Self {
        GeoCache {
            dbs,
            ips: HashMap::new(),
            nets: HashMap::new(),
        }
    }

    /// [`GeoDbs::lookup`], once per address.
    pub fn ip(&mut self, ip: IpAddr) -> &GeoInfo {
        let dbs = self.dbs;
        self.ips
            .entry(ip.to_canonical())
            .or_insert_with(|| dbs.lookup(ip))
    }

    /// [`GeoDbs::lookup_net`], once per network (`10.0.0.1/8` and
    /// `10.0.0.0/8` are one network).
    pub fn net(&mut self, net: IpNet) -> &GeoInfo {
        let dbs = self.dbs;
        self.nets
            .entry(net.trunc())
            .or_insert_with(|| dbs.lookup_net(net))
    }
}

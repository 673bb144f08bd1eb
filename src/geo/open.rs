//! Opening a database: the checks a file passes before alf reads it, and
//! the probe that tells a country or ASN database from others.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use maxminddb::{MaxMindDbError, Reader, WithinOptions};

use super::{discover, record, shown, Db, GeoError, GeoSource};
use crate::escape::escape;

/// The MaxMind DB format puts its metadata after this marker, in the file's
/// last 128 KiB.
const METADATA_MARKER: &[u8] = b"\xab\xcd\xefMaxMind.com";
const METADATA_MAX: usize = 128 * 1024;

/// Opens without blocking: a FIFO given as a database must not hang alf.
pub(super) fn open_nonblocking(path: &Path) -> Result<File, GeoError> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|source| GeoError::Open {
            path: shown(path),
            source,
        })
}

pub(super) fn open_dir(
    dir: &Path,
    dbs: &mut Vec<Db>,
    skipped: &mut Vec<String>,
) -> Result<(), GeoError> {
    let files = discover::mmdb_files(dir).map_err(|source| GeoError::Open {
        path: shown(dir),
        source,
    })?;
    if files.is_empty() {
        return Err(GeoError::EmptyDir { path: shown(dir) });
    }
    let before = dbs.len();
    for path in &files {
        let file = open_nonblocking(path)?;
        let meta = file.metadata().map_err(|source| GeoError::Open {
            path: shown(path),
            source,
        })?;
        match open_db(path, &file, &meta) {
            Ok(db) => dbs.push(db),
            Err(GeoError::NotGeo { .. }) => skipped.push(shown(path)),
            Err(e) => return Err(e),
        }
    }
    if dbs.len() == before {
        return Err(GeoError::NoGeoInDir {
            path: shown(dir),
            count: files.len(),
        });
    }
    Ok(())
}

pub(super) fn open_db(path: &Path, file: &File, meta: &std::fs::Metadata) -> Result<Db, GeoError> {
    let invalid = |message: &str| GeoError::Invalid {
        path: shown(path),
        message: escape(message.as_bytes()),
    };
    if !meta.is_file() {
        return Err(GeoError::NotAFile { path: shown(path) });
    }
    if meta.len() == 0 {
        return Err(invalid("empty file"));
    }
    // The file is opened and checked here and mapped with memmap2, then handed
    // to `Reader::from_source`: maxminddb's own `open_mmap` (its `mmap`
    // feature) opens the path itself, which blocks on a FIFO.
    // SAFETY: a read-only private map of a regular file. If another process
    // truncated the file in place while it is mapped, reading the lost pages
    // would raise SIGBUS (see the module documentation); nothing else can
    // change what safe code sees through the map.
    let map = unsafe { memmap2::Mmap::map(file) }.map_err(|source| GeoError::Open {
        path: shown(path),
        source,
    })?;
    let tail = &map[map.len().saturating_sub(METADATA_MAX)..];
    if memchr::memmem::rfind(tail, METADATA_MARKER).is_none() {
        return Err(invalid("no MaxMind DB metadata in its last 128 KiB"));
    }
    let reader = Reader::from_source(map).map_err(|e| invalid(&e.to_string()))?;
    let metadata = reader.metadata();
    let source = GeoSource {
        path: shown(path),
        database_type: escape(metadata.database_type.as_bytes()),
        build_epoch: metadata.build_epoch,
        dbip: is_dbip(path, metadata),
    };
    match probe(&reader) {
        Probe::Geo => Ok(Db { reader, source }),
        Probe::Other => Err(GeoError::NotGeo {
            path: source.path,
            database_type: source.database_type,
        }),
        Probe::Broken(e) => Err(invalid(&e.to_string())),
    }
}

/// DB-IP data, by what the file says of itself: its `database_type` or a
/// description names DB-IP (`dbip`, `db-ip`, any case), as DB-IP's own files
/// (`DBIP-Country-Lite`) and databases built from its data do, or its file
/// name does (ip-location-db's `dbip-country.mmdb`, whose metadata names no
/// source: `database_type` "country ipvAll", no description).
fn is_dbip(path: &Path, metadata: &maxminddb::Metadata) -> bool {
    let names = |s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("dbip") || s.contains("db-ip")
    };
    names(&metadata.database_type)
        || metadata.description.values().any(|d| names(d))
        || path
            .file_name()
            .is_some_and(|n| names(&n.to_string_lossy()))
}

enum Probe {
    /// A record with a country or an AS number was found.
    Geo,
    /// Records, but none with those fields.
    Other,
    /// The tree or the data is corrupt.
    Broken(MaxMindDbError),
}

/// Networks the probe walks (with or without data) and records it decodes.
const PROBE_NETWORKS: usize = 4096;
const PROBE_RECORDS: usize = 256;

/// Whether a database holds countries or AS numbers, decided by walking its
/// first networks in address order and decoding their records until one has
/// either field (metadata `database_type` names are free text, so they are
/// not trusted). A real database has data within its first few networks
/// (1.0.0.0/24 in a world database); the walk stops after [`PROBE_NETWORKS`]
/// networks or [`PROBE_RECORDS`] records, so a hostile tree cannot make it
/// long. A record of another shape (a decoding error) is "other"; an invalid
/// tree, pointer or data is "broken".
fn probe(reader: &Reader<memmap2::Mmap>) -> Probe {
    let networks = match reader.networks(WithinOptions::default().include_networks_without_data()) {
        Ok(n) => n,
        Err(e) => return Probe::Broken(e),
    };
    let mut records = 0;
    let mut broken = None;
    for item in networks.take(PROBE_NETWORKS) {
        let result = match item {
            Ok(r) => r,
            Err(e) => {
                broken.get_or_insert(e);
                continue;
            }
        };
        if !result.has_data() {
            continue;
        }
        records += 1;
        match record::decode(&result) {
            Ok(Some(found)) if found.country.is_some() || found.asn.is_some() => return Probe::Geo,
            Ok(_) | Err(MaxMindDbError::Decoding { .. }) => {}
            Err(e) => {
                broken.get_or_insert(e);
            }
        }
        if records >= PROBE_RECORDS {
            break;
        }
    }
    match broken {
        Some(e) => Probe::Broken(e),
        None => Probe::Other,
    }
}

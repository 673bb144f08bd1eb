//! Where the databases are: named paths, `ALF_GEOIP`, or the directories
//! where distributions and `geoipupdate` put them.

use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};

/// The environment variable naming databases (like `PATH`: `a.mmdb:/dir`).
pub const ENV: &str = "ALF_GEOIP";

/// Searched in this order when nothing is named: the first that holds any
/// `*.mmdb` is used.
pub const DEFAULT_DIRS: [&str; 3] = [
    "/usr/share/GeoIP",
    "/var/lib/GeoIP",
    "/usr/local/share/GeoIP",
];

/// The paths to open, or `None` for no geo (see [`super::GeoDbs::discover`]).
pub(super) fn choose(
    explicit: &[PathBuf],
    env: Option<&OsStr>,
    default_dirs: &[&Path],
) -> Option<Vec<PathBuf>> {
    if !explicit.is_empty() {
        return Some(explicit.to_vec());
    }
    if let Some(value) = env {
        if is_off(value) {
            return None;
        }
        let named: Vec<PathBuf> = std::env::split_paths(value)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        if !named.is_empty() {
            return Some(named);
        }
    }
    default_dirs
        .iter()
        .find(|dir| mmdb_files(dir).is_ok_and(|files| !files.is_empty()))
        .map(|dir| vec![dir.to_path_buf()])
}

/// `ALF_GEOIP=none` (or `off`, any case, spaces around ignored).
pub fn is_off(value: &OsStr) -> bool {
    let v = value.to_string_lossy();
    let v = v.trim();
    v.eq_ignore_ascii_case("none") || v.eq_ignore_ascii_case("off")
}

/// The `*.mmdb` entries of a directory (not its subdirectories), sorted by
/// name (byte order).
pub(super) fn mmdb_files(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_mmdb = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("mmdb"));
        if is_mmdb {
            files.push(path);
        }
    }
    files.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_values() {
        for v in ["none", "off", "NONE", " Off "] {
            assert!(is_off(OsStr::new(v)), "{v}");
        }
        for v in ["", "no", "none:off", "/none"] {
            assert!(!is_off(OsStr::new(v)), "{v}");
        }
    }

    #[test]
    fn env_is_split_like_path_and_empty_parts_are_dropped() {
        let got = choose(&[], Some(OsStr::new("a.mmdb::/x/b.mmdb:")), &[]);
        assert_eq!(
            got,
            Some(vec![PathBuf::from("a.mmdb"), PathBuf::from("/x/b.mmdb")])
        );
        // Empty: as if unset, so the default directories are searched.
        assert_eq!(choose(&[], Some(OsStr::new("")), &[]), None);
        assert_eq!(choose(&[], Some(OsStr::new(":")), &[]), None);
    }

    #[test]
    fn default_dirs_without_mmdb_are_passed_over() {
        let missing = Path::new("/nonexistent/alf-geo-test");
        let no_mmdb = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let geo = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/geo");
        let got = choose(&[], None, &[missing, &no_mmdb, &geo]);
        assert_eq!(got, Some(vec![geo.clone()]));
        assert_eq!(choose(&[], None, &[missing, &no_mmdb]), None);
    }

    #[test]
    fn directory_listing_is_sorted_and_only_mmdb() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/geo");
        let names: Vec<String> = mmdb_files(&dir)
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["asn.mmdb", "dbip-country.mmdb"]);
    }
}

//! Telling whether a regular file changed while alf read it.
//!
//! A mapped file shows writes as they happen, and a stream reads on from its
//! offset whatever is there by then: a file rewritten in place (`cp new log`,
//! a writer that opens with `O_TRUNC`) would give a scan that mixes old and
//! new lines. A [`Snapshot`] taken when the file is opened holds its size,
//! mtime, device and inode, and a few bytes read at places spread over it;
//! after the read, [`Snapshot::check`] compares. An append (a live log) only
//! grows the file and leaves every sample as it was; a rewrite changes the
//! samples, or the mtime without the size; a cut shrinks it; a rotation by
//! rename leaves the file alone but gives its name to another.

use std::fs::{File, Metadata};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;

/// Places sampled, besides the file's last bytes.
const SAMPLES: u64 = 16;
/// Bytes read at each place.
const SAMPLE_BYTES: u64 = 512;

/// A regular file as it was opened.
#[derive(Debug)]
pub struct Snapshot {
    len: u64,
    mtime: (i64, i64),
    dev: u64,
    ino: u64,
    /// Offsets and the bytes found there.
    samples: Vec<(u64, Vec<u8>)>,
}

/// What became of a file while it was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    None,
    /// Appended to: the bytes there at open are unchanged.
    Grew,
    /// Shorter than at open.
    Shrank,
    /// Bytes there at open are different now (or the file was written
    /// inside without growing).
    Rewritten,
}

/// [`Change`], and whether the name now leads to another file (rotated by
/// rename, or deleted): what was read is the file as opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checked {
    pub change: Change,
    pub replaced: bool,
}

fn mtime(m: &Metadata) -> (i64, i64) {
    (m.mtime(), m.mtime_nsec())
}

impl Snapshot {
    /// Takes the snapshot of an open regular file; `None` for anything else
    /// (a pipe cannot change under alf: it is read once).
    pub fn take(file: &File) -> Option<Snapshot> {
        let m = file.metadata().ok().filter(Metadata::is_file)?;
        let len = m.len();
        let mut offsets: Vec<u64> = (0..SAMPLES).map(|i| len / SAMPLES * i).collect();
        offsets.push(len.saturating_sub(SAMPLE_BYTES));
        offsets.dedup();
        let samples = offsets
            .into_iter()
            .filter_map(|at| Some((at, sample(file, at, len)?)))
            .collect();
        Some(Snapshot {
            len,
            mtime: mtime(&m),
            dev: m.dev(),
            ino: m.ino(),
            samples,
        })
    }

    /// The file's size when it was opened.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// What became of `file` (the one the snapshot was taken of), and of the
    /// name `path` it was opened by.
    pub fn check(&self, file: &File, path: &Path) -> Checked {
        let replaced = path
            .metadata()
            .map_or(true, |m| m.dev() != self.dev || m.ino() != self.ino);
        let change = match file.metadata() {
            Err(_) => Change::Rewritten,
            Ok(m) if m.len() < self.len => Change::Shrank,
            Ok(m) => {
                let same = self
                    .samples
                    .iter()
                    .all(|(at, bytes)| sample(file, *at, self.len).as_ref() == Some(bytes));
                if !same || (m.len() == self.len && mtime(&m) != self.mtime) {
                    Change::Rewritten
                } else if m.len() > self.len {
                    Change::Grew
                } else {
                    Change::None
                }
            }
        };
        Checked { change, replaced }
    }
}

/// A regular file being read, with its snapshot from when it was opened.
#[derive(Debug)]
pub struct Watch {
    file: File,
    path: std::path::PathBuf,
    snapshot: Snapshot,
}

impl Watch {
    /// Watches `file`, opened by `path`; `None` if it is not a regular file.
    pub fn new(file: &File, path: &Path) -> Option<Watch> {
        Some(Watch {
            snapshot: Snapshot::take(file)?,
            // The same open file: a rename or a new file under the name
            // does not change what this reads.
            file: file.try_clone().ok()?,
            path: path.to_path_buf(),
        })
    }

    /// The file's size when it was opened.
    pub fn len(&self) -> u64 {
        self.snapshot.len()
    }

    pub fn is_empty(&self) -> bool {
        self.snapshot.is_empty()
    }

    pub fn check(&self) -> Checked {
        self.snapshot.check(&self.file, &self.path)
    }
}

/// Up to [`SAMPLE_BYTES`] at `at`, within the first `len` bytes.
fn sample(file: &File, at: u64, len: u64) -> Option<Vec<u8>> {
    let n = SAMPLE_BYTES.min(len.saturating_sub(at)) as usize;
    let mut buf = vec![0; n];
    file.read_exact_at(&mut buf, at).ok()?;
    Some(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn check(p: &Path, f: &File, s: &Snapshot) -> Checked {
        s.check(f, p)
    }

    #[test]
    fn appends_rewrites_cuts_and_renames() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log");
        let body: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("line {i}\n").into_bytes())
            .collect();
        std::fs::write(&p, &body).unwrap();
        let f = File::open(&p).unwrap();
        let s = Snapshot::take(&f).unwrap();
        let none = Checked {
            change: Change::None,
            replaced: false,
        };
        assert_eq!(check(&p, &f, &s), none);

        // An append.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"more\n")
            .unwrap();
        assert_eq!(check(&p, &f, &s).change, Change::Grew);

        // Written inside (the mtime moves), back to the same size.
        let w = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
        w.set_len(body.len() as u64).unwrap();
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
        w.set_modified(later).unwrap();
        assert_eq!(
            check(&p, &f, &s).change,
            Change::Rewritten,
            "mtime moved, size same"
        );
        // Rewritten whole, larger (cp new log: O_TRUNC, then write).
        let mut other = body.clone();
        other.iter_mut().for_each(|b| *b = b.to_ascii_uppercase());
        other.extend_from_slice(b"LONGER\n");
        std::fs::write(&p, &other).unwrap();
        assert_eq!(check(&p, &f, &s).change, Change::Rewritten);
        // Cut.
        w.set_len(10).unwrap();
        assert_eq!(check(&p, &f, &s).change, Change::Shrank);

        // Renamed away and a new file made under the name: the open file
        // is unchanged.
        std::fs::write(&p, &body).unwrap();
        let f = File::open(&p).unwrap();
        let s = Snapshot::take(&f).unwrap();
        std::fs::rename(&p, dir.path().join("log.1")).unwrap();
        std::fs::write(&p, b"new\n").unwrap();
        assert_eq!(
            check(&p, &f, &s),
            Checked {
                change: Change::None,
                replaced: true
            }
        );
    }
}

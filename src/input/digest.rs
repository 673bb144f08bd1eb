//! SHA-256 of what was read from an input, for the rule file's provenance
//! header: an investigator checks a rule file against the evidence with
//! `sha256sum` (or `head -c N FILE | sha256sum`, when the file grew after).
//!
//! The hash is taken from the bytes as they go by, never from a second read
//! of the file (a live log changes between reads): a stream's bytes as the
//! [`Hashing`] reader hands them on, beneath any decoder, so that a
//! compressed input's hash is that of the file itself; a map's bytes while
//! the map is guarded (see [`super::mapped`]). Asked for only by `alf rules`:
//! the other commands do not pay for it.

use sha2::{Digest as _, Sha256};
use std::io::{self, Read};
use std::sync::{Arc, Mutex};

/// Bytes hashed at once from a map: small enough to release behind the
/// hash as it goes, large enough for the hash to run at full speed.
const MAP_BLOCK: usize = 2 << 20;

/// What a block of a hole holds.
static ZEROS: [u8; MAP_BLOCK] = [0; MAP_BLOCK];

/// The SHA-256 of the first `bytes` bytes read from an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digest {
    pub bytes: u64,
    pub sha256: [u8; 32],
}

impl Digest {
    /// The hash in lower-case hex, as `sha256sum` prints it.
    pub fn hex(&self) -> String {
        self.sha256.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The digest of `data`, a block at a time, calling `done` on each
    /// block once it is hashed (a map releases it). A stop asked for
    /// ([`super::interrupt`]) ends it at once, as it ends the scan: the
    /// digest then covers fewer bytes than `data` holds.
    pub fn of_slice(data: &[u8], done: impl Fn(&[u8])) -> Digest {
        let mut sha = Sha256::new();
        let mut bytes = 0;
        for block in data.chunks(MAP_BLOCK) {
            if super::interrupt::requested() {
                break;
            }
            // A hole in the file (see `mapped::hole_len`) is hashed as the
            // NUL bytes it reads as, without making its pages.
            let hole = super::mapped::hole_len(block);
            sha.update(&ZEROS[..hole]);
            sha.update(&block[hole..]);
            bytes += block.len() as u64;
            done(block);
        }
        Digest {
            bytes,
            sha256: sha.finalize().into(),
        }
    }
}

/// A running hash and the bytes it has taken, updated together.
#[derive(Default)]
struct State {
    sha: Sha256,
    bytes: u64,
}

/// The hash of what a [`Hashing`] reader has read so far; shared with it,
/// so it can be asked even while that reader is still on another thread.
#[derive(Clone, Default)]
pub struct Tap(Arc<Mutex<State>>);

impl Tap {
    /// The digest of everything read so far.
    pub fn digest(&self) -> Digest {
        let s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        Digest {
            bytes: s.bytes,
            sha256: s.sha.clone().finalize().into(),
        }
    }

    /// `r`, hashing what is read through it into this tap.
    pub fn reader<R: Read>(&self, r: R) -> Hashing<R> {
        Hashing {
            inner: r,
            tap: self.clone(),
        }
    }
}

/// Hashes every byte read through it into its [`Tap`].
pub struct Hashing<R> {
    inner: R,
    tap: Tap,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let got = self.inner.read(buf)?;
        // One lock per read of up to a few hundred kilobytes: nothing next
        // to hashing them.
        let mut s = self.tap.0.lock().unwrap_or_else(|e| e.into_inner());
        s.sha.update(&buf[..got]);
        s.bytes += got as u64;
        Ok(got)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `sha256sum` of the empty input and of `abc` (FIPS 180-2).
    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn known_answers() {
        assert_eq!(Digest::of_slice(b"", |_| {}).hex(), EMPTY);
        assert_eq!(Digest::of_slice(b"abc", |_| {}).hex(), ABC);
        let tap = Tap::default();
        assert_eq!(tap.digest().hex(), EMPTY);
        let mut out = Vec::new();
        tap.reader(&b"abc"[..]).read_to_end(&mut out).unwrap();
        assert_eq!((tap.digest().bytes, tap.digest().hex()), (3, ABC.into()));
    }

    #[test]
    fn blocks_and_reads_hash_as_one() {
        let data: Vec<u8> = (0..MAP_BLOCK * 2 + 12345).map(|i| i as u8).collect();
        let seen = std::cell::Cell::new(0);
        let whole = Digest::of_slice(&data, |b| seen.set(seen.get() + b.len()));
        assert_eq!(seen.get(), data.len());
        let tap = Tap::default();
        let mut r = tap.reader(&data[..]);
        let mut buf = [0u8; 7777];
        while r.read(&mut buf).unwrap() > 0 {}
        assert_eq!(tap.digest(), whole);
        assert_eq!(whole.bytes, data.len() as u64);
    }
}

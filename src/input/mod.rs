//! Opening inputs: files, stdin, compressed streams.
//!
//! Compression is told by magic bytes, never by name. A regular, non-empty,
//! uncompressed file may be memory-mapped (see [`mapped`]); everything else —
//! stdin, pipes, gzip, zstd, empty files — is streamed through the same scan core.

pub mod changes;
pub mod chunk;
pub mod digest;
pub mod interrupt;
pub mod lookahead;
pub mod mapped;

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::error::InputError;
use crate::escape::escape;

/// When to memory-map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MmapPolicy {
    /// Map regular, non-empty, uncompressed files.
    Auto,
    /// Always read.
    Never,
}

/// One input as named on the command line.
#[derive(Clone, Debug)]
pub enum InputSpec {
    Stdin,
    Path(PathBuf),
}

impl InputSpec {
    /// The name shown in reports, escaped: file names can hold control bytes.
    pub fn display(&self) -> String {
        match self {
            InputSpec::Stdin => "-".into(),
            InputSpec::Path(p) => escape(p.as_os_str().as_encoded_bytes()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn label(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// An opened input: either a map of the whole file, or a byte stream.
pub enum Source {
    Mapped(mapped::MappedFile),
    Stream(Box<dyn Read + Send>),
}

pub struct Opened {
    pub name: String,
    pub compression: Compression,
    pub source: Source,
    /// Compressed bytes the decoder has taken so far (compressed inputs):
    /// what [`Capped`] weighs the output against.
    pub consumed: Arc<AtomicU64>,
    /// A regular file, as it was when opened: to tell after the read
    /// whether it changed meanwhile.
    pub watch: Option<changes::Watch>,
    /// The hash of a stream's bytes as read, beneath any decoder, when asked
    /// for (a map is hashed by its reader: see [`digest::Digest::of_slice`]).
    pub tap: Option<digest::Tap>,
}

/// Counts the bytes read through it into a shared total.
struct Tally<R> {
    inner: R,
    n: Arc<AtomicU64>,
}

impl<R: Read> Read for Tally<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let got = self.inner.read(buf)?;
        // Reads are 64 KiB at a time: no cost worth counting.
        self.n.fetch_add(got as u64, Ordering::Relaxed);
        Ok(got)
    }
}

#[doc(hidden)]
pub fn sniff(head: &[u8], name: &str) -> Result<Compression, InputError> {
    let unsupported = |codec| {
        Err(InputError::Unsupported {
            path: name.to_string(),
            codec,
        })
    };
    match head {
        [0x1f, 0x8b, ..] => Ok(Compression::Gzip),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Ok(Compression::Zstd),
        [b'B', b'Z', b'h', ..] => unsupported("bzip2"),
        [0xfd, b'7', b'z', b'X', b'Z', 0, ..] => unsupported("xz"),
        [0x04, 0x22, 0x4d, 0x18, ..] => unsupported("lz4"),
        _ => Ok(Compression::None),
    }
}

/// Reads up to `n` bytes, retrying short reads (pipes deliver in pieces).
fn read_head(r: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

#[doc(hidden)]
pub fn decoder(
    c: Compression,
    r: Box<dyn Read + Send>,
    consumed: &Arc<AtomicU64>,
) -> io::Result<Box<dyn Read + Send>> {
    let r: Box<dyn Read + Send> = match c {
        Compression::None => r,
        _ => Box::new(Tally {
            inner: r,
            n: consumed.clone(),
        }),
    };
    Ok(match c {
        Compression::None => r,
        // Rotated logs are often several gzip members back to back.
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(1 << 16, r),
        )),
        // libzstd hands out each block as soon as it is decoded (frames back
        // to back are read in turn), so a cut file gives up every line
        // before the cut, as gzip does.
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(
            io::BufReader::with_capacity(1 << 16, r),
        )?),
    })
}

/// Whether `spec` is a file whose content is gzip or zstd (read from its
/// first bytes, as [`open`] does); standard input and FIFOs are never asked.
pub fn compressed(spec: &InputSpec) -> bool {
    let InputSpec::Path(p) = spec else {
        return false;
    };
    // Only a regular file can be read twice. A FIFO is never opened here:
    // opening it would let its writer start, and closing it would end the
    // writer. Opened without blocking, in case one is put in the file's place
    // since, and asked again what it is once open.
    if !std::fs::metadata(p).is_ok_and(|m| m.is_file()) {
        return false;
    }
    use std::os::unix::fs::OpenOptionsExt;
    let head = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(p)
        .and_then(|mut f| {
            if f.metadata()?.is_file() {
                read_head(&mut f, 6)
            } else {
                Ok(Vec::new())
            }
        });
    head.is_ok_and(|h| matches!(sniff(&h, ""), Ok(Compression::Gzip | Compression::Zstd)))
}

/// Opens one input under the given mmap policy.
pub fn open(spec: &InputSpec, policy: MmapPolicy) -> Result<Opened, InputError> {
    open_hashing(spec, policy, false)
}

/// [`open`]; with `hash`, a stream's bytes are hashed as they are read
/// ([`Opened::tap`]), from its first byte.
pub fn open_hashing(
    spec: &InputSpec,
    policy: MmapPolicy,
    hash: bool,
) -> Result<Opened, InputError> {
    let name = spec.display();
    let read_err = |source| InputError::Read {
        path: name.clone(),
        source,
    };
    match spec {
        InputSpec::Stdin => {
            let mut stdin: Box<dyn Read + Send> = Box::new(io::stdin());
            let head = read_head(&mut stdin, 6).map_err(read_err)?;
            let c = sniff(&head, &name)?;
            let joined: Box<dyn Read + Send> = Box::new(io::Cursor::new(head).chain(stdin));
            let (joined, tap) = tapped(joined, hash);
            let consumed = Arc::default();
            let source = Source::Stream(decoder(c, joined, &consumed).map_err(read_err)?);
            Ok(Opened {
                name,
                compression: c,
                source,
                consumed,
                watch: None,
                tap,
            })
        }
        InputSpec::Path(p) => open_path(p, &name, policy, hash),
    }
}

/// `r`, hashed as it is read when `hash` is asked for.
fn tapped(r: Box<dyn Read + Send>, hash: bool) -> (Box<dyn Read + Send>, Option<digest::Tap>) {
    if !hash {
        return (r, None);
    }
    let tap = digest::Tap::default();
    (Box::new(tap.reader(r)), Some(tap))
}

fn open_path(p: &Path, name: &str, policy: MmapPolicy, hash: bool) -> Result<Opened, InputError> {
    let open_err = |source| InputError::Open {
        path: name.to_string(),
        source,
    };
    let mut file = File::open(p).map_err(open_err)?;
    let meta = file.metadata().map_err(open_err)?;
    if meta.is_dir() {
        return Err(InputError::Directory {
            path: name.to_string(),
        });
    }
    let watch = changes::Watch::new(&file, p);
    let head = read_head(&mut file, 6).map_err(|source| InputError::Read {
        path: name.to_string(),
        source,
    })?;
    let c = sniff(&head, name)?;
    // Map only what a map can serve: regular, non-empty, uncompressed files.
    if c == Compression::None && policy == MmapPolicy::Auto && meta.is_file() && meta.len() > 0 {
        if let Some(m) = mapped::MappedFile::map(&file, meta.len()) {
            return Ok(Opened {
                name: name.to_string(),
                compression: c,
                source: Source::Mapped(m),
                consumed: Arc::default(),
                watch,
                tap: None,
            });
        }
    }
    let rest: Box<dyn Read + Send> = Box::new(io::Cursor::new(head).chain(file));
    let (rest, tap) = tapped(rest, hash);
    let consumed = Arc::default();
    let source =
        Source::Stream(
            decoder(c, rest, &consumed).map_err(|source| InputError::Read {
                path: name.to_string(),
                source,
            })?,
        );
    Ok(Opened {
        name: name.to_string(),
        compression: c,
        source,
        consumed,
        watch,
        tap,
    })
}

/// Re-opens a file for reading, after a mapped read found it had shrunk
/// (with `hash`: hashed afresh, as this read is what is counted).
pub fn reopen_stream(spec: &InputSpec, hash: bool) -> Result<Opened, InputError> {
    open_hashing(spec, MmapPolicy::Never, hash)
}

/// How far a compressed input may inflate (`--max-decompressed-bytes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InflateCap {
    /// The default: past the first [`AUTO_FREE`] bytes of output, stop once
    /// the output passes [`AUTO_RATIO`] times the compressed bytes taken.
    /// Real logs compress 10–20:1 with gzip and up to ~50:1 with zstd (and
    /// deflate cannot pass ~1032:1 at all); a zstd bomb runs to 30 000:1.
    Auto,
    /// Stop after this many decompressed bytes.
    Bytes(u64),
    /// `0`: no limit.
    Off,
}

/// Output a compressed input may always give under [`InflateCap::Auto`].
pub const AUTO_FREE: u64 = 1 << 30;
/// The compression ratio [`InflateCap::Auto`] stops at, past [`AUTO_FREE`].
pub const AUTO_RATIO: u64 = 1000;

impl std::str::FromStr for InflateCap {
    type Err = String;

    /// `auto`, or a byte count (`0`: no limit).
    fn from_str(s: &str) -> Result<InflateCap, String> {
        if s.eq_ignore_ascii_case("auto") {
            return Ok(InflateCap::Auto);
        }
        match s.parse::<u64>() {
            Ok(0) => Ok(InflateCap::Off),
            Ok(n) => Ok(InflateCap::Bytes(n)),
            Err(_) => Err(format!(
                "`{}` is not `auto` or a number of bytes (0: no limit)",
                escape(s.as_bytes())
            )),
        }
    }
}

/// Stops a decompressed stream with an error when it passes its
/// [`InflateCap`], so that a small file that inflates without end (a
/// decompression bomb) cannot run alf for minutes.
pub struct Capped<R> {
    pub inner: R,
    pub cap: InflateCap,
    /// Decompressed bytes given so far.
    pub out: u64,
    /// Compressed bytes taken so far ([`Opened::consumed`]).
    pub consumed: Arc<AtomicU64>,
}

impl<R> Capped<R> {
    pub fn new(inner: R, cap: InflateCap, consumed: Arc<AtomicU64>) -> Capped<R> {
        Capped {
            inner,
            cap,
            out: 0,
            consumed,
        }
    }
}

/// The error a [`Capped`] stream ends with.
#[derive(Debug)]
pub enum CapReached {
    /// `--max-decompressed-bytes N`: N.
    Bytes(u64),
    /// The ratio cap: decompressed and compressed bytes at the stop.
    Ratio { out: u64, consumed: u64 },
}

impl std::fmt::Display for CapReached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CapReached::Bytes(n) => write!(
                f,
                "stopped after {n} decompressed bytes (--max-decompressed-bytes)"
            ),
            CapReached::Ratio { out, consumed } => write!(
                f,
                "stopped after {out} decompressed bytes from {consumed} compressed"
            ),
        }
    }
}

impl std::error::Error for CapReached {}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.cap {
            InflateCap::Off => buf.len(),
            InflateCap::Bytes(cap) => {
                if self.out >= cap {
                    return Err(io::Error::other(CapReached::Bytes(cap)));
                }
                buf.len()
                    .min((cap - self.out).min(usize::MAX as u64) as usize)
            }
            InflateCap::Auto => {
                let consumed = self.consumed.load(Ordering::Relaxed);
                if self.out > AUTO_FREE && self.out / AUTO_RATIO > consumed {
                    return Err(io::Error::other(CapReached::Ratio {
                        out: self.out,
                        consumed,
                    }));
                }
                buf.len()
            }
        };
        let got = self.inner.read(&mut buf[..n])?;
        self.out += got as u64;
        Ok(got)
    }
}

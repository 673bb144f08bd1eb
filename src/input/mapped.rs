//! Memory-mapped reading, safe against the file shrinking underneath.
//!
//! logrotate's `copytruncate` truncates a log while readers may have it mapped;
//! touching a mapped page past the new end raises SIGBUS, which would kill the
//! process. alf installs a SIGBUS handler that, for a fault inside the one map
//! currently being scanned, maps a page of zeros over the faulting page and sets
//! a flag, then lets the read go on. When the scan ends, the caller sees the flag,
//! throws that scan away and reads the file again with `read(2)` (which simply
//! stops at the new end), reporting "file shrank during read". A fault anywhere
//! else gets the default action, as before.
//!
//! The same `copytruncate` leaves a hole when the writer does not append: the
//! file starts with as many NUL bytes as it held, stored as none. Read through
//! the map, each page of it would be made and zeroed in the page cache
//! (seconds for a few gigabytes, and the cache's useful pages evicted for
//! zeros); [`hole_len`] asks the filesystem where the hole ends instead.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

static GUARD_BASE: AtomicUsize = AtomicUsize::new(0);
static GUARD_LEN: AtomicUsize = AtomicUsize::new(0);
/// The guarded map's file, for [`hole_len`]; -1 while none is.
static GUARD_FD: AtomicI32 = AtomicI32::new(-1);
static FAULTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();
/// One guarded map at a time: inputs are scanned one after another.
static GUARD: Mutex<()> = Mutex::new(());

extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers. Only
    // async-signal-safe calls follow (atomics, mmap, signal).
    unsafe {
        let addr = (*info).si_addr() as usize;
        let base = GUARD_BASE.load(Ordering::SeqCst);
        let len = GUARD_LEN.load(Ordering::SeqCst);
        if base != 0 && addr >= base && addr < base + len {
            let page = libc::sysconf(libc::_SC_PAGESIZE) as usize;
            let start = addr & !(page - 1);
            let r = libc::mmap(
                start as *mut libc::c_void,
                page,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            );
            if r != libc::MAP_FAILED {
                FAULTED.store(true, Ordering::SeqCst);
                return;
            }
        }
        // Not ours: restore the default action; the faulting access repeats and
        // the process ends as it would have without alf's handler.
        libc::signal(sig, libc::SIG_DFL);
    }
}

#[cfg(test)]
fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(n).ok().filter(|&n| n > 0).unwrap_or(4096)
}

fn install() {
    INSTALL.call_once(|| {
        // SAFETY: installs a process-wide handler; `on_sigbus` only does
        // async-signal-safe work.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_sigbus as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(libc::SIGBUS, &sa, std::ptr::null_mut());
        }
    });
}

/// How many bytes at the start of `part` lie in a hole of the file being
/// scanned ([`MappedFile::scan_guarded`]): bytes the filesystem stores
/// none for, which read as NUL. 0 when `part` starts with anything else, is
/// not in that map, or the filesystem does not tell (`lseek`'s `SEEK_DATA`);
/// callers then read the bytes as before. A hole is never written into by
/// a log's writer, which writes past it; a file cut meanwhile is caught
/// after the scan, as any cut is.
pub fn hole_len(part: &[u8]) -> usize {
    // Asked of the filesystem, not read: a byte read in a hole would make
    // its page, and the map's read-ahead the next few megabytes of it.
    let Some(g) = guarded(part) else {
        return 0;
    };
    match seek(&g, libc::SEEK_DATA) {
        Some(Ok(next)) => next.saturating_sub(g.off).min(part.len()),
        // No data at or after `off`: a hole to the end of the file.
        Some(Err(libc::ENXIO)) => g.len.saturating_sub(g.off).min(part.len()),
        _ => 0,
    }
}

/// Where in `part` the first hole of the file being scanned begins (see
/// [`hole_len`]); `part.len()` when none does within it, or when the
/// filesystem does not tell.
pub fn hole_start(part: &[u8]) -> usize {
    match guarded(part).and_then(|g| Some((seek(&g, libc::SEEK_HOLE)?.ok()?, g.off))) {
        Some((hole, off)) => hole.saturating_sub(off).min(part.len()),
        None => part.len(),
    }
}

/// The guarded map as seen when asked about a part of it.
struct Guarded {
    fd: libc::c_int,
    /// The part's offset in the map (and the file).
    off: usize,
    /// The map's length.
    len: usize,
    /// [`GUARD_GENERATION`] then.
    generation: usize,
}

/// Counts the guard's changes, odd while one is being made: an answer got
/// while it changed may be about another file, and is dropped.
static GUARD_GENERATION: AtomicUsize = AtomicUsize::new(0);

/// The guarded map, when `part` starts inside it.
fn guarded(part: &[u8]) -> Option<Guarded> {
    let generation = GUARD_GENERATION.load(Ordering::SeqCst);
    let base = GUARD_BASE.load(Ordering::SeqCst);
    let len = GUARD_LEN.load(Ordering::SeqCst);
    let fd = GUARD_FD.load(Ordering::SeqCst);
    let at = part.as_ptr() as usize;
    if generation % 2 == 1 || base == 0 || fd < 0 || part.is_empty() || at < base {
        return None;
    }
    let off = at - base;
    (off < len).then_some(Guarded {
        fd,
        off,
        len,
        generation,
    })
}

/// `lseek` on the guarded map's file from `g.off`: the offset it gives, or
/// its error number; `None` when the guard changed meanwhile.
fn seek(g: &Guarded, whence: libc::c_int) -> Option<Result<usize, i32>> {
    let pos = libc::off_t::try_from(g.off).ok()?;
    // SAFETY: `lseek` changes only a descriptor's offset, which nothing
    // reads through (the map does not use it). Should the guard have moved
    // on and the number name another file by now, the answer is dropped.
    let r = unsafe { libc::lseek(g.fd, pos, whence) };
    let got =
        usize::try_from(r).map_err(|_| std::io::Error::last_os_error().raw_os_error().unwrap_or(0));
    (GUARD_GENERATION.load(Ordering::SeqCst) == g.generation).then_some(got)
}

/// Released parts of a map are widened to multiples of this (see
/// [`MappedFile::release`]): the largest page-cache folio on x86-64.
const RELEASE_ALIGN: usize = 2 << 20;

/// A read-only map of a whole regular file.
pub struct MappedFile {
    map: memmap2::Mmap,
    /// The file, to check its size after a scan: a cut inside the map's last
    /// page raises no SIGBUS (the rest of that page reads as zeros).
    file: File,
}

impl MappedFile {
    /// Maps `len` bytes of `file`. `None` when mapping fails: the caller reads instead.
    pub fn map(file: &File, len: u64) -> Option<MappedFile> {
        let len = usize::try_from(len).ok()?;
        install();
        // SAFETY: the file may change while mapped. Writes to the file show through
        // (alf reads it once, and a changed line is at worst parsed as it is);
        // truncation would raise SIGBUS, which `scan_guarded` contains (see module doc).
        let map = unsafe { memmap2::MmapOptions::new().len(len).map(file) }.ok()?;
        let file = file.try_clone().ok()?;
        // Sequential hint: the kernel reads ahead more aggressively.
        let _ = map.advise(memmap2::Advice::Sequential);
        Some(MappedFile { map, file })
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Tells the kernel that `part` (a part of the map) will not be read
    /// again, so its pages leave this process's page tables now. Dropping a
    /// large map costs about a millisecond per 20 MB at unmap time, on one
    /// thread; released chunk by chunk, the cost is spread over the threads
    /// that scanned them, and the map's resident size stays small. The pages
    /// stay in the page cache; a read after all would fault them back in,
    /// unchanged.
    ///
    /// The range is widened to whole [`RELEASE_ALIGN`] blocks of the file: a
    /// file written in large writes sits in the page cache in large folios
    /// (up to 2 MiB), and one that is unmapped only in part stays resident
    /// in full, so releasing by the page kept half of such a file resident.
    /// A neighbouring chunk that still reads part of a widened block only
    /// faults it in again.
    pub fn release(&self, part: &[u8]) {
        let base = self.map.as_ptr() as usize;
        let Some(start) = (part.as_ptr() as usize).checked_sub(base) else {
            return;
        };
        let end = start + part.len();
        if end > self.map.len() || part.is_empty() {
            return;
        }
        // Offsets from the map's start are file offsets, which is what
        // folios are aligned to.
        let from = start / RELEASE_ALIGN * RELEASE_ALIGN;
        let to = end.next_multiple_of(RELEASE_ALIGN).min(self.map.len());
        // SAFETY: the range lies within this read-only shared file map.
        // Dropping its pages changes no byte a reader sees: the next read
        // maps the same page-cache page again.
        let _ = unsafe {
            self.map
                .unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, to - from)
        };
    }

    /// Runs `f` over the mapped bytes with the SIGBUS guard armed. Returns `f`'s
    /// result and whether the file shrank while it ran (the result is then unreliable).
    pub fn scan_guarded<R>(&self, f: impl FnOnce(&[u8]) -> R) -> (R, bool) {
        let _g = GUARD.lock().unwrap_or_else(|e| e.into_inner());
        FAULTED.store(false, Ordering::SeqCst);
        GUARD_GENERATION.fetch_add(1, Ordering::SeqCst);
        GUARD_LEN.store(self.map.len(), Ordering::SeqCst);
        GUARD_FD.store(self.file.as_raw_fd(), Ordering::SeqCst);
        GUARD_BASE.store(self.map.as_ptr() as usize, Ordering::SeqCst);
        GUARD_GENERATION.fetch_add(1, Ordering::SeqCst);
        let r = f(&self.map);
        GUARD_GENERATION.fetch_add(1, Ordering::SeqCst);
        GUARD_BASE.store(0, Ordering::SeqCst);
        GUARD_FD.store(-1, Ordering::SeqCst);
        GUARD_LEN.store(0, Ordering::SeqCst);
        GUARD_GENERATION.fetch_add(1, Ordering::SeqCst);
        let faulted = FAULTED.swap(false, Ordering::SeqCst);
        let shorter = self
            .file
            .metadata()
            .is_ok_and(|m| m.len() < self.map.len() as u64);
        (r, faulted || shorter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Resident kilobytes of the map in this process, from `/proc/self/smaps`.
    fn resident_kb(m: &MappedFile) -> u64 {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let start = format!("{:x}-", m.map.as_ptr() as usize);
        let vma = smaps.split_once(&start).expect("the map is listed").1;
        let rss = vma.lines().find(|l| l.starts_with("Rss:")).unwrap();
        rss.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    #[test]
    fn released_parts_read_the_same() {
        let page = page_size();
        let mut f = tempfile::tempfile().unwrap();
        let data: Vec<u8> = (0..page * 16).map(|i| (i * 7 % 251) as u8).collect();
        f.write_all(&data).unwrap();
        let m = MappedFile::map(&f, data.len() as u64).unwrap();
        assert_eq!(&m.map[..], &data[..]);
        // A part that starts and ends inside pages: all of it reads the
        // same afterwards.
        let part = &m.map[page / 2..page * 10 + 3];
        m.release(part);
        m.release(&data[..page]); // not in the map: nothing happens
        assert_eq!(&m.map[..], &data[..]);
    }

    #[test]
    fn release_drops_whole_blocks() {
        let page = page_size();
        let blocks = 3;
        let len = RELEASE_ALIGN * blocks;
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(&vec![b'x'; len]).unwrap();
        let m = MappedFile::map(&f, len as u64).unwrap();
        let touched: u64 = m.map.iter().step_by(page).map(|&b| b as u64).sum();
        assert_eq!(touched, (len / page) as u64 * b'x' as u64);
        assert_eq!(resident_kb(&m), (len / 1024) as u64);
        // A few bytes inside the middle block: that block goes, whole.
        m.release(&m.map[RELEASE_ALIGN + 5..RELEASE_ALIGN + 9]);
        assert_eq!(resident_kb(&m), (2 * RELEASE_ALIGN / 1024) as u64);
        assert!(m.map.iter().all(|&b| b == b'x'));
    }
}

//! Cutting bytes into whole-line chunks.
//!
//! A map is split at newlines into chunks for the thread pool. A stream is read
//! block by block; the partial last line is carried into the next block, a line
//! longer than the cap is skipped (and reported) instead of buffered, and long
//! runs of NUL bytes (the hole `copytruncate` leaves) are dropped as they arrive.
//! A map treats a line that runs far past a cut the same way ([`Piece`]), so
//! that neither path holds or rereads a gigabyte line.

use std::io::{self, Read};

/// A part of an input held in memory (a map), for the scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Whole lines; the last may lack its newline.
    Lines(&'a [u8]),
    /// A line over the cap, of which the scan reads only the head: its first
    /// bytes after the NUL bytes that led it, and how many those were.
    Overlong { head: &'a [u8], nul: u64 },
    /// NUL bytes that led a line, dropped (the line follows in the next piece).
    Nul(u64),
}

/// Bytes searched between two calls to `release` in a long line.
const WINDOW: usize = 4 << 20;

/// Splits `data` into pieces of whole lines of about `size` bytes (they cover
/// `data` exactly). A line that runs more than `size` bytes past a cut is read
/// window by window, each window handed to `release` once read, and is given
/// to the scan as [`Piece::Overlong`] when its length after any leading NUL
/// bytes passes `max_line`, or as [`Piece::Nul`] and its rest: so a gigabyte
/// line in a map is never resident all at once, nor read twice.
pub fn split_pieces<'a>(
    data: &'a [u8],
    size: usize,
    max_line: usize,
    release: impl Fn(&[u8]),
) -> Vec<Piece<'a>> {
    let size = size.max(1);
    let mut out = Vec::with_capacity(data.len() / size + 1);
    let mut start = 0;
    while start < data.len() {
        let want = start.saturating_add(size).min(data.len());
        let end = if want >= data.len() {
            data.len()
        } else {
            let end = line_end(data, want - 1, &release);
            // Mapped in now, read only when the scan gets here: a map in
            // huge pages would hold a whole one per cut until then.
            release(&data[want - 1..end]);
            end
        };
        if end - want > size {
            // The line across the cut is long: the scan need not read it.
            let from = last_newline(&data[start..want - 1]).map_or(start, |p| start + p + 1);
            let to = end - usize::from(data[end - 1] == b'\n');
            let nul = leading_nul(&data[from..to], &release);
            let rest = from + nul;
            if from > start {
                out.push(Piece::Lines(&data[start..from]));
            }
            if to - rest > max_line {
                let head = &data[rest..(rest + EXAMPLE_BYTES + 1).min(to)];
                out.push(Piece::Overlong {
                    head,
                    nul: nul as u64,
                });
                start = end;
                continue;
            }
            if nul > 1 {
                // One NUL byte stays, so that a line of NULs alone still
                // counts as a line.
                out.push(Piece::Nul(nul as u64 - 1));
                start = rest - 1;
                continue;
            }
            start = from;
        }
        out.push(Piece::Lines(&data[start..end]));
        start = end;
    }
    out
}

/// Where the last newline in `s` is, searching only its data: a hole in
/// the mapped file ([`super::mapped::hole_start`]) holds none, and is not
/// read.
fn last_newline(s: &[u8]) -> Option<usize> {
    // Each stretch of data, in order, searched from its end: the last
    // stretch with a newline gives it.
    let mut last = None;
    let mut at = 0;
    while at < s.len() {
        let hole = at + super::mapped::hole_start(&s[at..]);
        // The filesystem no longer saying so, the rest is read.
        let skip = (hole < s.len()).then(|| super::mapped::hole_len(&s[hole..]));
        let end = if skip == Some(0) { s.len() } else { hole };
        last = memchr::memrchr(b'\n', &s[at..end]).map(|p| at + p).or(last);
        at = end + skip.unwrap_or(0);
    }
    last
}

/// Where the line holding `data[at]` ends: after its newline, or at the end.
fn line_end(data: &[u8], at: usize, release: &impl Fn(&[u8])) -> usize {
    let mut at = at;
    loop {
        // A hole in the file holds no newline: past it unread.
        at += super::mapped::hole_len(&data[at..]);
        if at >= data.len() {
            return data.len();
        }
        let to = at.saturating_add(WINDOW).min(data.len());
        if let Some(p) = memchr::memchr(b'\n', &data[at..to]) {
            return at + p + 1;
        }
        if to == data.len() {
            return to;
        }
        // No line ends here: all of it is one line's, read once.
        release(&data[at..to]);
        at = to;
    }
}

/// How many NUL bytes `line` starts with; each window of them read is
/// handed to `release`. Those in a hole of the mapped file are counted
/// unread ([`super::mapped::hole_len`]).
pub fn leading_nul(line: &[u8], release: &impl Fn(&[u8])) -> usize {
    let mut n = 0;
    while n < line.len() {
        let hole = super::mapped::hole_len(&line[n..]);
        if hole > 0 {
            n += hole;
            continue;
        }
        let w = &line[n..(n + WINDOW).min(line.len())];
        let k = w.iter().take_while(|&&b| b == 0).count();
        n += k;
        if k < w.len() {
            break;
        }
        release(w);
    }
    n
}

/// What a stream yields, in order.
pub enum Block {
    /// Whole lines; at end of input the last may lack its newline.
    Lines(Lines),
    /// A line over the cap: only its first bytes are kept, for the report,
    /// with the count of NUL bytes that led it.
    Overlong { head: Vec<u8>, nul: u64 },
    /// NUL bytes dropped from the start of a line.
    Nul(u64),
    /// The stream failed here; what came before stands.
    Error(io::Error),
}

impl Block {
    /// The bytes it holds.
    pub fn size(&self) -> usize {
        match self {
            Block::Lines(v) => v.len(),
            Block::Overlong { head, .. } => head.len(),
            Block::Nul(_) | Block::Error(_) => 0,
        }
    }
}

/// A block's lines: the first `len` bytes of a buffer that keeps its whole
/// length, so that, handed back ([`Lines::into_buffer`]) and filled again,
/// it is not zeroed again (a `Vec` cut to its data would be, each time).
pub struct Lines {
    buf: Vec<u8>,
    len: usize,
}

impl Lines {
    /// The buffer, for [`Blocks::recycle`].
    pub fn into_buffer(self) -> Vec<u8> {
        self.buf
    }
}

impl std::ops::Deref for Lines {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Bytes of an overlong line kept for the report.
pub const EXAMPLE_BYTES: usize = 200;

/// Reads a stream into [`Block`]s of about `block` bytes.
///
/// Each block is filled by as many reads as it takes (a pipe gives 64 KiB at
/// a time), into buffers the scan hands back through [`Blocks::recycle`]: a
/// recycled buffer is reused as it is, so no block is zeroed or faulted in
/// anew (zeroing each block cost about 3% of the wall of a gzip input).
pub struct Blocks<R> {
    r: R,
    block: usize,
    max_line: usize,
    carry: Vec<u8>,
    /// Inside an overlong line: discard until the next newline.
    skipping: bool,
    /// The stream has ended: nothing more to read.
    eof: bool,
    done: bool,
    failed: Option<io::Error>,
    spare: Option<std::sync::mpsc::Receiver<Vec<u8>>>,
    /// Total bytes read from the stream.
    pub bytes: u64,
}

impl<R: Read> Blocks<R> {
    pub fn new(r: R, block: usize, max_line: usize) -> Self {
        Blocks {
            r,
            block: block.max(1),
            max_line,
            carry: Vec::new(),
            skipping: false,
            eof: false,
            done: false,
            failed: None,
            spare: None,
            bytes: 0,
        }
    }

    /// Takes the buffers of scanned blocks back from `spare`.
    pub fn recycle(mut self, spare: std::sync::mpsc::Receiver<Vec<u8>>) -> Self {
        self.spare = Some(spare);
        self
    }

    /// A buffer for the next block: a scanned one if any came back.
    fn buffer(&mut self) -> Vec<u8> {
        self.spare
            .as_ref()
            .and_then(|s| s.try_recv().ok())
            .unwrap_or_default()
    }

    /// Reads into `buf` until it is full, the stream ends or fails: the
    /// bytes read, and the error if it failed.
    fn fill(&mut self, buf: &mut [u8]) -> (usize, Option<io::Error>) {
        let mut n = 0;
        while n < buf.len() && !self.eof {
            match self.r.read(&mut buf[n..]) {
                Ok(0) => self.eof = true,
                Ok(got) => n += got,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.bytes += n as u64;
                    return (n, Some(e));
                }
            }
        }
        self.bytes += n as u64;
        (n, None)
    }
}

impl<R: Read> Iterator for Blocks<R> {
    type Item = Block;

    fn next(&mut self) -> Option<Block> {
        loop {
            if self.done {
                return self.failed.take().map(Block::Error);
            }
            // The data is `buf[..len]`; a recycled buffer keeps its length.
            let (mut buf, old) = if self.carry.len() >= self.block {
                // A long partial line: read on after it, without a copy.
                let carry = std::mem::take(&mut self.carry);
                let old = carry.len();
                (carry, old)
            } else {
                let mut b = self.buffer();
                let old = self.carry.len();
                if b.len() < old {
                    b.resize(old, 0);
                }
                b[..old].copy_from_slice(&self.carry);
                self.carry.clear();
                (b, old)
            };
            if buf.len() < old + self.block {
                // Zeroes only what the buffer never held.
                buf.resize(old + self.block, 0);
            }
            let (n, failed) = self.fill(&mut buf[old..old + self.block]);
            let mut len = old + n;
            if let Some(e) = failed {
                // Lines read before the error still count; the error follows them.
                self.done = true;
                if len == 0 || self.skipping {
                    return Some(Block::Error(e));
                }
                self.failed = Some(e);
                return Some(Block::Lines(Lines { buf, len }));
            }
            if self.skipping {
                match memchr::memchr(b'\n', &buf[..len]) {
                    Some(p) => {
                        self.skipping = false;
                        buf.drain(..=p);
                        len -= p + 1;
                    }
                    None => {
                        if self.eof {
                            self.done = true;
                            return None;
                        }
                        continue;
                    }
                }
            }
            if n == 0 && self.eof {
                self.done = true;
                return (len > 0).then_some(Block::Lines(Lines { buf, len }));
            }
            match memchr::memrchr(b'\n', &buf[..len]) {
                Some(p) => {
                    self.carry.extend_from_slice(&buf[p + 1..len]);
                    return Some(Block::Lines(Lines { buf, len: p + 1 }));
                }
                None => {
                    // One partial line so far. Drop a NUL run (keep one byte so the
                    // line still exists), or give up on a line over the cap.
                    buf.truncate(len);
                    let nul = buf.iter().take_while(|&&b| b == 0).count();
                    if nul > 1 && nul == buf.len() {
                        buf.truncate(1);
                        self.carry = buf;
                        return Some(Block::Nul(nul as u64 - 1));
                    }
                    // Past the cap and past an example's length, so that the
                    // example kept (one byte more than it shows) is the one a
                    // mapped scan keeps, marked as cut.
                    if buf.len() - nul > self.max_line.max(EXAMPLE_BYTES) {
                        self.skipping = true;
                        let keep = (nul + EXAMPLE_BYTES + 1).min(buf.len());
                        return Some(Block::Overlong {
                            head: buf[nul..keep].to_vec(),
                            nul: nul as u64,
                        });
                    }
                    self.carry = buf;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(p: &[Piece]) -> Vec<u8> {
        p.iter()
            .flat_map(|p| match p {
                Piece::Lines(l) => l.to_vec(),
                _ => panic!("{p:?}"),
            })
            .collect()
    }

    #[test]
    fn split_covers_everything_on_line_ends() {
        let data = b"aaa\nbb\n\nccccccc\nd";
        for size in 1..20 {
            let parts = split_pieces(data, size, 100, |_| {});
            assert_eq!(lines(&parts), data.to_vec());
            for p in &parts[..parts.len() - 1] {
                assert!(
                    matches!(p, Piece::Lines(l) if l.ends_with(b"\n")),
                    "size {size}"
                );
            }
        }
        assert!(split_pieces(b"", 4, 100, |_| {}).is_empty());
    }

    #[test]
    fn a_long_line_is_set_apart_and_released() {
        let long = WINDOW * 3;
        let mut data = b"a\nbb\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', long));
        data.extend(b"\nc\n");
        let released = std::cell::Cell::new(0);
        let parts = split_pieces(&data, 8, 1000, |w| released.set(released.get() + w.len()));
        let head = &data[5..5 + EXAMPLE_BYTES + 1];
        assert_eq!(
            parts,
            [
                Piece::Lines(b"a\nbb\n"),
                Piece::Overlong { head, nul: 0 },
                Piece::Lines(b"c\n")
            ]
        );
        assert!(released.get() >= long - WINDOW, "{}", released.get());
        // Under a raised cap it is an ordinary line.
        let parts = split_pieces(&data, 8, long, |_| {});
        assert_eq!(lines(&parts), data);

        // A long run of NULs before a short line, and NULs alone at the end.
        let mut data = vec![0; long];
        data.extend(b"tail\n");
        data.extend(vec![0; long]);
        let parts = split_pieces(&data, 8, 1000, |_| {});
        let n = long as u64 - 1;
        assert_eq!(
            parts,
            [
                Piece::Nul(n),
                Piece::Lines(b"\0tail\n"),
                Piece::Nul(n),
                Piece::Lines(b"\0")
            ]
        );
    }

    /// What the scan makes of one line: its leading NUL bytes, and the
    /// rest, or the head of an overlong line (as `read` keeps it).
    #[derive(Debug, PartialEq)]
    enum Seen {
        Line(u64, Vec<u8>),
        Overlong(u64, Vec<u8>),
    }

    fn see(line: &[u8], nul_before: u64, max_line: usize) -> Seen {
        let nul = line.iter().take_while(|&&b| b == 0).count();
        let rest = &line[nul..];
        let nul = nul_before + nul as u64;
        if rest.len() > max_line {
            Seen::Overlong(nul, rest[..rest.len().min(EXAMPLE_BYTES)].to_vec())
        } else {
            Seen::Line(nul, rest.to_vec())
        }
    }

    fn each_line(data: &[u8]) -> Vec<&[u8]> {
        let mut v: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
        if v.last().is_some_and(|l| l.is_empty()) {
            v.pop();
        }
        v
    }

    proptest::proptest! {
        /// Whatever the cut size and the cap, the pieces give the scan the
        /// lines it would have read from the whole input.
        #[test]
        fn pieces_read_as_the_whole(
            lines in proptest::collection::vec(
                (0usize..3, 0usize..40, 0usize..120, proptest::bool::ANY), 0..40),
            size in 1usize..48,
            max_line in 1usize..80,
            last_newline in proptest::bool::ANY,
        ) {
            let mut data = Vec::new();
            for (i, &(nul, text, long, nl)) in lines.iter().enumerate() {
                data.extend(std::iter::repeat_n(0u8, [0, 1, nul * 7][nul.min(2)]));
                data.extend((0..text + if nl { long } else { 0 }).map(|j| b'a' + (j % 26) as u8));
                if i + 1 < lines.len() || last_newline {
                    data.push(b'\n');
                }
            }
            let whole: Vec<Seen> = each_line(&data).iter().map(|l| see(l, 0, max_line)).collect();
            let mut got = Vec::new();
            let mut pending = 0;
            for p in split_pieces(&data, size, max_line, |_| {}) {
                match p {
                    Piece::Lines(c) => {
                        for l in each_line(c) {
                            got.push(see(l, std::mem::take(&mut pending), max_line));
                        }
                    }
                    Piece::Overlong { head, nul } => {
                        let head = head[..head.len().min(EXAMPLE_BYTES)].to_vec();
                        got.push(Seen::Overlong(std::mem::take(&mut pending) + nul, head));
                    }
                    Piece::Nul(n) => pending += n,
                }
            }
            proptest::prop_assert_eq!(pending, 0);
            proptest::prop_assert_eq!(got, whole);
        }
    }

    #[test]
    fn stream_blocks_and_overlong() {
        let mut data = b"a\nb\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', 300));
        data.extend(b"\nc\nlast");
        let mut lines = Vec::new();
        let mut overlong = 0;
        for b in Blocks::new(&data[..], 3, 10) {
            match b {
                Block::Lines(v) => lines.extend_from_slice(&v),
                Block::Overlong { .. } => overlong += 1,
                _ => panic!(),
            }
        }
        assert_eq!(lines, b"a\nb\nc\nlast".to_vec());
        assert_eq!(overlong, 1);
    }
}

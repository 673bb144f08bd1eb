//! Cutting bytes into whole-line chunks.
//!
//! A map is split at newlines into chunks for the thread pool. A stream is read
//! block by block; the partial last line is carried into the next block, a line
//! longer than the cap is skipped (and reported) instead of buffered, and long
//! runs of NUL bytes (the hole `copytruncate` leaves) are dropped as they arrive.

use std::io::{self, Read};

/// Splits `data` into chunks of about `size` bytes, each ending after a newline
/// (the last one may end without). Chunks cover `data` exactly.
pub fn split_lines(data: &[u8], size: usize) -> Vec<&[u8]> {
    let size = size.max(1);
    let mut out = Vec::with_capacity(data.len() / size + 1);
    let mut start = 0;
    while start < data.len() {
        let want = start.saturating_add(size).min(data.len());
        let end = if want >= data.len() {
            data.len()
        } else {
            match memchr::memchr(b'\n', &data[want - 1..]) {
                Some(p) => want + p,
                None => data.len(),
            }
        };
        out.push(&data[start..end]);
        start = end;
    }
    out
}

/// What a stream yields, in order.
pub enum Block {
    /// Whole lines; at end of input the last may lack its newline.
    Lines(Vec<u8>),
    /// A line over the cap: only its first bytes are kept, for the report,
    /// with the count of NUL bytes that led it.
    Overlong { head: Vec<u8>, nul: u64 },
    /// NUL bytes dropped from the start of a line.
    Nul(u64),
    /// The stream failed here; what came before stands.
    Error(io::Error),
}

/// Bytes of an overlong line kept for the report.
pub const EXAMPLE_BYTES: usize = 200;

/// Reads a stream into [`Block`]s of about `block` bytes.
pub struct Blocks<R> {
    r: R,
    block: usize,
    max_line: usize,
    carry: Vec<u8>,
    /// Inside an overlong line: discard until the next newline.
    skipping: bool,
    done: bool,
    failed: Option<io::Error>,
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
            done: false,
            failed: None,
            bytes: 0,
        }
    }

    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> io::Result<usize> {
        let old = buf.len();
        buf.resize(old + want, 0);
        let n = loop {
            match self.r.read(&mut buf[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    buf.truncate(old);
                    return Err(e);
                }
            }
        };
        buf.truncate(old + n);
        self.bytes += n as u64;
        Ok(n)
    }
}

impl<R: Read> Iterator for Blocks<R> {
    type Item = Block;

    fn next(&mut self) -> Option<Block> {
        loop {
            if self.done {
                return self.failed.take().map(Block::Error);
            }
            let mut buf = std::mem::take(&mut self.carry);
            let n = match self.fill(&mut buf, self.block) {
                Ok(n) => n,
                Err(e) => {
                    // Lines read before the error still count; the error follows them.
                    self.done = true;
                    if buf.is_empty() || self.skipping {
                        return Some(Block::Error(e));
                    }
                    self.failed = Some(e);
                    return Some(Block::Lines(buf));
                }
            };
            if self.skipping {
                match memchr::memchr(b'\n', &buf) {
                    Some(p) => {
                        self.skipping = false;
                        buf.drain(..=p);
                    }
                    None => {
                        if n == 0 {
                            self.done = true;
                            return None;
                        }
                        continue;
                    }
                }
            }
            if n == 0 {
                self.done = true;
                return if buf.is_empty() {
                    None
                } else {
                    Some(Block::Lines(buf))
                };
            }
            match memchr::memrchr(b'\n', &buf) {
                Some(p) => {
                    self.carry = buf[p + 1..].to_vec();
                    buf.truncate(p + 1);
                    return Some(Block::Lines(buf));
                }
                None => {
                    // One partial line so far. Drop a NUL run (keep one byte so the
                    // line still exists), or give up on a line over the cap.
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

    #[test]
    fn split_covers_everything_on_line_ends() {
        let data = b"aaa\nbb\n\nccccccc\nd";
        for size in 1..20 {
            let parts = split_lines(data, size);
            assert_eq!(parts.concat(), data.to_vec());
            for p in &parts[..parts.len() - 1] {
                assert_eq!(p.last(), Some(&b'\n'), "size {size}");
            }
        }
        assert!(split_lines(b"", 4).is_empty());
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
                Block::Lines(v) => lines.extend(v),
                Block::Overlong { .. } => overlong += 1,
                _ => panic!(),
            }
        }
        assert_eq!(lines, b"a\nb\nc\nlast".to_vec());
        assert_eq!(overlong, 1);
    }
}

//! Reading the head of a stream before it is scanned, to detect its format.
//!
//! A stream cannot be read twice, so what is read ahead is held and replayed
//! in front of the rest when the scan starts. A leading run of NUL bytes (the
//! hole `copytruncate` leaves) tells nothing about the format: it is counted,
//! not held, and replayed as that many NULs for the scan to count. An error met
//! while reading ahead is replayed after the held bytes, where it happened.

use std::io::{self, Read};

/// The head of a stream, read a window at a time.
pub struct Lookahead {
    rest: Box<dyn Read + Send>,
    held: Vec<u8>,
    /// Leading NUL bytes read and not held.
    nuls: u64,
    error: Option<io::Error>,
    ended: bool,
    /// Bytes of `held` already handed out by [`Lookahead::next_window`].
    tried: usize,
}

impl Lookahead {
    pub fn new(rest: Box<dyn Read + Send>) -> Lookahead {
        Lookahead {
            rest,
            held: Vec::new(),
            nuls: 0,
            error: None,
            ended: false,
            tried: 0,
        }
    }

    /// Reads up to `window` more bytes and returns what is new, from its
    /// first whole line (a line cut by the previous window is given whole).
    pub fn next_window(&mut self, window: usize) -> &[u8] {
        let full = self.held.len() + window;
        while !self.ended && self.held.len() < full {
            let want = (full - self.held.len()) as u64;
            match (&mut self.rest).take(want).read_to_end(&mut self.held) {
                Err(e) => {
                    self.error = Some(e);
                    self.ended = true;
                }
                Ok(n) => {
                    // Past the first other byte, nothing is drained.
                    let k = self.held.iter().take_while(|&&b| b == 0).count();
                    self.nuls += k as u64;
                    self.held.drain(..k);
                    self.ended = n == 0;
                }
            }
        }
        let from = self.held[..self.tried]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        self.tried = self.held.len();
        &self.held[from..]
    }

    /// The stream ended (or failed), or `max` bytes are held.
    pub fn exhausted(&self, max: usize) -> bool {
        self.ended || self.held.len() >= max
    }

    /// The whole stream again: the NULs, the held bytes, then the rest (or
    /// the error reading ahead ended with).
    pub fn into_reader(self) -> Box<dyn Read + Send> {
        let head = io::repeat(0)
            .take(self.nuls)
            .chain(io::Cursor::new(self.held));
        match self.error {
            Some(e) => Box::new(head.chain(Failing(Some(e)))),
            None => Box::new(head.chain(self.rest)),
        }
    }
}

/// Replays an error met while reading ahead, after the held bytes.
struct Failing(Option<io::Error>);

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_what_it_read() {
        let data = b"\0\0\0a b\nc d\ne f\n".to_vec();
        let mut la = Lookahead::new(Box::new(io::Cursor::new(data.clone())));
        assert_eq!(la.next_window(7), b"a b\nc d");
        assert!(!la.exhausted(100));
        // The cut line `c d` comes again, whole.
        assert_eq!(la.next_window(100), b"c d\ne f\n");
        assert!(la.exhausted(100));
        let mut again = Vec::new();
        la.into_reader().read_to_end(&mut again).unwrap();
        assert_eq!(again, data);
    }

    #[test]
    fn an_error_comes_after_the_held_bytes() {
        struct Broken(bool);
        impl Read for Broken {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if std::mem::replace(&mut self.0, true) {
                    Err(io::Error::other("boom"))
                } else {
                    buf[..2].copy_from_slice(b"x\n");
                    Ok(2)
                }
            }
        }
        let mut la = Lookahead::new(Box::new(Broken(false)));
        assert_eq!(la.next_window(100), b"x\n");
        assert!(la.exhausted(1000));
        let mut r = la.into_reader();
        let mut buf = [0u8; 10];
        assert_eq!(r.read(&mut buf).unwrap(), 2);
        assert!(r.read(&mut buf).is_err());
    }
}

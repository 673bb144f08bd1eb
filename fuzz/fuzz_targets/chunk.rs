//! The chunk splitters, both reading paths. A map's pieces cover the input
//! in order, each `Lines` piece but the last ends at a newline, an overlong
//! line is set apart whole, and a NUL run is dropped but for one byte. A
//! stream, read in pieces of sizes the fuzzer picks, yields the same bytes
//! by the same rules. The first four bytes set the chunk size, the line cap
//! and (with the rest) the read sizes. Scanned blocks' buffers are handed
//! back for reuse, as the scan does.
#![no_main]

use alf::input::chunk::{split_pieces, Block, Blocks, Piece, EXAMPLE_BYTES};
use alf_fuzz::Pieces;
use libfuzzer_sys::fuzz_target;

/// Where the line that starts at `at` ends: after its newline, or at the end.
fn line_end(data: &[u8], at: usize) -> usize {
    data[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(data.len(), |p| at + p + 1)
}

fn check_map(data: &[u8], size: usize, max_line: usize) {
    let pieces = split_pieces(data, size, max_line, |_| {});
    let base = data.as_ptr() as usize;
    let mut at = 0;
    for (i, p) in pieces.iter().enumerate() {
        match *p {
            Piece::Lines(l) => {
                assert!(!l.is_empty());
                assert_eq!(l.as_ptr() as usize - base, at, "a gap before piece {i}");
                at += l.len();
                if i + 1 < pieces.len() {
                    assert_eq!(l.last(), Some(&b'\n'), "piece {i} ends inside a line");
                }
            }
            Piece::Overlong { head, nul } => {
                let nul = nul as usize;
                assert!(data[at..at + nul].iter().all(|&b| b == 0));
                assert_eq!(head.as_ptr() as usize - base, at + nul);
                let end = line_end(data, at);
                let body = end - usize::from(data[end - 1] == b'\n') - at - nul;
                assert!(
                    body > max_line,
                    "a line of {body} set apart under a cap of {max_line}"
                );
                assert!(head.len() <= EXAMPLE_BYTES + 1);
                at = end;
            }
            Piece::Nul(n) => {
                let n = n as usize;
                assert!(n > 0 && data[at..at + n].iter().all(|&b| b == 0));
                // One NUL byte stays for the line.
                assert_eq!(data.get(at + n), Some(&0));
                at += n;
            }
        }
    }
    assert_eq!(at, data.len(), "the pieces stop short");
}

fn check_stream(data: &[u8], block: usize, max_line: usize, sizes: &[u8]) {
    // Scanned buffers go back to the reader, as the scan hands them back:
    // what a reused buffer held before must never show.
    let (spare, back) = std::sync::mpsc::channel();
    let mut blocks = Blocks::new(Pieces::new(data, sizes), block, max_line).recycle(back);
    let mut at = 0;
    let mut n = 0;
    for b in blocks.by_ref() {
        n += 1;
        assert!(n <= 4 * data.len() + 2, "blocks without end");
        match b {
            Block::Lines(v) => {
                assert!(!v.is_empty());
                assert_eq!(&data[at..at + v.len()], &v[..], "lines out of place");
                at += v.len();
                assert!(at == data.len() || v.last() == Some(&b'\n'));
                spare.send(v.into_buffer()).unwrap();
            }
            Block::Overlong { head, nul } => {
                let nul = nul as usize;
                assert!(data[at..at + nul].iter().all(|&b| b == 0));
                assert!(data[at + nul..].starts_with(&head));
                at = line_end(data, at);
            }
            Block::Nul(k) => {
                let k = k as usize;
                assert!(k > 0 && data[at..at + k].iter().all(|&b| b == 0));
                at += k;
            }
            Block::Error(e) => panic!("a reader that cannot fail failed: {e}"),
        }
    }
    assert_eq!(at, data.len(), "the stream stops short");
    assert_eq!(blocks.bytes, data.len() as u64);
}

fuzz_target!(|input: &[u8]| {
    let [size, cap, r1, r2, data @ ..] = input else {
        return;
    };
    let size = usize::from(*size) + 1;
    let max_line = usize::from(*cap) * 3;
    check_map(data, size, max_line);
    check_stream(data, size, max_line, &[*r1, *r2]);
});

//! The gzip and zstd readers, as alf opens them (magic bytes, the same
//! decoder, the decompressed-bytes cap) and reads them (in blocks of whole
//! lines). Whatever the bytes: no panic, never more than the cap, and the
//! same bytes decoded (up to an error) whether the compressed stream arrives whole or in the
//! pieces a pipe delivers. The first byte sets the block size and the sizes
//! of the pieces.
#![no_main]

use std::io::{Cursor, Read};

use alf::input::chunk::{Block, Blocks};
use alf::input::{decoder, sniff, Capped, Compression};
use alf_fuzz::Pieces;
use libfuzzer_sys::fuzz_target;

/// The decompressed-bytes cap for the fuzzer: far below alf's default, so
/// that a bomb costs milliseconds.
const CAP: u64 = 1 << 20;

fn open(c: Compression, r: Box<dyn Read + Send>) -> Option<Box<dyn Read + Send>> {
    let d = decoder(c, r).ok()?;
    Some(Box::new(Capped {
        inner: d,
        left: CAP,
        cap: CAP,
    }))
}

/// Everything the stream gives before it ends, and whether it ended well.
fn drain(mut r: Box<dyn Read + Send>) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return (out, true),
            Err(_) => return (out, false),
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&pick, data)) = input.split_first() else {
        return;
    };
    let Ok(c) = sniff(data, "fuzz") else {
        return;
    };
    let whole = open(c, Box::new(Cursor::new(data.to_vec())));
    let pieces = open(c, Box::new(Pieces::new(data, &[pick, pick / 3 + 1])));
    let (Some(whole), Some(pieces)) = (whole, pieces) else {
        return;
    };
    let (a, a_ok) = drain(whole);
    assert!(a.len() as u64 <= CAP);
    let (b, b_ok) = drain(pieces);
    // A stream that fails may fail sooner or later depending on how much a
    // read asked for (what one read decoded before the error is lost with
    // it); what came before is the same bytes.
    assert_eq!(a_ok, b_ok, "the pieces decode otherwise");
    if a_ok {
        assert_eq!(a, b, "the pieces decode otherwise");
    } else {
        assert!(
            a.starts_with(&b) || b.starts_with(&a),
            "the pieces decode otherwise"
        );
    }
    // And as the scan reads it: blocks of whole lines, which leave out
    // overlong lines and NUL runs and add nothing.
    if a_ok {
        let r = open(c, Box::new(Cursor::new(data.to_vec()))).unwrap();
        let mut got = 0;
        for blk in Blocks::new(r, usize::from(pick) * 16 + 1, 1 << 16) {
            match blk {
                Block::Lines(v) => got += v.len(),
                Block::Error(e) => panic!("the stream fails the second time: {e}"),
                _ => {}
            }
        }
        assert!(got <= a.len());
    }
});

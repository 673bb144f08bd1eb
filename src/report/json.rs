//! JSON output. Strings are already escaped text (valid UTF-8); on top of that
//! `<`, `>` and `&` become `\u003c`, `\u003e`, `\u0026`, so the document can be
//! inlined in HTML. Those characters only occur inside JSON strings, so the
//! replacement cannot touch the document's structure.

use std::io::{self, Write};

use serde::Serialize;

pub fn to_string<T: Serialize>(v: &T) -> String {
    let s = serde_json::to_string_pretty(v).expect("report structs serialise");
    crate::escape::html_safe_json(&s)
}

pub fn write<T: Serialize>(w: &mut impl Write, v: &T) -> io::Result<()> {
    w.write_all(to_string(v).as_bytes())?;
    w.write_all(b"\n")
}

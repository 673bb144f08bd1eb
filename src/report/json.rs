//! JSON output, streamed. Strings are already escaped text (valid UTF-8); on
//! top of that `<`, `>` and `&` become `\u003c`, `\u003e`, `\u0026` (see
//! [`crate::escape::HtmlSafe`]), so the document can be inlined in HTML.

use std::io::{self, Write};

use serde::Serialize;

/// Writes `v` as pretty JSON and a newline, without building it in memory.
pub fn write<T: Serialize>(w: &mut impl Write, v: &T) -> io::Result<()> {
    crate::escape::write_json(w, v)
}

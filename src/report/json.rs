//! JSON output, streamed. Log text is written as logged (see
//! [`crate::escape::LogText`]), alf's own text as it is; `<`, `>` and `&`
//! become `\u003c`, `\u003e`, `\u0026`, and invisible characters `\uNNNN`
//! (see [`crate::escape::HtmlSafe`]), so the document can be inlined in HTML.

use std::io::{self, Write};

use serde::Serialize;

/// Writes `v` as pretty JSON and a newline, without building it in memory.
pub fn write<T: Serialize>(w: &mut impl Write, v: &T) -> io::Result<()> {
    crate::escape::write_json(w, v)
}

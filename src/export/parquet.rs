//! Parquet rows: the same columns as NDJSON, columnar and zstd-compressed,
//! the compact form for shipping weeks of logs (ClickHouse: `FORMAT Parquet`).
//!
//! Written with the parquet crate's own column writer (no arrow arrays in
//! between): each chunk's rows become column buffers as the scan goes, and
//! the buffers of consecutive chunks are written as one row group once they
//! hold [`GROUP_ROWS`] rows, so memory stays bounded by a row group.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use parquet::basic::{Compression, ZstdLevel};
use parquet::column::writer::{get_column_writer, get_typed_column_writer_mut, ColumnCloseResult};
use parquet::data_type::{ByteArray, ByteArrayType, Int32Type, Int64Type};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterPropertiesPtr};
use parquet::file::writer::{SerializedFileWriter, SerializedPageWriter, TrackedWrite};
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::ColumnDescPtr;
use rayon::prelude::*;

use super::text::{base64, ip, uint, utf8_lossy};
use super::{client_net, Fields, Kind, Settings};
use crate::record::Client;
use crate::scan::{Export, Rows, Seen};

/// Rows per row group: large enough for good compression and fast scans,
/// small enough that the buffers stay a few tens of MB.
const GROUP_ROWS: usize = 131_072;

/// The text columns that get a `_b64` companion, in schema order.
const B64: [&str; 12] = [
    "host",
    "file",
    "client",
    "method",
    "path",
    "vhost",
    "ua",
    "referer",
    "proxy_target",
    "module",
    "level",
    "code",
];

/// Free-text columns: no statistics (see [`Parquet::new`]).
const NO_STATS: [&str; 5] = ["path", "ua", "referer", "proxy_target", "vhost"];

fn schema() -> String {
    let mut s = String::from(
        "message alf_events {
            REQUIRED BYTE_ARRAY host (STRING);
            REQUIRED BYTE_ARRAY file (STRING);
            REQUIRED INT64 line (INTEGER(64,false));
            REQUIRED BYTE_ARRAY kind (STRING);
            OPTIONAL INT64 ts (TIMESTAMP(MILLIS,true));
            OPTIONAL BYTE_ARRAY client (STRING);
            OPTIONAL BYTE_ARRAY client_net (STRING);
            REQUIRED BYTE_ARRAY method (STRING);
            REQUIRED BYTE_ARRAY path (STRING);
            OPTIONAL INT32 status (INTEGER(16,false));
            OPTIONAL INT64 bytes (INTEGER(64,false));
            OPTIONAL INT64 duration_us (INTEGER(64,false));
            REQUIRED BYTE_ARRAY vhost (STRING);
            REQUIRED BYTE_ARRAY ua (STRING);
            REQUIRED BYTE_ARRAY referer (STRING);
            REQUIRED GROUP classes (LIST) { REPEATED GROUP list { REQUIRED BYTE_ARRAY element (STRING); } }
            REQUIRED GROUP signatures (LIST) { REPEATED GROUP list { REQUIRED BYTE_ARRAY element (STRING); } }
            OPTIONAL BYTE_ARRAY proxy_outcome (STRING);
            OPTIONAL BYTE_ARRAY proxy_target (STRING);
            OPTIONAL BYTE_ARRAY module (STRING);
            OPTIONAL BYTE_ARRAY level (STRING);
            OPTIONAL BYTE_ARRAY code (STRING);
            OPTIONAL BYTE_ARRAY upstream (STRING);
",
    );
    for c in B64 {
        s.push_str(&format!("OPTIONAL BYTE_ARRAY {c}_b64 (STRING);\n"));
    }
    s.push('}');
    s
}

/// One column's values for some rows. Text keeps its bytes in one buffer
/// and where each value ends; `defs` (optional and list columns) is
/// Parquet's definition level of each entry, `reps` (lists) its repetition
/// level.
#[derive(Default)]
struct Col {
    data: Vec<u8>,
    ends: Vec<u32>,
    ints: Vec<i64>,
    defs: Vec<i16>,
    reps: Vec<i16>,
}

impl Col {
    /// Ends a text value written into `data`.
    fn end(&mut self) {
        self.ends.push(self.data.len() as u32);
    }

    fn text(&mut self, v: &[u8]) -> bool {
        let whole = utf8_lossy(&mut self.data, v);
        self.end();
        whole
    }

    fn opt_text(&mut self, v: Option<&[u8]>) -> bool {
        self.defs.push(v.is_some() as i16);
        v.is_none_or(|v| self.text(v))
    }

    fn opt_int(&mut self, v: Option<i64>) {
        self.defs.push(v.is_some() as i16);
        self.ints.extend(v);
    }

    fn list<'a>(&mut self, items: impl Iterator<Item = &'a str>) {
        let mut n = 0;
        for s in items {
            self.data.extend_from_slice(s.as_bytes());
            self.end();
            self.defs.push(1);
            self.reps.push((n > 0) as i16);
            n += 1;
        }
        if n == 0 {
            self.defs.push(0);
            self.reps.push(0);
        }
    }

    fn byte_arrays(&mut self) -> Vec<ByteArray> {
        let data = Bytes::from(std::mem::take(&mut self.data));
        let mut start = 0;
        self.ends
            .iter()
            .map(|&e| {
                let v = ByteArray::from(data.slice(start..e as usize));
                start = e as usize;
                v
            })
            .collect()
    }
}

/// Column positions, in schema order.
mod at {
    pub const HOST: usize = 0;
    pub const FILE: usize = 1;
    pub const LINE: usize = 2;
    pub const KIND: usize = 3;
    pub const TS: usize = 4;
    pub const CLIENT: usize = 5;
    pub const CLIENT_NET: usize = 6;
    pub const METHOD: usize = 7;
    pub const PATH: usize = 8;
    pub const STATUS: usize = 9;
    pub const BYTES: usize = 10;
    pub const DURATION: usize = 11;
    pub const VHOST: usize = 12;
    pub const UA: usize = 13;
    pub const REFERER: usize = 14;
    pub const CLASSES: usize = 15;
    pub const SIGNATURES: usize = 16;
    pub const PROXY_OUTCOME: usize = 17;
    pub const PROXY_TARGET: usize = 18;
    pub const MODULE: usize = 19;
    pub const LEVEL: usize = 20;
    pub const CODE: usize = 21;
    pub const UPSTREAM: usize = 22;
    pub const B64: usize = 23;
    pub const COUNT: usize = B64 + super::B64.len();
}

/// One chunk's rows, as columns (host, file and line filled in when written).
pub struct PqRows {
    only_classified: bool,
    cols: Vec<Col>,
    rows: usize,
    /// Each row's line number in the chunk.
    lines: Vec<u64>,
    scratch: Vec<u8>,
}

impl Rows for PqRows {
    fn row(&mut self, seen: &Seen) {
        if self.only_classified && seen.classes.is_empty() {
            return;
        }
        let f = Fields::of(seen);
        self.lines.push(seen.line);
        self.rows += 1;
        // The raw bytes of the columns that were not UTF-8.
        let mut lossy: [Option<&[u8]>; B64.len()] = [None; B64.len()];
        let c = &mut self.cols;
        c[at::KIND].text(f.kind.label().as_bytes());
        c[at::TS].opt_int(f.ts_ms);
        match f.client {
            Client::Ip(a) => {
                let s = &mut self.scratch;
                s.clear();
                ip(s, a);
                c[at::CLIENT].opt_text(Some(s));
                s.clear();
                let (net, len) = client_net(a);
                ip(s, net);
                s.push(b'/');
                uint(s, len as u64);
                c[at::CLIENT_NET].opt_text(Some(s));
            }
            Client::Other(t) => {
                if !c[at::CLIENT].opt_text(Some(t)) {
                    lossy[2] = Some(t);
                }
                c[at::CLIENT_NET].opt_text(None);
            }
            Client::None => {
                c[at::CLIENT].opt_text(None);
                c[at::CLIENT_NET].opt_text(None);
            }
        }
        let texts = [
            (at::METHOD, 3, f.method),
            (at::PATH, 4, f.path),
            (at::VHOST, 5, f.vhost),
            (at::UA, 6, f.ua),
            (at::REFERER, 7, f.referer),
        ];
        for (col, b, v) in texts {
            if !c[col].text(v) {
                lossy[b] = Some(v);
            }
        }
        c[at::STATUS].opt_int(f.status.map(i64::from));
        c[at::BYTES].opt_int(f.bytes.map(|b| b as i64));
        c[at::DURATION].opt_int(f.duration_us.map(|b| b as i64));
        c[at::CLASSES].list(f.classes.iter().map(|c| c.id()));
        c[at::SIGNATURES].list(f.marks.signatures().map(|(_, s)| s.id));
        c[at::PROXY_OUTCOME].opt_text(f.proxy_outcome.map(str::as_bytes));
        let target = f.proxy_outcome.map(|_| f.proxy_target);
        if !c[at::PROXY_TARGET].opt_text(target) {
            lossy[8] = target;
        }
        let error = f.kind == Kind::Error;
        for (col, b, v) in [
            (at::MODULE, 9, f.module),
            (at::LEVEL, 10, f.level),
            (at::CODE, 11, f.code),
        ] {
            let v = error.then_some(v);
            if !c[col].opt_text(v) {
                lossy[b] = v;
            }
        }
        c[at::UPSTREAM].opt_text(f.upstream.map(str::as_bytes));
        // host and file: filled in when written.
        for (i, raw) in lossy.iter().enumerate().skip(2) {
            let col = &mut c[at::B64 + i];
            col.defs.push(raw.is_some() as i16);
            if let Some(raw) = raw {
                base64(&mut col.data, raw);
                col.end();
            }
        }
    }
}

/// Writes every row to `W` as one Parquet file, in input order.
pub struct Parquet<W: Write + Send> {
    settings: Settings,
    props: WriterPropertiesPtr,
    /// The input being read.
    file: Mutex<Arc<Vec<u8>>>,
    state: Mutex<State<W>>,
    gone: AtomicBool,
}

struct State<W: Write + Send> {
    writer: SerializedFileWriter<W>,
    /// Chunks not yet written: their rows, input name and lines before.
    pending: Vec<(PqRows, Arc<Vec<u8>>, u64)>,
    rows: usize,
    error: Option<io::Error>,
}

fn io_err(e: parquet::errors::ParquetError) -> io::Error {
    io::Error::other(e)
}

impl<W: Write + Send> Parquet<W> {
    pub fn new(settings: Settings, out: W) -> io::Result<Parquet<W>> {
        let schema = Arc::new(parse_message_type(&schema()).map_err(io_err)?);
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).map_err(io_err)?))
            .set_max_row_group_row_count(Some(GROUP_ROWS));
        // Minimum and maximum of free text prune no query and cost a byte
        // comparison per value: they were an eighth of an export's time.
        let b64 = B64.iter().map(|c| format!("{c}_b64"));
        for c in NO_STATS.iter().map(|c| c.to_string()).chain(b64) {
            props = props.set_column_statistics_enabled(c.into(), EnabledStatistics::None);
        }
        let props = props.build();
        let props = Arc::new(props);
        let writer = SerializedFileWriter::new(out, schema, props.clone()).map_err(io_err)?;
        Ok(Parquet {
            settings,
            props,
            file: Mutex::new(Arc::new(Vec::new())),
            state: Mutex::new(State {
                writer,
                pending: Vec::new(),
                rows: 0,
                error: None,
            }),
            gone: AtomicBool::new(false),
        })
    }

    /// Writes what is pending and the file's footer; the first error, if any.
    pub fn finish(self) -> io::Result<()> {
        let mut st = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = st.error.take() {
            return Err(e);
        }
        st.flush(&self.settings.host, &self.props)?;
        st.writer.close().map_err(io_err)?;
        Ok(())
    }
}

impl<W: Write + Send> State<W> {
    /// Writes the pending chunks as one row group. Its columns are encoded
    /// side by side, each into a buffer of its own, and then appended in
    /// schema order: encoding is most of an export's work, and one thread
    /// encoding a row group while the others wait was the bound.
    fn flush(&mut self, host: &[u8], props: &WriterPropertiesPtr) -> io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        self.rows = 0;
        let mut host_col = Col::default();
        let host_whole = utf8_lossy(&mut host_col.data, host);
        // Column by column, each holding its parts in input order.
        let mut columns: Vec<Vec<Col>> = (0..at::COUNT).map(|_| Vec::new()).collect();
        for (mut rows, file, before) in pending {
            let n = rows.rows;
            let c = &mut rows.cols;
            let mut name = Vec::new();
            let file_whole = utf8_lossy(&mut name, &file);
            for _ in 0..n {
                c[at::HOST].data.extend_from_slice(&host_col.data);
                c[at::HOST].end();
                c[at::FILE].data.extend_from_slice(&name);
                c[at::FILE].end();
                for (i, (whole, raw)) in [(host_whole, host), (file_whole, &file[..])]
                    .into_iter()
                    .enumerate()
                {
                    let col = &mut c[at::B64 + i];
                    col.defs.push(!whole as i16);
                    if !whole {
                        base64(&mut col.data, raw);
                        col.end();
                    }
                }
            }
            c[at::LINE].ints = rows.lines.iter().map(|l| (before + l) as i64).collect();
            for (i, col) in rows.cols.into_iter().enumerate() {
                columns[i].push(col);
            }
        }
        let schema = self.writer.schema_descr();
        let descrs: Vec<ColumnDescPtr> = (0..at::COUNT).map(|i| schema.column(i)).collect();
        let encoded = columns
            .into_par_iter()
            .zip(descrs)
            .enumerate()
            .map(|(i, (parts, descr))| encode(i, parts, descr, props))
            .collect::<parquet::errors::Result<Vec<_>>>()
            .map_err(io_err)?;
        let mut rg = self.writer.next_row_group().map_err(io_err)?;
        for (bytes, close) in encoded {
            rg.append_column(&bytes, close).map_err(io_err)?;
        }
        rg.close().map_err(io_err)?;
        Ok(())
    }
}

/// One column of a row group, encoded and compressed into memory.
fn encode(
    i: usize,
    parts: Vec<Col>,
    descr: ColumnDescPtr,
    props: &WriterPropertiesPtr,
) -> parquet::errors::Result<(Bytes, ColumnCloseResult)> {
    let mut sink = TrackedWrite::new(Vec::new());
    let close = {
        let pages = SerializedPageWriter::new(&mut sink);
        let mut w = get_column_writer(descr, props.clone(), Box::new(pages));
        for mut c in parts {
            let texts = match i {
                at::LINE | at::TS | at::BYTES | at::DURATION | at::STATUS => Vec::new(),
                _ => c.byte_arrays(),
            };
            let defs = (!c.defs.is_empty()).then_some(&c.defs[..]);
            let reps = (!c.reps.is_empty()).then_some(&c.reps[..]);
            match i {
                at::LINE | at::TS | at::BYTES | at::DURATION => {
                    get_typed_column_writer_mut::<Int64Type>(&mut w)
                        .write_batch(&c.ints, defs, reps)?;
                }
                at::STATUS => {
                    let v: Vec<i32> = c.ints.iter().map(|&s| s as i32).collect();
                    get_typed_column_writer_mut::<Int32Type>(&mut w).write_batch(&v, defs, reps)?;
                }
                _ => {
                    get_typed_column_writer_mut::<ByteArrayType>(&mut w)
                        .write_batch(&texts, defs, reps)?;
                }
            }
        }
        w.close()?
    };
    Ok((Bytes::from(sink.into_inner()?), close))
}

impl<W: Write + Send> Export for Parquet<W> {
    type Rows = PqRows;

    fn input(&self, name: &[u8]) {
        *self.file.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(name.to_vec());
    }

    fn rows(&self) -> PqRows {
        PqRows {
            only_classified: self.settings.only_classified,
            cols: (0..at::COUNT).map(|_| Col::default()).collect(),
            rows: 0,
            lines: Vec::new(),
            scratch: Vec::new(),
        }
    }

    fn write(&self, rows: PqRows, lines_before: u64) {
        if self.gone() || rows.rows == 0 {
            return;
        }
        let file = self.file.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.rows += rows.rows;
        st.pending.push((rows, file, lines_before));
        if st.rows >= GROUP_ROWS {
            if let Err(e) = st.flush(&self.settings.host, &self.props) {
                st.error.get_or_insert(e);
                self.gone.store(true, Ordering::Relaxed);
            }
        }
    }

    fn gone(&self) -> bool {
        self.gone.load(Ordering::Relaxed)
    }
}

//! NDJSON rows: one JSON object a line, the form `clickhouse-client` loads
//! with `FORMAT JSONEachRow`.
//!
//! A chunk's rows are written into one buffer as the scan goes, each without
//! its `host`, `file` and `line` (the line number is known only once the
//! chunks before are counted); [`Ndjson::write`] puts them in front.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::text::{base64_str, ip, json_str, rfc3339_ms, uint};
use super::{client_net, Fields, Settings};
use crate::record::Client;
use crate::scan::{Export, Rows, Seen};

/// Writes every row to `W`, in input order.
pub struct Ndjson<W: Write + Send> {
    settings: Settings,
    /// `{"host":...,"file":...,"line":` for the input being read.
    head: Mutex<Arc<Vec<u8>>>,
    out: Mutex<W>,
    error: Mutex<Option<io::Error>>,
    gone: AtomicBool,
}

impl<W: Write + Send> Ndjson<W> {
    pub fn new(settings: Settings, out: W) -> Ndjson<W> {
        Ndjson {
            settings,
            head: Mutex::new(Arc::new(Vec::new())),
            out: Mutex::new(out),
            error: Mutex::new(None),
            gone: AtomicBool::new(false),
        }
    }

    /// Flushes the output; the first write error, if any.
    pub fn finish(self) -> io::Result<()> {
        if let Some(e) = self.error.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(e);
        }
        self.out
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .flush()
    }

    fn fail(&self, e: io::Error) {
        self.gone.store(true, Ordering::Relaxed);
        let mut slot = self.error.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert(e);
    }
}

/// One chunk's rows.
pub struct NdRows {
    only_classified: bool,
    buf: Vec<u8>,
    /// Each row's line number in the chunk, and where it ends in `buf`.
    ends: Vec<(u64, usize)>,
    clock: Clock,
}

/// The last second written, as text: lines come in time order, so most
/// rows' times differ from the row before in the milliseconds at most.
#[derive(Default)]
struct Clock {
    sec: Option<i64>,
    /// `YYYY-MM-DDTHH:MM:SS.` of `sec`.
    text: Vec<u8>,
}

impl Clock {
    fn write(&mut self, out: &mut Vec<u8>, ms: i64) {
        let (sec, milli) = (ms.div_euclid(1000), ms.rem_euclid(1000) as u32);
        if self.sec != Some(sec) {
            self.text.clear();
            rfc3339_ms(&mut self.text, sec * 1000);
            self.text.truncate(self.text.len() - 4);
            self.sec = Some(sec);
        }
        out.extend_from_slice(&self.text);
        out.extend_from_slice(&[
            b'0' + (milli / 100) as u8,
            b'0' + (milli / 10 % 10) as u8,
            b'0' + (milli % 10) as u8,
            b'Z',
        ]);
    }
}

impl Rows for NdRows {
    fn row(&mut self, seen: &Seen) {
        if self.only_classified && seen.classes.is_empty() {
            return;
        }
        row(&mut self.buf, &Fields::of(seen), &mut self.clock);
        self.ends.push((seen.line, self.buf.len()));
    }
}

impl<W: Write + Send> Export for Ndjson<W> {
    type Rows = NdRows;

    fn input(&self, name: &[u8]) {
        let mut h = Vec::with_capacity(64 + name.len());
        h.extend_from_slice(b"{\"host\":");
        let host_whole = json_str(&mut h, &self.settings.host);
        h.extend_from_slice(b",\"file\":");
        let file_whole = json_str(&mut h, name);
        if !host_whole {
            h.extend_from_slice(b",\"host_b64\":");
            base64_str(&mut h, &self.settings.host);
        }
        if !file_whole {
            h.extend_from_slice(b",\"file_b64\":");
            base64_str(&mut h, name);
        }
        h.extend_from_slice(b",\"line\":");
        *self.head.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(h);
    }

    fn rows(&self) -> NdRows {
        NdRows {
            only_classified: self.settings.only_classified,
            buf: Vec::new(),
            ends: Vec::new(),
            clock: Clock::default(),
        }
    }

    fn write(&self, rows: NdRows, lines_before: u64) {
        if self.gone() {
            return;
        }
        let head = self.head.lock().unwrap_or_else(|e| e.into_inner()).clone();
        // Whole rows into one buffer, written at once: a write a row costs more.
        let mut whole = Vec::with_capacity(rows.buf.len() + rows.ends.len() * (head.len() + 12));
        let mut start = 0;
        for &(line, end) in &rows.ends {
            whole.extend_from_slice(&head);
            uint(&mut whole, lines_before + line);
            whole.extend_from_slice(&rows.buf[start..end]);
            start = end;
        }
        let res = self
            .out
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .write_all(&whole);
        if let Err(e) = res {
            self.fail(e);
        }
    }

    fn gone(&self) -> bool {
        self.gone.load(Ordering::Relaxed)
    }
}

/// One of alf's own names (a kind, class or signature id, proxy outcome,
/// upstream failure) as a JSON string, by the writer log text goes through:
/// they are ASCII, so they never need a `_b64` companion.
fn quoted(out: &mut Vec<u8>, s: &str) {
    let whole = json_str(out, s.as_bytes());
    debug_assert!(whole, "{s}");
}

/// Writes one row after its line number, through its newline.
fn row<'c>(out: &mut Vec<u8>, f: &Fields<'_, 'c>, clock: &mut Clock) {
    // Text fields that were not all UTF-8: their raw bytes follow in base64.
    let mut raw: [(&str, &'c [u8]); 12] = [("", b""); 12];
    let mut nraw = 0;
    let mut text = |out: &mut Vec<u8>, key: &'static str, v: &'c [u8]| {
        out.extend_from_slice(key.as_bytes());
        if !json_str(out, v) {
            raw[nraw] = (key, v);
            nraw += 1;
        }
    };
    out.extend_from_slice(b",\"kind\":");
    quoted(out, f.kind.label());
    out.extend_from_slice(b",\"ts\":");
    match f.ts_ms {
        Some(ms) => {
            out.push(b'"');
            clock.write(out, ms);
            out.push(b'"');
        }
        None => out.extend_from_slice(b"null"),
    }
    match f.client {
        Client::Ip(a) => {
            out.extend_from_slice(b",\"client\":\"");
            ip(out, a);
            out.extend_from_slice(b"\",\"client_net\":\"");
            let (net, len) = client_net(a);
            ip(out, net);
            out.push(b'/');
            uint(out, len as u64);
            out.push(b'"');
        }
        Client::Other(t) => {
            text(out, ",\"client\":", t);
            out.extend_from_slice(b",\"client_net\":null");
        }
        Client::None => out.extend_from_slice(b",\"client\":null,\"client_net\":null"),
    }
    text(out, ",\"method\":", f.method);
    text(out, ",\"path\":", f.path);
    let opt = |out: &mut Vec<u8>, key: &[u8], v: Option<u64>| {
        out.extend_from_slice(key);
        match v {
            Some(n) => uint(out, n),
            None => out.extend_from_slice(b"null"),
        }
    };
    opt(out, b",\"status\":", f.status.map(u64::from));
    opt(out, b",\"bytes\":", f.bytes);
    opt(out, b",\"duration_us\":", f.duration_us);
    text(out, ",\"vhost\":", f.vhost);
    text(out, ",\"ua\":", f.ua);
    text(out, ",\"referer\":", f.referer);
    out.extend_from_slice(b",\"classes\":[");
    for (i, c) in f.classes.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        quoted(out, c.id());
    }
    out.extend_from_slice(b"],\"signatures\":[");
    for (i, (_, s)) in f.marks.signatures().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        quoted(out, s.id);
    }
    out.extend_from_slice(b"],\"proxy_outcome\":");
    match f.proxy_outcome {
        Some(p) => {
            quoted(out, p);
            text(out, ",\"proxy_target\":", f.proxy_target);
        }
        None => out.extend_from_slice(b"null,\"proxy_target\":null"),
    }
    if f.kind == super::Kind::Error {
        text(out, ",\"module\":", f.module);
        text(out, ",\"level\":", f.level);
        text(out, ",\"code\":", f.code);
        out.extend_from_slice(b",\"upstream\":");
        match f.upstream {
            Some(u) => quoted(out, u),
            None => out.extend_from_slice(b"null"),
        }
    }
    for (key, v) in &raw[..nraw] {
        // `,"path":` becomes `,"path_b64":`.
        out.extend_from_slice(&key.as_bytes()[..key.len() - 2]);
        out.extend_from_slice(b"_b64\":");
        base64_str(out, v);
    }
    out.extend_from_slice(b"}\n");
}

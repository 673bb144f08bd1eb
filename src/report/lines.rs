//! Line-per-record outputs: NDJSON (one finding a line, for a database) and
//! CSV (RFC 4180, for a spreadsheet or a ticket).
//!
//! NDJSON writes the triage's rows, each tagged with its `type` and the
//! same fields the JSON document gives them; a loader filters on `type`.
//! CSV holds the offenders (then the internal ones, marked), the table a
//! spreadsheet is opened for; `top` writes its keys and counts.

use std::io::{self, Write};

use serde::Serialize;

use super::{OffenderRow, TopReport, Triage};
use crate::escape::HtmlSafe;

/// A row with its type: `{"type": "offender", ...the row's fields}`.
#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(flatten)]
    row: &'a T,
}

/// Writes one compact JSON object and a newline.
fn line<T: Serialize>(w: &mut impl Write, kind: &str, row: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *w, &Tagged { kind, row }).map_err(crate::escape::json_io)?;
    w.write_all(b"\n")
}

/// One line of `kind` for each row.
fn rows<T: Serialize>(
    w: &mut impl Write,
    kind: &str,
    rows: impl IntoIterator<Item = T>,
) -> io::Result<()> {
    rows.into_iter().try_for_each(|row| line(w, kind, &row))
}

/// A value that is not an object (a warning's text), under `text`.
#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

pub fn triage_ndjson(w: impl Write, r: &Triage) -> io::Result<()> {
    // `<`, `>`, `&` as escapes, as in the JSON document.
    let mut w = HtmlSafe(io::BufWriter::with_capacity(1 << 16, w));
    let w = &mut w;
    line(w, "summary", &r.summary)?;
    rows(w, "input", &r.inputs)?;
    rows(w, "malformed_reason", &r.malformed_reasons)?;
    rows(w, "bad_line", &r.examples)?;
    rows(w, "status", &r.status)?;
    rows(w, "client", &r.top_clients)?;
    rows(w, "error_client", &r.error_clients)?;
    rows(w, "syslog_host", &r.hosts)?;
    rows(w, "class", &r.classes)?;
    rows(w, "signature", &r.signatures)?;
    rows(w, "offender", r.offenders.iter())?;
    rows(w, "internal_offender", r.internal_offenders.iter())?;
    rows(w, "suggested_block", r.suggested_blocks.iter())?;
    rows(w, "held_back", r.held_back.iter())?;
    rows(w, "flood", &r.floods)?;
    rows(w, "burst", &r.bursts)?;
    rows(w, "proxy_target", &r.proxy_targets)?;
    rows(w, "incident", &r.incidents)?;
    rows(w, "correlation", &r.correlation)?;
    rows(w, "onset", &r.onset)?;
    rows(w, "timeline", &r.timeline)?;
    rows(
        w,
        "rules_command",
        r.rules_command.iter().map(|text| Text { text }),
    )?;
    rows(w, "origin_policy", &r.origin_policy)?;
    rows(w, "geo", &r.geo)?;
    line(w, "timing", &r.timing)?;
    rows(w, "warning", r.warnings.iter().map(|text| Text { text }))?;
    rows(w, "error", r.errors.iter().map(|text| Text { text }))?;
    w.flush()
}

pub fn top_ndjson(w: impl Write, r: &TopReport) -> io::Result<()> {
    let mut w = HtmlSafe(io::BufWriter::new(w));
    for x in &r.top {
        line(&mut w, r.by, x)?;
    }
    w.flush()
}

/// One CSV field: quoted when it holds a separator, a quote or a line
/// break (RFC 4180); a cell a spreadsheet would run as a formula (`=`, `+`,
/// `-`, `@`, tab, carriage return first) gets a leading `'`, unless `raw`.
fn field(s: &str, raw: bool) -> String {
    // A lone `-` (a log's "none") is no formula; `-1+2` is.
    let formula = !raw
        && (s.starts_with(['=', '@', '\t', '\r']) || (s.starts_with(['+', '-']) && s.len() > 1));
    let s = if formula {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn record(w: &mut impl Write, raw: bool, cells: &[String]) -> io::Result<()> {
    let line: Vec<String> = cells.iter().map(|c| field(c, raw)).collect();
    // RFC 4180 ends records with CRLF.
    write!(w, "{}\r\n", line.join(","))
}

const OFFENDER_COLUMNS: [&str; 11] = [
    "client",
    "internal",
    "score",
    "requests",
    "classes",
    "notes",
    "first_seen",
    "last_seen",
    "country",
    "asn",
    "as_org",
];

fn offender(w: &mut impl Write, raw: bool, o: &OffenderRow, internal: bool) -> io::Result<()> {
    let classes: Vec<String> = o.classes.iter().map(|(k, v)| format!("{k} {v}")).collect();
    record(
        w,
        raw,
        &[
            o.client.clone(),
            internal.to_string(),
            format!("{:.1}", o.score),
            o.requests.map(|n| n.to_string()).unwrap_or_default(),
            classes.join("; "),
            o.notes.join("; "),
            o.first_seen.clone().unwrap_or_default(),
            o.last_seen.clone().unwrap_or_default(),
            o.country.clone().unwrap_or_default(),
            o.asn.map(|n| n.to_string()).unwrap_or_default(),
            o.as_org.clone().unwrap_or_default(),
        ],
    )
}

/// With `--csv-raw`, a first line that says the cells are not defused.
fn raw_note(w: &mut impl Write, raw: bool) -> io::Result<()> {
    if raw {
        write!(
            w,
            "# --csv-raw: cells are as written; a formula in one is not defused\r\n"
        )?;
    }
    Ok(())
}

pub fn triage_csv(w: impl Write, r: &Triage) -> io::Result<()> {
    let mut w = io::BufWriter::new(w);
    let raw = r.term.csv_raw;
    raw_note(&mut w, raw)?;
    record(&mut w, raw, &OFFENDER_COLUMNS.map(String::from))?;
    for o in r.offenders.iter() {
        offender(&mut w, raw, &o, false)?;
    }
    for o in r.internal_offenders.iter() {
        offender(&mut w, raw, &o, true)?;
    }
    w.flush()
}

pub fn top_csv(w: impl Write, r: &TopReport) -> io::Result<()> {
    let mut w = io::BufWriter::new(w);
    let raw = r.term.csv_raw;
    raw_note(&mut w, raw)?;
    record(&mut w, raw, &[r.by.to_string(), "count".into()])?;
    for x in &r.top {
        record(&mut w, raw, &[x.key.shown(), x.count.to_string()])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        let f = |s| field(s, false);
        assert_eq!(f("1.2.3.4"), "1.2.3.4");
        assert_eq!(f("a,b"), "\"a,b\"");
        assert_eq!(f("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(f("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(f("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(f("-1+2"), "'-1+2");
        assert_eq!(f("+cmd"), "'+cmd");
        assert_eq!(f("-"), "-");
        // `--csv-raw`: quoted as RFC 4180 wants, never prefixed.
        assert_eq!(field("@SUM(A1)", true), "@SUM(A1)");
        assert_eq!(
            field("=HYPERLINK(\"x\")", true),
            "\"=HYPERLINK(\"\"x\"\")\""
        );
    }
}

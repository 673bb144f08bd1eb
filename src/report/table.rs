//! Tables for people, drawn with comfy-table. Log text arrives escaped; here it
//! is only cut to a display width so columns stay aligned.

use std::io::{self, Write};

use comfy_table::{
    presets, Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table,
};

use super::{Term, TopReport, Triage};
use crate::aggregate::classes::MAX_PROXY_TARGETS;
use crate::escape::escape_width;

pub(super) fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(header.iter().copied());
    t
}

/// The columns of free text, which a narrow terminal may cut.
const ELASTIC: [&str; 17] = [
    "",
    "input",
    "format",
    "signature",
    "classes",
    "notes",
    "top clients",
    "access classes",
    "upstream timeout/refused/other",
    "proxy target",
    "bad lines",
    "AS",
    "path",
    "ua",
    "referer",
    "vhost",
    "method",
];

/// Writes a table fitted to the terminal: at its width, each row on one
/// line with long cells cut (`…`), coloured when asked. Off a terminal,
/// tables keep their natural width, so a pipe or a mail gets every byte.
fn put(w: &mut impl Write, mut t: Table, term: &Term) -> io::Result<()> {
    if term.markdown {
        return put_markdown(w, &t);
    }
    t.force_no_tty();
    if let Some(width) = term.width {
        t.set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width)
            .set_truncation_indicator("…");
        for row in t.row_iter_mut() {
            row.max_height(1);
        }
        // Evidence (addresses, counts, times) is never cut; free text is.
        let names: Vec<String> = t
            .header()
            .map(|h| h.cell_iter().map(|c| c.content()).collect())
            .unwrap_or_default();
        let keep: Vec<bool> = names
            .iter()
            .map(|n| !ELASTIC.contains(&n.as_str()))
            .collect();
        let dropped = narrow(&mut t, &names, &keep, width);
        for (col, keep) in t.column_iter_mut().zip(keep) {
            if keep && !col.is_hidden() {
                col.set_constraint(ColumnConstraint::ContentWidth);
            }
        }
        if term.colour {
            t.enforce_styling();
        }
        writeln!(w, "{t}")?;
        if !dropped.is_empty() {
            writeln!(
                w,
                "(left out to fit {width} columns: {}; a wider terminal or --output json shows them)",
                dropped.join(", ")
            )?;
        }
        return Ok(());
    }
    if term.colour {
        t.enforce_styling();
    }
    writeln!(w, "{t}")
}

/// Columns a narrow terminal may leave out, first to go first.
const DROPPABLE: [&str; 9] = [
    "share",
    "last seen",
    "bytes",
    "AS",
    "country",
    "4xx",
    "5xx",
    "severity",
    "first 2xx",
];

/// Hides droppable columns until the kept ones (and a few characters of
/// each cut one) fit `width`; returns the names of those hidden.
fn narrow(t: &mut Table, names: &[String], keep: &[bool], width: u16) -> Vec<String> {
    let mut widths = vec![0usize; names.len()];
    for (i, n) in names.iter().enumerate() {
        widths[i] = unicode_width::UnicodeWidthStr::width(n.as_str());
    }
    for row in t.row_iter() {
        for (i, c) in row.cell_iter().enumerate().take(widths.len()) {
            let w = unicode_width::UnicodeWidthStr::width(c.content().as_str());
            widths[i] = widths[i].max(w);
        }
    }
    let need = |i: usize| 3 + if keep[i] { widths[i] } else { widths[i].min(8) };
    let mut total: usize = 1 + (0..names.len()).map(need).sum::<usize>();
    let mut dropped = Vec::new();
    for d in DROPPABLE {
        if total <= usize::from(width) {
            break;
        }
        if let Some(i) = names.iter().position(|n| n == d) {
            if let Some(col) = t.column_mut(i) {
                col.set_constraint(ColumnConstraint::Hidden);
                total -= need(i);
                dropped.push(d.to_string());
            }
        }
    }
    dropped
}

/// Marks a table's start and end in the text [`markdown`] post-processes:
/// a NUL never reaches the report otherwise (log bytes are escaped).
const TABLE_START: &[u8] = b"\0<";
const TABLE_END: &[u8] = b"\0>";

/// A table as Markdown, each cell's Markdown made literal.
fn put_markdown(w: &mut impl Write, t: &Table) -> io::Result<()> {
    let text = |c: &Cell| md_escape(&c.content());
    let mut m = Table::new();
    m.force_no_tty()
        .load_style(presets::ASCII_MARKDOWN)
        .set_content_arrangement(ContentArrangement::Disabled);
    if let Some(h) = t.header() {
        m.set_header(h.cell_iter().map(text));
    }
    for row in t.row_iter() {
        m.add_row(row.cell_iter().map(text).collect::<Vec<_>>());
    }
    w.write_all(TABLE_START)?;
    writeln!(w, "{m}")?;
    w.write_all(TABLE_END)
}

/// Markdown's active characters, backslash-escaped: a log's text shows as
/// written and cannot make a link, an image, HTML or a new cell.
fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    if out.is_empty() {
        out.push(' ');
    }
    out
}

/// Runs a table renderer and writes its output as Markdown: tables as
/// Markdown tables, the text between them (timelines, notes) in fenced
/// blocks so that it keeps its lines and nothing in it is read as markup.
pub fn markdown<W: Write>(
    mut w: W,
    render: impl FnOnce(&mut Vec<u8>) -> io::Result<()>,
) -> io::Result<()> {
    let mut buf = Vec::new();
    render(&mut buf)?;
    let mut rest = &buf[..];
    loop {
        let (text, table) = match memchr::memmem::find(rest, TABLE_START) {
            Some(i) => {
                let end = memchr::memmem::find(&rest[i..], TABLE_END).map_or(rest.len(), |j| i + j);
                (&rest[..i], Some(&rest[i + TABLE_START.len()..end]))
            }
            None => (rest, None),
        };
        let trimmed = text.trim_ascii();
        if !trimmed.is_empty() {
            // A fence longer than any run of backticks in the text.
            let fence = "`".repeat(3 + longest_run(trimmed, b'`'));
            writeln!(w, "{fence}text")?;
            w.write_all(trimmed)?;
            writeln!(w, "\n{fence}\n")?;
        }
        let Some(table) = table else { break };
        w.write_all(table)?;
        writeln!(w)?;
        let consumed = text.len() + TABLE_START.len() + table.len() + TABLE_END.len();
        rest = rest.get(consumed..).unwrap_or_default();
    }
    w.flush()
}

fn longest_run(s: &[u8], b: u8) -> usize {
    s.split(|x| *x != b).map(<[u8]>::len).max().unwrap_or(0)
}

/// A cell in the colour of a severity or a status class, when colour is on.
fn tinted(text: &str, level: &str, term: &Term) -> Cell {
    let c = Cell::new(text);
    if !term.colour {
        return c;
    }
    match level {
        "critical" | "5xx" => c.fg(Color::Red),
        "high" | "4xx" => c.fg(Color::Yellow),
        "medium" => c.fg(Color::Cyan),
        "2xx" => c.fg(Color::Green),
        _ => c,
    }
}

fn right(t: &mut Table, cols: &[usize]) {
    for &c in cols {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
}

fn cut(s: &str, w: usize) -> String {
    escape_width(s.as_bytes(), w)
}

/// The country and AS cells of a row, when the report has geo columns.
fn geo_cells(
    on: bool,
    country: &Option<String>,
    asn: Option<u32>,
    org: &Option<String>,
) -> Vec<String> {
    if !on {
        return Vec::new();
    }
    let asn = match (asn, org) {
        (Some(n), Some(o)) => cut(&format!("AS{n} {o}"), 32),
        (Some(n), None) => format!("AS{n}"),
        _ => "-".into(),
    };
    vec![country.clone().unwrap_or_else(|| "-".into()), asn]
}

/// A table's header, with the geo columns when the report has them.
fn header<'a>(cols: &[&'a str], geo: bool) -> Vec<&'a str> {
    let mut v = cols.to_vec();
    if geo {
        v.extend(["country", "AS"]);
    }
    v
}

pub fn triage(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    summary(w, r)?;
    inputs(w, r)?;
    status(w, r)?;
    clients(w, r)?;
    error_clients(w, r)?;
    hosts(w, r)?;
    classes(w, r)?;
    signatures(w, r)?;
    timeline(w, r)?;
    offenders(w, r)?;
    suggested_blocks(w, r)?;
    floods(w, r)?;
    bursts(w, r)?;
    correlation(w, r)?;
    proxy_targets(w, r)?;
    bad_lines(w, r)?;
    geo_note(w, r)?;
    Ok(())
}

/// The credit the geo data asks for, or how to add a database.
fn geo_note(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if let Some(credit) = r.geo.as_ref().and_then(|g| g.credit) {
        writeln!(w, "{credit}")?;
    }
    if let Some(hint) = r.geo_hint {
        writeln!(w, "{hint}")?;
    }
    Ok(())
}

/// The summary: line accounting, span, clients, timing.
fn summary(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    let s = &r.summary;
    let mut t = table(&["summary", ""]);
    let span = match (&s.first_seen, &s.last_seen) {
        (Some(a), Some(b)) => format!("{a} .. {b}"),
        _ => "-".into(),
    };
    let mut rows: Vec<(&str, String)> = Vec::new();
    if s.interrupted {
        rows.push((
            "INTERRUPTED",
            "Ctrl-C or SIGTERM: the counts cover what was read before it".into(),
        ));
    }
    rows.extend([
        ("files", s.files.to_string()),
        ("formats", s.formats.join(", ")),
        ("lines", s.lines.to_string()),
        ("parsed", s.parsed.to_string()),
    ]);
    if s.error_lines > 0 {
        // Only the access-log lines are requests.
        rows.push(("  requests", s.requests.to_string()));
        rows.push(("  error-log lines", s.error_lines.to_string()));
    }
    rows.extend([
        ("malformed", s.malformed.to_string()),
        ("overlong", s.overlong.to_string()),
        ("empty", s.empty.to_string()),
        ("ambiguous", s.ambiguous.to_string()),
        ("filtered", s.filtered.to_string()),
    ]);
    // Shown only when there is one: a last line cut while it was written.
    if s.incomplete > 0 {
        rows.push(("incomplete", s.incomplete.to_string()));
    }
    let incomplete = match s.incomplete {
        0 => String::new(),
        n => format!(" + {n}"),
    };
    rows.extend([
        (
            "identity",
            format!(
                "{} = {} + {} + {} + {} + {} + {}{incomplete}",
                s.lines, s.parsed, s.malformed, s.overlong, s.empty, s.ambiguous, s.filtered
            ),
        ),
        ("time span (UTC)", span),
        ("distinct clients", s.distinct_clients.to_string()),
        ("bytes sent", s.bytes_sent.to_string()),
    ]);
    // Timing only for a person at a terminal: a report mailed by cron or
    // piped is the same for the same input.
    if r.term.timing {
        rows.push(("wall time", format!("{:.3} s", r.timing.wall_seconds)));
        rows.push((
            "throughput",
            format!(
                "{} MB/s ({} threads)",
                r.timing.mb_per_second, r.timing.threads
            ),
        ));
    }
    for (k, v) in rows {
        t.add_row(vec![k.to_string(), v]);
    }
    if s.self_traffic > 0 {
        t.add_row(vec![
            "self traffic".to_string(),
            format!("{} lines (never offenders)", s.self_traffic),
        ]);
    }
    if s.nul_bytes_skipped > 0 {
        t.add_row(vec![
            "NUL bytes skipped".to_string(),
            s.nul_bytes_skipped.to_string(),
        ]);
    }
    put(w, t, &r.term)?;
    Ok(())
}

/// Each input's accounting, when there are several.
fn inputs(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if r.inputs.len() > 1 {
        let mut t = table(&[
            "input",
            "format",
            "chosen by",
            "read",
            "lines",
            "parsed",
            "malformed",
        ]);
        for i in &r.inputs {
            t.add_row(vec![
                cut(&i.path, 60),
                i.format.clone(),
                i.format_reason.clone(),
                format!("{}/{}", i.read, i.compression),
                i.lines.to_string(),
                i.parsed.to_string(),
                i.malformed.to_string(),
            ]);
        }
        right(&mut t, &[4, 5, 6]);
        put(w, t, &r.term)?;
    }
    Ok(())
}

/// Requests by status class.
fn status(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    let s = &r.summary;
    if !r.status_classes.is_empty() {
        let mut t = table(&["status", "requests", "share"]);
        let requests = s.requests.max(1) as f64;
        for (k, c) in &r.status_classes {
            t.add_row(vec![
                tinted(k, k, &r.term),
                Cell::new(c),
                Cell::new(format!("{:.2}%", *c as f64 * 100.0 / requests)),
            ]);
        }
        right(&mut t, &[1, 2]);
        put(w, t, &r.term)?;
    }
    Ok(())
}

/// The top clients of the access logs.
fn clients(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if !r.top_clients.is_empty() {
        let geo = r.geo.is_some();
        let mut t = table(&header(
            &[
                "client",
                "requests",
                "share",
                "4xx",
                "5xx",
                "bytes",
                "first seen",
                "last seen",
            ],
            geo,
        ));
        for c in &r.top_clients {
            let mut row = vec![
                cut(&c.client.shown(), 45),
                c.requests.to_string(),
                format!("{:.2}%", c.share),
                c.s4xx.to_string(),
                c.s5xx.to_string(),
                c.bytes.to_string(),
                c.first_seen.clone().unwrap_or_else(|| "-".into()),
                c.last_seen.clone().unwrap_or_else(|| "-".into()),
            ];
            row.extend(geo_cells(geo, &c.country, c.asn, &c.as_org));
            t.add_row(row);
        }
        right(&mut t, &[1, 2, 3, 4, 5]);
        put(w, t, &r.term)?;
    }
    Ok(())
}

/// The top clients of the error logs.
fn error_clients(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if !r.error_clients.is_empty() {
        let mut t = table(&["error-log client", "lines", "first seen", "last seen"]);
        for c in &r.error_clients {
            t.add_row(vec![
                cut(&c.client, 45),
                c.lines.to_string(),
                c.first_seen.clone().unwrap_or_else(|| "-".into()),
                c.last_seen.clone().unwrap_or_else(|| "-".into()),
            ]);
        }
        right(&mut t, &[1]);
        put(w, t, &r.term)?;
    }
    Ok(())
}

/// Lines by syslog host, when lines came behind a syslog prefix.
fn hosts(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if !r.hosts.is_empty() {
        let mut t = table(&["syslog host", "lines"]);
        for h in &r.hosts {
            t.add_row(vec![cut(&h.host.shown(), 60), h.lines.to_string()]);
        }
        right(&mut t, &[1]);
        put(w, t, &r.term)?;
    }
    Ok(())
}

/// The anomaly classes found (or that none were).
fn classes(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if r.classes.is_empty() && r.timeline.is_some() {
        // Classified, and nothing found: say so, rather than print nothing.
        writeln!(
            w,
            "anomaly classes: none found (`alf explain` lists them)\n"
        )?;
    }
    if !r.classes.is_empty() {
        let mut t = table(&[
            "class",
            "severity",
            "lines",
            "first seen",
            "last seen",
            "first 2xx",
        ]);
        for c in &r.classes {
            t.add_row(vec![
                tinted(c.id, c.severity, &r.term),
                tinted(c.severity, c.severity, &r.term),
                Cell::new(c.count),
                Cell::new(c.first_seen.as_deref().unwrap_or("-")),
                Cell::new(c.last_seen.as_deref().unwrap_or("-")),
                Cell::new(c.first_success.as_deref().unwrap_or("-")),
            ]);
        }
        right(&mut t, &[2]);
        put(w, t, &r.term)?;
    }
    Ok(())
}

/// The signatures hit.
fn signatures(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if !r.signatures.is_empty() {
        // The id is what `alf explain` takes.
        let mut t = table(&[
            "signature",
            "id",
            "class",
            "lines",
            "first seen",
            "first 2xx",
        ]);
        for g in &r.signatures {
            let name = match g.cve {
                Some(cve) => format!("{} ({cve})", g.name),
                None => g.name.to_string(),
            };
            t.add_row(vec![
                name,
                g.id.to_string(),
                g.class.to_string(),
                g.count.to_string(),
                g.first_seen.clone().unwrap_or_else(|| "-".into()),
                g.first_success.clone().unwrap_or_else(|| "-".into()),
            ]);
        }
        right(&mut t, &[3]);
        put(w, t, &r.term)?;
    }
    Ok(())
}

/// The timeline as sparklines, and the onset.
fn timeline(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if let Some(tl) = &r.timeline {
        let n = tl.series.get("all").map_or(0, Vec::len);
        writeln!(
            w,
            "timeline: {} buckets of {} s from {}",
            n, tl.bucket_seconds, tl.start
        )?;
        let mut names: Vec<&String> = tl.series.keys().collect();
        names.sort_by_key(|k| (k.as_str() != "all", k.as_str() != "5xx", k.as_str()));
        for k in names {
            let v = &tl.series[k];
            writeln!(
                w,
                "  {:<18} {} {}",
                k,
                sparkline(v),
                v.iter().max().unwrap_or(&0)
            )?;
        }
        match &r.onset {
            Some(o) => writeln!(
                w,
                "onset: {} ({} requests in its busiest minute against a baseline of {} a minute)",
                o.summary, o.count, o.baseline
            )?,
            None => writeln!(w, "onset: none (no minute rises above the baseline)")?,
        }
        for i in r.incidents.iter().take(shown(r.rows)) {
            let next: Vec<String> = i
                .networks
                .iter()
                .skip(1)
                .map(|n| format!("{} {}", n.network, n.lines))
                .collect();
            writeln!(w, "  incident {}", i.summary)?;
            if !next.is_empty() {
                writeln!(w, "           next: {}", next.join(", "))?;
            }
        }
        if r.incidents.len() > shown(r.rows) {
            writeln!(
                w,
                "  ({} more incidents in --output json)",
                r.incidents.len() - r.rows
            )?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// At most `rows` of a list (all when 0).
fn shown(rows: usize) -> usize {
    if rows == 0 {
        usize::MAX
    } else {
        rows
    }
}

/// Says how many rows a table left out, and where they are.
fn more(w: &mut impl Write, total: usize, rows: usize, what: &str) -> io::Result<()> {
    if total > shown(rows) {
        writeln!(w, "({} more {what} in --output json)\n", total - rows)?;
    }
    Ok(())
}

/// The offenders, with their evidence; then the internal ones.
fn offenders(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    offender_table(w, r, &r.offenders, "offender", "offenders")?;
    if !r.internal_offenders.is_empty() {
        writeln!(
            w,
            "internal: offenders from loopback, private or other special ranges, \
             never ranked with the offenders and never blocked"
        )?;
    }
    offender_table(
        w,
        r,
        &r.internal_offenders,
        "internal offender",
        "internal offenders",
    )
}

fn offender_table(
    w: &mut impl Write,
    r: &Triage,
    rows: &super::Rows<'_, super::OffenderRow>,
    head: &str,
    noun: &str,
) -> io::Result<()> {
    if !rows.is_empty() {
        let geo = r.geo.is_some();
        let mut t = table(&header(
            &[head, "score", "requests", "classes", "notes"],
            geo,
        ));
        for o in rows.iter().take(shown(r.rows)) {
            let classes: Vec<String> = o.classes.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let mut row = vec![
                cut(&o.client, 45),
                format!("{:.1}", o.score),
                o.requests.map_or("?".into(), |n| n.to_string()),
                classes.join(", "),
                o.notes.join("; "),
            ];
            row.extend(geo_cells(geo, &o.country, o.asn, &o.as_org));
            t.add_row(row);
        }
        right(&mut t, &[1, 2]);
        put(w, t, &r.term)?;
        more(w, rows.len(), r.rows, noun)?;
    }
    Ok(())
}

/// The blocks `alf rules` would emit, what was held back, and the command.
fn suggested_blocks(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    let Some(selection) = &r.selection else {
        return Ok(());
    };
    if r.suggested_blocks.is_empty() {
        if !r.offenders.is_empty() {
            writeln!(
                w,
                "suggested blocks: none (no offender with {selection} that may be blocked)\n"
            )?;
        }
    } else {
        let geo = r.geo.is_some();
        let mut t = table(&header(
            &[
                "suggested block",
                "offenders",
                "score",
                "requests",
                "collateral",
                "classes",
            ],
            geo,
        ));
        for b in r.suggested_blocks.iter().take(shown(r.rows)) {
            let classes: Vec<String> = b.classes.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let mut row = vec![
                b.cidr.clone(),
                b.offenders.to_string(),
                format!("{:.1}", b.score),
                b.requests.map_or("?".into(), |n| n.to_string()),
                if b.collateral_clients == 0 {
                    "-".into()
                } else {
                    format!(
                        "{} clients, {} requests",
                        b.collateral_clients, b.collateral_requests
                    )
                },
                classes.join(", "),
            ];
            row.extend(geo_cells(geo, &b.country, b.asn, &b.as_org));
            t.add_row(row);
        }
        right(&mut t, &[1, 2, 3]);
        put(w, t, &r.term)?;
        more(w, r.suggested_blocks.len(), r.rows, "blocks")?;
    }
    for h in r.held_back.iter().take(shown(r.rows)) {
        writeln!(
            w,
            "held back: {} (score {:.1}): {}",
            cut(&h.source, 45),
            h.score,
            h.reason
        )?;
    }
    if let Some(c) = &r.rules_command {
        writeln!(w, "rules: {c}")?;
        writeln!(
            w,
            "       (blocked offenders: {selection}; other targets: alf rules --help)\n"
        )?;
    } else if !r.held_back.is_empty() {
        writeln!(w)?;
    }
    if let Some(o) = &r.origin_policy {
        writeln!(
            w,
            "origin: {} request(s) from {} client(s) reached the server without the trusted proxies \
             (direct-origin).",
            o.direct_requests, o.direct_clients
        )?;
        writeln!(
            w,
            "        A change of access policy, not a block, would accept web traffic only from them:"
        )?;
        for c in &o.commands {
            writeln!(w, "        {c}")?;
        }
        writeln!(w)?;
    }
    Ok(())
}

/// The flood sources.
fn floods(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if !r.floods.is_empty() {
        let mut t = table(&[
            "flood source",
            "requests",
            "clients",
            "per minute",
            "first seen",
            "last seen",
        ]);
        for f in &r.floods {
            t.add_row(vec![
                cut(&f.source, 45),
                f.requests.to_string(),
                f.clients.to_string(),
                format!("{:.1}", f.per_minute),
                f.first_seen.clone().unwrap_or_default(),
                f.last_seen.clone().unwrap_or_default(),
            ]);
        }
        right(&mut t, &[1, 2, 3]);
        put(w, t, &r.term)?;
    }
    Ok(())
}

/// The burst minutes (the first 20).
fn bursts(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if !r.bursts.is_empty() {
        let mut t = table(&["burst minute", "class", "lines", "threshold", "top clients"]);
        for b in r.bursts.iter().take(20) {
            let clients: Vec<String> = b
                .clients
                .iter()
                .map(|c| format!("{} {}", c.client, c.lines))
                .collect();
            t.add_row(vec![
                b.minute.clone(),
                b.class.to_string(),
                b.count.to_string(),
                format!("{:.1}", b.threshold),
                clients.join(", "),
            ]);
        }
        right(&mut t, &[2, 3]);
        put(w, t, &r.term)?;
        if r.bursts.len() > 20 {
            writeln!(
                w,
                "({} more burst minutes in --output json)\n",
                r.bursts.len() - 20
            )?;
        }
    }
    Ok(())
}

/// The clients seen in both logs.
fn correlation(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if !r.correlation.is_empty() {
        let mut t = table(&[
            "client in both logs",
            "requests",
            "access classes",
            "error lines",
            "upstream timeout/refused/other",
            "peak/min",
        ]);
        for c in &r.correlation {
            let classes: Vec<String> = c
                .access_classes
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            t.add_row(vec![
                cut(&c.client, 45),
                c.access_requests.to_string(),
                classes.join(", "),
                c.error_lines.to_string(),
                format!(
                    "{}/{}/{}",
                    c.upstream_timeouts, c.upstream_refused, c.upstream_other
                ),
                c.peak_failures_per_minute.to_string(),
            ]);
        }
        right(&mut t, &[1, 3, 5]);
        put(w, t, &r.term)?;
    }
    Ok(())
}

/// The proxy targets.
fn proxy_targets(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if !r.proxy_targets.is_empty() {
        let mut t = table(&[
            "proxy target",
            "requests",
            "tunnelled",
            "attempted",
            "refused",
            "bytes",
            "clients",
        ]);
        for p in &r.proxy_targets {
            t.add_row(vec![
                cut(&p.target.shown(), 60),
                p.requests.to_string(),
                p.tunnelled.to_string(),
                p.attempted.to_string(),
                p.refused.to_string(),
                p.bytes.to_string(),
                format!("{}{}", if p.clients_capped { "≥" } else { "" }, p.clients),
            ]);
        }
        if let Some(o) = &r.proxy_targets_other {
            t.add_row(vec![
                format!("(other targets, past {MAX_PROXY_TARGETS})"),
                o.requests.to_string(),
                o.tunnelled.to_string(),
                o.attempted.to_string(),
                o.refused.to_string(),
                o.bytes.to_string(),
                "-".to_string(),
            ]);
        }
        right(&mut t, &[1, 2, 3, 4, 5, 6]);
        put(w, t, &r.term)?;
    }
    Ok(())
}

/// The bad lines by reason, and examples.
fn bad_lines(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    let s = &r.summary;
    if !r.malformed_reasons.is_empty() || !r.examples.is_empty() {
        let mut t = table(&["bad lines", "count"]);
        for m in &r.malformed_reasons {
            t.add_row(vec![
                format!("malformed: {}", m.description),
                m.count.to_string(),
            ]);
        }
        if s.overlong > 0 {
            t.add_row(vec!["overlong".to_string(), s.overlong.to_string()]);
        }
        if s.ambiguous > 0 {
            t.add_row(vec![
                "ambiguous attribution".to_string(),
                s.ambiguous.to_string(),
            ]);
        }
        if s.incomplete > 0 {
            t.add_row(vec![
                "incomplete final line".to_string(),
                s.incomplete.to_string(),
            ]);
        }
        right(&mut t, &[1]);
        put(w, t, &r.term)?;
        for e in &r.examples {
            writeln!(
                w,
                "  {}:{}: {}: {}",
                cut(&e.file, 60),
                e.line,
                e.kind,
                cut(&e.shown(), 160)
            )?;
        }
        if !r.examples.is_empty() {
            writeln!(w)?;
        }
    }
    Ok(())
}

pub fn top(w: &mut impl Write, r: &TopReport) -> io::Result<()> {
    let mut t = table(&["count", r.by]);
    for k in &r.top {
        t.add_row(vec![k.count.to_string(), cut(&k.key.shown(), 120)]);
    }
    right(&mut t, &[0]);
    put(w, t, &r.term)
}

/// `uniq -c` style: the count right-aligned in 7 columns, a space, the key.
pub fn top_plain(w: &mut impl Write, r: &TopReport) -> io::Result<()> {
    for k in &r.top {
        writeln!(w, "{:>7} {}", k.count, k.key)?;
    }
    Ok(())
}

/// One character per bucket, eight levels scaled to the series' maximum; a
/// space for an empty bucket.
fn sparkline(v: &[u64]) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = v.iter().copied().max().unwrap_or(0).max(1);
    v.iter()
        .map(|&x| {
            if x == 0 {
                ' '
            } else {
                LEVELS[((x * 8 - 1) / max).min(7) as usize]
            }
        })
        .collect()
}

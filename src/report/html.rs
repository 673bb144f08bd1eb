//! The triage report as one self-contained HTML page: no external asset, no
//! script, nothing fetched; a Content-Security-Policy forbids anything but
//! inline styles, so even a string that escaped escaping could not run. The
//! timeline is an inline SVG chart: a row per series (all requests, 5xx, each
//! class), each scaled to its own maximum, the incidents shaded and the onset
//! marked.
//!
//! Every string comes from the report rows, already escaped for control
//! characters, and is HTML-escaped here (`&`, `<`, `>`, `"`, `'`).

use std::io::{self, Write};

use chrono::DateTime;

use super::{Triage, SCHEMA};

/// HTML-escapes text for element content and attribute values.
pub fn h(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1180px;color:#1d2733;padding:0 16px}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dee6;padding-bottom:4px}\
.sub{color:#5a6878}table{border-collapse:collapse;width:100%;margin:6px 0 4px;font-size:13px}\
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #e7ebf0;vertical-align:top}\
th{background:#f3f6f9;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
code,.mono{font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace;font-size:12.5px;word-break:break-all}\
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #d8dee6;border-radius:6px;padding:8px 12px;min-width:120px}\
.card b{display:block;font-size:18px}.crit{color:#b3261e}.high{color:#c25400}.medium{color:#8a6d00}.low{color:#4b5d6e}\
.warn{background:#fff6e0;border-left:4px solid #e0a400;padding:6px 10px;margin:4px 0}\
.err{background:#fdecea;border-left:4px solid #b3261e;padding:6px 10px;margin:4px 0}\
.policy{background:#eef4ff;border-left:4px solid #3367d6;padding:6px 10px;margin:6px 0}\
.ip{font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace;font-size:12.5px;white-space:nowrap}\
td.when{white-space:nowrap}.more{color:#5a6878;font-size:12.5px}svg text{font:11px system-ui,sans-serif;fill:#41505f}";

/// Colours of the series, in the order they are drawn.
const COLOURS: [&str; 12] = [
    "#3367d6", "#b3261e", "#c25400", "#188038", "#8e24aa", "#00838f", "#6d4c41", "#e91e63",
    "#5f6368", "#827717", "#1a73e8", "#d93025",
];

/// Writes the page.
pub fn triage(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    let s = &r.summary;
    writeln!(w, "<!DOCTYPE html>")?;
    writeln!(w, "<html lang=\"en\"><head><meta charset=\"utf-8\">")?;
    writeln!(
        w,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
    )?;
    writeln!(w, "<meta name=\"viewport\" content=\"width=device-width\">")?;
    writeln!(
        w,
        "<title>alf incident report</title><style>{STYLE}</style></head><body>"
    )?;
    writeln!(w, "<h1>alf incident report</h1>")?;
    let span = match (&s.first_seen, &s.last_seen) {
        (Some(a), Some(b)) => format!("{a} .. {b}"),
        _ => "no timestamped record".into(),
    };
    writeln!(
        w,
        "<p class=\"sub\">{} input(s) · {} · report schema {SCHEMA} · alf {}</p>",
        s.files,
        h(&span),
        env!("CARGO_PKG_VERSION")
    )?;
    cards(w, r)?;
    notes(w, r)?;
    onset(w, r)?;
    timeline(w, r)?;
    incidents(w, r)?;
    offenders(w, r)?;
    blocks(w, r)?;
    classes(w, r)?;
    clients(w, r)?;
    proxy(w, r)?;
    correlation(w, r)?;
    inputs(w, r)?;
    hosts(w, r)?;
    if let Some(credit) = r.geo.as_ref().and_then(|g| g.credit) {
        writeln!(w, "<p class=\"more\">{}</p>", h(credit))?;
    }
    writeln!(w, "</body></html>")
}

fn cards(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    let s = &r.summary;
    writeln!(w, "<div class=\"cards\">")?;
    for (label, value) in [
        ("lines", s.lines.to_string()),
        ("requests", s.requests.to_string()),
        ("malformed", s.malformed.to_string()),
        ("distinct clients", s.distinct_clients.to_string()),
        ("offenders", r.offenders.len().to_string()),
        ("suggested blocks", r.suggested_blocks.len().to_string()),
        ("incidents", r.incidents.len().to_string()),
    ] {
        writeln!(
            w,
            "<div class=\"card\"><b>{}</b>{}</div>",
            h(&value),
            h(label)
        )?;
    }
    writeln!(w, "</div>")?;
    writeln!(
        w,
        "<p class=\"sub\">{}{} lines = {} parsed + {} malformed + {} overlong + {} empty + {} ambiguous + {} filtered{}</p>",
        if s.interrupted { "INTERRUPTED (Ctrl-C or SIGTERM): the counts cover what was read before it. " } else { "" },
        s.lines, s.parsed, s.malformed, s.overlong, s.empty, s.ambiguous, s.filtered,
        match s.incomplete { 0 => String::new(), n => format!(" + {n} incomplete") }
    )
}

fn notes(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    for e in &r.errors {
        writeln!(w, "<div class=\"err\">{}</div>", h(e))?;
    }
    for x in &r.warnings {
        writeln!(w, "<div class=\"warn\">{}</div>", h(x))?;
    }
    Ok(())
}

fn onset(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if let Some(o) = &r.onset {
        writeln!(
            w,
            "<h2>Onset</h2><p><b>{}</b> <span class=\"sub\">({} requests in its busiest minute; baseline {} a minute)</span></p>",
            h(&o.summary),
            o.count,
            o.baseline
        )?;
    }
    Ok(())
}

/// Epoch seconds of an RFC 3339 time.
fn epoch(t: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(t).ok().map(|d| d.timestamp())
}

fn timeline(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    let Some(tl) = &r.timeline else {
        return Ok(());
    };
    let Some(start) = epoch(&tl.start) else {
        return Ok(());
    };
    let mut names: Vec<&String> = tl.series.keys().collect();
    names.sort_by_key(|k| (k.as_str() != "all", k.as_str() != "5xx", k.as_str()));
    let n = tl.series.get("all").map_or(0, Vec::len).max(1);
    let (left, width, row) = (150.0, 980.0, 46.0);
    let height = row * names.len() as f64 + 28.0;
    let x = |t: i64| left + (t - start) as f64 / (tl.bucket_seconds * n as i64) as f64 * width;
    writeln!(
        w,
        "<h2>Timeline</h2><p class=\"sub\">{} buckets of {} s from {}; each row scaled to its own maximum</p>",
        n,
        tl.bucket_seconds,
        h(&tl.start)
    )?;
    writeln!(
        w,
        "<svg role=\"img\" aria-label=\"requests over time\" viewBox=\"0 0 {} {height}\" width=\"100%\">",
        left + width + 10.0
    )?;
    // Incidents shaded, onset marked.
    for i in &r.incidents {
        if let (Some(a), Some(b)) = (epoch(&i.start), epoch(&i.end)) {
            let (xa, xb) = (x(a), x(b).max(x(a) + 2.0));
            writeln!(
                w,
                "<rect class=\"incident\" x=\"{xa:.1}\" y=\"0\" width=\"{:.1}\" height=\"{}\" fill=\"#fce8e6\"><title>{}</title></rect>",
                xb - xa,
                height - 24.0,
                h(&i.summary)
            )?;
        }
    }
    if let Some(t) = r.onset.as_ref().and_then(|o| epoch(&o.at)) {
        writeln!(
            w,
            "<line class=\"onset\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"0\" y2=\"{1}\" stroke=\"#b3261e\" stroke-dasharray=\"4 3\"/>",
            x(t),
            height - 24.0
        )?;
    }
    for (k, name) in names.iter().enumerate() {
        let v = &tl.series[*name];
        let max = v.iter().copied().max().unwrap_or(0).max(1) as f64;
        let top = k as f64 * row + 4.0;
        let base = top + row - 10.0;
        let colour = COLOURS[k % COLOURS.len()];
        let mut points = format!("{left:.1},{base:.1}");
        for (i, c) in v.iter().enumerate() {
            let px = left + (i as f64 + 0.5) / n as f64 * width;
            let py = base - (*c as f64 / max) * (row - 16.0);
            points.push_str(&format!(" {px:.1},{py:.1}"));
        }
        points.push_str(&format!(" {:.1},{base:.1}", left + width));
        writeln!(
            w,
            "<g class=\"series\" data-series=\"{}\"><text x=\"4\" y=\"{:.1}\">{}</text><text x=\"4\" y=\"{:.1}\" class=\"max\">max {}</text>\
             <polygon points=\"{points}\" fill=\"{colour}\" fill-opacity=\"0.25\" stroke=\"{colour}\" stroke-width=\"1.2\"/></g>",
            h(name),
            top + 14.0,
            h(name),
            top + 28.0,
            max as u64
        )?;
    }
    let end = start + tl.bucket_seconds * n as i64;
    writeln!(
        w,
        "<text x=\"{left}\" y=\"{:.1}\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text></svg>",
        height - 8.0,
        h(&tl.start),
        left + width,
        height - 8.0,
        h(&crate::format::time::format_utc(end))
    )
}

fn incidents(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if r.incidents.is_empty() {
        return Ok(());
    }
    writeln!(w, "<h2>Incidents</h2><table><tr><th>from</th><th>to</th><th>class</th><th>network</th><th class=\"n\">requests</th><th class=\"n\">over baseline</th><th>next contributors</th></tr>")?;
    for i in &r.incidents {
        let next: Vec<String> = i
            .networks
            .iter()
            .skip(1)
            .map(|n| format!("{} ({})", n.network, n.lines))
            .collect();
        writeln!(
            w,
            "<tr class=\"incident\"><td class=\"when\">{}</td><td class=\"when\">{}</td><td>{}</td><td class=\"ip\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"mono\">{}</td></tr>",
            h(&i.start),
            h(&i.end),
            h(i.class.unwrap_or("-")),
            h(i.networks.first().map_or("-", |n| n.network.as_str())),
            i.requests,
            i.excess,
            h(&next.join(", "))
        )?;
    }
    writeln!(w, "</table>")
}

/// The first `rows` of a list (all when 0), and how many were left out.
fn take<T>(it: impl Iterator<Item = T>, len: usize, rows: usize) -> (Vec<T>, usize) {
    let n = if rows == 0 { len } else { rows.min(len) };
    (it.take(n).collect(), len - n)
}

fn more(w: &mut impl Write, left: usize, what: &str) -> io::Result<()> {
    if left > 0 {
        writeln!(
            w,
            "<p class=\"more\">{left} more {what} in --output json</p>"
        )?;
    }
    Ok(())
}

fn geo_cells(country: &Option<String>, asn: Option<u32>, org: &Option<String>) -> String {
    let asn = match (asn, org) {
        (Some(n), Some(o)) => format!("AS{n} {o}"),
        (Some(n), None) => format!("AS{n}"),
        _ => "-".into(),
    };
    format!(
        "<td>{}</td><td>{}</td>",
        h(country.as_deref().unwrap_or("-")),
        h(&asn)
    )
}

fn offenders(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    offender_table(w, r, &r.offenders, "<h2>Offenders</h2>", "offenders")?;
    offender_table(
        w,
        r,
        &r.internal_offenders,
        "<h2>Internal offenders</h2><p>From loopback, private or other special ranges: never ranked with the offenders and never blocked.</p>",
        "internal offenders",
    )
}

fn offender_table(
    w: &mut impl Write,
    r: &Triage,
    all: &super::Rows<'_, super::OffenderRow>,
    title: &str,
    noun: &str,
) -> io::Result<()> {
    if all.is_empty() {
        return Ok(());
    }
    let geo = r.geo.is_some();
    writeln!(
        w,
        "{title}<table><tr><th>client</th><th class=\"n\">score</th><th class=\"n\">requests</th><th>classes</th><th>evidence</th>{}</tr>",
        if geo { "<th>country</th><th>AS</th>" } else { "" }
    )?;
    let (rows, left) = take(all.iter(), all.len(), r.rows);
    for o in rows {
        let classes: Vec<String> = o.classes.iter().map(|(k, v)| format!("{k} {v}")).collect();
        writeln!(
            w,
            "<tr class=\"offender\"><td class=\"ip\">{}</td><td class=\"n\">{:.1}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td>{}</tr>",
            h(&o.client),
            o.score,
            o.requests.map_or("?".into(), |n| n.to_string()),
            h(&classes.join(", ")),
            h(&o.notes.join("; ")),
            if geo { geo_cells(&o.country, o.asn, &o.as_org) } else { String::new() }
        )?;
    }
    writeln!(w, "</table>")?;
    more(w, left, noun)
}

fn blocks(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if !r.suggested_blocks.is_empty() {
        let geo = r.geo.is_some();
        writeln!(
            w,
            "<h2>Suggested blocks</h2><table><tr><th>block</th><th class=\"n\">offenders</th><th class=\"n\">score</th><th class=\"n\">requests</th><th class=\"n\">collateral clients</th><th>classes</th>{}</tr>",
            if geo { "<th>country</th><th>AS</th>" } else { "" }
        )?;
        let (rows, left) = take(r.suggested_blocks.iter(), r.suggested_blocks.len(), r.rows);
        for b in rows {
            let classes: Vec<String> = b.classes.iter().map(|(k, v)| format!("{k} {v}")).collect();
            writeln!(
                w,
                "<tr class=\"block\"><td class=\"ip\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.1}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td>{}</tr>",
                h(&b.cidr),
                b.offenders,
                b.score,
                b.requests.map_or("?".into(), |n| n.to_string()),
                b.collateral_clients,
                h(&classes.join(", ")),
                if geo { geo_cells(&b.country, b.asn, &b.as_org) } else { String::new() }
            )?;
        }
        writeln!(w, "</table>")?;
        more(w, left, "blocks")?;
    }
    let (held, left) = take(r.held_back.iter(), r.held_back.len(), r.rows);
    for x in held {
        writeln!(
            w,
            "<p class=\"more\">held back: <code>{}</code> (score {:.1}): {}</p>",
            h(&x.source),
            x.score,
            h(&x.reason)
        )?;
    }
    more(w, left, "held back")?;
    if let Some(c) = &r.rules_command {
        writeln!(w, "<p>Rules: <code>{}</code></p>", h(c))?;
    }
    if let Some(o) = &r.origin_policy {
        writeln!(
            w,
            "<div class=\"policy\"><b>Access policy</b>: {} request(s) from {} client(s) reached the server without the trusted proxies. A change of access policy, not a block, would accept web traffic only from them:",
            o.direct_requests, o.direct_clients
        )?;
        for c in &o.commands {
            writeln!(w, "<br><code>{}</code>", h(c))?;
        }
        writeln!(w, "</div>")?;
    }
    Ok(())
}

fn classes(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if !r.classes.is_empty() {
        writeln!(w, "<h2>Classes</h2><table><tr><th>class</th><th>severity</th><th class=\"n\">lines</th><th>first seen</th><th>last seen</th><th>first 2xx</th></tr>")?;
        for c in &r.classes {
            writeln!(
                w,
                "<tr class=\"class\"><td>{}</td><td class=\"{}\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                h(c.id),
                severity(c.severity),
                h(c.severity),
                c.count,
                h(c.first_seen.as_deref().unwrap_or("-")),
                h(c.last_seen.as_deref().unwrap_or("-")),
                h(c.first_success.as_deref().unwrap_or("-"))
            )?;
        }
        writeln!(w, "</table>")?;
    }
    if !r.signatures.is_empty() {
        writeln!(w, "<h2>Signatures</h2><table><tr><th>signature</th><th>id</th><th>class</th><th class=\"n\">lines</th><th>first seen</th><th>first 2xx</th></tr>")?;
        for g in &r.signatures {
            let name = match g.cve {
                Some(cve) => format!("{} ({cve})", g.name),
                None => g.name.to_string(),
            };
            writeln!(
                w,
                "<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                h(&name),
                h(g.id),
                h(g.class),
                g.count,
                h(g.first_seen.as_deref().unwrap_or("-")),
                h(g.first_success.as_deref().unwrap_or("-"))
            )?;
        }
        writeln!(w, "</table>")?;
    }
    Ok(())
}

/// The CSS class of a severity.
fn severity(s: &str) -> &'static str {
    match s {
        "critical" => "crit",
        "high" => "high",
        "medium" => "medium",
        _ => "low",
    }
}

fn clients(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if r.top_clients.is_empty() {
        return Ok(());
    }
    let geo = r.geo.is_some();
    writeln!(
        w,
        "<h2>Top clients</h2><table><tr><th>client</th><th class=\"n\">requests</th><th class=\"n\">share</th><th class=\"n\">4xx</th><th class=\"n\">5xx</th><th class=\"n\">bytes</th><th>first seen</th><th>last seen</th>{}</tr>",
        if geo { "<th>country</th><th>AS</th>" } else { "" }
    )?;
    for c in &r.top_clients {
        writeln!(
            w,
            "<tr class=\"client\"><td class=\"ip\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.2}%</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td>{}</tr>",
            h(&c.client.shown()),
            c.requests,
            c.share,
            c.s4xx,
            c.s5xx,
            c.bytes,
            h(c.first_seen.as_deref().unwrap_or("-")),
            h(c.last_seen.as_deref().unwrap_or("-")),
            if geo { geo_cells(&c.country, c.asn, &c.as_org) } else { String::new() }
        )?;
    }
    writeln!(w, "</table>")
}

fn proxy(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if !r.proxy_targets.is_empty() {
        writeln!(w, "<h2>Proxy targets</h2><table><tr><th>target</th><th class=\"n\">requests</th><th class=\"n\">tunnelled</th><th class=\"n\">attempted</th><th class=\"n\">refused</th><th class=\"n\">clients</th></tr>")?;
        for p in &r.proxy_targets {
            writeln!(
                w,
                "<tr><td class=\"mono\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}{}</td></tr>",
                h(&p.target.shown()),
                p.requests,
                p.tunnelled,
                p.attempted,
                p.refused,
                if p.clients_capped { "≥" } else { "" },
                p.clients
            )?;
        }
        writeln!(w, "</table>")?;
    }
    if !r.floods.is_empty() {
        writeln!(w, "<h2>Floods</h2><table><tr><th>source</th><th class=\"n\">requests</th><th class=\"n\">clients</th><th class=\"n\">per minute</th><th>first seen</th><th>last seen</th></tr>")?;
        for f in &r.floods {
            writeln!(
                w,
                "<tr><td class=\"mono\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.1}</td><td>{}</td><td>{}</td></tr>",
                h(&f.source),
                f.requests,
                f.clients,
                f.per_minute,
                h(f.first_seen.as_deref().unwrap_or("-")),
                h(f.last_seen.as_deref().unwrap_or("-"))
            )?;
        }
        writeln!(w, "</table>")?;
    }
    Ok(())
}

fn correlation(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if r.correlation.is_empty() {
        return Ok(());
    }
    writeln!(w, "<h2>Clients in both logs</h2><table><tr><th>client</th><th class=\"n\">requests</th><th>access classes</th><th class=\"n\">error lines</th><th class=\"n\">upstream timeouts</th><th class=\"n\">peak a minute</th></tr>")?;
    for c in &r.correlation {
        let classes: Vec<String> = c
            .access_classes
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        writeln!(
            w,
            "<tr><td class=\"mono\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            h(&c.client),
            c.access_requests,
            h(&classes.join(", ")),
            c.error_lines,
            c.upstream_timeouts,
            c.peak_failures_per_minute
        )?;
    }
    writeln!(w, "</table>")
}

fn hosts(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    if r.hosts.is_empty() {
        return Ok(());
    }
    writeln!(
        w,
        "<h2>Syslog hosts</h2><table><tr><th>host</th><th class=\"n\">lines</th></tr>"
    )?;
    for x in &r.hosts {
        writeln!(
            w,
            "<tr><td class=\"mono\">{}</td><td class=\"n\">{}</td></tr>",
            h(&x.host.shown()),
            x.lines
        )?;
    }
    writeln!(w, "</table>")
}

fn inputs(w: &mut impl Write, r: &Triage) -> io::Result<()> {
    writeln!(w, "<h2>Inputs</h2><table><tr><th>input</th><th>format</th><th>chosen by</th><th>read</th><th class=\"n\">lines</th><th class=\"n\">parsed</th><th class=\"n\">malformed</th></tr>")?;
    for i in &r.inputs {
        writeln!(
            w,
            "<tr><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}/{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            h(&i.path),
            h(&i.format),
            h(&i.format_reason),
            i.read,
            i.compression,
            i.lines,
            i.parsed,
            i.malformed
        )?;
    }
    writeln!(w, "</table>")?;
    if !r.examples.is_empty() {
        writeln!(
            w,
            "<h2>Bad lines</h2><table><tr><th>where</th><th>why</th><th>line</th></tr>"
        )?;
        for e in &r.examples {
            writeln!(
                w,
                "<tr><td class=\"mono\">{}:{}</td><td>{}</td><td class=\"mono\">{}</td></tr>",
                h(&e.file),
                e.line,
                h(e.kind),
                h(&e.shown())
            )?;
        }
        writeln!(w, "</table>")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::h;

    #[test]
    fn escapes_what_html_reads() {
        assert_eq!(
            h("<img src=x onerror=\"alert(1)\">&'"),
            "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;"
        );
    }
}

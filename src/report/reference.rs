//! The reference output: `alf formats` (the presets) and `alf explain` (a
//! class or a signature, in words).

use std::io::{self, Write};

use super::table::table;
use crate::format::PRESETS;

pub fn formats(w: &mut impl Write) -> io::Result<()> {
    let mut t = table(&["name", "kind", "format"]);
    for p in PRESETS {
        t.add_row(vec![p.name, p.kind.label(), p.definition]);
    }
    writeln!(w, "{t}")
}

/// `alf explain ID`: a class, or a signature, in words.
pub fn explain(w: &mut impl Write, id: &str) -> io::Result<bool> {
    use crate::classify::{by_id, info, signatures};
    if let Some(c) = by_id(id) {
        let i = info(c);
        writeln!(
            w,
            "{} — {}\nseverity: {}   score weight: {}\n",
            c.id(),
            i.title,
            i.severity.label(),
            i.weight
        )?;
        writeln!(w, "{}", i.definition)?;
        let sigs: Vec<_> = signatures::TABLES
            .iter()
            .filter(|(k, _)| *k == c)
            .flat_map(|(_, t)| t.iter())
            .collect();
        if !sigs.is_empty() {
            writeln!(w, "\nsignatures:")?;
            for s in sigs {
                writeln!(
                    w,
                    "  {:<28} {}{}",
                    s.id,
                    s.name,
                    s.cve.map(|c| format!(" ({c})")).unwrap_or_default()
                )?;
            }
        }
        return Ok(true);
    }
    if let Some((c, s)) = signatures::by_id(id) {
        writeln!(
            w,
            "{} — {}{}\nclass: {}",
            s.id,
            s.name,
            s.cve.map(|c| format!(" ({c})")).unwrap_or_default(),
            c.id()
        )?;
        let pats: Vec<String> = s
            .patterns
            .iter()
            .map(|p| crate::escape::escape(p))
            .collect();
        writeln!(w, "matches (case-insensitive): {}", pats.join("  "))?;
        return Ok(true);
    }
    Ok(false)
}

/// `alf explain`: every class, a line each.
pub fn classes(w: &mut impl Write) -> io::Result<()> {
    for c in crate::classify::ClassId::ALL {
        let i = crate::classify::info(c);
        writeln!(w, "{:<18} {:<9} {}", c.id(), i.severity.label(), i.title)?;
    }
    Ok(())
}

/// The manual pages: alf(1) and one per command (`alf-triage(1)`...), as
/// (file name, roff text).
pub fn man_pages(root: clap::Command) -> Vec<(String, Vec<u8>)> {
    let render = |cmd: clap::Command| {
        let mut out = Vec::new();
        clap_mangen::Man::new(cmd)
            .render(&mut out)
            .expect("a man page renders into memory");
        out
    };
    let mut pages = vec![("alf.1".to_string(), render(root.clone()))];
    for sub in root.get_subcommands() {
        let name = format!("alf-{}", sub.get_name());
        pages.push((format!("{name}.1"), render(sub.clone().name(name))));
    }
    pages
}

//! The reference output: `alf formats` (the presets) and `alf explain` (a
//! class or a signature, in words).

use std::io::{self, Write};

use super::table::table;
use crate::classify::signatures::{Confirm, Field};
use crate::format::PRESETS;

pub fn formats(w: &mut impl Write) -> io::Result<()> {
    let mut t = table(&["name", "kind", "format"]);
    for p in PRESETS {
        t.add_row(vec![p.name, p.kind.label(), p.definition]);
    }
    writeln!(w, "{t}")
}

/// What `alf explain QUERY` printed.
pub enum Explained {
    /// A class or signatures: exit 0.
    Found,
    /// Nothing: the closest ids, for the error message (exit 2).
    Nothing(Vec<&'static str>),
}

/// `alf explain QUERY`: a class, or the signatures a query names (by id,
/// CVE, title or words of the title), in words.
pub fn explain(w: &mut impl Write, query: &str) -> io::Result<Explained> {
    use crate::classify::signatures::{find, shown_title, Found, TABLES};
    use crate::classify::{by_id, info};
    if let Some(c) = by_id(query.trim()) {
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
        let sigs: Vec<_> = TABLES
            .iter()
            .filter(|(k, _)| *k == c)
            .flat_map(|(_, t)| t.iter())
            .collect();
        if !sigs.is_empty() {
            writeln!(w, "\nsignatures:")?;
            for s in sigs {
                writeln!(w, "  {:<28} {}", s.id, shown_title(s))?;
            }
        }
        return Ok(Explained::Found);
    }
    match find(query) {
        Found::One(c, s) => {
            writeln!(w, "{} — {}\nclass: {}", s.id, shown_title(s), c.id())?;
            if !s.cves.is_empty() {
                let kev = if s.kev {
                    "in CISA's Known Exploited Vulnerabilities catalogue"
                } else {
                    "not marked as in CISA's Known Exploited Vulnerabilities catalogue"
                };
                writeln!(w, "CVE: {} ({kev})", s.cves.join(", "))?;
            }
            let field = match s.field {
                Field::Target => "the request target (as written, and percent-decoded once)",
                Field::UserAgent => "the User-Agent",
                Field::Referer => "the Referer",
                Field::Request => "the start of the request line",
                Field::Any => "the request target, User-Agent and Referer",
            };
            writeln!(w, "field: {field}")?;
            let shown = |v: &[&[u8]]| -> String {
                v.iter()
                    .map(|p| crate::escape::escape(p))
                    .collect::<Vec<_>>()
                    .join("  ")
            };
            writeln!(w, "matches (case-insensitive): {}", shown(s.patterns))?;
            if !s.then.is_empty() {
                writeln!(w, "then, later in the same field: {}", shown(s.then))?;
            }
            if s.confirm != Confirm::None {
                writeln!(
                    w,
                    "confirmed by reading the lookup: it must spell `jndi:` once deobfuscated"
                )?;
            }
            writeln!(w, "reference: {}", s.reference)?;
            writeln!(w, "catalogue: {}", s.family)?;
            Ok(Explained::Found)
        }
        Found::Many(v) => {
            writeln!(
                w,
                "{} signatures match `{}`:",
                v.len(),
                crate::escape::escape(query.as_bytes())
            )?;
            for (c, s) in v {
                writeln!(w, "  {:<28} {:<18} {}", s.id, c.id(), shown_title(s))?;
            }
            Ok(Explained::Found)
        }
        Found::Nothing(near) => Ok(Explained::Nothing(near)),
    }
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

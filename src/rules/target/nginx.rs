//! An nginx include file of `deny` lines, never `deny all;` and never an
//! `allow`: nginx checks access rules in order, so the file goes before any
//! `allow` of the context that includes it.

use std::io::{self, Write};

use super::{note, Target};
use crate::rules::Rendering;

pub struct Nginx;

/// Past this many `deny` lines a `geo` map is suggested: nginx tests the
/// lines one by one for every request, a `geo` map looks the address up once.
pub const GEO_AT: usize = 1000;

impl Target for Nginx {
    fn id(&self) -> &'static str {
        "nginx"
    }
    fn about(&self) -> &'static str {
        "an nginx include file of deny lines"
    }
    fn render(&self, r: &Rendering, w: &mut dyn Write) -> io::Result<()> {
        r.header.write(w, "#", r.plan)?;
        note(
            w,
            "#",
            &[
                "apply: include this file in the http, server or location block, before any allow; then nginx -t && nginx -s reload",
                "a later run's file replaces this one",
            ],
        )?;
        let n = r.plan.blocks.len();
        if n > GEO_AT {
            note(
                w,
                "#",
                &[&format!(
                    "{n} deny lines, which nginx tests one by one on every request: past {GEO_AT}, \
                     a geo map is faster: `geo $alf_blocked {{ default 0; include FILE; }}` and \
                     `if ($alf_blocked) {{ return 403; }}`, FILE made by \
                     `alf rules --target plain ... | sed 's/$/ 1;/'`"
                )],
            )?;
        }
        for b in &r.plan.blocks {
            writeln!(w, "deny {};", b.net)?;
        }
        Ok(())
    }
}

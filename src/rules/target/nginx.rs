//! An nginx include file of `deny` lines, never `deny all;` and never an
//! `allow`: nginx checks access rules in order, so the file goes before any
//! `allow` of the context that includes it.

use std::io::{self, Write};

use super::{note, Target};
use crate::rules::Rendering;

pub struct Nginx;

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
        for b in &r.plan.blocks {
            writeln!(w, "deny {};", b.net)?;
        }
        Ok(())
    }
}

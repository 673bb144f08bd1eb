//! An Apache 2.4 include: a `<RequireAll>` block with `Require all granted`
//! and a `Require not ip` line per entry (a `not` cannot stand alone). An
//! empty plan writes comments only: granting all where the file is included
//! would not be a no-op.

use std::io::{self, Write};

use super::{note, Target};
use crate::rules::Rendering;

pub struct Apache;

impl Target for Apache {
    fn id(&self) -> &'static str {
        "apache"
    }
    fn about(&self) -> &'static str {
        "an Apache 2.4 include: <RequireAll> with Require not ip lines"
    }
    fn render(&self, r: &Rendering, w: &mut dyn Write) -> io::Result<()> {
        r.header.write(w, "#", r.plan)?;
        note(
            w,
            "#",
            &[
                "apply: Include this file in the <Directory> or <Location> that decides access; then apachectl -t && apachectl graceful",
                "where that section has Require lines of its own, put them in a <RequireAny> beside this block inside one <RequireAll>:",
                "Require lines side by side are alternatives, and this block grants everyone it does not refuse",
            ],
        )?;
        if r.plan.blocks.is_empty() {
            return Ok(());
        }
        writeln!(w, "<RequireAll>")?;
        writeln!(w, "    Require all granted")?;
        for b in &r.plan.blocks {
            writeln!(w, "    Require not ip {}", b.net)?;
        }
        writeln!(w, "</RequireAll>")
    }
}

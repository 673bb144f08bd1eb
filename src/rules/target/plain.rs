//! One CIDR per line, after the `#` header: for any tool that reads a list.

use std::io::{self, Write};

use super::Target;
use crate::rules::Rendering;

pub struct Plain;

impl Target for Plain {
    fn id(&self) -> &'static str {
        "plain"
    }
    fn about(&self) -> &'static str {
        "one CIDR per line"
    }
    fn render(&self, r: &Rendering, w: &mut dyn Write) -> io::Result<()> {
        r.header.write(w, "#", r.plan)?;
        for b in &r.plan.blocks {
            writeln!(w, "{}", b.net)?;
        }
        Ok(())
    }
}

//! An `nft -f` file: `table inet NAME` with an interval set per family and a
//! chain on the input hook that drops them. The file first makes sure the
//! table exists, deletes it and defines it again, all in one transaction: a
//! later run replaces an earlier one. Elements never overlap (no element
//! holds another), as interval sets require.

use std::io::{self, Write};

use super::{nets, note, Target};
use crate::rules::Rendering;

pub struct Nftables;

impl Target for Nftables {
    fn id(&self) -> &'static str {
        "nftables"
    }
    fn about(&self) -> &'static str {
        "nft -f input: table inet alf with an interval set per family"
    }
    fn expires(&self) -> bool {
        true
    }
    fn render(&self, r: &Rendering, w: &mut dyn Write) -> io::Result<()> {
        let t = &r.opts.table;
        r.header.write(w, "#", r.plan)?;
        note(
            w,
            "#",
            &[&format!(
                "apply: nft -f FILE (replaces table inet {t} as a whole)"
            )],
        )?;
        writeln!(w, "table inet {t} {{}}")?;
        writeln!(w, "delete table inet {t}")?;
        writeln!(w, "table inet {t} {{")?;
        for (v4, name, ty) in [
            (true, "blocked_v4", "ipv4_addr"),
            (false, "blocked_v6", "ipv6_addr"),
        ] {
            writeln!(w, "\tset {name} {{")?;
            writeln!(w, "\t\ttype {ty}")?;
            match r.opts.expire {
                Some(s) => {
                    writeln!(w, "\t\tflags interval,timeout")?;
                    writeln!(w, "\t\ttimeout {s}s")?;
                }
                None => writeln!(w, "\t\tflags interval")?,
            }
            let elements: Vec<String> = nets(r.plan, v4).map(|n| n.to_string()).collect();
            if !elements.is_empty() {
                writeln!(w, "\t\telements = {{")?;
                let lines: Vec<String> = elements.chunks(8).map(|c| c.join(", ")).collect();
                writeln!(w, "\t\t\t{}", lines.join(",\n\t\t\t"))?;
                writeln!(w, "\t\t}}")?;
            }
            writeln!(w, "\t}}")?;
        }
        writeln!(w, "\tchain input {{")?;
        writeln!(w, "\t\ttype filter hook input priority -10; policy accept;")?;
        writeln!(w, "\t\tip saddr @blocked_v4 drop")?;
        writeln!(w, "\t\tip6 saddr @blocked_v6 drop")?;
        writeln!(w, "\t}}")?;
        writeln!(w, "}}")
    }
}

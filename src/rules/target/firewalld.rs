//! A shell script of `firewall-cmd --permanent` commands: a firewalld ipset
//! per family (`hash:net`), emptied and refilled, and one rich rule per family
//! (`rule family="ipv4" source ipset="..." drop`), then a reload. firewalld
//! ignores raw `ipset` sets, hence its own; a later run replaces the entries of
//! an earlier one, and adding the rich rule again is a no-op.

use std::io::{self, Write};

use super::{nets, note, Target};
use crate::rules::Rendering;

pub struct Firewalld;

impl Target for Firewalld {
    fn id(&self) -> &'static str {
        "firewalld"
    }
    fn about(&self) -> &'static str {
        "a shell script of firewall-cmd commands: a firewalld ipset and a rich rule per family"
    }
    fn render(&self, r: &Rendering, w: &mut dyn Write) -> io::Result<()> {
        let stem = &r.opts.set_name;
        writeln!(w, "#!/bin/sh")?;
        r.header.write(w, "#", r.plan)?;
        note(
            w,
            "#",
            &["apply: sh FILE (as root); changes the permanent configuration, then reloads it"],
        )?;
        writeln!(w, "set -e")?;
        writeln!(w, "fw() {{ firewall-cmd --permanent \"$@\"; }}")?;
        writeln!(w, "tmp=$(mktemp)")?;
        writeln!(w, "trap 'rm -f \"$tmp\"' EXIT")?;
        for (v4, family, fam) in [(true, "inet", "ipv4"), (false, "inet6", "ipv6")] {
            let set = format!("{stem}-{}", if v4 { "v4" } else { "v6" });
            writeln!(w, "if fw --info-ipset={set} >/dev/null 2>&1; then")?;
            writeln!(w, "\tfw --ipset={set} --get-entries > \"$tmp\"")?;
            writeln!(w, "\tif [ -s \"$tmp\" ]; then fw --ipset={set} --remove-entries-from-file=\"$tmp\"; fi")?;
            writeln!(w, "else")?;
            writeln!(
                w,
                "\tfw --new-ipset={set} --type=hash:net --option=family={family} --option=maxelem=65536"
            )?;
            writeln!(w, "fi")?;
            let entries: Vec<String> = nets(r.plan, v4).map(|n| n.to_string()).collect();
            if !entries.is_empty() {
                writeln!(w, "cat > \"$tmp\" <<'ALF_ENTRIES'")?;
                for e in &entries {
                    writeln!(w, "{e}")?;
                }
                writeln!(w, "ALF_ENTRIES")?;
                writeln!(w, "fw --ipset={set} --add-entries-from-file=\"$tmp\"")?;
            }
            writeln!(
                w,
                "fw --add-rich-rule='rule family=\"{fam}\" source ipset=\"{set}\" drop' || true"
            )?;
        }
        writeln!(w, "firewall-cmd --reload")
    }
}

//! `ipset restore` input: a `hash:net` set per family, refilled atomically:
//! a new set is filled and swapped in, so a later run replaces an earlier one
//! and no packet sees a half-filled set. `-exist` makes the creates
//! idempotent; `maxelem` grows with the entries.

use std::io::{self, Write};

use super::{nets, note, Target};
use crate::rules::Rendering;

pub struct Ipset;

/// ipset's default `maxelem`.
const MAXELEM: usize = 65536;

impl Target for Ipset {
    fn id(&self) -> &'static str {
        "ipset"
    }
    fn about(&self) -> &'static str {
        "ipset restore input: a hash:net set per family, swapped in whole"
    }
    fn expires(&self) -> bool {
        true
    }
    fn render(&self, r: &Rendering, w: &mut dyn Write) -> io::Result<()> {
        let stem = &r.opts.set_name;
        r.header.write(w, "#", r.plan)?;
        note(
            w,
            "#",
            &[
                "apply: ipset restore < FILE",
                &format!(
                    "once, to drop what the sets hold: iptables -I INPUT -m set --match-set {stem}-v4 src -j DROP; \
                     ip6tables -I INPUT -m set --match-set {stem}-v6 src -j DROP"
                ),
            ],
        )?;
        let timeout = r
            .opts
            .expire
            .map(|s| format!(" timeout {s}"))
            .unwrap_or_default();
        for (v4, family) in [(true, "inet"), (false, "inet6")] {
            let set = format!("{stem}-{}", if v4 { "v4" } else { "v6" });
            let new = format!("{set}-new");
            let entries: Vec<String> = nets(r.plan, v4).map(|n| n.to_string()).collect();
            let max = entries.len().next_power_of_two().max(MAXELEM);
            let create = |name: &str| {
                format!("create {name} hash:net family {family} hashsize 1024 maxelem {max}{timeout} -exist")
            };
            writeln!(w, "{}", create(&set))?;
            writeln!(w, "{}", create(&new))?;
            writeln!(w, "flush {new}")?;
            for e in &entries {
                writeln!(w, "add {new} {e} -exist")?;
            }
            writeln!(w, "swap {new} {set}")?;
            writeln!(w, "destroy {new}")?;
        }
        Ok(())
    }
}

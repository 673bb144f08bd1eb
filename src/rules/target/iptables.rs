//! `iptables-restore` / `ip6tables-restore` input, meant for `--noflush`:
//! a dedicated chain, declared (which empties it) and refilled, so that a
//! later run replaces an earlier one. Nothing else is touched: no built-in
//! chain, no other table. The one jump from INPUT into the chain is made once,
//! by the command in the header (restore input cannot add a rule only when it
//! is missing, and adding it on every run would pile up jumps).

use std::io::{self, Write};

use super::{nets, note, Target};
use crate::rules::Rendering;

pub struct Iptables;
pub struct Ip6tables;

fn render(r: &Rendering, w: &mut dyn Write, v4: bool) -> io::Result<()> {
    let (tool, other, other_target) = if v4 {
        ("iptables", "IPv6", "ip6tables")
    } else {
        ("ip6tables", "IPv4", "iptables")
    };
    let chain = &r.opts.chain;
    r.header.write(w, "#", r.plan)?;
    note(
        w,
        "#",
        &[
            &format!("apply: {tool}-restore --noflush < FILE"),
            &format!(
                "never without --noflush: {tool}-restore would empty the whole filter table, your own rules included"
            ),
            &format!(
                "once, to send incoming traffic through the chain: {tool} -C INPUT -j {chain} 2>/dev/null || {tool} -I INPUT -j {chain}"
            ),
        ],
    )?;
    let others = r.plan.family(!v4).count();
    if others > 0 {
        writeln!(
            w,
            "# {others} {other} entr{} are not here: --target {other_target}",
            if others == 1 { "y" } else { "ies" }
        )?;
    }
    writeln!(w, "*filter")?;
    writeln!(w, ":{chain} - [0:0]")?;
    for n in nets(r.plan, v4) {
        writeln!(w, "-A {chain} -s {n} -j DROP")?;
    }
    writeln!(w, "COMMIT")
}

impl Target for Iptables {
    fn id(&self) -> &'static str {
        "iptables"
    }
    fn about(&self) -> &'static str {
        "iptables-restore --noflush input: IPv4 entries in a chain of their own"
    }
    fn render(&self, r: &Rendering, w: &mut dyn Write) -> io::Result<()> {
        render(r, w, true)
    }
}

impl Target for Ip6tables {
    fn id(&self) -> &'static str {
        "ip6tables"
    }
    fn about(&self) -> &'static str {
        "ip6tables-restore --noflush input: IPv6 entries in a chain of their own"
    }
    fn render(&self, r: &Rendering, w: &mut dyn Write) -> io::Result<()> {
        render(r, w, false)
    }
}

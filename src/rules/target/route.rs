//! A shell script of routes that refuse the offenders' traffic:
//! `route add -host X reject` for single IPv4 addresses, `ip route add
//! blackhole` for prefixes and IPv6. Every route carries metric 4242, and the
//! script first removes the routes of that metric, so a later run replaces an
//! earlier one and no other route is touched.

use std::io::{self, Write};

use super::{note, Target};
use crate::rules::Rendering;

pub struct Route;

/// The metric that marks alf's routes.
pub const METRIC: u32 = 4242;

impl Target for Route {
    fn id(&self) -> &'static str {
        "route"
    }
    fn about(&self) -> &'static str {
        "a shell script of reject and blackhole routes (metric 4242)"
    }
    fn render(&self, r: &Rendering, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w, "#!/bin/sh")?;
        r.header.write(w, "#", r.plan)?;
        note(
            w,
            "#",
            &[
                "apply: sh FILE (as root)",
                "the routes carry metric 4242: the first lines remove those of an earlier run",
            ],
        )?;
        writeln!(
            w,
            "ip -4 route flush type unreachable metric {METRIC} 2>/dev/null || true"
        )?;
        writeln!(
            w,
            "ip -4 route flush type blackhole metric {METRIC} 2>/dev/null || true"
        )?;
        writeln!(
            w,
            "ip -6 route flush type blackhole metric {METRIC} 2>/dev/null || true"
        )?;
        for b in &r.plan.blocks {
            let n = b.net;
            match n {
                ipnet::IpNet::V4(h) if h.prefix_len() == 32 => {
                    writeln!(w, "route add -host {} reject metric {METRIC}", h.addr())?
                }
                ipnet::IpNet::V4(_) => {
                    writeln!(w, "ip -4 route add blackhole {n} metric {METRIC}")?
                }
                ipnet::IpNet::V6(_) => {
                    writeln!(w, "ip -6 route add blackhole {n} metric {METRIC}")?
                }
            }
        }
        Ok(())
    }
}

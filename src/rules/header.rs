//! The comment header every rule file starts with: what alf read, what it
//! selected and how it grouped, what it never blocks, and what it emitted,
//! held back or left out. Never text from a log: only canonical addresses,
//! counts, times and the (escaped) names of the inputs.

use std::io::{self, Write};
use std::net::IpAddr;

use super::guard::Hold;
use super::plan::{Block, Budget, Plan, Selection};
use crate::format::time::format_utc;
use crate::input::digest::Digest;

/// Lines of held-back and left-out entries listed, at most, before a count.
const LISTED: usize = 20;

/// Where the rules came from, and the settings that made them.
#[derive(Clone, Debug)]
pub struct Header {
    pub version: &'static str,
    pub target: &'static str,
    pub inputs: Vec<Input>,
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    /// `--since`, `--until`.
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub selection: Selection,
    pub floor_v4: u8,
    pub floor_v6: u8,
    pub budget: Budget,
    /// What the never-block check protects besides the special ranges.
    pub local: usize,
    pub trusted: usize,
    pub allow: usize,
    pub ssh: Option<IpAddr>,
    /// Offenders from special ranges, which never reach the plan.
    pub internal: usize,
}

/// One input read.
#[derive(Clone, Debug)]
pub struct Input {
    /// As given, escaped (`-`: standard input).
    pub name: String,
    /// Bytes scanned: a compressed input's once decompressed.
    pub bytes: u64,
    /// The codec of a compressed input (`gzip`, `zstd`).
    pub compression: Option<&'static str>,
    /// The SHA-256 of the bytes read from the file or stream: a compressed
    /// input's own bytes, which `sha256sum FILE` hashes.
    pub digest: Option<Digest>,
}

impl Input {
    /// The input's line of the header, without the marker: the byte count
    /// beside the hash is always that of the bytes hashed, so that
    /// `head -c N FILE | sha256sum` checks it once the file has grown.
    pub fn text(&self) -> String {
        let Input {
            name,
            bytes,
            compression,
            digest,
        } = self;
        match (compression, digest) {
            (None, Some(d)) => format!("input: {name} ({} bytes, sha256 {})", d.bytes, d.hex()),
            (Some(c), Some(d)) => format!(
                "input: {name} ({} bytes, {c}, sha256 {}; {bytes} bytes decompressed)",
                d.bytes,
                d.hex()
            ),
            (None, None) => format!("input: {name} ({bytes} bytes)"),
            (Some(c), None) => format!("input: {name} ({c}, {bytes} bytes decompressed)"),
        }
    }
}

/// A hold, in words.
pub fn hold_text(h: &Hold) -> String {
    match h {
        Hold::Special(name) => format!("{name} range"),
        Hold::Local => "an address of this machine".into(),
        Hold::TrustedProxy(n) => format!("inside --trusted-proxy {n}"),
        Hold::Allowed(n) => format!("inside --allow {n}"),
        Hold::SshSession => "the address of this SSH session".into(),
        Hold::TooWide { floor } => format!("wider than /{floor} (--max-prefix)"),
    }
}

fn classes(sel: &Selection) -> String {
    let ids: Vec<&str> = sel.classes.iter().map(|c| c.id()).collect();
    match ids.split_last() {
        None => "no class".into(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

fn block_text(b: &Block) -> String {
    format!(
        "{} ({} offender{}, score {:.1})",
        b.net,
        b.offenders,
        if b.offenders == 1 { "" } else { "s" },
        b.score
    )
}

impl Header {
    /// The header's lines, without a comment marker.
    pub fn lines(&self, plan: &Plan) -> Vec<String> {
        let mut l = vec![format!(
            "alf {} rules for `{}`: generated from the logs below; re-running replaces what an earlier run installed",
            self.version, self.target
        )];
        l.extend(self.inputs.iter().map(Input::text));
        let mut span = match (self.first_seen, self.last_seen) {
            (Some(a), Some(b)) => format!("records: {} .. {} (UTC)", format_utc(a), format_utc(b)),
            _ => "records: none with a time".to_string(),
        };
        if let Some(s) = self.since {
            span.push_str(&format!("; --since {}", format_utc(s)));
        }
        if let Some(u) = self.until {
            span.push_str(&format!("; --until {}", format_utc(u)));
        }
        l.push(span);
        let s = &self.selection;
        let mut sel = format!(
            "selected: offenders showing {}, scoring at least {}",
            classes(s),
            s.min_score
        );
        if s.min_requests > 0 {
            sel.push_str(&format!(", with at least {} requests", s.min_requests));
        }
        if s.top > 0 {
            sel.push_str(&format!(", the best {}", s.top));
        }
        l.push(sel);
        l.push(format!(
            "grouping: never wider than /{} (IPv4) and /{} (IPv6); a prefix is one rule when it \
             holds at least {} selected offenders that are at least {:.0}% of the clients seen in it{}",
            self.floor_v4,
            self.floor_v6,
            s.group_min,
            s.density * 100.0,
            if plan.regrouped {
                " (the quota forced grouping without the share test)"
            } else {
                ""
            }
        ));
        let mut never = format!(
            "never blocked: loopback, private, CGNAT, link-local, multicast, reserved and \
             unspecified ranges, /0, this machine's {} address{}",
            self.local,
            if self.local == 1 { "" } else { "es" }
        );
        if self.trusted > 0 {
            never.push_str(&format!(", {} --trusted-proxy range(s)", self.trusted));
        }
        if self.allow > 0 {
            never.push_str(&format!(", {} --allow range(s)", self.allow));
        }
        if let Some(ip) = self.ssh {
            never.push_str(&format!(", this SSH session's {ip}"));
        }
        l.push(never);
        if let Some(t) = self.budget.total {
            l.push(format!("quota: {t} entries"));
        }
        if let Some(f) = self.budget.per_family {
            l.push(format!("quota: {f} entries per address family"));
        }
        let covered: u64 = plan.blocks.iter().map(|b| b.offenders).sum();
        l.push(format!(
            "counts: {} offenders (and {} internal, from special ranges: never blocked), {} selected, {} blocked in {} entr{}, {} held back, {} left out over the quota",
            plan.offenders,
            self.internal,
            plan.selected,
            covered,
            plan.blocks.len(),
            if plan.blocks.len() == 1 { "y" } else { "ies" },
            plan.held_back.len(),
            plan.left_out.iter().map(|b| b.offenders).sum::<u64>(),
        ));
        // IPv4 addresses blocked per IPv4 offender blocked: over 1, blocks
        // hold addresses that did not offend (seen or not).
        let (addrs, v4_offenders) = plan.family(true).fold((0u64, 0u64), |(a, o), b| {
            (a + (1u64 << (32 - b.net.prefix_len())), o + b.offenders)
        });
        if v4_offenders > 0 {
            l.push(format!(
                "over-coverage: {addrs} IPv4 addresses blocked for {v4_offenders} offenders ({:.2} each)",
                addrs as f64 / v4_offenders as f64
            ));
        }
        for h in plan.held_back.iter().take(LISTED) {
            l.push(format!(
                "held back: {} (score {:.1}): {}",
                h.source,
                h.score,
                hold_text(&h.hold)
            ));
        }
        if plan.held_back.len() > LISTED {
            l.push(format!(
                "held back: {} more (`--target json` lists them all)",
                plan.held_back.len() - LISTED
            ));
        }
        for b in plan.left_out.iter().take(LISTED) {
            l.push(format!("left out: {}", block_text(b)));
        }
        if plan.left_out.len() > LISTED {
            l.push(format!(
                "left out: {} more (`--target json` lists them all)",
                plan.left_out.len() - LISTED
            ));
        }
        l
    }

    /// Writes the header as comment lines starting with `marker`.
    pub fn write(&self, w: &mut dyn Write, marker: &str, plan: &Plan) -> io::Result<()> {
        for line in self.lines(plan) {
            writeln!(w, "{marker} {line}")?;
        }
        Ok(())
    }
}

//! The plan as JSON: every block with its evidence and collateral, what was
//! held back and why, what was left out, and the header's settings. The rows
//! are the ones the triage report's `suggested_blocks` use.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::Target;
use crate::classify::ClassId;
use crate::format::time::format_utc;
use crate::rules::header::hold_text;
use crate::rules::plan::{Block, HeldBack};
use crate::rules::Rendering;

pub struct Json;

/// A block, as JSON.
#[derive(Clone, Debug, Serialize)]
pub struct BlockRow {
    pub cidr: String,
    pub offenders: u64,
    pub score: f64,
    /// `null` when some of it was counted by network past `--max-clients`.
    pub requests: Option<u64>,
    pub collateral_clients: u64,
    pub collateral_requests: u64,
    pub classes: BTreeMap<&'static str, u64>,
    /// A few of the offender addresses inside, best first.
    pub examples: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_org: Option<String>,
}

impl BlockRow {
    pub fn of(b: &Block) -> BlockRow {
        BlockRow {
            cidr: b.net.to_string(),
            offenders: b.offenders,
            score: b.score,
            requests: b.requests,
            collateral_clients: b.collateral_clients,
            collateral_requests: b.collateral_requests,
            classes: ClassId::ALL
                .into_iter()
                .zip(b.classes)
                .filter(|(_, n)| *n > 0)
                .map(|(c, n)| (c.id(), n))
                .collect(),
            examples: b.examples.iter().map(|ip| ip.to_string()).collect(),
            country: None,
            asn: None,
            as_org: None,
        }
    }
}

/// An offender held back, as JSON.
#[derive(Clone, Debug, Serialize)]
pub struct HeldRow {
    pub source: String,
    pub reason: String,
    pub score: f64,
    pub requests: Option<u64>,
}

impl HeldRow {
    pub fn of(h: &HeldBack) -> HeldRow {
        HeldRow {
            source: h.source.to_string(),
            reason: hold_text(&h.hold),
            score: h.score,
            requests: h.requests,
        }
    }
}

#[derive(Serialize)]
struct Doc<'a> {
    schema: u32,
    header: HeaderRow<'a>,
    blocks: Vec<BlockRow>,
    held_back: Vec<HeldRow>,
    left_out: Vec<BlockRow>,
}

#[derive(Serialize)]
struct HeaderRow<'a> {
    version: &'static str,
    inputs: Vec<InputRow<'a>>,
    first_seen: Option<String>,
    last_seen: Option<String>,
    since: Option<String>,
    until: Option<String>,
    classes: Vec<&'static str>,
    min_score: f64,
    min_requests: u64,
    top: usize,
    group_min: usize,
    density: f64,
    max_prefix_ipv4: u8,
    max_prefix_ipv6: u8,
    offenders: usize,
    /// Offenders from special ranges: never in the plan.
    internal_offenders: usize,
    selected: usize,
    regrouped: bool,
    /// The header's lines, as the other targets print them.
    text: Vec<String>,
}

#[derive(Serialize)]
struct InputRow<'a> {
    name: &'a str,
    /// Bytes scanned: a compressed input's once decompressed.
    bytes: u64,
    compression: Option<&'static str>,
    /// The SHA-256 of the bytes read from the file or stream (a compressed
    /// file's own), and how many those were.
    sha256: Option<String>,
    sha256_bytes: Option<u64>,
}

impl Target for Json {
    fn id(&self) -> &'static str {
        "json"
    }
    fn about(&self) -> &'static str {
        "the plan as JSON: blocks with evidence and collateral, held back, left out"
    }
    fn render(&self, r: &Rendering, w: &mut dyn Write) -> io::Result<()> {
        let h = r.header;
        let s = &h.selection;
        let doc = Doc {
            schema: 1,
            header: HeaderRow {
                version: h.version,
                inputs: h
                    .inputs
                    .iter()
                    .map(|i| InputRow {
                        name: &i.name,
                        bytes: i.bytes,
                        compression: i.compression,
                        sha256: i.digest.map(|d| d.hex()),
                        sha256_bytes: i.digest.map(|d| d.bytes),
                    })
                    .collect(),
                first_seen: h.first_seen.map(format_utc),
                last_seen: h.last_seen.map(format_utc),
                since: h.since.map(format_utc),
                until: h.until.map(format_utc),
                classes: s.classes.iter().map(|c| c.id()).collect(),
                min_score: s.min_score,
                min_requests: s.min_requests,
                top: s.top,
                group_min: s.group_min,
                density: s.density,
                max_prefix_ipv4: h.floor_v4,
                max_prefix_ipv6: h.floor_v6,
                offenders: r.plan.offenders,
                internal_offenders: h.internal,
                selected: r.plan.selected,
                regrouped: r.plan.regrouped,
                text: h.lines(r.plan),
            },
            blocks: r.plan.blocks.iter().map(BlockRow::of).collect(),
            held_back: r.plan.held_back.iter().map(HeldRow::of).collect(),
            left_out: r.plan.left_out.iter().map(BlockRow::of).collect(),
        };
        crate::escape::write_json(w, &doc)
    }
}

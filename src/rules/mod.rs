//! Rules: the offenders, as firewall and cloud ACL rules a user can pipe
//! straight into the tool.
//!
//! Findings → [`plan::plan`] (select, group into prefixes, never-block check,
//! fit the target's quota) → a [`Target`] renders the plan, after a comment
//! header that says where it came from and what was left out. Only
//! addresses and networks built from parsed values reach a rule, and every
//! name the user passes (chain, set, table, ACL id) is checked before anything
//! is written ([`names`]). Every local target is written to replace what an
//! earlier run installed (a dedicated chain, table or set, flushed and
//! refilled), so a cron job that pipes each run into the tool never piles up
//! rules.
//!
//! Layout: `guard.rs` the never-block check; `plan.rs` selection, grouping and
//! quotas; `header.rs` the comment header; `names.rs` identifier checks;
//! `target/` one file per target and the registry.

pub mod guard;
pub mod header;
pub mod names;
pub mod plan;
pub mod target;

use std::io::{self, Write};

pub use guard::{Guard, Hold, Protect};
pub use header::{Header, Input};
pub use plan::{Block, Budget, HeldBack, Plan, Selection};
pub use target::{by_id, Target, TARGETS};

/// Settings of the targets (names, AWS ids, quotas, expiry), validated.
#[derive(Clone, Debug)]
pub struct TargetOpts {
    /// iptables/ip6tables chain.
    pub chain: String,
    /// nftables table (`inet`).
    pub table: String,
    /// ipset and firewalld set name stem (`-v4` / `-v6` added).
    pub set_name: String,
    /// AWS network ACL id (`None`: the script reads `$NACL_ID`).
    pub nacl_id: Option<String>,
    /// The first allow rule of the ACL: every deny goes below it.
    pub nacl_first_allow: u32,
    /// Deny entries the ACL has room for.
    pub nacl_max_rules: usize,
    /// The ACL as `aws ec2 describe-network-acls` printed it.
    pub nacl_current: Option<target::aws_nacl::Current>,
    /// The IP sets as `aws wafv2 get-ip-set` printed them.
    pub waf_current: Vec<target::aws_waf::Current>,
    /// Seconds an entry lives (nftables, ipset, firewalld), if set.
    pub expire: Option<u64>,
    /// The load balancer's AWS security group (the origin policy targets).
    pub lb_sg: Option<String>,
    /// The ranges the origin policy keeps open: trusted proxies and `--allow`.
    pub origin_allow: Vec<ipnet::IpNet>,
}

impl Default for TargetOpts {
    fn default() -> TargetOpts {
        TargetOpts {
            chain: "ALF-BLOCK".into(),
            table: "alf".into(),
            set_name: "alf".into(),
            nacl_id: None,
            nacl_first_allow: 100,
            nacl_max_rules: 18,
            nacl_current: None,
            waf_current: Vec::new(),
            expire: None,
            lb_sg: None,
            origin_allow: Vec::new(),
        }
    }
}

/// Everything a target renders.
pub struct Rendering<'a> {
    pub plan: &'a Plan,
    pub header: &'a Header,
    pub opts: &'a TargetOpts,
}

/// Writes the rules for `target`.
pub fn render(target: &dyn Target, r: &Rendering, w: &mut dyn Write) -> io::Result<()> {
    target.render(r, w)
}

//! The targets: one file each, and this registry. A target turns a [`Plan`]
//! into what its tool reads, after the comment header, and says how to apply
//! it. Adding one is a new file and a line in [`TARGETS`].

pub mod apache;
pub mod aws_nacl;
pub mod aws_waf;
pub mod firewalld;
pub mod ipset;
pub mod iptables;
pub mod json;
pub mod nftables;
pub mod nginx;
pub mod origin;
pub mod plain;
pub mod route;

use std::io::{self, Write};

use super::plan::{Budget, Plan};
use super::{Rendering, TargetOpts};

/// A firewall or ACL that rules are written for.
pub trait Target: Sync {
    /// Its `--target` name.
    fn id(&self) -> &'static str;
    /// What it writes, in a few words.
    fn about(&self) -> &'static str;
    /// How many entries it holds.
    fn budget(&self, _o: &TargetOpts) -> Budget {
        Budget::default()
    }
    /// Whether it can expire entries (`--expire`).
    fn expires(&self) -> bool {
        false
    }
    fn render(&self, r: &Rendering, w: &mut dyn Write) -> io::Result<()>;
}

/// Every target, in the order `alf rules --help` lists them.
pub static TARGETS: &[&dyn Target] = &[
    &nftables::Nftables,
    &iptables::Iptables,
    &iptables::Ip6tables,
    &ipset::Ipset,
    &firewalld::Firewalld,
    &route::Route,
    &nginx::Nginx,
    &apache::Apache,
    &aws_nacl::AwsNacl,
    &aws_waf::AwsWaf,
    &plain::Plain,
    &json::Json,
    &origin::OriginNftables,
    &origin::OriginIptables,
    &origin::OriginAwsSg,
];

/// The target named `id`.
pub fn by_id(id: &str) -> Option<&'static dyn Target> {
    TARGETS.iter().copied().find(|t| t.id() == id)
}

/// The networks of one family to block, in address order.
pub fn nets(plan: &Plan, v4: bool) -> impl Iterator<Item = ipnet::IpNet> + '_ {
    plan.family(v4).map(|b| b.net)
}

/// Comment lines (`marker` first) for notes after the header.
pub fn note(w: &mut dyn Write, marker: &str, lines: &[&str]) -> io::Result<()> {
    for l in lines {
        writeln!(w, "{marker} {l}")?;
    }
    Ok(())
}

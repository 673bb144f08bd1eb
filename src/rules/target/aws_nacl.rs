//! A shell script of `aws ec2` commands that put the blocks into a network
//! ACL as ingress deny entries, all numbered below the ACL's first allow rule
//! (a deny numbered after it does nothing): unique, spaced, at most the free
//! entries of the ACL's quota. Given the ACL as `describe-network-acls`
//! printed it (`--nacl-current`), the script turns the deny entries below the
//! first allow into the new set with `replace-` and `delete-network-acl-entry`
//! and leaves every other entry alone; otherwise it creates entries.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use ipnet::IpNet;

use super::{note, Target};
use crate::rules::plan::Budget;
use crate::rules::{Rendering, TargetOpts};

pub struct AwsNacl;

/// An ACL's ingress entries below its first allow, as read from
/// `aws ec2 describe-network-acls`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Current {
    pub acl_id: String,
    /// Deny entries below the first allow: rule number → CIDR.
    pub denies: BTreeMap<u32, IpNet>,
    /// Rule numbers below the first allow that are not deny entries.
    pub others: BTreeSet<u32>,
}

/// Reads `describe-network-acls` output for one ACL (`id`, or the only one).
pub fn parse_current(json: &str, id: Option<&str>, first_allow: u32) -> Result<Current, String> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let acls = v["NetworkAcls"]
        .as_array()
        .ok_or("no NetworkAcls array (the output of `aws ec2 describe-network-acls`)")?;
    let acl = match id {
        Some(id) => acls
            .iter()
            .find(|a| a["NetworkAclId"] == id)
            .ok_or_else(|| format!("ACL {id} is not in the file"))?,
        None if acls.len() == 1 => &acls[0],
        None => return Err("several ACLs in the file: name one with --nacl-id".into()),
    };
    let acl_id = acl["NetworkAclId"]
        .as_str()
        .ok_or("an ACL without NetworkAclId")?;
    let acl_id = crate::rules::names::nacl_id(acl_id).map_err(|e| e.to_string())?;
    let mut c = Current {
        acl_id,
        ..Current::default()
    };
    for e in acl["Entries"].as_array().ok_or("an ACL without Entries")? {
        if e["Egress"].as_bool() != Some(false) {
            continue;
        }
        let n = e["RuleNumber"]
            .as_u64()
            .ok_or("an entry without RuleNumber")?;
        let n = u32::try_from(n).map_err(|_| "a rule number out of range")?;
        if n >= first_allow {
            continue;
        }
        let cidr = e["CidrBlock"].as_str().or(e["Ipv6CidrBlock"].as_str());
        match (
            e["RuleAction"].as_str(),
            cidr.and_then(|c| c.parse::<IpNet>().ok()),
        ) {
            (Some("deny"), Some(net)) => {
                c.denies.insert(n, net.trunc());
            }
            _ => {
                c.others.insert(n);
            }
        }
    }
    Ok(c)
}

/// Rule numbers for `n` entries below `first_allow`, spread evenly and
/// avoiding `taken`: `None` when they do not fit.
pub fn numbers(n: usize, first_allow: u32, taken: &BTreeSet<u32>) -> Option<Vec<u32>> {
    let free: Vec<u32> = (1..first_allow).filter(|k| !taken.contains(k)).collect();
    if n > free.len() {
        return None;
    }
    // Evenly spaced picks from the free numbers, leaving room between them.
    Some((1..=n).map(|i| free[i * free.len() / (n + 1)]).collect())
}

fn entry(cmd: &str, acl: &str, number: u32, net: Option<&IpNet>) -> String {
    let mut s = format!(
        "aws ec2 {cmd}-network-acl-entry --network-acl-id {acl} --ingress --rule-number {number}"
    );
    if let Some(net) = net {
        let flag = match net {
            IpNet::V4(_) => "--cidr-block",
            IpNet::V6(_) => "--ipv6-cidr-block",
        };
        s.push_str(&format!(" --protocol -1 --rule-action deny {flag} {net}"));
    }
    s
}

impl Target for AwsNacl {
    fn id(&self) -> &'static str {
        "aws-nacl"
    }
    fn about(&self) -> &'static str {
        "aws ec2 commands: network ACL deny entries below the first allow"
    }
    fn budget(&self, o: &TargetOpts) -> Budget {
        let taken = o.nacl_current.as_ref().map_or(0, |c| c.others.len());
        let room = (o.nacl_first_allow.saturating_sub(1) as usize).saturating_sub(taken);
        Budget {
            total: Some(o.nacl_max_rules.min(room)),
            per_family: None,
        }
    }
    fn render(&self, r: &Rendering, w: &mut dyn Write) -> io::Result<()> {
        let o = r.opts;
        writeln!(w, "#!/bin/sh")?;
        r.header.write(w, "#", r.plan)?;
        let acl = match (&o.nacl_id, &o.nacl_current) {
            (Some(id), _) => id.clone(),
            (None, Some(c)) => c.acl_id.clone(),
            (None, None) => "\"${NACL_ID:?set NACL_ID to the network ACL id}\"".into(),
        };
        note(
            w,
            "#",
            &[
                &format!(
                    "apply: sh FILE; deny entries are numbered below rule {}, the ACL's first allow",
                    o.nacl_first_allow
                ),
                match o.nacl_current {
                    Some(_) => "the ACL's deny entries below it become these; every other entry is left alone",
                    None => "creates entries: without --nacl-current, entries of an earlier run stay (give the describe-network-acls output to replace them)",
                },
            ],
        )?;
        writeln!(w, "set -e")?;
        let empty = Current::default();
        let cur = o.nacl_current.as_ref().unwrap_or(&empty);
        let nets: Vec<IpNet> = r.plan.blocks.iter().map(|b| b.net).collect();
        // Entries already in place stay as they are, numbers and all.
        let kept: BTreeSet<u32> = cur
            .denies
            .iter()
            .filter(|(_, net)| nets.contains(net))
            .map(|(n, _)| *n)
            .collect();
        let new: Vec<&IpNet> = nets
            .iter()
            .filter(|net| !cur.denies.values().any(|d| d == *net))
            .collect();
        let taken: BTreeSet<u32> = cur.others.union(&kept).copied().collect();
        let Some(numbers) = numbers(new.len(), o.nacl_first_allow, &taken) else {
            return writeln!(
                w,
                "echo 'alf: the entries do not fit below the first allow' >&2; exit 1"
            );
        };
        for n in cur.denies.keys() {
            if !kept.contains(n) && !numbers.contains(n) {
                writeln!(w, "{}", entry("delete", &acl, *n, None))?;
            }
        }
        for (n, net) in numbers.into_iter().zip(new) {
            let cmd = if cur.denies.contains_key(&n) {
                "replace"
            } else {
                "create"
            };
            writeln!(w, "{}", entry(cmd, &acl, n, Some(net)))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_spread_below_the_first_allow() {
        let n = numbers(18, 100, &BTreeSet::new()).unwrap();
        assert_eq!(n.len(), 18);
        assert!(n.windows(2).all(|w| w[0] + 2 < w[1]), "{n:?}");
        assert!(n.iter().all(|&k| (1..100).contains(&k)));
        let taken: BTreeSet<u32> = (1..=90).collect();
        assert_eq!(
            numbers(9, 100, &taken).unwrap(),
            (91..=99).collect::<Vec<_>>()
        );
        assert!(numbers(10, 100, &taken).is_none());
        assert_eq!(
            numbers(0, 100, &BTreeSet::new()).unwrap(),
            Vec::<u32>::new()
        );
    }

    #[test]
    fn current_entries_are_read() {
        let json = r#"{"NetworkAcls":[{"NetworkAclId":"acl-0123abcd","Entries":[
            {"RuleNumber":100,"Protocol":"-1","RuleAction":"allow","Egress":false,"CidrBlock":"0.0.0.0/0"},
            {"RuleNumber":101,"Protocol":"-1","RuleAction":"allow","Egress":false,"Ipv6CidrBlock":"::/0"},
            {"RuleNumber":10,"Protocol":"-1","RuleAction":"deny","Egress":false,"CidrBlock":"198.51.100.7/32"},
            {"RuleNumber":20,"Protocol":"6","RuleAction":"allow","Egress":false,"CidrBlock":"192.0.2.0/24"},
            {"RuleNumber":30,"Protocol":"-1","RuleAction":"deny","Egress":true,"CidrBlock":"203.0.113.0/24"},
            {"RuleNumber":32767,"Protocol":"-1","RuleAction":"deny","Egress":false,"CidrBlock":"0.0.0.0/0"}]}]}"#;
        let c = parse_current(json, None, 100).unwrap();
        assert_eq!(c.acl_id, "acl-0123abcd");
        assert_eq!(c.denies.len(), 1);
        assert_eq!(c.denies[&10].to_string(), "198.51.100.7/32");
        assert_eq!(c.others.iter().copied().collect::<Vec<_>>(), [20]);
        assert!(parse_current(json, Some("acl-99999999"), 100).is_err());
        assert!(parse_current("{}", None, 100).is_err());
    }
}

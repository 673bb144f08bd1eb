//! A shell script of `aws wafv2 update-ip-set` calls, one per address
//! family. That call replaces the whole set: given the set as `get-ip-set`
//! printed it (`--waf-current`), the addresses it holds are kept and the new
//! ones added, with its lock token; without it, the script says that it
//! replaces the set and reads the set's name, id and lock token from the
//! environment. At most 10,000 addresses a set, never a /0.

use std::io::{self, Write};

use ipnet::IpNet;

use super::{nets, note, Target};
use crate::rules::plan::Budget;
use crate::rules::{Rendering, TargetOpts};

pub struct AwsWaf;

/// Addresses an IP set holds at most.
pub const MAX_ADDRESSES: usize = 10_000;

/// An IP set as `aws wafv2 get-ip-set` printed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Current {
    pub name: String,
    pub id: String,
    pub scope: &'static str,
    pub v4: bool,
    pub addresses: Vec<IpNet>,
    pub lock_token: String,
}

/// Reads `get-ip-set` output.
pub fn parse_current(json: &str) -> Result<Current, String> {
    use crate::rules::names::{waf_id, waf_name};
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let set = &v["IPSet"];
    let field = |k: &str| {
        set[k]
            .as_str()
            .ok_or_else(|| format!("no IPSet.{k} (the output of `aws wafv2 get-ip-set`)"))
    };
    let name = waf_name(field("Name")?).map_err(|e| e.to_string())?;
    let id = waf_id(field("Id")?).map_err(|e| e.to_string())?;
    // The ARN says the scope: `.../global/ipset/...` is CloudFront's.
    let scope = if field("ARN")?.contains(":global/") {
        "CLOUDFRONT"
    } else {
        "REGIONAL"
    };
    let v4 = match field("IPAddressVersion")? {
        "IPV4" => true,
        "IPV6" => false,
        other => {
            return Err(format!(
                "IPAddressVersion {other:?} is neither IPV4 nor IPV6"
            ))
        }
    };
    let lock_token =
        waf_id(v["LockToken"].as_str().ok_or("no LockToken")?).map_err(|e| e.to_string())?;
    let mut addresses = Vec::new();
    for a in set["Addresses"].as_array().ok_or("no IPSet.Addresses")? {
        let net: IpNet = a
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("{a} is not a CIDR"))?;
        addresses.push(net.trunc());
    }
    Ok(Current {
        name,
        id,
        scope,
        v4,
        addresses,
        lock_token,
    })
}

impl Target for AwsWaf {
    fn id(&self) -> &'static str {
        "aws-waf"
    }
    fn about(&self) -> &'static str {
        "aws wafv2 update-ip-set calls, one per family, merged with --waf-current"
    }
    fn budget(&self, o: &TargetOpts) -> Budget {
        // The room left beside what the sets already hold.
        let held = o
            .waf_current
            .iter()
            .map(|c| c.addresses.len())
            .max()
            .unwrap_or(0);
        Budget {
            total: None,
            per_family: Some(MAX_ADDRESSES.saturating_sub(held)),
        }
    }
    fn render(&self, r: &Rendering, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w, "#!/bin/sh")?;
        r.header.write(w, "#", r.plan)?;
        note(
            w,
            "#",
            &["apply: sh FILE; update-ip-set replaces the whole IP set"],
        )?;
        writeln!(w, "set -e")?;
        for (v4, family) in [(true, "IPV4"), (false, "IPV6")] {
            let new: Vec<IpNet> = nets(r.plan, v4).filter(|n| n.prefix_len() > 0).collect();
            let cur = r.opts.waf_current.iter().find(|c| c.v4 == v4);
            let mut all: Vec<IpNet> = cur.map(|c| c.addresses.clone()).unwrap_or_default();
            for n in new {
                if !all.iter().any(|a| a.contains(&n)) {
                    all.push(n);
                }
            }
            all.retain(|n| n.prefix_len() > 0);
            all.truncate(MAX_ADDRESSES);
            let list: Vec<String> = all.iter().map(|n| n.to_string()).collect();
            match cur {
                Some(c) => {
                    writeln!(
                        w,
                        "# {family}: set {} keeps its {} address(es); {} in all",
                        c.name,
                        c.addresses.len(),
                        all.len()
                    )?;
                    let doc = serde_json::json!({
                        "Name": c.name, "Scope": c.scope, "Id": c.id,
                        "Addresses": list, "LockToken": c.lock_token,
                    });
                    writeln!(w, "aws wafv2 update-ip-set --cli-input-json '{doc}'")?;
                }
                None if list.is_empty() => {
                    writeln!(
                        w,
                        "# {family}: nothing to block, and no --waf-current: set left alone"
                    )?;
                }
                None => {
                    let v = if v4 { "V4" } else { "V6" };
                    writeln!(
                        w,
                        "# {family}: REPLACES the whole set (no --waf-current: its current entries are lost)"
                    )?;
                    writeln!(
                        w,
                        "aws wafv2 update-ip-set --scope \"${{WAF_SCOPE:?REGIONAL or CLOUDFRONT}}\" \
                         --name \"${{WAF_{v}_NAME:?}}\" --id \"${{WAF_{v}_ID:?}}\" \
                         --lock-token \"${{WAF_{v}_LOCK_TOKEN:?}}\" --addresses {}",
                        list.join(" ")
                    )?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_set_is_read() {
        let json = r#"{"IPSet":{"Name":"blocked","Id":"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
            "ARN":"arn:aws:wafv2:us-east-1:123456789012:regional/ipset/blocked/a1b2c3d4",
            "IPAddressVersion":"IPV4","Addresses":["192.0.2.44/32","203.0.113.0/24"]},
            "LockToken":"0123abcd-4567-89ef-0123-456789abcdef"}"#;
        let c = parse_current(json).unwrap();
        assert_eq!(
            (c.name.as_str(), c.scope, c.v4),
            ("blocked", "REGIONAL", true)
        );
        assert_eq!(c.addresses.len(), 2);
        assert!(parse_current("{}").is_err());
        let bad = json.replace("blocked\"", "x; rm\"");
        assert!(parse_current(&bad).is_err());
    }
}

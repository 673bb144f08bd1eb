//! A change of access policy, not a block: the web ports of the origin open
//! only to its load balancer (the `--trusted-proxy` ranges, or its AWS
//! security group) and the `--allow` ranges, for when attackers reach the
//! instance directly and skip the proxy's protection (`direct-origin`).
//! Three forms: an AWS security group's ingress rules, an nftables table, and
//! iptables-restore input. Loopback stays open (Apache's own dummy
//! connections and local health checks use it); no other port is touched.

use std::io::{self, Write};

use ipnet::IpNet;

use super::{note, Target};
use crate::rules::Rendering;

/// The web ports the policy closes to everyone but the proxies.
pub const PORTS: [u16; 2] = [80, 443];

pub struct OriginNftables;
pub struct OriginIptables;
pub struct OriginAwsSg;

fn ranges(r: &Rendering, v4: bool) -> Vec<IpNet> {
    r.opts
        .origin_allow
        .iter()
        .filter(|n| n.addr().is_ipv4() == v4)
        .copied()
        .collect()
}

fn policy_note(w: &mut dyn Write, r: &Rendering) -> io::Result<()> {
    let sources: Vec<String> = r.opts.origin_allow.iter().map(|n| n.to_string()).collect();
    note(
        w,
        "#",
        &[
            "A CHANGE OF ACCESS POLICY, not a block: afterwards ports 80 and 443 answer only",
            &format!(
                "loopback and {}",
                if sources.is_empty() && r.opts.lb_sg.is_none() {
                    "nobody else (give --trusted-proxy and --allow ranges, or --lb-sg)".to_string()
                } else {
                    let mut s = sources.join(", ");
                    if let Some(sg) = &r.opts.lb_sg {
                        if !s.is_empty() {
                            s.push_str(", ");
                        }
                        s.push_str(&format!("the security group {sg}"));
                    }
                    s
                }
            ),
        ],
    )
}

impl Target for OriginNftables {
    fn id(&self) -> &'static str {
        "origin-nftables"
    }
    fn about(&self) -> &'static str {
        "access policy: ports 80 and 443 open only to the proxies and --allow (nftables)"
    }
    fn render(&self, r: &Rendering, w: &mut dyn Write) -> io::Result<()> {
        let t = format!("{}_origin", r.opts.table);
        r.header.write(w, "#", r.plan)?;
        policy_note(w, r)?;
        note(
            w,
            "#",
            &[&format!(
                "apply: nft -f FILE (replaces table inet {t} as a whole)"
            )],
        )?;
        writeln!(w, "table inet {t} {{}}")?;
        writeln!(w, "delete table inet {t}")?;
        writeln!(w, "table inet {t} {{")?;
        for (v4, name, ty) in [
            (true, "proxies_v4", "ipv4_addr"),
            (false, "proxies_v6", "ipv6_addr"),
        ] {
            writeln!(w, "\tset {name} {{")?;
            writeln!(w, "\t\ttype {ty}")?;
            writeln!(w, "\t\tflags interval")?;
            let e: Vec<String> = ranges(r, v4).iter().map(|n| n.to_string()).collect();
            if !e.is_empty() {
                writeln!(w, "\t\telements = {{ {} }}", e.join(", "))?;
            }
            writeln!(w, "\t}}")?;
        }
        let ports = PORTS.map(|p| p.to_string()).join(", ");
        writeln!(w, "\tchain input {{")?;
        writeln!(w, "\t\ttype filter hook input priority -5; policy accept;")?;
        writeln!(w, "\t\tiif \"lo\" accept")?;
        writeln!(w, "\t\ttcp dport {{ {ports} }} ip saddr @proxies_v4 accept")?;
        writeln!(
            w,
            "\t\ttcp dport {{ {ports} }} ip6 saddr @proxies_v6 accept"
        )?;
        writeln!(w, "\t\ttcp dport {{ {ports} }} drop")?;
        writeln!(w, "\t}}")?;
        writeln!(w, "}}")
    }
}

impl Target for OriginIptables {
    fn id(&self) -> &'static str {
        "origin-iptables"
    }
    fn about(&self) -> &'static str {
        "access policy: ports 80 and 443 open only to the proxies and --allow (iptables-restore)"
    }
    fn render(&self, r: &Rendering, w: &mut dyn Write) -> io::Result<()> {
        let chain = format!("{}-ORIGIN", r.opts.chain.trim_end_matches("-BLOCK"));
        let chain = if chain.len() > 28 {
            "ALF-ORIGIN".to_string()
        } else {
            chain
        };
        let ports = PORTS.map(|p| p.to_string()).join(",");
        r.header.write(w, "#", r.plan)?;
        policy_note(w, r)?;
        note(
            w,
            "#",
            &[
                "apply: iptables-restore --noflush < FILE (IPv4; never without --noflush)",
                &format!(
                    "once: iptables -C INPUT -p tcp -m multiport --dports {ports} -j {chain} 2>/dev/null || \
                     iptables -I INPUT -p tcp -m multiport --dports {ports} -j {chain}"
                ),
            ],
        )?;
        writeln!(w, "*filter")?;
        writeln!(w, ":{chain} - [0:0]")?;
        writeln!(w, "-A {chain} -i lo -j RETURN")?;
        for n in ranges(r, true) {
            writeln!(w, "-A {chain} -s {n} -j RETURN")?;
        }
        writeln!(w, "-A {chain} -p tcp -m multiport --dports {ports} -j DROP")?;
        writeln!(w, "COMMIT")
    }
}

impl Target for OriginAwsSg {
    fn id(&self) -> &'static str {
        "origin-aws-sg"
    }
    fn about(&self) -> &'static str {
        "access policy: the instance's security group open on 80 and 443 only to the load balancer's"
    }
    fn render(&self, r: &Rendering, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w, "#!/bin/sh")?;
        r.header.write(w, "#", r.plan)?;
        policy_note(w, r)?;
        note(
            w,
            "#",
            &[
                "apply: INSTANCE_SG=sg-... sh FILE; the open rules are revoked last, once the proxies are allowed",
            ],
        )?;
        writeln!(w, "set -e")?;
        writeln!(
            w,
            "sg=\"${{INSTANCE_SG:?set INSTANCE_SG to the instance's security group}}\""
        )?;
        let allow = |w: &mut dyn Write, port: u16, src: &str| {
            writeln!(
                w,
                "aws ec2 authorize-security-group-ingress --group-id \"$sg\" --protocol tcp --port {port} {src} || true"
            )
        };
        for port in PORTS {
            if let Some(sg) = &r.opts.lb_sg {
                allow(w, port, &format!("--source-group {sg}"))?;
            }
            for n in &r.opts.origin_allow {
                let range = match n {
                    IpNet::V4(_) => format!("--ip-permissions IpProtocol=tcp,FromPort={port},ToPort={port},IpRanges=[{{CidrIp={n}}}]"),
                    IpNet::V6(_) => format!("--ip-permissions IpProtocol=tcp,FromPort={port},ToPort={port},Ipv6Ranges=[{{CidrIpv6={n}}}]"),
                };
                writeln!(
                    w,
                    "aws ec2 authorize-security-group-ingress --group-id \"$sg\" {range} || true"
                )?;
            }
        }
        for port in PORTS {
            writeln!(
                w,
                "aws ec2 revoke-security-group-ingress --group-id \"$sg\" --protocol tcp --port {port} --cidr 0.0.0.0/0 || true"
            )?;
            writeln!(
                w,
                "aws ec2 revoke-security-group-ingress --group-id \"$sg\" --ip-permissions \
                 IpProtocol=tcp,FromPort={port},ToPort={port},Ipv6Ranges=[{{CidrIpv6=::/0}}] || true"
            )?;
        }
        Ok(())
    }
}

//! `alf rules`, applied by the real tools: each local target's output goes
//! into `nft`, `iptables-restore`, `ipset`, `ip route`/`route` and
//! `firewall-cmd` (firewalld's own offline parser) inside a throwaway network
//! namespace (`unshare -n`), twice, and what the kernel (or firewalld) then
//! holds is read back and compared with the plan alf printed as JSON; `nginx
//! -t` and `apache2 -t` check the include files. The offending addresses must
//! be there and the never-block ones must not. AWS outputs, which no tool here
//! can apply, are parsed back and checked against every constraint.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ipnet::IpNet;
use serde_json::Value;

mod common;
#[path = "common/rule_files.rs"]
mod rule_files;

/// The hostile log: a dense CONNECT cluster, scattered exploit probes over
/// both families, probes from every kind of address alf must never block,
/// and ordinary clients beside the cluster.
fn log() -> String {
    let mut l = String::new();
    let line = |ip: &str, req: &str, status: u16| {
        format!(
            "{ip} - - [24/Dec/2020:18:{:02}:33 +0000] \"{req}\" {status} 247 \"-\" \"Mozilla/5.0\"\n",
            (ip.len() * 7) % 60
        )
    };
    // Twelve CONNECT clients in 203.0.113.16/28..: one dense cluster.
    for i in 16..28 {
        l += &line(
            &format!("203.0.113.{i}"),
            "CONNECT www.example.com:443 HTTP/1.1",
            200,
        );
    }
    // Ordinary clients in the same /24, outside the cluster.
    for i in 100..110 {
        l += &line(&format!("203.0.113.{i}"), "GET / HTTP/1.1", 200);
    }
    // Scattered exploit probes.
    for ip in [
        "198.51.100.7",
        "192.0.2.33",
        "2001:db8:1::5",
        "2001:db8:2::9",
    ] {
        l += &line(ip, "GET /.env HTTP/1.1", 404);
    }
    // Never to be blocked.
    for ip in NEVER {
        l += &line(ip, "GET /cgi-bin/.%2e/.%2e/bin/sh HTTP/1.1", 400);
    }
    l
}

/// Offending clients alf must never block: special ranges (also written
/// IPv4-mapped), the `--allow` address, the trusted proxy, the SSH session.
const NEVER: [&str; 14] = [
    "127.0.0.2",
    "10.1.2.3",
    "::ffff:172.16.5.5",
    "192.168.1.1",
    "100.64.1.1",
    "169.254.169.254",
    "0.0.0.0",
    "::1",
    "fe80::1",
    "fd00::7",
    "198.18.0.1",
    ALLOWED,
    PROXY,
    SSH,
];
const ALLOWED: &str = "192.0.2.50";
const PROXY: &str = "198.51.100.200";
const SSH: &str = "192.0.2.99";

/// A temporary directory with the log written in it.
struct Scene {
    dir: tempfile::TempDir,
}

impl Scene {
    fn new() -> Scene {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("access_log"), log()).unwrap();
        Scene { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `alf rules --target TARGET` with the scene's protections; the output
    /// is written to `rules.TARGET` and returned.
    fn rules(&self, target: &str, extra: &[&str]) -> (PathBuf, String) {
        let out = Command::new(common::alf_bin())
            .args(["rules", "--target", target, "--allow", ALLOWED])
            .args(["--trusted-proxy", "198.51.100.192/26"])
            .args(extra)
            .arg(self.path("access_log"))
            .env("SSH_CONNECTION", format!("{SSH} 50022 192.0.2.1 22"))
            .env_remove("SSH_CLIENT")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "alf rules --target {target}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let p = self.path(&format!("rules.{target}"));
        std::fs::write(&p, &text).unwrap();
        (p, text)
    }

    /// The plan, as `--target json` prints it.
    fn plan(&self, extra: &[&str]) -> Value {
        serde_json::from_str(&self.rules("json", extra).1).unwrap()
    }
}

/// The networks of a JSON plan's blocks.
fn planned(plan: &Value) -> BTreeSet<IpNet> {
    plan["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["cidr"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// Every address or network in `text`, read as a tool prints them (a bare
/// address is a host).
fn nets_in(text: &str) -> BTreeSet<IpNet> {
    rule_files::tokens(text)
        .into_iter()
        .map(|n| n.trunc())
        .collect()
}

/// Checks that no net holds an address that must never be blocked, and that
/// every one of the offenders is held by one.
fn check_blocked(what: &str, nets: &BTreeSet<IpNet>) {
    for ip in NEVER {
        let ip: IpAddr = ip.parse().unwrap();
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        assert!(
            !nets.iter().any(|n| n.contains(&ip)),
            "{what}: {ip} is blocked: {nets:?}"
        );
    }
    let offenders = (16..28).map(|i| format!("203.0.113.{i}")).chain(
        [
            "198.51.100.7",
            "192.0.2.33",
            "2001:db8:1::5",
            "2001:db8:2::9",
        ]
        .map(String::from),
    );
    for ip in offenders {
        let ip: IpAddr = ip.parse().unwrap();
        assert!(
            nets.iter().any(|n| n.contains(&ip)),
            "{what}: {ip} is not blocked: {nets:?}"
        );
    }
    for n in nets {
        let floor = if n.addr().is_ipv4() { 24 } else { 48 };
        assert!(
            n.prefix_len() >= floor,
            "{what}: {n} is wider than the floor"
        );
    }
}

/// Runs `script` under `sh -e` in a new network namespace, with `$1` the
/// rules file; returns its output, or `None` (after a skip) when namespaces
/// or the tools are not available.
fn in_netns(tools: &[&str], script: &str, rules: &Path) -> Option<String> {
    if !common::require_tools(&["unshare", "sh"]) || !common::require_tools(tools) {
        return None;
    }
    let probe = Command::new("unshare").args(["-n", "true"]).status();
    if !probe.is_ok_and(|s| s.success()) {
        common::skip("`unshare -n` is not allowed here (root needed)");
        return None;
    }
    let out = Command::new("unshare")
        .args(["-n", "sh", "-ec", script, "sh"])
        .arg(rules)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}\nfailed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn the_plan_groups_the_cluster_and_holds_back_what_it_must() {
    let s = Scene::new();
    let plan = s.plan(&[]);
    let nets = planned(&plan);
    check_blocked("plan", &nets);
    // The twelve CONNECT clients are one rule, without the ordinary clients.
    let cluster: Vec<&IpNet> = nets
        .iter()
        .filter(|n| n.contains(&"203.0.113.20".parse::<IpAddr>().unwrap()))
        .collect();
    assert_eq!(cluster.len(), 1);
    assert!(
        cluster[0].prefix_len() < 32 && cluster[0].prefix_len() >= 27,
        "{cluster:?}"
    );
    assert!(!cluster[0].contains(&"203.0.113.100".parse::<IpAddr>().unwrap()));
    // Scattered probes stay single.
    assert!(nets.contains(&"198.51.100.7/32".parse().unwrap()));
    assert!(nets.contains(&"2001:db8:1::5/128".parse().unwrap()));
    let held: Vec<String> = plan["held_back"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            format!(
                "{} {}",
                h["source"].as_str().unwrap(),
                h["reason"].as_str().unwrap()
            )
        })
        .collect();
    let has = |needle: &str| held.iter().any(|h| h.contains(needle));
    // Special ranges never reach the plan: loopback is this machine, the
    // others are internal offenders (the triage lists them as such).
    for ip in &NEVER[..11] {
        let ip = ip.trim_start_matches("::ffff:");
        assert!(!has(&format!("{ip} ")), "{ip} in the plan: {held:?}");
    }
    // All but loopback (this machine's own traffic) are internal offenders.
    assert_eq!(plan["header"]["internal_offenders"], 9);
    assert!(has(&format!("{ALLOWED} inside --allow")), "{held:?}");
    assert!(has(&format!("{PROXY} inside --trusted-proxy")), "{held:?}");
    assert!(
        has(&format!("{SSH} the address of this SSH session")),
        "{held:?}"
    );
}

#[test]
fn nftables_applies_twice_to_the_same_sets() {
    let s = Scene::new();
    let want = planned(&s.plan(&[]));
    let (rules, text) = s.rules("nftables", &[]);
    assert!(text.lines().next().unwrap().starts_with("# alf "));
    let Some(out) = in_netns(
        &["nft"],
        "nft -c -f \"$1\"; nft -f \"$1\"; nft -f \"$1\"; \
         nft list set inet alf blocked_v4; nft list set inet alf blocked_v6; \
         echo TABLES; nft list tables",
        &rules,
    ) else {
        return;
    };
    let (sets, tables) = out.split_once("TABLES").unwrap();
    assert_eq!(nets_in(sets), want);
    check_blocked("nft", &nets_in(sets));
    assert_eq!(tables.trim(), "table inet alf", "one table, not two");
}

#[test]
fn nftables_entries_expire() {
    let s = Scene::new();
    let (rules, _) = s.rules("nftables", &["--expire", "1h"]);
    let Some(out) = in_netns(
        &["nft"],
        "nft -f \"$1\"; nft list set inet alf blocked_v4",
        &rules,
    ) else {
        return;
    };
    assert!(
        out.contains("timeout 1h") && out.contains("expires"),
        "{out}"
    );
}

#[test]
fn iptables_restore_noflush_twice_one_jump_one_rule_per_entry() {
    let s = Scene::new();
    let want = planned(&s.plan(&[]));
    let (rules, text) = s.rules("iptables", &[]);
    assert!(
        text.contains("--noflush"),
        "the header says how to apply it"
    );
    let Some(out) = in_netns(
        &["iptables-restore", "iptables"],
        "iptables -A INPUT -s 192.0.2.1 -j ACCEPT; \
         iptables-restore --test --noflush < \"$1\"; \
         iptables -N ALF-BLOCK 2>/dev/null || true; \
         iptables -C INPUT -j ALF-BLOCK 2>/dev/null || iptables -I INPUT -j ALF-BLOCK; \
         iptables-restore --noflush < \"$1\"; iptables-restore --noflush < \"$1\"; \
         iptables -C INPUT -j ALF-BLOCK 2>/dev/null || iptables -I INPUT -j ALF-BLOCK; \
         iptables -S",
        &rules,
    ) else {
        return;
    };
    let jumps = out
        .lines()
        .filter(|l| *l == "-A INPUT -j ALF-BLOCK")
        .count();
    assert_eq!(jumps, 1, "{out}");
    assert!(
        out.contains("-A INPUT -s 192.0.2.1/32 -j ACCEPT"),
        "the user's rule stays: {out}"
    );
    let entries: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("-A ALF-BLOCK"))
        .collect();
    let v4: BTreeSet<IpNet> = want
        .iter()
        .filter(|n| n.addr().is_ipv4())
        .copied()
        .collect();
    assert_eq!(entries.len(), v4.len(), "one rule per entry: {out}");
    assert_eq!(nets_in(&entries.join("\n")), v4);
}

#[test]
fn ip6tables_restore_holds_the_ipv6_entries() {
    let s = Scene::new();
    let want: BTreeSet<IpNet> = planned(&s.plan(&[]))
        .into_iter()
        .filter(|n| !n.addr().is_ipv4())
        .collect();
    let (rules, _) = s.rules("ip6tables", &[]);
    let Some(out) = in_netns(
        &["ip6tables-restore", "ip6tables"],
        "ip6tables-restore --test --noflush < \"$1\"; ip6tables-restore --noflush < \"$1\"; \
         ip6tables-restore --noflush < \"$1\"; ip6tables -S ALF-BLOCK",
        &rules,
    ) else {
        return;
    };
    let entries: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("-A ALF-BLOCK"))
        .collect();
    assert_eq!(entries.len(), want.len(), "{out}");
    assert_eq!(nets_in(&entries.join("\n")), want);
}

#[test]
fn ipset_restore_twice_swaps_in_the_same_sets() {
    let s = Scene::new();
    let want = planned(&s.plan(&[]));
    let (rules, _) = s.rules("ipset", &[]);
    let Some(out) = in_netns(
        &["ipset"],
        "ipset restore < \"$1\"; ipset restore < \"$1\"; ipset list alf-v4; ipset list alf-v6; \
         echo SETS; ipset list -n",
        &rules,
    ) else {
        return;
    };
    let (sets, names) = out.split_once("SETS").unwrap();
    let members: String = sets
        .split("Members:")
        .skip(1)
        .map(|m| m.split("Name:").next().unwrap_or(""))
        .collect();
    assert_eq!(nets_in(&members), want);
    let names: Vec<&str> = names.split_whitespace().collect();
    assert_eq!(names, ["alf-v4", "alf-v6"], "no temporary set left behind");
}

#[test]
fn route_script_twice_installs_each_route_once() {
    let s = Scene::new();
    let want = planned(&s.plan(&[]));
    let (rules, text) = s.rules("route", &[]);
    assert!(text.contains("route add -host 198.51.100.7 reject"));
    let Some(out) = in_netns(
        &["ip", "route"],
        "ip link set lo up; ip route add 192.0.2.0/24 dev lo; sh \"$1\"; sh \"$1\"; \
         ip -4 route show; ip -6 route show; echo NETTOOLS; route -n",
        &rules,
    ) else {
        return;
    };
    let (routes, nettools) = out.split_once("NETTOOLS").unwrap();
    let ours: Vec<&str> = routes
        .lines()
        .filter(|l| l.contains("metric 4242"))
        .collect();
    assert_eq!(ours.len(), want.len(), "each route once: {routes}");
    assert_eq!(nets_in(&ours.join("\n")), want);
    assert!(
        routes.contains("192.0.2.0/24 dev lo"),
        "other routes stay: {routes}"
    );
    assert!(nettools.contains("198.51.100.7"), "{nettools}");
}

#[test]
fn firewalld_accepts_every_command() {
    if !common::require_tools(&["firewall-offline-cmd", "sh"]) {
        return;
    }
    let s = Scene::new();
    let want = planned(&s.plan(&[]));
    let (rules, _) = s.rules("firewalld", &[]);
    // firewall-cmd --permanent, answered by firewalld's offline tool on a
    // private copy of the configuration.
    let conf = s.path("firewalld");
    std::fs::create_dir_all(&conf).unwrap();
    if Path::new("/etc/firewalld").is_dir() {
        let ok = Command::new("cp")
            .args(["-r", "/etc/firewalld/.", conf.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(ok.success());
    }
    let bin = s.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let shim = bin.join("firewall-cmd");
    std::fs::write(
        &shim,
        format!(
            "#!/bin/sh\nfor a; do shift; case \"$a\" in --permanent) ;; --reload) exit 0 ;; *) set -- \"$@\" \"$a\" ;; esac; done\n\
             exec firewall-offline-cmd --system-config {} \"$@\"\n",
            conf.display()
        ),
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(&shim).status().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for _ in 0..2 {
        let out = Command::new("sh")
            .arg(&rules)
            .env("PATH", &path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let q = |args: &[&str]| {
        let out = Command::new(&shim)
            .args(args)
            .env("PATH", &path)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let got: BTreeSet<IpNet> = nets_in(&q(&["--ipset=alf-v4", "--get-entries"]))
        .into_iter()
        .chain(nets_in(&q(&["--ipset=alf-v6", "--get-entries"])))
        .collect();
    assert_eq!(got, want);
    let rich = q(&["--list-rich-rules"]);
    assert_eq!(
        rich.lines().filter(|l| l.contains("alf-v")).count(),
        2,
        "one rich rule per family: {rich}"
    );
}

#[test]
fn nginx_and_apache_accept_the_include_files() {
    let s = Scene::new();
    let want = planned(&s.plan(&[]));
    if common::require_tool("nginx") {
        let (rules, text) = s.rules("nginx", &[]);
        let directives: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        assert!(
            directives
                .iter()
                .all(|l| l.starts_with("deny ") && !l.contains("all")),
            "{text}"
        );
        assert_eq!(
            nets_in(
                &text
                    .lines()
                    .filter(|l| l.starts_with("deny "))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            want
        );
        let conf = s.path("nginx.conf");
        std::fs::write(
            &conf,
            format!(
                "pid {0}/nginx.pid;\nerror_log {0}/nginx-error.log;\nevents {{}}\nhttp {{\n access_log off;\n \
                 server {{\n  listen 127.0.0.1:18081;\n  location / {{ include {1}; }}\n }}\n}}\n",
                s.dir.path().display(),
                rules.display()
            ),
        )
        .unwrap();
        let out = Command::new("nginx")
            .args(["-t", "-c"])
            .arg(&conf)
            .arg("-p")
            .arg(s.dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    if common::require_tool("apache2") {
        let (rules, text) = s.rules("apache", &[]);
        assert!(text.contains("Require all granted") && !text.contains("Require all denied"));
        assert!(
            text.lines()
                .filter(|l| l.trim_start().starts_with("Require not"))
                .count()
                > 0
                && !text
                    .lines()
                    .any(|l| l.trim_start().starts_with("Require not")
                        && !text.contains("<RequireAll>")),
            "never a bare Require not: {text}"
        );
        let nots: Vec<&str> = text
            .lines()
            .filter(|l| l.trim().starts_with("Require not ip"))
            .collect();
        assert_eq!(nets_in(&nots.join("\n")), want);
        let modules = "/usr/lib/apache2/modules";
        let conf = s.path("httpd.conf");
        std::fs::write(
            &conf,
            format!(
                "ServerRoot {0}\nServerName localhost\nPidFile {0}/httpd.pid\nErrorLog {0}/httpd-error.log\n\
                 LoadModule mpm_event_module {modules}/mod_mpm_event.so\n\
                 LoadModule authz_core_module {modules}/mod_authz_core.so\n\
                 LoadModule authz_host_module {modules}/mod_authz_host.so\n\
                 Listen 127.0.0.1:18080\n<Directory />\n    Include {1}\n</Directory>\n",
                s.dir.path().display(),
                rules.display()
            ),
        )
        .unwrap();
        let out = Command::new("apache2")
            .arg("-t")
            .arg("-f")
            .arg(&conf)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The words of a shell command line, for the plain ones alf writes.
fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

#[test]
fn aws_nacl_commands_parse_back_within_every_limit() {
    let s = Scene::new();
    let (_, text) = s.rules(
        "aws-nacl",
        &["--nacl-id", "acl-0123abcd", "--nacl-max-rules", "4"],
    );
    let cmds: Vec<&str> = text.lines().filter(|l| l.starts_with("aws ")).collect();
    assert!(!cmds.is_empty() && cmds.len() <= 4, "{text}");
    let mut numbers = BTreeSet::new();
    let mut nets = BTreeSet::new();
    for c in &cmds {
        let w = words(c);
        assert_eq!(&w[..3], ["aws", "ec2", "create-network-acl-entry"]);
        let arg = |flag: &str| w.iter().position(|x| *x == flag).map(|i| w[i + 1]);
        assert_eq!(arg("--network-acl-id"), Some("acl-0123abcd"));
        assert!(w.contains(&"--ingress"));
        assert_eq!(arg("--protocol"), Some("-1"));
        assert_eq!(arg("--rule-action"), Some("deny"));
        let n: u32 = arg("--rule-number").unwrap().parse().unwrap();
        assert!((1..100).contains(&n), "{c}");
        assert!(numbers.insert(n), "rule numbers are unique: {c}");
        let (cidr, v6) = match (arg("--cidr-block"), arg("--ipv6-cidr-block")) {
            (Some(c), None) => (c, false),
            (None, Some(c)) => (c, true),
            _ => panic!("one CIDR flag: {c}"),
        };
        let net: IpNet = cidr.parse().unwrap();
        assert_eq!(net, net.trunc(), "canonical: {c}");
        assert_eq!(net.addr().is_ipv6(), v6);
        nets.insert(net);
    }
    // Spaced: room between the numbers.
    let v: Vec<u32> = numbers.into_iter().collect();
    assert!(v.windows(2).all(|w| w[1] - w[0] >= 2), "{v:?}");
    for ip in NEVER {
        let ip: IpAddr = ip.parse().unwrap();
        assert!(!nets.iter().any(|n| n.contains(&ip)));
    }
    // What did not fit is said, never widened past the floor.
    assert!(nets
        .iter()
        .all(|n| n.prefix_len() >= if n.addr().is_ipv4() { 24 } else { 48 }));
    assert!(text.contains("left out: "), "{text}");
    // The header says what the grouping costs (case 53).
    assert!(
        text.lines()
            .any(|l| l.starts_with("# over-coverage: ") && l.contains(" each)")),
        "{text}"
    );
}

#[test]
fn aws_nacl_replaces_only_the_deny_entries_below_the_first_allow() {
    let s = Scene::new();
    let current = s.path("acl.json");
    std::fs::write(
        &current,
        r#"{"NetworkAcls":[{"NetworkAclId":"acl-0123abcd","Entries":[
        {"RuleNumber":100,"Protocol":"-1","RuleAction":"allow","Egress":false,"CidrBlock":"0.0.0.0/0"},
        {"RuleNumber":10,"Protocol":"-1","RuleAction":"deny","Egress":false,"CidrBlock":"198.51.100.7/32"},
        {"RuleNumber":11,"Protocol":"-1","RuleAction":"deny","Egress":false,"CidrBlock":"192.0.2.200/32"},
        {"RuleNumber":20,"Protocol":"6","RuleAction":"allow","Egress":false,"CidrBlock":"192.0.2.0/24","PortRange":{"From":22,"To":22}},
        {"RuleNumber":32767,"Protocol":"-1","RuleAction":"deny","Egress":false,"CidrBlock":"0.0.0.0/0"}]}]}"#,
    )
    .unwrap();
    let (_, text) = s.rules("aws-nacl", &["--nacl-current", current.to_str().unwrap()]);
    let cmds: Vec<Vec<&str>> = text
        .lines()
        .filter(|l| l.starts_with("aws "))
        .map(words)
        .collect();
    let verb = |c: &Vec<&str>| c[2].to_string();
    let number = |c: &Vec<&str>| {
        let i = c.iter().position(|x| *x == "--rule-number").unwrap();
        c[i + 1].parse::<u32>().unwrap()
    };
    // 198.51.100.7 is still an offender: its entry stays as it is.
    assert!(
        !cmds.iter().any(|c| c.contains(&"198.51.100.7/32")),
        "{text}"
    );
    // 192.0.2.200 is no longer one: its entry goes (or is replaced).
    assert!(
        cmds.iter()
            .any(|c| number(c) == 11 && verb(c) != "create-network-acl-entry"),
        "{text}"
    );
    // The allow at 20 and the default entries are never touched.
    assert!(
        cmds.iter().all(|c| number(c) != 20 && number(c) < 100),
        "{text}"
    );
}

#[test]
fn aws_waf_merges_with_the_current_set() {
    let s = Scene::new();
    let current = s.path("ipset.json");
    std::fs::write(
        &current,
        r#"{"IPSet":{"Name":"blocked","Id":"a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
        "ARN":"arn:aws:wafv2:us-east-1:123456789012:regional/ipset/blocked/a1b2c3d4",
        "IPAddressVersion":"IPV4","Addresses":["192.0.2.44/32"]},
        "LockToken":"0123abcd-4567-89ef-0123-456789abcdef"}"#,
    )
    .unwrap();
    let want = planned(&s.plan(&[]));
    let (_, text) = s.rules("aws-waf", &["--waf-current", current.to_str().unwrap()]);
    let line = text
        .lines()
        .find(|l| l.contains("--cli-input-json"))
        .expect("an update for the IPv4 set");
    let json = &line[line.find('\'').unwrap() + 1..line.rfind('\'').unwrap()];
    let doc: Value = serde_json::from_str(json).unwrap();
    assert_eq!(doc["Name"], "blocked");
    assert_eq!(doc["Scope"], "REGIONAL");
    assert_eq!(doc["LockToken"], "0123abcd-4567-89ef-0123-456789abcdef");
    let addrs: BTreeSet<IpNet> = doc["Addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().parse().unwrap())
        .collect();
    assert!(addrs.contains(&"192.0.2.44/32".parse().unwrap()), "kept");
    for n in want.iter().filter(|n| n.addr().is_ipv4()) {
        assert!(addrs.contains(n), "{n} added");
    }
    assert!(addrs.iter().all(|a| a.prefix_len() > 0) && addrs.len() <= 10_000);
    // The IPv6 set, without its current contents, is said to be replaced.
    assert!(text.contains("IPV6: REPLACES the whole set"), "{text}");
}

#[test]
fn bad_names_are_refused_before_anything_is_written() {
    let s = Scene::new();
    for (target, flag, value) in [
        ("iptables", "--chain", "x; rm -rf ~"),
        ("nftables", "--table", "$(id)"),
        ("ipset", "--set-name", "a\nb"),
        ("aws-nacl", "--nacl-id", "acl-1; ls"),
        ("iptables", "--chain", &"A".repeat(29)),
    ] {
        let out = Command::new(common::alf_bin())
            .args(["rules", "--target", target, flag, value])
            .arg(s.path("access_log"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag} {value:?}");
        assert!(
            out.stdout.is_empty(),
            "nothing written for {flag} {value:?}"
        );
        assert!(!out.stderr.contains(&b'\x1b'), "{flag} {value:?}");
    }
}

#[test]
fn an_empty_plan_is_a_valid_no_op_for_every_target() {
    let dir = tempfile::tempdir().unwrap();
    let quiet = dir.path().join("access_log");
    let mut f = std::fs::File::create(&quiet).unwrap();
    writeln!(f, "198.51.100.7 - - [24/Dec/2020:18:58:33 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0\"").unwrap();
    for t in alf::rules::TARGETS {
        let out = Command::new(common::alf_bin())
            .args(["rules", "--target", t.id()])
            .arg(&quiet)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", t.id());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("0 selected") || text.contains("\"selected\": 0"),
            "{}: {text}",
            t.id()
        );
        assert!(!text.contains("198.51.100.7/32"), "{}", t.id());
        if t.id() == "nftables" {
            let p = dir.path().join("empty.nft");
            std::fs::write(&p, &text).unwrap();
            if let Some(out) = in_netns(
                &["nft"],
                "nft -c -f \"$1\"; nft -f \"$1\"; nft list set inet alf blocked_v4",
                &p,
            ) {
                assert!(nets_in(&out).is_empty(), "{out}");
            }
        }
    }
}

/// The never-block invariant over many random offender sets (hardening case
/// 51): sets salted with every protected kind of address, their IPv4-mapped
/// forms, the trusted proxy, the `--allow` ranges and the SSH session; no
/// block of any plan may hold one, be /0, or be wider than the floor.
#[test]
fn never_block_holds_over_random_offender_sets() {
    use alf::aggregate::{Agg, MAX_CLIENTS};
    use alf::classify::ClassId;
    use alf::findings::{Offender, Source};
    use alf::rules::plan::{plan, Budget, Selection};
    use alf::rules::Guard;

    let protect = rule_files::protect();
    let guard = Guard::new(&protect, 24, 48);
    let protected = rule_files::protected(&protect);
    let salts = rule_files::SALTS;
    let salt_nets = rule_files::SALT_NETS;
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let empty = Agg::new(None, MAX_CLIENTS);
    let sel = Selection::default();
    let mut violations = 0;
    let cases = 100_000;
    for case in 0..cases {
        let n = 1 + (rnd() % 12) as usize;
        let mut offenders = Vec::new();
        for _ in 0..n {
            let source = match rnd() % 8 {
                0 | 1 => Source::Ip(salts[(rnd() as usize) % salts.len()].parse().unwrap()),
                2 => Source::Net(
                    salt_nets[(rnd() as usize) % salt_nets.len()]
                        .parse()
                        .unwrap(),
                ),
                3 => Source::Ip(IpAddr::from(
                    (0x2001_0db8_0005_0000u128 << 64 | u128::from(rnd() % 4)).to_be_bytes(),
                )),
                4 | 5 => Source::Ip(IpAddr::from(
                    (0xC633_6400u32 | (rnd() % 256) as u32).to_be_bytes(),
                )),
                _ => Source::Ip(IpAddr::from((rnd() as u32).to_be_bytes())),
            };
            let mut classes = [0u64; ClassId::ALL.len()];
            classes[ClassId::Exploit as usize] = 1;
            offenders.push(Offender {
                source,
                score: 100.0,
                requests: Some(1),
                classes,
                evidence: Vec::new(),
                first_seen: None,
                last_seen: None,
            });
        }
        let budget = if case % 3 == 0 {
            Budget {
                total: Some(2),
                per_family: None,
            }
        } else {
            Budget::default()
        };
        let p = plan(&offenders, &empty, &guard, &sel, budget);
        for b in &p.blocks {
            let floor = if b.net.addr().is_ipv4() { 24 } else { 48 };
            let bad = b.net.prefix_len() == 0
                || b.net.prefix_len() < floor
                || protected.iter().any(|pr| {
                    pr.contains(&b.net) || b.net.contains(pr) || b.net.contains(&pr.network())
                });
            if bad {
                violations += 1;
                eprintln!("case {case}: {} violates the never-block set", b.net);
            }
        }
    }
    assert_eq!(
        violations, 0,
        "{violations} violations in {cases} offender sets"
    );
}

/// Every target's file, as `alf rules` writes it for the hostile log, read
/// back the way its tool reads it (the readers the `rules` fuzz target
/// uses): it installs exactly the plan's prefixes (its family's, or the
/// origin policy's open ranges), and nothing else address-like stands
/// outside its comments.
#[test]
fn every_target_file_reads_back_to_the_plan() {
    let s = Scene::new();
    let blocks: Vec<IpNet> = planned(&s.plan(&[])).into_iter().collect();
    assert!(!blocks.is_empty());
    let proxies: Vec<IpNet> = ["198.51.100.192/26", "192.0.2.50/32"]
        .map(|n| n.parse().unwrap())
        .to_vec();
    for t in alf::rules::TARGETS {
        let id = t.id();
        let extra: &[&str] = match id {
            "aws-nacl" => &["--nacl-id", "acl-0123abcd"],
            "origin-aws-sg" => &["--lb-sg", "sg-0123abcd"],
            _ => &[],
        };
        let (_, text) = s.rules(id, extra);
        let want = rule_files::wanted(id, &blocks, &proxies);
        rule_files::assert_reads_back(id, &text, &want);
    }
}

/// Case 61's threshold: past 1,000 `deny` lines the nginx file suggests a
/// `geo` map, in a comment; below, it does not. `nginx -t` takes both (see
/// `nginx_and_apache_accept_the_include_files` for the small one).
#[test]
fn nginx_suggests_a_geo_map_for_many_entries() {
    let s = Scene::new();
    let (_, small) = s.rules("nginx", &[]);
    assert!(!small.contains("geo map"), "{small}");
    let mut log = String::new();
    for i in 0..1001 {
        log += &format!(
            "1.{}.{}.7 - - [24/Dec/2020:18:58:33 +0000] \"GET /.env HTTP/1.1\" 404 5 \"-\" \"x\"\n",
            i / 250,
            i % 250
        );
    }
    let many = s.path("many.log");
    std::fs::write(&many, log).unwrap();
    let out = Command::new(common::alf_bin())
        .args(["rules", "--target", "nginx"])
        .arg(&many)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines().filter(|l| l.starts_with("deny ")).count(),
        1001
    );
    let hint: Vec<&str> = text.lines().filter(|l| l.contains("geo map")).collect();
    assert_eq!(hint.len(), 1, "{text}");
    assert!(hint[0].starts_with("# 1001 deny lines"), "{}", hint[0]);
}

#[test]
fn origin_policy_opens_the_web_ports_only_to_the_proxies() {
    let s = Scene::new();
    let (rules, text) = s.rules("origin-nftables", &[]);
    assert!(text.contains("A CHANGE OF ACCESS POLICY"), "{text}");
    if let Some(out) = in_netns(
        &["nft"],
        "nft -c -f \"$1\"; nft -f \"$1\"; nft -f \"$1\"; nft list table inet alf_origin",
        &rules,
    ) {
        let proxies = nets_in(&out);
        for n in ["198.51.100.192/26", "192.0.2.50/32"] {
            assert!(proxies.contains(&n.parse().unwrap()), "{n}: {out}");
        }
        assert!(
            out.contains("iif \"lo\" accept"),
            "loopback stays open: {out}"
        );
        assert!(out.contains("tcp dport { 80, 443 } drop"), "{out}");
    }
    let (rules, _) = s.rules("origin-iptables", &[]);
    if let Some(out) = in_netns(
        &["iptables-restore", "iptables"],
        "iptables-restore --test --noflush < \"$1\"; iptables-restore --noflush < \"$1\"; \
         iptables-restore --noflush < \"$1\"; iptables -S ALF-ORIGIN",
        &rules,
    ) {
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.contains(&"-A ALF-ORIGIN -i lo -j RETURN"), "{out}");
        assert!(
            lines.contains(&"-A ALF-ORIGIN -s 198.51.100.192/26 -j RETURN"),
            "{out}"
        );
        assert_eq!(
            lines.iter().filter(|l| l.ends_with("-j DROP")).count(),
            1,
            "once, however often applied: {out}"
        );
    }
    let (_, text) = s.rules("origin-aws-sg", &["--lb-sg", "sg-0123abcd"]);
    let cmds: Vec<&str> = text.lines().filter(|l| l.starts_with("aws ")).collect();
    let first_revoke = cmds.iter().position(|c| c.contains("revoke-")).unwrap();
    assert!(
        cmds[..first_revoke]
            .iter()
            .any(|c| c.contains("--source-group sg-0123abcd --port 443")
                || c.contains("--port 443 --source-group sg-0123abcd")),
        "the load balancer is allowed before the open rules go: {text}"
    );
    assert!(cmds[first_revoke..].iter().all(|c| c.contains("revoke-")));
    assert!(cmds.iter().any(|c| c.contains("--cidr 0.0.0.0/0")));
    for c in &cmds {
        let w = words(c);
        assert_eq!(&w[..2], ["aws", "ec2"]);
        assert!(w.contains(&"\"$sg\""), "{c}");
    }
}

#[test]
fn write_replaces_the_file_whole() {
    let s = Scene::new();
    let (_, stdout) = s.rules("nginx", &[]);
    let target = s.path("deny.conf");
    std::fs::write(&target, "old\n").unwrap();
    let (_, printed) = s.rules("nginx", &["--write", target.to_str().unwrap()]);
    assert!(printed.is_empty(), "nothing on standard output");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), stdout);
    let left: Vec<_> = std::fs::read_dir(s.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".alf-"))
        .collect();
    assert!(left.is_empty(), "no temporary file left behind");
    // A file that cannot be written: an error, and the old one untouched.
    let out = Command::new(common::alf_bin())
        .args(["rules", "--target", "nginx", "--write"])
        .arg(s.path("no/such/dir/deny.conf"))
        .arg(s.path("access_log"))
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), stdout);
}

/// One `# input:` line of a rule file's header, read back.
#[derive(Debug, PartialEq)]
struct Provenance {
    name: String,
    /// The bytes hashed: the file's (or stream's) own, as read.
    bytes: u64,
    codec: Option<String>,
    sha256: String,
    /// A compressed input's bytes once decompressed.
    decompressed: Option<u64>,
}

/// The `# input:` lines of a rule file, each as
/// `NAME (N bytes[, CODEC], sha256 HEX[; M bytes decompressed])`.
fn provenance(text: &str) -> Vec<Provenance> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# input: "))
        .map(|l| {
            let (name, rest) = l.rsplit_once(" (").expect("NAME (...)");
            let rest = rest.strip_suffix(')').expect("(...)");
            let (hashed, decompressed) = match rest.split_once("; ") {
                Some((h, d)) => (h, Some(d)),
                None => (rest, None),
            };
            let parts: Vec<&str> = hashed.split(", ").collect();
            let bytes = parts[0].strip_suffix(" bytes").expect("N bytes");
            let sha256 = parts
                .last()
                .unwrap()
                .strip_prefix("sha256 ")
                .expect("sha256");
            Provenance {
                name: name.to_string(),
                bytes: bytes.parse().expect("a count"),
                codec: (parts.len() == 3).then(|| parts[1].to_string()),
                sha256: sha256.to_string(),
                decompressed: decompressed.map(|d| {
                    let n = d.strip_suffix(" bytes decompressed").expect("M bytes");
                    n.parse().expect("a count")
                }),
            }
        })
        .collect()
}

/// `sha256sum`'s hash of the first `n` bytes of `path` (all of them when
/// that is its size), through `head -c` as an investigator would check it.
fn sha256sum_head(path: &Path, n: u64) -> String {
    let out = common::sh(
        r#"head -c "$1" -- "$2" | sha256sum"#,
        &[n.to_string().as_str(), path.to_str().unwrap()],
    );
    let out = String::from_utf8(out).unwrap();
    out.split_whitespace().next().unwrap().to_string()
}

/// `sha256sum FILE`.
fn sha256sum(path: &Path) -> String {
    let out = common::sh(r#"sha256sum -- "$1""#, &[path]);
    let out = String::from_utf8(out).unwrap();
    out.split_whitespace().next().unwrap().to_string()
}

/// `alf rules --target TARGET ARGS...`, fed `stdin`: its output, after
/// checking it exited 0.
fn rules_text(target: &str, args: &[&OsStr], stdin: Option<&[u8]>) -> String {
    let mut all: Vec<&OsStr> = vec!["rules".as_ref(), "--target".as_ref(), target.as_ref()];
    all.extend_from_slice(args);
    let out = common::run_alf(&all, stdin);
    assert_eq!(out.code(), Some(0), "alf rules: {}", out.stderr_text());
    String::from_utf8(out.stdout).unwrap()
}

/// Case 66: every input's line in the header gives the SHA-256 of exactly
/// the bytes alf read, as the real `sha256sum` gives it: for a shipped log
/// (mapped, and streamed with `--mmap never`), for a file compressed by the
/// real `gzip` (and `zstd`), where it is the compressed file's own hash,
/// and for standard input. The JSON plan carries the same.
#[test]
fn header_hashes_are_those_sha256sum_gives() {
    if !common::require_tools(&["sha256sum", "gzip", "zstd", "head"]) {
        return;
    }
    let access = common::testdata("incident/access_log");
    let error = common::testdata("incident/error_log");
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    let plain = |p: &Path| Provenance {
        name: p
            .strip_prefix(common::root())
            .unwrap()
            .display()
            .to_string(),
        bytes: size(p),
        codec: None,
        sha256: sha256sum(p),
        decompressed: None,
    };
    for mmap in ["auto", "never"] {
        let text = rules_text(
            "nftables",
            &[
                "--mmap".as_ref(),
                mmap.as_ref(),
                "testdata/incident/access_log".as_ref(),
                "testdata/incident/error_log".as_ref(),
            ],
            None,
        );
        assert_eq!(
            provenance(&text),
            [plain(&access), plain(&error)],
            "--mmap {mmap}"
        );
    }

    // Compressed by the real tools: the hash is the file's, as read.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("access_log");
    std::fs::copy(&access, &copy).unwrap();
    common::sh(r#"gzip -k -9 -- "$1" && zstd -q -k -- "$1""#, &[&copy]);
    for (file, codec) in [("access_log.gz", "gzip"), ("access_log.zst", "zstd")] {
        let p = dir.path().join(file);
        let text = rules_text("iptables", &[p.as_os_str()], None);
        let want = Provenance {
            name: p.display().to_string(),
            bytes: size(&p),
            codec: Some(codec.into()),
            sha256: sha256sum(&p),
            decompressed: Some(size(&access)),
        };
        assert_eq!(provenance(&text), [want], "{file}");
        assert_ne!(sha256sum(&p), sha256sum(&access));
    }

    // Standard input: the stream's bytes, as `sha256sum` reads them from a
    // pipe; gzip on standard input too.
    let gz = dir.path().join("access_log.gz");
    for (p, codec) in [(&access, None), (&gz, Some("gzip"))] {
        let bytes = std::fs::read(p).unwrap();
        let text = rules_text("ipset", &["-".as_ref()], Some(&bytes));
        let piped = common::sh(r#"sha256sum < "$1""#, &[p]);
        let piped = String::from_utf8(piped).unwrap();
        let want = Provenance {
            name: "-".into(),
            bytes: bytes.len() as u64,
            codec: codec.map(Into::into),
            sha256: piped.split_whitespace().next().unwrap().into(),
            decompressed: codec.map(|_| size(&access)),
        };
        assert_eq!(
            provenance(&text),
            [want],
            "{} on standard input",
            p.display()
        );
    }

    // The JSON plan: the same hash, and which count it covers.
    let text = rules_text("json", &[gz.as_os_str()], None);
    let v: Value = serde_json::from_str(&text).unwrap();
    let row = &v["header"]["inputs"][0];
    assert_eq!(row["sha256"], sha256sum(&gz).as_str());
    assert_eq!(row["sha256_bytes"], size(&gz));
    assert_eq!(row["bytes"], size(&access));
    assert_eq!(row["compression"], "gzip");
    let lines: Vec<String> = v["header"]["text"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("# {}\n", l.as_str().unwrap()))
        .collect();
    assert_eq!(provenance(&lines.concat())[0].sha256, sha256sum(&gz));
}

/// A live log, appended to while alf reads it and after: the header's
/// count is where the read stopped (the size at open for a map, the end
/// reached for a stream), and `head -c N FILE | sha256sum` gives its hash
/// once the file has grown past it.
#[test]
fn a_growing_log_is_hashed_as_far_as_it_was_read() {
    if !common::require_tools(&["sha256sum", "head"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("access_log");
    let body = common::combined_lines(20_000, 66);
    std::fs::write(&p, &body).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (p, stop) = (p.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
            let mut seed = 1;
            // Whole lines, appended until told to stop.
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                f.write_all(&common::combined_lines(50, seed)).unwrap();
                seed += 1;
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        })
    };
    for mmap in ["auto", "never"] {
        let text = rules_text(
            "plain",
            &[
                "--mmap".as_ref(),
                mmap.as_ref(),
                "--chunk-size".as_ref(),
                "16384".as_ref(),
                p.as_os_str(),
            ],
            None,
        );
        let got = provenance(&text);
        assert_eq!(got.len(), 1, "{text}");
        assert!(got[0].bytes >= body.len() as u64, "--mmap {mmap}: {got:?}");
        assert_eq!(
            got[0].sha256,
            sha256sum_head(&p, got[0].bytes),
            "--mmap {mmap}"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    let grown = std::fs::metadata(&p).unwrap().len();
    assert!(grown > body.len() as u64, "the writer appended");
    assert_ne!(sha256sum(&p), sha256sum_head(&p, body.len() as u64));
}
